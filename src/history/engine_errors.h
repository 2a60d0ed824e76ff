// Small helpers shared by the engine's transition files (engine*.cc): the errors they answer
// with and the run-status test. Internal to src/history; pure.
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

}  // namespace hdo::history::internal
