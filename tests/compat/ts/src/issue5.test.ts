// The TypeScript SDK compatibility scenarios of issue 5: child workflows, SignalExternal and
// RequestCancelExternal, continue-as-new, workflow retry policies, cron, Workflow Update (and
// update-with-start), ResetWorkflowExecution, DeleteWorkflowExecution. Same conventions as
// scenarios.test.ts: each scenario asserts the workflow's result, what the scenario is about, the
// exact sequence of history event types, and the scrubbed history against
// tests/compat/golden/ts/<scenario>.json (further runs or workflows of a scenario against
// <scenario>_<what>.json). Every step that another execution's progress could race is gated: the
// scenario waits for a known history state before it signals, terminates or resets, so the histories
// are the same on every run. Workflows derive the ids of the executions they talk to from their
// own ("<own id>/<suffix>", registered here with relatedId), the namespace id becomes
// "<namespace_id>" and run ids inside longer strings "<run_id>" (see placeholders). Run with ./run
// (see tests/compat/README.md).
import { randomUUID } from 'node:crypto';
import { status as grpcStatus } from '@grpc/grpc-js';
import {
  WithStartWorkflowOperation,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { ApplicationFailure, TerminatedFailure, type Workflow } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { countType, Env, historyWaitMs, namespace, rawTypes, scenario, sleep } from './harness';
import { signalFinish, signalMessage } from './names';
import { historyJson } from './scrub';
import type { SeenError } from './workflows5';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

// Event type names as they appear in the scrubbed histories.
const wfStarted = 'WorkflowExecutionStarted';
const wfCompleted = 'WorkflowExecutionCompleted';
const wfFailed = 'WorkflowExecutionFailed';
const wfCancelRequested = 'WorkflowExecutionCancelRequested';
const wfCanceled = 'WorkflowExecutionCanceled';
const wfSignaled = 'WorkflowExecutionSignaled';
const wfTerminated = 'WorkflowExecutionTerminated';
const wfContinuedAsNew = 'WorkflowExecutionContinuedAsNew';
const timerStarted = 'TimerStarted';
const timerFired = 'TimerFired';
const wftScheduled = 'WorkflowTaskScheduled';
const wftStarted = 'WorkflowTaskStarted';
const wftCompleted = 'WorkflowTaskCompleted';
const wftFailed = 'WorkflowTaskFailed';
const childInitiated = 'StartChildWorkflowExecutionInitiated';
const childStartFailed = 'StartChildWorkflowExecutionFailed';
const childStarted = 'ChildWorkflowExecutionStarted';
const childCompleted = 'ChildWorkflowExecutionCompleted';
const childFailed = 'ChildWorkflowExecutionFailed';
const childCanceled = 'ChildWorkflowExecutionCanceled';
const childTerminated = 'ChildWorkflowExecutionTerminated';
const signalExtInitiated = 'SignalExternalWorkflowExecutionInitiated';
const signalExtFailed = 'SignalExternalWorkflowExecutionFailed';
const extSignaled = 'ExternalWorkflowExecutionSignaled';
const cancelExtInitiated = 'RequestCancelExternalWorkflowExecutionInitiated';
const cancelExtFailed = 'RequestCancelExternalWorkflowExecutionFailed';
const extCancelRequested = 'ExternalWorkflowExecutionCancelRequested';
const updateAccepted = 'WorkflowExecutionUpdateAccepted';
const updateCompleted = 'WorkflowExecutionUpdateCompleted';

/** One complete workflow task: scheduled, started, completed. */
const wft = [wftScheduled, wftStarted, wftCompleted];
const seq = (...parts: (string | string[])[]): string[] => parts.flat();

const { ContinueAsNewInitiator, WorkflowTaskFailedCause } = temporal.api.enums.v1;

/** The update Updatable registers (workflows5.ts). */
const updateAdd = 'add';

function start(e: Env, workflowType: string, workflowId: string, args: unknown[] = [], extra: object = {}): Promise<WorkflowHandleWithFirstExecutionRunId> {
  return e.client.workflow.start(workflowType, { workflowId, taskQueue: e.tq, args, ...extra });
}

/** The error a promise rejects with, or a thrown error when it resolves. */
async function rejection(what: string, p: Promise<unknown>): Promise<unknown> {
  try {
    const out = await p;
    return new Error(`${what} returned ${JSON.stringify(out)}, expected a failure`);
  } catch (err) {
    return err;
  }
}

function resultError(handle: WorkflowHandle): Promise<unknown> {
  return rejection('workflow', handle.result());
}

/** The events of one run. */
async function runHistory(e: Env, workflowId: string, runId: string): Promise<HistoryEvent[]> {
  return await e.history(workflowId, runId);
}

/** The run id that the closing event of a run hands over to (continue-as-new, retry, cron). */
function nextRunId(events: HistoryEvent[]): string {
  const last = events[events.length - 1];
  const id =
    last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ??
    last?.workflowExecutionFailedEventAttributes?.newExecutionRunId ??
    last?.workflowExecutionCompletedEventAttributes?.newExecutionRunId ??
    '';
  if (!id) throw new Error(`the run's last event (${rawTypes(events.slice(-1))}) names no new run`);
  return id;
}

/** Waits (bounded) until the run's history satisfies cond. */
async function waitRun(e: Env, workflowId: string, runId: string, what: string, cond: (evs: HistoryEvent[]) => boolean): Promise<HistoryEvent[]> {
  const deadline = Date.now() + historyWaitMs;
  let last: HistoryEvent[] = [];
  while (Date.now() < deadline) {
    try {
      last = await runHistory(e, workflowId, runId);
      if (cond(last)) return last;
    } catch {
      // not there yet: retried until the deadline
    }
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what} in run ${runId} of ${workflowId}; history so far: ${rawTypes(last).join(',')}`);
}

/** The last event is a WorkflowTaskCompleted: the workflow processed everything it was given. */
function idle(evs: HistoryEvent[]): boolean {
  return evs.length > 0 && rawTypes(evs.slice(-1))[0] === wftCompleted;
}

/** Waits until the workflow has completed n workflow tasks and has nothing else to process. */
async function waitIdle(e: Env, workflowId: string, n: number): Promise<HistoryEvent[]> {
  return await e.waitHistory(workflowId, `${n} WorkflowTaskCompleted, last`, (evs) => countType(evs, wftCompleted) >= n && idle(evs));
}

/** Waits (bounded) until the execution's status is want; returns the description. */
async function waitStatus(e: Env, workflowId: string, want: string, runId?: string) {
  const deadline = Date.now() + historyWaitMs;
  let got = '';
  while (Date.now() < deadline) {
    const d = await e.client.workflow.getHandle(workflowId, runId).describe();
    got = d.status.name;
    if (got === want) return d;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${workflowId} to be ${want}; status ${got}`);
}

