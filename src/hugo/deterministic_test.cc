// Goal: VersionGate, DeterministicEffectStore and DeterministicGate record once and replay after,
// with Hugo's keys, record shapes and error codes, on both the in-memory and the SQLite store;
// concurrent first captures run an effect once (Hugo's bug §6.3). Method: real stores (a SQLite
// file in the test temp dir), a FakeClock, threads for the race.
#include "hugo/deterministic.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "hugo/deterministic_sqlite.h"

namespace hugo {
namespace {

using nlohmann::json;

class DeterministicTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      path_ = ::testing::TempDir() + "hugo_deterministic_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db";
      std::replace(path_.begin(), path_.end(), '/', '_');
      path_ = ::testing::TempDir() + std::filesystem::path(path_).filename().string();
      std::filesystem::remove(path_);
      store_ = SqliteDeterministicStateStore::Open(path_).Value();
    } else {
      store_ = std::make_shared<InMemoryDeterministicStateStore>();
    }
    gate_ = DeterministicGate::CreateDefault(store_, clock_);
  }
  void TearDown() override {
    gate_.reset();
    store_.reset();
    if (!path_.empty()) std::filesystem::remove(path_);
  }

  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  std::shared_ptr<DeterministicStateStore> store_;
  std::shared_ptr<DeterministicGate> gate_;
  std::string path_;
};

TEST_P(DeterministicTest, AVersionIsDecidedOnceAndRecordedUnderTheChangeId) {
  VersionGate& versions = gate_->Versions();
  auto first = versions.Require("checkout-v2", 1, 3).Value();
  EXPECT_EQ(first.version, 3);  // defaults to max
  EXPECT_TRUE(first.is_new);
  auto again = versions.Require("checkout-v2", 1, 5, [](std::string_view) { return 5; }).Value();
  EXPECT_EQ(again.version, 3);
  EXPECT_FALSE(again.is_new);
  auto record = store_->TryGet("checkout-v2").Value();
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->kind, "hugo.version");
  EXPECT_EQ(record->version, 3);
  EXPECT_EQ(json::parse(record->payload), json::parse(R"({"version":3})"));
}

TEST_P(DeterministicTest, VersionGateRejectsBadRangesWithHugosCodes) {
  VersionGate& versions = gate_->Versions();
  EXPECT_EQ(versions.Require("x", 3, 1).Error().Code(), "error.validation");
  EXPECT_EQ(versions.Require("  ", 1, 1).Error().Code(), "error.validation");
  auto out_of_range = versions.Require("y", 1, 2, [](std::string_view) { return 9; });
  EXPECT_EQ(out_of_range.Error().Code(), "error.version.conflict");
  EXPECT_EQ(out_of_range.Error().TryGetMetadata<int64_t>("initialVersion"), 9);
  ASSERT_TRUE(versions.Require("z", 1, 4).IsSuccess());
  auto persisted = versions.Require("z", 5, 6);
  EXPECT_EQ(persisted.Error().Code(), "error.version.conflict");
  EXPECT_EQ(persisted.Error().TryGetMetadata<int64_t>("persistedVersion"), 4);
  auto thrown = versions.Require(
      "w", 1, 2, [](std::string_view) -> int32_t { throw std::runtime_error("provider"); });
  EXPECT_EQ(thrown.Error().Code(), "error.exception");
  EXPECT_EQ(thrown.Error().TryGetMetadata<std::string>("changeId"), "w");
}

TEST_P(DeterministicTest, AnEffectRunsOnceAndReplaysItsValue) {
  int runs = 0;
  auto effect = [&] {
    ++runs;
    return int64_t{42};
  };
  EXPECT_EQ(gate_->Effects().Capture<int64_t>("charge::1", effect).Value(), 42);
  EXPECT_EQ(gate_->Effects().Capture<int64_t>("charge::1", effect).Value(), 42);
  EXPECT_EQ(runs, 1);
  auto record = store_->TryGet("charge::1").Value();
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->kind, "hugo.effect");
  EXPECT_EQ(record->version, 0);
  json envelope = json::parse(record->payload);
  EXPECT_EQ(envelope["isSuccess"], true);
  EXPECT_EQ(envelope["typeName"], "int64");
  EXPECT_EQ(envelope["serializedValue"], Base64Encode("42"));
  EXPECT_TRUE(envelope["error"].is_null());
  EXPECT_TRUE(ParseIso8601(envelope["recordedAt"].get<std::string>()).has_value());
}

