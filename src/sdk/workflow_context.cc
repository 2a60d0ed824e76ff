// WorkflowContext and Selector: the workflow-code side of a run (forwarding to WorkflowRun).
#include <cstdio>
#include <iostream>

#include "hugo/error_codes.h"
#include "hugo/workflow.h"
#include "workflow_run.h"

namespace hdo {

using internal::WorkflowRun;

const WorkflowInfo& WorkflowContext::Info() const { return run_->info(); }
std::chrono::system_clock::time_point WorkflowContext::Now() const { return run_->now(); }
bool WorkflowContext::IsReplaying() const { return run_->replaying(); }
hugo::WorkflowExecutionContext& WorkflowContext::ExecutionContext() const {
  return run_->execution_context();
}
internal::Scheduler* WorkflowContext::scheduler() const { return run_->scheduler(); }

Future<hugo::Result<Payloads>> WorkflowContext::ExecuteActivityRaw(
    std::string activity_type, ActivityOptions options, hugo::Result<Payloads> input) const {
  auto header = OutboundHeader();
  if (input.IsFailure() || header.IsFailure()) {
    auto state = std::make_shared<internal::FutureState<hugo::Result<Payloads>>>();
    state->Resolve(input.IsFailure() ? input.Error() : header.Error());
    return Future<hugo::Result<Payloads>>::FromState(scheduler(), state);
  }
  if (const auto* chains = run_->chains()) {
    return chains->schedule_activity(
        *this, ActivityCall{std::move(activity_type), std::move(options), std::move(input).Value(),
                            internal::HeaderToFields(header.Value())});
  }
  return run_->ScheduleActivity(scope_, std::move(activity_type), std::move(options),
                                std::move(input).Value(), std::move(header).Value());
}

Future<hugo::Result<Payloads>> WorkflowContext::ExecuteLocalActivityRaw(
    std::string activity_type, LocalActivityOptions options, hugo::Result<Payloads> input) const {
  auto header = OutboundHeader();
  if (input.IsFailure() || header.IsFailure()) {
    auto state = std::make_shared<internal::FutureState<hugo::Result<Payloads>>>();
    state->Resolve(input.IsFailure() ? input.Error() : header.Error());
    return Future<hugo::Result<Payloads>>::FromState(scheduler(), state);
  }
  if (const auto* chains = run_->chains()) {
    return chains->schedule_local_activity(
        *this,
        LocalActivityCall{std::move(activity_type), std::move(options), std::move(input).Value(),
                          internal::HeaderToFields(header.Value())});
  }
  return run_->ScheduleLocalActivity(scope_, std::move(activity_type), std::move(options),
                                     std::move(input).Value(), std::move(header).Value());
}

Future<hugo::Result<hugo::Unit>> WorkflowContext::NewTimer(
    std::chrono::milliseconds duration) const {
  if (const auto* chains = run_->chains()) return chains->start_timer(*this, duration);
  return run_->StartTimer(scope_, duration);
}

std::shared_ptr<internal::SignalChannelState> WorkflowContext::SignalState(
    const std::string& signal_name, std::string description) const {
  run_->DeclareSignal(signal_name, std::move(description));
  return run_->SignalState(signal_name);
}

std::vector<std::string> WorkflowContext::GetUnhandledSignalNames() const {
  return run_->UnhandledSignalNames();
}

void WorkflowContext::SetCurrentDetails(std::string details) const {
  run_->SetCurrentDetails(std::move(details));
}

const std::string& WorkflowContext::GetCurrentDetails() const { return run_->current_details(); }

namespace {
Workflow<hugo::Unit> AwaitCondition(internal::Scheduler* scheduler,
                                    std::shared_ptr<internal::FutureState<bool>> waiter) {
  Future<bool> future = Future<bool>::FromState(scheduler, waiter);
  bool held = co_await future;
  if (!held) co_return hugo::Error::Canceled("the wait for a condition was canceled");
  co_return hugo::Unit{};
}

Workflow<bool> AwaitConditionOrTimeout(WorkflowContext ctx,
                                       std::shared_ptr<internal::FutureState<bool>> waiter,
                                       std::chrono::milliseconds timeout) {
  auto [timer_ctx, cancel_timer] = ctx.WithCancel();
  Future<hugo::Result<hugo::Unit>> timer = timer_ctx.NewTimer(timeout);
  Future<bool> condition = Future<bool>::FromState(ctx.scheduler(), waiter);
  bool held = false;
  bool timed_out = false;
  Selector selector(ctx);
  selector.AddFuture(condition, [&](bool value) { held = value; });
  selector.AddFuture(timer,
                     [&](const hugo::Result<hugo::Unit>& fired) { timed_out = fired.IsSuccess(); });
  auto selected = co_await selector.Select();
  if (selected.IsFailure()) co_return selected.Error();
  if (held) {
    cancel_timer();
    co_return true;
  }
  waiter->Resolve(false);  // the condition is no longer watched
  if (timed_out) co_return false;
  co_return hugo::Error::Canceled("the wait for a condition was canceled");
}
}  // namespace

Workflow<hugo::Unit> WorkflowContext::Await(std::function<bool()> condition) const {
  auto waiter = std::make_shared<internal::FutureState<bool>>();
  if (scope_->canceled) {
    waiter->Resolve(false);
  } else {
    run_->AddCondition(waiter, std::move(condition));
    scope_->OnCancel([waiter] { waiter->Resolve(false); });
  }
  return AwaitCondition(scheduler(), waiter);
}

Workflow<bool> WorkflowContext::AwaitWithTimeout(std::chrono::milliseconds timeout,
                                                 std::function<bool()> condition) const {
  auto waiter = std::make_shared<internal::FutureState<bool>>();
  if (scope_->canceled) {
    waiter->Resolve(false);
  } else {
    run_->AddCondition(waiter, std::move(condition));
    scope_->OnCancel([waiter] { waiter->Resolve(false); });
  }
  return AwaitConditionOrTimeout(*this, waiter, timeout);
}

void WorkflowContext::Go(Workflow<hugo::Unit> coroutine) const {
  run_->Spawn(std::move(coroutine));
}

void WorkflowContext::KeepAlive(std::shared_ptr<void> frame) const {
  run_->KeepAlive(std::move(frame));
}

hugo::Result<hugo::Unit> WorkflowContext::SetQueryHandlerRaw(std::string query_type,
                                                             RawQueryHandler fn,
                                                             QueryHandlerOptions options) const {
  if (query_type.empty() || query_type.rfind("__", 0) == 0) {
    return hugo::Error::From("a query type must not be empty or start with __ (reserved)",
                             std::string(hugo::ErrorCodes::kValidation));
  }
  run_->SetQueryHandler(std::move(query_type), std::move(fn), std::move(options));
  return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
}

hugo::Result<hugo::Unit> WorkflowContext::SetUpdateHandlerRaw(std::string update_name,
                                                              RawUpdateHandler handler,
                                                              RawUpdateValidator validator,
                                                              UpdateHandlerOptions options) const {
  if (update_name.empty() || update_name.rfind("__", 0) == 0) {
    return hugo::Error::From("an update name must not be empty or start with __ (reserved)",
                             std::string(hugo::ErrorCodes::kValidation));
  }
  run_->SetUpdateHandler(std::move(update_name), std::move(handler), std::move(validator),
                         std::move(options));
  return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
}

WorkflowContext::RawChild WorkflowContext::ExecuteChildWorkflowRaw(
    std::string workflow_type, ChildWorkflowOptions options, hugo::Result<Payloads> input) const {
  auto header = OutboundHeader();
  if (input.IsFailure() || header.IsFailure()) {
    const hugo::Error& error = input.IsFailure() ? input.Error() : header.Error();
    auto started = std::make_shared<internal::FutureState<hugo::Result<WorkflowExecution>>>();
    auto result = std::make_shared<internal::FutureState<hugo::Result<Payloads>>>();
    started->Resolve(error);
    result->Resolve(error);
    return RawChild{Future<hugo::Result<WorkflowExecution>>::FromState(scheduler(), started),
                    Future<hugo::Result<Payloads>>::FromState(scheduler(), result)};
  }
  if (const auto* chains = run_->chains()) {
    return chains->start_child(
        *this,
        ChildWorkflowCall{std::move(workflow_type), std::move(options), std::move(input).Value(),
                          internal::HeaderToFields(header.Value())});
  }
  return run_->StartChild(scope_, std::move(workflow_type), std::move(options),
                          std::move(input).Value(), std::move(header).Value());
}

Future<hugo::Result<hugo::Unit>> WorkflowContext::SignalExternalWorkflowRaw(
    std::string workflow_id, std::string run_id, std::string signal_name,
    hugo::Result<Payloads> input) const {
  auto header = OutboundHeader();
  if (input.IsFailure() || header.IsFailure()) {
    auto state = std::make_shared<internal::FutureState<hugo::Result<hugo::Unit>>>();
    state->Resolve(input.IsFailure() ? input.Error() : header.Error());
    return Future<hugo::Result<hugo::Unit>>::FromState(scheduler(), state);
  }
  if (const auto* chains = run_->chains()) {
    return chains->signal_external(
        *this,
        SignalExternalCall{std::move(workflow_id), std::move(run_id), std::move(signal_name),
                           std::move(input).Value(), internal::HeaderToFields(header.Value())});
  }
  return run_->SignalExternal(scope_, std::move(workflow_id), std::move(run_id),
                              std::move(signal_name), std::move(input).Value(), false,
                              std::move(header).Value());
}

Future<hugo::Result<hugo::Unit>> WorkflowContext::RequestCancelExternalWorkflow(
    std::string workflow_id, std::string run_id) const {
  if (const auto* chains = run_->chains()) {
    return chains->cancel_external(*this,
                                   CancelExternalCall{std::move(workflow_id), std::move(run_id)});
  }
  return run_->CancelExternal(std::move(workflow_id), std::move(run_id), false);
}

hugo::Error WorkflowContext::ContinueAsNewRaw(ContinueAsNewOptions options,
                                              hugo::Result<Payloads> input) const {
  if (input.IsFailure()) return input.Error();
  auto header = OutboundHeader();
  if (header.IsFailure()) return header.Error();
  ContinueAsNewCall call{std::move(options), std::move(input).Value(),
                         internal::HeaderToFields(header.Value())};
  if (const auto* chains = run_->chains()) return chains->continue_as_new(*this, call);
  return internal::ContinueAsNewError(call);
}

namespace internal {
hugo::Error ContinueAsNewError(const ContinueAsNewCall& call) {
  const ContinueAsNewOptions& options = call.options;
  hugo::Error error =
      hugo::Error::From("continue as new", std::string(WorkflowErrorCodes::kContinueAsNew))
          .WithMetadata("input", hugo::Base64Encode(call.input.SerializeAsString()));
  if (!call.header.empty()) {
    error = error.WithMetadata("header",
                               hugo::Base64Encode(FieldsToHeader(call.header).SerializeAsString()));
  }
  if (!options.workflow_type.empty())
    error = error.WithMetadata("workflow_type", options.workflow_type);
  if (!options.task_queue.empty()) error = error.WithMetadata("task_queue", options.task_queue);
  if (options.run_timeout.count() > 0) {
    error = error.WithMetadata("run_timeout_ms", int64_t{options.run_timeout.count()});
  }
  if (options.task_timeout.count() > 0) {
    error = error.WithMetadata("task_timeout_ms", int64_t{options.task_timeout.count()});
  }
  return error;
}
}  // namespace internal

std::pair<WorkflowContext, std::function<void()>> WorkflowContext::WithCancel() const {
  std::shared_ptr<internal::Scope> child = scope_->NewChild(scope_);
  std::weak_ptr<internal::Scope> weak = child;
  return {WorkflowContext(run_, child, values_, update_), [weak] {
            if (auto scope = weak.lock()) scope->Cancel();
          }};
}

WorkflowContext WorkflowContext::Disconnected() const {
  return WorkflowContext(run_, std::make_shared<internal::Scope>(), values_, update_);
}

const HeaderFields& WorkflowContext::ContextValues() const {
  static const HeaderFields kNone;
  return values_ ? *values_ : kNone;
}

WorkflowContext WorkflowContext::WithContextPayload(std::string key, Payload value) const {
  auto values = std::make_shared<HeaderFields>(ContextValues());
  (*values)[std::move(key)] = std::move(value);
  return WorkflowContext(run_, scope_, std::move(values), update_);
}

hugo::Result<temporal::api::common::v1::Header> WorkflowContext::OutboundHeader() const {
  temporal::api::common::v1::Header header;
  auto injected =
      internal::InjectFromWorkflow(run_->context_propagators(), ContextValues(), header);
  if (injected.IsFailure()) return injected.Error();
  return hugo::Result<temporal::api::common::v1::Header>::Ok(std::move(header));
}

bool WorkflowContext::IsCanceled() const { return scope_->canceled; }

bool WorkflowContext::AllHandlersFinished() const { return run_->running_updates().empty(); }

Workflow<hugo::Unit> WorkflowContext::AwaitAllHandlersFinished() const {
  internal::WorkflowRun* run = run_;
  return Await([run] { return run->running_updates().empty(); });
}

Future<hugo::Unit> WorkflowContext::Done() const {
  return Future<hugo::Unit>::FromState(scheduler(), scope_->done);
}

hugo::DeterministicEffectStore& WorkflowContext::Effects() const { return run_->effects(); }

std::string WorkflowContext::NextSideEffectId() const {
  return "side-effect-" + std::to_string(run_->NextSideEffect());
}

hugo::Result<Payload> WorkflowContext::MutableSideEffectRaw(
    const std::string& id, const std::function<hugo::Result<Payload>()>& produce,
    const std::function<bool(const Payload&, const Payload&)>& equals) const {
  internal::WorkflowRun::MutableEffect& state = run_->mutable_effect(id);
  const int64_t call = ++state.calls;
  // One record per call that changed the value, keyed by the call's number.
  const std::string key = "mutable-side-effect/" + id + "/" + std::to_string(call);
  std::optional<Payload> produced;
  if (!run_->HasRecord(key)) {
    if (run_->replaying()) {  // no change recorded at this call: the value as it was
      if (state.last) return hugo::Result<Payload>::Ok(*state.last);
      return hugo::Error::From("MutableSideEffect " + id + " (call " + std::to_string(call) +
                                   ") has no value recorded in history",
                               std::string(WorkflowErrorCodes::kNonDeterminism));
    }
    auto value = produce();
    if (value.IsFailure()) return value.Error();
    const bool same = state.last && (equals ? equals(*state.last, value.Value())
                                            : state.last->SerializeAsString() ==
                                                  value.Value().SerializeAsString());
    if (same) return hugo::Result<Payload>::Ok(*state.last);
    produced = std::move(value).Value();
  }
  // Records the new value, or (a replayed change) reads it from its marker.
  auto captured = Effects().Capture<std::string>(key, [&produced]() -> hugo::Result<std::string> {
    if (!produced) {
      return hugo::Error::From("a recorded MutableSideEffect value is missing",
                               std::string(WorkflowErrorCodes::kNonDeterminism));
    }
    return hugo::Result<std::string>::Ok(hugo::Base64Encode(produced->SerializeAsString()));
  });
  if (captured.IsFailure()) return captured.Error();
  Payload payload;
  auto bytes = hugo::Base64Decode(captured.Value());
  if (!bytes || !payload.ParseFromString(*bytes)) {
    return hugo::Error::From("the MutableSideEffect record of " + id + " is not a payload",
                             std::string(ConverterCodes::kDecode));
  }
  state.last = payload;
  return hugo::Result<Payload>::Ok(std::move(payload));
}

bool WorkflowContext::HasInterceptors() const { return !run_->interceptors().empty(); }

hugo::Result<hugo::Unit> WorkflowContext::InterceptedSideEffect(
    const std::string& effect_id, const std::function<hugo::Result<hugo::Unit>()>& body) const {
  using I = WorkerInterceptor;
  return internal::InterceptorChain<I::SideEffectNext>(
      run_->interceptors(), &I::SideEffect,
      [&body](WorkflowContext, const std::string&) { return body(); })(*this, effect_id);
}

namespace {
hugo::Result<int32_t> DecideVersion(internal::WorkflowRun* run, const WorkflowInfo& info,
                                    const VersionCall& call) {
  const std::string& change_id = call.change_id;
  const int32_t min_supported = call.min_supported;
  const int32_t max_supported = call.max_supported;
  if (run->replaying() && !run->HasRecord(change_id)) {
    // History from before the change: the old code path.
    if (min_supported > WorkflowContext::kDefaultVersion) {
      return hugo::Error::From("history of " + info.workflow_id + " predates change " + change_id +
                                   " (version -1) but the code supports only [" +
                                   std::to_string(min_supported) + ", " +
                                   std::to_string(max_supported) + "]",
                               std::string(WorkflowErrorCodes::kNonDeterminism));
    }
    return hugo::Result<int32_t>::Ok(WorkflowContext::kDefaultVersion);
  }
  auto decision = run->versions().Require(change_id, min_supported, max_supported);
  if (decision.IsFailure()) return decision.Error();
  return hugo::Result<int32_t>::Ok(decision.Value().version);
}
}  // namespace

hugo::Result<int32_t> WorkflowContext::GetVersion(std::string change_id, int32_t min_supported,
                                                  int32_t max_supported) const {
  VersionCall call{std::move(change_id), min_supported, max_supported};
  if (!HasInterceptors()) return DecideVersion(run_, Info(), call);
  using I = WorkerInterceptor;
  return internal::InterceptorChain<I::GetVersionNext>(
      run_->interceptors(), &I::GetVersion, [this](WorkflowContext, const VersionCall& c) {
        return DecideVersion(run_, Info(), c);
      })(*this, call);
}

bool WorkflowContext::Patched(std::string patch_id) const {
  auto version = GetVersion(std::move(patch_id), kDefaultVersion, 1);
  return version.IsSuccess() && version.Value() == 1;
}

uint64_t WorkflowContext::RandomUint64() const { return run_->NextRandom(); }

double WorkflowContext::Random() const {
  return static_cast<double>(run_->NextRandom() >> 11) * 0x1.0p-53;
}

std::string WorkflowContext::NewUuid() const {
  uint64_t hi = run_->NextRandom();
  uint64_t lo = run_->NextRandom();
  hi = (hi & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;  // variant 10
  char text[37];
  std::snprintf(text, sizeof(text), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
  return text;
}

hugo::Result<hugo::Unit> WorkflowContext::UpsertSearchAttributes(
    std::map<std::string, nlohmann::json> attributes) const {
  std::map<std::string, Payload> payloads;
  for (const auto& [k, v] : attributes) {
    auto payload = ToPayload(v);
    if (payload.IsFailure()) return payload.Error();
    payloads[k] = payload.Value();
  }
  return UpsertSearchAttributePayloads(payloads);
}

hugo::Result<hugo::Unit> WorkflowContext::UpsertTypedSearchAttributes(
    const SearchAttributes& attributes) const {
  return UpsertSearchAttributePayloads(attributes.payloads());
}

hugo::Result<hugo::Unit> WorkflowContext::UpsertSearchAttributePayloads(
    const std::map<std::string, Payload>& payloads) const {
  if (payloads.empty()) {
    return hugo::Error::From("an upsert needs at least one search attribute",
                             std::string(hugo::ErrorCodes::kValidation));
  }
  auto upsert = [this](WorkflowContext, const std::map<std::string, Payload>& p) {
    run_->UpsertSearchAttributes(p);
    return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
  };
  if (!HasInterceptors()) return upsert(*this, payloads);
  using I = WorkerInterceptor;
  return internal::InterceptorChain<I::UpsertNext>(run_->interceptors(), &I::UpsertSearchAttributes,
                                                   upsert)(*this, payloads);
}

hugo::Result<hugo::Unit> WorkflowContext::UpsertMemo(
    std::map<std::string, nlohmann::json> memo) const {
  std::map<std::string, Payload> payloads;
  for (const auto& [k, v] : memo) {
    auto payload = ToPayload(v);
    if (payload.IsFailure()) return payload.Error();
    payloads[k] = payload.Value();
  }
  auto upsert = [this](WorkflowContext, const std::map<std::string, Payload>& p) {
    run_->UpsertMemo(p);
    return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
  };
  if (!HasInterceptors()) return upsert(*this, payloads);
  using I = WorkerInterceptor;
  return internal::InterceptorChain<I::UpsertNext>(run_->interceptors(), &I::UpsertMemo, upsert)(
      *this, payloads);
}

void WorkflowContext::Log(std::string_view level, std::string_view message) const {
  if (run_->replaying()) return;
  std::cerr << "level=" << level << " workflow_id=" << Info().workflow_id
            << " run_id=" << Info().run_id << " msg=\"" << message << "\"\n";
}

// ---------------------------------------------------------------------------------------------
// Selector.

Selector::Selector(const WorkflowContext& ctx) : scheduler_(ctx.scheduler()) {}

void Selector::AddCase(internal::Waitable* waitable, int priority, std::function<bool()> ready,
                       std::function<void()> fire) {
  auto c = std::make_shared<Case>();
  c->waitable = waitable;
  c->priority = priority;
  c->order = static_cast<int>(cases_.size());
  c->ready = std::move(ready);
  c->fire = std::move(fire);
  cases_.push_back(std::move(c));
}

bool Selector::TryFire() {
  std::shared_ptr<Case> winner;
  for (const auto& c : cases_) {
    if (!c->ready()) continue;
    if (!winner || c->priority < winner->priority) winner = c;
  }
  if (!winner) return false;
  winner->fire();
  return true;
}

bool Selector::HasPending() const {
  for (const auto& c : cases_) {
    if (c->ready()) return true;
  }
  return false;
}

namespace {
// Suspends until any of `waitables` wakes.
struct AnyAwaiter {
  internal::Scheduler* scheduler;
  std::vector<internal::Waitable*> waitables;
  std::vector<internal::Waitable::WakerId> ids;
  bool await_ready() const { return waitables.empty(); }
  void await_suspend(std::coroutine_handle<> handle) {
    auto woken = std::make_shared<bool>(false);
    ids.resize(waitables.size());
    for (size_t i = 0; i < waitables.size(); ++i) {
      ids[i] = waitables[i]->AddWaker([this, woken, handle] {
        if (*woken) return;
        *woken = true;
        for (size_t j = 0; j < waitables.size(); ++j) waitables[j]->RemoveWaker(ids[j]);
        internal::ScheduleResume(scheduler, handle);
      });
    }
  }
  void await_resume() {}
};
}  // namespace

Workflow<hugo::Unit> Selector::SelectLoop(Selector* selector) {
  if (selector->TryFire()) co_return hugo::Unit{};
  if (selector->default_) {
    selector->default_();
    co_return hugo::Unit{};
  }
  for (;;) {
    std::vector<internal::Waitable*> waitables;
    for (const auto& c : selector->cases_) waitables.push_back(c->waitable);
    if (waitables.empty()) {
      co_return hugo::Error::From("Select on a selector with no cases", "hdo.select.empty");
    }
    // A named awaiter: GCC 12 destroys a non-trivial temporary awaiter twice (PR 100611).
    AnyAwaiter any{selector->scheduler_, std::move(waitables), {}};
    co_await any;
    if (selector->TryFire()) co_return hugo::Unit{};
  }
}

Workflow<hugo::Unit> Selector::Select() { return SelectLoop(this); }

}  // namespace hdo
