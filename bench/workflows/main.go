// Command workflows is the end-to-end workflow benchmark: it drives a Temporal-compatible server
// (hdo or the reference `temporal server start-dev`) with the official Go SDK and measures
// workflows/s, start-to-completion latency, and the server process's RSS and CPU time. It is run
// by bench/workflows/run and bench/compare, which start and stop the servers; see bench/README.md.
//
//	workflows series -address HOST:PORT -server-pid PID [flags]  # warm-up + R measured runs, one JSON file
//	workflows table -command CMD [-json FILE] series.json ...    # the markdown table of several series
//	workflows load -address HOST:PORT -server-pid PID [flags]    # bench/compare: one run of one scenario
//	workflows parked [flags] -- SERVER-COMMAND...                # bench/compare: scenario (d), kill -9 included
//	workflows report -command CMD [-json FILE] run.json ...      # bench/compare's table
//	workflows schedules create|wait -address HOST:PORT [flags]   # bench/schedules: creates, restart
//
// Nothing here asserts on timing: a run reports what it measured, including failed workflows.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: workflows series|table|load|parked|report|schedules [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "series":
		err = seriesMain(os.Args[2:])
	case "table":
		err = tableMain(os.Args[2:])
	case "load":
		err = loadMain(os.Args[2:])
	case "parked":
		err = parkedMain(os.Args[2:])
	case "report":
		err = reportMain(os.Args[2:])
	case "schedules":
		err = schedulesMain(os.Args[2:])
	default:
		err = fmt.Errorf("unknown subcommand %q (want series, table, load, parked, report or schedules)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "workflows:", err)
		os.Exit(1)
	}
}

// ---- workloads -------------------------------------------------------------------------------

const (
	wfHello       = "BenchHello"
	wfTimerSignal = "BenchTimerSignal"
	actGreet      = "Greet"
	signalName    = "go"
)

// helloWorkflow is the workflow of the 200-workflow compat scenario (tests/compat/go/scenarios):
// one activity, its result returned.
func helloWorkflow(ctx workflow.Context, name string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var out string
	err := workflow.ExecuteActivity(ctx, actGreet, name).Get(ctx, &out)
	return out, err
}

func greet(_ context.Context, name string) (string, error) {
	return "Hello, " + name + "!", nil
}

// timerSignalWorkflow waits for one signal, then sleeps on a durable timer, then returns its name.
func timerSignalWorkflow(ctx workflow.Context, name string, timer time.Duration) (string, error) {
	workflow.GetSignalChannel(ctx, signalName).Receive(ctx, nil)
	if err := workflow.Sleep(ctx, timer); err != nil {
		return "", err
	}
	return "Hello, " + name + "!", nil
}

// ---- one series: warm-up, then R measured runs ------------------------------------------------

type runResult struct {
	Completed        int     `json:"completed"`
	Errors           int     `json:"errors"`
	FirstError       string  `json:"first_error,omitempty"`
	WallS            float64 `json:"wall_s"`
	WfPerS           float64 `json:"wf_per_s"`
	P50Ms            float64 `json:"p50_ms"`
	P99Ms            float64 `json:"p99_ms"`
	PeakRSSMiB       float64 `json:"peak_rss_mib"`
	EndRSSMiB        float64 `json:"end_rss_mib"`
	CPUMsPerWf       float64 `json:"server_cpu_ms_per_wf"`
	ClientCPUMsPerWf float64 `json:"client_cpu_ms_per_wf"`
	Load1            float64 `json:"load1_at_end"`
	// Pressure stall information over the timed window: the share of wall time in which some
	// runnable task waited for a CPU, or for I/O (the machine is shared; NaN without /proc/pressure).
	CPUSomePct float64 `json:"psi_cpu_some_pct"`
	IOSomePct  float64 `json:"psi_io_some_pct"`
	// Checked after the timed window: histories that differ from the workload's usual shape
	// (e.g. a workflow task that timed out on the sticky queue), and the slowest workflow's.
	OddHistories    int     `json:"odd_histories"`
	FirstOddHistory string  `json:"first_odd_history,omitempty"`
	SlowestMs       float64 `json:"slowest_ms"`
	SlowestHistory  string  `json:"slowest_history,omitempty"`
}

