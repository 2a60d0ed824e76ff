// Goal: the scheduler takes a schedule's actions at the times its spec names, by the clock the
// test moves: workflows started through the engine under the action's id and the nominal time;
// times older than the catch-up window missed after a downtime; a run that closes lets the one
// buffered behind it start, with its result; a schedule that can act no more removed after its
// retention (a paused one kept). Method: a real engine and schedule store on a real SQLite file
// (EngineHarness), workflow tasks taken and completed as a worker would.
#include "worker/scheduler.h"

#include <gtest/gtest.h>

#include "common/error_codes.h"
#include "history/engine_test_fixture.h"
#include "persistence/sqlite/schedule_store.h"
#include "visibility/go_compat.h"

namespace hdo::worker {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
using history::ToMillis;

constexpr int64_t kMinute = 60'000;
constexpr int64_t kHour = 60 * kMinute;

class SchedulerTest : public history::test_support::EngineHarness {
 protected:
  SchedulerTest() : EngineHarness("hdo-scheduler") {
    history::Engine::Options options;
    options.on_scheduled_run_closed = [this](const history::Engine::ScheduledRunClosed& closed) {
      scheduler_->OnRunClosed(closed);
    };
    RestartEngine(options);
    scheduler_ =
        std::make_unique<Scheduler>(&schedules_, engine_.get(), io_.get_executor(),
                                    Scheduler::Options{}, [this] { return ToMillis(now_); });
    // Whole minutes from here, so that interval times fall on round numbers.
    now_ = history::TimestampFromMillis((ToMillis(now_) / kHour + 1) * kHour);
  }

  wf::CreateScheduleRequest Every(const std::string& id, int64_t every_ms,
                                  enums::ScheduleOverlapPolicy overlap) {
    wf::CreateScheduleRequest request;
    request.set_namespace_("default");
    request.set_schedule_id(id);
    request.set_request_id("create-" + id);
    auto* interval = request.mutable_schedule()->mutable_spec()->add_interval();
    *interval->mutable_interval() = history::DurationFromMillis(every_ms);
    request.mutable_schedule()->mutable_policies()->set_overlap_policy(overlap);
    auto* action = request.mutable_schedule()->mutable_action()->mutable_start_workflow();
    action->set_workflow_id("wf-" + id);
    action->mutable_workflow_type()->set_name("Nightly");
    action->mutable_task_queue()->set_name("queue");
    return request;
  }

  void Create(const wf::CreateScheduleRequest& request) {
    auto created = scheduler_->Create("ns", request);
    ASSERT_TRUE(created.IsSuccess()) << created.Error().Message();
  }

  hugo::Result<wf::DescribeScheduleResponse> Describe(const std::string& id) {
    wf::DescribeScheduleRequest request;
    request.set_namespace_("default");
    request.set_schedule_id(id);
    return scheduler_->Describe("ns", request);
  }

  // Moves the clock, fires what came due, runs the posted jobs (close notices).
  void Move(int64_t millis) {
    Advance(millis);
    scheduler_->FireDue();
    io_.poll();
    io_.restart();
  }

  // Completes the workflow of a polled task with `result` (a JSON string payload).
  void CompleteWorkflow(const wf::PollWorkflowTaskQueueResponse& task, const std::string& result) {
    wf::RespondWorkflowTaskCompletedRequest request;
    request.set_task_token(task.task_token());
    auto* command = request.add_commands();
    command->set_command_type(enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION);
    auto* payload = command->mutable_complete_workflow_execution_command_attributes()
                        ->mutable_result()
                        ->add_payloads();
    (*payload->mutable_metadata())["encoding"] = "json/plain";
    payload->set_data("\"" + result + "\"");
    auto completed = engine_->CompleteWorkflowTask("ns", request);
    ASSERT_TRUE(completed.IsSuccess()) << completed.Error().Message();
    io_.poll();
    io_.restart();
  }

