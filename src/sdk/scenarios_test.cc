// The SDK's scenario suite: C++ workflows and activities on a real hdo::Worker, driven by the
// hdo::Client, against a real server. By default each run starts `hdo server start-dev`; with
// HDO_SDK_TARGET=host:port it runs against that server instead (tests/sdk/run-reference runs it
// against the reference `temporal server start-dev`). Every scenario uses its own task queue.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>

#include "hdo/client.h"
#include "hdo/namespace_client.h"
#include "hdo/replayer.h"
#include "hdo/worker.h"
#include "sdk_test_fixture.h"
#include "temporal/api/sdk/v1/workflow_metadata.pb.h"

namespace hdo {
namespace {

using namespace std::chrono_literals;
namespace enums = temporal::api::enums::v1;

using ScenarioTest = testsupport::SdkWorkflowTest;

ActivityOptions Quick() {
  ActivityOptions o;
  o.start_to_close_timeout = 10s;
  o.retry_policy = RetryPolicy{};
  o.retry_policy->initial_interval = 100ms;
  o.retry_policy->maximum_attempts = 3;
  return o;
}

// --- hello: one activity.
std::string ComposeGreeting(ActivityContext&, std::string name) { return "Hello, " + name; }

Workflow<std::string> Greeting(WorkflowContext ctx, std::string name) {
  auto text = co_await ctx.ExecuteActivity<std::string>("ComposeGreeting", Quick(), name);
  if (text.IsFailure()) co_return text.Error();
  co_return text.Value() + "!";
}

TEST_F(ScenarioTest, HelloRunsAnActivityAndReturnsItsResult) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("Greeting", &Greeting);
  worker.RegisterActivity("ComposeGreeting", &ComposeGreeting);
  StartWorker();
  auto result =
      client_->ExecuteWorkflow<std::string>("Greeting", Options("hello"), std::string("Ada"));
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "Hello, Ada!");
}

// --- activity failures: a non-retryable application error fails the workflow, with the cause
// chain (workflow execution → activity → application) visible to the client.
hugo::Result<std::string> RefuseNonRetryable(ActivityContext&, std::string name) {
  return ApplicationError("no greeting for " + name, "Refused", true);
}
Workflow<std::string> GreetingRefused(WorkflowContext ctx, std::string name) {
  auto text = co_await ctx.ExecuteActivity<std::string>("RefuseNonRetryable", Quick(), name);
  if (text.IsFailure()) co_return text.Error();
  co_return text.Value();
}

TEST_F(ScenarioTest, ANonRetryableActivityFailureFailsTheWorkflowWithTheCauseChain) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("GreetingRefused", &GreetingRefused);
  worker.RegisterActivity("RefuseNonRetryable", &RefuseNonRetryable);
  StartWorker();
  auto handle = client_->StartWorkflow<std::string>("GreetingRefused", Options("refused"),
                                                    std::string("Bob"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsFailure());
  EXPECT_EQ(result.Error().Code(), FailureCodes::kWorkflowExecution);
  const hugo::Error* activity = result.Error().Cause();
  ASSERT_NE(activity, nullptr);
  EXPECT_EQ(activity->Code(), FailureCodes::kActivity);
  const hugo::Error* application = activity->Cause();
  ASSERT_NE(application, nullptr);
  EXPECT_EQ(ApplicationErrorType(*application), "Refused");
  EXPECT_EQ(application->Message(), "no greeting for Bob");
  auto types = EventTypes(handle.Value());
  EXPECT_TRUE(Contains(types, enums::EVENT_TYPE_ACTIVITY_TASK_FAILED));
  EXPECT_TRUE(Contains(types, enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED));
}

// --- retries: the server retries the activity; the attempt number reaches the activity.
std::atomic<int> flaky_calls{0};
hugo::Result<int32_t> Flaky(ActivityContext& ctx) {
  ++flaky_calls;
  if (ctx.info().attempt < 3) return ApplicationError("try again", "Transient");
  return hugo::Result<int32_t>::Ok(ctx.info().attempt);
}
Workflow<int32_t> RetryingWorkflow(WorkflowContext ctx) {
  auto attempt = co_await ctx.ExecuteActivity<int32_t>("Flaky", Quick());
  if (attempt.IsFailure()) co_return attempt.Error();
  co_return attempt.Value();
}

TEST_F(ScenarioTest, AnActivityIsRetriedByTheServerUntilItSucceeds) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("RetryingWorkflow", &RetryingWorkflow);
  worker.RegisterActivity("Flaky", &Flaky);
  StartWorker();
  flaky_calls = 0;
  auto result = client_->ExecuteWorkflow<int32_t>("RetryingWorkflow", Options("retry"));
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), 3);
  EXPECT_EQ(flaky_calls.load(), 3);
}

// --- timers and signals with Selector.
Workflow<std::string> WaitForApproval(WorkflowContext ctx, int64_t timeout_ms) {
  auto approvals = ctx.GetSignalChannel<std::string>("approve");
  auto timer = ctx.NewTimer(std::chrono::milliseconds(timeout_ms));
  std::string outcome;
  Selector selector(ctx);
  selector.AddReceive(approvals, [&](hugo::Result<std::string> by) {
    outcome = by.IsSuccess() ? "approved by " + by.Value() : by.Error().Message();
  });
  selector.AddFuture(timer, [&](const hugo::Result<hugo::Unit>&) { outcome = "timed out"; });
  auto selected = co_await selector.Select();
  if (selected.IsFailure()) co_return selected.Error();
  co_return outcome;
}

TEST_F(ScenarioTest, ASignalWinsOverATimerAndTheTimerIsCanceledWhenTheRunCompletes) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("WaitForApproval", &WaitForApproval);
  StartWorker();
  auto handle =
      client_->StartWorkflow<std::string>("WaitForApproval", Options("approve"), int64_t{60'000});
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  ASSERT_TRUE(handle.Value().Signal("approve", std::string("Grace")).IsSuccess());
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "approved by Grace");
  auto types = EventTypes(handle.Value());
  EXPECT_TRUE(Contains(types, enums::EVENT_TYPE_TIMER_STARTED));
  EXPECT_TRUE(Contains(types, enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED));
}

TEST_F(ScenarioTest, ATimerFiresWhenNoSignalComes) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("WaitForApproval", &WaitForApproval);
  StartWorker();
  auto result =
      client_->ExecuteWorkflow<std::string>("WaitForApproval", Options("timeout"), int64_t{1000});
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "timed out");
}

// --- queries and updates (with a validator).
Workflow<int64_t> Counter(WorkflowContext ctx) {
  int64_t value = 0;
  bool done = false;
  auto q = ctx.SetQueryHandler("value", [&]() { return value; });
  if (q.IsFailure()) co_return q.Error();
  // An answer of `size` bytes (the query result size limit).
  q = ctx.SetQueryHandler("padding",
                          [](int64_t size) { return std::string(static_cast<size_t>(size), 'x'); });
  if (q.IsFailure()) co_return q.Error();
  auto u = ctx.SetUpdateHandler(
      "add",
      [&](WorkflowContext, int64_t delta) -> Workflow<int64_t> {
        value += delta;
        co_return value;
      },
      [](int64_t delta) -> hugo::Result<hugo::Unit> {
        if (delta <= 0) return ApplicationError("delta must be positive", "BadDelta", true);
        return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
      });
  if (u.IsFailure()) co_return u.Error();
  auto finish = ctx.GetSignalChannel<hugo::Unit>("finish");
  ctx.Go([](SignalChannel<hugo::Unit> ch, bool* flag) -> Workflow<hugo::Unit> {
    auto got = co_await ch.Receive();
    *flag = true;
    co_return got;
  }(finish, &done));
  auto waited = co_await ctx.Await([&] { return done; });
  if (waited.IsFailure()) co_return waited.Error();
  co_return value;
}

// Declares its handlers with descriptions, tells its current details, and waits on a timer (in
// a branch of its own) and on the `finish` signal.
Workflow<std::string> Described(WorkflowContext ctx) {
  int64_t bumps = 0;
  auto q = ctx.SetQueryHandler(
      "bumps", [&]() { return bumps; }, QueryHandlerOptions{"How often bump ran"});
  if (q.IsFailure()) co_return q.Error();
  auto u = ctx.SetUpdateHandler(
      "bump",
      [&](WorkflowContext) -> Workflow<int64_t> {
        ++bumps;
        co_return bumps;
      },
      nullptr, UpdateHandlerOptions{"Adds one", HandlerUnfinishedPolicy::kAbandon});
  if (u.IsFailure()) co_return u.Error();
  auto finish = ctx.GetSignalChannel<std::string>("finish", SignalChannelOptions{"Ends the run"});
  (void)ctx.GetSignalChannel<int64_t>("nudge");
  ctx.SetCurrentDetails("**waiting** for `finish`");
  ctx.Go([](WorkflowContext c) -> Workflow<hugo::Unit> {
    co_return co_await c.NewTimer(std::chrono::hours(1));
  }(ctx));
  auto got = co_await finish.Receive();
  if (got.IsFailure()) co_return got.Error();
  co_return got.Value() + " after " + std::to_string(bumps) + " bumps; details were " +
      ctx.GetCurrentDetails();
}

TEST_F(ScenarioTest, BuiltInQueriesListTheHandlersWithDescriptionsAndTellWhatTheRunWaitsFor) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("Described", &Described);
  StartWorker();
  auto handle = client_->StartWorkflow<std::string>("Described", Options("described"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto bumped = handle.Value().Update<int64_t>("bump");
  ASSERT_TRUE(bumped.IsSuccess()) << bumped.Error().ToString();

  // __temporal_workflow_metadata: json/protobuf, as the Go SDK answers it.
  auto raw = handle.Value().QueryPayloads(std::string(kWorkflowMetadataQuery), Payloads{});
  ASSERT_TRUE(raw.IsSuccess()) << raw.Error().ToString();
  ASSERT_EQ(raw.Value().payloads_size(), 1);
  EXPECT_EQ(raw.Value().payloads(0).metadata().at("encoding"), "json/protobuf");
  EXPECT_EQ(raw.Value().payloads(0).metadata().at("messageType"),
            "temporal.api.sdk.v1.WorkflowMetadata");
  auto metadata = handle.Value().Query<temporal::api::sdk::v1::WorkflowMetadata>(
      std::string(kWorkflowMetadataQuery));
  ASSERT_TRUE(metadata.IsSuccess()) << metadata.Error().ToString();
  const auto& definition = metadata.Value().definition();
  EXPECT_EQ(definition.type(), "Described");
  auto listed = [](const auto& list) {
    std::vector<std::string> out;
    for (const auto& d : list) out.push_back(d.name() + "=" + d.description());
    return out;
  };
  EXPECT_EQ(listed(definition.query_definitions()),
            (std::vector<std::string>{"__stack_trace=Current stack trace",
                                      "__temporal_workflow_metadata=Metadata about the workflow",
                                      "bumps=How often bump ran"}));
  EXPECT_EQ(listed(definition.signal_definitions()),
            (std::vector<std::string>{"finish=Ends the run", "nudge="}));
  EXPECT_EQ(listed(definition.update_definitions()), (std::vector<std::string>{"bump=Adds one"}));
  EXPECT_EQ(metadata.Value().current_details(), "**waiting** for `finish`");

  // __stack_trace: the timer its branch waits on.
  auto trace = handle.Value().Query<std::string>(std::string(kStackTraceQuery));
  ASSERT_TRUE(trace.IsSuccess()) << trace.Error().ToString();
  EXPECT_NE(trace.Value().find("workflow Described"), std::string::npos) << trace.Value();
  EXPECT_NE(trace.Value().find("\n  timer "), std::string::npos) << trace.Value();

  ASSERT_TRUE(handle.Value().Signal("finish", std::string("done")).IsSuccess());
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "done after 1 bumps; details were **waiting** for `finish`");
}

// --- worker_activities_per_second: eight activities scheduled at once.
std::atomic<int64_t> last_rated_start_ns{0};
std::string RatedActivity(ActivityContext&, int64_t i) {
  const int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  int64_t seen = last_rated_start_ns.load();
  while (now > seen && !last_rated_start_ns.compare_exchange_weak(seen, now)) {
  }
  return std::to_string(i);
}
Workflow<std::string> EightAtOnce(WorkflowContext ctx) {
  std::vector<Future<hugo::Result<std::string>>> calls;
  for (int64_t i = 0; i < 8; ++i) {
    calls.push_back(ctx.ExecuteActivity<std::string>("RatedActivity", Quick(), i));
  }
  std::string all;
  for (auto& call : calls) {
    auto r = co_await call;
    if (r.IsFailure()) co_return r.Error();
    all += r.Value();
  }
  co_return all;
}

TEST_F(ScenarioTest, AWorkerActivityRateSpacesTheActivitiesItStarts) {
  last_rated_start_ns = 0;
  WorkerOptions options;
  options.worker_activities_per_second = 10;  // 100 ms apart
  Worker& worker = NewWorker(options);
  worker.RegisterWorkflow("EightAtOnce", &EightAtOnce);
  worker.RegisterActivity("RatedActivity", &RatedActivity);
  StartWorker();
  const auto before = std::chrono::steady_clock::now();
  auto handle = client_->StartWorkflow<std::string>("EightAtOnce", Options("rated"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "01234567");
  // Eight turns 100 ms apart, the first no earlier than the start: the last activity began at
  // least 700 ms after it (a lower bound: delays only add to it). Unlimited, they start at once.
  const auto last = std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(last_rated_start_ns.load()));
  EXPECT_GE(last - before, 700ms);
}

