#include "persistence/sqlite/schedule_store.h"

#include <sqlite3.h>

#include "persistence/sqlite/database.h"
#include "persistence/sqlite/statement.h"

namespace hdo::persistence::sqlite {
namespace {

hugo::Error NotFound(std::string_view schedule_id) {
  return hugo::Error::From("schedule '" + std::string(schedule_id) + "' not found", kErrorNotFound);
}

}  // namespace

hugo::Result<hugo::Unit> SqliteScheduleStore::CreateSchedule(const ScheduleRecord& record) {
  Statement insert(db_->handle(),
                   "INSERT INTO schedules(namespace_id, schedule_id, version, data) "
                   "VALUES(?,?,?,?)");
  insert.BindText(1, record.namespace_id)
      .BindText(2, record.schedule_id)
      .BindInt64(3, record.version)
      .BindBlob(4, record.data);
  auto result = insert.Run();
  if (result.IsFailure() && (insert.last_error() == SQLITE_CONSTRAINT_UNIQUE ||
                             insert.last_error() == SQLITE_CONSTRAINT_PRIMARYKEY)) {
    return hugo::Error::From("schedule '" + record.schedule_id + "' already exists",
                             kErrorAlreadyExists);
  }
  return result;
}

hugo::Result<ScheduleRecord> SqliteScheduleStore::GetSchedule(std::string_view namespace_id,
                                                              std::string_view schedule_id) {
  Statement select(db_->handle(),
                   "SELECT version, data FROM schedules "
                   "WHERE namespace_id = ? AND schedule_id = ?");
  select.BindText(1, namespace_id).BindText(2, schedule_id);
  auto row = select.Step();
  if (row.IsFailure()) return row.Error();
  if (!row.Value()) return NotFound(schedule_id);
  return hugo::Ok(ScheduleRecord{std::string(namespace_id), std::string(schedule_id),
                                 select.ColumnInt64(0), select.ColumnBlob(1)});
}

hugo::Result<SchedulePage> SqliteScheduleStore::ListSchedules(std::string_view namespace_id,
                                                              int page_size,
                                                              std::string_view page_token) {
  // The token names the previous page's last row; (namespace id, schedule id) is unique.
  auto [after_namespace, after_schedule] = ScheduleAfterToken(page_token);
  Statement select(db_->handle(),
                   "SELECT namespace_id, schedule_id, version, data FROM schedules "
                   "WHERE (? = '' OR namespace_id = ?) AND (namespace_id, schedule_id) > (?, ?) "
                   "ORDER BY namespace_id, schedule_id LIMIT ?");
  select.BindText(1, namespace_id)
      .BindText(2, namespace_id)
      .BindText(3, after_namespace)
      .BindText(4, after_schedule)
      .BindInt64(5, int64_t{page_size} + 1);
  SchedulePage page;
  while (true) {
    auto row = select.Step();
    if (row.IsFailure()) return row.Error();
    if (!row.Value()) break;
    page.schedules.push_back(ScheduleRecord{select.ColumnText(0), select.ColumnText(1),
                                            select.ColumnInt64(2), select.ColumnBlob(3)});
  }
  if (static_cast<int>(page.schedules.size()) > page_size) {
    page.schedules.pop_back();
    page.next_page_token = SchedulePageToken(page.schedules.back());
  }
  return hugo::Ok(std::move(page));
}

hugo::Result<hugo::Unit> SqliteScheduleStore::UpdateSchedule(const ScheduleRecord& record,
                                                             int64_t expected_version) {
  Statement update(db_->handle(),
                   "UPDATE schedules SET version = ?, data = ? "
                   "WHERE namespace_id = ? AND schedule_id = ? AND version = ?");
  update.BindInt64(1, record.version)
      .BindBlob(2, record.data)
      .BindText(3, record.namespace_id)
      .BindText(4, record.schedule_id)
      .BindInt64(5, expected_version);
  auto result = update.Run();
  if (result.IsFailure()) return result;
  if (sqlite3_changes(db_->handle()) == 1) return hugo::Ok();
  auto current = GetSchedule(record.namespace_id, record.schedule_id);
  if (current.IsFailure()) return current.Error();
  return hugo::Error::From("schedule '" + record.schedule_id + "' changed concurrently; retry",
                           kErrorConditionFailed);
}

hugo::Result<hugo::Unit> SqliteScheduleStore::DeleteSchedule(std::string_view namespace_id,
                                                             std::string_view schedule_id) {
  Statement remove(db_->handle(),
                   "DELETE FROM schedules WHERE namespace_id = ? AND schedule_id = ?");
  remove.BindText(1, namespace_id).BindText(2, schedule_id);
  auto result = remove.Run();
  if (result.IsFailure()) return result;
  if (sqlite3_changes(db_->handle()) == 0) return NotFound(schedule_id);
  return hugo::Ok();
}

}  // namespace hdo::persistence::sqlite
