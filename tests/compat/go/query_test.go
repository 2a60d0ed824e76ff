// Goal: a query sees every event the server accepted before it: a signal acknowledged before
// the query is reflected in the answer (the query goes with the workflow task that delivers the
// signal, as the reference's buffered queries do). Method: a real hdo, the Go SDK's client and
// worker, signal-then-query many times in a row with no pause.
package compat

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	querypb "go.temporal.io/api/query/v1"
	"go.temporal.io/api/serviceerror"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"
)

// CountSignals counts "bump" signals until it has `until` of them; query "count" reads the count.
func CountSignals(ctx workflow.Context, until int) (int, error) {
	count := 0
	if err := workflow.SetQueryHandler(ctx, "count", func() (int, error) { return count, nil }); err != nil {
		return 0, err
	}
	bumps := workflow.GetSignalChannel(ctx, "bump")
	for count < until {
		bumps.Receive(ctx, nil)
		count++
	}
	return count, nil
}

// dialTarget dials hdotest.Target: a fresh hdo, or HDO_TARGET (e.g. the reference server).
func dialTarget(t *testing.T) client.Client {
	t.Helper()
	return dialAt(t, hdotest.Target(t))
}

// dialAt dials the "default" namespace on hostPort (a target the test also uses otherwise, e.g.
// through the CLI); the client closes with the test.
func dialAt(t *testing.T, hostPort string) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: hostPort, Namespace: "default"})
	if err != nil {
		t.Fatalf("client.Dial(%s): %v", hostPort, err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestAQueryAfterASignalSeesTheSignal(t *testing.T) {
	c := dialTarget(t)
	queue := fmt.Sprintf("counting-%d", time.Now().UnixNano())
	id := "counter-" + queue
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflow(CountSignals)
	if err := w.Start(); err != nil {
		t.Fatalf("worker.Start: %v", err)
	}
	t.Cleanup(w.Stop)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const signals = 25
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue},
		CountSignals, signals)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	// The first task must have run for the query handler to exist.
	for {
		if _, err := c.QueryWorkflow(ctx, id, "", "count"); err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the workflow never answered a query")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for i := 1; i < signals; i++ {
		if err := c.SignalWorkflow(ctx, id, "", "bump", nil); err != nil {
			t.Fatalf("signal %d: %v", i, err)
		}
		value, err := c.QueryWorkflow(ctx, id, "", "count")
		if err != nil {
			t.Fatalf("query after signal %d: %v", i, err)
		}
		var count int
		if err := value.Get(&count); err != nil {
			t.Fatalf("decode query answer: %v", err)
		}
		if count != i {
			t.Fatalf("query after signal %d answered count %d; want %d (the signal was acknowledged first)", i, count, i)
		}
	}
	if err := c.SignalWorkflow(ctx, id, "", "bump", nil); err != nil {
		t.Fatalf("last signal: %v", err)
	}
	var result int
	if err := run.Get(ctx, &result); err != nil || result != signals {
		t.Fatalf("result = %d, %v; want %d", result, err, signals)
	}
}

