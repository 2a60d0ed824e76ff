#include "frontend/workflow_handler.h"

#include <google/protobuf/generated_message_reflection.h>

#include <algorithm>
#include <asio/post.hpp>
#include <cstdlib>

#include "common/error_codes.h"
#include "common/uuid.h"
#include "common/version.h"
#include "frontend/async_unary.h"
#include "frontend/build_id_versioning.h"
#include "frontend/errors.h"
#include "frontend/namespace_handler.h"
#include "frontend/nexus_codec.h"
#include "frontend/reply.h"
#include "frontend/store_queue.h"
#include "frontend/task_queue_configs.h"
#include "frontend/validation.h"
#include "frontend/visibility.h"
#include "frontend/worker_deployments.h"
#include "frontend/workflow_handler_calls.h"
#include "google/rpc/status.pb.h"
#include "history/engine.h"
#include "history/time_util.h"
#include "matching/matcher.h"
#include "matching/nexus_matcher.h"
#include "temporal/api/errordetails/v1/message.pb.h"
#include "temporal/api/failure/v1/message.pb.h"
#include "temporal/api/workflowservice/v1/service.pb.h"

namespace hdo::frontend {

namespace wf = temporal::api::workflowservice::v1;

WorkflowHandler::WorkflowHandler(NamespaceHandler* namespaces, history::Engine* engine,
                                 matching::Matcher* matcher, Visibility* visibility,
                                 worker::Scheduler* scheduler, worker::Batcher* batcher,
                                 asio::thread_pool* store_io, persistence::Durability* durability)
    : namespaces_(namespaces),
      engine_(engine),
      matcher_(matcher),
      visibility_(visibility),
      scheduler_(scheduler),
      batcher_(batcher),
      store_io_(store_io),
      durability_(durability),
      service_(Descriptor(), ImplementedMethods()) {
  // Methods we do not implement are left to the server's generic service (UnimplementedService),
  // which answers them with the wording SDKs expect; the others are armed by ServeAsync.
}

const std::set<std::string>& WorkflowHandler::ImplementedMethods() {
  static const std::set<std::string> methods = {"GetSystemInfo",
                                                "RegisterNamespace",
                                                "DescribeNamespace",
                                                "ListNamespaces",
                                                "UpdateNamespace",
                                                "DeprecateNamespace",
                                                "StartWorkflowExecution",
                                                "PollWorkflowTaskQueue",
                                                "PollActivityTaskQueue",
                                                "RespondWorkflowTaskCompleted",
                                                "ShutdownWorker",
                                                "TerminateWorkflowExecution",
                                                "ResetWorkflowExecution",
                                                "DeleteWorkflowExecution",
                                                "GetWorkflowExecutionHistory",
                                                "GetWorkflowExecutionHistoryReverse",
                                                "GetClusterInfo",
                                                "ListTaskQueuePartitions",
                                                "SignalWorkflowExecution",
                                                "SignalWithStartWorkflowExecution",
                                                "RequestCancelWorkflowExecution",
                                                "DescribeWorkflowExecution",
                                                "ResetStickyTaskQueue",
                                                "RespondWorkflowTaskFailed",
                                                "RecordActivityTaskHeartbeat",
                                                "RecordActivityTaskHeartbeatById",
                                                "RespondActivityTaskCompleted",
                                                "RespondActivityTaskCompletedById",
                                                "RespondActivityTaskFailed",
                                                "RespondActivityTaskFailedById",
                                                "RespondActivityTaskCanceled",
                                                "RespondActivityTaskCanceledById",
                                                "QueryWorkflow",
                                                "RespondQueryTaskCompleted",
                                                "DescribeTaskQueue",
                                                "UpdateWorkerBuildIdCompatibility",
                                                "GetWorkerBuildIdCompatibility",
                                                "UpdateWorkerVersioningRules",
                                                "GetWorkerVersioningRules",
                                                "GetWorkerTaskReachability",
                                                "UpdateTaskQueueConfig",
                                                "ListWorkflowExecutions",
                                                "ScanWorkflowExecutions",
                                                "CountWorkflowExecutions",
                                                "ListOpenWorkflowExecutions",
                                                "ListClosedWorkflowExecutions",
                                                "GetSearchAttributes",
                                                "UpdateWorkflowExecution",
                                                "PollWorkflowExecutionUpdate",
                                                "ExecuteMultiOperation",
                                                "CreateSchedule",
                                                "DescribeSchedule",
                                                "UpdateSchedule",
                                                "PatchSchedule",
                                                "DeleteSchedule",
                                                "ListSchedules",
                                                "CountSchedules",
                                                "ListScheduleMatchingTimes",
                                                "StartBatchOperation",
                                                "StopBatchOperation",
                                                "DescribeBatchOperation",
                                                "ListBatchOperations",
                                                "PauseActivity",
                                                "UnpauseActivity",
                                                "ResetActivity",
                                                "UpdateActivityOptions",
                                                "PauseActivityExecution",
                                                "UnpauseActivityExecution",
                                                "ResetActivityExecution",
                                                "UpdateActivityExecutionOptions",
                                                "RecordWorkerHeartbeat",
                                                "ListWorkers",
                                                "CountWorkers",
                                                "DescribeWorker",
                                                "PollNexusTaskQueue",
                                                "RespondNexusTaskCompleted",
                                                "RespondNexusTaskFailed",
                                                "DescribeWorkerDeployment",
                                                "ListWorkerDeployments",
                                                "DescribeWorkerDeploymentVersion",
                                                "SetWorkerDeploymentCurrentVersion",
                                                "SetWorkerDeploymentRampingVersion",
                                                "DeleteWorkerDeploymentVersion",
                                                "DeleteWorkerDeployment",
                                                "UpdateWorkerDeploymentVersionMetadata",
                                                "SetWorkerDeploymentManager",
                                                "UpdateWorkflowExecutionOptions",
                                                "StartActivityExecution",
                                                "DescribeActivityExecution",
                                                "PollActivityExecution",
                                                "RequestCancelActivityExecution",
                                                "TerminateActivityExecution",
                                                "DeleteActivityExecution",
                                                "ListActivityExecutions",
                                                "CountActivityExecutions",
                                                "StartNexusOperationExecution",
                                                "DescribeNexusOperationExecution",
                                                "PollNexusOperationExecution",
                                                "RequestCancelNexusOperationExecution",
                                                "TerminateNexusOperationExecution",
                                                "DeleteNexusOperationExecution",
                                                "ListNexusOperationExecutions",
                                                "CountNexusOperationExecutions"};
  return methods;
}

const google::protobuf::ServiceDescriptor& WorkflowHandler::Descriptor() {
  // The descriptor is registered by service.pb.cc's static initializer, which the linker keeps
  // only when something calls into that object file: this call does (a mere reference to its
  // table is optimized away at -O2). Its absence would be a
  // build error, never an input problem.
  static const bool linked = [] {
    google::protobuf::internal::AssignDescriptors(
        &descriptor_table_temporal_2fapi_2fworkflowservice_2fv1_2fservice_2eproto);
    return true;
  }();
  (void)linked;
  static const google::protobuf::ServiceDescriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          "temporal.api.workflowservice.v1.WorkflowService");
  if (descriptor == nullptr) std::abort();
  return *descriptor;
}

void WorkflowHandler::GetSystemInfo(Call<wf::GetSystemInfoRequest, wf::GetSystemInfoResponse>* call,
                                    const wf::GetSystemInfoRequest* /*request*/,
                                    wf::GetSystemInfoResponse* response) {
  response->set_server_version(std::string(Version()));
  // Only capabilities hdo really implements are advertised (SDKs change behaviour on each one).
  auto* capabilities = response->mutable_capabilities();
  capabilities->set_signal_and_query_header(true);             // headers reach the events
  capabilities->set_encoded_failure_attributes(true);          // failures are stored as sent
  capabilities->set_activity_failure_include_heartbeat(true);  // details of a failed attempt kept
  capabilities->set_sdk_metadata(true);                        // stored on WorkflowTaskCompleted
  capabilities->set_upsert_memo(true);                         // ModifyWorkflowProperties
  capabilities->set_eager_workflow_start(true);                // first task in the start reply
  capabilities->set_count_group_by_execution_status(true);     // CountWorkflowExecutions
  capabilities->set_nexus(true);  // endpoints, Nexus tasks, operations from workflows, callbacks
  // The SDKs then stamp their completions with the worker's build id, which WorkflowTaskCompleted
  // keeps (a replay reads the run's build id back from it). The build-id versioning APIs
  // themselves (compatibility sets, rules) answer PERMISSION_DENIED unless switched on, as the
  // reference's do (frontend/build_id_versioning.h).
  capabilities->set_build_id_based_versioning(true);
  capabilities->set_supports_schedules(true);  // the ScheduleService calls (worker/scheduler.h)
  // A retryable failure answers UNAVAILABLE (a store that did not commit, or cannot say), so
  // INTERNAL is left for what a retry does not mend: the SDKs then stop retrying it.
  capabilities->set_internal_error_differentiation(true);
  call->Finish(grpc::Status::OK);
}

}  // namespace hdo::frontend

