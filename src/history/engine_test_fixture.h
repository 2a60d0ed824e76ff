// The harness every engine test stands on: a real engine and matcher on a real SQLite file, a
// clock the test moves, tasks taken through matching as a worker would. Test code only;
// single-threaded (the io_context runs only when a test polls it).
#pragma once

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "history/engine.h"
#include "history/time_util.h"
#include "persistence/sqlite/execution_store.h"
#include "persistence/sqlite/test_database.h"

namespace hdo::history::test_support {

class EngineHarness : public ::testing::Test {
 protected:
  explicit EngineHarness(const std::string& database_name,
                         matching::Matcher::Options matcher_options = {})
      : db_(database_name),
        store_(&db_.db()),
        matcher_(
            io_.get_executor(),
            [this](const matching::Task& task, const matching::Poller& poller) {
              return engine_->RecordWorkflowTaskStarted(task, poller);
            },
            [this](const matching::Task& task, const matching::Poller& poller) {
              return engine_->RecordActivityTaskStarted(task, poller);
            },
            std::move(matcher_options), [this] { return now_; }) {
    now_.set_seconds(1'800'000'000);
    RestartEngine();
  }

  // A new engine on the same store and matcher: what the old one held only in memory is gone.
  void RestartEngine(Engine::Options options = {}) {
    engine_ = std::make_unique<Engine>(&store_, &matcher_, io_.get_executor(), std::move(options),
                                       [this] { return now_; });
  }

  // Moves the clock and fires the timers due by then.
  void Advance(int64_t millis) {
    now_ = TimestampFromMillis(ToMillis(now_) + millis);
    engine_->FireDueTimers();
  }

  // Takes a queued workflow (activity) task, as a worker's poll would; empty when none is queued.
  temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse PollWorkflowTask(
      const std::string& queue = "queue") {
    temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse got;
    uint64_t parked = matcher_.PollWorkflowTask(
        "ns", {"default", queue, "worker", "", false}, std::chrono::milliseconds(0),
        [&got](auto response) { got = std::move(response); });
    if (parked != 0) matcher_.CancelPoll(parked);
    return got;
  }
  temporal::api::workflowservice::v1::PollActivityTaskQueueResponse PollActivityTask(
      const std::string& queue = "queue") {
    temporal::api::workflowservice::v1::PollActivityTaskQueueResponse got;
    uint64_t parked = matcher_.PollActivityTask(
        "ns", {"default", queue, "worker", "", false}, std::chrono::milliseconds(0),
        [&got](auto response) { got = std::move(response); });
    if (parked != 0) matcher_.CancelPoll(parked);
    return got;
  }

  // A ContinueAsNew command to workflow type "Flow" on `queue`.
  static temporal::api::command::v1::Command ContinueAsNewCommand(
      const std::string& queue = "queue") {
    temporal::api::command::v1::Command next;
    next.set_command_type(
        temporal::api::enums::v1::COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION);
    auto* attributes = next.mutable_continue_as_new_workflow_execution_command_attributes();
    attributes->mutable_workflow_type()->set_name("Flow");
    attributes->mutable_task_queue()->set_name(queue);
    return next;
  }

  static std::vector<temporal::api::enums::v1::EventType> Types(
      const temporal::api::history::v1::History& history) {
    std::vector<temporal::api::enums::v1::EventType> types;
    for (const auto& event : history.events()) types.push_back(event.event_type());
    return types;
  }

  asio::io_context io_;
  persistence::sqlite::TestDatabase db_;
  persistence::sqlite::SqliteExecutionStore store_;
  google::protobuf::Timestamp now_;
  matching::Matcher matcher_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace hdo::history::test_support
