#include "worker/batcher.h"

#include <algorithm>
#include <cmath>

#include "common/error_codes.h"
#include "common/log.h"
#include "common/metrics.h"
#include "history/time_util.h"
#include "visibility/query_parser.h"

// The reference reports batch jobs with the operation types' original values (TERMINATE, not
// TERMINATE_WORKFLOW), and clients still send the deprecated `executions`, reset types and
// reapply types: this file reads and writes those fields on purpose.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace hdo::worker {
namespace {

namespace wf = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;
namespace common = temporal::api::common::v1;
namespace batch = temporal::api::batch::v1;
using history::TimestampFromMillis;
using history::ToMillis;
using persistence::v1::BatchOperationState;

constexpr size_t kJobIdLengthMax = 1000;
constexpr std::chrono::hours kDefaultRetention{7 * 24};
// A page that could not be listed is tried again after this long (the reference retries its
// activity from 10 s on).
constexpr int64_t kListRetryMs = 10'000;

metrics::Counter& Operations(bool success) {
  static metrics::Counter* succeeded = metrics::DefaultRegistry().GetCounter(
      "hdo_batcher_operations_total",
      "Batch operations' targets done: succeeded (or already gone), or failed after every attempt.",
      {{"result", "success"}});
  static metrics::Counter* failed = metrics::DefaultRegistry().GetCounter(
      "hdo_batcher_operations_total",
      "Batch operations' targets done: succeeded (or already gone), or failed after every attempt.",
      {{"result", "failure"}});
  return success ? *succeeded : *failed;
}

hugo::Error InvalidArgument(std::string message) {
  return hugo::Error::From(std::move(message), errors::kInvalidArgument);
}

hugo::Error Unimplemented(const std::string& operation, const std::string& why) {
  return hugo::Error::From("hdo does not run batch " + operation + " operations: " + why,
                           errors::kUnimplemented);
}

hugo::Error JobNotFound(const std::string& job_id) {
  return hugo::Error::From("batch operation '" + job_id + "' not found", errors::kNotFound);
}

// The operation's type as the reference reports it (its enum's original values), and its
// identity.
std::pair<enums::BatchOperationType, std::string> TypeAndIdentity(
    const wf::StartBatchOperationRequest& request) {
  switch (request.operation_case()) {
    case wf::StartBatchOperationRequest::kTerminationOperation:
      return {enums::BATCH_OPERATION_TYPE_TERMINATE, request.termination_operation().identity()};
    case wf::StartBatchOperationRequest::kSignalOperation:
      return {enums::BATCH_OPERATION_TYPE_SIGNAL, request.signal_operation().identity()};
    case wf::StartBatchOperationRequest::kCancellationOperation:
      return {enums::BATCH_OPERATION_TYPE_CANCEL, request.cancellation_operation().identity()};
    case wf::StartBatchOperationRequest::kDeletionOperation:
      return {enums::BATCH_OPERATION_TYPE_DELETE, request.deletion_operation().identity()};
    case wf::StartBatchOperationRequest::kResetOperation:
      return {enums::BATCH_OPERATION_TYPE_RESET, request.reset_operation().identity()};
    case wf::StartBatchOperationRequest::kUnpauseActivitiesOperation:
      return {enums::BATCH_OPERATION_TYPE_UNPAUSE_ACTIVITY,
              request.unpause_activities_operation().identity()};
    case wf::StartBatchOperationRequest::kResetActivitiesOperation:
      return {enums::BATCH_OPERATION_TYPE_RESET_ACTIVITY,
              request.reset_activities_operation().identity()};
    case wf::StartBatchOperationRequest::kUpdateActivityOptionsOperation:
      return {enums::BATCH_OPERATION_TYPE_UPDATE_ACTIVITY_OPTIONS,
              request.update_activity_options_operation().identity()};
    case wf::StartBatchOperationRequest::kUpdateWorkflowOptionsOperation:
      return {enums::BATCH_OPERATION_TYPE_UPDATE_EXECUTION_OPTIONS,
              request.update_workflow_options_operation().identity()};
    default:
      return {enums::BATCH_OPERATION_TYPE_UNSPECIFIED, ""};
  }
}

// The workflows a request lists (the deprecated `executions` or `target_executions`).
std::vector<common::WorkflowExecution> ListedExecutions(const wf::StartBatchOperationRequest& r) {
  std::vector<common::WorkflowExecution> listed(r.executions().begin(), r.executions().end());
  for (const auto& target : r.target_executions()) {
    common::WorkflowExecution execution;
    execution.set_workflow_id(target.business_id());
    execution.set_run_id(target.run_id());
    listed.push_back(std::move(execution));
  }
  return listed;
}

// An activity operation's filter: a type, or match_all.
template <class Operation>
hugo::Result<hugo::Unit> ValidateActivityFilter(const Operation& operation) {
  if ((operation.activity_case() == Operation::kType && operation.type().empty()) ||
      (operation.activity_case() == Operation::kMatchAll && !operation.match_all()) ||
      operation.activity_case() == Operation::ACTIVITY_NOT_SET) {
    return InvalidArgument("Either activity type must be set, or match all should be set to true");
  }
  return hugo::Ok();
}

// reference: batcher.ValidateBatchOperation, with the operations hdo cannot carry out refused.
hugo::Result<hugo::Unit> Validate(const wf::StartBatchOperationRequest& request) {
  const bool listed = request.executions_size() > 0 || request.target_executions_size() > 0;
  if (request.operation_case() == wf::StartBatchOperationRequest::OPERATION_NOT_SET ||
      request.reason().empty() || (request.visibility_query().empty() && !listed)) {
    return InvalidArgument(
        "must provide required parameters: BatchType/Reason/Namespace/Query/Executions");
  }
  if (request.job_id().empty()) return InvalidArgument("JobId is not set on request.");
  if (request.job_id().size() > kJobIdLengthMax) {
    return InvalidArgument("JobId is longer than " + std::to_string(kJobIdLengthMax) +
                           " characters.");
  }
  if (!request.visibility_query().empty() && listed) {
    return InvalidArgument("batch query and executions are mutually exclusive");
  }
  if (request.max_operations_per_second() < 0 ||
      !std::isfinite(request.max_operations_per_second())) {
    return InvalidArgument(
        "MaxOperationsPerSecond must be a positive number, or 0 for the "
        "server's rate.");
  }
  for (const auto& target : request.target_executions()) {
    if (target.type() == enums::EXECUTION_TYPE_ACTIVITY) {
      return Unimplemented("activity", "standalone activity executions are not supported");
    }
    if (target.business_id().empty()) {
      return InvalidArgument("a target execution has no id.");
    }
  }
  for (const auto& execution : request.executions()) {
    if (execution.workflow_id().empty()) {
      return InvalidArgument("an execution to apply the batch operation to has no WorkflowId.");
    }
  }
  switch (request.operation_case()) {
    case wf::StartBatchOperationRequest::kSignalOperation:
      if (request.signal_operation().signal().empty()) {
        return InvalidArgument("must provide signal name");
      }
      return hugo::Ok();
    case wf::StartBatchOperationRequest::kTerminationOperation:
    case wf::StartBatchOperationRequest::kCancellationOperation:
    case wf::StartBatchOperationRequest::kDeletionOperation:
      return hugo::Ok();
    case wf::StartBatchOperationRequest::kResetOperation: {
      const auto& reset = request.reset_operation();
      if (reset.has_options()) {
        switch (reset.options().target_case()) {
          case common::ResetOptions::TARGET_NOT_SET:
            return InvalidArgument("batch reset missing target");
          default:
            return hugo::Ok();
        }
      }
      if (reset.reset_type() != enums::RESET_TYPE_FIRST_WORKFLOW_TASK &&
          reset.reset_type() != enums::RESET_TYPE_LAST_WORKFLOW_TASK) {
        return InvalidArgument("unknown batch reset type " +
                               enums::ResetType_Name(reset.reset_type()));
      }
      return hugo::Ok();
    }
    case wf::StartBatchOperationRequest::kUpdateWorkflowOptionsOperation:
      return hugo::Ok();  // each target's update is checked as UpdateWorkflowExecutionOptions's
    case wf::StartBatchOperationRequest::kUnpauseActivitiesOperation: {
      const auto& unpause = request.unpause_activities_operation();
      if (unpause.activity_case() == batch::BatchOperationUnpauseActivities::ACTIVITY_NOT_SET) {
        return InvalidArgument("activity filter must be set");
      }
      return ValidateActivityFilter(unpause);
    }
    case wf::StartBatchOperationRequest::kResetActivitiesOperation: {
      const auto& reset = request.reset_activities_operation();
      if (reset.activity_case() == batch::BatchOperationResetActivities::ACTIVITY_NOT_SET) {
        return InvalidArgument("must provide ActivityType or MatchAll");
      }
      return ValidateActivityFilter(reset);
    }
    case wf::StartBatchOperationRequest::kUpdateActivityOptionsOperation: {
      const auto& update = request.update_activity_options_operation();
      if (update.has_activity_options() && update.restore_original()) {
        return InvalidArgument("cannot set both activity options and restore original");
      }
      if (!update.has_activity_options() && !update.restore_original()) {
        return InvalidArgument(
            "Either activity type must be set, or restore original should be set to true");
      }
      return ValidateActivityFilter(update);
    }
    default:
      return Unimplemented("activity", "standalone activity executions are not supported");
  }
}

std::string StartTimeToken(int64_t start_ms, const std::string& job_id) {
  return std::to_string(start_ms) + "\n" + job_id;
}

}  // namespace

