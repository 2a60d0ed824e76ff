// Goal: Workflow Update as the Go SDK uses it: accepted and completed, a validator's rejection
// that leaves history as it was (speculative workflow task), deduplication by update id, the
// result after the workflow closed, waiting for acceptance then polling for the outcome,
// update-with-start, and an accepted update that survives a kill -9 of the server. Method: a
// real hdo (or HDO_TARGET, e.g. the reference), the Go SDK's client and worker.
package compat

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	updatepb "go.temporal.io/api/update/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
)

// Updatable sums "add" updates (negative ones are refused by the validator); "wait" completes
// when signal "go" arrives; the workflow ends on signal "done" and returns the sum.
func Updatable(ctx workflow.Context) (int, error) {
	total := 0
	err := workflow.SetUpdateHandlerWithOptions(ctx, "add",
		func(ctx workflow.Context, n int) (int, error) {
			total += n
			return total, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, n int) error {
			if n < 0 {
				return errors.New("negative numbers are refused")
			}
			return nil
		}})
	if err != nil {
		return 0, err
	}
	err = workflow.SetUpdateHandler(ctx, "wait", func(ctx workflow.Context) (string, error) {
		workflow.GetSignalChannel(ctx, "go").Receive(ctx, nil)
		return "released", nil
	})
	if err != nil {
		return 0, err
	}
	workflow.GetSignalChannel(ctx, "done").Receive(ctx, nil)
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return 0, err
	}
	return total, nil
}

func startUpdatable(t *testing.T, c client.Client, ctx context.Context) (string, string) {
	t.Helper()
	queue := fmt.Sprintf("updates-%d", time.Now().UnixNano())
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflow(Updatable)
	if err := w.Start(); err != nil {
		t.Fatalf("worker.Start: %v", err)
	}
	t.Cleanup(w.Stop)
	id := "updatable-" + queue
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue}, Updatable); err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	return id, queue
}

func fullHistory(t *testing.T, c client.Client, ctx context.Context, id string) []*historypb.HistoryEvent {
	t.Helper()
	var events []*historypb.HistoryEvent
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		event, err := it.Next()
		if err != nil {
			t.Fatalf("history: %v", err)
		}
		events = append(events, event)
	}
	return events
}

func countEvents(events []*historypb.HistoryEvent, kind enumspb.EventType) int {
	n := 0
	for _, e := range events {
		if e.GetEventType() == kind {
			n++
		}
	}
	return n
}

func update(ctx context.Context, c client.Client, id, updateID, name string, stage client.WorkflowUpdateStage, args ...interface{}) (client.WorkflowUpdateHandle, error) {
	return c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: id, UpdateID: updateID, UpdateName: name, Args: args, WaitForStage: stage,
	})
}

