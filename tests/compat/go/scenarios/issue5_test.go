//go:build scenarios

package scenarios

// The scenarios of issue 5: child workflows, external signal/cancel, continue-as-new, workflow
// retry, cron, Workflow Update (+ update-with-start), reset, delete, eager workflow start, limits.
// Multi-run and multi-workflow scenarios keep one golden per history that matters
// (<scenario>_<role>.json).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

// Event type names of the issue 5 scenarios.
const (
	childInitiated     = "StartChildWorkflowExecutionInitiated"
	childStartFailed   = "StartChildWorkflowExecutionFailed"
	childStarted       = "ChildWorkflowExecutionStarted"
	childCompleted     = "ChildWorkflowExecutionCompleted"
	childFailed        = "ChildWorkflowExecutionFailed"
	childCanceled      = "ChildWorkflowExecutionCanceled"
	childTimedOut      = "ChildWorkflowExecutionTimedOut"
	childTerminated    = "ChildWorkflowExecutionTerminated"
	signalExtInit      = "SignalExternalWorkflowExecutionInitiated"
	signalExtFailed    = "SignalExternalWorkflowExecutionFailed"
	extSignaled        = "ExternalWorkflowExecutionSignaled"
	cancelExtInit      = "RequestCancelExternalWorkflowExecutionInitiated"
	cancelExtFailed    = "RequestCancelExternalWorkflowExecutionFailed"
	extCancelRequested = "ExternalWorkflowExecutionCancelRequested"
	wfContinuedAsNew   = "WorkflowExecutionContinuedAsNew"
	wftFailed          = "WorkflowTaskFailed"
	updAccepted        = "WorkflowExecutionUpdateAccepted"
	updCompleted       = "WorkflowExecutionUpdateCompleted"
	updAdmitted        = "WorkflowExecutionUpdateAdmitted"
)

// ---- helpers ----

func (e *env) describe(id, runID string) *workflowservice.DescribeWorkflowExecutionResponse {
	e.t.Helper()
	resp, err := e.c.DescribeWorkflowExecution(e.ctx, id, runID)
	if err != nil {
		e.t.Fatalf("DescribeWorkflowExecution(%s, %s): %v", id, runID, err)
	}
	return resp
}

