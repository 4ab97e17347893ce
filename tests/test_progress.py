"""Progress of long builds: one line on a terminal, nothing with --quiet or in a log."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

from conftest import REPO, make_site, post, run_cli

from matinee.progress import MIN_TOTAL, TerminalProgress


def test_the_line_is_rewritten_in_place_and_wiped_at_the_end() -> None:
    stream = io.StringIO()
    progress = TerminalProgress(stream)
    progress("Rendering pages", 1, 1000)
    progress("Rendering pages", 2, 1000)  # too soon after the first: not shown
    progress("Rendering pages", 1000, 1000)  # the last is always shown
    progress.clear()
    assert stream.getvalue().split("\r\x1b[K") == [
        "",
        "Rendering pages 1/1,000 (0%)",
        "Rendering pages 1,000/1,000 (100%)",
        "",
    ]


def test_short_stages_show_nothing() -> None:
    stream = io.StringIO()
    progress = TerminalProgress(stream)
    progress("Reading sources", 3, MIN_TOTAL - 1)
    progress.clear()
    assert stream.getvalue() == ""


def _big_site(tmp_path: Path) -> Path:
    files: dict[str, str | bytes] = {
        f"content/posts/p{number}.md": post(f"Story {number}") for number in range(MIN_TOTAL)
    }
    return make_site(tmp_path, files)


def test_a_build_on_a_terminal_shows_progress_then_the_summary_alone(tmp_path: Path) -> None:
    root = _big_site(tmp_path)
    leader, follower = pty.openpty()
    done = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "build", "--source", str(root), "--no-search"],
        stderr=follower,
        stdout=subprocess.DEVNULL,
        timeout=120,
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    text = shown.decode("utf-8")
    assert done.returncode == 0
    assert "Reading sources" in text and "Rendering pages" in text
    assert text.split("\r\x1b[K")[-1].startswith("Built ")  # the line was wiped before the summary


def test_no_progress_when_stderr_is_not_a_terminal_or_with_quiet(tmp_path: Path) -> None:
    root = _big_site(tmp_path)
    logged = run_cli("build", "--source", root, "--no-search")
    assert logged.returncode == 0 and "\r" not in logged.stderr and logged.stderr.startswith("Built ")
    (root / "content/posts/p1.md").write_text(post("Story 1, revised"), encoding="utf-8")
    quiet = run_cli("build", "--source", root, "--no-search", "--quiet")
    assert quiet.returncode == 0 and quiet.stderr == ""
