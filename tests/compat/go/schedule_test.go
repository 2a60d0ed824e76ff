// Goal: the Schedules API as an experienced Temporal user relies on it: a schedule's spec is kept
// in the reference's canonical form (a cron string becomes a structured calendar), its policies,
// state, action and memo are described back; an interval schedule starts workflows named
// <action id>-<nominal time, RFC 3339> that carry TemporalScheduledById and
// TemporalScheduledStartTime; pause/unpause notes, Trigger, Backfill, the overlap policies (SKIP,
// BUFFER_ONE, ALLOW_ALL), Update, List, Delete, remaining actions, ListScheduleMatchingTimes, bad
// specs and actions, pause on failure, List queries (custom attributes, TemporalSchedulePaused;
// other system attributes refused), the schedule's own search attributes across Update (nil
// keeps, a set replaces, an empty set clears) and the action's typed ones, and the last
// completion result handed to the next run. Method: a real hdo (or HDO_TARGET, e.g. the reference
// `temporal server start-dev` of the temporal CLI 1.5.1), the Go SDK's ScheduleClient and, where
// the SDK hides a field (buffer_size, start_workflow_status, update_time, the raw spec), the raw
// WorkflowService client. Every wait is bounded; waits that depend on the schedule's clock use
// 1–2 s intervals. The reference runs schedules as workflows, so a schedule's info (action count,
// running workflows, statuses) may lag an event by a moment and ListSchedules is eventually
// consistent: those assertions wait for their condition.
package compat

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	schedulepb "go.temporal.io/api/schedule/v1"
	"go.temporal.io/api/serviceerror"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ScheduledEcho returns its argument.
func ScheduledEcho(_ workflow.Context, text string) (string, error) { return text, nil }

// ScheduledUntilReleased runs until it gets a "release" signal.
func ScheduledUntilReleased(ctx workflow.Context) error {
	workflow.GetSignalChannel(ctx, "release").Receive(ctx, nil)
	return nil
}

// ScheduledFailure fails at once (a workflow has no retry policy unless given one).
func ScheduledFailure(workflow.Context) error {
	return temporal.NewApplicationError("the scheduled run failed", "ScheduledFailure")
}

// scheduleTest is one schedule test's client, deadline and unique suffix.
type scheduleTest struct {
	t      *testing.T
	c      client.Client
	ctx    context.Context
	suffix string
}

func newScheduleTest(t *testing.T) *scheduleTest {
	t.Helper()
	c := dialTarget(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return &scheduleTest{t: t, c: c, ctx: ctx, suffix: fmt.Sprintf("%d", time.Now().UnixNano())}
}

// create creates a schedule through the SDK. When the test ends the schedule is paused, deleted,
// and the workflows it left running are terminated.
func (s *scheduleTest) create(options client.ScheduleOptions) client.ScheduleHandle {
	s.t.Helper()
	handle, err := s.c.ScheduleClient().Create(s.ctx, options)
	if err != nil {
		s.t.Fatalf("Create schedule %q: %v", options.ID, err)
	}
	s.t.Cleanup(func() { s.stop(handle) })
	return handle
}

// hourlyEcho is the options of a schedule whose spec is hourly and whose action echoes "x" on a
// queue nobody polls: what the tests of create, describe, list and delete need.
func (s *scheduleTest) hourlyEcho(id, actionID string) client.ScheduleOptions {
	return client.ScheduleOptions{
		ID:     id,
		Spec:   client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Hour}}},
		Action: &client.ScheduleWorkflowAction{ID: actionID, Workflow: ScheduledEcho, Args: []any{"x"}, TaskQueue: "nobody-polls-" + s.suffix},
	}
}

func (s *scheduleTest) stop(handle client.ScheduleHandle) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = handle.Pause(ctx, client.SchedulePauseOptions{Note: "test over"})
	desc, err := handle.Describe(ctx)
	_ = handle.Delete(ctx)
	if err != nil {
		return
	}
	for _, run := range desc.Info.RunningWorkflows {
		_ = s.c.TerminateWorkflow(ctx, run.WorkflowID, "", "test over")
	}
}

func (s *scheduleTest) describe(handle client.ScheduleHandle) *client.ScheduleDescription {
	s.t.Helper()
	desc, err := handle.Describe(s.ctx)
	if err != nil {
		s.t.Fatalf("Describe schedule %q: %v", handle.GetID(), err)
	}
	return desc
}

// describeRaw is DescribeSchedule through the raw WorkflowService client.
func (s *scheduleTest) describeRaw(id string) *workflowservice.DescribeScheduleResponse {
	s.t.Helper()
	resp, err := s.c.WorkflowService().DescribeSchedule(s.ctx,
		&workflowservice.DescribeScheduleRequest{Namespace: "default", ScheduleId: id})
	if err != nil {
		s.t.Fatalf("DescribeSchedule %q: %v", id, err)
	}
	return resp
}

// waitFor describes the schedule until ready accepts the description (20 s at most) and returns it.
func (s *scheduleTest) waitFor(handle client.ScheduleHandle, what string, ready func(*client.ScheduleDescription) bool) *client.ScheduleDescription {
	s.t.Helper()
	var desc *client.ScheduleDescription
	hdotest.Eventually(s.t, 20*time.Second, func() error {
		desc = s.describe(handle)
		if !ready(desc) {
			return fmt.Errorf("schedule %q: not yet %s (actions %d, running %d, skipped %d, paused %v, note %q)",
				handle.GetID(), what, desc.Info.NumActions, len(desc.Info.RunningWorkflows),
				desc.Info.NumActionsSkippedOverlap, desc.Schedule.State.Paused, desc.Schedule.State.Note)
		}
		return nil
	})
	return desc
}

// waitForRaw is waitFor on the raw description.
func (s *scheduleTest) waitForRaw(id, what string, ready func(*workflowservice.DescribeScheduleResponse) bool) *workflowservice.DescribeScheduleResponse {
	s.t.Helper()
	var desc *workflowservice.DescribeScheduleResponse
	hdotest.Eventually(s.t, 20*time.Second, func() error {
		desc = s.describeRaw(id)
		if !ready(desc) {
			info := desc.GetInfo()
			return fmt.Errorf("schedule %q: not yet %s (actions %d, running %d, skipped %d, buffered %d)", id, what,
				info.GetActionCount(), len(info.GetRunningWorkflows()), info.GetOverlapSkipped(), info.GetBufferSize())
		}
		return nil
	})
	return desc
}

// decodePayload decodes a payload of the default data converter into out.
func decodePayload(t *testing.T, payload any, out any) {
	t.Helper()
	p, ok := payload.(*commonpb.Payload)
	if !ok {
		t.Fatalf("value %v (%T) is not a payload", payload, payload)
	}
	if err := converter.GetDefaultDataConverter().FromPayload(p, out); err != nil {
		t.Fatalf("decode payload: %v", err)
	}
}

// scheduleRange is a Range proto with step 1, as the reference writes every range.
func scheduleRange(start, end int32) []*schedulepb.Range {
	return []*schedulepb.Range{{Start: start, End: end, Step: 1}}
}

// calendarOf is the canonical structured calendar of a cron with the given hour/minute/day of
// week ranges (second 0, every day of month and month, no year).
func calendarOf(minute, hour, dayOfWeek []*schedulepb.Range) *schedulepb.StructuredCalendarSpec {
	return &schedulepb.StructuredCalendarSpec{
		Second:     scheduleRange(0, 0),
		Minute:     minute,
		Hour:       hour,
		DayOfMonth: scheduleRange(1, 31),
		Month:      scheduleRange(1, 12),
		DayOfWeek:  dayOfWeek,
	}
}

