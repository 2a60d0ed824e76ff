// Retention: a closed run, workflow or standalone activity, is removed once its namespace's
// retention has passed since it closed: its state, history, listing row and current-run pointer.
//
// The reference schedules a DeleteHistoryEventTask when a run closes, due at close time +
// retention + a random jitter of up to history.retentionTimerJitterDuration (30 minutes), and
// deletes the run when it fires (ignoring it if the run is running again). hdo keeps no task per
// closed run: its timer queue lives in memory, and a day's closed runs at the rates hdo serves
// would be millions of entries. Instead a sweep on the engine thread asks each namespace's
// listing rows for runs closed before now − retention (an index range per namespace division)
// and removes them through the engine (history::Engine::DeleteClosedRun), a bounded number per
// turn with a pause after each, so that requests are served between turns. Sweeps are frequent
// (5 s) so that each removes a few seconds' worth of closes, not a burst. A run is removed between
// retention and retention + the sweep interval after its close, under the retention its
// namespace has at the sweep (the reference fixes it at the close). ADR 0021.
//
// Owned by the server. Not thread-safe: every method runs on the engine thread.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "history/engine.h"
#include "hugo/result.h"
#include "persistence/namespace_store.h"
#include "persistence/visibility_store.h"
#include "worker/namespace_reclaimer.h"

namespace hdo::worker {

class RetentionSweeper {
 public:
  struct Options {
    // How often a sweep starts (the latest a run is removed after its retention, besides the
    // sweep's own time; hdo's counterpart of the reference's retention jitter).
    std::chrono::milliseconds interval = std::chrono::seconds(5);
    // Runs removed per turn of the engine thread.
    int batch = 100;
    // After each turn the sweep pauses this many times as long as the turn took, so that the
    // engine thread is the sweep's about half the time at most while a backlog is removed
    // (bench/retention: at 1, ~12,000 runs/s removed and a c=10 load beside it kept 93 % of its
    // throughput; at 0, ~13,500 runs/s and 74 %).
    double pause_ratio = 1.0;
    // The retention of a namespace whose record names none.
    std::chrono::milliseconds default_retention = std::chrono::hours(24);
    // Told after each turn that removed runs (metrics, logs); optional.
    std::function<void(const std::string& namespace_id, int64_t removed)> on_removed;
  };
  using NowMs = std::function<int64_t()>;

  RetentionSweeper(persistence::NamespaceStore* namespaces,
                   persistence::VisibilityStore* visibility, history::Engine* engine,
                   asio::any_io_executor executor, Options options, NowMs now);
  ~RetentionSweeper();
  RetentionSweeper(const RetentionSweeper&) = delete;
  RetentionSweeper& operator=(const RetentionSweeper&) = delete;

  // Arms the first sweep one interval from now (a server just started serves first).
  void Start();
  // Stops the sweeps (server shutdown); a sweep under way stops after its current turn.
  void Stop();

  // One whole sweep now, every turn in this call (tests, and the first sweep of a caller that
  // drives time itself): the number of runs removed.
  hugo::Result<int64_t> SweepNow();
  // Runs removed since the start.
  int64_t removed_total() const { return removed_total_; }
  // What removes a namespace marked DELETED, runs and all, in the sweeps' turns (outlives this;
  // before Start). Without it such namespaces are left as they are.
  void SetReclaimer(NamespaceReclaimer* reclaimer) { reclaimer_ = reclaimer; }

 private:
  // The namespaces to visit and the cutoffs, fixed when a sweep begins.
  struct Target {
    std::string namespace_id;
    int64_t close_before_ns = 0;
    bool deleted = false;  // marked DELETED: every run goes, then the namespace
  };
  hugo::Result<std::vector<Target>> Targets();
  // One turn: up to options_.batch runs of the first target; true when the target may have more.
  hugo::Result<bool> Turn(const Target& target, int64_t& removed);
  void Arm(std::chrono::milliseconds after);
  void Begin();
  void Continue();

  persistence::NamespaceStore* namespaces_;
  persistence::VisibilityStore* visibility_;
  history::Engine* engine_;
  Options options_;
  NowMs now_;
  std::unique_ptr<asio::steady_timer> timer_;
  std::vector<Target> pending_;  // the sweep under way, next target last
  bool stopped_ = true;
  int64_t removed_total_ = 0;
  NamespaceReclaimer* reclaimer_ = nullptr;
};

}  // namespace hdo::worker
