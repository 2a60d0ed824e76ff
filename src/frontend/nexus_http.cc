#include "frontend/nexus_http.h"

#include <grpcpp/support/status.h>

#include <algorithm>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "common/error_codes.h"
#include "common/log.h"
#include "frontend/errors.h"
#include "frontend/store_queue.h"

namespace hdo::frontend {
namespace {

namespace nexus_pb = temporal::api::nexus::v1;
using Outcome = matching::NexusMatcher::Outcome;

constexpr char kContentTypeJson[] = "application/json";

// A Nexus failure answer: the failure as JSON (500 without a body when it cannot be written, as
// the reference answers).
http::Response FailureResponse(int status, const NexusFailure& failure) {
  http::Response response;
  auto json = NexusFailureJson(failure);
  if (json.IsFailure()) {
    log::Warn("nexus failure not serializable", {{"error", json.Error().Message()}});
    response.status = 500;
    response.content_type.clear();
    return response;
  }
  response.status = status;
  response.content_type = kContentTypeJson;
  response.body = std::move(json).Value();
  return response;
}

http::Response MessageResponse(int status, std::string message) {
  NexusFailure failure;
  failure.message = std::move(message);
  return FailureResponse(status, failure);
}

// A status without a body (202, a 500 the reference answers bare).
http::Response EmptyResponse(int status) {
  http::Response response;
  response.status = status;
  response.content_type.clear();
  return response;
}

// The status of a Nexus handler error type; 0 for a type the Nexus spec does not define.
int HandlerErrorStatus(std::string_view type) {
  if (type == "BAD_REQUEST") return 400;
  if (type == "UNAUTHENTICATED") return 401;
  if (type == "UNAUTHORIZED") return 403;
  if (type == "NOT_FOUND") return 404;
  if (type == "RESOURCE_EXHAUSTED") return 429;
  if (type == "INTERNAL") return 500;
  if (type == "NOT_IMPLEMENTED") return 501;
  if (type == "UNAVAILABLE") return 503;
  if (type == "UPSTREAM_TIMEOUT") return 520;
  return 0;
}

// An hdo error as the reference answers a gRPC error of its own (commonnexus.ConvertGRPCError):
// the handler error of its code, with its message when `expose`, else a fixed one.
http::Response ErrorResponse(const hugo::Error& error, bool expose) {
  const grpc::Status status = ToGrpcStatus(error);
  auto answer = [&](int http_status, const char* fixed) {
    return MessageResponse(http_status, expose ? error.Message() : std::string(fixed));
  };
  switch (status.error_code()) {
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return answer(400, "bad request");
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::UNAVAILABLE:
      return answer(503, "service unavailable");
    case grpc::StatusCode::CANCELLED:
      return answer(500, "canceled");
    case grpc::StatusCode::UNAUTHENTICATED:
      return answer(401, "authentication failed");
    case grpc::StatusCode::PERMISSION_DENIED:
      return answer(403, "permission denied");
    case grpc::StatusCode::NOT_FOUND:
      return answer(404, "not found");
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return answer(429, "resource exhausted");
    case grpc::StatusCode::UNIMPLEMENTED:
      return answer(501, "not implemented");
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return answer(520, "request timeout");
    default:
      return answer(500, "internal error");
  }
}

// Go's %q of a header value (ASCII).
std::string Quoted(std::string_view text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  return quoted + "\"";
}

void MarkFromWorker(http::Response* response) {
  response->SetHeader(kNexusFailureSourceHeader, "worker");
}

// A handler error a worker answered (reference: convertOutcomeToNexusHandlerError and the SDK's
// writeFailure).
http::Response HandlerErrorResponse(const nexus_pb::HandlerError& error) {
  const int status = HandlerErrorStatus(error.error_type());
  http::Response response;
  if (status == 0) {
    log::Warn("nexus worker answered an unknown handler error type",
              {{"error_type", error.error_type()}});
    response = MessageResponse(500, "internal error");
  } else {
    response = FailureResponse(status, NexusFailureFromProto(error.failure()));
  }
  if (response.content_type.empty()) return response;  // not serializable: bare 500
  switch (error.retry_behavior()) {
    case temporal::api::enums::v1::NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_RETRYABLE:
      if (status != 0) response.SetHeader("Nexus-Request-Retryable", "true");
      break;
    case temporal::api::enums::v1::NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_NON_RETRYABLE:
      if (status != 0) response.SetHeader("Nexus-Request-Retryable", "false");
      break;
    default:
      break;
  }
  return response;
}

void AddLinks(const google::protobuf::RepeatedPtrField<nexus_pb::Link>& links,
              http::Response* response) {
  for (const nexus_pb::Link& link : links) {
    auto encoded = EncodeNexusLink({link.url(), link.type()});
    if (encoded.IsFailure()) {
      // Links are not essential to the operation (as the reference treats an unparsable one).
      log::Warn("nexus link dropped", {{"url", link.url()}, {"error", encoded.Error().Message()}});
      continue;
    }
    response->AddHeader("Nexus-Link", std::move(encoded).Value());
  }
}

// An operation that ended failed or canceled at its start.
http::Response OperationErrorResponse(const std::string& state, const NexusFailure& failure) {
  if (state != "failed" && state != "canceled") {
    log::Warn("nexus worker answered an unexpected operation state", {{"state", state}});
    return EmptyResponse(500);
  }
  http::Response response = FailureResponse(424, failure);
  if (!response.content_type.empty()) response.SetHeader("Nexus-Operation-State", state);
  return response;
}

http::Response StartResponseOf(const nexus_pb::StartOperationResponse& start) {
  switch (start.variant_case()) {
    case nexus_pb::StartOperationResponse::kSyncSuccess: {
      NexusContent content = NexusContentFromPayload(
          start.sync_success().has_payload() ? &start.sync_success().payload() : nullptr);
      http::Response response;
      response.content_type.clear();
      for (http::HeaderField& field : NexusContentHttpHeaders(content)) {
        if (http::HeaderNameEquals(field.name, "Content-Type")) {
          response.content_type = std::move(field.value);
        } else {
          response.headers.push_back(std::move(field));
        }
      }
      AddLinks(start.sync_success().links(), &response);
      response.body = std::move(content.data);
      return response;
    }
    case nexus_pb::StartOperationResponse::kAsyncSuccess: {
      std::string token = start.async_success().operation_token();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
      // Workers of SDKs before operation tokens set only the id.
      if (token.empty()) token = start.async_success().operation_id();
#pragma GCC diagnostic pop
      nlohmann::ordered_json info = {{"id", token}, {"token", token}, {"state", "running"}};
      http::Response response;
      response.status = 201;
      response.content_type = kContentTypeJson;
      response.body = info.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
      AddLinks(start.async_success().links(), &response);
      return response;
    }
    case nexus_pb::StartOperationResponse::kOperationError: {
      // Deprecated in the API for `failure` below, and what workers send unless the request
      // announces Temporal failure responses (hdo's do not, as the reference's v1.29).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
      const nexus_pb::UnsuccessfulOperationError& error = start.operation_error();
#pragma GCC diagnostic pop
      http::Response response =
          OperationErrorResponse(error.operation_state(), NexusFailureFromProto(error.failure()));
      MarkFromWorker(&response);
      return response;
    }
    case nexus_pb::StartOperationResponse::kFailure: {
      // A worker that answers in Temporal failures (not asked to: no capability is set).
      const bool canceled = start.failure().has_canceled_failure_info();
      http::Response response = OperationErrorResponse(canceled ? "canceled" : "failed",
                                                       NexusFailureFromTemporal(start.failure()));
      MarkFromWorker(&response);
      return response;
    }
    case nexus_pb::StartOperationResponse::VARIANT_NOT_SET:
      break;
  }
  http::Response response = MessageResponse(500, "empty outcome");
  MarkFromWorker(&response);
  return response;
}

// The answer to a start or cancel from what became of its Nexus task.
http::Response DispatchResponse(const Outcome& outcome, bool start) {
  http::Response response;
  switch (outcome.kind) {
    case Outcome::Kind::kTimedOut:
      response = MessageResponse(520, "upstream timeout");
      MarkFromWorker(&response);
      return response;
    case Outcome::Kind::kCanceled:
      return MessageResponse(503, "service unavailable");
    case Outcome::Kind::kHandlerError:
      response = HandlerErrorResponse(outcome.error);
      MarkFromWorker(&response);
      return response;
    case Outcome::Kind::kResponse:
      break;
  }
  if (!start) return EmptyResponse(202);
  if (!outcome.response.has_start_operation()) {
    response = MessageResponse(500, "empty outcome");
    MarkFromWorker(&response);
    return response;
  }
  return StartResponseOf(outcome.response.start_operation());
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         http::HeaderNameEquals(text.substr(0, prefix.size()), prefix);
}

std::string Lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

// The request's fields as a Nexus header (lower-case names, first value), leaving out those whose
// names start with one of `excluded` and those Go's server does not show a handler.
NexusHeader HeaderOf(const http::Request& request,
                     std::initializer_list<std::string_view> excluded) {
  NexusHeader header;
  for (const http::HeaderField& field : request.headers) {
    // temporal-nexus-failure-support is between Temporal servers, not for handlers (reference:
    // frontend.nexusRequestHeadersBlacklist); this listener answers in the legacy format either
    // way, so the task it dispatches does not announce Temporal failure responses.
    if (http::HeaderNameEquals(field.name, "Host") ||
        http::HeaderNameEquals(field.name, "Transfer-Encoding") ||
        http::HeaderNameEquals(field.name, "Temporal-Nexus-Failure-Support")) {
      continue;
    }
    if (std::any_of(excluded.begin(), excluded.end(), [&field](std::string_view prefix) {
          return StartsWithNoCase(field.name, prefix);
        })) {
      continue;
    }
    header.emplace(Lower(field.name), field.value);
  }
  return header;
}

// The fields named `prefix`… with the prefix stripped (Nexus-Callback-*).
NexusHeader PrefixedHeaderOf(const http::Request& request, std::string_view prefix) {
  NexusHeader header;
  for (const http::HeaderField& field : request.headers) {
    if (StartsWithNoCase(field.name, prefix)) {
      header.emplace(Lower(std::string_view(field.name).substr(prefix.size())), field.value);
    }
  }
  return header;
}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> segments;
  if (!path.empty() && path[0] == '/') path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    segments.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path = path.substr(slash + 1);
  }
  return segments;
}

}  // namespace

