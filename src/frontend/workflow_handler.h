// The frontend's handler of temporal.api.workflowservice.v1.WorkflowService, every method on
// gRPC's completion-queue API (frontend/async_unary.h, ADR 0017): no gRPC thread runs a method's
// work or is held while a call waits.
//
// Owned by the server; one instance serves every connection and is thread-safe (its own state is
// immutable after ServeAsync). Calls that touch the store are posted to the store IO executor (the
// engine thread), which finishes them, so the completion queue's thread never waits on SQLite.
// RPCs that hdo does not implement yet are not registered here: they reach UnimplementedService,
// which answers UNIMPLEMENTED "method X not implemented", the wording the SDKs test for when they
// probe optional RPCs.
#pragma once

#include <google/protobuf/descriptor.h>

#include <asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/uuid.h"
#include "frontend/async_unary.h"
#include "frontend/cluster_info.h"
#include "history/engine.h"
#include "matching/worker_registry.h"
#include "persistence/durability.h"
#include "temporal/api/workflowservice/v1/service.grpc.pb.h"

namespace hdo::history {
class Engine;
}
namespace hdo::matching {
class Matcher;
class NexusMatcher;
}  // namespace hdo::matching
namespace hdo::worker {
class Batcher;
class Scheduler;
}  // namespace hdo::worker

namespace hdo::frontend {

class WorkerDeployments;
class TaskQueueConfigs;
class BuildIdVersioning;

namespace wf = temporal::api::workflowservice::v1;

class NamespaceHandler;
class Visibility;

class WorkflowHandler final {
 public:
  template <class Request, class Response>
  using Call = AsyncUnary<Request, Response>;

  // `namespaces`, `engine` and `matcher` run only on `store_io` (the engine thread); all outlive
  // the handler's gRPC server.
  // Replies wait for `durability` (frontend/reply.h).
  WorkflowHandler(NamespaceHandler* namespaces, history::Engine* engine, matching::Matcher* matcher,
                  Visibility* visibility, worker::Scheduler* scheduler, worker::Batcher* batcher,
                  asio::thread_pool* store_io, persistence::Durability* durability);

  // Nexus tasks' matcher (runs on `store_io`, outlives the gRPC server); before ServeAsync.
  void SetNexusMatcher(matching::NexusMatcher* nexus) { nexus_ = nexus; }
  // What GetClusterInfo answers (set before serving).
  void SetClusterInfo(ClusterInfo cluster) { cluster_ = std::move(cluster); }
  // The worker deployment registry (engine thread only, outlives the gRPC server); before
  // ServeAsync. Without it, versioned polls are served as unversioned ones.
  void SetWorkerDeployments(WorkerDeployments* deployments) { deployments_ = deployments; }
  // The task queue configuration registry (engine thread only, outlives the gRPC server); before
  // ServeAsync. Without it, UpdateTaskQueueConfig answers UNIMPLEMENTED.
  void SetTaskQueueConfigs(TaskQueueConfigs* configs) { task_queue_configs_ = configs; }
  // The build-id versioning registry (worker versioning v0.1/v0.2; engine thread only, outlives
  // the gRPC server); before ServeAsync. Without it, its RPCs answer as switched off and
  // build-id workers poll as unversioned ones.
  void SetBuildIdVersioning(BuildIdVersioning* build_ids) { build_ids_ = build_ids; }

  // The RPC names this handler answers; every other WorkflowService method is unimplemented.
  static const std::set<std::string>& ImplementedMethods();
  // The protobuf descriptor of WorkflowService (every RPC, in service.proto order).
  static const google::protobuf::ServiceDescriptor& Descriptor();

  // The gRPC service to register with the server: ImplementedMethods() on the completion-queue
  // API, every other method left to the server's generic service.
  grpc::Service* service() { return &service_; }
  // Arms every implemented method's calls on `queue` (frontend/async_unary.h); call once, after
  // the server started, and run RunCompletionQueue on the queue's threads.
  void ServeAsync(grpc::ServerCompletionQueue* queue);

  // Each RPC: serves `call` (its request and response), finishing it once, from any thread.

