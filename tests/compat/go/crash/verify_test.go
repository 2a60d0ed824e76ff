//go:build crash

package crash

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
)

// timerSlack: a timer may not fire earlier than its duration after TimerStarted, less this much
// for the rounding of event times.
const timerSlack = 50 * time.Millisecond

// verify checks one workflow against what the client side saw acknowledged; it returns what is
// wrong, nothing when all is right.
func verify(c client.Client, rec *recorder, p *plan) []string {
	rec.mu.Lock()
	s := *rec.state(p.id)
	var acked []activityExec
	produced := map[string]bool{}
	for _, e := range rec.activities {
		if e.workflowID == p.id {
			produced[e.result] = true
			if e.acked {
				acked = append(acked, *e)
			}
		}
	}
	var wfts []wftKey
	for _, k := range rec.wftAcked {
		if k.workflowID == p.id && k.runID == s.runID {
			wfts = append(wfts, k)
		}
	}
	rec.mu.Unlock()

	if s.startAcked.IsZero() {
		return []string{fmt.Sprintf("start never acknowledged (%d calls with one request id): %v", s.startAttempts, s.startErr)}
	}
	var msgs []string
	if s.signalErr != nil {
		msgs = append(msgs, "a signal was never acknowledged: "+s.signalErr.Error())
	}
	switch {
	case s.finalErr != nil:
		msgs = append(msgs, "ended without completing: "+s.finalErr.Error())
	case !s.completed:
		msgs = append(msgs, "did not complete")
	}
	events, err := fetchHistory(c, p.id, s.runID)
	if err != nil {
		return append(msgs, fmt.Sprintf("history of run %s: %v", s.runID, err))
	}
	msgs = append(msgs, checkRun(newHist(events), p, s, acked, wfts, produced)...)
	if s.completed {
		msgs = append(msgs, checkListed(c, p.id, s.runID, int64(len(events)))...)
	}
	return msgs
}

// checkListed: visibility agrees with the history after the kills, i.e. the list row was written
// with the run's state. The reference writes visibility asynchronously, so this retries for a
// while before it reports.
func checkListed(c client.Client, id, runID string, historyLength int64) []string {
	var last string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowId = '%s'", id)})
		cancel()
		switch {
		case err != nil:
			last = "list: " + err.Error()
		case len(resp.Executions) != 1:
			last = fmt.Sprintf("listed %d runs, want 1", len(resp.Executions))
		case resp.Executions[0].Execution.RunId != runID ||
			resp.Executions[0].Status != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED ||
			resp.Executions[0].HistoryLength != historyLength:
			e := resp.Executions[0]
			last = fmt.Sprintf("listed run %s %s with %d events, want run %s Completed with %d",
				e.Execution.RunId, e.Status, e.HistoryLength, runID, historyLength)
		default:
			return nil
		}
	}
	return []string{"visibility: " + last}
}

// checkRun checks one run's history against what was acknowledged: acked are the activity
// executions whose completion was acknowledged, wfts the acknowledged workflow task completions,
// produced every activity result this process returned for the workflow.
func checkRun(h *hist, p *plan, s wfState, acked []activityExec, wfts []wftKey, produced map[string]bool) []string {
	var msgs []string
	msgs = append(msgs, h.wellFormed()...)
	msgs = append(msgs, h.checkSignals(p, s.signalsAcked, s.completed)...)
	msgs = append(msgs, h.checkTimer(p)...)
	for _, e := range acked {
		msgs = append(msgs, h.checkAckedActivity(e)...)
	}
	for _, k := range wfts {
		if h.wftOutcome(k.startedEventID) == nil {
			msgs = append(msgs, fmt.Sprintf("acknowledged completion of the workflow task started at event %d is not in the history", k.startedEventID))
		}
	}
	if s.completed {
		msgs = append(msgs, h.checkResult(p, s.result, produced)...)
	}
	if len(msgs) > 0 {
		msgs = append(msgs, "history: "+h.summary())
	}
	return msgs
}

