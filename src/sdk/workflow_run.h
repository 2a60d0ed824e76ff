// hdo::internal::WorkflowRun: one workflow run's state machine in the worker. It consumes the
// run's history events in order, splits them into activations (one per completed workflow task,
// plus the task being answered), runs the workflow code of each activation on the deterministic
// scheduler, and matches the commands the code produces against the command events history
// recorded for them: a difference is a non-determinism error naming the event and the command.
// After the last (live) activation, the unmatched commands are the reply to the server.
//
// Owner: the workflow task processor (sticky cache) or the replayer. Thread safety: none; one
// thread at a time (the processor serialises the tasks of a run).
#pragma once

#include <condition_variable>
#include <coroutine>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <stop_token>
#include <string>
#include <vector>

#include "hdo/interceptor.h"
#include "hdo/workflow.h"
#include "hugo/deterministic.h"
#include "hugo/workflow.h"
#include "temporal/api/command/v1/message.pb.h"
#include "temporal/api/history/v1/message.pb.h"
#include "temporal/api/protocol/v1/message.pb.h"
#include "temporal/api/query/v1/message.pb.h"
#include "temporal/api/update/v1/message.pb.h"

namespace hdo::internal {

using HistoryEvent = temporal::api::history::v1::HistoryEvent;
using Header = temporal::api::common::v1::Header;

// The marker a local activity's outcome is recorded in (the name the other SDKs use).
inline constexpr std::string_view kLocalActivityMarker = "LocalActivity";
using EventType = temporal::api::enums::v1::EventType;

// The error value a workflow returns to continue as new (WorkflowContext::ContinueAsNewRaw).
hugo::Error ContinueAsNewError(const ContinueAsNewCall& call);

class Scheduler {
 public:
  void Schedule(std::coroutine_handle<> handle) { ready_.push_back(handle); }
  // Resumes scheduled coroutines in FIFO order until none is left; false when a step limit
  // (a workflow spinning without waiting) was hit.
  bool RunUntilIdle();
  bool idle() const { return ready_.empty(); }

 private:
  std::deque<std::coroutine_handle<>> ready_;
};

struct Scope {
  bool canceled = false;
  std::vector<std::weak_ptr<Scope>> children;
  std::map<uint64_t, std::function<void()>> on_cancel;
  uint64_t next_id = 1;
  std::shared_ptr<FutureState<hugo::Unit>> done = std::make_shared<FutureState<hugo::Unit>>();

  uint64_t OnCancel(std::function<void()> fn) {
    on_cancel[next_id] = std::move(fn);
    return next_id++;
  }
  void Remove(uint64_t id) { on_cancel.erase(id); }
  void Cancel();
  std::shared_ptr<Scope> NewChild(const std::shared_ptr<Scope>& self);
};

// A command the workflow produced, waiting to be sent or to be matched with its event.
struct Command {
  temporal::api::command::v1::Command proto;
  EventType event_type;
  std::string key;  // activity id, timer id, workflow id, marker key, update id
  std::function<void(const HistoryEvent&)> on_recorded;
  bool dropped = false;
  std::optional<temporal::api::protocol::v1::Message> message;
  std::string Describe() const;
};

struct WorkflowRunOptions {
  std::string namespace_name;
  std::string task_queue;  // the worker's (the run's task queue comes from history)
  std::string identity;
  ContextPropagators context_propagators;  // the connection's (hdo/propagation.h)
  WorkerInterceptors interceptors;         // the worker's (hdo/interceptor.h)
  // Where live local activity attempts run (WorkflowTaskProcessorOptions::submit_local_activity);
  // unset: on the calling thread.
  std::function<void(std::function<void()>)> submit_local_activity;
  std::stop_token worker_stop;  // past the shutdown grace: a waiting activation gives up
};

class WorkflowRun {
 public:
  WorkflowRun(const WorkflowRegistry* registry, LocalActivityRunner local_activities,
              WorkflowRunOptions options);
  ~WorkflowRun();
  WorkflowRun(const WorkflowRun&) = delete;

  // Appends events; error.validation when they do not continue the events held so far.
  hugo::Result<hugo::Unit> AppendEvents(const google::protobuf::RepeatedPtrField<HistoryEvent>& e);
  // The same, taking the events (a task's, which the run keeps) instead of copying them.
  hugo::Result<hugo::Unit> AppendEvents(google::protobuf::RepeatedPtrField<HistoryEvent>&& e);
  // Update requests delivered with the task being answered.
  void AddMessages(const google::protobuf::RepeatedPtrField<temporal::api::protocol::v1::Message>&);

