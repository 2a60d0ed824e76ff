// Goal: every store engine keeps the same contract, the one the history engine relies on: writes
// fenced by conditions (run versions, current-run pointers, namespace versions) and by shard
// ownership (range_id), all-or-nothing transactions under concurrent writers, migrations applied
// in order on an empty database and checked by the server, and a connection killed in the middle
// of a transaction leaving nothing behind. Method: one test list run against a real SQLite file,
// a real PostgreSQL and a real MariaDB, which scripts/test-db starts on free ports
// (tests/testlib/test_db.h: once per ctest run); every test gets a database of its own.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "persistence/execution_store.h"
#include "persistence/group_commit.h"
#include "persistence/migration.h"
#include "persistence/namespace_store.h"
#include "persistence/sql/connect.h"
#include "persistence/sql/execution_store.h"
#include "persistence/sql/migrations.h"
#include "persistence/sql/namespace_store.h"
#include "persistence/sql/session.h"
#include "persistence/sql/shards.h"
#include "persistence/sqlite/database.h"
#include "persistence/sqlite/execution_store.h"
#include "persistence/sqlite/migrations.h"
#include "persistence/sqlite/namespace_store.h"
#include "persistence/sqlite/test_database.h"
#include "testlib/test_db.h"

namespace hdo::persistence {
namespace {

using hugo::Result;
using hugo::Unit;

// One server's view of a store: its stores and a way to run a transaction.
class Stores {
 public:
  virtual ~Stores() = default;
  virtual ExecutionStore& executions() = 0;
  virtual NamespaceStore& namespaces() = 0;
};

// One engine under test, with a fresh database per test.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // Applies the first `count` migrations (all when -1); returns the version reached.
  virtual Result<int> Migrate(int count = -1) = 0;
  virtual int KnownVersion() const = 0;
  // The applied migrations' names, in order.
  virtual Result<std::vector<std::string>> Applied() = 0;
  // Opens the store as a server does (schema checked, shards taken).
  virtual Result<std::unique_ptr<Stores>> Open() = 0;
};

// ---- SQLite --------------------------------------------------------------------------------

class SqliteStores final : public Stores {
 public:
  explicit SqliteStores(std::unique_ptr<sqlite::Database> db)
      : db_(std::move(db)), executions_(db_.get()), namespaces_(db_.get()) {}
  ExecutionStore& executions() override { return executions_; }
  NamespaceStore& namespaces() override { return namespaces_; }

 private:
  std::unique_ptr<sqlite::Database> db_;
  sqlite::SqliteExecutionStore executions_;
  sqlite::SqliteNamespaceStore namespaces_;
};

class SqliteBackend final : public Backend {
 public:
  SqliteBackend() : dir_(sqlite::TestFolder("hdo-conformance")) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~SqliteBackend() override { std::filesystem::remove_all(dir_); }
  std::string name() const override { return "sqlite"; }
  std::string path() const { return (dir_ / "hdo.db").string(); }

  Result<int> Migrate(int count) override {
    auto db = sqlite::Database::Open({.path = path()});
    if (db.IsFailure()) return db.Error();
    std::vector<Migration> migrations = sqlite::SchemaMigrations();
    if (count >= 0) migrations.resize(static_cast<size_t>(count));
    return sqlite::ApplyMigrations(*db.Value(), migrations);
  }
  int KnownVersion() const override { return static_cast<int>(sqlite::SchemaMigrations().size()); }
  Result<std::vector<std::string>> Applied() override {
    auto db = sqlite::Database::Open({.path = path()});
    if (db.IsFailure()) return db.Error();
    sqlite3_stmt* stmt = nullptr;
    std::vector<std::string> names;
    sqlite3_prepare_v2(db.Value()->handle(), "SELECT name FROM schema_version ORDER BY version", -1,
                       &stmt, nullptr);
    while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
      names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
    }
    sqlite3_finalize(stmt);
    return hugo::Ok(std::move(names));
  }
  Result<std::unique_ptr<Stores>> Open() override {
    auto db = sqlite::Database::Open({.path = path()});
    if (db.IsFailure()) return db.Error();
    auto migrated = sqlite::ApplyMigrations(*db.Value(), sqlite::SchemaMigrations());
    if (migrated.IsFailure()) return migrated.Error();
    return hugo::Ok(std::unique_ptr<Stores>(new SqliteStores(std::move(db).Value())));
  }

