// Goal: the ActivityTaskStarted event, written when the attempt ends, is dated when the attempt
// started (the reference overwrites its time with the activity's started time), so a history
// shows how long the activity ran. Method: a real hdo (or HDO_TARGET), the Go SDK; an activity
// that sleeps 600 ms.
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

func RunsSlowly(ctx workflow.Context) (string, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var out string
	err := workflow.ExecuteActivity(actx, SlowUpper, "slow", 600*time.Millisecond).Get(ctx, &out)
	return out, err
}

func TestActivityTaskStartedIsDatedWhenTheAttemptStarted(t *testing.T) {
	c := dialTarget(t)
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	queue := "started-time-" + suffix
	runWorker(t, c, queue, worker.Options{}, []any{RunsSlowly}, []any{SlowUpper})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "started-time-" + suffix, TaskQueue: queue}, RunsSlowly)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	if err := run.Get(ctx, nil); err != nil {
		t.Fatalf("result: %v", err)
	}
	var started, completed time.Time
	for _, event := range historyOf(t, c, run.GetID(), run.GetRunID()) {
		switch event.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			started = event.GetEventTime().AsTime()
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			completed = event.GetEventTime().AsTime()
		}
	}
	if started.IsZero() || completed.IsZero() {
		t.Fatalf("no ActivityTaskStarted / ActivityTaskCompleted in the history")
	}
	if ran := completed.Sub(started); ran < 500*time.Millisecond {
		t.Fatalf("ActivityTaskStarted is dated %v before ActivityTaskCompleted; want at least the 600 ms the activity slept", ran)
	}
}
