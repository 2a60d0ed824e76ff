// Goal: the activity half of the SDK without a server: the registry decodes arguments into the
// function's types, encodes results, turns decode failures, exceptions and unknown types into
// the right failures; the context throttles heartbeats as the Go SDK does, stops its token on a
// cancel request and on its deadline, and reads the previous attempt's details. Method: a fake
// heartbeat sender that records what it was given; conditions awaited with deadlines.
#include "hdo/activity.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "hdo/converter.h"
#include "hdo/failure.h"

namespace hdo {
namespace {

using std::chrono::milliseconds;

ActivityInvocation Invocation(std::string type, Payloads input) {
  ActivityInvocation invocation;
  invocation.info.activity_type = std::move(type);
  invocation.info.activity_id = "1";
  invocation.input = std::move(input);
  return invocation;
}

template <class... A>
Payloads Args(const A&... args) {
  return ToPayloads(args...).Value();
}

TEST(ActivityRegistryTest, DecodesTypedArgumentsAndEncodesTheResult) {
  ActivityRegistry registry;
  registry.Register("Greet", [](ActivityContext& context, std::string name, int times) {
    std::string out = context.info().activity_type + ":";
    for (int i = 0; i < times; ++i) out += name;
    return out;
  });
  ActivityInvocation invocation = Invocation("Greet", Args(std::string("ab"), 3));
  ActivityContext context(invocation.info);
  auto result = registry.Invoke(context, invocation);
  ASSERT_TRUE(result.IsSuccess()) << result.Error().ToString();
  EXPECT_EQ(result.Value().SerializeAsString(),
            Args(std::string("Greet:ababab")).SerializeAsString());
}

TEST(ActivityRegistryTest, AcceptsResultVoidAndContextFreeFunctions) {
  ActivityRegistry registry;
  registry.Register("Half", [](int n) -> hugo::Result<int> {
    if (n % 2 != 0) return ApplicationError("odd", "Odd", true);
    return hugo::Result<int>::Ok(n / 2);
  });
  int touched = 0;
  registry.Register("Touch", [&touched](ActivityContext&) { ++touched; });
  ActivityInvocation half = Invocation("Half", Args(10));
  ActivityContext context(half.info);
  auto five = registry.Invoke(context, half);
  ASSERT_TRUE(five.IsSuccess()) << five.Error().ToString();
  EXPECT_EQ(std::get<0>(FromPayloads<int>(five.Value()).Value()), 5);
  auto odd = registry.Invoke(context, Invocation("Half", Args(3)));
  ASSERT_TRUE(odd.IsFailure());
  EXPECT_EQ(ApplicationErrorType(odd.Error()), "Odd");
  auto touch = registry.Invoke(context, Invocation("Touch", Payloads{}));
  ASSERT_TRUE(touch.IsSuccess()) << touch.Error().ToString();
  EXPECT_EQ(touch.Value().payloads_size(), 0);
  EXPECT_EQ(touched, 1);
}

TEST(ActivityRegistryTest, UndecodableArgumentsAreANonRetryableDecodeFailure) {
  ActivityRegistry registry;
  bool called = false;
  registry.Register("Add", [&called](int a, int b) {
    called = true;
    return a + b;
  });
  ActivityInvocation invocation = Invocation("Add", Args(std::string("not a number"), 2));
  ActivityContext context(invocation.info);
  auto result = registry.Invoke(context, invocation);
  ASSERT_TRUE(result.IsFailure());
  EXPECT_FALSE(called);
  EXPECT_EQ(ApplicationErrorType(result.Error()), kPayloadDecodeErrorType);
  EXPECT_TRUE(IsNonRetryable(result.Error()));
  Failure failure = ErrorToFailure(result.Error());
  EXPECT_TRUE(failure.application_failure_info().non_retryable());
}

TEST(ActivityRegistryTest, AnExceptionIsARetryableFailureNamingItsType) {
  ActivityRegistry registry;
  registry.Register("Throw", []() -> int { throw std::out_of_range("index 7 out of range"); });
  ActivityInvocation invocation = Invocation("Throw", Payloads{});
  ActivityContext context(invocation.info);
  auto result = registry.Invoke(context, invocation);
  ASSERT_TRUE(result.IsFailure());
  EXPECT_EQ(ApplicationErrorType(result.Error()), "std::out_of_range");
  EXPECT_FALSE(IsNonRetryable(result.Error()));
  EXPECT_EQ(result.Error().Message(), "index 7 out of range");
}

TEST(ActivityRegistryTest, AnUnknownTypeListsTheRegisteredNames) {
  ActivityRegistry registry;
  registry.Register("Beta", [] {});
  registry.Register("Alpha", [] {});
  ActivityInvocation invocation = Invocation("Gamma", Payloads{});
  ActivityContext context(invocation.info);
  auto result = registry.Invoke(context, invocation);
  ASSERT_TRUE(result.IsFailure());
  EXPECT_EQ(result.Error().Message(),
            "unable to find activityType=Gamma. Supported types: [Alpha, Beta]");
  EXPECT_EQ(ApplicationErrorType(result.Error()), kActivityNotRegisteredType);
  EXPECT_FALSE(IsNonRetryable(result.Error()));
}

// Records heartbeats; answers cancel_requested when told to.
struct FakeServer {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<int> sent;
  bool cancel_requested = false;

