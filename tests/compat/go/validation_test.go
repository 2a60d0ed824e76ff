// Goal: issue 4's "Bad input": every kind of malformed request a client can send gets the
// reference server's typed error and message, and a rejected request writes nothing. Method: the
// raw WorkflowService client of the Go SDK against a real server (a fresh hdo per test, or
// HDO_TARGET=host:port, e.g. the reference `temporal server start-dev`); workflow tasks and
// activity tasks are polled and answered by hand. Around each bad request a snapshot of the
// workflow it addresses — every history event, DescribeWorkflowExecution's history length,
// status, pending activities and pending workflow task, and the current run — must not change.
// The expected errors are the reference's (Temporal server 1.29.1, temporal CLI v1.5.1).
package compat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	commandpb "go.temporal.io/api/command/v1"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	querypb "go.temporal.io/api/query/v1"
	"go.temporal.io/api/serviceerror"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
)

const (
	badInputNamespace = "default"
	// A second namespace for task tokens used across namespaces: hdo gets it through --namespace;
	// on an HDO_TARGET server the test registers it when missing.
	badInputOtherNamespace = "bad-input-other"
	badInputUnknownNS      = "bad-input-no-such-namespace"
	badInputWorkflowType   = "BadInputWorkflow"
	badInputActivityType   = "BadInputActivity"
	badInputIdentity       = "bad-input-test"
	// A well-formed run id no workflow has.
	badInputUnknownRunID = "5f2b6a8e-1c3d-4e5f-8a9b-0c1d2e3f4a5b"
	badInputBadRunID     = "not-a-uuid"
	// Over the reference's 2 MiB limit.blobSize.error, under gRPC's 4 MiB message limit.
	badInputBlobSize = 2*1024*1024 + 1024
)

// badInput is one test's connection to the server under test.
type badInput struct {
	t   *testing.T
	ctx context.Context
	svc workflowservice.WorkflowServiceClient
	tag string // random suffix of this run's workflow ids and task queues
}

func newBadInput(t *testing.T) *badInput {
	t.Helper()
	hostPort := hdotest.Target(t, "--namespace", badInputOtherNamespace)
	c, err := client.Dial(client.Options{HostPort: hostPort, Namespace: badInputNamespace})
	if err != nil {
		t.Fatalf("client.Dial(%s): %v", hostPort, err)
	}
	t.Cleanup(c.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	return &badInput{t: t, ctx: ctx, svc: c.WorkflowService(), tag: hex.EncodeToString(suffix)}
}

func (b *badInput) name(base string) string { return "bad-input-" + base + "-" + b.tag }

// --- errors ---------------------------------------------------------------------------------------

// wantErr is an expected error: the serviceerror type the SDK decodes (InvalidArgument, NotFound,
// NamespaceNotFound, ...) and the exact message. The zero value expects success.
type wantErr struct {
	kind string
	msg  string
}

var succeeds = wantErr{}

func invalidArgument(msg string) wantErr { return wantErr{"InvalidArgument", msg} }
func notFound(msg string) wantErr        { return wantErr{"NotFound", msg} }

func errorKind(err error) string {
	return strings.TrimPrefix(fmt.Sprintf("%T", err), "*serviceerror.")
}

func expectErr(t *testing.T, what string, err error, want wantErr) {
	t.Helper()
	if err == nil {
		if want != succeeds {
			t.Errorf("%s: succeeded\nwant %s %q", what, want.kind, want.msg)
		}
		return
	}
	if want == succeeds {
		t.Errorf("%s: %s %q; want success", what, errorKind(err), err.Error())
		return
	}
	if kind := errorKind(err); kind != want.kind || err.Error() != want.msg {
		t.Errorf("%s:\n got %s (gRPC %s) %q\nwant %s %q", what, kind,
			serviceerror.ToStatus(err).Code(), err.Error(), want.kind, want.msg)
	}
}

// --- building requests ----------------------------------------------------------------------------

func jsonPayloads(values ...string) *commonpb.Payloads {
	payloads := &commonpb.Payloads{}
	for _, v := range values {
		payloads.Payloads = append(payloads.Payloads, &commonpb.Payload{
			Metadata: map[string][]byte{"encoding": []byte("json/plain")},
			Data:     []byte(v),
		})
	}
	return payloads
}

// bigPayloads is one JSON string payload over the blob size limit.
func bigPayloads() *commonpb.Payloads {
	return jsonPayloads(`"` + strings.Repeat("x", badInputBlobSize) + `"`)
}

func taskQueue(name string) *taskqueuepb.TaskQueue {
	return &taskqueuepb.TaskQueue{Name: name, Kind: enumspb.TASK_QUEUE_KIND_NORMAL}
}

func execution(workflowID, runID string) *commonpb.WorkflowExecution {
	return &commonpb.WorkflowExecution{WorkflowId: workflowID, RunId: runID}
}

func (b *badInput) startRequest(workflowID, tq string) *workflowservice.StartWorkflowExecutionRequest {
	return &workflowservice.StartWorkflowExecutionRequest{
		Namespace:           badInputNamespace,
		WorkflowId:          workflowID,
		WorkflowType:        &commonpb.WorkflowType{Name: badInputWorkflowType},
		TaskQueue:           taskQueue(tq),
		Input:               jsonPayloads(`"input"`),
		WorkflowTaskTimeout: durationpb.New(60 * time.Second),
		Identity:            badInputIdentity,
		RequestId:           workflowID + "-start",
	}
}

// start starts a workflow nobody polls for and returns its run id.
func (b *badInput) start(workflowID, tq string) string {
	b.t.Helper()
	resp, err := b.svc.StartWorkflowExecution(b.ctx, b.startRequest(workflowID, tq))
	if err != nil {
		b.t.Fatalf("StartWorkflowExecution(%s): %v", workflowID, err)
	}
	return resp.GetRunId()
}

func (b *badInput) pollWorkflowTask(tq string) *workflowservice.PollWorkflowTaskQueueResponse {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	resp, err := b.svc.PollWorkflowTaskQueue(ctx, &workflowservice.PollWorkflowTaskQueueRequest{
		Namespace: badInputNamespace, TaskQueue: taskQueue(tq), Identity: badInputIdentity,
	})
	if err != nil || len(resp.GetTaskToken()) == 0 {
		b.t.Fatalf("PollWorkflowTaskQueue(%s) = %v, %v; want a workflow task", tq, resp, err)
	}
	return resp
}

func (b *badInput) pollActivityTask(tq string) *workflowservice.PollActivityTaskQueueResponse {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	resp, err := b.svc.PollActivityTaskQueue(ctx, &workflowservice.PollActivityTaskQueueRequest{
		Namespace: badInputNamespace, TaskQueue: taskQueue(tq), Identity: badInputIdentity,
	})
	if err != nil || len(resp.GetTaskToken()) == 0 {
		b.t.Fatalf("PollActivityTaskQueue(%s) = %v, %v; want an activity task", tq, resp, err)
	}
	return resp
}

func (b *badInput) respondWorkflowTask(token []byte, commands ...*commandpb.Command) error {
	_, err := b.svc.RespondWorkflowTaskCompleted(b.ctx, &workflowservice.RespondWorkflowTaskCompletedRequest{
		Namespace: badInputNamespace, TaskToken: token, Commands: commands, Identity: badInputIdentity,
	})
	return err
}

func scheduleActivity(activityID, tq string) *commandpb.Command {
	return &commandpb.Command{
		CommandType: enumspb.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
		Attributes: &commandpb.Command_ScheduleActivityTaskCommandAttributes{
			ScheduleActivityTaskCommandAttributes: &commandpb.ScheduleActivityTaskCommandAttributes{
				ActivityId:          activityID,
				ActivityType:        &commonpb.ActivityType{Name: badInputActivityType},
				TaskQueue:           taskQueue(tq),
				Input:               jsonPayloads(`"activity input"`),
				StartToCloseTimeout: durationpb.New(60 * time.Second),
			},
		},
	}
}

func startTimer(timerID string, d time.Duration) *commandpb.Command {
	return &commandpb.Command{
		CommandType: enumspb.COMMAND_TYPE_START_TIMER,
		Attributes: &commandpb.Command_StartTimerCommandAttributes{
			StartTimerCommandAttributes: &commandpb.StartTimerCommandAttributes{
				TimerId: timerID, StartToFireTimeout: durationpb.New(d),
			},
		},
	}
}

func completeWorkflow(result string) *commandpb.Command {
	return &commandpb.Command{
		CommandType: enumspb.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
		Attributes: &commandpb.Command_CompleteWorkflowExecutionCommandAttributes{
			CompleteWorkflowExecutionCommandAttributes: &commandpb.CompleteWorkflowExecutionCommandAttributes{
				Result: jsonPayloads(result),
			},
		},
	}
}

// --- snapshots ------------------------------------------------------------------------------------

// snapshot is everything a rejected request must leave as it was.
type snapshot struct {
	events       []*historypb.HistoryEvent
	describe     string // history length, status, pending activities and workflow task
	currentRunID string
}

func (b *badInput) history(workflowID, runID string) []*historypb.HistoryEvent {
	b.t.Helper()
	var events []*historypb.HistoryEvent
	var token []byte
	for {
		resp, err := b.svc.GetWorkflowExecutionHistory(b.ctx, &workflowservice.GetWorkflowExecutionHistoryRequest{
			Namespace: badInputNamespace, Execution: execution(workflowID, runID),
			MaximumPageSize: 1000, NextPageToken: token,
		})
		if err != nil {
			b.t.Fatalf("GetWorkflowExecutionHistory(%s, %s): %v", workflowID, runID, err)
		}
		events = append(events, resp.GetHistory().GetEvents()...)
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return events
		}
	}
}

