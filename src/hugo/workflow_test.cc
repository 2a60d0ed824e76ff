// Goal: WorkflowExecutionContext validates its identity, keeps a Lamport clock and a replay count,
// completes exactly once, and produces Hugo's visibility record and workflow.* metrics; the
// diagnostics registry holds Hugo's exact instrument names and units. Method: FakeClock, threads
// for the completion race, the registry read back.
#include "hugo/workflow.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

namespace hugo {
namespace {

WorkflowIdentity Identity(std::string run_id) {
  return WorkflowIdentity{"default", "order-1", std::move(run_id), "orders", " ", "nightly"};
}

TEST(WorkflowContextTest, BlankIdsAndNegativeCountersAreValidationErrors) {
  auto clock = std::make_shared<FakeClock>();
  EXPECT_EQ(WorkflowExecutionContext::Create({"ns", "", "r", "q"}, clock).Error().Code(),
            "error.validation");
  EXPECT_EQ(WorkflowExecutionContext::Create(Identity("r"), clock, {.metadata = {{" ", "x"}}})
                .Error()
                .Code(),
            "error.validation");
  EXPECT_EQ(
      WorkflowExecutionContext::Create(Identity("r"), clock, {.replay_count = -1}).Error().Code(),
      "error.validation");
}

TEST(WorkflowContextTest, TheLogicalClockTicksObservesAndResets) {
  auto ctx = WorkflowExecutionContext::Create(Identity("r"), std::make_shared<FakeClock>(),
                                              {.initial_logical_clock = 5})
                 .Value();
  EXPECT_EQ(ctx->Tick(), 6);
  EXPECT_EQ(ctx->Observe(3), 7);
  EXPECT_EQ(ctx->Observe(20), 21);
  EXPECT_EQ(ctx->ResetLogicalClock(-1).Error().Code(), "error.validation");
  ASSERT_TRUE(ctx->ResetLogicalClock(2).IsSuccess());
  EXPECT_EQ(ctx->LogicalClock(), 2);
  EXPECT_EQ(ctx->IncrementReplayCount(), 1);
}

TEST(WorkflowContextTest, ConcurrentTicksAreNeverLost) {
  auto ctx = WorkflowExecutionContext::Create(Identity("r"), std::make_shared<FakeClock>()).Value();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) ctx->Tick();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ctx->LogicalClock(), 4000);
}

TEST(WorkflowContextTest, CompletionHappensOnceAndTheLoserDoesNotTick) {
  auto clock = std::make_shared<FakeClock>();
  auto ctx = WorkflowExecutionContext::Create(Identity("race"), clock).Value();
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      if (ctx->Complete(WorkflowStatus::kCompleted).IsSuccess()) wins.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(ctx->LogicalClock(), 1);
  EXPECT_EQ(ctx->Complete(WorkflowStatus::kFailed).Error().Code(), "error.validation");
}

TEST(WorkflowContextTest, AFailedCompletionProducesHugosVisibilityRecordAndMetrics) {
  auto clock = std::make_shared<FakeClock>();
  auto ctx = WorkflowExecutionContext::Create(Identity("run-9"), clock,
                                              {.metadata = {{"workflow.customer_id", "c-7"}}})
                 .Value();
  ctx->MarkStarted();
  ctx->MarkStarted();
  clock->Advance(std::chrono::milliseconds(250));
  auto record = ctx->Complete(WorkflowStatus::kFailed, Error::From("boom", "app.boom"),
                              {{"workflow.step", "charge"}, {"", "skipped"}})
                    .Value();
  EXPECT_EQ(record.status, WorkflowStatus::kFailed);
  EXPECT_FALSE(record.identity.schedule_id.has_value());  // blank became null
  EXPECT_EQ(record.attributes.at("error.code"), "app.boom");
  EXPECT_EQ(record.attributes.at("workflow.customer_id"), "c-7");
  EXPECT_EQ(record.attributes.at("workflow.step"), "charge");
  EXPECT_EQ(record.attributes.count(""), 0u);
  EXPECT_EQ(record.logical_clock, 2);  // start tick + completion tick
  nlohmann::json json = record.ToJson();
  EXPECT_EQ(json["status"], "Failed");
  EXPECT_EQ(json["workflow_id"], "order-1");
  EXPECT_TRUE(json["schedule_id"].is_null());
  EXPECT_EQ(json["schedule_group"], "nightly");
  EXPECT_TRUE(json["completed_at"].is_string());

  Tags tags{{"workflow.namespace", "default"},
            {"workflow.id", "order-1"},
            {"workflow.run_id", "run-9"},
            {"workflow.task_queue", "orders"},
            {"workflow.schedule_group", "nightly"}};
  Diagnostics& d = Diagnostics::Instance();
  EXPECT_EQ(d.SumOf("workflow.started", tags), 1);
  EXPECT_EQ(d.SumOf("workflow.active", tags), 0);
  Tags failed = tags;
  failed["workflow.status"] = "failed";
  EXPECT_EQ(d.SumOf("workflow.failed", failed), 1);
  EXPECT_EQ(d.SumOf("workflow.duration", failed), 250);
}

