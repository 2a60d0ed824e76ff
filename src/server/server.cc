#include "server/server.h"

#include <arpa/inet.h>
#include <grpcpp/server_builder.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <asio/post.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <future>

#include "common/error_codes.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/process_metrics.h"
#include "common/uuid.h"
#include "frontend/build_id_versioning.h"
#include "frontend/health_service.h"
#include "frontend/namespace_handler.h"
#include "frontend/nexus_endpoints.h"
#include "frontend/nexus_http.h"
#include "frontend/operator_handler.h"
#include "frontend/system_nexus.h"
#include "frontend/task_queue_configs.h"
#include "frontend/unimplemented_service.h"
#include "frontend/visibility.h"
#include "frontend/worker_deployments.h"
#include "frontend/workflow_handler.h"
#include "history/engine.h"
#include "history/time_util.h"
#include "matching/matcher.h"
#include "matching/nexus_matcher.h"
#include "persistence/batch_store.h"
#include "persistence/group_commit.h"
#include "persistence/nexus_endpoint_store.h"
#include "persistence/sql/connect.h"
#include "persistence/sql/execution_store.h"
#include "persistence/sql/keyed_rows.h"
#include "persistence/sql/migrations.h"
#include "persistence/sql/namespace_store.h"
#include "persistence/sql/schedule_store.h"
#include "persistence/sql/session.h"
#include "persistence/sql/shards.h"
#include "persistence/sql/visibility_store.h"
#include "persistence/sqlite/database.h"
#include "persistence/sqlite/execution_store.h"
#include "persistence/sqlite/keyed_rows.h"
#include "persistence/sqlite/migrations.h"
#include "persistence/sqlite/namespace_store.h"
#include "persistence/sqlite/schedule_store.h"
#include "persistence/sqlite/statement.h"
#include "persistence/sqlite/visibility_store.h"
#include "persistence/task_queue_config_store.h"
#include "persistence/worker_deployment_store.h"
#include "server/http_server.h"
#include "worker/batcher.h"
#include "worker/namespace_reclaimer.h"
#include "worker/retention.h"
#include "worker/scheduler.h"

namespace hdo::server {
namespace {

bool IsIpv6(const std::string& ip) { return ip.find(':') != std::string::npos; }

std::string JoinHostPort(const std::string& ip, int port) {
  return IsIpv6(ip) ? "[" + ip + "]:" + std::to_string(port) : ip + ":" + std::to_string(port);
}

hugo::Result<hugo::Unit> ValidateAddress(const std::string& ip, int port, int metrics_port,
                                         int http_port) {
  in6_addr buffer{};
  bool valid = inet_pton(IsIpv6(ip) ? AF_INET6 : AF_INET, ip.c_str(), &buffer) == 1;
  if (!valid) {
    return hugo::Error::From("invalid --ip '" + ip +
                                 "': give an IPv4 or IPv6 address such as "
                                 "127.0.0.1 or 0.0.0.0",
                             kErrorInvalidAddress);
  }
  if (port < 0 || port > 65535) {
    return hugo::Error::From("invalid --port " + std::to_string(port) + ": give 0..65535",
                             kErrorInvalidAddress);
  }
  if (metrics_port < -1 || metrics_port > 65535) {
    return hugo::Error::From("invalid --metrics-port " + std::to_string(metrics_port) +
                                 ": give 0..65535, or -1 for no metrics",
                             kErrorInvalidAddress);
  }
  if (http_port < -1 || http_port > 65535) {
    return hugo::Error::From("invalid --http-port " + std::to_string(http_port) +
                                 ": give 0..65535, or -1 for no Nexus HTTP API",
                             kErrorInvalidAddress);
  }
  return hugo::Ok();
}

// gRPC does not say why a listener could not be added; binding the same address ourselves does.
hugo::Error ExplainListenFailure(const std::string& ip, int port) {
  std::string address = JoinHostPort(ip, port);
  int family = IsIpv6(ip) ? AF_INET6 : AF_INET;
  int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int err = 0;
  if (fd >= 0) {
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_storage storage{};
    socklen_t length = 0;
    if (family == AF_INET6) {
      auto* addr = reinterpret_cast<sockaddr_in6*>(&storage);
      addr->sin6_family = AF_INET6;
      addr->sin6_port = htons(static_cast<uint16_t>(port));
      inet_pton(AF_INET6, ip.c_str(), &addr->sin6_addr);
      length = sizeof(sockaddr_in6);
    } else {
      auto* addr = reinterpret_cast<sockaddr_in*>(&storage);
      addr->sin_family = AF_INET;
      addr->sin_port = htons(static_cast<uint16_t>(port));
      inet_pton(AF_INET, ip.c_str(), &addr->sin_addr);
      length = sizeof(sockaddr_in);
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0) err = errno;
    ::close(fd);
  }
  if (err == EADDRINUSE) {
    return hugo::Error::From("cannot listen on " + address +
                                 ": the port is already in use (is another hdo or Temporal "
                                 "server running?); stop it or choose another with --port",
                             kErrorAddressInUse);
  }
  if (err == EADDRNOTAVAIL) {
    return hugo::Error::From(
        "cannot listen on " + address + ": the address is not assigned to this machine; check --ip",
        kErrorListen);
  }
  if (err == EACCES) {
    return hugo::Error::From("cannot listen on " + address +
                                 ": permission denied (ports below 1024 need privileges); "
                                 "choose another with --port",
                             kErrorListen);
  }
  return hugo::Error::From("cannot listen on " + address +
                               (err != 0 ? ": " + std::string(std::strerror(err)) : std::string()),
                           kErrorListen);
}

// GET /metrics: the process's own numbers, then every registered family.
HttpServer::Response ServeMetrics(const HttpServer::Request&) {
  HttpServer::Response response;
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  response.body = metrics::RenderProcessMetrics() + metrics::DefaultRegistry().Render();
  return response;
}

// How often the store thread gathers the readiness report /readyz answers from.
constexpr std::chrono::milliseconds kReadinessInterval(1000);

// Wall-clock time for events and timers (the engine's and matching's only clock).
google::protobuf::Timestamp SystemNow() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(std::chrono::duration_cast<std::chrono::seconds>(now).count());
  timestamp.set_nanos(static_cast<int32_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now).count() % 1000000000));
  return timestamp;
}

}  // namespace

Server::Server(Options options) : options_(std::move(options)) {}

Server::~Server() { Shutdown(std::chrono::milliseconds(0)); }

