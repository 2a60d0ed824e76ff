// Goal: visibility behaves as the reference's SQL visibility does: custom search attributes per
// namespace (OperatorService Add/List/Remove, WorkflowService GetSearchAttributes), the list
// filter over system and custom attributes, paging and the default order, counts with GROUP BY
// ExecutionStatus, the deprecated Scan/ListOpen/ListClosed, memo and search attributes on the
// listed executions, and the errors of bad queries and badly typed search attributes.
// Method: the Go SDK client and worker against hdotest.Target (a fresh hdo, or HDO_TARGET, e.g.
// the reference); each test registers a namespace of its own, so it sees only its workflows.
// The reference writes visibility asynchronously, so every list or count assertion is retried
// until it holds or hdotest.SettleTimeout passes (hdo answers at once); one that never holds fails.
package compat

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hdo/hdo/tests/compat/go/hdotest"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	filterpb "go.temporal.io/api/filter/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The custom search attributes every visibility test registers in its namespace: one per type.
const (
	saKeyword     = "VisKeyword"
	saText        = "VisText"
	saInt         = "VisInt"
	saDouble      = "VisDouble"
	saBool        = "VisBool"
	saDatetime    = "VisDatetime"
	saKeywordList = "VisKeywordList"
)

var visAttributes = map[string]enumspb.IndexedValueType{
	saKeyword:     enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	saText:        enumspb.INDEXED_VALUE_TYPE_TEXT,
	saInt:         enumspb.INDEXED_VALUE_TYPE_INT,
	saDouble:      enumspb.INDEXED_VALUE_TYPE_DOUBLE,
	saBool:        enumspb.INDEXED_VALUE_TYPE_BOOL,
	saDatetime:    enumspb.INDEXED_VALUE_TYPE_DATETIME,
	saKeywordList: enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
}

var (
	keyKeyword     = temporal.NewSearchAttributeKeyKeyword(saKeyword)
	keyText        = temporal.NewSearchAttributeKeyString(saText)
	keyInt         = temporal.NewSearchAttributeKeyInt64(saInt)
	keyDouble      = temporal.NewSearchAttributeKeyFloat64(saDouble)
	keyBool        = temporal.NewSearchAttributeKeyBool(saBool)
	keyDatetime    = temporal.NewSearchAttributeKeyTime(saDatetime)
	keyKeywordList = temporal.NewSearchAttributeKeyKeywordList(saKeywordList)
)

// The system search attributes the reference (server 1.29.1, SQL visibility) lists, predefined
// Temporal* ones included.
var referenceSystemAttributes = map[string]enumspb.IndexedValueType{
	"BatcherNamespace":                   enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"BatcherUser":                        enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"BinaryChecksums":                    enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
	"BuildIds":                           enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
	"CloseTime":                          enumspb.INDEXED_VALUE_TYPE_DATETIME,
	"ExecutionDuration":                  enumspb.INDEXED_VALUE_TYPE_INT,
	"ExecutionStatus":                    enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"ExecutionTime":                      enumspb.INDEXED_VALUE_TYPE_DATETIME,
	"HistoryLength":                      enumspb.INDEXED_VALUE_TYPE_INT,
	"HistorySizeBytes":                   enumspb.INDEXED_VALUE_TYPE_INT,
	"ParentRunId":                        enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"ParentWorkflowId":                   enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"RootRunId":                          enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"RootWorkflowId":                     enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"RunId":                              enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"StartTime":                          enumspb.INDEXED_VALUE_TYPE_DATETIME,
	"StateTransitionCount":               enumspb.INDEXED_VALUE_TYPE_INT,
	"TaskQueue":                          enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"TemporalChangeVersion":              enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
	"TemporalNamespaceDivision":          enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"TemporalPauseInfo":                  enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
	"TemporalSchedulePaused":             enumspb.INDEXED_VALUE_TYPE_BOOL,
	"TemporalScheduledById":              enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"TemporalScheduledStartTime":         enumspb.INDEXED_VALUE_TYPE_DATETIME,
	"TemporalWorkerDeployment":           enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"TemporalWorkerDeploymentVersion":    enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"TemporalWorkflowVersioningBehavior": enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"WorkflowId":                         enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	"WorkflowType":                       enumspb.INDEXED_VALUE_TYPE_KEYWORD,
}

// visNamespace registers a namespace of the test's own on the server at hostPort and returns its
// name and a client on it.
func visNamespace(t *testing.T, hostPort string) (string, client.Client) {
	t.Helper()
	name := fmt.Sprintf("vis-%d", time.Now().UnixNano())
	nc, err := client.NewNamespaceClient(client.Options{HostPort: hostPort})
	if err != nil {
		t.Fatalf("NewNamespaceClient(%s): %v", hostPort, err)
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := nc.Register(ctx, &workflowservice.RegisterNamespaceRequest{
		Namespace: name, WorkflowExecutionRetentionPeriod: durationpb.New(24 * time.Hour)}); err != nil {
		t.Fatalf("register namespace %s: %v", name, err)
	}
	c, err := client.Dial(client.Options{HostPort: hostPort, Namespace: name})
	if err != nil {
		t.Fatalf("client.Dial(%s, %s): %v", hostPort, name, err)
	}
	t.Cleanup(c.Close)
	return name, c
}

// addVisAttributes registers the seven Vis* search attributes in the namespace.
func addVisAttributes(t *testing.T, c client.Client, namespace string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace, SearchAttributes: visAttributes}); err != nil {
		t.Fatalf("AddSearchAttributes: %v", err)
	}
}

func listCustom(t *testing.T, c client.Client, namespace string) map[string]enumspb.IndexedValueType {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	listed, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		t.Fatalf("ListSearchAttributes(%s): %v", namespace, err)
	}
	return listed.GetCustomAttributes()
}

// expectInvalidArgument requires err to be InvalidArgument whose message contains want.
func expectInvalidArgument(t *testing.T, what string, err error, want string) {
	t.Helper()
	var invalid *serviceerror.InvalidArgument
	if !errors.As(err, &invalid) || !strings.Contains(err.Error(), want) {
		t.Errorf("%s: error = %T %v; want InvalidArgument containing %q", what, err, err, want)
	}
}

// listAll pages through ListWorkflowExecutions and returns the executions and the page count.
func listAll(ctx context.Context, c client.Client, query string, pageSize int32) ([]*workflowpb.WorkflowExecutionInfo, int, error) {
	var all []*workflowpb.WorkflowExecutionInfo
	var token []byte
	for pages := 1; ; pages++ {
		page, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: query, PageSize: pageSize, NextPageToken: token})
		if err != nil {
			return nil, pages, err
		}
		if pageSize > 0 && int32(len(page.GetExecutions())) > pageSize {
			return nil, pages, fmt.Errorf("page %d has %d executions; page size %d", pages, len(page.GetExecutions()), pageSize)
		}
		all = append(all, page.GetExecutions()...)
		token = page.GetNextPageToken()
		if len(token) == 0 {
			return all, pages, nil
		}
		if pages > 100 {
			return nil, pages, fmt.Errorf("more than 100 pages")
		}
	}
}

func workflowIDs(infos []*workflowpb.WorkflowExecutionInfo) []string {
	ids := make([]string, 0, len(infos))
	for _, info := range infos {
		ids = append(ids, info.GetExecution().GetWorkflowId())
	}
	return ids
}

func sorted(ids []string) []string {
	out := append([]string(nil), ids...)
	sort.Strings(out)
	return out
}

func sameSet(got, want []string) bool {
	return fmt.Sprint(sorted(got)) == fmt.Sprint(sorted(want))
}

