"""Scrub rules: turn a history fetched with the Python SDK into the stable form stored under
tests/compat/golden/py/. The rules are the Go suite's (tests/compat/go/scenarios/scrub_test.go,
documented in tests/compat/README.md) and the TypeScript suite's (ts/src/scrub.ts); each event
becomes

    {"event_id": N, "event_type": "ActivityTaskScheduled", "attributes": {...}}

where attributes is the proto3 JSON form of the event's attributes with proto field names
(snake_case; int64 as strings, durations like "10s"/"0.100s", enums by name) and:
  - keys in DROPPED_KEYS removed at every depth, plus every key ending in "_time" (timestamps) or
    "run_id", and every key containing "identity";
  - payloads (objects with metadata.encoding) replaced by their decoded value: json/plain → the
    JSON value, binary/null → null, anything else → {"encoding", "data_base64"}; a Payloads message
    ({"payloads": [...]}) becomes the list of its decoded values;
  - sticky task queues (kind TASK_QUEUE_KIND_STICKY) renamed "<sticky>";
  - the run's own random strings (workflow ids, task queue name) replaced by placeholders;
  - empty objects, empty lists and empty strings removed (proto3: absent ≡ empty), applied last.
Event-level fields other than event_id and event_type (event_time, version, task_id, links,
worker_may_ignore, user_metadata, principal) are not kept.

The proto3 JSON comes from protobuf's json_format.MessageToDict with proto field names, which has
Go protojson's presence rules (an explicitly set "0s" duration stays). Doubles that hold an integer
are written as integers, as Go's protojson does (backoff_coefficient 2, not 2.0).
"""

from __future__ import annotations

import base64
import json
from typing import Any, Iterable, Mapping, Sequence

from google.protobuf import json_format
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent

# Removed wherever they appear: run-specific, SDK-specific or versioning metadata.
DROPPED_KEYS = frozenset(
    {
        "request_id",  # random UUID chosen by the client
        "binary_checksum",  # hash of the worker binary
        "sdk_metadata",  # SDK name/version, flags and replay markers
        "metering_metadata",
        "history_size_bytes",  # depends on ids, identities and times
        "worker_version",
        "worker_version_stamp",
        "source_version_stamp",
        "build_id_redirect_counter",
        "use_workflow_build_id",
        "use_compatible_version",
        "inherited_build_id",
        "inherited_pinned_version",
        "inherited_auto_upgrade_info",
        "deployment",
        "deployment_name",
        "worker_deployment_version",
        "worker_deployment_name",
        "versioning_behavior",
        "versioning_override",
        "stack_trace",  # SDK- and build-dependent
        "source",  # Failure.source, e.g. "PythonSDK"
        "links",  # contain run ids
        "auto_reset_points",  # binary checksums, run ids, times
        "prev_auto_reset_points",
        "eager_execution_accepted",  # depends on the server's eager-start setting
    }
)


def drop_key(key: str) -> bool:
    return key in DROPPED_KEYS or key.endswith("_time") or key.endswith("run_id") or "identity" in key


def event_type_name(value: int) -> str:
    """EVENT_TYPE_WORKFLOW_TASK_STARTED → "WorkflowTaskStarted" (the Go SDK's EventType.String())."""
    try:
        name = EventType.Name(value)
    except ValueError:
        return f"EventType({value})"
    name = name.removeprefix("EVENT_TYPE_")
    return "".join(w.capitalize() for w in name.lower().split("_"))


def _integral_floats(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, list):
        return [_integral_floats(x) for x in v]
    if isinstance(v, dict):
        return {k: _integral_floats(x) for k, x in v.items()}
    return v


def event_json(ev: HistoryEvent) -> dict[str, Any]:
    """The proto3 JSON form (proto field names) of one event."""
    return _integral_floats(json_format.MessageToDict(ev, preserving_proto_field_name=True))


def scrub_history(events: Iterable[HistoryEvent], replacements: Mapping[str, str]) -> list[dict[str, Any]]:
    return scrub_events([(ev.event_id, ev.event_type, event_json(ev)) for ev in events], replacements)


def scrub_events(
    events: Iterable[tuple[int, int, dict[str, Any]]], replacements: Mapping[str, str]
) -> list[dict[str, Any]]:
    out = []
    for event_id, event_type, ev in events:
        se: dict[str, Any] = {"event_id": int(event_id), "event_type": event_type_name(event_type)}
        for key, value in ev.items():
            if key.endswith("_event_attributes"):
                attrs = sort_keys(prune_empty(_scrub_value(value, replacements)))
                if attrs:
                    se["attributes"] = attrs
        out.append(se)
    return out


