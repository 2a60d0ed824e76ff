// A unary call without a thread held for it (internal to libhdo-sdk): sent with gRPC's callback
// API under the connection's retry policy (Connection::Invoke's: the same codes, waits and
// deadline), the waits between attempts spent on a TimerThread. The worker sends its task
// replies this way, so that no thread of its pool blocks on an answer (docs/sdk/design.md).
//
// Owner: the caller. Thread safety: InvokeAsync may be called from any thread; `done` runs once,
// on the gRPC thread that read the last answer.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <memory>

#include "hdo/connection.h"
#include "worker_threads.h"

namespace hdo::internal {

// Marks the calling thread as one of gRPC's (it runs an answer's callback). gRPC must not lose
// its last channel on such a thread: dropping the callback completion queue's last user from a
// thread that serves it frees the queue twice (gRPC 1.51). ~Connection asks OnGrpcThread and
// then leaves the channel to another thread.
void MarkGrpcThread();
bool OnGrpcThread();

// The statuses a repeated attempt may turn into success (the Go SDK retry interceptor's codes).
bool MayRetry(grpc::StatusCode code);
// The wait before attempt `attempts` + 1.
std::chrono::milliseconds RetryWait(const RpcRetryOptions& retry, int attempts);
// An attempt's status as the caller should read it: CANCELLED once the call's own `deadline` has
// passed is DEADLINE_EXCEEDED (a Go server resets the stream when the deadline it was sent
// expires, and that reset can reach the client before the client's own deadline timer fires).
grpc::Status AtDeadline(grpc::Status status, std::chrono::system_clock::time_point deadline,
                        std::chrono::system_clock::time_point now);

// Sends one attempt on `context` (prepared with the connection's headers and the call's
// deadline) and calls `answered` with its status: `stub().async()->Method(&context, &request,
// &response, answered)`. The request and response belong to the caller and must outlive `done`;
// the attempt clears the response before it is sent again.
using AsyncAttempt =
    std::function<void(grpc::ClientContext& context, std::function<void(grpc::Status)> answered)>;

// Runs `attempt` until it succeeds, fails with a status a retry cannot change, or the attempts
// or the deadline (`timeout` from now; rpc_timeout when zero) run out; then `done` with the last
// status.
void InvokeAsync(std::shared_ptr<const Connection> connection, std::shared_ptr<TimerThread> timers,
                 AsyncAttempt attempt, std::function<void(grpc::Status)> done,
                 std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

}  // namespace hdo::internal
