// Goal: task queue configurations keep the reference's contract: its validation and words, a
// rate limit update replaces that rate limit (without a rate: unsets it, naming who did and why),
// fairness weight overrides merge, an empty update answers what is set, every change is told to
// matching, and everything reads back after a restart. Method: the registry on a real, migrated
// SQLite file and a settable clock.
#include "frontend/task_queue_configs.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "persistence/sqlite/keyed_rows.h"
#include "persistence/sqlite/test_database.h"

namespace hdo::frontend {
namespace {

namespace enums = temporal::api::enums::v1;
namespace wf = temporal::api::workflowservice::v1;

struct Change {
  std::string namespace_id;
  std::string queue;
  enums::TaskQueueType type;
  std::optional<double> rate;
};

class TaskQueueConfigsTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    registry_.reset();
    store_ =
        std::make_unique<persistence::KeyedTaskQueueConfigStore<persistence::sqlite::KeyedRows>>(
            &file_.db());
    TaskQueueConfigs::Options options;
    options.now = [this] { return now_; };
    options.fairness_weight_overrides_max = 3;
    options.rate_changed = [this](const std::string& namespace_id, const std::string& queue,
                                  enums::TaskQueueType type, std::optional<double> rate) {
      changes_.push_back({namespace_id, queue, type, rate});
    };
    registry_ = std::make_unique<TaskQueueConfigs>(store_.get(), std::move(options));
    auto loaded = registry_->Load();
    ASSERT_TRUE(loaded.IsSuccess()) << loaded.Error().ToString();
  }

  static wf::UpdateTaskQueueConfigRequest Request(
      enums::TaskQueueType type = enums::TASK_QUEUE_TYPE_ACTIVITY) {
    wf::UpdateTaskQueueConfigRequest request;
    request.set_namespace_("default");
    request.set_task_queue("orders");
    request.set_task_queue_type(type);
    request.set_identity("operator");
    return request;
  }

  static void SetRate(wf::UpdateTaskQueueConfigRequest& request, float rate,
                      const std::string& reason) {
    request.mutable_update_queue_rate_limit()->mutable_rate_limit()->set_requests_per_second(rate);
    request.mutable_update_queue_rate_limit()->set_reason(reason);
  }

  static std::string Refusal(const wf::UpdateTaskQueueConfigRequest& request) {
    auto valid = ValidateUpdateTaskQueueConfig(request);
    return valid.IsFailure() ? valid.Error().Message() : "accepted";
  }

