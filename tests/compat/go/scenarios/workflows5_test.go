//go:build scenarios

package scenarios

import (
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Workflows of the issue 5 scenarios (children, external signal/cancel, continue-as-new, workflow
// retry, cron, updates, reset, delete, eager start, limits).
const (
	wfParentOfChild      = "ParentOfChild"
	wfWaitSignalOrCancel = "WaitSignalOrCancel"
	wfChildFail          = "ChildFail"
	wfChildOutcomes      = "ChildOutcomes"
	wfChildAlready       = "ChildAlreadyStarted"
	wfParentClosePolicy  = "ParentClosePolicies"
	wfSignalExternal     = "SignalExternal"
	wfCancelExternal     = "CancelExternal"
	wfCANCounter         = "ContinueAsNewCounter"
	wfRetryUntil3        = "FailUntilAttempt3"
	wfCronCount          = "CronCount"
	wfUpdatable          = "Updatable"
	updateAdd            = "add"
	updateAddSlow        = "add-slow"
)

func registerIssue5(w worker.Registry, a *activities) {
	wf := func(fn any, name string) { w.RegisterWorkflowWithOptions(fn, workflow.RegisterOptions{Name: name}) }
	wf(parentOfChildWorkflow, wfParentOfChild)
	wf(waitSignalOrCancelWorkflow, wfWaitSignalOrCancel)
	wf(childFailWorkflow, wfChildFail)
	wf(childOutcomesWorkflow, wfChildOutcomes)
	wf(childAlreadyStartedWorkflow, wfChildAlready)
	wf(parentClosePoliciesWorkflow, wfParentClosePolicy)
	wf(signalExternalWorkflow, wfSignalExternal)
	wf(cancelExternalWorkflow, wfCancelExternal)
	wf(canCounterWorkflow, wfCANCounter)
	wf(failUntilAttempt3Workflow, wfRetryUntil3)
	wf(cronCountWorkflow, wfCronCount)
	wf(updatableWorkflow, wfUpdatable)
}

// parentOfChildWorkflow runs one child workflow (type childType, id childID, argument arg) and
// returns its result.
func parentOfChildWorkflow(ctx workflow.Context, childType, childID string, arg string) (string, error) {
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: childID})
	var out string
	if childType == wfHello {
		err := workflow.ExecuteChildWorkflow(cctx, childType, arg).Get(ctx, &out)
		return "parent got: " + out, err
	}
	err := workflow.ExecuteChildWorkflow(cctx, childType).Get(ctx, &out)
	return "parent got: " + out, err
}

// waitSignalOrCancelWorkflow returns the first "message" signal; when canceled it reports itself
// canceled.
func waitSignalOrCancelWorkflow(ctx workflow.Context) (string, error) {
	var s string
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(workflow.GetSignalChannel(ctx, signalMessage), func(c workflow.ReceiveChannel, more bool) { c.Receive(ctx, &s) })
	sel.AddReceive(ctx.Done(), func(workflow.ReceiveChannel, bool) {})
	sel.Select(ctx)
	if ctx.Err() != nil {
		// A grace period before reporting the cancellation, so that whoever requested it has
		// processed its own ExternalWorkflowExecutionCancelRequested before the child's close
		// arrives (keeps the requester's history deterministic).
		dctx, _ := workflow.NewDisconnectedContext(ctx)
		if err := workflow.Sleep(dctx, cancelGrace); err != nil {
			return "", err
		}
		return "", ctx.Err()
	}
	return "got " + s, nil
}

// cancelGrace is how long waitSignalOrCancelWorkflow waits before it reports its cancellation.
const cancelGrace = time.Second

// childFailWorkflow fails once it received a "message" signal (so that the test decides when).
func childFailWorkflow(ctx workflow.Context) (string, error) {
	workflow.GetSignalChannel(ctx, signalMessage).Receive(ctx, nil)
	return "", temporal.NewApplicationError("child failed on purpose", "ChildError", "detail")
}

