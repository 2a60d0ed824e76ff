// The history service's engine: owns workflow runs (mutable state and event history) and turns
// requests into events, state and outbox tasks, committed in one store transaction before any
// reply.
//
// Every transition loads a run, builds a Mutation (events appended to history, events buffered
// while a workflow task is started, transfer and timer tasks), and commits it; after the commit
// the new transfer tasks go to matching and the new timer tasks into the in-memory timer queue,
// both of which are reloaded from the store when the server starts (transactional outbox).
//
// Files: engine.cc (core: mutation, commit, outbox, timer queue, workflow task scheduling),
// engine_workflow.cc (start, signal, cancel, terminate, describe, run timeouts),
// engine_workflow_task.cc (workflow tasks and commands), engine_activity.cc (activities),
// engine_history.cc (history reads and long polls), engine_query.cc (queries).
//
// Owned by the server. Not thread-safe: every method runs on the engine thread, which also owns
// the store (see docs/architecture/history.md); callbacks are invoked there too.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/metrics.h"
#include "common/uuid.h"
#include "hdo/persistence/v1/execution.pb.h"
#include "history/commands.h"
#include "hugo/result.h"
#include "matching/matcher.h"
#include "matching/nexus_matcher.h"
#include "persistence/execution_store.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"
#include "visibility/search_attributes.h"

namespace hdo::history {

class Engine {
 public:
  // A Nexus endpoint as the engine needs it: a worker target (the handler's namespace and task
  // queue) or an external URL.
  struct NexusTarget {
    std::string endpoint_id;
    std::string endpoint_name;
    std::string namespace_id;  // worker target
    std::string task_queue;
    std::string external_url;  // external target
  };
  // What a run's Nexus handler reports when an asynchronous operation ends (the completion
  // callback the engine gave it).
  struct NexusCompletion {
    std::string token;  // the callback token header's value (opaque outside the engine)
    enum class State { kSucceeded, kFailed, kCanceled };
    State state = State::kSucceeded;
    temporal::api::common::v1::Payload result;    // kSucceeded
    temporal::api::failure::v1::Failure failure;  // kFailed, kCanceled
    std::string operation_token;                  // may be empty
    google::protobuf::Timestamp start_time;       // may be unset
    std::vector<temporal::api::common::v1::Link> links;
  };
  // The reserved Nexus endpoint whose operations this server serves itself (reference:
  // commonnexus.SystemEndpoint): a run schedules them like any other, and the engine runs them
  // in-process instead of sending them to a worker (Options::system_nexus_check / _start).
  static constexpr std::string_view kSystemNexusEndpoint = "__temporal_system";
  // One operation of the system endpoint, as the engine hands it over.
  struct SystemNexusCall {
    std::string namespace_id;
    std::string namespace_name;
    std::string service;
    std::string operation;
    std::string request_id;  // the operation's (empty when only checked)
    temporal::api::common::v1::Payload input;
    std::vector<temporal::api::common::v1::Link> links;  // to the caller's scheduled event
  };
  // What a system operation came to: completed with a result (and the links of what it did),
  // failed for good, or failed for this attempt only (retried with the operations' backoff).
  struct SystemNexusAnswer {
    enum class Kind { kCompleted, kFailed, kRetry };
    Kind kind = Kind::kRetry;
    temporal::api::common::v1::Payload result;
    std::vector<temporal::api::common::v1::Link> links;
    temporal::api::failure::v1::Failure failure;  // kFailed, kRetry
  };
  // What a namespace's runs may set as search attributes, and its name (for messages).
  struct SearchAttributeScope {
    std::shared_ptr<const visibility::SearchAttributeSet> set;
    std::string namespace_name;
  };
  // A run a schedule started closed and its chain ended (Options::on_scheduled_run_closed).
  struct ScheduledRunClosed {
    std::string namespace_id;
    std::string schedule_id;
    std::string workflow_id;
    std::string run_id;  // the chain's last run
    temporal::api::enums::v1::WorkflowExecutionStatus status =
        temporal::api::enums::v1::WORKFLOW_EXECUTION_STATUS_UNSPECIFIED;
    temporal::api::history::v1::HistoryEvent close_event;
  };
  struct Options {
    std::chrono::seconds default_workflow_task_timeout = std::chrono::seconds(10);
    std::chrono::seconds max_workflow_task_timeout = std::chrono::seconds(120);
    // How long a history long poll waits before answering "nothing yet, ask again".
    std::chrono::milliseconds history_long_poll = std::chrono::seconds(20);
    int history_page_size_default = 256;
    // Runs whose mutable state is kept decoded in memory (least recently used evicted first).
    size_t mutable_state_cache_max = 10000;
    // Closed runs the cache evicted that are still remembered as closed (oldest forgotten
    // first), so that the timeouts of their finished tasks, due seconds after the run ended, are
    // dropped without loading the run back.
    size_t closed_runs_remembered = 100000;
    // The search attributes a namespace's runs may set (system, predefined and its custom ones);
    // unset: the system and predefined ones only.
    std::function<hugo::Result<SearchAttributeScope>(const std::string& namespace_id)>
        search_attributes;
    // Namespace names and ids (children and external signals name their target's namespace by
    // name; events carry both). Unset: a name is its own id.
    std::function<hugo::Result<std::string>(const std::string& name)> namespace_id_of;
    std::function<std::string(const std::string& namespace_id)> namespace_name_of;
    // How long a namespace keeps closed runs (a chain's reset points into a closed run expire
    // with it). Unset: 24 hours.
    std::function<std::chrono::milliseconds(const std::string& namespace_id)> retention;
    // A chain's next run (continue-as-new, retry, cron) starts no sooner than this after the
    // previous one did (reference: history.workflowIdReuseMinimalInterval).
    std::chrono::milliseconds workflow_id_reuse_minimal_interval = std::chrono::seconds(1);
    // Pending work per run (reference: limit.numPending*.error): a command beyond one fails the
    // workflow task with the matching PENDING_*_LIMIT_EXCEEDED cause.
    int pending_activities_max = 2000;
    int pending_children_max = 2000;
    int pending_signals_max = 2000;
    int pending_cancel_requests_max = 2000;
    // A payload a command carries (reference: limit.blobSize.error): larger ones terminate the
    // run. History limits (limit.historyCount/historySize .error and .suggestContinueAsNew): a
    // run past the error limits is terminated; past the suggestion, WorkflowTaskStarted
    // suggests continue-as-new.
    size_t blob_size_max = size_t{2} * 1024 * 1024;
    int64_t history_count_max = 50 * 1024;
    int64_t history_size_max = int64_t{50} * 1024 * 1024;
    int64_t history_count_suggest_continue_as_new = 4 * 1024;
    int64_t history_size_suggest_continue_as_new = int64_t{4} * 1024 * 1024;
    // --- updates (engine_update.cc); the reference's defaults (history.maxInFlightUpdates,
    // history.maxTotalUpdates; 0 disables a limit), its long-poll interval, and its speculative
    // workflow task schedule-to-start timeout.
    int max_in_flight_updates = 10;
    int max_total_updates = 2000;
    std::chrono::milliseconds update_wait = std::chrono::seconds(20);
    std::chrono::milliseconds speculative_schedule_to_start = std::chrono::seconds(5);
    // Eager activity execution (reference: system.enableActivityEagerExecution): an activity
    // whose ScheduleActivityTask command asks for it is started in the completing workflow
    // task's own write and handed back in the completion's reply, without matching.
    bool activity_eager_execution = true;
    // Deferred visibility: a transition's visibility row is written this long after its commit,
    // in one transaction with the other runs' rows that came due, so that the transitions of a
    // run within the window (most often its start and its close) write the row once. The
    // transition's own transaction holds a KIND_VISIBILITY transfer task instead (recovered at
    // startup), and every visibility read first writes what is pending (FlushVisibility), so
    // lists and counts still read what was acknowledged. Zero: the row is written in the
    // transition's own transaction.
    std::chrono::milliseconds visibility_delay{0};
    // Deferred visibility: rows pending that make the engine write them at once.
    size_t visibility_pending_max = 4096;
    // Deferred visibility: rows one timed write takes at most. The rows that came due are
    // written in writes of this many, the requests queued meanwhile handled between them, so
    // that no request waits for a few hundred rows at once (docs/performance.md, session 36).
    size_t visibility_write_rows = 64;
    // Workflow tasks carry their events as the store holds them: the cached batches' bytes are
    // copied into the reply as its serialized `history` field (an unknown field of the typed
    // response, which a worker parses like any other), so no event is copied, serialized or
    // destroyed per reply (ADR 0026). Such a response's history() is empty in process:
    // ParseWireHistory reads it. Off, replies carry typed events (the engine's own tests).
    bool wire_history = false;
    // Called on the engine thread after the commit of a transition that ends the chain of a run a
    // schedule started (search attribute TemporalScheduledById): the scheduler hears of it
    // (worker/scheduler.h). Unset: nobody listens.
    std::function<void(const ScheduledRunClosed&)> on_scheduled_run_closed;
    // --- Nexus (engine_nexus.cc)
    // Where start and cancel requests go for a worker target (null: no Nexus; every attempt
    // fails as unavailable).
    matching::NexusMatcher* nexus = nullptr;
    // The endpoint a ScheduleNexusOperation command names, by name (at scheduling) and by id (at
    // each attempt): kNotFound when no endpoint has it. Unset: no endpoint exists.
    std::function<hugo::Result<NexusTarget>(const std::string& endpoint_name)> nexus_endpoint;
    std::function<hugo::Result<NexusTarget>(const std::string& endpoint_id)> nexus_endpoint_by_id;
    // The system endpoint's operations (kSystemNexusEndpoint). `system_nexus_check` judges a
    // ScheduleNexusOperation command's service, operation and input when the command comes (an
    // error rejects the command with its message); `system_nexus_start` runs an operation on the
    // engine thread. Unset: the endpoint is not found, as any unknown one.
    std::function<hugo::Result<hugo::Unit>(const SystemNexusCall&)> system_nexus_check;
    std::function<SystemNexusAnswer(const SystemNexusCall&)> system_nexus_start;
    // Where handlers send the completion of an asynchronous operation a run of the namespace
    // (by name) started: the Nexus HTTP listener's callback route. A callback to this URL is
    // delivered in-process.
    std::function<std::string(const std::string& namespace_name)> nexus_callback_url;
    // How long one attempt to start or cancel an operation waits for the handler (reference:
    // component.nexusoperations.request.timeout), and the backoff between attempts (reference:
    // its retry policy: 1 s doubling up to 1 h, until the operation's schedule-to-close timeout).
    std::chrono::milliseconds nexus_request_timeout = std::chrono::seconds(10);
    std::chrono::milliseconds nexus_retry_initial = std::chrono::seconds(1);
    std::chrono::milliseconds nexus_retry_max = std::chrono::hours(1);
    // Whether a Nexus request to a worker announces Temporal failure responses (reference:
    // nexusoperation.useNewFailureWireFormat, on by default): the worker then answers failures
    // as Temporal failures with their own messages, which become the operation's failures as
    // they are.
    bool nexus_temporal_failure_responses = true;
    // Pending Nexus operations per run (reference:
    // component.nexusoperations.limit.operation.pending).
    int pending_nexus_operations_max = 30;
    // Completion callbacks a run may carry (reference: component.callbacks.maxPerExecution).
    int callbacks_max = 32;
    // Worker versioning (engine_versioning.cc): the version ("<deployment>.<build id>") whose
    // workers get a task of (namespace id, task queue, workflow or activity kind) for the run
    // `workflow_id`, pinned to `pinned` ("": follows the routing), `use_ramping`: the ramping
    // version whatever its percentage. "" for unversioned workers. Unset: no worker deployments.
    std::function<std::string(const std::string& namespace_id, const std::string& task_queue,
                              bool workflow, std::string_view workflow_id,
                              const std::string& pinned, bool use_ramping)>
        route;
    // True when the version ("<deployment>.<build id>") registered the task queue (a run's
    // pinned version carried to a child or continue-as-new on another queue).
    std::function<bool(const std::string& namespace_id, const std::string& version,
                       const std::string& task_queue)>
        version_has_queue;
    // Build-id versioning (worker versioning v0.1/v0.2): whether the queue has version sets or
    // rules, so that a new run's first task goes through its assignment, never eagerly or
    // sticky; and whether a build id's workers still take its runs' tasks (it is its set's
    // default and no redirect rule leads away from it), else a run's sticky worker of that build
    // id is passed over. Unset: no queue has.
    std::function<bool(const std::string& namespace_id, const std::string& task_queue)>
        build_id_versioned;
    std::function<bool(const std::string& namespace_id, const std::string& task_queue,
                       const std::string& build_id)>
        build_id_current;
  };
  using Now = std::function<google::protobuf::Timestamp()>;
  template <class Response>
  using Done = std::function<void(hugo::Result<Response>)>;
  using HistoryDone = Done<temporal::api::workflowservice::v1::GetWorkflowExecutionHistoryResponse>;