  // The hot path.
  void StartWorkflowExecution(
      Call<wf::StartWorkflowExecutionRequest, wf::StartWorkflowExecutionResponse>* call,
      const wf::StartWorkflowExecutionRequest* request,
      wf::StartWorkflowExecutionResponse* response);
  void PollWorkflowTaskQueue(
      Call<wf::PollWorkflowTaskQueueRequest, wf::PollWorkflowTaskQueueResponse>* call,
      const wf::PollWorkflowTaskQueueRequest* request, wf::PollWorkflowTaskQueueResponse* response);
  void PollActivityTaskQueue(
      Call<wf::PollActivityTaskQueueRequest, wf::PollActivityTaskQueueResponse>* call,
      const wf::PollActivityTaskQueueRequest* request, wf::PollActivityTaskQueueResponse* response);
  void RespondWorkflowTaskCompleted(
      Call<wf::RespondWorkflowTaskCompletedRequest, wf::RespondWorkflowTaskCompletedResponse>* call,
      const wf::RespondWorkflowTaskCompletedRequest* request,
      wf::RespondWorkflowTaskCompletedResponse* response);
  void RespondActivityTaskCompleted(
      Call<wf::RespondActivityTaskCompletedRequest, wf::RespondActivityTaskCompletedResponse>* call,
      const wf::RespondActivityTaskCompletedRequest* request,
      wf::RespondActivityTaskCompletedResponse* response);
  void GetWorkflowExecutionHistoryReverse(
      Call<wf::GetWorkflowExecutionHistoryReverseRequest,
           wf::GetWorkflowExecutionHistoryReverseResponse>* call,
      const wf::GetWorkflowExecutionHistoryReverseRequest* request,
      wf::GetWorkflowExecutionHistoryReverseResponse* response);
  // One partition per task queue and type (hdo's matching does not partition), owned by this
  // server's frontend address.
  void ListTaskQueuePartitions(
      Call<wf::ListTaskQueuePartitionsRequest, wf::ListTaskQueuePartitionsResponse>* call,
      const wf::ListTaskQueuePartitionsRequest* request,
      wf::ListTaskQueuePartitionsResponse* response);
  void GetClusterInfo(Call<wf::GetClusterInfoRequest, wf::GetClusterInfoResponse>* call,
                      const wf::GetClusterInfoRequest* request,
                      wf::GetClusterInfoResponse* response);
  void GetWorkflowExecutionHistory(
      Call<wf::GetWorkflowExecutionHistoryRequest, wf::GetWorkflowExecutionHistoryResponse>* call,
      const wf::GetWorkflowExecutionHistoryRequest* request,
      wf::GetWorkflowExecutionHistoryResponse* response);

  // --- Nexus tasks (workflow_handler.cc, next to the other polls)
  void PollNexusTaskQueue(Call<wf::PollNexusTaskQueueRequest, wf::PollNexusTaskQueueResponse>* call,
                          const wf::PollNexusTaskQueueRequest* request,
                          wf::PollNexusTaskQueueResponse* response);
  void RespondNexusTaskCompleted(
      Call<wf::RespondNexusTaskCompletedRequest, wf::RespondNexusTaskCompletedResponse>* call,
      const wf::RespondNexusTaskCompletedRequest* request,
      wf::RespondNexusTaskCompletedResponse* response);
  void RespondNexusTaskFailed(
      Call<wf::RespondNexusTaskFailedRequest, wf::RespondNexusTaskFailedResponse>* call,
      const wf::RespondNexusTaskFailedRequest* request,
      wf::RespondNexusTaskFailedResponse* response);

  void GetSystemInfo(Call<wf::GetSystemInfoRequest, wf::GetSystemInfoResponse>* call,
                     const wf::GetSystemInfoRequest* request, wf::GetSystemInfoResponse* response);

  void RegisterNamespace(Call<wf::RegisterNamespaceRequest, wf::RegisterNamespaceResponse>* call,
                         const wf::RegisterNamespaceRequest* request,
                         wf::RegisterNamespaceResponse* response);
  void DescribeNamespace(Call<wf::DescribeNamespaceRequest, wf::DescribeNamespaceResponse>* call,
                         const wf::DescribeNamespaceRequest* request,
                         wf::DescribeNamespaceResponse* response);
  void ListNamespaces(Call<wf::ListNamespacesRequest, wf::ListNamespacesResponse>* call,
                      const wf::ListNamespacesRequest* request,
                      wf::ListNamespacesResponse* response);
  void UpdateNamespace(Call<wf::UpdateNamespaceRequest, wf::UpdateNamespaceResponse>* call,
                       const wf::UpdateNamespaceRequest* request,
                       wf::UpdateNamespaceResponse* response);
  void DeprecateNamespace(Call<wf::DeprecateNamespaceRequest, wf::DeprecateNamespaceResponse>* call,
                          const wf::DeprecateNamespaceRequest* request,
                          wf::DeprecateNamespaceResponse* response);