namespace hdo::frontend {

void WorkflowHandler::RegisterNamespace(
    Call<wf::RegisterNamespaceRequest, wf::RegisterNamespaceResponse>* call,
    const wf::RegisterNamespaceRequest* request, wf::RegisterNamespaceResponse* response) {
  Serve(call, request, response, [this, request] { return namespaces_->Register(*request); });
}

void WorkflowHandler::DescribeNamespace(
    Call<wf::DescribeNamespaceRequest, wf::DescribeNamespaceResponse>* call,
    const wf::DescribeNamespaceRequest* request, wf::DescribeNamespaceResponse* response) {
  Serve(call, request, response, [this, request] { return namespaces_->Describe(*request); });
}

void WorkflowHandler::ListNamespaces(
    Call<wf::ListNamespacesRequest, wf::ListNamespacesResponse>* call,
    const wf::ListNamespacesRequest* request, wf::ListNamespacesResponse* response) {
  Serve(call, request, response, [this, request] { return namespaces_->List(*request); });
}

void WorkflowHandler::UpdateNamespace(
    Call<wf::UpdateNamespaceRequest, wf::UpdateNamespaceResponse>* call,
    const wf::UpdateNamespaceRequest* request, wf::UpdateNamespaceResponse* response) {
  Serve(call, request, response, [this, request] { return namespaces_->Update(*request); });
}

void WorkflowHandler::DeprecateNamespace(
    Call<wf::DeprecateNamespaceRequest, wf::DeprecateNamespaceResponse>* call,
    const wf::DeprecateNamespaceRequest* request, wf::DeprecateNamespaceResponse* response) {
  Serve(call, request, response, [this, request] { return namespaces_->Deprecate(*request); });
}

}  // namespace hdo::frontend

namespace hdo::frontend {
namespace {

// How long a poll may wait: the matching long-poll window, ending a second before the client's
// deadline so the empty answer arrives before the client gives up (reference: longPollTailRoom).
std::chrono::milliseconds PollWait(std::chrono::system_clock::time_point deadline) {
  constexpr std::chrono::milliseconds kTailRoom = std::chrono::seconds(1);
  constexpr std::chrono::milliseconds kLongPoll = std::chrono::seconds(60);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::system_clock::now());
  return std::clamp(left - kTailRoom, std::chrono::milliseconds(0), kLongPoll);
}

}  // namespace

void WorkflowHandler::TerminateWorkflowExecution(
    Call<wf::TerminateWorkflowExecutionRequest, wf::TerminateWorkflowExecutionResponse>* call,
    const wf::TerminateWorkflowExecutionRequest* request,
    wf::TerminateWorkflowExecutionResponse* response) {
  Serve(call, request, response,
        [this, request]() -> hugo::Result<wf::TerminateWorkflowExecutionResponse> {
          if (!request->has_workflow_execution()) {
            return InvalidArgument("Execution is not set on request.");
          }
          auto valid = ValidateExecution(request->workflow_execution());
          if (valid.IsFailure()) return valid.Error();
          // A malformed first_execution_run_id names no chain: NotFound from history.
          if (request->identity().size() > kIdLengthMax) {
            return InvalidArgument("Identity length exceeds limit.");
          }
          auto namespace_id = namespaces_->ResolveId(request->namespace_());
          if (namespace_id.IsFailure()) return namespace_id.Error();
          return engine_->Terminate(namespace_id.Value(), *request);
        });
}

void WorkflowHandler::ShutdownWorker(
    Call<wf::ShutdownWorkerRequest, wf::ShutdownWorkerResponse>* call,
    const wf::ShutdownWorkerRequest* request, wf::ShutdownWorkerResponse* response) {
  // The worker's sticky queue goes with it: its polls end, and history stops scheduling on it.
  // A worker that names its instance gets its outstanding polls completed empty (it waits for
  // them: the worker_poll_complete_on_shutdown capability), and its last heartbeat (status
  // shutting down or shut down) is what ListWorkers shows from now on.
  ServeOnNamespace(
      call, request, response,
      [](const wf::ShutdownWorkerRequest& r) { return ValidateNamespaceName(r.namespace_()); },
      [this, request](const std::string& namespace_id) -> hugo::Result<wf::ShutdownWorkerResponse> {
        if (!request->sticky_task_queue().empty()) {
          matcher_->UnloadSticky(namespace_id, request->sticky_task_queue());
        }
        if (!request->worker_instance_key().empty()) {
          matcher_->CompleteWorkerPolls(namespace_id, request->worker_instance_key());
          if (nexus_ != nullptr) {
            nexus_->CompleteWorkerPolls(namespace_id, request->worker_instance_key());
          }
        }
        if (request->has_worker_heartbeat() &&
            !request->worker_heartbeat().worker_instance_key().empty()) {
          workers_.Record(namespace_id, {request->worker_heartbeat()});
        }
        return hugo::Ok(wf::ShutdownWorkerResponse());
      });
}

// --- signals, cancellation, describe

void WorkflowHandler::SignalWorkflowExecution(
    Call<wf::SignalWorkflowExecutionRequest, wf::SignalWorkflowExecutionResponse>* call,
    const wf::SignalWorkflowExecutionRequest* request,
    wf::SignalWorkflowExecutionResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::SignalWorkflowExecutionRequest& r) { return ValidateSignalWorkflow(r); },
      [this, request](const std::string& namespace_id) {
        return engine_->Signal(namespace_id, *request);
      });
}

void WorkflowHandler::SignalWithStartWorkflowExecution(
    Call<wf::SignalWithStartWorkflowExecutionRequest, wf::SignalWithStartWorkflowExecutionResponse>*
        call,
    const wf::SignalWithStartWorkflowExecutionRequest* request,
    wf::SignalWithStartWorkflowExecutionResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::SignalWithStartWorkflowExecutionRequest& r) {
        return ValidateSignalWithStartWorkflow(r);
      },
      [this, request](const std::string& namespace_id) {
        return engine_->SignalWithStart(namespace_id, *request);
      },
      /*starts_run=*/true);
}

void WorkflowHandler::RequestCancelWorkflowExecution(
    Call<wf::RequestCancelWorkflowExecutionRequest, wf::RequestCancelWorkflowExecutionResponse>*
        call,
    const wf::RequestCancelWorkflowExecutionRequest* request,
    wf::RequestCancelWorkflowExecutionResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::RequestCancelWorkflowExecutionRequest& r) {
        return ValidateRequestCancelWorkflow(r);
      },
      [this, request](const std::string& namespace_id) {
        return engine_->RequestCancel(namespace_id, *request);
      });
}

// --- reset and delete
void WorkflowHandler::ResetWorkflowExecution(
    Call<wf::ResetWorkflowExecutionRequest, wf::ResetWorkflowExecutionResponse>* call,
    const wf::ResetWorkflowExecutionRequest* request,
    wf::ResetWorkflowExecutionResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::ResetWorkflowExecutionRequest& r) { return ValidateResetWorkflowExecution(r); },
      [this, request](const std::string& namespace_id) {
        return engine_->Reset(namespace_id, *request);
      });
}

void WorkflowHandler::DeleteWorkflowExecution(
    Call<wf::DeleteWorkflowExecutionRequest, wf::DeleteWorkflowExecutionResponse>* call,
    const wf::DeleteWorkflowExecutionRequest* request,
    wf::DeleteWorkflowExecutionResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::DeleteWorkflowExecutionRequest& r) {
        return ValidateDeleteWorkflowExecution(r);
      },
      [this, request](const std::string& namespace_id) {
        return engine_->Delete(namespace_id, *request);
      });
}
// --- end of reset and delete

void WorkflowHandler::DescribeWorkflowExecution(
    Call<wf::DescribeWorkflowExecutionRequest, wf::DescribeWorkflowExecutionResponse>* call,
    const wf::DescribeWorkflowExecutionRequest* request,
    wf::DescribeWorkflowExecutionResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::DescribeWorkflowExecutionRequest& r) {
        return ValidateDescribeWorkflowExecution(r);
      },
      [this, request](const std::string& namespace_id) {
        return engine_->Describe(namespace_id, *request);
      });
}

void WorkflowHandler::ResetStickyTaskQueue(
    Call<wf::ResetStickyTaskQueueRequest, wf::ResetStickyTaskQueueResponse>* call,
    const wf::ResetStickyTaskQueueRequest* request, wf::ResetStickyTaskQueueResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::ResetStickyTaskQueueRequest& r) { return ValidateResetStickyTaskQueue(r); },
      [this, request](const std::string& namespace_id) {
        return engine_->ResetSticky(namespace_id, *request);
      });
}

void WorkflowHandler::RespondWorkflowTaskFailed(
    Call<wf::RespondWorkflowTaskFailedRequest, wf::RespondWorkflowTaskFailedResponse>* call,
    const wf::RespondWorkflowTaskFailedRequest* request,
    wf::RespondWorkflowTaskFailedResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::RespondWorkflowTaskFailedRequest& r) {
        return ValidateRespondWorkflowTaskFailed(r);
      },
      [this, request](const std::string& namespace_id) {
        return engine_->FailWorkflowTask(namespace_id, *request);
      });
}

namespace {

namespace tq = temporal::api::taskqueue::v1;

void FillStats(const matching::Matcher::QueueStats& from, tq::TaskQueueStats* to) {
  to->set_approximate_backlog_count(from.backlog);
  *to->mutable_approximate_backlog_age() = history::DurationFromMillis(from.backlog_age.count());
  to->set_tasks_add_rate(static_cast<float>(from.add_rate));
  to->set_tasks_dispatch_rate(static_cast<float>(from.dispatch_rate));
}

void FillPollers(const std::vector<matching::Matcher::PollerInfo>& from,
                 google::protobuf::RepeatedPtrField<tq::PollerInfo>* to) {
  for (const auto& poller : from) {
    auto* info = to->Add();
    info->set_identity(poller.identity);
    *info->mutable_last_access_time() = poller.last_access_time;
    info->set_rate_per_second(poller.rate_per_second);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    // What the poll said of its worker's build id (a build-id worker: use_versioning).
    if (poller.has_capabilities || !poller.build_id.empty()) {
      auto* capabilities = info->mutable_worker_version_capabilities();
      capabilities->set_build_id(poller.build_id.empty() ? poller.capabilities_build_id
                                                         : poller.build_id);
      capabilities->set_use_versioning(!poller.build_id.empty() ||
                                       poller.capabilities_use_versioning);
      capabilities->set_deployment_series_name(poller.capabilities_deployment_series);
    }
    if (!poller.build_id.empty()) continue;
#pragma GCC diagnostic pop
    if (auto version = WorkerDeployments::ParseVersion(poller.version)) {
      auto* deployment = info->mutable_deployment_options();
      deployment->set_deployment_name(version->deployment_name());
      deployment->set_build_id(version->build_id());
      deployment->set_worker_versioning_mode(
          temporal::api::enums::v1::WORKER_VERSIONING_MODE_VERSIONED);
    }
  }
}

}  // namespace

