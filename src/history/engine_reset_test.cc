// Goal: reset builds the new run the reference builds (events before the reset point, the
// workflow task failed with RESET_WORKFLOW, the later signals once more, a new workflow task),
// restores pending activities and timers, terminates the old run in the same transaction,
// refuses bad reset points without changing anything, answers a retried request with the run
// it created and names the new run on the base run; Describe lists the request ids a run answers
// for; delete removes a running or closed run entirely. Method: real workflows through
// the engine (reset_test_fixture.h).
#include "history/reset_test_fixture.h"

namespace hdo::history {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
namespace hist = temporal::api::history::v1;
using enums::EventType;
using test_support::EngineFixture;

class ResetTest : public EngineFixture {
 protected:
  hugo::Result<wf::ResetWorkflowExecutionResponse> Reset(const std::string& workflow_id,
                                                         const std::string& run_id,
                                                         int64_t finish_event_id,
                                                         const std::string& request_id) {
    wf::ResetWorkflowExecutionRequest request;
    request.mutable_workflow_execution()->set_workflow_id(workflow_id);
    request.mutable_workflow_execution()->set_run_id(run_id);
    request.set_workflow_task_finish_event_id(finish_event_id);
    request.set_request_id(request_id);
    request.set_reason("try again");
    return engine_->Reset("ns", request);
  }

  // The event id of the first event of `type`.
  static int64_t First(const hist::History& history, EventType type) {
    for (const auto& event : history.events()) {
      if (event.event_type() == type) return event.event_id();
    }
    return 0;
  }

  std::string CurrentRunId(const std::string& workflow_id) {
    auto current = store_.GetCurrentRun("ns", workflow_id);
    return current.IsSuccess() ? current.Value().run_id : std::string();
  }

  hugo::Result<wf::DescribeWorkflowExecutionResponse> Describe(const std::string& workflow_id,
                                                               const std::string& run_id) {
    wf::DescribeWorkflowExecutionRequest request;
    request.mutable_execution()->set_workflow_id(workflow_id);
    request.mutable_execution()->set_run_id(run_id);
    return engine_->Describe("ns", request);
  }

