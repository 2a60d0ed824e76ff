// The SQLite implementation of ScheduleStore, on the `schedules` table of schema V6.
// Not thread-safe: used from the store IO thread that owns the Database.
#pragma once

#include "persistence/schedule_store.h"
#include "persistence/sqlite/keyed_rows.h"

namespace hdo::persistence::sqlite {

class SqliteScheduleStore final : public ScheduleStore {
 public:
  // `db` must outlive the store and be migrated to at least schema V6.
  explicit SqliteScheduleStore(Database* db) : rows_(db, kSchedulesTable) {}

  hugo::Result<hugo::Unit> CreateSchedule(const ScheduleRecord& record) override;
  hugo::Result<ScheduleRecord> GetSchedule(std::string_view namespace_id,
                                           std::string_view schedule_id) override;
  hugo::Result<SchedulePage> ListSchedules(std::string_view namespace_id, int page_size,
                                           std::string_view page_token) override;
  hugo::Result<hugo::Unit> UpdateSchedule(const ScheduleRecord& record,
                                          int64_t expected_version) override;
  hugo::Result<hugo::Unit> DeleteSchedule(std::string_view namespace_id,
                                          std::string_view schedule_id) override;

 private:
  KeyedRows rows_;
};

}  // namespace hdo::persistence::sqlite
