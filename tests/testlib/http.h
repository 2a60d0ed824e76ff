// Plain HTTP/1.1 requests to the server's operational listener (/metrics, /healthz, /readyz) for
// tests: one request per connection, read until the server closes, every read giving up after
// 10 s. Stateless; thread-safe.
#pragma once

#include <map>
#include <string>

namespace hdo::testlib {

// Sends `request` verbatim to 127.0.0.1:port; the raw response ("" when it could not connect).
std::string HttpRequest(int port, const std::string& request);

struct HttpResponse {
  std::string status_line;                     // "HTTP/1.1 200 OK"; empty when no response
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// GET `path`, parsed.
HttpResponse HttpGet(int port, const std::string& path);

}  // namespace hdo::testlib
