// Goal: the newer activity operator calls (PauseActivityExecution, UnpauseActivityExecution,
// ResetActivityExecution, UpdateActivityExecutionOptions), which name a workflow's activity by
// workflow id and activity id, act as the older ones do (the reference forwards them to the same
// history calls): pause parks the next attempt with who and why, unpause runs it, reset runs a
// waiting retry at once as attempt 1, new options reschedule it and come back merged; their own
// checks refuse what the reference refuses in its words ("activity ID is required", "invalid run
// id: must be a valid UUID", an unsupported update_mask path), and a standalone activity's call
// (no workflow id) is UNIMPLEMENTED, as with the reference's default
// history.enableStandaloneActivityOperatorCommands=false. Method: a fresh hdo, a Go SDK worker,
// the raw WorkflowService client. The reference dev server of CLI 1.5.1 (server 1.29.1) predates
// these calls, so the semantics are the reference source's (chasm/lib/activity handler.go,
// validator.go).
package compat

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	activitypb "go.temporal.io/api/activity/v1"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

func TestActivityExecutionCallsPauseUnpauseAWorkflowsActivity(t *testing.T) {
	if hdotest.External() {
		t.Skip("the reference dev server of CLI 1.5.1 predates the *ActivityExecution operator calls")
	}
	a := newActivityOpsTest(t)
	id := "exec-pause-" + a.queue
	run := a.start(id, "HeartbeatsUntilPaused", time.Second)
	a.waitPending(id, "the first attempt to run", func(p *workflowpb.PendingActivityInfo) bool {
		return p.GetState() == enumspb.PENDING_ACTIVITY_STATE_STARTED
	})
	svc := a.c.WorkflowService()
	if _, err := svc.PauseActivityExecution(a.ctx, &workflowservice.PauseActivityExecutionRequest{
		Namespace: "default", WorkflowId: id, ActivityId: "the-activity", Identity: "operator-1", Reason: "looking into it",
	}); err != nil {
		t.Fatalf("PauseActivityExecution: %v", err)
	}
	parked := a.waitPending(id, "the failed attempt to be parked", func(p *workflowpb.PendingActivityInfo) bool {
		return p.GetState() == enumspb.PENDING_ACTIVITY_STATE_PAUSED && p.GetAttempt() == 2
	})
	if parked.GetPauseInfo().GetManual().GetIdentity() != "operator-1" || parked.GetPauseInfo().GetManual().GetReason() != "looking into it" {
		t.Fatalf("parked activity: %v", parked)
	}
	if _, err := svc.UnpauseActivityExecution(a.ctx, &workflowservice.UnpauseActivityExecutionRequest{
		Namespace: "default", WorkflowId: id, RunId: run.GetRunID(), ActivityId: "the-activity", Identity: "operator-1",
	}); err != nil {
		t.Fatalf("UnpauseActivityExecution: %v", err)
	}
	var result string
	if err := run.Get(a.ctx, &result); err != nil || result != "done at attempt 2" {
		t.Fatalf("result %q (%v), want done at attempt 2", result, err)
	}
}

func TestActivityExecutionCallsResetAndUpdateOptions(t *testing.T) {
	if hdotest.External() {
		t.Skip("the reference dev server of CLI 1.5.1 predates the *ActivityExecution operator calls")
	}
	a := newActivityOpsTest(t)
	svc := a.c.WorkflowService()

	failsFirstTimeCalls.Store(0)
	resetID := "exec-reset-" + a.queue
	run := a.start(resetID, "FailsFirstTime", time.Hour)
	a.waitPending(resetID, "the retry to wait for its hour", func(p *workflowpb.PendingActivityInfo) bool {
		return p.GetAttempt() == 2 && p.GetState() == enumspb.PENDING_ACTIVITY_STATE_SCHEDULED
	})
	if _, err := svc.ResetActivityExecution(a.ctx, &workflowservice.ResetActivityExecutionRequest{
		Namespace: "default", WorkflowId: resetID, ActivityId: "the-activity", Identity: "operator",
	}); err != nil {
		t.Fatalf("ResetActivityExecution: %v", err)
	}
	ctx, cancel := context.WithTimeout(a.ctx, 20*time.Second)
	defer cancel()
	var result string
	if err := run.Get(ctx, &result); err != nil || result != "attempt 1" {
		t.Fatalf("result %q (%v), want attempt 1 soon after the reset", result, err)
	}

	failsFirstTimeCalls.Store(0)
	optionsID := "exec-options-" + a.queue
	run = a.start(optionsID, "FailsFirstTime", time.Hour)
	a.waitPending(optionsID, "the retry to wait for its hour", func(p *workflowpb.PendingActivityInfo) bool {
		return p.GetAttempt() == 2 && p.GetState() == enumspb.PENDING_ACTIVITY_STATE_SCHEDULED
	})
	updated, err := svc.UpdateActivityExecutionOptions(a.ctx, &workflowservice.UpdateActivityExecutionOptionsRequest{
		Namespace: "default", WorkflowId: optionsID, ActivityId: "the-activity", Identity: "operator",
		ActivityOptions: &activitypb.ActivityOptions{
			RetryPolicy: &commonpb.RetryPolicy{InitialInterval: durationpb.New(500 * time.Millisecond)},
		},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"retry_policy.initial_interval"}},
	})
	if err != nil {
		t.Fatalf("UpdateActivityExecutionOptions: %v", err)
	}
	if options := updated.GetActivityOptions(); options.GetRetryPolicy().GetInitialInterval().AsDuration() != 500*time.Millisecond ||
		options.GetRetryPolicy().GetMaximumAttempts() != 5 || options.GetTaskQueue().GetName() != a.queue {
		t.Fatalf("updated options %v; want the new interval merged into the old options", options)
	}
	ctx, cancel = context.WithTimeout(a.ctx, 20*time.Second)
	defer cancel()
	if err := run.Get(ctx, &result); err != nil || result != "attempt 2" {
		t.Fatalf("result %q (%v), want attempt 2 soon after the update", result, err)
	}
}

