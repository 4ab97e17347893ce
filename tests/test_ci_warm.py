"""CI builds: the shipped workflow restores .matinee-cache/ and site/, and a fresh checkout reuses them."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import REPO, build_site, make_site, post, run_build
from PIL import Image

from matinee import parsing


def test_the_workflow_restores_and_saves_the_build_cache_keyed_by_the_sources() -> None:
    workflow = yaml.safe_load((REPO / ".github/workflows/deploy.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["build"]["steps"]
    names = [step.get("name", step.get("uses", "")) for step in steps]
    (cache,) = [step for step in steps if str(step.get("uses", "")).startswith("actions/cache@")]
    assert names.index(cache["name"]) < names.index("Build")  # restored before the build
    assert cache["with"]["path"].split() == [".matinee-cache", "site"]
    assert "hashFiles('content/**', 'layouts/**', 'config.yaml')" in cache["with"]["key"]
    assert cache["with"]["key"].startswith(cache["with"]["restore-keys"].strip())  # an older cache is restored


def _a_post_with_a_picture_and_one_without(tmp_path: Path) -> dict[str, str | bytes]:
    still = tmp_path / "still.jpg"
    Image.effect_noise((1000, 500), 40).convert("RGB").save(still)
    return {
        "content/posts/dune/index.md": post("Dune", image="still.jpg", body="Sand, *wind*.\n"),
        "content/posts/dune/still.jpg": still.read_bytes(),
        "content/posts/other.md": post("Other", body="No picture.\n"),
    }


def test_a_fresh_checkout_with_the_cache_restored_parses_and_resizes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    files = _a_post_with_a_picture_and_one_without(tmp_path)
    first = make_site(tmp_path / "first", files)
    build_site(first)
    checkout = tmp_path / "checkout"  # as `git clone` makes it: new mtimes and inodes, no site/
    shutil.copytree(first, checkout, copy_function=shutil.copy, ignore=shutil.ignore_patterns("site", ".matinee-*"))
    shutil.copytree(first / ".matinee-cache", checkout / ".matinee-cache")  # as actions/cache restores it
    variants = sorted(path.name for path in (checkout / ".matinee-cache/images").iterdir())
    parsed: list[int] = []
    parse_batch = parsing.parse_batch
    monkeypatch.setattr(
        parsing, "parse_batch", lambda batch, **kw: parsed.append(len(batch)) or parse_batch(batch, **kw)
    )
    caplog.set_level(logging.INFO, logger="matinee.images")
    out = build_site(checkout)
    assert not [message for message in caplog.messages if message.startswith("Made")]
    assert sorted(path.name for path in (checkout / ".matinee-cache/images").iterdir()) == variants
    assert parsed == []  # no source parsed again, so no Markdown converted either
    assert (out / "2024/01/dune/still-960w.webp").is_file()
    assert sorted(path.relative_to(out) for path in out.rglob("*")) == sorted(
        path.relative_to(first / "site") for path in (first / "site").rglob("*")
    )


def test_a_fresh_checkout_with_the_cache_and_site_restored_writes_only_the_new_post(tmp_path: Path) -> None:
    files = _a_post_with_a_picture_and_one_without(tmp_path)
    sources = make_site(tmp_path / "repo", files)
    checkout = tmp_path / "workspace"  # a runner's workspace: the same path in every run
    shutil.copytree(sources, checkout, copy_function=shutil.copy)
    build_site(checkout)
    saved = tmp_path / "saved"  # actions/cache saves and restores with tar, which keeps mtimes
    for name in (".matinee-cache", "site"):
        shutil.copytree(checkout / name, saved / name)
    shutil.rmtree(checkout)
    shutil.copytree(sources, checkout, copy_function=shutil.copy)  # the next run's fresh checkout
    for name in (".matinee-cache", "site"):
        shutil.copytree(saved / name, checkout / name)
    (checkout / "content/posts/new.md").write_text(post("New", date="2024-01-02"), encoding="utf-8")
    _, report = run_build(checkout)
    assert "2024/01/new/index.html" in report.touched
    assert "2024/01/dune/index.html" not in report.touched
    assert not [path for path in report.touched if path.startswith("2024/01/dune/")]  # its picture is not copied
