// The SQLite implementation of NamespaceStore, on the `namespaces` table of schema V1.
// Not thread-safe: used from the store IO thread that owns the Database.
#pragma once

#include "persistence/namespace_store.h"

namespace hdo::persistence::sqlite {

class Database;

class SqliteNamespaceStore final : public NamespaceStore {
 public:
  // `db` must outlive the store and be migrated to at least schema V1.
  explicit SqliteNamespaceStore(Database* db) : db_(db) {}

  hugo::Result<hugo::Unit> CreateNamespace(const NamespaceRecord& record) override;
  hugo::Result<NamespaceRecord> GetNamespaceByName(std::string_view name) override;
  hugo::Result<NamespaceRecord> GetNamespaceById(std::string_view id) override;
  hugo::Result<NamespacePage> ListNamespaces(int page_size, std::string_view page_token) override;
  hugo::Result<hugo::Unit> UpdateNamespace(const NamespaceRecord& record,
                                           int64_t expected_notification_version) override;
  hugo::Result<hugo::Unit> DeleteNamespace(std::string_view id) override;

 private:
  hugo::Result<NamespaceRecord> GetBy(const char* column, std::string_view value);
  Database* db_;
};

}  // namespace hdo::persistence::sqlite
