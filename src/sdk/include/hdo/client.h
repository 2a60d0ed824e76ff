// hdo::Client: starts, signals, queries, updates (update-with-start too), cancels, terminates,
// lists and awaits workflows
// on a Temporal frontend (hdo or any Temporal server), and completes activities asynchronously by
// task token. Every call is synchronous, has a deadline (the connection's rpc_timeout, or its
// long_poll_timeout for calls the server holds) and returns a hugo::Result; gRPC failures are
// StatusToError's errors (grpc.<code>, with `temporal.failure` naming the Temporal error detail).
// Arguments and results go through hdo/converter.h; failures through hdo/failure.h.
//
// Bad arguments (an empty workflow id, workflow type or task queue) are error.validation before
// any call. Each call carries the client's namespace and identity and, where the API has one, a
// fresh request_id (so the server deduplicates a retried call, not two calls).
//
// Owner: the application. A Client and its handles share the Connection (std::shared_ptr).
// Thread safety: a Client and a WorkflowHandle are immutable after construction; their methods
// are safe from any number of threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "hdo/connection.h"
#include "hdo/converter.h"
#include "hdo/failure.h"
#include "hdo/retry_policy.h"
#include "hdo/search_attributes.h"
#include "hugo/result.h"
#include "temporal/api/enums/v1/reset.pb.h"
#include "temporal/api/enums/v1/workflow.pb.h"
#include "temporal/api/history/v1/message.pb.h"
#include "temporal/api/workflow/v1/message.pb.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"

namespace hdo {

class ClientInterceptor;  // hdo/client_interceptor.h
using ClientInterceptors = std::vector<std::shared_ptr<const ClientInterceptor>>;

struct ClientOptions {
  std::string namespace_name = "default";
  // Who the server records as the caller; empty means "<pid>@<hostname>".
  std::string identity;
  // Around every start, signal-with-start, signal, query, update, cancel, terminate, describe
  // and result wait of this client and its handles, the first outermost.
  ClientInterceptors interceptors;
};

struct ClientCodes {
  // A query the server refused because of the workflow's status (QueryRejected); metadata
  // `status` holds the WorkflowExecutionStatus name.
  static constexpr std::string_view kQueryRejected = "temporal.query_rejected";
};

struct StartWorkflowOptions {
  std::string id;
  std::string task_queue;
  // Zero: no limit (execution, run) or the server's default (task: 10 s).
  std::chrono::milliseconds execution_timeout{0};
  std::chrono::milliseconds run_timeout{0};
  std::chrono::milliseconds task_timeout{0};
  temporal::api::enums::v1::WorkflowIdReusePolicy id_reuse_policy =
      temporal::api::enums::v1::WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED;
  temporal::api::enums::v1::WorkflowIdConflictPolicy id_conflict_policy =
      temporal::api::enums::v1::WORKFLOW_ID_CONFLICT_POLICY_UNSPECIFIED;
  std::optional<RetryPolicy> retry_policy;
  std::string cron_schedule;
  // Each value is one json/plain payload (binary/null for JSON null), as the Go SDK encodes an
  // untyped map.
  std::map<std::string, nlohmann::json> memo;
  std::map<std::string, nlohmann::json> search_attributes;
  // With their indexed types (hdo/search_attributes.h); added to search_attributes.
  SearchAttributes typed_search_attributes;
  std::chrono::milliseconds start_delay{0};
  // Eager workflow start (the Go SDK's EnableEagerStart): when a started Worker of this process
  // polls `task_queue` on the same Connection and namespace and has a free workflow task slot,
  // the server returns the run's first workflow task in the start's reply and that worker runs
  // it, without a poll. Otherwise (no such worker, no slot, a cron schedule or a start delay, a
  // server that declines) the start is a plain one. StartWorkflow only.
  bool enable_eager_start = false;
};

// How far an update has gone when StartUpdate returns (the Go SDK's WaitForStage).
enum class UpdateStage {
  kAccepted,   // the workflow's validator accepted it (or rejected it: the handle has the error)
  kCompleted,  // its handler returned
};

struct UpdateOptions {
  // Empty: a random UUID. The server deduplicates updates of one run by this id.
  std::string update_id;
  // StartUpdate only (Update always waits for completion).
  UpdateStage wait_for_stage = UpdateStage::kAccepted;
};

// One update of a workflow execution, untyped (UpdateHandle<R> adds the typed form): what
// StartUpdate returns, or GetUpdateHandle for an update id known from elsewhere.
class UntypedUpdateHandle {
 public:
  UntypedUpdateHandle(std::shared_ptr<Connection> connection, ClientOptions options,
                      std::string workflow_id, std::string run_id, std::string update_id,
                      std::optional<hugo::Result<Payloads>> outcome = std::nullopt);

