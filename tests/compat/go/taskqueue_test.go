package compat

// DescribeTaskQueue as the temporal CLI and the Go SDK ask for it: the legacy mode with the
// queue's status (the CLI's `task-queue describe --legacy-mode` dereferences it) and stats, and
// the enhanced mode (the CLI's default, the SDK's DescribeTaskQueueEnhanced) with the unversioned
// queue's pollers and stats per task type. Runs on hdo and on the reference (HDO_TARGET); the
// reference serves stats from a cache refreshed every few seconds, hence the waits.

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
)

func TestDescribeTaskQueueReportsTheBacklogStatsAndPollers(t *testing.T) {
	hostPort := hdotest.Target(t)
	c, err := client.Dial(client.Options{HostPort: hostPort, Namespace: "default"})
	if err != nil {
		t.Fatalf("client.Dial(%s): %v", hostPort, err)
	}
	defer c.Close()
	queue := fmt.Sprintf("described-%d", time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// Three workflows and no worker: three workflow tasks wait.
	var runs []client.WorkflowRun
	for i := 0; i < 3; i++ {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: fmt.Sprintf("%s-%d", queue, i), TaskQueue: queue}, Greet, "queue")
		if err != nil {
			t.Fatalf("ExecuteWorkflow: %v", err)
		}
		runs = append(runs, run)
	}

	legacy := func(kind enumspb.TaskQueueType) (*workflowservice.DescribeTaskQueueResponse, error) {
		return c.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
			Namespace:              "default",
			TaskQueue:              &taskqueuepb.TaskQueue{Name: queue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
			TaskQueueType:          kind,
			IncludeTaskQueueStatus: true,
			ReportStats:            true,
		})
	}
	hdotest.Eventually(t, 15*time.Second, func() error {
		described, err := legacy(enumspb.TASK_QUEUE_TYPE_WORKFLOW)
		if err != nil {
			return err
		}
		if described.GetTaskQueueStatus() == nil {
			return fmt.Errorf("no task_queue_status although include_task_queue_status was set")
		}
		if got := described.GetStats().GetApproximateBacklogCount(); got != 3 {
			return fmt.Errorf("legacy stats: backlog %d, want 3", got)
		}
		if described.GetStats().GetTasksAddRate() <= 0 {
			return fmt.Errorf("legacy stats: add rate %v after three tasks were added", described.GetStats().GetTasksAddRate())
		}
		if described.GetStats().GetApproximateBacklogAge().AsDuration() <= 0 {
			return fmt.Errorf("legacy stats: backlog age %v with tasks waiting", described.GetStats().GetApproximateBacklogAge())
		}
		return nil
	})

	enhanced := func() (client.TaskQueueTypeInfo, client.TaskQueueTypeInfo, error) {
		described, err := c.DescribeTaskQueueEnhanced(ctx, client.DescribeTaskQueueEnhancedOptions{
			TaskQueue: queue, ReportPollers: true, ReportStats: true})
		if err != nil {
			return client.TaskQueueTypeInfo{}, client.TaskQueueTypeInfo{}, err
		}
		unversioned, ok := described.VersionsInfo[client.UnversionedBuildID]
		if !ok {
			return client.TaskQueueTypeInfo{}, client.TaskQueueTypeInfo{}, fmt.Errorf("no unversioned entry in %v", described.VersionsInfo)
		}
		return unversioned.TypesInfo[client.TaskQueueTypeWorkflow], unversioned.TypesInfo[client.TaskQueueTypeActivity], nil
	}
	hdotest.Eventually(t, 15*time.Second, func() error {
		workflows, activities, err := enhanced()
		if err != nil {
			return err
		}
		if workflows.Stats == nil || workflows.Stats.ApproximateBacklogCount != 3 {
			return fmt.Errorf("enhanced workflow stats %+v, want a backlog of 3", workflows.Stats)
		}
		if activities.Stats == nil || activities.Stats.ApproximateBacklogCount != 0 {
			return fmt.Errorf("enhanced activity stats %+v, want an empty backlog", activities.Stats)
		}
		return nil
	})

	// The CLI's own views of it: neither may fail (the legacy one used to crash on a missing
	// status).
	legacyRun := cliSucceeds(t, hostPort, "default", "task-queue", "describe", "--task-queue", queue, "--legacy-mode", "-o", "json")
	var legacyOut struct {
		TaskQueues []struct {
			BacklogCountHint json.Number `json:"backlog_count_hint"`
		} `json:"taskQueues"`
	}
	if err := json.Unmarshal([]byte(legacyRun.stdout), &legacyOut); err != nil || len(legacyOut.TaskQueues) == 0 {
		t.Fatalf("legacy describe output: %v\n%v", err, legacyRun)
	}
	cliSucceeds(t, hostPort, "default", "task-queue", "describe", "--task-queue", queue)

	// A worker drains the queue: its pollers are listed for both task types, the backlog is
	// gone, and tasks were dispatched.
	w := worker.New(c, queue, worker.Options{Identity: "describe-worker"})
	w.RegisterWorkflow(Greet)
	if err := w.Start(); err != nil {
		t.Fatalf("worker.Start: %v", err)
	}
	defer w.Stop()
	for _, run := range runs {
		var greeting string
		if err := run.Get(ctx, &greeting); err != nil {
			t.Fatalf("run.Get: %v", err)
		}
	}
	hdotest.Eventually(t, 15*time.Second, func() error {
		workflows, activities, err := enhanced()
		if err != nil {
			return err
		}
		for name, info := range map[string]client.TaskQueueTypeInfo{"workflow": workflows, "activity": activities} {
			found := false
			for _, poller := range info.Pollers {
				found = found || poller.Identity == "describe-worker"
			}
			if !found {
				return fmt.Errorf("%s pollers %+v do not list describe-worker", name, info.Pollers)
			}
		}
		if workflows.Stats == nil || workflows.Stats.ApproximateBacklogCount != 0 || workflows.Stats.TasksDispatchRate <= 0 {
			return fmt.Errorf("enhanced workflow stats %+v, want no backlog and a dispatch rate", workflows.Stats)
		}
		return nil
	})
}
