#include "hdo/failure.h"

#include <array>
#include <optional>
#include <utility>

#include "temporal/api/enums/v1/workflow.pb.h"

namespace hdo {
namespace {

using temporal::api::enums::v1::RetryState;
using temporal::api::enums::v1::TimeoutType;

// Metadata keys (see the table in failure.h).
constexpr const char* kType = "type";
constexpr const char* kNonRetryable = "non_retryable";
constexpr const char* kDetails = "details";
constexpr const char* kNextRetryDelay = "next_retry_delay";
constexpr const char* kIdentity = "identity";
constexpr const char* kTimeoutType = "timeout_type";
constexpr const char* kLastHeartbeatDetails = "last_heartbeat_details";
constexpr const char* kActivityType = "activity_type";
constexpr const char* kActivityId = "activity_id";
constexpr const char* kRetryState = "retry_state";
constexpr const char* kScheduledEventId = "scheduled_event_id";
constexpr const char* kStartedEventId = "started_event_id";
constexpr const char* kInitiatedEventId = "initiated_event_id";
constexpr const char* kNamespace = "namespace";
constexpr const char* kWorkflowId = "workflow_id";
constexpr const char* kRunId = "run_id";
constexpr const char* kWorkflowType = "workflow_type";
constexpr const char* kSource = "source";
constexpr const char* kStackTrace = "stack_trace";

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t chunk = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) chunk |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) chunk |= static_cast<uint8_t>(bytes[i + 2]);
    size_t remaining = bytes.size() - i;
    for (size_t k = 0; k < 4; ++k) {
      out += k <= remaining ? kBase64Alphabet[(chunk >> (18 - 6 * k)) & 0x3f] : '=';
    }
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  std::string out;
  uint32_t chunk = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    size_t value = kBase64Alphabet.find(c);
    if (value == std::string_view::npos) return std::nullopt;
    chunk = (chunk << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((chunk >> bits) & 0xff);
    }
  }
  return out;
}

std::string MetaString(const hugo::Error& error, std::string_view key) {
  return error.TryGetMetadata<std::string>(key).value_or("");
}
int64_t MetaInt(const hugo::Error& error, std::string_view key) {
  return error.TryGetMetadata<int64_t>(key).value_or(0);
}
bool MetaBool(const hugo::Error& error, std::string_view key) {
  return error.TryGetMetadata<bool>(key).value_or(false);
}

// Sets a Payloads field only when the error has some (an empty message would be a change of shape).
template <class SetField>
void CopyPayloads(const hugo::Error& error, const char* key, SetField set_field) {
  Payloads payloads = FailureDetails(error, key);
  if (payloads.payloads_size() > 0) set_field(std::move(payloads));
}

hugo::Error WithPayloads(hugo::Error error, const char* key, const Payloads& payloads) {
  if (payloads.payloads_size() == 0) return error;
  return error.WithMetadata(key, Base64Encode(payloads.SerializeAsString()));
}

// Timeout kinds by the names the other SDKs print ("StartToClose").
constexpr std::array<std::pair<TimeoutType, std::string_view>, 4> kTimeoutNames{{
    {temporal::api::enums::v1::TIMEOUT_TYPE_START_TO_CLOSE, "StartToClose"},
    {temporal::api::enums::v1::TIMEOUT_TYPE_SCHEDULE_TO_START, "ScheduleToStart"},
    {temporal::api::enums::v1::TIMEOUT_TYPE_SCHEDULE_TO_CLOSE, "ScheduleToClose"},
    {temporal::api::enums::v1::TIMEOUT_TYPE_HEARTBEAT, "Heartbeat"},
}};

std::string TimeoutTypeName(TimeoutType type) {
  for (const auto& [value, name] : kTimeoutNames) {
    if (value == type) return std::string(name);
  }
  return {};
}

