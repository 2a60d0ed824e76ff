// The `parked` subcommand, scenario (d): N workflows parked on a long timer. It starts the server
// itself (the command after `--`), so that it can kill -9 it and time the restart on the same
// file: start N workflows, wait until every one sleeps on its timer, read the server's RSS, kill -9,
// restart, time exec to ready, count the open workflows, and, when the timers are due within
// -fire-wait, wait until every one fired and completed. See bench/README.md.

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
)

const wfParked = "BenchParked"

// parkedTracker is the worker's own account of the parked workflows: which ones reached their
// timer (the first workflow task ran) with the timer's due time, and which ones woke up, with how
// late (the start time of the workflow task that saw TimerFired, minus the due time; both are
// the server's clock, as workflow.Now reads it).
type parkedTracker struct {
	mu       sync.Mutex
	due      map[string]time.Time
	lateness map[string]time.Duration
	lastWoke time.Time // wall clock of the last wake-up seen by the worker
}

var tracker = &parkedTracker{due: map[string]time.Time{}, lateness: map[string]time.Duration{}}

func (t *parkedTracker) park(id string, due time.Time) {
	t.mu.Lock()
	t.due[id] = due
	t.mu.Unlock()
}

func (t *parkedTracker) wake(id string, late time.Duration) {
	t.mu.Lock()
	t.lateness[id] = late
	t.lastWoke = time.Now()
	t.mu.Unlock()
}

func (t *parkedTracker) counts() (parked, woke int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.due), len(t.lateness)
}

// parkedWorkflow sleeps on one timer and completes. The code around the timer only records what
// the worker saw (outside replay); it issues no command, so it does not touch determinism.
func parkedWorkflow(ctx workflow.Context, timer time.Duration) error {
	due := workflow.Now(ctx).Add(timer)
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	if !workflow.IsReplaying(ctx) {
		tracker.park(id, due)
	}
	if err := workflow.Sleep(ctx, timer); err != nil {
		return err
	}
	if !workflow.IsReplaying(ctx) {
		tracker.wake(id, workflow.Now(ctx).Sub(due))
	}
	return nil
}

// serverProc is the server process parked runs, started again on the same file after kill -9.
type serverProc struct {
	argv    []string
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{}
}

// start execs the server (its output appended to the log) and returns the exec time.
func (s *serverProc) start() (time.Time, error) {
	log, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return time.Time{}, err
	}
	defer log.Close()
	s.cmd = exec.Command(s.argv[0], s.argv[1:]...)
	s.cmd.Stdout, s.cmd.Stderr = log, log
	// The server dies with this program, whatever ends it.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	t0 := time.Now()
	if err := s.cmd.Start(); err != nil {
		return time.Time{}, err
	}
	exited := make(chan struct{})
	s.exited = exited
	go func(cmd *exec.Cmd) { _ = cmd.Wait(); close(exited) }(s.cmd)
	return t0, nil
}

func (s *serverProc) pid() int { return s.cmd.Process.Pid }

func (s *serverProc) kill9() {
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
}

// stop asks the server to shut down (SIGINT) and kills it after 20 s.
func (s *serverProc) stop() {
	if s.cmd == nil {
		return
	}
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.exited:
	case <-time.After(20 * time.Second):
		s.kill9()
	}
}

func (s *serverProc) note(line string) {
	if f, err := os.OpenFile(s.logPath, os.O_APPEND|os.O_WRONLY, 0o644); err == nil {
		fmt.Fprintf(f, "---- bench: %s ----\n", line)
		f.Close()
	}
}

