// Goal: standalone Nexus operations (a client starts an operation on an endpoint with no workflow
// of its own) behave as on the reference (chasm/lib/nexusoperation): a synchronous operation's
// result, a workflow-run operation's result through its completion callback, the handler's
// workflow linked back to the operation's record, failures with their cause, cancel (the handler's
// workflow canceled, the operation CANCELED) and terminate (no word to the handler), describe, list
// and count by Endpoint, delete, the id policies, the reference's InvalidArgument / NotFound /
// AlreadyExists answers; and an operation outlives kill -9 of the server. Method: the Go SDK's
// Nexus client and a Go handler worker against hdotest.Target (a fresh hdo; the reference CLI 1.5.1
// has no standalone Nexus operations, so these were checked against the reference's
// tests/nexus_standalone_test.go expectations and the official sdk-go suite
// TestExecuteNexusOperationSuite).
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
	"go.temporal.io/api/errordetails/v1"
	nexuspb "go.temporal.io/api/nexus/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
)

type standaloneNexusTest struct {
	c        client.Client
	queue    string
	endpoint string
	ops      client.NexusClient
	ctx      context.Context
	worker   worker.Worker
}

// newStandaloneNexusTest registers an endpoint on a fresh queue and, unless noWorker, runs the
// compat service's handler worker there.
func newStandaloneNexusTest(t *testing.T, hostPort string, noWorker bool) *standaloneNexusTest {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: hostPort, Namespace: "default"})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(c.Close)
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	st := &standaloneNexusTest{c: c, queue: "sano-" + suffix, endpoint: "sano-ep-" + suffix, ctx: ctx}
	if _, err := c.OperatorService().CreateNexusEndpoint(ctx, &operatorservice.CreateNexusEndpointRequest{
		Spec: &nexuspb.EndpointSpec{Name: st.endpoint, Target: &nexuspb.EndpointTarget{
			Variant: &nexuspb.EndpointTarget_Worker_{Worker: &nexuspb.EndpointTarget_Worker{
				Namespace: "default", TaskQueue: st.queue}}}}}); err != nil {
		t.Fatalf("CreateNexusEndpoint: %v", err)
	}
	st.ops, err = c.NewNexusClient(client.NexusClientOptions{Endpoint: st.endpoint, Service: nexusService})
	if err != nil {
		t.Fatalf("NewNexusClient: %v", err)
	}
	if !noWorker {
		st.startWorker(t)
	}
	return st
}

func (st *standaloneNexusTest) startWorker(t *testing.T) {
	t.Helper()
	st.worker = worker.New(st.c, st.queue, worker.Options{})
	st.worker.RegisterWorkflow(NexusHandlerWorkflow)
	st.worker.RegisterNexusService(nexusCompatService())
	if err := st.worker.Start(); err != nil {
		t.Fatalf("worker.Start: %v", err)
	}
	t.Cleanup(st.worker.Stop)
}

func (st *standaloneNexusTest) start(t *testing.T, id, operation, input string) client.NexusOperationHandle {
	t.Helper()
	handle, err := st.ops.ExecuteOperation(st.ctx, operation, input, client.StartNexusOperationOptions{
		ID: id, ScheduleToCloseTimeout: time.Minute})
	if err != nil {
		t.Fatalf("ExecuteOperation(%s): %v", operation, err)
	}
	if handle.GetID() != id || handle.GetRunID() == "" {
		t.Fatalf("handle %q/%q; want id %q and a run id", handle.GetID(), handle.GetRunID(), id)
	}
	return handle
}

// waitStarted waits until an asynchronous operation's handler started it.
func (st *standaloneNexusTest) waitStarted(t *testing.T, handle client.NexusOperationHandle) *client.NexusOperationExecutionDescription {
	t.Helper()
	var described *client.NexusOperationExecutionDescription
	hdotest.Eventually(t, 20*time.Second, func() error {
		d, err := handle.Describe(st.ctx, client.DescribeNexusOperationOptions{})
		if err != nil {
			return err
		}
		if d.State != enumspb.PENDING_NEXUS_OPERATION_STATE_STARTED {
			return fmt.Errorf("state %v", d.State)
		}
		described = d
		return nil
	})
	return described
}

