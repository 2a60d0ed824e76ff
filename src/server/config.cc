#include "server/config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

namespace hdo::server {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// libpq's sslmode values, and the MySQL/MariaDB store's `tls` values (persistence.tls.mode).
const std::vector<std::string> kPostgresTlsModes = {"disable", "allow",     "prefer",
                                                    "require", "verify-ca", "verify-full"};
const std::vector<std::string> kMysqlTlsModes = {"false", "true", "skip-verify"};

std::string Join(const std::vector<std::string>& words) {
  std::string joined;
  for (const std::string& word : words) joined += (joined.empty() ? "" : ", ") + word;
  return joined;
}

std::string FormatMs(int64_t ms) {
  if (ms == 0) return "0s";
  if (ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
  if (ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

// "72h", "1h30m", "30s", "1500ms", "7d": a sequence of <integer><unit>.
std::optional<int64_t> ParseDurationMs(const std::string& text) {
  static const std::map<std::string, int64_t> kUnits = {
      {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
  if (text.empty()) return std::nullopt;
  int64_t total = 0;
  size_t at = 0;
  while (at < text.size()) {
    int64_t number = 0;
    auto [end, ec] = std::from_chars(text.data() + at, text.data() + text.size(), number);
    if (ec != std::errc() || number < 0) return std::nullopt;
    at = static_cast<size_t>(end - text.data());
    size_t unit_end = at;
    while (unit_end < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_end]))) {
      ++unit_end;
    }
    auto unit = kUnits.find(text.substr(at, unit_end - at));
    if (unit == kUnits.end()) return std::nullopt;
    if (number > (int64_t{1} << 52) / unit->second) return std::nullopt;
    total += number * unit->second;
    at = unit_end;
  }
  return total;
}

// Walks the document, remembering the first error; every accessor names the key path and line.
class Reader {
 public:
  Reader(std::string source, const Environment& environment)
      : source_(std::move(source)), environment_(environment) {}

  bool failed() const { return error_.has_value(); }
  hugo::Error error() const { return *error_; }

  void Fail(const YAML::Node& node, const std::string& path, const std::string& problem) {
    if (error_.has_value()) return;
    std::string where = source_;
    if (node.IsDefined() && node.Mark().line >= 0) {
      where += ":" + std::to_string(node.Mark().line + 1);
    }
    error_ = hugo::Error::From(where + ": " + path + ": " + problem, kErrorConfig);
  }
  void FailAt(const std::string& problem) {
    if (!error_.has_value()) error_ = hugo::Error::From(source_ + ": " + problem, kErrorConfig);
  }

  // A mapping (or absent/null: empty) whose keys are all in `allowed`, each at most once.
  bool Map(const YAML::Node& node, const std::string& path,
           const std::vector<std::string>& allowed) {
    if (!node.IsDefined() || node.IsNull()) return false;
    if (!node.IsMap()) {
      Fail(node, path, "expected a mapping of keys (" + Join(allowed) + ")");
      return false;
    }
    std::set<std::string> seen;
    for (const auto& entry : node) {
      const std::string key = entry.first.Scalar();
      const std::string key_path = path.empty() ? key : path + "." + key;
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        Fail(entry.first, key_path,
             "unknown key" + (path.empty() ? std::string() : " in " + path) +
                 " (allowed: " + Join(allowed) + ")");
        return false;
      }
      if (!seen.insert(key).second) {
        Fail(entry.first, key_path, "given twice");
        return false;
      }
    }
    return true;
  }

  // The scalar at node, environment expanded; nullopt when absent (or after an error).
  std::optional<std::string> String(const YAML::Node& node, const std::string& path) {
    if (failed() || !node.IsDefined()) return std::nullopt;
    if (node.IsNull()) {
      Fail(node, path, "has no value");
      return std::nullopt;
    }
    if (!node.IsScalar()) {
      Fail(node, path,
           "expected a single value, not a " + std::string(node.IsMap() ? "mapping" : "list"));
      return std::nullopt;
    }
    auto expanded = ExpandEnvironment(node.Scalar(), environment_);
    if (expanded.IsFailure()) {
      Fail(node, path, expanded.Error().Message());
      return std::nullopt;
    }
    return expanded.Value();
  }

  void Int(const YAML::Node& node, const std::string& path, int64_t min, int64_t max, int* out,
           const std::string& note = {}) {
    auto text = String(node, path);
    if (!text) return;
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    bool whole = ec == std::errc() && end == text->data() + text->size();
    if (!whole || value < min || value > max) {
      Fail(node, path,
           "'" + *text + "' is not " + (whole ? "in range" : "an integer") + ": give an integer " +
               std::to_string(min) + ".." + std::to_string(max) + note);
      return;
    }
    *out = static_cast<int>(value);
  }

  void Bool(const YAML::Node& node, const std::string& path, bool* out) {
    auto text = String(node, path);
    if (!text) return;
    if (*text == "true" || *text == "false") {
      *out = *text == "true";
      return;
    }
    Fail(node, path, "'" + *text + "' is not a boolean: give true or false");
  }

  template <class Duration>
  void Time(const YAML::Node& node, const std::string& path, milliseconds min, milliseconds max,
            Duration* out) {
    auto text = String(node, path);
    if (!text) return;
    auto ms = ParseDurationMs(*text);
    if (!ms || *ms < min.count() || *ms > max.count()) {
      Fail(node, path,
           "'" + *text + "' is not " + (ms ? "in range" : "a duration") +
               ": give a duration such as 30s, 5m, 72h or 1h30m, " + FormatMs(min.count()) + ".." +
               FormatMs(max.count()));
      return;
    }
    *out = std::chrono::duration_cast<Duration>(milliseconds(*ms));
  }

  void Enum(const YAML::Node& node, const std::string& path,
            const std::vector<std::string>& allowed, std::string* out) {
    auto text = String(node, path);
    if (!text) return;
    if (std::find(allowed.begin(), allowed.end(), *text) == allowed.end()) {
      Fail(node, path, "'" + *text + "' is not one of " + Join(allowed));
      return;
    }
    *out = *text;
  }

 private:
  std::string source_;
  const Environment& environment_;
  std::optional<hugo::Error> error_;
};

// The structured TLS keys and the password, merged into the DSN.
struct DsnParts {
  std::string password;
  std::string tls_mode;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
};

std::string PercentEncode(const std::string& text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      encoded += static_cast<char>(c);
    } else {
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 15];
    }
  }
  return encoded;
}

