// Goal: the conflict policy TERMINATE_EXISTING (and the deprecated reuse policy
// TERMINATE_IF_RUNNING) replaces a running run the way the reference does: the old run ends
// WorkflowExecutionTerminated with the reference's reason, details and identity, and the new run
// is current (the reference dev server has no minimal interval between such starts).
// Method: the raw API against hdotest.Target (a fresh hdo, or HDO_TARGET, e.g. the reference).
package compat

import (
	"context"
	"fmt"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"
)

func TestTerminateExistingReplacesTheRunningRun(t *testing.T) {
	c := dialTarget(t)
	svc := c.WorkflowService()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id := fmt.Sprintf("replaced-%d", time.Now().UnixNano())
	start := func(requestID string, conflict enumspb.WorkflowIdConflictPolicy) (*workflowservice.StartWorkflowExecutionResponse, error) {
		return svc.StartWorkflowExecution(ctx, &workflowservice.StartWorkflowExecutionRequest{
			Namespace: "default", WorkflowId: id, WorkflowType: &commonpb.WorkflowType{Name: "Replaced"},
			TaskQueue: &taskqueuepb.TaskQueue{Name: "nobody-polls-" + id}, RequestId: requestID,
			WorkflowIdConflictPolicy: conflict})
	}
	first, err := start("first-"+id, enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL)
	if err != nil {
		t.Fatalf("first start: %v", err)
	}
	second, err := start("second-"+id, enumspb.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING)
	if err != nil {
		t.Fatalf("second start: %v", err)
	}
	if !second.GetStarted() || second.GetRunId() == first.GetRunId() {
		t.Fatalf("second start = %v; want a new run", second)
	}
	history, err := svc.GetWorkflowExecutionHistory(ctx, &workflowservice.GetWorkflowExecutionHistoryRequest{
		Namespace: "default", Execution: &commonpb.WorkflowExecution{WorkflowId: id, RunId: first.GetRunId()}})
	if err != nil {
		t.Fatalf("history of the first run: %v", err)
	}
	events := history.GetHistory().GetEvents()
	last := events[len(events)-1]
	if last.GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED {
		t.Fatalf("the first run ends with %v; want WorkflowExecutionTerminated", last.GetEventType())
	}
	attributes := last.GetWorkflowExecutionTerminatedEventAttributes()
	var details string
	if err := converter.GetDefaultDataConverter().FromPayloads(attributes.GetDetails(), &details); err != nil {
		t.Fatalf("terminate details: %v", err)
	}
	if attributes.GetReason() != "TerminateIfRunning WorkflowIdReusePolicy" ||
		details != "terminated by new runID: "+second.GetRunId() || attributes.GetIdentity() != "history-service" {
		t.Fatalf("terminated = reason %q, details %q, identity %q", attributes.GetReason(), details, attributes.GetIdentity())
	}
	described, err := svc.DescribeWorkflowExecution(ctx, &workflowservice.DescribeWorkflowExecutionRequest{
		Namespace: "default", Execution: &commonpb.WorkflowExecution{WorkflowId: id}})
	if err != nil || described.GetWorkflowExecutionInfo().GetExecution().GetRunId() != second.GetRunId() {
		t.Fatalf("current run = %v, %v; want %s", described.GetWorkflowExecutionInfo().GetExecution(), err, second.GetRunId())
	}
	// At once again: the second run makes way in its turn.
	third, err := start("third-"+id, enumspb.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING)
	if err != nil || third.GetRunId() == second.GetRunId() {
		t.Fatalf("third start = %v, %v; want a new run", third, err)
	}
	described, err = svc.DescribeWorkflowExecution(ctx, &workflowservice.DescribeWorkflowExecutionRequest{
		Namespace: "default", Execution: &commonpb.WorkflowExecution{WorkflowId: id, RunId: second.GetRunId()}})
	if err != nil || described.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED {
		t.Fatalf("second run after the third start: %v, %v; want TERMINATED", described.GetWorkflowExecutionInfo(), err)
	}
}
