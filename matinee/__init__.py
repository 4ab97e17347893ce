"""Matinee: a static site generator for film-news blogs."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

__version__ = "0.1.0"


@cache
def code_digest() -> str:
    """Return a digest of Matinee's own source: caches and memo keys change with the code."""
    hasher = hashlib.blake2b(__version__.encode(), digest_size=16)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        hasher.update(path.name.encode() + b"\0" + path.read_bytes())
    return hasher.hexdigest()
