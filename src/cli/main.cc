// The `hdo` binary: CLI11 subcommands over the server and, later, the admin and client commands.
//
// Exit codes: 0 success (and after a clean Ctrl-C stop), 2 bad input or an environment problem the
// user can fix (unknown flag, port in use, unusable database file), 1 anything else.
#include <absl/synchronization/mutex.h>
#include <grpc/support/log.h>
#include <signal.h>
#include <strings.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <string>

#include "cli/admin_schema.h"
#include "common/log.h"
#include "common/version.h"
#include "history/cron.h"
#include "server/config.h"
#include "server/server.h"
#include "temporal/api/enums/v1/common.pb.h"

namespace {

constexpr int kExitBadInput = 2;

// gRPC's own log lines go through our structured logger at debug level: the failures that matter
// to an operator are reported by hdo itself, with the fix.
void RouteGrpcLogs() {
  gpr_set_log_verbosity(GPR_LOG_SEVERITY_DEBUG);
  gpr_set_log_function([](gpr_log_func_args* args) {
    hdo::log::Debug(args->message,
                    {{"component", "grpc"}, {"file", args->file}, {"line", args->line}});
  });
}

// One line on stderr naming the problem, then exit 2.
[[noreturn]] void FailBadInput(const std::string& message) {
  std::fprintf(stderr, "hdo: error: %s\n", message.c_str());
  std::exit(kExitBadInput);
}

// start-dev --search-attribute NAME=TYPE (the reference dev server's flag): the type by its
// short name, any case ("keyword", "Datetime", "KeywordList").
void AddSearchAttributeFlag(const std::string& flag, hdo::server::Server::Options& options) {
  namespace enums = temporal::api::enums::v1;
  static const std::pair<const char*, enums::IndexedValueType> kTypes[] = {
      {"Text", enums::INDEXED_VALUE_TYPE_TEXT},
      {"Keyword", enums::INDEXED_VALUE_TYPE_KEYWORD},
      {"Int", enums::INDEXED_VALUE_TYPE_INT},
      {"Double", enums::INDEXED_VALUE_TYPE_DOUBLE},
      {"Bool", enums::INDEXED_VALUE_TYPE_BOOL},
      {"Datetime", enums::INDEXED_VALUE_TYPE_DATETIME},
      {"KeywordList", enums::INDEXED_VALUE_TYPE_KEYWORD_LIST}};
  const size_t equals = flag.find('=');
  if (equals == std::string::npos || equals == 0) {
    FailBadInput("--search-attribute '" + flag + "': write NAME=TYPE, e.g. CustomerId=Keyword");
  }
  const std::string name = flag.substr(0, equals);
  const std::string type = flag.substr(equals + 1);
  for (const auto& [type_name, value] : kTypes) {
    if (strcasecmp(type.c_str(), type_name) == 0) {
      options.search_attributes[name] = value;
      return;
    }
  }
  FailBadInput("--search-attribute '" + flag + "': unknown type '" + type +
               "' (types: Text, Keyword, Int, Double, Bool, Datetime, KeywordList)");
}

// start-dev --dynamic-config-value KEY=JSON (the reference dev server's flag): the keys hdo has a
// setting for are applied; the others are reported and ignored (hdo has no dynamic config: the
// features such keys switch on in the reference are always on here, but for the deprecated
// build-id versioning, off by default as there).
void AddDynamicConfigFlag(const std::string& flag, hdo::server::Server::Options& options) {
  const size_t equals = flag.find('=');
  if (equals == std::string::npos || equals == 0) {
    FailBadInput("--dynamic-config-value '" + flag +
                 "': write KEY=VALUE, e.g. limit.historyCount.suggestContinueAsNew=50");
  }
  const std::string key = flag.substr(0, equals);
  const std::string value = flag.substr(equals + 1);
  if (key == "nexusoperation.useNewFailureWireFormat") {
    if (value != "true" && value != "false") {
      FailBadInput("--dynamic-config-value '" + flag + "': " + key + " takes true or false");
    }
    options.nexus_temporal_failure_responses = value == "true";
    return;
  }
  if (key == "system.namespaceMinRetentionLocal" || key == "history.retentionTimerJitterDuration") {
    // A duration as the reference reads one: Go's form ("1s", "90m", "1h30m"), quoted or not,
    // or a whole number of seconds.
    std::string text = value;
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
      text = text.substr(1, text.size() - 2);
    }
    std::optional<int64_t> nanos;
    if (!text.empty() && std::all_of(text.begin(), text.end(), ::isdigit) && text.size() < 12) {
      nanos = std::stoll(text) * 1'000'000'000;
    } else {
      nanos = hdo::history::ParseGoDurationNanos(text);
    }
    const bool min_retention = key == "system.namespaceMinRetentionLocal";
    const int64_t floor_ms = min_retention ? 0 : 100;
    if (!nanos.has_value() || *nanos / 1'000'000 < floor_ms) {
      FailBadInput("--dynamic-config-value '" + flag + "': " + key +
                   " takes a duration such as \"1s\", \"30m\" or \"24h\"" +
                   (min_retention ? "" : " of at least 100ms"));
    }
    const std::chrono::milliseconds ms(*nanos / 1'000'000);
    if (min_retention) {
      options.namespace_min_retention = ms;
    } else {
      options.retention_sweep_interval = ms;
    }
    return;
  }
  int64_t* target = nullptr;
  if (key == "limit.historyCount.suggestContinueAsNew") {
    target = &options.history_count_suggest_continue_as_new;
  } else if (key == "limit.historySize.suggestContinueAsNew") {
    target = &options.history_size_suggest_continue_as_new;
  } else if (key == "limit.blobSize.error") {
    target = &options.blob_size_limit_error;  // bytes
  } else if (key == "limit.blobSize.warn") {
    target = &options.blob_size_limit_warn;
  } else if (key == "frontend.MaxConcurrentBatchOperationPerNamespace") {
    target = &options.batch_max_concurrent_per_namespace;
  } else if (key == "worker.batcherRPS") {
    target = &options.batch_operations_per_second;
  } else if (key == "matching.wv.VersionDrainageStatusVisibilityGracePeriod") {
    target = &options.version_drainage_grace_seconds;  // seconds, as the reference reads a number
  } else if (key == "matching.wv.VersionDrainageStatusRefreshInterval") {
    target = &options.version_drainage_refresh_seconds;
  }
  if (key == "frontend.workerVersioningDataAPIs" || key == "frontend.workerVersioningRuleAPIs") {
    // Off by default, as in the reference: the deprecated build-id versioning.
    if (value != "true" && value != "false") {
      FailBadInput("--dynamic-config-value '" + flag + "': " + key + " takes true or false");
    }
    (key == "frontend.workerVersioningDataAPIs" ? options.worker_versioning_data_apis
                                                : options.worker_versioning_rule_apis) =
        value == "true";
    return;
  }
  if (target == nullptr) {
    hdo::log::Warn("dynamic config key not used by hdo: ignored", {{"key", key}});
    return;
  }
  size_t used = 0;
  long long number = 0;
  try {
    number = std::stoll(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size() || number < 1) {
    FailBadInput("--dynamic-config-value '" + flag + "': " + key +
                 " takes a whole number of at least 1");
  }
  *target = number;
}

// A message for a missing or unknown command that names the command path and the choices, e.g.
// "unknown command 'start-prod' for 'hdo server' (commands: start-dev)". Empty when the error is
// about something else.
std::string DescribeCommandError(CLI::App& app) {
  CLI::App* current = &app;
  std::string path = app.get_name();
  while (!current->get_subcommands().empty()) {
    current = current->get_subcommands().front();
    path += " " + current->get_name();
  }
  if (current->get_require_subcommand_min() == 0) return {};
  std::string choices;
  for (const CLI::App* sub : current->get_subcommands([](CLI::App*) { return true; })) {
    choices += (choices.empty() ? "" : ", ") + sub->get_name();
  }
  for (const std::string& word : current->remaining()) {
    if (!word.empty() && word[0] != '-') {
      return "unknown command '" + word + "' for '" + path + "' (commands: " + choices + ")";
    }
  }
  return "'" + path + "' needs a command: " + choices;
}

// What the banner and the start log say about the store: which, a label, and where it is (a DSN
// without its password).
struct StoreDescription {
  std::string store;
  std::string label;
  std::string where;
};
StoreDescription DescribeStore(const hdo::server::Server& server, const std::string& database_url) {
  if (database_url.empty()) return {"sqlite", "SQLite database", server.DatabasePath()};
  if (database_url.rfind("mysql://", 0) == 0) {
    return {"mysql", "MySQL/MariaDB", hdo::server::RedactDsn(database_url)};
  }
  return {"postgres", "PostgreSQL", hdo::server::RedactDsn(database_url)};
}

// `hdo server start-dev` (dev: true) and `hdo server start`: starts the server, prints the banner,
// waits for SIGINT or SIGTERM, stops.
int RunServer(const hdo::server::Server::Options& options, bool dev) {
  // Block the stop signals before any thread exists so that every thread inherits the mask and
  // the main thread alone receives them through sigwait.
  // A shell starting us in the background leaves SIGINT ignored, and an ignored signal never
  // reaches sigwait: restore the default disposition first.
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  RouteGrpcLogs();
  hdo::server::Server server(options);
  auto started = server.Start();
  if (started.IsFailure()) FailBadInput(started.Error().Message());

  // Empty when metrics are off.
  const std::string metrics_url = server.MetricsUrl();
  // Empty when the Nexus HTTP API is off.
  const std::string http_address = server.HttpAddress();
  const StoreDescription store = DescribeStore(server, options.database_url);
  if (dev) {
    hdo::log::Info("server started", {{"version", hdo::Version()},
                                      {"grpc_address", server.GrpcAddress()},
                                      {"db_filename", server.DatabasePath()},
                                      {"metrics_url", metrics_url},
                                      {"http_address", http_address}});
  } else {
    hdo::log::Info("server started", {{"version", hdo::Version()},
                                      {"grpc_address", server.GrpcAddress()},
                                      {"store", store.store},
                                      {"database", store.where},
                                      {"history_shards", int64_t{options.history_shards}},
                                      {"metrics_url", metrics_url},
                                      {"http_address", http_address}});
  }
  std::printf(
      "hdo %s %s\n"
      "  Temporal gRPC API  %s\n"
      "  %-19s%s\n",
      std::string(hdo::Version()).c_str(), dev ? "dev server" : "server",
      server.GrpcAddress().c_str(), store.label.c_str(), store.where.c_str());
  if (!http_address.empty()) {
    std::printf("  Nexus HTTP API     http://%s\n", http_address.c_str());
  }
  if (!metrics_url.empty()) std::printf("  Prometheus metrics %s\n", metrics_url.c_str());
  if (!dev && !metrics_url.empty()) {
    const std::string base = metrics_url.substr(0, metrics_url.rfind('/'));
    std::printf("  Health probes      %s/healthz %s/readyz\n", base.c_str(), base.c_str());
  }
  std::printf("Connect an SDK or the temporal CLI to %s. Press Ctrl-C to stop.\n",
              server.GrpcAddress().c_str());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  hdo::log::Info("shutting down", {{"signal", strsignal(signal_number)}});
  server.Shutdown();
  hdo::log::Info("server stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil keeps absl::Mutex deadlock detection on: every gRPC mutex then updates one
  // global lock graph (measured 2.3 % of a gRPC process's CPU, docs/performance.md). The graph
  // is a debugging aid; the server's lock order is checked by the TSan suite instead.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{"hdo: the Hugo Durable Orchestrator, a Temporal-compatible workflow server", "hdo"};
  app.set_version_flag("--version", "hdo " + std::string(hdo::Version()) +
                                        " (Temporal API from "
                                        "@temporalio/core-bridge " +
                                        std::string(hdo::TemporalApiProtoVersion()) + ")");
  app.require_subcommand(1);
  // The logging flags, before the command or after a server command (`hdo server start-dev
  // --log-level warn`, as the SDKs' test environments start the reference CLI).
  std::string log_level = "info";
  std::string log_format = "text";
  std::vector<CLI::Option*> log_level_options;
  auto add_logging_flags = [&](CLI::App* command) {
    log_level_options.push_back(
        command->add_option("--log-level", log_level, "debug, info, warn, error or never")
            ->check(CLI::IsMember({"debug", "info", "warn", "error", "never"})));
    command
        ->add_option("--log-format", log_format,
                     "text (logfmt; also pretty) or json (one JSON object per line)")
        ->check(CLI::IsMember({"text", "pretty", "logfmt", "json"}));
  };
  add_logging_flags(&app);

  CLI::App* server_cmd = app.add_subcommand("server", "Run the hdo server");
  server_cmd->require_subcommand(1);
  hdo::server::Server::Options options;
  CLI::App* start_dev = server_cmd->add_subcommand(
      "start-dev", "Run every service in one process on an embedded SQLite file");
  start_dev->add_option("--ip", options.ip, "Address to listen on")->capture_default_str();
  start_dev->add_option("-p,--port", options.port, "gRPC port of the Temporal API (0 picks one)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  start_dev
      ->add_option("-f,--db-filename", options.db_filename,
                   "SQLite database file (created when missing)")
      ->capture_default_str();
  start_dev
      ->add_option("--commit-batch-max", options.commit_batch_max,
                   "Transactions sharing one commit (one fsync) at most; 1 commits each alone")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  start_dev
      ->add_option("--activity-eager-execution", options.activity_eager_execution,
                   "Hand an activity that asks for eager execution back in the workflow task's "
                   "completion (true or false)")
      ->capture_default_str();
  int visibility_delay_ms = static_cast<int>(options.visibility_delay.count());
  start_dev
      ->add_option("--visibility-delay-ms", visibility_delay_ms,
                   "Milliseconds a workflow's visibility row is written after its transition, "
                   "merged with the run's later ones (lists and counts still see every "
                   "acknowledged change); 0 writes it in the transition's own commit")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000));
  std::vector<std::string> extra_namespaces;
  start_dev->add_option("-n,--namespace", extra_namespaces,
                        "Namespace to create besides 'default' (repeatable)");
  std::vector<std::string> search_attribute_flags;
  start_dev->add_option("--search-attribute", search_attribute_flags,
                        "Custom search attribute NAME=TYPE to register in every startup "
                        "namespace (repeatable; types Text, Keyword, Int, Double, Bool, "
                        "Datetime, KeywordList)");
  std::vector<std::string> dynamic_config_flags;
  start_dev->add_option("--dynamic-config-value", dynamic_config_flags,
                        "KEY=VALUE as the reference dev server takes it (repeatable): "
                        "limit.historyCount.suggestContinueAsNew, "
                        "limit.historySize.suggestContinueAsNew, limit.blobSize.error and "
                        "limit.blobSize.warn (bytes; a payload over both is refused), "
                        "frontend.MaxConcurrentBatchOperationPerNamespace, worker.batcherRPS, "
                        "matching.wv.VersionDrainageStatusVisibilityGracePeriod and "
                        "matching.wv.VersionDrainageStatusRefreshInterval (seconds) and "
                        "nexusoperation.useNewFailureWireFormat (true or false), "
                        "system.namespaceMinRetentionLocal and "
                        "history.retentionTimerJitterDuration (durations, e.g. \"1s\"; the "
                        "latter is how often retention sweeps) are applied, "
                        "other keys are reported and ignored");
  CLI::Option* metrics_port =
      start_dev
          ->add_option("--metrics-port", options.metrics_port,
                       "Port of the Prometheus /metrics endpoint (0 picks one, -1 disables; "
                       "the default is skipped with a warning when in use)")
          ->capture_default_str()
          ->check(CLI::Range(-1, 65535));
  start_dev
      ->add_option("--http-port", options.http_port,
                   "Port of the HTTP API (Nexus), 0 picks a free one (the default), -1 disables")
      ->capture_default_str()
      ->check(CLI::Range(-1, 65535));
  // The reference CLI's Web UI flags, which the SDKs' test environments pass: hdo serves no Web
  // UI, so --headless changes nothing and the others are reported and ignored.
  add_logging_flags(start_dev);
  bool headless = false;  // the only mode hdo has
  start_dev->add_flag("--headless", headless,
                      "Accepted for the reference CLI's sake: hdo serves no Web UI");
  std::map<std::string, std::string> ui_flags;
  for (const char* name :
       {"--ui-port", "--ui-ip", "--ui-asset-path", "--ui-codec-endpoint", "--ui-public-path"}) {
    start_dev->add_option(name, ui_flags[name],
                          "The reference CLI's Web UI setting; hdo serves no Web UI (ignored)");
  }

  hdo::server::Server::Options start_flags;
  std::string config_path;
  CLI::App* start = server_cmd->add_subcommand(
      "start", "Run the server as configured by a YAML file (docs/operations/configuration.md)");
  start->add_option("-c,--config", config_path, "Configuration file, e.g. hdo.yaml")->required();
  CLI::Option* start_ip = start->add_option("--ip", start_flags.ip, "Overrides server.ip");
  CLI::Option* start_port =
      start->add_option("-p,--port", start_flags.port, "Overrides server.port")
          ->check(CLI::Range(0, 65535));
  CLI::Option* start_metrics_port =
      start->add_option("--metrics-port", start_flags.metrics_port, "Overrides server.metrics_port")
          ->check(CLI::Range(-1, 65535));
  CLI::Option* start_http_port =
      start->add_option("--http-port", start_flags.http_port, "Overrides server.http_port")
          ->check(CLI::Range(-1, 65535));
  add_logging_flags(start);
  CLI::App* admin_cmd = app.add_subcommand("admin", "Operate a store");
  admin_cmd->require_subcommand(1);
  CLI::App* schema_cmd =
      admin_cmd->add_subcommand("schema", "The store's schema (forward-only migrations)");
  schema_cmd->require_subcommand(1);
  // The store: --db names it, or --config reads it from the server's hdo.yaml (password and TLS
  // included, environment expanded), as `hdo server start` would.
  std::string schema_db;
  std::string schema_config;
  CLI::App* schema_migrate = schema_cmd->add_subcommand(
      "migrate", "Apply the migrations the store lacks, in order (PostgreSQL, MySQL, SQLite)");
  CLI::App* schema_version =
      schema_cmd->add_subcommand("version", "Show the store's schema version and this hdo's");
  for (CLI::App* command : {schema_migrate, schema_version}) {
    CLI::Option* db = command->add_option(
        "--db", schema_db, "postgres://user:password@host:port/db, mysql://…, or a SQLite file");
    command->add_option("-c,--config", schema_config, "The store of this hdo.yaml instead")
        ->excludes(db);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help and --version
  } catch (const CLI::ParseError& e) {
    std::string command_error = DescribeCommandError(app);
    if (!command_error.empty() && dynamic_cast<const CLI::RequiredError*>(&e) != nullptr) {
      FailBadInput(command_error + " (run 'hdo --help' for usage)");
    }
    std::string what = e.what();
    if (what.empty()) what = e.get_name();
    FailBadInput(what + " (run 'hdo --help' for usage)");
  }

  hdo::log::Level level = hdo::log::Level::kInfo;
  hdo::log::ParseLevel(log_level, &level);
  hdo::log::SetLevel(level);
  hdo::log::Encoding encoding = hdo::log::Encoding::kLogfmt;
  hdo::log::ParseEncoding(log_format, &encoding);
  hdo::log::SetEncoding(encoding);
  for (const auto& [name, value] : ui_flags) {
    if (start_dev->get_option(name)->count() > 0) {
      hdo::log::Warn("hdo serves no Web UI: the flag is ignored",
                     {{"flag", name}, {"value", value}});
    }
  }

  for (const std::string& name : extra_namespaces) options.namespaces.push_back(name);
  for (const std::string& flag : search_attribute_flags) AddSearchAttributeFlag(flag, options);
  for (const std::string& flag : dynamic_config_flags) AddDynamicConfigFlag(flag, options);
  // A port the user named must be served or fail like --port; only the default gives way.
  options.metrics_port_optional = metrics_port->count() == 0;
  options.visibility_delay = std::chrono::milliseconds(visibility_delay_ms);
  if (start_dev->parsed()) return RunServer(options, /*dev=*/true);
  if (start->parsed()) {
    auto loaded = hdo::server::LoadConfigFile(config_path, hdo::server::ProcessEnvironment());
    if (loaded.IsFailure()) FailBadInput(loaded.Error().Message());
    hdo::server::Config config = std::move(loaded).Value();
    if (start_ip->count() > 0) config.server.ip = start_flags.ip;
    if (start_port->count() > 0) config.server.port = start_flags.port;
    if (start_metrics_port->count() > 0) {
      config.server.metrics_port = start_flags.metrics_port;
      config.server.metrics_port_optional = false;
    }
    if (start_http_port->count() > 0) config.server.http_port = start_flags.http_port;
    if (std::none_of(log_level_options.begin(), log_level_options.end(),
                     [](const CLI::Option* option) { return option->count() > 0; })) {
      hdo::log::ParseLevel(config.log_level, &level);
      hdo::log::SetLevel(level);
    }
    return RunServer(config.server, /*dev=*/false);
  }
  if (schema_migrate->parsed() || schema_version->parsed()) {
    if (schema_db.empty() && schema_config.empty()) {
      FailBadInput(
          "'hdo admin schema' needs the store: --db <dsn or SQLite file> or --config "
          "hdo.yaml");
    }
    if (!schema_config.empty()) {
      auto loaded = hdo::server::LoadConfigFile(schema_config, hdo::server::ProcessEnvironment());
      if (loaded.IsFailure()) FailBadInput(loaded.Error().Message());
      const hdo::server::Server::Options& store = loaded.Value().server;
      schema_db = store.database_url.empty() ? store.db_filename : store.database_url;
    }
    auto done = schema_migrate->parsed() ? hdo::cli::MigrateSchema(schema_db)
                                         : hdo::cli::DescribeSchema(schema_db);
    if (done.IsFailure()) FailBadInput(done.Error().Message());
    std::fputs(done.Value().c_str(), stdout);
    return 0;
  }
  return 1;
}
