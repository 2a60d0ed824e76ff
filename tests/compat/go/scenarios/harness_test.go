//go:build scenarios

// Package scenarios holds the Go SDK compatibility scenarios of issue 4. Each scenario runs a real
// workflow with the official Go SDK against a server, asserts the workflow's result and the exact
// sequence of history event types, and compares the scrubbed history with a golden file recorded
// against the reference Temporal server (tests/compat/golden/<scenario>.json).
//
// Target: HDO_TARGET=host:port runs against an already running server (that is how the goldens are
// recorded, against `temporal server start-dev`); without it each scenario starts its own hdo
// (HDO_BIN). Record mode (-args -record, or HDO_RECORD=1) writes the golden files instead of
// comparing; it requires HDO_TARGET so goldens always come from the reference.
package scenarios

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
)

var recordFlag = flag.Bool("record", false, "write golden files instead of comparing against them (needs HDO_TARGET)")

const (
	namespace = "default"
	// goldenDir is tests/compat/golden, relative to this package's directory.
	goldenDir = "../../golden"
	// scenarioTimeout bounds every wait of a scenario so that a misbehaving server fails the
	// scenario instead of hanging it.
	scenarioTimeout = 60 * time.Second
)

func recording() bool { return *recordFlag || os.Getenv("HDO_RECORD") == "1" }

// env is one scenario's connection to the server under test.
type env struct {
	t        *testing.T
	name     string // scenario name = golden file base name
	hostPort string
	c        client.Client
	tq       string // unique task queue of this run
	acts     *activities
	ctx      context.Context
	// replacements maps run-specific strings (workflow ids, the task queue) to placeholders.
	replacements map[string]string
}

func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// targetHostPort returns HDO_TARGET, or starts a fresh hdo for this test.
func targetHostPort(t *testing.T) string {
	if hp := os.Getenv("HDO_TARGET"); hp != "" {
		return hp
	}
	if recording() {
		t.Fatal("record mode writes golden files and needs the reference server: set HDO_TARGET (scripts/record-golden does)")
	}
	return hdotest.Start(t).HostPort
}

func sdkLogger() sdklog.Logger {
	return sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
}

func dial(t *testing.T, hostPort, identity string) client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{
		HostPort:  hostPort,
		Namespace: namespace,
		Identity:  identity,
		Logger:    sdkLogger(),
	})
	if err != nil {
		t.Fatalf("dialing %s: %v", hostPort, err)
	}
	return c
}

func newEnv(t *testing.T, name string) *env {
	t.Helper()
	hp := targetHostPort(t)
	e := &env{
		t:            t,
		name:         name,
		hostPort:     hp,
		tq:           "scn-" + name + "-" + randomSuffix(),
		replacements: map[string]string{},
	}
	e.c = dial(t, hp, "scenario-client")
	t.Cleanup(e.c.Close)
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout)
	t.Cleanup(cancel)
	e.ctx = ctx
	e.acts = &activities{client: e.c}
	e.replacements[e.tq] = "<task_queue>"
	return e
}

// newWorker creates (but does not start) a worker on the scenario's task queue with every
// scenario workflow and activity registered.
func (e *env) newWorker(opts worker.Options) worker.Worker {
	w := worker.New(e.c, e.tq, opts)
	registerAll(w, e.acts)
	return w
}

// startWorker starts a worker that is stopped when the test ends.
func (e *env) startWorker(opts worker.Options) worker.Worker {
	e.t.Helper()
	w := e.newWorker(opts)
	if err := w.Start(); err != nil {
		e.t.Fatalf("starting worker: %v", err)
	}
	e.t.Cleanup(w.Stop)
	return w
}

// workflowID returns a unique workflow id for this run and registers its placeholder; the first
// id of a scenario becomes "<workflow_id>", later ones "<workflow_id_N>".
func (e *env) workflowID(label string) string {
	id := e.name + "-" + label + "-" + randomSuffix()
	placeholder := "<workflow_id>"
	if n := len(e.replacements); n > 1 {
		placeholder = fmt.Sprintf("<workflow_id_%d>", n)
	}
	e.replacements[id] = placeholder
	return id
}

func (e *env) startOptions(id string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{ID: id, TaskQueue: e.tq}
}

func (e *env) start(opts client.StartWorkflowOptions, workflowType string, args ...any) client.WorkflowRun {
	e.t.Helper()
	run, err := e.c.ExecuteWorkflow(e.ctx, opts, workflowType, args...)
	if err != nil {
		e.t.Fatalf("ExecuteWorkflow(%s): %v", workflowType, err)
	}
	return run
}

// history fetches the full history of a run.
func (e *env) history(workflowID, runID string) []*historypb.HistoryEvent {
	e.t.Helper()
	events, err := fetchHistory(e.ctx, e.c, workflowID, runID)
	if err != nil {
		e.t.Fatalf("GetWorkflowExecutionHistory(%s): %v", workflowID, err)
	}
	return events
}

func fetchHistory(ctx context.Context, c client.Client, workflowID, runID string) ([]*historypb.HistoryEvent, error) {
	iter := c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	return events, nil
}

// countType counts events of one type.
func countType(events []*historypb.HistoryEvent, t enumspb.EventType) int {
	n := 0
	for _, ev := range events {
		if ev.GetEventType() == t {
			n++
		}
	}
	return n
}