// The enhanced mode's fields and the legacy status are deprecated in the API; the reference (and
// the temporal CLI's `task-queue describe`) still use them.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
void WorkflowHandler::DescribeTaskQueue(
    Call<wf::DescribeTaskQueueRequest, wf::DescribeTaskQueueResponse>* call,
    const wf::DescribeTaskQueueRequest* request, wf::DescribeTaskQueueResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::DescribeTaskQueueRequest& r) { return ValidateDescribeTaskQueue(r); },
      [this,
       request](const std::string& namespace_id) -> hugo::Result<wf::DescribeTaskQueueResponse> {
        namespace enums = temporal::api::enums::v1;
        wf::DescribeTaskQueueResponse described;
        const std::string& queue = request->task_queue().name();
        if (request->api_mode() == enums::DESCRIBE_TASK_QUEUE_MODE_ENHANCED) {
          // The reference's enhanced mode: per build id ("" = unversioned, the only one hdo
          // serves: it has no worker versioning), per task queue type, pollers and stats.
          std::vector<enums::TaskQueueType> types;
          for (int type : request->task_queue_types()) {
            types.push_back(static_cast<enums::TaskQueueType>(type));
          }
          if (types.empty()) {
            types = {enums::TASK_QUEUE_TYPE_WORKFLOW, enums::TASK_QUEUE_TYPE_ACTIVITY};
          }
          std::vector<std::string> build_ids;
          if (!request->has_versions()) {
            build_ids.emplace_back();  // the default build id: unversioned
          } else {
            const auto& versions = request->versions();
            build_ids.assign(versions.build_ids().begin(), versions.build_ids().end());
            if (versions.unversioned() || versions.all_active()) build_ids.emplace_back();
          }
          for (const std::string& build_id : build_ids) {
            auto& version = (*described.mutable_versions_info())[build_id];
            // A build id's tasks wait on its set's or its own queue (build-id versioning).
            std::string stats_queue = queue;
            if (!build_id.empty()) {
              std::string key = BuildIdVersioning::BuildIdKey(build_id);
              if (build_ids_ != nullptr) {
                auto polled = build_ids_->PollerKey(namespace_id, queue, build_id);
                if (polled.IsSuccess()) key = polled.Value();
              }
              stats_queue = matching::Matcher::VersionedQueue(queue, key);
            }
            for (enums::TaskQueueType type : types) {
              auto& info = (*version.mutable_types_info())[static_cast<int32_t>(type)];
              const bool workflow = type == enums::TASK_QUEUE_TYPE_WORKFLOW;
              const bool served = workflow || type == enums::TASK_QUEUE_TYPE_ACTIVITY;
              if (request->report_pollers() && served) {
                // The build id's workers; for "", every worker that polls without one and
                // without a deployment version (a VERSIONED worker polls its version's queue).
                std::vector<matching::Matcher::PollerInfo> pollers;
                for (auto& poller : matcher_->Pollers(namespace_id, queue, workflow)) {
                  if (poller.build_id == build_id &&
                      (!build_id.empty() || poller.version.empty())) {
                    pollers.push_back(std::move(poller));
                  }
                }
                FillPollers(pollers, info.mutable_pollers());
              }
              // Nexus tasks are matched synchronously only: pollers, never a backlog.
              if (request->report_pollers() && build_id.empty() &&
                  type == enums::TASK_QUEUE_TYPE_NEXUS && nexus_ != nullptr) {
                FillPollers(nexus_->Pollers(namespace_id, queue), info.mutable_pollers());
              }
              if (request->report_stats()) {
                FillStats(served ? matcher_->Stats(namespace_id, stats_queue, workflow)
                                 : matching::Matcher::QueueStats{},
                          info.mutable_stats());
              }
            }
            if (request->report_task_reachability()) {
              auto reachability =
                  BuildIdTaskReachability(namespace_id, request->namespace_(), queue, build_id);
              if (reachability.IsFailure()) return reachability.Error();
              version.set_task_reachability(reachability.Value());
            }
          }
          return hugo::Ok(std::move(described));
        }
        // The configuration UpdateTaskQueueConfig set (reference: absent when none was).
        const enums::TaskQueueType type =
            request->task_queue_type() == enums::TASK_QUEUE_TYPE_UNSPECIFIED
                ? enums::TASK_QUEUE_TYPE_WORKFLOW
                : request->task_queue_type();
        if (request->report_config() && task_queue_configs_ != nullptr) {
          const auto* config = task_queue_configs_->Get(namespace_id, queue, type);
          if (config != nullptr) *described.mutable_config() = *config;
        }
        // What limits the queue's dispatch: the configured rate, the workers' or the system's
        // (only activity queues are limited; the others report the system's).
        auto* effective = described.mutable_effective_rate_limit();
        matching::Matcher::EffectiveRate rate;
        if (type == enums::TASK_QUEUE_TYPE_ACTIVITY) {
          rate = matcher_->ActivityEffectiveRate(namespace_id, queue);
        } else if (type == enums::TASK_QUEUE_TYPE_NEXUS && task_queue_configs_ != nullptr) {
          auto configured = task_queue_configs_->QueueRateLimit(namespace_id, queue, type);
          if (configured.has_value()) rate = {*configured, matching::Matcher::RateSource::kApi};
        }
        effective->set_requests_per_second(static_cast<float>(rate.rate));
        effective->set_rate_limit_source(rate.source == matching::Matcher::RateSource::kApi
                                             ? enums::RATE_LIMIT_SOURCE_API
                                         : rate.source == matching::Matcher::RateSource::kWorker
                                             ? enums::RATE_LIMIT_SOURCE_WORKER
                                             : enums::RATE_LIMIT_SOURCE_SYSTEM);
        if (type == enums::TASK_QUEUE_TYPE_NEXUS) {
          if (nexus_ != nullptr) {
            FillPollers(nexus_->Pollers(namespace_id, queue), described.mutable_pollers());
          }
          return hugo::Ok(std::move(described));
        }
        const bool workflow = type != enums::TASK_QUEUE_TYPE_ACTIVITY;
        FillPollers(matcher_->Pollers(namespace_id, queue, workflow), described.mutable_pollers());
        const auto stats = matcher_->Stats(namespace_id, queue, workflow);
        if (request->include_task_queue_status()) {
          // hdo keeps no task id ranges per queue (ids are the history shard's): the levels and
          // the id block stay zero.
          auto* status = described.mutable_task_queue_status();
          status->set_backlog_count_hint(stats.backlog);
          status->set_rate_per_second(stats.dispatch_limit);
          status->mutable_task_id_block();
        }
        if (request->report_stats()) FillStats(stats, described.mutable_stats());
        return hugo::Ok(std::move(described));
      });
}
#pragma GCC diagnostic pop

void WorkflowHandler::UpdateTaskQueueConfig(
    Call<wf::UpdateTaskQueueConfigRequest, wf::UpdateTaskQueueConfigResponse>* call,
    const wf::UpdateTaskQueueConfigRequest* request, wf::UpdateTaskQueueConfigResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::UpdateTaskQueueConfigRequest& r) { return ValidateUpdateTaskQueueConfig(r); },
      [this, request](
          const std::string& namespace_id) -> hugo::Result<wf::UpdateTaskQueueConfigResponse> {
        if (task_queue_configs_ == nullptr) {
          return hugo::Error::From("task queue configuration is not available on this server",
                                   errors::kUnimplemented);
        }
        auto updated = task_queue_configs_->Update(namespace_id, *request);
        if (updated.IsFailure()) return updated.Error();
        wf::UpdateTaskQueueConfigResponse answer;
        *answer.mutable_config() = std::move(updated.Value());
        return hugo::Ok(std::move(answer));
      });
}

// --- activities

namespace {

// Which activity a Respond*/Record* request names: by token, or (ById) by workflow and activity id.
template <class Request>
history::Engine::ActivityRef RefByToken(const std::string& namespace_id, const Request& request) {
  return {namespace_id, request.task_token(), {}, {}, {}, request.identity()};
}

template <class Request>
history::Engine::ActivityRef RefById(const std::string& namespace_id, const Request& request) {
  return {namespace_id,     std::string(),         request.workflow_id(),
          request.run_id(), request.activity_id(), request.identity()};
}

}  // namespace

void WorkflowHandler::RecordActivityTaskHeartbeat(
    Call<wf::RecordActivityTaskHeartbeatRequest, wf::RecordActivityTaskHeartbeatResponse>* call,
    const wf::RecordActivityTaskHeartbeatRequest* request,
    wf::RecordActivityTaskHeartbeatResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::RecordActivityTaskHeartbeatRequest& r) {
        return ValidateRecordActivityTaskHeartbeat(r);
      },
      [this, request](const std::string& namespace_id)
          -> hugo::Result<wf::RecordActivityTaskHeartbeatResponse> {
        auto heard =
            engine_->HeartbeatActivity(RefByToken(namespace_id, *request), request->details());
        if (heard.IsFailure()) return heard.Error();
        wf::RecordActivityTaskHeartbeatResponse answer;
        answer.set_cancel_requested(heard.Value().cancel_requested);
        answer.set_activity_paused(heard.Value().activity_paused);
        answer.set_activity_reset(heard.Value().activity_reset);
        return hugo::Ok(std::move(answer));
      });
}

