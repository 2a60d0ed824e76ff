// A small HTTP/1.1 server: the operational endpoints (GET /metrics, /healthz, /readyz) and the
// Nexus HTTP API (frontend/nexus_http.h). Routes are exact paths or path prefixes, each with the
// methods it accepts; 404 for an unknown path, 405 (with Allow) for a method a route does not
// take, 400 for a request that is not HTTP/1.x, 431 for a request head over its limit, 413 for a
// body over its limit, 501 for a transfer coding other than chunked. A request body is read whole
// (Content-Length or chunked) before the handler runs. One request per connection
// (`Connection: close`). Every limit is an option: request head and body size, time to receive
// the request, time for a handler to answer, time to write the response, connections open at once.
//
// Handlers are asynchronous: a handler gets the request and a Responder, which it (or any thread
// it hands it to) calls once, later; the server thread never waits for it. A plain Handler is
// answered at once.
//
// Owned by the Server. Lifecycle: Handle() for every route, then Start() once, then Stop() once
// (the destructor stops it too). Handle and Start are not thread-safe; Stop may be called from
// any thread but the server's own. Handlers run on the server's one thread, one at a time, so a
// handler must only read state that is safe to read from another thread (the metrics registry
// is), or post its work elsewhere. A Responder may be called from any thread, also after Stop
// (the answer is then dropped).
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
#include <vector>

#include "common/http_message.h"
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
    // Request line plus headers at most.
    size_t request_head_bytes_max = 8192;
    // A request body at most (decoded, for chunked framing); a larger one is refused with 413.
    size_t request_body_bytes_max = size_t{4} * 1024 * 1024;
    // A client that has not sent its whole request (head and body) by then is answered 408 and
    // disconnected.
    std::chrono::milliseconds request_timeout = std::chrono::seconds(10);
    // A handler that has not answered by then is answered 503 on its behalf (its late answer is
    // dropped).
    std::chrono::milliseconds handler_timeout = std::chrono::minutes(5);
    // A client that does not read the response within this is disconnected.
    std::chrono::milliseconds response_timeout = std::chrono::seconds(30);
    // Connections beyond this are closed as soon as they are accepted.
    size_t connections_max = 64;
  };
  using Request = http::Request;
  using Response = http::Response;

  // Answers one request. Copies share it: the first call answers, later calls are ignored. When
  // the last copy goes without having been called, the request is answered 500.
  class Responder {
   public:
    void operator()(Response response) const;

   private:
    friend class HttpServer;
    struct State;
    explicit Responder(std::shared_ptr<State> state) : state_(std::move(state)) {}
    std::shared_ptr<State> state_;
  };

  using Handler = std::function<Response(const Request& request)>;
  using AsyncHandler = std::function<void(Request request, Responder respond)>;

  struct Route {
    // The exact path, or with `prefix` every path that starts with it ("/namespaces/"). An exact
    // route wins over a prefix; the longest prefix wins among prefixes.
    std::string path;
    bool prefix = false;
    // The methods the route takes; others are answered 405. Empty: every method (the handler
    // answers those it does not take).
    std::vector<std::string> methods = {"GET"};
  };

  explicit HttpServer(Options options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Serves GET `path` (exact match, query ignored) with `handler`. Before Start only.
  void Handle(std::string path, Handler handler);
  // Serves `route` with `handler`. Before Start only.
  void Handle(Route route, AsyncHandler handler);

  // Binds and listens on this thread (so a bind failure is reported here), then serves on a
  // thread of its own. On failure nothing is left running.
  hugo::Result<hugo::Unit> Start();
  // Closes the listener and every connection, and joins the thread. Idempotent.
  void Stop();

  int BoundPort() const { return bound_port_; }

 private:
  class Connection;
  // Where Responders post their answers: the io_context while the server runs, null after Stop.
  struct Gate;
  struct Entry {
    Route route;
    AsyncHandler handler;
  };
  static Responder MakeResponder(std::shared_ptr<Gate> gate, std::weak_ptr<Connection> connection);
  void Accept();
  // The route serving `path`; null when none.
  const Entry* Find(const std::string& path) const;

  Options options_;
  std::map<std::string, Entry, std::less<>> exact_;
  std::vector<Entry> prefixes_;  // longest first
  asio::io_context io_context_;
  std::shared_ptr<Gate> gate_;
  asio::ip::tcp::acceptor acceptor_;
  // Re-arms the accept after an error (EMFILE) without spinning.
  asio::steady_timer accept_retry_;
  // Open connections; touched on the server thread only.
  std::set<std::shared_ptr<Connection>> connections_;
  std::thread thread_;
  int bound_port_ = 0;
};

}  // namespace hdo::server
