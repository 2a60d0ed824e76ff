#include "persistence/sql/schedule_store.h"

namespace hdo::persistence::sql {
namespace {

hugo::Error NotFound(std::string_view schedule_id) {
  return hugo::Error::From("schedule '" + std::string(schedule_id) + "' not found", kErrorNotFound);
}

}  // namespace

hugo::Result<hugo::Unit> SqlScheduleStore::CreateSchedule(const ScheduleRecord& record) {
  return session_->InTransaction([&]() -> hugo::Result<hugo::Unit> {
    auto inserted = db().Execute(
        "INSERT INTO schedules(namespace_id, schedule_id, version, data) VALUES(?,?,?,?)",
        {record.namespace_id, record.schedule_id, record.version, Blob{record.data}});
    if (inserted.IsFailure()) {
      if (inserted.Error().HasCode(kErrorDuplicateKey)) {
        return hugo::Error::From("schedule '" + record.schedule_id + "' already exists",
                                 kErrorAlreadyExists);
      }
      return inserted.Error();
    }
    return hugo::Ok();
  });
}

hugo::Result<ScheduleRecord> SqlScheduleStore::GetSchedule(std::string_view namespace_id,
                                                           std::string_view schedule_id) {
  auto rows =
      db().Query("SELECT version, data FROM schedules WHERE namespace_id = ? AND schedule_id = ?",
                 {std::string(namespace_id), std::string(schedule_id)});
  if (rows.IsFailure()) return rows.Error();
  if (rows.Value().empty()) return NotFound(schedule_id);
  return hugo::Ok(ScheduleRecord{std::string(namespace_id), std::string(schedule_id),
                                 rows.Value().Int64(0, 0), rows.Value().Bytes(0, 1)});
}

hugo::Result<SchedulePage> SqlScheduleStore::ListSchedules(std::string_view namespace_id,
                                                           int page_size,
                                                           std::string_view page_token) {
  // The token names the previous page's last row; (namespace id, schedule id) is unique.
  auto [after_namespace, after_schedule] = ScheduleAfterToken(page_token);
  std::string sql = "SELECT namespace_id, schedule_id, version, data FROM schedules WHERE ";
  std::vector<Value> params;
  if (!namespace_id.empty()) {
    sql += "namespace_id = ? AND ";
    params.emplace_back(std::string(namespace_id));
  }
  sql += "(namespace_id > ? OR (namespace_id = ? AND schedule_id > ?)) ";
  sql += "ORDER BY namespace_id, schedule_id LIMIT ?";
  params.emplace_back(after_namespace);
  params.emplace_back(after_namespace);
  params.emplace_back(after_schedule);
  params.emplace_back(int64_t{page_size} + 1);
  auto rows = db().Query(sql, params);
  if (rows.IsFailure()) return rows.Error();
  SchedulePage page;
  for (size_t row = 0; row < rows.Value().size(); ++row) {
    page.schedules.push_back(ScheduleRecord{rows.Value().Bytes(row, 0), rows.Value().Bytes(row, 1),
                                            rows.Value().Int64(row, 2),
                                            rows.Value().Bytes(row, 3)});
  }
  if (static_cast<int>(page.schedules.size()) > page_size) {
    page.schedules.pop_back();
    page.next_page_token = SchedulePageToken(page.schedules.back());
  }
  return hugo::Ok(std::move(page));
}

hugo::Result<hugo::Unit> SqlScheduleStore::UpdateSchedule(const ScheduleRecord& record,
                                                          int64_t expected_version) {
  return session_->InTransaction([&]() -> hugo::Result<hugo::Unit> {
    auto updated = db().Execute(
        "UPDATE schedules SET version = ?, data = ? "
        "WHERE namespace_id = ? AND schedule_id = ? AND version = ?",
        {record.version, Blob{record.data}, record.namespace_id, record.schedule_id,
         expected_version});
    if (updated.IsFailure()) return updated.Error();
    if (updated.Value() == 1) return hugo::Ok();
    auto current = GetSchedule(record.namespace_id, record.schedule_id);
    if (current.IsFailure()) return current.Error();
    return hugo::Error::From("schedule '" + record.schedule_id + "' changed concurrently; retry",
                             kErrorConditionFailed);
  });
}

hugo::Result<hugo::Unit> SqlScheduleStore::DeleteSchedule(std::string_view namespace_id,
                                                          std::string_view schedule_id) {
  return session_->InTransaction([&]() -> hugo::Result<hugo::Unit> {
    auto deleted = db().Execute("DELETE FROM schedules WHERE namespace_id = ? AND schedule_id = ?",
                                {std::string(namespace_id), std::string(schedule_id)});
    if (deleted.IsFailure()) return deleted.Error();
    if (deleted.Value() == 0) return NotFound(schedule_id);
    return hugo::Ok();
  });
}

}  // namespace hdo::persistence::sql