TEST_P(DeterministicTest, AFailedEffectReplaysAsTheSameFailureButCancellationIsNotStored) {
  int runs = 0;
  auto failing = [&]() -> Result<std::string> {
    ++runs;
    return Error::From("card declined", "payments.declined");
  };
  EXPECT_EQ(gate_->Effects().Capture<std::string>("pay", failing).Error().Code(),
            "payments.declined");
  EXPECT_EQ(gate_->Effects().Capture<std::string>("pay", failing).Error().Message(),
            "card declined");
  EXPECT_EQ(runs, 1);
  auto canceled = [&]() -> Result<std::string> {
    ++runs;
    return Error::Canceled();
  };
  EXPECT_EQ(gate_->Effects().Capture<std::string>("c", canceled).Error().Code(), "error.canceled");
  EXPECT_FALSE(gate_->Effects().Contains("c").Value());
}

TEST_P(DeterministicTest, ReplayWithAnotherTypeIsAReplayError) {
  ASSERT_TRUE(gate_->Effects().Capture<int64_t>("e", [] { return int64_t{1}; }).IsSuccess());
  auto wrong = gate_->Effects().Capture<std::string>("e", [] { return std::string("x"); });
  EXPECT_EQ(wrong.Error().Code(), "error.deterministic.replay");
  EXPECT_EQ(wrong.Error().TryGetMetadata<std::string>("storedType"), "int64");
  EXPECT_EQ(wrong.Error().TryGetMetadata<std::string>("requestedType"), "string");
  ASSERT_TRUE(gate_->Versions().Require("v", 1, 1).IsSuccess());
  EXPECT_EQ(gate_->Effects().Capture<int64_t>("v", [] { return int64_t{1}; }).Error().Code(),
            "error.deterministic.replay");
}

TEST_P(DeterministicTest, ConcurrentFirstCapturesRunTheEffectOnce) {
  std::atomic<int> runs{0};
  std::vector<std::thread> threads;
  std::vector<int64_t> values(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      values[i] = gate_->Effects()
                      .Capture<int64_t>("once", [&] { return int64_t{runs.fetch_add(1) + 100}; })
                      .Value();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(runs.load(), 1);
  for (int64_t v : values) EXPECT_EQ(v, 100);
}

TEST_P(DeterministicTest, TheWorkflowBuilderRunsTheMatchingBranchOnceWithStepCaptures) {
  int branch_runs = 0, step_runs = 0;
  auto run = [&] {
    return gate_->Workflow<std::string>("  order-42 ", 1, 2)
        .ForVersion(1, [&](DeterministicWorkflowContext&) { return Ok(std::string("legacy")); })
        .ForVersion(2,
                    [&](DeterministicWorkflowContext& ctx) -> Result<std::string> {
                      ++branch_runs;
                      auto step = ctx.Capture<int64_t>("reserve", [&] {
                        ++step_runs;
                        return int64_t{7};
                      });
                      if (step.IsFailure()) return step.Error();
                      EXPECT_EQ(ctx.CreateEffectId("reserve").Value(), "order-42::v2::reserve");
                      return Ok("v2:" + std::to_string(step.Value()));
                    })
        .Execute();
  };
  EXPECT_EQ(run().Value(), "v2:7");
  EXPECT_EQ(run().Value(), "v2:7");
  EXPECT_EQ(branch_runs, 1);
  EXPECT_EQ(step_runs, 1);
  EXPECT_TRUE(gate_->Effects().Contains("order-42::v2").Value());
  EXPECT_TRUE(gate_->Effects().Contains("order-42::v2::reserve").Value());
}

TEST_P(DeterministicTest, TheWorkflowBuilderValidatesItsShapeAndReportsUnmatchedVersions) {
  auto builder = [&](int32_t lo, int32_t hi) { return gate_->Workflow<int64_t>("wf", lo, hi); };
  EXPECT_EQ(builder(VersionGate::kDefaultVersion, 1).Execute().Error().Code(), "error.validation");
  EXPECT_EQ(builder(2, 1).Execute().Error().Code(), "error.validation");
  auto out_of_range = builder(1, 2).ForVersion(3, [](auto&) { return Ok(int64_t{1}); });
  EXPECT_EQ(out_of_range.Execute().Error().Code(), "error.validation");
  auto unmatched = builder(1, 2).ForVersion(1, [](auto&) { return Ok(int64_t{1}); });
  auto r = unmatched.Execute();
  EXPECT_EQ(r.Error().Code(), "error.version.conflict");
  EXPECT_EQ(r.Error().TryGetMetadata<int64_t>("version"), 2);
  auto fallback = builder(1, 2).WithFallback([](auto&) { return Ok(int64_t{9}); });
  EXPECT_EQ(fallback.Execute().Value(), 9);
}

TEST_P(DeterministicTest, ExecuteRunsUpgradedAtMaxAndLegacyBelow) {
  ASSERT_TRUE(gate_->Versions().Require("feature", 1, 1).IsSuccess());  // recorded as 1
  auto upgraded = [](const VersionDecision&) { return std::string("new"); };
  auto legacy = [](const VersionDecision&) { return std::string("old"); };
  EXPECT_EQ((gate_->Execute<std::string>("feature", 1, 2, upgraded, legacy).Value()), "old");
  EXPECT_EQ((gate_->Execute<std::string>("fresh", 1, 2, upgraded, legacy).Value()), "new");
}

INSTANTIATE_TEST_SUITE_P(Stores, DeterministicTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? "Sqlite" : "InMemory";
                         });

