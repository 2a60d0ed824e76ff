// Goal: task queue configuration works as on the reference: `temporal task-queue config set`
// stores a queue rate limit (and the fairness key default) with who set it, when and why, and
// `config get` reads it back; DescribeTaskQueue reports it and the effective rate limit with its
// source (API over the workers' over the system's); the configured rate paces an activity queue
// in place of the workers' TaskQueueActivitiesPerSecond, and unsetting it gives the workers'
// back; what the reference refuses (a rate on a workflow queue, a negative rate) is refused with
// its words and changes nothing. Method: the reference CLI and the Go SDK against a fresh hdo
// (or HDO_TARGET, e.g. the reference dev server). Only lower bounds on time are asserted.
package compat

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/worker"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
)

func TestTaskQueueConfigSetsAndPacesTheQueueRateLimit(t *testing.T) {
	hostPort := hdotest.Target(t)
	c := dialAt(t, hostPort)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	queue := fmt.Sprintf("tq-config-%d", time.Now().UnixNano())
	describe := func(kind enumspb.TaskQueueType) *workflowservice.DescribeTaskQueueResponse {
		t.Helper()
		described, err := c.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
			Namespace: "default", TaskQueue: &taskqueuepb.TaskQueue{Name: queue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
			TaskQueueType: kind, ReportConfig: true})
		if err != nil {
			t.Fatalf("DescribeTaskQueue: %v", err)
		}
		return described
	}

	// Nothing set yet.
	if got := cliSucceeds(t, hostPort, "default", "task-queue", "config", "get", "-t", queue, "--task-queue-type", "activity"); !strings.Contains(got.stdout, "No configuration found") {
		t.Fatalf("config get before any set: %v", got)
	}
	if config := describe(enumspb.TASK_QUEUE_TYPE_ACTIVITY).GetConfig(); config != nil {
		t.Fatalf("config before any set = %v; want none", config)
	}

	// Set through the CLI, read back through the CLI and DescribeTaskQueue.
	cliSucceeds(t, hostPort, "default", "task-queue", "config", "set", "-t", queue, "--task-queue-type", "activity",
		"--queue-rps-limit", "2", "--queue-rps-limit-reason", "slow down",
		"--fairness-key-rps-limit-default", "7", "--fairness-key-rps-limit-reason", "fair")
	got := cliSucceeds(t, hostPort, "default", "task-queue", "config", "get", "-t", queue, "--task-queue-type", "activity", "-o", "json")
	var read struct {
		QueueRateLimit struct {
			RateLimit struct {
				RequestsPerSecond float64 `json:"requestsPerSecond"`
			} `json:"rateLimit"`
			Metadata struct {
				Reason         string `json:"reason"`
				UpdateIdentity string `json:"updateIdentity"`
				UpdateTime     string `json:"updateTime"`
			} `json:"metadata"`
		} `json:"queueRateLimit"`
		FairnessKeysRateLimitDefault struct {
			RateLimit struct {
				RequestsPerSecond float64 `json:"requestsPerSecond"`
			} `json:"rateLimit"`
		} `json:"fairnessKeysRateLimitDefault"`
	}
	if err := json.Unmarshal([]byte(got.stdout), &read); err != nil {
		t.Fatalf("config get -o json: %v\n%v", err, got)
	}
	if read.QueueRateLimit.RateLimit.RequestsPerSecond != 2 || read.QueueRateLimit.Metadata.Reason != "slow down" ||
		!strings.HasPrefix(read.QueueRateLimit.Metadata.UpdateIdentity, "temporal-cli:") || read.QueueRateLimit.Metadata.UpdateTime == "" ||
		read.FairnessKeysRateLimitDefault.RateLimit.RequestsPerSecond != 7 {
		t.Fatalf("config get = %+v; want rate 2 (slow down, by the CLI) and fairness default 7", read)
	}
	described := describe(enumspb.TASK_QUEUE_TYPE_ACTIVITY)
	if rate := described.GetConfig().GetQueueRateLimit().GetRateLimit().GetRequestsPerSecond(); rate != 2 {
		t.Fatalf("described config rate = %v; want 2", rate)
	}
	if effective := described.GetEffectiveRateLimit(); effective.GetRateLimitSource() != enumspb.RATE_LIMIT_SOURCE_API {
		t.Fatalf("effective rate limit = %v; want one set by the API", effective)
	}
	// Another type of the same queue has its own configuration.
	if config := describe(enumspb.TASK_QUEUE_TYPE_NEXUS).GetConfig(); config != nil {
		t.Fatalf("nexus config = %v; want none", config)
	}

	// What the reference refuses, in its words; nothing changes.
	refused := []struct {
		request *workflowservice.UpdateTaskQueueConfigRequest
		want    string
	}{
		{&workflowservice.UpdateTaskQueueConfigRequest{TaskQueueType: enumspb.TASK_QUEUE_TYPE_WORKFLOW,
			UpdateQueueRateLimit: &workflowservice.UpdateTaskQueueConfigRequest_RateLimitUpdate{RateLimit: &taskqueuepb.RateLimit{RequestsPerSecond: 1}}},
			"Setting rate limit on workflow task queues is not allowed."},
		{&workflowservice.UpdateTaskQueueConfigRequest{TaskQueueType: enumspb.TASK_QUEUE_TYPE_ACTIVITY,
			UpdateQueueRateLimit: &workflowservice.UpdateTaskQueueConfigRequest_RateLimitUpdate{RateLimit: &taskqueuepb.RateLimit{RequestsPerSecond: -1}}},
			"RequestsPerSecond for UpdateQueueRateLimit rate limit must be non-negative."},
	}
	for _, r := range refused {
		r.request.Namespace, r.request.TaskQueue, r.request.Identity = "default", queue, "compat"
		_, err := c.WorkflowService().UpdateTaskQueueConfig(ctx, r.request)
		if err == nil || !strings.Contains(err.Error(), r.want) {
			t.Errorf("UpdateTaskQueueConfig(%v) = %v; want InvalidArgument %q", r.request, err, r.want)
		}
	}
	if rate := describe(enumspb.TASK_QUEUE_TYPE_ACTIVITY).GetConfig().GetQueueRateLimit().GetRateLimit().GetRequestsPerSecond(); rate != 2 {
		t.Fatalf("rate after refused updates = %v; want 2 still", rate)
	}

	// The configured rate paces the queue, whatever the worker asks for (it asks for none).
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflow(FanOutActivities)
	w.RegisterActivity(BeganAt)
	if err := w.Start(); err != nil {
		t.Fatalf("worker.Start: %v", err)
	}
	defer w.Stop()
	limited := spreadOn(t, c, queue, queue+"-limited")
	if limited < 1800*time.Millisecond {
		t.Errorf("with the queue rate limit 2, six activities began within %v of each other; want at least 2s", limited)
	}
	// Unset ("default"): the worker's (none) again.
	cliSucceeds(t, hostPort, "default", "task-queue", "config", "set", "-t", queue, "--task-queue-type", "activity",
		"--queue-rps-limit", "default")
	described = describe(enumspb.TASK_QUEUE_TYPE_ACTIVITY)
	if described.GetConfig().GetQueueRateLimit().GetRateLimit() != nil ||
		described.GetConfig().GetFairnessKeysRateLimitDefault().GetRateLimit().GetRequestsPerSecond() != 7 {
		t.Fatalf("config after unsetting the queue rate = %v; want no rate and the fairness default kept", described.GetConfig())
	}
	hdotest.Eventually(t, 10*time.Second, func() error {
		if source := describe(enumspb.TASK_QUEUE_TYPE_ACTIVITY).GetEffectiveRateLimit().GetRateLimitSource(); source == enumspb.RATE_LIMIT_SOURCE_API {
			return fmt.Errorf("effective rate limit still from the API")
		}
		return nil
	})
	free := spreadOn(t, c, queue, queue+"-free")
	t.Logf("last activity began %v after the first with the queue rate limit, %v after it was unset", limited, free)
}
