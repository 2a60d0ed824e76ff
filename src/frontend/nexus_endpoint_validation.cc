#include "frontend/nexus_endpoint_validation.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "common/error_codes.h"
#include "frontend/errors.h"

namespace hdo::frontend {
namespace {

namespace nexus = temporal::api::nexus::v1;

constexpr std::string_view kReservedTaskQueuePrefix = "/_sys/";

// The reference's rpc.RequestIssues: every problem of a request, reported together.
class Issues {
 public:
  void Add(std::string issue) { issues_.push_back(std::move(issue)); }
  hugo::Result<hugo::Unit> Result() const {
    if (issues_.empty()) return hugo::Ok();
    std::string message;
    for (const std::string& issue : issues_) {
      if (!message.empty()) message += ", ";
      message += issue;
    }
    return InvalidArgument(std::move(message));
  }

 private:
  std::vector<std::string> issues_;
};

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
bool IsHex(char c) { return HexValue(c) >= 0; }

// kEndpointNamePattern, without a regex engine.
bool MatchesEndpointNamePattern(std::string_view name) {
  if (name.size() < 2 || !IsAlpha(name.front()) || !IsAlnum(name.back())) return false;
  return std::all_of(name.begin() + 1, name.end() - 1,
                     [](char c) { return IsAlnum(c) || c == '-'; });
}

void AddNameIssues(std::string_view name, const NexusEndpointLimits& limits, Issues* issues) {
  if (name.empty()) {
    issues->Add("endpoint name not set");
    return;
  }
  if (name.size() > limits.name_length_max) {
    issues->Add("endpoint name exceeds length limit of " + std::to_string(limits.name_length_max));
  }
  if (!MatchesEndpointNamePattern(name)) {
    issues->Add("endpoint name must match the regex: " + QuoteLikeGo(kEndpointNamePattern));
  }
}

// tqid.Validate's message for a task queue name, or "" when it is valid.
std::string TaskQueueProblem(std::string_view task_queue, size_t length_max) {
  if (task_queue.empty()) return "taskQueue is not set";
  if (task_queue.size() > length_max) return "taskQueue length exceeds limit";
  if (task_queue.substr(0, kReservedTaskQueuePrefix.size()) == kReservedTaskQueuePrefix) {
    return "task queue name cannot start with reserved prefix " +
           std::string(kReservedTaskQueuePrefix);
  }
  return {};
}

// The worker target's checks; an unknown namespace ends the validation (FailedPrecondition).
hugo::Result<hugo::Unit> CheckWorkerTarget(const nexus::EndpointTarget::Worker& worker,
                                           const NexusEndpointLimits& limits,
                                           const ResolveNamespaceFn& resolve_namespace,
                                           Issues* issues) {
  if (worker.namespace_().empty()) {
    issues->Add("target namespace not set");
  } else {
    auto resolved = resolve_namespace(worker.namespace_());
    if (resolved.IsFailure()) {
      const std::string& code = resolved.Error().Code();
      // A name no namespace can have (too long) is not found either.
      if (code != kErrorNamespaceNotFound && code != kErrorInvalidArgument) {
        return resolved.Error();
      }
      return hugo::Error::From("could not verify namespace referenced by target exists: " +
                                   NamespaceNotFound(worker.namespace_()).Message(),
                               errors::kFailedPrecondition);
    }
  }
  std::string problem = TaskQueueProblem(worker.task_queue(), limits.task_queue_length_max);
  if (!problem.empty()) issues->Add("invalid target task queue: " + QuoteLikeGo(problem));
  return hugo::Ok();
}

void AddExternalTargetIssues(const nexus::EndpointTarget::External& external,
                             const NexusEndpointLimits& limits, Issues* issues) {
  const std::string& url = external.url();
  if (url.empty()) {
    issues->Add("empty target URL");
    return;
  }
  if (url.size() > limits.external_url_length_max) {
    issues->Add("target URL length exceeds limit of " +
                std::to_string(limits.external_url_length_max));
    return;
  }
  std::string scheme;
  if (auto error = UrlParseError(url, &scheme)) {
    issues->Add("invalid target URL: " + *error);
  } else if (scheme != "http" && scheme != "https") {
    issues->Add("invalid target URL scheme: " + QuoteLikeGo(scheme) + ", expected http or https");
  }
}

// --- Go's url.Parse (net/url), the checks that can refuse a URL ---------------------------------

enum class UrlPart { kHost, kZone, kUserPassword, kPath, kFragment };

// net/url's shouldEscape(c, encodeHost): what a host may not hold unescaped.
bool HostMustEscape(unsigned char c) {
  // RFC 3986's unreserved marks and sub-delimiters, ':' of the port, "[]" of an IPv6 literal, and
  // the three Go lets through because hosts cannot escape ASCII.
  constexpr std::string_view kAllowed = "-_.~!$&'()*+,;=:[]<>\"";
  return !IsAlnum(static_cast<char>(c)) && kAllowed.find(static_cast<char>(c)) == kAllowed.npos;
}

// net/url's unescape(s, mode), only for its errors.
std::optional<std::string> UnescapeError(std::string_view s, UrlPart part) {
  const bool host = part == UrlPart::kHost || part == UrlPart::kZone;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '%') {
      std::string_view escape = s.substr(i, 3);
      if (i + 2 >= s.size() || !IsHex(s[i + 1]) || !IsHex(s[i + 2])) {
        return "invalid URL escape " + QuoteLikeGo(escape);
      }
      // In a host only non-ASCII bytes may be escaped (and %25, an IPv6 zone's '%').
      if (part == UrlPart::kHost && HexValue(s[i + 1]) < 8 && escape != "%25") {
        return "invalid URL escape " + QuoteLikeGo(escape);
      }
      if (part == UrlPart::kZone) {
        auto value = static_cast<unsigned char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
        if (escape != "%25" && value != ' ' && HostMustEscape(value)) {
          return "invalid URL escape " + QuoteLikeGo(escape);
        }
      }
      i += 3;
      continue;
    }
    auto c = static_cast<unsigned char>(s[i]);
    if (host && c < 0x80 && HostMustEscape(c)) {
      return "invalid character " + QuoteLikeGo(s.substr(i, 1)) + " in host name";
    }
    ++i;
  }
  return std::nullopt;
}