type series struct {
	Server         string      `json:"server"`
	Version        string      `json:"version"`
	SQLite         string      `json:"sqlite"`
	Workload       string      `json:"workload"`
	N              int         `json:"n"`
	Concurrency    int         `json:"concurrency"`
	Warmup         int         `json:"warmup"`
	Repeats        int         `json:"repeats"`
	PeakIsPerRun   bool        `json:"peak_rss_is_per_run"`
	Runs           []runResult `json:"runs"`
	Median         runResult   `json:"median"`
	LifetimeHWMMiB float64     `json:"server_lifetime_peak_rss_mib"`
	SDKWarnings    int64       `json:"sdk_warnings"`
	SDKFirstWarn   string      `json:"sdk_first_warning,omitempty"`
	ServerLogWarn  int         `json:"server_log_warnings"`
	ServerLogErr   int         `json:"server_log_errors"`
	ServerLogFirst string      `json:"server_log_first_problem,omitempty"`
}

type seriesFlags struct {
	address, namespace, workload, out, serverLog string
	server, version, sqlite                      string
	pid, n, concurrency, repeats, warmup         int
	checkHistories                               bool
	timer, runTimeout, readyTimeout              time.Duration
	clkTck                                       float64
}

func seriesMain(args []string) error {
	var f seriesFlags
	fs := flag.NewFlagSet("series", flag.ExitOnError)
	fs.StringVar(&f.address, "address", "127.0.0.1:7233", "server gRPC address")
	fs.StringVar(&f.namespace, "namespace", "default", "namespace")
	fs.StringVar(&f.workload, "workload", "hello", "hello (one activity) or timer-signal")
	fs.StringVar(&f.out, "out", "", "write the series as JSON to this file (default stdout)")
	fs.StringVar(&f.serverLog, "server-log", "", "the server's log file: warn/error lines are counted")
	fs.StringVar(&f.server, "server", "?", "server label for the table")
	fs.StringVar(&f.version, "version", "?", "server version for the table")
	fs.StringVar(&f.sqlite, "sqlite", "?", "SQLite settings for the table")
	fs.IntVar(&f.pid, "server-pid", 0, "pid of the server process itself (RSS and CPU are read from /proc/PID)")
	fs.IntVar(&f.n, "n", 200, "workflows per run")
	fs.IntVar(&f.concurrency, "concurrency", 50, "workflows in flight (started, not yet completed)")
	fs.IntVar(&f.repeats, "repeats", 3, "measured runs")
	fs.IntVar(&f.warmup, "warmup", -1, "workflows in the warm-up run (default min(n, 200))")
	fs.DurationVar(&f.timer, "timer", 100*time.Millisecond, "timer of the timer-signal workload")
	fs.DurationVar(&f.runTimeout, "run-timeout", 10*time.Minute, "bound on one run")
	fs.DurationVar(&f.readyTimeout, "ready-timeout", 2*time.Minute, "bound on waiting for the server")
	fs.BoolVar(&f.checkHistories, "check-histories", true, "after each run (untimed), read every history and count unusual shapes")
	fs.Float64Var(&f.clkTck, "clk-tck", 100, "clock ticks per second of /proc/PID/stat (getconf CLK_TCK)")
	_ = fs.Parse(args)
	if f.pid <= 0 {
		return errors.New("-server-pid is required")
	}
	if f.workload != "hello" && f.workload != "timer-signal" {
		return fmt.Errorf("unknown workload %q", f.workload)
	}
	if f.warmup < 0 {
		f.warmup = min(f.n, 200)
	}

	warnings := &countingHandler{inner: slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})}
	c, err := dialWhenReady(f, sdklog.NewStructuredLogger(slog.New(warnings)))
	if err != nil {
		return err
	}
	defer c.Close()

	nonce := strconv.FormatInt(time.Now().UnixNano(), 36)
	taskQueue := "bench-" + nonce
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(helloWorkflow, workflow.RegisterOptions{Name: wfHello})
	w.RegisterWorkflowWithOptions(timerSignalWorkflow, workflow.RegisterOptions{Name: wfTimerSignal})
	w.RegisterActivityWithOptions(greet, activity.RegisterOptions{Name: actGreet})
	if err := w.Start(); err != nil {
		return fmt.Errorf("starting worker: %w", err)
	}
	defer w.Stop()

	s := series{Server: f.server, Version: f.version, SQLite: f.sqlite, Workload: f.workload, N: f.n,
		Concurrency: f.concurrency, Warmup: f.warmup, Repeats: f.repeats}
	if f.warmup > 0 {
		wr := runOnce(c, f, taskQueue, nonce+"-warmup", f.warmup)
		fmt.Fprintf(os.Stderr, "  warm-up: %d/%d completed, %.1f wf/s\n", wr.Completed, f.warmup, wr.WfPerS)
	}
	s.PeakIsPerRun = true
	for r := 0; r < f.repeats; r++ {
		// Writing 5 to clear_refs resets VmHWM to the current RSS, so each run's peak is its own.
		if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", f.pid), []byte("5"), 0); err != nil {
			s.PeakIsPerRun = false
		}
		rr := runOnce(c, f, taskQueue, fmt.Sprintf("%s-r%d", nonce, r), f.n)
		fmt.Fprintf(os.Stderr, "  run %d: %d/%d completed, %.1f wf/s, p50 %.0f ms, p99 %.0f ms, peak RSS %.1f MiB, server CPU %.2f ms/wf, %d unusual histories, load1 %.2f, stall cpu %.0f%% io %.0f%%\n",
			r+1, rr.Completed, f.n, rr.WfPerS, rr.P50Ms, rr.P99Ms, rr.PeakRSSMiB, rr.CPUMsPerWf, rr.OddHistories, rr.Load1, rr.CPUSomePct, rr.IOSomePct)
		s.Runs = append(s.Runs, rr)
	}
	s.Median = medianOf(s.Runs)
	if st, err := readStatus(f.pid); err == nil && !s.PeakIsPerRun {
		s.LifetimeHWMMiB = st.hwmMiB
	}
	s.SDKWarnings = warnings.count.Load()
	if v := warnings.first.Load(); v != nil {
		s.SDKFirstWarn = v.(string)
	}
	if f.serverLog != "" {
		s.ServerLogWarn, s.ServerLogErr, s.ServerLogFirst = scanServerLog(f.serverLog)
	}
	return writeJSON(f.out, s)
}