  void TerminateWorkflowExecution(
      Call<wf::TerminateWorkflowExecutionRequest, wf::TerminateWorkflowExecutionResponse>* call,
      const wf::TerminateWorkflowExecutionRequest* request,
      wf::TerminateWorkflowExecutionResponse* response);
  // --- reset and delete
  void ResetWorkflowExecution(
      Call<wf::ResetWorkflowExecutionRequest, wf::ResetWorkflowExecutionResponse>* call,
      const wf::ResetWorkflowExecutionRequest* request,
      wf::ResetWorkflowExecutionResponse* response);
  void DeleteWorkflowExecution(
      Call<wf::DeleteWorkflowExecutionRequest, wf::DeleteWorkflowExecutionResponse>* call,
      const wf::DeleteWorkflowExecutionRequest* request,
      wf::DeleteWorkflowExecutionResponse* response);
  // --- end of reset and delete
  void ShutdownWorker(Call<wf::ShutdownWorkerRequest, wf::ShutdownWorkerResponse>* call,
                      const wf::ShutdownWorkerRequest* request,
                      wf::ShutdownWorkerResponse* response);

  void SignalWorkflowExecution(
      Call<wf::SignalWorkflowExecutionRequest, wf::SignalWorkflowExecutionResponse>* call,
      const wf::SignalWorkflowExecutionRequest* request,
      wf::SignalWorkflowExecutionResponse* response);
  void SignalWithStartWorkflowExecution(Call<wf::SignalWithStartWorkflowExecutionRequest,
                                             wf::SignalWithStartWorkflowExecutionResponse>* call,
                                        const wf::SignalWithStartWorkflowExecutionRequest* request,
                                        wf::SignalWithStartWorkflowExecutionResponse* response);
  void RequestCancelWorkflowExecution(Call<wf::RequestCancelWorkflowExecutionRequest,
                                           wf::RequestCancelWorkflowExecutionResponse>* call,
                                      const wf::RequestCancelWorkflowExecutionRequest* request,
                                      wf::RequestCancelWorkflowExecutionResponse* response);
  void DescribeWorkflowExecution(
      Call<wf::DescribeWorkflowExecutionRequest, wf::DescribeWorkflowExecutionResponse>* call,
      const wf::DescribeWorkflowExecutionRequest* request,
      wf::DescribeWorkflowExecutionResponse* response);
  void ResetStickyTaskQueue(
      Call<wf::ResetStickyTaskQueueRequest, wf::ResetStickyTaskQueueResponse>* call,
      const wf::ResetStickyTaskQueueRequest* request, wf::ResetStickyTaskQueueResponse* response);
  void RespondWorkflowTaskFailed(
      Call<wf::RespondWorkflowTaskFailedRequest, wf::RespondWorkflowTaskFailedResponse>* call,
      const wf::RespondWorkflowTaskFailedRequest* request,
      wf::RespondWorkflowTaskFailedResponse* response);
  void RecordActivityTaskHeartbeat(
      Call<wf::RecordActivityTaskHeartbeatRequest, wf::RecordActivityTaskHeartbeatResponse>* call,
      const wf::RecordActivityTaskHeartbeatRequest* request,
      wf::RecordActivityTaskHeartbeatResponse* response);
  void RecordActivityTaskHeartbeatById(Call<wf::RecordActivityTaskHeartbeatByIdRequest,
                                            wf::RecordActivityTaskHeartbeatByIdResponse>* call,
                                       const wf::RecordActivityTaskHeartbeatByIdRequest* request,
                                       wf::RecordActivityTaskHeartbeatByIdResponse* response);
  void RespondActivityTaskCompletedById(Call<wf::RespondActivityTaskCompletedByIdRequest,
                                             wf::RespondActivityTaskCompletedByIdResponse>* call,
                                        const wf::RespondActivityTaskCompletedByIdRequest* request,
                                        wf::RespondActivityTaskCompletedByIdResponse* response);
  void RespondActivityTaskFailed(
      Call<wf::RespondActivityTaskFailedRequest, wf::RespondActivityTaskFailedResponse>* call,
      const wf::RespondActivityTaskFailedRequest* request,
      wf::RespondActivityTaskFailedResponse* response);
  void RespondActivityTaskFailedById(Call<wf::RespondActivityTaskFailedByIdRequest,
                                          wf::RespondActivityTaskFailedByIdResponse>* call,
                                     const wf::RespondActivityTaskFailedByIdRequest* request,
                                     wf::RespondActivityTaskFailedByIdResponse* response);
  void RespondActivityTaskCanceled(
      Call<wf::RespondActivityTaskCanceledRequest, wf::RespondActivityTaskCanceledResponse>* call,
      const wf::RespondActivityTaskCanceledRequest* request,
      wf::RespondActivityTaskCanceledResponse* response);
  void RespondActivityTaskCanceledById(Call<wf::RespondActivityTaskCanceledByIdRequest,
                                            wf::RespondActivityTaskCanceledByIdResponse>* call,
                                       const wf::RespondActivityTaskCanceledByIdRequest* request,
                                       wf::RespondActivityTaskCanceledByIdResponse* response);
  void QueryWorkflow(Call<wf::QueryWorkflowRequest, wf::QueryWorkflowResponse>* call,
                     const wf::QueryWorkflowRequest* request, wf::QueryWorkflowResponse* response);
  void RespondQueryTaskCompleted(
      Call<wf::RespondQueryTaskCompletedRequest, wf::RespondQueryTaskCompletedResponse>* call,
      const wf::RespondQueryTaskCompletedRequest* request,
      wf::RespondQueryTaskCompletedResponse* response);
  // Updates (history/engine_update.cc).
  void UpdateWorkflowExecution(
      Call<wf::UpdateWorkflowExecutionRequest, wf::UpdateWorkflowExecutionResponse>* call,
      const wf::UpdateWorkflowExecutionRequest* request,
      wf::UpdateWorkflowExecutionResponse* response);
  void PollWorkflowExecutionUpdate(
      Call<wf::PollWorkflowExecutionUpdateRequest, wf::PollWorkflowExecutionUpdateResponse>* call,
      const wf::PollWorkflowExecutionUpdateRequest* request,
      wf::PollWorkflowExecutionUpdateResponse* response);
  void ExecuteMultiOperation(
      Call<wf::ExecuteMultiOperationRequest, wf::ExecuteMultiOperationResponse>* call,
      const wf::ExecuteMultiOperationRequest* request, wf::ExecuteMultiOperationResponse* response);
  void DescribeTaskQueue(Call<wf::DescribeTaskQueueRequest, wf::DescribeTaskQueueResponse>* call,
                         const wf::DescribeTaskQueueRequest* request,
                         wf::DescribeTaskQueueResponse* response);
  // Build-id versioning, v0.1/v0.2 (workflow_handler_build_ids.cc).
  void UpdateWorkerBuildIdCompatibility(Call<wf::UpdateWorkerBuildIdCompatibilityRequest,
                                             wf::UpdateWorkerBuildIdCompatibilityResponse>* call,
                                        const wf::UpdateWorkerBuildIdCompatibilityRequest* request,
                                        wf::UpdateWorkerBuildIdCompatibilityResponse* response);
  void GetWorkerBuildIdCompatibility(Call<wf::GetWorkerBuildIdCompatibilityRequest,
                                          wf::GetWorkerBuildIdCompatibilityResponse>* call,
                                     const wf::GetWorkerBuildIdCompatibilityRequest* request,
                                     wf::GetWorkerBuildIdCompatibilityResponse* response);
  void UpdateWorkerVersioningRules(
      Call<wf::UpdateWorkerVersioningRulesRequest, wf::UpdateWorkerVersioningRulesResponse>* call,
      const wf::UpdateWorkerVersioningRulesRequest* request,
      wf::UpdateWorkerVersioningRulesResponse* response);
  void GetWorkerVersioningRules(
      Call<wf::GetWorkerVersioningRulesRequest, wf::GetWorkerVersioningRulesResponse>* call,
      const wf::GetWorkerVersioningRulesRequest* request,
      wf::GetWorkerVersioningRulesResponse* response);
  void GetWorkerTaskReachability(
      Call<wf::GetWorkerTaskReachabilityRequest, wf::GetWorkerTaskReachabilityResponse>* call,
      const wf::GetWorkerTaskReachabilityRequest* request,
      wf::GetWorkerTaskReachabilityResponse* response);
  void UpdateTaskQueueConfig(
      Call<wf::UpdateTaskQueueConfigRequest, wf::UpdateTaskQueueConfigResponse>* call,
      const wf::UpdateTaskQueueConfigRequest* request, wf::UpdateTaskQueueConfigResponse* response);