// parkedResult is the whole scenario's report.
type parkedResult struct {
	Server     string       `json:"server"`
	Version    string       `json:"version"`
	SQLite     string       `json:"sqlite"`
	Scenario   string       `json:"scenario"` // "parked"
	N          int          `json:"n"`
	Timer      string       `json:"timer"`
	StartConc  int          `json:"start_concurrency"`
	FireWait   string       `json:"fire_wait"`
	Worker     workerConfig `json:"worker"`
	ColdReadyS float64      `json:"first_start_exec_to_ready_s"`

	Started        int     `json:"started"`
	StartErrors    int     `json:"start_errors"`
	FirstError     string  `json:"first_error,omitempty"`
	StartS         float64 `json:"start_phase_s"`
	StartsPerS     float64 `json:"starts_per_s"`
	ParkedS        float64 `json:"first_start_to_all_parked_s"`
	Parked         int     `json:"parked"`
	Confirmed      int     `json:"sample_confirmed_on_timer"`
	Sampled        int     `json:"sampled"`
	ParkCPUS       float64 `json:"server_cpu_s_start_phase"`
	RSSMiB         float64 `json:"server_rss_mib_with_n_open"`
	HWMMiB         float64 `json:"server_peak_rss_mib_with_n_open"`
	DBMiB          float64 `json:"db_mib_with_n_open"`
	WALMiB         float64 `json:"wal_mib_with_n_open"`
	WokeBeforeKill int     `json:"woke_before_kill"`

	RestartReadyS    float64 `json:"restart_exec_to_ready_s"`
	RestartRSSMiB    float64 `json:"server_rss_mib_at_ready_after_restart"`
	OpenAfterRestart int64   `json:"open_after_restart"`
	DoneAfterRestart int64   `json:"completed_after_restart"`
	CountNote        string  `json:"count_note,omitempty"`

	FireChecked   bool    `json:"fire_checked"`
	FireNote      string  `json:"fire_note,omitempty"`
	Woke          int     `json:"woke"`
	CompletedEnd  int64   `json:"completed_at_end"`
	OpenEnd       int64   `json:"open_at_end"`
	LateP50Ms     float64 `json:"lateness_p50_ms"`
	LateP99Ms     float64 `json:"lateness_p99_ms"`
	LateMaxMs     float64 `json:"lateness_max_ms"`
	LatestID      string  `json:"latest_workflow_id,omitempty"`
	LatestFiredMs float64 `json:"latest_timer_fired_event_after_due_ms"`
	// The server's TimerFired event time minus the due time, over the sample of 100.
	FiredSampleP50Ms  float64 `json:"sample_timer_fired_event_after_due_p50_ms"`
	FiredSampleMaxMs  float64 `json:"sample_timer_fired_event_after_due_max_ms"`
	LastWokeAfterDueS float64 `json:"last_wake_after_last_due_s"`
	EndRSSMiB         float64 `json:"server_rss_mib_at_end"`
	EndHWMMiB         float64 `json:"server_peak_rss_mib_since_restart"`

	BenchCPUS   float64 `json:"bench_cpu_s"`
	BenchHWMMiB float64 `json:"bench_peak_rss_mib"`

	SDKWarnBeforeKill int64  `json:"sdk_warnings_before_kill"`
	SDKWarnings       int64  `json:"sdk_warnings"`
	SDKFirstWarn      string `json:"sdk_first_warning,omitempty"`
	ServerLogWarn     int    `json:"server_log_warnings"`
	ServerLogErr      int    `json:"server_log_errors"`
	ServerLogFirst    string `json:"server_log_first_problem,omitempty"`
}

type parkedFlags struct {
	address, namespace, out, logPath, db string
	sdkLog                               string
	server, version, sqlite              string
	n, startConc                         int
	timer, fireWait, parkTimeout         time.Duration
	readyTimeout                         time.Duration
	clkTck                               float64
	worker                               workerConfig
}

