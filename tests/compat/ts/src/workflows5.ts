// The workflows of the issue 5 scenarios (issue5.test.ts): child workflows, external signals and
// cancels, continue-as-new, workflow retries, cron, updates, reset. Bundled with workflows.ts (which
// re-exports this module); each exported function is a workflow whose type is the function name.
//
// A workflow that names other executions derives their ids from its own ("<own id>/<suffix>", see
// relatedId) instead of taking them as arguments: payloads are compared verbatim in the goldens, so
// they must not carry the run's random ids.
import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  defineSignal,
  defineUpdate,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { signalFinish, signalMessage } from './names';

const messageSignal = defineSignal<[string]>(signalMessage);
const finishSignal = defineSignal<[string]>(signalFinish);
const addUpdate = defineUpdate<number, [number]>('add');

/** What a workflow saw of an error, returned as its result so the scenario can assert it. */
export interface SeenError {
  error: string;
  message: string;
  type?: string;
  retry_state?: string;
  cause?: string;
  cause_type?: string;
  cause_message?: string;
}

function seen(err: unknown): SeenError {
  if (!(err instanceof Error)) return { error: typeof err, message: String(err) };
  const out: SeenError = { error: err.name, message: err.message };
  if (err instanceof ApplicationFailure && err.type) out.type = err.type;
  if (err instanceof ChildWorkflowFailure) out.retry_state = err.retryState;
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    out.cause = cause.name;
    out.cause_message = cause.message;
    if (cause instanceof ApplicationFailure) out.cause_type = cause.type ?? undefined;
  }
  return out;
}

/** "<own workflow id>/<suffix>": the id of an execution this workflow talks to. */
function relatedId(suffix: string): string {
  return `${workflowInfo().workflowId}/${suffix}`;
}

/** Returns at once. */
export async function ChildGreet(name: string): Promise<string> {
  return `Hello, ${name}!`;
}

/**
 * Waits for a "finish" signal, then fails with a non-retryable ApplicationFailure of type ChildError
 * (fail) or returns "finished: <arg>". A cancel request is held until the "finish" signal too and
 * then ends the workflow canceled, so the scenario decides when each outcome reaches the parent.
 */
export async function GatedChild(fail: boolean): Promise<string> {
  let finish: string | undefined;
  setHandler(finishSignal, (s) => {
    finish = s;
  });
  try {
    await condition(() => finish !== undefined);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await CancellationScope.nonCancellable(() => condition(() => finish !== undefined));
    throw err;
  }
  if (fail) throw ApplicationFailure.nonRetryable(`child failed on ${finish}`, 'ChildError');
  return `finished: ${finish}`;
}

/**
 * Waits for a "finish" signal and returns "finished: <arg>"; a cancel request ends it canceled
 * (the cancellation propagates out of condition()).
 */
export async function WaitForFinish(): Promise<string> {
  let finish: string | undefined;
  setHandler(finishSignal, (s) => {
    finish = s;
  });
  await condition(() => finish !== undefined);
  return `finished: ${finish}`;
}

/** Runs WaitForFinish as child "<own id>/child" and returns its result. */
export async function ChildParent(): Promise<string> {
  const out = await executeChild<typeof WaitForFinish>('WaitForFinish', { workflowId: relatedId('child') });
  return `parent got: ${out}`;
}

/**
 * Three GatedChild children one after the other, each ending badly: "<own id>/fail" fails,
 * "<own id>/cancel" is canceled through a CancellationScope (the parent waits for the cancellation
 * to complete), "<own id>/terminate" is terminated by the scenario's client. Returns what each
 * child's result threw.
 */
export async function ChildOutcomes(): Promise<SeenError[]> {
  const [failId, cancelId, terminateId] = ['fail', 'cancel', 'terminate'].map(relatedId);
  const out: SeenError[] = [];
  try {
    await executeChild<typeof GatedChild>('GatedChild', { workflowId: failId, args: [true] });
    out.push({ error: 'none', message: 'failing child completed' });
  } catch (err) {
    out.push(seen(err));
  }

  const scope = new CancellationScope();
  let started = false;
  const canceled = scope.run(async () => {
    const child = await startChild<typeof GatedChild>('GatedChild', { workflowId: cancelId, args: [false] });
    started = true;
    return await child.result();
  });
  await condition(() => started);
  scope.cancel();
  try {
    await canceled;
    out.push({ error: 'none', message: 'canceled child completed' });
  } catch (err) {
    out.push(seen(err));
  }

  try {
    await executeChild<typeof GatedChild>('GatedChild', { workflowId: terminateId, args: [false] });
    out.push({ error: 'none', message: 'terminated child completed' });
  } catch (err) {
    out.push(seen(err));
  }
  return out;
}