func fetchHistory(c client.Client, id, runID string) ([]*historypb.HistoryEvent, error) {
	var last error
	for attempt := 0; attempt < 3; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), historyTimeout)
		iter := c.GetWorkflowHistory(ctx, id, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		var events []*historypb.HistoryEvent
		last = nil
		for iter.HasNext() {
			ev, err := iter.Next()
			if err != nil {
				last = err
				break
			}
			events = append(events, ev)
		}
		cancel()
		if last == nil {
			return events, nil
		}
	}
	return nil, last
}

// hist is one run's history with its events by id.
type hist struct {
	events []*historypb.HistoryEvent
	byID   map[int64]*historypb.HistoryEvent
}

func newHist(events []*historypb.HistoryEvent) *hist {
	h := &hist{events: events, byID: map[int64]*historypb.HistoryEvent{}}
	for _, ev := range events {
		h.byID[ev.GetEventId()] = ev
	}
	return h
}

func typeName(t enumspb.EventType) string { return t.String() } // e.g. "WorkflowTaskStarted"

func (h *hist) count(t enumspb.EventType) int {
	n := 0
	for _, ev := range h.events {
		if ev.GetEventType() == t {
			n++
		}
	}
	return n
}

// summary lists the event types, run-length encoded where they repeat.
func (h *hist) summary() string {
	var parts []string
	for i := 0; i < len(h.events); {
		j := i
		for j < len(h.events) && h.events[j].GetEventType() == h.events[i].GetEventType() {
			j++
		}
		name := fmt.Sprintf("%d:%s", h.events[i].GetEventId(), typeName(h.events[i].GetEventType()))
		if j-i > 1 {
			name += fmt.Sprintf("×%d", j-i)
		}
		parts = append(parts, name)
		i = j
	}
	return strings.Join(parts, " ")
}

// ref checks that event `from` points at an earlier event of type want.
func (h *hist) ref(from *historypb.HistoryEvent, field string, id int64, want enumspb.EventType) []string {
	to := h.byID[id]
	if to == nil || to.GetEventType() != want || id >= from.GetEventId() {
		got := "nothing"
		if to != nil {
			got = typeName(to.GetEventType())
		}
		return []string{fmt.Sprintf("event %d %s: %s=%d is %s, want an earlier %s", from.GetEventId(),
			typeName(from.GetEventType()), field, id, got, typeName(want))}
	}
	return nil
}

// wellFormed: ids 1..n without gaps, Started first, Completed last and only there, every
// *_event_id pointing at an earlier event of the right type.
func (h *hist) wellFormed() []string {
	var msgs []string
	if len(h.events) == 0 {
		return []string{"empty history"}
	}
	for i, ev := range h.events {
		if ev.GetEventId() != int64(i+1) {
			msgs = append(msgs, fmt.Sprintf("event %d has id %d (ids must be 1, 2, 3, ... without gaps)", i+1, ev.GetEventId()))
			break
		}
	}
	if t := h.events[0].GetEventType(); t != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED {
		msgs = append(msgs, "first event is "+typeName(t))
	}
	if t := h.events[len(h.events)-1].GetEventType(); t != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED {
		msgs = append(msgs, "last event is "+typeName(t)+", not WorkflowExecutionCompleted")
	}
	for _, t := range []enumspb.EventType{enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED} {
		if n := h.count(t); n > 1 {
			msgs = append(msgs, fmt.Sprintf("%d %s events", n, typeName(t)))
		}
	}
	const (
		wtScheduled = enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED
		wtStarted   = enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED
		wtCompleted = enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
		atScheduled = enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
		atStarted   = enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED
	)
	for _, ev := range h.events {
		switch ev.GetEventType() {
		case wtStarted:
			msgs = append(msgs, h.ref(ev, "scheduled_event_id", ev.GetWorkflowTaskStartedEventAttributes().GetScheduledEventId(), wtScheduled)...)
		case wtCompleted:
			a := ev.GetWorkflowTaskCompletedEventAttributes()
			msgs = append(msgs, h.ref(ev, "scheduled_event_id", a.GetScheduledEventId(), wtScheduled)...)
			msgs = append(msgs, h.ref(ev, "started_event_id", a.GetStartedEventId(), wtStarted)...)
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED:
			a := ev.GetWorkflowTaskFailedEventAttributes()
			msgs = append(msgs, h.ref(ev, "scheduled_event_id", a.GetScheduledEventId(), wtScheduled)...)
			msgs = append(msgs, h.ref(ev, "started_event_id", a.GetStartedEventId(), wtStarted)...)
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
			a := ev.GetWorkflowTaskTimedOutEventAttributes()
			msgs = append(msgs, h.ref(ev, "scheduled_event_id", a.GetScheduledEventId(), wtScheduled)...)
			if a.GetStartedEventId() != 0 {
				msgs = append(msgs, h.ref(ev, "started_event_id", a.GetStartedEventId(), wtStarted)...)
			}
		case atScheduled:
			msgs = append(msgs, h.ref(ev, "workflow_task_completed_event_id", ev.GetActivityTaskScheduledEventAttributes().GetWorkflowTaskCompletedEventId(), wtCompleted)...)
		case atStarted:
			msgs = append(msgs, h.ref(ev, "scheduled_event_id", ev.GetActivityTaskStartedEventAttributes().GetScheduledEventId(), atScheduled)...)
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			a := ev.GetActivityTaskCompletedEventAttributes()
			msgs = append(msgs, h.ref(ev, "scheduled_event_id", a.GetScheduledEventId(), atScheduled)...)
			msgs = append(msgs, h.ref(ev, "started_event_id", a.GetStartedEventId(), atStarted)...)
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			msgs = append(msgs, h.ref(ev, "workflow_task_completed_event_id", ev.GetTimerStartedEventAttributes().GetWorkflowTaskCompletedEventId(), wtCompleted)...)
		case enumspb.EVENT_TYPE_TIMER_FIRED:
			msgs = append(msgs, h.ref(ev, "started_event_id", ev.GetTimerFiredEventAttributes().GetStartedEventId(), enumspb.EVENT_TYPE_TIMER_STARTED)...)
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
			msgs = append(msgs, h.ref(ev, "workflow_task_completed_event_id", ev.GetWorkflowExecutionCompletedEventAttributes().GetWorkflowTaskCompletedEventId(), wtCompleted)...)
		}
	}
	return msgs
}