void WorkflowHandler::RecordActivityTaskHeartbeatById(
    Call<wf::RecordActivityTaskHeartbeatByIdRequest, wf::RecordActivityTaskHeartbeatByIdResponse>*
        call,
    const wf::RecordActivityTaskHeartbeatByIdRequest* request,
    wf::RecordActivityTaskHeartbeatByIdResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::RecordActivityTaskHeartbeatByIdRequest& r) {
        return ValidateRecordActivityTaskHeartbeatById(r);
      },
      [this, request](const std::string& namespace_id)
          -> hugo::Result<wf::RecordActivityTaskHeartbeatByIdResponse> {
        auto heard =
            engine_->HeartbeatActivity(RefById(namespace_id, *request), request->details());
        if (heard.IsFailure()) return heard.Error();
        wf::RecordActivityTaskHeartbeatByIdResponse answer;
        answer.set_cancel_requested(heard.Value().cancel_requested);
        answer.set_activity_paused(heard.Value().activity_paused);
        answer.set_activity_reset(heard.Value().activity_reset);
        return hugo::Ok(std::move(answer));
      });
}

namespace {

// Maps an engine result with no payload to the RPC's empty response.
template <class Response>
hugo::Result<Response> Empty(hugo::Result<hugo::Unit> result) {
  if (result.IsFailure()) return result.Error();
  return hugo::Ok(Response());
}

}  // namespace

void WorkflowHandler::RespondActivityTaskCompletedById(
    Call<wf::RespondActivityTaskCompletedByIdRequest, wf::RespondActivityTaskCompletedByIdResponse>*
        call,
    const wf::RespondActivityTaskCompletedByIdRequest* request,
    wf::RespondActivityTaskCompletedByIdResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::RespondActivityTaskCompletedByIdRequest& r) {
        return ValidateRespondActivityTaskCompletedById(r);
      },
      [this, request](const std::string& namespace_id) {
        return Empty<wf::RespondActivityTaskCompletedByIdResponse>(
            engine_->CompleteActivity(RefById(namespace_id, *request), request->result()));
      });
}

void WorkflowHandler::RespondActivityTaskFailed(
    Call<wf::RespondActivityTaskFailedRequest, wf::RespondActivityTaskFailedResponse>* call,
    const wf::RespondActivityTaskFailedRequest* request,
    wf::RespondActivityTaskFailedResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::RespondActivityTaskFailedRequest& r) {
        return ValidateRespondActivityTaskFailed(r);
      },
      [this, request](const std::string& namespace_id) {
        return Empty<wf::RespondActivityTaskFailedResponse>(engine_->FailActivity(
            RefByToken(namespace_id, *request), request->failure(),
            request->has_last_heartbeat_details() ? &request->last_heartbeat_details() : nullptr));
      });
}

void WorkflowHandler::RespondActivityTaskFailedById(
    Call<wf::RespondActivityTaskFailedByIdRequest, wf::RespondActivityTaskFailedByIdResponse>* call,
    const wf::RespondActivityTaskFailedByIdRequest* request,
    wf::RespondActivityTaskFailedByIdResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::RespondActivityTaskFailedByIdRequest& r) {
        return ValidateRespondActivityTaskFailedById(r);
      },
      [this, request](const std::string& namespace_id) {
        return Empty<wf::RespondActivityTaskFailedByIdResponse>(engine_->FailActivity(
            RefById(namespace_id, *request), request->failure(),
            request->has_last_heartbeat_details() ? &request->last_heartbeat_details() : nullptr));
      });
}

void WorkflowHandler::RespondActivityTaskCanceled(
    Call<wf::RespondActivityTaskCanceledRequest, wf::RespondActivityTaskCanceledResponse>* call,
    const wf::RespondActivityTaskCanceledRequest* request,
    wf::RespondActivityTaskCanceledResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::RespondActivityTaskCanceledRequest& r) {
        return ValidateRespondActivityTaskCanceled(r);
      },
      [this, request](const std::string& namespace_id) {
        return Empty<wf::RespondActivityTaskCanceledResponse>(
            engine_->CancelActivity(RefByToken(namespace_id, *request), request->details()));
      });
}

void WorkflowHandler::RespondActivityTaskCanceledById(
    Call<wf::RespondActivityTaskCanceledByIdRequest, wf::RespondActivityTaskCanceledByIdResponse>*
        call,
    const wf::RespondActivityTaskCanceledByIdRequest* request,
    wf::RespondActivityTaskCanceledByIdResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::RespondActivityTaskCanceledByIdRequest& r) {
        return ValidateRespondActivityTaskCanceledById(r);
      },
      [this, request](const std::string& namespace_id) {
        return Empty<wf::RespondActivityTaskCanceledByIdResponse>(
            engine_->CancelActivity(RefById(namespace_id, *request), request->details()));
      });
}

// --- queries

void WorkflowHandler::QueryWorkflow(Call<wf::QueryWorkflowRequest, wf::QueryWorkflowResponse>* call,
                                    const wf::QueryWorkflowRequest* request,
                                    wf::QueryWorkflowResponse* response) {
  if (RefuseIfTooLarge(call, *request)) return;
  // The query waits as long as the client does (a bounded default when it set no deadline).
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      call->deadline() - std::chrono::system_clock::now());
  auto wait = std::clamp(left, std::chrono::milliseconds(0), std::chrono::milliseconds(60000));
  PostToStore(*store_io_, [this, call, request, response, wait] {
    auto valid = ValidateQueryWorkflow(*request);
    auto namespace_id = valid.IsSuccess() ? namespaces_->ResolveId(request->namespace_())
                                          : hugo::Result<std::string>(valid.Error());
    if (namespace_id.IsFailure()) {
      FinishDurable(durability_, call, ToGrpcStatus(namespace_id.Error()));
      return;
    }
    uint64_t query_id =
        engine_->Query(namespace_id.Value(), request->namespace_(), *request, wait,
                       [this, call, response](hugo::Result<wf::QueryWorkflowResponse> result) {
                         if (result.IsFailure()) {
                           FinishDurable(durability_, call, ToGrpcStatus(result.Error()));
                           return;
                         }
                         *response = std::move(result).Value();
                         FinishDurable(durability_, call, grpc::Status::OK);
                       });
    if (query_id != 0) call->SetWaitId(query_id);
  });
}

void WorkflowHandler::RespondQueryTaskCompleted(
    Call<wf::RespondQueryTaskCompletedRequest, wf::RespondQueryTaskCompletedResponse>* call,
    const wf::RespondQueryTaskCompletedRequest* request,
    wf::RespondQueryTaskCompletedResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::RespondQueryTaskCompletedRequest& r) {
        return ValidateRespondQueryTaskCompleted(r);
      },
      [this, request](const std::string& namespace_id) {
        return engine_->CompleteQuery(namespace_id, *request);
      });
}

// --- updates

namespace {

// How long an update call waits on the server: the reference's long-poll interval, ending a
// second before the client's deadline.
std::chrono::milliseconds UpdateWait(std::chrono::system_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::system_clock::now());
  return std::clamp(left - std::chrono::milliseconds(1000), std::chrono::milliseconds(0),
                    std::chrono::milliseconds(60000));
}

template <class Response>
void FillUpdateResponse(const history::Engine::UpdateStatus& status, const std::string& workflow_id,
                        const std::string& update_id, Response* response) {
  auto* ref = response->mutable_update_ref();
  ref->mutable_workflow_execution()->set_workflow_id(workflow_id);
  ref->mutable_workflow_execution()->set_run_id(status.run_id);
  ref->set_update_id(update_id);
  response->set_stage(status.stage);
  if (status.outcome.has_value()) *response->mutable_outcome() = *status.outcome;
}