  // Visibility (frontend/visibility.h).
  void ListWorkflowExecutions(
      Call<wf::ListWorkflowExecutionsRequest, wf::ListWorkflowExecutionsResponse>* call,
      const wf::ListWorkflowExecutionsRequest* request,
      wf::ListWorkflowExecutionsResponse* response);
  void ScanWorkflowExecutions(
      Call<wf::ScanWorkflowExecutionsRequest, wf::ScanWorkflowExecutionsResponse>* call,
      const wf::ScanWorkflowExecutionsRequest* request,
      wf::ScanWorkflowExecutionsResponse* response);
  void CountWorkflowExecutions(
      Call<wf::CountWorkflowExecutionsRequest, wf::CountWorkflowExecutionsResponse>* call,
      const wf::CountWorkflowExecutionsRequest* request,
      wf::CountWorkflowExecutionsResponse* response);
  void ListOpenWorkflowExecutions(
      Call<wf::ListOpenWorkflowExecutionsRequest, wf::ListOpenWorkflowExecutionsResponse>* call,
      const wf::ListOpenWorkflowExecutionsRequest* request,
      wf::ListOpenWorkflowExecutionsResponse* response);
  void ListClosedWorkflowExecutions(
      Call<wf::ListClosedWorkflowExecutionsRequest, wf::ListClosedWorkflowExecutionsResponse>* call,
      const wf::ListClosedWorkflowExecutionsRequest* request,
      wf::ListClosedWorkflowExecutionsResponse* response);
  void GetSearchAttributes(
      Call<wf::GetSearchAttributesRequest, wf::GetSearchAttributesResponse>* call,
      const wf::GetSearchAttributesRequest* request, wf::GetSearchAttributesResponse* response);

