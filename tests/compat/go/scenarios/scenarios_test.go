//go:build scenarios

package scenarios

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
)

// Event type names as they appear in the scrubbed histories.
const (
	wfStarted         = "WorkflowExecutionStarted"
	wfCompleted       = "WorkflowExecutionCompleted"
	wfFailed          = "WorkflowExecutionFailed"
	wfTimedOut        = "WorkflowExecutionTimedOut"
	wfCancelRequested = "WorkflowExecutionCancelRequested"
	wfCanceled        = "WorkflowExecutionCanceled"
	wfSignaled        = "WorkflowExecutionSignaled"
	wfTerminated      = "WorkflowExecutionTerminated"
	wftScheduled      = "WorkflowTaskScheduled"
	wftStarted        = "WorkflowTaskStarted"
	wftCompleted      = "WorkflowTaskCompleted"
	wftTimedOut       = "WorkflowTaskTimedOut"
	actScheduled      = "ActivityTaskScheduled"
	actStarted        = "ActivityTaskStarted"
	actCompleted      = "ActivityTaskCompleted"
	actTimedOut       = "ActivityTaskTimedOut"
	actCancelReq      = "ActivityTaskCancelRequested"
	actCanceled       = "ActivityTaskCanceled"
	timerStarted      = "TimerStarted"
	timerFired        = "TimerFired"
	timerCanceled     = "TimerCanceled"
)

// wft is one complete workflow task: scheduled, started, completed.
var wft = []string{wftScheduled, wftStarted, wftCompleted}

// seq flattens strings and string slices into one event type sequence.
func seq(parts ...any) []string {
	var out []string
	for _, p := range parts {
		switch x := p.(type) {
		case string:
			out = append(out, x)
		case []string:
			out = append(out, x...)
		default:
			panic(fmt.Sprintf("seq: %T", p))
		}
	}
	return out
}

// helloTypes is the history of a workflow that runs one activity and returns its result.
var helloTypes = seq(wfStarted, wft, actScheduled, actStarted, actCompleted, wft, wfCompleted)

// hello activity: one activity, its result returned by the workflow.
func TestScenarioHelloActivity(t *testing.T) {
	e := newEnv(t, "hello_activity")
	e.startWorker(worker.Options{})
	id := e.workflowID("wf")
	run := e.start(e.startOptions(id), wfHello, "World")
	var out string
	mustNoErr(t, "workflow result", e.getResult(run, &out))
	if out != "Hello, World!" {
		t.Errorf("result = %q, want %q", out, "Hello, World!")
	}
	e.checkHistory(id, run.GetRunID(), helloTypes)
}

// activity failing twice then succeeding: retries are server-side and invisible in history, the
// one ActivityTaskStarted carries attempt 3 and the last failure.
func TestScenarioActivityRetry(t *testing.T) {
	e := newEnv(t, "activity_retry")
	e.startWorker(worker.Options{})
	id := e.workflowID("wf")
	opts := e.startOptions(id)
	opts.WorkflowExecutionTimeout = 30 * time.Second
	run := e.start(opts, wfActivityRetry)
	var out string
	mustNoErr(t, "workflow result", e.getResult(run, &out))
	if out != "succeeded on attempt 3" {
		t.Errorf("result = %q, want %q", out, "succeeded on attempt 3")
	}
	raw := e.checkHistory(id, run.GetRunID(), helloTypes)
	for _, ev := range raw {
		if a := ev.GetActivityTaskStartedEventAttributes(); a != nil {
			if a.GetAttempt() != 3 {
				t.Errorf("ActivityTaskStarted.attempt = %d, want 3", a.GetAttempt())
			}
			if msg := a.GetLastFailure().GetMessage(); msg != "attempt 2 failed" {
				t.Errorf("ActivityTaskStarted.last_failure.message = %q, want %q", msg, "attempt 2 failed")
			}
		}
	}
}

