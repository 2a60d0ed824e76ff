// Goal: hdo.yaml is read strictly: a good file fills Server::Options; every kind of mistake is one
// message naming the file, line, key path, value and what is allowed; ${VAR} and ${VAR:-default}
// come from the environment. Method: ParseConfig on text with a map as the environment;
// LoadConfigFile on a real temp file.
#include "server/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

namespace hdo::server {
namespace {

Environment MapEnvironment(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    auto it = variables.find(name);
    if (it == variables.end()) return std::nullopt;
    return it->second;
  };
}

hugo::Result<Config> Parse(const std::string& text, std::map<std::string, std::string> env = {}) {
  return ParseConfig(text, "hdo.yaml", MapEnvironment(std::move(env)));
}

// The message of a failed parse ("" when it succeeded).
std::string ErrorOf(const std::string& text, std::map<std::string, std::string> env = {}) {
  auto parsed = Parse(text, std::move(env));
  if (parsed.IsSuccess()) return "";
  EXPECT_TRUE(parsed.Error().HasCode(kErrorConfig));
  return parsed.Error().Message();
}

TEST(ConfigTest, AnEmptyFileGivesEveryDefault) {
  auto parsed = Parse("");
  ASSERT_TRUE(parsed.IsSuccess()) << parsed.Error().Message();
  const Config& config = parsed.Value();
  Server::Options defaults;
  EXPECT_EQ(config.store, kStoreSqlite);
  EXPECT_EQ(config.log_level, "info");
  EXPECT_EQ(config.server.ip, defaults.ip);
  EXPECT_EQ(config.server.port, 7233);
  EXPECT_EQ(config.server.metrics_port, kDefaultMetricsPort);
  EXPECT_TRUE(config.server.metrics_port_optional);
  EXPECT_EQ(config.server.http_port, kDefaultHttpPort);
  EXPECT_EQ(config.server.db_filename, defaults.db_filename);
  EXPECT_EQ(config.server.namespaces, std::vector<std::string>{"default"});
  EXPECT_EQ(config.server.history_shards, 1);
  EXPECT_EQ(config.server.readiness_timer_lag_max, std::chrono::seconds(30));
}

TEST(ConfigTest, AFullPostgresFileFillsEveryOption) {
  auto parsed = Parse(R"(
server:
  ip: 0.0.0.0
  port: 7234
  metrics_port: 9091
  http_port: 7244
persistence:
  store: postgres
  dsn: postgres://hdo@db:5432/hdo
  password: ${HDO_DB_PASSWORD}
  tls:
    mode: verify-full
    ca_file: /etc/hdo/ca.pem
  pool_size: 8
history:
  shards: 4
  commit_batch_max: 500
  activity_eager_execution: false
  visibility_delay: 200ms
  retention_sweep_interval: 5m
frontend:
  worker_versioning_data_apis: true
  worker_versioning_rule_apis: false
namespaces:
  - name: default
    retention: 72h
  - name: payments
log:
  level: debug
health:
  timer_lag_max: 1m
  task_backlog_max: 5000
  check_timeout: 1500ms
)",
                      {{"HDO_DB_PASSWORD", "p@ss word"}});
  ASSERT_TRUE(parsed.IsSuccess()) << parsed.Error().Message();
  const Config& config = parsed.Value();
  EXPECT_EQ(config.store, kStorePostgres);
  EXPECT_EQ(config.server.ip, "0.0.0.0");
  EXPECT_EQ(config.server.port, 7234);
  EXPECT_EQ(config.server.metrics_port, 9091);
  EXPECT_EQ(config.server.http_port, 7244);
  EXPECT_FALSE(config.server.metrics_port_optional);
  EXPECT_EQ(config.server.database_url,
            "postgres://hdo:p%40ss%20word@db:5432/hdo?sslmode=verify-full&sslrootcert=%2Fetc%2Fhdo%"
            "2Fca.pem");
  EXPECT_EQ(config.server.database_pool_size, 8);
  EXPECT_EQ(config.server.history_shards, 4);
  EXPECT_EQ(config.server.commit_batch_max, 500);
  EXPECT_FALSE(config.server.activity_eager_execution);
  EXPECT_EQ(config.server.visibility_delay, std::chrono::milliseconds(200));
  EXPECT_EQ(config.server.retention_sweep_interval, std::chrono::minutes(5));
  EXPECT_TRUE(config.server.worker_versioning_data_apis);
  EXPECT_FALSE(config.server.worker_versioning_rule_apis);
  EXPECT_EQ(config.server.namespaces, (std::vector<std::string>{"default", "payments"}));
  EXPECT_EQ(config.server.namespace_retentions.at("default"), std::chrono::hours(72));
  EXPECT_EQ(config.server.namespace_retentions.at("payments"), std::chrono::hours(24));
  EXPECT_EQ(config.log_level, "debug");
  EXPECT_EQ(config.server.readiness_timer_lag_max, std::chrono::minutes(1));
  EXPECT_EQ(config.server.readiness_task_backlog_max, 5000);
  EXPECT_EQ(config.server.readiness_check_timeout, std::chrono::milliseconds(1500));
}

