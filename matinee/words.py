"""How counts are said in messages: one place, so every message says "1 post" and "2 posts" alike."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """Return "1 post" or "2 posts"; `nouns` for a plural that is not noun + "s" ("stories")."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"
