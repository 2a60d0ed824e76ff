// Goal: the worker deployment registry keeps the reference's contract: a VERSIONED poll registers
// its deployment, version and queue; SetCurrent/SetRamping need a registered version (or
// allow_no_pollers), check the conflict token and the manager, demote the previous version to
// DRAINING and route tasks (current, ramping by workflow id, pinned); drainage turns DRAINED when
// no pinned run is left; deletes refuse what the reference refuses; everything reads back after a
// restart. Method: the registry on a real, migrated SQLite file, a settable clock and a settable
// pinned-run count.
#include "frontend/worker_deployments.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "common/error_codes.h"
#include "frontend/errors.h"
#include "persistence/sqlite/keyed_rows.h"
#include "persistence/sqlite/test_database.h"

namespace hdo::frontend {
namespace {

namespace deployment = temporal::api::deployment::v1;
namespace enums = temporal::api::enums::v1;
namespace wf = temporal::api::workflowservice::v1;

constexpr char kNs[] = "ns-1";

class WorkerDeploymentsTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    registry_.reset();
    store_ =
        std::make_unique<persistence::KeyedWorkerDeploymentStore<persistence::sqlite::KeyedRows>>(
            &file_.db());
    WorkerDeployments::Options options;
    options.now = [this] { return now_; };
    options.drainage_grace = std::chrono::seconds(10);
    options.drainage_refresh = std::chrono::seconds(1);
    options.count_pinned = [this](const std::string&, const std::string& version) {
      counted_ = version;
      return hugo::Result<int64_t>(hugo::Ok(pinned_runs_));
    };
    options.routing_changed = [this](const std::string&) { ++routing_changes_; };
    registry_ = std::make_unique<WorkerDeployments>(store_.get(), std::move(options));
    auto loaded = registry_->Load();
    ASSERT_TRUE(loaded.IsSuccess()) << loaded.Error().ToString();
  }

  hugo::Result<std::string> Poll(const std::string& deployment_name, const std::string& build,
                                 const std::string& queue = "orders",
                                 enums::TaskQueueType type = enums::TASK_QUEUE_TYPE_WORKFLOW) {
    deployment::WorkerDeploymentOptions options;
    options.set_deployment_name(deployment_name);
    options.set_build_id(build);
    options.set_worker_versioning_mode(enums::WORKER_VERSIONING_MODE_VERSIONED);
    return registry_->RecordPoll(kNs, options, queue, type);
  }

  hugo::Result<wf::SetWorkerDeploymentCurrentVersionResponse> SetCurrent(
      const std::string& build, const std::string& token = "", bool allow_no_pollers = false,
      const std::string& identity = "tester") {
    wf::SetWorkerDeploymentCurrentVersionRequest request;
    request.set_deployment_name("shop");
    request.set_build_id(build);
    request.set_conflict_token(token);
    request.set_identity(identity);
    request.set_allow_no_pollers(allow_no_pollers);
    return registry_->SetCurrent(kNs, request);
  }

  hugo::Result<wf::SetWorkerDeploymentRampingVersionResponse> SetRamping(const std::string& build,
                                                                         float percentage) {
    wf::SetWorkerDeploymentRampingVersionRequest request;
    request.set_deployment_name("shop");
    request.set_build_id(build);
    request.set_percentage(percentage);
    request.set_identity("tester");
    return registry_->SetRamping(kNs, request);
  }

  wf::DescribeWorkerDeploymentResponse Describe() {
    wf::DescribeWorkerDeploymentRequest request;
    request.set_deployment_name("shop");
    auto described = registry_->Describe(kNs, request);
    EXPECT_TRUE(described.IsSuccess()) << described.Error().ToString();
    return described.IsSuccess() ? described.Value() : wf::DescribeWorkerDeploymentResponse();
  }

  hugo::Result<wf::DescribeWorkerDeploymentVersionResponse> DescribeVersion(
      const std::string& build) {
    wf::DescribeWorkerDeploymentVersionRequest request;
    request.mutable_deployment_version()->set_deployment_name("shop");
    request.mutable_deployment_version()->set_build_id(build);
    return registry_->DescribeVersion(kNs, request);
  }

