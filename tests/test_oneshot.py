"""A one-shot `build` after an edit starts from the state the last one saved (snapshot.py)
and still makes exactly what a clean build makes."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import NOW, make_site, post
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_incremental import (
    SERVE_START,
    TAGS,
    _age,
    _apply_serve,
    _clean_build,
    _replace,
    _signatures,
    _tree,
    build_noting_stamp,
    serve_edits,
)

from matinee import parsing, pipeline, snapshot
from matinee.cache import BuildCache
from matinee.config import load_config
from matinee.errors import MatineeError, flatten
from matinee.pipeline import Report
from matinee.snapshot import snapshot_path
from matinee.stamp import scan_inputs


def _one_shot(root: Path, now: datetime = NOW) -> Report:
    """Build `root` as `matinee build` does: noting the stamp, from the saved state if any."""
    return build_noting_stamp(load_config(root, out_dir=root / "site"), now)


def _edit(root: Path, rel: str, change: Callable[[str], str]) -> None:
    """Edit one source, then date it back so that its stat vouches for its bytes (as a file
    saved a few seconds before the build does; see content.RACY_NS)."""
    path = root / rel
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    _age(root, (rel,))


def _site(tmp_path: Path, count: int = 12) -> Path:
    """A site of `count` posts over a few tags, with neighbours and related posts, built once."""
    files: dict[str, str | bytes] = {
        f"content/posts/p{number}.md": post(
            f"Story {number}", date=f"2024-{number % 12 + 1:02d}-{number % 28 + 1:02d}", tags=[TAGS[number % 3]]
        )
        for number in range(count)
    }
    files["config.yaml"] = 'title: "Test Reel"\nbase_url: "https://example.org/"\nper_page: 3\n'
    root = make_site(tmp_path, files)
    _age_inputs(root)
    _one_shot(root)
    assert snapshot_path(load_config(root, out_dir=root / "site")).is_file()
    return root


def _edit_body_and_build(root: Path, modelled: list[str]) -> Report:
    """Edit one post's body (EDITS["body"]), then build as `matinee build` does, noting
    afresh in `modelled` whether the build modelled the site."""
    EDITS["body"](root)
    modelled.clear()
    return _one_shot(root)


def _age_inputs(root: Path) -> None:
    """Date every input (content, layouts, config) back, so that their stats vouch for them."""
    _age(root)
    _age(root, ("config.yaml", *(path.relative_to(root).as_posix() for path in (root / "layouts").rglob("*"))))


@pytest.fixture
def modelled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Note each time a build models the site afresh (rather than swapping posts into a saved model)."""
    calls: list[str] = []
    real = pipeline.model_site
    monkeypatch.setattr(pipeline, "model_site", lambda *args, **kwargs: calls.append("model") or real(*args, **kwargs))
    return calls


EDITS: dict[str, Callable[[Path], None]] = {
    "body": lambda root: _edit(root, "content/posts/p5.md", lambda text: text + "\nThe studio confirmed the cut.\n"),
    "title": lambda root: _edit(root, "content/posts/p5.md", lambda text: text.replace("Story 5", "Story five")),
    "date": lambda root: _edit(root, "content/posts/p5.md", lambda text: text.replace("2024-06-06", "2023-01-02")),
    "tag": lambda root: _edit(root, "content/posts/p5.md", lambda text: text.replace("festivals", "news")),
    "new post": lambda root: (root / "content/posts/p99.md").write_text(post("New", date="2024-03-03", tags=["news"])),
    "deleted post": lambda root: (root / "content/posts/p4.md").unlink(),
    "renamed post": lambda root: (root / "content/posts/p4.md").rename(root / "content/posts/p44.md"),
    "layout": lambda root: _replace(root / "layouts/post.html", "</article>", "</article><!-- edited -->"),
    "config": lambda root: _replace(root / "config.yaml", "per_page: 3", "per_page: 2"),
    "picture": lambda root: (root / "content/posts/still.png").write_bytes(b"not yet used"),
}
SWAPPED = {"body", "title"}  # edits that keep the post in its place: swapped into the saved model


@pytest.mark.parametrize("edit", list(EDITS))
def test_a_one_shot_build_after_an_edit_matches_a_clean_build(tmp_path: Path, modelled: list[str], edit: str) -> None:
    root = _site(tmp_path)
    EDITS[edit](root)
    modelled.clear()
    _one_shot(root)
    assert modelled == ([] if edit in SWAPPED else ["model"])
    assert _tree(root / "site") == _clean_build(root)


