// The schedule part of the store interface: one row per schedule, keyed by namespace id and
// schedule id, guarded by a conflict token that grows with every change (compare-and-set).
//
// Implementations are not thread-safe; the server calls one from its store IO thread only.
// Under group commit their writes join the open batch like the engine's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hugo/result.h"
#include "persistence/keyed_rows.h"
#include "persistence/namespace_store.h"

namespace hdo::persistence {

struct ScheduleRecord {
  std::string namespace_id;
  std::string schedule_id;
  // Grows by one with every write; UpdateSchedule compares it (the API's conflict token is
  // part of `data`: it grows only when the schedule changes).
  int64_t version = 0;
  // A serialized hdo.persistence.v1.ScheduleState: the store does not interpret it.
  std::string data;
};

struct SchedulePage {
  std::vector<ScheduleRecord> schedules;
  // Empty on the last page; otherwise opaque, passed back to get the next page.
  std::string next_page_token;
};

class ScheduleStore {
 public:
  virtual ~ScheduleStore() = default;

  // kErrorAlreadyExists when the namespace has a schedule with that id.
  virtual hugo::Result<hugo::Unit> CreateSchedule(const ScheduleRecord& record) = 0;
  // kErrorNotFound when absent.
  virtual hugo::Result<ScheduleRecord> GetSchedule(std::string_view namespace_id,
                                                   std::string_view schedule_id) = 0;
  // A namespace's schedules ordered by id (every namespace's, ordered by namespace id then
  // schedule id, when `namespace_id` is empty); page_size >= 1.
  virtual hugo::Result<SchedulePage> ListSchedules(std::string_view namespace_id, int page_size,
                                                   std::string_view page_token) = 0;
  // Replaces the row if its stored token is still `expected_version`
  // (kErrorConditionFailed otherwise, kErrorNotFound if gone).
  virtual hugo::Result<hugo::Unit> UpdateSchedule(const ScheduleRecord& record,
                                                  int64_t expected_version) = 0;
  // kErrorNotFound when absent.
  virtual hugo::Result<hugo::Unit> DeleteSchedule(std::string_view namespace_id,
                                                  std::string_view schedule_id) = 0;
};

// Page tokens of ListSchedules: "<namespace id>\n<schedule id>" of the previous page's last row.
inline std::string SchedulePageToken(const ScheduleRecord& last) {
  return KeyedPageToken(last.namespace_id, last.schedule_id);
}

// The (namespace id, schedule id) a page token names: the next page starts after it. An empty
// token names ("", ""), before every row.
inline std::pair<std::string, std::string> ScheduleAfterToken(std::string_view token) {
  return KeyedAfterToken(token);
}

// A schedule row as the engines' shared keyed-row statements carry it, and back.
inline KeyedRow ToKeyedRow(const ScheduleRecord& record) {
  return KeyedRow{record.namespace_id, record.schedule_id, record.version, record.data};
}
inline ScheduleRecord ToScheduleRecord(KeyedRow row) {
  return ScheduleRecord{std::move(row.namespace_id), std::move(row.id), row.version,
                        std::move(row.data)};
}
inline SchedulePage ToSchedulePage(KeyedRowsPage page) {
  SchedulePage out;
  for (KeyedRow& row : page.rows) out.schedules.push_back(ToScheduleRecord(std::move(row)));
  out.next_page_token = std::move(page.next_page_token);
  return out;
}
inline constexpr KeyedTable kSchedulesTable{"schedules", "schedule_id", "schedule"};

}  // namespace hdo::persistence