func decodeString(payloads *commonpb.Payloads) string {
	var s string
	if err := converter.GetDefaultDataConverter().FromPayloads(payloads, &s); err != nil {
		return fmt.Sprintf("<undecodable: %v>", err)
	}
	return s
}

// checkSignals: every acknowledged signal exactly once, none twice, in the order sent; a
// completed workflow has all of them and nothing else.
func (h *hist) checkSignals(p *plan, acked int, completed bool) []string {
	var got []string
	for _, ev := range h.events {
		if a := ev.GetWorkflowExecutionSignaledEventAttributes(); a != nil {
			if a.GetSignalName() != signalName {
				return []string{fmt.Sprintf("event %d: signal name %q", ev.GetEventId(), a.GetSignalName())}
			}
			got = append(got, decodeString(a.GetInput()))
		}
	}
	var want []string
	for j := 0; j < p.input.Signals; j++ {
		want = append(want, p.signalValue(j))
	}
	index := map[string]int{}
	for j, v := range want {
		index[v] = j
	}
	var msgs []string
	seen := map[string]int{}
	last := -1
	for _, v := range got {
		j, known := index[v]
		switch {
		case !known:
			msgs = append(msgs, fmt.Sprintf("signal %q was never sent", v))
		case seen[v] > 0:
			msgs = append(msgs, fmt.Sprintf("signal %q is in the history %d times", v, seen[v]+1))
		case j < last:
			msgs = append(msgs, fmt.Sprintf("signal %q after a later one", v))
		}
		seen[v]++
		last = max(last, j)
	}
	for j := 0; j < acked; j++ {
		if seen[want[j]] == 0 {
			msgs = append(msgs, fmt.Sprintf("acknowledged signal %q is not in the history", want[j]))
		}
	}
	if completed && len(msgs) == 0 && !reflect.DeepEqual(got, want) {
		msgs = append(msgs, fmt.Sprintf("completed with signals %q in the history, want %q", got, want))
	}
	return msgs
}