// The reference's link in an update's answer (updateworkflow/api.go): one completed with a
// failure (rejected) links the workflow ("Update rejected"); one accepted or completed links its
// UpdateAccepted event by the request's id. A Nexus handler hands it back to its caller.
void AddUpdateLink(const history::Engine::UpdateStatus& status, const std::string& namespace_name,
                   const std::string& workflow_id, const std::string& request_id,
                   wf::UpdateWorkflowExecutionResponse* response) {
  using temporal::api::enums::v1::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED;
  using temporal::api::enums::v1::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED;
  if (status.stage == UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED &&
      status.outcome.has_value() && status.outcome->has_failure()) {
    auto* workflow = response->mutable_link()->mutable_workflow();
    workflow->set_namespace_(namespace_name);
    workflow->set_workflow_id(workflow_id);
    workflow->set_run_id(status.run_id);
    workflow->set_reason("Update rejected");
  } else if (status.stage == UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED ||
             status.stage == UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED) {
    auto* event = response->mutable_link()->mutable_workflow_event();
    event->set_namespace_(namespace_name);
    event->set_workflow_id(workflow_id);
    event->set_run_id(status.run_id);
    event->mutable_request_id_ref()->set_request_id(request_id);
    event->mutable_request_id_ref()->set_event_type(
        temporal::api::enums::v1::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
  }
}

// The engine's answer to an update call or poll, finishing the call.
template <class Call, class Response>
std::function<void(hugo::Result<history::Engine::UpdateStatus>)> AnswerUpdate(
    persistence::Durability* durability, Call* call, Response* response, std::string workflow_id,
    std::string update_id) {
  return [durability, call, response, workflow_id = std::move(workflow_id),
          update_id = std::move(update_id)](hugo::Result<history::Engine::UpdateStatus> result) {
    if (result.IsFailure()) {
      FinishDurable(durability, call, ToGrpcStatus(result.Error()));
      return;
    }
    FillUpdateResponse(result.Value(), workflow_id, update_id, response);
    FinishDurable(durability, call, grpc::Status::OK);
  };
}

// One operation's status in a MultiOperationExecutionFailure (OK, aborted, or its error).
void AddOperationStatus(const std::optional<hugo::Error>& error, bool succeeded,
                        temporal::api::errordetails::v1::MultiOperationExecutionFailure* failure) {
  auto* status = failure->add_statuses();
  if (succeeded) return;  // code OK
  if (!error.has_value()) {
    status->set_code(grpc::StatusCode::ABORTED);
    status->set_message("Operation was aborted.");
    status->add_details()->PackFrom(temporal::api::failure::v1::MultiOperationExecutionAborted());
    return;
  }
  grpc::Status grpc_status = ToGrpcStatus(*error);
  status->set_code(grpc_status.error_code());
  status->set_message(grpc_status.error_message());
  google::rpc::Status details;
  if (!grpc_status.error_details().empty() &&
      details.ParseFromString(grpc_status.error_details())) {
    *status->mutable_details() = details.details();
  }
}

// Update-with-start's refusal: each operation's status in a MultiOperationExecutionFailure,
// under the code of the first operation that failed (not aborted), as the reference's.
grpc::Status MultiOperationFailed(const std::optional<hugo::Error>& start, bool start_succeeded,
                                  const std::optional<hugo::Error>& update) {
  temporal::api::errordetails::v1::MultiOperationExecutionFailure failure;
  AddOperationStatus(start, start_succeeded, &failure);
  AddOperationStatus(update, false, &failure);
  auto code = grpc::StatusCode::ABORTED;
  for (const auto& status : failure.statuses()) {
    if (status.code() != 0 && status.code() != grpc::StatusCode::ABORTED) {
      code = static_cast<grpc::StatusCode>(status.code());
      break;
    }
  }
  const std::string message = "Update-with-Start could not be executed.";
  google::rpc::Status details;
  details.set_code(code);
  details.set_message(message);
  details.add_details()->PackFrom(failure);
  return grpc::Status(code, message, details.SerializeAsString());
}

}  // namespace

void WorkflowHandler::UpdateWorkflowExecution(
    Call<wf::UpdateWorkflowExecutionRequest, wf::UpdateWorkflowExecutionResponse>* call,
    const wf::UpdateWorkflowExecutionRequest* request,
    wf::UpdateWorkflowExecutionResponse* response) {
  if (RefuseIfTooLarge(call, *request)) return;
  auto wait = UpdateWait(call->deadline());
  PostToStore(*store_io_, [this, call, request, response, wait] {
    auto valid = ValidateUpdateWorkflow(*request);
    auto namespace_id = valid.IsSuccess() ? namespaces_->ResolveId(request->namespace_())
                                          : hugo::Result<std::string>(valid.Error());
    if (namespace_id.IsFailure()) {
      FinishDurable(durability_, call, ToGrpcStatus(namespace_id.Error()));
      return;
    }
    wf::UpdateWorkflowExecutionRequest prepared = *request;
    auto* meta = prepared.mutable_request()->mutable_meta();
    if (meta->update_id().empty()) meta->set_update_id(update_ids_.Next());
    if (prepared.wait_policy().lifecycle_stage() ==
        temporal::api::enums::v1::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_UNSPECIFIED) {
      prepared.mutable_wait_policy()->set_lifecycle_stage(
          temporal::api::enums::v1::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED);
    }
    auto answer = AnswerUpdate(durability_, call, response,
                               prepared.workflow_execution().workflow_id(), meta->update_id());
    uint64_t id = engine_->UpdateWorkflow(
        namespace_id.Value(), prepared, wait,
        [answer = std::move(answer), response, namespace_name = request->namespace_(),
         workflow_id = prepared.workflow_execution().workflow_id(),
         request_id =
             prepared.request().request_id()](hugo::Result<history::Engine::UpdateStatus> result) {
          if (result.IsSuccess())
            AddUpdateLink(result.Value(), namespace_name, workflow_id, request_id, response);
          answer(std::move(result));
        });
    if (id != 0) call->SetWaitId(id);
  });
}

void WorkflowHandler::PollWorkflowExecutionUpdate(
    Call<wf::PollWorkflowExecutionUpdateRequest, wf::PollWorkflowExecutionUpdateResponse>* call,
    const wf::PollWorkflowExecutionUpdateRequest* request,
    wf::PollWorkflowExecutionUpdateResponse* response) {
  auto wait = UpdateWait(call->deadline());
  PostToStore(*store_io_, [this, call, request, response, wait] {
    auto valid = ValidatePollWorkflowExecutionUpdate(*request);
    auto namespace_id = valid.IsSuccess() ? namespaces_->ResolveId(request->namespace_())
                                          : hugo::Result<std::string>(valid.Error());
    if (namespace_id.IsFailure()) {
      FinishDurable(durability_, call, ToGrpcStatus(namespace_id.Error()));
      return;
    }
    uint64_t id =
        engine_->PollUpdate(namespace_id.Value(), *request, wait,
                            AnswerUpdate(durability_, call, response,
                                         request->update_ref().workflow_execution().workflow_id(),
                                         request->update_ref().update_id()));
    if (id != 0) call->SetWaitId(id);
  });
}

void WorkflowHandler::ExecuteMultiOperation(
    Call<wf::ExecuteMultiOperationRequest, wf::ExecuteMultiOperationResponse>* call,
    const wf::ExecuteMultiOperationRequest* request, wf::ExecuteMultiOperationResponse* response) {
  if (RefuseIfTooLarge(call, *request)) return;
  auto wait = UpdateWait(call->deadline());
  PostToStore(*store_io_, [this, call, request, response, wait] {
    auto valid = ValidateExecuteMultiOperation(*request);
    auto namespace_id = valid.IsSuccess() ? namespaces_->ResolveId(request->namespace_())
                                          : hugo::Result<std::string>(valid.Error());
    if (namespace_id.IsFailure()) {
      FinishDurable(durability_, call, ToGrpcStatus(namespace_id.Error()));
      return;
    }
    // An operation the reference refuses before history sees it: its error and the other's
    // "aborted", in the failure the SDKs unpack (the TypeScript client rethrows the operation's
    // InvalidArgument only from there).
    if (auto faults = ValidateMultiOperations(*request); faults.Any()) {
      FinishDurable(durability_, call, MultiOperationFailed(faults.start, false, faults.update));
      return;
    }
    wf::StartWorkflowExecutionRequest start = request->operations(0).start_workflow();
    start.set_namespace_(request->namespace_());
    wf::UpdateWorkflowExecutionRequest update = request->operations(1).update_workflow();
    auto* meta = update.mutable_request()->mutable_meta();
    if (meta->update_id().empty()) meta->set_update_id(update_ids_.Next());
    if (update.wait_policy().lifecycle_stage() ==
        temporal::api::enums::v1::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_UNSPECIFIED) {
      update.mutable_wait_policy()->set_lifecycle_stage(
          temporal::api::enums::v1::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED);
    }
    uint64_t id = engine_->UpdateWithStart(
        namespace_id.Value(), start, update, wait,
        [this, call, response](hugo::Result<wf::ExecuteMultiOperationResponse> result,
                               const history::Engine::MultiOperationErrors& errors) {
          if (result.IsSuccess()) {
            *response = std::move(result).Value();
            FinishDurable(durability_, call, grpc::Status::OK);
            return;
          }
          FinishDurable(durability_, call,
                        MultiOperationFailed(errors.start, errors.start_succeeded, errors.update));
        });
    if (id != 0) call->SetWaitId(id);
  });
}

// --- visibility

void WorkflowHandler::ListWorkflowExecutions(
    Call<wf::ListWorkflowExecutionsRequest, wf::ListWorkflowExecutionsResponse>* call,
    const wf::ListWorkflowExecutionsRequest* request,
    wf::ListWorkflowExecutionsResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::ListWorkflowExecutionsRequest& r) {
        return ValidateNamespaceName(r.namespace_());
      },
      [this, request](const std::string& namespace_id) {
        return visibility_->List(namespace_id, *request);
      });
}

void WorkflowHandler::ScanWorkflowExecutions(
    Call<wf::ScanWorkflowExecutionsRequest, wf::ScanWorkflowExecutionsResponse>* call,
    const wf::ScanWorkflowExecutionsRequest* request,
    wf::ScanWorkflowExecutionsResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::ScanWorkflowExecutionsRequest& r) {
        return ValidateNamespaceName(r.namespace_());
      },
      [this, request](const std::string& namespace_id) {
        return visibility_->Scan(namespace_id, *request);
      });
}

void WorkflowHandler::CountWorkflowExecutions(
    Call<wf::CountWorkflowExecutionsRequest, wf::CountWorkflowExecutionsResponse>* call,
    const wf::CountWorkflowExecutionsRequest* request,
    wf::CountWorkflowExecutionsResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::CountWorkflowExecutionsRequest& r) {
        return ValidateNamespaceName(r.namespace_());
      },
      [this, request](const std::string& namespace_id) {
        return visibility_->Count(namespace_id, *request);
      });
}

void WorkflowHandler::ListOpenWorkflowExecutions(
    Call<wf::ListOpenWorkflowExecutionsRequest, wf::ListOpenWorkflowExecutionsResponse>* call,
    const wf::ListOpenWorkflowExecutionsRequest* request,
    wf::ListOpenWorkflowExecutionsResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::ListOpenWorkflowExecutionsRequest& r) {
        return ValidateNamespaceName(r.namespace_());
      },
      [this, request](const std::string& namespace_id) {
        return visibility_->ListOpen(namespace_id, *request);
      });
}