  std::string Route(const std::string& workflow_id, const std::string& pinned = "",
                    const std::string& queue = "orders") {
    return registry_->Route(kNs, queue, enums::TASK_QUEUE_TYPE_WORKFLOW, workflow_id, pinned);
  }

  persistence::sqlite::TestDatabase file_{"hdo-worker-deployments"};
  std::unique_ptr<persistence::WorkerDeploymentStore> store_;
  std::unique_ptr<WorkerDeployments> registry_;
  std::chrono::system_clock::time_point now_ =
      std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
  int64_t pinned_runs_ = 0;
  std::string counted_;
  int routing_changes_ = 0;
};

TEST_F(WorkerDeploymentsTest, AVersionedPollRegistersTheDeploymentVersionAndQueue) {
  EXPECT_FALSE(registry_->Any(kNs));
  auto version = Poll("shop", "1.0");
  ASSERT_TRUE(version.IsSuccess()) << version.Error().ToString();
  EXPECT_EQ(version.Value(), "shop.1.0");
  EXPECT_TRUE(registry_->Any(kNs));
  EXPECT_TRUE(registry_->HasTaskQueue(kNs, "shop.1.0", "orders"));
  auto described = Describe();
  const auto& info = described.worker_deployment_info();
  EXPECT_EQ(info.name(), "shop");
  ASSERT_EQ(info.version_summaries_size(), 1);
  EXPECT_EQ(info.version_summaries(0).deployment_version().build_id(), "1.0");
  EXPECT_EQ(info.version_summaries(0).status(), enums::WORKER_DEPLOYMENT_VERSION_STATUS_INACTIVE);
  // No current version yet: the struct stays unset (SDKs read a set one as a version).
  EXPECT_FALSE(info.routing_config().has_current_deployment_version());
  EXPECT_FALSE(described.conflict_token().empty());
  // Until a version is current, tasks go to unversioned workers.
  EXPECT_EQ(Route("wf-1"), "");
  // An unversioned poll registers nothing.
  deployment::WorkerDeploymentOptions unversioned;
  auto plain = registry_->RecordPoll(kNs, unversioned, "other", enums::TASK_QUEUE_TYPE_WORKFLOW);
  ASSERT_TRUE(plain.IsSuccess());
  EXPECT_EQ(plain.Value(), "");
}

TEST_F(WorkerDeploymentsTest, BadDeploymentOptionsAreInvalidArgument) {
  auto no_name = Poll("", "1.0");
  ASSERT_TRUE(no_name.IsFailure());
  EXPECT_EQ(no_name.Error().Code(), errors::kInvalidArgument);
  EXPECT_EQ(no_name.Error().Message(), "versioned worker must have deployment name");
  auto no_build = Poll("shop", "");
  ASSERT_TRUE(no_build.IsFailure());
  EXPECT_EQ(no_build.Error().Message(), "versioned worker must have build id");
  auto dotted = Poll("sh.op", "1");
  ASSERT_TRUE(dotted.IsFailure());
  EXPECT_EQ(dotted.Error().Message(), "deployment name cannot contain ':' or '.'");
  EXPECT_FALSE(registry_->Any(kNs));
}