/**
 * The id "<base>/<suffix>" a workflow of workflows5.ts derives from its own id base, registered
 * with the next placeholder as Env.workflowId does.
 */
function relatedId(e: Env, base: string, suffix: string): string {
  const id = `${base}/${suffix}`;
  const n = e.replacements.size;
  e.replacements.set(id, n > 1 ? `<workflow_id_${n}>` : '<workflow_id>');
  return id;
}

/**
 * Registers the namespace id (a random UUID per server, in every child and external event) as
 * "<namespace_id>". Called after the scenario's last workflow id: Env numbers ids by map size.
 */
async function placeholders(e: Env): Promise<void> {
  const ns = await e.client.workflowService.describeNamespace({ namespace });
  const nsId = ns.namespaceInfo?.id;
  if (!nsId) throw new Error('DescribeNamespace returned no namespace id');
  e.replacements.set(nsId, '<namespace_id>');
}

/**
 * A copy of the events in which every occurrence of the given run ids inside a longer string is
 * "<run_id>" (the TypeScript SDK writes the canceling run's id into the reason of
 * RequestCancelExternalWorkflowExecution; fields that are a run id are dropped by the scrub rules).
 */
function maskRunIds(events: HistoryEvent[], runIds: string[]): HistoryEvent[] {
  const mask = (v: unknown): unknown => {
    if (typeof v === 'string') return runIds.reduce((str, id) => str.split(id).join('<run_id>'), v);
    if (Array.isArray(v)) return v.map(mask);
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array || ('low' in v && 'high' in v)) return v;
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) out[k] = mask(val);
    return out;
  };
  return events.map((ev) => mask(ev) as HistoryEvent);
}

/** Seconds since the epoch of an event's time. */
function eventSeconds(ev: HistoryEvent): number {
  return Number(ev.eventTime?.seconds ?? 0) + (ev.eventTime?.nanos ?? 0) / 1e9;
}

/** first_workflow_task_backoff of a run (its first event), in seconds. */
function backoffSeconds(events: HistoryEvent[]): number {
  const d = events[0]?.workflowExecutionStartedEventAttributes?.firstWorkflowTaskBackoff;
  return Number(d?.seconds ?? 0) + (d?.nanos ?? 0) / 1e9;
}

/**
 * The backoff the run after prev should get with "@every <every>s" (the reference's
 * GetBackoffForNextSchedule): from prev's scheduled start (start + its backoff), the schedule's
 * ticks are whole seconds every `every` s; the first tick not before prev's close, minus the close,
 * rounded up to whole seconds. Both neighbours when the event times put it within 50 ms of a whole
 * second (event times are not exactly the server's clock readings).
 */
