//go:build crash

// Package crash is the crash-safety test of issue 4: 100 workflows with activities, timers and
// signals in flight, the server killed with SIGKILL twice and restarted on the same SQLite file and
// port, while an in-process Go SDK worker keeps running and the test keeps sending. Every
// acknowledged start must complete with the right result; every acknowledged signal, activity
// completion and workflow task completion must be in the history exactly as acknowledged.
//
// HDO_CRASH_SERVER=hdo (default; HDO_BIN names the binary) or reference (the temporal CLI v1.5.1:
// TEMPORAL_CLI, ~/.cache/hdo/temporal-cli-1.5.1/temporal, ~/go/bin/temporal or PATH; it runs with
// WAL and synchronous=off unless HDO_CRASH_REFERENCE_PRAGMAS=default).
// HDO_CRASH_WORKFLOWS (default 100) and HDO_CRASH_SEED (default: the clock, logged) vary the run.
package crash

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
)

const (
	namespace          = "default"
	signalsPerWorkflow = 3
	// gatedEvery: every gatedEvery-th workflow holds its last signal back until the gate opens.
	gatedEvery = 4
	// gatedWait bounds the wait, once the gate is open, for some of the held signals to be
	// acknowledged before the second kill.
	gatedWait = 10 * time.Second
	// startSpacing spreads the starts so that the first kill finds some still in flight.
	startSpacing = 100 * time.Millisecond
	// callAttemptTimeout bounds one client call (the SDK retries Unavailable inside it);
	// callGiveUp bounds all the calls for one start or one signal, across restarts.
	callAttemptTimeout = 10 * time.Second
	callGiveUp         = 120 * time.Second
	// kill1Latest/kill2Latest: a kill happens when its phase is reached, or at the latest this long
	// after the previous step (a server that makes no progress is still killed, then fails below).
	kill1Latest = 40 * time.Second
	kill2Latest = 60 * time.Second
	// restartDelay: the server stays down this long, so that calls are made while it is down.
	restartDelay = time.Second
	// settleBeforeKill2: the second kill waits until the restarted server has worked a little.
	settleBeforeKill2 = 3 * time.Second
	// completionLatest bounds the wait for every workflow after the last restart; stallLimit ends a
	// wait early when nothing at all was acknowledged for that long.
	completionLatest = 150 * time.Second
	stallLimit       = 45 * time.Second
	stallBeforeKill  = 20 * time.Second
	historyTimeout   = 30 * time.Second
)

// plan is what the test intends for one workflow: its input, when it is started and signalled,
// and the request ids its calls carry (a retry reuses them, so it must not duplicate).
type plan struct {
	id               string
	input            wfInput
	startDelay       time.Duration
	signalDelays     []time.Duration
	startRequestID   string
	signalRequestIDs []string
	// gated: the last signal waits for the second kill's phase (see TestCrashKill9WithWorkInFlight),
	// so that signals are sent across that kill however fast or slow the server is.
	gated bool
}

func (p *plan) signalValue(j int) string { return fmt.Sprintf("%s/s%d", p.id, j) }

func envInt(t *testing.T, name string, def int64) int64 {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return n
}

func makePlans(n int, seed int64) ([]*plan, map[string]*plan) {
	rng := mrand.New(mrand.NewSource(seed))
	between := func(lo, hi int) int { return lo + rng.Intn(hi-lo+1) }
	run := randomHex(4)
	plans := make([]*plan, n)
	byID := map[string]*plan{}
	for i := range plans {
		p := &plan{
			id: fmt.Sprintf("crash-%s-%03d", run, i),
			input: wfInput{
				Activity1Ms: between(500, 3000),
				TimerMs:     between(2000, 6000),
				Signals:     signalsPerWorkflow,
				Activity2Ms: between(500, 3000),
			},
			startDelay:     time.Duration(i) * startSpacing,
			startRequestID: fmt.Sprintf("crash-start-%s-%03d", run, i),
			gated:          i%gatedEvery == gatedEvery-1,
		}
		for j := 0; j < signalsPerWorkflow; j++ {
			delay := between(300, 5000)
			if p.gated && j == signalsPerWorkflow-1 {
				delay = between(0, 3000) // after the gate opens
			}
			p.signalDelays = append(p.signalDelays, time.Duration(delay)*time.Millisecond)
			p.signalRequestIDs = append(p.signalRequestIDs, fmt.Sprintf("crash-signal-%s-%03d-%d", run, i, j))
		}
		plans[i] = p
		byID[p.id] = p
	}
	return plans, byID
}

