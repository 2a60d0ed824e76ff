// Goal: with tasks_on_grpc_threads, a workflow task handed over on a gRPC thread runs there only
// as far as it cannot block: a short task (and the task its reply returns) runs wholly on the
// calling thread; a long history to replay, a failure to report (a blocking call) and a wait for
// local activities go on through submit_task, and each still ends its run as on the pool.
// Method: `hdo server start-dev` on a free port (sdk_test_fixture.h). Each test starts a run
// with raw gRPC, polls its first workflow task, and hands it to a WorkflowTaskProcessor with
// HandleOnGrpcThread; submit_task counts what it is given and runs it on a thread of its own.
// The run's history shows how it ended. Every wait has a deadline.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "call.h"
#include "hdo/connection.h"
#include "hdo/workflow.h"
#include "sdk_test_fixture.h"
#include "workflow_task_processor.h"

namespace hdo {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
using namespace std::chrono_literals;

constexpr char kNamespace[] = "default";

Workflow<std::string> Hello(WorkflowContext /*ctx*/) { co_return std::string("hello"); }

Workflow<std::string> WaitForGo(WorkflowContext ctx) {
  auto go = ctx.GetSignalChannel<std::string>("go");
  auto by = co_await go.Receive();
  if (by.IsFailure()) co_return by.Error();
  co_return "go from " + by.Value();
}

Workflow<std::string> OneLocal(WorkflowContext ctx) {
  LocalActivityOptions options;
  options.start_to_close_timeout = std::chrono::seconds(20);
  auto outcome = co_await ctx.ExecuteLocalActivity<std::string>("Slow", options);
  if (outcome.IsFailure()) co_return outcome.Error();
  co_return outcome.Value();
}

class GrpcThreadTaskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    connection_ = testsupport::ConnectToSdkServer();
    ASSERT_NE(connection_, nullptr);
    workflows_->Register("Hello", &Hello);
    workflows_->Register("WaitForGo", &WaitForGo);
    workflows_->Register("OneLocal", &OneLocal);
    // A queue per test: a run another test left behind (a failed task is retried) stays there.
    queue_ = std::string("grpc-thread-") +
             ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }
  void TearDown() override {
    JoinThreads();  // before the processors the threads use
    processors_.clear();
  }

  // Joins what submit_task and submit_local_activity started (before their processor goes).
  void JoinThreads() {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(threads_mutex_);
      threads.swap(threads_);
    }
    for (auto& thread : threads) thread.join();
  }

  void Start(const std::string& workflow_type, const std::string& workflow_id) {
    wf::StartWorkflowExecutionRequest start;
    start.set_namespace_(kNamespace);
    start.set_workflow_id(workflow_id);
    start.mutable_workflow_type()->set_name(workflow_type);
    start.mutable_task_queue()->set_name(queue_);
    start.set_request_id(workflow_id + "-request");
    auto started = Call<wf::StartWorkflowExecutionResponse>(
        *connection_, &Connection::Stub::StartWorkflowExecution, start, "start");
    ASSERT_TRUE(started.IsSuccess()) << started.Error().Message();
  }

  wf::PollWorkflowTaskQueueResponse Poll() {
    wf::PollWorkflowTaskQueueRequest poll;
    poll.set_namespace_(kNamespace);
    poll.mutable_task_queue()->set_name(queue_);
    poll.set_identity("test");
    wf::PollWorkflowTaskQueueResponse task;
    grpc::ClientContext context;
    connection_->Prepare(context, 20s);
    grpc::Status status = connection_->stub().PollWorkflowTaskQueue(&context, poll, &task);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_FALSE(task.task_token().empty());
    return task;
  }

  void Signal(const std::string& workflow_id, const std::string& by, int n) {
    testsupport::SignalWithRawCall(*connection_, kNamespace, workflow_id, "go", by,
                                   workflow_id + "-signal-" + std::to_string(n));
  }

  temporal::api::history::v1::History History(const std::string& workflow_id) {
    return testsupport::HistoryWithRawCall(*connection_, kNamespace, workflow_id);
  }

  // The type of the last event of the run's history, and the completion's string result (empty
  // when the run did not complete).
  std::pair<enums::EventType, std::string> Ending(const std::string& workflow_id) {
    auto history = History(workflow_id);
    if (history.events_size() == 0) return {enums::EVENT_TYPE_UNSPECIFIED, ""};
    const auto& last = *history.events().rbegin();
    if (last.event_type() != enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED) {
      return {last.event_type(), ""};
    }
    auto result =
        FromPayloads1<std::string>(last.workflow_execution_completed_event_attributes().result());
    return {last.event_type(), result.ValueOr("?")};
  }

  bool HasEvent(const std::string& workflow_id, enums::EventType type) {
    const temporal::api::history::v1::History history = History(workflow_id);
    for (const auto& event : history.events()) {
      if (event.event_type() == type) return true;
    }
    return false;
  }

  // A processor owned by the test (destroyed after the threads it hands work to are joined).
  internal::WorkflowTaskProcessor& Processor(bool on_grpc_threads,
                                             bool slow_local_activities = false) {
    internal::WorkflowTaskProcessorOptions options;
    options.namespace_name = kNamespace;
    options.task_queue = queue_;
    options.identity = "grpc-thread-worker";
    options.tasks_on_grpc_threads = on_grpc_threads;
    options.submit_task = [this](std::function<void()> work) {
      ++submitted_;
      std::lock_guard lock(threads_mutex_);
      threads_.emplace_back(std::move(work));
    };
    if (slow_local_activities) {
      // The attempt outlasts the activation's first look at it: the activation must wait.
      options.submit_local_activity = [this](std::function<void()> attempt) {
        std::lock_guard lock(threads_mutex_);
        threads_.emplace_back([attempt = std::move(attempt)] {
          std::this_thread::sleep_for(200ms);
          attempt();
        });
      };
    }
    processors_.push_back(std::make_unique<internal::WorkflowTaskProcessor>(
        connection_, workflows_,
        [](const ActivityInvocation&) { return ToPayloads(std::string("slow result")); },
        std::move(options)));
    return *processors_.back();
  }

  // Hands `task` over as a gRPC thread would and waits (with a deadline) for its `done`.
  void HandleOnGrpcThread(internal::WorkflowTaskProcessor& processor,
                          wf::PollWorkflowTaskQueueResponse task) {
    auto finished = std::make_shared<std::promise<void>>();
    std::future<void> done = finished->get_future();
    processor.HandleOnGrpcThread(std::move(task), [finished] { finished->set_value(); });
    ASSERT_EQ(done.wait_for(20s), std::future_status::ready) << "the task never ended";
  }

  std::shared_ptr<Connection> connection_;
  std::string queue_;
  std::shared_ptr<WorkflowRegistry> workflows_ = std::make_shared<WorkflowRegistry>();
  std::atomic<int> submitted_{0};
  std::mutex threads_mutex_;
  std::vector<std::thread> threads_;
  std::vector<std::unique_ptr<internal::WorkflowTaskProcessor>> processors_;
};

