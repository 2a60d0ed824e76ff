#include "server/http_server.h"

#include <asio/buffers_iterator.hpp>
#include <asio/post.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/streambuf.hpp>
#include <asio/write.hpp>
#include <string_view>
#include <vector>

#include "common/log.h"

namespace hdo::server {
namespace {

using asio::ip::tcp;

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return status < 500 ? "Client Error" : "Server Error";
  }
}

HttpServer::Response PlainResponse(int status, std::string body) {
  HttpServer::Response response;
  response.status = status;
  response.body = std::move(body) + "\n";
  return response;
}

// `with_body` false for a HEAD request: its answer has the headers a GET's would, and no body.
std::string Serialize(const HttpServer::Response& response, bool with_body) {
  std::string text = "HTTP/1.1 " + std::to_string(response.status) + " ";
  text += ReasonPhrase(response.status);
  text += "\r\nContent-Type: " + response.content_type;
  text += "\r\nContent-Length: " + std::to_string(response.body.size());
  if (response.status == 405) text += "\r\nAllow: GET";
  text += "\r\nConnection: close\r\n\r\n";
  if (with_body) text += response.body;
  return text;
}

std::string JoinHostPort(const std::string& ip, int port) {
  return ip.find(':') != std::string::npos ? "[" + ip + "]:" + std::to_string(port)
                                           : ip + ":" + std::to_string(port);
}

// Accepting again at once after an error such as EMFILE would spin; this long is enough for the
// process to close a descriptor.
constexpr std::chrono::milliseconds kAcceptRetry(100);

}  // namespace

// One client connection: read the request head, answer, close. Lives on the server thread; kept
// alive by the server's set and by its own pending operations.
class HttpServer::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(HttpServer* server, tcp::socket socket)
      : server_(server),
        socket_(std::move(socket)),
        deadline_(server->io_context_),
        request_(server->options_.request_head_bytes_max) {}

  void Start() {
    ArmDeadline(server_->options_.request_timeout);
    asio::async_read_until(
        socket_, request_, "\r\n\r\n",
        [self = shared_from_this()](const std::error_code& error, size_t head_bytes) {
          self->OnRead(error, head_bytes);
        });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    std::error_code ignored;
    deadline_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    server_->connections_.erase(shared_from_this());
  }

 private:
  void ArmDeadline(std::chrono::milliseconds timeout) {
    deadline_.expires_after(timeout);
    deadline_.async_wait([self = shared_from_this()](const std::error_code& error) {
      if (!error) self->OnDeadline();
    });
  }

  void OnDeadline() {
    if (closed_) return;
    if (writing_) {
      Close();
      return;
    }
    // The pending read completes with operation_aborted, and OnRead answers 408.
    timed_out_ = true;
    std::error_code ignored;
    socket_.cancel(ignored);
  }

  void OnRead(const std::error_code& error, size_t head_bytes) {
    if (closed_) return;
    if (timed_out_) {
      Respond(PlainResponse(408, "request not received in time"));
    } else if (error == asio::error::not_found) {
      Respond(PlainResponse(431, "request head over " +
                                     std::to_string(server_->options_.request_head_bytes_max) +
                                     " bytes"));
    } else if (error) {
      Close();  // the client went away
    } else {
      auto begin = asio::buffers_begin(request_.data());
      std::string head(begin, begin + static_cast<std::ptrdiff_t>(head_bytes));
      Respond(Route(head));
    }
  }

  // "GET /metrics HTTP/1.1\r\n...": the request line decides everything; headers are ignored.
  Response Route(const std::string& head) {
    std::string_view line(head);
    line = line.substr(0, line.find("\r\n"));
    size_t first_space = line.find(' ');
    size_t second_space =
        first_space == std::string_view::npos ? first_space : line.find(' ', first_space + 1);
    if (second_space == std::string_view::npos ||
        line.find(' ', second_space + 1) != std::string_view::npos ||
        line.substr(second_space + 1).rfind("HTTP/1.", 0) != 0) {
      return PlainResponse(400, "not an HTTP/1.x request");
    }
    head_request_ = line.substr(0, first_space) == "HEAD";
    return server_->Dispatch(
        std::string(line.substr(0, first_space)),
        std::string(line.substr(first_space + 1, second_space - first_space - 1)));
  }

  void Respond(const Response& response) {
    writing_ = true;
    response_ = Serialize(response, !head_request_);
    ArmDeadline(server_->options_.response_timeout);
    asio::async_write(
        socket_, asio::buffer(response_),
        [self = shared_from_this()](const std::error_code&, size_t) { self->Close(); });
  }

  HttpServer* server_;
  tcp::socket socket_;
  asio::steady_timer deadline_;
  asio::streambuf request_;
  std::string response_;
  bool head_request_ = false;
  bool writing_ = false;
  bool timed_out_ = false;
  bool closed_ = false;
};