func protoListsEqual[T proto.Message](a, b []T) bool {
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

func isNotFound(err error) bool {
	var notFound *serviceerror.NotFound
	return errors.As(err, &notFound)
}

func TestScheduleDescribeShowsTheSpecInCanonicalFormAndThePolicyStateActionAndMemo(t *testing.T) {
	s := newScheduleTest(t)
	id := "sched-describe-" + s.suffix
	queue := "sched-describe-queue-" + s.suffix
	before := time.Now()
	handle := s.create(client.ScheduleOptions{
		ID: id,
		Spec: client.ScheduleSpec{
			CronExpressions: []string{"0 12 * * MON"},
			Intervals:       []client.ScheduleIntervalSpec{{Every: 90 * time.Minute, Offset: 7 * time.Minute}},
			Skip: []client.ScheduleCalendarSpec{{
				Month: []client.ScheduleRange{{Start: 12}}, DayOfMonth: []client.ScheduleRange{{Start: 25}},
				Comment: "christmas"}},
		},
		// A workflow type by name: the args are not checked against a function's signature.
		Action: &client.ScheduleWorkflowAction{ID: "sched-describe-run-" + s.suffix, Workflow: "ScheduledEcho",
			Args: []any{"hello", 42}, TaskQueue: queue, Memo: map[string]any{"origin": "schedule"}},
		Overlap:          enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL,
		CatchupWindow:    10 * time.Minute,
		PauseOnFailure:   true,
		Paused:           true,
		Note:             "created paused",
		RemainingActions: 3,
		Memo:             map[string]any{"owner": "compat"},
	})
	after := time.Now()

	// The spec, raw: the cron string is gone, replaced by its structured calendar; the interval
	// keeps its offset (phase); the skip calendar gets the SDK's defaults and step 1.
	raw := s.describeRaw(id)
	spec := raw.GetSchedule().GetSpec()
	wantCalendars := []*schedulepb.StructuredCalendarSpec{
		calendarOf(scheduleRange(0, 0), scheduleRange(12, 12), scheduleRange(1, 1))}
	if !protoListsEqual(spec.GetStructuredCalendar(), wantCalendars) {
		t.Fatalf("structured_calendar = %v; want %v (cron \"0 12 * * MON\" in canonical form)", spec.GetStructuredCalendar(), wantCalendars)
	}
	if len(spec.GetCronString()) != 0 || len(spec.GetCalendar()) != 0 {
		t.Fatalf("cron_string = %v, calendar = %v; want both empty (the cron is kept as a structured calendar)",
			spec.GetCronString(), spec.GetCalendar())
	}
	wantIntervals := []*schedulepb.IntervalSpec{{Interval: durationpb.New(90 * time.Minute), Phase: durationpb.New(7 * time.Minute)}}
	if !protoListsEqual(spec.GetInterval(), wantIntervals) {
		t.Fatalf("interval = %v; want %v", spec.GetInterval(), wantIntervals)
	}
	wantSkip := []*schedulepb.StructuredCalendarSpec{{
		Second: scheduleRange(0, 0), Minute: scheduleRange(0, 0), Hour: scheduleRange(0, 0),
		DayOfMonth: scheduleRange(25, 25), Month: scheduleRange(12, 12), DayOfWeek: scheduleRange(0, 6),
		Comment: "christmas"}}
	if !protoListsEqual(spec.GetExcludeStructuredCalendar(), wantSkip) {
		t.Fatalf("exclude_structured_calendar = %v; want %v", spec.GetExcludeStructuredCalendar(), wantSkip)
	}
	if raw.GetInfo().GetUpdateTime() != nil {
		t.Fatalf("update_time = %v; want none before any update", raw.GetInfo().GetUpdateTime())
	}

	desc := s.describe(handle)
	if p := desc.Schedule.Policy; p.Overlap != enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL ||
		p.CatchupWindow != 10*time.Minute || !p.PauseOnFailure {
		t.Fatalf("policy = %+v; want BUFFER_ALL, catchup window 10m, pause on failure", *p)
	}
	if st := desc.Schedule.State; !st.Paused || st.Note != "created paused" || !st.LimitedActions || st.RemainingActions != 3 {
		t.Fatalf("state = %+v; want paused, note \"created paused\", limited actions, 3 remaining", *st)
	}
	action, ok := desc.Schedule.Action.(*client.ScheduleWorkflowAction)
	if !ok {
		t.Fatalf("action = %T; want *client.ScheduleWorkflowAction", desc.Schedule.Action)
	}
	if action.ID != "sched-describe-run-"+s.suffix || action.Workflow != "ScheduledEcho" || action.TaskQueue != queue {
		t.Fatalf("action id/type/queue = %q/%v/%q; want %q/ScheduledEcho/%q",
			action.ID, action.Workflow, action.TaskQueue, "sched-describe-run-"+s.suffix, queue)
	}
	if len(action.Args) != 2 {
		t.Fatalf("action args = %v; want 2 payloads", action.Args)
	}
	var first string
	var second int
	decodePayload(t, action.Args[0], &first)
	decodePayload(t, action.Args[1], &second)
	if first != "hello" || second != 42 {
		t.Fatalf("action args = %q, %d; want \"hello\", 42", first, second)
	}
	var origin string
	decodePayload(t, action.Memo["origin"], &origin)
	if len(action.Memo) != 1 || origin != "schedule" {
		t.Fatalf("action memo = %v (origin %q); want just origin = \"schedule\"", action.Memo, origin)
	}
	var owner string
	if desc.Memo == nil || len(desc.Memo.GetFields()) != 1 {
		t.Fatalf("schedule memo = %v; want just owner", desc.Memo)
	}
	decodePayload(t, desc.Memo.GetFields()["owner"], &owner)
	if owner != "compat" {
		t.Fatalf("schedule memo owner = %q; want \"compat\"", owner)
	}
	created := desc.Info.CreatedAt
	if created.Before(before.Add(-time.Second)) || created.After(after.Add(time.Second)) {
		t.Fatalf("create time %v; want between %v and %v", created, before, after)
	}
	if desc.Info.NumActions != 0 || len(desc.Info.RecentActions) != 0 || len(desc.Info.RunningWorkflows) != 0 {
		t.Fatalf("info = %+v; want no actions yet", desc.Info)
	}
	// Future action times: as many as the remaining actions (3), increasing, each a time of the
	// spec (the interval: 7 minutes past a multiple of 90 minutes since the epoch, or Monday 12:00
	// UTC) and none on the skipped day.
	times := desc.Info.NextActionTimes
	if len(times) != 3 {
		t.Fatalf("future action times = %v; want 3 (one per remaining action)", times)
	}
	for i, at := range times {
		onInterval := at.Unix()%(90*60) == 7*60 && at.Nanosecond() == 0
		onCron := at.UTC().Weekday() == time.Monday && at.UTC().Hour() == 12 && at.UTC().Minute() == 0 && at.UTC().Second() == 0 && at.Nanosecond() == 0
		if !onInterval && !onCron {
			t.Fatalf("future action time %v is not a time of the spec", at)
		}
		if at.Before(created) || (i > 0 && !at.After(times[i-1])) {
			t.Fatalf("future action times %v; want increasing times after the creation %v", times, created)
		}
	}
}

func TestScheduleDefaultsAndTheFutureActionTimesOfAnIntervalSchedule(t *testing.T) {
	s := newScheduleTest(t)
	id := "sched-defaults-" + s.suffix
	handle := s.create(client.ScheduleOptions{
		ID:     id,
		Spec:   client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Hour, Offset: 15 * time.Minute}}},
		Action: &client.ScheduleWorkflowAction{ID: "sched-defaults-run-" + s.suffix, Workflow: ScheduledEcho, Args: []any{"x"}, TaskQueue: "nobody-polls-" + s.suffix},
	})
	desc := s.describe(handle)
	// The reference's defaults: overlap SKIP, a catchup window of one year (365 days).
	if p := desc.Schedule.Policy; p.Overlap != enumspb.SCHEDULE_OVERLAP_POLICY_SKIP || p.CatchupWindow != 365*24*time.Hour || p.PauseOnFailure {
		t.Fatalf("default policy = %+v; want SKIP, catchup window 8760h, no pause on failure", *p)
	}
	if st := desc.Schedule.State; st.Paused || st.Note != "" || st.LimitedActions || st.RemainingActions != 0 {
		t.Fatalf("default state = %+v; want running, no note, unlimited", *st)
	}
	// Ten future action times, one an hour at 15 minutes past, the first within the next hour.
	times := desc.Info.NextActionTimes
	if len(times) != 10 {
		t.Fatalf("future action times = %v; want 10", times)
	}
	now := time.Now()
	if !times[0].After(now.Add(-time.Second)) || times[0].After(now.Add(time.Hour)) {
		t.Fatalf("first future action time %v; want within the hour after %v", times[0], now)
	}
	for i, at := range times {
		if at.UTC().Minute() != 15 || at.UTC().Second() != 0 || at.Nanosecond() != 0 {
			t.Fatalf("future action time %v; want hh:15:00", at)
		}
		if i > 0 && at.Sub(times[i-1]) != time.Hour {
			t.Fatalf("future action times %v; want one an hour", times)
		}
	}
}

func TestScheduleCreatingAnExistingIdIsAlreadyRunning(t *testing.T) {
	s := newScheduleTest(t)
	id := "sched-dup-" + s.suffix
	options := s.hourlyEcho(id, "sched-dup-run-"+s.suffix)
	options.Paused, options.Note = true, "the first"
	handle := s.create(options)
	again := options
	again.Note = "the second"
	again.Spec = client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: 2 * time.Hour}}}
	if _, err := s.c.ScheduleClient().Create(s.ctx, again); !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		t.Fatalf("second Create = %v; want temporal.ErrScheduleAlreadyRunning", err)
	}
	// Raw, the refusal is WorkflowExecutionAlreadyStarted (reference: "Workflow execution is already
	// running. WorkflowId: temporal-sys-scheduler:<id>, RunId: <run id>.").
	_, err := s.c.WorkflowService().CreateSchedule(s.ctx, &workflowservice.CreateScheduleRequest{
		Namespace: "default", ScheduleId: id, RequestId: "another-request-" + s.suffix,
		Schedule: s.describeRaw(id).GetSchedule()})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if !errors.As(err, &started) {
		t.Fatalf("raw CreateSchedule of an existing id = %v (%T); want WorkflowExecutionAlreadyStarted", err, err)
	}
	desc := s.describe(handle)
	if desc.Schedule.State.Note != "the first" || len(desc.Schedule.Spec.Intervals) != 1 || desc.Schedule.Spec.Intervals[0].Every != time.Hour {
		t.Fatalf("after the refused create: note %q, intervals %v; want the first schedule unchanged",
			desc.Schedule.State.Note, desc.Schedule.Spec.Intervals)
	}
}

