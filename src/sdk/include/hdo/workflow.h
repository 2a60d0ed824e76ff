// hdo workflows: workflow functions are C++20 coroutines (hdo::Workflow<T>) run by a
// deterministic single-threaded scheduler that the workflow task processor drives from history.
//
//   hdo::Workflow<std::string> Greet(hdo::WorkflowContext ctx, std::string name) {
//     hdo::ActivityOptions options;
//     options.start_to_close_timeout = std::chrono::seconds(10);
//     hugo::Result<std::string> text =
//         co_await ctx.ExecuteActivity<std::string>("ComposeGreeting", options, name);
//     if (text.IsFailure()) co_return text.Error();
//     co_return text.Value();
//   }
//
// Everything a workflow does goes through its WorkflowContext (a cheap handle, passed by value):
// activities, local activities, timers, signals, queries, updates, child workflows, external
// signals and cancels, continue-as-new, cancellation scopes (WithCancel), deterministic time and
// randomness, SideEffect (hugo::DeterministicEffectStore semantics) and GetVersion / Patched
// (hugo::VersionGate semantics), both recorded in history as markers. Awaiting gives a
// hugo::Result: failures are values, never exceptions. An exception escaping workflow code fails
// the workflow task (it is retried), as a panic does in the Go SDK.
//
// Determinism: the scheduler resumes coroutines in a fixed order (FIFO of wake-ups); Selector
// picks among ready cases by lowest priority, then declaration order (libhugo's Select rule).
// Workflow code must not read the wall clock, threads, random devices or global mutable state.
//
// Owner: the workflow run (the worker's sticky cache). Thread safety: none; a run's coroutines,
// futures, channels and context are touched only by the thread processing its workflow task.
#pragma once

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "hdo/activity.h"
#include "hdo/converter.h"
#include "hdo/failure.h"
#include "hdo/propagation.h"
#include "hdo/retry_policy.h"
#include "hdo/search_attributes.h"
#include "hugo/deterministic.h"
#include "hugo/result.h"

namespace hugo {
class WorkflowExecutionContext;
}

namespace hdo {

class WorkflowContext;

namespace internal {
class WorkflowRun;
class Scheduler;
struct Scope;

// Something coroutines wait on: a future's state or a channel. Wakers are called (once each, in
// registration order) when it changes; a waker only schedules a coroutine, never runs one.
struct Waitable {
  using WakerId = uint64_t;
  WakerId AddWaker(std::function<void()> waker);
  void RemoveWaker(WakerId id);
  void Wake();

 private:
  std::vector<std::pair<WakerId, std::function<void()>>> wakers_;
  WakerId next_id_ = 1;
};

template <class T>
struct FutureState : Waitable {
  std::optional<T> value;
  void Resolve(T v) {
    if (value) return;
    value.emplace(std::move(v));
    Wake();
  }
};

// Schedules `handle` on the run's scheduler (resumed after the current coroutine suspends).
void ScheduleResume(Scheduler* scheduler, std::coroutine_handle<> handle);
// Suspends the awaiting coroutine until `waitable` wakes; used by the awaiters below.
struct WaitAwaiterBase {
  Scheduler* scheduler;
  Waitable* waitable;
  Waitable::WakerId id = 0;
  void Suspend(std::coroutine_handle<> handle) {
    id = waitable->AddWaker([s = scheduler, handle, w = waitable, this] {
      w->RemoveWaker(id);
      ScheduleResume(s, handle);
    });
  }
};
}  // namespace internal

// ---------------------------------------------------------------------------------------------
// Workflow<T>: the coroutine type of workflow functions and of the helpers they call. Lazy: it
// starts when awaited (or when the run starts it). `co_return value;` or `co_return error;`
// (a hugo::Error); awaiting gives hugo::Result<T>. Workflow<> is Workflow<hugo::Unit>.
template <class T = hugo::Unit>
class [[nodiscard]] Workflow {
 public:
  struct promise_type {
    std::optional<hugo::Result<T>> result;
    std::coroutine_handle<> continuation;
    std::exception_ptr exception;

    Workflow get_return_object() {
      return Workflow(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct FinalAwaiter {
      bool await_ready() noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        std::coroutine_handle<> next = h.promise().continuation;
        return next ? next : std::noop_coroutine();
      }
      void await_resume() noexcept {}
    };
    FinalAwaiter final_suspend() noexcept { return {}; }
    void return_value(T value) { result.emplace(hugo::Result<T>::Ok(std::move(value))); }
    void return_value(hugo::Error error) { result.emplace(hugo::Result<T>(std::move(error))); }
    void return_value(hugo::Result<T> value) { result.emplace(std::move(value)); }
    void unhandled_exception() { exception = std::current_exception(); }
  };

