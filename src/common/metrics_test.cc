// Goal: the registry hands out one instrument per name and labels, updates from many threads are
// all counted, and Render writes exposition format 0.0.4 exactly (HELP/TYPE once per family,
// escaped values, cumulative histogram buckets). Method: a registry of the test's own, its text
// compared whole.
#include "common/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

#include "common/process_metrics.h"

namespace hdo::metrics {
namespace {

TEST(MetricsTest, TheSameNameAndLabelsGiveTheSameInstrumentWhateverTheLabelOrder) {
  Registry registry;
  Counter* a = registry.GetCounter("c_total", "help", {{"x", "1"}, {"y", "2"}});
  Counter* b = registry.GetCounter("c_total", "help", {{"y", "2"}, {"x", "1"}});
  Counter* other = registry.GetCounter("c_total", "help", {{"x", "1"}, {"y", "3"}});
  EXPECT_EQ(a, b);
  EXPECT_NE(a, other);
  EXPECT_EQ(registry.GetGauge("g", "help"), registry.GetGauge("g", "help"));
  EXPECT_EQ(registry.GetHistogram("h", "help", {1, 2}), registry.GetHistogram("h", "help", {1, 2}));
}

TEST(MetricsTest, RenderWritesEachFamilyOnceSortedByNameWithItsSeries) {
  Registry registry;
  registry.GetGauge("b_depth", "Tasks queued now.", {{"task_queue", "orders"}})->Set(2.5);
  registry.GetCounter("a_added_total", "Tasks added.", {{"task_queue", "orders"}})->Add(3);
  registry.GetCounter("a_added_total", "Tasks added.", {{"task_queue", "billing"}})->Add();
  registry.GetCounter("c_plain_total", "No labels.");
  EXPECT_EQ(registry.Render(),
            "# HELP a_added_total Tasks added.\n"
            "# TYPE a_added_total counter\n"
            "a_added_total{task_queue=\"billing\"} 1\n"
            "a_added_total{task_queue=\"orders\"} 3\n"
            "# HELP b_depth Tasks queued now.\n"
            "# TYPE b_depth gauge\n"
            "b_depth{task_queue=\"orders\"} 2.5\n"
            "# HELP c_plain_total No labels.\n"
            "# TYPE c_plain_total counter\n"
            "c_plain_total 0\n");
}

TEST(MetricsTest, LabelValuesAndHelpAreEscaped) {
  Registry registry;
  registry.GetCounter("e_total", "A \\ backslash\nand a newline.",
                      {{"path", "C:\\dir"}, {"quote", "say \"hi\"\nbye"}});
  EXPECT_EQ(registry.Render(),
            "# HELP e_total A \\\\ backslash\\nand a newline.\n"
            "# TYPE e_total counter\n"
            "e_total{path=\"C:\\\\dir\",quote=\"say \\\"hi\\\"\\nbye\"} 0\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeAndEndWithInfEqualToTheCount) {
  Registry registry;
  Histogram* histogram =
      registry.GetHistogram("wait_seconds", "Wait.", {0.25, 1, 10}, {{"outcome", "task"}});
  // A value equal to a bound counts in that bound's bucket (le: less than or equal).
  for (double value : {0.125, 0.25, 0.5, 3.0, 100.0}) histogram->Observe(value);
  EXPECT_EQ(registry.Render(),
            "# HELP wait_seconds Wait.\n"
            "# TYPE wait_seconds histogram\n"
            "wait_seconds_bucket{outcome=\"task\",le=\"0.25\"} 2\n"
            "wait_seconds_bucket{outcome=\"task\",le=\"1\"} 3\n"
            "wait_seconds_bucket{outcome=\"task\",le=\"10\"} 4\n"
            "wait_seconds_bucket{outcome=\"task\",le=\"+Inf\"} 5\n"
            "wait_seconds_sum{outcome=\"task\"} 103.875\n"
            "wait_seconds_count{outcome=\"task\"} 5\n");
}

TEST(MetricsTest, AHistogramWithoutLabelsStillLabelsItsBuckets) {
  Registry registry;
  registry.GetHistogram("h", "H.", {1})->Observe(2);
  EXPECT_EQ(registry.Render(),
            "# HELP h H.\n"
            "# TYPE h histogram\n"
            "h_bucket{le=\"1\"} 0\n"
            "h_bucket{le=\"+Inf\"} 1\n"
            "h_sum 2\n"
            "h_count 1\n");
}

TEST(MetricsTest, NumbersAreWrittenAsTheGoClientsWriteThem) {
  EXPECT_EQ(FormatValue(0.0001), "0.0001");
  EXPECT_EQ(FormatValue(0.00001), "1e-05");
  EXPECT_EQ(FormatValue(100000), "100000");
  EXPECT_EQ(FormatValue(1e6), "1e+06");
  EXPECT_EQ(FormatValue(-2.5), "-2.5");
  EXPECT_EQ(FormatValue(INFINITY), "+Inf");
  EXPECT_EQ(FormatValue(-INFINITY), "-Inf");
  EXPECT_EQ(FormatValue(NAN), "NaN");
}

TEST(MetricsTest, GaugesGoUpAndDown) {
  Registry registry;
  Gauge* gauge = registry.GetGauge("g", "G.");
  gauge->Add(3);
  gauge->Add(-1);
  EXPECT_EQ(gauge->Value(), 2);
  gauge->Set(-0.5);
  EXPECT_EQ(gauge->Value(), -0.5);
}

TEST(MetricsTest, UpdatesFromManyThreadsAreAllCounted) {
  Registry registry;
  constexpr int kThreads = 8;
  constexpr int kUpdates = 10000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&registry] {
      // Registration races too: every thread must get the same three instruments.
      Counter* counter = registry.GetCounter("n_total", "N.");
      Gauge* gauge = registry.GetGauge("g", "G.");
      Histogram* histogram = registry.GetHistogram("h", "H.", {0.5});
      for (int i = 0; i < kUpdates; ++i) {
        counter->Add();
        gauge->Add(1);
        histogram->Observe(i % 2 == 0 ? 0.25 : 1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(registry.GetCounter("n_total", "N.")->Value(), kThreads * kUpdates);
  EXPECT_EQ(registry.GetGauge("g", "G.")->Value(), kThreads * kUpdates);
  Histogram::Snapshot snapshot = registry.GetHistogram("h", "H.", {0.5})->Read();
  EXPECT_EQ(snapshot.count, uint64_t{kThreads * kUpdates});
  EXPECT_EQ(snapshot.cumulative[0], uint64_t{kThreads * kUpdates / 2});
  EXPECT_EQ(snapshot.sum, kThreads * kUpdates / 2 * 1.25);
}

TEST(MetricsTest, NaNIsCountedInTheInfBucketOnly) {
  Histogram histogram({1});
  histogram.Observe(NAN);
  Histogram::Snapshot snapshot = histogram.Read();
  EXPECT_EQ(snapshot.cumulative, (std::vector<uint64_t>{0, 1}));
  EXPECT_TRUE(std::isnan(snapshot.sum));
}

TEST(MetricsTest, LatencyBucketsRunFrom100MicrosecondsTo10SecondsIncreasing) {
  std::vector<double> buckets = LatencyBucketsSeconds();
  ASSERT_FALSE(buckets.empty());
  EXPECT_EQ(buckets.front(), 0.0001);
  EXPECT_EQ(buckets.back(), 10);
  EXPECT_TRUE(std::is_sorted(buckets.begin(), buckets.end()));
}

TEST(MetricsDeathTest, ANameRegisteredAgainWithAnotherKindOrHelpIsAProgrammingError) {
  Registry registry;
  registry.GetCounter("x_total", "X.");
  EXPECT_DEATH(registry.GetGauge("x_total", "X."), "another kind");
  EXPECT_DEATH(registry.GetCounter("x_total", "Other help."), "another help");
  registry.GetHistogram("h", "H.", {1});
  EXPECT_DEATH(registry.GetHistogram("h", "H.", {2}), "other buckets");
  EXPECT_DEATH(registry.GetCounter("bad-name", "B."), "invalid metric name");
  EXPECT_DEATH(registry.GetCounter("y_total", "Y.", {{"__reserved", "v"}}), "invalid label name");
  EXPECT_DEATH(registry.GetHistogram("h2", "H.", {1}, {{"le", "1"}}), "own the label 'le'");
}

TEST(ProcessMetricsTest, ProcStatIsReadFromAfterTheCommandNameEvenWithSpacesInIt) {
  // Fields as Linux writes them; the command name "(my (odd) prog)" holds spaces and parens.
  std::string self_stat =
      "4242 (my (odd) prog) S 1 4242 4242 0 -1 4194560 500 0 0 0 "
      "150 50 0 0 20 0 3 0 12345 104857600 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 "
      "17 1 0 0 0 0 0\n";
  std::string stat = "cpu  1 2 3\nintr 9\nbtime 1700000000\nprocesses 5\n";
  auto stats = ParseProcessStats(self_stat, stat, 100, 4096);
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->cpu_seconds, 2.0);                   // (150 + 50) ticks / 100
  EXPECT_EQ(stats->resident_bytes, 2560.0 * 4096);      // pages × page size
  EXPECT_EQ(stats->start_time_seconds, 1700000123.45);  // btime + 12345 / 100
  // Large numbers in %g style, as the Go clients write them.
  EXPECT_EQ(RenderProcessStats(*stats),
            "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
            "# TYPE process_cpu_seconds_total counter\n"
            "process_cpu_seconds_total 2\n"
            "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
            "# TYPE process_resident_memory_bytes gauge\n"
            "process_resident_memory_bytes 1.048576e+07\n"
            "# HELP process_start_time_seconds Start time of the process since unix epoch in "
            "seconds.\n"
            "# TYPE process_start_time_seconds gauge\n"
            "process_start_time_seconds 1.70000012345e+09\n");
}

TEST(ProcessMetricsTest, TextThatIsNotProcStatGivesNothing) {
  EXPECT_FALSE(ParseProcessStats("garbage", "btime 1\n", 100, 4096).has_value());
  EXPECT_FALSE(ParseProcessStats("1 (x) S 1 2 3", "btime 1\n", 100, 4096).has_value());
  EXPECT_FALSE(ParseProcessStats("1 (x) S 1 2 3", "nobtime\n", 100, 4096).has_value());
}

TEST(ProcessMetricsTest, ThisProcessHasAllThreeFamilies) {
  std::string text = RenderProcessMetrics();
  EXPECT_NE(text.find("\nprocess_cpu_seconds_total "), std::string::npos) << text;
  EXPECT_NE(text.find("\nprocess_resident_memory_bytes "), std::string::npos) << text;
  EXPECT_NE(text.find("\nprocess_start_time_seconds "), std::string::npos) << text;
}

}  // namespace
}  // namespace hdo::metrics
