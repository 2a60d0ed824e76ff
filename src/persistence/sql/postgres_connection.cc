#include "persistence/sql/postgres_connection.h"

#include <libpq-fe.h>

#include <cstring>
#include <utility>

#include "persistence/namespace_store.h"
#include "persistence/sql/driver_util.h"

namespace hdo::persistence::sql {
namespace {

using internal::kCommitUnknown;
using internal::kNotCommitted;
using internal::StatementError;

constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr char kDefaultConnectTimeoutS[] = "10";

std::string Trimmed(const char* text) {
  std::string out = text == nullptr ? "" : text;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// The reason of a failed connection, in words that say what to check.
std::string ConnectReason(const Dsn& dsn, const std::string& libpq_message) {
  auto has = [&](const char* text) { return libpq_message.find(text) != std::string::npos; };
  if (has("password authentication failed")) {
    return "password authentication failed for user '" + dsn.user +
           "'; check the password in the DSN";
  }
  if (has("no password supplied")) {
    return "the server asks for a password and the DSN has none; add it as "
           "postgres://user:password@host:port/dbname";
  }
  if (has("Connection refused")) {
    return "connection refused; is the server running and listening there?";
  }
  if (has("database \"") && has("does not exist")) {
    return "database '" + dsn.database + "' does not exist; create it or fix the DSN";
  }
  if (has("role \"") && has("does not exist")) {
    return "user '" + dsn.user + "' does not exist; check the user in the DSN";
  }
  if (has("timeout expired")) {
    return "no answer within the connect timeout; is the host reachable and the port right?";
  }
  return libpq_message;
}

// bytea's text form, "\x" and hex digits (or the old escape format), to raw bytes.
std::string DecodeBytea(const char* text, int length) {
  if (length >= 2 && text[0] == '\\' && text[1] == 'x') {
    auto nibble = [](char c) -> int { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    std::string out(static_cast<size_t>(length - 2) / 2, '\0');
    for (size_t i = 0; i < out.size(); ++i) {
      out[i] = static_cast<char>(nibble(text[2 + 2 * i]) << 4 | nibble(text[3 + 2 * i]));
    }
    return out;
  }
  size_t size = 0;
  unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &size);
  std::string out(reinterpret_cast<const char*>(raw), size);
  PQfreemem(raw);
  return out;
}

Rows ToRows(PGresult* result) {
  int rows = PQntuples(result);
  int columns = PQnfields(result);
  std::vector<Rows::Cell> cells(static_cast<size_t>(rows) * static_cast<size_t>(columns));
  for (int column = 0; column < columns; ++column) {
    Oid type = PQftype(result, column);
    for (int row = 0; row < rows; ++row) {
      Rows::Cell& cell = cells[static_cast<size_t>(row) * columns + column];
      if (PQgetisnull(result, row, column)) continue;
      cell.is_null = false;
      const char* value = PQgetvalue(result, row, column);
      int length = PQgetlength(result, row, column);
      if (type == kByteaOid) {
        cell.bytes = DecodeBytea(value, length);
      } else if (type == kBoolOid) {
        cell.bytes = value[0] == 't' ? "1" : "0";
      } else {
        cell.bytes.assign(value, static_cast<size_t>(length));
      }
    }
  }
  return Rows(columns, std::move(cells));
}

// libpq's parameter arrays for a statement: numbers as text, text as is, blobs binary. Points into
// `params`, which must outlive it.
struct ParamArrays {
  explicit ParamArrays(const std::vector<Value>& params)
      : texts(params.size()),
        values(params.size(), nullptr),
        lengths(params.size(), 0),
        formats(params.size(), 0) {
    for (size_t i = 0; i < params.size(); ++i) {
      const Value& param = params[i];
      if (const auto* integer = std::get_if<int64_t>(&param)) {
        texts[i] = std::to_string(*integer);
      } else if (const auto* real = std::get_if<double>(&param)) {
        texts[i] = internal::FormatDouble(*real);
      } else if (const auto* text = std::get_if<std::string>(&param)) {
        values[i] = text->c_str();
        lengths[i] = static_cast<int>(text->size());
        continue;
      } else if (const auto* blob = std::get_if<Blob>(&param)) {
        values[i] = blob->bytes.data();
        lengths[i] = static_cast<int>(blob->bytes.size());
        formats[i] = 1;
        continue;
      } else {
        continue;  // NULL
      }
      values[i] = texts[i].c_str();
      lengths[i] = static_cast<int>(texts[i].size());
    }
  }
  std::vector<std::string> texts;
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
};

int64_t AffectedRows(pg_result* result) {
  const char* affected = PQcmdTuples(result);
  return affected[0] == '\0' ? 0 : std::atoll(affected);
}

bool IsConnectionSqlState(std::string_view sql_state) {
  // 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now; class 08: connection.
  return sql_state == "57P01" || sql_state == "57P02" || sql_state == "57P03" ||
         sql_state.starts_with("08");
}

}  // namespace

void PostgresConnection::ResultDeleter::operator()(pg_result* result) const { PQclear(result); }
void PostgresConnection::ConnDeleter::operator()(pg_conn* conn) const { PQfinish(conn); }

PostgresConnection::PostgresConnection(Dsn dsn, PgConn conn)
    : dsn_(std::move(dsn)), conn_(std::move(conn)), session_id_(PQbackendPID(conn_.get())) {}

PostgresConnection::~PostgresConnection() = default;

hugo::Result<PostgresConnection::PgConn> PostgresConnection::Open(const Dsn& dsn) {
  std::string port = std::to_string(dsn.port);
  std::vector<const char*> keys = {"host", "port", "dbname", "user", "password", "client_encoding"};
  std::vector<const char*> values = {dsn.host.c_str(), port.c_str(),         dsn.database.c_str(),
                                     dsn.user.c_str(), dsn.password.c_str(), "UTF8"};
  for (const auto& [key, value] : dsn.params) {
    keys.push_back(key.c_str());
    values.push_back(value.c_str());
  }
  if (dsn.Param("connect_timeout") == nullptr) {
    keys.push_back("connect_timeout");
    values.push_back(kDefaultConnectTimeoutS);
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PgConn conn(PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/0));
  if (conn == nullptr) {
    return hugo::Error::From("cannot connect to PostgreSQL at " + dsn.Address() + ": out of memory",
                             kErrorConnect);
  }
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    std::string message = Trimmed(PQerrorMessage(conn.get()));
    return hugo::Error::From("cannot connect to PostgreSQL at " + dsn.Address() + ": " +
                                 ConnectReason(dsn, message),
                             kErrorConnect)
        .WithMetadata("dsn", dsn.Describe());
  }
  // Notices (e.g. "table does not exist, skipping") are not errors; libpq would print them.
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);
  return hugo::Ok(std::move(conn));
}

