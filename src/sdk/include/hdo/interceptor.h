// hdo worker interceptors: code that runs around what a worker executes, the Go SDK's
// WorkerInterceptor: inbound (ActivityInboundInterceptor, WorkflowInboundInterceptor) activities
// and local activities, the workflow function, signals, queries, update validators and update
// handlers; outbound (WorkflowOutboundInterceptor) what workflow code starts: activities, local
// activities, child workflows, external signals and cancel requests, timers, continue-as-new,
// versions, side effects and search attribute and memo upserts.
// Logging, metrics, tracing spans, authorization checks, header and argument rewriting go here.
// Each method gets the call and `next`, the rest of the chain ending in the SDK's own handling:
// call it (once) to go on, or return without it to answer in its place.
//
// WorkerOptions::interceptors run in order, the first outermost (it sees the call first and the
// outcome last). The workflow-side methods run inside the workflow's deterministic scheduler, on
// every replay too: they must be deterministic (no clocks, randomness or I/O of their own; use
// ctx.IsReplaying() to log once) and must not block.
//
// Owner: the application; shared by the worker's threads (and a Replayer's), so the methods are
// const and must be thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hdo/activity.h"
#include "hdo/interceptor_chain.h"
#include "hdo/propagation.h"
#include "hdo/workflow.h"
#include "hugo/result.h"

namespace hdo {

struct SignalInput {
  std::string signal_name;
  Payloads input;
  HeaderFields header;
};

struct QueryInput {
  std::string query_type;
  Payloads args;
  HeaderFields header;
};

struct UpdateInput {
  std::string update_id;
  std::string update_name;
  Payloads args;
  HeaderFields header;
};

// What workflow code asks for, as the outbound hooks see it: change a copy and pass it to `next`.
// `header` holds what the context propagators wrote.
struct ActivityCall {
  std::string activity_type;
  ActivityOptions options;
  Payloads input;
  HeaderFields header;
};

struct LocalActivityCall {
  std::string activity_type;
  LocalActivityOptions options;
  Payloads input;
  HeaderFields header;
};

struct ChildWorkflowCall {
  std::string workflow_type;
  ChildWorkflowOptions options;
  Payloads input;
  HeaderFields header;
};

struct SignalExternalCall {
  std::string workflow_id;
  std::string run_id;
  std::string signal_name;
  Payloads input;
  HeaderFields header;
};

struct CancelExternalCall {
  std::string workflow_id;
  std::string run_id;
};

// GetVersion's (and Patched's) arguments.
struct VersionCall {
  std::string change_id;
  int32_t min_supported = WorkflowContext::kDefaultVersion;
  int32_t max_supported = WorkflowContext::kDefaultVersion;
};

struct ContinueAsNewCall {
  ContinueAsNewOptions options;
  Payloads input;
  HeaderFields header;
};

class WorkerInterceptor {
 public:
  virtual ~WorkerInterceptor() = default;

  // An activity or local activity attempt, on its thread, after the context propagators have
  // made its header's context the thread's. The result (or error) is the attempt's.
  using ActivityNext =
      std::function<hugo::Result<Payloads>(ActivityContext&, const ActivityInvocation&)>;
  virtual hugo::Result<Payloads> ExecuteActivity(ActivityContext& ctx,
                                                 const ActivityInvocation& invocation,
                                                 const ActivityNext& next) const {
    return next(ctx, invocation);
  }

  // The workflow function's start: `next` decodes the input and creates the root coroutine (an
  // error there fails the workflow task). Wrap the returned coroutine in one of your own to run
  // code when it ends.
  using WorkflowNext =
      std::function<hugo::Result<Workflow<Payloads>>(WorkflowContext, const Payloads&)>;
  virtual hugo::Result<Workflow<Payloads>> ExecuteWorkflow(WorkflowContext ctx,
                                                           const Payloads& input,
                                                           const WorkflowNext& next) const {
    return next(ctx, input);
  }

  // A signal as history delivers it, before it reaches its channel; not calling `next` drops it
  // (deterministically: on every replay too).
  using SignalNext = std::function<void(WorkflowContext, const SignalInput&)>;
  virtual void HandleSignal(WorkflowContext ctx, const SignalInput& input,
                            const SignalNext& next) const {
    next(ctx, input);
  }

  // A query (read-only: no commands, no waiting), also the built-in
  // `__temporal_workflow_metadata`; `__stack_trace` is answered before the interceptors (as the Go
  // SDK does).
  using QueryNext = std::function<hugo::Result<Payloads>(WorkflowContext, const QueryInput&)>;
  virtual hugo::Result<Payloads> HandleQuery(WorkflowContext ctx, const QueryInput& input,
                                             const QueryNext& next) const {
    return next(ctx, input);
  }

  // An update's validator, run once when the update arrives (not on replay); an error rejects
  // the update, which leaves no trace in history.
  using ValidateUpdateNext =
      std::function<hugo::Result<hugo::Unit>(WorkflowContext, const UpdateInput&)>;
  virtual hugo::Result<hugo::Unit> ValidateUpdate(WorkflowContext ctx, const UpdateInput& input,
                                                  const ValidateUpdateNext& next) const {
    return next(ctx, input);
  }

