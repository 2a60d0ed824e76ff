// Goal: the engine's update bookkeeping that the SDK suites see only from outside: a speculative
// workflow task that writes nothing when the worker rejects the update, acceptance and completion
// events with the waiter answered after the commit, deduplication by update id, and what a
// restart keeps (accepted updates) and loses (admitted ones). Method: a real engine and matcher
// on a real SQLite file, a clock the test moves, tasks taken through matching as a worker would.
#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <optional>

#include "common/error_codes.h"
#include "history/engine.h"
#include "history/engine_test_fixture.h"
#include "history/time_util.h"
#include "persistence/sqlite/execution_store.h"
#include "persistence/sqlite/test_database.h"

namespace hdo::history {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
namespace hist = temporal::api::history::v1;
namespace update = temporal::api::update::v1;

class EngineUpdateTest : public test_support::EngineHarness {
 protected:
  EngineUpdateTest() : EngineHarness("hdo-engine-update") { Restart(); }

  // A new engine on the same store, recovered: what was only in memory is gone.
  void Restart() {
    RestartEngine();
    ASSERT_TRUE(engine_->Recover().IsSuccess());
  }

  void Start(const std::string& workflow_id) {
    wf::StartWorkflowExecutionRequest request;
    request.set_workflow_id(workflow_id);
    request.mutable_workflow_type()->set_name("Flow");
    request.mutable_task_queue()->set_name("queue");
    request.set_request_id("start-" + workflow_id);
    ASSERT_TRUE(engine_->StartWorkflow("ns", request).IsSuccess());
  }

  hugo::Result<wf::RespondWorkflowTaskCompletedResponse> Complete(
      const std::string& token, std::vector<temporal::api::protocol::v1::Message> messages) {
    wf::RespondWorkflowTaskCompletedRequest request;
    request.set_task_token(token);
    for (auto& message : messages) *request.add_messages() = std::move(message);
    return engine_->CompleteWorkflowTask("ns", request);
  }

  // Sends update `update_id` and records what its waiter got (nullopt while it waits).
  std::shared_ptr<std::optional<hugo::Result<Engine::UpdateStatus>>> SendUpdate(
      const std::string& workflow_id, const std::string& update_id,
      enums::UpdateWorkflowExecutionLifecycleStage stage) {
    wf::UpdateWorkflowExecutionRequest request;
    request.mutable_workflow_execution()->set_workflow_id(workflow_id);
    request.mutable_request()->mutable_meta()->set_update_id(update_id);
    request.mutable_request()->mutable_input()->set_name("add");
    request.mutable_wait_policy()->set_lifecycle_stage(stage);
    auto got = std::make_shared<std::optional<hugo::Result<Engine::UpdateStatus>>>();
    engine_->UpdateWorkflow("ns", request, std::chrono::seconds(20),
                            [got](hugo::Result<Engine::UpdateStatus> status) { *got = status; });
    return got;
  }

  std::shared_ptr<std::optional<hugo::Result<Engine::UpdateStatus>>> Poll(
      const std::string& workflow_id, const std::string& update_id,
      enums::UpdateWorkflowExecutionLifecycleStage stage) {
    wf::PollWorkflowExecutionUpdateRequest request;
    request.mutable_update_ref()->mutable_workflow_execution()->set_workflow_id(workflow_id);
    request.mutable_update_ref()->set_update_id(update_id);
    request.mutable_wait_policy()->set_lifecycle_stage(stage);
    auto got = std::make_shared<std::optional<hugo::Result<Engine::UpdateStatus>>>();
    engine_->PollUpdate("ns", request, std::chrono::seconds(20),
                        [got](hugo::Result<Engine::UpdateStatus> status) { *got = status; });
    return got;
  }

  static temporal::api::protocol::v1::Message Answer(
      const temporal::api::protocol::v1::Message& request, const google::protobuf::Message& body) {
    temporal::api::protocol::v1::Message message;
    message.set_id(request.protocol_instance_id() + "/answer");
    message.set_protocol_instance_id(request.protocol_instance_id());
    message.mutable_body()->PackFrom(body);
    return message;
  }

  static update::Acceptance Accept(const temporal::api::protocol::v1::Message& request) {
    update::Acceptance acceptance;
    acceptance.set_accepted_request_message_id(request.id());
    acceptance.set_accepted_request_sequencing_event_id(request.event_id());
    return acceptance;
  }

  hist::History History(const std::string& workflow_id) {
    wf::GetWorkflowExecutionHistoryRequest request;
    request.mutable_execution()->set_workflow_id(workflow_id);
    request.set_maximum_page_size(1000);
    std::optional<hist::History> history;
    engine_->GetHistory("ns", request, [&history](auto result) {
      ASSERT_TRUE(result.IsSuccess());
      history = result.Value().history();
    });
    return history.value_or(hist::History());
  }

