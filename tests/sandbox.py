"""Run the CLI on a scratch site and prove what it changed: for the hostile-input and fault tests.

`run_cli` runs `python build.py build --source DIR` as a child process and measures it (time,
peak memory). `outside(tmp_path)` snapshots every file and folder of a test's scratch space
except the output folder and the cache, so a test can assert that a build wrote nowhere else.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from conftest import REPO, post

CACHE = ".matinee-cache"
CORPUS = REPO.parent / "shared/bench/gen_corpus.py"  # the shared benchmark's corpus generator
LIMIT = 120.0  # seconds any one CLI build may take before the test calls it hung
# One line per problem: `path: message` or `path:line: message`, then the CLI's summary line.
PROBLEM = re.compile(r"^(?P<path>[^\s:][^:]*?)(?::(?P<line>\d+))?: (?P<message>.+)$")


@dataclass(frozen=True)
class Run:
    """One finished CLI run."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float  # the child's peak resident memory

    @property
    def problems(self) -> list[str]:
        """The stderr lines that report a problem (the summary line left out)."""
        return [line for line in self.stderr.splitlines() if not line.startswith("Build failed with")]


# Linux keeps a process's peak memory across exec, so a child of this (large) test process would
# report the test's own size as its peak: a small Python in between starts the CLI and measures it.
MEASURED = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as report:
    report.write(str(usage.ru_maxrss))
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
"""


def run_cli(*args: str | Path, timeout: float = LIMIT, preexec: Callable[[], None] | None = None) -> Run:
    """Run `python build.py ARGS` and wait; fail the test if it hangs or prints a traceback."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile() as peak:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", MEASURED, peak.name, sys.executable, str(REPO / "build.py"), *map(str, args)],
            stdout=out,
            stderr=err,
            preexec_fn=preexec,
            cwd=REPO,
            start_new_session=True,  # so that a hung build can be stopped with everything it started
        )
        timer = threading.Timer(timeout, os.killpg, (process.pid, signal.SIGKILL))
        timer.start()
        try:
            code = process.wait()
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        run = Run(
            code,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            seconds,
            int(Path(peak.name).read_text() or 0) / 1024,
        )
    assert seconds < timeout, f"the build hung for {timeout:g} s; stderr:\n{run.stderr}"
    assert "Traceback" not in run.stderr, run.stderr
    assert "internal error" not in run.stderr, run.stderr
    return run


def build_cli(root: Path, *more: str | Path, timeout: float = LIMIT) -> Run:
    """Run `python build.py build --source ROOT`."""
    return run_cli("build", "--source", root, *more, timeout=timeout)


def tree_digest(folder: Path) -> dict[str, str]:
    """Return relative path -> sha256 of every file under `folder` (links as their target)."""
    found: dict[str, str] = {}
    for top, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(top, name)
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[rel] = "link -> " + os.readlink(path)
            elif path.is_file():
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            elif name in dirs:
                found[rel + "/"] = "folder"
            else:
                found[rel] = "special file"
    return found


def outside(tmp_path: Path, root: Path) -> dict[str, str]:
    """Snapshot `tmp_path` minus the output folder root/site and the cache root/.matinee-cache."""
    skipped = (f"{root.relative_to(tmp_path).as_posix()}/site", f"{root.relative_to(tmp_path).as_posix()}/{CACHE}")
    return {rel: value for rel, value in tree_digest(tmp_path).items() if not rel.startswith(skipped)}


def clean_build(root: Path) -> dict[str, str]:
    """Return the output of a clean build of `root`'s sources (copied; no cache, no old output)."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "src"
        shutil.copytree(root, copy, symlinks=True, ignore=shutil.ignore_patterns("site", CACHE, ".site.*"))
        run = build_cli(copy)
        assert run.code == 0, run.stderr
        return tree_digest(copy / "site")


def only_problem(run: Run) -> str:
    """Return the one problem a failed build reported."""
    assert run.code == 1, f"exit {run.code}; stderr:\n{run.stderr}"
    assert len(run.problems) == 1, run.stderr
    return run.problems[0]


def generated_site(root: Path, posts: int) -> Path:
    """Write a film-news site of `posts` posts, with the project's layouts and config.yaml.

    The shared benchmark's generator writes it when it is there (../shared/bench); on a machine
    without it (a fresh clone in CI), a plainer one of the same shape does.
    """
    if CORPUS.is_file():
        command = [sys.executable, str(CORPUS), "--seed", "1", "--posts", str(posts), "--out", str(root)]
        subprocess.run(command, check=True, capture_output=True)
    else:
        paragraph = "The studio confirmed the *sequel* after a [strong opening](https://example.org). " * 8
        for number in range(posts):
            month, day = number % 12 + 1, number % 28 + 1
            path = root / f"content/posts/2024/{month:02d}/story-{number}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            fields = {
                "tags": [f"Tag {number % 17}"],
                "films": [f"Film {number % 41}"],
                "people": [f"Person {number % 29}"],
            }
            text = post(
                f"Story {number}", date=f"2024-{month:02d}-{day:02d}", body="\n\n".join([paragraph] * 6), **fields
            )
            path.write_text(text, encoding="utf-8")
    shutil.copytree(REPO / "layouts", root / "layouts")
    shutil.copy(REPO / "config.yaml", root / "config.yaml")
    return root
