// Goal: the activity operator calls as an operator and the SDKs rely on them (`temporal activity
// pause|unpause|reset|update-options`, the SDKs' raw calls): a paused activity's running attempt
// hears it in its heartbeat (the Go SDK's ErrActivityPaused), its failure parks the next attempt
// (no retry, no timeout while paused) and DescribeWorkflowExecution says PAUSED with who and why;
// TemporalPauseInfo lists the paused type (in lists and in Describe's search attributes); unpause dispatches the parked attempt at once; reset
// dispatches an activity waiting for a long retry backoff at once as attempt 1; new options
// (a shorter retry interval) reschedule the waiting attempt; a closed workflow still describes
// the activity it left pending; bad requests are InvalidArgument or NotFound. Method: a real hdo
// (or HDO_TARGET, e.g. the reference `temporal server start-dev` of the temporal CLI 1.5.1), a
// Go SDK worker, the raw WorkflowService client. Every wait is bounded.
package compat

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	activitypb "go.temporal.io/api/activity/v1"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// HeartbeatsUntilPaused heartbeats until its heartbeat answers that it is paused (then fails
// with that cause) on its first attempt, and returns at once on the next.
func HeartbeatsUntilPaused(ctx context.Context) (string, error) {
	attempt := activity.GetInfo(ctx).Attempt
	if attempt > 1 {
		return fmt.Sprintf("done at attempt %d", attempt), nil
	}
	for {
		activity.RecordHeartbeat(ctx, "working")
		select {
		case <-ctx.Done():
			return "", context.Cause(ctx)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// FailsFirstTime fails its first invocation in this process and then reports its attempt.
var failsFirstTimeCalls atomic.Int32

func FailsFirstTime(ctx context.Context) (string, error) {
	if failsFirstTimeCalls.Add(1) == 1 {
		return "", errors.New("first invocation fails")
	}
	return fmt.Sprintf("attempt %d", activity.GetInfo(ctx).Attempt), nil
}

// RunsActivity runs `name` with the options and returns its result.
func RunsActivity(ctx workflow.Context, name string, retryInitial time.Duration) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		ActivityID:          "the-activity",
		StartToCloseTimeout: 30 * time.Second,
		HeartbeatTimeout:    time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: retryInitial, BackoffCoefficient: 2, MaximumAttempts: 5,
		},
	})
	var result string
	err := workflow.ExecuteActivity(ctx, name).Get(ctx, &result)
	return result, err
}

// LeavesAnActivityPending schedules an activity nobody runs and completes at once.
func LeavesAnActivityPending(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		ActivityID: "left-behind", StartToCloseTimeout: time.Minute, TaskQueue: "nobody-polls-this",
	})
	workflow.ExecuteActivity(ctx, "NeverRuns")
	return nil
}

type activityOpsTest struct {
	t     *testing.T
	c     client.Client
	ctx   context.Context
	queue string
}

func newActivityOpsTest(t *testing.T) *activityOpsTest {
	t.Helper()
	return newActivityOpsTestOn(t, dialTarget(t))
}

// newActivityOpsTestOn runs the test's worker on `c` (a client of a target the test also uses
// otherwise, e.g. through the CLI).
func newActivityOpsTestOn(t *testing.T, c client.Client) *activityOpsTest {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	queue := fmt.Sprintf("activity-ops-%d", time.Now().UnixNano())
	runWorker(t, c, queue, worker.Options{},
		[]any{RunsActivity, LeavesAnActivityPending}, []any{HeartbeatsUntilPaused, FailsFirstTime})
	return &activityOpsTest{t: t, c: c, ctx: ctx, queue: queue}
}

func (a *activityOpsTest) start(id, activityName string, retryInitial time.Duration) client.WorkflowRun {
	a.t.Helper()
	run, err := a.c.ExecuteWorkflow(a.ctx, client.StartWorkflowOptions{ID: id, TaskQueue: a.queue},
		RunsActivity, activityName, retryInitial)
	if err != nil {
		a.t.Fatalf("ExecuteWorkflow: %v", err)
	}
	a.t.Cleanup(func() { _ = a.c.TerminateWorkflow(context.Background(), id, "", "test cleanup") })
	return run
}

// waitPending waits until the workflow's one pending activity satisfies `ready`.
func (a *activityOpsTest) waitPending(id, what string, ready func(*workflowpb.PendingActivityInfo) bool) *workflowpb.PendingActivityInfo {
	a.t.Helper()
	var pending *workflowpb.PendingActivityInfo
	hdotest.Eventually(a.t, 20*time.Second, func() error {
		described, err := a.c.DescribeWorkflowExecution(a.ctx, id, "")
		if err != nil {
			return err
		}
		if len(described.GetPendingActivities()) != 1 {
			return fmt.Errorf("%d pending activities, waiting for %s", len(described.GetPendingActivities()), what)
		}
		pending = described.GetPendingActivities()[0]
		if !ready(pending) {
			return fmt.Errorf("pending activity %v, waiting for %s", pending, what)
		}
		return nil
	})
	return pending
}

