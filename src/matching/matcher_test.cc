// Goal: matching counts what it does in its hdo_matching_* metrics: every task added, whether it
// met a waiting poller (sync match) or waited in the queue (backlog match), the queue depth and
// the parked polls now, how long polls waited and with what outcome, and how long tasks took to
// reach a poller, each labelled with namespace, task queue and task type. Method: a real Matcher
// on an io_context the test runs, history's side played by callbacks that accept (or refuse)
// every task, and the metrics read back from the exposition text of a registry of the test's own.
#include "matching/matcher.h"

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <atomic>
#include <memory>
#include <optional>
#include <string>

namespace hdo::matching {
namespace {

using temporal::api::workflowservice::v1::PollActivityTaskQueueResponse;
using temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse;

constexpr char kNamespaceId[] = "0b5a7e1c-ns-id";

// `name{namespace="orders",task_queue="<queue>",task_type="<type>"}`, with outcome="<outcome>"
// after the namespace when given (labels are rendered sorted by name).
std::string Series(const std::string& name, const std::string& queue, const std::string& type,
                   const std::string& outcome = "") {
  std::string outcome_label = outcome.empty() ? "" : "outcome=\"" + outcome + "\",";
  return name + "{namespace=\"orders\"," + outcome_label + "task_queue=\"" + queue +
         "\",task_type=\"" + type + "\"}";
}

class MatcherMetricsTest : public ::testing::Test {
 protected:
  MatcherMetricsTest() { MakeMatcher(Matcher::Options{}); }

  void MakeMatcher(Matcher::Options options) {
    options.registry = &registry_;
    options.namespace_name_of = [](const std::string& namespace_id) {
      return namespace_id == kNamespaceId ? std::string("orders") : std::string();
    };
    matcher_ = std::make_unique<Matcher>(
        io_.get_executor(),
        [this](const Task& task, const Poller&) -> hugo::Result<PollWorkflowTaskQueueResponse> {
          if (refuse_) return hugo::Error::From("stale task");
          PollWorkflowTaskQueueResponse response;
          response.set_task_token(task.workflow_id);
          return hugo::Ok(std::move(response));
        },
        [this](const Task& task, const Poller&) -> hugo::Result<PollActivityTaskQueueResponse> {
          if (refuse_) return hugo::Error::From("stale task");
          PollActivityTaskQueueResponse response;
          response.set_task_token(task.workflow_id);
          return hugo::Ok(std::move(response));
        },
        std::move(options), [] { return google::protobuf::Timestamp(); });
  }

  static Task MakeTask(const std::string& workflow_id, uint64_t query_id = 0) {
    Task task;
    task.namespace_id = kNamespaceId;
    task.workflow_id = workflow_id;
    task.query_id = query_id;
    return task;
  }

  // A workflow task poll; `got` receives the task token ("" when the poll ends empty).
  uint64_t PollWorkflow(const std::string& queue, std::optional<std::string>* got,
                        bool sticky = false) {
    return matcher_->PollWorkflowTask(
        kNamespaceId, {"orders", queue, "worker", "", sticky}, std::chrono::seconds(60),
        [got](PollWorkflowTaskQueueResponse response) { *got = response.task_token(); });
  }

  // The value of one series in the registry's exposition text; nullopt when it is not there.
  std::optional<double> Value(const std::string& series) const {
    std::string text = registry_.Render();
    size_t at = text.find("\n" + series + " ");
    if (at == std::string::npos) return std::nullopt;
    at += series.size() + 2;
    return std::stod(text.substr(at, text.find('\n', at) - at));
  }
  // -1 when the series is missing.
  double Count(const std::string& name, const std::string& queue, const std::string& type,
               const std::string& outcome = "") const {
    return Value(Series(name, queue, type, outcome)).value_or(-1);
  }

