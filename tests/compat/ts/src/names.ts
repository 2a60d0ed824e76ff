// Names shared by the scenarios, the workflows (bundled into the workflow sandbox) and the
// activities: signal and query names and the type names that appear in history. Workflow types are
// the exported function names of workflows.ts; activity types are the keys of createActivities().
// They match the Go suite's names so both suites describe the same behaviour.

export const signalMessage = 'message';
export const signalFinish = 'finish';
export const signalActStarted = 'activity-started';
export const signalProceed = 'proceed';
export const queryState = 'state';

export const ready = 'HDO SCENARIO WORKER READY';
