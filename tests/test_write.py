"""write.py: a new tree beside the output folder, swapped in only after a full success."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from pathlib import Path

import pytest
from conftest import build_site, errors_of, image_bytes, make_site, post, run_build

from matinee import commit
from matinee.errors import MatineeError
from matinee.manifest import Manifest, read_manifest
from matinee.memo import Planned
from matinee.model import Asset
from matinee.render import Rendering
from matinee.write import write_tree


def tree_digest(folder: Path) -> dict[str, str]:
    """Return path -> sha256 for every file, and path -> 'dir' for every folder, under `folder`."""
    digest = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            digest[rel] = "link:" + str(path.readlink())
        elif path.is_dir():
            digest[rel] = "dir"
        else:
            digest[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


def outside(folder: Path, *allowed: Path) -> dict[str, str]:
    """Return tree_digest(folder) without anything under the `allowed` folders."""
    skipped = [path.relative_to(folder).as_posix() for path in allowed]
    return {
        rel: value
        for rel, value in tree_digest(folder).items()
        if not any(rel == skip or rel.startswith(skip + "/") for skip in skipped)
    }


def good_site(tmp_path: Path) -> Path:
    return make_site(
        tmp_path,
        {
            "content/posts/a.md": post("A", date="2024-01-02", tags=["news"]),
            "content/posts/b.md": post("B", date="2024-01-03", tags=["only-b"]),
            "content/posts/2024/bundle/index.md": post("Bundle", date="2024-01-04"),
            "content/posts/2024/bundle/still.png": b"PNG",
            "content/about.md": "---\ntitle: About\n---\nUs.\n",
        },
    )


BREAKAGES: dict[str, dict[str, str]] = {
    "bad front matter": {"content/posts/c.md": "---\ntitle: C\ndate: 2024-13-01\n---\n"},
    "bad layout": {"layouts/post.html": '{% extends "base.html" %}{% block main %}{{ nope }}{% endblock %}'},
    "layout syntax": {"layouts/index.html": "{% for %}"},
    "clashing output": {"content/posts/c.md": post("C", aliases=["/archive/"])},
    "clashing permalink": {"content/posts/c.md": post("C", date="2024-01-02", slug="a")},
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_a_failed_build_leaves_the_previous_output_byte_identical(tmp_path: Path, breakage: str) -> None:
    root = good_site(tmp_path)
    out = build_site(root)
    before = tree_digest(out)
    siblings = sorted(path.name for path in out.parent.iterdir())
    for rel, text in BREAKAGES[breakage].items():
        (root / rel).write_text(text, encoding="utf-8")
    assert errors_of(root)
    assert tree_digest(out) == before
    assert sorted(path.name for path in out.parent.iterdir()) == siblings, "no half-built tree left"


def test_a_failed_first_build_writes_no_output_folder(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/c.md": "---\ntitle: C\n---\n"})
    assert errors_of(root)
    assert not (root / "site").exists()
    assert sorted(path.name for path in root.iterdir() if path.name != ".matinee-cache") == [
        "config.yaml",
        "content",
        "layouts",
    ]


def test_a_rebuild_removes_what_the_site_no_longer_has(tmp_path: Path) -> None:
    root = good_site(tmp_path)
    out = build_site(root)
    assert (out / "2024/01/b/index.html").is_file() and (out / "tags/only-b/index.html").is_file()
    (root / "content/posts/b.md").unlink()
    build_site(root)
    assert not (out / "2024/01/b").exists()
    assert not (out / "tags/only-b").exists()
    assert (out / "2024/01/a/index.html").is_file()


def test_a_rebuild_with_no_change_writes_the_same_bytes(tmp_path: Path) -> None:
    root = good_site(tmp_path)
    first = tree_digest(build_site(root))
    assert tree_digest(build_site(root)) == first


def test_a_changed_post_changes_its_page(tmp_path: Path) -> None:
    root = good_site(tmp_path)
    out = build_site(root)
    (root / "content/posts/a.md").write_text(post("A", date="2024-01-02", body="New words."))
    build_site(root)
    assert "New words." in (out / "2024/01/a/index.html").read_text(encoding="utf-8")


def test_the_report_counts_the_files_written(tmp_path: Path) -> None:
    out, report = run_build(good_site(tmp_path))
    assert report.files == sum(1 for path in out.rglob("*") if path.is_file())
    assert report.posts == 3


def test_an_out_dir_in_a_new_nested_folder_is_created(tmp_path: Path) -> None:
    out = build_site(good_site(tmp_path), out_dir=tmp_path / "deep/er/public")
    assert (out / "index.html").is_file()


def test_a_foreign_non_empty_folder_is_not_replaced(tmp_path: Path) -> None:
    root = good_site(tmp_path)
    foreign = tmp_path / "documents"
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("years of work", encoding="utf-8")
    before = tree_digest(foreign)
    (message,) = errors_of(root, out_dir=foreign)
    assert "documents" in message
    assert tree_digest(foreign) == before


def clean_tree(root: Path) -> dict[str, str]:
    """Return tree_digest of a clean build of a copy of `root`'s sources (no cache, no old output)."""
    copy = root.parent / "clean-copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("site", ".matinee-cache"))
    return tree_digest(build_site(copy))