// The protocol underneath: a query that arrives while a workflow task is scheduled travels in that
// task's `queries` and is answered through RespondWorkflowTaskCompleted.query_results; no query
// task is handed out meanwhile. Driven by hand with the raw API so that no SDK ordering hides it.
func TestAQueryGoesWithTheScheduledWorkflowTask(t *testing.T) {
	c := dialTarget(t)
	svc := c.WorkflowService()
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	id := "queried-" + suffix
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	queue := &taskqueuepb.TaskQueue{Name: "by-hand-" + suffix, Kind: enumspb.TASK_QUEUE_KIND_NORMAL}
	_, err := svc.StartWorkflowExecution(ctx, &workflowservice.StartWorkflowExecutionRequest{
		Namespace: "default", WorkflowId: id, WorkflowType: &commonpb.WorkflowType{Name: "ByHand"},
		TaskQueue: queue, RequestId: "start-" + id})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	poll := func() *workflowservice.PollWorkflowTaskQueueResponse {
		t.Helper()
		task, err := svc.PollWorkflowTaskQueue(ctx, &workflowservice.PollWorkflowTaskQueueRequest{
			Namespace: "default", TaskQueue: queue, Identity: "by-hand"})
		if err != nil || len(task.GetTaskToken()) == 0 {
			t.Fatalf("poll: %v (empty: %v)", err, len(task.GetTaskToken()) == 0)
		}
		return task
	}
	first := poll()
	if _, err := svc.RespondWorkflowTaskCompleted(ctx, &workflowservice.RespondWorkflowTaskCompletedRequest{
		Namespace: "default", TaskToken: first.TaskToken, Identity: "by-hand"}); err != nil {
		t.Fatalf("complete first task: %v", err)
	}
	if _, err := svc.SignalWorkflowExecution(ctx, &workflowservice.SignalWorkflowExecutionRequest{
		Namespace: "default", WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: id},
		SignalName: "bump", RequestId: "bump-1"}); err != nil {
		t.Fatalf("signal: %v", err)
	}
	answered := make(chan *workflowservice.QueryWorkflowResponse, 1)
	failed := make(chan error, 1)
	go func() {
		response, err := svc.QueryWorkflow(ctx, &workflowservice.QueryWorkflowRequest{
			Namespace: "default", Execution: &commonpb.WorkflowExecution{WorkflowId: id},
			Query: &querypb.WorkflowQuery{QueryType: "count"}})
		if err != nil {
			failed <- err
			return
		}
		answered <- response
	}()
	// The query reaches the server before the worker polls again (nothing else is polling).
	time.Sleep(300 * time.Millisecond)
	second := poll()
	if second.GetQuery() != nil {
		t.Fatalf("got a query task while a workflow task was scheduled; want the query in the task's queries")
	}
	if len(second.GetQueries()) != 1 {
		t.Fatalf("workflow task carries %d queries; want 1", len(second.GetQueries()))
	}
	var signaled bool
	for _, event := range second.GetHistory().GetEvents() {
		signaled = signaled || event.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
	}
	if !signaled {
		t.Fatalf("the workflow task that carries the query does not deliver the signal")
	}
	answer, err := converter.GetDefaultDataConverter().ToPayloads(1)
	if err != nil {
		t.Fatal(err)
	}
	results := map[string]*querypb.WorkflowQueryResult{}
	for id, query := range second.GetQueries() {
		if query.GetQueryType() != "count" {
			t.Fatalf("query type %q; want count", query.GetQueryType())
		}
		results[id] = &querypb.WorkflowQueryResult{ResultType: enumspb.QUERY_RESULT_TYPE_ANSWERED, Answer: answer}
	}
	if _, err := svc.RespondWorkflowTaskCompleted(ctx, &workflowservice.RespondWorkflowTaskCompletedRequest{
		Namespace: "default", TaskToken: second.TaskToken, Identity: "by-hand", QueryResults: results}); err != nil {
		t.Fatalf("complete second task: %v", err)
	}
	select {
	case response := <-answered:
		var count int
		if err := converter.GetDefaultDataConverter().FromPayloads(response.GetQueryResult(), &count); err != nil || count != 1 {
			t.Fatalf("query answer = %d, %v; want 1", count, err)
		}
	case err := <-failed:
		t.Fatalf("query: %v", err)
	case <-ctx.Done():
		t.Fatalf("query never answered")
	}
}

