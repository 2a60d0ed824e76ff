// Command interop is the Go half of the C++ SDK interop test (tests/sdk/interop_test.cc): the
// official Go SDK as a worker for a C++ client and as a client of a C++ worker, so that the test
// can compare the payload bytes each SDK writes for the same value.
//
//	interop worker -address host:port -task-queue Q
//	    Runs workflow "GoInterop" (Input -> Output) and its activity "GoInteropCompose", and workflow
//	    "GoPropagation" and its activity "GoPropagationRead", on Q until SIGINT or SIGTERM; prints
//	    "interop worker started" on stderr once it polls.
//	interop client -address host:port -task-queue Q -workflow-id ID -input '{"name":...}'
//	    Starts workflow "CppInterop" on Q with the input decoded into Input, waits for its result
//	    and prints one JSON line on stdout: the workflow and run ids, the raw input and result
//	    payloads as the history holds them (started and completed events; metadata values and data
//	    in hex), and the result decoded into Output and encoded again by encoding/json.
//
//	interop propagate -address host:port -task-queue Q -workflow-id ID -tenant T
//	    Starts workflow "CppPropagation" on Q from a context holding "tenant" = T, waits for its
//	    (string) result and prints one JSON line: the result and the "tenant" header field of the
//	    run's started event as the history holds it.
//
// Every mode's client carries a context propagator of the key "tenant" (a string, written with
// the default data converter): the Go SDK's ContextPropagator, as the C++ SDK's KeysPropagator.
//
// All take -codec zlib: the data converter then compresses every payload with the Go SDK's
// zlib codec (AlwaysEncode), and the history's payloads are reported as stored (compressed).
//
// The SDK's log goes to stderr, so stdout holds only the client's line. Exit status 1 on any error.
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Input is the workflows' argument. Its fields are deliberately not in alphabetical order: the Go
// SDK encodes them in declaration order, the C++ SDK in key order, and both must decode either.
type Input struct {
	Name  string   `json:"name"`
	Count int      `json:"count"`
	Tags  []string `json:"tags"`
}

// Nested and Output declare their fields in alphabetical order, the order the C++ SDK writes JSON
// object keys in, so that both SDKs encode the same Output into the same bytes.
type Nested struct {
	Even bool `json:"even"`
	Half int  `json:"half"`
}

type Output struct {
	Count    int      `json:"count"`
	Greeting string   `json:"greeting"`
	Nested   Nested   `json:"nested"`
	Tags     []string `json:"tags"`
}

// GoInteropCompose is the activity GoInterop calls (the C++ worker's CppInteropCompose does the
// same).
func GoInteropCompose(ctx context.Context, name string) (string, error) {
	return "Hello, " + name, nil
}

// GoInterop is the Go twin of the C++ worker's CppInterop: the same input gives the same output.
func GoInterop(ctx workflow.Context, in Input) (Output, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 100 * time.Millisecond, MaximumAttempts: 3},
	})
	var greeting string
	if err := workflow.ExecuteActivity(ctx, "GoInteropCompose", in.Name).Get(ctx, &greeting); err != nil {
		return Output{}, err
	}
	return Output{
		Count:    in.Count,
		Greeting: greeting + "!",
		Nested:   Nested{Even: in.Count%2 == 0, Half: in.Count / 2},
		Tags:     in.Tags,
	}, nil
}

// tenantKey is the one propagated key: a context value (string) and a header field.
const tenantKey = "tenant"

type contextKey string

// tenantPropagator carries the context value tenantKey in the header field tenantKey.
type tenantPropagator struct{}

func (tenantPropagator) Inject(ctx context.Context, w workflow.HeaderWriter) error {
	return writeTenant(ctx.Value(contextKey(tenantKey)), w)
}

func (tenantPropagator) InjectFromWorkflow(ctx workflow.Context, w workflow.HeaderWriter) error {
	return writeTenant(ctx.Value(contextKey(tenantKey)), w)
}

func (tenantPropagator) Extract(ctx context.Context, r workflow.HeaderReader) (context.Context, error) {
	tenant, ok, err := readTenant(r)
	if err != nil || !ok {
		return ctx, err
	}
	return context.WithValue(ctx, contextKey(tenantKey), tenant), nil
}

func (tenantPropagator) ExtractToWorkflow(ctx workflow.Context, r workflow.HeaderReader) (workflow.Context, error) {
	tenant, ok, err := readTenant(r)
	if err != nil || !ok {
		return ctx, err
	}
	return workflow.WithValue(ctx, contextKey(tenantKey), tenant), nil
}

