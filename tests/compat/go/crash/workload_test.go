//go:build crash

package crash

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"
)

const (
	workflowType = "CrashWorkflow"
	activityType = "CrashActivity"
	signalName   = "crash-signal"
)

// wfInput is one workflow's plan, chosen by the test (randomized durations).
type wfInput struct {
	Activity1Ms int
	TimerMs     int
	Signals     int
	Activity2Ms int
}

type actInput struct {
	Step    int
	SleepMs int
}

// wfResult is what the workflow returns: both activity results (each names the execution that
// produced it) and every signal it received, in the order received.
type wfResult struct {
	Activity1 string
	Activity2 string
	Signals   []string
}

// CrashWorkflow: activity → timer → wait for in.Signals signals → activity → result.
func CrashWorkflow(ctx workflow.Context, in wfInput) (wfResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// Short enough that an activity whose completion the server never took (the server died
		// first) is retried well within the test's bounds; long enough for any planned sleep.
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 1,
			MaximumInterval:    time.Second,
		},
	})
	var res wfResult
	if err := workflow.ExecuteActivity(ctx, activityType, actInput{Step: 1, SleepMs: in.Activity1Ms}).Get(ctx, &res.Activity1); err != nil {
		return res, err
	}
	if err := workflow.Sleep(ctx, time.Duration(in.TimerMs)*time.Millisecond); err != nil {
		return res, err
	}
	ch := workflow.GetSignalChannel(ctx, signalName)
	for len(res.Signals) < in.Signals {
		var s string
		ch.Receive(ctx, &s)
		res.Signals = append(res.Signals, s)
	}
	if err := workflow.ExecuteActivity(ctx, activityType, actInput{Step: 2, SleepMs: in.Activity2Ms}).Get(ctx, &res.Activity2); err != nil {
		return res, err
	}
	// A signal the server delivered twice must show in the result, not vanish with the run.
	for {
		var s string
		if !ch.ReceiveAsync(&s) {
			break
		}
		res.Signals = append(res.Signals, s)
	}
	return res, nil
}

// activities runs CrashActivity and tells the recorder about every execution.
type activities struct{ rec *recorder }

// CrashActivity sleeps, then returns a string unique to this execution, so that the workflow's
// result and the history show which execution's completion the server kept.
func (a *activities) CrashActivity(ctx context.Context, in actInput) (string, error) {
	info := activity.GetInfo(ctx)
	result := fmt.Sprintf("%s/step%d/attempt%d/%s", info.WorkflowExecution.ID, in.Step, info.Attempt, randomHex(6))
	a.rec.activityBegan(string(info.TaskToken), &activityExec{
		workflowID: info.WorkflowExecution.ID,
		activityID: info.ActivityID,
		step:       in.Step,
		result:     result,
	})
	defer a.rec.activityEnded()
	select {
	case <-time.After(time.Duration(in.SleepMs) * time.Millisecond):
		return result, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// activityExec is one execution of CrashActivity.
type activityExec struct {
	workflowID string
	activityID string
	step       int
	result     string
	began      time.Time
	acked      bool // RespondActivityTaskCompleted with this execution's token returned OK
}

// wftKey names a workflow task by what the server told the worker when it delivered it.
type wftKey struct {
	workflowID     string
	runID          string
	startedEventID int64
}

// wfState is what the test saw happen to one workflow, from the client side.
type wfState struct {
	startAcked    time.Time
	runID         string
	startAttempts int
	startErr      error // the last failed attempt (or the reason the driver gave up)
	gaveUp        bool  // the driver stopped before sending everything (see startErr/signalErr)

	step1Acked time.Time // the step-1 activity's completion was acknowledged
	step2Acked bool

	signalsAcked   int   // signals 0..signalsAcked-1 were acknowledged (sent one after another)
	signalAttempts []int // calls per signal; >1 means retries with the same request id
	signalErr      error

	completed bool
	result    wfResult
	finalErr  error // the workflow ended other than completed
}

// recorder collects, under one mutex, what the worker and the clients were told by the server.
// The worker's gRPC calls pass through intercept, so an acknowledgement is a call that returned OK.
type recorder struct {
	mu           sync.Mutex
	wf           map[string]*wfState
	running      int // activity executions in progress in this process
	activities   map[string]*activityExec
	wftDelivered map[string]wftKey
	wftAcked     []wftKey
	signalCalls  int // SignalWorkflowExecution calls in progress
	startCalls   int // StartWorkflowExecution calls in progress
	lastProgress time.Time
	gate         chan struct{} // closed when the held-back signals may be sent
	restarts     []time.Time   // when each restart began (the killed process already reaped)
	counts       struct{ activityAcks, wftAcks, startAcks, signalAcks, failedCalls, completed int }
	// across: acknowledgements, by a restarted incarnation, of work that began before the restart:
	// calls made before the kill or while the server was down, activity executions the kill
	// interrupted the server of.
	across struct{ starts, signals, activities int }
}

func newRecorder() *recorder {
	return &recorder{
		wf:           map[string]*wfState{},
		activities:   map[string]*activityExec{},
		wftDelivered: map[string]wftKey{},
		lastProgress: time.Now(),
		gate:         make(chan struct{}),
	}
}

func (r *recorder) state(id string) *wfState {
	s := r.wf[id]
	if s == nil {
		s = &wfState{}
		r.wf[id] = s
	}
	return s
}

func (r *recorder) progressed() { r.lastProgress = time.Now() }

// crossesRestart: a restart began after `began` (called at acknowledgement, so before now).
func (r *recorder) crossesRestart(began time.Time) bool {
	for _, k := range r.restarts {
		if k.After(began) {
			return true
		}
	}
	return false
}

func (r *recorder) activityBegan(token string, e *activityExec) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.running++
	e.began = time.Now()
	r.activities[token] = e
	r.progressed()
}

func (r *recorder) activityEnded() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.running--
}