// heartbeat timeout then retry: attempt 1 heartbeats once and stalls; the server times it out on
// the heartbeat timeout and retries; attempt 2 reads the heartbeat details of attempt 1.
func TestScenarioActivityHeartbeatTimeoutRetry(t *testing.T) {
	e := newEnv(t, "activity_heartbeat_timeout_retry")
	e.startWorker(worker.Options{})
	id := e.workflowID("wf")
	run := e.start(e.startOptions(id), wfHeartbeatRetry)
	var out string
	mustNoErr(t, "workflow result", e.getResult(run, &out))
	if want := "attempt 2 resumed from progress of attempt 1"; out != want {
		t.Errorf("result = %q, want %q", out, want)
	}
	raw := e.checkHistory(id, run.GetRunID(), helloTypes)
	for _, ev := range raw {
		if a := ev.GetActivityTaskStartedEventAttributes(); a != nil {
			if a.GetAttempt() != 2 {
				t.Errorf("ActivityTaskStarted.attempt = %d, want 2", a.GetAttempt())
			}
			tt := a.GetLastFailure().GetTimeoutFailureInfo().GetTimeoutType()
			if tt != enumspb.TIMEOUT_TYPE_HEARTBEAT {
				t.Errorf("ActivityTaskStarted.last_failure timeout type = %v, want HEARTBEAT", tt)
			}
		}
	}
}

// start-to-close timeout exhausting retries: both attempts outlive their start-to-close timeout;
// the activity times out with MAXIMUM_ATTEMPTS_REACHED and the workflow fails with it.
func TestScenarioActivityStartToCloseTimeout(t *testing.T) {
	e := newEnv(t, "activity_start_to_close_timeout")
	e.startWorker(worker.Options{})
	id := e.workflowID("wf")
	run := e.start(e.startOptions(id), wfStartToClose)
	err := e.getResult(run, nil)
	var timeoutErr *temporal.TimeoutError
	if !errors.As(err, &timeoutErr) || timeoutErr.TimeoutType() != enumspb.TIMEOUT_TYPE_START_TO_CLOSE {
		t.Fatalf("workflow error = %v, want an activity start-to-close TimeoutError", err)
	}
	var actErr *temporal.ActivityError
	if !errors.As(err, &actErr) || actErr.RetryState() != enumspb.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED {
		t.Errorf("workflow error = %v, want an ActivityError with retry state MAXIMUM_ATTEMPTS_REACHED", err)
	}
	e.checkHistory(id, run.GetRunID(), seq(wfStarted, wft, actScheduled, actStarted, actTimedOut, wft, wfFailed))
}

// timer: a 1 s timer, fired by the server.
func TestScenarioTimer(t *testing.T) {
	e := newEnv(t, "timer")
	e.startWorker(worker.Options{})
	id := e.workflowID("wf")
	begin := time.Now()
	run := e.start(e.startOptions(id), wfTimer, time.Second)
	var out string
	mustNoErr(t, "workflow result", e.getResult(run, &out))
	if out != "timer fired" {
		t.Errorf("result = %q", out)
	}
	if elapsed := time.Since(begin); elapsed < time.Second {
		t.Errorf("workflow with a 1s timer completed after %v", elapsed)
	}
	e.checkHistory(id, run.GetRunID(), seq(wfStarted, wft, timerStarted, timerFired, wft, wfCompleted))
}

// signals before and after start: two signals reach the workflow before any worker polls (they
// land between WorkflowTaskScheduled and WorkflowTaskStarted), a third after the first workflow
// task completed; the workflow returns them in order.
func TestScenarioSignalsBeforeAndAfterStart(t *testing.T) {
	e := newEnv(t, "signals_before_and_after_start")
	id := e.workflowID("wf")
	run := e.start(e.startOptions(id), wfSignals, 3)
	for _, s := range []string{"before-1", "before-2"} {
		mustNoErr(t, "signal "+s, e.c.SignalWorkflow(e.ctx, id, "", signalMessage, s))
	}
	e.startWorker(worker.Options{})
	e.waitWorkflowTasksCompleted(id, 1)
	mustNoErr(t, "signal after-1", e.c.SignalWorkflow(e.ctx, id, "", signalMessage, "after-1"))
	var out []string
	mustNoErr(t, "workflow result", e.getResult(run, &out))
	if want := []string{"before-1", "before-2", "after-1"}; !reflect.DeepEqual(out, want) {
		t.Errorf("result = %q, want %q", out, want)
	}
	e.checkHistory(id, run.GetRunID(),
		seq(wfStarted, wftScheduled, wfSignaled, wfSignaled, wftStarted, wftCompleted, wfSignaled, wft, wfCompleted))
}