// waitStatus polls Describe until the run has the status (bounded).
func (e *env) waitStatus(id, runID string, want enumspb.WorkflowExecutionStatus) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last enumspb.WorkflowExecutionStatus
	for time.Now().Before(deadline) {
		resp, err := e.c.DescribeWorkflowExecution(e.ctx, id, runID)
		if err == nil {
			last = resp.GetWorkflowExecutionInfo().GetStatus()
			if last == want {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.t.Fatalf("%s: status %v, want %v", id, last, want)
}

// waitRunHistory polls one run's history until cond holds.
func (e *env) waitRunHistory(id, runID, what string, cond func([]*historypb.HistoryEvent) bool) []*historypb.HistoryEvent {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last []*historypb.HistoryEvent
	for time.Now().Before(deadline) {
		events, err := fetchHistory(e.ctx, e.c, id, runID)
		if err == nil {
			last = events
			if cond(events) {
				return events
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.t.Fatalf("timed out waiting for %s in the history of %s/%s; history so far: %v", what, id, runID, rawTypes(last))
	return nil
}

// blockedAfter reports whether the history has at least n events of type t and ends with a
// WorkflowTaskCompleted (or a command event after it), i.e. the workflow is blocked.
func blockedAfter(t enumspb.EventType, n int) func([]*historypb.HistoryEvent) bool {
	return func(evs []*historypb.HistoryEvent) bool {
		if countType(evs, t) < n || len(evs) == 0 {
			return false
		}
		for i := len(evs) - 1; i >= 0; i-- {
			switch evs[i].GetEventType() {
			case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
				return i > indexOfLast(evs, t)
			case enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED:
				return false
			}
		}
		return false
	}
}

func indexOfLast(evs []*historypb.HistoryEvent, t enumspb.EventType) int {
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].GetEventType() == t {
			return i
		}
	}
	return -1
}

func firstEvent(evs []*historypb.HistoryEvent, t enumspb.EventType) *historypb.HistoryEvent {
	for _, ev := range evs {
		if ev.GetEventType() == t {
			return ev
		}
	}
	return nil
}

func lastEvent(evs []*historypb.HistoryEvent) *historypb.HistoryEvent {
	if len(evs) == 0 {
		return nil
	}
	return evs[len(evs)-1]
}

// closed reports whether the run's history ends with a close event.
func closed(evs []*historypb.HistoryEvent) bool {
	switch lastEvent(evs).GetEventType() {
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
		enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
		return true
	}
	return false
}

// ---- scrubbing on top of scrubHistory ----
//
// Two additions for the issue 5 histories, applied here rather than in the shared scrub rules:
//   - the namespace id (a random UUID per server database, in the child and external events as
//     namespace_id / parent_workflow_namespace_id) becomes "<namespace_id>";
//   - the run-specific strings (workflow ids, task queue, namespace id) are also replaced inside
//     decoded payloads and inside longer strings (a parent's input names its children's ids, an
//     error message may quote a workflow id); scrubHistory replaces whole string values only, and
//     not inside payloads.

func (e *env) namespaceID() string {
	e.t.Helper()
	resp, err := e.c.WorkflowService().DescribeNamespace(e.ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	if err != nil {
		e.t.Fatalf("DescribeNamespace: %v", err)
	}
	return resp.GetNamespaceInfo().GetId()
}

// scrub5 scrubs a history with the issue 5 additions.
func (e *env) scrub5(raw []*historypb.HistoryEvent) []scrubbedEvent {
	e.t.Helper()
	repl := map[string]string{e.namespaceID(): "<namespace_id>"}
	for k, v := range e.replacements {
		repl[k] = v
	}
	got, err := scrubHistory(raw, scrubContext{replacements: repl})
	if err != nil {
		e.t.Fatalf("scrubbing history: %v", err)
	}
	keys := make([]string, 0, len(repl))
	for k := range repl {
		keys = append(keys, k)
	}
	// Longest first, so that no replacement eats part of a longer run-specific string.
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	var replace func(v any) any
	replace = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				x[k] = replace(val)
			}
		case []any:
			for i, item := range x {
				x[i] = replace(item)
			}
		case string:
			for _, k := range keys {
				x = strings.ReplaceAll(x, k, repl[k])
			}
			return x
		}
		return v
	}
	for i := range got {
		if got[i].Attributes != nil {
			replace(got[i].Attributes)
		}
	}
	return got
}

// withPlaceholder replaces a timing-dependent attribute of the first event (WorkflowExecutionStarted)
// by a placeholder; the scenario checks its value itself.
func withPlaceholder(events []scrubbedEvent, key, placeholder string) []scrubbedEvent {
	if len(events) > 0 && events[0].Attributes != nil {
		if _, ok := events[0].Attributes[key]; ok {
			events[0].Attributes[key] = placeholder
		}
	}
	return events
}

// check5 is checkEvents with the issue 5 additions.
func (e *env) check5(golden string, raw []*historypb.HistoryEvent, wantTypes []string) []*historypb.HistoryEvent {
	e.t.Helper()
	e.checkScrubbed(golden, e.scrub5(raw), wantTypes)
	return raw
}

// checkRun5 fetches a run's history and checks it with check5.
func (e *env) checkRun5(golden, workflowID, runID string, wantTypes []string) []*historypb.HistoryEvent {
	e.t.Helper()
	return e.check5(golden, e.history(workflowID, runID), wantTypes)
}

// ---- 1. child workflow ----

// child workflow: the parent runs a child (an activity, a result) and returns the child's result;
// the child's Describe names parent and root. Variant: a child waiting for a signal is pending in
// the parent's Describe until the test signals it.
func TestScenarioChildWorkflow(t *testing.T) {
	e := newEnv(t, "child_workflow")
	e.startWorker(worker.Options{})

	pid := e.workflowID("parent")
	cid := e.workflowID("child")
	run := e.start(e.startOptions(pid), wfParentOfChild, wfHello, cid, "Child")
	var out string
	mustNoErr(t, "parent result", e.getResult(run, &out))
	if want := "parent got: Hello, Child!"; out != want {
		t.Errorf("result = %q, want %q", out, want)
	}
	child := e.describe(cid, "").GetWorkflowExecutionInfo()
	if p := child.GetParentExecution(); p.GetWorkflowId() != pid || p.GetRunId() != run.GetRunID() {
		t.Errorf("child ParentExecution = %v, want %s/%s", p, pid, run.GetRunID())
	}
	if r := child.GetRootExecution(); r.GetWorkflowId() != pid || r.GetRunId() != run.GetRunID() {
		t.Errorf("child RootExecution = %v, want %s/%s", r, pid, run.GetRunID())
	}
	if pn := child.GetParentNamespaceId(); pn == "" {
		t.Errorf("child ParentNamespaceId is empty")
	}
	e.check5("child_workflow_parent", e.history(pid, run.GetRunID()),
		seq(wfStarted, wft, childInitiated, childStarted, wft, childCompleted, wft, wfCompleted))
	e.check5("child_workflow_child", e.history(cid, ""), helloTypes)

	// Variant: the child waits for a signal.
	pid2 := e.workflowID("pending-parent")
	cid2 := e.workflowID("pending-child")
	run2 := e.start(e.startOptions(pid2), wfParentOfChild, wfWaitSignalOrCancel, cid2, "")
	e.waitRunHistory(pid2, run2.GetRunID(), "the child started", blockedAfter(enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED, 1))
	e.waitWorkflowTasksCompleted(cid2, 1)
	parent := e.describe(pid2, run2.GetRunID())
	if pc := parent.GetPendingChildren(); len(pc) != 1 {
		t.Errorf("parent PendingChildren = %v, want one", pc)
	} else {
		c := pc[0]
		if c.GetWorkflowId() != cid2 || c.GetWorkflowTypeName() != wfWaitSignalOrCancel ||
			c.GetParentClosePolicy() != enumspb.PARENT_CLOSE_POLICY_TERMINATE || c.GetInitiatedId() != 5 || c.GetRunId() == "" {
			t.Errorf("pending child = %v, want id %s, type %s, TERMINATE, initiated id 5, a run id", c, cid2, wfWaitSignalOrCancel)
		}
	}
	childInfo := e.describe(cid2, "").GetWorkflowExecutionInfo()
	if p := childInfo.GetParentExecution(); p.GetWorkflowId() != pid2 || p.GetRunId() != run2.GetRunID() {
		t.Errorf("pending child ParentExecution = %v, want %s/%s", p, pid2, run2.GetRunID())
	}
	if r := childInfo.GetRootExecution(); r.GetWorkflowId() != pid2 || r.GetRunId() != run2.GetRunID() {
		t.Errorf("pending child RootExecution = %v, want %s/%s", r, pid2, run2.GetRunID())
	}
	mustNoErr(t, "signal child", e.c.SignalWorkflow(e.ctx, cid2, "", signalMessage, "hi"))
	mustNoErr(t, "pending parent result", e.getResult(run2, &out))
	if want := "parent got: got hi"; out != want {
		t.Errorf("result = %q, want %q", out, want)
	}
	if pc := e.describe(pid2, run2.GetRunID()).GetPendingChildren(); len(pc) != 0 {
		t.Errorf("closed parent still has pending children %v", pc)
	}
	e.check5("child_workflow_pending_parent", e.history(pid2, run2.GetRunID()),
		seq(wfStarted, wft, childInitiated, childStarted, wft, childCompleted, wft, wfCompleted))
	e.check5("child_workflow_pending_child", e.history(cid2, ""), seq(wfStarted, wft, wfSignaled, wft, wfCompleted))
}

// ---- 2. child outcomes ----

// child outcomes: a child that fails, one canceled by the parent, one timing out, one terminated
// by the client; the parent sees a ChildWorkflowExecutionError wrapping the matching error.
func TestScenarioChildOutcomes(t *testing.T) {
	e := newEnv(t, "child_outcomes")
	e.startWorker(worker.Options{})
	pid := e.workflowID("parent")
	ids := []string{e.workflowID("failed"), e.workflowID("canceled"), e.workflowID("timed-out"), e.workflowID("terminated")}
	run := e.start(e.startOptions(pid), wfChildOutcomes, ids)
	// (a) fail the child once the parent processed its start.
	e.waitRunHistory(pid, run.GetRunID(), "child a started", blockedAfter(enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED, 1))
	e.waitWorkflowTasksCompleted(ids[0], 1)
	mustNoErr(t, "signal child a", e.c.SignalWorkflow(e.ctx, ids[0], "", signalMessage, "fail now"))
	// (b) let the parent cancel the child once both processed the child's start.
	e.waitRunHistory(pid, run.GetRunID(), "child b started", blockedAfter(enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED, 2))
	e.waitWorkflowTasksCompleted(ids[1], 1)
	mustNoErr(t, "signal parent proceed", e.c.SignalWorkflow(e.ctx, pid, "", signalProceed, nil))
	// (c) times out by itself; (d) terminated once parent and child processed its start.
	e.waitRunHistory(pid, run.GetRunID(), "child d started", blockedAfter(enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED, 4))
	e.waitWorkflowTasksCompleted(ids[3], 1)
	mustNoErr(t, "terminate child d", e.c.TerminateWorkflow(e.ctx, ids[3], "", "terminated by the scenario"))
	var out string
	mustNoErr(t, "parent result", e.getResult(run, &out))
	want := strings.Join([]string{
		"failed: ChildWorkflowExecutionError(ApplicationError ChildError: child failed on purpose)",
		"canceled: ChildWorkflowExecutionError(CanceledError)",
		"timed out: ChildWorkflowExecutionError(TimeoutError StartToClose)",
		"terminated: ChildWorkflowExecutionError(TerminatedError)",
	}, "\n")
	if out != want {
		t.Errorf("result =\n%s\nwant\n%s", out, want)
	}
	e.check5("child_outcomes_parent", e.history(pid, run.GetRunID()), seq(wfStarted, wft,
		childInitiated, childStarted, wft, childFailed, wft,
		childInitiated, childStarted, wft, wfSignaled, wft, cancelExtInit, extCancelRequested, wft, childCanceled, wft,
		childInitiated, childStarted, wft, childTimedOut, wft,
		childInitiated, childStarted, wft, childTerminated, wft, wfCompleted))
	e.check5("child_outcomes_failed", e.history(ids[0], ""), seq(wfStarted, wft, wfSignaled, wft, wfFailed))
	e.check5("child_outcomes_canceled", e.history(ids[1], ""),
		seq(wfStarted, wft, wfCancelRequested, wft, timerStarted, timerFired, wft, wfCanceled))
	e.check5("child_outcomes_timed_out", e.history(ids[2], ""), seq(wfStarted, wft, wfTimedOut))
	e.check5("child_outcomes_terminated", e.history(ids[3], ""), seq(wfStarted, wft, wfTerminated))
}

// ---- 3. child already started ----

// child already started: the parent starts a child with the id of a running workflow;
// StartChildWorkflowExecutionFailed(WORKFLOW_ALREADY_EXISTS) and the Go SDK's
// ChildWorkflowExecutionAlreadyStartedError.
func TestScenarioChildAlreadyStarted(t *testing.T) {
	e := newEnv(t, "child_already_started")
	e.startWorker(worker.Options{})
	pid := e.workflowID("parent")
	xid := e.workflowID("existing")
	existing := e.start(e.startOptions(xid), wfWaitSignalOrCancel)
	t.Cleanup(func() { _ = e.c.TerminateWorkflow(e.ctx, xid, "", "cleanup") })
	e.waitWorkflowTasksCompleted(xid, 1)
	run := e.start(e.startOptions(pid), wfChildAlready, xid)
	var out string
	mustNoErr(t, "parent result", e.getResult(run, &out))
	if want := "start: already started=true; result: already started=true"; out != want {
		t.Errorf("result = %q, want %q", out, want)
	}
	raw := e.checkRun5(e.name, pid, run.GetRunID(), seq(wfStarted, wft, childInitiated, childStartFailed, wft, wfCompleted))
	if f := firstEvent(raw, enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED); f != nil {
		if c := f.GetStartChildWorkflowExecutionFailedEventAttributes().GetCause(); c != enumspb.START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS {
			t.Errorf("StartChildWorkflowExecutionFailed cause = %v", c)
		}
	}
	// The existing workflow is untouched.
	mustNoErr(t, "signal existing", e.c.SignalWorkflow(e.ctx, xid, "", signalMessage, "still mine"))
	mustNoErr(t, "existing result", e.getResult(existing, &out))
	if out != "got still mine" {
		t.Errorf("existing workflow result = %q", out)
	}
}

// ---- 4. parent close policy ----

// parent close policy: children with TERMINATE, REQUEST_CANCEL and ABANDON outlive... or not,
// their parent's completion.
func TestScenarioParentClosePolicy(t *testing.T) {
	e := newEnv(t, "parent_close_policy")
	e.startWorker(worker.Options{})
	pid := e.workflowID("parent")
	ids := []string{e.workflowID("terminate"), e.workflowID("request-cancel"), e.workflowID("abandon")}
	t.Cleanup(func() { _ = e.c.TerminateWorkflow(e.ctx, ids[2], "", "cleanup") })
	run := e.start(e.startOptions(pid), wfParentClosePolicy, ids)
	e.waitRunHistory(pid, run.GetRunID(), "three children started", blockedAfter(enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED, 3))
	for _, id := range ids {
		e.waitWorkflowTasksCompleted(id, 1)
	}
	mustNoErr(t, "signal parent finish", e.c.SignalWorkflow(e.ctx, pid, "", signalFinish, nil))
	var out string
	mustNoErr(t, "parent result", e.getResult(run, &out))
	if out != "started 3 children" {
		t.Errorf("result = %q", out)
	}
	e.waitStatus(ids[0], "", enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED)
	e.waitStatus(ids[1], "", enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED)
	if s := e.describe(ids[2], "").GetWorkflowExecutionInfo().GetStatus(); s != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Errorf("abandoned child status = %v, want RUNNING", s)
	}
	e.check5("parent_close_policy_parent", e.history(pid, run.GetRunID()), seq(wfStarted, wft,
		childInitiated, childStarted, wft, childInitiated, childStarted, wft, childInitiated, childStarted, wft,
		wfSignaled, wft, wfCompleted))
	e.check5("parent_close_policy_terminate", e.history(ids[0], ""), seq(wfStarted, wft, wfTerminated))
	e.check5("parent_close_policy_request_cancel", e.history(ids[1], ""),
		seq(wfStarted, wft, wfCancelRequested, wft, timerStarted, timerFired, wft, wfCanceled))
	e.check5("parent_close_policy_abandon", e.history(ids[2], ""), seq(wfStarted, wft))
}

