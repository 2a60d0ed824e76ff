// The visibility part of the store interface: one listing row per run (written by
// ExecutionStore::Write in the transaction of the run's state, so a reader sees its own writes),
// filtered listing and counting with filters translated by src/visibility, and the custom search
// attributes of each namespace.
//
// Implementations are not thread-safe; the server calls one from its store IO thread only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hugo/result.h"
#include "visibility/query.h"

namespace hdo::persistence {

// One run as visibility lists it. Times are nanoseconds since the Unix epoch (UTC).
struct VisibilityRecord {
  std::string namespace_id;
  std::string workflow_id;
  std::string run_id;
  std::string workflow_type;
  std::string task_queue;
  int32_t status = 0;  // temporal.api.enums.v1.WorkflowExecutionStatus
  int64_t start_time = 0;
  int64_t execution_time = 0;
  std::optional<int64_t> close_time;  // absent while open
  int64_t history_length = 0;
  int64_t history_size_bytes = 0;
  int64_t state_transition_count = 0;
  int64_t replay_count = 0;
  std::string parent_workflow_id;  // empty: none (NULL)
  std::string parent_run_id;
  std::string root_workflow_id;
  std::string root_run_id;
  std::string memo;  // a serialized temporal.api.common.v1.Memo; empty when none
  // The normalized JSON object list filters read (see visibility/search_attributes.h).
  std::string search_attributes = "{}";
  // A serialized temporal.api.common.v1.SearchAttributes, as replies carry it; empty when none.
  std::string search_attributes_payloads;
  // The Hugo record's string map: workflow.<custom attribute>, error.code, error.message.
  std::string attributes = "{}";
  // Only the counters (history length and size, state transitions, replays) differ from the
  // stored row: the writer may update those alone (it writes the whole row if there is none).
  bool counters_only = false;
  // The run was stored before, so its row most likely exists: the writer may update the columns
  // that change after a start in place (it writes the whole row if there is none). The identity
  // columns (ids, type, queue, start time, parent and root) never change for a run.
  bool row_exists = false;
  // With row_exists: the memo and search attributes (search_attributes, its payloads, the division
  // derived from it) are those already stored, so an in-place update may leave those columns, and
  // every index over them, alone (a close, most of the time; the custom attributes' expression
  // indexes are not rewritten). The writer may ignore it and write them anyway.
  bool memo_and_search_attributes_stored = false;
};

struct VisibilityPage {
  std::vector<VisibilityRecord> records;
  std::string next_page_token;  // empty on the last page
};

struct VisibilityCount {
  int64_t count = 0;
  // With GROUP BY: one entry per distinct value of the grouped column.
  struct Group {
    visibility::SqlValue value;
    int64_t count = 0;
  };
  std::vector<Group> groups;
};

// A closed run retention may remove (VisibilityStore::ListClosedBefore).
struct ClosedRun {
  std::string workflow_id;  // as listed: a standalone activity's activity id
  std::string run_id;
  int64_t close_time = 0;
  std::string division;  // TemporalNamespaceDivision; empty for workflows
};

// kErrorInvalidPageToken: a page token this store did not hand out.
inline constexpr char kErrorInvalidPageToken[] = "hdo.persistence.invalid_page_token";

class VisibilityStore {
 public:
  virtual ~VisibilityStore() = default;

  // The SQL dialect the filters given to ListExecutions and CountExecutions must be translated
  // to (visibility::TranslateQuery).
  virtual visibility::Dialect QueryDialect() const = 0;

  // Runs of the namespace matching `filter`, open ones first, then by close time and start time
  // descending; page_size >= 1.
  virtual hugo::Result<VisibilityPage> ListExecutions(std::string_view namespace_id,
                                                      const visibility::SqlFilter& filter,
                                                      int page_size,
                                                      std::string_view page_token) = 0;
  // The number of matching runs, and the groups when the filter has a GROUP BY column.
  virtual hugo::Result<VisibilityCount> CountExecutions(std::string_view namespace_id,
                                                        const visibility::SqlFilter& filter) = 0;

  // Closed runs of the namespace whose close time is before `close_before` (nanoseconds since
  // the Unix epoch), of every namespace division (workflows and standalone activities alike),
  // at most `limit` (>= 1): retention's targets (worker/retention.h). Each division's rows come
  // oldest first; every lookup is a range of the listing's default-order index.
  virtual hugo::Result<std::vector<ClosedRun>> ListClosedBefore(std::string_view namespace_id,
                                                                int64_t close_before,
                                                                int limit) = 0;

  // Custom search attributes of a namespace (of all namespaces when namespace_id is empty):
  // name -> temporal.api.enums.v1.IndexedValueType.
  virtual hugo::Result<std::map<std::string, int32_t>> ListSearchAttributes(
      std::string_view namespace_id) = 0;
  // All or nothing; kErrorAlreadyExists (naming the attribute) when one is already defined.
  virtual hugo::Result<hugo::Unit> AddSearchAttributes(
      std::string_view namespace_id, const std::map<std::string, int32_t>& attributes) = 0;
  // All or nothing; kErrorNotFound (naming the attribute) when one is not defined.
  virtual hugo::Result<hugo::Unit> RemoveSearchAttributes(
      std::string_view namespace_id, const std::vector<std::string>& names) = 0;
};

}  // namespace hdo::persistence
