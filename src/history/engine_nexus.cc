// Nexus operations a run schedules (the caller side) and the completion callbacks of runs that
// Nexus handlers started (the handler side). Reference: components/nexusoperations (the
// operation state machine, its invocation, timeout and cancellation executors, the completion
// handler) and components/callbacks (delivery on close).
//
// The caller side: ScheduleNexusOperation writes NexusOperationScheduled and a KIND_NEXUS_START
// transfer task in the workflow task's transaction. The engine sends the start request to the
// endpoint's handler (a worker target: through the NexusMatcher, in-process), and writes the
// answer in one transaction with the task's deletion: NexusOperationCompleted / Failed /
// Canceled for a synchronous outcome, NexusOperationStarted for an asynchronous one (its end
// comes later through the callback: CompleteNexusOperation), or a retry after a backoff for a
// retryable failure. The schedule-to-close timeout ends the operation with
// NexusOperationTimedOut. A restart re-sends a start whose answer was not written (the handler
// deduplicates it by request id).
//
// The handler side: a run started with completion_callbacks carries them along its chain; when
// the chain ends, a KIND_NEXUS_CALLBACKS task delivers the outcome. A callback to this server's
// own callback URL is applied in-process, in one transaction with the callback's state.
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <asio/post.hpp>
#include <random>

#include "common/error_codes.h"
#include "history/engine.h"
#include "history/engine_errors.h"
#include "history/nexus_links.h"
#include "history/time_util.h"

