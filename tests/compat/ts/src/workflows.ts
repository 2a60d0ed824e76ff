// The scenario workflows, bundled by the TypeScript SDK into its deterministic sandbox. Each
// exported function is a workflow whose type name is the function name (the same type names as
// the Go suite's tests/compat/go/scenarios/workflows_test.go).
import {
  ActivityCancellationType,
  CancellationScope,
  condition,
  defineQuery,
  defineSignal,
  isCancellation,
  proxyActivities,
  proxySinks,
  setHandler,
  sleep,
  workflowInfo,
  type Sinks,
} from '@temporalio/workflow';
import type { Activities } from './activities';
import { queryState, signalActStarted, signalFinish, signalMessage, signalProceed } from './names';

const messageSignal = defineSignal<[string]>(signalMessage);
const finishSignal = defineSignal<[string]>(signalFinish);
const activityStartedSignal = defineSignal(signalActStarted);
const proceedSignal = defineSignal(signalProceed);
const stateQuery = defineQuery<string>(queryState);

/** Calls out of the sandbox into the worker's process (see harness.ts). */
export interface ScenarioSinks extends Sinks {
  scenario: {
    /** ReplacedWorker started in replay mode: this worker picked it up from full history. */
    replayObserved(): void;
  };
}
const { scenario } = proxySinks<ScenarioSinks>();

export async function HelloActivity(name: string): Promise<string> {
  const { Greet } = proxyActivities<Activities>({ startToCloseTimeout: '10s' });
  return await Greet(name);
}

export async function ActivityRetry(): Promise<string> {
  const { FailTwice } = proxyActivities<Activities>({
    startToCloseTimeout: '5s',
    retry: { initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '1s', maximumAttempts: 5 },
  });
  return await FailTwice();
}

export async function HeartbeatTimeoutRetry(): Promise<string> {
  const { HeartbeatThenStall } = proxyActivities<Activities>({
    startToCloseTimeout: '10s',
    heartbeatTimeout: '1s',
    retry: { initialInterval: '100ms', backoffCoefficient: 2, maximumInterval: '1s', maximumAttempts: 3 },
  });
  return await HeartbeatThenStall();
}

/** The activity's timeout error fails the workflow. */
export async function StartToCloseTimeout(): Promise<string> {
  const { SleepPastStartToClose } = proxyActivities<Activities>({
    startToCloseTimeout: '1s',
    retry: { initialInterval: '100ms', backoffCoefficient: 1, maximumInterval: '100ms', maximumAttempts: 2 },
  });
  return await SleepPastStartToClose();
}

export async function Timer(ms: number): Promise<string> {
  const start = Date.now(); // workflow time
  await sleep(ms);
  const elapsed = Date.now() - start;
  if (elapsed < ms) {
    throw new Error(`timer fired after ${elapsed} ms of workflow time, before its ${ms} ms`);
  }
  return 'timer fired';
}

/** Returns the first n "message" signals in order. */
export async function CollectSignals(n: number): Promise<string[]> {
  const got: string[] = [];
  setHandler(messageSignal, (s) => {
    got.push(s);
  });
  await condition(() => got.length >= n);
  return got.slice(0, n);
}

/** Answers "state" queries and finishes on the "finish" signal. */
export async function Queryable(): Promise<string> {
  let state = 'waiting for finish';
  let finish: string | undefined;
  setHandler(stateQuery, () => state);
  setHandler(finishSignal, (s) => {
    finish = s;
  });
  await condition(() => finish !== undefined);
  state = 'finished with ' + finish;
  return 'done: ' + finish;
}

/**
 * Waits on a 1 h timer; on cancellation runs a cleanup activity in a non-cancellable scope (the
 * Go suite's disconnected context) and then reports itself canceled by rethrowing the
 * cancellation.
 */
export async function CancelHandled(): Promise<string> {
  const { Cleanup } = proxyActivities<Activities>({ startToCloseTimeout: '10s' });
  try {
    await sleep('1 hour');
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await CancellationScope.nonCancellable(() => Cleanup('after cancel'));
    throw err;
  }
  throw new Error('timer ended without cancellation');
}

/**
 * Starts a heartbeating activity, waits for the activity's own signal that it is running, then
 * cancels it and waits for the cancellation to be confirmed (WAIT_CANCELLATION_COMPLETED).
 */
export async function ActivityCancel(): Promise<string> {
  const { HeartbeatUntilCanceled } = proxyActivities<Activities>({
    startToCloseTimeout: '30s',
    heartbeatTimeout: '2s',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  let started = false;
  setHandler(activityStartedSignal, () => {
    started = true;
  });
  const scope = new CancellationScope();
  const activity = scope.run(() => HeartbeatUntilCanceled());
  await condition(() => started);
  scope.cancel();
  try {
    await activity;
  } catch (err) {
    if (isCancellation(err)) return 'activity canceled';
    throw new Error(`activity was not canceled: ${err}`);
  }
  throw new Error('activity was not canceled: it completed');
}

export async function ReplacedWorker(): Promise<string> {
  if (workflowInfo().unsafe.isReplaying) {
    scenario.replayObserved();
  }
  const { Step } = proxyActivities<Activities>({ startToCloseTimeout: '10s' });
  let proceed = false;
  setHandler(proceedSignal, () => {
    proceed = true;
  });
  const one = await Step('one');
  await condition(() => proceed);
  const two = await Step('two');
  return one + ',' + two;
}

// The issue 5 workflows (child workflows, continue-as-new, retries, cron, updates, reset), in the same bundle.
export * from './workflows5';
