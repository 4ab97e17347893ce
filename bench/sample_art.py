"""Draw the sample site's pictures and posters with Pillow: generated art, nothing copied.

Run from the repository root: `python bench/sample_art.py`. It writes a picture beside each
post listed in PICTURES and a poster beside each film in POSTERS, and sets their front matter
(image/image_alt/image_credit, poster) where it is not set yet. Seeded: the same files each run.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parent.parent / "content"
CREDIT = "Illustration: The Matinee Dispatch (generated art)"

# post file (under content/posts) -> (palette name, what the picture shows, for its alt text)
PICTURES = {
    "2023/05/cannes-2023-anatomy-of-a-fall-palme-dor.md": ("riviera", "a seaside festival promenade at dusk"),
    "2023/06/past-lives-review.md": ("dusk", "two city skylines facing each other across a pink dusk"),
    "2023/07/barbenheimer-opening-weekend-box-office.md": ("pinkfire", "a pink sky meeting an orange blast"),
    "2023/07/mission-impossible-dead-reckoning-review.md": ("steel", "a train crossing a mountain bridge at night"),
    "2023/10/killers-of-the-flower-moon-review.md": ("prairie", "an oil derrick on a wide prairie under a red sky"),
    "2023/12/furiosa-trailer.md": ("wasteland", "a lone road through an orange wasteland"),
    "2023/12/godzilla-minus-one-boy-and-the-heron-box-office.md": ("sea", "a dark sea under a grey storm sky"),
    "2023/12/poor-things-review.md": ("fever", "a surreal violet sky over a curving coast"),
    "2024/01/oscar-nominations-2024.md": ("gold", "golden spotlights sweeping a dark stage"),
    "2024/03/oscars-2024-winners.md": ("gold", "golden spotlights over a stage curtain"),
    "2024/05/cannes-2024-furiosa-anora.md": ("riviera", "palm trees and a blue sea at sunset"),
    "2025/04/amelie-restoration-anniversary.md": ("montmartre", "green and red rooftops of a hilltop village"),
    "2025/09/2001-a-space-odyssey-70mm-re-release.md": ("space", "a planet rising over a moon in black space"),
    "2025/11/dune-part-three-wraps-filming.md": ("wasteland", "a pale sun over rolling desert dunes"),
}
# film file (under content/films) -> palette
POSTERS = {
    "anatomy-of-a-fall": "snow",
    "barbie": "pinkfire",
    "dune-part-two": "wasteland",
    "dune-part-three": "space",
    "furiosa-a-mad-max-saga": "wasteland",
    "oppenheimer": "fire",
    "past-lives": "dusk",
    "perfect-days": "sea",
    "poor-things": "fever",
    "the-boy-and-the-heron": "montmartre",
    "the-zone-of-interest": "prairie",
    "2001-a-space-odyssey": "space",
}
PALETTES = {
    "riviera": ((18, 42, 88), (240, 140, 90), (250, 220, 160)),
    "dusk": ((60, 40, 90), (235, 140, 160), (255, 214, 200)),
    "pinkfire": ((230, 90, 150), (255, 150, 70), (255, 230, 200)),
    "steel": ((12, 18, 30), (60, 80, 110), (200, 210, 225)),
    "prairie": ((70, 20, 20), (200, 90, 50), (240, 200, 140)),
    "wasteland": ((120, 50, 20), (230, 140, 60), (250, 215, 150)),
    "sea": ((20, 30, 40), (70, 95, 110), (190, 200, 205)),
    "fever": ((70, 30, 110), (200, 90, 160), (250, 200, 170)),
    "gold": ((25, 15, 10), (150, 100, 30), (250, 215, 120)),
    "montmartre": ((40, 90, 60), (200, 70, 60), (245, 225, 180)),
    "space": ((5, 5, 15), (30, 40, 80), (220, 225, 240)),
    "snow": ((200, 210, 220), (120, 130, 150), (250, 250, 252)),
    "fire": ((10, 10, 10), (200, 80, 20), (255, 220, 150)),
}


def gradient(size: tuple[int, int], top: tuple[int, ...], bottom: tuple[int, ...]) -> Image.Image:
    """A vertical gradient from `top` to `bottom`."""
    width, height = size
    column = Image.new("RGB", (1, height))
    for y in range(height):
        t = y / max(1, height - 1)
        column.putpixel((0, y), tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    return column.resize(size)


def scene(size: tuple[int, int], palette: str, seed: str) -> Image.Image:
    """A landscape: a sky, a sun or moon, and layered hills, in the palette's colours."""
    rng = random.Random(seed)
    dark, mid, light = PALETTES[palette]
    width, height = size
    image = gradient(size, dark, mid)
    draw = ImageDraw.Draw(image, "RGBA")
    if palette == "space":
        for _ in range(220):
            x, y, r = rng.randrange(width), rng.randrange(height), rng.choice((1, 1, 1, 2))
            draw.ellipse((x, y, x + r, y + r), fill=(255, 255, 255, rng.randrange(90, 255)))
    sun_x, sun_y, sun_r = rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.45) * height, 0.08 * max(size)
    glow = Image.new("RGBA", size)
    ImageDraw.Draw(glow).ellipse(
        (sun_x - 2.5 * sun_r, sun_y - 2.5 * sun_r, sun_x + 2.5 * sun_r, sun_y + 2.5 * sun_r), fill=(*light, 90)
    )
    image.paste(glow.filter(ImageFilter.GaussianBlur(sun_r)), (0, 0), glow.filter(ImageFilter.GaussianBlur(sun_r)))
    draw = ImageDraw.Draw(image, "RGBA")
    draw.ellipse((sun_x - sun_r, sun_y - sun_r, sun_x + sun_r, sun_y + sun_r), fill=(*light, 235))
    layers = 4
    for layer in range(layers):
        t = (layer + 1) / (layers + 1)
        base = height * (0.55 + 0.11 * layer)
        colour = tuple(round(m + (d - m) * t) for m, d in zip(mid, dark, strict=True))
        points = [(0, height)]
        phase, amplitude = rng.uniform(0, 6.3), height * rng.uniform(0.03, 0.08)
        waves = rng.uniform(1.0, 2.5)
        for step in range(0, width + 20, 20):
            import math

            points.append((step, base + amplitude * math.sin(phase + waves * 6.283 * step / width)))
        points.append((width, height))
        draw.polygon(points, fill=(*colour, 255))
    return image


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf", "DejaVuSerif-Bold.ttf"):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def poster(title: str, palette: str, slug: str) -> Image.Image:
    """A 2:3 poster: a scene, a dark band at the foot, the title in large type."""
    image = scene((600, 900), palette, slug)
    draw = ImageDraw.Draw(image, "RGBA")
    draw.rectangle((0, 640, 600, 900), fill=(0, 0, 0, 150))
    words, lines, line = title.split(), [], ""
    face = font(54 if len(title) < 16 else 42)
    for word in words:
        trial = f"{line} {word}".strip().upper()
        if draw.textlength(trial, font=face) > 520 and line:
            lines.append(line)
            line = word.upper()
        else:
            line = trial
    lines.append(line)
    y = 870 - len(lines) * (face.size + 8) if isinstance(face, ImageFont.FreeTypeFont) else 700
    for text in lines:
        draw.text((40, y), text.upper(), font=face, fill=(255, 248, 235))
        y += (face.size if isinstance(face, ImageFont.FreeTypeFont) else 20) + 8
    return image