func TestScheduleAnIntervalScheduleStartsWorkflowsNamedAfterTheirNominalTimes(t *testing.T) {
	s := newScheduleTest(t)
	queue := "sched-interval-" + s.suffix
	runWorker(t, s.c, queue, worker.Options{}, []any{ScheduledEcho}, nil)
	id := "sched-interval-" + s.suffix
	actionID := "sched-interval-run-" + s.suffix
	handle := s.create(client.ScheduleOptions{
		ID:   id,
		Spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: 2 * time.Second}}},
		Action: &client.ScheduleWorkflowAction{ID: actionID, Workflow: ScheduledEcho, Args: []any{"tick"},
			TaskQueue: queue, Memo: map[string]any{"origin": "schedule"}},
		// ALLOW_ALL: no tick is skipped because the schedule has not yet seen the previous run close.
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL,
	})
	desc := s.waitFor(handle, "two actions", func(d *client.ScheduleDescription) bool { return d.Info.NumActions >= 2 })
	actions := desc.Info.RecentActions
	if len(actions) != desc.Info.NumActions {
		t.Fatalf("recent actions %d; want one per action (%d)", len(actions), desc.Info.NumActions)
	}
	for i, action := range actions {
		nominal := action.ScheduleTime
		// The nominal times are on the interval's grid (multiples of 2 s since the epoch), 2 s apart.
		if nominal.UnixNano()%int64(2*time.Second) != 0 {
			t.Fatalf("action %d nominal time %v; want a multiple of 2 s", i, nominal)
		}
		if i > 0 && nominal.Sub(actions[i-1].ScheduleTime) != 2*time.Second {
			t.Fatalf("nominal times %v then %v; want 2 s apart", actions[i-1].ScheduleTime, nominal)
		}
		if action.ActualTime.Before(nominal) {
			t.Fatalf("action %d started at %v, before its nominal time %v", i, action.ActualTime, nominal)
		}
		// The reference: <action id>-<nominal time in UTC, RFC 3339, whole seconds>, e.g.
		// sched-interval-run-1796457897332351191-2026-12-05T08:04:58Z.
		want := actionID + "-" + nominal.UTC().Format(time.RFC3339)
		if action.StartWorkflowResult == nil || action.StartWorkflowResult.WorkflowID != want {
			t.Fatalf("action %d started %+v; want workflow id %q", i, action.StartWorkflowResult, want)
		}
		if action.StartWorkflowResult.FirstExecutionRunID == "" {
			t.Fatalf("action %d has no run id", i)
		}
	}
	for _, at := range desc.Info.NextActionTimes {
		if !at.After(actions[len(actions)-1].ScheduleTime) || at.UnixNano()%int64(2*time.Second) != 0 {
			t.Fatalf("future action times %v; want times of the 2 s grid after the last action", desc.Info.NextActionTimes)
		}
	}

	first := actions[0]
	run := s.c.GetWorkflow(s.ctx, first.StartWorkflowResult.WorkflowID, first.StartWorkflowResult.FirstExecutionRunID)
	var result string
	if err := run.Get(s.ctx, &result); err != nil || result != "tick" {
		t.Fatalf("scheduled workflow result = %q, %v; want \"tick\"", result, err)
	}
	described, err := s.c.DescribeWorkflowExecution(s.ctx, first.StartWorkflowResult.WorkflowID, first.StartWorkflowResult.FirstExecutionRunID)
	if err != nil {
		t.Fatalf("DescribeWorkflowExecution: %v", err)
	}
	info := described.GetWorkflowExecutionInfo()
	if info.GetType().GetName() != "ScheduledEcho" || info.GetTaskQueue() != queue {
		t.Fatalf("scheduled workflow type %q queue %q; want ScheduledEcho on %q", info.GetType().GetName(), info.GetTaskQueue(), queue)
	}
	var origin string
	decodePayload(t, info.GetMemo().GetFields()["origin"], &origin)
	if origin != "schedule" {
		t.Fatalf("scheduled workflow memo origin = %q; want the action's \"schedule\"", origin)
	}
	fields := info.GetSearchAttributes().GetIndexedFields()
	var scheduledBy string
	var scheduledStart time.Time
	decodePayload(t, fields["TemporalScheduledById"], &scheduledBy)
	decodePayload(t, fields["TemporalScheduledStartTime"], &scheduledStart)
	if scheduledBy != id {
		t.Fatalf("TemporalScheduledById = %q; want the schedule id %q", scheduledBy, id)
	}
	if !scheduledStart.Equal(first.ScheduleTime) {
		t.Fatalf("TemporalScheduledStartTime = %v; want the nominal time %v", scheduledStart, first.ScheduleTime)
	}
	// ALLOW_ALL runs are not tracked (the reference's DontTrackOverlapping): none is listed as
	// running and their recent actions keep the status they were started with.
	raw := s.describeRaw(id)
	if len(raw.GetInfo().GetRunningWorkflows()) != 0 {
		t.Fatalf("running workflows %v; want none listed (ALLOW_ALL runs are not tracked)", raw.GetInfo().GetRunningWorkflows())
	}
	if status := raw.GetInfo().GetRecentActions()[0].GetStartWorkflowStatus(); status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("first recent action's status %v; want RUNNING (untracked, as started)", status)
	}
}

func TestSchedulePauseAndUnpauseKeepTheirNotes(t *testing.T) {
	s := newScheduleTest(t)
	id := "sched-pause-" + s.suffix
	handle := s.create(s.hourlyEcho(id, "sched-pause-run-"+s.suffix))
	state := func() client.ScheduleState { return *s.describe(handle).Schedule.State }
	if st := state(); st.Paused || st.Note != "" {
		t.Fatalf("new schedule state %+v; want running without a note", st)
	}
	steps := []struct {
		what   string
		do     func() error
		paused bool
		note   string
	}{
		{"Pause with a note", func() error { return handle.Pause(s.ctx, client.SchedulePauseOptions{Note: "maintenance"}) }, true, "maintenance"},
		{"Pause again", func() error { return handle.Pause(s.ctx, client.SchedulePauseOptions{Note: "still down"}) }, true, "still down"},
		{"Unpause with a note", func() error { return handle.Unpause(s.ctx, client.ScheduleUnpauseOptions{Note: "back"}) }, false, "back"},
		// The Go SDK's default notes (the server gets them as the patch's pause/unpause text).
		{"Pause without a note", func() error { return handle.Pause(s.ctx, client.SchedulePauseOptions{}) }, true, "Paused via Go SDK"},
		{"Unpause without a note", func() error { return handle.Unpause(s.ctx, client.ScheduleUnpauseOptions{}) }, false, "Unpaused via Go SDK"},
		{"Pause through a raw patch", func() error {
			_, err := s.c.WorkflowService().PatchSchedule(s.ctx, &workflowservice.PatchScheduleRequest{Namespace: "default",
				ScheduleId: id, RequestId: "raw-pause-" + s.suffix, Patch: &schedulepb.SchedulePatch{Pause: "raw pause"}})
			return err
		}, true, "raw pause"},
		// A patch with neither pause nor unpause text changes nothing.
		{"an empty patch", func() error {
			_, err := s.c.WorkflowService().PatchSchedule(s.ctx, &workflowservice.PatchScheduleRequest{Namespace: "default",
				ScheduleId: id, RequestId: "raw-empty-" + s.suffix, Patch: &schedulepb.SchedulePatch{}})
			return err
		}, true, "raw pause"},
	}
	for _, step := range steps {
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.what, err)
		}
		s.waitFor(handle, fmt.Sprintf("paused=%v with note %q after %s", step.paused, step.note, step.what),
			func(d *client.ScheduleDescription) bool {
				return d.Schedule.State.Paused == step.paused && d.Schedule.State.Note == step.note
			})
	}
	if desc := s.describe(handle); desc.Info.NumActions != 0 {
		t.Fatalf("actions %d; want none (pausing starts nothing)", desc.Info.NumActions)
	}
}

func TestScheduleTriggerStartsOneWorkflowOfAPausedScheduleNow(t *testing.T) {
	s := newScheduleTest(t)
	queue := "sched-trigger-" + s.suffix
	runWorker(t, s.c, queue, worker.Options{}, []any{ScheduledEcho}, nil)
	id := "sched-trigger-" + s.suffix
	actionID := "sched-trigger-run-" + s.suffix
	handle := s.create(client.ScheduleOptions{
		ID:     id,
		Spec:   client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Hour}}},
		Action: &client.ScheduleWorkflowAction{ID: actionID, Workflow: ScheduledEcho, Args: []any{"triggered"}, TaskQueue: queue},
		Paused: true,
		Note:   "paused for the trigger",
	})
	before := time.Now()
	if err := handle.Trigger(s.ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatalf("Trigger: %v", err)
	}
	desc := s.waitFor(handle, "one action", func(d *client.ScheduleDescription) bool { return d.Info.NumActions >= 1 })
	if desc.Info.NumActions != 1 || len(desc.Info.RecentActions) != 1 {
		t.Fatalf("actions %d, recent %v; want exactly the triggered one", desc.Info.NumActions, desc.Info.RecentActions)
	}
	action := desc.Info.RecentActions[0]
	// The nominal time of a trigger is the moment it is taken (the reference keeps its
	// sub-second part); the workflow id has it in whole seconds.
	if action.ScheduleTime.Before(before.Add(-time.Second)) || action.ScheduleTime.After(time.Now()) {
		t.Fatalf("triggered nominal time %v; want the trigger's time (after %v)", action.ScheduleTime, before)
	}
	want := actionID + "-" + action.ScheduleTime.UTC().Format(time.RFC3339)
	if action.StartWorkflowResult == nil || action.StartWorkflowResult.WorkflowID != want {
		t.Fatalf("triggered run %+v; want workflow id %q", action.StartWorkflowResult, want)
	}
	var result string
	run := s.c.GetWorkflow(s.ctx, want, action.StartWorkflowResult.FirstExecutionRunID)
	if err := run.Get(s.ctx, &result); err != nil || result != "triggered" {
		t.Fatalf("triggered run result = %q, %v; want \"triggered\"", result, err)
	}
	// The run's TemporalScheduledStartTime is the nominal time in whole seconds.
	described, err := s.c.DescribeWorkflowExecution(s.ctx, want, "")
	if err != nil {
		t.Fatalf("DescribeWorkflowExecution: %v", err)
	}
	fields := described.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()
	var scheduledBy string
	var scheduledStart time.Time
	decodePayload(t, fields["TemporalScheduledById"], &scheduledBy)
	decodePayload(t, fields["TemporalScheduledStartTime"], &scheduledStart)
	if scheduledBy != id || !scheduledStart.Equal(action.ScheduleTime.Truncate(time.Second)) {
		t.Fatalf("triggered run's TemporalScheduledById %q, TemporalScheduledStartTime %v; want %q, %v",
			scheduledBy, scheduledStart, id, action.ScheduleTime.Truncate(time.Second))
	}
	if st := s.describe(handle).Schedule.State; !st.Paused || st.Note != "paused for the trigger" {
		t.Fatalf("state after the trigger %+v; want still paused with its note", *st)
	}
}

func TestScheduleBackfillStartsOneWorkflowPerNominalTimeOfThePastRange(t *testing.T) {
	s := newScheduleTest(t)
	queue := "sched-backfill-" + s.suffix
	runWorker(t, s.c, queue, worker.Options{}, []any{ScheduledEcho}, nil)
	id := "sched-backfill-" + s.suffix
	actionID := "sched-backfill-run-" + s.suffix
	// Paused: the spec starts nothing by itself, a backfill runs anyway.
	handle := s.create(client.ScheduleOptions{
		ID:     id,
		Spec:   client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Minute}}},
		Action: &client.ScheduleWorkflowAction{ID: actionID, Workflow: ScheduledEcho, Args: []any{"backfilled"}, TaskQueue: queue},
		Paused: true,
	})
	start := time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	end := start.Add(4 * time.Minute)
	if err := handle.Backfill(s.ctx, client.ScheduleBackfillOptions{Backfill: []client.ScheduleBackfill{
		{Start: start, End: end, Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL}}}); err != nil {
		t.Fatalf("Backfill: %v", err)
	}
	// Both ends of the range count: 5 nominal times.
	var want []string
	for at := start; !at.After(end); at = at.Add(time.Minute) {
		want = append(want, actionID+"-"+at.Format(time.RFC3339))
	}
	desc := s.waitFor(handle, "five actions", func(d *client.ScheduleDescription) bool { return d.Info.NumActions >= len(want) })
	var got []string
	for _, action := range desc.Info.RecentActions {
		got = append(got, action.StartWorkflowResult.WorkflowID)
		if !strings.HasSuffix(action.StartWorkflowResult.WorkflowID, action.ScheduleTime.UTC().Format(time.RFC3339)) {
			t.Fatalf("backfilled run %q for nominal time %v", action.StartWorkflowResult.WorkflowID, action.ScheduleTime)
		}
	}
	sort.Strings(got)
	if desc.Info.NumActions != len(want) || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("backfill started %d: %v; want %v", desc.Info.NumActions, got, want)
	}
	for _, workflowID := range want {
		var result string
		if err := s.c.GetWorkflow(s.ctx, workflowID, "").Get(s.ctx, &result); err != nil || result != "backfilled" {
			t.Fatalf("backfilled run %s result = %q, %v; want \"backfilled\"", workflowID, result, err)
		}
	}
	described, err := s.c.DescribeWorkflowExecution(s.ctx, want[0], "")
	if err != nil {
		t.Fatalf("DescribeWorkflowExecution: %v", err)
	}
	var scheduledStart time.Time
	decodePayload(t, described.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()["TemporalScheduledStartTime"], &scheduledStart)
	if !scheduledStart.Equal(start) {
		t.Fatalf("first backfilled run's TemporalScheduledStartTime = %v; want its nominal time %v", scheduledStart, start)
	}
	if st := s.describe(handle).Schedule.State; !st.Paused {
		t.Fatalf("state after the backfill %+v; want still paused", *st)
	}
}

