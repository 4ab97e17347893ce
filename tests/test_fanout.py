"""Work split over forked processes: same results, same bytes, every error reported."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import make_site, post, run_build

from matinee import fanout, manifest, write
from matinee.errors import MatineeError
from matinee.memo import Planned
from matinee.render import Rendering


def _pid_and_share(share: int, shares: int, tick: fanout.Tick) -> tuple[int, int, int]:
    tick()
    return os.getpid(), share, shares


def test_shares_run_in_forked_children_and_come_back_in_order() -> None:
    heard: list[int] = []
    results = fanout.fan_out(_pid_and_share, 2, heard.append)
    assert [(share, shares) for _, share, shares in results] == [(0, 2), (1, 2)]
    assert not heard or heard[-1] <= 2  # the children's ticks, as far as the parent saw them
    assert all(pid != os.getpid() for pid, _, _ in results)


def test_one_share_runs_in_this_process() -> None:
    assert fanout.fan_out(_pid_and_share, 1) == [(os.getpid(), 0, 1)]


def _fails_in_share_one(share: int, shares: int, tick: fanout.Tick) -> int:
    if share == 1:
        raise MatineeError("layouts/post.html", 3, "broken")
    return share


def test_an_error_in_a_child_is_raised_in_the_parent() -> None:
    with pytest.raises(MatineeError, match="broken"):
        fanout.fan_out(_fails_in_share_one, 2)


def test_small_work_stays_in_one_process() -> None:
    assert fanout.shares_for(fanout.MIN_SHARE - 1) == 1


def _site(tmp_path: Path, name: str, layout_line: str = "") -> Path:
    files: dict[str, str | bytes] = {
        f"content/posts/p{number:02}.md": post(
            f"Story {number}", tags=[f"tag{number % 7}"], films=[f"Film {number % 5}"]
        )
        for number in range(40)
    }
    root = make_site(tmp_path / name, files)
    if layout_line:
        (root / "layouts/post.html").write_text(layout_line, encoding="utf-8")
    return root


def _tree(out: Path) -> dict[str, bytes]:
    return {path.relative_to(out).as_posix(): path.read_bytes() for path in out.rglob("*") if path.is_file()}


@pytest.mark.skipif(fanout.cores() < 2, reason="needs two cores to split the work")
def test_a_build_split_over_cores_matches_one_made_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fanout, "shares_for", lambda items: 1)
    alone, _ = run_build(_site(tmp_path, "alone"))
    monkeypatch.setattr(fanout, "shares_for", lambda items: 2)
    split, report = run_build(_site(tmp_path, "split"))
    assert _tree(split) == _tree(alone)
    assert report.changed == report.files


def test_layout_errors_of_every_share_are_reported_once_each(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fanout, "shares_for", lambda items: 2)
    root = _site(tmp_path, "broken", "<h1>{{ page.title }}</h1>\n{{ page.title.nope() }}\n")
    with pytest.raises(ExceptionGroup) as raised:
        run_build(root)
    messages = sorted(str(error) for error in raised.value.exceptions)
    assert len(messages) == len(set(messages)) == 1, messages
    assert messages[0].startswith("layouts/post.html:")
    assert not (root / "site").exists()


def test_two_outputs_on_one_path_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    planned = tuple(Planned("same/index.html", key, lambda: b"<p>x</p>") for key in ("a", "b"))
    with pytest.raises(MatineeError, match="two outputs would be written to this path"):
        write.write_tree(Rendering(planned, {}), (), tmp_path / "site", tmp_path / "manifest.json", manifest.Manifest())
    assert not (tmp_path / "site").exists()


def test_a_process_pool_has_one_worker_per_core_this_process_may_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 3, 5}, raising=False)  # 3 of the machine's cores
    with fanout.process_pool() as pool:
        assert pool._max_workers == 3  # type: ignore[attr-defined]


# Starts a pool, prints its workers' process ids, then waits to be killed.
POOL_THEN_WAIT = """
import os, sys, time
from matinee.fanout import process_pool
pool = process_pool(2)
pids = {pool.submit(os.getpid).result() for _ in range(20)}
print(*sorted(pids), flush=True)
time.sleep(600)
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_a_process_pool_s_workers_end_when_the_build_is_killed(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", POOL_THEN_WAIT], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent
    )
    assert parent.stdout is not None
    workers = [int(pid) for pid in parent.stdout.readline().split()]
    assert workers and parent.pid not in workers
    parent.kill()
    parent.wait()
    left = _wait_until_gone(workers)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"pool workers outlived their killed parent: {left}"


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _wait_until_gone(pids: list[int], seconds: float = 10.0) -> list[int]:
    """Poll for the processes to end: how long they take is not what is tested."""
    deadline = time.monotonic() + seconds
    while (left := [pid for pid in pids if _alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


# Run in a fresh process: what this one freed before would blur the figure.
_TRIM_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
from matinee import fanout

def resident_kib():
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))

blocks = [bytes(3000) + bytes([n % 256]) for n in range(20000)]
kept = blocks[::10]  # 9 freed blocks of 3 KB between each two live ones
del blocks
before = resident_kib()
fanout.trim_heap()
print(before - resident_kib())
"""


@pytest.mark.skipif(fanout._libc is None or not Path("/proc/self/status").exists(), reason="glibc on Linux")
def test_trim_heap_hands_back_the_free_pages_between_live_objects() -> None:
    """Parsing leaves freed heap between the model's objects; forked workers would count it
    in their resident memory (the build's peak) unless it is handed back first."""
    root = str(Path(__file__).resolve().parents[1])
    run = subprocess.run([sys.executable, "-c", _TRIM_SCRIPT, root], capture_output=True, check=True, text=True)
    assert int(run.stdout) > 20_000  # KiB: most of the 54 MB freed


def test_the_heap_is_trimmed_after_parsing_many_sources_not_a_few(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Trimming walks the whole heap (about 10 ms at 10,000 posts): a `serve` save parses a
    source or two and must not pay it; a cold build's parse of many sources does."""
    from matinee import parsing

    trims: list[int] = []
    monkeypatch.setattr(parsing, "trim_heap", lambda: trims.append(1))
    monkeypatch.setattr(parsing, "cores", lambda: 1)  # parse in this process: no pool, no fork
    monkeypatch.setattr(parsing, "PARALLEL_FROM", 5)
    site = make_site(tmp_path, {f"content/posts/p{n}.md": post(f"Post {n}") for n in range(6)})
    run_build(site)
    assert trims == [1]  # six fresh sources: one chunk, trimmed once
    (site / "content/posts/p0.md").write_text(post("Post 0, edited"), encoding="utf-8")
    run_build(site)
    assert trims == [1]  # one source parsed again: not trimmed