std::string BatchTargetQuery(const wf::StartBatchOperationRequest& request) {
  if (request.visibility_query().empty()) return {};
  switch (request.operation_case()) {
    case wf::StartBatchOperationRequest::kTerminationOperation:
    case wf::StartBatchOperationRequest::kSignalOperation:
    case wf::StartBatchOperationRequest::kCancellationOperation:
      return "(" + request.visibility_query() + ") AND (ExecutionStatus='Running')";
    case wf::StartBatchOperationRequest::kUnpauseActivitiesOperation: {
      // reference: the workflows whose pause info names the type (the request's query is not
      // used then), or those of the query with any paused activity.
      const auto& unpause = request.unpause_activities_operation();
      const std::string paused =
          unpause.activity_case() == batch::BatchOperationUnpauseActivities::kType
              ? "TemporalPauseInfo = " +
                    visibility::internal::QuoteString("property:activityType=" + unpause.type())
              : "(" + request.visibility_query() + ") AND (TemporalPauseInfo IS NOT NULL)";
      return "(" + paused + ") AND (ExecutionStatus='Running')";
    }
    default:
      return request.visibility_query();
  }
}

Batcher::Batcher(persistence::BatchStore* store, history::Engine* engine,
                 asio::any_io_executor executor, Options options, NowMs now)
    : store_(store),
      engine_(engine),
      executor_(std::move(executor)),
      options_(std::move(options)),
      now_(std::move(now)),
      timers_(executor_, now_, [this](const Key& key) { Work(key); }) {}