TEST_F(ScenarioTest, ATaskQueueActivityRateIsTheServersLimitAndTurnsEagerActivitiesOff) {
  last_rated_start_ns = 0;
  WorkerOptions options;
  options.task_queue_activities_per_second = 4;  // the server's: a burst of 4, then 250 ms apart
  Worker& worker = NewWorker(options);
  worker.RegisterWorkflow("EightAtOnce", &EightAtOnce);
  worker.RegisterActivity("RatedActivity", &RatedActivity);
  StartWorker();
  const auto before = std::chrono::steady_clock::now();
  auto handle = client_->StartWorkflow<std::string>("EightAtOnce", Options("queue-rated"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "01234567");
  // Four at once, then one per 250 ms: the eighth no earlier than 1 s after the start (the
  // reference splits the rate over its partitions and is slower still). With eager activities
  // three would bypass the server's limit and the last would begin after 250 ms.
  const auto last = std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(last_rated_start_ns.load()));
  EXPECT_GE(last - before, 950ms);
}

TEST(WorkerOptionsTest, AnActivityRateMustBeAFiniteNumberNotBelowZero) {
  auto connection = testsupport::ConnectToSdkServer();
  ASSERT_TRUE(connection);
  for (double bad :
       {-1.0, std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
    WorkerOptions options;
    options.task_queue = "rate-validation";
    options.worker_activities_per_second = bad;
    Worker worker(connection, "default", options);
    worker.RegisterActivity("RatedActivity", &RatedActivity);
    auto started = worker.Start();
    ASSERT_TRUE(started.IsFailure()) << bad;
    EXPECT_EQ(started.Error().Code(), hugo::ErrorCodes::kValidation);
    EXPECT_NE(started.Error().Message().find("worker_activities_per_second"), std::string::npos);
  }
  for (double bad :
       {-1.0, std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
    WorkerOptions options;
    options.task_queue = "rate-validation";
    options.task_queue_activities_per_second = bad;
    Worker worker(connection, "default", options);
    worker.RegisterActivity("RatedActivity", &RatedActivity);
    auto started = worker.Start();
    ASSERT_TRUE(started.IsFailure()) << bad;
    EXPECT_EQ(started.Error().Code(), hugo::ErrorCodes::kValidation);
    EXPECT_NE(started.Error().Message().find("task_queue_activities_per_second"),
              std::string::npos);
  }
}

TEST_F(ScenarioTest, QueriesReadStateAndUpdatesChangeItAfterTheirValidator) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("Counter", &Counter);
  StartWorker();
  auto handle = client_->StartWorkflow<int64_t>("Counter", Options("counter"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto added = handle.Value().Update<int64_t>("add", int64_t{5});
  ASSERT_TRUE(added.IsSuccess()) << added.Error().ToString();
  EXPECT_EQ(added.Value(), 5);
  added = handle.Value().Update<int64_t>("add", int64_t{2});
  ASSERT_TRUE(added.IsSuccess()) << added.Error().ToString();
  EXPECT_EQ(added.Value(), 7);
  auto rejected = handle.Value().Update<int64_t>("add", int64_t{-1});
  ASSERT_TRUE(rejected.IsFailure());
  EXPECT_NE(rejected.Error().ToString().find("delta must be positive"), std::string::npos)
      << rejected.Error().ToString();
  auto value = handle.Value().Query<int64_t>("value");
  ASSERT_TRUE(value.IsSuccess()) << value.Error().ToString();
  EXPECT_EQ(value.Value(), 7);
  auto unknown = handle.Value().Query<int64_t>("nope");
  ASSERT_TRUE(unknown.IsFailure());
  EXPECT_NE(unknown.Error().ToString().find(
                "KnownQueryTypes=[__stack_trace __temporal_workflow_metadata padding value]"),
            std::string::npos)
      << unknown.Error().ToString();
  // An answer over the SDK's 2 MB limit fails the query (as in Go) and leaves the run alone; one
  // under it is answered whole.
  auto big = handle.Value().Query<std::string>("padding", int64_t{2'100'000});
  ASSERT_TRUE(big.IsFailure());
  EXPECT_NE(big.Error().ToString().find("query result size (2100"), std::string::npos)
      << big.Error().ToString();
  EXPECT_NE(big.Error().ToString().find("exceeds limit (2000000)"), std::string::npos)
      << big.Error().ToString();
  auto fits = handle.Value().Query<std::string>("padding", int64_t{1'000'000});
  ASSERT_TRUE(fits.IsSuccess()) << fits.Error().ToString();
  EXPECT_EQ(fits.Value().size(), 1'000'000u);
  ASSERT_TRUE(handle.Value().Signal("finish", hugo::Unit{}).IsSuccess());
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), 7);
  // The rejected update left no trace in history; the two accepted ones did.
  auto types = EventTypes(handle.Value());
  EXPECT_EQ(
      std::count(types.begin(), types.end(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED),
      2);
  EXPECT_EQ(
      std::count(types.begin(), types.end(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED),
      2);
}

// --- continue-as-new: the client's result follows the chain of runs.
Workflow<int64_t> Countdown(WorkflowContext ctx, int64_t n, int64_t total) {
  if (n == 0) co_return total;
  auto slept = co_await ctx.Sleep(10ms);
  if (slept.IsFailure()) co_return slept.Error();
  co_return ctx.ContinueAsNew(n - 1, total + n);
}

TEST_F(ScenarioTest, ContinueAsNewChainsRunsAndTheResultFollowsThem) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("Countdown", &Countdown);
  StartWorker();
  auto handle =
      client_->StartWorkflow<int64_t>("Countdown", Options("countdown"), int64_t{4}, int64_t{0});
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), 10);
  auto first = EventTypes(handle.Value());
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first.back(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
}

// --- cancellation: a cancel request cancels the pending timer; cleanup runs on a disconnected
// context; the run ends canceled.
std::atomic<int> cleanups{0};
std::string Cleanup(ActivityContext&) {
  ++cleanups;
  return "cleaned";
}
Workflow<hugo::Unit> CancellableWait(WorkflowContext ctx) {
  auto slept = co_await ctx.Sleep(std::chrono::hours(1));
  if (slept.IsFailure() && ctx.IsCanceled()) {
    auto cleaned = co_await ctx.Disconnected().ExecuteActivity<std::string>("Cleanup", Quick());
    if (cleaned.IsFailure()) co_return cleaned.Error();
  }
  co_return slept;
}

TEST_F(ScenarioTest, ACancelRequestCancelsTheTimerRunsCleanupAndEndsTheRunCanceled) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("CancellableWait", &CancellableWait);
  worker.RegisterActivity("Cleanup", &Cleanup);
  StartWorker();
  cleanups = 0;
  auto handle = client_->StartWorkflow<hugo::Unit>("CancellableWait", Options("cancel"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  // Wait until the timer is started, so the cancel finds it.
  for (int i = 0; i < 200; ++i) {
    if (Contains(EventTypes(handle.Value()), enums::EVENT_TYPE_TIMER_STARTED)) break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(handle.Value().Cancel("test").IsSuccess());
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsFailure());
  auto types = EventTypes(handle.Value());
  EXPECT_TRUE(Contains(types, enums::EVENT_TYPE_TIMER_CANCELED));
  EXPECT_TRUE(Contains(types, enums::EVENT_TYPE_ACTIVITY_TASK_COMPLETED));
  ASSERT_FALSE(types.empty());
  EXPECT_EQ(types.back(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED);
  EXPECT_EQ(cleanups.load(), 1);
}

// --- local activities, SideEffect and GetVersion recorded as markers.
std::atomic<int> local_calls{0};
int64_t Double(ActivityContext& ctx, int64_t x) {
  ++local_calls;
  EXPECT_TRUE(ctx.info().is_local);
  return 2 * x;
}
Workflow<std::string> Markers(WorkflowContext ctx, int64_t x) {
  LocalActivityOptions options;
  options.start_to_close_timeout = 5s;
  auto doubled = co_await ctx.ExecuteLocalActivity<int64_t>("Double", options, x);
  if (doubled.IsFailure()) co_return doubled.Error();
  auto id = ctx.SideEffect<std::string>([&] { return ctx.NewUuid(); });
  if (id.IsFailure()) co_return id.Error();
  auto version = ctx.GetVersion("use-sleep", WorkflowContext::kDefaultVersion, 2);
  if (version.IsFailure()) co_return version.Error();
  auto slept = co_await ctx.Sleep(10ms);  // a second workflow task: replay from the sticky cache
  if (slept.IsFailure()) co_return slept.Error();
  co_return std::to_string(doubled.Value()) + "/" + std::to_string(id.Value().size()) + "/v" +
      std::to_string(version.Value());
}

TEST_F(ScenarioTest, LocalActivitiesSideEffectsAndVersionsAreRecordedAsMarkers) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("Markers", &Markers);
  worker.RegisterActivity("Double", &Double);
  StartWorker();
  local_calls = 0;
  auto handle = client_->StartWorkflow<std::string>("Markers", Options("markers"), int64_t{21});
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "42/36/v2");
  EXPECT_EQ(local_calls.load(), 1);
  auto history = handle.Value().FetchHistory();
  ASSERT_TRUE(history.IsSuccess());
  std::vector<std::string> markers;
  for (const auto& e : history.Value().events()) {
    if (e.has_marker_recorded_event_attributes()) {
      markers.push_back(e.marker_recorded_event_attributes().marker_name());
    }
  }
  EXPECT_EQ(markers, (std::vector<std::string>{"LocalActivity", "hugo.effect", "hugo.version"}));
  // The recorded history replays cleanly (the local activity is not run again).
  Replayer replayer;
  replayer.RegisterWorkflow("Markers", &Markers);
  auto replayed = replayer.ReplayHistory(history.Value());
  EXPECT_TRUE(replayed.IsSuccess()) << replayed.Error().ToString();
  EXPECT_EQ(local_calls.load(), 1);
}

// --- local activity retries: backoffs up to the workflow task timeout are waited in the worker;
// longer ones end the attempt with a marker and a durable timer, then the next attempt runs (the
// Go SDK's rule), until the retry policy ends them.
std::atomic<int> flaky_local_calls{0};
std::mutex flaky_local_mutex;
std::vector<int32_t> flaky_local_attempts;
hugo::Result<std::string> FlakyLocal(ActivityContext& ctx, int32_t succeed_at) {
  ++flaky_local_calls;
  {
    std::lock_guard lock(flaky_local_mutex);
    flaky_local_attempts.push_back(ctx.info().attempt);
  }
  if (succeed_at == 0 || ctx.info().attempt < succeed_at) {
    return ApplicationError("not yet (attempt " + std::to_string(ctx.info().attempt) + ")",
                            "NotYet");
  }
  return hugo::Result<std::string>::Ok("ok at attempt " + std::to_string(ctx.info().attempt));
}
Workflow<std::string> RetriesLocal(WorkflowContext ctx, int32_t succeed_at, int32_t max_attempts) {
  LocalActivityOptions options;
  options.start_to_close_timeout = 5s;
  options.retry_policy = RetryPolicy{};
  options.retry_policy->initial_interval = 1500ms;  // more than the 1 s workflow task timeout
  options.retry_policy->backoff_coefficient = 1.0;
  options.retry_policy->maximum_attempts = max_attempts;
  auto outcome = co_await ctx.ExecuteLocalActivity<std::string>("FlakyLocal", options, succeed_at);
  if (outcome.IsFailure()) co_return outcome.Error();
  co_return outcome.Value();
}

struct LocalRetryHistory {
  std::vector<std::string> kinds;  // "marker-retry", "marker-failed", "marker-ok", "timer"
};
LocalRetryHistory KindsOf(const temporal::api::history::v1::History& history) {
  LocalRetryHistory h;
  for (const auto& e : history.events()) {
    if (e.event_type() == enums::EVENT_TYPE_TIMER_STARTED) h.kinds.push_back("timer");
    if (!e.has_marker_recorded_event_attributes()) continue;
    const auto& m = e.marker_recorded_event_attributes();
    if (!m.has_failure()) {
      h.kinds.push_back("marker-ok");
    } else {
      h.kinds.push_back(m.details().count("backoff_ms") > 0 ? "marker-retry" : "marker-failed");
    }
  }
  return h;
}

TEST_F(ScenarioTest, ALocalActivityWhoseBackoffOutlastsTheTaskRetriesAfterADurableTimer) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("RetriesLocal", &RetriesLocal);
  worker.RegisterActivity("FlakyLocal", &FlakyLocal);
  StartWorker();
  flaky_local_calls = 0;
  flaky_local_attempts.clear();
  StartWorkflowOptions options = Options("local-retry");
  options.task_timeout = 1s;
  auto handle =
      client_->StartWorkflow<std::string>("RetriesLocal", options, int32_t{3}, int32_t{0});
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult(60s);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "ok at attempt 3");
  EXPECT_EQ(flaky_local_attempts, (std::vector<int32_t>{1, 2, 3}));
  auto history = handle.Value().FetchHistory();
  ASSERT_TRUE(history.IsSuccess()) << history.Error().ToString();
  EXPECT_EQ(
      KindsOf(history.Value()).kinds,
      (std::vector<std::string>{"marker-retry", "timer", "marker-retry", "timer", "marker-ok"}));
  // The history replays without running the activity, through the same timers.
  Replayer replayer;
  replayer.RegisterWorkflow("RetriesLocal", &RetriesLocal);
  auto replayed = replayer.ReplayHistory(history.Value());
  EXPECT_TRUE(replayed.IsSuccess()) << replayed.Error().ToString();
  EXPECT_EQ(flaky_local_calls.load(), 3);
}

