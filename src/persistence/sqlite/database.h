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

#include "hugo/result.h"

struct sqlite3;

namespace hdo::persistence::sqlite {

// Error codes of this module (Error::Code()).
inline constexpr char kErrorOpen[] = "hdo.persistence.open";
inline constexpr char kErrorLocked[] = "hdo.persistence.locked";

class Database {
 public:
  struct Options {
    std::string path;
    // WAL synchronous level: "FULL" (durable, the default) or "NORMAL".
    std::string synchronous = "FULL";
  };

  static hugo::Result<std::unique_ptr<Database>> Open(Options options);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // The absolute path of the database file.
  const std::string& path() const { return path_; }
  sqlite3* handle() { return db_; }

  // Runs one statement with no result rows.
  hugo::Result<hugo::Unit> Exec(const std::string& sql);

  // Runs `body` in a write transaction (BEGIN IMMEDIATE): committed when it succeeds, rolled
  // back when it fails (its error is returned). A failed COMMIT may or may not have reached the
  // file: kErrorStore with metadata commit_state "unknown".
  hugo::Result<hugo::Unit> InTransaction(const std::function<hugo::Result<hugo::Unit>()>& body);

 private:
  Database(std::string path, sqlite3* db, int lock_fd)
      : path_(std::move(path)), db_(db), lock_fd_(lock_fd) {}
  std::string path_;
  sqlite3* db_;
  int lock_fd_;
};

}  // namespace hdo::persistence::sqlite
