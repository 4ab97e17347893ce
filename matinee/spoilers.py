"""Spoiler blocks: `!!! spoiler "What happens at the end"` with an indented body becomes a
closed <details>, which works without JavaScript (markup.without_spoilers keeps the text out
of summaries and feeds; data-pagefind-ignore keeps it out of the search index).

The syntax is the admonition syntax MkDocs users know. Pure.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from typing import Any

from markdown import Extension
from markdown.blockprocessors import BlockProcessor

SPOILER_CLASS = "spoiler"
_START = re.compile(r'(?:^|\n)!!! ?spoiler(?: +"(?P<title>[^"\n]*)")? *(?:\n|$)')


class SpoilerProcessor(BlockProcessor):
    """Parses a spoiler block and its indented body into <details class="spoiler">."""

    def test(self, parent: etree.Element, block: str) -> bool:
        return "!!!" in block and bool(_START.search(block))  # the cheap test first: few blocks are spoilers

    def run(self, parent: etree.Element, blocks: list[str]) -> bool | None:
        block = blocks.pop(0)
        match = _START.search(block)
        assert match is not None  # test() said so
        if match.start():
            self.parser.parseBlocks(parent, [block[: match.start()]])
        body, rest = self.detab(block[match.end() :])
        details = etree.SubElement(parent, "details", {"class": SPOILER_CLASS, "data-pagefind-ignore": "all"})
        summary = etree.SubElement(details, "summary")
        summary.text = f"Spoiler: {match.group('title') or 'show'}"
        while blocks and not rest and blocks[0].startswith(" " * self.tab_length):
            more, rest = self.detab(blocks.pop(0))  # indented paragraphs after a blank line
            body += "\n\n" + more
        self.parser.parseChunk(details, body)
        if rest:
            blocks.insert(0, rest)
        return None


class SpoilerExtension(Extension):
    """Registers the spoiler block with Python-Markdown."""

    def extendMarkdown(self, md: Any) -> None:  # noqa: N802 - Python-Markdown's name
        md.parser.blockprocessors.register(SpoilerProcessor(md.parser), "spoiler", 105)
