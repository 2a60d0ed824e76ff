// The store side of group commit (group_commit.h owns the policy): a store connection that can
// run many transactions inside one open batch (each in a savepoint) and commit them together.
// Implemented by sqlite::Database and sql::Session.
//
// Not thread-safe: the store thread owns the connection and calls everything here, except
// SyncCommitted.
#pragma once

#include "hugo/result.h"

namespace hdo::persistence {

class BatchListener {
 public:
  virtual ~BatchListener() = default;
  // A batch was opened; commit it soon.
  virtual void BatchOpened() = 0;
  // The open batch holds batch_max transactions: commit it now, before the next one (which
  // fails with the commit's error when it fails).
  virtual hugo::Result<hugo::Unit> BatchFull() = 0;
  // The engine rolled the whole open batch back on its own (an I/O error, a full disk, a lost
  // connection, a lost shard): every transaction of it is lost.
  virtual void BatchLost(const hugo::Error& error) = 0;
  // An error refuses the next transaction (nothing is written).
  virtual hugo::Result<hugo::Unit> Refusal() = 0;
};

class Batcher {
 public:
  virtual ~Batcher() = default;
  // From now on transactions run in the open batch (nullptr: each commits alone again).
  virtual void SetBatchListener(BatchListener* listener, int batch_max) = 0;
  virtual bool BatchOpen() const = 0;
  // Transactions in the open batch.
  virtual int BatchTransactions() const = 0;
  // Commits the open batch (no-op when none is open). On failure the batch is rolled back and
  // the error has commit_state "unknown" or "not_committed".
  virtual hugo::Result<hugo::Unit> CommitBatch() = 0;

  // Split commits (group commit's sync thread): when the store can and `on` is true, from now on
  // CommitBatch only writes the batch (this connection reads it; it survives the process, not a
  // power loss) and SyncCommitted makes it durable. Returns whether commits are split now.
  virtual bool SplitCommits(bool on) {
    (void)on;
    return false;
  }
  // Makes every batch CommitBatch wrote so far durable. The one method any thread may call,
  // while commits are split.
  virtual hugo::Result<hugo::Unit> SyncCommitted() { return hugo::Ok(); }
};

}  // namespace hdo::persistence