hugo::Result<hugo::Unit> Server::Start() {
  auto address_ok =
      ValidateAddress(options_.ip, options_.port, options_.metrics_port, options_.http_port);
  if (address_ok.IsFailure()) return address_ok;
  // First, so that probes are answered while the store opens and recovers (/readyz: starting).
  auto metrics_ok = StartMetrics();
  if (metrics_ok.IsFailure()) {
    Shutdown(std::chrono::milliseconds(0));
    return metrics_ok;
  }
  // Before the engine exists: its callback URLs name this port.
  auto http_ok = StartHttp();
  if (http_ok.IsFailure()) {
    Shutdown(std::chrono::milliseconds(0));
    return http_ok;
  }

  auto store_ok = OpenStore();
  if (store_ok.IsFailure()) {
    Shutdown(std::chrono::milliseconds(0));
    return store_ok;
  }
  workflow_handler_ = std::make_unique<frontend::WorkflowHandler>(
      namespace_handler_.get(), engine_.get(), matcher_.get(), visibility_.get(), scheduler_.get(),
      batch_worker_.get(), store_io_.get(), group_commit_.get());
  workflow_handler_->SetNexusMatcher(nexus_matcher_.get());
  workflow_handler_->SetWorkerDeployments(worker_deployments_.get());
  workflow_handler_->SetTaskQueueConfigs(task_queue_configs_.get());
  workflow_handler_->SetBuildIdVersioning(build_id_versioning_.get());
  operator_handler_ = std::make_unique<frontend::OperatorHandler>(
      namespace_handler_.get(), visibility_.get(), nexus_endpoints_.get(), store_io_.get(),
      group_commit_.get());
  unimplemented_service_ = std::make_unique<frontend::UnimplementedService>();
  health_service_ = std::make_unique<frontend::HealthService>();
  if (http_server_ != nullptr) {
    frontend::NexusHttp::Backend nexus_backend;
    nexus_backend.endpoint_by_id = [this](std::string_view endpoint_id) {
      return nexus_endpoints_->ById(endpoint_id);
    };
    nexus_backend.namespace_id_of = [this](const std::string& namespace_name) {
      return namespace_handler_->ResolveId(namespace_name);
    };
    nexus_backend.matcher = nexus_matcher_.get();
    nexus_backend.complete_operation = [this](const history::Engine::NexusCompletion& completion) {
      return engine_->CompleteNexusOperation(completion);
    };
    nexus_backend.durability = group_commit_.get();
    nexus_backend.now = SystemNow;
    nexus_http_ = std::make_unique<frontend::NexusHttp>(store_io_.get(), std::move(nexus_backend),
                                                        frontend::NexusHttp::Options{});
    nexus_http_ready_.store(nexus_http_.get());
  }

  // Every service on the completion-queue API (ADR 0017): gRPC's default health service is on
  // its callback API, so hdo serves the health protocol itself.
  grpc::EnableDefaultHealthCheckService(false);
  grpc::ServerBuilder builder;
  // Without this, gRPC sets SO_REUSEPORT and a second server could silently share the port.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Requests up to 64 MiB reach the handlers, which refuse those above 4 MiB in the words of the
  // reference's gRPC (frontend/workflow_handler_calls.h): the SDKs recognize those, not gRPC C++'s.
  builder.SetMaxReceiveMessageSize(64 * 1024 * 1024);
  builder.AddListeningPort(JoinHostPort(options_.ip, options_.port),
                           grpc::InsecureServerCredentials(), &bound_port_);
  builder.RegisterService(workflow_handler_->service());
  builder.RegisterService(operator_handler_->service());
  builder.RegisterService(health_service_->service());
  builder.RegisterAsyncGenericService(unimplemented_service_->service());
  completion_queue_ = builder.AddCompletionQueue();
  grpc_server_ = builder.BuildAndStart();
  if (grpc_server_ == nullptr || bound_port_ == 0) {
    grpc_server_.reset();
    Shutdown(std::chrono::milliseconds(0));
    return ExplainListenFailure(options_.ip, options_.port);
  }
  cluster_.history_shard_count = options_.history_shards;
  cluster_.address = GrpcAddress();
  cluster_.http_address = HttpAddress();
  workflow_handler_->SetClusterInfo(cluster_);
  operator_handler_->SetClusterInfo(cluster_);
  workflow_handler_->ServeAsync(completion_queue_.get());
  operator_handler_->ServeAsync(completion_queue_.get());
  health_service_->Serve(completion_queue_.get());
  unimplemented_service_->Serve(completion_queue_.get());
  // One thread, which polls the connections and runs the calls it takes: every further poller
  // adds hand-offs between them (docs/performance.md, session 33: one thread against two, +2 to
  // +12 % at c=200 and +9 to +14 % at c=10). The calls' work is the engine thread's; this thread
  // only hands it over.
  completion_threads_.emplace_back(frontend::RunCompletionQueue, completion_queue_.get());
  // Named by the starter, so the name is there before the server's address is announced.
  frontend::NameCompletionQueueThread(completion_threads_.back());
  // Only now: when the server cannot start, its one line is the reason, not this warning.
  if (metrics_port_skipped_) {
    log::Warn("metrics port in use, running without metrics; --metrics-port 0 picks a free port",
              {{"metrics_address", JoinHostPort(options_.ip, options_.metrics_port)}});
  }
  // The first readiness check before serving, so that /readyz is answered from the start.
  readiness_timer_ = std::make_unique<asio::steady_timer>(store_io_->get_executor());
  auto first_check = std::make_shared<std::promise<void>>();
  asio::post(*store_io_, [this, first_check] {
    RefreshReadiness();
    first_check->set_value();
  });
  first_check->get_future().wait_for(options_.readiness_check_timeout);
  health_service_->SetServing(kWorkflowServiceName, true);
  health_service_->SetServing("", true);
  phase_ = Phase::kServing;
  return hugo::Ok();
}

hugo::Result<hugo::Unit> Server::StartMetrics() {
  if (options_.metrics_port < 0) return hugo::Ok();
  HttpServer::Options http_options;
  http_options.ip = options_.ip;
  http_options.port = options_.metrics_port;
  auto http = std::make_unique<HttpServer>(http_options);
  http->Handle("/metrics", ServeMetrics);
  http->Handle("/healthz", [](const HttpServer::Request&) {
    HttpServer::Response response;
    response.body = "ok\n";
    return response;
  });
  http->Handle("/readyz", [this](const HttpServer::Request&) { return ServeReadyz(); });
  auto started = http->Start();
  if (started.IsSuccess()) {
    metrics_port_ = http->BoundPort();
    metrics_server_ = std::move(http);
    return hugo::Ok();
  }
  const std::string address = JoinHostPort(options_.ip, options_.metrics_port);
  if (!started.Error().HasCode(kErrorHttpAddressInUse)) {
    return hugo::Error::From("cannot serve metrics: " + started.Error().Message(), kErrorListen);
  }
  if (options_.metrics_port_optional) {
    metrics_port_skipped_ = true;
    return hugo::Ok();
  }
  return hugo::Error::From("cannot serve metrics on " + address +
                               ": the port is already in use (is another hdo or Temporal server "
                               "running?); stop it or choose another with --metrics-port (-1 "
                               "serves no metrics)",
                           kErrorAddressInUse);
}

