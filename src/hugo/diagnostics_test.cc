// Goal: RenderPrometheus turns Hugo's instruments into the Prometheus text format as
// OpenTelemetry's exporters name them, so that a scrape of a worker reads workflow.* the way a
// scrape of any OpenTelemetry-instrumented process would. Method: snapshots built by hand
// (exact text expected), and the process registry rendered after a recording.
#include "hugo/diagnostics.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hugo {
namespace {

InstrumentDescriptor Instrument(std::string_view name) {
  for (const InstrumentDescriptor& d : kInstruments) {
    if (d.name == name) return d;
  }
  ADD_FAILURE() << "no instrument " << name;
  return {};
}

TEST(DiagnosticsPrometheusTest,
     CountersGaugesAndHistogramsAreNamedAsOpenTelemetryExportersNameThem) {
  std::vector<SeriesSnapshot> snapshot{
      {Instrument("workflow.completed"),
       {{"workflow.id", "order-1"}, {"workflow.status", "completed"}},
       3,
       0,
       0,
       0},
      {Instrument("workflow.completed"), {{"workflow.id", "order-2"}}, 1, 0, 0, 0},
      {Instrument("workflow.active"), {{"workflow.id", "order-2"}}, -1, 0, 0, 0},
      {Instrument("workflow.duration"), {}, 12.5, 2, 2.5, 10},
      {Instrument("channel.select.attempts"), {}, 7, 0, 0, 0},
  };
  EXPECT_EQ(RenderPrometheus(snapshot),
            "# HELP workflow_completed_workflows_total Hugo instrument workflow.completed "
            "(workflows)\n"
            "# TYPE workflow_completed_workflows_total counter\n"
            "workflow_completed_workflows_total{workflow_id=\"order-1\",workflow_status="
            "\"completed\"} 3\n"
            "workflow_completed_workflows_total{workflow_id=\"order-2\"} 1\n"
            "# HELP workflow_active_workflows Hugo instrument workflow.active (workflows)\n"
            "# TYPE workflow_active_workflows gauge\n"
            "workflow_active_workflows{workflow_id=\"order-2\"} -1\n"
            "# HELP workflow_duration_milliseconds Hugo instrument workflow.duration (ms)\n"
            "# TYPE workflow_duration_milliseconds summary\n"
            "workflow_duration_milliseconds_sum 12.5\n"
            "workflow_duration_milliseconds_count 2\n"
            "# HELP channel_select_attempts_operations_total Hugo instrument "
            "channel.select.attempts (operations)\n"
            "# TYPE channel_select_attempts_operations_total counter\n"
            "channel_select_attempts_operations_total 7\n");
}

TEST(DiagnosticsPrometheusTest, LabelValuesAreEscapedAndTagNamesSanitized) {
  std::vector<SeriesSnapshot> snapshot{
      {Instrument("taskqueue.enqueued"),
       {{"taskqueue.name", "a\"b\\c\nd"}, {"9lives..x", "v"}, {"otel.metric.overflow", "true"}},
       1,
       0,
       0,
       0},
  };
  const std::string text = RenderPrometheus(snapshot);
  EXPECT_NE(text.find("taskqueue_enqueued_items_total{_9lives_x=\"v\",otel_metric_overflow="
                      "\"true\",taskqueue_name=\"a\\\"b\\\\c\\nd\"} 1\n"),
            std::string::npos)
      << text;
}

TEST(DiagnosticsPrometheusTest, SeriesOfOneFamilyStayTogetherWhateverTheSnapshotOrder) {
  std::vector<SeriesSnapshot> snapshot{
      {Instrument("workflow.started"), {{"workflow.id", "a"}}, 1, 0, 0, 0},
      {Instrument("workflow.failed"), {{"workflow.id", "a"}}, 1, 0, 0, 0},
      {Instrument("workflow.started"), {{"workflow.id", "b"}}, 1, 0, 0, 0},
  };
  EXPECT_EQ(RenderPrometheus(snapshot),
            "# HELP workflow_started_workflows_total Hugo instrument workflow.started "
            "(workflows)\n"
            "# TYPE workflow_started_workflows_total counter\n"
            "workflow_started_workflows_total{workflow_id=\"a\"} 1\n"
            "workflow_started_workflows_total{workflow_id=\"b\"} 1\n"
            "# HELP workflow_failed_workflows_total Hugo instrument workflow.failed (workflows)\n"
            "# TYPE workflow_failed_workflows_total counter\n"
            "workflow_failed_workflows_total{workflow_id=\"a\"} 1\n");
}

TEST(DiagnosticsPrometheusTest, TheProcessRegistryRendersWhatWasRecorded) {
  Diagnostics& d = Diagnostics::Instance();
  d.Get("workflow.logical.clock", {{"workflow.id", "render-test"}}).Record(4);
  d.Get("workflow.logical.clock", {{"workflow.id", "render-test"}}).Record(6);
  const std::string text = RenderPrometheus(d.Collect());
  EXPECT_NE(text.find("workflow_logical_clock_ticks_sum{workflow_id=\"render-test\"} 10\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("workflow_logical_clock_ticks_count{workflow_id=\"render-test\"} 2\n"),
            std::string::npos)
      << text;
  // Hugo's result counters are always collected.
  EXPECT_NE(text.find("# TYPE result_successes_events_total counter\n"), std::string::npos);
}

}  // namespace
}  // namespace hugo