 private:
  std::filesystem::path dir_;
};

// ---- PostgreSQL and MariaDB ------------------------------------------------------------------

class SqlStores final : public Stores {
 public:
  SqlStores(std::unique_ptr<sql::Session> session, int64_t task_id_floor)
      : session_(std::move(session)),
        executions_(session_.get(), task_id_floor),
        namespaces_(session_.get()) {}
  ExecutionStore& executions() override { return executions_; }
  NamespaceStore& namespaces() override { return namespaces_; }
  sql::Session& session() { return *session_; }

 private:
  std::unique_ptr<sql::Session> session_;
  sql::SqlExecutionStore executions_;
  sql::SqlNamespaceStore namespaces_;
};

// The DSN with another database name.
class SqlBackend final : public Backend {
 public:
  explicit SqlBackend(std::string name) : name_(std::move(name)) {
    const testlib::TestDb& server = testlib::SharedTestDb(name_);
    if (!server.error.empty()) {
      ADD_FAILURE() << "no " << name_ << " server: " << server.error;
      return;
    }
    admin_dsn_ = server.dsn;
    static std::atomic<int> counter{0};
    database_ = "hdo_conf_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    auto admin = Admin();
    if (admin == nullptr) return;
    auto created = admin->Execute("CREATE DATABASE " + database_, {});
    EXPECT_TRUE(created.IsSuccess()) << created.Error().ToString();
    dsn_ = testlib::DsnWithDatabase(admin_dsn_, database_);
  }
  ~SqlBackend() override {
    if (database_.empty() || admin_dsn_.empty()) return;
    auto admin = Admin();
    if (admin != nullptr) {
      if (admin->engine() == sql::Engine::kPostgres) {
        (void)admin->Query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ?",
            {database_});
      }
      (void)admin->Execute("DROP DATABASE " + database_, {});
    }
  }
  std::string name() const override { return name_; }
  const std::string& dsn() const { return dsn_; }

  std::unique_ptr<sql::Connection> Admin() {
    auto admin = sql::Connect(admin_dsn_);
    EXPECT_TRUE(admin.IsSuccess()) << admin.Error().ToString();
    return admin.IsSuccess() ? std::move(admin).Value() : nullptr;
  }
  Result<std::unique_ptr<sql::Connection>> Connect() { return sql::Connect(dsn_); }

  Result<int> Migrate(int count) override {
    auto connection = Connect();
    if (connection.IsFailure()) return connection.Error();
    std::vector<Migration> migrations = sql::SchemaMigrations(connection.Value()->engine());
    if (count >= 0) migrations.resize(static_cast<size_t>(count));
    return sql::ApplyMigrations(*connection.Value(), migrations);
  }
  int KnownVersion() const override {
    return static_cast<int>(
        sql::SchemaMigrations(name_ == "postgres" ? sql::Engine::kPostgres : sql::Engine::kMysql)
            .size());
  }
  Result<std::vector<std::string>> Applied() override {
    auto connection = Connect();
    if (connection.IsFailure()) return connection.Error();
    auto state = sql::ReadSchemaState(*connection.Value(),
                                      sql::SchemaMigrations(connection.Value()->engine()));
    if (state.IsFailure()) return state.Error();
    return hugo::Ok(state.Value().applied);
  }
  Result<std::unique_ptr<Stores>> Open() override {
    auto sql_stores = OpenSql();
    if (sql_stores.IsFailure()) return sql_stores.Error();
    return hugo::Ok(std::unique_ptr<Stores>(std::move(sql_stores).Value()));
  }
  Result<std::unique_ptr<SqlStores>> OpenSql(const std::string& owner = "test") {
    auto connection = Connect();
    if (connection.IsFailure()) return connection.Error();
    auto schema =
        sql::CheckSchema(*connection.Value(), sql::SchemaMigrations(connection.Value()->engine()));
    if (schema.IsFailure()) return schema.Error();
    auto session = std::make_unique<sql::Session>(std::move(connection).Value());
    auto ownership = sql::AcquireShards(*session, 4, owner);
    if (ownership.IsFailure()) return ownership.Error();
    int64_t floor = ownership.Value().task_id_floor;
    session->SetFence(sql::ShardFence(std::move(ownership).Value()));
    return hugo::Ok(std::make_unique<SqlStores>(std::move(session), floor));
  }

 private:
  std::string name_;
  std::string admin_dsn_;
  std::string database_;
  std::string dsn_;
};

