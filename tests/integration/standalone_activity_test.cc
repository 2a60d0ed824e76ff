// Goal: standalone activities over gRPC as an SDK reaches them: a client starts one, a worker
// polls and completes it, the client's PollActivityExecution gets the result; a second start of
// a running id is ALREADY_EXISTS with ActivityExecutionAlreadyStartedFailure as its detail; lists
// of activities find it and lists of workflows do not; and what a start acknowledged survives a
// kill -9. Method: the real binary (`hdo server start-dev`) on port 0 with a temp SQLite file,
// the generated C++ stubs.
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "google/rpc/status.pb.h"
#include "temporal/api/errordetails/v1/message.pb.h"
#include "temporal/api/workflowservice/v1/service.grpc.pb.h"
#include "testlib/dev_server.h"
#include "testlib/process.h"

namespace hdo {
namespace {

using std::chrono::seconds;
namespace wf = temporal::api::workflowservice::v1;
using Stub = wf::WorkflowService::Stub;

class StandaloneActivityTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testlib::MakeTempDir("hdo-standalone-activity-test"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Db() const { return dir_ + "/hdo.db"; }

  static std::unique_ptr<Stub> Connect(const std::string& address) {
    return wf::WorkflowService::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  }

  template <class Request, class Response, class Method>
  static grpc::Status Call(Stub& stub, Method method, const Request& request, Response* response,
                           int deadline_seconds = 10) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + seconds(deadline_seconds));
    return (stub.*method)(&context, request, response);
  }

  static wf::StartActivityExecutionRequest Start(const std::string& id) {
    wf::StartActivityExecutionRequest request;
    request.set_namespace_("default");
    request.set_activity_id(id);
    request.mutable_activity_type()->set_name("Echo");
    request.mutable_task_queue()->set_name("activities");
    request.mutable_start_to_close_timeout()->set_seconds(30);
    request.set_request_id("start-" + id);
    auto* payload = request.mutable_input()->add_payloads();
    (*payload->mutable_metadata())["encoding"] = "json/plain";
    payload->set_data("\"hello\"");
    return request;
  }

  // A worker's poll and completion: echoes the input.
  static void RunOneTask(Stub& stub) {
    wf::PollActivityTaskQueueRequest poll;
    poll.set_namespace_("default");
    poll.mutable_task_queue()->set_name("activities");
    poll.set_identity("worker");
    wf::PollActivityTaskQueueResponse task;
    ASSERT_TRUE(Call(stub, &Stub::PollActivityTaskQueue, poll, &task, 20).ok());
    ASSERT_FALSE(task.task_token().empty());
    EXPECT_TRUE(task.workflow_execution().workflow_id().empty());
    EXPECT_FALSE(task.activity_run_id().empty());
    wf::RespondActivityTaskCompletedRequest done;
    done.set_namespace_("default");
    done.set_task_token(task.task_token());
    *done.mutable_result() = task.input();
    wf::RespondActivityTaskCompletedResponse ignored;
    ASSERT_TRUE(Call(stub, &Stub::RespondActivityTaskCompleted, done, &ignored).ok());
  }

  static wf::PollActivityExecutionResponse Outcome(Stub& stub, const std::string& id) {
    wf::PollActivityExecutionRequest request;
    request.set_namespace_("default");
    request.set_activity_id(id);
    wf::PollActivityExecutionResponse response;
    grpc::Status status = Call(stub, &Stub::PollActivityExecution, request, &response, 20);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  std::string dir_;
};

TEST_F(StandaloneActivityTest, AClientStartsOneAWorkerRunsItAndTheClientGetsTheResult) {
  testlib::DevServer server(Db());
  ASSERT_TRUE(server.started()) << server.process().Stderr();
  auto stub = Connect(server.address());

  wf::StartActivityExecutionResponse started;
  grpc::Status status = Call(*stub, &Stub::StartActivityExecution, Start("echo-1"), &started);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(started.started());
  EXPECT_EQ(started.link().activity().activity_id(), "echo-1");

  // A second start of the running id: AlreadyExists, its detail naming the run.
  auto second = Start("echo-1");
  second.set_request_id("another");
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + seconds(10));
  wf::StartActivityExecutionResponse ignored;
  status = stub->StartActivityExecution(&context, second, &ignored);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(status.error_message(), "activity execution already started");
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_GE(details.details_size(), 1);
  temporal::api::errordetails::v1::ActivityExecutionAlreadyStartedFailure failure;
  ASSERT_TRUE(details.details(0).UnpackTo(&failure));
  EXPECT_EQ(failure.run_id(), started.run_id());
  EXPECT_EQ(failure.start_request_id(), "start-echo-1");