func TestUpdateIsAcceptedAndCompleted(t *testing.T) {
	c := dialTarget(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	id, _ := startUpdatable(t, c, ctx)
	handle, err := update(ctx, c, id, "first", "add", client.WorkflowUpdateStageCompleted, 5)
	if err != nil {
		t.Fatalf("UpdateWorkflow: %v", err)
	}
	var sum int
	if err := handle.Get(ctx, &sum); err != nil || sum != 5 {
		t.Fatalf("update result = %d, %v; want 5", sum, err)
	}
	events := fullHistory(t, c, ctx, id)
	if countEvents(events, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED) != 1 ||
		countEvents(events, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED) != 1 {
		t.Fatalf("history lacks one accepted and one completed update event: %v", events)
	}
}

func TestARejectedUpdateLeavesTheHistoryAsItWas(t *testing.T) {
	c := dialTarget(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	id, _ := startUpdatable(t, c, ctx)
	// The first task completes (an accepted update proves the workflow is idle afterwards).
	if h, err := update(ctx, c, id, "warmup", "add", client.WorkflowUpdateStageCompleted, 1); err != nil {
		t.Fatalf("UpdateWorkflow: %v", err)
	} else if err := h.Get(ctx, nil); err != nil {
		t.Fatalf("warmup update: %v", err)
	}
	before := fullHistory(t, c, ctx, id)
	handle, err := update(ctx, c, id, "refused", "add", client.WorkflowUpdateStageCompleted, -1)
	if err == nil {
		err = handle.Get(ctx, nil)
	}
	if err == nil {
		t.Fatalf("a negative number was accepted")
	}
	after := fullHistory(t, c, ctx, id)
	if len(before) != len(after) {
		t.Fatalf("history changed by a rejected update: %d events before, %d after", len(before), len(after))
	}
	for i := range before {
		if !proto.Equal(before[i], after[i]) {
			t.Fatalf("event %d changed: %v -> %v", i+1, before[i], after[i])
		}
	}
}

func TestUpdatesAreDeduplicatedByUpdateID(t *testing.T) {
	c := dialTarget(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	id, _ := startUpdatable(t, c, ctx)
	for i := 0; i < 3; i++ {
		handle, err := update(ctx, c, id, "same", "add", client.WorkflowUpdateStageCompleted, 7)
		if err != nil {
			t.Fatalf("UpdateWorkflow %d: %v", i, err)
		}
		var sum int
		if err := handle.Get(ctx, &sum); err != nil || sum != 7 {
			t.Fatalf("update %d result = %d, %v; want 7 (applied once)", i, sum, err)
		}
	}
	events := fullHistory(t, c, ctx, id)
	if n := countEvents(events, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED); n != 1 {
		t.Fatalf("%d accepted events for one update id", n)
	}
}

func TestAnUpdateResultIsReadableAfterTheWorkflowClosed(t *testing.T) {
	c := dialTarget(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	id, _ := startUpdatable(t, c, ctx)
	handle, err := update(ctx, c, id, "before-close", "add", client.WorkflowUpdateStageCompleted, 3)
	if err != nil {
		t.Fatalf("UpdateWorkflow: %v", err)
	}
	if err := handle.Get(ctx, nil); err != nil {
		t.Fatalf("update: %v", err)
	}
	if err := c.SignalWorkflow(ctx, id, "", "done", nil); err != nil {
		t.Fatalf("signal: %v", err)
	}
	var total int
	if err := c.GetWorkflow(ctx, id, "").Get(ctx, &total); err != nil || total != 3 {
		t.Fatalf("workflow result = %d, %v", total, err)
	}
	var sum int
	if err := c.GetWorkflowUpdateHandle(client.GetWorkflowUpdateHandleOptions{WorkflowID: id, UpdateID: "before-close"}).Get(ctx, &sum); err != nil || sum != 3 {
		t.Fatalf("update result after close = %d, %v; want 3", sum, err)
	}
	// The same update id again: answered from history, not a new update.
	again, err := update(ctx, c, id, "before-close", "add", client.WorkflowUpdateStageCompleted, 3)
	if err != nil {
		t.Fatalf("UpdateWorkflow after close: %v", err)
	}
	if err := again.Get(ctx, &sum); err != nil || sum != 3 {
		t.Fatalf("repeated update after close = %d, %v; want 3", sum, err)
	}
	// An unknown update id on a closed workflow is NotFound.
	if _, err := update(ctx, c, id, "never", "add", client.WorkflowUpdateStageCompleted, 1); err == nil {
		t.Fatalf("a new update on a closed workflow was admitted")
	}
}

func TestWaitingForAcceptanceThenPollingForTheOutcome(t *testing.T) {
	c := dialTarget(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	id, _ := startUpdatable(t, c, ctx)
	handle, err := update(ctx, c, id, "held", "wait", client.WorkflowUpdateStageAccepted)
	if err != nil {
		t.Fatalf("UpdateWorkflow(accepted): %v", err)
	}
	if err := c.SignalWorkflow(ctx, id, "", "go", nil); err != nil {
		t.Fatalf("signal: %v", err)
	}
	var got string
	if err := handle.Get(ctx, &got); err != nil || got != "released" {
		t.Fatalf("update result = %q, %v", got, err)
	}
	var again string
	if err := c.GetWorkflowUpdateHandle(client.GetWorkflowUpdateHandleOptions{WorkflowID: id, UpdateID: "held"}).Get(ctx, &again); err != nil || again != "released" {
		t.Fatalf("polled update result = %q, %v", again, err)
	}
}

func TestUpdateWithStart(t *testing.T) {
	c := dialTarget(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	queue := fmt.Sprintf("uws-%d", time.Now().UnixNano())
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflow(Updatable)
	if err := w.Start(); err != nil {
		t.Fatalf("worker.Start: %v", err)
	}
	t.Cleanup(w.Stop)
	id := "uws-" + queue
	for i, want := range []int{4, 8} {
		start := c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
			ID: id, TaskQueue: queue, WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		}, Updatable)
		handle, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
			StartWorkflowOperation: start,
			UpdateOptions: client.UpdateWorkflowOptions{
				UpdateID: fmt.Sprintf("uws-%d", i), UpdateName: "add", Args: []interface{}{4},
				WaitForStage: client.WorkflowUpdateStageCompleted,
			},
		})
		if err != nil {
			t.Fatalf("UpdateWithStartWorkflow %d: %v", i, err)
		}
		var sum int
		if err := handle.Get(ctx, &sum); err != nil || sum != want {
			t.Fatalf("update %d result = %d, %v; want %d", i, sum, err, want)
		}
		run, err := start.Get(ctx)
		if err != nil || run.GetRunID() == "" {
			t.Fatalf("start %d: %v", i, err)
		}
	}
}

func TestAnAcceptedUpdateSurvivesAServerKill9(t *testing.T) {
	if hdotest.External() {
		t.Skip("kills the server: hdo only")
	}
	server := hdotest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	dial := func(hostPort string) client.Client {
		c, err := client.Dial(client.Options{HostPort: hostPort, Namespace: "default"})
		if err != nil {
			t.Fatalf("client.Dial: %v", err)
		}
		return c
	}
	c := dial(server.HostPort)
	queue := fmt.Sprintf("kill9-%d", time.Now().UnixNano())
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflow(Updatable)
	if err := w.Start(); err != nil {
		t.Fatalf("worker.Start: %v", err)
	}
	id := "kill9-" + queue
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue}, Updatable); err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	if _, err := update(ctx, c, id, "survivor", "wait", client.WorkflowUpdateStageAccepted); err != nil {
		t.Fatalf("UpdateWorkflow(accepted): %v", err)
	}
	server.Kill(t)
	w.Stop()
	c.Close()

	restarted := hdotest.StartOn(t, server.DBFilename)
	c = dial(restarted.HostPort)
	defer c.Close()
	w = worker.New(c, queue, worker.Options{})
	w.RegisterWorkflow(Updatable)
	if err := w.Start(); err != nil {
		t.Fatalf("worker.Start: %v", err)
	}
	defer w.Stop()
	if err := c.SignalWorkflow(ctx, id, "", "go", nil); err != nil {
		t.Fatalf("signal: %v", err)
	}
	var got string
	if err := c.GetWorkflowUpdateHandle(client.GetWorkflowUpdateHandleOptions{WorkflowID: id, UpdateID: "survivor"}).Get(ctx, &got); err != nil || got != "released" {
		t.Fatalf("update result after kill -9 = %q, %v", got, err)
	}
}