  Workflow(Workflow&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Workflow& operator=(Workflow&& other) noexcept {
    if (this != &other) {
      Reset();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Workflow(const Workflow&) = delete;
  ~Workflow() { Reset(); }

  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> parent) noexcept {
    handle_.promise().continuation = parent;
    return handle_;
  }
  hugo::Result<T> await_resume() {
    auto& promise = handle_.promise();
    if (promise.exception) std::rethrow_exception(promise.exception);
    return std::move(*promise.result);
  }

  // Awaits this coroutine without giving it up (the owner keeps the frame alive).
  struct RefAwaiter {
    Workflow* workflow;
    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> parent) noexcept {
      return workflow->await_suspend(parent);
    }
    hugo::Result<T> await_resume() { return workflow->await_resume(); }
  };
  RefAwaiter AwaitInPlace() & { return RefAwaiter{this}; }

  // For the scheduler: the raw handle, whether it finished, and its outcome.
  std::coroutine_handle<promise_type> handle() const { return handle_; }
  bool done() const { return handle_ && handle_.done(); }

 private:
  explicit Workflow(std::coroutine_handle<promise_type> handle) : handle_(handle) {}
  void Reset() {
    if (handle_) handle_.destroy();
    handle_ = {};
  }
  std::coroutine_handle<promise_type> handle_;
};

// ---------------------------------------------------------------------------------------------
// Future<T>: a value that history (or workflow code) provides later. Awaiting it suspends until
// it is ready and gives a copy of the value; a future can be awaited any number of times.
template <class T>
class Future {
 public:
  Future() = default;
  Future(internal::Scheduler* scheduler, std::shared_ptr<internal::Waitable> waitable,
         std::function<bool()> ready, std::function<T()> get)
      : scheduler_(scheduler),
        waitable_(std::move(waitable)),
        ready_(std::move(ready)),
        get_(std::move(get)) {}
  // A future over a FutureState<T>.
  static Future FromState(internal::Scheduler* scheduler,
                          std::shared_ptr<internal::FutureState<T>> state) {
    auto* raw = state.get();
    return Future(
        scheduler, state, [raw] { return raw->value.has_value(); }, [raw] { return *raw->value; });
  }

  bool IsReady() const { return ready_ && ready_(); }
  // Precondition: IsReady().
  T Get() const { return get_(); }

  struct Awaiter : internal::WaitAwaiterBase {
    const Future* future;
    bool await_ready() const { return future->IsReady(); }
    void await_suspend(std::coroutine_handle<> handle) { Suspend(handle); }
    T await_resume() const { return future->Get(); }
  };
  Awaiter operator co_await() const& { return Awaiter{{scheduler_, waitable_.get()}, this}; }

  internal::Waitable* waitable() const { return waitable_.get(); }
  internal::Scheduler* scheduler() const { return scheduler_; }

  // A future of `f(value)` over this one's readiness.
  template <class F>
  auto Then(F f) const -> Future<std::invoke_result_t<F, T>> {
    using U = std::invoke_result_t<F, T>;
    auto get = get_;
    return Future<U>(scheduler_, waitable_, ready_, [get, f] { return f(get()); });
  }

 private:
  internal::Scheduler* scheduler_ = nullptr;
  std::shared_ptr<internal::Waitable> waitable_;
  std::function<bool()> ready_;
  std::function<T()> get_;
};

// A Future<T> that workflow code resolves itself (workflow.NewFuture in the Go SDK).
template <class T>
class Promise {
 public:
  explicit Promise(internal::Scheduler* scheduler)
      : scheduler_(scheduler), state_(std::make_shared<internal::FutureState<T>>()) {}
  void Set(T value) { state_->Resolve(std::move(value)); }
  bool IsSet() const { return state_->value.has_value(); }
  Future<T> GetFuture() const { return Future<T>::FromState(scheduler_, state_); }

 private:
  internal::Scheduler* scheduler_;
  std::shared_ptr<internal::FutureState<T>> state_;
};

// ---------------------------------------------------------------------------------------------
// Channels. Channel<T> connects coroutines of one run (unbounded, FIFO). SignalChannel<T> receives
// the signals of one name, decoded as T (a payload that does not decode gives the error).
namespace internal {
template <class T>
struct ChannelState : Waitable {
  std::deque<T> items;
  bool closed = false;
};
using SignalChannelState = ChannelState<Payloads>;
}  // namespace internal

template <class T>
class Channel {
 public:
  Channel(internal::Scheduler* scheduler, std::shared_ptr<internal::ChannelState<T>> state)
      : scheduler_(scheduler), state_(std::move(state)) {}

  void Send(T value) {
    state_->items.push_back(std::move(value));
    state_->Wake();
  }
  void Close() {
    state_->closed = true;
    state_->Wake();
  }
  std::optional<T> TryReceive() {
    if (state_->items.empty()) return std::nullopt;
    T value = std::move(state_->items.front());
    state_->items.pop_front();
    return value;
  }
  size_t Size() const { return state_->items.size(); }
  bool IsClosed() const { return state_->closed; }

  // Waits for the channel to change (an item or a close); the receiver re-checks after it.
  struct Awaiter : internal::WaitAwaiterBase {
    Channel* channel;
    bool await_ready() const { return !channel->state_->items.empty() || channel->state_->closed; }
    void await_suspend(std::coroutine_handle<> handle) { Suspend(handle); }
    void await_resume() const {}
  };
  // co_await ch.Receive(): the next value, or nullopt once the channel is closed and empty. Each
  // wake-up re-checks: the receiver keeps waiting when another coroutine took the item.
  Workflow<std::optional<T>> Receive() { return ReceiveLoop(*this); }

  internal::Waitable* waitable() const { return state_.get(); }
  internal::Scheduler* scheduler() const { return scheduler_; }
  bool HasItem() const { return !state_->items.empty(); }

 private:
  static Workflow<std::optional<T>> ReceiveLoop(Channel channel) {
    for (;;) {
      if (channel.HasItem() || channel.IsClosed()) co_return channel.TryReceive();
      co_await Awaiter{{channel.scheduler_, channel.state_.get()}, &channel};
    }
  }
  internal::Scheduler* scheduler_;
  std::shared_ptr<internal::ChannelState<T>> state_;
};

template <class T>
class SignalChannel {
 public:
  SignalChannel(internal::Scheduler* scheduler, std::shared_ptr<internal::SignalChannelState> state,
                std::string name)
      : raw_(scheduler, std::move(state)), name_(std::move(name)) {}

