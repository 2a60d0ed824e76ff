// The TypeScript SDK compatibility scenarios of issue 4: the same 15 scenarios as the Go suite
// (tests/compat/go/scenarios/scenarios_test.go), each asserting the workflow's result, what the
// scenario is about, the exact sequence of history event types, and the scrubbed history against
// tests/compat/golden/ts/<scenario>.json. Run with ./run (see tests/compat/README.md).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { status as grpcStatus } from '@grpc/grpc-js';
import { QueryNotRegisteredError, ServiceError, WorkflowFailedError, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import {
  ActivityFailure,
  CancelledFailure,
  RetryState,
  TerminatedFailure,
  TimeoutFailure,
  TimeoutType,
} from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { Env, replay, scenario, sleep, within, workflowBundlePath } from './harness';
import { queryState, ready, signalFinish, signalMessage, signalProceed } from './names';

// Event type names as they appear in the scrubbed histories.
const wfStarted = 'WorkflowExecutionStarted';
const wfCompleted = 'WorkflowExecutionCompleted';
const wfFailed = 'WorkflowExecutionFailed';
const wfTimedOut = 'WorkflowExecutionTimedOut';
const wfCancelRequested = 'WorkflowExecutionCancelRequested';
const wfCanceled = 'WorkflowExecutionCanceled';
const wfSignaled = 'WorkflowExecutionSignaled';
const wfTerminated = 'WorkflowExecutionTerminated';
const wftScheduled = 'WorkflowTaskScheduled';
const wftStarted = 'WorkflowTaskStarted';
const wftCompleted = 'WorkflowTaskCompleted';
const wftTimedOut = 'WorkflowTaskTimedOut';
const actScheduled = 'ActivityTaskScheduled';
const actStarted = 'ActivityTaskStarted';
const actCompleted = 'ActivityTaskCompleted';
const actTimedOut = 'ActivityTaskTimedOut';
const actCancelReq = 'ActivityTaskCancelRequested';
const actCanceled = 'ActivityTaskCanceled';
const timerStarted = 'TimerStarted';
const timerFired = 'TimerFired';
const timerCanceled = 'TimerCanceled';

/** One complete workflow task: scheduled, started, completed. */
const wft = [wftScheduled, wftStarted, wftCompleted];
const seq = (...parts: (string | string[])[]): string[] => parts.flat();

/** The history of a workflow that runs one activity and returns its result. */
const helloTypes = seq(wfStarted, wft, actScheduled, actStarted, actCompleted, wft, wfCompleted);

const { EventType, TaskQueueKind } = temporal.api.enums.v1;

function start(e: Env, workflowType: string, workflowId: string, args: unknown[] = [], extra: object = {}): Promise<WorkflowHandleWithFirstExecutionRunId> {
  return e.client.workflow.start(workflowType, { workflowId, taskQueue: e.tq, args, ...extra });
}

/** The error a workflow result rejects with, or a thrown error when it resolves. */
async function resultError(handle: WorkflowHandle): Promise<unknown> {
  try {
    const out = await handle.result();
    return new Error(`workflow completed with ${JSON.stringify(out)}, expected a failure`);
  } catch (err) {
    return err;
  }
}

// hello activity: one activity, its result returned by the workflow.
scenario('hello_activity', async (e) => {
  await e.startWorker();
  const id = e.workflowId('wf');
  const handle = await start(e, 'HelloActivity', id, ['World']);
  e.expectEqual('result', await handle.result(), 'Hello, World!');
  await e.checkHistory(id, handle.firstExecutionRunId, helloTypes);
});

// activity failing twice then succeeding: retries are server-side and invisible in history, the one
// ActivityTaskStarted carries attempt 3 and the last failure.
scenario('activity_retry', async (e) => {
  await e.startWorker();
  const id = e.workflowId('wf');
  const handle = await start(e, 'ActivityRetry', id, [], { workflowExecutionTimeout: '30s' });
  e.expectEqual('result', await handle.result(), 'succeeded on attempt 3');
  const raw = await e.checkHistory(id, handle.firstExecutionRunId, helloTypes);
  for (const ev of raw) {
    const a = ev.activityTaskStartedEventAttributes;
    if (!a) continue;
    e.expectEqual('ActivityTaskStarted.attempt', a.attempt, 3);
    e.expectEqual('ActivityTaskStarted.last_failure.message', a.lastFailure?.message, 'attempt 2 failed');
  }
});

// heartbeat timeout then retry: attempt 1 heartbeats once and stalls; the server times it out on
// the heartbeat timeout and retries; attempt 2 reads the heartbeat details of attempt 1.
scenario('activity_heartbeat_timeout_retry', async (e) => {
  await e.startWorker();
  const id = e.workflowId('wf');
  const handle = await start(e, 'HeartbeatTimeoutRetry', id);
  e.expectEqual('result', await handle.result(), 'attempt 2 resumed from progress of attempt 1');
  const raw = await e.checkHistory(id, handle.firstExecutionRunId, helloTypes);
  for (const ev of raw) {
    const a = ev.activityTaskStartedEventAttributes;
    if (!a) continue;
    e.expectEqual('ActivityTaskStarted.attempt', a.attempt, 2);
    e.expectEqual(
      'ActivityTaskStarted.last_failure timeout type',
      a.lastFailure?.timeoutFailureInfo?.timeoutType,
      temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT,
    );
  }
});

// start-to-close timeout exhausting retries: both attempts outlive their start-to-close timeout;
// the activity times out with MAXIMUM_ATTEMPTS_REACHED and the workflow fails with it.
scenario('activity_start_to_close_timeout', async (e) => {
  await e.startWorker();
  const id = e.workflowId('wf');
  const handle = await start(e, 'StartToCloseTimeout', id);
  const err = await resultError(handle);
  const act = err instanceof WorkflowFailedError ? err.cause : undefined;
  if (!(act instanceof ActivityFailure) || act.retryState !== RetryState.MAXIMUM_ATTEMPTS_REACHED) {
    e.error(`workflow error = ${err} (cause ${act}), want an ActivityFailure with retry state MAXIMUM_ATTEMPTS_REACHED`);
  }
  const timeout = act instanceof ActivityFailure ? act.cause : undefined;
  if (!(timeout instanceof TimeoutFailure) || timeout.timeoutType !== TimeoutType.START_TO_CLOSE) {
    throw new Error(`workflow error = ${err}, want an activity start-to-close TimeoutFailure (got cause ${timeout})`);
  }
  await e.checkHistory(id, handle.firstExecutionRunId, seq(wfStarted, wft, actScheduled, actStarted, actTimedOut, wft, wfFailed));
});

// timer: a 1 s timer, fired by the server.
scenario('timer', async (e) => {
  await e.startWorker();
  const id = e.workflowId('wf');
  const begin = Date.now();
  const handle = await start(e, 'Timer', id, [1000]);
  e.expectEqual('result', await handle.result(), 'timer fired');
  const elapsed = Date.now() - begin;
  if (elapsed < 1000) e.error(`workflow with a 1s timer completed after ${elapsed} ms`);
  await e.checkHistory(id, handle.firstExecutionRunId, seq(wfStarted, wft, timerStarted, timerFired, wft, wfCompleted));
});

// signals before and after start: two signals reach the workflow before any worker polls (they land
// between WorkflowTaskScheduled and WorkflowTaskStarted), a third after the first workflow task
// completed; the workflow returns them in order.
scenario('signals_before_and_after_start', async (e) => {
  const id = e.workflowId('wf');
  const handle = await start(e, 'CollectSignals', id, [3]);
  for (const s of ['before-1', 'before-2']) await handle.signal(signalMessage, s);
  await e.startWorker();
  await e.waitWorkflowTasksCompleted(id, 1);
  await handle.signal(signalMessage, 'after-1');
  e.expectEqual('result', await handle.result(), ['before-1', 'before-2', 'after-1']);
  await e.checkHistory(
    id,
    handle.firstExecutionRunId,
    seq(wfStarted, wftScheduled, wfSignaled, wfSignaled, wftStarted, wftCompleted, wfSignaled, wft, wfCompleted),
  );
});

// signal-with-start: the first SignalWithStart starts the workflow with its signal, the second
// signals the running workflow (no new run).
scenario('signal_with_start', async (e) => {
  await e.startWorker();
  const id = e.workflowId('wf');
  const opts = { workflowId: id, taskQueue: e.tq, args: [2], signal: signalMessage };
  const first = await e.client.workflow.signalWithStart('CollectSignals', { ...opts, signalArgs: ['first'] });
  await e.waitWorkflowTasksCompleted(id, 1);
  const second = await e.client.workflow.signalWithStart('CollectSignals', { ...opts, signalArgs: ['second'] });
  if (second.signaledRunId !== first.signaledRunId) {
    e.error(`SignalWithStart on a running workflow started run ${second.signaledRunId}, want the running ${first.signaledRunId}`);
  }
  const handle = e.client.workflow.getHandle(id, first.signaledRunId);
  e.expectEqual('result', await handle.result(), ['first', 'second']);
  await e.checkHistory(id, first.signaledRunId, seq(wfStarted, wfSignaled, wft, wfSignaled, wft, wfCompleted));
});

// query with a running worker: the query handler answers while the workflow waits; an unknown query
// type fails (QueryFailed, which the client raises as QueryNotRegisteredError); after completion the
// closed workflow still answers. Queries leave no trace in history.
scenario('query_running_worker', async (e) => {
  await e.startWorker();
  const id = e.workflowId('wf');
  const handle = await start(e, 'Queryable', id);
  await e.waitWorkflowTasksCompleted(id, 1);
  e.expectEqual('query state', await handle.query<string>(queryState), 'waiting for finish');
  try {
    await handle.query('no-such-query');
    e.error('unknown query type: the query succeeded, want QueryNotRegisteredError');
  } catch (err) {
    if (!(err instanceof QueryNotRegisteredError) || !String(err.message).includes('no-such-query')) {
      e.error(`unknown query type: error = ${err}, want QueryNotRegisteredError naming the query type`);
    }
  }
  await handle.signal(signalFinish, 'now');
  e.expectEqual('result', await handle.result(), 'done: now');
  e.expectEqual('query state of the closed workflow', await handle.query<string>(queryState), 'finished with now');
  await e.checkHistory(id, handle.firstExecutionRunId, seq(wfStarted, wft, wfSignaled, wft, wfCompleted));
});

// query with no worker: with the only worker shut down, a query blocks until the client's deadline
// and fails with DEADLINE_EXCEEDED; a new worker then finishes the workflow.
scenario('query_no_worker', async (e) => {
  const w = await e.startWorker();
  const id = e.workflowId('wf');
  const handle = await start(e, 'Queryable', id);
  await e.waitWorkflowTasksCompleted(id, 1);
  await w.stop();
  // Give the server a moment to see the stopped worker's polls gone (as the Go suite does).
  await sleep(1000);

  const deadlineMs = 2000;
  const begin = Date.now();
  let err: unknown;
  try {
    await e.connection.withDeadline(Date.now() + deadlineMs, () => handle.query(queryState));
  } catch (caught) {
    err = caught;
  }
  const elapsed = Date.now() - begin;
  // grpc-js reports its own deadline as DEADLINE_EXCEEDED; when the server's RST_STREAM(CANCEL) for
  // the expired call arrives first it reports CANCELLED ("Call cancelled"). Seen both ways against
  // the reference; either is the client deadline, which the elapsed time below pins.
  const cause = err instanceof ServiceError ? (err.cause as { code?: number } | undefined) : undefined;
  if (cause?.code !== grpcStatus.DEADLINE_EXCEEDED && cause?.code !== grpcStatus.CANCELLED) {
    e.error(`query with no worker after ${elapsed} ms: error = ${err} (cause ${cause}), want a ServiceError caused by DEADLINE_EXCEEDED`);
  }
  if (elapsed < deadlineMs - 200 || elapsed > deadlineMs + 2000) {
    e.error(`query with no worker returned after ${elapsed} ms, want at the ${deadlineMs} ms client deadline`);
  }

  await e.startWorker();
  await handle.signal(signalFinish, 'later');
  e.expectEqual('result', await handle.result(), 'done: later');
  const raw = await e.checkHistory(id, handle.firstExecutionRunId, seq(wfStarted, wft, wfSignaled, wft, wfCompleted));
  const kinds = raw
    .filter((ev) => ev.workflowTaskScheduledEventAttributes)
    .map((ev) => TaskQueueKind[ev.workflowTaskScheduledEventAttributes!.taskQueue?.kind ?? 0]);
  e.expectEqual('workflow task queue kinds', kinds, ['TASK_QUEUE_KIND_NORMAL', 'TASK_QUEUE_KIND_NORMAL']);
});

// workflow cancellation handled by the workflow: the cancel request cancels the workflow's timer,
// the workflow runs a cleanup activity and then completes as canceled.
scenario('workflow_cancel_handled', async (e) => {
  await e.startWorker();
  const id = e.workflowId('wf');
  const handle = await start(e, 'CancelHandled', id);
  await e.waitWorkflowTasksCompleted(id, 1);
  await handle.cancel();
  const err = await resultError(handle);
  if (!(err instanceof WorkflowFailedError) || !(err.cause instanceof CancelledFailure)) {
    e.error(`workflow error = ${err}, want WorkflowFailedError caused by CancelledFailure`);
  }
  e.expectEqual('cleanup activity runs', e.state.cleanupRan, 1);
  await e.checkHistory(
    id,
    handle.firstExecutionRunId,
    seq(wfStarted, wft, timerStarted, wfCancelRequested, wft, timerCanceled, actScheduled, actStarted, actCompleted, wft, wfCanceled),
  );
});

// terminate: a waiting workflow is terminated with a reason (the TypeScript client's terminate
// takes no details).
scenario('terminate', async (e) => {
  await e.startWorker();
  const id = e.workflowId('wf');
  const handle = await start(e, 'CollectSignals', id, [1]);
  await e.waitWorkflowTasksCompleted(id, 1);
  await handle.terminate('terminated by the scenario');
  const err = await resultError(handle);
  if (!(err instanceof WorkflowFailedError) || !(err.cause instanceof TerminatedFailure) || err.message !== 'terminated by the scenario') {
    e.error(`workflow error = ${err}, want WorkflowFailedError("terminated by the scenario") caused by TerminatedFailure`);
  }
  await e.checkHistory(id, handle.firstExecutionRunId, seq(wfStarted, wft, wfTerminated));
});

// execution timeout: a workflow waiting for a signal that never comes times out after its 2 s
// execution timeout.
scenario('execution_timeout', async (e) => {
  await e.startWorker();
  const id = e.workflowId('wf');
  const begin = Date.now();
  const handle = await start(e, 'CollectSignals', id, [1], { workflowExecutionTimeout: '2s' });
  const err = await resultError(handle);
  if (!(err instanceof WorkflowFailedError) || !(err.cause instanceof TimeoutFailure) || err.retryState !== RetryState.TIMEOUT) {
    e.error(`workflow error = ${err}, want WorkflowFailedError (retry state TIMEOUT) caused by TimeoutFailure`);
  }
  const elapsed = Date.now() - begin;
  if (elapsed < 2000) e.error(`workflow with a 2s execution timeout timed out after ${elapsed} ms`);
  await e.checkHistory(id, handle.firstExecutionRunId, seq(wfStarted, wft, wfTimedOut));
});

// activity cancellation: the workflow cancels a heartbeating activity; the activity sees the
// cancellation through its heartbeat and reports itself canceled.
scenario('activity_cancellation', async (e) => {
  await e.startWorker();
  const id = e.workflowId('wf');
  const handle = await start(e, 'ActivityCancel', id);
  e.expectEqual('result', await handle.result(), 'activity canceled');
  if (!e.state.sawCancel) e.error('the activity did not observe its cancellation');
  await e.checkHistory(
    id,
    handle.firstExecutionRunId,
    seq(wfStarted, wft, actScheduled, wfSignaled, wft, actCancelReq, actStarted, actCanceled, wft, wfCompleted),
  );
});

// 200 concurrent workflows, each running one activity: all complete with their own result. The
// golden is the history of the first one.
scenario('concurrent_200', async (e) => {
  await e.startWorker();
  const n = 200;
  const inFlight = 50;
  const ids = Array.from({ length: n }, (_, i) => e.workflowId(String(i).padStart(3, '0')));
  const name = (i: number) => `w${String(i).padStart(3, '0')}`;
  const runIds: string[] = new Array(n).fill('');
  const errs: (string | undefined)[] = new Array(n).fill(undefined);
  const begin = Date.now();
  // Workflow 0 is started first and alone, so that a server that cannot start workflows fails the
  // scenario at once instead of after 200 start timeouts.
  const run0 = await start(e, 'HelloActivity', ids[0], [name(0)]);
  let next = 0;
  const one = async (i: number): Promise<void> => {
    try {
      const handle = i === 0 ? run0 : await start(e, 'HelloActivity', ids[i], [name(i)]);
      runIds[i] = handle.firstExecutionRunId;
      const out = await handle.result();
      if (out !== `Hello, ${name(i)}!`) errs[i] = `result ${JSON.stringify(out)}, want "Hello, ${name(i)}!"`;
    } catch (err) {
      errs[i] = String(err);
    }
  };
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) await one(next++);
    }),
  );
  const elapsedMs = Date.now() - begin;
  const completed = errs.filter((x) => x === undefined).length;
  errs.forEach((err, i) => err !== undefined && i < 5 && e.error(`workflow ${i}: ${err}`));
  console.log(`# concurrent_200: ${completed}/${n} workflows completed in ${elapsedMs} ms (${((completed * 1000) / elapsedMs).toFixed(1)} workflows/s)`);
  if (completed !== n) throw new Error(`${completed} of ${n} workflows completed`);
  // Every history must end in WorkflowExecutionCompleted; other shapes (e.g. a sticky workflow
  // task timing out under load) are legal but reported.
  let odd = 0;
  let unclosed = 0;
  for (let i = 1; i < n; i++) {
    const types = (await e.history(ids[i], runIds[i])).map((ev) => ev.eventType ?? 0);
    if (types[types.length - 1] !== EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED) {
      if (++unclosed <= 5) e.error(`workflow ${i}: history does not end in ${wfCompleted}: ${types}`);
    } else if (types.length !== helloTypes.length) {
      odd++;
    }
  }
  if (unclosed > 0) e.error(`${unclosed} of ${n - 1} histories do not end in ${wfCompleted}`);
  console.log(`# concurrent_200: ${odd} of ${n - 1} histories differ in shape from the representative`);
  await e.checkHistory(ids[0], runIds[0], helloTypes);
}, 60_000);

