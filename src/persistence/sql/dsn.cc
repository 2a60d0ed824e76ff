#include "persistence/sql/dsn.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>

namespace hdo::persistence::sql {
namespace {

constexpr std::string_view kShapeAny =
    "postgres://user:password@host:port/dbname?param=value or "
    "mysql://user:password@host:port/dbname?param=value";
constexpr std::string_view kShapePostgres = "postgres://user:password@host:port/dbname?param=value";
constexpr std::string_view kShapeMysql = "mysql://user:password@host:port/dbname?param=value";

constexpr std::array<std::string_view, 6> kPostgresParams = {
    "sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "application_name"};
constexpr std::array<std::string_view, 5> kMysqlParams = {"tls", "ssl-ca", "ssl-cert", "ssl-key",
                                                          "connect_timeout"};

hugo::Error Invalid(std::string_view what, std::optional<Engine> engine) {
  std::string_view shape = !engine                     ? kShapeAny
                           : *engine == Engine::kMysql ? kShapeMysql
                                                       : kShapePostgres;
  return hugo::Error::From("invalid DSN: " + std::string(what) + "; expected " + std::string(shape),
                           kErrorInvalidDsn);
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `text`; nullopt on a malformed escape.
std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    int high = HexDigit(text[i + 1]);
    int low = HexDigit(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

hugo::Result<Engine> ParseScheme(std::string_view scheme) {
  if (scheme == "postgres" || scheme == "postgresql") return hugo::Ok(Engine::kPostgres);
  if (scheme == "mysql" || scheme == "mariadb") return hugo::Ok(Engine::kMysql);
  return Invalid("unknown scheme '" + std::string(scheme) +
                     "' (use postgres://, postgresql://, mysql:// or mariadb://)",
                 std::nullopt);
}

bool IsKnownParam(Engine engine, std::string_view name) {
  if (engine == Engine::kPostgres) {
    return std::find(kPostgresParams.begin(), kPostgresParams.end(), name) != kPostgresParams.end();
  }
  return std::find(kMysqlParams.begin(), kMysqlParams.end(), name) != kMysqlParams.end();
}

std::string KnownParams(Engine engine) {
  std::string out;
  auto append = [&out](std::string_view name) {
    if (!out.empty()) out += ", ";
    out += name;
  };
  if (engine == Engine::kPostgres) {
    std::for_each(kPostgresParams.begin(), kPostgresParams.end(), append);
  } else {
    std::for_each(kMysqlParams.begin(), kMysqlParams.end(), append);
  }
  return out;
}

// Checks the value of a known parameter; an error message, or "" when it is valid.
std::string CheckParamValue(Engine engine, std::string_view name, std::string_view value) {
  if (name == "connect_timeout") {
    int seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc() || end != value.data() + value.size() || seconds < 0) {
      return "connect_timeout '" + std::string(value) + "' is not a number of seconds";
    }
  }
  if (engine == Engine::kPostgres && name == "sslmode") {
    constexpr std::array<std::string_view, 6> kModes = {"disable", "allow",     "prefer",
                                                        "require", "verify-ca", "verify-full"};
    if (std::find(kModes.begin(), kModes.end(), value) == kModes.end()) {
      return "sslmode '" + std::string(value) +
             "' is not one of disable, allow, prefer, require, verify-ca, verify-full";
    }
  }
  if (engine == Engine::kMysql && name == "tls" && value != "true" && value != "false" &&
      value != "skip-verify") {
    return "tls '" + std::string(value) + "' is not one of true, false, skip-verify";
  }
  return "";
}

hugo::Result<std::vector<std::pair<std::string, std::string>>> ParseParams(Engine engine,
                                                                           std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      return Invalid("parameter '" + std::string(pair) + "' has no value (write name=value)",
                     engine);
    }
    std::string name(pair.substr(0, eq));
    if (!IsKnownParam(engine, name)) {
      return Invalid("unknown parameter '" + name + "' (known: " + KnownParams(engine) + ")",
                     engine);
    }
    auto value = PercentDecode(pair.substr(eq + 1));
    if (!value) return Invalid("the value of parameter '" + name + "' has a bad % escape", engine);
    for (const auto& [existing, unused] : params) {
      if (existing == name) return Invalid("parameter '" + name + "' is given twice", engine);
    }
    std::string problem = CheckParamValue(engine, name, *value);
    if (!problem.empty()) return Invalid(problem, engine);
    params.emplace_back(std::move(name), std::move(*value));
  }
  return hugo::Ok(std::move(params));
}

// host, [ipv6], host:port or [ipv6]:port into dsn.host and dsn.port.
hugo::Result<hugo::Unit> ParseHostPort(std::string_view text, Dsn& dsn) {
  std::string_view port_text;
  if (text.starts_with('[')) {
    size_t close = text.find(']');
    if (close == std::string_view::npos)
      return Invalid("the IPv6 host has no closing ']'", dsn.engine);
    dsn.host = std::string(text.substr(1, close - 1));
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return Invalid("unexpected text after the IPv6 host", dsn.engine);
      port_text = rest.substr(1);
      if (port_text.empty()) return Invalid("the port after ':' is empty", dsn.engine);
    }
  } else {
    size_t colon = text.find(':');
    dsn.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = text.substr(colon + 1);
      if (port_text.empty()) return Invalid("the port after ':' is empty", dsn.engine);
    }
  }
  if (dsn.host.empty()) return Invalid("the host is missing", dsn.engine);
  dsn.port = dsn.engine == Engine::kPostgres ? 5432 : 3306;
  if (!port_text.empty()) {
    int port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
      return Invalid("port '" + std::string(port_text) + "' is not a number from 1 to 65535",
                     dsn.engine);
    }
    dsn.port = port;
  }
  return hugo::Ok();
}

