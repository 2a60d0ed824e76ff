//go:build crash

package crash

import (
	"strconv"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The checks on synthetic histories (no server): a correct run passes, and each way a server can
// lose or duplicate acknowledged work is reported. This keeps the crash test from passing
// vacuously.

func payloads(t *testing.T, v any) *commonpb.Payloads {
	p, err := converter.GetDefaultDataConverter().ToPayloads(v)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// goodRun is the history of one CrashWorkflow run as the reference writes it, with what the client
// side saw acknowledged.
type goodRun struct {
	p        *plan
	events   []*historypb.HistoryEvent
	state    wfState
	acked    []activityExec
	wfts     []wftKey
	produced map[string]bool
}

func newGoodRun(t *testing.T) *goodRun {
	p := &plan{id: "wf", input: wfInput{Activity1Ms: 1, TimerMs: 3000, Signals: 3, Activity2Ms: 1}}
	r1, r2 := "wf/step1/attempt1/aa", "wf/step2/attempt2/bb"
	result := wfResult{Activity1: r1, Activity2: r2, Signals: []string{"wf/s0", "wf/s1", "wf/s2"}}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var evs []*historypb.HistoryEvent
	add := func(typ enumspb.EventType, at time.Duration, set func(*historypb.HistoryEvent)) {
		ev := &historypb.HistoryEvent{EventId: int64(len(evs) + 1), EventType: typ, EventTime: timestamppb.New(t0.Add(at))}
		if set != nil {
			set(ev)
		}
		evs = append(evs, ev)
	}
	wft := func(at time.Duration) {
		s := int64(len(evs) + 1)
		add(enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, at, nil)
		add(enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED, at, func(ev *historypb.HistoryEvent) {
			ev.Attributes = &historypb.HistoryEvent_WorkflowTaskStartedEventAttributes{WorkflowTaskStartedEventAttributes: &historypb.WorkflowTaskStartedEventAttributes{ScheduledEventId: s}}
		})
		add(enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, at, func(ev *historypb.HistoryEvent) {
			ev.Attributes = &historypb.HistoryEvent_WorkflowTaskCompletedEventAttributes{WorkflowTaskCompletedEventAttributes: &historypb.WorkflowTaskCompletedEventAttributes{ScheduledEventId: s, StartedEventId: s + 1}}
		})
	}
	activity := func(at time.Duration, result string) {
		s := int64(len(evs) + 1)
		add(enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, at, func(ev *historypb.HistoryEvent) {
			ev.Attributes = &historypb.HistoryEvent_ActivityTaskScheduledEventAttributes{ActivityTaskScheduledEventAttributes: &historypb.ActivityTaskScheduledEventAttributes{ActivityId: strconv.FormatInt(s, 10), WorkflowTaskCompletedEventId: s - 1}}
		})
		add(enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED, at, func(ev *historypb.HistoryEvent) {
			ev.Attributes = &historypb.HistoryEvent_ActivityTaskStartedEventAttributes{ActivityTaskStartedEventAttributes: &historypb.ActivityTaskStartedEventAttributes{ScheduledEventId: s}}
		})
		add(enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, at, func(ev *historypb.HistoryEvent) {
			ev.Attributes = &historypb.HistoryEvent_ActivityTaskCompletedEventAttributes{ActivityTaskCompletedEventAttributes: &historypb.ActivityTaskCompletedEventAttributes{ScheduledEventId: s, StartedEventId: s + 1, Result: payloads(t, result)}}
		})
	}
	signal := func(at time.Duration, v string) {
		add(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, at, func(ev *historypb.HistoryEvent) {
			ev.Attributes = &historypb.HistoryEvent_WorkflowExecutionSignaledEventAttributes{WorkflowExecutionSignaledEventAttributes: &historypb.WorkflowExecutionSignaledEventAttributes{SignalName: signalName, Input: payloads(t, v)}}
		})
	}
	add(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, 0, nil)                            // 1
	wft(0)                                                                                // 2-4
	activity(0, r1)                                                                       // 5-7, activity id "5"
	wft(time.Second)                                                                      // 8-10
	add(enumspb.EVENT_TYPE_TIMER_STARTED, time.Second, func(ev *historypb.HistoryEvent) { // 11
		ev.Attributes = &historypb.HistoryEvent_TimerStartedEventAttributes{TimerStartedEventAttributes: &historypb.TimerStartedEventAttributes{TimerId: "11", StartToFireTimeout: durationpb.New(3 * time.Second), WorkflowTaskCompletedEventId: 10}}
	})
	signal(2*time.Second, "wf/s0")                                                        // 12
	signal(2*time.Second, "wf/s1")                                                        // 13
	add(enumspb.EVENT_TYPE_TIMER_FIRED, 4*time.Second, func(ev *historypb.HistoryEvent) { // 14
		ev.Attributes = &historypb.HistoryEvent_TimerFiredEventAttributes{TimerFiredEventAttributes: &historypb.TimerFiredEventAttributes{TimerId: "11", StartedEventId: 11}}
	})
	signal(5*time.Second, "wf/s2")                                                                         // 15
	wft(5 * time.Second)                                                                                   // 16-18
	activity(5*time.Second, r2)                                                                            // 19-21, activity id "19"
	wft(6 * time.Second)                                                                                   // 22-24
	add(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, 6*time.Second, func(ev *historypb.HistoryEvent) { // 25
		ev.Attributes = &historypb.HistoryEvent_WorkflowExecutionCompletedEventAttributes{WorkflowExecutionCompletedEventAttributes: &historypb.WorkflowExecutionCompletedEventAttributes{Result: payloads(t, result), WorkflowTaskCompletedEventId: 24}}
	})
	return &goodRun{
		p:        p,
		events:   evs,
		state:    wfState{signalsAcked: 3, completed: true, result: result},
		acked:    []activityExec{{workflowID: "wf", activityID: "5", step: 1, result: r1}, {workflowID: "wf", activityID: "19", step: 2, result: r2}},
		wfts:     []wftKey{{workflowID: "wf", startedEventID: 3}, {workflowID: "wf", startedEventID: 17}},
		produced: map[string]bool{r1: true, r2: true, "wf/step2/attempt1/cc": true},
	}
}

func (g *goodRun) check() []string {
	return checkRun(newHist(g.events), g.p, g.state, g.acked, g.wfts, g.produced)
}

func signalEvent(t *testing.T, v string) *historypb.HistoryEvent_WorkflowExecutionSignaledEventAttributes {
	return &historypb.HistoryEvent_WorkflowExecutionSignaledEventAttributes{WorkflowExecutionSignaledEventAttributes: &historypb.WorkflowExecutionSignaledEventAttributes{SignalName: signalName, Input: payloads(t, v)}}
}

func TestChecksPassACorrectRunAndReportEachLoss(t *testing.T) {
	if msgs := newGoodRun(t).check(); len(msgs) > 0 {
		t.Fatalf("a correct run is reported:\n%s", joinLines(msgs))
	}
	cases := []struct {
		name   string
		mutate func(*goodRun)
		want   string // a fragment of one of the messages
	}{
		{"signal delivered twice", func(g *goodRun) { g.events[14].Attributes = signalEvent(t, "wf/s1") }, `"wf/s1" is in the history 2 times`},
		{"acknowledged signal lost", func(g *goodRun) { g.events[14].Attributes = signalEvent(t, "wf/s1") }, `acknowledged signal "wf/s2" is not in the history`},
		{"signals reordered", func(g *goodRun) {
			g.events[11].Attributes, g.events[12].Attributes = signalEvent(t, "wf/s1"), signalEvent(t, "wf/s0")
		}, `after a later one`},
		{"unknown signal", func(g *goodRun) { g.events[11].Attributes = signalEvent(t, "wf/s7") }, `was never sent`},
		{"gap in event ids", func(g *goodRun) { g.events[19].EventId = 21 }, `ids must be 1, 2, 3`},
		{"dangling reference", func(g *goodRun) {
			g.events[20].GetActivityTaskCompletedEventAttributes().StartedEventId = 19
		}, `started_event_id=19 is ActivityTaskScheduled, want an earlier ActivityTaskStarted`},
		{"not completed", func(g *goodRun) { g.events = g.events[:24]; g.state.completed = false }, `last event is WorkflowTaskCompleted`},
		{"timer fired early", func(g *goodRun) {
			g.events[13].EventTime = timestamppb.New(g.events[10].EventTime.AsTime().Add(time.Second))
		}, `fired 2s early`},
		{"acknowledged activity completion replaced by another attempt's", func(g *goodRun) {
			g.acked[1].result = "wf/step2/attempt1/cc"
		}, `has result "wf/step2/attempt2/bb" in the history, want "wf/step2/attempt1/cc"`},
		{"acknowledged activity completion lost", func(g *goodRun) { g.acked = append(g.acked, activityExec{activityID: "99", step: 2}) }, `no ActivityTaskScheduled with that id`},
		{"acknowledged workflow task completion lost", func(g *goodRun) { g.wfts = append(g.wfts, wftKey{startedEventID: 26}) }, `started at event 26 is not in the history`},
		{"result differs from the history", func(g *goodRun) { g.state.result.Signals = []string{"wf/s0", "wf/s1"} }, `client got result`},
		{"result from an unknown execution", func(g *goodRun) { delete(g.produced, "wf/step1/attempt1/aa") }, `was not produced by an execution`},
	}
	for _, c := range cases {
		g := newGoodRun(t)
		c.mutate(g)
		msgs := g.check()
		if !strings.Contains(strings.Join(msgs, "\n"), c.want) {
			t.Errorf("%s: want a message containing %q, got:\n%s", c.name, c.want, joinLines(msgs))
		}
	}
}
