// Goal: a workflow's summary and details (user metadata) are kept as the reference keeps them: on
// the WorkflowExecutionStarted event and in DescribeWorkflowExecution's execution_config (start
// and signal-with-start), and a command's summary on the event the command writes (activity
// scheduled, timer started, child initiated, and the child's own Started event). Method: a real
// hdo (or HDO_TARGET), the Go SDK's client and worker (StaticSummary / StaticDetails, TimerOptions
// and ActivityOptions summaries), histories and descriptions read back and decoded.
package compat

import (
	"context"
	"fmt"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

func Summarized(ctx workflow.Context) (string, error) {
	if err := workflow.NewTimerWithOptions(ctx, time.Millisecond, workflow.TimerOptions{Summary: "short nap"}).Get(ctx, nil); err != nil {
		return "", err
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second, Summary: "say hi"})
	var greeting string
	if err := workflow.ExecuteActivity(actx, SummarizedActivity).Get(ctx, &greeting); err != nil {
		return "", err
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID + "-child", StaticSummary: "the child", StaticDetails: "child details"})
	var child string
	if err := workflow.ExecuteChildWorkflow(cctx, SummarizedChild).Get(ctx, &child); err != nil {
		return "", err
	}
	return greeting + " " + child, nil
}

func SummarizedActivity(context.Context) (string, error) { return "hi", nil }

func SummarizedChild(workflow.Context) (string, error) { return "child", nil }

// summaryOf decodes a user metadata payload (a JSON string), "" when absent.
func summaryOf(t *testing.T, payload *commonpb.Payload) string {
	t.Helper()
	if payload == nil {
		return ""
	}
	var text string
	if err := converter.GetDefaultDataConverter().FromPayload(payload, &text); err != nil {
		t.Fatalf("decode user metadata: %v", err)
	}
	return text
}

func historyOf(t *testing.T, c client.Client, id, runID string) []*historypb.HistoryEvent {
	t.Helper()
	var events []*historypb.HistoryEvent
	iter := c.GetWorkflowHistory(context.Background(), id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		event, err := iter.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", id, err)
		}
		events = append(events, event)
	}
	return events
}

func TestSummariesAndDetailsAreKeptOnEventsAndDescribed(t *testing.T) {
	c := dialTarget(t)
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	queue := "summaries-" + suffix
	runWorker(t, c, queue, worker.Options{}, []any{Summarized, SummarizedChild}, []any{SummarizedActivity})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "summarized-" + suffix, TaskQueue: queue,
		StaticSummary: "the parent", StaticDetails: "parent details"}, Summarized)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	var result string
	if err := run.Get(ctx, &result); err != nil || result != "hi child" {
		t.Fatalf("result = %q, %v; want \"hi child\"", result, err)
	}
	described, err := c.DescribeWorkflowExecution(ctx, run.GetID(), run.GetRunID())
	if err != nil {
		t.Fatalf("describe: %v", err)
	}
	metadata := described.GetExecutionConfig().GetUserMetadata()
	if got := summaryOf(t, metadata.GetSummary()); got != "the parent" {
		t.Fatalf("described summary = %q; want \"the parent\"", got)
	}
	if got := summaryOf(t, metadata.GetDetails()); got != "parent details" {
		t.Fatalf("described details = %q; want \"parent details\"", got)
	}
	want := map[enumspb.EventType]string{
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:               "the parent",
		enumspb.EVENT_TYPE_TIMER_STARTED:                            "short nap",
		enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:                  "say hi",
		enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED: "the child",
	}
	for _, event := range historyOf(t, c, run.GetID(), run.GetRunID()) {
		summary := summaryOf(t, event.GetUserMetadata().GetSummary())
		if expected, ok := want[event.GetEventType()]; ok {
			if summary != expected {
				t.Fatalf("event %d %v summary = %q; want %q", event.GetEventId(), event.GetEventType(), summary, expected)
			}
			delete(want, event.GetEventType())
		} else if summary != "" {
			t.Fatalf("event %d %v has summary %q; want none", event.GetEventId(), event.GetEventType(), summary)
		}
	}
	if len(want) != 0 {
		t.Fatalf("events missing from the history: %v", want)
	}
	childEvents := historyOf(t, c, run.GetID()+"-child", "")
	childMetadata := childEvents[0].GetUserMetadata()
	if got := summaryOf(t, childMetadata.GetSummary()); got != "the child" {
		t.Fatalf("child's Started summary = %q; want \"the child\"", got)
	}
	if got := summaryOf(t, childMetadata.GetDetails()); got != "child details" {
		t.Fatalf("child's Started details = %q; want \"child details\"", got)
	}

	// Signal-with-start carries the summary too.
	signaled, err := c.SignalWithStartWorkflow(ctx, "summarized-sws-"+suffix, "go", nil,
		client.StartWorkflowOptions{TaskQueue: "nobody-polls-" + suffix, StaticSummary: "signaled start"}, "Nobody")
	if err != nil {
		t.Fatalf("SignalWithStartWorkflow: %v", err)
	}
	t.Cleanup(func() { _ = c.TerminateWorkflow(context.Background(), signaled.GetID(), "", "test over") })
	described, err = c.DescribeWorkflowExecution(ctx, signaled.GetID(), signaled.GetRunID())
	if err != nil {
		t.Fatalf("describe: %v", err)
	}
	if got := summaryOf(t, described.GetExecutionConfig().GetUserMetadata().GetSummary()); got != "signaled start" {
		t.Fatalf("signal-with-start's described summary = %q; want \"signaled start\"", got)
	}
}