func dial(t *testing.T, hostPort, identity string, opts ...grpc.DialOption) client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{
		HostPort:          hostPort,
		Namespace:         namespace,
		Identity:          identity,
		Logger:            sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError + 4}))),
		ConnectionOptions: client.ConnectionOptions{DialOptions: opts},
	})
	if err != nil {
		t.Fatalf("dialing %s: %v", hostPort, err)
	}
	return c
}

func TestCrashKill9WithWorkInFlight(t *testing.T) {
	n := int(envInt(t, "HDO_CRASH_WORKFLOWS", 100))
	seed := envInt(t, "HDO_CRASH_SEED", time.Now().UnixNano())
	t.Logf("%d workflows, seed %d (HDO_CRASH_SEED=%d repeats the plan)", n, seed, seed)
	plans, byID := makePlans(n, seed)
	began := time.Now()

	srv := newServer(t)
	rec := newRecorder()
	for _, p := range plans {
		rec.state(p.id)
	}
	workerClient := dial(t, srv.hostPort, "crash-worker", grpc.WithChainUnaryInterceptor(rec.intercept))
	defer workerClient.Close()
	sender := dial(t, srv.hostPort, "crash-sender")
	defer sender.Close()

	taskQueue := "crash-" + randomHex(4)
	w := worker.New(workerClient, taskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(CrashWorkflow, workflow.RegisterOptions{Name: workflowType})
	w.RegisterActivityWithOptions((&activities{rec: rec}).CrashActivity, activity.RegisterOptions{Name: activityType})
	if err := w.Start(); err != nil {
		t.Fatalf("starting worker: %v", err)
	}
	defer w.Stop()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var drivers sync.WaitGroup
	for _, p := range plans {
		drivers.Add(1)
		go func() {
			defer drivers.Done()
			drive(ctx, sender, taskQueue, p, rec)
		}()
	}

	// Kill 1: starts still arriving, step-1 activities running, timers pending.
	reached := waitPhase(rec, byID, kill1Latest, func(s snapshot) bool {
		return s.startsAcked >= n/3 && s.running >= min(3, n) && s.timersPending >= min(5, n)
	})
	kill(t, srv, rec, byID, 1, reached, func(s snapshot) []string {
		return missing(s.running > 0, "no activity was running", s.timersPending > 0, "no timer was pending")
	})

	// Kill 2: the restarted server has completed a quarter of the workflows and runs step-2
	// activities; then the held-back last signals of every 4th workflow (blocked waiting for it) are
	// released, and the server is killed when a third of them are acknowledged.
	time.Sleep(settleBeforeKill2)
	reached = waitPhase(rec, byID, kill2Latest, func(s snapshot) bool {
		return s.step2Acked >= n/4 && s.running >= min(2, n)
	})
	close(rec.gate)
	reached = waitPhase(rec, byID, gatedWait, func(s snapshot) bool {
		return s.gatedAcked*3 >= s.gated && s.gatedAcked < s.gated
	}) && reached
	kill(t, srv, rec, byID, 2, reached, func(s snapshot) []string {
		return missing(s.running > 0, "no activity was running",
			s.gatedAcked > 0, "no held-back signal was acknowledged before it",
			s.gatedAcked < s.gated, "every held-back signal was already acknowledged")
	})

	waitCompletions(t, rec, byID)
	cancel()
	drivers.Wait()
	t.Logf("after the last restart: %v", rec.snapshot(byID))

	failures := 0
	for _, p := range plans {
		if msgs := verify(sender, rec, p); len(msgs) > 0 {
			failures++
			if failures <= 10 {
				t.Errorf("workflow %s:\n  %s", p.id, joinLines(msgs))
			}
		}
	}
	if failures > 0 {
		t.Errorf("%d of %d workflows failed the checks (first 10 shown)\n%s", failures, n, srv.logTail(30))
	}
	st := rec.snapshot(byID)
	rec.mu.Lock()
	across := rec.across
	rec.mu.Unlock()
	t.Logf("%d workflows, 2 kills: %d completed, %d signals, %d acknowledged activity completions, %d acknowledged workflow task completions, %d failed client calls; "+
		"begun before a restart and acknowledged after it: %d starts, %d signals, %d activity completions; %d workflows failing; %v in all",
		n, st.completed, st.signalsAcked, st.activityAcks, st.wftAcks, st.failedCalls,
		across.starts, across.signals, across.activities, failures, time.Since(began).Round(time.Second))
	if across.starts == 0 || across.signals == 0 || across.activities == 0 {
		t.Errorf("the kills did not catch a start, a signal and an activity in flight (begun before a restart, acknowledged after it): %+v", across)
	}
}

// waitPhase polls until cond holds (true) or latest passes / nothing progressed for
// stallBeforeKill (false).
func waitPhase(rec *recorder, plans map[string]*plan, latest time.Duration, cond func(snapshot) bool) bool {
	deadline := time.Now().Add(latest)
	for time.Now().Before(deadline) {
		s := rec.snapshot(plans)
		if cond(s) {
			return true
		}
		if s.sinceProgress > stallBeforeKill {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// kill SIGKILLs the server and, after restartDelay, restarts it on the same file and port. It
// fails the test (without stopping it) when the kill did not hit the work it was meant to hit.
func kill(t *testing.T, srv *server, rec *recorder, plans map[string]*plan, k int, reached bool, check func(snapshot) []string) {
	t.Helper()
	s := rec.snapshot(plans)
	srv.kill9(t)
	t.Logf("kill %d (phase reached: %v): %v", k, reached, s)
	if why := check(s); len(why) > 0 {
		t.Errorf("kill %d did not happen with work in flight: %s", k, joinLines(why))
	}
	time.Sleep(restartDelay)
	rec.mu.Lock()
	rec.restarts = append(rec.restarts, time.Now())
	rec.mu.Unlock()
	srv.start(t)
}

func missing(pairs ...any) []string {
	var out []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if !pairs[i].(bool) {
			out = append(out, pairs[i+1].(string))
		}
	}
	return out
}

func joinLines(msgs []string) string {
	out := ""
	for i, m := range msgs {
		if i > 0 {
			out += "\n  "
		}
		out += m
	}
	return out
}

// drive starts one workflow, then sends its signals one after another; each call is retried with
// the same request id until acknowledged (or callGiveUp). A completion watcher runs beside.
func drive(ctx context.Context, c client.Client, taskQueue string, p *plan, rec *recorder) {
	if !sleepCtx(ctx, p.startDelay) {
		return
	}
	runID, err := start(ctx, c, taskQueue, p, rec)
	if err != nil {
		return
	}
	var watch sync.WaitGroup
	watch.Add(1)
	go func() {
		defer watch.Done()
		watchCompletion(ctx, c, p.id, runID, rec)
	}()
	defer watch.Wait()
	for j := 0; j < p.input.Signals; j++ {
		if p.gated && j == p.input.Signals-1 {
			select {
			case <-rec.gate:
			case <-ctx.Done():
				return
			}
		}
		if !sleepCtx(ctx, p.signalDelays[j]) {
			return
		}
		if err := signal(ctx, c, p, runID, j, rec); err != nil {
			return
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// permanent: errors that no retry will change.
func permanent(err error) bool {
	switch serviceerror.ToStatus(err).Code() { // the SDK turns gRPC errors into serviceerror types
	case codes.Unimplemented, codes.InvalidArgument, codes.PermissionDenied, codes.Unauthenticated:
		return true
	}
	return false
}

// retryCall runs call until it succeeds, fails permanently, or callGiveUp passes. inFlight is the
// recorder counter of calls in progress. It returns the number of attempts and the last error.
func retryCall(ctx context.Context, rec *recorder, inFlight, across *int, call func(context.Context) error) (int, error) {
	began := time.Now()
	giveUp := began.Add(callGiveUp)
	attempts := 0
	for {
		attempts++
		actx, cancel := context.WithTimeout(ctx, callAttemptTimeout)
		rec.mu.Lock()
		*inFlight++
		rec.mu.Unlock()
		err := call(actx)
		cancel()
		rec.mu.Lock()
		*inFlight--
		if err != nil {
			rec.counts.failedCalls++
		} else if rec.crossesRestart(began) {
			*across++
		}
		rec.mu.Unlock()
		if err == nil || permanent(err) || ctx.Err() != nil || time.Now().After(giveUp) {
			return attempts, err
		}
		if !sleepCtx(ctx, 500*time.Millisecond) {
			return attempts, err
		}
	}
}

func start(ctx context.Context, c client.Client, taskQueue string, p *plan, rec *recorder) (string, error) {
	input, err := converter.GetDefaultDataConverter().ToPayloads(p.input)
	if err != nil {
		panic(err)
	}
	req := &workflowservice.StartWorkflowExecutionRequest{
		Namespace:    namespace,
		WorkflowId:   p.id,
		WorkflowType: &commonpb.WorkflowType{Name: workflowType},
		TaskQueue:    &taskqueuepb.TaskQueue{Name: taskQueue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
		Input:        input,
		Identity:     "crash-sender",
		RequestId:    p.startRequestID,
	}
	var runID string
	attempts, err := retryCall(ctx, rec, &rec.startCalls, &rec.across.starts, func(actx context.Context) error {
		resp, err := c.WorkflowService().StartWorkflowExecution(actx, req)
		runID = resp.GetRunId()
		return err
	})
	rec.mu.Lock()
	defer rec.mu.Unlock()
	s := rec.state(p.id)
	s.startAttempts = attempts
	if err != nil {
		s.startErr, s.gaveUp = err, true
		return "", err
	}
	s.startAcked, s.runID = time.Now(), runID
	rec.counts.startAcks++
	rec.progressed()
	return runID, nil
}

func signal(ctx context.Context, c client.Client, p *plan, runID string, j int, rec *recorder) error {
	input, err := converter.GetDefaultDataConverter().ToPayloads(p.signalValue(j))
	if err != nil {
		panic(err)
	}
	req := &workflowservice.SignalWorkflowExecutionRequest{
		Namespace:         namespace,
		WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: p.id, RunId: runID},
		SignalName:        signalName,
		Input:             input,
		Identity:          "crash-sender",
		RequestId:         p.signalRequestIDs[j],
	}
	attempts, err := retryCall(ctx, rec, &rec.signalCalls, &rec.across.signals, func(actx context.Context) error {
		_, err := c.WorkflowService().SignalWorkflowExecution(actx, req)
		return err
	})
	rec.mu.Lock()
	defer rec.mu.Unlock()
	s := rec.state(p.id)
	s.signalAttempts = append(s.signalAttempts, attempts)
	if err != nil {
		s.signalErr, s.gaveUp = fmt.Errorf("signal %d after %d calls: %w", j, attempts, err), true
		return err
	}
	s.signalsAcked = j + 1
	rec.counts.signalAcks++
	rec.progressed()
	return nil
}

// watchCompletion waits for the run's result through the server's long poll, across restarts.
func watchCompletion(ctx context.Context, c client.Client, id, runID string, rec *recorder) {
	for ctx.Err() == nil {
		actx, cancel := context.WithTimeout(ctx, 30*time.Second)
		var res wfResult
		err := c.GetWorkflow(actx, id, runID).Get(actx, &res)
		cancel()
		var wfErr *temporal.WorkflowExecutionError
		switch {
		case err == nil:
			rec.mu.Lock()
			s := rec.state(id)
			s.completed, s.result = true, res
			rec.counts.completed++
			rec.progressed()
			rec.mu.Unlock()
			return
		case errors.As(err, &wfErr):
			rec.mu.Lock()
			rec.state(id).finalErr = err
			rec.mu.Unlock()
			return
		}
		sleepCtx(ctx, 500*time.Millisecond)
	}
}

// waitCompletions waits until every workflow completed or its driver gave up, at most
// completionLatest, and less when nothing progresses for stallLimit.
func waitCompletions(t *testing.T, rec *recorder, plans map[string]*plan) {
	t.Helper()
	began := time.Now()
	deadline := began.Add(completionLatest)
	for {
		rec.mu.Lock()
		open, completed, ended, gaveUp := 0, 0, 0, 0
		for _, s := range rec.wf {
			switch {
			case s.completed:
				completed++
			case s.finalErr != nil:
				ended++
			case s.gaveUp:
				gaveUp++
			default:
				open++
			}
		}
		stalled := time.Since(rec.lastProgress)
		rec.mu.Unlock()
		switch {
		case open == 0:
			t.Logf("%v after the last restart: %d workflows completed, %d ended otherwise, %d not driven to the end (a call failed for good)",
				time.Since(began).Round(time.Millisecond), completed, ended, gaveUp)
			return
		case time.Now().After(deadline):
			t.Errorf("%d workflows still open %v after the last restart", open, completionLatest)
			return
		case stalled > stallLimit:
			t.Errorf("%d workflows still open and nothing acknowledged for %v", open, stallLimit)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}