// Where an operation goes, once its endpoint (or named namespace) is resolved.
struct NexusHttp::Target {
  std::string namespace_name;
  std::string namespace_id;
  std::string task_queue;
  std::string endpoint_name;  // empty when addressed by namespace and task queue
};

// A start or cancel request as parsed on the listener's thread.
struct NexusHttp::Operation {
  enum class Kind { kStart, kCancel, kRefused };
  Kind kind = Kind::kRefused;
  // By endpoint, else by namespace and task queue.
  bool by_endpoint = true;
  std::string endpoint_id;
  std::string namespace_name;
  std::string task_queue;
  // The answer when the route is invalid (before the endpoint is looked up).
  std::optional<http::Response> route_error;
  // The answer of the Nexus handler layer (after the endpoint is looked up) for kRefused.
  std::optional<http::Response> refusal;
  std::string service;
  std::string operation;
  std::string token;
  std::optional<std::chrono::milliseconds> timeout;
  std::vector<NexusLink> links;
  http::Request request;
};

// `rest`: the segments after "services"; as nexus-rpc sdk-go's httpHandler.handleRequest routes
// them.
void NexusHttp::RouteOperation(const std::vector<std::string>& rest, Operation* operation) {
  using Kind = Operation::Kind;
  const http::Request& request = operation->request;
  auto refuse = [operation](int status, std::string message) {
    operation->kind = Kind::kRefused;
    operation->refusal = MessageResponse(status, std::move(message));
  };
  if (rest.size() < 2) return refuse(404, "not found");
  auto service = http::PercentDecode(rest[0]);
  auto name = http::PercentDecode(rest[1]);
  if (!service.has_value() || !name.has_value()) return refuse(400, "failed to parse URL path");
  operation->service = std::move(*service);
  operation->operation = std::move(*name);
  auto timeout_header = request.Header("Request-Timeout");
  auto parse_timeout = [&]() {
    if (!timeout_header.has_value() || timeout_header->empty()) return true;
    operation->timeout = ParseNexusDuration(*timeout_header);
    if (operation->timeout.has_value()) return true;
    refuse(400, "invalid request timeout header");
    return false;
  };
  auto expect_method = [&](const char* method) {
    if (request.method == method) return true;
    refuse(400, std::string("invalid request method: expected ") + method + ", got " +
                    Quoted(request.method));
    return false;
  };
  if (rest.size() == 2 && request.method == "POST") {
    auto links = DecodeNexusLinks(request.HeaderValues("Nexus-Link"));
    if (links.IsFailure()) return refuse(400, "invalid \"nexus-link\" header");
    operation->links = std::move(links).Value();
    if (parse_timeout()) operation->kind = Kind::kStart;
    return;
  }
  std::string token(request.Header("Nexus-Operation-Token").value_or(""));
  if (token.empty()) token = http::QueryValue(request.query, "token").value_or("");
  // With the token out of the path, the path is one segment shorter.
  size_t segments = rest.size();
  std::string action;
  if (token.empty()) {
    // sdk-go v0.3.0 panics here (and Go drops the connection); newer references refuse the method.
    if (rest.size() < 3) {
      expect_method("POST");
      return;
    }
    auto decoded = http::PercentDecode(rest[2]);
    if (!decoded.has_value()) return refuse(400, "failed to parse URL path");
    token = std::move(*decoded);
    if (rest.size() == 4) action = rest[3];
    segments -= 1;
  } else if (rest.size() == 3) {
    action = rest[2];
  }
  operation->token = token;
  if (segments == 2) {
    if (expect_method("GET")) refuse(501, "not implemented");  // operation info
    return;
  }
  if (segments != 3) return refuse(404, "not found");
  if (action == "result") {
    if (expect_method("GET")) refuse(501, "not implemented");
    return;
  }
  if (action != "cancel") return refuse(404, "not found");
  if (!expect_method("POST")) return;
  if (parse_timeout()) operation->kind = Kind::kCancel;
}

