// Goal: worker versioning (worker deployments) behaves as the reference's for an SDK user: the
// first poll of a VERSIONED worker registers its deployment and version; SetCurrentVersion takes
// the conflict token from Describe and routes new workflows to the current version; a PINNED
// workflow keeps its version after the current one moves on, an AUTO_UPGRADE one starts on the
// new current; the demoted version shows DRAINING; DescribeWorkflowExecution reports each run's
// versioning info and its deployment search attributes; an unknown version and a stale token are refused with the reference's codes
// and messages. Method: the Go SDK's worker deployment client and two versioned Go SDK workers
// on one queue against hdotest.Target (a fresh hdo, or HDO_TARGET, e.g. the reference `temporal
// server start-dev` of CLI 1.5.1).
package compat

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

func versionedWorkflow(result string) func(workflow.Context) (string, error) {
	return func(ctx workflow.Context) (string, error) {
		workflow.GetSignalChannel(ctx, "go").Receive(ctx, nil)
		return result, nil
	}
}

func startVersionedWorker(t *testing.T, c client.Client, queue string, version worker.WorkerDeploymentVersion,
	behavior workflow.VersioningBehavior, result string) {
	t.Helper()
	w := worker.New(c, queue, worker.Options{DeploymentOptions: worker.DeploymentOptions{
		UseVersioning: true,
		Version:       version,
	}})
	w.RegisterWorkflowWithOptions(versionedWorkflow(result), workflow.RegisterOptions{
		Name: "Versioned", VersioningBehavior: behavior,
	})
	if err := w.Start(); err != nil {
		t.Fatalf("worker.Start: %v", err)
	}
	t.Cleanup(w.Stop)
}

func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func runningOn(t *testing.T, c client.Client, run client.WorkflowRun, build string) func() bool {
	return func() bool {
		described, err := c.DescribeWorkflowExecution(context.Background(), run.GetID(), run.GetRunID())
		if err != nil {
			t.Fatalf("DescribeWorkflowExecution: %v", err)
		}
		return described.GetWorkflowExecutionInfo().GetVersioningInfo().GetDeploymentVersion().GetBuildId() == build
	}
}