TEST_F(WorkerDeploymentsTest, SetCurrentNeedsARegisteredVersionAndTheCurrentToken) {
  auto missing = SetCurrent("1.0");
  ASSERT_TRUE(missing.IsFailure());
  EXPECT_EQ(missing.Error().Code(), errors::kFailedPrecondition);
  EXPECT_EQ(missing.Error().Message(),
            "no Worker Deployment found with name shop; does your Worker Deployment have "
            "pollers?");
  ASSERT_TRUE(Poll("shop", "1.0").IsSuccess());
  auto unknown = SetCurrent("9.9");
  ASSERT_TRUE(unknown.IsFailure());
  EXPECT_EQ(unknown.Error().Code(), errors::kNotFound);
  EXPECT_EQ(unknown.Error().Message(), "Version not found in deployment");
  auto stale = SetCurrent("1.0", "not-the-token");
  ASSERT_TRUE(stale.IsFailure());
  EXPECT_EQ(stale.Error().Message(), "conflict token mismatch");

  const std::string token = Describe().conflict_token();
  auto set = SetCurrent("1.0", token);
  ASSERT_TRUE(set.IsSuccess()) << set.Error().ToString();
  EXPECT_NE(set.Value().conflict_token(), token);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  EXPECT_EQ(set.Value().previous_version(), "__unversioned__");
  EXPECT_FALSE(set.Value().has_previous_deployment_version());
#pragma GCC diagnostic pop
  EXPECT_EQ(Route("wf-1"), "shop.1.0");
  auto info = Describe().worker_deployment_info();
  EXPECT_EQ(info.routing_config().current_deployment_version().build_id(), "1.0");
  EXPECT_EQ(info.last_modifier_identity(), "tester");
  EXPECT_EQ(info.version_summaries(0).status(), enums::WORKER_DEPLOYMENT_VERSION_STATUS_CURRENT);
  // The same request again from the same identity changes nothing and succeeds.
  auto again = SetCurrent("1.0", "stale");
  ASSERT_TRUE(again.IsSuccess());
  EXPECT_EQ(again.Value().conflict_token(), set.Value().conflict_token());
}

TEST_F(WorkerDeploymentsTest, AllowNoPollersCreatesTheDeploymentAndVersion) {
  auto set = SetCurrent("1.0", "", /*allow_no_pollers=*/true);
  ASSERT_TRUE(set.IsSuccess()) << set.Error().ToString();
  auto info = Describe().worker_deployment_info();
  EXPECT_EQ(info.routing_config().current_deployment_version().build_id(), "1.0");
  EXPECT_FALSE(info.routing_config().has_ramping_deployment_version());
  EXPECT_EQ(info.routing_config().ramping_version_percentage(), 0);
  // The version has no queue yet: nothing routes to it.
  EXPECT_EQ(Route("wf-1"), "");
}

TEST_F(WorkerDeploymentsTest, ADemotedVersionDrainsUntilNoPinnedRunIsLeft) {
  ASSERT_TRUE(Poll("shop", "1.0").IsSuccess());
  ASSERT_TRUE(Poll("shop", "2.0").IsSuccess());
  ASSERT_TRUE(SetCurrent("1.0").IsSuccess());
  // Current, and never activated: no drainage info.
  EXPECT_FALSE(DescribeVersion("1.0").Value().worker_deployment_version_info().has_drainage_info());
  EXPECT_FALSE(DescribeVersion("2.0").Value().worker_deployment_version_info().has_drainage_info());
  ASSERT_TRUE(SetCurrent("2.0").IsSuccess());
  EXPECT_EQ(Route("wf-1"), "shop.2.0");
  pinned_runs_ = 1;
  auto draining = DescribeVersion("1.0").Value().worker_deployment_version_info();
  EXPECT_EQ(draining.drainage_info().status(), enums::VERSION_DRAINAGE_STATUS_DRAINING);
  EXPECT_EQ(draining.status(), enums::WORKER_DEPLOYMENT_VERSION_STATUS_DRAINING);
  EXPECT_TRUE(counted_.empty());  // within the grace period nothing is counted
  // A pinned run still routes to its version.
  EXPECT_EQ(Route("wf-1", "shop.1.0"), "shop.1.0");
  now_ += std::chrono::seconds(11);
  EXPECT_EQ(
      DescribeVersion("1.0").Value().worker_deployment_version_info().drainage_info().status(),
      enums::VERSION_DRAINAGE_STATUS_DRAINING);
  EXPECT_EQ(counted_, "shop.1.0");
  pinned_runs_ = 0;
  now_ += std::chrono::seconds(2);
  auto drained = DescribeVersion("1.0").Value().worker_deployment_version_info();
  EXPECT_EQ(drained.drainage_info().status(), enums::VERSION_DRAINAGE_STATUS_DRAINED);
  EXPECT_EQ(drained.status(), enums::WORKER_DEPLOYMENT_VERSION_STATUS_DRAINED);
  // And it reads back after a restart.
  Open();
  EXPECT_EQ(
      DescribeVersion("1.0").Value().worker_deployment_version_info().drainage_info().status(),
      enums::VERSION_DRAINAGE_STATUS_DRAINED);
  EXPECT_EQ(Route("wf-1"), "shop.2.0");
}

