"""Faults during a build: SIGKILL at a random moment, an output folder that cannot be written, a
full disk, sources vanishing mid-build. Each leaves the previous output whole (or, for a kill
during the final commit, finished by the next build), and the next good build equals a clean one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, make_site, post
from sandbox import PROBLEM, build_cli, clean_build, generated_site, only_problem, outside, run_cli, tree_digest

STAGING = ".site.matinee-new"
MARKER = ".matinee-commit"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 300-post generated site with the project's own layouts and config.yaml."""
    return generated_site(tmp_path_factory.mktemp("corpus") / "src", 300)


def small_site(tmp_path: Path) -> Path:
    return make_site(
        tmp_path,
        {
            "content/posts/alpha.md": post("Alpha", date="2024-01-05", tags=["news"], films=["Dune"]),
            "content/posts/beta.md": post("Beta", date="2024-02-09", tags=["reviews"]),
        },
    )


def edit_post(root: Path, number: int) -> None:
    """Change the body of the `number`th post (sorted by path)."""
    posts = sorted((root / "content/posts").rglob("*.md"))
    path = posts[number % len(posts)]
    path.write_text(path.read_text(encoding="utf-8") + f"\nEdited {time.time_ns()}.\n", encoding="utf-8")


# --- SIGKILL ---------------------------------------------------------------------------------


EDITS = ["layout", "post", "new post", "delete post", "cold cache", "layout"]
# Seconds after starting a build to kill it, by edit: wide enough to land before, during and
# after the commit (measured: an edited post builds in ~0.7 s, a layout edit ~1.4 s, cold ~3 s).
KILL_WINDOW = {"first build": (0.3, 3.0), "layout": (0.3, 1.6), "cold cache": (0.5, 3.0)}
ROUNDS = int(os.environ.get("MATINEE_KILL_ROUNDS", "1"))  # more for a soak run


def _edit(root: Path, kind: str, step: int) -> None:
    if kind == "layout":  # every page changes: the commit moves ~1,800 files, a wide window to die in
        base = root / "layouts/base.html"
        base.write_text(base.read_text(encoding="utf-8") + f"\n<!-- edit {step} -->\n", encoding="utf-8")
    elif kind == "post":
        edit_post(root, step * 37)
    elif kind == "new post":
        (root / f"content/posts/2024/fault-{step}.md").parent.mkdir(parents=True, exist_ok=True)
        (root / f"content/posts/2024/fault-{step}.md").write_text(
            post(f"Fault {step}", date="2024-06-01", tags=["faults"]), encoding="utf-8"
        )
    elif kind == "delete post":
        posts = sorted((root / "content/posts").rglob("*.md"))
        posts[step * 11 % len(posts)].unlink()
    elif kind == "cold cache":  # Markdown for 300 posts again, in worker processes
        shutil.rmtree(root / ".matinee-cache", ignore_errors=True)
        edit_post(root, step)