  // Starts the workflow and completes its first task with no commands: the run is idle.
  void StartIdle(const std::string& workflow_id) {
    Start(workflow_id);
    auto first = PollWorkflowTask();
    ASSERT_FALSE(first.task_token().empty());
    ASSERT_TRUE(Complete(first.task_token(), {}).IsSuccess());
  }
};

TEST_F(EngineUpdateTest, ARejectedUpdateOnAnIdleRunWritesNothing) {
  StartIdle("w1");
  const int before = History("w1").events_size();
  auto got = SendUpdate("w1", "u1", enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED);
  EXPECT_FALSE(got->has_value());
  auto task = PollWorkflowTask();
  ASSERT_EQ(task.messages_size(), 1);
  EXPECT_EQ(task.messages(0).id(), "u1/request");
  EXPECT_EQ(task.messages(0).event_id(), task.started_event_id() - 1);
  // The speculative Scheduled/Started are synthesized, not stored.
  EXPECT_EQ(task.history().events_size(), before + 2);
  EXPECT_EQ(History("w1").events_size(), before);
  update::Rejection rejection;
  rejection.mutable_failure()->set_message("no");
  auto completed = Complete(task.task_token(), {Answer(task.messages(0), rejection)});
  ASSERT_TRUE(completed.IsSuccess()) << completed.Error().Message();
  EXPECT_EQ(completed.Value().reset_history_event_id(), before - 1);
  EXPECT_EQ(History("w1").events_size(), before);
  ASSERT_TRUE(got->has_value() && (*got)->IsSuccess());
  EXPECT_EQ((*got)->Value().stage, enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED);
  EXPECT_EQ((*got)->Value().outcome->failure().message(), "no");
}

TEST_F(EngineUpdateTest, AnAcceptedAndCompletedUpdateIsWrittenAndAnswered) {
  StartIdle("w1");
  auto got = SendUpdate("w1", "u1", enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED);
  auto task = PollWorkflowTask();
  ASSERT_EQ(task.messages_size(), 1);
  update::Response response;
  response.mutable_meta()->set_update_id("u1");
  response.mutable_outcome()->mutable_success();
  auto answer = Answer(task.messages(0), response);
  answer.set_id("u1/response");  // message ids are unique within a completion
  auto completed =
      Complete(task.task_token(), {Answer(task.messages(0), Accept(task.messages(0))), answer});
  ASSERT_TRUE(completed.IsSuccess()) << completed.Error().Message();
  auto history = History("w1");
  std::vector<enums::EventType> tail;
  for (int i = history.events_size() - 5; i < history.events_size(); ++i) {
    tail.push_back(history.events(i).event_type());
  }
  EXPECT_EQ(tail,
            (std::vector<enums::EventType>{enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
                                           enums::EVENT_TYPE_WORKFLOW_TASK_STARTED,
                                           enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
                                           enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
                                           enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED}));
  ASSERT_TRUE(got->has_value() && (*got)->IsSuccess());
  EXPECT_TRUE((*got)->Value().outcome->has_success());
  // The same update id again: the stored outcome, nothing new.
  auto again = SendUpdate("w1", "u1", enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED);
  ASSERT_TRUE(again->has_value() && (*again)->IsSuccess());
  EXPECT_TRUE((*again)->Value().outcome->has_success());
  EXPECT_TRUE(PollWorkflowTask().task_token().empty());
}

TEST_F(EngineUpdateTest, ARestartKeepsAcceptedUpdatesAndLosesAdmittedOnes) {
  StartIdle("w1");
  auto accepted =
      SendUpdate("w1", "kept", enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED);
  auto task = PollWorkflowTask();
  ASSERT_EQ(task.messages_size(), 1);
  ASSERT_TRUE(Complete(task.task_token(), {Answer(task.messages(0), Accept(task.messages(0)))})
                  .IsSuccess());
  ASSERT_TRUE(accepted->has_value() && (*accepted)->IsSuccess());
  EXPECT_EQ((*accepted)->Value().stage, enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED);
  auto admitted =
      SendUpdate("w1", "lost", enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED);

  Restart();
  auto kept = Poll("w1", "kept", enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED);
  ASSERT_TRUE(kept->has_value() && (*kept)->IsSuccess());
  EXPECT_EQ((*kept)->Value().stage, enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED);
  auto lost = Poll("w1", "lost", enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED);
  ASSERT_TRUE(lost->has_value());
  EXPECT_EQ((*lost)->Error().Code(), errors::kNotFound);
  // The worker completes the kept update later: a poll for COMPLETED gets its outcome.
  auto outcome = Poll("w1", "kept", enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED);
  EXPECT_FALSE(outcome->has_value());
  wf::SignalWorkflowExecutionRequest signal;
  signal.mutable_workflow_execution()->set_workflow_id("w1");
  signal.set_signal_name("go");
  signal.set_request_id("s1");
  ASSERT_TRUE(engine_->Signal("ns", signal).IsSuccess());
  auto next = PollWorkflowTask();
  ASSERT_FALSE(next.task_token().empty());
  update::Response response;
  response.mutable_meta()->set_update_id("kept");
  response.mutable_outcome()->mutable_success();
  temporal::api::protocol::v1::Message message;
  message.set_id("kept/response");
  message.set_protocol_instance_id("kept");
  message.mutable_body()->PackFrom(response);
  ASSERT_TRUE(Complete(next.task_token(), {message}).IsSuccess());
  ASSERT_TRUE(outcome->has_value() && (*outcome)->IsSuccess());
  EXPECT_EQ((*outcome)->Value().stage, enums::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED);
}

}  // namespace
}  // namespace hdo::history
