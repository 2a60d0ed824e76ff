// HTTP/1.1 messages as hdo's HTTP listener (server/http_server.h) hands them to handlers and takes
// their answers, plus the URL pieces handlers need (percent-decoding, query parameters, canonical
// header names). Shared by the listener and by the frontend's Nexus HTTP handler, which must not
// depend on src/server.
//
// Plain values and pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hdo::http {

struct HeaderField {
  std::string name;  // as sent ("Content-Type"); compare with HeaderNameEquals
  std::string value;
};

// Case-insensitive comparison of ASCII header names (RFC 9110 §5.1).
bool HeaderNameEquals(std::string_view a, std::string_view b);
// "content-type" → "Content-Type": Go's http.CanonicalHeaderKey for names made of token
// characters (others are returned unchanged).
std::string CanonicalHeaderName(std::string_view name);

struct Request {
  std::string method;  // "GET", "POST"
  std::string path;    // as sent, still percent-encoded: "/nexus/endpoints/a%2Fb/services"
  std::string query;   // after '?', without it; empty when none
  // Every header field in arrival order; a repeated field (Nexus-Link) appears once per line.
  std::vector<HeaderField> headers;
  std::string body;  // decoded from Content-Length or chunked framing

  // The first value of header `name` (case-insensitive); nullopt when absent.
  std::optional<std::string_view> Header(std::string_view name) const;
  // Every value of header `name` in arrival order.
  std::vector<std::string_view> HeaderValues(std::string_view name) const;
};

struct Response {
  int status = 200;
  // Sent as Content-Type unless empty.
  std::string content_type = "text/plain; charset=utf-8";
  // Further header fields. The listener adds Content-Length and Connection itself.
  std::vector<HeaderField> headers;
  std::string body;

  // Replaces every field named `name` with one holding `value`.
  void SetHeader(std::string_view name, std::string value);
  // Appends a field (repeated fields such as Nexus-Link).
  void AddHeader(std::string_view name, std::string value);
  std::optional<std::string_view> Header(std::string_view name) const;
};

// "%2F" → "/". nullopt for a malformed escape ("%2", "%zz"). `plus_is_space`: form decoding of
// query strings ('+' → ' ', as Go's url.QueryUnescape); paths keep '+' (url.PathUnescape).
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space = false);
// Percent-encodes everything but RFC 3986 unreserved characters (a path segment or a query value).
std::string PercentEncode(std::string_view text);
// The first value of `key` in a query string ("a=1&b=2"), form-decoded; nullopt when absent or
// malformed.
std::optional<std::string> QueryValue(std::string_view query, std::string_view key);

}  // namespace hdo::http
