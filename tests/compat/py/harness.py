"""The scenario harness (as ts/src/harness.ts): server selection, one Env per scenario (client,
workers, unique task queue and workflow ids), bounded waits, history checks against the golden
files.

Target: HDO_TARGET=host:port runs against an already running server (that is how the goldens are
recorded, against `temporal server start-dev`); without it each scenario starts its own hdo
(HDO_BIN). Record mode (HDO_RECORD=1) writes the golden files instead of comparing; it requires
HDO_TARGET so goldens always come from the reference.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import tempfile
import time
import traceback
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any, Awaitable, Callable, Sequence

import pytest
from temporalio.api.history.v1 import HistoryEvent
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, GetSystemInfoRequest
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from activities import ALL_ACTIVITIES
from hdo_server import HdoServer
from scrub import canonical_events, event_type_name, event_types, line_diff, scrub_history, type_diff
from workflows import ALL_WORKFLOWS

NAMESPACE = "default"
GOLDEN_DIR = Path(__file__).resolve().parent.parent / "golden" / "py"
GOT_DIR = Path(tempfile.gettempdir()) / "hdo-scenarios-got" / "py"
# Bounds every scenario, so that a misbehaving server fails the scenario instead of hanging it
# (against the reference each takes a few seconds).
SCENARIO_TIMEOUT = 20.0
# Bounds every wait for a history condition.
HISTORY_WAIT = 15.0
# Bounds each client call (the SDK's own RPC timeout).
RPC_TIMEOUT = timedelta(seconds=10)
# How long one attempt to get a workflow's result may take (see Env.result).
RESULT_POLL = 5.0

# Event type names as they appear in the scrubbed histories.
WF_STARTED = "WorkflowExecutionStarted"
WF_COMPLETED = "WorkflowExecutionCompleted"
WF_FAILED = "WorkflowExecutionFailed"
WF_SIGNALED = "WorkflowExecutionSignaled"
WF_CONTINUED = "WorkflowExecutionContinuedAsNew"
WF_UPDATE_ACCEPTED = "WorkflowExecutionUpdateAccepted"
WF_UPDATE_COMPLETED = "WorkflowExecutionUpdateCompleted"
WFT_SCHEDULED = "WorkflowTaskScheduled"
WFT_STARTED = "WorkflowTaskStarted"
WFT_COMPLETED = "WorkflowTaskCompleted"
ACT_SCHEDULED = "ActivityTaskScheduled"
ACT_STARTED = "ActivityTaskStarted"
ACT_COMPLETED = "ActivityTaskCompleted"
CHILD_INITIATED = "StartChildWorkflowExecutionInitiated"
CHILD_STARTED = "ChildWorkflowExecutionStarted"
CHILD_COMPLETED = "ChildWorkflowExecutionCompleted"
CHILD_FAILED = "ChildWorkflowExecutionFailed"
SIGNAL_EXTERNAL_INITIATED = "SignalExternalWorkflowExecutionInitiated"
EXTERNAL_SIGNALED = "ExternalWorkflowExecutionSignaled"
# One complete workflow task: scheduled, started, completed.
WFT = [WFT_SCHEDULED, WFT_STARTED, WFT_COMPLETED]


def seq(*parts: str | Sequence[str]) -> list[str]:
    """Flattens strings and string lists into one event type sequence."""
    out: list[str] = []
    for p in parts:
        if isinstance(p, str):
            out.append(p)
        else:
            out.extend(p)
    return out


def recording() -> bool:
    return os.environ.get("HDO_RECORD") == "1"


def random_suffix() -> str:
    return secrets.token_hex(4)


def raw_types(events: Sequence[HistoryEvent]) -> list[str]:
    return [event_type_name(ev.event_type) for ev in events]


def count_type(events: Sequence[HistoryEvent], t: str) -> int:
    return raw_types(events).count(t)


class ScenarioFailed(AssertionError):
    pass


class Env:
    """One scenario's connection to the server under test."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.tq = f"scn-{name}-{random_suffix()}"
        self.replacements: dict[str, str] = {self.tq: "<task_queue>"}
        self._workflow_ids = 0
        self.errors: list[str] = []
        self._cleanups: list[Callable[[], Awaitable[None]]] = []
        self.server: HdoServer | None = None
        self.client: Client = None  # type: ignore[assignment]  # set by open()
        self.host_port = ""
        self.steps: list[str] = []
        self._t0 = time.monotonic()

    async def open(self) -> None:
        """Connects to HDO_TARGET, or starts a fresh hdo for this scenario."""
        target = os.environ.get("HDO_TARGET")
        if target:
            self.host_port = target
        elif recording():
            raise ScenarioFailed(
                "record mode writes golden files and needs the reference server: set HDO_TARGET "
                "(scripts/record-golden --py does)"
            )
        else:
            try:
                self.server = await asyncio.to_thread(HdoServer.start)
            except RuntimeError as err:
                raise ScenarioFailed(str(err)) from None
            self.host_port = self.server.host_port
            server = self.server
            self.defer(lambda: asyncio.to_thread(server.stop))
        self.client = await within(
            15,
            f"connecting to {self.host_port}",
            Client.connect(self.host_port, namespace=NAMESPACE, identity="scenario-client"),
        )
        # The namespace id is a random UUID per server database; child and external events carry
        # it (namespace_id, parent_workflow_namespace_id). "<namespace_id>" as in the Go suite.
        ns = await self.client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=NAMESPACE), timeout=RPC_TIMEOUT
        )
        if ns.namespace_info.id:
            self.replacements[ns.namespace_info.id] = "<namespace_id>"

    def defer(self, fn: Callable[[], Awaitable[None]]) -> None:
        """Runs fn at close(), last deferred first."""
        self._cleanups.append(fn)

    async def close(self) -> None:
        failures = []
        for fn in reversed(self._cleanups):
            try:
                await fn()
            except Exception as err:  # noqa: BLE001 - every cleanup runs, failures are reported together
                failures.append(f"{type(err).__name__}: {err}")
        self._cleanups.clear()
        if failures:
            raise ScenarioFailed("cleaning up: " + "; ".join(failures))

    async def start_worker(self, **extra: Any) -> Worker:
        """Starts a worker with every workflow and activity on the scenario's task queue; it is
        stopped (bounded) when the scenario ends."""
        opts: dict[str, Any] = dict(
            task_queue=self.tq,
            workflows=ALL_WORKFLOWS,
            activities=ALL_ACTIVITIES,
            graceful_shutdown_timeout=timedelta(seconds=1),
            identity=f"worker-{self.name}",
        )
        opts.update(extra)
        worker = Worker(self.client, **opts)
        task = asyncio.create_task(worker.run(), name=f"worker {self.tq}")

        async def stop() -> None:
            if not task.done():
                await within(15, "waiting for the worker to shut down", worker.shutdown())
            await within(15, "waiting for the worker's run() to end", task)

        self.defer(stop)
        return worker

    def workflow_id(self, label: str) -> str:
        """A unique workflow id for this run with its placeholder: the first id of a scenario becomes
        "<workflow_id>", later ones "<workflow_id_N>" (N counts the task queue, as in the Go suite)."""
        wid = f"{self.name}-{label}-{random_suffix()}"
        self._workflow_ids += 1
        n = self._workflow_ids
        self.replacements[wid] = "<workflow_id>" if n == 1 else f"<workflow_id_{n}>"
        return wid

    def derived_id(self, base: str, suffix: str) -> str:
        """An id a workflow derives from base (a workflow_id()): placeholder "<base's>" + suffix."""
        wid = base + suffix
        self.replacements[wid] = self.replacements[base] + suffix
        return wid

    def step(self, what: str) -> None:
        """Notes what the scenario does next; a timed-out scenario reports its steps."""
        self.steps.append(f"{time.monotonic() - self._t0:6.2f}s {what}")

    def error(self, message: str) -> None:
        """A soft failure: the scenario goes on and fails at the end with every message."""
        self.errors.append(message)

    def expect_equal(self, what: str, got: Any, want: Any) -> None:
        if got != want:
            self.error(f"{what} = {got!r}, want {want!r}")

    def expect(self, what: str, cond: bool) -> None:
        if not cond:
            self.error(what)

    async def history(self, workflow_id: str, run_id: str | None = None) -> list[HistoryEvent]:
        h = await self.client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history(
            rpc_timeout=RPC_TIMEOUT
        )
        return list(h.events)

    async def wait_history(
        self, workflow_id: str, what: str, cond: Callable[[list[HistoryEvent]], bool]
    ) -> list[HistoryEvent]:
        self.step(f"waiting for {what} in the history of {workflow_id}")
        return await self._wait_history(workflow_id, what, cond)

    async def _wait_history(
        self, workflow_id: str, what: str, cond: Callable[[list[HistoryEvent]], bool]
    ) -> list[HistoryEvent]:
        """Polls the history until cond holds (e.g. "the first workflow task completed"), so that the
        scenario's next step happens at a deterministic point of the history."""
        deadline = time.monotonic() + HISTORY_WAIT
        last: list[HistoryEvent] = []
        while time.monotonic() < deadline:
            try:
                last = await self.history(workflow_id)
                if cond(last):
                    return last
            except Exception:  # noqa: BLE001 - not there yet, or transient: retried until the deadline
                pass
            await asyncio.sleep(0.05)
        raise ScenarioFailed(
            f"timed out waiting for {what} in the history of {workflow_id}; "
            f"history so far: {','.join(raw_types(last))}"
        )

    async def result(self, handle: WorkflowHandle[Any, Any], what: str = "result") -> Any:
        """handle.result(), asked again every RESULT_POLL seconds (at most HISTORY_WAIT in all): the
        SDK waits for the close event with history long polls, and a long poll that misses the
        event answers only at the server's long-poll expiry (about 20 s, the reference does so now
        and then). Each repeat is reported as a warning and a step."""
        self.step(f"waiting for the {what} of {handle.id}")
        deadline = time.monotonic() + HISTORY_WAIT
        while True:
            try:
                return await asyncio.wait_for(handle.result(rpc_timeout=RPC_TIMEOUT), RESULT_POLL)
            except asyncio.TimeoutError:
                if time.monotonic() > deadline:
                    raise ScenarioFailed(f"timed out after {HISTORY_WAIT:g}s waiting for the {what} of {handle.id}") from None
                note = f"{self.name}: no {what} of {handle.id} within {RESULT_POLL:g}s, asking again"
                self.step(note)
                warnings.warn(note, stacklevel=1)

    async def wait_workflow_tasks_completed(self, workflow_id: str, n: int) -> list[HistoryEvent]:
        return await self.wait_history(
            workflow_id, f"{n} WorkflowTaskCompleted", lambda evs: count_type(evs, WFT_COMPLETED) >= n
        )

    async def describe_workflows(self) -> str:
        """The event types of the scenario's workflows so far (the first 4), for a timeout's message."""
        out = ""
        ids = [k for k, v in self.replacements.items() if v.startswith("<workflow_id")][:4]
        for wid in ids:
            try:
                types = ",".join(raw_types(await within(2, "", self.history(wid))))
            except Exception as err:  # noqa: BLE001
                types = f"(history unavailable: {type(err).__name__}: {err})"
            out += f"\n  history of {wid}: {types}"
        return out

    async def check_history(
        self,
        golden: str,
        workflow_id: str,
        run_id: str | None,
        want_types: Sequence[str],
        normalize: Callable[[list[dict[str, Any]]], None] | None = None,
    ) -> list[HistoryEvent]:
        """Fetches the run's history, requires its event types to be exactly want_types, and compares
        the scrubbed history with golden/py/<golden>.json (or writes it in record mode). normalize,
        when given, edits the scrubbed events first (a scenario's own placeholder for a value that
        varies from run to run and that the scenario checked itself)."""
        raw = await self.history(workflow_id, run_id)
        await self.check_events(golden, raw, want_types, normalize)
        return raw

    async def check_events(
        self,
        golden: str,
        raw: Sequence[HistoryEvent],
        want_types: Sequence[str],
        normalize: Callable[[list[dict[str, Any]]], None] | None = None,
    ) -> None:
        got = scrub_history(raw, self.replacements)
        if normalize is not None:
            normalize(got)
        got_types = event_types(got)
        if got_types != list(want_types):
            self.error(
                f"{golden}: history event types differ from the scenario's expectation:\n"
                + type_diff(list(want_types), got_types)
            )
        if recording():
            await self._write_golden(golden, got)
            return
        path = golden_path(golden)
        try:
            want = json.loads(path.read_text())
        except (OSError, ValueError) as err:
            raise ScenarioFailed(
                f"reading golden history {path}: {err} (record it with scripts/record-golden --py)"
            ) from err
        want_text = canonical_events(want["events"])
        got_text = canonical_events(got)
        if want_text == got_text:
            return
        got_path = GOT_DIR / f"{golden}.json"
        got_path.parent.mkdir(parents=True, exist_ok=True)
        got_path.write_text(got_text + "\n")
        self.error(
            f"scrubbed history differs from golden {path} (recorded against {want.get('recorded_against')}); "
            f"full scrubbed history written to {got_path}\nevent types:\n"
            + type_diff(event_types(want["events"]), got_types)
            + "diff (- golden, + got):\n"
            + line_diff(want_text, got_text, 4)
        )

    async def _write_golden(self, name: str, events: list[dict[str, Any]]) -> None:
        # HDO_RECORDED_WITH is set by scripts/record-golden to the reference CLI's version.
        against = os.environ.get("HDO_RECORDED_WITH", "")
        if not against:
            info = await self.client.workflow_service.get_system_info(GetSystemInfoRequest(), timeout=RPC_TIMEOUT)
            against = f"server {info.server_version}"
        doc = {"scenario": name, "recorded_against": against, "events": events}
        GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
        golden_path(name).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def golden_path(name: str) -> Path:
    return GOLDEN_DIR / f"{name}.json"