TEST_F(GrpcThreadTaskTest, AShortTaskRunsWhollyOnTheCallingThread) {
  Start("Hello", "grpc-thread-short");
  auto task = Poll();
  ASSERT_FALSE(task.task_token().empty());
  HandleOnGrpcThread(Processor(true), std::move(task));
  EXPECT_EQ(submitted_.load(), 0);
  auto [type, result] = Ending("grpc-thread-short");
  EXPECT_EQ(type, enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
  EXPECT_EQ(result, "hello");
}

// A signal that arrives while the first task runs: the completion's reply returns the next task,
// which runs on the thread that read the reply (submit_task only when the option is off).
TEST_F(GrpcThreadTaskTest, TheTaskAReplyReturnsRunsOnTheThreadThatReadTheReply) {
  for (bool on_grpc_threads : {true, false}) {
    SCOPED_TRACE(on_grpc_threads ? "on gRPC threads" : "on the pool");
    const std::string id = std::string("grpc-thread-returned-") + (on_grpc_threads ? "on" : "off");
    Start("WaitForGo", id);
    auto task = Poll();
    ASSERT_FALSE(task.task_token().empty());
    Signal(id, "tester", 1);  // buffered: the first task is started
    submitted_ = 0;
    HandleOnGrpcThread(Processor(on_grpc_threads), std::move(task));
    EXPECT_EQ(submitted_.load(), on_grpc_threads ? 0 : 1);
    auto [type, result] = Ending(id);
    EXPECT_EQ(type, enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
    EXPECT_EQ(result, "go from tester");
    JoinThreads();
  }
}

// 70 signals before the first task: the task carries 73 events, too many to replay on a gRPC
// thread.
TEST_F(GrpcThreadTaskTest, ATaskWithALongHistoryToReplayGoesToThePool) {
  Start("WaitForGo", "grpc-thread-long");
  for (int i = 0; i < 70; ++i) Signal("grpc-thread-long", "signal " + std::to_string(i), i);
  auto task = Poll();
  ASSERT_GT(task.history().events_size(), 64);
  HandleOnGrpcThread(Processor(true), std::move(task));
  JoinThreads();
  EXPECT_EQ(submitted_.load(), 1);
  auto [type, result] = Ending("grpc-thread-long");
  EXPECT_EQ(type, enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
  EXPECT_EQ(result, "go from signal 0");
}

// An unregistered workflow type fails the task: RespondWorkflowTaskFailed is a blocking call,
// sent from the pool.
TEST_F(GrpcThreadTaskTest, AFailedTaskIsReportedFromThePool) {
  Start("NotRegistered", "grpc-thread-failed");
  auto task = Poll();
  ASSERT_FALSE(task.task_token().empty());
  HandleOnGrpcThread(Processor(true), std::move(task));
  EXPECT_EQ(submitted_.load(), 1);
  EXPECT_TRUE(HasEvent("grpc-thread-failed", enums::EVENT_TYPE_WORKFLOW_TASK_FAILED));
}

// The activation stops where it would wait for the local activity and goes on on the pool, which
// waits for the attempt and completes the run with its marker.
TEST_F(GrpcThreadTaskTest, AWaitForALocalActivityGoesOnOnThePool) {
  Start("OneLocal", "grpc-thread-local");
  auto task = Poll();
  ASSERT_FALSE(task.task_token().empty());
  HandleOnGrpcThread(Processor(true, true), std::move(task));
  EXPECT_EQ(submitted_.load(), 1);
  EXPECT_TRUE(HasEvent("grpc-thread-local", enums::EVENT_TYPE_MARKER_RECORDED));
  auto [type, result] = Ending("grpc-thread-local");
  EXPECT_EQ(type, enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
  EXPECT_EQ(result, "slow result");
}

}  // namespace
}  // namespace hdo
