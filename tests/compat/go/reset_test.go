// Goal: ResetWorkflowExecution and DeleteWorkflowExecution as the Go SDK and the reference CLI
// use them: a reset to the first workflow task re-applies each later signal once, the new run
// completes with the result those signals make, the old run ends Terminated, and the new run's
// history is the reference's event for event; `temporal workflow reset` (-t FirstWorkflowTask
// and --event-id) makes a new current run; a deleted run is NotFound; bad requests are
// InvalidArgument. Method: hdotest.Target (a fresh hdo, or HDO_TARGET: the reference server),
// the SDK's client and worker, the reference CLI; histories compared by event type.
package compat

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hdo/hdo/tests/compat/go/hdotest"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// SumSignals adds the values of `count` "add" signals.
func SumSignals(ctx workflow.Context, count int) (int, error) {
	adds := workflow.GetSignalChannel(ctx, "add")
	sum := 0
	for i := 0; i < count; i++ {
		var value int
		adds.Receive(ctx, &value)
		sum += value
	}
	return sum, nil
}

func startSumWorker(t *testing.T, c client.Client) string {
	t.Helper()
	queue := fmt.Sprintf("sums-%d", time.Now().UnixNano())
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflow(SumSignals)
	if err := w.Start(); err != nil {
		t.Fatalf("worker.Start: %v", err)
	}
	t.Cleanup(w.Stop)
	return queue
}

func historyEvents(t *testing.T, c client.Client, workflowID, runID string) []enumspb.EventType {
	t.Helper()
	return eventTypes(t, c, workflowID, runID)
}

// waitForTypes waits until the run's history has exactly `want` event types.
func waitForTypes(t *testing.T, c client.Client, workflowID, runID string, want ...enumspb.EventType) {
	t.Helper()
	hdotest.Eventually(t, 10*time.Second, func() error {
		if got := historyEvents(t, c, workflowID, runID); fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("history of %s/%s:\n got %v\nwant %v", workflowID, runID, got, want)
		}
		return nil
	})
}

func firstEventID(t *testing.T, c client.Client, workflowID, runID string, eventType enumspb.EventType) int64 {
	t.Helper()
	for i, got := range historyEvents(t, c, workflowID, runID) {
		if got == eventType {
			return int64(i + 1)
		}
	}
	t.Fatalf("no %v in %s/%s", eventType, workflowID, runID)
	return 0
}

func describeStatus(t *testing.T, c client.Client, workflowID, runID string) enumspb.WorkflowExecutionStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	described, err := c.DescribeWorkflowExecution(ctx, workflowID, runID)
	if err != nil {
		t.Fatalf("describe %s/%s: %v", workflowID, runID, err)
	}
	return described.GetWorkflowExecutionInfo().GetStatus()
}

var (
	started         = enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED
	taskScheduled   = enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED
	taskStarted     = enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED
	taskCompleted   = enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
	taskFailed      = enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED
	signaled        = enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
	completed       = enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
	terminatedEvent = enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED
)

// Starts SumSignals(3) and sends it two signals (1 and 10), each handled by its own workflow
// task; returns the workflow id and run id.
func startWithTwoSignals(t *testing.T, c client.Client, queue string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id := "reset-" + queue
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue}, SumSignals, 3)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	waitForTypes(t, c, id, run.GetRunID(), started, taskScheduled, taskStarted, taskCompleted)
	if err := c.SignalWorkflow(ctx, id, run.GetRunID(), "add", 1); err != nil {
		t.Fatalf("signal: %v", err)
	}
	waitForTypes(t, c, id, run.GetRunID(), started, taskScheduled, taskStarted, taskCompleted,
		signaled, taskScheduled, taskStarted, taskCompleted)
	if err := c.SignalWorkflow(ctx, id, run.GetRunID(), "add", 10); err != nil {
		t.Fatalf("signal: %v", err)
	}
	waitForTypes(t, c, id, run.GetRunID(), started, taskScheduled, taskStarted, taskCompleted,
		signaled, taskScheduled, taskStarted, taskCompleted,
		signaled, taskScheduled, taskStarted, taskCompleted)
	return id, run.GetRunID()
}

