#include "sdk/proto_util.h"

#include <gtest/gtest.h>

#include <set>

#include "hdo/retry_policy.h"

namespace hdo {
namespace {

TEST(ProtoUtil, RandomUuidsAreVersion4AndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string uuid = RandomUuid();
    ASSERT_EQ(uuid.size(), 36u);
    EXPECT_EQ(uuid[8], '-');
    EXPECT_EQ(uuid[13], '-');
    EXPECT_EQ(uuid[14], '4');
    EXPECT_NE(std::string("89ab").find(uuid[19]), std::string::npos) << uuid;
    EXPECT_EQ(uuid.find_first_not_of("0123456789abcdef-"), std::string::npos) << uuid;
    seen.insert(uuid);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(ProtoUtil, DurationsKeepMilliseconds) {
  auto proto = ToProtoDuration(std::chrono::milliseconds(2'345));
  EXPECT_EQ(proto.seconds(), 2);
  EXPECT_EQ(proto.nanos(), 345'000'000);
  EXPECT_EQ(FromProtoDuration(proto), std::chrono::milliseconds(2'345));
}

TEST(ProtoUtil, TheDefaultIdentityIsPidAtHost) {
  std::string identity = DefaultIdentity();
  EXPECT_EQ(identity.rfind(std::to_string(getpid()) + "@", 0), 0u) << identity;
  EXPECT_GT(identity.size(), std::to_string(getpid()).size() + 1);
}

TEST(RetryPolicy, ZeroFieldsAreLeftToTheServerAndTheRestRoundTrips) {
  RetryPolicy policy;
  EXPECT_FALSE(policy.ToProto().has_initial_interval());
  EXPECT_FALSE(policy.ToProto().has_maximum_interval());
  policy.initial_interval = std::chrono::milliseconds(1'500);
  policy.backoff_coefficient = 1.5;
  policy.maximum_interval = std::chrono::milliseconds(60'000);
  policy.maximum_attempts = 4;
  policy.non_retryable_error_types = {"BadArg", "error.validation"};
  auto proto = policy.ToProto();
  EXPECT_EQ(proto.initial_interval().seconds(), 1);
  EXPECT_EQ(proto.initial_interval().nanos(), 500'000'000);
  EXPECT_EQ(proto.maximum_attempts(), 4);
  RetryPolicy back = RetryPolicy::FromProto(proto);
  EXPECT_EQ(back.initial_interval, policy.initial_interval);
  EXPECT_EQ(back.backoff_coefficient, 1.5);
  EXPECT_EQ(back.maximum_interval, policy.maximum_interval);
  EXPECT_EQ(back.maximum_attempts, 4);
  EXPECT_EQ(back.non_retryable_error_types, policy.non_retryable_error_types);
}

}  // namespace
}  // namespace hdo
