// The namespace store (persistence/namespace_store.h) on PostgreSQL and MySQL/MariaDB.
// Writes run through the Session (a savepoint under group commit: a duplicate name must not
// abort the open batch). Not thread-safe; the store thread's.
#pragma once

#include "persistence/namespace_store.h"
#include "persistence/sql/session.h"

namespace hdo::persistence::sql {

class SqlNamespaceStore final : public NamespaceStore {
 public:
  explicit SqlNamespaceStore(Session* session) : session_(session) {}

  hugo::Result<hugo::Unit> CreateNamespace(const NamespaceRecord& record) override;
  hugo::Result<NamespaceRecord> GetNamespaceByName(std::string_view name) override;
  hugo::Result<NamespaceRecord> GetNamespaceById(std::string_view id) override;
  hugo::Result<NamespacePage> ListNamespaces(int page_size, std::string_view page_token) override;
  hugo::Result<hugo::Unit> UpdateNamespace(const NamespaceRecord& record,
                                           int64_t expected_notification_version) override;
  hugo::Result<hugo::Unit> DeleteNamespace(std::string_view id) override;

 private:
  hugo::Result<NamespaceRecord> GetBy(const char* column, std::string_view value);
  Connection& db() { return session_->connection(); }
  Session* session_;
};

}  // namespace hdo::persistence::sql