  // Bad input is InvalidArgument and starts nothing.
  auto bad = Start("echo-2");
  bad.clear_start_to_close_timeout();
  status = Call(*stub, &Stub::StartActivityExecution, bad, &ignored);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "a valid StartToCloseTimeout or ScheduleToCloseTimeout must be set on the activity. "
            "ActivityId=echo-2 ActivityType=Echo");

  RunOneTask(*stub);
  auto outcome = Outcome(*stub, "echo-1");
  ASSERT_TRUE(outcome.has_outcome());
  EXPECT_EQ(outcome.outcome().result().payloads(0).data(), "\"hello\"");

  // Lists of activities find it, closed; lists of workflows do not.
  wf::ListActivityExecutionsRequest list;
  list.set_namespace_("default");
  list.set_query("ActivityId = 'echo-1' AND ExecutionStatus = 'Completed'");
  wf::ListActivityExecutionsResponse listed;
  ASSERT_TRUE(Call(*stub, &Stub::ListActivityExecutions, list, &listed).ok());
  ASSERT_EQ(listed.executions_size(), 1);
  EXPECT_EQ(listed.executions(0).activity_type().name(), "Echo");
  EXPECT_EQ(listed.executions(0).status(),
            temporal::api::enums::v1::ACTIVITY_EXECUTION_STATUS_COMPLETED);
  wf::ListWorkflowExecutionsRequest workflows;
  workflows.set_namespace_("default");
  wf::ListWorkflowExecutionsResponse none;
  ASSERT_TRUE(Call(*stub, &Stub::ListWorkflowExecutions, workflows, &none).ok());
  EXPECT_EQ(none.executions_size(), 0);
  wf::CountActivityExecutionsRequest count;
  count.set_namespace_("default");
  count.set_query("GROUP BY ExecutionStatus");
  wf::CountActivityExecutionsResponse counted;
  ASSERT_TRUE(Call(*stub, &Stub::CountActivityExecutions, count, &counted).ok());
  EXPECT_EQ(counted.count(), 1);
  ASSERT_EQ(counted.groups_size(), 1);
  EXPECT_EQ(counted.groups(0).group_values(0).data(), "\"Completed\"");
}

TEST_F(StandaloneActivityTest, AnAcknowledgedStartSurvivesAKillAndRunsAfterTheRestart) {
  std::string run_id;
  {
    testlib::DevServer server(Db());
    ASSERT_TRUE(server.started()) << server.process().Stderr();
    auto stub = Connect(server.address());
    wf::StartActivityExecutionResponse started;
    ASSERT_TRUE(Call(*stub, &Stub::StartActivityExecution, Start("durable"), &started).ok());
    run_id = started.run_id();
    server.process().Signal(SIGKILL);
    server.process().Wait(seconds(10));
  }
  testlib::DevServer restarted(Db());
  ASSERT_TRUE(restarted.started()) << restarted.process().Stderr();
  auto stub = Connect(restarted.address());
  wf::DescribeActivityExecutionRequest describe;
  describe.set_namespace_("default");
  describe.set_activity_id("durable");
  wf::DescribeActivityExecutionResponse described;
  ASSERT_TRUE(Call(*stub, &Stub::DescribeActivityExecution, describe, &described).ok());
  EXPECT_EQ(described.run_id(), run_id);
  EXPECT_EQ(described.info().status(), temporal::api::enums::v1::ACTIVITY_EXECUTION_STATUS_RUNNING);
  RunOneTask(*stub);  // its task was recovered and reaches a worker
  auto outcome = Outcome(*stub, "durable");
  ASSERT_TRUE(outcome.has_outcome());
  EXPECT_EQ(outcome.outcome().result().payloads(0).data(), "\"hello\"");
}

}  // namespace
}  // namespace hdo