// describeChildError names the error a parent saw from its child, e.g.
// "ChildWorkflowExecutionError(ApplicationError ChildError: child failed on purpose)".
func describeChildError(err error) string {
	if err == nil {
		return "no error"
	}
	var childErr *temporal.ChildWorkflowExecutionError
	if !errors.As(err, &childErr) {
		return fmt.Sprintf("unexpected %T: %v", err, err)
	}
	inner := errors.Unwrap(childErr)
	var appErr *temporal.ApplicationError
	var canceledErr *temporal.CanceledError
	var timeoutErr *temporal.TimeoutError
	var terminatedErr *temporal.TerminatedError
	switch {
	case errors.As(inner, &appErr):
		return fmt.Sprintf("ChildWorkflowExecutionError(ApplicationError %s: %s)", appErr.Type(), appErr.Message())
	case errors.As(inner, &canceledErr):
		return "ChildWorkflowExecutionError(CanceledError)"
	case errors.As(inner, &timeoutErr):
		return fmt.Sprintf("ChildWorkflowExecutionError(TimeoutError %s)", timeoutErr.TimeoutType())
	case errors.As(inner, &terminatedErr):
		return "ChildWorkflowExecutionError(TerminatedError)"
	}
	return fmt.Sprintf("ChildWorkflowExecutionError(unexpected %T: %v)", inner, inner)
}

// childOutcomesWorkflow runs four children one after the other: one fails, one is canceled by the
// parent, one times out (2 s execution timeout), one is terminated by the test client (the test
// paces the failure, the cancel and the terminate with signals so the history is deterministic). It returns
// one line per child naming the error it saw.
func childOutcomesWorkflow(ctx workflow.Context, ids []string) (string, error) {
	var lines []string
	// (a) failed
	actx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: ids[0]})
	err := workflow.ExecuteChildWorkflow(actx, wfChildFail).Get(ctx, nil)
	lines = append(lines, "failed: "+describeChildError(err))
	// (b) canceled by the parent once started; wait for the child's own cancellation
	bctx, cancel := workflow.WithCancel(ctx)
	bctx = workflow.WithChildOptions(bctx, workflow.ChildWorkflowOptions{WorkflowID: ids[1], WaitForCancellation: true})
	f := workflow.ExecuteChildWorkflow(bctx, wfWaitSignalOrCancel)
	if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		return "", err
	}
	// The test signals "proceed" once the child completed its first workflow task.
	workflow.GetSignalChannel(ctx, signalProceed).Receive(ctx, nil)
	cancel()
	err = f.Get(ctx, nil)
	lines = append(lines, "canceled: "+describeChildError(err))
	// (c) timed out
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: ids[2], WorkflowExecutionTimeout: 2 * time.Second})
	err = workflow.ExecuteChildWorkflow(cctx, wfWaitSignalOrCancel).Get(ctx, nil)
	lines = append(lines, "timed out: "+describeChildError(err))
	// (d) terminated by the test client
	dctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: ids[3]})
	err = workflow.ExecuteChildWorkflow(dctx, wfWaitSignalOrCancel).Get(ctx, nil)
	lines = append(lines, "terminated: "+describeChildError(err))
	return strings.Join(lines, "\n"), nil
}

// childAlreadyStartedWorkflow starts a child with the id of a running workflow.
func childAlreadyStartedWorkflow(ctx workflow.Context, childID string) (string, error) {
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: childID})
	f := workflow.ExecuteChildWorkflow(cctx, wfWaitSignalOrCancel)
	startErr := f.GetChildWorkflowExecution().Get(ctx, nil)
	getErr := f.Get(ctx, nil)
	var already *temporal.ChildWorkflowExecutionAlreadyStartedError
	return fmt.Sprintf("start: already started=%v; result: already started=%v", errors.As(startErr, &already), errors.As(getErr, &already)), nil
}