  Engine(persistence::ExecutionStore* store, matching::Matcher* matcher,
         asio::any_io_executor executor, Options options, Now now);
  ~Engine();

  // Hands every stored, undelivered transfer task to matching and loads the timer queue (call
  // once at startup). Returns the number of tasks recovered.
  hugo::Result<int> Recover();

  // Answers every parked history long poll and query now (server shutdown) and stops timers.
  void ReleaseWaiters();

  // Deferred visibility (Options::visibility_delay): writes every pending visibility row now,
  // with the deletion of their KIND_VISIBILITY tasks. Call before reading visibility. A failed
  // write keeps the rows pending (written again by the next call or the timer).
  hugo::Result<hugo::Unit> FlushVisibility();
  // Visibility rows waiting for their deferred write.
  size_t VisibilityPending() const { return pending_visibility_.size(); }

  // After a lost group commit (persistence/group_commit.h) the in-memory state is ahead of
  // the store: forgets the cached runs, the timer queue and matching's queued tasks, and recovers
  // them from the store as at startup. Parked polls and waiters stay.
  hugo::Result<int> ReloadFromStore();

  // Fires the timer tasks due by the engine's clock now. The armed Asio timer calls it on its
  // own; with a clock that is not the wall clock (tests, simulation) the caller drives time.
  void FireDueTimers();
  // How late the most overdue timer task is (due by the engine's clock, not fired yet), in ms; 0
  // when none is due. Timers fire on the engine thread, so a lag means that thread is behind
  // (readiness probe).
  int64_t TimerQueueLagMs();

