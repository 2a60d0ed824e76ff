// Goal: build-id versioning (worker versioning v0.1/v0.2) keeps the reference's contract: the
// switches refuse with its words; version sets grow, promote, merge and stay idempotent; rules
// insert, replace and delete under a conflict token and the fully-ramped requirement; commit
// needs a recent poller unless forced; redirect rules refuse cycles; routing sends a new run to
// the first rule that takes it (else the default set, else unversioned) and a run with a build
// id to its set or its redirect's target; everything reads back after a restart. Method: the
// registry on a real, migrated SQLite file and a settable clock.
#include "frontend/build_id_versioning.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/error_codes.h"
#include "persistence/sqlite/keyed_rows.h"
#include "persistence/sqlite/test_database.h"

namespace hdo::frontend {
namespace {

namespace wf = temporal::api::workflowservice::v1;

class BuildIdVersioningTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open(bool data = true, bool rules = true) {
    registry_.reset();
    store_ =
        std::make_unique<persistence::KeyedTaskQueueConfigStore<persistence::sqlite::KeyedRows>>(
            &file_.db(), persistence::kTaskQueueVersioningTable);
    BuildIdVersioning::Options options;
    options.data_apis = data;
    options.rule_apis = rules;
    options.now = [this] { return now_; };
    options.changed = [this](const std::string& namespace_id) { changed_.insert(namespace_id); };
    options.recent_poller = [this](const std::string&, const std::string&,
                                   const std::string& build_id) {
      return polled_.count(build_id) != 0;
    };
    registry_ = std::make_unique<BuildIdVersioning>(store_.get(), std::move(options));
    auto loaded = registry_->Load();
    ASSERT_TRUE(loaded.IsSuccess()) << loaded.Error().ToString();
  }

  hugo::Result<wf::UpdateWorkerBuildIdCompatibilityResponse> NewDefault(const std::string& id) {
    wf::UpdateWorkerBuildIdCompatibilityRequest request;
    request.set_namespace_("default");
    request.set_task_queue("q");
    request.set_add_new_build_id_in_new_default_set(id);
    return registry_->UpdateCompatibility("ns", request);
  }
  hugo::Result<wf::UpdateWorkerBuildIdCompatibilityResponse> Compatible(const std::string& id,
                                                                        const std::string& with,
                                                                        bool make_default = false) {
    wf::UpdateWorkerBuildIdCompatibilityRequest request;
    request.set_namespace_("default");
    request.set_task_queue("q");
    request.mutable_add_new_compatible_build_id()->set_new_build_id(id);
    request.mutable_add_new_compatible_build_id()->set_existing_compatible_build_id(with);
    request.mutable_add_new_compatible_build_id()->set_make_set_default(make_default);
    return registry_->UpdateCompatibility("ns", request);
  }
  std::vector<std::vector<std::string>> Sets(const std::string& queue = "q") {
    wf::GetWorkerBuildIdCompatibilityRequest request;
    request.set_task_queue(queue);
    auto got = registry_->GetCompatibility("ns", request);
    EXPECT_TRUE(got.IsSuccess());
    std::vector<std::vector<std::string>> sets;
    for (const auto& set : got.Value().major_version_sets()) {
      sets.emplace_back(set.build_ids().begin(), set.build_ids().end());
    }
    return sets;
  }
  std::string Token() {
    wf::GetWorkerVersioningRulesRequest request;
    request.set_task_queue("q");
    return registry_->GetRules("ns", request).Value().conflict_token();
  }
  hugo::Result<wf::UpdateWorkerVersioningRulesResponse> Insert(const std::string& target,
                                                               int index = 0,
                                                               std::optional<float> ramp = {}) {
    wf::UpdateWorkerVersioningRulesRequest request;
    request.set_task_queue("q");
    request.set_conflict_token(Token());
    auto* insert = request.mutable_insert_assignment_rule();
    insert->set_rule_index(index);
    insert->mutable_rule()->set_target_build_id(target);
    if (ramp) insert->mutable_rule()->mutable_percentage_ramp()->set_ramp_percentage(*ramp);
    return registry_->UpdateRules("ns", request);
  }
  hugo::Result<wf::UpdateWorkerVersioningRulesResponse> Redirect(const std::string& source,
                                                                 const std::string& target) {
    wf::UpdateWorkerVersioningRulesRequest request;
    request.set_task_queue("q");
    request.set_conflict_token(Token());
    auto* rule = request.mutable_add_compatible_redirect_rule()->mutable_rule();
    rule->set_source_build_id(source);
    rule->set_target_build_id(target);
    return registry_->UpdateRules("ns", request);
  }

