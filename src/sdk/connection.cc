#include "hdo/connection.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "async_call.h"
#include "google/rpc/status.pb.h"
#include "hugo/error_codes.h"
#include "temporal/api/errordetails/v1/message.pb.h"

namespace hdo {
namespace {

hugo::Result<std::string> ReadFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return hugo::Error::From("cannot read the TLS " + std::string(what) + " file '" + path + "'",
                             std::string(hugo::ErrorCodes::kValidation));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return hugo::Result<std::string>::Ok(text.str());
}

hugo::Result<std::shared_ptr<grpc::ChannelCredentials>> Credentials(const ConnectionOptions& o) {
  using Creds = hugo::Result<std::shared_ptr<grpc::ChannelCredentials>>;
  if (!o.tls) return Creds::Ok(grpc::InsecureChannelCredentials());
  grpc::SslCredentialsOptions ssl;
  if (!o.tls->ca_file.empty()) {
    auto ca = ReadFile(o.tls->ca_file, "CA");
    if (ca.IsFailure()) return ca.Error();
    ssl.pem_root_certs = ca.Value();
  }
  if (o.tls->cert_file.empty() != o.tls->key_file.empty()) {
    return hugo::Error::From("mTLS needs both cert_file and key_file",
                             std::string(hugo::ErrorCodes::kValidation));
  }
  if (!o.tls->cert_file.empty()) {
    auto cert = ReadFile(o.tls->cert_file, "certificate");
    if (cert.IsFailure()) return cert.Error();
    auto key = ReadFile(o.tls->key_file, "key");
    if (key.IsFailure()) return key.Error();
    ssl.pem_cert_chain = cert.Value();
    ssl.pem_private_key = key.Value();
  }
  return Creds::Ok(grpc::SslCredentials(ssl));
}

std::string CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "ok";
    case grpc::StatusCode::CANCELLED:
      return "cancelled";
    case grpc::StatusCode::UNKNOWN:
      return "unknown";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "invalid_argument";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "deadline_exceeded";
    case grpc::StatusCode::NOT_FOUND:
      return "not_found";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "already_exists";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "permission_denied";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "resource_exhausted";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "failed_precondition";
    case grpc::StatusCode::ABORTED:
      return "aborted";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "out_of_range";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "unimplemented";
    case grpc::StatusCode::INTERNAL:
      return "internal";
    case grpc::StatusCode::UNAVAILABLE:
      return "unavailable";
    case grpc::StatusCode::DATA_LOSS:
      return "data_loss";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "unauthenticated";
    default:
      return "unknown";
  }
}

std::optional<std::string> RetryOptionsError(const RpcRetryOptions& r) {
  if (r.initial_interval.count() <= 0) return "retry.initial_interval must be positive";
  if (!(r.backoff_coefficient >= 1.0)) return "retry.backoff_coefficient must be at least 1";
  if (r.maximum_interval < r.initial_interval) {
    return "retry.maximum_interval must be at least retry.initial_interval";
  }
  if (!(r.jitter >= 0.0 && r.jitter < 1.0)) return "retry.jitter must be in [0, 1)";
  if (r.maximum_attempts < 0) return "retry.maximum_attempts must be 0 (unlimited) or more";
  return std::nullopt;
}

}  // namespace

namespace internal {

// The Go SDK retry interceptor's codes. DEADLINE_EXCEEDED and CANCELLED are the caller's own
// limits.
bool MayRetry(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
      return true;
    default:
      return false;
  }
}

grpc::Status AtDeadline(grpc::Status status, std::chrono::system_clock::time_point deadline,
                        std::chrono::system_clock::time_point now) {
  if (status.error_code() != grpc::StatusCode::CANCELLED || now < deadline) return status;
  return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, status.error_message(),
                      status.error_details());
}

// The wait before attempt `attempts` + 1.
std::chrono::milliseconds RetryWait(const RpcRetryOptions& r, int attempts) {
  double wait = static_cast<double>(r.initial_interval.count()) *
                std::pow(r.backoff_coefficient, attempts - 1);
  wait = std::min(wait, static_cast<double>(r.maximum_interval.count()));
  thread_local std::mt19937_64 random{std::random_device{}()};
  wait *= std::uniform_real_distribution<double>(1.0 - r.jitter, 1.0 + r.jitter)(random);
  return std::chrono::milliseconds(std::max<int64_t>(1, static_cast<int64_t>(wait)));
}

}  // namespace internal

Connection::Connection(ConnectionOptions options, std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)),
      channel_(std::move(channel)),
      stub_(temporal::api::workflowservice::v1::WorkflowService::NewStub(channel_)) {}

Connection::~Connection() {
  if (!internal::OnGrpcThread()) return;
  // The last reference went on one of gRPC's threads (a handle or an asynchronous call's state
  // released after its answer): the channel is released on a thread of its own (async_call.h).
  std::thread([channel = std::move(channel_), stub = std::move(stub_)]() mutable {
    stub.reset();
    channel.reset();
  }).detach();
}

std::shared_ptr<internal::TimerThread> Connection::async_timers() const {
  std::lock_guard lock(timers_mutex_);
  if (!async_timers_) async_timers_ = std::make_shared<internal::TimerThread>();
  return async_timers_;
}