std::unique_ptr<Backend> MakeBackend(const std::string& name) {
  if (name == "sqlite") return std::make_unique<SqliteBackend>();
  return std::make_unique<SqlBackend>(name);
}

// ---- The test list ---------------------------------------------------------------------------

RunWrite NewRun(const std::string& workflow_id, const std::string& run_id) {
  RunWrite write;
  write.run = RunRecord{{"ns-1", workflow_id, run_id}, 1, std::string("state\0one", 9), 1};
  write.current_mode = CurrentRunMode::kCreate;
  write.create_request_id = "request-" + run_id;
  write.history.push_back({1, 2, std::string("\x00\xff\x01 events 1-2", 14)});
  return write;
}

RunWrite Update(const std::string& workflow_id, const std::string& run_id, int64_t version,
                int64_t first_event_id) {
  RunWrite write;
  write.run =
      RunRecord{{"ns-1", workflow_id, run_id}, version, "state-" + std::to_string(version), 1};
  write.current_mode = CurrentRunMode::kUpdate;
  write.history.push_back(
      {first_event_id, first_event_id, "events-" + std::to_string(first_event_id)});
  return write;
}

Transaction Tx(std::vector<RunWrite> runs, std::vector<TransferTaskRecord> tasks = {}) {
  Transaction transaction;
  transaction.runs = std::move(runs);
  transaction.new_transfer_tasks = std::move(tasks);
  return transaction;
}

class ConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    backend_ = MakeBackend(GetParam());
    if (HasFailure()) GTEST_FAIL() << "the " << GetParam() << " backend is not available";
  }
  std::unique_ptr<Stores> OpenMigrated() {
    auto migrated = backend_->Migrate();
    EXPECT_TRUE(migrated.IsSuccess()) << migrated.Error().ToString();
    auto stores = backend_->Open();
    EXPECT_TRUE(stores.IsSuccess()) << stores.Error().ToString();
    return stores.IsSuccess() ? std::move(stores).Value() : nullptr;
  }
  SqlBackend* Sql() { return dynamic_cast<SqlBackend*>(backend_.get()); }

  std::unique_ptr<Backend> backend_;
};

TEST_P(ConformanceTest, MigrationsApplyInOrderOnAnEmptyDatabaseOnceAndOnlyOnce) {
  auto first = backend_->Migrate();
  ASSERT_TRUE(first.IsSuccess()) << first.Error().ToString();
  EXPECT_EQ(first.Value(), backend_->KnownVersion());
  auto applied = backend_->Applied();
  ASSERT_TRUE(applied.IsSuccess()) << applied.Error().ToString();
  ASSERT_EQ(static_cast<int>(applied.Value().size()), backend_->KnownVersion());
  for (size_t i = 0; i < applied.Value().size(); ++i) {
    EXPECT_EQ(applied.Value()[i].rfind("V" + std::to_string(i + 1) + "__", 0), 0u)
        << applied.Value()[i];
  }
  auto again = backend_->Migrate();
  ASSERT_TRUE(again.IsSuccess()) << again.Error().ToString();
  EXPECT_EQ(backend_->Applied().Value().size(), applied.Value().size());
  auto stores = backend_->Open();
  EXPECT_TRUE(stores.IsSuccess()) << stores.Error().ToString();
}

