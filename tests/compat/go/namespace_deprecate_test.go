// Goal: DeprecateNamespace (and UpdateNamespace's state) work as on the reference: the namespace
// is marked DEPRECATED, its runs go on and can be signalled and ended, new runs are refused
// (StartWorkflowExecution and SignalWithStart) with the reference's words, and the state never
// goes back. The features the reference dev server ships switched off answer with its words.
// Method: the raw WorkflowService client against a fresh hdo (or HDO_TARGET, e.g. the reference
// dev server). Every wait is bounded.
package compat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/serviceerror"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Whether err is a gRPC error with `code` whose message contains `words` (the SDK turns statuses
// into serviceerror types, which grpc's status.Code does not see through).
func refusedAs(err error, code codes.Code, words string) bool {
	if err == nil {
		return false
	}
	s := serviceerror.ToStatus(err)
	return s.Code() == code && strings.Contains(s.Message(), words)
}

func TestADeprecatedNamespaceKeepsItsRunsAndRefusesNewOnes(t *testing.T) {
	hostPort := hdotest.Target(t)
	c := dialAt(t, hostPort)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ws := c.WorkflowService()
	name := fmt.Sprintf("old-%d", time.Now().UnixNano())
	if _, err := ws.RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace: name, WorkflowExecutionRetentionPeriod: durationpb.New(72 * time.Hour)}); err != nil {
		t.Fatalf("RegisterNamespace: %v", err)
	}
	start := func(workflowID string) error {
		_, err := ws.StartWorkflowExecution(ctx, &workflowservice.StartWorkflowExecutionRequest{
			Namespace: name, WorkflowId: workflowID, RequestId: workflowID + "-request",
			WorkflowType: &commonpb.WorkflowType{Name: "Anything"},
			TaskQueue:    &taskqueuepb.TaskQueue{Name: "nobody"}})
		return err
	}
	// The reference's namespace cache learns a new namespace within seconds.
	hdotest.Eventually(t, 30*time.Second, func() error { return start("before") })

	if _, err := ws.DeprecateNamespace(ctx, &workflowservice.DeprecateNamespaceRequest{Namespace: name}); err != nil {
		t.Fatalf("DeprecateNamespace: %v", err)
	}
	described, err := ws.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: name})
	if err != nil {
		t.Fatalf("DescribeNamespace: %v", err)
	}
	if got := described.GetNamespaceInfo().GetState(); got != enumspb.NAMESPACE_STATE_DEPRECATED {
		t.Fatalf("state after DeprecateNamespace: %v", got)
	}

	// New runs refused, by either way in.
	const refusal = "Namespace has invalid state: Deprecated. Must be Registered."
	// (A fresh id per attempt: the reference may start one while its cache still has the old
	// state.)
	attempt := 0
	refused := ""
	hdotest.Eventually(t, 30*time.Second, func() error {
		attempt++
		refused = fmt.Sprintf("after-%d", attempt)
		if err := start(refused); !refusedAs(err, codes.FailedPrecondition, refusal) {
			return fmt.Errorf("start in a deprecated namespace: %T %v", err, err)
		}
		return nil
	})
	_, err = ws.SignalWithStartWorkflowExecution(ctx, &workflowservice.SignalWithStartWorkflowExecutionRequest{
		Namespace: name, WorkflowId: "after-signal", RequestId: "after-signal-request",
		WorkflowType: &commonpb.WorkflowType{Name: "Anything"}, TaskQueue: &taskqueuepb.TaskQueue{Name: "nobody"},
		SignalName: "go"})
	if !refusedAs(err, codes.FailedPrecondition, refusal) {
		t.Fatalf("SignalWithStart in a deprecated namespace: %v", err)
	}
	if _, err := ws.DescribeWorkflowExecution(ctx, &workflowservice.DescribeWorkflowExecutionRequest{
		Namespace: name, Execution: &commonpb.WorkflowExecution{WorkflowId: refused}}); err == nil {
		t.Fatalf("the refused start left a run")
	}

	// The run it had goes on: signalled, then ended.
	if _, err := ws.SignalWorkflowExecution(ctx, &workflowservice.SignalWorkflowExecutionRequest{
		Namespace: name, WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: "before"},
		SignalName: "still-there", RequestId: "signal-1"}); err != nil {
		t.Fatalf("signal a run of a deprecated namespace: %v", err)
	}
	if _, err := ws.TerminateWorkflowExecution(ctx, &workflowservice.TerminateWorkflowExecutionRequest{
		Namespace: name, WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: "before"},
		Reason: "done"}); err != nil {
		t.Fatalf("terminate a run of a deprecated namespace: %v", err)
	}

	// The state does not go back; deprecating again is answered.
	_, err = ws.UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{Namespace: name,
		UpdateInfo: &namespacepb.UpdateNamespaceInfo{State: enumspb.NAMESPACE_STATE_REGISTERED}})
	var invalid *serviceerror.InvalidArgument
	if !errors.As(err, &invalid) || invalid.Message != "Invalid namespace state update." {
		t.Fatalf("UpdateNamespace back to REGISTERED: %v", err)
	}
	if _, err := ws.DeprecateNamespace(ctx, &workflowservice.DeprecateNamespaceRequest{Namespace: name}); err != nil {
		t.Fatalf("DeprecateNamespace again: %v", err)
	}
	described, err = ws.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: name})
	if err != nil || described.GetNamespaceInfo().GetState() != enumspb.NAMESPACE_STATE_DEPRECATED {
		t.Fatalf("after the refused update: %v %v", described.GetNamespaceInfo().GetState(), err)
	}

	// An unknown namespace: NotFound.
	_, err = ws.DeprecateNamespace(ctx, &workflowservice.DeprecateNamespaceRequest{Namespace: name + "-none"})
	var notFound *serviceerror.NamespaceNotFound
	var plainNotFound *serviceerror.NotFound
	if !errors.As(err, &notFound) && !errors.As(err, &plainNotFound) {
		t.Fatalf("DeprecateNamespace of an unknown namespace: %T %v", err, err)
	}
}