// createBlockingSchedule creates a schedule of ScheduledUntilReleased runs every second with the
// overlap policy and a worker for them.
func (s *scheduleTest) createBlockingSchedule(name string, overlap enumspb.ScheduleOverlapPolicy) (client.ScheduleHandle, string) {
	s.t.Helper()
	queue := name + "-" + s.suffix
	runWorker(s.t, s.c, queue, worker.Options{}, []any{ScheduledUntilReleased}, nil)
	actionID := name + "-run-" + s.suffix
	handle := s.create(client.ScheduleOptions{
		ID:   name + "-" + s.suffix,
		Spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Second}}},
		// The execution timeout ends a run the test leaves behind.
		Action: &client.ScheduleWorkflowAction{ID: actionID, Workflow: ScheduledUntilReleased, TaskQueue: queue,
			WorkflowExecutionTimeout: time.Minute},
		Overlap: overlap,
	})
	return handle, actionID
}

func TestScheduleOverlapSkipStartsNothingWhileTheRunIsOpen(t *testing.T) {
	s := newScheduleTest(t)
	handle, _ := s.createBlockingSchedule("sched-skip", enumspb.SCHEDULE_OVERLAP_POLICY_SKIP)
	id := handle.GetID()
	desc := s.waitForRaw(id, "one run and two skipped", func(d *workflowservice.DescribeScheduleResponse) bool {
		if d.GetInfo().GetActionCount() > 1 {
			t.Fatalf("action count %d while the first run is open; want 1 (SKIP)", d.GetInfo().GetActionCount())
		}
		return d.GetInfo().GetActionCount() == 1 && d.GetInfo().GetOverlapSkipped() >= 2
	})
	info := desc.GetInfo()
	if len(info.GetRunningWorkflows()) != 1 || info.GetBufferSize() != 0 {
		t.Fatalf("running %v, buffered %d; want the one run and nothing buffered", info.GetRunningWorkflows(), info.GetBufferSize())
	}
	first := info.GetRunningWorkflows()[0]
	if first.GetWorkflowId() != info.GetRecentActions()[0].GetStartWorkflowResult().GetWorkflowId() {
		t.Fatalf("running %v; want the first action's run %v", first, info.GetRecentActions()[0])
	}
	if err := s.c.SignalWorkflow(s.ctx, first.GetWorkflowId(), first.GetRunId(), "release", nil); err != nil {
		t.Fatalf("release: %v", err)
	}
	// Once the run is closed a later tick starts the next one, and the first run's recent action
	// shows it COMPLETED.
	desc = s.waitForRaw(id, "a second run, the first COMPLETED", func(d *workflowservice.DescribeScheduleResponse) bool {
		return d.GetInfo().GetActionCount() >= 2 &&
			d.GetInfo().GetRecentActions()[0].GetStartWorkflowStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	})
	for _, run := range desc.GetInfo().GetRunningWorkflows() {
		if run.GetWorkflowId() == first.GetWorkflowId() {
			t.Fatalf("running %v; want the released run gone", desc.GetInfo().GetRunningWorkflows())
		}
	}
	second := desc.GetInfo().GetRecentActions()[1]
	if !second.GetScheduleTime().AsTime().After(desc.GetInfo().GetRecentActions()[0].GetScheduleTime().AsTime()) ||
		second.GetStartWorkflowResult().GetWorkflowId() == first.GetWorkflowId() {
		t.Fatalf("second action %v; want a later run than %v", second, first)
	}
}

func TestScheduleOverlapBufferOneStartsTheBufferedRunWhenTheFirstCloses(t *testing.T) {
	s := newScheduleTest(t)
	handle, actionID := s.createBlockingSchedule("sched-buffer-one", enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE)
	id := handle.GetID()
	// One run, one start buffered, the ticks after it dropped as overlap-skipped.
	desc := s.waitForRaw(id, "one run, one buffered, one skipped", func(d *workflowservice.DescribeScheduleResponse) bool {
		if d.GetInfo().GetActionCount() > 1 || d.GetInfo().GetBufferSize() > 1 {
			t.Fatalf("action count %d, buffered %d while the first run is open; want 1 and at most 1 (BUFFER_ONE)",
				d.GetInfo().GetActionCount(), d.GetInfo().GetBufferSize())
		}
		return d.GetInfo().GetActionCount() == 1 && d.GetInfo().GetBufferSize() == 1 && d.GetInfo().GetOverlapSkipped() >= 1
	})
	first := desc.GetInfo().GetRecentActions()[0]
	firstNominal := first.GetScheduleTime().AsTime()
	if err := s.c.SignalWorkflow(s.ctx, first.GetStartWorkflowResult().GetWorkflowId(), "", "release", nil); err != nil {
		t.Fatalf("release: %v", err)
	}
	desc = s.waitForRaw(id, "the buffered run started", func(d *workflowservice.DescribeScheduleResponse) bool {
		return d.GetInfo().GetActionCount() >= 2
	})
	closed, err := s.c.DescribeWorkflowExecution(s.ctx, first.GetStartWorkflowResult().GetWorkflowId(), "")
	if err != nil {
		t.Fatalf("DescribeWorkflowExecution: %v", err)
	}
	closeTime := closed.GetWorkflowExecutionInfo().GetCloseTime().AsTime()
	// The buffered start is the tick right after the first: its nominal time is 1 s later, and it
	// started once the first run had closed.
	second := desc.GetInfo().GetRecentActions()[1]
	wantNominal := firstNominal.Add(time.Second)
	if !second.GetScheduleTime().AsTime().Equal(wantNominal) {
		t.Fatalf("buffered run's nominal time %v; want the tick after the first's, %v", second.GetScheduleTime().AsTime(), wantNominal)
	}
	if want := actionID + "-" + wantNominal.UTC().Format(time.RFC3339); second.GetStartWorkflowResult().GetWorkflowId() != want {
		t.Fatalf("buffered run %q; want %q", second.GetStartWorkflowResult().GetWorkflowId(), want)
	}
	if second.GetActualTime().AsTime().Before(closeTime) {
		t.Fatalf("buffered run started at %v, before the first closed at %v", second.GetActualTime().AsTime(), closeTime)
	}
	running := desc.GetInfo().GetRunningWorkflows()
	if len(running) != 1 || running[0].GetWorkflowId() != second.GetStartWorkflowResult().GetWorkflowId() {
		t.Fatalf("running %v; want just the buffered run %q", running, second.GetStartWorkflowResult().GetWorkflowId())
	}
}

func TestScheduleOverlapAllowAllRunsConcurrently(t *testing.T) {
	s := newScheduleTest(t)
	handle, actionID := s.createBlockingSchedule("sched-allow-all", enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL)
	id := handle.GetID()
	desc := s.waitForRaw(id, "three runs", func(d *workflowservice.DescribeScheduleResponse) bool {
		return d.GetInfo().GetActionCount() >= 3
	})
	if err := handle.Pause(s.ctx, client.SchedulePauseOptions{}); err != nil {
		t.Fatalf("Pause: %v", err)
	}
	info := desc.GetInfo()
	if info.GetOverlapSkipped() != 0 || info.GetBufferSize() != 0 {
		t.Fatalf("skipped %d, buffered %d; want none (ALLOW_ALL)", info.GetOverlapSkipped(), info.GetBufferSize())
	}
	// The reference does not track ALLOW_ALL runs (DontTrackOverlapping): running_workflows stays
	// empty although every run is open.
	if len(info.GetRunningWorkflows()) != 0 {
		t.Fatalf("running workflows %v; want none listed (ALLOW_ALL runs are not tracked)", info.GetRunningWorkflows())
	}
	if int64(len(info.GetRecentActions())) != info.GetActionCount() {
		t.Fatalf("recent actions %v; want one per action (%d)", info.GetRecentActions(), info.GetActionCount())
	}
	seen := map[string]bool{}
	for _, action := range info.GetRecentActions() {
		run := action.GetStartWorkflowResult()
		if want := actionID + "-" + action.GetScheduleTime().AsTime().UTC().Format(time.RFC3339); run.GetWorkflowId() != want || seen[want] {
			t.Fatalf("recent actions %v; want distinct runs named %s-<nominal time>", info.GetRecentActions(), actionID)
		}
		seen[run.GetWorkflowId()] = true
		described, err := s.c.DescribeWorkflowExecution(s.ctx, run.GetWorkflowId(), run.GetRunId())
		if err != nil || described.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			t.Fatalf("run %s: %v, %v; want running concurrently", run.GetWorkflowId(), described.GetWorkflowExecutionInfo().GetStatus(), err)
		}
	}
	// Untracked, so the test terminates them itself.
	t.Cleanup(func() {
		for workflowID := range seen {
			_ = s.c.TerminateWorkflow(context.Background(), workflowID, "", "test over")
		}
	})
}

