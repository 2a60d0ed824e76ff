// hdo::ErrGroup and hdo::Saga (hdo/workflow_sync.h) end to end: workflows using them on a real
// hdo::Worker, driven by the hdo::Client, against a real `hdo server start-dev` (or the server at
// HDO_SDK_TARGET=host:port). What they promise is visible in history: which activities were
// scheduled, in which order, and which were asked to cancel.
#include "hdo/workflow_sync.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "hdo/client.h"
#include "hdo/worker.h"
#include "sdk_test_fixture.h"

namespace hdo {
namespace {

using namespace std::chrono_literals;
namespace enums = temporal::api::enums::v1;
namespace history = temporal::api::history::v1;

// What activities of this process saw, in order; and a way to wait for it.
class Journal {
 public:
  static Journal& Get() {
    static Journal journal;
    return journal;
  }
  void Add(std::string entry) {
    {
      std::lock_guard lock(mutex_);
      entries_.push_back(std::move(entry));
    }
    cv_.notify_all();
  }
  bool WaitFor(const std::string& entry, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] {
      return std::find(entries_.begin(), entries_.end(), entry) != entries_.end();
    });
  }
  std::vector<std::string> Entries() {
    std::lock_guard lock(mutex_);
    return entries_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> entries_;
};

class WorkflowSyncTest : public testsupport::SdkWorkflowTest {
 protected:
  Worker& NewWorker() {
    WorkerOptions options;
    options.shutdown_grace = 2s;
    return SdkWorkflowTest::NewWorker(std::move(options));
  }
  static int Count(const std::vector<history::HistoryEvent>& events, enums::EventType type) {
    return static_cast<int>(std::count_if(
        events.begin(), events.end(), [type](const auto& e) { return e.event_type() == type; }));
  }
  // The activity types of the ActivityTaskScheduled events, in history order.
  static std::vector<std::string> ScheduledActivities(
      const std::vector<history::HistoryEvent>& events) {
    std::vector<std::string> types;
    for (const auto& e : events) {
      if (e.event_type() == enums::EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        types.push_back(e.activity_task_scheduled_event_attributes().activity_type().name());
      }
    }
    return types;
  }
  // True when `error` or one of its causes is an application error of `type`.
  static bool HasApplicationType(const hugo::Error& error, const std::string& type) {
    for (const hugo::Error* e = &error; e != nullptr; e = e->Cause()) {
      if (ApplicationErrorType(*e) == type) return true;
    }
    return false;
  }
};

ActivityOptions Once() {
  ActivityOptions o;
  o.start_to_close_timeout = 30s;
  o.heartbeat_timeout = 2s;
  o.retry_policy = RetryPolicy{};
  o.retry_policy->maximum_attempts = 1;
  return o;
}

// --- Activities.
int Double(int x) { return 2 * x; }

hugo::Result<int> Boom(int x) {
  return ApplicationError("branch " + std::to_string(x) + " failed", "Boom", true);
}

// Heartbeats until its cancellation is requested (or 30 s pass).
hugo::Result<int> WaitForCancel(ActivityContext& ctx, int x) {
  Journal::Get().Add("started " + ctx.info().activity_type + " " + std::to_string(x));
  std::mutex mutex;
  std::condition_variable_any cv;
  for (int n = 0; n < 300 && !ctx.stop_token().stop_requested(); ++n) {
    ctx.Heartbeat(n);
    std::unique_lock lock(mutex);
    cv.wait_for(lock, ctx.stop_token(), 100ms, [] { return false; });
  }
  return hugo::Error::Canceled("canceled while waiting");
}

std::string Step(ActivityContext& ctx, std::string account) {
  Journal::Get().Add(ctx.info().activity_type + " " + account);
  return ctx.info().activity_type + "(" + account + ")";
}
hugo::Result<std::string> FailStep(ActivityContext& ctx, std::string account) {
  Journal::Get().Add(ctx.info().activity_type + " " + account);
  return ApplicationError("step 3 failed", "StepFailed", true);
}
void Undo(ActivityContext& ctx, std::string account) {
  Journal::Get().Add(ctx.info().activity_type + " " + account);
}
hugo::Result<hugo::Unit> FailUndo(ActivityContext& ctx, std::string account) {
  Journal::Get().Add(ctx.info().activity_type + " " + account);
  return ApplicationError("undo failed", "UndoFailed", true);
}

// --- ErrGroup workflows.
Workflow<hugo::Unit> DoubleInto(WorkflowContext ctx, int x, std::shared_ptr<std::vector<int>> out,
                                size_t index) {
  auto doubled = co_await ctx.ExecuteActivity<int>("Double", Once(), x);
  if (doubled.IsFailure()) co_return doubled.Error();
  (*out)[index] = doubled.Value();
  co_return hugo::Unit{};
}

Workflow<std::vector<int>> FanOutAll(WorkflowContext ctx, int n) {
  auto results = std::make_shared<std::vector<int>>(static_cast<size_t>(n));
  ErrGroup group(ctx);
  for (int i = 0; i < n; ++i) group.Go(&DoubleInto, i + 1, results, static_cast<size_t>(i));
  auto waited = co_await group.Wait();
  if (waited.IsFailure()) co_return waited.Error();
  co_return *results;
}

Workflow<int> Branch(WorkflowContext ctx, int x) {
  const char* type = x == 2 ? "Boom" : "WaitForCancel";
  co_return co_await ctx.ExecuteActivity<int>(type, Once(), x);
}

Workflow<std::string> FanOutOneFails(WorkflowContext ctx) {
  ErrGroup group(ctx);
  for (int i = 0; i < 5; ++i) group.Go(&Branch, i);
  auto waited = co_await group.Wait();
  if (waited.IsSuccess()) co_return std::string("every branch succeeded");
  if (!group.Context().IsCanceled()) co_return std::string("the group was not canceled");
  co_return waited.Error();
}

// --- Saga workflows.
Saga Transfer(const std::string& third_step) {
  Saga saga;
  saga.AddStep("one", Saga::Activity("Step1", Once(), std::string("a")),
               Saga::ActivityCompensation("Undo1", Once(), std::string("a")));
  saga.AddStep("two", Saga::Activity("Step2", Once(), std::string("b")),
               Saga::ActivityCompensation("Undo2", Once(), std::string("b")), "Second");
  saga.AddStep("three", Saga::Activity(third_step, Once(), std::string("c")),
               Saga::ActivityCompensation("Undo3", Once(), std::string("c")));
  return saga;
}

Workflow<nlohmann::json> SagaWorkflow(WorkflowContext ctx, std::string third_step) {
  Saga saga = Transfer(third_step);
  auto state = co_await saga.Execute(ctx);
  if (state.IsFailure()) co_return state.Error();
  nlohmann::json out;
  for (const auto& [key, value] : state.Value()) out[key] = value;
  out["SECOND-lookup"] = state.Value().at("second");  // keys are case-insensitive
  co_return out;
}

// Step 3 fails and so does the compensation of step 2: the aggregate, returned as data.
Workflow<nlohmann::json> SagaCompensationFails(WorkflowContext ctx) {
  Saga saga;
  saga.AddStep("one", Saga::Activity("Step1", Once(), std::string("a")),
               Saga::ActivityCompensation("Undo1", Once(), std::string("a")));
  saga.AddStep("two", Saga::Activity("Step2", Once(), std::string("b")),
               Saga::ActivityCompensation("FailUndo", Once(), std::string("b")));
  saga.AddStep("three", Saga::Activity("FailStep", Once(), std::string("c")));
  auto state = co_await saga.Execute(ctx);
  Saga empty;
  auto nothing = co_await empty.Execute(ctx);
  nlohmann::json out;
  out["code"] = state.IsFailure() ? state.Error().Code() : std::string();
  out["empty"] = nothing.IsFailure() ? nothing.Error().Code() : std::string();
  co_return out;
}

// Step 2 waits for cancellation; the workflow is canceled then; step 1's compensation still runs.
Workflow<hugo::Unit> SagaCanceled(WorkflowContext ctx) {
  Saga saga;
  saga.AddStep("one", Saga::Activity("Step1", Once(), std::string("x")),
               Saga::ActivityCompensation("Undo1", Once(), std::string("x")));
  saga.AddStep("two", Saga::Activity("WaitForCancel", Once(), 7));
  auto state = co_await saga.Execute(ctx);
  if (state.IsFailure()) co_return state.Error();
  co_return hugo::Unit{};
}

// --- Tests.

TEST_F(WorkflowSyncTest, ErrGroupGathersTheResultsOfEveryBranch) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("FanOutAll", &FanOutAll);
  worker.RegisterActivity("Double", &Double);
  StartWorker();
  auto result = client_->ExecuteWorkflow<std::vector<int>>("FanOutAll", Options("all"), 5);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value(), (std::vector<int>{2, 4, 6, 8, 10}));
}

