// Goal: the reference dev server's `--dynamic-config-value limit.blobSize.error=N` and
// `limit.blobSize.warn=W`, which the official SDKs' suites pass (the TypeScript suite's payload
// size tests): a workflow task whose command carries a payload over both fails and the run is
// terminated; a smaller one goes through (the reference refuses only what exceeds both, so with
// the default warn limit of 512 KiB an error limit of 10 KiB alone refuses nothing under it).
// Method: hdo started with the flags (or HDO_TARGET when HDO_TARGET_BLOB_LIMIT=10240 says the
// external server was started with error=10240 and warn=2048), a Go SDK worker.
package compat

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// EchoSized returns its input.
func EchoSized(_ context.Context, input string) (string, error) { return input, nil }

// SendsSized runs EchoSized with an input of `size` bytes and returns its length.
func SendsSized(ctx workflow.Context, size int) (int, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var echoed string
	err := workflow.ExecuteActivity(ctx, EchoSized, strings.Repeat("x", size)).Get(ctx, &echoed)
	return len(echoed), err
}

func TestAConfiguredBlobSizeLimitTerminatesARunWhoseCommandExceedsIt(t *testing.T) {
	if hdotest.External() && os.Getenv("HDO_TARGET_BLOB_LIMIT") != "10240" {
		t.Skip("the external server must be started with limit.blobSize.error=10240 and limit.blobSize.warn=2048 (then set HDO_TARGET_BLOB_LIMIT=10240)")
	}
	c := dialAt(t, hdotest.Target(t, "--dynamic-config-value", "limit.blobSize.error=10240",
		"--dynamic-config-value", "limit.blobSize.warn=2048"))
	queue := fmt.Sprintf("blob-limit-%d", time.Now().UnixNano())
	runWorker(t, c, queue, worker.Options{}, []any{SendsSized}, []any{EchoSized})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	small, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "blob-small-" + queue, TaskQueue: queue}, SendsSized, 5000)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	var length int
	if err := small.Get(ctx, &length); err != nil || length != 5000 {
		t.Fatalf("a 5,000-byte input: %d (%v), want it echoed", length, err)
	}

	big, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "blob-big-" + queue, TaskQueue: queue}, SendsSized, 20000)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	err = big.Get(ctx, nil)
	var terminated *temporal.TerminatedError
	if !errors.As(err, &terminated) {
		t.Fatalf("a 20,000-byte input: %v (%T), want the run terminated", err, err)
	}
	described, err := c.DescribeWorkflowExecution(ctx, big.GetID(), big.GetRunID())
	if err != nil || described.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED {
		t.Fatalf("describe: %v (%v), want TERMINATED", described.GetWorkflowExecutionInfo().GetStatus(), err)
	}
}