bool HasQueryParameter(const std::string& dsn, const std::string& name) {
  size_t query = dsn.find('?');
  if (query == std::string::npos) return false;
  std::stringstream parameters(dsn.substr(query + 1));
  for (std::string parameter; std::getline(parameters, parameter, '&');) {
    if (parameter.substr(0, parameter.find('=')) == name) return true;
  }
  return false;
}

// Checks the DSN against the store and adds the password and the TLS parameters to it.
void CompleteDsn(Reader& reader, const YAML::Node& persistence, const std::string& store,
                 const DsnParts& parts, std::string* dsn) {
  const YAML::Node dsn_node = persistence["dsn"];
  if (store == kStoreSqlite) {
    if (!dsn->empty()) reader.Fail(dsn_node, "persistence.dsn", "is for postgres and mysql only");
    if (persistence["tls"].IsDefined() || persistence["password"].IsDefined()) {
      reader.Fail(persistence, "persistence", "tls and password are for postgres and mysql only");
    }
    return;
  }
  if (persistence["sqlite"].IsDefined()) {
    reader.Fail(persistence["sqlite"], "persistence.sqlite", "is for store sqlite only");
    return;
  }
  const bool postgres = store == kStorePostgres;
  const std::string example = postgres ? "postgres://hdo@db.example:5432/hdo?sslmode=verify-full"
                                       : "mysql://hdo@db.example:3306/hdo?tls=true";
  if (dsn->empty()) {
    reader.Fail(persistence, "persistence.dsn",
                "is required for store " + store + ", e.g. " + example);
    return;
  }
  const size_t scheme_end = dsn->find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : dsn->substr(0, scheme_end);
  const bool scheme_ok =
      postgres ? scheme == "postgres" || scheme == "postgresql" : scheme == "mysql";
  const size_t host_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  const size_t authority_end = dsn->find_first_of("/?", host_start);
  const std::string authority = dsn->substr(host_start, authority_end - host_start);
  const std::string host = authority.substr(authority.rfind('@') + 1);
  if (!scheme_ok || host.empty()) {
    reader.Fail(dsn_node, "persistence.dsn",
                "'" + RedactDsn(*dsn) + "' is not a " + (postgres ? "postgres://" : "mysql://") +
                    " URL with a host (store " + store + "), e.g. " + example);
    return;
  }
  if (!parts.password.empty()) {
    const size_t at = authority.rfind('@');
    const std::string user = at == std::string::npos ? "" : authority.substr(0, at);
    if (user.empty() || user.find(':') != std::string::npos) {
      reader.Fail(persistence["password"], "persistence.password",
                  "needs a DSN with a user and no password of its own, e.g. " + example);
      return;
    }
    dsn->insert(host_start + at, ":" + PercentEncode(parts.password));
  }
  const std::vector<std::pair<std::string, std::string>> tls = {
      {postgres ? "sslmode" : "tls", parts.tls_mode},
      {postgres ? "sslrootcert" : "ssl-ca", parts.ca_file},
      {postgres ? "sslcert" : "ssl-cert", parts.cert_file},
      {postgres ? "sslkey" : "ssl-key", parts.key_file}};
  for (const auto& [name, value] : tls) {
    if (value.empty()) continue;
    if (HasQueryParameter(*dsn, name)) {
      reader.Fail(persistence["tls"], "persistence.tls",
                  "sets " + name + ", which the DSN sets too; give it in one place");
      return;
    }
    *dsn += (dsn->find('?') == std::string::npos ? "?" : "&") + name + "=" + PercentEncode(value);
  }
}