async def within(seconds: float, what: str, aw: Awaitable[Any]) -> Any:
    """aw's result, or ScenarioFailed("timed out after ... <what>") after seconds."""
    try:
        return await asyncio.wait_for(aw, seconds)
    except asyncio.TimeoutError:
        raise ScenarioFailed(f"timed out after {seconds:g}s {what}") from None


def run_scenario(name: str, fn: Callable[[Env], Awaitable[None]], timeout: float = SCENARIO_TIMEOUT) -> None:
    """Runs one scenario on a fresh event loop: a fresh Env, the scenario bounded by timeout (the
    scenario task is cancelled at that deadline), the Env closed (workers stopped, hdo stopped)
    whatever happened, soft errors reported together. On failure the server's log (when this run
    started hdo) is written to $TMPDIR/hdo-scenarios-got/py/<name>.server.log."""
    message = None
    try:
        asyncio.run(_run_scenario(name, fn, timeout))
    except ScenarioFailed as err:
        message = str(err)
    if message is not None:
        pytest.fail(message, pytrace=False)


async def _run_scenario(name: str, fn: Callable[[Env], Awaitable[None]], timeout: float) -> None:
    e = Env(name)
    failure: BaseException | None = None
    extra = ""

    async def body() -> None:
        await e.open()
        await fn(e)

    try:
        await asyncio.wait_for(body(), timeout)
    except asyncio.TimeoutError:
        failure = ScenarioFailed(f"timed out after {timeout:g}s running scenario {name}")
        extra = "\n  steps:\n" + "\n".join("    " + s for s in e.steps)
        if e.client is not None:
            extra += await e.describe_workflows()
    except ScenarioFailed as err:
        failure = err
    except Exception as err:  # noqa: BLE001 - reported below with the soft errors, with its traceback
        failure = err
        extra = "\n" + "".join(traceback.format_exception(err)).rstrip()
    finally:
        try:
            await within(30, "cleaning up", e.close())
        except Exception as err:  # noqa: BLE001
            failure = failure or err
    if failure is None and not e.errors:
        return
    parts = []
    if failure is not None:
        what = str(failure) if isinstance(failure, ScenarioFailed) else f"{type(failure).__name__}: {failure}"
        parts.append(what + extra)
    if e.errors:
        parts.append(("also:\n" if failure is not None else "") + "\n".join(e.errors))
    if e.server is not None:
        log_path = GOT_DIR / f"{name}.server.log"
        e.server.save_log(log_path)
        parts.append(f"hdo's log: {log_path}")
    raise ScenarioFailed("\n".join(parts)) from None
