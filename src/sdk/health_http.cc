#include "health_http.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hdo::internal {
namespace {

constexpr size_t kRequestBytesMax = 8 * 1024;

std::string ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

void WriteAll(int fd, const std::string& data) {
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::send(fd, data.data() + written, data.size() - written, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client went away; nothing to report to
    written += static_cast<size_t>(n);
  }
}

// The request head (up to the blank line), or what arrived before the timeout or the size limit.
std::string ReadHead(int fd) {
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  std::string head;
  char buffer[1024];
  while (head.size() < kRequestBytesMax && head.find("\r\n\r\n") == std::string::npos) {
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    head.append(buffer, static_cast<size_t>(n));
  }
  return head;
}

}  // namespace

hugo::Result<std::unique_ptr<HttpHealthServer>> HttpHealthServer::Start(const std::string& address,
                                                                        int port, Handler handler) {
  sockaddr_in bind_address{};
  bind_address.sin_family = AF_INET;
  bind_address.sin_port = htons(static_cast<uint16_t>(port));
  if (port < 0 || port > 65535 ||
      ::inet_pton(AF_INET, address.c_str(), &bind_address.sin_addr) != 1) {
    return hugo::Error::From(
        "the health endpoint needs an IPv4 address and a port in 0..65535, not " + address + ":" +
            std::to_string(port),
        std::string(hugo::ErrorCodes::kValidation));
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&bind_address), sizeof(bind_address)) != 0 ||
      ::listen(fd, 16) != 0) {
    std::string reason = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return hugo::Error::From("cannot serve the health endpoint on " + address + ":" +
                                 std::to_string(port) + ": " + reason,
                             "error.unavailable");
  }
  socklen_t length = sizeof(bind_address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bind_address), &length);
  const int bound_port = ntohs(bind_address.sin_port);
  return hugo::Result<std::unique_ptr<HttpHealthServer>>::Ok(
      std::unique_ptr<HttpHealthServer>(new HttpHealthServer(fd, bound_port, std::move(handler))));
}

HttpHealthServer::HttpHealthServer(int listen_fd, int port, Handler handler)
    : listen_fd_(listen_fd), port_(port), handler_(std::move(handler)) {
  if (::pipe2(wake_, O_CLOEXEC) != 0) wake_[0] = wake_[1] = -1;
  thread_ = std::thread([this] { Loop(); });
}

HttpHealthServer::~HttpHealthServer() {
  if (wake_[1] >= 0) {
    char byte = 'q';
    (void)!::write(wake_[1], &byte, 1);
  } else {
    ::shutdown(listen_fd_, SHUT_RDWR);  // no pipe: wake accept this way
  }
  thread_.join();
  ::close(listen_fd_);
  for (int fd : wake_) {
    if (fd >= 0) ::close(fd);
  }
}

void HttpHealthServer::Loop() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    int ready = ::poll(fds, wake_[0] >= 0 ? 2 : 1, -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0 || (fds[1].revents & POLLIN) != 0) return;
    if ((fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) return;
    int connection = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (connection < 0) continue;
    Serve(connection);
    ::close(connection);
  }
}

void HttpHealthServer::Serve(int connection_fd) {
  const std::string head = ReadHead(connection_fd);
  const size_t line_end = head.find("\r\n");
  const std::string line = head.substr(0, line_end);
  const size_t first_space = line.find(' ');
  const size_t second_space = line.find(' ', first_space + 1);
  Reply reply{400, R"({"error":"bad request"})"};
  if (line_end != std::string::npos && first_space != std::string::npos &&
      second_space != std::string::npos) {
    const std::string method = line.substr(0, first_space);
    std::string path = line.substr(first_space + 1, second_space - first_space - 1);
    path = path.substr(0, path.find('?'));
    reply = method == "GET" ? handler_(path) : Reply{405, R"({"error":"only GET"})"};
  }
  WriteAll(connection_fd,
           "HTTP/1.1 " + std::to_string(reply.status) + " " + ReasonPhrase(reply.status) +
               "\r\nContent-Type: " + reply.content_type + "\r\nContent-Length: " +
               std::to_string(reply.body.size()) + "\r\nConnection: close\r\n\r\n" + reply.body);
}

}  // namespace hdo::internal
