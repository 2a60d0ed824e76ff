// The scenario activities. createActivities() returns them with the state the scenarios inspect
// (how often Cleanup ran, whether HeartbeatUntilCanceled saw its cancellation); the keys are the
// activity type names (the Go suite's names).
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { signalActStarted } from './names';

export interface ActivityState {
  cleanupRan: number;
  sawCancel: boolean;
}

export function createActivities(client: Client, state: ActivityState = { cleanupRan: 0, sawCancel: false }) {
  return {
    async Greet(name: string): Promise<string> {
      return `Hello, ${name}!`;
    },

    async FailTwice(): Promise<string> {
      const { attempt } = Context.current().info;
      if (attempt < 3) {
        throw ApplicationFailure.retryable(`attempt ${attempt} failed`, 'FlakyError');
      }
      return `succeeded on attempt ${attempt}`;
    },

    /**
     * Heartbeats once and then stops heartbeating, so the server times the attempt out; the next
     * attempt finds the heartbeat details and completes with them.
     */
    async HeartbeatThenStall(): Promise<string> {
      const ctx = Context.current();
      const { attempt, heartbeatDetails } = ctx.info;
      if (heartbeatDetails !== undefined) {
        return `attempt ${attempt} resumed from ${heartbeatDetails}`;
      }
      ctx.heartbeat(`progress of attempt ${attempt}`);
      await ctx.sleep(4000).catch(() => undefined);
      throw new Error('stalled attempt must not complete');
    },

    /**
     * Ignores cancellation and outlives its 1 s start-to-close timeout, so the server (not the
     * SDK) decides each attempt's fate.
     */
    async SleepPastStartToClose(): Promise<string> {
      await new Promise((resolve) => setTimeout(resolve, 2500));
      return 'too late';
    },

    async Cleanup(what: string): Promise<string> {
      state.cleanupRan++;
      return `cleaned up ${what}`;
    },

    /** Tells its workflow it is running, then heartbeats until the server reports the cancellation. */
    async HeartbeatUntilCanceled(): Promise<void> {
      const ctx = Context.current();
      const execution = ctx.info.workflowExecution;
      if (!execution) throw new Error('HeartbeatUntilCanceled runs only as a workflow activity');
      await client.workflow.getHandle(execution.workflowId, execution.runId).signal(signalActStarted);
      for (;;) {
        ctx.heartbeat('beat');
        try {
          await ctx.sleep(100);
        } catch (err) {
          if (err instanceof CancelledFailure) {
            state.sawCancel = true;
          }
          throw err;
        }
      }
    },

    async Step(name: string): Promise<string> {
      return `step ${name}`;
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