  // Processes every event appended so far. With `live`, a final WorkflowTaskStarted runs as the
  // activation being answered; otherwise (replayer, legacy query) it only replays. The error is a
  // non-determinism error (code hdo.nondeterminism) or workflow code that threw.
  hugo::Result<hugo::Unit> Advance(bool live);
  // Whether the live activation may block its thread waiting for local activities (default). A
  // run advanced on a thread that must not block (a gRPC thread) is told not to: where it would
  // wait, the activation stops with waiting() set, and Resume, on a thread that may block, picks
  // it up from there.
  void AllowWaiting(bool allowed) { may_wait_ = allowed; }
  bool waiting() const { return waiting_; }
  // Goes on with an activation that stopped waiting(), allowed to wait now; as Advance.
  hugo::Result<hugo::Unit> Resume();

  // The reply of the live activation (taken once).
  std::vector<temporal::api::command::v1::Command> TakeCommands();
  std::vector<temporal::api::protocol::v1::Message> TakeMessages();

  // Commands produced by replay that history does not have (the replayer's final check).
  hugo::Result<hugo::Unit> CheckFullyMatched() const;

  // Answers a query against the current state.
  hugo::Result<Payloads> Query(const std::string& query_type, const Payloads& args,
                               const temporal::api::common::v1::Header& header = {});

  // The workflow id is not in history: the task (or the replayer) names it.
  void SetWorkflowId(std::string workflow_id);

  int64_t next_event_id() const { return next_event_id_; }
  bool closed() const { return closed_; }
  // The live activation ended with local activities still running, at 80 % of the task timeout:
  // its reply is a heartbeat (force_create_new_workflow_task) and the next task goes on waiting.
  bool local_activities_running() const { return heartbeat_needed_; }
  // The worker stopped (past its grace) while the live activation waited for local activities.
  bool abandoned() const { return abandoned_; }
  const WorkflowInfo& info() const { return info_; }
  const std::string& run_id() const { return info_.run_id; }

  // --- For WorkflowContext (workflow code).
  Scheduler* scheduler() { return &scheduler_; }
  bool replaying() const { return replaying_; }
  std::chrono::system_clock::time_point now() const { return now_; }
  hugo::WorkflowExecutionContext& execution_context() { return *execution_context_; }
  const std::shared_ptr<Scope>& root_scope() const { return root_scope_; }
  std::shared_ptr<SignalChannelState> SignalState(const std::string& name);
  hugo::DeterministicEffectStore& effects() { return *effects_; }
  hugo::VersionGate& versions() { return *versions_; }
  bool HasRecord(const std::string& key) const;
  uint64_t NextRandom();
  int64_t NextSequence() { return ++sequence_; }
  int64_t NextSideEffect() { return ++side_effects_; }