Batcher::~Batcher() { Stop(); }

void Batcher::Stop() {
  timers_.Stop();
  running_.clear();
}

// --- store

hugo::Result<Batcher::Loaded> Batcher::Load(const std::string& namespace_id,
                                            const std::string& job_id) {
  auto row = store_->GetBatch(namespace_id, job_id);
  if (row.IsFailure()) {
    if (row.Error().HasCode(persistence::kErrorNotFound)) return JobNotFound(job_id);
    return row.Error();
  }
  Loaded loaded;
  loaded.row = std::move(row).Value();
  if (!loaded.state.ParseFromString(loaded.row.data)) {
    return hugo::Error::From(
        "batch operation '" + job_id + "' has a stored state that can't be read",
        errors::kInternal);
  }
  return hugo::Ok(std::move(loaded));
}

hugo::Result<hugo::Unit> Batcher::Save(Loaded& loaded) {
  loaded.row.data = loaded.state.SerializeAsString();
  const int64_t expected = loaded.row.version;
  loaded.row.version = expected + 1;
  auto saved =
      expected == 0 ? store_->CreateBatch(loaded.row) : store_->UpdateBatch(loaded.row, expected);
  if (saved.IsFailure()) loaded.row.version = expected;
  return saved;
}

hugo::Result<std::vector<Batcher::Loaded>> Batcher::LoadNamespace(const std::string& namespace_id) {
  std::vector<Loaded> jobs;
  std::string token;
  do {
    auto page = store_->ListBatches(namespace_id, 1000, token);
    if (page.IsFailure()) return page.Error();
    for (persistence::KeyedRow& row : page.Value().rows) {
      Loaded loaded;
      loaded.row = std::move(row);
      if (!loaded.state.ParseFromString(loaded.row.data)) {
        log::Warn("batch operation has a stored state that can't be read; skipped",
                  {{"job_id", loaded.row.id}});
        continue;
      }
      jobs.push_back(std::move(loaded));
    }
    token = page.Value().next_page_token;
  } while (!token.empty());
  return hugo::Ok(std::move(jobs));
}

hugo::Result<int> Batcher::Recover() {
  timers_.Resume();
  timers_.DisarmAll();
  running_.clear();
  auto jobs = LoadNamespace("");
  if (jobs.IsFailure()) return jobs.Error();
  int running = 0;
  for (const Loaded& job : jobs.Value()) {
    const Key key{job.row.namespace_id, job.row.id};
    if (job.state.state() == enums::BATCH_OPERATION_STATE_RUNNING) {
      running_[key];
      Arm(key, now_());
      ++running;
    } else {
      ArmRetention(key, job.state);
    }
  }
  return hugo::Ok(running);
}

// --- the RPCs

