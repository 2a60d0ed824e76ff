// The filter of ListWorkers and CountWorkers: the list filter language (query.h) over the worker
// heartbeats a namespace's workers sent, evaluated in memory (the reference's matching
// workerQueryEngine, with its columns and operators).
//
// Columns (case-sensitive, as the reference): WorkerInstanceKey, WorkerIdentity, HostName,
// TaskQueue, DeploymentName, BuildId, SdkName, SdkVersion, WorkerStatus (also Status; the enum's
// name, WORKER_STATUS_RUNNING, or its short form, Running, in any case), with = != STARTS_WITH
// and NOT STARTS_WITH and a non-empty string; StartTime and HeartbeatTime (also
// LastHeartbeatTime) with = != < <= > >= and [NOT] BETWEEN, values RFC 3339 strings or integer
// Unix nanoseconds. AND, OR and parentheses combine them.
//
// Unlike the reference, which answers a filter it cannot evaluate with an empty list, every
// unknown column, operator or value is refused when the filter is compiled (InvalidArgument).
//
// Owner: src/visibility. Pure; a compiled filter is immutable and thread-safe.
#pragma once

#include <memory>
#include <string_view>

#include "hugo/result.h"
#include "temporal/api/worker/v1/message.pb.h"

namespace hdo::visibility {

class WorkerFilter {
 public:
  // errors::kInvalidArgument with the reason. An empty query matches every worker.
  static hugo::Result<WorkerFilter> Compile(std::string_view query);

  bool Matches(const temporal::api::worker::v1::WorkerHeartbeat& heartbeat) const;

  WorkerFilter(WorkerFilter&&) noexcept;
  WorkerFilter& operator=(WorkerFilter&&) noexcept;
  ~WorkerFilter();

 private:
  WorkerFilter();
  struct Compiled;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace hdo::visibility