func TestScheduleUpdateReplacesTheSpecAndActionUnlessTheUpdateFuncDeclines(t *testing.T) {
	s := newScheduleTest(t)
	id := "sched-update-" + s.suffix
	handle := s.create(client.ScheduleOptions{
		ID:     id,
		Spec:   client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Hour}}},
		Action: &client.ScheduleWorkflowAction{ID: "sched-update-run-" + s.suffix, Workflow: ScheduledEcho, Args: []any{"old"}, TaskQueue: "old-queue-" + s.suffix},
		Paused: true,
		Note:   "before",
	})
	before := time.Now()
	err := handle.Update(s.ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		schedule := in.Description.Schedule
		schedule.Spec = &client.ScheduleSpec{CronExpressions: []string{"30 6 * * *"}}
		action := schedule.Action.(*client.ScheduleWorkflowAction)
		action.Workflow = "ScheduledRenamed"
		action.Args = []any{"new"}
		action.TaskQueue = "new-queue-" + s.suffix
		schedule.Policy.Overlap = enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL
		schedule.State.Note = "after"
		return &client.ScheduleUpdate{Schedule: &schedule}, nil
	}})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	desc := s.waitFor(handle, "updated", func(d *client.ScheduleDescription) bool { return d.Schedule.State.Note == "after" })
	raw := s.describeRaw(id)
	wantCalendars := []*schedulepb.StructuredCalendarSpec{calendarOf(scheduleRange(30, 30), scheduleRange(6, 6), scheduleRange(0, 6))}
	spec := raw.GetSchedule().GetSpec()
	if !protoListsEqual(spec.GetStructuredCalendar(), wantCalendars) || len(spec.GetInterval()) != 0 {
		t.Fatalf("updated spec calendars %v, intervals %v; want %v and no interval", spec.GetStructuredCalendar(), spec.GetInterval(), wantCalendars)
	}
	start := raw.GetSchedule().GetAction().GetStartWorkflow()
	if start.GetWorkflowType().GetName() != "ScheduledRenamed" || start.GetTaskQueue().GetName() != "new-queue-"+s.suffix ||
		start.GetWorkflowId() != "sched-update-run-"+s.suffix {
		t.Fatalf("updated action %v; want ScheduledRenamed on new-queue, the same workflow id", start)
	}
	var arg string
	if len(start.GetInput().GetPayloads()) != 1 {
		t.Fatalf("updated args %v; want one", start.GetInput())
	}
	decodePayload(t, start.GetInput().GetPayloads()[0], &arg)
	if arg != "new" {
		t.Fatalf("updated arg %q; want \"new\"", arg)
	}
	if desc.Schedule.Policy.Overlap != enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL || !desc.Schedule.State.Paused {
		t.Fatalf("updated policy %+v, state %+v; want ALLOW_ALL, still paused", *desc.Schedule.Policy, *desc.Schedule.State)
	}
	updated := raw.GetInfo().GetUpdateTime()
	if updated == nil || updated.AsTime().Before(before.Add(-time.Second)) || updated.AsTime().After(time.Now().Add(time.Second)) {
		t.Fatalf("update_time %v; want the update's time (after %v)", updated, before)
	}
	for i, at := range desc.Info.NextActionTimes {
		if u := at.UTC(); u.Hour() != 6 || u.Minute() != 30 || u.Second() != 0 || (i > 0 && at.Sub(desc.Info.NextActionTimes[i-1]) != 24*time.Hour) {
			t.Fatalf("future action times %v; want 06:30:00 UTC daily", desc.Info.NextActionTimes)
		}
	}

	// An update func that fails or skips sends nothing.
	refused := errors.New("no, thanks")
	err = handle.Update(s.ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		in.Description.Schedule.State.Note = "never"
		return nil, refused
	}})
	if !errors.Is(err, refused) {
		t.Fatalf("Update with a failing func = %v; want its error", err)
	}
	err = handle.Update(s.ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		return nil, temporal.ErrSkipScheduleUpdate
	}})
	if err != nil {
		t.Fatalf("Update skipped = %v; want nil", err)
	}
	again := s.describeRaw(id)
	if !proto.Equal(again.GetSchedule(), raw.GetSchedule()) || !proto.Equal(again.GetInfo().GetUpdateTime(), updated) {
		t.Fatalf("after the declined updates: %v (updated %v); want %v (updated %v)", again.GetSchedule(),
			again.GetInfo().GetUpdateTime(), raw.GetSchedule(), updated)
	}
}

func TestScheduleListFindsTheScheduleWithItsInfoUntilDeleted(t *testing.T) {
	s := newScheduleTest(t)
	id := "sched-list-" + s.suffix
	handle := s.create(client.ScheduleOptions{
		ID:     id,
		Spec:   client.ScheduleSpec{CronExpressions: []string{"0 12 * * MON"}},
		Action: &client.ScheduleWorkflowAction{ID: "sched-list-run-" + s.suffix, Workflow: ScheduledEcho, Args: []any{"x"}, TaskQueue: "nobody-polls-" + s.suffix},
		Paused: true,
		Note:   "listed",
		Memo:   map[string]any{"owner": "compat"},
	})
	find := func() (*client.ScheduleListEntry, error) {
		iter, err := s.c.ScheduleClient().List(s.ctx, client.ScheduleListOptions{PageSize: 100})
		if err != nil {
			return nil, err
		}
		for iter.HasNext() {
			entry, err := iter.Next()
			if err != nil {
				return nil, err
			}
			if entry.ID == id {
				return entry, nil
			}
		}
		return nil, nil
	}
	var entry *client.ScheduleListEntry
	// The reference's list is eventually consistent (visibility).
	hdotest.Eventually(t, hdotest.SettleTimeout, func() error {
		var err error
		entry, err = find()
		if err == nil && entry == nil {
			err = fmt.Errorf("schedule %q not listed yet", id)
		}
		return err
	})
	if entry.WorkflowType.Name != "ScheduledEcho" || !entry.Paused || entry.Note != "listed" {
		t.Fatalf("listed type %q, paused %v, note %q; want ScheduledEcho, paused, \"listed\"", entry.WorkflowType.Name, entry.Paused, entry.Note)
	}
	if entry.Spec == nil || len(entry.Spec.Calendars) != 1 {
		t.Fatalf("listed spec %+v; want one calendar", entry.Spec)
	}
	calendar := entry.Spec.Calendars[0]
	if fmt.Sprint(calendar.Second, calendar.Minute, calendar.Hour, calendar.DayOfMonth, calendar.Month, calendar.Year, calendar.DayOfWeek) !=
		"[{0 0 1}] [{0 0 1}] [{12 12 1}] [{1 31 1}] [{1 12 1}] [] [{1 1 1}]" {
		t.Fatalf("listed calendar %+v; want the canonical form of \"0 12 * * MON\"", calendar)
	}
	var owner string
	decodePayload(t, entry.Memo.GetFields()["owner"], &owner)
	if owner != "compat" {
		t.Fatalf("listed memo owner %q; want \"compat\"", owner)
	}
	if err := handle.Delete(s.ctx); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	hdotest.Eventually(t, hdotest.SettleTimeout, func() error {
		entry, err := find()
		if err == nil && entry != nil {
			err = fmt.Errorf("deleted schedule %q still listed", id)
		}
		return err
	})
}

func TestScheduleDeletedIsNotFoundAndTheIdCanBeReused(t *testing.T) {
	s := newScheduleTest(t)
	id := "sched-delete-" + s.suffix
	options := s.hourlyEcho(id, "sched-delete-run-"+s.suffix)
	options.Paused, options.Note = true, "first life"
	handle := s.create(options)
	if err := handle.Delete(s.ctx); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	// The reference: Describe "schedule not found"; Delete, Pause, Trigger of a deleted schedule
	// "workflow execution already completed"; Update "schedule not found" — all NotFound.
	if _, err := handle.Describe(s.ctx); !isNotFound(err) {
		t.Fatalf("Describe after Delete = %v (%T); want NotFound", err, err)
	}
	if err := handle.Delete(s.ctx); !isNotFound(err) {
		t.Fatalf("second Delete = %v (%T); want NotFound", err, err)
	}
	if err := handle.Pause(s.ctx, client.SchedulePauseOptions{}); !isNotFound(err) {
		t.Fatalf("Pause after Delete = %v (%T); want NotFound", err, err)
	}
	if err := handle.Trigger(s.ctx, client.ScheduleTriggerOptions{}); !isNotFound(err) {
		t.Fatalf("Trigger after Delete = %v (%T); want NotFound", err, err)
	}
	err := handle.Update(s.ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		return &client.ScheduleUpdate{Schedule: &in.Description.Schedule}, nil
	}})
	if !isNotFound(err) {
		t.Fatalf("Update after Delete = %v (%T); want NotFound", err, err)
	}
	// A schedule that never existed: NotFound from every RPC (the reference: "workflow not found
	// for ID: temporal-sys-scheduler:<id>").
	missing := "sched-never-" + s.suffix
	svc := s.c.WorkflowService()
	if _, err := svc.DescribeSchedule(s.ctx, &workflowservice.DescribeScheduleRequest{Namespace: "default", ScheduleId: missing}); !isNotFound(err) {
		t.Fatalf("DescribeSchedule of a missing schedule = %v; want NotFound", err)
	}
	if _, err := svc.DeleteSchedule(s.ctx, &workflowservice.DeleteScheduleRequest{Namespace: "default", ScheduleId: missing}); !isNotFound(err) {
		t.Fatalf("DeleteSchedule of a missing schedule = %v; want NotFound", err)
	}
	if _, err := svc.PatchSchedule(s.ctx, &workflowservice.PatchScheduleRequest{Namespace: "default", ScheduleId: missing,
		Patch: &schedulepb.SchedulePatch{Pause: "x"}}); !isNotFound(err) {
		t.Fatalf("PatchSchedule of a missing schedule = %v; want NotFound", err)
	}
	if _, err := svc.ListScheduleMatchingTimes(s.ctx, &workflowservice.ListScheduleMatchingTimesRequest{Namespace: "default",
		ScheduleId: missing, StartTime: timestamppb.Now(), EndTime: timestamppb.New(time.Now().Add(time.Hour))}); !isNotFound(err) {
		t.Fatalf("ListScheduleMatchingTimes of a missing schedule = %v; want NotFound", err)
	}
	// The id is free again: a new schedule under it starts afresh.
	options.Note = "second life"
	reborn := s.create(options)
	desc := s.describe(reborn)
	if desc.Schedule.State.Note != "second life" || desc.Info.NumActions != 0 {
		t.Fatalf("recreated schedule note %q, actions %d; want \"second life\", 0", desc.Schedule.State.Note, desc.Info.NumActions)
	}
}

