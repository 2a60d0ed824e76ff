#include "testlib/dev_server.h"

#include <chrono>
#include <regex>

namespace hdo::testlib {

DevServer::DevServer(const std::string& db_filename, std::vector<std::string> extra) {
  static const std::regex kStarted(
      R"(msg="server started".* grpc_address=([^ ]+)(?:.* metrics_url=([^ ]*))?)");
  std::vector<std::string> argv = {HdoBinary(), "server",        "start-dev", "--port",
                                   "0",         "--db-filename", db_filename};
  argv.insert(argv.end(), extra.begin(), extra.end());
  process_ = std::make_unique<Process>(argv);
  auto match = process_->WaitForStderr(kStarted, std::chrono::seconds(60));
  if (!match) return;
  address_ = (*match)[1];
  metrics_url_ = (*match)[2];
  if (metrics_url_ == "\"\"") metrics_url_.clear();  // the log shows an empty value as ""
  std::smatch port;
  if (std::regex_search(metrics_url_, port, std::regex(R"(:(\d+)/metrics$)"))) {
    metrics_port_ = std::stoi(port[1]);
  }
}

int DevServer::port() const { return std::stoi(address_.substr(address_.rfind(':') + 1)); }

}  // namespace hdo::testlib