# A page's output is a folder (about/index.html), a plain file's is a file (about): one name,
# a folder in one build and a file in the next.
SAME_NAME = {"page": ("content/about.md", "---\ntitle: About\n---\nUs.\n"), "file": ("content/about", "plain")}


@pytest.mark.parametrize(("old", "new"), [("page", "file"), ("file", "page")])
def test_a_file_replacing_a_folder_of_the_same_name_builds_as_a_clean_build_does(
    tmp_path: Path, old: str, new: str
) -> None:
    root = good_site(tmp_path)
    (root / "content/about.md").unlink()
    (root / SAME_NAME[old][0]).write_text(SAME_NAME[old][1], encoding="utf-8")
    (root / "content/zzz.txt").write_text("one", encoding="utf-8")
    build_site(root)
    (root / SAME_NAME[old][0]).unlink()
    (root / SAME_NAME[new][0]).write_text(SAME_NAME[new][1], encoding="utf-8")
    (root / "content/zzz.txt").write_text("two", encoding="utf-8")
    out = build_site(root)
    assert (out / "about").is_dir() == (new == "page")
    assert tree_digest(out) == clean_tree(root)


def test_a_folder_the_last_build_did_not_record_is_moved_out_of_a_file_s_way(tmp_path: Path) -> None:
    root = good_site(tmp_path)
    out = build_site(root)
    (out / "about/notes.txt").write_text("left here by hand", encoding="utf-8")
    (root / "content/about.md").unlink()
    (root / "content/about").write_text("plain", encoding="utf-8")
    build_site(root)
    assert tree_digest(out) == clean_tree(root)


def _fail_moving_in(monkeypatch: pytest.MonkeyPatch, out: Path, moved: int, *, then_all: bool = False) -> list[str]:
    """Make the `moved`-th move of a staged file into `out` fail (and, `then_all`, every
    os.replace after it, as on a disk that stopped working); return the moves tried."""
    real, moves, broken = os.replace, [], []
    staging = out.with_name(f".{out.name}.matinee-new")

    def replace(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        if not broken and Path(source).is_relative_to(staging) and Path(target).is_relative_to(out):
            moves.append(str(target))
            if len(moves) == moved:
                broken.append(target)
                raise OSError(errno.EIO, os.strerror(errno.EIO), str(source), None, str(target))
        if broken and then_all:
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(source), None, str(target))
        real(source, target)

    monkeypatch.setattr(os, "replace", replace)
    return moves


def edit_widely(root: Path, *, swap: bool = True) -> None:
    """Change every page, delete a post and (`swap`) turn the about page into a plain file."""
    base = root / "layouts/base.html"
    base.write_text(base.read_text(encoding="utf-8") + "\n<!-- edited -->\n", encoding="utf-8")
    (root / "content/posts/b.md").unlink()
    if swap:
        (root / "content/about.md").unlink()
        (root / "content/about").write_text("plain", encoding="utf-8")


