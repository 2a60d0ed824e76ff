#include "hdo/activity.h"

#include <cxxabi.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <typeinfo>

#include "hugo/cancellation.h"
#include "worker_threads.h"

namespace hdo {
namespace internal {

struct ActivityContextState {
  ActivityContextState(ActivityContextOptions o, TimerThread* t)
      : options(std::move(o)), timers(t), stop(options.worker_stop) {}

  ActivityContextOptions options;
  TimerThread* timers;  // owned by the context (or the worker); unused after `finished`
  hugo::LinkedStopSource stop;
  std::chrono::milliseconds throttle{0};
  std::atomic<bool> cancel_requested{false};
  std::atomic<bool> deadline_exceeded{false};

  // Guards the rest; held across a heartbeat RPC so that heartbeats go out one at a time.
  std::mutex mutex;
  bool finished = false;
  bool window_open = false;  // a heartbeat was sent less than `throttle` ago
  std::optional<Payloads> pending;
  std::optional<TimerThread::Id> flush_timer;
  std::optional<TimerThread::Id> deadline_timer;
};

namespace {

std::chrono::milliseconds HeartbeatThrottle(const ActivityInfo& info,
                                            const ActivityContextOptions& options) {
  // As the Go SDK (getHeartbeatThrottleInterval): 80% of the heartbeat timeout, else the default,
  // never above the maximum.
  auto throttle =
      std::chrono::duration_cast<std::chrono::milliseconds>(info.heartbeat_timeout * 4) / 5;
  if (throttle.count() <= 0) throttle = options.default_heartbeat_throttle;
  return std::min(throttle, options.max_heartbeat_throttle);
}

void SendOrKeep(const std::shared_ptr<ActivityContextState>& state, Payloads details);

void FlushWindow(const std::shared_ptr<ActivityContextState>& state) {
  std::optional<Payloads> pending;
  {
    std::lock_guard lock(state->mutex);
    state->window_open = false;
    state->flush_timer.reset();
    pending.swap(state->pending);
  }
  if (pending) SendOrKeep(state, std::move(*pending));
}

// The Go SDK's temporalInvoker.Heartbeat: inside a throttle window only the latest details are
// kept; otherwise they are sent and a new window opens, at whose end the kept details are sent.
void SendOrKeep(const std::shared_ptr<ActivityContextState>& state, Payloads details) {
  std::lock_guard lock(state->mutex);
  if (state->finished || !state->options.send_heartbeat) return;
  if (state->window_open) {
    state->pending = std::move(details);
    return;
  }
  hugo::Result<bool> sent = state->options.send_heartbeat(details);
  if (sent.IsFailure()) {
    // The attempt is gone (completed, timed out, or the run closed): nothing to heartbeat for.
    if (sent.Error().HasCode("grpc.not_found")) state->stop.RequestStop();
    return;  // no window: the next heartbeat is tried at once
  }
  if (sent.Value()) {
    state->cancel_requested = true;
    state->stop.RequestStop();
  }
  state->window_open = true;
  std::weak_ptr<ActivityContextState> weak = state;
  state->flush_timer = state->timers->ScheduleAfter(state->throttle, [weak] {
    if (auto alive = weak.lock()) FlushWindow(alive);
  });
}

std::string Demangle(const char* name) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string out = (status == 0 && demangled != nullptr) ? demangled : name;
  std::free(demangled);
  return out;
}

}  // namespace

hugo::Error DecodeError(const hugo::Error& cause) {
  return ApplicationError("cannot decode the activity's arguments: " + cause.ToString(),
                          std::string(kPayloadDecodeErrorType), true, Payloads{});
}

hugo::Error ExceptionError(const std::exception* exception) {
  if (exception == nullptr) {
    return ApplicationError("the activity threw an exception that is not a std::exception",
                            "unknown", false, Payloads{});
  }
  return ApplicationError(exception->what(), Demangle(typeid(*exception).name()), false,
                          Payloads{});
}

}  // namespace internal

ActivityContext::ActivityContext(ActivityInfo info, ActivityContextOptions options)
    : info_(std::move(info)), timers_(options.timers) {
  if (info_.task_token.empty()) options.send_heartbeat = nullptr;  // local: no server attempt
  const bool needs_timers = options.send_heartbeat || options.deadline.has_value();
  if (!timers_ && needs_timers) timers_ = std::make_shared<internal::TimerThread>();
  options.timers.reset();
  const std::optional<std::chrono::system_clock::time_point> deadline = options.deadline;
  state_ = std::make_shared<internal::ActivityContextState>(std::move(options), timers_.get());
  state_->throttle = internal::HeartbeatThrottle(info_, state_->options);
  if (!deadline) return;
  auto remaining = *deadline - std::chrono::system_clock::now();
  std::weak_ptr<internal::ActivityContextState> weak = state_;
  std::lock_guard lock(state_->mutex);
  state_->deadline_timer = timers_->ScheduleAfter(
      std::chrono::duration_cast<internal::TimerThread::Clock::duration>(remaining), [weak] {
        if (auto alive = weak.lock()) {
          alive->deadline_exceeded = true;
          alive->stop.RequestStop();
        }
      });
}

ActivityContext::~ActivityContext() { (void)Finish(); }

void ActivityContext::HeartbeatPayloads(Payloads details) {
  internal::SendOrKeep(state_, std::move(details));
}

std::stop_token ActivityContext::stop_token() const { return state_->stop.Token(); }

bool ActivityContext::IsCancelRequested() const { return state_->cancel_requested; }

bool ActivityContext::DeadlineExceeded() const { return state_->deadline_exceeded; }

hugo::Error ActivityContext::CompleteAsync() const {
  return hugo::Error::From(
      "activity " + info_.activity_id + " is completed asynchronously (by task token)",
      std::string(kCompleteAsyncCode));
}

std::optional<Payloads> ActivityContext::Finish() {
  std::lock_guard lock(state_->mutex);
  if (!state_->finished) {
    state_->finished = true;
    if (state_->flush_timer) timers_->Cancel(*state_->flush_timer);
    if (state_->deadline_timer) timers_->Cancel(*state_->deadline_timer);
    state_->flush_timer.reset();
    state_->deadline_timer.reset();
  }
  std::optional<Payloads> pending;
  pending.swap(state_->pending);
  return pending;
}

bool IsCompleteAsync(const hugo::Error& error) { return error.HasCode(kCompleteAsyncCode); }

hugo::Result<Payloads> ActivityRegistry::Invoke(ActivityContext& context,
                                                const ActivityInvocation& invocation) const {
  auto found = functions_.find(invocation.info.activity_type);
  if (found != functions_.end()) return found->second(context, invocation.input);
  // The Go SDK's wording, so that operators recognise it.
  std::string names;
  for (const auto& [name, fn] : functions_) names += (names.empty() ? "" : ", ") + name;
  return ApplicationError("unable to find activityType=" + invocation.info.activity_type +
                              ". Supported types: [" + names + "]",
                          std::string(kActivityNotRegisteredType), false, Payloads{});
}

}  // namespace hdo
