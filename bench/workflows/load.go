// The `load` subcommand: one measured run of one scenario against one server started by
// bench/compare, closed loop (C workflows in flight) or open loop (starts on a fixed schedule), and
// the worker options both servers get. See bench/README.md.

package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime/pprof"
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
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// ---- the scenarios' workflows ------------------------------------------------------------------

const (
	wfTimer  = "BenchTimer"
	wfSignal = "BenchSignal"
)

// The activity scenario (a) runs helloWorkflow (main.go): one no-op activity, its result returned.

// timerWorkflow is scenario (b): one durable timer, then complete.
func timerWorkflow(ctx workflow.Context, name string, timer time.Duration) (string, error) {
	if err := workflow.Sleep(ctx, timer); err != nil {
		return "", err
	}
	return "Hello, " + name + "!", nil
}

// signalWorkflow is scenario (c): wait for one signal, then complete.
func signalWorkflow(ctx workflow.Context, name string) (string, error) {
	workflow.GetSignalChannel(ctx, signalName).Receive(ctx, nil)
	return "Hello, " + name + "!", nil
}

func init() {
	for _, shape := range []struct{ scenario, events string }{
		{"activity", usualHistories["hello"][0]},
		{"timer", "WorkflowExecutionStarted WorkflowTaskScheduled WorkflowTaskStarted WorkflowTaskCompleted " +
			"TimerStarted TimerFired WorkflowTaskScheduled WorkflowTaskStarted WorkflowTaskCompleted " +
			"WorkflowExecutionCompleted"},
		// The signal arrives before the first workflow task starts...
		{"signal", "WorkflowExecutionStarted WorkflowTaskScheduled WorkflowExecutionSignaled WorkflowTaskStarted " +
			"WorkflowTaskCompleted WorkflowExecutionCompleted"},
		// ... or after it started.
		{"signal", "WorkflowExecutionStarted WorkflowTaskScheduled WorkflowTaskStarted WorkflowTaskCompleted " +
			"WorkflowExecutionSignaled WorkflowTaskScheduled WorkflowTaskStarted WorkflowTaskCompleted " +
			"WorkflowExecutionCompleted"},
	} {
		usualHistories[shape.scenario] = append(usualHistories[shape.scenario], shape.events)
	}
}

// ---- worker options: the same for both servers --------------------------------------------------

type workerConfig struct {
	WorkflowTaskPollers int    `json:"workflow_task_pollers"`
	ActivityTaskPollers int    `json:"activity_task_pollers"`
	WorkflowTaskSlots   int    `json:"max_concurrent_workflow_task_execution_size"`
	ActivitySlots       int    `json:"max_concurrent_activity_execution_size"`
	StickyCacheSize     int    `json:"sticky_workflow_cache_size"`
	GrpcCompression     string `json:"grpc_compression"`     // the client's: gzip (the SDK's default) or none
	EagerStart          bool   `json:"eager_workflow_start"` // starts set EnableEagerStart
	// Workers on the task queue in this process, each with the pollers and slots above. The Go SDK
	// limits every worker to 1,000 polls a second per task type (defaultPollerRate, not an option),
	// so one worker takes at most 500 workflows/s of scenario (a), which polls twice per workflow.
	Workers int `json:"workers"`
}

func (w *workerConfig) register(fs *flag.FlagSet, cache int) {
	fs.IntVar(&w.WorkflowTaskPollers, "wft-pollers", 8, "worker: MaxConcurrentWorkflowTaskPollers")
	fs.IntVar(&w.ActivityTaskPollers, "at-pollers", 8, "worker: MaxConcurrentActivityTaskPollers")
	fs.IntVar(&w.WorkflowTaskSlots, "wft-slots", 1000, "worker: MaxConcurrentWorkflowTaskExecutionSize")
	fs.IntVar(&w.ActivitySlots, "at-slots", 1000, "worker: MaxConcurrentActivityExecutionSize")
	fs.IntVar(&w.StickyCacheSize, "cache", cache, "worker: sticky workflow cache size (worker.SetStickyWorkflowCacheSize)")
	fs.StringVar(&w.GrpcCompression, "grpc-compression", "gzip", "client: gzip (the SDK's default: every request compressed) or none")
	fs.BoolVar(&w.EagerStart, "eager-start", false, "client: StartWorkflowOptions.EnableEagerStart (the worker shares the client)")
	fs.IntVar(&w.Workers, "workers", 1, "workers on the task queue, each with the pollers and slots above (the Go SDK polls at most 1,000 times a second per worker)")
}