hugo::Result<hugo::Unit> Server::StartHttp() {
  if (options_.http_port < 0) return hugo::Ok();
  HttpServer::Options http_options;
  http_options.ip = options_.ip;
  http_options.port = options_.http_port;
  // A start waits for its worker's answer (up to NexusHttp::Options::dispatch_timeout_max, a
  // minute): the listener gives its handler longer. Bodies above the Nexus limit (2 MiB) up to
  // this are refused by the handler in the reference's words; larger ones with 413.
  http_options.request_body_bytes_max = size_t{4} * 1024 * 1024;
  http_options.request_timeout = std::chrono::seconds(30);
  http_options.handler_timeout = std::chrono::minutes(2);
  http_options.connections_max = 256;
  auto http = std::make_unique<HttpServer>(http_options);
  auto serve = [this](http::Request request, HttpServer::Responder respond) {
    ServeNexus(std::move(request), std::move(respond));
  };
  http->Handle({.path = "/nexus/endpoints/", .prefix = true, .methods = {}}, serve);
  http->Handle({.path = "/namespaces/", .prefix = true, .methods = {}}, serve);
  auto started = http->Start();
  if (started.IsFailure()) {
    const std::string address = JoinHostPort(options_.ip, options_.http_port);
    if (started.Error().HasCode(kErrorHttpAddressInUse)) {
      return hugo::Error::From("cannot serve the Nexus HTTP API on " + address +
                                   ": the port is already in use (is another hdo or Temporal "
                                   "server running?); stop it or choose another with --http-port "
                                   "(0 picks a free one)",
                               kErrorAddressInUse);
    }
    return hugo::Error::From("cannot serve the Nexus HTTP API: " + started.Error().Message(),
                             kErrorListen);
  }
  http_port_ = http->BoundPort();
  http_server_ = std::move(http);
  return hugo::Ok();
}

void Server::ServeNexus(http::Request request, HttpServer::Responder respond) {
  frontend::NexusHttp* nexus = nexus_http_ready_.load();
  if (nexus == nullptr) {
    // Starting (the store opens and recovers) or stopping.
    HttpServer::Response unavailable;
    unavailable.status = 503;
    unavailable.content_type = "application/json";
    unavailable.body = R"({"message":"service unavailable"})";
    respond(std::move(unavailable));
    return;
  }
  nexus->Serve(std::move(request), [respond = std::move(respond)](http::Response response) {
    respond(std::move(response));
  });
}

hugo::Result<hugo::Unit> Server::OpenSqlite() {
  if (options_.history_shards != 1) {
    return hugo::Error::From("the embedded SQLite store has one history shard; history shards " +
                                 std::to_string(options_.history_shards) +
                                 " needs PostgreSQL or MySQL (set the shard count to 1)",
                             kErrorStoreConfig);
  }
  auto database = persistence::sqlite::Database::Open({.path = options_.db_filename});
  if (database.IsFailure()) return database.Error();
  database_ = std::move(database).Value();
  auto migrated =
      persistence::sqlite::ApplyMigrations(*database_, persistence::sqlite::SchemaMigrations());
  if (migrated.IsFailure()) return migrated.Error();
  store_description_ = "SQLite " + database_->path();
  {
    // The cluster id: made with the file, kept by every later start (cluster_metadata, V1).
    persistence::sqlite::Statement insert(
        database_->handle(), "INSERT OR IGNORE INTO cluster_metadata(key, value) VALUES(?, ?)");
    insert.BindText(1, "cluster_id").BindText(2, UuidGenerator().Next());
    auto inserted = insert.Run();
    if (inserted.IsFailure()) return inserted.Error();
    persistence::sqlite::Statement select(
        database_->handle(), "SELECT value FROM cluster_metadata WHERE key = 'cluster_id'");
    auto row = select.Step();
    if (row.IsFailure()) return row.Error();
    cluster_.cluster_id = row.Value() ? select.ColumnText(0) : std::string();
    cluster_.persistence_store = cluster_.visibility_store = "sqlite";
  }
  namespace_store_ = std::make_unique<persistence::sqlite::SqliteNamespaceStore>(database_.get());
  schedule_store_ = std::make_unique<persistence::sqlite::SqliteScheduleStore>(database_.get());
  batch_store_ = std::make_unique<persistence::KeyedBatchStore<persistence::sqlite::KeyedRows>>(
      database_.get());
  nexus_endpoint_store_ =
      std::make_unique<persistence::KeyedNexusEndpointStore<persistence::sqlite::KeyedRows>>(
          database_.get());
  worker_deployment_store_ =
      std::make_unique<persistence::KeyedWorkerDeploymentStore<persistence::sqlite::KeyedRows>>(
          database_.get());
  task_queue_config_store_ =
      std::make_unique<persistence::KeyedTaskQueueConfigStore<persistence::sqlite::KeyedRows>>(
          database_.get());
  build_id_versioning_store_ =
      std::make_unique<persistence::KeyedTaskQueueConfigStore<persistence::sqlite::KeyedRows>>(
          database_.get(), persistence::kTaskQueueVersioningTable);
  execution_store_ = std::make_unique<persistence::sqlite::SqliteExecutionStore>(database_.get());
  auto visibility = std::make_unique<persistence::sqlite::SqliteVisibilityStore>(database_.get());
  sqlite_visibility_ = visibility.get();
  visibility_store_ = std::move(visibility);
  batcher_ = database_.get();
  return hugo::Ok();
}