std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && IsHex(s[i + 1]) && IsHex(s[i + 2])) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// "" or ":" followed by digits.
bool ValidOptionalPort(std::string_view port) {
  if (port.empty()) return true;
  if (port.front() != ':') return false;
  return std::all_of(port.begin() + 1, port.end(), IsDigit);
}

// An IP literal's "[address%25zone]:port". netip.ParseAddr's own wording is approximated.
std::optional<std::string> IpLiteralError(std::string_view host) {
  size_t close = host.rfind(']');
  if (close == std::string_view::npos) return "missing ']' in host";
  std::string_view colon_port = host.substr(close + 1);
  if (!ValidOptionalPort(colon_port)) {
    return "invalid port " + QuoteLikeGo(colon_port) + " after host";
  }
  std::string_view address = host.substr(1, close - 1);
  size_t zone = address.find("%25");
  if (auto error = UnescapeError(address.substr(0, zone), UrlPart::kHost)) return error;
  if (zone != std::string_view::npos) {
    if (auto error = UnescapeError(address.substr(zone), UrlPart::kZone)) return error;
  }
  std::string unescaped = Unescape(address.substr(0, zone));
  in6_addr ipv6{};
  in_addr ipv4{};
  if (inet_pton(AF_INET, unescaped.c_str(), &ipv4) == 1) return "invalid IP-literal";
  if (inet_pton(AF_INET6, unescaped.c_str(), &ipv6) != 1) {
    return "invalid host: ParseAddr(" + QuoteLikeGo(Unescape(address)) + "): unable to parse IP";
  }
  return std::nullopt;
}

// net/url's parseHost.
std::optional<std::string> HostError(std::string_view host) {
  size_t open = host.rfind('[');
  if (open != std::string_view::npos && open > 0) return "invalid IP-literal";
  if (open == 0) return IpLiteralError(host);
  if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    std::string_view colon_port = host.substr(colon);
    if (!ValidOptionalPort(colon_port)) {
      return "invalid port " + QuoteLikeGo(colon_port) + " after host";
    }
  }
  return UnescapeError(host, UrlPart::kHost);
}

// net/url's validUserinfo: RFC 3986's userinfo characters (and '@').
bool ValidUserinfo(std::string_view userinfo) {
  constexpr std::string_view kAllowed = "-._:~!$&'()*+,;=%@";
  return std::all_of(userinfo.begin(), userinfo.end(),
                     [&](char c) { return IsAlnum(c) || kAllowed.find(c) != kAllowed.npos; });
}

