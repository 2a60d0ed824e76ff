// The frontend's handler of temporal.api.workflowservice.v1.WorkflowService (gRPC's callback API,
// and its completion-queue API for the hot path's calls, AsyncMethods(): no thread is held while
// a call waits).
//
// Owned by the server; one instance serves every connection and is thread-safe (its own state is
// immutable after construction). Calls that touch the store are posted to the store IO executor,
// which finishes their reactors, so no gRPC thread waits on SQLite. RPCs that hdo does not
// implement yet are not registered here:
// they reach UnimplementedService, which answers UNIMPLEMENTED "method X not implemented", the
// wording the SDKs test for when they probe optional RPCs.
#pragma once

#include <google/protobuf/descriptor.h>

#include <asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/uuid.h"
#include "history/engine.h"
#include "persistence/durability.h"
#include "temporal/api/workflowservice/v1/service.grpc.pb.h"

namespace hdo::history {
class Engine;
}
namespace hdo::matching {
class Matcher;
}
namespace hdo::worker {
class Batcher;
class Scheduler;
}  // namespace hdo::worker

namespace hdo::frontend {

class NamespaceHandler;
class Visibility;

class WorkflowHandler final
    : public temporal::api::workflowservice::v1::WorkflowService::CallbackService {
 public:
  // `namespaces`, `engine` and `matcher` run only on `store_io` (the engine thread); all outlive
  // the handler's gRPC server.
  // Replies wait for `durability` (frontend/reply.h).
  WorkflowHandler(NamespaceHandler* namespaces, history::Engine* engine, matching::Matcher* matcher,
                  Visibility* visibility, worker::Scheduler* scheduler, worker::Batcher* batcher,
                  asio::thread_pool* store_io, persistence::Durability* durability);

  // The RPC names this handler answers; every other WorkflowService method is unimplemented.
  static const std::set<std::string>& ImplementedMethods();
  // The protobuf descriptor of WorkflowService (every RPC, in service.proto order).
  static const google::protobuf::ServiceDescriptor& Descriptor();

  // The calls of the hot path (AsyncMethods(): starts, polls, task completions, result waits)
  // are served on gRPC's completion-queue API (frontend/async_unary.h), every other one on the
  // callback API. Arms those methods' calls on `queue`; call once, after the server started,
  // and run RunCompletionQueue on the queue's threads.
  static const std::set<std::string>& AsyncMethods();
  void ServeAsync(grpc::ServerCompletionQueue* queue);
  // A completion-queue thread: takes and runs the queue's tags until it is shut down and drained.
  static void RunCompletionQueue(grpc::ServerCompletionQueue* queue);

  grpc::ServerUnaryReactor* GetSystemInfo(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::GetSystemInfoRequest* request,
      temporal::api::workflowservice::v1::GetSystemInfoResponse* response) override;

  grpc::ServerUnaryReactor* RegisterNamespace(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::RegisterNamespaceRequest* request,
      temporal::api::workflowservice::v1::RegisterNamespaceResponse* response) override;
  grpc::ServerUnaryReactor* DescribeNamespace(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::DescribeNamespaceRequest* request,
      temporal::api::workflowservice::v1::DescribeNamespaceResponse* response) override;
  grpc::ServerUnaryReactor* ListNamespaces(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::ListNamespacesRequest* request,
      temporal::api::workflowservice::v1::ListNamespacesResponse* response) override;
  grpc::ServerUnaryReactor* UpdateNamespace(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::UpdateNamespaceRequest* request,
      temporal::api::workflowservice::v1::UpdateNamespaceResponse* response) override;

  grpc::ServerUnaryReactor* TerminateWorkflowExecution(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::TerminateWorkflowExecutionRequest* request,
      temporal::api::workflowservice::v1::TerminateWorkflowExecutionResponse* response) override;
  // --- reset and delete
  grpc::ServerUnaryReactor* ResetWorkflowExecution(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::ResetWorkflowExecutionRequest* request,
      temporal::api::workflowservice::v1::ResetWorkflowExecutionResponse* response) override;
  grpc::ServerUnaryReactor* DeleteWorkflowExecution(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::DeleteWorkflowExecutionRequest* request,
      temporal::api::workflowservice::v1::DeleteWorkflowExecutionResponse* response) override;
  // --- end of reset and delete
  grpc::ServerUnaryReactor* ShutdownWorker(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::ShutdownWorkerRequest* request,
      temporal::api::workflowservice::v1::ShutdownWorkerResponse* response) override;

  grpc::ServerUnaryReactor* SignalWorkflowExecution(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::SignalWorkflowExecutionRequest* request,
      temporal::api::workflowservice::v1::SignalWorkflowExecutionResponse* response) override;
  grpc::ServerUnaryReactor* SignalWithStartWorkflowExecution(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::SignalWithStartWorkflowExecutionRequest* request,
      temporal::api::workflowservice::v1::SignalWithStartWorkflowExecutionResponse* response)
      override;
  grpc::ServerUnaryReactor* RequestCancelWorkflowExecution(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::RequestCancelWorkflowExecutionRequest* request,
      temporal::api::workflowservice::v1::RequestCancelWorkflowExecutionResponse* response)
      override;
  grpc::ServerUnaryReactor* DescribeWorkflowExecution(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::DescribeWorkflowExecutionRequest* request,
      temporal::api::workflowservice::v1::DescribeWorkflowExecutionResponse* response) override;
  grpc::ServerUnaryReactor* ResetStickyTaskQueue(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::ResetStickyTaskQueueRequest* request,
      temporal::api::workflowservice::v1::ResetStickyTaskQueueResponse* response) override;
  grpc::ServerUnaryReactor* RespondWorkflowTaskFailed(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::RespondWorkflowTaskFailedRequest* request,
      temporal::api::workflowservice::v1::RespondWorkflowTaskFailedResponse* response) override;
  grpc::ServerUnaryReactor* RecordActivityTaskHeartbeat(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::RecordActivityTaskHeartbeatRequest* request,
      temporal::api::workflowservice::v1::RecordActivityTaskHeartbeatResponse* response) override;
  grpc::ServerUnaryReactor* RecordActivityTaskHeartbeatById(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::RecordActivityTaskHeartbeatByIdRequest* request,
      temporal::api::workflowservice::v1::RecordActivityTaskHeartbeatByIdResponse* response)
      override;
  grpc::ServerUnaryReactor* RespondActivityTaskCompletedById(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::RespondActivityTaskCompletedByIdRequest* request,
      temporal::api::workflowservice::v1::RespondActivityTaskCompletedByIdResponse* response)
      override;
  grpc::ServerUnaryReactor* RespondActivityTaskFailed(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::RespondActivityTaskFailedRequest* request,
      temporal::api::workflowservice::v1::RespondActivityTaskFailedResponse* response) override;
  grpc::ServerUnaryReactor* RespondActivityTaskFailedById(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::RespondActivityTaskFailedByIdRequest* request,
      temporal::api::workflowservice::v1::RespondActivityTaskFailedByIdResponse* response) override;
  grpc::ServerUnaryReactor* RespondActivityTaskCanceled(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::RespondActivityTaskCanceledRequest* request,
      temporal::api::workflowservice::v1::RespondActivityTaskCanceledResponse* response) override;
  grpc::ServerUnaryReactor* RespondActivityTaskCanceledById(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::RespondActivityTaskCanceledByIdRequest* request,
      temporal::api::workflowservice::v1::RespondActivityTaskCanceledByIdResponse* response)
      override;
  grpc::ServerUnaryReactor* QueryWorkflow(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::QueryWorkflowRequest* request,
      temporal::api::workflowservice::v1::QueryWorkflowResponse* response) override;
  grpc::ServerUnaryReactor* RespondQueryTaskCompleted(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::RespondQueryTaskCompletedRequest* request,
      temporal::api::workflowservice::v1::RespondQueryTaskCompletedResponse* response) override;
  // Updates (history/engine_update.cc).
  grpc::ServerUnaryReactor* UpdateWorkflowExecution(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::UpdateWorkflowExecutionRequest* request,
      temporal::api::workflowservice::v1::UpdateWorkflowExecutionResponse* response) override;
  grpc::ServerUnaryReactor* PollWorkflowExecutionUpdate(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::PollWorkflowExecutionUpdateRequest* request,
      temporal::api::workflowservice::v1::PollWorkflowExecutionUpdateResponse* response) override;
  grpc::ServerUnaryReactor* ExecuteMultiOperation(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::ExecuteMultiOperationRequest* request,
      temporal::api::workflowservice::v1::ExecuteMultiOperationResponse* response) override;
  grpc::ServerUnaryReactor* DescribeTaskQueue(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::DescribeTaskQueueRequest* request,
      temporal::api::workflowservice::v1::DescribeTaskQueueResponse* response) override;

  // Visibility (frontend/visibility.h).
  grpc::ServerUnaryReactor* ListWorkflowExecutions(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::ListWorkflowExecutionsRequest* request,
      temporal::api::workflowservice::v1::ListWorkflowExecutionsResponse* response) override;
  grpc::ServerUnaryReactor* ScanWorkflowExecutions(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::ScanWorkflowExecutionsRequest* request,
      temporal::api::workflowservice::v1::ScanWorkflowExecutionsResponse* response) override;
  grpc::ServerUnaryReactor* CountWorkflowExecutions(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::CountWorkflowExecutionsRequest* request,
      temporal::api::workflowservice::v1::CountWorkflowExecutionsResponse* response) override;
  grpc::ServerUnaryReactor* ListOpenWorkflowExecutions(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::ListOpenWorkflowExecutionsRequest* request,
      temporal::api::workflowservice::v1::ListOpenWorkflowExecutionsResponse* response) override;
  grpc::ServerUnaryReactor* ListClosedWorkflowExecutions(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::ListClosedWorkflowExecutionsRequest* request,
      temporal::api::workflowservice::v1::ListClosedWorkflowExecutionsResponse* response) override;
  grpc::ServerUnaryReactor* GetSearchAttributes(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::GetSearchAttributesRequest* request,
      temporal::api::workflowservice::v1::GetSearchAttributesResponse* response) override;

  // Schedules (worker/scheduler.h; workflow_handler_schedules.cc).
  grpc::ServerUnaryReactor* CreateSchedule(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::CreateScheduleRequest* request,
      temporal::api::workflowservice::v1::CreateScheduleResponse* response) override;
  grpc::ServerUnaryReactor* DescribeSchedule(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::DescribeScheduleRequest* request,
      temporal::api::workflowservice::v1::DescribeScheduleResponse* response) override;
  grpc::ServerUnaryReactor* UpdateSchedule(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::UpdateScheduleRequest* request,
      temporal::api::workflowservice::v1::UpdateScheduleResponse* response) override;
  grpc::ServerUnaryReactor* PatchSchedule(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::PatchScheduleRequest* request,
      temporal::api::workflowservice::v1::PatchScheduleResponse* response) override;
  grpc::ServerUnaryReactor* DeleteSchedule(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::DeleteScheduleRequest* request,
      temporal::api::workflowservice::v1::DeleteScheduleResponse* response) override;
  grpc::ServerUnaryReactor* ListSchedules(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::ListSchedulesRequest* request,
      temporal::api::workflowservice::v1::ListSchedulesResponse* response) override;
  grpc::ServerUnaryReactor* ListScheduleMatchingTimes(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::ListScheduleMatchingTimesRequest* request,
      temporal::api::workflowservice::v1::ListScheduleMatchingTimesResponse* response) override;

  // Activity operator calls (history/engine_activity_ops.cc; workflow_handler_activity_ops.cc).
  grpc::ServerUnaryReactor* PauseActivity(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::PauseActivityRequest* request,
      temporal::api::workflowservice::v1::PauseActivityResponse* response) override;
  grpc::ServerUnaryReactor* UnpauseActivity(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::UnpauseActivityRequest* request,
      temporal::api::workflowservice::v1::UnpauseActivityResponse* response) override;
  grpc::ServerUnaryReactor* ResetActivity(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::ResetActivityRequest* request,
      temporal::api::workflowservice::v1::ResetActivityResponse* response) override;
  grpc::ServerUnaryReactor* UpdateActivityOptions(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::UpdateActivityOptionsRequest* request,
      temporal::api::workflowservice::v1::UpdateActivityOptionsResponse* response) override;

  // Batch operations (worker/batcher.h; workflow_handler_batches.cc).
  grpc::ServerUnaryReactor* StartBatchOperation(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::StartBatchOperationRequest* request,
      temporal::api::workflowservice::v1::StartBatchOperationResponse* response) override;
  grpc::ServerUnaryReactor* StopBatchOperation(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::StopBatchOperationRequest* request,
      temporal::api::workflowservice::v1::StopBatchOperationResponse* response) override;
  grpc::ServerUnaryReactor* DescribeBatchOperation(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::DescribeBatchOperationRequest* request,
      temporal::api::workflowservice::v1::DescribeBatchOperationResponse* response) override;
  grpc::ServerUnaryReactor* ListBatchOperations(
      grpc::CallbackServerContext* context,
      const temporal::api::workflowservice::v1::ListBatchOperationsRequest* request,
      temporal::api::workflowservice::v1::ListBatchOperationsResponse* response) override;

 private:
  // Runs `run()` (returning hugo::Result<Response>) on the store IO thread and finishes `reply`
  // (a reactor or an AsyncUnary call, frontend/reply.h) there with the response or the error's
  // gRPC status. A request larger than kRequestBytesMax is refused first, on the calling thread.
  template <class Reply, class Response, class Run>
  void Serve(Reply* reply, const google::protobuf::Message* request, Response* response, Run run);
  // The common shape of a unary RPC on a namespace: `validate(request)` (pure), the namespace
  // resolved, then `run(namespace_id)` on the engine thread.
  template <class Reply, class Request, class Response, class Validate, class Run>
  void ServeOnNamespace(Reply* reply, const Request* request, Response* response, Validate validate,
                        Run run);
  // One AsyncMethods() method on `queue`: `serve(AsyncUnary<Request, Response>*)` for each call;
  // `cancel(wait id)` on the engine thread for a waiting call whose client went away.
  template <class Request, class Response, class ServeCall>
  void ServeAsyncMethod(const std::string& name, grpc::ServerCompletionQueue* queue,
                        ServeCall serve, std::function<void(uint64_t)> cancel = {});
  // Serve and ServeOnNamespace for a callback API call: its default reactor.
  template <class Response, class Call>
  grpc::ServerUnaryReactor* OnStore(grpc::CallbackServerContext* context,
                                    const google::protobuf::Message* request, Response* response,
                                    Call call);
  template <class Request, class Response, class Validate, class Call>
  grpc::ServerUnaryReactor* OnNamespace(grpc::CallbackServerContext* context,
                                        const Request* request, Response* response,
                                        Validate validate, Call call);

  NamespaceHandler* namespaces_;
  history::Engine* engine_;
  matching::Matcher* matcher_;
  Visibility* visibility_;
  worker::Scheduler* scheduler_;
  worker::Batcher* batcher_;
  asio::thread_pool* store_io_;
  persistence::Durability* durability_;
  // Ids of updates sent without one (used on the engine thread only).
  UuidGenerator update_ids_;
  // The AsyncUnary methods (ServeAsync), alive as long as their calls.
  std::vector<std::shared_ptr<void>> async_methods_;
};

}  // namespace hdo::frontend
