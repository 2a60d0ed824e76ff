#include "persistence/sqlite/database.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "persistence/namespace_store.h"
#include "persistence/sqlite/process_config.h"
#include "persistence/sqlite/statement.h"
#include "persistence/sqlite/wal_write_vfs.h"

namespace hdo::persistence::sqlite {
namespace {

hugo::Error OpenError(const std::string& path, const std::string& why) {
  return hugo::Error::From("cannot open SQLite database '" + path + "': " + why, kErrorOpen)
      .WithMetadata("path", path);
}

// Takes the advisory lock file beside the database. Returns the fd, or an error when another
// process holds it.
hugo::Result<int> LockBeside(const std::string& path) {
  std::string lock_path = path + ".lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return OpenError(path, "cannot create lock file '" + lock_path + "': " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return hugo::Error::From("SQLite database '" + path +
                                   "' is in use by another hdo server; stop it or choose another "
                                   "file with --db-filename",
                               kErrorLocked)
          .WithMetadata("path", path);
    }
    return OpenError(path, std::string("cannot lock '") + lock_path + "': " + std::strerror(err));
  }
  return hugo::Ok(fd);
}

}  // namespace

hugo::Result<std::unique_ptr<Database>> Database::Open(Options options) {
  if (options.synchronous != "FULL" && options.synchronous != "NORMAL") {
    return hugo::Error::From(
        "synchronous must be FULL or NORMAL, not '" + options.synchronous + "'", kErrorOpen);
  }
  std::error_code ec;
  std::filesystem::path file = std::filesystem::absolute(options.path, ec);
  if (ec || options.path.empty()) {
    return OpenError(options.path, "not a valid file path");
  }
  std::string path = file.lexically_normal().string();
  if (std::filesystem::is_directory(file, ec)) {
    return OpenError(path, "it is a directory; give a file name");
  }
  if (file.has_parent_path() && !std::filesystem::exists(file.parent_path(), ec)) {
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) {
      return OpenError(
          path, "cannot create folder '" + file.parent_path().string() + "': " + ec.message());
    }
  }

  auto lock = LockBeside(path);
  if (lock.IsFailure()) return lock.Error();

  // A connection that syncs the WAL at every commit has its WAL writes gathered into one write
  // per commit (wal_write_vfs.h); with a lower level, commits end unsynced and the plain VFS is
  // used.
  std::string level = options.synchronous;
  std::transform(level.begin(), level.end(), level.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  const bool syncs_each_commit =
      level == "FULL" || level == "EXTRA" || level == "2" || level == "3";
  // Before the first connection initializes SQLite (process_config.h).
  ConfigureSqlite();
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           syncs_each_commit ? WalWriteVfsName() : nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    ::close(lock.Value());
    return OpenError(path, why);
  }
  std::unique_ptr<Database> database(new Database(path, db, lock.Value()));
  EnableStatementCache(db);
  sqlite3_busy_timeout(db, 5000);
  // Reading the schema proves the file is a SQLite database before anything is written to it.
  for (const std::string& sql :
       {std::string("SELECT count(*) FROM sqlite_master"), std::string("PRAGMA journal_mode=WAL"),
        "PRAGMA synchronous=" + options.synchronous, std::string("PRAGMA foreign_keys=ON"),
        // A page cache of 64 MiB (the default 2 MiB rereads index pages from the OS), and a
        // checkpoint every 8,000 WAL pages instead of 1,000: hot pages (the outbox, the listing
        // indexes) rewritten by many commits are copied into the database file once per
        // checkpoint, so fewer checkpoints copy fewer pages. Both bound memory and disk (a WAL of
        // at most ~32 MiB between checkpoints).
        std::string("PRAGMA cache_size=-65536"), std::string("PRAGMA wal_autocheckpoint=8000"),
        // Each transaction of a group commit runs in a savepoint, and SQLite saves the original
        // of every page a savepoint changes in a sub-journal. Kept on disk, that file spills as
        // soon as one transaction changes more than 16 pages, and from then on every page of
        // every later savepoint in the batch costs two write(2)s into it (most of the store
        // thread's write calls). In memory, it is a few pages per transaction, dropped at each
        // RELEASE. This also keeps temporary sort trees in memory.
        std::string("PRAGMA temp_store=MEMORY")}) {
    auto result = database->Exec(sql);
    if (result.IsFailure()) return OpenError(path, result.Error().Message());
  }
  if (options.background_checkpoints) {
    auto started = Checkpointer::Start(db, path, {});
    if (started.IsFailure()) return started.Error();
    database->checkpointer_ = std::move(started).Value();
  }
  return hugo::Ok(std::move(database));
}

