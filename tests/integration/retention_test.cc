// Goal: retention as a Temporal user sees it. A closed workflow disappears once its namespace's
// retention has passed: Describe and GetWorkflowExecutionHistory answer NOT_FOUND, lists no longer
// show it, and its workflow id can be used again; a running workflow stays. A namespace cannot be
// registered with a retention under the server's minimum (InvalidArgument naming it). A workflow
// closed just before a kill -9 is still removed after the restart, and the removals are counted
// on /metrics. Method: the real binary (`hdo server start-dev`) on port 0 with a temp SQLite
// file, the minimum retention lowered to 1 s and the sweep run every 200 ms through the
// reference's dynamic config keys, the generated C++ stubs.
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <regex>
#include <thread>

#include "temporal/api/workflowservice/v1/service.grpc.pb.h"
#include "testlib/dev_server.h"
#include "testlib/http.h"
#include "testlib/process.h"

namespace hdo {
namespace {

using std::chrono::seconds;
namespace wf = temporal::api::workflowservice::v1;
using Stub = wf::WorkflowService::Stub;

const std::vector<std::string> kShortRetentionFlags = {
    "--dynamic-config-value", "system.namespaceMinRetentionLocal=1s",
    "--dynamic-config-value", "history.retentionTimerJitterDuration=\"200ms\"",
    "--metrics-port",         "0"};

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testlib::MakeTempDir("hdo-retention-test"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Db() const { return dir_ + "/hdo.db"; }

  static std::unique_ptr<Stub> Connect(const std::string& address) {
    return wf::WorkflowService::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  }

  template <class Request, class Response, class Method>
  static grpc::Status Call(Stub& stub, Method method, const Request& request, Response* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + seconds(10));
    return (stub.*method)(&context, request, response);
  }

  static grpc::Status Register(Stub& stub, const std::string& name, int64_t retention_ms) {
    wf::RegisterNamespaceRequest request;
    request.set_namespace_(name);
    request.mutable_workflow_execution_retention_period()->set_seconds(retention_ms / 1000);
    request.mutable_workflow_execution_retention_period()->set_nanos(
        static_cast<int32_t>(retention_ms % 1000) * 1'000'000);
    wf::RegisterNamespaceResponse ignored;
    return Call(stub, &Stub::RegisterNamespace, request, &ignored);
  }

