// The MySQL/MariaDB driver of sql::Connection (connection.h), on MariaDB Connector/C.
//
// Parameters are interpolated on the client into the SQL text (text protocol, one round trip per
// statement): text escaped with mysql_real_escape_string for the connection's charset, blobs as
// X'hex'; results are byte-exact (lengths from the protocol). No statement cache: the text
// protocol has nothing to prepare. The session uses utf8mb4, TCP (also for "localhost"),
// CLIENT_FOUND_ROWS (affected rows = matched rows) and multi-statements (ExecuteScript); it is in
// autocommit outside Begin/Commit. A failing statement in a transaction leaves the transaction
// open (MySQL's rule); a deadlock or lock wait timeout (kErrorRetryable) rolls it back here.
// When the connection breaks, the call fails with kErrorConnectionLost and the next call
// reconnects.
//
// Owned by one store; not thread-safe (one thread at a time).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hugo/result.h"
#include "persistence/sql/connection.h"
#include "persistence/sql/dsn.h"

struct st_mysql;

namespace hdo::persistence::sql {

class MysqlConnection final : public Connection {
 public:
  // Connects; kErrorConnect with a message that says what to check when it cannot.
  static hugo::Result<std::unique_ptr<Connection>> Connect(const Dsn& dsn);

  ~MysqlConnection() override;
  MysqlConnection(const MysqlConnection&) = delete;
  MysqlConnection& operator=(const MysqlConnection&) = delete;

  Engine engine() const override { return Engine::kMysql; }
  hugo::Result<Rows> Query(std::string_view sql, const std::vector<Value>& params) override;
  hugo::Result<int64_t> Execute(std::string_view sql, const std::vector<Value>& params) override;
  // One round trip: a multi-statement query.
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
  struct Closer {
    void operator()(st_mysql* mysql) const;
  };
  using MysqlPtr = std::unique_ptr<st_mysql, Closer>;

  MysqlConnection(Dsn dsn, MysqlPtr mysql);
  static hugo::Result<MysqlPtr> Open(const Dsn& dsn);

  hugo::Result<hugo::Unit> EnsureConnected();
  // The SQL with each `?` replaced by its parameter as a literal.
  hugo::Result<std::string> Interpolate(std::string_view sql, const std::vector<Value>& params);
  // Connects when needed and sends the SQL, with the parameters interpolated unless `params` is
  // null (scripts, transaction control); its results are then pending.
  hugo::Result<hugo::Unit> Send(std::string_view sql, const std::vector<Value>* params,
                                bool is_commit);
  // Discards any further results of a multi-result statement.
  hugo::Result<hugo::Unit> DrainResults(bool is_commit);
  // The error of the last call, classified; forgets a broken connection.
  hugo::Error Fail(bool is_commit);

  Dsn dsn_;
  MysqlPtr mysql_;
  bool in_transaction_ = false;
  int64_t session_id_ = 0;
};

}  // namespace hdo::persistence::sql
