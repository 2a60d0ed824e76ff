// Goal: the operational HTTP server answers GET on its paths and refuses everything else with the
// right status, holds to its limits (request head size, time to send it, connections), reports a
// port in use, and stops with connections open. Method: a server on port 0 and a plain blocking
// socket as the client, with a receive deadline so that a hang fails instead of blocking.
#include "server/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>

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

}  // namespace
}  // namespace hdo::server
