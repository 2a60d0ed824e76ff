// Goal: batch operations as an operator relies on them (`temporal workflow terminate --query`,
// `temporal batch ...`, the SDKs' raw StartBatchOperation): a job terminates, cancels, signals,
// deletes or resets the workflows a list filter query names or the executions it lists, and
// DescribeBatchOperation / ListBatchOperations report its type, state, counts, identity and
// reason; a workflow that does not exist counts as done; bad requests are InvalidArgument and
// start nothing; a job id is taken once; a namespace runs one job at a time
// (ResourceExhausted); StopBatchOperation ends a running job as FAILED and a finished one is
// NotFound. Method: a real hdo (or HDO_TARGET, e.g. the reference `temporal server start-dev` of
// the temporal CLI 1.5.1), the Go SDK's client and its raw WorkflowService client; target
// workflows have no worker unless a test needs one. Every wait is bounded; the reference's
// visibility is eventually consistent, so targets are counted before a job starts.
package compat

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	batchpb "go.temporal.io/api/batch/v1"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/grpc/codes"
)

// batchTest is one batch test's client, deadline and unique suffix.
type batchTest struct {
	t      *testing.T
	c      client.Client
	ctx    context.Context
	suffix string
}

func newBatchTest(t *testing.T) *batchTest {
	t.Helper()
	c := dialTarget(t)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	t.Cleanup(cancel)
	return &batchTest{t: t, c: c, ctx: ctx, suffix: fmt.Sprintf("%d", time.Now().UnixNano())}
}

// startTargets starts n workflows of type `workflowType` on a queue no worker polls and waits
// until a list filter sees them all. They are terminated when the test ends if still running.
func (b *batchTest) startTargets(workflowType string, n int) []client.WorkflowRun {
	b.t.Helper()
	var runs []client.WorkflowRun
	for i := 0; i < n; i++ {
		run, err := b.c.ExecuteWorkflow(b.ctx, client.StartWorkflowOptions{
			ID:        fmt.Sprintf("%s-%d-%s", workflowType, i, b.suffix),
			TaskQueue: "batch-targets-" + b.suffix,
		}, workflowType)
		if err != nil {
			b.t.Fatalf("ExecuteWorkflow: %v", err)
		}
		runs = append(runs, run)
	}
	b.t.Cleanup(func() {
		for _, run := range runs {
			_ = b.c.TerminateWorkflow(context.Background(), run.GetID(), run.GetRunID(), "test cleanup")
		}
	})
	b.waitCount(fmt.Sprintf("WorkflowType = '%s'", workflowType), int64(n))
	return runs
}

