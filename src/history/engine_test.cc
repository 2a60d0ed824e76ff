// Goal: the engine's internal bookkeeping that the SDK suites reach only by chance: events
// buffered while a workflow task runs and numbered at its end (with the activity's Started event
// found by its outcome), transient workflow task attempts that are synthesized but not stored, and
// the heartbeat timer that moves on with each heartbeat. Method: a real engine and matcher on a
// real SQLite file, a clock the test moves, tasks taken through matching as a worker would.
#include "history/engine.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <asio/io_context.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/error_codes.h"
#include "common/metrics.h"
#include "common/uuid.h"
#include "history/engine_test_fixture.h"
#include "history/time_util.h"
#include "persistence/sqlite/execution_store.h"
#include "persistence/sqlite/statement.h"
#include "persistence/sqlite/test_database.h"
#include "persistence/sqlite/visibility_store.h"
#include "visibility/query.h"

namespace hdo::history {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
namespace hist = temporal::api::history::v1;

class EngineTest : public test_support::EngineHarness {
 protected:
  EngineTest() : EngineHarness("hdo-engine") {}

  void Start(const std::string& workflow_id) {
    wf::StartWorkflowExecutionRequest request;
    request.set_workflow_id(workflow_id);
    request.mutable_workflow_type()->set_name("Flow");
    request.mutable_task_queue()->set_name("queue");
    request.set_request_id("start-" + workflow_id);
    ASSERT_TRUE(engine_->StartWorkflow("ns", request).IsSuccess());
  }

  void Complete(const std::string& token,
                std::vector<temporal::api::command::v1::Command> commands) {
    wf::RespondWorkflowTaskCompletedRequest request;
    request.set_task_token(token);
    for (auto& command : commands) *request.add_commands() = std::move(command);
    auto completed = engine_->CompleteWorkflowTask("ns", request);
    ASSERT_TRUE(completed.IsSuccess()) << completed.Error().Message();
  }

  // What a worker does with a started workflow of one activity (the bench's scenario (a)):
  // schedules it, runs it, completes the workflow.
  void RunOneActivityAndComplete() {
    auto first = PollWorkflowTask();
    ASSERT_FALSE(first.task_token().empty());
    Complete(first.task_token(), {ScheduleActivity(0)});
    auto activity = PollActivityTask();
    ASSERT_FALSE(activity.task_token().empty());
    ASSERT_TRUE(engine_
                    ->CompleteActivity({"ns", activity.task_token(), "", "", "", "worker"},
                                       temporal::api::common::v1::Payloads())
                    .IsSuccess());
    auto second = PollWorkflowTask();
    ASSERT_FALSE(second.task_token().empty());
    temporal::api::command::v1::Command complete;
    complete.set_command_type(enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION);
    complete.mutable_complete_workflow_execution_command_attributes();
    Complete(second.task_token(), {complete});
  }

  // Counts the store's commits into `*commits` from now on (null: stops counting).
  // Rows of `table` in the store.
  int64_t StoredRows(const char* table) {
    persistence::sqlite::Statement count(db_.db().handle(),
                                         std::string("SELECT COUNT(*) FROM ") + table);
    auto stepped = count.Step();
    EXPECT_TRUE(stepped.IsSuccess() && stepped.Value());
    return count.ColumnInt64(0);
  }

  // No stored timer is a schedule-to-start timeout (a task started where it was created).
  void ExpectNoScheduleToStartTimers() {
    auto timers = store_.LoadTimerTasks(0, 100);
    ASSERT_TRUE(timers.IsSuccess());
    for (const auto& stored : timers.Value()) {
      persistence::v1::TimerTask timer;
      ASSERT_TRUE(timer.ParseFromString(stored.data));
      EXPECT_NE(timer.timeout_type(), enums::TIMEOUT_TYPE_SCHEDULE_TO_START);
    }
  }

  void CountCommits(int* commits) {
    sqlite3_commit_hook(
        db_.db().handle(),
        [](void* count) {
          ++*static_cast<int*>(count);
          return 0;
        },
        commits);
    if (commits == nullptr) sqlite3_commit_hook(db_.db().handle(), nullptr, nullptr);
  }

  static temporal::api::command::v1::Command ScheduleActivity(int heartbeat_seconds) {
    temporal::api::command::v1::Command command;
    command.set_command_type(enums::COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK);
    auto* attributes = command.mutable_schedule_activity_task_command_attributes();
    attributes->set_activity_id("a1");
    attributes->mutable_activity_type()->set_name("Work");
    attributes->mutable_task_queue()->set_name("queue");
    attributes->mutable_start_to_close_timeout()->set_seconds(60);
    attributes->mutable_heartbeat_timeout()->set_seconds(heartbeat_seconds);
    return command;
  }

