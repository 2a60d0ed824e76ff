// Goal: history's worker versioning as an SDK user sees it: a run's first task goes to the
// current version's workers, whose completion (PINNED or AUTO_UPGRADE) becomes the run's
// versioning info; a pinned run's later tasks stay on its version when the current one moves on
// (and its WorkflowTaskStarted says the target changed), an auto-upgrade run's go to the new
// current version; overrides (at start and by UpdateWorkflowExecutionOptions) route the run and
// are validated in the reference's words; continue-as-new inherits a pinned version unless the
// command asks for the routing's; the run's search attributes name its deployment, version and
// behavior. Method: a real engine and matcher on a real SQLite file, a routing table the test
// sets (the deployment registry's role), versioned workers played by polls with a version.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/error_codes.h"
#include "history/engine.h"
#include "history/engine_test_fixture.h"

namespace hdo::history {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
namespace hist = temporal::api::history::v1;
namespace command = temporal::api::command::v1;

class EngineVersioningTest : public test_support::EngineHarness {
 protected:
  EngineVersioningTest() : EngineHarness("hdo-engine-versioning", MatcherOptions(this)) {
    Engine::Options options;
    options.route = [this](const std::string&, const std::string& queue, bool, std::string_view,
                           const std::string& pinned,
                           bool) { return pinned.empty() ? current_[queue] : pinned; };
    options.version_has_queue = [](const std::string&, const std::string&, const std::string&) {
      return false;
    };
    RestartEngine(std::move(options));
    EXPECT_TRUE(engine_->Recover().IsSuccess());
  }

  static matching::Matcher::Options MatcherOptions(EngineVersioningTest* self) {
    matching::Matcher::Options options;
    options.route = [self](const std::string&, const std::string& queue, bool,
                           const matching::Task& task) {
      return task.pinned.empty() ? self->current_[queue] : task.pinned;
    };
    return options;
  }

  void Start(const std::string& workflow_id, wf::StartWorkflowExecutionRequest request = {}) {
    request.set_workflow_id(workflow_id);
    request.mutable_workflow_type()->set_name("Flow");
    request.mutable_task_queue()->set_name("queue");
    request.set_request_id("start-" + workflow_id);
    auto started = engine_->StartWorkflow("ns", request);
    ASSERT_TRUE(started.IsSuccess()) << started.Error().ToString();
  }

  // A poll of a worker of `version` ("" unversioned) on the normal queue.
  wf::PollWorkflowTaskQueueResponse PollAs(const std::string& version) {
    wf::PollWorkflowTaskQueueResponse got;
    matching::Poller poller{"default", "queue", "worker-" + version, "", false};
    poller.version = version;
    uint64_t parked = matcher_.PollWorkflowTask(
        "ns", poller, std::chrono::milliseconds(0),
        [&got](wf::PollWorkflowTaskQueueResponse response) { got = std::move(response); });
    if (parked != 0) matcher_.CancelPoll(parked);
    return got;
  }

