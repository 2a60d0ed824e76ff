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
// Owned by the server. Not thread-safe: every method runs on the store thread, which owns the
// store connection.
#pragma once

#include <asio/any_io_executor.hpp>
#include <cstdint>
#include <functional>
#include <optional>
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
  };
  struct Stats {
    int64_t batches = 0;
    int64_t transactions = 0;
    int64_t failed_batches = 0;
  };
  GroupCommit(Batcher* db, asio::any_io_executor executor, Options options);
  // Commits an open batch and detaches from the database.
  ~GroupCommit() override;
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  void AfterDurable(Done done) override;
  // Commits the open batch now and answers its waiters (no-op when none is open).
  hugo::Result<hugo::Unit> Flush();

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

  Batcher* db_;
  asio::any_io_executor executor_;
  Options options_;
  std::vector<Done> waiters_;
  uint64_t generation_ = 0;  // batches opened so far; a posted flush names the one it is for
  std::optional<hugo::Error> refusal_;
  std::function<void(const hugo::Error&)> on_lost_;
  Stats stats_;
  // Prometheus (docs/architecture/metrics.md): transactions per commit, COMMIT latency (the
  // fsync included), commits, failed commits.
  metrics::Histogram* batch_transactions_;
  metrics::Histogram* commit_seconds_;
  metrics::Counter* commits_;
  metrics::Counter* commit_failures_;
};

}  // namespace hdo::persistence
