// hugo::ErrorCodes: the well-known error codes of libhugo, byte-identical to Hugo's .NET
// `ErrorCodes` (errors are stored in deterministic effect envelopes and must read the same in both
// runtimes), with a constexpr descriptor table (name, code, description, category).
//
// Owner: libhugo. Thread safety: constants only; safe from any thread.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace hugo {

// A struct of constants rather than a namespace, so that the name reads like Hugo's static class.
struct ErrorCodes {
  static constexpr std::string_view kUnspecified = "error.unspecified";
  static constexpr std::string_view kCanceled = "error.canceled";
  static constexpr std::string_view kTimeout = "error.timeout";
  static constexpr std::string_view kException = "error.exception";
  static constexpr std::string_view kAggregate = "error.aggregate";
  static constexpr std::string_view kValidation = "error.validation";
  static constexpr std::string_view kSelectDrained = "error.select.drained";
  static constexpr std::string_view kVersionConflict = "error.version.conflict";
  static constexpr std::string_view kDeterministicReplay = "error.deterministic.replay";
  static constexpr std::string_view kTaskQueueLeaseExpired = "error.taskqueue.lease_expired";
  static constexpr std::string_view kTaskQueueAbandoned = "error.taskqueue.abandoned";
  static constexpr std::string_view kTaskQueueDeadLettered = "error.taskqueue.deadlettered";
  static constexpr std::string_view kTaskQueueDisposed = "error.taskqueue.disposed";
  static constexpr std::string_view kTaskQueueLeaseInactive = "error.taskqueue.lease_inactive";
  static constexpr std::string_view kChannelCompleted = "error.channel.completed";
};

enum class ErrorCategory { kGeneral, kChannels, kTaskQueue, kDeterministic };

// "General", "Channels", "TaskQueue" or "Deterministic" (Hugo's category names).
constexpr std::string_view CategoryName(ErrorCategory category) {
  switch (category) {
    case ErrorCategory::kGeneral:
      return "General";
    case ErrorCategory::kChannels:
      return "Channels";
    case ErrorCategory::kTaskQueue:
      return "TaskQueue";
    case ErrorCategory::kDeterministic:
      return "Deterministic";
  }
  return "General";
}

struct ErrorDescriptor {
  std::string_view name;  // the .NET constant name, e.g. "TaskQueueLeaseExpired"
  std::string_view code;
  std::string_view description;
  ErrorCategory category;
};

inline constexpr std::array<ErrorDescriptor, 15> kErrorDescriptors{{
    {"Unspecified", ErrorCodes::kUnspecified, "An unspecified error occurred.",
     ErrorCategory::kGeneral},
    {"Canceled", ErrorCodes::kCanceled, "The operation was canceled.", ErrorCategory::kGeneral},
    {"Timeout", ErrorCodes::kTimeout, "The operation timed out.", ErrorCategory::kGeneral},
    {"Exception", ErrorCodes::kException, "An unhandled exception was converted to an error.",
     ErrorCategory::kGeneral},
    {"Aggregate", ErrorCodes::kAggregate, "Several errors occurred; see the errors metadata.",
     ErrorCategory::kGeneral},
    {"Validation", ErrorCodes::kValidation, "An argument or a value failed validation.",
     ErrorCategory::kGeneral},
    {"SelectDrained", ErrorCodes::kSelectDrained, "Every channel of a select was completed.",
     ErrorCategory::kChannels},
    {"VersionConflict", ErrorCodes::kVersionConflict,
     "A recorded or requested version lies outside the supported range.",
     ErrorCategory::kDeterministic},
    {"DeterministicReplay", ErrorCodes::kDeterministicReplay,
     "A stored deterministic record does not match what the replay requested.",
     ErrorCategory::kDeterministic},
    {"TaskQueueLeaseExpired", ErrorCodes::kTaskQueueLeaseExpired,
     "A task queue lease expired before it was completed.", ErrorCategory::kTaskQueue},
    {"TaskQueueAbandoned", ErrorCodes::kTaskQueueAbandoned,
     "A task queue item was abandoned by its worker.", ErrorCategory::kTaskQueue},
    {"TaskQueueDeadLettered", ErrorCodes::kTaskQueueDeadLettered,
     "A task queue item was dead-lettered.", ErrorCategory::kTaskQueue},
    {"TaskQueueDisposed", ErrorCodes::kTaskQueueDisposed, "The task queue was disposed.",
     ErrorCategory::kTaskQueue},
    {"TaskQueueLeaseInactive", ErrorCodes::kTaskQueueLeaseInactive,
     "The task queue lease is no longer active.", ErrorCategory::kTaskQueue},
    {"ChannelCompleted", ErrorCodes::kChannelCompleted, "The channel was completed.",
     ErrorCategory::kChannels},
}};

constexpr std::optional<ErrorDescriptor> TryGetDescriptor(std::string_view code) {
  for (const ErrorDescriptor& descriptor : kErrorDescriptors) {
    if (descriptor.code == code) return descriptor;
  }
  return std::nullopt;
}

}  // namespace hugo