func TestResetToTheFirstWorkflowTaskReappliesEachLaterSignalOnce(t *testing.T) {
	c := dialTarget(t)
	queue := startSumWorker(t, c)
	id, baseRunID := startWithTwoSignals(t, c, queue)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	reset, err := c.ResetWorkflowExecution(ctx, &workflowservice.ResetWorkflowExecutionRequest{
		Namespace:                 "default",
		WorkflowExecution:         &commonpb.WorkflowExecution{WorkflowId: id, RunId: baseRunID},
		Reason:                    "replay the signals",
		WorkflowTaskFinishEventId: firstEventID(t, c, id, baseRunID, taskCompleted),
		RequestId:                 uuid.NewString(),
	})
	if err != nil {
		t.Fatalf("ResetWorkflowExecution: %v", err)
	}
	newRunID := reset.GetRunId()
	if newRunID == "" || newRunID == baseRunID {
		t.Fatalf("reset run id = %q (base %q)", newRunID, baseRunID)
	}
	waitForTypes(t, c, id, newRunID, started, taskScheduled, taskStarted, taskFailed,
		signaled, signaled, taskScheduled, taskStarted, taskCompleted)
	if status := describeStatus(t, c, id, baseRunID); status != enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED {
		t.Errorf("base run status = %v, want Terminated", status)
	}
	base := historyEvents(t, c, id, baseRunID)
	if len(base) == 0 || base[len(base)-1] != terminatedEvent {
		t.Errorf("base run history ends %v, want WorkflowExecutionTerminated", base)
	}

	// The third signal goes to the current run, which is the new one; 1 + 10 + 100.
	if err := c.SignalWorkflow(ctx, id, "", "add", 100); err != nil {
		t.Fatalf("signal: %v", err)
	}
	var sum int
	if err := c.GetWorkflow(ctx, id, newRunID).Get(ctx, &sum); err != nil {
		t.Fatalf("result: %v", err)
	}
	if sum != 111 {
		t.Errorf("result = %d, want 111 (each signal once)", sum)
	}
	expectTypes(t, historyEvents(t, c, id, newRunID),
		started, taskScheduled, taskStarted, taskFailed,
		signaled, signaled, taskScheduled, taskStarted, taskCompleted,
		signaled, taskScheduled, taskStarted, taskCompleted, completed)

	// A retried request answers the run it created.
	again, err := c.ResetWorkflowExecution(ctx, &workflowservice.ResetWorkflowExecutionRequest{
		Namespace:                 "default",
		WorkflowExecution:         &commonpb.WorkflowExecution{WorkflowId: id, RunId: baseRunID},
		Reason:                    "replay the signals",
		WorkflowTaskFinishEventId: 4,
		RequestId:                 "same-reset-request",
	})
	if err != nil {
		t.Fatalf("ResetWorkflowExecution: %v", err)
	}
	retried, err := c.ResetWorkflowExecution(ctx, &workflowservice.ResetWorkflowExecutionRequest{
		Namespace:                 "default",
		WorkflowExecution:         &commonpb.WorkflowExecution{WorkflowId: id, RunId: baseRunID},
		Reason:                    "replay the signals",
		WorkflowTaskFinishEventId: 4,
		RequestId:                 "same-reset-request",
	})
	if err != nil || retried.GetRunId() != again.GetRunId() {
		t.Errorf("retried reset = %v, %v; want run %s", retried.GetRunId(), err, again.GetRunId())
	}
}

func TestResetRefusesABadResetPoint(t *testing.T) {
	c := dialTarget(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	queue := fmt.Sprintf("nobody-%d", time.Now().UnixNano())
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "reset-bad-" + queue, TaskQueue: queue}, SumSignals, 1)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	cases := []struct {
		name    string
		request *workflowservice.ResetWorkflowExecutionRequest
		want    string
	}{
		{"event id 1", &workflowservice.ResetWorkflowExecutionRequest{WorkflowTaskFinishEventId: 1, RequestId: "r"},
			"Workflow task finish ID must be > 1 && <= workflow last event ID."},
		{"event id past the end", &workflowservice.ResetWorkflowExecutionRequest{WorkflowTaskFinishEventId: 3, RequestId: "r"},
			"Workflow task finish ID must be > 1 && <= workflow last event ID."},
		{"inside the first batch", &workflowservice.ResetWorkflowExecutionRequest{WorkflowTaskFinishEventId: 2, RequestId: "r"},
			"StateRebuilder unable to Rebuild mutable state to event ID: 1, version: 0, this event must be at the boundary"},
		{"no request id", &workflowservice.ResetWorkflowExecutionRequest{WorkflowTaskFinishEventId: 2},
			"RequestId is not set on request."},
	}
	for _, tc := range cases {
		tc.request.Namespace = "default"
		tc.request.WorkflowExecution = &commonpb.WorkflowExecution{WorkflowId: run.GetID(), RunId: run.GetRunID()}
		_, err := c.WorkflowService().ResetWorkflowExecution(ctx, tc.request)
		var invalid *serviceerror.InvalidArgument
		if !errors.As(err, &invalid) || invalid.Message != tc.want {
			t.Errorf("%s: error = %v; want InvalidArgument %q", tc.name, err, tc.want)
		}
	}
	_, err = c.WorkflowService().ResetWorkflowExecution(ctx, &workflowservice.ResetWorkflowExecutionRequest{
		Namespace: "default", RequestId: "r", WorkflowTaskFinishEventId: 2})
	var invalid *serviceerror.InvalidArgument
	if !errors.As(err, &invalid) || invalid.Message != "Execution is not set on request." {
		t.Errorf("no execution: error = %v", err)
	}
	if status := describeStatus(t, c, run.GetID(), run.GetRunID()); status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Errorf("status after refused resets = %v", status)
	}
}