NexusHttp::NexusHttp(asio::thread_pool* engine_thread, Backend backend, Options options)
    : engine_thread_(engine_thread), backend_(std::move(backend)), options_(options) {}

void NexusHttp::Serve(http::Request request, Respond respond) {
  std::vector<std::string> segments = SplitPath(request.path);
  auto not_found = [&respond] {
    // gorilla/mux's answer for a path no route matches.
    http::Response response;
    response.status = 404;
    response.body = "404 page not found\n";
    respond(std::move(response));
  };
  if (segments.size() == 4 && segments[0] == "namespaces" && !segments[1].empty() &&
      segments[2] == "nexus" && segments[3] == "callback") {
    std::string namespace_name = segments[1];
    ServeCompletion(std::move(request), std::move(namespace_name), std::move(respond));
    return;
  }
  Operation operation;
  std::vector<std::string> rest;
  if (segments.size() >= 5 && segments[0] == "nexus" && segments[1] == "endpoints" &&
      !segments[2].empty() && segments[3] == "services") {
    auto endpoint_id = http::PercentDecode(segments[2]);
    if (!endpoint_id.has_value()) operation.route_error = MessageResponse(400, "invalid URL");
    operation.endpoint_id = endpoint_id.value_or("");
    rest.assign(segments.begin() + 4, segments.end());
  } else if (segments.size() >= 6 && segments[0] == "namespaces" && !segments[1].empty() &&
             segments[2] == "task-queues" && !segments[3].empty() &&
             segments[4] == "nexus-services") {
    operation.by_endpoint = false;
    auto namespace_name = http::PercentDecode(segments[1]);
    auto task_queue = http::PercentDecode(segments[3]);
    if (!namespace_name.has_value() || !task_queue.has_value()) {
      operation.route_error = MessageResponse(400, "invalid URL");
    }
    operation.namespace_name = namespace_name.value_or("");
    operation.task_queue = task_queue.value_or("");
    rest.assign(segments.begin() + 5, segments.end());
  } else {
    not_found();
    return;
  }
  operation.request = std::move(request);
  RouteOperation(rest, &operation);
  PostToStore(*engine_thread_,
              [this, operation = std::move(operation), respond = std::move(respond)]() mutable {
                ServeOperation(std::move(operation), std::move(respond));
              });
}