// ---- 5./6. external signal and cancel ----

// signal external: workflow A signals the running B, then a workflow id that does not exist
// (SignalExternalWorkflowExecutionFailed, EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND).
func TestScenarioSignalExternal(t *testing.T) {
	e := newEnv(t, "signal_external")
	e.startWorker(worker.Options{})
	aid := e.workflowID("a")
	bid := e.workflowID("b")
	missing := e.workflowID("missing")
	runB := e.start(e.startOptions(bid), wfWaitSignalOrCancel)
	e.waitWorkflowTasksCompleted(bid, 1)
	runA := e.start(e.startOptions(aid), wfSignalExternal, bid, missing)
	var out string
	mustNoErr(t, "A result", e.getResult(runA, &out))
	if !strings.HasPrefix(out, "signaled target; missing target: ") || !strings.Contains(out, "unknown external workflow execution") {
		t.Errorf("A result = %q", out)
	}
	t.Logf("A result: %s", out)
	mustNoErr(t, "B result", e.getResult(runB, &out))
	if out != "got from A" {
		t.Errorf("B result = %q", out)
	}
	rawA := e.checkRun5(e.name+"_a", aid, runA.GetRunID(), seq(wfStarted, wft, signalExtInit, extSignaled, wft, signalExtInit, signalExtFailed, wft, wfCompleted))
	if f := firstEvent(rawA, enumspb.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED); f != nil {
		if c := f.GetSignalExternalWorkflowExecutionFailedEventAttributes().GetCause(); c != enumspb.SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND {
			t.Errorf("SignalExternalWorkflowExecutionFailed cause = %v", c)
		}
	}
	rawB := e.history(bid, runB.GetRunID())
	e.check5("signal_external_b", rawB, seq(wfStarted, wft, wfSignaled, wft, wfCompleted))
	if s := firstEvent(rawB, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED); s != nil {
		if x := s.GetWorkflowExecutionSignaledEventAttributes().GetExternalWorkflowExecution(); x.GetWorkflowId() != aid || x.GetRunId() != runA.GetRunID() {
			t.Errorf("B's signal external_workflow_execution = %v, want %s/%s", x, aid, runA.GetRunID())
		}
	}
}