@pytest.mark.parametrize("swap", [False, True], ids=["edits", "edits and a page turned file"])
@pytest.mark.parametrize("moved", [2, 9, 15])  # of 15 moves: the last one too
def test_a_commit_failing_half_way_leaves_the_output_byte_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moved: int, swap: bool
) -> None:
    root = good_site(tmp_path)
    out = build_site(root)
    edit_widely(root, swap=swap)
    before = tree_digest(out)
    siblings = sorted(path.name for path in out.parent.iterdir())
    with monkeypatch.context() as patch:
        moves = _fail_moving_in(patch, out, moved)
        with pytest.raises(MatineeError, match="cannot be written: Input/output error"):
            build_site(root)
    assert len(moves) == moved, "the failure did not land inside the commit"
    assert tree_digest(out) == before
    assert sorted(path.name for path in out.parent.iterdir()) == siblings, "no staging folder left"
    build_site(root)
    assert tree_digest(out) == clean_tree(root)


def test_a_commit_that_cannot_be_undone_is_finished_by_the_next_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = good_site(tmp_path)
    out = build_site(root)
    edit_widely(root)
    staging = out.with_name(".site.matinee-new")
    with monkeypatch.context() as patch:
        _fail_moving_in(patch, out, 5, then_all=True)  # nothing can be moved back either
        with pytest.raises(MatineeError, match="cannot be written: Input/output error"):
            build_site(root)
    assert (staging / ".matinee-commit").exists(), "the half-done commit is kept for the next build"
    build_site(root)
    assert tree_digest(out) == clean_tree(root)
    assert not staging.exists()


# --- nothing is written outside the output folder -----------------------------------------

HOSTILE: dict[str, str | bytes] = {
    "content/posts/a.md": post(
        "../../../../etc/passwd",
        date="2024-01-02",
        tags=["../../escape", "/etc/cron.d"],
        films=["../../../films", "..\\..\\win"],
        people=["~/.ssh/authorized_keys"],
        aliases=["/old/path/", "//twice//slashed"],
        slug="ok",
    ),
    "content/posts/2024/../b.md": post("B", date="2024-01-03"),
    "content/../outside.md": "---\ntitle: not content\n---\n",
}


def test_hostile_titles_terms_and_aliases_stay_inside_the_output_folder(tmp_path: Path) -> None:
    root = make_site(tmp_path, HOSTILE)
    before = outside(tmp_path, root / ".matinee-cache")
    out = build_site(root)
    after = outside(tmp_path, out, root / ".matinee-cache")
    assert after == before
    assert (out / "old/path/index.html").is_file()
    assert (out / "twice/slashed/index.html").is_file()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("aliases", '["../../../pwned/"]'),
        ("aliases", '["/ok/../../../pwned/"]'),
        ("slug", '"../../pwned"'),
        ("slug", '"..%2F..%2Fpwned"'),
        ("layout", '"../../../pwned"'),
    ],
)
def test_a_path_that_would_leave_the_output_folder_is_refused(tmp_path: Path, key: str, value: str) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", **{key: value})})
    before = outside(tmp_path, root / ".matinee-cache")
    (message,) = errors_of(root)
    assert message.startswith(f"content/posts/a.md:3: {'alias' if key == 'aliases' else key} ")
    assert outside(tmp_path, root / ".matinee-cache") == before
    assert not list(tmp_path.rglob("pwned*"))