void NexusHttp::ServeOperation(Operation operation, Respond respond) {
  if (stopped_) return respond(MessageResponse(503, "service unavailable"));
  if (operation.route_error.has_value()) return respond(std::move(*operation.route_error));
  Target target;
  if (operation.by_endpoint) {
    const nexus_pb::Endpoint* endpoint = backend_.endpoint_by_id(operation.endpoint_id);
    if (endpoint == nullptr) return respond(MessageResponse(404, "nexus endpoint not found"));
    // Only worker targets: the reference does not let the frontend call out to external URLs.
    if (!endpoint->spec().target().has_worker()) {
      return respond(MessageResponse(400, "invalid endpoint target"));
    }
    target.namespace_name = endpoint->spec().target().worker().namespace_();
    target.task_queue = endpoint->spec().target().worker().task_queue();
    target.endpoint_name = endpoint->spec().name();
    auto namespace_id = backend_.namespace_id_of(target.namespace_name);
    if (namespace_id.IsFailure()) {
      const bool gone = namespace_id.Error().HasCode(errors::kNamespaceNotFound) ||
                        namespace_id.Error().HasCode(errors::kNotFound);
      return respond(gone ? MessageResponse(400, "invalid endpoint target")
                          : MessageResponse(500, "internal error"));
    }
    target.namespace_id = std::move(namespace_id).Value();
  } else {
    target.namespace_name = operation.namespace_name;
    target.task_queue = operation.task_queue;
  }
  if (operation.kind == Operation::Kind::kRefused) return respond(std::move(*operation.refusal));
  if (target.namespace_id.empty()) {
    auto namespace_id = backend_.namespace_id_of(target.namespace_name);
    if (namespace_id.IsFailure()) {
      if (namespace_id.Error().HasCode(errors::kNamespaceNotFound)) {
        return respond(
            MessageResponse(404, "namespace not found: " + Quoted(target.namespace_name)));
      }
      return respond(ErrorResponse(namespace_id.Error(), /*expose=*/false));
    }
    target.namespace_id = std::move(namespace_id).Value();
  }
  if (operation.kind == Operation::Kind::kStart) {
    StartOperation(std::move(operation), target, std::move(respond));
  } else {
    CancelOperation(std::move(operation), target, std::move(respond));
  }
}