hugo::Result<std::unique_ptr<Connection>> PostgresConnection::Connect(const Dsn& dsn) {
  if (dsn.engine != Engine::kPostgres) {
    return hugo::Error::From("not a PostgreSQL DSN: " + dsn.Describe(), kErrorInvalidDsn);
  }
  auto conn = Open(dsn);
  if (conn.IsFailure()) return conn.Error();
  return hugo::Ok(
      std::unique_ptr<Connection>(new PostgresConnection(dsn, std::move(conn).Value())));
}

void PostgresConnection::DropConnection() {
  conn_.reset();
  statements_.clear();
  lru_.clear();
  in_transaction_ = false;
}

hugo::Result<hugo::Unit> PostgresConnection::EnsureConnected() {
  if (conn_ != nullptr) return hugo::Ok();
  auto conn = Open(dsn_);
  if (conn.IsFailure()) {
    // Still the lost connection, from the caller's view: nothing ran; retry later.
    return StatementError("reconnecting: " + conn.Error().Message(), kErrorConnectionLost, "",
                          kNotCommitted);
  }
  conn_ = std::move(conn).Value();
  session_id_ = PQbackendPID(conn_.get());
  return hugo::Ok();
}

hugo::Error PostgresConnection::Fail(pg_result* result, bool is_commit) {
  const char* state = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  std::string sql_state = state == nullptr ? "" : state;
  std::string message =
      Trimmed(result == nullptr ? PQerrorMessage(conn_.get()) : PQresultErrorMessage(result));
  if (message.empty()) message = Trimmed(PQerrorMessage(conn_.get()));
  if (PQstatus(conn_.get()) == CONNECTION_BAD || IsConnectionSqlState(sql_state)) {
    bool was_in_transaction = in_transaction_;
    DropConnection();
    return StatementError("lost the connection to PostgreSQL at " + dsn_.Address() + ": " + message,
                          kErrorConnectionLost, sql_state,
                          is_commit && was_in_transaction ? kCommitUnknown : kNotCommitted);
  }
  std::string_view code = kErrorStore;
  if (sql_state == "23505") code = kErrorDuplicateKey;
  if (sql_state == "40001" || sql_state == "40P01") {
    code = kErrorRetryable;
    if (in_transaction_) {
      // connection.h: a retryable failure leaves no transaction open.
      PgResult rollback(PQexec(conn_.get(), "ROLLBACK"));
      in_transaction_ = false;
    }
  }
  return StatementError("PostgreSQL: " + message, code, sql_state, kNotCommitted);
}