// waitHistory polls the history until cond holds (e.g. "the workflow has completed its first
// workflow task and is blocked"), so that the scenario's next step happens at a deterministic
// point of the history.
func (e *env) waitHistory(workflowID, what string, cond func([]*historypb.HistoryEvent) bool) []*historypb.HistoryEvent {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last []*historypb.HistoryEvent
	for time.Now().Before(deadline) {
		events, err := fetchHistory(e.ctx, e.c, workflowID, "")
		if err == nil {
			last = events
			if cond(events) {
				return events
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.t.Fatalf("timed out waiting for %s in the history of %s; history so far: %v", what, workflowID, rawTypes(last))
	return nil
}

// waitWorkflowTasksCompleted waits until n WorkflowTaskCompleted events are in the history.
func (e *env) waitWorkflowTasksCompleted(workflowID string, n int) {
	e.t.Helper()
	e.waitHistory(workflowID, fmt.Sprintf("%d WorkflowTaskCompleted", n), func(evs []*historypb.HistoryEvent) bool {
		return countType(evs, enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) >= n
	})
}

func rawTypes(events []*historypb.HistoryEvent) []string {
	out := make([]string, len(events))
	for i, ev := range events {
		out[i] = ev.GetEventType().String()
	}
	return out
}

// goldenFile is the on-disk form of a golden history.
type goldenFile struct {
	Scenario        string          `json:"scenario"`
	RecordedAgainst string          `json:"recorded_against"`
	Events          []scrubbedEvent `json:"events"`
}

func goldenPath(name string) string { return filepath.Join(goldenDir, name+".json") }

// marshalJSON renders v as indented JSON with sorted object keys and without HTML escaping, the
// form of the golden files and of the diff.
func marshalJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func canonicalEvents(events []scrubbedEvent) string {
	return strings.TrimSuffix(string(marshalJSON(events)), "\n")
}

// checkHistory fetches the run's history, requires its event types to be exactly wantTypes, and
// compares the scrubbed history with the golden file (or writes it in record mode).
func (e *env) checkHistory(workflowID, runID string, wantTypes []string) []*historypb.HistoryEvent {
	e.t.Helper()
	raw := e.history(workflowID, runID)
	e.checkEvents(e.name, raw, wantTypes)
	return raw
}

func (e *env) checkEvents(golden string, raw []*historypb.HistoryEvent, wantTypes []string) {
	e.t.Helper()
	got, err := scrubHistory(raw, scrubContext{replacements: e.replacements})
	if err != nil {
		e.t.Fatalf("scrubbing history: %v", err)
	}
	e.checkScrubbed(golden, got, wantTypes)
}

// checkScrubbed compares a scrubbed (and possibly further normalized) history with its golden:
// the event types against the scenario's expectation, then the whole history (or, in record
// mode, writes the golden).
func (e *env) checkScrubbed(golden string, got []scrubbedEvent, wantTypes []string) {
	e.t.Helper()
	gotTypes := eventTypes(got)
	if strings.Join(gotTypes, ",") != strings.Join(wantTypes, ",") {
		e.t.Errorf("history event types differ from the scenario's expectation:\n%s", typeDiff(wantTypes, gotTypes))
	}
	if recording() {
		e.writeGolden(golden, got)
		return
	}
	b, err := os.ReadFile(goldenPath(golden))
	if err != nil {
		e.t.Fatalf("reading golden history: %v (record it with scripts/record-golden)", err)
	}
	var want goldenFile
	if err := json.Unmarshal(b, &want); err != nil {
		e.t.Fatalf("parsing %s: %v", goldenPath(golden), err)
	}
	wantText, gotText := canonicalEvents(want.Events), canonicalEvents(got)
	if wantText == gotText {
		return
	}
	gotPath := filepath.Join(os.TempDir(), "hdo-scenarios-got", golden+".json")
	_ = os.MkdirAll(filepath.Dir(gotPath), 0o755)
	_ = os.WriteFile(gotPath, []byte(gotText+"\n"), 0o644)
	e.t.Errorf("scrubbed history differs from golden %s (recorded against %s); full scrubbed history written to %s\n"+
		"event types:\n%s\ndiff (- golden, + got):\n%s",
		goldenPath(golden), want.RecordedAgainst, gotPath,
		typeDiff(eventTypes(want.Events), gotTypes), lineDiff(wantText, gotText, 4))
}

func (e *env) writeGolden(name string, events []scrubbedEvent) {
	e.t.Helper()
	info, err := e.c.WorkflowService().GetSystemInfo(e.ctx, &workflowservice.GetSystemInfoRequest{})
	if err != nil {
		e.t.Fatalf("GetSystemInfo: %v", err)
	}
	// HDO_RECORDED_WITH is set by scripts/record-golden to `temporal --version`.
	against := os.Getenv("HDO_RECORDED_WITH")
	if against == "" {
		against = "server " + info.GetServerVersion()
	}
	b := marshalJSON(goldenFile{Scenario: name, RecordedAgainst: against, Events: events})
	if err := os.MkdirAll(goldenDir, 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(goldenPath(name), b, 0o644); err != nil {
		e.t.Fatal(err)
	}
	e.t.Logf("recorded %s", goldenPath(name))
}

// getResult waits for the run's result.
func (e *env) getResult(run client.WorkflowRun, out any) error {
	return run.Get(e.ctx, out)
}

func mustNoErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