TEST_P(ConformanceTest, AnOlderSchemaIsCompletedInOrderAndTheServerRefusesItBefore) {
  ASSERT_GE(backend_->KnownVersion(), 2);
  auto partial = backend_->Migrate(1);
  ASSERT_TRUE(partial.IsSuccess()) << partial.Error().ToString();
  EXPECT_EQ(partial.Value(), 1);
  if (Sql() != nullptr) {
    // The server refuses an older schema and names the command (SQLite migrates itself).
    auto refused = backend_->Open();
    ASSERT_TRUE(refused.IsFailure());
    EXPECT_TRUE(refused.Error().HasCode(sql::kErrorSchemaTooOld)) << refused.Error().ToString();
    EXPECT_NE(refused.Error().Message().find("hdo admin schema migrate"), std::string::npos)
        << refused.Error().Message();
    EXPECT_EQ(refused.Error().Message().find(":hdo@"), std::string::npos);
  }
  auto rest = backend_->Migrate();
  ASSERT_TRUE(rest.IsSuccess()) << rest.Error().ToString();
  EXPECT_EQ(rest.Value(), backend_->KnownVersion());
  EXPECT_EQ(static_cast<int>(backend_->Applied().Value().size()), backend_->KnownVersion());
  EXPECT_TRUE(backend_->Open().IsSuccess());
}

TEST_P(ConformanceTest, RunVersionsFenceWritesAndALosingTransactionWritesNothing) {
  auto stores = OpenMigrated();
  ASSERT_NE(stores, nullptr);
  ExecutionStore& executions = stores->executions();
  ASSERT_TRUE(executions.Write(Tx({NewRun("order-1", "run-a")}, {{101, "task"}})).IsSuccess());
  ASSERT_TRUE(executions.Write(Tx({Update("order-1", "run-a", 2, 3)})).IsSuccess());

  // A writer that read version 1 loses, and nothing of its transaction stays.
  RunWrite other = NewRun("order-2", "run-b");
  auto stale = executions.Write(Tx({other, Update("order-1", "run-a", 2, 4)}, {{102, "x"}}));
  ASSERT_TRUE(stale.IsFailure());
  EXPECT_TRUE(stale.Error().HasCode(kErrorConditionFailed)) << stale.Error().ToString();
  EXPECT_TRUE(executions.GetCurrentRun("ns-1", "order-2").Error().HasCode(kErrorNotFound));
  auto tasks = executions.LoadTransferTasks(0, 10);
  ASSERT_TRUE(tasks.IsSuccess());
  ASSERT_EQ(tasks.Value().size(), 1u);
  EXPECT_EQ(tasks.Value()[0].task_id, 101);

  auto run = executions.GetRun({"ns-1", "order-1", "run-a"});
  ASSERT_TRUE(run.IsSuccess());
  EXPECT_EQ(run.Value().db_version, 2);
  EXPECT_EQ(run.Value().state, "state-2");

  // A second create of the id is AlreadyExists; a replace needs the expected current run.
  auto again = executions.Write(Tx({NewRun("order-1", "run-c")}));
  ASSERT_TRUE(again.IsFailure());
  EXPECT_TRUE(again.Error().HasCode(kErrorAlreadyExists)) << again.Error().ToString();
  RunWrite replace = NewRun("order-1", "run-d");
  replace.current_mode = CurrentRunMode::kReplace;
  replace.expected_current_run_id = "run-x";
  auto moved = executions.Write(Tx({replace}));
  ASSERT_TRUE(moved.IsFailure());
  EXPECT_TRUE(moved.Error().HasCode(kErrorConditionFailed));
  replace.expected_current_run_id = "run-a";
  ASSERT_TRUE(executions.Write(Tx({replace})).IsSuccess());
  EXPECT_EQ(executions.GetCurrentRun("ns-1", "order-1").Value().run_id, "run-d");

  // Blobs come back byte for byte; history pages from an event inside a batch.
  auto history = executions.ReadHistory("ns-1", "run-a", 2, 10);
  ASSERT_TRUE(history.IsSuccess());
  ASSERT_EQ(history.Value().size(), 2u);
  EXPECT_EQ(history.Value()[0].data, std::string("\x00\xff\x01 events 1-2", 14));
  EXPECT_EQ(history.Value()[1].first_event_id, 3);
  EXPECT_EQ(executions.GetRun({"ns-1", "order-1", "run-d"}).Value().state,
            std::string("state\0one", 9));
}