// intercept is a unary client interceptor of the worker's connection: it learns which workflow
// task each token is, and records every completion the server acknowledged.
func (r *recorder) intercept(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn,
	invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		return err
	}
	switch rq := req.(type) {
	case *workflowservice.PollWorkflowTaskQueueRequest:
		r.deliveredWFT(reply.(*workflowservice.PollWorkflowTaskQueueResponse))
	case *workflowservice.RespondWorkflowTaskCompletedRequest:
		if k, ok := r.wftDelivered[string(rq.GetTaskToken())]; ok {
			r.wftAcked = append(r.wftAcked, k)
		}
		r.counts.wftAcks++
		r.progressed()
		if next := reply.(*workflowservice.RespondWorkflowTaskCompletedResponse).GetWorkflowTask(); next != nil {
			r.deliveredWFT(next)
		}
	case *workflowservice.RespondActivityTaskCompletedRequest:
		if e, ok := r.activities[string(rq.GetTaskToken())]; ok {
			e.acked = true
			if r.crossesRestart(e.began) {
				r.across.activities++
			}
			s := r.state(e.workflowID)
			if e.step == 1 {
				s.step1Acked = time.Now()
			} else {
				s.step2Acked = true
			}
		}
		r.counts.activityAcks++
		r.progressed()
	}
	return nil
}

func (r *recorder) deliveredWFT(resp *workflowservice.PollWorkflowTaskQueueResponse) {
	if len(resp.GetTaskToken()) == 0 {
		return // long poll ended without a task
	}
	r.wftDelivered[string(resp.GetTaskToken())] = wftKey{
		workflowID:     resp.GetWorkflowExecution().GetWorkflowId(),
		runID:          resp.GetWorkflowExecution().GetRunId(),
		startedEventID: resp.GetStartedEventId(),
	}
}

// snapshot is the state of the run at one moment, logged at each kill.
type snapshot struct {
	startsAcked, startsInFlight, running, timersPending, betweenActivities int
	signalsAcked, signalsInFlight, step2Acked, completed                   int
	gated, gatedAcked                                                      int // workflows holding their last signal back
	activityAcks, wftAcks, failedCalls                                     int
	sinceProgress                                                          time.Duration
}

func (s snapshot) String() string {
	return fmt.Sprintf("starts acknowledged %d (calls in flight %d); activities running %d; "+
		"timers pending ≈%d (workflows between their activities %d); signals acknowledged %d (calls in flight %d); "+
		"held-back signals acknowledged %d of %d; step-2 activities acknowledged %d; workflows completed %d; acknowledged activity completions %d, "+
		"workflow task completions %d; failed client calls %d",
		s.startsAcked, s.startsInFlight, s.running, s.timersPending, s.betweenActivities, s.signalsAcked,
		s.signalsInFlight, s.gatedAcked, s.gated, s.step2Acked, s.completed, s.activityAcks, s.wftAcks, s.failedCalls)
}

// snapshot: a timer counts as pending when its workflow's step-1 completion was acknowledged less
// than the timer's duration ago (the server starts it a workflow task later, so this is a lower
// bound of the time it still has to run).
func (r *recorder) snapshot(plans map[string]*plan) snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	s := snapshot{running: r.running, signalsInFlight: r.signalCalls, startsInFlight: r.startCalls,
		activityAcks: r.counts.activityAcks, wftAcks: r.counts.wftAcks, failedCalls: r.counts.failedCalls,
		sinceProgress: now.Sub(r.lastProgress)}
	for id, w := range r.wf {
		if !w.startAcked.IsZero() {
			s.startsAcked++
		}
		s.signalsAcked += w.signalsAcked
		if p := plans[id]; p != nil && p.gated {
			s.gated++
			if w.signalsAcked == p.input.Signals {
				s.gatedAcked++
			}
		}
		if w.step2Acked {
			s.step2Acked++
		}
		if w.completed {
			s.completed++
		}
		if !w.step1Acked.IsZero() && !w.step2Acked {
			s.betweenActivities++
			if p := plans[id]; p != nil && now.Sub(w.step1Acked) < time.Duration(p.input.TimerMs)*time.Millisecond {
				s.timersPending++
			}
		}
	}
	return s
}
