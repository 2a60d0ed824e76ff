#include "async_call.h"

#include <utility>

namespace hdo::internal {
namespace {

struct AsyncCall : std::enable_shared_from_this<AsyncCall> {
  AsyncCall(std::shared_ptr<const Connection> connection_in, std::shared_ptr<TimerThread> timers_in,
            AsyncAttempt attempt_in, std::function<void(grpc::Status)> done_in,
            std::chrono::milliseconds timeout)
      : connection(std::move(connection_in)),
        timers(std::move(timers_in)),
        attempt(std::move(attempt_in)),
        done(std::move(done_in)),
        deadline(std::chrono::system_clock::now() +
                 (timeout.count() > 0 ? timeout : connection->options().rpc_timeout)) {}

  void Send() {
    ++attempts;
    // Each attempt its own context (a context serves one call); gRPC destroys it with the
    // callback, after the callback returns.
    auto context = std::make_shared<grpc::ClientContext>();
    connection->PrepareUntil(*context, deadline);
    grpc::ClientContext& sent = *context;
    attempt(sent, [self = shared_from_this(), context = std::move(context)](grpc::Status status) {
      MarkGrpcThread();
      self->Answered(std::move(status));
    });
  }

  void Answered(grpc::Status answered) {
    grpc::Status status =
        AtDeadline(std::move(answered), deadline, std::chrono::system_clock::now());
    const RpcRetryOptions& retry = connection->options().retry;
    if (status.ok() || !MayRetry(status.error_code()) ||
        (retry.maximum_attempts > 0 && attempts >= retry.maximum_attempts)) {
      done(std::move(status));
      return;
    }
    const auto wait = RetryWait(retry, attempts);
    // A wait that would end past the deadline leaves no time for another attempt.
    if (std::chrono::system_clock::now() + wait >= deadline) {
      done(std::move(status));
      return;
    }
    std::shared_ptr<TimerThread> waits = timers.lock();
    if (!waits) {  // its owner (the worker, the connection) is gone: no more attempts
      done(std::move(status));
      return;
    }
    waits->ScheduleAfter(wait, [self = shared_from_this()] { self->Send(); });
  }

  std::shared_ptr<const Connection> connection;
  // Weak: a call must not keep its timer thread alive, or the thread could end up destroying
  // itself (a retry's callback holding the last reference, released on that thread).
  std::weak_ptr<TimerThread> timers;
  AsyncAttempt attempt;
  std::function<void(grpc::Status)> done;
  std::chrono::system_clock::time_point deadline;
  int attempts = 0;
};

thread_local bool grpc_thread = false;

}  // namespace

void MarkGrpcThread() { grpc_thread = true; }
bool OnGrpcThread() { return grpc_thread; }

void InvokeAsync(std::shared_ptr<const Connection> connection, std::shared_ptr<TimerThread> timers,
                 AsyncAttempt attempt, std::function<void(grpc::Status)> done,
                 std::chrono::milliseconds timeout) {
  std::make_shared<AsyncCall>(std::move(connection), std::move(timers), std::move(attempt),
                              std::move(done), timeout)
      ->Send();
}

}  // namespace hdo::internal