hugo::Result<hugo::Unit> Server::OpenSql() {
  auto store_error = [](const hugo::Error& error) {
    return hugo::Error::From(error.Message(), kErrorStoreConfig);
  };
  if (options_.history_shards < 1 || options_.history_shards > 16384) {
    return hugo::Error::From("invalid history shard count " +
                                 std::to_string(options_.history_shards) + ": give 1..16384",
                             kErrorStoreConfig);
  }
  auto connection = persistence::sql::Connect(options_.database_url);
  if (connection.IsFailure()) return store_error(connection.Error());
  store_description_ = connection.Value()->Describe();
  auto schema = persistence::sql::CheckSchema(
      *connection.Value(), persistence::sql::SchemaMigrations(connection.Value()->engine()));
  if (schema.IsFailure()) return store_error(schema.Error());
  session_ = std::make_unique<persistence::sql::Session>(std::move(connection).Value());
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  auto ownership = persistence::sql::AcquireShards(
      *session_, options_.history_shards, std::string(host) + ":" + std::to_string(::getpid()));
  if (ownership.IsFailure()) return store_error(ownership.Error());
  int64_t task_id_floor = ownership.Value().task_id_floor;
  session_->SetFence(persistence::sql::ShardFence(std::move(ownership).Value()));
  auto cluster_id =
      persistence::sql::ClusterMetadataValue(*session_, "cluster_id", UuidGenerator().Next());
  if (cluster_id.IsFailure()) return store_error(cluster_id.Error());
  cluster_.cluster_id = cluster_id.Value();
  // The reference's plugin names.
  cluster_.persistence_store = cluster_.visibility_store =
      session_->connection().engine() == persistence::sql::Engine::kPostgres ? "postgres12"
                                                                             : "mysql8";
  namespace_store_ = std::make_unique<persistence::sql::SqlNamespaceStore>(session_.get());
  schedule_store_ = std::make_unique<persistence::sql::SqlScheduleStore>(session_.get());
  batch_store_ =
      std::make_unique<persistence::KeyedBatchStore<persistence::sql::KeyedRows>>(session_.get());
  nexus_endpoint_store_ =
      std::make_unique<persistence::KeyedNexusEndpointStore<persistence::sql::KeyedRows>>(
          session_.get());
  worker_deployment_store_ =
      std::make_unique<persistence::KeyedWorkerDeploymentStore<persistence::sql::KeyedRows>>(
          session_.get());
  task_queue_config_store_ =
      std::make_unique<persistence::KeyedTaskQueueConfigStore<persistence::sql::KeyedRows>>(
          session_.get());
  build_id_versioning_store_ =
      std::make_unique<persistence::KeyedTaskQueueConfigStore<persistence::sql::KeyedRows>>(
          session_.get(), persistence::kTaskQueueVersioningTable);
  execution_store_ =
      std::make_unique<persistence::sql::SqlExecutionStore>(session_.get(), task_id_floor);
  visibility_store_ = std::make_unique<persistence::sql::SqlVisibilityStore>(session_.get());
  batcher_ = session_.get();
  return hugo::Ok();
}

