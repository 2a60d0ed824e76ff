// Goal: the calls served on gRPC's completion-queue API (frontend/async_unary.h) keep the
// callback API's contract: a parked poll whose client goes away ends on the server at once (the
// matcher forgets it, so no task is handed to nobody), and the next poll takes the task; a
// waiting result poll whose client goes away ends too; a call refused on its way in (too large)
// and a call answered with an error finish like any other; the server stops with calls parked.
// Method: a real Server in this process on free ports and a temp SQLite file, gRPC stubs; the
// parked polls counted on /metrics (hdo_matching_pollers_waiting), awaited with a deadline.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <sstream>
#include <string>
#include <thread>

#include "server/server.h"
#include "temporal/api/workflowservice/v1/service.grpc.pb.h"
#include "testlib/http.h"
#include "testlib/process.h"

namespace hdo::server {
namespace {

namespace wf = temporal::api::workflowservice::v1;

class AsyncCallsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testlib::MakeTempDir("hdo-async-calls-test");
    Server::Options options;
    options.port = 0;
    options.metrics_port = 0;
    options.db_filename = dir_ + "/hdo.db";
    server_ = std::make_unique<Server>(options);
    ASSERT_TRUE(server_->Start().IsSuccess());
    stub_ = wf::WorkflowService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(server_->BoundPort()), grpc::InsecureChannelCredentials()));
    wf::RegisterNamespaceRequest request;
    request.set_namespace_(kNamespace);
    request.mutable_workflow_execution_retention_period()->set_seconds(86400);
    wf::RegisterNamespaceResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->RegisterNamespace(&context, request, &response).ok());
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  // hdo_matching_pollers_waiting of the workflow queue `queue` (0 when not yet exported).
  double PollersWaiting(const std::string& queue) {
    std::istringstream lines(testlib::HttpGet(server_->MetricsPort(), "/metrics").body);
    std::string line;
    const std::string label = "task_queue=\"" + queue + "\"";
    while (std::getline(lines, line)) {
      if (line.rfind("hdo_matching_pollers_waiting{", 0) == 0 &&
          line.find(label) != std::string::npos &&
          line.find("task_type=\"Workflow\"") != std::string::npos) {
        return std::stod(line.substr(line.rfind(' ') + 1));
      }
    }
    return 0;
  }
  // Waits up to 30 s for PollersWaiting(queue) == `count`; the last value read.
  double AwaitPollersWaiting(const std::string& queue, double count) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    double now = PollersWaiting(queue);
    while (now != count && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a condition
      now = PollersWaiting(queue);
    }
    return now;
  }

  wf::PollWorkflowTaskQueueRequest Poll(const std::string& queue) const {
    wf::PollWorkflowTaskQueueRequest request;
    request.set_namespace_(kNamespace);
    request.mutable_task_queue()->set_name(queue);
    request.set_identity("async-calls-test");
    return request;
  }
  wf::StartWorkflowExecutionRequest Start(const std::string& id, const std::string& queue) const {
    wf::StartWorkflowExecutionRequest request;
    request.set_namespace_(kNamespace);
    request.set_workflow_id(id);
    request.mutable_workflow_type()->set_name("Parked");
    request.mutable_task_queue()->set_name(queue);
    request.set_request_id(id + "-request");
    return request;
  }

  static constexpr const char* kNamespace = "async-calls";
  std::string dir_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<wf::WorkflowService::Stub> stub_;
};

TEST_F(AsyncCallsTest, APollWhoseClientWentAwayEndsAndTheNextPollTakesTheTask) {
  const std::string queue = "went-away";
  grpc::ClientContext gone_context;
  gone_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  wf::PollWorkflowTaskQueueResponse gone_response;
  auto gone = std::async(std::launch::async, [&] {
    return stub_->PollWorkflowTaskQueue(&gone_context, Poll(queue), &gone_response);
  });
  ASSERT_EQ(AwaitPollersWaiting(queue, 1), 1) << "the first poll never parked";

  gone_context.TryCancel();
  EXPECT_EQ(gone.get().error_code(), grpc::StatusCode::CANCELLED);
  // The server noticed: the poll is no longer parked, long before its 59 s window.
  EXPECT_EQ(AwaitPollersWaiting(queue, 0), 0) << "the cancelled poll stayed parked";

  wf::StartWorkflowExecutionResponse started;
  grpc::ClientContext start_context;
  ASSERT_TRUE(
      stub_->StartWorkflowExecution(&start_context, Start("wf-went-away", queue), &started).ok());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  wf::PollWorkflowTaskQueueResponse task;
  ASSERT_TRUE(stub_->PollWorkflowTaskQueue(&context, Poll(queue), &task).ok());
  EXPECT_EQ(task.workflow_execution().workflow_id(), "wf-went-away");
  EXPECT_EQ(task.workflow_execution().run_id(), started.run_id());
  EXPECT_FALSE(task.task_token().empty());
}