// The reference CLI resolves the reset point itself (-t FirstWorkflowTask, or --event-id).
func TestResetWithTheReferenceCLI(t *testing.T) {
	hostPort := hdotest.Target(t)
	c, err := client.Dial(client.Options{HostPort: hostPort, Namespace: "default"})
	if err != nil {
		t.Fatalf("client.Dial(%s): %v", hostPort, err)
	}
	t.Cleanup(c.Close)
	queue := startSumWorker(t, c)
	id, baseRunID := startWithTwoSignals(t, c, queue)

	// The CLI prints the reset point, not the new run: that is the current run afterwards.
	currentRunID := func() string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		described, err := c.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			t.Fatalf("describe %s: %v", id, err)
		}
		return described.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	}
	point := firstEventID(t, c, id, baseRunID, taskCompleted)
	run := cliSucceeds(t, hostPort, "default", "workflow", "reset",
		"--workflow-id", id, "--run-id", baseRunID, "-t", "FirstWorkflowTask", "--reason", "cli reset")
	if want := fmt.Sprintf("to event ID %d", point); !strings.Contains(run.stdout, want) {
		t.Errorf("CLI output lacks %q: %v", want, run)
	}
	first := currentRunID()
	if first == baseRunID {
		t.Fatalf("no new current run after the CLI reset: %v", run)
	}
	waitForTypes(t, c, id, first, started, taskScheduled, taskStarted, taskFailed,
		signaled, signaled, taskScheduled, taskStarted, taskCompleted)
	if status := describeStatus(t, c, id, baseRunID); status != enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED {
		t.Errorf("base run status = %v, want Terminated", status)
	}

	// Reset of the (closed) base run again, by event id: the running first reset run makes way.
	cliSucceeds(t, hostPort, "default", "workflow", "reset",
		"--workflow-id", id, "--run-id", baseRunID, "--event-id", strconv.FormatInt(point, 10),
		"--reason", "cli reset again")
	second := currentRunID()
	if second == first || second == baseRunID {
		t.Fatalf("second reset made no new current run")
	}
	waitForTypes(t, c, id, second, started, taskScheduled, taskStarted, taskFailed,
		signaled, signaled, taskScheduled, taskStarted, taskCompleted)
	if status := describeStatus(t, c, id, first); status != enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED {
		t.Errorf("first reset run status = %v, want Terminated", status)
	}
	if status := describeStatus(t, c, id, ""); status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Errorf("current run status = %v, want Running", status)
	}
}

// DeleteWorkflowExecution of a running run terminates and removes it: describe is NotFound.
func TestADeletedWorkflowIsNotFound(t *testing.T) {
	c := dialTarget(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	queue := fmt.Sprintf("nobody-%d", time.Now().UnixNano())
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "delete-" + queue, TaskQueue: queue}, SumSignals, 1)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	if _, err := c.WorkflowService().DeleteWorkflowExecution(ctx, &workflowservice.DeleteWorkflowExecutionRequest{
		Namespace:         "default",
		WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: run.GetID(), RunId: run.GetRunID()},
	}); err != nil {
		t.Fatalf("DeleteWorkflowExecution: %v", err)
	}
	// The reference deletes in the background after terminating.
	hdotest.Eventually(t, 20*time.Second, func() error {
		_, err := c.DescribeWorkflowExecution(ctx, run.GetID(), run.GetRunID())
		var notFound *serviceerror.NotFound
		if !errors.As(err, &notFound) {
			return fmt.Errorf("describe after delete: %v; want NotFound", err)
		}
		return nil
	})
	_, err = c.WorkflowService().DeleteWorkflowExecution(ctx, &workflowservice.DeleteWorkflowExecutionRequest{Namespace: "default"})
	var invalid *serviceerror.InvalidArgument
	if !errors.As(err, &invalid) || invalid.Message != "Execution is not set on request." {
		t.Errorf("delete without execution: %v", err)
	}
}