  const std::string& workflow_id() const { return workflow_id_; }
  const std::string& run_id() const { return run_id_; }
  const std::string& update_id() const { return update_id_; }
  // The update's outcome: its handler's result, or its failure as FailureToError gives it (a
  // validator's rejection too). Polls the server (PollWorkflowExecutionUpdate) until the update
  // completes unless the outcome is already known; `timeout` zero waits without limit,
  // otherwise error.timeout after it.
  hugo::Result<Payloads> GetPayloads(
      std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) const;

 private:
  std::shared_ptr<Connection> connection_;
  ClientOptions options_;
  std::string workflow_id_;
  std::string run_id_;
  std::string update_id_;
  std::optional<hugo::Result<Payloads>> outcome_;
};

template <class R>
class UpdateHandle : public UntypedUpdateHandle {
 public:
  explicit UpdateHandle(UntypedUpdateHandle untyped) : UntypedUpdateHandle(std::move(untyped)) {}
  hugo::Result<R> Get(std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) const {
    return GetPayloads(timeout).Then([](const Payloads& p) { return FromPayloads1<R>(p); });
  }
};

// Where UntypedWorkflowHandle::Reset takes a run back to (the `temporal workflow reset` types).
enum class ResetPoint {
  kEventId,            // ResetOptions::event_id
  kFirstWorkflowTask,  // the run's first completed workflow task
  kLastWorkflowTask,   // its last completed workflow task
};

struct ResetOptions {
  ResetPoint point = ResetPoint::kLastWorkflowTask;
  // With kEventId: a WorkflowTaskCompleted (or a workflow task's Started, Failed or TimedOut)
  // event of the run; the new run keeps the history up to it and goes on from there.
  int64_t event_id = 0;
  std::string reason;
  // The events after the reset point the new run gets again: every eligible one (signals and
  // updates) except the kinds listed here (RESET_REAPPLY_EXCLUDE_TYPE_SIGNAL, _UPDATE).
  std::vector<temporal::api::enums::v1::ResetReapplyExcludeType> reapply_exclude;
};

// One workflow execution, untyped: arguments and results as Payloads. WorkflowHandle<R> adds the
// typed forms. An empty run_id means the current run of workflow_id.
class UntypedWorkflowHandle {
 public:
  // A bound on the UpdateWorkflowExecution / PollWorkflowExecutionUpdate calls of one Update (the
  // server holds each about 20 s): about two hours.
  static constexpr int kUpdateCallsMax = 360;
  // A bound on the pages FetchHistory reads (a history holds at most 50 Ki events).
  static constexpr int kHistoryPagesMax = 1000;

  UntypedWorkflowHandle(std::shared_ptr<Connection> connection, ClientOptions options,
                        std::string workflow_id, std::string run_id = {},
                        std::string first_execution_run_id = {}, std::string workflow_type = {});

  const std::string& workflow_id() const { return workflow_id_; }
  const std::string& run_id() const { return run_id_; }
  const std::string& first_execution_run_id() const { return first_execution_run_id_; }
  // Known when this client started the workflow; empty for GetHandle.
  const std::string& workflow_type() const { return workflow_type_; }