  // --- workflows (engine_workflow.cc); `namespace_id` is resolved, the request validated.
  // `admit_update`: update-with-start; the update is admitted on the new run before its first
  // workflow task can reach a worker, so that task carries it (as the reference's).
  hugo::Result<temporal::api::workflowservice::v1::StartWorkflowExecutionResponse> StartWorkflow(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::StartWorkflowExecutionRequest& request,
      const temporal::api::update::v1::Request* admit_update = nullptr);
  hugo::Result<temporal::api::workflowservice::v1::SignalWithStartWorkflowExecutionResponse>
  SignalWithStart(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::SignalWithStartWorkflowExecutionRequest& request);
  // A signal that arrives while the first workflow task waits for its backoff (start delay,
  // cron, retry) is seen when the backoff ends; `ends_backoff` (a signal-with-start that found
  // the run) schedules the task at once instead, as the reference does.
  hugo::Result<temporal::api::workflowservice::v1::SignalWorkflowExecutionResponse> Signal(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::SignalWorkflowExecutionRequest& request,
      bool ends_backoff = false);
  hugo::Result<temporal::api::workflowservice::v1::RequestCancelWorkflowExecutionResponse>
  RequestCancel(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::RequestCancelWorkflowExecutionRequest& request);
  // Terminates a running run: a started workflow task is failed (FORCE_CLOSE_COMMAND) first, then
  // WorkflowExecutionTerminated closes the run. NotFound when the run is closed or, with
  // first_execution_run_id, belongs to another chain.
  hugo::Result<temporal::api::workflowservice::v1::TerminateWorkflowExecutionResponse> Terminate(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::TerminateWorkflowExecutionRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::DescribeWorkflowExecutionResponse> Describe(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::DescribeWorkflowExecutionRequest& request);
  // The visibility row of a run's state (its search attributes with the versioning ones).
  static persistence::VisibilityRecord VisibilityOf(const persistence::v1::MutableState& state);
  // UpdateWorkflowExecutionOptions: the run's versioning override (and priority) set or unset,
  // with a WorkflowExecutionOptionsUpdated event when anything changed.
  hugo::Result<temporal::api::workflowservice::v1::UpdateWorkflowExecutionOptionsResponse>
  UpdateWorkflowExecutionOptions(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::UpdateWorkflowExecutionOptionsRequest& request);
  // The reference's checks of a versioning override (start, signal-with-start, options update)
  // and its stored form (the oneof; deprecated fields converted).
  static hugo::Result<temporal::api::workflow::v1::VersioningOverride> NormalizeVersioningOverride(
      const temporal::api::workflow::v1::VersioningOverride& override_);
  // A reply built with Options::wire_history (a workflow task, or a response holding one), its
  // events parsed into the typed field as a worker reads them.
  static void ParseWireHistory(google::protobuf::Message& reply);
  // Outgoing search attributes get their registered type where they carry none (see the private
  // overload for histories); the scheduler's Describe uses it for schedules' attributes.
  void TypeSearchAttributes(const std::string& namespace_id,
                            temporal::api::common::v1::SearchAttributes& attributes);
  hugo::Result<temporal::api::workflowservice::v1::ResetStickyTaskQueueResponse> ResetSticky(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::ResetStickyTaskQueueRequest& request);

  // --- reset and delete (engine_reset.cc)
  // A new run from the events of the base run before workflow_task_finish_event_id, its workflow
  // task failed (RESET_WORKFLOW) and the base run's later signals re-applied; a running current
  // run is terminated in the same transaction. A retried request (same request id) answers the
  // run it created.
  hugo::Result<temporal::api::workflowservice::v1::ResetWorkflowExecutionResponse> Reset(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::ResetWorkflowExecutionRequest& request);
  // Terminates the run if it is running, then removes its state, history, outbox rows, listing
  // row and (when it is the current run) the current-run pointer.
  hugo::Result<temporal::api::workflowservice::v1::DeleteWorkflowExecutionResponse> Delete(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::DeleteWorkflowExecutionRequest& request);
  // Retention (worker/retention.h): removes a closed run, workflow or standalone activity, as the
  // reference's DeleteHistoryEventTask does: its state, history, listing row and (when it is the
  // current run) the current-run pointer. Its outbox rows are not looked for (a user's Delete
  // scans the outbox); any left are dropped when they come due and find the run gone. false,
  // changing nothing, when the run is running or in a transition, or already gone.
  hugo::Result<bool> DeleteClosedRun(const persistence::RunKey& key);
  // The state of the stored run `key` rebuilt from its events 1..last_event_id for the run
  // `run_id` (rebuild.h), with the engine's visibility copies and the size of the history read.
  hugo::Result<persistence::v1::MutableState> RebuildRun(const persistence::RunKey& key,
                                                         int64_t last_event_id,
                                                         const std::string& run_id,
                                                         const std::string& create_request_id);
  // --- end of reset and delete

  // --- workflow tasks (engine_workflow_task.cc)
  // Matching's hand-off: records the task started and builds the poll response with history
  // (a query task's response carries the query instead).
  hugo::Result<temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse>
  RecordWorkflowTaskStarted(const matching::Task& task, const matching::Poller& poller);
  hugo::Result<temporal::api::workflowservice::v1::RespondWorkflowTaskCompletedResponse>
  CompleteWorkflowTask(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::RespondWorkflowTaskCompletedRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::RespondWorkflowTaskFailedResponse>
  FailWorkflowTask(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::RespondWorkflowTaskFailedRequest& request);

  // --- activities (engine_activity.cc)
  hugo::Result<temporal::api::workflowservice::v1::PollActivityTaskQueueResponse>
  RecordActivityTaskStarted(const matching::Task& task, const matching::Poller& poller);
  // The outcome an activity worker reports, by token or by id (`request` is any of the six
  // Respond* requests; see engine_activity.cc).
  struct ActivityRef {
    std::string namespace_id;
    std::string task_token;  // empty for the ById forms
    std::string workflow_id;
    std::string run_id;
    std::string activity_id;
    std::string identity;
  };
  hugo::Result<hugo::Unit> CompleteActivity(const ActivityRef& ref,
                                            const temporal::api::common::v1::Payloads& result);
  hugo::Result<hugo::Unit> FailActivity(const ActivityRef& ref,
                                        const temporal::api::failure::v1::Failure& failure,
                                        const temporal::api::common::v1::Payloads* details);
  hugo::Result<hugo::Unit> CancelActivity(const ActivityRef& ref,
                                          const temporal::api::common::v1::Payloads& details);
  // What a heartbeat's answer tells the worker (RecordActivityTaskHeartbeatResponse).
  struct HeartbeatAnswer {
    bool cancel_requested = false;
    bool activity_paused = false;
    bool activity_reset = false;
  };
  hugo::Result<HeartbeatAnswer> HeartbeatActivity(
      const ActivityRef& ref, const temporal::api::common::v1::Payloads& details);

  // --- the activity operator calls (engine_activity_ops.cc): PauseActivity, UnpauseActivity,
  // ResetActivity, UpdateActivityOptions, on the activities a request names by id or type (or
  // all). No event is written; a running attempt is never cut off. The request is validated
  // (workflow id, activity) by the frontend.
  hugo::Result<temporal::api::workflowservice::v1::PauseActivityResponse> PauseActivity(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::PauseActivityRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::UnpauseActivityResponse> UnpauseActivity(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::UnpauseActivityRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::ResetActivityResponse> ResetActivity(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::ResetActivityRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::UpdateActivityOptionsResponse>
  UpdateActivityOptions(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::UpdateActivityOptionsRequest& request);

  // --- history (engine_history.cc)
  // GetWorkflowExecutionHistoryReverse: the run's events newest first, a page at a time (the
  // request's maximum_page_size, else the default page size); the token names the next page's
  // newest event. No long poll.
  hugo::Result<temporal::api::workflowservice::v1::GetWorkflowExecutionHistoryReverseResponse>
  GetHistoryReverse(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::GetWorkflowExecutionHistoryReverseRequest& request);
  // Answers at once, or (wait_new_event on a run that has nothing new yet) when the run changes
  // or the long poll ends. `done` is called exactly once. Returns the wait's id for
  // CancelHistoryWait (0 when answered at once).
  uint64_t GetHistory(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::GetWorkflowExecutionHistoryRequest& request,
      HistoryDone done);
  // The client of a waiting history poll went away: its wait ends now (answered to
  // nobody, as DeadlineExceeded) instead of at the end of the long poll. Unknown or finished ids
  // are ignored.
  void CancelHistoryWait(uint64_t wait_id);
  // History polls waiting now (for tests and metrics).
  size_t HistoryWaits() const { return history_waits_.size(); }
  // /metrics' hdo_history_result_polls_waiting: HistoryWaits() summed over the process's engines.
  static metrics::Gauge& ResultPollsWaiting();

  // --- Nexus (engine_nexus.cc)
  // A completion of an operation a run scheduled, from its callback: written as the operation's
  // outcome (NexusOperationStarted first when the start's answer has not been recorded yet).
  // kInvalidArgument for a token that is not the engine's; kNotFound when the run is closed or
  // the operation is no longer pending.
  hugo::Result<hugo::Unit> CompleteNexusOperation(const NexusCompletion& completion);

  // --- queries (engine_query.cc)
  // Dispatches a query task to the workflow's worker and answers when the worker does; returns a
  // query id for CancelQuery (0 when answered at once). `done` is called at most once.
  // `wait` is how long the client waits (its deadline): the query then ends DeadlineExceeded.
  uint64_t Query(const std::string& namespace_id, const std::string& namespace_name,
                 const temporal::api::workflowservice::v1::QueryWorkflowRequest& request,
                 std::chrono::milliseconds wait,
                 Done<temporal::api::workflowservice::v1::QueryWorkflowResponse> done);
  // The client went away or its deadline passed: the query is dropped and answered
  // DeadlineExceeded if it is still pending.
  void CancelQuery(uint64_t query_id);
  hugo::Result<temporal::api::workflowservice::v1::RespondQueryTaskCompletedResponse> CompleteQuery(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::RespondQueryTaskCompletedRequest& request);

  // --- standalone activities (engine_standalone_activity.cc): an activity a client starts on
  // its own (StartActivityExecution) is a run of its own id space (workflow id
  // StandaloneActivityKey(activity id), MutableState.standalone_activity set) holding one
  // ActivityInfo; the activity paths above serve its worker, and where a workflow activity would
  // write its outcome into history the run closes with it instead. Requests are validated and
  // normalized (timeouts, retry policy, id policies, request id) by the frontend.
  static std::string StandaloneActivityKey(const std::string& activity_id);
  hugo::Result<temporal::api::workflowservice::v1::StartActivityExecutionResponse>
  StartActivityExecution(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::StartActivityExecutionRequest& request);
  // Answers at once, or (a long-poll token the activity has not moved past) when it changes or
  // after `wait` with an empty response. Returns an id for CancelActivityWait (0: answered).
  uint64_t DescribeActivityExecution(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::DescribeActivityExecutionRequest& request,
      std::chrono::milliseconds wait,
      Done<temporal::api::workflowservice::v1::DescribeActivityExecutionResponse> done);
  // Answers when the activity is closed (its outcome), or after `wait` with an empty response.
  uint64_t PollActivityExecution(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::PollActivityExecutionRequest& request,
      std::chrono::milliseconds wait,
      Done<temporal::api::workflowservice::v1::PollActivityExecutionResponse> done);
  void CancelActivityWait(uint64_t wait_id);
  hugo::Result<temporal::api::workflowservice::v1::RequestCancelActivityExecutionResponse>
  RequestCancelActivityExecution(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::RequestCancelActivityExecutionRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::TerminateActivityExecutionResponse>
  TerminateActivityExecution(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::TerminateActivityExecutionRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::DeleteActivityExecutionResponse>
  DeleteActivityExecution(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::DeleteActivityExecutionRequest& request);

  // --- standalone Nexus operations (engine_standalone_nexus.cc): an operation a client starts
  // on its own (StartNexusOperationExecution) is a run of its own id space (workflow id
  // StandaloneNexusKey(operation id), MutableState.standalone_nexus_operation set) holding one
  // NexusOperationInfo (nexus_operations[1]); the caller-side paths of engine_nexus.cc send its
  // requests, retry, time out and take its completion, and where a workflow's operation would
  // write an event the run records the change, or closes with the outcome. Requests are
  // validated and normalized (request id, policies, header keys) by the frontend.
  static std::string StandaloneNexusKey(const std::string& operation_id);
  hugo::Result<temporal::api::workflowservice::v1::StartNexusOperationExecutionResponse>
  StartNexusOperationExecution(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::StartNexusOperationExecutionRequest& request);
  // Answers at once, or (a long-poll token the operation has not moved past) when it changes or
  // after `wait` with an empty response. Returns an id for CancelActivityWait (0: answered).
  uint64_t DescribeNexusOperationExecution(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::DescribeNexusOperationExecutionRequest& request,
      std::chrono::milliseconds wait,
      Done<temporal::api::workflowservice::v1::DescribeNexusOperationExecutionResponse> done);
  // Answers when the operation reached the request's wait stage (started, or closed with its
  // outcome), or after `wait` with an empty response.
  uint64_t PollNexusOperationExecution(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::PollNexusOperationExecutionRequest& request,
      std::chrono::milliseconds wait,
      Done<temporal::api::workflowservice::v1::PollNexusOperationExecutionResponse> done);
  hugo::Result<temporal::api::workflowservice::v1::RequestCancelNexusOperationExecutionResponse>
  RequestCancelNexusOperationExecution(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::RequestCancelNexusOperationExecutionRequest&
          request);
  hugo::Result<temporal::api::workflowservice::v1::TerminateNexusOperationExecutionResponse>
  TerminateNexusOperationExecution(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::TerminateNexusOperationExecutionRequest& request);
  hugo::Result<temporal::api::workflowservice::v1::DeleteNexusOperationExecutionResponse>
  DeleteNexusOperationExecution(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::DeleteNexusOperationExecutionRequest& request);

  // --- updates (engine_update.cc)
  // Where an update stands: the stage reached and, once completed (or rejected), its outcome.
  struct UpdateStatus {
    std::string run_id;
    temporal::api::enums::v1::UpdateWorkflowExecutionLifecycleStage stage =
        temporal::api::enums::v1::UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_UNSPECIFIED;
    std::optional<temporal::api::update::v1::Outcome> outcome;
  };
  using UpdateDone = std::function<void(hugo::Result<UpdateStatus>)>;
  // Admits the update (or finds it by update id on the run) and answers when it reached the
  // request's wait stage, or after at most `wait` (capped by Options::update_wait) with the stage
  // reached and no outcome. Returns an id for CancelUpdateWait (0 when answered at once); `done`
  // is called exactly once. The request is validated (wait stage defaulted) by the frontend.
  uint64_t UpdateWorkflow(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::UpdateWorkflowExecutionRequest& request,
      std::chrono::milliseconds wait, UpdateDone done);
  // Waits for an update the run knows (NotFound otherwise) to reach `wait_policy`'s stage.
  uint64_t PollUpdate(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::PollWorkflowExecutionUpdateRequest& request,
      std::chrono::milliseconds wait, UpdateDone done);
  // Update-with-start: the start (or the running run, by the reference's rules) and the update.
  // On failure, each operation's error; an operation without one was aborted (or, the start,
  // succeeded when start_succeeded).
  struct MultiOperationErrors {
    std::optional<hugo::Error> start;
    std::optional<hugo::Error> update;
    bool start_succeeded = false;
  };
  using MultiOperationDone = std::function<void(
      hugo::Result<temporal::api::workflowservice::v1::ExecuteMultiOperationResponse>,
      const MultiOperationErrors&)>;
  uint64_t UpdateWithStart(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::StartWorkflowExecutionRequest& start,
      const temporal::api::workflowservice::v1::UpdateWorkflowExecutionRequest& update,
      std::chrono::milliseconds wait, MultiOperationDone done);
  // The client went away: its waiter is answered DeadlineExceeded and dropped.
  void CancelUpdateWait(uint64_t waiter_id);

 private:
  struct LoadedRun {
    persistence::RunRecord record;
    persistence::v1::MutableState state;
  };
  struct PendingTimer {
    persistence::v1::TimerTask task;
    int64_t fire_time_ms = 0;
  };
  // One transition of one run: everything it writes, committed together.
  struct Mutation {
    Mutation() = default;
    explicit Mutation(std::shared_ptr<LoadedRun> begun) : owned(std::move(begun)) {}
    Mutation(Mutation&&) = default;
    Mutation(const Mutation&) = delete;
    Mutation& operator=(const Mutation&) = delete;
    Mutation& operator=(Mutation&&) = delete;
    // The run the transition changes in place. Begin hands over the cache's own object when
    // nothing else holds it (the cache entry is left empty until the commit puts it back, so a
    // transition that is given up leaves nothing half-changed behind), and the commit gives the
    // object to the cache without a copy; it stays at one address, so references into it taken
    // before the commit stay valid after it. Nothing may change it after a successful commit.
    std::shared_ptr<LoadedRun> owned = std::make_shared<LoadedRun>();
    LoadedRun& run = *owned;
    temporal::api::history::v1::History events;  // appended to history, numbered
    std::vector<persistence::v1::TransferTask> transfer;
    std::vector<PendingTimer> timers;
    std::vector<int64_t> done_transfer;
    std::vector<int64_t> done_timer;
    persistence::RunWrite write;  // current-run mode and create request id of a new run
    // Something a list shows besides the counters changed (attributes, memo): the visibility
    // row is rewritten whole, not only its counters. Status changes and new runs are detected.
    bool visibility_changed = false;
    // Other runs changed by the same transition (the next run of a chain, a child started, the
    // target of a signal): committed in the same transaction.
    std::vector<Mutation> also;
    // --- updates (engine_update.cc)
    // Changes only the speculative workflow task: kept in memory (cache, matching, in-memory
    // timers), nothing is written unless events were appended.
    bool in_memory = false;
    // Run after a successful commit, in order (update waiters, in-memory registry).
    std::vector<std::function<void()>> after_commit;
    // Protocol messages of the completion already processed (by PROTOCOL_MESSAGE commands).
    std::vector<std::string> processed_messages;
  };
  // A run to create: the start request (or what a chain carries over) and its place in a chain
  // or tree of runs.
  struct NewRun {
    std::string namespace_id;
    temporal::api::workflowservice::v1::StartWorkflowExecutionRequest request;
    persistence::RunWrite write;
    std::string run_id;  // empty: a new id
    // Continue-as-new, retry and cron: the run this one follows and the chain's first run.
    std::string continued_execution_run_id;
    std::string first_execution_run_id;
    temporal::api::enums::v1::ContinueAsNewInitiator initiator =
        temporal::api::enums::v1::CONTINUE_AS_NEW_INITIATOR_UNSPECIFIED;
    int32_t attempt = 1;
    // The first workflow task waits this long (retry or cron backoff, start delay); written
    // into the Started event when present (a continue-as-new without one writes none).
    google::protobuf::Duration backoff;
    bool backoff_present = true;
    const temporal::api::common::v1::Payloads* last_completion_result = nullptr;
    const temporal::api::failure::v1::Failure* continued_failure = nullptr;
    // The chain's execution deadline, carried from run to run (unset: from the timeout).
    google::protobuf::Timestamp execution_expiration_time;
    const persistence::v1::ParentInfo* parent = nullptr;
    std::string root_workflow_id;
    std::string root_run_id;
    // Nexus: the completion callbacks a continuing chain carries (null: the request's).
    const google::protobuf::RepeatedPtrField<persistence::v1::CallbackInfo>* callbacks = nullptr;
    // The signal of a signal-with-start.
    const temporal::api::workflowservice::v1::SignalWithStartWorkflowExecutionRequest* signal =
        nullptr;
    // Worker versioning: a pinned version carried from the parent or the continued run (its
    // workflow tasks go to that version), and a continue-as-new's first task that goes to the
    // ramping version.
    std::optional<temporal::api::deployment::v1::WorkerDeploymentVersion> inherited_pinned_version;
    bool use_ramping_version = false;
    // Build-id versioning: the parent's or continued run's build id, carried when the command
    // asked for it (inherit_build_id) on the same task queue; the new run's tasks go there.
    std::string inherited_build_id;
    // The reset points of the run this one follows in its chain (null: none), carried on with
    // the ones of runs already removed by retention dropped.
    const temporal::api::workflow::v1::ResetPoints* prev_auto_reset_points = nullptr;
  };
  struct HistoryWaiter {
    temporal::api::workflowservice::v1::GetWorkflowExecutionHistoryRequest request;
    std::string namespace_id;
    HistoryDone done;
    std::unique_ptr<asio::steady_timer> timer;
    uint64_t id = 0;
    std::string run_id;  // its key in waiters_
  };
  struct PendingQuery {
    std::string namespace_id;
    std::string namespace_name;
    std::string workflow_id;
    std::string run_id;
    temporal::api::query::v1::WorkflowQuery query;
    Done<temporal::api::workflowservice::v1::QueryWorkflowResponse> done;
    std::unique_ptr<asio::steady_timer> deadline;
    // Sent to the sticky worker: if it does not take it in time, the normal queue gets it.
    std::unique_ptr<asio::steady_timer> sticky_fallback;
    std::string normal_queue;
    std::string pinned_version;      // the run's, when pinned (worker versioning)
    std::string build_id_directive;  // the run's (build-id versioning)
    bool delivered = false;
    // Waiting for (or delivered with) a workflow task of the run instead of a query task.
    bool buffered = false;
    int64_t delivered_started_event_id = 0;
    int32_t delivered_attempt = 0;
  };

  // --- core (engine.cc)
  // From the mutable-state cache, else from the store (then cached).
  hugo::Result<LoadedRun> LoadRun(const persistence::RunKey& key);
  // The store's run, decoded (not cached).
  hugo::Result<std::shared_ptr<LoadedRun>> LoadStoredRun(const persistence::RunKey& key);
  // The run for reading, without the copy LoadRun makes: the cache's entry (loaded into the
  // cache when it is not there). Valid until the cache next changes (a transition, a load, an
  // eviction): read what is needed, then answer.
  hugo::Result<const LoadedRun*> PeekRun(const persistence::RunKey& key);
  // Puts the object itself in the cache (shared, not copied).
  void CacheRun(std::shared_ptr<LoadedRun> run);
  // After a commit: the run as committed, with the events the commit appended and their bytes
  // as written.
  void CacheCommitted(const std::shared_ptr<LoadedRun>& run,
                      const temporal::api::history::v1::History& events, std::string data);
  void EvictRun(const persistence::RunKey& key);
  // Events first..last of a run, from the cached tail when it holds them, else from the store.
  hugo::Result<temporal::api::history::v1::History> EventsOf(const persistence::RunKey& key,
                                                             int64_t first_event_id,
                                                             int64_t last_event_id);
  // The same events serialized as a History and appended to `out`, their search attributes
  // typed: the cached batches' bytes where a batch lies inside the range and needs no typing.
  hugo::Result<hugo::Unit> AppendWireEvents(const persistence::RunKey& key, int64_t first_event_id,
                                            int64_t last_event_id, std::string& out);
  hugo::Result<Mutation> Begin(const persistence::RunKey& key);
  // Begin on the run an execution names (its current run when the run id is empty).
  hugo::Result<Mutation> BeginExecution(
      const std::string& namespace_id,
      const temporal::api::common::v1::WorkflowExecution& execution);
  hugo::Result<std::string> ResolveRunId(const std::string& namespace_id,
                                         const std::string& workflow_id, const std::string& run_id);
  // Commits the mutation's state, events and outbox changes, then dispatches new tasks and wakes
  // history waiters.
  hugo::Result<hugo::Unit> Commit(Mutation& mutation);
  // A task of a committing transaction started on a poll parked for it (Commit's sync match).
  struct StartedOnPoll {
    Mutation* m = nullptr;
    int64_t activity_scheduled_event_id = 0;  // 0: the run's workflow task
    matching::Matcher::ClaimedPoll poll;
  };
  // Before a transaction is built: each workflow or activity task it would queue that a poller
  // already waits for is started in the same transaction instead (its transfer task and
  // schedule-to-start timeout dropped), saving the second write the poll hand-off makes.
  std::vector<StartedOnPoll> StartOnParkedPolls(const std::vector<Mutation*>& mutations);
  // After the write: answers each poll with its task (`written`), or empty.
  void AnswerParkedPolls(std::vector<StartedOnPoll>& started, bool written);
  // A task started as soon as it is scheduled is never late to start: drops its
  // schedule-to-start timeout from the mutation.
  static void DropScheduleToStart(Mutation& m, persistence::v1::TimerTask::Kind kind,
                                  int64_t scheduled_event_id, int32_t attempt);
  // Deletes stale outbox rows on their own.
  void DropTasks(std::vector<int64_t> transfer_ids, std::vector<int64_t> timer_ids);
  void Dispatch(const persistence::v1::TransferTask& task, int64_t task_id);
  // Appends a numbered event to history.
  temporal::api::history::v1::HistoryEvent* Append(Mutation& m,
                                                   temporal::api::enums::v1::EventType type);
  // An event from outside the workflow task (signal, activity or timer outcome, cancel request):
  // buffered while a workflow task is started, appended otherwise.
  temporal::api::history::v1::HistoryEvent* AppendOrBuffer(
      Mutation& m, temporal::api::enums::v1::EventType type);
  // Numbers and appends the buffered events; true when there were any.
  bool FlushBuffered(Mutation& m);
  // Schedules a workflow task (attempt > 1: transient, nothing written) on the sticky queue when
  // the run has a live one, else on the normal queue.
  void ScheduleWorkflowTask(Mutation& m, int32_t attempt);
  // Schedules one when the run is open and has none.
  void EnsureWorkflowTask(Mutation& m);
  // The first workflow task still waits for its backoff (start delay, cron, retry): the flag is
  // set and no workflow task was ever scheduled since (an update's task ends the wait, as the
  // reference's IsWorkflowPendingOnWorkflowTaskBackoff: no task pending or completed).
  // An activity's or child's priority with the fields it leaves unset taken from its run's (the
  // reference's priorities.Merge).
  static temporal::api::common::v1::Priority MergePriority(
      const temporal::api::common::v1::Priority& run,
      const temporal::api::common::v1::Priority& own) {
    temporal::api::common::v1::Priority merged = own;
    if (merged.priority_key() == 0) merged.set_priority_key(run.priority_key());
    if (merged.fairness_key().empty()) merged.set_fairness_key(run.fairness_key());
    if (merged.fairness_weight() == 0) merged.set_fairness_weight(run.fairness_weight());
    return merged;
  }
  static bool PendingOnBackoff(const persistence::v1::MutableState& state) {
    return state.workflow_task_backoff_pending() && !state.has_workflow_task() &&
           state.last_completed_workflow_task_started_event_id() == 0;
  }
  void AddTimer(Mutation& m, persistence::v1::TimerTask task,
                const google::protobuf::Timestamp& fire_time);
  // Closes the run: pending activities, timers and the workflow task are dropped.
  void Close(Mutation& m, temporal::api::enums::v1::WorkflowExecutionStatus status);
  hugo::Result<temporal::api::history::v1::History> ReadEvents(const persistence::RunKey& key,
                                                               int64_t first_event_id,
                                                               int64_t last_event_id);
  google::protobuf::Timestamp After(const google::protobuf::Duration& duration);
  int64_t NowMs();
  // A new run's id: a time-ordered (version 7) UUID by the engine's clock, so the rows keyed by
  // run id (history, visibility) of the runs one batch writes share B-tree pages.
  std::string NewRunId() { return uuids_.NextTimeOrdered(NowMs()); }

  // --- visibility (engine_visibility.cc)
  hugo::Result<SearchAttributeScope> SearchAttributesOf(const std::string& namespace_id);
  // Outgoing search attributes carry their registered type (payload metadata "type", e.g.
  // "Datetime") where the writer sent none, so SDKs decode them typed (the reference's
  // ApplyTypeMap on history reads and Describe). Attributes the namespace does not know, and
  // store failures, leave a value as it is.
  void TypeSearchAttributes(const std::string& namespace_id,
                            temporal::api::history::v1::History& history);
  // The event carries search attributes that TypeSearchAttributes would type.
  static bool CarriesSearchAttributes(const temporal::api::history::v1::HistoryEvent& event);
  // Validates `attributes` against the namespace's (InvalidArgument with the reference's
  // message) and merges them into the state's normalized copy; a null value removes one.
  hugo::Result<hugo::Unit> ApplySearchAttributes(
      persistence::v1::MutableState& state,
      const temporal::api::common::v1::SearchAttributes& attributes);
  // Refuses a start whose search attributes the namespace does not accept (nothing written).
  hugo::Result<hugo::Unit> ValidateStartSearchAttributes(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::StartWorkflowExecutionRequest& request);
  // A failed run's error.code and error.message in the Hugo record's attributes.
  static void RecordFailureForVisibility(persistence::v1::MutableState& state,
                                         const temporal::api::failure::v1::Failure& failure);

  // --- chains of runs (engine_chain.cc): continue-as-new, workflow retries, cron
  // Builds a new run's first transition (Started, and the first workflow task or its backoff)
  // without committing it.
  hugo::Result<Mutation> BuildNewRun(const NewRun& spec);
  // The next run of the chain of `m`'s run, which `m` closes with `close_event` (the run's
  // Started event supplies what the new run carries over): retry when the run failed or timed
  // out and its retry policy allows another attempt, else cron when it has a schedule. Sets the
  // close event's retry_state and new_execution_run_id; the new run goes into m.also.
  hugo::Result<hugo::Unit> ContinueChain(Mutation& m,
                                         temporal::api::history::v1::HistoryEvent* close_event,
                                         const temporal::api::failure::v1::Failure* failure,
                                         const temporal::api::common::v1::Payloads* result);
  // The ContinueAsNew command: writes WorkflowExecutionContinuedAsNew, closes the run and puts
  // the new run into m.also.
  std::optional<CommandRejection> ContinueAsNew(
      Mutation& m,
      temporal::api::command::v1::ContinueAsNewWorkflowExecutionCommandAttributes attributes,
      int64_t completed_event_id);
  // The delay a chain's next run waits: at least the reuse interval after this run started.
  google::protobuf::Duration ChainBackoff(const persistence::v1::MutableState& state,
                                          const google::protobuf::Duration& backoff);
  bool OnWorkflowBackoff(Mutation& m, const persistence::v1::TimerTask& task);

  // --- children and other workflows (engine_children.cc)
  std::optional<CommandRejection> StartChild(
      Mutation& m,
      const temporal::api::command::v1::StartChildWorkflowExecutionCommandAttributes& attributes,
      int64_t completed_event_id);
  std::optional<CommandRejection> SignalExternal(
      Mutation& m,
      const temporal::api::command::v1::SignalExternalWorkflowExecutionCommandAttributes&
          attributes,
      int64_t completed_event_id);
  std::optional<CommandRejection> CancelExternal(
      Mutation& m,
      const temporal::api::command::v1::RequestCancelExternalWorkflowExecutionCommandAttributes&
          attributes,
      int64_t completed_event_id);
  // Every close: tells the parent (when the chain ends here) and hands the children to their
  // parent close policies.
  void OnRunClosed(Mutation& m);
  void NotifyScheduler(Mutation& m, const temporal::api::history::v1::HistoryEvent& close_event);
  // The engine's own transfer tasks (children, external signals and cancels, close policies).
  void ProcessTransfer(const persistence::v1::TransferTask& task, int64_t task_id);
  hugo::Result<hugo::Unit> ProcessStartChild(const persistence::v1::TransferTask& task,
                                             int64_t task_id);
  hugo::Result<hugo::Unit> ProcessChildClosed(const persistence::v1::TransferTask& task,
                                              int64_t task_id);
  hugo::Result<hugo::Unit> ProcessSignalExternal(const persistence::v1::TransferTask& task,
                                                 int64_t task_id);
  hugo::Result<hugo::Unit> ProcessCancelExternal(const persistence::v1::TransferTask& task,
                                                 int64_t task_id);
  hugo::Result<hugo::Unit> ProcessParentClosePolicy(const persistence::v1::TransferTask& task,
                                                    int64_t task_id);
  // The open run an external signal or cancel request of `source` reaches (its run, or the
  // current run when none is named; a child of `source` when the command asked for one); none
  // when there is no such run.
  hugo::Result<std::optional<Mutation>> BeginExternalTarget(
      const persistence::v1::ExternalRequestInfo& info,
      const persistence::v1::MutableState& source);
  hugo::Result<std::string> NamespaceIdOf(const std::string& name);
  std::string NamespaceNameOf(const std::string& namespace_id);

  // --- Nexus (engine_nexus.cc)
  // A start that found its workflow running with conflict policy USE_EXISTING and
  // on_conflict_options: WorkflowExecutionOptionsUpdated attaches the request id, the completion
  // callbacks and the links to the running run (once per request id). engine_workflow.cc.
  hugo::Result<hugo::Unit> AttachToRunning(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::StartWorkflowExecutionRequest& request,
      const std::string& run_id);
  std::optional<CommandRejection> ScheduleNexusOperation(
      Mutation& m,
      const temporal::api::command::v1::ScheduleNexusOperationCommandAttributes& attributes,
      int64_t completed_event_id);
  std::optional<CommandRejection> RequestCancelNexusOperation(
      Mutation& m,
      const temporal::api::command::v1::RequestCancelNexusOperationCommandAttributes& attributes,
      int64_t completed_event_id, bool* new_task);
  // Dispatches the operation's next start attempt (a KIND_NEXUS_START transfer task).
  void DispatchNexusStart(Mutation& m, persistence::v1::NexusOperationInfo& op);
  void DispatchNexusCancel(Mutation& m, persistence::v1::NexusOperationInfo& op);
  // Sends the request of a KIND_NEXUS_START / KIND_NEXUS_CANCEL task to the handler; its answer
  // comes back in OnNexusStartOutcome / OnNexusCancelOutcome.
  void ProcessNexusRequest(const persistence::v1::TransferTask& task, int64_t task_id);
  void OnNexusStartOutcome(const persistence::v1::TransferTask& task, int64_t task_id,
                           const matching::NexusMatcher::Outcome& outcome);
  void OnNexusCancelOutcome(const persistence::v1::TransferTask& task, int64_t task_id,
                            const matching::NexusMatcher::Outcome& outcome);
  // Writes the operation's end (completed, failed, canceled, timed out) and drops it.
  // `links` (may be null): what the handler linked a synchronous completion to.
  void EndNexusOperation(Mutation& m, int64_t scheduled_event_id,
                         temporal::api::enums::v1::EventType type,
                         const temporal::api::common::v1::Payload* result,
                         const temporal::api::failure::v1::Failure* failure,
                         const std::vector<temporal::api::common::v1::Link>* links = nullptr);
  // The operation a start task's answer is for, its attempt counted, while it still waits for
  // that answer; null when the answer is stale (the task is then dropped). Marks the task done.
  persistence::v1::NexusOperationInfo* AwaitingStart(Mutation& m,
                                                     const persistence::v1::TransferTask& task,
                                                     int64_t task_id);
  // A system endpoint operation's answer (Options::system_nexus_start), written as a handler's.
  void OnSystemNexusAnswer(const persistence::v1::TransferTask& task, int64_t task_id,
                           const SystemNexusAnswer& answer);
  // An attempt that failed retryably: backs off (KIND_NEXUS_RETRY) or, past the deadline, waits
  // for the timeout.
  void RetryNexus(Mutation& m, persistence::v1::NexusOperationInfo& op, bool cancel,
                  const temporal::api::failure::v1::Failure& failure);
  bool OnNexusTimeout(Mutation& m, const persistence::v1::TimerTask& task);
  bool OnNexusRetry(Mutation& m, const persistence::v1::TimerTask& task);
  // Writes a completion's outcome on the caller's pending operation (NexusOperationStarted first
  // when the start's answer was not recorded) and drops it.
  void ApplyNexusCompletion(Mutation& m, persistence::v1::NexusOperationInfo& op,
                            const NexusCompletion& completion);
  // The run a completion's token names, or the workflow's current run after a reset.
  std::string NexusCallerRunId(const persistence::v1::NexusCallbackToken& token);
  // An update request's completion callbacks, attached to the update (false: none, or that
  // request's already are); delivered when it completes (QueueCallbacks with its event).
  bool AttachUpdateCallbacks(persistence::v1::MutableState& state, const std::string& update_id,
                             const temporal::api::update::v1::Request& request);
  // Handler side: the close of a chain whose start asked for completion callbacks, or the
  // completion of an update whose requests did (WorkflowExecutionUpdateCompleted).
  void QueueCallbacks(Mutation& m, const temporal::api::history::v1::HistoryEvent& close_event);
  hugo::Result<hugo::Unit> ProcessCallbacks(const persistence::v1::TransferTask& task,
                                            int64_t task_id);
  // The run's pending Nexus operations and callbacks as DescribeWorkflowExecution lists them.
  void DescribeNexus(
      const persistence::v1::MutableState& state,
      temporal::api::workflowservice::v1::DescribeWorkflowExecutionResponse* response);

  // --- timer queue (engine.cc)
  void ArmTimer();
  void FireTimer(int64_t task_id, const persistence::v1::TimerTask& task);
  // True when the cached run shows that a due timer can no longer change anything (the run is
  // closed, the workflow task or activity attempt it guards is gone): FireDueTimers drops all
  // such timers in one store write, without loading their runs. So is a timer of a run the
  // cache evicted closed (closed_runs_). Any other run not in the cache is not known to be stale;
  // FireTimer decides.
  bool TimerIsStale(const persistence::v1::TimerTask& task) const;
  // Per kind; each returns false when the task is stale (then only deleted).
  bool OnWorkflowTaskTimeout(Mutation& m, const persistence::v1::TimerTask& task);
  bool OnActivityTimeout(Mutation& m, const persistence::v1::TimerTask& task);
  bool OnActivityRetry(Mutation& m, const persistence::v1::TimerTask& task);
  bool OnUserTimer(Mutation& m, const persistence::v1::TimerTask& task);
  bool OnRunTimeout(Mutation& m, const persistence::v1::TimerTask& task);

  // --- helpers of the transitions
  // Fails the started workflow task (event unless transient) and schedules the next attempt.
  void FailStartedWorkflowTask(Mutation& m, temporal::api::enums::v1::WorkflowTaskFailedCause cause,
                               const temporal::api::failure::v1::Failure* failure,
                               const std::string& identity, bool schedule_next);
  // Records the run's scheduled workflow task started by `poller` (Started event unless
  // transient, the start-to-close timer); WorkflowTaskResponse is the poll reply for it.
  // `pending_history_bytes`: the size of events written by the same transaction before the
  // task's Scheduled event was (its Started event reports the history size before them).
  void MarkWorkflowTaskStarted(Mutation& m, const matching::Poller& poller,
                               int64_t pending_history_bytes = 0);
  // --- worker versioning (engine_versioning.cc)
  // The version ("<deployment>.<build id>", "" unversioned) the run's tasks go to when it is
  // effectively PINNED (a transition, then the override, then the last completed task's
  // behavior decide), else "".
  static std::string PinnedVersion(const persistence::v1::MutableState& state);
  // The run's effective version ("" unversioned).
  static std::string EffectiveVersion(const persistence::v1::MutableState& state);
  // Stamps a workflow or activity transfer task with the run's routing directive.
  // The run's build-id versioning directive: "" unversioned, "*" to be assigned, "=<build id>"
  // (frontend/build_id_versioning.h).
  static std::string BuildIdDirective(const persistence::v1::MutableState& state);
  static void StampVersioning(const persistence::v1::MutableState& state,
                              persistence::v1::TransferTask& transfer, bool workflow_task);
  // The run's sticky queue may take its next workflow task: always without versioning; else
  // only when the routing still sends the run to the version its sticky worker runs.
  bool StickyUsable(const persistence::v1::MutableState& state) const;
  // A workflow task started on `poller`'s version: a run not pinned that another version's
  // worker takes moves there (a transition, ended by that worker's completion); a pinned run
  // learns whether its queue's routing has moved on (target_worker_deployment_version_changed).
  void NoteVersionOnStart(Mutation& m, const matching::Poller& poller,
                          temporal::api::history::v1::WorkflowTaskStartedEventAttributes* started);
  // After a WorkflowTaskCompleted event: the completing worker's behavior and version become the
  // run's, a transition to it ends, a one-time override on it is spent.
  void ApplyCompletedVersioning(
      Mutation& m,
      const temporal::api::workflowservice::v1::RespondWorkflowTaskCompletedRequest& request);
  // The run's activities not yet started go to matching again, with the run's directive (no new
  // timers: each keeps its schedule-to-start timeout).
  void ResendUnstartedActivities(Mutation& m);
  // The next workflow task may go back in the completion's reply (the routing sends the run to
  // the completing worker's version).
  bool InlineTaskRoutable(const persistence::v1::MutableState& state) const;
  // A new run's versioning: the start's override, an inherited pinned version (both also on its
  // Started event), a ramping continue-as-new.
  hugo::Result<hugo::Unit> ApplyStartVersioning(
      Mutation& m, const NewRun& spec,
      temporal::api::history::v1::WorkflowExecutionStartedEventAttributes* started);
  // The pinned version a child or the continued run inherits from `state` onto `task_queue`.
  std::optional<temporal::api::deployment::v1::WorkerDeploymentVersion> InheritedPinnedVersion(
      const persistence::v1::MutableState& state, const std::string& task_queue) const;
  // The run's versioning for DescribeWorkflowExecution and its search attributes.
  static void AddVersioningAttributes(const persistence::v1::MutableState& state,
                                      persistence::VisibilityRecord& record);
  hugo::Result<temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse>
  WorkflowTaskResponse(const LoadedRun& run, const matching::Poller& poller);
  // Writes the transient Scheduled/Started pair of a started transient workflow task.
  void MaterializeTransient(Mutation& m);
  // Dispatches an activity attempt: transfer task plus its schedule-to-start timeout.
  void DispatchActivityAttempt(Mutation& m, persistence::v1::ActivityInfo& info);
  // Records the activity's current attempt started by a worker (its start-to-close and
  // heartbeat timers); ActivityTaskResponse is that worker's task for it.
  void MarkActivityStarted(Mutation& m, persistence::v1::ActivityInfo& info,
                           const std::string& request_id, const std::string& identity);
  static temporal::api::workflowservice::v1::PollActivityTaskQueueResponse ActivityTaskResponse(
      const persistence::v1::MutableState& state, const persistence::v1::ActivityInfo& info,
      const std::string& namespace_name);
  // Retries the attempt or closes the activity with `failure`; `timeout_type` is set for
  // timeouts.
  void FailActivityAttempt(Mutation& m, persistence::v1::ActivityInfo& info,
                           const temporal::api::failure::v1::Failure& failure,
                           std::optional<temporal::api::enums::v1::TimeoutType> timeout_type,
                           const std::string& identity);
  // The next attempt after `failure`: numbered, not started, the failure kept for it.
  void NextActivityAttempt(persistence::v1::ActivityInfo& info,
                           const temporal::api::failure::v1::Failure& failure);
  // Sets the attempt up to be dispatched at `at` (now when past: at once; else a retry timer) and
  // ends a reset's marks.
  void ScheduleActivityAttempt(Mutation& m, persistence::v1::ActivityInfo& info,
                               const google::protobuf::Timestamp& at);
  // Arms the activity's schedule-to-close and (started) start-to-close and heartbeat timeouts at
  // their deadlines by its options now (after an unpause or new options).
  void ArmActivityTimeouts(Mutation& m, const persistence::v1::ActivityInfo& info);
  // The pending activities an operator request names (`id`, `type`, or all when `all`); none is
  // NotFound as the reference words it.
  static hugo::Result<std::vector<persistence::v1::ActivityInfo*>> NamedActivities(
      persistence::v1::MutableState& state, const std::string& id, const std::string& type,
      bool all);
  // The options the activity was scheduled with (its ActivityTaskScheduled event), over its
  // current ones (ResetActivity and UpdateActivityOptions' restore_original).
  hugo::Result<hugo::Unit> RestoreScheduledOptions(Mutation& m,
                                                   persistence::v1::ActivityInfo& info);
  // The activity's options as the API reports them (its task queue, timeouts, retry policy).
  static temporal::api::activity::v1::ActivityOptions ActivityOptionsOf(
      const persistence::v1::ActivityInfo& info);
  // TemporalPauseInfo of the run: one "property:activityType=<type>" per type with a paused
  // pending activity (reference: updatePauseInfoSearchAttribute).
  hugo::Result<hugo::Unit> UpdatePauseInfo(persistence::v1::MutableState& state);
  // Commits an operator call's change, TemporalPauseInfo first when a pause flag flipped.
  hugo::Result<hugo::Unit> CommitActivityChange(Mutation& m, bool pause_changed);
  // Writes the ActivityTaskStarted event of a closing activity (buffered or not); returns a
  // placeholder id that FlushBuffered fixes.
  int64_t AppendActivityStarted(Mutation& m, const persistence::v1::ActivityInfo& info);
  hugo::Result<Mutation> BeginActivity(const ActivityRef& ref,
                                       persistence::v1::ActivityInfo** info);
  // Fails a started workflow task (FORCE_CLOSE_COMMAND), flushes buffered events, writes
  // WorkflowExecutionTerminated and closes the run.
  void TerminateRun(Mutation& m, const std::string& reason,
                    const temporal::api::common::v1::Payloads* details,
                    const std::string& identity);
  // The conflict policy TERMINATE_EXISTING: the running run makes way for `new_run_id`.
  hugo::Result<hugo::Unit> TerminateForNewRun(const std::string& namespace_id,
                                              const std::string& workflow_id,
                                              const std::string& run_id,
                                              const std::string& new_run_id);
  // Starts a new run and returns its id; a running `replaced` run (conflict policy
  // TERMINATE_EXISTING) is terminated first. `signal`: the signal of a signal-with-start.
  // `eager_task`: the start asked for eager execution; when granted, its first workflow task is
  // started in the same transaction and returned there (never queued in matching).
  hugo::Result<std::string> StartNewRun(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::StartWorkflowExecutionRequest& request,
      persistence::RunWrite write, const persistence::CurrentRun* replaced,
      const temporal::api::workflowservice::v1::SignalWithStartWorkflowExecutionRequest* signal,
      temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse* eager_task = nullptr,
      const temporal::api::update::v1::Request* admit_update = nullptr);

  // --- history (engine_history.cc)
  bool TryAnswerHistory(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::GetWorkflowExecutionHistoryRequest& request,
      bool deadline_passed, const HistoryDone& done);
  // Answers the history long polls waiting on the run that one can answer now (`running`: the
  // run's state after the commit that calls this).
  void WakeWaiters(const std::string& run_id, bool running);
  // --- standalone activities (engine_standalone_activity.cc)
  // A wait of DescribeActivityExecution or PollActivityExecution: `answer` tries to answer it
  // (false: not yet), `expire` answers it empty.
  struct ActivityWaiter {
    uint64_t id = 0;
    std::string run_id;
    std::function<bool()> answer;
    std::function<void()> expire;
    std::unique_ptr<asio::steady_timer> timer;
  };
  uint64_t WaitForActivity(const std::string& run_id, std::function<bool()> answer,
                           std::function<void()> expire, std::chrono::milliseconds wait);
  void WakeActivityWaiters(const std::string& run_id);
  // The run of a standalone activity (its current one when run_id is empty): NotFound "activity
  // not found for ID: X" when there is none.
  hugo::Result<persistence::RunKey> StandaloneActivityRun(const std::string& namespace_id,
                                                          const std::string& activity_id,
                                                          const std::string& run_id);
  // A standalone activity's attempt failed or timed out for good (FailActivityAttempt's
  // decision): the run closes FAILED or TIMED_OUT with the reference's failure.
  void CloseStandaloneAfterFailure(
      Mutation& m, persistence::v1::ActivityInfo& info,
      const temporal::api::failure::v1::Failure& failure,
      std::optional<temporal::api::enums::v1::TimeoutType> timeout_type,
      const std::string& identity, temporal::api::enums::v1::RetryState retry_state);
  // The standalone activity's run for a change, or for reading (the cache's entry); NotFound
  // "activity not found for ID: X" when there is none.
  hugo::Result<Mutation> BeginStandaloneActivity(const std::string& namespace_id,
                                                 const std::string& activity_id,
                                                 const std::string& run_id);
  hugo::Result<const LoadedRun*> PeekStandaloneActivity(const persistence::RunKey& key,
                                                        const std::string& activity_id);
  // Closes a standalone activity's run with `status` and its outcome (result or failure).
  void CloseStandaloneActivity(Mutation& m,
                               temporal::api::enums::v1::WorkflowExecutionStatus status,
                               const temporal::api::common::v1::Payloads* result,
                               const temporal::api::failure::v1::Failure* failure);
  // --- standalone Nexus operations (engine_standalone_nexus.cc)
  // The run of a standalone Nexus operation (its current one when run_id is empty): NotFound
  // "operation not found for ID: X" when there is none.
  hugo::Result<persistence::RunKey> StandaloneNexusRun(const std::string& namespace_id,
                                                       const std::string& operation_id,
                                                       const std::string& run_id);
  hugo::Result<Mutation> BeginStandaloneNexus(const std::string& namespace_id,
                                              const std::string& operation_id,
                                              const std::string& run_id);
  hugo::Result<const LoadedRun*> PeekStandaloneNexus(const persistence::RunKey& key,
                                                     const std::string& operation_id);
  // Closes a standalone Nexus operation's run with `status` and its outcome (result or failure).
  void CloseStandaloneNexus(Mutation& m, temporal::api::enums::v1::WorkflowExecutionStatus status,
                            const temporal::api::common::v1::Payload* result,
                            const temporal::api::failure::v1::Failure* failure);
  std::multimap<std::string, std::shared_ptr<ActivityWaiter>> activity_waiters_;
  std::unordered_map<uint64_t, std::shared_ptr<ActivityWaiter>> activity_waits_;

  // Takes a waiting history poll out of waiters_ and history_waits_; false when it already left.
  bool ForgetHistoryWait(const HistoryWaiter& waiter);

  // --- reset and delete (engine_reset.cc)
  // The new run's first transition: fails its workflow task (RESET_WORKFLOW), restores pending
  // activities and timers, re-applies `reapply`, schedules a workflow task and the run timeout.
  void PrepareResetRun(
      Mutation& m, const std::string& base_run_id,
      const temporal::api::workflowservice::v1::ResetWorkflowExecutionRequest& request,
      const std::vector<temporal::api::history::v1::HistoryEvent>& reapply);
  // The outbox rows of a run (by scanning the stored outbox); timer tasks also leave the queue.
  hugo::Result<std::pair<std::vector<int64_t>, std::vector<int64_t>>> OutboxOf(
      const persistence::RunKey& key);
  // --- end of reset and delete

  // --- queries (engine_query.cc)
  hugo::Result<temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse>
  RecordQueryTaskStarted(const matching::Task& task, const matching::Poller& poller);
  // A query task to the run's live sticky worker, else to the normal queue.
  void DispatchQueryTask(uint64_t query_id, const persistence::v1::MutableState& state);
  // After each commit of a run: buffered queries whose workflow task ended unanswered, or that
  // no workflow task will carry any more, become query tasks.
  void ServeBufferedQueries(const persistence::v1::MutableState& state);
  // Puts the run's undelivered buffered queries into a workflow task's poll response.
  void AttachBufferedQueries(
      const persistence::v1::MutableState& state,
      temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse* response);
  void AnswerQueries(
      const std::string& run_id,
      const google::protobuf::Map<std::string, temporal::api::query::v1::WorkflowQueryResult>&
          results);
  // The sticky worker did not take the query: stickiness is cleared, the normal queue gets it.
  void FallBackFromSticky(uint64_t query_id);
  void FinishQuery(uint64_t query_id,
                   hugo::Result<temporal::api::workflowservice::v1::QueryWorkflowResponse> result);

  // --- updates (engine_update.cc)
  // An admitted update ends without acceptance (rejected, or not answered by the worker): it is
  // forgotten and its waiters get `failure` as its outcome.
  void EndUpdateWithFailure(const std::string& run_id, const std::string& update_id,
                            const temporal::api::failure::v1::Failure& failure);
  struct InFlightUpdate {
    temporal::api::update::v1::Request request;
    uint64_t admitted_seq = 0;
    // Delivered with the task started at this event and time (0: not delivered yet).
    int64_t sent_started_event_id = 0;
    int64_t sent_started_time_ms = 0;
    // Later requests of the same update with completion callbacks: attached at acceptance.
    std::vector<temporal::api::update::v1::Request> joined;
  };
  struct UpdateWaiter {
    std::string namespace_id;
    std::string workflow_id;
    std::string run_id;
    std::string update_id;
    temporal::api::enums::v1::UpdateWorkflowExecutionLifecycleStage stage;
    UpdateDone done;
    std::unique_ptr<asio::steady_timer> timer;
  };
  // Answers the waiter at once if the update reached its stage, else parks it.
  uint64_t WaitForUpdate(const persistence::v1::MutableState& state, const std::string& update_id,
                         temporal::api::enums::v1::UpdateWorkflowExecutionLifecycleStage stage,
                         std::chrono::milliseconds wait, UpdateDone done);
  std::optional<UpdateStatus> StatusOfUpdate(const LoadedRun& run, const std::string& update_id);
  void FinishUpdateWaiter(uint64_t waiter_id, hugo::Result<UpdateStatus> result);
  void OnUpdateWaitExpired(uint64_t waiter_id);
  // Answers the run's waiters whose update reached their stage.
  void WakeUpdateWaiters(const LoadedRun& run);
  // Admits `request` on the run of `m` (limits checked); schedules a speculative workflow task
  // when the run has none and commits.
  hugo::Result<hugo::Unit> AdmitUpdate(Mutation& m,
                                       const temporal::api::update::v1::Request& request);
  void ScheduleSpeculativeTask(Mutation& m);
  // Commit hooks: a speculative task becomes a normal (stored) one when the mutation writes
  // events; a pure speculative change is kept in memory (returns true: nothing to write).
  bool CommitSpeculative(Mutation& m);
  static std::string StoredState(const persistence::v1::MutableState& state);
  void AfterUpdateCommit(Mutation& m);
  // A closed run: admitted updates move to the new run of a continue-as-new, else fail.
  void AbortUpdatesOfClosedRun(const persistence::v1::MutableState& state);
  // Workflow task hooks (engine_workflow_task.cc).
  void AttachUpdateMessages(
      const persistence::v1::MutableState& state,
      temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse* response);
  bool OnSpeculativeTaskTimeout(Mutation& m, const persistence::v1::TimerTask& timer);
  // A speculative task answered with only rejections and no commands: nothing is written.
  std::optional<
      hugo::Result<temporal::api::workflowservice::v1::RespondWorkflowTaskCompletedResponse>>
  DiscardSpeculativeTask(
      Mutation& m,
      const temporal::api::workflowservice::v1::RespondWorkflowTaskCompletedRequest& request);
  std::optional<CommandRejection> OnProtocolMessageCommand(
      Mutation& m,
      const temporal::api::workflowservice::v1::RespondWorkflowTaskCompletedRequest& request,
      const temporal::api::command::v1::Command& command);
  // The messages no command positioned, then the server's rejection of delivered updates the
  // worker did not answer.
  std::optional<CommandRejection> ProcessUpdateMessages(
      Mutation& m,
      const temporal::api::workflowservice::v1::RespondWorkflowTaskCompletedRequest& request);
  std::optional<CommandRejection> ProcessUpdateMessage(
      Mutation& m, const temporal::api::protocol::v1::Message& message);
  std::map<std::string, std::map<std::string, InFlightUpdate>> in_flight_updates_;  // by run id
  std::map<uint64_t, UpdateWaiter> update_waiters_;
  std::multimap<std::string, uint64_t> run_update_waiters_;  // by run id
  uint64_t next_update_waiter_id_ = 1;
  uint64_t next_update_seq_ = 1;

  persistence::ExecutionStore* store_;
  matching::Matcher* matcher_;
  asio::any_io_executor executor_;
  Options options_;
  Now now_;
  UuidGenerator uuids_;
  int64_t next_task_id_ = 1;
  int64_t next_event_task_id_ = 1;
  std::multimap<std::string, std::shared_ptr<HistoryWaiter>> waiters_;  // by run id
  // The same, by id; every change is counted in ResultPollsWaiting().
  std::unordered_map<uint64_t, std::shared_ptr<HistoryWaiter>> history_waits_;
  uint64_t next_history_wait_id_ = 1;
  uint64_t next_activity_wait_id_ = 1;
  // The timer queue: due time (ms since epoch) → task id → task.
  std::multimap<int64_t, std::pair<int64_t, persistence::v1::TimerTask>> timer_queue_;
  std::unique_ptr<asio::steady_timer> timer_wakeup_;
  int64_t armed_for_ms_ = 0;
  std::map<uint64_t, PendingQuery> queries_;
  std::multimap<std::string, uint64_t> run_queries_;  // buffered queries by run id
  // The mutable-state cache: the engine thread is the only writer of every run, so an entry is
  // exactly what the store holds (replaced on each commit, dropped when a commit fails, empty
  // while a transition has the run checked out).
  // One committed transaction's events as the store holds them (a serialized History).
  struct TailBatch {
    int64_t first_event_id = 0;
    int64_t last_event_id = 0;
    std::string data;
    // An event of the batch carries search attributes, which replies type
    // (TypeSearchAttributes): its bytes are not sent as they are.
    bool search_attributes = false;
  };
  struct CachedRun {
    // Empty while a transition has the run checked out (Begin), or after one was given up:
    // readers then load the stored run, which is what the cache held before the transition.
    std::shared_ptr<LoadedRun> run;
    // The run's newest committed batches, contiguous and ending at next_event_id - 1 (empty:
    // none known), so that a workflow task's or a result poll's events are not read back from
    // the store (DESIGN.md §3: no history read on the hot path). Bounded by kTailEventsMax.
    std::vector<TailBatch> tail;
  };
  // The cached tail of the run when it holds events first..last, else null.
  const std::vector<TailBatch>* TailCovering(const persistence::RunKey& key, int64_t first_event_id,
                                             int64_t last_event_id) const;
  std::list<std::pair<std::string, CachedRun>> cache_lru_;  // most recent first
  LoadedRun peeked_;  // PeekRun's answer while the cache is off (mutable_state_cache_max 0)
  std::unordered_map<std::string, std::list<std::pair<std::string, CachedRun>>::iterator>
      cache_index_;
  // Cache keys of closed runs the cache evicted, at most options_.closed_runs_remembered: a
  // closed run never runs again, so none of its timers can change anything. Only committed
  // closes are evicted into it, and a store reload forgets it with the cache.
  std::unordered_set<std::string> closed_runs_;
  std::deque<const std::string*> closed_runs_order_;  // oldest first; elements of closed_runs_
  uint64_t next_query_id_ = 1;
  bool stopped_ = false;
  // Deferred visibility (Options::visibility_delay): by cache key, each run's newest row not
  // yet written (the older pending rows of the run merged into it, MergeVisibility) and its
  // KIND_VISIBILITY task. Only committed transitions enter.
  struct PendingVisibility {
    persistence::VisibilityRecord record;
    int64_t task_id = 0;
    uint64_t round = 0;  // visibility_round_ when the row became pending
  };
  std::map<std::string, PendingVisibility> pending_visibility_;
  std::unique_ptr<asio::steady_timer> visibility_wakeup_;
  bool visibility_armed_ = false;
  // Timed writes go in rounds: a round writes the rows pending when it began (round number at
  // most *visibility_due_), visibility_write_rows per write, and ends when none is left.
  uint64_t visibility_round_ = 0;
  std::optional<uint64_t> visibility_due_;
  // The timer's write: the next rows of the round (starting one if none is under way).
  hugo::Result<hugo::Unit> WriteDueVisibility();
  using PendingRow = std::map<std::string, PendingVisibility>::iterator;
  // Writes `rows` in one transaction with the deletion of their tasks and drops them from
  // pending; on failure keeps them pending, ends the round and retries after the delay.
  hugo::Result<hugo::Unit> WriteVisibilityRows(const std::vector<PendingRow>& rows);
  void ArmVisibilityFlush(std::chrono::milliseconds after);
  void DropPendingVisibility(const persistence::RunKey& key);
  // Recover: the rows of the stored KIND_VISIBILITY tasks, from the runs' stored states.
  hugo::Result<hugo::Unit> RecoverVisibility(
      const std::vector<std::pair<int64_t, persistence::v1::TransferTask>>& tasks);
};

}  // namespace hdo::history