func (b *badInput) describe(workflowID, runID string) *workflowservice.DescribeWorkflowExecutionResponse {
	b.t.Helper()
	resp, err := b.svc.DescribeWorkflowExecution(b.ctx, &workflowservice.DescribeWorkflowExecutionRequest{
		Namespace: badInputNamespace, Execution: execution(workflowID, runID),
	})
	if err != nil {
		b.t.Fatalf("DescribeWorkflowExecution(%s, %s): %v", workflowID, runID, err)
	}
	return resp
}

func (b *badInput) snapshot(workflowID, runID string) snapshot {
	b.t.Helper()
	d := b.describe(workflowID, runID)
	info := d.GetWorkflowExecutionInfo()
	text := fmt.Sprintf("history_length=%d status=%v", info.GetHistoryLength(), info.GetStatus())
	for _, a := range d.GetPendingActivities() {
		text += fmt.Sprintf(" activity{id=%s type=%s state=%v attempt=%d}", a.GetActivityId(),
			a.GetActivityType().GetName(), a.GetState(), a.GetAttempt())
	}
	if wt := d.GetPendingWorkflowTask(); wt != nil {
		text += fmt.Sprintf(" workflow_task{state=%v attempt=%d}", wt.GetState(), wt.GetAttempt())
	}
	current := b.describe(workflowID, "")
	return snapshot{
		events:       b.history(workflowID, runID),
		describe:     text,
		currentRunID: current.GetWorkflowExecutionInfo().GetExecution().GetRunId(),
	}
}

func eventTypeList(events []*historypb.HistoryEvent) []string {
	var types []string
	for _, e := range events {
		types = append(types, strings.TrimPrefix(e.GetEventType().String(), "EVENT_TYPE_"))
	}
	return types
}

func sameEvents(a, b []*historypb.HistoryEvent) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !proto.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// expectUnchanged fails the test when the workflow differs from `before` in any way a write
// would show.
func (b *badInput) expectUnchanged(what string, before snapshot, workflowID, runID string) {
	b.t.Helper()
	after := b.snapshot(workflowID, runID)
	if !sameEvents(before.events, after.events) {
		b.t.Errorf("%s changed the history of %s:\nbefore %v\n after %v", what, workflowID,
			eventTypeList(before.events), eventTypeList(after.events))
	}
	if before.describe != after.describe {
		b.t.Errorf("%s changed the description of %s:\nbefore %s\n after %s", what, workflowID,
			before.describe, after.describe)
	}
	if before.currentRunID != after.currentRunID {
		b.t.Errorf("%s changed the current run of %s: %s → %s", what, workflowID,
			before.currentRunID, after.currentRunID)
	}
}

// expectNoWorkflow checks that no run of workflowID exists in the namespace.
func (b *badInput) expectNoWorkflow(what, workflowID string) {
	b.t.Helper()
	_, err := b.svc.DescribeWorkflowExecution(b.ctx, &workflowservice.DescribeWorkflowExecutionRequest{
		Namespace: badInputNamespace, Execution: execution(workflowID, ""),
	})
	var nf *serviceerror.NotFound
	if !errors.As(err, &nf) {
		b.t.Errorf("%s: DescribeWorkflowExecution(%s) = %v; want NotFound (nothing started)", what, workflowID, err)
	}
}

// --- StartWorkflowExecution -----------------------------------------------------------------------

