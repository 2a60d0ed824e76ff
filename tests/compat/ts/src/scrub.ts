// Scrub rules: turn a history fetched with the TypeScript SDK into the stable form stored under
// tests/compat/golden/ts/. The rules are the Go suite's (tests/compat/go/scenarios/scrub_test.go,
// documented in tests/compat/README.md); each event becomes
//
//   {"event_id": N, "event_type": "ActivityTaskScheduled", "attributes": {...}}
//
// where attributes is the proto3 JSON form of the event's attributes with proto field names
// (snake_case; int64 as strings, durations like "10s"/"0.100s", enums by name) and:
//   - keys in droppedKeys removed at every depth, plus every key ending in "_time" (timestamps) or
//     "run_id", and every key containing "identity";
//   - payloads (objects with metadata.encoding) replaced by their decoded value: json/plain → the
//     JSON value, binary/null → null, anything else → {"encoding", "data_base64"}; a Payloads message
//     ({"payloads": [...]}) becomes the list of its decoded values;
//   - sticky task queues (kind TASK_QUEUE_KIND_STICKY) renamed "<sticky>";
//   - the run's own random strings (workflow ids, task queue name) replaced by placeholders;
//   - empty objects, empty lists and empty strings removed (proto3: absent ≡ empty), applied last.
// Event-level fields other than event_id and event_type (event_time, version, task_id, links,
// worker_may_ignore, user_metadata, principal) are not kept.
//
// The proto3 JSON is produced here by walking the protobufjs reflection of @temporalio/proto (the
// SDK's own historyToJSON cannot be used: it fails with "type must be a Type" when npm installs
// two copies of protobufjs 8), with Go protojson's presence rules: proto3 scalars only when not
// zero, messages when set (so an explicit "0s" duration stays), oneof members when set, repeated
// fields and maps only when not empty. protobufjs names fields in lowerCamel; they are turned back
// into the proto names (Temporal's field names are lower snake_case without digits).
import * as proto from '@temporalio/proto';
import type { temporal } from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import type * as protobuf from 'protobufjs';

type History = temporal.api.history.v1.IHistory;
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Removed wherever they appear: run-specific, SDK-specific or versioning metadata. */
export const droppedKeys = new Set([
  'request_id', // random UUID chosen by the client
  'binary_checksum', // hash of the worker binary
  'sdk_metadata', // SDK name/version, flags and replay markers
  'metering_metadata',
  'history_size_bytes', // depends on ids, identities and times
  'worker_version',
  'worker_version_stamp',
  'source_version_stamp',
  'build_id_redirect_counter',
  'use_workflow_build_id',
  'use_compatible_version',
  'inherited_build_id',
  'inherited_pinned_version',
  'inherited_auto_upgrade_info',
  'deployment',
  'deployment_name',
  'worker_deployment_version',
  'worker_deployment_name',
  'versioning_behavior',
  'versioning_override',
  'stack_trace', // SDK- and build-dependent
  'source', // Failure.source, e.g. "TypeScriptSDK"
  'links', // contain run ids
  'auto_reset_points', // binary checksums, run ids, times
  'prev_auto_reset_points',
  'eager_execution_accepted', // depends on the server's eager-start setting
]);

export interface ScrubbedEvent {
  event_id: number;
  event_type: string;
  attributes?: JsonObject;
}

