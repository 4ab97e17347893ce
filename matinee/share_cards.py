"""Share cards: the 1200x630 picture social sites show for a page that has none of its own.

A card shows the page's title and the site's name on the theme's colours. It is named by a digest
of what it shows (seo.share_cards), so a card in the output folder is never drawn again; new ones
are drawn by the workers that write the site (write.py), straight into it: one file written,
none copied. A card's bytes are the background's rows as encoded once and the title's band
encoded alone (jpeg_rows.py).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import seo
from .config import CONFIG_FILE as CONFIG_SOURCE
from .config import Config
from .jpeg_rows import ROW_HEIGHT, Rows, encode_rows, splice
from .model import Asset, Site

if TYPE_CHECKING:
    from PIL.Image import Image

CARD_SIZE = (1200, 630)
CARD_COLOURS = ((19, 18, 17), (58, 29, 26), (179, 38, 30), (236, 232, 225))  # the theme's dark bg, accent
CARD_QUALITY = 88  # JPEG: a title band encodes in ~0.5 ms, a whole card 1.25 ms; a PNG 58 ms
_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
_RULE, _FOOT, _FOOT_TOP = (80, 510, 200, 518), (80, 540), 500  # the accent rule and the site's name
_INK_MARGIN = 4  # pixels around the text's bounding boxes that count as touched


def share_card_assets(site: Site) -> list[Asset]:
    """Return the 1200x630 share card of every page without a picture to share: its title and
    the site's name on the theme's colours. Each is drawn by the worker that writes it, and
    only when the output folder lacks it: its name is the digest of what it shows."""
    return card_assets(seo.share_cards(site), site.config)


def card_assets(titles: Mapping[str, str], config: Config) -> list[Asset]:
    """The cards at `titles`' URLs (card URL -> the title it shows); see share_card_assets."""
    return [
        Asset(
            config.source / CONFIG_SOURCE,
            CONFIG_SOURCE,
            url.lstrip("/"),
            drawn=functools.partial(card_jpeg, title, config.title),
        )
        for url, title in titles.items()
    ]


def card_jpeg(title: str, site_title: str) -> bytes:
    """The share card's JPEG, decoding to draw_card's picture pixel for pixel.

    Only the band of rows the title's ink touches is drawn and encoded; the rest are the
    background's rows, encoded once per process (jpeg_rows.py): 1.9 ms a card, against 2.9 ms
    to draw and encode it whole."""
    layout = _layout(title, site_title)
    shown = layout.on_background(site_title)
    background, base = _card_background(shown), _background_rows(shown)
    first, end = _ink_rows(layout)
    if first >= end:  # a title of spaces
        return splice(base, Rows(b"", ()), 0)
    top = first * ROW_HEIGHT
    band = background.crop((0, top, background.width, min(background.height, end * ROW_HEIGHT)))
    _draw_title(band, layout, top)
    return splice(base, encode_rows(band, CARD_QUALITY), first)


def draw_card(title: str, site_title: str) -> Image:
    """A share card: the title, wrapped, large; the site's name below an accent rule. The whole
    picture, which card_jpeg's file decodes to."""
    layout = _layout(title, site_title)
    card = _card_background(layout.on_background(site_title)).copy()
    _draw_title(card, layout, 0)
    return card


@dataclass(frozen=True, slots=True)
class _Text:
    """A line of text on a card: where it starts, its font, and the box its ink is in."""

    text: str
    at: tuple[int, int]
    font: Any
    box: tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where a card's title goes, line by line. `footer`, the site's name, when the title is so
    long that it reaches the rule and the name: they are then drawn over it, not on the background."""

    lines: tuple[_Text, ...]
    footer: _Text | None

    def on_background(self, site_title: str) -> str | None:
        """The site's name when the background shows it (see _card_background), None when the
        title is drawn under it."""
        return site_title if self.footer is None else None


def _layout(title: str, site_title: str) -> _Layout:
    from PIL import ImageDraw

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
    step = round(size * 1.2)
    placed = tuple(_placed(measure, line, (80, 80 + number * step), face) for number, line in enumerate(lines))
    crowded = 80 + len(lines) * step > _FOOT_TOP
    return _Layout(placed, _placed(measure, site_title, _FOOT, _font(_FONTS[1], 34)) if crowded else None)


def _placed(measure: Any, text: str, at: tuple[int, int], font: Any) -> _Text:
    left, upper, right, lower = measure.textbbox(at, text, font=font)
    return _Text(text, at, font, (math.floor(left), math.floor(upper), math.ceil(right), math.ceil(lower)))


def _draw_title(image: Image, layout: _Layout, top: int) -> None:
    """Draw the title on `image`, the card's rows from pixel row `top` down; when crowded, the
    rule and the site's name over it, as they must stay on top."""
    from PIL import ImageDraw

    _, _, accent, light = CARD_COLOURS
    for line in layout.lines:
        _draw_text(image, line, light, top)
    if layout.footer is not None:
        ImageDraw.Draw(image).rectangle((_RULE[0], _RULE[1] - top, _RULE[2], _RULE[3] - top), fill=accent)
        _draw_text(image, layout.footer, light, top)


def _draw_text(image: Image, text: _Text, colour: tuple[int, int, int], top: int) -> None:
    """Draw `text` as ImageDraw.text would, pixel for pixel: its ink as a mask the size of its
    box, through which a block of `colour` is pasted. (ImageDraw blends the colour in through
    the line's mask itself: measured 0.25 ms a line, against 0.15 ms for this mask and paste.)"""
    from PIL import Image as PILImage
    from PIL import ImageDraw

    left, upper, right, lower = text.box
    mask = PILImage.new("L", (right - left, lower - upper))
    ImageDraw.Draw(mask).text((text.at[0] - left, text.at[1] - upper), text.text, font=text.font, fill=255)
    image.paste(PILImage.new("RGB", mask.size, colour), (left, upper - top), mask)


def _ink_rows(layout: _Layout) -> tuple[int, int]:
    """The rows of MCUs (first, end) that _draw_title's ink touches, a few pixels wider for safety."""
    boxes = [line.box for line in layout.lines]
    if layout.footer is not None:
        boxes += [_RULE, layout.footer.box]
    if not boxes:
        return 0, 0
    upper = max(0, min(box[1] for box in boxes) - _INK_MARGIN)
    lower = max(box[3] for box in boxes) + _INK_MARGIN
    return upper // ROW_HEIGHT, -(-lower // ROW_HEIGHT)


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


@functools.lru_cache(maxsize=2)
def _background_rows(site_title: str | None) -> Rows:
    """The background's JPEG, cut into rows: encoded once per process, as each card reuses it."""
    return encode_rows(_card_background(site_title), CARD_QUALITY)


@functools.cache
def _font(path: str, size: int) -> Any:
    """A font, loaded once per process and size."""
    from PIL import ImageFont

    try:
        return ImageFont.truetype(path, size)
    except OSError:  # no DejaVu on this system: Pillow's own scalable font
        return ImageFont.load_default(size)