  // Schedules (worker/scheduler.h; workflow_handler_schedules.cc).
  void CreateSchedule(Call<wf::CreateScheduleRequest, wf::CreateScheduleResponse>* call,
                      const wf::CreateScheduleRequest* request,
                      wf::CreateScheduleResponse* response);
  void DescribeSchedule(Call<wf::DescribeScheduleRequest, wf::DescribeScheduleResponse>* call,
                        const wf::DescribeScheduleRequest* request,
                        wf::DescribeScheduleResponse* response);
  void UpdateSchedule(Call<wf::UpdateScheduleRequest, wf::UpdateScheduleResponse>* call,
                      const wf::UpdateScheduleRequest* request,
                      wf::UpdateScheduleResponse* response);
  void PatchSchedule(Call<wf::PatchScheduleRequest, wf::PatchScheduleResponse>* call,
                     const wf::PatchScheduleRequest* request, wf::PatchScheduleResponse* response);
  void DeleteSchedule(Call<wf::DeleteScheduleRequest, wf::DeleteScheduleResponse>* call,
                      const wf::DeleteScheduleRequest* request,
                      wf::DeleteScheduleResponse* response);
  void ListSchedules(Call<wf::ListSchedulesRequest, wf::ListSchedulesResponse>* call,
                     const wf::ListSchedulesRequest* request, wf::ListSchedulesResponse* response);
  void CountSchedules(Call<wf::CountSchedulesRequest, wf::CountSchedulesResponse>* call,
                      const wf::CountSchedulesRequest* request,
                      wf::CountSchedulesResponse* response);
  void ListScheduleMatchingTimes(
      Call<wf::ListScheduleMatchingTimesRequest, wf::ListScheduleMatchingTimesResponse>* call,
      const wf::ListScheduleMatchingTimesRequest* request,
      wf::ListScheduleMatchingTimesResponse* response);

  // Activity operator calls (history/engine_activity_ops.cc; workflow_handler_activity_ops.cc).
  void PauseActivity(Call<wf::PauseActivityRequest, wf::PauseActivityResponse>* call,
                     const wf::PauseActivityRequest* request, wf::PauseActivityResponse* response);
  void UnpauseActivity(Call<wf::UnpauseActivityRequest, wf::UnpauseActivityResponse>* call,
                       const wf::UnpauseActivityRequest* request,
                       wf::UnpauseActivityResponse* response);
  void ResetActivity(Call<wf::ResetActivityRequest, wf::ResetActivityResponse>* call,
                     const wf::ResetActivityRequest* request, wf::ResetActivityResponse* response);
  void UpdateActivityOptions(
      Call<wf::UpdateActivityOptionsRequest, wf::UpdateActivityOptionsResponse>* call,
      const wf::UpdateActivityOptionsRequest* request, wf::UpdateActivityOptionsResponse* response);
  void PauseActivityExecution(
      Call<wf::PauseActivityExecutionRequest, wf::PauseActivityExecutionResponse>* call,
      const wf::PauseActivityExecutionRequest* request,
      wf::PauseActivityExecutionResponse* response);
  void UnpauseActivityExecution(
      Call<wf::UnpauseActivityExecutionRequest, wf::UnpauseActivityExecutionResponse>* call,
      const wf::UnpauseActivityExecutionRequest* request,
      wf::UnpauseActivityExecutionResponse* response);
  void ResetActivityExecution(
      Call<wf::ResetActivityExecutionRequest, wf::ResetActivityExecutionResponse>* call,
      const wf::ResetActivityExecutionRequest* request,
      wf::ResetActivityExecutionResponse* response);
  void UpdateActivityExecutionOptions(Call<wf::UpdateActivityExecutionOptionsRequest,
                                           wf::UpdateActivityExecutionOptionsResponse>* call,
                                      const wf::UpdateActivityExecutionOptionsRequest* request,
                                      wf::UpdateActivityExecutionOptionsResponse* response);