/** "EVENT_TYPE_WORKFLOW_TASK_STARTED" → "WorkflowTaskStarted" (the Go SDK's EventType.String()). */
export function eventTypeName(enumName: string): string {
  return enumName
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

export function snakeCase(jsonName: string): string {
  return jsonName.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

export function dropKey(key: string): boolean {
  return droppedKeys.has(key) || key.endsWith('_time') || key.endsWith('run_id') || key.includes('identity');
}

const root = patchProtobufRoot(proto) as unknown as protobuf.Root;
root.resolveAll();
const historyEventType = root.lookupType('temporal.api.history.v1.HistoryEvent');

/** Proto3 JSON (proto field names) of every event of a history. */
export function historyJson(history: History): JsonObject[] {
  return (history.events ?? []).map((ev) => protoJson(historyEventType, ev) as JsonObject);
}

/** The proto3 JSON form of message m of type t, as Go's protojson.Marshal with UseProtoNames. */
export function protoJson(t: protobuf.Type, m: unknown): Json {
  const msg = m as Record<string, unknown>;
  switch (t.fullName) {
    case '.google.protobuf.Duration':
      return durationJson(Number(msg.seconds ?? 0), Number(msg.nanos ?? 0));
    case '.google.protobuf.Timestamp': {
      const ms = Number(msg.seconds ?? 0) * 1000 + Math.floor(Number(msg.nanos ?? 0) / 1e6);
      return new Date(ms).toISOString();
    }
  }
  const out: JsonObject = {};
  for (const field of t.fieldsArray) {
    field.resolve();
    const value = msg[field.name];
    if (value === null || value === undefined) continue;
    const key = snakeCase(field.name);
    if (field.map) {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length === 0) continue;
      const mo: JsonObject = {};
      for (const [k, v] of entries) mo[k] = fieldValue(field, v);
      out[key] = mo;
    } else if (field.repeated) {
      const list = value as unknown[];
      if (list.length === 0) continue;
      out[key] = list.map((v) => fieldValue(field, v));
    } else if (field.resolvedType instanceof Object && 'fieldsArray' in field.resolvedType) {
      out[key] = fieldValue(field, value);
    } else if (field.partOf !== null && field.partOf !== undefined) {
      if (Object.prototype.hasOwnProperty.call(msg, field.name)) out[key] = fieldValue(field, value);
    } else if (!isZero(value)) {
      out[key] = fieldValue(field, value);
    }
  }
  return out;
}

function fieldValue(field: protobuf.Field, v: unknown): Json {
  const rt = field.resolvedType;
  if (rt && 'fieldsArray' in rt) return protoJson(rt as protobuf.Type, v);
  if (rt && 'valuesById' in rt) {
    const name = (rt as protobuf.Enum).valuesById[Number(v)];
    return name ?? Number(v);
  }
  switch (field.type) {
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return String(v);
    case 'bytes':
      return Buffer.from(v as Uint8Array).toString('base64');
    default:
      return v as Json;
  }
}

function isZero(v: unknown): boolean {
  if (typeof v === 'object' && v !== null && 'low' in v && 'high' in v) return String(v) === '0'; // Long
  if (v instanceof Uint8Array) return v.length === 0;
  return v === 0 || v === '' || v === false;
}

/** Go protojson's duration form: "10s", "0.100s", "1.000500s" (0, 3, 6 or 9 fraction digits). */
export function durationJson(seconds: number, nanos: number): string {
  const sign = seconds < 0 || nanos < 0 ? '-' : '';
  let frac = '';
  if (nanos !== 0) {
    frac = String(Math.abs(nanos)).padStart(9, '0');
    while (frac.endsWith('000')) frac = frac.slice(0, -3);
    frac = '.' + frac;
  }
  return `${sign}${Math.abs(seconds)}${frac}s`;
}

export function scrubHistory(history: History, replacements: Map<string, string>): ScrubbedEvent[] {
  return scrubEvents(historyJson(history), replacements);
}

export function scrubEvents(events: JsonObject[], replacements: Map<string, string>): ScrubbedEvent[] {
  return events.map((ev) => {
    const out: ScrubbedEvent = {
      event_id: Number(ev.event_id),
      event_type: eventTypeName(String(ev.event_type)),
    };
    for (const [key, value] of Object.entries(ev)) {
      if (key.endsWith('_event_attributes')) {
        const attrs = sortKeys(pruneEmpty(scrubValue(value, replacements))) as JsonObject;
        if (Object.keys(attrs).length > 0) out.attributes = attrs;
      }
    }
    return out;
  });
}

function scrubValue(v: Json, replacements: Map<string, string>): Json {
  if (Array.isArray(v)) return v.map((item) => scrubValue(item, replacements));
  if (v !== null && typeof v === 'object') {
    if (isPayload(v)) return decodePayload(v);
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === 'payloads' && Array.isArray(v.payloads)) {
      return v.payloads.map((p) =>
        p !== null && typeof p === 'object' && !Array.isArray(p) && isPayload(p) ? decodePayload(p) : scrubValue(p, replacements),
      );
    }
    const res: JsonObject = {};
    for (const [key, val] of Object.entries(v)) {
      if (dropKey(key)) continue;
      res[key] = scrubValue(val, replacements);
    }
    if (res.kind === 'TASK_QUEUE_KIND_STICKY' && 'name' in res) res.name = '<sticky>';
    return res;
  }
  if (typeof v === 'string') return replacements.get(v) ?? v;
  return v;
}