func TestBadInputStartWorkflowExecution(t *testing.T) {
	b := newBadInput(t)
	longID := strings.Repeat("w", 1001)
	negative := durationpb.New(-time.Second)
	cases := []struct {
		name      string
		mutate    func(r *workflowservice.StartWorkflowExecutionRequest)
		want      wantErr
		noCheckID bool // the request has no usable workflow id to look up afterwards
	}{
		{"empty workflow id", func(r *workflowservice.StartWorkflowExecutionRequest) { r.WorkflowId = "" },
			invalidArgument("WorkflowId is not set on request."), true},
		{"workflow id over 1000 bytes", func(r *workflowservice.StartWorkflowExecutionRequest) { r.WorkflowId = longID },
			invalidArgument("WorkflowId length exceeds limit."), true},
		{"no workflow type", func(r *workflowservice.StartWorkflowExecutionRequest) { r.WorkflowType = nil },
			invalidArgument("WorkflowType is not set on request."), false},
		{"empty workflow type", func(r *workflowservice.StartWorkflowExecutionRequest) { r.WorkflowType.Name = "" },
			invalidArgument("WorkflowType is not set on request."), false},
		{"workflow type over 1000 bytes", func(r *workflowservice.StartWorkflowExecutionRequest) {
			r.WorkflowType.Name = strings.Repeat("t", 1001)
		}, invalidArgument("WorkflowType length exceeds limit."), false},
		{"no task queue", func(r *workflowservice.StartWorkflowExecutionRequest) { r.TaskQueue = nil },
			invalidArgument("taskQueue is not set"), false},
		{"empty task queue name", func(r *workflowservice.StartWorkflowExecutionRequest) { r.TaskQueue.Name = "" },
			invalidArgument("missing task queue name"), false},
		{"reserved task queue prefix", func(r *workflowservice.StartWorkflowExecutionRequest) { r.TaskQueue.Name = "/_sys/tq" },
			invalidArgument("task queue name cannot start with reserved prefix /_sys/"), false},
		{"negative execution timeout", func(r *workflowservice.StartWorkflowExecutionRequest) { r.WorkflowExecutionTimeout = negative },
			invalidArgument("An invalid WorkflowExecutionTimeoutSeconds is set on request. cause: negative duration"), false},
		{"negative run timeout", func(r *workflowservice.StartWorkflowExecutionRequest) { r.WorkflowRunTimeout = negative },
			invalidArgument("An invalid WorkflowRunTimeoutSeconds is set on request. cause: negative duration"), false},
		{"negative task timeout", func(r *workflowservice.StartWorkflowExecutionRequest) { r.WorkflowTaskTimeout = negative },
			invalidArgument("An invalid WorkflowTaskTimeoutSeconds is set on request. cause: negative duration"), false},
		{"retry backoff coefficient under 1", func(r *workflowservice.StartWorkflowExecutionRequest) {
			r.RetryPolicy = &commonpb.RetryPolicy{BackoffCoefficient: 0.5}
		}, invalidArgument("BackoffCoefficient cannot be less than 1 on retry policy."), false},
		{"retry maximum interval under initial interval", func(r *workflowservice.StartWorkflowExecutionRequest) {
			r.RetryPolicy = &commonpb.RetryPolicy{InitialInterval: durationpb.New(10 * time.Second), MaximumInterval: durationpb.New(5 * time.Second)}
		}, invalidArgument("MaximumInterval cannot be less than InitialInterval on retry policy."), false},
		{"retry negative maximum attempts", func(r *workflowservice.StartWorkflowExecutionRequest) {
			r.RetryPolicy = &commonpb.RetryPolicy{MaximumAttempts: -1}
		}, invalidArgument("MaximumAttempts cannot be negative on retry policy."), false},
		{"input over 2 MiB", func(r *workflowservice.StartWorkflowExecutionRequest) { r.Input = bigPayloads() },
			invalidArgument("Blob data size exceeds limit."), false},
		{"unknown namespace", func(r *workflowservice.StartWorkflowExecutionRequest) { r.Namespace = badInputUnknownNS },
			wantErr{"NamespaceNotFound", "Namespace " + badInputUnknownNS + " is not found."}, false},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			workflowID := b.name(fmt.Sprintf("start-%d", i))
			request := b.startRequest(workflowID, b.name("start-tq"))
			tc.mutate(request)
			_, err := b.svc.StartWorkflowExecution(b.ctx, request)
			expectErr(t, "StartWorkflowExecution", err, tc.want)
			if !tc.noCheckID {
				b.expectNoWorkflow("StartWorkflowExecution", workflowID)
			}
		})
	}
}

// --- requests addressed to a workflow execution ---------------------------------------------------

// call is one bad request and the error the reference gives it.
type call struct {
	name string
	do   func() error
	want wantErr
}

func (b *badInput) runCalls(calls []call, workflowID, runID string) {
	for _, c := range calls {
		b.t.Run(c.name, func(t *testing.T) {
			before := b.snapshot(workflowID, runID)
			expectErr(t, c.name, c.do(), c.want)
			b.expectUnchanged(c.name, before, workflowID, runID)
		})
	}
}

