#include "frontend/workflow_handler.h"

#include <google/protobuf/generated_message_reflection.h>

#include <algorithm>
#include <asio/post.hpp>
#include <atomic>
#include <cstdlib>

#include "common/uuid.h"
#include "common/version.h"
#include "frontend/errors.h"
#include "frontend/namespace_handler.h"
#include "frontend/validation.h"
#include "history/engine.h"
#include "matching/matcher.h"
#include "temporal/api/workflowservice/v1/service.pb.h"

namespace hdo::frontend {

namespace wf = temporal::api::workflowservice::v1;

WorkflowHandler::WorkflowHandler(NamespaceHandler* namespaces, history::Engine* engine,
                                 matching::Matcher* matcher, asio::thread_pool* store_io)
    : namespaces_(namespaces), engine_(engine), matcher_(matcher), store_io_(store_io) {
  // The generated service registers a handler for every RPC, in the order of service.proto.
  // Methods we do not implement are marked generic, i.e. left unregistered, so that the server's
  // generic service answers them with the wording SDKs expect (an unregistered method would
  // otherwise get an UNIMPLEMENTED with an empty message).
  const google::protobuf::ServiceDescriptor& service = Descriptor();
  for (int i = 0; i < service.method_count(); ++i) {
    if (ImplementedMethods().count(service.method(i)->name()) == 0) {
      MarkMethodGeneric(i);
    }
  }
}

const std::set<std::string>& WorkflowHandler::ImplementedMethods() {
  static const std::set<std::string> methods = {"GetSystemInfo",
                                                "RegisterNamespace",
                                                "DescribeNamespace",
                                                "ListNamespaces",
                                                "UpdateNamespace",
                                                "StartWorkflowExecution",
                                                "PollWorkflowTaskQueue",
                                                "PollActivityTaskQueue",
                                                "RespondWorkflowTaskCompleted",
                                                "ShutdownWorker",
                                                "TerminateWorkflowExecution",
                                                "GetWorkflowExecutionHistory"};
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

grpc::ServerUnaryReactor* WorkflowHandler::GetSystemInfo(
    grpc::CallbackServerContext* context, const wf::GetSystemInfoRequest* /*request*/,
    wf::GetSystemInfoResponse* response) {
  response->set_server_version(std::string(Version()));
  // Only capabilities hdo really implements are advertised (SDKs change behaviour on each one);
  // the message itself is always present.
  response->mutable_capabilities();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace hdo::frontend

namespace hdo::frontend {

template <class Response, class Call>
grpc::ServerUnaryReactor* WorkflowHandler::OnStore(grpc::CallbackServerContext* context,
                                                   Response* response, Call call) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // The request and response live until Finish, so the posted work may use them.
  asio::post(*store_io_, [reactor, response, call = std::move(call)]() mutable {
    auto result = call();
    if (result.IsFailure()) {
      reactor->Finish(ToGrpcStatus(result.Error()));
      return;
    }
    *response = std::move(result).Value();
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* WorkflowHandler::RegisterNamespace(
    grpc::CallbackServerContext* context, const wf::RegisterNamespaceRequest* request,
    wf::RegisterNamespaceResponse* response) {
  return OnStore(context, response, [this, request] { return namespaces_->Register(*request); });
}

grpc::ServerUnaryReactor* WorkflowHandler::DescribeNamespace(
    grpc::CallbackServerContext* context, const wf::DescribeNamespaceRequest* request,
    wf::DescribeNamespaceResponse* response) {
  return OnStore(context, response, [this, request] { return namespaces_->Describe(*request); });
}

grpc::ServerUnaryReactor* WorkflowHandler::ListNamespaces(grpc::CallbackServerContext* context,
                                                          const wf::ListNamespacesRequest* request,
                                                          wf::ListNamespacesResponse* response) {
  return OnStore(context, response, [this, request] { return namespaces_->List(*request); });
}

grpc::ServerUnaryReactor* WorkflowHandler::UpdateNamespace(
    grpc::CallbackServerContext* context, const wf::UpdateNamespaceRequest* request,
    wf::UpdateNamespaceResponse* response) {
  return OnStore(context, response, [this, request] { return namespaces_->Update(*request); });
}

}  // namespace hdo::frontend

namespace hdo::frontend {
namespace {

// How long a poll may wait: the matching long-poll window, ending a second before the client's
// deadline so the empty answer arrives before the client gives up (reference: longPollTailRoom).
std::chrono::milliseconds PollWait(const grpc::CallbackServerContext* context) {
  constexpr std::chrono::milliseconds kTailRoom = std::chrono::seconds(1);
  constexpr std::chrono::milliseconds kLongPoll = std::chrono::seconds(60);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      context->deadline() - std::chrono::system_clock::now());
  return std::clamp(left - kTailRoom, std::chrono::milliseconds(0), kLongPoll);
}

// A long poll's reactor: finished once by matching; a client that goes away cancels the parked
// poll so it does not hold a task for nobody.
class PollReactor final : public grpc::ServerUnaryReactor {
 public:
  PollReactor(matching::Matcher* matcher, asio::thread_pool* engine_thread)
      : matcher_(matcher), engine_thread_(engine_thread) {}
  void SetPollId(uint64_t poll_id) { poll_id_.store(poll_id); }
  void OnCancel() override {
    asio::post(*engine_thread_, [matcher = matcher_, poll_id = poll_id_.load()] {
      if (poll_id != 0) matcher->CancelPoll(poll_id);
    });
  }
  void OnDone() override { delete this; }

 private:
  matching::Matcher* matcher_;
  asio::thread_pool* engine_thread_;
  std::atomic<uint64_t> poll_id_{0};
};

}  // namespace

grpc::ServerUnaryReactor* WorkflowHandler::StartWorkflowExecution(
    grpc::CallbackServerContext* context, const wf::StartWorkflowExecutionRequest* request,
    wf::StartWorkflowExecutionResponse* response) {
  return OnStore(context, response,
                 [this, request]() -> hugo::Result<wf::StartWorkflowExecutionResponse> {
                   auto valid = ValidateStartWorkflow(*request);
                   if (valid.IsFailure()) return valid.Error();
                   auto namespace_id = namespaces_->ResolveId(request->namespace_());
                   if (namespace_id.IsFailure()) return namespace_id.Error();
                   return engine_->StartWorkflow(namespace_id.Value(), *request);
                 });
}

grpc::ServerUnaryReactor* WorkflowHandler::RespondWorkflowTaskCompleted(
    grpc::CallbackServerContext* context, const wf::RespondWorkflowTaskCompletedRequest* request,
    wf::RespondWorkflowTaskCompletedResponse* response) {
  return OnStore(context, response,
                 [this, request]() -> hugo::Result<wf::RespondWorkflowTaskCompletedResponse> {
                   auto namespace_id = namespaces_->ResolveId(request->namespace_());
                   if (namespace_id.IsFailure()) return namespace_id.Error();
                   return engine_->CompleteWorkflowTask(namespace_id.Value(), *request);
                 });
}

grpc::ServerUnaryReactor* WorkflowHandler::TerminateWorkflowExecution(
    grpc::CallbackServerContext* context, const wf::TerminateWorkflowExecutionRequest* request,
    wf::TerminateWorkflowExecutionResponse* response) {
  return OnStore(context, response,
                 [this, request]() -> hugo::Result<wf::TerminateWorkflowExecutionResponse> {
                   auto valid = ValidateExecution(request->workflow_execution());
                   if (valid.IsFailure()) return valid.Error();
                   if (!request->first_execution_run_id().empty() &&
                       !IsUuid(request->first_execution_run_id())) {
                     return InvalidArgument("Invalid FirstExecutionRunId.");
                   }
                   if (request->identity().size() > kIdLengthMax) {
                     return InvalidArgument("Identity length exceeds limit.");
                   }
                   auto namespace_id = namespaces_->ResolveId(request->namespace_());
                   if (namespace_id.IsFailure()) return namespace_id.Error();
                   return engine_->Terminate(namespace_id.Value(), *request);
                 });
}

grpc::ServerUnaryReactor* WorkflowHandler::ShutdownWorker(
    grpc::CallbackServerContext* context, const wf::ShutdownWorkerRequest* /*request*/,
    wf::ShutdownWorkerResponse* /*response*/) {
  // hdo schedules no task on sticky queues yet, so a stopping worker leaves nothing to unload.
  auto* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

// Shared by the poll RPCs: validate on the engine thread, then park through `poll(namespace_id,
// wait, done)`, which returns the poll id (0 when answered at once).
template <class Request, class Response, class Poll>
grpc::ServerUnaryReactor* StartPoll(grpc::CallbackServerContext* context, const Request* request,
                                    Response* response, NamespaceHandler* namespaces,
                                    matching::Matcher* matcher, asio::thread_pool* engine_thread,
                                    Poll poll) {
  auto* reactor = new PollReactor(matcher, engine_thread);
  auto wait = PollWait(context);
  asio::post(*engine_thread, [=, poll = std::move(poll)] {
    auto queue_ok = ValidateTaskQueue(request->task_queue());
    auto namespace_id = namespaces->ResolveId(request->namespace_());
    if (queue_ok.IsFailure() || namespace_id.IsFailure()) {
      reactor->Finish(ToGrpcStatus(queue_ok.IsFailure() ? queue_ok.Error() : namespace_id.Error()));
      return;
    }
    uint64_t poll_id = poll(namespace_id.Value(), wait, [reactor, response](Response task) {
      *response = std::move(task);
      reactor->Finish(grpc::Status::OK);
    });
    // 0: answered at once, and the reactor may already be gone. A parked poll is finished only on
    // this thread, so its reactor is alive here.
    if (poll_id != 0) reactor->SetPollId(poll_id);
  });
  return reactor;
}

grpc::ServerUnaryReactor* WorkflowHandler::PollWorkflowTaskQueue(
    grpc::CallbackServerContext* context, const wf::PollWorkflowTaskQueueRequest* request,
    wf::PollWorkflowTaskQueueResponse* response) {
  // Sticky queues are polled like any queue; nothing is scheduled on them yet.
  return StartPoll(context, request, response, namespaces_, matcher_, store_io_,
                   [this, request](const std::string& namespace_id, std::chrono::milliseconds wait,
                                   std::function<void(wf::PollWorkflowTaskQueueResponse)> done) {
                     return matcher_->PollWorkflowTask(namespace_id, request->task_queue().name(),
                                                       request->identity(), wait, std::move(done));
                   });
}

grpc::ServerUnaryReactor* WorkflowHandler::PollActivityTaskQueue(
    grpc::CallbackServerContext* context, const wf::PollActivityTaskQueueRequest* request,
    wf::PollActivityTaskQueueResponse* response) {
  return StartPoll(context, request, response, namespaces_, matcher_, store_io_,
                   [this, request](const std::string& namespace_id, std::chrono::milliseconds wait,
                                   std::function<void(wf::PollActivityTaskQueueResponse)> done) {
                     return matcher_->PollActivityTask(namespace_id, request->task_queue().name(),
                                                       wait, std::move(done));
                   });
}

grpc::ServerUnaryReactor* WorkflowHandler::GetWorkflowExecutionHistory(
    grpc::CallbackServerContext* context, const wf::GetWorkflowExecutionHistoryRequest* request,
    wf::GetWorkflowExecutionHistoryResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  asio::post(*store_io_, [this, reactor, request, response] {
    auto valid = ValidateExecution(request->execution());
    auto namespace_id = valid.IsSuccess() ? namespaces_->ResolveId(request->namespace_())
                                          : hugo::Result<std::string>(valid.Error());
    if (namespace_id.IsFailure()) {
      reactor->Finish(ToGrpcStatus(namespace_id.Error()));
      return;
    }
    engine_->GetHistory(
        namespace_id.Value(), *request,
        [reactor, response](hugo::Result<wf::GetWorkflowExecutionHistoryResponse> result) {
          if (result.IsFailure()) {
            reactor->Finish(ToGrpcStatus(result.Error()));
            return;
          }
          *response = std::move(result).Value();
          reactor->Finish(grpc::Status::OK);
        });
  });
  return reactor;
}

}  // namespace hdo::frontend