// signal-with-start: the first SignalWithStart starts the workflow with its signal, the second
// signals the running workflow (no new run).
func TestScenarioSignalWithStart(t *testing.T) {
	e := newEnv(t, "signal_with_start")
	e.startWorker(worker.Options{})
	id := e.workflowID("wf")
	run, err := e.c.SignalWithStartWorkflow(e.ctx, id, signalMessage, "first", e.startOptions(id), wfSignals, 2)
	mustNoErr(t, "SignalWithStartWorkflow (start)", err)
	e.waitWorkflowTasksCompleted(id, 1)
	run2, err := e.c.SignalWithStartWorkflow(e.ctx, id, signalMessage, "second", e.startOptions(id), wfSignals, 2)
	mustNoErr(t, "SignalWithStartWorkflow (signal)", err)
	if run2.GetRunID() != run.GetRunID() {
		t.Errorf("SignalWithStart on a running workflow started run %s, want the running %s", run2.GetRunID(), run.GetRunID())
	}
	var out []string
	mustNoErr(t, "workflow result", e.getResult(run, &out))
	if want := []string{"first", "second"}; !reflect.DeepEqual(out, want) {
		t.Errorf("result = %q, want %q", out, want)
	}
	e.checkHistory(id, run.GetRunID(), seq(wfStarted, wfSignaled, wft, wfSignaled, wft, wfCompleted))
}

// query with a running worker: the query handler answers while the workflow waits; an unknown
// query type fails with QueryFailed; after completion the closed workflow still answers.
// Queries leave no trace in history.
func TestScenarioQueryRunningWorker(t *testing.T) {
	e := newEnv(t, "query_running_worker")
	e.startWorker(worker.Options{})
	id := e.workflowID("wf")
	run := e.start(e.startOptions(id), wfQuery)
	e.waitWorkflowTasksCompleted(id, 1)

	query := func(queryType string) (string, error) {
		v, err := e.c.QueryWorkflow(e.ctx, id, "", queryType)
		if err != nil {
			return "", err
		}
		var s string
		err = v.Get(&s)
		return s, err
	}
	s, err := query(queryState)
	mustNoErr(t, "query state", err)
	if s != "waiting for finish" {
		t.Errorf("query state = %q, want %q", s, "waiting for finish")
	}
	_, err = query("no-such-query")
	var qf *serviceerror.QueryFailed
	if !errors.As(err, &qf) || !strings.Contains(err.Error(), "no-such-query") {
		t.Errorf("unknown query type: error = %v, want QueryFailed naming the query type", err)
	}

	mustNoErr(t, "signal finish", e.c.SignalWorkflow(e.ctx, id, "", signalFinish, "now"))
	var out string
	mustNoErr(t, "workflow result", e.getResult(run, &out))
	if out != "done: now" {
		t.Errorf("result = %q, want %q", out, "done: now")
	}
	s, err = query(queryState)
	mustNoErr(t, "query state of the closed workflow", err)
	if s != "finished with now" {
		t.Errorf("query state after completion = %q, want %q", s, "finished with now")
	}
	e.checkHistory(id, run.GetRunID(), seq(wfStarted, wft, wfSignaled, wft, wfCompleted))
}