TEST(ConfigTest, AMysqlStoreTakesItsOwnTlsParameterNames) {
  auto parsed = Parse(R"(
persistence:
  store: mysql
  dsn: mysql://hdo:secret@db:3306/hdo
  tls: {mode: "true", ca_file: /ca.pem, cert_file: /c.pem, key_file: /k.pem}
)");
  ASSERT_TRUE(parsed.IsSuccess()) << parsed.Error().Message();
  EXPECT_EQ(parsed.Value().server.database_url,
            "mysql://hdo:secret@db:3306/hdo?tls=true&ssl-ca=%2Fca.pem&ssl-cert=%2Fc.pem&ssl-key=%"
            "2Fk.pem");
}

TEST(ConfigTest, TheStoreFollowsTheDsnSchemeWhenNotNamed) {
  auto parsed = Parse("persistence: {dsn: 'mysql://hdo@db/hdo'}");
  ASSERT_TRUE(parsed.IsSuccess()) << parsed.Error().Message();
  EXPECT_EQ(parsed.Value().store, kStoreMysql);
}

TEST(ConfigTest, AnSqlitePathIsTheDatabaseFile) {
  auto parsed = Parse("persistence:\n  store: sqlite\n  sqlite: {path: /var/lib/hdo/hdo.db}\n");
  ASSERT_TRUE(parsed.IsSuccess()) << parsed.Error().Message();
  EXPECT_EQ(parsed.Value().server.db_filename, "/var/lib/hdo/hdo.db");
  EXPECT_TRUE(parsed.Value().server.database_url.empty());
}

TEST(ConfigTest, AnUnknownKeyNamesItsPathLineAndTheAllowedKeys) {
  EXPECT_EQ(ErrorOf("server:\n  port: 7233\npersistence:\n  poolsize: 4\n"),
            "hdo.yaml:4: persistence.poolsize: unknown key in persistence (allowed: store, dsn, "
            "password, tls, sqlite, pool_size)");
  EXPECT_EQ(ErrorOf("severs: {}\n"),
            "hdo.yaml:1: severs: unknown key (allowed: server, persistence, history, frontend, "
            "namespaces, log, health)");
}

TEST(ConfigTest, AKeyGivenTwiceIsAnError) {
  EXPECT_EQ(ErrorOf("server:\n  port: 1\n  port: 2\n"), "hdo.yaml:3: server.port: given twice");
}

