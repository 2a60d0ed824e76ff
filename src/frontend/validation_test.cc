#include "frontend/validation.h"

#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "common/error_codes.h"

namespace hdo::frontend {
namespace {

namespace workflowservice = temporal::api::workflowservice::v1;
namespace enums = temporal::api::enums::v1;

constexpr char kRunId[] = "6a2f3a55-6a86-4f0d-9d3f-3c2b0e7b2f10";

// The message of a failed validation, or "ok".
std::string Outcome(const hugo::Result<hugo::Unit>& result) {
  if (result.IsSuccess()) return "ok";
  return result.Error().Message();
}

template <class Request>
struct Case {
  const char* name;
  std::function<void(Request*)> mutate;
  std::string outcome;  // "ok" or the exact message
};

// Runs each case on a copy of `valid` and checks the outcome; rejections must be InvalidArgument.
template <class Request, class Validate>
void ExpectOutcomes(const Request& valid, Validate validate,
                    const std::vector<Case<Request>>& cases) {
  EXPECT_EQ(Outcome(validate(valid)), "ok") << "the valid request";
  for (const auto& each : cases) {
    Request request = valid;
    each.mutate(&request);
    auto result = validate(request);
    EXPECT_EQ(Outcome(result), each.outcome) << each.name;
    if (result.IsFailure() && each.outcome != "ok") {
      EXPECT_EQ(result.Error().Code(), errors::kInvalidArgument) << each.name;
    }
  }
}

std::string Long(size_t length = kIdLengthMax + 1) { return std::string(length, 'x'); }

TEST(BlobSizeTest, PayloadsOverTwoMebibytesAreRefused) {
  EXPECT_EQ(Outcome(CheckBlobSize(kBlobSizeLimitError)), "ok");
  EXPECT_EQ(Outcome(CheckBlobSize(kBlobSizeLimitError + 1)), "Blob data size exceeds limit.");
  temporal::api::common::v1::Payloads payloads;
  payloads.add_payloads()->set_data(std::string(kBlobSizeLimitError, 'p'));
  EXPECT_EQ(Outcome(CheckBlobSize(payloads)), "Blob data size exceeds limit.");
  EXPECT_EQ(Outcome(CheckBlobSize(temporal::api::common::v1::Payloads())), "ok");
  EXPECT_FALSE(BlobSizeExceedsWarnLimit(kBlobSizeLimitWarn));
  EXPECT_TRUE(BlobSizeExceedsWarnLimit(kBlobSizeLimitWarn + 1));
}

TEST(NamespaceAndTokenTest, NamespaceAndTaskTokenMustBeSet) {
  EXPECT_EQ(Outcome(ValidateNamespaceName("")), "Namespace not set on request.");
  EXPECT_EQ(Outcome(ValidateNamespaceName(Long())), "Namespace length exceeds limit.");
  EXPECT_EQ(Outcome(ValidateNamespaceName("default")), "ok");
  EXPECT_EQ(Outcome(ValidateTaskToken("")), "Task token not set on request.");
  EXPECT_EQ(Outcome(ValidateTaskToken("token")), "ok");
}

workflowservice::SignalWorkflowExecutionRequest Signal() {
  workflowservice::SignalWorkflowExecutionRequest request;
  request.set_namespace_("default");
  request.mutable_workflow_execution()->set_workflow_id("order-1");
  request.set_signal_name("approve");
  return request;
}

TEST(SignalTest, SignalNeedsAnExecutionAndABoundedName) {
  using R = workflowservice::SignalWorkflowExecutionRequest;
  ExpectOutcomes<R>(
      Signal(), ValidateSignalWorkflow,
      {
          {"no execution", [](R* r) { r->clear_workflow_execution(); },
           "Execution is not set on request."},
          {"no workflow id", [](R* r) { r->mutable_workflow_execution()->clear_workflow_id(); },
           "WorkflowId is not set on request."},
          {"bad run id",
           [](R* r) { r->mutable_workflow_execution()->set_run_id("superneverexistwf!"); },
           "Invalid RunId."},
          {"uuid run id", [](R* r) { r->mutable_workflow_execution()->set_run_id(kRunId); }, "ok"},
          {"no signal name", [](R* r) { r->clear_signal_name(); },
           "SignalName is not set on request."},
          {"long signal name", [](R* r) { r->set_signal_name(Long()); },
           "SignalName length exceeds limit."},
          {"long request id", [](R* r) { r->set_request_id(Long()); },
           "RequestId length exceeds limit."},
          {"huge input",
           [](R* r) {
             r->mutable_input()->add_payloads()->set_data(std::string(kBlobSizeLimitError, 'i'));
           },
           "Blob data size exceeds limit."},
      });
}

workflowservice::SignalWithStartWorkflowExecutionRequest SignalWithStart() {
  workflowservice::SignalWithStartWorkflowExecutionRequest request;
  request.set_namespace_("default");
  request.set_workflow_id("order-1");
  request.mutable_workflow_type()->set_name("Order");
  request.mutable_task_queue()->set_name("orders");
  request.set_signal_name("approve");
  return request;
}

TEST(SignalWithStartTest, FollowsTheReferenceRequestValidator) {
  using R = workflowservice::SignalWithStartWorkflowExecutionRequest;
  ExpectOutcomes<R>(
      SignalWithStart(), ValidateSignalWithStartWorkflow,
      {
          {"no workflow id", [](R* r) { r->clear_workflow_id(); },
           "WorkflowId is not set on request."},
          {"long workflow id", [](R* r) { r->set_workflow_id(Long()); },
           "WorkflowId exceeds maximum allowed length (1001/1000)"},
          {"no signal", [](R* r) { r->clear_signal_name(); }, "SignalName is not set on request."},
          {"long signal", [](R* r) { r->set_signal_name(Long(1005)); },
           "signal name exceeds maximum allowed length (1005/1000)"},
          {"no type", [](R* r) { r->clear_workflow_type(); },
           "WorkflowType is not set on request."},
          {"long type", [](R* r) { r->mutable_workflow_type()->set_name(Long()); },
           "workflow type name exceeds maximum allowed length (1001/1000)"},
          {"no task queue", [](R* r) { r->clear_task_queue(); }, "taskQueue is not set"},
          {"empty task queue", [](R* r) { r->mutable_task_queue()->clear_name(); },
           "missing task queue name"},
          {"reserved task queue", [](R* r) { r->mutable_task_queue()->set_name("/_sys/x"); },
           "task queue name cannot start with reserved prefix /_sys/"},
          {"internal task queue",
           [](R* r) { r->mutable_task_queue()->set_name("temporal-sys-per-ns-tq"); },
           "cannot use internal per-namespace task queue:temporal-sys-per-ns-tq"},
          {"long request id", [](R* r) { r->set_request_id(Long()); },
           "Request ID exceeds maximum allowed length (1001/1000)"},
          {"negative run timeout", [](R* r) { r->mutable_workflow_run_timeout()->set_seconds(-1); },
           "An invalid WorkflowRunTimeoutSeconds is set on request. cause: negative duration"},
          {"negative execution timeout",
           [](R* r) { r->mutable_workflow_execution_timeout()->set_seconds(-1); },
           "An invalid WorkflowExecutionTimeoutSeconds is set on request. cause: negative "
           "duration"},
          {"negative task timeout",
           [](R* r) { r->mutable_workflow_task_timeout()->set_seconds(-1); },
           "An invalid WorkflowTaskTimeoutSeconds is set on request. cause: negative duration"},
          {"bad retry policy", [](R* r) { r->mutable_retry_policy()->set_maximum_attempts(-1); },
           "MaximumAttempts cannot be negative on retry policy."},
          {"empty retry policy gets defaults", [](R* r) { r->mutable_retry_policy(); }, "ok"},
          {"cron with start delay",
           [](R* r) {
             r->set_cron_schedule("@every 1m");
             r->mutable_workflow_start_delay();
           },
           "CronSchedule and WorkflowStartDelay may not be used together."},
          {"negative start delay", [](R* r) { r->mutable_workflow_start_delay()->set_seconds(-1); },
           "An invalid WorkflowStartDelaySeconds is set on request. cause: negative duration"},
          {"terminate-if-running with a conflict policy",
           [](R* r) {
             r->set_workflow_id_reuse_policy(
                 static_cast<enums::WorkflowIdReusePolicy>(4));  // TERMINATE_IF_RUNNING
             r->set_workflow_id_conflict_policy(enums::WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING);
           },
           "Invalid WorkflowIDReusePolicy: WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING cannot be "
           "used together with a WorkflowIDConflictPolicy"},
          {"reject-duplicate with terminate-existing",
           [](R* r) {
             r->set_workflow_id_reuse_policy(enums::WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE);
             r->set_workflow_id_conflict_policy(
                 enums::WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING);
           },
           "Invalid WorkflowIDReusePolicy: WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE cannot be "
           "used together with WorkflowIdConflictPolicy "
           "WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING"},
          {"conflict policy fail",
           [](R* r) {
             r->set_workflow_id_conflict_policy(enums::WORKFLOW_ID_CONFLICT_POLICY_FAIL);
           },
           "Invalid WorkflowIDConflictPolicy: WORKFLOW_ID_CONFLICT_POLICY_FAIL is not supported "
           "for "
           "this operation."},
          {"use existing",
           [](R* r) {
             r->set_workflow_id_conflict_policy(enums::WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING);
           },
           "ok"},
          {"negative priority", [](R* r) { r->mutable_priority()->set_priority_key(-1); },
           "priority key can't be negative"},
      });
}

TEST(StartWorkflowTest, CompletionCallbacksAndLinksAreCheckedAsTheReferenceChecksThem) {
  workflowservice::StartWorkflowExecutionRequest request;
  request.set_namespace_("default");
  request.set_workflow_id("handler-1");
  request.mutable_workflow_type()->set_name("Handler");
  request.mutable_task_queue()->set_name("handlers");
  auto* nexus = request.add_completion_callbacks()->mutable_nexus();
  nexus->set_url("http://127.0.0.1:7243/namespaces/default/nexus/callback");
  (*nexus->mutable_header())["temporal-callback-token"] = "abc";
  EXPECT_EQ(Outcome(ValidateStartWorkflow(request)), "ok");
  nexus->set_url("ftp://example.com/x");
  EXPECT_EQ(Outcome(ValidateStartWorkflow(request)),
            "invalid url: unknown scheme: ftp://example.com/x");
  nexus->set_url("https://" + std::string(1000, 'h'));
  EXPECT_EQ(Outcome(ValidateStartWorkflow(request)),
            "invalid url: url length longer than max length allowed of 1000");
  nexus->set_url("https://example.com/cb");
  for (int i = 0; i < 32; ++i)
    *request.add_completion_callbacks() = request.completion_callbacks(0);
  EXPECT_EQ(Outcome(ValidateStartWorkflow(request)),
            "cannot attach more than 32 callbacks to a workflow");
  request.mutable_completion_callbacks()->DeleteSubrange(1, 32);
  auto* event = request.add_links()->mutable_workflow_event();
  event->set_namespace_("default");
  event->set_workflow_id("caller");
  EXPECT_EQ(Outcome(ValidateStartWorkflow(request)),
            "workflow event link must not have an empty run ID field");
  event->set_run_id("run");
  EXPECT_EQ(Outcome(ValidateStartWorkflow(request)), "ok");
}

TEST(StartWorkflowTest, ACronScheduleRefusesAStartDelayThatIsPresentEvenZero) {
  workflowservice::StartWorkflowExecutionRequest request;
  request.set_namespace_("default");
  request.set_workflow_id("report-1");
  request.mutable_workflow_type()->set_name("Report");
  request.mutable_task_queue()->set_name("reports");
  request.set_cron_schedule("@every 1m");
  EXPECT_EQ(Outcome(ValidateStartWorkflow(request)), "ok");
  request.mutable_workflow_start_delay();  // present, zero (the reference 1.29 refuses it too)
  EXPECT_EQ(Outcome(ValidateStartWorkflow(request)),
            "CronSchedule and WorkflowStartDelay may not be used together.");
}

TEST(SignalWithStartTest, ACronScheduleMustParseAndAStartDelayIsAccepted) {
  auto cron = SignalWithStart();
  cron.set_cron_schedule("@every 1m");
  EXPECT_EQ(Outcome(ValidateSignalWithStartWorkflow(cron)), "ok");
  cron.set_cron_schedule("* * * * * *");  // six fields: seconds are not part of the syntax
  auto result = ValidateSignalWithStartWorkflow(cron);
  ASSERT_TRUE(result.IsFailure());
  EXPECT_EQ(result.Error().Code(), errors::kInvalidArgument);
  EXPECT_EQ(result.Error().Message(), "invalid CronSchedule.");
  auto delay = SignalWithStart();
  delay.mutable_workflow_start_delay()->set_seconds(5);
  EXPECT_EQ(Outcome(ValidateSignalWithStartWorkflow(delay)), "ok");
  delay.set_cron_schedule("@every 1m");
  EXPECT_EQ(Outcome(ValidateSignalWithStartWorkflow(delay)),
            "CronSchedule and WorkflowStartDelay may not be used together.");
}

TEST(ExecutionRequestsTest, CancelDescribeAndResetStickyNeedAValidExecution) {
  workflowservice::RequestCancelWorkflowExecutionRequest cancel;
  EXPECT_EQ(Outcome(ValidateRequestCancelWorkflow(cancel)), "Execution is not set on request.");
  cancel.mutable_workflow_execution()->set_workflow_id("w");
  EXPECT_EQ(Outcome(ValidateRequestCancelWorkflow(cancel)), "ok");
  cancel.mutable_workflow_execution()->set_run_id("nope");
  EXPECT_EQ(Outcome(ValidateRequestCancelWorkflow(cancel)), "Invalid RunId.");

  workflowservice::DescribeWorkflowExecutionRequest describe;
  EXPECT_EQ(Outcome(ValidateDescribeWorkflowExecution(describe)),
            "Execution is not set on request.");
  describe.mutable_execution()->set_run_id("superneverexistwf!");
  EXPECT_EQ(Outcome(ValidateDescribeWorkflowExecution(describe)),
            "WorkflowId is not set on request.");
  describe.mutable_execution()->set_workflow_id("w");
  EXPECT_EQ(Outcome(ValidateDescribeWorkflowExecution(describe)), "Invalid RunId.");
  describe.mutable_execution()->set_run_id(kRunId);
  EXPECT_EQ(Outcome(ValidateDescribeWorkflowExecution(describe)), "ok");

  workflowservice::ResetStickyTaskQueueRequest sticky;
  EXPECT_EQ(Outcome(ValidateResetStickyTaskQueue(sticky)), "Execution is not set on request.");
  sticky.mutable_execution()->set_workflow_id("w");
  EXPECT_EQ(Outcome(ValidateResetStickyTaskQueue(sticky)), "ok");
}

workflowservice::QueryWorkflowRequest Query() {
  workflowservice::QueryWorkflowRequest request;
  request.mutable_execution()->set_workflow_id("w");
  request.mutable_query()->set_query_type("state");
  return request;
}

TEST(QueryTest, QueryNeedsAnExecutionAQueryAndAType) {
  using R = workflowservice::QueryWorkflowRequest;
  ExpectOutcomes<R>(
      Query(), ValidateQueryWorkflow,
      {
          {"no execution", [](R* r) { r->clear_execution(); }, "Execution is not set on request."},
          {"no query", [](R* r) { r->clear_query(); }, "WorkflowQuery is not set on request."},
          {"no query type", [](R* r) { r->mutable_query()->clear_query_type(); },
           "QueryType is not set on request."},
          {"huge args",
           [](R* r) {
             r->mutable_query()->mutable_query_args()->add_payloads()->set_data(
                 std::string(kBlobSizeLimitError + 1, 'a'));
           },
           "Blob data size exceeds limit."},
      });
}

TEST(TaskTokenRequestsTest, TokenRequestsNeedATokenAndABoundedIdentity) {
  workflowservice::RespondQueryTaskCompletedRequest query;
  EXPECT_EQ(Outcome(ValidateRespondQueryTaskCompleted(query)), "Task token not set on request.");
  query.set_task_token("t");
  EXPECT_EQ(Outcome(ValidateRespondQueryTaskCompleted(query)), "ok");

  workflowservice::RespondWorkflowTaskCompletedRequest completed;
  EXPECT_EQ(Outcome(ValidateRespondWorkflowTaskCompleted(completed)),
            "Task token not set on request.");
  completed.set_task_token("t");
  completed.set_identity(Long());
  EXPECT_EQ(Outcome(ValidateRespondWorkflowTaskCompleted(completed)),
            "Identity length exceeds limit.");

  workflowservice::RespondWorkflowTaskFailedRequest failed;
  EXPECT_EQ(Outcome(ValidateRespondWorkflowTaskFailed(failed)), "Task token not set on request.");
  failed.set_task_token("t");
  EXPECT_EQ(Outcome(ValidateRespondWorkflowTaskFailed(failed)), "ok");
  failed.set_identity(Long());
  EXPECT_EQ(Outcome(ValidateRespondWorkflowTaskFailed(failed)), "Identity length exceeds limit.");

  workflowservice::RecordActivityTaskHeartbeatRequest heartbeat;
  EXPECT_EQ(Outcome(ValidateRecordActivityTaskHeartbeat(heartbeat)),
            "Task token not set on request.");
  heartbeat.set_task_token("t");
  EXPECT_EQ(Outcome(ValidateRecordActivityTaskHeartbeat(heartbeat)), "ok");

  workflowservice::RespondActivityTaskCompletedRequest activity_completed;
  activity_completed.set_task_token("t");
  EXPECT_EQ(Outcome(ValidateRespondActivityTaskCompleted(activity_completed)), "ok");
  activity_completed.set_identity(Long());
  EXPECT_EQ(Outcome(ValidateRespondActivityTaskCompleted(activity_completed)),
            "Identity length exceeds limit.");

  workflowservice::RespondActivityTaskCanceledRequest canceled;
  EXPECT_EQ(Outcome(ValidateRespondActivityTaskCanceled(canceled)),
            "Task token not set on request.");
  canceled.set_task_token("t");
  EXPECT_EQ(Outcome(ValidateRespondActivityTaskCanceled(canceled)), "ok");
}

workflowservice::RespondActivityTaskFailedRequest ActivityFailed() {
  workflowservice::RespondActivityTaskFailedRequest request;
  request.set_task_token("t");
  request.mutable_failure()->set_message("boom");
  request.mutable_failure()->mutable_application_failure_info()->set_type("Oops");
  return request;
}

TEST(ActivityFailedTest, FailureMustBeAnApplicationFailureWithValidRetryDelays) {
  using R = workflowservice::RespondActivityTaskFailedRequest;
  ExpectOutcomes<R>(
      ActivityFailed(), ValidateRespondActivityTaskFailed,
      {
          {"no token", [](R* r) { r->clear_task_token(); }, "Task token not set on request."},
          {"no failure", [](R* r) { r->clear_failure(); }, "ok"},
          {"not an application failure",
           [](R* r) { r->mutable_failure()->mutable_server_failure_info(); },
           "Failure must have ApplicationFailureInfo."},
          {"mixed-sign retry delay",
           [](R* r) {
             auto* delay = r->mutable_failure()
                               ->mutable_application_failure_info()
                               ->mutable_next_retry_delay();
             delay->set_seconds(1);
             delay->set_nanos(-1);
           },
           "NextRetryDelay is not a valid duration: duration has seconds and nanos with "
           "different signs"},
          {"bad retry delay in the cause",
           [](R* r) {
             r->mutable_failure()
                 ->mutable_cause()
                 ->mutable_application_failure_info()
                 ->mutable_next_retry_delay()
                 ->set_nanos(2'000'000'000);
           },
           "NextRetryDelay is not a valid duration: duration has out-of-range nanos"},
          {"valid retry delay",
           [](R* r) {
             r->mutable_failure()
                 ->mutable_application_failure_info()
                 ->mutable_next_retry_delay()
                 ->set_seconds(3);
           },
           "ok"},
          {"long identity", [](R* r) { r->set_identity(Long()); },
           "Identity length exceeds limit."},
      });
}

TEST(PollTest, PollsNeedANamedTaskQueueAndABoundedIdentity) {
  using W = workflowservice::PollWorkflowTaskQueueRequest;
  W workflow_poll;
  workflow_poll.set_namespace_("default");
  workflow_poll.mutable_task_queue()->set_name("orders");
  ExpectOutcomes<W>(
      workflow_poll, ValidatePollWorkflowTaskQueue,
      {
          {"no namespace", [](W* r) { r->clear_namespace_(); }, "Namespace is empty."},
          {"no task queue", [](W* r) { r->clear_task_queue(); }, "taskQueue is not set"},
          {"empty name", [](W* r) { r->mutable_task_queue()->clear_name(); },
           "missing task queue name"},
          {"long name", [](W* r) { r->mutable_task_queue()->set_name(Long()); },
           "taskQueue length exceeds limit"},
          {"reserved name", [](W* r) { r->mutable_task_queue()->set_name("/_sys/orders/1"); },
           "task queue name cannot start with reserved prefix /_sys/"},
          {"sticky with long normal name",
           [](W* r) {
             r->mutable_task_queue()->set_kind(enums::TASK_QUEUE_KIND_STICKY);
             r->mutable_task_queue()->set_normal_name(Long());
           },
           "taskQueue length exceeds limit"},
          {"identity is checked first",
           [](W* r) {
             r->set_identity(Long());
             r->clear_task_queue();
           },
           "Identity length exceeds limit."},
      });

  using A = workflowservice::PollActivityTaskQueueRequest;
  A activity_poll;
  activity_poll.set_namespace_("default");
  activity_poll.mutable_task_queue()->set_name("orders");
  ExpectOutcomes<A>(
      activity_poll, ValidatePollActivityTaskQueue,
      {
          {"no namespace", [](A* r) { r->clear_namespace_(); }, "Namespace is empty."},
          {"task queue is checked first",
           [](A* r) {
             r->set_identity(Long());
             r->clear_task_queue();
           },
           "taskQueue is not set"},
          {"long identity", [](A* r) { r->set_identity(Long()); },
           "Identity length exceeds limit."},
          {"rate limit 0 pauses the queue",
           [](A* r) { r->mutable_task_queue_metadata()->mutable_max_tasks_per_second(); }, "ok"},
          {"rate limit",
           [](A* r) {
             r->mutable_task_queue_metadata()->mutable_max_tasks_per_second()->set_value(2.5);
           },
           "ok"},
          {"negative rate limit",
           [](A* r) {
             r->mutable_task_queue_metadata()->mutable_max_tasks_per_second()->set_value(-1);
           },
           "TaskQueueMetadata.MaxTasksPerSecond must be a finite number of tasks per second, 0 "
           "or more (got -1.000000); leave it unset for no limit."},
          {"infinite rate limit",
           [](A* r) {
             r->mutable_task_queue_metadata()->mutable_max_tasks_per_second()->set_value(
                 std::numeric_limits<double>::infinity());
           },
           "TaskQueueMetadata.MaxTasksPerSecond must be a finite number of tasks per second, 0 "
           "or more (got inf); leave it unset for no limit."},
          {"NaN rate limit",
           [](A* r) {
             r->mutable_task_queue_metadata()->mutable_max_tasks_per_second()->set_value(
                 std::numeric_limits<double>::quiet_NaN());
           },
           "TaskQueueMetadata.MaxTasksPerSecond must be a finite number of tasks per second, 0 "
           "or more (got nan); leave it unset for no limit."},
      });
}

TEST(DescribeTaskQueueTest, TaskQueueIsValidatedAsAPartition) {
  workflowservice::DescribeTaskQueueRequest request;
  EXPECT_EQ(Outcome(ValidateDescribeTaskQueue(request)), "taskQueue is not set");
  request.mutable_task_queue()->set_name("/_sys/orders/3");
  EXPECT_EQ(Outcome(ValidateDescribeTaskQueue(request)), "ok");
  request.mutable_task_queue()->set_name(Long());
  EXPECT_EQ(Outcome(ValidateDescribeTaskQueue(request)), "taskQueue length exceeds limit");
}

template <class R>
R ById() {
  R request;
  request.set_namespace_("default");
  request.set_workflow_id("w");
  request.set_activity_id("1");
  return request;
}

template <class R>
std::vector<Case<R>> ByIdCases(bool checks_identity) {
  std::vector<Case<R>> cases = {
      {"no namespace", [](R* r) { r->clear_namespace_(); }, "Namespace not set on request."},
      {"long namespace", [](R* r) { r->set_namespace_(Long()); },
       "Namespace length exceeds limit."},
      {"no activity id", [](R* r) { r->clear_activity_id(); }, "ActivityId is not set on request."},
      // Without a workflow id the request names a standalone activity (run_id: its run).
      {"no workflow id", [](R* r) { r->clear_workflow_id(); }, "ok"},
      {"bad run id", [](R* r) { r->set_run_id("run-1"); }, "RunId is not valid UUID."},
      {"uuid run id", [](R* r) { r->set_run_id(kRunId); }, "ok"},
  };
  cases.push_back({"long identity", [](R* r) { r->set_identity(Long()); },
                   checks_identity ? "Identity length exceeds limit." : "ok"});
  return cases;
}

TEST(ActivityByIdTest, ByIdRequestsNeedNamespaceAndActivityIds) {
  using H = workflowservice::RecordActivityTaskHeartbeatByIdRequest;
  ExpectOutcomes<H>(ById<H>(), ValidateRecordActivityTaskHeartbeatById, ByIdCases<H>(false));
  using C = workflowservice::RespondActivityTaskCompletedByIdRequest;
  ExpectOutcomes<C>(ById<C>(), ValidateRespondActivityTaskCompletedById, ByIdCases<C>(true));
  using F = workflowservice::RespondActivityTaskFailedByIdRequest;
  auto failed_cases = ByIdCases<F>(true);
  failed_cases.push_back(
      {"negative-seconds positive-nanos delay",
       [](F* r) {
         auto* delay =
             r->mutable_failure()->mutable_application_failure_info()->mutable_next_retry_delay();
         delay->set_seconds(-1);
         delay->set_nanos(5);
       },
       "NextRetryDelay is not a valid duration: duration has seconds and nanos with different "
       "signs"});
  failed_cases.push_back({"server failure is accepted by id",
                          [](F* r) { r->mutable_failure()->mutable_server_failure_info(); }, "ok"});
  ExpectOutcomes<F>(ById<F>(), ValidateRespondActivityTaskFailedById, failed_cases);
  using X = workflowservice::RespondActivityTaskCanceledByIdRequest;
  ExpectOutcomes<X>(ById<X>(), ValidateRespondActivityTaskCanceledById, ByIdCases<X>(true));
}

TEST(NexusTaskFailedTest, AFailureNeedsAHandlerErrorOrAHandlerFailure) {
  workflowservice::RespondNexusTaskFailedRequest request;
  request.set_namespace_("ns");
  request.set_task_token("t");
  EXPECT_EQ(Outcome(ValidateRespondNexusTaskFailed(request)),
            "request must contain error or failure");
  // The newer form: a Temporal failure, which must say which handler error it is.
  request.mutable_failure()->set_message("bad input");
  EXPECT_EQ(Outcome(ValidateRespondNexusTaskFailed(request)),
            "request Failure must contain error or failure with NexusHandlerFailureInfo");
  request.mutable_failure()->mutable_nexus_handler_failure_info()->set_type("BAD_REQUEST");
  EXPECT_EQ(Outcome(ValidateRespondNexusTaskFailed(request)), "ok");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  // The legacy form: a handler error whose failure details are JSON.
  request.clear_failure();
  request.mutable_error()->set_error_type("BAD_REQUEST");
  request.mutable_error()->mutable_failure()->set_details("{not json");
  EXPECT_EQ(Outcome(ValidateRespondNexusTaskFailed(request)),
            "failure details must be JSON serializable");
  request.mutable_error()->mutable_failure()->set_details("{\"a\":1}");
  EXPECT_EQ(Outcome(ValidateRespondNexusTaskFailed(request)), "ok");
#pragma GCC diagnostic pop
}

TEST(StandaloneActivityTest, AStartIsValidatedAndNormalizedAsTheReferenceDoes) {
  auto start = [] {
    workflowservice::StartActivityExecutionRequest request;
    request.set_namespace_("ns");
    request.set_activity_id("a");
    request.mutable_activity_type()->set_name("T");
    request.mutable_task_queue()->set_name("q");
    request.mutable_schedule_to_close_timeout()->set_seconds(60);
    return request;
  };
  auto normalized = start();
  ASSERT_EQ(Outcome(NormalizeStartActivityExecution(&normalized, "generated")), "ok");
  EXPECT_EQ(normalized.request_id(), "generated");
  // Schedule-to-close fills the others; the retry policy gets the defaults; the policies too.
  EXPECT_EQ(normalized.start_to_close_timeout().seconds(), 60);
  EXPECT_EQ(normalized.schedule_to_start_timeout().seconds(), 60);
  EXPECT_EQ(normalized.retry_policy().initial_interval().seconds(), 1);
  EXPECT_EQ(normalized.retry_policy().maximum_interval().seconds(), 100);
  EXPECT_EQ(normalized.retry_policy().backoff_coefficient(), 2.0);
  EXPECT_EQ(normalized.id_reuse_policy(), enums::ACTIVITY_ID_REUSE_POLICY_ALLOW_DUPLICATE);
  EXPECT_EQ(normalized.id_conflict_policy(), enums::ACTIVITY_ID_CONFLICT_POLICY_FAIL);

  // Only a start-to-close: no schedule-to-close or schedule-to-start deadline; the heartbeat
  // timeout within the start-to-close.
  auto only_start_to_close = start();
  only_start_to_close.clear_schedule_to_close_timeout();
  only_start_to_close.mutable_start_to_close_timeout()->set_seconds(5);
  only_start_to_close.mutable_heartbeat_timeout()->set_seconds(50);
  ASSERT_EQ(Outcome(NormalizeStartActivityExecution(&only_start_to_close, "g")), "ok");
  EXPECT_EQ(only_start_to_close.schedule_to_close_timeout().seconds(), 0);
  EXPECT_EQ(only_start_to_close.schedule_to_start_timeout().seconds(), 0);
  EXPECT_EQ(only_start_to_close.heartbeat_timeout().seconds(), 5);

  using R = workflowservice::StartActivityExecutionRequest;
  struct Case {
    const char* name;
    std::function<void(R*)> change;
    std::string outcome;
  };
  std::vector<Case> cases = {
      {"no activity id", [](R* r) { r->clear_activity_id(); }, "activityId is not set"},
      {"no type", [](R* r) { r->clear_activity_type(); }, "activityType is not set"},
      {"no task queue", [](R* r) { r->clear_task_queue(); }, "taskQueue is not set"},
      {"no timeout", [](R* r) { r->clear_schedule_to_close_timeout(); },
       "a valid StartToCloseTimeout or ScheduleToCloseTimeout must be set on the activity. "
       "ActivityId=a ActivityType=T"},
      {"negative timeout", [](R* r) { r->mutable_heartbeat_timeout()->set_seconds(-1); },
       "invalid HeartbeatTimeout: negative duration"},
      {"negative start delay", [](R* r) { r->mutable_start_delay()->set_seconds(-1); },
       "invalid StartDelay: negative duration"},
      {"bad retry policy", [](R* r) { r->mutable_retry_policy()->set_backoff_coefficient(0.5); },
       "BackoffCoefficient cannot be less than 1 on retry policy."},
      {"long id", [](R* r) { r->set_activity_id(std::string(1001, 'a')); },
       "activityId exceeds length limit. Length=1001 Limit=1000"},
      {"a callback that is not Nexus", [](R* r) { r->add_completion_callbacks(); },
       "unsupported callback variant"},
      {"a Nexus callback without a scheme",
       [](R* r) { r->add_completion_callbacks()->mutable_nexus()->set_url("localhost/cb"); },
       "invalid url: unknown scheme: localhost/cb"},
      {"attach request id alone",
       [](R* r) { r->mutable_on_conflict_options()->set_attach_request_id(true); },
       "on_conflict_options: attach_request_id requires at least one completion callback or "
       "link"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto request = start();
    c.change(&request);
    EXPECT_EQ(Outcome(NormalizeStartActivityExecution(&request, "g")), c.outcome);
  }
}

TEST(StandaloneActivityTest, ReadsAndChangesNameTheActivityAndARunIdThatIsAUuid) {
  workflowservice::DescribeActivityExecutionRequest describe;
  EXPECT_EQ(Outcome(ValidateDescribeActivityExecution(describe)), "activity ID is required");
  describe.set_activity_id("a");
  EXPECT_EQ(Outcome(ValidateDescribeActivityExecution(describe)), "ok");
  describe.set_long_poll_token("t");
  EXPECT_EQ(Outcome(ValidateDescribeActivityExecution(describe)),
            "run id is required when long poll token is provided");
  describe.set_run_id("not-a-uuid");
  EXPECT_EQ(Outcome(ValidateDescribeActivityExecution(describe)),
            "invalid run id: must be a valid UUID");
  workflowservice::TerminateActivityExecutionRequest terminate;
  terminate.set_activity_id("a");
  ASSERT_EQ(Outcome(NormalizeTerminateActivityExecution(&terminate, "generated")), "ok");
  EXPECT_EQ(terminate.request_id(), "generated");
  terminate.set_identity(std::string(1001, 'i'));
  EXPECT_EQ(Outcome(NormalizeTerminateActivityExecution(&terminate, "g")),
            "identity exceeds length limit. Length=1001 Limit=1000");
}

TEST(StandaloneNexusTest, AStartIsValidatedAndNormalizedAsTheReferenceDoes) {
  auto start = [] {
    workflowservice::StartNexusOperationExecutionRequest request;
    request.set_operation_id("op-1");
    request.set_endpoint("ep");
    request.set_service("svc");
    request.set_operation("echo");
    request.mutable_schedule_to_close_timeout()->set_seconds(30);
    return request;
  };
  auto normalized = start();
  (*normalized.mutable_nexus_header())["X-Trace"] = "abc";
  normalized.mutable_start_to_close_timeout()->set_seconds(90);
  ASSERT_EQ(Outcome(NormalizeStartNexusOperationExecution(&normalized, "generated")), "ok");
  EXPECT_EQ(normalized.request_id(), "generated");
  EXPECT_EQ(normalized.id_reuse_policy(), enums::NEXUS_OPERATION_ID_REUSE_POLICY_ALLOW_DUPLICATE);
  EXPECT_EQ(normalized.id_conflict_policy(), enums::NEXUS_OPERATION_ID_CONFLICT_POLICY_FAIL);
  // Header keys lower-cased; a timeout longer than the schedule-to-close is cut to it, an unset
  // one stays unset (no default, as the reference's).
  EXPECT_EQ(normalized.nexus_header().count("x-trace"), 1u);
  EXPECT_EQ(normalized.nexus_header().count("X-Trace"), 0u);
  EXPECT_EQ(normalized.start_to_close_timeout().seconds(), 30);
  EXPECT_EQ(normalized.schedule_to_start_timeout().seconds(), 0);
  auto no_timeout = start();
  no_timeout.clear_schedule_to_close_timeout();
  ASSERT_EQ(Outcome(NormalizeStartNexusOperationExecution(&no_timeout, "g")), "ok");
  EXPECT_EQ(no_timeout.schedule_to_close_timeout().seconds(), 0);

  using R = workflowservice::StartNexusOperationExecutionRequest;
  struct Case {
    const char* name;
    std::function<void(R*)> change;
    std::string outcome;
  };
  std::vector<Case> cases = {
      {"no operation id", [](R* r) { r->clear_operation_id(); }, "operation_id is required"},
      {"long operation id", [](R* r) { r->set_operation_id(std::string(1001, 'o')); },
       "operation_id exceeds length limit. Length=1001 Limit=1000"},
      {"long request id", [](R* r) { r->set_request_id(std::string(1001, 'r')); },
       "request_id exceeds length limit. Length=1001 Limit=1000"},
      {"long identity", [](R* r) { r->set_identity(std::string(1001, 'i')); },
       "identity exceeds length limit. Length=1001 Limit=1000"},
      {"no endpoint", [](R* r) { r->clear_endpoint(); }, "endpoint is required"},
      {"no service", [](R* r) { r->clear_service(); }, "service is required"},
      {"long service", [](R* r) { r->set_service(std::string(1001, 's')); },
       "service exceeds length limit. Length=1001 Limit=1000"},
      {"no operation", [](R* r) { r->clear_operation(); }, "operation is required"},
      {"negative timeout", [](R* r) { r->mutable_schedule_to_start_timeout()->set_seconds(-1); },
       "schedule_to_start_timeout is invalid: negative duration"},
      {"a disallowed header", [](R* r) { (*r->mutable_nexus_header())["Request-Timeout"] = "1s"; },
       "nexus_header contains a disallowed key: \"Request-Timeout\""},
      {"a header too large",
       [](R* r) { (*r->mutable_nexus_header())["big"] = std::string(8200, 'x'); },
       "nexus_header exceeds size limit"},
      {"a summary too large",
       [](R* r) { r->mutable_user_metadata()->mutable_summary()->set_data(std::string(500, 's')); },
       "user_metadata.summary exceeds size limit. Length=503 Limit=400"},
      {"an unknown reuse policy",
       [](R* r) { r->set_id_reuse_policy(static_cast<enums::NexusOperationIdReusePolicy>(9)); },
       "unsupported ID reuse policy: 9"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto request = start();
    c.change(&request);
    EXPECT_EQ(Outcome(NormalizeStartNexusOperationExecution(&request, "g")), c.outcome);
  }
}

TEST(StandaloneNexusTest, ReadsAndChangesNameTheOperationAndARunIdThatIsAUuid) {
  workflowservice::DescribeNexusOperationExecutionRequest describe;
  EXPECT_EQ(Outcome(ValidateDescribeNexusOperationExecution(describe)), "operation_id is required");
  describe.set_operation_id("op");
  EXPECT_EQ(Outcome(ValidateDescribeNexusOperationExecution(describe)), "ok");
  describe.set_long_poll_token("t");
  EXPECT_EQ(Outcome(ValidateDescribeNexusOperationExecution(describe)),
            "run_id is required when long_poll_token is provided");
  describe.set_run_id("not-a-uuid");
  EXPECT_EQ(Outcome(ValidateDescribeNexusOperationExecution(describe)),
            "run_id is not a valid UUID");

  workflowservice::PollNexusOperationExecutionRequest poll;
  poll.set_operation_id("op");
  EXPECT_EQ(Outcome(ValidatePollNexusOperationExecution(poll)), "ok");  // UNSPECIFIED: CLOSED
  poll.set_wait_stage(static_cast<enums::NexusOperationWaitStage>(7));
  EXPECT_EQ(Outcome(ValidatePollNexusOperationExecution(poll)), "unsupported wait_stage: 7");

  workflowservice::RequestCancelNexusOperationExecutionRequest cancel;
  cancel.set_operation_id("op");
  ASSERT_EQ(Outcome(NormalizeRequestCancelNexusOperationExecution(&cancel, "generated")), "ok");
  EXPECT_EQ(cancel.request_id(), "generated");
  cancel.set_reason(std::string(1001, 'r'));
  EXPECT_EQ(Outcome(NormalizeRequestCancelNexusOperationExecution(&cancel, "g")),
            "reason exceeds length limit. Length=1001 Limit=1000");
  workflowservice::TerminateNexusOperationExecutionRequest terminate;
  EXPECT_EQ(Outcome(NormalizeTerminateNexusOperationExecution(&terminate, "g")),
            "operation_id is required");
  workflowservice::DeleteNexusOperationExecutionRequest remove;
  remove.set_operation_id("op");
  remove.set_run_id("x");
  EXPECT_EQ(Outcome(ValidateDeleteNexusOperationExecution(remove)), "run_id is not a valid UUID");
}

TEST(LinksTest, EveryLinkVariantNeedsItsFields) {
  workflowservice::StartWorkflowExecutionRequest request;
  request.set_namespace_("default");
  request.set_workflow_id("w");
  request.mutable_workflow_type()->set_name("T");
  request.mutable_task_queue()->set_name("q");
  auto* operation = request.add_links()->mutable_nexus_operation();
  operation->set_namespace_("default");
  operation->set_operation_id("op");
  EXPECT_EQ(Outcome(ValidateStartWorkflow(request)),
            "nexus operation link must not have an empty run ID field");
  operation->set_run_id("r");
  EXPECT_EQ(Outcome(ValidateStartWorkflow(request)), "ok");
  request.add_links()->mutable_activity()->set_namespace_("default");
  EXPECT_EQ(Outcome(ValidateStartWorkflow(request)),
            "activity link must not have an empty activity ID field");
  request.mutable_links()->RemoveLast();
  request.add_links();
  EXPECT_EQ(Outcome(ValidateStartWorkflow(request)), "unsupported link variant");
}

}  // namespace
}  // namespace hdo::frontend
