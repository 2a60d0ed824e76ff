// The SDK's retry of unary calls (Connection::Invoke through hdo::Call, and InvokeAsync, which the
// worker's task replies use): which statuses are retried, that the attempts and the deadline
// bound the retries, and that a call made while the server is down succeeds once it is up. Each
// test runs on both. The server is an in-test WorkflowService whose
// GetSystemInfo answers a scripted sequence of statuses.
#include "call.h"

#include <gtest/gtest.h>

#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "async_call.h"

namespace hdo {
namespace {

namespace ws = temporal::api::workflowservice::v1;
using std::chrono::milliseconds;

// Answers GetSystemInfo with the scripted statuses in order, then OK; counts the attempts.
class ScriptedService final : public ws::WorkflowService::Service {
 public:
  grpc::Status GetSystemInfo(grpc::ServerContext*, const ws::GetSystemInfoRequest*,
                             ws::GetSystemInfoResponse* response) override {
    std::lock_guard lock(mutex_);
    ++attempts_;
    if (always_.has_value()) return grpc::Status(*always_, "scripted");
    if (!script_.empty()) {
      grpc::StatusCode code = script_.front();
      script_.pop_front();
      return grpc::Status(code, "scripted");
    }
    response->set_server_version("scripted");
    return grpc::Status::OK;
  }
  void Script(std::deque<grpc::StatusCode> codes) {
    std::lock_guard lock(mutex_);
    script_ = std::move(codes);
    attempts_ = 0;
  }
  void Always(grpc::StatusCode code) {
    std::lock_guard lock(mutex_);
    always_ = code;
    attempts_ = 0;
  }
  int attempts() {
    std::lock_guard lock(mutex_);
    return attempts_;
  }

 private:
  std::mutex mutex_;
  std::deque<grpc::StatusCode> script_;
  std::optional<grpc::StatusCode> always_;
  int attempts_ = 0;
};

std::unique_ptr<grpc::Server> Serve(ScriptedService& service, const std::string& address,
                                    int* port = nullptr) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), port);
  builder.RegisterService(&service);
  return builder.BuildAndStart();
}

class CallRetryTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    server_ = Serve(service_, "127.0.0.1:0", &port_);
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override { server_->Shutdown(); }

  std::shared_ptr<Connection> Connect(RpcRetryOptions retry,
                                      milliseconds rpc_timeout = milliseconds(10'000)) {
    ConnectionOptions options;
    options.address = "127.0.0.1:" + std::to_string(port_);
    options.retry = retry;
    options.rpc_timeout = rpc_timeout;
    auto connection = Connection::Connect(options);
    EXPECT_TRUE(connection.IsSuccess()) << connection.Error().ToString();
    return connection.Value();
  }

  // Through Call (Connection::Invoke), or InvokeAsync when the test's parameter is true.
  hugo::Result<ws::GetSystemInfoResponse> SystemInfo(
      const std::shared_ptr<Connection>& connection) {
    if (!GetParam()) {
      return Call<ws::GetSystemInfoResponse>(*connection, &Connection::Stub::GetSystemInfo,
                                             ws::GetSystemInfoRequest(), "GetSystemInfo");
    }
    ws::GetSystemInfoRequest request;
    ws::GetSystemInfoResponse response;
    std::promise<grpc::Status> answered;
    internal::InvokeAsync(
        connection, timers_,
        [&](grpc::ClientContext& context, std::function<void(grpc::Status)> done) {
          response.Clear();
          connection->stub().async()->GetSystemInfo(&context, &request, &response, std::move(done));
        },
        [&](const grpc::Status& status) { answered.set_value(status); });
    grpc::Status status = answered.get_future().get();
    if (!status.ok()) return StatusToError(status, "GetSystemInfo");
    return hugo::Result<ws::GetSystemInfoResponse>::Ok(std::move(response));
  }

  static RpcRetryOptions Quick() {
    RpcRetryOptions retry;
    retry.initial_interval = milliseconds(5);
    retry.maximum_interval = milliseconds(20);
    return retry;
  }

  std::shared_ptr<internal::TimerThread> timers_ = std::make_shared<internal::TimerThread>();
  ScriptedService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// A Go server resets the stream when the deadline it was sent expires; the client may read that
// CANCELLED before its own deadline timer fires. Past the call's deadline it is the deadline.
TEST(AtDeadlineTest, ACancelledCallPastItsDeadlineIsADeadlineExceeded) {
  const auto deadline = std::chrono::system_clock::now();
  grpc::Status reset(grpc::StatusCode::CANCELLED, "Received RST_STREAM with error code 8");
  grpc::Status read = internal::AtDeadline(reset, deadline, deadline + milliseconds(1));
  EXPECT_EQ(read.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(read.error_message(), "Received RST_STREAM with error code 8");
  EXPECT_EQ(internal::AtDeadline(reset, deadline, deadline).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  // Before the deadline a cancellation is one, and other statuses are left alone.
  EXPECT_EQ(internal::AtDeadline(reset, deadline, deadline - milliseconds(1)).error_code(),
            grpc::StatusCode::CANCELLED);
  grpc::Status unavailable(grpc::StatusCode::UNAVAILABLE, "down");
  EXPECT_EQ(internal::AtDeadline(unavailable, deadline, deadline + milliseconds(1)).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(internal::AtDeadline(grpc::Status::OK, deadline, deadline + milliseconds(1)).ok());
}

TEST_P(CallRetryTest, EachStatusThatMayPassIsRetriedUntilTheServerAnswers) {
  auto connection = Connect(Quick());
  for (grpc::StatusCode code :
       {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::RESOURCE_EXHAUSTED,
        grpc::StatusCode::ABORTED, grpc::StatusCode::INTERNAL, grpc::StatusCode::UNKNOWN}) {
    service_.Script({code, code});
    auto info = SystemInfo(connection);
    ASSERT_TRUE(info.IsSuccess()) << "code " << code << ": " << info.Error().ToString();
    EXPECT_EQ(info.Value().server_version(), "scripted");
    EXPECT_EQ(service_.attempts(), 3) << "code " << code;
  }
}

TEST_P(CallRetryTest, AStatusNoRetryCanChangeIsReturnedAfterOneAttempt) {
  auto connection = Connect(Quick());
  for (grpc::StatusCode code :
       {grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::NOT_FOUND,
        grpc::StatusCode::ALREADY_EXISTS, grpc::StatusCode::FAILED_PRECONDITION,
        grpc::StatusCode::PERMISSION_DENIED, grpc::StatusCode::UNAUTHENTICATED,
        grpc::StatusCode::UNIMPLEMENTED}) {
    service_.Script({code});
    auto info = SystemInfo(connection);
    ASSERT_TRUE(info.IsFailure()) << "code " << code;
    EXPECT_EQ(info.Error().TryGetMetadata<int64_t>("grpc.code").value_or(-1), int64_t{code});
    EXPECT_EQ(service_.attempts(), 1) << "code " << code;
  }
}

TEST_P(CallRetryTest, RetriesEndAtTheMaximumAttempts) {
  RpcRetryOptions retry = Quick();
  retry.maximum_attempts = 4;
  auto connection = Connect(retry);
  service_.Always(grpc::StatusCode::UNAVAILABLE);
  auto info = SystemInfo(connection);
  ASSERT_TRUE(info.IsFailure());
  EXPECT_EQ(info.Error().Code(), "grpc.unavailable");
  EXPECT_EQ(service_.attempts(), 4);

  retry.maximum_attempts = 1;  // no retry at all
  auto once = Connect(retry);
  service_.Always(grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(SystemInfo(once).IsFailure());
  EXPECT_EQ(service_.attempts(), 1);
}

TEST_P(CallRetryTest, RetriesEndBeforeTheCallsDeadline) {
  // A constant 50 ms wait within a 600 ms deadline: at most 13 attempts fit, whatever the speed
  // of the machine; without the deadline the retries would go on for ever.
  RpcRetryOptions retry;
  retry.initial_interval = milliseconds(50);
  retry.maximum_interval = milliseconds(50);
  retry.backoff_coefficient = 1.0;
  retry.jitter = 0.0;
  auto connection = Connect(retry, milliseconds(600));
  service_.Always(grpc::StatusCode::UNAVAILABLE);
  auto info = SystemInfo(connection);
  ASSERT_TRUE(info.IsFailure());
  EXPECT_EQ(info.Error().Code(), "grpc.unavailable");
  EXPECT_GE(service_.attempts(), 2);
  EXPECT_LE(service_.attempts(), 13);
}

TEST_P(CallRetryTest, ACallMadeWhileTheServerIsDownSucceedsOnceItIsBack) {
  ConnectionOptions options;
  options.address = "127.0.0.1:" + std::to_string(port_);
  options.retry.initial_interval = milliseconds(20);
  options.retry.maximum_interval = milliseconds(100);
  options.rpc_timeout = milliseconds(30'000);
  auto connection = Connection::Connect(options);
  ASSERT_TRUE(connection.IsSuccess());
  server_->Shutdown();
  server_.reset();

  hugo::Result<ws::GetSystemInfoResponse> info = hugo::Error::Unspecified();
  std::thread caller([&] { info = SystemInfo(connection.Value()); });
  // The call fails UNAVAILABLE and waits while nothing listens; then the server comes back.
  std::this_thread::sleep_for(milliseconds(300));
  server_ = Serve(service_, options.address);
  ASSERT_NE(server_, nullptr) << "cannot listen on " << options.address << " again";
  caller.join();
  ASSERT_TRUE(info.IsSuccess()) << info.Error().ToString();
  EXPECT_EQ(info.Value().server_version(), "scripted");
}

INSTANTIATE_TEST_SUITE_P(SyncAndAsync, CallRetryTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return param.param ? "InvokeAsync" : "Invoke";
                         });

TEST(CallRetryOptionsTest, ABadRetryPolicyIsABadOptionThatNamesTheField) {
  struct Case {
    RpcRetryOptions retry;
    std::string field;
  };
  std::vector<Case> cases(5);
  cases[0].retry.initial_interval = milliseconds(0), cases[0].field = "initial_interval";
  cases[1].retry.backoff_coefficient = 0.5, cases[1].field = "backoff_coefficient";
  cases[2].retry.maximum_interval = milliseconds(10), cases[2].field = "maximum_interval";
  cases[3].retry.jitter = 1.5, cases[3].field = "jitter";
  cases[4].retry.maximum_attempts = -1, cases[4].field = "maximum_attempts";
  for (const Case& c : cases) {
    ConnectionOptions options;
    options.retry = c.retry;
    options.connect_timeout = milliseconds(0);
    auto connection = Connection::Connect(options);
    ASSERT_TRUE(connection.IsFailure()) << c.field;
    EXPECT_EQ(connection.Error().Code(), hugo::ErrorCodes::kValidation);
    EXPECT_NE(connection.Error().Message().find("retry." + c.field), std::string::npos)
        << connection.Error().Message();
  }
}

}  // namespace
}  // namespace hdo