  // Standalone activities (workflow_handler_standalone_activities.cc).
  void StartActivityExecution(
      Call<wf::StartActivityExecutionRequest, wf::StartActivityExecutionResponse>* call,
      const wf::StartActivityExecutionRequest* request,
      wf::StartActivityExecutionResponse* response);
  void DescribeActivityExecution(
      Call<wf::DescribeActivityExecutionRequest, wf::DescribeActivityExecutionResponse>* call,
      const wf::DescribeActivityExecutionRequest* request,
      wf::DescribeActivityExecutionResponse* response);
  void PollActivityExecution(
      Call<wf::PollActivityExecutionRequest, wf::PollActivityExecutionResponse>* call,
      const wf::PollActivityExecutionRequest* request, wf::PollActivityExecutionResponse* response);
  void RequestCancelActivityExecution(Call<wf::RequestCancelActivityExecutionRequest,
                                           wf::RequestCancelActivityExecutionResponse>* call,
                                      const wf::RequestCancelActivityExecutionRequest* request,
                                      wf::RequestCancelActivityExecutionResponse* response);
  void TerminateActivityExecution(
      Call<wf::TerminateActivityExecutionRequest, wf::TerminateActivityExecutionResponse>* call,
      const wf::TerminateActivityExecutionRequest* request,
      wf::TerminateActivityExecutionResponse* response);
  void DeleteActivityExecution(
      Call<wf::DeleteActivityExecutionRequest, wf::DeleteActivityExecutionResponse>* call,
      const wf::DeleteActivityExecutionRequest* request,
      wf::DeleteActivityExecutionResponse* response);
  void ListActivityExecutions(
      Call<wf::ListActivityExecutionsRequest, wf::ListActivityExecutionsResponse>* call,
      const wf::ListActivityExecutionsRequest* request,
      wf::ListActivityExecutionsResponse* response);
  void CountActivityExecutions(
      Call<wf::CountActivityExecutionsRequest, wf::CountActivityExecutionsResponse>* call,
      const wf::CountActivityExecutionsRequest* request,
      wf::CountActivityExecutionsResponse* response);

  // Standalone Nexus operations (workflow_handler_standalone_activities.cc, beside the
  // activities' long polls they share).
  void StartNexusOperationExecution(
      Call<wf::StartNexusOperationExecutionRequest, wf::StartNexusOperationExecutionResponse>* call,
      const wf::StartNexusOperationExecutionRequest* request,
      wf::StartNexusOperationExecutionResponse* response);
  void DescribeNexusOperationExecution(Call<wf::DescribeNexusOperationExecutionRequest,
                                            wf::DescribeNexusOperationExecutionResponse>* call,
                                       const wf::DescribeNexusOperationExecutionRequest* request,
                                       wf::DescribeNexusOperationExecutionResponse* response);
  void PollNexusOperationExecution(
      Call<wf::PollNexusOperationExecutionRequest, wf::PollNexusOperationExecutionResponse>* call,
      const wf::PollNexusOperationExecutionRequest* request,
      wf::PollNexusOperationExecutionResponse* response);
  void RequestCancelNexusOperationExecution(
      Call<wf::RequestCancelNexusOperationExecutionRequest,
           wf::RequestCancelNexusOperationExecutionResponse>* call,
      const wf::RequestCancelNexusOperationExecutionRequest* request,
      wf::RequestCancelNexusOperationExecutionResponse* response);
  void TerminateNexusOperationExecution(Call<wf::TerminateNexusOperationExecutionRequest,
                                             wf::TerminateNexusOperationExecutionResponse>* call,
                                        const wf::TerminateNexusOperationExecutionRequest* request,
                                        wf::TerminateNexusOperationExecutionResponse* response);
  void DeleteNexusOperationExecution(Call<wf::DeleteNexusOperationExecutionRequest,
                                          wf::DeleteNexusOperationExecutionResponse>* call,
                                     const wf::DeleteNexusOperationExecutionRequest* request,
                                     wf::DeleteNexusOperationExecutionResponse* response);
  void ListNexusOperationExecutions(
      Call<wf::ListNexusOperationExecutionsRequest, wf::ListNexusOperationExecutionsResponse>* call,
      const wf::ListNexusOperationExecutionsRequest* request,
      wf::ListNexusOperationExecutionsResponse* response);
  void CountNexusOperationExecutions(Call<wf::CountNexusOperationExecutionsRequest,
                                          wf::CountNexusOperationExecutionsResponse>* call,
                                     const wf::CountNexusOperationExecutionsRequest* request,
                                     wf::CountNexusOperationExecutionsResponse* response);