hugo::Result<hugo::Unit> Server::OpenStore() {
  auto opened = options_.database_url.empty() ? OpenSqlite() : OpenSql();
  if (opened.IsFailure()) return opened;
  store_io_ = std::make_unique<asio::thread_pool>(1);
  // The rest of the opening runs here, on the main thread, and uses the store connection; the
  // store thread must not touch it meanwhile (recovery arms timers that may be due at once, and
  // posts engine work). Its first job waits until the opening is over, however it ends.
  std::promise<void> opened_gate;
  asio::post(*store_io_, [gate = opened_gate.get_future().share()] { gate.wait(); });
  struct OpenGate {
    std::promise<void>& opened;
    ~OpenGate() { opened.set_value(); }
  } gate{opened_gate};
  namespace_handler_ = std::make_unique<frontend::NamespaceHandler>(
      namespace_store_.get(), frontend::NamespaceHandler::Options{
                                  .min_retention = std::chrono::duration_cast<std::chrono::seconds>(
                                      options_.namespace_min_retention)});
  // Nothing else runs yet, so the startup namespaces are created on this thread.
  for (const std::string& name : options_.namespaces) {
    auto retention = options_.namespace_retentions.find(name);
    auto ensured = namespace_handler_->EnsureNamespace(
        name, retention != options_.namespace_retentions.end() ? retention->second
                                                               : options_.namespace_retention);
    if (ensured.IsFailure()) {
      return hugo::Error::From(
          "cannot create namespace '" + name + "': " + ensured.Error().Message(),
          ensured.Error().Code());
    }
  }
  // The cluster's Nexus endpoints, all in memory from here on.
  nexus_endpoints_ = std::make_unique<frontend::NexusEndpoints>(
      nexus_endpoint_store_.get(), namespace_handler_.get(), frontend::NexusEndpoints::Options{});
  auto endpoints = nexus_endpoints_->Load();
  if (endpoints.IsFailure()) return endpoints.Error();
  // Worker deployments (worker versioning), all in memory from here on. Their routing decides
  // which version's workers get a task; a change of it moves matching's queued tasks.
  frontend::WorkerDeployments::Options deployment_options;
  deployment_options.drainage_grace = std::chrono::seconds(options_.version_drainage_grace_seconds);
  deployment_options.drainage_refresh =
      std::chrono::seconds(options_.version_drainage_refresh_seconds);
  deployment_options.count_pinned = [this](const std::string& namespace_id,
                                           const std::string& version) -> hugo::Result<int64_t> {
    if (visibility_ == nullptr) return hugo::Error::From("no visibility yet", errors::kUnavailable);
    temporal::api::workflowservice::v1::CountWorkflowExecutionsRequest count;
    const size_t split = version.find('.');
    count.set_query("BuildIds = 'pinned:" + version.substr(0, split) + ":" +
                    version.substr(split + 1) + "' AND ExecutionStatus = 'Running'");
    auto counted = visibility_->Count(namespace_id, count);
    if (counted.IsFailure()) return counted.Error();
    return hugo::Ok(counted.Value().count());
  };
  deployment_options.routing_changed = [this](const std::string& namespace_id) {
    if (matcher_ != nullptr) matcher_->RoutingChanged(namespace_id);
  };
  worker_deployments_ = std::make_unique<frontend::WorkerDeployments>(
      worker_deployment_store_.get(), std::move(deployment_options));
  auto deployments = worker_deployments_->Load();
  if (deployments.IsFailure()) return deployments.Error();
  matching::Matcher::Options matcher_options;
  // The namespace label of matching's metrics. Partitions are made from recovery on, when
  // visibility_ exists; on the store thread, like every visibility_ call.
  matcher_options.namespace_name_of = [this](const std::string& namespace_id) {
    return visibility_ != nullptr ? visibility_->NamespaceName(namespace_id) : std::string();
  };
  matcher_options.route = [this](const std::string& namespace_id, const std::string& task_queue,
                                 bool workflow, const matching::Task& task) {
    std::string version;
    if (worker_deployments_->Any(namespace_id)) {
      version =
          worker_deployments_->Route(namespace_id, task_queue,
                                     workflow ? temporal::api::enums::v1::TASK_QUEUE_TYPE_WORKFLOW
                                              : temporal::api::enums::v1::TASK_QUEUE_TYPE_ACTIVITY,
                                     task.workflow_id, task.pinned, task.use_ramping);
    }
    // Worker deployments first; else build-id versioning, for the runs it routes.
    if (version.empty() && task.pinned.empty() && !task.build_id_directive.empty() &&
        build_id_versioning_ != nullptr) {
      version = build_id_versioning_->Route(namespace_id, task_queue, task.build_id_directive,
                                            task.run_id);
    }
    return version;
  };
  matcher_ = std::make_unique<matching::Matcher>(
      store_io_->get_executor(),
      [this](const matching::Task& task, const matching::Poller& poller) {
        return engine_->RecordWorkflowTaskStarted(task, poller);
      },
      [this](const matching::Task& task, const matching::Poller& poller) {
        return engine_->RecordActivityTaskStarted(task, poller);
      },
      std::move(matcher_options), SystemNow);
  nexus_matcher_ = std::make_unique<matching::NexusMatcher>(store_io_->get_executor(),
                                                            matching::NexusMatcher::Options{});
  // Task queue configurations: their queue rate limits hold in matching (activity queues).
  frontend::TaskQueueConfigs::Options config_options;
  config_options.rate_changed =
      [this](const std::string& namespace_id, const std::string& task_queue,
             temporal::api::enums::v1::TaskQueueType type, std::optional<double> rate) {
        if (type == temporal::api::enums::v1::TASK_QUEUE_TYPE_ACTIVITY) {
          matcher_->SetConfiguredRate(namespace_id, task_queue, rate);
        }
      };
  task_queue_configs_ = std::make_unique<frontend::TaskQueueConfigs>(task_queue_config_store_.get(),
                                                                     std::move(config_options));
  auto configs = task_queue_configs_->Load();
  if (configs.IsFailure()) return configs.Error();
  // Build-id versioning (v0.1/v0.2): its routing is matching's, alongside worker deployments'.
  frontend::BuildIdVersioning::Options build_id_options;
  build_id_options.data_apis = options_.worker_versioning_data_apis;
  build_id_options.rule_apis = options_.worker_versioning_rule_apis;
  build_id_options.changed = [this](const std::string& namespace_id) {
    matcher_->RoutingChanged(namespace_id);
  };
  build_id_options.recent_poller = [this](const std::string& namespace_id,
                                          const std::string& task_queue,
                                          const std::string& build_id) {
    // reference: versioningPollerSeenWindow.
    const int64_t since = SystemNow().seconds() - 70;
    for (bool workflow : {true, false}) {
      for (const auto& poller : matcher_->Pollers(namespace_id, task_queue, workflow)) {
        if (poller.build_id == build_id && poller.last_access_time.seconds() >= since) return true;
      }
    }
    return false;
  };
  build_id_versioning_ = std::make_unique<frontend::BuildIdVersioning>(
      build_id_versioning_store_.get(), std::move(build_id_options));
  auto build_ids_loaded = build_id_versioning_->Load();
  if (build_ids_loaded.IsFailure()) return build_ids_loaded.Error();
  visibility_ = std::make_unique<frontend::Visibility>(
      visibility_store_.get(), namespace_store_.get(), frontend::Visibility::Options{});
  // The startup namespaces' custom search attributes (an existing one is kept as it is).
  if (!options_.search_attributes.empty()) {
    temporal::api::operatorservice::v1::AddSearchAttributesRequest add;
    for (const auto& [name, type] : options_.search_attributes) {
      (*add.mutable_search_attributes())[name] =
          static_cast<temporal::api::enums::v1::IndexedValueType>(type);
    }
    for (const std::string& name : options_.namespaces) {
      auto namespace_id = namespace_handler_->ResolveId(name);
      auto added =
          namespace_id.IsSuccess()
              ? visibility_->AddSearchAttributes(namespace_id.Value(), add)
              : hugo::Result<temporal::api::operatorservice::v1::AddSearchAttributesResponse>(
                    namespace_id.Error());
      if (added.IsFailure()) {
        return hugo::Error::From("cannot register the search attributes in namespace '" + name +
                                     "': " + added.Error().Message(),
                                 added.Error().Code());
      }
    }
  }
  history::Engine::Options engine_options;
  engine_options.activity_eager_execution = options_.activity_eager_execution;
  engine_options.history_count_suggest_continue_as_new =
      options_.history_count_suggest_continue_as_new;
  engine_options.history_size_suggest_continue_as_new =
      options_.history_size_suggest_continue_as_new;
  engine_options.blob_size_max =
      static_cast<size_t>(std::max(options_.blob_size_limit_error, options_.blob_size_limit_warn));
  engine_options.visibility_delay = options_.visibility_delay;
  engine_options.wire_history = true;  // every workflow task goes to a worker over gRPC
  engine_options.search_attributes =
      [this](
          const std::string& namespace_id) -> hugo::Result<history::Engine::SearchAttributeScope> {
    auto set = visibility_->SearchAttributes(namespace_id);
    if (set.IsFailure()) return set.Error();
    return hugo::Ok(history::Engine::SearchAttributeScope{
        set.Value(), visibility_->NamespaceName(namespace_id)});
  };
  engine_options.namespace_id_of = [this](const std::string& name) {
    return namespace_handler_->ResolveId(name);
  };
  engine_options.namespace_name_of = [this](const std::string& namespace_id) {
    return visibility_->NamespaceName(namespace_id);
  };
  engine_options.retention = [this](const std::string& namespace_id) {
    return NamespaceRetention(namespace_id);
  };
  engine_options.on_scheduled_run_closed =
      [this](const history::Engine::ScheduledRunClosed& closed) {
        if (scheduler_ != nullptr) scheduler_->OnRunClosed(closed);
      };
  // Nexus: operations the runs schedule go to the endpoints' handlers through the Nexus matcher.
  engine_options.nexus = nexus_matcher_.get();
  engine_options.nexus_temporal_failure_responses = options_.nexus_temporal_failure_responses;
  engine_options.route = [this](const std::string& namespace_id, const std::string& task_queue,
                                bool workflow, std::string_view workflow_id,
                                const std::string& pinned, bool use_ramping) {
    if (!worker_deployments_->Any(namespace_id)) return std::string();
    return worker_deployments_->Route(namespace_id, task_queue,
                                      workflow ? temporal::api::enums::v1::TASK_QUEUE_TYPE_WORKFLOW
                                               : temporal::api::enums::v1::TASK_QUEUE_TYPE_ACTIVITY,
                                      workflow_id, pinned, use_ramping);
  };
  engine_options.build_id_versioned = [this](const std::string& namespace_id,
                                             const std::string& task_queue) {
    return build_id_versioning_ != nullptr &&
           build_id_versioning_->Versioned(namespace_id, task_queue);
  };
  engine_options.build_id_current = [this](const std::string& namespace_id,
                                           const std::string& task_queue,
                                           const std::string& build_id) {
    return build_id_versioning_ == nullptr ||
           build_id_versioning_->PollerKey(namespace_id, task_queue, build_id).IsSuccess();
  };
  engine_options.version_has_queue = [this](const std::string& namespace_id,
                                            const std::string& version,
                                            const std::string& task_queue) {
    return worker_deployments_->HasTaskQueue(namespace_id, version, task_queue);
  };
  auto nexus_target = [this](const temporal::api::nexus::v1::Endpoint* endpoint)
      -> hugo::Result<history::Engine::NexusTarget> {
    if (endpoint == nullptr) {
      return hugo::Error::From("endpoint not registered", errors::kNotFound);
    }
    history::Engine::NexusTarget target;
    target.endpoint_id = endpoint->id();
    target.endpoint_name = endpoint->spec().name();
    const auto& spec_target = endpoint->spec().target();
    if (spec_target.has_worker()) {
      auto namespace_id = namespace_handler_->ResolveId(spec_target.worker().namespace_());
      if (namespace_id.IsFailure()) {
        return hugo::Error::From("endpoint not registered", errors::kNotFound);
      }
      target.namespace_id = namespace_id.Value();
      target.task_queue = spec_target.worker().task_queue();
    } else {
      target.external_url = spec_target.external().url();
    }
    return hugo::Ok(std::move(target));
  };
  engine_options.nexus_endpoint = [this, nexus_target](const std::string& name) {
    return nexus_target(nexus_endpoints_->ByName(name));
  };
  engine_options.nexus_endpoint_by_id = [this, nexus_target](const std::string& id) {
    return nexus_target(nexus_endpoints_->ById(id));
  };
  // The system endpoint's operations run here, on the engine (frontend/system_nexus.h).
  engine_options.system_nexus_check = [](const history::Engine::SystemNexusCall& call) {
    return frontend::CheckSystemNexus(call);
  };
  engine_options.system_nexus_start = [this](const history::Engine::SystemNexusCall& call) {
    return frontend::StartSystemNexus(*engine_, call);
  };
  // The Nexus HTTP listener's callback route (bound before the store opened); without the
  // listener, the reference's in-process URL (the engine delivers its own callbacks in-process
  // either way).
  engine_options.nexus_callback_url = [this](const std::string& namespace_name) {
    std::string url = NexusCallbackUrl(namespace_name);
    return url.empty() ? std::string("temporal://system") : url;
  };
  engine_ = std::make_unique<history::Engine>(execution_store_.get(), matcher_.get(),
                                              store_io_->get_executor(), engine_options, SystemNow);
  visibility_->SetBeforeRead([this] { return engine_->FlushVisibility(); });
  // Still single-threaded here: recovery hands undelivered workflow tasks to matching.
  auto recovered = engine_->Recover();
  if (recovered.IsFailure()) return recovered.Error();
  // Schedules take what came due while the server was down (within their catch-up windows).
  worker::Scheduler::Options scheduler_options;
  scheduler_options.search_attributes = [this](const std::string& namespace_id) {
    return visibility_->SearchAttributes(namespace_id);
  };
  scheduler_ = std::make_unique<worker::Scheduler>(schedule_store_.get(), engine_.get(),
                                                   store_io_->get_executor(), scheduler_options,
                                                   [] { return history::ToMillis(SystemNow()); });
  auto schedules = scheduler_->Recover();
  if (schedules.IsFailure()) return schedules.Error();
  // Batch jobs go on from the page they were on.
  worker::Batcher::Options batch_options;
  batch_options.max_concurrent_per_namespace =
      static_cast<int>(options_.batch_max_concurrent_per_namespace);
  batch_options.max_operations_per_second =
      static_cast<double>(options_.batch_operations_per_second);
  batch_options.list =
      [this](const std::string& namespace_id,
             const temporal::api::workflowservice::v1::ListWorkflowExecutionsRequest& request) {
        return visibility_->List(namespace_id, request);
      };
  batch_options.count = [this](const std::string& namespace_id,
                               const std::string& query) -> hugo::Result<int64_t> {
    temporal::api::workflowservice::v1::CountWorkflowExecutionsRequest request;
    request.set_query(query);
    auto counted = visibility_->Count(namespace_id, request);
    if (counted.IsFailure()) return counted.Error();
    return hugo::Ok(counted.Value().count());
  };
  // A finished job is kept as long as its namespace keeps closed workflows.
  batch_options.retention = [this](const std::string& namespace_id) {
    return NamespaceRetention(namespace_id);
  };
  batch_worker_ = std::make_unique<worker::Batcher>(
      batch_store_.get(), engine_.get(), store_io_->get_executor(), std::move(batch_options),
      [] { return history::ToMillis(SystemNow()); });
  auto batches = batch_worker_->Recover();
  if (batches.IsFailure()) return batches.Error();
  // Closed runs past their namespace's retention are removed by a sweep, the first one interval
  // after the start.
  worker::RetentionSweeper::Options retention_options;
  retention_options.interval = options_.retention_sweep_interval;
  retention_options.default_retention = std::chrono::seconds(options_.namespace_retention);
  retention_ = std::make_unique<worker::RetentionSweeper>(
      namespace_store_.get(), visibility_store_.get(), engine_.get(), store_io_->get_executor(),
      std::move(retention_options), [] { return history::ToMillis(SystemNow()); });
  // A deleted namespace (OperatorService DeleteNamespace) goes in the sweeps' turns: its
  // schedules and batch jobs first, its runs, then its attributes and record.
  worker::NamespaceReclaimer::Hooks reclaim;
  reclaim.stop_automation = [this](const std::string& namespace_id) -> hugo::Result<hugo::Unit> {
    namespace wf = temporal::api::workflowservice::v1;
    const std::string name = visibility_->NamespaceName(namespace_id);
    wf::ListSchedulesRequest list_schedules;
    list_schedules.set_namespace_(name);
    list_schedules.set_maximum_page_size(100);
    auto listed_schedules = scheduler_->List(namespace_id, list_schedules);
    if (listed_schedules.IsFailure()) return listed_schedules.Error();
    for (const auto& entry : listed_schedules.Value().schedules()) {
      wf::DeleteScheduleRequest remove;
      remove.set_namespace_(name);
      remove.set_schedule_id(entry.schedule_id());
      remove.set_identity("delete-namespace");
      auto removed = scheduler_->Delete(namespace_id, remove);
      if (removed.IsFailure() && removed.Error().Code() != errors::kNotFound) {
        return removed.Error();
      }
    }
    wf::ListBatchOperationsRequest list_batches;
    list_batches.set_namespace_(name);
    list_batches.set_page_size(100);
    auto listed_batches = batch_worker_->List(namespace_id, list_batches);
    if (listed_batches.IsFailure()) return listed_batches.Error();
    for (const auto& job : listed_batches.Value().operation_info()) {
      if (job.state() != temporal::api::enums::v1::BATCH_OPERATION_STATE_RUNNING) continue;
      wf::StopBatchOperationRequest stop;
      stop.set_namespace_(name);
      stop.set_job_id(job.job_id());
      stop.set_reason("namespace deleted");
      stop.set_identity("delete-namespace");
      auto stopped = batch_worker_->StopJob(namespace_id, stop);
      if (stopped.IsFailure() && stopped.Error().Code() != errors::kNotFound) {
        return stopped.Error();
      }
    }
    return hugo::Ok();
  };
  reclaim.remove_namespace = [this](const std::string& namespace_id) -> hugo::Result<hugo::Unit> {
    auto attributes = visibility_store_->ListSearchAttributes(namespace_id);
    if (attributes.IsFailure()) return attributes.Error();
    if (!attributes.Value().empty()) {
      std::vector<std::string> names;
      for (const auto& [name, type] : attributes.Value()) names.push_back(name);
      auto removed = visibility_store_->RemoveSearchAttributes(namespace_id, names);
      if (removed.IsFailure()) return removed.Error();
    }
    auto removed = namespace_handler_->Remove(namespace_id);
    visibility_->ForgetNamespace(namespace_id);
    return removed;
  };
  namespace_reclaimer_ = std::make_unique<worker::NamespaceReclaimer>(
      visibility_store_.get(), engine_.get(), std::move(reclaim));
  retention_->SetReclaimer(namespace_reclaimer_.get());
  statistics_timer_ = std::make_unique<asio::steady_timer>(store_io_->get_executor());
  RefreshStatistics();
  // From here on the store thread's transactions are batched (nothing runs there yet).
  group_commit_ = std::make_unique<persistence::GroupCommit>(
      batcher_, store_io_->get_executor(),
      persistence::GroupCommit::Options{.batch_max = std::max(1, options_.commit_batch_max)});
  group_commit_->SetOnLost([this](const hugo::Error& error) {
    auto sqlite_code = error.TryGetMetadata<int64_t>("sqlite_code");
    if (sqlite_code.has_value() && (*sqlite_code & 0xff) == SQLITE_CORRUPT) {
      // The connection's view of the file is broken: only a fresh connection (a restart, which
      // recovers every acknowledged change) can serve again.
      log::Error("the SQLite connection reports corruption; exiting so that a restart reopens it",
                 {{"error", error.Message()}});
      std::_Exit(1);
    }
    if (error.HasCode(persistence::sql::kErrorShardOwnershipLost)) {
      // Another server raised the shards' range_ids: everything this one holds in memory may be
      // stale, and none of its writes can commit any more.
      log::Error("another server took the history shards; exiting", {{"error", error.Message()}});
      std::_Exit(1);
    }
    log::Error("a store commit failed; reloading state from the store",
               {{"error", error.Message()}});
    auto reloaded = engine_->ReloadFromStore();
    if (reloaded.IsSuccess()) {
      auto rearmed = scheduler_->Recover();
      if (rearmed.IsFailure()) reloaded = rearmed.Error();
      auto resumed = batch_worker_->Recover();
      if (resumed.IsFailure()) reloaded = resumed.Error();
      // The failed batch may have held endpoint changes that memory already shows.
      auto endpoints_loaded = nexus_endpoints_->Load();
      if (endpoints_loaded.IsFailure()) reloaded = endpoints_loaded.Error();
      auto deployments_loaded = worker_deployments_->Load();
      if (deployments_loaded.IsFailure()) reloaded = deployments_loaded.Error();
      auto configs_loaded = task_queue_configs_->Load();
      if (configs_loaded.IsFailure()) reloaded = configs_loaded.Error();
      auto build_ids_reloaded = build_id_versioning_->Load();
      if (build_ids_reloaded.IsFailure()) reloaded = build_ids_reloaded.Error();
    }
    if (reloaded.IsFailure()) {
      // Nothing consistent can be served: exit, and let a restart recover from the store.
      log::Error("cannot reload from the store; exiting", {{"error", reloaded.Error().Message()}});
      std::_Exit(1);
    }
    group_commit_->Resume();
  });
  // Its removals join the group commits from here on.
  retention_->Start();
  if (options_.store_ping) {
    store_ping_ = options_.store_ping;
  } else if (session_ != nullptr) {
    store_ping_ = [this] { return session_->connection().Ping(); };
  } else {
    store_ping_ = [this] { return database_->Exec("SELECT 1 FROM sqlite_schema LIMIT 1"); };
  }
  log::Debug("store ready",
             {{"store", store_description_}, {"recovered_tasks", int64_t{recovered.Value()}}});
  return hugo::Ok();
}

