// The PostgreSQL and MySQL drivers against real servers (scripts/test-db via testlib::TestDb):
// every test runs on both engines.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <thread>

#include "persistence/namespace_store.h"
#include "persistence/sql/connect.h"
#include "persistence/sql/dsn.h"
#include "testlib/test_db.h"

namespace hdo::persistence::sql {
namespace {

std::string CommitState(const hugo::Error& error) {
  return error.TryGetMetadata<std::string>("commit_state").value_or("<none>");
}

std::string SqlState(const hugo::Error& error) {
  return error.TryGetMetadata<std::string>("sql_state").value_or("<none>");
}

// A TCP port on 127.0.0.1 that nothing listens on: bound to port 0, then closed.
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

std::string Blob256() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  return bytes;
}

class ConnectionTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const testlib::TestDb& db = testlib::SharedTestDb(GetParam());
    ASSERT_TRUE(db.error.empty()) << db.error;
    dsn_ = db.dsn;
    auto parsed = ParseDsn(dsn_);
    ASSERT_TRUE(parsed.IsSuccess()) << parsed.Error().ToString();
    parsed_ = parsed.Value();
    connection_ = Open();
    ASSERT_NE(connection_, nullptr);
    table_ = "t_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
    for (char& c : table_) {
      if (c == '/') c = '_';
    }
    table_.resize(std::min<size_t>(table_.size(), 60));  // MySQL names have at most 64 characters
    Run("DROP TABLE IF EXISTS " + table_);
    Run("CREATE TABLE " + table_ + " (id BIGINT PRIMARY KEY, i BIGINT, d " +
        (postgres() ? "DOUBLE PRECISION" : "DOUBLE") + ", s " + (postgres() ? "TEXT" : "LONGTEXT") +
        ", b " + (postgres() ? "BYTEA" : "LONGBLOB") + ")");
  }

  bool postgres() const { return GetParam() == "postgres"; }

  std::unique_ptr<Connection> Open() {
    auto connection = Connect(dsn_);
    EXPECT_TRUE(connection.IsSuccess()) << connection.Error().ToString();
    return connection.IsSuccess() ? std::move(connection).Value() : nullptr;
  }

  void Run(const std::string& sql) {
    auto done = connection_->Execute(sql, {});
    ASSERT_TRUE(done.IsSuccess()) << sql << ": " << done.Error().ToString();
  }

  int64_t Count(Connection& connection, const std::string& where = "TRUE") {
    auto rows = connection.Query("SELECT COUNT(*) FROM " + table_ + " WHERE " + where, {});
    EXPECT_TRUE(rows.IsSuccess()) << rows.Error().ToString();
    return rows.IsSuccess() ? rows.Value().Int64(0, 0) : -1;
  }

  hugo::Result<int64_t> Insert(Connection& connection, int64_t id) {
    return connection.Execute("INSERT INTO " + table_ + " (id, i) VALUES (?, ?)", {id, id * 10});
  }

  // Kills the session of `victim` from another connection and waits until the server has ended it.
  void KillSession(int64_t victim) {
    auto killer = Open();
    ASSERT_NE(killer, nullptr);
    if (postgres()) {
      auto killed =
          killer->Query("SELECT pg_terminate_backend(CAST(? AS INTEGER), 10000)", {victim});
      ASSERT_TRUE(killed.IsSuccess()) << killed.Error().ToString();
      ASSERT_EQ(killed.Value().Int64(0, 0), 1);
    } else {
      auto killed = killer->Execute("KILL " + std::to_string(victim), {});
      ASSERT_TRUE(killed.IsSuccess()) << killed.Error().ToString();
    }
    std::string gone = postgres() ? "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = ?"
                                  : "SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                                    "WHERE ID = ?";
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (true) {
      auto rows = killer->Query(gone, {victim});
      ASSERT_TRUE(rows.IsSuccess()) << rows.Error().ToString();
      if (rows.Value().Int64(0, 0) == 0) break;
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "session " << victim << " lives on";
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // The connect error of `dsn`, which must be kErrorConnect.
  std::string ConnectRefusal(const std::string& dsn) {
    auto connection = Connect(dsn);
    EXPECT_TRUE(connection.IsFailure()) << dsn;
    if (connection.IsSuccess()) return "";
    EXPECT_EQ(connection.Error().Code(), kErrorConnect) << connection.Error().ToString();
    return connection.Error().Message();
  }

  std::string DsnWith(const std::string& password, int port, const std::string& database) {
    return std::string(postgres() ? "postgres://" : "mysql://") + parsed_.user + ":" + password +
           "@127.0.0.1:" + std::to_string(port) + "/" + database;
  }

  std::string dsn_;
  Dsn parsed_;
  std::string table_;
  std::unique_ptr<Connection> connection_;
};

TEST_P(ConnectionTest, EveryValueKindRoundTripsExactly) {
  const std::string text = "h\xC3\xA9llo \xE2\x9C\x93 'quoted' \"double\" ? \\ back";
  std::string insert = "INSERT INTO " + table_ + " (id, i, d, s, b) VALUES (?, ?, ?, ?, ?)";
  std::vector<std::vector<Value>> rows = {
      {int64_t{1}, std::numeric_limits<int64_t>::min(), 0.1, text, Blob{Blob256()}},
      {int64_t{2}, std::numeric_limits<int64_t>::max(), -1e300, std::string(), Blob{}},
      {int64_t{3}, std::monostate{}, std::monostate{}, std::monostate{}, std::monostate{}},
      {int64_t{4}, int64_t{0}, 1.0 / 3.0, std::string("tab\tnew\nline\x1a"),
       Blob{std::string("\0\0'\\\"\x1a", 6)}}};
  for (const auto& row : rows) {
    auto inserted = connection_->Execute(insert, row);
    ASSERT_TRUE(inserted.IsSuccess()) << inserted.Error().ToString();
    EXPECT_EQ(inserted.Value(), 1);
  }
  auto read = connection_->Query("SELECT id, i, d, s, b FROM " + table_ + " ORDER BY id", {});
  ASSERT_TRUE(read.IsSuccess()) << read.Error().ToString();
  const Rows& result = read.Value();
  ASSERT_EQ(result.size(), 4u);
  ASSERT_EQ(result.column_count(), 5);
  for (size_t row = 0; row < 4; ++row)
    EXPECT_EQ(result.Int64(row, 0), static_cast<int64_t>(row + 1));
  EXPECT_EQ(result.Int64(0, 1), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(result.Double(0, 2), 0.1);
  EXPECT_EQ(result.Bytes(0, 3), text);
  EXPECT_EQ(result.Bytes(0, 4), Blob256());
  EXPECT_EQ(result.Int64(1, 1), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(result.Double(1, 2), -1e300);
  EXPECT_FALSE(result.IsNull(1, 3));
  EXPECT_EQ(result.Bytes(1, 3), "");
  EXPECT_FALSE(result.IsNull(1, 4));
  EXPECT_EQ(result.Bytes(1, 4), "");
  for (int column = 1; column < 5; ++column) {
    EXPECT_TRUE(result.IsNull(2, column)) << column;
    EXPECT_EQ(result.Bytes(2, column), "");
  }
  EXPECT_EQ(result.Int64(3, 1), 0);
  EXPECT_EQ(result.Double(3, 2), 1.0 / 3.0);
  EXPECT_EQ(result.Bytes(3, 3), "tab\tnew\nline\x1a");
  EXPECT_EQ(result.Bytes(3, 4), std::string("\0\0'\\\"\x1a", 6));
}

TEST_P(ConnectionTest, AQuestionMarkInsideAStringLiteralIsNotAPlaceholder) {
  auto rows = connection_->Query("SELECT 'why?', ? -- a comment?\n", {int64_t{42}});
  ASSERT_TRUE(rows.IsSuccess()) << rows.Error().ToString();
  EXPECT_EQ(rows.Value().Bytes(0, 0), "why?");
  EXPECT_EQ(rows.Value().Int64(0, 1), 42);
}

TEST_P(ConnectionTest, AParameterCountThatDoesNotMatchThePlaceholdersIsRefused) {
  auto inserted = connection_->Execute("INSERT INTO " + table_ + " (id) VALUES (?)", {});
  ASSERT_TRUE(inserted.IsFailure());
  EXPECT_EQ(inserted.Error().Code(), kErrorStore);
  EXPECT_NE(inserted.Error().Message().find("1 placeholders but 0 parameters"), std::string::npos)
      << inserted.Error().Message();
}

TEST_P(ConnectionTest, ExecuteCountsMatchedRowsEvenWhenNothingChanges) {
  for (int64_t id = 1; id <= 3; ++id) ASSERT_TRUE(Insert(*connection_, id).IsSuccess());
  std::string update = "UPDATE " + table_ + " SET i = ? WHERE id <= ?";
  auto first = connection_->Execute(update, {int64_t{5}, int64_t{2}});
  ASSERT_TRUE(first.IsSuccess()) << first.Error().ToString();
  EXPECT_EQ(first.Value(), 2);
  auto again = connection_->Execute(update, {int64_t{5}, int64_t{2}});
  ASSERT_TRUE(again.IsSuccess()) << again.Error().ToString();
  EXPECT_EQ(again.Value(), 2);  // MySQL: matched rows (CLIENT_FOUND_ROWS), not changed ones
  auto none = connection_->Execute("DELETE FROM " + table_ + " WHERE id = ?", {int64_t{99}});
  ASSERT_TRUE(none.IsSuccess()) << none.Error().ToString();
  EXPECT_EQ(none.Value(), 0);
}

TEST_P(ConnectionTest, ABatchRunsEveryStatementInOrderAndCountsEachOnesRows) {
  for (int64_t id = 1; id <= 3; ++id) ASSERT_TRUE(Insert(*connection_, id).IsSuccess());
  std::vector<Statement> batch = {
      {"INSERT INTO " + table_ + " (id, i, s, b) VALUES (?, ?, ?, ?)",
       {int64_t{4}, int64_t{40}, std::string("it's; a ? text"), Blob{std::string("\0;\xff", 3)}}},
      {"UPDATE " + table_ + " SET i = ? WHERE id <= ?", {int64_t{7}, int64_t{2}}},
      {"UPDATE " + table_ + " SET i = ? WHERE id <= ?", {int64_t{7}, int64_t{2}}},
      {"DELETE FROM " + table_ + " WHERE id = ?", {int64_t{99}}},
      {"UPDATE " + table_ + " SET i = i + 1 WHERE id = ?", {int64_t{4}}},
  };
  auto done = connection_->ExecuteBatch(batch);
  ASSERT_TRUE(done.IsSuccess()) << done.Error().ToString();
  EXPECT_EQ(done.Value(), (std::vector<int64_t>{1, 2, 2, 0, 1}));
  auto row = connection_->Query("SELECT i, s, b FROM " + table_ + " WHERE id = ?", {int64_t{4}});
  ASSERT_TRUE(row.IsSuccess()) << row.Error().ToString();
  EXPECT_EQ(row.Value().Int64(0, 0), 41);  // the statements ran in order
  EXPECT_EQ(row.Value().Bytes(0, 1), "it's; a ? text");
  EXPECT_EQ(row.Value().Bytes(0, 2), std::string("\0;\xff", 3));
  EXPECT_EQ(Count(*connection_, "i = 7"), 2);
}

TEST_P(ConnectionTest, ABatchStopsAtItsFirstFailureAndNamesIt) {
  ASSERT_TRUE(Insert(*connection_, 1).IsSuccess());
  ASSERT_TRUE(connection_->Begin().IsSuccess());
  ASSERT_TRUE(connection_->Execute("SAVEPOINT batch", {}).IsSuccess());
  std::vector<Statement> batch = {
      {"INSERT INTO " + table_ + " (id, i) VALUES (?, ?)", {int64_t{2}, int64_t{20}}},
      {"INSERT INTO " + table_ + " (id, i) VALUES (?, ?)", {int64_t{1}, int64_t{10}}},
      {"INSERT INTO " + table_ + " (id, i) VALUES (?, ?)", {int64_t{3}, int64_t{30}}},
  };
  auto failed = connection_->ExecuteBatch(batch);
  ASSERT_TRUE(failed.IsFailure());
  EXPECT_EQ(failed.Error().Code(), kErrorDuplicateKey) << failed.Error().ToString();
  EXPECT_EQ(failed.Error().TryGetMetadata<int64_t>("statement_index").value_or(-1), 1);
  EXPECT_TRUE(connection_->InTransaction());
  // The savepoint takes back what ran before the failure; the statement after it never ran.
  ASSERT_TRUE(connection_->Execute("ROLLBACK TO SAVEPOINT batch", {}).IsSuccess());
  EXPECT_EQ(Count(*connection_, "id = 3"), 0);
  ASSERT_TRUE(Insert(*connection_, 5).IsSuccess());  // the transaction goes on
  ASSERT_TRUE(connection_->Commit().IsSuccess());
  EXPECT_EQ(Count(*connection_), 2);
  EXPECT_EQ(Count(*connection_, "id = 2"), 0);
}

// TLS to the database as the DSN asks for it: verified against the server's CA, the session is
// encrypted; against a CA that did not sign the server's certificate, the connection is refused
// with a message that says so.
TEST_P(ConnectionTest, ATlsConnectionVerifiesTheServerAgainstTheGivenCa) {
  const testlib::TestDb& db = testlib::SharedTestDb(GetParam());
  ASSERT_FALSE(db.ca_file.empty()) << "scripts/test-db names no CA";
  std::string other_ca = db.ca_file.substr(0, db.ca_file.rfind('/')) + "/other-ca.pem";
  auto with_ca = [&](const std::string& ca) {
    return dsn_ +
           (postgres() ? "?sslmode=verify-full&sslrootcert=" + ca : "?tls=true&ssl-ca=" + ca);
  };
  auto secure = Connect(with_ca(db.ca_file));
  ASSERT_TRUE(secure.IsSuccess()) << secure.Error().ToString();
  auto cipher = postgres() ? secure.Value()->Query(
                                 "SELECT cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()", {})
                           : secure.Value()->Query(
                                 "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS "
                                 "WHERE VARIABLE_NAME = 'SSL_CIPHER'",
                                 {});
  ASSERT_TRUE(cipher.IsSuccess()) << cipher.Error().ToString();
  ASSERT_EQ(cipher.Value().size(), 1u);
  EXPECT_FALSE(cipher.Value().Bytes(0, 0).empty()) << "the session is not encrypted";

  auto refused = Connect(with_ca(other_ca));
  ASSERT_TRUE(refused.IsFailure());
  EXPECT_EQ(refused.Error().Code(), kErrorConnect) << refused.Error().ToString();
  EXPECT_NE(refused.Error().Message().find("certificate"), std::string::npos)
      << refused.Error().Message();
  EXPECT_EQ(refused.Error().Message().find(":hdo@"), std::string::npos);
}

TEST_P(ConnectionTest, ADuplicateKeyIsClassifiedAsSuch) {
  ASSERT_TRUE(Insert(*connection_, 1).IsSuccess());
  auto duplicate = Insert(*connection_, 1);
  ASSERT_TRUE(duplicate.IsFailure());
  EXPECT_EQ(duplicate.Error().Code(), kErrorDuplicateKey) << duplicate.Error().ToString();
  EXPECT_EQ(SqlState(duplicate.Error()), postgres() ? "23505" : "1062");
  EXPECT_EQ(CommitState(duplicate.Error()), "not_committed");
}

TEST_P(ConnectionTest, CommitKeepsTheRowsAndRollbackDiscardsThem) {
  ASSERT_TRUE(connection_->Begin().IsSuccess());
  EXPECT_TRUE(connection_->InTransaction());
  ASSERT_TRUE(Insert(*connection_, 1).IsSuccess());
  ASSERT_TRUE(connection_->Commit().IsSuccess());
  EXPECT_FALSE(connection_->InTransaction());
  ASSERT_TRUE(connection_->Begin().IsSuccess());
  ASSERT_TRUE(Insert(*connection_, 2).IsSuccess());
  auto other = Open();
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(Count(*other), 1);  // the open transaction's row is not visible elsewhere
  ASSERT_TRUE(connection_->Rollback().IsSuccess());
  EXPECT_FALSE(connection_->InTransaction());
  EXPECT_EQ(Count(*connection_), 1);
  EXPECT_EQ(Count(*connection_, "id = 1"), 1);
}

TEST_P(ConnectionTest, AConnectionKilledInATransactionLosesItAndThenReconnects) {
  ASSERT_TRUE(connection_->Begin().IsSuccess());
  ASSERT_TRUE(Insert(*connection_, 10).IsSuccess());
  int64_t killed_session = connection_->SessionId();
  ASSERT_GT(killed_session, 0);
  ASSERT_NO_FATAL_FAILURE(KillSession(killed_session));

  auto lost = Insert(*connection_, 11);
  ASSERT_TRUE(lost.IsFailure());
  EXPECT_EQ(lost.Error().Code(), kErrorConnectionLost) << lost.Error().ToString();
  EXPECT_EQ(CommitState(lost.Error()), "not_committed");
  EXPECT_FALSE(connection_->InTransaction());

  // The next call reconnects: the killed transaction's rows are absent, and writes work again.
  EXPECT_EQ(Count(*connection_, "id IN (10, 11)"), 0);
  EXPECT_NE(connection_->SessionId(), killed_session);
  ASSERT_TRUE(Insert(*connection_, 12).IsSuccess());
  EXPECT_EQ(Count(*connection_), 1);
  EXPECT_TRUE(connection_->Ping().IsSuccess());
}

TEST_P(ConnectionTest, ACommitOnAKilledConnectionMayHaveCommitted) {
  ASSERT_TRUE(connection_->Begin().IsSuccess());
  ASSERT_TRUE(Insert(*connection_, 1).IsSuccess());
  ASSERT_NO_FATAL_FAILURE(KillSession(connection_->SessionId()));
  auto commit = connection_->Commit();
  ASSERT_TRUE(commit.IsFailure());
  EXPECT_EQ(commit.Error().Code(), kErrorConnectionLost) << commit.Error().ToString();
  // The driver cannot tell whether the server committed before the connection broke.
  EXPECT_EQ(CommitState(commit.Error()), "unknown");
  EXPECT_FALSE(connection_->InTransaction());
  EXPECT_EQ(Count(*connection_), 0);
}

TEST_P(ConnectionTest, AScriptRunsEveryStatementAndReportsAFailingOne) {
  auto script = connection_->ExecuteScript("INSERT INTO " + table_ + " (id) VALUES (1);\n" +
                                           "INSERT INTO " + table_ + " (id, s) VALUES (2, 'a;b');");
  ASSERT_TRUE(script.IsSuccess()) << script.Error().ToString();
  EXPECT_EQ(Count(*connection_), 2);
  auto failing = connection_->ExecuteScript("INSERT INTO " + table_ + " (id) VALUES (3);\n" +
                                            "INSERT INTO no_such_table (id) VALUES (4);");
  ASSERT_TRUE(failing.IsFailure());
  EXPECT_EQ(failing.Error().Code(), kErrorStore);
  EXPECT_NE(failing.Error().Message().find("no_such_table"), std::string::npos)
      << failing.Error().Message();
  // The connection is usable afterwards.
  EXPECT_TRUE(connection_->Ping().IsSuccess());
}

TEST_P(ConnectionTest, DescribeNamesTheServerWithoutThePassword) {
  std::string description = connection_->Describe();
  EXPECT_EQ(description, parsed_.Describe());
  EXPECT_EQ(description.find(":" + parsed_.password + "@"), std::string::npos);
  EXPECT_EQ(connection_->engine(), postgres() ? Engine::kPostgres : Engine::kMysql);
}

TEST_P(ConnectionTest, AWrongPasswordIsAConnectErrorThatSaysSo) {
  std::string message = ConnectRefusal(DsnWith("Wr0ngPassw0rd", parsed_.port, parsed_.database));
  EXPECT_NE(message.find(postgres() ? "password authentication failed for user '" + parsed_.user +
                                          "'; check the password in the DSN"
                                    : "access denied for user '" + parsed_.user +
                                          "'; check the user and the password in the DSN"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find("Wr0ngPassw0rd"), std::string::npos) << message;
}

TEST_P(ConnectionTest, AClosedPortIsAConnectErrorThatSaysSo) {
  int port = ClosedPort();
  std::string message = ConnectRefusal(DsnWith("Secr3tPw", port, parsed_.database));
  EXPECT_NE(message.find(std::string("cannot connect to ") + (postgres() ? "PostgreSQL" : "MySQL") +
                         " at 127.0.0.1:" + std::to_string(port) +
                         ": connection refused; is the server running and listening there?"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find("Secr3tPw"), std::string::npos) << message;
}

TEST_P(ConnectionTest, AnUnknownDatabaseIsAConnectErrorThatSaysSo) {
  std::string message = ConnectRefusal(DsnWith(parsed_.password, parsed_.port, "no_such_db"));
  EXPECT_NE(message.find("database 'no_such_db' does not exist; create it"), std::string::npos)
      << message;
}

TEST_P(ConnectionTest, AMegabyteBlobRoundTripsExactly) {
  std::string bytes(1 << 20, '\0');
  uint32_t state = 12345;
  for (char& byte : bytes) {
    state = state * 1103515245 + 12345;
    byte = static_cast<char>(state >> 24);
  }
  auto inserted = connection_->Execute("INSERT INTO " + table_ + " (id, b) VALUES (?, ?)",
                                       {int64_t{1}, Blob{bytes}});
  ASSERT_TRUE(inserted.IsSuccess()) << inserted.Error().ToString();
  auto read = connection_->Query("SELECT b FROM " + table_ + " WHERE id = ?", {int64_t{1}});
  ASSERT_TRUE(read.IsSuccess()) << read.Error().ToString();
  ASSERT_EQ(read.Value().size(), 1u);
  EXPECT_TRUE(read.Value().Bytes(0, 0) == bytes);
}

TEST_P(ConnectionTest, MoreDistinctStatementsThanTheCacheHoldsStillRun) {
  for (int round = 0; round < 2; ++round) {
    for (int64_t n = 0; n < 300; ++n) {
      auto rows = connection_->Query(
          "SELECT COUNT(*) + " + std::to_string(n) + " FROM " + table_ + " WHERE id > ?",
          {int64_t{0}});
      ASSERT_TRUE(rows.IsSuccess()) << rows.Error().ToString();
      ASSERT_EQ(rows.Value().Int64(0, 0), n);
    }
  }
}

TEST_P(ConnectionTest, ADeadlockIsRetryableAndRollsTheTransactionBack) {
  ASSERT_TRUE(Insert(*connection_, 1).IsSuccess());
  ASSERT_TRUE(Insert(*connection_, 2).IsSuccess());
  auto other = Open();
  ASSERT_NE(other, nullptr);
  std::string update = "UPDATE " + table_ + " SET i = i + 1 WHERE id = ?";
  ASSERT_TRUE(connection_->Begin().IsSuccess());
  ASSERT_TRUE(other->Begin().IsSuccess());
  ASSERT_TRUE(connection_->Execute(update, {int64_t{1}}).IsSuccess());
  ASSERT_TRUE(other->Execute(update, {int64_t{2}}).IsSuccess());
  // Each now waits for the other's row: the server picks a victim.
  std::optional<hugo::Result<int64_t>> first;
  std::thread waiter([&] { first.emplace(connection_->Execute(update, {int64_t{2}})); });
  auto second = other->Execute(update, {int64_t{1}});
  waiter.join();
  ASSERT_TRUE(first.has_value());
  ASSERT_NE(first->IsFailure(), second.IsFailure()) << "exactly one of them is the victim";
  const hugo::Error& error = first->IsFailure() ? first->Error() : second.Error();
  Connection& victim = first->IsFailure() ? *connection_ : *other;
  Connection& survivor = first->IsFailure() ? *other : *connection_;
  EXPECT_EQ(error.Code(), kErrorRetryable) << error.ToString();
  EXPECT_EQ(SqlState(error), postgres() ? "40P01" : "1213");
  EXPECT_EQ(CommitState(error), "not_committed");
  EXPECT_FALSE(victim.InTransaction());
  ASSERT_TRUE(survivor.Commit().IsSuccess());
  auto rows = connection_->Query("SELECT i FROM " + table_ + " ORDER BY id", {});
  ASSERT_TRUE(rows.IsSuccess()) << rows.Error().ToString();
  EXPECT_EQ(rows.Value().Int64(0, 0) + rows.Value().Int64(1, 0), 10 + 20 + 2);
}

TEST_P(ConnectionTest, ACommitAfterAFailedStatementIsReportedWhenTheEngineRollsBack) {
  ASSERT_TRUE(Insert(*connection_, 1).IsSuccess());
  ASSERT_TRUE(connection_->Begin().IsSuccess());
  ASSERT_TRUE(Insert(*connection_, 2).IsSuccess());
  ASSERT_EQ(Insert(*connection_, 1).Error().Code(), kErrorDuplicateKey);
  auto commit = connection_->Commit();
  EXPECT_FALSE(connection_->InTransaction());
  if (postgres()) {
    // PostgreSQL aborted the whole transaction at the failed statement; COMMIT rolls back.
    ASSERT_TRUE(commit.IsFailure());
    EXPECT_EQ(commit.Error().Code(), kErrorStore);
    EXPECT_EQ(CommitState(commit.Error()), "not_committed");
    EXPECT_EQ(Count(*connection_), 1);
  } else {
    // MySQL undid the failed statement only.
    ASSERT_TRUE(commit.IsSuccess()) << commit.Error().ToString();
    EXPECT_EQ(Count(*connection_), 2);
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, ConnectionTest, ::testing::Values("postgres", "mariadb"),
                         [](const ::testing::TestParamInfo<std::string>& engine) {
                           return engine.param;
                         });

}  // namespace
}  // namespace hdo::persistence::sql
