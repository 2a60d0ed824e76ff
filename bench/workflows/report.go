// The `report` subcommand: bench/compare's table, from the JSON files of `load` runs (one row per
// server: medians over its runs, and a final hdo/reference row) or of `parked` runs (one column
// per server).

package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
)

func reportMain(args []string) error {
	fs := flag.NewFlagSet("report", flag.ExitOnError)
	command := fs.String("command", "", "the command line that reproduces the table")
	machine := fs.String("machine", "", "a line describing the machine")
	servers := fs.String("servers", "", "a line describing the servers")
	jsonOut := fs.String("json", "", "also write every run as JSON to this file")
	_ = fs.Parse(args)
	var loads []loadRun
	var parks []parkedResult
	for _, path := range fs.Args() {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var probe struct {
			Scenario string `json:"scenario"`
		}
		if err := json.Unmarshal(b, &probe); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if probe.Scenario == "parked" {
			var p parkedResult
			if err := json.Unmarshal(b, &p); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			parks = append(parks, p)
			continue
		}
		var l loadRun
		if err := json.Unmarshal(b, &l); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		loads = append(loads, l)
	}
	w := os.Stdout
	fmt.Fprintf(w, "Command: `%s`\n\n", *command)
	if *machine != "" {
		fmt.Fprintf(w, "Machine: %s\n\n", *machine)
	}
	if *servers != "" {
		fmt.Fprintf(w, "Servers: %s\n\n", *servers)
	}
	if len(loads) > 0 {
		printLoadTable(w, loads)
	}
	if len(parks) > 0 {
		printParkedTable(w, parks)
	}
	if *jsonOut != "" {
		return writeJSON(*jsonOut, map[string]any{"command": *command, "machine": *machine, "servers": *servers,
			"load_runs": loads, "parked_runs": parks})
	}
	return nil
}