// dial connects the SDK client (starters and worker share it) with the configured compression.
func (w workerConfig) dial(address, namespace string, logger sdklog.Logger) (client.Client, error) {
	opts := client.Options{HostPort: address, Namespace: namespace, Logger: logger}
	switch w.GrpcCompression {
	case "gzip", "":
	case "none":
		opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
	default:
		return nil, fmt.Errorf("unknown -grpc-compression %q (gzip, none)", w.GrpcCompression)
	}
	return client.Dial(opts)
}

func (w workerConfig) String() string {
	workers := "one worker"
	if w.Workers > 1 {
		workers = fmt.Sprintf("%d workers, each", w.Workers)
	}
	return fmt.Sprintf("%s %d workflow-task and %d activity-task pollers, MaxConcurrentWorkflowTaskExecutionSize %d, "+
		"MaxConcurrentActivityExecutionSize %d, sticky cache %d workflows, gRPC compression %s; SDK defaults otherwise",
		workers, w.WorkflowTaskPollers, w.ActivityTaskPollers, w.WorkflowTaskSlots, w.ActivitySlots, w.StickyCacheSize,
		cmp.Or(w.GrpcCompression, "gzip")) + map[bool]string{true: ", eager workflow start", false: ""}[w.EagerStart]
}

// startWorkers starts w.Workers workers (at least one) on taskQueue, sharing the client, and
// returns what stops them all.
func (w workerConfig) startWorkers(c client.Client, taskQueue string) (stop func(), err error) {
	worker.SetStickyWorkflowCacheSize(w.StickyCacheSize) // process-wide: before any worker exists
	var started []worker.Worker
	stop = func() {
		for _, wk := range started {
			wk.Stop()
		}
	}
	for i := 0; i < max(w.Workers, 1); i++ {
		wk := w.newWorker(c, taskQueue)
		if err := wk.Start(); err != nil {
			stop()
			return nil, fmt.Errorf("starting worker %d: %w", i+1, err)
		}
		started = append(started, wk)
	}
	return stop, nil
}

// newWorker builds a worker with every benchmark workflow and the activity registered.
func (w workerConfig) newWorker(c client.Client, taskQueue string) worker.Worker {
	wk := worker.New(c, taskQueue, worker.Options{
		MaxConcurrentWorkflowTaskPollers:       w.WorkflowTaskPollers,
		MaxConcurrentActivityTaskPollers:       w.ActivityTaskPollers,
		MaxConcurrentWorkflowTaskExecutionSize: w.WorkflowTaskSlots,
		MaxConcurrentActivityExecutionSize:     w.ActivitySlots,
	})
	wk.RegisterWorkflowWithOptions(helloWorkflow, workflow.RegisterOptions{Name: wfHello})
	wk.RegisterWorkflowWithOptions(timerWorkflow, workflow.RegisterOptions{Name: wfTimer})
	wk.RegisterWorkflowWithOptions(signalWorkflow, workflow.RegisterOptions{Name: wfSignal})
	wk.RegisterWorkflowWithOptions(parkedWorkflow, workflow.RegisterOptions{Name: wfParked})
	wk.RegisterActivityWithOptions(greet, activity.RegisterOptions{Name: actGreet})
	return wk
}

// ---- readiness --------------------------------------------------------------------------------

