// An open SQLite database file of the embedded store, held exclusively by this process.
//
// Owned by the server (one per process). Open() creates the file and its parent folder when
// missing, switches it to WAL with synchronous=FULL (a reply is sent only after fsync), and takes
// an advisory lock on `<file>.lock` so that a second server on the same file fails at once with a
// clear message instead of corrupting the first one's state. The lock is released by the
// destructor or when the process dies. Not thread-safe: the store's writer thread owns it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "hugo/result.h"
#include "persistence/batching.h"
#include "persistence/sqlite/checkpointer.h"

struct sqlite3;

namespace hdo::persistence::sqlite {

// Error codes of this module (Error::Code()).
inline constexpr char kErrorOpen[] = "hdo.persistence.open";
inline constexpr char kErrorLocked[] = "hdo.persistence.locked";

class Database final : public persistence::Batcher {
 public:
  struct Options {
    std::string path;
    // WAL synchronous level: "FULL" (durable, the default) or "NORMAL".
    std::string synchronous = "FULL";
    // WAL checkpoints on a thread of their own (checkpointer.h) instead of inside the commit
    // that crosses the limit.
    bool background_checkpoints = true;
  };

  static hugo::Result<std::unique_ptr<Database>> Open(Options options);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database() override;

  // The absolute path of the database file.
  const std::string& path() const { return path_; }
  sqlite3* handle() { return db_; }
  // The background checkpointer's counts (all zero without one).
  Checkpointer::Stats checkpoint_stats() const {
    return checkpointer_ ? checkpointer_->stats() : Checkpointer::Stats{};
  }

  // Runs one statement with no result rows.
  hugo::Result<hugo::Unit> Exec(const std::string& sql);
  // The same through the connection's prepared-statement cache, for the statements every
  // transaction runs (BEGIN, SAVEPOINT, RELEASE, COMMIT): sqlite3_exec prepares each call anew.
  hugo::Result<hugo::Unit> ExecPrepared(std::string_view sql);

  // Runs `body` in a write transaction (BEGIN IMMEDIATE): committed when it succeeds, rolled
  // back when it fails (its error is returned). A failed COMMIT may or may not have reached the
  // file: kErrorStore with metadata commit_state "unknown".
  //
  // With batching on (SetBatchListener), `body` runs in a savepoint of the open batch instead:
  // released when it succeeds, rolled back to when it fails, and committed (one fsync) with
  // every other transaction of the batch by CommitBatch. The first transaction of a batch opens
  // it and tells the listener. While the batch holds `batch_max` transactions the listener is
  // told it is full before the next one, and commits it.
  //
  // What a failure in a batch undoes (Undo): by default the failed transaction alone (its
  // savepoint). kBatch runs `body` without a savepoint, for the hot path, whose failures all
  // mean the caller's view of the store was wrong: a body that fails before it changed a row
  // (SQLite undoes a failed statement itself) leaves the batch as it was; one that fails after
  // rolls the whole batch back and tells the listener it is lost. SQLite saves the original of
  // every page a savepoint changes, a copy per page per transaction that kBatch does not make.
  enum class Undo { kTransaction, kBatch };
  hugo::Result<hugo::Unit> InTransaction(const std::function<hugo::Result<hugo::Unit>()>& body,
                                         Undo undo = Undo::kTransaction);

  // Group commit's side of the connection (persistence/batching.h).
  using BatchListener = persistence::BatchListener;
  void SetBatchListener(BatchListener* listener, int batch_max) override;
  bool BatchOpen() const override { return batch_open_; }
  int BatchTransactions() const override { return batch_transactions_; }
  hugo::Result<hugo::Unit> CommitBatch() override;

 private:
  Database(std::string path, sqlite3* db, int lock_fd)
      : path_(std::move(path)), db_(db), lock_fd_(lock_fd) {}
  hugo::Result<hugo::Unit> InBatch(const std::function<hugo::Result<hugo::Unit>()>& body,
                                   Undo undo);
  // The open batch is gone (rolled back): tells the listener.
  void LoseBatch(const hugo::Error& error);
  std::string path_;
  sqlite3* db_;
  int lock_fd_;
  std::unique_ptr<Checkpointer> checkpointer_;  // destroyed before db_ is closed
  BatchListener* batch_listener_ = nullptr;
  int batch_max_ = 0;
  bool batch_open_ = false;
  int batch_transactions_ = 0;
};

}  // namespace hdo::persistence::sqlite
