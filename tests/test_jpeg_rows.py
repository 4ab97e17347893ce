"""JPEGs spliced from rows: a band encoded alone and put into a background decodes exactly as
the whole picture encoded at once, for share cards of every shape of title."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image, ImageDraw

from matinee.jpeg_rows import ROW_HEIGHT, encode_rows, splice
from matinee.share_cards import CARD_QUALITY, card_jpeg, draw_card


def decoded(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.format == "JPEG"
        return image.copy()


def whole(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return decoded(buffer.getvalue())


def noisy(size: tuple[int, int], seed: int) -> Image.Image:
    """A picture whose every row differs: ellipses over noise, so no row's data repeats another's."""
    rng = random.Random(seed)
    picture = Image.effect_noise(size, 80).convert("RGB")
    draw = ImageDraw.Draw(picture)
    for _ in range(30):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        draw.ellipse((x, y, x + rng.randrange(20, 300), y + rng.randrange(20, 200)), fill=(rng.randrange(256), 90, 40))
    return picture


@pytest.mark.parametrize(("first", "rows"), [(0, 3), (5, 12), (37, 3), (39, 1), (0, 40)])
def test_a_band_spliced_into_a_picture_decodes_as_the_picture_encoded_whole(first: int, rows: int) -> None:
    """630 pixel rows: 39 whole rows of MCUs and a last one of 6 pixels, which a band may end at."""
    background, painted = noisy((1200, 630), 1), noisy((1200, 630), 2)
    top, bottom = first * ROW_HEIGHT, min(630, (first + rows) * ROW_HEIGHT)
    expected = background.copy()
    expected.paste(painted.crop((0, top, 1200, bottom)), (0, top))
    band = encode_rows(painted.crop((0, top, 1200, bottom)), 88)
    assert len(band.rows) == rows
    spliced = decoded(splice(encode_rows(background, 88), band, first))
    assert spliced.size == (1200, 630)
    assert spliced.tobytes() == whole(expected, 88).tobytes()


def test_a_band_that_overruns_the_picture_is_refused() -> None:
    base, band = encode_rows(noisy((320, 64), 1), 88), encode_rows(noisy((320, 32), 2), 88)
    with pytest.raises(ValueError, match="overruns"):
        splice(base, band, 3)


TITLES = [
    "Dune",
    "Dune: Part Two crosses $700 million as Villeneuve confirms the third film is next",
    "Wwwwwwwwwwww Mmmmmmmmmmmm Wwwwwwwwwwww Mmmmmmmmmmmm Www1",  # reaches the rule: drawn under it
    "Ǻ É Ÿ gjpqy Ṩ̣̣ q̣̣̣ — accents above, tails below",  # ink beyond the usual ascent and descent
    "مهرجان كان السينمائي يعلن قائمة الأفلام",  # shaped right to left
    "सत्यजित रे की पथेर पांचाली फिर से",
    "word " * 80,  # five lines, the rest cut
    "",
]


@pytest.mark.parametrize("title", TITLES)
def test_a_share_card_file_decodes_to_the_card_drawn_whole(title: str) -> None:
    card = decoded(card_jpeg(title, "The Matinee Dispatch"))
    assert card.size == (1200, 630)
    assert card.tobytes() == whole(draw_card(title, "The Matinee Dispatch"), CARD_QUALITY).tobytes()