// cancel external: workflow A requests cancellation of the running B (B ends Canceled), then of
// a workflow id that does not exist (RequestCancelExternalWorkflowExecutionFailed).
func TestScenarioCancelExternal(t *testing.T) {
	e := newEnv(t, "cancel_external")
	e.startWorker(worker.Options{})
	aid := e.workflowID("a")
	bid := e.workflowID("b")
	missing := e.workflowID("missing")
	runB := e.start(e.startOptions(bid), wfWaitSignalOrCancel)
	e.waitWorkflowTasksCompleted(bid, 1)
	runA := e.start(e.startOptions(aid), wfCancelExternal, bid, missing)
	var out string
	mustNoErr(t, "A result", e.getResult(runA, &out))
	if !strings.HasPrefix(out, "cancel requested; missing target: ") || !strings.Contains(out, "unknown external workflow execution") {
		t.Errorf("A result = %q", out)
	}
	t.Logf("A result: %s", out)
	err := e.getResult(runB, nil)
	var canceled *temporal.CanceledError
	if !errors.As(err, &canceled) {
		t.Errorf("B error = %v, want CanceledError", err)
	}
	rawA := e.checkRun5(e.name+"_a", aid, runA.GetRunID(), seq(wfStarted, wft, cancelExtInit, extCancelRequested, wft, cancelExtInit, cancelExtFailed, wft, wfCompleted))
	if f := firstEvent(rawA, enumspb.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED); f != nil {
		if c := f.GetRequestCancelExternalWorkflowExecutionFailedEventAttributes().GetCause(); c != enumspb.CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND {
			t.Errorf("RequestCancelExternalWorkflowExecutionFailed cause = %v", c)
		}
	}
	rawB := e.history(bid, runB.GetRunID())
	e.check5("cancel_external_b", rawB, seq(wfStarted, wft, wfCancelRequested, wft, timerStarted, timerFired, wft, wfCanceled))
	if c := firstEvent(rawB, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED); c != nil {
		if x := c.GetWorkflowExecutionCancelRequestedEventAttributes().GetExternalWorkflowExecution(); x.GetWorkflowId() != aid || x.GetRunId() != runA.GetRunID() {
			t.Errorf("B's cancel request external_workflow_execution = %v, want %s/%s", x, aid, runA.GetRunID())
		}
	}
}

// ---- 7. continue-as-new ----

// continue-as-new: the workflow continues as new three times carrying a counter; the client
// follows the chain; every run keeps the first run id; ContinuedAsNew names the next run and the
// next run's Started names the previous one.
func TestScenarioContinueAsNew(t *testing.T) {
	e := newEnv(t, "continue_as_new")
	e.startWorker(worker.Options{})
	id := e.workflowID("wf")
	run := e.start(e.startOptions(id), wfCANCounter, 0, 3)
	// The SDK's run follows the chain and then reports the last run id: take the first one now.
	first := run.GetRunID()
	var out string
	mustNoErr(t, "result via GetWorkflow(id, \"\")", e.c.GetWorkflow(e.ctx, id, "").Get(e.ctx, &out))
	if want := "done after 3 continue-as-new"; out != want {
		t.Errorf("result = %q, want %q", out, want)
	}
	mustNoErr(t, "result via the first run", e.getResult(run, &out))
	if want := "done after 3 continue-as-new"; out != want {
		t.Errorf("result via the first run = %q, want %q", out, want)
	}
	runIDs := []string{first}
	histories := [][]*historypb.HistoryEvent{}
	for i := 0; i < 4; i++ {
		h := e.history(id, runIDs[i])
		histories = append(histories, h)
		started := h[0].GetWorkflowExecutionStartedEventAttributes()
		if started.GetFirstExecutionRunId() != first {
			t.Errorf("run %d: Started.first_execution_run_id = %q, want %q", i+1, started.GetFirstExecutionRunId(), first)
		}
		if got := e.describe(id, runIDs[i]).GetWorkflowExecutionInfo().GetFirstRunId(); got != first {
			t.Errorf("run %d: Describe first_run_id = %q, want %q", i+1, got, first)
		}
		if i == 0 {
			if started.GetContinuedExecutionRunId() != "" || started.GetInitiator() != enumspb.CONTINUE_AS_NEW_INITIATOR_UNSPECIFIED {
				t.Errorf("run 1: Started continued_execution_run_id %q initiator %v, want none", started.GetContinuedExecutionRunId(), started.GetInitiator())
			}
		} else {
			if started.GetContinuedExecutionRunId() != runIDs[i-1] {
				t.Errorf("run %d: Started.continued_execution_run_id = %q, want %q", i+1, started.GetContinuedExecutionRunId(), runIDs[i-1])
			}
			if started.GetInitiator() != enumspb.CONTINUE_AS_NEW_INITIATOR_WORKFLOW {
				t.Errorf("run %d: Started.initiator = %v, want WORKFLOW", i+1, started.GetInitiator())
			}
		}
		if i < 3 {
			can := lastEvent(h).GetWorkflowExecutionContinuedAsNewEventAttributes()
			// The reference leaves the event's initiator unset (UNSPECIFIED) for a workflow's own
			// continue-as-new; only the next run's Started says WORKFLOW.
			if can.GetNewExecutionRunId() == "" || can.GetInitiator() != enumspb.CONTINUE_AS_NEW_INITIATOR_UNSPECIFIED {
				t.Fatalf("run %d: last event %v, want ContinuedAsNew with a new run id, no initiator", i+1, lastEvent(h))
			}
			runIDs = append(runIDs, can.GetNewExecutionRunId())
		}
	}
	if cur := e.describe(id, "").GetWorkflowExecutionInfo().GetExecution().GetRunId(); cur != runIDs[3] {
		t.Errorf("current run = %s, want the last %s", cur, runIDs[3])
	}
	// A run that lived less than history.workflowIdReuseMinimalInterval (1 s) delays its
	// successor's first workflow task by the rest of that second: first_workflow_task_backoff =
	// 1 s − the previous run's lifetime, in (0, 1s] here; "<can_backoff>" in the goldens.
	for i := 1; i < 4; i++ {
		b := histories[i][0].GetWorkflowExecutionStartedEventAttributes().GetFirstWorkflowTaskBackoff().AsDuration()
		if b <= 0 || b > time.Second {
			t.Errorf("run %d: first_workflow_task_backoff = %v, want in (0, 1s] (continue-as-new minimal interval)", i+1, b)
		}
	}
	canTypes := seq(wfStarted, wft, wfContinuedAsNew)
	e.check5("continue_as_new_run1", histories[0], canTypes)
	e.checkScrubbed("continue_as_new_run2", withPlaceholder(e.scrub5(histories[1]), "first_workflow_task_backoff", "<can_backoff>"), canTypes)
	e.checkScrubbed("continue_as_new_run4", withPlaceholder(e.scrub5(histories[3]), "first_workflow_task_backoff", "<can_backoff>"),
		seq(wfStarted, wft, wfCompleted))
}

