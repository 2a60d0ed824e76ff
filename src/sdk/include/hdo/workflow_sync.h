// hdo workflow-side concurrency helpers with libhugo's semantics, built only on WorkflowContext
// (WithCancel, Disconnected, Go, Await), so they are as deterministic as the rest of workflow code:
//
//   hdo::ErrGroup (hugo::ErrGroup, Go's errgroup): branches run concurrently with the group's
//   cancellable context; the first error is recorded and cancels that context, so the other
//   branches' activities, timers and child workflows are canceled; Wait joins every branch and
//   returns the first error or Unit.
//
//     hdo::ErrGroup group(ctx);
//     for (std::string id : ids) group.Go(&ChargeOne, id);  // Workflow<hugo::Unit>(ctx, id)
//     hugo::Result<hugo::Unit> all = co_await group.Wait();
//
//   hdo::Saga (hugo::SagaBuilder, Hugo's ResultSagaBuilder): steps run in order; each success is
//   stored in a hugo::SagaState (case-insensitive keys) under its result key and its compensation
//   registered; on the first failure every registered compensation runs in reverse order (LIFO)
//   on a Disconnected context, so they run after a workflow cancel request too. The result is
//   the step's failure (metadata sagaStep), or error.aggregate when a compensation fails too.
//
//     hdo::Saga saga;
//     saga.AddStep("withdraw", hdo::Saga::Activity("Withdraw", options, from, amount),
//                  hdo::Saga::ActivityCompensation("Deposit", options, from, amount));
//     hugo::Result<hugo::SagaState> done = co_await saga.Execute(ctx);
//
// Differences from libhugo, both forced by workflows: no retry policy (retry the activities with
// their RetryPolicy instead; a workflow-level retry would be a loop of timers), and an ErrGroup
// going out of scope does not cancel its branches (a run being evicted from the worker's cache
// destroys its coroutines; canceling then would issue commands on a dying run). Call Wait, or
// Cancel, before the group goes away.
//
// Coroutine rules apply to what is handed over: branch, step and compensation functions take their
// parameters by value, and a coroutine must not be a capturing lambda (a capturing lambda that
// returns a call of a coroutine function is fine: see Saga::Activity).
//
// Owner: the workflow code that creates them. Thread safety: none (workflow code is single-threaded
// per run); use them only inside workflow code, never across runs.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "hdo/converter.h"
#include "hdo/workflow.h"
#include "hugo/policies.h"
#include "hugo/result.h"

namespace hdo {

namespace internal {

struct ErrGroupState {
  ErrGroupState(WorkflowContext parent_ctx,
                std::pair<WorkflowContext, std::function<void()>> scoped)
      : parent(std::move(parent_ctx)),
        group(std::move(scoped.first)),
        cancel(std::move(scoped.second)) {}

  WorkflowContext parent;        // spawns the branches; Wait joins on its Disconnected() form
  WorkflowContext group;         // what the branches run with
  std::function<void()> cancel;  // cancels `group` (and its children)
  size_t pending = 0;
  std::optional<hugo::Error> error;

  // Records `error` if it is the first, then cancels the group (hugo's order).
  void Record(hugo::Error failure) {
    if (!error) error = std::move(failure);
    cancel();
  }
};

// One branch: awaits `body`, records its failure, and counts itself out. An exception escaping
// `body` becomes error.exception (hugo::ErrGroup's rule; a branch has no awaiting parent that
// would see it otherwise).
template <class T>
Workflow<hugo::Unit> ErrGroupBranch(std::shared_ptr<ErrGroupState> state, Workflow<T> body) {
  std::optional<hugo::Error> failure;
  try {
    hugo::Result<T> outcome = co_await body;
    if (outcome.IsFailure()) failure = outcome.Error();
  } catch (...) {
    failure = hugo::Error::FromException(std::current_exception());
  }
  if (failure) state->Record(*failure);
  --state->pending;
  co_return hugo::Unit{};
}

Workflow<hugo::Unit> ErrGroupWait(std::shared_ptr<ErrGroupState> state);

// Saga::Activity / ActivityCompensation bodies.
Workflow<nlohmann::json> SagaActivityStep(WorkflowContext ctx, std::string activity_type,
                                          ActivityOptions options, hugo::Result<Payloads> input);
Workflow<hugo::Unit> SagaActivityCompensation(WorkflowContext ctx, std::string activity_type,
                                              ActivityOptions options,
                                              hugo::Result<Payloads> input);

}  // namespace internal

// ---------------------------------------------------------------------------------------------
class ErrGroup {
 public:
  // The group's context is a cancellation scope under `ctx`: canceling `ctx` (a workflow cancel
  // request, an enclosing WithCancel) cancels the branches too, and their error.canceled becomes
  // the group's error unless another error came first.
  explicit ErrGroup(const WorkflowContext& ctx)
      : state_(std::make_shared<internal::ErrGroupState>(ctx, ctx.WithCancel())) {}
  ErrGroup(const ErrGroup&) = delete;
  ErrGroup& operator=(const ErrGroup&) = delete;