  // Waits until the run closes, following continue-as-new and retry/cron runs as the Go SDK does,
  // and returns the final run's result. A run that failed, timed out, was canceled or terminated
  // gives temporal.workflow_execution whose cause says how. `timeout` zero waits without limit;
  // otherwise error.timeout after it.
  hugo::Result<Payloads> GetResultPayloads(
      std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) const;
  // GetResultPayloads without a thread held: the long polls go out on gRPC's callback API and
  // `done` runs on the gRPC thread that read the last answer (it must not block), or on this
  // thread when the wait fails before a call is sent. With client interceptors (a synchronous
  // chain) the wait runs through them on this thread, as GetResultPayloads, and `done` runs
  // before this returns.
  void GetResultPayloadsAsync(
      std::function<void(hugo::Result<Payloads>)> done,
      std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) const;
  hugo::Result<hugo::Unit> SignalPayloads(std::string signal_name, Payloads input) const;
  // The query's result; a query handler's error is grpc.invalid_argument with `temporal.failure`
  // QueryFailedFailure; a refused query is ClientCodes::kQueryRejected.
  hugo::Result<Payloads> QueryPayloads(std::string query_type, Payloads args) const;
  // Waits for the update to complete; the update's failure is returned as FailureToError gives it.
  hugo::Result<Payloads> UpdatePayloads(UpdateOptions options, std::string update_name,
                                        Payloads args) const;
  // Sends the update and returns once it reached options.wait_for_stage (accepted, by default,
  // or rejected: the handle then holds the rejection); its outcome comes from the handle.
  hugo::Result<UntypedUpdateHandle> StartUpdatePayloads(UpdateOptions options,
                                                        std::string update_name,
                                                        Payloads args) const;
  // A handle on an update of this workflow sent before (by this client or another).
  UntypedUpdateHandle GetUpdateHandle(std::string update_id) const;
  // Asks the workflow to cancel (it decides how); idempotent.
  hugo::Result<hugo::Unit> Cancel(std::string reason = {}) const;
  hugo::Result<hugo::Unit> Terminate(std::string reason = {}) const;
  // Resets the run (this handle's, or the current one) to an earlier workflow task: a new run
  // starts from that point (the old one, if still running, is terminated) and its handle is
  // returned. A point that is not a workflow task event is grpc.invalid_argument.
  hugo::Result<UntypedWorkflowHandle> Reset(ResetOptions options) const;
  hugo::Result<temporal::api::workflowservice::v1::DescribeWorkflowExecutionResponse> Describe()
      const;
  // Every event of the run so far (all pages).
  hugo::Result<temporal::api::history::v1::History> FetchHistory() const;

 protected:
  hugo::Result<hugo::Unit> ValidateId() const;
  temporal::api::common::v1::WorkflowExecution Execution() const;

  std::shared_ptr<Connection> connection_;
  ClientOptions options_;
  std::string workflow_id_;
  std::string run_id_;
  std::string first_execution_run_id_;
  std::string workflow_type_;
};

// A workflow execution whose result is an R (nlohmann::json when unknown; hugo::Unit to ignore).
template <class R>
class WorkflowHandle : public UntypedWorkflowHandle {
 public:
  using UntypedWorkflowHandle::UntypedWorkflowHandle;
  explicit WorkflowHandle(UntypedWorkflowHandle untyped)
      : UntypedWorkflowHandle(std::move(untyped)) {}

  hugo::Result<R> GetResult(
      std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) const {
    return GetResultPayloads(timeout).Then([](const Payloads& p) { return FromPayloads1<R>(p); });
  }
  // GetResult without a thread held (GetResultPayloadsAsync).
  void GetResultAsync(std::function<void(hugo::Result<R>)> done,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) const {
    GetResultPayloadsAsync(
        [done = std::move(done)](hugo::Result<Payloads> result) {
          done(result.Then([](const Payloads& p) { return FromPayloads1<R>(p); }));
        },
        timeout);
  }

  template <class... A>
  hugo::Result<hugo::Unit> Signal(std::string signal_name, const A&... args) const {
    auto input = ToPayloads(args...);
    if (input.IsFailure()) return input.Error();
    return SignalPayloads(std::move(signal_name), std::move(input).Value());
  }

  template <class Q, class... A>
  hugo::Result<Q> Query(std::string query_type, const A&... args) const {
    auto input = ToPayloads(args...);
    if (input.IsFailure()) return input.Error();
    return QueryPayloads(std::move(query_type), std::move(input).Value())
        .Then([](const Payloads& p) { return FromPayloads1<Q>(p); });
  }