// The requests that address a workflow execution, with a missing or malformed execution, an
// unknown workflow or run, or a bad field of their own, against a running workflow (nobody polls
// its task queue) that must stay exactly as it was.
func TestBadInputExecutionRequests(t *testing.T) {
	b := newBadInput(t)
	id := b.name("running")
	tq := b.name("running-tq")
	runID := b.start(id, tq)
	unknownID := b.name("never-started")
	ns := badInputNamespace

	signal := func(e *commonpb.WorkflowExecution, name string, input *commonpb.Payloads) func() error {
		return func() error {
			_, err := b.svc.SignalWorkflowExecution(b.ctx, &workflowservice.SignalWorkflowExecutionRequest{
				Namespace: ns, WorkflowExecution: e, SignalName: name, Input: input, Identity: badInputIdentity,
			})
			return err
		}
	}
	signalWithStart := func(mutate func(r *workflowservice.SignalWithStartWorkflowExecutionRequest)) func() error {
		return func() error {
			r := &workflowservice.SignalWithStartWorkflowExecutionRequest{
				Namespace: ns, WorkflowId: id, WorkflowType: &commonpb.WorkflowType{Name: badInputWorkflowType},
				TaskQueue: taskQueue(tq), SignalName: "sig", SignalInput: jsonPayloads(`"s"`), Identity: badInputIdentity,
			}
			mutate(r)
			_, err := b.svc.SignalWithStartWorkflowExecution(b.ctx, r)
			return err
		}
	}
	cancel := func(e *commonpb.WorkflowExecution) func() error {
		return func() error {
			_, err := b.svc.RequestCancelWorkflowExecution(b.ctx, &workflowservice.RequestCancelWorkflowExecutionRequest{
				Namespace: ns, WorkflowExecution: e, Identity: badInputIdentity,
			})
			return err
		}
	}
	terminate := func(e *commonpb.WorkflowExecution, firstRunID string) func() error {
		return func() error {
			_, err := b.svc.TerminateWorkflowExecution(b.ctx, &workflowservice.TerminateWorkflowExecutionRequest{
				Namespace: ns, WorkflowExecution: e, Reason: "bad input", Identity: badInputIdentity,
				FirstExecutionRunId: firstRunID,
			})
			return err
		}
	}
	describe := func(e *commonpb.WorkflowExecution) func() error {
		return func() error {
			_, err := b.svc.DescribeWorkflowExecution(b.ctx, &workflowservice.DescribeWorkflowExecutionRequest{Namespace: ns, Execution: e})
			return err
		}
	}
	getHistory := func(e *commonpb.WorkflowExecution) func() error {
		return func() error {
			_, err := b.svc.GetWorkflowExecutionHistory(b.ctx, &workflowservice.GetWorkflowExecutionHistoryRequest{Namespace: ns, Execution: e})
			return err
		}
	}
	query := func(e *commonpb.WorkflowExecution, q *querypb.WorkflowQuery) func() error {
		return func() error {
			_, err := b.svc.QueryWorkflow(b.ctx, &workflowservice.QueryWorkflowRequest{Namespace: ns, Execution: e, Query: q})
			return err
		}
	}
	resetSticky := func(e *commonpb.WorkflowExecution) func() error {
		return func() error {
			_, err := b.svc.ResetStickyTaskQueue(b.ctx, &workflowservice.ResetStickyTaskQueueRequest{Namespace: ns, Execution: e})
			return err
		}
	}
	negative := durationpb.New(-time.Second)
	q := &querypb.WorkflowQuery{QueryType: "state"}
	noID, badRun := execution("", ""), execution(id, badInputBadRunID)
	unknownWorkflow, unknownRun := execution(unknownID, ""), execution(id, badInputUnknownRunID)
	longID := strings.Repeat("w", 1001)
	unknownNS := wantErr{"NamespaceNotFound", "Namespace " + badInputUnknownNS + " is not found."}
	unknownRunErr := notFound(fmt.Sprintf("workflow execution not found for workflow ID %q and run ID %q", id, badInputUnknownRunID))

	b.runCalls([]call{
		// SignalWorkflowExecution
		{"signal without execution", signal(nil, "sig", nil), invalidArgument("Execution is not set on request.")},
		{"signal with empty workflow id", signal(noID, "sig", nil), invalidArgument("WorkflowId is not set on request.")},
		// The reference has no length rule here: it looks the id up.
		{"signal with workflow id over 1000 bytes", signal(execution(longID, ""), "sig", nil), notFound("workflow not found for ID: " + longID)},
		{"signal with malformed run id", signal(badRun, "sig", nil), invalidArgument("Invalid RunId.")},
		{"signal with empty signal name", signal(execution(id, runID), "", nil), invalidArgument("SignalName is not set on request.")},
		{"signal with input over 2 MiB", signal(execution(id, runID), "sig", bigPayloads()), invalidArgument("Blob data size exceeds limit.")},
		{"signal to unknown workflow", signal(unknownWorkflow, "sig", nil), notFound("workflow not found for ID: " + unknownID)},
		{"signal to unknown run", signal(unknownRun, "sig", nil), unknownRunErr},
		// SignalWithStartWorkflowExecution (always addresses the running workflow's id)
		{"signal-with-start with empty workflow id", signalWithStart(func(r *workflowservice.SignalWithStartWorkflowExecutionRequest) { r.WorkflowId = "" }),
			invalidArgument("WorkflowId is not set on request.")},
		{"signal-with-start with empty signal name", signalWithStart(func(r *workflowservice.SignalWithStartWorkflowExecutionRequest) { r.SignalName = "" }),
			invalidArgument("SignalName is not set on request.")},
		{"signal-with-start with empty workflow type", signalWithStart(func(r *workflowservice.SignalWithStartWorkflowExecutionRequest) { r.WorkflowType = nil }),
			invalidArgument("WorkflowType is not set on request.")},
		{"signal-with-start with empty task queue name", signalWithStart(func(r *workflowservice.SignalWithStartWorkflowExecutionRequest) { r.TaskQueue.Name = "" }),
			invalidArgument("missing task queue name")},
		{"signal-with-start with negative run timeout", signalWithStart(func(r *workflowservice.SignalWithStartWorkflowExecutionRequest) { r.WorkflowRunTimeout = negative }),
			invalidArgument("An invalid WorkflowRunTimeoutSeconds is set on request. cause: negative duration")},
		{"signal-with-start with backoff coefficient under 1", signalWithStart(func(r *workflowservice.SignalWithStartWorkflowExecutionRequest) {
			r.RetryPolicy = &commonpb.RetryPolicy{BackoffCoefficient: 0.5}
		}), invalidArgument("BackoffCoefficient cannot be less than 1 on retry policy.")},
		{"signal-with-start with signal input over 2 MiB", signalWithStart(func(r *workflowservice.SignalWithStartWorkflowExecutionRequest) { r.SignalInput = bigPayloads() }),
			invalidArgument("Blob data size exceeds limit.")},
		{"signal-with-start with conflict policy FAIL", signalWithStart(func(r *workflowservice.SignalWithStartWorkflowExecutionRequest) {
			r.WorkflowIdConflictPolicy = enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL
		}), invalidArgument("Invalid WorkflowIDConflictPolicy: WORKFLOW_ID_CONFLICT_POLICY_FAIL is not supported for this operation.")},
		// RequestCancelWorkflowExecution
		{"cancel without execution", cancel(nil), invalidArgument("Execution is not set on request.")},
		{"cancel with empty workflow id", cancel(noID), invalidArgument("WorkflowId is not set on request.")},
		{"cancel with malformed run id", cancel(badRun), invalidArgument("Invalid RunId.")},
		{"cancel of unknown workflow", cancel(unknownWorkflow), notFound("workflow not found for ID: " + unknownID)},
		{"cancel of unknown run", cancel(unknownRun), unknownRunErr},
		// TerminateWorkflowExecution
		{"terminate without execution", terminate(nil, ""), invalidArgument("Execution is not set on request.")},
		{"terminate with empty workflow id", terminate(noID, ""), invalidArgument("WorkflowId is not set on request.")},
		{"terminate with malformed run id", terminate(badRun, ""), invalidArgument("Invalid RunId.")},
		// The reference does not parse it: it is not the first run id, so the workflow is not found.
		{"terminate with malformed first execution run id", terminate(execution(id, ""), badInputBadRunID), notFound("workflow execution not found")},
		{"terminate of unknown workflow", terminate(unknownWorkflow, ""), notFound("workflow not found for ID: " + unknownID)},
		{"terminate of unknown run", terminate(unknownRun, ""), unknownRunErr},
		// DescribeWorkflowExecution
		{"describe without execution", describe(nil), invalidArgument("Execution is not set on request.")},
		{"describe with empty workflow id", describe(noID), invalidArgument("WorkflowId is not set on request.")},
		{"describe with malformed run id", describe(badRun), invalidArgument("Invalid RunId.")},
		{"describe of unknown workflow", describe(unknownWorkflow), notFound("workflow not found for ID: " + unknownID)},
		{"describe of unknown run", describe(unknownRun), unknownRunErr},
		// GetWorkflowExecutionHistory
		{"history without execution", getHistory(nil), invalidArgument("Execution is not set on request.")},
		{"history with empty workflow id", getHistory(noID), invalidArgument("WorkflowId is not set on request.")},
		{"history with malformed run id", getHistory(badRun), invalidArgument("Invalid RunId.")},
		{"history of unknown workflow", getHistory(unknownWorkflow), notFound("workflow not found for ID: " + unknownID)},
		{"history of unknown run", getHistory(unknownRun), unknownRunErr},
		// QueryWorkflow
		{"query without execution", query(nil, q), invalidArgument("Execution is not set on request.")},
		{"query with empty workflow id", query(noID, q), invalidArgument("WorkflowId is not set on request.")},
		{"query with malformed run id", query(badRun, q), invalidArgument("Invalid RunId.")},
		{"query without query", query(execution(id, runID), nil), invalidArgument("WorkflowQuery is not set on request.")},
		{"query with empty query type", query(execution(id, runID), &querypb.WorkflowQuery{}), invalidArgument("QueryType is not set on request.")},
		{"query of unknown workflow", query(unknownWorkflow, q), notFound("workflow not found for ID: " + unknownID)},
		{"query of unknown run", query(unknownRun, q), unknownRunErr},
		// ResetStickyTaskQueue
		{"reset sticky without execution", resetSticky(nil), invalidArgument("Execution is not set on request.")},
		{"reset sticky with empty workflow id", resetSticky(noID), invalidArgument("WorkflowId is not set on request.")},
		{"reset sticky with malformed run id", resetSticky(badRun), invalidArgument("Invalid RunId.")},
		// An unknown namespace, with the running workflow's execution.
		{"signal on unknown namespace", func() error {
			_, err := b.svc.SignalWorkflowExecution(b.ctx, &workflowservice.SignalWorkflowExecutionRequest{
				Namespace: badInputUnknownNS, WorkflowExecution: execution(id, runID), SignalName: "sig", Identity: badInputIdentity,
			})
			return err
		}, unknownNS},
		{"terminate on unknown namespace", func() error {
			_, err := b.svc.TerminateWorkflowExecution(b.ctx, &workflowservice.TerminateWorkflowExecutionRequest{
				Namespace: badInputUnknownNS, WorkflowExecution: execution(id, runID), Identity: badInputIdentity,
			})
			return err
		}, unknownNS},
		{"describe on unknown namespace", func() error {
			_, err := b.svc.DescribeWorkflowExecution(b.ctx, &workflowservice.DescribeWorkflowExecutionRequest{
				Namespace: badInputUnknownNS, Execution: execution(id, runID),
			})
			return err
		}, unknownNS},
		{"history on unknown namespace", func() error {
			_, err := b.svc.GetWorkflowExecutionHistory(b.ctx, &workflowservice.GetWorkflowExecutionHistoryRequest{
				Namespace: badInputUnknownNS, Execution: execution(id, runID),
			})
			return err
		}, unknownNS},
	}, id, runID)
}

