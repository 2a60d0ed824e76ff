// Goal: the HTTP server answers GET on its operational paths and refuses everything else with the
// right status; serves asynchronous routes (exact and prefix, other methods, request headers and
// bodies by Content-Length or chunked, response headers, answers from another thread, later);
// holds to its limits (request head and body size, time to send the request, time for a handler
// to answer, connections), reports a port in use, and stops with connections open and answers
// pending. Method: a server on port 0 and a plain blocking socket as the client, with a receive
// deadline so that a hang fails instead of blocking.
#include "server/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hdo::server {
namespace {

// A connected client socket (closed on destruction); every read gives up after 10 s.
class Client {
 public:
  explicit Client(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval deadline{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &deadline, sizeof(deadline));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }

  void Send(const std::string& text) {
    size_t sent = 0;
    while (sent < text.size()) {
      ssize_t n = ::send(fd_, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;  // the server closed first; what it answered is still readable
      sent += static_cast<size_t>(n);
    }
  }
  // Everything until the server closes the connection (or the deadline passes).
  // Bytes up to and including the first "\r\n\r\n" (a response head), read one at a time.
  std::string ReadHead() {
    std::string text;
    char c;
    while (text.find("\r\n\r\n") == std::string::npos && ::recv(fd_, &c, 1, 0) == 1) {
      text.push_back(c);
    }
    return text;
  }
  std::string ReadAll() {
    std::string text;
    char buffer[4096];
    ssize_t n;
    while ((n = ::recv(fd_, buffer, sizeof(buffer), 0)) > 0) text.append(buffer, n);
    return text;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

std::string Exchange(int port, const std::string& request) {
  Client client(port);
  EXPECT_TRUE(client.connected());
  client.Send(request);
  return client.ReadAll();
}

std::string StatusLine(const std::string& response) {
  return response.substr(0, response.find("\r\n"));
}

std::string Body(const std::string& response) {
  size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? std::string() : response.substr(end + 4);
}

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServer::Options options = {}) {
    server_ = std::make_unique<HttpServer>(options);
    server_->Handle("/metrics", [](const HttpServer::Request& request) {
      HttpServer::Response response;
      response.content_type = "text/plain; version=0.0.4; charset=utf-8";
      response.body = "up 1\nquery \"" + request.query + "\"\n";
      return response;
    });
    auto started = server_->Start();
    ASSERT_TRUE(started.IsSuccess()) << started.Error().Message();
    ASSERT_GT(server_->BoundPort(), 0);
  }
  int port() const { return server_->BoundPort(); }
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, AGetOnARegisteredPathAnswersTheHandlersBodyAndCloses) {
  StartServer();
  std::string response =
      Exchange(port(), "GET /metrics?x=1 HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n");
  EXPECT_EQ(StatusLine(response), "HTTP/1.1 200 OK");
  EXPECT_NE(response.find("\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos)
      << response;
  EXPECT_NE(response.find("\r\nContent-Length: 17\r\n"), std::string::npos) << response;
  EXPECT_NE(response.find("\r\nConnection: close\r\n"), std::string::npos) << response;
  EXPECT_EQ(Body(response), "up 1\nquery \"x=1\"\n");
}

TEST_F(HttpServerTest, AnHttp10RequestIsAnsweredToo) {
  StartServer();
  EXPECT_EQ(StatusLine(Exchange(port(), "GET /metrics HTTP/1.0\r\n\r\n")), "HTTP/1.1 200 OK");
}

TEST_F(HttpServerTest, AnUnknownPathIsNotFound) {
  StartServer();
  std::string response = Exchange(port(), "GET /nothing HTTP/1.1\r\n\r\n");
  EXPECT_EQ(StatusLine(response), "HTTP/1.1 404 Not Found");
  EXPECT_EQ(Body(response), "no such path: /nothing\n");
}

TEST_F(HttpServerTest, AMethodOtherThanGetIsNotAllowedAndNamesGet) {
  StartServer();
  for (const std::string method : {"POST", "HEAD", "PUT", "DELETE"}) {
    SCOPED_TRACE(method);
    std::string response = Exchange(port(), method + " /metrics HTTP/1.1\r\n\r\n");
    EXPECT_EQ(StatusLine(response), "HTTP/1.1 405 Method Not Allowed");
    EXPECT_NE(response.find("\r\nAllow: GET\r\n"), std::string::npos) << response;
  }
}

TEST_F(HttpServerTest, AHeadRequestIsRefusedWithoutABody) {
  StartServer();
  std::string response = Exchange(port(), "HEAD /metrics HTTP/1.1\r\n\r\n");
  EXPECT_EQ(StatusLine(response), "HTTP/1.1 405 Method Not Allowed");
  EXPECT_EQ(Body(response), "");
}

TEST_F(HttpServerTest, TextThatIsNotAnHttpRequestIsABadRequest) {
  StartServer();
  for (const std::string request : {"hello\r\n\r\n", "GET /metrics\r\n\r\n",
                                    "GET /metrics SPDY/3\r\n\r\n", "GET /a b HTTP/1.1\r\n\r\n"}) {
    SCOPED_TRACE(request);
    EXPECT_EQ(StatusLine(Exchange(port(), request)), "HTTP/1.1 400 Bad Request");
  }
}

TEST_F(HttpServerTest, ARequestHeadOverTheLimitIsRefusedWith431) {
  HttpServer::Options options;
  options.request_head_bytes_max = 256;
  StartServer(options);
  std::string request =
      "GET /metrics HTTP/1.1\r\nX-Padding: " + std::string(1000, 'a') + "\r\n\r\n";
  EXPECT_EQ(StatusLine(Exchange(port(), request)), "HTTP/1.1 431 Request Header Fields Too Large");
}

TEST_F(HttpServerTest, AClientThatDoesNotFinishItsRequestInTimeGets408) {
  HttpServer::Options options;
  options.request_timeout = std::chrono::milliseconds(50);
  StartServer(options);
  // Half a request head, then nothing: the server answers and closes on its own.
  EXPECT_EQ(StatusLine(Exchange(port(), "GET /metrics HTTP/1.1\r\n")),
            "HTTP/1.1 408 Request Timeout");
}

TEST_F(HttpServerTest, ConnectionsBeyondTheLimitAreClosedAtOnce) {
  HttpServer::Options options;
  options.connections_max = 1;
  StartServer(options);
  Client holder(port());  // sends nothing: holds the one connection until its timeout
  ASSERT_TRUE(holder.connected());
  // Connections are accepted in the order they were made, so the holder has the one slot.
  EXPECT_EQ(Exchange(port(), "GET /metrics HTTP/1.1\r\n\r\n"), "");
}

TEST_F(HttpServerTest, StopClosesOpenConnectionsAndReturns) {
  StartServer();
  Client idle(port());
  ASSERT_TRUE(idle.connected());
  server_->Stop();
  EXPECT_EQ(idle.ReadAll(), "");  // EOF rather than the 10 s deadline
  server_->Stop();                // idempotent
}

TEST_F(HttpServerTest, APortInUseIsReportedWithItsOwnCode) {
  StartServer();
  HttpServer::Options options;
  options.port = port();
  HttpServer second(options);
  auto started = second.Start();
  ASSERT_TRUE(started.IsFailure());
  EXPECT_EQ(started.Error().Code(), kErrorHttpAddressInUse);
  EXPECT_NE(started.Error().Message().find("already in use"), std::string::npos);
}

TEST_F(HttpServerTest, AnAddressThatIsNotAnIpIsRefused) {
  HttpServer::Options options;
  options.ip = "localhost";
  HttpServer server(options);
  auto started = server.Start();
  ASSERT_TRUE(started.IsFailure());
  EXPECT_EQ(started.Error().Code(), kErrorHttpInvalidAddress);
}

// The value of the first header field `name` (exact case) in a raw response; empty when none.
std::string HeaderOf(const std::string& response, const std::string& name) {
  size_t at = response.find("\r\n" + name + ": ");
  if (at == std::string::npos) return {};
  size_t begin = at + name.size() + 4;
  return response.substr(begin, response.find("\r\n", begin) - begin);
}

// Where an asynchronous handler leaves its request and responder for the test to answer.
class Pending {
 public:
  void Put(HttpServer::Request request, HttpServer::Responder respond) {
    std::lock_guard<std::mutex> lock(mutex_);
    request_ = std::move(request);
    respond_.emplace(std::move(respond));
    changed_.notify_all();
  }
  // Waits up to 10 s for a request; false when none came.
  bool Wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10),
                             [this] { return respond_.has_value(); });
  }
  HttpServer::Request request() {
    std::lock_guard<std::mutex> lock(mutex_);
    return request_;
  }
  HttpServer::Responder responder() {
    std::lock_guard<std::mutex> lock(mutex_);
    return *respond_;
  }
  void Drop() {
    std::lock_guard<std::mutex> lock(mutex_);
    respond_.reset();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  HttpServer::Request request_;
  std::optional<HttpServer::Responder> respond_;
};

class AsyncHttpServerTest : public ::testing::Test {
 protected:
  // "/metrics" (GET), "/nexus/" (prefix, any method, left pending), "/nexus/exact" (POST, echo)
  // and "/nexus/deeper/" (prefix, POST, echo).
  void StartServer(HttpServer::Options options = {}) {
    server_ = std::make_unique<HttpServer>(options);
    server_->Handle("/metrics", [](const HttpServer::Request&) {
      HttpServer::Response response;
      response.body = "up 1\n";
      return response;
    });
    server_->Handle({.path = "/nexus/", .prefix = true, .methods = {}},
                    [this](HttpServer::Request request, HttpServer::Responder respond) {
                      pending_.Put(std::move(request), std::move(respond));
                    });
    auto echo = [](HttpServer::Request request, HttpServer::Responder respond) {
      HttpServer::Response response;
      response.content_type = "application/octet-stream";
      response.body = request.method + " " + request.path + " " + request.body;
      respond(std::move(response));
    };
    server_->Handle({.path = "/nexus/exact", .methods = {"POST"}}, echo);
    server_->Handle({.path = "/nexus/deeper/", .prefix = true, .methods = {"POST"}}, echo);
    auto started = server_->Start();
    ASSERT_TRUE(started.IsSuccess()) << started.Error().Message();
  }
  int port() const { return server_->BoundPort(); }
  std::unique_ptr<HttpServer> server_;
  Pending pending_;
};

TEST_F(AsyncHttpServerTest, AHandlerGetsMethodHeadersAndBodyAndAnswersFromAnotherThreadLater) {
  StartServer();
  Client client(port());
  ASSERT_TRUE(client.connected());
  client.Send(
      "POST /nexus/endpoints/e%2F1/services/s/op?callback=x HTTP/1.1\r\nHost: h\r\n"
      "content-type: application/json\r\nNexus-Link: <a>; type=\"t\"\r\nnexus-link: <b>; "
      "type=\"t\"\r\nContent-Length: 7\r\n\r\n\"hello\"");
  ASSERT_TRUE(pending_.Wait());
  HttpServer::Request request = pending_.request();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/nexus/endpoints/e%2F1/services/s/op");
  EXPECT_EQ(request.query, "callback=x");
  EXPECT_EQ(request.Header("Content-Type"), "application/json");
  ASSERT_EQ(request.HeaderValues("NEXUS-LINK").size(), 2u);
  EXPECT_EQ(request.HeaderValues("NEXUS-LINK")[1], "<b>; type=\"t\"");
  EXPECT_EQ(request.body, "\"hello\"");

  // The server thread is free while the answer is pending.
  EXPECT_EQ(StatusLine(Exchange(port(), "GET /metrics HTTP/1.1\r\n\r\n")), "HTTP/1.1 200 OK");

  HttpServer::Response response;
  response.status = 201;
  response.content_type = "application/json";
  response.AddHeader("Nexus-Link", "<x>; type=\"t\"");
  response.AddHeader("Nexus-Link", "<y>; type=\"t\"");
  response.body = "{}";
  HttpServer::Responder respond = pending_.responder();
  std::thread([respond, response] { respond(response); }).join();
  respond(HttpServer::Response{});  // a second answer is ignored
  std::string answer = client.ReadAll();
  EXPECT_EQ(StatusLine(answer), "HTTP/1.1 201 Created");
  EXPECT_NE(answer.find("\r\nNexus-Link: <x>; type=\"t\"\r\nNexus-Link: <y>; type=\"t\"\r\n"),
            std::string::npos)
      << answer;
  EXPECT_EQ(HeaderOf(answer, "Content-Type"), "application/json");
  EXPECT_EQ(HeaderOf(answer, "Content-Length"), "2");
  EXPECT_EQ(HeaderOf(answer, "Connection"), "close");
  EXPECT_EQ(Body(answer), "{}");
}

TEST_F(AsyncHttpServerTest, AnExactRouteWinsOverAPrefixAndTheLongestPrefixWins) {
  StartServer();
  EXPECT_EQ(Body(Exchange(port(), "POST /nexus/exact HTTP/1.1\r\nContent-Length: 1\r\n\r\nx")),
            "POST /nexus/exact x");
  EXPECT_EQ(Body(Exchange(port(), "POST /nexus/deeper/a/b HTTP/1.1\r\n\r\n")),
            "POST /nexus/deeper/a/b ");
  std::string refused = Exchange(port(), "GET /nexus/deeper/a HTTP/1.1\r\n\r\n");
  EXPECT_EQ(StatusLine(refused), "HTTP/1.1 405 Method Not Allowed");
  EXPECT_EQ(HeaderOf(refused, "Allow"), "POST");
  EXPECT_EQ(StatusLine(Exchange(port(), "GET /nexu HTTP/1.1\r\n\r\n")), "HTTP/1.1 404 Not Found");
}

TEST_F(AsyncHttpServerTest, ABodyThatArrivesLaterThanItsHeadIsReadWhole) {
  StartServer();
  Client client(port());
  client.Send("POST /nexus/exact HTTP/1.1\r\nContent-Length: 10\r\n\r\n01234");
  client.Send("56789");
  EXPECT_EQ(Body(client.ReadAll()), "POST /nexus/exact 0123456789");
}

TEST_F(AsyncHttpServerTest, AChunkedBodyIsDecoded) {
  StartServer();
  Client client(port());
  client.Send("POST /nexus/exact HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhel");
  client.Send("lo\r\n1\r\n \r\nA\r\nabcdefghij\r\n0\r\nTrailer: x\r\n\r\n");
  EXPECT_EQ(Body(client.ReadAll()), "POST /nexus/exact hello abcdefghij");
}

TEST_F(AsyncHttpServerTest, ABodyOverTheLimitIsRefusedWith413WithoutReadingIt) {
  HttpServer::Options options;
  options.request_body_bytes_max = 8;
  StartServer(options);
  Client client(port());
  client.Send("POST /nexus/exact HTTP/1.1\r\nContent-Length: 9\r\n\r\n");
  std::string head = client.ReadHead();
  EXPECT_EQ(StatusLine(head), "HTTP/1.1 413 Content Too Large");
  client.Send("123456789");  // what the client still sends is discarded, not reset
  EXPECT_EQ(StatusLine(Exchange(port(),
                                "POST /nexus/exact HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "9\r\n123456789\r\n0\r\n\r\n")),
            "HTTP/1.1 413 Content Too Large");
  EXPECT_EQ(
      Body(Exchange(port(), "POST /nexus/exact HTTP/1.1\r\nContent-Length: 8\r\n\r\n12345678")),
      "POST /nexus/exact 12345678");
}

TEST_F(AsyncHttpServerTest, InvalidOrUnsupportedBodyFramingIsRefused) {
  StartServer();
  for (const std::string& framing :
       {std::string("Content-Length: x1"), std::string("Content-Length: 1\r\nContent-Length: 2"),
        std::string("Content-Length: 1\r\nTransfer-Encoding: chunked")}) {
    SCOPED_TRACE(framing);
    EXPECT_EQ(StatusLine(Exchange(port(), "POST /nexus/exact HTTP/1.1\r\n" + framing + "\r\n\r\n")),
              "HTTP/1.1 400 Bad Request");
  }
  EXPECT_EQ(
      StatusLine(Exchange(port(), "POST /nexus/exact HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n")),
      "HTTP/1.1 501 Not Implemented");
  EXPECT_EQ(StatusLine(Exchange(port(),
                                "POST /nexus/exact HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "zz\r\n")),
            "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(StatusLine(Exchange(port(), "POST /nexus/exact HTTP/1.1\r\nBad Name: x\r\n\r\n")),
            "HTTP/1.1 400 Bad Request");
}

TEST_F(AsyncHttpServerTest, AClientThatExpects100ContinueGetsItBeforeSendingTheBody) {
  StartServer();
  Client client(port());
  client.Send("POST /nexus/exact HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  EXPECT_EQ(client.ReadHead(), "HTTP/1.1 100 Continue\r\n\r\n");
  client.Send("abc");
  EXPECT_EQ(Body(client.ReadAll()), "POST /nexus/exact abc");
}

TEST_F(AsyncHttpServerTest, AResponderDroppedWithoutAnAnswerAnswers500) {
  StartServer();
  Client client(port());
  client.Send("DELETE /nexus/x HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(pending_.Wait());
  EXPECT_EQ(pending_.request().method, "DELETE");
  pending_.Drop();
  EXPECT_EQ(StatusLine(client.ReadAll()), "HTTP/1.1 500 Internal Server Error");
}

TEST_F(AsyncHttpServerTest, AHandlerThatDoesNotAnswerInTimeIsAnswered503AndItsLateAnswerDropped) {
  HttpServer::Options options;
  options.handler_timeout = std::chrono::milliseconds(50);
  StartServer(options);
  Client client(port());
  client.Send("GET /nexus/x HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(pending_.Wait());
  EXPECT_EQ(StatusLine(client.ReadAll()), "HTTP/1.1 503 Service Unavailable");
  pending_.responder()(HttpServer::Response{});  // late: nothing to answer any more
}

TEST_F(AsyncHttpServerTest, ResponseHeadersThatWouldBreakTheFramingAreDropped) {
  HttpServer::Options options;
  StartServer(options);
  Client client(port());
  client.Send("GET /nexus/x HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(pending_.Wait());
  HttpServer::Response response;
  response.AddHeader("X-Injected", "a\r\nSet-Cookie: b");
  response.AddHeader("Content-Length", "99");
  response.AddHeader("X-Fine", "ok");
  response.body = "abc";
  pending_.responder()(response);
  std::string answer = client.ReadAll();
  EXPECT_EQ(answer.find("Set-Cookie"), std::string::npos) << answer;
  EXPECT_EQ(HeaderOf(answer, "Content-Length"), "3");
  EXPECT_EQ(HeaderOf(answer, "X-Fine"), "ok");
}

TEST_F(AsyncHttpServerTest, StopWithAnAnswerPendingClosesTheConnectionAndALaterAnswerIsDropped) {
  StartServer();
  Client client(port());
  client.Send("GET /nexus/x HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(pending_.Wait());
  server_->Stop();
  EXPECT_EQ(client.ReadAll(), "");
  pending_.responder()(HttpServer::Response{});
  server_.reset();
  pending_.responder()(HttpServer::Response{});  // the server is gone: still safe
}

}  // namespace
}  // namespace hdo::server
