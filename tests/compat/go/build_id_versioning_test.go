// Goal: build-id versioning (worker versioning v0.1 version sets and v0.2 rules, deprecated,
// switched on by the dev server flags the SDKs' own test servers pass) routes as on the
// reference: a new run goes to the queue's default set or its assignment rule's build id, a run
// stays with its build id's set while newer defaults come, a compatible build id takes over its
// set's runs, a redirect rule moves a run to its target, activities go with their run, and the
// compatibility sets, rules and reachability read back. Method: Go SDK workers with
// UseBuildIDForVersioning against a fresh hdo started with the two flags (or HDO_TARGET, e.g. the
// reference dev server started with them). Every wait is bounded.
package compat

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

var versioningFlags = []string{
	"--dynamic-config-value", "frontend.workerVersioningDataAPIs=true",
	"--dynamic-config-value", "frontend.workerVersioningRuleAPIs=true",
}

// BuildIdReporter waits for "finish", runs an activity, and answers the build ids its last task
// and its activity ran on ("<workflow> <activity>").
func BuildIdReporter(ctx workflow.Context) (string, error) {
	workflow.GetSignalChannel(ctx, "finish").Receive(ctx, nil)
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var activityBuildID string
	if err := workflow.ExecuteActivity(ctx, "ReportBuildID").Get(ctx, &activityBuildID); err != nil {
		return "", err
	}
	return workflow.GetInfo(ctx).GetCurrentBuildID() + " " + activityBuildID, nil
}

// versionedWorker starts a worker of the build id; the answer stops it (also at the end).
// ContinuingReporter waits for "finish", then continues as new (on its task queue, compatible:
// the SDK asks for its build id to be inherited), and the new run reports as BuildIdReporter.
func ContinuingReporter(ctx workflow.Context, continued bool) (string, error) {
	if !continued {
		workflow.GetSignalChannel(ctx, "finish").Receive(ctx, nil)
		return "", workflow.NewContinueAsNewError(ctx, ContinuingReporter, true)
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var activityBuildID string
	if err := workflow.ExecuteActivity(ctx, "ReportBuildID").Get(ctx, &activityBuildID); err != nil {
		return "", err
	}
	return workflow.GetInfo(ctx).GetCurrentBuildID() + " " + activityBuildID, nil
}

func versionedWorker(t *testing.T, c client.Client, queue, buildID string) func() {
	t.Helper()
	w := worker.New(c, queue, worker.Options{BuildID: buildID, UseBuildIDForVersioning: true})
	w.RegisterWorkflow(BuildIdReporter)
	w.RegisterWorkflow(ContinuingReporter)
	w.RegisterActivityWithOptions(func(context.Context) (string, error) { return buildID, nil },
		activity.RegisterOptions{Name: "ReportBuildID"})
	if err := w.Start(); err != nil {
		t.Fatalf("worker %s: %v", buildID, err)
	}
	var once sync.Once
	stop := func() { once.Do(w.Stop) }
	t.Cleanup(stop)
	return stop
}

func startReporter(t *testing.T, ctx context.Context, c client.Client, queue, id string) client.WorkflowRun {
	t.Helper()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue}, BuildIdReporter)
	if err != nil {
		t.Fatalf("start %s: %v", id, err)
	}
	return run
}

// finish signals the run and answers its result.
func finish(t *testing.T, ctx context.Context, c client.Client, run client.WorkflowRun) string {
	t.Helper()
	if err := c.SignalWorkflow(ctx, run.GetID(), run.GetRunID(), "finish", nil); err != nil {
		t.Fatalf("signal %s: %v", run.GetID(), err)
	}
	var result string
	if err := run.Get(ctx, &result); err != nil {
		t.Fatalf("result of %s: %v", run.GetID(), err)
	}
	return result
}

// waitStarted waits until the run's first workflow task completed (the run has its build id).
func waitStarted(t *testing.T, ctx context.Context, c client.Client, run client.WorkflowRun) {
	t.Helper()
	hdotest.Eventually(t, 20*time.Second, func() error {
		if n := len(completedTasks(t, c, run.GetID())); n == 0 {
			return fmt.Errorf("%s: no workflow task completed yet", run.GetID())
		}
		return nil
	})
}

