// hdo::RetryPolicy: how the server (activities, workflows) or the worker (local activities)
// retries a failed attempt; zero fields take the server's defaults (1 s initial interval,
// coefficient 2, maximum interval 100 × initial, unlimited attempts).
//
// Owner: the caller's options. Thread safety: a plain value.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "temporal/api/common/v1/message.pb.h"

namespace hdo {

struct RetryPolicy {
  std::chrono::milliseconds initial_interval{0};
  double backoff_coefficient = 0;
  std::chrono::milliseconds maximum_interval{0};
  int32_t maximum_attempts = 0;  // 0: unlimited; 1: no retries
  std::vector<std::string> non_retryable_error_types;

  temporal::api::common::v1::RetryPolicy ToProto() const;
};

}  // namespace hdo
