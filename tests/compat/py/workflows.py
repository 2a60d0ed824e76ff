"""The workflows of the Python scenarios. Workflow, signal, update and activity names are given
explicitly so that histories do not depend on Python identifiers; the names shared with the Go and
TypeScript suites (HelloActivity, CollectSignals, Greet, message) are theirs.

This module runs inside the SDK's workflow sandbox: it imports nothing but the SDK and the standard
library, and refers to activities by name. No workflow input or result holds a run-specific string
(payloads are compared as they are): ids a workflow needs are derived from its own workflow id."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError, ChildWorkflowError

SIGNAL_MESSAGE = "message"
SIGNAL_PROCEED = "proceed"
SIGNAL_RELEASE = "release"
SIGNAL_FINISH = "finish"
UPDATE_ADD = "add"
CHILD_OK_SUFFIX = "-child-ok"
CHILD_FAIL_SUFFIX = "-child-fail"
SENDER_SUFFIX = "-sender"
CONTINUE_AS_NEW_TIMES = 3


@workflow.defn(name="HelloActivity")
class HelloActivity:
    @workflow.run
    async def run(self, name: str) -> str:
        return await workflow.execute_activity(
            "Greet", name, start_to_close_timeout=timedelta(seconds=10), result_type=str
        )


@workflow.defn(name="CollectSignals")
class CollectSignals:
    """Returns the first n "message" signals in the order received."""

    def __init__(self) -> None:
        self.got: list[str] = []

    @workflow.signal(name=SIGNAL_MESSAGE)
    def message(self, s: str) -> None:
        self.got.append(s)

    @workflow.run
    async def run(self, n: int) -> list[str]:
        await workflow.wait_condition(lambda: len(self.got) >= n)
        return self.got[:n]


@workflow.defn(name="Child")
class Child:
    """Waits for the "proceed" signal (so that the parent's history does not depend on how fast the
    child runs), then returns a greeting or fails with an ApplicationError."""

    def __init__(self) -> None:
        self.proceed = False

    @workflow.signal(name=SIGNAL_PROCEED)
    def on_proceed(self) -> None:
        self.proceed = True

    @workflow.run
    async def run(self, name: str, fail: bool) -> str:
        await workflow.wait_condition(lambda: self.proceed)
        if fail:
            raise ApplicationError("child failed on purpose", "detail-1", type="ChildFailure")
        return f"Hello, {name}!"


@workflow.defn(name="Parent")
class Parent:
    """Runs a child that returns a value, then a child that fails; returns what it saw of both."""

    @workflow.run
    async def run(self, name: str) -> dict[str, Any]:
        wid = workflow.info().workflow_id
        ok = await workflow.execute_child_workflow(
            "Child", args=[name, False], id=wid + CHILD_OK_SUFFIX, result_type=str
        )
        seen: dict[str, Any] = {"child_result": ok}
        try:
            await workflow.execute_child_workflow("Child", args=[name, True], id=wid + CHILD_FAIL_SUFFIX)
            seen["child_failure"] = "none"
        except ChildWorkflowError as err:
            cause = err.cause
            seen["child_failure"] = {
                "error": type(err).__name__,
                "workflow_type": err.workflow_type,
                "retry_state": err.retry_state.name if err.retry_state is not None else None,
                "cause": type(cause).__name__,
                "cause_message": cause.message if isinstance(cause, ApplicationError) else str(cause),
                "cause_type": cause.type if isinstance(cause, ApplicationError) else None,
                "cause_details": list(cause.details) if isinstance(cause, ApplicationError) else None,
            }
        return seen


@workflow.defn(name="ContinueAsNewCounter")
class ContinueAsNewCounter:
    """Continues as new with count+1 until count reaches CONTINUE_AS_NEW_TIMES, then returns it."""

    @workflow.run
    async def run(self, count: int) -> int:
        if count < CONTINUE_AS_NEW_TIMES:
            workflow.continue_as_new(count + 1)
        return count


@workflow.defn(name="Updatable")
class Updatable:
    """A running total changed by the "add" update. The validator rejects negative amounts; an add
    with wait_for_release is accepted at once but completes only after the "release" signal. The
    workflow returns the total after the "finish" signal, once every handler finished."""

    def __init__(self) -> None:
        self.total = 0
        self.released = False
        self.finished = False

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.finished and workflow.all_handlers_finished())
        return self.total

    @workflow.update(name=UPDATE_ADD)
    async def add(self, n: int, wait_for_release: bool) -> int:
        if wait_for_release:
            await workflow.wait_condition(lambda: self.released)
        self.total += n
        return self.total

    @add.validator
    def validate_add(self, n: int, wait_for_release: bool) -> None:
        if n < 0:
            raise ApplicationError(f"cannot add {n}", type="NegativeAmount")

    @workflow.signal(name=SIGNAL_RELEASE)
    def release(self) -> None:
        self.released = True

    @workflow.signal(name=SIGNAL_FINISH)
    def finish(self) -> None:
        self.finished = True


@workflow.defn(name="SignalExternal")
class SignalExternal:
    """Signals "message" into the workflow whose id is its own without the "-sender" suffix."""

    @workflow.run
    async def run(self, message: str) -> str:
        target = workflow.info().workflow_id.removesuffix(SENDER_SUFFIX)
        await workflow.get_external_workflow_handle(target).signal(SIGNAL_MESSAGE, message)
        return "signaled"


ALL_WORKFLOWS = [HelloActivity, CollectSignals, Child, Parent, ContinueAsNewCounter, Updatable, SignalExternal]