def _group(pgid: int) -> list[int]:
    """Return the live processes of process group `pgid` (a killed build's workers, if any)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == pgid and fields[0] != "Z":
                    found.append(int(entry.name))
    return found


@pytest.mark.slow  # a soak: its kills land at random moments (MATINEE_KILL_ROUNDS for more)
def test_a_build_killed_at_a_random_moment_leaves_the_output_whole_and_the_next_build_right(
    corpus: Path, tmp_path: Path
) -> None:
    root = tmp_path / "site-src"
    shutil.copytree(corpus, root)
    seed = int(os.environ.get("MATINEE_KILL_SEED") or random.SystemRandom().randrange(10_000))
    replay = f"kill moments from seed {seed}; replay them with MATINEE_KILL_SEED={seed}"
    print(replay)  # pytest shows a failed test's output: the seed comes with every failure
    try:
        _kill_builds(root, random.Random(seed))
    except AssertionError as failure:
        failure.add_note(replay)
        raise


def _kill_builds(root: Path, chance: random.Random) -> None:
    outcomes: list[str] = []
    expected = clean_build(root)
    for step, kind in enumerate(["first build", *EDITS * ROUNDS]):
        if step:
            _edit(root, kind, step)
            expected = clean_build(root)
        before = tree_digest(root / "site") if (root / "site").exists() else None
        process = subprocess.Popen(
            [sys.executable, str(REPO / "build.py"), "build", "--source", str(root)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        delay = chance.uniform(*KILL_WINDOW.get(kind, (0.2, 0.8)))
        time.sleep(delay)
        finished = process.poll() is not None
        process.send_signal(signal.SIGKILL)
        process.wait()
        orphans = _wait_for_group(process.pid)
        assert not orphans, f"worker processes outlived the killed build: {orphans}"
        after = tree_digest(root / "site") if (root / "site").exists() else None
        committing = (root / STAGING / MARKER).exists()
        if finished or after == expected:
            outcomes.append(f"{kind}: {'finished' if finished else 'killed after the commit'} ({delay:.2f} s)")
        elif committing:
            outcomes.append(f"{kind}: killed during the commit ({delay:.2f} s)")
        elif after is not None and _pages(after) == _pages(expected):
            outcomes.append(f"{kind}: killed while indexing for search, pages new ({delay:.2f} s)")
        else:
            assert after == before, f"{kind}: killed at {delay:.2f} s, the output is neither old nor new"
            outcomes.append(f"{kind}: killed before the commit ({delay:.2f} s)")
        run = build_cli(root)
        assert run.code == 0, run.stderr
        assert tree_digest(root / "site") == expected, f"after {outcomes[-1]}, the next build differs from a clean one"
        assert not (root / STAGING).exists()
    print("\n".join(["", *outcomes]))  # shown with -s: which phases the kills landed in


def _pages(tree: dict[str, str]) -> dict[str, str]:
    """The output without its search index (made after the pages, by Pagefind)."""
    return {path: digest for path, digest in tree.items() if not path.startswith("pagefind/")}


def _wait_for_group(pgid: int, seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := _group(pgid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    if left:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
    return left


# Runs the CLI so that it dies by SIGKILL after moving N staged files into the output folder:
# the narrowest window, which random kills rarely hit.
KILLED_MID_COMMIT = """
import os, signal, sys
from matinee.cli import main
real, moved = os.replace, []
def replace(source, target, **kwargs):
    real(source, target, **kwargs)
    if ".matinee-new" in os.fsdecode(source):
        moved.append(target)
        if len(moved) == int(sys.argv[1]):
            os.kill(os.getpid(), signal.SIGKILL)