void ReadPersistence(Reader& reader, const YAML::Node& root, Config* config) {
  const YAML::Node node = root["persistence"];
  Server::Options& options = config->server;
  reader.Map(node, "persistence", {"store", "dsn", "password", "tls", "sqlite", "pool_size"});
  if (reader.failed() || !node.IsDefined() || node.IsNull()) return;
  reader.Enum(node["store"], "persistence.store", {kStoreSqlite, kStorePostgres, kStoreMysql},
              &config->store);
  if (reader.Map(node["sqlite"], "persistence.sqlite", {"path"})) {
    if (auto path = reader.String(node["sqlite"]["path"], "persistence.sqlite.path")) {
      if (path->empty()) reader.Fail(node["sqlite"]["path"], "persistence.sqlite.path", "is empty");
      options.db_filename = *path;
    }
  }
  if (auto dsn = reader.String(node["dsn"], "persistence.dsn")) {
    options.database_url = *dsn;
    // Without a store key, the DSN's scheme names it.
    if (!node["store"].IsDefined()) {
      if (dsn->rfind("postgres", 0) == 0) config->store = kStorePostgres;
      if (dsn->rfind("mysql://", 0) == 0) config->store = kStoreMysql;
    }
  }
  reader.Int(node["pool_size"], "persistence.pool_size", 1, 256, &options.database_pool_size);
  DsnParts parts;
  if (auto password = reader.String(node["password"], "persistence.password")) {
    parts.password = *password;
  }
  if (reader.Map(node["tls"], "persistence.tls", {"mode", "ca_file", "cert_file", "key_file"})) {
    const YAML::Node tls = node["tls"];
    reader.Enum(tls["mode"], "persistence.tls.mode",
                config->store == kStoreMysql ? kMysqlTlsModes : kPostgresTlsModes, &parts.tls_mode);
    parts.ca_file = reader.String(tls["ca_file"], "persistence.tls.ca_file").value_or("");
    parts.cert_file = reader.String(tls["cert_file"], "persistence.tls.cert_file").value_or("");
    parts.key_file = reader.String(tls["key_file"], "persistence.tls.key_file").value_or("");
    if (parts.cert_file.empty() != parts.key_file.empty()) {
      reader.Fail(tls, "persistence.tls",
                  "cert_file and key_file go together (client certificate)");
    }
  }
  if (reader.failed()) return;
  CompleteDsn(reader, node, config->store, parts, &options.database_url);
}

void ReadNamespaces(Reader& reader, const YAML::Node& root, Server::Options* options) {
  const YAML::Node node = root["namespaces"];
  if (!node.IsDefined()) return;
  if (!node.IsSequence() || node.size() == 0) {
    reader.Fail(node, "namespaces", "expected a list of {name, retention}, at least one");
    return;
  }
  options->namespaces.clear();
  for (size_t i = 0; i < node.size() && !reader.failed(); ++i) {
    const std::string path = "namespaces[" + std::to_string(i) + "]";
    const YAML::Node entry = node[i];
    if (!reader.Map(entry, path, {"name", "retention"})) {
      reader.Fail(entry, path, "expected {name, retention}");
      return;
    }
    auto name = reader.String(entry["name"], path + ".name");
    if (!name || name->empty()) {
      reader.Fail(entry, path + ".name", "is required");
      return;
    }
    if (std::find(options->namespaces.begin(), options->namespaces.end(), *name) !=
        options->namespaces.end()) {
      reader.Fail(entry["name"], path + ".name", "'" + *name + "' is listed twice");
      return;
    }
    options->namespaces.push_back(*name);
    seconds retention = options->namespace_retention;
    reader.Time(entry["retention"], path + ".retention", std::chrono::hours(1),
                std::chrono::hours(24 * 3650), &retention);
    options->namespace_retentions[*name] = retention;
  }
}