TEST(WorkflowContextTest, AttachErrorAddsTheWorkflowMetadata) {
  auto ctx = WorkflowExecutionContext::Create(Identity("r"), std::make_shared<FakeClock>(),
                                              {.metadata = {{"tenant", "acme"}}})
                 .Value();
  Error e = ctx->AttachError(Error::From("x"));
  EXPECT_EQ(e.TryGetMetadata<std::string>("workflow.run_id"), "r");
  EXPECT_EQ(e.TryGetMetadata<std::string>("workflow.metadata.tenant"), "acme");
  EXPECT_EQ(e.TryGetMetadata<std::string>("workflow.schedule_group"), "nightly");
  EXPECT_FALSE(e.TryGetMetadata("workflow.schedule_id").has_value());
}

TEST(DiagnosticsTest, TheRegistryHoldsHugosInstrumentNamesAndUnits) {
  EXPECT_EQ(kMeterName, "Hugo.Go");
  EXPECT_EQ(kTelemetrySchemaUrl, "https://opentelemetry.io/schemas/1.27.0");
  std::set<std::string_view> names;
  for (const auto& i : kInstruments) EXPECT_TRUE(names.insert(i.name).second) << i.name;
  auto find = [](std::string_view name) {
    for (const auto& i : kInstruments) {
      if (i.name == name) return i;
    }
    return InstrumentDescriptor{"", InstrumentKind::kCounter, "", false};
  };
  EXPECT_EQ(find("channel.select.latency").unit, "ms");
  EXPECT_EQ(find("channel.select.latency").kind, InstrumentKind::kHistogram);
  EXPECT_EQ(find("taskqueue.pending").kind, InstrumentKind::kUpDownCounter);
  EXPECT_EQ(find("hugo.taskqueue.backpressure.transitions").unit, "events");
  EXPECT_EQ(find("workflow.logical.clock").unit, "ticks");
  EXPECT_EQ(find("waitgroup.outstanding").unit, "tasks");
}

TEST(DiagnosticsTest, ResultCreationIsCountedAsSuccessesAndFailures) {
  Diagnostics& d = Diagnostics::Instance();
  double successes = d.SumOf("result.successes");
  double failures = d.SumOf("result.failures");
  Result<int> ok = Ok(1);
  Result<int> failed = Error::Canceled();
  Result<int> copy = failed;  // copies are not creations
  std::thread([] { (void)Result<int>::Fail(Error::Timeout()); }).join();
  EXPECT_EQ(d.SumOf("result.successes"), successes + 1);
  EXPECT_EQ(d.SumOf("result.failures"), failures + 2);
  EXPECT_TRUE(ok.IsSuccess() && copy.IsFailure());
}