TEST_F(WorkerDeploymentsTest, RampingSplitsWorkflowsByIdAndZeroPercentStillRamps) {
  ASSERT_TRUE(Poll("shop", "1.0").IsSuccess());
  ASSERT_TRUE(Poll("shop", "2.0").IsSuccess());
  ASSERT_TRUE(SetCurrent("1.0").IsSuccess());
  auto already = SetRamping("1.0", 50);
  ASSERT_TRUE(already.IsFailure());
  EXPECT_EQ(already.Error().Message(), "requested ramping version shop.1.0 is already current");
  auto bad = SetRamping("2.0", 101);
  ASSERT_TRUE(bad.IsFailure());
  EXPECT_EQ(bad.Error().Code(), errors::kInvalidArgument);

  ASSERT_TRUE(SetRamping("2.0", 100).IsSuccess());
  EXPECT_EQ(Route("a"), "shop.2.0");
  EXPECT_EQ(Route("b"), "shop.2.0");
  ASSERT_TRUE(SetRamping("2.0", 0).IsSuccess());
  EXPECT_EQ(Route("a"), "shop.1.0");
  // A continue-as-new asking for the ramping version gets it at 0 %.
  EXPECT_EQ(registry_->Route(kNs, "orders", enums::TASK_QUEUE_TYPE_WORKFLOW, "a", "", true),
            "shop.2.0");
  EXPECT_EQ(
      Describe().worker_deployment_info().routing_config().ramping_deployment_version().build_id(),
      "2.0");
  ASSERT_TRUE(SetRamping("2.0", 50).IsSuccess());
  int ramped = 0;
  for (int i = 0; i < 200; ++i) {
    if (Route("wf-" + std::to_string(i)) == "shop.2.0") ++ramped;
  }
  EXPECT_GT(ramped, 50);
  EXPECT_LT(ramped, 150);
  // The ramp to the version that becomes current ends.
  ASSERT_TRUE(SetCurrent("2.0").IsSuccess());
  auto routing = Describe().worker_deployment_info().routing_config();
  EXPECT_FALSE(routing.has_ramping_deployment_version());
  EXPECT_EQ(routing.ramping_version_percentage(), 0);
}

TEST_F(WorkerDeploymentsTest, TheManagerIdentityGuardsRoutingChanges) {
  ASSERT_TRUE(Poll("shop", "1.0").IsSuccess());
  wf::SetWorkerDeploymentManagerRequest manager;
  manager.set_deployment_name("shop");
  manager.set_self(true);
  auto no_identity = registry_->SetManager(kNs, manager);
  ASSERT_TRUE(no_identity.IsFailure());
  EXPECT_EQ(no_identity.Error().Message(), "Identity is required");
  manager.set_identity("deployer");
  auto set = registry_->SetManager(kNs, manager);
  ASSERT_TRUE(set.IsSuccess()) << set.Error().ToString();
  EXPECT_EQ(Describe().worker_deployment_info().manager_identity(), "deployer");
  auto refused = SetCurrent("1.0", "", false, "someone-else");
  ASSERT_TRUE(refused.IsFailure());
  EXPECT_EQ(refused.Error().Code(), errors::kFailedPrecondition);
  EXPECT_TRUE(SetCurrent("1.0", "", false, "deployer").IsSuccess());
}