TEST_P(ConformanceTest, NamespaceVersionsFenceUpdates) {
  auto stores = OpenMigrated();
  ASSERT_NE(stores, nullptr);
  NamespaceStore& namespaces = stores->namespaces();
  ASSERT_TRUE(namespaces.CreateNamespace({"id-1", "orders", 1, "v1"}).IsSuccess());
  auto taken = namespaces.CreateNamespace({"id-2", "orders", 1, "other"});
  ASSERT_TRUE(taken.IsFailure());
  EXPECT_TRUE(taken.Error().HasCode(kErrorAlreadyExists)) << taken.Error().ToString();
  ASSERT_TRUE(namespaces.UpdateNamespace({"id-1", "orders", 2, "v2"}, 1).IsSuccess());
  auto stale = namespaces.UpdateNamespace({"id-1", "orders", 2, "v2-lost"}, 1);
  ASSERT_TRUE(stale.IsFailure());
  EXPECT_TRUE(stale.Error().HasCode(kErrorConditionFailed));
  EXPECT_EQ(namespaces.GetNamespaceByName("orders").Value().data, "v2");
  EXPECT_TRUE(namespaces.GetNamespaceById("id-2").Error().HasCode(kErrorNotFound));
}

// A deleted namespace is renamed first (its name free for a new one), removed last.
TEST_P(ConformanceTest, NamespacesAreRenamedAndDeleted) {
  auto stores = OpenMigrated();
  ASSERT_NE(stores, nullptr);
  NamespaceStore& namespaces = stores->namespaces();
  ASSERT_TRUE(namespaces.CreateNamespace({"id-1", "orders", 1, "v1"}).IsSuccess());
  ASSERT_TRUE(namespaces.CreateNamespace({"id-2", "billing", 1, "v1"}).IsSuccess());
  auto taken = namespaces.UpdateNamespace({"id-1", "billing", 2, "v2"}, 1);
  ASSERT_TRUE(taken.IsFailure());
  EXPECT_TRUE(taken.Error().HasCode(kErrorAlreadyExists)) << taken.Error().ToString();
  ASSERT_TRUE(namespaces.UpdateNamespace({"id-1", "orders-deleted-id-1", 2, "v2"}, 1).IsSuccess());
  EXPECT_TRUE(namespaces.GetNamespaceByName("orders").Error().HasCode(kErrorNotFound));
  EXPECT_EQ(namespaces.GetNamespaceById("id-1").Value().name, "orders-deleted-id-1");
  ASSERT_TRUE(namespaces.CreateNamespace({"id-3", "orders", 1, "new"}).IsSuccess());
  ASSERT_TRUE(namespaces.DeleteNamespace("id-1").IsSuccess());
  EXPECT_TRUE(namespaces.GetNamespaceById("id-1").Error().HasCode(kErrorNotFound));
  EXPECT_TRUE(namespaces.DeleteNamespace("id-1").Error().HasCode(kErrorNotFound));
  EXPECT_EQ(namespaces.GetNamespaceByName("orders").Value().id, "id-3");
}

