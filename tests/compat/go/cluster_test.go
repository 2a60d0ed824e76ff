// Goal: what the reference CLI and the Web UI ask of the cluster itself works unchanged:
// `temporal operator cluster describe` (GetClusterInfo: cluster id, name, shard count, stores,
// the supported-clients map, failover versions) and `temporal operator cluster list`
// (ListClusters: the one cluster, its id and frontend address); `temporal task-queue
// list-partition` (ListTaskQueuePartitions: the queue's first partition is its own name, an owner
// for each, a queue without a name refused); and
// GetWorkflowExecutionHistoryReverse, which the UI reads a workflow's latest events with, gives the
// events newest first, page by page, each once. Method:
// the reference CLI (hdotest.TemporalCLI) and the Go SDK's raw WorkflowService against a real hdo
// (or HDO_TARGET).
package compat

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestTheCLIDescribesAndListsTheCluster(t *testing.T) {
	hostPort := hdotest.Target(t)
	var info struct {
		SupportedClients         map[string]string `json:"supportedClients"`
		ServerVersion            string            `json:"serverVersion"`
		ClusterID                string            `json:"clusterId"`
		ClusterName              string            `json:"clusterName"`
		HistoryShardCount        int               `json:"historyShardCount"`
		PersistenceStore         string            `json:"persistenceStore"`
		VisibilityStore          string            `json:"visibilityStore"`
		InitialFailoverVersion   string            `json:"initialFailoverVersion"`
		FailoverVersionIncrement string            `json:"failoverVersionIncrement"`
	}
	run := cliSucceeds(t, hostPort, "default", "operator", "cluster", "describe", "-o", "json")
	if err := json.Unmarshal([]byte(run.stdout), &info); err != nil {
		t.Fatalf("cluster describe is not JSON: %v\n%v", err, run)
	}
	if !uuidPattern.MatchString(info.ClusterID) {
		t.Errorf("clusterId %q is not a UUID", info.ClusterID)
	}
	if info.ClusterName != "active" || info.HistoryShardCount < 1 || info.PersistenceStore == "" ||
		info.VisibilityStore == "" || info.ServerVersion == "" {
		t.Errorf("cluster describe: %+v", info)
	}
	if info.SupportedClients["temporal-go"] != "<2.0.0" || info.SupportedClients["temporal-ui"] != "<3.0.0" {
		t.Errorf("supportedClients %v", info.SupportedClients)
	}
	if info.InitialFailoverVersion != "1" || info.FailoverVersionIncrement != "10" {
		t.Errorf("failover versions %q / %q; want 1 / 10", info.InitialFailoverVersion, info.FailoverVersionIncrement)
	}

	var clusters []struct {
		ClusterName         string `json:"clusterName"`
		ClusterID           string `json:"clusterId"`
		Address             string `json:"address"`
		HistoryShardCount   int    `json:"historyShardCount"`
		IsConnectionEnabled bool   `json:"isConnectionEnabled"`
	}
	run = cliSucceeds(t, hostPort, "default", "operator", "cluster", "list", "-o", "json")
	if err := json.Unmarshal([]byte(run.stdout), &clusters); err != nil {
		t.Fatalf("cluster list is not a JSON list: %v\n%v", err, run)
	}
	if len(clusters) != 1 {
		t.Fatalf("cluster list: %d clusters; want 1\n%v", len(clusters), run)
	}
	got := clusters[0]
	if got.ClusterID != info.ClusterID || got.ClusterName != "active" || got.Address == "" ||
		got.HistoryShardCount != info.HistoryShardCount || !got.IsConnectionEnabled {
		t.Errorf("cluster list: %+v; describe said id %q", got, info.ClusterID)
	}
}

func TestTheReverseHistoryGivesTheEventsNewestFirst(t *testing.T) {
	c := dialTarget(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id := fmt.Sprintf("reverse-history-%d", time.Now().UnixNano())
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: id + "-queue"}, "NobodyRunsThis")
	if err != nil {
		t.Fatalf("ExecuteWorkflow: %v", err)
	}
	for i := 0; i < 4; i++ {
		if err := c.SignalWorkflow(ctx, id, "", "poke", i); err != nil {
			t.Fatalf("SignalWorkflow: %v", err)
		}
	}
	var forward []int64
	iter := c.GetWorkflowHistory(ctx, id, run.GetRunID(), false, 0)
	for iter.HasNext() {
		event, err := iter.Next()
		if err != nil {
			t.Fatalf("history: %v", err)
		}
		forward = append(forward, event.GetEventId())
	}
	if len(forward) < 6 {
		t.Fatalf("forward history has %d events; want the start, a task and four signals", len(forward))
	}
	execution := &commonpb.WorkflowExecution{WorkflowId: id}
	var reverse []int64
	var token []byte
	for pages := 0; ; pages++ {
		if pages > len(forward) {
			t.Fatalf("more pages than events")
		}
		page, err := c.WorkflowService().GetWorkflowExecutionHistoryReverse(ctx, &workflowservice.GetWorkflowExecutionHistoryReverseRequest{
			Namespace: "default", Execution: execution, MaximumPageSize: 2, NextPageToken: token,
		})
		if err != nil {
			t.Fatalf("GetWorkflowExecutionHistoryReverse: %v", err)
		}
		if n := len(page.GetHistory().GetEvents()); n > 2 || n == 0 {
			t.Fatalf("page of %d events; want 1 or 2", n)
		}
		for _, event := range page.GetHistory().GetEvents() {
			reverse = append(reverse, event.GetEventId())
		}
		token = page.GetNextPageToken()
		if len(token) == 0 {
			break
		}
	}
	if len(reverse) != len(forward) {
		t.Fatalf("reverse read %v; forward %v", reverse, forward)
	}
	for i := range reverse {
		if reverse[i] != forward[len(forward)-1-i] {
			t.Fatalf("reverse read %v; want the forward %v newest first", reverse, forward)
		}
	}
}

func TestTheCLIListsATaskQueuesPartitions(t *testing.T) {
	hostPort := hdotest.Target(t)
	var partitions struct {
		Activity []struct {
			Key   string `json:"key"`
			Owner string `json:"ownerHostName"`
		} `json:"activityTaskQueuePartitions"`
		Workflow []struct {
			Key   string `json:"key"`
			Owner string `json:"ownerHostName"`
		} `json:"workflowTaskQueuePartitions"`
	}
	run := cliSucceeds(t, hostPort, "default", "task-queue", "list-partition", "--task-queue", "orders", "-o", "json")
	if err := json.Unmarshal([]byte(run.stdout), &partitions); err != nil {
		t.Fatalf("list-partition is not JSON: %v\n%v", err, run)
	}
	if len(partitions.Activity) == 0 || len(partitions.Workflow) == 0 {
		t.Fatalf("list-partition: %+v", partitions)
	}
	if partitions.Activity[0].Key != "orders" || partitions.Workflow[0].Key != "orders" ||
		partitions.Activity[0].Owner == "" || partitions.Workflow[0].Owner == "" {
		t.Errorf("list-partition: %+v", partitions)
	}
	cliFails(t, hostPort, "default", "missing task queue name", "task-queue", "list-partition", "--task-queue", "")
}