Database::~Database() {
  if (batch_open_) (void)CommitBatch();
  checkpointer_.reset();
  DropStatementCache(db_);
  sqlite3_close_v2(db_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

hugo::Result<hugo::Unit> Database::Exec(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string why = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return hugo::Error::From(why, kErrorOpen).WithMetadata("sqlite_code", int64_t{rc});
  }
  return hugo::Ok();
}

hugo::Result<hugo::Unit> Database::ExecPrepared(std::string_view sql) {
  Statement statement(db_, sql);
  auto ran = statement.Run();
  if (ran.IsFailure()) return ran.Error().WithCode(kErrorOpen);
  return hugo::Ok();
}

hugo::Result<hugo::Unit> Database::InTransaction(
    const std::function<hugo::Result<hugo::Unit>()>& body, Undo undo) {
  if (batch_listener_ != nullptr) return InBatch(body, undo);
  auto begun = Exec("BEGIN IMMEDIATE");
  if (begun.IsFailure()) return begun;
  auto done = body();
  if (done.IsFailure()) {
    (void)Exec("ROLLBACK");
    return done;
  }
  auto committed = Exec("COMMIT");
  if (committed.IsFailure()) {
    (void)Exec("ROLLBACK");
    return committed.Error().WithCode(kErrorStore).WithMetadata("commit_state", "unknown");
  }
  return hugo::Ok();
}

void Database::SetBatchListener(BatchListener* listener, int batch_max) {
  batch_listener_ = listener;
  batch_max_ = batch_max;
}

hugo::Result<hugo::Unit> Database::InBatch(const std::function<hugo::Result<hugo::Unit>()>& body,
                                           Undo undo) {
  auto refused = batch_listener_->Refusal();
  if (refused.IsFailure()) return refused;
  if (batch_open_ && batch_transactions_ >= batch_max_) {
    auto committed = batch_listener_->BatchFull();
    if (committed.IsFailure()) return committed;
  }
  if (!batch_open_) {
    auto begun = ExecPrepared("BEGIN IMMEDIATE");
    if (begun.IsFailure()) return begun;
    batch_open_ = true;
    batch_transactions_ = 0;
    batch_listener_->BatchOpened();
  }
  if (undo == Undo::kBatch) {
    const sqlite3_int64 changes_before = sqlite3_total_changes64(db_);
    auto done = body();
    if (done.IsSuccess()) {
      ++batch_transactions_;
      return hugo::Ok();
    }
    if (sqlite3_get_autocommit(db_) == 0 && sqlite3_total_changes64(db_) == changes_before) {
      return done;  // nothing of it was written: the batch goes on
    }
    if (sqlite3_get_autocommit(db_) == 0) (void)Exec("ROLLBACK");
    LoseBatch(done.Error());
    return done;
  }
  auto saved = ExecPrepared("SAVEPOINT hdo_transaction");
  if (saved.IsFailure()) return saved;
  auto done = body();
  if (done.IsSuccess()) done = ExecPrepared("RELEASE hdo_transaction");
  if (done.IsSuccess()) {
    ++batch_transactions_;
    return hugo::Ok();
  }
  if (sqlite3_get_autocommit(db_) != 0) {
    // The error rolled back the whole batch, not only this transaction.
    LoseBatch(done.Error());
    return done;
  }
  (void)Exec("ROLLBACK TO hdo_transaction");
  (void)Exec("RELEASE hdo_transaction");
  return done;
}

void Database::LoseBatch(const hugo::Error& error) {
  batch_open_ = false;
  batch_transactions_ = 0;
  batch_listener_->BatchLost(error);
}

hugo::Result<hugo::Unit> Database::CommitBatch() {
  if (!batch_open_) return hugo::Ok();
  batch_open_ = false;
  batch_transactions_ = 0;
  auto committed = ExecPrepared("COMMIT");
  if (committed.IsFailure()) {
    (void)Exec("ROLLBACK");
    return committed.Error().WithCode(kErrorStore).WithMetadata("commit_state", "unknown");
  }
  return hugo::Ok();
}

}  // namespace hdo::persistence::sqlite
