// Goal: the Nexus endpoint RPCs of OperatorService (Create/Update/Delete/Get/ListNexusEndpoints)
// behave as the reference's: the endpoint a create returns (id, version 1, url_prefix,
// created_time, no last_modified_time), version checks, the name filter and id-ordered pages, and
// the code and exact message of every bad request; and the reference `temporal` CLI's `operator
// nexus endpoint` commands work unchanged. Method: the raw OperatorService client of the Go SDK
// and the CLI against hdotest.Target (a fresh hdo, or HDO_TARGET, e.g. the reference `temporal
// server start-dev` of CLI 1.5.1, against which every shared assertion was first proven).
// Endpoints are cluster-wide, so each test names its own with a unique suffix. Where hdo departs
// from the reference on purpose (the reference drops created_time on update, lets an update
// take another endpoint's name, and ignores a delete's version), the hdo-only test says so and
// does not run against HDO_TARGET.
package compat

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	commonpb "go.temporal.io/api/common/v1"
	nexuspb "go.temporal.io/api/nexus/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
)

const nexusNameRegexIssue = `endpoint name must match the regex: "^[a-zA-Z][a-zA-Z0-9\\-]*[a-zA-Z0-9]$"`

type nexusEndpointTest struct {
	t      *testing.T
	ops    operatorservice.OperatorServiceClient
	ctx    context.Context
	suffix string
}