void WorkflowHandler::ListClosedWorkflowExecutions(
    Call<wf::ListClosedWorkflowExecutionsRequest, wf::ListClosedWorkflowExecutionsResponse>* call,
    const wf::ListClosedWorkflowExecutionsRequest* request,
    wf::ListClosedWorkflowExecutionsResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::ListClosedWorkflowExecutionsRequest& r) {
        return ValidateNamespaceName(r.namespace_());
      },
      [this, request](const std::string& namespace_id) {
        return visibility_->ListClosed(namespace_id, *request);
      });
}

void WorkflowHandler::GetSearchAttributes(
    Call<wf::GetSearchAttributesRequest, wf::GetSearchAttributesResponse>* call,
    const wf::GetSearchAttributesRequest* request, wf::GetSearchAttributesResponse* response) {
  Serve(call, request, response, [this] { return visibility_->GetSearchAttributes(); });
}

// --- the hot path: starts, polls, task completions, result waits

namespace {

// A poll's call: validated on the engine thread, then parked through `poll(namespace_id, poller,
// wait, done)`, which returns the poll id (0 when answered at once).
// `deployments` (null: none): a VERSIONED worker's poll registers its version on the queue and
// polls that version's queue (`type`: the queue's type).
// `build_ids` (null: none): a build-id worker's poll (worker_version_capabilities.use_versioning,
// worker versioning v0.1/v0.2) polls its build id's or set's queue.
template <class Call, class Validate, class Poll>
void StartPoll(Call* call, NamespaceHandler* namespaces, asio::thread_pool* engine_thread,
               persistence::Durability* durability, Validate validate, Poll poll,
               WorkerDeployments* deployments = nullptr,
               temporal::api::enums::v1::TaskQueueType type =
                   temporal::api::enums::v1::TASK_QUEUE_TYPE_UNSPECIFIED,
               BuildIdVersioning* build_ids = nullptr) {
  auto wait = PollWait(call->deadline());
  PostToStore(*engine_thread, [=, poll = std::move(poll)] {
    const auto& request = *call->request();
    auto valid = validate(request);
    auto namespace_id = valid.IsSuccess() ? namespaces->ResolveId(request.namespace_())
                                          : hugo::Result<std::string>(valid.Error());
    if (namespace_id.IsFailure()) {
      FinishDurable(durability, call, ToGrpcStatus(namespace_id.Error()));
      return;
    }
    matching::Poller poller;
    poller.namespace_name = request.namespace_();
    poller.task_queue = request.task_queue().name();
    poller.identity = request.identity();
    poller.sticky = request.task_queue().kind() == temporal::api::enums::v1::TASK_QUEUE_KIND_STICKY;
    poller.gone = call->Gone();
    poller.worker_instance_key = request.worker_instance_key();
    const auto& deployment = request.deployment_options();
    if (deployments != nullptr && deployment.worker_versioning_mode() ==
                                      temporal::api::enums::v1::WORKER_VERSIONING_MODE_VERSIONED) {
      if (poller.sticky) {
        // A worker's own sticky queue: never routed, nothing to register.
        poller.version =
            WorkerDeployments::VersionString(deployment.deployment_name(), deployment.build_id());
      } else {
        auto version =
            deployments->RecordPoll(namespace_id.Value(), deployment, poller.task_queue, type);
        if (version.IsFailure()) {
          FinishDurable(durability, call, ToGrpcStatus(version.Error()));
          return;
        }
        poller.version = std::move(version).Value();
      }
    }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    const auto& capabilities = request.worker_version_capabilities();
    if (request.has_worker_version_capabilities()) {
      poller.has_capabilities = true;
      poller.capabilities_build_id = capabilities.build_id();
      poller.capabilities_use_versioning = capabilities.use_versioning();
      poller.capabilities_deployment_series = capabilities.deployment_series_name();
    }
    if (build_ids != nullptr && poller.version.empty() && capabilities.use_versioning() &&
        capabilities.deployment_series_name().empty() &&
        deployment.worker_versioning_mode() !=
            temporal::api::enums::v1::WORKER_VERSIONING_MODE_VERSIONED) {
      if (capabilities.build_id().empty()) {
        FinishDurable(durability, call,
                      ToGrpcStatus(InvalidArgument(
                          "WorkerVersionStamp must be present if UseVersioning is true.")));
        return;
      }
      poller.build_id = capabilities.build_id();
      if (!poller.sticky) {
        auto key = build_ids->PollerKey(namespace_id.Value(), poller.task_queue, poller.build_id);
        if (key.IsFailure()) {
          FinishDurable(durability, call, ToGrpcStatus(key.Error()));
          return;
        }
        poller.version = std::move(key).Value();
      }
    }
#pragma GCC diagnostic pop
    uint64_t poll_id =
        poll(namespace_id.Value(), std::move(poller), wait,
             [durability, call](typename std::remove_pointer_t<decltype(call->response())> task) {
               *call->response() = std::move(task);
               FinishDurable(durability, call, grpc::Status::OK);
             });
    // 0: answered at once, and the call may already be gone. A parked poll is finished only on
    // this thread, so its call is alive here.
    if (poll_id != 0) call->SetWaitId(poll_id);
  });
}

}  // namespace

void WorkflowHandler::StartWorkflowExecution(
    Call<wf::StartWorkflowExecutionRequest, wf::StartWorkflowExecutionResponse>* call,
    const wf::StartWorkflowExecutionRequest* request,
    wf::StartWorkflowExecutionResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::StartWorkflowExecutionRequest& r) { return ValidateStartWorkflow(r); },
      [this, request](const std::string& namespace_id) {
        return engine_->StartWorkflow(namespace_id, *request);
      },
      /*starts_run=*/true);
}

void WorkflowHandler::RespondWorkflowTaskCompleted(
    Call<wf::RespondWorkflowTaskCompletedRequest, wf::RespondWorkflowTaskCompletedResponse>* call,
    const wf::RespondWorkflowTaskCompletedRequest* request,
    wf::RespondWorkflowTaskCompletedResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::RespondWorkflowTaskCompletedRequest& r) {
        return ValidateRespondWorkflowTaskCompleted(r);
      },
      [this, request](const std::string& namespace_id) {
        return engine_->CompleteWorkflowTask(namespace_id, *request);
      });
}

void WorkflowHandler::RespondActivityTaskCompleted(
    Call<wf::RespondActivityTaskCompletedRequest, wf::RespondActivityTaskCompletedResponse>* call,
    const wf::RespondActivityTaskCompletedRequest* request,
    wf::RespondActivityTaskCompletedResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::RespondActivityTaskCompletedRequest& r) {
        return ValidateRespondActivityTaskCompleted(r);
      },
      [this, request](const std::string& namespace_id) {
        return Empty<wf::RespondActivityTaskCompletedResponse>(
            engine_->CompleteActivity(RefByToken(namespace_id, *request), request->result()));
      });
}

void WorkflowHandler::PollWorkflowTaskQueue(
    Call<wf::PollWorkflowTaskQueueRequest, wf::PollWorkflowTaskQueueResponse>* call,
    const wf::PollWorkflowTaskQueueRequest* /*request*/,
    wf::PollWorkflowTaskQueueResponse* /*response*/) {
  StartPoll(
      call, namespaces_, store_io_, durability_,
      [](const wf::PollWorkflowTaskQueueRequest& r) { return ValidatePollWorkflowTaskQueue(r); },
      [this](const std::string& namespace_id, matching::Poller poller,
             std::chrono::milliseconds wait,
             std::function<void(wf::PollWorkflowTaskQueueResponse)> done) {
        return matcher_->PollWorkflowTask(namespace_id, std::move(poller), wait, std::move(done));
      },
      deployments_, temporal::api::enums::v1::TASK_QUEUE_TYPE_WORKFLOW, build_ids_);
}

void WorkflowHandler::PollActivityTaskQueue(
    Call<wf::PollActivityTaskQueueRequest, wf::PollActivityTaskQueueResponse>* call,
    const wf::PollActivityTaskQueueRequest* request,
    wf::PollActivityTaskQueueResponse* /*response*/) {
  StartPoll(
      call, namespaces_, store_io_, durability_,
      [](const wf::PollActivityTaskQueueRequest& r) { return ValidatePollActivityTaskQueue(r); },
      [this, request](const std::string& namespace_id, matching::Poller poller,
                      std::chrono::milliseconds wait,
                      std::function<void(wf::PollActivityTaskQueueResponse)> done) {
        // The worker's TaskQueueActivitiesPerSecond: the queue's dispatch rate from now on.
        if (request->task_queue_metadata().has_max_tasks_per_second()) {
          poller.max_tasks_per_second =
              request->task_queue_metadata().max_tasks_per_second().value();
        }
        return matcher_->PollActivityTask(namespace_id, std::move(poller), wait, std::move(done));
      },
      deployments_, temporal::api::enums::v1::TASK_QUEUE_TYPE_ACTIVITY, build_ids_);
}

// --- Nexus tasks (matching/nexus_matcher.h): a worker's poll, and its answer to a task, which
// goes back to whoever dispatched the task (the Nexus HTTP handler or history).

void WorkflowHandler::PollNexusTaskQueue(
    Call<wf::PollNexusTaskQueueRequest, wf::PollNexusTaskQueueResponse>* call,
    const wf::PollNexusTaskQueueRequest* /*request*/,
    wf::PollNexusTaskQueueResponse* /*response*/) {
  StartPoll(
      call, namespaces_, store_io_, durability_,
      [](const wf::PollNexusTaskQueueRequest& r) { return ValidatePollNexusTaskQueue(r); },
      [this](const std::string& namespace_id, matching::Poller poller,
             std::chrono::milliseconds wait,
             std::function<void(wf::PollNexusTaskQueueResponse)> done) -> uint64_t {
        if (nexus_ == nullptr) {
          done(wf::PollNexusTaskQueueResponse());
          return 0;
        }
        return nexus_->Poll(namespace_id, std::move(poller), wait, std::move(done));
      });
}