HttpServer::HttpServer(Options options)
    : options_(std::move(options)), acceptor_(io_context_), accept_retry_(io_context_) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Handle(std::string path, Handler handler) {
  handlers_[std::move(path)] = std::move(handler);
}

hugo::Result<hugo::Unit> HttpServer::Start() {
  const std::string address = JoinHostPort(options_.ip, options_.port);
  std::error_code error;
  asio::ip::address ip = asio::ip::make_address(options_.ip, error);
  if (error || options_.port < 0 || options_.port > 65535) {
    return hugo::Error::From("cannot listen on " + address + ": not an IP address and port",
                             kErrorHttpInvalidAddress);
  }
  tcp::endpoint endpoint(ip, static_cast<uint16_t>(options_.port));
  std::error_code ignored;
  acceptor_.open(endpoint.protocol(), error);
  if (!error) {
    // Without SO_REUSEADDR a restart would fail while old connections sit in TIME_WAIT; Linux
    // still refuses a port that another socket listens on.
    acceptor_.set_option(tcp::acceptor::reuse_address(true), ignored);
    acceptor_.bind(endpoint, error);
  }
  if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    acceptor_.close(ignored);
    if (error == asio::error::address_in_use) {
      return hugo::Error::From("cannot listen on " + address + ": the port is already in use",
                               kErrorHttpAddressInUse);
    }
    return hugo::Error::From("cannot listen on " + address + ": " + error.message(),
                             kErrorHttpListen);
  }
  bound_port_ = acceptor_.local_endpoint(ignored).port();
  Accept();
  thread_ = std::thread([this] { io_context_.run(); });
  return hugo::Ok();
}

void HttpServer::Stop() {
  if (!thread_.joinable()) return;
  asio::post(io_context_, [this] {
    std::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
    // Close() erases from the set: iterate over a copy.
    std::vector<std::shared_ptr<Connection>> open(connections_.begin(), connections_.end());
    for (const auto& connection : open) connection->Close();
  });
  // Nothing is pending once every socket and timer is closed, so run() returns.
  thread_.join();
}

void HttpServer::Accept() {
  acceptor_.async_accept([this](const std::error_code& error, tcp::socket socket) {
    if (!acceptor_.is_open()) return;  // stopping
    if (error) {
      log::Debug("http accept failed", {{"error", error.message()}});
      accept_retry_.expires_after(kAcceptRetry);
      accept_retry_.async_wait([this](const std::error_code& wait_error) {
        if (!wait_error && acceptor_.is_open()) Accept();
      });
      return;
    }
    if (connections_.size() >= options_.connections_max) {
      std::error_code ignored;
      socket.close(ignored);
    } else {
      auto connection = std::make_shared<Connection>(this, std::move(socket));
      connections_.insert(connection);
      connection->Start();
    }
    Accept();
  });
}

HttpServer::Response HttpServer::Dispatch(const std::string& method,
                                          const std::string& target) const {
  if (method != "GET") return PlainResponse(405, "method " + method + " not allowed; use GET");
  size_t question = target.find('?');
  Request request;
  request.path = target.substr(0, question);
  if (question != std::string::npos) request.query = target.substr(question + 1);
  auto handler = handlers_.find(request.path);
  if (handler == handlers_.end()) return PlainResponse(404, "no such path: " + request.path);
  return handler->second(request);
}

}  // namespace hdo::server