  const std::string& name() const { return name_; }
  // The next signal, decoded; nullopt when none is buffered.
  std::optional<hugo::Result<T>> TryReceive() {
    std::optional<Payloads> payloads = raw_.TryReceive();
    if (!payloads) return std::nullopt;
    return FromPayloads1<T>(*payloads);
  }
  // Waits for the next signal of this name.
  Workflow<T> Receive() { return ReceiveTyped(*this); }
  size_t Size() const { return raw_.Size(); }
  Channel<Payloads>& raw() { return raw_; }

 private:
  static Workflow<T> ReceiveTyped(SignalChannel channel) {
    hugo::Result<std::optional<Payloads>> next = co_await channel.raw_.Receive();
    if (next.IsFailure()) co_return next.Error();
    co_return FromPayloads1<T>(next.Value().value_or(Payloads()));
  }
  Channel<Payloads> raw_;
  std::string name_;
};

// ---------------------------------------------------------------------------------------------
// Selector: waits for the first ready case among futures and channels. Among ready cases the
// lowest priority wins, ties going to the case declared first (libhugo's Select rule). A future
// case fires at most once per Selector (as in the Go SDK); channel cases fire once per Select.
class Selector {
 public:
  explicit Selector(const WorkflowContext& ctx);

  template <class T, class F>
  Selector& AddFuture(Future<T> future, F handler, int priority = 0) {
    auto fired = std::make_shared<bool>(false);
    AddCase(
        future.waitable(), priority, [future, fired] { return !*fired && future.IsReady(); },
        [future, fired, handler]() mutable {
          *fired = true;
          handler(future.Get());
        });
    return *this;
  }
  template <class T, class F>
  Selector& AddReceive(Channel<T> channel, F handler, int priority = 0) {
    AddCase(
        channel.waitable(), priority, [channel] { return channel.HasItem(); },
        [channel, handler]() mutable { handler(*channel.TryReceive()); });
    return *this;
  }
  template <class T, class F>
  Selector& AddReceive(SignalChannel<T> channel, F handler, int priority = 0) {
    AddCase(
        channel.raw().waitable(), priority, [channel]() mutable { return channel.Size() > 0; },
        [channel, handler]() mutable { handler(*channel.TryReceive()); });
    return *this;
  }
  // Runs when no case is ready at the time of Select.
  template <class F>
  Selector& AddDefault(F handler) {
    default_ = std::move(handler);
    return *this;
  }

  // Runs the winning case's handler; waits when none is ready and there is no default.
  Workflow<hugo::Unit> Select();
  // Whether some future case has not fired yet.
  bool HasPending() const;

 private:
  struct Case {
    internal::Waitable* waitable;
    int priority;
    int order;
    std::function<bool()> ready;
    std::function<void()> fire;
  };
  void AddCase(internal::Waitable* waitable, int priority, std::function<bool()> ready,
               std::function<void()> fire);
  bool TryFire();
  static Workflow<hugo::Unit> SelectLoop(Selector* selector);

