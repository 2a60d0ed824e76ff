//go:build scenarios

package scenarios

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Workflow and activity type names, registered explicitly so that histories do not depend on Go
// function names.
const (
	wfHello            = "HelloActivity"
	wfActivityRetry    = "ActivityRetry"
	wfHeartbeatRetry   = "HeartbeatTimeoutRetry"
	wfStartToClose     = "StartToCloseTimeout"
	wfTimer            = "Timer"
	wfSignals          = "CollectSignals"
	wfQuery            = "Queryable"
	wfCancelHandled    = "CancelHandled"
	wfActivityCancel   = "ActivityCancel"
	wfReplacedWorker   = "ReplacedWorker"
	actGreet           = "Greet"
	actFailTwice       = "FailTwice"
	actHeartbeatStall  = "HeartbeatThenStall"
	actSleepPastClose  = "SleepPastStartToClose"
	actCleanup         = "Cleanup"
	actHeartbeatCancel = "HeartbeatUntilCanceled"
	actStep            = "Step"
	signalMessage      = "message"
	signalFinish       = "finish"
	signalActStarted   = "activity-started"
	signalProceed      = "proceed"
	queryState         = "state"
)

func registerAll(w worker.Registry, a *activities) {
	wf := func(fn any, name string) { w.RegisterWorkflowWithOptions(fn, workflow.RegisterOptions{Name: name}) }
	wf(helloWorkflow, wfHello)
	wf(activityRetryWorkflow, wfActivityRetry)
	wf(heartbeatRetryWorkflow, wfHeartbeatRetry)
	wf(startToCloseWorkflow, wfStartToClose)
	wf(timerWorkflow, wfTimer)
	wf(collectSignalsWorkflow, wfSignals)
	wf(queryableWorkflow, wfQuery)
	wf(cancelHandledWorkflow, wfCancelHandled)
	wf(activityCancelWorkflow, wfActivityCancel)
	wf(replacedWorkerWorkflow, wfReplacedWorker)
	act := func(fn any, name string) { w.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	act(a.Greet, actGreet)
	act(a.FailTwice, actFailTwice)
	act(a.HeartbeatThenStall, actHeartbeatStall)
	act(a.SleepPastStartToClose, actSleepPastClose)
	act(a.Cleanup, actCleanup)
	act(a.HeartbeatUntilCanceled, actHeartbeatCancel)
	act(a.Step, actStep)
	registerIssue5(w, a)
}

// ---- workflows ----

func helloWorkflow(ctx workflow.Context, name string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var out string
	err := workflow.ExecuteActivity(ctx, actGreet, name).Get(ctx, &out)
	return out, err
}

func activityRetryWorkflow(ctx workflow.Context) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    100 * time.Millisecond,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Second,
			MaximumAttempts:    5,
		},
	})
	var out string
	err := workflow.ExecuteActivity(ctx, actFailTwice).Get(ctx, &out)
	return out, err
}

func heartbeatRetryWorkflow(ctx workflow.Context) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		HeartbeatTimeout:    time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    100 * time.Millisecond,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Second,
			MaximumAttempts:    3,
		},
	})
	var out string
	err := workflow.ExecuteActivity(ctx, actHeartbeatStall).Get(ctx, &out)
	return out, err
}

// startToCloseWorkflow lets the activity's error fail the workflow.
func startToCloseWorkflow(ctx workflow.Context) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    100 * time.Millisecond,
			BackoffCoefficient: 1,
			MaximumInterval:    100 * time.Millisecond,
			MaximumAttempts:    2,
		},
	})
	var out string
	err := workflow.ExecuteActivity(ctx, actSleepPastClose).Get(ctx, &out)
	return out, err
}

func timerWorkflow(ctx workflow.Context, d time.Duration) (string, error) {
	start := workflow.Now(ctx)
	if err := workflow.Sleep(ctx, d); err != nil {
		return "", err
	}
	if elapsed := workflow.Now(ctx).Sub(start); elapsed < d {
		return "", fmt.Errorf("timer fired after %v of workflow time, before its %v", elapsed, d)
	}
	return "timer fired", nil
}

// collectSignalsWorkflow returns the first n "message" signals in order.
func collectSignalsWorkflow(ctx workflow.Context, n int) ([]string, error) {
	ch := workflow.GetSignalChannel(ctx, signalMessage)
	var got []string
	for len(got) < n {
		var s string
		ch.Receive(ctx, &s)
		got = append(got, s)
	}
	return got, nil
}

// queryableWorkflow answers "state" queries and finishes on the "finish" signal.
func queryableWorkflow(ctx workflow.Context) (string, error) {
	state := "waiting for finish"
	if err := workflow.SetQueryHandler(ctx, queryState, func() (string, error) { return state, nil }); err != nil {
		return "", err
	}
	var s string
	workflow.GetSignalChannel(ctx, signalFinish).Receive(ctx, &s)
	state = "finished with " + s
	return "done: " + s, nil
}