HttpServer::Response Server::ServeReadyz() {
  ReadinessReport report;
  const Phase phase = phase_.load();
  if (phase != Phase::kServing) {
    report.unchecked = phase == Phase::kStarting ? "starting" : "stopping";
  } else {
    // The checks run on the store thread every kReadinessInterval; this thread only reads the
    // latest, so a stuck store thread never holds the HTTP thread (and /healthz behind it).
    std::chrono::steady_clock::time_point gathered_at;
    {
      std::lock_guard<std::mutex> lock(readiness_mutex_);
      report = readiness_report_;
      gathered_at = readiness_gathered_at_;
    }
    const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - gathered_at);
    if (gathered_at == std::chrono::steady_clock::time_point()) {
      report.unchecked = "the store thread has not answered the first readiness check";
    } else if (age > kReadinessInterval + options_.readiness_check_timeout) {
      report.unchecked = "the store thread has not answered the readiness check for " +
                         std::to_string(age.count()) + " ms";
    }
  }
  Readiness readiness = EvaluateReadiness(
      std::move(report), {.timer_lag_max = options_.readiness_timer_lag_max,
                          .task_backlog_max = options_.readiness_task_backlog_max});
  HttpServer::Response response;
  response.status = readiness.ready ? 200 : 503;
  response.content_type = "application/json";
  response.body = std::move(readiness.json) + "\n";
  return response;
}