// SignalWithStart of a workflow id that has no run: a refused request starts nothing.
func TestBadInputSignalWithStartStartsNothing(t *testing.T) {
	b := newBadInput(t)
	negative := durationpb.New(-time.Second)
	cases := []struct {
		name   string
		mutate func(r *workflowservice.SignalWithStartWorkflowExecutionRequest)
		want   wantErr
	}{
		{"empty signal name", func(r *workflowservice.SignalWithStartWorkflowExecutionRequest) { r.SignalName = "" },
			invalidArgument("SignalName is not set on request.")},
		{"no workflow type", func(r *workflowservice.SignalWithStartWorkflowExecutionRequest) { r.WorkflowType = nil },
			invalidArgument("WorkflowType is not set on request.")},
		{"no task queue", func(r *workflowservice.SignalWithStartWorkflowExecutionRequest) { r.TaskQueue = nil },
			invalidArgument("taskQueue is not set")},
		{"negative execution timeout", func(r *workflowservice.SignalWithStartWorkflowExecutionRequest) {
			r.WorkflowExecutionTimeout = negative
		},
			invalidArgument("An invalid WorkflowExecutionTimeoutSeconds is set on request. cause: negative duration")},
		{"retry maximum interval under initial interval", func(r *workflowservice.SignalWithStartWorkflowExecutionRequest) {
			r.RetryPolicy = &commonpb.RetryPolicy{InitialInterval: durationpb.New(10 * time.Second), MaximumInterval: durationpb.New(5 * time.Second)}
		}, invalidArgument("MaximumInterval cannot be less than InitialInterval on retry policy.")},
		{"input over 2 MiB", func(r *workflowservice.SignalWithStartWorkflowExecutionRequest) { r.Input = bigPayloads() },
			invalidArgument("Blob data size exceeds limit.")},
		{"signal input over 2 MiB", func(r *workflowservice.SignalWithStartWorkflowExecutionRequest) { r.SignalInput = bigPayloads() },
			invalidArgument("Blob data size exceeds limit.")},
		{"unknown namespace", func(r *workflowservice.SignalWithStartWorkflowExecutionRequest) { r.Namespace = badInputUnknownNS },
			wantErr{"NamespaceNotFound", "Namespace " + badInputUnknownNS + " is not found."}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := b.name(fmt.Sprintf("sws-%d", i))
			r := &workflowservice.SignalWithStartWorkflowExecutionRequest{
				Namespace: badInputNamespace, WorkflowId: id, WorkflowType: &commonpb.WorkflowType{Name: badInputWorkflowType},
				TaskQueue: taskQueue(b.name("sws-tq")), SignalName: "sig", SignalInput: jsonPayloads(`"s"`), Identity: badInputIdentity,
			}
			tc.mutate(r)
			_, err := b.svc.SignalWithStartWorkflowExecution(b.ctx, r)
			expectErr(t, "SignalWithStartWorkflowExecution", err, tc.want)
			b.expectNoWorkflow("SignalWithStartWorkflowExecution", id)
		})
	}
}

// A closed workflow: what the reference refuses, and that the refusal writes nothing.
func TestBadInputClosedWorkflow(t *testing.T) {
	b := newBadInput(t)
	id := b.name("closed")
	tq := b.name("closed-tq")
	runID := b.start(id, tq)
	task := b.pollWorkflowTask(tq)
	if err := b.respondWorkflowTask(task.GetTaskToken(), completeWorkflow(`"done"`)); err != nil {
		t.Fatalf("completing the workflow: %v", err)
	}
	if status := b.describe(id, runID).GetWorkflowExecutionInfo().GetStatus(); status != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		t.Fatalf("workflow status = %v; want COMPLETED", status)
	}
	ns := badInputNamespace
	completed := notFound("workflow execution already completed")
	for _, e := range []*commonpb.WorkflowExecution{execution(id, ""), execution(id, runID)} {
		suffix := " (current run)"
		if e.RunId != "" {
			suffix = " (run id)"
		}
		b.runCalls([]call{
			{"signal" + suffix, func() error {
				_, err := b.svc.SignalWorkflowExecution(b.ctx, &workflowservice.SignalWorkflowExecutionRequest{
					Namespace: ns, WorkflowExecution: e, SignalName: "sig", Identity: badInputIdentity,
				})
				return err
			}, completed},
			// The reference accepts a cancel request of a closed run and does nothing.
			{"cancel" + suffix, func() error {
				_, err := b.svc.RequestCancelWorkflowExecution(b.ctx, &workflowservice.RequestCancelWorkflowExecutionRequest{
					Namespace: ns, WorkflowExecution: e, Identity: badInputIdentity,
				})
				return err
			}, succeeds},
			{"terminate" + suffix, func() error {
				_, err := b.svc.TerminateWorkflowExecution(b.ctx, &workflowservice.TerminateWorkflowExecutionRequest{
					Namespace: ns, WorkflowExecution: e, Reason: "too late", Identity: badInputIdentity,
				})
				return err
			}, completed},
			// A stale workflow task token of the closed run.
			{"respond to the completed workflow task again" + suffix, func() error {
				return b.respondWorkflowTask(task.GetTaskToken(), completeWorkflow(`"again"`))
			}, notFound("Workflow task not found.")},
		}, id, runID)
	}
}

// --- task tokens ----------------------------------------------------------------------------------