func TestAStandaloneNexusOperationReturnsASyncAndAnAsyncResult(t *testing.T) {
	st := newStandaloneNexusTest(t, hdotest.Target(t), false)
	sync := st.start(t, "sync-"+st.queue, "echo", "hi")
	var out string
	if err := sync.Get(st.ctx, &out); err != nil || out != "echo:hi" {
		t.Fatalf("echo = %q, %v; want \"echo:hi\"", out, err)
	}
	d, err := sync.Describe(st.ctx, client.DescribeNexusOperationOptions{})
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	if d.Status != enumspb.NEXUS_OPERATION_EXECUTION_STATUS_COMPLETED || d.Endpoint != st.endpoint ||
		d.Service != nexusService || d.Operation != "echo" || d.Attempt != 1 || d.OperationRunID != sync.GetRunID() ||
		d.CloseTime.IsZero() || d.RawInfo.GetRequestId() == "" || d.LastAttemptFailure != nil {
		t.Fatalf("described %+v", d.RawInfo)
	}

	// A workflow-run operation: started, its token recorded, the handler's workflow linked to the
	// operation's record, its result through the completion callback.
	async := st.start(t, "async-"+st.queue, "upper", "quiet")
	if err := async.Get(st.ctx, &out); err != nil || out != "QUIET" {
		t.Fatalf("upper = %q, %v; want \"QUIET\"", out, err)
	}
	d, err = async.Describe(st.ctx, client.DescribeNexusOperationOptions{})
	if err != nil || d.OperationToken == "" || d.Status != enumspb.NEXUS_OPERATION_EXECUTION_STATUS_COMPLETED {
		t.Fatalf("described %+v, %v; want COMPLETED with a token", d, err)
	}
	handlerID := "nexus-upper-" + d.RawInfo.GetRequestId()
	iter := st.c.GetWorkflowHistory(st.ctx, handlerID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	first, err := iter.Next()
	if err != nil {
		t.Fatalf("handler history: %v", err)
	}
	linked := false
	for _, callback := range first.GetWorkflowExecutionStartedEventAttributes().GetCompletionCallbacks() {
		for _, link := range callback.GetLinks() {
			if op := link.GetNexusOperation(); op != nil && op.GetOperationId() == async.GetID() &&
				op.GetRunId() == async.GetRunID() && op.GetNamespace() == "default" {
				linked = true
			}
		}
	}
	if !linked {
		t.Fatalf("handler workflow's callbacks carry no link to the operation: %v", first)
	}
}

func TestStandaloneNexusOperationFailuresCancelAndTerminate(t *testing.T) {
	st := newStandaloneNexusTest(t, hdotest.Target(t), false)
	failed := st.start(t, "fail-"+st.queue, "echo", "fail")
	err := failed.Get(st.ctx, nil)
	if err == nil || !strings.Contains(err.Error(), "the operation failed on purpose") {
		t.Fatalf("failed operation = %v; want its failure", err)
	}
	bad := st.start(t, "bad-"+st.queue, "echo", "bad")
	err = bad.Get(st.ctx, nil)
	var handlerErr *nexus.HandlerError
	if !errors.As(err, &handlerErr) || handlerErr.Type != nexus.HandlerErrorTypeBadRequest {
		t.Fatalf("bad request = %v (%T); want a BAD_REQUEST handler error", err, err)
	}
	if d, _ := bad.Describe(st.ctx, client.DescribeNexusOperationOptions{}); d == nil ||
		d.Status != enumspb.NEXUS_OPERATION_EXECUTION_STATUS_FAILED || d.LastAttemptFailure == nil {
		t.Fatalf("bad described %+v; want FAILED with the attempt's failure", d)
	}

	// Cancel: the handler's workflow is canceled, and so is the operation.
	waiting := st.start(t, "cancel-"+st.queue, "wait", "wait-cancel-"+st.queue)
	st.waitStarted(t, waiting)
	if err := waiting.Cancel(st.ctx, client.CancelNexusOperationOptions{Reason: "enough"}); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	err = waiting.Get(st.ctx, nil)
	var canceled *temporal.CanceledError
	if !errors.As(err, &canceled) {
		t.Fatalf("canceled operation = %v (%T); want a CanceledError", err, err)
	}
	handler, err := st.c.DescribeWorkflowExecution(st.ctx, "nexus-wait-cancel-"+st.queue, "")
	if err != nil || handler.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED {
		t.Fatalf("handler workflow %v, %v; want CANCELED", handler.GetWorkflowExecutionInfo().GetStatus(), err)
	}
	// (The handler's answer to the cancel request may come after the workflow's close ended the
	// operation: the cancellation's own state is not asserted.)
	d, _ := waiting.Describe(st.ctx, client.DescribeNexusOperationOptions{})
	if d == nil || d.Status != enumspb.NEXUS_OPERATION_EXECUTION_STATUS_CANCELED || d.CancellationInfo == nil ||
		d.CancellationInfo.Reason != "enough" || d.CancellationInfo.RequestedTime.IsZero() {
		t.Fatalf("canceled described %+v", d)
	}

	// Terminate: closed at once; the handler's workflow is not told.
	term := st.start(t, "term-"+st.queue, "wait", "wait-term-"+st.queue)
	st.waitStarted(t, term)
	if err := term.Terminate(st.ctx, client.TerminateNexusOperationOptions{Reason: "stop"}); err != nil {
		t.Fatalf("Terminate: %v", err)
	}
	err = term.Get(st.ctx, nil)
	var terminated *temporal.TerminatedError
	if !errors.As(err, &terminated) {
		t.Fatalf("terminated operation = %v (%T); want a TerminatedError", err, err)
	}
	handler, err = st.c.DescribeWorkflowExecution(st.ctx, "nexus-wait-term-"+st.queue, "")
	if err != nil || handler.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("handler workflow %v, %v; want still RUNNING", handler.GetWorkflowExecutionInfo().GetStatus(), err)
	}
	_ = st.c.TerminateWorkflow(st.ctx, "nexus-wait-term-"+st.queue, "", "cleanup")
	err = term.Terminate(st.ctx, client.TerminateNexusOperationOptions{Reason: "again"})
	var precondition *serviceerror.FailedPrecondition
	if !errors.As(err, &precondition) || !strings.Contains(err.Error(), "already terminated with request ID") {
		t.Fatalf("second terminate = %v; want FailedPrecondition \"already terminated ...\"", err)
	}
}