// checkTimer: one timer of the planned duration that, if fired, did not fire early.
func (h *hist) checkTimer(p *plan) []string {
	var started, fired *historypb.HistoryEvent
	for _, ev := range h.events {
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			started = ev
		case enumspb.EVENT_TYPE_TIMER_FIRED:
			fired = ev
		}
	}
	if started == nil {
		return nil // not reached; the completion checks report it
	}
	want := time.Duration(p.input.TimerMs) * time.Millisecond
	if d := started.GetTimerStartedEventAttributes().GetStartToFireTimeout().AsDuration(); d != want {
		return []string{fmt.Sprintf("timer of %v, want %v", d, want)}
	}
	if fired == nil {
		return nil
	}
	if early := started.GetEventTime().AsTime().Add(want).Sub(fired.GetEventTime().AsTime()); early > timerSlack {
		return []string{fmt.Sprintf("timer of %v fired %v early", want, early)}
	}
	return nil
}

// checkAckedActivity: the server acknowledged this execution's completion, so the history must
// hold it, with this execution's result, not another attempt's.
func (h *hist) checkAckedActivity(e activityExec) []string {
	var scheduled int64
	for _, ev := range h.events {
		if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetActivityId() == e.activityID {
			scheduled = ev.GetEventId()
		}
	}
	if scheduled == 0 {
		return []string{fmt.Sprintf("acknowledged completion of activity %s (step %d): no ActivityTaskScheduled with that id", e.activityID, e.step)}
	}
	for _, ev := range h.events {
		if a := ev.GetActivityTaskCompletedEventAttributes(); a != nil && a.GetScheduledEventId() == scheduled {
			if got := decodeString(a.GetResult()); got != e.result {
				return []string{fmt.Sprintf("acknowledged completion of activity %s has result %q in the history, want %q", e.activityID, got, e.result)}
			}
			return nil
		}
	}
	return []string{fmt.Sprintf("acknowledged completion of activity %s (step %d, result %q) is not in the history", e.activityID, e.step, e.result)}
}

// wftOutcome returns the WorkflowTaskCompleted (or, if the server turned the completion down,
// WorkflowTaskFailed) of the workflow task started at event startedID.
func (h *hist) wftOutcome(startedID int64) *historypb.HistoryEvent {
	for _, ev := range h.events {
		if a := ev.GetWorkflowTaskCompletedEventAttributes(); a != nil && a.GetStartedEventId() == startedID {
			return ev
		}
		if a := ev.GetWorkflowTaskFailedEventAttributes(); a != nil && a.GetStartedEventId() == startedID {
			return ev
		}
	}
	return nil
}

// checkResult: the result the client got equals the one in the history, holds every signal in
// order, and the results of the activity completions the history kept.
func (h *hist) checkResult(p *plan, got wfResult, produced map[string]bool) []string {
	var msgs []string
	var inHistory wfResult
	var completedResults []string
	for _, ev := range h.events {
		if a := ev.GetWorkflowExecutionCompletedEventAttributes(); a != nil {
			if err := converter.GetDefaultDataConverter().FromPayloads(a.GetResult(), &inHistory); err != nil {
				msgs = append(msgs, fmt.Sprintf("result in the history: %v", err))
			}
		}
		if a := ev.GetActivityTaskCompletedEventAttributes(); a != nil {
			completedResults = append(completedResults, decodeString(a.GetResult()))
		}
	}
	if !reflect.DeepEqual(got, inHistory) {
		msgs = append(msgs, fmt.Sprintf("client got result %+v, history has %+v", got, inHistory))
	}
	var want []string
	for j := 0; j < p.input.Signals; j++ {
		want = append(want, p.signalValue(j))
	}
	if !reflect.DeepEqual(got.Signals, want) {
		msgs = append(msgs, fmt.Sprintf("result signals %q, want %q", got.Signals, want))
	}
	if want := []string{got.Activity1, got.Activity2}; !reflect.DeepEqual(completedResults, want) {
		msgs = append(msgs, fmt.Sprintf("ActivityTaskCompleted results %q, the workflow returned %q", completedResults, want))
	}
	for step, r := range []string{got.Activity1, got.Activity2} {
		if !strings.HasPrefix(r, fmt.Sprintf("%s/step%d/", p.id, step+1)) || !produced[r] {
			msgs = append(msgs, fmt.Sprintf("activity %d result %q was not produced by an execution of this workflow's step %d", step+1, r, step+1))
		}
	}
	return msgs
}
