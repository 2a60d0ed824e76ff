// The scenario harness: server selection, one Env per scenario (client, workers, unique task
// queue and workflow ids), bounded waits, history checks against the golden files.
//
// Target: HDO_TARGET=host:port runs against an already running server (that is how the goldens
// are recorded, against `temporal server start-dev`); without it each scenario starts its own hdo
// (HDO_BIN). Record mode (HDO_RECORD=1) writes the golden files instead of comparing; it requires
// HDO_TARGET so goldens always come from the reference.
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import {
  bundleWorkflowCode,
  DefaultLogger,
  makeTelemetryFilterString,
  NativeConnection,
  Runtime,
  Worker,
  type InjectedSinks,
  type WorkerOptions,
} from '@temporalio/worker';
import { createActivities, type ActivityState } from './activities';
import { HdoServer } from './hdo-server';
import {
  canonicalEvents,
  eventTypes,
  lineDiff,
  scrubHistory,
  typeDiff,
  type ScrubbedEvent,
} from './scrub';
import type { ScenarioSinks } from './workflows';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export const namespace = 'default';
/** tests/compat/golden/ts, relative to build/. */
export const goldenDir = resolve(__dirname, '../../golden/ts');
/**
 * Bounds every scenario, so that a misbehaving server fails the scenario instead of hanging it
 * (against the reference each takes under 5 s, concurrent_200 under 10 s, which has its own bound).
 */
export const scenarioTimeoutMs = 20_000;
/** Bounds every wait for a history condition. */
export const historyWaitMs = 15_000;

export const recording = (): boolean => process.env.HDO_RECORD === '1';

export function randomSuffix(): string {
  return randomBytes(4).toString('hex');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves with p, or rejects after ms with "timed out <what>". */
export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

let runtimeInstalled = false;
/** The SDK's runtime logs errors only (the scenarios provoke warnings on purpose). */
export function installRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }) } },
  });
  runtimeInstalled = true;
}

let bundlePath: Promise<string> | undefined;
/** The workflow bundle, built once per process and written to a file that child workers load. */
export function workflowBundlePath(): Promise<string> {
  bundlePath ??= (async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('./workflows'),
      logger: new DefaultLogger('ERROR'),
    });
    const file = join(tmpdir(), `hdo-compat-ts-workflows-${process.pid}-${randomSuffix()}.js`);
    writeFileSync(file, code);
    // The child workers that load it end before this process does.
    process.once('exit', () => rmSync(file, { force: true }));
    return file;
  })();
  return bundlePath;
}

/** Set when a ReplacedWorker workflow started in replay mode in this process. */
export const replay = { observed: false };

const sinks: InjectedSinks<ScenarioSinks> = {
  scenario: {
    replayObserved: {
      fn: () => {
        replay.observed = true;
      },
      callDuringReplay: true,
    },
  },
};

/** The workers' options every scenario shares: every workflow and activity registered. */
export async function baseWorkerOptions(
  connection: NativeConnection,
  taskQueue: string,
  client: Client,
  state?: ActivityState,
): Promise<WorkerOptions> {
  return {
    connection,
    namespace,
    taskQueue,
    workflowBundle: { codePath: await workflowBundlePath() },
    activities: createActivities(client, state),
    sinks,
    shutdownGraceTime: '1s',
    shutdownForceTime: '5s',
  };
}

/** A worker started with run(); stop() shuts it down and waits (bounded) for run() to end. */
export class RunningWorker {
  private stopped = false;
  private readonly done: Promise<void>;
  constructor(readonly worker: Worker) {
    this.done = worker.run();
    this.done.catch(() => undefined); // reported by stop()
  }
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.worker.getState() === 'RUNNING') this.worker.shutdown();
    await within(15_000, 'waiting for the worker to shut down', this.done);
  }
}

/** One scenario's connection to the server under test. */
export class Env {
  readonly tq: string;
  readonly replacements = new Map<string, string>();
  readonly state: ActivityState = { cleanupRan: 0, sawCancel: false };
  readonly errors: string[] = [];
  private readonly cleanups: (() => Promise<void>)[] = [];
  connection!: Connection;
  client!: Client;
  nativeConnection!: NativeConnection;
  hostPort = '';
  readonly abort = new AbortController();

  constructor(readonly name: string) {
    this.tq = `scn-${name}-${randomSuffix()}`;
    this.replacements.set(this.tq, '<task_queue>');
    // Every client call of the scenario listens on this signal (200 at once in concurrent_200).
    setMaxListeners(1000, this.abort.signal);
  }