function cronBackoffSeconds(prev: HistoryEvent[], every: number): number[] {
  const scheduled = eventSeconds(prev[0]) + backoffSeconds(prev);
  const close = eventSeconds(prev[prev.length - 1]);
  let tick = Math.floor(scheduled) + every;
  while (tick < close) tick += every;
  const x = tick - close;
  const near = Math.round(x);
  if (Math.abs(x - near) < 0.05) return [near, near + 1].filter((v) => v >= 1);
  return [Math.ceil(x)];
}

/** A copy of a run's events without first_workflow_task_backoff in its WorkflowExecutionStarted. */
function withoutBackoff(events: HistoryEvent[]): HistoryEvent[] {
  const out = maskRunIds(events, []);
  const a = out[0]?.workflowExecutionStartedEventAttributes;
  if (a) a.firstWorkflowTaskBackoff = null;
  return out;
}

/** The events' full proto JSON (nothing scrubbed), to compare histories exactly. */
function fullJson(events: HistoryEvent[]): string {
  return JSON.stringify(historyJson({ events }));
}

// child workflow: the parent runs a child and returns its result; the child's description names
// its parent. The child waits for a signal, sent once both histories are quiet, so the child's
// start and completion reach the parent in separate workflow tasks.
scenario('child_workflow', async (e) => {
  await e.startWorker();
  const parentId = e.workflowId('parent');
  const childId = relatedId(e, parentId, 'child');
  await placeholders(e);
  const parent = await start(e, 'ChildParent', parentId);
  await waitIdle(e, parentId, 2);
  await waitIdle(e, childId, 1);
  const child = e.client.workflow.getHandle(childId);
  const desc = await child.describe();
  e.expectEqual('child parentExecution', desc.parentExecution, { workflowId: parentId, runId: parent.firstExecutionRunId });
  e.expectEqual('child rootExecution', desc.rootExecution, { workflowId: parentId, runId: parent.firstExecutionRunId });
  e.expectEqual('child type', desc.type, 'WaitForFinish');
  e.expectEqual('child task queue', desc.taskQueue, e.tq);
  await child.signal(signalFinish, 'go');
  e.expectEqual('result', await parent.result(), 'parent got: finished: go');
  await e.checkHistory(parentId, parent.firstExecutionRunId, seq(wfStarted, wft, childInitiated, childStarted, wft, childCompleted, wft, wfCompleted));
  const childRaw = await e.history(childId);
  await e.checkEvents(`${e.name}_child`, childRaw, seq(wfStarted, wft, wfSignaled, wft, wfCompleted));
  const started = childRaw[0].workflowExecutionStartedEventAttributes;
  e.expectEqual('child Started parent_workflow_execution', started?.parentWorkflowExecution?.runId, parent.firstExecutionRunId);
  e.expectEqual('child Started parent_initiated_event_id', Number(started?.parentInitiatedEventId), 5);
});

// child outcomes: a child that fails (ApplicationFailure ChildError), a child canceled through a
// CancellationScope (the parent waits for the cancellation to complete), a child terminated by the
// client. Each reaches the parent as a ChildWorkflowFailure with the matching cause.
scenario('child_outcomes', async (e) => {
  await e.startWorker();
  const parentId = e.workflowId('parent');
  const [failId, cancelId, terminateId] = ['fail', 'cancel', 'terminate'].map((s) => relatedId(e, parentId, s));
  await placeholders(e);
  const parent = await start(e, 'ChildOutcomes', parentId);

  // 1: the failing child, released once the parent processed its start.
  await waitIdle(e, parentId, 2);
  await waitIdle(e, failId, 1);
  await e.client.workflow.getHandle(failId).signal(signalFinish, 'fail');
  // 2: the parent starts the second child and cancels it as soon as it started; the child holds
  // the cancellation until it is released, after the parent processed the cancel request.
  await waitIdle(e, parentId, 5);
  await e.waitHistory(cancelId, 'the cancel request processed', (evs) => countType(evs, wfCancelRequested) === 1 && idle(evs));
  await e.client.workflow.getHandle(cancelId).signal(signalFinish, 'cancel');
  // 3: the third child, terminated by the client once the parent processed its start.
  await waitIdle(e, parentId, 7);
  await waitIdle(e, terminateId, 1);
  await e.client.workflow.getHandle(terminateId).terminate('terminated by the scenario');

  const want: SeenError[] = [
    {
      error: 'ChildWorkflowFailure',
      message: 'Child Workflow execution failed',
      retry_state: 'RETRY_POLICY_NOT_SET',
      cause: 'ApplicationFailure',
      cause_message: 'child failed on fail',
      cause_type: 'ChildError',
    },
    {
      error: 'ChildWorkflowFailure',
      message: 'Child Workflow execution failed',
      retry_state: 'NON_RETRYABLE_FAILURE',
      cause: 'CancelledFailure',
      cause_message: '',
    },
    {
      error: 'ChildWorkflowFailure',
      message: 'Child Workflow execution failed',
      retry_state: 'NON_RETRYABLE_FAILURE',
      cause: 'TerminatedFailure',
      cause_message: 'Terminated',
    },
  ];
  e.expectEqual('errors the parent saw', await parent.result(), want);
  await e.checkHistory(
    parentId,
    parent.firstExecutionRunId,
    seq(
      wfStarted, wft,
      childInitiated, childStarted, wft, childFailed, wft,
      childInitiated, childStarted, wft, cancelExtInitiated, extCancelRequested, wft, childCanceled, wft,
      childInitiated, childStarted, wft, childTerminated, wft,
      wfCompleted,
    ),
  );
  for (const [id, status] of [[failId, 'FAILED'], [cancelId, 'CANCELLED'], [terminateId, 'TERMINATED']]) {
    e.expectEqual(`status of ${id}`, (await e.client.workflow.getHandle(id).describe()).status.name, status);
  }
});

