// Goal: a Nexus operation backed by a workflow update (temporalnexus.StartUpdateWorkflow) works as
// on the reference: the update's answer carries a link to its UpdateAccepted event (the handler
// SDK refuses to go on without it), an update still running when accepted makes the operation
// asynchronous, and the update's completion callback (attached to the update, not the run)
// delivers its result to the caller when the update completes, while the handler's workflow keeps
// running; a rejected update fails the operation. Method: the Go SDK (caller workflow, handler
// workflow and Nexus service in one worker) against a fresh hdo. The reference dev server of CLI
// 1.5.1 predates update callbacks (there the operation times out), so the semantics are the
// reference source's (service/history/api/updateworkflow: AttachCallbacks, the answer's link)
// and the official sdk-go suite's TestNexusUpdateWorkflowDelayedOperation, which passes on hdo.
package compat

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nexus-rpc/sdk-go/nexus"
	enumspb "go.temporal.io/api/enums/v1"
	nexuspb "go.temporal.io/api/nexus/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/temporalnexus"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
)

type counterAdd struct {
	WorkflowID string
	Amount     int
	Wait       time.Duration
}

// CounterWorkflow adds through its "add" update (waiting Wait first; negative amounts rejected)
// until signalled "done".
func CounterWorkflow(ctx workflow.Context) (int, error) {
	count := 0
	if err := workflow.SetUpdateHandlerWithOptions(ctx, "add",
		func(ctx workflow.Context, amount int, wait time.Duration) (int, error) {
			if wait > 0 {
				if err := workflow.Sleep(ctx, wait); err != nil {
					return 0, err
				}
			}
			count += amount
			return count, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, amount int, wait time.Duration) error {
			if amount < 0 {
				return errors.New("negative amounts are refused")
			}
			return nil
		}}); err != nil {
		return 0, err
	}
	workflow.GetSignalChannel(ctx, "done").Receive(ctx, nil)
	return count, nil
}

func updateAddOperation(t *testing.T) nexus.Operation[counterAdd, int] {
	op, err := temporalnexus.NewTemporalOperation(temporalnexus.TemporalOperationOptions[counterAdd, int]{
		Name: "add",
		Start: func(ctx context.Context, nc temporalnexus.NexusClient, input counterAdd, _ temporalnexus.StartTemporalOperationOptions) (temporalnexus.TemporalOperationResult[int], error) {
			return temporalnexus.StartUpdateWorkflow[int](ctx, nc, client.UpdateWorkflowOptions{
				WorkflowID:   input.WorkflowID,
				UpdateName:   "add",
				Args:         []any{input.Amount, input.Wait},
				WaitForStage: client.WorkflowUpdateStageAccepted,
			})
		},
	})
	if err != nil {
		t.Fatalf("NewTemporalOperation: %v", err)
	}
	return op
}

// UpdateOperationCaller runs the "add" operation on the endpoint and returns its result.
func UpdateOperationCaller(ctx workflow.Context, endpoint string, input counterAdd) (int, error) {
	c := workflow.NewNexusClient(endpoint, "counter")
	var out int
	err := c.ExecuteOperation(ctx, "add", input, workflow.NexusOperationOptions{
		ScheduleToCloseTimeout: time.Minute}).Get(ctx, &out)
	return out, err
}

func TestANexusOperationBackedByAnUpdateReturnsTheUpdatesResult(t *testing.T) {
	if hdotest.External() {
		t.Skip("the reference dev server of CLI 1.5.1 has no update callbacks")
	}
	hostPort := hdotest.Target(t)
	c := dialAt(t, hostPort)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	queue, endpoint := "update-op-"+suffix, "update-op-ep-"+suffix
	if _, err := c.OperatorService().CreateNexusEndpoint(ctx, &operatorservice.CreateNexusEndpointRequest{
		Spec: &nexuspb.EndpointSpec{Name: endpoint, Target: &nexuspb.EndpointTarget{
			Variant: &nexuspb.EndpointTarget_Worker_{Worker: &nexuspb.EndpointTarget_Worker{
				Namespace: "default", TaskQueue: queue}}}}}); err != nil {
		t.Fatalf("CreateNexusEndpoint: %v", err)
	}
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflow(CounterWorkflow)
	w.RegisterWorkflow(UpdateOperationCaller)
	service := nexus.NewService("counter")
	service.MustRegister(updateAddOperation(t))
	w.RegisterNexusService(service)
	if err := w.Start(); err != nil {
		t.Fatalf("worker.Start: %v", err)
	}
	defer w.Stop()

	counterID := "counter-" + suffix
	counter, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: counterID, TaskQueue: queue}, CounterWorkflow)
	if err != nil {
		t.Fatalf("start counter: %v", err)
	}
	call := func(id string, input counterAdd) (int, client.WorkflowRun, error) {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue}, UpdateOperationCaller, endpoint, input)
		if err != nil {
			t.Fatalf("start caller: %v", err)
		}
		var out int
		err = run.Get(ctx, &out)
		return out, run, err
	}

	// Completed at acceptance: a synchronous result.
	out, _, err := call("sync-"+suffix, counterAdd{WorkflowID: counterID, Amount: 2})
	if err != nil || out != 2 {
		t.Fatalf("sync add = %d, %v; want 2", out, err)
	}
	// Still running when accepted: asynchronous, its result through the update's callback.
	out, run, err := call("async-"+suffix, counterAdd{WorkflowID: counterID, Amount: 5, Wait: 2 * time.Second})
	if err != nil || out != 7 {
		t.Fatalf("async add = %d, %v; want 7", out, err)
	}
	var types []enumspb.EventType
	iter := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		event, err := iter.Next()
		if err != nil {
			t.Fatalf("history: %v", err)
		}
		types = append(types, event.GetEventType())
	}
	if !containsInOrder(types, enumspb.EVENT_TYPE_NEXUS_OPERATION_STARTED, enumspb.EVENT_TYPE_NEXUS_OPERATION_COMPLETED) {
		t.Fatalf("async caller history %v lacks NexusOperationStarted then Completed", types)
	}
	// The counter keeps running: the callback was the update's, not the run's close.
	described, err := c.DescribeWorkflowExecution(ctx, counterID, "")
	if err != nil || described.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("counter = %v, %v; want RUNNING", described.GetWorkflowExecutionInfo().GetStatus(), err)
	}
	// Each update request's callback is the update's (the synchronous one's too: it completed
	// at acceptance), delivered.
	callbacks := described.GetCallbacks()
	if len(callbacks) != 2 {
		t.Fatalf("counter's callbacks %v; want two", callbacks)
	}
	for _, callback := range callbacks {
		if callback.GetTrigger().GetUpdateWorkflowExecutionCompleted().GetUpdateId() == "" ||
			callback.GetState() != enumspb.CALLBACK_STATE_SUCCEEDED {
			t.Fatalf("counter's callback %v; want an update callback, succeeded", callback)
		}
	}

	// Rejected by the validator: the operation fails.
	_, _, err = call("rejected-"+suffix, counterAdd{WorkflowID: counterID, Amount: -1})
	var opErr *temporal.NexusOperationError
	if !errors.As(err, &opErr) {
		t.Fatalf("rejected add = %v; want a NexusOperationError", err)
	}

	if err := c.SignalWorkflow(ctx, counterID, "", "done", nil); err != nil {
		t.Fatalf("signal: %v", err)
	}
	var total int
	if err := counter.Get(ctx, &total); err != nil || total != 7 {
		t.Fatalf("counter = %d, %v; want 7", total, err)
	}
}