// ---- 8. workflow retry ----

// workflow retry: a workflow with a retry policy fails attempts 1 and 2 and succeeds on 3; the
// client follows the runs.
func TestScenarioWorkflowRetry(t *testing.T) {
	e := newEnv(t, "workflow_retry")
	e.startWorker(worker.Options{})
	id := e.workflowID("wf")
	opts := e.startOptions(id)
	opts.RetryPolicy = &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3}
	begin := time.Now()
	run := e.start(opts, wfRetryUntil3)
	first := run.GetRunID() // run.Get follows the retries and then reports the last run id
	var out string
	mustNoErr(t, "workflow result", e.getResult(run, &out))
	if out != "succeeded on attempt 3" {
		t.Errorf("result = %q", out)
	}
	// Backoffs 1 s and 2 s (coefficient 2 by default).
	if elapsed := time.Since(begin); elapsed < 3*time.Second {
		t.Errorf("three attempts with 1 s and 2 s backoffs took %v", elapsed)
	}
	if run.GetRunID() == first {
		t.Errorf("after following the retries the run still reports the first run id")
	}
	runIDs := []string{first}
	var histories [][]*historypb.HistoryEvent
	for i := 0; i < 3; i++ {
		h := e.history(id, runIDs[i])
		histories = append(histories, h)
		started := h[0].GetWorkflowExecutionStartedEventAttributes()
		if started.GetAttempt() != int32(i+1) {
			t.Errorf("run %d: Started.attempt = %d", i+1, started.GetAttempt())
		}
		if started.GetFirstExecutionRunId() != runIDs[0] {
			t.Errorf("run %d: Started.first_execution_run_id = %q, want %q", i+1, started.GetFirstExecutionRunId(), runIDs[0])
		}
		if i > 0 {
			if started.GetInitiator() != enumspb.CONTINUE_AS_NEW_INITIATOR_RETRY {
				t.Errorf("run %d: Started.initiator = %v, want RETRY", i+1, started.GetInitiator())
			}
			if started.GetContinuedExecutionRunId() != runIDs[i-1] {
				t.Errorf("run %d: Started.continued_execution_run_id = %q, want %q", i+1, started.GetContinuedExecutionRunId(), runIDs[i-1])
			}
			if want := fmt.Sprintf("workflow attempt %d failed", i); started.GetContinuedFailure().GetMessage() != want {
				t.Errorf("run %d: Started.continued_failure = %v, want message %q", i+1, started.GetContinuedFailure(), want)
			}
			if want := time.Duration(1<<(i-1)) * time.Second; started.GetFirstWorkflowTaskBackoff().AsDuration() != want {
				t.Errorf("run %d: Started.first_workflow_task_backoff = %v, want %v", i+1, started.GetFirstWorkflowTaskBackoff().AsDuration(), want)
			}
		}
		if i < 2 {
			f := lastEvent(h).GetWorkflowExecutionFailedEventAttributes()
			if f.GetNewExecutionRunId() == "" || f.GetRetryState() != enumspb.RETRY_STATE_IN_PROGRESS {
				t.Fatalf("run %d: last event %v, want WorkflowExecutionFailed with a new run id and retry state IN_PROGRESS", i+1, lastEvent(h))
			}
			runIDs = append(runIDs, f.GetNewExecutionRunId())
		}
	}
	failedTypes := seq(wfStarted, wft, wfFailed)
	e.check5("workflow_retry_run1", histories[0], failedTypes)
	e.check5("workflow_retry_run2", histories[1], failedTypes)
	e.check5("workflow_retry_run3", histories[2], seq(wfStarted, wft, wfCompleted))
}

// ---- 9. cron ----