  internal::Scheduler* scheduler_;
  std::vector<std::shared_ptr<Case>> cases_;
  std::function<void()> default_;
};

// ---------------------------------------------------------------------------------------------
// Options.
enum class ActivityCancellationType { kTryCancel, kWaitCancellationCompleted, kAbandon };

struct ActivityOptions {
  std::string activity_id;  // default: the command's sequence number
  std::string task_queue;   // default: the workflow's
  std::chrono::milliseconds schedule_to_close_timeout{0};
  std::chrono::milliseconds schedule_to_start_timeout{0};
  std::chrono::milliseconds start_to_close_timeout{0};
  std::chrono::milliseconds heartbeat_timeout{0};
  std::optional<RetryPolicy> retry_policy;
  ActivityCancellationType cancellation_type = ActivityCancellationType::kTryCancel;
  // The Go SDK's DisableEagerExecution: by default the command asks the server to hand the
  // activity straight back to this worker (WorkerOptions::disable_eager_activities decides
  // whether the worker takes it).
  bool disable_eager_execution = false;
};

struct LocalActivityOptions {
  std::chrono::milliseconds schedule_to_close_timeout{0};
  std::chrono::milliseconds start_to_close_timeout{0};
  std::optional<RetryPolicy> retry_policy;
};

enum class ParentClosePolicy { kUnspecified, kTerminate, kAbandon, kRequestCancel };

struct ChildWorkflowOptions {
  std::string workflow_id;  // default: "<parent run id>_<sequence>"
  std::string task_queue;   // default: the parent's
  std::chrono::milliseconds execution_timeout{0};
  std::chrono::milliseconds run_timeout{0};
  std::chrono::milliseconds task_timeout{0};
  std::optional<RetryPolicy> retry_policy;
  std::string cron_schedule;
  ParentClosePolicy parent_close_policy = ParentClosePolicy::kUnspecified;
  std::map<std::string, nlohmann::json> memo;
  std::map<std::string, nlohmann::json> search_attributes;
  // With their indexed types (hdo/search_attributes.h); added to search_attributes.
  SearchAttributes typed_search_attributes;
};

struct ContinueAsNewOptions {
  std::string workflow_type;  // default: this workflow's
  std::string task_queue;     // default: this workflow's
  std::chrono::milliseconds run_timeout{0};
  std::chrono::milliseconds task_timeout{0};
};

struct WorkflowExecution {
  std::string workflow_id;
  std::string run_id;
};

struct WorkflowInfo {
  std::string namespace_name;
  std::string workflow_id;
  std::string run_id;
  std::string first_execution_run_id;
  std::string continued_execution_run_id;
  std::string workflow_type;
  std::string task_queue;
  int32_t attempt = 1;
  std::string cron_schedule;
  std::chrono::milliseconds execution_timeout{0};
  std::chrono::milliseconds run_timeout{0};
  std::chrono::milliseconds task_timeout{0};
  std::chrono::system_clock::time_point start_time;
  std::optional<WorkflowExecution> parent;
  std::map<std::string, Payload> memo;
  std::map<std::string, Payload> search_attributes;
  // The start's header (WorkflowExecutionStarted); ContextValues is what the propagators took.
  HeaderFields header;
  // As of the workflow task the code runs in (its WorkflowTaskStarted event, so replay sees the
  // same values): the history's length (that event's id) and size in bytes, and whether the
  // server suggests continuing as new (the Go SDK's GetCurrentHistoryLength,
  // GetCurrentHistorySize and GetContinueAsNewSuggested).
  int64_t history_length = 0;
  int64_t history_size_bytes = 0;
  bool continue_as_new_suggested = false;
  // What the run before this one left (WorkflowExecutionStarted): the result of the last run of
  // a cron schedule or retry chain that completed (no payloads when none did), and the failure of
  // the run before, when it failed or timed out. WorkflowContext::HasLastCompletionResult,
  // GetLastCompletionResult and GetLastError read them (the Go SDK's functions of those names).
  Payloads last_completion_result;
  std::optional<hugo::Error> last_failure;
};

// A child workflow: started (the execution, or the start failure) and its result.
template <class R>
struct ChildWorkflowFuture {
  Future<hugo::Result<WorkflowExecution>> started;
  Future<hugo::Result<R>> result;
  auto operator co_await() const& { return result.operator co_await(); }
};

// Error codes of workflow-side failures (client-visible codes are in hdo/failure.h).
struct WorkflowErrorCodes {
  static constexpr std::string_view kNonDeterminism = "hdo.nondeterminism";
  static constexpr std::string_view kContinueAsNew = "temporal.continue_as_new";
};

// The built-in queries every workflow answers (WorkflowHandle::Query with these names):
// what the run waits for, as text; and its handlers and current details, as a
// temporal.api.sdk.v1.WorkflowMetadata (json/protobuf), what the Temporal UI and
// `temporal workflow metadata` show.
inline constexpr std::string_view kStackTraceQuery = "__stack_trace";
inline constexpr std::string_view kWorkflowMetadataQuery = "__temporal_workflow_metadata";
// The largest answer a query may give, in encoded bytes (the Go SDK's limit): a larger one fails
// the query ("query result size (N) exceeds limit (2000000)") and is logged; the run is untouched.
inline constexpr size_t kQueryResultSizeLimit = 2'000'000;

// The update an update handler runs for (WorkflowContext::CurrentUpdateInfo).
struct UpdateInfo {
  std::string id;
  std::string name;
};

// Handler options, as the other SDKs' (Go's QueryHandlerOptions, UpdateHandlerOptions,
// SignalChannelOptions). A description is what the built-in query `__temporal_workflow_metadata`
// (the Temporal UI's and `temporal workflow metadata`'s) lists for the handler.
struct QueryHandlerOptions {
  std::string description;
};
// What a run that completes, fails or continues as new does about this handler's updates still
// running (the Go SDK's HandlerUnfinishedPolicy): their callers get an error either way; the
// default also logs a warning naming them, kAbandon abandons them silently.
enum class HandlerUnfinishedPolicy { kWarnAndAbandon, kAbandon };
struct UpdateHandlerOptions {
  std::string description;
  HandlerUnfinishedPolicy unfinished_policy = HandlerUnfinishedPolicy::kWarnAndAbandon;
};
struct SignalChannelOptions {
  std::string description;
};

// ---------------------------------------------------------------------------------------------
class WorkflowContext {
 public:
  WorkflowContext(internal::WorkflowRun* run, std::shared_ptr<internal::Scope> scope,
                  std::shared_ptr<const HeaderFields> values = nullptr,
                  std::shared_ptr<const UpdateInfo> update = nullptr)
      : run_(run),
        scope_(std::move(scope)),
        values_(std::move(values)),
        update_(std::move(update)) {}

  const WorkflowInfo& Info() const;
  // The time of the current workflow task (the same on every replay).
  std::chrono::system_clock::time_point Now() const;
  bool IsReplaying() const;
  // hugo's execution context of this run: logical clock (ticked per history event applied) and
  // replay count (how many times this run was rebuilt from history in this process).
  hugo::WorkflowExecutionContext& ExecutionContext() const;

  // Activities.
  template <class R = hugo::Unit, class... A>
  Future<hugo::Result<R>> ExecuteActivity(std::string activity_type, ActivityOptions options,
                                          A... args) const {
    return Typed<R>(
        ExecuteActivityRaw(std::move(activity_type), std::move(options), ToPayloads(args...)));
  }
  template <class R = hugo::Unit, class... A>
  Future<hugo::Result<R>> ExecuteLocalActivity(std::string activity_type,
                                               LocalActivityOptions options, A... args) const {
    return Typed<R>(
        ExecuteLocalActivityRaw(std::move(activity_type), std::move(options), ToPayloads(args...)));
  }

  // Timers: ready with Unit when fired, or error.canceled when the scope was canceled first.
  Future<hugo::Result<hugo::Unit>> NewTimer(std::chrono::milliseconds duration) const;
  Future<hugo::Result<hugo::Unit>> Sleep(std::chrono::milliseconds duration) const {
    return NewTimer(duration);
  }

