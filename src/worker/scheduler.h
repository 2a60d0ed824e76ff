// The scheduler: hdo's schedules (WorkflowService CreateSchedule, DescribeSchedule,
// UpdateSchedule, PatchSchedule, DeleteSchedule, ListSchedules, ListScheduleMatchingTimes) and
// the system worker that takes their actions: at each time a schedule's spec names it starts the
// schedule's workflow, under the schedule's overlap policy, catch-up window, pause and action
// limit, as the reference's scheduler workflow does (service/worker/scheduler/workflow.go).
//
// Where the reference runs one workflow per schedule on its system worker, hdo keeps a schedule as
// one row of the schedule store (hdo.persistence.v1.ScheduleState), changes it on the engine
// thread and starts workflows through the engine; a timer per schedule wakes it at its next
// time, and the engine tells it when a workflow it started closes
// (Engine::Options::on_scheduled_run_closed), which moves buffered starts along. The store row is
// the truth: every change reads it, changes it and writes it back (compare-and-set on the
// conflict token) in the engine thread's group commit, so replies wait for its commit like the
// engine's. After a crash a restart finds the rows; an action whose start was committed but not
// recorded is started again under the same workflow id and refused as a duplicate
// (REJECT_DUPLICATE, the reference's guard).
//
// Owned by the server. Not thread-safe: every method runs on the engine thread.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "hdo/persistence/v1/schedule.pb.h"
#include "history/engine.h"
#include "hugo/result.h"
#include "persistence/schedule_store.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"
#include "visibility/search_attributes.h"
#include "worker/key_timers.h"
#include "worker/schedule_spec.h"

namespace hdo::worker {

class Scheduler {
 public:
  // The reference's tweakables (workflow.go CurrentTweakablePolicies) where they apply.
  struct Options {
    std::chrono::milliseconds default_catchup_window = std::chrono::hours(365 * 24);
    std::chrono::milliseconds min_catchup_window = std::chrono::seconds(10);
    int future_action_count = 10;
    int recent_action_count = 10;
    int future_action_count_for_list = 5;
    int recent_action_count_for_list = 5;
    int max_buffer_size = 1000;
    // Buffered starts a wake-up takes from ongoing backfills, and how soon it wakes again while
    // an ALLOW_ALL backfill goes on (reference: BackfillsPerIteration, its 1 s).
    int backfills_per_iteration = 10;
    std::chrono::milliseconds backfill_wakeup = std::chrono::seconds(1);
    int max_list_matching_times = 1000;
    // A schedule that is not paused and can take no more scheduled actions is removed this long
    // after its last event (reference: RetentionTime); zero keeps it.
    std::chrono::milliseconds retention = std::chrono::hours(7 * 24);
    int list_page_size_default = 1000;
    // Rounds of starting buffered actions per wake-up (each round starts what the overlap policy
    // lets start).
    int buffer_rounds_max = 100;
    // The search attributes a namespace defines (validation of the schedule's and its action's,
    // ListSchedules' query); unset: the system and predefined ones only.
    std::function<hugo::Result<std::shared_ptr<const visibility::SearchAttributeSet>>(
        const std::string& namespace_id)>
        search_attributes;
  };
  using NowMs = std::function<int64_t()>;

  Scheduler(persistence::ScheduleStore* store, history::Engine* engine,
            asio::any_io_executor executor, Options options, NowMs now);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Reads every schedule, checks the workflows they saw running, takes what came due while the
  // server was down (within each catch-up window) and arms their timers. Returns how many.
  hugo::Result<int> Recover();
  // Stops every timer (server shutdown).
  void Stop();

