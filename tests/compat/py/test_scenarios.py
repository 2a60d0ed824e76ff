"""The Python SDK scenarios (issue 5): each runs real workflows with the official `temporalio`
package as client and worker, asserts the results and what the scenario is about, the exact
sequence of history event types, and compares the scrubbed histories with golden/py/<name>.json.
Scenario names are the Go suite's; every scenario is bounded (harness.SCENARIO_TIMEOUT)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Sequence

from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowFailureError, WorkflowUpdateFailedError, WorkflowUpdateStage
from temporalio.exceptions import ApplicationError

from harness import (
    ACT_COMPLETED,
    ACT_SCHEDULED,
    ACT_STARTED,
    CHILD_COMPLETED,
    CHILD_FAILED,
    CHILD_INITIATED,
    CHILD_STARTED,
    EXTERNAL_SIGNALED,
    RPC_TIMEOUT,
    SIGNAL_EXTERNAL_INITIATED,
    WF_COMPLETED,
    WF_CONTINUED,
    WF_FAILED,
    WF_SIGNALED,
    WF_STARTED,
    WF_UPDATE_ACCEPTED,
    WF_UPDATE_COMPLETED,
    WFT,
    WFT_COMPLETED,
    WFT_SCHEDULED,
    WFT_STARTED,
    Env,
    raw_types,
    run_scenario,
    seq,
)
from workflows import (
    CHILD_FAIL_SUFFIX,
    CHILD_OK_SUFFIX,
    CONTINUE_AS_NEW_TIMES,
    SENDER_SUFFIX,
    SIGNAL_FINISH,
    SIGNAL_MESSAGE,
    SIGNAL_PROCEED,
    SIGNAL_RELEASE,
    UPDATE_ADD,
)

# The history of a workflow that runs one activity and returns its result.
HELLO_TYPES = seq(WF_STARTED, WFT, ACT_SCHEDULED, ACT_STARTED, ACT_COMPLETED, WFT, WF_COMPLETED)


def completed_after_last(events: Sequence[HistoryEvent], event_type: str, n: int) -> bool:
    """The history holds n events of event_type and a WorkflowTaskCompleted after the n-th."""
    types = raw_types(events)
    idx = [i for i, t in enumerate(types) if t == event_type]
    return len(idx) >= n and WFT_COMPLETED in types[idx[n - 1] + 1 :]


# ---- hello_activity: one activity, its result returned by the workflow ----


async def hello_activity(e: Env) -> None:
    await e.start_worker()
    wid = e.workflow_id("wf")
    handle = await e.client.start_workflow("HelloActivity", "World", id=wid, task_queue=e.tq)
    e.expect_equal("result", await e.result(handle), "Hello, World!")
    await e.check_history("hello_activity", wid, handle.result_run_id, HELLO_TYPES)


def test_hello_activity() -> None:
    run_scenario("hello_activity", hello_activity)


# ---- signals_before_and_after_start: two signals before any worker polls (they land between
# WorkflowTaskScheduled and WorkflowTaskStarted), a third after the first workflow task completed;
# the workflow returns them in order ----


async def signals_before_and_after_start(e: Env) -> None:
    wid = e.workflow_id("wf")
    handle = await e.client.start_workflow("CollectSignals", 3, id=wid, task_queue=e.tq)
    for s in ("before-1", "before-2"):
        await handle.signal(SIGNAL_MESSAGE, s, rpc_timeout=RPC_TIMEOUT)
    await e.start_worker()
    await e.wait_workflow_tasks_completed(wid, 1)
    await handle.signal(SIGNAL_MESSAGE, "after-1", rpc_timeout=RPC_TIMEOUT)
    e.expect_equal("result", await e.result(handle), ["before-1", "before-2", "after-1"])
    await e.check_history(
        "signals_before_and_after_start",
        wid,
        handle.result_run_id,
        seq(WF_STARTED, WFT_SCHEDULED, WF_SIGNALED, WF_SIGNALED, WFT_STARTED, WFT_COMPLETED, WF_SIGNALED, WFT,
            WF_COMPLETED),
    )


def test_signals_before_and_after_start() -> None:
    run_scenario("signals_before_and_after_start", signals_before_and_after_start)


# ---- child_workflow: the parent executes a child that returns a value, then a child that fails;
# the failure reaches the parent as ChildWorkflowError caused by the child's ApplicationError. Each
# child waits for a "proceed" signal, sent once the parent recorded ChildWorkflowExecutionStarted
# and finished the workflow task it triggered and the child finished its first workflow task, so
# that both histories are the same on every run ----


async def child_workflow(e: Env) -> None:
    await e.start_worker()
    parent_id = e.workflow_id("parent")
    ok_id = e.derived_id(parent_id, CHILD_OK_SUFFIX)
    fail_id = e.derived_id(parent_id, CHILD_FAIL_SUFFIX)
    handle = await e.client.start_workflow("Parent", "World", id=parent_id, task_queue=e.tq)
    for n, child_id in ((1, ok_id), (2, fail_id)):
        await e.wait_history(
            parent_id,
            f"ChildWorkflowExecutionStarted #{n} and the workflow task after it",
            lambda evs, n=n: completed_after_last(evs, CHILD_STARTED, n),
        )
        await e.wait_workflow_tasks_completed(child_id, 1)
        e.step(f"signalling child {n}")
        await e.client.get_workflow_handle(child_id).signal(SIGNAL_PROCEED, rpc_timeout=RPC_TIMEOUT)
    result = await e.result(handle)
    e.expect_equal(
        "parent result",
        result,
        {
            "child_result": "Hello, World!",
            "child_failure": {
                "error": "ChildWorkflowError",
                "workflow_type": "Child",
                "retry_state": "RETRY_POLICY_NOT_SET",
                "cause": "ApplicationError",
                "cause_message": "child failed on purpose",
                "cause_type": "ChildFailure",
                "cause_details": ["detail-1"],
            },
        },
    )
    e.expect_equal("ok child result", await e.result(e.client.get_workflow_handle(ok_id)), "Hello, World!")
    try:
        await e.result(e.client.get_workflow_handle(fail_id))
        e.error("the failing child's result: no error")
    except WorkflowFailureError as err:
        cause = err.cause
        e.expect(f"failing child's error cause = {cause!r}, want ApplicationError", isinstance(cause, ApplicationError))
        if isinstance(cause, ApplicationError):
            e.expect_equal("failing child's error type", cause.type, "ChildFailure")
            e.expect_equal("failing child's error message", cause.message, "child failed on purpose")

    e.step("checking histories")
    child_types = seq(WF_STARTED, WFT, WF_SIGNALED, WFT)
    await e.check_history(
        "child_workflow_parent",
        parent_id,
        handle.result_run_id,
        seq(
            WF_STARTED, WFT,
            CHILD_INITIATED, CHILD_STARTED, WFT, CHILD_COMPLETED, WFT,
            CHILD_INITIATED, CHILD_STARTED, WFT, CHILD_FAILED, WFT,
            WF_COMPLETED,
        ),
    )
    await e.check_history("child_workflow_child", ok_id, None, seq(child_types, WF_COMPLETED))
    await e.check_history("child_workflow_child_failed", fail_id, None, seq(child_types, WF_FAILED))


def test_child_workflow() -> None:
    run_scenario("child_workflow", child_workflow)


# ---- continue_as_new: the workflow continues as new 3 times with a counter; the client's handle
# follows the chain to the last run's result; every run of the chain names the first run as its
# first execution (describe and WorkflowExecutionStarted) and the previous run as the one it
# continues ----


CAN_MIN_INTERVAL = timedelta(seconds=1)
CAN_BACKOFF_PLACEHOLDER = "<can_backoff>"  # as in the Go suite


def normalize_can_backoff(events: list[dict[str, Any]]) -> None:
    attrs = events[0].get("attributes", {}) if events else {}
    if "first_workflow_task_backoff" in attrs:
        attrs["first_workflow_task_backoff"] = CAN_BACKOFF_PLACEHOLDER


async def continue_as_new(e: Env) -> None:
    await e.start_worker()
    wid = e.workflow_id("wf")
    handle = await e.client.start_workflow("ContinueAsNewCounter", 0, id=wid, task_queue=e.tq)
    first_run = handle.first_execution_run_id
    e.expect("the started handle has a run id", bool(first_run))
    e.expect_equal("result (following the chain)", await e.result(handle), CONTINUE_AS_NEW_TIMES)
    e.step("checking the runs")

    runs = [first_run]
    for i in range(CONTINUE_AS_NEW_TIMES + 1):
        golden = f"continue_as_new_run{i + 1}"
        last = i == CONTINUE_AS_NEW_TIMES
        raw = await e.history(wid, runs[i])
        started = raw[0].workflow_execution_started_event_attributes
        backoff = started.first_workflow_task_backoff.ToTimedelta()
        if i == 0:
            e.expect_equal("run 1 first_workflow_task_backoff", backoff, timedelta(0))
            normalize = None
        else:
            # The reference throttles continue-as-new: a run that lived less than 1 s (its
            # WorkflowIdReuseMinimalInterval) delays the next run's first workflow task by
            # 1 s minus that lifetime. The value varies; the golden holds a placeholder.
            e.expect(f"run {i + 1} first_workflow_task_backoff = {backoff}, want in (0, 1s]",
                     timedelta(0) < backoff <= CAN_MIN_INTERVAL)
            normalize = normalize_can_backoff
        await e.check_events(
            golden, raw, seq(WF_STARTED, WFT, WF_COMPLETED if last else WF_CONTINUED), normalize
        )
        e.expect_equal(f"run {i + 1} WorkflowExecutionStarted.first_execution_run_id", started.first_execution_run_id,
                       first_run)
        e.expect_equal(f"run {i + 1} WorkflowExecutionStarted.continued_execution_run_id",
                       started.continued_execution_run_id, "" if i == 0 else runs[i - 1])
        desc = await e.client.get_workflow_handle(wid, run_id=runs[i]).describe(rpc_timeout=RPC_TIMEOUT)
        info = desc.raw_description.workflow_execution_info
        e.expect_equal(f"run {i + 1} describe first_run_id", info.first_run_id, first_run)
        e.expect_equal(f"run {i + 1} describe run_id", info.execution.run_id, runs[i])
        e.expect_equal(
            f"run {i + 1} describe status",
            WorkflowExecutionStatus.Name(info.status),
            "WORKFLOW_EXECUTION_STATUS_COMPLETED" if last else "WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW",
        )
        if not last:
            nxt = raw[-1].workflow_execution_continued_as_new_event_attributes.new_execution_run_id
            e.expect(f"run {i + 1} names the next run", bool(nxt) and nxt not in runs)
            runs.append(nxt)
    latest = await e.client.get_workflow_handle(wid).describe(rpc_timeout=RPC_TIMEOUT)
    e.expect_equal("the latest run (describe without run id)", latest.run_id, runs[-1])


def test_continue_as_new() -> None:
    run_scenario("continue_as_new", continue_as_new)


# ---- update: an update accepted and completed returns its value; a rejected update (validator)
# leaves the history exactly as it was; the same update id twice gives one Accepted/Completed pair
# and the same result; an update started with wait_for_stage=ACCEPTED is accepted, then completes
# after a signal; update results are still readable after the workflow completed ----


def update_events(events: Sequence[HistoryEvent], update_id: str) -> list[str]:
    out = []
    for ev in events:
        if ev.HasField("workflow_execution_update_accepted_event_attributes"):
            if ev.workflow_execution_update_accepted_event_attributes.accepted_request.meta.update_id == update_id:
                out.append(WF_UPDATE_ACCEPTED)
        elif ev.HasField("workflow_execution_update_completed_event_attributes"):
            if ev.workflow_execution_update_completed_event_attributes.meta.update_id == update_id:
                out.append(WF_UPDATE_COMPLETED)
    return out


async def update(e: Env) -> None:
    await e.start_worker()
    wid = e.workflow_id("wf")
    handle = await e.client.start_workflow("Updatable", id=wid, task_queue=e.tq)
    await e.wait_workflow_tasks_completed(wid, 1)

    e.step("update add-5")
    got = await handle.execute_update(UPDATE_ADD, args=[5, False], id="add-5", result_type=int,
                                      rpc_timeout=RPC_TIMEOUT)
    e.expect_equal("update add-5 result", got, 5)

    e.step("update add-negative (rejected)")
    before = await e.history(wid)
    try:
        await handle.execute_update(UPDATE_ADD, args=[-1, False], id="add-negative", rpc_timeout=RPC_TIMEOUT)
        e.error("rejected update: no error")
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        e.expect(f"rejected update's cause = {cause!r}, want ApplicationError", isinstance(cause, ApplicationError))
        if isinstance(cause, ApplicationError):
            e.expect_equal("rejected update's error type", cause.type, "NegativeAmount")
            e.expect_equal("rejected update's error message", cause.message, "cannot add -1")
    after = await e.history(wid)
    e.expect_equal(
        "history after the rejected update (every event, serialized)",
        [ev.SerializeToString() for ev in after],
        [ev.SerializeToString() for ev in before],
    )

    e.step("update add-2 twice")
    first = await handle.execute_update(UPDATE_ADD, args=[2, False], id="add-2", result_type=int,
                                        rpc_timeout=RPC_TIMEOUT)
    again = await handle.execute_update(UPDATE_ADD, args=[100, False], id="add-2", result_type=int,
                                        rpc_timeout=RPC_TIMEOUT)
    e.expect_equal("update add-2 result", first, 7)
    e.expect_equal("update add-2 sent again (other arguments): result, the first outcome", again, 7)

    e.step("start_update add-10-held, wait for ACCEPTED")
    held = await handle.start_update(UPDATE_ADD, args=[10, True], id="add-10-held",
                                     wait_for_stage=WorkflowUpdateStage.ACCEPTED, result_type=int,
                                     rpc_timeout=RPC_TIMEOUT)
    e.expect_equal("held update's id", held.id, "add-10-held")
    evs = await e.history(wid)
    e.expect_equal("held update's events once accepted", update_events(evs, "add-10-held"), [WF_UPDATE_ACCEPTED])
    e.step("signal release, wait for the held update's result")
    await handle.signal(SIGNAL_RELEASE, rpc_timeout=RPC_TIMEOUT)
    e.expect_equal("held update's result", await held.result(rpc_timeout=RPC_TIMEOUT), 17)

    await handle.signal(SIGNAL_FINISH, rpc_timeout=RPC_TIMEOUT)
    e.expect_equal("workflow result", await e.result(handle), 17)

    e.step("update results after completion")
    # After completion, from the closed workflow.
    for update_id, want in (("add-5", 5), ("add-2", 7), ("add-10-held", 17)):
        uh = handle.get_update_handle(update_id, result_type=int)
        e.expect_equal(f"result of {update_id} after completion", await uh.result(rpc_timeout=RPC_TIMEOUT), want)

    raw = await e.check_history(
        "update",
        wid,
        handle.result_run_id,
        seq(
            WF_STARTED, WFT,
            WFT, WF_UPDATE_ACCEPTED, WF_UPDATE_COMPLETED,  # add-5
            WFT, WF_UPDATE_ACCEPTED, WF_UPDATE_COMPLETED,  # add-2 (once)
            WFT, WF_UPDATE_ACCEPTED,  # add-10-held accepted
            WF_SIGNALED, WFT, WF_UPDATE_COMPLETED,  # release
            WF_SIGNALED, WFT, WF_COMPLETED,  # finish
        ),
    )
    for update_id in ("add-5", "add-2", "add-10-held"):
        e.expect_equal(f"events of update {update_id}", update_events(raw, update_id),
                       [WF_UPDATE_ACCEPTED, WF_UPDATE_COMPLETED])
    e.expect_equal("events of the rejected update", update_events(raw, "add-negative"), [])


def test_update() -> None:
    run_scenario("update", update)


# ---- signal_external: a workflow signals another, waiting one through
# get_external_workflow_handle(...).signal ----


async def signal_external(e: Env) -> None:
    await e.start_worker()
    receiver_id = e.workflow_id("receiver")
    sender_id = e.derived_id(receiver_id, SENDER_SUFFIX)
    receiver = await e.client.start_workflow("CollectSignals", 1, id=receiver_id, task_queue=e.tq)
    await e.wait_workflow_tasks_completed(receiver_id, 1)
    sender = await e.client.start_workflow("SignalExternal", "from-sender", id=sender_id, task_queue=e.tq)
    e.expect_equal("sender result", await e.result(sender), "signaled")
    e.expect_equal("receiver result", await e.result(receiver), ["from-sender"])
    await e.check_history(
        "signal_external",
        sender_id,
        sender.result_run_id,
        seq(WF_STARTED, WFT, SIGNAL_EXTERNAL_INITIATED, EXTERNAL_SIGNALED, WFT, WF_COMPLETED),
    )
    await e.check_history(
        "signal_external_b",
        receiver_id,
        receiver.result_run_id,
        seq(WF_STARTED, WFT, WF_SIGNALED, WFT, WF_COMPLETED),
    )


def test_signal_external() -> None:
    run_scenario("signal_external", signal_external)