void Server::RefreshReadiness() {
  ReadinessReport report = GatherReadiness();
  {
    std::lock_guard<std::mutex> lock(readiness_mutex_);
    readiness_report_ = std::move(report);
    readiness_gathered_at_ = std::chrono::steady_clock::now();
  }
  readiness_timer_->expires_after(kReadinessInterval);
  readiness_timer_->async_wait([this](const std::error_code& error) {
    if (!error && !store_timers_stopped_) RefreshReadiness();
  });
}

ReadinessReport Server::GatherReadiness() {
  ReadinessReport report;
  const auto started = std::chrono::steady_clock::now();
  if (store_ping_) {
    auto pinged = store_ping_();
    if (pinged.IsFailure()) report.store_error = pinged.Error().Message();
  }
  report.store_latency_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - started)
                                .count();
  // One engine owns every shard (ADR 0010); none is owned while the engine reloads after a lost
  // commit.
  report.shards_total = options_.history_shards;
  const bool reloading = group_commit_ != nullptr && group_commit_->Refusing();
  report.shards_owned = engine_ != nullptr && !reloading ? options_.history_shards : 0;
  if (reloading) report.shards_detail = "reloading from the store after a failed commit";
  report.timer_lag_ms = engine_ != nullptr ? engine_->TimerQueueLagMs() : 0;
  if (matcher_ != nullptr) {
    for (const matching::Matcher::Backlog& backlog : matcher_->Backlogs()) {
      std::string name =
          visibility_ != nullptr ? visibility_->NamespaceName(backlog.namespace_id) : std::string();
      report.backlogs.push_back({name.empty() ? backlog.namespace_id : name, backlog.task_queue,
                                 backlog.workflow ? "workflow" : "activity",
                                 static_cast<int64_t>(backlog.tasks)});
    }
  }
  return report;
}