func (b *batchTest) waitCount(query string, want int64) {
	b.t.Helper()
	hdotest.Eventually(b.t, 20*time.Second, func() error {
		counted, err := b.c.CountWorkflow(b.ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
		if err != nil {
			return err
		}
		if counted.GetCount() != want {
			return fmt.Errorf("%q counts %d, want %d", query, counted.GetCount(), want)
		}
		return nil
	})
}

func (b *batchTest) start(request *workflowservice.StartBatchOperationRequest) error {
	b.t.Helper()
	request.Namespace = "default"
	_, err := b.c.WorkflowService().StartBatchOperation(b.ctx, request)
	return err
}

func (b *batchTest) describe(jobID string) (*workflowservice.DescribeBatchOperationResponse, error) {
	return b.c.WorkflowService().DescribeBatchOperation(b.ctx,
		&workflowservice.DescribeBatchOperationRequest{Namespace: "default", JobId: jobID})
}

// waitDone waits until the job is no longer running and returns its description.
func (b *batchTest) waitDone(jobID string) *workflowservice.DescribeBatchOperationResponse {
	b.t.Helper()
	var described *workflowservice.DescribeBatchOperationResponse
	hdotest.Eventually(b.t, 60*time.Second, func() error {
		var err error
		described, err = b.describe(jobID)
		if err != nil {
			return err
		}
		if described.GetState() == enumspb.BATCH_OPERATION_STATE_RUNNING {
			return fmt.Errorf("job %s still running: %d of %d done", jobID,
				described.GetCompleteOperationCount(), described.GetTotalOperationCount())
		}
		return nil
	})
	return described
}

// waitListed waits until ListBatchOperations lists the job in `state` (the reference lists and
// counts its jobs through its eventually consistent visibility).
func (b *batchTest) waitListed(jobID string, state enumspb.BatchOperationState) {
	b.t.Helper()
	hdotest.Eventually(b.t, 20*time.Second, func() error {
		listed, err := b.c.WorkflowService().ListBatchOperations(b.ctx,
			&workflowservice.ListBatchOperationsRequest{Namespace: "default"})
		if err != nil {
			return err
		}
		for _, info := range listed.GetOperationInfo() {
			if info.GetJobId() == jobID {
				if info.GetState() != state || info.GetStartTime() == nil {
					return fmt.Errorf("job %s listed as %v", jobID, info)
				}
				return nil
			}
		}
		return fmt.Errorf("job %s not listed among %d", jobID, len(listed.GetOperationInfo()))
	})
}

func (b *batchTest) expectCounts(described *workflowservice.DescribeBatchOperationResponse, total, complete, failed int64) {
	b.t.Helper()
	if described.GetTotalOperationCount() != total || described.GetCompleteOperationCount() != complete ||
		described.GetFailureOperationCount() != failed {
		b.t.Fatalf("counts total/complete/failed = %d/%d/%d, want %d/%d/%d",
			described.GetTotalOperationCount(), described.GetCompleteOperationCount(),
			described.GetFailureOperationCount(), total, complete, failed)
	}
}

func (b *batchTest) lastEvent(run client.WorkflowRun, eventType enumspb.EventType) *historypb.HistoryEvent {
	b.t.Helper()
	iter := b.c.GetWorkflowHistory(b.ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var found *historypb.HistoryEvent
	for iter.HasNext() {
		event, err := iter.Next()
		if err != nil {
			b.t.Fatalf("history of %s: %v", run.GetID(), err)
		}
		if event.GetEventType() == eventType {
			found = event
		}
	}
	return found
}

// grpcCode is the gRPC code of an error the SDK's service client returned (its serviceerror types
// carry a status, not GRPCStatus).
func grpcCode(err error) codes.Code {
	if err == nil {
		return codes.OK
	}
	return serviceerror.ToStatus(err).Code()
}

func TestBatchTerminateByQueryReportsTheJob(t *testing.T) {
	b := newBatchTest(t)
	workflowType := "BatchTerminated" + b.suffix
	targets := b.startTargets(workflowType, 3)
	bystander := b.startTargets("BatchBystander"+b.suffix, 1)[0]
	jobID := "terminate-" + b.suffix
	err := b.start(&workflowservice.StartBatchOperationRequest{
		JobId:           jobID,
		VisibilityQuery: fmt.Sprintf("WorkflowType = '%s'", workflowType),
		Reason:          "clean up " + b.suffix,
		Operation: &workflowservice.StartBatchOperationRequest_TerminationOperation{
			TerminationOperation: &batchpb.BatchOperationTermination{Identity: "batch-tester"},
		},
	})
	if err != nil {
		t.Fatalf("StartBatchOperation: %v", err)
	}
	described := b.waitDone(jobID)
	if described.GetState() != enumspb.BATCH_OPERATION_STATE_COMPLETED {
		t.Fatalf("state %v, want COMPLETED", described.GetState())
	}
	//nolint:staticcheck // the reference reports the original operation types
	if described.GetOperationType() != enumspb.BATCH_OPERATION_TYPE_TERMINATE {
		t.Fatalf("operation type %v, want TERMINATE", described.GetOperationType())
	}
	b.expectCounts(described, 3, 3, 0)
	if described.GetJobId() != jobID || described.GetIdentity() != "batch-tester" ||
		described.GetReason() != "clean up "+b.suffix {
		t.Fatalf("job id / identity / reason = %q / %q / %q", described.GetJobId(),
			described.GetIdentity(), described.GetReason())
	}
	if described.GetStartTime() == nil || described.GetCloseTime() == nil ||
		described.GetCloseTime().AsTime().Before(described.GetStartTime().AsTime()) {
		t.Fatalf("start / close time = %v / %v", described.GetStartTime(), described.GetCloseTime())
	}
	for _, run := range targets {
		if got := describeStatus(t, b.c, run.GetID(), run.GetRunID()); got != enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED {
			t.Fatalf("%s is %v, want TERMINATED", run.GetID(), got)
		}
		event := b.lastEvent(run, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED)
		if event == nil || event.GetWorkflowExecutionTerminatedEventAttributes().GetReason() != "clean up "+b.suffix {
			t.Fatalf("%s: terminated event %v", run.GetID(), event)
		}
	}
	if got := describeStatus(t, b.c, bystander.GetID(), bystander.GetRunID()); got != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("a workflow the query does not name is %v", got)
	}
	b.waitListed(jobID, enumspb.BATCH_OPERATION_STATE_COMPLETED)
}

func TestBatchSignalListedExecutionsCountsAMissingOneAsDone(t *testing.T) {
	b := newBatchTest(t)
	targets := b.startTargets("BatchSignaled"+b.suffix, 2)
	input, err := converter.GetDefaultDataConverter().ToPayloads("hello")
	if err != nil {
		t.Fatal(err)
	}
	jobID := "signal-" + b.suffix
	err = b.start(&workflowservice.StartBatchOperationRequest{
		JobId: jobID,
		//nolint:staticcheck // the field SDK users and the reference 1.29 use
		Executions: []*commonpb.WorkflowExecution{
			{WorkflowId: targets[0].GetID()},
			{WorkflowId: targets[1].GetID(), RunId: targets[1].GetRunID()},
			{WorkflowId: "never-started-" + b.suffix},
		},
		Reason: "poke them",
		Operation: &workflowservice.StartBatchOperationRequest_SignalOperation{
			SignalOperation: &batchpb.BatchOperationSignal{Signal: "poke", Input: input, Identity: "batch-tester"},
		},
	})
	if err != nil {
		t.Fatalf("StartBatchOperation: %v", err)
	}
	described := b.waitDone(jobID)
	if described.GetState() != enumspb.BATCH_OPERATION_STATE_COMPLETED {
		t.Fatalf("state %v, want COMPLETED", described.GetState())
	}
	b.expectCounts(described, 3, 3, 0)
	for _, run := range targets {
		event := b.lastEvent(run, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
		if event == nil {
			t.Fatalf("%s was not signalled", run.GetID())
		}
		attributes := event.GetWorkflowExecutionSignaledEventAttributes()
		var got string
		if err := converter.GetDefaultDataConverter().FromPayloads(attributes.GetInput(), &got); err != nil || got != "hello" ||
			attributes.GetSignalName() != "poke" {
			t.Fatalf("%s: signal %q with %q (%v)", run.GetID(), attributes.GetSignalName(), got, err)
		}
	}
}

func TestBatchCancelAndDeleteByQuery(t *testing.T) {
	b := newBatchTest(t)
	workflowType := "BatchCanceled" + b.suffix
	targets := b.startTargets(workflowType, 2)
	cancelJob := "cancel-" + b.suffix
	if err := b.start(&workflowservice.StartBatchOperationRequest{
		JobId:           cancelJob,
		VisibilityQuery: fmt.Sprintf("WorkflowType = '%s'", workflowType),
		Reason:          "cancel them",
		Operation: &workflowservice.StartBatchOperationRequest_CancellationOperation{
			CancellationOperation: &batchpb.BatchOperationCancellation{Identity: "batch-tester"},
		},
	}); err != nil {
		t.Fatalf("StartBatchOperation (cancel): %v", err)
	}
	b.expectCounts(b.waitDone(cancelJob), 2, 2, 0)
	for _, run := range targets {
		if b.lastEvent(run, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED) == nil {
			t.Fatalf("%s got no cancel request", run.GetID())
		}
		if err := b.c.TerminateWorkflow(b.ctx, run.GetID(), run.GetRunID(), "closed before delete"); err != nil {
			t.Fatalf("terminate: %v", err)
		}
	}
	b.waitCount(fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Terminated'", workflowType), 2)

	deleteJob := "delete-" + b.suffix
	if err := b.start(&workflowservice.StartBatchOperationRequest{
		JobId:           deleteJob,
		VisibilityQuery: fmt.Sprintf("WorkflowType = '%s'", workflowType),
		Reason:          "delete them",
		Operation: &workflowservice.StartBatchOperationRequest_DeletionOperation{
			DeletionOperation: &batchpb.BatchOperationDeletion{Identity: "batch-tester"},
		},
	}); err != nil {
		t.Fatalf("StartBatchOperation (delete): %v", err)
	}
	described := b.waitDone(deleteJob)
	//nolint:staticcheck // the reference reports the original operation types
	if described.GetOperationType() != enumspb.BATCH_OPERATION_TYPE_DELETE {
		t.Fatalf("operation type %v, want DELETE", described.GetOperationType())
	}
	b.expectCounts(described, 2, 2, 0)
	if hdotest.External() {
		// The reference deletes through a task of its own: the CLI 1.5.1 dev server left a deleted
		// workflow describable for more than 20 s, so only hdo's deletion is checked.
		return
	}
	for _, run := range targets {
		hdotest.Eventually(t, 20*time.Second, func() error {
			_, err := b.c.DescribeWorkflowExecution(b.ctx, run.GetID(), run.GetRunID())
			var notFound *serviceerror.NotFound
			if errors.As(err, &notFound) {
				return nil
			}
			return fmt.Errorf("%s after the delete job: %v", run.GetID(), err)
		})
	}
}

func TestBatchResetToTheFirstWorkflowTask(t *testing.T) {
	b := newBatchTest(t)
	queue := startSumWorker(t, b.c)
	id, runID := startWithTwoSignals(t, b.c, queue)
	jobID := "reset-" + b.suffix
	if err := b.start(&workflowservice.StartBatchOperationRequest{
		JobId:           jobID,
		VisibilityQuery: fmt.Sprintf("WorkflowId = '%s'", id),
		Reason:          "replay from the start",
		Operation: &workflowservice.StartBatchOperationRequest_ResetOperation{
			ResetOperation: &batchpb.BatchOperationReset{
				Identity: "batch-tester",
				Options: &commonpb.ResetOptions{
					Target: &commonpb.ResetOptions_FirstWorkflowTask{},
				},
			},
		},
	}); err != nil {
		t.Fatalf("StartBatchOperation: %v", err)
	}
	b.expectCounts(b.waitDone(jobID), 1, 1, 0)
	if got := describeStatus(t, b.c, id, runID); got != enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED {
		t.Fatalf("the reset run is %v, want TERMINATED", got)
	}
	described, err := b.c.DescribeWorkflowExecution(b.ctx, id, "")
	if err != nil {
		t.Fatalf("describe the current run: %v", err)
	}
	if described.GetWorkflowExecutionInfo().GetExecution().GetRunId() == runID {
		t.Fatalf("no new run after the reset")
	}
	// The new run replays the two signals it re-applied (1 + 10) and waits for a third.
	if err := b.c.SignalWorkflow(b.ctx, id, "", "add", 100); err != nil {
		t.Fatalf("signal: %v", err)
	}
	var sum int
	if err := b.c.GetWorkflow(b.ctx, id, "").Get(b.ctx, &sum); err != nil || sum != 111 {
		t.Fatalf("sum after the reset = %d (%v), want 111", sum, err)
	}
}

func TestBatchInvalidRequestsStartNothing(t *testing.T) {
	b := newBatchTest(t)
	terminate := &workflowservice.StartBatchOperationRequest_TerminationOperation{
		TerminationOperation: &batchpb.BatchOperationTermination{},
	}
	// `loose`: the reference (1.29) refuses these with an unclassified error ("something went
	// wrong"); hdo says InvalidArgument, which is checked unless the target is external.
	// `hdoOnly`: the reference accepts these and its job fails later (its query is checked only
	// when the job lists), so they run against hdo only.
	cases := []struct {
		name    string
		loose   bool
		hdoOnly bool
		request *workflowservice.StartBatchOperationRequest
	}{
		{"no reason", false, false, &workflowservice.StartBatchOperationRequest{
			JobId: "bad-1-" + b.suffix, VisibilityQuery: "WorkflowType = 'x'", Operation: terminate}},
		{"no job id", false, false, &workflowservice.StartBatchOperationRequest{
			VisibilityQuery: "WorkflowType = 'x'", Reason: "r", Operation: terminate}},
		{"no targets", false, false, &workflowservice.StartBatchOperationRequest{
			JobId: "bad-3-" + b.suffix, Reason: "r", Operation: terminate}},
		{"no operation", false, false, &workflowservice.StartBatchOperationRequest{
			JobId: "bad-4-" + b.suffix, VisibilityQuery: "WorkflowType = 'x'", Reason: "r"}},
		{"a signal without a name", true, false, &workflowservice.StartBatchOperationRequest{
			JobId: "bad-5-" + b.suffix, VisibilityQuery: "WorkflowType = 'x'", Reason: "r",
			Operation: &workflowservice.StartBatchOperationRequest_SignalOperation{
				SignalOperation: &batchpb.BatchOperationSignal{}}}},
		{"a reset without a target", false, false, &workflowservice.StartBatchOperationRequest{
			JobId: "bad-6-" + b.suffix, VisibilityQuery: "WorkflowType = 'x'", Reason: "r",
			Operation: &workflowservice.StartBatchOperationRequest_ResetOperation{
				ResetOperation: &batchpb.BatchOperationReset{Options: &commonpb.ResetOptions{}}}}},
		{"a query that does not parse", false, true, &workflowservice.StartBatchOperationRequest{
			JobId: "bad-7-" + b.suffix, VisibilityQuery: "WorkflowType = ", Reason: "r", Operation: terminate}},
		{"a query on an unknown attribute", false, true, &workflowservice.StartBatchOperationRequest{
			JobId: "bad-8-" + b.suffix, VisibilityQuery: "NoSuchAttribute = 'x'", Reason: "r", Operation: terminate}},
	}
	for _, tc := range cases {
		if tc.hdoOnly && hdotest.External() {
			continue
		}
		err := b.start(tc.request)
		if err == nil {
			t.Fatalf("%s: accepted", tc.name)
		}
		if (!tc.loose || !hdotest.External()) && grpcCode(err) != codes.InvalidArgument {
			t.Fatalf("%s: got %v, want InvalidArgument", tc.name, err)
		}
		if tc.request.JobId != "" {
			if _, err := b.describe(tc.request.JobId); grpcCode(err) != codes.NotFound {
				t.Fatalf("%s: a job was created (describe: %v)", tc.name, err)
			}
		}
	}
	// Describe and stop need a job id; an unknown one is NotFound.
	if _, err := b.describe(""); grpcCode(err) != codes.InvalidArgument {
		t.Fatalf("describe without a job id: %v", err)
	}
	if _, err := b.describe("no-such-job-" + b.suffix); grpcCode(err) != codes.NotFound {
		t.Fatalf("describe of an unknown job: %v", err)
	}
	_, err := b.c.WorkflowService().StopBatchOperation(b.ctx, &workflowservice.StopBatchOperationRequest{
		Namespace: "default", JobId: "no-such-job-" + b.suffix})
	if grpcCode(err) != codes.InvalidArgument {
		t.Fatalf("stop without a reason: %v", err)
	}
}

func TestBatchOneJobAtATimeAndStop(t *testing.T) {
	b := newBatchTest(t)
	workflowType := "BatchSlow" + b.suffix
	// Enough targets that the job outlives the checks below on the reference too (its 1.29 server
	// takes the namespace's 50 operations per second whatever the request asks).
	b.startTargets(workflowType, 250)
	signal := func(jobID string) error {
		return b.start(&workflowservice.StartBatchOperationRequest{
			JobId:                  jobID,
			VisibilityQuery:        fmt.Sprintf("WorkflowType = '%s'", workflowType),
			Reason:                 "slowly",
			MaxOperationsPerSecond: 1,
			Operation: &workflowservice.StartBatchOperationRequest_SignalOperation{
				SignalOperation: &batchpb.BatchOperationSignal{Signal: "poke", Identity: "batch-tester"},
			},
		})
	}
	jobID := "slow-" + b.suffix
	if err := signal(jobID); err != nil {
		t.Fatalf("StartBatchOperation: %v", err)
	}
	t.Cleanup(func() {
		_, _ = b.c.WorkflowService().StopBatchOperation(context.Background(), &workflowservice.StopBatchOperationRequest{
			Namespace: "default", JobId: jobID, Reason: "test cleanup"})
	})
	b.waitListed(jobID, enumspb.BATCH_OPERATION_STATE_RUNNING)
	// One running job per namespace (the reference's default).
	err := signal("second-" + b.suffix)
	var exhausted *serviceerror.ResourceExhausted
	if !errors.As(err, &exhausted) {
		t.Fatalf("a second job while one runs: %v (%T), want ResourceExhausted", err, err)
	}
	_, err = b.c.WorkflowService().StopBatchOperation(b.ctx, &workflowservice.StopBatchOperationRequest{
		Namespace: "default", JobId: jobID, Reason: "enough", Identity: "batch-tester"})
	if err != nil {
		t.Fatalf("StopBatchOperation: %v", err)
	}
	described := b.waitDone(jobID)
	if described.GetState() != enumspb.BATCH_OPERATION_STATE_FAILED || described.GetCloseTime() == nil {
		t.Fatalf("a stopped job is %v (closed %v), want FAILED", described.GetState(), described.GetCloseTime())
	}
	_, err = b.c.WorkflowService().StopBatchOperation(b.ctx, &workflowservice.StopBatchOperationRequest{
		Namespace: "default", JobId: jobID, Reason: "again"})
	if grpcCode(err) != codes.NotFound {
		t.Fatalf("stopping a finished job: %v, want NotFound", err)
	}
	b.waitListed(jobID, enumspb.BATCH_OPERATION_STATE_FAILED)
	// A job id is taken for good, finished or not.
	var taken *serviceerror.WorkflowExecutionAlreadyStarted
	if err := signal(jobID); !errors.As(err, &taken) {
		t.Fatalf("a taken job id: %v (%T), want WorkflowExecutionAlreadyStarted", err, err)
	}
	// With the job stopped, the namespace may start another.
	if err := signal("third-" + b.suffix); err != nil {
		t.Fatalf("a job after the stop: %v", err)
	}
	_, _ = b.c.WorkflowService().StopBatchOperation(b.ctx, &workflowservice.StopBatchOperationRequest{
		Namespace: "default", JobId: "third-" + b.suffix, Reason: "test cleanup"})
	b.waitDone("third-" + b.suffix)
}

func TestBatchUnpauseActivitiesByType(t *testing.T) {
	a := newActivityOpsTest(t)
	b := &batchTest{t: t, c: a.c, ctx: a.ctx, suffix: a.queue}
	var runs []client.WorkflowRun
	for i := 0; i < 2; i++ {
		id := fmt.Sprintf("batch-unpause-%d-%s", i, a.queue)
		runs = append(runs, a.start(id, "HeartbeatsUntilPaused", time.Second))
		a.waitPending(id, "the first attempt to run", func(p *workflowpb.PendingActivityInfo) bool {
			return p.GetState() == enumspb.PENDING_ACTIVITY_STATE_STARTED
		})
		if _, err := a.c.WorkflowService().PauseActivity(a.ctx, &workflowservice.PauseActivityRequest{
			Namespace: "default", Execution: &commonpb.WorkflowExecution{WorkflowId: id},
			Activity: &workflowservice.PauseActivityRequest_Type{Type: "HeartbeatsUntilPaused"},
		}); err != nil {
			t.Fatalf("PauseActivity: %v", err)
		}
		a.waitPending(id, "the retry to be parked", func(p *workflowpb.PendingActivityInfo) bool {
			return p.GetState() == enumspb.PENDING_ACTIVITY_STATE_PAUSED
		})
	}
	b.waitCount("TemporalPauseInfo = 'property:activityType=HeartbeatsUntilPaused' AND TaskQueue = '"+a.queue+"'", 2)
	jobID := "unpause-" + a.queue
	if err := b.start(&workflowservice.StartBatchOperationRequest{
		JobId:           jobID,
		VisibilityQuery: fmt.Sprintf("TaskQueue = '%s'", a.queue),
		Reason:          "the dependency is back",
		Operation: &workflowservice.StartBatchOperationRequest_UnpauseActivitiesOperation{
			UnpauseActivitiesOperation: &batchpb.BatchOperationUnpauseActivities{
				Identity: "batch-tester",
				Activity: &batchpb.BatchOperationUnpauseActivities_Type{Type: "HeartbeatsUntilPaused"},
			},
		},
	}); err != nil {
		t.Fatalf("StartBatchOperation: %v", err)
	}
	described := b.waitDone(jobID)
	if described.GetState() != enumspb.BATCH_OPERATION_STATE_COMPLETED ||
		described.GetOperationType() != enumspb.BATCH_OPERATION_TYPE_UNPAUSE_ACTIVITY {
		t.Fatalf("job %v", described)
	}
	for _, run := range runs {
		var result string
		if err := run.Get(a.ctx, &result); err != nil || result != "done at attempt 2" {
			t.Fatalf("%s: %q (%v)", run.GetID(), result, err)
		}
	}
}
