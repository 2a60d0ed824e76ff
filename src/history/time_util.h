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

}  // namespace hdo::history