namespace {

// The matcher's "no such task" as the reference's NotFound.
hugo::Result<hugo::Unit> NexusAnswered(hugo::Result<hugo::Unit> answered) {
  if (answered.IsSuccess() || answered.Error().Code() != matching::kErrorNexusTaskNotFound) {
    return answered;
  }
  return hugo::Error::From(answered.Error().Message(), errors::kNotFound);
}

}  // namespace

void WorkflowHandler::RespondNexusTaskCompleted(
    Call<wf::RespondNexusTaskCompletedRequest, wf::RespondNexusTaskCompletedResponse>* call,
    const wf::RespondNexusTaskCompletedRequest* request,
    wf::RespondNexusTaskCompletedResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::RespondNexusTaskCompletedRequest& r) {
        return ValidateRespondNexusTaskCompleted(r);
      },
      [this, request](const std::string& namespace_id) {
        matching::NexusMatcher::Outcome outcome;
        outcome.kind = matching::NexusMatcher::Outcome::Kind::kResponse;
        outcome.response = request->response();
        outcome.delivered = true;
        if (nexus_ == nullptr) {
          return Empty<wf::RespondNexusTaskCompletedResponse>(
              hugo::Error::From("Nexus task not found or already expired.", errors::kNotFound));
        }
        return Empty<wf::RespondNexusTaskCompletedResponse>(NexusAnswered(
            nexus_->Respond(namespace_id, request->task_token(), std::move(outcome))));
      });
}

void WorkflowHandler::RespondNexusTaskFailed(
    Call<wf::RespondNexusTaskFailedRequest, wf::RespondNexusTaskFailedResponse>* call,
    const wf::RespondNexusTaskFailedRequest* request,
    wf::RespondNexusTaskFailedResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::RespondNexusTaskFailedRequest& r) { return ValidateRespondNexusTaskFailed(r); },
      [this, request](const std::string& namespace_id) {
        matching::NexusMatcher::Outcome outcome;
        outcome.kind = matching::NexusMatcher::Outcome::Kind::kHandlerError;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        if (request->has_error()) {
          outcome.error = request->error();
        } else {
          // The newer form (the request announced Temporal failure responses): a Temporal
          // failure with the handler error's type in its info, kept whole for the caller.
          const auto& failure = request->failure();
          outcome.error.set_error_type(failure.nexus_handler_failure_info().type().empty()
                                           ? "INTERNAL"
                                           : failure.nexus_handler_failure_info().type());
          outcome.error.set_retry_behavior(failure.nexus_handler_failure_info().retry_behavior());
          *outcome.error.mutable_failure() = NexusFailureToProto(NexusFailureFromTemporal(failure));
          outcome.temporal_failure = true;
        }
#pragma GCC diagnostic pop
        outcome.delivered = true;
        if (nexus_ == nullptr) {
          return Empty<wf::RespondNexusTaskFailedResponse>(
              hugo::Error::From("Nexus task not found or already expired.", errors::kNotFound));
        }
        return Empty<wf::RespondNexusTaskFailedResponse>(NexusAnswered(
            nexus_->Respond(namespace_id, request->task_token(), std::move(outcome))));
      });
}

// A result poll waits up to the long-poll window: a client that goes away ends its wait.
void WorkflowHandler::GetWorkflowExecutionHistory(
    Call<wf::GetWorkflowExecutionHistoryRequest, wf::GetWorkflowExecutionHistoryResponse>* call,
    const wf::GetWorkflowExecutionHistoryRequest* request,
    wf::GetWorkflowExecutionHistoryResponse* response) {
  PostToStore(*store_io_, [this, call, request, response] {
    auto valid =
        request->has_execution()
            ? ValidateExecution(request->execution())
            : hugo::Result<hugo::Unit>(InvalidArgument("Execution is not set on request."));
    auto namespace_id = valid.IsSuccess() ? namespaces_->ResolveId(request->namespace_())
                                          : hugo::Result<std::string>(valid.Error());
    if (namespace_id.IsFailure()) {
      FinishDurable(durability_, call, ToGrpcStatus(namespace_id.Error()));
      return;
    }
    uint64_t wait_id = engine_->GetHistory(
        namespace_id.Value(), *request,
        [this, call, response](hugo::Result<wf::GetWorkflowExecutionHistoryResponse> result) {
          if (result.IsFailure()) {
            FinishDurable(durability_, call, ToGrpcStatus(result.Error()));
            return;
          }
          *response = std::move(result).Value();
          FinishDurable(durability_, call, grpc::Status::OK);
        });
    // 0: answered at once, and the call may already be gone; a waiting one is finished only on
    // this thread, so it is alive here.
    if (wait_id != 0) call->SetWaitId(wait_id);
  });
}

void WorkflowHandler::GetWorkflowExecutionHistoryReverse(
    Call<wf::GetWorkflowExecutionHistoryReverseRequest,
         wf::GetWorkflowExecutionHistoryReverseResponse>* call,
    const wf::GetWorkflowExecutionHistoryReverseRequest* request,
    wf::GetWorkflowExecutionHistoryReverseResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::GetWorkflowExecutionHistoryReverseRequest& r) {
        return r.has_execution()
                   ? ValidateExecution(r.execution())
                   : hugo::Result<hugo::Unit>(InvalidArgument("Execution is not set on request."));
      },
      [this, request](const std::string& namespace_id) {
        return engine_->GetHistoryReverse(namespace_id, *request);
      });
}

void WorkflowHandler::ListTaskQueuePartitions(
    Call<wf::ListTaskQueuePartitionsRequest, wf::ListTaskQueuePartitionsResponse>* call,
    const wf::ListTaskQueuePartitionsRequest* request,
    wf::ListTaskQueuePartitionsResponse* response) {
  ServeOnNamespace(
      call, request, response,
      [](const wf::ListTaskQueuePartitionsRequest& r) {
        return ValidateListTaskQueuePartitions(r);
      },
      [this, request](const std::string&) -> hugo::Result<wf::ListTaskQueuePartitionsResponse> {
        wf::ListTaskQueuePartitionsResponse partitions;
        for (auto* partition : {partitions.add_workflow_task_queue_partitions(),
                                partitions.add_activity_task_queue_partitions()}) {
          partition->set_key(request->task_queue().name());
          partition->set_owner_host_name(cluster_.address);
        }
        return hugo::Ok(std::move(partitions));
      });
}

void WorkflowHandler::GetClusterInfo(
    Call<wf::GetClusterInfoRequest, wf::GetClusterInfoResponse>* call,
    const wf::GetClusterInfoRequest* /*request*/, wf::GetClusterInfoResponse* response) {
  FillClusterInfo(cluster_, *response);
  call->Finish(grpc::Status::OK);
}

// --- serving: every method on the completion queue

void WorkflowHandler::CancelPoll(uint64_t id) { matcher_->CancelPoll(id); }
void WorkflowHandler::CancelNexusPoll(uint64_t id) {
  if (nexus_ != nullptr) nexus_->CancelPoll(id);
}
void WorkflowHandler::CancelHistoryWait(uint64_t id) { engine_->CancelHistoryWait(id); }
void WorkflowHandler::CancelQuery(uint64_t id) { engine_->CancelQuery(id); }
void WorkflowHandler::CancelUpdateWait(uint64_t id) { engine_->CancelUpdateWait(id); }

template <class Request, class Response>
void WorkflowHandler::Add(const std::string& name, grpc::ServerCompletionQueue* queue,
                          void (WorkflowHandler::*serve)(Call<Request, Response>*, const Request*,
                                                         Response*),
                          int armed, void (WorkflowHandler::*cancel)(uint64_t)) {
  std::function<void(uint64_t)> cancel_wait;
  if (cancel != nullptr) cancel_wait = [this, cancel](uint64_t id) { (this->*cancel)(id); };
  methods_.push_back(ServeUnary<Request, Response>(
      &service_, Descriptor(), name, queue, armed,
      [this, serve](Call<Request, Response>* call) {
        (this->*serve)(call, call->request(), call->response());
      },
      std::move(cancel_wait), store_io_));
  served_.insert(name);
}

