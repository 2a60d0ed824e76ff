#include "server/http_server.h"

#include <algorithm>
#include <array>
#include <asio/buffers_iterator.hpp>
#include <asio/post.hpp>
#include <asio/read.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/streambuf.hpp>
#include <asio/write.hpp>
#include <atomic>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "common/log.h"

namespace hdo::server {
namespace {

using asio::ip::tcp;

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 424:
      return "Failed Dependency";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
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

// Fields the server writes itself, and fields that would break the framing.
bool IsManagedHeader(std::string_view name) {
  return http::HeaderNameEquals(name, "Content-Length") ||
         http::HeaderNameEquals(name, "Connection") ||
         http::HeaderNameEquals(name, "Transfer-Encoding");
}

bool HasLineBreak(std::string_view text) { return text.find_first_of("\r\n") != text.npos; }

// `with_body` false for a HEAD request: its answer has the headers a GET's would, and no body.
std::string Serialize(const HttpServer::Response& response, bool with_body) {
  std::string text = "HTTP/1.1 " + std::to_string(response.status) + " ";
  text += ReasonPhrase(response.status);
  if (!response.content_type.empty() && !HasLineBreak(response.content_type)) {
    text += "\r\nContent-Type: " + response.content_type;
  }
  for (const http::HeaderField& field : response.headers) {
    if (field.name.empty() || IsManagedHeader(field.name) || HasLineBreak(field.name) ||
        HasLineBreak(field.value) || field.name.find(':') != std::string::npos) {
      log::Debug("http response header dropped", {{"name", field.name}});
      continue;
    }
    text += "\r\n" + field.name + ": " + field.value;
  }
  text += "\r\nContent-Length: " + std::to_string(response.body.size());
  text += "\r\nConnection: close\r\n\r\n";
  if (with_body) text += response.body;
  return text;
}

std::string JoinHostPort(const std::string& ip, int port) {
  return ip.find(':') != std::string::npos ? "[" + ip + "]:" + std::to_string(port)
                                           : ip + ":" + std::to_string(port);
}

std::string_view TrimWhitespace(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// The request line and header fields of a request head ("POST /x HTTP/1.1\r\nA: b\r\n\r\n");
// nullopt when it is not HTTP/1.x.
struct RequestHead {
  std::string method;
  std::string target;
  std::vector<http::HeaderField> headers;
};

std::optional<RequestHead> ParseHead(std::string_view head) {
  size_t line_end = head.find("\r\n");
  std::string_view line = head.substr(0, line_end);
  size_t first_space = line.find(' ');
  size_t second_space =
      first_space == std::string_view::npos ? first_space : line.find(' ', first_space + 1);
  if (first_space == 0 || second_space == std::string_view::npos ||
      line.find(' ', second_space + 1) != std::string_view::npos ||
      line.substr(second_space + 1).rfind("HTTP/1.", 0) != 0) {
    return std::nullopt;
  }
  RequestHead parsed;
  parsed.method = line.substr(0, first_space);
  parsed.target = line.substr(first_space + 1, second_space - first_space - 1);
  if (parsed.target.empty()) return std::nullopt;
  std::string_view rest =
      line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
  while (!rest.empty()) {
    size_t end = rest.find("\r\n");
    std::string_view field = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
    if (field.empty()) break;  // the blank line that ends the head
    size_t colon = field.find(':');
    // No obsolete line folding, no whitespace between the name and the colon (RFC 9112 §5).
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    std::string_view name = field.substr(0, colon);
    for (char c : name) {
      if (!IsTokenChar(c)) return std::nullopt;
    }
    parsed.headers.push_back(
        {std::string(name), std::string(TrimWhitespace(field.substr(colon + 1)))});
  }
  return parsed;
}

// How a request's body is framed, from its headers: none, Content-Length bytes or chunked; an
// error status (400, 413, 501) when the framing is invalid or refused.
struct BodyFraming {
  enum class Kind { kNone, kLength, kChunked };
  Kind kind = Kind::kNone;
  size_t length = 0;
  int error_status = 0;
  std::string error;
};

BodyFraming FramingOf(const http::Request& request, size_t body_bytes_max) {
  BodyFraming framing;
  std::vector<std::string_view> codings = request.HeaderValues("Transfer-Encoding");
  std::vector<std::string_view> lengths = request.HeaderValues("Content-Length");
  if (!codings.empty()) {
    if (!lengths.empty()) {
      framing.error_status = 400;
      framing.error = "both Transfer-Encoding and Content-Length";
      return framing;
    }
    std::string joined;
    for (std::string_view coding : codings) joined += std::string(coding) + ",";
    std::vector<std::string> names;
    std::string_view rest(joined);
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view name = TrimWhitespace(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (!name.empty()) names.emplace_back(name);
    }
    if (names.size() != 1 || !http::HeaderNameEquals(names[0], "chunked")) {
      framing.error_status = 501;
      framing.error = "transfer coding '" + joined.substr(0, joined.size() - 1) +
                      "' not supported; send chunked or Content-Length";
      return framing;
    }
    framing.kind = BodyFraming::Kind::kChunked;
    return framing;
  }
  if (lengths.empty()) return framing;
  for (std::string_view length : lengths) {
    if (length != lengths[0] || length.empty() || length.size() > 19 ||
        length.find_first_not_of("0123456789") != std::string_view::npos) {
      framing.error_status = length.size() > 19 && length == lengths[0] ? 413 : 400;
      framing.error = "invalid Content-Length";
      return framing;
    }
  }
  framing.length = std::stoull(std::string(lengths[0]));
  if (framing.length > body_bytes_max) {
    framing.error_status = 413;
    framing.error = "request body over " + std::to_string(body_bytes_max) + " bytes";
    return framing;
  }
  framing.kind = framing.length == 0 ? BodyFraming::Kind::kNone : BodyFraming::Kind::kLength;
  return framing;
}

// Decodes a chunked body as it arrives (RFC 9112 §7.1): chunk-size lines (extensions ignored),
// data, the last chunk, then trailer fields (ignored) up to a blank line.
class ChunkedDecoder {
 public:
  enum class Status { kNeedMore, kDone, kInvalid, kTooLarge };
  explicit ChunkedDecoder(size_t body_bytes_max) : body_bytes_max_(body_bytes_max) {}

  Status Feed(std::string_view input) {
    while (!input.empty() && phase_ != Phase::kDone) {
      if (phase_ == Phase::kData) {
        size_t take = std::min(chunk_left_, input.size());
        body_.append(input.substr(0, take));
        input.remove_prefix(take);
        chunk_left_ -= take;
        if (chunk_left_ == 0) phase_ = Phase::kDataEnd;
        continue;
      }
      size_t newline = input.find('\n');
      line_.append(input.substr(0, newline));
      if (line_.size() > kLineBytesMax) return Status::kInvalid;
      if (newline == std::string_view::npos) return Status::kNeedMore;
      input.remove_prefix(newline + 1);
      if (!line_.empty() && line_.back() == '\r') line_.pop_back();
      Status status = EndLine();
      line_.clear();
      if (status != Status::kNeedMore) return status;
    }
    return phase_ == Phase::kDone ? Status::kDone : Status::kNeedMore;
  }

  std::string& body() { return body_; }

 private:
  enum class Phase { kSize, kData, kDataEnd, kTrailer, kDone };
  static constexpr size_t kLineBytesMax = 4096;

  Status EndLine() {
    switch (phase_) {
      case Phase::kSize: {
        std::string_view size_text = TrimWhitespace(
            std::string_view(line_).substr(0, std::min(line_.find(';'), line_.size())));
        if (size_text.empty() || size_text.size() > 15 ||
            size_text.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos) {
          return Status::kInvalid;
        }
        size_t size = std::stoull(std::string(size_text), nullptr, 16);
        if (size == 0) {
          phase_ = Phase::kTrailer;
        } else if (body_.size() + size > body_bytes_max_) {
          return Status::kTooLarge;
        } else {
          chunk_left_ = size;
          phase_ = Phase::kData;
        }
        return Status::kNeedMore;
      }
      case Phase::kDataEnd:
        if (!line_.empty()) return Status::kInvalid;
        phase_ = Phase::kSize;
        return Status::kNeedMore;
      case Phase::kTrailer:
        if (line_.empty()) phase_ = Phase::kDone;
        return phase_ == Phase::kDone ? Status::kDone : Status::kNeedMore;
      case Phase::kData:
      case Phase::kDone:
        break;
    }
    return Status::kInvalid;
  }

  size_t body_bytes_max_;
  Phase phase_ = Phase::kSize;
  size_t chunk_left_ = 0;
  std::string line_;
  std::string body_;
};

// Accepting again at once after an error such as EMFILE would spin; this long is enough for the
// process to close a descriptor.
constexpr std::chrono::milliseconds kAcceptRetry(100);
// After answering a request whose body was not read, the server stops sending and discards what
// the client still sends for this long before closing: closing with unread input would reset
// the connection, and the client could lose the answer.
constexpr std::chrono::milliseconds kLinger(2000);

}  // namespace

struct HttpServer::Gate {
  std::mutex mutex;
  asio::io_context* io_context = nullptr;  // guarded by mutex; null once stopped
};

// One client connection: read the request, hand it to its handler, write the answer, close. Lives
// on the server thread; kept alive by the server's set and by its own pending operations.
class HttpServer::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(HttpServer* server, tcp::socket socket)
      : server_(server),
        socket_(std::move(socket)),
        deadline_(server->io_context_),
        head_(server->options_.request_head_bytes_max),
        chunked_(server->options_.request_body_bytes_max) {}