// dialWhenReady connects once the server answers health checks and knows the namespace (the
// reference registers `default` a moment after it starts listening).
func dialWhenReady(f seriesFlags, logger sdklog.Logger) (client.Client, error) {
	deadline := time.Now().Add(f.readyTimeout)
	var last error
	for time.Now().Before(deadline) {
		c, err := client.Dial(client.Options{HostPort: f.address, Namespace: f.namespace, Logger: logger})
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, err = c.WorkflowService().DescribeNamespace(ctx, describeNamespace(f.namespace))
			cancel()
			if err == nil {
				return c, nil
			}
			c.Close()
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
	return nil, fmt.Errorf("server at %s not ready after %v: %v", f.address, f.readyTimeout, last)
}

// runOnce runs n workflows with at most f.concurrency in flight and measures the server process
// from before the first start to after the last completion.
func runOnce(c client.Client, f seriesFlags, taskQueue, prefix string, n int) runResult {
	ctx, cancel := context.WithTimeout(context.Background(), f.runTimeout)
	defer cancel()
	ids := make([]string, n)
	latencies := make([]time.Duration, n)
	errs := make([]error, n)
	sem := make(chan struct{}, f.concurrency)
	var wg sync.WaitGroup

	serverBefore, _ := readCPUTicks(fmt.Sprintf("/proc/%d/stat", f.pid))
	clientBefore, _ := readCPUTicks("/proc/self/stat")
	cpuPSIBefore, ioPSIBefore := readPSISome("cpu"), readPSISome("io")
	begin := time.Now()
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			t0 := time.Now()
			ids[i] = fmt.Sprintf("%s-%05d", prefix, i)
			errs[i] = oneWorkflow(ctx, c, f, taskQueue, ids[i])
			latencies[i] = time.Since(t0)
		}(i)
	}
	wg.Wait()
	wall := time.Since(begin)
	serverAfter, _ := readCPUTicks(fmt.Sprintf("/proc/%d/stat", f.pid))
	clientAfter, _ := readCPUTicks("/proc/self/stat")
	cpuPSIAfter, ioPSIAfter := readPSISome("cpu"), readPSISome("io")

	var r runResult
	var ok []time.Duration
	for i, err := range errs {
		if err != nil {
			if r.Errors++; r.FirstError == "" {
				r.FirstError = err.Error()
			}
			continue
		}
		ok = append(ok, latencies[i])
	}
	r.Completed = len(ok)
	r.WallS = wall.Seconds()
	r.WfPerS = float64(r.Completed) / wall.Seconds()
	sort.Slice(ok, func(a, b int) bool { return ok[a] < ok[b] })
	r.P50Ms = percentileMs(ok, 0.50)
	r.P99Ms = percentileMs(ok, 0.99)
	if st, err := readStatus(f.pid); err == nil {
		r.PeakRSSMiB, r.EndRSSMiB = st.hwmMiB, st.rssMiB
	}
	if r.Completed > 0 {
		r.CPUMsPerWf = (serverAfter - serverBefore) / f.clkTck * 1000 / float64(r.Completed)
		r.ClientCPUMsPerWf = (clientAfter - clientBefore) / f.clkTck * 1000 / float64(r.Completed)
	}
	r.Load1 = readLoad1()
	r.CPUSomePct = (cpuPSIAfter - cpuPSIBefore) / 1e6 / wall.Seconds() * 100
	r.IOSomePct = (ioPSIAfter - ioPSIBefore) / 1e6 / wall.Seconds() * 100
	if f.checkHistories {
		checkHistories(ctx, c, f.workload, ids, latencies, &r)
	}
	return r
}