TEST_F(ScenarioTest, ALocalActivityRetriedAfterTimersStopsAtItsMaximumAttempts) {
  WorkerOptions worker_options;
  worker_options.enable_sticky_execution = false;  // each task replays the run from its history
  Worker& worker = NewWorker(worker_options);
  worker.RegisterWorkflow("RetriesLocal", &RetriesLocal);
  worker.RegisterActivity("FlakyLocal", &FlakyLocal);
  StartWorker();
  flaky_local_attempts.clear();
  StartWorkflowOptions options = Options("local-retry-max");
  options.task_timeout = 1s;
  auto handle =
      client_->StartWorkflow<std::string>("RetriesLocal", options, int32_t{0}, int32_t{2});
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult(60s);
  ASSERT_TRUE(result.IsFailure());
  const hugo::Error* activity = result.Error().Cause();
  ASSERT_NE(activity, nullptr) << result.Error().ToString();
  EXPECT_EQ(activity->Code(), FailureCodes::kActivity);
  ASSERT_NE(activity->Cause(), nullptr);
  EXPECT_EQ(activity->Cause()->Message(), "not yet (attempt 2)");
  EXPECT_EQ(flaky_local_attempts, (std::vector<int32_t>{1, 2}));
  auto history = handle.Value().FetchHistory();
  ASSERT_TRUE(history.IsSuccess()) << history.Error().ToString();
  EXPECT_EQ(KindsOf(history.Value()).kinds,
            (std::vector<std::string>{"marker-retry", "timer", "marker-failed"}));
}

// --- local activities that outlast the workflow task: the task heartbeats (a completion with
// force_create_new_workflow_task, the next task returned in its reply) until they end, so the
// server never times it out and the activity runs once; calls run side by side; an attempt past
// its start-to-close times out while its function still runs; a timer that fires during a
// heartbeat can cancel a running call. Each history replays.
std::atomic<int> slow_local_calls{0};
std::string SlowLocal(ActivityContext&, int64_t millis) {
  ++slow_local_calls;
  std::this_thread::sleep_for(std::chrono::milliseconds(millis));
  return "slept " + std::to_string(millis) + " ms";
}
Workflow<std::string> WaitsForSlowLocal(WorkflowContext ctx, int64_t millis) {
  LocalActivityOptions options;
  options.start_to_close_timeout = 60s;
  auto outcome = co_await ctx.ExecuteLocalActivity<std::string>("SlowLocal", options, millis);
  if (outcome.IsFailure()) co_return outcome.Error();
  co_return outcome.Value();
}

struct HeartbeatCounts {
  int completed_before_marker = 0;  // WorkflowTaskCompleted events before the marker
  int timed_out = 0;                // WorkflowTaskTimedOut events
  int markers = 0;
  std::string events;  // the event types, for failure messages
};
HeartbeatCounts CountHeartbeats(const temporal::api::history::v1::History& history) {
  HeartbeatCounts counts;
  for (const auto& e : history.events()) {
    counts.events += enums::EventType_Name(e.event_type()).substr(11) + " ";
    if (e.event_type() == enums::EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) ++counts.timed_out;
    if (e.event_type() == enums::EVENT_TYPE_MARKER_RECORDED) ++counts.markers;
    if (e.event_type() == enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED && counts.markers == 0) {
      ++counts.completed_before_marker;
    }
  }
  return counts;
}

void ExpectLongLocalActivityHeartbeats(Client& client, StartWorkflowOptions options) {
  slow_local_calls = 0;
  options.task_timeout = 2s;  // heartbeats at 1.6 s
  auto handle = client.StartWorkflow<std::string>("WaitsForSlowLocal", options, int64_t{4500});
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult(60s);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "slept 4500 ms");
  EXPECT_EQ(slow_local_calls.load(), 1);
  auto history = handle.Value().FetchHistory();
  ASSERT_TRUE(history.IsSuccess()) << history.Error().ToString();
  HeartbeatCounts counts = CountHeartbeats(history.Value());
  EXPECT_GE(counts.completed_before_marker, 2) << counts.events;  // 4.5 s in tasks of 2 s
  EXPECT_EQ(counts.timed_out, 0) << counts.events;
  EXPECT_EQ(counts.markers, 1) << counts.events;
  Replayer replayer;
  replayer.RegisterWorkflow("WaitsForSlowLocal", &WaitsForSlowLocal);
  auto replayed = replayer.ReplayHistory(history.Value());
  EXPECT_TRUE(replayed.IsSuccess()) << replayed.Error().ToString();
  EXPECT_EQ(slow_local_calls.load(), 1);
}

TEST_F(ScenarioTest, ALocalActivityLongerThanTheWorkflowTaskHeartbeatsTheTaskAndRunsOnce) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("WaitsForSlowLocal", &WaitsForSlowLocal);
  worker.RegisterActivity("SlowLocal", &SlowLocal);
  StartWorker();
  ExpectLongLocalActivityHeartbeats(*client_, Options("local-heartbeat"));
}

TEST_F(ScenarioTest, ALocalActivityHeartbeatsTheTaskWithoutStickyExecutionToo) {
  WorkerOptions worker_options;
  worker_options.enable_sticky_execution = false;  // the returned tasks carry the whole history
  Worker& worker = NewWorker(worker_options);
  worker.RegisterWorkflow("WaitsForSlowLocal", &WaitsForSlowLocal);
  worker.RegisterActivity("SlowLocal", &SlowLocal);
  StartWorker();
  ExpectLongLocalActivityHeartbeats(*client_, Options("local-heartbeat-nonsticky"));
}

// With workflow code kept off gRPC's threads (WorkerOptions::workflow_tasks_on_grpc_threads
// false), every task and every returned task runs on the worker's pool, waits included.
TEST_F(ScenarioTest, ALocalActivityHeartbeatsTheTaskWithWorkflowTasksOnTheWorkersThreadsToo) {
  WorkerOptions worker_options;
  worker_options.workflow_tasks_on_grpc_threads = false;
  Worker& worker = NewWorker(worker_options);
  worker.RegisterWorkflow("WaitsForSlowLocal", &WaitsForSlowLocal);
  worker.RegisterActivity("SlowLocal", &SlowLocal);
  StartWorker();
  ExpectLongLocalActivityHeartbeats(*client_, Options("local-heartbeat-pool"));
}

// Three calls that can only finish together: each waits (at most 20 s) until all three run.
std::mutex together_mutex;
std::condition_variable together_cv;
int together_arrived = 0;
hugo::Result<std::string> Together(ActivityContext& ctx, std::string name) {
  std::unique_lock lock(together_mutex);
  ++together_arrived;
  together_cv.notify_all();
  if (!together_cv.wait_for(lock, 20s, [] { return together_arrived >= 3; })) {
    return ApplicationError(name + " ran alone", "Alone", true);
  }
  return hugo::Result<std::string>::Ok(name + "@" + std::to_string(ctx.info().attempt));
}
Workflow<std::string> FansOutLocal(WorkflowContext ctx) {
  LocalActivityOptions options;
  options.start_to_close_timeout = 60s;
  std::vector<Future<hugo::Result<std::string>>> calls;
  for (std::string name : {"a", "b", "c"}) {
    calls.push_back(ctx.ExecuteLocalActivity<std::string>("Together", options, name));
  }
  std::string joined;
  for (auto& call : calls) {
    auto outcome = co_await call;
    if (outcome.IsFailure()) co_return outcome.Error();
    joined += outcome.Value() + " ";
  }
  co_return joined;
}

TEST_F(ScenarioTest, LocalActivitiesOfOneWorkflowRunSideBySide) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("FansOutLocal", &FansOutLocal);
  worker.RegisterActivity("Together", &Together);
  StartWorker();
  {
    std::lock_guard lock(together_mutex);
    together_arrived = 0;
  }
  auto handle = client_->StartWorkflow<std::string>("FansOutLocal", Options("local-fan-out"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult(60s);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "a@1 b@1 c@1 ");
  auto history = handle.Value().FetchHistory();
  ASSERT_TRUE(history.IsSuccess()) << history.Error().ToString();
  EXPECT_EQ(CountHeartbeats(history.Value()).markers, 3);
  Replayer replayer;
  replayer.RegisterWorkflow("FansOutLocal", &FansOutLocal);
  auto replayed = replayer.ReplayHistory(history.Value());
  EXPECT_TRUE(replayed.IsSuccess()) << replayed.Error().ToString();
}

// An attempt that ignores its token for 3 s against a start-to-close of 300 ms.
std::atomic<bool> stubborn_saw_stop{false};
std::string Stubborn(ActivityContext& ctx) {
  std::this_thread::sleep_for(3s);
  stubborn_saw_stop = ctx.stop_token().stop_requested();
  return "finished late";
}
Workflow<std::string> TimesOutLocal(WorkflowContext ctx) {
  LocalActivityOptions options;
  options.start_to_close_timeout = 300ms;
  options.retry_policy = RetryPolicy{};
  options.retry_policy->maximum_attempts = 1;
  auto outcome = co_await ctx.ExecuteLocalActivity<std::string>("Stubborn", options);
  if (outcome.IsSuccess()) co_return "not timed out: " + outcome.Value();
  const hugo::Error* cause = outcome.Error().Cause();
  if (!outcome.Error().HasCode(FailureCodes::kActivity) || cause == nullptr ||
      !cause->HasCode(FailureCodes::kTimeout)) {
    co_return "unexpected: " + outcome.Error().ToString();
  }
  co_return "timed out: " + cause->TryGetMetadata<std::string>("timeout_type").value_or("?");
}

TEST_F(ScenarioTest, ALocalActivityPastItsStartToCloseTimesOutWhileItsFunctionStillRuns) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("TimesOutLocal", &TimesOutLocal);
  worker.RegisterActivity("Stubborn", &Stubborn);
  StartWorker();
  stubborn_saw_stop = false;
  auto handle = client_->StartWorkflow<std::string>("TimesOutLocal", Options("local-timeout"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult(60s);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "timed out: StartToClose");
  auto history = handle.Value().FetchHistory();
  ASSERT_TRUE(history.IsSuccess()) << history.Error().ToString();
  Replayer replayer;
  replayer.RegisterWorkflow("TimesOutLocal", &TimesOutLocal);
  auto replayed = replayer.ReplayHistory(history.Value());
  EXPECT_TRUE(replayed.IsSuccess()) << replayed.Error().ToString();
  worker.Shutdown();  // waits for the stubborn attempt's thread
  EXPECT_TRUE(stubborn_saw_stop.load());
}

// A running call canceled by its scope when a timer fires in a later (heartbeat) task.
std::atomic<bool> waiting_local_stopped{false};
hugo::Result<std::string> WaitsForStop(ActivityContext& ctx) {
  for (int i = 0; i < 400 && !ctx.stop_token().stop_requested(); ++i) {
    std::this_thread::sleep_for(50ms);
  }
  waiting_local_stopped = ctx.stop_token().stop_requested();
  return hugo::Error::Canceled("stopped");
}
Workflow<std::string> CancelsRunningLocal(WorkflowContext ctx) {
  auto [scoped, cancel] = ctx.WithCancel();
  LocalActivityOptions options;
  options.start_to_close_timeout = 60s;
  auto call = scoped.ExecuteLocalActivity<std::string>("WaitsForStop", options);
  auto slept = co_await ctx.Sleep(1s);
  if (slept.IsFailure()) co_return slept.Error();
  cancel();
  auto outcome = co_await call;
  if (outcome.IsSuccess()) co_return std::string("not canceled");
  co_return outcome.Error().HasCode(hugo::ErrorCodes::kCanceled) ? std::string("canceled")
                                                                 : outcome.Error().ToString();
}

TEST_F(ScenarioTest, ATimerFiringDuringAHeartbeatCanCancelARunningLocalActivity) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("CancelsRunningLocal", &CancelsRunningLocal);
  worker.RegisterActivity("WaitsForStop", &WaitsForStop);
  StartWorker();
  waiting_local_stopped = false;
  StartWorkflowOptions options = Options("local-cancel");
  options.task_timeout = 1s;  // heartbeats every 0.8 s; the 1 s timer fires between two
  auto handle = client_->StartWorkflow<std::string>("CancelsRunningLocal", options);
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult(60s);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "canceled");
  auto history = handle.Value().FetchHistory();
  ASSERT_TRUE(history.IsSuccess()) << history.Error().ToString();
  HeartbeatCounts counts = CountHeartbeats(history.Value());
  EXPECT_EQ(counts.markers, 0) << counts.events;  // canceled calls leave no marker
  EXPECT_EQ(counts.timed_out, 0) << counts.events;
  Replayer replayer;
  replayer.RegisterWorkflow("CancelsRunningLocal", &CancelsRunningLocal);
  auto replayed = replayer.ReplayHistory(history.Value());
  EXPECT_TRUE(replayed.IsSuccess()) << replayed.Error().ToString();
  worker.Shutdown();
  EXPECT_TRUE(waiting_local_stopped.load());
}

// --- WorkflowInfo follows the history: its length and size as of each task (the same on replay).
Workflow<std::string> ReportsHistory(WorkflowContext ctx) {
  const int64_t first_length = ctx.Info().history_length;
  const int64_t first_size = ctx.Info().history_size_bytes;
  auto slept = co_await ctx.Sleep(100ms);
  if (slept.IsFailure()) co_return slept.Error();
  const WorkflowInfo& info = ctx.Info();
  co_return std::to_string(first_length) + "," + std::to_string(info.history_length) + "," +
      (info.history_size_bytes > first_size && first_size > 0 ? "grew" : "did not grow") + "," +
      (info.continue_as_new_suggested ? "suggested" : "not suggested");
}