// NeverFinishesItsUpdate accepts update "hang", whose handler waits forever; a "done" signal
// completes the workflow with the update still running.
func NeverFinishesItsUpdate(ctx workflow.Context) (string, error) {
	if err := workflow.SetUpdateHandler(ctx, "hang", func(ctx workflow.Context) (string, error) {
		return "", workflow.Await(ctx, func() bool { return false })
	}); err != nil {
		return "", err
	}
	workflow.GetSignalChannel(ctx, "done").Receive(ctx, nil)
	return "closed", nil
}

// Goal: update-with-start does not attach to an update that a closed run accepted but never
// completed (its close aborted it): the id reuse policy decides, as on the reference: with
// REJECT_DUPLICATE the start fails with WorkflowExecutionAlreadyStarted, with ALLOW_DUPLICATE a new
// run starts and takes the update.
func TestUpdateWithStartDoesNotAttachToAnUpdateAbortedByTheRunsClose(t *testing.T) {
	c := dialTarget(t)
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	queue := "uws-aborted-" + suffix
	runWorker(t, c, queue, worker.Options{}, []any{NeverFinishesItsUpdate}, []any{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, reuse := range []enumspb.WorkflowIdReusePolicy{enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE} {
		id := fmt.Sprintf("uws-aborted-%d-%s", reuse, suffix)
		withStart := func(ctx context.Context) (client.WorkflowUpdateHandle, client.WithStartWorkflowOperation, error) {
			start := c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{ID: id, TaskQueue: queue,
				WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL, WorkflowIDReusePolicy: reuse},
				NeverFinishesItsUpdate)
			handle, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
				StartWorkflowOperation: start,
				UpdateOptions: client.UpdateWorkflowOptions{UpdateID: "the-update", UpdateName: "hang",
					WaitForStage: client.WorkflowUpdateStageAccepted},
			})
			return handle, start, err
		}
		_, start, err := withStart(ctx)
		if err != nil {
			t.Fatalf("%v: first UpdateWithStartWorkflow: %v", reuse, err)
		}
		first, err := start.Get(ctx)
		if err != nil {
			t.Fatalf("%v: first start: %v", reuse, err)
		}
		if err := c.SignalWorkflow(ctx, id, first.GetRunID(), "done", nil); err != nil {
			t.Fatalf("%v: signal: %v", reuse, err)
		}
		if err := first.Get(ctx, nil); err != nil {
			t.Fatalf("%v: first run: %v", reuse, err)
		}
		// (The Go SDK retries an update-with-start whose start failed until its context ends.)
		secondCtx, secondCancel := context.WithTimeout(ctx, 5*time.Second)
		_, start, err = withStart(secondCtx)
		secondCancel()
		if reuse == enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE {
			var already *serviceerror.WorkflowExecutionAlreadyStarted
			startCtx, startCancel := context.WithTimeout(ctx, time.Second)
			_, startErr := start.Get(startCtx)
			startCancel()
			t.Logf("second update-with-start: %v; start: %v", err, startErr)
			if !errors.As(err, &already) && !errors.As(startErr, &already) {
				t.Fatalf("%v: second UpdateWithStartWorkflow = %v (start %v); want WorkflowExecutionAlreadyStarted", reuse, err, startErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v: second UpdateWithStartWorkflow: %v", reuse, err)
		}
		second, err := start.Get(ctx)
		if err != nil || second.GetRunID() == first.GetRunID() {
			t.Fatalf("%v: second start ran %v, %v; want a new run after %s", reuse, second, err, first.GetRunID())
		}
		_ = c.TerminateWorkflow(ctx, id, second.GetRunID(), "test over")
	}
}

// An update-with-start whose start the server refuses before running anything (here a workflow
// id over the length limit) answers in the shape the SDKs unpack: a MultiOperationExecution whose
// first operation carries the InvalidArgument and whose second is aborted (the TypeScript client
// rethrows the operation's InvalidArgument only from there; its suite's "updateWithStart failure:
// invalid argument"). Nothing is started.
func TestUpdateWithStartRefusedBeforeRunningReportsEachOperation(t *testing.T) {
	c := dialTarget(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	id := fmt.Sprintf("uws-too-long-%d-%0999d", time.Now().UnixNano(), 0)
	for len(id) < 2772 {
		id += "x"
	}
	_, err := c.WorkflowService().ExecuteMultiOperation(ctx, &workflowservice.ExecuteMultiOperationRequest{
		Namespace: "default",
		Operations: []*workflowservice.ExecuteMultiOperationRequest_Operation{
			{Operation: &workflowservice.ExecuteMultiOperationRequest_Operation_StartWorkflow{
				StartWorkflow: &workflowservice.StartWorkflowExecutionRequest{
					Namespace: "default", WorkflowId: id, RequestId: "uws-too-long",
					WorkflowType: &commonpb.WorkflowType{Name: "Nobody"},
					TaskQueue:    &taskqueuepb.TaskQueue{Name: "nobody-polls"},
				}}},
			{Operation: &workflowservice.ExecuteMultiOperationRequest_Operation_UpdateWorkflow{
				UpdateWorkflow: &workflowservice.UpdateWorkflowExecutionRequest{
					Namespace:         "default",
					WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: id},
					Request: &updatepb.Request{
						Meta:  &updatepb.Meta{UpdateId: "u1"},
						Input: &updatepb.Input{Name: "change"},
					},
					WaitPolicy: &updatepb.WaitPolicy{LifecycleStage: enumspb.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED},
				}}},
		},
	})
	var multi *serviceerror.MultiOperationExecution
	if !errors.As(err, &multi) {
		t.Fatalf("ExecuteMultiOperation = %v (%T); want a MultiOperationExecution", err, err)
	}
	if grpcCode(err) != codes.InvalidArgument {
		t.Fatalf("code %v; want InvalidArgument (the first operation's)", grpcCode(err))
	}
	ops := multi.OperationErrors()
	var invalid *serviceerror.InvalidArgument
	var aborted *serviceerror.MultiOperationAborted
	if len(ops) != 2 || !errors.As(ops[0], &invalid) || !errors.As(ops[1], &aborted) {
		t.Fatalf("operation errors %v; want [InvalidArgument, MultiOperationAborted]", ops)
	}
}