/**
 * Starts child "<own id>/existing", which the scenario started before as a top-level workflow:
 * StartChildWorkflowExecutionFailed. Returns the error and whether it names that id and type.
 */
export async function ChildAlreadyStarted(): Promise<SeenError & { names_the_child?: boolean }> {
  const childId = relatedId('existing');
  try {
    await startChild<typeof WaitForFinish>('WaitForFinish', { workflowId: childId });
  } catch (err) {
    const out = seen(err);
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      return { ...out, names_the_child: err.workflowId === childId && err.workflowType === 'WaitForFinish' };
    }
    return out;
  }
  return { error: 'none', message: 'the child started' };
}

/**
 * Starts three WaitForFinish children one after the other, "<own id>/terminate", "/cancel" and
 * "/abandon", with parent close policies TERMINATE, REQUEST_CANCEL and ABANDON, then completes on a
 * "finish" signal while they run.
 */
export async function ParentClosePolicies(): Promise<string> {
  const [terminateId, cancelId, abandonId] = ['terminate', 'cancel', 'abandon'].map(relatedId);
  await startChild<typeof WaitForFinish>('WaitForFinish', { workflowId: terminateId, parentClosePolicy: ParentClosePolicy.TERMINATE });
  await startChild<typeof WaitForFinish>('WaitForFinish', { workflowId: cancelId, parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL });
  await startChild<typeof WaitForFinish>('WaitForFinish', { workflowId: abandonId, parentClosePolicy: ParentClosePolicy.ABANDON });
  let finished = false;
  setHandler(finishSignal, () => {
    finished = true;
  });
  await condition(() => finished);
  return 'parent done';
}

/** Signals "<own id>/target" ("message", "from the sender"), then tries to signal "<own id>/unknown". */
export async function SignalExternal(): Promise<SeenError | string> {
  await getExternalWorkflowHandle(relatedId('target')).signal(messageSignal, 'from the sender');
  try {
    await getExternalWorkflowHandle(relatedId('unknown')).signal(messageSignal, 'to nobody');
  } catch (err) {
    return seen(err);
  }
  return 'signaling an unknown workflow succeeded';
}

/** Requests the cancellation of "<own id>/target", then of "<own id>/unknown". */
export async function CancelExternal(): Promise<SeenError | string> {
  await getExternalWorkflowHandle(relatedId('target')).cancel();
  try {
    await getExternalWorkflowHandle(relatedId('unknown')).cancel();
  } catch (err) {
    return seen(err);
  }
  return 'canceling an unknown workflow succeeded';
}

/**
 * Continues as new until n reaches last, then returns the run count. Each run first sleeps 1 s:
 * the reference delays the first workflow task of a run that continues a run younger than 1 s by
 * the rest of that second (first_workflow_task_backoff "0.97...s"), which no golden can hold.
 */
export async function ContinueAsNewCounter(n: number, last: number): Promise<string> {
  if (n < last) {
    await sleep(1000);
    await continueAsNew<typeof ContinueAsNewCounter>(n + 1, last);
  }
  return `done after ${n} continue-as-new`;
}

/** Fails attempts 1 and 2 (retried by the server by the workflow's retry policy), succeeds on 3. */
export async function RetryingWorkflow(): Promise<string> {
  const { attempt } = workflowInfo();
  if (attempt < 3) {
    throw ApplicationFailure.retryable(`attempt ${attempt} failed`, 'FlakyError');
  }
  return `succeeded on attempt ${attempt}`;
}

/** A cron workflow: returns the previous run's result plus one (1 on the first run). */
export async function CronCounter(): Promise<number> {
  const last = workflowInfo().lastResult as number | undefined;
  return (last ?? 0) + 1;
}

/**
 * Holds a running total changed by the "add" update (the validator rejects negative numbers; the
 * update returns the new total) and returns it on the "finish" signal.
 */
export async function Updatable(): Promise<number> {
  let total = 0;
  let finished = false;
  setHandler(
    addUpdate,
    (n: number) => {
      total += n;
      return total;
    },
    {
      validator: (n: number) => {
        if (n < 0) throw new Error(`rejected ${n}: negative`);
      },
    },
  );
  setHandler(finishSignal, () => {
    finished = true;
  });
  await condition(() => finished);
  return total;
}

/** Returns the first n "message" signals in order, each once (reset re-applies signals). */
export async function CollectSignalsOnce(n: number): Promise<string[]> {
  const got: string[] = [];
  setHandler(messageSignal, (s) => {
    got.push(s);
  });
  await condition(() => got.length >= n);
  return got;
}