  // Signals and in-workflow channels.
  // Asking for a signal's channel declares the signal (`__temporal_workflow_metadata` lists it).
  // (Overloads, not a defaulted options argument: GCC 12 destroys a default argument's temporary
  // wrongly inside a co_await expression such as `co_await ctx.GetSignalChannel<T>(n).Receive()`.)
  template <class T>
  SignalChannel<T> GetSignalChannel(std::string signal_name) const {
    return SignalChannel<T>(scheduler(), SignalState(signal_name, std::string()), signal_name);
  }
  template <class T>
  SignalChannel<T> GetSignalChannel(std::string signal_name, SignalChannelOptions options) const {
    return SignalChannel<T>(scheduler(), SignalState(signal_name, std::move(options.description)),
                            signal_name);
  }
  template <class T>
  Channel<T> NewChannel() const {
    return Channel<T>(scheduler(), std::make_shared<internal::ChannelState<T>>());
  }
  template <class T>
  Promise<T> NewPromise() const {
    return Promise<T>(scheduler());
  }

  // Waits until `condition()` holds (checked whenever the workflow is otherwise blocked).
  // error.canceled when the scope is canceled first. GCC 12: a condition lambda that captures an
  // owning object by value must not be created inside the co_await expression (GCC 12 destroys
  // its captures twice); capture by reference or pointer, or name the lambda first.
  Workflow<hugo::Unit> Await(std::function<bool()> condition) const;
  // true when the condition held, false when `timeout` passed first.
  Workflow<bool> AwaitWithTimeout(std::chrono::milliseconds timeout,
                                  std::function<bool()> condition) const;

  // Starts `coroutine` as a new branch of the workflow (workflow.Go).
  void Go(Workflow<hugo::Unit> coroutine) const;

  // Queries: `fn(A...) -> R or hugo::Result<R>`, synchronous and read-only.
  template <class F>
  hugo::Result<hugo::Unit> SetQueryHandler(std::string query_type, F fn) const {
    return SetQueryHandler(std::move(query_type), std::move(fn), QueryHandlerOptions{});
  }
  template <class F>
  hugo::Result<hugo::Unit> SetQueryHandler(std::string query_type, F fn,
                                           QueryHandlerOptions options) const;
  // Updates: `handler(WorkflowContext, A...) -> Workflow<R>`; `validator(A...) ->
  // hugo::Result<hugo::Unit>` (nullptr: none) runs first and rejects without a trace in history.
  template <class F>
  hugo::Result<hugo::Unit> SetUpdateHandler(std::string update_name, F handler) const;
  template <class F, class V>
  hugo::Result<hugo::Unit> SetUpdateHandler(std::string update_name, F handler, V validator) const {
    return SetUpdateHandler(std::move(update_name), std::move(handler), std::move(validator),
                            UpdateHandlerOptions{});
  }
  template <class F, class V>
  hugo::Result<hugo::Unit> SetUpdateHandler(std::string update_name, F handler, V validator,
                                            UpdateHandlerOptions options) const;

  // The signals received and not yet read from their channels, by name (Go's
  // GetUnhandledSignalNames): what a run about to continue as new or return would drop.
  std::vector<std::string> GetUnhandledSignalNames() const;

  // The run's current details (Go's SetCurrentDetails): free text, which may be Markdown, that
  // `__temporal_workflow_metadata` returns and user interfaces show as the run's state. Not
  // recorded in history: set it again after a replay as the code does anyway.
  void SetCurrentDetails(std::string details) const;
  const std::string& GetCurrentDetails() const;

  // Child workflows.
  template <class R = hugo::Unit, class... A>
  ChildWorkflowFuture<R> ExecuteChildWorkflow(std::string workflow_type,
                                              ChildWorkflowOptions options, A... args) const {
    auto raw =
        ExecuteChildWorkflowRaw(std::move(workflow_type), std::move(options), ToPayloads(args...));
    return ChildWorkflowFuture<R>{raw.started, Typed<R>(raw.result)};
  }

  // Signals and cancel requests to other workflows (run_id empty: the current run).
  template <class... A>
  Future<hugo::Result<hugo::Unit>> SignalExternalWorkflow(std::string workflow_id,
                                                          std::string run_id,
                                                          std::string signal_name,
                                                          A... args) const {
    return SignalExternalWorkflowRaw(std::move(workflow_id), std::move(run_id),
                                     std::move(signal_name), ToPayloads(args...));
  }
  Future<hugo::Result<hugo::Unit>> RequestCancelExternalWorkflow(std::string workflow_id,
                                                                 std::string run_id) const;

  // `co_return ctx.ContinueAsNew(args...);` ends this run and starts a new one.
  template <class... A>
  hugo::Error ContinueAsNew(A... args) const {
    return ContinueAsNewRaw({}, ToPayloads(args...));
  }
  template <class... A>
  hugo::Error ContinueAsNewWithOptions(ContinueAsNewOptions options, A... args) const {
    return ContinueAsNewRaw(std::move(options), ToPayloads(args...));
  }

  // Cancellation scopes: a child context whose operations are canceled by `cancel()` (and by
  // the parent scope's cancellation); Disconnected() is not canceled by the workflow's
  // cancellation (for cleanup after a cancel request, e.g. saga compensations).
  std::pair<WorkflowContext, std::function<void()>> WithCancel() const;
  WorkflowContext Disconnected() const;
  bool IsCanceled() const;
  // Ready (with Unit) when this context's scope is canceled.
  Future<hugo::Unit> Done() const;

