// Goal: the reference `temporal` CLI (v1.5.1) works unchanged as a visibility client: operator
// search-attribute create/list/remove, workflow list (table and JSON), workflow count (plain,
// JSON, GROUP BY ExecutionStatus), and a bad query prints the server's error and exits non-zero.
// Method: the CLI binary (hdotest.TemporalCLI) run with --address/--namespace against
// hdotest.Target, in a namespace of the test's own; its output parsed (JSON where it has it).
// Workflows are started with the Go SDK; list and count answers are retried until they hold or
// hdotest.SettleTimeout passes, since the reference writes visibility asynchronously.
package compat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// cliRun is one run of the reference CLI.
type cliRun struct {
	args           []string
	stdout, stderr string
	exitCode       int
}

func (r cliRun) String() string {
	return fmt.Sprintf("temporal %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.exitCode, r.stdout, r.stderr)
}

// temporalCLI runs the reference CLI against the namespace on hostPort.
func temporalCLI(t *testing.T, hostPort, namespace string, args ...string) cliRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args = append(args, "--address", hostPort, "--namespace", namespace, "--color", "never")
	cmd := exec.CommandContext(ctx, hdotest.TemporalCLI(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	run := cliRun{args: args}
	err := cmd.Run()
	run.stdout, run.stderr = stdout.String(), stderr.String()
	if exitErr, ok := err.(*exec.ExitError); ok {
		run.exitCode = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("running temporal %v: %v", args, err)
	}
	return run
}

// cliSucceeds runs the CLI and requires exit 0.
func cliSucceeds(t *testing.T, hostPort, namespace string, args ...string) cliRun {
	t.Helper()
	run := temporalCLI(t, hostPort, namespace, args...)
	if run.exitCode != 0 {
		t.Fatalf("%v", run)
	}
	return run
}

// cliFails runs the CLI and requires a non-zero exit whose stderr contains want.
func cliFails(t *testing.T, hostPort, namespace, want string, args ...string) cliRun {
	t.Helper()
	run := temporalCLI(t, hostPort, namespace, args...)
	if run.exitCode == 0 || !strings.Contains(run.stderr, want) {
		t.Errorf("want a non-zero exit with %q on stderr; got %v", want, run)
	}
	return run
}

// tableRows returns the whitespace-separated fields of each non-empty line after the header.
func tableRows(out string) [][]string {
	var rows [][]string
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, line := range lines[1:] {
		if fields := strings.Fields(line); len(fields) > 0 {
			rows = append(rows, fields)
		}
	}
	return rows
}

// The JSON shape of `temporal workflow list -o json` (protojson of WorkflowExecutionInfo).
type cliListedExecution struct {
	Execution struct {
		WorkflowID string `json:"workflowId"`
		RunID      string `json:"runId"`
	} `json:"execution"`
	Type struct {
		Name string `json:"name"`
	} `json:"type"`
	Status           string `json:"status"`
	TaskQueue        string `json:"taskQueue"`
	SearchAttributes struct {
		IndexedFields map[string]struct {
			Metadata map[string][]byte `json:"metadata"`
			Data     []byte            `json:"data"`
		} `json:"indexedFields"`
	} `json:"searchAttributes"`
}

func TestVisibilityWithTheTemporalCLI(t *testing.T) {
	hostPort := hdotest.Target(t)
	ns, c := visNamespace(t, hostPort)
	cli := func(args ...string) cliRun { t.Helper(); return cliSucceeds(t, hostPort, ns, args...) }

	// Search attributes: create, list as JSON and as a table, the CLI's own duplicate check.
	created := cli("operator", "search-attribute", "create", "--name", "CliKeyword", "--type", "Keyword",
		"--name", "CliInt", "--type", "Int")
	if !strings.Contains(created.stdout, "Search attributes have been added") {
		t.Errorf("create: %v", created)
	}
	var listed struct {
		CustomAttributes map[string]string `json:"customAttributes"`
		SystemAttributes map[string]string `json:"systemAttributes"`
	}
	run := cli("operator", "search-attribute", "list", "-o", "json")
	if err := json.Unmarshal([]byte(run.stdout), &listed); err != nil {
		t.Fatalf("search-attribute list -o json: %v\n%v", err, run)
	}
	want := map[string]string{"CliKeyword": "INDEXED_VALUE_TYPE_KEYWORD", "CliInt": "INDEXED_VALUE_TYPE_INT"}
	if fmt.Sprint(listed.CustomAttributes) != fmt.Sprint(want) {
		t.Errorf("custom attributes = %v; want %v", listed.CustomAttributes, want)
	}
	if len(listed.SystemAttributes) != len(referenceSystemAttributes) ||
		listed.SystemAttributes["WorkflowId"] != "INDEXED_VALUE_TYPE_KEYWORD" ||
		listed.SystemAttributes["CloseTime"] != "INDEXED_VALUE_TYPE_DATETIME" {
		t.Errorf("system attributes = %v; want the reference's %d", listed.SystemAttributes, len(referenceSystemAttributes))
	}
	table := map[string]string{}
	for _, row := range tableRows(cli("operator", "search-attribute", "list").stdout) {
		if len(row) == 2 {
			table[row[0]] = row[1]
		}
	}
	if table["CliKeyword"] != "Keyword" || table["CliInt"] != "Int" || table["WorkflowId"] != "Keyword" ||
		len(table) != len(referenceSystemAttributes)+2 {
		t.Errorf("search-attribute list table = %v", table)
	}
	cli("operator", "search-attribute", "create", "--name", "CliKeyword", "--type", "Keyword")
	cliFails(t, hostPort, ns, "search attribute CliKeyword already exists and has different type Keyword",
		"operator", "search-attribute", "create", "--name", "CliKeyword", "--type", "Int")
	cliFails(t, hostPort, ns, "Search attribute WorkflowId is reserved by system.",
		"operator", "search-attribute", "create", "--name", "WorkflowId", "--type", "Keyword")

	// Three workflows nobody runs; the last one terminated.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	keyword := temporal.NewSearchAttributeKeyKeyword("CliKeyword")
	number := temporal.NewSearchAttributeKeyInt64("CliInt")
	runs := map[string]string{}
	for i, id := range []string{"cli-a", "cli-b", "cli-c"} {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: "cli-nobody-polls",
			TypedSearchAttributes: temporal.NewSearchAttributes(keyword.ValueSet(id), number.ValueSet(int64(i+1)))}, "CliRecord")
		if err != nil {
			t.Fatalf("start %s: %v", id, err)
		}
		runs[id] = run.GetRunID()
	}
	if err := c.TerminateWorkflow(ctx, "cli-c", "", "enough"); err != nil {
		t.Fatalf("terminate cli-c: %v", err)
	}

	hdotest.Eventually(t, hdotest.SettleTimeout, func() error {
		run := cli("workflow", "list", "--query", "CliKeyword STARTS_WITH 'cli-'", "-o", "json")
		var executions []cliListedExecution
		if err := json.Unmarshal([]byte(run.stdout), &executions); err != nil {
			return fmt.Errorf("workflow list -o json: %v\n%v", err, run)
		}
		got := map[string]string{}
		for _, e := range executions {
			number := e.SearchAttributes.IndexedFields["CliInt"]
			got[e.Execution.WorkflowID] = fmt.Sprintf("%t %s %s %s %s %s", e.Execution.RunID == runs[e.Execution.WorkflowID],
				e.Status, e.Type.Name, e.TaskQueue, number.Data, number.Metadata["type"])
		}
		want := map[string]string{
			"cli-a": "true WORKFLOW_EXECUTION_STATUS_RUNNING CliRecord cli-nobody-polls 1 Int",
			"cli-b": "true WORKFLOW_EXECUTION_STATUS_RUNNING CliRecord cli-nobody-polls 2 Int",
			"cli-c": "true WORKFLOW_EXECUTION_STATUS_TERMINATED CliRecord cli-nobody-polls 3 Int",
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("workflow list -o json = %v; want %v", got, want)
		}
		return nil
	})
	// The table: running first, then closed.
	hdotest.Eventually(t, hdotest.SettleTimeout, func() error {
		var got []string
		for _, row := range tableRows(cli("workflow", "list", "--query", "CliInt >= 2").stdout) {
			got = append(got, row[0]+" "+row[1]+" "+row[2])
		}
		if want := "[Running cli-b CliRecord Terminated cli-c CliRecord]"; fmt.Sprint(got) != want {
			return fmt.Errorf("workflow list table rows = %v; want %s", got, want)
		}
		return nil
	})
	hdotest.Eventually(t, hdotest.SettleTimeout, func() error {
		if got := cli("workflow", "count", "--query", "CliKeyword STARTS_WITH 'cli-'").stdout; got != "Total: 3\n" {
			return fmt.Errorf("workflow count = %q; want Total: 3", got)
		}
		return nil
	})
	grouped := cli("workflow", "count", "--query", "CliInt > 0 GROUP BY ExecutionStatus").stdout
	if want := "Total: 3\nGroup total: 2, values: Running\nGroup total: 1, values: Terminated\n"; grouped != want {
		t.Errorf("workflow count GROUP BY ExecutionStatus =\n%s\nwant\n%s", grouped, want)
	}
	var counted struct {
		Count  string `json:"count"`
		Groups []struct {
			GroupValues []string `json:"groupValues"`
			Count       string   `json:"count"`
		} `json:"groups"`
	}
	run = cli("workflow", "count", "--query", "GROUP BY ExecutionStatus", "-o", "json")
	if err := json.Unmarshal([]byte(run.stdout), &counted); err != nil {
		t.Fatalf("workflow count -o json: %v\n%v", err, run)
	}
	if got := fmt.Sprint(counted); got != "{3 [{[Running] 2} {[Terminated] 1}]}" {
		t.Errorf("workflow count GROUP BY -o json = %s; want {3 [{[Running] 2} {[Terminated] 1}]}", got)
	}

	// Bad queries: the server's error on stderr, a non-zero exit, no rows.
	bad := cliFails(t, hostPort, ns, "column name 'CliNope' is not a valid search attribute",
		"workflow", "list", "--query", "CliNope = 'x'")
	if strings.TrimSpace(bad.stdout) != "" {
		t.Errorf("a refused list printed rows: %v", bad)
	}
	cliFails(t, hostPort, ns, "syntax error", "workflow", "list", "--query", "WorkflowId = ", "-o", "json")
	cliFails(t, hostPort, ns, "syntax error", "workflow", "count", "--query", "WorkflowId = ")
	cliFails(t, hostPort, ns, "'order by' clause", "workflow", "list", "--query", "ORDER BY StartTime")

	// Removal: the attribute leaves the list and queries no longer know it.
	if removed := cli("operator", "search-attribute", "remove", "--name", "CliInt", "--yes"); !strings.Contains(removed.stdout, "Search attributes have been removed") {
		t.Errorf("remove: %v", removed)
	}
	run = cli("operator", "search-attribute", "list", "-o", "json")
	listed.CustomAttributes = nil
	if err := json.Unmarshal([]byte(run.stdout), &listed); err != nil {
		t.Fatalf("search-attribute list -o json: %v\n%v", err, run)
	}
	if want := map[string]string{"CliKeyword": "INDEXED_VALUE_TYPE_KEYWORD"}; fmt.Sprint(listed.CustomAttributes) != fmt.Sprint(want) {
		t.Errorf("custom attributes after removing CliInt = %v; want %v", listed.CustomAttributes, want)
	}
	cliFails(t, hostPort, ns, "column name 'CliInt' is not a valid search attribute",
		"workflow", "count", "--query", "CliInt = 1")
}