// Goal: a worker's answer larger than the blob size limit (2 MiB) fails the query, whether the
// answer comes as a query task's reply or in a workflow task's query results, as the reference
// checks every answer (common.CheckEventBlobSizeLimit); the caller gets the limit's message and
// the run is untouched (a small answer afterwards is delivered). Method: a worker driven by hand
// over the raw API (the Go SDK refuses answers above 2,000,000 bytes before sending them).
func TestAQueryAnswerOverTheBlobSizeLimitFailsTheQuery(t *testing.T) {
	c := dialTarget(t)
	svc := c.WorkflowService()
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	id := "big-answer-" + suffix
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	queue := &taskqueuepb.TaskQueue{Name: "by-hand-" + suffix, Kind: enumspb.TASK_QUEUE_KIND_NORMAL}
	if _, err := svc.StartWorkflowExecution(ctx, &workflowservice.StartWorkflowExecutionRequest{
		Namespace: "default", WorkflowId: id, WorkflowType: &commonpb.WorkflowType{Name: "ByHand"},
		TaskQueue: queue, RequestId: "start-" + id}); err != nil {
		t.Fatalf("start: %v", err)
	}
	poll := func() *workflowservice.PollWorkflowTaskQueueResponse {
		t.Helper()
		task, err := svc.PollWorkflowTaskQueue(ctx, &workflowservice.PollWorkflowTaskQueueRequest{
			Namespace: "default", TaskQueue: queue, Identity: "by-hand"})
		if err != nil || len(task.GetTaskToken()) == 0 {
			t.Fatalf("poll: %v (empty: %v)", err, len(task.GetTaskToken()) == 0)
		}
		return task
	}
	first := poll()
	if _, err := svc.RespondWorkflowTaskCompleted(ctx, &workflowservice.RespondWorkflowTaskCompletedRequest{
		Namespace: "default", TaskToken: first.TaskToken, Identity: "by-hand"}); err != nil {
		t.Fatalf("complete first task: %v", err)
	}
	answer := func(size int) *commonpb.Payloads {
		return &commonpb.Payloads{Payloads: []*commonpb.Payload{{
			Metadata: map[string][]byte{"encoding": []byte("binary/plain")},
			Data:     make([]byte, size)}}}
	}
	query := func() (chan *workflowservice.QueryWorkflowResponse, chan error) {
		answered := make(chan *workflowservice.QueryWorkflowResponse, 1)
		failed := make(chan error, 1)
		go func() {
			response, err := svc.QueryWorkflow(ctx, &workflowservice.QueryWorkflowRequest{
				Namespace: "default", Execution: &commonpb.WorkflowExecution{WorkflowId: id},
				Query: &querypb.WorkflowQuery{QueryType: "dump"}})
			if err != nil {
				failed <- err
				return
			}
			answered <- response
		}()
		return answered, failed
	}
	// The reference turns an oversized query task answer into a failed answer (QueryFailed) and
	// fails a query answered in a workflow task's reply with the size error itself
	// (InvalidArgument); both carry the same message.
	expectLimitError := func(how string, answered chan *workflowservice.QueryWorkflowResponse, failed chan error, want error) {
		t.Helper()
		select {
		case response := <-answered:
			t.Fatalf("%s: query answered with %d bytes; want it failed", how, proto.Size(response.GetQueryResult()))
		case err := <-failed:
			if fmt.Sprintf("%T", err) != fmt.Sprintf("%T", want) || !strings.Contains(err.Error(), "Blob data size exceeds limit.") {
				t.Fatalf("%s: query failed with %v (%T); want %T \"Blob data size exceeds limit.\"", how, err, err, want)
			}
		case <-ctx.Done():
			t.Fatalf("%s: query never finished", how)
		}
	}

	// 1. A query task (no workflow task scheduled) answered with 2.2 MB.
	answered, failed := query()
	task := poll()
	if task.GetQuery() == nil {
		t.Fatalf("want a query task")
	}
	if _, err := svc.RespondQueryTaskCompleted(ctx, &workflowservice.RespondQueryTaskCompletedRequest{
		Namespace: "default", TaskToken: task.TaskToken, CompletedType: enumspb.QUERY_RESULT_TYPE_ANSWERED,
		QueryResult: answer(2_200_000)}); err != nil {
		t.Fatalf("respond to the query task: %v", err)
	}
	expectLimitError("query task", answered, failed, &serviceerror.QueryFailed{})

	// 2. A query that goes with a scheduled workflow task, answered in its reply with 2.2 MB.
	if _, err := svc.SignalWorkflowExecution(ctx, &workflowservice.SignalWorkflowExecutionRequest{
		Namespace: "default", WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: id},
		SignalName: "bump", RequestId: "bump-" + id}); err != nil {
		t.Fatalf("signal: %v", err)
	}
	answered, failed = query()
	time.Sleep(300 * time.Millisecond) // the query reaches the server before the next poll
	task = poll()
	if len(task.GetQueries()) != 1 {
		t.Fatalf("workflow task carries %d queries; want 1", len(task.GetQueries()))
	}
	results := map[string]*querypb.WorkflowQueryResult{}
	for queryID := range task.GetQueries() {
		results[queryID] = &querypb.WorkflowQueryResult{ResultType: enumspb.QUERY_RESULT_TYPE_ANSWERED, Answer: answer(2_200_000)}
	}
	if _, err := svc.RespondWorkflowTaskCompleted(ctx, &workflowservice.RespondWorkflowTaskCompletedRequest{
		Namespace: "default", TaskToken: task.TaskToken, Identity: "by-hand", QueryResults: results}); err != nil {
		t.Fatalf("complete the workflow task: %v", err)
	}
	expectLimitError("workflow task", answered, failed, &serviceerror.InvalidArgument{})

	// 3. The run is untouched: an answer under the limit is delivered whole.
	answered, failed = query()
	task = poll()
	if task.GetQuery() == nil {
		t.Fatalf("want a query task")
	}
	if _, err := svc.RespondQueryTaskCompleted(ctx, &workflowservice.RespondQueryTaskCompletedRequest{
		Namespace: "default", TaskToken: task.TaskToken, CompletedType: enumspb.QUERY_RESULT_TYPE_ANSWERED,
		QueryResult: answer(1_000_000)}); err != nil {
		t.Fatalf("respond to the query task: %v", err)
	}
	select {
	case response := <-answered:
		if got := len(response.GetQueryResult().GetPayloads()[0].GetData()); got != 1_000_000 {
			t.Fatalf("answer of %d bytes; want 1000000", got)
		}
	case err := <-failed:
		t.Fatalf("small answer: %v", err)
	case <-ctx.Done():
		t.Fatalf("small answer: query never finished")
	}
}
