#include "worker/namespace_reclaimer.h"

#include <utility>

#include "common/error_codes.h"
#include "visibility/query.h"

namespace hdo::worker {
namespace {

namespace wf = temporal::api::workflowservice::v1;

// A run already gone (deleted by a user meanwhile) is no failure.
bool Gone(const hugo::Error& error) { return error.Code() == errors::kNotFound; }

}  // namespace

NamespaceReclaimer::NamespaceReclaimer(persistence::VisibilityStore* visibility,
                                       history::Engine* engine, Hooks hooks)
    : visibility_(visibility), engine_(engine), hooks_(std::move(hooks)) {}

hugo::Result<bool> NamespaceReclaimer::Turn(const std::string& namespace_id, int batch,
                                            int64_t& removed) {
  // Rows of runs written moments ago must be listed too, or the namespace could go with a run.
  auto flushed = engine_->FlushVisibility();
  if (flushed.IsFailure()) return flushed.Error();
  if (hooks_.stop_automation) {
    auto stopped = hooks_.stop_automation(namespace_id);
    if (stopped.IsFailure()) return stopped.Error();
  }
  using Target = visibility::QueryTarget;
  bool listed_any = false;
  for (Target target : {Target::kWorkflows, Target::kActivities, Target::kNexusOperations}) {
    if (batch <= 0) break;
    auto filter = visibility::TranslateQuery("", visibility::SearchAttributeSet(),
                                             visibility_->QueryDialect(),
                                             visibility::QueryUse::kList, target);
    if (filter.IsFailure()) return filter.Error();
    auto page = visibility_->ListExecutions(namespace_id, filter.Value(), batch, "");
    if (page.IsFailure()) return page.Error();
    for (const persistence::VisibilityRecord& record : page.Value().records) {
      listed_any = true;
      --batch;
      hugo::Result<hugo::Unit> deleted = hugo::Ok();
      if (target == Target::kWorkflows) {
        wf::DeleteWorkflowExecutionRequest request;
        request.mutable_workflow_execution()->set_workflow_id(record.workflow_id);
        request.mutable_workflow_execution()->set_run_id(record.run_id);
        auto done = engine_->Delete(namespace_id, request);
        if (done.IsFailure()) deleted = done.Error();
      } else if (target == Target::kActivities) {
        wf::DeleteActivityExecutionRequest request;
        request.set_activity_id(record.workflow_id);
        request.set_run_id(record.run_id);
        auto done = engine_->DeleteActivityExecution(namespace_id, request);
        if (done.IsFailure()) deleted = done.Error();
      } else {
        wf::DeleteNexusOperationExecutionRequest request;
        request.set_operation_id(record.workflow_id);
        request.set_run_id(record.run_id);
        auto done = engine_->DeleteNexusOperationExecution(namespace_id, request);
        if (done.IsFailure()) deleted = done.Error();
      }
      if (deleted.IsFailure() && !Gone(deleted.Error())) return deleted.Error();
      if (deleted.IsSuccess()) ++removed;
    }
  }
  if (listed_any) return hugo::Ok(false);
  if (hooks_.remove_namespace) {
    auto gone = hooks_.remove_namespace(namespace_id);
    if (gone.IsFailure() && !Gone(gone.Error())) return gone.Error();
  }
  return hugo::Ok(true);
}

}  // namespace hdo::worker