void NexusHttp::StartOperation(Operation operation, const Target& target, Respond respond) {
  const http::Request& request = operation.request;
  if (request.body.size() > options_.request_body_bytes_max) {
    return respond(MessageResponse(400, "invalid input"));
  }
  auto payload = PayloadFromNexusContent(NexusContentFromHttp(request.headers, request.body));
  if (payload.IsFailure()) return respond(MessageResponse(400, "invalid input"));
  if (payload.Value().ByteSizeLong() > options_.payload_bytes_max) {
    return respond(MessageResponse(400, "input exceeds size limit"));
  }
  nexus_pb::Request task;
  NexusHeader header = HeaderOf(request, {"content-", "nexus-callback-"});
  task.mutable_header()->insert(header.begin(), header.end());
  *task.mutable_scheduled_time() = backend_.now();
  task.set_endpoint(target.endpoint_name);
  nexus_pb::StartOperationRequest* start = task.mutable_start_operation();
  start->set_service(operation.service);
  start->set_operation(operation.operation);
  start->set_request_id(std::string(request.Header("Nexus-Request-Id").value_or("")));
  start->set_callback(http::QueryValue(request.query, "callback").value_or(""));
  NexusHeader callback_header = PrefixedHeaderOf(request, "nexus-callback-");
  start->mutable_callback_header()->insert(callback_header.begin(), callback_header.end());
  *start->mutable_payload() = std::move(payload).Value();
  for (NexusLink& link : operation.links) {
    nexus_pb::Link* added = start->add_links();
    added->set_url(std::move(link.url));
    added->set_type(std::move(link.type));
  }
  std::chrono::milliseconds timeout = options_.dispatch_timeout_max;
  if (operation.timeout.has_value() && operation.timeout->count() > 0) {
    timeout = std::min(timeout, *operation.timeout);
  }
  backend_.matcher->Dispatch(target.namespace_id, target.task_queue, std::move(task), timeout,
                             [respond = std::move(respond)](Outcome outcome) {
                               respond(DispatchResponse(outcome, /*start=*/true));
                             });
}