  // Worker deployments and versioning overrides (workflow_handler_deployments.cc).
  void DescribeWorkerDeployment(
      Call<wf::DescribeWorkerDeploymentRequest, wf::DescribeWorkerDeploymentResponse>* call,
      const wf::DescribeWorkerDeploymentRequest* request,
      wf::DescribeWorkerDeploymentResponse* response);
  void ListWorkerDeployments(
      Call<wf::ListWorkerDeploymentsRequest, wf::ListWorkerDeploymentsResponse>* call,
      const wf::ListWorkerDeploymentsRequest* request, wf::ListWorkerDeploymentsResponse* response);
  void DescribeWorkerDeploymentVersion(Call<wf::DescribeWorkerDeploymentVersionRequest,
                                            wf::DescribeWorkerDeploymentVersionResponse>* call,
                                       const wf::DescribeWorkerDeploymentVersionRequest* request,
                                       wf::DescribeWorkerDeploymentVersionResponse* response);
  void SetWorkerDeploymentCurrentVersion(
      Call<wf::SetWorkerDeploymentCurrentVersionRequest,
           wf::SetWorkerDeploymentCurrentVersionResponse>* call,
      const wf::SetWorkerDeploymentCurrentVersionRequest* request,
      wf::SetWorkerDeploymentCurrentVersionResponse* response);
  void SetWorkerDeploymentRampingVersion(
      Call<wf::SetWorkerDeploymentRampingVersionRequest,
           wf::SetWorkerDeploymentRampingVersionResponse>* call,
      const wf::SetWorkerDeploymentRampingVersionRequest* request,
      wf::SetWorkerDeploymentRampingVersionResponse* response);
  void DeleteWorkerDeploymentVersion(Call<wf::DeleteWorkerDeploymentVersionRequest,
                                          wf::DeleteWorkerDeploymentVersionResponse>* call,
                                     const wf::DeleteWorkerDeploymentVersionRequest* request,
                                     wf::DeleteWorkerDeploymentVersionResponse* response);
  void DeleteWorkerDeployment(
      Call<wf::DeleteWorkerDeploymentRequest, wf::DeleteWorkerDeploymentResponse>* call,
      const wf::DeleteWorkerDeploymentRequest* request,
      wf::DeleteWorkerDeploymentResponse* response);
  void UpdateWorkerDeploymentVersionMetadata(
      Call<wf::UpdateWorkerDeploymentVersionMetadataRequest,
           wf::UpdateWorkerDeploymentVersionMetadataResponse>* call,
      const wf::UpdateWorkerDeploymentVersionMetadataRequest* request,
      wf::UpdateWorkerDeploymentVersionMetadataResponse* response);
  void SetWorkerDeploymentManager(
      Call<wf::SetWorkerDeploymentManagerRequest, wf::SetWorkerDeploymentManagerResponse>* call,
      const wf::SetWorkerDeploymentManagerRequest* request,
      wf::SetWorkerDeploymentManagerResponse* response);
  void UpdateWorkflowExecutionOptions(Call<wf::UpdateWorkflowExecutionOptionsRequest,
                                           wf::UpdateWorkflowExecutionOptionsResponse>* call,
                                      const wf::UpdateWorkflowExecutionOptionsRequest* request,
                                      wf::UpdateWorkflowExecutionOptionsResponse* response);

  // Worker heartbeats (matching/worker_registry.h; workflow_handler_workers.cc).
  void RecordWorkerHeartbeat(
      Call<wf::RecordWorkerHeartbeatRequest, wf::RecordWorkerHeartbeatResponse>* call,
      const wf::RecordWorkerHeartbeatRequest* request, wf::RecordWorkerHeartbeatResponse* response);
  void ListWorkers(Call<wf::ListWorkersRequest, wf::ListWorkersResponse>* call,
                   const wf::ListWorkersRequest* request, wf::ListWorkersResponse* response);
  void CountWorkers(Call<wf::CountWorkersRequest, wf::CountWorkersResponse>* call,
                    const wf::CountWorkersRequest* request, wf::CountWorkersResponse* response);
  void DescribeWorker(Call<wf::DescribeWorkerRequest, wf::DescribeWorkerResponse>* call,
                      const wf::DescribeWorkerRequest* request,
                      wf::DescribeWorkerResponse* response);

