// Goal: `hdo server start --config hdo.yaml` runs the server the file describes (flags override
// it), a bad file is one line on stderr and exit code 2, and the health probes answer on the
// metrics listener: GET /healthz 200 "ok", GET /readyz 200 with a JSON report of the store, the
// history shards, the timer queue lag and the task backlog per queue, and 503 naming the failing
// check when a queue's backlog passes health.task_backlog_max. Method: the real binary on free
// ports with a temp SQLite file; workflows started over gRPC with no worker, so that their tasks
// wait in matching; /readyz read over a plain socket until it reports them (with a deadline).
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "temporal/api/workflowservice/v1/service.grpc.pb.h"
#include "testlib/dev_server.h"
#include "testlib/http.h"
#include "testlib/process.h"

namespace hdo {
namespace {

using nlohmann::json;
using std::chrono::seconds;
namespace wf = temporal::api::workflowservice::v1;

class HealthTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testlib::MakeTempDir("hdo-health-test"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes hdo.yaml with `text` and returns its path.
  std::string WriteConfig(const std::string& text) const {
    std::string path = dir_ + "/hdo.yaml";
    std::ofstream(path) << text;
    return path;
  }
  std::string dir_;
};

// A `hdo server start --config` process, waited for until it logs "server started".
struct ConfiguredServer {
  ConfiguredServer(const std::string& config, std::vector<std::string> flags) {
    std::vector<std::string> argv = {testlib::HdoBinary(), "server", "start", "--config", config};
    argv.insert(argv.end(), flags.begin(), flags.end());
    process = std::make_unique<testlib::Process>(argv);
    static const std::regex kStarted(
        R"(msg="server started".* grpc_address=([^ ]+).* metrics_url=http://[^ ]*:(\d+)/metrics)");
    auto match = process->WaitForStderr(kStarted, seconds(60));
    if (!match) return;
    address = (*match)[1];
    metrics_port = std::stoi((*match)[2]);
  }
  std::unique_ptr<testlib::Process> process;
  std::string address;
  int metrics_port = 0;
};

void StartWorkflow(const std::string& address, const std::string& queue, const std::string& id) {
  auto stub = wf::WorkflowService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + seconds(10));
  wf::StartWorkflowExecutionRequest request;
  request.set_namespace_("default");
  request.set_workflow_id(id);
  request.mutable_workflow_type()->set_name("Health");
  request.mutable_task_queue()->set_name(queue);
  request.set_request_id(id + "-request");
  wf::StartWorkflowExecutionResponse response;
  grpc::Status status = stub->StartWorkflowExecution(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
}

// GET /readyz until `condition` holds for its status and body, or 30 s pass; the last response.
testlib::HttpResponse AwaitReadyz(
    int port, const std::function<bool(const testlib::HttpResponse&)>& condition) {
  auto deadline = std::chrono::steady_clock::now() + seconds(30);
  testlib::HttpResponse response = testlib::HttpGet(port, "/readyz");
  while (!condition(response) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a condition
    response = testlib::HttpGet(port, "/readyz");
  }
  return response;
}

TEST_F(HealthTest, AConfiguredServerAnswersLivenessAndReadinessOnItsMetricsPort) {
  // The file's ports are overridden by the flags (7233 and 9090 may be taken on a test machine).
  std::string config = WriteConfig(
      "server:\n  port: 7233\n  metrics_port: 9090\n"
      "persistence:\n  store: sqlite\n  sqlite:\n    path: " +
      dir_ +
      "/data/hdo.db\nnamespaces:\n  - name: default\n"
      "    retention: 72h\n");
  ConfiguredServer server(config, {"--port", "0", "--metrics-port", "0", "--http-port", "0"});
  ASSERT_FALSE(server.address.empty()) << server.process->Stderr();
  // The banner follows the start log line.
  auto banner = server.process->WaitForStdout(std::regex(R"(Health probes +(.*))"), seconds(30));
  ASSERT_TRUE(banner.has_value()) << server.process->Stdout();
  EXPECT_EQ((*banner)[1], "http://127.0.0.1:" + std::to_string(server.metrics_port) +
                              "/healthz http://127.0.0.1:" + std::to_string(server.metrics_port) +
                              "/readyz");
  EXPECT_NE(server.process->Stdout().find("SQLite database    " + dir_ + "/data/hdo.db"),
            std::string::npos)
      << server.process->Stdout();

  testlib::HttpResponse live = testlib::HttpGet(server.metrics_port, "/healthz");
  EXPECT_EQ(live.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(live.body, "ok\n");

  testlib::HttpResponse ready = testlib::HttpGet(server.metrics_port, "/readyz");
  EXPECT_EQ(ready.status_line, "HTTP/1.1 200 OK") << ready.body;
  EXPECT_EQ(ready.headers["content-type"], "application/json");
  json body = json::parse(ready.body);
  EXPECT_EQ(body["status"], "ready");
  EXPECT_EQ(body["checks"]["store"]["ok"], true);
  EXPECT_TRUE(body["checks"]["store"]["latency_ms"].is_number());
  EXPECT_EQ(body["checks"]["history_shards"]["owned"], 1);
  EXPECT_EQ(body["checks"]["history_shards"]["total"], 1);
  EXPECT_EQ(body["checks"]["timer_queue"]["ok"], true);
  EXPECT_EQ(body["checks"]["timer_queue"]["lag_max_ms"], 30000);
  EXPECT_TRUE(body["checks"]["task_backlog"]["queues"].is_array());

  server.process->Signal(SIGTERM);
  EXPECT_EQ(server.process->Wait(seconds(30)), 0) << server.process->Stderr();
}

TEST_F(HealthTest, ReadyzReportsTheBacklogPerQueueAndIsNotReadyPastTheLimit) {
  std::string config = WriteConfig(
      "server: {port: 0, metrics_port: 0, http_port: 0}\n"
      "persistence: {sqlite: {path: " +
      dir_ +
      "/hdo.db}}\n"
      "health: {task_backlog_max: 1}\n");
  ConfiguredServer server(config, {});
  ASSERT_FALSE(server.address.empty()) << server.process->Stderr();
  EXPECT_EQ(testlib::HttpGet(server.metrics_port, "/readyz").status_line, "HTTP/1.1 200 OK");

  StartWorkflow(server.address, "health-queue", "health-1");
  testlib::HttpResponse one = AwaitReadyz(server.metrics_port, [](const auto& response) {
    return response.body.find("health-queue") != std::string::npos;
  });
  EXPECT_EQ(one.status_line, "HTTP/1.1 200 OK") << one.body;
  json queue = json::parse(one.body)["checks"]["task_backlog"]["queues"][0];
  EXPECT_EQ(queue, json({{"namespace", "default"},
                         {"task_queue", "health-queue"},
                         {"task_type", "workflow"},
                         {"tasks", 1}}));

  StartWorkflow(server.address, "health-queue", "health-2");
  testlib::HttpResponse two = AwaitReadyz(server.metrics_port, [](const auto& response) {
    return response.status_line.find("503") != std::string::npos;
  });
  EXPECT_EQ(two.status_line, "HTTP/1.1 503 Service Unavailable") << two.body;
  json body = json::parse(two.body);
  EXPECT_EQ(body["status"], "not_ready");
  EXPECT_EQ(body["failing"], json({"task_backlog"}));
  EXPECT_EQ(body["checks"]["task_backlog"]["queues"][0]["tasks"], 2);
}

TEST_F(HealthTest, StartDevServesTheProbesToo) {
  testlib::DevServer server(dir_ + "/hdo.db", {"--metrics-port", "0"});
  ASSERT_TRUE(server.started()) << server.process().Stderr();
  EXPECT_EQ(testlib::HttpGet(server.metrics_port(), "/healthz").body, "ok\n");
  testlib::HttpResponse ready = testlib::HttpGet(server.metrics_port(), "/readyz");
  EXPECT_EQ(ready.status_line, "HTTP/1.1 200 OK") << ready.body;
  EXPECT_EQ(json::parse(ready.body)["status"], "ready");
}

TEST_F(HealthTest, ABadConfigurationIsOneLineAndExitCode2) {
  struct Case {
    std::string yaml;  // empty: no file at all
    std::string words;
  };
  std::vector<Case> cases = {
      {"", "cannot read configuration file"},
      {"persistence:\n  poolsize: 4\n", "hdo.yaml:2: persistence.poolsize: unknown key"},
      {"server:\n  port: 70000\n",
       "server.port: '70000' is not in range: give an integer 0..65535"},
      {"persistence:\n  dsn: postgres://hdo:${HDO_TEST_UNSET_PASSWORD}@db/hdo\n",
       "environment variable HDO_TEST_UNSET_PASSWORD is not set"},
      {"persistence:\n  store: mysql\n", "persistence.dsn: is required for store mysql"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.yaml);
    std::string path = c.yaml.empty() ? dir_ + "/missing.yaml" : WriteConfig(c.yaml);
    testlib::Process process({testlib::HdoBinary(), "server", "start", "--config", path});
    EXPECT_EQ(process.Wait(seconds(30)), 2) << process.Stderr();
    std::string stderr_text = process.Stderr();
    EXPECT_EQ(std::count(stderr_text.begin(), stderr_text.end(), '\n'), 1) << stderr_text;
    EXPECT_EQ(stderr_text.rfind("hdo: error: ", 0), 0u) << stderr_text;
    EXPECT_NE(stderr_text.find(c.words), std::string::npos) << stderr_text;
  }
}

}  // namespace
}  // namespace hdo
