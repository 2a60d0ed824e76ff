#include "persistence/sqlite/keyed_rows.h"

#include <sqlite3.h>

#include <string>

#include "persistence/namespace_store.h"
#include "persistence/sqlite/database.h"
#include "persistence/sqlite/statement.h"

namespace hdo::persistence::sqlite {

hugo::Error KeyedRows::NotFound(std::string_view id) const {
  return hugo::Error::From(std::string(table_.noun) + " '" + std::string(id) + "' not found",
                           kErrorNotFound);
}

hugo::Result<hugo::Unit> KeyedRows::Create(const KeyedRow& row) {
  Statement insert(db_->handle(), std::string("INSERT INTO ") + table_.table + "(namespace_id, " +
                                      table_.id_column + ", version, data) VALUES(?,?,?,?)");
  insert.BindText(1, row.namespace_id)
      .BindText(2, row.id)
      .BindInt64(3, row.version)
      .BindBlob(4, row.data);
  auto result = insert.Run();
  if (result.IsFailure() && (insert.last_error() == SQLITE_CONSTRAINT_UNIQUE ||
                             insert.last_error() == SQLITE_CONSTRAINT_PRIMARYKEY)) {
    return hugo::Error::From(std::string(table_.noun) + " '" + row.id + "' already exists",
                             kErrorAlreadyExists);
  }
  return result;
}

hugo::Result<KeyedRow> KeyedRows::Get(std::string_view namespace_id, std::string_view id) {
  Statement select(db_->handle(), std::string("SELECT version, data FROM ") + table_.table +
                                      " WHERE namespace_id = ? AND " + table_.id_column + " = ?");
  select.BindText(1, namespace_id).BindText(2, id);
  auto row = select.Step();
  if (row.IsFailure()) return row.Error();
  if (!row.Value()) return NotFound(id);
  return hugo::Ok(KeyedRow{std::string(namespace_id), std::string(id), select.ColumnInt64(0),
                           select.ColumnBlob(1)});
}

hugo::Result<KeyedRowsPage> KeyedRows::List(std::string_view namespace_id, int page_size,
                                            std::string_view page_token) {
  // The token names the previous page's last row; (namespace id, id) is unique.
  auto [after_namespace, after_id] = KeyedAfterToken(page_token);
  const std::string id = table_.id_column;
  Statement select(db_->handle(), "SELECT namespace_id, " + id + ", version, data FROM " +
                                      table_.table +
                                      " WHERE (? = '' OR namespace_id = ?) AND (namespace_id, " +
                                      id + ") > (?, ?) ORDER BY namespace_id, " + id + " LIMIT ?");
  select.BindText(1, namespace_id)
      .BindText(2, namespace_id)
      .BindText(3, after_namespace)
      .BindText(4, after_id)
      .BindInt64(5, int64_t{page_size} + 1);
  KeyedRowsPage page;
  while (true) {
    auto row = select.Step();
    if (row.IsFailure()) return row.Error();
    if (!row.Value()) break;
    page.rows.push_back(KeyedRow{select.ColumnText(0), select.ColumnText(1), select.ColumnInt64(2),
                                 select.ColumnBlob(3)});
  }
  if (static_cast<int>(page.rows.size()) > page_size) {
    page.rows.pop_back();
    page.next_page_token = KeyedPageToken(page.rows.back().namespace_id, page.rows.back().id);
  }
  return hugo::Ok(std::move(page));
}

hugo::Result<hugo::Unit> KeyedRows::Update(const KeyedRow& row, int64_t expected_version) {
  Statement update(db_->handle(), std::string("UPDATE ") + table_.table +
                                      " SET version = ?, data = ? WHERE namespace_id = ? AND " +
                                      table_.id_column + " = ? AND version = ?");
  update.BindInt64(1, row.version)
      .BindBlob(2, row.data)
      .BindText(3, row.namespace_id)
      .BindText(4, row.id)
      .BindInt64(5, expected_version);
  auto result = update.Run();
  if (result.IsFailure()) return result;
  if (sqlite3_changes(db_->handle()) == 1) return hugo::Ok();
  auto current = Get(row.namespace_id, row.id);
  if (current.IsFailure()) return current.Error();
  return hugo::Error::From(
      std::string(table_.noun) + " '" + row.id + "' changed concurrently; retry",
      kErrorConditionFailed);
}

hugo::Result<hugo::Unit> KeyedRows::Delete(std::string_view namespace_id, std::string_view id) {
  Statement remove(db_->handle(), std::string("DELETE FROM ") + table_.table +
                                      " WHERE namespace_id = ? AND " + table_.id_column + " = ?");
  remove.BindText(1, namespace_id).BindText(2, id);
  auto result = remove.Run();
  if (result.IsFailure()) return result;
  if (sqlite3_changes(db_->handle()) == 0) return NotFound(id);
  return hugo::Ok();
}

}  // namespace hdo::persistence::sqlite
