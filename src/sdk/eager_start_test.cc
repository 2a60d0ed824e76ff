// Goal: eager workflow start (StartWorkflowOptions::enable_eager_start). With a started worker of
// this process on the workflow's task queue (same connection and namespace), the run's first
// workflow task comes back in the start's reply and that worker runs it: the history records the
// task started by the starting client's identity, as the server does for an eager task, not by
// the worker's poll. Without such a worker (another queue, or shut down) the start is a plain one
// and a worker's poll takes the task.
// Method: `hdo server start-dev` (sdk_test_fixture.h); a client and a worker with different
// identities; the first WorkflowTaskStarted event's identity tells which path ran.
#include <gtest/gtest.h>

#include "hdo/client.h"
#include "hdo/worker.h"
#include "sdk_test_fixture.h"

namespace hdo {
namespace {

using namespace std::chrono_literals;
namespace enums = temporal::api::enums::v1;

Workflow<std::string> Echo(WorkflowContext, std::string text) { co_return text; }

class EagerStartTest : public testsupport::SdkWorkflowTest {
 protected:
  void SetUp() override {
    testsupport::SdkWorkflowTest::SetUp();
    if (HasFatalFailure()) return;
    ClientOptions options;
    options.identity = "eager-client";
    eager_client_ = std::make_unique<Client>(connection_, options);
  }

  hugo::Result<UntypedWorkflowHandle> StartEager(const std::string& id) {
    StartWorkflowOptions options = Options(id);
    options.enable_eager_start = true;
    return eager_client_->StartWorkflow<std::string>("Echo", options, std::string("hi"))
        .Map([](WorkflowHandle<std::string> handle) { return UntypedWorkflowHandle(handle); });
  }

  // Waits for the run's result and returns who started its first workflow task.
  static std::string FirstTaskStartedBy(const UntypedWorkflowHandle& handle) {
    auto result = WorkflowHandle<std::string>(handle).GetResult(30s);
    EXPECT_TRUE(result.IsSuccess()) << result.Error().ToString();
    EXPECT_EQ(result.IsSuccess() ? result.Value() : std::string(), "hi");
    for (const auto& event : Events(handle)) {
      if (event.event_type() == enums::EVENT_TYPE_WORKFLOW_TASK_STARTED) {
        return event.workflow_task_started_event_attributes().identity();
      }
    }
    ADD_FAILURE() << "no WorkflowTaskStarted";
    return {};
  }

  std::unique_ptr<Worker> EchoWorker(const std::string& task_queue, const std::string& identity) {
    WorkerOptions options;
    options.task_queue = task_queue;
    options.identity = identity;
    auto worker = std::make_unique<Worker>(connection_, "default", options);
    worker->RegisterWorkflow("Echo", &Echo);
    auto started = worker->Start();
    EXPECT_TRUE(started.IsSuccess()) << started.Error().ToString();
    return worker;
  }

  std::unique_ptr<Client> eager_client_;
};

TEST_F(EagerStartTest, TheFirstTaskComesBackInTheStartReplyAndRunsOnTheLocalWorker) {
  auto worker = EchoWorker(task_queue_, "polling-worker");
  for (const char* id : {"eager", "eager-again"}) {
    auto handle = StartEager(id);
    ASSERT_TRUE(handle.IsSuccess()) << handle.Error().ToString();
    EXPECT_EQ(FirstTaskStartedBy(handle.Value()), "eager-client");
  }
  worker->Shutdown();
}

TEST_F(EagerStartTest, OnlyALiveLocalWorkerOfTheQueueTakesTheFirstTask) {
  // A worker of another queue only: a plain start, the task taken by a poll of its own queue.
  auto elsewhere = EchoWorker(task_queue_ + "-other", "other-queue-worker");
  auto plain = StartEager("plain");
  ASSERT_TRUE(plain.IsSuccess()) << plain.Error().ToString();
  auto late = EchoWorker(task_queue_, "late-worker");
  EXPECT_EQ(FirstTaskStartedBy(plain.Value()), "late-worker");

  // That worker shut down: no candidate again.
  late->Shutdown();
  auto after_shutdown = StartEager("after-shutdown");
  ASSERT_TRUE(after_shutdown.IsSuccess()) << after_shutdown.Error().ToString();
  auto later = EchoWorker(task_queue_, "later-worker");
  // A plain start: a poll takes the task. Usually the new worker's; a poll the shut-down worker
  // cancelled may still be parked on the server for a moment and take it, and its start-to-close
  // timeout then hands it on. Either way no eager start.
  const std::string started_by = FirstTaskStartedBy(after_shutdown.Value());
  EXPECT_TRUE(started_by == "later-worker" || started_by == "late-worker") << started_by;
  later->Shutdown();
  elsewhere->Shutdown();
}

}  // namespace
}  // namespace hdo