  // Completes a task as a worker of build `build` of deployment "shop" reporting `behavior`.
  void CompleteAs(const wf::PollWorkflowTaskQueueResponse& task, const std::string& build,
                  enums::VersioningBehavior behavior,
                  std::optional<command::Command> one_command = std::nullopt) {
    ASSERT_FALSE(task.task_token().empty());
    wf::RespondWorkflowTaskCompletedRequest request;
    request.set_task_token(task.task_token());
    request.set_identity("worker-" + build);
    auto* options = request.mutable_deployment_options();
    options->set_deployment_name("shop");
    options->set_build_id(build);
    options->set_worker_versioning_mode(enums::WORKER_VERSIONING_MODE_VERSIONED);
    request.set_versioning_behavior(behavior);
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

  temporal::api::workflow::v1::WorkflowExecutionInfo Describe(const std::string& workflow_id) {
    wf::DescribeWorkflowExecutionRequest request;
    request.mutable_execution()->set_workflow_id(workflow_id);
    auto described = engine_->Describe("ns", request);
    EXPECT_TRUE(described.IsSuccess());
    return described.IsSuccess() ? described.Value().workflow_execution_info()
                                 : temporal::api::workflow::v1::WorkflowExecutionInfo();
  }

  std::map<std::string, std::string> current_;
};

TEST_F(EngineVersioningTest, APinnedRunStaysOnItsVersionAndAnAutoUpgradeOneMoves) {
  current_["queue"] = "shop.1";
  Start("pinned");
  Start("upgrading");
  EXPECT_TRUE(PollAs("").task_token().empty());  // unversioned workers get nothing
  auto first = PollAs("shop.1");
  auto second = PollAs("shop.1");
  CompleteAs(first, "1", enums::VERSIONING_BEHAVIOR_PINNED);
  CompleteAs(second, "1", enums::VERSIONING_BEHAVIOR_AUTO_UPGRADE);
  const std::string pinned_id = first.workflow_execution().workflow_id();
  const std::string upgrading_id = second.workflow_execution().workflow_id();
  auto info = Describe(pinned_id);
  EXPECT_EQ(info.versioning_info().behavior(), enums::VERSIONING_BEHAVIOR_PINNED);
  EXPECT_EQ(info.versioning_info().deployment_version().build_id(), "1");
  EXPECT_EQ(info.worker_deployment_name(), "shop");

  current_["queue"] = "shop.2";
  Signal(pinned_id);
  Signal(upgrading_id);
  auto on_two = PollAs("shop.2");
  EXPECT_EQ(on_two.workflow_execution().workflow_id(), upgrading_id);
  EXPECT_TRUE(PollAs("shop.2").task_token().empty());
  auto on_one = PollAs("shop.1");
  EXPECT_EQ(on_one.workflow_execution().workflow_id(), pinned_id);
  // The pinned run's task says its queue's routing moved on.
  const auto& started = *on_one.history().events().rbegin();
  ASSERT_EQ(started.event_type(), enums::EVENT_TYPE_WORKFLOW_TASK_STARTED);
  EXPECT_TRUE(
      started.workflow_task_started_event_attributes().target_worker_deployment_version_changed());
  // The upgrading run moves to 2 (a transition until 2's worker completes its task).
  EXPECT_EQ(
      Describe(upgrading_id).versioning_info().version_transition().deployment_version().build_id(),
      "2");
  CompleteAs(on_two, "2", enums::VERSIONING_BEHAVIOR_AUTO_UPGRADE);
  info = Describe(upgrading_id);
  EXPECT_EQ(info.versioning_info().deployment_version().build_id(), "2");
  EXPECT_FALSE(info.versioning_info().has_version_transition());
}

TEST_F(EngineVersioningTest, OverridesRouteTheRunAndAreValidated) {
  current_["queue"] = "shop.1";
  wf::StartWorkflowExecutionRequest bad;
  bad.mutable_versioning_override()->mutable_pinned();
  bad.set_workflow_id("bad");
  bad.mutable_workflow_type()->set_name("Flow");
  bad.mutable_task_queue()->set_name("queue");
  auto refused = engine_->StartWorkflow("ns", bad);
  ASSERT_TRUE(refused.IsFailure());
  EXPECT_EQ(refused.Error().Code(), errors::kInvalidArgument);
  EXPECT_EQ(refused.Error().Message(), "must provide version if override is pinned.");

  wf::StartWorkflowExecutionRequest pinned;
  auto* override_ = pinned.mutable_versioning_override()->mutable_pinned();
  override_->set_behavior(
      temporal::api::workflow::v1::VersioningOverride::PINNED_OVERRIDE_BEHAVIOR_PINNED);
  override_->mutable_version()->set_deployment_name("shop");
  override_->mutable_version()->set_build_id("2");
  Start("overridden", pinned);
  EXPECT_TRUE(PollAs("shop.1").task_token().empty());
  auto task = PollAs("shop.2");
  ASSERT_FALSE(task.task_token().empty());
  EXPECT_EQ(task.history()
                .events(0)
                .workflow_execution_started_event_attributes()
                .versioning_override()
                .pinned()
                .version()
                .build_id(),
            "2");
  CompleteAs(task, "2", enums::VERSIONING_BEHAVIOR_AUTO_UPGRADE);
  // Still pinned by the override, whatever the worker reported.
  Signal("overridden");
  EXPECT_FALSE(PollAs("shop.2").task_token().empty());

  // Unset by UpdateWorkflowExecutionOptions: the run follows the routing again.
  wf::UpdateWorkflowExecutionOptionsRequest update;
  update.mutable_workflow_execution()->set_workflow_id("overridden");
  update.mutable_workflow_execution_options();
  update.mutable_update_mask()->add_paths("versioning_override");
  update.set_identity("operator");
  auto unset = engine_->UpdateWorkflowExecutionOptions("ns", update);
  ASSERT_TRUE(unset.IsSuccess()) << unset.Error().ToString();
  EXPECT_FALSE(unset.Value().workflow_execution_options().has_versioning_override());
  EXPECT_FALSE(Describe("overridden").versioning_info().has_versioning_override());
  auto no_mask = update;
  no_mask.clear_update_mask();
  auto refused_update = engine_->UpdateWorkflowExecutionOptions("ns", no_mask);
  ASSERT_TRUE(refused_update.IsFailure());
  EXPECT_EQ(refused_update.Error().Message(), "UpdateMask is required");
}

TEST_F(EngineVersioningTest, ContinueAsNewInheritsAPinnedVersionUnlessAskedToUpgrade) {
  current_["queue"] = "shop.1";
  Start("chain");
  CompleteAs(PollAs("shop.1"), "1", enums::VERSIONING_BEHAVIOR_PINNED);
  current_["queue"] = "shop.2";
  Signal("chain");
  command::Command continue_as_new;
  continue_as_new.set_command_type(enums::COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION);
  auto* attributes =
      continue_as_new.mutable_continue_as_new_workflow_execution_command_attributes();
  attributes->mutable_workflow_type()->set_name("Flow");
  attributes->mutable_task_queue()->set_name("queue");
  CompleteAs(PollAs("shop.1"), "1", enums::VERSIONING_BEHAVIOR_PINNED, continue_as_new);
  // The new run starts pinned to 1 (its first task after the chain's backoff).
  Advance(2000);
  EXPECT_EQ(Describe("chain").versioning_info().deployment_version().build_id(), "1");
  auto inherited = PollAs("shop.1");
  ASSERT_FALSE(inherited.task_token().empty());
  EXPECT_EQ(inherited.history()
                .events(0)
                .workflow_execution_started_event_attributes()
                .inherited_pinned_version()
                .build_id(),
            "1");
  // Asked to upgrade, the next run goes where the routing says.
  attributes->set_initial_versioning_behavior(
      enums::CONTINUE_AS_NEW_VERSIONING_BEHAVIOR_AUTO_UPGRADE);
  CompleteAs(inherited, "1", enums::VERSIONING_BEHAVIOR_PINNED, continue_as_new);
  Advance(2000);
  EXPECT_TRUE(PollAs("shop.1").task_token().empty());
  auto upgraded = PollAs("shop.2");
  ASSERT_FALSE(upgraded.task_token().empty());
  EXPECT_FALSE(upgraded.history()
                   .events(0)
                   .workflow_execution_started_event_attributes()
                   .has_inherited_pinned_version());
}

TEST_F(EngineVersioningTest, ARunsSearchAttributesNameItsDeploymentVersionAndBehavior) {
  persistence::v1::MutableState state;
  auto* info = state.mutable_versioning_info();
  info->set_behavior(enums::VERSIONING_BEHAVIOR_PINNED);
  info->mutable_deployment_version()->set_deployment_name("shop");
  info->mutable_deployment_version()->set_build_id("1.0");
  state.set_worker_deployment_name("shop");
  auto record = Engine::VisibilityOf(state);
  auto attributes = nlohmann::json::parse(record.search_attributes);
  EXPECT_EQ(attributes["TemporalWorkerDeployment"], "shop");
  EXPECT_EQ(attributes["TemporalWorkerDeploymentVersion"], "shop:1.0");
  EXPECT_EQ(attributes["TemporalWorkflowVersioningBehavior"], "Pinned");
  EXPECT_EQ(attributes["BuildIds"], nlohmann::json::array({"pinned:shop:1.0", "versioned:1.0"}));
  // An unversioned run has none.
  EXPECT_EQ(nlohmann::json::parse(
                Engine::VisibilityOf(persistence::v1::MutableState()).search_attributes),
            nlohmann::json::object());
}

}  // namespace
}  // namespace hdo::history