TEST_F(ScenarioTest, TheWorkflowInfoReportsTheHistoryLengthAndSizeOfEachTask) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("ReportsHistory", &ReportsHistory);
  StartWorker();
  auto handle = client_->StartWorkflow<std::string>("ReportsHistory", Options("history-info"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult(60s);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  // Started, task scheduled and started (3); completed, timer started and fired, task (8).
  EXPECT_EQ(result.Value(), "3,8,grew,not suggested");
  auto history = handle.Value().FetchHistory();
  ASSERT_TRUE(history.IsSuccess()) << history.Error().ToString();
  Replayer replayer;
  replayer.RegisterWorkflow("ReportsHistory", &ReportsHistory);
  auto replayed = replayer.ReplayHistory(history.Value());
  EXPECT_TRUE(replayed.IsSuccess()) << replayed.Error().ToString();
}

// --- updates started without waiting for their outcome: StartUpdate returns once the update is
// accepted (or rejected), the handle gets the outcome later, and GetUpdateHandle finds it by id.
Workflow<std::string> HeldUpdates(WorkflowContext ctx) {
  bool released = false;
  int approved = 0;
  auto u = ctx.SetUpdateHandler(
      "approve",
      [&](WorkflowContext c, std::string who) -> Workflow<std::string> {
        auto waited = co_await c.Await([&] { return released; });
        if (waited.IsFailure()) co_return waited.Error();
        ++approved;
        co_return "approved by " + who;
      },
      [](std::string who) -> hugo::Result<hugo::Unit> {
        if (who.empty()) return ApplicationError("nobody to approve", "Nobody", true);
        return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
      });
  if (u.IsFailure()) co_return u.Error();
  auto release = co_await ctx.GetSignalChannel<hugo::Unit>("release").Receive();
  if (release.IsFailure()) co_return release.Error();
  released = true;
  auto all = co_await ctx.Await([&] { return approved >= 1; });
  if (all.IsFailure()) co_return all.Error();
  co_return std::to_string(approved) + " approved";
}

TEST_F(ScenarioTest, AnUpdateStartedAsynchronouslyIsAcceptedFirstAndCompletesLater) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("HeldUpdates", &HeldUpdates);
  StartWorker();
  auto handle = client_->StartWorkflow<std::string>("HeldUpdates", Options("held-updates"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  UpdateOptions options;
  options.update_id = "approve-ada";
  auto update = handle.Value().StartUpdate<std::string>(options, "approve", std::string("ada"));
  ASSERT_TRUE(update.IsSuccess()) << update.Error().ToString();
  EXPECT_EQ(update.Value().update_id(), "approve-ada");
  // Accepted while its handler still waits: a short wait for the outcome times out.
  auto early = update.Value().Get(300ms);
  ASSERT_TRUE(early.IsFailure());
  EXPECT_EQ(early.Error().Code(), hugo::ErrorCodes::kTimeout) << early.Error().ToString();
  // A rejected update: StartUpdate returns its handle, which holds the rejection.
  auto rejected =
      handle.Value().StartUpdate<std::string>(UpdateOptions{}, "approve", std::string(""));
  ASSERT_TRUE(rejected.IsSuccess()) << rejected.Error().ToString();
  auto refusal = rejected.Value().Get();
  ASSERT_TRUE(refusal.IsFailure());
  EXPECT_EQ(refusal.Error().Message(), "nobody to approve");
  ASSERT_TRUE(handle.Value().Signal("release").IsSuccess());
  auto outcome = update.Value().Get(30s);
  ASSERT_TRUE(outcome.IsSuccess()) << outcome.Error().ToString();
  EXPECT_EQ(outcome.Value(), "approved by ada");
  // Another handle on the same update, by id.
  auto again = handle.Value().GetUpdateHandle<std::string>("approve-ada").Get(30s);
  ASSERT_TRUE(again.IsSuccess()) << again.Error().ToString();
  EXPECT_EQ(again.Value(), "approved by ada");
  auto result = handle.Value().GetResult(30s);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "1 approved");
}

// --- update-with-start: one request starts the workflow unless it runs, and updates it.
Payloads Delta(int64_t delta) { return ToPayloads(delta).Value(); }

TEST_F(ScenarioTest, UpdateWithStartStartsTheWorkflowOnceThenUpdatesTheRunningOne) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("Counter", &Counter);
  StartWorker();
  StartWorkflowOptions options = Options("counter-uws");
  options.id_conflict_policy = enums::WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING;
  // No workflow yet: started, and its first task runs the update (accepted by default).
  auto first = client_->StartUpdateWithStartWorkflow<int64_t, int64_t>("Counter", options, "add",
                                                                       UpdateOptions{}, Delta(5));
  ASSERT_TRUE(first.IsSuccess()) << first.Error().ToString();
  EXPECT_TRUE(first.Value().workflow_started);
  EXPECT_EQ(first.Value().workflow.workflow_id(), options.id);
  EXPECT_FALSE(first.Value().workflow.run_id().empty());
  auto five = first.Value().update.Get(30s);
  ASSERT_TRUE(five.IsSuccess()) << five.Error().ToString();
  EXPECT_EQ(five.Value(), 5);
  // Running: the same request updates that run.
  auto seven =
      client_->ExecuteUpdateWithStartWorkflow<int64_t>("Counter", options, "add", {}, Delta(2));
  ASSERT_TRUE(seven.IsSuccess()) << seven.Error().ToString();
  EXPECT_EQ(seven.Value(), 7);
  UpdateOptions completed;
  completed.update_id = "third";
  completed.wait_for_stage = UpdateStage::kCompleted;
  auto third = client_->StartUpdateWithStartWorkflow<int64_t, int64_t>("Counter", options, "add",
                                                                       completed, Delta(1));
  ASSERT_TRUE(third.IsSuccess()) << third.Error().ToString();
  EXPECT_FALSE(third.Value().workflow_started);
  EXPECT_EQ(third.Value().workflow.run_id(), first.Value().workflow.run_id());
  EXPECT_EQ(third.Value().update.update_id(), "third");
  auto eight = third.Value().update.Get();
  ASSERT_TRUE(eight.IsSuccess()) << eight.Error().ToString();
  EXPECT_EQ(eight.Value(), 8);
  // A validator's rejection is the update handle's outcome; the call itself succeeds.
  auto rejected = client_->StartUpdateWithStartWorkflow<int64_t, int64_t>("Counter", options, "add",
                                                                          {}, Delta(-1));
  ASSERT_TRUE(rejected.IsSuccess()) << rejected.Error().ToString();
  auto refusal = rejected.Value().update.Get(30s);
  ASSERT_TRUE(refusal.IsFailure());
  EXPECT_EQ(refusal.Error().Message(), "delta must be positive") << refusal.Error().ToString();
  // FAIL refuses the running workflow: the start's error, and the update is not sent.
  options.id_conflict_policy = enums::WORKFLOW_ID_CONFLICT_POLICY_FAIL;
  auto refused = client_->StartUpdateWithStartWorkflow<int64_t, int64_t>("Counter", options, "add",
                                                                         {}, Delta(100));
  ASSERT_TRUE(refused.IsFailure());
  EXPECT_EQ(refused.Error().Code(), "grpc.already_exists") << refused.Error().ToString();
  EXPECT_EQ(refused.Error().TryGetMetadata<std::string>("temporal.failure"),
            "WorkflowExecutionAlreadyStartedFailure")
      << refused.Error().ToString();
  EXPECT_EQ(refused.Error().TryGetMetadata<int64_t>("temporal.operation"), 0);
  EXPECT_EQ(
      refused.Error().Message().rfind("update-with-start: the workflow could not be started", 0),
      0u)
      << refused.Error().ToString();
  auto value = first.Value().workflow.Query<int64_t>("value");
  ASSERT_TRUE(value.IsSuccess()) << value.Error().ToString();
  EXPECT_EQ(value.Value(), 8);
  ASSERT_TRUE(first.Value().workflow.Signal("finish", hugo::Unit{}).IsSuccess());
  auto result = first.Value().workflow.GetResult(30s);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), 8);
  // One run, three accepted updates (the rejected and the refused left nothing).
  auto types = EventTypes(first.Value().workflow);
  ASSERT_FALSE(types.empty());
  EXPECT_EQ(types.front(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
  EXPECT_EQ(
      std::count(types.begin(), types.end(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED),
      3);
}

TEST_F(ScenarioTest, UpdateWithStartRefusesIncompleteOrUnsupportedOptionsAndStartsNothing) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("Counter", &Counter);
  StartWorker();
  StartWorkflowOptions options = Options("counter-uws-bad");
  auto refused = [&](const StartWorkflowOptions& o, const std::string& update_name,
                     const std::string& says) {
    auto sent = client_->StartUpdateWithStartWorkflow<int64_t, int64_t>("Counter", o, update_name,
                                                                        {}, Delta(1));
    ASSERT_TRUE(sent.IsFailure()) << says;
    EXPECT_EQ(sent.Error().Code(), hugo::ErrorCodes::kValidation) << sent.Error().ToString();
    EXPECT_NE(sent.Error().Message().find(says), std::string::npos) << sent.Error().ToString();
  };
  refused(options, "add", "id_conflict_policy");
  options.id_conflict_policy = enums::WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING;
  refused(options, "", "an update needs a name");
  StartWorkflowOptions eager = options;
  eager.enable_eager_start = true;
  refused(eager, "add", "enable_eager_start");
  StartWorkflowOptions no_queue = options;
  no_queue.task_queue.clear();
  refused(no_queue, "add", "task queue");
  // The server refuses what update-with-start does not support.
  StartWorkflowOptions cron = options;
  cron.cron_schedule = "* * * * *";
  auto scheduled =
      client_->StartUpdateWithStartWorkflow<int64_t, int64_t>("Counter", cron, "add", {}, Delta(1));
  ASSERT_TRUE(scheduled.IsFailure());
  EXPECT_EQ(scheduled.Error().Code(), "grpc.invalid_argument") << scheduled.Error().ToString();
  // Nothing was started.
  auto described = client_->GetHandle(options.id).Describe();
  ASSERT_TRUE(described.IsFailure());
  EXPECT_EQ(described.Error().Code(), "grpc.not_found") << described.Error().ToString();
}

// --- update handlers: each knows its update; the workflow waits for all of them to finish.
Workflow<std::string> Reserve(WorkflowContext ctx, std::vector<std::string>* seen,
                              const bool* released, std::string item) {
  const UpdateInfo* info = ctx.CurrentUpdateInfo();
  std::string who = info != nullptr ? info->name + "/" + info->id : "none";
  auto [child, cancel] = ctx.WithCancel();  // a derived context keeps the update
  auto waited = co_await child.Await([released] { return *released; });
  if (waited.IsFailure()) co_return waited.Error();
  const UpdateInfo* derived = child.CurrentUpdateInfo();
  seen->push_back(item + "@" + (derived != nullptr ? derived->id : "none"));
  co_return who;
}

Workflow<std::string> DrainsUpdates(WorkflowContext ctx) {
  std::vector<std::string> seen;
  bool released = false;
  auto u = ctx.SetUpdateHandler("reserve",
                                [&seen, &released](WorkflowContext handler, std::string item) {
                                  return Reserve(handler, &seen, &released, std::move(item));
                                });
  if (u.IsFailure()) co_return u.Error();
  auto release = co_await ctx.GetSignalChannel<hugo::Unit>("release").Receive();
  if (release.IsFailure()) co_return release.Error();
  released = true;
  const bool finished_at_release = ctx.AllHandlersFinished();
  auto drained = co_await ctx.AwaitAllHandlersFinished();
  if (drained.IsFailure()) co_return drained.Error();
  std::string text = finished_at_release ? "finished" : "running";
  text += " at release, then drained:";
  for (const auto& s : seen) text += " " + s;
  text += ctx.CurrentUpdateInfo() == nullptr ? "; main has no update" : "; main has an update";
  co_return text;
}

TEST_F(ScenarioTest, UpdateHandlersKnowTheirUpdateAndTheWorkflowWaitsForAllToFinish) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("DrainsUpdates", &DrainsUpdates);
  StartWorker();
  auto handle = client_->StartWorkflow<std::string>("DrainsUpdates", Options("drains-updates"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  UpdateOptions a;
  a.update_id = "ua";
  auto first = handle.Value().StartUpdate<std::string>(a, "reserve", std::string("a"));
  ASSERT_TRUE(first.IsSuccess()) << first.Error().ToString();
  UpdateOptions b;
  b.update_id = "ub";
  auto second = handle.Value().StartUpdate<std::string>(b, "reserve", std::string("b"));
  ASSERT_TRUE(second.IsSuccess()) << second.Error().ToString();
  ASSERT_TRUE(handle.Value().Signal("release", hugo::Unit{}).IsSuccess());
  auto result = handle.Value().GetResult(30s);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "running at release, then drained: a@ua b@ub; main has no update");
  auto ra = first.Value().Get(30s);
  ASSERT_TRUE(ra.IsSuccess()) << ra.Error().ToString();
  EXPECT_EQ(ra.Value(), "reserve/ua");
  auto rb = second.Value().Get(30s);
  ASSERT_TRUE(rb.IsSuccess()) << rb.Error().ToString();
  EXPECT_EQ(rb.Value(), "reserve/ub");
}

// --- cron: each run sees the last completed run's result and the failure of the run before.
Workflow<std::string> CronTally(WorkflowContext ctx) {
  if (ctx.GetLastError()) {
    auto last = ctx.GetLastCompletionResult<std::string>();
    co_return "after " + ctx.GetLastError()->Message() + ", last " +
        (last.IsSuccess() ? last.Value() : "none");
  }
  int64_t n = 1;
  if (ctx.HasLastCompletionResult()) {
    auto last = ctx.GetLastCompletionResult<std::string>();
    if (last.IsFailure()) co_return last.Error();
    n = std::stoll(last.Value()) + 1;
  } else if (ctx.GetLastCompletionResult<std::string>().IsSuccess()) {
    co_return ApplicationError("a first run has a last completion result", "Bug", true);
  }
  if (n == 3) co_return ApplicationError("stop at 3", "Stop", true);
  co_return std::to_string(n);
}

// The last event of run `run_id` once it is a close event (polls the run's history).
std::optional<temporal::api::history::v1::HistoryEvent> CloseEventOf(const Client& client,
                                                                     const std::string& workflow_id,
                                                                     const std::string& run_id) {
  for (int poll = 0; poll < 600; ++poll) {
    auto history = client.GetHandle(workflow_id, run_id).FetchHistory();
    if (history.IsSuccess() && history.Value().events_size() > 0) {
      const auto& last = history.Value().events(history.Value().events_size() - 1);
      if (last.has_workflow_execution_completed_event_attributes() ||
          last.has_workflow_execution_failed_event_attributes() ||
          last.has_workflow_execution_timed_out_event_attributes() ||
          last.has_workflow_execution_terminated_event_attributes()) {
        return last;
      }
    }
    std::this_thread::sleep_for(100ms);
  }
  return std::nullopt;
}

TEST_F(ScenarioTest, ACronRunSeesTheLastCompletionResultAndTheFailureOfTheRunBefore) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("CronTally", &CronTally);
  StartWorker();
  StartWorkflowOptions options = Options("cron-tally");
  options.cron_schedule = "@every 1s";
  auto handle = client_->StartWorkflow<std::string>("CronTally", options);
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  std::vector<std::string> outcomes;
  std::string run_id = handle.Value().run_id();
  for (int run = 0; run < 4; ++run) {
    auto closed = CloseEventOf(*client_, options.id, run_id);
    ASSERT_TRUE(closed.has_value()) << "run " << run << " did not close";
    if (closed->has_workflow_execution_completed_event_attributes()) {
      const auto& a = closed->workflow_execution_completed_event_attributes();
      outcomes.push_back(FromPayloads1<std::string>(a.result()).ValueOr("?"));
      run_id = a.new_execution_run_id();
    } else if (closed->has_workflow_execution_failed_event_attributes()) {
      const auto& a = closed->workflow_execution_failed_event_attributes();
      outcomes.push_back("failed: " + a.failure().message());
      run_id = a.new_execution_run_id();
    } else {
      FAIL() << closed->DebugString();
    }
    ASSERT_FALSE(run_id.empty()) << "the cron schedule ended after run " << run;
  }
  EXPECT_EQ(outcomes,
            (std::vector<std::string>{"1", "2", "failed: stop at 3", "after stop at 3, last 2"}));
  ASSERT_TRUE(client_->GetHandle(options.id).Terminate("enough").IsSuccess());
}