  asio::io_context io_;
  metrics::Registry registry_;
  bool refuse_ = false;
  std::unique_ptr<Matcher> matcher_;
};

TEST_F(MatcherMetricsTest, ATaskThatMeetsAWaitingPollerIsASyncMatch) {
  std::optional<std::string> got;
  ASSERT_NE(PollWorkflow("payments", &got), 0u);
  EXPECT_EQ(Count("hdo_matching_pollers_waiting", "payments", "Workflow"), 1);

  ASSERT_TRUE(matcher_->AddWorkflowTask("payments", MakeTask("wf-1")));
  EXPECT_EQ(got, "wf-1");
  EXPECT_EQ(Count("hdo_matching_tasks_added_total", "payments", "Workflow"), 1);
  EXPECT_EQ(Count("hdo_matching_sync_match_total", "payments", "Workflow"), 1);
  EXPECT_EQ(Count("hdo_matching_backlog_match_total", "payments", "Workflow"), 0);
  EXPECT_EQ(Count("hdo_matching_backlog_depth", "payments", "Workflow"), 0);
  EXPECT_EQ(Count("hdo_matching_pollers_waiting", "payments", "Workflow"), 0);
  EXPECT_EQ(Count("hdo_matching_task_dispatch_latency_seconds_count", "payments", "Workflow"), 1);
  EXPECT_EQ(Count("hdo_matching_poll_wait_seconds_count", "payments", "Workflow", "task"), 1);
  EXPECT_EQ(Count("hdo_matching_poll_wait_seconds_count", "payments", "Workflow", "empty"), 0);
}

TEST_F(MatcherMetricsTest, TasksThatWaitInTheQueueAreBacklogMatchesAndCountInTheDepth) {
  ASSERT_TRUE(matcher_->AddWorkflowTask("payments", MakeTask("wf-1")));
  ASSERT_TRUE(matcher_->AddWorkflowTask("payments", MakeTask("wf-2")));
  EXPECT_EQ(Count("hdo_matching_tasks_added_total", "payments", "Workflow"), 2);
  EXPECT_EQ(Count("hdo_matching_backlog_depth", "payments", "Workflow"), 2);

  std::optional<std::string> got;
  EXPECT_EQ(PollWorkflow("payments", &got), 0u);  // answered at once
  EXPECT_EQ(got, "wf-1");
  EXPECT_EQ(Count("hdo_matching_backlog_match_total", "payments", "Workflow"), 1);
  EXPECT_EQ(Count("hdo_matching_sync_match_total", "payments", "Workflow"), 0);
  EXPECT_EQ(Count("hdo_matching_backlog_depth", "payments", "Workflow"), 1);
  EXPECT_EQ(Count("hdo_matching_task_dispatch_latency_seconds_count", "payments", "Workflow"), 1);
  EXPECT_EQ(Count("hdo_matching_poll_wait_seconds_count", "payments", "Workflow", "task"), 1);
}

// DescribeTaskQueue's stats: the backlog, its oldest task's age, and the add and dispatch rates.
TEST_F(MatcherMetricsTest, StatsCountTheBacklogAndTheTasksAddedAndDispatched) {
  auto empty = matcher_->Stats(kNamespaceId, "payments", true);
  EXPECT_EQ(empty.backlog, 0);
  EXPECT_EQ(empty.add_rate, 0);
  EXPECT_EQ(empty.dispatch_limit, Matcher::kDefaultPollerRate);
  ASSERT_TRUE(matcher_->AddWorkflowTask("payments", MakeTask("wf-1")));
  ASSERT_TRUE(matcher_->AddWorkflowTask("payments", MakeTask("wf-2")));
  auto queued = matcher_->Stats(kNamespaceId, "payments", true);
  EXPECT_EQ(queued.backlog, 2);
  EXPECT_GT(queued.add_rate, 0);
  EXPECT_EQ(queued.dispatch_rate, 0);
  EXPECT_EQ(matcher_->Stats(kNamespaceId, "payments", false).backlog, 0);  // activities apart

  std::optional<std::string> got;
  EXPECT_EQ(PollWorkflow("payments", &got), 0u);
  EXPECT_EQ(got, "wf-1");
  auto after = matcher_->Stats(kNamespaceId, "payments", true);
  EXPECT_EQ(after.backlog, 1);
  EXPECT_GT(after.dispatch_rate, 0);
  EXPECT_GE(after.backlog_age.count(), 0);
  matcher_->CancelAll();
}

TEST_F(MatcherMetricsTest, BacklogsListEveryQueueHoldingTasksWithTheirCount) {
  EXPECT_TRUE(matcher_->Backlogs().empty());
  ASSERT_TRUE(matcher_->AddWorkflowTask("payments", MakeTask("wf-1")));
  ASSERT_TRUE(matcher_->AddWorkflowTask("payments", MakeTask("wf-2")));
  ASSERT_TRUE(matcher_->AddActivityTask("shipping", MakeTask("wf-3")));
  std::optional<std::string> got;
  PollWorkflow("refunds", &got);  // a partition with a parked poll and no task is not listed
  auto backlogs = matcher_->Backlogs();
  ASSERT_EQ(backlogs.size(), 2u);
  EXPECT_EQ(backlogs[0].namespace_id, kNamespaceId);
  EXPECT_EQ(backlogs[0].task_queue, "payments");
  EXPECT_TRUE(backlogs[0].workflow);
  EXPECT_EQ(backlogs[0].tasks, 2u);
  EXPECT_EQ(backlogs[1].task_queue, "shipping");
  EXPECT_FALSE(backlogs[1].workflow);
  EXPECT_EQ(backlogs[1].tasks, 1u);
  matcher_->CancelAll();
}

TEST_F(MatcherMetricsTest, APollWhoseWindowEndsIsObservedAsEmpty) {
  std::optional<std::string> got;
  uint64_t poll_id = matcher_->PollWorkflowTask(
      kNamespaceId, {"orders", "payments", "worker", "", false}, std::chrono::milliseconds(0),
      [&got](PollWorkflowTaskQueueResponse response) { got = response.task_token(); });
  ASSERT_NE(poll_id, 0u);
  io_.run();  // the window (0 ms) ends
  EXPECT_EQ(got, "");
  EXPECT_EQ(Count("hdo_matching_pollers_waiting", "payments", "Workflow"), 0);
  EXPECT_EQ(Count("hdo_matching_poll_wait_seconds_count", "payments", "Workflow", "empty"), 1);
  EXPECT_EQ(Count("hdo_matching_poll_wait_seconds_count", "payments", "Workflow", "task"), 0);
}

TEST_F(MatcherMetricsTest, ActivityTasksAndPollsCarryTheActivityTaskType) {
  std::optional<std::string> got;
  uint64_t poll_id = matcher_->PollActivityTask(
      kNamespaceId, {"orders", "payments", "worker", "", false}, std::chrono::seconds(60),
      [&got](PollActivityTaskQueueResponse response) { got = response.task_token(); });
  ASSERT_NE(poll_id, 0u);
  EXPECT_EQ(Count("hdo_matching_pollers_waiting", "payments", "Activity"), 1);
  ASSERT_TRUE(matcher_->AddActivityTask("payments", MakeTask("wf-1")));
  EXPECT_EQ(got, "wf-1");
  EXPECT_EQ(Count("hdo_matching_sync_match_total", "payments", "Activity"), 1);
  EXPECT_EQ(Count("hdo_matching_pollers_waiting", "payments", "Activity"), 0);
  // An activity partition has no query series.
  EXPECT_FALSE(Value(Series("hdo_matching_tasks_added_total", "payments", "Query")).has_value());
}

TEST_F(MatcherMetricsTest, QueryTasksAreCountedUnderTheQueryTaskType) {
  matcher_->AddQueryTask("payments", MakeTask("wf-1", 7));
  matcher_->AddQueryTask("payments", MakeTask("wf-2", 8));
  EXPECT_EQ(Count("hdo_matching_tasks_added_total", "payments", "Query"), 2);
  EXPECT_EQ(Count("hdo_matching_backlog_depth", "payments", "Query"), 2);
  EXPECT_EQ(Count("hdo_matching_tasks_added_total", "payments", "Workflow"), 0);

  matcher_->RemoveQuery(7);  // its client gave up
  EXPECT_EQ(Count("hdo_matching_backlog_depth", "payments", "Query"), 1);

  std::optional<std::string> got;
  EXPECT_EQ(PollWorkflow("payments", &got), 0u);
  EXPECT_EQ(got, "wf-2");
  EXPECT_EQ(Count("hdo_matching_backlog_match_total", "payments", "Query"), 1);
  EXPECT_EQ(Count("hdo_matching_backlog_depth", "payments", "Query"), 0);
  EXPECT_EQ(Count("hdo_matching_task_dispatch_latency_seconds_count", "payments", "Query"), 1);
  EXPECT_EQ(Count("hdo_matching_task_dispatch_latency_seconds_count", "payments", "Workflow"), 0);
}

TEST_F(MatcherMetricsTest, EveryStickyQueueSharesOneTaskQueueLabel) {
  std::optional<std::string> first;
  std::optional<std::string> second;
  ASSERT_NE(PollWorkflow("host-1:5f0c-sticky", &first, /*sticky=*/true), 0u);
  ASSERT_NE(PollWorkflow("host-2:9a7d-sticky", &second, /*sticky=*/true), 0u);
  EXPECT_EQ(Count("hdo_matching_pollers_waiting", "__sticky__", "Workflow"), 2);
  ASSERT_TRUE(matcher_->AddWorkflowTask("host-1:5f0c-sticky", MakeTask("wf-1")));
  EXPECT_EQ(Count("hdo_matching_sync_match_total", "__sticky__", "Workflow"), 1);
  EXPECT_EQ(Count("hdo_matching_pollers_waiting", "__sticky__", "Workflow"), 1);
  EXPECT_EQ(registry_.Render().find("host-1"), std::string::npos);
}

TEST_F(MatcherMetricsTest, ATaskHistoryRefusesIsAddedButNeverMatched) {
  std::optional<std::string> got;
  ASSERT_NE(PollWorkflow("payments", &got), 0u);
  refuse_ = true;
  ASSERT_TRUE(matcher_->AddWorkflowTask("payments", MakeTask("wf-stale")));
  EXPECT_FALSE(got.has_value());
  EXPECT_EQ(Count("hdo_matching_tasks_added_total", "payments", "Workflow"), 1);
  EXPECT_EQ(Count("hdo_matching_sync_match_total", "payments", "Workflow"), 0);
  EXPECT_EQ(Count("hdo_matching_pollers_waiting", "payments", "Workflow"), 1);
  EXPECT_EQ(Count("hdo_matching_task_dispatch_latency_seconds_count", "payments", "Workflow"), 0);
}

TEST_F(MatcherMetricsTest, ATaskRefusedBecauseTheBacklogIsFullIsNotCountedAsAdded) {
  Matcher::Options options;
  options.backlog_max = 1;
  MakeMatcher(options);
  ASSERT_TRUE(matcher_->AddWorkflowTask("payments", MakeTask("wf-1")));
  EXPECT_FALSE(matcher_->AddWorkflowTask("payments", MakeTask("wf-2")));
  EXPECT_EQ(Count("hdo_matching_tasks_added_total", "payments", "Workflow"), 1);
  EXPECT_EQ(Count("hdo_matching_backlog_depth", "payments", "Workflow"), 1);
}

TEST_F(MatcherMetricsTest, CancelledPollsLeaveTheWaitingGaugeAndCountAsEmpty) {
  std::optional<std::string> got;
  uint64_t poll_id = PollWorkflow("payments", &got);
  ASSERT_NE(poll_id, 0u);
  matcher_->CancelPoll(poll_id);
  EXPECT_EQ(got, "");
  EXPECT_EQ(Count("hdo_matching_pollers_waiting", "payments", "Workflow"), 0);
  EXPECT_EQ(Count("hdo_matching_poll_wait_seconds_count", "payments", "Workflow", "empty"), 1);
}

// A worker that dies with polls parked: gRPC reports the cancellation on its own thread (the flag)
// before the cancel reaches matching through the engine thread's queue. A task arriving in between
// goes to a live poll, or waits in the backlog, never to the dead one.
TEST_F(MatcherMetricsTest, APollWhoseClientWentAwayIsNeverHandedATask) {
  auto gone = std::make_shared<std::atomic<bool>>(false);
  std::optional<std::string> dead_got;
  Poller dead{"orders", "payments", "dead-worker", "", false, gone};
  const uint64_t dead_poll = matcher_->PollWorkflowTask(
      kNamespaceId, dead, std::chrono::seconds(60),
      [&dead_got](PollWorkflowTaskQueueResponse response) { dead_got = response.task_token(); });
  ASSERT_NE(dead_poll, 0u);
  std::optional<std::string> live_got;
  ASSERT_NE(PollWorkflow("payments", &live_got), 0u);

  gone->store(true);  // the cancel itself has not reached matching
  ASSERT_TRUE(matcher_->AddWorkflowTask("payments", MakeTask("wf-1")));
  EXPECT_EQ(dead_got, "");  // answered empty, to nobody
  EXPECT_EQ(live_got, "wf-1");
  ASSERT_TRUE(matcher_->AddWorkflowTask("payments", MakeTask("wf-2")));
  EXPECT_EQ(Count("hdo_matching_backlog_depth", "payments", "Workflow"), 1);
  EXPECT_EQ(Count("hdo_matching_pollers_waiting", "payments", "Workflow"), 0);
  matcher_->CancelPoll(dead_poll);  // the late cancel finds nothing to do

  // A claim (history starting a task in the write that creates it) skips it the same way.
  auto gone_too = std::make_shared<std::atomic<bool>>(false);
  Poller dead_activity{"orders", "payments", "dead-worker", "", false, gone_too};
  std::optional<std::string> activity_got;
  ASSERT_NE(matcher_->PollActivityTask(kNamespaceId, dead_activity, std::chrono::seconds(60),
                                       [&activity_got](PollActivityTaskQueueResponse response) {
                                         activity_got = response.task_token();
                                       }),
            0u);
  gone_too->store(true);
  EXPECT_FALSE(matcher_->ClaimActivityPoll("payments", Task{kNamespaceId}).has_value());
  EXPECT_EQ(activity_got, "");
  EXPECT_EQ(Count("hdo_matching_pollers_waiting", "payments", "Activity"), 0);
}

TEST_F(MatcherMetricsTest, APollCancelledBeforeItWaitsTakesNoQueuedTaskAndIsNotParked) {
  ASSERT_TRUE(matcher_->AddWorkflowTask("payments", MakeTask("wf-1")));
  auto gone = std::make_shared<std::atomic<bool>>(true);
  std::optional<std::string> got;
  const uint64_t poll_id = matcher_->PollWorkflowTask(
      kNamespaceId, {"orders", "payments", "worker", "", false, gone}, std::chrono::seconds(60),
      [&got](PollWorkflowTaskQueueResponse response) { got = response.task_token(); });
  EXPECT_EQ(poll_id, 0u);
  EXPECT_EQ(got, "");
  EXPECT_EQ(Count("hdo_matching_backlog_depth", "payments", "Workflow"), 1);
  EXPECT_EQ(Count("hdo_matching_pollers_waiting", "payments", "Workflow"), 0);
  std::optional<std::string> live_got;
  EXPECT_EQ(PollWorkflow("payments", &live_got), 0u);  // the live poll takes it at once
  EXPECT_EQ(live_got, "wf-1");
}

TEST_F(MatcherMetricsTest, AMatcherGoneTakesItsQueuedTasksAndParkedPollsOutOfTheGauges) {
  ASSERT_TRUE(matcher_->AddWorkflowTask("payments", MakeTask("wf-1")));
  matcher_->AddQueryTask("payments", MakeTask("wf-1", 7));
  std::optional<std::string> got;
  ASSERT_NE(matcher_->PollActivityTask(
                kNamespaceId, {"orders", "payments", "worker", "", false}, std::chrono::seconds(60),
                [&got](PollActivityTaskQueueResponse response) { got = response.task_token(); }),
            0u);
  matcher_.reset();
  EXPECT_EQ(Count("hdo_matching_backlog_depth", "payments", "Workflow"), 0);
  EXPECT_EQ(Count("hdo_matching_backlog_depth", "payments", "Query"), 0);
  EXPECT_EQ(Count("hdo_matching_pollers_waiting", "payments", "Activity"), 0);
}

TEST_F(MatcherMetricsTest, DroppedQueuedTasksLeaveTheBacklogDepth) {
  ASSERT_TRUE(matcher_->AddWorkflowTask("payments", MakeTask("wf-1")));
  ASSERT_TRUE(matcher_->AddActivityTask("payments", MakeTask("wf-1")));
  matcher_->AddQueryTask("payments", MakeTask("wf-1", 7));
  matcher_->DropQueuedTasks();  // a lost commit: history reloads them from its outbox
  EXPECT_EQ(Count("hdo_matching_backlog_depth", "payments", "Workflow"), 0);
  EXPECT_EQ(Count("hdo_matching_backlog_depth", "payments", "Activity"), 0);
  EXPECT_EQ(Count("hdo_matching_backlog_depth", "payments", "Query"), 1);  // queries stay
}

TEST_F(MatcherMetricsTest, WithoutANameTheNamespaceIdIsTheLabel) {
  Task task = MakeTask("wf-1");
  task.namespace_id = "unknown-id";
  ASSERT_TRUE(matcher_->AddWorkflowTask("payments", task));
  EXPECT_EQ(Value("hdo_matching_tasks_added_total{namespace=\"unknown-id\",task_queue=\"payments\","
                  "task_type=\"Workflow\"}"),
            1);
}

// ShutdownWorker with the worker's instance key: its parked polls end empty at once, other
// workers' stay; a poll of that instance arriving later ends at once and takes no task.
TEST_F(MatcherMetricsTest, AShutDownWorkersPollsEndEmptyAndItsLatePollsTakeNoTask) {
  auto poll = [this](const std::string& key, std::optional<std::string>* got) {
    Poller poller{"orders", "payments", "worker", "", false};
    poller.worker_instance_key = key;
    return matcher_->PollWorkflowTask(
        kNamespaceId, std::move(poller), std::chrono::seconds(60),
        [got](PollWorkflowTaskQueueResponse response) { *got = response.task_token(); });
  };
  std::optional<std::string> leaving, staying;
  ASSERT_NE(poll("instance-1", &leaving), 0u);
  ASSERT_NE(poll("instance-2", &staying), 0u);
  matcher_->CompleteWorkerPolls("other-namespace", "instance-1");
  EXPECT_FALSE(leaving.has_value());  // another namespace's worker of that key: not this one
  matcher_->CompleteWorkerPolls(kNamespaceId, "instance-1");
  EXPECT_EQ(leaving, "");
  EXPECT_FALSE(staying.has_value());
  EXPECT_EQ(matcher_->ParkedPolls(), 1u);

  std::optional<std::string> late;
  EXPECT_EQ(poll("instance-1", &late), 0u);  // answered at once
  EXPECT_EQ(late, "");
  ASSERT_TRUE(matcher_->AddWorkflowTask("payments", MakeTask("wf-1")));
  EXPECT_EQ(staying, "wf-1");  // the task went to the worker still running
}

}  // namespace
}  // namespace hdo::matching