TimeoutType ParseTimeoutType(std::string_view name) {
  for (const auto& [value, text] : kTimeoutNames) {
    if (text == name) return value;
  }
  return temporal::api::enums::v1::TIMEOUT_TYPE_UNSPECIFIED;
}

std::string RetryStateName(RetryState state) {
  if (state == temporal::api::enums::v1::RETRY_STATE_UNSPECIFIED) return {};
  return temporal::api::enums::v1::RetryState_Name(state);
}

RetryState ParseRetryState(const std::string& name) {
  RetryState state = temporal::api::enums::v1::RETRY_STATE_UNSPECIFIED;
  if (!name.empty()) temporal::api::enums::v1::RetryState_Parse(name, &state);
  return state;
}

// ------------------------------------------------------------------ error -> failure

void FillApplication(const hugo::Error& error, Failure& failure) {
  auto& info = *failure.mutable_application_failure_info();
  info.set_type(ApplicationErrorType(error));
  info.set_non_retryable(error.HasCode(FailureCodes::kApplication) &&
                         MetaBool(error, kNonRetryable));
  CopyPayloads(error, kDetails, [&](Payloads p) { *info.mutable_details() = std::move(p); });
  if (auto delay = error.TryGetMetadata<hugo::Duration>(kNextRetryDelay)) {
    auto nanos = delay->count();
    info.mutable_next_retry_delay()->set_seconds(nanos / 1'000'000'000);
    info.mutable_next_retry_delay()->set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
  }
}

void FillActivity(const hugo::Error& error, Failure& failure) {
  auto& info = *failure.mutable_activity_failure_info();
  info.set_scheduled_event_id(MetaInt(error, kScheduledEventId));
  info.set_started_event_id(MetaInt(error, kStartedEventId));
  info.set_identity(MetaString(error, kIdentity));
  info.mutable_activity_type()->set_name(MetaString(error, kActivityType));
  info.set_activity_id(MetaString(error, kActivityId));
  info.set_retry_state(ParseRetryState(MetaString(error, kRetryState)));
}

void FillChildWorkflow(const hugo::Error& error, Failure& failure) {
  auto& info = *failure.mutable_child_workflow_execution_failure_info();
  info.set_namespace_(MetaString(error, kNamespace));
  info.mutable_workflow_execution()->set_workflow_id(MetaString(error, kWorkflowId));
  info.mutable_workflow_execution()->set_run_id(MetaString(error, kRunId));
  info.mutable_workflow_type()->set_name(MetaString(error, kWorkflowType));
  info.set_initiated_event_id(MetaInt(error, kInitiatedEventId));
  info.set_started_event_id(MetaInt(error, kStartedEventId));
  info.set_retry_state(ParseRetryState(MetaString(error, kRetryState)));
}

void FillInfo(const hugo::Error& error, Failure& failure) {
  std::string_view code = error.Code();
  if (code == FailureCodes::kCanceled) {
    auto& info = *failure.mutable_canceled_failure_info();
    CopyPayloads(error, kDetails, [&](Payloads p) { *info.mutable_details() = std::move(p); });
    info.set_identity(MetaString(error, kIdentity));
  } else if (code == FailureCodes::kTimeout) {
    auto& info = *failure.mutable_timeout_failure_info();
    info.set_timeout_type(ParseTimeoutType(MetaString(error, kTimeoutType)));
    CopyPayloads(error, kLastHeartbeatDetails,
                 [&](Payloads p) { *info.mutable_last_heartbeat_details() = std::move(p); });
  } else if (code == FailureCodes::kActivity) {
    FillActivity(error, failure);
  } else if (code == FailureCodes::kChildWorkflow) {
    FillChildWorkflow(error, failure);
  } else if (code == FailureCodes::kTerminated) {
    failure.mutable_terminated_failure_info()->set_identity(MetaString(error, kIdentity));
  } else if (code == FailureCodes::kServer) {
    failure.mutable_server_failure_info()->set_non_retryable(MetaBool(error, kNonRetryable));
  } else if (code == FailureCodes::kResetWorkflow) {
    auto& info = *failure.mutable_reset_workflow_failure_info();
    CopyPayloads(error, kLastHeartbeatDetails,
                 [&](Payloads p) { *info.mutable_last_heartbeat_details() = std::move(p); });
  } else {
    FillApplication(error, failure);
  }
}

Failure ErrorToFailureAt(const hugo::Error& error, int depth) {
  Failure failure;
  failure.set_message(error.Message());
  std::string source = MetaString(error, kSource);
  failure.set_source(source.empty() ? std::string(kFailureSource) : source);
  failure.set_stack_trace(MetaString(error, kStackTrace));
  FillInfo(error, failure);
  if (error.Cause() != nullptr && depth + 1 < kFailureCauseDepthMax) {
    *failure.mutable_cause() = ErrorToFailureAt(*error.Cause(), depth + 1);
  }
  return failure;
}

// ------------------------------------------------------------------ failure -> error

hugo::Error FromApplication(const temporal::api::failure::v1::ApplicationFailureInfo& info,
                            std::string message) {
  hugo::Error error =
      ApplicationError(std::move(message), info.type(), info.non_retryable(), info.details());
  if (info.has_next_retry_delay()) {
    hugo::Duration delay = std::chrono::seconds(info.next_retry_delay().seconds()) +
                           std::chrono::nanoseconds(info.next_retry_delay().nanos());
    error = error.WithMetadata(kNextRetryDelay, delay);
  }
  return error;
}

hugo::Error FromActivity(const temporal::api::failure::v1::ActivityFailureInfo& info,
                         std::string message) {
  return hugo::Error::From(std::move(message), std::string(FailureCodes::kActivity))
      .WithMetadata(kActivityType, info.activity_type().name())
      .WithMetadata(kActivityId, info.activity_id())
      .WithMetadata(kRetryState, RetryStateName(info.retry_state()))
      .WithMetadata(kIdentity, info.identity())
      .WithMetadata(kScheduledEventId, info.scheduled_event_id())
      .WithMetadata(kStartedEventId, info.started_event_id());
}

hugo::Error FromChildWorkflow(
    const temporal::api::failure::v1::ChildWorkflowExecutionFailureInfo& info,
    std::string message) {
  return hugo::Error::From(std::move(message), std::string(FailureCodes::kChildWorkflow))
      .WithMetadata(kNamespace, info.namespace_())
      .WithMetadata(kWorkflowId, info.workflow_execution().workflow_id())
      .WithMetadata(kRunId, info.workflow_execution().run_id())
      .WithMetadata(kWorkflowType, info.workflow_type().name())
      .WithMetadata(kRetryState, RetryStateName(info.retry_state()))
      .WithMetadata(kInitiatedEventId, info.initiated_event_id())
      .WithMetadata(kStartedEventId, info.started_event_id());
}

hugo::Error InfoToError(const Failure& failure, std::string message) {
  auto code = [](std::string_view c) { return std::string(c); };
  switch (failure.failure_info_case()) {
    case Failure::kCanceledFailureInfo: {
      hugo::Error error = hugo::Error::From(std::move(message), code(FailureCodes::kCanceled));
      if (!failure.canceled_failure_info().identity().empty()) {
        error = error.WithMetadata(kIdentity, failure.canceled_failure_info().identity());
      }
      return WithPayloads(error, kDetails, failure.canceled_failure_info().details());
    }
    case Failure::kTimeoutFailureInfo: {
      const auto& info = failure.timeout_failure_info();
      hugo::Error error = hugo::Error::From(std::move(message), code(FailureCodes::kTimeout))
                              .WithMetadata(kTimeoutType, TimeoutTypeName(info.timeout_type()));
      return WithPayloads(error, kLastHeartbeatDetails, info.last_heartbeat_details());
    }
    case Failure::kActivityFailureInfo:
      return FromActivity(failure.activity_failure_info(), std::move(message));
    case Failure::kChildWorkflowExecutionFailureInfo:
      return FromChildWorkflow(failure.child_workflow_execution_failure_info(), std::move(message));
    case Failure::kTerminatedFailureInfo: {
      hugo::Error error = hugo::Error::From(std::move(message), code(FailureCodes::kTerminated));
      const std::string& identity = failure.terminated_failure_info().identity();
      return identity.empty() ? error : error.WithMetadata(kIdentity, identity);
    }
    case Failure::kServerFailureInfo:
      return hugo::Error::From(std::move(message), code(FailureCodes::kServer))
          .WithMetadata(kNonRetryable, failure.server_failure_info().non_retryable());
    case Failure::kResetWorkflowFailureInfo:
      return WithPayloads(hugo::Error::From(std::move(message), code(FailureCodes::kResetWorkflow)),
                          kLastHeartbeatDetails,
                          failure.reset_workflow_failure_info().last_heartbeat_details());
    case Failure::kApplicationFailureInfo:
      return FromApplication(failure.application_failure_info(), std::move(message));
    default:
      // No info (or a kind this SDK does not know, e.g. Nexus): a plain application failure.
      return ApplicationError(std::move(message));
  }
}

hugo::Error FailureToErrorAt(const Failure& failure, int depth) {
  std::string message = failure.message();
  std::string stack_trace = failure.stack_trace();
  // Go's EncodeCommonAttributes moves message and stack trace into a json/plain payload.
  if (failure.has_encoded_attributes()) {
    auto attributes = FromPayload<nlohmann::json>(failure.encoded_attributes());
    if (attributes.IsSuccess() && attributes.Value().is_object()) {
      message = attributes.Value().value("message", message);
      stack_trace = attributes.Value().value("stack_trace", stack_trace);
    }
  }
  hugo::Error error = InfoToError(failure, std::move(message));
  if (!failure.source().empty()) error = error.WithMetadata(kSource, failure.source());
  if (!stack_trace.empty()) error = error.WithMetadata(kStackTrace, stack_trace);
  if (failure.has_cause() && depth + 1 < kFailureCauseDepthMax) {
    error = error.WithCause(FailureToErrorAt(failure.cause(), depth + 1));
  }
  return error;
}

}  // namespace