func TestVersionSetsRouteNewRunsToTheDefaultAndKeepRunsInTheirSet(t *testing.T) {
	hostPort := hdotest.Target(t, versioningFlags...)
	c := dialAt(t, hostPort)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	queue := fmt.Sprintf("sets-%d", time.Now().UnixNano())
	update := func(op client.UpdateWorkerBuildIdCompatibilityOptions) {
		op.TaskQueue = queue
		if err := c.UpdateWorkerBuildIdCompatibility(ctx, &op); err != nil {
			t.Fatalf("UpdateWorkerBuildIdCompatibility: %v", err)
		}
	}
	update(client.UpdateWorkerBuildIdCompatibilityOptions{Operation: &client.BuildIDOpAddNewIDInNewDefaultSet{BuildID: "1.0"}})
	stop10 := versionedWorker(t, c, queue, "1.0")
	old := startReporter(t, ctx, c, queue, queue+"-old")
	waitStarted(t, ctx, c, old)

	// 2.0 becomes the default: new runs go to it, the old run stays with 1.0's set.
	update(client.UpdateWorkerBuildIdCompatibilityOptions{Operation: &client.BuildIDOpAddNewIDInNewDefaultSet{BuildID: "2.0"}})
	versionedWorker(t, c, queue, "2.0")
	fresh := startReporter(t, ctx, c, queue, queue+"-new")
	if got := finish(t, ctx, c, fresh); got != "2.0 2.0" {
		t.Fatalf("a new run after 2.0 became the default ran on %q", got)
	}
	if got := finish(t, ctx, c, old); got != "1.0 1.0" {
		t.Fatalf("the run of 1.0's set ran on %q", got)
	}

	// 1.1, compatible with 1.0, takes over 1.0's set (once 1.0's worker, which keeps the runs it
	// has cached, is gone).
	second := startReporter(t, ctx, c, queue, queue+"-second")
	waitStarted(t, ctx, c, second)
	update(client.UpdateWorkerBuildIdCompatibilityOptions{Operation: &client.BuildIDOpPromoteSet{BuildID: "1.0"}})
	moved := startReporter(t, ctx, c, queue, queue+"-moved")
	waitStarted(t, ctx, c, moved)
	update(client.UpdateWorkerBuildIdCompatibilityOptions{Operation: &client.BuildIDOpAddNewCompatibleVersion{
		BuildID: "1.1", ExistingCompatibleBuildID: "1.0"}})
	stop10()
	if _, err := c.WorkflowService().ResetStickyTaskQueue(ctx, &workflowservice.ResetStickyTaskQueueRequest{
		Namespace: "default", Execution: &commonpb.WorkflowExecution{WorkflowId: moved.GetID()}}); err != nil {
		t.Fatalf("ResetStickyTaskQueue: %v", err)
	}
	versionedWorker(t, c, queue, "1.1")
	if got := finish(t, ctx, c, moved); got != "1.1 1.1" {
		t.Fatalf("a run of 1.0's set after 1.1 joined it ran on %q", got)
	}
	if got := finish(t, ctx, c, second); got != "2.0 2.0" {
		t.Fatalf("a run of 2.0's set ran on %q", got)
	}

	// A run continuing as new keeps its build id's set (1.1 now), not the queue's default (2.0).
	update(client.UpdateWorkerBuildIdCompatibilityOptions{Operation: &client.BuildIDOpPromoteSet{BuildID: "2.0"}})
	continuing, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: queue + "-continuing", TaskQueue: queue},
		ContinuingReporter, false)
	if err != nil {
		t.Fatalf("start continuing: %v", err)
	}
	waitStarted(t, ctx, c, continuing)
	update(client.UpdateWorkerBuildIdCompatibilityOptions{Operation: &client.BuildIDOpPromoteSet{BuildID: "1.1"}})
	update(client.UpdateWorkerBuildIdCompatibilityOptions{Operation: &client.BuildIDOpAddNewIDInNewDefaultSet{BuildID: "3.0"}})
	versionedWorker(t, c, queue, "3.0")
	if err := c.SignalWorkflow(ctx, continuing.GetID(), "", "finish", nil); err != nil {
		t.Fatalf("signal continuing: %v", err)
	}
	var continued string
	if err := c.GetWorkflow(ctx, continuing.GetID(), "").Get(ctx, &continued); err != nil {
		t.Fatalf("continued run: %v", err)
	}
	if continued != "2.0 2.0" {
		t.Fatalf("the run continued from 2.0's set ran on %q", continued)
	}

	sets, err := c.GetWorkerBuildIdCompatibility(ctx, &client.GetWorkerBuildIdCompatibilityOptions{TaskQueue: queue})
	if err != nil {
		t.Fatalf("GetWorkerBuildIdCompatibility: %v", err)
	}
	if sets.Default() != "3.0" || len(sets.Sets) != 3 || len(sets.Sets[1].BuildIDs) != 2 {
		t.Fatalf("sets: %+v (default %q)", sets.Sets, sets.Default())
	}
	reach, err := c.GetWorkerTaskReachability(ctx, &client.GetWorkerTaskReachabilityOptions{
		BuildIDs: []string{"3.0", "1.0", "2.0"}, TaskQueues: []string{queue}})
	if err != nil {
		t.Fatalf("GetWorkerTaskReachability: %v", err)
	}
	if r := reach.BuildIDReachability["3.0"].TaskQueueReachable[queue].TaskQueueReachability; len(r) == 0 ||
		r[0] != client.TaskReachabilityNewWorkflows {
		t.Fatalf("3.0's reachability: %v", r)
	}
	if r := reach.BuildIDReachability["1.0"].TaskQueueReachable[queue].TaskQueueReachability; len(r) != 0 {
		t.Fatalf("1.0, no longer its set's default, is reachable: %v", r)
	}
}