func parkedMain(args []string) error {
	var f parkedFlags
	fs := flag.NewFlagSet("parked", flag.ExitOnError)
	fs.StringVar(&f.address, "address", "127.0.0.1:7233", "the gRPC address the server command listens on")
	fs.StringVar(&f.namespace, "namespace", "default", "namespace")
	fs.StringVar(&f.out, "out", "", "write the result as JSON to this file (default stdout)")
	fs.StringVar(&f.logPath, "server-log", "server.log", "the server's output goes here (both starts)")
	fs.StringVar(&f.sdkLog, "sdk-log", "", "the SDK's warnings go to this file (default stderr)")
	fs.StringVar(&f.db, "db", "", "the server's database file (its size, with -wal, is reported)")
	fs.StringVar(&f.server, "server", "?", "server label")
	fs.StringVar(&f.version, "version", "?", "server version")
	fs.StringVar(&f.sqlite, "sqlite", "?", "the server's SQLite settings")
	fs.IntVar(&f.n, "n", 100000, "workflows to park")
	fs.IntVar(&f.startConc, "start-c", 100, "start calls in flight")
	fs.DurationVar(&f.timer, "timer", time.Hour, "each workflow's timer")
	fs.DurationVar(&f.fireWait, "fire-wait", 10*time.Minute, "after the restart, wait for the timers only if the last is due within this; then wait at most this long")
	fs.DurationVar(&f.parkTimeout, "park-timeout", 30*time.Minute, "bound on starting and parking all N")
	fs.DurationVar(&f.readyTimeout, "ready-timeout", 2*time.Minute, "bound on waiting for the server to be ready")
	fs.Float64Var(&f.clkTck, "clk-tck", 100, "clock ticks per second of /proc/PID/stat (getconf CLK_TCK)")
	f.worker.register(fs, 100)
	_ = fs.Parse(args)
	argv := fs.Args()
	if len(argv) == 0 {
		return errors.New("the server command goes after --")
	}
	if f.n <= 0 || f.startConc <= 0 {
		return errors.New("-n and -start-c must be positive")
	}
	srv := &serverProc{argv: argv, logPath: f.logPath}
	defer srv.stop()
	r := parkedResult{Server: f.server, Version: f.version, SQLite: f.sqlite, Scenario: "parked", N: f.n,
		Timer: f.timer.String(), StartConc: f.startConc, FireWait: f.fireWait.String(), Worker: f.worker}
	err := runParked(f, srv, &r)
	// The log before the shutdown: what a shutting-down server logs is not the scenario's.
	r.ServerLogWarn, r.ServerLogErr, r.ServerLogFirst = scanServerLog(f.logPath)
	srv.stop()
	if werr := writeJSON(f.out, r); err == nil {
		err = werr
	}
	return err
}

func progress(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "  "+time.Now().Format("15:04:05")+" "+format+"\n", a...)
}

