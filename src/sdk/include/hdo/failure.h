// hdo failures: hugo::Error to and from temporal.api.failure.v1.Failure, the failure every Temporal
// SDK reads (the Go SDK's DefaultFailureConverter is the reference). An error's code picks the
// failure kind, its metadata carries the kind's fields, its cause becomes the failure's cause.
//
//   code                         Failure.failure_info                metadata
//   temporal.application         ApplicationFailureInfo              type, non_retryable, details,
//                                                                    next_retry_delay
//   error.canceled               CanceledFailureInfo                 details, identity
//   error.timeout                TimeoutFailureInfo                  timeout_type ("StartToClose",
//                                                                    "ScheduleToStart",
//                                                                    "ScheduleToClose",
//                                                                    "Heartbeat"),
//                                                                    last_heartbeat_details
//   temporal.activity            ActivityFailureInfo                 activity_type, activity_id,
//                                                                    retry_state, identity,
//                                                                    scheduled_event_id,
//                                                                    started_event_id
//   temporal.child_workflow      ChildWorkflowExecutionFailureInfo   namespace, workflow_id,
//   run_id,
//                                                                    workflow_type, retry_state,
//                                                                    initiated_event_id,
//                                                                    started_event_id
//   temporal.terminated          TerminatedFailureInfo               identity
//   temporal.server              ServerFailureInfo                   non_retryable
//   temporal.reset_workflow      ResetWorkflowFailureInfo            last_heartbeat_details
//   any other code               ApplicationFailureInfo, type = the code, non_retryable false
//
// So an error.validation comes back from FailureToError as temporal.application with type
// "error.validation" (ApplicationErrorType gives the type of either). Payloads in metadata
// (details, last_heartbeat_details) are the serialized Payloads in base64; read them with
// ApplicationErrorDetails / FailureDetails. retry_state is the proto enum name
// (e.g. "RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED"). Failure.source and stack_trace are kept in
// metadata `source` and `stack_trace`; an error without `source` gets "hdo-cpp-sdk".
//
// temporal.workflow_execution is what a client returns for a workflow that did not complete: its
// cause is the workflow's failure (or a canceled/terminated/timeout error).
//
// Owner: none (free functions). Thread safety: pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "hdo/converter.h"
#include "hugo/result.h"
#include "temporal/api/failure/v1/message.pb.h"

namespace hdo {

using Failure = temporal::api::failure::v1::Failure;

struct FailureCodes {
  static constexpr std::string_view kApplication = "temporal.application";
  static constexpr std::string_view kCanceled = hugo::ErrorCodes::kCanceled;
  static constexpr std::string_view kTimeout = hugo::ErrorCodes::kTimeout;
  static constexpr std::string_view kActivity = "temporal.activity";
  static constexpr std::string_view kChildWorkflow = "temporal.child_workflow";
  static constexpr std::string_view kTerminated = "temporal.terminated";
  static constexpr std::string_view kServer = "temporal.server";
  static constexpr std::string_view kResetWorkflow = "temporal.reset_workflow";
  static constexpr std::string_view kWorkflowExecution = "temporal.workflow_execution";
};

// The Failure.source this SDK writes.
inline constexpr std::string_view kFailureSource = "hdo-cpp-sdk";

// Causes deeper than this are cut (a cycle-proof bound on both conversions).
inline constexpr int kFailureCauseDepthMax = 64;

Failure ErrorToFailure(const hugo::Error& error);
hugo::Error FailureToError(const Failure& failure);

// A temporal.application error, what an activity or workflow returns to fail with a type (matched
// by RetryPolicy.non_retryable_error_types) and details.
hugo::Error ApplicationError(std::string message, std::string type = {}, bool non_retryable = false,
                             Payloads details = {});
// The details of an application (or canceled) error; empty when it has none.
Payloads ApplicationErrorDetails(const hugo::Error& error);
// The application failure type: metadata `type` of a temporal.application error, else the code.
std::string ApplicationErrorType(const hugo::Error& error);
// True for temporal.application and temporal.server errors marked non_retryable.
bool IsNonRetryable(const hugo::Error& error);

// The Payloads stored (base64) under a metadata key; empty when absent or unreadable.
Payloads FailureDetails(const hugo::Error& error, std::string_view key);

}  // namespace hdo