hugo::Result<wf::StartBatchOperationResponse> Batcher::Start(
    const std::string& namespace_id, const wf::StartBatchOperationRequest& request) {
  auto valid = Validate(request);
  if (valid.IsFailure()) return valid.Error();
  auto jobs = LoadNamespace(namespace_id);
  if (jobs.IsFailure()) return jobs.Error();
  // The reference checks the namespace's running jobs first, then the job id.
  const auto running = std::count_if(
      jobs.Value().begin(), jobs.Value().end(),
      [](const Loaded& job) { return job.state.state() == enums::BATCH_OPERATION_STATE_RUNNING; });
  if (running >= options_.max_concurrent_per_namespace) {
    return hugo::Error::From("Max concurrent batch operations is reached",
                             errors::kResourceExhausted);
  }
  for (const Loaded& job : jobs.Value()) {
    if (job.row.id == request.job_id()) {
      return hugo::Error::From("Batch operation with job id '" + request.job_id() +
                                   "' already exists in namespace '" + request.namespace_() +
                                   "'; choose another job id.",
                               errors::kWorkflowAlreadyStarted);
    }
  }
  Loaded loaded;
  loaded.row.namespace_id = namespace_id;
  loaded.row.id = request.job_id();
  BatchOperationState& state = loaded.state;
  *state.mutable_request() = request;
  auto [type, identity] = TypeAndIdentity(request);
  state.set_operation_type(type);
  state.set_identity(identity);
  state.set_state(enums::BATCH_OPERATION_STATE_RUNNING);
  *state.mutable_start_time() = TimestampFromMillis(now_());
  const std::string query = BatchTargetQuery(request);
  if (!query.empty()) {
    // Counting checks the query too: a query the list filter language refuses is refused here.
    auto counted = options_.count(namespace_id, query);
    if (counted.IsFailure()) return counted.Error();
    state.set_total_estimate(counted.Value());
  } else {
    state.set_total_estimate(static_cast<int64_t>(ListedExecutions(request).size()));
  }
  auto saved = Save(loaded);
  if (saved.IsFailure()) return saved.Error();
  const Key key{namespace_id, request.job_id()};
  running_[key];
  Arm(key, now_());
  log::Info("batch operation started", {{"job_id", request.job_id()},
                                        {"namespace", request.namespace_()},
                                        {"operation", enums::BatchOperationType_Name(type)},
                                        {"targets", std::to_string(state.total_estimate())}});
  return hugo::Ok(wf::StartBatchOperationResponse());
}

hugo::Result<wf::StopBatchOperationResponse> Batcher::StopJob(
    const std::string& namespace_id, const wf::StopBatchOperationRequest& request) {
  if (request.job_id().empty()) return InvalidArgument("JobId is not set on request.");
  if (request.reason().empty()) return InvalidArgument("Reason is not set on request.");
  auto loaded = Load(namespace_id, request.job_id());
  if (loaded.IsFailure()) return loaded.Error();
  if (loaded.Value().state.state() != enums::BATCH_OPERATION_STATE_RUNNING) {
    return hugo::Error::From("batch operation '" + request.job_id() + "' already completed",
                             errors::kNotFound);
  }
  const Key key{namespace_id, request.job_id()};
  // The targets done in the current page count, as far as the job got.
  auto progress = running_.find(key);
  if (progress != running_.end()) {
    BatchOperationState& state = loaded.Value().state;
    state.set_success_count(state.success_count() + progress->second.page_success);
    state.set_failure_count(state.failure_count() + progress->second.page_failure);
  }
  std::string reason = "stopped: " + request.reason();
  if (!request.identity().empty()) reason += " (by " + request.identity() + ")";
  auto finished = Finish(loaded.Value(), enums::BATCH_OPERATION_STATE_FAILED, reason);
  if (finished.IsFailure()) return finished.Error();
  return hugo::Ok(wf::StopBatchOperationResponse());
}

void Batcher::FillCounts(const Key& key, const BatchOperationState& state,
                         wf::DescribeBatchOperationResponse& response) const {
  int64_t success = state.success_count();
  int64_t failure = state.failure_count();
  auto progress = running_.find(key);
  if (state.state() == enums::BATCH_OPERATION_STATE_RUNNING && progress != running_.end()) {
    success += progress->second.page_success;
    failure += progress->second.page_failure;
  }
  // reference: a completed job's total is what it did; a running one's the estimate.
  response.set_total_operation_count(state.state() == enums::BATCH_OPERATION_STATE_COMPLETED
                                         ? success + failure
                                         : std::max(state.total_estimate(), success + failure));
  response.set_complete_operation_count(success);
  response.set_failure_operation_count(failure);
}

hugo::Result<wf::DescribeBatchOperationResponse> Batcher::Describe(
    const std::string& namespace_id, const wf::DescribeBatchOperationRequest& request) {
  if (request.job_id().empty()) return InvalidArgument("JobId is not set on request.");
  auto loaded = Load(namespace_id, request.job_id());
  if (loaded.IsFailure()) return loaded.Error();
  const BatchOperationState& state = loaded.Value().state;
  wf::DescribeBatchOperationResponse response;
  response.set_operation_type(state.operation_type());
  response.set_job_id(request.job_id());
  response.set_state(state.state());
  *response.mutable_start_time() = state.start_time();
  if (state.has_close_time()) *response.mutable_close_time() = state.close_time();
  FillCounts({namespace_id, request.job_id()}, state, response);
  response.set_identity(state.identity());
  response.set_reason(state.request().reason());
  response.set_query(state.request().visibility_query());
  for (const auto& execution : ListedExecutions(state.request())) {
    auto* target = response.add_executions();
    target->set_type(enums::EXECUTION_TYPE_WORKFLOW);
    target->set_business_id(execution.workflow_id());
    target->set_run_id(execution.run_id());
  }
  return hugo::Ok(std::move(response));
}