namespace hdo::history {
namespace {

using internal::InvalidArgument;
using internal::IsRunning;
using internal::NotFound;
using internal::TaskOf;

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
namespace hist = temporal::api::history::v1;
namespace command = temporal::api::command::v1;
namespace nexus = temporal::api::nexus::v1;
namespace failure_pb = temporal::api::failure::v1;
using persistence::v1::CallbackInfo;
using persistence::v1::MutableState;
using persistence::v1::NexusCallbackToken;
using persistence::v1::NexusOperationInfo;
using persistence::v1::TimerTask;
using persistence::v1::TransferTask;

// The header a completion carries its callback token in (reference:
// commonnexus.CallbackTokenHeader).
constexpr char kCallbackTokenHeader[] = "temporal-callback-token";
constexpr char kCancelRetry[] = "cancel";
constexpr char kFailureTypeMetadata[] = "temporal.api.failure.v1.Failure";

// --- base64url without padding (the token travels in an HTTP header).
constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64UrlEncode(const std::string& bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kBase64Url[(buffer >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kBase64Url[(buffer << (6 - bits)) & 0x3f]);
  return out;
}

std::optional<std::string> Base64UrlDecode(const std::string& text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    int value;
    if (c >= 'A' && c <= 'Z') {
      value = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      value = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      value = c - '0' + 52;
    } else if (c == '-' || c == '+') {
      value = 62;
    } else if (c == '_' || c == '/') {
      value = 63;
    } else {
      return std::nullopt;
    }
    buffer = (buffer << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

// Header names compare without case (HTTP).
std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// A Go duration string the handler SDKs parse ("1500ms").
std::string GoDuration(int64_t millis) {
  return std::to_string(std::max<int64_t>(millis, 0)) + "ms";
}

// The handler error types that are retried unless the handler says otherwise (nexus-rpc:
// HandlerErrorType retryability).
bool RetryableByDefault(const std::string& type) {
  return type == "RESOURCE_EXHAUSTED" || type == "INTERNAL" || type == "UNAVAILABLE" ||
         type == "UPSTREAM_TIMEOUT" || type.empty() || type == "UNKNOWN";
}

bool Retryable(const nexus::HandlerError& error) {
  switch (error.retry_behavior()) {
    case enums::NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_RETRYABLE:
      return true;
    case enums::NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_NON_RETRYABLE:
      return false;
    default:
      return RetryableByDefault(error.error_type());
  }
}

// A Nexus failure as a Temporal failure: one the handler built from a Temporal failure (metadata
// type temporal.api.failure.v1.Failure, details its JSON) comes back as it was; any other is an
// application failure of type "NexusFailure" carrying the Nexus failure as JSON details.
failure_pb::Failure FromNexusFailure(const nexus::Failure& failure, bool retryable = false) {
  failure_pb::Failure converted;
  auto type = failure.metadata().find("type");
  if (type != failure.metadata().end() && type->second == kFailureTypeMetadata &&
      google::protobuf::util::JsonStringToMessage(failure.details(), &converted).ok()) {
    if (converted.message().empty()) converted.set_message(failure.message());
    return converted;
  }
  converted.set_message(failure.message());
  if (!failure.stack_trace().empty()) converted.set_stack_trace(failure.stack_trace());
  auto* info = converted.mutable_application_failure_info();
  info->set_type("NexusFailure");
  info->set_non_retryable(!retryable);
  if (!failure.details().empty() || !failure.metadata().empty()) {
    nlohmann::json json = nlohmann::json::object();
    if (!failure.metadata().empty()) {
      nlohmann::json metadata = nlohmann::json::object();
      for (const auto& [key, value] : failure.metadata()) metadata[key] = value;
      json["metadata"] = metadata;
    }
    if (!failure.details().empty()) {
      auto details = nlohmann::json::parse(failure.details(), nullptr, false);
      if (!details.is_discarded()) json["details"] = details;
    }
    auto* payload = info->mutable_details()->add_payloads();
    (*payload->mutable_metadata())["encoding"] = "json/plain";
    payload->set_data(json.dump());
  }
  return converted;
}

// A Nexus failure of an operation that ended canceled: a Temporal canceled failure it carried, or
// one made of its message and details.
failure_pb::Failure CanceledFromNexusFailure(const nexus::Failure& failure) {
  failure_pb::Failure converted = FromNexusFailure(failure);
  if (converted.has_canceled_failure_info()) return converted;
  failure_pb::Failure canceled;
  canceled.set_message(failure.message());
  auto* info = canceled.mutable_canceled_failure_info();
  if (converted.has_application_failure_info() &&
      converted.application_failure_info().has_details()) {
    *info->mutable_details() = converted.application_failure_info().details();
  }
  return canceled;
}

// A handler error as an attempt's failure. A Temporal failure the worker answered (the outcome's
// temporal_failure) is the failure as it is (reference: the handler error's original failure);
// otherwise, as the reference's v1.29 (executors.go callErrToFailure), "handler error (TYPE):
// message" with NexusHandlerFailureInfo, caused by the handler's failure.
failure_pb::Failure FromHandlerError(const matching::NexusMatcher::Outcome& outcome,
                                     bool retryable) {
  const nexus::HandlerError& error = outcome.error;
  if (outcome.temporal_failure) {
    failure_pb::Failure passed = FromNexusFailure(error.failure(), retryable);
    if (passed.has_nexus_handler_failure_info()) return passed;
  }
  const std::string type = error.error_type().empty() ? "INTERNAL" : error.error_type();
  failure_pb::Failure converted;
  converted.set_message("handler error (" + type + "): " + error.failure().message());
  auto* info = converted.mutable_nexus_handler_failure_info();
  info->set_type(type);
  info->set_retry_behavior(error.retry_behavior());
  *converted.mutable_cause() = FromNexusFailure(error.failure(), retryable);
  return converted;
}

// An attempt that got no answer in time (reference: errRequestTimedOut as a CallError).
failure_pb::Failure RequestTimedOut() {
  failure_pb::Failure failure;
  failure.set_message("request timed out");
  failure.mutable_application_failure_info()->set_type("CallError");
  return failure;
}

std::string PercentDecode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string PercentEncode(const std::string& text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// "NexusOperationScheduled" from EVENT_TYPE_NEXUS_OPERATION_SCHEDULED (the Go API's String()).
std::string PascalEventType(enums::EventType type) {
  std::string name = enums::EventType_Name(type);
  const std::string prefix = "EVENT_TYPE_";
  if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
  std::string out;
  bool upper = true;
  for (char c : name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out.push_back(upper ? c : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    upper = false;
  }
  return out;
}

std::optional<enums::EventType> EventTypeFromPascal(const std::string& pascal) {
  for (int i = enums::EventType_MIN; i <= enums::EventType_MAX; ++i) {
    if (!enums::EventType_IsValid(i)) continue;
    auto type = static_cast<enums::EventType>(i);
    if (PascalEventType(type) == pascal) return type;
  }
  return std::nullopt;
}

}  // namespace

// The Nexus link of a workflow event (reference: nexusoperations/link_converter.go):
// temporal:///namespaces/<ns>/workflows/<id>/<run>/history?eventID=..&eventType=..&referenceType=EventReference.
std::string NexusLinkUrl(const temporal::api::common::v1::Link::WorkflowEvent& event) {
  std::string url = "temporal:///namespaces/" + PercentEncode(event.namespace_()) + "/workflows/" +
                    PercentEncode(event.workflow_id()) + "/" + PercentEncode(event.run_id()) +
                    "/history?";
  if (event.has_request_id_ref()) {
    url += "eventType=" + PascalEventType(event.request_id_ref().event_type()) +
           "&referenceType=RequestIdReference&requestID=" +
           PercentEncode(event.request_id_ref().request_id());
  } else {
    url += "eventID=" + std::to_string(event.event_ref().event_id()) +
           "&eventType=" + PascalEventType(event.event_ref().event_type()) +
           "&referenceType=EventReference";
  }
  return url;
}

std::optional<temporal::api::common::v1::Link> LinkFromNexus(const std::string& url,
                                                             const std::string& type) {
  constexpr char kWorkflowEventType[] = "temporal.api.common.v1.Link.WorkflowEvent";
  constexpr char kActivityType[] = "temporal.api.common.v1.Link.Activity";
  constexpr char kWorkflowType[] = "temporal.api.common.v1.Link.Workflow";
  if (type != kWorkflowEventType && type != kActivityType && type != kWorkflowType) {
    return std::nullopt;  // the reference keeps these three kinds of a handler's links
  }
  const std::string prefix = "temporal:///namespaces/";
  if (url.rfind(prefix, 0) != 0) return std::nullopt;
  std::string rest = url.substr(prefix.size());
  std::string query;
  if (auto mark = rest.find('?'); mark != std::string::npos) {
    query = rest.substr(mark + 1);
    rest = rest.substr(0, mark);
  }
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t slash = rest.find('/', start);
    parts.push_back(
        rest.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  temporal::api::common::v1::Link link;
  if (type == kActivityType) {
    // /namespaces/<ns>/activities/<id>/<run>/details
    if (parts.size() != 5 || parts[1] != "activities" || parts[4] != "details") return std::nullopt;
    auto* activity = link.mutable_activity();
    activity->set_namespace_(PercentDecode(parts[0]));
    activity->set_activity_id(PercentDecode(parts[2]));
    activity->set_run_id(PercentDecode(parts[3]));
    return link;
  }
  if (type == kWorkflowType) {
    // /namespaces/<ns>/workflows/<id>/<run>
    if (parts.size() != 4 || parts[1] != "workflows") return std::nullopt;
    auto* workflow = link.mutable_workflow();
    workflow->set_namespace_(PercentDecode(parts[0]));
    workflow->set_workflow_id(PercentDecode(parts[2]));
    workflow->set_run_id(PercentDecode(parts[3]));
    return link;
  }
  if (parts.size() != 5 || parts[1] != "workflows" || parts[4] != "history") return std::nullopt;
  auto* event = link.mutable_workflow_event();
  event->set_namespace_(PercentDecode(parts[0]));
  event->set_workflow_id(PercentDecode(parts[2]));
  event->set_run_id(PercentDecode(parts[3]));
  std::map<std::string, std::string> params;
  start = 0;
  while (start <= query.size() && !query.empty()) {
    size_t amp = query.find('&', start);
    std::string pair =
        query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    size_t eq = pair.find('=');
    if (eq != std::string::npos) params[pair.substr(0, eq)] = PercentDecode(pair.substr(eq + 1));
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  auto event_type = EventTypeFromPascal(params["eventType"]);
  if (params["referenceType"] == "RequestIdReference") {
    event->mutable_request_id_ref()->set_request_id(params["requestID"]);
    if (event_type.has_value()) event->mutable_request_id_ref()->set_event_type(*event_type);
  } else {
    int64_t event_id = 0;
    try {
      event_id = std::stoll(params["eventID"]);
    } catch (...) {
      return std::nullopt;
    }
    event->mutable_event_ref()->set_event_id(event_id);
    if (event_type.has_value()) event->mutable_event_ref()->set_event_type(*event_type);
  }
  return link;
}

namespace {}  // namespace

// --- commands

std::optional<CommandRejection> Engine::ScheduleNexusOperation(
    Mutation& m, const command::ScheduleNexusOperationCommandAttributes& attributes,
    int64_t completed_event_id) {
  constexpr auto kBad = enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_NEXUS_OPERATION_ATTRIBUTES;
  MutableState& state = m.run.state;
  // The reference's checks, in its order (nexusoperations/workflow/commands.go).
  const std::string not_found = "endpoint \"" + attributes.endpoint() + "\" not found";
  std::string endpoint_id;
  if (attributes.endpoint() == kSystemNexusEndpoint) {
    // The system endpoint is no registry entry: its operations are judged here, the input
    // decoded and checked as the operation's own RPC would check it.
    if (!options_.system_nexus_check) return CommandRejection{kBad, not_found};
    if (!attributes.nexus_header().empty()) {
      return CommandRejection{kBad,
                              "ScheduleNexusOperationCommandAttributes.NexusHeader must be empty "
                              "when using " +
                                  std::string(kSystemNexusEndpoint) + " endpoint"};
    }
    SystemNexusCall call;
    call.namespace_id = state.namespace_id();
    call.namespace_name = NamespaceNameOf(state.namespace_id());
    call.service = attributes.service();
    call.operation = attributes.operation();
    call.input = attributes.input();
    auto checked = options_.system_nexus_check(call);
    if (checked.IsFailure()) return CommandRejection{kBad, checked.Error().Message()};
  } else {
    if (!options_.nexus_endpoint) return CommandRejection{kBad, not_found};
    auto target = options_.nexus_endpoint(attributes.endpoint());
    if (target.IsFailure()) {
      if (target.Error().Code() == errors::kNotFound) return CommandRejection{kBad, not_found};
      return CommandRejection{kBad, target.Error().Message()};
    }
    endpoint_id = target.Value().endpoint_id;
  }
  constexpr size_t kNameMax = 1000;
  if (attributes.service().size() > kNameMax) {
    return CommandRejection{
        kBad, "ScheduleNexusOperationCommandAttributes.Service exceeds length limit of 1000"};
  }
  if (attributes.operation().size() > kNameMax) {
    return CommandRejection{
        kBad, "ScheduleNexusOperationCommandAttributes.Operation exceeds length limit of 1000"};
  }
  for (const auto* timeout :
       {&attributes.schedule_to_close_timeout(), &attributes.schedule_to_start_timeout(),
        &attributes.start_to_close_timeout()}) {
    if (timeout->seconds() < 0 || timeout->nanos() < 0) {
      return CommandRejection{kBad,
                              "ScheduleNexusOperationCommandAttributes.ScheduleToCloseTimeout is "
                              "invalid: negative duration"};
    }
  }
  if (attributes.input().ByteSizeLong() > options_.blob_size_max) {
    return CommandRejection{
        kBad, "ScheduleNexusOperationCommandAttributes.Input exceeds size limit", true, true};
  }
  size_t header_bytes = 0;
  for (const auto& [key, value] : attributes.nexus_header()) {
    const std::string lower = Lower(key);
    if (lower == "request-timeout" || lower == "xdc-redirection" ||
        lower == "xdc-redirection-api" || lower == "caller-name" || lower == "caller-type" ||
        lower == "call-origin") {
      return CommandRejection{kBad,
                              "ScheduleNexusOperationCommandAttributes.NexusHeader contains a "
                              "disallowed header key: \"" +
                                  key + "\""};
    }
    header_bytes += key.size() + value.size();
  }
  if (header_bytes > 4096) {
    return CommandRejection{
        kBad, "ScheduleNexusOperationCommandAttributes.NexusHeader exceeds size limit"};
  }
  if (static_cast<int>(state.nexus_operations_size()) >= options_.pending_nexus_operations_max) {
    return CommandRejection{
        enums::WORKFLOW_TASK_FAILED_CAUSE_PENDING_NEXUS_OPERATIONS_LIMIT_EXCEEDED,
        "workflow has reached the pending nexus operation limit of " +
            std::to_string(options_.pending_nexus_operations_max) + " for this namespace"};
  }
  auto* event = Append(m, enums::EVENT_TYPE_NEXUS_OPERATION_SCHEDULED);
  auto* scheduled = event->mutable_nexus_operation_scheduled_event_attributes();
  scheduled->set_endpoint(attributes.endpoint());
  scheduled->set_endpoint_id(endpoint_id);
  scheduled->set_service(attributes.service());
  scheduled->set_operation(attributes.operation());
  if (attributes.has_input()) *scheduled->mutable_input() = attributes.input();
  // The operation's timeout is capped by the run timeout (reference; not the execution timeout).
  google::protobuf::Duration schedule_to_close = attributes.schedule_to_close_timeout();
  if (!IsZero(state.workflow_run_timeout()) &&
      (IsZero(schedule_to_close) ||
       ToMillis(schedule_to_close) > ToMillis(state.workflow_run_timeout()))) {
    schedule_to_close = state.workflow_run_timeout();
  }
  if (!IsZero(schedule_to_close)) {
    *scheduled->mutable_schedule_to_close_timeout() = schedule_to_close;
  }
  if (!IsZero(attributes.schedule_to_start_timeout())) {
    *scheduled->mutable_schedule_to_start_timeout() = attributes.schedule_to_start_timeout();
  }
  if (!IsZero(attributes.start_to_close_timeout())) {
    *scheduled->mutable_start_to_close_timeout() = attributes.start_to_close_timeout();
  }
  *scheduled->mutable_nexus_header() = attributes.nexus_header();
  scheduled->set_workflow_task_completed_event_id(completed_event_id);
  scheduled->set_request_id(uuids_.Next());

  NexusOperationInfo& op = (*state.mutable_nexus_operations())[event->event_id()];
  op.set_scheduled_event_id(event->event_id());
  op.set_endpoint(attributes.endpoint());
  op.set_endpoint_id(endpoint_id);
  op.set_service(attributes.service());
  op.set_operation(attributes.operation());
  if (attributes.has_input()) *op.mutable_input() = attributes.input();
  *op.mutable_nexus_header() = attributes.nexus_header();
  *op.mutable_scheduled_time() = event->event_time();
  *op.mutable_schedule_to_close_timeout() = scheduled->schedule_to_close_timeout();
  *op.mutable_schedule_to_start_timeout() = scheduled->schedule_to_start_timeout();
  *op.mutable_start_to_close_timeout() = scheduled->start_to_close_timeout();
  op.set_request_id(scheduled->request_id());
  op.set_workflow_task_completed_event_id(completed_event_id);
  DispatchNexusStart(m, op);
  for (auto [timeout, type] :
       {std::pair{&op.schedule_to_close_timeout(), enums::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE},
        std::pair{&op.schedule_to_start_timeout(), enums::TIMEOUT_TYPE_SCHEDULE_TO_START}}) {
    if (IsZero(*timeout)) continue;
    TimerTask timer;
    timer.set_kind(TimerTask::KIND_NEXUS_TIMEOUT);
    timer.set_scheduled_event_id(op.scheduled_event_id());
    timer.set_timeout_type(type);
    AddTimer(m, std::move(timer), After(*timeout));
  }
  return std::nullopt;
}

std::optional<CommandRejection> Engine::RequestCancelNexusOperation(
    Mutation& m, const command::RequestCancelNexusOperationCommandAttributes& attributes,
    int64_t completed_event_id, bool* /*new_task*/) {
  constexpr auto kBad =
      enums::WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_NEXUS_OPERATION_ATTRIBUTES;
  MutableState& state = m.run.state;
  const int64_t scheduled_id = attributes.scheduled_event_id();
  auto found = state.mutable_nexus_operations()->find(scheduled_id);
  if (found == state.mutable_nexus_operations()->end()) {
    // An outcome that arrived while this task ran (buffered) still takes the request: the
    // reference writes it, and the outcome follows it.
    bool buffered = false;
    for (const auto& event : state.buffered_events()) {
      switch (event.event_type()) {
        case enums::EVENT_TYPE_NEXUS_OPERATION_COMPLETED:
          buffered |= event.nexus_operation_completed_event_attributes().scheduled_event_id() ==
                      scheduled_id;
          break;
        case enums::EVENT_TYPE_NEXUS_OPERATION_FAILED:
          buffered |=
              event.nexus_operation_failed_event_attributes().scheduled_event_id() == scheduled_id;
          break;
        case enums::EVENT_TYPE_NEXUS_OPERATION_CANCELED:
          buffered |= event.nexus_operation_canceled_event_attributes().scheduled_event_id() ==
                      scheduled_id;
          break;
        case enums::EVENT_TYPE_NEXUS_OPERATION_TIMED_OUT:
          buffered |= event.nexus_operation_timed_out_event_attributes().scheduled_event_id() ==
                      scheduled_id;
          break;
        default:
          break;
      }
    }
    if (!buffered) {
      return CommandRejection{
          kBad,
          "requested cancelation for a non-existing or already completed operation with "
          "scheduled event ID of " +
              std::to_string(scheduled_id)};
    }
  } else if (found->second.cancel_requested_event_id() != 0) {
    return CommandRejection{kBad,
                            "cancelation was already requested for an operation with scheduled "
                            "event ID " +
                                std::to_string(scheduled_id)};
  }
  auto* requested = Append(m, enums::EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUESTED);
  auto* attributes_out = requested->mutable_nexus_operation_cancel_requested_event_attributes();
  attributes_out->set_scheduled_event_id(scheduled_id);
  attributes_out->set_workflow_task_completed_event_id(completed_event_id);
  if (found == state.mutable_nexus_operations()->end()) return std::nullopt;
  NexusOperationInfo& op = found->second;
  op.set_cancel_requested_event_id(requested->event_id());
  *op.mutable_cancel_requested_time() = requested->event_time();
  // Nothing is sent to a handler that has not started the operation (no token yet): the start
  // attempts go on, and the cancel request follows an asynchronous start (reference).
  if (op.started_event_id() != 0) DispatchNexusCancel(m, op);
  return std::nullopt;
}

void Engine::DispatchNexusStart(Mutation& m, NexusOperationInfo& op) {
  op.set_stamp(op.stamp() + 1);
  op.set_state(enums::PENDING_NEXUS_OPERATION_STATE_SCHEDULED);
  op.clear_next_attempt_schedule_time();
  TransferTask task = TaskOf(m.run.state, TransferTask::KIND_NEXUS_START);
  task.set_scheduled_event_id(op.scheduled_event_id());
  task.set_stamp(op.stamp());
  m.transfer.push_back(std::move(task));
}

void Engine::DispatchNexusCancel(Mutation& m, NexusOperationInfo& op) {
  op.set_cancel_stamp(op.cancel_stamp() + 1);
  op.set_cancel_state(enums::NEXUS_OPERATION_CANCELLATION_STATE_SCHEDULED);
  op.clear_cancel_next_attempt_schedule_time();
  TransferTask task = TaskOf(m.run.state, TransferTask::KIND_NEXUS_CANCEL);
  task.set_scheduled_event_id(op.scheduled_event_id());
  task.set_stamp(op.cancel_stamp());
  m.transfer.push_back(std::move(task));
}

// --- the requests to the handler

void Engine::ProcessNexusRequest(const TransferTask& task, int64_t task_id) {
  if (stopped_) return;
  const bool cancel = task.kind() == TransferTask::KIND_NEXUS_CANCEL;
  auto loaded = PeekRun({task.namespace_id(), task.workflow_id(), task.run_id()});
  if (loaded.IsFailure()) {
    if (loaded.Error().Code() == errors::kNotFound) DropTasks({task_id}, {});
    return;  // store trouble: the task stays stored and is sent again after a restart
  }
  const MutableState& state = loaded.Value()->state;
  auto found = state.nexus_operations().find(task.scheduled_event_id());
  if (!IsRunning(state) || found == state.nexus_operations().end() ||
      (cancel ? found->second.cancel_stamp() : found->second.stamp()) != task.stamp() ||
      (cancel ? found->second.cancel_state() != enums::NEXUS_OPERATION_CANCELLATION_STATE_SCHEDULED
              : found->second.state() != enums::PENDING_NEXUS_OPERATION_STATE_SCHEDULED)) {
    DropTasks({task_id}, {});
    return;
  }
  const NexusOperationInfo& op = found->second;
  if (op.endpoint() == kSystemNexusEndpoint && !cancel && options_.system_nexus_start) {
    // Served in-process, after this task's turn (the operation writes other runs).
    SystemNexusCall call;
    call.namespace_id = state.namespace_id();
    call.namespace_name = NamespaceNameOf(state.namespace_id());
    call.service = op.service();
    call.operation = op.operation();
    call.request_id = op.request_id();
    call.input = op.input();
    auto& scheduled = *call.links.emplace_back().mutable_workflow_event();
    scheduled.set_namespace_(call.namespace_name);
    scheduled.set_workflow_id(state.workflow_id());
    scheduled.set_run_id(state.run_id());
    scheduled.mutable_event_ref()->set_event_id(op.scheduled_event_id());
    scheduled.mutable_event_ref()->set_event_type(enums::EVENT_TYPE_NEXUS_OPERATION_SCHEDULED);
    asio::post(executor_, [this, task, task_id, call = std::move(call)] {
      if (stopped_) return;
      OnSystemNexusAnswer(task, task_id, options_.system_nexus_start(call));
    });
    return;
  }
  matching::NexusMatcher::Outcome failed;
  failed.kind = matching::NexusMatcher::Outcome::Kind::kHandlerError;
  const bool system = op.endpoint() == kSystemNexusEndpoint;
  auto target = options_.nexus_endpoint_by_id && !system
                    ? options_.nexus_endpoint_by_id(op.endpoint_id())
                    : hugo::Result<NexusTarget>(NotFound("endpoint not registered"));
  if (target.IsFailure() || options_.nexus == nullptr || target.Value().namespace_id.empty()) {
    // reference: an endpoint deleted after scheduling fails the attempt as not found (not
    // retried); an external target is not served by hdo yet; the system endpoint's operations
    // end with their start (nothing to cancel).
    failed.error.set_error_type(system ? "NOT_IMPLEMENTED" : "NOT_FOUND");
    failed.error.mutable_failure()->set_message(
        system ? "operation \"" + op.operation() + "\" of the " +
                     std::string(kSystemNexusEndpoint) + " endpoint cannot be canceled"
        : target.IsFailure() ? "endpoint not registered: " + op.endpoint()
                             : "endpoint '" + op.endpoint() +
                                   "' has an external target, which this server does not call");
    failed.error.set_retry_behavior(enums::NEXUS_HANDLER_ERROR_RETRY_BEHAVIOR_NON_RETRYABLE);
    asio::post(executor_, [this, task, task_id, cancel, failed] {
      if (cancel) {
        OnNexusCancelOutcome(task, task_id, failed);
      } else {
        OnNexusStartOutcome(task, task_id, failed);
      }
    });
    return;
  }
  // The attempt's timeout: the request timeout, within what is left of the operation's
  // schedule-to-close timeout.
  int64_t timeout_ms = std::chrono::milliseconds(options_.nexus_request_timeout).count();
  int64_t operation_left_ms = -1;
  if (!IsZero(op.schedule_to_close_timeout())) {
    operation_left_ms =
        ToMillis(op.scheduled_time()) + ToMillis(op.schedule_to_close_timeout()) - NowMs();
    timeout_ms = std::max<int64_t>(0, std::min(timeout_ms, operation_left_ms));
  }
  nexus::Request request;
  for (const auto& [key, value] : op.nexus_header()) {
    const std::string lower = Lower(key);
    (*request.mutable_header())[lower] = value;
  }
  (*request.mutable_header())["request-timeout"] = GoDuration(timeout_ms);
  (*request.mutable_header())["Request-Timeout"] = GoDuration(timeout_ms);  // Java SDK
  if (operation_left_ms >= 0 && !cancel) {
    (*request.mutable_header())["operation-timeout"] = GoDuration(operation_left_ms);
  }
  *request.mutable_scheduled_time() = now_();
  request.set_endpoint(op.endpoint());
  request.mutable_capabilities()->set_temporal_failure_responses(
      options_.nexus_temporal_failure_responses);
  const std::string namespace_name = NamespaceNameOf(state.namespace_id());
  if (cancel) {
    auto* cancel_request = request.mutable_cancel_operation();
    cancel_request->set_service(op.service());
    cancel_request->set_operation(op.operation());
    cancel_request->set_operation_token(op.operation_token());
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    cancel_request->set_operation_id(op.operation_token());
#pragma GCC diagnostic pop
  } else {
    auto* start = request.mutable_start_operation();
    start->set_service(op.service());
    start->set_operation(op.operation());
    start->set_request_id(op.request_id());
    if (op.has_input()) *start->mutable_payload() = op.input();
    if (options_.nexus_callback_url) {
      start->set_callback(options_.nexus_callback_url(namespace_name));
      NexusCallbackToken token;
      token.set_namespace_id(state.namespace_id());
      token.set_workflow_id(state.workflow_id());
      token.set_run_id(state.run_id());
      token.set_scheduled_event_id(op.scheduled_event_id());
      token.set_request_id(op.request_id());
      (*start->mutable_callback_header())[kCallbackTokenHeader] =
          Base64UrlEncode(token.SerializeAsString());
    }
    auto* link = start->add_links();
    if (state.has_standalone_nexus_operation()) {
      // A standalone operation links its own record (reference: Link_NexusOperation, which the
      // handler attaches to what it starts or signals).
      link->set_type("temporal.api.common.v1.Link.NexusOperation");
      link->set_url("temporal:///namespaces/" + PercentEncode(namespace_name) +
                    "/nexus-operations/" +
                    PercentEncode(state.standalone_nexus_operation().operation_id()) + "/" +
                    PercentEncode(state.run_id()) + "/details");
    } else {
      // A link back to the caller's NexusOperationScheduled event (the handler may attach it to
      // what it starts).
      temporal::api::common::v1::Link::WorkflowEvent scheduled;
      scheduled.set_namespace_(namespace_name);
      scheduled.set_workflow_id(state.workflow_id());
      scheduled.set_run_id(state.run_id());
      scheduled.mutable_event_ref()->set_event_id(op.scheduled_event_id());
      scheduled.mutable_event_ref()->set_event_type(enums::EVENT_TYPE_NEXUS_OPERATION_SCHEDULED);
      link->set_type("temporal.api.common.v1.Link.WorkflowEvent");
      link->set_url(NexusLinkUrl(scheduled));
    }
  }
  options_.nexus->Dispatch(target.Value().namespace_id, target.Value().task_queue,
                           std::move(request), std::chrono::milliseconds(timeout_ms),
                           [this, task, task_id, cancel](matching::NexusMatcher::Outcome outcome) {
                             if (stopped_) return;
                             if (cancel) {
                               OnNexusCancelOutcome(task, task_id, outcome);
                             } else {
                               OnNexusStartOutcome(task, task_id, outcome);
                             }
                           });
}

void Engine::OnNexusStartOutcome(const TransferTask& task, int64_t task_id,
                                 const matching::NexusMatcher::Outcome& outcome) {
  using Kind = matching::NexusMatcher::Outcome::Kind;
  if (outcome.kind == Kind::kCanceled) return;  // shutting down: sent again after the restart
  auto begun = Begin({task.namespace_id(), task.workflow_id(), task.run_id()});
  if (begun.IsFailure()) {
    if (begun.Error().Code() == errors::kNotFound) DropTasks({task_id}, {});
    return;
  }
  Mutation& m = begun.Value();
  MutableState& state = m.run.state;
  NexusOperationInfo* awaiting = AwaitingStart(m, task, task_id);
  if (awaiting == nullptr) return;
  NexusOperationInfo& op = *awaiting;
  const int64_t scheduled_id = op.scheduled_event_id();
  if (outcome.kind == Kind::kTimedOut) {
    RetryNexus(m, op, /*cancel=*/false, RequestTimedOut());
  } else if (outcome.kind == Kind::kHandlerError) {
    if (Retryable(outcome.error)) {
      RetryNexus(m, op, /*cancel=*/false, FromHandlerError(outcome, true));
    } else {
      // reference: handleNonRetryableStartOperationError converts with retryable=true.
      failure_pb::Failure cause = FromHandlerError(outcome, true);
      EndNexusOperation(m, scheduled_id, enums::EVENT_TYPE_NEXUS_OPERATION_FAILED, nullptr, &cause);
    }
  } else if (!outcome.response.has_start_operation()) {
    failure_pb::Failure failure;
    failure.set_message("empty outcome");
    failure.mutable_application_failure_info()->set_type("CallError");
    RetryNexus(m, op, /*cancel=*/false, failure);
  } else {
    const auto& start = outcome.response.start_operation();
    switch (start.variant_case()) {
      case nexus::StartOperationResponse::kSyncSuccess: {
        // The handler's links go on the completion (reference: the NexusOperationCompleted
        // event's links), or on a standalone operation's record.
        std::vector<temporal::api::common::v1::Link> links;
        for (const auto& link : start.sync_success().links()) {
          auto converted = LinkFromNexus(link.url(), link.type());
          if (converted.has_value()) links.push_back(std::move(*converted));
        }
        EndNexusOperation(m, scheduled_id, enums::EVENT_TYPE_NEXUS_OPERATION_COMPLETED,
                          &start.sync_success().payload(), nullptr, &links);
        break;
      }
      case nexus::StartOperationResponse::kAsyncSuccess: {
        const auto& async = start.async_success();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        const std::string& token =
            !async.operation_token().empty() ? async.operation_token() : async.operation_id();
#pragma GCC diagnostic pop
        const bool standalone = state.has_standalone_nexus_operation();
        if (standalone) {
          // No history: the record keeps the handler's links, and "started" is the state.
          for (const auto& link : async.links()) {
            auto converted = LinkFromNexus(link.url(), link.type());
            if (converted.has_value()) {
              *state.mutable_standalone_nexus_operation()->add_links() = *converted;
            }
          }
          op.set_started_event_id(-1);
          op.clear_last_attempt_failure();
          op.clear_next_attempt_schedule_time();
        } else {
          auto* event = AppendOrBuffer(m, enums::EVENT_TYPE_NEXUS_OPERATION_STARTED);
          auto* started = event->mutable_nexus_operation_started_event_attributes();
          started->set_scheduled_event_id(scheduled_id);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
          started->set_operation_id(token);
#pragma GCC diagnostic pop
          started->set_operation_token(token);
          started->set_request_id(op.request_id());
          for (const auto& link : async.links()) {
            auto converted = LinkFromNexus(link.url(), link.type());
            if (converted.has_value()) *event->add_links() = *converted;
          }
          op.set_started_event_id(event->event_id() != 0 ? event->event_id() : -1);
        }
        op.set_operation_token(token);
        op.set_state(enums::PENDING_NEXUS_OPERATION_STATE_STARTED);
        *op.mutable_started_time() = now_();
        if (!IsZero(op.start_to_close_timeout())) {
          TimerTask timer;
          timer.set_kind(TimerTask::KIND_NEXUS_TIMEOUT);
          timer.set_scheduled_event_id(scheduled_id);
          timer.set_timeout_type(enums::TIMEOUT_TYPE_START_TO_CLOSE);
          AddTimer(m, std::move(timer), After(op.start_to_close_timeout()));
        }
        // Canceled while the start was in flight: the handler hears of it now.
        if (op.cancel_requested_event_id() != 0) DispatchNexusCancel(m, op);
        if (!standalone) EnsureWorkflowTask(m);
        break;
      }
      default: {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        if (start.has_operation_error()) {
          const auto& error = start.operation_error();
          if (error.operation_state() == "canceled") {
            failure_pb::Failure cause = CanceledFromNexusFailure(error.failure());
            EndNexusOperation(m, scheduled_id, enums::EVENT_TYPE_NEXUS_OPERATION_CANCELED, nullptr,
                              &cause);
          } else {
            failure_pb::Failure cause = FromNexusFailure(error.failure());
            EndNexusOperation(m, scheduled_id, enums::EVENT_TYPE_NEXUS_OPERATION_FAILED, nullptr,
                              &cause);
          }
        } else if (start.has_failure()) {
          const auto& cause = start.failure();
          EndNexusOperation(m, scheduled_id,
                            cause.has_canceled_failure_info()
                                ? enums::EVENT_TYPE_NEXUS_OPERATION_CANCELED
                                : enums::EVENT_TYPE_NEXUS_OPERATION_FAILED,
                            nullptr, &cause);
        } else {
          failure_pb::Failure failure;
          failure.set_message("empty outcome");
          failure.mutable_application_failure_info()->set_type("CallError");
          RetryNexus(m, op, /*cancel=*/false, failure);
        }
#pragma GCC diagnostic pop
        break;
      }
    }
  }
  auto committed = Commit(m);
  if (committed.IsFailure()) {
    // Not written: the stored task sends the request again after a restart.
  }
}

NexusOperationInfo* Engine::AwaitingStart(Mutation& m, const TransferTask& task, int64_t task_id) {
  MutableState& state = m.run.state;
  m.done_transfer.push_back(task_id);
  auto found = state.mutable_nexus_operations()->find(task.scheduled_event_id());
  if (!IsRunning(state) || found == state.mutable_nexus_operations()->end() ||
      found->second.stamp() != task.stamp() || found->second.started_event_id() != 0 ||
      found->second.state() != enums::PENDING_NEXUS_OPERATION_STATE_SCHEDULED) {
    DropTasks({task_id}, {});
    return nullptr;
  }
  NexusOperationInfo& op = found->second;
  op.set_attempt(op.attempt() + 1);
  *op.mutable_last_attempt_complete_time() = now_();
  return &op;
}

void Engine::OnSystemNexusAnswer(const TransferTask& task, int64_t task_id,
                                 const SystemNexusAnswer& answer) {
  auto begun = Begin({task.namespace_id(), task.workflow_id(), task.run_id()});
  if (begun.IsFailure()) {
    if (begun.Error().Code() == errors::kNotFound) DropTasks({task_id}, {});
    return;
  }
  Mutation& m = begun.Value();
  NexusOperationInfo* op = AwaitingStart(m, task, task_id);
  if (op == nullptr) return;
  switch (answer.kind) {
    case SystemNexusAnswer::Kind::kCompleted:
      EndNexusOperation(m, op->scheduled_event_id(), enums::EVENT_TYPE_NEXUS_OPERATION_COMPLETED,
                        &answer.result, nullptr, &answer.links);
      break;
    case SystemNexusAnswer::Kind::kFailed:
      EndNexusOperation(m, op->scheduled_event_id(), enums::EVENT_TYPE_NEXUS_OPERATION_FAILED,
                        nullptr, &answer.failure);
      break;
    case SystemNexusAnswer::Kind::kRetry:
      RetryNexus(m, *op, /*cancel=*/false, answer.failure);
      break;
  }
  // Not written: the stored task runs the operation again after a restart (its request id makes
  // the retry land on what the first attempt did).
  (void)Commit(m);
}

void Engine::OnNexusCancelOutcome(const TransferTask& task, int64_t task_id,
                                  const matching::NexusMatcher::Outcome& outcome) {
  using Kind = matching::NexusMatcher::Outcome::Kind;
  if (outcome.kind == Kind::kCanceled) return;
  auto begun = Begin({task.namespace_id(), task.workflow_id(), task.run_id()});
  if (begun.IsFailure()) {
    if (begun.Error().Code() == errors::kNotFound) DropTasks({task_id}, {});
    return;
  }
  Mutation& m = begun.Value();
  MutableState& state = m.run.state;
  m.done_transfer.push_back(task_id);
  auto found = state.mutable_nexus_operations()->find(task.scheduled_event_id());
  if (!IsRunning(state) || found == state.mutable_nexus_operations()->end() ||
      found->second.cancel_stamp() != task.stamp() ||
      found->second.cancel_state() != enums::NEXUS_OPERATION_CANCELLATION_STATE_SCHEDULED) {
    DropTasks({task_id}, {});
    return;
  }
  NexusOperationInfo& op = found->second;
  op.set_cancel_attempt(op.cancel_attempt() + 1);
  *op.mutable_cancel_last_attempt_complete_time() = now_();
  auto record = [&](bool succeeded, const failure_pb::Failure* failure) {
    op.set_cancel_state(succeeded ? enums::NEXUS_OPERATION_CANCELLATION_STATE_SUCCEEDED
                                  : enums::NEXUS_OPERATION_CANCELLATION_STATE_FAILED);
    op.clear_cancel_next_attempt_schedule_time();
    if (state.has_standalone_nexus_operation()) return;  // the record is the state
    auto* event =
        AppendOrBuffer(m, succeeded ? enums::EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUEST_COMPLETED
                                    : enums::EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUEST_FAILED);
    event->set_worker_may_ignore(true);
    if (succeeded) {
      auto* attributes = event->mutable_nexus_operation_cancel_request_completed_event_attributes();
      attributes->set_requested_event_id(op.cancel_requested_event_id());
      attributes->set_scheduled_event_id(op.scheduled_event_id());
    } else {
      auto* attributes = event->mutable_nexus_operation_cancel_request_failed_event_attributes();
      attributes->set_requested_event_id(op.cancel_requested_event_id());
      attributes->set_scheduled_event_id(op.scheduled_event_id());
      if (failure != nullptr) *attributes->mutable_failure() = *failure;
    }
    EnsureWorkflowTask(m);
  };
  if (outcome.kind == Kind::kResponse) {
    record(true, nullptr);
  } else if (outcome.kind == Kind::kHandlerError && !Retryable(outcome.error)) {
    failure_pb::Failure failure = FromHandlerError(outcome, false);
    *op.mutable_cancel_last_attempt_failure() = failure;
    record(false, &failure);
  } else {
    RetryNexus(
        m, op, /*cancel=*/true,
        outcome.kind == Kind::kTimedOut ? RequestTimedOut() : FromHandlerError(outcome, true));
  }
  (void)Commit(m);
}

void Engine::RetryNexus(Mutation& m, NexusOperationInfo& op, bool cancel,
                        const failure_pb::Failure& failure) {
  const int32_t attempt = cancel ? op.cancel_attempt() : op.attempt();
  // reference: min(initial * 2^(attempt-1), max), then jittered to [0.8, 1.0) of that.
  const int64_t max_ms = std::chrono::milliseconds(options_.nexus_retry_max).count();
  int64_t backoff_ms = std::chrono::milliseconds(options_.nexus_retry_initial).count();
  for (int32_t i = 1; i < attempt && backoff_ms < max_ms; ++i) backoff_ms *= 2;
  backoff_ms = std::min(backoff_ms, max_ms);
  static thread_local std::mt19937_64 random(std::random_device{}());
  backoff_ms = backoff_ms * 4 / 5 +
               static_cast<int64_t>(random() % static_cast<uint64_t>(backoff_ms / 5 + 1));
  google::protobuf::Timestamp next = After(DurationFromMillis(backoff_ms));
  if (cancel) {
    *op.mutable_cancel_last_attempt_failure() = failure;
    op.set_cancel_state(enums::NEXUS_OPERATION_CANCELLATION_STATE_BACKING_OFF);
    *op.mutable_cancel_next_attempt_schedule_time() = next;
  } else {
    *op.mutable_last_attempt_failure() = failure;
    op.set_state(enums::PENDING_NEXUS_OPERATION_STATE_BACKING_OFF);
    *op.mutable_next_attempt_schedule_time() = next;
  }
  TimerTask retry;
  retry.set_kind(TimerTask::KIND_NEXUS_RETRY);
  retry.set_scheduled_event_id(op.scheduled_event_id());
  retry.set_stamp(cancel ? op.cancel_stamp() : op.stamp());
  if (cancel) retry.set_timer_id(kCancelRetry);
  AddTimer(m, std::move(retry), next);
}

void Engine::EndNexusOperation(Mutation& m, int64_t scheduled_event_id, enums::EventType type,
                               const temporal::api::common::v1::Payload* result,
                               const failure_pb::Failure* cause,
                               const std::vector<temporal::api::common::v1::Link>* links) {
  MutableState& state = m.run.state;
  auto found = state.mutable_nexus_operations()->find(scheduled_event_id);
  if (found == state.mutable_nexus_operations()->end()) return;
  const NexusOperationInfo& op = found->second;
  if (state.has_standalone_nexus_operation()) {
    if (links != nullptr) {
      for (const auto& link : *links)
        *state.mutable_standalone_nexus_operation()->add_links() = link;
    }
    // A standalone operation closes with its outcome, the failure as the handler gave it (no
    // NexusOperationFailure wrapper: there is no caller workflow to name).
    enums::WorkflowExecutionStatus status = enums::WORKFLOW_EXECUTION_STATUS_COMPLETED;
    switch (type) {
      case enums::EVENT_TYPE_NEXUS_OPERATION_FAILED:
        status = enums::WORKFLOW_EXECUTION_STATUS_FAILED;
        break;
      case enums::EVENT_TYPE_NEXUS_OPERATION_CANCELED:
        status = enums::WORKFLOW_EXECUTION_STATUS_CANCELED;
        break;
      case enums::EVENT_TYPE_NEXUS_OPERATION_TIMED_OUT:
        status = enums::WORKFLOW_EXECUTION_STATUS_TIMED_OUT;
        break;
      default:
        break;
    }
    CloseStandaloneNexus(m, status, result, cause);
    return;
  }
  // Failures reach the workflow wrapped as the reference wraps them: a NexusOperationFailure
  // naming the operation, with what happened as its cause.
  failure_pb::Failure failure;
  if (cause != nullptr) {
    failure.set_message("nexus operation completed unsuccessfully");
    auto* info = failure.mutable_nexus_operation_execution_failure_info();
    info->set_scheduled_event_id(scheduled_event_id);
    info->set_endpoint(op.endpoint());
    info->set_service(op.service());
    info->set_operation(op.operation());
    info->set_operation_token(op.operation_token());
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    info->set_operation_id(op.operation_token());
#pragma GCC diagnostic pop
    *failure.mutable_cause() = *cause;
  }
  auto* event = AppendOrBuffer(m, type);
  switch (type) {
    case enums::EVENT_TYPE_NEXUS_OPERATION_COMPLETED: {
      auto* attributes = event->mutable_nexus_operation_completed_event_attributes();
      attributes->set_scheduled_event_id(scheduled_event_id);
      if (result != nullptr) *attributes->mutable_result() = *result;
      attributes->set_request_id(op.request_id());
      if (links != nullptr) {
        for (const auto& link : *links) *event->add_links() = link;
      }
      break;
    }
    case enums::EVENT_TYPE_NEXUS_OPERATION_FAILED: {
      auto* attributes = event->mutable_nexus_operation_failed_event_attributes();
      attributes->set_scheduled_event_id(scheduled_event_id);
      *attributes->mutable_failure() = failure;
      attributes->set_request_id(op.request_id());
      break;
    }
    case enums::EVENT_TYPE_NEXUS_OPERATION_CANCELED: {
      auto* attributes = event->mutable_nexus_operation_canceled_event_attributes();
      attributes->set_scheduled_event_id(scheduled_event_id);
      *attributes->mutable_failure() = failure;
      attributes->set_request_id(op.request_id());
      break;
    }
    case enums::EVENT_TYPE_NEXUS_OPERATION_TIMED_OUT: {
      auto* attributes = event->mutable_nexus_operation_timed_out_event_attributes();
      attributes->set_scheduled_event_id(scheduled_event_id);
      *attributes->mutable_failure() = failure;
      attributes->set_request_id(op.request_id());
      break;
    }
    default:
      break;
  }
  state.mutable_nexus_operations()->erase(found);
  EnsureWorkflowTask(m);
}

// --- timers

bool Engine::OnNexusTimeout(Mutation& m, const TimerTask& timer) {
  MutableState& state = m.run.state;
  auto found = state.mutable_nexus_operations()->find(timer.scheduled_event_id());
  if (found == state.mutable_nexus_operations()->end()) return false;
  const NexusOperationInfo& op = found->second;
  const auto type = static_cast<enums::TimeoutType>(timer.timeout_type());
  // A schedule-to-start timeout no longer applies once the operation started.
  if (type == enums::TIMEOUT_TYPE_SCHEDULE_TO_START && op.started_event_id() != 0) return false;
  failure_pb::Failure cause;
  cause.set_message("operation timed out");
  cause.mutable_timeout_failure_info()->set_timeout_type(type);
  EndNexusOperation(m, timer.scheduled_event_id(), enums::EVENT_TYPE_NEXUS_OPERATION_TIMED_OUT,
                    nullptr, &cause);
  return true;
}

bool Engine::OnNexusRetry(Mutation& m, const TimerTask& timer) {
  MutableState& state = m.run.state;
  auto found = state.mutable_nexus_operations()->find(timer.scheduled_event_id());
  if (found == state.mutable_nexus_operations()->end()) return false;
  NexusOperationInfo& op = found->second;
  if (timer.timer_id() == kCancelRetry) {
    if (op.cancel_stamp() != timer.stamp() ||
        op.cancel_state() != enums::NEXUS_OPERATION_CANCELLATION_STATE_BACKING_OFF) {
      return false;
    }
    DispatchNexusCancel(m, op);
    return true;
  }
  if (op.stamp() != timer.stamp() ||
      op.state() != enums::PENDING_NEXUS_OPERATION_STATE_BACKING_OFF) {
    return false;
  }
  DispatchNexusStart(m, op);
  return true;
}

// --- completions (the caller side of a callback)

// The run whose operation a completion token names: the token's run while it has the operation
// pending, else the workflow's current run if that one has it (the caller was reset: the new run
// holds the operations pending at the reset point under the same ids; reference:
// CompletionHandler's retry on the current run).
std::string Engine::NexusCallerRunId(const NexusCallbackToken& token) {
  auto pending_in = [&](const std::string& run_id) {
    auto run = PeekRun({token.namespace_id(), token.workflow_id(), run_id});
    if (run.IsFailure() || !IsRunning(run.Value()->state)) return false;
    auto found = run.Value()->state.nexus_operations().find(token.scheduled_event_id());
    return found != run.Value()->state.nexus_operations().end() &&
           found->second.request_id() == token.request_id();
  };
  if (pending_in(token.run_id()) || token.request_id().empty()) return token.run_id();
  auto current = ResolveRunId(token.namespace_id(), token.workflow_id(), "");
  if (current.IsSuccess() && current.Value() != token.run_id() && pending_in(current.Value())) {
    return current.Value();
  }
  return token.run_id();
}

void Engine::ApplyNexusCompletion(Mutation& m, NexusOperationInfo& op,
                                  const NexusCompletion& completion) {
  if (op.started_event_id() == 0 && m.run.state.has_standalone_nexus_operation()) {
    // The completion overtook the start's answer: started first, with the completion's links.
    for (const auto& link : completion.links) {
      *m.run.state.mutable_standalone_nexus_operation()->add_links() = link;
    }
    op.set_operation_token(completion.operation_token);
    op.set_started_event_id(-1);
    *op.mutable_started_time() = IsSet(completion.start_time) ? completion.start_time : now_();
    op.set_stamp(op.stamp() + 1);  // the start in flight, if any, is stale now
  } else if (op.started_event_id() == 0) {
    // The completion overtook the start's answer: the operation started first (reference).
    auto* event = AppendOrBuffer(m, enums::EVENT_TYPE_NEXUS_OPERATION_STARTED);
    auto* started = event->mutable_nexus_operation_started_event_attributes();
    started->set_scheduled_event_id(op.scheduled_event_id());
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    started->set_operation_id(completion.operation_token);
#pragma GCC diagnostic pop
    started->set_operation_token(completion.operation_token);
    started->set_request_id(op.request_id());
    for (const auto& link : completion.links) *event->add_links() = link;
    op.set_operation_token(completion.operation_token);
    op.set_started_event_id(event->event_id() != 0 ? event->event_id() : -1);
    op.set_stamp(op.stamp() + 1);  // the start in flight, if any, is stale now
  }
  const int64_t scheduled_event_id = op.scheduled_event_id();  // `op` is dropped by the end
  switch (completion.state) {
    case NexusCompletion::State::kSucceeded:
      EndNexusOperation(m, scheduled_event_id, enums::EVENT_TYPE_NEXUS_OPERATION_COMPLETED,
                        &completion.result, nullptr);
      break;
    case NexusCompletion::State::kFailed:
      EndNexusOperation(m, scheduled_event_id, enums::EVENT_TYPE_NEXUS_OPERATION_FAILED, nullptr,
                        &completion.failure);
      break;
    case NexusCompletion::State::kCanceled:
      EndNexusOperation(m, scheduled_event_id, enums::EVENT_TYPE_NEXUS_OPERATION_CANCELED, nullptr,
                        &completion.failure);
      break;
  }
}

hugo::Result<hugo::Unit> Engine::CompleteNexusOperation(const NexusCompletion& completion) {
  auto bytes = Base64UrlDecode(completion.token);
  NexusCallbackToken token;
  if (!bytes.has_value() || !token.ParseFromString(*bytes) || token.namespace_id().empty() ||
      token.scheduled_event_id() <= 0) {
    return InvalidArgument("invalid callback token");
  }
  auto begun = Begin({token.namespace_id(), token.workflow_id(), NexusCallerRunId(token)});
  if (begun.IsFailure()) return begun.Error();
  Mutation& m = begun.Value();
  MutableState& state = m.run.state;
  if (!IsRunning(state)) return NotFound("workflow execution already completed");
  auto found = state.mutable_nexus_operations()->find(token.scheduled_event_id());
  if (found == state.mutable_nexus_operations()->end() ||
      found->second.request_id() != token.request_id()) {
    return NotFound("operation not found or already completed");
  }
  ApplyNexusCompletion(m, found->second, completion);
  return Commit(m);
}

// --- callbacks (the handler side)

void Engine::QueueCallbacks(Mutation& m, const hist::HistoryEvent& close_event) {
  MutableState& state = m.run.state;
  // The run's close reports to the chain's callbacks; an update's completion to that update's.
  const std::string update_id =
      close_event.event_type() == enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED
          ? close_event.workflow_execution_update_completed_event_attributes().meta().update_id()
          : std::string();
  bool any = false;
  for (auto& info : *state.mutable_callbacks()) {
    if (info.update_id() != update_id) continue;
    if (info.state() == enums::CALLBACK_STATE_STANDBY) {
      info.set_state(enums::CALLBACK_STATE_SCHEDULED);
      any = true;
    }
  }
  if (!any) return;
  TransferTask task = TaskOf(state, TransferTask::KIND_NEXUS_CALLBACKS);
  *task.mutable_event() = close_event;
  m.transfer.push_back(std::move(task));
}

hugo::Result<hugo::Unit> Engine::ProcessCallbacks(const TransferTask& task, int64_t task_id) {
  auto begun = Begin({task.namespace_id(), task.workflow_id(), task.run_id()});
  if (begun.IsFailure()) {
    if (begun.Error().Code() == errors::kNotFound) DropTasks({task_id}, {});
    return begun.Error().Code() == errors::kNotFound ? hugo::Ok()
                                                     : hugo::Result<hugo::Unit>(begun.Error());
  }
  Mutation& m = begun.Value();
  MutableState& state = m.run.state;
  m.done_transfer.push_back(task_id);
  // The outcome every callback reports, from the chain's close event.
  NexusCompletion completion;
  const hist::HistoryEvent& close = task.event();
  switch (close.event_type()) {
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: {
      const auto& result = close.workflow_execution_completed_event_attributes().result();
      if (result.payloads_size() > 0) {
        completion.result = result.payloads(0);
      } else {
        (*completion.result.mutable_metadata())["encoding"] = "binary/null";
      }
      break;
    }
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
      completion.state = NexusCompletion::State::kFailed;
      completion.failure = close.workflow_execution_failed_event_attributes().failure();
      break;
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: {
      completion.state = NexusCompletion::State::kCanceled;
      completion.failure.set_message("operation canceled");
      auto* info = completion.failure.mutable_canceled_failure_info();
      const auto& attributes = close.workflow_execution_canceled_event_attributes();
      if (attributes.has_details()) *info->mutable_details() = attributes.details();
      break;
    }
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
      completion.state = NexusCompletion::State::kFailed;
      completion.failure.set_message("operation terminated");
      completion.failure.mutable_terminated_failure_info();
      break;
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
      completion.state = NexusCompletion::State::kFailed;
      completion.failure.set_message("operation exceeded internal timeout");
      completion.failure.mutable_timeout_failure_info()->set_timeout_type(
          enums::TIMEOUT_TYPE_START_TO_CLOSE);
      break;
    case enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED: {
      // An update's outcome (a Nexus operation the update backs).
      const auto& outcome = close.workflow_execution_update_completed_event_attributes().outcome();
      if (outcome.has_failure()) {
        completion.state = NexusCompletion::State::kFailed;
        completion.failure = outcome.failure();
      } else if (outcome.success().payloads_size() > 0) {
        completion.result = outcome.success().payloads(0);
      } else {
        (*completion.result.mutable_metadata())["encoding"] = "binary/null";
      }
      break;
    }
    default:
      DropTasks({task_id}, {});
      return hugo::Ok();
  }
  completion.start_time = state.start_time();
  // A link to the handler's run (its Started event), for the caller's NexusOperationStarted; to
  // the activity for a standalone activity's.
  temporal::api::common::v1::Link link;
  if (state.has_standalone_activity()) {
    auto* activity = link.mutable_activity();
    activity->set_namespace_(NamespaceNameOf(state.namespace_id()));
    activity->set_activity_id(state.standalone_activity().activity_id());
    activity->set_run_id(state.run_id());
  }
  const bool update = close.event_type() == enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED;
  const std::string update_id =
      update ? close.workflow_execution_update_completed_event_attributes().meta().update_id()
             : std::string();
  auto* workflow_event = state.has_standalone_activity() ? nullptr : link.mutable_workflow_event();
  if (workflow_event != nullptr && update) {
    // An update's: its UpdateAccepted event in this run.
    workflow_event->set_namespace_(NamespaceNameOf(state.namespace_id()));
    workflow_event->set_workflow_id(state.workflow_id());
    workflow_event->set_run_id(state.run_id());
    workflow_event->mutable_event_ref()->set_event_id(
        close.workflow_execution_update_completed_event_attributes().accepted_event_id());
    workflow_event->mutable_event_ref()->set_event_type(
        enums::EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
  } else if (workflow_event != nullptr) {
    workflow_event->set_namespace_(NamespaceNameOf(state.namespace_id()));
    workflow_event->set_workflow_id(state.workflow_id());
    workflow_event->set_run_id(
        state.first_execution_run_id().empty() ? state.run_id() : state.first_execution_run_id());
    workflow_event->mutable_event_ref()->set_event_id(1);
    workflow_event->mutable_event_ref()->set_event_type(
        enums::EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
  }
  completion.links.push_back(link);
  const std::string own_prefix =
      options_.nexus_callback_url ? options_.nexus_callback_url("") : std::string();
  std::vector<std::unique_ptr<Mutation>> callers;
  for (auto& info : *state.mutable_callbacks()) {
    if (info.state() != enums::CALLBACK_STATE_SCHEDULED || info.update_id() != update_id) continue;
    info.set_attempt(info.attempt() + 1);
    *info.mutable_last_attempt_complete_time() = now_();
    const auto& nexus_callback = info.callback().nexus();
    // hdo's own callback route (any namespace), or the reference's in-process URL.
    std::string url = nexus_callback.url();
    const std::string route = "/nexus/callback";
    const bool own = url == "temporal://system" ||
                     (!own_prefix.empty() && url.size() >= route.size() &&
                      url.compare(url.size() - route.size(), route.size(), route) == 0 &&
                      url.rfind(own_prefix.substr(0, own_prefix.find("/namespaces/")), 0) == 0);
    // The caller's token, and the operation token the handler's SDK registered with it.
    std::string token;
    completion.operation_token.clear();
    for (const auto& [key, value] : nexus_callback.header()) {
      const std::string lower = Lower(key);
      if (lower == kCallbackTokenHeader) token = value;
      if (lower == "nexus-operation-token") completion.operation_token = value;
    }
    if (!own) {
      info.set_state(enums::CALLBACK_STATE_FAILED);
      info.mutable_last_attempt_failure()->set_message(
          "callback URL " + url +
          " is not this server's: delivery to other servers is not "
          "supported yet");
      continue;
    }
    completion.token = token;
    // The caller's operation changes in the same transaction as this callback's state.
    auto bytes = Base64UrlDecode(token);
    NexusCallbackToken decoded;
    if (!bytes.has_value() || !decoded.ParseFromString(*bytes)) {
      info.set_state(enums::CALLBACK_STATE_FAILED);
      info.mutable_last_attempt_failure()->set_message("invalid callback token");
      continue;
    }
    // Several callbacks may complete operations of one caller run (a workflow that joined a
    // running handler workflow more than once): one mutation per caller run.
    auto begun_caller = [&](const std::string& run_id) -> Mutation* {
      for (auto& other : callers) {
        const auto& key = other->run.record.key;
        if (key.namespace_id == decoded.namespace_id() &&
            key.workflow_id == decoded.workflow_id() && key.run_id == run_id) {
          return other.get();
        }
      }
      return nullptr;
    };
    Mutation* target = begun_caller(decoded.run_id());
    persistence::RunKey caller_key{decoded.namespace_id(), decoded.workflow_id(), decoded.run_id()};
    if (target == nullptr) {
      caller_key.run_id = NexusCallerRunId(decoded);
      target = begun_caller(caller_key.run_id);
    }
    if (target == nullptr) {
      auto caller = Begin(caller_key);
      if (caller.IsFailure() && caller.Error().Code() != errors::kNotFound) {
        return caller.Error();
      }
      if (caller.IsSuccess()) {
        callers.push_back(std::make_unique<Mutation>(std::move(caller).Value()));
        target = callers.back().get();
      }
    }
    MutableState* caller_state = target != nullptr ? &target->run.state : nullptr;
    auto op = caller_state != nullptr
                  ? caller_state->mutable_nexus_operations()->find(decoded.scheduled_event_id())
                  : decltype(caller_state->mutable_nexus_operations()->find(0)){};
    if (caller_state == nullptr || !IsRunning(*caller_state) ||
        op == caller_state->mutable_nexus_operations()->end() ||
        op->second.request_id() != decoded.request_id()) {
      // reference: a completion the caller cannot take (gone, closed, operation done) fails the
      // callback for good.
      info.set_state(enums::CALLBACK_STATE_FAILED);
      info.mutable_last_attempt_failure()->set_message(
          "the caller's operation is no longer pending");
      continue;
    }
    ApplyNexusCompletion(*target, op->second, completion);
    info.set_state(enums::CALLBACK_STATE_SUCCEEDED);
    info.clear_last_attempt_failure();
  }
  for (auto& caller : callers) m.also.push_back(std::move(*caller));
  return Commit(m);
}

// --- describe

void Engine::DescribeNexus(const MutableState& state,
                           wf::DescribeWorkflowExecutionResponse* response) {
  for (const auto& [id, op] : state.nexus_operations()) {
    auto* pending = response->add_pending_nexus_operations();
    pending->set_endpoint(op.endpoint());
    pending->set_service(op.service());
    pending->set_operation(op.operation());
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    pending->set_operation_id(op.operation_token());
#pragma GCC diagnostic pop
    pending->set_operation_token(op.operation_token());
    *pending->mutable_schedule_to_close_timeout() = op.schedule_to_close_timeout();
    *pending->mutable_schedule_to_start_timeout() = op.schedule_to_start_timeout();
    *pending->mutable_start_to_close_timeout() = op.start_to_close_timeout();
    *pending->mutable_scheduled_time() = op.scheduled_time();
    pending->set_state(static_cast<enums::PendingNexusOperationState>(op.state()));
    pending->set_attempt(op.attempt());
    if (op.has_last_attempt_complete_time()) {
      *pending->mutable_last_attempt_complete_time() = op.last_attempt_complete_time();
    }
    if (op.has_last_attempt_failure()) {
      *pending->mutable_last_attempt_failure() = op.last_attempt_failure();
    }
    if (op.has_next_attempt_schedule_time()) {
      *pending->mutable_next_attempt_schedule_time() = op.next_attempt_schedule_time();
    }
    pending->set_scheduled_event_id(op.scheduled_event_id());
    if (op.cancel_requested_event_id() != 0) {
      auto* cancel = pending->mutable_cancellation_info();
      *cancel->mutable_requested_time() = op.cancel_requested_time();
      cancel->set_state(static_cast<enums::NexusOperationCancellationState>(op.cancel_state()));
      cancel->set_attempt(op.cancel_attempt());
      if (op.has_cancel_last_attempt_complete_time()) {
        *cancel->mutable_last_attempt_complete_time() = op.cancel_last_attempt_complete_time();
      }
      if (op.has_cancel_last_attempt_failure()) {
        *cancel->mutable_last_attempt_failure() = op.cancel_last_attempt_failure();
      }
      if (op.has_cancel_next_attempt_schedule_time()) {
        *cancel->mutable_next_attempt_schedule_time() = op.cancel_next_attempt_schedule_time();
      }
    }
  }
  for (const auto& info : state.callbacks()) {
    auto* callback = response->add_callbacks();
    *callback->mutable_callback() = info.callback();
    if (info.update_id().empty()) {
      callback->mutable_trigger()->mutable_workflow_closed();
    } else {
      callback->mutable_trigger()->mutable_update_workflow_execution_completed()->set_update_id(
          info.update_id());
    }
    *callback->mutable_registration_time() = info.registration_time();
    callback->set_state(static_cast<enums::CallbackState>(info.state()));
    callback->set_attempt(info.attempt());
    if (info.has_last_attempt_complete_time()) {
      *callback->mutable_last_attempt_complete_time() = info.last_attempt_complete_time();
    }
    if (info.has_last_attempt_failure()) {
      *callback->mutable_last_attempt_failure() = info.last_attempt_failure();
    }
    if (info.has_next_attempt_schedule_time()) {
      *callback->mutable_next_attempt_schedule_time() = info.next_attempt_schedule_time();
    }
    callback->set_blocked_reason(info.blocked_reason());
  }
}

}  // namespace hdo::history