// expectListed requires the query to list exactly the workflow ids want (in any order) within
// hdotest.SettleTimeout.
func expectListed(t *testing.T, c client.Client, query string, want ...string) {
	t.Helper()
	expectListedBy(t, time.Now().Add(hdotest.SettleTimeout), c, query, want...)
}

// expectListedBy requires the query to list exactly the workflow ids want by the deadline; it
// reports a failure and lets the test go on, so one run shows every filter that is wrong.
func expectListedBy(t *testing.T, deadline time.Time, c client.Client, query string, want ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Until(deadline)+20*time.Second)
	defer cancel()
	err := hdotest.Settle(deadline, func() error {
		infos, _, err := listAll(ctx, c, query, 0)
		if err != nil {
			return fmt.Errorf("list %q: %v", query, err)
		}
		if got := workflowIDs(infos); len(got) != len(want) || !sameSet(got, want) {
			return fmt.Errorf("list %q = %v; want %v", query, sorted(got), sorted(want))
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

// expectCounted requires CountWorkflowExecutions of the query to be want, without groups.
func expectCounted(t *testing.T, c client.Client, query string, want int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hdotest.SettleTimeout+20*time.Second)
	defer cancel()
	err := hdotest.Settle(time.Now().Add(hdotest.SettleTimeout), func() error {
		counted, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
		if err != nil {
			return fmt.Errorf("count %q: %v", query, err)
		}
		if counted.GetCount() != want || len(counted.GetGroups()) != 0 {
			return fmt.Errorf("count %q = %d with %d groups; want %d without groups", query, counted.GetCount(), len(counted.GetGroups()), want)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

func TestVisibilityCustomSearchAttributesAreRegisteredPerNamespace(t *testing.T) {
	hostPort := hdotest.Target(t)
	ns, c := visNamespace(t, hostPort)
	other, _ := visNamespace(t, hostPort)
	ops := c.OperatorService()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	if got := listCustom(t, c, ns); len(got) != 0 {
		t.Fatalf("a new namespace has custom search attributes %v", got)
	}
	addVisAttributes(t, c, ns)
	listed, err := ops.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: ns})
	if err != nil {
		t.Fatalf("ListSearchAttributes: %v", err)
	}
	if fmt.Sprint(listed.GetCustomAttributes()) != fmt.Sprint(visAttributes) {
		t.Errorf("custom attributes = %v; want %v", listed.GetCustomAttributes(), visAttributes)
	}
	if fmt.Sprint(listed.GetSystemAttributes()) != fmt.Sprint(referenceSystemAttributes) {
		t.Errorf("system attributes = %v; want the reference's %v", listed.GetSystemAttributes(), referenceSystemAttributes)
	}
	if len(listed.GetStorageSchema()) != 0 {
		t.Errorf("storage schema = %v; the SQL reference returns none", listed.GetStorageSchema())
	}
	if got := listCustom(t, c, other); len(got) != 0 {
		t.Errorf("namespace %s sees the custom attributes of %s: %v", other, ns, got)
	}

	// Adding a name that exists is not an error on the reference's SQL visibility: it logs
	// "already exists" and keeps the attribute as it is, whatever type the request names.
	for _, again := range []enumspb.IndexedValueType{enumspb.INDEXED_VALUE_TYPE_KEYWORD, enumspb.INDEXED_VALUE_TYPE_INT} {
		if _, err := ops.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
			Namespace: ns, SearchAttributes: map[string]enumspb.IndexedValueType{saKeyword: again}}); err != nil {
			t.Errorf("adding the existing %s again as %v: %v; the reference accepts it and changes nothing", saKeyword, again, err)
		}
	}
	if got := listCustom(t, c, ns); fmt.Sprint(got) != fmt.Sprint(visAttributes) {
		t.Errorf("after adding %s again: custom attributes = %v; want %v", saKeyword, got, visAttributes)
	}

	refusals := []struct {
		what    string
		request *operatorservice.AddSearchAttributesRequest
		want    string
	}{
		{"a system name", &operatorservice.AddSearchAttributesRequest{Namespace: ns,
			SearchAttributes: map[string]enumspb.IndexedValueType{"WorkflowId": enumspb.INDEXED_VALUE_TYPE_KEYWORD}},
			"Search attribute WorkflowId is reserved by system."},
		{"a predefined name", &operatorservice.AddSearchAttributesRequest{Namespace: ns,
			SearchAttributes: map[string]enumspb.IndexedValueType{"TemporalChangeVersion": enumspb.INDEXED_VALUE_TYPE_KEYWORD}},
			"Search attribute TemporalChangeVersion is reserved by system."},
		{"no attributes", &operatorservice.AddSearchAttributesRequest{Namespace: ns},
			"SearchAttributes are not set on request."},
		{"an unknown type", &operatorservice.AddSearchAttributesRequest{Namespace: ns,
			SearchAttributes: map[string]enumspb.IndexedValueType{"VisOdd": 99}},
			"Unknown search attribute type: 99."},
		{"no namespace", &operatorservice.AddSearchAttributesRequest{
			SearchAttributes: map[string]enumspb.IndexedValueType{"VisOdd": enumspb.INDEXED_VALUE_TYPE_INT}},
			"Namespace is not set on request."},
	}
	for _, r := range refusals {
		_, err := ops.AddSearchAttributes(ctx, r.request)
		expectInvalidArgument(t, "AddSearchAttributes with "+r.what, err, r.want)
	}
	_, err = ops.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{})
	expectInvalidArgument(t, "ListSearchAttributes without a namespace", err, "Namespace is not set on request.")
	_, err = ops.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "vis-ghost"})
	var notFound *serviceerror.NamespaceNotFound
	if !errors.As(err, &notFound) {
		t.Errorf("ListSearchAttributes(vis-ghost) error = %T %v; want NamespaceNotFound", err, err)
	}

	// Removal frees the name: queries no longer know it, and it can come back with another type.
	if _, err := ops.RemoveSearchAttributes(ctx, &operatorservice.RemoveSearchAttributesRequest{
		Namespace: ns, SearchAttributes: []string{saKeyword}}); err != nil {
		t.Fatalf("RemoveSearchAttributes(%s): %v", saKeyword, err)
	}
	want := map[string]enumspb.IndexedValueType{}
	for name, kind := range visAttributes {
		if name != saKeyword {
			want[name] = kind
		}
	}
	if got := listCustom(t, c, ns); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after removing %s: custom attributes = %v; want %v", saKeyword, got, want)
	}
	_, err = c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: saKeyword + " = 'x'"})
	expectInvalidArgument(t, "a query on the removed attribute", err, "column name '"+saKeyword+"' is not a valid search attribute")
	if _, err := ops.RemoveSearchAttributes(ctx, &operatorservice.RemoveSearchAttributesRequest{
		Namespace: ns, SearchAttributes: []string{saKeyword, "VisNeverAdded"}}); err != nil {
		t.Errorf("removing names that are not there: %v; the reference ignores them", err)
	}
	_, err = ops.RemoveSearchAttributes(ctx, &operatorservice.RemoveSearchAttributesRequest{
		Namespace: ns, SearchAttributes: []string{"WorkflowId"}})
	expectInvalidArgument(t, "removing a system attribute", err, "Unable to remove non-custom search attributes: WorkflowId.")
	_, err = ops.RemoveSearchAttributes(ctx, &operatorservice.RemoveSearchAttributesRequest{Namespace: ns})
	expectInvalidArgument(t, "removing nothing", err, "SearchAttributes are not set on request.")
	if _, err := ops.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: ns, SearchAttributes: map[string]enumspb.IndexedValueType{saKeyword: enumspb.INDEXED_VALUE_TYPE_DOUBLE}}); err != nil {
		t.Fatalf("adding the removed %s back as Double: %v", saKeyword, err)
	}
	want[saKeyword] = enumspb.INDEXED_VALUE_TYPE_DOUBLE
	if got := listCustom(t, c, ns); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after adding %s back as Double: custom attributes = %v; want %v", saKeyword, got, want)
	}
}

