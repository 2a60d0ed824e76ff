// The statements of a keyed-row table (persistence/keyed_rows.h) on SQLite, for any table of that
// shape: the schedule and batch operation stores delegate to it. Not thread-safe: used from the
// store IO thread that owns the Database.
#pragma once

#include <string_view>

#include "hugo/result.h"
#include "persistence/keyed_rows.h"

namespace hdo::persistence::sqlite {

class Database;

class KeyedRows {
 public:
  // `db` must outlive this and hold `table`.
  KeyedRows(Database* db, KeyedTable table) : db_(db), table_(table) {}

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
  hugo::Error NotFound(std::string_view id) const;

  Database* db_;
  KeyedTable table_;
};

}  // namespace hdo::persistence::sqlite