  // --- the WorkflowService calls; `namespace_id` is resolved, the request's namespace is its
  // name.
  hugo::Result<temporal::api::workflowservice::v1::CreateScheduleResponse> Create(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::CreateScheduleRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::DescribeScheduleResponse> Describe(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::DescribeScheduleRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::UpdateScheduleResponse> Update(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::UpdateScheduleRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::PatchScheduleResponse> Patch(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::PatchScheduleRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::DeleteScheduleResponse> Delete(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::DeleteScheduleRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::ListSchedulesResponse> List(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::ListSchedulesRequest& request);
  // The schedules ListSchedules would list for the query (no GROUP BY: the schedules' filter
  // refuses it with InvalidArgument).
  hugo::Result<temporal::api::workflowservice::v1::CountSchedulesResponse> Count(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::CountSchedulesRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::ListScheduleMatchingTimesResponse> MatchingTimes(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::ListScheduleMatchingTimesRequest& request);

  // The engine's hook: a workflow a schedule started closed (handled in a job of its own).
  void OnRunClosed(const history::Engine::ScheduledRunClosed& closed);

  // Wakes the schedules whose time has come by the scheduler's clock now, as their Asio timers
  // do on their own; with a clock that is not the wall clock (tests) the caller drives time.
  void FireDue();
  // Schedules with an armed timer (tests and metrics).
  size_t ArmedCount() const { return timers_.size(); }

 private:
  using Key = std::pair<std::string, std::string>;  // namespace id, schedule id
  struct Loaded {
    persistence::ScheduleRecord record;
    persistence::v1::ScheduleState state;
  };
  struct TimeRange {
    std::optional<int64_t> next_wakeup_ms;
    int64_t last_handled_ms = 0;
    bool limited = false;  // stopped after `limit` starts; last_handled_ms is the last one
  };

  hugo::Result<Loaded> Load(const std::string& namespace_id, const std::string& schedule_id);
  hugo::Result<hugo::Unit> Save(Loaded& loaded);
  // Takes the actions that came due and starts what the buffer lets start, then saves and arms
  // the schedule's timer.
  hugo::Result<hugo::Unit> Advance(Loaded& loaded);
  // Wakes a schedule (its timer, a run closing): loads, advances, saves. Errors are logged.
  void Wake(const Key& key);
  void Arm(const Key& key, std::optional<int64_t> at_ms);

  // reference: processTimeRange.
  TimeRange ProcessTimeRange(persistence::v1::ScheduleState& state, const CompiledSpec& spec,
                             const std::string& seed, int64_t start_ms, int64_t end_ms,
                             temporal::api::enums::v1::ScheduleOverlapPolicy overlap, bool manual,
                             int* limit = nullptr);
  // reference: processBackfills. True when an ALLOW_ALL backfill is left for the next wake-up.
  bool ProcessBackfills(persistence::v1::ScheduleState& state, const CompiledSpec& spec,
                        const std::string& seed);
  // reference: processBuffer; true when another round may start more.
  bool ProcessBuffer(Loaded& loaded);
  // Drops the running workflows that are no longer running (the engine's view).
  void RefreshRunning(const std::string& namespace_id, persistence::v1::ScheduleState& state);
  hugo::Result<temporal::api::schedule::v1::ScheduleActionResult> StartWorkflow(
      const Loaded& loaded, const persistence::v1::BufferedStart& start);
  // Triggers and backfills join the buffer (backfills a part per wake-up); pause and unpause.
  void ApplyPatch(persistence::v1::ScheduleState& state,
                  const temporal::api::schedule::v1::SchedulePatch& patch);
  void RecordClose(persistence::v1::ScheduleState& state,
                   const history::Engine::ScheduledRunClosed& closed);

  std::vector<int64_t> FutureActionTimes(const persistence::v1::ScheduleState& state,
                                         const CompiledSpec& spec, const std::string& seed,
                                         int count) const;
  int64_t CatchupWindowMs(const persistence::v1::ScheduleState& state) const;
  std::optional<int64_t> RetentionExpiry(const persistence::v1::ScheduleState& state,
                                         std::optional<int64_t> next_wakeup,
                                         bool allow_all_backfill_left) const;
  void AddListEntry(const std::string& namespace_id, const std::string& schedule_id,
                    const persistence::v1::ScheduleState& state,
                    temporal::api::schedule::v1::ScheduleListEntry* entry);
  hugo::Result<std::shared_ptr<const visibility::SearchAttributeSet>> SearchAttributesOf(
      const std::string& namespace_id) const;
  // The schedule's and its action's search attributes, as a start validates them.
  hugo::Result<hugo::Unit> ValidateSearchAttributes(
      const std::string& namespace_id, const std::string& namespace_name,
      const temporal::api::schedule::v1::Schedule& schedule,
      const temporal::api::common::v1::SearchAttributes* own) const;
  static std::string JitterSeed(const Key& key) { return key.first + "-" + key.second; }
  static std::string Identity(const Loaded& loaded);
  template <class Request>
  static Request TargetOf(const Loaded& loaded,
                          const temporal::api::common::v1::WorkflowExecution& execution,
                          const std::string& reason);

  persistence::ScheduleStore* store_;
  history::Engine* engine_;
  asio::any_io_executor executor_;
  Options options_;
  NowMs now_;
  KeyTimers timers_;
};

}  // namespace hdo::worker