// The SQL reference has a fixed number of slots per type and namespace: 10 Keyword, 3 of others.
func TestVisibilityCustomSearchAttributeSlotsAreLimitedPerType(t *testing.T) {
	ns, c := visNamespace(t, hdotest.Target(t))
	ops := c.OperatorService()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	add := func(names map[string]enumspb.IndexedValueType) error {
		_, err := ops.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: ns, SearchAttributes: names})
		return err
	}
	keywords := map[string]enumspb.IndexedValueType{}
	for i := 1; i <= 10; i++ {
		keywords[fmt.Sprintf("VisSlotKeyword%02d", i)] = enumspb.INDEXED_VALUE_TYPE_KEYWORD
	}
	if err := add(keywords); err != nil {
		t.Fatalf("adding 10 Keyword attributes: %v", err)
	}
	expectInvalidArgument(t, "an 11th Keyword", add(map[string]enumspb.IndexedValueType{"VisSlotKeyword11": enumspb.INDEXED_VALUE_TYPE_KEYWORD}),
		"Unable to create search attributes: cannot have more than 10 search attribute of type Keyword.")
	for i := 1; i <= 3; i++ {
		if err := add(map[string]enumspb.IndexedValueType{fmt.Sprintf("VisSlotInt%d", i): enumspb.INDEXED_VALUE_TYPE_INT}); err != nil {
			t.Fatalf("adding Int %d of 3: %v", i, err)
		}
	}
	expectInvalidArgument(t, "a 4th Int", add(map[string]enumspb.IndexedValueType{"VisSlotInt4": enumspb.INDEXED_VALUE_TYPE_INT}),
		"Unable to create search attributes: cannot have more than 3 search attribute of type Int.")
	// A refused request adds none of its attributes.
	expectInvalidArgument(t, "a Bool and a 4th Int", add(map[string]enumspb.IndexedValueType{
		"VisSlotBool": enumspb.INDEXED_VALUE_TYPE_BOOL, "VisSlotInt4": enumspb.INDEXED_VALUE_TYPE_INT}),
		"cannot have more than 3 search attribute of type Int.")
	if got := listCustom(t, c, ns); len(got) != 13 {
		t.Errorf("custom attributes = %v; want the 10 Keyword and 3 Int ones", got)
	}
	// Removing one frees its slot.
	if _, err := ops.RemoveSearchAttributes(ctx, &operatorservice.RemoveSearchAttributesRequest{
		Namespace: ns, SearchAttributes: []string{"VisSlotInt2"}}); err != nil {
		t.Fatalf("RemoveSearchAttributes: %v", err)
	}
	if err := add(map[string]enumspb.IndexedValueType{"VisSlotInt4": enumspb.INDEXED_VALUE_TYPE_INT}); err != nil {
		t.Errorf("adding an Int after removing one: %v", err)
	}
}

// WorkflowService.GetSearchAttributes has no namespace: the SQL reference answers with the system
// attributes and its storage columns (Keyword01..Keyword10, Int01..Int03, ...), not the aliases
// of any namespace.
func TestVisibilityGetSearchAttributesListsSystemAttributesAndStorageColumns(t *testing.T) {
	ns, c := visNamespace(t, hdotest.Target(t))
	addVisAttributes(t, c, ns)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	got, err := c.GetSearchAttributes(ctx)
	if err != nil {
		t.Fatalf("GetSearchAttributes: %v", err)
	}
	want := map[string]enumspb.IndexedValueType{}
	for name, kind := range referenceSystemAttributes {
		want[name] = kind
	}
	for i := 1; i <= 10; i++ {
		want[fmt.Sprintf("Keyword%02d", i)] = enumspb.INDEXED_VALUE_TYPE_KEYWORD
	}
	for i := 1; i <= 3; i++ {
		want[fmt.Sprintf("Text%02d", i)] = enumspb.INDEXED_VALUE_TYPE_TEXT
		want[fmt.Sprintf("Int%02d", i)] = enumspb.INDEXED_VALUE_TYPE_INT
		want[fmt.Sprintf("Double%02d", i)] = enumspb.INDEXED_VALUE_TYPE_DOUBLE
		want[fmt.Sprintf("Bool%02d", i)] = enumspb.INDEXED_VALUE_TYPE_BOOL
		want[fmt.Sprintf("Datetime%02d", i)] = enumspb.INDEXED_VALUE_TYPE_DATETIME
		want[fmt.Sprintf("KeywordList%02d", i)] = enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST
	}
	if fmt.Sprint(got.GetKeys()) != fmt.Sprint(want) {
		t.Errorf("GetSearchAttributes keys =\n %v\nwant\n %v", got.GetKeys(), want)
	}
}

// VisRecord ends the way outcome says: "complete", "fail", or "wait" until signal "finish" or a
// cancellation (then it ends canceled).
func VisRecord(ctx workflow.Context, outcome string) error {
	switch outcome {
	case "complete":
		return nil
	case "fail":
		return temporal.NewApplicationError("failed on purpose", "VisFailure")
	}
	finished := false
	workflow.Go(ctx, func(ctx workflow.Context) {
		workflow.GetSignalChannel(ctx, "finish").Receive(ctx, nil)
		finished = true
	})
	return workflow.Await(ctx, func() bool { return finished })
}

// VisUpsert sets its search attributes and memo from inside the workflow, then completes.
func VisUpsert(ctx workflow.Context) error {
	if err := workflow.UpsertTypedSearchAttributes(ctx, keyKeyword.ValueSet("delta-6"), keyInt.ValueSet(60),
		keyKeywordList.ValueSet([]string{"yellow"})); err != nil {
		return err
	}
	return workflow.UpsertMemo(ctx, map[string]interface{}{"note": "six"})
}

// VisBadUpsert upserts an Int value under a name registered as Keyword.
func VisBadUpsert(ctx workflow.Context) error {
	return workflow.UpsertTypedSearchAttributes(ctx, temporal.NewSearchAttributeKeyInt64(saKeyword).ValueSet(5))
}

// VisUndefinedUpsert upserts a name that is not registered.
func VisUndefinedUpsert(ctx workflow.Context) error {
	return workflow.UpsertTypedSearchAttributes(ctx, temporal.NewSearchAttributeKeyKeyword("VisUndefined").ValueSet("x"))
}

func startVisWorker(t *testing.T, c client.Client, queue string) {
	t.Helper()
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflow(VisRecord)
	w.RegisterWorkflow(VisUpsert)
	w.RegisterWorkflow(VisBadUpsert)
	w.RegisterWorkflow(VisUndefinedUpsert)
	if err := w.Start(); err != nil {
		t.Fatalf("worker.Start: %v", err)
	}
	t.Cleanup(w.Stop)
}

// The workflows of the mix, in the order they start.
const (
	visCompleted  = "vis-completed"  // Keyword alpha-1, all seven attributes, memo; completes
	visFailed     = "vis-failed"     // Keyword alpha-2, all seven attributes; fails
	visRunning    = "vis-running"    // Keyword beta-3, five attributes; left running
	visTerminated = "vis-terminated" // Keyword beta-4, Int 40; terminated
	visCanceled   = "vis-canceled"   // Keyword gamma-5, Int 50; canceled
	visUpserted   = "vis-upserted"   // no attributes at start; upserts Keyword delta-6, Int 60, [yellow]
	visBare       = "vis-bare"       // no attributes at all; left running
)

