// hdo::ErrGroup and hdo::Saga (hdo/workflow_sync.h): the coroutines that are not templates.
//
// Every awaited coroutine or future is first stored in a named local: GCC 12 destroys some
// temporaries of a co_await full-expression twice (a lambda converted to std::function, the
// by-value arguments of a std::function call), which ASan reports as a use after free.
#include "hdo/workflow_sync.h"

#include <functional>

namespace hdo {

namespace internal {

Workflow<hugo::Unit> ErrGroupWait(std::shared_ptr<ErrGroupState> state) {
  if (state->pending > 0) {
    // A disconnected scope is never canceled, so this returns once every branch finished.
    std::function<bool()> idle = [watched = state] { return watched->pending == 0; };
    WorkflowContext joiner = state->parent.Disconnected();
    Workflow<hugo::Unit> joining = joiner.Await(std::move(idle));
    hugo::Result<hugo::Unit> joined = co_await joining;
    if (joined.IsFailure()) co_return joined.Error();
  }
  if (state->error) co_return *state->error;
  co_return hugo::Unit{};
}

Workflow<nlohmann::json> SagaActivityStep(WorkflowContext ctx, std::string activity_type,
                                          ActivityOptions options, hugo::Result<Payloads> input) {
  Future<hugo::Result<Payloads>> running =
      ctx.ExecuteActivityRaw(std::move(activity_type), std::move(options), std::move(input));
  hugo::Result<Payloads> output = co_await running;
  if (output.IsFailure()) co_return output.Error();
  if (output.Value().payloads_size() == 0) co_return nlohmann::json();
  co_return FromPayloads1<nlohmann::json>(output.Value());
}

Workflow<hugo::Unit> SagaActivityCompensation(WorkflowContext ctx, std::string activity_type,
                                              ActivityOptions options,
                                              hugo::Result<Payloads> input) {
  Future<hugo::Result<Payloads>> running =
      ctx.ExecuteActivityRaw(std::move(activity_type), std::move(options), std::move(input));
  hugo::Result<Payloads> output = co_await running;
  if (output.IsFailure()) co_return output.Error();
  co_return hugo::Unit{};
}

namespace {

// The compensations started together (kParallel): the errors by registration index.
struct ParallelCompensation {
  size_t pending = 0;
  std::vector<std::optional<hugo::Error>> errors;
};

// Runs one compensation; an exception becomes error.exception (hugo's Try).
Workflow<hugo::Unit> RunCompensation(Saga::Compensation action, WorkflowContext ctx,
                                     hugo::SagaState state) {
  std::optional<hugo::Error> failure;
  try {
    Workflow<hugo::Unit> running = action(ctx, std::move(state));
    hugo::Result<hugo::Unit> done = co_await running;
    if (done.IsFailure()) failure = done.Error();
  } catch (...) {
    failure = hugo::Error::FromException(std::current_exception());
  }
  if (failure) co_return *failure;
  co_return hugo::Unit{};
}

Workflow<hugo::Unit> ParallelBranch(std::shared_ptr<ParallelCompensation> join, size_t index,
                                    Saga::Compensation action, WorkflowContext ctx,
                                    hugo::SagaState state) {
  Workflow<hugo::Unit> running = RunCompensation(std::move(action), ctx, std::move(state));
  hugo::Result<hugo::Unit> done = co_await running;
  if (done.IsFailure()) join->errors[index] = done.Error();
  --join->pending;
  co_return hugo::Unit{};
}

hugo::Result<hugo::Unit> Collect(hugo::ErrorList errors) {
  if (errors.empty()) return hugo::Result<hugo::Unit>::Ok(hugo::Unit{});
  if (errors.size() == 1) return errors.front();
  return hugo::Error::Aggregate("Compensation failed.", std::move(errors));
}

}  // namespace
}  // namespace internal

Workflow<hugo::SagaState> Saga::Execute(WorkflowContext ctx, SagaOptions options) {
  return Run(std::move(ctx), std::move(steps_), options);
}

Workflow<hugo::SagaState> Saga::Run(WorkflowContext ctx, std::vector<Entry> steps,
                                    SagaOptions options) {
  if (steps.empty()) {
    co_return hugo::Error::From("A saga needs at least one step.",
                                std::string(hugo::ErrorCodes::kValidation));
  }
  hugo::SagaState state;
  std::vector<Compensation> registered;
  for (Entry& entry : steps) {
    Workflow<nlohmann::json> running = entry.step(ctx, state);
    hugo::Result<nlohmann::json> outcome = co_await running;
    if (outcome.IsFailure()) {
      hugo::Error failure = outcome.Error().WithMetadata("sagaStep", entry.name);
      Workflow<hugo::Unit> compensating =
          Compensate(ctx.Disconnected(), std::move(registered), state, options.compensation);
      hugo::Result<hugo::Unit> compensated = co_await compensating;
      if (compensated.IsFailure()) {
        co_return hugo::Error::Aggregate("The saga failed and its compensation failed too.",
                                         {failure, compensated.Error()});
      }
      co_return failure;
    }
    state.insert_or_assign(entry.result_key.empty() ? entry.name : entry.result_key,
                           std::move(outcome).Value());
    if (entry.compensation) registered.push_back(entry.compensation);
  }
  co_return state;
}

Workflow<hugo::Unit> Saga::Compensate(WorkflowContext ctx, std::vector<Compensation> actions,
                                      hugo::SagaState state, hugo::CompensationPolicy policy) {
  if (policy != hugo::CompensationPolicy::kParallel) {
    hugo::ErrorList errors;
    for (auto it = actions.rbegin(); it != actions.rend(); ++it) {
      Workflow<hugo::Unit> running = internal::RunCompensation(*it, ctx, state);
      hugo::Result<hugo::Unit> done = co_await running;
      if (done.IsFailure()) errors.push_back(done.Error());
    }
    co_return internal::Collect(std::move(errors));
  }
  auto join = std::make_shared<internal::ParallelCompensation>();
  join->pending = actions.size();
  join->errors.resize(actions.size());
  for (size_t i = 0; i < actions.size(); ++i) {
    ctx.Go(internal::ParallelBranch(join, i, actions[i], ctx, state));
  }
  std::function<bool()> idle = [join] { return join->pending == 0; };
  Workflow<hugo::Unit> joining = ctx.Await(std::move(idle));
  hugo::Result<hugo::Unit> joined = co_await joining;
  if (joined.IsFailure()) co_return joined.Error();
  hugo::ErrorList errors;
  for (auto& error : join->errors) {
    if (error) errors.push_back(*error);
  }
  co_return internal::Collect(std::move(errors));
}

}  // namespace hdo
