// Goal: on real PostgreSQL and MariaDB servers, the visibility schema (V2) migrates; listing rows
// are written and replaced (whole or counters only); lists filter, order (open first, then close
// and start time descending) and page without loss or repeats; every operator family of the list
// filter language selects the same runs as on SQLite (the cases of visibility/query_test.cc's
// TranslatedQueryOnSqlite); counts total and group by status; custom search attributes are added
// and removed all or nothing; the Hugo view presents the rows. Method: servers started by
// scripts/test-db (testlib::SharedTestDb), the real drivers, the real translator.
#include "persistence/sql/visibility_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "persistence/namespace_store.h"
#include "persistence/sql/connect.h"
#include "persistence/sql/own_database_test_util.h"
#include "temporal/api/enums/v1/workflow.pb.h"
#include "testlib/test_db.h"
#include "visibility/search_attributes.h"

namespace hdo::persistence::sql {
namespace {

namespace enums = temporal::api::enums::v1;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr int64_t kSecond = 1'000'000'000;

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

class SqlVisibilityStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    connection_ = database_.Create(GetParam(), "hdo_vis");
    ASSERT_NE(connection_, nullptr);
    postgres_ = connection_->engine() == Engine::kPostgres;
    // The objects of V2, and a namespaces table as V1 has it (id, name).
    std::string namespaces =
        postgres_ ? "CREATE TABLE namespaces (id TEXT PRIMARY KEY, name TEXT NOT NULL)"
                  : "CREATE TABLE namespaces (id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE "
                    "utf8mb4_bin PRIMARY KEY, name VARCHAR(255) NOT NULL)";
    ASSERT_TRUE(connection_->Execute(namespaces, {}).IsSuccess());
    std::string schema = ReadFile(std::string(HDO_SCHEMA_DIR) +
                                  (postgres_ ? "/postgres" : "/mysql") + "/V2__visibility.sql");
    ASSERT_FALSE(schema.empty());
    auto migrated = connection_->ExecuteScript(schema);
    ASSERT_TRUE(migrated.IsSuccess()) << migrated.Error().ToString();
    ASSERT_TRUE(connection_
                    ->Execute("INSERT INTO namespaces (id, name) VALUES (?, ?)",
                              {std::string("ns-1"), std::string("default")})
                    .IsSuccess());
    store_ = std::make_unique<SqlVisibilityStore>(connection_.get());
  }

  void Put(const VisibilityRecord& record) {
    // As the execution store writes it: inside its transaction.
    ASSERT_TRUE(connection_->Begin().IsSuccess());
    auto written = WriteVisibility(*connection_, record);
    ASSERT_TRUE(written.IsSuccess()) << written.Error().ToString();
    ASSERT_TRUE(connection_->Commit().IsSuccess());
  }

  static VisibilityRecord Run(const std::string& workflow_id, int64_t start,
                              std::optional<int64_t> close, int32_t status) {
    VisibilityRecord record;
    record.namespace_id = "ns-1";
    record.workflow_id = workflow_id;
    record.run_id = "run-" + workflow_id;
    record.workflow_type = "OrderWorkflow";
    record.task_queue = "orders";
    record.status = status;
    record.start_time = start;
    record.execution_time = start;
    record.close_time = close;
    record.history_length = 5;
    record.state_transition_count = 4;
    return record;
  }

  visibility::SqlFilter Filter(const std::string& query,
                               visibility::QueryUse use = visibility::QueryUse::kList) {
    auto filter = visibility::TranslateQuery(query, set_, DialectOf(connection_->engine()), use);
    EXPECT_TRUE(filter.IsSuccess()) << query << ": " << filter.Error().ToString();
    return filter.IsSuccess() ? filter.Value() : visibility::SqlFilter{};
  }

  // The workflow ids a query lists, in the store's order, read page by page.
  std::vector<std::string> Ids(const std::string& query, int page_size = 100) {
    std::vector<std::string> ids;
    std::string token;
    do {
      auto page = store_->ListExecutions("ns-1", Filter(query), page_size, token);
      EXPECT_TRUE(page.IsSuccess()) << query << ": " << page.Error().ToString();
      if (page.IsFailure()) break;
      for (const auto& record : page.Value().records) ids.push_back(record.workflow_id);
      token = page.Value().next_page_token;
    } while (!token.empty());
    return ids;
  }