// Two servers on one store: only one may write. SQLite: the file lock refuses the second
// server. PostgreSQL/MariaDB: the second takes the shards (range_id + 1); the first's next
// write fails, commits nothing, and says it lost them.
TEST_P(ConformanceTest, ASecondOwnerFencesTheFirstOut) {
  auto first = OpenMigrated();
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(first->executions().Write(Tx({NewRun("order-1", "run-a")})).IsSuccess());
  auto second = backend_->Open();
  if (Sql() == nullptr) {
    ASSERT_TRUE(second.IsFailure());
    EXPECT_TRUE(second.Error().HasCode(sqlite::kErrorLocked)) << second.Error().ToString();
    return;
  }
  ASSERT_TRUE(second.IsSuccess()) << second.Error().ToString();
  auto fenced = first->executions().Write(Tx({Update("order-1", "run-a", 2, 3)}));
  ASSERT_TRUE(fenced.IsFailure());
  EXPECT_TRUE(fenced.Error().HasCode(sql::kErrorShardOwnershipLost)) << fenced.Error().ToString();
  auto run = second.Value()->executions().GetRun({"ns-1", "order-1", "run-a"});
  ASSERT_TRUE(run.IsSuccess());
  EXPECT_EQ(run.Value().db_version, 1);
  EXPECT_TRUE(
      second.Value()->executions().Write(Tx({Update("order-1", "run-a", 2, 3)})).IsSuccess());
  // Task ids of the new ownership start above the old one's.
  EXPECT_GT(second.Value()->executions().MaxTaskId().Value(),
            first->executions().MaxTaskId().Value());
}

TEST_P(ConformanceTest, ConcurrentWritersNeverLoseAnUpdate) {
  auto stores = OpenMigrated();
  ASSERT_NE(stores, nullptr);
  ASSERT_TRUE(stores->executions().Write(Tx({NewRun("counter", "run-a")})).IsSuccess());
  if (Sql() == nullptr) {
    // SQLite: one writer per file. A second writer is refused outright while the first one
    // holds the file, so there is nothing to interleave.
    auto second = backend_->Open();
    ASSERT_TRUE(second.IsFailure());
    EXPECT_TRUE(second.Error().HasCode(sqlite::kErrorLocked)) << second.Error().ToString();
    return;
  }
  // Two connections, as two servers' store threads (the shard fence is per server; here both
  // write without one, so only the run versions arbitrate), each adding 25 increments with
  // read-modify-write and retrying when it loses.
  constexpr int kPerWriter = 25;
  auto writer = [&](int id, std::atomic<int>* conflicts) {
    auto connection = Sql()->Connect();
    ASSERT_TRUE(connection.IsSuccess()) << connection.Error().ToString();
    sql::Session session(std::move(connection).Value());
    sql::SqlExecutionStore executions(&session, 0);
    int done = 0;
    while (done < kPerWriter) {
      auto run = executions.GetRun({"ns-1", "counter", "run-a"});
      ASSERT_TRUE(run.IsSuccess()) << run.Error().ToString();
      RunWrite write;
      write.run = run.Value();
      write.run.db_version += 1;
      write.run.state = "writer-" + std::to_string(id);
      write.current_mode = CurrentRunMode::kUpdate;
      auto written = executions.Write(Tx({write}));
      if (written.IsSuccess()) {
        ++done;
      } else {
        ASSERT_TRUE(written.Error().HasCode(kErrorConditionFailed) ||
                    written.Error().HasCode(sql::kErrorRetryable))
            << written.Error().ToString();
        ++*conflicts;
      }
    }
  };
  std::atomic<int> conflicts{0};
  std::thread a(writer, 1, &conflicts);
  std::thread b(writer, 2, &conflicts);
  a.join();
  b.join();
  auto run = stores->executions().GetRun({"ns-1", "counter", "run-a"});
  ASSERT_TRUE(run.IsSuccess());
  EXPECT_EQ(run.Value().db_version, 1 + 2 * kPerWriter) << conflicts.load() << " conflicts";
}

