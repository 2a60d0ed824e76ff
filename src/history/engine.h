// The history service's engine: owns workflow runs (mutable state and event history) and turns
// requests into events, state and outbox tasks, committed in one store transaction before any
// reply. Built so far: start (request_id idempotency, id reuse and conflict policies), workflow
// tasks (scheduled, started through matching, completed with close commands), history reads with
// paging and the long poll the SDKs use to wait for a result, and recovery of undelivered
// workflow tasks from the outbox at startup.
//
// Owned by the server. Not thread-safe: every method runs on the engine thread, which also owns
// the store (see docs/architecture/history.md); callbacks are invoked there too.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/uuid.h"
#include "hdo/persistence/v1/execution.pb.h"
#include "hugo/result.h"
#include "matching/matcher.h"
#include "persistence/execution_store.h"
#include "temporal/api/workflowservice/v1/request_response.pb.h"

namespace hdo::history {

// The events a transition appends, numbered from the run's next_event_id.
struct MutableStateEvents {
  persistence::v1::MutableState* state;
  temporal::api::history::v1::History history;
};

class Engine {
 public:
  struct Options {
    std::chrono::seconds default_workflow_task_timeout = std::chrono::seconds(10);
    std::chrono::seconds max_workflow_task_timeout = std::chrono::seconds(120);
    // How long a history long poll waits before answering "nothing yet, ask again".
    std::chrono::milliseconds history_long_poll = std::chrono::seconds(20);
    int history_page_size_default = 256;
  };
  using Now = std::function<google::protobuf::Timestamp()>;
  using HistoryDone = std::function<void(
      hugo::Result<temporal::api::workflowservice::v1::GetWorkflowExecutionHistoryResponse>)>;

  Engine(persistence::ExecutionStore* store, matching::Matcher* matcher,
         asio::any_io_executor executor, Options options, Now now);

  // Hands every stored, undelivered workflow task to matching (call once at startup).
  hugo::Result<int> Recover();

  // `namespace_id` is resolved and the request validated by the frontend.
  hugo::Result<temporal::api::workflowservice::v1::StartWorkflowExecutionResponse> StartWorkflow(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::StartWorkflowExecutionRequest& request);

  // Answers every parked history long poll now, as if its window had ended (server shutdown).
  void ReleaseWaiters();

  // Matching's hand-off: records the task started and builds the poll response with history.
  hugo::Result<temporal::api::workflowservice::v1::PollWorkflowTaskQueueResponse>
  RecordWorkflowTaskStarted(const matching::WorkflowTask& task, const std::string& poll_request_id,
                            const std::string& identity);

  hugo::Result<temporal::api::workflowservice::v1::RespondWorkflowTaskCompletedResponse>
  CompleteWorkflowTask(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::RespondWorkflowTaskCompletedRequest& request);

  // Terminates a running run: a started workflow task is failed (FORCE_CLOSE_COMMAND) first, then
  // WorkflowExecutionTerminated closes the run. NotFound when the run is closed or, with
  // first_execution_run_id, belongs to another chain.
  hugo::Result<temporal::api::workflowservice::v1::TerminateWorkflowExecutionResponse> Terminate(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::TerminateWorkflowExecutionRequest& request);

  // Answers at once, or (wait_new_event on a run that has nothing new yet) when the run changes
  // or the long poll ends. `done` is called exactly once.
  void GetHistory(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::GetWorkflowExecutionHistoryRequest& request,
      HistoryDone done);

 private:
  struct LoadedRun {
    persistence::RunRecord record;
    persistence::v1::MutableState state;
  };
  struct HistoryWaiter {
    temporal::api::workflowservice::v1::GetWorkflowExecutionHistoryRequest request;
    std::string namespace_id;
    HistoryDone done;
    std::unique_ptr<asio::steady_timer> timer;
  };

  hugo::Result<LoadedRun> LoadRun(const persistence::RunKey& key);
  hugo::Result<std::string> ResolveRunId(const std::string& namespace_id,
                                         const std::string& workflow_id, const std::string& run_id);
  // Commits a run's new state and events with outbox changes, then wakes history waiters.
  hugo::Result<hugo::Unit> Commit(LoadedRun& run, persistence::RunWrite write,
                                  std::vector<persistence::v1::TransferTask> new_tasks,
                                  std::vector<int64_t> completed_task_ids,
                                  std::vector<int64_t>* new_task_ids);
  void Dispatch(const persistence::v1::TransferTask& task, int64_t task_id);
  hugo::Result<temporal::api::history::v1::History> ReadEvents(const persistence::RunKey& key,
                                                               int64_t first_event_id,
                                                               int64_t last_event_id);
  // One answer to a history request, or nullopt-like "wait" (returns false) for a long poll.
  bool TryAnswerHistory(
      const std::string& namespace_id,
      const temporal::api::workflowservice::v1::GetWorkflowExecutionHistoryRequest& request,
      bool deadline_passed, const HistoryDone& done);
  void WakeWaiters(const std::string& run_id);
  temporal::api::history::v1::HistoryEvent* AddEvent(MutableStateEvents& events,
                                                     temporal::api::enums::v1::EventType type);

  persistence::ExecutionStore* store_;
  matching::Matcher* matcher_;
  asio::any_io_executor executor_;
  Options options_;
  Now now_;
  UuidGenerator uuids_;
  int64_t next_task_id_ = 1;
  int64_t next_event_task_id_ = 1;
  std::multimap<std::string, std::shared_ptr<HistoryWaiter>> waiters_;  // by run id
};

}  // namespace hdo::history
