//go:build scenarios

package scenarios

import (
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestScrubRules pins the scrub rules on synthetic events (no server needed).
func TestScrubRules(t *testing.T) {
	payloads, err := converter.GetDefaultDataConverter().ToPayloads("hi")
	if err != nil {
		t.Fatal(err)
	}
	events := []*historypb.HistoryEvent{
		{
			EventId: 1, EventType: enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, TaskId: 42,
			EventTime: timestamppb.Now(),
			Attributes: &historypb.HistoryEvent_WorkflowExecutionSignaledEventAttributes{
				WorkflowExecutionSignaledEventAttributes: &historypb.WorkflowExecutionSignaledEventAttributes{
					SignalName: "message", Input: payloads, Identity: "1234@host", Header: &commonpb.Header{},
				},
			},
		},
		{
			EventId: 2, EventType: enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
			Attributes: &historypb.HistoryEvent_WorkflowTaskScheduledEventAttributes{
				WorkflowTaskScheduledEventAttributes: &historypb.WorkflowTaskScheduledEventAttributes{
					TaskQueue: &taskqueuepb.TaskQueue{Name: "host:5f0c", Kind: enumspb.TASK_QUEUE_KIND_STICKY, NormalName: "tq-1"},
					Attempt:   1,
				},
			},
		},
		{
			EventId: 3, EventType: enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED,
			Attributes: &historypb.HistoryEvent_ActivityTaskStartedEventAttributes{
				ActivityTaskStartedEventAttributes: &historypb.ActivityTaskStartedEventAttributes{
					ScheduledEventId: 5, Attempt: 3, RequestId: "uuid", Identity: "w",
					LastFailure: &failurepb.Failure{Message: "boom", Source: "GoSDK", StackTrace: "main.go:1",
						FailureInfo: &failurepb.Failure_ApplicationFailureInfo{
							ApplicationFailureInfo: &failurepb.ApplicationFailureInfo{Type: "E", NonRetryable: true}}},
				},
			},
		},
		{
			EventId: 4, EventType: enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
			Attributes: &historypb.HistoryEvent_WorkflowExecutionCompletedEventAttributes{
				WorkflowExecutionCompletedEventAttributes: &historypb.WorkflowExecutionCompletedEventAttributes{
					WorkflowTaskCompletedEventId: 3, NewExecutionRunId: "run-2",
				},
			},
		},
	}
	got, err := scrubHistory(events, scrubContext{replacements: map[string]string{"tq-1": "<task_queue>"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `[
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
      "workflow_task_completed_event_id": "3"
    }
  }
]`
	if gotText := canonicalEvents(got); gotText != want {
		t.Errorf("scrubbed:\n%s\ndiff (- want, + got):\n%s", gotText, lineDiff(want, gotText, 2))
	}
	if d := lineDiff("a\nb\nc", "a\nx\nc", 1); !strings.Contains(d, "- b\n+ x\n") {
		t.Errorf("lineDiff output:\n%s", d)
	}
}