def set_fields(path: Path, fields: dict[str, str]) -> None:
    """Add front matter keys the file does not have yet, after its title line."""
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("\n---", 1)
    added = "".join(f"\n{key}: {value}" for key, value in fields.items() if not re.search(rf"^{key}:", head, re.M))
    title = re.search(r"^title:.*$", head, re.M)
    assert title, path
    head = head[: title.end()] + added + head[title.end() :]
    path.write_text(head + "\n---" + rest, encoding="utf-8")


def main() -> None:
    for rel, (palette, shows) in PICTURES.items():
        path = ROOT / "posts" / rel
        name = path.stem + ".jpg"
        scene((1200, 675), palette, rel).save(path.with_name(name), "JPEG", quality=80, optimize=True, progressive=True)
        set_fields(path, {"image": name, "image_alt": f'"Illustration of {shows}"', "image_credit": f'"{CREDIT}"'})
    for slug, palette in POSTERS.items():
        path = ROOT / "films" / f"{slug}.md"
        title = re.search(r"^title:\s*\"?(.*?)\"?\s*$", path.read_text(encoding="utf-8"), re.M)
        assert title, path
        poster(title.group(1), palette, slug).save(
            path.with_name(f"{slug}.jpg"), "JPEG", quality=80, optimize=True, progressive=True
        )
        set_fields(path, {"poster": f"{slug}.jpg"})


if __name__ == "__main__":
    main()
