// Goal: what DescribeWorkflowExecution and the listings say of a run, as the reference says it
// (found by running the temporal CLI 1.5.1 against both servers: `workflow describe`,
// `--reset-points`, `workflow list --query 'ParentWorkflowId=...'`, `operator cluster system`):
// a child is listed under its parent and its tree's root; a delayed run's ExecutionTime is when
// its first task may run; Describe reports the history's size, a closed run's execution
// duration, the original start time, the last worker's stamp and an auto reset point per
// (binary checksum, build id), which a continued run carries on and a batch reset by build id
// resets to; an unversioned run's BuildIds lists "unversioned" and "unversioned:<build id>"; the
// server advertises schedules. A batch can update workflow options.
// Method: a real hdo (or HDO_TARGET, e.g. the reference `temporal server start-dev` of the
// temporal CLI 1.5.1), Go SDK workers with build ids, the Go client and its raw service client.
// Listing assertions retry for up to 20 s (the reference's visibility is eventually consistent).
package compat

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	batchpb "go.temporal.io/api/batch/v1"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// InfoChild completes at once.
func InfoChild(workflow.Context) (string, error) { return "child", nil }

// InfoParent runs InfoChild as its child with the given id.
func InfoParent(ctx workflow.Context, childID string) (string, error) {
	ctx = workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: childID})
	var result string
	err := workflow.ExecuteChildWorkflow(ctx, InfoChild).Get(ctx, &result)
	return result, err
}

// InfoContinueOnce continues as new once, then completes.
func InfoContinueOnce(ctx workflow.Context, continued bool) (string, error) {
	if !continued {
		return "", workflow.NewContinueAsNewError(ctx, InfoContinueOnce, true)
	}
	return "done", nil
}

// InfoWaitSignal completes with the first "go" signal's value.
func InfoWaitSignal(ctx workflow.Context) (string, error) {
	var value string
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, &value)
	return value, nil
}

type infoTest struct {
	t      *testing.T
	c      client.Client
	ctx    context.Context
	suffix string
}

