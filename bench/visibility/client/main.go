// The visibility benchmark's client (bench/visibility/run): times ListWorkflowExecutions pages
// and CountWorkflowExecutions through the official Go SDK against a server whose store holds the
// seeded closed runs, and prints one markdown row per query (no timing is asserted).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
)

type query struct {
	kind  string // list, list-page10, count
	query string
}

var queries = []query{
	{"list", ""},
	{"list", "WorkflowType = 'SeedWorkflow3' AND ExecutionStatus = 'Failed'"},
	{"list", "ExecutionStatus = 'Completed' AND StartTime > '2000-01-01T00:00:00Z'"},
	{"list", "CustomerId = 'c-42'"},
	{"list", "Amount BETWEEN 100 AND 199 AND WorkflowType = 'SeedWorkflow1'"},
	{"list-page10", "ExecutionStatus = 'Completed'"},
	{"count", ""},
	{"count", "ExecutionStatus = 'Failed'"},
	{"count", "WorkflowType = 'SeedWorkflow3' AND ExecutionStatus = 'Failed'"},
	{"count", "CustomerId = 'c-42'"},
	{"count", "GROUP BY ExecutionStatus"},
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	index := int(float64(len(sorted)-1) * p)
	return sorted[index]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

func main() {
	address := flag.String("address", "127.0.0.1:7233", "server address")
	namespace := flag.String("namespace", "default", "namespace")
	repeats := flag.Int("r", 30, "timed calls per query (after one untimed)")
	pageSize := flag.Int("page-size", 100, "list page size")
	flag.Parse()

	c, err := client.Dial(client.Options{HostPort: *address, Namespace: *namespace,
		Logger: log.NewStructuredLogger(nil)})
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial:", err)
		os.Exit(1)
	}
	defer c.Close()
	ctx := context.Background()

	fmt.Println("| call | query | result | p50 ms | p90 ms | max ms |")
	fmt.Println("| --- | --- | --- | --- | --- | --- |")
	for _, q := range queries {
		var samples []time.Duration
		result := ""
		for i := 0; i <= *repeats; i++ {
			began := time.Now()
			switch q.kind {
			case "list", "list-page10":
				token := []byte(nil)
				pages := 1
				if q.kind == "list-page10" {
					pages = 10
				}
				rows := 0
				var elapsed time.Duration
				for p := 0; p < pages; p++ {
					began = time.Now()
					resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
						Namespace: *namespace, PageSize: int32(*pageSize), Query: q.query,
						NextPageToken: token})
					elapsed = time.Since(began) // the last page's time
					if err != nil {
						fmt.Fprintln(os.Stderr, "list:", q.query, err)
						os.Exit(1)
					}
					rows = len(resp.Executions)
					token = resp.NextPageToken
				}
				result = fmt.Sprintf("%d rows", rows)
				if i > 0 {
					samples = append(samples, elapsed)
				}
				continue
			case "count":
				resp, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
					Namespace: *namespace, Query: q.query})
				if err != nil {
					fmt.Fprintln(os.Stderr, "count:", q.query, err)
					os.Exit(1)
				}
				result = fmt.Sprintf("%d", resp.Count)
				if len(resp.Groups) > 0 {
					result += fmt.Sprintf(" in %d groups", len(resp.Groups))
				}
			}
			if i > 0 {
				samples = append(samples, time.Since(began))
			}
		}
		sort.Slice(samples, func(a, b int) bool { return samples[a] < samples[b] })
		call := map[string]string{"list": "list page 1", "list-page10": "list page 10",
			"count": "count"}[q.kind]
		shown := q.query
		if shown == "" {
			shown = "(none)"
		}
		fmt.Printf("| %s | `%s` | %s | %s | %s | %s |\n", call, shown, result,
			ms(percentile(samples, 0.5)), ms(percentile(samples, 0.9)), ms(samples[len(samples)-1]))
	}
}