  // SideEffect: `fn()` runs once; its outcome (value or error) is recorded in a marker and
  // replayed afterwards (hugo::DeterministicEffectStore::Capture under `effect_id`; the default
  // id is "side-effect-<n>", n counting the calls).
  template <class T, class F>
  hugo::Result<T> SideEffect(F fn) const;
  template <class T, class F>
  hugo::Result<T> SideEffect(std::string effect_id, F fn) const;
  // MutableSideEffect (the Go SDK's): while the workflow runs live, `fn()` runs on every call and
  // a marker records its value only when it differs from the last value recorded under `id` (by
  // the encoded payload, or by `equals(old, new)`); on replay the value as of that call comes
  // from history and `fn` does not run. For a value read often that rarely changes (a flag, a
  // configuration). The calls of one id are counted: replay must make the same calls in order.
  template <class T, class F>
  hugo::Result<T> MutableSideEffect(std::string id, F fn) const {
    return MutableSideEffect<T>(std::move(id), std::move(fn), nullptr);
  }
  template <class T, class F, class E>
  hugo::Result<T> MutableSideEffect(std::string id, F fn, E equals) const {
    std::function<bool(const Payload&, const Payload&)> same;
    if constexpr (!std::is_null_pointer_v<E>) {
      same = [equals](const Payload& a, const Payload& b) {
        auto x = FromPayload<T>(a);
        auto y = FromPayload<T>(b);
        return x.IsSuccess() && y.IsSuccess() && equals(x.Value(), y.Value());
      };
    }
    auto raw = MutableSideEffectRaw(
        id, [&fn]() -> hugo::Result<Payload> { return ToPayload<T>(fn()); }, same);
    if (raw.IsFailure()) return raw.Error();
    return FromPayload<T>(raw.Value());
  }
  // The payload form: `produce` gives the encoded value; `equals` empty compares payloads.
  hugo::Result<Payload> MutableSideEffectRaw(
      const std::string& id, const std::function<hugo::Result<Payload>()>& produce,
      const std::function<bool(const Payload&, const Payload&)>& equals) const;

  // GetVersion: the version of `change_id` recorded at the first call (max_supported when the
  // code first runs it), hugo::VersionGate semantics; on replay of a history recorded before the
  // change, DefaultVersion (-1). Patched(id) is GetVersion(id, -1, 1) == 1.
  static constexpr int32_t kDefaultVersion = -1;
  hugo::Result<int32_t> GetVersion(std::string change_id, int32_t min_supported,
                                   int32_t max_supported) const;
  bool Patched(std::string patch_id) const;

  // Deterministic randomness (seeded from the first run id) and UUIDs.
  uint64_t RandomUint64() const;
  double Random() const;  // [0, 1)
  std::string NewUuid() const;

  // Cron schedules and workflow retries: whether a run of the chain before this one completed,
  // its result, and the failure of the run just before (std::nullopt when it did not fail).
  bool HasLastCompletionResult() const { return Info().last_completion_result.payloads_size() > 0; }
  template <class T>
  hugo::Result<T> GetLastCompletionResult() const {
    if (!HasLastCompletionResult()) {
      return hugo::Error::From("no earlier run of this workflow completed with a result",
                               std::string(ConverterCodes::kDecode));
    }
    return FromPayloads1<T>(Info().last_completion_result);
  }
  const std::optional<hugo::Error>& GetLastError() const { return Info().last_failure; }

  // Update handlers (the Go SDK's AllHandlersFinished and GetCurrentUpdateInfo): whether no
  // accepted update's handler is still running (await it before returning, so that no update is
  // cut off: a run that completes or continues as new with handlers running logs a warning naming
  // them, and their callers get an error instead of a result), and the update this context's
  // handler runs for (null outside update handlers; contexts derived from the handler's keep it).
  bool AllHandlersFinished() const;
  // Await(AllHandlersFinished), without a condition that holds a copy of the context (see Await
  // on GCC 12 and owning captures in co_await expressions).
  Workflow<hugo::Unit> AwaitAllHandlersFinished() const;
  const UpdateInfo* CurrentUpdateInfo() const { return update_.get(); }

  // Visibility.
  hugo::Result<hugo::Unit> UpsertSearchAttributes(
      std::map<std::string, nlohmann::json> attributes) const;
  hugo::Result<hugo::Unit> UpsertMemo(std::map<std::string, nlohmann::json> memo) const;
  // Typed (hdo/search_attributes.h): Set values are upserted, Unset ones removed.
  hugo::Result<hugo::Unit> UpsertTypedSearchAttributes(const SearchAttributes& attributes) const;
  // The run's search attributes as of now (its start's, with this run's upserts applied).
  SearchAttributes TypedSearchAttributes() const {
    return SearchAttributes(Info().search_attributes);
  }

  // Context propagation (hdo/propagation.h): the values the connection's propagators extracted
  // from the run's start header (in an update handler's context, then from the update's header).
  // Activities, local activities, child workflows, external signals and continue-as-new issued
  // through this context carry them in their headers; contexts derived from it keep them.
  const HeaderFields& ContextValues() const;
  template <class T>
  hugo::Result<std::optional<T>> ContextValue(std::string_view key) const {
    return ::hdo::ContextValue<T>(ContextValues(), key);
  }
  // This context with `key` set to `value` (the Go SDK's workflow.WithValue for a propagated
  // key): what is issued through the new context carries it.
  template <class T>
  hugo::Result<WorkflowContext> WithContextValue(std::string key, const T& value) const {
    hugo::Result<Payload> payload = ToPayload(value);
    if (payload.IsFailure()) return payload.Error();
    return hugo::Result<WorkflowContext>::Ok(
        WithContextPayload(std::move(key), std::move(payload).Value()));
  }
  WorkflowContext WithContextPayload(std::string key, Payload value) const;

