#include "workflow_task_processor.h"

namespace hdo::internal {

class WorkflowTaskProcessor::Impl {};

WorkflowTaskProcessor::WorkflowTaskProcessor(std::shared_ptr<Connection>,
                                             std::shared_ptr<const WorkflowRegistry>,
                                             LocalActivityRunner, WorkflowTaskProcessorOptions)
    : impl_(std::make_unique<Impl>()) {}
WorkflowTaskProcessor::~WorkflowTaskProcessor() = default;
void WorkflowTaskProcessor::Handle(
    temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse) {}
void WorkflowTaskProcessor::EvictAll() {}
size_t WorkflowTaskProcessor::cached_runs() const { return 0; }

}  // namespace hdo::internal
