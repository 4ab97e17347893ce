"""Share cards: the 1200x630 picture social sites show for a page that has none of its own. (I/O)

A card shows the page's title and the site's name on the theme's colours. It is named by a digest
of what it shows (seo.share_cards), so a card on disk is never drawn again; new ones are drawn
by images.prepare_images, in its worker processes when there are many.
"""

from __future__ import annotations

import functools
import os
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import seo
from .config import CONFIG_FILE as CONFIG_SOURCE
from .model import Asset, Site

if TYPE_CHECKING:
    from PIL.Image import Image

CARD_SIZE = (1200, 630)
CARD_COLOURS = ((19, 18, 17), (58, 29, 26), (179, 38, 30), (236, 232, 225))  # the theme's dark bg, accent
CARD_QUALITY = 88  # JPEG: measured 1.7 ms a card against 58 ms for an optimised PNG, at 56 KB
CARDS_PER_TASK = 50  # cards a worker draws per task: one message to and fro for each 50
_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
_RULE, _FOOT, _FOOT_TOP = (80, 510, 200, 518), (80, 540), 500  # the accent rule and the site's name


@dataclass(frozen=True, slots=True)
class Cards:
    """Share cards to draw: each file and the title it shows, and the site's name they all show."""

    site_title: str
    cards: tuple[tuple[Path, str], ...]


def share_card_assets(
    site: Site, folder: Path, known: dict[str, Asset] | None = None
) -> tuple[list[Asset], list[Cards]]:
    """Return the 1200x630 share card of every page without a picture to share (its title and
    the site's name on the theme's colours), and the batches of those not drawn yet: a card's
    file name is the digest of what it shows, so a card on disk is never drawn again.

    `known` maps the URLs of cards found on disk before to their assets: those are not statted
    again (a preview's save would stat thousands); the cards found now are added to it."""
    return card_assets(seo.share_cards(site), site.config.title, folder, {} if known is None else known)


def card_assets(
    titles: Mapping[str, str], site_title: str, folder: Path, known: dict[str, Asset]
) -> tuple[list[Asset], list[Cards]]:
    """The cards at `titles`' URLs (card URL -> the title it shows), and the batches of those
    not on disk yet; see share_card_assets."""
    assets, todo = [], []
    for url, title in titles.items():
        asset = known.get(url)
        if asset is None:
            path = folder / posixpath.basename(url)
            asset = Asset(path, CONFIG_SOURCE, url.lstrip("/"), named_by_content=True)
            if path.exists():
                known[url] = asset
            else:
                todo.append((path, title))
        assets.append(asset)
    if todo:
        folder.mkdir(parents=True, exist_ok=True)
    batches = [
        Cards(site_title, tuple(todo[start : start + CARDS_PER_TASK])) for start in range(0, len(todo), CARDS_PER_TASK)
    ]
    return assets, batches


def draw_cards(batch: Cards) -> int:
    """Draw and save a batch of share cards; return how many. Module-level: workers run it."""
    for path, title in batch.cards:
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        draw_card(title, batch.site_title).save(temporary, "JPEG", quality=CARD_QUALITY)
        temporary.replace(path)
    return len(batch.cards)


@functools.lru_cache(maxsize=2)
def _card_background(site_title: str | None = None) -> Image:
    """The cards' background: a gentle vertical gradient towards the accent's dark shade; with
    the accent rule and the site's name when `site_title` is given. Drawn once per process."""
    from PIL import Image as PILImage
    from PIL import ImageDraw

    dark, soft, accent, light = CARD_COLOURS
    background = PILImage.new("RGB", CARD_SIZE, dark)
    draw = ImageDraw.Draw(background)
    for y in range(CARD_SIZE[1]):
        t = y / CARD_SIZE[1]
        draw.line(
            [(0, y), (CARD_SIZE[0], y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(dark, soft, strict=True))
        )
    if site_title is not None:
        draw.rectangle(_RULE, fill=accent)
        draw.text(_FOOT, site_title, font=_font(_FONTS[1], 34), fill=light)
    return background


def draw_card(title: str, site_title: str) -> Image:
    """A share card: the title, wrapped, large; the site's name below an accent rule."""
    from PIL import ImageDraw

    _, _, accent, light = CARD_COLOURS
    size = 76 if len(title) < 60 else 58
    face = _font(_FONTS[0], size)
    measure = ImageDraw.Draw(_card_background())
    lines: list[str] = []
    for word in title.split():
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and measure.textlength(trial, font=face) <= 1040:
            lines[-1] = trial
        else:
            lines.append(word)
    lines = lines[:5]
    # The rule and the site's name are drawn once, on the background, and the title over them;
    # a title long enough to reach them is drawn first, as they must stay on top.
    crowded = 80 + len(lines) * round(size * 1.2) > _FOOT_TOP
    card = _card_background(None if crowded else site_title).copy()
    draw = ImageDraw.Draw(card)
    y = 80
    for line in lines:
        draw.text((80, y), line, font=face, fill=light)
        y += round(size * 1.2)
    if crowded:
        draw.rectangle(_RULE, fill=accent)
        draw.text(_FOOT, site_title, font=_font(_FONTS[1], 34), fill=light)
    return card


@functools.cache
def _font(path: str, size: int) -> Any:
    """A font, loaded once per process and size."""
    from PIL import ImageFont

    try:
        return ImageFont.truetype(path, size)
    except OSError:  # no DejaVu on this system: Pillow's own scalable font
        return ImageFont.load_default(size)
