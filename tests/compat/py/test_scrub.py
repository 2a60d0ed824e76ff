"""Pins the scrub rules (scrub.py) on synthetic events; no server needed. The expected form is the
Go suite's TestScrubRules and the TypeScript suite's scrub.test.ts expectation, so the suites scrub
alike."""

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp
from temporalio.api.common.v1 import Header, Payloads, RetryPolicy
from temporalio.api.enums.v1 import EventType, TaskQueueKind
from temporalio.api.failure.v1 import ApplicationFailureInfo, Failure
from temporalio.api.history.v1 import (
    ActivityTaskScheduledEventAttributes,
    ActivityTaskStartedEventAttributes,
    HistoryEvent,
    WorkflowExecutionCompletedEventAttributes,
    WorkflowExecutionSignaledEventAttributes,
    WorkflowTaskScheduledEventAttributes,
)
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.converter import default

from scrub import canonical_events, line_diff, scrub_history


def test_scrub_rules() -> None:
    pc = default().payload_converter
    events = [
        HistoryEvent(
            event_id=1,
            event_type=EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
            task_id=42,
            event_time=Timestamp(seconds=1700000000, nanos=5),
            workflow_execution_signaled_event_attributes=WorkflowExecutionSignaledEventAttributes(
                signal_name="message",
                input=Payloads(payloads=pc.to_payloads(["hi"])),
                identity="1234@host",
                header=Header(),
            ),
        ),
        HistoryEvent(
            event_id=2,
            event_type=EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
            workflow_task_scheduled_event_attributes=WorkflowTaskScheduledEventAttributes(
                task_queue=TaskQueue(
                    name="host:5f0c", kind=TaskQueueKind.TASK_QUEUE_KIND_STICKY, normal_name="tq-1"
                ),
                start_to_close_timeout=Duration(nanos=100_000_000),
                attempt=1,
            ),
        ),
        HistoryEvent(
            event_id=3,
            event_type=EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
            activity_task_started_event_attributes=ActivityTaskStartedEventAttributes(
                scheduled_event_id=5,
                attempt=3,
                request_id="uuid",
                identity="w",
                last_failure=Failure(
                    message="boom",
                    source="PythonSDK",
                    stack_trace="main.py:1",
                    application_failure_info=ApplicationFailureInfo(type="E", non_retryable=True),
                ),
            ),
        ),
        HistoryEvent(
            event_id=4,
            event_type=EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
            workflow_execution_completed_event_attributes=WorkflowExecutionCompletedEventAttributes(
                workflow_task_completed_event_id=3,
                new_execution_run_id="run-2",
                result=Payloads(payloads=pc.to_payloads([None, {"b": 1, "a": []}])),
            ),
        ),
        HistoryEvent(
            event_id=5,
            event_type=EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
            activity_task_scheduled_event_attributes=ActivityTaskScheduledEventAttributes(
                activity_id="1",
                schedule_to_close_timeout=Duration(seconds=0),
                retry_policy=RetryPolicy(backoff_coefficient=2.0, initial_interval=Duration(seconds=1)),
            ),
        ),
    ]
    # Empty values are pruned inside decoded payloads too ("a": [] goes), as in the Go suite; an
    # explicitly set zero duration stays; a double holding an integer is written as one.
    got = canonical_events(scrub_history(events, {"tq-1": "<task_queue>"}))
    want = """[
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
  },
  {
    "event_id": 5,
    "event_type": "ActivityTaskScheduled",
    "attributes": {
      "activity_id": "1",
      "retry_policy": {
        "backoff_coefficient": 2,
        "initial_interval": "1s"
      },
      "schedule_to_close_timeout": "0s"
    }
  }
]"""
    assert got == want, f"diff (- want, + got):\n{line_diff(want, got, 2)}"


def test_line_diff_marks_changed_lines() -> None:
    assert "- b\n+ x\n" in line_diff("a\nb\nc", "a\nx\nc", 1)
