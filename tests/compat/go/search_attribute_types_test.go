// Goal: search attributes a client sent without their type (payload metadata "type", as an
// untyped client sends them) come back typed from the server, as the reference's ApplyTypeMap
// does: in the history (WorkflowExecutionStarted, UpsertWorkflowSearchAttributes) and in
// DescribeWorkflowExecution, so an SDK decodes a Datetime as a time and not a string. Method: a
// namespace of the test's own with the Vis* attributes, raw API starts and reads.
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

func TestUntypedSearchAttributesComeBackWithTheirRegisteredType(t *testing.T) {
	ns, c := visNamespace(t, hdotest.Target(t))
	addVisAttributes(t, c, ns)
	svc := c.WorkflowService()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	untyped := func(json string) *commonpb.Payload {
		return &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(json)}
	}
	id := fmt.Sprintf("typed-sa-%d", time.Now().UnixNano())
	request := &workflowservice.StartWorkflowExecutionRequest{
		Namespace: ns, WorkflowId: id, WorkflowType: &commonpb.WorkflowType{Name: "Untyped"},
		TaskQueue: &taskqueuepb.TaskQueue{Name: "nobody-polls-" + id}, RequestId: "start-" + id,
		SearchAttributes: &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{
			saDatetime: untyped(`"2001-02-03T04:05:06Z"`), saInt: untyped(`7`)}}}
	// A new namespace's attributes may take a moment to reach every part of a server.
	err := hdotest.Settle(time.Now().Add(hdotest.SettleTimeout), func() error {
		_, err := svc.StartWorkflowExecution(ctx, request)
		return err
	})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { _ = c.TerminateWorkflow(context.Background(), id, "", "test over") })
	want := map[string]string{saDatetime: "Datetime", saInt: "Int"}
	check := func(where string, attributes *commonpb.SearchAttributes) {
		t.Helper()
		for name, typ := range want {
			if got := string(attributes.GetIndexedFields()[name].GetMetadata()["type"]); got != typ {
				t.Errorf("%s: %s has type %q; want %q", where, name, got, typ)
			}
		}
	}
	history, err := svc.GetWorkflowExecutionHistory(ctx, &workflowservice.GetWorkflowExecutionHistoryRequest{
		Namespace: ns, Execution: &commonpb.WorkflowExecution{WorkflowId: id}})
	if err != nil || len(history.GetHistory().GetEvents()) == 0 {
		t.Fatalf("history: %v", err)
	}
	first := history.GetHistory().GetEvents()[0]
	if first.GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED {
		t.Fatalf("first event %v", first.GetEventType())
	}
	check("WorkflowExecutionStarted", first.GetWorkflowExecutionStartedEventAttributes().GetSearchAttributes())
	described, err := svc.DescribeWorkflowExecution(ctx, &workflowservice.DescribeWorkflowExecutionRequest{
		Namespace: ns, Execution: &commonpb.WorkflowExecution{WorkflowId: id}})
	if err != nil {
		t.Fatalf("describe: %v", err)
	}
	check("DescribeWorkflowExecution", described.GetWorkflowExecutionInfo().GetSearchAttributes())
}
