// Goal: a request larger than the reference's 4 MiB gRPC limit is refused ResourceExhausted in
// grpc-go's words ("grpc: received message ... larger than max ..."), which the SDKs
// recognize: the Go SDK then fails a workflow task whose completion is too large with cause
// WORKFLOW_TASK_FAILED_CAUSE_GRPC_MESSAGE_TOO_LARGE instead of retrying the completion until its
// deadline (the official Go SDK suite's TestGrpcMessageTooLarge hung on hdo before).
// Method: a real hdo (or HDO_TARGET), the Go SDK's worker and client, history read back.
package compat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
)

// About 8 MB: twice the limit.
var tooLarge = strings.Repeat("Very Large Data ", 500_000)

// FailsWithATooLargeError returns an error whose message does not fit in a completion.
func FailsWithATooLargeError(workflow.Context) error { return errors.New(tooLarge) }

func TestARequestAboveTheSizeLimitIsRefusedInGrpcGosWords(t *testing.T) {
	c := dialTarget(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	input, err := converter.GetDefaultDataConverter().ToPayloads(tooLarge)
	if err != nil {
		t.Fatalf("ToPayloads: %v", err)
	}
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	_, err = c.WorkflowService().StartWorkflowExecution(ctx, &workflowservice.StartWorkflowExecutionRequest{
		Namespace: "default", WorkflowId: "too-large-" + suffix, RequestId: suffix,
		WorkflowType: &commonpb.WorkflowType{Name: "Anything"}, TaskQueue: &taskqueuepb.TaskQueue{Name: "nobody-polls-" + suffix},
		Input: input,
	})
	// The reference says "grpc: received message after decompression larger than max 4194304"
	// (the SDK sends gzip); hdo "grpc: received message larger than max (N vs. 4194304)": the
	// SDKs recognize both.
	if status.Code(err) != codes.ResourceExhausted ||
		!strings.HasPrefix(status.Convert(err).Message(), "grpc: received message ") ||
		!strings.Contains(status.Convert(err).Message(), "larger than max") {
		t.Fatalf("StartWorkflowExecution with an 8 MB input: %v; want ResourceExhausted \"grpc: received message ... larger than max ...\"", err)
	}
	// Nothing was started.
	if _, err := c.DescribeWorkflowExecution(ctx, "too-large-"+suffix, ""); err == nil {
		t.Fatalf("the refused start created workflow too-large-%s", suffix)
	}
}

func TestATooLargeWorkflowTaskCompletionFailsTheTaskWithGrpcMessageTooLarge(t *testing.T) {
	c := dialTarget(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	queue := "too-large-" + suffix
	runWorker(t, c, queue, worker.Options{}, []any{FailsWithATooLargeError}, nil)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "too-large-wft-" + suffix, TaskQueue: queue}, FailsWithATooLargeError)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	t.Cleanup(func() { _ = c.TerminateWorkflow(context.Background(), run.GetID(), "", "test over") })
	hdotest.Eventually(t, 30*time.Second, func() error {
		iter := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		var seen []string
		for iter.HasNext() {
			event, err := iter.Next()
			if err != nil {
				return err
			}
			seen = append(seen, event.GetEventType().String())
			if event.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED {
				cause := event.GetWorkflowTaskFailedEventAttributes().GetCause()
				if cause == enumspb.WORKFLOW_TASK_FAILED_CAUSE_GRPC_MESSAGE_TOO_LARGE {
					return nil
				}
				return fmt.Errorf("WorkflowTaskFailed with cause %v", cause)
			}
		}
		return fmt.Errorf("no WorkflowTaskFailed yet: %s", strings.Join(seen, ", "))
	})
}