func TestScheduleRemainingActionsStopTheScheduleAfterThatManyStarts(t *testing.T) {
	s := newScheduleTest(t)
	queue := "sched-remaining-" + s.suffix
	runWorker(t, s.c, queue, worker.Options{}, []any{ScheduledEcho}, nil)
	handle := s.create(client.ScheduleOptions{
		ID:               "sched-remaining-" + s.suffix,
		Spec:             client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Second}}},
		Action:           &client.ScheduleWorkflowAction{ID: "sched-remaining-run-" + s.suffix, Workflow: ScheduledEcho, Args: []any{"x"}, TaskQueue: queue},
		Overlap:          enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL,
		RemainingActions: 2,
	})
	desc := s.waitFor(handle, "out of actions", func(d *client.ScheduleDescription) bool {
		if d.Info.NumActions > 2 {
			t.Fatalf("actions %d; want at most 2", d.Info.NumActions)
		}
		return d.Schedule.State.RemainingActions == 0 && d.Info.NumActions == 2
	})
	if !desc.Schedule.State.LimitedActions || len(desc.Info.NextActionTimes) != 0 {
		t.Fatalf("state %+v, future action times %v; want limited actions and no future action", *desc.Schedule.State, desc.Info.NextActionTimes)
	}
	// Three more ticks of the interval pass without a start.
	last := desc.Info.RecentActions[len(desc.Info.RecentActions)-1].ScheduleTime
	hdotest.Eventually(t, 20*time.Second, func() error {
		if d := s.describe(handle); d.Info.NumActions != 2 {
			t.Fatalf("actions %d after the last remaining action; want 2", d.Info.NumActions)
		}
		if time.Now().Before(last.Add(3500 * time.Millisecond)) {
			return fmt.Errorf("three ticks after %v not passed yet", last)
		}
		return nil
	})
}

func TestScheduleListMatchingTimesGivesTheSpecsTimesInTheRange(t *testing.T) {
	s := newScheduleTest(t)
	action := &client.ScheduleWorkflowAction{Workflow: ScheduledEcho, Args: []any{"x"}, TaskQueue: "nobody-polls-" + s.suffix}
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(month time.Month, dayOfMonth, hour, minute int) time.Time {
		return time.Date(2026, month, dayOfMonth, hour, minute, 0, 0, time.UTC)
	}
	cases := []struct {
		name       string
		spec       client.ScheduleSpec
		start, end time.Time
		want       []time.Time
	}{
		// The range's start is exclusive, its end inclusive.
		{"interval", client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Hour, Offset: 30 * time.Minute}}},
			day.Add(30 * time.Minute), day.Add(4*time.Hour + 30*time.Minute),
			[]time.Time{at(1, 1, 1, 30), at(1, 1, 2, 30), at(1, 1, 3, 30), at(1, 1, 4, 30)}},
		{"interval of 90 minutes with an offset", client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: 90 * time.Minute, Offset: 7 * time.Minute}}},
			day, day.Add(5 * time.Hour),
			[]time.Time{at(1, 1, 0, 7), at(1, 1, 1, 37), at(1, 1, 3, 7), at(1, 1, 4, 37)}},
		// Mondays of January 2026 at noon, the 12th skipped.
		{"cron with a skip", client.ScheduleSpec{CronExpressions: []string{"0 12 * * MON"},
			Skip: []client.ScheduleCalendarSpec{{DayOfMonth: []client.ScheduleRange{{Start: 12}}, Hour: []client.ScheduleRange{{Start: 12}}}}},
			day, at(2, 1, 0, 0),
			[]time.Time{at(1, 5, 12, 0), at(1, 19, 12, 0), at(1, 26, 12, 0)}},
		// Calendars in a time zone, through its daylight saving changes: New York's 01:30 comes
		// twice on 2026-11-01 (EDT, then EST) and both are taken; its 02:30 of 2026-03-08 does
		// not exist and is skipped; Berlin's 02:30 of 2026-10-25 comes twice, one is taken.
		{"new york in november", client.ScheduleSpec{CronExpressions: []string{"30 1 * * *"}, TimeZoneName: "America/New_York"},
			at(10, 31, 12, 0), at(11, 2, 12, 0),
			[]time.Time{at(11, 1, 5, 30), at(11, 1, 6, 30), at(11, 2, 6, 30)}},
		{"new york in march", client.ScheduleSpec{CronExpressions: []string{"30 2 * * *"}, TimeZoneName: "America/New_York"},
			at(3, 7, 12, 0), at(3, 9, 12, 0),
			[]time.Time{at(3, 9, 6, 30)}},
		{"berlin in october", client.ScheduleSpec{CronExpressions: []string{"CRON_TZ=Europe/Berlin 30 2 * * *"}},
			at(10, 24, 12, 0), at(10, 26, 12, 0),
			[]time.Time{at(10, 25, 1, 30), at(10, 26, 1, 30)}},
	}
	for i, tc := range cases {
		id := fmt.Sprintf("sched-matching-%d-%s", i, s.suffix)
		s.create(client.ScheduleOptions{ID: id, Spec: tc.spec, Action: action, Paused: true})
		resp, err := s.c.WorkflowService().ListScheduleMatchingTimes(s.ctx, &workflowservice.ListScheduleMatchingTimesRequest{
			Namespace: "default", ScheduleId: id, StartTime: timestamppb.New(tc.start), EndTime: timestamppb.New(tc.end)})
		if err != nil {
			t.Fatalf("%s: ListScheduleMatchingTimes: %v", tc.name, err)
		}
		var got []time.Time
		for _, ts := range resp.GetStartTime() {
			got = append(got, ts.AsTime())
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Fatalf("%s: matching times %v; want %v", tc.name, got, tc.want)
		}
	}
}

func TestScheduleBadSpecsAndActionsAreInvalidArgumentAndCreateNothing(t *testing.T) {
	s := newScheduleTest(t)
	svc := s.c.WorkflowService()
	action := func() *schedulepb.ScheduleAction {
		return &schedulepb.ScheduleAction{Action: &schedulepb.ScheduleAction_StartWorkflow{StartWorkflow: &workflowpb.NewWorkflowExecutionInfo{
			WorkflowId: "bad-run-" + s.suffix, WorkflowType: &commonpb.WorkflowType{Name: "ScheduledEcho"},
			TaskQueue: &taskqueuepb.TaskQueue{Name: "nobody-polls-" + s.suffix}}}}
	}
	hourly := []*schedulepb.IntervalSpec{{Interval: durationpb.New(time.Hour)}}
	// The reference's messages are in `reference`; only the code is asserted. The reference also
	// accepts, so they are not here: an empty schedule id (a schedule "" is created), a schedule
	// without action or spec, an action without workflow id, an end time before the start time;
	// a negative remaining_actions is Internal ("something went wrong, please retry").
	cases := []struct {
		name      string
		schedule  *schedulepb.Schedule
		reference string
	}{
		{"a cron string of 3 fields", &schedulepb.Schedule{Spec: &schedulepb.ScheduleSpec{CronString: []string{"not a cron"}}, Action: action()},
			"Invalid schedule spec: CronString does not have 5-7 fields"},
		{"a cron minute out of range", &schedulepb.Schedule{Spec: &schedulepb.ScheduleSpec{CronString: []string{"61 * * * *"}}, Action: action()},
			"Invalid schedule spec: Minute is not in range [0-59]"},
		{"an interval of zero", &schedulepb.Schedule{Spec: &schedulepb.ScheduleSpec{Interval: []*schedulepb.IntervalSpec{{Interval: durationpb.New(0)}}}, Action: action()},
			"Invalid schedule spec: interval is too small"},
		{"an interval without a period", &schedulepb.Schedule{Spec: &schedulepb.ScheduleSpec{Interval: []*schedulepb.IntervalSpec{{}}}, Action: action()},
			"Invalid schedule spec: interval is too small"},
		{"a negative phase", &schedulepb.Schedule{Spec: &schedulepb.ScheduleSpec{Interval: []*schedulepb.IntervalSpec{
			{Interval: durationpb.New(time.Hour), Phase: durationpb.New(-time.Second)}}}, Action: action()},
			"Invalid schedule spec: phase is negative"},
		{"a phase over the interval", &schedulepb.Schedule{Spec: &schedulepb.ScheduleSpec{Interval: []*schedulepb.IntervalSpec{
			{Interval: durationpb.New(time.Hour), Phase: durationpb.New(2 * time.Hour)}}}, Action: action()},
			"Invalid schedule spec: phase cannot be greater than Interval"},
		{"a calendar hour of 25", &schedulepb.Schedule{Spec: &schedulepb.ScheduleSpec{StructuredCalendar: []*schedulepb.StructuredCalendarSpec{
			{Hour: []*schedulepb.Range{{Start: 25}}}}}, Action: action()},
			"Invalid schedule spec: invalid calendar spec: Hour Start is not in range [0-23]"},
		{"an unknown time zone", &schedulepb.Schedule{Spec: &schedulepb.ScheduleSpec{Interval: hourly, TimezoneName: "Mars/Olympus"}, Action: action()},
			"Invalid schedule spec: unknown time zone Mars/Olympus"},
		{"an action without workflow type", &schedulepb.Schedule{Spec: &schedulepb.ScheduleSpec{Interval: hourly},
			Action: &schedulepb.ScheduleAction{Action: &schedulepb.ScheduleAction_StartWorkflow{StartWorkflow: &workflowpb.NewWorkflowExecutionInfo{
				WorkflowId: "bad-run-" + s.suffix, TaskQueue: &taskqueuepb.TaskQueue{Name: "q"}}}}},
			"WorkflowType is not set on request."},
		{"an action without task queue", &schedulepb.Schedule{Spec: &schedulepb.ScheduleSpec{Interval: hourly},
			Action: &schedulepb.ScheduleAction{Action: &schedulepb.ScheduleAction_StartWorkflow{StartWorkflow: &workflowpb.NewWorkflowExecutionInfo{
				WorkflowId: "bad-run-" + s.suffix, WorkflowType: &commonpb.WorkflowType{Name: "ScheduledEcho"}}}}},
			"taskQueue is not set"},
	}
	for i, tc := range cases {
		id := fmt.Sprintf("sched-bad-%d-%s", i, s.suffix)
		_, err := svc.CreateSchedule(s.ctx, &workflowservice.CreateScheduleRequest{Namespace: "default", ScheduleId: id,
			RequestId: id, Schedule: tc.schedule})
		var invalid *serviceerror.InvalidArgument
		if !errors.As(err, &invalid) {
			t.Fatalf("%s: CreateSchedule = %v (%T); want InvalidArgument (the reference: %q)", tc.name, err, err, tc.reference)
		}
		if _, err := svc.DescribeSchedule(s.ctx, &workflowservice.DescribeScheduleRequest{Namespace: "default", ScheduleId: id}); !isNotFound(err) {
			_, _ = svc.DeleteSchedule(s.ctx, &workflowservice.DeleteScheduleRequest{Namespace: "default", ScheduleId: id})
			t.Fatalf("%s: Describe after the refused create = %v; want NotFound", tc.name, err)
		}
	}

	// An update to a bad spec is refused the same way and changes nothing.
	id := "sched-bad-update-" + s.suffix
	s.create(client.ScheduleOptions{ID: id, Spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Hour}}},
		Action: &client.ScheduleWorkflowAction{ID: "bad-run-" + s.suffix, Workflow: ScheduledEcho, Args: []any{"x"}, TaskQueue: "nobody-polls-" + s.suffix},
		Paused: true})
	before := s.describeRaw(id).GetSchedule()
	bad := proto.Clone(before).(*schedulepb.Schedule)
	bad.Spec = &schedulepb.ScheduleSpec{CronString: []string{"not a cron"}}
	_, err := svc.UpdateSchedule(s.ctx, &workflowservice.UpdateScheduleRequest{Namespace: "default", ScheduleId: id,
		RequestId: "bad-update-" + s.suffix, Schedule: bad})
	var invalid *serviceerror.InvalidArgument
	if !errors.As(err, &invalid) {
		t.Fatalf("UpdateSchedule to a bad cron = %v (%T); want InvalidArgument (the reference: %q)", err, err,
			"Invalid schedule spec: CronString does not have 5-7 fields")
	}
	if after := s.describeRaw(id).GetSchedule(); !proto.Equal(after, before) {
		t.Fatalf("schedule after the refused update %v; want unchanged %v", after, before)
	}
}