func newNexusEndpointTest(t *testing.T) (*nexusEndpointTest, client.Client) {
	t.Helper()
	c := dialTarget(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return &nexusEndpointTest{t: t, ops: c.OperatorService(), ctx: ctx, suffix: fmt.Sprintf("%d", time.Now().UnixNano())}, c
}

func nexusWorkerSpec(name, namespace, taskQueue string) *nexuspb.EndpointSpec {
	return &nexuspb.EndpointSpec{Name: name, Target: &nexuspb.EndpointTarget{Variant: &nexuspb.EndpointTarget_Worker_{
		Worker: &nexuspb.EndpointTarget_Worker{Namespace: namespace, TaskQueue: taskQueue}}}}
}

func nexusExternalSpec(name, url string) *nexuspb.EndpointSpec {
	return &nexuspb.EndpointSpec{Name: name, Target: &nexuspb.EndpointTarget{Variant: &nexuspb.EndpointTarget_External_{
		External: &nexuspb.EndpointTarget_External{Url: url}}}}
}

// create creates an endpoint, deleted again when the test ends (unless the test deleted it).
func (n *nexusEndpointTest) create(spec *nexuspb.EndpointSpec) *nexuspb.Endpoint {
	n.t.Helper()
	created, err := n.ops.CreateNexusEndpoint(n.ctx, &operatorservice.CreateNexusEndpointRequest{Spec: spec})
	if err != nil {
		n.t.Fatalf("CreateNexusEndpoint(%s): %v", spec.GetName(), err)
	}
	id := created.GetEndpoint().GetId()
	n.t.Cleanup(func() {
		got, err := n.ops.GetNexusEndpoint(context.Background(), &operatorservice.GetNexusEndpointRequest{Id: id})
		if err == nil {
			_, _ = n.ops.DeleteNexusEndpoint(context.Background(), &operatorservice.DeleteNexusEndpointRequest{Id: id, Version: got.GetEndpoint().GetVersion()})
		}
	})
	return created.GetEndpoint()
}

// expectStatus requires err to carry code and message.
func expectStatus(t *testing.T, what string, err error, code codes.Code, message string) {
	t.Helper()
	s := serviceerror.ToStatus(err)
	if err == nil || s.Code() != code || s.Message() != message {
		t.Errorf("%s: want %v %q, got %v", what, code, message, err)
	}
}

func TestNexusEndpointLifecycle(t *testing.T) {
	n, _ := newNexusEndpointTest(t)
	name := "life-" + n.suffix
	spec := nexusWorkerSpec(name, "default", "life-queue")
	spec.Description = &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"what it does"`)}
	endpoint := n.create(spec)
	if endpoint.GetVersion() != 1 || endpoint.GetUrlPrefix() != "/nexus/endpoints/"+endpoint.GetId()+"/services" ||
		endpoint.GetCreatedTime() == nil || endpoint.GetLastModifiedTime() != nil || !proto.Equal(endpoint.GetSpec(), spec) {
		t.Errorf("created endpoint: %v", endpoint)
	}

	_, err := n.ops.CreateNexusEndpoint(n.ctx, &operatorservice.CreateNexusEndpointRequest{Spec: spec})
	expectStatus(t, "create a taken name", err, codes.AlreadyExists,
		"error creating Nexus endpoint. Endpoint with name "+name+" already registered")

	got, err := n.ops.GetNexusEndpoint(n.ctx, &operatorservice.GetNexusEndpointRequest{Id: endpoint.GetId()})
	if err != nil || !proto.Equal(got.GetEndpoint(), endpoint) {
		t.Errorf("GetNexusEndpoint: %v, %v; want %v", got, err, endpoint)
	}

	newSpec := nexusWorkerSpec(name+"-renamed", "default", "other-queue")
	_, err = n.ops.UpdateNexusEndpoint(n.ctx, &operatorservice.UpdateNexusEndpointRequest{Id: endpoint.GetId(), Version: 7, Spec: newSpec})
	expectStatus(t, "update with a stale version", err, codes.FailedPrecondition, "nexus endpoint version mismatch. received: 7 expected 1")
	unknown := "00000000-0000-0000-0000-000000000000"
	_, err = n.ops.UpdateNexusEndpoint(n.ctx, &operatorservice.UpdateNexusEndpointRequest{Id: unknown, Version: 1, Spec: newSpec})
	expectStatus(t, "update an unknown id", err, codes.NotFound, "error updating Nexus endpoint. endpoint ID "+unknown+" not found")
	updated, err := n.ops.UpdateNexusEndpoint(n.ctx, &operatorservice.UpdateNexusEndpointRequest{Id: endpoint.GetId(), Version: 1, Spec: newSpec})
	if err != nil {
		t.Fatalf("UpdateNexusEndpoint: %v", err)
	}
	if u := updated.GetEndpoint(); u.GetVersion() != 2 || u.GetId() != endpoint.GetId() || u.GetLastModifiedTime() == nil ||
		u.GetUrlPrefix() != endpoint.GetUrlPrefix() || !proto.Equal(u.GetSpec(), newSpec) {
		t.Errorf("updated endpoint: %v", u)
	}

	listed, err := n.ops.ListNexusEndpoints(n.ctx, &operatorservice.ListNexusEndpointsRequest{Name: name + "-renamed", PageSize: -1})
	if err != nil || len(listed.GetEndpoints()) != 1 || listed.GetEndpoints()[0].GetVersion() != 2 {
		t.Errorf("list by name (the page size ignored): %v, %v", listed, err)
	}
	listed, err = n.ops.ListNexusEndpoints(n.ctx, &operatorservice.ListNexusEndpointsRequest{Name: "no-such-" + n.suffix})
	if err != nil || len(listed.GetEndpoints()) != 0 {
		t.Errorf("list by an unknown name: %v, %v", listed, err)
	}

	_, err = n.ops.DeleteNexusEndpoint(n.ctx, &operatorservice.DeleteNexusEndpointRequest{Id: unknown, Version: 1})
	expectStatus(t, "delete an unknown id", err, codes.NotFound, "error deleting nexus endpoint with ID: "+unknown)
	if _, err := n.ops.DeleteNexusEndpoint(n.ctx, &operatorservice.DeleteNexusEndpointRequest{Id: endpoint.GetId(), Version: 2}); err != nil {
		t.Fatalf("DeleteNexusEndpoint: %v", err)
	}
	_, err = n.ops.GetNexusEndpoint(n.ctx, &operatorservice.GetNexusEndpointRequest{Id: endpoint.GetId()})
	expectStatus(t, "get a deleted endpoint", err, codes.NotFound, "Nexus endpoint with ID `"+endpoint.GetId()+"` not found")
}

func TestNexusEndpointListPagesInIdOrder(t *testing.T) {
	n, _ := newNexusEndpointTest(t)
	mine := map[string]bool{}
	var ids []string
	for i := 0; i < 5; i++ {
		endpoint := n.create(nexusExternalSpec(fmt.Sprintf("page-%d-%s", i, n.suffix), "http://localhost:7243/"))
		mine[endpoint.GetId()] = true
		ids = append(ids, endpoint.GetId())
	}
	sort.Strings(ids)
	var listed []string
	var token []byte
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("the pages never end")
		}
		page, err := n.ops.ListNexusEndpoints(n.ctx, &operatorservice.ListNexusEndpointsRequest{PageSize: 2, NextPageToken: token})
		if err != nil {
			t.Fatalf("ListNexusEndpoints: %v", err)
		}
		if len(page.GetEndpoints()) > 2 {
			t.Errorf("a page of %d endpoints, asked for 2", len(page.GetEndpoints()))
		}
		for _, endpoint := range page.GetEndpoints() {
			if mine[endpoint.GetId()] {
				listed = append(listed, endpoint.GetId())
			}
		}
		if token = page.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	if strings.Join(listed, ",") != strings.Join(ids, ",") {
		t.Errorf("listed %v, want in id order %v", listed, ids)
	}
	_, err := n.ops.ListNexusEndpoints(n.ctx, &operatorservice.ListNexusEndpointsRequest{PageSize: -1})
	expectStatus(t, "a negative page size", err, codes.InvalidArgument, "page_size is negative")
	_, err = n.ops.ListNexusEndpoints(n.ctx, &operatorservice.ListNexusEndpointsRequest{PageSize: 1001})
	expectStatus(t, "a page size over the limit", err, codes.InvalidArgument, "page_size exceeds limit of 1000")
}

func TestNexusEndpointBadRequestsAreRefusedInTheReferencesWords(t *testing.T) {
	n, _ := newNexusEndpointTest(t)
	name := "bad-" + n.suffix
	bigDescription := nexusWorkerSpec(name, "default", "q")
	bigDescription.Description = &commonpb.Payload{Data: make([]byte, 20000)}
	for _, tc := range []struct {
		spec    *nexuspb.EndpointSpec
		code    codes.Code
		message string
	}{
		{&nexuspb.EndpointSpec{}, codes.InvalidArgument, "endpoint name not set, empty target variant"},
		{nexusWorkerSpec("1x", "default", "q"), codes.InvalidArgument, nexusNameRegexIssue},
		{nexusWorkerSpec("a", "default", "q"), codes.InvalidArgument, nexusNameRegexIssue},
		{nexusWorkerSpec("a_b", "default", "q"), codes.InvalidArgument, nexusNameRegexIssue},
		{nexusWorkerSpec("a"+strings.Repeat("b", 200), "default", "q"), codes.InvalidArgument, "endpoint name exceeds length limit of 200"},
		{nexusWorkerSpec("_x", "", ""), codes.InvalidArgument,
			nexusNameRegexIssue + `, target namespace not set, invalid target task queue: "taskQueue is not set"`},
		{nexusWorkerSpec("_x", "no-such-namespace", ""), codes.FailedPrecondition,
			"could not verify namespace referenced by target exists: Namespace no-such-namespace is not found."},
		{nexusWorkerSpec(name, "default", "/_sys/x"), codes.InvalidArgument,
			`invalid target task queue: "task queue name cannot start with reserved prefix /_sys/"`},
		{nexusWorkerSpec(name, "default", strings.Repeat("q", 1001)), codes.InvalidArgument, `invalid target task queue: "taskQueue length exceeds limit"`},
		{nexusExternalSpec(name, ""), codes.InvalidArgument, "empty target URL"},
		{nexusExternalSpec(name, "ftp://x"), codes.InvalidArgument, `invalid target URL scheme: "ftp", expected http or https`},
		{nexusExternalSpec(name, "localhost:8080"), codes.InvalidArgument, `invalid target URL scheme: "localhost", expected http or https`},
		{nexusExternalSpec(name, "http://a b"), codes.InvalidArgument, `invalid target URL: parse "http://a b": invalid character " " in host name`},
		{nexusExternalSpec(name, "http://a:xy/"), codes.InvalidArgument, `invalid target URL: parse "http://a:xy/": invalid port ":xy" after host`},
		{nexusExternalSpec(name, "http://a/%zz"), codes.InvalidArgument, `invalid target URL: parse "http://a/%zz": invalid URL escape "%zz"`},
		{nexusExternalSpec(name, "http://x/"+strings.Repeat("a", 4096)), codes.InvalidArgument, "target URL length exceeds limit of 4096"},
		{bigDescription, codes.InvalidArgument, "description size exceeds limit of 20000"},
	} {
		_, err := n.ops.CreateNexusEndpoint(n.ctx, &operatorservice.CreateNexusEndpointRequest{Spec: tc.spec})
		expectStatus(t, "create "+tc.spec.GetName(), err, tc.code, tc.message)
		_, err = n.ops.UpdateNexusEndpoint(n.ctx, &operatorservice.UpdateNexusEndpointRequest{Id: "abc", Version: 1, Spec: tc.spec})
		expectStatus(t, "update to "+tc.spec.GetName(), err, tc.code, tc.message)
	}
	listed, err := n.ops.ListNexusEndpoints(n.ctx, &operatorservice.ListNexusEndpointsRequest{Name: name})
	if err != nil || len(listed.GetEndpoints()) != 0 {
		t.Errorf("a refused request created an endpoint: %v, %v", listed, err)
	}

	_, err = n.ops.GetNexusEndpoint(n.ctx, &operatorservice.GetNexusEndpointRequest{})
	expectStatus(t, "get without an id", err, codes.InvalidArgument, "endpoint ID not set")
	_, err = n.ops.GetNexusEndpoint(n.ctx, &operatorservice.GetNexusEndpointRequest{Id: "abc"})
	expectStatus(t, "get a malformed id", err, codes.InvalidArgument, `malformed endpoint ID: "invalid UUID length: 3"`)
	_, err = n.ops.GetNexusEndpoint(n.ctx, &operatorservice.GetNexusEndpointRequest{Id: "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"})
	expectStatus(t, "get a non-hex id", err, codes.InvalidArgument, `malformed endpoint ID: "invalid UUID format"`)
	_, err = n.ops.DeleteNexusEndpoint(n.ctx, &operatorservice.DeleteNexusEndpointRequest{})
	expectStatus(t, "delete without id and version", err, codes.InvalidArgument, "endpoint ID not set, endpoint version is non-positive")
}

// hdo departs from the reference where the reference contradicts its own API: an update keeps
// created_time ("the date and time when the endpoint was created"), an update may not take
// another endpoint's name ("unique for this cluster") and frees the old name at once, and a
// delete's version must match ("Must match current version").
func TestNexusEndpointHdoKeepsTheApisPromises(t *testing.T) {
	if hdotest.External() {
		t.Skip("hdo's behaviour where the reference departs from its API")
	}
	n, _ := newNexusEndpointTest(t)
	first := n.create(nexusWorkerSpec("first-"+n.suffix, "default", "q"))
	second := n.create(nexusWorkerSpec("second-"+n.suffix, "default", "q"))
	_, err := n.ops.UpdateNexusEndpoint(n.ctx, &operatorservice.UpdateNexusEndpointRequest{
		Id: first.GetId(), Version: 1, Spec: nexusWorkerSpec("second-"+n.suffix, "default", "q")})
	expectStatus(t, "rename to a taken name", err, codes.AlreadyExists,
		"error updating Nexus endpoint. Endpoint with name second-"+n.suffix+" already registered")
	updated, err := n.ops.UpdateNexusEndpoint(n.ctx, &operatorservice.UpdateNexusEndpointRequest{
		Id: first.GetId(), Version: 1, Spec: nexusWorkerSpec("renamed-"+n.suffix, "default", "q")})
	if err != nil || !proto.Equal(updated.GetEndpoint().GetCreatedTime(), first.GetCreatedTime()) {
		t.Errorf("update: %v, %v; want created_time %v kept", updated, err, first.GetCreatedTime())
	}
	n.create(nexusWorkerSpec("first-"+n.suffix, "default", "q"))
	_, err = n.ops.DeleteNexusEndpoint(n.ctx, &operatorservice.DeleteNexusEndpointRequest{Id: second.GetId(), Version: 3})
	expectStatus(t, "delete with a stale version", err, codes.FailedPrecondition, "nexus endpoint version mismatch. received: 3 expected 1")
}

func TestNexusEndpointsWithTheTemporalCLI(t *testing.T) {
	n, _ := newNexusEndpointTest(t)
	hostPort := hdotest.Target(t)
	name := "cli-" + n.suffix
	run := cliSucceeds(t, hostPort, "default", "operator", "nexus", "endpoint", "create", "--name", name,
		"--target-namespace", "default", "--target-task-queue", "cli-queue", "--description", "handles **orders**")
	if !strings.Contains(run.stdout, "Endpoint "+name+" successfully created.") {
		t.Errorf("%v", run)
	}
	run = cliSucceeds(t, hostPort, "default", "operator", "nexus", "endpoint", "get", "--name", name, "-o", "json")
	var endpoint struct {
		Version string `json:"version"`
		ID      string `json:"id"`
		Spec    struct {
			Name        string `json:"name"`
			Description string `json:"description"`
			Target      struct {
				Worker struct {
					Namespace string `json:"namespace"`
					TaskQueue string `json:"taskQueue"`
				} `json:"worker"`
				External struct {
					URL string `json:"url"`
				} `json:"external"`
			} `json:"target"`
		} `json:"spec"`
		URLPrefix string `json:"urlPrefix"`
	}
	if err := json.Unmarshal([]byte(run.stdout), &endpoint); err != nil {
		t.Fatalf("get -o json: %v\n%v", err, run)
	}
	if endpoint.Version != "1" || endpoint.Spec.Name != name || endpoint.Spec.Description != "handles **orders**" ||
		endpoint.Spec.Target.Worker.Namespace != "default" || endpoint.Spec.Target.Worker.TaskQueue != "cli-queue" ||
		endpoint.URLPrefix != "/nexus/endpoints/"+endpoint.ID+"/services" {
		t.Errorf("get -o json: %+v", endpoint)
	}
	cliSucceeds(t, hostPort, "default", "operator", "nexus", "endpoint", "update", "--name", name, "--target-url", "http://localhost:7243/")
	run = cliSucceeds(t, hostPort, "default", "operator", "nexus", "endpoint", "list")
	if !strings.Contains(run.stdout, name) || !strings.Contains(run.stdout, "http://localhost:7243/") {
		t.Errorf("list does not show the updated endpoint: %v", run)
	}
	cliFails(t, hostPort, "default", "already registered", "operator", "nexus", "endpoint", "create", "--name", name,
		"--target-namespace", "default", "--target-task-queue", "q")
	cliFails(t, hostPort, "default", "Namespace no-such-namespace is not found.", "operator", "nexus", "endpoint", "create",
		"--name", name+"-x", "--target-namespace", "no-such-namespace", "--target-task-queue", "q")
	run = cliSucceeds(t, hostPort, "default", "operator", "nexus", "endpoint", "delete", "--name", name)
	if !strings.Contains(run.stdout, "successfully deleted (ID "+endpoint.ID+")") {
		t.Errorf("%v", run)
	}
	cliFails(t, hostPort, "default", "endpoint not found", "operator", "nexus", "endpoint", "get", "--name", name)
}
