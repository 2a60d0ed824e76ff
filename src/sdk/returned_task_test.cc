// Goal: the worker runs the next workflow task the server returns in a completion's reply
// (return_new_workflow_task, which the reply asks for): a signal that arrives while a task runs
// makes the completion schedule the next task, the server starts it for this worker, and the
// same Handle call runs it to the end of the workflow, with no poller anywhere.
// Method: `hdo server start-dev` on a free port (sdk_test_fixture.h). The test starts a run,
// polls its first workflow task with raw gRPC, signals the run while that task is started, and
// hands the task to a WorkflowTaskProcessor. Every wait has a deadline.
#include <gtest/gtest.h>

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
constexpr char kQueue[] = "returned-task-queue";

Workflow<std::string> WaitForGo(WorkflowContext ctx) {
  auto go = ctx.GetSignalChannel<std::string>("go");
  auto by = co_await go.Receive();
  if (by.IsFailure()) co_return by.Error();
  co_return "go from " + by.Value();
}

class ReturnedTaskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    connection_ = testsupport::ConnectToSdkServer();
    ASSERT_NE(connection_, nullptr);
    workflows_->Register("WaitForGo", &WaitForGo);
  }

  wf::PollWorkflowTaskQueueResponse StartAndPoll(const std::string& workflow_id) {
    return testsupport::StartAndPollFirstTask(*connection_, kNamespace, kQueue, "WaitForGo",
                                              workflow_id);
  }

  void Signal(const std::string& workflow_id, const std::string& by) {
    testsupport::SignalWithRawCall(*connection_, kNamespace, workflow_id, "go", by,
                                   workflow_id + "-signal");
  }

  temporal::api::history::v1::History History(const std::string& workflow_id) {
    return testsupport::HistoryWithRawCall(*connection_, kNamespace, workflow_id);
  }

  std::unique_ptr<internal::WorkflowTaskProcessor> Processor(const std::string& sticky_queue) {
    internal::WorkflowTaskProcessorOptions options;
    options.namespace_name = kNamespace;
    options.task_queue = kQueue;
    options.identity = "returned-worker";
    options.sticky_task_queue = sticky_queue;
    return std::make_unique<internal::WorkflowTaskProcessor>(
        connection_, workflows_,
        [](const ActivityInvocation&) { return hugo::Result<Payloads>::Ok(Payloads{}); },
        std::move(options));
  }

  // The run closed within the one Handle call, its second task started by the worker itself.
  void ExpectRunEndedByTheReturnedTask(const std::string& workflow_id) {
    auto history = History(workflow_id);
    ASSERT_GT(history.events_size(), 0);
    const auto& last = *history.events().rbegin();
    ASSERT_EQ(last.event_type(), enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
    auto result =
        FromPayloads1<std::string>(last.workflow_execution_completed_event_attributes().result());
    ASSERT_TRUE(result.IsSuccess());
    EXPECT_EQ(result.Value(), "go from tester");
    std::vector<const temporal::api::history::v1::HistoryEvent*> started;
    for (const auto& event : history.events()) {
      if (event.event_type() == enums::EVENT_TYPE_WORKFLOW_TASK_STARTED) started.push_back(&event);
    }
    ASSERT_EQ(started.size(), 2u);
    const auto& second = started[1]->workflow_task_started_event_attributes();
    EXPECT_EQ(second.identity(), "returned-worker");
    EXPECT_EQ(second.request_id(), "request-from-RespondWorkflowTaskCompleted");
  }

  std::shared_ptr<Connection> connection_;
  std::shared_ptr<WorkflowRegistry> workflows_ = std::make_shared<WorkflowRegistry>();
};

TEST_F(ReturnedTaskTest, ASignalThatArrivedDuringTheTaskIsRunByTheSameHandleCall) {
  auto task = StartAndPoll("returned-non-sticky");
  ASSERT_FALSE(task.task_token().empty());
  Signal("returned-non-sticky", "tester");  // buffered: the first task is started
  Processor("")->Handle(task);
  ExpectRunEndedByTheReturnedTask("returned-non-sticky");
}

// With a live sticky queue the returned task is the sticky one: only the events after the task
// the worker completed, which its cached run continues.
TEST_F(ReturnedTaskTest, AStickyWorkerContinuesItsCachedRunWithTheReturnedTask) {
  auto task = StartAndPoll("returned-sticky");
  ASSERT_FALSE(task.task_token().empty());
  Signal("returned-sticky", "tester");
  {
    // A poll on the worker's sticky queue makes it live on the server (it ends empty).
    wf::PollWorkflowTaskQueueRequest poll;
    poll.set_namespace_(kNamespace);
    poll.mutable_task_queue()->set_name("returned-sticky-queue");
    poll.mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_STICKY);
    poll.mutable_task_queue()->set_normal_name(kQueue);
    poll.set_identity("returned-worker");
    wf::PollWorkflowTaskQueueResponse none;
    grpc::ClientContext context;
    connection_->Prepare(context, 200ms);
    (void)connection_->stub().PollWorkflowTaskQueue(&context, poll, &none);
    EXPECT_TRUE(none.task_token().empty());
  }
  auto processor = Processor("returned-sticky-queue");
  processor->Handle(task);
  ExpectRunEndedByTheReturnedTask("returned-sticky");
  auto history = History("returned-sticky");
  int scheduled = 0;
  for (const auto& event : history.events()) {
    if (event.event_type() != enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED || ++scheduled < 2) {
      continue;
    }
    const auto& queue = event.workflow_task_scheduled_event_attributes().task_queue();
    EXPECT_EQ(queue.name(), "returned-sticky-queue");
    EXPECT_EQ(queue.kind(), enums::TASK_QUEUE_KIND_STICKY);
  }
  EXPECT_EQ(scheduled, 2);
  EXPECT_EQ(processor->cached_runs(), 0u);  // closed: evicted
}

}  // namespace
}  // namespace hdo
