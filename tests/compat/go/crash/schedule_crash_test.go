//go:build crash

// The crash safety of schedules: schedules created (one SKIP, one ALLOW_ALL, one BUFFER_ALL with
// a run that outlasts the interval, one with remaining actions, one paused with a note) fire every
// second with a Go SDK worker running; paused schedules are being created one after another when
// the server is killed with SIGKILL; it stays down while at least two ticks come due, and is
// restarted on the same store and port. Checked after the restart: every acknowledged Create is
// there with its spec, policies, action and state (paused stays paused with its note, the
// remaining actions did not grow and still add up with the action count); every run named in
// recent_actions before the kill exists; the schedules keep firing; no nominal time is started
// twice (recent actions' nominal times strictly increase, and the action count equals the runs
// ListWorkflowExecutions finds with TemporalScheduledById, each named <action id>-<its nominal
// time>); the ALLOW_ALL and BUFFER_ALL schedules started every second of their range, and the
// ALLOW_ALL one every second that came due while the server was down (catch-up window: the
// default year).
//
// Same servers as TestCrashKill9WithWorkInFlight: HDO_BIN (hdo, the default), or
// HDO_CRASH_SERVER=reference (it passes there too). The kill lands at a random point of the
// second (HDO_CRASH_SEED repeats it; HDO_CRASH_SCHEDULE_KILL_MS=<0-999> pins it, e.g. 0-20 to land
// while the ticks' starts are being committed).
package crash

import (
	"context"
	"fmt"
	mrand "math/rand"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	schedulepb "go.temporal.io/api/schedule/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
)

const (
	schedQuickType = "ScheduleCrashQuick"
	schedSlowType  = "ScheduleCrashSlow"
	// schedSlowRun outlasts the 1 s interval, so the BUFFER_ALL schedule has starts buffered.
	schedSlowRun = 1500 * time.Millisecond
	// schedLimited is the remaining actions the limited schedule is created with.
	schedLimited = 10
	// schedFiringLatest bounds each wait for the schedules to have fired (before the kill, and
	// again after the restart); schedSettleLatest bounds the wait for the final counts to agree.
	schedFiringLatest = 90 * time.Second
	schedSettleLatest = 60 * time.Second
	// schedDownTicks: the server stays down until this many whole seconds came due after the kill.
	schedDownTicks = 3
	// schedBurstAcked: the kill comes once this many creates of the burst are acknowledged.
	schedBurstAcked = 5
)

// ScheduleCrashQuick returns at once.
func ScheduleCrashQuick(ctx workflow.Context) (string, error) {
	return workflow.GetInfo(ctx).WorkflowExecution.ID, nil
}

// ScheduleCrashSlow runs for schedSlowRun (a durable timer: it survives the kill).
func ScheduleCrashSlow(ctx workflow.Context) error {
	return workflow.Sleep(ctx, schedSlowRun)
}

// crashSchedule is one schedule of the test and what it promises.
type crashSchedule struct {
	name      string
	id        string
	actionID  string
	workflow  string
	overlap   enumspb.ScheduleOverlapPolicy
	paused    bool
	note      string
	remaining int
	// contiguous: every nominal second from the first to the last started is started
	// (ALLOW_ALL starts every tick, BUFFER_ALL buffers every tick and starts them in order).
	contiguous bool
	firing     bool // fires by itself (not paused, unlimited)
}

