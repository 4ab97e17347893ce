#!/usr/bin/env python3
"""What one save costs `serve`, in process: build a site once with a kept state, then time
each rebuild after appending a paragraph to one post (the harness's edit; a body edit, so
the swap path), wall and CPU, and profile one.

    python bench/serve_edit.py SITE [--edits 9] [--profile 20]
    python bench/serve_edit.py SITE --prepare CORPUS   # copy CORPUS/content, this checkout's layouts

SITE is a Matinee site folder (config.yaml, content/, layouts/); build it once with
`matinee build` first, or the first timed step here is a cold build. The watcher's quiet
period and the log line are not in these figures: they are the build alone.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import shutil
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matinee.cache import BuildCache  # noqa: E402
from matinee.config import load_config  # noqa: E402
from matinee.kept import Kept  # noqa: E402
from matinee.pipeline import build  # noqa: E402


def prepare(corpus: Path, site: Path) -> None:
    """Lay out a site as the harness does: the corpus's content, this checkout's layouts and
    config with 10 posts a page."""
    if site.exists():
        shutil.rmtree(site)
    shutil.copytree(corpus / "content", site / "content")
    shutil.copytree(ROOT / "layouts", site / "layouts")
    lines = (ROOT / "config.yaml").read_text(encoding="utf-8").splitlines()
    lines = [line for line in lines if not line.startswith("per_page:")] + ["per_page: 10"]
    (site / "config.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def edited_post(site: Path) -> Path:
    """The post the harness edits: the middle one, in sorted order."""
    posts = sorted((site / "content" / "posts").rglob("*.md"))
    return posts[len(posts) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--prepare", type=Path, metavar="CORPUS", help="make SITE from CORPUS/content first")
    parser.add_argument("--edits", type=int, default=9, help="timed edits (default 9)")
    parser.add_argument("--profile", type=int, default=20, help="profile lines to print, 0: no profile (default 20)")
    args = parser.parse_args()
    site = args.site.resolve()
    if args.prepare:
        prepare(args.prepare, site)
    config = load_config(site, base_url="http://127.0.0.1:8000/")
    post = edited_post(site)
    original = post.read_text(encoding="utf-8")
    rel = post.relative_to(site).as_posix()
    cache = BuildCache(config.cache_dir, in_memory=True)
    kept = Kept()
    walls, cpus = [], []
    try:
        started = time.perf_counter()
        build(config, now=datetime.now(UTC), cache=cache, kept=kept)
        print(f"first build: {time.perf_counter() - started:.2f} s", file=sys.stderr)
        profiler = cProfile.Profile() if args.profile else None
        for number in range(args.edits + (1 if profiler else 0)):
            post.write_text(original + f"\nUpdated {number}: the studio confirmed the new cut.\n", encoding="utf-8")
            time.sleep(0.05)  # past the racy window: the stat vouches for the bytes, as after a watcher's quiet period
            kept.changed = (rel,)
            profiling = profiler is not None and number == args.edits
            wall, cpu = time.perf_counter(), time.process_time()
            if profiling:
                assert profiler is not None
                profiler.enable()
            gc.disable()  # as serve does (preview._collector_paused): one collection after the build
            report = build(config, now=datetime.now(UTC), cache=cache, kept=kept)
            gc.enable()
            if profiling:
                assert profiler is not None
                profiler.disable()
                gc.collect()
                continue
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            gc.collect()
            print(f"edit {number}: {walls[-1] * 1000:.0f} ms wall, {cpus[-1] * 1000:.0f} ms CPU, "
                  f"{report.changed} written", file=sys.stderr)  # fmt: skip
    finally:
        post.write_text(original, encoding="utf-8")
        cache.close()
    wall, cpu = statistics.median(walls) * 1000, statistics.median(cpus) * 1000
    print(f"{len(walls)} edits of {rel}: median {wall:.0f} ms wall, {cpu:.0f} ms CPU "
          f"(min {min(walls) * 1000:.0f} / {min(cpus) * 1000:.0f})")  # fmt: skip
    if profiler is not None:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(args.profile)
        stats.sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()