// --- child workflows and signals between workflows.
Workflow<std::string> Child(WorkflowContext ctx, std::string name) {
  auto signal = ctx.GetSignalChannel<std::string>("from-parent");
  auto greeting = co_await signal.Receive();
  if (greeting.IsFailure()) co_return greeting.Error();
  co_return greeting.Value() + ", " + name;
}
Workflow<std::string> Parent(WorkflowContext ctx) {
  ChildWorkflowOptions options;
  options.workflow_id = ctx.Info().workflow_id + "-child";
  auto child = ctx.ExecuteChildWorkflow<std::string>("Child", options, std::string("Lin"));
  auto started = co_await child.started;
  if (started.IsFailure()) co_return started.Error();
  auto signaled = co_await ctx.SignalExternalWorkflow(
      started.Value().workflow_id, started.Value().run_id, "from-parent", std::string("Hi"));
  if (signaled.IsFailure()) co_return signaled.Error();
  auto result = co_await child.result;
  if (result.IsFailure()) co_return result.Error();
  co_return "child said: " + result.Value();
}

TEST_F(ScenarioTest, AParentStartsAChildSignalsItAndReadsItsResult) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("Parent", &Parent);
  worker.RegisterWorkflow("Child", &Child);
  StartWorker();
  auto handle = client_->StartWorkflow<std::string>("Parent", Options("parent"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "child said: Hi, Lin");
  auto types = EventTypes(handle.Value());
  EXPECT_TRUE(Contains(types, enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED));
  EXPECT_TRUE(Contains(types, enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED));
}

// --- a cache of one run forces full replays between tasks; results stay right.
Workflow<int64_t> SumSignals(WorkflowContext ctx, int64_t count) {
  auto numbers = ctx.GetSignalChannel<int64_t>("n");
  int64_t sum = 0;
  for (int64_t i = 0; i < count; ++i) {
    auto n = co_await numbers.Receive();
    if (n.IsFailure()) co_return n.Error();
    sum += n.Value();
    auto slept = co_await ctx.Sleep(5ms);
    if (slept.IsFailure()) co_return slept.Error();
  }
  co_return sum;
}

TEST_F(ScenarioTest, EvictionsFromATinyStickyCacheReplayRunsCorrectly) {
  WorkerOptions options;
  options.sticky_cache_size = 1;
  Worker& worker = NewWorker(options);
  worker.RegisterWorkflow("SumSignals", &SumSignals);
  StartWorker();
  std::vector<WorkflowHandle<int64_t>> handles;
  for (int w = 0; w < 3; ++w) {
    auto handle = client_->StartWorkflow<int64_t>("SumSignals", Options("sum"), int64_t{4});
    ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
    handles.push_back(handle.Value());
  }
  for (int64_t i = 1; i <= 4; ++i) {
    for (auto& handle : handles) ASSERT_TRUE(handle.Signal("n", i * 10).IsSuccess());
  }
  for (auto& handle : handles) {
    auto result = handle.GetResult();
    ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
    EXPECT_EQ(result.Value(), 100);
  }
}

// --- determinism against a recorded history: a changed workflow fails naming the event; the same
// change behind GetVersion replays cleanly.
Workflow<std::string> GreetingChanged(WorkflowContext ctx, std::string name) {
  auto text = co_await ctx.ExecuteActivity<std::string>("ComposeFormalGreeting", Quick(), name);
  if (text.IsFailure()) co_return text.Error();
  co_return text.Value() + "!";
}
Workflow<std::string> GreetingVersioned(WorkflowContext ctx, std::string name) {
  auto version = ctx.GetVersion("formal", WorkflowContext::kDefaultVersion, 1);
  if (version.IsFailure()) co_return version.Error();
  auto text = co_await ctx.ExecuteActivity<std::string>(
      version.Value() == 1 ? "ComposeFormalGreeting" : "ComposeGreeting", Quick(), name);
  if (text.IsFailure()) co_return text.Error();
  co_return text.Value() + "!";
}

TEST_F(ScenarioTest, ARecordedHistoryReplaysOnlyAgainstCompatibleCode) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("Greeting", &Greeting);
  worker.RegisterActivity("ComposeGreeting", &ComposeGreeting);
  StartWorker();
  auto handle =
      client_->StartWorkflow<std::string>("Greeting", Options("determinism"), std::string("Ada"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  ASSERT_TRUE(handle.Value().GetResult().IsSuccess());
  auto history = handle.Value().FetchHistory();
  ASSERT_TRUE(history.IsSuccess());

  Replayer same;
  same.RegisterWorkflow("Greeting", &Greeting);
  auto replayed = same.ReplayHistory(history.Value());
  EXPECT_TRUE(replayed.IsSuccess()) << replayed.Error().ToString();

  Replayer changed;
  changed.RegisterWorkflow("Greeting", &GreetingChanged);
  replayed = changed.ReplayHistory(history.Value());
  ASSERT_TRUE(replayed.IsFailure());
  EXPECT_EQ(replayed.Error().Code(), WorkflowErrorCodes::kNonDeterminism);
  EXPECT_NE(replayed.Error().Message().find("event 5 ACTIVITY_TASK_SCHEDULED"), std::string::npos)
      << replayed.Error().Message();
  EXPECT_NE(replayed.Error().Message().find("ComposeFormalGreeting"), std::string::npos)
      << replayed.Error().Message();

  Replayer versioned;
  versioned.RegisterWorkflow("Greeting", &GreetingVersioned);
  replayed = versioned.ReplayHistory(history.Value());
  EXPECT_TRUE(replayed.IsSuccess()) << replayed.Error().ToString();
}

// --- async activity completion by task token through the client.
std::mutex token_mutex;
std::string async_token;
hugo::Result<std::string> Approve(ActivityContext& ctx, std::string) {
  {
    std::lock_guard<std::mutex> lock(token_mutex);
    async_token = ctx.info().task_token;
  }
  return ctx.CompleteAsync();
}
Workflow<std::string> AsyncApproval(WorkflowContext ctx) {
  auto approved = co_await ctx.ExecuteActivity<std::string>("Approve", Quick(), std::string("x"));
  if (approved.IsFailure()) co_return approved.Error();
  co_return approved.Value();
}

TEST_F(ScenarioTest, AnActivityCompletedAsynchronouslyByTaskTokenDeliversItsResult) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("AsyncApproval", &AsyncApproval);
  worker.RegisterActivity("Approve", &Approve);
  StartWorker();
  {
    std::lock_guard<std::mutex> lock(token_mutex);
    async_token.clear();
  }
  auto handle = client_->StartWorkflow<std::string>("AsyncApproval", Options("async"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  std::string token;
  for (int i = 0; i < 400 && token.empty(); ++i) {
    {
      std::lock_guard<std::mutex> lock(token_mutex);
      token = async_token;
    }
    if (token.empty()) std::this_thread::sleep_for(25ms);
  }
  ASSERT_FALSE(token.empty());
  ASSERT_TRUE(client_->CompleteActivity(token, std::string("approved later")).IsSuccess());
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "approved later");
}

// --- async activity completion by workflow and activity id: complete, fail, heartbeat, cancel.
std::atomic<int> awaiting_approval{0};
hugo::Result<std::string> AwaitApproval(ActivityContext& ctx, std::string) {
  ++awaiting_approval;
  return ctx.CompleteAsync();
}

ActivityOptions ById(const std::string& activity_id) {
  ActivityOptions o = Quick();
  o.activity_id = activity_id;
  o.start_to_close_timeout = 60s;
  o.retry_policy->maximum_attempts = 1;
  o.cancellation_type = ActivityCancellationType::kWaitCancellationCompleted;
  return o;
}

Workflow<std::string> Approvals(WorkflowContext ctx) {
  auto first = ctx.ExecuteActivity<std::string>("AwaitApproval", ById("approve-1"), std::string());
  auto second = ctx.ExecuteActivity<std::string>("AwaitApproval", ById("approve-2"), std::string());
  auto [scoped, cancel] = ctx.WithCancel();
  auto third =
      scoped.ExecuteActivity<std::string>("AwaitApproval", ById("approve-3"), std::string());
  auto go = co_await ctx.GetSignalChannel<hugo::Unit>("cancel-third").Receive();
  if (go.IsFailure()) co_return go.Error();
  cancel();
  auto r1 = co_await first;
  auto r2 = co_await second;
  auto r3 = co_await third;
  std::string text = r1.IsSuccess() ? r1.Value() : "failed: " + r1.Error().ToString();
  const hugo::Error* cause = r2.IsFailure() ? r2.Error().Cause() : nullptr;
  text += " | " + (cause != nullptr ? cause->Message() : std::string("not failed"));
  text += " | " + std::string(r3.IsFailure() && r3.Error().HasCode(hugo::ErrorCodes::kCanceled)
                                  ? "canceled"
                                  : "not canceled");
  co_return text;
}

TEST_F(ScenarioTest, ActivitiesCompletedAsynchronouslyByIdSucceedFailAndCancel) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("Approvals", &Approvals);
  worker.RegisterActivity("AwaitApproval", &AwaitApproval);
  StartWorker();
  awaiting_approval = 0;
  auto handle = client_->StartWorkflow<std::string>("Approvals", Options("approvals"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  for (int i = 0; i < 400 && awaiting_approval < 3; ++i) std::this_thread::sleep_for(25ms);
  ASSERT_EQ(awaiting_approval, 3);
  const std::string& id = handle.Value().workflow_id();
  // Bad references: refused before any call, or not found by the server.
  auto no_activity = client_->CompleteActivityById(ActivityById{id, "", ""}, std::string("x"));
  ASSERT_TRUE(no_activity.IsFailure());
  EXPECT_EQ(no_activity.Error().Code(), hugo::ErrorCodes::kValidation);
  auto unknown = client_->CompleteActivityById(ActivityById{id, "", "approve-9"}, std::string("x"));
  ASSERT_TRUE(unknown.IsFailure());
  EXPECT_EQ(unknown.Error().Code(), "grpc.not_found") << unknown.Error().ToString();
  // Heartbeat, then complete, the first (by the run id); fail the second (current run).
  auto beat = client_->HeartbeatActivityById(ActivityById{id, handle.Value().run_id(), "approve-1"},
                                             std::string("half way"));
  ASSERT_TRUE(beat.IsSuccess()) << beat.Error().ToString();
  EXPECT_FALSE(beat.Value());
  ASSERT_TRUE(client_
                  ->CompleteActivityById(ActivityById{id, handle.Value().run_id(), "approve-1"},
                                         std::string("yes"))
                  .IsSuccess());
  auto failed = client_->FailActivityById(ActivityById{id, "", "approve-2"},
                                          ApplicationError("denied", "Denied", true));
  ASSERT_TRUE(failed.IsSuccess()) << failed.Error().ToString();
  // The third is canceled by the workflow: its heartbeat says so, and the completer confirms.
  ASSERT_TRUE(handle.Value().Signal("cancel-third", hugo::Unit{}).IsSuccess());
  bool cancel_requested = false;
  for (int i = 0; i < 400 && !cancel_requested; ++i) {
    auto asked = client_->HeartbeatActivityById(ActivityById{id, "", "approve-3"});
    ASSERT_TRUE(asked.IsSuccess()) << asked.Error().ToString();
    cancel_requested = asked.Value();
    if (!cancel_requested) std::this_thread::sleep_for(25ms);
  }
  ASSERT_TRUE(cancel_requested);
  ASSERT_TRUE(client_->ReportActivityCanceledById(ActivityById{id, "", "approve-3"}).IsSuccess());
  auto result = handle.Value().GetResult(30s);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "yes | denied | canceled");
}

// --- a type with its own payload converter, through workflow, activity and client.
struct GridPoint {
  int x = 0;
  int y = 0;
  friend bool operator==(const GridPoint&, const GridPoint&) = default;
};

}  // namespace