  // The same, in id order.
  std::vector<std::string> Matching(const std::string& query) {
    std::vector<std::string> ids = Ids(query);
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  void TearDown() override {
    store_.reset();
    connection_.reset();
    database_.Drop();
  }

  OwnDatabase database_;
  std::unique_ptr<Connection> connection_;
  bool postgres_ = false;
  std::unique_ptr<SqlVisibilityStore> store_;
  visibility::SearchAttributeSet set_;
};

INSTANTIATE_TEST_SUITE_P(Engines, SqlVisibilityStoreTest, ::testing::Values("postgres", "mariadb"),
                         [](const auto& param_info) { return param_info.param; });

// The frontend translates list filters to the store's dialect: SQLite's json_extract on
// PostgreSQL failed every filter on a custom or predefined attribute before (found by the
// schedule crash test listing TemporalScheduledById).
TEST_P(SqlVisibilityStoreTest, AsksForFiltersInItsEnginesDialect) {
  EXPECT_EQ(store_->QueryDialect(),
            postgres_ ? visibility::Dialect::kPostgres : visibility::Dialect::kMysql);
}

TEST_P(SqlVisibilityStoreTest, ListsOpenRunsFirstThenByCloseAndStartTimeDescending) {
  Put(Run("closed-early", 100 * kSecond, 200 * kSecond,
          enums::WORKFLOW_EXECUTION_STATUS_COMPLETED));
  Put(Run("closed-late", 50 * kSecond, 300 * kSecond, enums::WORKFLOW_EXECUTION_STATUS_FAILED));
  Put(Run("open-old", 10 * kSecond, std::nullopt, enums::WORKFLOW_EXECUTION_STATUS_RUNNING));
  Put(Run("open-new", 400 * kSecond, std::nullopt, enums::WORKFLOW_EXECUTION_STATUS_RUNNING));
  Put(Run("open-new-twin", 400 * kSecond, std::nullopt, enums::WORKFLOW_EXECUTION_STATUS_RUNNING));
  // Equal times: run id descending.
  std::vector<std::string> expected = {"open-new-twin", "open-new", "open-old", "closed-late",
                                       "closed-early"};
  EXPECT_EQ(Ids(""), expected);
  // Paging keeps the order and sees every row once, whatever the page size.
  EXPECT_EQ(Ids("", 1), expected);
  EXPECT_EQ(Ids("", 2), expected);
  EXPECT_EQ(Ids("", 5), expected);
}

// Retention's lookup: closed runs before the cutoff, of every division, oldest first within
// each, never an open run, at most the limit.
TEST_P(SqlVisibilityStoreTest, ListsClosedRunsBeforeACutoffInEveryDivision) {
  auto in_division = [](VisibilityRecord record, const std::string& division) {
    record.search_attributes = R"({"TemporalNamespaceDivision":")" + division + R"("})";
    return record;
  };
  const auto completed = enums::WORKFLOW_EXECUTION_STATUS_COMPLETED;
  const auto running = enums::WORKFLOW_EXECUTION_STATUS_RUNNING;
  Put(Run("wf-late", kSecond, 300 * kSecond, completed));
  Put(Run("wf-early", kSecond, 100 * kSecond, enums::WORKFLOW_EXECUTION_STATUS_FAILED));
  Put(Run("wf-at-cutoff", kSecond, 400 * kSecond, completed));
  Put(Run("wf-open", kSecond, std::nullopt, running));
  Put(in_division(Run("act-done", kSecond, 200 * kSecond, completed),
                  "TemporalStandaloneActivity"));
  Put(in_division(Run("act-open", kSecond, std::nullopt, running), "TemporalStandaloneActivity"));
  Put(in_division(Run("other-done", kSecond, 50 * kSecond, completed), "Another"));
  auto ids = [this](int limit) {
    std::vector<std::string> found;
    auto runs = store_->ListClosedBefore("ns-1", 400 * kSecond, limit);
    EXPECT_TRUE(runs.IsSuccess()) << runs.Error().ToString();
    if (runs.IsFailure()) return found;
    for (const ClosedRun& run : runs.Value()) found.push_back(run.workflow_id);
    return found;
  };
  EXPECT_EQ(ids(100), (std::vector<std::string>{"wf-early", "wf-late", "other-done", "act-done"}));
  EXPECT_EQ(ids(3), (std::vector<std::string>{"wf-early", "wf-late", "other-done"}));
  auto runs = store_->ListClosedBefore("ns-1", 400 * kSecond, 1);
  ASSERT_TRUE(runs.IsSuccess());
  ASSERT_EQ(runs.Value().size(), 1U);
  EXPECT_EQ(runs.Value()[0].run_id, "run-wf-early");
  EXPECT_EQ(runs.Value()[0].close_time, 100 * kSecond);
  auto all = store_->ListClosedBefore("ns-1", 400 * kSecond, 10);
  ASSERT_TRUE(all.IsSuccess());
  ASSERT_EQ(all.Value().size(), 4U);
  EXPECT_EQ(all.Value()[3].division, "TemporalStandaloneActivity");
}

TEST_P(SqlVisibilityStoreTest, ARowReadsBackAsWritten) {
  VisibilityRecord record =
      Run("order-1", 100 * kSecond, 160 * kSecond, enums::WORKFLOW_EXECUTION_STATUS_COMPLETED);
  record.memo = std::string("\x00\x01\xff memo", 8);
  record.search_attributes_payloads = std::string("\xfe\x00payloads", 10);
  record.parent_workflow_id = "parent";
  record.search_attributes = R"({"CustomKeyword":"é"})";
  record.attributes = R"({"error.code":"X"})";
  record.replay_count = 3;
  Put(record);
  auto page = store_->ListExecutions("ns-1", Filter(""), 10, "");
  ASSERT_TRUE(page.IsSuccess()) << page.Error().ToString();
  ASSERT_EQ(page.Value().records.size(), 1U);
  const VisibilityRecord& read = page.Value().records[0];
  EXPECT_EQ(read.run_id, "run-order-1");
  EXPECT_EQ(read.close_time, record.close_time);
  EXPECT_EQ(read.memo, record.memo);
  EXPECT_EQ(read.search_attributes_payloads, record.search_attributes_payloads);
  EXPECT_EQ(read.parent_workflow_id, "parent");
  EXPECT_EQ(read.parent_run_id, "");
  EXPECT_EQ(read.replay_count, 3);
  EXPECT_EQ(nlohmann::json::parse(read.search_attributes),
            nlohmann::json::parse(record.search_attributes));
  EXPECT_EQ(nlohmann::json::parse(read.attributes), nlohmann::json::parse(record.attributes));
}

TEST_P(SqlVisibilityStoreTest, ALaterWriteReplacesTheRowAndCountersOnlyUpdateInPlace) {
  Put(Run("order-1", 100 * kSecond, std::nullopt, enums::WORKFLOW_EXECUTION_STATUS_RUNNING));
  EXPECT_EQ(Ids("ExecutionStatus = 'Running'"), std::vector<std::string>{"order-1"});
  VisibilityRecord counters = Run("order-1", 0, std::nullopt, 0);
  counters.counters_only = true;
  counters.history_length = 42;
  Put(counters);
  EXPECT_EQ(Ids("HistoryLength = 42 AND ExecutionStatus = 'Running'"),
            std::vector<std::string>{"order-1"});
  Put(Run("order-1", 100 * kSecond, 160 * kSecond, enums::WORKFLOW_EXECUTION_STATUS_COMPLETED));
  EXPECT_THAT(Ids("ExecutionStatus = 'Running'"), IsEmpty());
  EXPECT_EQ(Ids("ExecutionStatus = 'Completed' AND ExecutionDuration = '60s'"),
            std::vector<std::string>{"order-1"});
  // Counters for a run without a row write it whole.
  VisibilityRecord fresh =
      Run("order-2", 10 * kSecond, std::nullopt, enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  fresh.counters_only = true;
  Put(fresh);
  EXPECT_EQ(Ids("WorkflowId = 'order-2'"), std::vector<std::string>{"order-2"});
}

TEST_P(SqlVisibilityStoreTest, CountsTotalAndByStatus) {
  Put(Run("r1", 1, std::nullopt, enums::WORKFLOW_EXECUTION_STATUS_RUNNING));
  Put(Run("r2", 2, std::nullopt, enums::WORKFLOW_EXECUTION_STATUS_RUNNING));
  Put(Run("c1", 3, 4, enums::WORKFLOW_EXECUTION_STATUS_COMPLETED));
  auto total = store_->CountExecutions(
      "ns-1", Filter("WorkflowType = 'OrderWorkflow'", visibility::QueryUse::kCount));
  ASSERT_TRUE(total.IsSuccess()) << total.Error().ToString();
  EXPECT_EQ(total.Value().count, 3);
  EXPECT_TRUE(total.Value().groups.empty());
  auto grouped = store_->CountExecutions(
      "ns-1", Filter("GROUP BY ExecutionStatus", visibility::QueryUse::kCount));
  ASSERT_TRUE(grouped.IsSuccess()) << grouped.Error().ToString();
  EXPECT_EQ(grouped.Value().count, 3);
  ASSERT_EQ(grouped.Value().groups.size(), 2U);
  EXPECT_EQ(std::get<int64_t>(grouped.Value().groups[0].value),
            int64_t{enums::WORKFLOW_EXECUTION_STATUS_RUNNING});
  EXPECT_EQ(grouped.Value().groups[0].count, 2);
  EXPECT_EQ(std::get<int64_t>(grouped.Value().groups[1].value),
            int64_t{enums::WORKFLOW_EXECUTION_STATUS_COMPLETED});
  EXPECT_EQ(grouped.Value().groups[1].count, 1);
}

TEST_P(SqlVisibilityStoreTest, AForeignPageTokenIsRefused) {
  auto page = store_->ListExecutions("ns-1", Filter(""), 10, "not-a-token");
  ASSERT_TRUE(page.IsFailure());
  EXPECT_EQ(page.Error().Code(), kErrorInvalidPageToken);
}

TEST_P(SqlVisibilityStoreTest, CustomAttributesAreAddedAndRemovedAllOrNothing) {
  ASSERT_TRUE(store_
                  ->AddSearchAttributes("ns-1", {{"CustomerId", enums::INDEXED_VALUE_TYPE_KEYWORD},
                                                 {"Tags", enums::INDEXED_VALUE_TYPE_KEYWORD_LIST},
                                                 {"Odd name?", enums::INDEXED_VALUE_TYPE_INT}})
                  .IsSuccess());
  auto duplicate = store_->AddSearchAttributes(
      "ns-1",
      {{"Amount", enums::INDEXED_VALUE_TYPE_INT}, {"CustomerId", enums::INDEXED_VALUE_TYPE_TEXT}});
  ASSERT_TRUE(duplicate.IsFailure());
  EXPECT_EQ(duplicate.Error().Code(), kErrorAlreadyExists);
  auto listed = store_->ListSearchAttributes("ns-1");
  ASSERT_TRUE(listed.IsSuccess()) << listed.Error().ToString();
  EXPECT_EQ(listed.Value(),
            (std::map<std::string, int32_t>{{"CustomerId", enums::INDEXED_VALUE_TYPE_KEYWORD},
                                            {"Odd name?", enums::INDEXED_VALUE_TYPE_INT},
                                            {"Tags", enums::INDEXED_VALUE_TYPE_KEYWORD_LIST}}));
  EXPECT_TRUE(store_->ListSearchAttributes("ns-2").Value().empty());
  EXPECT_EQ(store_->ListSearchAttributes("").Value().size(), 3U);

  // The attributes filter (through their indexes on PostgreSQL).
  set_ = visibility::SearchAttributeSet({{"CustomerId", enums::INDEXED_VALUE_TYPE_KEYWORD},
                                         {"Tags", enums::INDEXED_VALUE_TYPE_KEYWORD_LIST},
                                         {"Odd name?", enums::INDEXED_VALUE_TYPE_INT}});
  VisibilityRecord a = Run("a", 1, std::nullopt, enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  a.search_attributes = R"({"CustomerId":"c-1","Tags":["x","y"],"Odd name?":3})";
  Put(a);
  EXPECT_EQ(Ids("CustomerId = 'c-1' AND Tags = 'y' AND `Odd name?` = 3"),
            std::vector<std::string>{"a"});

  auto missing = store_->RemoveSearchAttributes("ns-1", {"CustomerId", "Nope"});
  ASSERT_TRUE(missing.IsFailure());
  EXPECT_EQ(missing.Error().Code(), kErrorNotFound);
  EXPECT_EQ(store_->ListSearchAttributes("ns-1").Value().size(), 3U);
  ASSERT_TRUE(
      store_->RemoveSearchAttributes("ns-1", {"CustomerId", "Tags", "Odd name?"}).IsSuccess());
  EXPECT_TRUE(store_->ListSearchAttributes("ns-1").Value().empty());
  if (postgres_) {
    auto indexes = connection_->Query(
        "SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'executions_visibility!_sa!_%' "
        "ESCAPE '!'",
        {});
    ASSERT_TRUE(indexes.IsSuccess()) << indexes.Error().ToString();
    EXPECT_EQ(indexes.Value().Int64(0, 0), 0);
  }
}

TEST_P(SqlVisibilityStoreTest, TheHugoViewPresentsTheRows) {
  VisibilityRecord record = Run("order-42", 1'700'000'000 * kSecond + 123'456'789,
                                1'700'000'060 * kSecond, enums::WORKFLOW_EXECUTION_STATUS_FAILED);
  record.replay_count = 2;
  record.state_transition_count = 9;
  record.attributes = R"({"error.code":"PaymentDeclined"})";
  record.search_attributes = R"({"TemporalScheduledById":"nightly"})";
  Put(record);
  Put(Run("open", 1'700'000'000 * kSecond, std::nullopt, enums::WORKFLOW_EXECUTION_STATUS_RUNNING));
  auto rows = connection_->Query(
      "SELECT namespace, workflow_id, run_id, status, task_queue, schedule_id, schedule_group, "
      "started_at, completed_at, logical_clock, replay_count, attributes "
      "FROM workflow_visibility ORDER BY workflow_id",
      {});
  ASSERT_TRUE(rows.IsSuccess()) << rows.Error().ToString();
  ASSERT_EQ(rows.Value().size(), 2U);
  const Rows& view = rows.Value();
  EXPECT_EQ(view.Bytes(1, 0), "default");
  EXPECT_EQ(view.Bytes(1, 1), "order-42");
  EXPECT_EQ(view.Bytes(1, 2), "run-order-42");
  EXPECT_EQ(view.Bytes(1, 3), "Failed");
  EXPECT_EQ(view.Bytes(1, 4), "orders");
  EXPECT_EQ(view.Bytes(1, 5), "nightly");
  EXPECT_TRUE(view.IsNull(1, 6));
  EXPECT_EQ(view.Bytes(1, 7), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(view.Bytes(1, 8), "2023-11-14T22:14:20.000Z");
  EXPECT_EQ(view.Int64(1, 9), 9);
  EXPECT_EQ(view.Int64(1, 10), 2);
  EXPECT_EQ(nlohmann::json::parse(view.Bytes(1, 11))["error.code"], "PaymentDeclined");
  EXPECT_EQ(view.Bytes(0, 3), "Active");
  EXPECT_TRUE(view.IsNull(0, 8));
  EXPECT_TRUE(view.IsNull(0, 5));
}

// The runs of visibility/query_test.cc's TranslatedQueryOnSqlite, and the same expectations.
class SqlTranslatedQueryTest : public SqlVisibilityStoreTest {
 protected:
  void SetUp() override {
    SqlVisibilityStoreTest::SetUp();
    if (HasFatalFailure()) return;
    set_ = visibility::SearchAttributeSet({
        {"CustomKeyword", enums::INDEXED_VALUE_TYPE_KEYWORD},
        {"CustomText", enums::INDEXED_VALUE_TYPE_TEXT},
        {"CustomInt", enums::INDEXED_VALUE_TYPE_INT},
        {"CustomDouble", enums::INDEXED_VALUE_TYPE_DOUBLE},
        {"CustomBool", enums::INDEXED_VALUE_TYPE_BOOL},
        {"CustomDatetime", enums::INDEXED_VALUE_TYPE_DATETIME},
        {"CustomKeywordList", enums::INDEXED_VALUE_TYPE_KEYWORD_LIST},
    });
    Insert("w1", 1, 1000, std::nullopt,
           R"({"CustomKeyword":"alpha","CustomText":"Hello big-World","CustomInt":5,)"
           R"("CustomDouble":1.5,"CustomBool":true,"CustomDatetime":1704164645123456789,)"
           R"("CustomKeywordList":["Alpha","beta gamma"],"BinaryChecksums":["x"]})");
    Insert("w2", 2, 2000, 5000,
           R"({"CustomKeyword":"beta","CustomInt":-3,"CustomDouble":2,)"
           R"("CustomBool":false,"CustomKeywordList":["gamma"]})",
           "w1");
    Insert("w3", 3, 3000, 9000, "{}");
    Insert("w4", 1, 4000, std::nullopt, R"({"TemporalNamespaceDivision":"TemporalScheduler"})");
    Insert("A*b?[c", 2, 5000, 6000, R"({"CustomKeyword":"A*b"})");
    Insert("temporal-sys-scheduler:nightly", 1, 6000, std::nullopt, "{}");
  }

  void Insert(const std::string& workflow_id, int status, int64_t start_time,
              std::optional<int64_t> close_time, const std::string& search_attributes,
              const std::string& parent_workflow_id = "") {
    VisibilityRecord record = Run(workflow_id, start_time, close_time, status);
    record.run_id = workflow_id + "-run";
    record.workflow_type = "Type-" + workflow_id;
    record.task_queue = "tq";
    record.history_length = 10;
    record.history_size_bytes = 100;
    record.state_transition_count = 5;
    record.parent_workflow_id = parent_workflow_id;
    record.root_workflow_id = workflow_id;
    record.root_run_id = workflow_id + "-run";
    record.search_attributes = search_attributes;
    Put(record);
  }

  std::map<int64_t, int64_t> Counts(const std::string& query) {
    auto count = store_->CountExecutions("ns-1", Filter(query, visibility::QueryUse::kCount));
    EXPECT_TRUE(count.IsSuccess()) << count.Error().ToString();
    std::map<int64_t, int64_t> counts;
    if (count.IsFailure()) return counts;
    for (const auto& group : count.Value().groups) {
      counts[std::get<int64_t>(group.value)] = group.count;
    }
    return counts;
  }
};

INSTANTIATE_TEST_SUITE_P(Engines, SqlTranslatedQueryTest, ::testing::Values("postgres", "mariadb"),
                         [](const auto& param_info) { return param_info.param; });

TEST_P(SqlTranslatedQueryTest, TheDefaultDivisionHidesSchedulerRuns) {
  EXPECT_THAT(Matching(""),
              ElementsAre("A*b?[c", "temporal-sys-scheduler:nightly", "w1", "w2", "w3"));
  EXPECT_THAT(Matching("TemporalNamespaceDivision = 'TemporalScheduler'"), ElementsAre("w4"));
  EXPECT_THAT(Matching("TemporalNamespaceDivision IS NULL OR TemporalNamespaceDivision IS NOT "
                       "NULL"),
              ElementsAre("A*b?[c", "temporal-sys-scheduler:nightly", "w1", "w2", "w3", "w4"));
}

TEST_P(SqlTranslatedQueryTest, SystemColumns) {
  EXPECT_THAT(Matching("WorkflowId = 'w2'"), ElementsAre("w2"));
  EXPECT_THAT(Matching("WorkflowId != 'w2' AND ExecutionStatus = 'Running'"),
              ElementsAre("temporal-sys-scheduler:nightly", "w1"));
  EXPECT_THAT(Matching("ExecutionStatus IN ('Completed', 3)"), ElementsAre("A*b?[c", "w2", "w3"));
  EXPECT_THAT(Matching("StartTime BETWEEN 2000 AND 3000"), ElementsAre("w2", "w3"));
  EXPECT_THAT(Matching("StartTime > '1970-01-01T00:00:00.000002Z'"),
              ElementsAre("A*b?[c", "temporal-sys-scheduler:nightly", "w3"));
  EXPECT_THAT(Matching("ParentWorkflowId = 'w1'"), ElementsAre("w2"));
  EXPECT_THAT(Matching("ParentWorkflowId IS NULL AND WorkflowId < 'w2'"),
              ElementsAre("A*b?[c", "temporal-sys-scheduler:nightly", "w1"));
  EXPECT_THAT(Matching("WorkflowType = 'Type-w3'"), ElementsAre("w3"));
  // Bytewise: upper case sorts before lower case.
  EXPECT_THAT(Matching("WorkflowId < 'a'"), ElementsAre("A*b?[c"));
  EXPECT_THAT(Matching("WorkflowId = 'W1'"), IsEmpty());
  EXPECT_THAT(Matching("HistoryLength = 10 AND HistorySizeBytes > 99.5"),
              ElementsAre("A*b?[c", "temporal-sys-scheduler:nightly", "w1", "w2", "w3"));
}

TEST_P(SqlTranslatedQueryTest, AnOpenRunHasNoCloseTimeButComparesAsClosingLast) {
  EXPECT_THAT(Matching("CloseTime IS NULL"), ElementsAre("temporal-sys-scheduler:nightly", "w1"));
  EXPECT_THAT(Matching("CloseTime > 5500"),
              ElementsAre("A*b?[c", "temporal-sys-scheduler:nightly", "w1", "w3"));
  EXPECT_THAT(Matching("CloseTime < 5500"), ElementsAre("w2"));
  EXPECT_THAT(Matching("ExecutionDuration > '3us'"), ElementsAre("w3"));
  EXPECT_THAT(Matching("ExecutionDuration IS NULL"),
              ElementsAre("temporal-sys-scheduler:nightly", "w1"));
}

TEST_P(SqlTranslatedQueryTest, KeywordComparisonsSkipRunsWithoutTheAttribute) {
  EXPECT_THAT(Matching("CustomKeyword = 'alpha'"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomKeyword = 'ALPHA'"), IsEmpty());
  EXPECT_THAT(Matching("CustomKeyword != 'alpha'"), ElementsAre("A*b?[c", "w2"));
  EXPECT_THAT(Matching("NOT CustomKeyword = 'alpha'"), ElementsAre("A*b?[c", "w2"));
  EXPECT_THAT(Matching("CustomKeyword NOT IN ('beta')"), ElementsAre("A*b?[c", "w1"));
  EXPECT_THAT(Matching("CustomKeyword BETWEEN 'a' AND 'b'"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomKeyword < 'a'"), ElementsAre("A*b?[c"));
  EXPECT_THAT(Matching("CustomKeyword IS NULL"),
              ElementsAre("temporal-sys-scheduler:nightly", "w3"));
}

TEST_P(SqlTranslatedQueryTest, StartsWithIsACaseSensitivePrefix) {
  EXPECT_THAT(Matching("CustomKeyword STARTS_WITH 'al'"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomKeyword STARTS_WITH 'AL'"), IsEmpty());
  EXPECT_THAT(Matching("CustomKeyword STARTS_WITH 'A*'"), ElementsAre("A*b?[c"));
  EXPECT_THAT(Matching("WorkflowId STARTS_WITH 'A*b?['"), ElementsAre("A*b?[c"));
  EXPECT_THAT(Matching("WorkflowId STARTS_WITH 'A?'"), IsEmpty());
  EXPECT_THAT(Matching("WorkflowId STARTS_WITH 'w%'"), IsEmpty());
  EXPECT_THAT(Matching("WorkflowId STARTS_WITH 'w_'"), IsEmpty());
  EXPECT_THAT(Matching("CustomKeyword NOT STARTS_WITH 'al'"), ElementsAre("A*b?[c", "w2"));
  EXPECT_THAT(Matching("ScheduleId STARTS_WITH 'night'"),
              ElementsAre("temporal-sys-scheduler:nightly"));
  EXPECT_THAT(Matching("ScheduleId = 'nightly'"), ElementsAre("temporal-sys-scheduler:nightly"));
}

TEST_P(SqlTranslatedQueryTest, NumbersBooleansAndTimes) {
  EXPECT_THAT(Matching("CustomInt > 0"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomInt = -3"), ElementsAre("w2"));
  EXPECT_THAT(Matching("CustomInt = '5'"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomInt < 5.5 AND CustomInt > -3.5"), ElementsAre("w1", "w2"));
  EXPECT_THAT(Matching("CustomInt IN (5, 7)"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomInt NOT IN (5, 7)"), ElementsAre("w2"));
  EXPECT_THAT(Matching("CustomDouble >= 2"), ElementsAre("w2"));
  EXPECT_THAT(Matching("CustomDouble = 1.5"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomBool = true"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomBool = false"), ElementsAre("w2"));
  EXPECT_THAT(Matching("CustomBool != 'TRUE'"), ElementsAre("w2"));
  EXPECT_THAT(Matching("CustomDatetime = '2024-01-02T03:04:05.123456789Z'"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomDatetime = '2024-01-02T04:04:05.123456789+01:00'"),
              ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomDatetime > '2024-01-02T03:04:05.123456790Z'"), IsEmpty());
  EXPECT_THAT(Matching("CustomDatetime BETWEEN '2024-01-01T00:00:00Z' AND 1704164645123456789"),
              ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomDatetime = 1704164645123456788"), IsEmpty());
}

// Text that is no number compares after every number, as on SQLite.
TEST_P(SqlTranslatedQueryTest, TextComparedWithANumberSortsAfterIt) {
  EXPECT_THAT(Matching("CustomInt = 'x'"), IsEmpty());
  EXPECT_THAT(Matching("CustomInt != 'x'"), ElementsAre("w1", "w2"));
  EXPECT_THAT(Matching("CustomInt < 'x'"), ElementsAre("w1", "w2"));
  EXPECT_THAT(Matching("NOT CustomInt > 'x'"), ElementsAre("w1", "w2"));
  EXPECT_THAT(Matching("CustomDouble IN (1.5, 'y')"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomInt BETWEEN 0 AND 'z'"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomBool = 'yes'"), IsEmpty());
  EXPECT_THAT(Matching("HistoryLength > 'x'"), IsEmpty());
}

TEST_P(SqlTranslatedQueryTest, KeywordListMembership) {
  EXPECT_THAT(Matching("CustomKeywordList = 'Alpha'"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomKeywordList = 'alpha'"), IsEmpty());
  EXPECT_THAT(Matching("CustomKeywordList = 'beta'"), IsEmpty());
  EXPECT_THAT(Matching("CustomKeywordList = 'beta gamma'"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomKeywordList IN ('gamma', 'beta gamma')"), ElementsAre("w1", "w2"));
  // != and NOT IN match runs without the attribute, as the reference's do.
  EXPECT_THAT(Matching("CustomKeywordList != 'gamma'"),
              ElementsAre("A*b?[c", "temporal-sys-scheduler:nightly", "w1", "w3"));
  EXPECT_THAT(Matching("CustomKeywordList NOT IN ('gamma', 'Alpha')"),
              ElementsAre("A*b?[c", "temporal-sys-scheduler:nightly", "w3"));
  EXPECT_THAT(Matching("BinaryChecksums = 'x'"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomKeywordList IS NOT NULL"), ElementsAre("w1", "w2"));
}

TEST_P(SqlTranslatedQueryTest, TextMatchesWords) {
  EXPECT_THAT(Matching("CustomText = 'hello'"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomText = 'WORLD nothere'"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomText = 'wor'"), IsEmpty());
  EXPECT_THAT(Matching("CustomText = 'big'"), ElementsAre("w1"));
  EXPECT_THAT(Matching("CustomText != 'hello'"),
              ElementsAre("A*b?[c", "temporal-sys-scheduler:nightly", "w2", "w3"));
}

TEST_P(SqlTranslatedQueryTest, BooleanStructure) {
  EXPECT_THAT(Matching("WorkflowId = 'w1' OR WorkflowId = 'w2' AND CustomInt = 5"),
              ElementsAre("w1"));
  EXPECT_THAT(Matching("(WorkflowId = 'w1' OR WorkflowId = 'w2') AND CustomInt < 0"),
              ElementsAre("w2"));
  EXPECT_THAT(Matching("NOT (ExecutionStatus = 'Running' OR ExecutionStatus = 'Failed')"),
              ElementsAre("A*b?[c", "w2"));
}

TEST_P(SqlTranslatedQueryTest, CountsGroupedByStatus) {
  EXPECT_EQ(Counts("GROUP BY ExecutionStatus"),
            (std::map<int64_t, int64_t>{{1, 2}, {2, 2}, {3, 1}}));
  EXPECT_EQ(Counts("CustomInt IS NOT NULL GROUP BY ExecutionStatus"),
            (std::map<int64_t, int64_t>{{1, 1}, {2, 1}}));
}

}  // namespace
}  // namespace hdo::persistence::sql