hugo::Result<wf::ListBatchOperationsResponse> Batcher::List(
    const std::string& namespace_id, const wf::ListBatchOperationsRequest& request) {
  auto jobs = LoadNamespace(namespace_id);
  if (jobs.IsFailure()) return jobs.Error();
  std::vector<Loaded>& all = jobs.Value();
  // Newest first, as the reference lists its jobs' workflows.
  std::sort(all.begin(), all.end(), [](const Loaded& a, const Loaded& b) {
    const int64_t a_ms = ToMillis(a.state.start_time());
    const int64_t b_ms = ToMillis(b.state.start_time());
    return a_ms != b_ms ? a_ms > b_ms : a.row.id < b.row.id;
  });
  int page_size = request.page_size();
  if (page_size <= 0 || page_size > options_.list_page_size_max) {
    page_size = options_.list_page_size_max;
  }
  size_t begin = 0;
  if (!request.next_page_token().empty()) {
    const std::string& token = request.next_page_token();
    const size_t split = token.find('\n');
    int64_t after_ms = 0;
    size_t used = 0;
    try {
      after_ms = std::stoll(token.substr(0, split), &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (split == std::string::npos || used != split) {
      return InvalidArgument("invalid page token for ListBatchOperations");
    }
    const std::string after_id = token.substr(split + 1);
    while (begin < all.size()) {
      const int64_t ms = ToMillis(all[begin].state.start_time());
      if (ms < after_ms || (ms == after_ms && all[begin].row.id > after_id)) break;
      ++begin;
    }
  }
  wf::ListBatchOperationsResponse response;
  const size_t end = std::min(all.size(), begin + static_cast<size_t>(page_size));
  for (size_t i = begin; i < end; ++i) {
    const BatchOperationState& state = all[i].state;
    auto* info = response.add_operation_info();
    info->set_job_id(all[i].row.id);
    info->set_state(state.state());
    *info->mutable_start_time() = state.start_time();
    if (state.has_close_time()) *info->mutable_close_time() = state.close_time();
    info->set_operation_type(state.operation_type());
  }
  if (end < all.size() && end > begin) {
    response.set_next_page_token(
        StartTimeToken(ToMillis(all[end - 1].state.start_time()), all[end - 1].row.id));
  }
  return hugo::Ok(std::move(response));
}

// --- carrying the job out

double Batcher::RateOf(const BatchOperationState& state) const {
  const double asked = state.request().max_operations_per_second();
  if (asked <= 0 || asked > options_.max_operations_per_second) {
    return options_.max_operations_per_second;
  }
  return asked;
}

hugo::Result<hugo::Unit> Batcher::LoadPage(const Key& key, const BatchOperationState& state,
                                           Progress& progress) {
  progress.page.clear();
  progress.next = 0;
  progress.page_success = 0;
  progress.page_failure = 0;
  const std::string query = BatchTargetQuery(state.request());
  if (query.empty()) {
    const auto listed = ListedExecutions(state.request());
    const size_t begin = std::min(listed.size(), static_cast<size_t>(state.next_execution()));
    const size_t end = std::min(listed.size(), begin + static_cast<size_t>(options_.page_size));
    for (size_t i = begin; i < end; ++i) progress.page.push_back(Target{listed[i], 0});
    progress.has_more = end < listed.size();
    progress.next_page_token.clear();
  } else {
    wf::ListWorkflowExecutionsRequest list;
    list.set_namespace_(state.request().namespace_());
    list.set_page_size(options_.page_size);
    list.set_next_page_token(state.page_token());
    list.set_query(query);
    auto page = options_.list(key.first, list);
    if (page.IsFailure()) return page.Error();
    for (const auto& info : page.Value().executions()) {
      progress.page.push_back(Target{info.execution(), 0});
    }
    progress.next_page_token = page.Value().next_page_token();
    progress.has_more = !progress.next_page_token.empty();
  }
  progress.page_loaded = true;
  return hugo::Ok();
}

namespace {

// reference (batcher getResetPoint): the first task the build id completed, from the run's reset
// points, which may lie in an earlier run of its chain (then the target moves to that run).
hugo::Result<int64_t> ResetPointOf(history::Engine* engine, const std::string& namespace_id,
                                   const std::string& build_id, bool current_run_only,
                                   int64_t now_ms, common::WorkflowExecution& target) {
  wf::DescribeWorkflowExecutionRequest describe;
  *describe.mutable_execution() = target;
  auto described = engine->Describe(namespace_id, describe);
  if (described.IsFailure()) return described.Error();
  const auto& points = described.Value().workflow_execution_info().auto_reset_points().points();
  for (const auto& point : points) {
    if (point.build_id() != build_id) continue;
    if (!point.resettable()) {
      return InvalidArgument("Reset point for " + build_id + " is not resettable");
    }
    if (history::IsSet(point.expire_time()) && history::ToMillis(point.expire_time()) < now_ms) {
      return InvalidArgument("Reset point for " + build_id + " is expired");
    }
    if (current_run_only && target.run_id() != point.run_id()) {
      return InvalidArgument("Reset point for " + build_id +
                             " points to previous run and CurrentRunOnly is set");
    }
    target.set_run_id(point.run_id());
    return hugo::Ok(point.first_workflow_task_completed_id());
  }
  return InvalidArgument("Can't find reset point for " + build_id);
}

}  // namespace

hugo::Result<int64_t> Batcher::ResetEventId(const std::string& namespace_id,
                                            const BatchOperationState& state,
                                            common::WorkflowExecution& target) {
  const auto& reset = state.request().reset_operation();
  bool first = reset.reset_type() == enums::RESET_TYPE_FIRST_WORKFLOW_TASK;
  if (reset.has_options()) {
    if (reset.options().has_workflow_task_id()) return hugo::Ok(reset.options().workflow_task_id());
    if (reset.options().has_build_id()) {
      return ResetPointOf(engine_, namespace_id, reset.options().build_id(),
                          reset.options().current_run_only(), now_(), target);
    }
    first = reset.options().has_first_workflow_task();
  }
  // reference (getFirstWorkflowTaskEventID / getLastWorkflowTaskEventID): the first or last
  // WorkflowTaskCompleted; without one, the first WorkflowTaskScheduled's task.
  int64_t first_completed = 0;
  int64_t last_completed = 0;
  int64_t first_scheduled = 0;
  wf::GetWorkflowExecutionHistoryRequest request;
  request.set_namespace_(state.request().namespace_());
  *request.mutable_execution() = target;
  request.set_maximum_page_size(1000);
  do {
    std::optional<hugo::Result<wf::GetWorkflowExecutionHistoryResponse>> answer;
    engine_->GetHistory(namespace_id, request,
                        [&answer](hugo::Result<wf::GetWorkflowExecutionHistoryResponse> result) {
                          answer.emplace(std::move(result));
                        });
    if (!answer.has_value()) {
      return hugo::Error::From("the history did not answer at once", errors::kInternal);
    }
    if (answer->IsFailure()) return answer->Error();
    for (const auto& event : answer->Value().history().events()) {
      if (event.event_type() == enums::EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
        if (first_completed == 0) first_completed = event.event_id();
        last_completed = event.event_id();
        if (first) break;
      } else if (event.event_type() == enums::EVENT_TYPE_WORKFLOW_TASK_SCHEDULED &&
                 first_scheduled == 0) {
        first_scheduled = event.event_id();
      }
    }
    if (first && first_completed != 0) break;
    request.set_next_page_token(answer->Value().next_page_token());
  } while (!request.next_page_token().empty());
  const int64_t completed = first ? first_completed : last_completed;
  if (completed != 0) return hugo::Ok(completed);
  if (first_scheduled != 0) return hugo::Ok(first_scheduled + 1);
  return InvalidArgument("unable to find any scheduled or completed task");
}

hugo::Result<hugo::Unit> Batcher::Apply(const std::string& namespace_id,
                                        const BatchOperationState& state,
                                        const common::WorkflowExecution& target) {
  const wf::StartBatchOperationRequest& job = state.request();
  // Retried and re-run targets send the same request id: the engine takes it once.
  const std::string request_id =
      "batch:" + job.job_id() + ":" + target.workflow_id() + ":" + target.run_id();
  switch (job.operation_case()) {
    case wf::StartBatchOperationRequest::kTerminationOperation: {
      wf::TerminateWorkflowExecutionRequest request;
      request.set_namespace_(job.namespace_());
      *request.mutable_workflow_execution() = target;
      request.set_reason(job.reason());
      if (job.termination_operation().has_details()) {
        *request.mutable_details() = job.termination_operation().details();
      }
      request.set_identity(state.identity());
      auto done = engine_->Terminate(namespace_id, request);
      if (done.IsFailure()) return done.Error();
      return hugo::Ok();
    }
    case wf::StartBatchOperationRequest::kCancellationOperation: {
      wf::RequestCancelWorkflowExecutionRequest request;
      request.set_namespace_(job.namespace_());
      *request.mutable_workflow_execution() = target;
      request.set_identity(state.identity());
      request.set_request_id(request_id);
      request.set_reason(job.reason());
      auto done = engine_->RequestCancel(namespace_id, request);
      if (done.IsFailure()) return done.Error();
      return hugo::Ok();
    }
    case wf::StartBatchOperationRequest::kSignalOperation: {
      const auto& signal = job.signal_operation();
      wf::SignalWorkflowExecutionRequest request;
      request.set_namespace_(job.namespace_());
      *request.mutable_workflow_execution() = target;
      request.set_signal_name(signal.signal());
      if (signal.has_input()) *request.mutable_input() = signal.input();
      if (signal.has_header()) *request.mutable_header() = signal.header();
      request.set_identity(state.identity());
      request.set_request_id(request_id);
      auto done = engine_->Signal(namespace_id, request);
      if (done.IsFailure()) return done.Error();
      return hugo::Ok();
    }
    case wf::StartBatchOperationRequest::kDeletionOperation: {
      wf::DeleteWorkflowExecutionRequest request;
      request.set_namespace_(job.namespace_());
      *request.mutable_workflow_execution() = target;
      auto done = engine_->Delete(namespace_id, request);
      if (done.IsFailure()) return done.Error();
      return hugo::Ok();
    }
    case wf::StartBatchOperationRequest::kResetOperation: {
      const auto& reset = job.reset_operation();
      common::WorkflowExecution reset_target = target;
      auto event_id = ResetEventId(namespace_id, state, reset_target);
      if (event_id.IsFailure()) return event_id.Error();
      wf::ResetWorkflowExecutionRequest request;
      request.set_namespace_(job.namespace_());
      *request.mutable_workflow_execution() = reset_target;
      request.set_reason(job.reason());
      request.set_workflow_task_finish_event_id(event_id.Value());
      request.set_request_id(request_id);
      if (reset.has_options()) {
        request.set_reset_reapply_type(reset.options().reset_reapply_type());
        *request.mutable_reset_reapply_exclude_types() =
            reset.options().reset_reapply_exclude_types();
      } else {
        request.set_reset_reapply_type(reset.reset_reapply_type());
      }
      *request.mutable_post_reset_operations() = reset.post_reset_operations();
      request.set_identity(state.identity());
      auto done = engine_->Reset(namespace_id, request);
      if (done.IsFailure()) return done.Error();
      return hugo::Ok();
    }
    case wf::StartBatchOperationRequest::kUpdateWorkflowOptionsOperation: {
      const auto& update = job.update_workflow_options_operation();
      wf::UpdateWorkflowExecutionOptionsRequest request;
      request.set_namespace_(job.namespace_());
      *request.mutable_workflow_execution() = target;
      *request.mutable_workflow_execution_options() = update.workflow_execution_options();
      *request.mutable_update_mask() = update.update_mask();
      request.set_identity(update.identity());
      auto done = engine_->UpdateWorkflowExecutionOptions(namespace_id, request);
      if (done.IsFailure()) return done.Error();
      return hugo::Ok();
    }
    case wf::StartBatchOperationRequest::kUnpauseActivitiesOperation: {
      const auto& unpause = job.unpause_activities_operation();
      wf::UnpauseActivityRequest request;
      request.set_namespace_(job.namespace_());
      *request.mutable_execution() = target;
      request.set_identity(unpause.identity());
      if (unpause.activity_case() == batch::BatchOperationUnpauseActivities::kType) {
        request.set_type(unpause.type());
      } else {
        request.set_unpause_all(true);
      }
      request.set_reset_attempts(unpause.reset_attempts());
      request.set_reset_heartbeat(unpause.reset_heartbeat());
      *request.mutable_jitter() = unpause.jitter();
      auto done = engine_->UnpauseActivity(namespace_id, request);
      if (done.IsFailure()) return done.Error();
      return hugo::Ok();
    }
    case wf::StartBatchOperationRequest::kResetActivitiesOperation: {
      const auto& reset = job.reset_activities_operation();
      wf::ResetActivityRequest request;
      request.set_namespace_(job.namespace_());
      *request.mutable_execution() = target;
      request.set_identity(reset.identity());
      if (reset.activity_case() == batch::BatchOperationResetActivities::kType) {
        request.set_type(reset.type());
      } else {
        request.set_match_all(true);
      }
      request.set_reset_heartbeat(reset.reset_heartbeat());
      request.set_keep_paused(reset.keep_paused());
      *request.mutable_jitter() = reset.jitter();
      request.set_restore_original_options(reset.restore_original_options());
      auto done = engine_->ResetActivity(namespace_id, request);
      if (done.IsFailure()) return done.Error();
      return hugo::Ok();
    }
    case wf::StartBatchOperationRequest::kUpdateActivityOptionsOperation: {
      const auto& update = job.update_activity_options_operation();
      wf::UpdateActivityOptionsRequest request;
      request.set_namespace_(job.namespace_());
      *request.mutable_execution() = target;
      request.set_identity(update.identity());
      if (update.activity_case() == batch::BatchOperationUpdateActivityOptions::kType) {
        request.set_type(update.type());
      } else {
        request.set_match_all(true);
      }
      if (update.has_activity_options()) {
        *request.mutable_activity_options() = update.activity_options();
      }
      if (update.has_update_mask()) *request.mutable_update_mask() = update.update_mask();
      request.set_restore_original(update.restore_original());
      auto done = engine_->UpdateActivityOptions(namespace_id, request);
      if (done.IsFailure()) return done.Error();
      return hugo::Ok();
    }
    default:
      return Unimplemented("this", "unsupported operation");
  }
}

hugo::Result<hugo::Unit> Batcher::Finish(Loaded& loaded, enums::BatchOperationState state,
                                         const std::string& reason) {
  loaded.state.set_state(state);
  *loaded.state.mutable_close_time() = TimestampFromMillis(now_());
  loaded.state.set_failure_reason(reason);
  auto saved = Save(loaded);
  if (saved.IsFailure()) return saved.Error();
  const Key key{loaded.row.namespace_id, loaded.row.id};
  running_.erase(key);
  timers_.Disarm(key);
  ArmRetention(key, loaded.state);
  log::Info("batch operation finished",
            {{"job_id", loaded.row.id},
             {"state", enums::BatchOperationState_Name(state)},
             {"succeeded", std::to_string(loaded.state.success_count())},
             {"failed", std::to_string(loaded.state.failure_count())},
             {"reason", reason}});
  return hugo::Ok();
}

void Batcher::Work(const Key& key) {
  auto loaded = Load(key.first, key.second);
  if (loaded.IsFailure()) {
    if (!loaded.Error().HasCode(errors::kNotFound)) {
      log::Warn("batch operation could not be read; trying again later",
                {{"job_id", key.second}, {"error", loaded.Error().Message()}});
      Arm(key, now_() + kListRetryMs);
    } else {
      running_.erase(key);
      timers_.Disarm(key);
    }
    return;
  }
  BatchOperationState& state = loaded.Value().state;
  const int64_t now = now_();
  if (state.state() != enums::BATCH_OPERATION_STATE_RUNNING) {
    running_.erase(key);
    const int64_t expiry = ToMillis(state.close_time()) + RetentionMs(key.first);
    if (now < expiry) {
      Arm(key, expiry);
      return;
    }
    timers_.Disarm(key);
    auto deleted = store_->DeleteBatch(key.first, key.second);
    if (deleted.IsFailure() && !deleted.Error().HasCode(persistence::kErrorNotFound)) {
      log::Warn("a batch operation past its retention could not be removed",
                {{"job_id", key.second}, {"error", deleted.Error().Message()}});
    }
    return;
  }
  Progress& progress = running_[key];
  if (!progress.page_loaded) {
    auto listed = LoadPage(key, state, progress);
    if (listed.IsFailure()) {
      log::Warn("batch operation could not list its targets; trying again later",
                {{"job_id", key.second}, {"error", listed.Error().Message()}});
      Arm(key, now + kListRetryMs);
      return;
    }
  }
  // A token bucket: the job's rate, at most a second's worth at once (the reference's limiter).
  const double rate = RateOf(state);
  const double burst = std::max(1.0, std::ceil(rate));
  if (progress.last_tick_ms == 0) {
    progress.allowance = burst;
  } else {
    progress.allowance =
        std::min(burst, progress.allowance +
                            rate * static_cast<double>(now - progress.last_tick_ms) / 1000.0);
  }
  progress.last_tick_ms = now;
  while (progress.allowance >= 1 && progress.next < progress.page.size()) {
    Target& target = progress.page[progress.next];
    progress.allowance -= 1;
    ++target.attempts;
    auto applied = Apply(key.first, state, target.execution);
    if (applied.IsSuccess() || applied.Error().HasCode(errors::kNotFound)) {
      ++progress.page_success;
      ++progress.next;
      Operations(true).Add();
    } else if (target.attempts >= options_.attempts_per_target ||
               applied.Error().HasCode(errors::kUnimplemented)) {
      log::Warn("batch operation gave up on a target",
                {{"job_id", key.second},
                 {"workflow_id", target.execution.workflow_id()},
                 {"run_id", target.execution.run_id()},
                 {"error", applied.Error().Message()}});
      ++progress.page_failure;
      ++progress.next;
      Operations(false).Add();
    }
  }
  if (progress.next < progress.page.size()) {
    Arm(key, now + std::max<int64_t>(options_.tick.count(),
                                     static_cast<int64_t>(std::ceil(1000.0 / rate))));
    return;
  }
  // The page is done: its counts join the row, which moves to the next page (or the job ends).
  state.set_success_count(state.success_count() + progress.page_success);
  state.set_failure_count(state.failure_count() + progress.page_failure);
  if (!progress.has_more) {
    auto finished = Finish(loaded.Value(), enums::BATCH_OPERATION_STATE_COMPLETED, "");
    if (finished.IsFailure()) {
      log::Warn("batch operation could not record its end; trying again later",
                {{"job_id", key.second}, {"error", finished.Error().Message()}});
      Arm(key, now + kListRetryMs);
    }
    return;
  }
  if (BatchTargetQuery(state.request()).empty()) {
    state.set_next_execution(state.next_execution() + static_cast<int64_t>(progress.page.size()));
  } else {
    state.set_page_token(progress.next_page_token);
  }
  auto saved = Save(loaded.Value());
  if (saved.IsFailure()) {
    log::Warn("batch operation could not record its page; trying again later",
              {{"job_id", key.second}, {"error", saved.Error().Message()}});
    Arm(key, now + kListRetryMs);
    return;
  }
  progress.page_loaded = false;
  progress.page.clear();
  progress.next = 0;
  progress.page_success = 0;
  progress.page_failure = 0;
  Arm(key, now);
}

// --- timers

int64_t Batcher::RetentionMs(const std::string& namespace_id) const {
  const std::chrono::milliseconds retention = options_.retention
                                                  ? options_.retention(namespace_id)
                                                  : std::chrono::milliseconds(kDefaultRetention);
  return retention.count();
}

void Batcher::ArmRetention(const Key& key, const BatchOperationState& state) {
  Arm(key, ToMillis(state.close_time()) + RetentionMs(key.first));
}

void Batcher::Arm(const Key& key, int64_t at_ms) { timers_.Arm(key, at_ms); }

void Batcher::FireDue() { timers_.FireDue(); }

}  // namespace hdo::worker
