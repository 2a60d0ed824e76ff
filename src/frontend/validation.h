// Request validation of the frontend: each check returns InvalidArgument with the reference
// server's wording (SDKs and tools match on some of it) and never touches state. Pure; thread-safe.
#pragma once

#include <string>

#include "hugo/result.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"

namespace hdo::frontend {

inline constexpr size_t kIdLengthMax = 1000;  // reference: limit.maxIDLength

hugo::Result<hugo::Unit> ValidateStartWorkflow(
    const temporal::api::workflowservice::v1::StartWorkflowExecutionRequest& request);
// A workflow execution reference: workflow id set and bounded; run id empty or a UUID.
hugo::Result<hugo::Unit> ValidateExecution(const temporal::api::common::v1::WorkflowExecution& e);
hugo::Result<hugo::Unit> ValidateTaskQueue(const temporal::api::taskqueue::v1::TaskQueue& queue);

}  // namespace hdo::frontend
