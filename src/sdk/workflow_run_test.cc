// WorkflowRun against hand-built histories: activations, command/event matching, the
// non-determinism errors, timers, signals with Selector, conditions, SideEffect and GetVersion.
#include "workflow_run.h"

#include <gtest/gtest.h>

#include "hdo/replayer.h"

namespace hdo {
namespace {

namespace enums = temporal::api::enums::v1;
using internal::HistoryEvent;
using internal::WorkflowRun;

class HistoryBuilder {
 public:
  explicit HistoryBuilder(std::string workflow_type, Payloads input = {}) {
    auto& e = Add(enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
    auto* a = e.mutable_workflow_execution_started_event_attributes();
    a->mutable_workflow_type()->set_name(workflow_type);
    a->mutable_task_queue()->set_name("q");
    *a->mutable_input() = std::move(input);
    a->set_original_execution_run_id("run-1");
    a->set_first_execution_run_id("run-1");
    a->set_workflow_id("wf-1");
  }
  HistoryEvent& Add(enums::EventType type) {
    HistoryEvent& e = *history_.add_events();
    e.set_event_id(history_.events_size());
    e.set_event_type(type);
    e.mutable_event_time()->set_seconds(1'700'000'000 + history_.events_size());
    return e;
  }
  // Scheduled + Started (the task being answered when nothing follows).
  int64_t WorkflowTask() {
    Add(enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
    return Add(enums::EVENT_TYPE_WORKFLOW_TASK_STARTED).event_id();
  }
  int64_t Completed() { return Add(enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED).event_id(); }
  int64_t ActivityScheduled(const std::string& id, const std::string& type) {
    auto& e = Add(enums::EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
    e.mutable_activity_task_scheduled_event_attributes()->set_activity_id(id);
    e.mutable_activity_task_scheduled_event_attributes()->mutable_activity_type()->set_name(type);
    return e.event_id();
  }
  void ActivityCompleted(int64_t scheduled, const Payloads& result) {
    auto& e = Add(enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
    e.mutable_activity_task_completed_event_attributes()->set_scheduled_event_id(scheduled);
    *e.mutable_activity_task_completed_event_attributes()->mutable_result() = result;
  }
  void TimerStarted(const std::string& id) {
    Add(enums::EVENT_TYPE_TIMER_STARTED).mutable_timer_started_event_attributes()->set_timer_id(id);
  }
  void TimerFired(const std::string& id) {
    Add(enums::EVENT_TYPE_TIMER_FIRED).mutable_timer_fired_event_attributes()->set_timer_id(id);
  }
  void Signal(const std::string& name, const Payloads& input) {
    auto& e = Add(enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
    e.mutable_workflow_execution_signaled_event_attributes()->set_signal_name(name);
    *e.mutable_workflow_execution_signaled_event_attributes()->mutable_input() = input;
  }
  // A local activity's marker, as the SDK records it (activity id, type, result).
  void LocalActivityMarker(const std::string& id, const std::string& type, const Payloads& result) {
    auto* a = Add(enums::EVENT_TYPE_MARKER_RECORDED).mutable_marker_recorded_event_attributes();
    a->set_marker_name("LocalActivity");
    (*a->mutable_details())["activity_id"] = ToPayloads(id).Value();
    (*a->mutable_details())["type"] = ToPayloads(type).Value();
    (*a->mutable_details())["result"] = result;
  }
  void WorkflowCompleted(const Payloads& result) {
    *Add(enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)
         .mutable_workflow_execution_completed_event_attributes()
         ->mutable_result() = result;
  }
  const temporal::api::history::v1::History& history() const { return history_; }

 private:
  temporal::api::history::v1::History history_;
};

Payloads P(const std::string& text) { return ToPayloads(text).Value(); }

// The string result of the live activation's reply when that reply is one completion; otherwise
// what the reply was instead.
std::string CompletedWith(WorkflowRun& run) {
  auto commands = run.TakeCommands();
  if (commands.size() != 1 || !commands[0].has_complete_workflow_execution_command_attributes()) {
    return std::to_string(commands.size()) + " commands, not one completion";
  }
  auto result = FromPayloads1<std::string>(
      commands[0].complete_workflow_execution_command_attributes().result());
  return result.IsSuccess() ? result.Value() : result.Error().ToString();
}

ActivityOptions Quick() {
  ActivityOptions o;
  o.start_to_close_timeout = std::chrono::seconds(5);
  return o;
}

Workflow<std::string> GreetV1(WorkflowContext ctx, std::string name) {
  auto text = co_await ctx.ExecuteActivity<std::string>("Compose", Quick(), name);
  if (text.IsFailure()) co_return text.Error();
  co_return text.Value() + "!";
}

Workflow<std::string> GreetV2(WorkflowContext ctx, std::string name) {
  auto text = co_await ctx.ExecuteActivity<std::string>("ComposeFormally", Quick(), name);
  if (text.IsFailure()) co_return text.Error();
  co_return text.Value() + ".";
}

Workflow<std::string> GreetVersioned(WorkflowContext ctx, std::string name) {
  auto version = ctx.GetVersion("formal-greeting", WorkflowContext::kDefaultVersion, 1);
  if (version.IsFailure()) co_return version.Error();
  std::string activity = version.Value() == 1 ? "ComposeFormally" : "Compose";
  auto text = co_await ctx.ExecuteActivity<std::string>(activity, Quick(), name);
  if (text.IsFailure()) co_return text.Error();
  co_return text.Value() + (version.Value() == 1 ? "." : "!");
}

struct Fixture {
  WorkflowRegistry registry;
  std::unique_ptr<WorkflowRun> NewRun() {
    return std::make_unique<WorkflowRun>(&registry, nullptr,
                                         internal::WorkflowRunOptions{"default", "q", "test"});
  }
};

TEST(WorkflowRunTest, TheFirstActivationSchedulesTheActivityAndTheNextCompletesTheWorkflow) {
  Fixture f;
  f.registry.Register("Greet", &GreetV1);
  HistoryBuilder h("Greet", P("Ada"));
  h.WorkflowTask();
  auto run = f.NewRun();
  ASSERT_TRUE(run->AppendEvents(h.history().events()).IsSuccess());
  run->SetWorkflowId("wf-1");
  ASSERT_TRUE(run->Advance(true).IsSuccess());
  auto commands = run->TakeCommands();
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_EQ(commands[0].command_type(), enums::COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK);
  EXPECT_EQ(commands[0].schedule_activity_task_command_attributes().activity_type().name(),
            "Compose");
  EXPECT_EQ(commands[0].schedule_activity_task_command_attributes().activity_id(), "1");
  EXPECT_EQ(commands[0].schedule_activity_task_command_attributes().task_queue().name(), "q");

  // The sticky continuation: only the new events.
  HistoryBuilder next = h;
  next.Completed();
  int64_t scheduled = next.ActivityScheduled("1", "Compose");
  next.ActivityCompleted(scheduled, P("Hello, Ada"));
  next.WorkflowTask();
  ASSERT_TRUE(run->AppendEvents(next.history().events()).IsSuccess());
  ASSERT_TRUE(run->Advance(true).IsSuccess());
  commands = run->TakeCommands();
  ASSERT_EQ(commands.size(), 1u);
  ASSERT_EQ(commands[0].command_type(), enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION);
  auto result = FromPayloads1<std::string>(
      commands[0].complete_workflow_execution_command_attributes().result());
  ASSERT_TRUE(result.IsSuccess());
  EXPECT_EQ(result.Value(), "Hello, Ada!");
  EXPECT_TRUE(run->closed());
}

HistoryBuilder GreetV1History() {
  HistoryBuilder h("Greet", P("Ada"));
  h.WorkflowTask();
  h.Completed();
  int64_t scheduled = h.ActivityScheduled("1", "Compose");
  h.ActivityCompleted(scheduled, P("Hello, Ada"));
  h.WorkflowTask();
  h.Completed();
  h.WorkflowCompleted(P("Hello, Ada!"));
  return h;
}

TEST(WorkflowRunTest, ReplayingTheSameCodeMatchesEveryEvent) {
  Replayer replayer;
  replayer.RegisterWorkflow("Greet", &GreetV1);
  auto replayed = replayer.ReplayHistory(GreetV1History().history());
  EXPECT_TRUE(replayed.IsSuccess()) << replayed.Error().ToString();
}

TEST(WorkflowRunTest, AChangedActivityIsANonDeterminismErrorNamingTheEventAndTheCommand) {
  Replayer replayer;
  replayer.RegisterWorkflow("Greet", &GreetV2);
  auto replayed = replayer.ReplayHistory(GreetV1History().history());
  ASSERT_TRUE(replayed.IsFailure());
  EXPECT_EQ(replayed.Error().Code(), WorkflowErrorCodes::kNonDeterminism);
  EXPECT_NE(replayed.Error().Message().find("event 5 ACTIVITY_TASK_SCHEDULED (1, activity type "
                                            "Compose)"),
            std::string::npos)
      << replayed.Error().Message();
  EXPECT_NE(replayed.Error().Message().find("ComposeFormally"), std::string::npos)
      << replayed.Error().Message();
}

TEST(WorkflowRunTest, TheSameChangeBehindGetVersionReplaysTheOldHistoryCleanly) {
  Replayer replayer;
  replayer.RegisterWorkflow("Greet", &GreetVersioned);
  auto replayed = replayer.ReplayHistory(GreetV1History().history());
  EXPECT_TRUE(replayed.IsSuccess()) << replayed.Error().ToString();

  // A new run takes the new branch and records the version marker before the activity.
  Fixture f;
  f.registry.Register("Greet", &GreetVersioned);
  HistoryBuilder h("Greet", P("Ada"));
  h.WorkflowTask();
  auto run = f.NewRun();
  ASSERT_TRUE(run->AppendEvents(h.history().events()).IsSuccess());
  run->SetWorkflowId("wf-1");
  ASSERT_TRUE(run->Advance(true).IsSuccess());
  auto commands = run->TakeCommands();
  ASSERT_EQ(commands.size(), 2u);
  EXPECT_EQ(commands[0].command_type(), enums::COMMAND_TYPE_RECORD_MARKER);
  EXPECT_EQ(commands[0].record_marker_command_attributes().marker_name(), "hugo.version");
  EXPECT_EQ(commands[1].schedule_activity_task_command_attributes().activity_type().name(),
            "ComposeFormally");
}

TEST(WorkflowRunTest, AHistoryEventWithoutACommandIsNonDeterminism) {
  Replayer replayer;
  replayer.RegisterWorkflow(
      "Greet", [](WorkflowContext, std::string name) -> Workflow<std::string> { co_return name; });
  auto replayed = replayer.ReplayHistory(GreetV1History().history());
  ASSERT_TRUE(replayed.IsFailure());
  EXPECT_EQ(replayed.Error().Code(), WorkflowErrorCodes::kNonDeterminism);
  EXPECT_NE(replayed.Error().Message().find("event 5 ACTIVITY_TASK_SCHEDULED"), std::string::npos)
      << replayed.Error().Message();
}

Workflow<std::string> TimerOrSignal(WorkflowContext ctx) {
  auto signal = ctx.GetSignalChannel<std::string>("wake");
  auto timer = ctx.NewTimer(std::chrono::minutes(5));
  std::string outcome;
  Selector selector(ctx);
  selector.AddReceive(signal,
                      [&](hugo::Result<std::string> v) { outcome = "signal:" + v.Value(); });
  selector.AddFuture(timer, [&](const hugo::Result<hugo::Unit>&) { outcome = "timer"; });
  auto selected = co_await selector.Select();
  if (selected.IsFailure()) co_return selected.Error();
  co_return outcome;
}

TEST(WorkflowRunTest, ASelectorTakesTheSignalAndTheTimerIsCanceledNever) {
  Fixture f;
  f.registry.Register("TimerOrSignal", &TimerOrSignal);
  HistoryBuilder h("TimerOrSignal");
  h.WorkflowTask();
  h.Completed();
  h.TimerStarted("1");
  h.Signal("wake", P("now"));
  h.WorkflowTask();
  auto run = f.NewRun();
  ASSERT_TRUE(run->AppendEvents(h.history().events()).IsSuccess());
  run->SetWorkflowId("wf-1");
  ASSERT_TRUE(run->Advance(true).IsSuccess());
  EXPECT_EQ(CompletedWith(*run), "signal:now");
}

// Reads one `add` signal and reports what is left unread.
Workflow<std::string> ReadsOneSignal(WorkflowContext ctx) {
  auto add = ctx.GetSignalChannel<std::string>("add");
  std::string before;
  for (const auto& name : ctx.GetUnhandledSignalNames()) before += name + " ";
  auto first = co_await add.Receive();
  if (first.IsFailure()) co_return first.Error();
  std::string after;
  for (const auto& name : ctx.GetUnhandledSignalNames()) after += name + " ";
  co_return "before: " + before + "| read " + first.Value() + " | after: " + after;
}

TEST(WorkflowRunTest, UnhandledSignalNamesAreTheSignalsReceivedAndNotYetRead) {
  Fixture f;
  f.registry.Register("ReadsOneSignal", &ReadsOneSignal);
  HistoryBuilder h("ReadsOneSignal");
  h.Signal("add", P("a"));
  h.Signal("add", P("b"));
  h.Signal("stop", P("x"));
  h.WorkflowTask();
  auto run = f.NewRun();
  ASSERT_TRUE(run->AppendEvents(h.history().events()).IsSuccess());
  ASSERT_TRUE(run->Advance(true).IsSuccess());
  EXPECT_EQ(CompletedWith(*run), "before: add stop | read a | after: add stop ");
}

TEST(WorkflowRunTest, UnhandledSignalNamesLeaveOutChannelsReadEmpty) {
  Fixture f;
  f.registry.Register("ReadsOneSignal", &ReadsOneSignal);
  HistoryBuilder h("ReadsOneSignal");
  h.Signal("add", P("a"));
  h.WorkflowTask();
  auto run = f.NewRun();
  ASSERT_TRUE(run->AppendEvents(h.history().events()).IsSuccess());
  ASSERT_TRUE(run->Advance(true).IsSuccess());
  EXPECT_EQ(CompletedWith(*run), "before: add | read a | after: ");
}

TEST(WorkflowRunTest, TheTimerWinsWhenItFiresFirst) {
  Fixture f;
  f.registry.Register("TimerOrSignal", &TimerOrSignal);
  HistoryBuilder h("TimerOrSignal");
  h.WorkflowTask();
  h.Completed();
  h.TimerStarted("1");
  h.TimerFired("1");
  h.WorkflowTask();
  auto run = f.NewRun();
  ASSERT_TRUE(run->AppendEvents(h.history().events()).IsSuccess());
  ASSERT_TRUE(run->Advance(true).IsSuccess());
  EXPECT_EQ(CompletedWith(*run), "timer");
}

// Local activities in replay: their markers resolve the calls one at a time, in history order,
// each followed by the code it wakes (the order the live run saw their outcomes in), and a call
// whose marker is in a later task (its attempt outlived a heartbeat) waits for it.
Workflow<std::string> BothLocalInOrder(WorkflowContext ctx) {
  LocalActivityOptions options;
  options.start_to_close_timeout = std::chrono::seconds(10);
  auto a = ctx.ExecuteLocalActivity<std::string>("A", options);
  auto b = ctx.ExecuteLocalActivity<std::string>("B", options);
  std::string order;
  Selector selector(ctx);
  selector.AddFuture(a, [&](const hugo::Result<std::string>& v) { order += v.ValueOr("?"); });
  selector.AddFuture(b, [&](const hugo::Result<std::string>& v) { order += v.ValueOr("?"); });
  auto first = co_await selector.Select();
  if (first.IsFailure()) co_return first.Error();
  auto second = co_await selector.Select();
  if (second.IsFailure()) co_return second.Error();
  auto slept = co_await ctx.Sleep(std::chrono::minutes(1));
  if (slept.IsFailure()) co_return slept.Error();
  co_return order;
}

TEST(WorkflowRunTest, LocalActivityMarkersResolveTheirCallsOneAtATimeInHistoryOrder) {
  Fixture f;
  f.registry.Register("BothLocalInOrder", &BothLocalInOrder);
  HistoryBuilder h("BothLocalInOrder");
  h.WorkflowTask();
  h.Completed();
  h.LocalActivityMarker("2", "B", P("b"));  // B's outcome came first
  h.LocalActivityMarker("1", "A", P("a"));
  h.TimerStarted("3");
  h.TimerFired("3");
  h.WorkflowTask();
  auto run = f.NewRun();
  ASSERT_TRUE(run->AppendEvents(h.history().events()).IsSuccess());
  auto advanced = run->Advance(true);
  ASSERT_TRUE(advanced.IsSuccess()) << advanced.Error().ToString();
  EXPECT_EQ(CompletedWith(*run), "ba");
}

Workflow<std::string> OneLocal(WorkflowContext ctx) {
  LocalActivityOptions options;
  options.start_to_close_timeout = std::chrono::seconds(30);
  auto outcome = co_await ctx.ExecuteLocalActivity<std::string>("Slow", options);
  if (outcome.IsFailure()) co_return outcome.Error();
  co_return outcome.Value();
}

TEST(WorkflowRunTest, ALocalActivityWhoseMarkerIsInALaterTaskReplaysAfterTheHeartbeats) {
  HistoryBuilder h("OneLocal");
  h.WorkflowTask();
  h.Completed();  // a heartbeat: the attempt still ran
  h.WorkflowTask();
  h.Completed();  // another
  h.WorkflowTask();
  h.Completed();
  h.LocalActivityMarker("1", "Slow", P("done"));
  h.WorkflowCompleted(P("done"));
  Replayer replayer;
  replayer.RegisterWorkflow("OneLocal", &OneLocal);
  auto replayed = replayer.ReplayHistory(h.history());
  EXPECT_TRUE(replayed.IsSuccess()) << replayed.Error().ToString();
}

// A run advanced where it may not block (a gRPC thread) stops where the live activation would
// wait for its local activity, with no reply yet; Resume, where it may wait, takes the outcome
// and finishes the activation with the marker and the completion.
TEST(WorkflowRunTest, AnActivationThatMayNotWaitStopsAtItsLocalActivityAndResumeFinishesIt) {
  WorkflowRegistry registry;
  registry.Register("OneLocal", &OneLocal);
  std::vector<std::function<void()>> attempts;  // started, not yet run
  internal::WorkflowRunOptions options{"default", "q", "test"};
  options.submit_local_activity = [&attempts](std::function<void()> attempt) {
    attempts.push_back(std::move(attempt));
  };
  WorkflowRun run(
      &registry,
      [](const ActivityInvocation&) -> hugo::Result<Payloads> {
        return ToPayloads(std::string("slow"));
      },
      options);
  HistoryBuilder h("OneLocal");
  h.WorkflowTask();
  ASSERT_TRUE(run.AppendEvents(h.history().events()).IsSuccess());
  run.AllowWaiting(false);
  auto advanced = run.Advance(true);
  ASSERT_TRUE(advanced.IsSuccess()) << advanced.Error().ToString();
  EXPECT_TRUE(run.waiting());
  EXPECT_TRUE(run.TakeCommands().empty());
  ASSERT_EQ(attempts.size(), 1u);

  attempts[0]();  // the attempt completes (on the local activity pool)
  auto resumed = run.Resume();
  ASSERT_TRUE(resumed.IsSuccess()) << resumed.Error().ToString();
  EXPECT_FALSE(run.waiting());
  auto commands = run.TakeCommands();
  ASSERT_EQ(commands.size(), 2u);
  EXPECT_EQ(commands[0].command_type(), enums::COMMAND_TYPE_RECORD_MARKER);
  ASSERT_EQ(commands[1].command_type(), enums::COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION);
  EXPECT_EQ(FromPayloads1<std::string>(
                commands[1].complete_workflow_execution_command_attributes().result())
                .ValueOr("?"),
            "slow");
}

// A run that may wait never stops: Advance itself waits for the attempt (here run at once).
TEST(WorkflowRunTest, AnActivationThatMayWaitAnswersWithTheLocalActivityInOneAdvance) {
  WorkflowRegistry registry;
  registry.Register("OneLocal", &OneLocal);
  WorkflowRun run(
      &registry,
      [](const ActivityInvocation&) -> hugo::Result<Payloads> {
        return ToPayloads(std::string("quick"));
      },
      internal::WorkflowRunOptions{"default", "q", "test"});
  HistoryBuilder h("OneLocal");
  h.WorkflowTask();
  ASSERT_TRUE(run.AppendEvents(h.history().events()).IsSuccess());
  ASSERT_TRUE(run.Advance(true).IsSuccess());
  EXPECT_FALSE(run.waiting());
  EXPECT_EQ(run.TakeCommands().size(), 2u);
}

TEST(WorkflowRunTest, ALocalActivityMarkerTheCodeNeverAskedForIsNonDeterminism) {
  HistoryBuilder h("NoLocal");
  h.WorkflowTask();
  h.Completed();
  h.LocalActivityMarker("1", "Slow", P("done"));
  h.WorkflowCompleted(P("done"));
  Replayer replayer;
  replayer.RegisterWorkflow(
      "NoLocal", [](WorkflowContext) -> Workflow<std::string> { co_return std::string("done"); });
  auto replayed = replayer.ReplayHistory(h.history());
  ASSERT_TRUE(replayed.IsFailure());
  EXPECT_EQ(replayed.Error().Code(), WorkflowErrorCodes::kNonDeterminism);
  EXPECT_NE(replayed.Error().Message().find("MARKER_RECORDED"), std::string::npos)
      << replayed.Error().Message();
}

// WorkflowInfo's history length, size and continue-as-new suggestion come from the task's
// WorkflowTaskStarted event.
Workflow<std::string> ContinuesWhenSuggested(WorkflowContext ctx, int64_t round) {
  const WorkflowInfo& info = ctx.Info();
  if (info.continue_as_new_suggested) co_return ctx.ContinueAsNew(round + 1);
  co_return std::to_string(round) + ":" + std::to_string(info.history_length) + "/" +
      std::to_string(info.history_size_bytes);
}

void StartedTask(HistoryBuilder& h, bool suggest, int64_t size) {
  h.Add(enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
  auto* a = h.Add(enums::EVENT_TYPE_WORKFLOW_TASK_STARTED)
                .mutable_workflow_task_started_event_attributes();
  a->set_suggest_continue_as_new(suggest);
  a->set_history_size_bytes(size);
}

TEST(WorkflowRunTest, TheInfoCarriesTheTasksHistoryLengthAndSize) {
  Fixture f;
  f.registry.Register("ContinuesWhenSuggested", &ContinuesWhenSuggested);
  HistoryBuilder h("ContinuesWhenSuggested", ToPayloads(int64_t{1}).Value());
  StartedTask(h, false, 12345);
  auto run = f.NewRun();
  ASSERT_TRUE(run->AppendEvents(h.history().events()).IsSuccess());
  ASSERT_TRUE(run->Advance(true).IsSuccess());
  EXPECT_EQ(CompletedWith(*run), "1:3/12345");
}

TEST(WorkflowRunTest, AWorkflowCanContinueAsNewWhenTheServerSuggestsIt) {
  Fixture f;
  f.registry.Register("ContinuesWhenSuggested", &ContinuesWhenSuggested);
  HistoryBuilder h("ContinuesWhenSuggested", ToPayloads(int64_t{1}).Value());
  StartedTask(h, true, 50 * 1024 * 1024);
  auto run = f.NewRun();
  ASSERT_TRUE(run->AppendEvents(h.history().events()).IsSuccess());
  ASSERT_TRUE(run->Advance(true).IsSuccess());
  auto commands = run->TakeCommands();
  ASSERT_EQ(commands.size(), 1u);
  ASSERT_TRUE(commands[0].has_continue_as_new_workflow_execution_command_attributes());
  EXPECT_EQ(FromPayloads1<int64_t>(
                commands[0].continue_as_new_workflow_execution_command_attributes().input())
                .Value(),
            2);
}

Workflow<int64_t> CountSignals(WorkflowContext ctx) {
  int64_t count = 0;
  auto signal = ctx.GetSignalChannel<int64_t>("add");
  ctx.Go([](SignalChannel<int64_t> ch, int64_t* total) -> Workflow<hugo::Unit> {
    for (;;) {
      auto v = co_await ch.Receive();
      if (v.IsFailure()) co_return v.Error();
      *total += v.Value();
    }
  }(signal, &count));
  auto waited = co_await ctx.Await([&] { return count >= 10; });
  if (waited.IsFailure()) co_return waited.Error();
  auto effect = ctx.SideEffect<int64_t>([] { return int64_t{32}; });
  if (effect.IsFailure()) co_return effect.Error();
  co_return count + effect.Value();
}

TEST(WorkflowRunTest, AwaitWakesWhenABranchMakesTheConditionTrueAndSideEffectIsRecorded) {
  Fixture f;
  f.registry.Register("CountSignals", &CountSignals);
  HistoryBuilder h("CountSignals");
  h.Signal("add", ToPayloads(int64_t{4}).Value());
  h.WorkflowTask();
  auto run = f.NewRun();
  ASSERT_TRUE(run->AppendEvents(h.history().events()).IsSuccess());
  ASSERT_TRUE(run->Advance(true).IsSuccess());
  EXPECT_TRUE(run->TakeCommands().empty());

  HistoryBuilder next = h;
  next.Completed();
  next.Signal("add", ToPayloads(int64_t{6}).Value());
  next.WorkflowTask();
  ASSERT_TRUE(run->AppendEvents(next.history().events()).IsSuccess());
  ASSERT_TRUE(run->Advance(true).IsSuccess());
  auto commands = run->TakeCommands();
  ASSERT_EQ(commands.size(), 2u);
  EXPECT_EQ(commands[0].record_marker_command_attributes().marker_name(), "hugo.effect");
  EXPECT_EQ(
      FromPayloads1<int64_t>(commands[1].complete_workflow_execution_command_attributes().result())
          .Value(),
      42);
}

TEST(WorkflowRunTest, AnUnregisteredWorkflowTypeFailsTheTaskNamingTheRegisteredOnes) {
  Fixture f;
  f.registry.Register("Greet", &GreetV1);
  HistoryBuilder h("Missing");
  h.WorkflowTask();
  auto run = f.NewRun();
  ASSERT_TRUE(run->AppendEvents(h.history().events()).IsSuccess());
  auto advanced = run->Advance(true);
  ASSERT_TRUE(advanced.IsFailure());
  EXPECT_NE(advanced.Error().Message().find("Missing"), std::string::npos);
  EXPECT_NE(advanced.Error().Message().find("[Greet]"), std::string::npos);
}

// --- updates in the first workflow task (regression: the reference server admits an update sent
// right after the start into the first task, before workflow code has registered its handlers).
Workflow<int64_t> AddTo(int64_t* total, int64_t delta) {
  *total += delta;
  co_return *total;
}

Workflow<int64_t> Adder(WorkflowContext ctx) {
  int64_t total = 0;
  auto u = ctx.SetUpdateHandler(
      "add", [&total](WorkflowContext, int64_t delta) { return AddTo(&total, delta); });
  if (u.IsFailure()) co_return u.Error();
  auto reached = co_await ctx.Await([&total] { return total >= 10; });
  if (reached.IsFailure()) co_return reached.Error();
  co_return total;
}

temporal::api::update::v1::Request UpdateRequest(const std::string& id, const std::string& name,
                                                 int64_t delta) {
  temporal::api::update::v1::Request request;
  request.mutable_meta()->set_update_id(id);
  request.mutable_input()->set_name(name);
  *request.mutable_input()->mutable_args() = ToPayloads(delta).Value();
  return request;
}

google::protobuf::RepeatedPtrField<temporal::api::protocol::v1::Message> UpdateMessages(
    const temporal::api::update::v1::Request& request, int64_t sequencing_event_id) {
  google::protobuf::RepeatedPtrField<temporal::api::protocol::v1::Message> messages;
  auto* m = messages.Add();
  m->set_id(request.meta().update_id() + "/request");
  m->set_protocol_instance_id(request.meta().update_id());
  m->set_event_id(sequencing_event_id);
  m->mutable_body()->PackFrom(request);
  return messages;
}

TEST(WorkflowRunTest, AnUpdateInTheFirstTaskWaitsForTheHandlerTheWorkflowRegisters) {
  Fixture f;
  f.registry.Register("Adder", &Adder);
  HistoryBuilder h("Adder");
  int64_t started = h.WorkflowTask();
  auto run = f.NewRun();
  ASSERT_TRUE(run->AppendEvents(h.history().events()).IsSuccess());
  run->AddMessages(UpdateMessages(UpdateRequest("u1", "add", 5), started - 1));
  ASSERT_TRUE(run->Advance(true).IsSuccess());
  auto messages = run->TakeMessages();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_TRUE(messages[0].body().Is<temporal::api::update::v1::Acceptance>())
      << messages[0].DebugString();
  temporal::api::update::v1::Response response;
  ASSERT_TRUE(messages[1].body().UnpackTo(&response)) << messages[1].DebugString();
  EXPECT_EQ(FromPayloads1<int64_t>(response.outcome().success()).Value(), 5);
  auto commands = run->TakeCommands();
  ASSERT_EQ(commands.size(), 2u);
  EXPECT_EQ(commands[0].protocol_message_command_attributes().message_id(), "u1/accept");
  EXPECT_EQ(commands[1].protocol_message_command_attributes().message_id(), "u1/complete");
}

TEST(WorkflowRunTest, AnUpdateOfAnUnknownNameInTheFirstTaskIsRejectedNamingTheKnownOnes) {
  Fixture f;
  f.registry.Register("Adder", &Adder);
  HistoryBuilder h("Adder");
  int64_t started = h.WorkflowTask();
  auto run = f.NewRun();
  ASSERT_TRUE(run->AppendEvents(h.history().events()).IsSuccess());
  run->AddMessages(UpdateMessages(UpdateRequest("u1", "subtract", 5), started - 1));
  ASSERT_TRUE(run->Advance(true).IsSuccess());
  auto messages = run->TakeMessages();
  ASSERT_EQ(messages.size(), 1u);
  temporal::api::update::v1::Rejection rejection;
  ASSERT_TRUE(messages[0].body().UnpackTo(&rejection)) << messages[0].DebugString();
  EXPECT_EQ(rejection.failure().message(), "unknown update subtract. KnownUpdates=[add]");
  EXPECT_TRUE(run->TakeCommands().empty());
}

TEST(WorkflowRunTest, AnUpdateAcceptedInTheFirstTaskReplaysAgainstTheHandlerRegisteredLater) {
  Fixture f;
  f.registry.Register("Adder", &Adder);
  HistoryBuilder h("Adder");
  int64_t started = h.WorkflowTask();
  h.Completed();
  auto* accepted = h.Add(enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED)
                       .mutable_workflow_execution_update_accepted_event_attributes();
  accepted->set_protocol_instance_id("u1");
  accepted->set_accepted_request_message_id("u1/request");
  accepted->set_accepted_request_sequencing_event_id(started - 1);
  *accepted->mutable_accepted_request() = UpdateRequest("u1", "add", 5);
  auto* completed = h.Add(enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED)
                        .mutable_workflow_execution_update_completed_event_attributes();
  completed->mutable_meta()->set_update_id("u1");
  *completed->mutable_outcome()->mutable_success() = ToPayloads(int64_t{5}).Value();
  h.Signal("unrelated", {});
  h.WorkflowTask();
  auto run = f.NewRun();
  ASSERT_TRUE(run->AppendEvents(h.history().events()).IsSuccess());
  auto advanced = run->Advance(true);
  ASSERT_TRUE(advanced.IsSuccess()) << advanced.Error().ToString();
  EXPECT_TRUE(run->TakeCommands().empty());
  EXPECT_TRUE(run->TakeMessages().empty());
}

// --- a run that returns while an update handler still runs: a warning names the update.
Workflow<int64_t> Forever(WorkflowContext ctx, bool* running) {
  *running = true;
  auto waited = co_await ctx.Await([] { return false; });
  if (waited.IsFailure()) co_return waited.Error();
  co_return int64_t{0};
}

Workflow<std::string> Impatient(WorkflowContext ctx) {
  bool running = false;
  auto u = ctx.SetUpdateHandler(
      "wait", [&running](WorkflowContext handler, int64_t) { return Forever(handler, &running); });
  if (u.IsFailure()) co_return u.Error();
  auto waited = co_await ctx.Await([&running] { return running; });
  if (waited.IsFailure()) co_return waited.Error();
  co_return std::string(ctx.AllHandlersFinished() ? "all finished" : "handlers running");
}

// Impatient with two handlers: `quiet` abandons its running updates without a warning.
Workflow<std::string> ImpatientQuietly(WorkflowContext ctx) {
  bool running = false;
  auto wait = [&running](WorkflowContext handler, int64_t) { return Forever(handler, &running); };
  auto u = ctx.SetUpdateHandler("quiet", wait, nullptr,
                                UpdateHandlerOptions{"", HandlerUnfinishedPolicy::kAbandon});
  if (u.IsFailure()) co_return u.Error();
  u = ctx.SetUpdateHandler("wait", wait);
  if (u.IsFailure()) co_return u.Error();
  auto waited = co_await ctx.Await([&running] { return running; });
  if (waited.IsFailure()) co_return waited.Error();
  co_return std::string(ctx.AllHandlersFinished() ? "all finished" : "handlers running");
}

// Runs ImpatientQuietly with the given updates (id, name) admitted in its first task; what the
// run logged.
std::string WarningOfImpatientQuietly(
    const std::vector<std::pair<std::string, std::string>>& updates) {
  Fixture f;
  f.registry.Register("ImpatientQuietly", &ImpatientQuietly);
  HistoryBuilder h("ImpatientQuietly");
  int64_t started = h.WorkflowTask();
  auto run = f.NewRun();
  EXPECT_TRUE(run->AppendEvents(h.history().events()).IsSuccess());
  for (const auto& [id, name] : updates) {
    run->AddMessages(UpdateMessages(UpdateRequest(id, name, 1), started - 1));
  }
  testing::internal::CaptureStderr();
  auto advanced = run->Advance(true);
  std::string warned = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(advanced.IsSuccess()) << advanced.Error().ToString();
  auto commands = run->TakeCommands();
  EXPECT_TRUE(!commands.empty() &&
              commands.back().has_complete_workflow_execution_command_attributes());
  return warned;
}

TEST(WorkflowRunTest, AnUpdateHandlerWhosePolicyIsAbandonIsLeftRunningWithoutAWarning) {
  EXPECT_EQ(WarningOfImpatientQuietly({{"q1", "quiet"}}), "");
  std::string warned = WarningOfImpatientQuietly({{"q1", "quiet"}, {"w1", "wait"}});
  EXPECT_NE(warned.find("update handlers were still running: wait (id w1);"), std::string::npos)
      << warned;
  EXPECT_EQ(warned.find("quiet"), std::string::npos) << warned;
}

TEST(WorkflowRunTest, ARunCompletingWithAnUpdateHandlerRunningWarnsNamingTheUpdate) {
  Fixture f;
  f.registry.Register("Impatient", &Impatient);
  HistoryBuilder h("Impatient");
  int64_t started = h.WorkflowTask();
  auto run = f.NewRun();
  ASSERT_TRUE(run->AppendEvents(h.history().events()).IsSuccess());
  run->AddMessages(UpdateMessages(UpdateRequest("u1", "wait", 1), started - 1));
  testing::internal::CaptureStderr();
  auto advanced = run->Advance(true);
  std::string warned = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(advanced.IsSuccess()) << advanced.Error().ToString();
  auto commands = run->TakeCommands();
  ASSERT_EQ(commands.size(), 2u);  // the update's acceptance, the completion
  EXPECT_EQ(commands[0].protocol_message_command_attributes().message_id(), "u1/accept");
  ASSERT_TRUE(commands[1].has_complete_workflow_execution_command_attributes());
  EXPECT_EQ(FromPayloads1<std::string>(
                commands[1].complete_workflow_execution_command_attributes().result())
                .Value(),
            "handlers running");
  EXPECT_NE(warned.find("level=warn"), std::string::npos) << warned;
  EXPECT_NE(warned.find("update handlers were still running: wait (id u1)"), std::string::npos)
      << warned;
}

TEST(ReplayerTest, ParsesTheCliJsonWithEitherEnumSpelling) {
  const char* json = R"({"events":[{"eventId":"1","eventType":"WorkflowExecutionStarted",
    "workflowExecutionStartedEventAttributes":{"workflowType":{"name":"Greet"}}},
    {"eventId":"2","eventType":"EVENT_TYPE_WORKFLOW_TASK_SCHEDULED"}]})";
  auto history = Replayer::ParseHistoryJson(json);
  ASSERT_TRUE(history.IsSuccess()) << history.Error().ToString();
  EXPECT_EQ(history.Value().events(0).event_type(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
  EXPECT_EQ(history.Value().events(1).event_type(), enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED);
  EXPECT_TRUE(Replayer::ParseHistoryJson("{not json").IsFailure());
  EXPECT_TRUE(Replayer::ParseHistoryJson(R"({"events":[]})").IsFailure());
}

}  // namespace
}  // namespace hdo