// query with no worker: with the only worker stopped, a query blocks until the client's deadline
// and fails with DeadlineExceeded; a new worker then finishes the workflow. On the reference the
// stopped worker's ShutdownWorker (naming its sticky queue) makes that sticky queue unavailable, the
// query aimed at it clears the workflow's stickiness and waits on the normal queue, so the workflow
// task after the signal is on the NORMAL queue (without the query it would be sticky again: the Go
// SDK reuses one sticky queue name per process).
func TestScenarioQueryNoWorker(t *testing.T) {
	e := newEnv(t, "query_no_worker")
	w := e.newWorker(worker.Options{})
	mustNoErr(t, "starting worker", w.Start())
	id := e.workflowID("wf")
	run := e.start(e.startOptions(id), wfQuery)
	e.waitWorkflowTasksCompleted(id, 1)
	w.Stop()
	// Stop cancels the worker's long polls client-side and returns; give the server a moment to
	// see them gone, or the query may still be matched to a dying poll and answered by the
	// stopping worker (seen once in ~20 runs against the reference).
	time.Sleep(time.Second)

	const deadline = 2 * time.Second
	qctx, cancel := context.WithTimeout(e.ctx, deadline)
	begin := time.Now()
	_, err := e.c.QueryWorkflow(qctx, id, "", queryState)
	elapsed := time.Since(begin)
	cancel()
	var de *serviceerror.DeadlineExceeded
	if !errors.As(err, &de) {
		t.Errorf("query with no worker after %v: error = %v (%T), want *serviceerror.DeadlineExceeded", elapsed, err, err)
	}
	if elapsed < deadline-200*time.Millisecond || elapsed > deadline+2*time.Second {
		t.Errorf("query with no worker returned after %v, want at the %v client deadline", elapsed, deadline)
	}

	e.startWorker(worker.Options{})
	mustNoErr(t, "signal finish", e.c.SignalWorkflow(e.ctx, id, "", signalFinish, "later"))
	var out string
	mustNoErr(t, "workflow result", e.getResult(run, &out))
	if out != "done: later" {
		t.Errorf("result = %q, want %q", out, "done: later")
	}
	raw := e.checkHistory(id, run.GetRunID(), seq(wfStarted, wft, wfSignaled, wft, wfCompleted))
	var kinds []enumspb.TaskQueueKind
	for _, ev := range raw {
		if a := ev.GetWorkflowTaskScheduledEventAttributes(); a != nil {
			kinds = append(kinds, a.GetTaskQueue().GetKind())
		}
	}
	if want := []enumspb.TaskQueueKind{enumspb.TASK_QUEUE_KIND_NORMAL, enumspb.TASK_QUEUE_KIND_NORMAL}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("workflow task queue kinds = %v, want %v (stickiness cleared by the worker's shutdown)", kinds, want)
	}
}

// workflow cancellation handled by the workflow: the cancel request cancels the workflow's timer,
// the workflow runs a cleanup activity and then completes as canceled.
func TestScenarioWorkflowCancelHandled(t *testing.T) {
	e := newEnv(t, "workflow_cancel_handled")
	e.startWorker(worker.Options{})
	id := e.workflowID("wf")
	run := e.start(e.startOptions(id), wfCancelHandled)
	e.waitWorkflowTasksCompleted(id, 1)
	mustNoErr(t, "CancelWorkflow", e.c.CancelWorkflow(e.ctx, id, ""))
	err := e.getResult(run, nil)
	var canceled *temporal.CanceledError
	if !errors.As(err, &canceled) {
		t.Errorf("workflow error = %v, want CanceledError", err)
	}
	if n := e.acts.cleanupRan.Load(); n != 1 {
		t.Errorf("cleanup activity ran %d times, want 1", n)
	}
	e.checkHistory(id, run.GetRunID(), seq(wfStarted, wft, timerStarted, wfCancelRequested, wft, timerCanceled,
		actScheduled, actStarted, actCompleted, wft, wfCanceled))
}

// terminate: a waiting workflow is terminated with a reason and details.
func TestScenarioTerminate(t *testing.T) {
	e := newEnv(t, "terminate")
	e.startWorker(worker.Options{})
	id := e.workflowID("wf")
	run := e.start(e.startOptions(id), wfSignals, 1)
	e.waitWorkflowTasksCompleted(id, 1)
	mustNoErr(t, "TerminateWorkflow", e.c.TerminateWorkflow(e.ctx, id, "", "terminated by the scenario", "detail-1"))
	err := e.getResult(run, nil)
	var terminated *temporal.TerminatedError
	if !errors.As(err, &terminated) {
		t.Errorf("workflow error = %v, want TerminatedError", err)
	}
	e.checkHistory(id, run.GetRunID(), seq(wfStarted, wft, wfTerminated))
}

// execution timeout: a workflow waiting for a signal that never comes times out after its 2 s
// execution timeout.
func TestScenarioExecutionTimeout(t *testing.T) {
	e := newEnv(t, "execution_timeout")
	e.startWorker(worker.Options{})
	id := e.workflowID("wf")
	opts := e.startOptions(id)
	opts.WorkflowExecutionTimeout = 2 * time.Second
	begin := time.Now()
	run := e.start(opts, wfSignals, 1)
	err := e.getResult(run, nil)
	var timeoutErr *temporal.TimeoutError
	if !errors.As(err, &timeoutErr) {
		t.Errorf("workflow error = %v, want TimeoutError", err)
	}
	if elapsed := time.Since(begin); elapsed < 2*time.Second {
		t.Errorf("workflow with a 2s execution timeout timed out after %v", elapsed)
	}
	e.checkHistory(id, run.GetRunID(), seq(wfStarted, wft, wfTimedOut))
}