func runParked(f parkedFlags, srv *serverProc, r *parkedResult) error {
	t0, err := srv.start()
	if err != nil {
		return err
	}
	ready, err := waitReady(f.address, f.namespace, f.readyTimeout)
	if err != nil {
		return err
	}
	r.ColdReadyS = ready.Sub(t0).Seconds()
	clkTck := f.clkTck

	warnings, closeSDKLog := newCountingHandler(f.sdkLog)
	defer closeSDKLog()
	c, err := f.worker.dial(f.address, f.namespace, sdklog.NewStructuredLogger(slog.New(warnings)))
	if err != nil {
		return err
	}
	defer c.Close()
	nonce := strconv.FormatInt(time.Now().UnixNano(), 36)
	taskQueue := "parked-" + nonce
	stopWorkers, err := f.worker.startWorkers(c, taskQueue)
	if err != nil {
		return err
	}
	defer stopWorkers()
	id := func(i int) string { return fmt.Sprintf("parked-%s-%07d", nonce, i) }

	// 1. Start N, as fast as the server takes them.
	cpu0, _ := readCPUTicks(fmt.Sprintf("/proc/%d/stat", srv.pid()))
	begin := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), f.parkTimeout)
	defer cancel()
	var next, started, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range f.startConc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)); i <= f.n && ctx.Err() == nil; i = int(next.Add(1)) {
				_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id(i), TaskQueue: taskQueue}, wfParked, f.timer)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, truncate(id(i)+": "+err.Error(), 300))
					continue
				}
				if s := started.Add(1); s%10000 == 0 {
					progress("%d started", s)
				}
			}
		}()
	}
	wg.Wait()
	r.StartS = time.Since(begin).Seconds()
	r.Started, r.StartErrors = int(started.Load()), int(failed.Load())
	if v := firstErr.Load(); v != nil {
		r.FirstError = v.(string)
	}
	r.StartsPerS = float64(r.Started) / r.StartS
	progress("%d started in %.1f s (%.0f/s), %d start errors", r.Started, r.StartS, r.StartsPerS, r.StartErrors)

	// 2. Wait until the worker ran every first workflow task, then until the server shows a
	// sample of them on their timer (first workflow task completed, no workflow task pending).
	for ctx.Err() == nil {
		if parked, _ := tracker.counts(); parked >= r.Started {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	r.Parked, _ = tracker.counts()
	admin, closeAdmin, err := adminClient(f.address)
	if err != nil {
		return err
	}
	sample := sampleIndexes(f.n, 100)
	r.Sampled = len(sample)
	confirmCtx, confirmCancel := context.WithTimeout(ctx, 2*time.Minute) // a failed start never shows
	defer confirmCancel()
	for confirmCtx.Err() == nil {
		r.Confirmed = 0
		for _, i := range sample {
			if onTimer(confirmCtx, admin, f.namespace, id(i)) {
				r.Confirmed++
			}
		}
		if r.Confirmed == r.Sampled {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	r.ParkedS = time.Since(begin).Seconds()
	cpu1, _ := readCPUTicks(fmt.Sprintf("/proc/%d/stat", srv.pid()))
	r.ParkCPUS = (cpu1 - cpu0) / clkTck
	if st, err := readStatus(srv.pid()); err == nil {
		r.RSSMiB, r.HWMMiB = st.rssMiB, st.hwmMiB
	}
	r.DBMiB, r.WALMiB = fileMiB(f.db), fileMiB(f.db+"-wal")
	_, r.WokeBeforeKill = tracker.counts()
	progress("%d parked (worker), %d/%d sampled on their timer (server), %.1f s after the first start; server RSS %.0f MiB, peak %.0f MiB, database %.0f MiB + WAL %.0f MiB",
		r.Parked, r.Confirmed, r.Sampled, r.ParkedS, r.RSSMiB, r.HWMMiB, r.DBMiB, r.WALMiB)
	closeAdmin()
	if r.Parked < r.Started {
		return fmt.Errorf("only %d of %d workflows reached their timer within %v", r.Parked, r.Started, f.parkTimeout)
	}

	// 3. kill -9 and restart on the same file.
	r.SDKWarnBeforeKill = warnings.count.Load()
	srv.kill9()
	srv.note("kill -9; restarting on the same database")
	t0, err = srv.start()
	if err != nil {
		return err
	}
	ready, err = waitReady(f.address, f.namespace, f.readyTimeout)
	if err != nil {
		return fmt.Errorf("after kill -9: %w", err)
	}
	r.RestartReadyS = ready.Sub(t0).Seconds()
	if st, err := readStatus(srv.pid()); err == nil {
		r.RestartRSSMiB = st.rssMiB
	}
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", srv.pid()), []byte("5"), 0)
	progress("kill -9, restart: ready %.2f s after exec, RSS %.0f MiB", r.RestartReadyS, r.RestartRSSMiB)
	admin, closeAdmin, err = adminClient(f.address)
	if err != nil {
		return err
	}
	defer closeAdmin()
	countCtx, countCancel := context.WithTimeout(context.Background(), time.Minute)
	r.OpenAfterRestart, r.DoneAfterRestart, r.CountNote = countParked(countCtx, admin, f.namespace, taskQueue, int64(r.Started), false)
	countCancel()
	progress("after the restart: %d open, %d completed (visibility)%s", r.OpenAfterRestart, r.DoneAfterRestart, r.CountNote)

	// 4. The timers, when they are due soon enough.
	tracker.mu.Lock()
	var lastDue time.Time
	for _, due := range tracker.due {
		if due.After(lastDue) {
			lastDue = due
		}
	}
	tracker.mu.Unlock()
	if until := time.Until(lastDue); until > f.fireWait {
		r.FireNote = fmt.Sprintf("skipped: the last timer is due in %v, beyond -fire-wait %v", until.Round(time.Second), f.fireWait)
	} else {
		r.FireChecked = true
		deadline := time.Now().Add(f.fireWait)
		for time.Now().Before(deadline) {
			if _, woke := tracker.counts(); woke >= r.Started {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		fireResults(r, lastDue)
		endCtx, endCancel := context.WithTimeout(context.Background(), time.Minute)
		r.OpenEnd, r.CompletedEnd, _ = countParked(endCtx, admin, f.namespace, taskQueue, int64(r.Started), r.Woke >= r.Started)
		dueOf := func(id string) time.Time {
			tracker.mu.Lock()
			defer tracker.mu.Unlock()
			return tracker.due[id]
		}
		if r.LatestID != "" {
			r.LatestFiredMs = timerFiredAfterDueMs(endCtx, admin, f.namespace, r.LatestID, dueOf(r.LatestID))
		}
		var fired []time.Duration
		for _, i := range sample {
			if ms := timerFiredAfterDueMs(endCtx, admin, f.namespace, id(i), dueOf(id(i))); ms != -1 {
				fired = append(fired, time.Duration(ms*float64(time.Millisecond)))
			}
		}
		sort.Slice(fired, func(a, b int) bool { return fired[a] < fired[b] })
		r.FiredSampleP50Ms, r.FiredSampleMaxMs = percentileMs(fired, 0.5), percentileMs(fired, 1)
		endCancel()
		if r.Woke < r.Started {
			r.FireNote = fmt.Sprintf("only %d of %d woke within -fire-wait %v", r.Woke, r.Started, f.fireWait)
		}
		progress("timers: %d/%d woke (worker), %d completed and %d open (visibility); lateness p50 %.0f ms, p99 %.0f ms, max %.0f ms",
			r.Woke, r.Started, r.CompletedEnd, r.OpenEnd, r.LateP50Ms, r.LateP99Ms, r.LateMaxMs)
	}
	if st, err := readStatus(srv.pid()); err == nil {
		r.EndRSSMiB, r.EndHWMMiB = st.rssMiB, st.hwmMiB
	}
	r.SDKWarnings = warnings.count.Load()
	if v := warnings.first.Load(); v != nil {
		r.SDKFirstWarn = v.(string)
	}
	if ticks, err := readCPUTicks("/proc/self/stat"); err == nil {
		r.BenchCPUS = ticks / clkTck
	}
	if st, err := readStatus(os.Getpid()); err == nil {
		r.BenchHWMMiB = st.hwmMiB
	}
	return nil
}

// fireResults fills the wake-up figures from the tracker.
func fireResults(r *parkedResult, lastDue time.Time) {
	tracker.mu.Lock()
	defer tracker.mu.Unlock()
	r.Woke = len(tracker.lateness)
	late := make([]time.Duration, 0, len(tracker.lateness))
	for id, d := range tracker.lateness {
		late = append(late, d)
		if r.LatestID == "" || d > tracker.lateness[r.LatestID] {
			r.LatestID = id
		}
	}
	sort.Slice(late, func(a, b int) bool { return late[a] < late[b] })
	r.LateP50Ms, r.LateP99Ms, r.LateMaxMs = percentileMs(late, 0.5), percentileMs(late, 0.99), percentileMs(late, 1)
	if r.Woke > 0 {
		r.LastWokeAfterDueS = tracker.lastWoke.Sub(lastDue).Seconds()
	}
}

// adminClient is a plain gRPC connection for describe and count calls, separate from the SDK's.
func adminClient(address string) (workflowservice.WorkflowServiceClient, func(), error) {
	conn, err := grpc.NewClient(address, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, nil, err
	}
	return workflowservice.NewWorkflowServiceClient(conn), func() { conn.Close() }, nil
}

// sampleIndexes picks up to k of 1..n: the last k/2 started and random others.
func sampleIndexes(n, k int) []int {
	seen := map[int]bool{}
	var out []int
	for i := n; i >= 1 && len(out) < k/2; i-- {
		seen[i] = true
		out = append(out, i)
	}
	for tries := 0; len(out) < min(k, n) && tries < 10*k; tries++ {
		if i := 1 + rand.IntN(n); !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	return out
}

// onTimer says whether the server shows the workflow waiting on its timer: running, its first
// workflow task completed (Started, WFT scheduled/started/completed, TimerStarted) and none pending.
func onTimer(ctx context.Context, admin workflowservice.WorkflowServiceClient, namespace, id string) bool {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	d, err := admin.DescribeWorkflowExecution(cctx, &workflowservice.DescribeWorkflowExecutionRequest{
		Namespace: namespace, Execution: &commonpb.WorkflowExecution{WorkflowId: id}})
	if err != nil {
		return false
	}
	info := d.GetWorkflowExecutionInfo()
	return info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING && info.GetHistoryLength() >= 5 &&
		d.GetPendingWorkflowTask() == nil
}

// countParked counts the run's workflows open and completed through visibility. It retries
// (visibility may lag) until open + completed == want (and, with allDone, open == 0) or ctx ends,
// and says so if never.
func countParked(ctx context.Context, admin workflowservice.WorkflowServiceClient, namespace, taskQueue string,
	want int64, allDone bool) (open, done int64, note string) {
	count := func(status string) (int64, error) {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		resp, err := admin.CountWorkflowExecutions(cctx, &workflowservice.CountWorkflowExecutionsRequest{
			Namespace: namespace, Query: fmt.Sprintf("TaskQueue = '%s' AND ExecutionStatus = '%s'", taskQueue, status)})
		return resp.GetCount(), err
	}
	var err error
	for {
		var e1, e2 error
		open, e1 = count("Running")
		done, e2 = count("Completed")
		err = errors.Join(e1, e2)
		if err == nil && open+done == want && (!allDone || open == 0) || ctx.Err() != nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		return open, done, "; count failed: " + truncate(err.Error(), 200)
	}
	if open+done != want {
		return open, done, fmt.Sprintf("; open + completed = %d, not the %d started", open+done, want)
	}
	return open, done, ""
}

// timerFiredAfterDueMs reads a workflow's TimerFired event time (the server's) minus the due time.
func timerFiredAfterDueMs(ctx context.Context, admin workflowservice.WorkflowServiceClient, namespace, id string, due time.Time) float64 {
	resp, err := admin.GetWorkflowExecutionHistory(ctx, &workflowservice.GetWorkflowExecutionHistoryRequest{
		Namespace: namespace, Execution: &commonpb.WorkflowExecution{WorkflowId: id}})
	if err != nil {
		return -1
	}
	for _, e := range resp.GetHistory().GetEvents() {
		if e.GetEventType() == enumspb.EVENT_TYPE_TIMER_FIRED {
			return float64(eventTime(e.GetEventTime()).Sub(due).Microseconds()) / 1000
		}
	}
	return -1
}

func eventTime(ts *timestamppb.Timestamp) time.Time { return ts.AsTime() }

func fileMiB(path string) float64 {
	if path == "" {
		return 0
	}
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return float64(st.Size()) / (1 << 20)
}
