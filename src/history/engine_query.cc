// Queries. While the run has a workflow task scheduled or started, a query goes with that task
// (the poll response's `queries`, answered in RespondWorkflowTaskCompleted.query_results), so its
// answer reflects the events that task delivers; otherwise a query task goes to the workflow's
// worker through matching (its sticky queue while that worker is alive, else the normal queue,
// where any worker replays the history to answer). The client's call waits, without a thread,
// until the worker answers or the client's deadline passes. Queries never write history; a dead
// sticky worker's stickiness is cleared so that the query, and the next workflow task, reach a live
// worker.
#include "common/error_codes.h"
#include "history/engine.h"
#include "history/engine_errors.h"
#include "history/time_util.h"

namespace hdo::history {
namespace {

using internal::InvalidArgument;

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
using persistence::v1::MutableState;
using persistence::v1::QueryTaskToken;

// While the workflow task has failed this many times, queries fail at once: the worker would fail
// them too (the reference's failQueryWorkflowTaskAttemptCount).
constexpr int32_t kQueryFailingTaskAttempts = 3;

// A query to a run that closed before any workflow task started: no worker has the workflow to
// ask (the reference's ErrWorkflowClosedBeforeWorkflowTaskStarted).
hugo::Error ClosedBeforeTaskStarted() {
  return hugo::Error::From("Workflow execution closed before WorkflowTaskStarted event",
                           errors::kWorkflowNotReady);
}

// A worker's answer to a query, failed instead when it is larger than the blob size limit: the
// reference checks every answer with common.CheckEventBlobSizeLimit. An answer to a query task
// is turned into a failed answer with that error's message (the caller gets QueryFailed); an
// answer in a workflow task's reply fails the query with the error itself (InvalidArgument).
enum class OversizeAs { kQueryFailed, kInvalidArgument };
hugo::Result<wf::QueryWorkflowResponse> AnswerWithin(
    const temporal::api::common::v1::Payloads* answer, size_t limit, OversizeAs oversize) {
  if (answer != nullptr && answer->ByteSizeLong() > limit) {
    static constexpr char kMessage[] = "Blob data size exceeds limit.";
    if (oversize == OversizeAs::kInvalidArgument) return InvalidArgument(kMessage);
    return hugo::Error::From(kMessage, errors::kQueryFailed);
  }
  wf::QueryWorkflowResponse response;
  if (answer != nullptr) *response.mutable_query_result() = *answer;
  return hugo::Ok(std::move(response));
}

}  // namespace

uint64_t Engine::Query(const std::string& namespace_id, const std::string& namespace_name,
                       const wf::QueryWorkflowRequest& request, std::chrono::milliseconds wait,
                       Done<wf::QueryWorkflowResponse> done) {
  const auto& execution = request.execution();
  auto run_id = ResolveRunId(namespace_id, execution.workflow_id(), execution.run_id());
  if (run_id.IsFailure()) {
    done(run_id.Error());
    return 0;
  }
  auto begun = Begin({namespace_id, execution.workflow_id(), run_id.Value()});
  if (begun.IsFailure()) {
    done(begun.Error());
    return 0;
  }
  Mutation& m = begun.Value();
  MutableState& state = m.run.state;
  const auto status = static_cast<enums::WorkflowExecutionStatus>(state.status());
  const bool running = status == enums::WORKFLOW_EXECUTION_STATUS_RUNNING;
  const bool reject =
      (request.query_reject_condition() == enums::QUERY_REJECT_CONDITION_NOT_OPEN && !running) ||
      (request.query_reject_condition() == enums::QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY &&
       !running && status != enums::WORKFLOW_EXECUTION_STATUS_COMPLETED);
  if (reject) {
    wf::QueryWorkflowResponse response;
    response.mutable_query_rejected()->set_status(status);
    done(hugo::Ok(std::move(response)));
    return 0;
  }
  // A worker can answer only after a workflow task has completed (before that the SDK has no
  // workflow to ask): until then the query waits for the first task and goes with it. The
  // reference's refusals, in its order (history's queryworkflow API):
  const bool completed_any = state.last_completed_workflow_task_started_event_id() != 0;
  if (!running && !completed_any) {
    done(ClosedBeforeTaskStarted());
    return 0;
  }
  if (running && PendingOnBackoff(state) &&
      ToMillis(state.execution_time()) > NowMs() + wait.count()) {
    // The first task waits for its backoff (cron, retry, start delay) past the client's deadline.
    done(hugo::Error::From("Workflow task is not scheduled yet.", errors::kWorkflowNotReady));
    return 0;
  }
  if (running && state.has_workflow_task() &&
      state.workflow_task().attempt() >= kQueryFailingTaskAttempts) {
    done(hugo::Error::From("Unable to query workflow due to Workflow Task in failed state.",
                           errors::kWorkflowNotReady));
    return 0;
  }
  const uint64_t query_id = next_query_id_++;
  PendingQuery& pending = queries_[query_id];
  pending.namespace_id = namespace_id;
  pending.namespace_name = namespace_name;
  pending.workflow_id = execution.workflow_id();
  pending.run_id = run_id.Value();
  pending.query = request.query();
  pending.done = std::move(done);
  pending.deadline = std::make_unique<asio::steady_timer>(executor_);
  pending.deadline->expires_after(wait);
  pending.deadline->async_wait([this, query_id](const std::error_code& error) {
    if (!error) CancelQuery(query_id);
  });
  if (running && (state.has_workflow_task() || !completed_any)) {
    // Events are waiting for the workflow (or its first task has not completed): the query goes
    // with the next workflow task, so that its answer reflects them (reference: buffered queries).
    pending.buffered = true;
    run_queries_.emplace(pending.run_id, query_id);
    return query_id;
  }
  if (running && !state.sticky_task_queue().empty() &&
      !matcher_->StickyAlive(namespace_id, state.sticky_task_queue())) {
    state.clear_sticky_task_queue();
    state.clear_sticky_schedule_to_start_timeout();
    auto committed = Commit(m);
    if (committed.IsFailure()) {
      FinishQuery(query_id, committed.Error());
      return 0;
    }
  }
  DispatchQueryTask(query_id, state);
  // 0 when it already ended (its done ran): the caller must not wait for it.
  return queries_.count(query_id) > 0 ? query_id : 0;
}

void Engine::DispatchQueryTask(uint64_t query_id, const MutableState& state) {
  auto found = queries_.find(query_id);
  if (found == queries_.end()) return;
  PendingQuery& pending = found->second;
  const bool running = state.status() == enums::WORKFLOW_EXECUTION_STATUS_RUNNING;
  std::string queue = state.task_queue();
  if (running && !state.sticky_task_queue().empty() &&
      matcher_->StickyAlive(state.namespace_id(), state.sticky_task_queue())) {
    queue = state.sticky_task_queue();
    google::protobuf::Duration sticky_wait = state.sticky_schedule_to_start_timeout();
    if (sticky_wait.seconds() == 0 && sticky_wait.nanos() == 0) sticky_wait.set_seconds(5);
    pending.sticky_fallback = std::make_unique<asio::steady_timer>(executor_);
    pending.sticky_fallback->expires_after(
        std::chrono::milliseconds(sticky_wait.seconds() * 1000 + sticky_wait.nanos() / 1'000'000));
    pending.sticky_fallback->async_wait([this, query_id](const std::error_code& error) {
      if (!error) FallBackFromSticky(query_id);
    });
  }
  pending.normal_queue = state.task_queue();
  pending.pinned_version = PinnedVersion(state);
  pending.build_id_directive = BuildIdDirective(state);
  matching::Task task;
  task.namespace_id = pending.namespace_id;
  task.workflow_id = pending.workflow_id;
  task.run_id = pending.run_id;
  task.query_id = query_id;
  task.pinned = pending.pinned_version;
  task.build_id_directive = pending.build_id_directive;
  task.sticky = queue != state.task_queue();
  matcher_->AddQueryTask(queue, std::move(task));
}

void Engine::ServeBufferedQueries(const MutableState& state) {
  auto [begin, end] = run_queries_.equal_range(state.run_id());
  if (begin == end) return;
  const bool running = state.status() == enums::WORKFLOW_EXECUTION_STATUS_RUNNING;
  const auto& task = state.workflow_task();
  const bool task_pending = running && state.has_workflow_task();
  const bool completed_any = state.last_completed_workflow_task_started_event_id() != 0;
  std::vector<uint64_t> direct;
  std::vector<uint64_t> closed_before_task;
  for (auto it = begin; it != end;) {
    auto found = queries_.find(it->second);
    if (found == queries_.end()) {
      it = run_queries_.erase(it);
      continue;
    }
    PendingQuery& pending = found->second;
    if (pending.delivered_started_event_id != 0) {
      const bool still_running = task_pending &&
                                 task.started_event_id() == pending.delivered_started_event_id &&
                                 task.attempt() == pending.delivered_attempt;
      if (still_running) {
        ++it;
        continue;
      }
      pending.delivered_started_event_id = 0;  // the task ended without answering it
    }
    if (task_pending || (running && !completed_any)) {
      ++it;  // goes with the next workflow task (the first one, after its backoff)
      continue;
    }
    pending.buffered = false;
    if (!completed_any) {
      closed_before_task.push_back(it->second);
      it = run_queries_.erase(it);
      continue;
    }
    direct.push_back(it->second);
    it = run_queries_.erase(it);
  }
  for (uint64_t query_id : direct) DispatchQueryTask(query_id, state);
  for (uint64_t query_id : closed_before_task) FinishQuery(query_id, ClosedBeforeTaskStarted());
}

void Engine::AttachBufferedQueries(const MutableState& state,
                                   wf::PollWorkflowTaskQueueResponse* response) {
  auto [begin, end] = run_queries_.equal_range(state.run_id());
  for (auto it = begin; it != end; ++it) {
    auto found = queries_.find(it->second);
    if (found == queries_.end() || found->second.delivered_started_event_id != 0) continue;
    (*response->mutable_queries())[std::to_string(it->second)] = found->second.query;
    found->second.delivered_started_event_id = state.workflow_task().started_event_id();
    found->second.delivered_attempt = state.workflow_task().attempt();
  }
}

void Engine::AnswerQueries(
    const std::string& run_id,
    const google::protobuf::Map<std::string, temporal::api::query::v1::WorkflowQueryResult>&
        results) {
  for (const auto& [key, result] : results) {
    uint64_t query_id = 0;
    try {
      query_id = std::stoull(key);
    } catch (const std::exception&) {
      continue;  // not an id this server gave out
    }
    // Only queries of the task's own run are answered by it.
    auto found = queries_.find(query_id);
    if (found == queries_.end() || found->second.run_id != run_id) continue;
    if (result.result_type() == enums::QUERY_RESULT_TYPE_ANSWERED) {
      FinishQuery(query_id, AnswerWithin(result.has_answer() ? &result.answer() : nullptr,
                                         options_.blob_size_max, OversizeAs::kInvalidArgument));
    } else {
      std::string message = result.error_message();
      if (message.empty() && result.has_failure()) message = result.failure().message();
      FinishQuery(query_id, hugo::Error::From(message, errors::kQueryFailed));
    }
  }
}

void Engine::FallBackFromSticky(uint64_t query_id) {
  auto found = queries_.find(query_id);
  if (found == queries_.end() || found->second.delivered) return;
  PendingQuery& pending = found->second;
  matcher_->RemoveQuery(query_id);
  auto begun = Begin({pending.namespace_id, pending.workflow_id, pending.run_id});
  if (begun.IsSuccess() && !begun.Value().run.state.sticky_task_queue().empty()) {
    begun.Value().run.state.clear_sticky_task_queue();
    begun.Value().run.state.clear_sticky_schedule_to_start_timeout();
    (void)Commit(begun.Value());  // best effort: stickiness is only an optimization
  }
  matching::Task task;
  task.namespace_id = pending.namespace_id;
  task.workflow_id = pending.workflow_id;
  task.run_id = pending.run_id;
  task.query_id = query_id;
  task.pinned = pending.pinned_version;
  task.build_id_directive = pending.build_id_directive;
  matcher_->AddQueryTask(pending.normal_queue, std::move(task));
}

void Engine::CancelQuery(uint64_t query_id) {
  FinishQuery(query_id, hugo::Error::From("query timed out before a worker answered it",
                                          errors::kDeadlineExceeded));
}

void Engine::FinishQuery(uint64_t query_id, hugo::Result<wf::QueryWorkflowResponse> result) {
  auto found = queries_.find(query_id);
  if (found == queries_.end()) return;
  PendingQuery pending = std::move(found->second);
  queries_.erase(found);
  if (pending.buffered) {
    auto [begin, end] = run_queries_.equal_range(pending.run_id);
    for (auto it = begin; it != end; ++it) {
      if (it->second == query_id) {
        run_queries_.erase(it);
        break;
      }
    }
  }
  matcher_->RemoveQuery(query_id);
  pending.deadline->cancel();
  if (pending.sticky_fallback) pending.sticky_fallback->cancel();
  pending.done(std::move(result));
}

hugo::Result<wf::PollWorkflowTaskQueueResponse> Engine::RecordQueryTaskStarted(
    const matching::Task& task, const matching::Poller& poller) {
  auto found = queries_.find(task.query_id);
  if (found == queries_.end()) {
    return hugo::Error::From("query is no longer pending", errors::kNotFound);
  }
  auto loaded = LoadRun({task.namespace_id, task.workflow_id, task.run_id});
  if (loaded.IsFailure()) {
    FinishQuery(task.query_id, loaded.Error());
    return hugo::Error::From("query is no longer pending", errors::kNotFound);
  }
  const MutableState& state = loaded.Value().state;
  const int64_t previous_started = state.last_completed_workflow_task_started_event_id();
  wf::PollWorkflowTaskQueueResponse response;
  // A sticky worker answers from the run it has cached (no events, as the reference sends);
  // any other worker replays the history up to the last completed workflow task.
  if (!poller.sticky) {
    auto history = ReadEvents(loaded.Value().record.key, 1, state.next_event_id() - 1);
    if (history.IsFailure()) return history.Error();
    *response.mutable_history() = std::move(history).Value();
  } else {
    response.mutable_history();
  }
  found->second.delivered = true;
  QueryTaskToken token;
  token.set_namespace_id(task.namespace_id);
  token.set_query_id(task.query_id);
  response.set_task_token(token.SerializeAsString());
  response.mutable_workflow_execution()->set_workflow_id(state.workflow_id());
  response.mutable_workflow_execution()->set_run_id(state.run_id());
  response.mutable_workflow_type()->set_name(state.workflow_type());
  response.set_previous_started_event_id(previous_started);
  *response.mutable_query() = found->second.query;
  response.mutable_workflow_execution_task_queue()->set_name(state.task_queue());
  response.mutable_workflow_execution_task_queue()->set_kind(enums::TASK_QUEUE_KIND_NORMAL);
  return hugo::Ok(std::move(response));
}

hugo::Result<wf::RespondQueryTaskCompletedResponse> Engine::CompleteQuery(
    const std::string& namespace_id, const wf::RespondQueryTaskCompletedRequest& request) {
  QueryTaskToken token;
  if (request.task_token().empty()) return InvalidArgument("Task token not set on request.");
  if (!token.ParseFromString(request.task_token()) || token.query_id() == 0) {
    return InvalidArgument("Error deserializing task token.");
  }
  if (token.namespace_id() != namespace_id) {
    return InvalidArgument("Operation requested with a token from a different namespace.");
  }
  if (queries_.count(token.query_id()) == 0) {
    return hugo::Error::From("query task not found: it was answered or its caller left",
                             errors::kNotFound);
  }
  if (request.completed_type() == enums::QUERY_RESULT_TYPE_ANSWERED) {
    FinishQuery(token.query_id(),
                AnswerWithin(request.has_query_result() ? &request.query_result() : nullptr,
                             options_.blob_size_max, OversizeAs::kQueryFailed));
  } else {
    std::string message = request.error_message();
    if (message.empty() && request.has_failure()) message = request.failure().message();
    FinishQuery(token.query_id(), hugo::Error::From(message, errors::kQueryFailed));
  }
  return hugo::Ok(wf::RespondQueryTaskCompletedResponse());
}

}  // namespace hdo::history