TEST(DeterministicStoreTest, BadKeysAreValidationErrors) {
  InMemoryDeterministicStateStore store;
  DeterministicRecord record{"hugo.effect", 0, "{}", {}};
  EXPECT_EQ(store.TryAdd(" ", record).Error().Code(), "error.validation");
  EXPECT_EQ(store.Set(std::string(300, 'k'), record).Error().Code(), "error.validation");
  record.kind = "";
  EXPECT_EQ(store.TryAdd("k", record).Error().Code(), "error.validation");
  EXPECT_EQ(SqliteDeterministicStateStore::Open(":memory:", "bad name;").Error().Code(),
            "error.validation");
}

TEST(DeterministicStoreTest, SqliteTryAddIsInsertIfAbsentAndRoundTripsRecords) {
  auto store = SqliteDeterministicStateStore::Open(":memory:").Value();
  DeterministicRecord a{"hugo.version", 2, std::string("\0{\"version\":2}", 14),
                        Clock::WallTime(std::chrono::seconds(1'700'000'000))};
  EXPECT_TRUE(store->TryAdd("k", a).Value());
  DeterministicRecord b = a;
  b.version = 3;
  EXPECT_FALSE(store->TryAdd("k", b).Value());
  EXPECT_EQ(store->TryGet("k").Value(), a);
  ASSERT_TRUE(store->Set("k", b).IsSuccess());
  EXPECT_EQ(store->TryGet("k").Value()->version, 3);
}

TEST(DeterministicStoreTest, TimestampsAndBase64RoundTrip) {
  Clock::WallTime t(std::chrono::microseconds(1'764'170'591'123'456));
  std::string text = FormatIso8601(t);
  EXPECT_EQ(text, "2025-11-26T15:23:11.1234560+00:00");
  EXPECT_EQ(ParseIso8601(text), t);
  EXPECT_EQ(ParseIso8601("2025-11-26T16:23:11.123456+01:00"), t);
  EXPECT_FALSE(ParseIso8601("yesterday").has_value());
  for (std::string s :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(Base64Decode(Base64Encode(s)), s);
  }
  EXPECT_EQ(Base64Encode("42"), "NDI=");
  EXPECT_FALSE(Base64Decode("***=").has_value());
}

}  // namespace
}  // namespace hugo
