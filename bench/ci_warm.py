#!/usr/bin/env python3
"""What a CI deploy after one new post costs when the workflow restores .matinee-cache/.

    python bench/ci_warm.py --posts 1000 --work /tmp/matinee-ci-warm

Generates the shared corpus (../shared/bench/gen_corpus.py, or --harness DIR), gives every post
a distinct 1600x900 JPEG as its `image:`, copies this project's layouts/ and config.yaml beside
it. Then it plays two CI runs in one folder (a runner's workspace has the same path every run):
the first checks the sources out (copies with new mtimes and inodes) and builds them cold, as
the workflow's Build step does, and the cache step saves .matinee-cache/ and site/ (copied
keeping mtimes, as actions/cache's tar does); the second checks the sources out afresh, restores
the saved folders, adds one post with a picture and builds: that build is timed, in wall seconds
and CPU seconds (user + sys, worker processes included). --cached cache restores only
.matinee-cache/ (the workflow before it cached site/); --new-mtimes restores the files with new
mtimes (a cache tool that does not keep them). --keep-cold reuses the first run's saved cache.
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
    parser.add_argument("--cached", nargs="+", default=[".matinee-cache", "site"], help="the folders CI caches")
    parser.add_argument("--new-mtimes", action="store_true", help="restore the cache with new mtimes")
    parser.add_argument("--keep-cold", action="store_true", help="reuse the cold run's saved cache if there is one")
    parser.add_argument("--no-search", action="store_true", help="build with --no-search")
    args = parser.parse_args()
    build = [*BUILD, "--no-search"] if args.no_search else BUILD
    repo = make_site(args.posts, args.work, args.harness)
    checkout, saved = args.work / "checkout", args.work / "saved"
    if not (args.keep_cold and (saved / "done").exists()):
        shutil.rmtree(saved, ignore_errors=True)
        check_out(repo, checkout)
        cold = timed(checkout, build)
        print(f"cold build, {args.posts} posts with a picture each: {cold[0]:.1f} s wall, {cold[1]:.1f} s CPU")
        for name in (".matinee-cache", "site"):  # saved by actions/cache: tar keeps the mtimes
            shutil.copytree(checkout / name, saved / name, symlinks=True)
        (saved / "done").touch()
    check_out(repo, checkout)
    for name in args.cached:
        copy = shutil.copy if args.new_mtimes else shutil.copy2
        shutil.copytree(saved / name, checkout / name, symlinks=True, copy_function=copy)
    folder = checkout / "content" / "posts" / "2026" / "11"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ci-new-post.md").write_text(NEW_POST, encoding="utf-8")
    picture(args.posts).save(folder / "ci-new-post.jpg", "JPEG", quality=85)
    variants = checkout / ".matinee-cache" / "images"
    before = {path.name for path in variants.iterdir() if path.is_dir()}
    started = time.time()
    warm = timed(checkout, build)
    made = {path.name for path in variants.iterdir() if path.is_dir()} - before
    site = [path for path in (checkout / "site").rglob("*") if path.is_file()]
    written = sum(1 for path in site if path.stat().st_mtime >= started)
    print(
        f"CI deploy after one new post (fresh checkout, {' and '.join(args.cached)} restored"
        f"{' with new mtimes' if args.new_mtimes else ''}): {warm[0]:.1f} s wall, {warm[1]:.1f} s CPU; "
        f"images resized: {len(made)}; files written: {written} of {len(site)}"
    )


def check_out(repo: Path, checkout: Path) -> None:
    """Copy the sources as `git clone` makes them: new mtimes and inodes, no site/, no cache."""
    shutil.rmtree(checkout, ignore_errors=True)
    checkout.mkdir(parents=True)
    for name in ("content", "layouts"):
        shutil.copytree(repo / name, checkout / name, copy_function=shutil.copy)
    shutil.copy(repo / "config.yaml", checkout)


def timed(root: Path, build: list[str]) -> tuple[float, float]:
    """Build `root` as the workflow does; return (wall, CPU) seconds."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([*build, "--source", str(root)], check=True)
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