// child already started: the parent starts a child with the id of a running workflow;
// StartChildWorkflowExecutionFailed(WORKFLOW_ALREADY_EXISTS) reaches the parent as
// WorkflowExecutionAlreadyStartedError.
scenario('child_already_started', async (e) => {
  await e.startWorker();
  const parentId = e.workflowId('parent');
  const existingId = relatedId(e, parentId, 'existing');
  await placeholders(e);
  const existing = await start(e, 'WaitForFinish', existingId);
  await waitIdle(e, existingId, 1);
  const parent = await start(e, 'ChildAlreadyStarted', parentId);
  e.expectEqual('what the parent saw', await parent.result(), {
    error: 'WorkflowExecutionAlreadyStartedError',
    message: 'Workflow execution already started',
    names_the_child: true,
  });
  const raw = await e.checkHistory(parentId, parent.firstExecutionRunId, seq(wfStarted, wft, childInitiated, childStartFailed, wft, wfCompleted));
  const failed = raw.find((ev) => ev.startChildWorkflowExecutionFailedEventAttributes)?.startChildWorkflowExecutionFailedEventAttributes;
  e.expectEqual(
    'StartChildWorkflowExecutionFailed.cause',
    failed?.cause,
    temporal.api.enums.v1.StartChildWorkflowExecutionFailedCause.START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS,
  );
  await existing.signal(signalFinish, 'done');
  e.expectEqual('existing workflow result', await existing.result(), 'finished: done');
});

// parent close policies: the parent starts three children (TERMINATE, REQUEST_CANCEL, ABANDON) and
// completes; the first child is terminated, the second canceled, the third keeps running until the
// scenario finishes it.
scenario('parent_close_policy', async (e) => {
  await e.startWorker();
  const parentId = e.workflowId('parent');
  const [terminateId, cancelId, abandonId] = ['terminate', 'cancel', 'abandon'].map((s) => relatedId(e, parentId, s));
  await placeholders(e);
  const parent = await start(e, 'ParentClosePolicies', parentId);
  await waitIdle(e, parentId, 4);
  for (const id of [terminateId, cancelId, abandonId]) await waitIdle(e, id, 1);
  await parent.signal(signalFinish, 'now');
  e.expectEqual('result', await parent.result(), 'parent done');
  await e.checkHistory(
    parentId,
    parent.firstExecutionRunId,
    seq(wfStarted, wft, childInitiated, childStarted, wft, childInitiated, childStarted, wft, childInitiated, childStarted, wft, wfSignaled, wft, wfCompleted),
  );
  await waitStatus(e, terminateId, 'TERMINATED');
  await waitStatus(e, cancelId, 'CANCELLED');
  const abandoned = await e.client.workflow.getHandle(abandonId).describe();
  e.expectEqual('status of the abandoned child', abandoned.status.name, 'RUNNING');
  await e.checkEvents(`${e.name}_terminate`, await e.history(terminateId), seq(wfStarted, wft, wfTerminated));
  await e.checkEvents(`${e.name}_request_cancel`, await e.history(cancelId), seq(wfStarted, wft, wfCancelRequested, wft, wfCanceled));
  const abandonHandle = e.client.workflow.getHandle(abandonId);
  await abandonHandle.signal(signalFinish, 'later');
  e.expectEqual('abandoned child result', await abandonHandle.result(), 'finished: later');
});

