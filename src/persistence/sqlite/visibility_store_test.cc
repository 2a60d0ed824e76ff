// Goal: listing rows are written with the run's transaction and replaced by later writes; lists
// filter, order (open first, then close and start time descending) and page without loss or
// repeats; counts total and group; custom search attributes are added and removed all or
// nothing; the four operational queries of docs/how-to/workflow-visibility.md run on the Hugo
// view and return what the rows say. Method: a real, migrated SQLite file; filters come from the
// real list filter translator.
#include "persistence/sqlite/visibility_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "persistence/sqlite/execution_store.h"
#include "persistence/sqlite/namespace_store.h"
#include "persistence/sqlite/statement.h"
#include "persistence/sqlite/test_database.h"
#include "temporal/api/enums/v1/workflow.pb.h"
#include "visibility/search_attributes.h"

namespace hdo::persistence::sqlite {
namespace {

namespace enums = temporal::api::enums::v1;

constexpr int64_t kSecond = 1'000'000'000;

class VisibilityStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    executions_ = std::make_unique<SqliteExecutionStore>(&file_.db());
    visibility_ = std::make_unique<SqliteVisibilityStore>(&file_.db());
    SqliteNamespaceStore namespaces(&file_.db());
    ASSERT_TRUE(namespaces.CreateNamespace({"ns-1", "default", 1, "data"}).IsSuccess());
  }

  // Writes the row as the engine does: inside an execution store transaction.
  void Put(const VisibilityRecord& record) {
    Transaction transaction;
    transaction.visibility.push_back(record);
    auto written = executions_->Write(transaction);
    ASSERT_TRUE(written.IsSuccess()) << written.Error().ToString();
  }

  static VisibilityRecord Run(const std::string& workflow_id, int64_t start_s,
                              std::optional<int64_t> close_s, int32_t status) {
    VisibilityRecord record;
    record.namespace_id = "ns-1";
    record.workflow_id = workflow_id;
    record.run_id = "run-" + workflow_id;
    record.workflow_type = "OrderWorkflow";
    record.task_queue = "orders";
    record.status = status;
    record.start_time = start_s * kSecond;
    record.execution_time = record.start_time;
    if (close_s.has_value()) record.close_time = *close_s * kSecond;
    record.history_length = 5;
    record.state_transition_count = 4;
    return record;
  }

  visibility::SqlFilter Filter(const std::string& query,
                               visibility::QueryUse use = visibility::QueryUse::kList) {
    auto filter = visibility::TranslateQuery(query, set_, visibility::Dialect::kSqlite, use);
    EXPECT_TRUE(filter.IsSuccess()) << query << ": " << filter.Error().ToString();
    return filter.IsSuccess() ? filter.Value() : visibility::SqlFilter{};
  }

  std::vector<std::string> Ids(const std::string& query, int page_size = 100) {
    std::vector<std::string> ids;
    std::string token;
    do {
      auto page = visibility_->ListExecutions("ns-1", Filter(query), page_size, token);
      EXPECT_TRUE(page.IsSuccess()) << page.Error().ToString();
      if (page.IsFailure()) break;
      for (const auto& record : page.Value().records) ids.push_back(record.workflow_id);
      token = page.Value().next_page_token;
    } while (!token.empty());
    return ids;
  }

  TestDatabase file_{"hdo-visibility-store"};
  std::unique_ptr<SqliteExecutionStore> executions_;
  std::unique_ptr<SqliteVisibilityStore> visibility_;
  visibility::SearchAttributeSet set_;
};

TEST_F(VisibilityStoreTest, ListsOpenRunsFirstThenByCloseAndStartTimeDescending) {
  Put(Run("closed-early", 100, 200, enums::WORKFLOW_EXECUTION_STATUS_COMPLETED));
  Put(Run("closed-late", 50, 300, enums::WORKFLOW_EXECUTION_STATUS_FAILED));
  Put(Run("open-old", 10, std::nullopt, enums::WORKFLOW_EXECUTION_STATUS_RUNNING));
  Put(Run("open-new", 400, std::nullopt, enums::WORKFLOW_EXECUTION_STATUS_RUNNING));
  std::vector<std::string> expected = {"open-new", "open-old", "closed-late", "closed-early"};
  EXPECT_EQ(Ids(""), expected);
  // Paging keeps the order and sees every row once, whatever the page size.
  EXPECT_EQ(Ids("", 1), expected);
  EXPECT_EQ(Ids("", 3), expected);
}