func TestScheduleCrashKill9KeepsSchedulesAndTheirActions(t *testing.T) {
	srv := newServer(t)
	c := dial(t, srv.hostPort, "schedule-crash")
	defer c.Close()
	svc := c.WorkflowService()
	run := randomHex(4)
	queue := "sched-crash-" + run
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflowWithOptions(ScheduleCrashQuick, workflow.RegisterOptions{Name: schedQuickType})
	w.RegisterWorkflowWithOptions(ScheduleCrashSlow, workflow.RegisterOptions{Name: schedSlowType})
	if err := w.Start(); err != nil {
		t.Fatalf("starting worker: %v", err)
	}
	defer w.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()

	schedules := []*crashSchedule{
		{name: "skip", workflow: schedQuickType, overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, firing: true},
		{name: "allow-all", workflow: schedQuickType, overlap: enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL, contiguous: true, firing: true},
		{name: "buffer-all", workflow: schedSlowType, overlap: enumspb.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL, contiguous: true, firing: true},
		{name: "limited", workflow: schedQuickType, overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, remaining: schedLimited},
		{name: "paused", workflow: schedQuickType, overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, paused: true,
			note: "paused before the crash"},
	}
	byName := map[string]*crashSchedule{}
	for _, s := range schedules {
		s.id = "sched-crash-" + run + "-" + s.name
		s.actionID = s.id + "-run"
		byName[s.name] = s
		_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
			ID:   s.id,
			Spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Second}}},
			Action: &client.ScheduleWorkflowAction{ID: s.actionID, Workflow: s.workflow, TaskQueue: queue,
				// A workflow task whose completion the kill lost is given again soon.
				WorkflowTaskTimeout: 2 * time.Second, WorkflowExecutionTimeout: 5 * time.Minute},
			Overlap:          s.overlap,
			Paused:           s.paused,
			Note:             s.note,
			RemainingActions: s.remaining,
		})
		if err != nil {
			t.Fatalf("Create schedule %s: %v", s.id, err)
		}
	}

	describe := func(id string) (*workflowservice.DescribeScheduleResponse, error) {
		dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
		defer dcancel()
		return svc.DescribeSchedule(dctx, &workflowservice.DescribeScheduleRequest{Namespace: namespace, ScheduleId: id})
	}
	describeAll := func() (map[string]*workflowservice.DescribeScheduleResponse, error) {
		out := map[string]*workflowservice.DescribeScheduleResponse{}
		for _, s := range schedules {
			d, err := describe(s.id)
			if err != nil {
				return nil, fmt.Errorf("DescribeSchedule %s: %w", s.id, err)
			}
			out[s.name] = d
		}
		return out, nil
	}
	// The limited schedule's remaining actions and action count add up to what it was created
	// with at every moment (SKIP: a skipped tick takes neither).
	limitedAddsUp := func(d *workflowservice.DescribeScheduleResponse) error {
		remaining, count := d.GetSchedule().GetState().GetRemainingActions(), d.GetInfo().GetActionCount()
		if remaining+count != schedLimited {
			return fmt.Errorf("limited schedule: remaining actions %d + action count %d = %d; want %d",
				remaining, count, remaining+count, schedLimited)
		}
		return nil
	}

	// Before the kill: every firing schedule has fired a few times, the BUFFER_ALL one has starts
	// buffered, the limited one has actions left.
	hdotest.Eventually(t, schedFiringLatest, func() error {
		d, err := describeAll()
		if err != nil {
			return err
		}
		skip, all, buf, lim := d["skip"].GetInfo(), d["allow-all"].GetInfo(), d["buffer-all"].GetInfo(), d["limited"].GetInfo()
		if skip.GetActionCount() < 3 || all.GetActionCount() < 3 || lim.GetActionCount() < 3 ||
			buf.GetActionCount() < 2 || buf.GetBufferSize() < 1 {
			return fmt.Errorf("not fired enough yet: skip %d, allow-all %d, limited %d, buffer-all %d (buffered %d)",
				skip.GetActionCount(), all.GetActionCount(), lim.GetActionCount(), buf.GetActionCount(), buf.GetBufferSize())
		}
		return limitedAddsUp(d["limited"])
	})

	// Creates in flight at the kill: paused schedules, one after another, each acknowledged one
	// recorded with its note.
	var burstMu sync.Mutex
	burstAcked := map[string]string{}
	burstCtx, stopBurst := context.WithCancel(ctx)
	var burst sync.WaitGroup
	burst.Add(1)
	go func() {
		defer burst.Done()
		for i := 0; burstCtx.Err() == nil; i++ {
			id := fmt.Sprintf("sched-crash-%s-burst-%03d", run, i)
			note := fmt.Sprintf("burst %d", i)
			cctx, ccancel := context.WithTimeout(burstCtx, 2*time.Second)
			_, err := svc.CreateSchedule(cctx, &workflowservice.CreateScheduleRequest{
				Namespace: namespace, ScheduleId: id, RequestId: "create-" + id, Identity: "schedule-crash",
				Schedule: &schedulepb.Schedule{
					Spec: &schedulepb.ScheduleSpec{Interval: []*schedulepb.IntervalSpec{{Interval: durationpb.New(time.Hour)}}},
					Action: &schedulepb.ScheduleAction{Action: &schedulepb.ScheduleAction_StartWorkflow{StartWorkflow: &workflowpb.NewWorkflowExecutionInfo{
						WorkflowId: id + "-run", WorkflowType: &commonpb.WorkflowType{Name: schedQuickType},
						TaskQueue: &taskqueuepb.TaskQueue{Name: queue}}}},
					State: &schedulepb.ScheduleState{Paused: true, Notes: note},
				}})
			ccancel()
			if err == nil {
				burstMu.Lock()
				burstAcked[id] = note
				burstMu.Unlock()
			}
		}
	}()
	hdotest.Eventually(t, 30*time.Second, func() error {
		burstMu.Lock()
		defer burstMu.Unlock()
		if len(burstAcked) < schedBurstAcked {
			return fmt.Errorf("%d creates acknowledged; want %d before the kill", len(burstAcked), schedBurstAcked)
		}
		return nil
	})

	// The kill lands at a chosen point of the second (the ticks come at whole seconds): random,
	// from HDO_CRASH_SEED, unless HDO_CRASH_SCHEDULE_KILL_MS pins it.
	seed := envInt(t, "HDO_CRASH_SEED", time.Now().UnixNano())
	phase := time.Duration(envInt(t, "HDO_CRASH_SCHEDULE_KILL_MS", mrand.New(mrand.NewSource(seed)).Int63n(1000))) * time.Millisecond
	pre, err := describeAll()
	if err != nil {
		t.Fatal(err)
	}
	killAt := time.Now().Truncate(time.Second).Add(time.Second + phase)
	<-time.After(time.Until(killAt)) // a point in time, not a duration: the next second + phase
	killed := time.Now()
	t.Logf("seed %d (HDO_CRASH_SEED=%d repeats it): the kill comes %v after a tick, at %v", seed, seed, phase,
		killed.Format(time.RFC3339Nano))
	srv.kill9(t)
	stopBurst()
	burst.Wait()
	for _, s := range schedules {
		info := pre[s.name].GetInfo()
		t.Logf("before the kill: %s: %d actions, %d recent, %d buffered, %d skipped, remaining %d",
			s.name, info.GetActionCount(), len(info.GetRecentActions()), info.GetBufferSize(),
			info.GetOverlapSkipped(), pre[s.name].GetSchedule().GetState().GetRemainingActions())
	}
	t.Logf("before the kill: %d burst creates acknowledged", len(burstAcked))

	// Down while schedDownTicks whole seconds come due.
	downUntil := killed.Truncate(time.Second).Add(schedDownTicks * time.Second)
	hdotest.Eventually(t, (schedDownTicks+2)*time.Second, func() error {
		if now := time.Now(); now.Before(downUntil) {
			return fmt.Errorf("%v: the ticks up to %v have not come due yet", now, downUntil)
		}
		return nil
	})
	restarting := time.Now()
	srv.start(t)
	restarted := time.Now()
	t.Logf("down from %v to %v (serving again at %v)", killed.Format(time.RFC3339Nano),
		restarting.Format(time.RFC3339Nano), restarted.Format(time.RFC3339Nano))

	// The client's connection comes back after its reconnect backoff.
	var post map[string]*workflowservice.DescribeScheduleResponse
	hdotest.Eventually(t, 30*time.Second, func() error {
		var err error
		post, err = describeAll()
		return err
	})

	// Every acknowledged create is there, paused, with its note.
	for id, note := range burstAcked {
		d, err := describe(id)
		if err != nil {
			t.Errorf("the acknowledged Create of %s is lost: %v", id, err)
			continue
		}
		if st := d.GetSchedule().GetState(); !st.GetPaused() || st.GetNotes() != note || d.GetInfo().GetActionCount() != 0 {
			t.Errorf("acknowledged schedule %s after the restart: state %v, %d actions; want paused with note %q, none",
				id, st, d.GetInfo().GetActionCount(), note)
		}
	}

	// The schedules as they were: spec, policies, action, state (remaining actions may only have
	// gone down); every run named before the kill exists.
	for _, s := range schedules {
		before, after := pre[s.name], post[s.name]
		for _, part := range []struct {
			what string
			a, b proto.Message
		}{
			{"spec", before.GetSchedule().GetSpec(), after.GetSchedule().GetSpec()},
			{"policies", before.GetSchedule().GetPolicies(), after.GetSchedule().GetPolicies()},
			{"action", before.GetSchedule().GetAction(), after.GetSchedule().GetAction()},
		} {
			if !proto.Equal(part.a, part.b) {
				t.Errorf("%s: %s after the restart %v; want as before the kill %v", s.name, part.what, part.b, part.a)
			}
		}
		bs, as := before.GetSchedule().GetState(), after.GetSchedule().GetState()
		if as.GetPaused() != bs.GetPaused() || as.GetNotes() != bs.GetNotes() || as.GetLimitedActions() != bs.GetLimitedActions() ||
			as.GetRemainingActions() > bs.GetRemainingActions() {
			t.Errorf("%s: state after the restart %v; before the kill %v (paused, notes and limited kept, remaining not increased)",
				s.name, as, bs)
		}
		if after.GetInfo().GetActionCount() < before.GetInfo().GetActionCount() {
			t.Errorf("%s: action count %d after the restart; %d before the kill", s.name,
				after.GetInfo().GetActionCount(), before.GetInfo().GetActionCount())
		}
		for _, action := range before.GetInfo().GetRecentActions() {
			started := action.GetStartWorkflowResult()
			described, err := c.DescribeWorkflowExecution(ctx, started.GetWorkflowId(), started.GetRunId())
			if err != nil {
				t.Errorf("%s: run %s/%s, a recent action before the kill, after the restart: %v", s.name,
					started.GetWorkflowId(), started.GetRunId(), err)
			} else if typ := described.GetWorkflowExecutionInfo().GetType().GetName(); typ != s.workflow {
				t.Errorf("%s: run %s is a %s; want %s", s.name, started.GetWorkflowId(), typ, s.workflow)
			}
		}
		if err := recentActionsInOrder(before, after); err != nil {
			t.Errorf("%s: %v", s.name, err)
		}
	}
	if st := post["paused"]; st.GetInfo().GetActionCount() != 0 || !st.GetSchedule().GetState().GetPaused() ||
		st.GetSchedule().GetState().GetNotes() != byName["paused"].note {
		t.Errorf("paused schedule after the restart: %d actions, state %v; want none, paused with note %q",
			st.GetInfo().GetActionCount(), st.GetSchedule().GetState(), byName["paused"].note)
	}
	if err := limitedAddsUp(post["limited"]); err != nil {
		t.Errorf("after the restart: %v", err)
	}

	// The schedules keep firing: new runs with nominal times after the restart; the limited one
	// takes exactly its remaining actions.
	var last map[string]*workflowservice.DescribeScheduleResponse
	hdotest.Eventually(t, schedFiringLatest, func() error {
		d, err := describeAll()
		if err != nil {
			return err
		}
		last = d
		if err := limitedAddsUp(d["limited"]); err != nil {
			t.Fatalf("after the restart: %v", err)
		}
		for _, s := range schedules {
			if err := recentActionsInOrder(pre[s.name], d[s.name]); err != nil {
				t.Fatalf("%s after the restart: %v", s.name, err)
			}
		}
		var waiting []string
		for _, name := range []string{"skip", "allow-all", "buffer-all"} {
			info := d[name].GetInfo()
			recent := info.GetRecentActions()
			// The BUFFER_ALL schedule works through its backlog first: its new runs are new
			// nominal times, not necessarily ones after the restart.
			fresh := len(recent) > 0 && (name == "buffer-all" || recent[len(recent)-1].GetScheduleTime().AsTime().After(restarted))
			if info.GetActionCount() < pre[name].GetInfo().GetActionCount()+3 || !fresh {
				waiting = append(waiting, fmt.Sprintf("%s (%d actions, %d before the kill)", name,
					info.GetActionCount(), pre[name].GetInfo().GetActionCount()))
			}
		}
		if lim := d["limited"]; lim.GetInfo().GetActionCount() != schedLimited {
			waiting = append(waiting, fmt.Sprintf("limited (%d actions)", lim.GetInfo().GetActionCount()))
		}
		if len(waiting) > 0 {
			return fmt.Errorf("not fired after the restart yet: %s", strings.Join(waiting, ", "))
		}
		return nil
	})
	if d := last["limited"]; d.GetSchedule().GetState().GetRemainingActions() != 0 || len(d.GetInfo().GetFutureActionTimes()) != 0 {
		t.Errorf("limited schedule after %d actions: remaining %d, future times %v; want 0, none", schedLimited,
			d.GetSchedule().GetState().GetRemainingActions(), d.GetInfo().GetFutureActionTimes())
	}

	// Pause the firing ones, then count: once nothing starts any more, each schedule's action count
	// equals the runs listed with its TemporalScheduledById, one per nominal time.
	for _, s := range schedules {
		if s.firing {
			if err := c.ScheduleClient().GetHandle(ctx, s.id).Pause(ctx, client.SchedulePauseOptions{Note: "counting"}); err != nil {
				t.Fatalf("Pause %s: %v", s.id, err)
			}
		}
	}
	lastBeforeKill := map[string]time.Time{}
	for _, s := range schedules {
		if recent := pre[s.name].GetInfo().GetRecentActions(); len(recent) > 0 {
			lastBeforeKill[s.name] = recent[len(recent)-1].GetScheduleTime().AsTime()
		}
	}
	var summary []string
	hdotest.Eventually(t, schedSettleLatest, func() error {
		summary = summary[:0]
		total := int64(0)
		for _, s := range schedules {
			d, err := describe(s.id)
			if err != nil {
				return err
			}
			count := d.GetInfo().GetActionCount()
			total += count
			runs, err := listRuns(ctx, svc, fmt.Sprintf("TemporalScheduledById = '%s'", s.id))
			if err != nil {
				return err
			}
			if int64(len(runs)) != count {
				return fmt.Errorf("%s: action count %d; %d runs listed with TemporalScheduledById = '%s'", s.name, count, len(runs), s.id)
			}
			nominals, err := nominalTimes(s, runs)
			if err != nil {
				return err
			}
			if err := checkNominals(s, nominals, killed, restarting, restarted, lastBeforeKill[s.name]); err != nil {
				return err
			}
			summary = append(summary, fmt.Sprintf("%s: %d runs", s.name, len(runs)))
		}
		runs, err := listRuns(ctx, svc, fmt.Sprintf("TaskQueue = '%s'", queue))
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, r := range runs {
			if seen[r.GetExecution().GetWorkflowId()] {
				return fmt.Errorf("workflow id %s listed twice on %s", r.GetExecution().GetWorkflowId(), queue)
			}
			seen[r.GetExecution().GetWorkflowId()] = true
		}
		if int64(len(runs)) != total {
			return fmt.Errorf("%d runs listed on task queue %s; the schedules' action counts add up to %d", len(runs), queue, total)
		}
		return nil
	})
	t.Logf("after the restart: %s", strings.Join(summary, ", "))
}

