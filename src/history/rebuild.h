// The state rebuilder: the mutable state a run has after a prefix of its history, derived from
// the events alone (reference: service/history/workflow/mutable_state_rebuilder.go). Reset uses
// it to build the new run from the base run's events up to the reset point.
//
// What events do not carry is not rebuilt: signal request ids, the cancel request id, sticky
// queue, state transition and replay counts, the visibility copies of search attributes (the
// engine derives those with its own helpers), history size (the engine sums stored batches), and
// the attempt-level state of activities (retries are invisible in history: a pending activity
// comes back scheduled, attempt 1). The create request id is the caller's.
//
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "hdo/persistence/v1/execution.pb.h"
#include "hugo/result.h"
#include "temporal/api/history/v1/message.pb.h"

namespace hdo::history {

struct RebuildTarget {
  std::string namespace_id;
  std::string workflow_id;
  // The run the state is for (a reset's new run id; the run itself when checking a rebuild).
  std::string run_id;
  std::string create_request_id;
};

// `events` must be the run's history from event 1, contiguous; InvalidArgument otherwise (and for
// a history that does not open with WorkflowExecutionStarted).
hugo::Result<persistence::v1::MutableState> RebuildMutableState(
    const RebuildTarget& target, const temporal::api::history::v1::History& events);

}  // namespace hdo::history