void WorkflowHandler::ServeAsync(grpc::ServerCompletionQueue* queue) {
  // The hot path's calls: several armed, so that a burst of requests does not wait for re-arming
  // (gRPC holds the calls that arrive meanwhile); two for the others.
  constexpr int kHot = 16;
  constexpr int kCold = 2;
  using H = WorkflowHandler;
  Add("StartWorkflowExecution", queue, &H::StartWorkflowExecution, kHot);
  Add("PollWorkflowTaskQueue", queue, &H::PollWorkflowTaskQueue, kHot, &H::CancelPoll);
  Add("PollActivityTaskQueue", queue, &H::PollActivityTaskQueue, kHot, &H::CancelPoll);
  Add("RespondWorkflowTaskCompleted", queue, &H::RespondWorkflowTaskCompleted, kHot);
  Add("RespondActivityTaskCompleted", queue, &H::RespondActivityTaskCompleted, kHot);
  Add("GetWorkflowExecutionHistory", queue, &H::GetWorkflowExecutionHistory, kHot,
      &H::CancelHistoryWait);

  Add("GetSystemInfo", queue, &H::GetSystemInfo, kCold);
  Add("GetClusterInfo", queue, &H::GetClusterInfo, kCold);
  Add("ListTaskQueuePartitions", queue, &H::ListTaskQueuePartitions, kCold);
  Add("GetWorkflowExecutionHistoryReverse", queue, &H::GetWorkflowExecutionHistoryReverse, kCold);
  Add("RegisterNamespace", queue, &H::RegisterNamespace, kCold);
  Add("DescribeNamespace", queue, &H::DescribeNamespace, kCold);
  Add("ListNamespaces", queue, &H::ListNamespaces, kCold);
  Add("UpdateNamespace", queue, &H::UpdateNamespace, kCold);
  Add("DeprecateNamespace", queue, &H::DeprecateNamespace, kCold);
  Add("ShutdownWorker", queue, &H::ShutdownWorker, kCold);
  Add("TerminateWorkflowExecution", queue, &H::TerminateWorkflowExecution, kCold);
  Add("ResetWorkflowExecution", queue, &H::ResetWorkflowExecution, kCold);
  Add("DeleteWorkflowExecution", queue, &H::DeleteWorkflowExecution, kCold);
  Add("SignalWorkflowExecution", queue, &H::SignalWorkflowExecution, kCold);
  Add("SignalWithStartWorkflowExecution", queue, &H::SignalWithStartWorkflowExecution, kCold);
  Add("RequestCancelWorkflowExecution", queue, &H::RequestCancelWorkflowExecution, kCold);
  Add("DescribeWorkflowExecution", queue, &H::DescribeWorkflowExecution, kCold);
  Add("ResetStickyTaskQueue", queue, &H::ResetStickyTaskQueue, kCold);
  Add("RespondWorkflowTaskFailed", queue, &H::RespondWorkflowTaskFailed, kCold);
  Add("RecordActivityTaskHeartbeat", queue, &H::RecordActivityTaskHeartbeat, kCold);
  Add("RecordActivityTaskHeartbeatById", queue, &H::RecordActivityTaskHeartbeatById, kCold);
  Add("RespondActivityTaskCompletedById", queue, &H::RespondActivityTaskCompletedById, kCold);
  Add("RespondActivityTaskFailed", queue, &H::RespondActivityTaskFailed, kCold);
  Add("RespondActivityTaskFailedById", queue, &H::RespondActivityTaskFailedById, kCold);
  Add("RespondActivityTaskCanceled", queue, &H::RespondActivityTaskCanceled, kCold);
  Add("RespondActivityTaskCanceledById", queue, &H::RespondActivityTaskCanceledById, kCold);
  Add("QueryWorkflow", queue, &H::QueryWorkflow, kCold, &H::CancelQuery);
  Add("RespondQueryTaskCompleted", queue, &H::RespondQueryTaskCompleted, kCold);
  Add("UpdateWorkflowExecution", queue, &H::UpdateWorkflowExecution, kCold, &H::CancelUpdateWait);
  Add("PollWorkflowExecutionUpdate", queue, &H::PollWorkflowExecutionUpdate, kCold,
      &H::CancelUpdateWait);
  Add("ExecuteMultiOperation", queue, &H::ExecuteMultiOperation, kCold, &H::CancelUpdateWait);
  Add("DescribeTaskQueue", queue, &H::DescribeTaskQueue, kCold);
  Add("UpdateWorkerBuildIdCompatibility", queue, &H::UpdateWorkerBuildIdCompatibility, kCold);
  Add("GetWorkerBuildIdCompatibility", queue, &H::GetWorkerBuildIdCompatibility, kCold);
  Add("UpdateWorkerVersioningRules", queue, &H::UpdateWorkerVersioningRules, kCold);
  Add("GetWorkerVersioningRules", queue, &H::GetWorkerVersioningRules, kCold);
  Add("GetWorkerTaskReachability", queue, &H::GetWorkerTaskReachability, kCold);
  Add("UpdateTaskQueueConfig", queue, &H::UpdateTaskQueueConfig, kCold);
  Add("ListWorkflowExecutions", queue, &H::ListWorkflowExecutions, kCold);
  Add("ScanWorkflowExecutions", queue, &H::ScanWorkflowExecutions, kCold);
  Add("CountWorkflowExecutions", queue, &H::CountWorkflowExecutions, kCold);
  Add("ListOpenWorkflowExecutions", queue, &H::ListOpenWorkflowExecutions, kCold);
  Add("ListClosedWorkflowExecutions", queue, &H::ListClosedWorkflowExecutions, kCold);
  Add("GetSearchAttributes", queue, &H::GetSearchAttributes, kCold);
  Add("CreateSchedule", queue, &H::CreateSchedule, kCold);
  Add("DescribeSchedule", queue, &H::DescribeSchedule, kCold);
  Add("UpdateSchedule", queue, &H::UpdateSchedule, kCold);
  Add("PatchSchedule", queue, &H::PatchSchedule, kCold);
  Add("DeleteSchedule", queue, &H::DeleteSchedule, kCold);
  Add("ListSchedules", queue, &H::ListSchedules, kCold);
  Add("CountSchedules", queue, &H::CountSchedules, kCold);
  Add("ListScheduleMatchingTimes", queue, &H::ListScheduleMatchingTimes, kCold);
  Add("StartBatchOperation", queue, &H::StartBatchOperation, kCold);
  Add("StopBatchOperation", queue, &H::StopBatchOperation, kCold);
  Add("DescribeBatchOperation", queue, &H::DescribeBatchOperation, kCold);
  Add("ListBatchOperations", queue, &H::ListBatchOperations, kCold);
  Add("PauseActivity", queue, &H::PauseActivity, kCold);
  Add("UnpauseActivity", queue, &H::UnpauseActivity, kCold);
  Add("ResetActivity", queue, &H::ResetActivity, kCold);
  Add("UpdateActivityOptions", queue, &H::UpdateActivityOptions, kCold);
  Add("PauseActivityExecution", queue, &H::PauseActivityExecution, kCold);
  Add("UnpauseActivityExecution", queue, &H::UnpauseActivityExecution, kCold);
  Add("ResetActivityExecution", queue, &H::ResetActivityExecution, kCold);
  Add("UpdateActivityExecutionOptions", queue, &H::UpdateActivityExecutionOptions, kCold);
  Add("RecordWorkerHeartbeat", queue, &H::RecordWorkerHeartbeat, kCold);
  Add("ListWorkers", queue, &H::ListWorkers, kCold);
  Add("CountWorkers", queue, &H::CountWorkers, kCold);
  Add("DescribeWorker", queue, &H::DescribeWorker, kCold);
  Add("PollNexusTaskQueue", queue, &H::PollNexusTaskQueue, kCold, &H::CancelNexusPoll);
  Add("RespondNexusTaskCompleted", queue, &H::RespondNexusTaskCompleted, kCold);
  Add("RespondNexusTaskFailed", queue, &H::RespondNexusTaskFailed, kCold);
  Add("DescribeWorkerDeployment", queue, &H::DescribeWorkerDeployment, kCold);
  Add("ListWorkerDeployments", queue, &H::ListWorkerDeployments, kCold);
  Add("DescribeWorkerDeploymentVersion", queue, &H::DescribeWorkerDeploymentVersion, kCold);
  Add("SetWorkerDeploymentCurrentVersion", queue, &H::SetWorkerDeploymentCurrentVersion, kCold);
  Add("SetWorkerDeploymentRampingVersion", queue, &H::SetWorkerDeploymentRampingVersion, kCold);
  Add("DeleteWorkerDeploymentVersion", queue, &H::DeleteWorkerDeploymentVersion, kCold);
  Add("DeleteWorkerDeployment", queue, &H::DeleteWorkerDeployment, kCold);
  Add("UpdateWorkerDeploymentVersionMetadata", queue, &H::UpdateWorkerDeploymentVersionMetadata,
      kCold);
  Add("SetWorkerDeploymentManager", queue, &H::SetWorkerDeploymentManager, kCold);
  Add("UpdateWorkflowExecutionOptions", queue, &H::UpdateWorkflowExecutionOptions, kCold);
  Add("StartActivityExecution", queue, &H::StartActivityExecution, kCold);
  Add("DescribeActivityExecution", queue, &H::DescribeActivityExecution, kCold,
      &H::CancelActivityWait);
  Add("PollActivityExecution", queue, &H::PollActivityExecution, kCold, &H::CancelActivityWait);
  Add("RequestCancelActivityExecution", queue, &H::RequestCancelActivityExecution, kCold);
  Add("TerminateActivityExecution", queue, &H::TerminateActivityExecution, kCold);
  Add("DeleteActivityExecution", queue, &H::DeleteActivityExecution, kCold);
  Add("ListActivityExecutions", queue, &H::ListActivityExecutions, kCold);
  Add("CountActivityExecutions", queue, &H::CountActivityExecutions, kCold);
  Add("StartNexusOperationExecution", queue, &H::StartNexusOperationExecution, kCold);
  Add("DescribeNexusOperationExecution", queue, &H::DescribeNexusOperationExecution, kCold,
      &H::CancelActivityWait);
  Add("PollNexusOperationExecution", queue, &H::PollNexusOperationExecution, kCold,
      &H::CancelActivityWait);
  Add("RequestCancelNexusOperationExecution", queue, &H::RequestCancelNexusOperationExecution,
      kCold);
  Add("TerminateNexusOperationExecution", queue, &H::TerminateNexusOperationExecution, kCold);
  Add("DeleteNexusOperationExecution", queue, &H::DeleteNexusOperationExecution, kCold);
  Add("ListNexusOperationExecutions", queue, &H::ListNexusOperationExecutions, kCold);
  Add("CountNexusOperationExecutions", queue, &H::CountNexusOperationExecutions, kCold);

  // The service registered exactly these (the constructor): one without a server would be left
  // unanswered, one not registered would never be called.
  if (served_ != ImplementedMethods()) {
    std::fprintf(stderr,
                 "hdo: internal error: WorkflowService methods served and registered differ\n");
    std::abort();
  }
}

}  // namespace hdo::frontend
