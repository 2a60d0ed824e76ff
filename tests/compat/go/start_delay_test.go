// Goal: a signal-with-start's start delay holds back the first workflow task as a plain start's
// does (the Started event's first_workflow_task_backoff is the delay; the signal waits in history
// for that task); a plain signal does not end the delay, and a second signal-with-start does (the
// reference's SignalWithStartWorkflowExecution: "If the workflow gets another
// SignalWithStartWorkflow before the delay a workflow task will be dispatched immediately").
// Method: a real hdo (or HDO_TARGET), the Go SDK's client, histories read back; no worker.
package compat

import (
	"context"
	"fmt"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

func TestASignalWithStartDelayHoldsTheFirstTaskUntilAnotherSignalWithStart(t *testing.T) {
	c := dialTarget(t)
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	id := "delayed-signal-start-" + suffix
	const delay = time.Hour + 20*time.Minute + 30*time.Second
	options := client.StartWorkflowOptions{ID: id, TaskQueue: "nobody-polls-" + suffix, StartDelay: delay}
	run, err := c.SignalWithStartWorkflow(ctx, id, "first", "one", options, "Delayed")
	if err != nil {
		t.Fatalf("SignalWithStartWorkflow: %v", err)
	}
	t.Cleanup(func() { _ = c.TerminateWorkflow(context.Background(), id, "", "test over") })
	types := func() []enumspb.EventType {
		t.Helper()
		var got []enumspb.EventType
		iter := c.GetWorkflowHistory(ctx, id, run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for iter.HasNext() {
			event, err := iter.Next()
			if err != nil {
				t.Fatalf("history: %v", err)
			}
			if event.GetEventId() == 1 {
				backoff := event.GetWorkflowExecutionStartedEventAttributes().GetFirstWorkflowTaskBackoff().AsDuration()
				if backoff != delay {
					t.Fatalf("first_workflow_task_backoff = %v; want the start delay %v", backoff, delay)
				}
			}
			got = append(got, event.GetEventType())
		}
		return got
	}
	want := []enumspb.EventType{enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED}
	if got := types(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("history after the signal-with-start = %v; want %v (no workflow task during the delay)", got, want)
	}
	if err := c.SignalWorkflow(ctx, id, "", "plain", "two"); err != nil {
		t.Fatalf("SignalWorkflow: %v", err)
	}
	want = append(want, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
	if got := types(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("history after a plain signal = %v; want %v (a plain signal does not end the delay)", got, want)
	}
	again, err := c.SignalWithStartWorkflow(ctx, id, "second", "three", options, "Delayed")
	if err != nil {
		t.Fatalf("second SignalWithStartWorkflow: %v", err)
	}
	if again.GetRunID() != run.GetRunID() {
		t.Fatalf("second signal-with-start started run %s; want the running %s", again.GetRunID(), run.GetRunID())
	}
	want = append(want, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED)
	if got := types(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("history after a second signal-with-start = %v; want %v (it ends the delay)", got, want)
	}
}

// UpdatedThenSignaled answers update "set" and completes with the value once a "go" signal comes.
func UpdatedThenSignaled(ctx workflow.Context) (string, error) {
	value := ""
	if err := workflow.SetUpdateHandler(ctx, "set", func(ctx workflow.Context, v string) (string, error) {
		value = v
		return "set " + v, nil
	}); err != nil {
		return "", err
	}
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, nil)
	return value, nil
}

// Goal: an update sent while the first workflow task waits for its start delay runs that task at
// once, and the run goes on normally afterwards: later events (a signal) get workflow tasks (the
// reference: the delay no longer holds once a workflow task exists).
func TestAnUpdateDuringTheStartDelayStartsTheRunAndLaterEventsAreDelivered(t *testing.T) {
	c := dialTarget(t)
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	queue := "update-delay-" + suffix
	runWorker(t, c, queue, worker.Options{}, []any{UpdatedThenSignaled}, []any{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "update-delay-" + suffix, TaskQueue: queue,
		StartDelay: time.Hour}, UpdatedThenSignaled)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	t.Cleanup(func() { _ = c.TerminateWorkflow(context.Background(), run.GetID(), "", "test over") })
	handle, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: run.GetID(), RunID: run.GetRunID(),
		UpdateName: "set", Args: []interface{}{"x"}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err != nil {
		t.Fatalf("UpdateWorkflow: %v", err)
	}
	var answer string
	if err := handle.Get(ctx, &answer); err != nil || answer != "set x" {
		t.Fatalf("update = %q, %v; want \"set x\"", answer, err)
	}
	if err := c.SignalWorkflow(ctx, run.GetID(), run.GetRunID(), "go", nil); err != nil {
		t.Fatalf("signal: %v", err)
	}
	resultCtx, resultCancel := context.WithTimeout(ctx, 20*time.Second)
	defer resultCancel()
	var result string
	if err := run.Get(resultCtx, &result); err != nil || result != "x" {
		t.Fatalf("result = %q, %v; want \"x\" (the signal after the update must get a workflow task)", result, err)
	}
}