  void Start() {
    ArmDeadline(server_->options_.request_timeout);
    asio::async_read_until(
        socket_, head_, "\r\n\r\n",
        [self = shared_from_this()](const std::error_code& error, size_t head_bytes) {
          self->OnHead(error, head_bytes);
        });
  }

  // The handler's answer (server thread).
  void Answer(Response response) {
    if (phase_ != Phase::kHandling) return;  // answered on its behalf already, or closed
    Respond(response);
  }

  void Close() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    std::error_code ignored;
    deadline_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    server_->connections_.erase(shared_from_this());
  }

 private:
  enum class Phase { kReading, kHandling, kWriting, kLingering, kClosed };

  void ArmDeadline(std::chrono::milliseconds timeout) {
    deadline_.expires_after(timeout);
    deadline_.async_wait([self = shared_from_this()](const std::error_code& error) {
      if (!error) self->OnDeadline();
    });
  }

  void OnDeadline() {
    switch (phase_) {
      case Phase::kReading: {
        // The pending read completes with operation_aborted and is ignored.
        std::error_code ignored;
        socket_.cancel(ignored);
        Respond(PlainResponse(408, "request not received in time"));
        return;
      }
      case Phase::kHandling:
        Respond(PlainResponse(503, "the handler did not answer within " +
                                       std::to_string(server_->options_.handler_timeout.count()) +
                                       " ms"));
        return;
      case Phase::kWriting:
      case Phase::kLingering:
        Close();
        return;
      case Phase::kClosed:
        return;
    }
  }

