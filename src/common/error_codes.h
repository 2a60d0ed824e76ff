// Error codes (hugo::Error::Code()) that cross service boundaries inside hdo. The frontend maps
// each to the gRPC status and Temporal failure detail a client expects (frontend/errors.h).
// Constants only; thread-safe.
#pragma once

namespace hdo::errors {

inline constexpr char kInvalidArgument[] = "hdo.invalid_argument";
inline constexpr char kNotFound[] = "hdo.not_found";
inline constexpr char kUnimplemented[] = "hdo.unimplemented";
inline constexpr char kUnavailable[] = "hdo.unavailable";
inline constexpr char kInternal[] = "hdo.internal";
inline constexpr char kNamespaceNotFound[] = "hdo.namespace_not_found";
inline constexpr char kNamespaceAlreadyExists[] = "hdo.namespace_already_exists";
// Metadata: "start_request_id", "run_id".
inline constexpr char kWorkflowAlreadyStarted[] = "hdo.workflow_already_started";
// A standalone activity id in use (gRPC AlreadyExists with ActivityExecutionAlreadyStartedFailure;
// metadata start_request_id and run_id).
inline constexpr char kActivityAlreadyStarted[] = "hdo.activity_already_started";
// A standalone Nexus operation id in use (gRPC AlreadyExists with
// NexusOperationExecutionAlreadyStartedFailure; metadata start_request_id and run_id).
inline constexpr char kNexusOperationAlreadyStarted[] = "hdo.nexus_operation_already_started";
// A worker answered a query with an error (QueryFailedFailure detail).
inline constexpr char kQueryFailed[] = "hdo.query_failed";
// A query before the workflow's first task completed (WorkflowNotReadyFailure detail).
inline constexpr char kWorkflowNotReady[] = "hdo.workflow_not_ready";
// Nobody answered before the caller's deadline.
inline constexpr char kDeadlineExceeded[] = "hdo.deadline_exceeded";
inline constexpr char kAlreadyExists[] = "hdo.already_exists";
// Updates: a limit of in-flight updates (metadata "cause"); the total of a run's updates; an
// update-with-start that could not be executed (MultiOperationExecutionFailure detail).
inline constexpr char kResourceExhausted[] = "hdo.resource_exhausted";
inline constexpr char kFailedPrecondition[] = "hdo.failed_precondition";
inline constexpr char kMultiOperation[] = "hdo.multi_operation";
inline constexpr char kPermissionDenied[] = "hdo.permission_denied";
// A build-id worker's poll while a newer build takes its tasks (metadata "default_build_id").
inline constexpr char kNewerBuildExists[] = "hdo.newer_build_exists";

}  // namespace hdo::errors