func TestSchedulePauseOnFailurePausesTheScheduleWithTheFailure(t *testing.T) {
	s := newScheduleTest(t)
	queue := "sched-pause-on-failure-" + s.suffix
	runWorker(t, s.c, queue, worker.Options{}, []any{ScheduledFailure}, nil)
	handle := s.create(client.ScheduleOptions{
		ID:             "sched-pause-on-failure-" + s.suffix,
		Spec:           client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Hour}}},
		Action:         &client.ScheduleWorkflowAction{ID: "sched-pause-on-failure-run-" + s.suffix, Workflow: ScheduledFailure, TaskQueue: queue},
		PauseOnFailure: true,
	})
	if err := handle.Trigger(s.ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatalf("Trigger: %v", err)
	}
	desc := s.waitFor(handle, "paused", func(d *client.ScheduleDescription) bool { return d.Schedule.State.Paused })
	if len(desc.Info.RecentActions) != 1 {
		t.Fatalf("recent actions %v; want the failed run", desc.Info.RecentActions)
	}
	failed := desc.Info.RecentActions[0].StartWorkflowResult.WorkflowID
	// The reference: "paused due to workflow failure: <workflow id>: <failure message>".
	if want := "paused due to workflow failure: " + failed + ": the scheduled run failed"; desc.Schedule.State.Note != want {
		t.Fatalf("note %q; want %q", desc.Schedule.State.Note, want)
	}
	described, err := s.c.DescribeWorkflowExecution(s.ctx, failed, "")
	if err != nil || described.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_FAILED {
		t.Fatalf("the run %s: %v, %v; want failed", failed, described.GetWorkflowExecutionInfo().GetStatus(), err)
	}
}

// The custom search attributes the schedule tests register in the default namespace (adding a
// name that exists is accepted and changes nothing, so a reused reference database is fine).
const (
	schedKeyword = "SchedKeyword"
	schedText    = "SchedText"
)

var (
	schedKeywordKey = temporal.NewSearchAttributeKeyKeyword(schedKeyword)
	schedTextKey    = temporal.NewSearchAttributeKeyString(schedText)
)

// addScheduleAttributes registers SchedKeyword (Keyword) and SchedText (Text) in the default
// namespace and waits until a schedule may carry them: the reference validates against a cached
// copy of the namespace's attributes, which takes a moment to see a new one.
func (s *scheduleTest) addScheduleAttributes() {
	s.t.Helper()
	if _, err := s.c.OperatorService().AddSearchAttributes(s.ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: "default", SearchAttributes: map[string]enumspb.IndexedValueType{
			schedKeyword: enumspb.INDEXED_VALUE_TYPE_KEYWORD, schedText: enumspb.INDEXED_VALUE_TYPE_TEXT}}); err != nil {
		s.t.Fatalf("AddSearchAttributes: %v", err)
	}
	probe := "sched-sa-probe-" + s.suffix
	hdotest.Eventually(s.t, 30*time.Second, func() error {
		_, err := s.c.ScheduleClient().Create(s.ctx, client.ScheduleOptions{
			ID:     probe,
			Spec:   client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Hour}}},
			Action: &client.ScheduleWorkflowAction{ID: probe + "-run", Workflow: ScheduledEcho, Args: []any{"x"}, TaskQueue: "nobody-polls-" + s.suffix},
			Paused: true,
			TypedSearchAttributes: temporal.NewSearchAttributes(schedKeywordKey.ValueSet("probe"),
				schedTextKey.ValueSet("probe")),
		})
		return err
	})
	if err := s.c.ScheduleClient().GetHandle(s.ctx, probe).Delete(s.ctx); err != nil {
		s.t.Fatalf("Delete %s: %v", probe, err)
	}
}

// listScheduleIDs lists the schedules matching query (all pages) and returns their ids.
func (s *scheduleTest) listScheduleIDs(query string) ([]string, error) {
	iter, err := s.c.ScheduleClient().List(s.ctx, client.ScheduleListOptions{PageSize: 100, Query: query})
	if err != nil {
		return nil, err
	}
	var ids []string
	for iter.HasNext() {
		entry, err := iter.Next()
		if err != nil {
			return nil, err
		}
		ids = append(ids, entry.ID)
	}
	sort.Strings(ids)
	return ids, nil
}

func TestScheduleListWithAQueryFiltersOnCustomAttributes(t *testing.T) {
	s := newScheduleTest(t)
	s.addScheduleAttributes()
	ids := map[string]string{}
	for i, value := range []string{"v1", "v2", "v3"} {
		id := fmt.Sprintf("sched-query-%d-%s", i+1, s.suffix)
		ids[value] = id
		s.create(client.ScheduleOptions{
			ID:     id,
			Spec:   client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Hour}}},
			Action: &client.ScheduleWorkflowAction{ID: id + "-run", Workflow: ScheduledEcho, Args: []any{"x"}, TaskQueue: "nobody-polls-" + s.suffix},
			// Only the second is paused.
			Paused:                value == "v2",
			TypedSearchAttributes: temporal.NewSearchAttributes(schedKeywordKey.ValueSet(value + "-" + s.suffix)),
		})
	}
	// The reference's list is eventually consistent (visibility).
	query := fmt.Sprintf("%s = 'v1-%s'", schedKeyword, s.suffix)
	hdotest.Eventually(t, hdotest.SettleTimeout, func() error {
		got, err := s.listScheduleIDs(query)
		if err == nil && fmt.Sprint(got) != fmt.Sprint([]string{ids["v1"]}) {
			err = fmt.Errorf("List(%q) = %v; want just %s", query, got, ids["v1"])
		}
		return err
	})
	// With a backtick-quoted name and IN: the first and the third.
	query = fmt.Sprintf("`%s` IN ('v1-%s', 'v3-%s')", schedKeyword, s.suffix, s.suffix)
	hdotest.Eventually(t, hdotest.SettleTimeout, func() error {
		got, err := s.listScheduleIDs(query)
		if want := []string{ids["v1"], ids["v3"]}; err == nil && fmt.Sprint(got) != fmt.Sprint(want) {
			err = fmt.Errorf("List(%q) = %v; want %v", query, got, want)
		}
		return err
	})
	// TemporalSchedulePaused is the one system attribute a schedule query may name: the paused
	// schedule is listed (with any other paused schedule of the namespace), the two others not.
	query = "TemporalSchedulePaused = true"
	hdotest.Eventually(t, hdotest.SettleTimeout, func() error {
		got, err := s.listScheduleIDs(query)
		if err != nil {
			return err
		}
		listed := map[string]bool{}
		for _, id := range got {
			listed[id] = true
		}
		if !listed[ids["v2"]] || listed[ids["v1"]] || listed[ids["v3"]] {
			return fmt.Errorf("List(%q) = %v; want %s and neither %s nor %s", query, got, ids["v2"], ids["v1"], ids["v3"])
		}
		return nil
	})
	query = fmt.Sprintf("TemporalSchedulePaused = false AND %s = 'v2-%s'", schedKeyword, s.suffix)
	hdotest.Eventually(t, hdotest.SettleTimeout, func() error {
		got, err := s.listScheduleIDs(query)
		if err == nil && len(got) != 0 {
			err = fmt.Errorf("List(%q) = %v; want none (the v2 schedule is paused)", query, got)
		}
		return err
	})
	// CountSchedules counts what the same query lists (the reference dev server of CLI 1.5.1
	// predates CountSchedules: hdo only).
	if !hdotest.External() {
		for query, want := range map[string]int64{
			fmt.Sprintf("`%s` IN ('v1-%s', 'v3-%s')", schedKeyword, s.suffix, s.suffix):           2,
			fmt.Sprintf("TemporalSchedulePaused = true AND %s = 'v2-%s'", schedKeyword, s.suffix): 1,
			fmt.Sprintf("%s = 'none-%s'", schedKeyword, s.suffix):                                 0,
		} {
			counted, err := s.c.WorkflowService().CountSchedules(s.ctx, &workflowservice.CountSchedulesRequest{
				Namespace: "default", Query: query})
			if err != nil || counted.GetCount() != want {
				t.Errorf("CountSchedules(%q) = %v, %v; want %d", query, counted.GetCount(), err, want)
			}
		}
		_, err := s.c.WorkflowService().CountSchedules(s.ctx, &workflowservice.CountSchedulesRequest{
			Namespace: "default", Query: "WorkflowId = 'x'"})
		var invalid *serviceerror.InvalidArgument
		if !errors.As(err, &invalid) {
			t.Errorf("CountSchedules on WorkflowId = %v (%T); want InvalidArgument", err, err)
		}
	}
	// Other system attributes are refused (the reference: `invalid query filter for schedules:
	// cannot filter on "WorkflowId"`), as is an attribute nobody defined.
	for _, bad := range []string{"WorkflowId = 'x'", "ExecutionStatus = 'Running'", "SchedNeverDefined = 'x'"} {
		_, err := s.c.WorkflowService().ListSchedules(s.ctx, &workflowservice.ListSchedulesRequest{
			Namespace: "default", MaximumPageSize: 10, Query: bad})
		var invalid *serviceerror.InvalidArgument
		if !errors.As(err, &invalid) {
			t.Errorf("ListSchedules(%q) = %v (%T); want InvalidArgument", bad, err, err)
		}
	}
}