// usualHistories are the event sequences a workload's workflows have when nothing goes wrong.
var usualHistories = map[string][]string{
	"hello": {"WorkflowExecutionStarted WorkflowTaskScheduled WorkflowTaskStarted WorkflowTaskCompleted " +
		"ActivityTaskScheduled ActivityTaskStarted ActivityTaskCompleted WorkflowTaskScheduled " +
		"WorkflowTaskStarted WorkflowTaskCompleted WorkflowExecutionCompleted"},
	"timer-signal": {
		// The signal arrives before the first workflow task starts (the usual case)...
		"WorkflowExecutionStarted WorkflowTaskScheduled WorkflowExecutionSignaled WorkflowTaskStarted " +
			"WorkflowTaskCompleted TimerStarted TimerFired WorkflowTaskScheduled WorkflowTaskStarted " +
			"WorkflowTaskCompleted WorkflowExecutionCompleted",
		// ... or after, while the workflow already waits for it.
		"WorkflowExecutionStarted WorkflowTaskScheduled WorkflowTaskStarted WorkflowTaskCompleted " +
			"WorkflowExecutionSignaled WorkflowTaskScheduled WorkflowTaskStarted WorkflowTaskCompleted " +
			"TimerStarted TimerFired WorkflowTaskScheduled WorkflowTaskStarted WorkflowTaskCompleted " +
			"WorkflowExecutionCompleted",
	},
}

func isUsualHistory(workload, shape string) bool {
	return slices.Contains(usualHistories[workload], shape)
}

