#!/usr/bin/env python3
"""CPU time Matinee spends making the responsive variants of one 1600x900 JPEG.

    python bench/images.py                  # this checkout
    python bench/images.py --ref HEAD~3     # the same pictures, with the code of a git ref

Draws its own photo-like pictures with Pillow (soft shapes, blur, grain: about as hard to
encode as a film still), then runs images.make_variants on each, in this one process, and
prints the median CPU milliseconds (time.process_time) per picture. With --ref, the
matinee/ package of that commit is extracted to a temporary folder and measured there.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pictures", type=int, default=12)
    parser.add_argument("--ref", help="measure the matinee/ of this git commit instead of the checkout's")
    parser.add_argument("--code", type=Path, default=PROJECT, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ref:
        with tempfile.TemporaryDirectory() as old:
            archive = subprocess.run(
                ["git", "-C", str(PROJECT), "archive", args.ref, "matinee"], check=True, capture_output=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", old], input=archive, check=True)
            command = [sys.executable, __file__, "--pictures", str(args.pictures), "--code", old]
            print(f"matinee/ of git {args.ref}:", flush=True)
            sys.exit(subprocess.run(command, check=False).returncode)
    sys.path.insert(0, str(args.code))
    from matinee import images

    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        spent = []
        for number in range(args.pictures):
            path = root / f"still-{number}.jpg"
            draw_picture(number).save(path, "JPEG", quality=85)
            job = images._Job(path, root / f"variants-{number}", path.stem, ".jpg")
            started = time.process_time()
            result = images.make_variants(job)
            spent.append(time.process_time() - started)
            assert not isinstance(result, str), result
    print(f"settings: {images.SETTINGS}")
    print(f"median {statistics.median(spent) * 1000:.0f} ms CPU per 1600x900 JPEG ({args.pictures} pictures)")


def draw_picture(seed: int) -> object:
    """A 1600x900 picture: coloured ellipses, blurred, with film grain."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    picture = Image.new("RGB", (1600, 900), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(picture)
    for _ in range(40):
        x, y = rng.randrange(1600), rng.randrange(900)
        box = (x, y, x + rng.randrange(40, 600), y + rng.randrange(40, 400))
        draw.ellipse(box, fill=tuple(rng.randrange(256) for _ in range(3)))
    grain = Image.effect_noise((1600, 900), 60).convert("RGB")
    return Image.blend(picture.filter(ImageFilter.GaussianBlur(6)), grain, 0.1)


if __name__ == "__main__":
    main()