// waitReady polls address every 10 ms until the gRPC health check of the workflow service answers
// SERVING and DescribeNamespace succeeds, and returns the time of the first success. The
// connection retries every 10 ms too (gRPC's default backoff, 1 s and growing, would quantize the
// measured time).
func waitReady(address, namespace string, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	last := errors.New("no attempt")
	retry := grpc.ConnectParams{Backoff: backoff.Config{BaseDelay: 10 * time.Millisecond, Multiplier: 1,
		MaxDelay: 10 * time.Millisecond}, MinConnectTimeout: time.Second}
	conn, err := grpc.NewClient(address, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithConnectParams(retry))
	if err != nil {
		return time.Time{}, err
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	service := workflowservice.NewWorkflowServiceClient(conn)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		h, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: "temporal.api.workflowservice.v1.WorkflowService"})
		if err == nil && h.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			err = fmt.Errorf("health: %v", h.GetStatus())
		}
		if err == nil {
			_, err = service.DescribeNamespace(ctx, describeNamespace(namespace))
		}
		cancel()
		if err == nil {
			return time.Now(), nil
		}
		last = err
		time.Sleep(10 * time.Millisecond)
	}
	return time.Time{}, fmt.Errorf("server at %s not ready after %v: %v", address, timeout, last)
}

// ---- one load run ------------------------------------------------------------------------------

type loadFlags struct {
	address, namespace, out, serverLog string
	sdkLog, cpuProfile                 string
	server, version, sqlite            string
	scenario, mode                     string
	pid, concurrency, n, maxInflight   int
	repeat, checkHistories             int
	rate                               float64
	duration, warmup, timer            time.Duration
	wfTimeout, readyTimeout, late      time.Duration
	execNs                             int64
	clkTck                             float64
	worker                             workerConfig
}

