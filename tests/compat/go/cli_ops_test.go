// Goal: the reference `temporal` CLI (v1.5.1) works unchanged for batch jobs and the activity
// operator calls: `workflow terminate --query` starts a batch job whose id it prints, `batch
// describe` / `batch list` report it done with its counts, type and reason; `activity pause`
// parks a running activity's retry and `activity unpause` runs it. Method: the CLI binary
// (hdotest.TemporalCLI) against hdotest.Target in the default namespace, workflows and a worker
// from the Go SDK. Every wait is bounded.
package compat

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/sdk/client"
)

func TestBatchAndActivityCommandsWithTheTemporalCLI(t *testing.T) {
	hostPort := hdotest.Target(t)
	c, err := client.Dial(client.Options{HostPort: hostPort, Namespace: "default"})
	if err != nil {
		t.Fatalf("client.Dial(%s): %v", hostPort, err)
	}
	t.Cleanup(c.Close)
	a := newActivityOpsTestOn(t, c)
	cli := func(args ...string) cliRun { t.Helper(); return cliSucceeds(t, hostPort, "default", args...) }

	// Activity pause and unpause.
	id := "cli-pause-" + a.queue
	run := a.start(id, "HeartbeatsUntilPaused", time.Second)
	a.waitPending(id, "the first attempt to run", func(p *workflowpb.PendingActivityInfo) bool {
		return p.GetState() == enumspb.PENDING_ACTIVITY_STATE_STARTED
	})
	cli("activity", "pause", "--workflow-id", id, "--activity-id", "the-activity")
	parked := a.waitPending(id, "the retry to be parked", func(p *workflowpb.PendingActivityInfo) bool {
		return p.GetState() == enumspb.PENDING_ACTIVITY_STATE_PAUSED
	})
	// The CLI pauses as itself ("temporal-cli:<user>@<host>").
	if parked.GetPauseInfo().GetManual().GetIdentity() == "" || parked.GetAttempt() != 2 {
		t.Fatalf("paused by %v", parked.GetPauseInfo())
	}
	cli("activity", "unpause", "--workflow-id", id, "--activity-id", "the-activity")
	var result string
	if err := run.Get(a.ctx, &result); err != nil || result != "done at attempt 2" {
		t.Fatalf("result %q (%v)", result, err)
	}

	// A batch terminate by query, described and listed.
	b := &batchTest{t: t, c: a.c, ctx: a.ctx, suffix: a.queue}
	workflowType := "CliBatchTarget" + b.suffix
	targets := b.startTargets(workflowType, 3)
	started := cli("workflow", "terminate", "--query", fmt.Sprintf("WorkflowType = '%s'", workflowType),
		"--reason", "cli clean up", "--yes", "-o", "json")
	var job struct {
		BatchJobID string `json:"batchJobId"`
	}
	if err := json.Unmarshal([]byte(started.stdout), &job); err != nil || job.BatchJobID == "" {
		t.Fatalf("workflow terminate --query: %v\n%v", err, started)
	}
	var described struct {
		OperationType          string `json:"operationType"`
		State                  string `json:"state"`
		TotalOperationCount    string `json:"totalOperationCount"`
		CompleteOperationCount string `json:"completeOperationCount"`
		Reason                 string `json:"reason"`
	}
	hdotest.Eventually(t, 30*time.Second, func() error {
		out := cli("batch", "describe", "--job-id", job.BatchJobID, "-o", "json")
		if err := json.Unmarshal([]byte(out.stdout), &described); err != nil {
			return fmt.Errorf("batch describe: %v\n%v", err, out)
		}
		if described.State != "BATCH_OPERATION_STATE_COMPLETED" {
			return fmt.Errorf("job state %s", described.State)
		}
		return nil
	})
	if described.OperationType != "BATCH_OPERATION_TYPE_TERMINATE" || described.TotalOperationCount != "3" ||
		described.CompleteOperationCount != "3" || described.Reason != "cli clean up" {
		t.Fatalf("batch describe: %+v", described)
	}
	for _, target := range targets {
		if got := describeStatus(t, a.c, target.GetID(), target.GetRunID()); got != enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED {
			t.Fatalf("%s is %v", target.GetID(), got)
		}
	}
	hdotest.Eventually(t, 30*time.Second, func() error {
		out := cli("batch", "list", "-o", "json")
		var listed []struct {
			JobID string `json:"jobId"`
			State string `json:"state"`
		}
		if err := json.Unmarshal([]byte(out.stdout), &listed); err != nil {
			return fmt.Errorf("batch list: %v\n%v", err, out)
		}
		for _, entry := range listed {
			if entry.JobID == job.BatchJobID && entry.State == "BATCH_OPERATION_STATE_COMPLETED" {
				return nil
			}
		}
		return fmt.Errorf("job %s not listed as completed: %v", job.BatchJobID, listed)
	})
}
