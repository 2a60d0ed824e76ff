// Goal: eager activity execution from the worker's side. A workflow task's reply asks for eager
// execution only for the activities this worker can run now (scheduled on its task queue, not
// disabled by the activity's options, a free activity slot reserved, at most 3 per task), the
// tasks the server hands back run on the reserved slots, the slots it did not fill go back, and
// every other activity stays on the server's queues for the pollers.
// Method: `hdo server start-dev` on a free port (sdk_test_fixture.h). The test starts a run and
// polls its workflow task with raw gRPC, hands it to a WorkflowTaskProcessor whose eager hooks it
// records, and then polls the activity queues itself. Every wait has a deadline.
#include <gtest/gtest.h>

#include <mutex>
#include <set>

#include "hdo/connection.h"
#include "hdo/workflow.h"
#include "sdk_test_fixture.h"
#include "workflow_task_processor.h"

namespace hdo {
namespace {

namespace wf = temporal::api::workflowservice::v1;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char kNamespace[] = "default";
constexpr char kQueue[] = "eager-queue";
constexpr char kElsewhere[] = "eager-elsewhere";

ActivityOptions On(const std::string& task_queue, bool disable_eager = false) {
  ActivityOptions options;
  options.task_queue = task_queue;
  options.start_to_close_timeout = 30s;
  options.disable_eager_execution = disable_eager;
  return options;
}

// Six activities in one workflow task: a1, a2, a5, a6 may run eagerly (a6 is the fourth: over
// the per-task limit), a3 opts out, a4 is on another queue.
Workflow<std::string> SixActivities(WorkflowContext ctx) {
  auto a1 = ctx.ExecuteActivity<std::string>("Work", On(kQueue));
  auto a2 = ctx.ExecuteActivity<std::string>("Work", On(kQueue));
  auto a3 = ctx.ExecuteActivity<std::string>("Work", On(kQueue, /*disable_eager=*/true));
  auto a4 = ctx.ExecuteActivity<std::string>("Work", On(kElsewhere));
  auto a5 = ctx.ExecuteActivity<std::string>("Work", On(kQueue));
  auto a6 = ctx.ExecuteActivity<std::string>("Work", On(kQueue));
  auto first = co_await a1;
  co_return first.IsSuccess() ? first.Value() : std::string();
}

class EagerActivityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    connection_ = testsupport::ConnectToSdkServer();
    ASSERT_NE(connection_, nullptr);
    workflows_->Register("SixActivities", &SixActivities);
  }

  // Starts a run of SixActivities and returns its first workflow task (empty token on failure).
  wf::PollWorkflowTaskQueueResponse StartAndPoll(const std::string& workflow_id) {
    return testsupport::StartAndPollFirstTask(*connection_, kNamespace, kQueue, "SixActivities",
                                              workflow_id);
  }

  // The activity ids queued on `task_queue` for `workflow_id`, polled until none comes for 1 s.
  std::set<std::string> QueuedActivities(const std::string& task_queue,
                                         const std::string& workflow_id) {
    std::set<std::string> ids;
    for (int i = 0; i < 10; ++i) {
      wf::PollActivityTaskQueueRequest poll;
      poll.set_namespace_(kNamespace);
      poll.mutable_task_queue()->set_name(task_queue);
      poll.set_identity("test-poller");
      wf::PollActivityTaskQueueResponse task;
      grpc::ClientContext context;
      connection_->Prepare(context, 1s);
      grpc::Status status = connection_->stub().PollActivityTaskQueue(&context, poll, &task);
      if (!status.ok() || task.task_token().empty()) break;
      if (task.workflow_execution().workflow_id() == workflow_id) ids.insert(task.activity_id());
    }
    return ids;
  }

  // A processor for kQueue whose eager hooks grant `slots` reservations and record the rest.
  std::unique_ptr<internal::WorkflowTaskProcessor> Processor(int slots) {
    internal::WorkflowTaskProcessorOptions options;
    options.namespace_name = kNamespace;
    options.task_queue = kQueue;
    options.identity = "eager-worker";
    options.eager_activities = internal::WorkflowTaskProcessorOptions::EagerActivities{
        kQueue,
        [this, slots] {
          std::lock_guard lock(mutex_);
          if (reserved_ >= slots) return false;
          ++reserved_;
          return true;
        },
        [this] {
          std::lock_guard lock(mutex_);
          ++released_;
        },
        [this](wf::PollActivityTaskQueueResponse task) {
          std::lock_guard lock(mutex_);
          ran_.push_back(std::move(task));
        }};
    return std::make_unique<internal::WorkflowTaskProcessor>(
        connection_, workflows_,
        [](const ActivityInvocation&) { return hugo::Result<Payloads>::Ok(Payloads{}); },
        std::move(options));
  }

  std::vector<std::string> RanIds() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> ids;
    for (const auto& task : ran_) ids.push_back(task.activity_id());
    return ids;
  }

  std::shared_ptr<Connection> connection_;
  std::shared_ptr<WorkflowRegistry> workflows_ = std::make_shared<WorkflowRegistry>();
  std::mutex mutex_;
  int reserved_ = 0;
  int released_ = 0;
  std::vector<wf::PollActivityTaskQueueResponse> ran_;
};

TEST_F(EagerActivityTest, TheFirstThreeEligibleActivitiesRunHereAndTheRestAreQueued) {
  auto task = StartAndPoll("eager-all-slots");
  ASSERT_FALSE(task.task_token().empty());
  auto processor = Processor(/*slots=*/10);
  processor->Handle(task);

  // Activity ids are the commands' sequence numbers: a1 is "1", ..., a6 is "6".
  EXPECT_EQ(RanIds(), (std::vector<std::string>{"1", "2", "5"}));
  {
    std::lock_guard lock(mutex_);
    EXPECT_EQ(reserved_, 3);
    EXPECT_EQ(released_, 0);  // every reserved slot got its task
    for (const auto& ran : ran_) {
      EXPECT_FALSE(ran.task_token().empty());
      EXPECT_EQ(ran.attempt(), 1);
      EXPECT_EQ(ran.activity_type().name(), "Work");
      EXPECT_EQ(ran.workflow_execution().workflow_id(), "eager-all-slots");
    }
  }
  EXPECT_EQ(QueuedActivities(kQueue, "eager-all-slots"), (std::set<std::string>{"3", "6"}));
  EXPECT_EQ(QueuedActivities(kElsewhere, "eager-all-slots"), (std::set<std::string>{"4"}));
}

TEST_F(EagerActivityTest, WithOneFreeSlotOnlyTheFirstRunsHereAndNothingIsHeldBack) {
  auto task = StartAndPoll("eager-one-slot");
  ASSERT_FALSE(task.task_token().empty());
  auto processor = Processor(/*slots=*/1);
  processor->Handle(task);

  EXPECT_EQ(RanIds(), (std::vector<std::string>{"1"}));
  {
    std::lock_guard lock(mutex_);
    EXPECT_EQ(reserved_, 1);
    EXPECT_EQ(released_, 0);
  }
  EXPECT_EQ(QueuedActivities(kQueue, "eager-one-slot"),
            (std::set<std::string>{"2", "3", "5", "6"}));
}

}  // namespace
}  // namespace hdo