// cron: a cron workflow ("@every 2s") counts its runs through the last completion result; after
// two completed runs the test terminates it. first_workflow_task_backoff depends on where in the
// 2 s grid a run starts or ends (1 s or 2 s, rounded up to whole seconds): it is checked to be in
// (0, 2s] and replaced by "<cron_backoff>" in the goldens.
func TestScenarioCron(t *testing.T) {
	e := newEnv(t, "cron")
	e.startWorker(worker.Options{})
	id := e.workflowID("wf")
	opts := e.startOptions(id)
	opts.CronSchedule = "@every 2s"
	run := e.start(opts, wfCronCount)
	t.Cleanup(func() { _ = e.c.TerminateWorkflow(e.ctx, id, "", "cleanup") })
	h1 := e.waitRunHistory(id, run.GetRunID(), "run 1 closed", closed)
	c1 := lastEvent(h1).GetWorkflowExecutionCompletedEventAttributes()
	if c1 == nil || c1.GetNewExecutionRunId() == "" {
		t.Fatalf("run 1 ended with %v, want WorkflowExecutionCompleted with new_execution_run_id", lastEvent(h1))
	}
	run2 := c1.GetNewExecutionRunId()
	h2 := e.waitRunHistory(id, run2, "run 2 closed", closed)
	c2 := lastEvent(h2).GetWorkflowExecutionCompletedEventAttributes()
	if c2 == nil || c2.GetNewExecutionRunId() == "" {
		t.Fatalf("run 2 ended with %v, want WorkflowExecutionCompleted with new_execution_run_id", lastEvent(h2))
	}
	mustNoErr(t, "terminate the cron workflow", e.c.TerminateWorkflow(e.ctx, id, "", "enough runs"))
	if cur := e.describe(id, "").GetWorkflowExecutionInfo(); cur.GetExecution().GetRunId() != c2.GetNewExecutionRunId() ||
		cur.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED {
		t.Errorf("current run %s status %v, want run 3 %s terminated", cur.GetExecution().GetRunId(), cur.GetStatus(), c2.GetNewExecutionRunId())
	}
	var n1, n2 int
	mustNoErr(t, "run 1 result", json.Unmarshal(c1.GetResult().GetPayloads()[0].GetData(), &n1))
	mustNoErr(t, "run 2 result", json.Unmarshal(c2.GetResult().GetPayloads()[0].GetData(), &n2))
	if n1 != 1 || n2 != 2 {
		t.Errorf("run results %d, %d, want 1, 2", n1, n2)
	}
	s1 := h1[0].GetWorkflowExecutionStartedEventAttributes()
	s2 := h2[0].GetWorkflowExecutionStartedEventAttributes()
	if s1.GetCronSchedule() != "@every 2s" || s2.GetCronSchedule() != "@every 2s" {
		t.Errorf("cron_schedule %q, %q", s1.GetCronSchedule(), s2.GetCronSchedule())
	}
	if s2.GetInitiator() != enumspb.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE {
		t.Errorf("run 2 initiator = %v, want CRON_SCHEDULE", s2.GetInitiator())
	}
	if s2.GetContinuedExecutionRunId() != run.GetRunID() || s2.GetFirstExecutionRunId() != run.GetRunID() {
		t.Errorf("run 2 continued_execution_run_id %q first_execution_run_id %q, want %q", s2.GetContinuedExecutionRunId(), s2.GetFirstExecutionRunId(), run.GetRunID())
	}
	if lc := s2.GetLastCompletionResult(); len(lc.GetPayloads()) != 1 || string(lc.GetPayloads()[0].GetData()) != "1" {
		t.Errorf("run 2 last_completion_result = %v, want 1", lc)
	}
	for i, s := range []*historypb.WorkflowExecutionStartedEventAttributes{s1, s2} {
		if b := s.GetFirstWorkflowTaskBackoff().AsDuration(); b <= 0 || b > 2*time.Second {
			t.Errorf("run %d first_workflow_task_backoff = %v, want in (0, 2s]", i+1, b)
		}
	}
	for i, h := range [][]*historypb.HistoryEvent{h1, h2} {
		got := withPlaceholder(e.scrub5(h), "first_workflow_task_backoff", "<cron_backoff>")
		e.checkScrubbed(fmt.Sprintf("cron_run%d", i+1), got, seq(wfStarted, wft, wfCompleted))
	}
}

// ---- 10. update ----

// update: an accepted and completed update; a rejected one (validator) that leaves no trace in
// history; a repeated update id answered with the first outcome; an update waited for at stage
// Accepted and then polled; outcomes readable after the workflow completed.
func TestScenarioUpdate(t *testing.T) {
	e := newEnv(t, "update")
	e.startWorker(worker.Options{})
	id := e.workflowID("wf")
	run := e.start(e.startOptions(id), wfUpdatable)
	e.waitWorkflowTasksCompleted(id, 1)
	update := func(updateID, name string, stage client.WorkflowUpdateStage, arg int) (client.WorkflowUpdateHandle, error) {
		return e.c.UpdateWorkflow(e.ctx, client.UpdateWorkflowOptions{
			WorkflowID: id, UpdateID: updateID, UpdateName: name, Args: []any{arg}, WaitForStage: stage,
		})
	}
	getInt := func(h client.WorkflowUpdateHandle) (int, error) {
		var n int
		err := h.Get(e.ctx, &n)
		return n, err
	}
	// (a) accepted and completed
	h, err := update("u1", updateAdd, client.WorkflowUpdateStageCompleted, 5)
	mustNoErr(t, "update u1", err)
	n, err := getInt(h)
	mustNoErr(t, "update u1 result", err)
	if n != 5 {
		t.Errorf("update u1 = %d, want 5", n)
	}
	// (b) rejected by the validator: no trace in history
	before := e.history(id, run.GetRunID())
	h, err = update("u-neg", updateAdd, client.WorkflowUpdateStageCompleted, -1)
	if err == nil {
		_, err = getInt(h)
	}
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Message() != "refusing negative number -1" {
		t.Errorf("rejected update: error = %v (%T), want ApplicationError %q", err, err, "refusing negative number -1")
	}
	after := e.history(id, run.GetRunID())
	if len(before) != len(after) {
		t.Errorf("rejected update changed the history: %d events before, %d after: %v", len(before), len(after), rawTypes(after))
	} else {
		for i := range before {
			if !proto.Equal(before[i], after[i]) {
				t.Errorf("rejected update changed event %d: %v → %v", i+1, before[i], after[i])
			}
		}
	}
	// (c) the same update id again: the first outcome, not a second execution
	h, err = update("u1", updateAdd, client.WorkflowUpdateStageCompleted, 100)
	mustNoErr(t, "update u1 again", err)
	n, err = getInt(h)
	mustNoErr(t, "update u1 again result", err)
	if n != 5 {
		t.Errorf("repeated update u1 = %d, want the first outcome 5", n)
	}
	// (e) wait for Accepted only, then poll for the outcome
	h, err = update("u2", updateAddSlow, client.WorkflowUpdateStageAccepted, 2)
	mustNoErr(t, "update u2 (accepted)", err)
	n, err = getInt(h)
	mustNoErr(t, "update u2 result", err)
	if n != 7 {
		t.Errorf("update u2 = %d, want 7", n)
	}
	mustNoErr(t, "signal finish", e.c.SignalWorkflow(e.ctx, id, "", signalFinish, nil))
	var total int
	mustNoErr(t, "workflow result", e.getResult(run, &total))
	if total != 7 {
		t.Errorf("result = %d, want 7", total)
	}
	// (d) outcomes after completion
	for updateID, want := range map[string]int{"u1": 5, "u2": 7} {
		n, err := getInt(e.c.GetWorkflowUpdateHandle(client.GetWorkflowUpdateHandleOptions{WorkflowID: id, RunID: run.GetRunID(), UpdateID: updateID}))
		mustNoErr(t, "update handle "+updateID+" after completion", err)
		if n != want {
			t.Errorf("update %s after completion = %d, want %d", updateID, n, want)
		}
	}
	raw := e.checkRun5(e.name, id, run.GetRunID(), seq(wfStarted, wft, wft, updAccepted, updCompleted,
		wft, updAccepted, timerStarted, timerFired, wft, updCompleted, wfSignaled, wft, wfCompleted))
	if n := countType(raw, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED); n != 2 {
		t.Errorf("%d UpdateAccepted events, want 2 (u1 once, u2)", n)
	}
}

// ---- 11. update-with-start ----

