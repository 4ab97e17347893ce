"""Matinee: a static site generator for film-news blogs."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

__version__ = "0.1.0"

# The files that make Matinee behave as it does: its Python, in every subpackage, and the
# non-Python files it ships (keep in step with pyproject.toml's package-data).
SOURCE_PATTERNS = ("*.py", "*.js")


@cache
def code_digest() -> str:
    """Return a digest of Matinee's own source: caches and memo keys change with the code."""
    return source_digest(Path(__file__).parent)


def source_digest(package: Path) -> str:
    """Return a digest of every source file under `package`, named by its path inside it."""
    hasher = hashlib.blake2b(__version__.encode(), digest_size=16)
    found = {path for pattern in SOURCE_PATTERNS for path in package.rglob(pattern) if path.is_file()}
    for path in sorted(found, key=lambda path: path.relative_to(package).as_posix()):
        hasher.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return hasher.hexdigest()
