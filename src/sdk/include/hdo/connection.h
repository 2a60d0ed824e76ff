// hdo::Connection: one gRPC channel to a Temporal frontend (hdo or any Temporal server), shared by
// clients and workers. It owns the WorkflowService stub and stamps every call with the configured
// headers (an API key or JWT as `authorization: Bearer ...`, custom headers) and a deadline.
//
// Owner: whoever connects; shared (std::shared_ptr) by the clients and workers using it.
// Thread safety: thread-safe (gRPC stubs are).
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hdo/codec.h"
#include "hdo/propagation.h"
#include "hugo/result.h"
#include "temporal/api/workflowservice/v1/service.grpc.pb.h"

namespace hdo {

struct TlsOptions {
  // PEM files. An empty ca_file trusts the system roots; cert_file + key_file make it mTLS.
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  // Overrides the name checked against the server's certificate (SNI / authority).
  std::string server_name;
};

// How a call that is not a long poll is retried when it fails with a status that may pass
// (UNAVAILABLE, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNKNOWN: the Go SDK's retry interceptor's
// codes), within the call's deadline: a server restarting or a connection being replaced costs a
// wait, not an error. Every Temporal request a worker or client sends is safe to repeat (request
// ids, task tokens).
struct RpcRetryOptions {
  // The wait after the first failed attempt; each next wait is backoff_coefficient times longer,
  // up to maximum_interval, and varies by +/- jitter (a fraction) at random.
  std::chrono::milliseconds initial_interval{200};
  double backoff_coefficient = 2.0;
  std::chrono::milliseconds maximum_interval{10'000};
  double jitter = 0.2;
  // Attempts at most, the first included (0: as many as the deadline allows; 1: no retry).
  int maximum_attempts = 0;
};

struct ConnectionOptions {
  std::string address = "127.0.0.1:7233";
  std::optional<TlsOptions> tls;
  // Sent as `authorization: Bearer <api_key>` on every call (Temporal Cloud API keys, JWTs).
  std::string api_key;
  std::vector<std::pair<std::string, std::string>> headers;
  // The deadline of every call that is not a long poll.
  std::chrono::milliseconds rpc_timeout{10'000};
  // The deadline of long polls (the server answers empty before it, after about 60 s).
  std::chrono::milliseconds long_poll_timeout{70'000};
  // How long Connect waits for the channel to become ready (0: do not wait).
  std::chrono::milliseconds connect_timeout{10'000};
  RpcRetryOptions retry;
  // Payload codecs (hdo/codec.h) applied to every request's and response's payloads, as Go's
  // converter.NewPayloadCodecGRPCClientInterceptor does: the client and every worker on this
  // connection then send and read only encoded payloads.
  PayloadCodecs codecs;
  // Context propagators (hdo/propagation.h), in order: the client calls that carry a header write
  // the calling thread's context into it, and every worker on this connection passes the context
  // on from workflows to what they start and into activities (the Go SDK's ContextPropagators).
  ContextPropagators context_propagators;
};

namespace internal {
class TimerThread;
}  // namespace internal

class Connection {
 public:
  // error.validation for bad options or unreadable TLS files; error.unavailable when the server
  // cannot be reached within connect_timeout.
  static hugo::Result<std::shared_ptr<Connection>> Connect(ConnectionOptions options);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  using Stub = temporal::api::workflowservice::v1::WorkflowService::Stub;
  Stub& stub() const { return *stub_; }

  const ConnectionOptions& options() const { return options_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

  // Sets the headers and a deadline `timeout` from now (rpc_timeout when zero) on `context`.
  void Prepare(grpc::ClientContext& context,
               std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) const;
  void PrepareUntil(grpc::ClientContext& context,
                    std::chrono::system_clock::time_point deadline) const;
  void PrepareLongPoll(grpc::ClientContext& context) const {
    Prepare(context, options_.long_poll_timeout);
  }

  // The codecs (options().codecs) on every payload of a request before it is sent, and undone on
  // every payload of a response or task: error hdo.payload.codec when a codec fails. Nothing is
  // visited without codecs.
  bool HasCodecs() const { return !options_.codecs.empty(); }
  const ContextPropagators& context_propagators() const { return options_.context_propagators; }
  hugo::Result<hugo::Unit> EncodeOutbound(google::protobuf::Message& request) const {
    return EncodePayloads(request, options_.codecs);
  }
  hugo::Result<hugo::Unit> DecodeInbound(google::protobuf::Message& response) const {
    return DecodePayloads(response, options_.codecs);
  }

  // One call under the retry policy (options().retry): runs `attempt` on a fresh prepared context
  // until it succeeds, fails with a status a retry cannot change, or the attempts or the deadline
  // (`timeout` from now; rpc_timeout when zero) run out; returns the last status. Blocks the
  // calling thread during the waits.
  using Attempt = std::function<grpc::Status(grpc::ClientContext&)>;
  grpc::Status Invoke(const Attempt& attempt,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) const;

  // Internal to the SDK: where the client's asynchronous calls (StartWorkflowAsync,
  // GetResultAsync) wait between their attempts; one thread, started by the first such call.
  std::shared_ptr<internal::TimerThread> async_timers() const;

 private:
  Connection(ConnectionOptions options, std::shared_ptr<grpc::Channel> channel);
  ConnectionOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Stub> stub_;
  mutable std::mutex timers_mutex_;
  mutable std::shared_ptr<internal::TimerThread> async_timers_;
};

// A gRPC status as a hugo::Error: code "grpc.<canonical name>" (e.g. grpc.not_found), the
// server's message, metadata `grpc.code` (the number), `grpc.message` (the server's message
// alone) and, for the Temporal error details the SDK acts on, `temporal.failure` (the detail's
// type name, e.g. WorkflowExecutionAlreadyStartedFailure) plus `run_id` when the detail carries
// one. A MultiOperationExecutionFailure (update-with-start) gives the error of the operation that
// failed, with metadata `temporal.operation` (its index in the request), rather than the
// ABORTED status around it.
hugo::Error StatusToError(const grpc::Status& status, std::string_view what);

}  // namespace hdo