namespace hdo::matching {
namespace {

// Goal: worker versioning in matching: a task goes only to pollers of the version its routing
// names (a pinned task to its version's, the others to the current one's, unversioned workers
// when none), polls of other versions stay parked, a routing change moves queued tasks to the
// version they now go to, sticky tasks are never routed, and DescribeTaskQueue's poller list
// covers every version's queue. Method: the routing is a map the test changes.
class MatcherVersioningTest : public MatcherMetricsTest {
 protected:
  MatcherVersioningTest() {
    Matcher::Options options;
    options.route = [this](const std::string&, const std::string&, bool, const Task& task) {
      return task.pinned.empty() ? current_ : task.pinned;
    };
    MakeMatcher(std::move(options));
  }

  uint64_t PollVersion(const std::string& version, std::optional<std::string>* got) {
    Poller poller{"orders", "orders-tq", "worker-" + version, "", false};
    poller.version = version;
    return matcher_->PollWorkflowTask(
        kNamespaceId, poller, std::chrono::seconds(60),
        [got](PollWorkflowTaskQueueResponse response) { *got = response.task_token(); });
  }

  std::string current_;
};

TEST_F(MatcherVersioningTest, TasksReachOnlyThePollersOfTheirVersion) {
  std::optional<std::string> v1_got, v2_got, plain_got;
  ASSERT_NE(PollVersion("shop.1", &v1_got), 0u);
  ASSERT_NE(PollVersion("shop.2", &v2_got), 0u);
  ASSERT_NE(PollVersion("", &plain_got), 0u);
  // No current version: unversioned workers get it.
  ASSERT_TRUE(matcher_->AddWorkflowTask("orders-tq", MakeTask("unrouted")));
  EXPECT_EQ(plain_got, "unrouted");
  current_ = "shop.2";
  ASSERT_TRUE(matcher_->AddWorkflowTask("orders-tq", MakeTask("current")));
  EXPECT_EQ(v2_got, "current");
  EXPECT_FALSE(v1_got.has_value());
  Task pinned = MakeTask("pinned");
  pinned.pinned = "shop.1";
  ASSERT_TRUE(matcher_->AddWorkflowTask("orders-tq", pinned));
  EXPECT_EQ(v1_got, "pinned");
  // Every version's pollers are the queue's pollers.
  EXPECT_EQ(matcher_->Pollers(kNamespaceId, "orders-tq", true).size(), 3u);
}

TEST_F(MatcherVersioningTest, ARoutingChangeMovesQueuedTasksToTheirNewVersion) {
  current_ = "shop.1";
  ASSERT_TRUE(matcher_->AddWorkflowTask("orders-tq", MakeTask("waiting")));
  std::optional<std::string> v2_got;
  ASSERT_NE(PollVersion("shop.2", &v2_got), 0u);
  EXPECT_FALSE(v2_got.has_value());  // routed to shop.1, which nobody polls
  current_ = "shop.2";
  matcher_->RoutingChanged(kNamespaceId);
  EXPECT_EQ(v2_got, "waiting");
}

TEST_F(MatcherVersioningTest, StickyTasksAreNeverRouted) {
  current_ = "shop.2";
  std::optional<std::string> sticky_got;
  ASSERT_NE(PollWorkflow("worker-sticky", &sticky_got, /*sticky=*/true), 0u);
  Task task = MakeTask("sticky");
  task.sticky = true;
  ASSERT_TRUE(matcher_->AddWorkflowTask("worker-sticky", task));
  EXPECT_EQ(sticky_got, "sticky");
}

}  // namespace
}  // namespace hdo::matching
