// The SQLite implementation of VisibilityStore, on the tables of schema V4
// (executions_visibility, search_attributes). Not thread-safe: used from the store IO thread that
// owns the Database.
#pragma once

#include <sqlite3.h>

#include "persistence/visibility_store.h"

namespace hdo::persistence::sqlite {

class Database;

// Inserts or replaces one listing row; called inside the ExecutionStore's write transaction.
hugo::Result<hugo::Unit> WriteVisibility(sqlite3* db, const VisibilityRecord& record);

class SqliteVisibilityStore final : public VisibilityStore {
 public:
  // `db` must outlive the store and be migrated to at least schema V4. Registers the SQL
  // function hdo_text_match (Text attribute token match) on the connection.
  explicit SqliteVisibilityStore(Database* db);

  visibility::Dialect QueryDialect() const override { return visibility::Dialect::kSqlite; }
  hugo::Result<VisibilityPage> ListExecutions(std::string_view namespace_id,
                                              const visibility::SqlFilter& filter, int page_size,
                                              std::string_view page_token) override;
  hugo::Result<VisibilityCount> CountExecutions(std::string_view namespace_id,
                                                const visibility::SqlFilter& filter) override;
  hugo::Result<std::vector<ClosedRun>> ListClosedBefore(std::string_view namespace_id,
                                                        int64_t close_before, int limit) override;
  hugo::Result<std::map<std::string, int32_t>> ListSearchAttributes(
      std::string_view namespace_id) override;
  hugo::Result<hugo::Unit> AddSearchAttributes(
      std::string_view namespace_id, const std::map<std::string, int32_t>& attributes) override;
  hugo::Result<hugo::Unit> RemoveSearchAttributes(std::string_view namespace_id,
                                                  const std::vector<std::string>& names) override;

  // Refreshes the query planner's statistics (ANALYZE, sampling at most 1,000 rows per index, so
  // it costs milliseconds at any size). Without them SQLite prefers the index that avoids a sort
  // over a selective one, and a filtered page reads the whole table; call it at startup and
  // periodically as the table grows.
  hugo::Result<hugo::Unit> RefreshStatistics();

 private:
  Database* db_;
};

}  // namespace hdo::persistence::sqlite