func TestActivityPauseParksTheRetryAndUnpauseRunsIt(t *testing.T) {
	a := newActivityOpsTest(t)
	id := "pause-" + a.queue
	run := a.start(id, "HeartbeatsUntilPaused", time.Second)
	a.waitPending(id, "the first attempt to run", func(p *workflowpb.PendingActivityInfo) bool {
		return p.GetState() == enumspb.PENDING_ACTIVITY_STATE_STARTED
	})
	svc := a.c.WorkflowService()
	execution := &commonpb.WorkflowExecution{WorkflowId: id}
	_, err := svc.PauseActivity(a.ctx, &workflowservice.PauseActivityRequest{
		Namespace: "default", Execution: execution, Identity: "operator-1",
		Activity: &workflowservice.PauseActivityRequest_Id{Id: "the-activity"}, Reason: "looking into it",
	})
	if err != nil {
		t.Fatalf("PauseActivity: %v", err)
	}
	// The heartbeat answers "paused", the worker fails the attempt, the next one is parked.
	parked := a.waitPending(id, "the failed attempt to be parked", func(p *workflowpb.PendingActivityInfo) bool {
		return p.GetState() == enumspb.PENDING_ACTIVITY_STATE_PAUSED && p.GetAttempt() == 2
	})
	if !parked.GetPaused() || parked.GetLastFailure().GetMessage() != "activity paused" ||
		parked.GetPauseInfo().GetManual().GetIdentity() != "operator-1" ||
		parked.GetPauseInfo().GetManual().GetReason() != "looking into it" || parked.GetPauseInfo().GetPauseTime() == nil {
		t.Fatalf("parked activity: %v", parked)
	}
	// Pausing again changes nothing, the first pause's who and why stay.
	if _, err := svc.PauseActivity(a.ctx, &workflowservice.PauseActivityRequest{
		Namespace: "default", Execution: execution, Identity: "operator-2",
		Activity: &workflowservice.PauseActivityRequest_Type{Type: "HeartbeatsUntilPaused"}, Reason: "again",
	}); err != nil {
		t.Fatalf("PauseActivity again: %v", err)
	}
	hdotest.Eventually(t, 20*time.Second, func() error {
		listed, err := a.c.ListWorkflow(a.ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowId = '%s' AND TemporalPauseInfo = 'property:activityType=HeartbeatsUntilPaused'", id),
		})
		if err != nil {
			return err
		}
		if len(listed.GetExecutions()) != 1 {
			return fmt.Errorf("TemporalPauseInfo lists %d workflows", len(listed.GetExecutions()))
		}
		return nil
	})
	// Describe shows it among the run's search attributes, as the reference keeps it there.
	if got := pauseInfoOf(t, a, id); len(got) != 1 || got[0] != "property:activityType=HeartbeatsUntilPaused" {
		t.Errorf("Describe's TemporalPauseInfo = %v, want [property:activityType=HeartbeatsUntilPaused]", got)
	}
	// Longer than the heartbeat timeout and the retry interval: nothing runs, nothing times out.
	time.Sleep(2500 * time.Millisecond)
	still := a.waitPending(id, "the activity to stay parked", func(p *workflowpb.PendingActivityInfo) bool { return true })
	if still.GetState() != enumspb.PENDING_ACTIVITY_STATE_PAUSED || still.GetAttempt() != 2 ||
		still.GetPauseInfo().GetManual().GetIdentity() != "operator-1" {
		t.Fatalf("after 2.5 s paused: %v", still)
	}

	if _, err := svc.UnpauseActivity(a.ctx, &workflowservice.UnpauseActivityRequest{
		Namespace: "default", Execution: execution, Identity: "operator-1",
		Activity: &workflowservice.UnpauseActivityRequest_Id{Id: "the-activity"},
	}); err != nil {
		t.Fatalf("UnpauseActivity: %v", err)
	}
	var result string
	if err := run.Get(a.ctx, &result); err != nil || result != "done at attempt 2" {
		t.Fatalf("result %q (%v), want done at attempt 2", result, err)
	}
	hdotest.Eventually(t, 20*time.Second, func() error {
		listed, err := a.c.ListWorkflow(a.ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowId = '%s' AND TemporalPauseInfo IS NULL", id),
		})
		if err != nil {
			return err
		}
		if len(listed.GetExecutions()) != 1 {
			return fmt.Errorf("TemporalPauseInfo still set after the unpause")
		}
		return nil
	})
	if got := pauseInfoOf(t, a, id); got != nil {
		t.Errorf("Describe's TemporalPauseInfo after the unpause = %v, want none", got)
	}
}