// checkHistories reads every workflow's history (after the timed window) and records those whose
// event sequence is not the usual one, and the slowest workflow's sequence.
func checkHistories(ctx context.Context, c client.Client, workload string, ids []string,
	latencies []time.Duration, r *runResult) {
	slowest := 0
	for i := range latencies {
		if latencies[i] > latencies[slowest] {
			slowest = i
		}
	}
	for i, id := range ids {
		var types []string
		it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				types = append(types, "error: "+err.Error())
				break
			}
			types = append(types, e.GetEventType().String()) // WorkflowTaskTimedOut
		}
		shape := strings.Join(types, " ")
		if !isUsualHistory(workload, shape) {
			if r.OddHistories++; r.FirstOddHistory == "" {
				r.FirstOddHistory = fmt.Sprintf("%s (%.0f ms): %s", id, latencies[i].Seconds()*1000, shape)
			}
		}
		if i == slowest {
			r.SlowestMs = latencies[i].Seconds() * 1000
			r.SlowestHistory = shape
		}
	}
}

func oneWorkflow(ctx context.Context, c client.Client, f seriesFlags, taskQueue, id string) error {
	opts := client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue}
	var run client.WorkflowRun
	var err error
	if f.workload == "hello" {
		run, err = c.ExecuteWorkflow(ctx, opts, wfHello, id)
	} else {
		run, err = c.ExecuteWorkflow(ctx, opts, wfTimerSignal, id, f.timer)
		if err == nil {
			err = c.SignalWorkflow(ctx, id, run.GetRunID(), signalName, nil)
		}
	}
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	var out string
	if err := run.Get(ctx, &out); err != nil {
		return fmt.Errorf("result: %w", err)
	}
	if want := "Hello, " + id + "!"; out != want {
		return fmt.Errorf("result %q, want %q", out, want)
	}
	return nil
}

func percentileMs(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1 // nearest rank
	return float64(sorted[max(i, 0)].Microseconds()) / 1000
}

// medianOf takes the median of each metric separately over the runs.
func medianOf(runs []runResult) runResult {
	pick := func(get func(runResult) float64) float64 {
		v := make([]float64, 0, len(runs))
		for _, r := range runs {
			v = append(v, get(r))
		}
		sort.Float64s(v)
		if len(v) == 0 {
			return math.NaN()
		}
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	m := runResult{
		WallS:            pick(func(r runResult) float64 { return r.WallS }),
		WfPerS:           pick(func(r runResult) float64 { return r.WfPerS }),
		P50Ms:            pick(func(r runResult) float64 { return r.P50Ms }),
		P99Ms:            pick(func(r runResult) float64 { return r.P99Ms }),
		PeakRSSMiB:       pick(func(r runResult) float64 { return r.PeakRSSMiB }),
		EndRSSMiB:        pick(func(r runResult) float64 { return r.EndRSSMiB }),
		CPUMsPerWf:       pick(func(r runResult) float64 { return r.CPUMsPerWf }),
		ClientCPUMsPerWf: pick(func(r runResult) float64 { return r.ClientCPUMsPerWf }),
		Load1:            pick(func(r runResult) float64 { return r.Load1 }),
		CPUSomePct:       pick(func(r runResult) float64 { return r.CPUSomePct }),
		IOSomePct:        pick(func(r runResult) float64 { return r.IOSomePct }),
	}
	for _, r := range runs {
		m.OddHistories += r.OddHistories
		if m.FirstOddHistory == "" {
			m.FirstOddHistory = r.FirstOddHistory
		}
		if r.SlowestMs > m.SlowestMs {
			m.SlowestMs, m.SlowestHistory = r.SlowestMs, r.SlowestHistory
		}
		m.Completed += r.Completed
		m.Errors += r.Errors
		if m.FirstError == "" {
			m.FirstError = r.FirstError
		}
	}
	return m
}

// ---- /proc -----------------------------------------------------------------------------------

// readCPUTicks returns utime+stime (fields 14 and 15) of a /proc/PID/stat file.
func readCPUTicks(path string) (float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	s := string(b)
	// The command name (field 2) may contain spaces; fields are counted after its ')'.
	rest := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(rest) < 13 {
		return 0, fmt.Errorf("%s: too few fields", path)
	}
	utime, err1 := strconv.ParseFloat(rest[11], 64)
	stime, err2 := strconv.ParseFloat(rest[12], 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return utime + stime, nil
}

type procStatus struct{ hwmMiB, rssMiB float64 }

func readStatus(pid int) (procStatus, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procStatus{}, err
	}
	var st procStatus
	for _, line := range strings.Split(string(b), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		kib, _ := strconv.ParseFloat(fields[1], 64)
		switch fields[0] {
		case "VmHWM:":
			st.hwmMiB = kib / 1024
		case "VmRSS:":
			st.rssMiB = kib / 1024
		}
	}
	return st, nil
}

// readPSISome returns the "some" stall total (µs) of /proc/pressure/<resource>, NaN if absent.
func readPSISome(resource string) float64 {
	b, err := os.ReadFile("/proc/pressure/" + resource)
	if err != nil {
		return math.NaN()
	}
	for _, field := range strings.Fields(strings.SplitN(string(b), "\n", 2)[0]) {
		if v, ok := strings.CutPrefix(field, "total="); ok {
			total, _ := strconv.ParseFloat(v, 64)
			return total
		}
	}
	return math.NaN()
}

func readLoad1() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return math.NaN()
	}
	v, _ := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	return v
}