template <>
struct PayloadConverter<GridPoint> {
  static hugo::Result<Payload> Encode(const GridPoint& p) {
    return hugo::Result<Payload>::Ok(converter_detail::MakePayload(
        "text/x-grid-point", std::to_string(p.x) + ":" + std::to_string(p.y)));
  }
  static hugo::Result<GridPoint> Decode(const Payload& payload) {
    GridPoint p;
    if (PayloadEncoding(payload) != "text/x-grid-point" ||
        std::sscanf(payload.data().c_str(), "%d:%d", &p.x, &p.y) != 2) {
      return converter_detail::DecodeError(payload, typeid(GridPoint), "not a text/x-grid-point");
    }
    return hugo::Result<GridPoint>::Ok(p);
  }
};

namespace {

GridPoint Mirror(ActivityContext&, GridPoint p) { return GridPoint{p.y, p.x}; }

Workflow<GridPoint> Mirrored(WorkflowContext ctx, GridPoint p) {
  auto mirrored = co_await ctx.ExecuteActivity<GridPoint>("Mirror", Quick(), p);
  if (mirrored.IsFailure()) co_return mirrored.Error();
  co_return GridPoint{mirrored.Value().x + 1, mirrored.Value().y + 1};
}

TEST_F(ScenarioTest, ATypeWithItsOwnPayloadConverterTravelsInItsEncoding) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("Mirrored", &Mirrored);
  worker.RegisterActivity("Mirror", &Mirror);
  StartWorker();
  auto handle = client_->StartWorkflow<GridPoint>("Mirrored", Options("grid"), GridPoint{1, 5});
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult(30s);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), (GridPoint{6, 2}));
  // Stored as the converter wrote it: the start's input, the activity's input and result.
  std::vector<std::string> stored;
  for (const auto& e : Events(handle.Value())) {
    const Payloads* payloads = nullptr;
    if (e.has_workflow_execution_started_event_attributes()) {
      payloads = &e.workflow_execution_started_event_attributes().input();
    } else if (e.has_activity_task_scheduled_event_attributes()) {
      payloads = &e.activity_task_scheduled_event_attributes().input();
    } else if (e.has_activity_task_completed_event_attributes()) {
      payloads = &e.activity_task_completed_event_attributes().result();
    } else if (e.has_workflow_execution_completed_event_attributes()) {
      payloads = &e.workflow_execution_completed_event_attributes().result();
    }
    if (payloads == nullptr) continue;
    for (const auto& p : payloads->payloads()) {
      stored.push_back(std::string(PayloadEncoding(p)) + " " + p.data());
    }
  }
  EXPECT_EQ(stored, (std::vector<std::string>{"text/x-grid-point 1:5", "text/x-grid-point 1:5",
                                              "text/x-grid-point 5:1", "text/x-grid-point 6:2"}));
}

// --- MutableSideEffect: read on every live call, recorded only when it changes, replayed.
std::atomic<int64_t> flag_value{0};
std::atomic<int> flag_reads{0};

Workflow<std::string> Flagged(WorkflowContext ctx) {
  std::string seen;
  int64_t done = 0;
  auto q = ctx.SetQueryHandler("done", [&done]() { return done; });
  if (q.IsFailure()) co_return q.Error();
  auto next = ctx.GetSignalChannel<hugo::Unit>("next");
  for (int i = 0; i < 4; ++i) {
    auto flag = ctx.MutableSideEffect<int64_t>("flag", [] {
      ++flag_reads;
      return flag_value.load();
    });
    if (flag.IsFailure()) co_return flag.Error();
    seen += (seen.empty() ? "" : " ") + std::to_string(flag.Value());
    done = i + 1;
    auto got = co_await next.Receive();
    if (got.IsFailure()) co_return got.Error();
  }
  co_return seen;
}

TEST_F(ScenarioTest, AMutableSideEffectIsRecordedOnlyWhenItChangesAndReplaysWithoutRunning) {
  WorkerOptions worker_options;
  worker_options.enable_sticky_execution = false;  // each task replays the run from its history
  Worker& worker = NewWorker(worker_options);
  worker.RegisterWorkflow("Flagged", &Flagged);
  StartWorker();
  flag_value = 1;
  flag_reads = 0;
  auto handle = client_->StartWorkflow<std::string>("Flagged", Options("flagged"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto wait_done = [&](int64_t n) {
    for (int i = 0; i < 400; ++i) {
      auto done = handle.Value().Query<int64_t>("done");
      if (done.IsSuccess() && done.Value() >= n) return true;
      std::this_thread::sleep_for(25ms);
    }
    return false;
  };
  ASSERT_TRUE(wait_done(1));
  ASSERT_TRUE(handle.Value().Signal("next", hugo::Unit{}).IsSuccess());
  ASSERT_TRUE(wait_done(2));
  flag_value = 2;
  ASSERT_TRUE(handle.Value().Signal("next", hugo::Unit{}).IsSuccess());
  ASSERT_TRUE(wait_done(3));
  ASSERT_TRUE(handle.Value().Signal("next", hugo::Unit{}).IsSuccess());
  ASSERT_TRUE(wait_done(4));
  flag_value = 3;  // no call reads it any more
  ASSERT_TRUE(handle.Value().Signal("next", hugo::Unit{}).IsSuccess());
  auto result = handle.Value().GetResult(30s);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "1 1 2 2");
  EXPECT_EQ(flag_reads, 4);  // the live calls only: every replay took the recorded values
  auto history = handle.Value().FetchHistory();
  ASSERT_TRUE(history.IsSuccess()) << history.Error().ToString();
  int markers = 0;
  for (const auto& e : history.Value().events())
    markers += e.has_marker_recorded_event_attributes();
  EXPECT_EQ(markers, 2);  // the first value and the change
  flag_value = 99;
  Replayer replayer;
  replayer.RegisterWorkflow("Flagged", &Flagged);
  auto replayed = replayer.ReplayHistory(history.Value());
  EXPECT_TRUE(replayed.IsSuccess()) << replayed.Error().ToString();
  EXPECT_EQ(flag_reads, 4);
}

// --- namespaces and task queues: what an operator's tooling asks.
TEST_F(ScenarioTest, ANamespaceIsRegisteredDescribedListedAndUpdated) {
  NamespaceClient namespaces(connection_);
  NamespaceOptions options;
  options.name = "sdk-ns-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++);
  options.description = "orders of the shop";
  options.owner_email = "ops@example.com";
  options.retention = std::chrono::hours(48);
  options.data = {{"team", "shop"}};
  auto registered = namespaces.Register(options);
  ASSERT_TRUE(registered.IsSuccess()) << registered.Error().ToString();
  auto again = namespaces.Register(options);
  ASSERT_TRUE(again.IsFailure());
  EXPECT_EQ(again.Error().Code(), "grpc.already_exists") << again.Error().ToString();
  EXPECT_EQ(again.Error().TryGetMetadata<std::string>("temporal.failure"),
            "NamespaceAlreadyExistsFailure");
  auto described = namespaces.Describe(options.name);
  ASSERT_TRUE(described.IsSuccess()) << described.Error().ToString();
  EXPECT_EQ(described.Value().namespace_info().description(), "orders of the shop");
  EXPECT_EQ(described.Value().namespace_info().owner_email(), "ops@example.com");
  EXPECT_EQ(described.Value().namespace_info().data().at("team"), "shop");
  EXPECT_EQ(described.Value().config().workflow_execution_retention_ttl().seconds(), 48 * 3600);
  NamespaceUpdate update;
  update.description = "orders and refunds";
  update.retention = std::chrono::hours(96);
  update.data = {{"tier", "gold"}};
  auto updated = namespaces.Update(options.name, update);
  ASSERT_TRUE(updated.IsSuccess()) << updated.Error().ToString();
  described = namespaces.Describe(options.name);
  ASSERT_TRUE(described.IsSuccess()) << described.Error().ToString();
  EXPECT_EQ(described.Value().namespace_info().description(), "orders and refunds");
  EXPECT_EQ(described.Value().namespace_info().owner_email(), "ops@example.com");
  EXPECT_EQ(described.Value().namespace_info().data().at("team"), "shop");
  EXPECT_EQ(described.Value().namespace_info().data().at("tier"), "gold");
  EXPECT_EQ(described.Value().config().workflow_execution_retention_ttl().seconds(), 96 * 3600);
  auto listed = namespaces.List();
  ASSERT_TRUE(listed.IsSuccess()) << listed.Error().ToString();
  std::vector<std::string> names;
  for (const auto& n : listed.Value()) names.push_back(n.namespace_info().name());
  EXPECT_NE(std::find(names.begin(), names.end(), options.name), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "default"), names.end());
  auto unknown = namespaces.Describe("sdk-ns-nobody-" + std::to_string(::getpid()));
  ASSERT_TRUE(unknown.IsFailure());
  EXPECT_EQ(unknown.Error().Code(), "grpc.not_found") << unknown.Error().ToString();
  auto nameless = namespaces.Register(NamespaceOptions{});
  ASSERT_TRUE(nameless.IsFailure());
  EXPECT_EQ(nameless.Error().Code(), hugo::ErrorCodes::kValidation);
}

TEST_F(ScenarioTest, DescribingATaskQueueNamesTheWorkersPollingIt) {
  WorkerOptions options;
  options.identity = "describe-me-" + std::to_string(::getpid());
  Worker& worker = NewWorker(options);
  worker.RegisterWorkflow("Greeting", &Greeting);
  worker.RegisterActivity("ComposeGreeting", &ComposeGreeting);
  StartWorker();
  auto found = [&](temporal::api::enums::v1::TaskQueueType type) {
    for (int i = 0; i < 200; ++i) {
      auto described = client_->DescribeTaskQueue(task_queue_, type);
      if (described.IsFailure()) return described.Error().ToString();
      for (const auto& poller : described.Value().pollers()) {
        if (poller.identity() == options.identity) return std::string("found");
      }
      std::this_thread::sleep_for(50ms);
    }
    return std::string("not found");
  };
  EXPECT_EQ(found(enums::TASK_QUEUE_TYPE_WORKFLOW), "found");
  EXPECT_EQ(found(enums::TASK_QUEUE_TYPE_ACTIVITY), "found");
  auto nameless = client_->DescribeTaskQueue("");
  ASSERT_TRUE(nameless.IsFailure());
  EXPECT_EQ(nameless.Error().Code(), hugo::ErrorCodes::kValidation);
}

// --- typed search attributes: registered, set at start, upserted and unset, queried.
const auto kSdkCustomer = KeywordSearchAttribute("SdkCustomer");
const auto kSdkTotal = IntSearchAttribute("SdkTotal");
const auto kSdkShippedAt = DatetimeSearchAttribute("SdkShippedAt");
const auto kSdkTags = KeywordListSearchAttribute("SdkTags");
const auto kSdkRush = BoolSearchAttribute("SdkRush");

Workflow<std::string> Tagged(WorkflowContext ctx) {
  auto customer = ctx.TypedSearchAttributes().Get(kSdkCustomer);
  if (customer.IsFailure()) co_return customer.Error();
  auto rush = ctx.TypedSearchAttributes().Get(kSdkRush);
  if (rush.IsFailure()) co_return rush.Error();
  SearchAttributes changes;
  changes.Set(kSdkTotal, int64_t{42})
      .Set(kSdkShippedAt, SearchAttributeTime(std::chrono::seconds(1764867600)))
      .Set(kSdkTags, std::vector<std::string>{"fragile", "gift"})
      .Unset(kSdkRush);
  auto upserted = ctx.UpsertTypedSearchAttributes(changes);
  if (upserted.IsFailure()) co_return upserted.Error();
  auto now = ctx.TypedSearchAttributes();
  auto total = now.Get(kSdkTotal);
  auto shipped = now.Get(kSdkShippedAt);
  auto tags = now.Get(kSdkTags);
  auto rush_after = now.Get(kSdkRush);
  if (total.IsFailure() || shipped.IsFailure() || tags.IsFailure() || rush_after.IsFailure()) {
    co_return ApplicationError("a typed search attribute did not read back", "Bug", true);
  }
  auto done = co_await ctx.GetSignalChannel<hugo::Unit>("done").Receive();
  if (done.IsFailure()) co_return done.Error();
  co_return customer.Value().value_or("?") + " rush=" + (rush.Value().value_or(false) ? "1" : "0") +
      " total=" + std::to_string(total.Value().value_or(0)) +
      " shipped=" + FormatSearchAttributeTime(shipped.Value().value_or(SearchAttributeTime())) +
      " tags=" + std::to_string(tags.Value().value_or(std::vector<std::string>{}).size()) +
      " rush after=" + (rush_after.Value() ? "set" : "unset");
}

TEST_F(ScenarioTest, TypedSearchAttributesAreSetUpsertedUnsetAndQueried) {
  NamespaceClient namespaces(connection_);
  auto added = namespaces.AddSearchAttributes("default",
                                              {{"SdkCustomer", enums::INDEXED_VALUE_TYPE_KEYWORD},
                                               {"SdkTotal", enums::INDEXED_VALUE_TYPE_INT},
                                               {"SdkShippedAt", enums::INDEXED_VALUE_TYPE_DATETIME},
                                               {"SdkTags", enums::INDEXED_VALUE_TYPE_KEYWORD_LIST},
                                               {"SdkRush", enums::INDEXED_VALUE_TYPE_BOOL}});
  ASSERT_TRUE(added.IsSuccess()) << added.Error().ToString();
  auto listed = namespaces.ListSearchAttributes("default");
  ASSERT_TRUE(listed.IsSuccess()) << listed.Error().ToString();
  ASSERT_EQ(listed.Value().count("SdkTotal"), 1u);
  EXPECT_EQ(listed.Value().at("SdkTotal"), enums::INDEXED_VALUE_TYPE_INT);
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("Tagged", &Tagged);
  StartWorker();
  StartWorkflowOptions options = Options("tagged");
  options.typed_search_attributes.Set(kSdkCustomer, options.id).Set(kSdkRush, true);
  auto handle = client_->StartWorkflow<std::string>("Tagged", options);
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  // Visibility finds the run by its upserted values.
  const std::string query =
      "SdkCustomer = '" + options.id + "' AND SdkTotal = 42 AND SdkTags = 'gift'";
  int64_t found = 0;
  for (int i = 0; i < 200 && found == 0; ++i) {
    auto count = client_->CountWorkflows(query);
    ASSERT_TRUE(count.IsSuccess()) << count.Error().ToString();
    found = count.Value();
    if (found == 0) std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(found, 1) << query;
  auto described = handle.Value().Describe();
  ASSERT_TRUE(described.IsSuccess()) << described.Error().ToString();
  SearchAttributes stored(
      {described.Value().workflow_execution_info().search_attributes().indexed_fields().begin(),
       described.Value().workflow_execution_info().search_attributes().indexed_fields().end()});
  EXPECT_EQ(stored.Get(kSdkTotal).Value(), 42);
  EXPECT_EQ(stored.Get(kSdkRush).Value(), std::nullopt);
  EXPECT_EQ(stored.Get(kSdkShippedAt).Value(),
            SearchAttributeTime(std::chrono::seconds(1764867600)));
  ASSERT_TRUE(handle.Value().Signal("done", hugo::Unit{}).IsSuccess());
  auto result = handle.Value().GetResult(30s);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), options.id +
                                " rush=1 total=42 shipped=2025-12-04T17:00:00Z tags=2 rush "
                                "after=unset");
}

