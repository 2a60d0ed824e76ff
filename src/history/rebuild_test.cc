// Goal: the state rebuilt from a run's events is the state the engine stored for that run, for
// every field events carry (rebuild.h lists those they do not), at points that leave a workflow
// task scheduled, started, failed (transient), activities and timers pending, signals counted,
// memo changed, and the run closed. Method: real workflows through the engine
// (reset_test_fixture.h) and, at each point, RebuildRun of the whole history compared with the
// stored state.
#include <google/protobuf/util/message_differencer.h>

#include "history/reset_test_fixture.h"

namespace hdo::history {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
namespace hist = temporal::api::history::v1;
using temporal::api::command::v1::Command;
using test_support::EngineFixture;

// What events do not carry (rebuild.h) is left out of the comparison.
persistence::v1::MutableState Comparable(persistence::v1::MutableState state) {
  state.clear_signal_request_ids();
  state.clear_cancel_request_id();
  state.clear_sticky_task_queue();
  state.clear_sticky_schedule_to_start_timeout();
  state.clear_state_transition_count();
  state.clear_replay_count();
  return state;
}

class RebuildTest : public EngineFixture {
 protected:
  // The rebuilt state of the run equals its stored state.
  void ExpectRebuildMatches(const std::string& workflow_id, const std::string& run_id,
                            const std::string& when) {
    SCOPED_TRACE(when);
    persistence::v1::MutableState stored = Stored(workflow_id, run_id);
    ASSERT_EQ(stored.buffered_events_size(), 0) << "a point with buffered events";
    auto rebuilt = engine_->RebuildRun({"ns", workflow_id, run_id}, stored.next_event_id() - 1,
                                       run_id, stored.create_request_id());
    ASSERT_TRUE(rebuilt.IsSuccess()) << rebuilt.Error().Message();
    std::string differences;
    google::protobuf::util::MessageDifferencer differ;
    differ.ReportDifferencesToString(&differences);
    EXPECT_TRUE(differ.Compare(Comparable(stored), Comparable(rebuilt.Value()))) << differences;
  }
};

TEST_F(RebuildTest, TheRebuiltStateIsTheStoredStateThroughAWorkflowsLife) {
  const std::string run_id = Start("r1");
  ExpectRebuildMatches("r1", run_id, "started: a workflow task scheduled");

  auto first = PollWorkflowTask();
  ASSERT_FALSE(first.task_token().empty());
  ExpectRebuildMatches("r1", run_id, "the workflow task started");

  Command memo;
  memo.set_command_type(enums::COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES);
  (*memo.mutable_modify_workflow_properties_command_attributes()
        ->mutable_upserted_memo()
        ->mutable_fields())["step"]
      .set_data("1");
  Complete(first.task_token(), {ScheduleActivity("a1"), ScheduleActivity("a2"),
                                StartTimer("t1", 30), StartTimer("t2", 600), memo});
  ExpectRebuildMatches("r1", run_id, "activities and timers pending, memo changed");

  Signal("r1", "go");
  ExpectRebuildMatches("r1", run_id, "signaled");

  auto activity = PollActivityTask();
  ASSERT_FALSE(activity.task_token().empty());
  RunWorkflowTask({});
  Engine::ActivityRef ref{"ns", activity.task_token(), "", "", "", "worker"};
  ASSERT_TRUE(engine_->CompleteActivity(ref, {}).IsSuccess());
  Advance(31'000);
  ExpectRebuildMatches("r1", run_id, "an activity completed, a timer fired");

  auto failing = PollWorkflowTask();
  ASSERT_FALSE(failing.task_token().empty());
  wf::RespondWorkflowTaskFailedRequest failed;
  failed.set_task_token(failing.task_token());
  failed.set_cause(enums::WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE);
  ASSERT_TRUE(engine_->FailWorkflowTask("ns", failed).IsSuccess());
  ExpectRebuildMatches("r1", run_id, "a workflow task failed: attempt 2 transient");

  auto retried = PollWorkflowTask();
  ASSERT_EQ(retried.attempt(), 2);
  Complete(retried.task_token(), {CompleteWorkflow()});
  ExpectRebuildMatches("r1", run_id, "completed");
}

TEST_F(RebuildTest, ATerminatedRunRebuildsClosedWithItsActivityStillPending) {
  const std::string run_id = Start("r2");
  RunWorkflowTask({ScheduleActivity("a1"), StartTimer("t1", 30)});
  wf::TerminateWorkflowExecutionRequest terminate;
  terminate.mutable_workflow_execution()->set_workflow_id("r2");
  terminate.set_reason("enough");
  ASSERT_TRUE(engine_->Terminate("ns", terminate).IsSuccess());
  ExpectRebuildMatches("r2", run_id, "terminated");
}

}  // namespace
}  // namespace hdo::history