  const ContextPropagators& context_propagators() const { return options_.context_propagators; }
  const WorkerInterceptors& interceptors() const { return options_.interceptors; }
  // MutableSideEffect's state per id: calls so far and the last value recorded.
  struct MutableEffect {
    int64_t calls = 0;
    std::optional<Payload> last;
  };
  MutableEffect& mutable_effect(const std::string& id) { return mutable_effects_[id]; }
  // The interceptor chains (hdo/interceptor.h), built with the run when the worker has
  // interceptors (null otherwise); they outlive every coroutine an interceptor returned.
  struct Chains {
    WorkerInterceptor::SignalNext signal;
    WorkerInterceptor::QueryNext query;
    WorkerInterceptor::ValidateUpdateNext validate_update;
    WorkerInterceptor::ExecuteUpdateNext execute_update;
    WorkerInterceptor::WorkflowNext workflow;
    WorkerInterceptor::ScheduleActivityNext schedule_activity;
    WorkerInterceptor::ScheduleLocalActivityNext schedule_local_activity;
    WorkerInterceptor::StartChildWorkflowNext start_child;
    WorkerInterceptor::SignalExternalNext signal_external;
    WorkerInterceptor::StartTimerNext start_timer;
    WorkerInterceptor::CancelExternalNext cancel_external;
    WorkerInterceptor::ContinueAsNewNext continue_as_new;
  };
  const Chains* chains() const { return chains_.get(); }
  const std::map<std::string, std::string>& running_updates() const { return running_updates_; }
  Future<hugo::Result<Payloads>> ScheduleActivity(std::shared_ptr<Scope> scope,
                                                  std::string activity_type,
                                                  ActivityOptions options, Payloads input,
                                                  Header header = {});
  Future<hugo::Result<Payloads>> ScheduleLocalActivity(std::shared_ptr<Scope> scope,
                                                       std::string activity_type,
                                                       LocalActivityOptions options, Payloads input,
                                                       Header header = {});
  Future<hugo::Result<hugo::Unit>> StartTimer(std::shared_ptr<Scope> scope,
                                              std::chrono::milliseconds duration);
  std::shared_ptr<FutureState<hugo::Result<hugo::Unit>>> StartTimerState(
      std::shared_ptr<Scope> scope, std::chrono::milliseconds duration);
  WorkflowContext::RawChild StartChild(std::shared_ptr<Scope> scope, std::string workflow_type,
                                       ChildWorkflowOptions options, Payloads input,
                                       Header header = {});
  Future<hugo::Result<hugo::Unit>> SignalExternal(std::shared_ptr<Scope> scope,
                                                  std::string workflow_id, std::string run_id,
                                                  std::string signal_name, Payloads input,
                                                  bool child_workflow_only, Header header = {});
  Future<hugo::Result<hugo::Unit>> CancelExternal(std::string workflow_id, std::string run_id,
                                                  bool child_workflow_only);
  void UpsertSearchAttributes(const std::map<std::string, Payload>& attributes);
  void UpsertMemo(const std::map<std::string, Payload>& memo);
  void AddCondition(std::shared_ptr<FutureState<bool>> waiter, std::function<bool()> condition);
  void Spawn(Workflow<hugo::Unit> coroutine);
  void KeepAlive(std::shared_ptr<void> frame) { kept_frames_.push_back(std::move(frame)); }
  void SetQueryHandler(std::string name, WorkflowContext::RawQueryHandler handler,
                       QueryHandlerOptions options);
  // A signal the code asked for a channel of (listed by `__temporal_workflow_metadata`); a
  // description given once is kept when the channel is asked for again without one.
  void DeclareSignal(const std::string& name, std::string description);
  // Signal names with received values no channel read yet, sorted.
  std::vector<std::string> UnhandledSignalNames() const;
  void SetCurrentDetails(std::string details) { current_details_ = std::move(details); }
  const std::string& current_details() const { return current_details_; }
  void SetUpdateHandler(std::string name, WorkflowContext::RawUpdateHandler handler,
                        WorkflowContext::RawUpdateValidator validator,
                        UpdateHandlerOptions options);
  // An update handler finished: its response message (and command).
  void CompleteUpdateFromCoroutine(const std::string& update_id,
                                   const hugo::Result<Payloads>& outcome);
  // Records a marker (for the effect / version store).
  void RecordMarker(const std::string& name, const std::string& key,
                    const hugo::DeterministicRecord& record);

 private:
  struct ActivityState {
    std::string activity_id;
    std::string activity_type;
    std::shared_ptr<Command> command;
    std::shared_ptr<FutureState<hugo::Result<Payloads>>> future;
    ActivityCancellationType cancellation_type;
    int64_t scheduled_event_id = 0;
    bool cancel_requested = false;
  };

  struct TimerState {
    std::string timer_id;
    std::shared_ptr<Command> command;
    std::shared_ptr<FutureState<hugo::Result<hugo::Unit>>> future;
    bool recorded = false;
  };

  // One attempt (or, in the worker, a run of attempts) of a local activity call; a retry after
  // a timer is a new state with the call's fields, a new id and the next attempt number.
  struct LocalActivityState {
    std::string activity_id;
    std::string activity_type;
    LocalActivityOptions options;
    Payloads input;
    HeaderFields header;
    std::shared_ptr<FutureState<hugo::Result<Payloads>>> future;  // the call's, all attempts
    // The call's scope: weak, as the scope's cancel handlers hold this state.
    std::weak_ptr<Scope> scope;
    std::chrono::system_clock::time_point scheduled;  // workflow time of the call
    int32_t attempt = 1;
    bool canceled = false;
    // Live only: the attempt running off the task's thread (0: none), when it must end, and
    // the workflow's cancellation of it; or, between attempts retried in the worker, when the
    // next one starts.
    int32_t running_attempt = 0;
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    std::optional<std::chrono::steady_clock::time_point> retry_at;
    std::stop_source cancel{std::nostopstate};
  };
  // Where running attempts post their outcomes; shared with them, so that it outlives the run.
  struct LocalOutcome {
    std::string activity_id;
    int32_t attempt;
    hugo::Result<Payloads> outcome;
  };
  struct LocalMailbox {
    std::mutex mutex;
    std::condition_variable_any posted;
    std::deque<LocalOutcome> outcomes;
    void Post(LocalOutcome outcome);
  };
  // A failed attempt retried after a durable timer (recorded in its marker).
  struct LocalRetry {
    int32_t attempt;
    std::chrono::milliseconds backoff;
  };