function isPayload(m: JsonObject): boolean {
  const md = m.metadata;
  return md !== null && typeof md === 'object' && !Array.isArray(md) && 'encoding' in md;
}

function decodeB64(s: Json): string {
  return typeof s === 'string' ? Buffer.from(s, 'base64').toString('utf8') : '';
}

function decodePayload(m: JsonObject): Json {
  const encoding = decodeB64((m.metadata as JsonObject).encoding);
  const data = typeof m.data === 'string' ? m.data : '';
  if (encoding === 'binary/null') return null;
  if (encoding === 'json/plain') {
    try {
      return JSON.parse(decodeB64(data)) as Json;
    } catch {
      // not JSON after all: kept encoded below
    }
  }
  return { encoding, data_base64: data };
}

function isEmpty(v: Json): boolean {
  if (Array.isArray(v)) return v.length === 0;
  if (v !== null && typeof v === 'object') return Object.keys(v).length === 0;
  return v === '';
}

/** Removes empty objects, lists and strings, bottom-up (list items stay, as in the Go suite). */
export function pruneEmpty(v: Json): Json {
  if (Array.isArray(v)) return v.map(pruneEmpty);
  if (v !== null && typeof v === 'object') {
    const res: JsonObject = {};
    for (const [k, val] of Object.entries(v)) {
      const p = pruneEmpty(val);
      if (!isEmpty(p)) res[k] = p;
    }
    return res;
  }
  return v;
}

/** Objects with their keys in sorted order (Go's encoding/json order for maps). */
export function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const res: JsonObject = {};
    for (const k of Object.keys(v).sort()) res[k] = sortKeys(v[k]);
    return res;
  }
  return v;
}

/** The text form of scrubbed events used in golden files and diffs. */
export function canonicalEvents(events: ScrubbedEvent[]): string {
  return JSON.stringify(events, null, 2);
}

export function eventTypes(events: ScrubbedEvent[]): string[] {
  return events.map((e) => e.event_type);
}

/**
 * A small LCS line diff in unified style with `context` lines around each change; "-" lines are
 * only in want (the golden file), "+" lines only in got.
 */
export function lineDiff(want: string, got: string, context: number): string {
  const a = want.split('\n');
  const b = got.split('\n');
  const n = a.length;
  const m = b.length;
  const lcs: Int32Array[] = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const ops: { op: string; text: string; a: number; b: number }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ op: ' ', text: a[i], a: i++, b: j++ });
    } else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      ops.push({ op: '-', text: a[i], a: i++, b: j });
    } else {
      ops.push({ op: '+', text: b[j], a: i, b: j++ });
    }
  }
  const keep = new Array<boolean>(ops.length).fill(false);
  ops.forEach((o, k) => {
    if (o.op === ' ') return;
    for (let c = Math.max(0, k - context); c <= Math.min(ops.length - 1, k + context); c++) keep[c] = true;
  });
  let out = '';
  let inHunk = false;
  ops.forEach((o, k) => {
    if (!keep[k]) {
      inHunk = false;
      return;
    }
    if (!inHunk) {
      out += `@@ golden line ${o.a + 1}, got line ${o.b + 1} @@\n`;
      inHunk = true;
    }
    out += `${o.op} ${o.text}\n`;
  });
  return out;
}

/** Both event-type sequences side by side, rows that differ marked with "!". */
export function typeDiff(want: string[], got: string[]): string {
  let out = `     ${'golden'.padEnd(44)} got\n`;
  for (let k = 0; k < Math.max(want.length, got.length); k++) {
    const w = want[k] ?? '';
    const g = got[k] ?? '';
    out += `${w === g ? ' ' : '!'}${String(k + 1).padStart(3)} ${w.padEnd(44)} ${g}\n`;
  }
  return out;
}
