#include "persistence/sqlite/schedule_store.h"

namespace hdo::persistence::sqlite {

hugo::Result<hugo::Unit> SqliteScheduleStore::CreateSchedule(const ScheduleRecord& record) {
  return rows_.Create(ToKeyedRow(record));
}

hugo::Result<ScheduleRecord> SqliteScheduleStore::GetSchedule(std::string_view namespace_id,
                                                              std::string_view schedule_id) {
  auto row = rows_.Get(namespace_id, schedule_id);
  if (row.IsFailure()) return row.Error();
  return hugo::Ok(ToScheduleRecord(std::move(row).Value()));
}

hugo::Result<SchedulePage> SqliteScheduleStore::ListSchedules(std::string_view namespace_id,
                                                              int page_size,
                                                              std::string_view page_token) {
  auto page = rows_.List(namespace_id, page_size, page_token);
  if (page.IsFailure()) return page.Error();
  return hugo::Ok(ToSchedulePage(std::move(page).Value()));
}

hugo::Result<hugo::Unit> SqliteScheduleStore::UpdateSchedule(const ScheduleRecord& record,
                                                             int64_t expected_version) {
  return rows_.Update(ToKeyedRow(record), expected_version);
}

hugo::Result<hugo::Unit> SqliteScheduleStore::DeleteSchedule(std::string_view namespace_id,
                                                             std::string_view schedule_id) {
  return rows_.Delete(namespace_id, schedule_id);
}

}  // namespace hdo::persistence::sqlite