def test_a_one_shot_build_after_a_body_edit_reads_only_that_post(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, modelled: list[str]
) -> None:
    """No other source is looked up in the cache or read: they come with the saved model."""
    root = _site(tmp_path)
    looked_up: list[str] = []
    real = BuildCache.unchanged
    monkeypatch.setattr(
        BuildCache, "unchanged", lambda self, files: looked_up.extend(f.rel for f in files) or real(self, files)
    )
    read: list[str] = []
    real_load = parsing.load_source
    monkeypatch.setattr(parsing, "load_source", lambda file: read.append(file.rel) or real_load(file))
    report = _edit_body_and_build(root, modelled)
    assert looked_up == read == ["content/posts/p5.md"]
    assert modelled == []
    assert 0 < report.changed < 12
    assert "The studio confirmed the cut." in (root / "site/2024/06/p5/index.html").read_text(encoding="utf-8")


def test_a_date_edit_models_the_site_from_the_saved_parsed_posts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _site(tmp_path)
    read: list[str] = []
    real_load = parsing.load_source
    monkeypatch.setattr(parsing, "load_source", lambda file: read.append(file.rel) or real_load(file))
    EDITS["date"](root)
    _one_shot(root)
    assert read == ["content/posts/p5.md"]
    assert _tree(root / "site") == _clean_build(root)


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: data[: len(data) // 2],
        lambda data: data[:-10] + b"0123456789",
        lambda data: b"not a saved state at all",
        lambda data: data[:100] + bytes([data[100] ^ 1]) + data[101:],
    ],
    ids=["empty", "truncated", "damaged end", "foreign", "one bit"],
)
def test_a_damaged_saved_state_is_ignored(
    tmp_path: Path, modelled: list[str], damage: Callable[[bytes], bytes]
) -> None:
    root = _site(tmp_path)
    path = snapshot_path(load_config(root, out_dir=root / "site"))
    path.write_bytes(damage(path.read_bytes()))
    _edit_body_and_build(root, modelled)
    assert modelled == ["model"], "built from the sources, not from the damaged file"
    assert path.stat().st_size > 1000, "saved afresh"
    assert _tree(root / "site") == _clean_build(root)


def test_a_state_saved_by_other_code_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, modelled: list[str]
) -> None:
    root = _site(tmp_path)
    monkeypatch.setattr(snapshot, "code_digest", lambda: "another version of matinee")
    _edit_body_and_build(root, modelled)
    assert modelled == ["model"]
    assert _tree(root / "site") == _clean_build(root)


def test_a_folder_in_place_of_the_saved_state_is_no_error(tmp_path: Path) -> None:
    root = _site(tmp_path)
    path = snapshot_path(load_config(root, out_dir=root / "site"))
    path.unlink()
    path.mkdir()
    EDITS["title"](root)
    _one_shot(root)
    assert _tree(root / "site") == _clean_build(root)


def test_an_old_saved_state_still_gives_a_clean_build(tmp_path: Path, modelled: list[str]) -> None:
    """A state saved several builds ago (others edited posts, moved them and saved theirs since)
    is compared with the sources as they are now, not with the last build's."""
    root = _site(tmp_path)
    path = snapshot_path(load_config(root, out_dir=root / "site"))
    old = path.read_bytes()
    EDITS["body"](root)
    _one_shot(root)  # on the swap path: the saved state stays as it was
    assert path.read_bytes() == old
    EDITS["date"](root)
    _one_shot(root)  # modelled afresh: saved again
    assert path.read_bytes() != old
    _edit(root, "content/posts/p7.md", lambda text: text + "\nA later edit.\n")
    _one_shot(root)
    path.write_bytes(old)  # as if the last two builds had not saved theirs
    _edit(root, "content/posts/p2.md", lambda text: text.replace("Story 2", "Story two"))
    modelled.clear()
    _one_shot(root)
    assert modelled == ["model"], "p5 moved since the state was saved: no swap"
    assert _tree(root / "site") == _clean_build(root)


def test_edits_since_the_saved_state_are_swapped_in_together(tmp_path: Path, modelled: list[str]) -> None:
    root = _site(tmp_path)
    for number in (3, 8, 3, 10):
        _edit(root, f"content/posts/p{number}.md", lambda text, n=number: text + f"\nEdit of {n}.\n")
        modelled.clear()
        _one_shot(root)
        assert modelled == []
        assert _tree(root / "site") == _clean_build(root)


def test_a_built_file_edited_by_hand_is_built_again_from_a_saved_state(tmp_path: Path, modelled: list[str]) -> None:
    """The saved plan cannot render it: every output is planned afresh."""
    root = _site(tmp_path)
    far = root / "site/2024/01/p0/index.html"
    far.write_text("edited by hand", encoding="utf-8")
    (root / "site/tags/news/index.html").unlink()
    _edit_body_and_build(root, modelled)
    assert modelled == []
    assert _tree(root / "site") == _clean_build(root)