// visDatetime0 has milliseconds with no trailing zero: the SQLite reference compares Datetime
// values as text ("2025-01-02 03:04:05.123+00:00" stored, the query value printed with trailing
// zeros cut), so a whole-second value never compares equal there. hdo compares instants; with
// this value both agree.
var visDatetime0 = time.Date(2025, 1, 2, 3, 4, 5, 123_000_000, time.UTC)

type visMix struct {
	ns, queue string
	c         client.Client
	runs      map[string]string // workflow id → run id
	// afterFailed: between the close of visFailed and the start of visRunning;
	// afterRunning: between the starts of visRunning and visTerminated.
	begin, afterRunning, afterFailed, end time.Time
}

// startVisMix runs the mix to the states above, one after the other, so that the start and close
// times are ordered, and waits until the whole namespace lists them with their final states.
func startVisMix(t *testing.T) *visMix {
	t.Helper()
	m := &visMix{runs: map[string]string{}}
	m.ns, m.c = visNamespace(t, hdotest.Target(t))
	m.queue = "vis-queue-" + m.ns
	addVisAttributes(t, m.c, m.ns)
	startVisWorker(t, m.c, m.queue)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := func(id string, attributes temporal.SearchAttributes, memo map[string]interface{}, workflowFn interface{}, args ...interface{}) client.WorkflowRun {
		t.Helper()
		run, err := m.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: m.queue,
			TypedSearchAttributes: attributes, Memo: memo}, workflowFn, args...)
		if err != nil {
			t.Fatalf("start %s: %v", id, err)
		}
		m.runs[id] = run.GetRunID()
		return run
	}
	m.begin = time.Now()
	completed := start(visCompleted, temporal.NewSearchAttributes(keyKeyword.ValueSet("alpha-1"),
		keyText.ValueSet("the quick brown fox"), keyInt.ValueSet(10), keyDouble.ValueSet(1.5), keyBool.ValueSet(true),
		keyDatetime.ValueSet(visDatetime0), keyKeywordList.ValueSet([]string{"red", "green"})),
		map[string]interface{}{"note": "one", "n": 1}, VisRecord, "complete")
	if err := completed.Get(ctx, nil); err != nil {
		t.Fatalf("%s: %v", visCompleted, err)
	}
	failed := start(visFailed, temporal.NewSearchAttributes(keyKeyword.ValueSet("alpha-2"),
		keyText.ValueSet("lazy dog"), keyInt.ValueSet(20), keyDouble.ValueSet(2.5), keyBool.ValueSet(false),
		keyDatetime.ValueSet(visDatetime0.Add(time.Hour)), keyKeywordList.ValueSet([]string{"blue"})),
		nil, VisRecord, "fail")
	var applicationErr *temporal.ApplicationError
	if err := failed.Get(ctx, nil); !errors.As(err, &applicationErr) {
		t.Fatalf("%s ended with %v; want its application error", visFailed, err)
	}
	m.afterFailed = time.Now()
	start(visRunning, temporal.NewSearchAttributes(keyKeyword.ValueSet("beta-3"), keyInt.ValueSet(30),
		keyBool.ValueSet(true), keyDatetime.ValueSet(visDatetime0.Add(2*time.Hour)),
		keyKeywordList.ValueSet([]string{"green"})), nil, VisRecord, "wait")
	m.afterRunning = time.Now()
	start(visTerminated, temporal.NewSearchAttributes(keyKeyword.ValueSet("beta-4"), keyInt.ValueSet(40)), nil, VisRecord, "wait")
	canceled := start(visCanceled, temporal.NewSearchAttributes(keyKeyword.ValueSet("gamma-5"), keyInt.ValueSet(50)), nil, VisRecord, "wait")
	upserted := start(visUpserted, temporal.SearchAttributes{}, map[string]interface{}{"note": "before"}, VisUpsert)
	if err := upserted.Get(ctx, nil); err != nil {
		t.Fatalf("%s: %v", visUpserted, err)
	}
	start(visBare, temporal.SearchAttributes{}, nil, VisRecord, "wait")
	if err := m.c.TerminateWorkflow(ctx, visTerminated, "", "enough"); err != nil {
		t.Fatalf("terminate %s: %v", visTerminated, err)
	}
	if err := m.c.CancelWorkflow(ctx, visCanceled, ""); err != nil {
		t.Fatalf("cancel %s: %v", visCanceled, err)
	}
	var canceledErr *temporal.CanceledError
	if err := canceled.Get(ctx, nil); !errors.As(err, &canceledErr) {
		t.Fatalf("%s ended with %v; want canceled", visCanceled, err)
	}
	m.end = time.Now()

	want := map[string]enumspb.WorkflowExecutionStatus{
		visCompleted:  enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED,
		visFailed:     enumspb.WORKFLOW_EXECUTION_STATUS_FAILED,
		visRunning:    enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
		visTerminated: enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED,
		visCanceled:   enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED,
		visUpserted:   enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED,
		visBare:       enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
	}
	hdotest.Eventually(t, hdotest.SettleTimeout, func() error {
		infos, _, err := listAll(ctx, m.c, "", 0)
		if err != nil {
			return err
		}
		got := map[string]enumspb.WorkflowExecutionStatus{}
		for _, info := range infos {
			got[info.GetExecution().GetWorkflowId()] = info.GetStatus()
			if info.GetExecution().GetWorkflowId() == visUpserted && info.GetSearchAttributes().GetIndexedFields()[saKeyword] == nil {
				return fmt.Errorf("%s is listed without its upserted %s", visUpserted, saKeyword)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("the namespace lists %v; want %v", got, want)
		}
		return nil
	})
	return m
}

// decodeAttributes decodes listed search attributes by their "type" metadata, as the Go SDK does.
func decodeAttributes(t *testing.T, fields map[string]*commonpb.Payload) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, payload := range fields {
		kind := string(payload.GetMetadata()["type"])
		var text string
		switch kind {
		case "Keyword", "Text":
			var v string
			err := converter.GetDefaultDataConverter().FromPayload(payload, &v)
			text = fmt.Sprintf("%s %q %v", kind, v, err)
		case "Int":
			var v int64
			err := converter.GetDefaultDataConverter().FromPayload(payload, &v)
			text = fmt.Sprintf("%s %d %v", kind, v, err)
		case "Double":
			var v float64
			err := converter.GetDefaultDataConverter().FromPayload(payload, &v)
			text = fmt.Sprintf("%s %g %v", kind, v, err)
		case "Bool":
			var v bool
			err := converter.GetDefaultDataConverter().FromPayload(payload, &v)
			text = fmt.Sprintf("%s %t %v", kind, v, err)
		case "Datetime":
			var v time.Time
			err := converter.GetDefaultDataConverter().FromPayload(payload, &v)
			text = fmt.Sprintf("%s %s %v", kind, v.UTC().Format(time.RFC3339Nano), err)
		case "KeywordList":
			var v []string
			err := converter.GetDefaultDataConverter().FromPayload(payload, &v)
			text = fmt.Sprintf("%s %q %v", kind, v, err)
		default:
			text = fmt.Sprintf("untyped payload %v", payload)
		}
		out[name] = text
	}
	return out
}

func decodeMemo(t *testing.T, memo *commonpb.Memo) map[string]interface{} {
	t.Helper()
	out := map[string]interface{}{}
	for name, payload := range memo.GetFields() {
		var v interface{}
		if err := converter.GetDefaultDataConverter().FromPayload(payload, &v); err != nil {
			t.Errorf("memo %s: %v", name, err)
		}
		out[name] = v
	}
	return out
}