void ReadSections(Reader& reader, const YAML::Node& root, Config* config) {
  Server::Options& options = config->server;
  if (!root.IsDefined() || root.IsNull()) return;  // an empty file: every default
  reader.Map(root, "",
             {"server", "persistence", "history", "frontend", "namespaces", "log", "health"});
  if (reader.failed()) return;
  if (reader.Map(root["server"], "server", {"ip", "port", "metrics_port", "http_port"})) {
    const YAML::Node server = root["server"];
    if (auto ip = reader.String(server["ip"], "server.ip")) {
      in6_addr buffer{};
      const bool v6 = ip->find(':') != std::string::npos;
      if (inet_pton(v6 ? AF_INET6 : AF_INET, ip->c_str(), &buffer) != 1) {
        reader.Fail(
            server["ip"], "server.ip",
            "'" + *ip + "' is not an IP address: give one such as 127.0.0.1, 0.0.0.0 or ::");
      }
      options.ip = *ip;
    }
    reader.Int(server["port"], "server.port", 0, 65535, &options.port);
    reader.Int(server["metrics_port"], "server.metrics_port", -1, 65535, &options.metrics_port,
               " (-1: no metrics and no health probes)");
    if (server["metrics_port"].IsDefined()) options.metrics_port_optional = false;
    reader.Int(server["http_port"], "server.http_port", -1, 65535, &options.http_port,
               " (-1: no Nexus HTTP API)");
  }
  ReadPersistence(reader, root, config);
  if (reader.Map(root["history"], "history",
                 {"shards", "commit_batch_max", "activity_eager_execution", "visibility_delay",
                  "retention_sweep_interval"})) {
    reader.Int(root["history"]["shards"], "history.shards", 1, 16384, &options.history_shards);
    reader.Int(root["history"]["commit_batch_max"], "history.commit_batch_max", 1, 100000,
               &options.commit_batch_max);
    reader.Bool(root["history"]["activity_eager_execution"], "history.activity_eager_execution",
                &options.activity_eager_execution);
    reader.Time(root["history"]["visibility_delay"], "history.visibility_delay", milliseconds(0),
                milliseconds(10000), &options.visibility_delay);
    reader.Time(root["history"]["retention_sweep_interval"], "history.retention_sweep_interval",
                milliseconds(100), std::chrono::hours(24), &options.retention_sweep_interval);
  }
  // The reference's switches of the deprecated build-id versioning APIs (off by default).
  if (reader.Map(root["frontend"], "frontend",
                 {"worker_versioning_data_apis", "worker_versioning_rule_apis"})) {
    reader.Bool(root["frontend"]["worker_versioning_data_apis"],
                "frontend.worker_versioning_data_apis", &options.worker_versioning_data_apis);
    reader.Bool(root["frontend"]["worker_versioning_rule_apis"],
                "frontend.worker_versioning_rule_apis", &options.worker_versioning_rule_apis);
  }
  if (!reader.failed() && config->store == kStoreSqlite && options.history_shards != 1) {
    // The embedded store has one writer: one engine thread owns the one shard (ADR 0005).
    reader.Fail(root["history"]["shards"], "history.shards",
                "'" + std::to_string(options.history_shards) +
                    "' is not possible with store sqlite, which runs one shard: give 1 or leave "
                    "it out");
  }
  ReadNamespaces(reader, root, &options);
  if (reader.Map(root["log"], "log", {"level"})) {
    reader.Enum(root["log"]["level"], "log.level", {"debug", "info", "warn", "error"},
                &config->log_level);
  }
  if (reader.Map(root["health"], "health",
                 {"timer_lag_max", "task_backlog_max", "check_timeout"})) {
    const YAML::Node health = root["health"];
    reader.Time(health["timer_lag_max"], "health.timer_lag_max", milliseconds(100),
                std::chrono::hours(24), &options.readiness_timer_lag_max);
    reader.Int(health["task_backlog_max"], "health.task_backlog_max", 0, 100000000,
               &options.readiness_task_backlog_max, " (0: reported, never a readiness condition)");
    reader.Time(health["check_timeout"], "health.check_timeout", milliseconds(10),
                std::chrono::minutes(1), &options.readiness_check_timeout);
  }
}

}  // namespace

