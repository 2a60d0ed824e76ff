// Goal: a worker's TaskQueueActivitiesPerSecond limits how fast the server hands out the queue's
// activity tasks, across everything scheduled at once: six activities started together by one
// workflow begin no faster than the limit allows (a burst of ceil(rate), then one per 1/rate
// seconds), and a worker without a limit on another queue starts them all at once. Method: a
// real hdo (or HDO_TARGET, e.g. the reference), the Go SDK's client and worker; each activity
// returns when it began. Only lower bounds on time are asserted.
package compat

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
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

// spreadOn runs FanOutActivities(6) on `queue` (served by an unlimited worker) and returns how
// long after the first activity began the last one did.
func spreadOn(t *testing.T, c client.Client, queue, id string) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue}, FanOutActivities, 6)
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
	return spreadOn(t, c, queue, queue)
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

// Goal: DescribeTaskQueue lists each poller with the rate it asked for: an activity poller's
// TaskQueueActivitiesPerSecond, and the reference's default of 100,000 a second for a poller
// that sent none (every workflow poller). Method: a Go SDK worker with the limit set, described
// through the raw API until its pollers show.
func TestDescribeTaskQueueListsTheRateEachPollerAskedFor(t *testing.T) {
	c := dialTarget(t)
	queue := fmt.Sprintf("described-rate-%d", time.Now().UnixNano())
	w := worker.New(c, queue, worker.Options{TaskQueueActivitiesPerSecond: 2.5})
	w.RegisterWorkflow(FanOutActivities)
	w.RegisterActivity(BeganAt)
	if err := w.Start(); err != nil {
		t.Fatalf("worker.Start: %v", err)
	}
	defer w.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rates := func(kind enumspb.TaskQueueType) ([]float64, error) {
		described, err := c.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
			Namespace: "default", TaskQueue: &taskqueuepb.TaskQueue{Name: queue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
			TaskQueueType: kind})
		if err != nil {
			return nil, err
		}
		var got []float64
		for _, poller := range described.GetPollers() {
			got = append(got, poller.GetRatePerSecond())
		}
		if len(got) == 0 {
			return nil, fmt.Errorf("no pollers listed yet")
		}
		return got, nil
	}
	for _, want := range []struct {
		kind enumspb.TaskQueueType
		rate float64
	}{{enumspb.TASK_QUEUE_TYPE_ACTIVITY, 2.5}, {enumspb.TASK_QUEUE_TYPE_WORKFLOW, 100000}} {
		hdotest.Eventually(t, 10*time.Second, func() error {
			got, err := rates(want.kind)
			if err != nil {
				return err
			}
			for _, rate := range got {
				if rate != want.rate {
					return fmt.Errorf("%v pollers list rates %v; want %v", want.kind, got, want.rate)
				}
			}
			return nil
		})
	}
}