// update-with-start: one call starts the workflow and runs an update in it.
func TestScenarioUpdateWithStart(t *testing.T) {
	e := newEnv(t, "update_with_start")
	e.startWorker(worker.Options{})
	id := e.workflowID("wf")
	opts := e.startOptions(id)
	opts.WorkflowIDConflictPolicy = enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING
	op := e.c.NewWithStartWorkflowOperation(opts, wfUpdatable)
	h, err := e.c.UpdateWithStartWorkflow(e.ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: op,
		UpdateOptions: client.UpdateWorkflowOptions{
			UpdateID: "uws-1", UpdateName: updateAdd, Args: []any{3}, WaitForStage: client.WorkflowUpdateStageCompleted,
		},
	})
	mustNoErr(t, "UpdateWithStartWorkflow", err)
	var n int
	mustNoErr(t, "update result", h.Get(e.ctx, &n))
	if n != 3 {
		t.Errorf("update result = %d, want 3", n)
	}
	run, err := op.Get(e.ctx)
	mustNoErr(t, "start operation", err)
	if h.RunID() != run.GetRunID() {
		t.Errorf("update ran in run %s, the start operation started %s", h.RunID(), run.GetRunID())
	}
	mustNoErr(t, "signal finish", e.c.SignalWorkflow(e.ctx, id, "", signalFinish, nil))
	mustNoErr(t, "workflow result", e.getResult(run, &n))
	if n != 3 {
		t.Errorf("result = %d, want 3", n)
	}
	e.checkRun5(e.name, id, run.GetRunID(), seq(wfStarted, wft, updAccepted, updCompleted, wfSignaled, wft, wfCompleted))
}

// ---- 12. reset ----

// reset: a workflow collecting 3 signals got 2; it is reset to its first WorkflowTaskCompleted.
// The old run is terminated; the new run has WorkflowTaskFailed(RESET_WORKFLOW) and the two
// signals re-applied once; a third signal finishes it.
func TestScenarioReset(t *testing.T) {
	e := newEnv(t, "reset")
	e.startWorker(worker.Options{})
	id := e.workflowID("wf")
	run := e.start(e.startOptions(id), wfSignals, 3)
	e.waitWorkflowTasksCompleted(id, 1)
	mustNoErr(t, "signal a", e.c.SignalWorkflow(e.ctx, id, "", signalMessage, "a"))
	e.waitWorkflowTasksCompleted(id, 2)
	mustNoErr(t, "signal b", e.c.SignalWorkflow(e.ctx, id, "", signalMessage, "b"))
	old := e.waitRunHistory(id, run.GetRunID(), "both signals processed", blockedAfter(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, 2))
	var finishID int64
	if ev := firstEvent(old, enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED); ev != nil {
		finishID = ev.GetEventId()
	}
	resp, err := e.c.ResetWorkflowExecution(e.ctx, &workflowservice.ResetWorkflowExecutionRequest{
		Namespace:                 namespace,
		WorkflowExecution:         &commonpb.WorkflowExecution{WorkflowId: id, RunId: run.GetRunID()},
		Reason:                    "reset by the scenario",
		WorkflowTaskFinishEventId: finishID,
		RequestId:                 "reset-" + randomSuffix(),
	})
	mustNoErr(t, "ResetWorkflowExecution", err)
	newRun := resp.GetRunId()
	if newRun == "" || newRun == run.GetRunID() {
		t.Fatalf("reset returned run id %q", newRun)
	}
	e.waitRunHistory(id, newRun, "the reset run processed the re-applied signals", blockedAfter(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, 2))
	mustNoErr(t, "signal c", e.c.SignalWorkflow(e.ctx, id, "", signalMessage, "c"))
	var out []string
	mustNoErr(t, "new run result", e.c.GetWorkflow(e.ctx, id, newRun).Get(e.ctx, &out))
	if want := []string{"a", "b", "c"}; !reflect.DeepEqual(out, want) {
		t.Errorf("result = %q, want %q", out, want)
	}
	err = e.getResult(run, nil)
	var terminated *temporal.TerminatedError
	if !errors.As(err, &terminated) {
		t.Errorf("old run: error = %v, want TerminatedError", err)
	}
	e.check5("reset_old_run", e.history(id, run.GetRunID()),
		seq(wfStarted, wft, wfSignaled, wft, wfSignaled, wft, wfTerminated))
	rawNew := e.history(id, newRun)
	e.check5("reset_new_run", rawNew,
		seq(wfStarted, wftScheduled, wftStarted, wftFailed, wfSignaled, wfSignaled, wft, wfSignaled, wft, wfCompleted))
	if f := firstEvent(rawNew, enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED); f != nil {
		a := f.GetWorkflowTaskFailedEventAttributes()
		if a.GetCause() != enumspb.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW || a.GetBaseRunId() != run.GetRunID() || a.GetNewRunId() != newRun {
			t.Errorf("WorkflowTaskFailed cause %v base_run_id %q new_run_id %q, want RESET_WORKFLOW %q %q", a.GetCause(), a.GetBaseRunId(), a.GetNewRunId(), run.GetRunID(), newRun)
		}
	}
	// The reset run's Started is a copy of the base run's: both run ids name the old run.
	if s := rawNew[0].GetWorkflowExecutionStartedEventAttributes(); s.GetOriginalExecutionRunId() != run.GetRunID() || s.GetFirstExecutionRunId() != run.GetRunID() {
		t.Errorf("reset run Started original_execution_run_id %q first_execution_run_id %q, want the old run %s for both",
			s.GetOriginalExecutionRunId(), s.GetFirstExecutionRunId(), run.GetRunID())
	}
	if got := e.describe(id, newRun).GetWorkflowExecutionInfo().GetFirstRunId(); got != run.GetRunID() {
		t.Errorf("reset run Describe first_run_id = %q, want the old run %s", got, run.GetRunID())
	}
}

// ---- 13. delete ----