TEST(ConfigTest, AWrongTypeNamesKeyValueAndRange) {
  EXPECT_EQ(ErrorOf("server:\n  port: seven\n"),
            "hdo.yaml:2: server.port: 'seven' is not an integer: give an integer 0..65535");
  EXPECT_EQ(ErrorOf("server:\n  port: [1]\n"),
            "hdo.yaml:2: server.port: expected a single value, not a list");
  EXPECT_EQ(ErrorOf("server:\n  ip: localhost\n"),
            "hdo.yaml:2: server.ip: 'localhost' is not an IP address: give one such as 127.0.0.1, "
            "0.0.0.0 or ::");
  EXPECT_EQ(ErrorOf("server: 7233\n"),
            "hdo.yaml:1: server: expected a mapping of keys (ip, port, metrics_port, http_port)");
  EXPECT_EQ(ErrorOf("server:\n  http_port: -2\n"),
            "hdo.yaml:2: server.http_port: '-2' is not in range: give an integer -1..65535 (-1: no "
            "Nexus HTTP API)");
  EXPECT_EQ(ErrorOf("frontend:\n  worker_versioning_rules: true\n"),
            "hdo.yaml:2: frontend.worker_versioning_rules: unknown key in frontend (allowed: "
            "worker_versioning_data_apis, worker_versioning_rule_apis)");
  EXPECT_EQ(ErrorOf("history:\n  activity_eager_execution: yes\n"),
            "hdo.yaml:2: history.activity_eager_execution: 'yes' is not a boolean: give true or "
            "false");
  EXPECT_EQ(ErrorOf("history:\n  visibility_delay: 1m\n"),
            "hdo.yaml:2: history.visibility_delay: '1m' is not in range: give a duration such as "
            "30s, 5m, 72h or 1h30m, 0s..10s");
  EXPECT_EQ(ErrorOf("history:\n  retention_sweep_interval: 10ms\n"),
            "hdo.yaml:2: history.retention_sweep_interval: '10ms' is not in range: give a "
            "duration such as 30s, 5m, 72h or 1h30m, 100ms..24h");
  EXPECT_EQ(ErrorOf("namespaces:\n  - name: a\n    retention: soon\n"),
            "hdo.yaml:3: namespaces[0].retention: 'soon' is not a duration: give a duration such "
            "as 30s, 5m, 72h or 1h30m, 1h..87600h");
}

TEST(ConfigTest, AnOutOfRangeValueNamesKeyValueAndRange) {
  EXPECT_EQ(ErrorOf("server:\n  port: 70000\n"),
            "hdo.yaml:2: server.port: '70000' is not in range: give an integer 0..65535");
  EXPECT_EQ(ErrorOf("history:\n  shards: 0\n"),
            "hdo.yaml:2: history.shards: '0' is not in range: give an integer 1..16384");
  EXPECT_EQ(ErrorOf("namespaces:\n  - {name: a, retention: 10m}\n"),
            "hdo.yaml:2: namespaces[0].retention: '10m' is not in range: give a duration such as "
            "30s, 5m, 72h or 1h30m, 1h..87600h");
  EXPECT_EQ(ErrorOf("persistence: {store: oracle}\n"),
            "hdo.yaml:1: persistence.store: 'oracle' is not one of sqlite, postgres, mysql");
}

TEST(ConfigTest, InconsistentPersistenceIsAnError) {
  EXPECT_EQ(ErrorOf("persistence:\n  store: postgres\n"),
            "hdo.yaml:2: persistence.dsn: is required for store postgres, e.g. "
            "postgres://hdo@db.example:5432/hdo?sslmode=verify-full");
  EXPECT_EQ(ErrorOf("persistence:\n  store: postgres\n  dsn: mysql://u:secret@db/hdo\n"),
            "hdo.yaml:3: persistence.dsn: 'mysql://u@db/hdo' is not a postgres:// URL with a host "
            "(store postgres), e.g. postgres://hdo@db.example:5432/hdo?sslmode=verify-full");
  EXPECT_EQ(ErrorOf("persistence:\n  store: sqlite\n  dsn: postgres://db/hdo\n"),
            "hdo.yaml:3: persistence.dsn: is for postgres and mysql only");
  EXPECT_EQ(ErrorOf("persistence:\n  dsn: postgres://hdo@db/hdo\n  sqlite: {path: x.db}\n"),
            "hdo.yaml:3: persistence.sqlite: is for store sqlite only");
  EXPECT_EQ(ErrorOf("persistence:\n  dsn: postgres://hdo@db/hdo?sslmode=require\n  tls: {mode: "
                    "verify-full}\n"),
            "hdo.yaml:3: persistence.tls: sets sslmode, which the DSN sets too; give it in one "
            "place");
  EXPECT_EQ(ErrorOf("persistence:\n  dsn: postgres://hdo@db/hdo\n  tls: {mode: \"true\"}\n"),
            "hdo.yaml:3: persistence.tls.mode: 'true' is not one of disable, allow, prefer, "
            "require, verify-ca, verify-full");
  EXPECT_EQ(ErrorOf("persistence:\n  dsn: postgres://hdo:pw@db/hdo\n  password: other\n"),
            "hdo.yaml:3: persistence.password: needs a DSN with a user and no password of its "
            "own, e.g. postgres://hdo@db.example:5432/hdo?sslmode=verify-full");
}