// activity cancellation: the workflow cancels a heartbeating activity; the activity sees the
// cancellation through its heartbeat and reports itself canceled.
func TestScenarioActivityCancellation(t *testing.T) {
	e := newEnv(t, "activity_cancellation")
	e.startWorker(worker.Options{})
	id := e.workflowID("wf")
	run := e.start(e.startOptions(id), wfActivityCancel)
	var out string
	mustNoErr(t, "workflow result", e.getResult(run, &out))
	if out != "activity canceled" {
		t.Errorf("result = %q, want %q", out, "activity canceled")
	}
	if !e.acts.sawCancel.Load() {
		t.Errorf("the activity did not observe its cancellation")
	}
	e.checkHistory(id, run.GetRunID(), seq(wfStarted, wft, actScheduled, wfSignaled, wft, actCancelReq,
		actStarted, actCanceled, wft, wfCompleted))
}

// 200 concurrent workflows, each running one activity: all complete with their own result. The
// golden is the history of the first one.
func TestScenarioConcurrent200(t *testing.T) {
	e := newEnv(t, "concurrent_200")
	e.startWorker(worker.Options{})
	const n = 200
	ids := make([]string, n)
	for i := range ids {
		ids[i] = e.workflowID(fmt.Sprintf("%03d", i))
	}
	runIDs := make([]string, n)
	errs := make([]error, n)
	sem := make(chan struct{}, 50)
	var wg sync.WaitGroup
	begin := time.Now()
	// Workflow 0 is started first and alone, so that a server that cannot start workflows fails
	// the scenario at once instead of after 200 start timeouts.
	run0 := e.start(e.startOptions(ids[0]), wfHello, "w000")
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			name := fmt.Sprintf("w%03d", i)
			var run client.WorkflowRun = run0
			if i > 0 {
				var err error
				if run, err = e.c.ExecuteWorkflow(e.ctx, e.startOptions(ids[i]), wfHello, name); err != nil {
					errs[i] = fmt.Errorf("start: %w", err)
					return
				}
			}
			runIDs[i] = run.GetRunID()
			var out string
			if err := run.Get(e.ctx, &out); err != nil {
				errs[i] = fmt.Errorf("result: %w", err)
			} else if want := "Hello, " + name + "!"; out != want {
				errs[i] = fmt.Errorf("result %q, want %q", out, want)
			}
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(begin)
	completed, reported := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			completed++
		case reported < 5:
			reported++
			t.Errorf("workflow %d: %v", i, err)
		}
	}
	t.Logf("%d/%d workflows completed in %v (%.1f workflows/s)", completed, n, elapsed.Round(time.Millisecond),
		float64(completed)/elapsed.Seconds())
	if completed != n {
		t.Fatalf("%d of %d workflows completed", completed, n)
	}
	// Every history must end in WorkflowExecutionCompleted; other shapes (e.g. a sticky workflow
	// task timing out under load) are legal but reported.
	odd, unclosed := 0, 0
	for i := 1; i < n; i++ {
		raw := e.history(ids[i], runIDs[i])
		types := rawTypes(raw)
		if len(types) == 0 || types[len(types)-1] != wfCompleted {
			if unclosed++; unclosed <= 5 {
				t.Errorf("workflow %d: history does not end in %s: %v", i, wfCompleted, types)
			}
		} else if strings.Join(types, ",") != strings.Join(helloTypes, ",") {
			if odd++; odd <= 5 {
				t.Logf("workflow %d: history shape differs from the representative: %v", i, types)
			}
		}
	}
	if unclosed > 0 {
		t.Errorf("%d of %d histories do not end in %s", unclosed, n-1, wfCompleted)
	}
	t.Logf("%d of %d histories differ in shape from the representative", odd, n-1)
	e.checkHistory(ids[0], runIDs[0], helloTypes)
}