// signal external: a workflow signals another through getExternalWorkflowHandle(id).signal; the
// target's Signaled event names the sender; signaling an unknown workflow id fails.
scenario('signal_external', async (e) => {
  await e.startWorker();
  const senderId = e.workflowId('sender');
  const targetId = relatedId(e, senderId, 'target');
  relatedId(e, senderId, 'unknown');
  await placeholders(e);
  const target = await start(e, 'CollectSignalsOnce', targetId, [1]);
  await waitIdle(e, targetId, 1);
  const sender = await start(e, 'SignalExternal', senderId);
  e.expectEqual('target result', await target.result(), ['from the sender']);
  e.expectEqual('what the sender saw signaling an unknown workflow', await sender.result(), {
    error: 'ApplicationFailure',
    message: 'Unable to signal external workflow because it was not found',
    type: 'ExternalWorkflowExecutionNotFound',
  });
  await e.checkHistory(senderId, sender.firstExecutionRunId, seq(wfStarted, wft, signalExtInitiated, extSignaled, wft, signalExtInitiated, signalExtFailed, wft, wfCompleted));
  const targetRaw = await e.history(targetId);
  await e.checkEvents(`${e.name}_target`, targetRaw, seq(wfStarted, wft, wfSignaled, wft, wfCompleted));
  const signaled = targetRaw.find((ev) => ev.workflowExecutionSignaledEventAttributes)?.workflowExecutionSignaledEventAttributes;
  e.expectEqual('Signaled.external_workflow_execution', signaled?.externalWorkflowExecution, {
    workflowId: senderId,
    runId: sender.firstExecutionRunId,
  });
});

// cancel external: a workflow requests the cancellation of another; the target ends canceled;
// canceling an unknown workflow id fails.
scenario('cancel_external', async (e) => {
  await e.startWorker();
  const cancelerId = e.workflowId('canceler');
  const targetId = relatedId(e, cancelerId, 'target');
  relatedId(e, cancelerId, 'unknown');
  await placeholders(e);
  const target = await start(e, 'WaitForFinish', targetId);
  await waitIdle(e, targetId, 1);
  const canceler = await start(e, 'CancelExternal', cancelerId);
  e.expectEqual('what the canceler saw canceling an unknown workflow', await canceler.result(), {
    error: 'ApplicationFailure',
    message: 'Unable to cancel external workflow because not found',
    type: 'ExternalWorkflowExecutionNotFound',
  });
  const err = await resultError(target);
  if (!(err instanceof WorkflowFailedError) || err.cause?.name !== 'CancelledFailure') {
    e.error(`target error = ${err}, want WorkflowFailedError caused by CancelledFailure`);
  }
  // The SDK writes "Cancel requested by workflow with run id <canceler's run id> ..." as the reason.
  const mask = [canceler.firstExecutionRunId];
  const cancelerRaw = await e.history(cancelerId, canceler.firstExecutionRunId);
  await e.checkEvents(e.name, maskRunIds(cancelerRaw, mask), seq(wfStarted, wft, cancelExtInitiated, extCancelRequested, wft, cancelExtInitiated, cancelExtFailed, wft, wfCompleted));
  const targetRaw = await e.history(targetId);
  await e.checkEvents(`${e.name}_target`, maskRunIds(targetRaw, mask), seq(wfStarted, wft, wfCancelRequested, wft, wfCanceled));
  const requested = targetRaw.find((ev) => ev.workflowExecutionCancelRequestedEventAttributes)?.workflowExecutionCancelRequestedEventAttributes;
  e.expectEqual('CancelRequested.external_workflow_execution', requested?.externalWorkflowExecution, {
    workflowId: cancelerId,
    runId: canceler.firstExecutionRunId,
  });
});

// continue-as-new three times: the client's result follows the chain to the fourth run; every run
// keeps the first run id; each new run names the run it continues. Each run that continues sleeps
// 1 s first (see ContinueAsNewCounter: the reference delays runs that follow too fast).
scenario('continue_as_new', async (e) => {
  await e.startWorker();
  const id = e.workflowId('wf');
  const handle = await start(e, 'ContinueAsNewCounter', id, [0, 3]);
  e.expectEqual('result', await handle.result(), 'done after 3 continue-as-new');
  const first = handle.firstExecutionRunId;
  const runs = [first];
  const histories: HistoryEvent[][] = [];
  for (let i = 0; i < 4; i++) {
    const evs = await runHistory(e, id, runs[i]);
    histories.push(evs);
    if (i < 3) runs.push(nextRunId(evs));
  }
  const continuing = seq(wfStarted, wft, timerStarted, timerFired, wft, wfContinuedAsNew);
  await e.checkEvents(e.name, histories[0], continuing);
  for (let i = 1; i < 3; i++) e.expectEqual(`run ${i + 1} event types`, rawTypes(histories[i]), continuing);
  await e.checkEvents(`${e.name}_last`, histories[3], seq(wfStarted, wft, wfCompleted));
  for (let i = 1; i < 4; i++) {
    const a = histories[i][0].workflowExecutionStartedEventAttributes;
    e.expectEqual(`run ${i + 1} first_execution_run_id`, a?.firstExecutionRunId, first);
    e.expectEqual(`run ${i + 1} continued_execution_run_id`, a?.continuedExecutionRunId, runs[i - 1]);
    e.expectEqual(`run ${i + 1} initiator`, a?.initiator, ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_WORKFLOW);
  }
  const desc = await e.client.workflow.getHandle(id).describe();
  e.expectEqual('current run', desc.runId, runs[3]);
  e.expectEqual('first run status', (await e.client.workflow.getHandle(id, first).describe()).status.name, 'CONTINUED_AS_NEW');
});