TEST_F(WorkerDeploymentsTest, DeletesRefuseCurrentVersionsAndDeploymentsWithVersions) {
  ASSERT_TRUE(Poll("shop", "1.0").IsSuccess());
  ASSERT_TRUE(SetCurrent("1.0").IsSuccess());
  wf::DeleteWorkerDeploymentVersionRequest remove;
  remove.mutable_deployment_version()->set_deployment_name("shop");
  remove.mutable_deployment_version()->set_build_id("1.0");
  auto current = registry_->DeleteVersion(kNs, remove);
  ASSERT_TRUE(current.IsFailure());
  EXPECT_EQ(current.Error().Message(), "Version cannot be deleted since it is current or ramping.");
  ASSERT_TRUE(SetCurrent("").IsSuccess());  // back to unversioned
  remove.set_skip_drainage(true);
  auto polled = registry_->DeleteVersion(kNs, remove);
  ASSERT_TRUE(polled.IsFailure());
  EXPECT_EQ(polled.Error().Message(), "Version cannot be deleted since it has active pollers.");
  wf::DeleteWorkerDeploymentRequest drop;
  drop.set_deployment_name("shop");
  auto has_versions = registry_->Delete(kNs, drop);
  ASSERT_TRUE(has_versions.IsFailure());
  EXPECT_EQ(has_versions.Error().Message(), "deployment has versions, can't be deleted");
  // Unknown ones are not an error.
  drop.set_deployment_name("nothing-here");
  EXPECT_TRUE(registry_->Delete(kNs, drop).IsSuccess());
}

TEST_F(WorkerDeploymentsTest, ListPagesByName) {
  ASSERT_TRUE(Poll("alpha", "1").IsSuccess());
  ASSERT_TRUE(Poll("beta", "1").IsSuccess());
  ASSERT_TRUE(Poll("gamma", "1").IsSuccess());
  wf::ListWorkerDeploymentsRequest request;
  request.set_page_size(2);
  auto first = registry_->List(kNs, request);
  ASSERT_TRUE(first.IsSuccess());
  ASSERT_EQ(first.Value().worker_deployments_size(), 2);
  EXPECT_EQ(first.Value().worker_deployments(0).name(), "alpha");
  EXPECT_EQ(
      first.Value().worker_deployments(0).latest_version_summary().deployment_version().build_id(),
      "1");
  ASSERT_FALSE(first.Value().next_page_token().empty());
  request.set_next_page_token(first.Value().next_page_token());
  auto second = registry_->List(kNs, request);
  ASSERT_TRUE(second.IsSuccess());
  ASSERT_EQ(second.Value().worker_deployments_size(), 1);
  EXPECT_EQ(second.Value().worker_deployments(0).name(), "gamma");
  EXPECT_TRUE(second.Value().next_page_token().empty());
}

TEST_F(WorkerDeploymentsTest, MetadataUpsertsThenRemoves) {
  ASSERT_TRUE(Poll("shop", "1.0").IsSuccess());
  wf::UpdateWorkerDeploymentVersionMetadataRequest request;
  request.mutable_deployment_version()->set_deployment_name("shop");
  request.mutable_deployment_version()->set_build_id("1.0");
  auto empty = registry_->UpdateVersionMetadata(kNs, request);
  ASSERT_TRUE(empty.IsFailure());
  EXPECT_EQ(empty.Error().Code(), errors::kInvalidArgument);
  (*request.mutable_upsert_entries())["team"].set_data("\"payments\"");
  (*request.mutable_upsert_entries())["tier"].set_data("\"1\"");
  request.add_remove_entries("tier");
  auto updated = registry_->UpdateVersionMetadata(kNs, request);
  ASSERT_TRUE(updated.IsSuccess()) << updated.Error().ToString();
  EXPECT_EQ(updated.Value().metadata().entries_size(), 1);
  EXPECT_EQ(
      DescribeVersion("1.0").Value().worker_deployment_version_info().metadata().entries_size(), 1);
}

}  // namespace
}  // namespace hdo::frontend