  // Batch operations (worker/batcher.h; workflow_handler_batches.cc).
  void StartBatchOperation(
      Call<wf::StartBatchOperationRequest, wf::StartBatchOperationResponse>* call,
      const wf::StartBatchOperationRequest* request, wf::StartBatchOperationResponse* response);
  void StopBatchOperation(Call<wf::StopBatchOperationRequest, wf::StopBatchOperationResponse>* call,
                          const wf::StopBatchOperationRequest* request,
                          wf::StopBatchOperationResponse* response);
  void DescribeBatchOperation(
      Call<wf::DescribeBatchOperationRequest, wf::DescribeBatchOperationResponse>* call,
      const wf::DescribeBatchOperationRequest* request,
      wf::DescribeBatchOperationResponse* response);
  void ListBatchOperations(
      Call<wf::ListBatchOperationsRequest, wf::ListBatchOperationsResponse>* call,
      const wf::ListBatchOperationsRequest* request, wf::ListBatchOperationsResponse* response);

 private:
  // Runs `run()` (returning hugo::Result<Response>) on the store IO thread and finishes `reply`
  // (an AsyncUnary call, frontend/reply.h) there with the response or the error's
  // gRPC status. A request larger than kRequestBytesMax is refused first, on the calling thread.
  template <class Reply, class Response, class Run>
  void Serve(Reply* reply, const google::protobuf::Message* request, Response* response, Run run);
  // The common shape of a unary RPC on a namespace: `validate(request)` (pure), the namespace
  // resolved (`starts_run`: as a request that starts a run, which a deprecated namespace
  // refuses), then `run(namespace_id)` on the engine thread.
  template <class Reply, class Request, class Response, class Validate, class Run>
  void ServeOnNamespace(Reply* reply, const Request* request, Response* response, Validate validate,
                        Run run, bool starts_run = false);
  // Serves method `name` on `queue` with `serve`: `armed` calls wait for requests; for a waiting
  // call, `cancel(wait id)` runs on the engine thread when its client goes away.
  template <class Request, class Response>
  void Add(const std::string& name, grpc::ServerCompletionQueue* queue,
           void (WorkflowHandler::*serve)(Call<Request, Response>*, const Request*, Response*),
           int armed, void (WorkflowHandler::*cancel)(uint64_t) = nullptr);
  // Describe and Poll of a standalone activity: a wait on the engine finished from its answer
  // (workflow_handler_standalone_activities.cc).
  template <class Request, class Response, class Validate, class Wait>
  void ServeActivityWait(Call<Request, Response>* call, const Request* request, Response* response,
                         Validate validate, Wait wait_for);
  // DescribeTaskQueue's task_reachability of a build id ("" unversioned) on a queue
  // (workflow_handler_build_ids.cc).
  hugo::Result<temporal::api::enums::v1::BuildIdTaskReachability> BuildIdTaskReachability(
      const std::string& namespace_id, const std::string& namespace_name,
      const std::string& task_queue, const std::string& build_id);
  // The engine-thread ends of a wait whose client went away.
  void CancelPoll(uint64_t id);
  void CancelNexusPoll(uint64_t id);
  void CancelHistoryWait(uint64_t id);
  void CancelQuery(uint64_t id);
  void CancelUpdateWait(uint64_t id);
  void CancelActivityWait(uint64_t id);

  NamespaceHandler* namespaces_;
  history::Engine* engine_;
  matching::Matcher* matcher_;
  ClusterInfo cluster_;
  // Nexus tasks (engine thread only); null until SetNexusMatcher: Nexus polls are answered empty.
  matching::NexusMatcher* nexus_ = nullptr;
  WorkerDeployments* deployments_ = nullptr;
  TaskQueueConfigs* task_queue_configs_ = nullptr;
  BuildIdVersioning* build_ids_ = nullptr;
  Visibility* visibility_;
  worker::Scheduler* scheduler_;
  worker::Batcher* batcher_;
  asio::thread_pool* store_io_;
  persistence::Durability* durability_;
  // Ids of updates sent without one (used on the engine thread only).
  UuidGenerator update_ids_;
  // The newest heartbeat of each worker, per namespace.
  matching::WorkerRegistry workers_;
  CompletionQueueService<temporal::api::workflowservice::v1::WorkflowService::Service> service_;
  // The methods ServeAsync armed, alive as long as their calls, and their names.
  std::vector<std::shared_ptr<void>> methods_;
  std::set<std::string> served_;
};

}  // namespace hdo::frontend