// workflow retry policy: the workflow fails on attempts 1 and 2 and succeeds on attempt 3; the
// server starts each retry as a new run (initiator RETRY, the previous failure as continued_failure).
scenario('workflow_retry', async (e) => {
  await e.startWorker();
  const id = e.workflowId('wf');
  const begin = Date.now();
  const handle = await start(e, 'RetryingWorkflow', id, [], {
    retry: { initialInterval: '1s', backoffCoefficient: 1, maximumAttempts: 3 },
  });
  e.expectEqual('result', await handle.result(), 'succeeded on attempt 3');
  const elapsed = Date.now() - begin;
  if (elapsed < 2000) e.error(`two 1 s retry backoffs took ${elapsed} ms`);
  const first = handle.firstExecutionRunId;
  const runs = [first];
  const histories: HistoryEvent[][] = [];
  for (let i = 0; i < 3; i++) {
    const evs = await runHistory(e, id, runs[i]);
    histories.push(evs);
    if (i < 2) runs.push(nextRunId(evs));
  }
  await e.checkEvents(e.name, histories[0], seq(wfStarted, wft, wfFailed));
  e.expectEqual('run 2 event types', rawTypes(histories[1]), seq(wfStarted, wft, wfFailed));
  await e.checkEvents(`${e.name}_last`, histories[2], seq(wfStarted, wft, wfCompleted));
  for (let i = 0; i < 3; i++) {
    const a = histories[i][0].workflowExecutionStartedEventAttributes;
    e.expectEqual(`run ${i + 1} attempt`, a?.attempt, i + 1);
    e.expectEqual(`run ${i + 1} first_execution_run_id`, a?.firstExecutionRunId, first);
    if (i > 0) {
      e.expectEqual(`run ${i + 1} initiator`, a?.initiator, ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_RETRY);
      e.expectEqual(`run ${i + 1} continued_failure`, a?.continuedFailure?.message, `attempt ${i} failed`);
    }
  }
  e.expectEqual('first run status', (await e.client.workflow.getHandle(id, first).describe()).status.name, 'FAILED');
});

// cron: '@every 2s'; each run returns the previous run's result (lastCompletionResult) plus one;
// the scenario terminates the third run while it waits for its schedule. The first run waits 2 s.
// Each later run waits until the schedule's next tick after the previous run's close, counted from
// that run's scheduled start and rounded UP to whole seconds; since every run drifts by its own
// duration, that is 2 s or 1 s depending on load. It is checked against the event times
// (cronBackoffSeconds) and left out of the goldens of runs 2 and 3.
scenario('cron', async (e) => {
  await e.startWorker();
  const id = e.workflowId('wf');
  const handle = await start(e, 'CronCounter', id, [], { cronSchedule: '@every 2s' });
  const first = handle.firstExecutionRunId;
  const run1 = await waitRun(e, id, first, 'the first run completed', (evs) => countType(evs, wfCompleted) === 1);
  const second = nextRunId(run1);
  const run2 = await waitRun(e, id, second, 'the second run completed', (evs) => countType(evs, wfCompleted) === 1);
  const third = nextRunId(run2);
  await e.client.workflow.getHandle(id, third).terminate('enough runs');
  const run3 = await runHistory(e, id, third);
  const runs = [run1, run2, run3];
  e.expectEqual('run 1 first_workflow_task_backoff', backoffSeconds(run1), 2);
  for (const k of [1, 2]) {
    const want = cronBackoffSeconds(runs[k - 1], 2);
    const got = backoffSeconds(runs[k]);
    if (!want.includes(got)) e.error(`run ${k + 1} first_workflow_task_backoff = ${got} s, want ${want.join(' or ')} s (the next 2 s tick after run ${k}'s close, rounded up)`);
  }
  await e.checkEvents(e.name, run1, seq(wfStarted, wft, wfCompleted));
  await e.checkEvents(`${e.name}_2`, withoutBackoff(run2), seq(wfStarted, wft, wfCompleted));
  await e.checkEvents(`${e.name}_3`, withoutBackoff(run3), seq(wfStarted, wfTerminated));
  const results = [run1, run2].map((evs) => {
    const p = evs[evs.length - 1].workflowExecutionCompletedEventAttributes?.result?.payloads?.[0]?.data;
    return p ? JSON.parse(Buffer.from(p).toString()) : undefined;
  });
  e.expectEqual('run results', results, [1, 2]);
  for (const [i, evs] of runs.entries()) {
    const a = evs[0].workflowExecutionStartedEventAttributes;
    e.expectEqual(`run ${i + 1} cron_schedule`, a?.cronSchedule, '@every 2s');
    e.expectEqual(`run ${i + 1} initiator`, a?.initiator, ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_CRON_SCHEDULE);
    if (i > 0) e.expectEqual(`run ${i + 1} continued_execution_run_id`, a?.continuedExecutionRunId, [first, second][i - 1]);
  }
  const err = await resultError(e.client.workflow.getHandle(id));
  if (!(err instanceof WorkflowFailedError) || !(err.cause instanceof TerminatedFailure)) {
    e.error(`result of the cron workflow = ${err}, want WorkflowFailedError caused by TerminatedFailure`);
  }
});