func TestVisibilityListFiltersPagesAndOrdersWorkflows(t *testing.T) {
	m := startVisMix(t)
	c := m.c
	all := []string{visCompleted, visFailed, visRunning, visTerminated, visCanceled, visUpserted, visBare}
	// Running first (StartTime descending), then closed by CloseTime descending.
	defaultOrder := []string{visBare, visRunning, visCanceled, visTerminated, visUpserted, visFailed, visCompleted}

	t.Run("each filter lists exactly its workflows", func(t *testing.T) {
		rfc := func(at time.Time) string { return at.Format(time.RFC3339Nano) }
		filters := []struct {
			query string
			want  []string
		}{
			{"", all},
			{"WorkflowType = 'VisUpsert'", []string{visUpserted}},
			{"WorkflowType = 'VisRecord'", []string{visCompleted, visFailed, visRunning, visTerminated, visCanceled, visBare}},
			{"TaskQueue = '" + m.queue + "'", all},
			{"ExecutionStatus = 'Running'", []string{visRunning, visBare}},
			{"ExecutionStatus = 'Completed'", []string{visCompleted, visUpserted}},
			{"ExecutionStatus = 2", []string{visCompleted, visUpserted}},
			{"ExecutionStatus = 'Failed'", []string{visFailed}},
			{"ExecutionStatus = 'Terminated'", []string{visTerminated}},
			{"ExecutionStatus = 'Canceled'", []string{visCanceled}},
			{"ExecutionStatus != 'Running'", []string{visCompleted, visFailed, visTerminated, visCanceled, visUpserted}},
			{"ExecutionStatus IN ('Failed', 'Canceled')", []string{visFailed, visCanceled}},
			{"WorkflowId IN ('vis-completed', 'vis-running', 'vis-nobody')", []string{visCompleted, visRunning}},
			{"WorkflowId = 'vis-failed'", []string{visFailed}},
			{"RunId = '" + m.runs[visFailed] + "'", []string{visFailed}},
			{"WorkflowId STARTS_WITH 'vis-c'", []string{visCompleted, visCanceled}},
			{saKeyword + " STARTS_WITH 'alpha-'", []string{visCompleted, visFailed}},
			{saKeyword + " NOT STARTS_WITH 'alpha-'", []string{visRunning, visTerminated, visCanceled, visUpserted}},
			{saKeyword + " = \"beta-4\"", []string{visTerminated}},
			{saKeyword + " > 'beta-3'", []string{visTerminated, visCanceled, visUpserted}},
			{saKeyword + " BETWEEN 'alpha-2' AND 'beta-4'", []string{visFailed, visRunning, visTerminated}},
			{"`" + saInt + "` = 10", []string{visCompleted}},
			{saInt + " > 20", []string{visRunning, visTerminated, visCanceled, visUpserted}},
			{saInt + " BETWEEN 20 AND 40", []string{visFailed, visRunning, visTerminated}},
			{saInt + " NOT BETWEEN 20 AND 40", []string{visCompleted, visCanceled, visUpserted}},
			{saInt + " >= 20 AND " + saInt + " < 40", []string{visFailed, visRunning}},
			{saInt + " IN (10, 50, 70)", []string{visCompleted, visCanceled}},
			{saInt + " NOT IN (10, 50)", []string{visFailed, visRunning, visTerminated, visUpserted}},
			{saDouble + " < 2", []string{visCompleted}},
			{saDouble + " >= 2.5", []string{visFailed}},
			{saBool + " = true", []string{visCompleted, visRunning}},
			{saBool + " = false", []string{visFailed}},
			{saDatetime + " > '" + rfc(visDatetime0.Add(30*time.Minute)) + "'", []string{visFailed, visRunning}},
			{saDatetime + " <= '" + rfc(visDatetime0.Add(time.Hour)) + "'", []string{visCompleted, visFailed}},
			// The same instant written in another zone.
			{saDatetime + " = '" + rfc(visDatetime0.In(time.FixedZone("", 2*3600))) + "'", []string{visCompleted}},
			{saDatetime + " BETWEEN '" + rfc(visDatetime0.Add(time.Minute)) + "' AND '" + rfc(visDatetime0.Add(3*time.Hour)) + "'", []string{visFailed, visRunning}},
			{saKeywordList + " = 'green'", []string{visCompleted, visRunning}},
			{saKeywordList + " IN ('blue', 'yellow')", []string{visFailed, visUpserted}},
			{saText + " = 'quick'", []string{visCompleted}},
			{saText + " = 'dog'", []string{visFailed}},
			{saText + " = 'qui'", nil},
			{"CloseTime IS NULL", []string{visRunning, visBare}},
			{"CloseTime IS NOT NULL", []string{visCompleted, visFailed, visTerminated, visCanceled, visUpserted}},
			{saInt + " IS NULL", []string{visBare}},
			{saText + " IS NOT NULL", []string{visCompleted, visFailed}},
			{"NOT (" + saInt + " > 20)", []string{visCompleted, visFailed}},
			{"(" + saKeyword + " STARTS_WITH 'alpha' OR " + saKeyword + " = 'beta-3') AND ExecutionStatus != 'Failed'", []string{visCompleted, visRunning}},
			{saInt + " < 15 OR " + saInt + " > 55 OR WorkflowId = 'vis-bare'", []string{visCompleted, visUpserted, visBare}},
			// Keywords are case-insensitive.
			{saInt + " between 20 and 40 and " + saBool + " = true", []string{visRunning}},
			{"StartTime >= '" + rfc(m.afterRunning) + "' AND ExecutionStatus = 'Running'", []string{visBare}},
			{"StartTime < '" + rfc(m.begin) + "'", nil},
		}
		deadline := time.Now().Add(hdotest.SettleTimeout)
		for _, f := range filters {
			expectListedBy(t, deadline, c, f.query, f.want...)
		}
	})

	t.Run("pages of two list every workflow once, in the default order", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		infos, pages, err := listAll(ctx, c, "", 2)
		if err != nil {
			t.Fatalf("list in pages of 2: %v", err)
		}
		if got := workflowIDs(infos); fmt.Sprint(got) != fmt.Sprint(defaultOrder) || pages != 4 {
			t.Errorf("pages of 2: %d pages listing %v; want 4 pages listing %v", pages, got, defaultOrder)
		}
		infos, pages, err = listAll(ctx, c, "", 0)
		if got := workflowIDs(infos); err != nil || fmt.Sprint(got) != fmt.Sprint(defaultOrder) || pages != 1 {
			t.Errorf("one page: %d pages listing %v, %v; want 1 page listing %v", pages, got, err, defaultOrder)
		}
		infos, _, err = listAll(ctx, c, saInt+" > 0", 3)
		want := []string{visRunning, visCanceled, visTerminated, visUpserted, visFailed, visCompleted}
		if got := workflowIDs(infos); err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("filtered pages of 3: %v, %v; want %v", got, err, want)
		}
	})

	t.Run("listed executions carry their state, memo and search attributes", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		infos, _, err := listAll(ctx, c, "", 0)
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		byID := map[string]*workflowpb.WorkflowExecutionInfo{}
		for _, info := range infos {
			byID[info.GetExecution().GetWorkflowId()] = info
		}
		for _, id := range all {
			info := byID[id]
			if info.GetExecution().GetRunId() != m.runs[id] || info.GetTaskQueue() != m.queue {
				t.Errorf("%s: run %q, task queue %q; want %q, %q", id, info.GetExecution().GetRunId(), info.GetTaskQueue(), m.runs[id], m.queue)
			}
			start := info.GetStartTime().AsTime()
			if start.Before(m.begin.Add(-time.Second)) || start.After(m.end.Add(time.Second)) ||
				!info.GetExecutionTime().AsTime().Equal(start) {
				t.Errorf("%s: start %v, execution time %v; want the start within the test, execution time = start",
					id, start, info.GetExecutionTime().AsTime())
			}
			if root := info.GetRootExecution(); root.GetWorkflowId() != id || root.GetRunId() != m.runs[id] || info.GetParentExecution() != nil {
				t.Errorf("%s: root %v, parent %v; want itself as root and no parent", id, root, info.GetParentExecution())
			}
			running := info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
			if running != (info.GetCloseTime() == nil) ||
				(!running && (info.GetCloseTime().AsTime().Before(start) || info.GetCloseTime().AsTime().After(m.end.Add(time.Second)))) {
				t.Errorf("%s (%v): close time %v; want none while running, else between the start and the end of the test",
					id, info.GetStatus(), info.GetCloseTime())
			}
			if running {
				continue
			}
			var events int64
			it := c.GetWorkflowHistory(ctx, id, m.runs[id], false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
			for it.HasNext() {
				if _, err := it.Next(); err != nil {
					t.Fatalf("history of %s: %v", id, err)
				}
				events++
			}
			if info.GetHistoryLength() != events || events == 0 {
				t.Errorf("%s: history length %d; its history has %d events", id, info.GetHistoryLength(), events)
			}
		}
		if got := byID[visUpserted].GetType().GetName(); got != "VisUpsert" {
			t.Errorf("%s: type %q; want VisUpsert", visUpserted, got)
		}
		if got := byID[visCompleted].GetType().GetName(); got != "VisRecord" {
			t.Errorf("%s: type %q; want VisRecord", visCompleted, got)
		}

		custom := func(id string) map[string]string {
			got := decodeAttributes(t, byID[id].GetSearchAttributes().GetIndexedFields())
			for name := range got {
				if _, ok := visAttributes[name]; !ok {
					delete(got, name) // the server may add system ones (e.g. BuildIds)
				}
			}
			return got
		}
		wantCompleted := map[string]string{
			saKeyword:     `Keyword "alpha-1" <nil>`,
			saText:        `Text "the quick brown fox" <nil>`,
			saInt:         `Int 10 <nil>`,
			saDouble:      `Double 1.5 <nil>`,
			saBool:        `Bool true <nil>`,
			saDatetime:    `Datetime 2025-01-02T03:04:05.123Z <nil>`,
			saKeywordList: `KeywordList ["red" "green"] <nil>`,
		}
		if got := custom(visCompleted); fmt.Sprint(got) != fmt.Sprint(wantCompleted) {
			t.Errorf("%s search attributes =\n %v\nwant\n %v", visCompleted, got, wantCompleted)
		}
		wantUpserted := map[string]string{
			saKeyword:     `Keyword "delta-6" <nil>`,
			saInt:         `Int 60 <nil>`,
			saKeywordList: `KeywordList ["yellow"] <nil>`,
		}
		if got := custom(visUpserted); fmt.Sprint(got) != fmt.Sprint(wantUpserted) {
			t.Errorf("%s search attributes =\n %v\nwant\n %v", visUpserted, got, wantUpserted)
		}
		if got := custom(visBare); len(got) != 0 {
			t.Errorf("%s search attributes = %v; want none", visBare, got)
		}
		if got := decodeMemo(t, byID[visCompleted].GetMemo()); fmt.Sprint(got) != fmt.Sprint(map[string]interface{}{"n": 1.0, "note": "one"}) {
			t.Errorf("%s memo = %v; want note one, n 1", visCompleted, got)
		}
		if got := decodeMemo(t, byID[visUpserted].GetMemo()); fmt.Sprint(got) != fmt.Sprint(map[string]interface{}{"note": "six"}) {
			t.Errorf("%s memo = %v; want the upserted note six", visUpserted, got)
		}
		if got := byID[visBare].GetMemo().GetFields(); len(got) != 0 {
			t.Errorf("%s memo = %v; want none", visBare, got)
		}
	})

	t.Run("counts follow the filter and group by execution status", func(t *testing.T) {
		expectCounted(t, c, "", 7)
		expectCounted(t, c, "ExecutionStatus = 'Running'", 2)
		expectCounted(t, c, saInt+" > 20", 4)
		expectCounted(t, c, saKeywordList+" = 'green'", 2)
		expectCounted(t, c, "WorkflowId = 'vis-nobody'", 0)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// The groups come in the order of the status numbers (the reference's SQL groups by the
		// status column), each value a Keyword payload of the status name.
		groups := func(query string, want string, total int64) {
			t.Helper()
			counted, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
			if err != nil {
				t.Fatalf("count %q: %v", query, err)
			}
			var got []string
			for _, group := range counted.GetGroups() {
				if len(group.GetGroupValues()) != 1 {
					t.Fatalf("count %q: a group with values %v; want one value", query, group.GetGroupValues())
				}
				value := group.GetGroupValues()[0]
				// The reference's form: a json/plain string with search attribute type Keyword.
				metadata := value.GetMetadata()
				if len(metadata) != 2 || string(metadata["encoding"]) != "json/plain" || string(metadata["type"]) != "Keyword" {
					t.Errorf("count %q: group value metadata %v; want encoding json/plain and type Keyword", query, metadata)
				}
				var status string
				if err := converter.GetDefaultDataConverter().FromPayload(value, &status); err != nil {
					t.Errorf("count %q: group value %v: %v", query, value, err)
				}
				got = append(got, fmt.Sprintf("%s:%d", status, group.GetCount()))
			}
			if counted.GetCount() != total || strings.Join(got, " ") != want {
				t.Errorf("count %q = %d, groups %v; want %d, %v", query, counted.GetCount(), got, total, want)
			}
		}
		groups("GROUP BY ExecutionStatus", "Running:2 Completed:2 Failed:1 Canceled:1 Terminated:1", 7)
		groups(saKeyword+" STARTS_WITH 'alpha' GROUP BY ExecutionStatus", "Completed:1 Failed:1", 2)
		groups("WorkflowId = 'vis-nobody' group by ExecutionStatus", "", 0)
		_, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: "GROUP BY WorkflowType"})
		expectInvalidArgument(t, "count GROUP BY WorkflowType", err, "'group by' clause is only supported for ExecutionStatus search attribute")
		_, err = c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: "GROUP BY ExecutionStatus, WorkflowType"})
		expectInvalidArgument(t, "count GROUP BY two fields", err, "'group by' clause supports only a single field")
		_, err = c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: "GROUP BY ExecutionStatus"})
		expectInvalidArgument(t, "list GROUP BY", err, "'group by' clause")
	})

	t.Run("scan lists every workflow once", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		scan := func(query string) []string {
			var ids []string
			var token []byte
			for pages := 0; pages < 100; pages++ {
				page, err := c.ScanWorkflow(ctx, &workflowservice.ScanWorkflowExecutionsRequest{
					Query: query, PageSize: 3, NextPageToken: token})
				if err != nil {
					t.Fatalf("scan %q: %v", query, err)
				}
				ids = append(ids, workflowIDs(page.GetExecutions())...)
				if token = page.GetNextPageToken(); len(token) == 0 {
					break
				}
			}
			return ids
		}
		if got := scan(""); len(got) != len(all) || !sameSet(got, all) {
			t.Errorf("scan = %v; want each of %v once", got, all)
		}
		if got, want := scan("ExecutionStatus = 'Completed'"), []string{visCompleted, visUpserted}; len(got) != 2 || !sameSet(got, want) {
			t.Errorf("scan of the completed = %v; want %v", got, want)
		}
	})

	t.Run("the deprecated open and closed lists filter by time, id, type and status", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		window := &filterpb.StartTimeFilter{EarliestTime: timestamppb.New(m.begin.Add(-time.Second)), LatestTime: timestamppb.New(m.end.Add(time.Second))}
		open := func(request *workflowservice.ListOpenWorkflowExecutionsRequest) []string {
			t.Helper()
			response, err := c.ListOpenWorkflow(ctx, request)
			if err != nil {
				t.Fatalf("ListOpenWorkflow(%v): %v", request, err)
			}
			return workflowIDs(response.GetExecutions())
		}
		closed := func(request *workflowservice.ListClosedWorkflowExecutionsRequest) []string {
			t.Helper()
			response, err := c.ListClosedWorkflow(ctx, request)
			if err != nil {
				t.Fatalf("ListClosedWorkflow(%v): %v", request, err)
			}
			return workflowIDs(response.GetExecutions())
		}
		checks := []struct {
			what      string
			got, want []string
		}{
			{"open in the window", open(&workflowservice.ListOpenWorkflowExecutionsRequest{StartTimeFilter: window}),
				[]string{visBare, visRunning}},
			{"open started after vis-running", open(&workflowservice.ListOpenWorkflowExecutionsRequest{
				StartTimeFilter: &filterpb.StartTimeFilter{EarliestTime: timestamppb.New(m.afterRunning)}}), []string{visBare}},
			{"open started before the test", open(&workflowservice.ListOpenWorkflowExecutionsRequest{
				StartTimeFilter: &filterpb.StartTimeFilter{LatestTime: timestamppb.New(m.begin)}}), nil},
			// No time filter at all: every open run of the namespace.
			{"open without a time filter", open(&workflowservice.ListOpenWorkflowExecutionsRequest{}),
				[]string{visBare, visRunning}},
			{"open by id", open(&workflowservice.ListOpenWorkflowExecutionsRequest{StartTimeFilter: window,
				Filters: &workflowservice.ListOpenWorkflowExecutionsRequest_ExecutionFilter{
					ExecutionFilter: &filterpb.WorkflowExecutionFilter{WorkflowId: visRunning}}}), []string{visRunning}},
			{"open by type", open(&workflowservice.ListOpenWorkflowExecutionsRequest{StartTimeFilter: window,
				Filters: &workflowservice.ListOpenWorkflowExecutionsRequest_TypeFilter{
					TypeFilter: &filterpb.WorkflowTypeFilter{Name: "VisRecord"}}}), []string{visBare, visRunning}},
			{"closed in the window", closed(&workflowservice.ListClosedWorkflowExecutionsRequest{StartTimeFilter: window}),
				[]string{visCanceled, visTerminated, visUpserted, visFailed, visCompleted}},
			// The closed list's "start time" filter is on CloseTime.
			{"closed after vis-failed closed", closed(&workflowservice.ListClosedWorkflowExecutionsRequest{
				StartTimeFilter: &filterpb.StartTimeFilter{EarliestTime: timestamppb.New(m.afterFailed)}}),
				[]string{visCanceled, visTerminated, visUpserted}},
			{"closed by id", closed(&workflowservice.ListClosedWorkflowExecutionsRequest{StartTimeFilter: window,
				Filters: &workflowservice.ListClosedWorkflowExecutionsRequest_ExecutionFilter{
					ExecutionFilter: &filterpb.WorkflowExecutionFilter{WorkflowId: visCompleted}}}), []string{visCompleted}},
			{"closed by type", closed(&workflowservice.ListClosedWorkflowExecutionsRequest{StartTimeFilter: window,
				Filters: &workflowservice.ListClosedWorkflowExecutionsRequest_TypeFilter{
					TypeFilter: &filterpb.WorkflowTypeFilter{Name: "VisUpsert"}}}), []string{visUpserted}},
			{"closed by status", closed(&workflowservice.ListClosedWorkflowExecutionsRequest{StartTimeFilter: window,
				Filters: &workflowservice.ListClosedWorkflowExecutionsRequest_StatusFilter{
					StatusFilter: &filterpb.StatusFilter{Status: enumspb.WORKFLOW_EXECUTION_STATUS_FAILED}}}), []string{visFailed}},
		}
		for _, check := range checks {
			if fmt.Sprint(check.got) != fmt.Sprint(check.want) {
				t.Errorf("%s = %v; want %v", check.what, check.got, check.want)
			}
		}
		_, err := c.ListClosedWorkflow(ctx, &workflowservice.ListClosedWorkflowExecutionsRequest{StartTimeFilter: window,
			Filters: &workflowservice.ListClosedWorkflowExecutionsRequest_StatusFilter{
				StatusFilter: &filterpb.StatusFilter{Status: enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING}}})
		expectInvalidArgument(t, "closed with status Running", err, "StatusFilter must be specified and must be not Running.")
		_, err = c.ListOpenWorkflow(ctx, &workflowservice.ListOpenWorkflowExecutionsRequest{StartTimeFilter: &filterpb.StartTimeFilter{
			EarliestTime: timestamppb.New(m.end), LatestTime: timestamppb.New(m.begin)}})
		expectInvalidArgument(t, "open with earliest after latest", err, "EarliestTime in StartTimeFilter should not be larger than LatestTime.")
	})
}