// The reference's ResetRunId and RequestIdInfos in Describe's extended info: the base run names
// the run its reset created; each run lists its start's request id at the Started event (a reset
// run: the reset's request id) and a start attached to it (USE_EXISTING with attach_request_id)
// at its WorkflowExecutionOptionsUpdated event.
func TestDescribeNamesTheResetRunAndTheRequestIdsARunAnswersFor(t *testing.T) {
	c := dialTarget(t)
	queue := startSumWorker(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id := "request-ids-" + queue
	startRequest := uuid.NewString()
	start := func(requestID string, attach bool) *workflowservice.StartWorkflowExecutionResponse {
		t.Helper()
		payloads, err := converter.GetDefaultDataConverter().ToPayloads(3)
		if err != nil {
			t.Fatal(err)
		}
		request := &workflowservice.StartWorkflowExecutionRequest{
			Namespace:    "default",
			WorkflowId:   id,
			WorkflowType: &commonpb.WorkflowType{Name: "SumSignals"},
			TaskQueue:    &taskqueuepb.TaskQueue{Name: queue},
			Input:        payloads,
			RequestId:    requestID,
		}
		if attach {
			request.WorkflowIdConflictPolicy = enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING
			request.OnConflictOptions = &workflowpb.OnConflictOptions{AttachRequestId: true}
		}
		response, err := c.WorkflowService().StartWorkflowExecution(ctx, request)
		if err != nil {
			t.Fatalf("StartWorkflowExecution(%s): %v", requestID, err)
		}
		return response
	}
	extended := func(runID string) *workflowpb.WorkflowExecutionExtendedInfo {
		t.Helper()
		described, err := c.DescribeWorkflowExecution(ctx, id, runID)
		if err != nil {
			t.Fatalf("DescribeWorkflowExecution(%s): %v", runID, err)
		}
		return described.GetWorkflowExtendedInfo()
	}
	baseRunID := start(startRequest, false).GetRunId()
	waitForTypes(t, c, id, baseRunID, started, taskScheduled, taskStarted, taskCompleted)
	if got := extended(baseRunID).GetResetRunId(); got != "" {
		t.Errorf("reset_run_id before any reset = %q, want empty", got)
	}

	resetRequest := uuid.NewString()
	reset, err := c.ResetWorkflowExecution(ctx, &workflowservice.ResetWorkflowExecutionRequest{
		Namespace:                 "default",
		WorkflowExecution:         &commonpb.WorkflowExecution{WorkflowId: id, RunId: baseRunID},
		Reason:                    "again",
		WorkflowTaskFinishEventId: 4,
		RequestId:                 resetRequest,
	})
	if err != nil {
		t.Fatalf("ResetWorkflowExecution: %v", err)
	}
	newRunID := reset.GetRunId()
	base := extended(baseRunID)
	if base.GetResetRunId() != newRunID {
		t.Errorf("base run's reset_run_id = %q, want the new run %q", base.GetResetRunId(), newRunID)
	}
	wantStarted := func(infos map[string]*workflowpb.RequestIdInfo, requestID string) {
		t.Helper()
		info := infos[requestID]
		if info.GetEventType() != started || info.GetEventId() != 1 || info.GetBuffered() {
			t.Errorf("request_id_infos[%s] = %v, want WorkflowExecutionStarted at event 1 (all: %v)",
				requestID, info, infos)
		}
	}
	wantStarted(base.GetRequestIdInfos(), startRequest)
	waitForTypes(t, c, id, newRunID, started, taskScheduled, taskStarted, taskFailed,
		taskScheduled, taskStarted, taskCompleted)
	wantStarted(extended(newRunID).GetRequestIdInfos(), resetRequest)

	// A start attached to the running (new) run: listed at its event, which is numbered at once
	// because no workflow task runs now.
	joinRequest := uuid.NewString()
	if joined := start(joinRequest, true); joined.GetStarted() || joined.GetRunId() != newRunID {
		t.Fatalf("attached start = started %v run %s, want the running run %s", joined.GetStarted(),
			joined.GetRunId(), newRunID)
	}
	var updatedID int64
	iter := c.GetWorkflowHistory(ctx, id, newRunID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		event, err := iter.Next()
		if err != nil {
			t.Fatalf("history: %v", err)
		}
		if event.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED {
			updatedID = event.GetEventId()
		}
	}
	infos := extended(newRunID).GetRequestIdInfos()
	info := infos[joinRequest]
	if updatedID == 0 || info.GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED ||
		info.GetEventId() != updatedID || info.GetBuffered() {
		t.Errorf("request_id_infos[attached] = %v, want WorkflowExecutionOptionsUpdated at event %d (all: %v)",
			info, updatedID, infos)
	}
	wantStarted(infos, resetRequest)
	if len(infos) != 2 {
		t.Errorf("request_id_infos = %v, want the reset's and the attached start's", infos)
	}
}