TEST_F(WorkflowSyncTest, ErrGroupFirstErrorCancelsTheOtherBranchesAndIsReturned) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("FanOutOneFails", &FanOutOneFails);
  worker.RegisterActivity("Boom", &Boom);
  worker.RegisterActivity("WaitForCancel", &WaitForCancel);
  StartWorker();
  auto handle = client_->StartWorkflow<std::string>("FanOutOneFails", Options("one-fails"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsFailure()) << result.Value();
  EXPECT_TRUE(HasApplicationType(result.Error(), "Boom")) << result.Error().ToString();

  auto events = Events(handle.Value());
  EXPECT_EQ(Count(events, enums::EVENT_TYPE_ACTIVITY_TASK_SCHEDULED), 5);
  EXPECT_EQ(Count(events, enums::EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED), 4);
  EXPECT_EQ(Count(events, enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED), 1);
}

TEST_F(WorkflowSyncTest, SagaStoresEveryStepResultUnderItsKey) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("Saga", &SagaWorkflow);
  for (const char* type : {"Step1", "Step2", "Step3"}) worker.RegisterActivity(type, &Step);
  for (const char* type : {"Undo1", "Undo2", "Undo3"}) worker.RegisterActivity(type, &Undo);
  StartWorker();
  auto handle =
      client_->StartWorkflow<nlohmann::json>("Saga", Options("saga-ok"), std::string("Step3"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value()["one"], "Step1(a)");
  EXPECT_EQ(result.Value()["Second"], "Step2(b)");
  EXPECT_EQ(result.Value()["SECOND-lookup"], "Step2(b)");
  EXPECT_EQ(result.Value()["three"], "Step3(c)");
  EXPECT_EQ(ScheduledActivities(Events(handle.Value())),
            (std::vector<std::string>{"Step1", "Step2", "Step3"}));
}

