#include "persistence/group_commit.h"

#include <algorithm>
#include <asio/execution/outstanding_work.hpp>
#include <asio/post.hpp>
#include <asio/prefer.hpp>
#include <chrono>
#include <utility>

#include "common/error_codes.h"

namespace hdo::persistence {

GroupCommit::GroupCommit(Batcher* db, asio::any_io_executor executor, Options options)
    : db_(db),
      executor_(std::move(executor)),
      options_(options),
      batch_transactions_(metrics::DefaultRegistry().GetHistogram(
          "hdo_persistence_commit_batch_transactions",
          "Transactions that shared one store commit (group commit).",
          {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024})),
      commit_seconds_(metrics::DefaultRegistry().GetHistogram(
          "hdo_persistence_commit_latency_seconds",
          "Time one group commit took on the store thread (the fsync included, unless the sync "
          "thread makes it: hdo_persistence_sync_latency_seconds).",
          metrics::LatencyBucketsSeconds())),
      commits_(metrics::DefaultRegistry().GetCounter("hdo_persistence_commits_total",
                                                     "Group commits made.")),
      commit_failures_(metrics::DefaultRegistry().GetCounter(
          "hdo_persistence_commit_failures_total",
          "Group commits that failed (every transaction of the batch was lost).")),
      sync_seconds_(metrics::DefaultRegistry().GetHistogram(
          "hdo_persistence_sync_latency_seconds",
          "Time one sync of the written group commits took on the sync thread.",
          metrics::LatencyBucketsSeconds())),
      sync_batches_(metrics::DefaultRegistry().GetHistogram(
          "hdo_persistence_sync_batches", "Group commits that one sync on the sync thread covered.",
          {1, 2, 4, 8, 16, 32, 64})) {
  db_->SetBatchListener(this, options_.batch_max);
  if (options_.sync_thread && db_->SplitCommits(true)) {
    sync_thread_ = std::thread([this] { SyncLoop(); });
  }
}

GroupCommit::~GroupCommit() {
  (void)Flush();
  if (sync_thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(sync_mutex_);
      sync_stop_ = true;
    }
    sync_wanted_.notify_one();
    sync_thread_.join();
    // What the thread did not sync (or whose result the stopped executor did not run) is synced
    // here.
    if (written_ > synced_) {
      auto synced = db_->SyncCommitted();
      for (Unsynced& batch : unsynced_) Answer(batch.waiters, synced);
      unsynced_.clear();
    }
    sync_work_.reset();
    db_->SplitCommits(false);
  }
  db_->SetBatchListener(nullptr, 0);
}

void GroupCommit::AfterDurable(Done done) {
  if (db_->BatchOpen()) {
    waiters_.push_back(std::move(done));
  } else if (!unsynced_.empty()) {
    // What this reply read may be a written batch the sync thread has yet to sync.
    unsynced_.back().waiters.push_back(std::move(done));
  } else {
    done(hugo::Ok());
  }
}

hugo::Result<hugo::Unit> GroupCommit::Flush() {
  if (!db_->BatchOpen()) return hugo::Ok();
  int transactions = db_->BatchTransactions();
  auto started = std::chrono::steady_clock::now();
  auto committed = db_->CommitBatch();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (committed.IsSuccess()) {
    ++stats_.batches;
    stats_.transactions += transactions;
    commits_->Add();
    batch_transactions_->Observe(transactions);
    commit_seconds_->Observe(seconds);
    if (SyncsApart()) {
      unsynced_.push_back(Unsynced{++written_, std::move(waiters_)});
      waiters_.clear();
      {
        std::lock_guard<std::mutex> lock(sync_mutex_);
        sync_requested_ = written_;
        // Work on the executor until the result is posted: an executor that runs out of work
        // (a joined thread pool) would otherwise stop with these waiters unanswered.
        if (!sync_work_.has_value()) {
          sync_work_.emplace(asio::prefer(executor_, asio::execution::outstanding_work.tracked));
        }
      }
      sync_wanted_.notify_one();
      return committed;
    }
  }
  Ended(committed);
  return committed;
}

