// The operations of the reserved Nexus endpoint "__temporal_system"
// (history::Engine::kSystemNexusEndpoint), which this server serves itself: a workflow signals,
// starting it first if need be, another workflow of its namespace through it (the SDKs'
// workflow.SignalWithStartWorkflow / signal_with_start_workflow). One service,
// "temporal.api.workflowservice.v1.WorkflowService", with one operation,
// "SignalWithStartWorkflowExecution": its input is the RPC's request as a protobuf payload, its
// result the RPC's response.
//
// Reference: chasm/lib/workflow/nexus_service.go (the operation and its input processor),
// service/history/handler.go StartNexusOperation (the answer's encoding) and
// components/nexusoperations/executors.go (how an error ends the operation or retries it).
// The engine calls these on its own thread (history::Engine::Options::system_nexus_check and
// system_nexus_start).
#pragma once

#include "history/engine.h"
#include "hugo/result.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"

namespace hdo::frontend {

// The payload metadata key set to "true" on every payload a system operation answers (reference:
// commonnexus.SystemPayloadMetadataKey), which tells the SDKs not to run it through the user's
// codec.
inline constexpr const char* kSystemNexusPayloadKey = "__temporal_system_payload";

// The operation's request as it will run: the input decoded (binary/protobuf, or the JSON
// encodings), the namespace, request id and links filled in from the call, and the request
// checked as the RPC checks it. Errors: kNotFound for an unknown service or operation,
// kInvalidArgument for an input that does not decode or does not pass (with the reference's
// messages, e.g. "RequestID should not be set on the request").
hugo::Result<temporal::api::workflowservice::v1::SignalWithStartWorkflowExecutionRequest>
SystemNexusRequest(const history::Engine::SystemNexusCall& call);

// What a ScheduleNexusOperation command naming the system endpoint is judged by: the request
// it would run builds.
hugo::Result<hugo::Unit> CheckSystemNexus(const history::Engine::SystemNexusCall& call);

// Runs the operation on `engine`: completed with the RPC's response (a binary/protobuf payload,
// marked kSystemNexusPayloadKey when its type embeds payloads) and the link to the Signaled
// event; failed with
// "<ServiceErrorType>: <message>" for an error retrying cannot change (e.g.
// WorkflowExecutionAlreadyStarted under a reject-duplicate policy); retried for the others
// (store trouble).
history::Engine::SystemNexusAnswer StartSystemNexus(history::Engine& engine,
                                                    const history::Engine::SystemNexusCall& call);

}  // namespace hdo::frontend
