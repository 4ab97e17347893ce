"""Spoilers never leak: what a page says about itself (meta tags, JSON-LD), feed summaries and
entries, and the cards that list it are spoiler-free, however the spoiler is placed."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import html5lib
import pytest
from conftest import build_site, make_site, post

SECRET = "Rosebudwasasled"  # one word, so that no smart punctuation or wrapping can split it
ATOM = "{http://www.w3.org/2005/Atom}"

BODIES = {
    "spoiler first, then the opening": (
        f'!!! spoiler "The ending"\n    {SECRET} in the last scene.\n\nThe plain opening.\n',
        "The plain opening.",
    ),
    "spoiler written right above the opening": (
        f"!!! spoiler\n    {SECRET} in the last scene.\nThe plain opening.\n",
        "The plain opening.",
    ),
    "spoiler before the more marker": (
        f'The plain opening.\n\n!!! spoiler "The ending"\n    {SECRET}.\n\n<!-- more -->\n\nThe rest.\n',
        "The plain opening.",
    ),
    "spoiler inside a spoiler": (
        f'!!! spoiler "Outer"\n    One.\n\n    !!! spoiler "Inner"\n        Two.\n\n    After, {SECRET}.\n\n'
        "The plain opening.\n",
        "The plain opening.",
    ),
    "spoiler written as HTML": (
        f'<details class="spoiler big"><summary>Spoiler</summary>\n<p>{SECRET}.</p>\n</details>\n\n'
        "The plain opening.\n",
        "The plain opening.",
    ),
    "nothing but a spoiler": (f'!!! spoiler "The ending"\n    {SECRET} in the last scene.\n', ""),
}


def parse_html(path: Path) -> ET.Element:
    return html5lib.parse(path.read_bytes(), treebuilder="etree", namespaceHTMLElements=False)


def descriptions(page: ET.Element) -> dict[str, str]:
    """The page's description as each reader of it sees it."""
    found = {}
    for meta in page.iter("meta"):
        key = meta.get("name") or meta.get("property") or ""
        if key in ("description", "og:description", "twitter:description"):
            found[key] = meta.get("content", "")
    for number, script in enumerate(page.iter("script")):
        if script.get("type") == "application/ld+json":
            for value in _values_of(json.loads(script.text or ""), "description"):
                found[f"JSON-LD {number} description"] = value
    return found


def _values_of(data: Any, key: str) -> Iterator[str]:
    if isinstance(data, dict):
        for name, value in data.items():
            if name == key:
                yield str(value)
            yield from _values_of(value, key)
    elif isinstance(data, list):
        for item in data:
            yield from _values_of(item, key)


def feed_texts(path: Path) -> dict[str, str]:
    """Each entry's summary and content in an Atom feed."""
    feed = ET.parse(path).getroot()
    found = {}
    for number, entry in enumerate(feed.iter(f"{ATOM}entry")):
        for part in ("summary", "content"):
            element = entry.find(f"{ATOM}{part}")
            if element is not None:
                found[f"entry {number} {part}"] = element.text or ""
    return found


def card_summaries(page: ET.Element) -> list[str]:
    return ["".join(p.itertext()) for p in page.iter("p") if p.get("class") == "summary"]


@pytest.mark.parametrize("case", BODIES)
def test_a_posts_spoiler_is_in_no_description_feed_or_card(tmp_path: Path, case: str) -> None:
    body, expected = BODIES[case]
    files = {"content/posts/x.md": post("Citizen", tags=["classics"], body=body)}
    out = build_site(make_site(tmp_path, files))
    post_page = out / "2024/01/x/index.html"
    assert SECRET in post_page.read_text(encoding="utf-8")  # on the page, behind <details>
    meta = descriptions(parse_html(post_page))
    assert {"description", "og:description", "twitter:description"} <= meta.keys()
    assert any(key.startswith("JSON-LD") for key in meta)
    assert not [key for key, text in meta.items() if SECRET in text], meta
    assert meta["description"] == expected
    for feed in (out / "feed.xml", out / "tags/classics/feed.xml"):
        texts = feed_texts(feed)
        assert texts and not [key for key, text in texts.items() if SECRET in text], texts
    for listing in (out / "index.html", out / "tags/classics/index.html"):
        cards = card_summaries(parse_html(listing))
        assert cards == [expected], cards


@pytest.mark.parametrize("case", BODIES)
def test_a_pages_spoiler_is_in_no_description(tmp_path: Path, case: str) -> None:
    body, expected = BODIES[case]
    out = build_site(make_site(tmp_path, {"content/about.md": post("About", body=body)}))
    meta = descriptions(parse_html(out / "about/index.html"))
    assert not [key for key, text in meta.items() if SECRET in text], meta
    assert meta["description"] == (expected or "")
