//go:build crash

// The crash safety of batch operations: a signal job over more targets than one page of its
// listing (1,000) is running at the namespace's rate when the server is killed with SIGKILL, and
// the server restarts on the same store and port. Checked after the restart: the acknowledged job
// is there, still running, and goes on from the page it was on to COMPLETED with every target
// counted once (complete = total = the targets, none failed), and every target holds exactly one
// signal from the job (the page worked through again sends signals with the same request ids,
// which a workflow takes once).
//
// Same servers as TestCrashKill9WithWorkInFlight: HDO_BIN (hdo, the default), or
// HDO_CRASH_SERVER=reference, which promises at least one signal per target only: in one run
// (kill after about 440) it signalled 452 of the 1,050 targets twice, so there the check is
// "at least one". The kill lands after a random number of the first page's signals
// (HDO_CRASH_SEED repeats it).
package crash

import (
	"context"
	"fmt"
	mrand "math/rand"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	batchpb "go.temporal.io/api/batch/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

const (
	// batchTargets spans two pages of the job's listing.
	batchTargets = 1050
	batchSignal  = "batch-crash-poke"
	// batchDoneLatest bounds the wait for the job to finish after the restart (the namespace's
	// 50 operations per second: about 21 s for the targets).
	batchDoneLatest = 3 * time.Minute
)

func TestBatchCrashKill9ResumesTheJob(t *testing.T) {
	srv := newServer(t)
	c := dial(t, srv.hostPort, "batch-crash")
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	run := randomHex(4)
	workflowType := "BatchCrashTarget" + run
	for i := 0; i < batchTargets; i++ {
		_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID:        fmt.Sprintf("batch-crash-%s-%04d", run, i),
			TaskQueue: "batch-crash-nobody-" + run,
		}, workflowType)
		if err != nil {
			t.Fatalf("start target %d: %v", i, err)
		}
	}
	query := fmt.Sprintf("WorkflowType = '%s'", workflowType)
	hdotest.Eventually(t, 60*time.Second, func() error {
		counted, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
		if err != nil {
			return err
		}
		if counted.GetCount() != batchTargets {
			return fmt.Errorf("%d targets listed, want %d", counted.GetCount(), batchTargets)
		}
		return nil
	})

	jobID := "batch-crash-" + run
	_, err := c.WorkflowService().StartBatchOperation(ctx, &workflowservice.StartBatchOperationRequest{
		Namespace:       namespace,
		JobId:           jobID,
		VisibilityQuery: query,
		Reason:          "crash test",
		Operation: &workflowservice.StartBatchOperationRequest_SignalOperation{
			SignalOperation: &batchpb.BatchOperationSignal{Signal: batchSignal, Identity: "batch-crash"},
		},
	})
	if err != nil {
		t.Fatalf("StartBatchOperation: %v", err)
	}
	describe := func() (*workflowservice.DescribeBatchOperationResponse, error) {
		dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
		defer dcancel()
		return c.WorkflowService().DescribeBatchOperation(dctx,
			&workflowservice.DescribeBatchOperationRequest{Namespace: namespace, JobId: jobID})
	}

	// Kill somewhere in the first page: after 50 to 650 targets.
	seed := envInt(t, "HDO_CRASH_SEED", time.Now().UnixNano())
	killAfter := int64(50 + mrand.New(mrand.NewSource(seed)).Intn(600))
	t.Logf("seed %d (HDO_CRASH_SEED=%d repeats the plan): kill after about %d targets", seed, seed, killAfter)
	hdotest.Eventually(t, 60*time.Second, func() error {
		signalled := 0
		for i := 0; i < batchTargets && int64(signalled) < killAfter; i += 25 {
			if signalCount(ctx, t, c, fmt.Sprintf("batch-crash-%s-%04d", run, i)) > 0 {
				signalled += 25
			}
		}
		if int64(signalled) < killAfter {
			return fmt.Errorf("about %d targets signalled, waiting for %d", signalled, killAfter)
		}
		return nil
	})
	srv.kill9(t)
	srv.start(t)

	described, err := describe()
	if err != nil {
		t.Fatalf("DescribeBatchOperation after the restart: %v", err)
	}
	if described.GetState() == enumspb.BATCH_OPERATION_STATE_FAILED {
		t.Fatalf("the job failed across the restart: %v", described)
	}
	hdotest.Eventually(t, batchDoneLatest, func() error {
		d, err := describe()
		if err != nil {
			return err
		}
		described = d
		if d.GetState() == enumspb.BATCH_OPERATION_STATE_RUNNING {
			return fmt.Errorf("still running: %d of %d", d.GetCompleteOperationCount(), d.GetTotalOperationCount())
		}
		return nil
	})
	if described.GetState() != enumspb.BATCH_OPERATION_STATE_COMPLETED ||
		described.GetTotalOperationCount() != batchTargets ||
		described.GetCompleteOperationCount() != batchTargets || described.GetFailureOperationCount() != 0 {
		t.Fatalf("after the restart the job ended %v with total/complete/failed %d/%d/%d, want COMPLETED %d/%d/0",
			described.GetState(), described.GetTotalOperationCount(), described.GetCompleteOperationCount(),
			described.GetFailureOperationCount(), batchTargets, batchTargets)
	}
	exactlyOnce := srv.kind == "hdo"
	var wrong []string
	twice := 0
	for i := 0; i < batchTargets; i++ {
		id := fmt.Sprintf("batch-crash-%s-%04d", run, i)
		n := signalCount(ctx, t, c, id)
		if n > 1 {
			twice++
		}
		if n == 0 || (exactlyOnce && n != 1) {
			wrong = append(wrong, fmt.Sprintf("%s: %d signals", id, n))
		}
	}
	t.Logf("%d targets signalled more than once", twice)
	if len(wrong) > 0 {
		t.Fatalf("%d targets were not signalled as promised (exactly once: %v), e.g. %v", len(wrong),
			exactlyOnce, wrong[:min(5, len(wrong))])
	}
}

// signalCount is how many batch signals the workflow's history holds.
func signalCount(ctx context.Context, t *testing.T, c client.Client, workflowID string) int {
	t.Helper()
	iter := c.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	n := 0
	for iter.HasNext() {
		event, err := iter.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", workflowID, err)
		}
		if event.GetWorkflowExecutionSignaledEventAttributes().GetSignalName() == batchSignal {
			n++
		}
	}
	return n
}
