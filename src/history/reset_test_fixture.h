// Test fixture of engine_reset_test.cc and rebuild_test.cc: the engine harness with runs that
// have a run timeout, memo and retry policy, and helpers for their commands. Test code only.
#pragma once

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error_codes.h"
#include "history/engine.h"
#include "history/engine_test_fixture.h"
#include "history/time_util.h"
#include "persistence/sqlite/execution_store.h"
#include "persistence/sqlite/test_database.h"

namespace hdo::history::test_support {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
namespace hist = temporal::api::history::v1;
namespace command = temporal::api::command::v1;

class EngineFixture : public EngineHarness {
 protected:
  EngineFixture() : EngineHarness("hdo-reset") {}

  std::string Start(const std::string& workflow_id) {
    wf::StartWorkflowExecutionRequest request;
    request.set_workflow_id(workflow_id);
    request.mutable_workflow_type()->set_name("Flow");
    request.mutable_task_queue()->set_name("queue");
    request.set_request_id("start-" + workflow_id);
    request.mutable_workflow_run_timeout()->set_seconds(3600);
    (*request.mutable_memo()->mutable_fields())["note"].set_data("\"hello\"");
    request.mutable_retry_policy()->set_maximum_attempts(3);
    auto started = engine_->StartWorkflow("ns", request);
    EXPECT_TRUE(started.IsSuccess());
    return started.IsSuccess() ? started.Value().run_id() : std::string();
  }

  void Signal(const std::string& workflow_id, const std::string& name) {
    wf::SignalWorkflowExecutionRequest signal;
    signal.mutable_workflow_execution()->set_workflow_id(workflow_id);
    signal.set_signal_name(name);
    signal.set_request_id("signal-" + name);
    ASSERT_TRUE(engine_->Signal("ns", signal).IsSuccess());
  }

  void Complete(const std::string& token, std::vector<command::Command> commands) {
    wf::RespondWorkflowTaskCompletedRequest request;
    request.set_task_token(token);
    request.set_identity("worker");
    for (auto& command : commands) *request.add_commands() = std::move(command);
    auto completed = engine_->CompleteWorkflowTask("ns", request);
    ASSERT_TRUE(completed.IsSuccess()) << completed.Error().Message();
  }

  // Polls the run's workflow task and completes it with `commands`.
  void RunWorkflowTask(std::vector<command::Command> commands) {
    auto task = PollWorkflowTask();
    ASSERT_FALSE(task.task_token().empty());
    Complete(task.task_token(), std::move(commands));
  }

  static command::Command ScheduleActivity(const std::string& activity_id) {
    command::Command command;
    command.set_command_type(enums::COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK);
    auto* attributes = command.mutable_schedule_activity_task_command_attributes();
    attributes->set_activity_id(activity_id);
    attributes->mutable_activity_type()->set_name("Work");
    attributes->mutable_task_queue()->set_name("queue");
    attributes->mutable_start_to_close_timeout()->set_seconds(60);
    return command;
  }

  static command::Command StartTimer(const std::string& timer_id, int seconds) {
    command::Command command;
    command.set_command_type(enums::COMMAND_TYPE_START_TIMER);
    auto* attributes = command.mutable_start_timer_command_attributes();
    attributes->set_timer_id(timer_id);
    attributes->mutable_start_to_fire_timeout()->set_seconds(seconds);
    return command;
  }

  static command::Command CompleteWorkflow() {
    command::Command command;
    command.set_command_type(enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION);
    command.mutable_complete_workflow_execution_command_attributes();
    return command;
  }

  hugo::Result<wf::GetWorkflowExecutionHistoryResponse> HistoryOf(const std::string& workflow_id,
                                                                  const std::string& run_id) {
    wf::GetWorkflowExecutionHistoryRequest request;
    request.mutable_execution()->set_workflow_id(workflow_id);
    request.mutable_execution()->set_run_id(run_id);
    request.set_maximum_page_size(1000);
    std::optional<hugo::Result<wf::GetWorkflowExecutionHistoryResponse>> got;
    engine_->GetHistory("ns", request, [&got](auto result) { got = std::move(result); });
    EXPECT_TRUE(got.has_value());
    return got.value_or(hugo::Error::From("no answer", errors::kInternal));
  }

  hist::History History(const std::string& workflow_id, const std::string& run_id = "") {
    auto got = HistoryOf(workflow_id, run_id);
    EXPECT_TRUE(got.IsSuccess()) << (got.IsSuccess() ? "" : got.Error().Message());
    return got.IsSuccess() ? got.Value().history() : hist::History();
  }

  // The run's state as stored (what the engine committed last).
  persistence::v1::MutableState Stored(const std::string& workflow_id, const std::string& run_id) {
    persistence::v1::MutableState state;
    auto record = store_.GetRun({"ns", workflow_id, run_id});
    EXPECT_TRUE(record.IsSuccess());
    if (record.IsSuccess()) {
      EXPECT_TRUE(state.ParseFromString(record.Value().state));
    }
    return state;
  }
};

}  // namespace hdo::history::test_support