// The store thread's connection is killed (PostgreSQL: pg_terminate_backend; MariaDB: KILL)
// while a group-commit batch is open: the transaction fails as lost, nothing of the batch is
// stored, and the next transaction works on a new connection. SQLite: the process writing is
// killed in the middle of its transaction.
TEST_P(ConformanceTest, AConnectionKilledInTheMiddleOfATransactionLeavesNothing) {
  auto migrated = backend_->Migrate();
  ASSERT_TRUE(migrated.IsSuccess()) << migrated.Error().ToString();
  SqlBackend* sql = Sql();
  if (sql == nullptr) {
    auto* sqlite_backend = static_cast<SqliteBackend*>(backend_.get());
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    pid_t child = ::fork();
    if (child == 0) {
      auto db = sqlite::Database::Open({.path = sqlite_backend->path()});
      if (db.IsFailure()) ::_exit(3);
      sqlite::SqliteExecutionStore executions(db.Value().get());
      (void)db.Value()->InTransaction([&]() -> Result<Unit> {
        (void)executions.Write(Tx({NewRun("order-1", "run-a")}));
        char byte = 1;
        (void)!::write(ready[1], &byte, 1);
        ::pause();  // killed here, the transaction open
        return hugo::Ok();
      });
      ::_exit(0);
    }
    char byte = 0;
    ASSERT_EQ(::read(ready[0], &byte, 1), 1);
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ::close(ready[0]);
    ::close(ready[1]);
    auto stores = backend_->Open();
    ASSERT_TRUE(stores.IsSuccess()) << stores.Error().ToString();
    EXPECT_TRUE(stores.Value()
                    ->executions()
                    .GetCurrentRun("ns-1", "order-1")
                    .Error()
                    .HasCode(kErrorNotFound));
    EXPECT_TRUE(stores.Value()->executions().Write(Tx({NewRun("order-1", "run-a")})).IsSuccess());
    return;
  }
  auto opened = sql->OpenSql();
  ASSERT_TRUE(opened.IsSuccess()) << opened.Error().ToString();
  SqlStores& stores = *opened.Value();
  asio::io_context io;
  GroupCommit group(&stores.session(), io.get_executor(), {});
  int lost = 0;
  group.SetOnLost([&](const hugo::Error&) {
    ++lost;
    group.Resume();
  });
  ASSERT_TRUE(stores.executions().Write(Tx({NewRun("order-1", "run-a")})).IsSuccess());
  ASSERT_TRUE(stores.session().BatchOpen());
  std::optional<Result<Unit>> reply;
  group.AfterDurable([&](Result<Unit> done) { reply = std::move(done); });

  auto admin = sql->Admin();
  ASSERT_NE(admin, nullptr);
  int64_t victim = stores.session().connection().SessionId();
  if (admin->engine() == sql::Engine::kPostgres) {
    auto killed = admin->Query("SELECT pg_terminate_backend(CAST(? AS integer))", {victim});
    ASSERT_TRUE(killed.IsSuccess()) << killed.Error().ToString();
  } else {
    auto killed = admin->Execute("KILL " + std::to_string(victim), {});
    ASSERT_TRUE(killed.IsSuccess()) << killed.Error().ToString();
  }
  // The next transaction of the batch meets the dead connection.
  auto next = stores.executions().Write(Tx({NewRun("order-2", "run-b")}));
  ASSERT_TRUE(next.IsFailure());
  EXPECT_TRUE(next.Error().HasCode(sql::kErrorConnectionLost)) << next.Error().ToString();
  EXPECT_EQ(next.Error().TryGetMetadata<std::string>("commit_state").value_or(""), "not_committed");
  EXPECT_FALSE(stores.session().BatchOpen());
  ASSERT_TRUE(reply.has_value());
  EXPECT_TRUE(reply->IsFailure());  // the first transaction's reply says it was lost
  io.run();
  EXPECT_EQ(lost, 1);

  // Nothing of the batch is stored; the session works again (reconnected).
  auto current = stores.executions().GetCurrentRun("ns-1", "order-1");
  ASSERT_TRUE(current.IsFailure());
  EXPECT_TRUE(current.Error().HasCode(kErrorNotFound)) << current.Error().ToString();
  ASSERT_TRUE(stores.executions().Write(Tx({NewRun("order-1", "run-a")})).IsSuccess());
  ASSERT_TRUE(group.Flush().IsSuccess());
  auto fresh = sql->OpenSql("reader");
  ASSERT_TRUE(fresh.IsSuccess()) << fresh.Error().ToString();
  EXPECT_EQ(fresh.Value()->executions().GetCurrentRun("ns-1", "order-1").Value().run_id, "run-a");
}