func TestStandaloneNexusOperationsAreListedCountedAndDeleted(t *testing.T) {
	st := newStandaloneNexusTest(t, hdotest.Target(t), false)
	for i := 0; i < 3; i++ {
		h := st.start(t, fmt.Sprintf("list-%d-%s", i, st.queue), "echo", "x")
		if err := h.Get(st.ctx, nil); err != nil {
			t.Fatalf("Get: %v", err)
		}
	}
	failed := st.start(t, "list-fail-"+st.queue, "echo", "fail")
	_ = failed.Get(st.ctx, nil)
	query := "Endpoint = '" + st.endpoint + "'"
	hdotest.Eventually(t, 10*time.Second, func() error {
		listed, err := st.c.ListNexusOperations(st.ctx, client.ListNexusOperationsOptions{Query: query})
		if err != nil {
			return err
		}
		n := 0
		for op, err := range listed.Results {
			if err != nil {
				return err
			}
			if op.Endpoint != st.endpoint || op.Service != nexusService || op.Operation != "echo" || op.OperationRunID == "" {
				return fmt.Errorf("listed %+v", op)
			}
			n++
		}
		if n != 4 {
			return fmt.Errorf("listed %d operations, want 4", n)
		}
		return nil
	})
	counted, err := st.c.CountNexusOperations(st.ctx, client.CountNexusOperationsOptions{
		Query: query + " AND ExecutionStatus = 'Completed'"})
	if err != nil || counted.Count != 3 {
		t.Fatalf("count = %+v, %v; want 3 completed", counted, err)
	}
	grouped, err := st.c.CountNexusOperations(st.ctx, client.CountNexusOperationsOptions{
		Query: query + " GROUP BY ExecutionStatus"})
	if err != nil || grouped.Count != 4 || len(grouped.Groups) != 2 {
		t.Fatalf("grouped count = %+v, %v; want 4 in 2 groups", grouped, err)
	}
	// An operation's id is its own: workflow lists do not show operations.
	workflows, err := st.c.ListWorkflow(st.ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: "WorkflowId = 'list-0-" + st.queue + "'"})
	if err != nil || len(workflows.GetExecutions()) != 0 {
		t.Fatalf("workflow list = %v, %v; want no operations", workflows.GetExecutions(), err)
	}

	_, err = st.c.WorkflowService().DeleteNexusOperationExecution(st.ctx, &workflowservice.DeleteNexusOperationExecutionRequest{
		Namespace: "default", OperationId: "list-0-" + st.queue})
	if err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err = st.c.WorkflowService().DescribeNexusOperationExecution(st.ctx, &workflowservice.DescribeNexusOperationExecutionRequest{
		Namespace: "default", OperationId: "list-0-" + st.queue})
	var notFound *serviceerror.NotFound
	if !errors.As(err, &notFound) || !strings.Contains(err.Error(), "operation not found for ID: list-0-") {
		t.Fatalf("describe after delete = %v; want NotFound", err)
	}
}