// net/url's parseAuthority.
std::optional<std::string> AuthorityError(std::string_view authority) {
  size_t at = authority.rfind('@');
  std::string_view host = at == std::string_view::npos ? authority : authority.substr(at + 1);
  if (auto error = HostError(host)) return error;
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view userinfo = authority.substr(0, at);
  if (!ValidUserinfo(userinfo)) return "net/url: invalid userinfo";
  size_t colon = userinfo.find(':');
  if (auto error = UnescapeError(userinfo.substr(0, colon), UrlPart::kUserPassword)) return error;
  if (colon != std::string_view::npos) {
    return UnescapeError(userinfo.substr(colon + 1), UrlPart::kUserPassword);
  }
  return std::nullopt;
}

// net/url's getScheme: the scheme, and the rest; an error for a leading ':'.
std::optional<std::string> SplitScheme(std::string_view url, std::string_view* scheme,
                                       std::string_view* rest) {
  *scheme = {};
  *rest = url;
  for (size_t i = 0; i < url.size(); ++i) {
    char c = url[i];
    if (IsAlpha(c)) continue;
    if (IsDigit(c) || c == '+' || c == '-' || c == '.') {
      if (i == 0) return std::nullopt;
      continue;
    }
    if (c == ':') {
      if (i == 0) return "missing protocol scheme";
      *scheme = url.substr(0, i);
      *rest = url.substr(i + 1);
    }
    return std::nullopt;
  }
  return std::nullopt;
}

// net/url's parse(url, viaRequest=false), without the fragment.
std::optional<std::string> ParseError(std::string_view url, std::string* scheme_out) {
  bool control = std::any_of(url.begin(), url.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (control) return "net/url: invalid control character in URL";
  if (url == "*") return std::nullopt;
  std::string_view scheme;
  std::string_view rest;
  if (auto error = SplitScheme(url, &scheme, &rest)) return error;
  scheme_out->assign(scheme);
  std::transform(scheme_out->begin(), scheme_out->end(), scheme_out->begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  if (!rest.empty() && rest.back() == '?' && std::count(rest.begin(), rest.end(), '?') == 1) {
    rest.remove_suffix(1);
  } else {
    rest = rest.substr(0, rest.find('?'));
  }
  if (rest.substr(0, 1) != "/") {
    if (!scheme.empty()) return std::nullopt;  // opaque ("mailto:x")
    std::string_view segment = rest.substr(0, rest.find('/'));
    if (segment.find(':') != std::string_view::npos) {
      return "first path segment in URL cannot contain colon";
    }
  }
  if ((!scheme.empty() || rest.substr(0, 3) != "///") && rest.substr(0, 2) == "//") {
    std::string_view authority = rest.substr(2);
    size_t slash = authority.find('/');
    rest = slash == std::string_view::npos ? std::string_view() : authority.substr(slash);
    if (auto error = AuthorityError(authority.substr(0, slash))) return error;
  }
  return UnescapeError(rest, UrlPart::kPath);
}

// Decodes one UTF-8 sequence at `text[i]`: its code point and length, or length 0 when invalid.
std::pair<uint32_t, size_t> DecodeUtf8(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char first = byte(i);
  size_t length = first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : first >= 0xC0 ? 2 : 0;
  if (length == 0 || first >= 0xF8 || i + length > text.size()) return {0, 0};
  uint32_t code = first & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return {0, 0};
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < kMin[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return {0, 0};
  return {code, length};
}

std::string Hex(uint32_t value, int digits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, value >>= 4)
    out[static_cast<size_t>(i)] = kDigits[value & 15];
  return out;
}

// strconv.Quote of an ASCII byte.
std::string QuoteAscii(unsigned char c) {
  constexpr std::string_view kEscaped = "\a\b\f\n\r\t\v\"\\";
  constexpr std::string_view kLetters = "abfnrtv\"\\";
  if (size_t at = kEscaped.find(static_cast<char>(c)); at != kEscaped.npos) {
    return std::string("\\") + kLetters[at];
  }
  if (c < 0x20 || c == 0x7f) return "\\x" + Hex(c, 2);
  return std::string(1, static_cast<char>(c));
}

}  // namespace

std::string QuoteLikeGo(std::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      auto [code, length] = DecodeUtf8(text, i);
      if (length == 0) {
        out += "\\x" + Hex(c, 2);
        ++i;
      } else if (code <= 0x9F || code == 0xAD) {  // C1 controls and the soft hyphen
        out += "\\u" + Hex(code, 4);
        i += length;
      } else {
        out.append(text.substr(i, length));
        i += length;
      }
      continue;
    }
    out += QuoteAscii(c);
    ++i;
  }
  return out + "\"";
}

