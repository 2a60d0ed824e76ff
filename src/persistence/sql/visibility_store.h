// The VisibilityStore of the client/server engines (PostgreSQL, MySQL/MariaDB) over an
// sql::Connection, on the tables of schema/{postgres,mysql}/V2__visibility.sql
// (executions_visibility, search_attributes), with the list filters of visibility/query.h in the
// connection's dialect. The same contract as the SQLite store (sqlite/visibility_store.h): the
// default order (open runs first, then close time and start time descending, run id last), keyset
// page tokens, counts grouped by ExecutionStatus, custom attributes per namespace.
//
// Owner: src/persistence/sql. Not thread-safe: one thread uses the store and its connection at a
// time (connection.h).
#pragma once

#include "persistence/sql/connection.h"
#include "persistence/sql/session.h"
#include "persistence/visibility_store.h"

namespace hdo::persistence::sql {

// The translator's dialect for an engine.
visibility::Dialect DialectOf(Engine engine);

// Inserts or replaces one listing row; the SQL execution store calls it inside its write
// transaction. With record.counters_only, updates only the counters of the stored row, and writes
// the whole row when there is none.
hugo::Result<hugo::Unit> WriteVisibility(Connection& connection, const VisibilityRecord& record);
// The one statement WriteVisibility runs (an upsert), for a batch of statements.
Statement VisibilityWrite(Engine engine, const VisibilityRecord& record);

class SqlVisibilityStore final : public VisibilityStore {
 public:
  // `connection` must outlive the store and be migrated to at least schema V2 of its engine.
  explicit SqlVisibilityStore(Connection* connection) : connection_(connection) {}
  // The server's: writes run through the session (a savepoint of an open group-commit batch).
  explicit SqlVisibilityStore(Session* session)
      : connection_(&session->connection()), session_(session) {}

  visibility::Dialect QueryDialect() const override { return DialectOf(connection_->engine()); }
  hugo::Result<VisibilityPage> ListExecutions(std::string_view namespace_id,
                                              const visibility::SqlFilter& filter, int page_size,
                                              std::string_view page_token) override;
  hugo::Result<VisibilityCount> CountExecutions(std::string_view namespace_id,
                                                const visibility::SqlFilter& filter) override;
  hugo::Result<std::vector<ClosedRun>> ListClosedBefore(std::string_view namespace_id,
                                                        int64_t close_before, int limit) override;
  hugo::Result<std::map<std::string, int32_t>> ListSearchAttributes(
      std::string_view namespace_id) override;
  // PostgreSQL: also creates the attribute's expression index (visibility::PostgresJsonField;
  // GIN for KeywordList), in the same transaction, so that filters on it are index scans; the
  // build holds writes to the table for its duration. MySQL/MariaDB: no index (MariaDB has no
  // expression indexes), filters on custom attributes read the namespace's rows.
  hugo::Result<hugo::Unit> AddSearchAttributes(
      std::string_view namespace_id, const std::map<std::string, int32_t>& attributes) override;
  // PostgreSQL: drops the attribute's index when no namespace defines the name with a type read
  // through the same expression any more.
  hugo::Result<hugo::Unit> RemoveSearchAttributes(std::string_view namespace_id,
                                                  const std::vector<std::string>& names) override;

 private:
  hugo::Result<hugo::Unit> InTransaction(const std::function<hugo::Result<hugo::Unit>()>& body);
  Connection* connection_;
  Session* session_ = nullptr;
};

}  // namespace hdo::persistence::sql