  // The context the branches run with; canceled by the first error or Cancel().
  const WorkflowContext& Context() const { return state_->group; }

  // Starts `fn(Context(), args...)` as a new branch (WorkflowContext::Go); `fn` returns a
  // Workflow<T> of any T (the value is dropped). The branch starts once the calling coroutine
  // next suspends. After a failure, new branches start on the canceled context (so their
  // activities and timers fail at once with error.canceled), as hugo's do.
  template <class F, class... A>
  void Go(F fn, A... args) {
    auto body = fn(state_->group, std::move(args)...);
    ++state_->pending;
    state_->parent.Go(internal::ErrGroupBranch(state_, std::move(body)));
  }

  // Records error.canceled ("ErrGroup was canceled.") unless an error is already recorded, then
  // cancels the group's context.
  void Cancel() { state_->Record(hugo::Error::Canceled("ErrGroup was canceled.")); }

  // The first error recorded, if any.
  std::optional<hugo::Error> FirstError() const { return state_->error; }
  // Branches started and not finished yet.
  size_t Pending() const { return state_->pending; }

  // Joins every branch (also after a failure: the others are canceled, and awaited), then gives
  // Unit or the first error. It waits on a disconnected scope, so a workflow cancel request does
  // not cut it short: the branches see the cancel and finish.
  Workflow<hugo::Unit> Wait() const { return internal::ErrGroupWait(state_); }

 private:
  std::shared_ptr<internal::ErrGroupState> state_;
};

// ---------------------------------------------------------------------------------------------
struct SagaOptions {
  // How compensations run: kSequentialReverse (LIFO, one after the other: the default) or
  // kParallel (all started at once in registration order, then joined). A saga always
  // compensates, so kNone means kSequentialReverse (as in hugo::SagaBuilder).
  hugo::CompensationPolicy compensation = hugo::CompensationPolicy::kSequentialReverse;
};

class Saga {
 public:
  // A step: its value is stored in the state under the step's result key (default: its name).
  // `state` is a copy of the state so far.
  using Step = std::function<Workflow<nlohmann::json>(WorkflowContext ctx, hugo::SagaState state)>;
  // A compensation: runs with a disconnected context and a copy of the state at the failure.
  using Compensation =
      std::function<Workflow<hugo::Unit>(WorkflowContext ctx, hugo::SagaState state)>;

  Saga& AddStep(std::string name, Step step, Compensation compensation = {},
                std::string result_key = {}) {
    steps_.push_back(
        {std::move(name), std::move(step), std::move(compensation), std::move(result_key)});
    return *this;
  }
  size_t Size() const { return steps_.size(); }

  // A step that runs the activity `activity_type(args...)`; its result, decoded as JSON (null for
  // an activity without a result), is the step's value.
  template <class... A>
  static Step Activity(std::string activity_type, ActivityOptions options, A... args) {
    hugo::Result<Payloads> input = ToPayloads(args...);
    return [activity_type, options, input](WorkflowContext ctx, hugo::SagaState) {
      return internal::SagaActivityStep(ctx, activity_type, options, input);
    };
  }
  // A compensation that runs the activity `activity_type(args...)`.
  template <class... A>
  static Compensation ActivityCompensation(std::string activity_type, ActivityOptions options,
                                           A... args) {
    hugo::Result<Payloads> input = ToPayloads(args...);
    return [activity_type, options, input](WorkflowContext ctx, hugo::SagaState) {
      return internal::SagaActivityCompensation(ctx, activity_type, options, input);
    };
  }

  // Runs the saga (it takes the steps: a Saga runs once). The final state; or the first failing
  // step's error (metadata sagaStep = its name) after the compensations ran; or error.aggregate
  // ("The saga failed and its compensation failed too.", metadata errors = [step failure,
  // compensation failure]) when a compensation failed (several failed compensations are one
  // error.aggregate "Compensation failed."). error.validation for a saga without steps.
  // (An overload rather than a defaulted SagaOptions: GCC 12 mishandles a defaulted argument of
  // class type in a call inside a co_await expression, `co_await saga.Execute(ctx)`; harmless
  // while SagaOptions is trivially destructible, and kept so when it is not.)
  Workflow<hugo::SagaState> Execute(WorkflowContext ctx) {
    return Execute(std::move(ctx), SagaOptions{});
  }
  Workflow<hugo::SagaState> Execute(WorkflowContext ctx, SagaOptions options);

 private:
  struct Entry {
    std::string name;
    Step step;
    Compensation compensation;
    std::string result_key;
  };
  static Workflow<hugo::SagaState> Run(WorkflowContext ctx, std::vector<Entry> steps,
                                       SagaOptions options);
  static Workflow<hugo::Unit> Compensate(WorkflowContext ctx, std::vector<Compensation> actions,
                                         hugo::SagaState state, hugo::CompensationPolicy policy);

  std::vector<Entry> steps_;
};

}  // namespace hdo