void GroupCommit::SyncLoop() {
  uint64_t taken = 0;
  for (;;) {
    uint64_t target = 0;
    {
      std::unique_lock<std::mutex> lock(sync_mutex_);
      sync_wanted_.wait(lock, [&] { return sync_stop_ || sync_requested_ > taken; });
      if (sync_stop_) return;  // the destructor syncs what is left
      target = sync_requested_;
    }
    auto started = std::chrono::steady_clock::now();
    auto synced = db_->SyncCommitted();
    sync_seconds_->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    sync_batches_->Observe(static_cast<double>(target - taken));
    taken = target;
    std::optional<asio::any_io_executor> work;
    {
      std::lock_guard<std::mutex> lock(sync_mutex_);
      if (sync_requested_ == taken) work = std::exchange(sync_work_, std::nullopt);
    }
    asio::post(executor_, [this, target, synced = std::move(synced)] { Synced(target, synced); });
  }
}

void GroupCommit::Synced(uint64_t written, const hugo::Result<hugo::Unit>& synced) {
  ++stats_.syncs;
  synced_ = std::max(synced_, written);
  while (!unsynced_.empty() && unsynced_.front().batch <= written) {
    std::vector<Done> waiters = std::move(unsynced_.front().waiters);
    unsynced_.pop_front();
    Answer(waiters, synced);
  }
  if (synced.IsFailure()) {
    commit_failures_->Add();
    if (on_sync_failed_) on_sync_failed_(synced.Error());
  }
}

void GroupCommit::Answer(std::vector<Done>& waiters, const hugo::Result<hugo::Unit>& outcome) {
  if (outcome.IsSuccess()) {
    for (Done& done : waiters) done(hugo::Ok());
    return;
  }
  hugo::Error lost =
      hugo::Error::From("the store did not confirm the commit (" + outcome.Error().Message() +
                            "); this request may or may not have taken effect, retry it",
                        errors::kUnavailable);
  for (Done& done : waiters) done(lost);
}

void GroupCommit::BatchOpened() {
  uint64_t generation = ++generation_;
  asio::post(executor_, [this, generation] {
    if (generation == generation_) (void)Flush();
  });
}

hugo::Result<hugo::Unit> GroupCommit::BatchFull() { return Flush(); }

void GroupCommit::BatchLost(const hugo::Error& error) { Ended(error); }

hugo::Result<hugo::Unit> GroupCommit::Refusal() {
  if (refusal_.has_value()) return *refusal_;
  return hugo::Ok();
}

void GroupCommit::Ended(const hugo::Result<hugo::Unit>& committed) {
  std::vector<Done> waiters = std::move(waiters_);
  waiters_.clear();
  if (committed.IsSuccess()) {
    for (Done& done : waiters) done(hugo::Ok());
    return;
  }
  ++stats_.failed_batches;
  commit_failures_->Add();
  // A commit that certainly failed kept nothing; one whose outcome is unknown (the connection
  // broke during COMMIT) may have kept everything: the reply says which, and a retry of the same
  // request is deduplicated either way (request ids).
  const bool unknown =
      committed.Error().TryGetMetadata<std::string>("commit_state").value_or("") == "unknown";
  hugo::Error lost = hugo::Error::From(
      unknown ? "the store did not confirm the commit (" + committed.Error().Message() +
                    "); this request may or may not have taken effect, retry it"
              : "the store could not commit (" + committed.Error().Message() +
                    "); nothing of this request was kept, retry it",
      errors::kUnavailable);
  refusal_ = hugo::Error::From(
      "the store is reloading after a failed commit (" + committed.Error().Message() + ")",
      errors::kUnavailable);
  for (Done& done : waiters) done(lost);
  if (on_lost_) {
    asio::post(executor_, [this, error = committed.Error()] { on_lost_(error); });
  } else {
    Resume();
  }
}

}  // namespace hdo::persistence