// parentClosePoliciesWorkflow starts one waiting child per parent close policy (TERMINATE,
// REQUEST_CANCEL, ABANDON), waits until all three started and the "finish" signal, and completes.
func parentClosePoliciesWorkflow(ctx workflow.Context, ids []string) (string, error) {
	policies := []enumspb.ParentClosePolicy{
		enumspb.PARENT_CLOSE_POLICY_TERMINATE,
		enumspb.PARENT_CLOSE_POLICY_REQUEST_CANCEL,
		enumspb.PARENT_CLOSE_POLICY_ABANDON,
	}
	// One after the other, so that each ChildWorkflowExecutionStarted gets its own workflow task.
	for i, p := range policies {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: ids[i], ParentClosePolicy: p})
		f := workflow.ExecuteChildWorkflow(cctx, wfWaitSignalOrCancel)
		if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
			return "", err
		}
	}
	// The test signals "finish" once every child completed its first workflow task.
	workflow.GetSignalChannel(ctx, signalFinish).Receive(ctx, nil)
	return "started 3 children", nil
}

// signalExternalWorkflow signals the running target, then a workflow id that does not exist.
func signalExternalWorkflow(ctx workflow.Context, targetID, missingID string) (string, error) {
	if err := workflow.SignalExternalWorkflow(ctx, targetID, "", signalMessage, "from A").Get(ctx, nil); err != nil {
		return "", fmt.Errorf("signal of the running target: %w", err)
	}
	err := workflow.SignalExternalWorkflow(ctx, missingID, "", signalMessage, "nobody").Get(ctx, nil)
	return fmt.Sprintf("signaled target; missing target: %v", err), nil
}

// cancelExternalWorkflow requests cancellation of the running target, then of a workflow id that
// does not exist.
func cancelExternalWorkflow(ctx workflow.Context, targetID, missingID string) (string, error) {
	if err := workflow.RequestCancelExternalWorkflow(ctx, targetID, "").Get(ctx, nil); err != nil {
		return "", fmt.Errorf("cancel of the running target: %w", err)
	}
	err := workflow.RequestCancelExternalWorkflow(ctx, missingID, "").Get(ctx, nil)
	return fmt.Sprintf("cancel requested; missing target: %v", err), nil
}

// canCounterWorkflow continues as new until n reaches max.
func canCounterWorkflow(ctx workflow.Context, n, max int) (string, error) {
	if n < max {
		return "", workflow.NewContinueAsNewError(ctx, wfCANCounter, n+1, max)
	}
	return fmt.Sprintf("done after %d continue-as-new", n), nil
}

// failUntilAttempt3Workflow fails its first two attempts (the workflow retry policy retries it).
func failUntilAttempt3Workflow(ctx workflow.Context) (string, error) {
	attempt := workflow.GetInfo(ctx).Attempt
	if attempt < 3 {
		return "", temporal.NewApplicationError(fmt.Sprintf("workflow attempt %d failed", attempt), "WorkflowFlaky")
	}
	return fmt.Sprintf("succeeded on attempt %d", attempt), nil
}

// cronCountWorkflow returns the previous run's result plus one.
func cronCountWorkflow(ctx workflow.Context) (int, error) {
	last := 0
	if workflow.HasLastCompletionResult(ctx) {
		if err := workflow.GetLastCompletionResult(ctx, &last); err != nil {
			return 0, err
		}
	}
	return last + 1, nil
}

// updatableWorkflow keeps a total changed by "add" updates (the validator rejects negative
// numbers) and "add-slow" updates (which wait 500 ms on a timer first); it returns the total after
// the "finish" signal once every handler finished.
func updatableWorkflow(ctx workflow.Context) (int, error) {
	total := 0
	validate := func(ctx workflow.Context, n int) error {
		if n < 0 {
			return fmt.Errorf("refusing negative number %d", n)
		}
		return nil
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, updateAdd, func(ctx workflow.Context, n int) (int, error) {
		total += n
		return total, nil
	}, workflow.UpdateHandlerOptions{Validator: validate}); err != nil {
		return 0, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, updateAddSlow, func(ctx workflow.Context, n int) (int, error) {
		if err := workflow.Sleep(ctx, 500*time.Millisecond); err != nil {
			return 0, err
		}
		total += n
		return total, nil
	}, workflow.UpdateHandlerOptions{Validator: validate}); err != nil {
		return 0, err
	}
	workflow.GetSignalChannel(ctx, signalFinish).Receive(ctx, nil)
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return 0, err
	}
	return total, nil
}
