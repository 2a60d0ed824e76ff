// Goal: an activity scheduled and canceled in the same workflow task (never started) is canceled
// as the reference does it: ActivityTaskCanceled follows the events of that task's commands (the
// Go SDK numbers a command's event from the commands it sent, so an activity scheduled after the
// cancel must get the next id), and the workflow goes on; canceled and completed in one task,
// the run closes with no ActivityTaskCanceled (the reference drops it). Method: a real hdo (or
// HDO_TARGET), the Go SDK's client and worker, histories read back.
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

func SlowUpper(_ context.Context, s string, d time.Duration) (string, error) {
	time.Sleep(d)
	return fmt.Sprintf("%s!", s), nil
}

// CancelThenRun schedules an activity and cancels it at once, then runs another one; with
// closeAtOnce it returns right after the cancel instead.
func CancelThenRun(ctx workflow.Context, closeAtOnce bool) (string, error) {
	options := workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second}
	canceled, cancel := workflow.WithCancel(workflow.WithActivityOptions(ctx, options))
	_ = workflow.ExecuteActivity(canceled, SlowUpper, "never", time.Second)
	cancel()
	if closeAtOnce {
		return "closed", nil
	}
	var out string
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, options), SlowUpper, "second", time.Duration(0)).Get(ctx, &out)
	return out, err
}

func TestAnActivityCanceledInTheTaskThatScheduledItIsCanceledAfterThatTasksEvents(t *testing.T) {
	c := dialTarget(t)
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	queue := "cancel-at-once-" + suffix
	runWorker(t, c, queue, worker.Options{}, []any{CancelThenRun}, []any{SlowUpper})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, closeAtOnce := range []bool{false, true} {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: fmt.Sprintf("cancel-at-once-%v-%s", closeAtOnce, suffix), TaskQueue: queue}, CancelThenRun, closeAtOnce)
		if err != nil {
			t.Fatalf("ExecuteWorkflow: %v", err)
		}
		var result string
		want := "second!"
		if closeAtOnce {
			want = "closed"
		}
		if err := run.Get(ctx, &result); err != nil || result != want {
			t.Fatalf("closeAtOnce=%v: result = %q, %v; want %q", closeAtOnce, result, err, want)
		}
		var types []enumspb.EventType
		for _, event := range historyOf(t, c, run.GetID(), run.GetRunID()) {
			if event.GetEventId() > 4 && event.GetEventId() <= 8 {
				types = append(types, event.GetEventType())
			}
		}
		expected := []enumspb.EventType{enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, enumspb.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED,
			enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, enumspb.EVENT_TYPE_ACTIVITY_TASK_CANCELED}
		if closeAtOnce {
			expected = []enumspb.EventType{enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, enumspb.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED,
				enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED}
		}
		if fmt.Sprint(types) != fmt.Sprint(expected) {
			t.Fatalf("closeAtOnce=%v: events 5.. = %v; want %v", closeAtOnce, types, expected)
		}
	}
}
