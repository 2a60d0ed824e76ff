// Goal: the Go SDK's namespace client works against hdo and sees the typed errors it expects.
// Method: NamespaceClient Register/Describe/Update and the raw ListNamespaces against a real server.
package compat

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"
)

func namespaceClient(t *testing.T, s *hdotest.Server) client.NamespaceClient {
	t.Helper()
	nc, err := client.NewNamespaceClient(client.Options{HostPort: s.HostPort})
	if err != nil {
		t.Fatalf("NewNamespaceClient: %v", err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func TestNamespaceRegisterDescribeUpdateList(t *testing.T) {
	s := hdotest.Start(t, "--namespace", "orders")
	nc := namespaceClient(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	err := nc.Register(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace:                        "payments",
		Description:                      "card payments",
		WorkflowExecutionRetentionPeriod: durationpb.New(72 * time.Hour),
		Data:                             map[string]string{"team": "billing"},
	})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	described, err := nc.Describe(ctx, "payments")
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	if got := described.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(); got != 72*time.Hour {
		t.Errorf("retention = %v, want 72h", got)
	}
	if described.GetNamespaceInfo().GetDescription() != "card payments" ||
		described.GetNamespaceInfo().GetData()["team"] != "billing" {
		t.Errorf("namespace info = %v", described.GetNamespaceInfo())
	}

	err = nc.Update(ctx, &workflowservice.UpdateNamespaceRequest{
		Namespace:  "payments",
		UpdateInfo: &namespacepb.UpdateNamespaceInfo{Description: "all payments"},
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	described, err = nc.Describe(ctx, "payments")
	if err != nil || described.GetNamespaceInfo().GetDescription() != "all payments" {
		t.Fatalf("Describe after update = %v, %v", described.GetNamespaceInfo(), err)
	}

	c := dial(t, s)
	listed, err := c.WorkflowService().ListNamespaces(ctx, &workflowservice.ListNamespacesRequest{})
	if err != nil {
		t.Fatalf("ListNamespaces: %v", err)
	}
	var names []string
	for _, ns := range listed.GetNamespaces() {
		names = append(names, ns.GetNamespaceInfo().GetName())
	}
	want := []string{"default", "orders", "payments"}
	if len(names) != len(want) {
		t.Fatalf("namespaces = %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("namespaces = %v, want %v", names, want)
		}
	}
}

func TestNamespaceErrorsAreTyped(t *testing.T) {
	s := hdotest.Start(t)
	nc := namespaceClient(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	_, err := nc.Describe(ctx, "ghost")
	var notFound *serviceerror.NamespaceNotFound
	if !errors.As(err, &notFound) || notFound.Namespace != "ghost" {
		t.Errorf("Describe(ghost) error = %#v; want NamespaceNotFound{Namespace: ghost}", err)
	}

	err = nc.Register(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace: "default", WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour),
	})
	var exists *serviceerror.NamespaceAlreadyExists
	if !errors.As(err, &exists) {
		t.Errorf("Register(default) error = %#v; want NamespaceAlreadyExists", err)
	}

	err = nc.Register(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace: "brief", WorkflowExecutionRetentionPeriod: durationpb.New(time.Minute),
	})
	var invalid *serviceerror.InvalidArgument
	if !errors.As(err, &invalid) {
		t.Errorf("Register with 1m retention error = %#v; want InvalidArgument", err)
	}
	if _, err := nc.Describe(ctx, "brief"); !errors.As(err, &notFound) {
		t.Errorf("a refused Register created the namespace: %v", err)
	}
}

// The Go SDK worker's startup check: DescribeNamespace of the client's namespace must succeed.
func TestDefaultNamespaceExistsForWorkers(t *testing.T) {
	s := hdotest.Start(t)
	nc := namespaceClient(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	described, err := nc.Describe(ctx, "default")
	if err != nil {
		t.Fatalf("Describe(default): %v", err)
	}
	if got := described.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(); got != 24*time.Hour {
		t.Errorf("default retention = %v, want 24h", got)
	}
}