std::optional<std::string> UrlParseError(std::string_view url, std::string* scheme) {
  scheme->clear();
  size_t hash = url.find('#');
  std::string_view without_fragment = url.substr(0, hash);
  if (auto error = ParseError(without_fragment, scheme)) {
    return "parse " + QuoteLikeGo(without_fragment) + ": " + *error;
  }
  if (hash != std::string_view::npos) {
    if (auto error = UnescapeError(url.substr(hash + 1), UrlPart::kFragment)) {
      return "parse " + QuoteLikeGo(url) + ": " + *error;
    }
  }
  return std::nullopt;
}

std::optional<std::string> UuidParseError(std::string_view text) {
  std::string_view uuid = text;
  switch (text.size()) {
    case 36:
      break;
    case 36 + 9: {
      std::string prefix(text.substr(0, 9));
      std::transform(prefix.begin(), prefix.end(), prefix.begin(),
                     [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
      if (prefix != "urn:uuid:") return "invalid urn prefix: " + QuoteLikeGo(text.substr(0, 9));
      uuid = text.substr(9);
      break;
    }
    case 36 + 2:
      uuid = text.substr(1);  // uuid.Parse does not look at the braces
      break;
    case 32:
      if (!std::all_of(text.begin(), text.end(), IsHex)) return "invalid UUID format";
      return std::nullopt;
    default:
      return "invalid UUID length: " + std::to_string(text.size());
  }
  for (size_t i = 0; i < 36; ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? uuid[i] != '-' : !IsHex(uuid[i])) return "invalid UUID format";
  }
  return std::nullopt;
}

std::string CanonicalUuid(std::string_view text) {
  std::string hex;
  std::string_view uuid = text.size() == 36 + 9   ? text.substr(9)
                          : text.size() == 36 + 2 ? text.substr(1, 36)
                                                  : text;
  for (char c : uuid) {
    if (IsHex(c)) hex += static_cast<char>(c >= 'A' && c <= 'F' ? c + 32 : c);
  }
  if (hex.size() != 32) return std::string(text);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

hugo::Result<hugo::Unit> ValidateNexusEndpointSpec(const nexus::EndpointSpec& spec,
                                                   const NexusEndpointLimits& limits,
                                                   const ResolveNamespaceFn& resolve_namespace) {
  Issues issues;
  AddNameIssues(spec.name(), limits, &issues);
  switch (spec.target().variant_case()) {
    case nexus::EndpointTarget::kWorker: {
      auto checked = CheckWorkerTarget(spec.target().worker(), limits, resolve_namespace, &issues);
      if (checked.IsFailure()) return checked;
      break;
    }
    case nexus::EndpointTarget::kExternal:
      AddExternalTargetIssues(spec.target().external(), limits, &issues);
      break;
    case nexus::EndpointTarget::VARIANT_NOT_SET:
      issues.Add("empty target variant");
      return issues.Result();
  }
  if (spec.has_description() && spec.description().ByteSizeLong() > limits.description_size_max) {
    issues.Add("description size exceeds limit of " + std::to_string(limits.description_size_max));
  }
  return issues.Result();
}

namespace {

void AddIdIssues(std::string_view id, Issues* issues) {
  if (id.empty()) {
    issues->Add("endpoint ID not set");
  } else if (auto error = UuidParseError(id)) {
    issues->Add("malformed endpoint ID: " + QuoteLikeGo(*error));
  }
}

}  // namespace

hugo::Result<hugo::Unit> ValidateNexusEndpointId(std::string_view id) {
  Issues issues;
  AddIdIssues(id, &issues);
  return issues.Result();
}

hugo::Result<hugo::Unit> ValidateNexusEndpointDelete(std::string_view id, int64_t version) {
  Issues issues;
  AddIdIssues(id, &issues);
  if (version <= 0) issues.Add("endpoint version is non-positive");
  return issues.Result();
}

}  // namespace hdo::frontend