func TestVisibilityRejectsBadQueriesAsInvalidArgument(t *testing.T) {
	ns, c := visNamespace(t, hdotest.Target(t))
	addVisAttributes(t, c, ns)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	id := "vis-listed"
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: "vis-nobody-polls",
		TypedSearchAttributes: temporal.NewSearchAttributes(keyInt.ValueSet(7))}, "VisRecord", "wait"); err != nil {
		t.Fatalf("start: %v", err)
	}
	expectListed(t, c, saInt+" = 7", id)

	// The substring is the reference's wording without positions, which hdo may add or differ in.
	bad := []struct{ query, want string }{
		{"WorkflowId = ", "syntax error"},
		{"WorkflowId = 'a' and (", "syntax error"},
		{"WorkflowId == 'a'", "syntax error"},
		{"VisNope = 'x'", "column name 'VisNope' is not a valid search attribute"},
		{"visint = 7", "column name 'visint' is not a valid search attribute"},
		{"WorkflowId = 'a' ORDER BY StartTime", "'order by' clause"},
		{"ORDER BY StartTime DESC", "'order by' clause"},
		{"WorkflowId = 'a' LIMIT 1", "'limit' clause"},
		{saDatetime + " > 'yesterday'", "unable to parse datetime 'yesterday'"},
		{"StartTime < 'soon'", "unable to parse datetime 'soon'"},
		{"ExecutionStatus = 'Sleeping'", "invalid ExecutionStatus value 'Sleeping'"},
		{saText + " STARTS_WITH 'qu'", "operator 'starts_with' not supported for Text type search attribute"},
		{saText + " BETWEEN 'a' AND 'b'", "cannot do range condition on search attribute 'VisText' of type Text"},
		{saKeywordList + " > 'a'", "operator '>' not supported for KeywordList type search attribute"},
		{saBool + " BETWEEN false AND true", "cannot do range condition on search attribute 'VisBool' of type Bool"},
		{"WorkflowId = WorkflowType", "column name on the right side of comparison expression"},
		{saInt + " IS 7", "syntax error"},
	}
	for _, b := range bad {
		_, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: b.query})
		expectInvalidArgument(t, fmt.Sprintf("list %q", b.query), err, b.want)
		_, err = c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: b.query})
		expectInvalidArgument(t, fmt.Sprintf("count %q", b.query), err, b.want)
	}
	// The SQL reference checks the values of Datetime and ExecutionStatus only: another type's
	// value of the wrong kind is compared as it is and matches nothing.
	for _, query := range []string{saInt + " = 'abc'", saKeyword + " = 7"} {
		expectListed(t, c, query)
	}
	// Nothing else went wrong: the namespace still answers.
	expectListed(t, c, "", id)
	expectCounted(t, c, saInt+" = 7", 1)
}

