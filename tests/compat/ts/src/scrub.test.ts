// Pins the scrub rules (scrub.ts) on synthetic events; no server needed. The expected form is the
// Go suite's TestScrubRules expectation, so both suites scrub alike.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import Long from 'long';
import { canonicalEvents, lineDiff, scrubHistory } from './scrub';

const { EventType, TaskQueueKind } = temporal.api.enums.v1;

test('scrub rules', () => {
  const history: temporal.api.history.v1.IHistory = {
    events: [
      {
        eventId: Long.fromNumber(1),
        eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
        taskId: Long.fromNumber(42),
        eventTime: { seconds: Long.fromNumber(1700000000), nanos: 5 },
        workflowExecutionSignaledEventAttributes: {
          signalName: 'message',
          input: { payloads: [defaultPayloadConverter.toPayload('hi')] },
          identity: '1234@host',
          header: {},
        },
      },
      {
        eventId: Long.fromNumber(2),
        eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
        workflowTaskScheduledEventAttributes: {
          taskQueue: { name: 'host:5f0c', kind: TaskQueueKind.TASK_QUEUE_KIND_STICKY, normalName: 'tq-1' },
          startToCloseTimeout: { seconds: Long.fromNumber(0), nanos: 100_000_000 },
          attempt: 1,
        },
      },
      {
        eventId: Long.fromNumber(3),
        eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
        activityTaskStartedEventAttributes: {
          scheduledEventId: Long.fromNumber(5),
          attempt: 3,
          requestId: 'uuid',
          identity: 'w',
          lastFailure: {
            message: 'boom',
            source: 'TypeScriptSDK',
            stackTrace: 'main.ts:1',
            applicationFailureInfo: { type: 'E', nonRetryable: true },
          },
        },
      },
      {
        eventId: Long.fromNumber(4),
        eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
        workflowExecutionCompletedEventAttributes: {
          workflowTaskCompletedEventId: Long.fromNumber(3),
          newExecutionRunId: 'run-2',
          result: { payloads: [defaultPayloadConverter.toPayload(undefined), defaultPayloadConverter.toPayload({ b: 1, a: [] })] },
        },
      },
    ],
  };
  // Empty values are pruned inside decoded payloads too ("a": [] goes), as in the Go suite.
  const got = canonicalEvents(scrubHistory(history, new Map([['tq-1', '<task_queue>']])));
  const want = `[
  {
    "event_id": 1,
    "event_type": "WorkflowExecutionSignaled",
    "attributes": {
      "input": [
        "hi"
      ],
      "signal_name": "message"
    }
  },
  {
    "event_id": 2,
    "event_type": "WorkflowTaskScheduled",
    "attributes": {
      "attempt": 1,
      "start_to_close_timeout": "0.100s",
      "task_queue": {
        "kind": "TASK_QUEUE_KIND_STICKY",
        "name": "<sticky>",
        "normal_name": "<task_queue>"
      }
    }
  },
  {
    "event_id": 3,
    "event_type": "ActivityTaskStarted",
    "attributes": {
      "attempt": 3,
      "last_failure": {
        "application_failure_info": {
          "non_retryable": true,
          "type": "E"
        },
        "message": "boom"
      },
      "scheduled_event_id": "5"
    }
  },
  {
    "event_id": 4,
    "event_type": "WorkflowExecutionCompleted",
    "attributes": {
      "result": [
        null,
        {
          "b": 1
        }
      ],
      "workflow_task_completed_event_id": "3"
    }
  }
]`;
  assert.equal(got, want, `diff (- want, + got):\n${lineDiff(want, got, 2)}`);
});

test('line diff marks changed lines', () => {
  assert.match(lineDiff('a\nb\nc', 'a\nx\nc', 1), /- b\n\+ x\n/);
});
