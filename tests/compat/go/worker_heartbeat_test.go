// Goal: the worker heartbeats the SDKs send (RecordWorkerHeartbeat, when the namespace reports
// the worker_heartbeats capability) are listed by ListWorkers with its filter, described by
// DescribeWorker and counted by CountWorkers; bad filters and requests are refused with
// InvalidArgument. Method: a real hdo (or HDO_TARGET: the reference started with
// frontend.WorkerHeartbeatsEnabled=true and frontend.ListWorkersEnabled=true), the Go SDK's
// worker heartbeating every second.
package compat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workerpb "go.temporal.io/api/worker/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

func Idle(ctx workflow.Context) error { return nil }

func TestWorkerHeartbeatsAreListedDescribedAndCounted(t *testing.T) {
	hostPort := hdotest.Target(t)
	c, err := client.Dial(client.Options{HostPort: hostPort, Namespace: "default",
		Identity: "heartbeating-worker", WorkerHeartbeatInterval: time.Second})
	if err != nil {
		t.Fatalf("client.Dial(%s): %v", hostPort, err)
	}
	t.Cleanup(c.Close)
	svc := c.WorkflowService()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	described, err := svc.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: "default"})
	if err != nil {
		t.Fatalf("DescribeNamespace: %v", err)
	}
	if !described.GetNamespaceInfo().GetCapabilities().GetWorkerHeartbeats() {
		t.Fatalf("the namespace does not report the worker_heartbeats capability")
	}
	queue := fmt.Sprintf("heartbeats-%d", time.Now().UnixNano())
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflow(Idle)
	if err := w.Start(); err != nil {
		t.Fatalf("worker.Start: %v", err)
	}
	t.Cleanup(w.Stop)

	query := fmt.Sprintf("TaskQueue = '%s'", queue)
	var listed *workerpb.WorkerHeartbeat
	hdotest.Eventually(t, 20*time.Second, func() error {
		response, err := svc.ListWorkers(ctx, &workflowservice.ListWorkersRequest{Namespace: "default", Query: query})
		if err != nil {
			return err
		}
		//nolint:staticcheck // the deprecated full list is what the reference fills
		if infos := response.GetWorkersInfo(); len(infos) != 1 {
			return fmt.Errorf("ListWorkers(%s) listed %d workers; want 1", query, len(infos))
		}
		listed = response.GetWorkersInfo()[0].GetWorkerHeartbeat() //nolint:staticcheck
		return nil
	})
	if listed.GetTaskQueue() != queue || listed.GetWorkerIdentity() != "heartbeating-worker" ||
		listed.GetSdkName() != "temporal-go" || listed.GetStatus() != enumspb.WORKER_STATUS_RUNNING ||
		listed.GetWorkerInstanceKey() == "" || listed.GetStartTime() == nil || listed.GetHeartbeatTime() == nil {
		t.Fatalf("listed heartbeat = %v; want this worker's (queue, identity, sdk, running, key, times)", listed)
	}
	// Another queue's filter does not list it; a prefix of this one does.
	for filter, want := range map[string]int{
		"TaskQueue = 'no-such-queue-" + queue + "'":                                               0,
		"TaskQueue STARTS_WITH '" + queue[:len(queue)-3] + "'":                                    1,
		"WorkerInstanceKey = '" + listed.GetWorkerInstanceKey() + "' AND SdkName = 'temporal-go'": 1,
	} {
		response, err := svc.ListWorkers(ctx, &workflowservice.ListWorkersRequest{Namespace: "default", Query: filter})
		if err != nil {
			t.Fatalf("ListWorkers(%s): %v", filter, err)
		}
		//nolint:staticcheck
		if got := len(response.GetWorkersInfo()); got != want {
			t.Fatalf("ListWorkers(%s) listed %d; want %d", filter, got, want)
		}
	}
	one, err := svc.DescribeWorker(ctx, &workflowservice.DescribeWorkerRequest{
		Namespace: "default", WorkerInstanceKey: listed.GetWorkerInstanceKey()})
	if err != nil {
		t.Fatalf("DescribeWorker: %v", err)
	}
	if one.GetWorkerInfo().GetWorkerHeartbeat().GetTaskQueue() != queue {
		t.Fatalf("DescribeWorker = %v; want the worker on %s", one.GetWorkerInfo(), queue)
	}
	_, err = svc.DescribeWorker(ctx, &workflowservice.DescribeWorkerRequest{
		Namespace: "default", WorkerInstanceKey: "no-such-worker-" + queue})
	var notFound *serviceerror.NotFound
	if !errors.As(err, &notFound) {
		t.Fatalf("DescribeWorker of an unknown key: %v; want NotFound", err)
	}
	if hdotest.External() {
		return // below: what the reference 1.29 does not serve (CountWorkers, pages, refusals)
	}
	counted, err := svc.CountWorkers(ctx, &workflowservice.CountWorkersRequest{Namespace: "default", Query: query})
	if err != nil || counted.GetCount() != 1 {
		t.Fatalf("CountWorkers(%s) = %d, %v; want 1", query, counted.GetCount(), err)
	}
	page, err := svc.ListWorkers(ctx, &workflowservice.ListWorkersRequest{Namespace: "default", Query: query, PageSize: 1})
	if err != nil || len(page.GetWorkers()) != 1 || page.GetWorkers()[0].GetTaskQueue() != queue {
		t.Fatalf("ListWorkers page of 1 = %v, %v; want this worker's summary", page.GetWorkers(), err)
	}
	for filter, words := range map[string]string{
		"Color = 'red'":      "unknown or unsupported worker heartbeat search field: Color",
		"TaskQueue > 'a'":    "operation > is not supported for TaskQueue column",
		"StartTime < 'soon'": "is not an RFC 3339 time",
		"TaskQueue = ":       "malformed query",
	} {
		_, err := svc.ListWorkers(ctx, &workflowservice.ListWorkersRequest{Namespace: "default", Query: filter})
		var invalid *serviceerror.InvalidArgument
		if !errors.As(err, &invalid) || !strings.Contains(err.Error(), words) {
			t.Fatalf("ListWorkers(%s): %v; want InvalidArgument saying %q", filter, err, words)
		}
	}
	_, err = svc.DescribeWorker(ctx, &workflowservice.DescribeWorkerRequest{Namespace: "default"})
	var invalid *serviceerror.InvalidArgument
	if !errors.As(err, &invalid) {
		t.Fatalf("DescribeWorker without a key: %v; want InvalidArgument", err)
	}
}