func writeTenant(value interface{}, w workflow.HeaderWriter) error {
	tenant, ok := value.(string)
	if !ok {
		return nil
	}
	payload, err := converter.GetDefaultDataConverter().ToPayload(tenant)
	if err != nil {
		return err
	}
	w.Set(tenantKey, payload)
	return nil
}

func readTenant(r workflow.HeaderReader) (string, bool, error) {
	payload, ok := r.Get(tenantKey)
	if !ok {
		return "", false, nil
	}
	var tenant string
	if err := converter.GetDefaultDataConverter().FromPayload(payload, &tenant); err != nil {
		return "", false, err
	}
	return tenant, true, nil
}

func tenantOf(value interface{}) string {
	if tenant, ok := value.(string); ok {
		return tenant
	}
	return "<none>"
}

// GoPropagationRead returns the tenant of its context (the C++ worker's CppPropagationRead does
// the same).
func GoPropagationRead(ctx context.Context) (string, error) {
	return tenantOf(ctx.Value(contextKey(tenantKey))), nil
}

// GoPropagation returns the tenant of its context and of its activity's context.
func GoPropagation(ctx workflow.Context) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var read string
	if err := workflow.ExecuteActivity(ctx, "GoPropagationRead").Get(ctx, &read); err != nil {
		return "", err
	}
	return "workflow=" + tenantOf(ctx.Value(contextKey(tenantKey))) + " activity=" + read, nil
}

// PropagateReport is the propagate mode's line on stdout.
type PropagateReport struct {
	Result string     `json:"result"`
	Header RawPayload `json:"header"`
}

// RawPayload is a payload as the history holds it: metadata values and data in hex.
type RawPayload struct {
	Metadata map[string]string `json:"metadata"`
	Data     string            `json:"data"`
}

func raw(p *commonpb.Payload) RawPayload {
	r := RawPayload{Metadata: map[string]string{}, Data: hex.EncodeToString(p.GetData())}
	for k, v := range p.GetMetadata() {
		r.Metadata[k] = hex.EncodeToString(v)
	}
	return r
}

// ClientReport is the client's line on stdout.
type ClientReport struct {
	WorkflowID string     `json:"workflow_id"`
	RunID      string     `json:"run_id"`
	Input      RawPayload `json:"input"`
	Result     RawPayload `json:"result"`
	// The result as the Go SDK decodes it into Output, then encoded by encoding/json.
	Decoded json.RawMessage `json:"decoded"`
}

func dial(address, codec string) (client.Client, error) {
	logger := sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, nil)))
	options := client.Options{HostPort: address, Namespace: "default", Logger: logger,
		ContextPropagators: []workflow.ContextPropagator{tenantPropagator{}}}
	switch codec {
	case "":
	case "zlib":
		// Every payload compressed, as the C++ SDK's NewZlibCodec({.always_encode = true}).
		options.DataConverter = converter.NewCodecDataConverter(converter.GetDefaultDataConverter(),
			converter.NewZlibCodec(converter.ZlibCodecOptions{AlwaysEncode: true}))
	default:
		return nil, fmt.Errorf("-codec %q: the only codec is zlib", codec)
	}
	return client.Dial(options)
}

func runWorker(c client.Client, taskQueue string) error {
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(GoInterop, workflow.RegisterOptions{Name: "GoInterop"})
	w.RegisterActivityWithOptions(GoInteropCompose, activity.RegisterOptions{Name: "GoInteropCompose"})
	w.RegisterWorkflowWithOptions(GoPropagation, workflow.RegisterOptions{Name: "GoPropagation"})
	w.RegisterActivityWithOptions(GoPropagationRead, activity.RegisterOptions{Name: "GoPropagationRead"})
	if err := w.Start(); err != nil {
		return fmt.Errorf("worker start: %w", err)
	}
	fmt.Fprintln(os.Stderr, "interop worker started")
	<-worker.InterruptCh()
	w.Stop()
	return nil
}