// taskTokenCalls are the task-token RPCs, each sending `token` on namespace `ns`.
func (b *badInput) taskTokenCalls(ns string, token []byte) []call {
	id := badInputIdentity
	return []call{
		{"RespondWorkflowTaskCompleted", func() error {
			_, err := b.svc.RespondWorkflowTaskCompleted(b.ctx, &workflowservice.RespondWorkflowTaskCompletedRequest{Namespace: ns, TaskToken: token, Identity: id})
			return err
		}, wantErr{}},
		{"RespondWorkflowTaskFailed", func() error {
			_, err := b.svc.RespondWorkflowTaskFailed(b.ctx, &workflowservice.RespondWorkflowTaskFailedRequest{Namespace: ns, TaskToken: token, Identity: id})
			return err
		}, wantErr{}},
		{"RespondQueryTaskCompleted", func() error {
			_, err := b.svc.RespondQueryTaskCompleted(b.ctx, &workflowservice.RespondQueryTaskCompletedRequest{
				Namespace: ns, TaskToken: token, CompletedType: enumspb.QUERY_RESULT_TYPE_ANSWERED, QueryResult: jsonPayloads(`1`),
			})
			return err
		}, wantErr{}},
		{"RecordActivityTaskHeartbeat", func() error {
			_, err := b.svc.RecordActivityTaskHeartbeat(b.ctx, &workflowservice.RecordActivityTaskHeartbeatRequest{Namespace: ns, TaskToken: token, Identity: id})
			return err
		}, wantErr{}},
		{"RespondActivityTaskCompleted", func() error {
			_, err := b.svc.RespondActivityTaskCompleted(b.ctx, &workflowservice.RespondActivityTaskCompletedRequest{Namespace: ns, TaskToken: token, Identity: id, Result: jsonPayloads(`"r"`)})
			return err
		}, wantErr{}},
		{"RespondActivityTaskFailed", func() error {
			_, err := b.svc.RespondActivityTaskFailed(b.ctx, &workflowservice.RespondActivityTaskFailedRequest{Namespace: ns, TaskToken: token, Identity: id, Failure: applicationFailure("boom")})
			return err
		}, wantErr{}},
		{"RespondActivityTaskCanceled", func() error {
			_, err := b.svc.RespondActivityTaskCanceled(b.ctx, &workflowservice.RespondActivityTaskCanceledRequest{Namespace: ns, TaskToken: token, Identity: id})
			return err
		}, wantErr{}},
	}
}

func applicationFailure(message string) *failurepb.Failure {
	return &failurepb.Failure{
		Message:     message,
		FailureInfo: &failurepb.Failure_ApplicationFailureInfo{ApplicationFailureInfo: &failurepb.ApplicationFailureInfo{Type: "Boom"}},
	}
}

func withWant(calls []call, want wantErr) []call {
	for i := range calls {
		calls[i].want = want
	}
	return calls
}

func pick(calls []call, names ...string) []call {
	var picked []call
	for _, c := range calls {
		for _, n := range names {
			if c.name == n {
				picked = append(picked, c)
			}
		}
	}
	return picked
}

func renamed(calls []call, suffix string) []call {
	for i := range calls {
		calls[i].name += suffix
	}
	return calls
}

