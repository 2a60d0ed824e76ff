// A minimal HTTP/1.1 server for operational endpoints: GET /metrics, /healthz and /readyz. A path →
// handler map; 404 for an unknown path, 405 for a method other than GET, 400 for a request that is
// not HTTP/1.x, 431 for a request head over the size limit; one request per connection
// (`Connection: close`). Every limit is an option: request head size, time to read it, time to
// write the response, connections open at once.
//
// Owned by the Server. Lifecycle: Handle() for every path, then Start() once, then Stop() once
// (the destructor stops it too). Handle and Start are not thread-safe; Stop may be called from
// any thread but the server's own. Handlers run on the server's one thread, one at a time, so a
// handler must only read state that is safe to read from another thread (the metrics registry
// is).
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "hugo/result.h"

namespace hdo::server {

// Error codes of HttpServer::Start() (Error::Code()).
inline constexpr char kErrorHttpInvalidAddress[] = "hdo.server.http.invalid_address";
inline constexpr char kErrorHttpAddressInUse[] = "hdo.server.http.address_in_use";
inline constexpr char kErrorHttpListen[] = "hdo.server.http.listen";

class HttpServer {
 public:
  struct Options {
    std::string ip = "127.0.0.1";
    // 0 picks a free port; BoundPort() tells which.
    int port = 0;
    // Request line plus headers at most; a GET has no body worth reading.
    size_t request_head_bytes_max = 8192;
    // A client that has not sent its whole request head by then is disconnected (408).
    std::chrono::milliseconds request_timeout = std::chrono::seconds(10);
    // A client that does not read the response within this is disconnected.
    std::chrono::milliseconds response_timeout = std::chrono::seconds(30);
    // Connections beyond this are closed as soon as they are accepted.
    size_t connections_max = 64;
  };
  struct Request {
    std::string path;   // "/metrics"
    std::string query;  // after '?', without it; empty when none
  };
  struct Response {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
  };
  using Handler = std::function<Response(const Request& request)>;

  explicit HttpServer(Options options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Serves GET `path` (exact match, query ignored) with `handler`. Before Start only.
  void Handle(std::string path, Handler handler);

  // Binds and listens on this thread (so a bind failure is reported here), then serves on a
  // thread of its own. On failure nothing is left running.
  hugo::Result<hugo::Unit> Start();
  // Closes the listener and every connection, and joins the thread. Idempotent.
  void Stop();

  int BoundPort() const { return bound_port_; }

 private:
  class Connection;
  void Accept();
  // Routes one parsed request (server thread).
  Response Dispatch(const std::string& method, const std::string& target) const;

  Options options_;
  std::map<std::string, Handler, std::less<>> handlers_;
  asio::io_context io_context_;
  asio::ip::tcp::acceptor acceptor_;
  // Re-arms the accept after an error (EMFILE) without spinning.
  asio::steady_timer accept_retry_;
  // Open connections; touched on the server thread only.
  std::set<std::shared_ptr<Connection>> connections_;
  std::thread thread_;
  int bound_port_ = 0;
};

}  // namespace hdo::server
