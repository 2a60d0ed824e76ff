// A logging gRPC proxy for finding out which RPCs the TypeScript SDK calls and which request fields
// it sets: listens on h2c, forwards every stream to the upstream server unchanged, counts calls per
// method and how they ended, and decodes WorkflowService requests to collect the field paths they
// set (non-default, to depth 4; commands by type).
//
//   node build/grpc-log-proxy.js <listen-port> <upstream host:port>
//   HDO_TARGET=127.0.0.1:<listen-port> ./run ...
//
// SIGINT or SIGTERM prints "count  grpc-status  /service/Method", then every method's request
// field paths, and exits.
import http2 from 'node:http2';
import { gunzipSync } from 'node:zlib';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import type * as protobuf from 'protobufjs';

const root = patchProtobufRoot(proto) as unknown as protobuf.Root;
root.resolveAll();
const workflowService = root.lookupService('temporal.api.workflowservice.v1.WorkflowService');
const fieldPaths = new Map<string, Set<string>>();
const compressed = new Set<string>();

/** Collects the paths of the fields set in a decoded message (commands as "commands[<type>]"). */
function collect(t: protobuf.Type, m: Record<string, unknown>, prefix: string, out: Set<string>, depth: number): void {
  for (const f of t.fieldsArray) {
    const v = m[f.name];
    if (v === null || v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (!Array.isArray(v) && typeof v !== 'object' && (v === 0 || v === '' || v === false)) continue;
    if (typeof v === 'object' && 'low' in (v as object) && String(v) === '0') continue;
    if (f.map && Object.keys(v as object).length === 0) continue;
    let path = prefix + f.name;
    if (f.name === 'commandType') path += `=${(f.resolvedType as protobuf.Enum).valuesById[Number(v)]}`;
    if (f.name === 'requestEagerExecution' || f.name === 'returnNewWorkflowTask' || f.name === 'forceCreateNewWorkflowTask') path += `=${v}`;
    out.add(path);
    const rt = f.resolvedType;
    if (depth <= 0 || !rt || !('fieldsArray' in rt) || f.map) continue;
    const items = (Array.isArray(v) ? v : [v]) as Record<string, unknown>[];
    for (const item of items) collect(rt as protobuf.Type, item, `${path}${Array.isArray(v) ? '[]' : ''}.`, out, depth - 1);
  }
}

function recordRequest(path: string, body: Buffer): void {
  const m = /^\/temporal\.api\.workflowservice\.v1\.WorkflowService\/(\w+)$/.exec(path);
  const method = m ? workflowService.methods[m[1]] : undefined;
  if (!method || body.length < 5) return;
  method.resolve();
  const type = method.resolvedRequestType as protobuf.Type;
  // The worker (sdk-core, tonic) sends gzip-compressed messages (flag byte 1, grpc-encoding: gzip).
  let payload = body.subarray(5, 5 + body.readUInt32BE(1));
  if (body[0] === 1) {
    payload = gunzipSync(payload);
    compressed.add(m![1]);
  }
  const msg = type.decode(payload) as unknown as Record<string, unknown>;
  const set = fieldPaths.get(m![1]) ?? new Set<string>();
  fieldPaths.set(m![1], set);
  collect(type, msg, '', set, 4);
}

const [listenPort, upstreamAddress] = process.argv.slice(2);
if (!listenPort || !upstreamAddress) {
  console.error('usage: grpc-log-proxy <listen-port> <upstream host:port>');
  process.exit(2);
}
const counts = new Map<string, number>();
const count = (key: string): void => {
  counts.set(key, (counts.get(key) ?? 0) + 1);
};
const upstream = http2.connect(`http://${upstreamAddress}`);
upstream.on('error', (err) => console.error('upstream:', err.message));

function forwardable(headers: http2.IncomingHttpHeaders): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) {
    if (k.startsWith(':') && k !== ':status') continue;
    out[k] = v;
  }
  return out;
}

const server = http2.createServer();
server.on('stream', (stream, headers) => {
  const path = String(headers[':path']);
  const req = upstream.request({ ':method': 'POST', ':path': path, ...forwardable(headers) });
  let trailers: http2.OutgoingHttpHeaders = {};
  req.on('response', (h) => {
    if (h['grpc-status'] !== undefined) {
      count(`${h['grpc-status']}\t${path}`);
      stream.respond(forwardable(h), { endStream: true });
      return;
    }
    stream.respond(forwardable(h), { waitForTrailers: true });
  });
  req.on('trailers', (t) => {
    trailers = forwardable(t);
    count(`${t['grpc-status']}\t${path}`);
  });
  stream.on('wantTrailers', () => stream.sendTrailers(trailers));
  req.on('data', (chunk) => stream.write(chunk));
  req.on('end', () => {
    if (!stream.headersSent) return;
    stream.end();
  });
  req.on('close', () => {
    if (req.rstCode && req.rstCode !== http2.constants.NGHTTP2_NO_ERROR && !stream.closed) {
      count(`rst\t${path}`);
      stream.close(req.rstCode);
    }
  });
  const body: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => {
    body.push(chunk);
    req.write(chunk);
  });
  stream.on('end', () => {
    req.end();
    try {
      recordRequest(path, Buffer.concat(body));
    } catch (err) {
      console.error(`decoding a ${path} request: ${err}`);
    }
  });
  stream.on('close', () => {
    if (!req.closed) {
      count(`cancel\t${path}`);
      req.close(http2.constants.NGHTTP2_CANCEL);
    }
  });
  stream.on('error', () => undefined);
  req.on('error', () => undefined);
});
server.listen(Number(listenPort), '127.0.0.1');

function report(): void {
  const rows = [...counts.entries()].sort((a, b) => a[0].split('\t')[1].localeCompare(b[0].split('\t')[1]));
  for (const [key, n] of rows) console.log(`${String(n).padStart(6)}\t${key}`);
  for (const [method, paths] of [...fieldPaths.entries()].sort()) {
    console.log(`\n${method}${compressed.has(method) ? ' (gzip)' : ''}:`);
    for (const p of [...paths].sort()) console.log(`  ${p}`);
  }
  process.exit(0);
}
process.on('SIGINT', report);
process.on('SIGTERM', report);