  void OnHead(const std::error_code& error, size_t head_bytes) {
    if (phase_ != Phase::kReading) return;
    if (error == asio::error::not_found) {
      Respond(PlainResponse(431, "request head over " +
                                     std::to_string(server_->options_.request_head_bytes_max) +
                                     " bytes"));
      return;
    }
    if (error) {
      Close();  // the client went away
      return;
    }
    auto begin = asio::buffers_begin(head_.data());
    std::string text(begin, begin + static_cast<std::ptrdiff_t>(head_bytes));
    head_.consume(head_bytes);
    std::optional<RequestHead> head = ParseHead(text);
    if (!head.has_value()) {
      Respond(PlainResponse(400, "not an HTTP/1.x request"));
      return;
    }
    RouteRequest(std::move(*head));
  }

  // Finds the handler, checks the method and the body's framing, then reads the body.
  void RouteRequest(RequestHead head) {
    head_request_ = head.method == "HEAD";
    size_t question = head.target.find('?');
    request_.method = std::move(head.method);
    request_.path = head.target.substr(0, question);
    if (question != std::string::npos) request_.query = head.target.substr(question + 1);
    request_.headers = std::move(head.headers);
    entry_ = server_->Find(request_.path);
    if (entry_ == nullptr) {
      Respond(PlainResponse(404, "no such path: " + request_.path));
      return;
    }
    const std::vector<std::string>& methods = entry_->route.methods;
    if (!methods.empty() &&
        std::find(methods.begin(), methods.end(), request_.method) == methods.end()) {
      std::string allowed;
      for (const std::string& method : methods) allowed += (allowed.empty() ? "" : ", ") + method;
      Response refusal =
          PlainResponse(405, "method " + request_.method + " not allowed; use " + allowed);
      refusal.SetHeader("Allow", allowed);
      Respond(refusal);
      return;
    }
    framing_ = FramingOf(request_, server_->options_.request_body_bytes_max);
    if (framing_.error_status != 0) {
      Respond(PlainResponse(framing_.error_status, framing_.error));
      return;
    }
    if (framing_.kind == BodyFraming::Kind::kNone) {
      Dispatch();
      return;
    }
    auto expect = request_.Header("Expect");
    if (expect.has_value() && http::HeaderNameEquals(*expect, "100-continue") &&
        head_.size() == 0) {
      // The client waits for this before it sends the body.
      interim_ = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(socket_, asio::buffer(interim_),
                        [self = shared_from_this()](const std::error_code& write_error, size_t) {
                          if (self->phase_ != Phase::kReading) return;
                          if (write_error) {
                            self->Close();
                            return;
                          }
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  // The bytes read with the head come first, then the rest from the socket.
  void ReadBody() {
    auto begin = asio::buffers_begin(head_.data());
    std::string early(begin, begin + static_cast<std::ptrdiff_t>(head_.size()));
    head_.consume(head_.size());
    if (framing_.kind == BodyFraming::Kind::kChunked) {
      OnChunkedData(early);
      return;
    }
    request_.body = early.substr(0, framing_.length);
    size_t have = request_.body.size();
    if (have == framing_.length) {
      Dispatch();
      return;
    }
    request_.body.resize(framing_.length);
    asio::async_read(socket_, asio::buffer(request_.body.data() + have, framing_.length - have),
                     [self = shared_from_this()](const std::error_code& error, size_t) {
                       if (self->phase_ != Phase::kReading) return;
                       if (error) {
                         self->Close();
                         return;
                       }
                       self->Dispatch();
                     });
  }

  void OnChunkedData(std::string_view data) {
    switch (chunked_.Feed(data)) {
      case ChunkedDecoder::Status::kDone:
        request_.body = std::move(chunked_.body());
        Dispatch();
        return;
      case ChunkedDecoder::Status::kInvalid:
        Respond(PlainResponse(400, "invalid chunked body"));
        return;
      case ChunkedDecoder::Status::kTooLarge:
        Respond(PlainResponse(413, "request body over " +
                                       std::to_string(server_->options_.request_body_bytes_max) +
                                       " bytes"));
        return;
      case ChunkedDecoder::Status::kNeedMore:
        break;
    }
    socket_.async_read_some(
        asio::buffer(read_buffer_),
        [self = shared_from_this()](const std::error_code& error, size_t bytes) {
          if (self->phase_ != Phase::kReading) return;
          if (error) {
            self->Close();
            return;
          }
          self->OnChunkedData(std::string_view(self->read_buffer_.data(), bytes));
        });
  }

  // The whole request is in: hand it to its handler.
  void Dispatch() {
    input_consumed_ = true;
    phase_ = Phase::kHandling;
    ArmDeadline(server_->options_.handler_timeout);
    entry_->handler(std::move(request_), MakeResponder(server_->gate_, weak_from_this()));
  }

  void Respond(const Response& response) {
    phase_ = Phase::kWriting;
    response_ = Serialize(response, !head_request_);
    ArmDeadline(server_->options_.response_timeout);
    asio::async_write(socket_, asio::buffer(response_),
                      [self = shared_from_this()](const std::error_code& error, size_t) {
                        if (self->phase_ != Phase::kWriting) return;
                        if (error || self->input_consumed_) {
                          self->Close();
                        } else {
                          self->Linger();
                        }
                      });
  }

  void Linger() {
    phase_ = Phase::kLingering;
    std::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    ArmDeadline(kLinger);
    Discard();
  }

  void Discard() {
    socket_.async_read_some(asio::buffer(read_buffer_),
                            [self = shared_from_this()](const std::error_code& error, size_t) {
                              if (self->phase_ != Phase::kLingering) return;
                              if (error) {
                                self->Close();  // EOF: the client is done
                              } else {
                                self->Discard();
                              }
                            });
  }

  HttpServer* server_;
  tcp::socket socket_;
  asio::steady_timer deadline_;
  asio::streambuf head_;
  Phase phase_ = Phase::kReading;
  const Entry* entry_ = nullptr;
  Request request_;
  BodyFraming framing_;
  ChunkedDecoder chunked_;
  std::array<char, 16384> read_buffer_{};
  std::string interim_;
  std::string response_;
  bool head_request_ = false;
  // The whole request was read: closing will not reset the connection.
  bool input_consumed_ = false;
};

struct HttpServer::Responder::State {
  std::shared_ptr<Gate> gate;
  std::weak_ptr<Connection> connection;
  std::atomic<bool> answered{false};

  ~State() {
    if (!answered.load()) Deliver(PlainResponse(500, "the handler did not answer"));
  }

  void Deliver(Response response) {
    if (answered.exchange(true)) return;
    std::lock_guard<std::mutex> lock(gate->mutex);
    if (gate->io_context == nullptr) return;  // stopped: nobody to answer
    asio::post(*gate->io_context,
               [connection = connection, response = std::move(response)]() mutable {
                 if (auto open = connection.lock()) open->Answer(std::move(response));
               });
  }
};

void HttpServer::Responder::operator()(Response response) const {
  state_->Deliver(std::move(response));
}

HttpServer::Responder HttpServer::MakeResponder(std::shared_ptr<Gate> gate,
                                                std::weak_ptr<Connection> connection) {
  auto state = std::make_shared<Responder::State>();
  state->gate = std::move(gate);
  state->connection = std::move(connection);
  return Responder(std::move(state));
}

HttpServer::HttpServer(Options options)
    : options_(std::move(options)),
      gate_(std::make_shared<Gate>()),
      acceptor_(io_context_),
      accept_retry_(io_context_) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Handle(std::string path, Handler handler) {
  Handle(Route{.path = std::move(path)},
         [handler = std::move(handler)](Request request, Responder respond) {
           respond(handler(request));
         });
}

void HttpServer::Handle(Route route, AsyncHandler handler) {
  if (!route.prefix) {
    std::string path = route.path;
    exact_[std::move(path)] = Entry{std::move(route), std::move(handler)};
    return;
  }
  prefixes_.push_back(Entry{std::move(route), std::move(handler)});
  std::stable_sort(prefixes_.begin(), prefixes_.end(), [](const Entry& a, const Entry& b) {
    return a.route.path.size() > b.route.path.size();
  });
}

const HttpServer::Entry* HttpServer::Find(const std::string& path) const {
  auto exact = exact_.find(path);
  if (exact != exact_.end()) return &exact->second;
  for (const Entry& entry : prefixes_) {
    if (path.rfind(entry.route.path, 0) == 0) return &entry;
  }
  return nullptr;
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
  {
    std::lock_guard<std::mutex> lock(gate_->mutex);
    gate_->io_context = &io_context_;
  }
  Accept();
  thread_ = std::thread([this] { io_context_.run(); });
  return hugo::Ok();
}

void HttpServer::Stop() {
  if (!thread_.joinable()) return;
  {
    // From here on answers are dropped; those already posted run (and find their connection
    // closed, or write to it before the close below).
    std::lock_guard<std::mutex> lock(gate_->mutex);
    gate_->io_context = nullptr;
  }
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

}  // namespace hdo::server
