#include "persistence/sqlite/namespace_store.h"

#include <sqlite3.h>

#include "persistence/sqlite/database.h"
#include "persistence/sqlite/statement.h"

namespace hdo::persistence::sqlite {

hugo::Result<hugo::Unit> SqliteNamespaceStore::CreateNamespace(const NamespaceRecord& record) {
  Statement insert(db_->handle(),
                   "INSERT INTO namespaces(id, name, notification_version, data) VALUES(?,?,?,?)");
  insert.BindText(1, record.id)
      .BindText(2, record.name)
      .BindInt64(3, record.notification_version)
      .BindBlob(4, record.data);
  auto result = insert.Run();
  if (result.IsFailure() && (insert.last_error() == SQLITE_CONSTRAINT_UNIQUE ||
                             insert.last_error() == SQLITE_CONSTRAINT_PRIMARYKEY)) {
    return hugo::Error::From("namespace '" + record.name + "' already exists", kErrorAlreadyExists);
  }
  return result;
}

hugo::Result<NamespaceRecord> SqliteNamespaceStore::GetBy(const char* column,
                                                          std::string_view value) {
  Statement select(
      db_->handle(),
      std::string("SELECT id, name, notification_version, data FROM namespaces WHERE ") + column +
          " = ?");
  select.BindText(1, value);
  auto row = select.Step();
  if (row.IsFailure()) return row.Error();
  if (!row.Value()) {
    return hugo::Error::From(
        "namespace " + std::string(column) + " '" + std::string(value) + "' not found",
        kErrorNotFound);
  }
  return hugo::Ok(NamespaceRecord{select.ColumnText(0), select.ColumnText(1), select.ColumnInt64(2),
                                  select.ColumnBlob(3)});
}

hugo::Result<NamespaceRecord> SqliteNamespaceStore::GetNamespaceByName(std::string_view name) {
  return GetBy("name", name);
}

hugo::Result<NamespaceRecord> SqliteNamespaceStore::GetNamespaceById(std::string_view id) {
  return GetBy("id", id);
}

hugo::Result<NamespacePage> SqliteNamespaceStore::ListNamespaces(int page_size,
                                                                 std::string_view page_token) {
  // The token is the last name of the previous page; names are unique, so "after it" is exact.
  Statement select(db_->handle(),
                   "SELECT id, name, notification_version, data FROM namespaces WHERE name > ? "
                   "ORDER BY name LIMIT ?");
  select.BindText(1, page_token).BindInt64(2, int64_t{page_size} + 1);
  NamespacePage page;
  while (true) {
    auto row = select.Step();
    if (row.IsFailure()) return row.Error();
    if (!row.Value()) break;
    page.namespaces.push_back(NamespaceRecord{select.ColumnText(0), select.ColumnText(1),
                                              select.ColumnInt64(2), select.ColumnBlob(3)});
  }
  if (static_cast<int>(page.namespaces.size()) > page_size) {
    page.namespaces.pop_back();
    page.next_page_token = page.namespaces.back().name;
  }
  return hugo::Ok(std::move(page));
}

hugo::Result<hugo::Unit> SqliteNamespaceStore::UpdateNamespace(
    const NamespaceRecord& record, int64_t expected_notification_version) {
  Statement update(db_->handle(),
                   "UPDATE namespaces SET name = ?, notification_version = ?, data = ? "
                   "WHERE id = ? AND notification_version = ?");
  update.BindText(1, record.name)
      .BindInt64(2, record.notification_version)
      .BindBlob(3, record.data)
      .BindText(4, record.id)
      .BindInt64(5, expected_notification_version);
  auto result = update.Run();
  if (result.IsFailure() && update.last_error() == SQLITE_CONSTRAINT_UNIQUE) {
    return hugo::Error::From("namespace '" + record.name + "' already exists", kErrorAlreadyExists);
  }
  if (result.IsFailure()) return result;
  if (sqlite3_changes(db_->handle()) == 1) return hugo::Ok();
  auto current = GetNamespaceById(record.id);
  if (current.IsFailure()) return current.Error();
  return hugo::Error::From("namespace '" + record.name + "' changed concurrently; retry",
                           kErrorConditionFailed);
}

hugo::Result<hugo::Unit> SqliteNamespaceStore::DeleteNamespace(std::string_view id) {
  Statement remove(db_->handle(), "DELETE FROM namespaces WHERE id = ?");
  remove.BindText(1, std::string(id));
  auto result = remove.Run();
  if (result.IsFailure()) return result;
  if (sqlite3_changes(db_->handle()) == 1) return hugo::Ok();
  return hugo::Error::From("namespace id '" + std::string(id) + "' not found", kErrorNotFound);
}

}  // namespace hdo::persistence::sqlite