func TestActivityExecutionCallsRefuseWhatTheReferenceRefuses(t *testing.T) {
	if hdotest.External() {
		t.Skip("the reference dev server of CLI 1.5.1 predates the *ActivityExecution operator calls")
	}
	a := newActivityOpsTest(t)
	id := "exec-bad-" + a.queue
	a.start(id, "HeartbeatsUntilPaused", time.Second)
	a.waitPending(id, "the activity to run", func(p *workflowpb.PendingActivityInfo) bool { return true })
	svc := a.c.WorkflowService()
	cases := []struct {
		name string
		call func() error
		code codes.Code
		want string
	}{
		{"a standalone activity's pause", func() error {
			_, err := svc.PauseActivityExecution(a.ctx, &workflowservice.PauseActivityExecutionRequest{Namespace: "default", ActivityId: "the-activity"})
			return err
		}, codes.Unimplemented, "Standalone activity operator commands are disabled"},
		{"no activity id", func() error {
			_, err := svc.UnpauseActivityExecution(a.ctx, &workflowservice.UnpauseActivityExecutionRequest{Namespace: "default", WorkflowId: id})
			return err
		}, codes.InvalidArgument, "activity ID is required"},
		{"a run id that is no UUID", func() error {
			_, err := svc.ResetActivityExecution(a.ctx, &workflowservice.ResetActivityExecutionRequest{Namespace: "default", WorkflowId: id,
				ActivityId: "the-activity", RunId: "not-a-uuid"})
			return err
		}, codes.InvalidArgument, "invalid run id: must be a valid UUID"},
		{"a negative jitter", func() error {
			_, err := svc.UnpauseActivityExecution(a.ctx, &workflowservice.UnpauseActivityExecutionRequest{Namespace: "default", WorkflowId: id,
				ActivityId: "the-activity", Jitter: durationpb.New(-time.Second)})
			return err
		}, codes.InvalidArgument, "invalid jitter: negative duration"},
		{"an unsupported mask path", func() error {
			_, err := svc.UpdateActivityExecutionOptions(a.ctx, &workflowservice.UpdateActivityExecutionOptionsRequest{Namespace: "default",
				WorkflowId: id, ActivityId: "the-activity", ActivityOptions: &activitypb.ActivityOptions{},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"activity_type"}}})
			return err
		}, codes.InvalidArgument, `unsupported update_mask path: "activity_type"`},
		{"an unknown activity", func() error {
			_, err := svc.PauseActivityExecution(a.ctx, &workflowservice.PauseActivityExecutionRequest{Namespace: "default", WorkflowId: id,
				ActivityId: "no-such-activity"})
			return err
		}, codes.NotFound, ""},
	}
	for _, c := range cases {
		err := c.call()
		if grpcCode(err) != c.code || err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want %v %q", c.name, err, c.code, c.want)
		}
	}
	// Nothing was paused by the refused calls.
	if p := a.waitPending(id, "the activity", func(p *workflowpb.PendingActivityInfo) bool { return true }); p.GetPaused() {
		t.Fatalf("activity paused by a refused call: %v", p)
	}
}