  // An accepted update's handler (on replay too): the coroutine whose outcome is the update's.
  using ExecuteUpdateNext = std::function<Workflow<Payloads>(WorkflowContext, const UpdateInput&)>;
  virtual Workflow<Payloads> ExecuteUpdate(WorkflowContext ctx, const UpdateInput& input,
                                           const ExecuteUpdateNext& next) const {
    return next(ctx, input);
  }

  // Outbound: what workflow code starts through `ctx` (deterministic, on replay too). `next`
  // issues the command; returning without it answers the workflow code in its place (a failed
  // future, say), and nothing is recorded.
  using ScheduleActivityNext =
      std::function<Future<hugo::Result<Payloads>>(WorkflowContext, const ActivityCall&)>;
  virtual Future<hugo::Result<Payloads>> ScheduleActivity(WorkflowContext ctx,
                                                          const ActivityCall& call,
                                                          const ScheduleActivityNext& next) const {
    return next(ctx, call);
  }
  using ScheduleLocalActivityNext =
      std::function<Future<hugo::Result<Payloads>>(WorkflowContext, const LocalActivityCall&)>;
  virtual Future<hugo::Result<Payloads>> ScheduleLocalActivity(
      WorkflowContext ctx, const LocalActivityCall& call,
      const ScheduleLocalActivityNext& next) const {
    return next(ctx, call);
  }
  using StartChildWorkflowNext =
      std::function<WorkflowContext::RawChild(WorkflowContext, const ChildWorkflowCall&)>;
  virtual WorkflowContext::RawChild StartChildWorkflow(WorkflowContext ctx,
                                                       const ChildWorkflowCall& call,
                                                       const StartChildWorkflowNext& next) const {
    return next(ctx, call);
  }
  using SignalExternalNext =
      std::function<Future<hugo::Result<hugo::Unit>>(WorkflowContext, const SignalExternalCall&)>;
  virtual Future<hugo::Result<hugo::Unit>> SignalExternalWorkflow(
      WorkflowContext ctx, const SignalExternalCall& call, const SignalExternalNext& next) const {
    return next(ctx, call);
  }
  using StartTimerNext =
      std::function<Future<hugo::Result<hugo::Unit>>(WorkflowContext, std::chrono::milliseconds)>;
  virtual Future<hugo::Result<hugo::Unit>> StartTimer(WorkflowContext ctx,
                                                      std::chrono::milliseconds duration,
                                                      const StartTimerNext& next) const {
    return next(ctx, duration);
  }
  using CancelExternalNext =
      std::function<Future<hugo::Result<hugo::Unit>>(WorkflowContext, const CancelExternalCall&)>;
  virtual Future<hugo::Result<hugo::Unit>> RequestCancelExternalWorkflow(
      WorkflowContext ctx, const CancelExternalCall& call, const CancelExternalNext& next) const {
    return next(ctx, call);
  }
  // `next` gives the error value the workflow returns to continue as new (ctx.ContinueAsNew);
  // another error returned here ends the run with that error instead.
  using ContinueAsNewNext = std::function<hugo::Error(WorkflowContext, const ContinueAsNewCall&)>;
  virtual hugo::Error ContinueAsNew(WorkflowContext ctx, const ContinueAsNewCall& call,
                                    const ContinueAsNewNext& next) const {
    return next(ctx, call);
  }

  // GetVersion and Patched (GetVersion(id, -1, 1)): `next` decides (and records) the version;
  // what is returned is the version the workflow code follows.
  using GetVersionNext = std::function<hugo::Result<int32_t>(WorkflowContext, const VersionCall&)>;
  virtual hugo::Result<int32_t> GetVersion(WorkflowContext ctx, const VersionCall& call,
                                           const GetVersionNext& next) const {
    return next(ctx, call);
  }
  // SideEffect: `next` runs the effect once (on replay, reads its recorded outcome) and records
  // it; the value goes to the workflow code, this hook sees the effect's id and whether it
  // failed. An error returned without calling `next` is the SideEffect's outcome, unrecorded.
  using SideEffectNext =
      std::function<hugo::Result<hugo::Unit>(WorkflowContext, const std::string& effect_id)>;
  virtual hugo::Result<hugo::Unit> SideEffect(WorkflowContext ctx, const std::string& effect_id,
                                              const SideEffectNext& next) const {
    return next(ctx, effect_id);
  }
  // UpsertSearchAttributes and UpsertMemo, with the values encoded: `next` issues the command.
  using UpsertNext = std::function<hugo::Result<hugo::Unit>(WorkflowContext,
                                                            const std::map<std::string, Payload>&)>;
  virtual hugo::Result<hugo::Unit> UpsertSearchAttributes(
      WorkflowContext ctx, const std::map<std::string, Payload>& attributes,
      const UpsertNext& next) const {
    return next(ctx, attributes);
  }
  virtual hugo::Result<hugo::Unit> UpsertMemo(WorkflowContext ctx,
                                              const std::map<std::string, Payload>& memo,
                                              const UpsertNext& next) const {
    return next(ctx, memo);
  }
};

using WorkerInterceptors = std::vector<std::shared_ptr<const WorkerInterceptor>>;

}  // namespace hdo