// a worker killed mid-workflow and replaced: worker A (a separate process) runs the first
// activity and is killed with SIGKILL while the workflow waits for a signal; worker B (this
// process, which never saw the workflow) must replay the full history and finish it. The
// workflow task dispatched to A's sticky queue times out (SCHEDULE_TO_START) and moves to the
// normal queue.
func TestScenarioWorkerReplaced(t *testing.T) {
	e := newEnv(t, "worker_replaced")
	exe, err := os.Executable()
	mustNoErr(t, "os.Executable", err)
	cmd := exec.Command(exe, "-test.run=^TestHelperWorkerProcess$", "-test.v")
	cmd.Env = append(os.Environ(),
		"HDO_SCENARIO_WORKER_HOSTPORT="+e.hostPort,
		"HDO_SCENARIO_WORKER_TQ="+e.tq,
		"HDO_SCENARIO_WORKER_IDENTITY=worker-A")
	stdin, err := cmd.StdinPipe()
	mustNoErr(t, "stdin pipe", err)
	stdout, err := cmd.StdoutPipe()
	mustNoErr(t, "stdout pipe", err)
	cmd.Stderr = os.Stderr
	mustNoErr(t, "starting worker process A", cmd.Start())
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == helperReadyLine {
				ready <- true
			}
		}
		close(ready)
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("worker process A exited before it was ready")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("worker process A not ready within 30s")
	}

	id := e.workflowID("wf")
	run := e.start(e.startOptions(id), wfReplacedWorker)
	e.waitHistory(id, "the first activity's result processed", func(evs []*historypb.HistoryEvent) bool {
		return countType(evs, enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) == 1 &&
			countType(evs, enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) == 2
	})
	mustNoErr(t, "killing worker process A", cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	// The server learns that A's connection closed, and drops A's parked sticky poll, a moment
	// after the kill (the reference server too). A signal that overtakes that hands its workflow
	// task to the dead poll, which then times out after StartToClose (10 s) instead of
	// ScheduleToStart on the sticky queue, as the golden history has it: give the server that
	// moment (a CI run on a loaded machine lost the race once).
	time.Sleep(500 * time.Millisecond)

	replayObserved.Store(false)
	e.startWorker(worker.Options{Identity: "worker-B"})
	mustNoErr(t, "signal proceed", e.c.SignalWorkflow(e.ctx, id, "", signalProceed, nil))
	var out string
	mustNoErr(t, "workflow result", e.getResult(run, &out))
	if out != "step one,step two" {
		t.Errorf("result = %q, want %q", out, "step one,step two")
	}
	if !replayObserved.Load() {
		t.Errorf("worker B did not replay the workflow from its history")
	}
	raw := e.checkHistory(id, run.GetRunID(), seq(wfStarted, wft, actScheduled, actStarted, actCompleted, wft,
		wfSignaled, wftScheduled, wftTimedOut, wft, actScheduled, actStarted, actCompleted, wft, wfCompleted))
	// Who did what: A ran the first two workflow tasks and the first activity, B the rest.
	var wftIdentities, actIdentities []string
	for _, ev := range raw {
		if a := ev.GetWorkflowTaskStartedEventAttributes(); a != nil {
			wftIdentities = append(wftIdentities, a.GetIdentity())
		}
		if a := ev.GetActivityTaskStartedEventAttributes(); a != nil {
			actIdentities = append(actIdentities, a.GetIdentity())
		}
	}
	if want := []string{"worker-A", "worker-A", "worker-B", "worker-B"}; !reflect.DeepEqual(wftIdentities, want) {
		t.Errorf("WorkflowTaskStarted identities = %q, want %q", wftIdentities, want)
	}
	if want := []string{"worker-A", "worker-B"}; !reflect.DeepEqual(actIdentities, want) {
		t.Errorf("ActivityTaskStarted identities = %q, want %q", actIdentities, want)
	}
}

const helperReadyLine = "HDO SCENARIO WORKER READY"

// TestHelperWorkerProcess is worker A of TestScenarioWorkerReplaced, run in a child process; it
// is skipped in a normal run.
func TestHelperWorkerProcess(t *testing.T) {
	tq := os.Getenv("HDO_SCENARIO_WORKER_TQ")
	if tq == "" {
		t.Skip("helper process of TestScenarioWorkerReplaced")
	}
	identity := os.Getenv("HDO_SCENARIO_WORKER_IDENTITY")
	c := dial(t, os.Getenv("HDO_SCENARIO_WORKER_HOSTPORT"), identity)
	defer c.Close()
	w := worker.New(c, tq, worker.Options{Identity: identity, StickyScheduleToStartTimeout: time.Second})
	registerAll(w, &activities{client: c})
	mustNoErr(t, "starting worker", w.Start())
	fmt.Println(helperReadyLine)
	// Run until killed, or until the parent closes stdin.
	_, _ = io.Copy(io.Discard, os.Stdin)
	w.Stop()
}
