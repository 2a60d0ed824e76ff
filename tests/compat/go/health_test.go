// Goal: the official Temporal Go SDK connects to hdo unchanged. Method: client.Dial (which calls
// GetSystemInfo) and CheckHealth against a real `hdo server start-dev`, plus the raw service
// client for the system info fields.
package compat

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

func dial(t *testing.T, s *hdotest.Server) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: s.HostPort, Namespace: "default"})
	if err != nil {
		t.Fatalf("client.Dial(%s): %v", s.HostPort, err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestGoSDKDialsAndChecksHealth(t *testing.T) {
	s := hdotest.Start(t)
	c := dial(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		t.Fatalf("CheckHealth: %v", err)
	}
}

func TestGetSystemInfoCarriesTheServerVersion(t *testing.T) {
	s := hdotest.Start(t)
	c := dial(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err := c.WorkflowService().GetSystemInfo(ctx, &workflowservice.GetSystemInfoRequest{})
	if err != nil {
		t.Fatalf("GetSystemInfo: %v", err)
	}
	if info.GetServerVersion() == "" || info.GetCapabilities() == nil {
		t.Fatalf("GetSystemInfo = %v; want a server version and a capabilities message", info)
	}
}

// An RPC hdo does not implement yet reaches the SDK as codes.Unimplemented with the wording the
// SDKs test for.
func TestUnimplementedRPCIsUnimplementedNotImplemented(t *testing.T) {
	s := hdotest.Start(t)
	c := dial(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Workflow rules: not built.
	_, err := c.WorkflowService().ListWorkflowRules(ctx,
		&workflowservice.ListWorkflowRulesRequest{Namespace: "default"})
	var unimplemented *serviceerror.Unimplemented
	if !errors.As(err, &unimplemented) || !strings.HasSuffix(err.Error(), "not implemented") {
		t.Fatalf("ListWorkflowRules error = %v; want Unimplemented ... not implemented", err)
	}
}