  struct ChildState {
    std::string workflow_id;
    std::shared_ptr<Command> command;
    std::shared_ptr<FutureState<hugo::Result<WorkflowExecution>>> started;
    std::shared_ptr<FutureState<hugo::Result<Payloads>>> result;
    int64_t initiated_event_id = 0;
    bool cancel_requested = false;
  };

  struct ExternalState {
    std::shared_ptr<Command> command;
    std::shared_ptr<FutureState<hugo::Result<hugo::Unit>>> future;
  };
  class MarkerStore;
  struct Activation {
    size_t started_index;
    bool replaying;
  };

  void Fail(hugo::Error error);
  bool IsCommandEvent(EventType type) const;
  void ApplyEvent(const HistoryEvent& event);
  void MatchCommand(const HistoryEvent& event);
  void ApplyActivityEvent(const HistoryEvent& event);
  void ApplyChildEvent(const HistoryEvent& event);
  void ApplyExternalEvent(const HistoryEvent& event);
  void ApplySignal(const HistoryEvent& event);
  void ApplyCancelRequest();
  static hugo::Error ActivityError(const temporal::api::failure::v1::Failure& failure,
                                   temporal::api::enums::v1::RetryState retry_state);
  static hugo::Error ChildError(const temporal::api::common::v1::WorkflowExecution& execution,
                                hugo::Error cause);
  template <class Events>
  hugo::Result<hugo::Unit> Append(Events& events);
  void RunActivation(const Activation& activation);
  // The activation's loop (workflow code, updates, conditions, local activities) up to its reply,
  // or up to a wait it may not make (waiting_).
  void ContinueActivation();
  void ReadLookAhead(size_t completed_index);
  void StartRoot();
  bool CheckConditions();
  bool ResolveLocalActivities();
  // The run's workflow task timeout (the server's default, 10 s, when history does not say).
  std::chrono::milliseconds TaskTimeout() const {
    return info_.task_timeout.count() > 0 ? info_.task_timeout : std::chrono::milliseconds(10'000);
  }
  bool ResolveLocalActivityFromMarker();
  void AddLocalAttempt(const std::shared_ptr<LocalActivityState>& state,
                       const std::shared_ptr<Scope>& scope);
  void StartLocalAttempt(const std::shared_ptr<LocalActivityState>& state);
  // Applies a live attempt's outcome; true when the workflow sees it (a marker, a resolved call).
  bool ApplyLocalOutcome(std::shared_ptr<LocalActivityState> state, int32_t attempt,
                         hugo::Result<Payloads> outcome);
  // The wait before the next attempt after `attempt` failed with `error`; none when the retry
  // policy, the error or the schedule-to-close timeout ends the retries.
  std::optional<std::chrono::milliseconds> LocalRetryBackoff(const LocalActivityState& state,
                                                             int32_t attempt,
                                                             const hugo::Error& error) const;
  void RetryLocalActivityAfter(const std::shared_ptr<LocalActivityState>& state, LocalRetry retry);
  static std::optional<LocalRetry> LocalRetryOf(
      const temporal::api::history::v1::MarkerRecordedEventAttributes& marker);
  void RecordLocalActivityMarker(LocalActivityState& state, const hugo::Result<Payloads>& result,
                                 std::optional<LocalRetry> retry);
  bool DeliverUpdates();
  void DeliverUpdate(const temporal::api::update::v1::Request& request,
                     const std::string& message_id, int64_t sequencing_event_id, bool validate);
  void CheckRootDone();
  void FinishActivation();
  std::shared_ptr<Command> AddCommand(temporal::api::command::v1::Command proto,
                                      EventType event_type, std::string key);
  void AddProtocolMessage(temporal::api::protocol::v1::Message message, bool with_command,
                          EventType event_type, std::string key);
  WorkflowContext RootContext();

  const WorkflowRegistry* registry_;
  LocalActivityRunner local_activities_;
  WorkflowRunOptions options_;

  std::vector<HistoryEvent> events_;
  size_t cursor_ = 0;
  int64_t next_event_id_ = 1;
  WorkflowInfo info_;
  Payloads input_;
  std::unique_ptr<hugo::WorkflowExecutionContext> execution_context_;

  Scheduler scheduler_;
  std::shared_ptr<Scope> root_scope_ = std::make_shared<Scope>();
  // What the propagators extracted from the start header (RootContext's values).
  std::shared_ptr<const HeaderFields> root_values_;
  std::unique_ptr<Chains> chains_;
  void BuildChains();
  // Logs (not on replay) the updates whose handlers a completing run leaves running.
  void WarnOfRunningUpdates() const;
  void DeliverSignal(const SignalInput& input);
  hugo::Result<Payloads> AnswerQuery(const QueryInput& input);
  // The built-in queries' answers.
  std::string StackTrace() const;
  hugo::Result<Payloads> WorkflowMetadata() const;
  hugo::Result<hugo::Unit> RunUpdateValidator(const UpdateInput& input);
  Workflow<Payloads> RunUpdateHandler(WorkflowContext ctx, const UpdateInput& input);
  Workflow<Payloads> StartUpdateHandler(WorkflowContext ctx, const UpdateInput& input);
  std::optional<Workflow<Payloads>> root_;
  std::vector<Workflow<hugo::Unit>> spawned_;
  std::vector<std::shared_ptr<void>> kept_frames_;
  bool started_ = false;
  bool closed_ = false;
  bool replaying_ = true;
  bool cancel_requested_ = false;
  std::chrono::system_clock::time_point now_;
  std::optional<hugo::Error> failure_;

  int64_t sequence_ = 0;
  int64_t side_effects_ = 0;
  // Seeded from first_execution_run_id on first use (NextRandom): the seeding (std::seed_seq over
  // 312 words) cost a run that never draws a random number about 2 % of a worker's CPU.
  std::mt19937_64 random_;
  bool random_seeded_ = false;

  std::vector<std::shared_ptr<Command>> pending_;
  std::deque<std::shared_ptr<Command>> sent_;
  std::vector<temporal::api::command::v1::Command> reply_commands_;
  std::vector<temporal::api::protocol::v1::Message> reply_messages_;
  std::vector<temporal::api::protocol::v1::Message> outgoing_messages_;

  std::map<int64_t, std::shared_ptr<ActivityState>> activities_;  // by scheduled event id
  std::map<std::string, std::shared_ptr<TimerState>> timers_;     // by timer id
  // Local activity calls the code made that neither run nor have their marker yet (in replay
  // they wait for it, across activations); live attempts in flight or waiting to be retried.
  std::vector<std::shared_ptr<LocalActivityState>> local_pending_;
  std::map<std::string, std::shared_ptr<LocalActivityState>> local_running_;  // by activity id
  std::shared_ptr<LocalMailbox> local_mailbox_;  // made by the run's first live attempt
  // The look-ahead's local activity markers, in history order (activity id, event): replay
  // resolves them one at a time, in that order, as the live run resolved their outcomes.
  std::vector<std::pair<std::string, HistoryEvent>> local_markers_;
  size_t local_marker_next_ = 0;  // the next one to resolve
  // The live activation's heartbeat time (80 % of the task timeout after it began).
  std::chrono::steady_clock::time_point heartbeat_at_;
  bool heartbeat_needed_ = false;
  bool abandoned_ = false;
  bool may_wait_ = true;
  bool waiting_ = false;
  // The live activation's progress through its loop (kept across a stop for waiting_).
  int activation_loops_ = 0;
  bool updates_delivered_ = false;
  std::map<int64_t, std::shared_ptr<ChildState>> children_;      // by initiated event id
  std::map<int64_t, std::shared_ptr<ExternalState>> externals_;  // by initiated event id
  std::map<std::string, std::shared_ptr<SignalChannelState>> signals_;
  std::vector<std::pair<std::shared_ptr<FutureState<bool>>, std::function<bool()>>> conditions_;
  struct QueryHandlerEntry {
    WorkflowContext::RawQueryHandler handler;
    QueryHandlerOptions options;
  };
  std::map<std::string, QueryHandlerEntry> queries_;
  std::map<std::string, std::string> signal_definitions_;  // declared signal -> description
  std::string current_details_;
  struct UpdateHandlerEntry {
    WorkflowContext::RawUpdateHandler handler;
    WorkflowContext::RawUpdateValidator validator;
    UpdateHandlerOptions options;
  };
  std::map<std::string, UpdateHandlerEntry> update_handlers_;
  std::vector<temporal::api::protocol::v1::Message> incoming_messages_;
  std::vector<temporal::api::protocol::v1::Message> admitted_updates_;
  std::vector<temporal::api::update::v1::Request> replay_updates_;  // look-ahead accepted
  std::set<std::string> delivered_updates_;
  std::map<std::string, MutableEffect> mutable_effects_;
  // Accepted updates whose handler has not returned: update id -> update name.
  std::map<std::string, std::string> running_updates_;

  std::shared_ptr<MarkerStore> marker_store_;
  std::unique_ptr<hugo::DeterministicEffectStore> effects_;
  std::unique_ptr<hugo::VersionGate> versions_;
};

}  // namespace hdo::internal