// recentActionsInOrder: after's recent actions have strictly increasing nominal times, and one
// that before also lists (same workflow id) is the same run.
func recentActionsInOrder(before, after *workflowservice.DescribeScheduleResponse) error {
	runs := map[string]string{}
	for _, a := range before.GetInfo().GetRecentActions() {
		runs[a.GetStartWorkflowResult().GetWorkflowId()] = a.GetStartWorkflowResult().GetRunId()
	}
	recent := after.GetInfo().GetRecentActions()
	for i, a := range recent {
		if i > 0 && !a.GetScheduleTime().AsTime().After(recent[i-1].GetScheduleTime().AsTime()) {
			return fmt.Errorf("recent actions' nominal times %v then %v; want strictly increasing",
				recent[i-1].GetScheduleTime().AsTime(), a.GetScheduleTime().AsTime())
		}
		id := a.GetStartWorkflowResult().GetWorkflowId()
		if run, ok := runs[id]; ok && run != a.GetStartWorkflowResult().GetRunId() {
			return fmt.Errorf("recent action %s: run %s; before the kill it was run %s", id, a.GetStartWorkflowResult().GetRunId(), run)
		}
	}
	return nil
}

// listRuns pages through ListWorkflowExecutions.
func listRuns(ctx context.Context, svc workflowservice.WorkflowServiceClient, query string) ([]*workflowpb.WorkflowExecutionInfo, error) {
	var all []*workflowpb.WorkflowExecutionInfo
	var token []byte
	for {
		lctx, lcancel := context.WithTimeout(ctx, 10*time.Second)
		page, err := svc.ListWorkflowExecutions(lctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: namespace, Query: query, PageSize: 1000, NextPageToken: token})
		lcancel()
		if err != nil {
			return nil, fmt.Errorf("ListWorkflowExecutions(%s): %w", query, err)
		}
		all = append(all, page.GetExecutions()...)
		token = page.GetNextPageToken()
		if len(token) == 0 {
			return all, nil
		}
	}
}