TEST_F(WorkflowSyncTest, SagaStepThreeFailsCompensatesStepsTwoThenOneAndReturnsTheFailure) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("Saga", &SagaWorkflow);
  for (const char* type : {"Step1", "Step2"}) worker.RegisterActivity(type, &Step);
  worker.RegisterActivity("FailStep", &FailStep);
  for (const char* type : {"Undo1", "Undo2", "Undo3"}) worker.RegisterActivity(type, &Undo);
  StartWorker();
  auto handle = client_->StartWorkflow<nlohmann::json>("Saga", Options("saga-fails"),
                                                       std::string("FailStep"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsFailure()) << result.Value().dump();
  EXPECT_TRUE(HasApplicationType(result.Error(), "StepFailed")) << result.Error().ToString();
  EXPECT_EQ(ScheduledActivities(Events(handle.Value())),
            (std::vector<std::string>{"Step1", "Step2", "FailStep", "Undo2", "Undo1"}));
}

TEST_F(WorkflowSyncTest, SagaWithAFailingCompensationIsAnAggregateAndAnEmptySagaIsInvalid) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("SagaCompensationFails", &SagaCompensationFails);
  for (const char* type : {"Step1", "Step2"}) worker.RegisterActivity(type, &Step);
  worker.RegisterActivity("FailStep", &FailStep);
  worker.RegisterActivity("Undo1", &Undo);
  worker.RegisterActivity("FailUndo", &FailUndo);
  StartWorker();
  auto handle =
      client_->StartWorkflow<nlohmann::json>("SagaCompensationFails", Options("saga-aggregate"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value()["code"], "error.aggregate");
  EXPECT_EQ(result.Value()["empty"], "error.validation");
  // Every compensation runs, also after one failed.
  EXPECT_EQ(ScheduledActivities(Events(handle.Value())),
            (std::vector<std::string>{"Step1", "Step2", "FailStep", "FailUndo", "Undo1"}));
}

TEST_F(WorkflowSyncTest, SagaCompensatesOnADisconnectedContextAfterTheWorkflowIsCanceled) {
  Worker& worker = NewWorker();
  worker.RegisterWorkflow("SagaCanceled", &SagaCanceled);
  worker.RegisterActivity("Step1", &Step);
  worker.RegisterActivity("WaitForCancel", &WaitForCancel);
  worker.RegisterActivity("Undo1", &Undo);
  StartWorker();
  auto handle = client_->StartWorkflow<hugo::Unit>("SagaCanceled", Options("saga-canceled"));
  ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
  ASSERT_TRUE(Journal::Get().WaitFor("started WaitForCancel 7", 30s));
  ASSERT_TRUE(handle.Value().Cancel("test").IsSuccess());
  auto result = handle.Value().GetResult();
  ASSERT_TRUE(result.IsFailure());
  auto events = Events(handle.Value());
  EXPECT_EQ(ScheduledActivities(events),
            (std::vector<std::string>{"Step1", "WaitForCancel", "Undo1"}));
  EXPECT_EQ(Count(events, enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED), 1);
  EXPECT_TRUE(Journal::Get().WaitFor("Undo1 x", 10s));
}

}  // namespace
}  // namespace hdo
