// hdo::RetryPolicy: how the server retries a workflow or an activity (Temporal's RetryPolicy).
// Zero fields mean "the server's default" (initial 1 s, coefficient 2.0, maximum 100 x initial,
// unlimited attempts), as in the other SDKs.
//
// Owner: whoever builds the options holding it. Thread safety: a plain value.
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
  // 1 means no retries; 0 means unlimited.
  int32_t maximum_attempts = 0;
  // Application failure types (ApplicationErrorType, hdo/failure.h) that are never retried.
  std::vector<std::string> non_retryable_error_types;

  temporal::api::common::v1::RetryPolicy ToProto() const;
  static RetryPolicy FromProto(const temporal::api::common::v1::RetryPolicy& proto);
};

}  // namespace hdo
