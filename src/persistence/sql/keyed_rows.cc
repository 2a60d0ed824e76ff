#include "persistence/sql/keyed_rows.h"

#include <string>
#include <vector>

#include "persistence/namespace_store.h"

namespace hdo::persistence::sql {

hugo::Error KeyedRows::NotFound(std::string_view id) const {
  return hugo::Error::From(std::string(table_.noun) + " '" + std::string(id) + "' not found",
                           kErrorNotFound);
}

hugo::Result<hugo::Unit> KeyedRows::Create(const KeyedRow& row) {
  return session_->InTransaction([&]() -> hugo::Result<hugo::Unit> {
    auto inserted = db().Execute(std::string("INSERT INTO ") + table_.table + "(namespace_id, " +
                                     table_.id_column + ", version, data) VALUES(?,?,?,?)",
                                 {row.namespace_id, row.id, row.version, Blob{row.data}});
    if (inserted.IsFailure()) {
      if (inserted.Error().HasCode(kErrorDuplicateKey)) {
        return hugo::Error::From(std::string(table_.noun) + " '" + row.id + "' already exists",
                                 kErrorAlreadyExists);
      }
      return inserted.Error();
    }
    return hugo::Ok();
  });
}

hugo::Result<KeyedRow> KeyedRows::Get(std::string_view namespace_id, std::string_view id) {
  auto rows = db().Query(std::string("SELECT version, data FROM ") + table_.table +
                             " WHERE namespace_id = ? AND " + table_.id_column + " = ?",
                         {std::string(namespace_id), std::string(id)});
  if (rows.IsFailure()) return rows.Error();
  if (rows.Value().empty()) return NotFound(id);
  return hugo::Ok(KeyedRow{std::string(namespace_id), std::string(id), rows.Value().Int64(0, 0),
                           rows.Value().Bytes(0, 1)});
}

hugo::Result<KeyedRowsPage> KeyedRows::List(std::string_view namespace_id, int page_size,
                                            std::string_view page_token) {
  // The token names the previous page's last row; (namespace id, id) is unique.
  auto [after_namespace, after_id] = KeyedAfterToken(page_token);
  const std::string id = table_.id_column;
  std::string sql =
      "SELECT namespace_id, " + id + ", version, data FROM " + table_.table + " WHERE ";
  std::vector<Value> params;
  if (!namespace_id.empty()) {
    sql += "namespace_id = ? AND ";
    params.emplace_back(std::string(namespace_id));
  }
  sql += "(namespace_id > ? OR (namespace_id = ? AND " + id + " > ?)) ";
  sql += "ORDER BY namespace_id, " + id + " LIMIT ?";
  params.emplace_back(after_namespace);
  params.emplace_back(after_namespace);
  params.emplace_back(after_id);
  params.emplace_back(int64_t{page_size} + 1);
  auto rows = db().Query(sql, params);
  if (rows.IsFailure()) return rows.Error();
  KeyedRowsPage page;
  for (size_t row = 0; row < rows.Value().size(); ++row) {
    page.rows.push_back(KeyedRow{rows.Value().Bytes(row, 0), rows.Value().Bytes(row, 1),
                                 rows.Value().Int64(row, 2), rows.Value().Bytes(row, 3)});
  }
  if (static_cast<int>(page.rows.size()) > page_size) {
    page.rows.pop_back();
    page.next_page_token = KeyedPageToken(page.rows.back().namespace_id, page.rows.back().id);
  }
  return hugo::Ok(std::move(page));
}

hugo::Result<hugo::Unit> KeyedRows::Update(const KeyedRow& row, int64_t expected_version) {
  return session_->InTransaction([&]() -> hugo::Result<hugo::Unit> {
    auto updated =
        db().Execute(std::string("UPDATE ") + table_.table +
                         " SET version = ?, data = ? WHERE namespace_id = ? AND " +
                         table_.id_column + " = ? AND version = ?",
                     {row.version, Blob{row.data}, row.namespace_id, row.id, expected_version});
    if (updated.IsFailure()) return updated.Error();
    if (updated.Value() == 1) return hugo::Ok();
    auto current = Get(row.namespace_id, row.id);
    if (current.IsFailure()) return current.Error();
    return hugo::Error::From(
        std::string(table_.noun) + " '" + row.id + "' changed concurrently; retry",
        kErrorConditionFailed);
  });
}

hugo::Result<hugo::Unit> KeyedRows::Delete(std::string_view namespace_id, std::string_view id) {
  return session_->InTransaction([&]() -> hugo::Result<hugo::Unit> {
    auto deleted = db().Execute(std::string("DELETE FROM ") + table_.table +
                                    " WHERE namespace_id = ? AND " + table_.id_column + " = ?",
                                {std::string(namespace_id), std::string(id)});
    if (deleted.IsFailure()) return deleted.Error();
    if (deleted.Value() == 0) return NotFound(id);
    return hugo::Ok();
  });
}

}  // namespace hdo::persistence::sql
