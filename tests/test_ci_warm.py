"""CI builds: the shipped workflow restores .matinee-cache/, and a fresh checkout reuses it."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import REPO, build_site, make_site, post
from PIL import Image

from matinee import parsing


def test_the_workflow_restores_and_saves_the_build_cache_keyed_by_the_sources() -> None:
    workflow = yaml.safe_load((REPO / ".github/workflows/deploy.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["build"]["steps"]
    names = [step.get("name", step.get("uses", "")) for step in steps]
    (cache,) = [step for step in steps if str(step.get("uses", "")).startswith("actions/cache@")]
    assert names.index(cache["name"]) < names.index("Build")  # restored before the build
    assert cache["with"]["path"] == ".matinee-cache"
    assert "hashFiles('content/**', 'layouts/**', 'config.yaml')" in cache["with"]["key"]
    assert cache["with"]["key"].startswith(cache["with"]["restore-keys"].strip())  # an older cache is restored


def test_a_fresh_checkout_with_the_cache_restored_parses_and_resizes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    still = tmp_path / "still.jpg"
    Image.effect_noise((1000, 500), 40).convert("RGB").save(still)
    files: dict[str, str | bytes] = {
        "content/posts/dune/index.md": post("Dune", image="still.jpg", body="Sand, *wind*.\n"),
        "content/posts/dune/still.jpg": still.read_bytes(),
        "content/posts/other.md": post("Other", body="No picture.\n"),
    }
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
