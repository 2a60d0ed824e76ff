// A real `hdo server start-dev` for tests: on a free gRPC port (and whatever `extra` flags ask),
// waited for until it logs "server started", with the addresses it logged. Owned by one test;
// not thread-safe. The process is killed with the object if it still runs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "testlib/process.h"

namespace hdo::testlib {

class DevServer {
 public:
  explicit DevServer(const std::string& db_filename, std::vector<std::string> extra = {});

  Process& process() { return *process_; }
  bool started() const { return !address_.empty(); }
  // "ip:port" of the gRPC API; empty when the server did not start.
  const std::string& address() const { return address_; }
  int port() const;
  // The /metrics URL it logged (empty when metrics are off) and its port (0 then).
  const std::string& metrics_url() const { return metrics_url_; }
  int metrics_port() const { return metrics_port_; }

 private:
  std::unique_ptr<Process> process_;
  std::string address_;
  std::string metrics_url_;
  int metrics_port_ = 0;
};

}  // namespace hdo::testlib
