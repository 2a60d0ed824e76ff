// The PostgreSQL driver of sql::Connection (connection.h), on libpq.
//
// Statements are prepared once per SQL text and cached (at most kStatementCacheMax per connection,
// least recently used evicted); `?` placeholders become $1..$n. Parameters go as text, blobs as
// binary; results come back as text, bytea decoded to raw bytes and booleans as "1"/"0". A
// statement failing inside a transaction aborts it (PostgreSQL's rule): only Rollback helps then.
// A serialization failure or deadlock (kErrorRetryable) rolls the transaction back here.
// When the connection breaks, the call fails with kErrorConnectionLost and the next call
// reconnects (prepared statements are then prepared again).
//
// Owned by one store; not thread-safe (one thread at a time).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hugo/result.h"
#include "persistence/sql/connection.h"
#include "persistence/sql/dsn.h"

struct pg_conn;
struct pg_result;

namespace hdo::persistence::sql {

class PostgresConnection final : public Connection {
 public:
  static constexpr size_t kStatementCacheMax = 256;

  // Connects; kErrorConnect with a message that says what to check when it cannot.
  static hugo::Result<std::unique_ptr<Connection>> Connect(const Dsn& dsn);

  ~PostgresConnection() override;
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  Engine engine() const override { return Engine::kPostgres; }
  hugo::Result<Rows> Query(std::string_view sql, const std::vector<Value>& params) override;
  hugo::Result<int64_t> Execute(std::string_view sql, const std::vector<Value>& params) override;
  // One round trip: libpq's pipeline mode.
  hugo::Result<std::vector<int64_t>> ExecuteBatch(
      const std::vector<Statement>& statements) override;
  hugo::Result<hugo::Unit> ExecuteScript(std::string_view sql) override;
  hugo::Result<hugo::Unit> Begin() override;
  hugo::Result<hugo::Unit> Commit() override;
  hugo::Result<hugo::Unit> Rollback() override;
  bool InTransaction() const override { return in_transaction_; }
  hugo::Result<hugo::Unit> Ping() override;
  int64_t SessionId() const override { return session_id_; }
  std::string Describe() const override { return dsn_.Describe(); }

 private:
  struct ResultDeleter {
    void operator()(pg_result* result) const;
  };
  struct ConnDeleter {
    void operator()(pg_conn* conn) const;
  };
  using PgResult = std::unique_ptr<pg_result, ResultDeleter>;
  using PgConn = std::unique_ptr<pg_conn, ConnDeleter>;
  struct CachedStatement {
    std::string name;
    int param_count = 0;
    std::list<std::string>::iterator lru_position;
  };

  PostgresConnection(Dsn dsn, PgConn conn);
  static hugo::Result<PgConn> Open(const Dsn& dsn);

  hugo::Result<hugo::Unit> EnsureConnected();
  // The prepared statement of `sql`, preparing and caching it when new.
  hugo::Result<const CachedStatement*> Prepare(std::string_view sql);
  // Runs a cached prepared statement with the parameters.
  hugo::Result<PgResult> RunPrepared(std::string_view sql, const std::vector<Value>& params);
  // Runs SQL without parameters (transaction control, scripts). `is_commit`: a lost connection
  // leaves the outcome unknown.
  hugo::Result<PgResult> RunSimple(std::string_view sql, bool is_commit);
  // The error of a failed call (result may be null), classified; forgets a broken connection.
  hugo::Error Fail(pg_result* result, bool is_commit);
  void DropConnection();

  Dsn dsn_;
  PgConn conn_;
  bool in_transaction_ = false;
  int64_t session_id_ = 0;
  uint64_t next_statement_id_ = 0;
  std::unordered_map<std::string, CachedStatement> statements_;
  std::list<std::string> lru_;  // most recently used first
};

}  // namespace hdo::persistence::sql
