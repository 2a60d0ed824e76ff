// Goal: a worker's TaskQueueActivitiesPerSecond limits how fast the server hands out the queue's
// activity tasks, across everything scheduled at once: six activities started together by one
// workflow begin no faster than the limit allows (a burst of ceil(rate), then one per 1/rate
// seconds), and a worker without a limit on another queue starts them all at once. Method: a
// real hdo (or HDO_TARGET, e.g. the reference), the Go SDK's client and worker; each activity
// returns when it began. Only lower bounds on time are asserted.
package compat

import (
	"context"
	"sort"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

func BeganAt(ctx context.Context, i int) (time.Time, error) { return time.Now(), nil }

// FanOutActivities starts n BeganAt activities together and returns their start times.
func FanOutActivities(ctx workflow.Context, n int) ([]time.Time, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	futures := make([]workflow.Future, n)
	for i := range futures {
		futures[i] = workflow.ExecuteActivity(ctx, BeganAt, i)
	}
	began := make([]time.Time, n)
	for i, f := range futures {
		if err := f.Get(ctx, &began[i]); err != nil {
			return nil, err
		}
	}
	return began, nil
}

// spread runs FanOutActivities(6) on a fresh queue served by a worker with `options`, and
// returns how long after the first activity began the last one did.
func spread(t *testing.T, c client.Client, queue string, options worker.Options) time.Duration {
	t.Helper()
	w := worker.New(c, queue, options)
	w.RegisterWorkflow(FanOutActivities)
	w.RegisterActivity(BeganAt)
	if err := w.Start(); err != nil {
		t.Fatalf("worker.Start: %v", err)
	}
	defer w.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: queue, TaskQueue: queue}, FanOutActivities, 6)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	var began []time.Time
	if err := run.Get(ctx, &began); err != nil {
		t.Fatalf("result: %v", err)
	}
	sort.Slice(began, func(i, j int) bool { return began[i].Before(began[j]) })
	return began[len(began)-1].Sub(began[0])
}

func TestTaskQueueActivitiesPerSecondSpacesTheActivitiesOfTheQueue(t *testing.T) {
	c := dialTarget(t)
	suffix := time.Now().Format("150405.000")
	// Rate 2: the first two at once, then one every 500 ms: the sixth two seconds after the first.
	limited := spread(t, c, "rate-limited-"+suffix, worker.Options{TaskQueueActivitiesPerSecond: 2})
	if limited < 1800*time.Millisecond {
		t.Errorf("with TaskQueueActivitiesPerSecond 2, six activities began within %v of each other; want at least 2s", limited)
	}
	// The same without a limit (the control: the spacing above is the limit's doing).
	free := spread(t, c, "rate-free-"+suffix, worker.Options{})
	if free >= 1800*time.Millisecond {
		t.Errorf("without a limit, six activities took %v to begin; the test cannot tell the limit apart", free)
	}
	t.Logf("last activity began %v after the first with the limit, %v without", limited, free)
}