  persistence::sqlite::TestDatabase file_{"hdo-build-ids"};
  std::unique_ptr<persistence::TaskQueueConfigStore> store_;
  std::unique_ptr<BuildIdVersioning> registry_;
  std::chrono::system_clock::time_point now_ = std::chrono::system_clock::now();
  std::set<std::string> changed_;
  std::set<std::string> polled_;
};

TEST_F(BuildIdVersioningTest, SwitchedOffTheRpcsAnswerPermissionDeniedWithTheReferenceWords) {
  Open(/*data=*/false, /*rules=*/false);
  auto sets = NewDefault("1.0");
  ASSERT_TRUE(sets.IsFailure());
  EXPECT_EQ(sets.Error().Code(), errors::kPermissionDenied);
  EXPECT_EQ(sets.Error().Message(),
            "Worker versioning v0.1 (Version Set-based, deprecated) is disabled on this "
            "namespace.");
  wf::GetWorkerVersioningRulesRequest rules;
  rules.set_task_queue("q");
  EXPECT_EQ(registry_->GetRules("ns", rules).Error().Message(),
            "Worker versioning v0.2 (Rules-based, deprecated) is disabled on this namespace.");
  EXPECT_FALSE(registry_->Versioned("ns", "q"));
}

TEST_F(BuildIdVersioningTest, VersionSetsGrowPromoteMergeAndStayIdempotent) {
  ASSERT_TRUE(NewDefault("1.0").IsSuccess());
  ASSERT_TRUE(NewDefault("2.0").IsSuccess());
  ASSERT_TRUE(Compatible("1.1", "1.0").IsSuccess());
  using Nested = std::vector<std::vector<std::string>>;
  EXPECT_EQ(Sets(), (Nested{{"1.0", "1.1"}, {"2.0"}}));
  EXPECT_EQ(changed_.count("ns"), 1u);
  // Idempotent repeats; refusals change nothing.
  EXPECT_TRUE(NewDefault("2.0").IsSuccess());
  EXPECT_TRUE(Compatible("1.1", "1.0").IsSuccess());
  EXPECT_EQ(NewDefault("1.0").Error().Message(), "version 1.0 already exists");
  EXPECT_EQ(Compatible("2.0", "1.0").Error().Message(),
            "2.0 requested to be made compatible with 1.0 but both versions exist and are "
            "incompatible");
  EXPECT_EQ(Compatible("3.1", "3.0").Error().Code(), errors::kNotFound);
  EXPECT_EQ(Sets(), (Nested{{"1.0", "1.1"}, {"2.0"}}));
  // A compatible build id made its set the default.
  ASSERT_TRUE(Compatible("1.2", "1.1", /*make_default=*/true).IsSuccess());
  EXPECT_EQ(Sets(), (Nested{{"2.0"}, {"1.0", "1.1", "1.2"}}));
  // Promotions.
  wf::UpdateWorkerBuildIdCompatibilityRequest promote;
  promote.set_namespace_("default");
  promote.set_task_queue("q");
  promote.set_promote_set_by_build_id("2.0");
  ASSERT_TRUE(registry_->UpdateCompatibility("ns", promote).IsSuccess());
  promote.set_promote_build_id_within_set("1.0");
  ASSERT_TRUE(registry_->UpdateCompatibility("ns", promote).IsSuccess());
  EXPECT_EQ(Sets(), (Nested{{"1.1", "1.2", "1.0"}, {"2.0"}}));
  // Merged: the primary's default stays the default, the later set's place is kept.
  wf::UpdateWorkerBuildIdCompatibilityRequest merge;
  merge.set_namespace_("default");
  merge.set_task_queue("q");
  merge.mutable_merge_sets()->set_primary_set_build_id("2.0");
  merge.mutable_merge_sets()->set_secondary_set_build_id("1.1");
  ASSERT_TRUE(registry_->UpdateCompatibility("ns", merge).IsSuccess());
  EXPECT_EQ(Sets(), (Nested{{"1.1", "1.2", "1.0", "2.0"}}));
  // max_sets: the last ones.
  ASSERT_TRUE(NewDefault("3.0").IsSuccess());
  wf::GetWorkerBuildIdCompatibilityRequest last;
  last.set_task_queue("q");
  last.set_max_sets(1);
  EXPECT_EQ(registry_->GetCompatibility("ns", last).Value().major_version_sets(0).build_ids(0),
            "3.0");
  // Read back after a restart.
  Open();
  EXPECT_EQ(Sets(), (Nested{{"1.1", "1.2", "1.0", "2.0"}, {"3.0"}}));
}

TEST_F(BuildIdVersioningTest, CompatibilityRequestsAreValidatedWithTheReferenceWords) {
  wf::UpdateWorkerBuildIdCompatibilityRequest request;
  request.set_task_queue("q");
  auto refused = registry_->UpdateCompatibility("ns", request);
  ASSERT_TRUE(refused.IsFailure());
  EXPECT_EQ(refused.Error().Code(), errors::kInvalidArgument);
  EXPECT_EQ(refused.Error().Message(),
            "request to update worker build ID compatability requires: , `namespace` to be set, "
            "an operation to be specified");
  request.set_namespace_("default");
  request.set_add_new_build_id_in_new_default_set(std::string(256, 'x'));
  EXPECT_NE(registry_->UpdateCompatibility("ns", request)
                .Error()
                .Message()
                .find("Worker build IDs to be no larger than 255 characters"),
            std::string::npos);
  EXPECT_TRUE(Sets().empty());
}

TEST_F(BuildIdVersioningTest, RulesNeedTheLatestConflictTokenAndKeepAFullyRampedRule) {
  auto first = Insert("1.0");
  ASSERT_TRUE(first.IsSuccess()) << first.Error().ToString();
  EXPECT_EQ(first.Value().assignment_rules(0).rule().percentage_ramp().ramp_percentage(), 100);
  auto second = Insert("2.0", 0, 45);
  ASSERT_TRUE(second.IsSuccess());
  ASSERT_EQ(second.Value().assignment_rules_size(), 2);
  EXPECT_EQ(second.Value().assignment_rules(0).rule().target_build_id(), "2.0");
  EXPECT_EQ(second.Value().assignment_rules(1).rule().target_build_id(), "1.0");
  // A stale token.
  wf::UpdateWorkerVersioningRulesRequest stale;
  stale.set_task_queue("q");
  stale.set_conflict_token(first.Value().conflict_token());
  stale.mutable_insert_assignment_rule()->mutable_rule()->set_target_build_id("3.0");
  auto refused = registry_->UpdateRules("ns", stale);
  ASSERT_TRUE(refused.IsFailure());
  EXPECT_EQ(refused.Error().Code(), errors::kFailedPrecondition);
  EXPECT_NE(refused.Error().Message().find("does not match existing one"), std::string::npos);
  // Deleting the only fully ramped rule needs force.
  wf::UpdateWorkerVersioningRulesRequest remove;
  remove.set_task_queue("q");
  remove.set_conflict_token(Token());
  remove.mutable_delete_assignment_rule()->set_rule_index(1);
  auto needs_force = registry_->UpdateRules("ns", remove);
  ASSERT_TRUE(needs_force.IsFailure());
  EXPECT_EQ(needs_force.Error().Code(), errors::kFailedPrecondition);
  remove.mutable_delete_assignment_rule()->set_force(true);
  ASSERT_TRUE(registry_->UpdateRules("ns", remove).IsSuccess());
  // Out of bounds.
  remove.set_conflict_token(Token());
  remove.mutable_delete_assignment_rule()->set_rule_index(5);
  EXPECT_EQ(registry_->UpdateRules("ns", remove).Error().Message(),
            "rule index 5 is out of bounds for assignment rule list of length 1");
  // Having had a fully ramped rule (deleted within 14 days) still counts: leaving none needs
  // force; after 14 days it does not (the reference's deleted-rule retention).
  remove.set_conflict_token(Token());
  remove.mutable_delete_assignment_rule()->set_rule_index(0);
  remove.mutable_delete_assignment_rule()->set_force(false);
  EXPECT_EQ(registry_->UpdateRules("ns", remove).Error().Code(), errors::kFailedPrecondition);
  now_ += std::chrono::hours(24 * 15);
  ASSERT_TRUE(Insert("4.0", 0, 10).IsSuccess());
  remove.set_conflict_token(Token());
  EXPECT_TRUE(registry_->UpdateRules("ns", remove).IsSuccess());
  // The Get answer is the Update's.
  auto got = registry_->GetRules("ns", [] {
    wf::GetWorkerVersioningRulesRequest r;
    r.set_task_queue("q");
    return r;
  }());
  EXPECT_EQ(got.Value().assignment_rules_size(), 1);
  EXPECT_EQ(got.Value().assignment_rules(0).rule().target_build_id(), "2.0");
  EXPECT_EQ(got.Value().conflict_token(), Token());
}

TEST_F(BuildIdVersioningTest, CommitNeedsARecentPollerUnlessForcedAndLeavesOneRule) {
  ASSERT_TRUE(Insert("1.0").IsSuccess());
  ASSERT_TRUE(Insert("2.0", 0, 45).IsSuccess());
  wf::UpdateWorkerVersioningRulesRequest commit;
  commit.set_task_queue("q");
  commit.set_conflict_token(Token());
  commit.mutable_commit_build_id()->set_target_build_id("2.0");
  auto refused = registry_->UpdateRules("ns", commit);
  ASSERT_TRUE(refused.IsFailure());
  EXPECT_EQ(refused.Error().Message(),
            "no versioned poller with build ID '2.0' seen within the last 1m10s, use force=true "
            "to commit anyways");
  polled_.insert("2.0");
  auto committed = registry_->UpdateRules("ns", commit);
  ASSERT_TRUE(committed.IsSuccess());
  ASSERT_EQ(committed.Value().assignment_rules_size(), 1);
  EXPECT_EQ(committed.Value().assignment_rules(0).rule().target_build_id(), "2.0");
}

TEST_F(BuildIdVersioningTest, RedirectRulesRefuseCyclesAndDuplicates) {
  ASSERT_TRUE(Redirect("1.0", "2.0").IsSuccess());
  ASSERT_TRUE(Redirect("2.0", "3.0").IsSuccess());
  auto cycle = Redirect("3.0", "1.0");
  ASSERT_TRUE(cycle.IsFailure());
  EXPECT_EQ(cycle.Error().Message(), "update would break acyclic requirement");
  auto duplicate = Redirect("1.0", "4.0");
  ASSERT_TRUE(duplicate.IsFailure());
  EXPECT_EQ(duplicate.Error().Code(), errors::kAlreadyExists);
  EXPECT_EQ(Redirect("5.0", "").Error().Message(),
            "the unversioned build ID cannot be the target of a redirect rule");
  // A build id of a version set cannot take part.
  ASSERT_TRUE(NewDefault("9.0").IsSuccess());
  EXPECT_EQ(Redirect("9.0", "8.0").Error().Code(), errors::kFailedPrecondition);
}

TEST_F(BuildIdVersioningTest, RoutingFollowsRulesThenSetsThenUnversioned) {
  using V = BuildIdVersioning;
  // Nothing set: new runs unversioned, a run's build id to its own queue.
  EXPECT_EQ(registry_->Route("ns", "q", "*", "run"), "");
  EXPECT_EQ(registry_->Route("ns", "q", "", "run"), "");
  EXPECT_EQ(registry_->Route("ns", "q", "=1.0", "run"), V::BuildIdKey("1.0"));
  EXPECT_EQ(registry_->PollerKey("ns", "q", "1.0").Value(), V::BuildIdKey("1.0"));
  EXPECT_TRUE(registry_->TakesNewWorkflows("ns", "q", ""));
  // Sets: new runs to the default set; a run to its set; only a set's default polls it.
  ASSERT_TRUE(NewDefault("1.0").IsSuccess());
  ASSERT_TRUE(Compatible("1.1", "1.0").IsSuccess());
  EXPECT_EQ(registry_->Route("ns", "q", "*", "run"), V::SetKey("1.0"));
  EXPECT_EQ(registry_->Route("ns", "q", "=1.0", "run"), V::SetKey("1.0"));
  EXPECT_EQ(registry_->PollerKey("ns", "q", "1.1").Value(), V::SetKey("1.0"));
  EXPECT_EQ(registry_->PollerKey("ns", "q", "1.0").Error().Code(), errors::kNewerBuildExists);
  EXPECT_EQ(registry_->PollerKey("ns", "q", "1.0").Error().Message(),
            "Task queue has a newer compatible build: \"1.1\"");
  EXPECT_TRUE(registry_->TakesNewWorkflows("ns", "q", "1.1"));
  EXPECT_FALSE(registry_->TakesNewWorkflows("ns", "q", ""));
  // Rules come first; a partial ramp splits new runs by run id, the same run always alike.
  ASSERT_TRUE(Insert("2.0").IsSuccess());
  ASSERT_TRUE(Insert("3.0", 0, 50).IsSuccess());
  int to_three = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string run = "run-" + std::to_string(i);
    const std::string key = registry_->Route("ns", "q", "*", run);
    EXPECT_EQ(key, registry_->Route("ns", "q", "*", run));
    if (key == V::BuildIdKey("3.0")) {
      ++to_three;
    } else {
      EXPECT_EQ(key, V::BuildIdKey("2.0"));
    }
  }
  EXPECT_GT(to_three, 50);
  EXPECT_LT(to_three, 150);
  // Redirects: a run of 2.0 goes to 4.0; 2.0's workers are told a newer build exists.
  ASSERT_TRUE(Redirect("2.0", "4.0").IsSuccess());
  EXPECT_EQ(registry_->Route("ns", "q", "=2.0", "run"), V::BuildIdKey("4.0"));
  EXPECT_EQ(registry_->PollerKey("ns", "q", "2.0").Error().Code(), errors::kNewerBuildExists);
  auto upstream = registry_->Upstream("ns", "q", "4.0");
  EXPECT_EQ(std::set<std::string>(upstream.begin(), upstream.end()),
            (std::set<std::string>{"2.0", "4.0"}));
  EXPECT_TRUE(registry_->Versioned("ns", "q"));
  EXPECT_FALSE(registry_->Versioned("ns", "other"));
}

}  // namespace
}  // namespace hdo::frontend