TEST(DiagnosticsTest, SeriesAreKeptPerTagSetAndHistogramsTrackCountSumMinMax) {
  Diagnostics& d = Diagnostics::Instance();
  Tags a{{"taskqueue.name", "diag-a"}};
  Tags b{{"taskqueue.name", "diag-b"}};
  d.Get("taskqueue.enqueued", a).Add(2);
  d.Get("taskqueue.enqueued", b).Add(5);
  Series& h = d.Get("taskqueue.lease.duration", a);
  h.Record(3);
  h.Record(1);
  h.Record(8);
  EXPECT_EQ(d.SumOf("taskqueue.enqueued", a), 2);
  EXPECT_EQ(d.SumOf("taskqueue.enqueued", b), 5);
  EXPECT_EQ(d.CountOf("taskqueue.lease.duration", a), 3);
  EXPECT_EQ(h.Min(), 1);
  EXPECT_EQ(h.Max(), 8);
  EXPECT_EQ(h.Sum(), 12);
  d.Get("no.such.instrument").Add(1);
  bool found_unknown = false;
  for (const auto& s : d.Collect()) found_unknown |= s.instrument.name == "hugo.unknown";
  EXPECT_TRUE(found_unknown);
}

TEST(DiagnosticsTest, TagSetsThatSpellTheSameCharactersAreStillDistinctSeriesCollectedInOrder) {
  Diagnostics& d = Diagnostics::Instance();
  constexpr std::string_view kInstrument = "taskqueue.enqueued";
  // The same characters in one order, split differently between names and values.
  const std::vector<Tags> sets = {{{"diag.k", "1:x"}},
                                  {{"diag.k1", ":x"}},
                                  {{"diag.k", "1"}, {"x", ""}},
                                  {{"diag.k", ""}, {"1x", ""}}};
  for (size_t i = 0; i < sets.size(); ++i)
    d.Get(kInstrument, sets[i]).Add(static_cast<double>(i + 1));
  for (size_t i = 0; i < sets.size(); ++i) {
    EXPECT_EQ(d.SumOf(kInstrument, sets[i]), static_cast<double>(i + 1)) << i;
  }
  std::vector<Tags> collected;
  for (const auto& s : d.Collect()) {
    if (s.instrument.name == kInstrument &&
        (s.tags.count("diag.k") + s.tags.count("diag.k1")) > 0) {
      collected.push_back(s.tags);
    }
  }
  std::vector<Tags> sorted = sets;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(collected, sorted);  // an instrument's series in the order of their tag sets
}

TEST(DiagnosticsTest, AnInstrumentKeepsAtMostTheCardinalityLimitAndTheRestShareTheOverflow) {
  Diagnostics& d = Diagnostics::Instance();
  constexpr std::string_view kInstrument = "taskqueue.replication.events";
  auto series_of = [&] {
    std::vector<SeriesSnapshot> out;
    for (auto& s : d.Collect()) {
      if (s.instrument.name == kInstrument) out.push_back(std::move(s));
    }
    return out;
  };
  const size_t before = series_of().size();
  ASSERT_LT(before, Diagnostics::kCardinalityLimit - 1);
  const size_t extra = 500;
  const size_t distinct = Diagnostics::kCardinalityLimit - 1 - before + extra;
  for (size_t i = 0; i < distinct; ++i) {
    d.Get(kInstrument, {{"test.series", "cardinality-" + std::to_string(i)}}).Add(1);
  }
  // A tag set seen before the limit keeps its own series.
  d.Get(kInstrument, {{"test.series", "cardinality-0"}}).Add(1);
  EXPECT_EQ(d.SumOf(kInstrument, {{"test.series", "cardinality-0"}}), 2);

  std::vector<SeriesSnapshot> series = series_of();
  EXPECT_EQ(series.size(), Diagnostics::kCardinalityLimit);
  const Tags overflow{{std::string(Diagnostics::kOverflowTag), "true"}};
  EXPECT_EQ(d.SumOf(kInstrument, overflow), static_cast<double>(extra));
  EXPECT_EQ(d.SumOf(kInstrument, {{"test.series", "cardinality-" + std::to_string(distinct - 1)}}),
            0);
  double total = 0;
  for (const SeriesSnapshot& s : series) {
    if (s.tags.count("test.series") > 0 || s.tags == overflow) total += s.sum;
  }
  EXPECT_EQ(total, static_cast<double>(distinct + 1));  // nothing recorded is lost
}

}  // namespace
}  // namespace hugo
