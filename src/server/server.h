// The composition root: the only place that knows every part of hdo and wires them together
// (store, frontend, gRPC listener, health, the HTTP listener of /metrics, /healthz and /readyz,
// the HTTP listener of the Nexus API).
// `hdo server start-dev` and `hdo server start --config` build one Server.
//
// The HTTP listener starts first, so that during the store's opening and recovery /healthz
// answers 200 and /readyz 503 ("starting"); /readyz answers 503 ("stopping") again from the
// moment Shutdown begins. In between, the store thread gathers a readiness report every second
// and /readyz answers from the latest without waiting. The Nexus HTTP listener is bound before the
// store opens too, so that its port (in the callback URLs the engine hands Nexus handlers) is
// known before any run can schedule an operation; it answers 503 until the server serves.
// docs/operations/configuration.md.
//
// Lifecycle: Start() once, then Shutdown() once (from any thread), then destruction. Start and
// Shutdown are not safe to call concurrently with each other; BoundPort and the accessors are.
#pragma once

#include <grpcpp/server.h>

#include <asio/steady_timer.hpp>
#include <asio/thread_pool.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "frontend/cluster_info.h"
#include "hugo/result.h"
#include "server/http_server.h"
#include "server/readiness.h"

namespace hdo::persistence {
class Batcher;
class ExecutionStore;
class GroupCommit;
class NamespaceStore;
class NexusEndpointStore;
class WorkerDeploymentStore;
class TaskQueueConfigStore;
class BatchStore;
class ScheduleStore;
class VisibilityStore;
}  // namespace hdo::persistence
namespace hdo::persistence::sqlite {
class Database;
class SqliteVisibilityStore;
}  // namespace hdo::persistence::sqlite
namespace hdo::persistence::sql {
class Session;
}  // namespace hdo::persistence::sql
namespace hdo::history {
class Engine;
}
namespace hdo::matching {
class Matcher;
class NexusMatcher;
}  // namespace hdo::matching
namespace hdo::worker {
class Batcher;
class NamespaceReclaimer;
class RetentionSweeper;
class Scheduler;
}  // namespace hdo::worker
namespace hdo::frontend {
class NamespaceHandler;
class NexusEndpoints;
class WorkerDeployments;
class TaskQueueConfigs;
class BuildIdVersioning;
class NexusHttp;
class WorkflowHandler;
class OperatorHandler;
class HealthService;
class UnimplementedService;
class Visibility;
}  // namespace hdo::frontend

