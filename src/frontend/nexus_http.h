// The frontend's Nexus HTTP API, as the reference serves it (temporal v1.29
// service/frontend/nexus_http_handler.go and nexus_handler.go, over nexus-rpc sdk-go's HTTP
// handler; components/nexusoperations/frontend/handler.go for completions):
//
//   POST /nexus/endpoints/{endpoint_id}/services/{service}/{operation}
//   POST /namespaces/{namespace}/task-queues/{task_queue}/nexus-services/{service}/{operation}
//     start an operation: handed as a Nexus task to a worker polling the endpoint's (or the
//     named) namespace and task queue (matching/nexus_matcher.h), and answered from the worker's
//     response: 200 with the result for a synchronous success, 201 with the operation token for
//     an asynchronous start, 424 with Nexus-Operation-State for an operation that failed or was
//     canceled, the status of a handler error's type with its failure, 520 when no worker
//     answered in time (Request-Timeout, at most Options::dispatch_timeout_max).
//   POST …/{service}/{operation}/cancel (token in Nexus-Operation-Token or ?token=), and
//   POST …/{service}/{operation}/{token}/cancel
//     cancel an operation: a cancel task; 202 once the worker accepted it.
//   GET  …/{service}/{operation}[/{token}][/result]: 501 (the reference does not implement them).
//   POST /namespaces/{namespace}/nexus/callback
//     an operation's completion, sent by its handler to the callback URL the caller gave it
//     (Nexus-Operation-State, the result or failure as the body, the callback token in
//     Temporal-Callback-Token): handed to history (Engine::CompleteNexusOperation), answered 200
//     once durable.
// Failures are Nexus failure JSON ({"message": …}) with the reference's statuses and messages.
// Endpoints with an external target are refused (400 "invalid endpoint target"), as the reference
// refuses them here.
//
// Owned by the server. Serve may be called from any thread (the HTTP listener's): it parses the
// request there and posts the rest to the engine thread, where the endpoint registry, the
// namespaces, the Nexus matcher and the engine live (Backend), and answers from there; a start
// answers seconds later, when the worker does. Stop runs on the engine thread. This object must
// outlive the engine thread's work (the server destroys it after joining that thread).
#pragma once

#include <asio/thread_pool.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http_message.h"
#include "frontend/nexus_codec.h"
#include "history/engine.h"
#include "hugo/result.h"
#include "matching/nexus_matcher.h"
#include "persistence/durability.h"
#include "temporal/api/nexus/v1/message.pb.h"

namespace hdo::frontend {

// The header that carries the callback token of a completion (reference: CallbackTokenHeader).
inline constexpr char kNexusCallbackTokenHeader[] = "Temporal-Callback-Token";
// Set on failures that come from the worker (handler and operation errors, its timeouts).
inline constexpr char kNexusFailureSourceHeader[] = "Temporal-Nexus-Failure-Source";

class NexusHttp {
 public:
  struct Options {
    // The longest a start or cancel waits for a worker's answer (reference: the matching client's
    // timeout); a shorter Request-Timeout header wins.
    std::chrono::milliseconds dispatch_timeout_max = std::chrono::seconds(60);
    // A request body at most (reference: rpc.MaxNexusAPIRequestBodyBytes); more is bad input.
    size_t request_body_bytes_max = size_t{2} * 1024 * 1024;
    // A start's input or a completion's result at most (reference: limit.blobSize.error).
    size_t payload_bytes_max = size_t{2} * 1024 * 1024;
    // A completion's operation token at most (reference:
    // component.nexusoperations.limit.operation.token.length).
    size_t operation_token_bytes_max = 4096;
  };
  // What the handler needs from the engine thread; every function is called there only.
  struct Backend {
    // The registered endpoint with that id; null when none (frontend::NexusEndpoints::ById).
    std::function<const temporal::api::nexus::v1::Endpoint*(std::string_view endpoint_id)>
        endpoint_by_id;
    // A namespace's id by name; kNamespaceNotFound when none (NamespaceHandler::ResolveId).
    std::function<hugo::Result<std::string>(const std::string& namespace_name)> namespace_id_of;
    matching::NexusMatcher* matcher = nullptr;
    // Engine::CompleteNexusOperation.
    std::function<hugo::Result<hugo::Unit>(const history::Engine::NexusCompletion& completion)>
        complete_operation;
    // Completions are answered once what they wrote is durable.
    persistence::Durability* durability = nullptr;
    // The time a request is scheduled at (Request.scheduled_time).
    std::function<google::protobuf::Timestamp()> now;
  };
  // Answers a request; called once, from the engine thread or the caller's.
  using Respond = std::function<void(http::Response response)>;

  NexusHttp(asio::thread_pool* engine_thread, Backend backend, Options options);
  NexusHttp(const NexusHttp&) = delete;
  NexusHttp& operator=(const NexusHttp&) = delete;

  // Serves a request for a path under /nexus/endpoints/ or /namespaces/ (any thread).
  void Serve(http::Request request, Respond respond);
  // From now on requests are answered 503 instead of dispatched (engine thread; the server is
  // shutting down and the matcher's pending tasks are being canceled).
  void Stop() { stopped_ = true; }

 private:
  struct Target;
  struct Operation;
  // The Nexus handler layer's routing of …/{service}/{operation}[…] (listener thread).
  static void RouteOperation(const std::vector<std::string>& rest, Operation* operation);
  void ServeOperation(Operation operation, Respond respond);
  void StartOperation(Operation operation, const Target& target, Respond respond);
  void CancelOperation(Operation operation, const Target& target, Respond respond);
  void ServeCompletion(http::Request request, std::string namespace_name, Respond respond);
  // The engine-thread half of a completion: the namespace, the limits, then the engine.
  void CompleteOperation(history::Engine::NexusCompletion completion, std::string namespace_name,
                         Respond respond);

  asio::thread_pool* engine_thread_;
  Backend backend_;
  Options options_;
  bool stopped_ = false;  // engine thread only
};

}  // namespace hdo::frontend