// user[:password] into dsn.user and dsn.password. Messages never quote the password.
hugo::Result<hugo::Unit> ParseUserInfo(std::string_view text, Dsn& dsn) {
  size_t colon = text.find(':');
  auto user = PercentDecode(text.substr(0, colon));
  if (!user) return Invalid("the user name has a bad % escape", dsn.engine);
  if (user->empty()) return Invalid("the user name is missing", dsn.engine);
  dsn.user = std::move(*user);
  if (colon != std::string_view::npos) {
    auto password = PercentDecode(text.substr(colon + 1));
    if (!password) {
      return Invalid("the password has a bad % escape (write %25 for '%')", dsn.engine);
    }
    dsn.password = std::move(*password);
  }
  return hugo::Ok();
}

}  // namespace

const std::string* Dsn::Param(std::string_view name) const {
  for (const auto& [key, value] : params) {
    if (key == name) return &value;
  }
  return nullptr;
}

std::string Dsn::Address() const {
  bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string Dsn::Describe() const {
  return std::string(engine == Engine::kPostgres ? "postgres://" : "mysql://") + user + "@" +
         Address() + "/" + database;
}

hugo::Result<Dsn> ParseDsn(std::string_view text) {
  size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    return Invalid("it does not start with a scheme such as postgres:// or mysql://", std::nullopt);
  }
  Dsn dsn;
  auto engine = ParseScheme(text.substr(0, scheme_end));
  if (engine.IsFailure()) return engine.Error();
  dsn.engine = engine.Value();
  std::string_view rest = text.substr(scheme_end + 3);
  std::string_view query;
  if (size_t question = rest.find('?'); question != std::string_view::npos) {
    query = rest.substr(question + 1);
    rest = rest.substr(0, question);
  }
  // The last '@' ends the user info, so that an unescaped '@' or '/' in the password still parses.
  size_t at = rest.rfind('@');
  if (at == std::string_view::npos) return Invalid("the user name is missing", dsn.engine);
  auto user_info = ParseUserInfo(rest.substr(0, at), dsn);
  if (user_info.IsFailure()) return user_info.Error();
  rest = rest.substr(at + 1);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return Invalid("the database name is missing", dsn.engine);
  auto host_port = ParseHostPort(rest.substr(0, slash), dsn);
  if (host_port.IsFailure()) return host_port.Error();
  auto database = PercentDecode(rest.substr(slash + 1));
  if (!database) return Invalid("the database name has a bad % escape", dsn.engine);
  if (database->empty()) return Invalid("the database name is missing", dsn.engine);
  if (database->find('/') != std::string::npos) {
    return Invalid("the database name contains '/'", dsn.engine);
  }
  dsn.database = std::move(*database);
  auto params = ParseParams(dsn.engine, query);
  if (params.IsFailure()) return params.Error();
  dsn.params = std::move(params).Value();
  return hugo::Ok(std::move(dsn));
}

}  // namespace hdo::persistence::sql