// Retention's lookup: closed runs before the cutoff, of every division, oldest first within
// each, never an open run, at most the limit.
TEST_F(VisibilityStoreTest, ListsClosedRunsBeforeACutoffInEveryDivision) {
  auto in_division = [](VisibilityRecord record, const std::string& division) {
    record.search_attributes = R"({"TemporalNamespaceDivision":")" + division + R"("})";
    return record;
  };
  Put(Run("wf-late", 1, 300, enums::WORKFLOW_EXECUTION_STATUS_COMPLETED));
  Put(Run("wf-early", 1, 100, enums::WORKFLOW_EXECUTION_STATUS_FAILED));
  Put(Run("wf-at-cutoff", 1, 400, enums::WORKFLOW_EXECUTION_STATUS_COMPLETED));
  Put(Run("wf-open", 1, std::nullopt, enums::WORKFLOW_EXECUTION_STATUS_RUNNING));
  Put(in_division(Run("act-done", 1, 200, enums::WORKFLOW_EXECUTION_STATUS_COMPLETED),
                  "TemporalStandaloneActivity"));
  Put(in_division(Run("act-open", 1, std::nullopt, enums::WORKFLOW_EXECUTION_STATUS_RUNNING),
                  "TemporalStandaloneActivity"));
  Put(in_division(Run("other-done", 1, 50, enums::WORKFLOW_EXECUTION_STATUS_TERMINATED),
                  "Another"));
  VisibilityRecord elsewhere = Run("elsewhere", 1, 10, enums::WORKFLOW_EXECUTION_STATUS_COMPLETED);
  elsewhere.namespace_id = "ns-2";
  Put(elsewhere);
  auto ids = [this](int limit) {
    std::vector<std::string> found;
    auto runs = visibility_->ListClosedBefore("ns-1", 400 * kSecond, limit);
    EXPECT_TRUE(runs.IsSuccess()) << runs.Error().ToString();
    if (runs.IsFailure()) return found;
    for (const ClosedRun& run : runs.Value()) {
      EXPECT_EQ(run.run_id, "run-" + run.workflow_id);
      found.push_back(run.workflow_id);
    }
    return found;
  };
  EXPECT_EQ(ids(100), (std::vector<std::string>{"wf-early", "wf-late", "other-done", "act-done"}));
  EXPECT_EQ(ids(3), (std::vector<std::string>{"wf-early", "wf-late", "other-done"}));
  EXPECT_EQ(ids(1), (std::vector<std::string>{"wf-early"}));
  auto runs = visibility_->ListClosedBefore("ns-1", 400 * kSecond, 1);
  ASSERT_TRUE(runs.IsSuccess());
  EXPECT_EQ(runs.Value()[0].close_time, 100 * kSecond);
  EXPECT_EQ(runs.Value()[0].division, "");
  auto all = visibility_->ListClosedBefore("ns-1", 400 * kSecond, 10);
  ASSERT_TRUE(all.IsSuccess());
  ASSERT_EQ(all.Value().size(), 4U);
  EXPECT_EQ(all.Value()[3].division, "TemporalStandaloneActivity");
}

TEST_F(VisibilityStoreTest, ALaterWriteReplacesTheRow) {
  Put(Run("order-1", 100, std::nullopt, enums::WORKFLOW_EXECUTION_STATUS_RUNNING));
  EXPECT_EQ(Ids("ExecutionStatus = 'Running'"), std::vector<std::string>{"order-1"});
  Put(Run("order-1", 100, 160, enums::WORKFLOW_EXECUTION_STATUS_COMPLETED));
  EXPECT_TRUE(Ids("ExecutionStatus = 'Running'").empty());
  EXPECT_EQ(Ids("ExecutionStatus = 'Completed' AND ExecutionDuration = '60s'"),
            std::vector<std::string>{"order-1"});
}

