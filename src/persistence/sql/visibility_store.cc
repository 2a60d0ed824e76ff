#include "persistence/sql/visibility_store.h"

#include <charconv>
#include <limits>
#include <optional>
#include <variant>

#include "persistence/namespace_store.h"
#include "persistence/visibility_page_token.h"

namespace hdo::persistence::sql {
namespace {

namespace enums = temporal::api::enums::v1;

// The sort key of the default order: close time, the end of time while open. MySQL reads the
// generated column its indexes hold (MariaDB has no expression indexes).
std::string SortKey(Engine engine) {
  return engine == Engine::kMysql ? "close_time_or_end"
                                  : "COALESCE(close_time, 9223372036854775807)";
}

constexpr char kColumns[] =
    "namespace_id, workflow_id, run_id, workflow_type_name, task_queue, status, start_time, "
    "execution_time, close_time, history_length, history_size_bytes, state_transition_count, "
    "replay_count, parent_workflow_id, parent_run_id, root_workflow_id, root_run_id, memo, "
    "search_attributes, search_attributes_payloads, attributes";

// The columns an upsert replaces (all but the key), as `name` for the engine's spelling.
constexpr const char* kReplaced[] = {"workflow_id",        "workflow_type_name",
                                     "task_queue",         "status",
                                     "start_time",         "execution_time",
                                     "close_time",         "history_length",
                                     "history_size_bytes", "state_transition_count",
                                     "replay_count",       "parent_workflow_id",
                                     "parent_run_id",      "root_workflow_id",
                                     "root_run_id",        "memo",
                                     "search_attributes",  "search_attributes_payloads",
                                     "attributes",         "execution_duration"};

// What a counters-only write changes (no index holds these columns).
constexpr const char* kCounters[] = {"history_length", "history_size_bytes",
                                     "state_transition_count", "replay_count"};

Value OptionalText(const std::string& value) { return value.empty() ? Value() : Value(value); }

Value OptionalBlob(const std::string& bytes) {
  return bytes.empty() ? Value() : Value(Blob{bytes});
}

Value ToValue(const visibility::SqlValue& value) {
  if (const auto* i = std::get_if<int64_t>(&value)) return *i;
  if (const auto* d = std::get_if<double>(&value)) return *d;
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  return {};
}

VisibilityRecord ReadRecord(const Rows& rows, size_t row) {
  VisibilityRecord record;
  record.namespace_id = rows.Bytes(row, 0);
  record.workflow_id = rows.Bytes(row, 1);
  record.run_id = rows.Bytes(row, 2);
  record.workflow_type = rows.Bytes(row, 3);
  record.task_queue = rows.Bytes(row, 4);
  record.status = static_cast<int32_t>(rows.Int64(row, 5));
  record.start_time = rows.Int64(row, 6);
  record.execution_time = rows.Int64(row, 7);
  if (!rows.IsNull(row, 8)) record.close_time = rows.Int64(row, 8);
  record.history_length = rows.Int64(row, 9);
  record.history_size_bytes = rows.Int64(row, 10);
  record.state_transition_count = rows.Int64(row, 11);
  record.replay_count = rows.Int64(row, 12);
  record.parent_workflow_id = rows.Bytes(row, 13);
  record.parent_run_id = rows.Bytes(row, 14);
  record.root_workflow_id = rows.Bytes(row, 15);
  record.root_run_id = rows.Bytes(row, 16);
  record.memo = rows.Bytes(row, 17);
  record.search_attributes = rows.Bytes(row, 18);
  record.search_attributes_payloads = rows.Bytes(row, 19);
  record.attributes = rows.Bytes(row, 20);
  return record;
}

// Runs `body` in a transaction: committed when it succeeds, rolled back when it fails.
template <class F>
hugo::Result<hugo::Unit> InTransaction(Connection& connection, F&& body) {
  auto begun = connection.Begin();
  if (begun.IsFailure()) return begun;
  hugo::Result<hugo::Unit> result = body();
  if (result.IsFailure()) {
    (void)connection.Rollback();  // the body's error says what happened
    return result;
  }
  return connection.Commit();
}

// PostgreSQL: the expression index of a custom attribute, one per name and expression (types
// read through the same expression share it), shared by the namespaces that define it.
// Identifiers are at most 63 bytes: the name is a hash of the attribute's name and expression.
enum class IndexKind { kText, kJson, kGin };

IndexKind IndexKindOf(enums::IndexedValueType type) {
  switch (type) {
    case enums::INDEXED_VALUE_TYPE_KEYWORD:
    case enums::INDEXED_VALUE_TYPE_TEXT:
      return IndexKind::kText;
    case enums::INDEXED_VALUE_TYPE_KEYWORD_LIST:
      return IndexKind::kGin;
    default:
      return IndexKind::kJson;
  }
}

std::string AttributeIndexName(std::string_view name, IndexKind kind) {
  uint64_t hash = 14695981039346656037ULL;  // FNV-1a
  for (unsigned char c : name) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  static const char kHex[] = "0123456789abcdef";
  std::string index = "executions_visibility_sa_";
  for (int shift = 60; shift >= 0; shift -= 4) index += kHex[(hash >> shift) & 15];
  index += kind == IndexKind::kText ? "_t" : kind == IndexKind::kGin ? "_g" : "_j";
  return index;
}

std::string CreateAttributeIndex(std::string_view name, enums::IndexedValueType type) {
  IndexKind kind = IndexKindOf(type);
  std::string index = AttributeIndexName(name, kind);
  std::string field = visibility::PostgresJsonField(name, type);
  if (kind == IndexKind::kGin) {
    // @> needs a GIN index; a GIN index takes no namespace column without btree_gin.
    return "CREATE INDEX IF NOT EXISTS " + index + " ON executions_visibility USING gin (" + field +
           ")";
  }
  return "CREATE INDEX IF NOT EXISTS " + index + " ON executions_visibility (namespace_id, " +
         field + ")";
}

// The types of each index kind, as SQL (IN list of IndexedValueType numbers).
std::string TypesOf(IndexKind kind) {
  switch (kind) {
    case IndexKind::kText:
      return std::to_string(enums::INDEXED_VALUE_TYPE_KEYWORD) + ", " +
             std::to_string(enums::INDEXED_VALUE_TYPE_TEXT);
    case IndexKind::kGin:
      return std::to_string(enums::INDEXED_VALUE_TYPE_KEYWORD_LIST);
    case IndexKind::kJson:
      break;
  }
  return std::to_string(enums::INDEXED_VALUE_TYPE_INT) + ", " +
         std::to_string(enums::INDEXED_VALUE_TYPE_DOUBLE) + ", " +
         std::to_string(enums::INDEXED_VALUE_TYPE_BOOL) + ", " +
         std::to_string(enums::INDEXED_VALUE_TYPE_DATETIME);
}

// Inserts the row, or replaces `replaced` of an existing one: one statement, so that it joins a
// batch (ExecuteBatch) without a round trip of its own.
template <size_t N>
std::string UpsertSql(Engine engine, const char* const (&replaced)[N]) {
  std::string sql = std::string("INSERT INTO executions_visibility(") + kColumns +
                    ", execution_duration) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
  if (engine == Engine::kPostgres) {
    sql += " ON CONFLICT (namespace_id, run_id) DO UPDATE SET ";
    for (size_t i = 0; i < N; ++i) {
      sql += std::string(i > 0 ? ", " : "") + replaced[i] + " = EXCLUDED." + replaced[i];
    }
  } else {
    // VALUES(): MariaDB has no row alias (MySQL 8.0.20 deprecates VALUES() but keeps it).
    sql += " ON DUPLICATE KEY UPDATE ";
    for (size_t i = 0; i < N; ++i) {
      sql += std::string(i > 0 ? ", " : "") + replaced[i] + " = VALUES(" + replaced[i] + ")";
    }
  }
  return sql;
}

}  // namespace

visibility::Dialect DialectOf(Engine engine) {
  return engine == Engine::kMysql ? visibility::Dialect::kMysql : visibility::Dialect::kPostgres;
}

Statement VisibilityWrite(Engine engine, const VisibilityRecord& record) {
  std::optional<int64_t> duration;
  if (record.close_time.has_value()) duration = *record.close_time - record.execution_time;
  std::vector<Value> params = {
      record.namespace_id,
      record.workflow_id,
      record.run_id,
      record.workflow_type,
      record.task_queue,
      int64_t{record.status},
      record.start_time,
      record.execution_time,
      record.close_time ? Value(*record.close_time) : Value(),
      record.history_length,
      record.history_size_bytes,
      record.state_transition_count,
      record.replay_count,
      OptionalText(record.parent_workflow_id),
      OptionalText(record.parent_run_id),
      OptionalText(record.root_workflow_id),
      OptionalText(record.root_run_id),
      OptionalBlob(record.memo),
      record.search_attributes,
      OptionalBlob(record.search_attributes_payloads),
      record.attributes,
      duration ? Value(*duration) : Value(),
  };
  // A counters-only write leaves the row's indexed columns alone (they have not changed), or
  // writes the whole row when there is none yet.
  static const std::string kTexts[4] = {
      UpsertSql(Engine::kPostgres, kReplaced), UpsertSql(Engine::kPostgres, kCounters),
      UpsertSql(Engine::kMysql, kReplaced), UpsertSql(Engine::kMysql, kCounters)};
  return Statement{kTexts[(engine == Engine::kMysql ? 2 : 0) + (record.counters_only ? 1 : 0)],
                   std::move(params)};
}

hugo::Result<hugo::Unit> WriteVisibility(Connection& connection, const VisibilityRecord& record) {
  Statement statement = VisibilityWrite(connection.engine(), record);
  auto written = connection.Execute(statement.sql, statement.params);
  if (written.IsFailure()) return written.Error();
  return hugo::Ok();
}

hugo::Result<VisibilityPage> SqlVisibilityStore::ListExecutions(std::string_view namespace_id,
                                                                const visibility::SqlFilter& filter,
                                                                int page_size,
                                                                std::string_view page_token) {
  std::optional<VisibilityPageKey> after;
  if (!page_token.empty()) {
    auto decoded = DecodeVisibilityPageToken(page_token);
    if (decoded.IsFailure()) return decoded.Error();
    after = std::move(decoded).Value();
  }
  Engine engine = connection_->engine();
  bool postgres = engine == Engine::kPostgres;
  std::string sort_key = SortKey(engine);
  std::string sql =
      std::string("SELECT ") + kColumns + " FROM executions_visibility WHERE namespace_id = ?";
  std::vector<Value> params = {std::string(namespace_id)};
  if (!filter.where.empty()) sql += " AND (" + filter.where + ")";
  for (const auto& value : filter.params) params.push_back(ToValue(value));
  if (after.has_value()) {
    sql += " AND (" + sort_key + ", start_time, run_id) < " +
           (postgres ? "(?::bigint, ?::bigint, ?::text)" : "(?, ?, ?)");
    params.insert(params.end(), {after->sort_close, after->start_time, after->run_id});
  }
  // One row more than the page tells whether there is a next page.
  sql += " ORDER BY " + sort_key + " DESC, start_time DESC, run_id DESC LIMIT " +
         (postgres ? "?::bigint" : "?");
  params.push_back(int64_t{page_size} + 1);
  auto rows = connection_->Query(sql, params);
  if (rows.IsFailure()) return rows.Error();
  VisibilityPage page;
  const Rows& result = rows.Value();
  for (size_t row = 0; row < result.size(); ++row) {
    if (static_cast<int>(page.records.size()) == page_size) {
      page.next_page_token = EncodeVisibilityPageToken(page.records.back());
      break;
    }
    page.records.push_back(ReadRecord(result, row));
  }
  return hugo::Ok(std::move(page));
}

hugo::Result<VisibilityCount> SqlVisibilityStore::CountExecutions(
    std::string_view namespace_id, const visibility::SqlFilter& filter) {
  const std::string& group = filter.group_by_column;
  std::string sql = group.empty() ? "SELECT count(*)" : "SELECT " + group + ", count(*)";
  sql += " FROM executions_visibility WHERE namespace_id = ?";
  std::vector<Value> params = {std::string(namespace_id)};
  if (!filter.where.empty()) sql += " AND (" + filter.where + ")";
  for (const auto& value : filter.params) params.push_back(ToValue(value));
  if (!group.empty()) sql += " GROUP BY " + group + " ORDER BY " + group;
  auto rows = connection_->Query(sql, params);
  if (rows.IsFailure()) return rows.Error();
  const Rows& result = rows.Value();
  VisibilityCount count;
  for (size_t row = 0; row < result.size(); ++row) {
    if (group.empty()) {
      count.count = result.Int64(row, 0);
      continue;
    }
    // The only group column is status, an integer.
    VisibilityCount::Group entry;
    if (!result.IsNull(row, 0)) entry.value = result.Int64(row, 0);
    entry.count = result.Int64(row, 1);
    count.count += entry.count;
    count.groups.push_back(std::move(entry));
  }
  return hugo::Ok(std::move(count));
}

hugo::Result<std::vector<ClosedRun>> SqlVisibilityStore::ListClosedBefore(
    std::string_view namespace_id, int64_t close_before, int limit) {
  const std::string sort_key = SortKey(connection_->engine());
  std::vector<ClosedRun> runs;
  // Division by division (none first, then each value in order), so that every lookup is a range
  // of the default-order index (namespace_id, namespace_division, sort key, ...).
  auto take = [&](const std::optional<std::string>& division) -> hugo::Result<hugo::Unit> {
    std::vector<Value> params = {std::string(namespace_id)};
    if (division.has_value()) params.push_back(*division);
    params.push_back(close_before);
    params.push_back(int64_t{limit} - static_cast<int64_t>(runs.size()));
    auto rows = connection_->Query(
        std::string("SELECT workflow_id, run_id, close_time FROM executions_visibility WHERE "
                    "namespace_id = ? AND namespace_division ") +
            (division.has_value() ? "= ?" : "IS NULL") + " AND " + sort_key + " < ? ORDER BY " +
            sort_key + " LIMIT ?",
        params);
    if (rows.IsFailure()) return rows.Error();
    for (size_t row = 0; row < rows.Value().size(); ++row) {
      runs.push_back({rows.Value().Bytes(row, 0), rows.Value().Bytes(row, 1),
                      rows.Value().Int64(row, 2), division.value_or("")});
    }
    return hugo::Ok();
  };
  auto taken = take(std::nullopt);
  if (taken.IsFailure()) return taken.Error();
  std::optional<std::string> division;
  while (static_cast<int>(runs.size()) < limit) {
    std::vector<Value> params = {std::string(namespace_id)};
    if (division.has_value()) params.push_back(*division);
    auto next = connection_->Query(
        std::string("SELECT namespace_division FROM executions_visibility WHERE namespace_id = ? "
                    "AND namespace_division ") +
            (division.has_value() ? "> ?" : "IS NOT NULL") + " ORDER BY namespace_division LIMIT 1",
        params);
    if (next.IsFailure()) return next.Error();
    if (next.Value().size() == 0) break;
    division = next.Value().Bytes(0, 0);
    taken = take(division);
    if (taken.IsFailure()) return taken.Error();
  }
  return hugo::Ok(std::move(runs));
}

hugo::Result<std::map<std::string, int32_t>> SqlVisibilityStore::ListSearchAttributes(
    std::string_view namespace_id) {
  // An empty namespace id lists the attributes of every namespace.
  hugo::Result<Rows> rows =
      namespace_id.empty()
          ? connection_->Query("SELECT name, type FROM search_attributes ORDER BY name", {})
          : connection_->Query(
                "SELECT name, type FROM search_attributes WHERE namespace_id = ? ORDER BY name",
                {std::string(namespace_id)});
  if (rows.IsFailure()) return rows.Error();
  std::map<std::string, int32_t> attributes;
  for (size_t row = 0; row < rows.Value().size(); ++row) {
    attributes[rows.Value().Bytes(row, 0)] = static_cast<int32_t>(rows.Value().Int64(row, 1));
  }
  return hugo::Ok(std::move(attributes));
}

hugo::Result<hugo::Unit> SqlVisibilityStore::InTransaction(
    const std::function<hugo::Result<hugo::Unit>()>& body) {
  if (session_ != nullptr) return session_->InTransaction(body);
  return sql::InTransaction(*connection_, body);
}

hugo::Result<hugo::Unit> SqlVisibilityStore::AddSearchAttributes(
    std::string_view namespace_id, const std::map<std::string, int32_t>& attributes) {
  Connection& connection = *connection_;
  return InTransaction([&]() -> hugo::Result<hugo::Unit> {
    for (const auto& [name, type] : attributes) {
      auto inserted = connection.Execute(
          "INSERT INTO search_attributes(namespace_id, name, type) VALUES(?, ?, ?)",
          {std::string(namespace_id), name, int64_t{type}});
      if (inserted.IsFailure() && inserted.Error().Code() == kErrorDuplicateKey) {
        return hugo::Error::From("search attribute " + name + " already exists",
                                 kErrorAlreadyExists)
            .WithMetadata("name", name);
      }
      if (inserted.IsFailure()) return inserted.Error();
      if (connection.engine() != Engine::kPostgres) continue;
      // Filters on the attribute read this expression: an index on it serves them.
      auto indexed = connection.Execute(
          CreateAttributeIndex(name, static_cast<enums::IndexedValueType>(type)), {});
      if (indexed.IsFailure()) return indexed.Error();
    }
    return hugo::Ok();
  });
}

hugo::Result<hugo::Unit> SqlVisibilityStore::RemoveSearchAttributes(
    std::string_view namespace_id, const std::vector<std::string>& names) {
  Connection& connection = *connection_;
  return InTransaction([&]() -> hugo::Result<hugo::Unit> {
    for (const std::string& name : names) {
      auto defined =
          connection.Query("SELECT type FROM search_attributes WHERE namespace_id = ? AND name = ?",
                           {std::string(namespace_id), name});
      if (defined.IsFailure()) return defined.Error();
      if (defined.Value().empty()) {
        return hugo::Error::From("search attribute " + name + " doesn't exist", kErrorNotFound)
            .WithMetadata("name", name);
      }
      auto type = static_cast<enums::IndexedValueType>(defined.Value().Int64(0, 0));
      auto removed =
          connection.Execute("DELETE FROM search_attributes WHERE namespace_id = ? AND name = ?",
                             {std::string(namespace_id), name});
      if (removed.IsFailure()) return removed.Error();
      if (connection.engine() != Engine::kPostgres) continue;
      IndexKind kind = IndexKindOf(type);
      auto users =
          connection.Query("SELECT count(*) FROM search_attributes WHERE name = ? AND type IN (" +
                               TypesOf(kind) + ")",
                           {name});
      if (users.IsFailure()) return users.Error();
      if (users.Value().Int64(0, 0) == 0) {
        auto dropped =
            connection.Execute("DROP INDEX IF EXISTS " + AttributeIndexName(name, kind), {});
        if (dropped.IsFailure()) return dropped.Error();
      }
    }
    return hugo::Ok();
  });
}

}  // namespace hdo::persistence::sql
