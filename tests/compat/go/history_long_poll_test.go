// Goal: reading a running workflow's history with the long poll (wait_new_event, all events)
// follows the run as it grows until it closes, as on the reference: every answer of a running run
// carries a next page token, so the SDK's iterator waits for the next events instead of stopping
// at the ones that exist when it starts. A token names its run: a request naming another run is
// refused. Method: a real hdo (or HDO_TARGET), the Go SDK's client and worker, and the raw API.
package compat

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

func TwoNaps(ctx workflow.Context) (string, error) {
	for i := 0; i < 2; i++ {
		if err := workflow.Sleep(ctx, 300*time.Millisecond); err != nil {
			return "", err
		}
	}
	return "rested", nil
}

func TestALongPollHistoryReadFollowsTheRunUntilItCloses(t *testing.T) {
	c := dialTarget(t)
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	queue := "long-poll-history-" + suffix
	runWorker(t, c, queue, worker.Options{}, []any{TwoNaps}, []any{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "long-poll-history-" + suffix, TaskQueue: queue}, TwoNaps)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	iter := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), true, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var last enumspb.EventType
	next := int64(1)
	fired := 0
	for iter.HasNext() {
		event, err := iter.Next()
		if err != nil {
			t.Fatalf("history: %v", err)
		}
		if event.GetEventId() != next {
			t.Fatalf("event id %d; want %d (no gap, no repeat)", event.GetEventId(), next)
		}
		next++
		last = event.GetEventType()
		if last == enumspb.EVENT_TYPE_TIMER_FIRED {
			fired++
		}
	}
	if last != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED || fired != 2 {
		t.Fatalf("the long poll read stopped at %v after %d timers; want it to follow the run to WorkflowExecutionCompleted", last, fired)
	}

	// A token names the run it pages through.
	svc := c.WorkflowService()
	first, err := svc.GetWorkflowExecutionHistory(ctx, &workflowservice.GetWorkflowExecutionHistoryRequest{
		Namespace: "default", Execution: &commonpb.WorkflowExecution{WorkflowId: run.GetID(), RunId: run.GetRunID()},
		MaximumPageSize: 2})
	if err != nil || len(first.GetNextPageToken()) == 0 {
		t.Fatalf("first page: %v (token %q)", err, first.GetNextPageToken())
	}
	other, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "long-poll-other-" + suffix, TaskQueue: queue}, TwoNaps)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	_, err = svc.GetWorkflowExecutionHistory(ctx, &workflowservice.GetWorkflowExecutionHistoryRequest{
		Namespace: "default", Execution: &commonpb.WorkflowExecution{WorkflowId: run.GetID(), RunId: other.GetRunID()},
		MaximumPageSize: 2, NextPageToken: first.GetNextPageToken()})
	var invalid *serviceerror.InvalidArgument
	if !errors.As(err, &invalid) {
		t.Fatalf("a token with another run's id: %T %v; want InvalidArgument", err, err)
	}
	if err := other.Get(ctx, nil); err != nil {
		t.Fatalf("other run: %v", err)
	}
}