// delete: DeleteWorkflowExecution of a completed workflow is accepted; the reference deletes a
// closed run only once its transfer queue ack level passed the close task (updated every 30 s, then
// the delete task retries with backoff: about 1–3 min), too slow to wait for here. A running
// workflow is terminated and deleted in its close task: Describe and the history answer NotFound
// within a second or so (polled for up to 15 s). The golden is the completed workflow's history.
func TestScenarioDelete(t *testing.T) {
	e := newEnv(t, "delete")
	e.startWorker(worker.Options{})
	id := e.workflowID("wf")
	run := e.start(e.startOptions(id), wfHello, "Delete")
	var out string
	mustNoErr(t, "workflow result", e.getResult(run, &out))
	e.checkRun5(e.name, id, run.GetRunID(), helloTypes)
	deleteRun := func(id, runID string) error {
		_, err := e.c.WorkflowService().DeleteWorkflowExecution(e.ctx, &workflowservice.DeleteWorkflowExecutionRequest{
			Namespace:         namespace,
			WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: id, RunId: runID},
		})
		return err
	}
	mustNoErr(t, "DeleteWorkflowExecution (completed)", deleteRun(id, run.GetRunID()))

	rid := e.workflowID("running")
	running := e.start(e.startOptions(rid), wfWaitSignalOrCancel)
	e.waitWorkflowTasksCompleted(rid, 1)
	mustNoErr(t, "DeleteWorkflowExecution (running)", deleteRun(rid, running.GetRunID()))
	begin := time.Now()
	for {
		_, err := e.c.DescribeWorkflowExecution(e.ctx, rid, running.GetRunID())
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			break
		}
		if time.Since(begin) > 15*time.Second {
			t.Fatalf("Describe of the deleted running workflow after 15 s: error %v, want NotFound", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("the deleted running workflow was gone after %v", time.Since(begin).Round(time.Millisecond))
	_, err := fetchHistory(e.ctx, e.c, rid, running.GetRunID())
	var nf *serviceerror.NotFound
	if !errors.As(err, &nf) {
		t.Errorf("history of the deleted workflow: error %v (%T), want NotFound", err, err)
	}
	// Deleting it again: NotFound.
	if err := deleteRun(rid, running.GetRunID()); !errors.As(err, &nf) {
		t.Errorf("second DeleteWorkflowExecution: error %v (%T), want NotFound", err, err)
	}
}

// ---- 14. eager workflow start ----

// eagerObserver records, through a gRPC interceptor on the client shared by starter and worker,
// what the eager paths carried.
type eagerObserver struct {
	mu                    sync.Mutex
	startAskedEager       bool
	startGotTask          bool
	activityCommandsEager int
	eagerActivityTasks    int
	polledActivityTasks   int
}

func (o *eagerObserver) intercept(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	o.mu.Lock()
	defer o.mu.Unlock()
	switch r := req.(type) {
	case *workflowservice.StartWorkflowExecutionRequest:
		o.startAskedEager = r.GetRequestEagerExecution()
		if resp, ok := reply.(*workflowservice.StartWorkflowExecutionResponse); ok && err == nil {
			o.startGotTask = resp.GetEagerWorkflowTask() != nil
		}
	case *workflowservice.RespondWorkflowTaskCompletedRequest:
		for _, c := range r.GetCommands() {
			if c.GetScheduleActivityTaskCommandAttributes().GetRequestEagerExecution() {
				o.activityCommandsEager++
			}
		}
		if resp, ok := reply.(*workflowservice.RespondWorkflowTaskCompletedResponse); ok && err == nil {
			o.eagerActivityTasks += len(resp.GetActivityTasks())
		}
	case *workflowservice.PollActivityTaskQueueRequest:
		if resp, ok := reply.(*workflowservice.PollActivityTaskQueueResponse); ok && err == nil && len(resp.GetTaskToken()) > 0 {
			o.polledActivityTasks++
		}
	}
	return err
}

// eager workflow start: with a worker of the same client in the process, the start request asks
// for eager execution and the server hands the first workflow task back in the start response
// (eager_execution_accepted in WorkflowExecutionStarted). The worker then asks for its activity to
// run eagerly; the reference (dev server) does not (eager activities are off by default), the
// activity is polled. The history looks like hello_activity's.
func TestScenarioEagerWorkflowStart(t *testing.T) {
	e := newEnv(t, "eager_workflow_start")
	obs := &eagerObserver{}
	dctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, err := client.DialContext(dctx, client.Options{
		HostPort:          e.hostPort,
		Namespace:         namespace,
		Identity:          "eager-client",
		Logger:            sdkLogger(),
		ConnectionOptions: client.ConnectionOptions{DialOptions: []grpc.DialOption{grpc.WithChainUnaryInterceptor(obs.intercept)}},
	})
	mustNoErr(t, "dialing the eager client", err)
	t.Cleanup(c.Close)
	w := worker.New(c, e.tq, worker.Options{})
	registerAll(w, e.acts)
	mustNoErr(t, "starting worker", w.Start())
	t.Cleanup(w.Stop)
	id := e.workflowID("wf")
	opts := e.startOptions(id)
	opts.EnableEagerStart = true
	run, err := c.ExecuteWorkflow(e.ctx, opts, wfHello, "Eager")
	mustNoErr(t, "ExecuteWorkflow", err)
	var out string
	mustNoErr(t, "workflow result", run.Get(e.ctx, &out))
	if out != "Hello, Eager!" {
		t.Errorf("result = %q", out)
	}
	raw := e.checkRun5(e.name, id, run.GetRunID(), helloTypes)
	if !raw[0].GetWorkflowExecutionStartedEventAttributes().GetEagerExecutionAccepted() {
		t.Errorf("WorkflowExecutionStarted.eager_execution_accepted is false")
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if !obs.startAskedEager || !obs.startGotTask {
		t.Errorf("StartWorkflowExecution: request_eager_execution=%v, eager_workflow_task returned=%v; want both", obs.startAskedEager, obs.startGotTask)
	}
	t.Logf("activity commands with request_eager_execution: %d, activity tasks returned eagerly: %d, activity tasks polled: %d",
		obs.activityCommandsEager, obs.eagerActivityTasks, obs.polledActivityTasks)
	// The reference dev server leaves eager activity execution off (system.enableActivityEagerExecution
	// defaults to false): the request is ignored and the activity goes through a poll. Ignoring it
	// is always legal; returning the task would be too (then 1, 1, 0).
	if obs.activityCommandsEager != 1 || obs.eagerActivityTasks+obs.polledActivityTasks != 1 {
		t.Errorf("eager activity: %d commands asked, %d tasks returned in the completion response, %d polled; want 1 asked and the task delivered once",
			obs.activityCommandsEager, obs.eagerActivityTasks, obs.polledActivityTasks)
	}
}

// ---- 15. limits ----

// blob size limit: a 2.1 MiB signal is refused with InvalidArgument; the workflow is unaffected.
func TestScenarioLimitsBlob(t *testing.T) {
	e := newEnv(t, "limits_blob")
	e.startWorker(worker.Options{})
	id := e.workflowID("wf")
	run := e.start(e.startOptions(id), wfWaitSignalOrCancel)
	e.waitWorkflowTasksCompleted(id, 1)
	big := strings.Repeat("x", 2*1024*1024+100*1024)
	err := e.c.SignalWorkflow(e.ctx, id, "", signalMessage, big)
	var ia *serviceerror.InvalidArgument
	if !errors.As(err, &ia) {
		t.Errorf("2.1 MiB signal: error = %v (%T), want InvalidArgument", err, err)
	} else if want := "Blob data size exceeds limit."; ia.Error() != want {
		t.Errorf("2.1 MiB signal: message %q, want %q", ia.Error(), want)
	}
	mustNoErr(t, "small signal", e.c.SignalWorkflow(e.ctx, id, "", signalMessage, "small"))
	var out string
	mustNoErr(t, "workflow result", e.getResult(run, &out))
	if out != "got small" {
		t.Errorf("result = %q", out)
	}
	e.checkRun5(e.name, id, run.GetRunID(), seq(wfStarted, wft, wfSignaled, wft, wfCompleted))
}