  persistence::sqlite::TestDatabase file_{"hdo-task-queue-configs"};
  std::unique_ptr<persistence::TaskQueueConfigStore> store_;
  std::unique_ptr<TaskQueueConfigs> registry_;
  std::chrono::system_clock::time_point now_{std::chrono::seconds(1'800'000'000)};
  std::vector<Change> changes_;
};

TEST_F(TaskQueueConfigsTest, ARateLimitIsSetWithWhoWhenAndWhyAndToldToMatching) {
  auto request = Request();
  SetRate(request, 2.5f, "slow down");
  auto updated = registry_->Update("ns-1", request);
  ASSERT_TRUE(updated.IsSuccess()) << updated.Error().Message();
  const auto& limit = updated.Value().queue_rate_limit();
  EXPECT_FLOAT_EQ(limit.rate_limit().requests_per_second(), 2.5f);
  EXPECT_EQ(limit.metadata().reason(), "slow down");
  EXPECT_EQ(limit.metadata().update_identity(), "operator");
  EXPECT_EQ(limit.metadata().update_time().seconds(), 1'800'000'000);
  EXPECT_FALSE(updated.Value().has_fairness_keys_rate_limit_default());
  ASSERT_EQ(changes_.size(), 1u);
  EXPECT_EQ(changes_[0].queue, "orders");
  EXPECT_EQ(changes_[0].type, enums::TASK_QUEUE_TYPE_ACTIVITY);
  EXPECT_EQ(changes_[0].rate, 2.5);
  EXPECT_EQ(registry_->QueueRateLimit("ns-1", "orders", enums::TASK_QUEUE_TYPE_ACTIVITY), 2.5);
  // Per type and per namespace.
  EXPECT_EQ(registry_->Get("ns-1", "orders", enums::TASK_QUEUE_TYPE_NEXUS), nullptr);
  EXPECT_EQ(registry_->Get("ns-2", "orders", enums::TASK_QUEUE_TYPE_ACTIVITY), nullptr);
}

TEST_F(TaskQueueConfigsTest, AnUpdateWithoutARateUnsetsItAndKeepsTheOtherSettings) {
  auto request = Request();
  SetRate(request, 4, "first");
  request.mutable_update_fairness_key_rate_limit_default()
      ->mutable_rate_limit()
      ->set_requests_per_second(7);
  ASSERT_TRUE(registry_->Update("ns-1", request).IsSuccess());
  now_ += std::chrono::seconds(10);
  auto unset = Request();
  unset.set_identity("someone-else");
  unset.mutable_update_queue_rate_limit()->set_reason("back to normal");
  auto updated = registry_->Update("ns-1", unset);
  ASSERT_TRUE(updated.IsSuccess());
  EXPECT_FALSE(updated.Value().queue_rate_limit().has_rate_limit());
  EXPECT_EQ(updated.Value().queue_rate_limit().metadata().reason(), "back to normal");
  EXPECT_EQ(updated.Value().queue_rate_limit().metadata().update_identity(), "someone-else");
  EXPECT_EQ(updated.Value().queue_rate_limit().metadata().update_time().seconds(), 1'800'000'010);
  EXPECT_FLOAT_EQ(
      updated.Value().fairness_keys_rate_limit_default().rate_limit().requests_per_second(), 7);
  ASSERT_EQ(changes_.size(), 2u);
  EXPECT_FALSE(changes_[1].rate.has_value());
  EXPECT_FALSE(registry_->QueueRateLimit("ns-1", "orders", enums::TASK_QUEUE_TYPE_ACTIVITY));
}

TEST_F(TaskQueueConfigsTest, AnEmptyUpdateAnswersWhatIsSetAndWritesNothing) {
  auto none = registry_->Update("ns-1", Request());
  ASSERT_TRUE(none.IsSuccess());
  EXPECT_EQ(none.Value().ByteSizeLong(), 0u);
  EXPECT_EQ(registry_->Get("ns-1", "orders", enums::TASK_QUEUE_TYPE_ACTIVITY), nullptr);
  auto request = Request();
  SetRate(request, 1, "");
  ASSERT_TRUE(registry_->Update("ns-1", request).IsSuccess());
  auto same = registry_->Update("ns-1", Request());
  ASSERT_TRUE(same.IsSuccess());
  EXPECT_FLOAT_EQ(same.Value().queue_rate_limit().rate_limit().requests_per_second(), 1);
  EXPECT_EQ(changes_.size(), 1u);
}

TEST_F(TaskQueueConfigsTest, FairnessWeightOverridesMergeUpToTheLimit) {
  auto request = Request();
  (*request.mutable_set_fairness_weight_overrides())["gold"] = 3;
  (*request.mutable_set_fairness_weight_overrides())["silver"] = 2;
  ASSERT_TRUE(registry_->Update("ns-1", request).IsSuccess());
  auto next = Request();
  (*next.mutable_set_fairness_weight_overrides())["bronze"] = 0.5;
  next.add_unset_fairness_weight_overrides("silver");
  auto merged = registry_->Update("ns-1", next);
  ASSERT_TRUE(merged.IsSuccess());
  const auto& overrides = merged.Value().fairness_weight_overrides();
  EXPECT_EQ(overrides.size(), 2u);
  EXPECT_FLOAT_EQ(overrides.at("gold"), 3);
  EXPECT_FLOAT_EQ(overrides.at("bronze"), 0.5);
  auto too_many = Request();
  (*too_many.mutable_set_fairness_weight_overrides())["a"] = 1;
  (*too_many.mutable_set_fairness_weight_overrides())["b"] = 1;
  auto refused = registry_->Update("ns-1", too_many);
  ASSERT_TRUE(refused.IsFailure());
  EXPECT_EQ(refused.Error().Message(),
            "fairness weight overrides update rejected: exceeding maximum key size");
  // Refused: nothing changed.
  EXPECT_EQ(registry_->Get("ns-1", "orders", enums::TASK_QUEUE_TYPE_ACTIVITY)
                ->fairness_weight_overrides()
                .size(),
            2u);
}

TEST_F(TaskQueueConfigsTest, ConfigurationsReadBackAfterARestart) {
  auto request = Request();
  SetRate(request, 3, "kept");
  ASSERT_TRUE(registry_->Update("ns-1", request).IsSuccess());
  auto nexus = Request(enums::TASK_QUEUE_TYPE_NEXUS);
  nexus.set_task_queue("with/slash");
  SetRate(nexus, 9, "");
  ASSERT_TRUE(registry_->Update("ns-1", nexus).IsSuccess());
  SetRate(request, 5, "again");  // an update of a stored row (compare-and-set)
  ASSERT_TRUE(registry_->Update("ns-1", request).IsSuccess());
  changes_.clear();
  Open();
  EXPECT_EQ(registry_->QueueRateLimit("ns-1", "orders", enums::TASK_QUEUE_TYPE_ACTIVITY), 5);
  EXPECT_EQ(registry_->QueueRateLimit("ns-1", "with/slash", enums::TASK_QUEUE_TYPE_NEXUS), 9);
  EXPECT_EQ(registry_->Get("ns-1", "orders", enums::TASK_QUEUE_TYPE_ACTIVITY)
                ->queue_rate_limit()
                .metadata()
                .reason(),
            "again");
  // Matching hears of every stored rate at startup.
  EXPECT_EQ(changes_.size(), 2u);
}

TEST_F(TaskQueueConfigsTest, BadRequestsAreRefusedInTheReferencesWords) {
  auto workflow = Request(enums::TASK_QUEUE_TYPE_WORKFLOW);
  SetRate(workflow, 1, "");
  EXPECT_EQ(Refusal(workflow), "Setting rate limit on workflow task queues is not allowed.");
  auto workflow_fairness = Request(enums::TASK_QUEUE_TYPE_WORKFLOW);
  workflow_fairness.mutable_update_fairness_key_rate_limit_default()->mutable_rate_limit();
  EXPECT_EQ(Refusal(workflow_fairness),
            "Setting fairness key rate limit on workflow task queues is not allowed.");
  // Unsetting on a workflow queue is allowed (the reference checks the rate only).
  auto workflow_unset = Request(enums::TASK_QUEUE_TYPE_WORKFLOW);
  workflow_unset.mutable_update_queue_rate_limit()->set_reason("none");
  EXPECT_EQ(Refusal(workflow_unset), "accepted");
  auto negative = Request();
  SetRate(negative, -1, "");
  EXPECT_EQ(Refusal(negative),
            "RequestsPerSecond for UpdateQueueRateLimit rate limit must be non-negative.");
  auto long_reason = Request();
  SetRate(long_reason, 1, std::string(1001, 'r'));
  EXPECT_EQ(Refusal(long_reason),
            "UpdateQueueRateLimit.Reason field too long (max 1000 characters).");
  auto long_identity = Request();
  long_identity.set_identity(std::string(1001, 'i'));
  EXPECT_EQ(Refusal(long_identity), "Identity field too long (max 1000 characters).");
  auto empty_key = Request();
  (*empty_key.mutable_set_fairness_weight_overrides())[""] = 1;
  EXPECT_EQ(Refusal(empty_key), "fairness weight override key must not be empty");
  auto zero_weight = Request();
  (*zero_weight.mutable_set_fairness_weight_overrides())["k"] = 0;
  EXPECT_EQ(Refusal(zero_weight),
            "invalid fairness weight weight for key \"k\": must be greater than zero");
  auto long_key = Request();
  long_key.add_unset_fairness_weight_overrides(std::string(65, 'k'));
  EXPECT_EQ(Refusal(long_key), "fairness key length exceeds limit");
  auto both = Request();
  (*both.mutable_set_fairness_weight_overrides())["k"] = 1;
  both.add_unset_fairness_weight_overrides("k");
  EXPECT_EQ(Refusal(both),
            "fairness weight override key \"k\" present in both set and unset lists");
  auto no_queue = Request();
  no_queue.clear_task_queue();
  EXPECT_EQ(Refusal(no_queue), "TaskQueue is not set on request.");
  auto no_type = Request(enums::TASK_QUEUE_TYPE_UNSPECIFIED);
  EXPECT_EQ(Refusal(no_type),
            "TaskQueueType is not set on request: it is one of workflow, activity or nexus.");
  auto system = Request();
  system.set_task_queue("/_sys/orders/1");
  EXPECT_EQ(Refusal(system), "task queue family name cannot have prefix /_sys/ /_sys/orders/1");
}

}  // namespace
}  // namespace hdo::frontend