namespace hdo::server {

// Error codes of Start() (Error::Code()). All of them are problems of input or environment that
// the person starting the server can fix, reported with a message that says how.
inline constexpr char kErrorInvalidAddress[] = "hdo.server.invalid_address";
inline constexpr char kErrorAddressInUse[] = "hdo.server.address_in_use";
inline constexpr char kErrorListen[] = "hdo.server.listen";
// The store cannot be used as configured (unreachable, refused credentials, schema too old, a
// shard count that differs from the cluster's): the message says what to fix.
inline constexpr char kErrorStoreConfig[] = "hdo.server.store_config";

// The gRPC service name that health checks name (SDK CheckHealth, `temporal operator cluster
// health`).
inline constexpr char kWorkflowServiceName[] = "temporal.api.workflowservice.v1.WorkflowService";

// Where /metrics listens unless told otherwise.
inline constexpr int kDefaultMetricsPort = 9090;
// Where the Nexus HTTP API listens with `hdo server start` unless told otherwise (the reference
// server's configuration files' httpPort). `start-dev` picks a free port, as the temporal CLI's.
inline constexpr int kDefaultHttpPort = 7243;

class Server {
 public:
  struct Options {
    std::string ip = "127.0.0.1";
    // 0 picks a free port; BoundPort() tells which.
    int port = 7233;
    std::string db_filename = ".hdo/hdo.db";
    // The production store: a DSN "postgres://user:password@host:port/db?sslmode=..." or
    // "mysql://user:password@host:port/db?..." (MySQL 8 / MariaDB). Empty: SQLite at db_filename.
    std::string database_url;
    // Connections to a production store (one writer for the history engine, the rest read).
    int database_pool_size = 4;
    // History shards: fixed when the cluster is created (stored; a different value refuses to
    // start). Every write of a shard is fenced by its range_id.
    int history_shards = 1;
    // Namespaces created at startup when missing (start-dev: "default" plus --namespace).
    std::vector<std::string> namespaces = {"default"};
    std::chrono::seconds namespace_retention = std::chrono::hours(24);
    // Shortest retention a namespace may be registered or updated with (reference:
    // system.namespaceMinRetentionLocal, 1 hour; lowered only for tests).
    std::chrono::milliseconds namespace_min_retention = std::chrono::hours(1);
    // How often retention's sweep looks for closed runs past their namespace's retention
    // (worker::RetentionSweeper; start-dev --dynamic-config-value
    // history.retentionTimerJitterDuration, the reference's bound on how late a run goes).
    std::chrono::milliseconds retention_sweep_interval = std::chrono::seconds(5);
    // Retention of a startup namespace by name, where it differs from namespace_retention.
    std::map<std::string, std::chrono::seconds> namespace_retentions;
    // Custom search attributes registered in every startup namespace (start-dev
    // --search-attribute), by name: a temporal.api.enums.v1.IndexedValueType.
    std::map<std::string, int32_t> search_attributes;
    // History limits' continue-as-new suggestions (history::Engine::Options; start-dev
    // --dynamic-config-value limit.historyCount.suggestContinueAsNew / historySize).
    int64_t history_count_suggest_continue_as_new = 4 * 1024;
    int64_t history_size_suggest_continue_as_new = int64_t{4} * 1024 * 1024;
    // The largest payload a workflow task's command may carry, and a query answer (start-dev
    // --dynamic-config-value limit.blobSize.error / limit.blobSize.warn; the reference's
    // defaults, 2 MiB and 512 KiB): as the reference, only a payload over both is refused.
    int64_t blob_size_limit_error = int64_t{2} * 1024 * 1024;
    int64_t blob_size_limit_warn = int64_t{512} * 1024;
    // Batch operations (worker::Batcher::Options; start-dev --dynamic-config-value
    // frontend.MaxConcurrentBatchOperationPerNamespace / worker.batcherRPS).
    int64_t batch_max_concurrent_per_namespace = 1;
    int64_t batch_operations_per_second = 50;
    // Worker versioning: when a demoted version's pinned workflows are first counted, and then
    // how often (frontend::WorkerDeployments::Options; start-dev --dynamic-config-value
    // matching.wv.VersionDrainageStatusVisibilityGracePeriod / RefreshInterval, in seconds).
    int64_t version_drainage_grace_seconds = 180;
    int64_t version_drainage_refresh_seconds = 180;
    // Build-id versioning, deprecated v0.1 / v0.2 (frontend::BuildIdVersioning; start-dev
    // --dynamic-config-value frontend.workerVersioningDataAPIs / workerVersioningRuleAPIs):
    // off, as in the reference, their RPCs answer PERMISSION_DENIED.
    bool worker_versioning_data_apis = false;
    bool worker_versioning_rule_apis = false;
    // Nexus requests to workers announce Temporal failure responses (reference:
    // nexusoperation.useNewFailureWireFormat).
    bool nexus_temporal_failure_responses = true;
    // Transactions sharing one commit (one fsync) at most; 1 commits each on its own.
    int commit_batch_max = 1000;
    // Eager activity execution (history::Engine::Options::activity_eager_execution).
    bool activity_eager_execution = true;
    // Deferred visibility (history::Engine::Options::visibility_delay): a transition's
    // visibility row is written this long after its commit, merged with the run's later
    // transitions of the window; lists and counts first write what is pending. 0: in the
    // transition's own transaction.
    std::chrono::milliseconds visibility_delay{200};
    // Prometheus GET /metrics on `ip`: 0 picks a free port (MetricsPort() tells which), -1
    // serves no metrics.
    int metrics_port = kDefaultMetricsPort;
    // When metrics_port is in use: true logs a warning and runs without metrics (the default
    // port, which every server on a machine asks for); false fails Start() with
    // kErrorAddressInUse (a port the user chose).
    bool metrics_port_optional = true;
    // The Nexus HTTP API (frontend/nexus_http.h) on `ip`: 0 picks a free port (HttpPort() tells
    // which), -1 serves none (no Nexus calls from outside and no completion callbacks).
    int http_port = 0;
    // GET /readyz (on the metrics listener): not ready when the most overdue timer is later than
    // this, or when a task queue holds more than readiness_task_backlog_max tasks (0: backlogs
    // are reported, never a condition), or when the store thread's latest check (made every
    // second) is older than a second plus readiness_check_timeout.
    std::chrono::milliseconds readiness_timer_lag_max = std::chrono::seconds(30);
    int readiness_task_backlog_max = 0;
    std::chrono::milliseconds readiness_check_timeout = std::chrono::seconds(2);
    // Replaces the store's own readiness round trip (run on the store thread); tests inject a
    // failing or hanging store with it. Unset: the store's (SQLite: a read of its schema).
    std::function<hugo::Result<hugo::Unit>()> store_ping;
  };

