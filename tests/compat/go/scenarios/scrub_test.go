//go:build scenarios

package scenarios

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// Scrub rules (documented in tests/compat/README.md). A history event becomes
//
//	{"event_id": N, "event_type": "ActivityTaskScheduled", "attributes": {...}}
//
// where attributes is the protojson form (proto field names) of the event's attributes with:
//   - keys in droppedKeys removed at every depth, plus every key ending in "_time" (timestamps) or
//     "run_id", and every key containing "identity";
//   - payloads (objects with metadata.encoding) replaced by their decoded value: json/plain → the JSON
//     value, binary/null → null, anything else → {"encoding": ..., "data_base64": ...}; a Payloads
//     message ({"payloads": [...]}) becomes the list of decoded values;
//   - sticky task queues (kind TASK_QUEUE_KIND_STICKY) renamed "<sticky>";
//   - the run's own random strings (workflow id, task queue name) replaced by placeholders;
//   - empty objects, empty lists and empty strings removed (proto3: absent ≡ empty), applied last.
//
// Event-level fields other than event_id, event_type and the attributes (event_time, version,
// task_id, links, worker_may_ignore, user_metadata, principal) are not kept.

// droppedKeys are removed wherever they appear: run-specific, SDK-specific or versioning metadata.
var droppedKeys = map[string]bool{
	"request_id":                  true, // random UUID chosen by the client
	"binary_checksum":             true, // hash of the worker binary
	"sdk_metadata":                true, // SDK name/version and replay flags
	"metering_metadata":           true,
	"history_size_bytes":          true, // depends on ids, identities and times
	"worker_version":              true,
	"worker_version_stamp":        true,
	"source_version_stamp":        true,
	"build_id_redirect_counter":   true,
	"use_workflow_build_id":       true,
	"use_compatible_version":      true,
	"inherited_build_id":          true,
	"inherited_pinned_version":    true,
	"inherited_auto_upgrade_info": true,
	"deployment":                  true,
	"deployment_name":             true,
	"worker_deployment_version":   true,
	"worker_deployment_name":      true,
	"versioning_behavior":         true,
	"versioning_override":         true,
	"stack_trace":                 true, // SDK- and build-dependent
	"source":                      true, // Failure.source, e.g. "GoSDK"
	"links":                       true, // contain run ids
	"auto_reset_points":           true, // binary checksums, run ids, times
	"prev_auto_reset_points":      true,
	"eager_execution_accepted":    true, // depends on the server's eager-start setting
}

// scrubContext carries the run-specific strings that must be replaced by placeholders.
type scrubContext struct {
	replacements map[string]string // exact string value → placeholder
}