Failure ErrorToFailure(const hugo::Error& error) { return ErrorToFailureAt(error, 0); }

hugo::Error FailureToError(const Failure& failure) { return FailureToErrorAt(failure, 0); }

hugo::Error ApplicationError(std::string message, std::string type, bool non_retryable,
                             Payloads details) {
  hugo::Error error = hugo::Error::From(std::move(message), std::string(FailureCodes::kApplication))
                          .WithMetadata(kType, std::move(type))
                          .WithMetadata(kNonRetryable, non_retryable);
  return WithPayloads(error, kDetails, details);
}

Payloads ApplicationErrorDetails(const hugo::Error& error) {
  return FailureDetails(error, kDetails);
}

std::string ApplicationErrorType(const hugo::Error& error) {
  if (error.HasCode(FailureCodes::kApplication)) return MetaString(error, kType);
  return error.Code();
}

bool IsNonRetryable(const hugo::Error& error) {
  if (!error.HasCode(FailureCodes::kApplication) && !error.HasCode(FailureCodes::kServer)) {
    return false;
  }
  return MetaBool(error, kNonRetryable);
}

Payloads FailureDetails(const hugo::Error& error, std::string_view key) {
  Payloads payloads;
  std::string encoded = MetaString(error, key);
  if (encoded.empty()) return payloads;
  auto bytes = Base64Decode(encoded);
  if (!bytes || !payloads.ParseFromString(*bytes)) payloads.Clear();
  return payloads;
}

}  // namespace hdo