def test_a_file_where_another_output_needs_a_folder_is_a_clear_error(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A"), "content/about.md": "---\ntitle: About\n---\nUs.\n"})
    build_site(root)
    before = {path: path.read_bytes() for path in (root / "site").rglob("*") if path.is_file()}
    (root / "content/about").write_text("a plain file", encoding="utf-8")
    with pytest.raises(MatineeError) as caught:
        build_site(root)
    assert str(caught.value) == (
        "about: would be a file, but about/index.html needs it as a folder; rename one of their sources"
    )
    assert {path: path.read_bytes() for path in (root / "site").rglob("*") if path.is_file()} == before


def test_a_killed_commit_finished_by_the_next_build_leaves_no_file_unaccounted_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = good_site(tmp_path)
    (root / "content/posts/secret.md").write_text(post("Secret", draft="true"), encoding="utf-8")
    out = build_site(root)
    real, moved = commit._Commit._move_in, []

    def killed_after_three(undoable: commit._Commit, rel: str) -> None:
        if len(moved) == 3:
            raise KeyboardInterrupt  # as a kill: nothing is undone, the marker stays
        moved.append(rel)
        real(undoable, rel)

    with monkeypatch.context() as patch:
        patch.setattr(commit._Commit, "_move_in", killed_after_three)
        with pytest.raises(KeyboardInterrupt):
            build_site(root, drafts=True)  # the draft's page is among the files to move in
    build_site(root)  # finishes that commit, then builds without drafts
    assert tree_digest(out) == clean_tree(root)


def many_bundles(tmp_path: Path, count: int = 120) -> Path:
    """A site with enough pages for a build to render on every core, each post with a picture."""
    files: dict[str, str | bytes] = {}
    for number in range(count):
        folder = f"content/posts/2024/{number % 12 + 1:02}/p{number}"
        files[f"{folder}/index.md"] = post(
            f"Post {number}", date=f"2024-{number % 12 + 1:02}-02", tags=[f"t{number % 7}"]
        )
        files[f"{folder}/still.png"] = f"PNG {number}".encode()
    return make_site(tmp_path, files)


def test_a_build_on_every_core_writes_what_a_build_in_one_process_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages and assets are written by the workers that made them, into folders made once."""
    root = many_bundles(tmp_path)
    shared = tree_digest(build_site(root, out_dir=root / "shared"))
    monkeypatch.setattr("matinee.fanout.shares_for", lambda items: 1)
    alone = tree_digest(build_site(root, out_dir=root / "alone"))
    assert shared == alone
    assert shared["2024/07/p6/still.png"] == hashlib.sha256(b"PNG 6").hexdigest()


def test_a_full_build_makes_each_output_folder_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = many_bundles(tmp_path, count=12)
    monkeypatch.setattr("matinee.fanout.shares_for", lambda items: 1)
    made: list[str] = []
    real_mkdir = os.mkdir

    def mkdir(path: str | os.PathLike[str], mode: int = 0o777) -> None:
        made.append(os.fspath(path))
        real_mkdir(path, mode)

    monkeypatch.setattr(os, "mkdir", mkdir)
    out = build_site(root)
    staged = [path for path in made if ".matinee-new" in path]
    assert len(staged) == len(set(staged)) == sum(1 for path in out.rglob("*") if path.is_dir()) + 1  # + its root


# --- an output folder restored from a CI cache --------------------------------------------


def pictured_site(tmp_path: Path) -> Path:
    """good_site with a post showing a JPEG (so image variants are copied too)."""
    root = good_site(tmp_path)
    (root / "content/posts/2024/bundle/index.md").write_text(
        post("Bundle", date="2024-01-04", image="still.jpg", image_alt="A still"), encoding="utf-8"
    )
    (root / "content/posts/2024/bundle/still.jpg").write_bytes(image_bytes(1000, 600, "JPEG"))
    return root


def as_restored(*folders: Path) -> None:
    """Give every file a new mtime, as a fresh checkout and a cache restored by CI do."""
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                stat = path.stat()
                os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 7_000_000_000))


def test_a_restored_output_folder_with_new_mtimes_is_neither_rendered_nor_written(tmp_path: Path) -> None:
    root = pictured_site(tmp_path)
    out = build_site(root)
    assert any(path.suffix == ".webp" for path in out.rglob("*")), "the test needs image variants"
    as_restored(root / "content", root / "layouts", out)
    _, report = run_build(root)
    assert report.touched == ()
    assert tree_digest(out) == clean_tree(root)
    _, report = run_build(root)  # the new mtimes are recorded: the next build only stats
    assert report.touched == ()


@pytest.mark.parametrize(
    "edited", ["2024/01/a/index.html", "2024/01/bundle/still.jpg", "2024/01/bundle/still-480w.webp"]
)
def test_a_restored_file_edited_by_hand_is_rebuilt(tmp_path: Path, edited: str) -> None:
    root = pictured_site(tmp_path)
    out = build_site(root)
    as_restored(root / "content", root / "layouts", out)
    original = (out / edited).read_bytes()
    (out / edited).write_bytes(original[:-1] + bytes([original[-1] ^ 1]))  # same size, new bytes
    _, report = run_build(root)
    assert edited in report.touched
    assert tree_digest(out) == clean_tree(root)


@pytest.mark.parametrize("count", [0, 1, 2_345])
def test_the_manifest_saved_a_chunk_at_a_time_is_what_one_json_dumps_gives(tmp_path: Path, count: int) -> None:
    """save_manifest writes SAVE_CHUNK entries at a time (the whole text at once was the build's
    peak memory); the file stays the one json.dumps would write, and reads back the same."""
    import json

    from matinee.manifest import MANIFEST_VERSION, SAVE_CHUNK, Entry, read_manifest, save_manifest

    assert count < SAVE_CHUNK or count > 2 * SAVE_CHUNK  # several chunks, the last one short
    out = tmp_path / "site"
    out.mkdir()
    files = {}
    for number in range(count):
        rel = f"p{number}/index.html"
        (out / f"p{number}").mkdir()
        (out / rel).write_bytes(b"x" * number)
        stat = (out / rel).stat()
        files[rel] = Entry(f'key {number} \u00e9"', "0" * 32, number, stat.st_mtime_ns, number % 2 == 0)
    path = tmp_path / "cache" / "outputs.json"
    save_manifest(path, out, files)
    listed = {rel: [e.key, e.content, e.size, e.mtime_ns, e.searchable] for rel, e in files.items()}
    text = path.read_text(encoding="utf-8")
    generation = json.loads(text)["generation"]
    stored = {"version": MANIFEST_VERSION, "out_dir": str(out.resolve()), "generation": generation, "files": listed}
    assert text == json.dumps(stored)
    assert read_manifest(out, path).files == files


def _write(out: Path, planned: tuple[Planned, ...], assets: list[Asset]) -> Manifest:
    """Write `planned` and `assets` over the last build in `out`, as a build does; return its manifest."""
    saved = out.parent / "manifest.json"
    previous = read_manifest(out, saved)
    rendering = Rendering(planned, {path: entry.key for path, entry in previous.files.items()})
    write_tree(rendering, assets, out, saved, previous)
    return read_manifest(out, saved)


def test_a_drawn_asset_is_drawn_only_when_the_output_folder_lacks_it(tmp_path: Path) -> None:
    drawn: list[str] = []

    def card() -> bytes:
        drawn.append("card")
        return b"\xff\xd8 a share card"

    out = tmp_path / "site"
    home = (Planned("index.html", "home", lambda: b"<p>Home</p>"),)
    asset = Asset(tmp_path / "config.yaml", "config.yaml", "assets/share/0123abcd.jpg", drawn=card)
    _write(out, home, [asset])
    assert (out / asset.rel_out).read_bytes() == b"\xff\xd8 a share card" and drawn == ["card"]
    _write(out, home, [asset])
    assert drawn == ["card"]  # its name says what it shows: in the folder, it is not drawn again
    (out / asset.rel_out).unlink()
    _write(out, home, [asset])
    assert drawn == ["card", "card"] and (out / asset.rel_out).is_file()
    assert asset.rel_out not in _write(out, home, []).files and not (out / asset.rel_out).exists()


def test_a_page_is_searchable_whatever_the_case_of_its_pagefind_attribute(tmp_path: Path) -> None:
    pages = (
        Planned("a/index.html", "a", lambda: b"<main DATA-Pagefind-Body><p>Dune</p></main>"),
        Planned("b/index.html", "b", lambda: b"<main><p>Heat</p></main>"),
    )
    files = _write(tmp_path / "site", pages, []).files
    assert files["a/index.html"].searchable and not files["b/index.html"].searchable