// a worker killed mid-workflow and replaced: worker A (a child process) runs the first activity and
// is killed with SIGKILL while the workflow waits for a signal; worker B (this process, which never
// saw the workflow) must replay the full history and finish it. The workflow task dispatched to A's
// sticky queue times out (SCHEDULE_TO_START, A's sticky schedule-to-start timeout is 1 s) and moves
// to the normal queue.
scenario('worker_replaced', async (e) => {
  const child = spawn(process.execPath, [require.resolve('./worker-process')], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: {
      ...process.env,
      HDO_SCENARIO_WORKER_HOSTPORT: e.hostPort,
      HDO_SCENARIO_WORKER_TQ: e.tq,
      HDO_SCENARIO_WORKER_IDENTITY: 'worker-A',
      HDO_SCENARIO_WORKER_BUNDLE: await workflowBundlePath(),
    },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  e.defer(async () => {
    child.stdin!.end();
    child.kill('SIGKILL');
    await within(10_000, 'waiting for worker process A to exit', exited);
  });
  await within(
    30_000,
    'waiting for worker process A to be ready',
    new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => line === ready && resolve());
      child.once('exit', (code) => reject(new Error(`worker process A exited (${code}) before it was ready`)));
    }),
  );

  const id = e.workflowId('wf');
  const handle = await start(e, 'ReplacedWorker', id);
  await e.waitHistory(id, "the first activity's result processed", (evs) => {
    const types = evs.map((ev) => ev.eventType);
    const count = (t: number) => types.filter((x) => x === t).length;
    return count(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) === 1 && count(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) === 2;
  });
  child.kill('SIGKILL');
  await within(10_000, 'waiting for worker process A to die', exited);

  replay.observed = false;
  await e.startWorker({ identity: 'worker-B' });
  await handle.signal(signalProceed);
  e.expectEqual('result', await handle.result(), 'step one,step two');
  if (!replay.observed) e.error('worker B did not replay the workflow from its history');
  const raw = await e.checkHistory(
    id,
    handle.firstExecutionRunId,
    seq(wfStarted, wft, actScheduled, actStarted, actCompleted, wft, wfSignaled, wftScheduled, wftTimedOut, wft, actScheduled, actStarted, actCompleted, wft, wfCompleted),
  );
  // Who did what: A ran the first two workflow tasks and the first activity, B the rest.
  const wftIdentities = raw.filter((ev) => ev.workflowTaskStartedEventAttributes).map((ev) => ev.workflowTaskStartedEventAttributes!.identity);
  const actIdentities = raw.filter((ev) => ev.activityTaskStartedEventAttributes).map((ev) => ev.activityTaskStartedEventAttributes!.identity);
  e.expectEqual('WorkflowTaskStarted identities', wftIdentities, ['worker-A', 'worker-A', 'worker-B', 'worker-B']);
  e.expectEqual('ActivityTaskStarted identities', actIdentities, ['worker-A', 'worker-B']);
});
