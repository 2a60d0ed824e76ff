// Goal: ShutdownWorker with the worker's instance key completes that worker's outstanding polls
// with an empty answer and ends its later polls at once (what the worker_poll_complete_on_shutdown
// capability promises; hdo reports it since session 39, Nexus polls included). Other
// workers' polls stay and take the tasks. Method: the raw API against a real hdo. The reference 1.29 has neither the
// capability nor the behaviour, so this test has no reference run.
package compat

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
)

func TestShutdownWorkerCompletesTheWorkersPolls(t *testing.T) {
	if hdotest.External() {
		t.Skip("the reference 1.29 does not complete polls on ShutdownWorker")
	}
	c := dialTarget(t)
	svc := c.WorkflowService()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	queue := &taskqueuepb.TaskQueue{Name: "shutdown-" + suffix, Kind: enumspb.TASK_QUEUE_KIND_NORMAL}
	type answer struct {
		response *workflowservice.PollWorkflowTaskQueueResponse
		err      error
	}
	// A poll that would wait out the long poll (60 s) unless the server ends it: its own deadline
	// of 40 s turns a poll left waiting into DeadlineExceeded.
	poll := func(key string) chan answer {
		done := make(chan answer, 1)
		go func() {
			pollCtx, pollCancel := context.WithTimeout(ctx, 40*time.Second)
			defer pollCancel()
			response, err := svc.PollWorkflowTaskQueue(pollCtx, &workflowservice.PollWorkflowTaskQueueRequest{
				Namespace: "default", TaskQueue: queue, Identity: key, WorkerInstanceKey: key})
			done <- answer{response, err}
		}()
		return done
	}
	leaving := poll("leaving-" + suffix)
	staying := poll("staying-" + suffix)
	// Both parked: DescribeTaskQueue lists both pollers.
	hdotest.Eventually(t, 10*time.Second, func() error {
		queued, err := svc.DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
			Namespace: "default", TaskQueue: queue, TaskQueueType: enumspb.TASK_QUEUE_TYPE_WORKFLOW})
		if err != nil {
			return err
		}
		if n := len(queued.GetPollers()); n != 2 {
			return fmt.Errorf("%d pollers; want 2", n)
		}
		return nil
	})
	if _, err := svc.ShutdownWorker(ctx, &workflowservice.ShutdownWorkerRequest{
		Namespace: "default", Identity: "leaving-" + suffix, WorkerInstanceKey: "leaving-" + suffix,
		TaskQueue: queue.Name, TaskQueueTypes: []enumspb.TaskQueueType{enumspb.TASK_QUEUE_TYPE_WORKFLOW}}); err != nil {
		t.Fatalf("ShutdownWorker: %v", err)
	}
	got := <-leaving
	if got.err != nil || len(got.response.GetTaskToken()) != 0 {
		t.Fatalf("the shut-down worker's poll: %v (task %v); want an empty answer", got.err, got.response.GetTaskToken())
	}
	// A poll of that instance sent after the shutdown is answered empty at once.
	if late := <-poll("leaving-" + suffix); late.err != nil || len(late.response.GetTaskToken()) != 0 {
		t.Fatalf("a late poll of the shut-down worker: %v; want an empty answer", late.err)
	}
	// The other worker's poll is still parked and takes the next task.
	id := "shutdown-" + suffix
	if _, err := svc.StartWorkflowExecution(ctx, &workflowservice.StartWorkflowExecutionRequest{
		Namespace: "default", WorkflowId: id, WorkflowType: &commonpb.WorkflowType{Name: "ByHand"},
		TaskQueue: queue, RequestId: "start-" + id}); err != nil {
		t.Fatalf("start: %v", err)
	}
	other := <-staying
	if other.err != nil || other.response.GetWorkflowExecution().GetWorkflowId() != id {
		t.Fatalf("the running worker's poll: %v, %v; want the task of %s", other.err, other.response.GetWorkflowExecution(), id)
	}
}