func TestAssignmentAndRedirectRulesRouteRuns(t *testing.T) {
	hostPort := hdotest.Target(t, versioningFlags...)
	c := dialAt(t, hostPort)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	queue := fmt.Sprintf("rules-%d", time.Now().UnixNano())
	rules, err := c.GetWorkerVersioningRules(ctx, client.GetWorkerVersioningOptions{TaskQueue: queue})
	if err != nil {
		t.Fatalf("GetWorkerVersioningRules: %v", err)
	}
	token := rules.ConflictToken
	apply := func(options client.UpdateWorkerVersioningRulesOptions) {
		t.Helper()
		options.TaskQueue, options.ConflictToken = queue, token
		got, err := c.UpdateWorkerVersioningRules(ctx, options)
		if err != nil {
			t.Fatalf("UpdateWorkerVersioningRules %T: %v", options.Operation, err)
		}
		token = got.ConflictToken
	}
	apply(client.UpdateWorkerVersioningRulesOptions{Operation: &client.VersioningOperationInsertAssignmentRule{
		RuleIndex: 0, Rule: client.VersioningAssignmentRule{TargetBuildID: "1.0"}}})
	versionedWorker(t, c, queue, "1.0")
	versionedWorker(t, c, queue, "2.0")
	first := startReporter(t, ctx, c, queue, queue+"-first")
	waitStarted(t, ctx, c, first)

	// 2.0 is assigned new runs from now on; the running one stays on 1.0.
	apply(client.UpdateWorkerVersioningRulesOptions{Operation: &client.VersioningOperationInsertAssignmentRule{
		RuleIndex: 0, Rule: client.VersioningAssignmentRule{TargetBuildID: "2.0"}}})
	second := startReporter(t, ctx, c, queue, queue+"-second")
	if got := finish(t, ctx, c, second); got != "2.0 2.0" {
		t.Fatalf("a run assigned to 2.0 ran on %q", got)
	}
	third := startReporter(t, ctx, c, queue, queue+"-third")
	waitStarted(t, ctx, c, third)
	if got := finish(t, ctx, c, first); got != "1.0 1.0" {
		t.Fatalf("the run assigned to 1.0 ran on %q", got)
	}

	// A redirect rule 2.0 -> 2.1 moves 2.0's running run to 2.1.
	versionedWorker(t, c, queue, "2.1")
	apply(client.UpdateWorkerVersioningRulesOptions{Operation: &client.VersioningOperationAddRedirectRule{
		Rule: client.VersioningRedirectRule{SourceBuildID: "2.0", TargetBuildID: "2.1"}}})
	if got := finish(t, ctx, c, third); got != "2.1 2.1" {
		t.Fatalf("a run of 2.0 redirected to 2.1 ran on %q", got)
	}

	// A stale token changes nothing.
	_, err = c.UpdateWorkerVersioningRules(ctx, client.UpdateWorkerVersioningRulesOptions{
		TaskQueue: queue, ConflictToken: rules.ConflictToken,
		Operation: &client.VersioningOperationDeleteAssignmentRule{RuleIndex: 0, Force: true}})
	if !refusedAs(err, 9 /* FailedPrecondition */, "conflict token") {
		t.Fatalf("a stale conflict token: %v", err)
	}
	got, err := c.GetWorkerVersioningRules(ctx, client.GetWorkerVersioningOptions{TaskQueue: queue})
	if err != nil || len(got.AssignmentRules) != 2 || got.AssignmentRules[0].Rule.TargetBuildID != "2.0" ||
		len(got.RedirectRules) != 1 {
		t.Fatalf("rules after: %+v %v", got, err)
	}
}
