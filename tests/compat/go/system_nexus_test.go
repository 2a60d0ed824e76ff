// Goal: a workflow signals-with-start another workflow through the system Nexus endpoint
// "__temporal_system" (the Go SDK's workflow.SignalWithStartWorkflow), as on the reference: the
// target starts with the request's input, memo and signal, both histories link to each other
// (the target's WorkflowExecutionStarted to the caller's NexusOperationScheduled, the caller's
// NexusOperationCompleted to the target's Signaled event by the operation's request id), and a
// start the id reuse policy refuses fails the caller's operation with the server's error. Method:
// the Go SDK (caller and target workflows in one worker) against a fresh hdo. The reference dev
// server of CLI 1.5.1 (server 1.29.1) predates the system endpoint, so the semantics are the
// reference source's (chasm/lib/workflow/nexus_service.go, components/nexusoperations
// executors.go) and its tests/signal_with_start_from_workflow_test.go.
package compat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
)

// SystemSignalTarget returns its input joined to the first "go" signal's value.
func SystemSignalTarget(ctx workflow.Context, input string) (string, error) {
	var signal string
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, &signal)
	return input + "+" + signal, nil
}

// SystemSignalWithStartCaller signals-with-start SystemSignalTarget as targetID and returns the
// run it signaled.
func SystemSignalWithStartCaller(ctx workflow.Context, targetID string, reuse enumspb.WorkflowIdReusePolicy) (string, error) {
	var execution workflow.Execution
	err := workflow.SignalWithStartWorkflow(ctx, workflow.SignalWithStartWorkflowOptions{
		WorkflowIDReusePolicy: reuse,
		Memo:                  map[string]any{"memo-key": "memo-value"},
	}, targetID, "go", "signal-input", SystemSignalTarget, "workflow-input").Get(ctx, &execution)
	return execution.RunID, err
}

func firstOf(events []*historypb.HistoryEvent, eventType enumspb.EventType) *historypb.HistoryEvent {
	for _, event := range events {
		if event.GetEventType() == eventType {
			return event
		}
	}
	return nil
}

func TestAWorkflowSignalsWithStartThroughTheSystemNexusEndpoint(t *testing.T) {
	if hdotest.External() {
		t.Skip("the reference dev server of CLI 1.5.1 predates the system Nexus endpoint")
	}
	hostPort := hdotest.Target(t)
	c := dialAt(t, hostPort)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	queue := "system-nexus-" + suffix
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflow(SystemSignalTarget)
	w.RegisterWorkflow(SystemSignalWithStartCaller)
	if err := w.Start(); err != nil {
		t.Fatalf("worker.Start: %v", err)
	}
	defer w.Stop()

	targetID := "system-target-" + suffix
	call := func(id string, reuse enumspb.WorkflowIdReusePolicy) (string, client.WorkflowRun, error) {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue}, SystemSignalWithStartCaller, targetID, reuse)
		if err != nil {
			t.Fatalf("start caller: %v", err)
		}
		var targetRun string
		err = run.Get(ctx, &targetRun)
		return targetRun, run, err
	}

	targetRun, callerRun, err := call("system-caller-"+suffix, enumspb.WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED)
	if err != nil || targetRun == "" {
		t.Fatalf("caller = %q, %v; want the target's run", targetRun, err)
	}
	var result string
	if err := c.GetWorkflow(ctx, targetID, targetRun).Get(ctx, &result); err != nil || result != "workflow-input+signal-input" {
		t.Fatalf("target = %q, %v; want workflow-input+signal-input", result, err)
	}
	described, err := c.DescribeWorkflowExecution(ctx, targetID, targetRun)
	if err != nil {
		t.Fatalf("describe target: %v", err)
	}
	var memo string
	if field := described.GetWorkflowExecutionInfo().GetMemo().GetFields()["memo-key"]; field == nil ||
		converter.GetDefaultDataConverter().FromPayload(field, &memo) != nil || memo != "memo-value" {
		t.Fatalf("target memo %v; want memo-key=memo-value", described.GetWorkflowExecutionInfo().GetMemo())
	}

	// The links, both ways.
	caller := historyOf(t, c, callerRun.GetID(), callerRun.GetRunID())
	scheduled := firstOf(caller, enumspb.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED)
	completed := firstOf(caller, enumspb.EVENT_TYPE_NEXUS_OPERATION_COMPLETED)
	if scheduled == nil || completed == nil {
		t.Fatalf("caller history lacks NexusOperationScheduled / Completed")
	}
	if endpoint := scheduled.GetNexusOperationScheduledEventAttributes().GetEndpoint(); endpoint != "__temporal_system" {
		t.Fatalf("scheduled endpoint %q; want __temporal_system", endpoint)
	}
	requestID := scheduled.GetNexusOperationScheduledEventAttributes().GetRequestId()
	if links := completed.GetLinks(); len(links) != 1 ||
		links[0].GetWorkflowEvent().GetWorkflowId() != targetID ||
		links[0].GetWorkflowEvent().GetRequestIdRef().GetRequestId() != requestID {
		t.Fatalf("completed event links %v; want the target's Signaled event by request id %s", links, requestID)
	}
	target := historyOf(t, c, targetID, targetRun)
	started := firstOf(target, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)
	if links := started.GetLinks(); len(links) != 1 ||
		links[0].GetWorkflowEvent().GetWorkflowId() != callerRun.GetID() ||
		links[0].GetWorkflowEvent().GetRunId() != callerRun.GetRunID() ||
		links[0].GetWorkflowEvent().GetEventRef().GetEventId() != scheduled.GetEventId() {
		t.Fatalf("target started event links %v; want the caller's scheduled event %d", links, scheduled.GetEventId())
	}
	signaled := firstOf(target, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
	if signaled.GetWorkflowExecutionSignaledEventAttributes().GetRequestId() != requestID {
		t.Fatalf("target signaled event %v; want request id %s", signaled, requestID)
	}

	// The target closed: the default reuse policy (allow duplicate) starts a new run.
	again, _, err := call("system-caller-again-"+suffix, enumspb.WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED)
	if err != nil || again == "" || again == targetRun {
		t.Fatalf("second caller = %q, %v; want a new run of the target", again, err)
	}
	if err := c.GetWorkflow(ctx, targetID, again).Get(ctx, &result); err != nil {
		t.Fatalf("second target run: %v", err)
	}
	// Reject duplicate: the server's refusal is the operation's failure.
	_, _, err = call("system-caller-rejected-"+suffix, enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
	var opErr *temporal.NexusOperationError
	if !errors.As(err, &opErr) || !strings.Contains(err.Error(), "WorkflowExecutionAlreadyStarted") {
		t.Fatalf("rejected caller = %v; want a NexusOperationError naming WorkflowExecutionAlreadyStarted", err)
	}
}