hugo::Result<std::shared_ptr<Connection>> Connection::Connect(ConnectionOptions options) {
  if (options.address.empty()) {
    return hugo::Error::From("the connection needs an address (host:port)",
                             std::string(hugo::ErrorCodes::kValidation));
  }
  if (auto bad = RetryOptionsError(options.retry)) {
    return hugo::Error::From("bad connection option: " + *bad,
                             std::string(hugo::ErrorCodes::kValidation));
  }
  auto credentials = Credentials(options);
  if (credentials.IsFailure()) return credentials.Error();
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(128 * 1024 * 1024);
  // No bandwidth-delay-product probing: gRPC sends a PING with bursts of data it receives to
  // size the flow-control window, and a worker's stream of small calls pays for it on both ends
  // (bench scenario (a), c=200: the load generator's CPU per workflow 0.99 -> 0.90 ms on
  // average, docs/performance.md). A fixed 1 MiB stream window instead (grpc-go also stops
  // probing once a window size is set) keeps large payloads moving over links with a long round
  // trip; 4 MiB measured as costly as probing.
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 1024 * 1024);
  // Retries are Invoke's (the Go SDK's policy, options.retry), not gRPC's retry filter: without a
  // service config the filter only repeats a call that never reached the server, which Invoke
  // also does, and it costs every call (the load generator's CPU per workflow 0.90 -> 0.84 ms,
  // docs/performance.md).
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  if (options.tls && !options.tls->server_name.empty()) {
    args.SetSslTargetNameOverride(options.tls->server_name);
  }
  auto channel = grpc::CreateCustomChannel(options.address, credentials.Value(), args);
  if (options.connect_timeout.count() > 0) {
    auto deadline = std::chrono::system_clock::now() + options.connect_timeout;
    if (!channel->WaitForConnected(deadline)) {
      return hugo::Error::From("cannot connect to " + options.address + " within " +
                                   std::to_string(options.connect_timeout.count()) +
                                   " ms; is the server running?",
                               "error.unavailable");
    }
  }
  return hugo::Result<std::shared_ptr<Connection>>::Ok(
      std::shared_ptr<Connection>(new Connection(std::move(options), std::move(channel))));
}

void Connection::Prepare(grpc::ClientContext& context, std::chrono::milliseconds timeout) const {
  if (timeout.count() == 0) timeout = options_.rpc_timeout;
  PrepareUntil(context, std::chrono::system_clock::now() + timeout);
}

void Connection::PrepareUntil(grpc::ClientContext& context,
                              std::chrono::system_clock::time_point deadline) const {
  context.set_deadline(deadline);
  if (!options_.api_key.empty()) {
    context.AddMetadata("authorization", "Bearer " + options_.api_key);
  }
  for (const auto& [key, value] : options_.headers) context.AddMetadata(key, value);
}

grpc::Status Connection::Invoke(const Attempt& attempt, std::chrono::milliseconds timeout) const {
  if (timeout.count() == 0) timeout = options_.rpc_timeout;
  const auto deadline = std::chrono::system_clock::now() + timeout;
  const RpcRetryOptions& retry = options_.retry;
  for (int attempts = 1;; ++attempts) {
    grpc::ClientContext context;
    PrepareUntil(context, deadline);
    grpc::Status status =
        internal::AtDeadline(attempt(context), deadline, std::chrono::system_clock::now());
    if (status.ok() || !internal::MayRetry(status.error_code())) return status;
    if (retry.maximum_attempts > 0 && attempts >= retry.maximum_attempts) return status;
    const auto wait = internal::RetryWait(retry, attempts);
    // A wait that would end past the deadline leaves no time for another attempt.
    if (std::chrono::system_clock::now() + wait >= deadline) return status;
    std::this_thread::sleep_for(wait);
  }
}

hugo::Error StatusToError(const grpc::Status& status, std::string_view what) {
  std::string message(what);
  if (!message.empty()) message += ": ";
  message += status.error_message();
  hugo::Error error = hugo::Error::From(message, "grpc." + CodeName(status.error_code()))
                          .WithMetadata("grpc.code", int64_t{status.error_code()})
                          .WithMetadata("grpc.message", status.error_message());
  // The details are a google.rpc.Status whose first Any names the Temporal failure.
  if (status.error_details().empty()) return error;
  google::rpc::Status rpc_status;
  if (!rpc_status.ParseFromString(status.error_details()) || rpc_status.details_size() == 0) {
    return error;
  }
  const google::protobuf::Any& detail = rpc_status.details(0);
  // A multi-operation call (update-with-start) that failed: the error is the operation that
  // failed, not one of those aborted because of it.
  temporal::api::errordetails::v1::MultiOperationExecutionFailure multi;
  if (detail.UnpackTo(&multi)) {
    for (int i = 0; i < multi.statuses_size(); ++i) {
      const auto& operation = multi.statuses(i);
      if (operation.code() == grpc::StatusCode::OK ||
          operation.code() == grpc::StatusCode::ABORTED) {
        continue;
      }
      google::rpc::Status inner;
      inner.set_code(operation.code());
      inner.set_message(operation.message());
      *inner.mutable_details() = operation.details();
      return StatusToError(grpc::Status(static_cast<grpc::StatusCode>(operation.code()),
                                        operation.message(), inner.SerializeAsString()),
                           std::string(what) + ": operation " + std::to_string(i))
          .WithMetadata("temporal.operation", int64_t{i});
    }
  }
  std::string type = detail.type_url().substr(detail.type_url().rfind('.') + 1);
  error = error.WithMetadata("temporal.failure", type);
  temporal::api::errordetails::v1::WorkflowExecutionAlreadyStartedFailure already;
  if (detail.UnpackTo(&already)) error = error.WithMetadata("run_id", already.run_id());
  return error;
}

}  // namespace hdo