  /** Connects to HDO_TARGET, or starts a fresh hdo for this scenario. */
  async open(): Promise<void> {
    installRuntime();
    const target = process.env.HDO_TARGET;
    if (target) {
      this.hostPort = target;
    } else if (recording()) {
      throw new Error(
        'record mode writes golden files and needs the reference server: set HDO_TARGET (scripts/record-golden --ts does)',
      );
    } else {
      const server = await HdoServer.start();
      this.hostPort = server.hostPort;
      this.defer(() => server.stop());
    }
    this.connection = await within(15_000, `connecting to ${this.hostPort}`, Connection.connect({ address: this.hostPort }));
    this.defer(() => this.connection.close());
    this.client = new Client({ connection: this.connection, namespace, identity: 'scenario-client' });
    this.nativeConnection = await within(15_000, `connecting the worker to ${this.hostPort}`, NativeConnection.connect({ address: this.hostPort }));
    this.defer(() => this.nativeConnection.close());
  }

  /** Runs fn at close(), last deferred first. */
  defer(fn: () => Promise<void>): void {
    this.cleanups.push(fn);
  }

  async close(): Promise<void> {
    const failures: string[] = [];
    for (const fn of this.cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        failures.push(String(err));
      }
    }
    if (failures.length > 0) throw new Error(`cleaning up: ${failures.join('; ')}`);
  }

  /** Creates (does not start) a worker on the scenario's task queue. */
  async newWorker(extra: Partial<WorkerOptions> = {}): Promise<Worker> {
    const opts = await baseWorkerOptions(this.nativeConnection, this.tq, this.client, this.state);
    return await Worker.create({ ...opts, ...extra });
  }

  /** Starts a worker that is stopped when the scenario ends. */
  async startWorker(extra: Partial<WorkerOptions> = {}): Promise<RunningWorker> {
    const w = new RunningWorker(await this.newWorker(extra));
    this.defer(() => w.stop());
    return w;
  }

  /**
   * A unique workflow id for this run with its placeholder: the first id of a scenario becomes
   * "<workflow_id>", later ones "<workflow_id_N>" (N counts the task queue, as in the Go suite).
   */
  workflowId(label: string): string {
    const id = `${this.name}-${label}-${randomSuffix()}`;
    const n = this.replacements.size;
    this.replacements.set(id, n > 1 ? `<workflow_id_${n}>` : '<workflow_id>');
    return id;
  }

  /** A soft failure: the scenario goes on and fails at the end with every message. */
  error(message: string): void {
    this.errors.push(message);
  }

  expectEqual<T>(what: string, got: T, want: T): void {
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      this.error(`${what} = ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    }
  }

  async history(workflowId: string, runId?: string): Promise<HistoryEvent[]> {
    const h = await this.client.workflow.getHandle(workflowId, runId).fetchHistory();
    return h.events ?? [];
  }

  /**
   * Polls the history until cond holds (e.g. "the first workflow task completed"), so that the
   * scenario's next step happens at a deterministic point of the history.
   */
  async waitHistory(workflowId: string, what: string, cond: (evs: HistoryEvent[]) => boolean): Promise<HistoryEvent[]> {
    const deadline = Date.now() + historyWaitMs;
    let last: HistoryEvent[] = [];
    while (Date.now() < deadline) {
      try {
        last = await this.history(workflowId);
        if (cond(last)) return last;
      } catch {
        // not there yet, or a transient error: retried until the deadline
      }
      await sleep(50);
    }
    throw new Error(`timed out waiting for ${what} in the history of ${workflowId}; history so far: ${rawTypes(last).join(',')}`);
  }

  /** The event types of the scenario's workflows so far (the first 3), for a timeout's message. */
  async describeWorkflows(): Promise<string> {
    let out = '';
    const ids = [...this.replacements.keys()].filter((k) => k !== this.tq).slice(0, 3);
    for (const id of ids) {
      const types = await this.connection
        .withDeadline(Date.now() + 2000, () => this.history(id))
        .then((evs) => rawTypes(evs).join(','))
        .catch((err) => `(history unavailable: ${err})`);
      out += `\n  history of ${id}: ${types}`;
    }
    return out;
  }

  async waitWorkflowTasksCompleted(workflowId: string, n: number): Promise<void> {
    await this.waitHistory(workflowId, `${n} WorkflowTaskCompleted`, (evs) => countType(evs, 'WorkflowTaskCompleted') >= n);
  }

  /**
   * Fetches the run's history, requires its event types to be exactly wantTypes, and compares the
   * scrubbed history with the golden file (or writes it in record mode).
   */
  async checkHistory(workflowId: string, runId: string | undefined, wantTypes: string[]): Promise<HistoryEvent[]> {
    const raw = await this.history(workflowId, runId);
    await this.checkEvents(this.name, raw, wantTypes);
    return raw;
  }

  async checkEvents(golden: string, raw: HistoryEvent[], wantTypes: string[]): Promise<void> {
    const got = scrubHistory({ events: raw }, this.replacements);
    const gotTypes = eventTypes(got);
    if (gotTypes.join(',') !== wantTypes.join(',')) {
      this.error(`history event types differ from the scenario's expectation:\n${typeDiff(wantTypes, gotTypes)}`);
    }
    if (recording()) {
      await this.writeGolden(golden, got);
      return;
    }
    const path = goldenPath(golden);
    let want: GoldenFile;
    try {
      want = JSON.parse(readFileSync(path, 'utf8')) as GoldenFile;
    } catch (err) {
      throw new Error(`reading golden history ${path}: ${err} (record it with scripts/record-golden --ts)`);
    }
    const wantText = canonicalEvents(want.events);
    const gotText = canonicalEvents(got);
    if (wantText === gotText) return;
    const gotPath = join(tmpdir(), 'hdo-scenarios-got', 'ts', `${golden}.json`);
    mkdirSync(dirname(gotPath), { recursive: true });
    writeFileSync(gotPath, gotText + '\n');
    this.error(
      `scrubbed history differs from golden ${path} (recorded against ${want.recorded_against}); ` +
        `full scrubbed history written to ${gotPath}\nevent types:\n${typeDiff(eventTypes(want.events), gotTypes)}\n` +
        `diff (- golden, + got):\n${lineDiff(wantText, gotText, 4)}`,
    );
  }

  private async writeGolden(name: string, events: ScrubbedEvent[]): Promise<void> {
    // HDO_RECORDED_WITH is set by scripts/record-golden to the reference CLI's version.
    let against = process.env.HDO_RECORDED_WITH ?? '';
    if (!against) {
      const info = await this.connection.workflowService.getSystemInfo({});
      against = `server ${info.serverVersion}`;
    }
    const file: GoldenFile = { scenario: name, recorded_against: against, events };
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(goldenPath(name), JSON.stringify(file, null, 2) + '\n');
  }
}

