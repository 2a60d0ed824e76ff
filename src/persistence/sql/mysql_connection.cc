#include "persistence/sql/mysql_connection.h"

#include <mysql.h>

#include <cmath>
#include <utility>

#include "persistence/namespace_store.h"
#include "persistence/sql/driver_util.h"

namespace hdo::persistence::sql {
namespace {

using internal::kCommitUnknown;
using internal::kNotCommitted;
using internal::StatementError;

constexpr unsigned kDefaultConnectTimeoutS = 10;

// Server and client error numbers (mysqld_error.h, errmsg.h).
constexpr unsigned kDatabaseAccessDenied = 1044;
constexpr unsigned kAccessDenied = 1045;
constexpr unsigned kUnknownDatabase = 1049;
constexpr unsigned kServerShutdown = 1053;
constexpr unsigned kDuplicateEntry = 1062;
constexpr unsigned kLockWaitTimeout = 1205;
constexpr unsigned kDeadlock = 1213;
constexpr unsigned kConnectionKilled = 1927;
constexpr unsigned kClientInteractionTimeout = 4031;
constexpr unsigned kCannotConnectSocket = 2002;
constexpr unsigned kCannotConnectHost = 2003;
constexpr unsigned kServerGone = 2006;
constexpr unsigned kSslError = 2026;
constexpr unsigned kServerLost = 2013;
constexpr unsigned kServerLostExtended = 2055;

bool IsConnectionLost(unsigned error) {
  return error == kServerGone || error == kServerLost || error == kServerLostExtended ||
         error == kConnectionKilled || error == kClientInteractionTimeout ||
         error == kServerShutdown;
}

// The reason of a failed connection, in words that say what to check.
std::string ConnectReason(const Dsn& dsn, unsigned error, const std::string& message) {
  switch (error) {
    case kAccessDenied:
      return "access denied for user '" + dsn.user +
             "'; check the user and the password in the DSN";
    case kUnknownDatabase:
      return "database '" + dsn.database + "' does not exist; create it or fix the DSN";
    case kDatabaseAccessDenied:
      return "database '" + dsn.database + "' does not exist or user '" + dsn.user +
             "' may not use it; create it, grant access or fix the DSN";
    case kCannotConnectSocket:
    case kCannotConnectHost:
      // 111 is ECONNREFUSED; Connector/C reports a refused non-blocking connect as 115
      // (EINPROGRESS).
      if (message.find("(111)") != std::string::npos ||
          message.find("(115)") != std::string::npos) {
        return "connection refused; is the server running and listening there?";
      }
      return "cannot reach the server (" + message +
             "); is the server running and listening there?";
    case kSslError:
      return "TLS failed (" + message + "); check the tls and ssl-* parameters of the DSN";
    default:
      return message + " (MySQL error " + std::to_string(error) + ")";
  }
}

void SetTlsOptions(MYSQL* mysql, const Dsn& dsn) {
  const std::string* tls = dsn.Param("tls");
  const std::string* ca = dsn.Param("ssl-ca");
  const std::string* cert = dsn.Param("ssl-cert");
  const std::string* key = dsn.Param("ssl-key");
  if (ca != nullptr) mysql_optionsv(mysql, MYSQL_OPT_SSL_CA, ca->c_str());
  if (cert != nullptr) mysql_optionsv(mysql, MYSQL_OPT_SSL_CERT, cert->c_str());
  if (key != nullptr) mysql_optionsv(mysql, MYSQL_OPT_SSL_KEY, key->c_str());
  // ssl-* without tls means tls=true.
  bool wanted = tls != nullptr ? *tls != "false" : (ca != nullptr || cert != nullptr);
  my_bool enforce = wanted ? 1 : 0;
  my_bool verify = wanted && (tls == nullptr || *tls == "true") ? 1 : 0;
  mysql_optionsv(mysql, MYSQL_OPT_SSL_ENFORCE, &enforce);
  mysql_optionsv(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
}

void AppendHex(std::string& out, std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  size_t start = out.size();
  out.resize(start + 2 + bytes.size() * 2 + 1);
  char* hex = out.data() + start;
  *hex++ = 'X';
  *hex++ = '\'';
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    *hex++ = kDigits[byte >> 4];
    *hex++ = kDigits[byte & 0xf];
  }
  *hex = '\'';
}

Rows ToRows(MYSQL_RES* result) {
  int columns = static_cast<int>(mysql_num_fields(result));
  std::vector<Rows::Cell> cells;
  cells.reserve(mysql_num_rows(result) * static_cast<size_t>(columns));
  while (MYSQL_ROW row = mysql_fetch_row(result)) {
    unsigned long* lengths = mysql_fetch_lengths(result);
    for (int column = 0; column < columns; ++column) {
      Rows::Cell& cell = cells.emplace_back();
      if (row[column] == nullptr) continue;
      cell.is_null = false;
      cell.bytes.assign(row[column], lengths[column]);
    }
  }
  return Rows(columns, std::move(cells));
}

}  // namespace

void MysqlConnection::Closer::operator()(st_mysql* mysql) const { mysql_close(mysql); }

MysqlConnection::MysqlConnection(Dsn dsn, MysqlPtr mysql)
    : dsn_(std::move(dsn)),
      mysql_(std::move(mysql)),
      session_id_(static_cast<int64_t>(mysql_thread_id(mysql_.get()))) {}

MysqlConnection::~MysqlConnection() = default;

hugo::Result<MysqlConnection::MysqlPtr> MysqlConnection::Open(const Dsn& dsn) {
  MysqlPtr mysql(mysql_init(nullptr));
  if (mysql == nullptr) {
    return hugo::Error::From("cannot connect to MySQL at " + dsn.Address() + ": out of memory",
                             kErrorConnect);
  }
  unsigned timeout_s = kDefaultConnectTimeoutS;
  if (const std::string* timeout = dsn.Param("connect_timeout")) {
    timeout_s = static_cast<unsigned>(std::stoul(*timeout));  // ParseDsn checked it
  }
  unsigned protocol = MYSQL_PROTOCOL_TCP;
  my_bool reconnect = 0;
  mysql_optionsv(mysql.get(), MYSQL_SET_CHARSET_NAME, "utf8mb4");
  mysql_optionsv(mysql.get(), MYSQL_OPT_CONNECT_TIMEOUT, &timeout_s);
  mysql_optionsv(mysql.get(), MYSQL_OPT_PROTOCOL, &protocol);
  mysql_optionsv(mysql.get(), MYSQL_OPT_RECONNECT, &reconnect);
  SetTlsOptions(mysql.get(), dsn);
  if (mysql_real_connect(mysql.get(), dsn.host.c_str(), dsn.user.c_str(), dsn.password.c_str(),
                         dsn.database.c_str(), static_cast<unsigned>(dsn.port), nullptr,
                         CLIENT_FOUND_ROWS | CLIENT_MULTI_STATEMENTS) == nullptr) {
    unsigned error = mysql_errno(mysql.get());
    return hugo::Error::From("cannot connect to MySQL at " + dsn.Address() + ": " +
                                 ConnectReason(dsn, error, mysql_error(mysql.get())),
                             kErrorConnect)
        .WithMetadata("sql_state", std::to_string(error))
        .WithMetadata("dsn", dsn.Describe());
  }
  return hugo::Ok(std::move(mysql));
}

hugo::Result<std::unique_ptr<Connection>> MysqlConnection::Connect(const Dsn& dsn) {
  if (dsn.engine != Engine::kMysql) {
    return hugo::Error::From("not a MySQL DSN: " + dsn.Describe(), kErrorInvalidDsn);
  }
  auto mysql = Open(dsn);
  if (mysql.IsFailure()) return mysql.Error();
  return hugo::Ok(std::unique_ptr<Connection>(new MysqlConnection(dsn, std::move(mysql).Value())));
}

hugo::Result<hugo::Unit> MysqlConnection::EnsureConnected() {
  if (mysql_ != nullptr) return hugo::Ok();
  auto mysql = Open(dsn_);
  if (mysql.IsFailure()) {
    // Still the lost connection, from the caller's view: nothing ran; retry later.
    return StatementError("reconnecting: " + mysql.Error().Message(), kErrorConnectionLost, "",
                          kNotCommitted);
  }
  mysql_ = std::move(mysql).Value();
  session_id_ = static_cast<int64_t>(mysql_thread_id(mysql_.get()));
  return hugo::Ok();
}

hugo::Error MysqlConnection::Fail(bool is_commit) {
  unsigned error = mysql_errno(mysql_.get());
  std::string message = mysql_error(mysql_.get());
  std::string sql_state = std::to_string(error);
  if (IsConnectionLost(error)) {
    bool was_in_transaction = in_transaction_;
    mysql_.reset();
    in_transaction_ = false;
    return StatementError("lost the connection to MySQL at " + dsn_.Address() + ": " + message,
                          kErrorConnectionLost, sql_state,
                          is_commit && was_in_transaction ? kCommitUnknown : kNotCommitted);
  }
  std::string_view code = kErrorStore;
  if (error == kDuplicateEntry) code = kErrorDuplicateKey;
  if (error == kDeadlock || error == kLockWaitTimeout) {
    code = kErrorRetryable;
    if (in_transaction_) {
      // connection.h: a retryable failure leaves no transaction open (a lock wait timeout only
      // undoes its statement by default).
      mysql_real_query(mysql_.get(), "ROLLBACK", 8);
      in_transaction_ = false;
    }
  }
  return StatementError("MySQL: " + message + " (error " + sql_state + ")", code, sql_state,
                        kNotCommitted);
}

hugo::Result<std::string> MysqlConnection::Interpolate(std::string_view sql,
                                                       const std::vector<Value>& params) {
  std::vector<std::string_view> pieces = internal::SplitAtPlaceholders(sql, true);
  if (pieces.size() != params.size() + 1) {
    return StatementError("the statement has " + std::to_string(pieces.size() - 1) +
                              " placeholders but " + std::to_string(params.size()) +
                              " parameters were given: " + std::string(sql),
                          kErrorStore, "", kNotCommitted);
  }
  std::string out(pieces[0]);
  for (size_t i = 0; i < params.size(); ++i) {
    const Value& param = params[i];
    if (const auto* integer = std::get_if<int64_t>(&param)) {
      out += std::to_string(*integer);
    } else if (const auto* real = std::get_if<double>(&param)) {
      if (!std::isfinite(*real)) {
        return StatementError("MySQL cannot store " + internal::FormatDouble(*real) +
                                  " (parameter " + std::to_string(i + 1) + ")",
                              kErrorStore, "", kNotCommitted);
      }
      out += internal::FormatDouble(*real);
    } else if (const auto* text = std::get_if<std::string>(&param)) {
      size_t start = out.size();
      out.resize(start + 1 + text->size() * 2 + 1);
      out[start] = '\'';
      unsigned long written = mysql_real_escape_string(mysql_.get(), out.data() + start + 1,
                                                       text->data(), text->size());
      out.resize(start + 1 + written);
      out += '\'';
    } else if (const auto* blob = std::get_if<Blob>(&param)) {
      AppendHex(out, blob->bytes);
    } else {
      out += "NULL";
    }
    out += pieces[i + 1];
  }
  return hugo::Ok(std::move(out));
}

hugo::Result<hugo::Unit> MysqlConnection::Send(std::string_view sql,
                                               const std::vector<Value>* params, bool is_commit) {
  auto connected = EnsureConnected();
  if (connected.IsFailure()) return connected.Error();
  std::string text;
  if (params != nullptr) {
    auto interpolated = Interpolate(sql, *params);
    if (interpolated.IsFailure()) return interpolated.Error();
    text = std::move(interpolated).Value();
    sql = text;
  }
  if (mysql_real_query(mysql_.get(), sql.data(), sql.size()) != 0) return Fail(is_commit);
  return hugo::Ok();
}

hugo::Result<hugo::Unit> MysqlConnection::DrainResults(bool is_commit) {
  while (true) {
    int status = mysql_next_result(mysql_.get());
    if (status == -1) return hugo::Ok();
    if (status > 0) return Fail(is_commit);
    if (MYSQL_RES* result = mysql_store_result(mysql_.get())) mysql_free_result(result);
  }
}

hugo::Result<Rows> MysqlConnection::Query(std::string_view sql, const std::vector<Value>& params) {
  auto sent = Send(sql, &params, false);
  if (sent.IsFailure()) return sent.Error();
  MYSQL_RES* result = mysql_store_result(mysql_.get());
  if (result == nullptr) {
    if (mysql_errno(mysql_.get()) != 0) return Fail(false);
    auto drained = DrainResults(false);
    if (drained.IsFailure()) return drained.Error();
    return hugo::Ok(Rows());  // a statement without a result set
  }
  Rows rows = ToRows(result);
  mysql_free_result(result);
  auto drained = DrainResults(false);
  if (drained.IsFailure()) return drained.Error();
  return hugo::Ok(std::move(rows));
}

hugo::Result<int64_t> MysqlConnection::Execute(std::string_view sql,
                                               const std::vector<Value>& params) {
  auto sent = Send(sql, &params, false);
  if (sent.IsFailure()) return sent.Error();
  int64_t affected = 0;
  if (MYSQL_RES* result = mysql_store_result(mysql_.get())) {
    mysql_free_result(result);
  } else if (mysql_errno(mysql_.get()) != 0) {
    return Fail(false);
  } else {
    affected = static_cast<int64_t>(mysql_affected_rows(mysql_.get()));
  }
  auto drained = DrainResults(false);
  if (drained.IsFailure()) return drained.Error();
  return hugo::Ok(affected);
}

hugo::Result<std::vector<int64_t>> MysqlConnection::ExecuteBatch(
    const std::vector<Statement>& statements) {
  if (statements.size() < 2) return Connection::ExecuteBatch(statements);
  auto connected = EnsureConnected();
  if (connected.IsFailure()) return connected.Error();
  // One multi-statement query (CLIENT_MULTI_STATEMENTS): the server runs them in order and stops
  // at the first error.
  std::string text;
  for (size_t i = 0; i < statements.size(); ++i) {
    auto interpolated = Interpolate(statements[i].sql, statements[i].params);
    if (interpolated.IsFailure()) {
      return interpolated.Error().WithMetadata("statement_index", static_cast<int64_t>(i));
    }
    if (i > 0) text += ";\n";
    text += interpolated.Value();
  }
  std::vector<int64_t> affected;
  auto failed = [&] {
    return Fail(false).WithMetadata("statement_index", static_cast<int64_t>(affected.size()));
  };
  if (mysql_real_query(mysql_.get(), text.data(), text.size()) != 0) return failed();
  while (true) {
    if (MYSQL_RES* result = mysql_store_result(mysql_.get())) {
      mysql_free_result(result);
      affected.push_back(0);
    } else if (mysql_errno(mysql_.get()) != 0) {
      return failed();
    } else {
      affected.push_back(static_cast<int64_t>(mysql_affected_rows(mysql_.get())));
    }
    int status = mysql_next_result(mysql_.get());
    if (status == -1) break;
    if (status > 0) return failed();
  }
  return hugo::Ok(std::move(affected));
}

hugo::Result<hugo::Unit> MysqlConnection::ExecuteScript(std::string_view sql) {
  auto sent = Send(sql, nullptr, false);
  if (sent.IsFailure()) return sent.Error();
  if (MYSQL_RES* result = mysql_store_result(mysql_.get())) {
    mysql_free_result(result);
  } else if (mysql_errno(mysql_.get()) != 0) {
    return Fail(false);
  }
  return DrainResults(false);
}

hugo::Result<hugo::Unit> MysqlConnection::Begin() {
  if (in_transaction_) {
    return StatementError("Begin: a transaction is already open", kErrorStore, "", kNotCommitted);
  }
  auto sent = Send("BEGIN", nullptr, false);
  if (sent.IsFailure()) return sent.Error();
  in_transaction_ = true;
  return hugo::Ok();
}

hugo::Result<hugo::Unit> MysqlConnection::Commit() {
  if (!in_transaction_) {
    return StatementError("Commit: no transaction is open", kErrorStore, "", kNotCommitted);
  }
  auto sent = Send("COMMIT", nullptr, true);
  in_transaction_ = false;
  return sent;
}

hugo::Result<hugo::Unit> MysqlConnection::Rollback() {
  if (!in_transaction_) return hugo::Ok();
  auto sent = Send("ROLLBACK", nullptr, false);
  in_transaction_ = false;
  return sent;
}

hugo::Result<hugo::Unit> MysqlConnection::Ping() {
  auto rows = Query("SELECT 1", std::vector<Value>());
  if (rows.IsFailure()) return rows.Error();
  return hugo::Ok();
}

}  // namespace hdo::persistence::sql
