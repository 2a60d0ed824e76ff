// Goal: WorkerHost runs its workers as a deployment expects: /healthz says 200 with every worker
// listed while they run and 503 once one stopped; SIGTERM (or Stop) shuts them down and Run
// returns; /metrics serves the workflow.* metrics of the runs it ran; the default identity comes
// from the deployment context. Method: a real
// `hdo server start-dev`, the host's health endpoint on a free port read over plain HTTP.
#include "hdo/worker_host.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "hdo/client.h"
#include "hdo/workflow.h"
#include "testlib/dev_server.h"
#include "testlib/http.h"
#include "testlib/process.h"

namespace hdo {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class WorkerHostTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testlib::MakeTempDir("hdo-sdk-host-test"));
    server_ = new testlib::DevServer(*dir_ + "/hdo.db");
  }
  static void TearDownTestSuite() {
    delete server_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override {
    ASSERT_TRUE(server_->started()) << server_->process().Stderr();
    ConnectionOptions options;
    options.address = server_->address();
    auto connection = Connection::Connect(options);
    ASSERT_TRUE(connection.IsSuccess()) << connection.Error().ToString();
    connection_ = connection.Value();
  }
  std::unique_ptr<Worker> MakeWorker(const std::string& task_queue) {
    WorkerOptions options;
    options.task_queue = task_queue;
    options.identity = "host-test@" + task_queue;
    auto worker = std::make_unique<Worker>(connection_, "default", options);
    worker->RegisterActivity("Noop", [] {});
    return worker;
  }

  static std::string* dir_;
  static testlib::DevServer* server_;
  std::shared_ptr<Connection> connection_;
};

std::string* WorkerHostTest::dir_ = nullptr;
testlib::DevServer* WorkerHostTest::server_ = nullptr;

TEST_F(WorkerHostTest, HealthIs200WithEveryWorkerListedAnd503AfterOneStops) {
  WorkerHostOptions options;
  options.health_port = 0;
  options.health_address = "127.0.0.1";
  options.handle_signals = false;
  WorkerHost host(options);
  auto first = MakeWorker("host-orders");
  Worker* orders = first.get();
  host.Add(std::move(first));
  host.Add(MakeWorker("host-billing"));
  hugo::Result<hugo::Unit> result = hugo::Ok();
  std::thread runner([&] { result = host.Run(); });
  ASSERT_TRUE(host.WaitUntilServing(seconds(30)));
  ASSERT_GT(host.health_port(), 0);

  testlib::HttpResponse healthy = testlib::HttpGet(host.health_port(), "/healthz");
  EXPECT_EQ(healthy.status_line, "HTTP/1.1 200 OK") << healthy.body;
  nlohmann::json body = nlohmann::json::parse(healthy.body);
  EXPECT_EQ(body["status"], "serving");
  ASSERT_EQ(body["workers"].size(), 2u);
  EXPECT_EQ(body["workers"][0]["task_queue"], "host-orders");
  EXPECT_EQ(body["workers"][0]["identity"], "host-test@host-orders");
  EXPECT_EQ(body["workers"][0]["running"], true);
  EXPECT_EQ(body["workers"][1]["task_queue"], "host-billing");
  EXPECT_EQ(testlib::HttpGet(host.health_port(), "/nope").status_line, "HTTP/1.1 404 Not Found");

  orders->Shutdown();
  testlib::HttpResponse unhealthy = testlib::HttpGet(host.health_port(), "/healthz");
  EXPECT_EQ(unhealthy.status_line, "HTTP/1.1 503 Service Unavailable") << unhealthy.body;
  body = nlohmann::json::parse(unhealthy.body);
  EXPECT_EQ(body["status"], "not_serving");
  EXPECT_EQ(body["workers"][0]["running"], false);
  EXPECT_EQ(body["workers"][1]["running"], true);

  host.Stop();
  runner.join();
  EXPECT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(host.health_port(), -1);
}

Workflow<std::string> Hello(WorkflowContext, std::string name) { co_return "Hello, " + name; }