func TestVisibilityRefusesABadSearchAttributeAtStart(t *testing.T) {
	ns, c := visNamespace(t, hdotest.Target(t))
	addVisAttributes(t, c, ns)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	starts := []struct {
		what    string
		options client.StartWorkflowOptions
		want    string
	}{
		{"an undefined attribute", client.StartWorkflowOptions{TypedSearchAttributes: temporal.NewSearchAttributes(
			temporal.NewSearchAttributeKeyKeyword("VisUndefined").ValueSet("x"))},
			"Namespace " + ns + " has no mapping defined for search attribute VisUndefined"},
		// The deprecated untyped form can carry a value of the wrong type.
		{"an Int attribute set to text", client.StartWorkflowOptions{
			SearchAttributes: map[string]interface{}{saInt: "abc"}},
			"invalid value for search attribute VisInt of type Int: abc"},
		{"a Keyword attribute set to an Int", client.StartWorkflowOptions{TypedSearchAttributes: temporal.NewSearchAttributes(
			temporal.NewSearchAttributeKeyInt64(saKeyword).ValueSet(5))},
			"invalid value for search attribute VisKeyword of type Keyword: 5"},
		{"a system attribute", client.StartWorkflowOptions{
			SearchAttributes: map[string]interface{}{"WorkflowId": "mine"}},
			"WorkflowId attribute can't be set in SearchAttributes"},
	}
	for i, start := range starts {
		id := fmt.Sprintf("vis-refused-%d", i)
		start.options.ID, start.options.TaskQueue = id, "vis-nobody-polls"
		_, err := c.ExecuteWorkflow(ctx, start.options, "VisRecord", "wait")
		expectInvalidArgument(t, "start with "+start.what, err, start.want)
		_, err = c.DescribeWorkflowExecution(ctx, id, "")
		var notFound *serviceerror.NotFound
		if !errors.As(err, &notFound) {
			t.Errorf("start with %s was refused, yet describe %s = %v; want NotFound", start.what, id, err)
		}
	}
}