TEST(ConfigTest, SqliteRunsOneShard) {
  EXPECT_EQ(ErrorOf("history:\n  shards: 4\n"),
            "hdo.yaml:2: history.shards: '4' is not possible with store sqlite, which runs one "
            "shard: give 1 or leave it out");
}

TEST(ConfigTest, NamespacesMustBeNamedOnce) {
  EXPECT_EQ(ErrorOf("namespaces:\n  - name: a\n  - name: a\n"),
            "hdo.yaml:3: namespaces[1].name: 'a' is listed twice");
  EXPECT_EQ(ErrorOf("namespaces:\n  - retention: 24h\n"),
            "hdo.yaml:2: namespaces[0].name: is required");
}

TEST(ConfigTest, InvalidYamlNamesTheLine) {
  std::string message = ErrorOf("server:\n  port: 1\n bad: [\n");
  EXPECT_EQ(message.rfind("hdo.yaml:", 0), 0u) << message;
  EXPECT_NE(message.find("not valid YAML"), std::string::npos) << message;
}

TEST(ConfigTest, EnvironmentVariablesExpandInEveryScalar) {
  auto parsed =
      Parse("server:\n  port: ${HDO_PORT}\n  ip: ${HDO_IP:-0.0.0.0}\n", {{"HDO_PORT", "7300"}});
  ASSERT_TRUE(parsed.IsSuccess()) << parsed.Error().Message();
  EXPECT_EQ(parsed.Value().server.port, 7300);
  EXPECT_EQ(parsed.Value().server.ip, "0.0.0.0");
}

TEST(ConfigTest, AnUnsetVariableWithoutDefaultIsAnErrorNamingIt) {
  EXPECT_EQ(ErrorOf("persistence:\n  dsn: postgres://hdo:${HDO_DB_PASSWORD}@db/hdo\n"),
            "hdo.yaml:2: persistence.dsn: environment variable HDO_DB_PASSWORD is not set (write "
            "${HDO_DB_PASSWORD:-default} for a default)");
}

TEST(ConfigTest, ExpansionHandlesDefaultsEscapesAndMistakes) {
  Environment env = MapEnvironment({{"A", "x"}, {"EMPTY", ""}});
  EXPECT_EQ(ExpandEnvironment("${A}-${B:-y}-${EMPTY:-z}-$${A}-$5", env).Value(), "x-y-z-${A}-$5");
  EXPECT_EQ(ExpandEnvironment("${EMPTY}", env).Value(), "");
  EXPECT_EQ(ExpandEnvironment("${A", env).Error().Message(), "'${' without its closing '}'");
  EXPECT_EQ(ExpandEnvironment("${1A}", env).Error().Message(),
            "'${1A}' does not name an environment variable (letters, digits, _)");
}

TEST(ConfigTest, RedactDsnDropsThePassword) {
  EXPECT_EQ(RedactDsn("postgres://hdo:s3cr:et@db:5432/hdo?sslmode=require"),
            "postgres://hdo@db:5432/hdo?sslmode=require");
  EXPECT_EQ(RedactDsn("mysql://db/hdo?user=hdo&password=x&tls=true"),
            "mysql://db/hdo?user=hdo&tls=true");
  EXPECT_EQ(RedactDsn("postgres://hdo@db/hdo"), "postgres://hdo@db/hdo");
}

TEST(ConfigTest, AMissingFileSaysSo) {
  auto loaded = LoadConfigFile("/nonexistent/hdo.yaml", MapEnvironment({}));
  ASSERT_TRUE(loaded.IsFailure());
  EXPECT_EQ(loaded.Error().Message(),
            "cannot read configuration file '/nonexistent/hdo.yaml': No such file or directory");
}

TEST(ConfigTest, AFileIsReadAndNamedInMessages) {
  auto dir =
      std::filesystem::temp_directory_path() / ("hdo-config-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "hdo.yaml").string();
  std::ofstream(path) << "server:\n  port: 7300\nhistory:\n  shard: 2\n";
  auto loaded = LoadConfigFile(path, MapEnvironment({}));
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(loaded.IsFailure());
  EXPECT_EQ(loaded.Error().Message(),
            path +
                ":4: history.shard: unknown key in history (allowed: shards, commit_batch_max, "
                "activity_eager_execution, visibility_delay, retention_sweep_interval)");
}

}  // namespace
}  // namespace hdo::server