// scanServerLog counts warn and error lines (hdo logs logfmt `level=warn`, the reference JSON
// `"level":"warn"`) and returns the first of them.
func scanServerLog(path string) (warn, errs int, first string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		l := strings.ToLower(strings.ReplaceAll(line, `"`, ""))
		isWarn := strings.Contains(l, "level=warn") || strings.Contains(l, "level:warn")
		isErr := strings.Contains(l, "level=error") || strings.Contains(l, "level:error") ||
			strings.Contains(l, "level=fatal") || strings.Contains(l, "level:fatal") || strings.Contains(l, "panic")
		if isWarn {
			warn++
		}
		if isErr {
			errs++
		}
		if (isWarn || isErr) && first == "" {
			first = truncate(line, 300)
		}
	}
	return warn, errs, first
}

// countingHandler counts the SDK's warn-and-above log records and keeps the first.
type countingHandler struct {
	inner slog.Handler
	count *atomic.Int64
	first *atomic.Value
}

func (h *countingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *countingHandler) Handle(ctx context.Context, r slog.Record) error {
	h.init()
	if r.Level >= slog.LevelWarn {
		h.count.Add(1)
		h.first.CompareAndSwap(nil, truncate(r.Message, 300))
	}
	return h.inner.Handle(ctx, r)
}

func (h *countingHandler) WithAttrs(a []slog.Attr) slog.Handler {
	h.init()
	return &countingHandler{inner: h.inner.WithAttrs(a), count: h.count, first: h.first}
}

func (h *countingHandler) WithGroup(g string) slog.Handler {
	h.init()
	return &countingHandler{inner: h.inner.WithGroup(g), count: h.count, first: h.first}
}