  static std::string Start(Stub& stub, const std::string& ns, const std::string& workflow_id) {
    wf::StartWorkflowExecutionRequest request;
    request.set_namespace_(ns);
    request.set_workflow_id(workflow_id);
    request.mutable_workflow_type()->set_name("Kept");
    request.mutable_task_queue()->set_name("retention");
    request.set_request_id("start-" + workflow_id + "-" + std::to_string(++starts_));
    request.set_workflow_id_reuse_policy(
        temporal::api::enums::v1::WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE);
    wf::StartWorkflowExecutionResponse response;
    grpc::Status status = Call(stub, &Stub::StartWorkflowExecution, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.run_id();
  }

  static void Terminate(Stub& stub, const std::string& ns, const std::string& workflow_id) {
    wf::TerminateWorkflowExecutionRequest request;
    request.set_namespace_(ns);
    request.mutable_workflow_execution()->set_workflow_id(workflow_id);
    request.set_reason("done");
    wf::TerminateWorkflowExecutionResponse ignored;
    grpc::Status status = Call(stub, &Stub::TerminateWorkflowExecution, request, &ignored);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  static grpc::StatusCode DescribeCode(Stub& stub, const std::string& ns,
                                       const std::string& workflow_id) {
    wf::DescribeWorkflowExecutionRequest request;
    request.set_namespace_(ns);
    request.mutable_execution()->set_workflow_id(workflow_id);
    wf::DescribeWorkflowExecutionResponse ignored;
    return Call(stub, &Stub::DescribeWorkflowExecution, request, &ignored).error_code();
  }

  // Waits until Describe answers NOT_FOUND (no bound on how soon is asserted: the loop gives up
  // after 60 s).
  static bool WaitUntilGone(Stub& stub, const std::string& ns, const std::string& workflow_id) {
    for (int i = 0; i < 600; ++i) {
      if (DescribeCode(stub, ns, workflow_id) == grpc::StatusCode::NOT_FOUND) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  static std::vector<std::string> Listed(Stub& stub, const std::string& ns) {
    wf::ListWorkflowExecutionsRequest request;
    request.set_namespace_(ns);
    wf::ListWorkflowExecutionsResponse response;
    EXPECT_TRUE(Call(stub, &Stub::ListWorkflowExecutions, request, &response).ok());
    std::vector<std::string> ids;
    for (const auto& execution : response.executions()) {
      ids.push_back(execution.execution().workflow_id());
    }
    return ids;
  }

  static int64_t RemovedOnMetrics(const testlib::DevServer& server) {
    testlib::HttpResponse response = testlib::HttpGet(server.metrics_port(), "/metrics");
    std::smatch value;
    if (!std::regex_search(response.body, value,
                           std::regex(R"(\nhdo_retention_removed_runs_total (\d+))"))) {
      return -1;
    }
    return std::stoll(value[1]);
  }

  std::string dir_;
  static inline int starts_ = 0;
};

TEST_F(RetentionTest, AClosedWorkflowDisappearsAfterItsNamespacesRetention) {
  testlib::DevServer server(Db(), kShortRetentionFlags);
  ASSERT_TRUE(server.started()) << server.process().Stderr();
  auto stub = Connect(server.address());

  // Under the minimum: refused, nothing registered.
  grpc::Status refused = Register(*stub, "too-short", 500);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(refused.error_message().find("1s"), std::string::npos) << refused.error_message();
  ASSERT_TRUE(Register(*stub, "short", 2000).ok());

  const std::string closed_run = Start(*stub, "short", "closed");
  Terminate(*stub, "short", "closed");
  Start(*stub, "short", "open");
  // Just closed: still there.
  EXPECT_EQ(DescribeCode(*stub, "short", "closed"), grpc::StatusCode::OK);

  ASSERT_TRUE(WaitUntilGone(*stub, "short", "closed"));
  wf::GetWorkflowExecutionHistoryRequest history;
  history.set_namespace_("short");
  history.mutable_execution()->set_workflow_id("closed");
  history.mutable_execution()->set_run_id(closed_run);
  wf::GetWorkflowExecutionHistoryResponse ignored;
  EXPECT_EQ(Call(*stub, &Stub::GetWorkflowExecutionHistory, history, &ignored).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Listed(*stub, "short"), std::vector<std::string>{"open"});
  EXPECT_EQ(DescribeCode(*stub, "short", "open"), grpc::StatusCode::OK);
  // The workflow id is free again, even under REJECT_DUPLICATE.
  EXPECT_FALSE(Start(*stub, "short", "closed").empty());
  EXPECT_EQ(RemovedOnMetrics(server), 1);
  // The default namespace (a day's retention) keeps its closed workflows.
  Start(*stub, "default", "kept");
  Terminate(*stub, "default", "kept");
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(DescribeCode(*stub, "default", "kept"), grpc::StatusCode::OK);
}

TEST_F(RetentionTest, AWorkflowClosedBeforeAKillIsRemovedAfterTheRestart) {
  {
    testlib::DevServer server(Db(), kShortRetentionFlags);
    ASSERT_TRUE(server.started()) << server.process().Stderr();
    auto stub = Connect(server.address());
    ASSERT_TRUE(Register(*stub, "short", 1000).ok());
    Start(*stub, "short", "closed-then-killed");
    Terminate(*stub, "short", "closed-then-killed");
    server.process().Signal(SIGKILL);
    server.process().Wait(seconds(10));
  }
  testlib::DevServer restarted(Db(), kShortRetentionFlags);
  ASSERT_TRUE(restarted.started()) << restarted.process().Stderr();
  auto stub = Connect(restarted.address());
  ASSERT_TRUE(WaitUntilGone(*stub, "short", "closed-then-killed"));
  EXPECT_TRUE(Listed(*stub, "short").empty());
  EXPECT_EQ(RemovedOnMetrics(restarted), 1);
}

TEST_F(RetentionTest, ABadRetentionSettingIsRefusedWithTheFix) {
  testlib::Process process({testlib::HdoBinary(), "server", "start-dev", "--port", "0",
                            "--db-filename", Db(), "--dynamic-config-value",
                            "history.retentionTimerJitterDuration=soon"});
  EXPECT_EQ(process.Wait(seconds(30)), 2);
  EXPECT_NE(process.Stderr().find("history.retentionTimerJitterDuration takes a duration such as "
                                  "\"1s\""),
            std::string::npos)
      << process.Stderr();
}

}  // namespace
}  // namespace hdo