TEST_F(VisibilityStoreTest, AStoredRunsRowIsUpdatedInPlaceAndEveryIndexFollows) {
  VisibilityRecord open =
      Run("order-2", 100, std::nullopt, enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  Put(open);
  VisibilityRecord closed = Run("order-2", 100, 190, enums::WORKFLOW_EXECUTION_STATUS_FAILED);
  closed.row_exists = true;
  closed.history_length = 11;
  closed.search_attributes = R"({"TemporalNamespaceDivision":"d1"})";
  closed.attributes = R"({"error.code":"Declined"})";
  closed.memo = "memo-bytes";
  Put(closed);
  // Through each index the status, close time, duration and division changes reach.
  EXPECT_TRUE(Ids("ExecutionStatus = 'Running'").empty());
  EXPECT_TRUE(Ids("").empty());  // the default list leaves out divisions
  EXPECT_EQ(Ids("TemporalNamespaceDivision = 'd1' AND ExecutionStatus = 'Failed' AND "
                "ExecutionDuration = '90s' AND WorkflowId = 'order-2'"),
            std::vector<std::string>{"order-2"});
  auto page =
      visibility_->ListExecutions("ns-1", Filter("TemporalNamespaceDivision = 'd1'"), 10, "");
  ASSERT_TRUE(page.IsSuccess());
  ASSERT_EQ(page.Value().records.size(), 1U);
  const VisibilityRecord& read = page.Value().records[0];
  EXPECT_EQ(read.history_length, 11);
  EXPECT_EQ(read.close_time, closed.close_time);
  EXPECT_EQ(read.memo, "memo-bytes");
  EXPECT_EQ(read.attributes, closed.attributes);
  EXPECT_EQ(read.workflow_type, "OrderWorkflow");  // the identity columns stay
  // A run with no row yet (stored before the visibility schema) gets the whole row.
  VisibilityRecord unseen = Run("order-3", 120, 130, enums::WORKFLOW_EXECUTION_STATUS_COMPLETED);
  unseen.row_exists = true;
  Put(unseen);
  EXPECT_EQ(Ids("WorkflowId = 'order-3' AND ExecutionStatus = 'Completed'"),
            std::vector<std::string>{"order-3"});
}

TEST_F(VisibilityStoreTest, ACloseWithTheStoredMemoAndAttributesLeavesThoseColumnsAsStored) {
  ASSERT_TRUE(
      visibility_->AddSearchAttributes("ns-1", {{"CustomerId", enums::INDEXED_VALUE_TYPE_KEYWORD}})
          .IsSuccess());
  set_ = visibility::SearchAttributeSet({{"CustomerId", enums::INDEXED_VALUE_TYPE_KEYWORD}});
  VisibilityRecord open =
      Run("order-4", 100, std::nullopt, enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  open.search_attributes = R"({"CustomerId":"c-4"})";
  open.memo = "memo-at-start";
  Put(open);
  // The close says its memo and attributes are the stored ones; the values it carries differ, so
  // that the test sees which columns the write set.
  VisibilityRecord closed = Run("order-4", 100, 170, enums::WORKFLOW_EXECUTION_STATUS_FAILED);
  closed.row_exists = true;
  closed.memo_and_search_attributes_stored = true;
  closed.history_length = 9;
  closed.search_attributes = R"({"CustomerId":"other"})";
  closed.memo = "other-memo";
  closed.attributes = R"({"error.code":"Declined"})";
  Put(closed);
  EXPECT_EQ(Ids("CustomerId = 'c-4' AND ExecutionStatus = 'Failed' AND "
                "ExecutionDuration = '70s'"),
            std::vector<std::string>{"order-4"});
  EXPECT_TRUE(Ids("CustomerId = 'other'").empty());
  EXPECT_TRUE(Ids("ExecutionStatus = 'Running'").empty());
  auto page = visibility_->ListExecutions("ns-1", Filter("WorkflowId = 'order-4'"), 10, "");
  ASSERT_TRUE(page.IsSuccess());
  ASSERT_EQ(page.Value().records.size(), 1U);
  EXPECT_EQ(page.Value().records[0].memo, "memo-at-start");
  EXPECT_EQ(page.Value().records[0].attributes, closed.attributes);  // a failure's error
  EXPECT_EQ(page.Value().records[0].history_length, 9);
  // Without the flag the same close writes them.
  closed.memo_and_search_attributes_stored = false;
  Put(closed);
  EXPECT_EQ(Ids("CustomerId = 'other'"), std::vector<std::string>{"order-4"});
  // A run with no row yet gets the whole row, the flag notwithstanding.
  VisibilityRecord unseen = Run("order-5", 120, 130, enums::WORKFLOW_EXECUTION_STATUS_COMPLETED);
  unseen.row_exists = true;
  unseen.memo_and_search_attributes_stored = true;
  unseen.search_attributes = R"({"CustomerId":"c-5"})";
  Put(unseen);
  EXPECT_EQ(Ids("CustomerId = 'c-5' AND ExecutionStatus = 'Completed'"),
            std::vector<std::string>{"order-5"});
}

TEST_F(VisibilityStoreTest, FiltersOnSystemAndCustomAttributes) {
  set_ = visibility::SearchAttributeSet({{"CustomerId", enums::INDEXED_VALUE_TYPE_KEYWORD},
                                         {"Amount", enums::INDEXED_VALUE_TYPE_INT}});
  VisibilityRecord a = Run("a", 100, std::nullopt, enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  a.search_attributes = R"({"CustomerId":"c-1","Amount":10})";
  VisibilityRecord b = Run("b", 200, 250, enums::WORKFLOW_EXECUTION_STATUS_COMPLETED);
  b.search_attributes = R"({"CustomerId":"c-2","Amount":99})";
  b.workflow_type = "RefundWorkflow";
  Put(a);
  Put(b);
  EXPECT_EQ(Ids("CustomerId = 'c-2'"), std::vector<std::string>{"b"});
  EXPECT_EQ(Ids("Amount BETWEEN 5 AND 20"), std::vector<std::string>{"a"});
  EXPECT_EQ(Ids("WorkflowType = 'RefundWorkflow' OR Amount < 11"),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Ids("CloseTime IS NULL"), std::vector<std::string>{"a"});
  EXPECT_EQ(Ids("StartTime > '1970-01-01T00:02:30Z'"), std::vector<std::string>{"b"});
}

TEST_F(VisibilityStoreTest, CountsTotalAndByStatus) {
  Put(Run("r1", 1, std::nullopt, enums::WORKFLOW_EXECUTION_STATUS_RUNNING));
  Put(Run("r2", 2, std::nullopt, enums::WORKFLOW_EXECUTION_STATUS_RUNNING));
  Put(Run("c1", 3, 4, enums::WORKFLOW_EXECUTION_STATUS_COMPLETED));
  auto total = visibility_->CountExecutions(
      "ns-1", Filter("WorkflowType = 'OrderWorkflow'", visibility::QueryUse::kCount));
  ASSERT_TRUE(total.IsSuccess()) << total.Error().ToString();
  EXPECT_EQ(total.Value().count, 3);
  EXPECT_TRUE(total.Value().groups.empty());
  auto grouped = visibility_->CountExecutions(
      "ns-1", Filter("GROUP BY ExecutionStatus", visibility::QueryUse::kCount));
  ASSERT_TRUE(grouped.IsSuccess()) << grouped.Error().ToString();
  EXPECT_EQ(grouped.Value().count, 3);
  ASSERT_EQ(grouped.Value().groups.size(), 2U);
  EXPECT_EQ(std::get<int64_t>(grouped.Value().groups[0].value),
            int64_t{enums::WORKFLOW_EXECUTION_STATUS_RUNNING});
  EXPECT_EQ(grouped.Value().groups[0].count, 2);
  EXPECT_EQ(grouped.Value().groups[1].count, 1);
}

TEST_F(VisibilityStoreTest, AForeignPageTokenIsRefused) {
  auto page = visibility_->ListExecutions("ns-1", Filter(""), 10, "not-a-token");
  ASSERT_TRUE(page.IsFailure());
  EXPECT_EQ(page.Error().Code(), kErrorInvalidPageToken);
}

TEST_F(VisibilityStoreTest, CustomAttributesAreAddedAndRemovedAllOrNothing) {
  ASSERT_TRUE(
      visibility_->AddSearchAttributes("ns-1", {{"CustomerId", enums::INDEXED_VALUE_TYPE_KEYWORD}})
          .IsSuccess());
  auto duplicate = visibility_->AddSearchAttributes(
      "ns-1",
      {{"Amount", enums::INDEXED_VALUE_TYPE_INT}, {"CustomerId", enums::INDEXED_VALUE_TYPE_TEXT}});
  ASSERT_TRUE(duplicate.IsFailure());
  EXPECT_EQ(duplicate.Error().Code(), kErrorAlreadyExists);
  auto listed = visibility_->ListSearchAttributes("ns-1");
  ASSERT_TRUE(listed.IsSuccess());
  EXPECT_EQ(listed.Value(),
            (std::map<std::string, int32_t>{{"CustomerId", enums::INDEXED_VALUE_TYPE_KEYWORD}}));
  EXPECT_TRUE(visibility_->ListSearchAttributes("ns-2").Value().empty());
  EXPECT_EQ(visibility_->ListSearchAttributes("").Value().size(), 1U);

  auto missing = visibility_->RemoveSearchAttributes("ns-1", {"CustomerId", "Nope"});
  ASSERT_TRUE(missing.IsFailure());
  EXPECT_EQ(missing.Error().Code(), kErrorNotFound);
  EXPECT_EQ(visibility_->ListSearchAttributes("ns-1").Value().size(), 1U);
  ASSERT_TRUE(visibility_->RemoveSearchAttributes("ns-1", {"CustomerId"}).IsSuccess());
  EXPECT_TRUE(visibility_->ListSearchAttributes("ns-1").Value().empty());
}

// The ```sql blocks of the how-to, in order.
std::vector<std::string> HowToQueries() {
  std::ifstream file(HDO_VISIBILITY_HOWTO);
  std::stringstream text;
  text << file.rdbuf();
  std::vector<std::string> queries;
  std::regex block("```sql\n([^`]*)```");
  std::string content = text.str();
  for (std::sregex_iterator it(content.begin(), content.end(), block), end; it != end; ++it) {
    queries.push_back((*it)[1].str());
  }
  return queries;
}

std::vector<std::vector<std::string>> Rows(Database& db, const std::string& sql) {
  Statement select(db.handle(), sql);
  std::vector<std::vector<std::string>> rows;
  while (true) {
    auto row = select.Step();
    EXPECT_TRUE(row.IsSuccess()) << sql << ": " << row.Error().ToString();
    if (row.IsFailure() || !row.Value()) break;
    std::vector<std::string> columns;
    for (int i = 0; i < select.ColumnCount(); ++i) {
      if (select.ColumnType(i) == SQLITE_NULL) {
        columns.emplace_back("NULL");
      } else {
        columns.push_back(select.ColumnText(i));
      }
    }
    rows.push_back(std::move(columns));
  }
  return rows;
}

TEST_F(VisibilityStoreTest, TheHowToQueriesRunOnTheHugoView) {
  std::vector<std::string> queries = HowToQueries();
  ASSERT_EQ(queries.size(), 4U) << "docs/how-to/workflow-visibility.md has four SQL queries";
  auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  VisibilityRecord stuck =
      Run("stuck", now_s - 3600, std::nullopt, enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  VisibilityRecord fresh =
      Run("fresh", now_s - 5, std::nullopt, enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  fresh.replay_count = 7;
  VisibilityRecord failed =
      Run("failed", now_s - 600, now_s - 500, enums::WORKFLOW_EXECUTION_STATUS_FAILED);
  failed.attributes =
      R"({"workflow.customer_id":"c-9","error.code":"PaymentDeclined","error.message":"no"})";
  VisibilityRecord old_run =
      Run("order-42", now_s - 7200, now_s - 7100, enums::WORKFLOW_EXECUTION_STATUS_COMPLETED);
  VisibilityRecord new_run =
      Run("order-42", now_s - 60, std::nullopt, enums::WORKFLOW_EXECUTION_STATUS_RUNNING);
  old_run.run_id = "run-old";
  new_run.run_id = "run-new";
  new_run.replay_count = 2;
  for (const auto& record : {stuck, fresh, failed, old_run, new_run}) Put(record);

  // 1. Active for more than ten minutes, oldest first: the old order-42 run is closed.
  auto stuck_rows = Rows(file_.db(), queries[0]);
  ASSERT_EQ(stuck_rows.size(), 1U);
  EXPECT_EQ(stuck_rows[0][0], "stuck");
  EXPECT_GE(std::stoll(stuck_rows[0][3]), 3590);
  // 2. Replay hot spots, most first.
  auto hot = Rows(file_.db(), queries[1]);
  ASSERT_EQ(hot.size(), 5U);
  EXPECT_EQ(hot[0][0], "fresh");
  EXPECT_EQ(hot[0][2], "7");
  EXPECT_EQ(hot[1][1], "run-new");
  // 3. Failures by task queue and customer.
  auto failures = Rows(file_.db(), queries[2]);
  ASSERT_EQ(failures.size(), 1U);
  EXPECT_EQ(failures[0][0], "orders");
  EXPECT_EQ(failures[0][1], "c-9");
  EXPECT_EQ(failures[0][2], "1");
  // 4. The latest run of order-42.
  auto latest = Rows(file_.db(), queries[3]);
  ASSERT_EQ(latest.size(), 1U);
  EXPECT_EQ(latest[0][0], "Active");
  EXPECT_EQ(latest[0][2], "NULL");
  EXPECT_EQ(latest[0][3], "2");
}

}  // namespace
}  // namespace hdo::persistence::sqlite
