// Goal: a query sent before the workflow's first workflow task has completed waits for that task
// and is answered with it (the reference buffers it: history's queryworkflow API), instead of
// failing; and the reference's refusals hold: a run closed before any task started, and a first
// task whose start delay ends after the client's deadline, fail with WorkflowNotReady. Method: a
// real hdo (or HDO_TARGET), the Go SDK's client and worker; the worker starts only after the
// query was sent.
package compat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// ReadyAtOnce sets its query handler first thing, then waits for a "done" signal.
func ReadyAtOnce(ctx workflow.Context) (string, error) {
	state := "set up"
	if err := workflow.SetQueryHandler(ctx, "state", func() (string, error) { return state, nil }); err != nil {
		return "", err
	}
	workflow.GetSignalChannel(ctx, "done").Receive(ctx, nil)
	state = "done"
	return state, nil
}

func TestAQueryBeforeTheFirstWorkflowTaskWaitsForIt(t *testing.T) {
	c := dialTarget(t)
	queue := fmt.Sprintf("first-task-%d", time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "queried-early-" + queue, TaskQueue: queue},
		ReadyAtOnce)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	type answer struct {
		state string
		err   error
	}
	answered := make(chan answer, 1)
	go func() {
		queryCtx, queryCancel := context.WithTimeout(ctx, 30*time.Second)
		defer queryCancel()
		value, err := c.QueryWorkflow(queryCtx, run.GetID(), run.GetRunID(), "state")
		if err != nil {
			answered <- answer{err: err}
			return
		}
		var state string
		answered <- answer{state: state, err: value.Get(&state)}
	}()
	// No worker polls yet: the query reaches the server while the first task is only scheduled.
	select {
	case got := <-answered:
		t.Fatalf("query answered before any worker ran the workflow: %q, %v", got.state, got.err)
	case <-time.After(500 * time.Millisecond):
	}
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflow(ReadyAtOnce)
	if err := w.Start(); err != nil {
		t.Fatalf("worker.Start: %v", err)
	}
	t.Cleanup(w.Stop)
	got := <-answered
	if got.err != nil || got.state != "set up" {
		t.Fatalf("query before the first task = %q, %v; want \"set up\"", got.state, got.err)
	}
	if err := c.SignalWorkflow(ctx, run.GetID(), run.GetRunID(), "done", nil); err != nil {
		t.Fatalf("signal: %v", err)
	}
	var result string
	if err := run.Get(ctx, &result); err != nil || result != "done" {
		t.Fatalf("result = %q, %v; want done", result, err)
	}
}

// wantNotReady fails unless err is WorkflowNotReady with a message containing `message`.
func wantNotReady(t *testing.T, err error, message string) {
	t.Helper()
	var notReady *serviceerror.WorkflowNotReady
	if !errors.As(err, &notReady) || !strings.Contains(err.Error(), message) {
		t.Fatalf("query error = %T %v; want WorkflowNotReady %q", err, err, message)
	}
}

func TestAQueryTheWorkflowCannotAnswerIsRefused(t *testing.T) {
	c := dialTarget(t)
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	queue := "nobody-polls-" + suffix

	// Closed before any workflow task started: no worker ever had the workflow.
	closed, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "closed-early-" + suffix, TaskQueue: queue},
		ReadyAtOnce)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	if err := c.TerminateWorkflow(ctx, closed.GetID(), closed.GetRunID(), "before any task"); err != nil {
		t.Fatalf("terminate: %v", err)
	}
	_, err = c.QueryWorkflow(ctx, closed.GetID(), closed.GetRunID(), "state")
	wantNotReady(t, err, "closed before WorkflowTaskStarted")

	// The first task waits for a start delay that ends after the query's deadline.
	delayed, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "delayed-" + suffix, TaskQueue: queue,
		StartDelay: time.Hour}, ReadyAtOnce)
	if err != nil {
		t.Fatalf("ExecuteWorkflow with a start delay: %v", err)
	}
	queryCtx, queryCancel := context.WithTimeout(ctx, 3*time.Second)
	defer queryCancel()
	_, err = c.QueryWorkflow(queryCtx, delayed.GetID(), delayed.GetRunID(), "state")
	wantNotReady(t, err, "not scheduled yet")
	if err := c.TerminateWorkflow(ctx, delayed.GetID(), delayed.GetRunID(), "done"); err != nil {
		t.Fatalf("terminate: %v", err)
	}
}