func newInfoTest(t *testing.T) *infoTest {
	t.Helper()
	c := dialTarget(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return &infoTest{t: t, c: c, ctx: ctx, suffix: fmt.Sprintf("%d", time.Now().UnixNano())}
}

// worker starts a worker with `buildID` (no versioning) on a queue of its own, or on `queue`.
func (it *infoTest) worker(queue, buildID string) string {
	it.t.Helper()
	if queue == "" {
		queue = "info-" + it.suffix
	}
	//nolint:staticcheck // a build id without worker versioning, as most workers have
	runWorker(it.t, it.c, queue, worker.Options{BuildID: buildID},
		[]any{InfoChild, InfoParent, InfoContinueOnce, InfoWaitSignal}, nil)
	return queue
}

func (it *infoTest) describe(id, runID string) *workflowservice.DescribeWorkflowExecutionResponse {
	it.t.Helper()
	described, err := it.c.DescribeWorkflowExecution(it.ctx, id, runID)
	if err != nil {
		it.t.Fatalf("describe %s/%s: %v", id, runID, err)
	}
	return described
}

// listed waits until `query` lists exactly the workflow ids `want` (in any order) and returns
// the listed executions by workflow id.
func (it *infoTest) listed(query string, want ...string) map[string]*workflowpb.WorkflowExecutionInfo {
	it.t.Helper()
	var found map[string]*workflowpb.WorkflowExecutionInfo
	hdotest.Eventually(it.t, 20*time.Second, func() error {
		listed, err := it.c.ListWorkflow(it.ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err != nil {
			return err
		}
		found = map[string]*workflowpb.WorkflowExecutionInfo{}
		for _, info := range listed.GetExecutions() {
			found[info.GetExecution().GetWorkflowId()] = info
		}
		if len(found) != len(want) {
			return fmt.Errorf("%q lists %d executions, want %v", query, len(found), want)
		}
		for _, id := range want {
			if found[id] == nil {
				return fmt.Errorf("%q does not list %s", query, id)
			}
		}
		return nil
	})
	return found
}

func TestTheServerSaysItServesSchedules(t *testing.T) {
	it := newInfoTest(t)
	info, err := it.c.WorkflowService().GetSystemInfo(it.ctx, &workflowservice.GetSystemInfoRequest{})
	if err != nil {
		t.Fatalf("GetSystemInfo: %v", err)
	}
	if !info.GetCapabilities().GetSupportsSchedules() || !info.GetCapabilities().GetInternalErrorDifferentiation() {
		t.Fatalf("capabilities %v: want supports_schedules and internal_error_differentiation", info.GetCapabilities())
	}
	ns, err := it.c.WorkflowService().DescribeNamespace(it.ctx, &workflowservice.DescribeNamespaceRequest{Namespace: "default"})
	if err != nil {
		t.Fatalf("DescribeNamespace: %v", err)
	}
	if !ns.GetNamespaceInfo().GetSupportsSchedules() {
		t.Fatalf("namespace info %v: want supports_schedules", ns.GetNamespaceInfo())
	}
}

func TestAChildIsListedUnderItsParentAndItsRoot(t *testing.T) {
	it := newInfoTest(t)
	queue := it.worker("", "info-build-"+it.suffix)
	parentID, childID := "info-parent-"+it.suffix, "info-child-"+it.suffix
	run, err := it.c.ExecuteWorkflow(it.ctx, client.StartWorkflowOptions{ID: parentID, TaskQueue: queue}, InfoParent, childID)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	if err := run.Get(it.ctx, nil); err != nil {
		t.Fatalf("parent: %v", err)
	}
	children := it.listed(fmt.Sprintf("ParentWorkflowId = '%s'", parentID), childID)
	child := children[childID]
	if child.GetParentExecution().GetWorkflowId() != parentID || child.GetParentExecution().GetRunId() != run.GetRunID() {
		t.Fatalf("the child's listed parent is %v, want %s/%s", child.GetParentExecution(), parentID, run.GetRunID())
	}
	if child.GetRootExecution().GetWorkflowId() != parentID || child.GetRootExecution().GetRunId() != run.GetRunID() {
		t.Fatalf("the child's listed root is %v, want %s/%s", child.GetRootExecution(), parentID, run.GetRunID())
	}
	tree := it.listed(fmt.Sprintf("RootWorkflowId = '%s'", parentID), parentID, childID)
	if tree[parentID].GetParentExecution() != nil || tree[parentID].GetRootExecution().GetWorkflowId() != parentID {
		t.Fatalf("the parent is listed with parent %v and root %v, want none and itself",
			tree[parentID].GetParentExecution(), tree[parentID].GetRootExecution())
	}
	it.listed(fmt.Sprintf("WorkflowId = '%s' AND ParentWorkflowId IS NULL", parentID), parentID)
}

func TestADelayedRunIsListedByWhenItsFirstTaskMayRun(t *testing.T) {
	it := newInfoTest(t)
	id := "info-delayed-" + it.suffix
	run, err := it.c.ExecuteWorkflow(it.ctx, client.StartWorkflowOptions{
		ID: id, TaskQueue: "info-nobody-" + it.suffix, StartDelay: time.Hour,
	}, "InfoNobody")
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	t.Cleanup(func() { _ = it.c.TerminateWorkflow(context.Background(), id, run.GetRunID(), "test cleanup") })
	later := time.Now().Add(30 * time.Minute).UTC().Format(time.RFC3339)
	listed := it.listed(fmt.Sprintf("WorkflowId = '%s' AND ExecutionTime > '%s'", id, later), id)
	info := listed[id]
	if delay := info.GetExecutionTime().AsTime().Sub(info.GetStartTime().AsTime()); delay < 59*time.Minute || delay > 61*time.Minute {
		t.Fatalf("listed execution time %v is %v after the start %v, want an hour",
			info.GetExecutionTime().AsTime(), delay, info.GetStartTime().AsTime())
	}
	described := it.describe(id, run.GetRunID()).GetWorkflowExecutionInfo()
	// Listings keep microseconds (the reference's SQL visibility too).
	if gap := described.GetExecutionTime().AsTime().Sub(info.GetExecutionTime().AsTime()); gap < -time.Millisecond || gap > time.Millisecond {
		t.Fatalf("described execution time %v, listed %v", described.GetExecutionTime().AsTime(), info.GetExecutionTime().AsTime())
	}
}

func TestDescribeReportsSizeDurationStampAndResetPoints(t *testing.T) {
	it := newInfoTest(t)
	buildID := "info-build-" + it.suffix
	queue := it.worker("", buildID)
	parentID := "info-described-" + it.suffix
	run, err := it.c.ExecuteWorkflow(it.ctx, client.StartWorkflowOptions{ID: parentID, TaskQueue: queue},
		InfoParent, "info-described-child-"+it.suffix)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	if err := run.Get(it.ctx, nil); err != nil {
		t.Fatalf("workflow: %v", err)
	}
	described := it.describe(parentID, run.GetRunID())
	info := described.GetWorkflowExecutionInfo()
	if info.GetHistorySizeBytes() <= 0 {
		t.Fatalf("history size %d, want the history's bytes", info.GetHistorySizeBytes())
	}
	wantDuration := info.GetCloseTime().AsTime().Sub(info.GetExecutionTime().AsTime())
	if info.GetExecutionDuration() == nil || info.GetExecutionDuration().AsDuration()-wantDuration > time.Millisecond ||
		wantDuration-info.GetExecutionDuration().AsDuration() > time.Millisecond {
		t.Fatalf("execution duration %v, want close time - execution time = %v", info.GetExecutionDuration(), wantDuration)
	}
	if !described.GetWorkflowExtendedInfo().GetOriginalStartTime().AsTime().Equal(info.GetStartTime().AsTime()) {
		t.Fatalf("original start time %v, want the start time %v",
			described.GetWorkflowExtendedInfo().GetOriginalStartTime(), info.GetStartTime().AsTime())
	}
	if described.GetWorkflowExtendedInfo().GetLastResetTime() != nil {
		t.Fatalf("a run never reset has a last reset time %v", described.GetWorkflowExtendedInfo().GetLastResetTime())
	}
	//nolint:staticcheck // the stamp is deprecated with build-id versioning, still reported
	if stamp := info.GetMostRecentWorkerVersionStamp(); stamp.GetBuildId() != buildID || stamp.GetUseVersioning() {
		t.Fatalf("most recent worker version stamp %v, want build id %s without versioning", stamp, buildID)
	}
	// One point: the first task the build completed (event 4), the child still to start then.
	points := info.GetAutoResetPoints().GetPoints()
	if len(points) != 1 {
		t.Fatalf("auto reset points %v, want one", points)
	}
	point := points[0]
	if point.GetBuildId() != buildID || point.GetRunId() != run.GetRunID() ||
		point.GetFirstWorkflowTaskCompletedId() != 4 || !point.GetResettable() || point.GetCreateTime() == nil ||
		point.GetExpireTime() != nil {
		t.Fatalf("auto reset point %v, want build %s, run %s, event 4, resettable, created, no expiry",
			point, buildID, run.GetRunID())
	}
	// BuildIds: the unversioned sentinel and the build, in Describe and for list filters.
	buildIDs, ok := info.GetSearchAttributes().GetIndexedFields()["BuildIds"]
	if !ok {
		t.Fatalf("search attributes %v: no BuildIds", info.GetSearchAttributes())
	}
	var values []string
	if err := converter.GetDefaultDataConverter().FromPayload(buildIDs, &values); err != nil ||
		fmt.Sprint(values) != fmt.Sprint([]string{"unversioned", "unversioned:" + buildID}) {
		t.Fatalf("BuildIds = %v (%v), want [unversioned unversioned:%s]", values, err, buildID)
	}
	it.listed(fmt.Sprintf("BuildIds = 'unversioned:%s'", buildID), parentID, "info-described-child-"+it.suffix)
	it.listed(fmt.Sprintf("BuildIds = 'unversioned' AND WorkflowId = '%s'", parentID), parentID)
}

func TestAContinuedRunCarriesTheResetPointsAndIsItsOwnRoot(t *testing.T) {
	it := newInfoTest(t)
	buildID := "info-build-" + it.suffix
	queue := it.worker("", buildID)
	id := "info-continued-" + it.suffix
	run, err := it.c.ExecuteWorkflow(it.ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue}, InfoContinueOnce, false)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	if err := it.c.GetWorkflow(it.ctx, id, "").Get(it.ctx, nil); err != nil {
		t.Fatalf("workflow: %v", err)
	}
	last := it.describe(id, "")
	info := last.GetWorkflowExecutionInfo()
	if info.GetExecution().GetRunId() == run.GetRunID() {
		t.Fatalf("no continued run")
	}
	if info.GetRootExecution().GetRunId() != info.GetExecution().GetRunId() {
		t.Fatalf("the continued run's root is %v, want itself", info.GetRootExecution())
	}
	// The same build completed the new run's task: its point stays the first run's, which now
	// expires with that run.
	points := info.GetAutoResetPoints().GetPoints()
	if len(points) != 1 || points[0].GetRunId() != run.GetRunID() || points[0].GetBuildId() != buildID ||
		points[0].GetExpireTime() == nil || !points[0].GetExpireTime().AsTime().After(time.Now()) {
		t.Fatalf("the continued run's reset points %v, want the first run's %s with an expiry", points, run.GetRunID())
	}
}

func TestABatchResetsToTheFirstTaskOfABuild(t *testing.T) {
	b := newBatchTest(t)
	it := &infoTest{t: t, c: b.c, ctx: b.ctx, suffix: b.suffix}
	queue := "info-reset-" + b.suffix
	id := "info-reset-" + b.suffix
	// Build 1 completes the first task; build 2 then takes the queue and the signal's task.
	//nolint:staticcheck // build ids without worker versioning
	first := worker.New(b.c, queue, worker.Options{BuildID: "b1-" + b.suffix})
	first.RegisterWorkflow(InfoWaitSignal)
	if err := first.Start(); err != nil {
		t.Fatalf("worker.Start: %v", err)
	}
	run, err := b.c.ExecuteWorkflow(b.ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue}, InfoWaitSignal)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	hdotest.Eventually(t, 20*time.Second, func() error {
		if n := len(it.describe(id, run.GetRunID()).GetWorkflowExecutionInfo().GetAutoResetPoints().GetPoints()); n != 1 {
			return fmt.Errorf("%d reset points", n)
		}
		return nil
	})
	first.Stop()
	it.worker(queue, "b2-"+b.suffix)
	if err := b.c.SignalWorkflow(b.ctx, id, run.GetRunID(), "go", "second build"); err != nil {
		t.Fatalf("signal: %v", err)
	}
	if err := run.Get(b.ctx, nil); err != nil {
		t.Fatalf("workflow: %v", err)
	}
	points := it.describe(id, run.GetRunID()).GetWorkflowExecutionInfo().GetAutoResetPoints().GetPoints()
	if len(points) != 2 || points[1].GetBuildId() != "b2-"+b.suffix {
		t.Fatalf("reset points %v, want b1's then b2's", points)
	}
	jobID := "info-reset-job-" + b.suffix // the reference runs a job as a workflow of that id
	if err := b.start(&workflowservice.StartBatchOperationRequest{
		JobId: jobID, VisibilityQuery: fmt.Sprintf("WorkflowId = '%s'", id), Reason: "bad build",
		Operation: &workflowservice.StartBatchOperationRequest_ResetOperation{
			ResetOperation: &batchpb.BatchOperationReset{
				Identity: "batch-tester",
				Options:  &commonpb.ResetOptions{Target: &commonpb.ResetOptions_BuildId{BuildId: "b2-" + b.suffix}},
			},
		},
	}); err != nil {
		t.Fatalf("StartBatchOperation: %v", err)
	}
	b.expectCounts(b.waitDone(jobID), 1, 1, 0)
	described := it.describe(id, "")
	if described.GetWorkflowExecutionInfo().GetExecution().GetRunId() == run.GetRunID() {
		t.Fatalf("no new run after the reset")
	}
	if described.GetWorkflowExtendedInfo().GetLastResetTime() == nil {
		t.Fatalf("the reset run has no last reset time: %v", described.GetWorkflowExtendedInfo())
	}
	// The new run's history goes back to b2's first task: that task failed by the reset.
	reset := b.lastEvent(b.c.GetWorkflow(b.ctx, id, ""), enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED)
	if reset == nil || reset.GetEventId() != points[1].GetFirstWorkflowTaskCompletedId() ||
		reset.GetWorkflowTaskFailedEventAttributes().GetCause() != enumspb.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW {
		t.Fatalf("the reset run's failed task %v, want the reset at event %d", reset, points[1].GetFirstWorkflowTaskCompletedId())
	}
}