// cancelHandledWorkflow waits on a long timer; on cancellation it runs a cleanup activity in a
// disconnected context and then reports itself canceled.
func cancelHandledWorkflow(ctx workflow.Context) (string, error) {
	err := workflow.NewTimer(ctx, time.Hour).Get(ctx, nil)
	if !temporal.IsCanceledError(err) {
		return "", fmt.Errorf("timer ended without cancellation: %v", err)
	}
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	dctx = workflow.WithActivityOptions(dctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var out string
	if err := workflow.ExecuteActivity(dctx, actCleanup, "after cancel").Get(dctx, &out); err != nil {
		return "", err
	}
	return "", ctx.Err()
}

// activityCancelWorkflow starts a heartbeating activity, waits for the activity's own signal
// that it is running, then cancels it and waits for the cancellation to be confirmed.
func activityCancelWorkflow(ctx workflow.Context) (string, error) {
	actx, cancel := workflow.WithCancel(ctx)
	actx = workflow.WithActivityOptions(actx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		HeartbeatTimeout:    2 * time.Second,
		WaitForCancellation: true,
	})
	f := workflow.ExecuteActivity(actx, actHeartbeatCancel)
	workflow.GetSignalChannel(ctx, signalActStarted).Receive(ctx, nil)
	cancel()
	err := f.Get(ctx, nil)
	if temporal.IsCanceledError(err) {
		return "activity canceled", nil
	}
	return "", fmt.Errorf("activity was not canceled: %v", err)
}

// replayObserved is set when replacedWorkerWorkflow starts in replay mode in this process, i.e.
// when a worker here picked the workflow up from its full history.
var replayObserved atomic.Bool

func replacedWorkerWorkflow(ctx workflow.Context) (string, error) {
	if workflow.IsReplaying(ctx) {
		replayObserved.Store(true)
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var one, two string
	if err := workflow.ExecuteActivity(ctx, actStep, "one").Get(ctx, &one); err != nil {
		return "", err
	}
	workflow.GetSignalChannel(ctx, signalProceed).Receive(ctx, nil)
	if err := workflow.ExecuteActivity(ctx, actStep, "two").Get(ctx, &two); err != nil {
		return "", err
	}
	return one + "," + two, nil
}

// ---- activities ----

type activities struct {
	client client.Client
	// cleanupRan counts runs of the Cleanup activity.
	cleanupRan atomic.Int32
	// sawCancel is set when HeartbeatUntilCanceled observed its context canceled.
	sawCancel atomic.Bool
}

func (a *activities) Greet(ctx context.Context, name string) (string, error) {
	return "Hello, " + name + "!", nil
}

func (a *activities) FailTwice(ctx context.Context) (string, error) {
	attempt := activity.GetInfo(ctx).Attempt
	if attempt < 3 {
		return "", temporal.NewApplicationError(fmt.Sprintf("attempt %d failed", attempt), "FlakyError")
	}
	return fmt.Sprintf("succeeded on attempt %d", attempt), nil
}

// HeartbeatThenStall heartbeats once and then stops heartbeating, so the server times the attempt
// out; the next attempt finds the heartbeat details and completes with them.
func (a *activities) HeartbeatThenStall(ctx context.Context) (string, error) {
	info := activity.GetInfo(ctx)
	if activity.HasHeartbeatDetails(ctx) {
		var progress string
		if err := activity.GetHeartbeatDetails(ctx, &progress); err != nil {
			return "", err
		}
		return fmt.Sprintf("attempt %d resumed from %s", info.Attempt, progress), nil
	}
	activity.RecordHeartbeat(ctx, fmt.Sprintf("progress of attempt %d", info.Attempt))
	select {
	case <-ctx.Done():
	case <-time.After(4 * time.Second):
	}
	return "", errors.New("stalled attempt must not complete")
}

// SleepPastStartToClose ignores its context and outlives its 1 s start-to-close timeout, so the
// server (not the SDK) decides each attempt's fate.
func (a *activities) SleepPastStartToClose(ctx context.Context) (string, error) {
	time.Sleep(2500 * time.Millisecond)
	return "too late", nil
}

func (a *activities) Cleanup(ctx context.Context, what string) (string, error) {
	a.cleanupRan.Add(1)
	return "cleaned up " + what, nil
}

// HeartbeatUntilCanceled tells its workflow it is running, then heartbeats until the server
// reports the cancellation request.
func (a *activities) HeartbeatUntilCanceled(ctx context.Context) error {
	info := activity.GetInfo(ctx)
	if err := a.client.SignalWorkflow(ctx, info.WorkflowExecution.ID, info.WorkflowExecution.RunID, signalActStarted, nil); err != nil {
		return err
	}
	for {
		activity.RecordHeartbeat(ctx, "beat")
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.Canceled) {
				a.sawCancel.Store(true)
			}
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (a *activities) Step(ctx context.Context, name string) (string, error) {
	return "step " + name, nil
}