// The TemporalPauseInfo values among the search attributes Describe reports (nil: absent).
func pauseInfoOf(t *testing.T, a *activityOpsTest, id string) []string {
	t.Helper()
	described, err := a.c.DescribeWorkflowExecution(a.ctx, id, "")
	if err != nil {
		t.Fatalf("DescribeWorkflowExecution: %v", err)
	}
	payload, ok := described.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()["TemporalPauseInfo"]
	if !ok {
		return nil
	}
	var values []string
	if err := converter.GetDefaultDataConverter().FromPayload(payload, &values); err != nil {
		t.Fatalf("TemporalPauseInfo %v: %v", payload, err)
	}
	return values
}

func TestActivityResetRunsAWaitingRetryAtOnceAsAttemptOne(t *testing.T) {
	a := newActivityOpsTest(t)
	failsFirstTimeCalls.Store(0)
	id := "reset-" + a.queue
	run := a.start(id, "FailsFirstTime", time.Hour)
	a.waitPending(id, "the retry to wait for its hour", func(p *workflowpb.PendingActivityInfo) bool {
		return p.GetAttempt() == 2 && p.GetState() == enumspb.PENDING_ACTIVITY_STATE_SCHEDULED
	})
	if _, err := a.c.WorkflowService().ResetActivity(a.ctx, &workflowservice.ResetActivityRequest{
		Namespace: "default", Execution: &commonpb.WorkflowExecution{WorkflowId: id}, Identity: "operator",
		Activity: &workflowservice.ResetActivityRequest_Id{Id: "the-activity"},
	}); err != nil {
		t.Fatalf("ResetActivity: %v", err)
	}
	ctx, cancel := context.WithTimeout(a.ctx, 20*time.Second)
	defer cancel()
	var result string
	if err := run.Get(ctx, &result); err != nil || result != "attempt 1" {
		t.Fatalf("result %q (%v), want attempt 1 soon after the reset", result, err)
	}
}

func TestUpdateActivityOptionsReschedulesAWaitingRetry(t *testing.T) {
	a := newActivityOpsTest(t)
	failsFirstTimeCalls.Store(0)
	id := "options-" + a.queue
	run := a.start(id, "FailsFirstTime", time.Hour)
	a.waitPending(id, "the retry to wait for its hour", func(p *workflowpb.PendingActivityInfo) bool {
		return p.GetAttempt() == 2 && p.GetState() == enumspb.PENDING_ACTIVITY_STATE_SCHEDULED
	})
	updated, err := a.c.WorkflowService().UpdateActivityOptions(a.ctx, &workflowservice.UpdateActivityOptionsRequest{
		Namespace: "default", Execution: &commonpb.WorkflowExecution{WorkflowId: id}, Identity: "operator",
		Activity: &workflowservice.UpdateActivityOptionsRequest_Id{Id: "the-activity"},
		ActivityOptions: &activitypb.ActivityOptions{
			RetryPolicy:         &commonpb.RetryPolicy{InitialInterval: durationpb.New(500 * time.Millisecond)},
			StartToCloseTimeout: durationpb.New(20 * time.Second),
		},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"retry_policy.initial_interval", "startToCloseTimeout"}},
	})
	if err != nil {
		t.Fatalf("UpdateActivityOptions: %v", err)
	}
	options := updated.GetActivityOptions()
	if options.GetRetryPolicy().GetInitialInterval().AsDuration() != 500*time.Millisecond ||
		options.GetRetryPolicy().GetMaximumAttempts() != 5 || options.GetRetryPolicy().GetBackoffCoefficient() != 2 ||
		options.GetStartToCloseTimeout().AsDuration() != 20*time.Second || options.GetTaskQueue().GetName() != a.queue ||
		options.GetHeartbeatTimeout().AsDuration() != time.Second {
		t.Fatalf("updated options %v", options)
	}
	described := a.waitPending(id, "the new options", func(p *workflowpb.PendingActivityInfo) bool { return true })
	if described.GetActivityOptions().GetStartToCloseTimeout().AsDuration() != 20*time.Second {
		t.Fatalf("described options %v", described.GetActivityOptions())
	}
	ctx, cancel := context.WithTimeout(a.ctx, 20*time.Second)
	defer cancel()
	var result string
	if err := run.Get(ctx, &result); err != nil || result != "attempt 2" {
		t.Fatalf("result %q (%v), want attempt 2 soon after the update", result, err)
	}
}

