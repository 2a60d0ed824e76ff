// Goal: a worker's build id and deployment reach the WorkflowTaskCompleted events as the
// reference writes them, so that SDKs replaying a history read back the build id each task ran
// on (Python's workflow.info().get_current_build_id(), the worker deployment tests): the server
// says it takes build-id stamps (GetSystemInfo), a worker with a build id stamps its completions,
// an unversioned worker with deployment options names its deployment (and its version, from the
// deprecated deployment the Go SDK still sends).
// Method: a real hdo (or HDO_TARGET, e.g. the reference `temporal server start-dev` of the
// temporal CLI 1.5.1) and Go SDK workers.
package compat

import (
	"context"
	"fmt"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// OneTask completes in its first workflow task.
func OneTask(workflow.Context) (string, error) { return "done", nil }

func completedTasks(t *testing.T, c client.Client, id string) []*historypb.WorkflowTaskCompletedEventAttributes {
	t.Helper()
	iter := c.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var completed []*historypb.WorkflowTaskCompletedEventAttributes
	for iter.HasNext() {
		event, err := iter.Next()
		if err != nil {
			t.Fatalf("history: %v", err)
		}
		if attributes := event.GetWorkflowTaskCompletedEventAttributes(); attributes != nil {
			completed = append(completed, attributes)
		}
	}
	return completed
}

func runOneTask(t *testing.T, c client.Client, options worker.Options) string {
	t.Helper()
	queue := fmt.Sprintf("build-id-%d", time.Now().UnixNano())
	runWorker(t, c, queue, options, []any{OneTask}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "build-id-" + queue, TaskQueue: queue}, OneTask)
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	if err := run.Get(ctx, nil); err != nil {
		t.Fatalf("workflow: %v", err)
	}
	return run.GetID()
}

func TestAWorkersBuildIdAndDeploymentReachItsCompletedTasks(t *testing.T) {
	c := dialTarget(t)
	info, err := c.WorkflowService().GetSystemInfo(context.Background(), &workflowservice.GetSystemInfoRequest{})
	if err != nil || !info.GetCapabilities().GetBuildIdBasedVersioning() {
		t.Fatalf("GetSystemInfo capabilities %v (%v): build-id stamps not taken", info.GetCapabilities(), err)
	}

	//nolint:staticcheck // the build id of a worker without deployment versioning
	stamped := completedTasks(t, c, runOneTask(t, c, worker.Options{BuildID: "1.0"}))
	if len(stamped) != 1 || stamped[0].GetWorkerVersion().GetBuildId() != "1.0" ||
		stamped[0].GetWorkerVersion().GetUseVersioning() {
		t.Fatalf("completed tasks of a 1.0 worker: %v", stamped)
	}

	deployed := completedTasks(t, c, runOneTask(t, c, worker.Options{DeploymentOptions: worker.DeploymentOptions{
		Version: worker.WorkerDeploymentVersion{DeploymentName: "orders", BuildID: "2.0"},
	}}))
	if len(deployed) != 1 || deployed[0].GetWorkerDeploymentName() != "orders" ||
		deployed[0].GetDeploymentVersion().GetDeploymentName() != "orders" ||
		deployed[0].GetDeploymentVersion().GetBuildId() != "2.0" ||
		deployed[0].GetVersioningBehavior() != enumspb.VERSIONING_BEHAVIOR_UNSPECIFIED {
		t.Fatalf("completed tasks of an unversioned deployment worker: %v", deployed)
	}
}