  // Describe's extended info of the run (empty when Describe fails, which the test reports).
  temporal::api::workflow::v1::WorkflowExecutionExtendedInfo Extended(
      const std::string& workflow_id, const std::string& run_id) {
    auto described = Describe(workflow_id, run_id);
    EXPECT_TRUE(described.IsSuccess()) << described.Error().Message();
    return described.IsSuccess() ? described.Value().workflow_extended_info()
                                 : temporal::api::workflow::v1::WorkflowExecutionExtendedInfo();
  }
};

TEST_F(ResetTest, TheSignalsAfterTheResetPointAreAppliedToTheNewRunExactlyOnce) {
  const std::string base_run_id = Start("w1");
  RunWorkflowTask({});
  Signal("w1", "one");
  RunWorkflowTask({});
  Signal("w1", "two");
  const hist::History base = History("w1");
  const int64_t point = First(base, enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED);

  auto reset = Reset("w1", base_run_id, point, "reset-1");
  ASSERT_TRUE(reset.IsSuccess()) << reset.Error().Message();
  const std::string new_run_id = reset.Value().run_id();
  EXPECT_NE(new_run_id, base_run_id);
  EXPECT_EQ(CurrentRunId("w1"), new_run_id);

  const hist::History history = History("w1", new_run_id);
  EXPECT_EQ(Types(history), (std::vector<EventType>{
                                enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
                                enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
                                enums::EVENT_TYPE_WORKFLOW_TASK_STARTED,
                                enums::EVENT_TYPE_WORKFLOW_TASK_FAILED,
                                enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
                                enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
                                enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
                            }));
  for (int i = 0; i < point - 1; ++i) {
    EXPECT_EQ(history.events(i).SerializeAsString(), base.events(i).SerializeAsString());
  }
  const auto& failed = history.events(3).workflow_task_failed_event_attributes();
  EXPECT_EQ(failed.cause(), enums::WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW);
  EXPECT_EQ(failed.base_run_id(), base_run_id);
  EXPECT_EQ(failed.new_run_id(), new_run_id);
  EXPECT_EQ(failed.failure().message(), "try again");
  EXPECT_TRUE(failed.failure().has_reset_workflow_failure_info());
  EXPECT_EQ(failed.identity(), "history-service");
  EXPECT_EQ(history.events(4).workflow_execution_signaled_event_attributes().signal_name(), "one");
  EXPECT_EQ(history.events(5).workflow_execution_signaled_event_attributes().signal_name(), "two");
  EXPECT_EQ(Stored("w1", new_run_id).signal_count(), 2);

  const hist::History old = History("w1", base_run_id);
  const auto& last = old.events(old.events_size() - 1);
  ASSERT_EQ(last.event_type(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED);
  EXPECT_EQ(last.workflow_execution_terminated_event_attributes().reason(), "try again");
  EXPECT_EQ(last.workflow_execution_terminated_event_attributes().identity(), "history-resetter");

  // The new run's workflow task is the next one a worker gets, with the whole new history.
  auto task = PollWorkflowTask();
  ASSERT_FALSE(task.task_token().empty());
  EXPECT_EQ(task.workflow_execution().run_id(), new_run_id);
  EXPECT_EQ(task.attempt(), 1);
  Complete(task.task_token(), {CompleteWorkflow()});
  EXPECT_EQ(Stored("w1", new_run_id).status(), enums::WORKFLOW_EXECUTION_STATUS_COMPLETED);
}

TEST_F(ResetTest, PendingActivitiesAndTimersOfTheResetPointComeBack) {
  const std::string base_run_id = Start("w2");
  RunWorkflowTask({ScheduleActivity("a1"), StartTimer("t1", 60)});
  ASSERT_FALSE(PollActivityTask().task_token().empty());  // the base run's attempt
  Signal("w2", "go");
  RunWorkflowTask({});
  const hist::History base = History("w2");
  int64_t point = 0;
  for (const auto& event : base.events()) {
    if (event.event_type() == enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED) point = event.event_id();
  }

  auto reset = Reset("w2", base_run_id, point, "reset-2");
  ASSERT_TRUE(reset.IsSuccess()) << reset.Error().Message();
  const std::string new_run_id = reset.Value().run_id();
  const auto state = Stored("w2", new_run_id);
  EXPECT_EQ(state.activities_size(), 1);
  EXPECT_EQ(state.timers_size(), 1);

  auto activity = PollActivityTask();
  ASSERT_FALSE(activity.task_token().empty());
  EXPECT_EQ(activity.workflow_execution().run_id(), new_run_id);
  EXPECT_EQ(activity.activity_id(), "a1");

  RunWorkflowTask({});
  Advance(61'000);
  const auto types = Types(History("w2", new_run_id));
  EXPECT_NE(std::find(types.begin(), types.end(), enums::EVENT_TYPE_TIMER_FIRED), types.end());
}

TEST_F(ResetTest, ABadResetPointIsRefusedAndChangesNothing) {
  const std::string run_id = Start("w3");
  RunWorkflowTask({});
  Signal("w3", "one");
  const int64_t next_event_id = Stored("w3", run_id).next_event_id();
  const std::string before = History("w3").SerializeAsString();
  for (int64_t bad : {int64_t{0}, int64_t{1}, next_event_id, next_event_id + 5}) {
    auto reset = Reset("w3", run_id, bad, "bad");
    ASSERT_TRUE(reset.IsFailure()) << bad;
    EXPECT_EQ(reset.Error().Code(), errors::kInvalidArgument);
    EXPECT_EQ(reset.Error().Message(),
              "Workflow task finish ID must be > 1 && <= workflow last event ID.");
  }
  // Event 2 is inside the first batch (Started, WorkflowTaskScheduled): not a boundary.
  auto inside = Reset("w3", run_id, 2, "bad");
  ASSERT_TRUE(inside.IsFailure());
  EXPECT_EQ(inside.Error().Code(), errors::kInvalidArgument);
  EXPECT_EQ(inside.Error().Message(),
            "StateRebuilder unable to Rebuild mutable state to event ID: 1, version: 0, this event "
            "must be at the boundary");
  // Event 5 (the signal): before it, the workflow task has completed and none is pending.
  auto reset = Reset("w3", run_id, 5, "bad");
  ASSERT_TRUE(reset.IsFailure());
  EXPECT_EQ(reset.Error().Code(), errors::kInvalidArgument);
  EXPECT_EQ(reset.Error().Message(),
            "Can only reset workflow to event ID in range [WorkflowTaskScheduled +1, "
            "WorkflowTaskStarted + 1]: 5");
  EXPECT_EQ(History("w3").SerializeAsString(), before);
  EXPECT_EQ(CurrentRunId("w3"), run_id);
  EXPECT_EQ(Stored("w3", run_id).status(), enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
}

// A waiting poller gets a workflow task in the transaction that schedules it, so hdo stores
// WorkflowTaskScheduled and WorkflowTaskStarted in one batch where the reference writes two: the
// Started event is still a reset point (the Python suite's test_random_seed_functionality).
TEST_F(ResetTest, AWorkflowTaskStartedInItsSchedulingBatchIsAResetPoint) {
  const std::string base_run_id = Start("w5");
  RunWorkflowTask({});
  std::optional<wf::PollWorkflowTaskQueueResponse> waiting;
  const uint64_t parked = matcher_.PollWorkflowTask(
      "ns", {"default", "queue", "worker", "", false}, std::chrono::seconds(60),
      [&waiting](auto task) { waiting = std::move(task); });
  ASSERT_NE(parked, 0u);
  Signal("w5", "go");  // one batch: Signaled, WorkflowTaskScheduled, WorkflowTaskStarted
  ASSERT_TRUE(waiting.has_value());
  const hist::History base = History("w5");
  const int64_t started = base.events(base.events_size() - 1).event_id();
  ASSERT_EQ(base.events(base.events_size() - 1).event_type(),
            enums::EVENT_TYPE_WORKFLOW_TASK_STARTED);

  auto reset = Reset("w5", base_run_id, started, "reset-5");
  ASSERT_TRUE(reset.IsSuccess()) << reset.Error().Message();
  const auto types = Types(History("w5", reset.Value().run_id()));
  // The new run: the events before the Started one, then the task failed (RESET_WORKFLOW).
  ASSERT_GE(types.size(), static_cast<size_t>(started + 1));
  EXPECT_EQ(types[static_cast<size_t>(started - 2)], enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
  EXPECT_EQ(types[static_cast<size_t>(started - 1)], enums::EVENT_TYPE_WORKFLOW_TASK_STARTED);
  EXPECT_EQ(types[static_cast<size_t>(started)], enums::EVENT_TYPE_WORKFLOW_TASK_FAILED);
}

TEST_F(ResetTest, ARetriedResetAnswersTheRunItCreated) {
  const std::string run_id = Start("w4");
  RunWorkflowTask({});
  Signal("w4", "one");
  auto first = Reset("w4", run_id, 4, "same-request");
  ASSERT_TRUE(first.IsSuccess()) << first.Error().Message();
  const std::string after_first = History("w4", first.Value().run_id()).SerializeAsString();
  auto second = Reset("w4", run_id, 4, "same-request");
  ASSERT_TRUE(second.IsSuccess()) << second.Error().Message();
  EXPECT_EQ(second.Value().run_id(), first.Value().run_id());
  EXPECT_EQ(History("w4", first.Value().run_id()).SerializeAsString(), after_first);

  // Another request resets the closed base run again: the new current run is terminated.
  auto third = Reset("w4", run_id, 4, "another-request");
  ASSERT_TRUE(third.IsSuccess()) << third.Error().Message();
  EXPECT_NE(third.Value().run_id(), first.Value().run_id());
  EXPECT_EQ(CurrentRunId("w4"), third.Value().run_id());
  EXPECT_EQ(Stored("w4", first.Value().run_id()).status(),
            enums::WORKFLOW_EXECUTION_STATUS_TERMINATED);
}

// The reference's UpdateResetRunID and RequestIds: the base run names the run each reset of it
// created (running base: with its termination; closed base: a change of that alone), and each
// run's Describe lists its start's request id at the Started event.
TEST_F(ResetTest, TheBaseRunNamesTheRunItsResetCreated) {
  const std::string base = Start("w5");
  RunWorkflowTask({});
  EXPECT_EQ(Extended("w5", base).reset_run_id(), "");
  auto first = Reset("w5", base, 4, "reset-one");
  ASSERT_TRUE(first.IsSuccess()) << first.Error().Message();
  EXPECT_EQ(Extended("w5", base).reset_run_id(), first.Value().run_id());
  EXPECT_EQ(Stored("w5", base).reset_run_id(), first.Value().run_id());
  EXPECT_EQ(Stored("w5", base).status(), enums::WORKFLOW_EXECUTION_STATUS_TERMINATED);

  auto base_ids = Extended("w5", base).request_id_infos();
  ASSERT_EQ(base_ids.size(), 1u);
  EXPECT_EQ(base_ids.at("start-w5").event_type(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
  EXPECT_EQ(base_ids.at("start-w5").event_id(), 1);
  EXPECT_FALSE(base_ids.at("start-w5").buffered());
  auto reset_ids = Extended("w5", first.Value().run_id()).request_id_infos();
  ASSERT_EQ(reset_ids.size(), 1u);
  EXPECT_EQ(reset_ids.at("reset-one").event_type(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
  EXPECT_EQ(reset_ids.at("reset-one").event_id(), 1);

  // The closed base run reset again: it names the newer run; the run terminated this time was
  // not the base and names none.
  const int64_t base_events = Stored("w5", base).next_event_id();
  auto second = Reset("w5", base, 4, "reset-two");
  ASSERT_TRUE(second.IsSuccess()) << second.Error().Message();
  EXPECT_EQ(Extended("w5", base).reset_run_id(), second.Value().run_id());
  EXPECT_EQ(Stored("w5", base).next_event_id(), base_events);  // no event added to it
  EXPECT_EQ(Extended("w5", first.Value().run_id()).reset_run_id(), "");
  EXPECT_EQ(Stored("w5", first.Value().run_id()).status(),
            enums::WORKFLOW_EXECUTION_STATUS_TERMINATED);
  EXPECT_EQ(CurrentRunId("w5"), second.Value().run_id());
}

// Starts attached to a running run (USE_EXISTING, attach_request_id) are listed in Describe's
// request_id_infos at their WorkflowExecutionOptionsUpdated event: buffered while a workflow
// task runs, then at the number the event got when it reached history.
TEST_F(ResetTest, AttachedStartsAreListedAtTheirEvent) {
  Start("w6");
  auto task = PollWorkflowTask();
  ASSERT_FALSE(task.task_token().empty());
  auto join = [this](const std::string& request_id) {
    wf::StartWorkflowExecutionRequest request;
    request.set_workflow_id("w6");
    request.mutable_workflow_type()->set_name("Flow");
    request.mutable_task_queue()->set_name("queue");
    request.set_request_id(request_id);
    request.set_workflow_id_conflict_policy(enums::WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING);
    request.mutable_on_conflict_options()->set_attach_request_id(true);
    auto joined = engine_->StartWorkflow("ns", request);
    EXPECT_TRUE(joined.IsSuccess()) << joined.Error().Message();
    EXPECT_FALSE(joined.IsSuccess() && joined.Value().started());
  };
  join("join-one");
  auto ids = Extended("w6", "").request_id_infos();
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids.at("start-w6").event_id(), 1);
  EXPECT_EQ(ids.at("join-one").event_type(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED);
  EXPECT_TRUE(ids.at("join-one").buffered());
  EXPECT_EQ(ids.at("join-one").event_id(), 0);

  Complete(task.task_token(), {});  // the buffered event reaches history
  join("join-two");                 // no workflow task started: numbered at once
  join("join-one");                 // a retry: attaches nothing more
  std::vector<int64_t> updated;
  const hist::History history = History("w6");
  for (const auto& event : history.events()) {
    if (event.event_type() == enums::EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED) {
      updated.push_back(event.event_id());
    }
  }
  ASSERT_EQ(updated.size(), 2u);
  ids = Extended("w6", "").request_id_infos();
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_FALSE(ids.at("join-one").buffered());
  EXPECT_EQ(ids.at("join-one").event_id(), updated[0]);
  EXPECT_FALSE(ids.at("join-two").buffered());
  EXPECT_EQ(ids.at("join-two").event_id(), updated[1]);
}

class DeleteTest : public ResetTest {
 protected:
  hugo::Result<wf::DeleteWorkflowExecutionResponse> Delete(const std::string& workflow_id,
                                                           const std::string& run_id) {
    wf::DeleteWorkflowExecutionRequest request;
    request.mutable_workflow_execution()->set_workflow_id(workflow_id);
    request.mutable_workflow_execution()->set_run_id(run_id);
    return engine_->Delete("ns", request);
  }
  size_t OutboxSize() {
    auto transfer = store_.LoadTransferTasks(0, 1000);
    auto timers = store_.LoadTimerTasks(0, 1000);
    return transfer.Value().size() + timers.Value().size();
  }
};

TEST_F(DeleteTest, ARunningRunIsTerminatedThenRemovedWithItsOutbox) {
  const std::string run_id = Start("d1");
  RunWorkflowTask({ScheduleActivity("a1"), StartTimer("t1", 60)});
  ASSERT_GT(OutboxSize(), 0u);
  ASSERT_TRUE(Delete("d1", "").IsSuccess());
  EXPECT_EQ(OutboxSize(), 0u);
  EXPECT_EQ(Describe("d1", run_id).Error().Code(), errors::kNotFound);
  EXPECT_EQ(Describe("d1", "").Error().Code(), errors::kNotFound);
  EXPECT_EQ(HistoryOf("d1", run_id).Error().Code(), errors::kNotFound);
  EXPECT_EQ(Delete("d1", run_id).Error().Code(), errors::kNotFound);
  // Nothing of it fires or dispatches any more, and its workflow id is free.
  Advance(120'000);
  EXPECT_TRUE(PollActivityTask().task_token().empty());
  EXPECT_FALSE(Start("d1").empty());
}

TEST_F(DeleteTest, AClosedRunThatIsNotCurrentLeavesTheCurrentRunAlone) {
  const std::string base_run_id = Start("d2");
  RunWorkflowTask({});
  Signal("d2", "one");
  auto reset = Reset("d2", base_run_id, 4, "reset-d2");
  ASSERT_TRUE(reset.IsSuccess()) << reset.Error().Message();
  ASSERT_TRUE(Delete("d2", base_run_id).IsSuccess());
  EXPECT_EQ(Describe("d2", base_run_id).Error().Code(), errors::kNotFound);
  EXPECT_EQ(CurrentRunId("d2"), reset.Value().run_id());
  auto current = Describe("d2", "");
  ASSERT_TRUE(current.IsSuccess());
  EXPECT_EQ(current.Value().workflow_execution_info().execution().run_id(), reset.Value().run_id());
}

}  // namespace
}  // namespace hdo::history

namespace hdo::history {
namespace {

// GetWorkflowExecutionHistoryReverse: the run's events newest first, page by page, every event
// once; tokens of the forward read and of another run are refused.
class ReverseHistoryTest : public ResetTest {
 protected:
  hugo::Result<wf::GetWorkflowExecutionHistoryReverseResponse> Reverse(
      const std::string& workflow_id, int page_size, const std::string& token,
      const std::string& run_id = "") {
    wf::GetWorkflowExecutionHistoryReverseRequest request;
    request.mutable_execution()->set_workflow_id(workflow_id);
    request.mutable_execution()->set_run_id(run_id);
    request.set_maximum_page_size(page_size);
    request.set_next_page_token(token);
    return engine_->GetHistoryReverse("ns", request);
  }
};

TEST_F(ReverseHistoryTest, ReadsTheEventsNewestFirstPageByPage) {
  const std::string run_id = Start("r1");
  RunWorkflowTask({});
  Signal("r1", "one");
  Signal("r1", "two");
  const auto forward = History("r1", run_id);
  ASSERT_GE(forward.events_size(), 6);
  std::vector<int64_t> expected;
  for (int i = forward.events_size() - 1; i >= 0; --i) {
    expected.push_back(forward.events(i).event_id());
  }
  for (int page_size : {1, 2, 4, 100}) {
    std::vector<int64_t> read;
    std::string token;
    int pages = 0;
    do {
      auto page = Reverse("r1", page_size, token);
      ASSERT_TRUE(page.IsSuccess()) << page.Error().Message();
      EXPECT_LE(page.Value().history().events_size(), page_size);
      for (const auto& event : page.Value().history().events()) read.push_back(event.event_id());
      token = page.Value().next_page_token();
      ASSERT_LT(++pages, 100);
    } while (!token.empty());
    EXPECT_EQ(read, expected) << "page size " << page_size;
  }
  // The newest event is the last signal, whole.
  auto newest = Reverse("r1", 1, "");
  ASSERT_TRUE(newest.IsSuccess());
  EXPECT_EQ(newest.Value().history().events(0).SerializeAsString(),
            forward.events(forward.events_size() - 1).SerializeAsString());

  // A forward read's token, or a token of another run, is refused.
  wf::GetWorkflowExecutionHistoryRequest first_page;
  first_page.mutable_execution()->set_workflow_id("r1");
  first_page.set_maximum_page_size(1);
  std::string forward_token;
  engine_->GetHistory("ns", first_page, [&forward_token](auto page) {
    ASSERT_TRUE(page.IsSuccess());
    forward_token = page.Value().next_page_token();
  });
  ASSERT_FALSE(forward_token.empty());
  auto refused = Reverse("r1", 1, forward_token);
  ASSERT_TRUE(refused.IsFailure());
  EXPECT_EQ(refused.Error().Message(), "Invalid NextPageToken.");
  auto page = Reverse("r1", 1, "", run_id);
  ASSERT_TRUE(page.IsSuccess());
  auto other_run = Reverse("r1", 1, page.Value().next_page_token(), "not-" + run_id);
  ASSERT_TRUE(other_run.IsFailure());
  EXPECT_EQ(other_run.Error().Message(), "RunId in the request does not match the NextPageToken.");
  EXPECT_EQ(Reverse("nobody", 1, "").Error().Code(), errors::kNotFound);
}

}  // namespace
}  // namespace hdo::history