// code is the gRPC code of an error the SDK's service client returned (a serviceerror).
func code(err error) codes.Code { return serviceerror.ToStatus(err).Code() }

func TestStandaloneNexusRequestsAreCheckedAsTheReferenceChecksThem(t *testing.T) {
	st := newStandaloneNexusTest(t, hdotest.Target(t), true)
	svc := st.c.WorkflowService()
	start := func(mutate func(*workflowservice.StartNexusOperationExecutionRequest)) error {
		request := &workflowservice.StartNexusOperationExecutionRequest{
			Namespace: "default", OperationId: "check-" + st.queue, Endpoint: st.endpoint,
			Service: nexusService, Operation: "echo", RequestId: "req-1",
			ScheduleToCloseTimeout: durationpb.New(time.Minute)}
		mutate(request)
		_, err := svc.StartNexusOperationExecution(st.ctx, request)
		return err
	}
	for _, c := range []struct {
		name   string
		mutate func(*workflowservice.StartNexusOperationExecutionRequest)
		code   codes.Code
		text   string
	}{
		{"no id", func(r *workflowservice.StartNexusOperationExecutionRequest) { r.OperationId = "" },
			codes.InvalidArgument, "operation_id is required"},
		{"no service", func(r *workflowservice.StartNexusOperationExecutionRequest) { r.Service = "" },
			codes.InvalidArgument, "service is required"},
		{"negative timeout", func(r *workflowservice.StartNexusOperationExecutionRequest) {
			r.ScheduleToCloseTimeout = durationpb.New(-time.Second)
		}, codes.InvalidArgument, "schedule_to_close_timeout is invalid: negative duration"},
		{"disallowed header", func(r *workflowservice.StartNexusOperationExecutionRequest) {
			r.NexusHeader = map[string]string{"Caller-Name": "x"}
		}, codes.InvalidArgument, "nexus_header contains a disallowed key: \"Caller-Name\""},
		{"unknown endpoint", func(r *workflowservice.StartNexusOperationExecutionRequest) { r.Endpoint = "nope" },
			codes.NotFound, "could not find Nexus endpoint by name: nope"},
	} {
		err := start(c.mutate)
		if code(err) != c.code || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: %v; want %v %q", c.name, err, c.code, c.text)
		}
	}
	// Nothing was started by the refused requests.
	if _, err := svc.DescribeNexusOperationExecution(st.ctx, &workflowservice.DescribeNexusOperationExecutionRequest{
		Namespace: "default", OperationId: "check-" + st.queue}); code(err) != codes.NotFound {
		t.Fatalf("describe after refused starts = %v; want NotFound", err)
	}
	// The first start runs (no worker: it waits); the same request id gets the same run; another
	// start of the running id is AlreadyExists naming the run.
	first, err := svc.StartNexusOperationExecution(st.ctx, &workflowservice.StartNexusOperationExecutionRequest{
		Namespace: "default", OperationId: "check-" + st.queue, Endpoint: st.endpoint,
		Service: nexusService, Operation: "echo", RequestId: "req-1"})
	if err != nil || !first.GetStarted() {
		t.Fatalf("start = %v, %v", first, err)
	}
	again, err := svc.StartNexusOperationExecution(st.ctx, &workflowservice.StartNexusOperationExecutionRequest{
		Namespace: "default", OperationId: "check-" + st.queue, Endpoint: st.endpoint,
		Service: nexusService, Operation: "echo", RequestId: "req-1"})
	if err != nil || again.GetStarted() || again.GetRunId() != first.GetRunId() {
		t.Fatalf("retried start = %v, %v; want the same run, not started", again, err)
	}
	err = start(func(r *workflowservice.StartNexusOperationExecutionRequest) { r.RequestId = "req-2" })
	if code(err) != codes.AlreadyExists {
		t.Fatalf("conflicting start = %v; want AlreadyExists", err)
	}
	detailed := false
	for _, detail := range serviceerror.ToStatus(err).Details() {
		if d, ok := detail.(*errordetails.NexusOperationExecutionAlreadyStartedFailure); ok &&
			d.GetRunId() == first.GetRunId() && d.GetStartRequestId() == "req-1" {
			detailed = true
		}
	}
	if !detailed {
		t.Fatalf("conflicting start's details %v lack NexusOperationExecutionAlreadyStartedFailure", serviceerror.ToStatus(err).Details())
	}
	_, err = svc.PollNexusOperationExecution(st.ctx, &workflowservice.PollNexusOperationExecutionRequest{
		Namespace: "default", OperationId: "check-" + st.queue, WaitStage: enumspb.NexusOperationWaitStage(9)})
	if code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "unsupported wait_stage") {
		t.Fatalf("poll with a bad stage = %v; want InvalidArgument", err)
	}
}

