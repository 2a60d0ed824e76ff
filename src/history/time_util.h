// Arithmetic on protobuf timestamps and durations, in milliseconds where precision allows.
// Pure; thread-safe.
#pragma once

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include <cstdint>

namespace hdo::history {

inline int64_t ToMillis(const google::protobuf::Timestamp& time) {
  return time.seconds() * 1000 + time.nanos() / 1'000'000;
}

inline int64_t ToMillis(const google::protobuf::Duration& duration) {
  return duration.seconds() * 1000 + duration.nanos() / 1'000'000;
}

inline google::protobuf::Timestamp TimestampFromMillis(int64_t millis) {
  google::protobuf::Timestamp time;
  time.set_seconds(millis / 1000);
  time.set_nanos(static_cast<int32_t>((millis % 1000) * 1'000'000));
  return time;
}

inline google::protobuf::Duration DurationFromMillis(int64_t millis) {
  google::protobuf::Duration duration;
  duration.set_seconds(millis / 1000);
  duration.set_nanos(static_cast<int32_t>((millis % 1000) * 1'000'000));
  return duration;
}

inline bool IsZero(const google::protobuf::Duration& duration) {
  return duration.seconds() == 0 && duration.nanos() == 0;
}

inline bool IsSet(const google::protobuf::Timestamp& time) {
  return time.seconds() != 0 || time.nanos() != 0;
}

inline google::protobuf::Timestamp AddDuration(const google::protobuf::Timestamp& time,
                                               const google::protobuf::Duration& duration) {
  int64_t nanos = static_cast<int64_t>(time.nanos()) + duration.nanos();
  google::protobuf::Timestamp sum;
  sum.set_seconds(time.seconds() + duration.seconds() + nanos / 1'000'000'000);
  sum.set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
  if (sum.nanos() < 0) {
    sum.set_seconds(sum.seconds() - 1);
    sum.set_nanos(sum.nanos() + 1'000'000'000);
  }
  return sum;
}

// The smaller of two durations where zero means "none" (so a zero never wins).
inline google::protobuf::Duration MinNonZero(const google::protobuf::Duration& a,
                                             const google::protobuf::Duration& b) {
  if (IsZero(a)) return b;
  if (IsZero(b)) return a;
  return ToMillis(a) <= ToMillis(b) ? a : b;
}

// reference (workflowTaskStateMachine.getStartToCloseTimeout): a workflow task's start-to-close
// timeout is the run's default for the first three attempts; from the fourth on it grows by an
// exponential backoff from 5 s (x2 per attempt, at most 10 minutes, the reference's
// history.workflowTaskRetryMaxInterval) with the reference's jitter (the backoff's last fifth
// drawn at random: `jitter` in [0, 1)), so that a worker too slow for the timeout gets a task it
// can finish instead of failing the same attempt forever.
inline constexpr int32_t kWorkflowTaskBackoffMinAttempts = 3;
inline google::protobuf::Duration WorkflowTaskStartToClose(
    const google::protobuf::Duration& default_timeout, int32_t attempt, double jitter) {
  constexpr int32_t kBackoffMinAttempts = kWorkflowTaskBackoffMinAttempts;
  if (attempt <= kBackoffMinAttempts) return default_timeout;
  constexpr double kInitialMs = 5'000;
  constexpr double kMaximumMs = 10 * 60 * 1'000;
  double backoff_ms = kInitialMs;
  for (int32_t i = 1; i < attempt - kBackoffMinAttempts && backoff_ms < kMaximumMs; ++i) {
    backoff_ms *= 2;
  }
  if (backoff_ms > kMaximumMs) backoff_ms = kMaximumMs;
  backoff_ms = backoff_ms * 0.8 + jitter * 0.2 * backoff_ms;
  return DurationFromMillis(ToMillis(default_timeout) + static_cast<int64_t>(backoff_ms));
}

}  // namespace hdo::history
