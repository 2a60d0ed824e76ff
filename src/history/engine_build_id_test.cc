// Goal: history's side of build-id versioning (worker versioning v0.1/v0.2) as an SDK user sees
// it: a new run's first task carries "to be assigned" and goes where the queue's assignment
// says; the build-id worker that starts it gives the run its build id, which its later tasks,
// activities and queries follow, and which a completing worker's stamp moves; a run that
// completed a task unversioned stays unversioned; a sticky worker is passed over once its build
// id no longer takes the run's tasks; continue-as-new asking for it inherits the build id;
// Describe reports it. Method: a real engine and matcher on a real SQLite
// file, a routing table the test sets (the registry's role: frontend/build_id_versioning.h),
// build-id workers played by polls with a version and a build id.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "history/engine.h"
#include "history/engine_test_fixture.h"

namespace hdo::history {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
namespace command = temporal::api::command::v1;

class EngineBuildIdTest : public test_support::EngineHarness {
 protected:
  EngineBuildIdTest() : EngineHarness("hdo-engine-build-id", MatcherOptions(this)) {
    Engine::Options options;
    options.build_id_versioned = [this](const std::string&, const std::string&) {
      return !assign_.empty();
    };
    options.build_id_current = [this](const std::string&, const std::string&,
                                      const std::string& build_id) {
      return retired_.count(build_id) == 0;
    };
    RestartEngine(std::move(options));
    EXPECT_TRUE(engine_->Recover().IsSuccess());
  }

  // The routing: a new run ("*") to `assign_`'s key, a run's build id to its own key.
  static matching::Matcher::Options MatcherOptions(EngineBuildIdTest* self) {
    matching::Matcher::Options options;
    options.route = [self](const std::string&, const std::string&, bool,
                           const matching::Task& task) {
      self->directives_.push_back(task.build_id_directive);
      if (task.build_id_directive.empty()) return std::string();
      if (task.build_id_directive == "*") return self->assign_.empty() ? "" : "b:" + self->assign_;
      return "b:" + task.build_id_directive.substr(1);
    };
    return options;
  }

  void Start(const std::string& workflow_id) {
    wf::StartWorkflowExecutionRequest request;
    request.set_workflow_id(workflow_id);
    request.mutable_workflow_type()->set_name("Flow");
    request.mutable_task_queue()->set_name("queue");
    request.set_request_id("start-" + workflow_id);
    auto started = engine_->StartWorkflow("ns", request);
    ASSERT_TRUE(started.IsSuccess()) << started.Error().ToString();
  }

  // A poll of a build-id worker of `build` ("" unversioned) on the normal queue or its sticky one.
  wf::PollWorkflowTaskQueueResponse PollAs(const std::string& build, bool sticky = false) {
    wf::PollWorkflowTaskQueueResponse got;
    matching::Poller poller{"default", sticky ? "sticky-" + build : "queue", "worker-" + build, "",
                            sticky};
    if (!build.empty()) {
      poller.build_id = build;
      if (!sticky) poller.version = "b:" + build;
    }
    uint64_t parked = matcher_.PollWorkflowTask(
        "ns", poller, std::chrono::milliseconds(0),
        [&got](wf::PollWorkflowTaskQueueResponse response) { got = std::move(response); });
    if (parked != 0) matcher_.CancelPoll(parked);
    return got;
  }

  // Completes a task as a build-id worker of `build` ("": unversioned), with a sticky queue.
  void CompleteAs(const wf::PollWorkflowTaskQueueResponse& task, const std::string& build,
                  std::optional<command::Command> one_command = std::nullopt) {
    ASSERT_FALSE(task.task_token().empty());
    wf::RespondWorkflowTaskCompletedRequest request;
    request.set_task_token(task.task_token());
    request.set_identity("worker-" + build);
    request.mutable_sticky_attributes()->mutable_worker_task_queue()->set_name("sticky-" + build);
    request.mutable_sticky_attributes()->mutable_schedule_to_start_timeout()->set_seconds(10);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    request.mutable_worker_version_stamp()->set_build_id(build.empty() ? "checksum" : build);
    request.mutable_worker_version_stamp()->set_use_versioning(!build.empty());
#pragma GCC diagnostic pop
    if (one_command.has_value()) *request.add_commands() = *one_command;
    auto completed = engine_->CompleteWorkflowTask("ns", request);
    ASSERT_TRUE(completed.IsSuccess()) << completed.Error().ToString();
  }

  void Signal(const std::string& workflow_id) {
    wf::SignalWorkflowExecutionRequest request;
    request.mutable_workflow_execution()->set_workflow_id(workflow_id);
    request.set_signal_name("go");
    ASSERT_TRUE(engine_->Signal("ns", request).IsSuccess());
  }

