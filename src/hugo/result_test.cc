// Goal: Error is an immutable value with case-insensitive metadata and Hugo's descriptors and
// factories; Result holds exactly one of a value or an error and its pipeline operations behave
// like Hugo's. Method: construct, derive and read back through the public interface.
#include "hugo/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace hugo {
namespace {

TEST(ErrorTest, DerivingAnErrorLeavesTheOriginalUnchanged) {
  Error base = Error::From("boom", "error.unspecified");
  Error derived = base.WithMetadata("Attempt", int64_t{3}).WithCode("error.timeout");
  EXPECT_EQ(base.Code(), "error.unspecified");
  EXPECT_FALSE(base.TryGetMetadata("attempt").has_value());
  EXPECT_EQ(derived.Code(), "error.timeout");
  EXPECT_EQ(derived.Message(), "boom");
  EXPECT_EQ(derived.TryGetMetadata<int64_t>("attempt"), 3);
}

TEST(ErrorTest, MetadataKeysAreCaseInsensitive) {
  Error error = Error::From("x").WithMetadata("ShardId", int64_t{7});
  auto value = error.TryGetMetadata("shardid");
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(std::get<int64_t>(*value), 7);
  EXPECT_FALSE(error.TryGetMetadata("shard").has_value());
  EXPECT_FALSE(error.TryGetMetadata<std::string>("ShardId").has_value());
}

TEST(ErrorTest, ToStringPutsTheCodeBeforeTheMessage) {
  EXPECT_EQ(Error::From("lease gone", "error.taskqueue.lease_expired").ToString(),
            "error.taskqueue.lease_expired: lease gone");
  EXPECT_EQ(Error::From("plain").ToString(), "plain");
}

TEST(ErrorTest, CauseIsKeptWhenWrapping) {
  Error outer = Error::From("outer").WithCause(Error::From("inner", "error.canceled"));
  ASSERT_NE(outer.Cause(), nullptr);
  EXPECT_EQ(outer.Cause()->Code(), "error.canceled");
}

TEST(ErrorTest, AKnownCodeAddsItsDescriptorMetadata) {
  Error error = Error::From("gone", "error.taskqueue.lease_expired");
  EXPECT_EQ(error.TryGetMetadata<std::string>("error.name"), "TaskQueueLeaseExpired");
  EXPECT_EQ(error.TryGetMetadata<std::string>("error.category"), "TaskQueue");
  EXPECT_TRUE(error.TryGetMetadata<std::string>("error.description").has_value());
  Error custom = error.WithCode("app.custom");
  EXPECT_FALSE(custom.TryGetMetadata("error.name").has_value());
  EXPECT_TRUE(Error::From("x", "app.custom").GetMetadata().empty());
}

TEST(ErrorTest, ErrorCodesAreByteIdenticalToHugos) {
  EXPECT_EQ(ErrorCodes::kCanceled, "error.canceled");
  EXPECT_EQ(ErrorCodes::kTaskQueueLeaseExpired, "error.taskqueue.lease_expired");
  EXPECT_EQ(ErrorCodes::kTaskQueueLeaseInactive, "error.taskqueue.lease_inactive");
  EXPECT_EQ(ErrorCodes::kTaskQueueDeadLettered, "error.taskqueue.deadlettered");
  EXPECT_EQ(ErrorCodes::kSelectDrained, "error.select.drained");
  EXPECT_EQ(ErrorCodes::kVersionConflict, "error.version.conflict");
  EXPECT_EQ(ErrorCodes::kDeterministicReplay, "error.deterministic.replay");
  EXPECT_EQ(ErrorCodes::kChannelCompleted, "error.channel.completed");
  static_assert(TryGetDescriptor("error.timeout")->name == "Timeout");
  static_assert(!TryGetDescriptor("error.nope").has_value());
  for (const ErrorDescriptor& d : kErrorDescriptors) {
    EXPECT_EQ(d.code.substr(0, 6), "error.") << d.name;
  }
}

TEST(ErrorTest, FactoriesSetHugosCodesAndMetadata) {
  EXPECT_EQ(Error::Canceled().Code(), "error.canceled");
  Error timeout = Error::Timeout(std::chrono::seconds(2));
  EXPECT_EQ(timeout.Code(), "error.timeout");
  EXPECT_EQ(timeout.TryGetMetadata<Duration>("duration"), std::chrono::seconds(2));
  EXPECT_EQ(Error::Unspecified().Code(), "error.unspecified");
  Error aggregate = Error::Aggregate("many", {Error::Canceled(), Error::Timeout()});
  EXPECT_EQ(aggregate.Code(), "error.aggregate");
  auto errors = aggregate.TryGetMetadata<ErrorList>("errors");
  ASSERT_TRUE(errors.has_value());
  ASSERT_EQ(errors->size(), 2u);
  EXPECT_EQ((*errors)[1].Code(), "error.timeout");
  Error exception = Error::FromException(std::runtime_error("bad"));
  EXPECT_EQ(exception.Code(), "error.exception");
  EXPECT_EQ(exception.Message(), "bad");
  EXPECT_EQ(exception.TryGetMetadata<std::string>("exceptionType"), "std::runtime_error");
}

TEST(ResultTest, HoldsAValueOrAnErrorButNotBoth) {
  Result<int> ok = Ok(42);
  Result<int> failed = Error::From("nope", "error.validation");
  EXPECT_TRUE(ok.IsSuccess());
  EXPECT_FALSE(ok.IsFailure());
  EXPECT_EQ(ok.Value(), 42);
  EXPECT_TRUE(failed.IsFailure());
  EXPECT_EQ(failed.Error().Code(), "error.validation");
  EXPECT_EQ(failed.ValueOr(7), 7);
  EXPECT_FALSE(failed.ToOptional().has_value());
}

TEST(ResultTest, ThenChainsSuccessesAndShortCircuitsOnFailure) {
  int calls = 0;
  auto half = [&calls](int v) -> Result<int> {
    ++calls;
    if (v % 2 != 0) return Error::From("odd", "error.validation");
    return Ok(v / 2);
  };
  Result<int> r = Ok(8).Then(half).Then(half).Then(half).Then(half);
  EXPECT_TRUE(r.IsFailure());
  EXPECT_EQ(r.Error().Message(), "odd");
  EXPECT_EQ(calls, 4);
  Result<int> after_failure = r.Then(half);
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(after_failure.Error().Message(), "odd");
}

TEST(ResultTest, MapTransformsTheValueAndKeepsFailures) {
  Result<std::string> s = Ok(5).Map([](int v) { return std::to_string(v * 2); });
  EXPECT_EQ(s.Value(), "10");
  Result<int> failed = Error::Canceled();
  bool called = false;
  Result<double> m = failed.Map([&called](int v) {
    called = true;
    return v * 1.5;
  });
  EXPECT_FALSE(called);
  EXPECT_EQ(m.Error().Code(), "error.canceled");
}

TEST(ResultTest, TapAndTapErrorRunOnlyOnTheirBranch) {
  std::vector<std::string> seen;
  Result<int> ok = Ok(1)
                       .Tap([&seen](int v) { seen.push_back("ok" + std::to_string(v)); })
                       .TapError([&seen](const Error&) { seen.push_back("error"); });
  Result<int> failed = Result<int>(Error::Timeout())
                           .Tap([&seen](int) { seen.push_back("ok"); })
                           .TapError([&seen](const Error& e) { seen.push_back(e.Code()); });
  EXPECT_EQ(ok.Value(), 1);
  EXPECT_TRUE(failed.IsFailure());
  EXPECT_EQ(seen, (std::vector<std::string>{"ok1", "error.timeout"}));
}

TEST(ResultTest, RecoverReplacesAFailureOnly) {
  Result<int> recovered = Result<int>(Error::Timeout()).Recover([](const Error& e) -> Result<int> {
    return e.HasCode(ErrorCodes::kTimeout) ? Ok(0) : Result<int>(e);
  });
  EXPECT_EQ(recovered.Value(), 0);
  Result<int> untouched = Ok(3).Recover([](const Error&) { return Ok(0); });
  EXPECT_EQ(untouched.Value(), 3);
}

TEST(ResultTest, EnsureTurnsAFailedPredicateIntoAValidationError) {
  Result<int> r = Ok(-1).Ensure([](int v) { return v >= 0; });
  ASSERT_TRUE(r.IsFailure());
  EXPECT_EQ(r.Error().Code(), "error.validation");
  Result<int> custom = Ok(-1).Ensure([](int v) { return v >= 0; },
                                     [](int v) { return Error::From(std::to_string(v), "neg"); });
  EXPECT_EQ(custom.Error().Code(), "neg");
  EXPECT_EQ(custom.Error().Message(), "-1");
  EXPECT_TRUE(Ok(2).Ensure([](int v) { return v >= 0; }).IsSuccess());
}

TEST(ResultTest, FinallyFoldsBothBranches) {
  auto fold = [](const Result<int>& r) {
    return r.Finally([](int v) { return "value " + std::to_string(v); },
                     [](const Error& e) { return "error " + e.Code(); });
  };
  EXPECT_EQ(fold(Ok(4)), "value 4");
  EXPECT_EQ(fold(Error::Canceled()), "error error.canceled");
}

TEST(ResultTest, PipelinesWorkWithMoveOnlyValues) {
  Result<std::unique_ptr<int>> r = Ok(std::make_unique<int>(5));
  Result<int> out = std::move(r)
                        .Tap([](const std::unique_ptr<int>& p) { EXPECT_EQ(*p, 5); })
                        .Then([](std::unique_ptr<int> p) { return Ok(std::move(p)); })
                        .Map([](std::unique_ptr<int> p) { return *p + 1; });
  EXPECT_EQ(out.Value(), 6);
}

TEST(ResultTest, TryTurnsExceptionsIntoErrors) {
  Result<int> thrown = Try([]() -> int { throw std::invalid_argument("no"); });
  EXPECT_EQ(thrown.Error().Code(), "error.exception");
  EXPECT_EQ(thrown.Error().Message(), "no");
  EXPECT_EQ(Try([] { return 3; }).Value(), 3);
  EXPECT_TRUE(Try([] {}).IsSuccess());
  EXPECT_EQ(Try([]() -> Result<int> { return Error::Canceled(); }).Error().Code(),
            "error.canceled");
}

}  // namespace
}  // namespace hugo
