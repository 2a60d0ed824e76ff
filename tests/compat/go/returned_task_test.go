// Goal: the workflow task that RespondWorkflowTaskCompleted hands back (return_new_workflow_task)
// carries only the events after the task the worker just completed, on a sticky queue or not, as
// the reference's returned task is always sticky-enabled. A worker without a workflow cache (the
// Go SDK's cache size 0) heartbeats a long local activity this way and keeps the run it holds; a
// whole history made it start the run over and run the local activity's attempt again (the
// official Go suite's TestLocalActivityRetryBehavior with WORKFLOW_CACHE_SIZE=0). Method: the raw
// API against a real hdo (or HDO_TARGET), the task completed with force_create_new_workflow_task.
package compat

import (
	"context"
	"fmt"
	"testing"
	"time"

	commandpb "go.temporal.io/api/command/v1"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
)

func TestTheReturnedWorkflowTaskCarriesOnlyTheNewEventsForANonStickyWorker(t *testing.T) {
	c := dialTarget(t)
	svc := c.WorkflowService()
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	id := "returned-" + suffix
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	queue := &taskqueuepb.TaskQueue{Name: "returned-" + suffix, Kind: enumspb.TASK_QUEUE_KIND_NORMAL}
	if _, err := svc.StartWorkflowExecution(ctx, &workflowservice.StartWorkflowExecutionRequest{
		Namespace: "default", WorkflowId: id, WorkflowType: &commonpb.WorkflowType{Name: "ByHand"},
		TaskQueue: queue, RequestId: "start-" + id}); err != nil {
		t.Fatalf("start: %v", err)
	}
	first, err := svc.PollWorkflowTaskQueue(ctx, &workflowservice.PollWorkflowTaskQueueRequest{
		Namespace: "default", TaskQueue: queue, Identity: "no-cache"})
	if err != nil || len(first.GetTaskToken()) == 0 {
		t.Fatalf("poll: %v (empty: %v)", err, len(first.GetTaskToken()) == 0)
	}
	if got := first.GetHistory().GetEvents(); len(got) != 3 || got[0].GetEventId() != 1 {
		t.Fatalf("first task: %d events from %d; want the whole history (3 from 1)", len(got), got[0].GetEventId())
	}
	// No sticky attributes: the worker keeps no cache, as the Go SDK's cache size 0 sends.
	completed, err := svc.RespondWorkflowTaskCompleted(ctx, &workflowservice.RespondWorkflowTaskCompletedRequest{
		Namespace: "default", TaskToken: first.TaskToken, Identity: "no-cache",
		ForceCreateNewWorkflowTask: true, ReturnNewWorkflowTask: true})
	if err != nil {
		t.Fatalf("complete the first task: %v", err)
	}
	next := completed.GetWorkflowTask()
	if len(next.GetTaskToken()) == 0 {
		t.Fatalf("no workflow task in the reply to a completion that forced one and asked for it")
	}
	if next.GetPreviousStartedEventId() != first.GetStartedEventId() {
		t.Fatalf("returned task's previous_started_event_id = %d; want %d", next.GetPreviousStartedEventId(), first.GetStartedEventId())
	}
	events := next.GetHistory().GetEvents()
	want := []enumspb.EventType{
		enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
		enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
		enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED,
	}
	if len(events) != len(want) || events[0].GetEventId() != first.GetStartedEventId()+1 {
		var types []string
		for _, e := range events {
			types = append(types, fmt.Sprintf("%d:%s", e.GetEventId(), e.GetEventType()))
		}
		t.Fatalf("returned task's history = %v; want the events after %d only", types, first.GetStartedEventId())
	}
	for i, e := range events {
		if e.GetEventType() != want[i] {
			t.Fatalf("returned task's event %d is %s; want %s", e.GetEventId(), e.GetEventType(), want[i])
		}
	}
	if next.GetStartedEventId() != events[len(events)-1].GetEventId() {
		t.Fatalf("returned task's started_event_id = %d; want %d", next.GetStartedEventId(), events[len(events)-1].GetEventId())
	}
	// The returned task is the run's: completing it closes the run.
	if _, err := svc.RespondWorkflowTaskCompleted(ctx, &workflowservice.RespondWorkflowTaskCompletedRequest{
		Namespace: "default", TaskToken: next.TaskToken, Identity: "no-cache",
		Commands: []*commandpb.Command{{
			CommandType: enumspb.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
			Attributes: &commandpb.Command_CompleteWorkflowExecutionCommandAttributes{
				CompleteWorkflowExecutionCommandAttributes: &commandpb.CompleteWorkflowExecutionCommandAttributes{}},
		}}}); err != nil {
		t.Fatalf("complete the returned task: %v", err)
	}
	described, err := svc.DescribeWorkflowExecution(ctx, &workflowservice.DescribeWorkflowExecutionRequest{
		Namespace: "default", Execution: &commonpb.WorkflowExecution{WorkflowId: id}})
	if err != nil {
		t.Fatalf("describe: %v", err)
	}
	if status := described.GetWorkflowExecutionInfo().GetStatus(); status != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		t.Fatalf("status after completing the returned task = %s; want Completed", status)
	}
}
