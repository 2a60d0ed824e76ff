// Small helpers shared by the engine's transition files (engine*.cc): the errors they answer
// with, the run-status test, and the transfer task of a run. Internal to src/history; pure.
#pragma once

#include <string>

#include "common/error_codes.h"
#include "hdo/persistence/v1/execution.pb.h"
#include "hugo/result.h"
#include "temporal/api/enums/v1/workflow.pb.h"

namespace hdo::history::internal {

inline hugo::Error InvalidArgument(std::string message) {
  return hugo::Error::From(std::move(message), errors::kInvalidArgument);
}

inline hugo::Error NotFound(std::string message) {
  return hugo::Error::From(std::move(message), errors::kNotFound);
}

inline bool IsRunning(const persistence::v1::MutableState& state) {
  return state.status() == temporal::api::enums::v1::WORKFLOW_EXECUTION_STATUS_RUNNING;
}

// A transfer task of `kind` naming the run.
inline persistence::v1::TransferTask TaskOf(const persistence::v1::MutableState& state,
                                            persistence::v1::TransferTask::Kind kind) {
  persistence::v1::TransferTask task;
  task.set_kind(kind);
  task.set_namespace_id(state.namespace_id());
  task.set_workflow_id(state.workflow_id());
  task.set_run_id(state.run_id());
  return task;
}

}  // namespace hdo::history::internal
