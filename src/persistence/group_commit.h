// Group commit: the transactions of many concurrent requests share one store transaction and
// one commit (one fsync), and their replies wait for it (DESIGN.md §3). The store side is a
// Batcher (batching.h): sqlite::Database for the embedded store, sql::Session for PostgreSQL and
// MySQL/MariaDB.
//
// How it batches: the first transaction after a commit opens a batch (the store then runs each
// transaction in a savepoint of it) and posts a flush to the store thread's
// executor. Every request already queued on that executor runs before the flush, so a batch
// holds what arrived while the previous commit was being made: one transaction when the server
// is idle (no added latency), hundreds under load. A batch is also committed early when it holds
// Options::batch_max transactions. Replies registered through AfterDurable while a batch is open
// are sent after its commit.
//
// A commit that fails (or a batch SQLite rolled back on its own) loses every transaction of the
// batch, which the engine had already applied to its in-memory state: the waiters are answered
// Unavailable, transactions are refused until the owner has reloaded that state from the store
// (SetOnLost's callback, posted to the executor), and Resume() lets them in again.
//
// The sync thread: where the store can split a commit into its write and its sync (the embedded
// SQLite store, Batcher::SplitCommits), the store thread only writes each batch and goes on with
// the next requests while a thread of its own fsyncs. One sync covers every batch written before
// it started, so while one runs the next batches gather behind it; replies wait for the sync that
// covers their batch (and a reply registered after a commit, whose read may have seen that
// commit, for the sync that covers it). A failed sync answers its waiters Unavailable (their
// outcome unknown) and calls SetOnSyncFailed's callback: after a failed fsync nothing says what
// the file holds, so the server exits and a restart recovers what is durable.
//
// Owned by the server. Not thread-safe: every method runs on the store thread, which owns the
// store connection; the sync thread only calls Batcher::SyncCommitted and posts its result back.
// Destroy it after the executor's work is done (a posted flush or sync result refers to it).
#pragma once

#include <asio/any_io_executor.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/metrics.h"
#include "persistence/batching.h"
#include "persistence/durability.h"

namespace hdo::persistence {

class GroupCommit final : public Durability, private BatchListener {
 public:
  struct Options {
    // Transactions in one batch at most.
    int batch_max = 1000;
    // Sync on a thread of its own where the store can split its commits (false: every commit
    // syncs on the store thread, for comparison).
    bool sync_thread = true;
  };
  struct Stats {
    int64_t batches = 0;
    int64_t transactions = 0;
    int64_t failed_batches = 0;
    int64_t syncs = 0;  // on the sync thread
  };
  GroupCommit(Batcher* db, asio::any_io_executor executor, Options options);
  // Commits an open batch and detaches from the database.
  ~GroupCommit() override;
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  void AfterDurable(Done done) override;
  // Commits the open batch now and answers its waiters (no-op when none is open); with the sync
  // thread, they are answered once its sync is done.
  hugo::Result<hugo::Unit> Flush();
  // Whether commits are synced on the sync thread.
  bool SyncsApart() const { return sync_thread_.joinable(); }
  // A failed sync on the sync thread (its waiters are answered Unavailable first).
  void SetOnSyncFailed(std::function<void(const hugo::Error&)> on_sync_failed) {
    on_sync_failed_ = std::move(on_sync_failed);
  }

  void SetOnLost(std::function<void(const hugo::Error&)> on_lost) { on_lost_ = std::move(on_lost); }
  // Transactions are accepted again after a lost batch.
  void Resume() { refusal_.reset(); }
  // True between a lost batch and Resume(): the owner is reloading its state from the store.
  bool Refusing() const { return refusal_.has_value(); }
  const Stats& stats() const { return stats_; }

 private:
  void BatchOpened() override;
  hugo::Result<hugo::Unit> BatchFull() override;
  void BatchLost(const hugo::Error& error) override;
  hugo::Result<hugo::Unit> Refusal() override;
  // Answers the waiters of the batch just ended; on failure refuses transactions and posts the
  // owner's reload.
  void Ended(const hugo::Result<hugo::Unit>& committed);
  // Sync thread: waits for written batches, syncs them, posts Synced.
  void SyncLoop();
  // Store thread: the sync that covered batches up to `written` ended.
  void Synced(uint64_t written, const hugo::Result<hugo::Unit>& synced);
  // Answers `waiters` with the outcome of their batch's commit or sync.
  void Answer(std::vector<Done>& waiters, const hugo::Result<hugo::Unit>& outcome);

  Batcher* db_;
  asio::any_io_executor executor_;
  Options options_;
  std::vector<Done> waiters_;
  uint64_t generation_ = 0;  // batches opened so far; a posted flush names the one it is for
  std::optional<hugo::Error> refusal_;
  std::function<void(const hugo::Error&)> on_lost_;
  std::function<void(const hugo::Error&)> on_sync_failed_;
  Stats stats_;
  // Sync thread. Store thread only: batches written (numbered from 1), the newest whose sync
  // ended, and the waiters of written batches not yet synced, oldest first.
  uint64_t written_ = 0;
  uint64_t synced_ = 0;
  struct Unsynced {
    uint64_t batch;
    std::vector<Done> waiters;
  };
  std::deque<Unsynced> unsynced_;
  // Shared with the sync thread, under sync_mutex_: the newest batch written, and (while one is
  // asked for) work counted on the executor, so that it is not left idle with a sync to answer.
  std::mutex sync_mutex_;
  std::condition_variable sync_wanted_;
  uint64_t sync_requested_ = 0;
  std::optional<asio::any_io_executor> sync_work_;
  bool sync_stop_ = false;
  std::thread sync_thread_;
  // Prometheus (docs/architecture/metrics.md): transactions per commit, COMMIT latency (the
  // fsync included), commits, failed commits.
  metrics::Histogram* batch_transactions_;
  metrics::Histogram* commit_seconds_;
  metrics::Counter* commits_;
  metrics::Counter* commit_failures_;
  metrics::Histogram* sync_seconds_;
  metrics::Histogram* sync_batches_;
};

}  // namespace hdo::persistence
