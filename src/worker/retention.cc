#include "worker/retention.h"

#include <algorithm>
#include <utility>

#include "common/log.h"
#include "common/metrics.h"
#include "history/time_util.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"
#include "visibility/search_attributes.h"

namespace hdo::worker {
namespace {

// A sweep that could not read the store is tried again after this long.
constexpr std::chrono::seconds kRetryAfterFailure{10};

metrics::Counter& RemovedRuns() {
  static metrics::Counter* removed = metrics::DefaultRegistry().GetCounter(
      "hdo_retention_removed_runs_total",
      "Closed runs (workflows and standalone activities) removed after their namespace's "
      "retention.");
  return *removed;
}

}  // namespace

RetentionSweeper::RetentionSweeper(persistence::NamespaceStore* namespaces,
                                   persistence::VisibilityStore* visibility,
                                   history::Engine* engine, asio::any_io_executor executor,
                                   Options options, NowMs now)
    : namespaces_(namespaces),
      visibility_(visibility),
      engine_(engine),
      options_(std::move(options)),
      now_(std::move(now)),
      timer_(std::make_unique<asio::steady_timer>(std::move(executor))) {
  options_.batch = std::max(1, options_.batch);
}

RetentionSweeper::~RetentionSweeper() { Stop(); }

void RetentionSweeper::Start() {
  stopped_ = false;
  Arm(options_.interval);
}

void RetentionSweeper::Stop() {
  stopped_ = true;
  pending_.clear();
  timer_->cancel();
}

void RetentionSweeper::Arm(std::chrono::milliseconds after) {
  if (stopped_) return;
  timer_->expires_after(after);
  timer_->async_wait([this](const std::error_code& error) {
    if (!error && !stopped_) Begin();
  });
}

hugo::Result<std::vector<RetentionSweeper::Target>> RetentionSweeper::Targets() {
  const int64_t now_ms = now_();
  std::vector<Target> targets;
  std::string token;
  do {
    auto page = namespaces_->ListNamespaces(100, token);
    if (page.IsFailure()) return page.Error();
    for (const persistence::NamespaceRecord& record : page.Value().namespaces) {
      int64_t retention_ms = options_.default_retention.count();
      temporal::api::workflowservice::v1::DescribeNamespaceResponse described;
      if (described.ParseFromString(record.data) &&
          described.config().has_workflow_execution_retention_ttl()) {
        retention_ms = history::ToMillis(described.config().workflow_execution_retention_ttl());
      }
      const bool deleted =
          described.namespace_info().state() == temporal::api::enums::v1::NAMESPACE_STATE_DELETED;
      targets.push_back({record.id, (now_ms - retention_ms) * 1'000'000, deleted});
    }
    token = page.Value().next_page_token;
  } while (!token.empty());
  // Taken from the back.
  std::reverse(targets.begin(), targets.end());
  return hugo::Ok(std::move(targets));
}

hugo::Result<bool> RetentionSweeper::Turn(const Target& target, int64_t& removed) {
  if (target.deleted) {
    if (reclaimer_ == nullptr) return hugo::Ok(false);
    int64_t removed_now = 0;
    auto gone = reclaimer_->Turn(target.namespace_id, options_.batch, removed_now);
    if (gone.IsFailure()) return gone.Error();
    removed += removed_now;
    removed_total_ += removed_now;
    if (removed_now > 0) {
      RemovedRuns().Add(removed_now);
      if (options_.on_removed) options_.on_removed(target.namespace_id, removed_now);
    }
    if (gone.Value())
      log::Info("deleted namespace removed", {{"namespace_id", target.namespace_id}});
    return hugo::Ok(!gone.Value());
  }
  auto runs =
      visibility_->ListClosedBefore(target.namespace_id, target.close_before_ns, options_.batch);
  if (runs.IsFailure()) return runs.Error();
  int64_t removed_now = 0;
  for (const persistence::ClosedRun& run : runs.Value()) {
    // A standalone activity's or Nexus operation's row lists its own id; its run is keyed in
    // its own id space.
    std::string workflow_id = run.workflow_id;
    if (run.division == visibility::kStandaloneActivityDivision) {
      workflow_id = history::Engine::StandaloneActivityKey(run.workflow_id);
    } else if (run.division == visibility::kStandaloneNexusDivision) {
      workflow_id = history::Engine::StandaloneNexusKey(run.workflow_id);
    }
    auto deleted = engine_->DeleteClosedRun({target.namespace_id, workflow_id, run.run_id});
    if (deleted.IsFailure()) return deleted.Error();
    if (deleted.Value()) ++removed_now;
  }
  removed += removed_now;
  removed_total_ += removed_now;
  if (removed_now > 0) {
    RemovedRuns().Add(removed_now);
    if (options_.on_removed) options_.on_removed(target.namespace_id, removed_now);
  }
  // A full batch may have more behind it; one with runs left in place (running, or in a
  // transition) would list them again, so the namespace waits for the next sweep.
  return hugo::Ok(static_cast<int>(runs.Value().size()) == options_.batch &&
                  removed_now == static_cast<int64_t>(runs.Value().size()));
}

hugo::Result<int64_t> RetentionSweeper::SweepNow() {
  auto targets = Targets();
  if (targets.IsFailure()) return targets.Error();
  int64_t removed = 0;
  for (auto it = targets.Value().rbegin(); it != targets.Value().rend(); ++it) {
    while (true) {
      auto more = Turn(*it, removed);
      if (more.IsFailure()) return more.Error();
      if (!more.Value()) break;
    }
  }
  return hugo::Ok(removed);
}

void RetentionSweeper::Begin() {
  auto targets = Targets();
  if (targets.IsFailure()) {
    log::Warn("retention: cannot list the namespaces; trying again",
              {{"error", targets.Error().Message()}});
    Arm(kRetryAfterFailure);
    return;
  }
  pending_ = std::move(targets).Value();
  Continue();
}

void RetentionSweeper::Continue() {
  if (stopped_) return;
  if (pending_.empty()) {
    Arm(options_.interval);
    return;
  }
  int64_t removed = 0;
  const auto turn_began = std::chrono::steady_clock::now();
  auto more = Turn(pending_.back(), removed);
  const auto turn_took = std::chrono::steady_clock::now() - turn_began;
  if (more.IsFailure()) {
    log::Warn("retention: a sweep failed; trying again",
              {{"namespace_id", pending_.back().namespace_id}, {"error", more.Error().Message()}});
    pending_.clear();
    Arm(kRetryAfterFailure);
    return;
  }
  if (removed > 0) {
    log::Debug("retention: closed runs removed",
               {{"namespace_id", pending_.back().namespace_id}, {"runs", removed}});
  }
  if (!more.Value()) pending_.pop_back();
  // The engine thread is the sweep's at most half the time: the next turn after a pause as long
  // as this one took, so that requests queued meanwhile, and those that come, are served first.
  timer_->expires_after(
      std::chrono::duration_cast<std::chrono::microseconds>(turn_took * options_.pause_ratio));
  timer_->async_wait([this](const std::error_code& error) {
    if (!error && !stopped_) Continue();
  });
}

}  // namespace hdo::worker
