// Private helper of the SDK sources (not installed): the UpdateWorkflowExecution request and the
// reading of its response, shared by a handle's update and the client's update-with-start.
//
// Owner: src/sdk. Thread safety: the functions keep no state; safe from any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "hdo/client.h"
#include "hdo/propagation.h"

namespace hdo::internal {

// An update of `workflow_id` (its run `run_id`; empty: the current one) waiting for
// options.wait_for_stage; an empty options.update_id is a random UUID.
temporal::api::workflowservice::v1::UpdateWorkflowExecutionRequest UpdateRequest(
    const ClientOptions& client, const std::string& workflow_id, const std::string& run_id,
    const std::string& first_execution_run_id, const std::string& update_name,
    const UpdateOptions& options, const Payloads& args, const HeaderFields& header);

// What the server's answer to `request` means: std::nullopt while the update was not accepted
// yet (the caller sends the request again); otherwise the update's handle, holding the outcome
// when the answer has it, after polling for it when the request waits for completion.
std::optional<hugo::Result<UntypedUpdateHandle>> UpdateHandleFrom(
    const std::shared_ptr<Connection>& connection, const ClientOptions& client,
    const temporal::api::workflowservice::v1::UpdateWorkflowExecutionRequest& request,
    const temporal::api::workflowservice::v1::UpdateWorkflowExecutionResponse& response);

}  // namespace hdo::internal