hugo::Result<const PostgresConnection::CachedStatement*> PostgresConnection::Prepare(
    std::string_view sql) {
  std::string key(sql);
  if (auto found = statements_.find(key); found != statements_.end()) {
    lru_.splice(lru_.begin(), lru_, found->second.lru_position);
    return hugo::Ok(static_cast<const CachedStatement*>(&found->second));
  }
  std::vector<std::string_view> pieces = internal::SplitAtPlaceholders(sql, false);
  std::string rewritten;
  rewritten.reserve(sql.size() + pieces.size() * 3);
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i > 0) rewritten += "$" + std::to_string(i);
    rewritten += pieces[i];
  }
  std::string name = "hdo_" + std::to_string(next_statement_id_++);
  PgResult prepared(PQprepare(conn_.get(), name.c_str(), rewritten.c_str(), 0, nullptr));
  if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) return Fail(prepared.get(), false);
  if (statements_.size() >= kStatementCacheMax) {
    auto& evicted = statements_.at(lru_.back());
    PgResult deallocated(PQexec(conn_.get(), ("DEALLOCATE " + evicted.name).c_str()));
    statements_.erase(lru_.back());
    lru_.pop_back();
  }
  lru_.push_front(key);
  CachedStatement& entry = statements_[key];
  entry.name = std::move(name);
  entry.param_count = static_cast<int>(pieces.size()) - 1;
  entry.lru_position = lru_.begin();
  return hugo::Ok(static_cast<const CachedStatement*>(&entry));
}

hugo::Result<PostgresConnection::PgResult> PostgresConnection::RunPrepared(
    std::string_view sql, const std::vector<Value>& params) {
  auto connected = EnsureConnected();
  if (connected.IsFailure()) return connected.Error();
  auto prepared = Prepare(sql);
  if (prepared.IsFailure()) return prepared.Error();
  const CachedStatement& statement = *prepared.Value();
  if (static_cast<size_t>(statement.param_count) != params.size()) {
    return StatementError("the statement has " + std::to_string(statement.param_count) +
                              " placeholders but " + std::to_string(params.size()) +
                              " parameters were given: " + std::string(sql),
                          kErrorStore, "", kNotCommitted);
  }
  ParamArrays arrays(params);
  PgResult result(PQexecPrepared(conn_.get(), statement.name.c_str(),
                                 static_cast<int>(params.size()), arrays.values.data(),
                                 arrays.lengths.data(), arrays.formats.data(), /*resultFormat=*/0));
  ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return Fail(result.get(), false);
  return hugo::Ok(std::move(result));
}

hugo::Result<PostgresConnection::PgResult> PostgresConnection::RunSimple(std::string_view sql,
                                                                         bool is_commit) {
  auto connected = EnsureConnected();
  if (connected.IsFailure()) return connected.Error();
  PgResult result(PQexec(conn_.get(), std::string(sql).c_str()));
  ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return Fail(result.get(), is_commit);
  return hugo::Ok(std::move(result));
}

hugo::Result<Rows> PostgresConnection::Query(std::string_view sql,
                                             const std::vector<Value>& params) {
  auto result = RunPrepared(sql, params);
  if (result.IsFailure()) return result.Error();
  return hugo::Ok(ToRows(result.Value().get()));
}

hugo::Result<int64_t> PostgresConnection::Execute(std::string_view sql,
                                                  const std::vector<Value>& params) {
  auto result = RunPrepared(sql, params);
  if (result.IsFailure()) return result.Error();
  return hugo::Ok(AffectedRows(result.Value().get()));
}

