#include "persistence/group_commit.h"

#include <asio/post.hpp>
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
          "Time one group commit took to commit (the fsync included).",
          metrics::LatencyBucketsSeconds())),
      commits_(metrics::DefaultRegistry().GetCounter("hdo_persistence_commits_total",
                                                     "Group commits made.")),
      commit_failures_(metrics::DefaultRegistry().GetCounter(
          "hdo_persistence_commit_failures_total",
          "Group commits that failed (every transaction of the batch was lost).")) {
  db_->SetBatchListener(this, options_.batch_max);
}

GroupCommit::~GroupCommit() {
  (void)Flush();
  db_->SetBatchListener(nullptr, 0);
}

void GroupCommit::AfterDurable(Done done) {
  if (!db_->BatchOpen()) {
    done(hugo::Ok());
    return;
  }
  waiters_.push_back(std::move(done));
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
  }
  Ended(committed);
  return committed;
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
