#include "hdo/retry_policy.h"

#include "proto_util.h"

namespace hdo {

temporal::api::common::v1::RetryPolicy RetryPolicy::ToProto() const {
  temporal::api::common::v1::RetryPolicy proto;
  if (initial_interval.count() > 0) {
    *proto.mutable_initial_interval() = ToProtoDuration(initial_interval);
  }
  if (maximum_interval.count() > 0) {
    *proto.mutable_maximum_interval() = ToProtoDuration(maximum_interval);
  }
  proto.set_backoff_coefficient(backoff_coefficient);
  proto.set_maximum_attempts(maximum_attempts);
  for (const std::string& type : non_retryable_error_types) {
    proto.add_non_retryable_error_types(type);
  }
  return proto;
}

RetryPolicy RetryPolicy::FromProto(const temporal::api::common::v1::RetryPolicy& proto) {
  RetryPolicy policy;
  policy.initial_interval = FromProtoDuration(proto.initial_interval());
  policy.maximum_interval = FromProtoDuration(proto.maximum_interval());
  policy.backoff_coefficient = proto.backoff_coefficient();
  policy.maximum_attempts = proto.maximum_attempts();
  policy.non_retryable_error_types.assign(proto.non_retryable_error_types().begin(),
                                          proto.non_retryable_error_types().end());
  return policy;
}

}  // namespace hdo
