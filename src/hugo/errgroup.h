// hugo::ErrGroup: a group of tasks where the first failure wins and cancels the others (Hugo's
// ErrGroup, Go's errgroup). Tasks are started with Go(executor, factory), where factory(token)
// returns the task; the token stops when the group is canceled (first failure, Cancel(), the
// parent token, or destruction). Wait joins EVERY task (also after a failure: research note §6.18)
// and returns the first error, or Ok.
//
// Owner: the creator. The shared state lives as long as any task runs, so destroying the group
// early is safe (it cancels, and does not block). Thread safety: every member is thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>

#include "hugo/cancellation.h"
#include "hugo/policies.h"
#include "hugo/result.h"
#include "hugo/sync.h"
#include "hugo/task.h"

namespace hugo {

class ErrGroup {
 public:
  explicit ErrGroup(std::stop_token parent = {}) : state_(std::make_shared<State>(parent)) {}
  ~ErrGroup() { state_->source.RequestStop(); }
  ErrGroup(const ErrGroup&) = delete;
  ErrGroup& operator=(const ErrGroup&) = delete;

  std::stop_token Token() const { return state_->source.Token(); }

  // The first error recorded, if any.
  std::optional<Error> FirstError() const {
    std::lock_guard lock(state_->mutex);
    return state_->error;
  }

  // Starts factory(Token()) on `executor`. A failed Result, an exception (error.exception) or a
  // cancellation becomes the group's error if it is the first, and cancels the group. The factory
  // lives until its task ends (a factory whose call operator is a coroutine refers to itself).
  template <class F>
  void Go(Executor executor, F factory) {
    auto owned = std::make_shared<F>(std::move(factory));
    Task<Result<Unit>> task = detail::Holding<Unit>(owned, (*owned)(Token()));
    (void)state_->group.Add(1);
    hugo::Go(std::move(executor), Guarded(std::move(task), state_));
  }

  // A pipeline step (Hugo's ErrGroup.Go(step, stepName, policy)): step(scope, token) may register
  // compensations in `scope` and runs under the policy's retry. If it still fails, its error is
  // recorded (with metadata stepName), the peers are canceled first, and then its compensations
  // run under the policy (synchronously, never on the canceled group token); if they fail too and
  // the step's error was the group's first, that error becomes error.aggregate of both. On
  // success the registered compensations are discarded.
  using Step = std::function<Task<Result<Unit>>(CompensationScope*, std::stop_token)>;
  void GoStep(Executor executor, Step step, ExecutionPolicy policy, std::shared_ptr<Clock> clock,
              std::string step_name = "errgroup.step") {
    (void)state_->group.Add(1);
    hugo::Go(std::move(executor), RunStep(state_, std::move(step), std::move(policy),
                                          std::move(clock), std::move(step_name)));
  }

  // Records error.canceled ("ErrGroup was canceled.") unless an error is already recorded, then
  // cancels the group.
  void Cancel() { Record(state_, Error::Canceled("ErrGroup was canceled.")); }

  // Joins every task; Ok or the first error. error.canceled at once if `token` stops.
  Task<Result<Unit>> Wait(std::stop_token token = {}) { return WaitFor(state_, std::move(token)); }
  Result<Unit> WaitBlocking(std::stop_token token = {}) {
    Result<Unit> joined = state_->group.WaitBlocking(std::move(token));
    if (joined.IsFailure()) return joined;
    return Outcome(*state_);
  }

 private:
  struct State {
    explicit State(const std::stop_token& parent) : source(parent) {}
    LinkedStopSource source;
    WaitGroup group;
    std::mutex mutex;
    std::optional<Error> error;
  };

  // True when `error` became the group's first error.
  static bool Record(const std::shared_ptr<State>& state, Error error) {
    bool first = false;
    {
      std::lock_guard lock(state->mutex);
      if (!state->error) {
        state->error = std::move(error);
        first = true;
      }
    }
    state->source.RequestStop();  // record first, then cancel (Hugo's order)
    return first;
  }

  struct StepCall {
    Step* step;
    CompensationScope* scope;
    Task<Result<Unit>> operator()(int, std::stop_token token) const {
      return (*step)(scope, std::move(token));
    }
  };

  static Task<void> RunStep(std::shared_ptr<State> state, Step step, ExecutionPolicy policy,
                            std::shared_ptr<Clock> clock, std::string step_name) {
    CompensationScope scope;
    Result<Unit> result =
        co_await Retry<Unit>(StepCall{&step, &scope}, policy.retry, clock, state->source.Token());
    if (result.IsFailure()) {
      Error error = result.Error().WithMetadata("stepName", step_name);
      bool first = Record(state, error);  // peers are canceled before compensating
      Result<Unit> compensated = scope.Run(policy.compensation);
      if (compensated.IsFailure() && first) {
        std::lock_guard lock(state->mutex);
        state->error = Error::Aggregate("The step failed and its compensation failed too.",
                                        {error, compensated.Error()});
      }
    }
    (void)state->group.Done();
  }
  static Result<Unit> Outcome(State& state) {
    std::lock_guard lock(state.mutex);
    if (state.error) return *state.error;
    return Ok();
  }

  static Task<void> Guarded(Task<Result<Unit>> task, std::shared_ptr<State> state) {
    Result<Unit> result = Ok();
    try {
      result = co_await std::move(task);
    } catch (...) {
      result = Error::FromException(std::current_exception());
    }
    if (result.IsFailure()) Record(state, result.Error());
    (void)state->group.Done();
  }

  static Task<Result<Unit>> WaitFor(std::shared_ptr<State> state, std::stop_token token) {
    Result<Unit> joined = co_await state->group.Wait(std::move(token));
    if (joined.IsFailure()) co_return joined;
    co_return Outcome(*state);
  }

  std::shared_ptr<State> state_;
};

}  // namespace hugo