// ensureOtherNamespace makes the second namespace usable on an HDO_TARGET server (hdo got it on
// its command line): registers it when missing and waits until the frontend knows it.
func (b *badInput) ensureOtherNamespace() {
	b.t.Helper()
	if !hdotest.External() {
		return
	}
	_, err := b.svc.RegisterNamespace(b.ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace: badInputOtherNamespace, WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour),
	})
	var exists *serviceerror.NamespaceAlreadyExists
	if err != nil && !errors.As(err, &exists) {
		b.t.Fatalf("RegisterNamespace(%s): %v", badInputOtherNamespace, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := b.svc.DescribeTaskQueue(b.ctx, &workflowservice.DescribeTaskQueueRequest{
			Namespace: badInputOtherNamespace, TaskQueue: taskQueue("probe"),
		})
		var nf *serviceerror.NamespaceNotFound
		if !errors.As(err, &nf) {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("namespace %s is not usable 30s after registering it: %v", badInputOtherNamespace, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Empty and undecodable task tokens, on every RPC that takes one.
func TestBadInputMalformedTaskTokens(t *testing.T) {
	b := newBadInput(t)
	// A running workflow none of these may touch.
	id := b.name("untouched")
	runID := b.start(id, b.name("untouched-tq"))
	b.runCalls(renamed(withWant(b.taskTokenCalls(badInputNamespace, nil), invalidArgument("Task token not set on request.")), " with empty token"), id, runID)
	b.runCalls(renamed(withWant(b.taskTokenCalls(badInputNamespace, []byte("garbage")), invalidArgument("Error deserializing task token.")), " with garbage token"), id, runID)
}

// A workflow and an activity driven by hand: tokens sent on another namespace, stale tokens after
// the task completed, the ById forms with bad ids; every refusal leaves the workflow as it was,
// and the history ends with exactly one ActivityTaskCompleted.
func TestBadInputTaskTokensOfAnotherNamespaceAndStaleTokens(t *testing.T) {
	b := newBadInput(t)
	b.ensureOtherNamespace()
	id := b.name("driven")
	tq := b.name("driven-tq")
	runID := b.start(id, tq)
	mismatch := invalidArgument("Operation requested with a token from a different namespace.")

	// The first workflow task: refused on the other namespace, then scheduling an activity.
	wft := b.pollWorkflowTask(tq)
	b.runCalls(renamed(withWant(pick(b.taskTokenCalls(badInputOtherNamespace, wft.GetTaskToken()),
		"RespondWorkflowTaskCompleted", "RespondWorkflowTaskFailed"), mismatch), " on another namespace"), id, runID)
	if err := b.respondWorkflowTask(wft.GetTaskToken(), scheduleActivity("a1", tq)); err != nil {
		t.Fatalf("scheduling the activity: %v", err)
	}
	b.runCalls(renamed(withWant(pick(b.taskTokenCalls(badInputNamespace, wft.GetTaskToken()),
		"RespondWorkflowTaskCompleted", "RespondWorkflowTaskFailed"), notFound("Workflow task not found.")), " with a stale token"), id, runID)

	// The activity: refused on the other namespace and with a bad failure, then completed.
	at := b.pollActivityTask(tq)
	b.runCalls(renamed(withWant(pick(b.taskTokenCalls(badInputOtherNamespace, at.GetTaskToken()),
		"RecordActivityTaskHeartbeat", "RespondActivityTaskCompleted", "RespondActivityTaskFailed", "RespondActivityTaskCanceled"), mismatch),
		" on another namespace"), id, runID)
	b.runCalls([]call{
		{"RespondActivityTaskFailed without application failure info", func() error {
			_, err := b.svc.RespondActivityTaskFailed(b.ctx, &workflowservice.RespondActivityTaskFailedRequest{
				Namespace: badInputNamespace, TaskToken: at.GetTaskToken(), Identity: badInputIdentity,
				Failure: &failurepb.Failure{Message: "no info"},
			})
			return err
		}, invalidArgument("Failure must have ApplicationFailureInfo.")},
	}, id, runID)
	if _, err := b.svc.RespondActivityTaskCompleted(b.ctx, &workflowservice.RespondActivityTaskCompletedRequest{
		Namespace: badInputNamespace, TaskToken: at.GetTaskToken(), Identity: badInputIdentity, Result: jsonPayloads(`"result"`),
	}); err != nil {
		t.Fatalf("completing the activity: %v", err)
	}

	// Stale activity tokens and the ById forms.
	stale := notFound("invalid activityID or activity already timed out or invoking workflow is completed")
	notPending := func(activityID string) wantErr {
		return notFound("cannot find pending activity with ActivityID " + activityID + ", check workflow execution history for more details")
	}
	calls := renamed(withWant(pick(b.taskTokenCalls(badInputNamespace, at.GetTaskToken()),
		"RecordActivityTaskHeartbeat", "RespondActivityTaskCompleted", "RespondActivityTaskFailed", "RespondActivityTaskCanceled"), stale),
		" with a stale token")
	byID := func(workflowID, runID, activityID string) func() error {
		return func() error {
			_, err := b.svc.RespondActivityTaskCompletedById(b.ctx, &workflowservice.RespondActivityTaskCompletedByIdRequest{
				Namespace: badInputNamespace, WorkflowId: workflowID, RunId: runID, ActivityId: activityID,
				Result: jsonPayloads(`"by id"`), Identity: badInputIdentity,
			})
			return err
		}
	}
	heartbeatByID := func(workflowID, runID, activityID string) func() error {
		return func() error {
			_, err := b.svc.RecordActivityTaskHeartbeatById(b.ctx, &workflowservice.RecordActivityTaskHeartbeatByIdRequest{
				Namespace: badInputNamespace, WorkflowId: workflowID, RunId: runID, ActivityId: activityID, Identity: badInputIdentity,
			})
			return err
		}
	}
	unknownID := b.name("never-started")
	calls = append(calls,
		call{"RespondActivityTaskCompletedById of the completed activity", byID(id, runID, "a1"), notPending("a1")},
		call{"RespondActivityTaskCompletedById of an unknown activity", byID(id, runID, "a2"), notPending("a2")},
		call{"RespondActivityTaskCompletedById without activity id", byID(id, runID, ""), invalidArgument("ActivityId is not set on request.")},
		// Without a workflow id the request names a standalone activity (servers with standalone
		// activities, reference 1.30+; 1.29 answered InvalidArgument "WorkflowId is not set on
		// request."): there is none with this id and run.
		call{"RespondActivityTaskCompletedById without workflow id", byID("", runID, "a1"), notFound("activity not found for ID: a1")},
		call{"RespondActivityTaskCompletedById with malformed run id", byID(id, badInputBadRunID, "a1"), invalidArgument("RunId is not valid UUID.")},
		call{"RespondActivityTaskCompletedById of an unknown workflow", byID(unknownID, "", "a1"), notFound("workflow not found for ID: " + unknownID)},
		call{"RecordActivityTaskHeartbeatById of the completed activity", heartbeatByID(id, runID, "a1"), notPending("a1")},
		call{"RecordActivityTaskHeartbeatById with malformed run id", heartbeatByID(id, badInputBadRunID, "a1"), invalidArgument("RunId is not valid UUID.")},
	)
	b.runCalls(calls, id, runID)

	completedEvents := 0
	for _, e := range b.history(id, runID) {
		if e.GetEventType() == enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED {
			completedEvents++
		}
	}
	if completedEvents != 1 {
		t.Errorf("history has %d ActivityTaskCompleted events; want exactly 1: %v", completedEvents, eventTypeList(b.history(id, runID)))
	}
}

// --- bad commands in RespondWorkflowTaskCompleted -------------------------------------------------

func scheduleActivityWith(tq string, mutate func(a *commandpb.ScheduleActivityTaskCommandAttributes)) []*commandpb.Command {
	command := scheduleActivity("a1", tq)
	mutate(command.GetScheduleActivityTaskCommandAttributes())
	return []*commandpb.Command{command}
}

// A workflow task answered with a bad command: the RPC fails with InvalidArgument and either the
// workflow task fails with the command's cause (WorkflowTaskFailed is the only event written: no
// ActivityTaskScheduled, TimerStarted, ...; the next attempt is 2), or, where the reference refuses
// the request before it touches the workflow (a command sequence error, an activity task queue the
// reference cannot resolve), nothing is written at all and the same task can still be completed.
func TestBadInputWorkflowTaskCommands(t *testing.T) {
	b := newBadInput(t)
	const nothingWritten = enumspb.WORKFLOW_TASK_FAILED_CAUSE_UNSPECIFIED
	cases := []struct {
		name     string
		commands func(tq string) []*commandpb.Command
		rpc      wantErr // its message is also the WorkflowTaskFailed failure message
		cause    enumspb.WorkflowTaskFailedCause
	}{
		{"schedule activity without activity type",
			func(tq string) []*commandpb.Command {
				return scheduleActivityWith(tq, func(a *commandpb.ScheduleActivityTaskCommandAttributes) { a.ActivityType = nil })
			},
			invalidArgument("BadScheduleActivityAttributes: ActivityType is not set on ScheduleActivityTaskCommand. ActivityID=a1"),
			enumspb.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES},
		{"schedule activity without activity id",
			func(tq string) []*commandpb.Command {
				return scheduleActivityWith(tq, func(a *commandpb.ScheduleActivityTaskCommandAttributes) { a.ActivityId = "" })
			},
			invalidArgument("BadScheduleActivityAttributes: ActivityId is not set on ScheduleActivityTaskCommand. ActivityType=BadInputActivity"),
			enumspb.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES},
		{"schedule activity without timeouts",
			func(tq string) []*commandpb.Command {
				return scheduleActivityWith(tq, func(a *commandpb.ScheduleActivityTaskCommandAttributes) { a.StartToCloseTimeout = nil })
			},
			invalidArgument("BadScheduleActivityAttributes: A valid StartToClose or ScheduleToCloseTimeout is not set on ScheduleActivityTaskCommand. ActivityId=a1 ActivityType=BadInputActivity"),
			enumspb.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES},
		{"schedule activity with empty task queue name",
			func(string) []*commandpb.Command { return []*commandpb.Command{scheduleActivity("a1", "")} },
			invalidArgument("invalid TaskQueue on ScheduleActivityTaskCommand: missing task queue name. ActivityId=a1 ActivityType=" + badInputActivityType),
			nothingWritten},
		{"schedule activity without task queue",
			func(tq string) []*commandpb.Command {
				return scheduleActivityWith(tq, func(a *commandpb.ScheduleActivityTaskCommandAttributes) { a.TaskQueue = nil })
			},
			invalidArgument("invalid TaskQueue on ScheduleActivityTaskCommand: taskQueue is not set. ActivityId=a1 ActivityType=" + badInputActivityType),
			nothingWritten},
		{"start timer with empty timer id",
			func(string) []*commandpb.Command { return []*commandpb.Command{startTimer("", time.Hour)} },
			invalidArgument("BadStartTimerAttributes: TimerId is not set on StartTimerCommand."),
			enumspb.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_TIMER_ATTRIBUTES},
		{"start timer with negative timeout",
			func(string) []*commandpb.Command { return []*commandpb.Command{startTimer("t1", -time.Second)} },
			invalidArgument("BadStartTimerAttributes: An invalid StartToFireTimeout is set on StartTimerCommand: negative duration. TimerId=t1"),
			enumspb.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_TIMER_ATTRIBUTES},
		{"start timer without attributes",
			func(string) []*commandpb.Command {
				return []*commandpb.Command{{CommandType: enumspb.COMMAND_TYPE_START_TIMER}}
			},
			invalidArgument("BadStartTimerAttributes: StartTimerCommandAttributes is not set on StartTimerCommand."),
			enumspb.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_TIMER_ATTRIBUTES},
		{"two timers with the same id",
			func(string) []*commandpb.Command {
				return []*commandpb.Command{startTimer("t1", time.Hour), startTimer("t1", time.Hour)}
			},
			invalidArgument("StartTimerDuplicateId: invalid history builder state for action: add-timer-started-event, TimerID: t1"),
			enumspb.WORKFLOW_TASK_FAILED_CAUSE_START_TIMER_DUPLICATE_ID},
		{"fail workflow without failure",
			func(string) []*commandpb.Command {
				return []*commandpb.Command{{
					CommandType: enumspb.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION,
					Attributes: &commandpb.Command_FailWorkflowExecutionCommandAttributes{
						FailWorkflowExecutionCommandAttributes: &commandpb.FailWorkflowExecutionCommandAttributes{},
					},
				}}
			},
			invalidArgument("BadFailWorkflowExecutionAttributes: Failure is not set on FailWorkflowExecutionCommand."),
			enumspb.WORKFLOW_TASK_FAILED_CAUSE_BAD_FAIL_WORKFLOW_EXECUTION_ATTRIBUTES},
		{"complete workflow before another command",
			func(tq string) []*commandpb.Command {
				return []*commandpb.Command{completeWorkflow(`"early"`), startTimer("t1", time.Hour)}
			},
			invalidArgument("invalid command sequence: [CompleteWorkflowExecution, StartTimer], command CompleteWorkflowExecution must be the last command."),
			nothingWritten},
		{"schedule activity then complete workflow then start timer",
			func(tq string) []*commandpb.Command {
				return []*commandpb.Command{scheduleActivity("a1", tq), completeWorkflow(`"early"`), startTimer("t1", time.Hour)}
			},
			invalidArgument("invalid command sequence: [ScheduleActivityTask, CompleteWorkflowExecution, StartTimer], command CompleteWorkflowExecution must be the last command."),
			nothingWritten},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := b.name(fmt.Sprintf("commands-%d", i))
			tq := b.name(fmt.Sprintf("commands-%d-tq", i))
			runID := b.start(id, tq)
			task := b.pollWorkflowTask(tq)
			before := b.snapshot(id, runID)
			err := b.respondWorkflowTask(task.GetTaskToken(), tc.commands(tq)...)
			expectErr(t, "RespondWorkflowTaskCompleted", err, tc.rpc)
			if tc.cause == nothingWritten {
				b.expectUnchanged("the refused commands", before, id, runID)
				// The task is still the workflow's to complete.
				if err := b.respondWorkflowTask(task.GetTaskToken(), completeWorkflow(`"fine"`)); err != nil {
					t.Fatalf("completing the same workflow task after the refusal: %v", err)
				}
				expectTypes(t, eventTypesOf(b.history(id, runID)),
					enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
					enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
					enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED,
					enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
					enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)
				return
			}
			after := b.history(id, runID)
			if len(after) != len(before.events)+1 || !sameEvents(before.events, after[:len(before.events)]) {
				t.Fatalf("history after the bad command:\nbefore %v\n after %v\nwant the events before plus one WorkflowTaskFailed",
					eventTypeList(before.events), eventTypeList(after))
			}
			failed := after[len(after)-1]
			attrs := failed.GetWorkflowTaskFailedEventAttributes()
			if failed.GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED || attrs.GetCause() != tc.cause ||
				attrs.GetFailure().GetMessage() != tc.rpc.msg || attrs.GetFailure().GetServerFailureInfo() == nil ||
				attrs.GetScheduledEventId() != 2 || attrs.GetStartedEventId() != 3 || attrs.GetIdentity() != badInputIdentity {
				t.Errorf("last event = %v %v\nwant WorkflowTaskFailed{scheduled 2, started 3, cause %v, failure {%q, server_failure_info}, identity %q}",
					failed.GetEventType(), attrs, tc.cause, tc.rpc.msg, badInputIdentity)
			}
			d := b.describe(id, runID)
			if len(d.GetPendingActivities()) != 0 {
				t.Errorf("pending activities after the bad command: %v", d.GetPendingActivities())
			}
			if wt := d.GetPendingWorkflowTask(); wt.GetAttempt() != 2 || wt.GetState() != enumspb.PENDING_WORKFLOW_TASK_STATE_SCHEDULED {
				t.Errorf("pending workflow task after the bad command = %v; want attempt 2, SCHEDULED", wt)
			}
		})
	}
}

func eventTypesOf(events []*historypb.HistoryEvent) []enumspb.EventType {
	var types []enumspb.EventType
	for _, e := range events {
		types = append(types, e.GetEventType())
	}
	return types
}

// --- polls and task queues ------------------------------------------------------------------------

func TestBadInputPollsAndTaskQueues(t *testing.T) {
	b := newBadInput(t)
	id := b.name("untouched")
	runID := b.start(id, b.name("untouched-tq"))
	ns := badInputNamespace
	pollWorkflow := func(ns string, q *taskqueuepb.TaskQueue) func() error {
		return func() error {
			_, err := b.svc.PollWorkflowTaskQueue(b.ctx, &workflowservice.PollWorkflowTaskQueueRequest{Namespace: ns, TaskQueue: q, Identity: badInputIdentity})
			return err
		}
	}
	pollActivity := func(ns string, q *taskqueuepb.TaskQueue) func() error {
		return func() error {
			_, err := b.svc.PollActivityTaskQueue(b.ctx, &workflowservice.PollActivityTaskQueueRequest{Namespace: ns, TaskQueue: q, Identity: badInputIdentity})
			return err
		}
	}
	describeQueue := func(q *taskqueuepb.TaskQueue) func() error {
		return func() error {
			_, err := b.svc.DescribeTaskQueue(b.ctx, &workflowservice.DescribeTaskQueueRequest{Namespace: ns, TaskQueue: q})
			return err
		}
	}
	unknownNS := wantErr{"NamespaceNotFound", "Namespace " + badInputUnknownNS + " is not found."}
	b.runCalls([]call{
		{"poll workflow tasks without task queue", pollWorkflow(ns, nil), invalidArgument("taskQueue is not set")},
		{"poll workflow tasks with empty task queue name", pollWorkflow(ns, taskQueue("")), invalidArgument("missing task queue name")},
		{"poll workflow tasks with task queue over 1000 bytes", pollWorkflow(ns, taskQueue(strings.Repeat("q", 1001))), invalidArgument("taskQueue length exceeds limit")},
		{"poll workflow tasks with reserved prefix", pollWorkflow(ns, taskQueue("/_sys/tq")), invalidArgument("task queue name cannot start with reserved prefix /_sys/")},
		{"poll workflow tasks without namespace", pollWorkflow("", taskQueue("tq")), invalidArgument("Namespace is empty.")},
		{"poll workflow tasks on unknown namespace", pollWorkflow(badInputUnknownNS, taskQueue("tq")), unknownNS},
		{"poll activity tasks without task queue", pollActivity(ns, nil), invalidArgument("taskQueue is not set")},
		{"poll activity tasks with empty task queue name", pollActivity(ns, taskQueue("")), invalidArgument("missing task queue name")},
		{"poll activity tasks on unknown namespace", pollActivity(badInputUnknownNS, taskQueue("tq")), unknownNS},
		{"describe task queue with empty name", describeQueue(taskQueue("")), invalidArgument("missing task queue name")},
	}, id, runID)
}
