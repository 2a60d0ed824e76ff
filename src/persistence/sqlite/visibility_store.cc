#include "persistence/sqlite/visibility_store.h"

#include <charconv>
#include <limits>
#include <variant>

#include "persistence/namespace_store.h"
#include "persistence/sqlite/database.h"
#include "persistence/sqlite/statement.h"
#include "persistence/visibility_page_token.h"

namespace hdo::persistence::sqlite {
namespace {

// Open runs sort as if they closed at the end of time: first in descending order.
constexpr char kSortKey[] = "coalesce(close_time, 9223372036854775807)";

constexpr char kColumns[] =
    "namespace_id, workflow_id, run_id, workflow_type_name, task_queue, status, start_time, "
    "execution_time, close_time, history_length, history_size_bytes, state_transition_count, "
    "replay_count, parent_workflow_id, parent_run_id, root_workflow_id, root_run_id, memo, "
    "search_attributes, search_attributes_payloads, attributes";

void BindOptionalText(Statement& statement, int index, const std::string& value) {
  if (value.empty()) {
    statement.BindNull(index);
  } else {
    statement.BindText(index, value);
  }
}

void BindOptionalBlob(Statement& statement, int index, const std::string& value) {
  if (value.empty()) {
    statement.BindNull(index);
  } else {
    statement.BindBlob(index, value);
  }
}

// A run's close time and execution duration (close - execution time), NULL while it is open.
void BindClose(Statement& statement, int close_index, int duration_index,
               const VisibilityRecord& record) {
  if (record.close_time.has_value()) {
    statement.BindInt64(close_index, *record.close_time);
    statement.BindInt64(duration_index, *record.close_time - record.execution_time);
  } else {
    statement.BindNull(close_index).BindNull(duration_index);
  }
}

void BindValue(Statement& statement, int index, const visibility::SqlValue& value) {
  if (const auto* i = std::get_if<int64_t>(&value)) {
    statement.BindInt64(index, *i);
  } else if (const auto* d = std::get_if<double>(&value)) {
    statement.BindDouble(index, *d);
  } else if (const auto* s = std::get_if<std::string>(&value)) {
    statement.BindText(index, *s);
  } else {
    statement.BindNull(index);
  }
}

VisibilityRecord ReadRecord(const Statement& row) {
  VisibilityRecord record;
  record.namespace_id = row.ColumnText(0);
  record.workflow_id = row.ColumnText(1);
  record.run_id = row.ColumnText(2);
  record.workflow_type = row.ColumnText(3);
  record.task_queue = row.ColumnText(4);
  record.status = static_cast<int32_t>(row.ColumnInt64(5));
  record.start_time = row.ColumnInt64(6);
  record.execution_time = row.ColumnInt64(7);
  if (!row.ColumnIsNull(8)) record.close_time = row.ColumnInt64(8);
  record.history_length = row.ColumnInt64(9);
  record.history_size_bytes = row.ColumnInt64(10);
  record.state_transition_count = row.ColumnInt64(11);
  record.replay_count = row.ColumnInt64(12);
  record.parent_workflow_id = row.ColumnText(13);
  record.parent_run_id = row.ColumnText(14);
  record.root_workflow_id = row.ColumnText(15);
  record.root_run_id = row.ColumnText(16);
  record.memo = row.ColumnBlob(17);
  record.search_attributes = row.ColumnText(18);
  record.search_attributes_payloads = row.ColumnBlob(19);
  record.attributes = row.ColumnText(20);
  return record;
}

void TextMatchFunction(sqlite3_context* context, int argc, sqlite3_value** argv) {
  if (argc != 2 || sqlite3_value_type(argv[0]) == SQLITE_NULL ||
      sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    sqlite3_result_int(context, 0);
    return;
  }
  auto text = [](sqlite3_value* value) {
    const auto* bytes = sqlite3_value_text(value);
    return std::string_view(reinterpret_cast<const char*>(bytes),
                            static_cast<size_t>(sqlite3_value_bytes(value)));
  };
  sqlite3_result_int(context, visibility::TextMatches(text(argv[0]), text(argv[1])) ? 1 : 0);
}

// The expression index of a JSON-held attribute; its name is derived from the attribute's bytes
// (hex), so any valid attribute name makes a valid identifier.
std::string AttributeIndexName(std::string_view name) {
  static const char kHex[] = "0123456789abcdef";
  std::string index = "executions_visibility_sa_";
  for (unsigned char c : name) {
    index += kHex[c >> 4];
    index += kHex[c & 15];
  }
  return index;
}

}  // namespace

hugo::Result<hugo::Unit> WriteVisibility(sqlite3* db, const VisibilityRecord& record) {
  if (record.counters_only) {
    // No index holds these columns: the row is rewritten, its index entries are not.
    Statement update(db,
                     "UPDATE executions_visibility SET history_length = ?, history_size_bytes = ?, "
                     "state_transition_count = ?, replay_count = ? "
                     "WHERE namespace_id = ? AND run_id = ?");
    update.BindInt64(1, record.history_length)
        .BindInt64(2, record.history_size_bytes)
        .BindInt64(3, record.state_transition_count)
        .BindInt64(4, record.replay_count)
        .BindText(5, record.namespace_id)
        .BindText(6, record.run_id);
    auto updated = update.Run();
    if (updated.IsFailure() || sqlite3_changes(db) == 1) return updated;
    // No row yet (a run from before schema V4): written whole below.
  }
  if (record.row_exists && !record.counters_only) {
    // A status, attribute or memo change of a stored run: an UPDATE rewrites only the indexes
    // over the columns it sets (the workflow id and start time indexes stay as they are), where
    // INSERT OR REPLACE deletes and reinserts the row and every index entry. When the memo and
    // search attributes are as stored (most closes), they stay out of the SET list, so SQLite
    // neither recomputes the division column nor touches the custom attributes' expression
    // indexes; the Hugo attributes map is always written, since a failed close adds its error.
    const bool all = !record.memo_and_search_attributes_stored;
    Statement update(
        db, std::string("UPDATE executions_visibility SET status = ?, execution_time = ?, "
                        "close_time = ?, execution_duration = ?, history_length = ?, "
                        "history_size_bytes = ?, state_transition_count = ?, "
                        "replay_count = ?, attributes = ?") +
                (all ? ", memo = ?, search_attributes = ?, search_attributes_payloads = ?" : "") +
                " WHERE namespace_id = ? AND run_id = ?");
    update.BindInt64(1, record.status)
        .BindInt64(2, record.execution_time)
        .BindInt64(5, record.history_length)
        .BindInt64(6, record.history_size_bytes)
        .BindInt64(7, record.state_transition_count)
        .BindInt64(8, record.replay_count)
        .BindText(9, record.attributes);
    BindClose(update, 3, 4, record);
    int next = 10;
    if (all) {
      BindOptionalBlob(update, 10, record.memo);
      update.BindText(11, record.search_attributes);
      BindOptionalBlob(update, 12, record.search_attributes_payloads);
      next = 13;
    }
    update.BindText(next, record.namespace_id).BindText(next + 1, record.run_id);
    auto updated = update.Run();
    if (updated.IsFailure() || sqlite3_changes(db) == 1) return updated;
    // No row yet (a run from before schema V4): written whole below.
  }
  Statement upsert(db,
                   std::string("INSERT OR REPLACE INTO executions_visibility(") + kColumns +
                       ", execution_duration) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  upsert.BindText(1, record.namespace_id)
      .BindText(2, record.workflow_id)
      .BindText(3, record.run_id)
      .BindText(4, record.workflow_type)
      .BindText(5, record.task_queue)
      .BindInt64(6, record.status)
      .BindInt64(7, record.start_time)
      .BindInt64(8, record.execution_time)
      .BindInt64(10, record.history_length)
      .BindInt64(11, record.history_size_bytes)
      .BindInt64(12, record.state_transition_count)
      .BindInt64(13, record.replay_count)
      .BindText(19, record.search_attributes)
      .BindText(21, record.attributes);
  BindClose(upsert, 9, 22, record);
  BindOptionalText(upsert, 14, record.parent_workflow_id);
  BindOptionalText(upsert, 15, record.parent_run_id);
  BindOptionalText(upsert, 16, record.root_workflow_id);
  BindOptionalText(upsert, 17, record.root_run_id);
  BindOptionalBlob(upsert, 18, record.memo);
  BindOptionalBlob(upsert, 20, record.search_attributes_payloads);
  return upsert.Run();
}

SqliteVisibilityStore::SqliteVisibilityStore(Database* db) : db_(db) {
  sqlite3_create_function_v2(db_->handle(), "hdo_text_match", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                             nullptr, &TextMatchFunction, nullptr, nullptr, nullptr);
}

hugo::Result<VisibilityPage> SqliteVisibilityStore::ListExecutions(
    std::string_view namespace_id, const visibility::SqlFilter& filter, int page_size,
    std::string_view page_token) {
  std::optional<VisibilityPageKey> after;
  if (!page_token.empty()) {
    auto decoded = DecodeVisibilityPageToken(page_token);
    if (decoded.IsFailure()) return decoded.Error();
    after = std::move(decoded).Value();
  }
  std::string sql =
      std::string("SELECT ") + kColumns + " FROM executions_visibility WHERE namespace_id = ?";
  if (!filter.where.empty()) sql += " AND (" + filter.where + ")";
  if (after.has_value())
    sql += std::string(" AND (") + kSortKey + ", start_time, run_id) < (?,?,?)";
  sql += std::string(" ORDER BY ") + kSortKey + " DESC, start_time DESC, run_id DESC LIMIT ?";
  Statement select(db_->handle(), sql);
  int index = 1;
  select.BindText(index++, namespace_id);
  for (const auto& value : filter.params) BindValue(select, index++, value);
  if (after.has_value()) {
    select.BindInt64(index, after->sort_close);
    select.BindInt64(index + 1, after->start_time);
    select.BindText(index + 2, after->run_id);
    index += 3;
  }
  // One row more than the page tells whether there is a next page.
  select.BindInt64(index, int64_t{page_size} + 1);
  VisibilityPage page;
  while (true) {
    auto row = select.Step();
    if (row.IsFailure()) return row.Error();
    if (!row.Value()) break;
    if (static_cast<int>(page.records.size()) == page_size) {
      page.next_page_token = EncodeVisibilityPageToken(page.records.back());
      break;
    }
    page.records.push_back(ReadRecord(select));
  }
  return hugo::Ok(std::move(page));
}

hugo::Result<VisibilityCount> SqliteVisibilityStore::CountExecutions(
    std::string_view namespace_id, const visibility::SqlFilter& filter) {
  const std::string& group = filter.group_by_column;
  std::string sql = group.empty() ? "SELECT count(*)" : "SELECT " + group + ", count(*)";
  sql += " FROM executions_visibility WHERE namespace_id = ?";
  if (!filter.where.empty()) sql += " AND (" + filter.where + ")";
  if (!group.empty()) sql += " GROUP BY " + group + " ORDER BY " + group;
  Statement select(db_->handle(), sql);
  int index = 1;
  select.BindText(index++, namespace_id);
  for (const auto& value : filter.params) BindValue(select, index++, value);
  VisibilityCount count;
  while (true) {
    auto row = select.Step();
    if (row.IsFailure()) return row.Error();
    if (!row.Value()) break;
    if (group.empty()) {
      count.count = select.ColumnInt64(0);
      continue;
    }
    VisibilityCount::Group entry;
    switch (select.ColumnType(0)) {
      case SQLITE_INTEGER:
        entry.value = select.ColumnInt64(0);
        break;
      case SQLITE_FLOAT:
        entry.value = select.ColumnDouble(0);
        break;
      case SQLITE_NULL:
        break;
      default:
        entry.value = select.ColumnText(0);
    }
    entry.count = select.ColumnInt64(1);
    count.count += entry.count;
    count.groups.push_back(std::move(entry));
  }
  return hugo::Ok(std::move(count));
}

hugo::Result<std::vector<ClosedRun>> SqliteVisibilityStore::ListClosedBefore(
    std::string_view namespace_id, int64_t close_before, int limit) {
  std::vector<ClosedRun> runs;
  // Division by division (none first, then each value in order), so that every lookup is a range
  // of the default-order index (namespace_id, namespace_division, sort key, ...).
  auto take = [&](const std::optional<std::string>& division) -> hugo::Result<hugo::Unit> {
    Statement select(db_->handle(), std::string("SELECT workflow_id, run_id, close_time FROM "
                                                "executions_visibility WHERE namespace_id = ? AND "
                                                "namespace_division ") +
                                        (division.has_value() ? "= ?" : "IS NULL") + " AND " +
                                        kSortKey + " < ? ORDER BY " + kSortKey + " LIMIT ?");
    int index = 1;
    select.BindText(index++, namespace_id);
    if (division.has_value()) select.BindText(index++, *division);
    select.BindInt64(index++, close_before);
    select.BindInt64(index, limit - static_cast<int64_t>(runs.size()));
    while (true) {
      auto row = select.Step();
      if (row.IsFailure()) return row.Error();
      if (!row.Value()) return hugo::Ok();
      runs.push_back({select.ColumnText(0), select.ColumnText(1), select.ColumnInt64(2),
                      division.value_or("")});
    }
  };
  auto taken = take(std::nullopt);
  if (taken.IsFailure()) return taken.Error();
  std::optional<std::string> division;
  while (static_cast<int>(runs.size()) < limit) {
    Statement next(db_->handle(),
                   std::string("SELECT namespace_division FROM executions_visibility WHERE "
                               "namespace_id = ? AND namespace_division ") +
                       (division.has_value() ? "> ?" : "IS NOT NULL") +
                       " ORDER BY namespace_division LIMIT 1");
    next.BindText(1, namespace_id);
    if (division.has_value()) next.BindText(2, *division);
    auto row = next.Step();
    if (row.IsFailure()) return row.Error();
    if (!row.Value()) break;
    division = next.ColumnText(0);
    taken = take(division);
    if (taken.IsFailure()) return taken.Error();
  }
  return hugo::Ok(std::move(runs));
}

hugo::Result<std::map<std::string, int32_t>> SqliteVisibilityStore::ListSearchAttributes(
    std::string_view namespace_id) {
  // An empty namespace id lists the attributes of every namespace.
  Statement select(db_->handle(),
                   "SELECT name, type FROM search_attributes "
                   "WHERE ?1 = '' OR namespace_id = ?1 ORDER BY name");
  select.BindText(1, namespace_id);
  std::map<std::string, int32_t> attributes;
  while (true) {
    auto row = select.Step();
    if (row.IsFailure()) return row.Error();
    if (!row.Value()) break;
    attributes[select.ColumnText(0)] = static_cast<int32_t>(select.ColumnInt64(1));
  }
  return hugo::Ok(std::move(attributes));
}

hugo::Result<hugo::Unit> SqliteVisibilityStore::AddSearchAttributes(
    std::string_view namespace_id, const std::map<std::string, int32_t>& attributes) {
  return db_->InTransaction([&]() -> hugo::Result<hugo::Unit> {
    for (const auto& [name, type] : attributes) {
      Statement insert(db_->handle(),
                       "INSERT INTO search_attributes(namespace_id, name, type) VALUES(?,?,?)");
      insert.BindText(1, namespace_id).BindText(2, name).BindInt64(3, type);
      auto inserted = insert.Run();
      if (inserted.IsFailure() && insert.last_error() == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return hugo::Error::From("search attribute " + name + " already exists",
                                 kErrorAlreadyExists)
            .WithMetadata("name", name);
      }
      if (inserted.IsFailure()) return inserted;
      // Filters on the attribute read this expression: an index on it serves them. One index
      // per name, shared by the namespaces that define it.
      auto indexed = db_->Exec("CREATE INDEX IF NOT EXISTS " + AttributeIndexName(name) +
                               " ON executions_visibility(namespace_id, " +
                               visibility::SqliteJsonField(name) + ")");
      if (indexed.IsFailure()) return indexed;
    }
    return hugo::Ok();
  });
}

hugo::Result<hugo::Unit> SqliteVisibilityStore::RemoveSearchAttributes(
    std::string_view namespace_id, const std::vector<std::string>& names) {
  return db_->InTransaction([&]() -> hugo::Result<hugo::Unit> {
    for (const std::string& name : names) {
      Statement remove(db_->handle(),
                       "DELETE FROM search_attributes WHERE namespace_id = ? AND name = ?");
      remove.BindText(1, namespace_id).BindText(2, name);
      auto removed = remove.Run();
      if (removed.IsFailure()) return removed;
      if (sqlite3_changes(db_->handle()) != 1) {
        return hugo::Error::From("search attribute " + name + " doesn't exist", kErrorNotFound)
            .WithMetadata("name", name);
      }
      int64_t users = 0;
      {  // finalized before the DROP, which a pending read would block
        Statement count(db_->handle(), "SELECT count(*) FROM search_attributes WHERE name = ?");
        count.BindText(1, name);
        auto counted = count.Step();
        if (counted.IsFailure()) return counted.Error();
        users = count.ColumnInt64(0);
      }
      if (users == 0) {
        auto dropped = db_->Exec("DROP INDEX IF EXISTS " + AttributeIndexName(name));
        if (dropped.IsFailure()) return dropped;
      }
    }
    return hugo::Ok();
  });
}

hugo::Result<hugo::Unit> SqliteVisibilityStore::RefreshStatistics() {
  return db_->Exec("PRAGMA analysis_limit = 1000; ANALYZE");
}

}  // namespace hdo::persistence::sqlite
