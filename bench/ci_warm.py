#!/usr/bin/env python3
"""What a CI deploy after one new post costs when the workflow restores .matinee-cache/.

    python bench/ci_warm.py --posts 1000 --work /tmp/matinee-ci-warm

Generates the shared corpus (../shared/bench/gen_corpus.py, or --harness DIR), gives every post
a distinct 1600x900 JPEG as its `image:`, copies this project's layouts/ and config.yaml beside
it and builds it once, cold, as the workflow's Build step does. Then it plays a CI run: the
sources are copied to a new folder (new mtimes and inodes, no site/, as a fresh checkout), the
cache is copied in (as actions/cache restores it), one post with a picture is added, and the
build is timed: wall seconds and CPU seconds (user + sys, worker processes included).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MATINEE_SHARED_BENCH", PROJECT.parent / "shared" / "bench"))
BUILD = [sys.executable, str(PROJECT / "build.py"), "build", "--quiet", "--base-url", "https://example.org/"]
NEW_POST = """---
title: A new post, added after the cache was saved
date: 2026-11-27
image: ci-new-post.jpg
image_alt: A still
---
The one post this deploy adds.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/matinee-ci-warm"))
    parser.add_argument("--harness", type=Path, default=SHARED, help="the folder holding gen_corpus.py")
    args = parser.parse_args()
    repo = make_site(args.posts, args.work, args.harness)
    for stale in (repo / "site", repo / ".matinee-cache"):
        shutil.rmtree(stale, ignore_errors=True)
    cold = timed(repo)
    print(f"cold build, {args.posts} posts with a picture each: {cold[0]:.1f} s wall, {cold[1]:.1f} s CPU")
    checkout = args.work / "checkout"
    shutil.rmtree(checkout, ignore_errors=True)
    checkout.mkdir()
    for name in ("content", "layouts"):  # shutil.copy, not copy2: new mtimes, as `git clone` makes
        shutil.copytree(repo / name, checkout / name, copy_function=shutil.copy)
    shutil.copy(repo / "config.yaml", checkout)
    shutil.copytree(repo / ".matinee-cache", checkout / ".matinee-cache")  # actions/cache keeps mtimes
    folder = checkout / "content" / "posts" / "2026" / "11"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ci-new-post.md").write_text(NEW_POST, encoding="utf-8")
    picture(args.posts).save(folder / "ci-new-post.jpg", "JPEG", quality=85)
    variants = checkout / ".matinee-cache" / "images"
    before = {path.name for path in variants.iterdir() if path.is_dir()}
    warm = timed(checkout)
    made = {path.name for path in variants.iterdir() if path.is_dir()} - before
    pages = sum(1 for _ in (checkout / "site").rglob("index.html"))
    print(
        f"CI deploy after one new post (fresh checkout, cache restored): {warm[0]:.1f} s wall, "
        f"{warm[1]:.1f} s CPU; images resized: {len(made)}; pages written: {pages}"
    )


def timed(root: Path) -> tuple[float, float]:
    """Build `root` as the workflow does; return (wall, CPU) seconds."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([*BUILD, "--source", str(root)], check=True)
    wall = time.perf_counter() - started
    now = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, now.ru_utime - used.ru_utime + now.ru_stime - used.ru_stime


def make_site(posts: int, work: Path, harness: Path) -> Path:
    """Return the generated site (made once per --work folder): every post shows its own JPEG."""
    repo = work / "repo"
    if (repo / "config.yaml").is_file():
        return repo
    shutil.rmtree(work, ignore_errors=True)
    command = [sys.executable, str(harness / "gen_corpus.py"), "--seed", "1", "--posts", str(posts), "--out", str(repo)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    for number, path in enumerate(sorted((repo / "content" / "posts").rglob("*.md"))):
        picture(number).save(path.with_suffix(".jpg"), "JPEG", quality=85)
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("---\n", f"---\nimage: {path.stem}.jpg\nimage_alt: A still\n", 1), "utf-8")
    shutil.copytree(PROJECT / "layouts", repo / "layouts")
    shutil.copy(PROJECT / "config.yaml", repo / "config.yaml")
    return repo


_BASES: list[object] = []


def picture(number: int) -> object:
    """A distinct photo-like 1600x900 picture: one of 16 drawn stills, with the post's own mark."""
    from PIL import ImageDraw

    sys.path.insert(0, str(PROJECT / "bench"))
    from images import draw_picture  # bench/images.py

    if not _BASES:
        _BASES.extend(draw_picture(seed) for seed in range(16))
    still = _BASES[number % 16].copy()  # type: ignore[attr-defined]
    ImageDraw.Draw(still).rectangle((40, 40, 40 + number % 400, 80), fill=(number % 256, 200, 90))
    return still


if __name__ == "__main__":
    main()
