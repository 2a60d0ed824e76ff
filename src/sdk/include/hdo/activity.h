// hdo activities: what an activity function receives (ActivityContext: info, heartbeat,
// cancellation) and how the worker invokes one (ActivityRegistry). Local activities use the same
// invocation path, run by the workflow task processor inside the worker process.
//
// Owner: the worker. Thread safety: an ActivityContext is used by its activity's thread; its
// heartbeat and cancellation members are thread-safe. A registry is filled before the worker
// starts and read-only (safe from any thread) afterwards.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "hdo/converter.h"
#include "hdo/failure.h"
#include "hdo/propagation.h"
#include "hugo/result.h"

namespace hdo {

struct ActivityInfo {
  std::string namespace_name;
  std::string task_queue;
  std::string workflow_id;
  std::string run_id;
  std::string workflow_type;
  std::string activity_id;
  std::string activity_type;
  std::string task_token;  // empty for local activities
  int32_t attempt = 1;
  bool is_local = false;
  std::chrono::milliseconds schedule_to_close_timeout{0};
  std::chrono::milliseconds start_to_close_timeout{0};
  std::chrono::milliseconds heartbeat_timeout{0};
  // When the activity was scheduled, when this attempt started, and when the attempt must end (the
  // earlier of scheduled + schedule-to-close and started + start-to-close; none without either
  // timeout): the Go SDK's ScheduledTime, StartedTime and Deadline.
  std::chrono::system_clock::time_point scheduled_time;
  std::chrono::system_clock::time_point started_time;
  std::optional<std::chrono::system_clock::time_point> deadline;
  // Details of the last heartbeat of the previous attempt (empty on the first).
  Payloads heartbeat_details;
  // The header the workflow's command carried (for a local activity, what the workflow context's
  // values injected); the connection's propagators have made its context the thread's.
  HeaderFields header;
};

// One activity call as the worker hands it to the registered function.
struct ActivityInvocation {
  ActivityInfo info;
  Payloads input;
  // A local activity attempt only: when it must end (min(attempt start + start_to_close, the
  // call's schedule + schedule_to_close); unset: the runner computes it from `info`), and the
  // workflow's cancellation of the call (stops the context's token).
  std::optional<std::chrono::system_clock::time_point> deadline;
  std::stop_token cancel;
};

// Runs one local activity attempt (the worker's registry); the error becomes the attempt's failure.
using LocalActivityRunner = std::function<hugo::Result<Payloads>(const ActivityInvocation&)>;

namespace internal {
class TimerThread;
struct ActivityContextState;
}  // namespace internal

// The code of the error ActivityContext::CompleteAsync returns.
inline constexpr std::string_view kCompleteAsyncCode = "hdo.activity.complete_async";
// The ApplicationError type of an activity whose arguments could not be decoded (non-retryable).
inline constexpr std::string_view kPayloadDecodeErrorType = "hdo.payload.decode";
// The ApplicationError type of an activity type this worker does not know (retryable: another
// worker on the task queue may know it).
inline constexpr std::string_view kActivityNotRegisteredType = "hdo.activity.not_registered";
// The ApplicationError type of an attempt canceled by its worker shutting down (retryable).
inline constexpr std::string_view kWorkerShutdownErrorType = "hdo.worker.shutdown";

struct ActivityContextOptions {
  // Sends one heartbeat (RecordActivityTaskHeartbeat); true when the server reports
  // cancel_requested. Empty (local activities, unit tests): Heartbeat is a no-op.
  std::function<hugo::Result<bool>(const Payloads& details)> send_heartbeat;
  // Throttle: 0.8 × heartbeat_timeout, or `default_heartbeat_throttle` without one; at most
  // `max_heartbeat_throttle` (the Go SDK's defaults).
  std::chrono::milliseconds default_heartbeat_throttle{30'000};
  std::chrono::milliseconds max_heartbeat_throttle{60'000};
  // Stopping it stops the context's token (the worker's shutdown past its grace period).
  std::stop_token worker_stop;
  // The attempt's deadline: min(scheduled + schedule_to_close, started + start_to_close).
  std::optional<std::chrono::system_clock::time_point> deadline;
  // Runs throttle flushes and the deadline; the context starts its own when empty and needed.
  std::shared_ptr<internal::TimerThread> timers;
};

class ActivityContext {
 public:
  explicit ActivityContext(ActivityInfo info, ActivityContextOptions options = {});
  ~ActivityContext();  // Finish()es
  ActivityContext(const ActivityContext&) = delete;
  ActivityContext& operator=(const ActivityContext&) = delete;

  const ActivityInfo& info() const { return info_; }

  // Records progress (details encoded with ToPayloads). The first heartbeat is sent at once; later
  // ones at most once per throttle interval, the latest details being kept and sent when the
  // interval ends. An encoding failure drops the heartbeat (the attempt goes on).
  template <class... A>
  void Heartbeat(const A&... details);
  void HeartbeatPayloads(Payloads details);

  // Stopped when the server reports cancel_requested on a heartbeat reply, when the worker shuts
  // down past its grace period, or when the attempt's deadline passes.
  std::stop_token stop_token() const;
  // True once the server reported cancel_requested (the activity then reports itself canceled
  // by returning any error).
  bool IsCancelRequested() const;
  // Return this error to say "this activity is completed later, by task token, through the
  // client": the worker sends no reply.
  hugo::Error CompleteAsync() const;

  // The heartbeat details of the previous attempt (empty on the first).
  const Payloads& HeartbeatDetails() const { return info_.heartbeat_details; }
  template <class T>
  hugo::Result<T> LastHeartbeatDetails() const;

  // Worker side. True when the stop came from the attempt's deadline.
  bool DeadlineExceeded() const;
  // Stops the throttle and deadline timers (heartbeats after it are not sent) and returns the
  // latest details not yet sent, if any (the worker reports them with a failure).
  std::optional<Payloads> Finish();

 private:
  ActivityInfo info_;
  std::shared_ptr<internal::TimerThread> timers_;  // outlives state_ (declared before it)
  std::shared_ptr<internal::ActivityContextState> state_;
};

bool IsCompleteAsync(const hugo::Error& error);

// The activity functions of one worker, by activity type name.
class ActivityRegistry {
 public:
  // The function called with the context and its decoded arguments.
  using Function = std::function<hugo::Result<Payloads>(ActivityContext&, const Payloads& input)>;

  // `fn` is `R fn(ActivityContext&, A...)`, `hugo::Result<R> fn(ActivityContext&, A...)`, or either
  // without the context; R may be void / hugo::Unit (no result payload). Arguments are decoded
  // with FromPayloads<A...> (failure: non-retryable ApplicationError kPayloadDecodeErrorType); the
  // result is encoded with ToPayloads; an exception becomes a retryable ApplicationError whose type
  // is the exception's type. A second registration of a name replaces the first.
  template <class F>
  void Register(std::string name, F fn);
  void RegisterFunction(std::string name, Function fn) {
    functions_[std::move(name)] = std::move(fn);
  }

  bool Contains(std::string_view name) const { return functions_.count(std::string(name)) > 0; }
  size_t size() const { return functions_.size(); }

  // Runs the function registered for invocation.info.activity_type; an unknown type gives a
  // retryable ApplicationError listing the registered names.
  hugo::Result<Payloads> Invoke(ActivityContext& context,
                                const ActivityInvocation& invocation) const;

 private:
  std::map<std::string, Function, std::less<>> functions_;
};

}  // namespace hdo

namespace hdo {
namespace internal {

template <class F>
struct FunctionTraits : FunctionTraits<decltype(&F::operator())> {};
template <class R, class... A>
struct FunctionTraits<R (*)(A...)> {
  using Return = R;
  using Args = std::tuple<A...>;
};
template <class R, class... A>
struct FunctionTraits<R (*)(A...) noexcept> : FunctionTraits<R (*)(A...)> {};
template <class R, class... A>
struct FunctionTraits<R(A...)> : FunctionTraits<R (*)(A...)> {};
template <class C, class R, class... A>
struct FunctionTraits<R (C::*)(A...)> : FunctionTraits<R (*)(A...)> {};
template <class C, class R, class... A>
struct FunctionTraits<R (C::*)(A...) const> : FunctionTraits<R (*)(A...)> {};
template <class C, class R, class... A>
struct FunctionTraits<R (C::*)(A...) noexcept> : FunctionTraits<R (*)(A...)> {};
template <class C, class R, class... A>
struct FunctionTraits<R (C::*)(A...) const noexcept> : FunctionTraits<R (*)(A...)> {};

template <class T>
struct IsResult : std::false_type {};
template <class T>
struct IsResult<hugo::Result<T>> : std::true_type {};

// ToPayloads may return Payloads or hugo::Result<Payloads>; both become the latter.
inline hugo::Result<Payloads> AsPayloadsResult(Payloads payloads) {
  return hugo::Result<Payloads>::Ok(std::move(payloads));
}
inline hugo::Result<Payloads> AsPayloadsResult(hugo::Result<Payloads> payloads) { return payloads; }

template <class T>
hugo::Result<Payloads> EncodeResult(const T& value) {
  if constexpr (std::is_same_v<T, hugo::Unit>) {
    return hugo::Result<Payloads>::Ok(Payloads{});
  } else {
    return AsPayloadsResult(ToPayloads(value));
  }
}

hugo::Error DecodeError(const hugo::Error& cause);
hugo::Error ExceptionError(const std::exception* exception);

// Splits the parameter list into "takes the context" and the decoded arguments.
template <class Args>
struct ActivitySignature {
  static constexpr bool kWithContext = false;
  using Decoded = void;
};
template <class... A>
struct ActivitySignature<std::tuple<A...>> {
  static constexpr bool kWithContext = false;
  using Decoded = std::tuple<std::decay_t<A>...>;
};
template <class... A>
struct ActivitySignature<std::tuple<ActivityContext&, A...>> {
  static constexpr bool kWithContext = true;
  using Decoded = std::tuple<std::decay_t<A>...>;
};

template <class Tuple>
struct Decoder;
template <class... A>
struct Decoder<std::tuple<A...>> {
  static hugo::Result<std::tuple<A...>> Decode(const Payloads& input) {
    return FromPayloads<A...>(input);
  }
};
template <>
struct Decoder<std::tuple<>> {  // no arguments: extra payloads are ignored, as in Go
  static hugo::Result<std::tuple<>> Decode(const Payloads&) {
    return hugo::Result<std::tuple<>>::Ok({});
  }
};

template <class F>
hugo::Result<Payloads> CallActivity(F& fn, ActivityContext& context, const Payloads& input) {
  using Traits = FunctionTraits<F>;
  using Signature = ActivitySignature<typename Traits::Args>;
  using R = typename Traits::Return;
  auto decoded = Decoder<typename Signature::Decoded>::Decode(input);
  if (decoded.IsFailure()) return DecodeError(decoded.Error());
  auto call = [&](auto&... args) -> R {
    if constexpr (Signature::kWithContext) {
      return fn(context, args...);
    } else {
      return fn(args...);
    }
  };
  try {
    if constexpr (std::is_void_v<R>) {
      std::apply(call, decoded.Value());
      return hugo::Result<Payloads>::Ok(Payloads{});
    } else if constexpr (IsResult<R>::value) {
      R result = std::apply(call, decoded.Value());
      if (result.IsFailure()) return result.Error();
      return EncodeResult(result.Value());
    } else {
      return EncodeResult(std::apply(call, decoded.Value()));
    }
  } catch (const std::exception& exception) {
    return ExceptionError(&exception);
  } catch (...) {
    return ExceptionError(nullptr);
  }
}

}  // namespace internal

template <class... A>
void ActivityContext::Heartbeat(const A&... details) {
  auto encoded = internal::AsPayloadsResult(ToPayloads(details...));
  if (encoded.IsSuccess()) HeartbeatPayloads(std::move(encoded).Value());
}

template <class T>
hugo::Result<T> ActivityContext::LastHeartbeatDetails() const {
  auto decoded = FromPayloads<T>(info_.heartbeat_details);
  if (decoded.IsFailure()) return decoded.Error();
  return hugo::Result<T>::Ok(std::get<0>(std::move(decoded).Value()));
}

template <class F>
void ActivityRegistry::Register(std::string name, F fn) {
  RegisterFunction(std::move(name),
                   [fn = std::move(fn)](ActivityContext& context, const Payloads& input) mutable {
                     return internal::CallActivity(fn, context, input);
                   });
}

}  // namespace hdo
