"""Starts a real hdo dev server for one scenario (as ts/src/hdo-server.ts does): the binary named by
HDO_BIN, on port 0 (the server picks a free one and logs it), with a SQLite file in a temporary
folder. stop() sends SIGINT and requires a clean exit within 30 s. The server's log (stderr) is
kept in memory; save_log() writes it out when a scenario failed."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

STARTED_LINE = re.compile(r'msg="server started".* grpc_address=(\S+)')


class HdoServer:
    def __init__(self, host_port: str, proc: subprocess.Popen[bytes], folder: str, log: list[str]) -> None:
        self.host_port = host_port
        self._proc = proc
        self._dir = folder
        self.log = log

    @staticmethod
    def start(start_timeout: float = 60.0) -> "HdoServer":
        binary = os.environ.get("HDO_BIN")
        if not binary:
            raise RuntimeError(
                "neither HDO_TARGET nor HDO_BIN is set: set HDO_BIN to an hdo binary (or HDO_TARGET=host:port)"
            )
        folder = tempfile.mkdtemp(prefix="hdo-compat-py-")
        db = os.path.join(folder, "hdo.db")
        try:
            proc = subprocess.Popen(
                [binary, "server", "start-dev", "--port", "0", "--db-filename", db],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        except OSError as err:
            shutil.rmtree(folder, ignore_errors=True)
            raise RuntimeError(f"starting hdo ({binary}): {err}") from err
        log: list[str] = []
        found = threading.Event()
        address: list[str] = []

        def read() -> None:
            assert proc.stderr is not None
            for raw in proc.stderr:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                log.append(line)
                m = STARTED_LINE.search(line)
                if m and not found.is_set():
                    address.append(m.group(1))
                    found.set()
            found.set()  # stderr closed: the process is gone

        threading.Thread(target=read, name="hdo-stderr", daemon=True).start()
        deadline = time.monotonic() + start_timeout
        while not found.wait(0.1):
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait(10)
                shutil.rmtree(folder, ignore_errors=True)
                raise RuntimeError(f"hdo did not start within {start_timeout:.0f}s:\n" + "\n".join(log))
        if not address:
            status = proc.wait(10)
            shutil.rmtree(folder, ignore_errors=True)
            raise RuntimeError(f"hdo exited ({status}) before listening:\n" + "\n".join(log))
        return HdoServer(address[0], proc, folder, log)

    def save_log(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(self.log) + "\n")

    def stop(self) -> None:
        """SIGINT, then a clean exit (status 0) within 30 s; SIGKILL after that."""
        try:
            status = self._proc.poll()
            if status is not None:
                raise RuntimeError(f"hdo exited early ({status}):\n" + "\n".join(self.log[-20:]))
            self._proc.send_signal(signal.SIGINT)
            try:
                status = self._proc.wait(30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(10)
                raise RuntimeError("hdo did not stop within 30s of SIGINT") from None
            if status != 0:
                raise RuntimeError(f"hdo did not stop cleanly (exit {status}):\n" + "\n".join(self.log[-20:]))
        finally:
            shutil.rmtree(self._dir, ignore_errors=True)
