// The schedule store (persistence/schedule_store.h) on PostgreSQL and MySQL/MariaDB.
// Writes run through the Session (a savepoint under group commit: a duplicate id must not abort
// the open batch). Not thread-safe; the store thread's.
#pragma once

#include "persistence/schedule_store.h"
#include "persistence/sql/keyed_rows.h"
#include "persistence/sql/session.h"

namespace hdo::persistence::sql {

class SqlScheduleStore final : public ScheduleStore {
 public:
  explicit SqlScheduleStore(Session* session) : rows_(session, kSchedulesTable) {}

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

}  // namespace hdo::persistence::sql