void NexusHttp::CancelOperation(Operation operation, const Target& target, Respond respond) {
  nexus_pb::Request task;
  NexusHeader header = HeaderOf(operation.request, {"nexus-operation-token"});
  task.mutable_header()->insert(header.begin(), header.end());
  *task.mutable_scheduled_time() = backend_.now();
  task.set_endpoint(target.endpoint_name);
  nexus_pb::CancelOperationRequest* cancel = task.mutable_cancel_operation();
  cancel->set_service(operation.service);
  cancel->set_operation(operation.operation);
  cancel->set_operation_token(operation.token);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  cancel->set_operation_id(operation.token);  // for workers that read the deprecated field
#pragma GCC diagnostic pop
  std::chrono::milliseconds timeout = options_.dispatch_timeout_max;
  if (operation.timeout.has_value() && operation.timeout->count() > 0) {
    timeout = std::min(timeout, *operation.timeout);
  }
  backend_.matcher->Dispatch(target.namespace_id, target.task_queue, std::move(task), timeout,
                             [respond = std::move(respond)](Outcome outcome) {
                               respond(DispatchResponse(outcome, /*start=*/false));
                             });
}

namespace {

using Completion = history::Engine::NexusCompletion;

// The completion a callback request carries (sdk-go completionHTTPHandler's checks, then the
// result's or failure's conversion), or the answer that refuses it.
std::variant<Completion, http::Response> ParseCompletion(const http::Request& request,
                                                         size_t body_bytes_max) {
  Completion completion;
  const std::string state(request.Header("Nexus-Operation-State").value_or(""));
  completion.operation_token = request.Header("Nexus-Operation-Token").value_or("");
  if (completion.operation_token.empty()) {
    completion.operation_token = request.Header("Nexus-Operation-Id").value_or("");
  }
  auto start_time = request.Header("Nexus-Operation-Start-Time");
  if (start_time.has_value() && !start_time->empty()) {
    auto parsed = ParseHttpDate(*start_time);
    if (!parsed.has_value()) {
      return MessageResponse(400, "failed to parse operation start time header");
    }
    completion.start_time = *parsed;
  }
  auto links = DecodeNexusLinks(request.HeaderValues("Nexus-Link"));
  if (links.IsFailure()) return MessageResponse(400, "failed to decode links from request headers");
  if (state == "failed" || state == "canceled") {
    const std::string content_type(request.Header("Content-Type").value_or(""));
    auto media = ParseMediaType(content_type);
    if (content_type.empty() || !media.has_value() || media->type != kContentTypeJson) {
      return MessageResponse(400, "invalid request content type: " + Quoted(content_type));
    }
    auto failure = request.body.size() > body_bytes_max
                       ? hugo::Result<NexusFailure>(InvalidArgument("body too large"))
                       : ParseNexusFailure(request.body);
    if (failure.IsFailure())
      return MessageResponse(400, "failed to read Failure from request body");
    completion.state =
        state == "failed" ? Completion::State::kFailed : Completion::State::kCanceled;
    auto converted = OperationFailureFromNexus(failure.Value(),
                                               completion.state == Completion::State::kCanceled);
    if (converted.IsFailure()) return MessageResponse(500, "internal server error");
    completion.failure = std::move(converted).Value();
  } else if (state == "succeeded") {
    auto result =
        request.body.size() > body_bytes_max
            ? hugo::Result<temporal::api::common::v1::Payload>(InvalidArgument("large"))
            : PayloadFromNexusContent(NexusContentFromHttp(request.headers, request.body));
    if (result.IsFailure()) return MessageResponse(400, "invalid result content");
    completion.result = std::move(result).Value();
  } else {
    return MessageResponse(400, "invalid request operation state: " + Quoted(state));
  }
  // Only links to workflow events are kept (the reference ignores the rest).
  for (const NexusLink& link : links.Value()) {
    auto converted = LinkFromNexusLink(link);
    if (converted.IsFailure()) {
      log::Debug("nexus completion link ignored",
                 {{"type", link.type}, {"error", converted.Error().Message()}});
      continue;
    }
    completion.links.push_back(std::move(converted).Value());
  }
  completion.token = request.Header(kNexusCallbackTokenHeader).value_or("");
  return completion;
}

}  // namespace