  template <class U, class... A>
  hugo::Result<U> Update(UpdateOptions options, std::string update_name, const A&... args) const {
    auto input = ToPayloads(args...);
    if (input.IsFailure()) return input.Error();
    return UpdatePayloads(std::move(options), std::move(update_name), std::move(input).Value())
        .Then([](const Payloads& p) { return FromPayloads1<U>(p); });
  }
  template <class U, class... A>
  hugo::Result<U> Update(std::string update_name, const A&... args) const {
    return Update<U>(UpdateOptions{}, std::move(update_name), args...);
  }

  template <class U, class... A>
  hugo::Result<UpdateHandle<U>> StartUpdate(UpdateOptions options, std::string update_name,
                                            const A&... args) const {
    auto input = ToPayloads(args...);
    if (input.IsFailure()) return input.Error();
    auto started =
        StartUpdatePayloads(std::move(options), std::move(update_name), std::move(input).Value());
    if (started.IsFailure()) return started.Error();
    return hugo::Result<UpdateHandle<U>>::Ok(UpdateHandle<U>(std::move(started).Value()));
  }
  template <class U>
  UpdateHandle<U> GetUpdateHandle(std::string update_id) const {
    return UpdateHandle<U>(UntypedWorkflowHandle::GetUpdateHandle(std::move(update_id)));
  }

  // UntypedWorkflowHandle::Reset, the new run's handle typed as this one.
  hugo::Result<WorkflowHandle> Reset(ResetOptions options) const {
    return UntypedWorkflowHandle::Reset(std::move(options)).Map([](UntypedWorkflowHandle handle) {
      return WorkflowHandle(std::move(handle));
    });
  }
};

// An activity named by its workflow and activity id (ActivityOptions::activity_id; by default the
// SDK's sequence number), for completing it asynchronously without its task token. An empty run_id
// means the workflow's current run.
struct ActivityById {
  std::string workflow_id;
  std::string run_id;
  std::string activity_id;
};

// What an update-with-start returns: the workflow (the run the update went to: started by the
// call, or the running one when its id conflict policy is USE_EXISTING) and the update.
struct UntypedUpdateWithStart {
  UntypedWorkflowHandle workflow;
  UntypedUpdateHandle update;
  // True when the call started the workflow (false: it went to a running one).
  bool workflow_started = false;
};

template <class U, class R>
struct UpdateWithStart {
  WorkflowHandle<R> workflow;
  UpdateHandle<U> update;
  bool workflow_started = false;
};

class Client {
 public:
  // Precondition: `connection` is not null.
  explicit Client(std::shared_ptr<Connection> connection, ClientOptions options = {});
  static hugo::Result<Client> Connect(ConnectionOptions connection_options,
                                      ClientOptions options = {});

  const std::shared_ptr<Connection>& connection() const { return connection_; }
  const ClientOptions& options() const { return options_; }

  template <class R = nlohmann::json, class... A>
  hugo::Result<WorkflowHandle<R>> StartWorkflow(std::string workflow_type,
                                                StartWorkflowOptions options,
                                                const A&... args) const {
    auto input = ToPayloads(args...);
    if (input.IsFailure()) return input.Error();
    return StartWorkflowPayloads(std::move(workflow_type), std::move(options),
                                 std::move(input).Value())
        .Map([](UntypedWorkflowHandle handle) { return WorkflowHandle<R>(std::move(handle)); });
  }

  // StartWorkflow without a thread held: the start goes out on gRPC's callback API and `done`
  // gets the handle (or the error) on the gRPC thread that read the answer (it must not block),
  // or on this thread when the start fails before it is sent. With client interceptors (a
  // synchronous chain) the start runs through them on this thread, as StartWorkflow, and `done`
  // runs before this returns.
  template <class R = nlohmann::json, class... A>
  void StartWorkflowAsync(
      std::string workflow_type, StartWorkflowOptions options,
      std::type_identity_t<std::function<void(hugo::Result<WorkflowHandle<R>>)>> done,
      const A&... args) const {
    auto input = ToPayloads(args...);
    if (input.IsFailure()) {
      done(input.Error());
      return;
    }
    StartWorkflowPayloadsAsync(
        std::move(workflow_type), std::move(options), std::move(input).Value(),
        [done = std::move(done)](hugo::Result<UntypedWorkflowHandle> handle) {
          done(std::move(handle).Map(
              [](UntypedWorkflowHandle h) { return WorkflowHandle<R>(std::move(h)); }));
        });
  }