func runClient(c client.Client, taskQueue, workflowID, inputJSON string, timeout time.Duration) error {
	var in Input
	if err := json.Unmarshal([]byte(inputJSON), &in); err != nil {
		return fmt.Errorf("-input: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflowID,
		TaskQueue:                taskQueue,
		WorkflowExecutionTimeout: timeout,
	}, "CppInterop", in)
	if err != nil {
		return fmt.Errorf("start CppInterop: %w", err)
	}
	var out Output
	if err := run.Get(ctx, &out); err != nil {
		return fmt.Errorf("CppInterop result: %w", err)
	}
	report := ClientReport{WorkflowID: run.GetID(), RunID: run.GetRunID()}
	if report.Decoded, err = json.Marshal(out); err != nil {
		return err
	}
	var started, completed *commonpb.Payloads
	err = eachEvent(ctx, c, run, func(event *historypb.HistoryEvent) error {
		if a := event.GetWorkflowExecutionStartedEventAttributes(); a != nil {
			started = a.GetInput()
		}
		if a := event.GetWorkflowExecutionCompletedEventAttributes(); a != nil {
			completed = a.GetResult()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(started.GetPayloads()) != 1 || len(completed.GetPayloads()) != 1 {
		return fmt.Errorf("history: want one input and one result payload, got %d and %d",
			len(started.GetPayloads()), len(completed.GetPayloads()))
	}
	report.Input = raw(started.GetPayloads()[0])
	report.Result = raw(completed.GetPayloads()[0])
	line, err := json.Marshal(report)
	if err != nil {
		return err
	}
	fmt.Println(string(line))
	return nil
}

// eachEvent calls fn on every event of the run's history, in order, until fn fails.
func eachEvent(ctx context.Context, c client.Client, run client.WorkflowRun, fn func(*historypb.HistoryEvent) error) error {
	it := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		event, err := it.Next()
		if err != nil {
			return fmt.Errorf("history: %w", err)
		}
		if err := fn(event); err != nil {
			return err
		}
	}
	return nil
}

func runPropagate(c client.Client, taskQueue, workflowID, tenant string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ctx = context.WithValue(ctx, contextKey(tenantKey), tenant)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflowID,
		TaskQueue:                taskQueue,
		WorkflowExecutionTimeout: timeout,
	}, "CppPropagation")
	if err != nil {
		return fmt.Errorf("start CppPropagation: %w", err)
	}
	var report PropagateReport
	if err := run.Get(ctx, &report.Result); err != nil {
		return fmt.Errorf("CppPropagation result: %w", err)
	}
	err = eachEvent(ctx, c, run, func(event *historypb.HistoryEvent) error {
		if a := event.GetWorkflowExecutionStartedEventAttributes(); a != nil {
			payload, ok := a.GetHeader().GetFields()[tenantKey]
			if !ok {
				return errors.New("history: the started event has no tenant header field")
			}
			report.Header = raw(payload)
		}
		return nil
	})
	if err != nil {
		return err
	}
	line, err := json.Marshal(report)
	if err != nil {
		return err
	}
	fmt.Println(string(line))
	return nil
}

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "worker" && os.Args[1] != "client" && os.Args[1] != "propagate") {
		fmt.Fprintln(os.Stderr, "usage: interop worker|client|propagate -address host:port -task-queue Q [...]")
		os.Exit(2)
	}
	mode := os.Args[1]
	flags := flag.NewFlagSet(mode, flag.ExitOnError)
	address := flags.String("address", "", "gRPC address of the frontend (host:port)")
	taskQueue := flags.String("task-queue", "", "task queue")
	workflowID := flags.String("workflow-id", "", "client: id of the CppInterop run")
	input := flags.String("input", "", "client: the Input, as JSON")
	tenant := flags.String("tenant", "", "propagate: the context's tenant")
	timeout := flags.Duration("timeout", 60*time.Second, "client: bound on the whole run")
	codec := flags.String("codec", "", "payload codec of the data converter: zlib (none by default)")
	_ = flags.Parse(os.Args[2:])
	if *address == "" || *taskQueue == "" {
		fmt.Fprintln(os.Stderr, "interop: -address and -task-queue are required")
		os.Exit(2)
	}
	c, err := dial(*address, *codec)
	if err == nil {
		defer c.Close()
		if mode == "worker" {
			err = runWorker(c, *taskQueue)
		} else if mode == "propagate" {
			if *workflowID == "" || *tenant == "" {
				err = errors.New("-workflow-id and -tenant are required")
			} else {
				err = runPropagate(c, *taskQueue, *workflowID, *tenant, *timeout)
			}
		} else if *workflowID == "" || *input == "" {
			err = errors.New("-workflow-id and -input are required")
		} else {
			err = runClient(c, *taskQueue, *workflowID, *input, *timeout)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "interop:", err)
		os.Exit(1)
	}
}
