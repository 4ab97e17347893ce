"""Helpers for the `serve` tests: a preview in a thread, plain HTTP over real sockets, the CLI."""

from __future__ import annotations

import http.client
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

from conftest import REPO

from matinee.config import load_config
from matinee.pipeline import Report
from matinee.serve import preview as preview_module
from matinee.serve.livereload import Snapshot
from matinee.serve.preview import Preview, Trigger

WAIT = 15.0  # seconds; generous for a loaded CI machine, and only ever spent on failure


@dataclass(frozen=True)
class Response:
    """One HTTP answer."""

    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclass
class Running:
    """A preview serving `root` from a thread, with what its callbacks received."""

    preview: Preview
    root: Path
    reports: list[Report] = field(default_factory=list)
    errors: list[tuple[str, ...]] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)  # of every build, good or failed

    def on_build(self, report: Report, trigger: Trigger) -> None:
        self.reports.append(report)
        self.triggers.append(trigger)

    def on_errors(self, problems: tuple[str, ...], trigger: Trigger) -> None:
        self.errors.append(problems)
        self.triggers.append(trigger)

    @property
    def port(self) -> int:
        return int(self.preview.url.rsplit(":", 1)[1].strip("/"))

    def get(self, path: str, *, method: str = "GET", headers: dict[str, str] | None = None) -> Response:
        """Send one request on a fresh connection and read the whole answer."""
        return request(self.port, path, method=method, headers=headers)

    def wait_for(self, predicate: Callable[[Snapshot], bool], timeout: float = WAIT) -> Snapshot:
        """Return the first snapshot that satisfies `predicate`; fail after `timeout`."""
        snapshot = self.preview.live.wait_for(predicate, timeout)
        assert snapshot is not None, f"timed out; last snapshot {self.preview.live.snapshot()}"
        return snapshot

    def next_build(self, change: Callable[[], object]) -> Snapshot:
        """Make `change` and return the snapshot of the build it causes."""
        builds = self.preview.live.snapshot().builds
        change()
        return self.wait_for(lambda now: now.builds > builds)

    def write(self, rel: str, text: str) -> None:
        """Save a source file the way many editors do: write a temporary file, rename it over."""
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.saving")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)


@contextmanager
def running(root: Path, *, poll: bool = False, hold: threading.Event | None = None) -> Iterator[Running]:
    """Serve `root` on a free port in a thread until the block ends; wait for the first build.

    With `hold`, every build waits until the test sets it (at the latest when the block ends),
    and the block begins while the first build is still held: a first build as slow as needed.
    """
    out_dir = root / "site"
    preview = Preview("127.0.0.1", 0, load_config(root, out_dir=out_dir), poll=poll)
    server = Running(preview, root)

    def load() -> object:
        return load_config(root, out_dir=out_dir, base_url=preview.url)

    def held_build(*args: Any, **kwargs: Any) -> Report:
        assert hold is not None
        hold.wait()
        return build(*args, **kwargs)

    build = preview_module.build
    thread = threading.Thread(
        target=preview.run,
        args=(load,),
        kwargs={"on_build": server.on_build, "on_errors": server.on_errors},
        daemon=True,
    )
    with mock.patch.object(preview_module, "build", held_build if hold is not None else build):
        thread.start()
        try:
            if hold is None:
                server.wait_for(lambda now: now.builds >= 1)
            yield server
        finally:
            if hold is not None:
                hold.set()
            preview.stop()
            thread.join(WAIT)
            assert not thread.is_alive(), "the preview did not stop"


def request(port: int, path: str, *, method: str = "GET", headers: dict[str, str] | None = None) -> Response:
    """Send one request with http.client and read the whole answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    try:
        connection.request(method, path, headers=headers or {})
        answer = connection.getresponse()
        body = answer.read()
        return Response(answer.status, {name.lower(): value for name, value in answer.getheaders()}, body)
    finally:
        connection.close()


def raw_request(port: int, request_line: bytes, *headers: bytes) -> Response:
    """Send bytes exactly as given (no client-side checks) and parse the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as connection:
        head = [request_line, *headers, b"Connection: close", b"", b""]
        connection.sendall(b"\r\n".join(head))
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    top, _, body = received.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    pairs = (line.split(":", 1) for line in lines[1:] if ":" in line)
    return Response(status, {name.strip().lower(): value.strip() for name, value in pairs}, body)


class EventStream:
    """An open /_matinee/events connection, read one message at a time."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
        self.connection.request("GET", "/_matinee/events")
        self.response = self.connection.getresponse()

    def next_message(self) -> str:
        """Return the next `data:` payload, skipping comments and retry lines."""
        data = []
        while True:
            line = self.response.fp.readline().decode("utf-8")
            assert line, "the event stream closed"
            if line in ("\n", "\r\n") and data:
                return "\n".join(data)
            if line.startswith("data: "):
                data.append(line[len("data: ") :].rstrip("\n"))

    def close(self) -> None:
        self.connection.close()


class CliServe:
    """`python build.py serve ...` in a child process, its stderr collected line by line."""

    def __init__(self, root: Path, *args: str) -> None:
        command = [sys.executable, str(REPO / "build.py"), "serve", "--source", str(root), *args]
        self.process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._queue.put(line)
        self._queue.put(None)

    def wait_line(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        """Return the match of the first new stderr line matching `pattern`."""
        while True:
            line = self._queue.get(timeout=timeout)
            assert line is not None, f"serve exited; stderr was:\n{self.stderr}"
            self.lines.append(line)
            if found := re.search(pattern, line):
                return found

    def interrupt(self, timeout: float = WAIT) -> int:
        """Press Ctrl-C and return the exit code."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout)

    @property
    def stderr(self) -> str:
        """Everything printed so far (after the process ended: everything)."""
        if self.process.poll() is not None:
            self._reader.join(WAIT)
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                return "".join(self.lines)
            if line is not None:
                self.lines.append(line)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