// nominalTimes reads each run's nominal time from its workflow id (<action id>-<RFC 3339>) and
// checks that its TemporalScheduledStartTime and type agree. Sorted; an error names a nominal time
// started twice.
func nominalTimes(s *crashSchedule, runs []*workflowpb.WorkflowExecutionInfo) ([]time.Time, error) {
	var out []time.Time
	seen := map[int64]string{} // by Unix second
	for _, r := range runs {
		id := r.GetExecution().GetWorkflowId()
		suffix, ok := strings.CutPrefix(id, s.actionID+"-")
		if !ok {
			return nil, fmt.Errorf("%s: run %s is not named %s-<nominal time>", s.name, id, s.actionID)
		}
		nominal, err := time.Parse(time.RFC3339, suffix)
		if err != nil {
			return nil, fmt.Errorf("%s: run %s: %v", s.name, id, err)
		}
		var scheduled time.Time
		payload := r.GetSearchAttributes().GetIndexedFields()["TemporalScheduledStartTime"]
		if err := converter.GetDefaultDataConverter().FromPayload(payload, &scheduled); err != nil || !scheduled.Equal(nominal) {
			return nil, fmt.Errorf("%s: run %s has TemporalScheduledStartTime %v (%v); want %v", s.name, id, scheduled, err, nominal)
		}
		if typ := r.GetType().GetName(); typ != s.workflow {
			return nil, fmt.Errorf("%s: run %s is a %s; want %s", s.name, id, typ, s.workflow)
		}
		if other, dup := seen[nominal.Unix()]; dup {
			return nil, fmt.Errorf("%s: nominal time %v started twice: %s (run %s) and run %s", s.name, nominal, id,
				r.GetExecution().GetRunId(), other)
		}
		seen[nominal.Unix()] = r.GetExecution().GetRunId()
		out = append(out, nominal)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out, nil
}

// checkNominals: the contiguous schedules started every second of their range; the ALLOW_ALL
// one every second that came due while the server was down, the first after its last action
// before the kill no later than 2 s after the restart.
func checkNominals(s *crashSchedule, nominals []time.Time, killed, restarting, restarted, lastBeforeKill time.Time) error {
	if s.contiguous {
		for i := 1; i < len(nominals); i++ {
			if gap := nominals[i].Sub(nominals[i-1]); gap != time.Second {
				return fmt.Errorf("%s: runs for %v then %v: the %v between were not started (each second should be)",
					s.name, nominals[i-1], nominals[i], gap-time.Second)
			}
		}
	}
	if s.overlap != enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL {
		return nil
	}
	taken := map[int64]bool{} // Unix seconds: time.Time keys would compare location and monotonic reading
	for _, n := range nominals {
		taken[n.Unix()] = true
	}
	down := 0
	for at := killed.UTC().Truncate(time.Second).Add(time.Second); !at.After(restarting); at = at.Add(time.Second) {
		down++
		if !taken[at.Unix()] {
			return fmt.Errorf("%s: %v came due while the server was down (%v to %v) and was never started",
				s.name, at, killed, restarting)
		}
	}
	if down < schedDownTicks {
		return fmt.Errorf("%s: only %d ticks came due while the server was down; want at least %d", s.name, down, schedDownTicks)
	}
	for _, n := range nominals {
		if n.After(lastBeforeKill) {
			if n.After(restarted.Add(2 * time.Second)) {
				return fmt.Errorf("%s: the first nominal time after the last before the kill (%v) is %v, after the restart (%v) + 2 s",
					s.name, lastBeforeKill, n, restarted)
			}
			break
		}
	}
	return nil
}