// --- an activity knows when it was scheduled, when its attempt started and when it must end.
std::string Timing(ActivityContext& ctx) {
  const ActivityInfo& info = ctx.info();
  if (!info.deadline) return "no deadline";
  const auto now = std::chrono::system_clock::now();
  const bool ordered = info.scheduled_time <= info.started_time && info.started_time <= now &&
                       now - info.scheduled_time < std::chrono::minutes(1);
  const auto allowed =
      std::chrono::duration_cast<std::chrono::milliseconds>(*info.deadline - info.started_time);
  return std::string(info.is_local ? "local" : "remote") + (ordered ? " ordered" : " unordered") +
         " deadline=start+" + std::to_string(allowed.count()) + "ms";
}

Workflow<std::string> Timed(WorkflowContext ctx) {
  auto remote = co_await ctx.ExecuteActivity<std::string>("Timing", Quick());
  if (remote.IsFailure()) co_return remote.Error();
  LocalActivityOptions local_options;
  local_options.start_to_close_timeout = 7s;
  auto local = co_await ctx.ExecuteLocalActivity<std::string>("Timing", local_options);
  if (local.IsFailure()) co_return local.Error();
  co_return remote.Value() + " | " + local.Value();
}

TEST_F(ScenarioTest, AnActivityKnowsWhenItWasScheduledStartedAndMustEnd) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("Timed", &Timed);
  worker.RegisterActivity("Timing", &Timing);
  StartWorker();
  auto result = client_->ExecuteWorkflow<std::string>("Timed", Options("timed"));
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(),
            "remote ordered deadline=start+10000ms | local ordered deadline=start+7000ms");
}

// --- reset: a new run from an earlier workflow task, with the signals after it reapplied.
std::atomic<int64_t> counted{0};
int64_t Count(ActivityContext&) { return ++counted; }

Workflow<std::string> CountsThenWaits(WorkflowContext ctx) {
  auto n = co_await ctx.ExecuteActivity<int64_t>("Count", Quick());
  if (n.IsFailure()) co_return n.Error();
  auto finish = co_await ctx.GetSignalChannel<std::string>("finish").Receive();
  if (finish.IsFailure()) co_return finish.Error();
  co_return "count " + std::to_string(n.Value()) + ", finish " + finish.Value();
}

TEST_F(ScenarioTest, AResetRunGoesOnFromTheWorkflowTaskItWasResetToWithItsSignals) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("CountsThenWaits", &CountsThenWaits);
  worker.RegisterActivity("Count", &Count);
  StartWorker();
  counted = 0;
  auto handle = client_->StartWorkflow<std::string>("CountsThenWaits", Options("reset"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  for (int i = 0; i < 400 && counted < 1; ++i) std::this_thread::sleep_for(25ms);
  ASSERT_TRUE(handle.Value().Signal("finish", std::string("first")).IsSuccess());
  auto result = handle.Value().GetResult(30s);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "count 1, finish first");
  // Not a workflow task event: refused, nothing reset.
  ResetOptions bad;
  bad.point = ResetPoint::kEventId;
  bad.event_id = 1;
  auto refused = handle.Value().Reset(bad);
  ASSERT_TRUE(refused.IsFailure());
  EXPECT_EQ(refused.Error().Code(), "grpc.invalid_argument") << refused.Error().ToString();
  // To the first workflow task: the activity runs again, the signal is reapplied.
  ResetOptions first;
  first.point = ResetPoint::kFirstWorkflowTask;
  first.reason = "rerun the count";
  auto reset = handle.Value().Reset(first);
  ASSERT_TRUE(reset.IsSuccess()) << reset.Error().ToString();
  EXPECT_NE(reset.Value().run_id(), handle.Value().run_id());
  auto again = reset.Value().GetResult(30s);
  ASSERT_TRUE(again.IsSuccess()) << again.Error().ToString();
  EXPECT_EQ(again.Value(), "count 2, finish first");
  // The first run again, without reapplying: the new run waits for a signal of its own. (Run 2's
  // first completed task comes after its reapplied signal, so it would keep the signal.)
  ResetOptions bare;
  bare.point = ResetPoint::kFirstWorkflowTask;
  bare.reapply_exclude = {enums::RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL,
                          enums::RESET_REAPPLY_EXCLUDE_TYPE_UPDATE};
  auto waiting = handle.Value().Reset(bare);
  ASSERT_TRUE(waiting.IsSuccess()) << waiting.Error().ToString();
  auto early = waiting.Value().GetResult(1s);
  ASSERT_TRUE(early.IsFailure());
  EXPECT_EQ(early.Error().Code(), hugo::ErrorCodes::kTimeout) << early.Error().ToString();
  ASSERT_TRUE(waiting.Value().Signal("finish", std::string("second")).IsSuccess());
  auto last = waiting.Value().GetResult(30s);
  ASSERT_TRUE(last.IsSuccess()) << last.Error().ToString();
  EXPECT_EQ(last.Value(), "count 3, finish second");
}

// --- a cancellation scope cancels a running activity: the heartbeating activity sees its stop
// token, the history records the cancel request, and the workflow goes on.
std::atomic<bool> long_activity_stopped{false};
hugo::Result<std::string> LongRunning(ActivityContext& ctx) {
  for (int i = 0; i < 600 && !ctx.stop_token().stop_requested(); ++i) {
    ctx.Heartbeat(int64_t{i});
    std::this_thread::sleep_for(50ms);
  }
  long_activity_stopped = ctx.stop_token().stop_requested();
  return hugo::Error::Canceled("stopped");
}
Workflow<std::string> CancelAfterStart(WorkflowContext ctx) {
  auto [scoped, cancel] = ctx.WithCancel();
  ActivityOptions options = Quick();
  options.start_to_close_timeout = 60s;
  options.heartbeat_timeout = 2s;
  options.cancellation_type = ActivityCancellationType::kWaitCancellationCompleted;
  auto activity = scoped.ExecuteActivity<std::string>("LongRunning", options);
  auto slept = co_await ctx.Sleep(500ms);
  if (slept.IsFailure()) co_return slept.Error();
  cancel();
  auto outcome = co_await activity;
  if (outcome.IsSuccess()) co_return std::string("not canceled");
  co_return outcome.Error().HasCode(hugo::ErrorCodes::kCanceled) ? std::string("canceled")
                                                                 : outcome.Error().ToString();
}

TEST_F(ScenarioTest, CancelingAScopeCancelsItsRunningActivity) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("CancelAfterStart", &CancelAfterStart);
  worker.RegisterActivity("LongRunning", &LongRunning);
  StartWorker();
  long_activity_stopped = false;
  auto handle = client_->StartWorkflow<std::string>("CancelAfterStart", Options("scope"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "canceled");
  EXPECT_TRUE(long_activity_stopped.load());
  auto types = EventTypes(handle.Value());
  EXPECT_TRUE(Contains(types, enums::EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED));
  EXPECT_TRUE(Contains(types, enums::EVENT_TYPE_ACTIVITY_TASK_CANCELED));
}

// --- AwaitWithTimeout, signal-with-start, memo and search attribute upserts.
Workflow<std::string> AwaitFlag(WorkflowContext ctx) {
  bool flag = false;
  auto flags = ctx.GetSignalChannel<bool>("flag");
  ctx.Go([](SignalChannel<bool> ch, bool* target) -> Workflow<hugo::Unit> {
    auto value = co_await ch.Receive();
    if (value.IsFailure()) co_return value.Error();
    *target = value.Value();
    co_return hugo::Unit{};
  }(flags, &flag));
  auto first = co_await ctx.AwaitWithTimeout(300ms, [&] { return flag; });
  if (first.IsFailure()) co_return first.Error();
  auto memo = ctx.UpsertMemo({{"stage", "checked"}});
  if (memo.IsFailure()) co_return memo.Error();
  auto second = co_await ctx.AwaitWithTimeout(1h, [&] { return flag; });
  if (second.IsFailure()) co_return second.Error();
  co_return std::string(first.Value() ? "early" : "late") + "/" +
      (second.Value() ? "flagged" : "timeout");
}

TEST_F(ScenarioTest, SignalWithStartDeliversTheSignalBeforeTheFirstTask) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("AwaitFlag", &AwaitFlag);
  StartWorker();
  auto handle = client_->SignalWithStartWorkflow<std::string>("AwaitFlag", Options("sws"), "flag",
                                                              ToPayloads(true).Value());
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "early/flagged");
}

TEST_F(ScenarioTest, AwaitWithTimeoutGivesFalseWhenTheTimeoutComesFirstAndMemoUpsertsShow) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("AwaitFlag", &AwaitFlag);
  StartWorker();
  auto handle = client_->StartWorkflow<std::string>("AwaitFlag", Options("await"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  for (int i = 0; i < 200; ++i) {
    if (Contains(EventTypes(handle.Value()), enums::EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED)) break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(handle.Value().Signal("flag", true).IsSuccess());
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "late/flagged");
  auto described = handle.Value().Describe();
  ASSERT_TRUE(described.IsSuccess());
  const auto& memo = described.Value().workflow_execution_info().memo().fields();
  ASSERT_EQ(memo.count("stage"), 1u);
  EXPECT_EQ(FromPayload<std::string>(memo.at("stage")).ValueOr(""), "checked");
}

// --- workflow code that throws fails the workflow task; the retried task succeeds.
std::atomic<int> throwing_runs{0};
Workflow<std::string> ThrowsOnce(WorkflowContext) {
  if (throwing_runs++ == 0) throw std::runtime_error("bug in workflow code");
  co_return std::string("recovered");
}

TEST_F(ScenarioTest, AnExceptionInWorkflowCodeFailsTheTaskNotTheWorkflow) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("ThrowsOnce", &ThrowsOnce);
  StartWorker();
  throwing_runs = 0;
  auto handle = client_->StartWorkflow<std::string>("ThrowsOnce", Options("throws"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "recovered");
  auto history = handle.Value().FetchHistory();
  ASSERT_TRUE(history.IsSuccess());
  bool failed_task = false;
  for (const auto& e : history.Value().events()) {
    if (e.has_workflow_task_failed_event_attributes()) {
      failed_task = true;
      EXPECT_NE(e.workflow_task_failed_event_attributes().failure().message().find(
                    "bug in workflow code"),
                std::string::npos);
    }
  }
  EXPECT_TRUE(failed_task);
}

// --- cancel requests to other workflows: a parent cancels its child, which ends canceled.
Workflow<std::string> Sleeper(WorkflowContext ctx) {
  auto slept = co_await ctx.Sleep(std::chrono::hours(1));
  if (slept.IsFailure()) co_return slept.Error();
  co_return std::string("woke");
}
Workflow<std::string> CancelsChild(WorkflowContext ctx) {
  ChildWorkflowOptions options;
  options.workflow_id = ctx.Info().workflow_id + "-sleeper";
  auto child = ctx.ExecuteChildWorkflow<std::string>("Sleeper", options);
  auto started = co_await child.started;
  if (started.IsFailure()) co_return started.Error();
  auto requested = co_await ctx.RequestCancelExternalWorkflow(started.Value().workflow_id, "");
  if (requested.IsFailure()) co_return requested.Error();
  auto result = co_await child.result;
  if (result.IsSuccess()) co_return std::string("child not canceled");
  const hugo::Error* cause = result.Error().Cause();
  co_return std::string(cause != nullptr && cause->HasCode(hugo::ErrorCodes::kCanceled)
                            ? "child canceled"
                            : result.Error().ToString());
}

TEST_F(ScenarioTest, ACancelRequestToAnotherWorkflowCancelsIt) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("CancelsChild", &CancelsChild);
  worker.RegisterWorkflow("Sleeper", &Sleeper);
  StartWorker();
  auto handle = client_->StartWorkflow<std::string>("CancelsChild", Options("cancel-child"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), "child canceled");
  auto types = EventTypes(handle.Value());
  EXPECT_TRUE(Contains(types, enums::EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED));
  EXPECT_TRUE(Contains(types, enums::EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED));
}

// --- a query on a closed run: the worker replays its full history to answer.
Workflow<int64_t> Tally(WorkflowContext ctx, int64_t n) {
  int64_t total = 0;
  auto q = ctx.SetQueryHandler("total", [&]() { return total; });
  if (q.IsFailure()) co_return q.Error();
  for (int64_t i = 1; i <= n; ++i) {
    auto slept = co_await ctx.Sleep(5ms);
    if (slept.IsFailure()) co_return slept.Error();
    total += i;
  }
  co_return total;
}