Environment ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

hugo::Result<std::string> ExpandEnvironment(std::string_view value,
                                            const Environment& environment) {
  std::string expanded;
  size_t at = 0;
  while (at < value.size()) {
    size_t dollar = value.find('$', at);
    if (dollar == std::string_view::npos) {
      expanded += value.substr(at);
      break;
    }
    expanded += value.substr(at, dollar - at);
    if (value.substr(dollar, 3) == "$${") {  // escaped: a literal ${
      expanded += "${";
      at = dollar + 3;
      continue;
    }
    if (value.substr(dollar, 2) != "${") {
      expanded += '$';
      at = dollar + 1;
      continue;
    }
    size_t close = value.find('}', dollar);
    if (close == std::string_view::npos) {
      return hugo::Error::From("'${' without its closing '}'", kErrorConfig);
    }
    std::string_view inside = value.substr(dollar + 2, close - dollar - 2);
    size_t default_at = inside.find(":-");
    std::string name(inside.substr(0, default_at));
    bool name_ok = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) &&
                   std::all_of(name.begin(), name.end(), [](char c) {
                     return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                   });
    if (!name_ok) {
      return hugo::Error::From("'${" + std::string(inside) +
                                   "}' does not name an environment variable (letters, digits, _)",
                               kErrorConfig);
    }
    std::optional<std::string> found = environment(name);
    if (found.has_value() && (!found->empty() || default_at == std::string_view::npos)) {
      expanded += *found;
    } else if (default_at != std::string_view::npos) {
      expanded += inside.substr(default_at + 2);
    } else {
      return hugo::Error::From("environment variable " + name + " is not set (write ${" + name +
                                   ":-default} for a default)",
                               kErrorConfig);
    }
    at = close + 1;
  }
  return hugo::Ok(std::move(expanded));
}

hugo::Result<Config> ParseConfig(std::string_view text, const std::string& source,
                                 const Environment& environment) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return hugo::Error::From(
        source + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg,
        kErrorConfig);
  }
  Config config;
  // A configured server listens where the reference server's configuration files say; `start-dev`
  // (Server::Options' default) picks a free port.
  config.server.http_port = kDefaultHttpPort;
  Reader reader(source, environment);
  try {
    if (root.IsDefined() && !root.IsNull() && !root.IsMap()) {
      reader.Fail(root, "(top level)",
                  "expected a mapping of sections (server, persistence, history, frontend, "
                  "namespaces, log, health)");
    } else {
      ReadSections(reader, root, &config);
    }
  } catch (const YAML::Exception& e) {
    reader.FailAt(std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (reader.failed()) return reader.error();
  return hugo::Ok(std::move(config));
}

hugo::Result<Config> LoadConfigFile(const std::string& path, const Environment& environment) {
  std::ifstream file(path);
  if (!file) {
    return hugo::Error::From(
        "cannot read configuration file '" + path + "': " + std::strerror(errno), kErrorConfig);
  }
  std::stringstream text;
  text << file.rdbuf();
  if (file.bad()) {
    return hugo::Error::From("cannot read configuration file '" + path + "'", kErrorConfig);
  }
  return ParseConfig(text.str(), path, environment);
}

std::string RedactDsn(const std::string& dsn) {
  std::string redacted = dsn;
  const size_t scheme_end = redacted.find("://");
  if (scheme_end != std::string::npos) {
    const size_t start = scheme_end + 3;
    const size_t authority_end = redacted.find_first_of("/?", start);
    const size_t at = redacted.rfind('@', authority_end);
    if (at != std::string::npos && at >= start) {
      const size_t colon = redacted.find(':', start);
      if (colon != std::string::npos && colon < at) redacted.erase(colon, at - colon);
    }
  }
  const size_t query = redacted.find('?');
  if (query == std::string::npos) return redacted;
  std::string kept = redacted.substr(0, query);
  std::stringstream parameters(redacted.substr(query + 1));
  char separator = '?';
  for (std::string parameter; std::getline(parameters, parameter, '&');) {
    if (parameter.substr(0, parameter.find('=')) == "password") continue;
    kept += separator + parameter;
    separator = '&';
  }
  return kept;
}

}  // namespace hdo::server
