#!/usr/bin/env python3
"""What responsive images and the search index cost a build, on a generated corpus.

    python bench/images_search.py --posts 1000 --work /tmp/matinee-images-bench

Generates the shared corpus (../shared/bench/gen_corpus.py), copies this project's layouts and
config.yaml beside it, and makes a second copy in which every post shows a 1600x900 JPEG as its
`image:`. Times, in process with the real pipeline: a cold build (no cache, no output) and a warm
rebuild (nothing changed; the CLI's "up to date" shortcut is not used) of both copies, the image
step on its own, and the search index on its own. Wall-clock seconds, one run each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MATINEE_SHARED_BENCH", PROJECT.parent / "shared" / "bench"))
sys.path.insert(0, str(PROJECT))

from matinee import images, pipeline  # noqa: E402
from matinee.cache import BuildCache  # noqa: E402
from matinee.config import load_config  # noqa: E402

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/matinee-images-bench"))
    args = parser.parse_args()
    plain, pictured = make_corpora(args.posts, args.work)
    timings = Timings()
    rows = []
    for name, root, with_search in [
        ("no images", plain, False),
        ("1 image per post", pictured, False),
        ("1 image per post + search", pictured, True),
    ]:
        reset(root)
        cold = timings.build(root, with_search)
        warm = timings.build(root, with_search)
        rows.append((name, cold, warm))
    steps = "image step | search step"
    print(f"| {args.posts} posts | cold build (s) | {steps} | warm rebuild (s) | {steps} |")
    print("|---|---|---|---|---|---|---|")
    for name, cold, warm in rows:
        cells = [
            f"{cold[0]:.2f}",
            f"{cold[1]:.2f}",
            f"{cold[2]:.2f}",
            f"{warm[0]:.2f}",
            f"{warm[1]:.3f}",
            f"{warm[2]:.2f}",
        ]
        print(f"| {name} | {' | '.join(cells)} |")


class Timings:
    """Wraps the pipeline's image and search steps to time them inside a real build."""

    def __init__(self) -> None:
        self.spent = {"images": 0.0, "search": 0.0}
        prepare, index = pipeline.prepare_images, pipeline.index_search

        def timed_prepare(*args: object) -> images.Images:
            started = time.perf_counter()
            try:
                return prepare(*args)  # type: ignore[arg-type]
            finally:
                self.spent["images"] += time.perf_counter() - started

        def timed_index(*args: object) -> tuple[str, ...]:
            started = time.perf_counter()
            try:
                return index(*args)  # type: ignore[arg-type]
            finally:
                self.spent["search"] += time.perf_counter() - started

        pipeline.prepare_images = timed_prepare  # type: ignore[assignment]
        pipeline.index_search = timed_index  # type: ignore[assignment]

    def build(self, root: Path, with_search: bool) -> tuple[float, float, float]:
        """Return (whole build, image step, search step) in seconds."""
        self.spent = {"images": 0.0, "search": 0.0}
        config = load_config(root, out_dir=root / "site")
        cache = BuildCache(config.cache_dir)
        started = time.perf_counter()
        try:
            pipeline.build(config, now=NOW, cache=cache, search=with_search)
        finally:
            cache.close()
        return time.perf_counter() - started, self.spent["images"], self.spent["search"]


def make_corpora(posts: int, work: Path) -> tuple[Path, Path]:
    """Return two copies of the corpus: as generated, and with a JPEG shown by every post."""
    plain, pictured = work / "plain", work / "pictured"
    if not (plain / "content").is_dir():
        shutil.rmtree(work, ignore_errors=True)
        subprocess.run(
            [sys.executable, str(SHARED / "gen_corpus.py"), "--seed", "1", "--posts", str(posts), "--out", str(plain)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        shutil.copytree(PROJECT / "layouts", plain / "layouts")
        shutil.copy(PROJECT / "config.yaml", plain / "config.yaml")
        shutil.copytree(plain, pictured)
        add_images(pictured / "content" / "posts")
    return plain, pictured


def add_images(posts_dir: Path) -> None:
    """Give every post a distinct 1600x900 JPEG beside it, shown as its `image:`.

    Soft shapes, a blur and light grain: about as hard to encode as a film still (~250 KB).
    """
    from images import draw_picture  # bench/images.py: the same generated stills

    for number, path in enumerate(sorted(posts_dir.rglob("*.md"))):
        picture = draw_picture(number)
        picture.save(path.with_suffix(".jpg"), "JPEG", quality=85)  # type: ignore[attr-defined]
        text = path.read_text(encoding="utf-8")
        path.write_text(
            text.replace("---\n", f"---\nimage: {path.stem}.jpg\nimage_alt: A still\n", 1), encoding="utf-8"
        )


def reset(root: Path) -> None:
    """Remove the output and the cache: the next build is cold."""
    shutil.rmtree(root / "site", ignore_errors=True)
    shutil.rmtree(root / ".matinee-cache", ignore_errors=True)


if __name__ == "__main__":
    main()
