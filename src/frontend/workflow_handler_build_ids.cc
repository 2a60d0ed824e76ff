// The build-id versioning RPCs of WorkflowHandler (worker versioning v0.1/v0.2, deprecated in
// the reference and off by default there): UpdateWorkerBuildIdCompatibility,
// GetWorkerBuildIdCompatibility, UpdateWorkerVersioningRules, GetWorkerVersioningRules (the
// registry: frontend/build_id_versioning.h) and GetWorkerTaskReachability (the registry's sets
// and a visibility count; reference: service/frontend/task_reachability.go).
#include <algorithm>

#include "frontend/build_id_versioning.h"
#include "frontend/validation.h"
#include "frontend/visibility.h"
#include "frontend/workflow_handler.h"
#include "frontend/workflow_handler_calls.h"

namespace hdo::frontend {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;

namespace {

// reference: limit.reachabilityQueryBuildIds, limit.reachabilityTaskQueueScan,
// frontend.reachabilityQuerySetDurationSinceDefault, limit.workerBuildIdSize.
constexpr int kReachabilityBuildIdsMax = 5;
constexpr int kReachabilityTaskQueuesMax = 20;
constexpr size_t kBuildIdSizeMax = 255;

hugo::Error SwitchedOff(bool rules) {
  return hugo::Error::From(
      rules
          ? "Worker versioning v0.2 (Rules-based, deprecated) is disabled on this namespace."
          : "Worker versioning v0.1 (Version Set-based, deprecated) is disabled on this namespace.",
      errors::kPermissionDenied);
}

// A visibility string literal.
std::string Quoted(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "'";
}

}  // namespace

void WorkflowHandler::UpdateWorkerBuildIdCompatibility(
    Call<wf::UpdateWorkerBuildIdCompatibilityRequest, wf::UpdateWorkerBuildIdCompatibilityResponse>*
        call,
    const wf::UpdateWorkerBuildIdCompatibilityRequest* request,
    wf::UpdateWorkerBuildIdCompatibilityResponse* response) {
  Serve(call, request, response,
        [this, request]() -> hugo::Result<wf::UpdateWorkerBuildIdCompatibilityResponse> {
          if (build_ids_ == nullptr) return SwitchedOff(false);
          auto enabled = build_ids_->CheckDataApis();
          if (enabled.IsFailure()) return enabled.Error();
          auto namespace_id = namespaces_->ResolveId(request->namespace_());
          if (namespace_id.IsFailure() && !request->namespace_().empty()) {
            return namespace_id.Error();
          }
          // An empty namespace is one of the request's faults the update reports together.
          return build_ids_->UpdateCompatibility(
              namespace_id.IsSuccess() ? namespace_id.Value() : std::string(), *request);
        });
}

void WorkflowHandler::GetWorkerBuildIdCompatibility(
    Call<wf::GetWorkerBuildIdCompatibilityRequest, wf::GetWorkerBuildIdCompatibilityResponse>* call,
    const wf::GetWorkerBuildIdCompatibilityRequest* request,
    wf::GetWorkerBuildIdCompatibilityResponse* response) {
  Serve(call, request, response,
        [this, request]() -> hugo::Result<wf::GetWorkerBuildIdCompatibilityResponse> {
          if (build_ids_ == nullptr) return SwitchedOff(false);
          auto enabled = build_ids_->CheckDataApis();
          if (enabled.IsFailure()) return enabled.Error();
          auto namespace_id = namespaces_->ResolveId(request->namespace_());
          if (namespace_id.IsFailure()) return namespace_id.Error();
          return build_ids_->GetCompatibility(namespace_id.Value(), *request);
        });
}

void WorkflowHandler::UpdateWorkerVersioningRules(
    Call<wf::UpdateWorkerVersioningRulesRequest, wf::UpdateWorkerVersioningRulesResponse>* call,
    const wf::UpdateWorkerVersioningRulesRequest* request,
    wf::UpdateWorkerVersioningRulesResponse* response) {
  Serve(call, request, response,
        [this, request]() -> hugo::Result<wf::UpdateWorkerVersioningRulesResponse> {
          if (build_ids_ == nullptr) return SwitchedOff(true);
          auto enabled = build_ids_->CheckRuleApis();
          if (enabled.IsFailure()) return enabled.Error();
          auto namespace_id = namespaces_->ResolveId(request->namespace_());
          if (namespace_id.IsFailure()) return namespace_id.Error();
          return build_ids_->UpdateRules(namespace_id.Value(), *request);
        });
}

void WorkflowHandler::GetWorkerVersioningRules(
    Call<wf::GetWorkerVersioningRulesRequest, wf::GetWorkerVersioningRulesResponse>* call,
    const wf::GetWorkerVersioningRulesRequest* request,
    wf::GetWorkerVersioningRulesResponse* response) {
  Serve(call, request, response,
        [this, request]() -> hugo::Result<wf::GetWorkerVersioningRulesResponse> {
          if (build_ids_ == nullptr) return SwitchedOff(true);
          auto enabled = build_ids_->CheckRuleApis();
          if (enabled.IsFailure()) return enabled.Error();
          auto namespace_id = namespaces_->ResolveId(request->namespace_());
          if (namespace_id.IsFailure()) return namespace_id.Error();
          return build_ids_->GetRules(namespace_id.Value(), *request);
        });
}

void WorkflowHandler::GetWorkerTaskReachability(
    Call<wf::GetWorkerTaskReachabilityRequest, wf::GetWorkerTaskReachabilityResponse>* call,
    const wf::GetWorkerTaskReachabilityRequest* request,
    wf::GetWorkerTaskReachabilityResponse* response) {
  Serve(
      call, request, response,
      [this, request]() -> hugo::Result<wf::GetWorkerTaskReachabilityResponse> {
        // Gated on the data switch, answered with the rules' words (as the reference).
        if (build_ids_ == nullptr) return SwitchedOff(true);
        if (build_ids_->CheckDataApis().IsFailure()) return SwitchedOff(true);
        if (request->build_ids().empty()) {
          return InvalidArgument(
              "Must query at least one build ID (or empty string for unversioned worker)");
        }
        if (request->build_ids_size() > kReachabilityBuildIdsMax) {
          return InvalidArgument("Too many build ids queried at once, limit: " +
                                 std::to_string(kReachabilityBuildIdsMax));
        }
        bool unversioned = false;
        for (const std::string& build_id : request->build_ids()) {
          if (build_id.empty()) unversioned = true;
          if (build_id.size() > kBuildIdSizeMax) {
            return InvalidArgument(
                "Build ID exceeds configured limit.workerBuildIdSize, use a shorter build ID.");
          }
        }
        if (unversioned && request->task_queues().empty()) {
          return InvalidArgument(
              "Cannot get reachability of an unversioned worker without specifying at least one "
              "task queue (empty build ID is interpereted as unversioned)");
        }
        for (const std::string& queue : request->task_queues()) {
          if (queue.empty()) return InvalidArgument("TaskQueue is not set on request.");
        }
        auto namespace_id = namespaces_->ResolveId(request->namespace_());
        if (namespace_id.IsFailure()) return namespace_id.Error();
        const enums::TaskReachability kind = request->reachability();
        std::string status_filter;
        enums::TaskReachability existing = kind;
        switch (kind) {
          case enums::TASK_REACHABILITY_OPEN_WORKFLOWS:
            status_filter = " AND ExecutionStatus = 'Running'";
            break;
          case enums::TASK_REACHABILITY_CLOSED_WORKFLOWS:
            status_filter = " AND ExecutionStatus != 'Running'";
            break;
          case enums::TASK_REACHABILITY_UNSPECIFIED:
          case enums::TASK_REACHABILITY_EXISTING_WORKFLOWS:
            existing = enums::TASK_REACHABILITY_EXISTING_WORKFLOWS;
            break;
          case enums::TASK_REACHABILITY_NEW_WORKFLOWS:
            existing = enums::TASK_REACHABILITY_UNSPECIFIED;  // no count
            break;
          default:
            return InvalidArgument("Unsupported reachability type: " +
                                   enums::TaskReachability_Name(kind));
        }
        wf::GetWorkerTaskReachabilityResponse answer;
        for (const std::string& build_id : request->build_ids()) {
          auto* reachability = answer.add_build_id_reachability();
          reachability->set_build_id(build_id);
          std::vector<std::string> queues(request->task_queues().begin(),
                                          request->task_queues().end());
          // Namespace scope: the queues whose version sets hold the build id.
          if (queues.empty()) queues = build_ids_->QueuesWith(namespace_id.Value(), build_id);
          for (size_t i = 0; i < queues.size(); ++i) {
            auto* queue_reachability = reachability->add_task_queue_reachability();
            queue_reachability->set_task_queue(queues[i]);
            if (static_cast<int>(i) >= kReachabilityTaskQueuesMax) {
              queue_reachability->add_reachability(enums::TASK_REACHABILITY_UNSPECIFIED);
              continue;
            }
            auto sets = build_ids_->SetReachability(namespace_id.Value(), queues[i], build_id);
            if (!sets.reachable) continue;
            if (sets.new_workflows) {
              queue_reachability->add_reachability(enums::TASK_REACHABILITY_NEW_WORKFLOWS);
            }
            if (existing == enums::TASK_REACHABILITY_UNSPECIFIED || visibility_ == nullptr) {
              continue;
            }
            std::string filter;
            if (build_id.empty()) {
              filter = "BuildIds = 'unversioned'";
            } else {
              std::string in;
              for (const std::string& id : sets.counted_build_ids) {
                in += (in.empty() ? "" : ", ") + Quoted("versioned:" + id);
              }
              filter = "BuildIds IN (" + in + ")";
            }
            // Runs started but not yet taken by any worker go to the queue's default.
            if (sets.default_in_queue && kind != enums::TASK_REACHABILITY_CLOSED_WORKFLOWS) {
              filter = "(BuildIds IS NULL OR " + filter + ")";
            }
            wf::CountWorkflowExecutionsRequest count;
            count.set_namespace_(request->namespace_());
            count.set_query("TaskQueue = " + Quoted(queues[i]) + " AND " + filter + status_filter);
            auto counted = visibility_->Count(namespace_id.Value(), count);
            if (counted.IsFailure()) return counted.Error();
            if (counted.Value().count() > 0) queue_reachability->add_reachability(existing);
          }
        }
        return hugo::Ok(std::move(answer));
      });
}

hugo::Result<enums::BuildIdTaskReachability> WorkflowHandler::BuildIdTaskReachability(
    const std::string& namespace_id, const std::string& namespace_name,
    const std::string& task_queue, const std::string& build_id) {
  // New runs may be given it: reachable.
  const bool takes_new = build_ids_ != nullptr
                             ? build_ids_->TakesNewWorkflows(namespace_id, task_queue, build_id)
                             : build_id.empty();
  if (takes_new) return hugo::Ok(enums::BUILD_ID_TASK_REACHABILITY_REACHABLE);
  if (visibility_ == nullptr) return hugo::Ok(enums::BUILD_ID_TASK_REACHABILITY_UNREACHABLE);
  // Else the runs whose tasks go to it: open ones make it reachable, closed ones only reachable
  // by queries of closed runs.
  std::string filter;
  if (build_id.empty()) {
    filter = "(BuildIds IS NULL OR BuildIds = 'unversioned')";
  } else {
    std::string in;
    const std::vector<std::string> upstream =
        build_ids_ != nullptr ? build_ids_->Upstream(namespace_id, task_queue, build_id)
                              : std::vector<std::string>{build_id};
    for (const std::string& id : upstream) {
      in += (in.empty() ? "" : ", ") + Quoted("assigned:" + id);
    }
    filter = "BuildIds IN (" + in + ")";
  }
  for (bool open : {true, false}) {
    wf::CountWorkflowExecutionsRequest count;
    count.set_namespace_(namespace_name);
    count.set_query(
        "TaskQueue = " + Quoted(task_queue) + " AND " + filter +
        (open ? " AND ExecutionStatus = 'Running'" : " AND ExecutionStatus != 'Running'"));
    auto counted = visibility_->Count(namespace_id, count);
    if (counted.IsFailure()) return counted.Error();
    if (counted.Value().count() > 0) {
      return hugo::Ok(open ? enums::BUILD_ID_TASK_REACHABILITY_REACHABLE
                           : enums::BUILD_ID_TASK_REACHABILITY_CLOSED_WORKFLOWS_ONLY);
    }
  }
  return hugo::Ok(enums::BUILD_ID_TASK_REACHABILITY_UNREACHABLE);
}

}  // namespace hdo::frontend
