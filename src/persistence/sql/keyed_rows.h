// The statements of a keyed-row table (persistence/keyed_rows.h) on PostgreSQL and MySQL/MariaDB,
// for any table of that shape: the schedule and batch operation stores delegate to it. Writes run
// through the Session (a savepoint under group commit: a duplicate id must not abort the open
// batch). Not thread-safe; the store thread's.
#pragma once

#include <string_view>

#include "hugo/result.h"
#include "persistence/keyed_rows.h"
#include "persistence/sql/session.h"

namespace hdo::persistence::sql {

class KeyedRows {
 public:
  // `session` must outlive this; its database must hold `table`.
  KeyedRows(Session* session, KeyedTable table) : session_(session), table_(table) {}

  // kErrorAlreadyExists when the namespace has a row with that id.
  hugo::Result<hugo::Unit> Create(const KeyedRow& row);
  // kErrorNotFound when absent.
  hugo::Result<KeyedRow> Get(std::string_view namespace_id, std::string_view id);
  // A namespace's rows ordered by id (every namespace's when `namespace_id` is empty).
  hugo::Result<KeyedRowsPage> List(std::string_view namespace_id, int page_size,
                                   std::string_view page_token);
  // kErrorConditionFailed when the stored version is not `expected_version`, kErrorNotFound when
  // the row is gone.
  hugo::Result<hugo::Unit> Update(const KeyedRow& row, int64_t expected_version);
  // kErrorNotFound when absent.
  hugo::Result<hugo::Unit> Delete(std::string_view namespace_id, std::string_view id);

 private:
  Connection& db() { return session_->connection(); }
  hugo::Error NotFound(std::string_view id) const;

  Session* session_;
  KeyedTable table_;
};

}  // namespace hdo::persistence::sql
