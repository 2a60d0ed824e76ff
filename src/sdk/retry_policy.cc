#include "hdo/retry_policy.h"

#include <google/protobuf/util/time_util.h>

namespace hdo {

temporal::api::common::v1::RetryPolicy RetryPolicy::ToProto() const {
  using google::protobuf::util::TimeUtil;
  temporal::api::common::v1::RetryPolicy proto;
  if (initial_interval.count() > 0) {
    *proto.mutable_initial_interval() = TimeUtil::MillisecondsToDuration(initial_interval.count());
  }
  proto.set_backoff_coefficient(backoff_coefficient);
  if (maximum_interval.count() > 0) {
    *proto.mutable_maximum_interval() = TimeUtil::MillisecondsToDuration(maximum_interval.count());
  }
  proto.set_maximum_attempts(maximum_attempts);
  for (const auto& type : non_retryable_error_types) proto.add_non_retryable_error_types(type);
  return proto;
}

}  // namespace hdo