  persistence::sqlite::SqliteScheduleStore schedules_{&db_.db()};
  std::unique_ptr<Scheduler> scheduler_;
};

TEST_F(SchedulerTest, AnIntervalScheduleStartsAWorkflowAtEachTimeNamedAfterIt) {
  Create(Every("hourly", kHour, enums::SCHEDULE_OVERLAP_POLICY_ALLOW_ALL));
  auto before = Describe("hourly");
  ASSERT_TRUE(before.IsSuccess());
  EXPECT_EQ(before.Value().info().action_count(), 0);
  ASSERT_EQ(before.Value().info().future_action_times_size(), 10);
  const int64_t first = ToMillis(before.Value().info().future_action_times(0));
  EXPECT_EQ(first, ToMillis(now_) + kHour);

  Move(kHour);
  auto task = PollWorkflowTask();
  ASSERT_FALSE(task.task_token().empty());
  const std::string nominal = visibility::go::FormatRfc3339Nano(first * 1'000'000);
  EXPECT_EQ(task.workflow_execution().workflow_id(), "wf-hourly-" + nominal);
  const auto& started = task.history().events(0).workflow_execution_started_event_attributes();
  EXPECT_EQ(started.identity(), "temporal-scheduler-default-hourly");
  const auto& fields = started.search_attributes().indexed_fields();
  ASSERT_TRUE(fields.contains("TemporalScheduledById"));
  EXPECT_EQ(fields.at("TemporalScheduledById").data(), "\"hourly\"");
  EXPECT_EQ(fields.at("TemporalScheduledStartTime").data(), "\"" + nominal + "\"");
  EXPECT_EQ(Describe("hourly").Value().info().action_count(), 1);

  Move(kHour);
  EXPECT_EQ(Describe("hourly").Value().info().action_count(), 2);
}

TEST_F(SchedulerTest, TimesOlderThanTheCatchupWindowAreMissedAfterADowntime) {
  auto request = Every("minutely", kMinute, enums::SCHEDULE_OVERLAP_POLICY_ALLOW_ALL);
  *request.mutable_schedule()->mutable_policies()->mutable_catchup_window() =
      history::DurationFromMillis(10 * kMinute);
  Create(request);
  // The server is down for an hour: nothing fires, then everything due is looked at once.
  now_ = history::TimestampFromMillis(ToMillis(now_) + kHour);
  scheduler_->FireDue();
  auto described = Describe("minutely");
  ASSERT_TRUE(described.IsSuccess());
  const auto& info = described.Value().info();
  EXPECT_EQ(info.action_count() + info.missed_catchup_window(), 60);
  EXPECT_EQ(info.action_count(), 11);  // the times of the last ten minutes, both ends included
  EXPECT_EQ(info.missed_catchup_window(), 49);
}

TEST_F(SchedulerTest, ARunThatClosesStartsTheOneBufferedBehindItWithItsResult) {
  constexpr int64_t kEvery = 10'000;
  auto request = Every("buffered", kEvery, enums::SCHEDULE_OVERLAP_POLICY_BUFFER_ONE);
  // The first run's task stays started (no timeout) while the clock moves.
  *request.mutable_schedule()
       ->mutable_action()
       ->mutable_start_workflow()
       ->mutable_workflow_task_timeout() = history::DurationFromMillis(60'000);
  Create(request);
  Move(kEvery);
  auto first = PollWorkflowTask();
  ASSERT_FALSE(first.task_token().empty());
  Move(kEvery);
  Move(kEvery);  // a third time while the first runs: BUFFER_ONE keeps one, skips the other
  auto waiting = Describe("buffered");
  ASSERT_TRUE(waiting.IsSuccess());
  EXPECT_EQ(waiting.Value().info().buffer_size(), 1);
  EXPECT_EQ(waiting.Value().info().overlap_skipped(), 1);
  ASSERT_EQ(waiting.Value().info().running_workflows_size(), 1);
  EXPECT_TRUE(PollWorkflowTask().task_token().empty());

  CompleteWorkflow(first, "first result");
  auto second = PollWorkflowTask();
  ASSERT_FALSE(second.task_token().empty());
  const auto& started = second.history().events(0).workflow_execution_started_event_attributes();
  ASSERT_EQ(started.last_completion_result().payloads_size(), 1);
  EXPECT_EQ(started.last_completion_result().payloads(0).data(), "\"first result\"");
  auto after = Describe("buffered");
  EXPECT_EQ(after.Value().info().action_count(), 2);
  EXPECT_EQ(after.Value().info().buffer_size(), 0);
  EXPECT_EQ(after.Value().info().recent_actions(0).start_workflow_status(),
            enums::WORKFLOW_EXECUTION_STATUS_COMPLETED);
}

TEST_F(SchedulerTest, AScheduleThatCanActNoMoreIsRemovedAfterItsRetentionUnlessPaused) {
  auto idle = Every("idle", kHour, enums::SCHEDULE_OVERLAP_POLICY_SKIP);
  idle.mutable_schedule()->mutable_spec()->clear_interval();  // names no time
  Create(idle);
  auto paused = idle;
  paused.set_schedule_id("paused");
  paused.set_request_id("create-paused");
  paused.mutable_schedule()->mutable_state()->set_paused(true);
  Create(paused);
  Move(7 * 24 * kHour - 1000);
  EXPECT_TRUE(Describe("idle").IsSuccess());
  Move(1000);
  auto gone = Describe("idle");
  ASSERT_TRUE(gone.IsFailure());
  EXPECT_EQ(gone.Error().Code(), errors::kNotFound);
  EXPECT_TRUE(Describe("paused").IsSuccess());
}

}  // namespace
}  // namespace hdo::worker