// scrubbedEvent is one event of a golden history.
type scrubbedEvent struct {
	EventID    int64          `json:"event_id"`
	EventType  string         `json:"event_type"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

var attributesKey = regexp.MustCompile(`_event_attributes$`)

// scrubHistory turns events into their stable form.
func scrubHistory(events []*historypb.HistoryEvent, sc scrubContext) ([]scrubbedEvent, error) {
	out := make([]scrubbedEvent, 0, len(events))
	marshal := protojson.MarshalOptions{UseProtoNames: true}
	for _, ev := range events {
		raw, err := marshal.Marshal(ev)
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", ev.GetEventId(), err)
		}
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			return nil, fmt.Errorf("event %d: %w", ev.GetEventId(), err)
		}
		se := scrubbedEvent{EventID: ev.GetEventId(), EventType: ev.GetEventType().String()}
		for k, v := range m {
			if attributesKey.MatchString(k) {
				attrs, _ := pruneEmpty(sc.scrubValue(k, v)).(map[string]any)
				se.Attributes = attrs
			}
		}
		out = append(out, se)
	}
	return out, nil
}

func (sc scrubContext) scrubValue(key string, v any) any {
	switch x := v.(type) {
	case map[string]any:
		if isPayload(x) {
			return decodePayload(x)
		}
		if p, ok := x["payloads"]; ok && len(x) == 1 {
			list, _ := p.([]any)
			decoded := make([]any, 0, len(list))
			for _, item := range list {
				if pm, ok := item.(map[string]any); ok && isPayload(pm) {
					decoded = append(decoded, decodePayload(pm))
				} else {
					decoded = append(decoded, sc.scrubValue("", item))
				}
			}
			return decoded
		}
		res := make(map[string]any, len(x))
		for k, val := range x {
			if dropKey(k) {
				continue
			}
			res[k] = sc.scrubValue(k, val)
		}
		if kind, _ := res["kind"].(string); kind == "TASK_QUEUE_KIND_STICKY" {
			if _, ok := res["name"]; ok {
				res["name"] = "<sticky>"
			}
		}
		return res
	case []any:
		res := make([]any, len(x))
		for i, item := range x {
			res[i] = sc.scrubValue(key, item)
		}
		return res
	case string:
		if p, ok := sc.replacements[x]; ok {
			return p
		}
		return x
	default:
		return v
	}
}

func dropKey(k string) bool {
	return droppedKeys[k] || strings.HasSuffix(k, "_time") || strings.HasSuffix(k, "run_id") ||
		strings.Contains(k, "identity")
}

func isPayload(m map[string]any) bool {
	md, ok := m["metadata"].(map[string]any)
	if !ok {
		return false
	}
	_, ok = md["encoding"]
	return ok
}

func decodePayload(m map[string]any) any {
	md := m["metadata"].(map[string]any)
	encB64, _ := md["encoding"].(string)
	encoding := decodeB64(encB64)
	data, _ := m["data"].(string)
	switch encoding {
	case "binary/null":
		return nil
	case "json/plain":
		dec := json.NewDecoder(strings.NewReader(decodeB64(data)))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err == nil {
			return v
		}
	}
	return map[string]any{"encoding": encoding, "data_base64": data}
}

func decodeB64(s string) string {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return s
	}
	return string(b)
}

// pruneEmpty removes empty objects, lists and strings, bottom-up.
func pruneEmpty(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			p := pruneEmpty(val)
			if isEmpty(p) {
				delete(x, k)
			} else {
				x[k] = p
			}
		}
		return x
	case []any:
		for i, item := range x {
			x[i] = pruneEmpty(item)
		}
		return x
	default:
		return v
	}
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	case string:
		return x == ""
	default:
		return false
	}
}

// eventTypes lists the event types of a scrubbed history.
func eventTypes(events []scrubbedEvent) []string {
	types := make([]string, len(events))
	for i, e := range events {
		types[i] = e.EventType
	}
	return types
}

// lineDiff is a small LCS line diff in unified style with `context` lines around each change.
// "-" lines are only in want (the golden file), "+" lines only in got.
func lineDiff(want, got string, context int) string {
	a := strings.Split(want, "\n")
	b := strings.Split(got, "\n")
	n, m := len(a), len(b)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type line struct {
		op   byte
		text string
		a, b int
	}
	var ops []line
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, line{' ', a[i], i, j})
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, line{'-', a[i], i, j})
			i++
		default:
			ops = append(ops, line{'+', b[j], i, j})
			j++
		}
	}
	keep := make([]bool, len(ops))
	for k, op := range ops {
		if op.op != ' ' {
			for c := max(0, k-context); c <= min(len(ops)-1, k+context); c++ {
				keep[c] = true
			}
		}
	}
	var sb strings.Builder
	inHunk := false
	for k, op := range ops {
		if !keep[k] {
			inHunk = false
			continue
		}
		if !inHunk {
			fmt.Fprintf(&sb, "@@ golden line %d, got line %d @@\n", op.a+1, op.b+1)
			inHunk = true
		}
		fmt.Fprintf(&sb, "%c %s\n", op.op, op.text)
	}
	return sb.String()
}

// typeDiff renders both event-type sequences side by side, marking rows that differ.
func typeDiff(want, got []string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "     %-44s %s\n", "golden", "got")
	for k := 0; k < max(len(want), len(got)); k++ {
		w, g := "", ""
		if k < len(want) {
			w = want[k]
		}
		if k < len(got) {
			g = got[k]
		}
		mark := " "
		if w != g {
			mark = "!"
		}
		fmt.Fprintf(&sb, "%s%3d %-44s %s\n", mark, k+1, w, g)
	}
	return sb.String()
}