func TestAStandaloneNexusOperationOutlivesAKill9(t *testing.T) {
	if hdotest.External() {
		t.Skip("kills the server: hdo only")
	}
	server := hdotest.Start(t)
	st := newStandaloneNexusTest(t, server.HostPort, true)
	// Started with no handler worker: its start request waits in the server.
	handle, err := st.ops.ExecuteOperation(st.ctx, "upper", "durable", client.StartNexusOperationOptions{
		ID: "kill-" + st.queue, ScheduleToCloseTimeout: 2 * time.Minute})
	if err != nil {
		t.Fatalf("ExecuteOperation: %v", err)
	}
	st.c.Close()
	server.Kill(t)
	restarted := hdotest.StartOn(t, server.DBFilename)
	c, err := client.Dial(client.Options{HostPort: restarted.HostPort, Namespace: "default"})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	st.c = c
	described, err := c.WorkflowService().DescribeNexusOperationExecution(st.ctx, &workflowservice.DescribeNexusOperationExecutionRequest{
		Namespace: "default", OperationId: handle.GetID()})
	if err != nil || described.GetRunId() != handle.GetRunID() ||
		described.GetInfo().GetStatus() != enumspb.NEXUS_OPERATION_EXECUTION_STATUS_RUNNING {
		t.Fatalf("after kill -9: %v, %v; want the operation still running", described, err)
	}
	st.startWorker(t)
	again := c.GetNexusOperationHandle(client.GetNexusOperationHandleOptions{OperationID: handle.GetID()})
	var out string
	if err := again.Get(st.ctx, &out); err != nil || out != "DURABLE" {
		t.Fatalf("after restart = %q, %v; want \"DURABLE\"", out, err)
	}
}