// UpdateNamespace's state: REGISTERED to DEPRECATED is the same deprecation.
func TestUpdateNamespaceStateDeprecates(t *testing.T) {
	hostPort := hdotest.Target(t)
	c := dialAt(t, hostPort)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ws := c.WorkflowService()
	name := fmt.Sprintf("aging-%d", time.Now().UnixNano())
	if _, err := ws.RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace: name, WorkflowExecutionRetentionPeriod: durationpb.New(72 * time.Hour)}); err != nil {
		t.Fatalf("RegisterNamespace: %v", err)
	}
	updated, err := ws.UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{Namespace: name,
		UpdateInfo: &namespacepb.UpdateNamespaceInfo{State: enumspb.NAMESPACE_STATE_DEPRECATED}})
	if err != nil || updated.GetNamespaceInfo().GetState() != enumspb.NAMESPACE_STATE_DEPRECATED {
		t.Fatalf("UpdateNamespace to DEPRECATED: %v %v", updated.GetNamespaceInfo().GetState(), err)
	}
	hdotest.Eventually(t, 30*time.Second, func() error {
		_, err := ws.StartWorkflowExecution(ctx, &workflowservice.StartWorkflowExecutionRequest{
			Namespace: name, WorkflowId: "w", RequestId: "w-request",
			WorkflowType: &commonpb.WorkflowType{Name: "Anything"},
			TaskQueue:    &taskqueuepb.TaskQueue{Name: "nobody"}})
		if !refusedAs(err, codes.FailedPrecondition, "Namespace has invalid state: Deprecated.") {
			return fmt.Errorf("start in a namespace deprecated by UpdateNamespace: %v", err)
		}
		return nil
	})
}

// The features the reference dev server ships switched off, or has retired, answer with its
// words: build-id versioning v0.1/v0.2, deployments v1, the worker commands, archived visibility.
func TestSwitchedOffFeaturesAnswerAsTheReference(t *testing.T) {
	hostPort := hdotest.Target(t)
	c := dialAt(t, hostPort)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws := c.WorkflowService()
	const v1 = "Worker versioning v0.1 (Version Set-based, deprecated) is disabled on this namespace."
	const v2 = "Worker versioning v0.2 (Rules-based, deprecated) is disabled on this namespace."
	const deployments = "Deployments are deprecated and no longer supported, use Worker Deployments instead"
	cases := []struct {
		name    string
		call    func() error
		code    codes.Code
		message string
	}{
		{"UpdateWorkerBuildIdCompatibility", func() error {
			_, err := ws.UpdateWorkerBuildIdCompatibility(ctx, &workflowservice.UpdateWorkerBuildIdCompatibilityRequest{
				Namespace: "default", TaskQueue: "q",
				Operation: &workflowservice.UpdateWorkerBuildIdCompatibilityRequest_AddNewBuildIdInNewDefaultSet{AddNewBuildIdInNewDefaultSet: "b1"}})
			return err
		}, codes.PermissionDenied, v1},
		{"GetWorkerBuildIdCompatibility", func() error {
			_, err := ws.GetWorkerBuildIdCompatibility(ctx, &workflowservice.GetWorkerBuildIdCompatibilityRequest{Namespace: "default", TaskQueue: "q"})
			return err
		}, codes.PermissionDenied, v1},
		{"GetWorkerVersioningRules", func() error {
			_, err := ws.GetWorkerVersioningRules(ctx, &workflowservice.GetWorkerVersioningRulesRequest{Namespace: "default", TaskQueue: "q"})
			return err
		}, codes.PermissionDenied, v2},
		{"GetWorkerTaskReachability", func() error {
			_, err := ws.GetWorkerTaskReachability(ctx, &workflowservice.GetWorkerTaskReachabilityRequest{Namespace: "default", BuildIds: []string{"b1"}})
			return err
		}, codes.PermissionDenied, v2},
		{"ListDeployments", func() error {
			_, err := ws.ListDeployments(ctx, &workflowservice.ListDeploymentsRequest{Namespace: "default"})
			return err
		}, codes.Unimplemented, deployments},
		{"FetchWorkerConfig", func() error {
			_, err := ws.FetchWorkerConfig(ctx, &workflowservice.FetchWorkerConfigRequest{Namespace: "default"})
			return err
		}, codes.Unimplemented, "FetchWorkerConfig command is not enabled."},
		{"ListArchivedWorkflowExecutions", func() error {
			_, err := ws.ListArchivedWorkflowExecutions(ctx, &workflowservice.ListArchivedWorkflowExecutionsRequest{Namespace: "default"})
			return err
		}, codes.InvalidArgument, "Cluster is not configured for visibility archival."},
	}
	for _, tc := range cases {
		err := tc.call()
		if !refusedAs(err, tc.code, tc.message) {
			t.Errorf("%s: %v (want %v %q)", tc.name, err, tc.code, tc.message)
		}
	}
}