func (h *countingHandler) init() {
	if h.count == nil {
		h.count, h.first = &atomic.Int64{}, &atomic.Value{}
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if path == "" {
		_, err = os.Stdout.Write(b)
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// ---- the table -------------------------------------------------------------------------------

func tableMain(args []string) error {
	fs := flag.NewFlagSet("table", flag.ExitOnError)
	command := fs.String("command", "", "the command line that reproduces the table")
	jsonOut := fs.String("json", "", "also write the table's data as JSON to this file")
	machine := fs.String("machine", "", "a line describing the machine")
	_ = fs.Parse(args)
	var all []series
	for _, path := range fs.Args() {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var s series
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		all = append(all, s)
	}
	printTable(os.Stdout, all, *command, *machine)
	if *jsonOut != "" {
		return writeJSON(*jsonOut, map[string]any{"command": *command, "machine": *machine, "series": all})
	}
	return nil
}

func printTable(w io.Writer, all []series, command, machine string) {
	fmt.Fprintln(w, "| server | version | SQLite | workload | N | concurrency | wf/s | p50 ms | p99 ms | peak RSS MiB | end RSS MiB | CPU ms/wf | client CPU ms/wf | failed | load1 | CPU stall % | IO stall % |")
	fmt.Fprintln(w, "|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, s := range all {
		m := s.Median
		fmt.Fprintf(w, "| %s | %s | %s | %s | %d | %d | %.1f | %.0f | %.0f | %.1f | %.1f | %.2f | %.2f | %d/%d | %.2f | %.0f | %.0f |\n",
			s.Server, s.Version, s.SQLite, s.Workload, s.N, s.Concurrency, m.WfPerS, m.P50Ms, m.P99Ms,
			m.PeakRSSMiB, m.EndRSSMiB, m.CPUMsPerWf, m.ClientCPUMsPerWf, m.Errors, s.N*len(s.Runs), m.Load1, m.CPUSomePct, m.IOSomePct)
	}
	fmt.Fprintln(w)
	if len(all) > 0 {
		fmt.Fprintf(w, "Median of %d measured runs per row (each metric separately), after one warm-up run that is not counted.\n", all[0].Repeats)
	}
	fmt.Fprintln(w, "wf/s = completed workflows / wall time from the first start to the last completion; latency = start call to result;")
	fmt.Fprintln(w, "peak RSS = the server process's VmHWM during the run (reset before each run through /proc/PID/clear_refs);")
	fmt.Fprintln(w, "CPU = the server process's utime+stime during the run; client CPU = the benchmark process (starter and the one worker);")
	fmt.Fprintln(w, "failed = workflows that did not complete with the expected result, over all measured runs; load1 = 1-min load average at the end of a run.")
	fmt.Fprintln(w, "CPU / IO stall % = /proc/pressure \"some\" during the run: the share of wall time in which some task on the machine waited for a CPU / for I/O.")
	for _, s := range all {
		var notes []string
		if !s.PeakIsPerRun {
			notes = append(notes, "peak RSS is the process lifetime's (clear_refs not writable)")
		}
		if s.SDKWarnings > 0 {
			notes = append(notes, fmt.Sprintf("%d SDK warnings, first: %s", s.SDKWarnings, s.SDKFirstWarn))
		}
		if s.ServerLogWarn+s.ServerLogErr > 0 {
			notes = append(notes, fmt.Sprintf("server log: %d warn, %d error lines, first: %s", s.ServerLogWarn, s.ServerLogErr, s.ServerLogFirst))
		}
		if s.Median.OddHistories > 0 {
			notes = append(notes, fmt.Sprintf("%d histories of unusual shape, first: %s", s.Median.OddHistories, truncate(s.Median.FirstOddHistory, 400)))
		}
		if s.Median.SlowestMs > 0 && isUsualHistory(s.Workload, s.Median.SlowestHistory) {
			notes = append(notes, fmt.Sprintf("slowest workflow %.0f ms, usual history", s.Median.SlowestMs))
		} else if s.Median.SlowestMs > 0 {
			notes = append(notes, fmt.Sprintf("slowest workflow %.0f ms: %s", s.Median.SlowestMs, truncate(s.Median.SlowestHistory, 400)))
		}
		if s.Median.FirstError != "" {
			notes = append(notes, "first failure: "+truncate(s.Median.FirstError, 300))
		}
		if len(notes) > 0 {
			fmt.Fprintf(w, "- %s, %s, N=%d: %s\n", s.Server, s.Workload, s.N, strings.Join(notes, "; "))
		}
	}
	if machine != "" {
		fmt.Fprintln(w, "\nMachine:", machine)
	}
	if command != "" {
		fmt.Fprintf(w, "\nReproduce: `%s`\n", command)
	}
}

func describeNamespace(namespace string) *workflowservice.DescribeNamespaceRequest {
	return &workflowservice.DescribeNamespaceRequest{Namespace: namespace}
}