  // Log lines from workflow code; suppressed while replaying.
  void Log(std::string_view level, std::string_view message) const;

  // Raw (payload) forms behind the typed templates.
  Future<hugo::Result<Payloads>> ExecuteActivityRaw(std::string activity_type,
                                                    ActivityOptions options,
                                                    hugo::Result<Payloads> input) const;
  Future<hugo::Result<Payloads>> ExecuteLocalActivityRaw(std::string activity_type,
                                                         LocalActivityOptions options,
                                                         hugo::Result<Payloads> input) const;
  struct RawChild {
    Future<hugo::Result<WorkflowExecution>> started;
    Future<hugo::Result<Payloads>> result;
  };
  RawChild ExecuteChildWorkflowRaw(std::string workflow_type, ChildWorkflowOptions options,
                                   hugo::Result<Payloads> input) const;
  Future<hugo::Result<hugo::Unit>> SignalExternalWorkflowRaw(std::string workflow_id,
                                                             std::string run_id,
                                                             std::string signal_name,
                                                             hugo::Result<Payloads> input) const;
  hugo::Error ContinueAsNewRaw(ContinueAsNewOptions options, hugo::Result<Payloads> input) const;
  using RawQueryHandler = std::function<hugo::Result<Payloads>(const Payloads&)>;
  hugo::Result<hugo::Unit> SetQueryHandlerRaw(std::string query_type, RawQueryHandler fn,
                                              QueryHandlerOptions options) const;
  using RawUpdateValidator = std::function<hugo::Result<hugo::Unit>(const Payloads&)>;
  using RawUpdateHandler = std::function<Workflow<Payloads>(WorkflowContext, Payloads)>;
  hugo::Result<hugo::Unit> SetUpdateHandlerRaw(std::string update_name, RawUpdateHandler handler,
                                               RawUpdateValidator validator,
                                               UpdateHandlerOptions options) const;

  // Keeps `frame` (a coroutine of this run) alive as long as the run.
  void KeepAlive(std::shared_ptr<void> frame) const;

  internal::Scheduler* scheduler() const;
  internal::WorkflowRun* run() const { return run_; }
  const std::shared_ptr<internal::Scope>& scope() const { return scope_; }

 private:
  template <class R>
  static Future<hugo::Result<R>> Typed(Future<hugo::Result<Payloads>> raw) {
    return raw.Then([](hugo::Result<Payloads> payloads) -> hugo::Result<R> {
      if (payloads.IsFailure()) return payloads.Error();
      return FromPayloads1<R>(payloads.Value());
    });
  }
  std::shared_ptr<internal::SignalChannelState> SignalState(const std::string& signal_name,
                                                            std::string description) const;
  hugo::DeterministicEffectStore& Effects() const;
  std::string NextSideEffectId() const;
  // Whether the worker has interceptors; SideEffect's hook chain around `body` (which captures).
  bool HasInterceptors() const;
  hugo::Result<hugo::Unit> InterceptedSideEffect(
      const std::string& effect_id, const std::function<hugo::Result<hugo::Unit>()>& body) const;

  // The header a command issued through this context carries (the propagators' InjectFromWorkflow).
  hugo::Result<temporal::api::common::v1::Header> OutboundHeader() const;
  hugo::Result<hugo::Unit> UpsertSearchAttributePayloads(
      const std::map<std::string, Payload>& payloads) const;

  internal::WorkflowRun* run_;
  std::shared_ptr<internal::Scope> scope_;
  std::shared_ptr<const HeaderFields> values_;  // null: none
  std::shared_ptr<const UpdateInfo> update_;    // null: not in an update handler
};

// ---------------------------------------------------------------------------------------------
// Typed adapters: function signatures to payload handlers.
namespace internal {

template <class T>
struct ResultValue {
  using Type = T;
};
template <class T>
struct ResultValue<hugo::Result<T>> {
  using Type = T;
};
template <class T>
hugo::Result<T> AsResult(T value) {
  return hugo::Result<T>::Ok(std::move(value));
}
template <class T>
hugo::Result<T> AsResult(hugo::Result<T> value) {
  return value;
}

// FunctionTraits (Return, Args) is shared with activity registration (hdo/activity.h).
template <class Tuple>
struct DropFirst;
template <class First, class... Rest>
struct DropFirst<std::tuple<First, Rest...>> {
  using Type = std::tuple<Rest...>;
};

template <class Tuple>
struct PayloadsDecoder;
template <class... A>
struct PayloadsDecoder<std::tuple<A...>> {
  static hugo::Result<std::tuple<std::decay_t<A>...>> Decode(const Payloads& payloads) {
    return FromPayloads<std::decay_t<A>...>(payloads);
  }
};

template <class Workflow>
struct WorkflowValue;
template <class T>
struct WorkflowValue<Workflow<T>> {
  using Type = T;
};

inline Workflow<Payloads> FailedWorkflow(hugo::Error error) { co_return error; }

// Runs a typed workflow function on decoded arguments and encodes its outcome.
// The function's coroutine frame is kept by the run until the run is dropped, so that query
// handlers reading its locals still answer after it returned (queries on a closed run).
template <class R, class F, class Args>
Workflow<Payloads> RunTyped(F fn, WorkflowContext ctx, Args args) {
  auto body = std::make_shared<Workflow<R>>(std::apply(
      [&](auto&&... a) { return fn(ctx, std::forward<decltype(a)>(a)...); }, std::move(args)));
  ctx.KeepAlive(body);
  hugo::Result<R> outcome = co_await body->AwaitInPlace();
  if (outcome.IsFailure()) co_return outcome.Error();
  hugo::Result<Payloads> encoded = ToPayloads(outcome.Value());
  if (encoded.IsFailure()) co_return encoded.Error();
  co_return encoded.Value();
}

}  // namespace internal

// The workflow functions a worker (or replayer) knows, by workflow type name.
class WorkflowRegistry {
 public:
  // Starts a run's root coroutine from the decoded input; an error when the input cannot be
  // decoded (the workflow task fails and is retried, as in the Go SDK).
  using Factory =
      std::function<hugo::Result<Workflow<Payloads>>(WorkflowContext ctx, const Payloads& input)>;

