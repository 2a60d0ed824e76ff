// Worker A of the worker_replaced scenario, run in a child process so that it can be killed with
// SIGKILL mid-workflow. Environment: HDO_SCENARIO_WORKER_HOSTPORT, HDO_SCENARIO_WORKER_TQ,
// HDO_SCENARIO_WORKER_IDENTITY, HDO_SCENARIO_WORKER_BUNDLE (the workflow bundle the parent built).
// Prints the `ready` line of names.ts once the worker polls; runs until killed or until stdin closes.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from './activities';
import { installRuntime, namespace } from './harness';
import { ready } from './names';

async function main(): Promise<void> {
  const address = process.env.HDO_SCENARIO_WORKER_HOSTPORT!;
  const identity = process.env.HDO_SCENARIO_WORKER_IDENTITY!;
  installRuntime();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace, identity });
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace,
    taskQueue: process.env.HDO_SCENARIO_WORKER_TQ!,
    identity,
    workflowBundle: { codePath: process.env.HDO_SCENARIO_WORKER_BUNDLE! },
    activities: createActivities(client),
    stickyQueueScheduleToStartTimeout: '1s',
    shutdownGraceTime: '1s',
  });
  process.stdin.on('end', () => worker.shutdown());
  process.stdin.resume();
  const running = worker.run();
  console.log(ready);
  await running;
  await nativeConnection.close();
  await connection.close();
}

main().catch((err) => {
  console.error('worker process:', err);
  process.exit(1);
});