  // Options::search_attributes of a namespace with one custom attribute, customer_id (Keyword).
  static hugo::Result<Engine::SearchAttributeScope> CustomerIdAttribute(const std::string&) {
    return hugo::Ok(
        Engine::SearchAttributeScope{std::make_shared<const visibility::SearchAttributeSet>(
                                         std::map<std::string, enums::IndexedValueType>{
                                             {"customer_id", enums::INDEXED_VALUE_TYPE_KEYWORD}}),
                                     "default"});
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
    EXPECT_TRUE(history.has_value());
    return history.value_or(hist::History());
  }
};

TEST_F(EngineTest, AWorkflowTaskOfACachedRunIsServedWithoutReadingHistoryBack) {
  Start("tail");
  auto first = PollWorkflowTask();
  ASSERT_FALSE(first.task_token().empty());
  Complete(first.task_token(), {ScheduleActivity(0)});
  auto activity = PollActivityTask();
  ASSERT_FALSE(activity.task_token().empty());
  hist::History stored = History("tail");
  // The history rows go away behind the engine's back: what follows must come from memory.
  ASSERT_TRUE(db_.db().Exec("DELETE FROM history_batches").IsSuccess());
  ASSERT_TRUE(engine_
                  ->CompleteActivity({"ns", activity.task_token(), "", "", "", "worker"},
                                     temporal::api::common::v1::Payloads())
                  .IsSuccess());
  auto second = PollWorkflowTask();
  ASSERT_FALSE(second.task_token().empty());
  // A non-sticky poll: the whole history, the stored events first, then the new ones.
  ASSERT_GE(second.history().events_size(), stored.events_size());
  for (int i = 0; i < stored.events_size(); ++i) {
    EXPECT_EQ(second.history().events(i).SerializeAsString(), stored.events(i).SerializeAsString())
        << "event " << i + 1;
  }
  EXPECT_EQ(Types(second.history()).back(), enums::EVENT_TYPE_WORKFLOW_TASK_STARTED);
  // A restarted engine has no tail: it reads the store, which holds only the events written
  // after the deletion.
  RestartEngine();
  EXPECT_EQ(History("tail").events_size(), second.history().events_size() - stored.events_size());
}

TEST_F(EngineTest, ARejectedCompletionLeavesNothingOfWhatItChangedInTheCachedRun) {
  Start("w1");
  auto first = PollWorkflowTask();
  ASSERT_FALSE(first.task_token().empty());
  // The transition changes the run in place (the cache's own object): the activity is in its
  // state when the timer without an id rejects the completion.
  temporal::api::command::v1::Command timer;
  timer.set_command_type(enums::COMMAND_TYPE_START_TIMER);
  timer.mutable_start_timer_command_attributes()->mutable_start_to_fire_timeout()->set_seconds(5);
  wf::RespondWorkflowTaskCompletedRequest request;
  request.set_task_token(first.task_token());
  *request.add_commands() = ScheduleActivity(0);
  *request.add_commands() = timer;
  auto completed = engine_->CompleteWorkflowTask("ns", request);
  ASSERT_TRUE(completed.IsFailure());
  EXPECT_NE(completed.Error().Message().find("TimerId is not set"), std::string::npos)
      << completed.Error().Message();

  // Served from the engine's cache, then from the store after a restart: no activity, the task
  // failed with the cause and its next attempt scheduled.
  for (int served = 0; served < 2; ++served) {
    wf::DescribeWorkflowExecutionRequest describe;
    describe.mutable_execution()->set_workflow_id("w1");
    auto described = engine_->Describe("ns", describe);
    ASSERT_TRUE(described.IsSuccess()) << described.Error().Message();
    EXPECT_EQ(described.Value().pending_activities_size(), 0) << "served " << served;
    EXPECT_TRUE(PollActivityTask().task_token().empty()) << "served " << served;
    EXPECT_EQ(
        Types(History("w1")),
        (std::vector<enums::EventType>{
            enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
            enums::EVENT_TYPE_WORKFLOW_TASK_STARTED, enums::EVENT_TYPE_WORKFLOW_TASK_FAILED}))
        << "served " << served;
    RestartEngine();
  }
  // The next attempt completes normally and schedules the activity once.
  auto second = PollWorkflowTask();
  ASSERT_FALSE(second.task_token().empty());
  Complete(second.task_token(), {ScheduleActivity(0)});
  EXPECT_FALSE(PollActivityTask().task_token().empty());
}

// The SDKs wait for a result with a long poll on the close event. A client that goes away
// (gRPC reports the cancellation) ends its wait at once instead of at the end of the window.
TEST_F(EngineTest, AResultPollWhoseClientWentAwayStopsWaitingAndHearsNothingMore) {
  wf::GetWorkflowExecutionHistoryRequest request;
  request.set_wait_new_event(true);
  request.set_history_event_filter_type(enums::HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT);
  int answers = 0;
  std::optional<hugo::Result<wf::GetWorkflowExecutionHistoryResponse>> last;
  auto record = [&](hugo::Result<wf::GetWorkflowExecutionHistoryResponse> result) {
    ++answers;
    last = std::move(result);
  };

  // The polls parked now, as /metrics shows them (summed over the process's engines).
  metrics::Gauge* waiting = &Engine::ResultPollsWaiting();
  const double waiting_before = waiting->Value();

  Start("gone");
  request.mutable_execution()->set_workflow_id("gone");
  const uint64_t gone = engine_->GetHistory("ns", request, record);
  ASSERT_NE(gone, 0u);
  EXPECT_EQ(engine_->HistoryWaits(), 1u);
  EXPECT_EQ(waiting->Value(), waiting_before + 1);
  engine_->CancelHistoryWait(gone);
  EXPECT_EQ(answers, 1);
  ASSERT_TRUE(last.has_value() && last->IsFailure());
  EXPECT_EQ(last->Error().Code(), errors::kDeadlineExceeded);
  EXPECT_EQ(engine_->HistoryWaits(), 0u);
  EXPECT_EQ(waiting->Value(), waiting_before);
  RunOneActivityAndComplete();       // the close reaches no one
  engine_->CancelHistoryWait(gone);  // a second cancel finds nothing
  EXPECT_EQ(answers, 1);

  // A wait the close answers leaves nothing behind for a late cancel.
  Start("stays");
  request.mutable_execution()->set_workflow_id("stays");
  const uint64_t stays = engine_->GetHistory("ns", request, record);
  ASSERT_NE(stays, 0u);
  EXPECT_EQ(waiting->Value(), waiting_before + 1);
  RunOneActivityAndComplete();
  EXPECT_EQ(answers, 2);
  EXPECT_EQ(waiting->Value(), waiting_before);
  ASSERT_TRUE(last.has_value() && last->IsSuccess());
  ASSERT_EQ(last->Value().history().events_size(), 1);
  EXPECT_EQ(last->Value().history().events(0).event_type(),
            enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
  EXPECT_EQ(engine_->HistoryWaits(), 0u);
  engine_->CancelHistoryWait(stays);
  EXPECT_EQ(answers, 2);
}

// Both kinds of history long poll on one run: a wait for new events is answered by the run's
// next commit, a result poll (the close event only) by the commit that closes the run and by no
// commit before it.
TEST_F(EngineTest, AWaitForNewEventsIsAnsweredByTheNextCommitAResultPollOnlyByTheClose) {
  Start("both");
  using Answer = hugo::Result<wf::GetWorkflowExecutionHistoryResponse>;
  wf::GetWorkflowExecutionHistoryRequest result_poll;
  result_poll.set_wait_new_event(true);
  result_poll.set_history_event_filter_type(enums::HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT);
  result_poll.mutable_execution()->set_workflow_id("both");
  std::vector<Answer> results;
  ASSERT_NE(engine_->GetHistory("ns", result_poll,
                                [&](Answer answer) { results.push_back(std::move(answer)); }),
            0u);

  // The events so far, then a wait for the ones after them.
  wf::GetWorkflowExecutionHistoryRequest events_poll;
  events_poll.set_wait_new_event(true);
  events_poll.mutable_execution()->set_workflow_id("both");
  std::vector<Answer> events;
  auto record_events = [&](Answer answer) { events.push_back(std::move(answer)); };
  ASSERT_EQ(engine_->GetHistory("ns", events_poll, record_events), 0u);
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(events[0].IsSuccess());
  ASSERT_EQ(events[0].Value().history().events_size(), 2);  // started, task scheduled
  events_poll.set_next_page_token(events[0].Value().next_page_token());
  ASSERT_NE(engine_->GetHistory("ns", events_poll, record_events), 0u);
  EXPECT_EQ(engine_->HistoryWaits(), 2u);

  // A transition that leaves the run running: the wait for events hears it, the result poll
  // does not.
  auto task = PollWorkflowTask();
  ASSERT_FALSE(task.task_token().empty());
  ASSERT_EQ(events.size(), 2u);
  ASSERT_TRUE(events[1].IsSuccess());
  ASSERT_EQ(events[1].Value().history().events_size(), 1);
  EXPECT_EQ(events[1].Value().history().events(0).event_type(),
            enums::EVENT_TYPE_WORKFLOW_TASK_STARTED);
  EXPECT_TRUE(results.empty());
  EXPECT_EQ(engine_->HistoryWaits(), 1u);

  temporal::api::command::v1::Command complete;
  complete.set_command_type(enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION);
  complete.mutable_complete_workflow_execution_command_attributes();
  Complete(task.task_token(), {complete});
  ASSERT_EQ(results.size(), 1u);
  ASSERT_TRUE(results[0].IsSuccess());
  ASSERT_EQ(results[0].Value().history().events_size(), 1);
  EXPECT_EQ(results[0].Value().history().events(0).event_type(),
            enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
  EXPECT_EQ(engine_->HistoryWaits(), 0u);
}

// At shutdown the parked result polls are answered and leave the gauge of /metrics.
TEST_F(EngineTest, ReleasedResultPollsLeaveTheWaitingGauge) {
  metrics::Gauge* waiting = &Engine::ResultPollsWaiting();
  const double waiting_before = waiting->Value();
  wf::GetWorkflowExecutionHistoryRequest request;
  request.set_wait_new_event(true);
  request.set_history_event_filter_type(enums::HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT);
  int answers = 0;
  for (const char* id : {"first", "second"}) {
    Start(id);
    request.mutable_execution()->set_workflow_id(id);
    engine_->GetHistory("ns", request,
                        [&](hugo::Result<wf::GetWorkflowExecutionHistoryResponse>) { ++answers; });
  }
  EXPECT_EQ(waiting->Value(), waiting_before + 2);
  engine_->ReleaseWaiters();
  EXPECT_EQ(answers, 2);
  EXPECT_EQ(waiting->Value(), waiting_before);
}

// A result poll naming no run (the Java SDK's) waits on the run current when it starts: that
// run's continue-as-new answers it with the event naming the next run, which the SDK follows.
TEST_F(EngineTest, AResultPollNamingNoRunIsAnsweredByTheCloseOfTheRunItWaitedOn) {
  Start("chain");
  wf::GetWorkflowExecutionHistoryRequest request;
  request.set_wait_new_event(true);
  request.set_history_event_filter_type(enums::HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT);
  request.mutable_execution()->set_workflow_id("chain");
  int answers = 0;
  std::optional<hugo::Result<wf::GetWorkflowExecutionHistoryResponse>> last;
  ASSERT_NE(engine_->GetHistory("ns", request,
                                [&](hugo::Result<wf::GetWorkflowExecutionHistoryResponse> result) {
                                  ++answers;
                                  last = std::move(result);
                                }),
            0u);
  auto task = PollWorkflowTask();
  ASSERT_FALSE(task.task_token().empty());
  Complete(task.task_token(), {ContinueAsNewCommand()});
  EXPECT_EQ(answers, 1);
  EXPECT_EQ(engine_->HistoryWaits(), 0u);
  ASSERT_TRUE(last.has_value() && last->IsSuccess());
  ASSERT_EQ(last->Value().history().events_size(), 1);
  const auto& closed = last->Value().history().events(0);
  EXPECT_EQ(closed.event_type(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
  EXPECT_FALSE(
      closed.workflow_execution_continued_as_new_event_attributes().new_execution_run_id().empty());
}

// A cancel naming the chain's first run (first_execution_run_id) asks the chain's current run,
// whatever run the execution names (the Java SDK sends the first run's id in both), as the
// reference; a chain that is not that one's is NotFound.
TEST_F(EngineTest, ACancelNamingTheFirstRunOfAChainReachesItsCurrentRun) {
  Start("chained");
  auto task = PollWorkflowTask();
  ASSERT_FALSE(task.task_token().empty());
  const std::string first_run = task.workflow_execution().run_id();
  Complete(task.task_token(), {ContinueAsNewCommand()});
  wf::RequestCancelWorkflowExecutionRequest cancel;
  cancel.mutable_workflow_execution()->set_workflow_id("chained");
  cancel.mutable_workflow_execution()->set_run_id(first_run);
  cancel.set_first_execution_run_id("not-this-chain");
  auto refused = engine_->RequestCancel("ns", cancel);
  ASSERT_TRUE(refused.IsFailure());
  EXPECT_EQ(refused.Error().Code(), errors::kNotFound);
  cancel.set_first_execution_run_id(first_run);
  ASSERT_TRUE(engine_->RequestCancel("ns", cancel).IsSuccess());
  wf::DescribeWorkflowExecutionRequest describe;
  describe.mutable_execution()->set_workflow_id("chained");
  auto current = engine_->Describe("ns", describe);
  ASSERT_TRUE(current.IsSuccess());
  EXPECT_NE(current.Value().workflow_execution_info().execution().run_id(), first_run);
  EXPECT_TRUE(current.Value().workflow_extended_info().cancel_requested());
}

TEST_F(EngineTest, TheTimerQueueLagIsHowLateTheMostOverdueUnfiredTimerIs) {
  EXPECT_EQ(engine_->TimerQueueLagMs(), 0);
  Start("lag");
  // A started workflow task arms its start-to-close timeout (10 s by default).
  ASSERT_FALSE(PollWorkflowTask().task_token().empty());
  now_ = TimestampFromMillis(ToMillis(now_) + 9000);
  EXPECT_EQ(engine_->TimerQueueLagMs(), 0);  // not due yet
  now_ = TimestampFromMillis(ToMillis(now_) + 3500);
  EXPECT_EQ(engine_->TimerQueueLagMs(), 2500);  // due, not fired
  engine_->FireDueTimers();
  EXPECT_EQ(engine_->TimerQueueLagMs(), 0);
}

TEST_F(EngineTest, TimeoutsOfFinishedTasksAreDroppedInOneWriteAndChangeNothing) {
  Start("stale");
  ASSERT_NO_FATAL_FAILURE(RunOneActivityAndComplete());
  const int events = History("stale").events_size();
  auto timer_rows = [this] {
    auto tasks = store_.LoadTimerTasks(0, 100);
    EXPECT_TRUE(tasks.IsSuccess());
    return tasks.IsSuccess() ? tasks.Value().size() : size_t{0};
  };
  // Two workflow-task timeouts and the activity's start-to-close, all outlived by their tasks.
  EXPECT_EQ(timer_rows(), 3U);
  int commits = 0;
  CountCommits(&commits);
  Advance(3'600'000);
  CountCommits(nullptr);
  EXPECT_EQ(commits, 1);  // one write drops all three
  EXPECT_EQ(timer_rows(), 0U);
  EXPECT_EQ(History("stale").events_size(), events);
  EXPECT_EQ(engine_->TimerQueueLagMs(), 0);
}

TEST_F(EngineTest, TimeoutsOfARunTheCacheEvictedClosedAreDroppedWithoutLoadingIt) {
  Engine::Options options;
  options.mutable_state_cache_max = 1;
  RestartEngine(options);
  Start("closed");
  ASSERT_NO_FATAL_FAILURE(RunOneActivityAndComplete());
  // A second run takes the cache's one place: "closed" is evicted closed, and remembered so.
  // "open" is evicted running by a third: its workflow task's timeout must still fire.
  Start("open");
  ASSERT_FALSE(PollWorkflowTask().task_token().empty());
  Start("third");
  // The closed run's rows go away behind the engine's back: loading it would fail, and each of
  // its three timers would then be dropped in a write of its own.
  ASSERT_TRUE(db_.db().Exec("DELETE FROM executions WHERE workflow_id = 'closed'").IsSuccess());
  int commits = 0;
  CountCommits(&commits);
  Advance(3'600'000);
  CountCommits(nullptr);
  // One write drops the closed run's three timers; one more times out "open"'s workflow task.
  EXPECT_EQ(commits, 2);
  auto open = Types(History("open"));
  EXPECT_NE(std::find(open.begin(), open.end(), enums::EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT),
            open.end());
  EXPECT_EQ(engine_->TimerQueueLagMs(), 0);
}

// A worker slower than the workflow task timeout: attempts 1-3 get the run's default (10 s),
// later ones the default plus a backoff from 5 s (jittered to its last fifth, doubling), as the
// reference, so the fourth attempt has time to finish where the third did not.
TEST_F(EngineTest, AWorkflowTaskRetriedPastItsThirdAttemptGetsALongerTimeout) {
  Start("slow");
  auto timeout_ms = [](const wf::PollWorkflowTaskQueueResponse& task) {
    const auto& events = task.history().events();
    for (auto event = events.rbegin(); event != events.rend(); ++event) {
      if (event->event_type() == enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) {
        return ToMillis(event->workflow_task_scheduled_event_attributes().start_to_close_timeout());
      }
    }
    return int64_t{-1};
  };
  for (int32_t attempt = 1; attempt <= 3; ++attempt) {
    auto task = PollWorkflowTask();
    ASSERT_EQ(task.attempt(), attempt);
    EXPECT_EQ(timeout_ms(task), 10'000) << "attempt " << attempt;
    Advance(10'000);  // timed out
  }
  auto fourth = PollWorkflowTask();
  ASSERT_EQ(fourth.attempt(), 4);
  const int64_t fourth_ms = timeout_ms(fourth);
  EXPECT_GE(fourth_ms, 10'000 + 4'000);
  EXPECT_LT(fourth_ms, 10'000 + 5'000);
  Advance(10'000);  // the default has passed: the fourth attempt is still running
  EXPECT_TRUE(PollWorkflowTask().task_token().empty());
  EXPECT_EQ(Types(History("slow")).back(), enums::EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT);
  Advance(5'000);  // now past its own timeout
  auto fifth = PollWorkflowTask();
  ASSERT_EQ(fifth.attempt(), 5);
  EXPECT_GE(timeout_ms(fifth), 10'000 + 8'000);
  EXPECT_LT(timeout_ms(fifth), 10'000 + 10'000);
  // Completed, the attempt's scheduled event is written with the timeout it ran under.
  Complete(fifth.task_token(), {});
  auto history = History("slow");
  int64_t written = -1;
  for (const auto& event : history.events()) {
    if (event.event_type() == enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED &&
        event.workflow_task_scheduled_event_attributes().attempt() == 5) {
      written = ToMillis(event.workflow_task_scheduled_event_attributes().start_to_close_timeout());
    }
  }
  EXPECT_EQ(written, timeout_ms(fifth));
}

TEST(WorkflowTaskStartToCloseTest, GrowsFromTheFourthAttemptUpToTenMinutesOfBackoff) {
  const auto ten_seconds = DurationFromMillis(10'000);
  EXPECT_EQ(ToMillis(WorkflowTaskStartToClose(ten_seconds, 1, 0.5)), 10'000);
  EXPECT_EQ(ToMillis(WorkflowTaskStartToClose(ten_seconds, 3, 0.5)), 10'000);
  EXPECT_EQ(ToMillis(WorkflowTaskStartToClose(ten_seconds, 4, 0)), 14'000);
  EXPECT_EQ(ToMillis(WorkflowTaskStartToClose(ten_seconds, 4, 0.5)), 14'500);
  EXPECT_EQ(ToMillis(WorkflowTaskStartToClose(ten_seconds, 5, 0)), 18'000);
  EXPECT_EQ(ToMillis(WorkflowTaskStartToClose(ten_seconds, 6, 0)), 26'000);
  EXPECT_EQ(ToMillis(WorkflowTaskStartToClose(ten_seconds, 40, 0)), 10'000 + 480'000);
}

TEST_F(EngineTest, TheCurrentRunPointerIsWrittenOnlyWhenTheStatusItMirrorsChanges) {
  Start("pointer");
  ASSERT_TRUE(db_.db()
                  .Exec("CREATE TEMP TABLE pointer_writes(status INTEGER); "
                        "CREATE TEMP TRIGGER count_pointer_writes AFTER UPDATE ON "
                        "main.current_executions BEGIN "
                        "INSERT INTO pointer_writes VALUES(new.status); END")
                  .IsSuccess());
  ASSERT_NO_FATAL_FAILURE(RunOneActivityAndComplete());
  // Six transitions after the start; only the last one changed the status.
  persistence::sqlite::Statement writes(db_.db().handle(), "SELECT status FROM pointer_writes");
  std::vector<int64_t> statuses;
  while (writes.Step().Value()) statuses.push_back(writes.ColumnInt64(0));
  EXPECT_EQ(statuses, std::vector<int64_t>{enums::WORKFLOW_EXECUTION_STATUS_COMPLETED});
  auto current = store_.GetCurrentRun("ns", "pointer");
  ASSERT_TRUE(current.IsSuccess());
  EXPECT_EQ(current.Value().status, enums::WORKFLOW_EXECUTION_STATUS_COMPLETED);
}

TEST_F(EngineTest, AnActivityThatEndsDuringAWorkflowTaskIsNumberedWhenTheTaskCompletes) {
  Start("w1");
  auto first = PollWorkflowTask();
  ASSERT_FALSE(first.task_token().empty());
  Complete(first.task_token(), {ScheduleActivity(0)});
  auto activity = PollActivityTask();
  ASSERT_FALSE(activity.task_token().empty());

  wf::SignalWorkflowExecutionRequest signal;
  signal.mutable_workflow_execution()->set_workflow_id("w1");
  signal.set_signal_name("go");
  ASSERT_TRUE(engine_->Signal("ns", signal).IsSuccess());
  auto second = PollWorkflowTask();
  ASSERT_FALSE(second.task_token().empty());
  const size_t before = History("w1").events_size();

  // The activity completes while the second workflow task runs: nothing reaches history yet.
  Engine::ActivityRef ref{"ns", activity.task_token(), "", "", "", "worker"};
  temporal::api::common::v1::Payloads result;
  result.add_payloads()->set_data("42");
  ASSERT_TRUE(engine_->CompleteActivity(ref, result).IsSuccess());
  EXPECT_EQ(static_cast<size_t>(History("w1").events_size()), before);

  Complete(second.task_token(), {});
  hist::History history = History("w1");
  const auto types = Types(history);
  ASSERT_GE(types.size(), before + 4);
  EXPECT_EQ(types[before], enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  EXPECT_EQ(types[before + 1], enums::EVENT_TYPE_ACTIVITY_TASK_STARTED);
  EXPECT_EQ(types[before + 2], enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
  EXPECT_EQ(types[before + 3], enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
  const auto& started = history.events(static_cast<int>(before + 1));
  const auto& completed = history.events(static_cast<int>(before + 2));
  EXPECT_EQ(completed.activity_task_completed_event_attributes().started_event_id(),
            started.event_id());
  EXPECT_EQ(completed.activity_task_completed_event_attributes().scheduled_event_id(),
            started.activity_task_started_event_attributes().scheduled_event_id());
  for (int i = 0; i < history.events_size(); ++i) EXPECT_EQ(history.events(i).event_id(), i + 1);
}

TEST_F(EngineTest, TransientWorkflowTaskAttemptsAreSynthesizedAndWrittenOnlyWhenOneCompletes) {
  Start("w2");
  auto first = PollWorkflowTask();
  wf::RespondWorkflowTaskFailedRequest failed;
  failed.set_task_token(first.task_token());
  failed.set_cause(enums::WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE);
  ASSERT_TRUE(engine_->FailWorkflowTask("ns", failed).IsSuccess());
  const auto stored = Types(History("w2"));
  ASSERT_EQ(stored.back(), enums::EVENT_TYPE_WORKFLOW_TASK_FAILED);

  // Attempt 2: the poller sees Scheduled and Started, the store does not.
  auto second = PollWorkflowTask();
  ASSERT_FALSE(second.task_token().empty());
  EXPECT_EQ(second.attempt(), 2);
  const auto& events = second.history().events();
  ASSERT_GE(events.size(), 2);
  EXPECT_EQ(events[events.size() - 2].event_type(), enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
  EXPECT_EQ(events[events.size() - 2].workflow_task_scheduled_event_attributes().attempt(), 2);
  EXPECT_EQ(events[events.size() - 1].event_type(), enums::EVENT_TYPE_WORKFLOW_TASK_STARTED);
  EXPECT_EQ(Types(History("w2")), stored);

  // A failing attempt 2 writes nothing; attempt 3 completes and writes its pair.
  failed.set_task_token(second.task_token());
  ASSERT_TRUE(engine_->FailWorkflowTask("ns", failed).IsSuccess());
  EXPECT_EQ(Types(History("w2")), stored);
  auto third = PollWorkflowTask();
  EXPECT_EQ(third.attempt(), 3);
  Complete(third.task_token(), {});
  auto types = Types(History("w2"));
  ASSERT_EQ(types.size(), stored.size() + 3);
  EXPECT_EQ(types[stored.size()], enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
  EXPECT_EQ(types[stored.size() + 1], enums::EVENT_TYPE_WORKFLOW_TASK_STARTED);
  EXPECT_EQ(types[stored.size() + 2], enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  EXPECT_EQ(History("w2")
                .events(static_cast<int>(stored.size()))
                .workflow_task_scheduled_event_attributes()
                .attempt(),
            3);
}

TEST_F(EngineTest, AHeartbeatMovesTheHeartbeatDeadlineAndItsTimeoutRetriesWithoutEvents) {
  Start("w3");
  auto first = PollWorkflowTask();
  Complete(first.task_token(), {ScheduleActivity(10)});
  auto attempt1 = PollActivityTask();
  ASSERT_EQ(attempt1.attempt(), 1);
  const auto stored = Types(History("w3"));

  Advance(8'000);
  Engine::ActivityRef ref{"ns", attempt1.task_token(), "", "", "", "worker"};
  temporal::api::common::v1::Payloads progress;
  progress.add_payloads()->set_data("half");
  ASSERT_TRUE(engine_->HeartbeatActivity(ref, progress).IsSuccess());
  Advance(2'500);  // 10.5 s after the start, 2.5 s after the heartbeat: still alive
  EXPECT_TRUE(engine_->HeartbeatActivity(ref, progress).IsSuccess());
  Advance(10'500);  // no heartbeat for 10.5 s: timed out, retried after the 1 s backoff
  EXPECT_FALSE(engine_->HeartbeatActivity(ref, progress).IsSuccess());
  EXPECT_TRUE(PollActivityTask().task_token().empty());
  Advance(1'000);
  auto attempt2 = PollActivityTask();
  ASSERT_FALSE(attempt2.task_token().empty());
  EXPECT_EQ(attempt2.attempt(), 2);
  ASSERT_EQ(attempt2.heartbeat_details().payloads_size(), 1);
  EXPECT_EQ(attempt2.heartbeat_details().payloads(0).data(), "half");
  EXPECT_EQ(Types(History("w3")), stored);  // retries leave history alone
}

// A task a poller already waits for is started in the write that creates it: the poller gets it
// from that one commit, and no transfer task or schedule-to-start timeout is stored for it.
TEST_F(EngineTest, ATaskAPollerWaitsForIsStartedInTheWriteThatCreatesIt) {
  int commits = 0;
  CountCommits(&commits);
  std::optional<wf::PollWorkflowTaskQueueResponse> first;
  matcher_.PollWorkflowTask("ns", {"default", "queue", "worker-1", "", false},
                            std::chrono::seconds(60), [&first](auto task) { first = task; });
  Start("parked");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(commits, 1);  // the start and the task's start together
  EXPECT_EQ(StoredRows("transfer_tasks"), 0);
  ASSERT_FALSE(first->task_token().empty());
  EXPECT_EQ(Types(first->history()), (std::vector<enums::EventType>{
                                         enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
                                         enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
                                         enums::EVENT_TYPE_WORKFLOW_TASK_STARTED,
                                     }));
  const auto& started = first->history().events(2).workflow_task_started_event_attributes();
  EXPECT_EQ(started.identity(), "worker-1");
  EXPECT_FALSE(started.request_id().empty());
  // It reports the size of the events before it, as a start in a write of its own would have.
  hist::History before;
  *before.add_events() = first->history().events(0);
  *before.add_events() = first->history().events(1);
  EXPECT_EQ(started.history_size_bytes(), static_cast<int64_t>(before.ByteSizeLong()));

  // The activity the task schedules goes to the activity poller waiting for it.
  std::optional<wf::PollActivityTaskQueueResponse> activity;
  matcher_.PollActivityTask("ns", {"default", "queue", "worker-1", "", false},
                            std::chrono::seconds(60), [&activity](auto task) { activity = task; });
  wf::RespondWorkflowTaskCompletedRequest completion;
  completion.set_task_token(first->task_token());
  *completion.add_commands() = ScheduleActivity(0);
  auto* sticky = completion.mutable_sticky_attributes();
  sticky->mutable_worker_task_queue()->set_name("worker-1-sticky");
  sticky->mutable_schedule_to_start_timeout()->set_seconds(5);
  // The worker's sticky poll, parked before the completion (it is alive from then on).
  std::optional<wf::PollWorkflowTaskQueueResponse> second;
  matcher_.PollWorkflowTask("ns", {"default", "worker-1-sticky", "worker-1", "", true},
                            std::chrono::seconds(60), [&second](auto task) { second = task; });
  ASSERT_TRUE(engine_->CompleteWorkflowTask("ns", completion).IsSuccess());
  ASSERT_TRUE(activity.has_value());
  EXPECT_EQ(commits, 2);
  EXPECT_EQ(activity->activity_id(), "a1");
  EXPECT_EQ(activity->attempt(), 1);
  EXPECT_EQ(StoredRows("transfer_tasks"), 0);

  // Its completion schedules the next workflow task on the sticky queue, whose poller gets it
  // with the events after its last task, and no schedule-to-start timeout is written for it.
  ASSERT_TRUE(engine_
                  ->CompleteActivity({"ns", activity->task_token(), "", "", "", "worker-1"},
                                     temporal::api::common::v1::Payloads())
                  .IsSuccess());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(commits, 3);
  EXPECT_EQ(Types(second->history()), (std::vector<enums::EventType>{
                                          enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
                                          enums::EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
                                          enums::EVENT_TYPE_ACTIVITY_TASK_STARTED,
                                          enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
                                          enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
                                          enums::EVENT_TYPE_WORKFLOW_TASK_STARTED,
                                      }));
  EXPECT_EQ(StoredRows("transfer_tasks"), 0);
  ExpectNoScheduleToStartTimers();
  CountCommits(nullptr);
  EXPECT_EQ(History("parked").events_size(), 9);  // ... through the second WorkflowTaskStarted
}

// A completion that schedules the next workflow task (a signal arrived while the task ran, or the
// worker forced one) starts it for the completing worker in the same write and returns it when
// asked with return_new_workflow_task (every SDK asks), as the reference does: no transfer task,
// no schedule-to-start timeout, and the worker's parked sticky poll is not handed it. Without
// the flag the task goes through matching as before.
TEST_F(EngineTest, ANewWorkflowTaskTheCompletionSchedulesIsReturnedToTheWorkerThatAskedForIt) {
  // Runs the first task of `workflow_id` to a completion that schedules another task, with a
  // sticky poll of the completing worker parked meanwhile; returns the reply and that poll.
  struct Outcome {
    wf::RespondWorkflowTaskCompletedResponse reply;
    std::shared_ptr<std::optional<wf::PollWorkflowTaskQueueResponse>> sticky_poll;
    uint64_t sticky_poll_id = 0;
    int commits = 0;
  };
  auto complete_first = [&](const std::string& workflow_id, bool signal, bool force,
                            bool return_new, bool sticky = true) {
    Outcome out;
    Start(workflow_id);
    auto first = PollWorkflowTask();
    EXPECT_FALSE(first.task_token().empty());
    if (signal) {
      wf::SignalWorkflowExecutionRequest request;
      request.mutable_workflow_execution()->set_workflow_id(workflow_id);
      request.set_signal_name("go");
      EXPECT_TRUE(engine_->Signal("ns", request).IsSuccess());
    }
    out.sticky_poll = std::make_shared<std::optional<wf::PollWorkflowTaskQueueResponse>>();
    out.sticky_poll_id = matcher_.PollWorkflowTask(
        "ns", {"default", workflow_id + "-sticky", "worker-1", "", true}, std::chrono::seconds(60),
        [poll = out.sticky_poll](auto task) { *poll = std::move(task); });
    wf::RespondWorkflowTaskCompletedRequest completion;
    completion.set_task_token(first.task_token());
    completion.set_namespace_("default");
    completion.set_identity("worker-1");
    completion.set_force_create_new_workflow_task(force);
    completion.set_return_new_workflow_task(return_new);
    if (sticky) {
      completion.mutable_sticky_attributes()->mutable_worker_task_queue()->set_name(workflow_id +
                                                                                    "-sticky");
    }
    CountCommits(&out.commits);
    auto completed = engine_->CompleteWorkflowTask("ns", completion);
    CountCommits(nullptr);
    EXPECT_TRUE(completed.IsSuccess()) << completed.Error().Message();
    if (completed.IsSuccess()) out.reply = std::move(completed).Value();
    return out;
  };

  // A signal that arrived while the task ran.
  Outcome signaled = complete_first("returned", /*signal=*/true, /*force=*/false, true);
  const auto& next = signaled.reply.workflow_task();
  ASSERT_FALSE(next.task_token().empty());
  EXPECT_EQ(signaled.commits, 1);
  EXPECT_FALSE(signaled.sticky_poll->has_value());
  EXPECT_EQ(StoredRows("transfer_tasks"), 0);
  ExpectNoScheduleToStartTimers();
  // The worker holds the run: it gets the events after the task it completed.
  EXPECT_EQ(next.previous_started_event_id(), 3);
  EXPECT_EQ(next.started_event_id(), 7);
  EXPECT_EQ(next.workflow_execution().workflow_id(), "returned");
  EXPECT_EQ(Types(next.history()), (std::vector<enums::EventType>{
                                       enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
                                       enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
                                       enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
                                       enums::EVENT_TYPE_WORKFLOW_TASK_STARTED,
                                   }));
  const auto& started = next.history().events(3).workflow_task_started_event_attributes();
  EXPECT_EQ(started.identity(), "worker-1");
  EXPECT_EQ(started.request_id(), "request-from-RespondWorkflowTaskCompleted");
  EXPECT_EQ(next.history().events(2).workflow_task_scheduled_event_attributes().task_queue().name(),
            "returned-sticky");
  // Stored as the reply says, and completed with the reply's token.
  EXPECT_EQ(Types(History("returned")).size(), 7u);
  temporal::api::command::v1::Command close;
  close.set_command_type(enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION);
  close.mutable_complete_workflow_execution_command_attributes();
  Complete(next.task_token(), {close});
  EXPECT_EQ(History("returned").events().rbegin()->event_type(),
            enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
  matcher_.CancelPoll(signaled.sticky_poll_id);

  // A task the worker forces (local activities' heartbeat) comes back the same way.
  Outcome forced = complete_first("forced", /*signal=*/false, /*force=*/true, true);
  ASSERT_FALSE(forced.reply.workflow_task().task_token().empty());
  EXPECT_EQ(Types(forced.reply.workflow_task().history()),
            (std::vector<enums::EventType>{
                enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
                enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
                enums::EVENT_TYPE_WORKFLOW_TASK_STARTED,
            }));
  EXPECT_FALSE(forced.sticky_poll->has_value());
  matcher_.CancelPoll(forced.sticky_poll_id);

  // A worker without a cache (no sticky queue) still holds the run it heartbeats: the returned
  // task carries the new events only, on the normal queue (reference: always sticky-enabled).
  Outcome uncached = complete_first("uncached", /*signal=*/false, /*force=*/true, true,
                                    /*sticky=*/false);
  const auto& heartbeat = uncached.reply.workflow_task();
  ASSERT_FALSE(heartbeat.task_token().empty());
  EXPECT_EQ(heartbeat.previous_started_event_id(), 3);
  EXPECT_EQ(Types(heartbeat.history()), (std::vector<enums::EventType>{
                                            enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
                                            enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
                                            enums::EVENT_TYPE_WORKFLOW_TASK_STARTED,
                                        }));
  EXPECT_EQ(
      heartbeat.history().events(1).workflow_task_scheduled_event_attributes().task_queue().name(),
      "queue");
  matcher_.CancelPoll(uncached.sticky_poll_id);

  // (guard) Not asked: the task goes to the worker's sticky poll through matching.
  Outcome polled = complete_first("polled", /*signal=*/true, /*force=*/false, false);
  EXPECT_TRUE(polled.reply.workflow_task().task_token().empty());
  ASSERT_TRUE(polled.sticky_poll->has_value());
  EXPECT_FALSE((*polled.sticky_poll)->task_token().empty());

  // (guard) Nothing scheduled (no event arrived, nothing forced): nothing returned.
  Outcome quiet = complete_first("quiet", /*signal=*/false, /*force=*/false, true);
  EXPECT_TRUE(quiet.reply.workflow_task().task_token().empty());
  EXPECT_FALSE(quiet.sticky_poll->has_value());
  matcher_.CancelPoll(quiet.sticky_poll_id);
}

// Eager activity execution (the Go SDK asks for it by default): the completing worker gets the
// activity started in the completion's reply; nothing goes to matching, not even after a restart.
TEST_F(EngineTest, AnEagerActivityIsStartedByTheCompletionAndHandedBackWithoutMatching) {
  Start("eager");
  auto first = PollWorkflowTask();
  ASSERT_FALSE(first.task_token().empty());
  wf::RespondWorkflowTaskCompletedRequest request;
  request.set_task_token(first.task_token());
  request.set_namespace_("default");
  request.set_identity("eager-worker");
  auto schedule = ScheduleActivity(0);
  schedule.mutable_schedule_activity_task_command_attributes()->set_request_eager_execution(true);
  *request.add_commands() = schedule;
  auto completed = engine_->CompleteWorkflowTask("ns", request);
  ASSERT_TRUE(completed.IsSuccess()) << completed.Error().Message();
  ASSERT_EQ(completed.Value().activity_tasks_size(), 1);
  const auto& task = completed.Value().activity_tasks(0);
  EXPECT_FALSE(task.task_token().empty());
  EXPECT_EQ(task.activity_id(), "a1");
  EXPECT_EQ(task.activity_type().name(), "Work");
  EXPECT_EQ(task.workflow_namespace(), "default");
  EXPECT_EQ(task.workflow_type().name(), "Flow");
  EXPECT_EQ(task.workflow_execution().workflow_id(), "eager");
  EXPECT_EQ(task.attempt(), 1);
  EXPECT_EQ(task.start_to_close_timeout().seconds(), 60);
  EXPECT_EQ(ToMillis(task.started_time()), ToMillis(now_));

  EXPECT_TRUE(PollActivityTask().task_token().empty());
  RestartEngine();
  ASSERT_TRUE(engine_->Recover().IsSuccess());
  EXPECT_TRUE(PollActivityTask().task_token().empty());  // no transfer task was stored either

  ASSERT_TRUE(engine_
                  ->CompleteActivity({"ns", task.task_token(), "", "", "", "eager-worker"},
                                     temporal::api::common::v1::Payloads())
                  .IsSuccess());
  auto history = History("eager");
  EXPECT_EQ(Types(history), (std::vector<enums::EventType>{
                                enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
                                enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
                                enums::EVENT_TYPE_WORKFLOW_TASK_STARTED,
                                enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
                                enums::EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
                                enums::EVENT_TYPE_ACTIVITY_TASK_STARTED,
                                enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
                                enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
                            }));
  EXPECT_EQ(history.events(5).activity_task_started_event_attributes().identity(), "eager-worker");
  EXPECT_EQ(history.events(5).activity_task_started_event_attributes().attempt(), 1);
}

// A queue with a rate limit set through the API (UpdateTaskQueueConfig): its activities go
// through matching, which paces them, even when the worker asks for them eagerly.
TEST_F(EngineTest, AnActivityOfAQueueWithAConfiguredRateIsNotStartedEagerly) {
  matcher_.SetConfiguredRate("ns", "queue", 5.0);
  Start("eager-limited");
  auto first = PollWorkflowTask();
  ASSERT_FALSE(first.task_token().empty());
  wf::RespondWorkflowTaskCompletedRequest request;
  request.set_task_token(first.task_token());
  request.set_identity("eager-worker");
  auto schedule = ScheduleActivity(0);
  schedule.mutable_schedule_activity_task_command_attributes()->set_request_eager_execution(true);
  *request.add_commands() = schedule;
  auto completed = engine_->CompleteWorkflowTask("ns", request);
  ASSERT_TRUE(completed.IsSuccess()) << completed.Error().Message();
  EXPECT_EQ(completed.Value().activity_tasks_size(), 0);
  EXPECT_EQ(PollActivityTask().activity_id(), "a1");  // queued, handed out by matching
}

// A worker that got an eager activity and died: its start-to-close timeout retries the activity,
// and the retry goes through matching like any other attempt.
TEST_F(EngineTest, AnEagerActivityNobodyRunsTimesOutAndItsRetryIsQueued) {
  Start("eager-lost");
  auto first = PollWorkflowTask();
  wf::RespondWorkflowTaskCompletedRequest request;
  request.set_task_token(first.task_token());
  auto schedule = ScheduleActivity(0);
  schedule.mutable_schedule_activity_task_command_attributes()->set_request_eager_execution(true);
  *request.add_commands() = schedule;
  auto completed = engine_->CompleteWorkflowTask("ns", request);
  ASSERT_TRUE(completed.IsSuccess()) << completed.Error().Message();
  ASSERT_EQ(completed.Value().activity_tasks_size(), 1);
  Advance(60'500);  // start-to-close (60 s) passed: timed out, retried after the 1 s backoff
  EXPECT_TRUE(PollActivityTask().task_token().empty());
  Advance(1'000);
  auto retry = PollActivityTask();
  ASSERT_FALSE(retry.task_token().empty());
  EXPECT_EQ(retry.attempt(), 2);
  EXPECT_FALSE(engine_
                   ->CompleteActivity({"ns", completed.Value().activity_tasks(0).task_token(), "",
                                       "", "", "worker"},
                                      temporal::api::common::v1::Payloads())
                   .IsSuccess());  // the lost attempt's token is stale
}

// Eager execution is only what was asked for, of a run that goes on, on a server that allows it.
TEST_F(EngineTest, NoActivityIsHandedOutEagerlyUnlessAskedOnARunningRunWithEagerExecutionOn) {
  auto complete_with = [this](const std::string& workflow_id,
                              std::vector<temporal::api::command::v1::Command> commands) {
    Start(workflow_id);
    auto first = PollWorkflowTask();
    wf::RespondWorkflowTaskCompletedRequest request;
    request.set_task_token(first.task_token());
    for (auto& command : commands) *request.add_commands() = std::move(command);
    auto completed = engine_->CompleteWorkflowTask("ns", request);
    EXPECT_TRUE(completed.IsSuccess());
    return completed.IsSuccess() ? completed.Value().activity_tasks_size() : -1;
  };
  auto eager = ScheduleActivity(0);
  eager.mutable_schedule_activity_task_command_attributes()->set_request_eager_execution(true);
  temporal::api::command::v1::Command close;
  close.set_command_type(enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION);
  close.mutable_complete_workflow_execution_command_attributes();

  EXPECT_EQ(complete_with("not-asked", {ScheduleActivity(0)}), 0);
  EXPECT_EQ(PollActivityTask().activity_id(), "a1");  // queued as usual

  EXPECT_EQ(complete_with("closing", {eager, close}), 0);  // the run ended in the same task
  EXPECT_TRUE(PollActivityTask().task_token().empty());

  Engine::Options off;
  off.activity_eager_execution = false;
  RestartEngine(off);
  ASSERT_TRUE(engine_->Recover().IsSuccess());
  EXPECT_EQ(complete_with("server-off", {eager}), 0);
  auto queued = PollActivityTask();
  EXPECT_EQ(queued.workflow_execution().workflow_id(), "server-off");
}

}  // namespace
}  // namespace hdo::history

namespace hdo::history {
namespace {

// Goal: the visibility row follows the run: attributes set at start (checked against the
// namespace's), replay_count counting full-history deliveries after a completed task, the Hugo
// error fields of a failed run, and a refused start that writes nothing. Each test runs with the
// row written in the transition's transaction (delay 0) and deferred (a delay no test waits
// for: the rows are read as the frontend reads them, after FlushVisibility).
class EngineVisibilityBase : public EngineTest {
 protected:
  explicit EngineVisibilityBase(
      std::chrono::milliseconds visibility_delay,
      size_t visibility_write_rows = Engine::Options().visibility_write_rows) {
    Engine::Options options;
    options.visibility_delay = visibility_delay;
    options.visibility_write_rows = visibility_write_rows;
    options.search_attributes = CustomerIdAttribute;
    RestartEngine(options);
  }

  static wf::StartWorkflowExecutionRequest StartRequest(const std::string& attribute,
                                                        const std::string& json) {
    wf::StartWorkflowExecutionRequest request;
    request.set_workflow_id("v1");
    request.mutable_workflow_type()->set_name("Flow");
    request.mutable_task_queue()->set_name("queue");
    request.set_request_id("start-v1");
    auto& payload = (*request.mutable_search_attributes()->mutable_indexed_fields())[attribute];
    (*payload.mutable_metadata())["encoding"] = "json/plain";
    payload.set_data(json);
    return request;
  }

  std::vector<persistence::VisibilityRecord> Rows() {
    auto flushed = engine_->FlushVisibility();
    EXPECT_TRUE(flushed.IsSuccess()) << flushed.Error().ToString();
    return StoredRows();
  }
  // No KIND_VISIBILITY transfer task is stored: every row it stood for was written.
  void ExpectNoVisibilityTask() {
    auto tasks = store_.LoadTransferTasks(0, 100);
    ASSERT_TRUE(tasks.IsSuccess());
    for (const auto& record : tasks.Value()) {
      persistence::v1::TransferTask task;
      ASSERT_TRUE(task.ParseFromString(record.data));
      EXPECT_NE(task.kind(), persistence::v1::TransferTask::KIND_VISIBILITY);
    }
  }
  // The rows as stored, without writing what is pending.
  std::vector<persistence::VisibilityRecord> StoredRows() {
    persistence::sqlite::SqliteVisibilityStore visibility(&db_.db());
    auto filter =
        visibility::TranslateQuery("", visibility::SearchAttributeSet(),
                                   visibility::Dialect::kSqlite, visibility::QueryUse::kList);
    EXPECT_TRUE(filter.IsSuccess());
    auto page = visibility.ListExecutions("ns", filter.Value(), 10, "");
    EXPECT_TRUE(page.IsSuccess()) << page.Error().ToString();
    return page.IsSuccess() ? page.Value().records : std::vector<persistence::VisibilityRecord>{};
  }
};

class EngineVisibilityTest : public EngineVisibilityBase,
                             public ::testing::WithParamInterface<std::chrono::milliseconds> {
 protected:
  EngineVisibilityTest() : EngineVisibilityBase(GetParam()) {}
};

// Deferred visibility with a delay no test waits for but the one about the delay.
class EngineDeferredVisibilityTest : public EngineVisibilityBase {
 protected:
  static constexpr std::chrono::milliseconds kDelay{20};
  EngineDeferredVisibilityTest() : EngineVisibilityBase(kDelay) {}
};

TEST_P(EngineVisibilityTest, TheRowFollowsTheRunFromStartToFailure) {
  ASSERT_TRUE(engine_->StartWorkflow("ns", StartRequest("customer_id", "\"c-7\"")).IsSuccess());
  auto rows = Rows();
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].status, enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  EXPECT_EQ(rows[0].search_attributes, R"({"customer_id":"c-7"})");
  EXPECT_EQ(rows[0].attributes, R"({"workflow.customer_id":"c-7"})");
  EXPECT_EQ(rows[0].replay_count, 0);

  // The first task, then a timer: the task after it goes to the normal queue (no sticky worker)
  // with the full history although a task completed before, i.e. the worker replays.
  auto first = PollWorkflowTask();
  ASSERT_FALSE(first.task_token().empty());
  temporal::api::command::v1::Command timer;
  timer.set_command_type(enums::COMMAND_TYPE_START_TIMER);
  timer.mutable_start_timer_command_attributes()->set_timer_id("t");
  timer.mutable_start_timer_command_attributes()->mutable_start_to_fire_timeout()->set_seconds(1);
  Complete(first.task_token(), {timer});
  EXPECT_EQ(Rows()[0].replay_count, 0);
  Advance(1000);
  auto second = PollWorkflowTask();
  ASSERT_FALSE(second.task_token().empty());
  EXPECT_EQ(second.history().events(0).event_id(), 1);
  EXPECT_EQ(Rows()[0].replay_count, 1);

  temporal::api::command::v1::Command fail;
  fail.set_command_type(enums::COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION);
  auto* failure = fail.mutable_fail_workflow_execution_command_attributes()->mutable_failure();
  failure->set_message("card declined");
  failure->mutable_application_failure_info()->set_type("PaymentDeclined");
  Complete(second.task_token(), {fail});
  rows = Rows();
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].status, enums::WORKFLOW_EXECUTION_STATUS_FAILED);
  ASSERT_TRUE(rows[0].close_time.has_value());
  EXPECT_EQ(rows[0].history_length, History("v1").events_size());
  EXPECT_EQ(rows[0].replay_count, 1);
  EXPECT_EQ(rows[0].attributes,
            R"({"error.code":"PaymentDeclined","error.message":"card declined",)"
            R"("workflow.customer_id":"c-7"})");
}

TEST_P(EngineVisibilityTest, AStartWithAnUndefinedOrMistypedAttributeWritesNothing) {
  auto undefined = engine_->StartWorkflow("ns", StartRequest("nope", "\"x\""));
  ASSERT_TRUE(undefined.IsFailure());
  EXPECT_EQ(undefined.Error().Message(),
            "Namespace default has no mapping defined for search attribute nope");
  auto mistyped = engine_->StartWorkflow("ns", StartRequest("customer_id", "5"));
  ASSERT_TRUE(mistyped.IsFailure());
  EXPECT_EQ(mistyped.Error().Message(),
            "invalid value for search attribute customer_id of type Keyword: 5");
  EXPECT_TRUE(Rows().empty());
  EXPECT_FALSE(store_.GetCurrentRun("ns", "v1").IsSuccess());
}

// Deferred: the transitions' rows wait in memory, merged per run, with a KIND_VISIBILITY task
// per run in the store; a flush writes the newest row once and deletes the tasks.
TEST_F(EngineDeferredVisibilityTest, ADeferredRowIsWrittenOnceWithTheRunsNewestState) {
  // The counter as /metrics shows it (0 before the engine first counts).
  auto merged = [] {
    const std::string text = metrics::DefaultRegistry().Render();
    const std::string series = "\nhdo_history_visibility_rows_merged_total ";
    const size_t at = text.find(series);
    return at == std::string::npos ? int64_t{0} : std::stoll(text.substr(at + series.size()));
  };
  const int64_t merged_before = merged();
  ASSERT_TRUE(engine_->StartWorkflow("ns", StartRequest("customer_id", "\"c-7\"")).IsSuccess());
  auto first = PollWorkflowTask();
  ASSERT_FALSE(first.task_token().empty());
  temporal::api::command::v1::Command complete;
  complete.set_command_type(enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION);
  complete.mutable_complete_workflow_execution_command_attributes();
  Complete(first.task_token(), {complete});
  EXPECT_TRUE(StoredRows().empty());
  EXPECT_EQ(engine_->VisibilityPending(), 1U);
  auto tasks = store_.LoadTransferTasks(0, 100);
  ASSERT_TRUE(tasks.IsSuccess());
  int visibility_tasks = 0;
  for (const auto& record : tasks.Value()) {
    persistence::v1::TransferTask task;
    ASSERT_TRUE(task.ParseFromString(record.data));
    if (task.kind() == persistence::v1::TransferTask::KIND_VISIBILITY) {
      ++visibility_tasks;
      EXPECT_EQ(task.workflow_id(), "v1");
    }
  }
  EXPECT_EQ(visibility_tasks, 1);  // one per run, however many transitions
  // Three transitions (start, task started by the poll, completion): two rows replaced.
  EXPECT_EQ(merged() - merged_before, 2);

  auto rows = Rows();
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].status, enums::WORKFLOW_EXECUTION_STATUS_COMPLETED);
  // The start's attribute, and the completing worker's marker (it sent no build id).
  EXPECT_EQ(rows[0].search_attributes, R"({"BuildIds":["unversioned"],"customer_id":"c-7"})");
  EXPECT_EQ(rows[0].history_length, History("v1").events_size());
  EXPECT_EQ(engine_->VisibilityPending(), 0U);
  tasks = store_.LoadTransferTasks(0, 100);
  ASSERT_TRUE(tasks.IsSuccess());
  EXPECT_TRUE(tasks.Value().empty());
}

// Deferred: an engine that stops before writing its pending rows (kill -9) loses nothing: the
// next one writes them from the stored runs when it recovers.
TEST_F(EngineDeferredVisibilityTest, PendingRowsLostWithTheEngineAreWrittenByTheNextOne) {
  ASSERT_TRUE(engine_->StartWorkflow("ns", StartRequest("customer_id", "\"c-9\"")).IsSuccess());
  EXPECT_TRUE(StoredRows().empty());
  Engine::Options options;
  options.visibility_delay = kDelay;
  RestartEngine(options);  // the old engine's pending row is gone with it
  ASSERT_TRUE(engine_->Recover().IsSuccess());
  EXPECT_EQ(engine_->VisibilityPending(), 1U);
  // Recovery writes them at once, on the engine's executor.
  io_.poll();
  io_.restart();
  EXPECT_EQ(engine_->VisibilityPending(), 0U);
  auto rows = StoredRows();
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].workflow_id, "v1");
  EXPECT_EQ(rows[0].status, enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  EXPECT_EQ(rows[0].search_attributes, R"({"customer_id":"c-9"})");
  ExpectNoVisibilityTask();
}

// Deferred: deleting a run drops its pending row, which would otherwise list it again.
TEST_F(EngineDeferredVisibilityTest, ADeletedRunsPendingRowIsNotWritten) {
  ASSERT_TRUE(engine_->StartWorkflow("ns", StartRequest("customer_id", "\"c-1\"")).IsSuccess());
  wf::DeleteWorkflowExecutionRequest request;
  request.mutable_workflow_execution()->set_workflow_id("v1");
  auto deleted = engine_->Delete("ns", request);
  ASSERT_TRUE(deleted.IsSuccess()) << deleted.Error().Message();
  EXPECT_TRUE(Rows().empty());
  auto tasks = store_.LoadTransferTasks(0, 100);
  ASSERT_TRUE(tasks.IsSuccess());
  EXPECT_TRUE(tasks.Value().empty());
}

// Deferred: without a reader, the engine's timer writes the rows when their delay has passed.
TEST_F(EngineDeferredVisibilityTest, TheDelayPassingWritesThePendingRows) {
  ASSERT_TRUE(engine_->StartWorkflow("ns", StartRequest("customer_id", "\"c-2\"")).IsSuccess());
  EXPECT_EQ(engine_->VisibilityPending(), 1U);
  // The timer runs on the real clock: wait for it (no bound on how soon is asserted).
  for (int i = 0; i < 200 && engine_->VisibilityPending() > 0; ++i) {
    io_.run_for(std::chrono::milliseconds(50));
    io_.restart();
  }
  EXPECT_EQ(engine_->VisibilityPending(), 0U);
  EXPECT_EQ(StoredRows().size(), 1U);
}

// Deferred, with timed writes of at most two rows.
class EngineVisibilityRoundsTest : public EngineVisibilityBase {
 protected:
  EngineVisibilityRoundsTest() : EngineVisibilityBase(std::chrono::milliseconds(20), 2) {}

  void StartNumbered(int i) {
    auto request = StartRequest("customer_id", "\"c-" + std::to_string(i) + "\"");
    request.set_workflow_id("w" + std::to_string(i));
    request.set_request_id("start-w" + std::to_string(i));
    ASSERT_TRUE(engine_->StartWorkflow("ns", request).IsSuccess());
  }
  // Runs the engine's handlers one at a time (the timer is on the real clock) until the number
  // of pending rows changes; returns it.
  size_t RunUntilPendingChanges() {
    const size_t before = engine_->VisibilityPending();
    for (int i = 0; i < 400 && engine_->VisibilityPending() == before; ++i) {
      if (io_.run_one_for(std::chrono::milliseconds(50)) == 0) io_.restart();
    }
    return engine_->VisibilityPending();
  }
};

// The timer writes the rows that were due when it fired, two per write with the engine's other
// work between writes; a row that becomes pending meanwhile waits for a round of its own.
TEST_F(EngineVisibilityRoundsTest, TheTimerWritesTheDueRowsAFewAtATime) {
  for (int i = 0; i < 5; ++i) StartNumbered(i);
  EXPECT_EQ(engine_->VisibilityPending(), 5U);

  EXPECT_EQ(RunUntilPendingChanges(), 3U);
  EXPECT_EQ(StoredRows().size(), 2U);
  StartNumbered(5);  // pending since the round began
  EXPECT_EQ(engine_->VisibilityPending(), 4U);
  EXPECT_EQ(RunUntilPendingChanges(), 2U);
  EXPECT_EQ(RunUntilPendingChanges(), 1U);  // the round's last row alone, not the new one
  EXPECT_EQ(StoredRows().size(), 5U);

  EXPECT_EQ(RunUntilPendingChanges(), 0U);  // its own round, after its delay
  EXPECT_EQ(StoredRows().size(), 6U);
  ExpectNoVisibilityTask();
}

INSTANTIATE_TEST_SUITE_P(WrittenInTheTransactionOrDeferred, EngineVisibilityTest,
                         ::testing::Values(std::chrono::milliseconds(0),
                                           std::chrono::milliseconds(20)),
                         [](const ::testing::TestParamInfo<std::chrono::milliseconds>& param_info) {
                           return param_info.param.count() == 0 ? std::string("inline")
                                                                : std::string("deferred");
                         });

}  // namespace
}  // namespace hdo::history

namespace hdo::history {
namespace {

namespace command = temporal::api::command::v1;

// Goal: runs acting on runs: continue-as-new and workflow retries chain a new run in the closing
// transaction (first workflow task after the backoff), children start and report back, parent
// close policies reach running children, signals reach other workflows or fail. Method: as above,
// with the engine's own transfer tasks run by polling the io_context.
class EngineChainTest : public EngineTest {
 protected:
  // Runs the engine's own transfer tasks first (a child started, a signal delivered, ...).
  wf::PollWorkflowTaskQueueResponse PollQueue(const std::string& queue) {
    RunTransfers();
    return PollWorkflowTask(queue);
  }

  void RunTransfers() {
    io_.poll();
    io_.restart();
  }

  hist::History RunHistory(const std::string& workflow_id, const std::string& run_id) {
    wf::GetWorkflowExecutionHistoryRequest request;
    request.mutable_execution()->set_workflow_id(workflow_id);
    request.mutable_execution()->set_run_id(run_id);
    request.set_maximum_page_size(1000);
    std::optional<hist::History> history;
    engine_->GetHistory("ns", request, [&history](auto result) {
      ASSERT_TRUE(result.IsSuccess()) << result.Error().Message();
      history = result.Value().history();
    });
    return history.value_or(hist::History());
  }

  wf::DescribeWorkflowExecutionResponse Describe(const std::string& workflow_id) {
    wf::DescribeWorkflowExecutionRequest request;
    request.mutable_execution()->set_workflow_id(workflow_id);
    auto described = engine_->Describe("ns", request);
    EXPECT_TRUE(described.IsSuccess());
    return described.IsSuccess() ? described.Value() : wf::DescribeWorkflowExecutionResponse();
  }

  static command::Command Fail(const std::string& message) {
    command::Command fail;
    fail.set_command_type(enums::COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION);
    auto* failure = fail.mutable_fail_workflow_execution_command_attributes()->mutable_failure();
    failure->set_message(message);
    failure->mutable_application_failure_info()->set_type("Flaky");
    return fail;
  }

  static command::Command CompleteWith(const std::string& data) {
    command::Command complete;
    complete.set_command_type(enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION);
    complete.mutable_complete_workflow_execution_command_attributes()
        ->mutable_result()
        ->add_payloads()
        ->set_data(data);
    return complete;
  }

  static command::Command StartChild(const std::string& workflow_id,
                                     enums::ParentClosePolicy policy) {
    command::Command start;
    start.set_command_type(enums::COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION);
    auto* attributes = start.mutable_start_child_workflow_execution_command_attributes();
    attributes->set_workflow_id(workflow_id);
    attributes->mutable_workflow_type()->set_name("Child");
    attributes->mutable_task_queue()->set_name("children");
    attributes->set_parent_close_policy(policy);
    return start;
  }
};

TEST_F(EngineChainTest, ContinueAsNewStartsTheNextRunAfterTheReuseIntervalAndKeepsTheChain) {
  const int64_t started_ms = ToMillis(now_);
  Start("can");
  auto first = PollQueue("queue");
  const std::string first_run = first.workflow_execution().run_id();
  // Run ids are time-ordered UUIDs (version 7) by the engine's clock.
  ASSERT_TRUE(IsUuid(first_run)) << first_run;
  EXPECT_EQ(first_run[14], '7') << first_run;
  EXPECT_EQ(std::stoll(first_run.substr(0, 8) + first_run.substr(9, 4), nullptr, 16), started_ms);
  command::Command next;
  next.set_command_type(enums::COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION);
  next.mutable_continue_as_new_workflow_execution_command_attributes()
      ->mutable_input()
      ->add_payloads()
      ->set_data("2");
  Complete(first.task_token(), {next});

  hist::History old_run = RunHistory("can", first_run);
  const auto& closed = old_run.events(old_run.events_size() - 1);
  ASSERT_EQ(closed.event_type(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
  const std::string second_run =
      closed.workflow_execution_continued_as_new_event_attributes().new_execution_run_id();
  ASSERT_FALSE(second_run.empty());
  EXPECT_EQ(second_run[14], '7') << second_run;
  EXPECT_GT(second_run, first_run);  // made later, sorts after
  // The first run lived no time at all: the next one's first task waits out the 1 s interval.
  EXPECT_TRUE(PollQueue("queue").task_token().empty());
  Advance(1000);
  auto second = PollQueue("queue");
  ASSERT_EQ(second.workflow_execution().run_id(), second_run);
  const auto& started = second.history().events(0).workflow_execution_started_event_attributes();
  EXPECT_EQ(started.continued_execution_run_id(), first_run);
  EXPECT_EQ(started.first_execution_run_id(), first_run);
  EXPECT_EQ(started.initiator(), enums::CONTINUE_AS_NEW_INITIATOR_WORKFLOW);
  EXPECT_EQ(started.input().payloads(0).data(), "2");
  EXPECT_EQ(started.first_workflow_task_backoff().seconds(), 1);
  EXPECT_EQ(Describe("can").workflow_execution_info().first_run_id(), first_run);
}

// A result read (the CLOSE_EVENT filter) of a run its policy retries gets a ContinuedAsNew
// naming the next attempt, as the reference answers SDKs, whose result waits follow only that
// (the Java SDK took the first attempt's failure for the result); the full history keeps the
// real event.
TEST_F(EngineChainTest, AResultReadOfARetriedRunReadsAsContinuedAsNewToTheNextAttempt) {
  wf::StartWorkflowExecutionRequest start;
  start.set_workflow_id("retried");
  start.mutable_workflow_type()->set_name("Flow");
  start.mutable_task_queue()->set_name("queue");
  start.set_request_id("start-retried");
  start.mutable_retry_policy()->mutable_initial_interval()->set_seconds(1);
  start.mutable_retry_policy()->set_maximum_attempts(2);
  ASSERT_TRUE(engine_->StartWorkflow("ns", start).IsSuccess());
  wf::GetWorkflowExecutionHistoryRequest request;
  request.set_wait_new_event(true);
  request.set_history_event_filter_type(enums::HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT);
  request.mutable_execution()->set_workflow_id("retried");
  std::optional<hugo::Result<wf::GetWorkflowExecutionHistoryResponse>> last;
  engine_->GetHistory("ns", request,
                      [&](hugo::Result<wf::GetWorkflowExecutionHistoryResponse> result) {
                        last = std::move(result);
                      });
  auto attempt1 = PollQueue("queue");
  Complete(attempt1.task_token(), {Fail("boom")});
  ASSERT_TRUE(last.has_value() && last->IsSuccess());
  ASSERT_EQ(last->Value().history().events_size(), 1);
  const auto& read = last->Value().history().events(0);
  EXPECT_EQ(read.event_type(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
  const auto& continued = read.workflow_execution_continued_as_new_event_attributes();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  EXPECT_EQ(continued.failure().message(), "boom");
#pragma GCC diagnostic pop
  hist::History full = RunHistory("retried", attempt1.workflow_execution().run_id());
  const auto& real = full.events(full.events_size() - 1);
  EXPECT_EQ(real.event_type(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED);
  EXPECT_EQ(real.event_id(), read.event_id());
  EXPECT_EQ(continued.new_execution_run_id(),
            real.workflow_execution_failed_event_attributes().new_execution_run_id());
}

TEST_F(EngineChainTest, AFailedRunIsRetriedByItsPolicyUntilTheAttemptsRunOut) {
  wf::StartWorkflowExecutionRequest request;
  request.set_workflow_id("retry");
  request.mutable_workflow_type()->set_name("Flow");
  request.mutable_task_queue()->set_name("queue");
  request.set_request_id("start-retry");
  request.mutable_retry_policy()->mutable_initial_interval()->set_seconds(2);
  request.mutable_retry_policy()->set_maximum_attempts(3);
  request.mutable_retry_policy()->set_backoff_coefficient(2);
  request.mutable_retry_policy()->mutable_maximum_interval()->set_seconds(100);
  ASSERT_TRUE(engine_->StartWorkflow("ns", request).IsSuccess());
  auto attempt1 = PollQueue("queue");
  Complete(attempt1.task_token(), {Fail("boom")});
  hist::History first = RunHistory("retry", attempt1.workflow_execution().run_id());
  const auto& failed =
      first.events(first.events_size() - 1).workflow_execution_failed_event_attributes();
  EXPECT_EQ(failed.retry_state(), enums::RETRY_STATE_IN_PROGRESS);
  ASSERT_FALSE(failed.new_execution_run_id().empty());

  Advance(1999);
  EXPECT_TRUE(PollQueue("queue").task_token().empty());
  Advance(1);
  auto attempt2 = PollQueue("queue");
  ASSERT_EQ(attempt2.workflow_execution().run_id(), failed.new_execution_run_id());
  const auto& started = attempt2.history().events(0).workflow_execution_started_event_attributes();
  EXPECT_EQ(started.attempt(), 2);
  EXPECT_EQ(started.initiator(), enums::CONTINUE_AS_NEW_INITIATOR_RETRY);
  EXPECT_EQ(started.continued_failure().message(), "boom");

  Complete(attempt2.task_token(), {Fail("boom again")});
  hist::History second = RunHistory("retry", attempt2.workflow_execution().run_id());
  const auto& again =
      second.events(second.events_size() - 1).workflow_execution_failed_event_attributes();
  EXPECT_EQ(again.retry_state(), enums::RETRY_STATE_IN_PROGRESS);
  Advance(4000);  // 2 s × coefficient 2
  auto attempt3 = PollQueue("queue");
  ASSERT_EQ(attempt3.workflow_execution().run_id(), again.new_execution_run_id());
  EXPECT_EQ(attempt3.history().events(0).workflow_execution_started_event_attributes().attempt(),
            3);
  Complete(attempt3.task_token(), {Fail("boom for good")});
  hist::History third = RunHistory("retry", attempt3.workflow_execution().run_id());
  const auto& last =
      third.events(third.events_size() - 1).workflow_execution_failed_event_attributes();
  EXPECT_EQ(last.retry_state(), enums::RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
  EXPECT_TRUE(last.new_execution_run_id().empty());
  EXPECT_EQ(Describe("retry").workflow_execution_info().status(),
            enums::WORKFLOW_EXECUTION_STATUS_FAILED);
}

TEST_F(EngineChainTest, AChildStartsReportsItsResultAndNamesItsParent) {
  Start("parent");
  auto parent_task = PollQueue("queue");
  Complete(parent_task.task_token(), {StartChild("child", enums::PARENT_CLOSE_POLICY_TERMINATE)});
  RunTransfers();
  auto parent_types = Types(History("parent"));
  ASSERT_GE(parent_types.size(), 7U);
  EXPECT_EQ(parent_types[4], enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED);
  EXPECT_EQ(parent_types[5], enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED);
  EXPECT_EQ(parent_types[6], enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
  const auto described = Describe("child");
  EXPECT_EQ(described.workflow_execution_info().parent_execution().workflow_id(), "parent");
  EXPECT_EQ(described.workflow_execution_info().root_execution().workflow_id(), "parent");
  ASSERT_EQ(Describe("parent").pending_children_size(), 1);

  auto child_task = PollQueue("children");
  ASSERT_EQ(child_task.workflow_execution().workflow_id(), "child");
  const auto& started =
      child_task.history().events(0).workflow_execution_started_event_attributes();
  EXPECT_EQ(started.parent_workflow_execution().workflow_id(), "parent");
  EXPECT_EQ(started.parent_initiated_event_id(), 5);
  Complete(child_task.task_token(), {CompleteWith("\"done\"")});
  RunTransfers();
  // The parent's task after ChildStarted is still scheduled: the outcome follows it directly.
  hist::History parent = History("parent");
  const auto& reported = parent.events(parent.events_size() - 1);
  ASSERT_EQ(reported.event_type(), enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED);
  EXPECT_EQ(
      reported.child_workflow_execution_completed_event_attributes().result().payloads(0).data(),
      "\"done\"");
  EXPECT_EQ(reported.child_workflow_execution_completed_event_attributes().started_event_id(), 6);
  EXPECT_EQ(Describe("parent").pending_children_size(), 0);
}

TEST_F(EngineChainTest, AChildWhoseIdIsTakenFailsToStartAndTheParentHears) {
  Start("busy");
  Start("parent2");
  (void)PollQueue("queue");  // busy's task
  auto parent_task = PollQueue("queue");
  ASSERT_EQ(parent_task.workflow_execution().workflow_id(), "parent2");
  Complete(parent_task.task_token(), {StartChild("busy", enums::PARENT_CLOSE_POLICY_TERMINATE)});
  RunTransfers();
  hist::History parent = History("parent2");
  const auto& failed = parent.events(parent.events_size() - 2);
  ASSERT_EQ(failed.event_type(), enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED);
  EXPECT_EQ(failed.start_child_workflow_execution_failed_event_attributes().cause(),
            enums::START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS);
}

TEST_F(EngineChainTest, ParentClosePoliciesTerminateOrCancelRunningChildrenAndAbandonOthers) {
  Start("p");
  auto parent_task = PollQueue("queue");
  Complete(parent_task.task_token(),
           {StartChild("c-terminate", enums::PARENT_CLOSE_POLICY_TERMINATE),
            StartChild("c-cancel", enums::PARENT_CLOSE_POLICY_REQUEST_CANCEL),
            StartChild("c-abandon", enums::PARENT_CLOSE_POLICY_ABANDON)});
  RunTransfers();
  auto next = PollQueue("queue");
  ASSERT_EQ(next.workflow_execution().workflow_id(), "p");
  Complete(next.task_token(), {CompleteWith("1")});
  RunTransfers();
  EXPECT_EQ(Describe("c-terminate").workflow_execution_info().status(),
            enums::WORKFLOW_EXECUTION_STATUS_TERMINATED);
  EXPECT_EQ(Types(History("c-terminate")).back(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED);
  EXPECT_EQ(Describe("c-cancel").workflow_execution_info().status(),
            enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  EXPECT_TRUE(Describe("c-cancel").workflow_extended_info().cancel_requested());
  EXPECT_EQ(Describe("c-abandon").workflow_execution_info().status(),
            enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  EXPECT_FALSE(Describe("c-abandon").workflow_extended_info().cancel_requested());
}

TEST_F(EngineChainTest, AnEagerStartReturnsTheStartedFirstTaskAndQueuesNothing) {
  wf::StartWorkflowExecutionRequest request;
  request.set_workflow_id("eager");
  request.mutable_workflow_type()->set_name("Flow");
  request.mutable_task_queue()->set_name("queue");
  request.set_request_id("start-eager");
  request.set_identity("starter");
  request.set_request_eager_execution(true);
  auto started = engine_->StartWorkflow("ns", request);
  ASSERT_TRUE(started.IsSuccess());
  const auto& task = started.Value().eager_workflow_task();
  ASSERT_FALSE(task.task_token().empty());
  EXPECT_EQ(task.workflow_execution().run_id(), started.Value().run_id());
  ASSERT_EQ(task.history().events_size(), 3);
  EXPECT_TRUE(task.history()
                  .events(0)
                  .workflow_execution_started_event_attributes()
                  .eager_execution_accepted());
  EXPECT_EQ(task.history().events(2).workflow_task_started_event_attributes().identity(),
            "starter");
  EXPECT_TRUE(PollQueue("queue").task_token().empty());  // nothing for pollers
  Complete(task.task_token(), {CompleteWith("1")});
  EXPECT_EQ(Describe("eager").workflow_execution_info().status(),
            enums::WORKFLOW_EXECUTION_STATUS_COMPLETED);
}

TEST_F(EngineChainTest, AnOversizedPayloadFailsTheTaskAndTerminatesTheRun) {
  Start("big");
  auto task = PollQueue("queue");
  wf::RespondWorkflowTaskCompletedRequest request;
  request.set_task_token(task.task_token());
  *request.add_commands() = CompleteWith(std::string(2 * 1024 * 1024 + 1, 'x'));
  auto refused = engine_->CompleteWorkflowTask("ns", request);
  ASSERT_TRUE(refused.IsFailure());
  EXPECT_EQ(refused.Error().Message(),
            "BadCompleteWorkflowExecutionAttributes: Blob data size exceeds limit.");
  const auto types = Types(History("big"));
  ASSERT_GE(types.size(), 2U);
  EXPECT_EQ(types[types.size() - 2], enums::EVENT_TYPE_WORKFLOW_TASK_FAILED);
  EXPECT_EQ(types.back(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED);
  hist::History history = History("big");
  EXPECT_EQ(history.events(history.events_size() - 1)
                .workflow_execution_terminated_event_attributes()
                .reason(),
            "Blob data size exceeds limit.");
}

TEST_F(EngineChainTest, ASignalReachesAnotherWorkflowOrFailsWhenThereIsNone) {
  Start("target");
  Start("sender");
  (void)PollQueue("queue");  // target's first task, left running
  auto sender = PollQueue("queue");
  ASSERT_EQ(sender.workflow_execution().workflow_id(), "sender");
  auto signal = [](const std::string& workflow_id) {
    command::Command command;
    command.set_command_type(enums::COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION);
    auto* attributes = command.mutable_signal_external_workflow_execution_command_attributes();
    attributes->mutable_execution()->set_workflow_id(workflow_id);
    attributes->set_signal_name("hello");
    return command;
  };
  Complete(sender.task_token(), {signal("target"), signal("nobody")});
  RunTransfers();
  auto types = Types(History("sender"));
  EXPECT_EQ(std::count(types.begin(), types.end(),
                       enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED),
            1);
  EXPECT_EQ(std::count(types.begin(), types.end(),
                       enums::EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED),
            1);
  // The target's task is running: the signal waits in its buffer until the task completes.
  EXPECT_EQ(Types(History("target")).back(), enums::EVENT_TYPE_WORKFLOW_TASK_STARTED);
}

// Options::wire_history (ADR 0026): a workflow task carries its events as the store holds them,
// the cached batches' bytes, typed only where a batch carries search attributes. Whatever hands
// a worker its task (a poll parked before the write, a sticky poll, a completion's returned
// task, a transient attempt, a history longer than the cached tail), the task parses to exactly
// the events the store holds for its range, search attributes typed, and a transient attempt's
// in-memory pair follows them.
class EngineWireHistoryTest : public EngineTest {
 protected:
  EngineWireHistoryTest() { RestartEngine(WithAttributes(/*wire_history=*/true)); }

  static Engine::Options WithAttributes(bool wire_history) {
    Engine::Options options;
    options.wire_history = wire_history;
    options.search_attributes = CustomerIdAttribute;
    return options;
  }

  // The task as a worker parses it; the test fails when its events were sent typed.
  static wf::PollWorkflowTaskQueueResponse Parsed(wf::PollWorkflowTaskQueueResponse task) {
    EXPECT_FALSE(task.task_token().empty());
    EXPECT_EQ(task.history().events_size(), 0) << "the events were sent typed";
    Engine::ParseWireHistory(task);
    return task;
  }

  void Signal(const std::string& workflow_id, const std::string& name) {
    wf::SignalWorkflowExecutionRequest request;
    request.mutable_workflow_execution()->set_workflow_id(workflow_id);
    request.set_signal_name(name);
    ASSERT_TRUE(engine_->Signal("ns", request).IsSuccess());
  }
};

TEST_F(EngineWireHistoryTest, EveryWorkflowTaskParsesToTheStoredEventsOfItsRange) {
  std::vector<wf::PollWorkflowTaskQueueResponse> tasks;
  // 1. A poll parked before the start: the start's own write hands it the task.
  std::optional<wf::PollWorkflowTaskQueueResponse> parked;
  matcher_.PollWorkflowTask("ns", {"default", "queue", "worker-1", "", false},
                            std::chrono::seconds(60), [&parked](auto task) { parked = task; });
  wf::StartWorkflowExecutionRequest start;
  start.set_workflow_id("wire");
  start.mutable_workflow_type()->set_name("Flow");
  start.mutable_task_queue()->set_name("queue");
  start.set_request_id("start-wire");
  auto& attribute = (*start.mutable_search_attributes()->mutable_indexed_fields())["customer_id"];
  (*attribute.mutable_metadata())["encoding"] = "json/plain";
  attribute.set_data("\"c-1\"");
  ASSERT_TRUE(engine_->StartWorkflow("ns", start).IsSuccess());
  ASSERT_TRUE(parked.has_value());
  tasks.push_back(Parsed(*parked));
  const auto& started = tasks[0].history().events(0).workflow_execution_started_event_attributes();
  EXPECT_EQ(started.search_attributes().indexed_fields().at("customer_id").metadata().at("type"),
            "Keyword");

  // 2. A sticky poll: the events after the completed task, two committed batches.
  std::optional<wf::PollWorkflowTaskQueueResponse> sticky;
  matcher_.PollWorkflowTask("ns", {"default", "wire-sticky", "worker-1", "", true},
                            std::chrono::seconds(60), [&sticky](auto task) { sticky = task; });
  wf::RespondWorkflowTaskCompletedRequest completion;
  completion.set_task_token(tasks[0].task_token());
  *completion.add_commands() = ScheduleActivity(0);
  completion.mutable_sticky_attributes()->mutable_worker_task_queue()->set_name("wire-sticky");
  ASSERT_TRUE(engine_->CompleteWorkflowTask("ns", completion).IsSuccess());
  auto activity = PollActivityTask();
  ASSERT_FALSE(activity.task_token().empty());
  ASSERT_TRUE(engine_
                  ->CompleteActivity({"ns", activity.task_token(), "", "", "", "worker-1"},
                                     temporal::api::common::v1::Payloads())
                  .IsSuccess());
  ASSERT_TRUE(sticky.has_value());
  tasks.push_back(Parsed(*sticky));
  EXPECT_EQ(tasks[1].history().events(0).event_type(), enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED);

  // 3. The task a completion returns (a signal arrived while the task ran).
  Signal("wire", "go");
  completion.Clear();
  completion.set_task_token(tasks[1].task_token());
  completion.set_return_new_workflow_task(true);
  completion.mutable_sticky_attributes()->mutable_worker_task_queue()->set_name("wire-sticky");
  auto completed = engine_->CompleteWorkflowTask("ns", completion);
  ASSERT_TRUE(completed.IsSuccess()) << completed.Error().Message();
  tasks.push_back(Parsed(completed.Value().workflow_task()));

  // 4. A transient attempt: the whole history, then the pair that is not stored.
  wf::RespondWorkflowTaskFailedRequest failed;
  failed.set_task_token(tasks[2].task_token());
  failed.set_cause(enums::WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE);
  ASSERT_TRUE(engine_->FailWorkflowTask("ns", failed).IsSuccess());
  tasks.push_back(Parsed(PollWorkflowTask()));
  EXPECT_EQ(tasks[3].attempt(), 2);
  EXPECT_EQ(tasks[3].history().events(0).event_id(), 1);

  // 5. More events than the cached tail keeps: the whole history, read from the store.
  Complete(tasks[3].task_token(), {});
  for (int i = 0; i < 70; ++i) Signal("wire", "more");
  tasks.push_back(Parsed(PollWorkflowTask()));
  EXPECT_GT(tasks[4].history().events_size(), 70);

  // The store's events, read by an engine that has cached none of them.
  RestartEngine(WithAttributes(/*wire_history=*/false));
  const hist::History stored = History("wire");
  for (const auto& task : tasks) {
    const auto& events = task.history().events();
    ASSERT_FALSE(events.empty());
    const bool transient = task.attempt() > 1;
    const int sent_stored = events.size() - (transient ? 2 : 0);
    EXPECT_EQ(events[sent_stored - 1].event_id(), task.started_event_id() - (transient ? 2 : 0))
        << "the stored events end before the task's started event";
    for (int i = 0; i < sent_stored; ++i) {
      const int64_t id = events[i].event_id();
      ASSERT_LE(id, stored.events_size());
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
          events[i], stored.events(static_cast<int>(id - 1))))
          << "event " << id << " of the task of attempt " << task.attempt() << " started at "
          << task.started_event_id();
      if (i > 0) {
        EXPECT_EQ(id, events[i - 1].event_id() + 1);
      }
    }
    if (transient) {
      EXPECT_EQ(events[sent_stored].event_type(), enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
      EXPECT_EQ(events[sent_stored].workflow_task_scheduled_event_attributes().attempt(),
                task.attempt());
      EXPECT_EQ(events[sent_stored + 1].event_type(), enums::EVENT_TYPE_WORKFLOW_TASK_STARTED);
      EXPECT_EQ(events[sent_stored + 1].event_id(), task.started_event_id());
    }
  }
}

}  // namespace
}  // namespace hdo::history