// The client/server engines only: their connections can break between transactions (a database
// restart, an idle timeout, an operator's kill). A transaction that certainly did not commit is
// run again on a new connection, so the caller sees no error.
class SqlSessionTest : public ConformanceTest {};

TEST_P(SqlSessionTest, AConnectionLostBetweenTransactionsIsReconnectedWithoutAnError) {
  auto migrated = backend_->Migrate();
  ASSERT_TRUE(migrated.IsSuccess()) << migrated.Error().ToString();
  auto opened = Sql()->OpenSql();
  ASSERT_TRUE(opened.IsSuccess()) << opened.Error().ToString();
  SqlStores& stores = *opened.Value();
  ASSERT_TRUE(stores.executions().Write(Tx({NewRun("order-1", "run-a")})).IsSuccess());
  for (bool batched : {false, true}) {
    SCOPED_TRACE(batched ? "group commit" : "a transaction of its own");
    asio::io_context io;
    std::optional<GroupCommit> group;
    if (batched) group.emplace(&stores.session(), io.get_executor(), GroupCommit::Options{});
    int64_t victim = stores.session().connection().SessionId();
    auto admin = Sql()->Admin();
    ASSERT_NE(admin, nullptr);
    if (admin->engine() == sql::Engine::kPostgres) {
      ASSERT_TRUE(
          admin->Query("SELECT pg_terminate_backend(CAST(? AS integer))", {victim}).IsSuccess());
    } else {
      ASSERT_TRUE(admin->Execute("KILL " + std::to_string(victim), {}).IsSuccess());
    }
    // Until the server has ended the session, the old connection may still answer.
    for (int i = 0; i < 100; ++i) {
      auto alive = admin->Query(admin->engine() == sql::Engine::kPostgres
                                    ? "SELECT count(*) FROM pg_stat_activity WHERE pid = ?"
                                    : "SELECT count(*) FROM information_schema.processlist "
                                      "WHERE id = ?",
                                {victim});
      ASSERT_TRUE(alive.IsSuccess()) << alive.Error().ToString();
      if (alive.Value().Int64(0, 0) == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    int64_t version = batched ? 3 : 2;
    auto written =
        stores.executions().Write(Tx({Update("order-1", "run-a", version, version + 1)}));
    ASSERT_TRUE(written.IsSuccess()) << written.Error().ToString();
    EXPECT_NE(stores.session().connection().SessionId(), victim);
    if (batched) {
      ASSERT_TRUE(group->Flush().IsSuccess());
    }
    group.reset();
    auto fresh = Sql()->OpenSql("reader");
    ASSERT_TRUE(fresh.IsSuccess()) << fresh.Error().ToString();
    EXPECT_EQ(fresh.Value()->executions().GetRun({"ns-1", "order-1", "run-a"}).Value().db_version,
              version);
    // The reader took the shards (the writer's fence now refuses): the writer takes them back for
    // the next round.
    EXPECT_TRUE(stores.executions()
                    .Write(Tx({Update("order-1", "run-a", version + 1, version + 2)}))
                    .Error()
                    .HasCode(sql::kErrorShardOwnershipLost));
    stores.session().SetFence(nullptr);
    auto ownership = sql::AcquireShards(stores.session(), 4, "test");
    ASSERT_TRUE(ownership.IsSuccess()) << ownership.Error().ToString();
    stores.session().SetFence(sql::ShardFence(std::move(ownership).Value()));
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, SqlSessionTest, ::testing::Values("postgres", "mariadb"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           return param.param;
                         });

INSTANTIATE_TEST_SUITE_P(Engines, ConformanceTest,
                         ::testing::Values("sqlite", "postgres", "mariadb"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           return param.param;
                         });

}  // namespace
}  // namespace hdo::persistence
