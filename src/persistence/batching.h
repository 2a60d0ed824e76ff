// The store side of group commit (group_commit.h owns the policy): a store connection that can
// run many transactions inside one open batch (each in a savepoint) and commit them together.
// Implemented by sqlite::Database and sql::Session.
//
// Not thread-safe: the store thread owns the connection and calls everything here.
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
};

}  // namespace hdo::persistence
