// Goal: an activity or child workflow that sets no priority of its own runs with its workflow's
// (each field it leaves unset comes from the run's, as the reference's priorities.Merge does):
// the activity's info and the child's info report the workflow's priority key, fairness key and
// weight, and a field the activity sets wins. Method: a real hdo (or HDO_TARGET), the Go SDK.
package compat

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

func ReportPriority(ctx context.Context) (string, error) {
	p := activity.GetInfo(ctx).Priority
	return fmt.Sprintf("%d/%s/%g", p.PriorityKey, p.FairnessKey, p.FairnessWeight), nil
}

func ChildReportsPriority(ctx workflow.Context) (string, error) {
	p := workflow.GetInfo(ctx).Priority
	return fmt.Sprintf("%d/%s/%g", p.PriorityKey, p.FairnessKey, p.FairnessWeight), nil
}

func InheritsPriority(ctx workflow.Context) ([]string, error) {
	options := workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second}
	var inherited, own, child string
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, options), ReportPriority).Get(ctx, &inherited); err != nil {
		return nil, err
	}
	options.Priority = temporal.Priority{PriorityKey: 4}
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, options), ReportPriority).Get(ctx, &own); err != nil {
		return nil, err
	}
	if err := workflow.ExecuteChildWorkflow(ctx, ChildReportsPriority).Get(ctx, &child); err != nil {
		return nil, err
	}
	return []string{inherited, own, child}, nil
}

func TestActivitiesAndChildrenTakeTheWorkflowsPriorityWhereTheySetNone(t *testing.T) {
	c := dialTarget(t)
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	queue := "priority-" + suffix
	runWorker(t, c, queue, worker.Options{}, []any{InheritsPriority, ChildReportsPriority}, []any{ReportPriority})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "priority-" + suffix, TaskQueue: queue,
		Priority: temporal.Priority{PriorityKey: 1, FairnessKey: "fair", FairnessWeight: 2.5}}, InheritsPriority)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	var got []string
	if err := run.Get(ctx, &got); err != nil {
		t.Fatalf("result: %v", err)
	}
	want := []string{"1/fair/2.5", "4/fair/2.5", "1/fair/2.5"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("priorities (inherited activity, activity with its own key, child) = %v; want %v", got, want)
	}
}

// Goal: the build id a worker reports with its completed workflow task is kept on the
// WorkflowTaskCompleted event (the reference writes the worker version stamp as sent; SDKs read
// a run's current build id from it).
func TestTheWorkersBuildIdIsKeptOnTheCompletedWorkflowTask(t *testing.T) {
	c := dialTarget(t)
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	queue := "build-id-" + suffix
	runWorker(t, c, queue, worker.Options{BuildID: "build-" + suffix}, []any{ChildReportsPriority}, []any{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "build-id-" + suffix, TaskQueue: queue}, ChildReportsPriority)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	if err := run.Get(ctx, nil); err != nil {
		t.Fatalf("result: %v", err)
	}
	for _, event := range historyOf(t, c, run.GetID(), run.GetRunID()) {
		if attributes := event.GetWorkflowTaskCompletedEventAttributes(); attributes != nil {
			if got := attributes.GetWorkerVersion().GetBuildId(); got != "build-"+suffix {
				t.Fatalf("WorkflowTaskCompleted build id = %q; want %q", got, "build-"+suffix)
			}
			return
		}
	}
	t.Fatalf("no WorkflowTaskCompleted event")
}
