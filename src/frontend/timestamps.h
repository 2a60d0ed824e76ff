// A wall-clock time as the API's Timestamp (the registries' created, updated and checked times).
// Pure.
#pragma once

#include <google/protobuf/timestamp.pb.h>

#include <chrono>
#include <cstdint>

namespace hdo::frontend {

inline google::protobuf::Timestamp ToTimestamp(std::chrono::system_clock::time_point time) {
  auto since_epoch = std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch());
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(since_epoch.count() / 1000000000);
  timestamp.set_nanos(static_cast<int32_t>(since_epoch.count() % 1000000000));
  return timestamp;
}

}  // namespace hdo::frontend