  // StartWorkflow, then GetResult.
  template <class R = nlohmann::json, class... A>
  hugo::Result<R> ExecuteWorkflow(std::string workflow_type, StartWorkflowOptions options,
                                  const A&... args) const {
    return StartWorkflow<R>(std::move(workflow_type), std::move(options), args...)
        .Then([](const WorkflowHandle<R>& handle) { return handle.GetResult(); });
  }

  // Signals the running workflow `options.id`, or starts it with `args` and signals it.
  template <class R = nlohmann::json, class... A>
  hugo::Result<WorkflowHandle<R>> SignalWithStartWorkflow(std::string workflow_type,
                                                          StartWorkflowOptions options,
                                                          std::string signal_name,
                                                          Payloads signal_input,
                                                          const A&... args) const {
    auto input = ToPayloads(args...);
    if (input.IsFailure()) return input.Error();
    return SignalWithStartWorkflowPayloads(std::move(workflow_type), std::move(options),
                                           std::move(signal_name), std::move(signal_input),
                                           std::move(input).Value())
        .Map([](UntypedWorkflowHandle handle) { return WorkflowHandle<R>(std::move(handle)); });
  }

  // Update-with-start (the Go SDK's UpdateWithStartWorkflow): in one request, starts the
  // workflow `options.id` unless it is running, and sends it the update `update_name`; a workflow
  // it starts gets the update in its first workflow task. `options.id_conflict_policy` must be
  // set: USE_EXISTING sends the update to a running workflow, FAIL refuses one (with
  // WorkflowExecutionAlreadyStartedFailure and nothing updated). Returns once the update reached
  // `update_options.wait_for_stage` (accepted, by default, or rejected: the handle then holds the
  // rejection; the workflow it started stays started). A failed operation gives its own error
  // (the start's or the update's), with metadata `temporal.operation` 0 or 1.
  template <class U = nlohmann::json, class R = nlohmann::json, class... A>
  hugo::Result<UpdateWithStart<U, R>> StartUpdateWithStartWorkflow(
      std::string workflow_type, StartWorkflowOptions options, std::string update_name,
      UpdateOptions update_options, Payloads update_args, const A&... args) const {
    auto input = ToPayloads(args...);
    if (input.IsFailure()) return input.Error();
    auto sent = UpdateWithStartWorkflowPayloads(std::move(workflow_type), std::move(options),
                                                std::move(input).Value(), std::move(update_name),
                                                std::move(update_options), std::move(update_args));
    if (sent.IsFailure()) return sent.Error();
    UntypedUpdateWithStart& both = sent.Value();
    return hugo::Result<UpdateWithStart<U, R>>::Ok(
        UpdateWithStart<U, R>{WorkflowHandle<R>(std::move(both.workflow)),
                              UpdateHandle<U>(std::move(both.update)), both.workflow_started});
  }

  // StartUpdateWithStartWorkflow waiting for the update to complete: its result.
  template <class U = nlohmann::json, class... A>
  hugo::Result<U> ExecuteUpdateWithStartWorkflow(std::string workflow_type,
                                                 StartWorkflowOptions options,
                                                 std::string update_name,
                                                 UpdateOptions update_options, Payloads update_args,
                                                 const A&... args) const {
    update_options.wait_for_stage = UpdateStage::kCompleted;
    auto sent = StartUpdateWithStartWorkflow<U, nlohmann::json>(
        std::move(workflow_type), std::move(options), std::move(update_name),
        std::move(update_options), std::move(update_args), args...);
    if (sent.IsFailure()) return sent.Error();
    return sent.Value().update.Get();
  }

  template <class R = nlohmann::json>
  WorkflowHandle<R> GetHandle(std::string workflow_id, std::string run_id = {}) const {
    return WorkflowHandle<R>(connection_, options_, std::move(workflow_id), std::move(run_id));
  }

  void StartWorkflowPayloadsAsync(
      std::string workflow_type, StartWorkflowOptions options, Payloads input,
      std::function<void(hugo::Result<UntypedWorkflowHandle>)> done) const;
  hugo::Result<UntypedWorkflowHandle> StartWorkflowPayloads(std::string workflow_type,
                                                            StartWorkflowOptions options,
                                                            Payloads input) const;
  hugo::Result<UntypedWorkflowHandle> SignalWithStartWorkflowPayloads(std::string workflow_type,
                                                                      StartWorkflowOptions options,
                                                                      std::string signal_name,
                                                                      Payloads signal_input,
                                                                      Payloads input) const;