TEST_F(WorkerHostTest, MetricsServesTheWorkflowMetricsOfTheRunsThisProcessRan) {
  WorkerHostOptions options;
  options.health_port = 0;
  options.health_address = "127.0.0.1";
  options.handle_signals = false;
  WorkerHost host(options);
  auto worker = MakeWorker("host-metrics");
  worker->RegisterWorkflow("HostHello", &Hello);
  host.Add(std::move(worker));
  hugo::Result<hugo::Unit> result = hugo::Ok();
  std::thread runner([&] { result = host.Run(); });
  ASSERT_TRUE(host.WaitUntilServing(seconds(30)));

  Client client(connection_);
  StartWorkflowOptions start;
  start.id = "host-metrics-hello";
  start.task_queue = "host-metrics";
  auto greeting = client.ExecuteWorkflow<std::string>("HostHello", start, std::string("Ada"));
  ASSERT_TRUE(greeting.IsSuccess()) << greeting.Error().ToString();
  EXPECT_EQ(greeting.Value(), "Hello, Ada");

  testlib::HttpResponse metrics = testlib::HttpGet(host.health_port(), "/metrics");
  EXPECT_EQ(metrics.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(metrics.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics.body.find("# TYPE workflow_completed_workflows_total counter\n"),
            std::string::npos)
      << metrics.body;
  // The completed run's series: its id and task queue as labels, counted once.
  const size_t line = metrics.body.find("workflow_completed_workflows_total{");
  ASSERT_NE(line, std::string::npos) << metrics.body;
  const std::string series = metrics.body.substr(line, metrics.body.find('\n', line) - line);
  EXPECT_NE(series.find("workflow_id=\"host-metrics-hello\""), std::string::npos) << series;
  EXPECT_NE(series.find("workflow_task_queue=\"host-metrics\""), std::string::npos) << series;
  EXPECT_EQ(series.substr(series.rfind(' ') + 1), "1") << series;
  EXPECT_NE(metrics.body.find("# TYPE workflow_duration_milliseconds summary\n"),
            std::string::npos);

  host.Stop();
  runner.join();
  EXPECT_TRUE(result.IsSuccess()) << result.Error().ToString();
}

TEST_F(WorkerHostTest, SigtermShutsEveryWorkerDownAndRunReturns) {
  WorkerHostOptions options;
  options.handle_signals = true;
  WorkerHost host(options);
  auto worker = MakeWorker("host-signal");
  Worker* raw = worker.get();
  host.Add(std::move(worker));
  hugo::Result<hugo::Unit> result = hugo::Ok();
  std::thread runner([&] { result = host.Run(); });
  ASSERT_TRUE(host.WaitUntilServing(seconds(30)));  // the handlers are installed by now
  EXPECT_TRUE(raw->running());
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  runner.join();
  EXPECT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_FALSE(raw->running());
}

TEST_F(WorkerHostTest, AWorkerThatCannotStartIsTheErrorOfRun) {
  WorkerHostOptions options;
  options.handle_signals = false;
  WorkerHost host(options);
  host.Add(std::make_unique<Worker>(connection_, "default", WorkerOptions{}));  // no task queue
  auto result = host.Run();
  ASSERT_TRUE(result.IsFailure());
  EXPECT_NE(result.Error().Message().find("task_queue"), std::string::npos);
  EXPECT_FALSE(host.WaitUntilServing(milliseconds(0)));
}

// Restores an environment variable when the test ends.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value == nullptr) {
      ::unsetenv(name);
    } else {
      ::setenv(name, value, 1);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::string HostName() {
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  return host;
}

TEST(DeploymentIdentityTest, IsPidAtHostWithoutADeploymentContext) {
  ScopedEnv cluster("HDO_CLUSTER", nullptr), region("HDO_REGION", nullptr),
      pod("POD_NAME", nullptr);
  EXPECT_EQ(WorkerHost::DeploymentIdentity(), std::to_string(::getpid()) + "@" + HostName());
}

TEST(DeploymentIdentityTest, NamesClusterRegionAndPodWhenTheDeploymentSetsThem) {
  ScopedEnv cluster("HDO_CLUSTER", "prod-eu"), region("HDO_REGION", "eu-west-1"),
      pod("POD_NAME", "payments-7d9f");
  EXPECT_EQ(WorkerHost::DeploymentIdentity(),
            "prod-eu/eu-west-1/payments-7d9f@" + HostName() + ":" + std::to_string(::getpid()));
  ScopedEnv no_region("HDO_REGION", nullptr);
  EXPECT_EQ(WorkerHost::DeploymentIdentity(),
            "prod-eu/payments-7d9f@" + HostName() + ":" + std::to_string(::getpid()));
}

TEST(DeploymentIdentityTest, IsTheDefaultWorkerIdentity) {
  ScopedEnv pod("POD_NAME", "pod-1");
  Worker worker(nullptr, "default", WorkerOptions{});
  EXPECT_EQ(worker.identity(), WorkerHost::DeploymentIdentity());
}

}  // namespace
}  // namespace hdo