def test_a_failed_one_shot_build_leaves_the_saved_state_as_it_was(tmp_path: Path) -> None:
    root = _site(tmp_path)
    path = snapshot_path(load_config(root, out_dir=root / "site"))
    old = path.read_bytes()
    _edit(root, "content/posts/p1.md", lambda text: text + "\n[gone](missing.md)\n")
    with pytest.raises(ExceptionGroup, match="errors"):
        _one_shot(root)
    assert path.read_bytes() == old
    _edit(root, "content/posts/p2.md", lambda text: text + "\nMore.\n")
    with pytest.raises(ExceptionGroup, match="errors"):
        _one_shot(root)  # p1's mistake is still found: it changed since the saved state
    _edit(root, "content/posts/p1.md", lambda text: text.replace("[gone](missing.md)", "fixed"))
    _one_shot(root)
    assert _tree(root / "site") == _clean_build(root)


def test_a_saved_state_is_kept_per_output_folder(tmp_path: Path) -> None:
    root = _site(tmp_path)
    config = load_config(root, out_dir=root / "elsewhere")
    build_noting_stamp(config)
    assert snapshot_path(config) != snapshot_path(load_config(root, out_dir=root / "site"))
    assert _tree(root / "elsewhere") == _tree(root / "site")


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(st.lists(serve_edits, min_size=1, max_size=5))
def test_one_shot_builds_from_saved_states_match_clean_builds(tmp_path: Path, steps: list[tuple[object, ...]]) -> None:
    """Edits of every kind (fields, layouts, config, renames, deletions, the clock), each
    followed by a one-shot build starting from the last saved state."""
    with tempfile.TemporaryDirectory(dir=tmp_path) as scratch:
        root = make_site(Path(scratch), SERVE_START)
        now = NOW
        _age_inputs(root)
        _one_shot(root, now)
        for step in steps:
            before = _signatures(root)
            _apply_serve(root, step)
            after = _signatures(root)
            _age(root, tuple(path for path in before.keys() | after.keys() if before.get(path) != after.get(path)))
            if step[0] == "clock":
                now += timedelta(days=int(step[1]))  # type: ignore[call-overload]
            try:
                _one_shot(root, now)
            except (MatineeError, ExceptionGroup):  # e.g. two posts at one URL: a clean build fails too
                with pytest.raises((MatineeError, ExceptionGroup)):
                    _clean_build(root, now)
                continue
            assert _tree(root / "site") == _clean_build(root, now), f"after {step}"
        shutil.rmtree(root)


def test_an_editor_s_swap_file_beside_the_edited_post_keeps_the_swap_path(tmp_path: Path, modelled: list[str]) -> None:
    root = _site(tmp_path)
    (root / "content/posts/.p5.md.swp").write_bytes(b"vim's")
    _edit_body_and_build(root, modelled)
    assert modelled == []
    assert _tree(root / "site") == _clean_build(root)


def test_a_broken_link_added_since_the_saved_state_is_reported(tmp_path: Path) -> None:
    root = _site(tmp_path)
    (root / "content/posts/gone.md").symlink_to(root / "nowhere.md")
    EDITS["body"](root)
    with pytest.raises((MatineeError, ExceptionGroup)) as caught:
        _one_shot(root)
    assert any(error.path == "content/posts/gone.md" for error in flatten(caught.value))


def test_a_saved_state_is_saved_again_once_many_files_changed_since(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, modelled: list[str]
) -> None:
    """Each later build would otherwise parse and swap in every post edited since."""
    monkeypatch.setattr(snapshot, "DRIFT", 1)
    root = _site(tmp_path)
    path = snapshot_path(load_config(root, out_dir=root / "site"))
    old = path.read_bytes()
    _edit(root, "content/posts/p3.md", lambda text: text + "\nOne.\n")
    _one_shot(root)
    assert path.read_bytes() == old
    _edit(root, "content/posts/p8.md", lambda text: text + "\nTwo.\n")
    modelled.clear()
    _one_shot(root)
    assert modelled == [], "still swapped in"
    assert path.read_bytes() != old
    _edit(root, "content/posts/p9.md", lambda text: text + "\nThree.\n")
    _one_shot(root)
    assert modelled == []
    assert _tree(root / "site") == _clean_build(root)


def test_the_saved_model_reads_back_holding_the_saved_parsed_objects_themselves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshot, "BATCH", 5)  # the parsed sources over several pickles
    root = _site(tmp_path)
    config = load_config(root, out_dir=root / "site")
    kept = snapshot.resume(config, scan_inputs(config))
    assert kept.parsed is not None and kept.modelled is not None and kept.changed == ()
    parsed = {rel: item for rel, (_, item) in kept.parsed.items()}
    site = kept.modelled.site
    assert len(site.posts) == 12 and all(post is parsed[post.source] for post in site.posts)
    listed = [post for taxonomy in site.taxonomies for term in taxonomy.terms for post in term.posts]
    assert listed and all(post is parsed[post.source] for post in listed)
