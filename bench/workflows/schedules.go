package main

// The schedules benchmark's client (bench/schedules drives it): `schedules create` creates N
// schedules (an hourly interval, a workflow nobody polls) with C Create calls in flight and
// prints what it measured as one JSON object; `schedules wait` polls DescribeSchedule of one
// schedule until it answers (a restarted server serves its schedules again) and prints how long
// that took. Nothing is asserted.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
)

type schedulesCreated struct {
	Created  int64   `json:"created"`
	Failed   int64   `json:"failed"`
	Seconds  float64 `json:"seconds"`
	PerSec   float64 `json:"creates_per_second"`
	FirstErr string  `json:"first_error,omitempty"`
}

func schedulesMain(args []string) error {
	if len(args) < 1 {
		return fmt.Errorf("usage: workflows schedules create|wait [flags]")
	}
	flags := flag.NewFlagSet("schedules "+args[0], flag.ContinueOnError)
	address := flags.String("address", "127.0.0.1:7233", "the server's gRPC address")
	namespace := flags.String("namespace", "default", "namespace")
	n := flags.Int("n", 10000, "schedules to create (create)")
	concurrency := flags.Int("c", 50, "Create calls in flight (create)")
	id := flags.String("id", "", "the schedule to wait for (wait)")
	timeout := flags.Duration("timeout", 5*time.Minute, "how long to wait (wait)")
	if err := flags.Parse(args[1:]); err != nil {
		return err
	}
	quiet := sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	options := client.Options{HostPort: *address, Namespace: *namespace, Logger: quiet}
	switch args[0] {
	case "create":
		c, err := client.Dial(options)
		if err != nil {
			return err
		}
		defer c.Close()
		return createSchedules(c, *n, *concurrency)
	case "wait":
		// From the moment the server process exists: dialing fails until it listens.
		start := time.Now()
		deadline := start.Add(*timeout)
		var c client.Client
		for {
			var err error
			if c == nil {
				c, err = client.Dial(options)
			}
			if c != nil {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				_, err = c.ScheduleClient().GetHandle(ctx, *id).Describe(ctx)
				cancel()
				if err == nil {
					c.Close()
					fmt.Printf("{\"seconds\": %.3f}\n", time.Since(start).Seconds())
					return nil
				}
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("schedule %q not described within %v: %v", *id, *timeout, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return fmt.Errorf("unknown schedules subcommand %q (create or wait)", args[0])
}

func createSchedules(c client.Client, n, concurrency int) error {
	var next, failed int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := atomic.AddInt64(&next, 1)
				if i > int64(n) {
					return
				}
				_, err := c.ScheduleClient().Create(context.Background(), client.ScheduleOptions{
					ID:     fmt.Sprintf("bench-schedule-%d", i),
					Spec:   client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Hour}}},
					Action: &client.ScheduleWorkflowAction{ID: fmt.Sprintf("bench-scheduled-%d", i), Workflow: "Nightly", TaskQueue: "nobody-polls"},
				})
				if err != nil {
					atomic.AddInt64(&failed, 1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	out := schedulesCreated{Created: int64(n) - failed, Failed: failed, Seconds: elapsed, PerSec: float64(int64(n)-failed) / elapsed}
	if e, ok := firstErr.Load().(string); ok {
		out.FirstErr = e
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}