os.replace = replace
raise SystemExit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("moved", [1, 7])
def test_a_build_killed_half_way_through_its_commit_is_finished_by_the_next(tmp_path: Path, moved: int) -> None:
    root = small_site(tmp_path)
    assert build_cli(root).code == 0
    before = tree_digest(root / "site")
    _edit(root, "layout", moved)
    expected = clean_build(root)
    done = subprocess.run(
        [sys.executable, "-c", KILLED_MID_COMMIT, str(moved), "build", "--source", str(root)],
        capture_output=True,
        cwd=REPO,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert (root / STAGING / MARKER).exists()
    half = tree_digest(root / "site")
    assert half != before and half != expected, "the kill did not land inside the commit"
    run = build_cli(root)
    assert run.code == 0, run.stderr
    assert tree_digest(root / "site") == expected
    assert not (root / STAGING).exists()


# --- an output folder that cannot be written --------------------------------------------------


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make `folder` and everything in it unwritable: chmod, or for root (who ignores modes) chattr +i."""
    if os.geteuid() != 0:
        paths = [folder, *folder.rglob("*")]
        for path in paths:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            for path in paths:
                path.chmod(0o755 if path.is_dir() else 0o644)
        return
    if (
        shutil.which("chattr") is None
        or subprocess.run(["chattr", "-R", "+i", str(folder)], capture_output=True).returncode
    ):
        subprocess.run(["chattr", "-R", "-i", str(folder)], capture_output=True)
        pytest.skip("running as root, and this file system has no immutable flag (chattr +i)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-R", "-i", str(folder)], check=True)


def test_an_output_folder_that_cannot_be_written_is_a_clear_error_and_stays_as_it_was(tmp_path: Path) -> None:
    root = small_site(tmp_path)
    assert build_cli(root).code == 0
    edit_post(root, 0)
    site = tree_digest(root / "site")
    before = outside(tmp_path, root)
    with read_only(root / "site"):
        run = build_cli(root)
        problem = only_problem(run)
        assert problem.startswith(str(root / "site")), problem
        assert problem.endswith(
            ("cannot be written: Permission denied", "cannot be written: Operation not permitted")
        ), problem
        assert tree_digest(root / "site") == site
    assert outside(tmp_path, root) == before, "a failed build left files beside the output"
    assert build_cli(root).code == 0
    assert tree_digest(root / "site") == clean_build(root)


def test_one_locked_folder_fails_the_build_before_any_file_is_replaced(tmp_path: Path) -> None:
    root = small_site(tmp_path)
    assert build_cli(root).code == 0
    base = root / "layouts/base.html"  # every page changes; only the alpha page's folder is locked
    base.write_text(base.read_text(encoding="utf-8") + "\n<!-- relocked -->\n", encoding="utf-8")
    site = tree_digest(root / "site")
    locked = root / "site/2024/01/alpha"
    with read_only(locked):
        problem = only_problem(build_cli(root))
        assert problem.startswith(str(locked)) and "cannot be written" in problem, problem
        assert tree_digest(root / "site") == site, "the commit stopped half-way"
    assert build_cli(root).code == 0
    assert tree_digest(root / "site") == clean_build(root)


def test_an_output_folder_whose_parent_cannot_be_written_is_a_clear_error(tmp_path: Path) -> None:
    root = small_site(tmp_path)
    parent = tmp_path / "locked"
    parent.mkdir()
    with read_only(parent):
        run = build_cli(root, "--out", parent / "site")
        problem = only_problem(run)
        assert problem.startswith(str(parent)) and "cannot be written" in problem, problem
        assert not any(parent.iterdir())


# --- a full disk ------------------------------------------------------------------------------


@contextlib.contextmanager
def small_disk(folder: Path, size: str) -> Iterator[bool]:
    """Mount a tmpfs of `size` on `folder` if this machine lets us; yield whether it did."""
    folder.mkdir()
    mounted = (
        os.geteuid() == 0
        and shutil.which("mount") is not None
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True
        ).returncode
        == 0
    )
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], check=True)


def fill(folder: Path) -> Path:
    """Fill the file system holding `folder` to the last byte; return the filler file."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as file:  # unbuffered: closing has nothing left to write
        for chunk in (b"\0" * 65536, b"\0"):
            with contextlib.suppress(OSError):
                while file.write(chunk):
                    pass
    return filler


def test_a_full_disk_is_a_clear_error_and_the_output_stays_as_it_was(tmp_path: Path) -> None:
    root = small_site(tmp_path)
    with small_disk(tmp_path / "disk", "4m") as mounted:
        if not mounted:
            pytest.skip("cannot mount a tmpfs here; test_a_file_size_limit_... covers the fallback")
        out = tmp_path / "disk/site"
        assert build_cli(root, "--out", out).code == 0
        base = root / "layouts/base.html"  # every page changes: the new pages need room
        base.write_text(base.read_text(encoding="utf-8") + "\n<!-- more room -->\n", encoding="utf-8")
        site = tree_digest(out)
        filler = fill(tmp_path / "disk")
        run = build_cli(root, "--out", out)
        problem = only_problem(run)
        assert problem.startswith(str(out)) and problem.endswith("cannot be written: No space left on device"), problem
        assert tree_digest(out) == site
        assert sorted(path.name for path in (tmp_path / "disk").iterdir()) == ["filler", "site"]
        filler.unlink()
        assert build_cli(root, "--out", out).code == 0
        # Pagefind numbers pages in directory order, which differs between file systems (this
        # tmpfs and the clean build's folder), and names its files by content: its index is left out.
        built, expected = tree_digest(out), clean_build(root)
        assert "pagefind/" in built or "pagefind/" not in expected
        assert {path: digest for path, digest in built.items() if not path.startswith("pagefind/")} == {
            path: digest for path, digest in expected.items() if not path.startswith("pagefind/")
        }


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))  # Python ignores SIGXFSZ: writes fail with EFBIG


def test_a_file_size_limit_is_a_clear_error_and_the_output_stays_as_it_was(tmp_path: Path) -> None:
    root = small_site(tmp_path)
    assert build_cli(root).code == 0
    edit_post(root, 0)
    site = tree_digest(root / "site")
    run = run_cli("build", "--source", root, preexec=_limit_file_size)
    problem = only_problem(run)
    assert problem.endswith("cannot be written: File too large"), problem
    assert tree_digest(root / "site") == site
    assert not (root / STAGING).exists()


# --- sources vanishing mid-build ----------------------------------------------------------------

# Runs the CLI with one pipeline step wrapped so that it first deletes the named paths: the
# deterministic form of an editor or `git checkout` removing files while a build reads them.
VANISHING = """
import shutil, sys
from pathlib import Path
import matinee.pipeline
from matinee.cli import main
step, victims, argv = sys.argv[1], [Path(p) for p in sys.argv[2].split(",")], sys.argv[3:]
users = [module for name, module in sys.modules.items() if name.startswith("matinee.") and hasattr(module, step)]
real = getattr(users[0], step)
def vanish_then(*args, **kwargs):
    for victim in victims:
        shutil.rmtree(victim) if victim.is_dir() else victim.unlink(missing_ok=True)
    return real(*args, **kwargs)
for module in users:
    if getattr(module, step) is real:
        setattr(module, step, vanish_then)
raise SystemExit(main(argv))
"""


