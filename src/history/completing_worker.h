// The worker that completed a workflow task, as the reference's workflow task state machine keeps
// it after a WorkflowTaskCompleted event (afterAddWorkflowTaskCompletedEvent,
// addResetPointFromCompletion, addBuildIdToLoadedSearchAttribute), for the engine's completions
// and for a run rebuilt from its events alike.
#pragma once

#include <chrono>
#include <string>

#include "hdo/persistence/v1/execution.pb.h"
#include "temporal/api/history/v1/message.pb.h"
#include "temporal/api/workflow/v1/message.pb.h"

namespace hdo::history {

// Keeps the completing worker in `state`: a reset point for the first task each (binary checksum,
// build id) completed (at most 20, the oldest dropped), the stamp it sent, and for an unversioned
// run the BuildIds search attribute's markers ("unversioned", then "unversioned:<build id>" of
// each build id seen). Returns whether the run's search attributes changed (its listing row must
// be written whole).
bool NoteCompletingWorker(
    persistence::v1::MutableState& state,
    const temporal::api::history::v1::WorkflowTaskCompletedEventAttributes& completed,
    int64_t completed_event_id, const google::protobuf::Timestamp& now);

// The reset points the next run of a chain starts with, created `now`: those of `previous` whose
// run is not yet past its retention, the points into `previous_run_id` (closing now) expiring a
// retention from now.
temporal::api::workflow::v1::ResetPoints RolledOverResetPoints(
    const temporal::api::workflow::v1::ResetPoints& previous, const std::string& previous_run_id,
    const google::protobuf::Timestamp& now, std::chrono::milliseconds retention);

}  // namespace hdo::history
