"""A JPEG that differs from a fixed picture in a band of rows, made by encoding the band alone.

Share cards are one background with a title drawn on it, so most of a card's pixels are the
background's. A JPEG written with a restart marker after each row of MCUs (16 pixel rows with
4:2:0 chroma) holds each such row as its own piece of entropy-coded data, and a row's blocks
depend only on its own pixels. Cut the background's JPEG and a band's JPEG at their markers,
put the band's rows in place of the background's, and the result decodes pixel for pixel to
what encoding the whole picture gives: the encoder does the band's share of the work only.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

ROW_HEIGHT = 16  # pixel rows in a row of MCUs, with 4:2:0 chroma subsampling
_START_OF_SCAN, _END = b"\xff\xda", b"\xff\xd9"
# RST0-RST7. Scan data holds no other 0xFF that is not followed by 0x00 (byte stuffing) or a marker.
_RESTART = re.compile(rb"\xff[\xd0-\xd7]")
_RESTARTS = tuple(bytes((0xFF, 0xD0 + number)) for number in range(8))


@dataclass(frozen=True, slots=True)
class Rows:
    """An encoded picture cut at its restart markers: its headers, and each MCU row's data."""

    head: bytes
    rows: tuple[bytes, ...]


def encode_rows(image: Image, quality: int) -> Rows:
    """Encode `image` as a baseline JPEG with a restart marker after every row of MCUs."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, subsampling="4:2:0", restart_marker_rows=1)
    data = buffer.getvalue()
    scan = _scan_start(data)
    if not data.endswith(_END):
        raise ValueError("the encoder wrote no end of image")
    return Rows(data[:scan], tuple(_RESTART.split(data[scan:-2])))


def splice(base: Rows, band: Rows, first_row: int) -> bytes:
    """The JPEG of `base` with its rows from `first_row` on replaced by `band`'s rows.

    Both must be encoded by encode_rows at the same width and quality; `band` is a crop of
    the picture from pixel row first_row * ROW_HEIGHT, ending at a row boundary or at the
    picture's bottom edge."""
    end = first_row + len(band.rows)
    if end > len(base.rows):
        raise ValueError(f"a band of {len(band.rows)} rows from row {first_row} overruns {len(base.rows)} rows")
    rows = (*base.rows[:first_row], *band.rows, *base.rows[end:])
    parts = [base.head]
    for number, row in enumerate(rows):
        parts += (row, _RESTARTS[number % 8])
    parts[-1] = _END  # no marker after the last row
    return b"".join(parts)


def _scan_start(data: bytes) -> int:
    """Where the entropy-coded data begins: after the start-of-scan header, found by walking
    the segments (a table's bytes may hold 0xFF 0xDA)."""
    at = 2  # after the start-of-image marker
    while at + 4 <= len(data):
        marker, length = data[at : at + 2], int.from_bytes(data[at + 2 : at + 4], "big")
        at += 2 + length
        if marker == _START_OF_SCAN:
            return at
    raise ValueError("the encoder wrote no scan")