def build_while_deleting(root: Path, step: str, *victims: Path) -> tuple[int, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", VANISHING, step, ",".join(map(str, victims)), "build", "--source", str(root)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    return done.returncode, [line for line in done.stderr.splitlines() if not line.startswith("Build failed")]


def test_a_post_deleted_between_finding_and_reading_is_a_clear_error(tmp_path: Path) -> None:
    root = small_site(tmp_path)
    assert build_cli(root).code == 0
    edit_post(root, 0)
    site = tree_digest(root / "site")
    code, problems = build_while_deleting(root, "load_source", root / "content/posts/beta.md")
    assert (code, problems) == (1, ["content/posts/beta.md: cannot be read: No such file or directory"])
    assert tree_digest(root / "site") == site
    assert build_cli(root).code == 0
    assert tree_digest(root / "site") == clean_build(root)


def test_a_folder_deleted_mid_build_is_a_clear_error_for_each_file(tmp_path: Path) -> None:
    root = small_site(tmp_path)
    for number in range(3):
        (root / f"content/posts/2024/p{number}.md").parent.mkdir(parents=True, exist_ok=True)
        (root / f"content/posts/2024/p{number}.md").write_text(post(f"P{number}"), encoding="utf-8")
    assert build_cli(root).code == 0
    edit_post(root, 0)
    site = tree_digest(root / "site")
    code, problems = build_while_deleting(root, "load_source", root / "content/posts/2024")
    assert code == 1
    assert problems == [
        f"content/posts/2024/p{number}.md: cannot be read: No such file or directory" for number in range(3)
    ]
    assert tree_digest(root / "site") == site


def test_a_file_to_copy_deleted_before_writing_is_a_clear_error_naming_it(tmp_path: Path) -> None:
    root = small_site(tmp_path)
    (root / "content/posts/alpha-files").mkdir()
    (root / "content/posts/alpha-files/still.jpg").write_bytes(b"not really a jpeg")
    assert build_cli(root).code == 0
    edit_post(root, 0)
    (root / "content/posts/alpha-files/still.jpg").write_bytes(b"changed, so it is copied again")
    site = tree_digest(root / "site")
    code, problems = build_while_deleting(root, "write_tree", root / "content/posts/alpha-files/still.jpg")
    assert (code, problems) == (1, ["content/posts/alpha-files/still.jpg: cannot be read: No such file or directory"])
    assert tree_digest(root / "site") == site
    assert not (root / STAGING).exists()


def test_a_layout_deleted_mid_build_is_a_clear_error(tmp_path: Path) -> None:
    root = small_site(tmp_path)
    assert build_cli(root).code == 0
    edit_post(root, 0)
    site = tree_digest(root / "site")
    code, problems = build_while_deleting(root, "replan", root / "layouts/post.html")  # as it plans
    assert code == 1 and problems, problems
    assert all(PROBLEM.match(problem) for problem in problems), problems
    assert any("post.html" in problem for problem in problems), problems
    assert tree_digest(root / "site") == site


def test_files_deleted_and_restored_during_builds_give_a_clear_answer_every_time(tmp_path: Path) -> None:
    root = small_site(tmp_path)
    for number in range(40):
        (root / f"content/posts/2024/p{number}.md").parent.mkdir(parents=True, exist_ok=True)
        (root / f"content/posts/2024/p{number}.md").write_text(post(f"P{number}", tags=["race"]), encoding="utf-8")
    assert build_cli(root).code == 0
    stop = threading.Event()

    def churn() -> None:  # delete and restore posts, as a `git checkout` of another branch would
        chance = random.Random(7)
        while not stop.is_set():
            path = root / f"content/posts/2024/p{chance.randrange(40)}.md"
            with contextlib.suppress(OSError):
                text = path.read_text(encoding="utf-8")
                path.unlink()
                time.sleep(0.002)
                path.write_text(text, encoding="utf-8")

    worker = threading.Thread(target=churn)
    worker.start()
    codes: list[int] = []
    try:
        for _ in range(4):
            edit_post(root, len(codes))
            run = build_cli(root)
            codes.append(run.code)
            assert run.code in (0, 1), run.stderr
            assert all(PROBLEM.match(problem) for problem in run.problems), run.stderr
    finally:
        stop.set()
        worker.join()
    assert build_cli(root).code == 0
    assert tree_digest(root / "site") == clean_build(root)


def test_a_source_file_without_read_permission_is_a_clear_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    root = small_site(tmp_path)
    (root / "content/posts/beta.md").chmod(0)
    try:
        run = build_cli(root)
    finally:
        (root / "content/posts/beta.md").chmod(0o644)
    assert only_problem(run) == f"content/posts/beta.md: cannot be read: {os.strerror(errno.EACCES)}"
