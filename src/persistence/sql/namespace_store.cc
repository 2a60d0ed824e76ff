#include "persistence/sql/namespace_store.h"

namespace hdo::persistence::sql {
namespace {

NamespaceRecord RecordAt(const Rows& rows, size_t row) {
  return NamespaceRecord{rows.Bytes(row, 0), rows.Bytes(row, 1), rows.Int64(row, 2),
                         rows.Bytes(row, 3)};
}

}  // namespace

hugo::Result<hugo::Unit> SqlNamespaceStore::CreateNamespace(const NamespaceRecord& record) {
  return session_->InTransaction([&]() -> hugo::Result<hugo::Unit> {
    auto inserted =
        db().Execute("INSERT INTO namespaces(id, name, notification_version, data) VALUES(?,?,?,?)",
                     {record.id, record.name, record.notification_version, Blob{record.data}});
    if (inserted.IsFailure()) {
      if (inserted.Error().HasCode(kErrorDuplicateKey)) {
        return hugo::Error::From("namespace '" + record.name + "' already exists",
                                 kErrorAlreadyExists);
      }
      return inserted.Error();
    }
    return hugo::Ok();
  });
}

hugo::Result<NamespaceRecord> SqlNamespaceStore::GetBy(const char* column, std::string_view value) {
  auto rows =
      db().Query(std::string("SELECT id, name, notification_version, data FROM namespaces WHERE ") +
                     column + " = ?",
                 {std::string(value)});
  if (rows.IsFailure()) return rows.Error();
  if (rows.Value().empty()) {
    return hugo::Error::From(
        "namespace " + std::string(column) + " '" + std::string(value) + "' not found",
        kErrorNotFound);
  }
  return hugo::Ok(RecordAt(rows.Value(), 0));
}

hugo::Result<NamespaceRecord> SqlNamespaceStore::GetNamespaceByName(std::string_view name) {
  return GetBy("name", name);
}

hugo::Result<NamespaceRecord> SqlNamespaceStore::GetNamespaceById(std::string_view id) {
  return GetBy("id", id);
}

hugo::Result<NamespacePage> SqlNamespaceStore::ListNamespaces(int page_size,
                                                              std::string_view page_token) {
  // The token is the last name of the previous page; names are unique, so "after it" is exact.
  auto rows = db().Query(
      "SELECT id, name, notification_version, data FROM namespaces WHERE name > ? "
      "ORDER BY name LIMIT ?",
      {std::string(page_token), int64_t{page_size} + 1});
  if (rows.IsFailure()) return rows.Error();
  NamespacePage page;
  for (size_t row = 0; row < rows.Value().size(); ++row) {
    page.namespaces.push_back(RecordAt(rows.Value(), row));
  }
  if (static_cast<int>(page.namespaces.size()) > page_size) {
    page.namespaces.pop_back();
    page.next_page_token = page.namespaces.back().name;
  }
  return hugo::Ok(std::move(page));
}

hugo::Result<hugo::Unit> SqlNamespaceStore::UpdateNamespace(const NamespaceRecord& record,
                                                            int64_t expected_notification_version) {
  return session_->InTransaction([&]() -> hugo::Result<hugo::Unit> {
    auto updated = db().Execute(
        "UPDATE namespaces SET name = ?, notification_version = ?, data = ? "
        "WHERE id = ? AND notification_version = ?",
        {record.name, record.notification_version, Blob{record.data}, record.id,
         expected_notification_version});
    if (updated.IsFailure()) {
      if (updated.Error().HasCode(kErrorDuplicateKey)) {
        return hugo::Error::From("namespace '" + record.name + "' already exists",
                                 kErrorAlreadyExists);
      }
      return updated.Error();
    }
    if (updated.Value() == 1) return hugo::Ok();
    auto current = GetNamespaceById(record.id);
    if (current.IsFailure()) return current.Error();
    return hugo::Error::From("namespace '" + record.name + "' changed concurrently; retry",
                             kErrorConditionFailed);
  });
}

hugo::Result<hugo::Unit> SqlNamespaceStore::DeleteNamespace(std::string_view id) {
  return session_->InTransaction([&]() -> hugo::Result<hugo::Unit> {
    auto removed = db().Execute("DELETE FROM namespaces WHERE id = ?", {std::string(id)});
    if (removed.IsFailure()) return removed.Error();
    if (removed.Value() == 1) return hugo::Ok();
    return hugo::Error::From("namespace id '" + std::string(id) + "' not found", kErrorNotFound);
  });
}

}  // namespace hdo::persistence::sql
