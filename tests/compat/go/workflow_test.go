// Goal: the official Go SDK runs a workflow on hdo end to end: client start, worker poll and
// completion, result fetch through the history long poll. Method: a real hdo, the SDK's client
// and worker, and the exact sequence of history event types.
package compat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

func Greet(ctx workflow.Context, name string) (string, error) {
	return "hello " + name, nil
}

func Refuse(ctx workflow.Context, reason string) (string, error) {
	return "", temporal.NewApplicationError("refused: "+reason, "Refusal")
}

func startWorker(t *testing.T, c client.Client, taskQueue string) {
	t.Helper()
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflow(Greet)
	w.RegisterWorkflow(Refuse)
	if err := w.Start(); err != nil {
		t.Fatalf("worker.Start: %v", err)
	}
	t.Cleanup(w.Stop)
}

func eventTypes(t *testing.T, c client.Client, workflowID, runID string) []enumspb.EventType {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var types []enumspb.EventType
	it := c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		event, err := it.Next()
		if err != nil {
			t.Fatalf("history: %v", err)
		}
		types = append(types, event.GetEventType())
	}
	return types
}

func expectTypes(t *testing.T, got []enumspb.EventType, want ...enumspb.EventType) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("history event types:\n got %v\nwant %v", got, want)
	}
}

func TestWorkflowRunsToCompletionWithTheGoSDK(t *testing.T) {
	s := hdotest.Start(t)
	c := dial(t, s)
	startWorker(t, c, "greetings")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "greet-1", TaskQueue: "greetings"}, Greet, "hdo")
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	var result string
	if err := run.Get(ctx, &result); err != nil {
		t.Fatalf("result: %v", err)
	}
	if result != "hello hdo" {
		t.Fatalf("result = %q, want %q", result, "hello hdo")
	}
	expectTypes(t, eventTypes(t, c, "greet-1", run.GetRunID()),
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
		enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
		enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED,
		enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)
}

func TestAWorkflowFailureReachesTheClient(t *testing.T) {
	s := hdotest.Start(t)
	c := dial(t, s)
	startWorker(t, c, "refusals")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "refuse-1", TaskQueue: "refusals"}, Refuse, "no stock")
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	err = run.Get(ctx, nil)
	var applicationErr *temporal.ApplicationError
	if !errors.As(err, &applicationErr) || applicationErr.Type() != "Refusal" {
		t.Fatalf("result error = %v; want an ApplicationError of type Refusal", err)
	}
	expectTypes(t, eventTypes(t, c, "refuse-1", run.GetRunID()),
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
		enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
		enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED,
		enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED)
}

// Starting a running workflow id again fails with the typed error, unless it is the same request.
func TestStartingARunningWorkflowIdAgainIsAlreadyStarted(t *testing.T) {
	s := hdotest.Start(t)
	c := dial(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	options := client.StartWorkflowOptions{ID: "once", TaskQueue: "nobody-polls", WorkflowExecutionErrorWhenAlreadyStarted: true}
	first, err := c.ExecuteWorkflow(ctx, options, Greet, "a")
	if err != nil {
		t.Fatalf("first start: %v", err)
	}
	_, err = c.ExecuteWorkflow(ctx, options, Greet, "b")
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if !errors.As(err, &started) || started.RunId != first.GetRunID() {
		t.Fatalf("second start error = %#v; want WorkflowExecutionAlreadyStarted for run %s", err, first.GetRunID())
	}
}

// A workflow started before any worker runs completes once a worker appears, and a workflow
// whose task was waiting survives a server restart on the same file.
func TestAWaitingWorkflowTaskSurvivesARestart(t *testing.T) {
	s := hdotest.Start(t)
	c := dial(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "patient", TaskQueue: "later"}, Greet, "after restart")
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	c.Close()
	s.Stop(t)

	restarted := hdotest.StartOn(t, s.DBFilename)
	c2 := dial(t, restarted)
	startWorker(t, c2, "later")
	var result string
	if err := c2.GetWorkflow(ctx, "patient", run.GetRunID()).Get(ctx, &result); err != nil {
		t.Fatalf("result after restart: %v", err)
	}
	if result != "hello after restart" {
		t.Fatalf("result = %q", result)
	}
}

// Terminate closes a running run at once; the client sees a TerminatedError; a second terminate
// is NotFound ("already completed").
func TestTerminateClosesARunningWorkflow(t *testing.T) {
	s := hdotest.Start(t)
	c := dial(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "doomed", TaskQueue: "nobody-polls"}, Greet, "x")
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	if err := c.TerminateWorkflow(ctx, "doomed", "", "operator says stop"); err != nil {
		t.Fatalf("TerminateWorkflow: %v", err)
	}
	err = run.Get(ctx, nil)
	var terminated *temporal.TerminatedError
	if !errors.As(err, &terminated) {
		t.Fatalf("result error = %v; want TerminatedError", err)
	}
	expectTypes(t, eventTypes(t, c, "doomed", run.GetRunID()),
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
		enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED)
	err = c.TerminateWorkflow(ctx, "doomed", run.GetRunID(), "again")
	var notFound *serviceerror.NotFound
	if !errors.As(err, &notFound) {
		t.Fatalf("second terminate error = %#v; want NotFound", err)
	}
	err = c.TerminateWorkflow(ctx, "doomed", "not-a-uuid", "bad")
	var invalid *serviceerror.InvalidArgument
	if !errors.As(err, &invalid) || !strings.Contains(err.Error(), "Invalid RunId") {
		t.Fatalf("terminate with a malformed run id error = %#v; want InvalidArgument Invalid RunId", err)
	}
}