func median(v []float64) float64 {
	v = append([]float64(nil), v...)
	sort.Float64s(v)
	switch {
	case len(v) == 0:
		return math.NaN()
	case len(v)%2 == 1:
		return v[len(v)/2]
	default:
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
}

// loadRow is one server's runs, each metric the median over them.
type loadRow struct {
	server                                 string
	runs, completed, failed                int
	scheduled, dropped, late               int
	wfs, wfsMin, wfsMax                    float64
	p50, p90, p99, cpu, rss, bench, readyS float64
}

func groupLoads(loads []loadRun) []loadRow {
	var order []string
	by := map[string][]loadRun{}
	for _, l := range loads {
		if _, ok := by[l.Server]; !ok {
			order = append(order, l.Server)
		}
		by[l.Server] = append(by[l.Server], l)
	}
	var rows []loadRow
	for _, server := range order {
		runs := by[server]
		row := loadRow{server: server, runs: len(runs), wfsMin: math.Inf(1), wfsMax: math.Inf(-1)}
		pick := func(get func(loadRun) float64) float64 {
			v := make([]float64, 0, len(runs))
			for _, r := range runs {
				v = append(v, get(r))
			}
			return median(v)
		}
		for _, r := range runs {
			row.completed += r.Completed
			row.failed += r.Failed
			row.scheduled += r.Scheduled
			row.dropped += r.Dropped
			row.late += r.Late
			row.wfsMin, row.wfsMax = math.Min(row.wfsMin, r.WfPerS), math.Max(row.wfsMax, r.WfPerS)
		}
		row.wfs = pick(func(r loadRun) float64 { return r.WfPerS })
		row.p50 = pick(func(r loadRun) float64 { return r.P50Ms })
		row.p90 = pick(func(r loadRun) float64 { return r.P90Ms })
		row.p99 = pick(func(r loadRun) float64 { return r.P99Ms })
		row.cpu = pick(func(r loadRun) float64 { return r.ServerCPUSPer1000 })
		row.rss = pick(func(r loadRun) float64 { return r.PeakRSSMiB })
		row.bench = pick(func(r loadRun) float64 { return r.ClientCPUSPer1000 })
		row.readyS = pick(func(r loadRun) float64 { return r.ReadyS })
		rows = append(rows, row)
	}
	return rows
}

func printLoadTable(w io.Writer, loads []loadRun) {
	first := loads[0]
	open := first.Mode == "open"
	load := fmt.Sprintf("c=%d", first.Concurrency)
	if open {
		load = fmt.Sprintf("%g/s", first.Rate)
	}
	window := first.Duration
	if first.N > 0 {
		window = fmt.Sprintf("n=%d", first.N)
	}
	printWorkers(w, loads)
	header := "| server | scenario | mode | load | window | runs | completed | failed |"
	align := "|---|---|---|--:|--:|--:|--:|--:|"
	if open {
		header += " dropped | late |"
		align += "--:|--:|"
	}
	header += " wf/s | wf/s min–max | p50 ms | p90 ms | p99 ms | server CPU s / 1000 wf | server peak RSS MiB | bench CPU s / 1000 wf |"
	align += "--:|--:|--:|--:|--:|--:|--:|--:|"
	fmt.Fprintln(w, header)
	fmt.Fprintln(w, align)
	rows := groupLoads(loads)
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %d | %d | %d |", r.server, first.Scenario, first.Mode, load, window,
			r.runs, r.completed, r.failed)
		if open {
			fmt.Fprintf(w, " %d | %d |", r.dropped, r.late)
		}
		fmt.Fprintf(w, " %.1f | %.1f–%.1f | %.1f | %.1f | %.1f | %.3f | %.1f | %.3f |\n", r.wfs, r.wfsMin, r.wfsMax,
			r.p50, r.p90, r.p99, r.cpu, r.rss, r.bench)
	}
	// One hdo/reference row per worker: "hdo" against "reference", "hdo (Go worker)" against
	// "reference (Go worker)", and so on; the same against "hdo-base" (another build of hdo).
	againstBase := false
	for _, against := range []string{"reference", "hdo-base"} {
		for i := range rows {
			suffix, ok := strings.CutPrefix(rows[i].server, "hdo")
			if !ok || (suffix != "" && !strings.HasPrefix(suffix, " (")) {
				continue
			}
			for j := range rows {
				if rows[j].server == against+suffix {
					printRatioRow(w, "hdo/"+against+suffix, &rows[i], &rows[j], open)
					againstBase = againstBase || against == "hdo-base"
				}
			}
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Each run is one server start on a fresh database file, a warm-up with the same load (not counted), then the")
	fmt.Fprintln(w, "measured window; servers alternate run by run (hdo, reference, hdo, ...; each client its own run). A row is the")
	fmt.Fprintln(w, "median over its row's runs, each metric separately; completed and failed are totals over the runs.")
	fmt.Fprintln(w, "- load: closed loop c=C keeps C workflows started and not yet completed; open loop R/s issues starts on a fixed")
	fmt.Fprintln(w, "  schedule whatever the completions. window: the measured window's length (no start after it; the workflows")
	fmt.Fprintln(w, "  open at its end are awaited) or n=N workflows.")
	if open {
		fmt.Fprintln(w, "- dropped: scheduled starts not issued because max-in-flight workflows were open (not in the latencies);")
		fmt.Fprintln(w, "  late: starts issued more than -late (10 ms) after their scheduled time (their latency counts from the schedule).")
	}
	fmt.Fprintln(w, "- wf/s: completed workflows / time from the window's first start to its last result; min–max over the runs.")
	if open {
		fmt.Fprintln(w, "- p50/p90/p99: scheduled start time to result (coordinated omission does not hide queueing), per workflow.")
	} else {
		fmt.Fprintln(w, "- p50/p90/p99: the start call to the result (ExecuteWorkflow to WorkflowRun.Get returning; C++:")
		fmt.Fprintln(w, "  StartWorkflow to GetResult returning), per workflow.")
	}
	fmt.Fprintln(w, "- server CPU: utime+stime of the server process (/proc/PID/stat) over the window, per 1,000 completed workflows;")
	fmt.Fprintln(w, "  bench CPU: the same for the benchmark process (starters and the worker; it shares the machine with the server).")
	fmt.Fprintln(w, "- server peak RSS: VmHWM of the server process over the window (reset before it through /proc/PID/clear_refs).")
	fmt.Fprintln(w, "- hdo/reference: hdo's median divided by the reference's (above 1 is better for wf/s, below 1 for the others).")
	if againstBase {
		fmt.Fprintln(w, "- hdo/hdo-base: this build's median divided by the other build's (HDO_BASE_BIN), the same way.")
	}
	var notes []string
	for _, l := range loads {
		var n []string
		n = append(n, fmt.Sprintf("%.1f wf/s, p99 %.0f ms, server CPU %.1f s (%.0f%% in the kernel), ready %.2f s after exec, warm-up %d wf, load1 %.2f, CPU/IO stall %.0f%%/%.0f%%",
			l.WfPerS, l.P99Ms, l.ServerCPUS, 100*l.ServerSysS/max(l.ServerCPUS, 1e-9), l.ReadyS, l.WarmupDone, l.Load1, l.CPUSomePct, l.IOSomePct))
		if l.Mode == "open" {
			n = append(n, fmt.Sprintf("%d scheduled, %d dropped, %d late (max %.0f ms)", l.Scheduled, l.Dropped, l.Late, l.MaxLagMs))
		}
		if l.Failed > 0 {
			n = append(n, fmt.Sprintf("%d failed, first: %s", l.Failed, l.FirstError))
		}
		if l.SDKWarnings > 0 {
			n = append(n, fmt.Sprintf("%d SDK warnings, first: %s", l.SDKWarnings, l.SDKFirstWarn))
		}
		if l.ServerLogWarn+l.ServerLogErr > 0 {
			n = append(n, fmt.Sprintf("server log %d warn / %d error lines, first: %s", l.ServerLogWarn, l.ServerLogErr, l.ServerLogFirst))
		}
		if l.OddHistories > 0 {
			n = append(n, fmt.Sprintf("%d of %d sampled histories of unusual shape, first: %s", l.OddHistories, l.CheckedHistories, l.FirstOddHistory))
		}
		if l.SlowestMs > 0 {
			shape := "usual history"
			if !isUsualHistory(l.Scenario, l.SlowestHistory) {
				shape = truncate(l.SlowestHistory, 400)
			}
			n = append(n, fmt.Sprintf("slowest %s %.0f ms, %s", l.SlowestWorkflowID, l.SlowestMs, shape))
		}
		if !l.PeakIsPerRun {
			n = append(n, "peak RSS is the process lifetime's (clear_refs not writable)")
		}
		notes = append(notes, fmt.Sprintf("- %s run %d: %s", l.Server, l.Repeat, strings.Join(n, "; ")))
	}
	fmt.Fprintln(w, "\nRuns:")
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
}

// printWorkers prints the worker and client options: one line when every run had the same, else
// one line per SDK.
func printWorkers(w io.Writer, loads []loadRun) {
	var order []string
	by := map[string]string{}
	for _, l := range loads {
		desc := l.WorkerDesc
		if desc == "" {
			desc = l.Worker.String()
		}
		name := "Go SDK"
		if l.SDK == "cpp" {
			name = "C++ SDK"
		}
		if _, ok := by[name]; !ok {
			order = append(order, name)
			by[name] = desc
		}
	}
	if len(order) == 1 {
		fmt.Fprintf(w, "Worker (the same for every server): %s.\n\n", by[order[0]])
		return
	}
	fmt.Fprintln(w, "Workers (each the same for every server):")
	for _, name := range order {
		fmt.Fprintf(w, "- %s: %s.\n", name, by[name])
	}
	fmt.Fprintln(w)
}

func printRatioRow(w io.Writer, label string, hdo, ref *loadRow, open bool) {
	ratio := func(a, b float64) string {
		if b == 0 || math.IsNaN(a) || math.IsNaN(b) {
			return "–"
		}
		return fmt.Sprintf("**%.2f×**", a/b)
	}
	fmt.Fprintf(w, "| %s | | | | | | | |", label)
	if open {
		fmt.Fprintf(w, " | |")
	}
	fmt.Fprintf(w, " %s | | %s | %s | %s | %s | %s | %s |\n", ratio(hdo.wfs, ref.wfs), ratio(hdo.p50, ref.p50),
		ratio(hdo.p90, ref.p90), ratio(hdo.p99, ref.p99), ratio(hdo.cpu, ref.cpu), ratio(hdo.rss, ref.rss),
		ratio(hdo.bench, ref.bench))
}

func printParkedTable(w io.Writer, parks []parkedResult) {
	fmt.Fprintf(w, "Worker: %s.\n\n", parks[0].Worker)
	header, align := "| scenario (d) |", "|---|"
	for _, p := range parks {
		header += " " + p.Server + " |"
		align += "--:|"
	}
	fmt.Fprintln(w, header)
	fmt.Fprintln(w, align)
	row := func(name string, get func(parkedResult) string) {
		line := "| " + name + " |"
		for _, p := range parks {
			line += " " + get(p) + " |"
		}
		fmt.Fprintln(w, line)
	}
	f1 := func(v float64) string { return fmt.Sprintf("%.1f", v) }
	row("workflows started (start errors)", func(p parkedResult) string { return fmt.Sprintf("%d (%d)", p.Started, p.StartErrors) })
	row("timer", func(p parkedResult) string { return p.Timer })
	row("starts/s (start calls in flight)", func(p parkedResult) string { return fmt.Sprintf("%.0f (%d)", p.StartsPerS, p.StartConc) })
	row("first start to all on their timer, s", func(p parkedResult) string { return f1(p.ParkedS) })
	row("sample on its timer (server)", func(p parkedResult) string { return fmt.Sprintf("%d/%d", p.Confirmed, p.Sampled) })
	row("server CPU s, starting and parking", func(p parkedResult) string { return f1(p.ParkCPUS) })
	row("server RSS MiB with N open (VmRSS)", func(p parkedResult) string { return f1(p.RSSMiB) })
	row("server peak RSS MiB since start (VmHWM)", func(p parkedResult) string { return f1(p.HWMMiB) })
	row("database file + WAL, MiB", func(p parkedResult) string { return fmt.Sprintf("%.1f + %.1f", p.DBMiB, p.WALMiB) })
	row("first start: exec to ready, s", func(p parkedResult) string { return fmt.Sprintf("%.2f", p.ColdReadyS) })
	row("**kill -9, restart: exec to ready, s**", func(p parkedResult) string { return fmt.Sprintf("**%.2f**", p.RestartReadyS) })
	row("server RSS MiB at ready after restart", func(p parkedResult) string { return f1(p.RestartRSSMiB) })
	row("open / completed after restart (visibility)", func(p parkedResult) string {
		return fmt.Sprintf("%d / %d", p.OpenAfterRestart, p.DoneAfterRestart)
	})
	row("woke before the kill", func(p parkedResult) string { return fmt.Sprintf("%d", p.WokeBeforeKill) })
	row("timers fired (worker saw the wake-up)", func(p parkedResult) string {
		if !p.FireChecked {
			return "not checked"
		}
		return fmt.Sprintf("%d/%d", p.Woke, p.Started)
	})
	row("completed / open at the end (visibility)", func(p parkedResult) string {
		if !p.FireChecked {
			return "–"
		}
		return fmt.Sprintf("%d / %d", p.CompletedEnd, p.OpenEnd)
	})
	row("wake-up after due p50 / p99 / max, ms", func(p parkedResult) string {
		if !p.FireChecked {
			return "–"
		}
		return fmt.Sprintf("%.0f / %.0f / %.0f", p.LateP50Ms, p.LateP99Ms, p.LateMaxMs)
	})
	row("TimerFired event after due (server): sample p50 / max; the latest wake-up's, ms", func(p parkedResult) string {
		if !p.FireChecked {
			return "–"
		}
		return fmt.Sprintf("%.0f / %.0f; %.0f", p.FiredSampleP50Ms, p.FiredSampleMaxMs, p.LatestFiredMs)
	})
	row("last wake-up after the last due time, s", func(p parkedResult) string {
		if !p.FireChecked {
			return "–"
		}
		return fmt.Sprintf("%.1f", p.LastWokeAfterDueS)
	})
	row("server RSS / peak MiB at the end", func(p parkedResult) string { return fmt.Sprintf("%.1f / %.1f", p.EndRSSMiB, p.EndHWMMiB) })
	row("bench process: CPU s, peak RSS MiB", func(p parkedResult) string { return fmt.Sprintf("%.1f, %.0f", p.BenchCPUS, p.BenchHWMMiB) })
	row("server log warn / error lines", func(p parkedResult) string { return fmt.Sprintf("%d / %d", p.ServerLogWarn, p.ServerLogErr) })
	row("SDK warnings before the kill / in all", func(p parkedResult) string {
		return fmt.Sprintf("%d / %d", p.SDKWarnBeforeKill, p.SDKWarnings)
	})
	fmt.Fprintln(w)
	fmt.Fprintln(w, "N workflows each sleep on one timer. Started with a fixed number of start calls in flight; \"on their timer\" = the")
	fmt.Fprintln(w, "worker ran every first workflow task and a sample of 100 (the last 50 started and random others) shows, through")
	fmt.Fprintln(w, "DescribeWorkflowExecution, a running workflow with its first workflow task completed and none pending. RSS is")
	fmt.Fprintln(w, "read from /proc/PID/status. Then kill -9 and a restart on the same file: exec to ready = until the gRPC health")
	fmt.Fprintln(w, "check of the workflow service answers SERVING and DescribeNamespace succeeds (polled every 10 ms). The worker")
	fmt.Fprintln(w, "keeps running through the restart. Wake-up after due = the start time of the workflow task that saw TimerFired")
	fmt.Fprintln(w, "minus the timer's due time (both the server's clock: it includes waiting for the worker); TimerFired after due =")
	fmt.Fprintln(w, "the history's TimerFired event time minus the due time, over the sample and for the latest wake-up. The timers")
	fmt.Fprintln(w, "are only awaited when the last is due within --fire-wait of the restart.")
	for _, p := range parks {
		var n []string
		if p.FireNote != "" {
			n = append(n, "timers: "+p.FireNote)
		}
		if p.CountNote != "" {
			n = append(n, "count after restart"+p.CountNote)
		}
		if p.FirstError != "" {
			n = append(n, "first start error: "+p.FirstError)
		}
		if p.ServerLogFirst != "" {
			n = append(n, "first server log problem: "+p.ServerLogFirst)
		}
		if p.SDKFirstWarn != "" {
			n = append(n, "first SDK warning: "+p.SDKFirstWarn)
		}
		if len(n) > 0 {
			fmt.Fprintf(w, "- %s: %s\n", p.Server, strings.Join(n, "; "))
		}
	}
}