interface GoldenFile {
  scenario: string;
  recorded_against: string;
  events: ScrubbedEvent[];
}

export function goldenPath(name: string): string {
  return join(goldenDir, `${name}.json`);
}

/** "EVENT_TYPE_WORKFLOW_TASK_COMPLETED" or the enum number → "WorkflowTaskCompleted". */
export function typeName(ev: HistoryEvent): string {
  const scrubbed = scrubHistory({ events: [ev] }, new Map());
  return scrubbed[0].event_type;
}

export function rawTypes(events: HistoryEvent[]): string[] {
  return events.map(typeName);
}

export function countType(events: HistoryEvent[], type: string): number {
  return rawTypes(events).filter((t) => t === type).length;
}

/**
 * Registers one scenario with node's test runner: a fresh Env, the scenario bounded by
 * scenarioTimeoutMs (every client call of the scenario is aborted at that deadline), the Env closed
 * (workers stopped, hdo stopped) whatever happened, soft errors reported together.
 */
export function scenario(name: string, fn: (e: Env) => Promise<void>, timeoutMs = scenarioTimeoutMs): void {
  test(name, { timeout: timeoutMs + 30_000 }, async () => {
    const e = new Env(name);
    let failure: unknown;
    try {
      await within(timeoutMs, `running scenario ${name}`, (async () => {
        await e.open();
        await e.connection.withAbortSignal(e.abort.signal, () => fn(e));
      })());
    } catch (err) {
      failure = err;
      if (err instanceof Error && err.message.startsWith('timed out')) {
        err.message += await e.describeWorkflows().catch(() => '');
      }
    } finally {
      e.abort.abort();
      try {
        await within(30_000, 'cleaning up', e.close());
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== undefined) {
      const soft = e.errors.length > 0 ? `\nalso:\n${e.errors.join('\n')}` : '';
      if (failure instanceof Error) {
        failure.message += soft;
        throw failure;
      }
      throw new Error(String(failure) + soft);
    }
    if (e.errors.length > 0) throw new Error(e.errors.join('\n'));
  });
}
