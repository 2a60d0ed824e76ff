// A tiny blocking HTTP/1.1 server for the worker host's health endpoint (internal to
// libhdo-sdk): one thread accepts connections one at a time, reads one GET request (at most
// 8 KiB, 5 s), answers with the handler's status, body and content type, and closes the
// connection.
// Enough for liveness/readiness probes; not a general web server.
//
// Owner: one WorkerHost. Thread safety: the handler runs on the server's thread; Start and the
// destructor (which stops and joins) are called by the owner.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "hugo/result.h"

namespace hdo::internal {

class HttpHealthServer {
 public:
  struct Reply {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
  };
  // The reply to a GET of `path`.
  using Handler = std::function<Reply(std::string_view path)>;

  // Binds address:port (port 0: a free one) and starts serving. error.validation for a bad
  // address; error.unavailable when the port cannot be bound.
  static hugo::Result<std::unique_ptr<HttpHealthServer>> Start(const std::string& address, int port,
                                                               Handler handler);
  ~HttpHealthServer();
  HttpHealthServer(const HttpHealthServer&) = delete;
  HttpHealthServer& operator=(const HttpHealthServer&) = delete;

  int port() const { return port_; }

 private:
  HttpHealthServer(int listen_fd, int port, Handler handler);
  void Loop();
  void Serve(int connection_fd);

  int listen_fd_;
  int port_;
  int wake_[2] = {-1, -1};  // a pipe: a byte on it ends Loop
  Handler handler_;
  std::thread thread_;
};

}  // namespace hdo::internal