// loadRun is one measured run: one server start, one warm-up, one measured window.
type loadRun struct {
	// The SDK of the worker and client: "" (the Go SDK, this program) or "cpp" (bench/cpp's
	// hdo-bench-cpp, which writes this same JSON and describes its worker in WorkerDesc).
	SDK         string       `json:"sdk,omitempty"`
	WorkerDesc  string       `json:"worker_description,omitempty"`
	Server      string       `json:"server"`
	Version     string       `json:"version"`
	SQLite      string       `json:"sqlite"`
	Scenario    string       `json:"scenario"`
	Mode        string       `json:"mode"`
	Concurrency int          `json:"concurrency,omitempty"`
	Rate        float64      `json:"rate_per_s,omitempty"`
	MaxInflight int          `json:"max_in_flight,omitempty"`
	Duration    string       `json:"duration,omitempty"`
	N           int          `json:"n,omitempty"`
	Timer       string       `json:"timer,omitempty"`
	Repeat      int          `json:"repeat"`
	Worker      workerConfig `json:"worker"`
	ReadyS      float64      `json:"server_exec_to_ready_s,omitempty"`
	Warmup      string       `json:"warmup"`
	WarmupDone  int          `json:"warmup_completed"`

	// Open loop only: starts due in the window, starts not issued because max-in-flight
	// workflows were open (not counted in latency), starts issued later than -late after their
	// scheduled time, and the largest such delay.
	Scheduled int     `json:"scheduled,omitempty"`
	Dropped   int     `json:"dropped,omitempty"`
	Late      int     `json:"late,omitempty"`
	MaxLagMs  float64 `json:"max_start_lag_ms,omitempty"`

	Completed  int     `json:"completed"`
	Failed     int     `json:"failed"`
	FirstError string  `json:"first_error,omitempty"`
	WallS      float64 `json:"wall_s"`
	WfPerS     float64 `json:"wf_per_s"`
	P50Ms      float64 `json:"p50_ms"`
	P90Ms      float64 `json:"p90_ms"`
	P99Ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`

	ServerCPUS        float64  `json:"server_cpu_s"`
	ServerSysS        float64  `json:"server_cpu_s_in_kernel"` // stime, part of ServerCPUS
	ServerCPUSPer1000 float64  `json:"server_cpu_s_per_1000_wf"`
	ClientCPUSPer1000 float64  `json:"bench_cpu_s_per_1000_wf"`
	PeakRSSMiB        float64  `json:"server_peak_rss_mib"`
	EndRSSMiB         float64  `json:"server_end_rss_mib"`
	PeakIsPerRun      bool     `json:"peak_rss_is_per_window"`
	Load1             float64  `json:"load1_at_end"`
	CPUSomePct        float64  `json:"psi_cpu_some_pct"`
	IOSomePct         float64  `json:"psi_io_some_pct"`
	SDKWarnings       int64    `json:"sdk_warnings"`
	SDKFirstWarn      string   `json:"sdk_first_warning,omitempty"`
	ServerLogWarn     int      `json:"server_log_warnings"`
	ServerLogErr      int      `json:"server_log_errors"`
	ServerLogFirst    string   `json:"server_log_first_problem,omitempty"`
	CheckedHistories  int      `json:"checked_histories"`
	OddHistories      int      `json:"odd_histories"`
	FirstOddHistory   string   `json:"first_odd_history,omitempty"`
	SlowestMs         float64  `json:"slowest_ms"`
	SlowestHistory    string   `json:"slowest_history,omitempty"`
	SlowestWorkflowID string   `json:"slowest_workflow_id,omitempty"`
	FailedWorkflowIDs []string `json:"failed_workflow_ids,omitempty"`
}

func loadMain(args []string) error {
	var f loadFlags
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	fs.StringVar(&f.address, "address", "127.0.0.1:7233", "server gRPC address")
	fs.StringVar(&f.namespace, "namespace", "default", "namespace")
	fs.StringVar(&f.out, "out", "", "write the run as JSON to this file (default stdout)")
	fs.StringVar(&f.serverLog, "server-log", "", "the server's log file: warn/error lines are counted")
	fs.StringVar(&f.sdkLog, "sdk-log", "", "the SDK's warnings go to this file (default stderr)")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of this process over the measured window (go tool pprof)")
	fs.StringVar(&f.server, "server", "?", "server label")
	fs.StringVar(&f.version, "version", "?", "server version")
	fs.StringVar(&f.sqlite, "sqlite", "?", "the server's SQLite settings")
	fs.StringVar(&f.scenario, "scenario", "activity", "activity (one no-op activity), timer (one timer) or signal (wait for one signal)")
	fs.StringVar(&f.mode, "mode", "closed", "closed (-c workflows in flight) or open (-rate starts/s on a fixed schedule)")
	fs.IntVar(&f.pid, "server-pid", 0, "pid of the server process itself (RSS and CPU are read from /proc/PID)")
	fs.IntVar(&f.concurrency, "c", 200, "closed loop: workflows in flight")
	fs.Float64Var(&f.rate, "rate", 0, "open loop: workflow starts per second")
	fs.IntVar(&f.maxInflight, "max-inflight", 10000, "open loop: a scheduled start is dropped (and counted) while this many workflows are open")
	fs.DurationVar(&f.late, "late", 10*time.Millisecond, "open loop: a start issued more than this after its scheduled time counts as late")
	fs.IntVar(&f.n, "n", 0, "workflows in the measured window (0: run for -duration)")
	fs.DurationVar(&f.duration, "duration", 30*time.Second, "length of the measured window when -n is 0 (no start after it; open workflows are awaited)")
	fs.DurationVar(&f.warmup, "warmup", 5*time.Second, "warm-up with the same load before the window, not counted (0: none)")
	fs.DurationVar(&f.timer, "timer", time.Second, "timer scenario: the timer")
	fs.DurationVar(&f.wfTimeout, "wf-timeout", time.Minute, "bound on one workflow, start to result, beyond its timer")
	fs.DurationVar(&f.readyTimeout, "ready-timeout", 2*time.Minute, "bound on waiting for the server")
	fs.Int64Var(&f.execNs, "exec-ns", 0, "when the server was exec'd (Unix ns), to report its time to ready")
	fs.IntVar(&f.repeat, "repeat", 1, "index of this run in its series (for the table)")
	fs.IntVar(&f.checkHistories, "check-histories", 50, "after the window (untimed), read the slowest workflow's history and this many random ones")
	fs.Float64Var(&f.clkTck, "clk-tck", 100, "clock ticks per second of /proc/PID/stat (getconf CLK_TCK)")
	f.worker.register(fs, 10000)
	_ = fs.Parse(args)
	switch {
	case f.pid <= 0:
		return errors.New("-server-pid is required")
	case f.scenario != "activity" && f.scenario != "timer" && f.scenario != "signal":
		return fmt.Errorf("unknown scenario %q (activity, timer, signal)", f.scenario)
	case f.mode != "closed" && f.mode != "open":
		return fmt.Errorf("unknown mode %q (closed, open)", f.mode)
	case f.mode == "closed" && f.concurrency <= 0:
		return errors.New("closed loop needs -c > 0")
	case f.mode == "open" && (f.rate <= 0 || f.maxInflight <= 0):
		return errors.New("open loop needs -rate > 0 and -max-inflight > 0")
	case f.n <= 0 && f.duration <= 0:
		return errors.New("-n or -duration must be positive")
	}

	warnings, closeSDKLog := newCountingHandler(f.sdkLog)
	defer closeSDKLog()
	readyAt, err := waitReady(f.address, f.namespace, f.readyTimeout)
	if err != nil {
		return err
	}
	c, err := f.worker.dial(f.address, f.namespace, sdklog.NewStructuredLogger(slog.New(warnings)))
	if err != nil {
		return err
	}
	defer c.Close()
	nonce := strconv.FormatInt(time.Now().UnixNano(), 36)
	taskQueue := "bench-" + nonce
	stopWorkers, err := f.worker.startWorkers(c, taskQueue)
	if err != nil {
		return err
	}
	defer stopWorkers()

	r := loadRun{Server: f.server, Version: f.version, SQLite: f.sqlite, Scenario: f.scenario, Mode: f.mode,
		Repeat: f.repeat, Worker: f.worker, Warmup: f.warmup.String()}
	if f.execNs > 0 {
		r.ReadyS = readyAt.Sub(time.Unix(0, f.execNs)).Seconds()
	}
	if f.mode == "closed" {
		r.Concurrency = f.concurrency
	} else {
		r.Rate, r.MaxInflight = f.rate, f.maxInflight
	}
	if f.n > 0 {
		r.N = f.n
	} else {
		r.Duration = f.duration.String()
	}
	if f.scenario == "timer" {
		r.Timer = f.timer.String()
	}

	if f.warmup > 0 {
		wf := f
		wf.n = 0
		wf.duration = f.warmup
		recs, _ := drive(c, wf, taskQueue, nonce+"-warmup")
		for _, rec := range recs {
			if rec.err == nil {
				r.WarmupDone++
			}
		}
		fmt.Fprintf(os.Stderr, "  warm-up %v: %d workflows completed\n", f.warmup, r.WarmupDone)
	}

	// Writing 5 to clear_refs resets VmHWM to the current RSS, so the peak is the window's own.
	r.PeakIsPerRun = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", f.pid), []byte("5"), 0) == nil
	warnBefore := warnings.count.Load()
	serverBefore, _ := readCPUTicks(fmt.Sprintf("/proc/%d/stat", f.pid))
	sysBefore, _ := readSysTicks(fmt.Sprintf("/proc/%d/stat", f.pid))
	clientBefore, _ := readCPUTicks("/proc/self/stat")
	cpuPSIBefore, ioPSIBefore := readPSISome("cpu"), readPSISome("io")
	if f.cpuProfile != "" {
		if pf, err := os.Create(f.cpuProfile); err == nil {
			if pprof.StartCPUProfile(pf) == nil {
				defer pf.Close()
			}
		}
	}
	recs, st := drive(c, f, taskQueue, nonce+"-m")
	pprof.StopCPUProfile()
	serverAfter, _ := readCPUTicks(fmt.Sprintf("/proc/%d/stat", f.pid))
	sysAfter, _ := readSysTicks(fmt.Sprintf("/proc/%d/stat", f.pid))
	clientAfter, _ := readCPUTicks("/proc/self/stat")
	cpuPSIAfter, ioPSIAfter := readPSISome("cpu"), readPSISome("io")
	if ps, err := readStatus(f.pid); err == nil {
		r.PeakRSSMiB, r.EndRSSMiB = ps.hwmMiB, ps.rssMiB
	}
	r.SDKWarnings = warnings.count.Load() - warnBefore
	if v := warnings.first.Load(); v != nil {
		r.SDKFirstWarn = v.(string)
	}

	summarize(&r, recs, st)
	wall := st.end.Sub(st.begin)
	if r.Completed > 0 {
		r.ServerCPUS = (serverAfter - serverBefore) / f.clkTck
		r.ServerSysS = (sysAfter - sysBefore) / f.clkTck
		r.ServerCPUSPer1000 = r.ServerCPUS / float64(r.Completed) * 1000
		r.ClientCPUSPer1000 = (clientAfter - clientBefore) / f.clkTck / float64(r.Completed) * 1000
	}
	r.Load1 = readLoad1()
	r.CPUSomePct = (cpuPSIAfter - cpuPSIBefore) / 1e6 / wall.Seconds() * 100
	r.IOSomePct = (ioPSIAfter - ioPSIBefore) / 1e6 / wall.Seconds() * 100
	if f.checkHistories > 0 {
		sampleHistories(c, f, recs, &r)
	}
	if f.serverLog != "" {
		r.ServerLogWarn, r.ServerLogErr, r.ServerLogFirst = scanServerLog(f.serverLog)
	}
	fmt.Fprintf(os.Stderr, "  %s %s %s: %d completed, %d failed, %.1f wf/s, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, server CPU %.2f s/1000 wf, peak RSS %.1f MiB",
		f.server, f.scenario, f.mode, r.Completed, r.Failed, r.WfPerS, r.P50Ms, r.P90Ms, r.P99Ms, r.ServerCPUSPer1000, r.PeakRSSMiB)
	if f.mode == "open" {
		fmt.Fprintf(os.Stderr, ", %d scheduled, %d dropped, %d late (max %.0f ms)", r.Scheduled, r.Dropped, r.Late, r.MaxLagMs)
	}
	fmt.Fprintf(os.Stderr, ", load1 %.2f\n", r.Load1)
	return writeJSON(f.out, r)
}

// record is one workflow of a window: its id, when its start was due (the start call's time in
// the closed loop, the schedule's in the open loop), when its result arrived, and its error.
type record struct {
	id        string
	due, done time.Time
	err       error
}

type driveStats struct {
	begin, end               time.Time
	scheduled, dropped, late int
	maxLag                   time.Duration
}

// drive runs one window of f's load and returns every workflow it started (or dropped: no record)
// and the window: from the first due start to the last result.
func drive(c client.Client, f loadFlags, taskQueue, prefix string) ([]record, driveStats) {
	var mu sync.Mutex
	var recs []record
	var wg sync.WaitGroup
	var seq atomic.Int64
	one := func(due time.Time) {
		id := fmt.Sprintf("%s-%07d", prefix, seq.Add(1))
		ctx, cancel := context.WithTimeout(context.Background(), f.wfTimeout+f.timer)
		err := oneScenarioWorkflow(ctx, c, f, taskQueue, id)
		cancel()
		rec := record{id: id, due: due, done: time.Now(), err: err}
		mu.Lock()
		recs = append(recs, rec)
		mu.Unlock()
	}
	st := driveStats{begin: time.Now()}
	stop := st.begin.Add(f.duration)
	if f.mode == "closed" {
		var started atomic.Int64
		for range f.concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					if f.n > 0 && started.Add(1) > int64(f.n) || f.n <= 0 && !time.Now().Before(stop) {
						return
					}
					one(time.Now())
				}
			}()
		}
	} else {
		interval := time.Duration(float64(time.Second) / f.rate)
		var inFlight atomic.Int64
		for i := 0; ; i++ {
			due := st.begin.Add(time.Duration(i) * interval)
			if f.n > 0 && i >= f.n || f.n <= 0 && !due.Before(stop) {
				break
			}
			st.scheduled++
			if d := time.Until(due); d > 0 {
				time.Sleep(d)
			}
			if lag := time.Since(due); lag > f.late {
				st.late++
				st.maxLag = max(st.maxLag, lag)
			}
			if inFlight.Load() >= int64(f.maxInflight) {
				st.dropped++
				continue
			}
			inFlight.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer inFlight.Add(-1)
				one(due)
			}()
		}
	}
	wg.Wait()
	st.end = st.begin
	for _, rec := range recs {
		if rec.done.After(st.end) {
			st.end = rec.done
		}
	}
	return recs, st
}

func oneScenarioWorkflow(ctx context.Context, c client.Client, f loadFlags, taskQueue, id string) error {
	opts := client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue, EnableEagerStart: f.worker.EagerStart}
	var run client.WorkflowRun
	var err error
	switch f.scenario {
	case "activity":
		run, err = c.ExecuteWorkflow(ctx, opts, wfHello, id)
	case "timer":
		run, err = c.ExecuteWorkflow(ctx, opts, wfTimer, id, f.timer)
	case "signal":
		run, err = c.ExecuteWorkflow(ctx, opts, wfSignal, id)
		if err == nil {
			if err := c.SignalWorkflow(ctx, id, run.GetRunID(), signalName, nil); err != nil {
				return fmt.Errorf("signal: %w", err)
			}
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

// summarize fills r's counts, throughput and latency percentiles (nearest rank) from recs.
func summarize(r *loadRun, recs []record, st driveStats) {
	var ok []time.Duration
	for _, rec := range recs {
		if rec.err != nil {
			r.Failed++
			if r.FirstError == "" {
				r.FirstError = truncate(rec.id+": "+rec.err.Error(), 300)
			}
			if len(r.FailedWorkflowIDs) < 20 {
				r.FailedWorkflowIDs = append(r.FailedWorkflowIDs, rec.id)
			}
			continue
		}
		ok = append(ok, rec.done.Sub(rec.due))
	}
	r.Completed = len(ok)
	r.WallS = st.end.Sub(st.begin).Seconds()
	if r.WallS > 0 {
		r.WfPerS = float64(r.Completed) / r.WallS
	}
	sort.Slice(ok, func(a, b int) bool { return ok[a] < ok[b] })
	r.P50Ms, r.P90Ms, r.P99Ms = percentileMs(ok, 0.50), percentileMs(ok, 0.90), percentileMs(ok, 0.99)
	r.MaxMs = percentileMs(ok, 1)
	if r.Mode == "open" {
		r.Scheduled, r.Dropped, r.Late = st.scheduled, st.dropped, st.late
		r.MaxLagMs = float64(st.maxLag.Microseconds()) / 1000
	}
}

// sampleHistories reads (untimed) the slowest completed workflow's history and a random sample of
// the others, and counts those whose event sequence is not the scenario's usual one.
func sampleHistories(c client.Client, f loadFlags, recs []record, r *loadRun) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	slowest := -1
	for i, rec := range recs {
		if rec.err == nil && (slowest < 0 || rec.done.Sub(rec.due) > recs[slowest].done.Sub(recs[slowest].due)) {
			slowest = i
		}
	}
	sample := rand.Perm(len(recs))
	if len(sample) > f.checkHistories {
		sample = sample[:f.checkHistories]
	}
	if slowest >= 0 {
		sample = append(sample, slowest)
	}
	seen := map[int]bool{}
	for _, i := range sample {
		if seen[i] || recs[i].err != nil {
			continue
		}
		seen[i] = true
		shape := historyShape(ctx, c, recs[i].id)
		r.CheckedHistories++
		ms := float64(recs[i].done.Sub(recs[i].due).Microseconds()) / 1000
		if !isUsualHistory(f.scenario, shape) {
			if r.OddHistories++; r.FirstOddHistory == "" {
				r.FirstOddHistory = truncate(fmt.Sprintf("%s (%.0f ms): %s", recs[i].id, ms, shape), 600)
			}
		}
		if i == slowest {
			r.SlowestMs, r.SlowestHistory, r.SlowestWorkflowID = ms, shape, recs[i].id
		}
	}
}

// historyShape is the space-separated event types of a workflow's history.
func historyShape(ctx context.Context, c client.Client, id string) string {
	var types []string
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			types = append(types, "error: "+err.Error())
			break
		}
		types = append(types, e.GetEventType().String())
	}
	return strings.Join(types, " ")
}

// newCountingHandler is the SDK's log handler: warnings and errors, counted, to the file path
// (stderr if empty or it cannot be created).
func newCountingHandler(path string) (*countingHandler, func()) {
	var out io.Writer = os.Stderr
	closer := func() {}
	if path != "" {
		if f, err := os.Create(path); err == nil {
			out, closer = f, func() { f.Close() }
		}
	}
	return &countingHandler{inner: slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelWarn}),
		count: &atomic.Int64{}, first: &atomic.Value{}}, closer
}

// readSysTicks returns stime (field 15) of a /proc/PID/stat file.
func readSysTicks(path string) (float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	s := string(b)
	rest := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(rest) < 13 {
		return 0, fmt.Errorf("%s: too few fields", path)
	}
	return strconv.ParseFloat(rest[12], 64)
}