  explicit Server(Options options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens the store and starts listening. On failure nothing is left running.
  hugo::Result<hugo::Unit> Start();
  // Stops accepting calls, lets calls in flight finish until the deadline, then cancels the rest.
  void Shutdown(std::chrono::milliseconds grace = std::chrono::seconds(5));

  int BoundPort() const { return bound_port_; }
  // "ip:port" as clients dial it (IPv6 in brackets).
  std::string GrpcAddress() const;
  // Absolute path of the SQLite database file.
  std::string DatabasePath() const;
  // Where the store is, for banners and logs: the SQLite file or the DSN without its password.
  std::string StoreDescription() const;
  // The port /metrics listens on; 0 when metrics are off (disabled, or the default port was in
  // use).
  int MetricsPort() const { return metrics_port_; }
  // "http://ip:port/metrics"; empty when metrics are off.
  std::string MetricsUrl() const;
  // The port of the Nexus HTTP API; 0 when it is off. Set once Start() bound it.
  int HttpPort() const { return http_port_; }
  // "ip:port" of the Nexus HTTP API (what SDK tests take as SERVICE_HTTP_ADDR); empty when off.
  std::string HttpAddress() const;
  // The URL a Nexus handler completes an operation of a run of `namespace_name` at:
  // "http://ip:port/namespaces/{namespace}/nexus/callback" (the namespace percent-encoded; an
  // unspecified ip, 0.0.0.0 or ::, as the loopback address). Empty when the Nexus HTTP API is off.
  // Any thread, once Start() bound the port.
  std::string NexusCallbackUrl(const std::string& namespace_name) const;
  // The registry of Nexus endpoints: set once Start() opened the store (before the engine is
  // made), nullptr after Shutdown(). The registry itself is the store thread's: call it there
  // only.
  frontend::NexusEndpoints* nexus_endpoints() const { return nexus_endpoints_.get(); }

 private:
  Options options_;
  int bound_port_ = 0;
  hugo::Result<hugo::Unit> OpenStore();
  // Opens the SQLite file or connects to the production store; sets the stores and batcher_.
  hugo::Result<hugo::Unit> OpenSqlite();
  hugo::Result<hugo::Unit> OpenSql();
  // Starts the /metrics listener (after gRPC, so a gRPC failure is the one line reported).
  hugo::Result<hugo::Unit> StartMetrics();
  // Binds the Nexus HTTP listener; its requests are answered 503 until nexus_http_ is set.
  hugo::Result<hugo::Unit> StartHttp();
  // A request under /nexus/endpoints/ or /namespaces/ (on the HTTP listener's thread).
  void ServeNexus(http::Request request, HttpServer::Responder respond);
  // GET /readyz (on the HTTP listener's thread): from the latest report, never waiting.
  HttpServer::Response ServeReadyz();
  // Gathers the readiness report now and every second (on the store thread).
  void RefreshReadiness();
  ReadinessReport GatherReadiness();
  // Refreshes the store's query statistics now and every 10 minutes (on the store thread).
  void RefreshStatistics();
  // How long the namespace keeps closed runs: its record's retention, else the server's default
  // (read from the store: a path that is not hot).
  std::chrono::milliseconds NamespaceRetention(const std::string& namespace_id);

  // The embedded store (SQLite) or the production one (a Session with PostgreSQL or MySQL).
  std::unique_ptr<persistence::sqlite::Database> database_;
  std::unique_ptr<persistence::sql::Session> session_;
  std::string store_description_;
  // GetClusterInfo's and ListClusters' answer but the addresses (OpenSqlite / OpenSql).
  frontend::ClusterInfo cluster_;
  persistence::Batcher* batcher_ = nullptr;
  // Batches the store thread's transactions; replies wait for it (persistence/durability.h).
  std::unique_ptr<persistence::GroupCommit> group_commit_;
  // The one thread that touches the store connection (DESIGN.md §6: blocking IO off gRPC threads).
  std::unique_ptr<asio::thread_pool> store_io_;
  std::unique_ptr<persistence::NamespaceStore> namespace_store_;
  std::unique_ptr<frontend::NamespaceHandler> namespace_handler_;
  std::unique_ptr<persistence::NexusEndpointStore> nexus_endpoint_store_;
  std::unique_ptr<frontend::NexusEndpoints> nexus_endpoints_;
  std::unique_ptr<persistence::WorkerDeploymentStore> worker_deployment_store_;
  std::unique_ptr<frontend::WorkerDeployments> worker_deployments_;
  std::unique_ptr<persistence::TaskQueueConfigStore> task_queue_config_store_;
  std::unique_ptr<frontend::TaskQueueConfigs> task_queue_configs_;
  std::unique_ptr<persistence::TaskQueueConfigStore> build_id_versioning_store_;
  std::unique_ptr<frontend::BuildIdVersioning> build_id_versioning_;
  std::unique_ptr<persistence::ExecutionStore> execution_store_;
  std::unique_ptr<matching::Matcher> matcher_;
  std::unique_ptr<matching::NexusMatcher> nexus_matcher_;
  std::unique_ptr<history::Engine> engine_;
  std::unique_ptr<persistence::ScheduleStore> schedule_store_;
  std::unique_ptr<worker::Scheduler> scheduler_;
  std::unique_ptr<persistence::BatchStore> batch_store_;
  // The batch operations' worker (not `batcher_`, the store's transaction batcher).
  std::unique_ptr<worker::Batcher> batch_worker_;
  std::unique_ptr<worker::NamespaceReclaimer> namespace_reclaimer_;
  std::unique_ptr<worker::RetentionSweeper> retention_;
  std::unique_ptr<persistence::VisibilityStore> visibility_store_;
  // SQLite only: refreshes its query planner statistics.
  persistence::sqlite::SqliteVisibilityStore* sqlite_visibility_ = nullptr;
  std::unique_ptr<frontend::Visibility> visibility_;
  std::unique_ptr<asio::steady_timer> statistics_timer_;
  std::unique_ptr<asio::steady_timer> readiness_timer_;
  bool store_timers_stopped_ = false;  // store thread only
  std::unique_ptr<frontend::WorkflowHandler> workflow_handler_;
  std::unique_ptr<frontend::OperatorHandler> operator_handler_;
  std::unique_ptr<frontend::UnimplementedService> unimplemented_service_;
  std::unique_ptr<frontend::HealthService> health_service_;
  std::unique_ptr<grpc::Server> grpc_server_;
  // The completion queue of every gRPC call (frontend/async_unary.h) and its thread, which polls
  // it and runs the calls' code; shut down after the store thread, the last that finishes calls.
  std::unique_ptr<grpc::ServerCompletionQueue> completion_queue_;
  std::vector<std::thread> completion_threads_;
  std::unique_ptr<HttpServer> metrics_server_;
  int metrics_port_ = 0;
  // The Nexus HTTP API: the listener (from the start) and its handler (once the server serves;
  // read on the listener's thread, hence atomic).
  std::unique_ptr<HttpServer> http_server_;
  int http_port_ = 0;
  std::unique_ptr<frontend::NexusHttp> nexus_http_;
  std::atomic<frontend::NexusHttp*> nexus_http_ready_{nullptr};
  // The default metrics port was in use: warned about once the server has started.
  bool metrics_port_skipped_ = false;
  enum class Phase { kStarting, kServing, kStopping };
  std::atomic<Phase> phase_{Phase::kStarting};
  // The store's cheap round trip for /readyz, run on the store thread (SQLite: a read of its
  // schema; a production store plugs its Connection::Ping here in OpenStore). Unset: no check.
  std::function<hugo::Result<hugo::Unit>()> store_ping_;
  // The latest readiness report (written on the store thread, read on the HTTP thread).
  std::mutex readiness_mutex_;
  ReadinessReport readiness_report_;
  std::chrono::steady_clock::time_point readiness_gathered_at_;
};

}  // namespace hdo::server