void NexusHttp::ServeCompletion(http::Request request, std::string namespace_name,
                                Respond respond) {
  auto parsed = ParseCompletion(request, options_.request_body_bytes_max);
  if (auto* refusal = std::get_if<http::Response>(&parsed)) return respond(std::move(*refusal));
  auto decoded_name = http::PercentDecode(namespace_name);
  if (!decoded_name.has_value()) return respond(MessageResponse(400, "invalid URL"));
  PostToStore(*engine_thread_, [this, completion = std::move(std::get<Completion>(parsed)),
                                namespace_name = std::move(*decoded_name),
                                respond = std::move(respond)]() mutable {
    CompleteOperation(std::move(completion), std::move(namespace_name), std::move(respond));
  });
}

void NexusHttp::CompleteOperation(history::Engine::NexusCompletion completion,
                                  std::string namespace_name, Respond respond) {
  if (stopped_) return respond(MessageResponse(503, "service unavailable"));
  auto namespace_id = backend_.namespace_id_of(namespace_name);
  if (namespace_id.IsFailure()) {
    if (namespace_id.Error().HasCode(errors::kNamespaceNotFound)) {
      return respond(MessageResponse(404, "namespace " + Quoted(namespace_name) + " not found"));
    }
    return respond(ErrorResponse(namespace_id.Error(), /*expose=*/false));
  }
  if (completion.operation_token.size() > options_.operation_token_bytes_max) {
    return respond(
        MessageResponse(400, "operation token length exceeds allowed limit (" +
                                 std::to_string(completion.operation_token.size()) + "/" +
                                 std::to_string(options_.operation_token_bytes_max) + ")"));
  }
  if (completion.state == Completion::State::kSucceeded &&
      completion.result.ByteSizeLong() > options_.payload_bytes_max) {
    return respond(MessageResponse(400, "result exceeds size limit"));
  }
  auto completed = backend_.complete_operation(completion);
  if (completed.IsFailure()) {
    const hugo::Error& error = completed.Error();
    if (error.HasCode(errors::kInvalidArgument)) {
      return respond(MessageResponse(400, "invalid callback token"));
    }
    // Not found (operation already completed, workflow closed): the reference shows history's
    // message.
    return respond(ErrorResponse(error, /*expose=*/error.HasCode(errors::kNotFound)));
  }
  backend_.durability->AfterDurable([respond](hugo::Result<hugo::Unit> durable) {
    respond(durable.IsSuccess() ? EmptyResponse(200) : ErrorResponse(durable.Error(), false));
  });
}

}  // namespace hdo::frontend