  hugo::Result<UntypedUpdateWithStart> UpdateWithStartWorkflowPayloads(
      std::string workflow_type, StartWorkflowOptions options, Payloads input,
      std::string update_name, UpdateOptions update_options, Payloads update_args) const;

  // Every execution matching the visibility `query` ("" for all), reading at most `pages_max`
  // pages of `page_size`.
  hugo::Result<std::vector<temporal::api::workflow::v1::WorkflowExecutionInfo>> ListWorkflows(
      std::string query, int32_t page_size = 100, int pages_max = 100) const;
  hugo::Result<int64_t> CountWorkflows(std::string query) const;

  // The pollers the server saw recently on `task_queue` for workflow (or activity) tasks, with
  // their identities and last poll times (the Go SDK's DescribeTaskQueue).
  hugo::Result<temporal::api::workflowservice::v1::DescribeTaskQueueResponse> DescribeTaskQueue(
      std::string task_queue, temporal::api::enums::v1::TaskQueueType type =
                                  temporal::api::enums::v1::TASK_QUEUE_TYPE_WORKFLOW) const;

  // Asynchronous activity completion, by the task token the activity saw.
  template <class T>
  hugo::Result<hugo::Unit> CompleteActivity(std::string task_token, const T& result) const {
    auto payloads = ToPayloads(result);
    if (payloads.IsFailure()) return payloads.Error();
    return CompleteActivityPayloads(std::move(task_token), std::move(payloads).Value());
  }
  hugo::Result<hugo::Unit> CompleteActivityPayloads(std::string task_token, Payloads result) const;
  hugo::Result<hugo::Unit> FailActivity(std::string task_token, const hugo::Error& error,
                                        Payloads last_heartbeat_details = {}) const;
  // Records a heartbeat; true when the activity's cancellation was requested.
  template <class... A>
  hugo::Result<bool> HeartbeatActivity(std::string task_token, const A&... details) const {
    auto payloads = ToPayloads(details...);
    if (payloads.IsFailure()) return payloads.Error();
    return HeartbeatActivityPayloads(std::move(task_token), std::move(payloads).Value());
  }
  hugo::Result<bool> HeartbeatActivityPayloads(std::string task_token, Payloads details) const;
  hugo::Result<hugo::Unit> ReportActivityCanceled(std::string task_token,
                                                  Payloads details = {}) const;

  // The same four by workflow and activity id (the Go SDK's CompleteActivityByID and
  // RecordActivityHeartbeatByID): for a completer that knows the activity, not its token. An
  // activity that is not running (unknown, or already closed) is grpc.not_found.
  template <class T>
  hugo::Result<hugo::Unit> CompleteActivityById(const ActivityById& activity,
                                                const T& result) const {
    auto payloads = ToPayloads(result);
    if (payloads.IsFailure()) return payloads.Error();
    return CompleteActivityByIdPayloads(activity, std::move(payloads).Value());
  }
  hugo::Result<hugo::Unit> CompleteActivityByIdPayloads(const ActivityById& activity,
                                                        Payloads result) const;
  hugo::Result<hugo::Unit> FailActivityById(const ActivityById& activity, const hugo::Error& error,
                                            Payloads last_heartbeat_details = {}) const;
  template <class... A>
  hugo::Result<bool> HeartbeatActivityById(const ActivityById& activity,
                                           const A&... details) const {
    auto payloads = ToPayloads(details...);
    if (payloads.IsFailure()) return payloads.Error();
    return HeartbeatActivityByIdPayloads(activity, std::move(payloads).Value());
  }
  hugo::Result<bool> HeartbeatActivityByIdPayloads(const ActivityById& activity,
                                                   Payloads details) const;
  hugo::Result<hugo::Unit> ReportActivityCanceledById(const ActivityById& activity,
                                                      Payloads details = {}) const;

 private:
  std::shared_ptr<Connection> connection_;
  ClientOptions options_;
};

}  // namespace hdo