// ownAttributes returns the schedule's own search attributes as name -> value (decoded as a
// string) and checks each carries its registered type in the payload metadata.
func (s *scheduleTest) ownAttributes(id string) map[string]string {
	s.t.Helper()
	want := map[string]string{schedKeyword: "Keyword", schedText: "Text"}
	got := map[string]string{}
	for name, payload := range s.describeRaw(id).GetSearchAttributes().GetIndexedFields() {
		var value string
		decodePayload(s.t, payload, &value)
		got[name] = value
		if typ := string(payload.GetMetadata()["type"]); typ != want[name] {
			s.t.Fatalf("schedule attribute %s has type %q; want %q", name, typ, want[name])
		}
	}
	return got
}

func TestScheduleSearchAttributesOfTheScheduleFollowUpdate(t *testing.T) {
	s := newScheduleTest(t)
	s.addScheduleAttributes()
	id := "sched-own-sa-" + s.suffix
	handle := s.create(client.ScheduleOptions{
		ID:   id,
		Spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Hour}}},
		Action: &client.ScheduleWorkflowAction{ID: id + "-run", Workflow: ScheduledEcho, Args: []any{"x"}, TaskQueue: "nobody-polls-" + s.suffix,
			TypedSearchAttributes: temporal.NewSearchAttributes(schedTextKey.ValueSet("the action's text"))},
		Paused: true,
		Note:   "created",
		TypedSearchAttributes: temporal.NewSearchAttributes(schedKeywordKey.ValueSet("k1"),
			schedTextKey.ValueSet("t1")),
	})
	// The schedule's own attributes, without the system ones the server adds
	// (TemporalSchedulePaused, TemporalNamespaceDivision).
	if got, want := s.ownAttributes(id), map[string]string{schedKeyword: "k1", schedText: "t1"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("schedule attributes %v; want %v", got, want)
	}
	// The action's attribute comes back typed: the SDK decodes it from the "type" metadata.
	checkAction := func(when string) {
		t.Helper()
		desc := s.describe(handle)
		action := desc.Schedule.Action.(*client.ScheduleWorkflowAction)
		text, ok := action.TypedSearchAttributes.GetString(schedTextKey)
		if !ok || text != "the action's text" || action.TypedSearchAttributes.Size() != 1 || len(action.UntypedSearchAttributes) != 0 {
			t.Fatalf("%s: action attributes typed %v (text %q, %v), untyped %v; want just the typed text",
				when, action.TypedSearchAttributes.GetUntypedValues(), text, ok, action.UntypedSearchAttributes)
		}
		raw := s.describeRaw(id).GetSchedule().GetAction().GetStartWorkflow().GetSearchAttributes().GetIndexedFields()[schedText]
		if typ := string(raw.GetMetadata()["type"]); typ != "Text" {
			t.Fatalf("%s: action attribute %s has type %q; want \"Text\"", when, schedText, typ)
		}
	}
	checkAction("after create")

	// Each update also changes the note, so the test knows when the update was applied (the
	// reference applies it asynchronously).
	update := func(note string, attributes *temporal.SearchAttributes) {
		t.Helper()
		err := handle.Update(s.ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			schedule := in.Description.Schedule
			schedule.State.Note = note
			return &client.ScheduleUpdate{Schedule: &schedule, TypedSearchAttributes: attributes}, nil
		}})
		if err != nil {
			t.Fatalf("Update (%s): %v", note, err)
		}
		s.waitFor(handle, "updated to "+note, func(d *client.ScheduleDescription) bool { return d.Schedule.State.Note == note })
	}
	steps := []struct {
		note       string
		attributes *temporal.SearchAttributes
		want       map[string]string
	}{
		// nil: the attributes stay as they are.
		{"nil keeps", nil, map[string]string{schedKeyword: "k1", schedText: "t1"}},
		// A set: it becomes the whole set; the text, missing from it, is dropped.
		{"a set replaces", func() *temporal.SearchAttributes {
			sa := temporal.NewSearchAttributes(schedKeywordKey.ValueSet("k2"))
			return &sa
		}(), map[string]string{schedKeyword: "k2"}},
		{"another set replaces", func() *temporal.SearchAttributes {
			sa := temporal.NewSearchAttributes(schedTextKey.ValueSet("t3"))
			return &sa
		}(), map[string]string{schedText: "t3"}},
		// An empty set (not nil): every attribute is removed.
		{"empty clears", func() *temporal.SearchAttributes {
			sa := temporal.NewSearchAttributes()
			return &sa
		}(), map[string]string{}},
	}
	for _, step := range steps {
		update(step.note, step.attributes)
		hdotest.Eventually(t, hdotest.SettleTimeout, func() error {
			if got := s.ownAttributes(id); fmt.Sprint(got) != fmt.Sprint(step.want) {
				return fmt.Errorf("after the update %q: schedule attributes %v; want %v", step.note, got, step.want)
			}
			return nil
		})
		checkAction("after the update " + step.note)
	}
	// Cleared: the reference sends none at all (nil), not an empty set of system attributes.
	if desc := s.describe(handle); desc.SearchAttributes != nil && len(desc.SearchAttributes.GetIndexedFields()) != 0 {
		t.Fatalf("search attributes after clearing %v; want none", desc.SearchAttributes)
	}
}

// ScheduledWithLastResult returns "My First Result", or, when a previous run of its schedule
// completed, "From last completion: <that run's result>".
func ScheduledWithLastResult(ctx workflow.Context) (string, error) {
	if workflow.HasLastCompletionResult(ctx) {
		var last string
		if err := workflow.GetLastCompletionResult(ctx, &last); err != nil {
			return "", err
		}
		return "From last completion: " + last, nil
	}
	return "My First Result", nil
}

func TestScheduleTheNextRunGetsTheLastCompletionResult(t *testing.T) {
	s := newScheduleTest(t)
	queue := "sched-last-result-" + s.suffix
	runWorker(t, s.c, queue, worker.Options{}, []any{ScheduledWithLastResult}, nil)
	handle := s.create(client.ScheduleOptions{
		ID:     "sched-last-result-" + s.suffix,
		Spec:   client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Hour}}},
		Action: &client.ScheduleWorkflowAction{ID: "sched-last-result-run-" + s.suffix, Workflow: ScheduledWithLastResult, TaskQueue: queue},
		Paused: true,
	})
	result := func(action client.ScheduleActionResult) string {
		t.Helper()
		var out string
		run := s.c.GetWorkflow(s.ctx, action.StartWorkflowResult.WorkflowID, action.StartWorkflowResult.FirstExecutionRunID)
		if err := run.Get(s.ctx, &out); err != nil {
			t.Fatalf("result of %s: %v", action.StartWorkflowResult.WorkflowID, err)
		}
		return out
	}
	if err := handle.Trigger(s.ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatalf("Trigger: %v", err)
	}
	first := s.waitFor(handle, "one action", func(d *client.ScheduleDescription) bool { return d.Info.NumActions >= 1 }).Info.RecentActions[0]
	if got := result(first); got != "My First Result" {
		t.Fatalf("first run's result %q; want \"My First Result\"", got)
	}
	// A trigger in the same second would name its run like the first: wait for the next second.
	hdotest.Eventually(t, 5*time.Second, func() error {
		if !time.Now().Truncate(time.Second).After(first.ScheduleTime) {
			return fmt.Errorf("still in the second of the first trigger (%v)", first.ScheduleTime)
		}
		return nil
	})
	if err := handle.Trigger(s.ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatalf("second Trigger: %v", err)
	}
	desc := s.waitFor(handle, "two actions", func(d *client.ScheduleDescription) bool { return d.Info.NumActions >= 2 })
	if desc.Info.NumActions != 2 || len(desc.Info.RecentActions) != 2 {
		t.Fatalf("actions %d, recent %v; want the two triggered", desc.Info.NumActions, desc.Info.RecentActions)
	}
	second := desc.Info.RecentActions[1]
	if second.StartWorkflowResult.WorkflowID == first.StartWorkflowResult.WorkflowID {
		t.Fatalf("second run %s; want another run than the first", second.StartWorkflowResult.WorkflowID)
	}
	if got := result(second); got != "From last completion: My First Result" {
		t.Fatalf("second run's result %q; want \"From last completion: My First Result\"", got)
	}
}

// The Java SDK's suite (ScheduleTest.describeSchedules) creates a paused schedule with
// remaining_actions 30 and limited_actions false and reads the same state back: the count is kept
// as sent (only a limited schedule spends it).
func TestScheduleKeepsTheRemainingActionsOfAnUnlimitedSchedule(t *testing.T) {
	s := newScheduleTest(t)
	id := "sched-unlimited-" + s.suffix
	_, err := s.c.WorkflowService().CreateSchedule(s.ctx, &workflowservice.CreateScheduleRequest{
		Namespace: "default", ScheduleId: id, RequestId: "unlimited-" + s.suffix,
		Schedule: &schedulepb.Schedule{
			Spec: &schedulepb.ScheduleSpec{Interval: []*schedulepb.IntervalSpec{{Interval: durationpb.New(time.Hour)}}},
			Action: &schedulepb.ScheduleAction{Action: &schedulepb.ScheduleAction_StartWorkflow{StartWorkflow: &workflowpb.NewWorkflowExecutionInfo{
				WorkflowId: "sched-unlimited-run-" + s.suffix, WorkflowType: &commonpb.WorkflowType{Name: "ScheduledEcho"},
				TaskQueue: &taskqueuepb.TaskQueue{Name: "nobody-polls-" + s.suffix}}}},
			State: &schedulepb.ScheduleState{Notes: "sched note 1", Paused: true, LimitedActions: false, RemainingActions: 30},
		}})
	if err != nil {
		t.Fatalf("CreateSchedule: %v", err)
	}
	t.Cleanup(func() { s.stop(s.c.ScheduleClient().GetHandle(context.Background(), id)) })
	state := s.describeRaw(id).GetSchedule().GetState()
	if state.GetNotes() != "sched note 1" || !state.GetPaused() || state.GetLimitedActions() || state.GetRemainingActions() != 30 {
		t.Fatalf("described state %v; want the note, paused, unlimited, 30 remaining actions", state)
	}
}