func TestABatchUpdatesWorkflowOptions(t *testing.T) {
	b := newBatchTest(t)
	runs := b.startTargets("InfoOptions"+b.suffix, 2)
	jobID := "info-options-" + b.suffix
	if err := b.start(&workflowservice.StartBatchOperationRequest{
		JobId: jobID, VisibilityQuery: fmt.Sprintf("WorkflowType = 'InfoOptions%s'", b.suffix), Reason: "upgrade",
		Operation: &workflowservice.StartBatchOperationRequest_UpdateWorkflowOptionsOperation{
			UpdateWorkflowOptionsOperation: &batchpb.BatchOperationUpdateWorkflowExecutionOptions{
				Identity: "batch-tester",
				WorkflowExecutionOptions: &workflowpb.WorkflowExecutionOptions{
					VersioningOverride: &workflowpb.VersioningOverride{
						Override: &workflowpb.VersioningOverride_AutoUpgrade{AutoUpgrade: true},
					},
				},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"versioning_override"}},
			},
		},
	}); err != nil {
		t.Fatalf("StartBatchOperation: %v", err)
	}
	described := b.waitDone(jobID)
	b.expectCounts(described, 2, 2, 0)
	if described.GetOperationType() != enumspb.BATCH_OPERATION_TYPE_UPDATE_EXECUTION_OPTIONS {
		t.Fatalf("operation type %v", described.GetOperationType())
	}
	for _, run := range runs {
		info, err := b.c.DescribeWorkflowExecution(b.ctx, run.GetID(), run.GetRunID())
		if err != nil {
			t.Fatalf("describe: %v", err)
		}
		if !info.GetWorkflowExecutionInfo().GetVersioningInfo().GetVersioningOverride().GetAutoUpgrade() {
			t.Fatalf("%s: versioning info %v, want the auto-upgrade override", run.GetID(),
				info.GetWorkflowExecutionInfo().GetVersioningInfo())
		}
	}
}