  // Typed registration of `Workflow<R> fn(WorkflowContext, A...)` (a function or a
  // non-capturing lambda).
  template <class F>
  void Register(std::string workflow_type, F fn) {
    using Traits = internal::FunctionTraits<F>;
    using R = typename internal::WorkflowValue<typename Traits::Return>::Type;
    using Args = typename internal::DropFirst<typename Traits::Args>::Type;
    RegisterRaw(
        std::move(workflow_type),
        [fn](WorkflowContext ctx, const Payloads& input) -> hugo::Result<Workflow<Payloads>> {
          auto args = internal::PayloadsDecoder<Args>::Decode(input);
          if (args.IsFailure()) return args.Error();
          return hugo::Result<Workflow<Payloads>>::Ok(
              internal::RunTyped<R>(fn, ctx, std::move(args).Value()));
        });
  }
  void RegisterRaw(std::string workflow_type, Factory factory) {
    factories_[std::move(workflow_type)] = std::move(factory);
  }
  const Factory* Find(std::string_view workflow_type) const {
    auto it = factories_.find(std::string(workflow_type));
    return it == factories_.end() ? nullptr : &it->second;
  }
  bool Contains(std::string_view workflow_type) const { return Find(workflow_type) != nullptr; }
  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const auto& [name, factory] : factories_) names.push_back(name);
    return names;
  }

 private:
  std::map<std::string, Factory> factories_;
};

// ---------------------------------------------------------------------------------------------
// Template members of WorkflowContext.
template <class F>
hugo::Result<hugo::Unit> WorkflowContext::SetQueryHandler(std::string query_type, F fn,
                                                          QueryHandlerOptions options) const {
  using Traits = internal::FunctionTraits<F>;
  using Args = typename Traits::Args;
  return SetQueryHandlerRaw(
      std::move(query_type),
      [fn](const Payloads& input) -> hugo::Result<Payloads> {
        auto args = internal::PayloadsDecoder<Args>::Decode(input);
        if (args.IsFailure()) return args.Error();
        auto outcome = internal::AsResult(std::apply(fn, args.Value()));
        if (outcome.IsFailure()) return outcome.Error();
        return ToPayloads(outcome.Value());
      },
      std::move(options));
}

template <class F>
hugo::Result<hugo::Unit> WorkflowContext::SetUpdateHandler(std::string update_name,
                                                           F handler) const {
  return SetUpdateHandler(std::move(update_name), std::move(handler), nullptr);
}

template <class F, class V>
hugo::Result<hugo::Unit> WorkflowContext::SetUpdateHandler(std::string update_name, F handler,
                                                           V validator,
                                                           UpdateHandlerOptions options) const {
  using Traits = internal::FunctionTraits<F>;
  using R = typename internal::WorkflowValue<typename Traits::Return>::Type;
  using Args = typename internal::DropFirst<typename Traits::Args>::Type;
  RawUpdateValidator raw_validator;
  if constexpr (!std::is_same_v<V, std::nullptr_t>) {
    raw_validator = [validator](const Payloads& input) -> hugo::Result<hugo::Unit> {
      auto args = internal::PayloadsDecoder<Args>::Decode(input);
      if (args.IsFailure()) return args.Error();
      return std::apply(validator, args.Value());
    };
  }
  RawUpdateHandler raw_handler = [handler](WorkflowContext ctx,
                                           Payloads input) -> Workflow<Payloads> {
    auto args = internal::PayloadsDecoder<Args>::Decode(input);
    return args.IsFailure() ? internal::FailedWorkflow(args.Error())
                            : internal::RunTyped<R>(handler, ctx, std::move(args).Value());
  };
  return SetUpdateHandlerRaw(std::move(update_name), std::move(raw_handler),
                             std::move(raw_validator), std::move(options));
}

template <class T, class F>
hugo::Result<T> WorkflowContext::SideEffect(F fn) const {
  return SideEffect<T>(NextSideEffectId(), std::move(fn));
}

template <class T, class F>
hugo::Result<T> WorkflowContext::SideEffect(std::string effect_id, F fn) const {
  if (!HasInterceptors()) return Effects().Capture<T>(effect_id, std::move(fn));
  // Through the worker interceptors' SideEffect hooks: the value stays here, typed.
  std::optional<hugo::Result<T>> captured;
  hugo::Result<hugo::Unit> passed =
      InterceptedSideEffect(effect_id, [&]() -> hugo::Result<hugo::Unit> {
        captured = Effects().Capture<T>(effect_id, std::move(fn));
        if (captured->IsFailure()) return captured->Error();
        return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
      });
  if (!captured) {  // an interceptor answered without running the effect
    if (passed.IsFailure()) return passed.Error();
    return hugo::Error::From(
        "a worker interceptor's SideEffect returned success without calling "
        "next: the effect " +
            effect_id + " has no value",
        "hdo.interceptor.side_effect");
  }
  if (passed.IsFailure() && captured->IsSuccess()) return passed.Error();
  return *std::move(captured);
}

}  // namespace hdo