// An upsert the server refuses fails the workflow task with cause BAD_SEARCH_ATTRIBUTES (the SDK
// retries the task; the workflow stays running) and changes nothing in visibility.
func TestVisibilityUpsertOfABadSearchAttributeFailsTheWorkflowTask(t *testing.T) {
	ns, c := visNamespace(t, hdotest.Target(t))
	addVisAttributes(t, c, ns)
	queue := "vis-upserts-" + ns
	startVisWorker(t, c, queue)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	upserts := []struct {
		id       string
		workflow interface{}
		want     string
	}{
		{"vis-bad-type", VisBadUpsert, "invalid value for search attribute VisKeyword of type Keyword: 5"},
		{"vis-undefined", VisUndefinedUpsert, "Namespace " + ns + " has no mapping defined for search attribute VisUndefined"},
	}
	for _, u := range upserts {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: u.id, TaskQueue: queue,
			TypedSearchAttributes: temporal.NewSearchAttributes(keyKeyword.ValueSet("before"))}, u.workflow)
		if err != nil {
			t.Fatalf("start %s: %v", u.id, err)
		}
		hdotest.Eventually(t, 20*time.Second, func() error {
			it := c.GetWorkflowHistory(ctx, u.id, run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
			for it.HasNext() {
				event, err := it.Next()
				if err != nil {
					return err
				}
				if event.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED {
					return fmt.Errorf("%s completed; want its workflow task failed", u.id)
				}
				failed := event.GetWorkflowTaskFailedEventAttributes()
				if failed == nil {
					continue
				}
				if failed.GetCause() != enumspb.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES ||
					!strings.Contains(failed.GetFailure().GetMessage(), u.want) {
					t.Fatalf("%s: workflow task failed with cause %v, %q; want BAD_SEARCH_ATTRIBUTES containing %q",
						u.id, failed.GetCause(), failed.GetFailure().GetMessage(), u.want)
				}
				return nil
			}
			return fmt.Errorf("%s has no WorkflowTaskFailed event yet", u.id)
		})
		expectListed(t, c, saKeyword+" = 'before' AND WorkflowId = '"+u.id+"' AND ExecutionStatus = 'Running'", u.id)
		if err := c.TerminateWorkflow(ctx, u.id, "", "done"); err != nil {
			t.Fatalf("terminate %s: %v", u.id, err)
		}
	}
}

// Read-your-writes: once the client knows a workflow started, was terminated, or its result, a
// list by its id shows that state. The reference only gets there eventually; hdo (started by this
// test) must answer at once.
func TestVisibilityListsAWorkflowAsSoonAsItsResultIsKnown(t *testing.T) {
	ns, c := visNamespace(t, hdotest.Target(t))
	queue := "vis-ryw-" + ns
	startVisWorker(t, c, queue)
	settle := hdotest.SettleTimeout
	if !hdotest.External() {
		settle = 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	listedAs := func(id, runID string, status enumspb.WorkflowExecutionStatus) func() error {
		return func() error {
			query := fmt.Sprintf("WorkflowId = '%s'", id)
			infos, _, err := listAll(ctx, c, query, 0)
			if err != nil || len(infos) != 1 || infos[0].GetStatus() != status || infos[0].GetExecution().GetRunId() != runID {
				return fmt.Errorf("list %q = %v, %v; want run %s %v", query, infos, err, runID, status)
			}
			return nil
		}
	}
	// A start and a terminate are listed as soon as they are acknowledged.
	open, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "vis-ryw-open", TaskQueue: queue}, VisRecord, "wait")
	if err != nil {
		t.Fatalf("start vis-ryw-open: %v", err)
	}
	hdotest.Eventually(t, settle, listedAs("vis-ryw-open", open.GetRunID(), enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING))
	if err := c.TerminateWorkflow(ctx, "vis-ryw-open", "", "enough"); err != nil {
		t.Fatalf("terminate vis-ryw-open: %v", err)
	}
	hdotest.Eventually(t, settle, listedAs("vis-ryw-open", open.GetRunID(), enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED))
	for i := 0; i < 5; i++ {
		id := fmt.Sprintf("vis-ryw-%d", i)
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue}, VisRecord, "complete")
		if err != nil {
			t.Fatalf("start %s: %v", id, err)
		}
		if err := run.Get(ctx, nil); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		query := fmt.Sprintf("WorkflowId = '%s' AND ExecutionStatus = 'Completed'", id)
		hdotest.Eventually(t, settle, func() error {
			infos, _, err := listAll(ctx, c, query, 0)
			if err != nil || len(infos) != 1 || infos[0].GetCloseTime() == nil || infos[0].GetExecution().GetRunId() != run.GetRunID() {
				return fmt.Errorf("list %q right after the result = %v, %v; want the closed run %s", query, infos, err, run.GetRunID())
			}
			counted, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
			if err != nil || counted.GetCount() != 1 {
				return fmt.Errorf("count %q right after the result = %v, %v; want 1", query, counted, err)
			}
			return nil
		})
	}
}
