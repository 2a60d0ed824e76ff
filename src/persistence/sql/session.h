// The store thread's session with a production engine (PostgreSQL, MySQL/MariaDB): transactions
// over one Connection, each committed alone or, under group commit (persistence/batching.h),
// inside an open batch as a savepoint, and the shard fence checked at the start of every
// transaction or batch so that a server that lost its shards can never commit again.
//
// On PostgreSQL an error inside a transaction aborts all of it, so every write that may fail runs
// through InTransaction (its own savepoint in a batch); a failure that the savepoint cannot
// contain (a lost connection, a fence that fails) loses the batch (BatchListener::BatchLost).
//
// Owned by the server; not thread-safe (the store thread's).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "hugo/result.h"
#include "persistence/batching.h"
#include "persistence/sql/connection.h"

namespace hdo::persistence::sql {

class Session final : public persistence::Batcher {
 public:
  using Fence = std::function<hugo::Result<hugo::Unit>(Connection&)>;
  static constexpr int kAttempts = 3;
  // Definitely not committed, with nothing else lost: kErrorRetryable, or kErrorConnectionLost
  // with commit_state "not_committed".
  static bool Retryable(const hugo::Error& error);

  explicit Session(std::unique_ptr<Connection> connection) : connection_(std::move(connection)) {}
  ~Session() override;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // The connection, for statements of the current transaction (it opens a savepoint still
  // pending).
  Connection& connection();
  // Connection::ExecuteBatch in the current transaction; a pending savepoint goes in the same
  // round trip (put in front of `statements` for the call; they are as given on return).
  hugo::Result<std::vector<int64_t>> ExecuteBatch(std::vector<Statement>& statements);
  Engine engine() const { return connection_->engine(); }

  // Runs after every BEGIN, in the transaction: its failure fails the transaction (nothing is
  // written) or, in a batch, loses the batch.
  void SetFence(Fence fence) { fence_ = std::move(fence); }

  // Runs `body` in a transaction: committed when it succeeds, rolled back when it fails (its error
  // is returned). In a batch: a savepoint, released or rolled back to; committed by CommitBatch.
  // A transaction already open on the connection (no batching) takes `body` as a savepoint too,
  // so InTransaction nests. `body` may run again: a transaction of its own that certainly did not
  // commit (deadlock, serialization failure, connection lost before COMMIT) is retried, up to
  // kAttempts in all, and so is the BEGIN of a batch; a batch that loses transactions is not
  // (its owner reloads, persistence/group_commit.h).
  hugo::Result<hugo::Unit> InTransaction(const std::function<hugo::Result<hugo::Unit>()>& body);

  void SetBatchListener(BatchListener* listener, int batch_max) override;
  bool BatchOpen() const override { return batch_open_; }
  int BatchTransactions() const override { return batch_transactions_; }
  hugo::Result<hugo::Unit> CommitBatch() override;

 private:
  hugo::Result<hugo::Unit> Begin();
  hugo::Result<hugo::Unit> InSavepoint(const std::function<hugo::Result<hugo::Unit>()>& body);
  void OpenPendingSavepoint();
  hugo::Result<hugo::Unit> InBatch(const std::function<hugo::Result<hugo::Unit>()>& body);
  // The batch ended without a commit (rolled back by the engine or by us).
  void LoseBatch(const hugo::Error& error);

  std::unique_ptr<Connection> connection_;
  Fence fence_;
  // InSavepoint's SAVEPOINT, not sent yet; and the error of sending it.
  bool savepoint_pending_ = false;
  std::optional<hugo::Error> savepoint_error_;
  BatchListener* batch_listener_ = nullptr;
  int batch_max_ = 0;
  bool batch_open_ = false;
  int batch_transactions_ = 0;
};

}  // namespace hdo::persistence::sql