def _scrub_value(v: Any, replacements: Mapping[str, str]) -> Any:
    if isinstance(v, list):
        return [_scrub_value(x, replacements) for x in v]
    if isinstance(v, dict):
        if _is_payload(v):
            return _decode_payload(v)
        if list(v.keys()) == ["payloads"] and isinstance(v["payloads"], list):
            return [
                _decode_payload(p) if isinstance(p, dict) and _is_payload(p) else _scrub_value(p, replacements)
                for p in v["payloads"]
            ]
        res = {k: _scrub_value(x, replacements) for k, x in v.items() if not drop_key(k)}
        if res.get("kind") == "TASK_QUEUE_KIND_STICKY" and "name" in res:
            res["name"] = "<sticky>"
        return res
    if isinstance(v, str):
        return replacements.get(v, v)
    return v


def _is_payload(m: Mapping[str, Any]) -> bool:
    md = m.get("metadata")
    return isinstance(md, dict) and "encoding" in md


def _b64(s: Any) -> str:
    if not isinstance(s, str):
        return ""
    try:
        return base64.b64decode(s).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return s


def _decode_payload(m: Mapping[str, Any]) -> Any:
    encoding = _b64(m["metadata"]["encoding"])
    data = m.get("data", "")
    if not isinstance(data, str):
        data = ""
    if encoding == "binary/null":
        return None
    if encoding == "json/plain":
        try:
            return json.loads(_b64(data))
        except ValueError:
            pass  # not JSON after all: kept encoded below
    return {"encoding": encoding, "data_base64": data}


def _is_empty(v: Any) -> bool:
    return (isinstance(v, (list, dict)) and len(v) == 0) or v == ""


def prune_empty(v: Any) -> Any:
    """Removes empty objects, lists and strings, bottom-up (list items stay, as in the Go suite)."""
    if isinstance(v, list):
        return [prune_empty(x) for x in v]
    if isinstance(v, dict):
        res = {}
        for k, x in v.items():
            p = prune_empty(x)
            if not _is_empty(p):
                res[k] = p
        return res
    return v


def sort_keys(v: Any) -> Any:
    """Objects with their keys in sorted order (Go's encoding/json order for maps)."""
    if isinstance(v, list):
        return [sort_keys(x) for x in v]
    if isinstance(v, dict):
        return {k: sort_keys(v[k]) for k in sorted(v)}
    return v


def canonical_events(events: Sequence[Mapping[str, Any]]) -> str:
    """The text form of scrubbed events used in golden files and diffs (no HTML escaping, as Go's
    encoder with SetEscapeHTML(false) and JSON.stringify)."""
    return json.dumps(list(events), indent=2, ensure_ascii=False)


def event_types(events: Sequence[Mapping[str, Any]]) -> list[str]:
    return [e["event_type"] for e in events]


def line_diff(want: str, got: str, context: int) -> str:
    """A small LCS line diff in unified style with `context` lines around each change; "-" lines are
    only in want (the golden file), "+" lines only in got."""
    a = want.split("\n")
    b = got.split("\n")
    n, m = len(a), len(b)
    lcs = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = lcs[i], lcs[i + 1]
        for j in range(m - 1, -1, -1):
            row[j] = below[j + 1] + 1 if a[i] == b[j] else max(below[j], row[j + 1])
    ops: list[tuple[str, str, int, int]] = []
    i = j = 0
    while i < n or j < m:
        if i < n and j < m and a[i] == b[j]:
            ops.append((" ", a[i], i, j))
            i += 1
            j += 1
        elif i < n and (j == m or lcs[i + 1][j] >= lcs[i][j + 1]):
            ops.append(("-", a[i], i, j))
            i += 1
        else:
            ops.append(("+", b[j], i, j))
            j += 1
    keep = [False] * len(ops)
    for k, op in enumerate(ops):
        if op[0] != " ":
            for c in range(max(0, k - context), min(len(ops) - 1, k + context) + 1):
                keep[c] = True
    out = []
    in_hunk = False
    for k, (op, text, ai, bj) in enumerate(ops):
        if not keep[k]:
            in_hunk = False
            continue
        if not in_hunk:
            out.append(f"@@ golden line {ai + 1}, got line {bj + 1} @@")
            in_hunk = True
        out.append(f"{op} {text}")
    return "".join(line + "\n" for line in out)


def type_diff(want: Sequence[str], got: Sequence[str]) -> str:
    """Both event-type sequences side by side, rows that differ marked with "!"."""
    out = [f"     {'golden':<44} got"]
    for k in range(max(len(want), len(got))):
        w = want[k] if k < len(want) else ""
        g = got[k] if k < len(got) else ""
        out.append(f"{' ' if w == g else '!'}{k + 1:3d} {w:<44} {g}")
    return "\n".join(out) + "\n"