namespace hdo::history {
namespace {

TEST_F(EngineVersioningTest, ARebuiltRunGetsItsVersioningFromItsEvents) {
  current_["queue"] = "shop.1";
  wf::StartWorkflowExecutionRequest pinned;
  auto* override_ = pinned.mutable_versioning_override()->mutable_pinned();
  override_->set_behavior(
      temporal::api::workflow::v1::VersioningOverride::PINNED_OVERRIDE_BEHAVIOR_PINNED);
  override_->mutable_version()->set_deployment_name("shop");
  override_->mutable_version()->set_build_id("2");
  Start("rebuilt", pinned);
  CompleteAs(PollAs("shop.2"), "2", enums::VERSIONING_BEHAVIOR_AUTO_UPGRADE);
  auto info = Describe("rebuilt");
  auto rebuilt = engine_->RebuildRun({"ns", "rebuilt", info.execution().run_id()},
                                     info.history_length(), info.execution().run_id(), "");
  ASSERT_TRUE(rebuilt.IsSuccess()) << rebuilt.Error().ToString();
  const auto& versioning = rebuilt.Value().versioning_info();
  EXPECT_EQ(versioning.behavior(), enums::VERSIONING_BEHAVIOR_AUTO_UPGRADE);
  EXPECT_EQ(versioning.deployment_version().build_id(), "2");
  EXPECT_EQ(versioning.versioning_override().pinned().version().build_id(), "2");
  EXPECT_EQ(rebuilt.Value().worker_deployment_name(), "shop");

  wf::UpdateWorkflowExecutionOptionsRequest update;
  update.mutable_workflow_execution()->set_workflow_id("rebuilt");
  update.mutable_workflow_execution_options();
  update.mutable_update_mask()->add_paths("versioning_override");
  ASSERT_TRUE(engine_->UpdateWorkflowExecutionOptions("ns", update).IsSuccess());
  info = Describe("rebuilt");
  rebuilt = engine_->RebuildRun({"ns", "rebuilt", info.execution().run_id()}, info.history_length(),
                                info.execution().run_id(), "");
  ASSERT_TRUE(rebuilt.IsSuccess());
  EXPECT_FALSE(rebuilt.Value().versioning_info().has_versioning_override());
}

}  // namespace
}  // namespace hdo::history