// update: an update with a validator is accepted and completed; a rejected update leaves the
// history exactly as it was; the same update id again returns the first result without new events;
// startUpdate waiting for ACCEPTED, then result(); an update's result fetched after the workflow
// completed.
scenario('update', async (e) => {
  await e.startWorker();
  const id = e.workflowId('wf');
  const handle = await start(e, 'Updatable', id);
  await waitIdle(e, id, 1);

  e.expectEqual('update u1', await handle.executeUpdate<number, [number]>(updateAdd, { args: [5], updateId: 'u1' }), 5);
  const afterFirst = await e.history(id);

  const err = await rejection('rejected update', handle.executeUpdate<number, [number]>(updateAdd, { args: [-1], updateId: 'rejected' }));
  if (!(err instanceof WorkflowUpdateFailedError) || !(err.cause instanceof ApplicationFailure) || err.cause.message !== 'rejected -1: negative') {
    e.error(`rejected update: error = ${err} (cause ${(err as { cause?: unknown }).cause}), want WorkflowUpdateFailedError caused by ApplicationFailure "rejected -1: negative"`);
  }
  const afterRejected = await e.history(id);
  if (fullJson(afterRejected) !== fullJson(afterFirst)) {
    e.error(`the rejected update changed the history: before ${rawTypes(afterFirst)}, after ${rawTypes(afterRejected)}`);
  }

  e.expectEqual('update u1 again', await handle.executeUpdate<number, [number]>(updateAdd, { args: [5], updateId: 'u1' }), 5);
  const afterDuplicate = await e.history(id);
  if (fullJson(afterDuplicate) !== fullJson(afterFirst)) {
    e.error(`the repeated update id changed the history: before ${rawTypes(afterFirst)}, after ${rawTypes(afterDuplicate)}`);
  }

  const u2 = await handle.startUpdate<number, [number]>(updateAdd, { args: [7], updateId: 'u2', waitForStage: 'ACCEPTED' });
  e.expectEqual('startUpdate update id', u2.updateId, 'u2');
  e.expectEqual('update u2 result', await u2.result(), 12);

  await handle.signal(signalFinish, 'now');
  e.expectEqual('result', await handle.result(), 12);
  e.expectEqual('update u1 after the workflow completed', await handle.getUpdateHandle<number>('u1').result(), 5);

  const raw = await e.checkHistory(
    id,
    handle.firstExecutionRunId,
    seq(wfStarted, wft, wft, updateAccepted, updateCompleted, wft, updateAccepted, updateCompleted, wfSignaled, wft, wfCompleted),
  );
  const ids = raw.map((ev) => ev.workflowExecutionUpdateAcceptedEventAttributes?.protocolInstanceId).filter((x) => x);
  e.expectEqual('accepted update ids', ids, ['u1', 'u2']);
});

// update-with-start: executeUpdateWithStart starts the workflow and runs the update in its first
// workflow task; a second update-with-start (USE_EXISTING) updates the running workflow.
scenario('update_with_start', async (e) => {
  await e.startWorker();
  const id = e.workflowId('wf');
  const op = () => new WithStartWorkflowOperation('Updatable', { workflowId: id, taskQueue: e.tq, workflowIdConflictPolicy: 'USE_EXISTING' });
  const op1 = op();
  e.expectEqual('first update', await e.client.workflow.executeUpdateWithStart<Workflow, number, [number]>(updateAdd, { args: [3], updateId: 'first', startWorkflowOperation: op1 }), 3);
  const handle1 = await op1.workflowHandle();
  const op2 = op();
  e.expectEqual('second update', await e.client.workflow.executeUpdateWithStart<Workflow, number, [number]>(updateAdd, { args: [4], updateId: 'second', startWorkflowOperation: op2 }), 7);
  const handle2 = await op2.workflowHandle();
  const run1 = (await handle1.describe()).runId;
  const run2 = (await handle2.describe()).runId;
  e.expectEqual('the second update-with-start used the running workflow', run2, run1);
  await handle1.signal(signalFinish, 'now');
  e.expectEqual('result', await handle1.result(), 7);
  await e.checkHistory(id, run1, seq(wfStarted, wft, updateAccepted, updateCompleted, wft, updateAccepted, updateCompleted, wfSignaled, wft, wfCompleted));
});