  ActivityContextOptions Options(milliseconds throttle) {
    ActivityContextOptions options;
    options.default_heartbeat_throttle = throttle;
    options.send_heartbeat = [this](const Payloads& details) {
      std::lock_guard lock(mutex);
      sent.push_back(std::get<0>(FromPayloads<int>(details).Value()));
      changed.notify_all();
      return hugo::Result<bool>::Ok(cancel_requested);
    };
    return options;
  }
  bool AwaitSent(size_t count, milliseconds timeout = milliseconds(10'000)) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, [&] { return sent.size() >= count; });
  }
};

ActivityInfo RemoteInfo() {
  ActivityInfo info;
  info.activity_type = "Work";
  info.task_token = "token";
  return info;
}

TEST(ActivityContextTest, TheFirstHeartbeatGoesAtOnceAndTheLatestIsFlushedAfterTheThrottle) {
  FakeServer server;
  // A long throttle: nothing but the first heartbeat can go before the check below.
  ActivityContext context(RemoteInfo(), server.Options(milliseconds(60'000)));
  context.Heartbeat(1);
  ASSERT_TRUE(server.AwaitSent(1, milliseconds(0)));  // synchronous
  context.Heartbeat(2);
  context.Heartbeat(3);
  {
    std::lock_guard lock(server.mutex);
    EXPECT_EQ(server.sent, std::vector<int>{1});
  }
  // Finish returns the details the throttle held back (the worker reports them with a failure).
  auto pending = context.Finish();
  ASSERT_TRUE(pending.has_value());
  EXPECT_EQ(std::get<0>(FromPayloads<int>(*pending).Value()), 3);
}

TEST(ActivityContextTest, HeldBackDetailsAreSentWhenTheThrottleIntervalEnds) {
  FakeServer server;
  ActivityContext context(RemoteInfo(), server.Options(milliseconds(100)));
  context.Heartbeat(1);
  context.Heartbeat(2);
  context.Heartbeat(3);
  ASSERT_TRUE(server.AwaitSent(2)) << "the held-back heartbeat was never flushed";
  std::lock_guard lock(server.mutex);
  EXPECT_EQ(server.sent, (std::vector<int>{1, 3}));
}

TEST(ActivityContextTest, TheThrottleIsEightyPercentOfTheHeartbeatTimeoutCappedByTheMaximum) {
  FakeServer server;
  ActivityInfo info = RemoteInfo();
  info.heartbeat_timeout = milliseconds(100);  // 80 ms, well under the 60 s default
  ActivityContext context(info, server.Options(milliseconds(60'000)));
  context.Heartbeat(1);
  context.Heartbeat(2);
  ASSERT_TRUE(server.AwaitSent(2)) << "throttle not derived from the heartbeat timeout";

  ActivityInfo capped = RemoteInfo();
  capped.heartbeat_timeout = milliseconds(3'600'000);
  ActivityContextOptions options = server.Options(milliseconds(60'000));
  options.max_heartbeat_throttle = milliseconds(50);
  ActivityContext capped_context(capped, std::move(options));
  capped_context.Heartbeat(3);
  capped_context.Heartbeat(4);
  ASSERT_TRUE(server.AwaitSent(4)) << "throttle not capped by max_heartbeat_throttle";
}

TEST(ActivityContextTest, ACancelRequestOnAHeartbeatReplyStopsTheToken) {
  FakeServer server;
  server.cancel_requested = true;
  ActivityContext context(RemoteInfo(), server.Options(milliseconds(60'000)));
  EXPECT_FALSE(context.stop_token().stop_requested());
  EXPECT_FALSE(context.IsCancelRequested());
  context.Heartbeat(1);
  EXPECT_TRUE(context.stop_token().stop_requested());
  EXPECT_TRUE(context.IsCancelRequested());
  EXPECT_FALSE(context.DeadlineExceeded());
}

TEST(ActivityContextTest, TheDeadlineStopsTheToken) {
  ActivityContextOptions options;
  options.deadline = std::chrono::system_clock::now() + milliseconds(50);
  ActivityContext context(RemoteInfo(), std::move(options));
  std::mutex mutex;
  std::condition_variable_any never;
  std::unique_lock lock(mutex);
  never.wait_for(lock, context.stop_token(), milliseconds(10'000), [] { return false; });
  EXPECT_TRUE(context.stop_token().stop_requested());
  EXPECT_TRUE(context.DeadlineExceeded());
  EXPECT_FALSE(context.IsCancelRequested());
}

TEST(ActivityContextTest, TheWorkerStopStopsTheToken) {
  std::stop_source worker;
  ActivityContextOptions options;
  options.worker_stop = worker.get_token();
  ActivityContext context(RemoteInfo(), std::move(options));
  EXPECT_FALSE(context.stop_token().stop_requested());
  worker.request_stop();
  EXPECT_TRUE(context.stop_token().stop_requested());
  EXPECT_FALSE(context.IsCancelRequested());
}

TEST(ActivityContextTest, ALocalActivityHeartbeatIsANoOp) {
  FakeServer server;
  ActivityInfo info = RemoteInfo();
  info.task_token.clear();
  info.is_local = true;
  ActivityContext context(info, server.Options(milliseconds(10)));
  context.Heartbeat(1);
  EXPECT_FALSE(context.Finish().has_value());
  std::lock_guard lock(server.mutex);
  EXPECT_TRUE(server.sent.empty());
}

TEST(ActivityContextTest, ReadsThePreviousAttemptsDetailsTyped) {
  ActivityInfo info = RemoteInfo();
  info.attempt = 2;
  info.heartbeat_details = Args(41);
  ActivityContext context(info);
  EXPECT_EQ(context.HeartbeatDetails().SerializeAsString(), Args(41).SerializeAsString());
  auto details = context.LastHeartbeatDetails<int>();
  ASSERT_TRUE(details.IsSuccess()) << details.Error().ToString();
  EXPECT_EQ(details.Value(), 41);
  EXPECT_TRUE(context.LastHeartbeatDetails<std::string>().IsFailure());
}

TEST(ActivityContextTest, CompleteAsyncIsRecognisedByTheWorker) {
  ActivityContext context(RemoteInfo());
  EXPECT_TRUE(IsCompleteAsync(context.CompleteAsync()));
  EXPECT_FALSE(IsCompleteAsync(ApplicationError("x", "y", false)));
}

}  // namespace
}  // namespace hdo
