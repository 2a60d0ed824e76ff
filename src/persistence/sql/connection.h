// A connection to a client/server SQL engine (PostgreSQL or MySQL/MariaDB), as the generic SQL
// stores (sql/*_store.h) use it: statements with `?` placeholders and typed parameters, results as
// typed rows, the affected-row count, and errors classified so that the history engine can tell a
// write that certainly did not commit from one that may have.
//
// SQL passed to Query/Execute uses `?` for every parameter and no other `?` (the PostgreSQL driver
// rewrites them to $1..$n; write jsonb_exists(...) instead of the jsonb `?` operator). Each
// statement is one round trip; the driver prepares and caches statements per SQL text where the
// engine supports it.
//
// Failures are kErrorStore (persistence/namespace_store.h) with these metadata:
//   "commit_state"  "not_committed" (nothing of the statement took effect, and when in a
//                   transaction, the transaction is rolled back or still open) or "unknown" (the
//                   connection broke during COMMIT: the transaction may have committed)
//   "sql_state"     the SQLSTATE (PostgreSQL) or the server error number as text (MySQL)
// and one of the codes below instead of kErrorStore where it applies.
//
// Implementations: postgres_connection.h, mysql_connection.h. Not thread-safe: one thread uses a
// connection at a time (the server's store thread).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hugo/result.h"

namespace hdo::persistence::sql {

// A unique or primary key constraint refused the row (PostgreSQL 23505, MySQL 1062).
inline constexpr char kErrorDuplicateKey[] = "hdo.persistence.sql.duplicate_key";
// The connection is gone (server restarted, connection killed, network): metadata commit_state
// says whether an open transaction may have committed. The next call reconnects.
inline constexpr char kErrorConnectionLost[] = "hdo.persistence.sql.connection_lost";
// A serialization failure or deadlock: the transaction was rolled back; it may be retried.
inline constexpr char kErrorRetryable[] = "hdo.persistence.sql.retryable";
// Cannot connect: unreachable host, refused, wrong password, unknown database. The message says
// which and what to check.
inline constexpr char kErrorConnect[] = "hdo.persistence.sql.connect";

enum class Engine { kPostgres, kMysql };

// A blob parameter or column (bytea, LONGBLOB): bytes, not text.
struct Blob {
  std::string bytes;
};

// A parameter: NULL, integer, double, text or blob.
using Value = std::variant<std::monostate, int64_t, double, std::string, Blob>;

// The rows of a result, in memory. Columns are 0-based; reading a column as the wrong kind is a
// programming error (the driver converts integers, doubles and text as the engine returned them).
class Rows {
 public:
  struct Cell {
    bool is_null = true;
    std::string bytes;  // the raw value: decimal text for numbers, bytes for text and blobs
  };
  Rows() = default;
  Rows(int column_count, std::vector<Cell> cells)
      : column_count_(column_count), cells_(std::move(cells)) {}

  size_t size() const { return column_count_ == 0 ? 0 : cells_.size() / column_count_; }
  bool empty() const { return size() == 0; }
  int column_count() const { return column_count_; }
  bool IsNull(size_t row, int column) const { return At(row, column).is_null; }
  int64_t Int64(size_t row, int column) const;
  double Double(size_t row, int column) const;
  // Text or blob bytes; "" for NULL.
  const std::string& Bytes(size_t row, int column) const { return At(row, column).bytes; }

 private:
  const Cell& At(size_t row, int column) const {
    return cells_[row * static_cast<size_t>(column_count_) + static_cast<size_t>(column)];
  }
  int column_count_ = 0;
  std::vector<Cell> cells_;
};

// One statement of a batch.
struct Statement {
  std::string sql;
  std::vector<Value> params;
};

class Connection {
 public:
  virtual ~Connection() = default;

  virtual Engine engine() const = 0;

  // A statement returning rows.
  virtual hugo::Result<Rows> Query(std::string_view sql, const std::vector<Value>& params) = 0;
  // A statement returning no rows: the number of rows it changed (MySQL: matched, not only
  // changed; the driver sets CLIENT_FOUND_ROWS).
  virtual hugo::Result<int64_t> Execute(std::string_view sql, const std::vector<Value>& params) = 0;
  // Runs statements that return no rows, in order, in one round trip where the engine allows it
  // (PostgreSQL: pipeline mode; MySQL: one multi-statement query), and returns the rows each
  // changed (as Execute). Stops at the first failure: its error (classified as Execute's) has
  // metadata "statement_index" (int64), and the statements after it did not run. Inside a
  // transaction, as Execute.
  virtual hugo::Result<std::vector<int64_t>> ExecuteBatch(const std::vector<Statement>& statements);
  // Several statements separated by `;`, without parameters (schema migrations). MySQL commits
  // DDL implicitly: a script is not atomic there.
  virtual hugo::Result<hugo::Unit> ExecuteScript(std::string_view sql) = 0;

  // Transaction control. Commit's failure on a lost connection has commit_state "unknown".
  virtual hugo::Result<hugo::Unit> Begin() = 0;
  virtual hugo::Result<hugo::Unit> Commit() = 0;
  virtual hugo::Result<hugo::Unit> Rollback() = 0;
  virtual bool InTransaction() const = 0;

  // A cheap round trip (SELECT 1): readiness probes.
  virtual hugo::Result<hugo::Unit> Ping() = 0;
  // The server's session id (PostgreSQL backend pid, MySQL CONNECTION_ID()): tests kill it.
  virtual int64_t SessionId() const = 0;
  // Where it connects, without the password, e.g. "postgres://hdo@127.0.0.1:5432/hdo".
  virtual std::string Describe() const = 0;
};

}  // namespace hdo::persistence::sql