func TestAPinnedWorkflowKeepsItsVersionWhenTheCurrentOneMovesOn(t *testing.T) {
	c := dialTarget(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	suffix := time.Now().UnixNano()
	queue := fmt.Sprintf("versioned-%d", suffix)
	name := fmt.Sprintf("deploy-%d", suffix)
	v1 := worker.WorkerDeploymentVersion{DeploymentName: name, BuildID: "1.0"}
	v2 := worker.WorkerDeploymentVersion{DeploymentName: name, BuildID: "2.0"}
	startVersionedWorker(t, c, queue, v1, workflow.VersioningBehaviorPinned, "from-v1")
	startVersionedWorker(t, c, queue, v2, workflow.VersioningBehaviorAutoUpgrade, "from-v2")

	handle := c.WorkerDeploymentClient().GetHandle(name)
	var described client.WorkerDeploymentDescribeResponse
	eventually(t, "both versions registered", func() bool {
		var err error
		described, err = handle.Describe(ctx, client.WorkerDeploymentDescribeOptions{})
		return err == nil && len(described.Info.VersionSummaries) == 2
	})
	if described.Info.RoutingConfig.CurrentVersion != nil {
		t.Fatalf("a new deployment's current version: %v", described.Info.RoutingConfig.CurrentVersion)
	}

	// An unknown version and a stale token are refused.
	_, err := handle.SetCurrentVersion(ctx, client.WorkerDeploymentSetCurrentVersionOptions{BuildID: "9.9"})
	var notFound *serviceerror.NotFound
	if !errors.As(err, &notFound) || notFound.Message != "Version not found in deployment" {
		t.Fatalf("SetCurrentVersion of an unknown version: %v", err)
	}
	_, err = handle.SetCurrentVersion(ctx, client.WorkerDeploymentSetCurrentVersionOptions{
		BuildID: v1.BuildID, ConflictToken: []byte("stale"),
	})
	var precondition *serviceerror.FailedPrecondition
	if !errors.As(err, &precondition) || precondition.Message != "conflict token mismatch" {
		t.Fatalf("SetCurrentVersion with a stale token: %v", err)
	}

	set, err := handle.SetCurrentVersion(ctx, client.WorkerDeploymentSetCurrentVersionOptions{
		BuildID: v1.BuildID, ConflictToken: described.ConflictToken, Identity: "compat-test",
	})
	if err != nil {
		t.Fatalf("SetCurrentVersion 1.0: %v", err)
	}
	pinned, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: queue + "-pinned", TaskQueue: queue}, "Versioned")
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	eventually(t, "the pinned workflow running on 1.0", runningOn(t, c, pinned, "1.0"))
	info, err := c.DescribeWorkflowExecution(ctx, pinned.GetID(), pinned.GetRunID())
	if err != nil || info.GetWorkflowExecutionInfo().GetVersioningInfo().GetBehavior() != enumspb.VERSIONING_BEHAVIOR_PINNED {
		t.Fatalf("versioning info of the pinned run: %v (%v)", info.GetWorkflowExecutionInfo().GetVersioningInfo(), err)
	}
	// Describe's search attributes carry the deployment attributes that lists filter on.
	attributes := info.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()
	for attribute, want := range map[string]string{
		"TemporalWorkerDeployment":           name,
		"TemporalWorkerDeploymentVersion":    name + ":1.0",
		"TemporalWorkflowVersioningBehavior": "Pinned",
	} {
		var got string
		if payload, ok := attributes[attribute]; !ok {
			t.Errorf("Describe's search attributes lack %s (have %v)", attribute, attributes)
		} else if err := converter.GetDefaultDataConverter().FromPayload(payload, &got); err != nil || got != want {
			t.Errorf("Describe's %s = %q (%v), want %q", attribute, got, err, want)
		}
	}
	var buildIDs []string
	if payload, ok := attributes["BuildIds"]; !ok {
		t.Errorf("Describe's search attributes lack BuildIds (have %v)", attributes)
	} else if err := converter.GetDefaultDataConverter().FromPayload(payload, &buildIDs); err != nil ||
		!slices.Contains(buildIDs, "pinned:"+name+":1.0") {
		t.Errorf("Describe's BuildIds = %v (%v), want pinned:%s:1.0 among them", buildIDs, err, name)
	}

	if _, err := handle.SetCurrentVersion(ctx, client.WorkerDeploymentSetCurrentVersionOptions{
		BuildID: v2.BuildID, ConflictToken: set.ConflictToken, Identity: "compat-test",
	}); err != nil {
		t.Fatalf("SetCurrentVersion 2.0: %v", err)
	}
	upgraded, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: queue + "-new", TaskQueue: queue}, "Versioned")
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	eventually(t, "the new workflow running on 2.0", runningOn(t, c, upgraded, "2.0"))

	described, err = handle.Describe(ctx, client.WorkerDeploymentDescribeOptions{})
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	if described.Info.RoutingConfig.CurrentVersion == nil || *described.Info.RoutingConfig.CurrentVersion != v2 ||
		described.Info.RoutingConfig.RampingVersion != nil || described.Info.LastModifierIdentity != "compat-test" {
		t.Fatalf("routing after 2.0 became current: %+v", described.Info)
	}
	for _, summary := range described.Info.VersionSummaries {
		want := client.WorkerDeploymentVersionDrainageStatus(client.WorkerDeploymentVersionDrainageStatusUnspecified)
		if summary.Version == v1 {
			want = client.WorkerDeploymentVersionDrainageStatus(client.WorkerDeploymentVersionDrainageStatusDraining)
		}
		if summary.DrainageStatus != want {
			t.Fatalf("drainage of %v: %v, want %v", summary.Version, summary.DrainageStatus, want)
		}
	}

	for _, run := range []client.WorkflowRun{pinned, upgraded} {
		if err := c.SignalWorkflow(ctx, run.GetID(), run.GetRunID(), "go", nil); err != nil {
			t.Fatalf("SignalWorkflow: %v", err)
		}
	}
	for run, want := range map[client.WorkflowRun]string{pinned: "from-v1", upgraded: "from-v2"} {
		var result string
		if err := run.Get(ctx, &result); err != nil || result != want {
			t.Fatalf("%s: %q (%v), want %q", run.GetID(), result, err, want)
		}
	}
}