  temporal::api::workflow::v1::WorkflowExecutionInfo Describe(const std::string& workflow_id,
                                                              const std::string& run_id = "") {
    wf::DescribeWorkflowExecutionRequest request;
    request.mutable_execution()->set_workflow_id(workflow_id);
    request.mutable_execution()->set_run_id(run_id);
    auto described = engine_->Describe("ns", request);
    EXPECT_TRUE(described.IsSuccess());
    return described.IsSuccess() ? described.Value().workflow_execution_info()
                                 : temporal::api::workflow::v1::WorkflowExecutionInfo();
  }

  std::string assign_;
  std::set<std::string> retired_;
  std::vector<std::string> directives_;
};

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

TEST_F(EngineBuildIdTest, ARunIsGivenTheBuildIdOfTheWorkerThatStartsItAndFollowsIt) {
  assign_ = "1";
  Start("wf");
  EXPECT_EQ(directives_.back(), "*");
  EXPECT_TRUE(PollAs("").task_token().empty());  // the unversioned queue holds nothing
  auto first = PollAs("1");
  ASSERT_FALSE(first.task_token().empty());
  CompleteAs(first, "1");
  auto info = Describe("wf");
  EXPECT_EQ(info.assigned_build_id(), "1");
  EXPECT_TRUE(info.most_recent_worker_version_stamp().use_versioning());

  // New runs go elsewhere now; this run's next task goes to its build id.
  assign_ = "2";
  Signal("wf");
  EXPECT_EQ(directives_.back(), "=1");
  EXPECT_TRUE(PollAs("2").task_token().empty());
  auto second = PollAs("1");
  ASSERT_FALSE(second.task_token().empty());
  // A newer build in the run's set: the stamp moves the run.
  CompleteAs(second, "1.1");
  EXPECT_EQ(Describe("wf").assigned_build_id(), "1.1");
  // Its worker's sticky queue (polled: alive) takes the next task while 1.1 takes its tasks.
  EXPECT_TRUE(PollAs("1.1", /*sticky=*/true).task_token().empty());
  Signal("wf");
  auto third = PollAs("1.1", /*sticky=*/true);
  ASSERT_FALSE(third.task_token().empty());
  CompleteAs(third, "1.1");
  EXPECT_TRUE(PollAs("1.1", /*sticky=*/true).task_token().empty());
  // 1.1 retired (no longer its set's default, or redirected): the sticky worker is passed over,
  // the task goes through matching.
  retired_.insert("1.1");
  Signal("wf");
  EXPECT_TRUE(PollAs("1.1", /*sticky=*/true).task_token().empty());
  EXPECT_FALSE(PollAs("1.1").task_token().empty());
}

TEST_F(EngineBuildIdTest, ARunThatCompletedATaskUnversionedStaysUnversioned) {
  Start("plain");  // no assignment: the unversioned queue
  auto first = PollAs("");
  ASSERT_FALSE(first.task_token().empty());
  CompleteAs(first, "");
  EXPECT_TRUE(Describe("plain").assigned_build_id().empty());
  assign_ = "1";
  Signal("plain");
  EXPECT_EQ(directives_.back(), "");
  EXPECT_TRUE(PollAs("1").task_token().empty());
}

TEST_F(EngineBuildIdTest, ANewRunOnAVersionedQueueIsNeverStartedEagerly) {
  assign_ = "1";
  wf::StartWorkflowExecutionRequest request;
  request.set_workflow_id("eager");
  request.mutable_workflow_type()->set_name("Flow");
  request.mutable_task_queue()->set_name("queue");
  request.set_request_id("start-eager");
  request.set_request_eager_execution(true);
  auto started = engine_->StartWorkflow("ns", request);
  ASSERT_TRUE(started.IsSuccess());
  EXPECT_FALSE(started.Value().has_eager_workflow_task());
  EXPECT_FALSE(PollAs("1").task_token().empty());
}

TEST_F(EngineBuildIdTest, ContinueAsNewAskingForItInheritsTheBuildId) {
  assign_ = "1";
  Start("chain");
  CompleteAs(PollAs("1"), "1");
  assign_ = "2";
  Signal("chain");
  command::Command next;
  next.set_command_type(enums::COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION);
  auto* attributes = next.mutable_continue_as_new_workflow_execution_command_attributes();
  attributes->mutable_workflow_type()->set_name("Flow");
  attributes->mutable_task_queue()->set_name("queue");
  attributes->set_inherit_build_id(true);
  CompleteAs(PollAs("1"), "1", next);
  // The new run's first task (after the chain's backoff) goes to 1, not to the assignment's 2.
  Advance(2000);
  EXPECT_EQ(directives_.back(), "=1");
  EXPECT_TRUE(PollAs("2").task_token().empty());
  auto continued = PollAs("1");
  ASSERT_FALSE(continued.task_token().empty());
  const auto& started = continued.history().events(0);
  EXPECT_EQ(started.workflow_execution_started_event_attributes().inherited_build_id(), "1");
  auto info = Describe("chain", continued.workflow_execution().run_id());
  EXPECT_EQ(info.inherited_build_id(), "1");
  EXPECT_EQ(info.assigned_build_id(), "1");
}

#pragma GCC diagnostic pop

}  // namespace
}  // namespace hdo::history