TEST_F(ScenarioTest, AQueryOnACompletedRunIsAnsweredByReplayingItsHistory) {
  WorkerOptions options;
  options.sticky_cache_size = 1;
  Worker& worker = NewWorker(options);
  worker.RegisterWorkflow("Tally", &Tally);
  StartWorker();
  auto handle = client_->StartWorkflow<int64_t>("Tally", Options("tally"), int64_t{3});
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), 6);
  auto total = handle.Value().Query<int64_t>("total");
  ASSERT_TRUE(total.IsSuccess()) << total.Error().ToString();
  EXPECT_EQ(total.Value(), 6);
}

// --- a query sent before any worker ran the workflow: it waits for the first workflow task and
// is answered with it (the reference buffers it), from the state that task set up.
TEST_F(ScenarioTest, AQueryBeforeTheFirstWorkflowTaskIsAnsweredWithThatTask) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("Tally", &Tally);
  auto handle = client_->StartWorkflow<int64_t>("Tally", Options("early-query"), int64_t{2});
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  std::optional<hugo::Result<int64_t>> early;
  std::thread query([&] { early = handle.Value().Query<int64_t>("total"); });
  std::this_thread::sleep_for(300ms);  // no worker polls yet: the query waits at the server
  StartWorker();
  query.join();
  ASSERT_TRUE(early->IsSuccess()) << early->Error().ToString();
  EXPECT_EQ(early->Value(), 0);  // the handler's state after the first task, before any timer
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), 3);
}

// --- context propagation: values in headers from the client's thread into the workflow, on to
// its activities, local activities and child workflows, into update handlers, and across
// continue-as-new (KeysPropagator; the Go SDK's ContextPropagator).
std::string Text(const hugo::Result<std::optional<std::string>>& value) {
  if (value.IsFailure()) return "<" + value.Error().Message() + ">";
  return value.Value().value_or("<none>");
}
std::string ValueOf(const WorkflowContext& ctx, std::string_view key) {
  return Text(ctx.ContextValue<std::string>(key));
}
std::string ReadThreadContext(ActivityContext& ctx) {
  std::string header = ctx.info().header.count("tenant") > 0 ? "header" : "no header";
  return Text(ContextValue<std::string>(ScopedContextValues::Current(), "tenant")) + "/" +
         Text(ContextValue<std::string>(ScopedContextValues::Current(), "trace")) + " (" + header +
         ")";
}
Workflow<std::string> PropagatedChild(WorkflowContext ctx) {
  co_return ValueOf(ctx, "tenant") + "/" + ValueOf(ctx, "trace");
}
Workflow<std::string> Propagating(WorkflowContext ctx, int32_t round) {
  if (round == 0) co_return ctx.ContinueAsNew(int32_t{1});
  auto u = ctx.SetUpdateHandler("whoami", [](WorkflowContext update) -> Workflow<std::string> {
    co_return ValueOf(update, "tenant") + "/" + ValueOf(update, "trace");
  });
  if (u.IsFailure()) co_return u.Error();
  auto activity = co_await ctx.ExecuteActivity<std::string>("ReadThreadContext", Quick());
  if (activity.IsFailure()) co_return activity.Error();
  LocalActivityOptions local_options;
  local_options.start_to_close_timeout = 5s;
  auto local = co_await ctx.ExecuteLocalActivity<std::string>("ReadThreadContext", local_options);
  if (local.IsFailure()) co_return local.Error();
  auto child_ctx = ctx.WithContextValue("tenant", "child-of-" + ValueOf(ctx, "tenant"));
  if (child_ctx.IsFailure()) co_return child_ctx.Error();
  ChildWorkflowOptions child_options;
  child_options.workflow_id = ctx.Info().workflow_id + "-child";
  auto child = co_await child_ctx.Value().ExecuteChildWorkflow<std::string>("PropagatedChild",
                                                                            child_options);
  if (child.IsFailure()) co_return child.Error();
  auto finish = ctx.GetSignalChannel<std::string>("finish");
  auto by = co_await finish.Receive();
  if (by.IsFailure()) co_return by.Error();
  co_return "workflow=" + ValueOf(ctx, "tenant") + "/" + ValueOf(ctx, "trace") +
      " activity=" + activity.Value() + " local=" + local.Value() + " child=" + child.Value() +
      " signal=" + by.Value();
}

std::optional<std::string> HeaderJson(const temporal::api::common::v1::Header& header,
                                      const std::string& key) {
  auto it = header.fields().find(key);
  if (it == header.fields().end()) return std::nullopt;
  return it->second.data();
}

HeaderFields Values(std::initializer_list<std::pair<std::string, std::string>> values) {
  HeaderFields fields;
  for (const auto& [key, value] : values) fields[key] = ToPayload(value).Value();
  return fields;
}

TEST_F(ScenarioTest, ContextValuesTravelInHeadersThroughWorkflowsActivitiesChildrenAndUpdates) {
  ConnectionOptions options;
  options.address = connection_->options().address;
  options.context_propagators = {
      std::make_shared<KeysPropagator>(std::vector<std::string>{"tenant", "trace"})};
  auto connection = Connection::Connect(options);
  ASSERT_TRUE(connection.IsSuccess()) << connection.Error().ToString();
  Client client(connection.Value());
  WorkerOptions worker_options;
  worker_options.task_queue = task_queue_;
  worker_ = std::make_unique<Worker>(connection.Value(), "default", worker_options);
  worker_->RegisterWorkflow("Propagating", &Propagating);
  worker_->RegisterWorkflow("PropagatedChild", &PropagatedChild);
  worker_->RegisterActivity("ReadThreadContext", &ReadThreadContext);
  StartWorker();

  std::optional<WorkflowHandle<std::string>> handle;
  {
    ScopedContextValues scope(Values({{"tenant", "acme"}, {"trace", "t-1"}, {"other", "x"}}));
    auto started =
        client.StartWorkflow<std::string>("Propagating", Options("propagating"), int32_t{0});
    ASSERT_TRUE(started.IsSuccess()) << started.Error().ToString();
    handle = started.Value();
  }
  EXPECT_TRUE(ScopedContextValues::Current().empty()) << "the scope restores the thread's values";
  auto current = client.GetHandle<std::string>(handle->workflow_id());  // the run continued
  {
    ScopedContextValues scope(Values({{"tenant", "bob"}}));
    auto whoami = current.Update<std::string>("whoami");
    ASSERT_TRUE(whoami.IsSuccess()) << whoami.Error().ToString();
    EXPECT_EQ(whoami.Value(), "bob/t-1");  // the update's tenant over the run's values
  }
  {
    ScopedContextValues scope(Values({{"tenant", "carol"}}));
    ASSERT_TRUE(current.Signal("finish", std::string("carol")).IsSuccess());
  }
  auto result = handle->GetResult(60s);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(),
            "workflow=acme/t-1 activity=acme/t-1 (header) local=acme/t-1 (header) "
            "child=child-of-acme/t-1 signal=carol");

  // What the server recorded: the first run's start header holds exactly the propagated keys
  // (json/plain, as the Go SDK's default converter writes them); the run continued-as-new, its
  // activity and its child carry them on; the signal carries the signaller's.
  auto first_run = client.GetHandle<std::string>(handle->workflow_id(), handle->run_id());
  auto first = Events(first_run);
  ASSERT_FALSE(first.empty());
  const auto& first_header = first.front().workflow_execution_started_event_attributes().header();
  EXPECT_EQ(HeaderJson(first_header, "tenant"), "\"acme\"");
  EXPECT_EQ(HeaderJson(first_header, "trace"), "\"t-1\"");
  EXPECT_EQ(HeaderJson(first_header, "other"), std::nullopt);
  ASSERT_EQ(first.front()
                .workflow_execution_started_event_attributes()
                .header()
                .fields()
                .at("tenant")
                .metadata()
                .at("encoding"),
            "json/plain");
  bool continued = false;
  for (const auto& e : first) {
    if (e.event_type() == enums::EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW) {
      continued = true;
      EXPECT_EQ(
          HeaderJson(e.workflow_execution_continued_as_new_event_attributes().header(), "tenant"),
          "\"acme\"");
    }
  }
  EXPECT_TRUE(continued);
  auto last = Events(client.GetHandle<std::string>(handle->workflow_id()));
  ASSERT_FALSE(last.empty());
  EXPECT_EQ(
      HeaderJson(last.front().workflow_execution_started_event_attributes().header(), "tenant"),
      "\"acme\"");
  int checked = 0;
  for (const auto& e : last) {
    if (e.event_type() == enums::EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      EXPECT_EQ(HeaderJson(e.activity_task_scheduled_event_attributes().header(), "trace"),
                "\"t-1\"");
      ++checked;
    } else if (e.event_type() == enums::EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED) {
      EXPECT_EQ(HeaderJson(e.start_child_workflow_execution_initiated_event_attributes().header(),
                           "tenant"),
                "\"child-of-acme\"");
      ++checked;
    } else if (e.event_type() == enums::EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) {
      EXPECT_EQ(HeaderJson(e.workflow_execution_signaled_event_attributes().header(), "tenant"),
                "\"carol\"");
      ++checked;
    }
  }
  EXPECT_EQ(checked, 3);

  // The history replays with the propagators, as the worker ran it.
  auto history = client.GetHandle<std::string>(handle->workflow_id()).FetchHistory();
  ASSERT_TRUE(history.IsSuccess()) << history.Error().ToString();
  Replayer replayer;
  replayer.RegisterWorkflow("Propagating", &Propagating);
  replayer.SetContextPropagators(options.context_propagators);
  auto replayed = replayer.ReplayHistory(history.Value(), handle->workflow_id());
  EXPECT_TRUE(replayed.IsSuccess()) << replayed.Error().ToString();
}

// A propagator that cannot write its context stops the call before it is sent.
class RefusingPropagator : public KeysPropagator {
 public:
  RefusingPropagator() : KeysPropagator({"tenant"}) {}
  hugo::Result<hugo::Unit> Inject(HeaderFields&) const override {
    return hugo::Error::From("no tenant on this thread", "test.no_tenant");
  }
};

TEST_F(ScenarioTest, APropagatorThatFailsToInjectStopsTheStartAndNothingIsStarted) {
  ConnectionOptions options;
  options.address = connection_->options().address;
  options.context_propagators = {std::make_shared<RefusingPropagator>()};
  auto connection = Connection::Connect(options);
  ASSERT_TRUE(connection.IsSuccess()) << connection.Error().ToString();
  Client client(connection.Value());
  StartWorkflowOptions start = Options("refused-propagation");
  auto started = client.StartWorkflow<std::string>("Propagating", start, int32_t{1});
  ASSERT_TRUE(started.IsFailure());
  EXPECT_EQ(started.Error().Code(), "test.no_tenant");
  auto described = client_->GetHandle(start.id).Describe();
  ASSERT_TRUE(described.IsFailure());
  EXPECT_EQ(described.Error().Code(), "grpc.not_found") << described.Error().ToString();
}

// A propagator that cannot extract an activity's context fails the attempt with its error (the
// server retries it); the workflow sees the activity failure.
class NoExtractPropagator : public KeysPropagator {
 public:
  NoExtractPropagator() : KeysPropagator({"tenant"}) {}
  hugo::Result<std::shared_ptr<void>> Extract(const HeaderFields&) const override {
    return hugo::Error::From("the tenant header does not verify", "test.unverified");
  }
};
std::atomic<int> unverified_calls{0};
std::string CountedRead(ActivityContext& ctx) {
  ++unverified_calls;
  return ReadThreadContext(ctx);
}
Workflow<std::string> RunsCountedRead(WorkflowContext ctx) {
  auto read = co_await ctx.ExecuteActivity<std::string>("CountedRead", Quick());
  if (read.IsFailure()) co_return read.Error();
  co_return read.Value();
}

TEST_F(ScenarioTest, AnActivityWhoseContextCannotBeExtractedFailsWithoutRunning) {
  ConnectionOptions options;
  options.address = connection_->options().address;
  options.context_propagators = {std::make_shared<NoExtractPropagator>()};
  auto connection = Connection::Connect(options);
  ASSERT_TRUE(connection.IsSuccess()) << connection.Error().ToString();
  WorkerOptions worker_options;
  worker_options.task_queue = task_queue_;
  worker_ = std::make_unique<Worker>(connection.Value(), "default", worker_options);
  worker_->RegisterWorkflow("RunsCountedRead", &RunsCountedRead);
  worker_->RegisterActivity("CountedRead", &CountedRead);
  StartWorker();
  unverified_calls = 0;
  Client client(connection.Value());
  std::optional<WorkflowHandle<std::string>> handle;
  {
    ScopedContextValues scope(Values({{"tenant", "acme"}}));
    auto started = client.StartWorkflow<std::string>("RunsCountedRead", Options("unverified"));
    ASSERT_TRUE(started.IsSuccess()) << started.Error().ToString();
    handle = started.Value();
  }
  auto result = handle->GetResult(60s);
  ASSERT_TRUE(result.IsFailure());
  const hugo::Error* activity = result.Error().Cause();  // workflow -> activity -> cause
  ASSERT_NE(activity, nullptr);
  EXPECT_EQ(activity->Code(), FailureCodes::kActivity);
  ASSERT_NE(activity->Cause(), nullptr);
  EXPECT_EQ(activity->Cause()->Message(), "the tenant header does not verify");
  EXPECT_EQ(unverified_calls.load(), 0);
  int failed_attempts = 0;
  for (const auto& e : Events(handle.value())) {
    if (e.event_type() == enums::EVENT_TYPE_ACTIVITY_TASK_FAILED) ++failed_attempts;
  }
  EXPECT_EQ(failed_attempts, 1);  // the last of the 3 attempts is recorded
  auto described = handle->Describe();
  ASSERT_TRUE(described.IsSuccess()) << described.Error().ToString();
  EXPECT_EQ(described.Value().pending_activities_size(), 0);
}

}  // namespace
}  // namespace hdo