TEST_F(AsyncCallsTest, AResultPollWhoseClientWentAwayEndsOnTheClientsSide) {
  wf::StartWorkflowExecutionResponse started;
  grpc::ClientContext start_context;
  ASSERT_TRUE(
      stub_->StartWorkflowExecution(&start_context, Start("wf-result", "result-queue"), &started)
          .ok());
  wf::GetWorkflowExecutionHistoryRequest request;
  request.set_namespace_(kNamespace);
  request.mutable_execution()->set_workflow_id("wf-result");
  request.set_wait_new_event(true);
  request.set_history_event_filter_type(
      temporal::api::enums::v1::HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT);
  grpc::ClientContext context;
  wf::GetWorkflowExecutionHistoryResponse response;
  auto waiting = std::async(std::launch::async, [&] {
    return stub_->GetWorkflowExecutionHistory(&context, request, &response);
  });
  // The wait is parked once the start's task is not answered; cancelling ends it either way.
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  context.TryCancel();
  EXPECT_EQ(waiting.get().error_code(), grpc::StatusCode::CANCELLED);
  // The server goes on serving the same method.
  wf::GetWorkflowExecutionHistoryRequest now;
  now.set_namespace_(kNamespace);
  now.mutable_execution()->set_workflow_id("wf-result");
  grpc::ClientContext now_context;
  wf::GetWorkflowExecutionHistoryResponse history;
  ASSERT_TRUE(stub_->GetWorkflowExecutionHistory(&now_context, now, &history).ok());
  ASSERT_GE(history.history().events_size(), 2);
  EXPECT_EQ(history.history().events(0).event_type(),
            temporal::api::enums::v1::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
}

TEST_F(AsyncCallsTest, RefusedAndFailedCallsAreAnsweredWithTheirErrors) {
  // Too large: refused before it reaches the engine, in grpc-go's words.
  wf::StartWorkflowExecutionRequest large = Start("wf-large", "errors");
  large.mutable_input()->add_payloads()->set_data(std::string(5 * 1024 * 1024, 'x'));
  grpc::ClientContext large_context;
  wf::StartWorkflowExecutionResponse response;
  grpc::Status refused = stub_->StartWorkflowExecution(&large_context, large, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(refused.error_message().find("larger than max"), std::string::npos)
      << refused.error_message();
  // Invalid: InvalidArgument from the engine thread's validation.
  wf::StartWorkflowExecutionRequest invalid = Start("", "errors");
  grpc::ClientContext invalid_context;
  grpc::Status bad = stub_->StartWorkflowExecution(&invalid_context, invalid, &response);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(bad.error_message().empty());
  // A completion with a token of nothing.
  wf::RespondWorkflowTaskCompletedRequest completion;
  completion.set_namespace_(kNamespace);
  completion.set_task_token("not a token");
  grpc::ClientContext completion_context;
  wf::RespondWorkflowTaskCompletedResponse completed;
  grpc::Status unknown =
      stub_->RespondWorkflowTaskCompleted(&completion_context, completion, &completed);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << unknown.error_message();
}

TEST_F(AsyncCallsTest, TheServerStopsWithPollsParked) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  wf::PollWorkflowTaskQueueResponse response;
  auto parked = std::async(std::launch::async, [&] {
    return stub_->PollWorkflowTaskQueue(&context, Poll("parked-at-stop"), &response);
  });
  ASSERT_EQ(AwaitPollersWaiting("parked-at-stop", 1), 1);
  server_->Shutdown();
  // Answered (empty, as at the end of its window) or cut off, but not left hanging.
  grpc::Status status = parked.get();
  if (status.ok()) {
    EXPECT_TRUE(response.task_token().empty());
  }
  server_.reset();
}

}  // namespace
}  // namespace hdo::server