std::chrono::milliseconds Server::NamespaceRetention(const std::string& namespace_id) {
  auto record = namespace_store_->GetNamespaceById(namespace_id);
  temporal::api::workflowservice::v1::DescribeNamespaceResponse described;
  if (record.IsSuccess() && described.ParseFromString(record.Value().data) &&
      described.config().has_workflow_execution_retention_ttl()) {
    return std::chrono::milliseconds(
        history::ToMillis(described.config().workflow_execution_retention_ttl()));
  }
  return std::chrono::milliseconds(std::chrono::seconds(options_.namespace_retention));
}

void Server::RefreshStatistics() {
  if (sqlite_visibility_ == nullptr) return;  // PostgreSQL and MySQL keep their own statistics
  auto refreshed = sqlite_visibility_->RefreshStatistics();
  if (refreshed.IsFailure()) {
    log::Warn("query statistics not refreshed", {{"error", refreshed.Error().Message()}});
  }
  statistics_timer_->expires_after(std::chrono::minutes(10));
  statistics_timer_->async_wait([this](const std::error_code& error) {
    if (!error && !store_timers_stopped_) RefreshStatistics();
  });
}

void Server::Shutdown(std::chrono::milliseconds grace) {
  phase_ = Phase::kStopping;  // /readyz: 503 from now on
  if (grpc_server_ != nullptr) {
    health_service_->Shutdown();
    // Parked long polls would hold gRPC's shutdown for their whole window: answer them now.
    if (matcher_ != nullptr && engine_ != nullptr) {
      std::promise<void> released;
      asio::post(*store_io_, [this, &released] {
        matcher_->CancelAll();
        // Nexus requests still arriving are answered 503 instead of waiting for a worker.
        if (nexus_http_ != nullptr) nexus_http_->Stop();
        if (nexus_matcher_ != nullptr) nexus_matcher_->CancelAll();
        engine_->ReleaseWaiters();
        released.set_value();
      });
      released.get_future().wait();
    }
    // Waits for every call, including those the store thread has yet to finish.
    grpc_server_->Shutdown(std::chrono::system_clock::now() + grace);
    grpc_server_->Wait();
  }
  metrics_server_.reset();  // stops its thread
  // No Nexus request reaches the store thread after this (answers still pending are dropped).
  nexus_http_ready_.store(nullptr);
  http_server_.reset();
  // A pending timer is work the pool would wait for.
  if (store_io_ != nullptr && statistics_timer_ != nullptr) {
    asio::post(*store_io_, [this] {
      store_timers_stopped_ = true;  // a wait that already completed must not re-arm one
      statistics_timer_->cancel();
      if (scheduler_ != nullptr) scheduler_->Stop();
      if (batch_worker_ != nullptr) batch_worker_->Stop();
      if (retention_ != nullptr) retention_->Stop();
      // The visibility rows still pending join the last commit (else the next start writes them).
      if (engine_ != nullptr) (void)engine_->FlushVisibility();
      if (readiness_timer_ != nullptr) readiness_timer_->cancel();
    });
  }
  if (store_io_ != nullptr) store_io_->join();
  // No thread finishes a call any more: the queue's remaining tags are drained, then the server
  // goes (gRPC's order: the server shut down, its queues shut down and drained, then destroyed).
  if (completion_queue_ != nullptr) {
    completion_queue_->Shutdown();
    // Without threads (the server did not start) the queue is drained here.
    if (completion_threads_.empty()) frontend::RunCompletionQueue(completion_queue_.get());
    for (std::thread& thread : completion_threads_) thread.join();
    completion_threads_.clear();
  }
  grpc_server_.reset();
  completion_queue_.reset();
  // The engine's and matching's timers belong to the store thread's execution context: they go
  // first.
  workflow_handler_.reset();
  nexus_http_.reset();
  statistics_timer_.reset();
  readiness_timer_.reset();
  scheduler_.reset();
  batch_worker_.reset();
  retention_.reset();
  namespace_reclaimer_.reset();
  engine_.reset();
  nexus_matcher_.reset();
  matcher_.reset();
  group_commit_.reset();  // commits what the store thread left open
  store_io_.reset();
  execution_store_.reset();
  nexus_endpoints_.reset();
  nexus_endpoint_store_.reset();
  task_queue_configs_.reset();
  task_queue_config_store_.reset();
  build_id_versioning_.reset();
  build_id_versioning_store_.reset();
  worker_deployments_.reset();
  worker_deployment_store_.reset();
  namespace_handler_.reset();
  visibility_store_.reset();
  sqlite_visibility_ = nullptr;
  namespace_store_.reset();
  schedule_store_.reset();
  batch_store_.reset();
  batcher_ = nullptr;
  session_.reset();
  database_.reset();
}

std::string Server::GrpcAddress() const { return JoinHostPort(options_.ip, bound_port_); }

std::string Server::MetricsUrl() const {
  if (metrics_port_ == 0) return {};
  return "http://" + JoinHostPort(options_.ip, metrics_port_) + "/metrics";
}

std::string Server::HttpAddress() const {
  if (http_port_ == 0) return {};
  return JoinHostPort(options_.ip, http_port_);
}

std::string Server::NexusCallbackUrl(const std::string& namespace_name) const {
  if (http_port_ == 0) return {};
  std::string host = options_.ip;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  return "http://" + JoinHostPort(host, http_port_) + "/namespaces/" +
         http::PercentEncode(namespace_name) + "/nexus/callback";
}

std::string Server::StoreDescription() const {
  return store_description_.empty() ? "SQLite " + DatabasePath() : store_description_;
}

std::string Server::DatabasePath() const {
  return database_ != nullptr ? database_->path() : options_.db_filename;
}

}  // namespace hdo::server