func TestAClosedWorkflowStillDescribesItsPendingActivity(t *testing.T) {
	a := newActivityOpsTest(t)
	id := "left-" + a.queue
	run, err := a.c.ExecuteWorkflow(a.ctx, client.StartWorkflowOptions{ID: id, TaskQueue: a.queue}, LeavesAnActivityPending)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	if err := run.Get(a.ctx, nil); err != nil {
		t.Fatalf("workflow: %v", err)
	}
	described, err := a.c.DescribeWorkflowExecution(a.ctx, id, "")
	if err != nil {
		t.Fatalf("describe: %v", err)
	}
	pending := described.GetPendingActivities()
	if described.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED ||
		len(pending) != 1 || pending[0].GetActivityId() != "left-behind" {
		t.Fatalf("closed workflow describes %v", pending)
	}
	// The operator calls refuse a closed workflow's activity.
	_, err = a.c.WorkflowService().PauseActivity(a.ctx, &workflowservice.PauseActivityRequest{
		Namespace: "default", Execution: &commonpb.WorkflowExecution{WorkflowId: id},
		Activity: &workflowservice.PauseActivityRequest_Id{Id: "left-behind"},
	})
	if grpcCode(err) != codes.NotFound {
		t.Fatalf("pause on a closed workflow: %v, want NotFound", err)
	}
}

func TestActivityOperatorCallsRefuseBadRequests(t *testing.T) {
	a := newActivityOpsTest(t)
	id := "bad-" + a.queue
	a.start(id, "HeartbeatsUntilPaused", time.Second)
	a.waitPending(id, "the activity to run", func(p *workflowpb.PendingActivityInfo) bool { return true })
	svc := a.c.WorkflowService()
	execution := &commonpb.WorkflowExecution{WorkflowId: id}
	cases := []struct {
		name string
		call func() error
		want codes.Code
	}{
		{"pause without a workflow id", func() error {
			_, err := svc.PauseActivity(a.ctx, &workflowservice.PauseActivityRequest{Namespace: "default",
				Activity: &workflowservice.PauseActivityRequest_Id{Id: "the-activity"}})
			return err
		}, codes.InvalidArgument},
		{"unpause without an activity", func() error {
			_, err := svc.UnpauseActivity(a.ctx, &workflowservice.UnpauseActivityRequest{Namespace: "default", Execution: execution})
			return err
		}, codes.InvalidArgument},
		{"reset of an unknown activity", func() error {
			_, err := svc.ResetActivity(a.ctx, &workflowservice.ResetActivityRequest{Namespace: "default", Execution: execution,
				Activity: &workflowservice.ResetActivityRequest_Id{Id: "no-such-activity"}})
			return err
		}, codes.NotFound},
		{"pause in an unknown workflow", func() error {
			_, err := svc.PauseActivity(a.ctx, &workflowservice.PauseActivityRequest{Namespace: "default",
				Execution: &commonpb.WorkflowExecution{WorkflowId: "no-such-workflow-" + a.queue},
				Activity:  &workflowservice.PauseActivityRequest_Id{Id: "the-activity"}})
			return err
		}, codes.NotFound},
		{"options with both a mask and restore_original", func() error {
			_, err := svc.UpdateActivityOptions(a.ctx, &workflowservice.UpdateActivityOptionsRequest{Namespace: "default",
				Execution: execution, Activity: &workflowservice.UpdateActivityOptionsRequest_Id{Id: "the-activity"},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"heartbeat_timeout"}}, RestoreOriginal: true})
			return err
		}, codes.InvalidArgument},
		{"options without options", func() error {
			_, err := svc.UpdateActivityOptions(a.ctx, &workflowservice.UpdateActivityOptionsRequest{Namespace: "default",
				Execution: execution, Activity: &workflowservice.UpdateActivityOptionsRequest_Id{Id: "the-activity"},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"heartbeat_timeout"}}})
			return err
		}, codes.InvalidArgument},
		{"options that leave no timeout", func() error {
			_, err := svc.UpdateActivityOptions(a.ctx, &workflowservice.UpdateActivityOptionsRequest{Namespace: "default",
				Execution: execution, Activity: &workflowservice.UpdateActivityOptionsRequest_Id{Id: "the-activity"},
				ActivityOptions: &activitypb.ActivityOptions{},
				UpdateMask:      &fieldmaskpb.FieldMask{Paths: []string{"start_to_close_timeout"}}})
			return err
		}, codes.InvalidArgument},
	}
	for _, tc := range cases {
		if got := grpcCode(tc.call()); got != tc.want {
			t.Fatalf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	// None of them changed the activity.
	pending := a.waitPending(id, "the activity unchanged", func(p *workflowpb.PendingActivityInfo) bool { return true })
	if pending.GetPaused() || pending.GetActivityOptions().GetStartToCloseTimeout().AsDuration() != 30*time.Second {
		t.Fatalf("after the refused calls: %v", pending)
	}
}