hugo::Result<std::vector<int64_t>> PostgresConnection::ExecuteBatch(
    const std::vector<Statement>& statements) {
  if (statements.size() < 2) return Connection::ExecuteBatch(statements);
  auto connected = EnsureConnected();
  if (connected.IsFailure()) return connected.Error();
  // Statements seen for the first time are prepared first (a round trip each, once per text).
  std::vector<const CachedStatement*> prepared;
  for (size_t i = 0; i < statements.size(); ++i) {
    auto statement = Prepare(statements[i].sql);
    if (statement.IsFailure()) {
      return statement.Error().WithMetadata("statement_index", static_cast<int64_t>(i));
    }
    if (static_cast<size_t>(statement.Value()->param_count) != statements[i].params.size()) {
      return StatementError("the statement has " + std::to_string(statement.Value()->param_count) +
                                " placeholders but " + std::to_string(statements[i].params.size()) +
                                " parameters were given: " + statements[i].sql,
                            kErrorStore, "", kNotCommitted)
          .WithMetadata("statement_index", static_cast<int64_t>(i));
    }
    prepared.push_back(statement.Value());
  }
  // Pipeline mode: every statement is sent, then one sync, then the results are read in order.
  // After a failure the server skips the rest up to the sync (PGRES_PIPELINE_ABORTED).
  pg_conn* conn = conn_.get();
  if (PQenterPipelineMode(conn) != 1) return Fail(nullptr, false);
  bool sent = true;
  for (size_t i = 0; i < statements.size() && sent; ++i) {
    ParamArrays arrays(statements[i].params);
    sent =
        PQsendQueryPrepared(conn, prepared[i]->name.c_str(),
                            static_cast<int>(statements[i].params.size()), arrays.values.data(),
                            arrays.lengths.data(), arrays.formats.data(), /*resultFormat=*/0) == 1;
  }
  sent = sent && PQpipelineSync(conn) == 1;
  std::vector<int64_t> affected;
  PgResult failure;
  size_t failed_index = 0;
  bool broken = !sent;
  for (size_t i = 0; i < statements.size() && !broken; ++i) {
    PgResult result(PQgetResult(conn));
    if (result == nullptr) {
      broken = true;
      break;
    }
    ExecStatusType status = PQresultStatus(result.get());
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      affected.push_back(AffectedRows(result.get()));
    } else if (failure == nullptr && status != PGRES_PIPELINE_ABORTED) {
      failure = std::move(result);
      failed_index = i;
    }
    // Each statement's results end with a null result.
    while (PgResult rest{PQgetResult(conn)}) {
    }
    if (PQstatus(conn) == CONNECTION_BAD) broken = true;
  }
  if (!broken) {
    PgResult sync(PQgetResult(conn));
    broken = sync == nullptr || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC;
  }
  if (!broken) broken = PQexitPipelineMode(conn) != 1;
  if (broken) {
    // The connection cannot be trusted any more: whatever it says, drop it. In a transaction the
    // server rolls it back; outside one, some statements may have run.
    const bool was_in_transaction = in_transaction_;
    hugo::Error error = Fail(failure.get(), false);
    if (conn_ != nullptr) {
      DropConnection();
      error = StatementError(
          "lost the pipeline to PostgreSQL at " + dsn_.Address() + ": " + error.Message(),
          kErrorConnectionLost, "", was_in_transaction ? kNotCommitted : kCommitUnknown);
    }
    return error.WithMetadata("statement_index", static_cast<int64_t>(affected.size()));
  }
  if (failure != nullptr) {
    return Fail(failure.get(), false)
        .WithMetadata("statement_index", static_cast<int64_t>(failed_index));
  }
  return hugo::Ok(std::move(affected));
}

hugo::Result<hugo::Unit> PostgresConnection::ExecuteScript(std::string_view sql) {
  auto result = RunSimple(sql, false);
  if (result.IsFailure()) return result.Error();
  return hugo::Ok();
}

hugo::Result<hugo::Unit> PostgresConnection::Begin() {
  if (in_transaction_) {
    return StatementError("Begin: a transaction is already open", kErrorStore, "", kNotCommitted);
  }
  auto result = RunSimple("BEGIN", false);
  if (result.IsFailure()) return result.Error();
  in_transaction_ = true;
  return hugo::Ok();
}

hugo::Result<hugo::Unit> PostgresConnection::Commit() {
  if (!in_transaction_) {
    return StatementError("Commit: no transaction is open", kErrorStore, "", kNotCommitted);
  }
  auto result = RunSimple("COMMIT", true);
  in_transaction_ = false;
  if (result.IsFailure()) return result.Error();
  // COMMIT of a transaction that an earlier error aborted succeeds as a ROLLBACK.
  if (std::strcmp(PQcmdStatus(result.Value().get()), "ROLLBACK") == 0) {
    return StatementError(
        "PostgreSQL rolled the transaction back at COMMIT because a statement in it failed",
        kErrorStore, "25P02", kNotCommitted);
  }
  return hugo::Ok();
}

hugo::Result<hugo::Unit> PostgresConnection::Rollback() {
  if (!in_transaction_) return hugo::Ok();
  auto result = RunSimple("ROLLBACK", false);
  in_transaction_ = false;
  if (result.IsFailure()) return result.Error();
  return hugo::Ok();
}

hugo::Result<hugo::Unit> PostgresConnection::Ping() {
  auto result = RunSimple("SELECT 1", false);
  if (result.IsFailure()) return result.Error();
  return hugo::Ok();
}

}  // namespace hdo::persistence::sql
