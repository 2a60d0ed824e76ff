// Goal: `hdo server start-dev` serves the Temporal wire contract a client sees first (health,
// GetSystemInfo, UNIMPLEMENTED wording for everything else), stops cleanly on Ctrl-C, and turns
// bad input into one line and exit code 2. Method: run the real binary on port 0 with a temp
// SQLite file, talk to it with the generated C++ stubs.
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "common/uuid.h"
#include "common/version.h"
#include "frontend/unimplemented_service.h"
#include "frontend/workflow_handler.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "temporal/api/errordetails/v1/message.pb.h"
#include "temporal/api/operatorservice/v1/service.grpc.pb.h"
#include "temporal/api/workflowservice/v1/service.grpc.pb.h"
#include "testlib/dev_server.h"
#include "testlib/process.h"

namespace hdo {
namespace {

using std::chrono::seconds;
namespace wf = temporal::api::workflowservice::v1;

using testlib::DevServer;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testlib::MakeTempDir("hdo-server-test"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Db(const std::string& name = "hdo.db") const { return dir_ + "/" + name; }
  std::string dir_;
};

std::shared_ptr<grpc::Channel> Dial(const std::string& address) {
  return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
}

template <class Context>
void SetDeadline(Context& context) {
  context.set_deadline(std::chrono::system_clock::now() + seconds(10));
}

TEST_F(ServerTest, HealthCheckReportsTheWorkflowServiceAsServing) {
  DevServer server(Db());
  ASSERT_FALSE(server.address().empty()) << server.process().Stderr();
  auto health = grpc::health::v1::Health::NewStub(Dial(server.address()));

  grpc::ClientContext context;
  SetDeadline(context);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("temporal.api.workflowservice.v1.WorkflowService");
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = health->Check(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  grpc::ClientContext unknown_context;
  SetDeadline(unknown_context);
  request.set_service("no.such.Service");
  status = health->Check(&unknown_context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServerTest, HealthCheckOfTheServerAsAWhole) {
  DevServer server(Db());
  ASSERT_FALSE(server.address().empty()) << server.process().Stderr();
  auto health = grpc::health::v1::Health::NewStub(Dial(server.address()));
  grpc::ClientContext context;
  SetDeadline(context);
  grpc::health::v1::HealthCheckRequest request;  // service "": the server
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = health->Check(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

// Watch (grpc-go's semantics, the reference's): the status at once, then each change; the
// server's shutdown is sent as NOT_SERVING and ends the stream, without holding the shutdown.
TEST_F(ServerTest, HealthWatchSendsServingThenNotServingAtShutdown) {
  DevServer server(Db());
  ASSERT_FALSE(server.address().empty()) << server.process().Stderr();
  auto health = grpc::health::v1::Health::NewStub(Dial(server.address()));

  grpc::ClientContext unknown_context;
  SetDeadline(unknown_context);
  grpc::health::v1::HealthCheckRequest unknown;
  unknown.set_service("no.such.Service");
  auto unknown_watch = health->Watch(&unknown_context, unknown);
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(unknown_watch->Read(&response));
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVICE_UNKNOWN);
  unknown_context.TryCancel();

  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + seconds(30));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("temporal.api.workflowservice.v1.WorkflowService");
  auto watch = health->Watch(&context, request);
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  server.process().Signal(SIGTERM);
  ASSERT_TRUE(watch->Read(&response)) << "the shutdown was not sent";
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  EXPECT_FALSE(watch->Read(&response)) << "the stream went on after NOT_SERVING";
  // Ended by the server (OK), not cancelled when the shutdown's grace period ran out.
  grpc::Status status = watch->Finish();
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_EQ(server.process().Wait(std::chrono::milliseconds(20000)), 0);
}

// Every service is on gRPC's completion-queue API (ADR 0017): a callback method anywhere (a
// service, the generic service, gRPC's default health service) makes gRPC 1.51 start its
// "nexting" threads, which poll the connections beside hdo's own thread.
TEST_F(ServerTest, NoGrpcCallbackApiThreads) {
  DevServer server(Db());
  ASSERT_FALSE(server.address().empty()) << server.process().Stderr();
  const std::string tasks = "/proc/" + std::to_string(server.process().pid()) + "/task";
  std::vector<std::string> names;
  for (const auto& task : std::filesystem::directory_iterator(tasks)) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    names.push_back(name);
  }
  EXPECT_EQ(std::count(names.begin(), names.end(), "hdo-grpc-cq"), 1);
  EXPECT_EQ(std::count(names.begin(), names.end(), "nexting_thread"), 0)
      << "a gRPC method or service on the callback API is registered";
}

TEST_F(ServerTest, GetSystemInfoReturnsTheServerVersion) {
  DevServer server(Db());
  ASSERT_FALSE(server.address().empty()) << server.process().Stderr();
  auto stub = wf::WorkflowService::NewStub(Dial(server.address()));
  grpc::ClientContext context;
  SetDeadline(context);
  wf::GetSystemInfoResponse response;
  grpc::Status status = stub->GetSystemInfo(&context, {}, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.server_version(), std::string(Version()));
  EXPECT_TRUE(response.has_capabilities());
}

// Every WorkflowService RPC that the frontend does not implement answers UNIMPLEMENTED with the
// words the SDKs look for, or, for a feature the reference ships switched off or retired, the
// reference's answer; the list follows the handler, so it stays true as RPCs are added.
TEST_F(ServerTest, EveryUnimplementedRpcAnswersUnimplementedNotImplemented) {
  DevServer server(Db());
  ASSERT_FALSE(server.address().empty()) << server.process().Stderr();
  grpc::GenericStub stub(Dial(server.address()));
  const auto* service = &frontend::WorkflowHandler::Descriptor();
  int checked = 0;
  int refused = 0;
  std::map<std::string, grpc::Status> answers;
  for (int i = 0; i < service->method_count(); ++i) {
    const auto* method = service->method(i);
    if (frontend::WorkflowHandler::ImplementedMethods().count(method->name()) != 0) {
      // A method served is never answered from the refusal table.
      EXPECT_FALSE(frontend::UnimplementedService::RefusedAnswer(method->name()).has_value())
          << method->name();
      continue;
    }
    grpc::ClientContext context;
    SetDeadline(context);
    // An empty protobuf message is zero bytes, but the buffer must hold a slice to be valid.
    grpc::Slice empty_message("");
    grpc::ByteBuffer request(&empty_message, 1);
    grpc::ByteBuffer response;
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
    grpc::Status status;
    stub.UnaryCall(&context, "/" + service->full_name() + "/" + method->name(), {}, &request,
                   &response, [&](grpc::Status s) {
                     std::lock_guard<std::mutex> lock(mutex);
                     status = s;
                     done = true;
                     done_cv.notify_one();
                   });
    std::unique_lock<std::mutex> lock(mutex);
    done_cv.wait(lock, [&] { return done; });
    answers[method->name()] = status;
    if (auto expected = frontend::UnimplementedService::RefusedAnswer(method->name())) {
      EXPECT_EQ(status.error_code(), expected->error_code()) << method->name();
      EXPECT_EQ(status.error_message(), expected->error_message()) << method->name();
      ++refused;
    } else {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << method->name();
      EXPECT_EQ(status.error_message(), "method " + method->name() + " not implemented");
    }
    ++checked;
  }
  // The reference dev server's (1.29.1) answers, as recorded against it.
  EXPECT_EQ(answers["ListDeployments"].error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(answers["ListDeployments"].error_message(),
            "Deployments are deprecated and no longer supported, use Worker Deployments instead");
  EXPECT_EQ(answers["ListArchivedWorkflowExecutions"].error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(refused, 8);
  // Every method the handler does not list was checked (and the list names only real methods).
  EXPECT_EQ(checked, service->method_count() -
                         static_cast<int>(frontend::WorkflowHandler::ImplementedMethods().size()));
  // The loop reached the service's methods (43 were left unimplemented in session 41, 26 in
  // session 44).
  EXPECT_GT(checked, 10);
}

TEST_F(ServerTest, PrintsTheAddressAndDatabaseThenStopsCleanlyOnCtrlC) {
  DevServer server(Db("sub/dir/hdo.db"));
  ASSERT_FALSE(server.address().empty()) << server.process().Stderr();
  auto banner = server.process().WaitForStdout(std::regex("SQLite database +(.+)$"), seconds(10));
  ASSERT_TRUE(banner.has_value()) << server.process().Stdout();
  EXPECT_EQ((*banner)[1], Db("sub/dir/hdo.db"));
  EXPECT_TRUE(std::filesystem::exists(Db("sub/dir/hdo.db")));
  EXPECT_NE(server.process().Stdout().find(server.address()), std::string::npos);

  server.process().Signal(SIGINT);
  EXPECT_EQ(server.process().Wait(seconds(30)), 0) << server.process().Stderr();
  EXPECT_NE(server.process().Stderr().find("msg=\"server stopped\""), std::string::npos);
}

// The problems a person starting the server can make, each answered by one line and exit code 2.
struct BadInputCase {
  std::vector<std::string> args;
  std::string expected_words;
};

std::vector<std::string> StderrLines(const testlib::Process& process) {
  std::vector<std::string> lines;
  std::stringstream stream(process.Stderr());
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

void ExpectOneLineExit2(testlib::Process& process, const std::string& words) {
  EXPECT_EQ(process.Wait(seconds(30)), 2) << process.Stderr();
  auto lines = StderrLines(process);
  ASSERT_EQ(lines.size(), 1u) << process.Stderr();
  EXPECT_EQ(lines[0].rfind("hdo: error: ", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find(words), std::string::npos) << lines[0];
}

TEST_F(ServerTest, BadInputGivesOneLineAndExitCode2) {
  std::vector<BadInputCase> cases = {
      {{"server", "start-dev", "--no-such-flag"}, "--no-such-flag"},
      {{"server", "start-dev", "--log-format", "yaml"}, "yaml not in {text,pretty,logfmt,json}"},
      {{"server", "start-dev", "--log-level", "loud"}, "loud not in"},
      {{"server", "start-dev", "--port", "70000"}, "70000"},
      {{"server", "start-dev", "--port", "seven"}, "seven"},
      {{"server", "start-dev", "--ip", "not-an-ip", "--port", "0"}, "invalid --ip 'not-an-ip'"},
      {{"server", "start-dev", "--port", "0", "--db-filename", dir_}, "is a directory"},
      {{"server", "start-dev", "--search-attribute", "Color"}, "write NAME=TYPE"},
      {{"server", "start-dev", "--search-attribute", "Color=Colour"}, "unknown type 'Colour'"},
      {{"server", "start-dev", "--dynamic-config-value", "limit.historyCount.suggestContinueAsNew"},
       "write KEY=VALUE"},
      {{"server", "start-dev", "--dynamic-config-value",
        "limit.historyCount.suggestContinueAsNew=many"},
       "takes a whole number"},
      {{"server", "start-dev", "--dynamic-config-value",
        "nexusoperation.useNewFailureWireFormat=yes"},
       "takes true or false"},
      {{"server", "start-dev", "--dynamic-config-value", "frontend.workerVersioningDataAPIs=on"},
       "frontend.workerVersioningDataAPIs takes true or false"},
      {{"server"}, "'hdo server' needs a command: start-dev"},
      {{"server", "start-prod"}, "unknown command 'start-prod' for 'hdo server'"},
      {{"no-such-command"}, "unknown command 'no-such-command' for 'hdo'"},
      {{}, "'hdo' needs a command: server"},
  };
  for (const auto& c : cases) {
    std::string command_line = "hdo";
    for (const auto& arg : c.args) command_line += " " + arg;
    SCOPED_TRACE(command_line);
    std::vector<std::string> argv = {testlib::HdoBinary()};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    testlib::Process process(argv);
    ExpectOneLineExit2(process, c.expected_words);
  }
}

// The flags the SDKs' test environments (TestWorkflowEnvironment.createLocal and its kin) pass
// to the reference CLI's `server start-dev`, hdo taking the CLI's place: the logging flags after
// the command (JSON lines at warn: nothing at info), --headless, and a Web UI port, which hdo
// reports as ignored because it serves no Web UI.
TEST_F(ServerTest, StartDevTakesTheFlagsOfTheSdksTestEnvironments) {
  testlib::Process process({testlib::HdoBinary(),
                            "server",
                            "start-dev",
                            "--port",
                            "0",
                            "--namespace",
                            "default",
                            "--ip",
                            "127.0.0.1",
                            "--log-format",
                            "json",
                            "--log-level",
                            "warn",
                            "--headless",
                            "--ui-port",
                            "8299",
                            "--metrics-port",
                            "-1",
                            "--db-filename",
                            Db()});
  auto banner =
      process.WaitForStdout(std::regex("Temporal gRPC API +([0-9.]+:[0-9]+)"), seconds(20));
  ASSERT_TRUE(banner.has_value()) << process.Stdout() << process.Stderr();
  auto stub = wf::WorkflowService::NewStub(Dial((*banner)[1]));
  grpc::ClientContext context;
  SetDeadline(context);
  wf::GetSystemInfoResponse response;
  ASSERT_TRUE(stub->GetSystemInfo(&context, {}, &response).ok());
  process.Signal(SIGINT);
  ASSERT_EQ(process.Wait(seconds(30)), 0) << process.Stderr();
  auto lines = StderrLines(process);
  ASSERT_FALSE(lines.empty());
  bool ui_reported = false;
  for (const std::string& line : lines) {
    SCOPED_TRACE(line);
    auto record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(record.is_object());
    EXPECT_EQ(record.value("level", ""), "warn");
    EXPECT_FALSE(record.value("ts", "").empty());
    if (record.value("flag", "") == "--ui-port" && record.value("value", "") == "8299") {
      ui_reported = true;
    }
  }
  EXPECT_TRUE(ui_reported);
}

TEST_F(ServerTest, APortInUseGivesOneLineAndExitCode2) {
  DevServer first(Db("first.db"));
  ASSERT_FALSE(first.address().empty()) << first.process().Stderr();
  testlib::Process second({testlib::HdoBinary(), "server", "start-dev", "--port",
                           std::to_string(first.port()), "--db-filename", Db("second.db")});
  ExpectOneLineExit2(second, "already in use");
}

TEST_F(ServerTest, ADatabaseFileInUseByAnotherServerGivesOneLineAndExitCode2) {
  DevServer first(Db());
  ASSERT_FALSE(first.address().empty()) << first.process().Stderr();
  testlib::Process second(
      {testlib::HdoBinary(), "server", "start-dev", "--port", "0", "--db-filename", Db()});
  ExpectOneLineExit2(second, "in use by another hdo server");
}

wf::DescribeNamespaceResponse DescribeNamespace(const std::string& address, const std::string& name,
                                                grpc::Status* status) {
  auto stub = wf::WorkflowService::NewStub(Dial(address));
  grpc::ClientContext context;
  SetDeadline(context);
  wf::DescribeNamespaceRequest request;
  request.set_namespace_(name);
  wf::DescribeNamespaceResponse response;
  *status = stub->DescribeNamespace(&context, request, &response);
  return response;
}

// Namespaces are durable: what start-dev creates and what a client registers is there, unchanged,
// after a restart on the same file.
TEST_F(ServerTest, NamespacesSurviveARestartOnTheSameFile) {
  std::string payments_id;
  {
    DevServer server(Db(), {"--namespace", "orders"});
    ASSERT_FALSE(server.address().empty()) << server.process().Stderr();
    auto stub = wf::WorkflowService::NewStub(Dial(server.address()));
    grpc::ClientContext context;
    SetDeadline(context);
    wf::RegisterNamespaceRequest request;
    request.set_namespace_("payments");
    request.mutable_workflow_execution_retention_period()->set_seconds(3 * 86400);
    wf::RegisterNamespaceResponse response;
    grpc::Status status = stub->RegisterNamespace(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    payments_id = DescribeNamespace(server.address(), "payments", &status).namespace_info().id();
    ASSERT_TRUE(status.ok());
    server.process().Signal(SIGINT);
    ASSERT_EQ(server.process().Wait(seconds(30)), 0);
  }
  DevServer restarted(Db());
  ASSERT_FALSE(restarted.address().empty()) << restarted.process().Stderr();
  grpc::Status status;
  auto payments = DescribeNamespace(restarted.address(), "payments", &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(payments.namespace_info().id(), payments_id);
  EXPECT_EQ(payments.config().workflow_execution_retention_ttl().seconds(), 3 * 86400);
  auto defaults = DescribeNamespace(restarted.address(), "default", &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(defaults.config().workflow_execution_retention_ttl().seconds(), 86400);
  DescribeNamespace(restarted.address(), "orders", &status);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

// GetClusterInfo and ListClusters name one cluster, whose id is made with the file and kept by
// every later start on it; ListClusters gives the address the server serves on.
TEST_F(ServerTest, TheClusterIdIsMadeWithTheFileAndKeptAcrossRestarts) {
  auto cluster_of = [](const std::string& address) {
    auto stub = wf::WorkflowService::NewStub(Dial(address));
    grpc::ClientContext context;
    SetDeadline(context);
    wf::GetClusterInfoResponse info;
    grpc::Status status = stub->GetClusterInfo(&context, wf::GetClusterInfoRequest(), &info);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return info;
  };
  std::string cluster_id;
  {
    DevServer server(Db());
    ASSERT_FALSE(server.address().empty()) << server.process().Stderr();
    auto info = cluster_of(server.address());
    cluster_id = info.cluster_id();
    EXPECT_TRUE(IsUuid(cluster_id)) << cluster_id;
    EXPECT_EQ(info.cluster_name(), "active");
    EXPECT_EQ(info.history_shard_count(), 1);
    EXPECT_EQ(info.persistence_store(), "sqlite");
    EXPECT_EQ(info.visibility_store(), "sqlite");
    auto operators =
        temporal::api::operatorservice::v1::OperatorService::NewStub(Dial(server.address()));
    grpc::ClientContext context;
    SetDeadline(context);
    temporal::api::operatorservice::v1::ListClustersResponse clusters;
    ASSERT_TRUE(operators
                    ->ListClusters(&context,
                                   temporal::api::operatorservice::v1::ListClustersRequest(),
                                   &clusters)
                    .ok());
    ASSERT_EQ(clusters.clusters_size(), 1);
    EXPECT_EQ(clusters.clusters(0).cluster_id(), cluster_id);
    EXPECT_EQ(clusters.clusters(0).address(), server.address());
    server.process().Signal(SIGKILL);
    server.process().Wait(seconds(10));
  }
  DevServer restarted(Db());
  ASSERT_FALSE(restarted.address().empty()) << restarted.process().Stderr();
  EXPECT_EQ(cluster_of(restarted.address()).cluster_id(), cluster_id);
  // Another file is another cluster.
  DevServer other(Db() + "-other");
  ASSERT_FALSE(other.address().empty()) << other.process().Stderr();
  EXPECT_NE(cluster_of(other.address()).cluster_id(), cluster_id);
}

// start-dev takes the reference dev server's --search-attribute (registered in every startup
// namespace, the type's name in any case) and --dynamic-config-value (keys hdo has no setting for
// are reported and ignored, the server starts).
TEST_F(ServerTest, StartDevRegistersSearchAttributesAndTakesDynamicConfigValues) {
  DevServer server(Db(), {"--namespace", "orders", "--search-attribute", "Color=keyword",
                          "--search-attribute", "Due=Datetime", "--dynamic-config-value",
                          "frontend.enableUpdateWorkflowExecution=true", "--dynamic-config-value",
                          "limit.historyCount.suggestContinueAsNew=50", "--dynamic-config-value",
                          "nexusoperation.useNewFailureWireFormat=false"});
  ASSERT_FALSE(server.address().empty()) << server.process().Stderr();
  auto stub = temporal::api::operatorservice::v1::OperatorService::NewStub(Dial(server.address()));
  for (const char* name : {"default", "orders"}) {
    SCOPED_TRACE(name);
    grpc::ClientContext context;
    SetDeadline(context);
    temporal::api::operatorservice::v1::ListSearchAttributesRequest request;
    request.set_namespace_(name);
    temporal::api::operatorservice::v1::ListSearchAttributesResponse response;
    grpc::Status status = stub->ListSearchAttributes(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(response.custom_attributes().size(), 2u);
    EXPECT_EQ(response.custom_attributes().at("Color"),
              temporal::api::enums::v1::INDEXED_VALUE_TYPE_KEYWORD);
    EXPECT_EQ(response.custom_attributes().at("Due"),
              temporal::api::enums::v1::INDEXED_VALUE_TYPE_DATETIME);
  }
  server.process().Signal(SIGINT);
  ASSERT_EQ(server.process().Wait(seconds(30)), 0);
  EXPECT_NE(server.process().Stderr().find("frontend.enableUpdateWorkflowExecution"),
            std::string::npos)
      << "the ignored key is not reported: " << server.process().Stderr();
}

TEST_F(ServerTest, AnUnknownNamespaceIsNotFoundWithTheTemporalFailureDetail) {
  DevServer server(Db());
  ASSERT_FALSE(server.address().empty()) << server.process().Stderr();
  grpc::Status status;
  DescribeNamespace(server.address(), "ghost", &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "Namespace ghost is not found.");
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  temporal::api::errordetails::v1::NamespaceNotFoundFailure failure;
  ASSERT_TRUE(details.details(0).UnpackTo(&failure));
  EXPECT_EQ(failure.namespace_(), "ghost");
}

TEST_F(ServerTest, VersionFlagPrintsTheVersion) {
  testlib::Process process({testlib::HdoBinary(), "--version"});
  EXPECT_EQ(process.Wait(seconds(30)), 0);
  EXPECT_NE(process.Stdout().find("hdo " + std::string(Version())), std::string::npos)
      << process.Stdout();
}

}  // namespace
}  // namespace hdo