// reset: a workflow waiting for three signals got two; it is reset to its first workflow task
// completion. The new run fails that task (RESET_WORKFLOW), re-applies the two signals once, gets
// the third and returns each signal once; the old run is terminated.
scenario('reset', async (e) => {
  await e.startWorker();
  const id = e.workflowId('wf');
  const handle = await start(e, 'CollectSignalsOnce', id, [3]);
  await waitIdle(e, id, 1);
  await handle.signal(signalMessage, 's1');
  await waitIdle(e, id, 2);
  await handle.signal(signalMessage, 's2');
  const before = await waitIdle(e, id, 3);
  const firstCompleted = before.find((ev) => rawTypes([ev])[0] === wftCompleted)!;
  const reset = await e.client.workflowService.resetWorkflowExecution({
    namespace,
    workflowExecution: { workflowId: id, runId: handle.firstExecutionRunId },
    reason: 'reset by the scenario',
    workflowTaskFinishEventId: firstCompleted.eventId,
    requestId: randomUUID(),
  });
  const newRun = reset.runId ?? '';
  if (!newRun || newRun === handle.firstExecutionRunId) throw new Error(`reset returned run id "${newRun}"`);
  await waitRun(e, id, newRun, 'the reset run processed the re-applied signals', (evs) => countType(evs, wftCompleted) >= 1 && idle(evs));
  await handle.signal(signalMessage, 's3'); // no run id: the current run, the reset one
  const result = await e.client.workflow.getHandle(id, newRun).result();
  e.expectEqual('result', result, ['s1', 's2', 's3']);

  const newEvents = await runHistory(e, id, newRun);
  await e.checkEvents(e.name, newEvents, seq(wfStarted, wftScheduled, wftStarted, wftFailed, wfSignaled, wfSignaled, wft, wfSignaled, wft, wfCompleted));
  const failed = newEvents.find((ev) => ev.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes;
  e.expectEqual('WorkflowTaskFailed.cause', failed?.cause, WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW);
  e.expectEqual('WorkflowTaskFailed.base_run_id', failed?.baseRunId, handle.firstExecutionRunId);
  e.expectEqual('WorkflowTaskFailed.new_run_id', failed?.newRunId, newRun);
  const oldEvents = await runHistory(e, id, handle.firstExecutionRunId);
  await e.checkEvents(`${e.name}_old`, oldEvents, seq(wfStarted, wft, wfSignaled, wft, wfSignaled, wft, wfTerminated));
  e.expectEqual('old run status', (await e.client.workflow.getHandle(id, handle.firstExecutionRunId).describe()).status.name, 'TERMINATED');
});

// delete: DeleteWorkflowExecution of a running workflow terminates and removes it: describe fails
// with WorkflowNotFoundError (polled with a bound: the reference deletes asynchronously, here within
// milliseconds), the history and a second delete with NOT_FOUND. The delete of a completed workflow
// is accepted, but not waited for: the reference removes a closed run only once its transfer queue
// has checkpointed past the close, 10 s to minutes later (the Go suite does the same).
scenario('delete', async (e) => {
  await e.startWorker();
  const doneId = e.workflowId('completed');
  const runningId = e.workflowId('running');
  const done = await start(e, 'ChildGreet', doneId, ['delete']);
  e.expectEqual('result', await done.result(), 'Hello, delete!');
  await e.checkHistory(doneId, done.firstExecutionRunId, seq(wfStarted, wft, wfCompleted));
  await e.client.workflowService.deleteWorkflowExecution({ namespace, workflowExecution: { workflowId: doneId, runId: done.firstExecutionRunId } });

  const running = await start(e, 'WaitForFinish', runningId);
  await waitIdle(e, runningId, 1);
  const execution = { workflowId: runningId, runId: running.firstExecutionRunId };
  await e.client.workflowService.deleteWorkflowExecution({ namespace, workflowExecution: execution });
  const deadline = Date.now() + historyWaitMs;
  let last: unknown;
  for (;;) {
    try {
      last = `status ${(await running.describe()).status.name}`;
    } catch (err) {
      last = err;
      if (err instanceof WorkflowNotFoundError) break;
    }
    if (Date.now() > deadline) throw new Error(`${runningId} still there ${historyWaitMs} ms after DeleteWorkflowExecution: ${last}`);
    await sleep(50);
  }
  const notFound = (what: string, err: unknown) => {
    if ((err as { code?: number }).code !== grpcStatus.NOT_FOUND) e.error(`${what} of the deleted workflow: error = ${err}, want gRPC NOT_FOUND`);
  };
  notFound('history', await rejection('history of the deleted workflow', e.history(runningId, running.firstExecutionRunId)));
  notFound(
    'second DeleteWorkflowExecution',
    await rejection('second delete', e.client.workflowService.deleteWorkflowExecution({ namespace, workflowExecution: execution })),
  );
});
