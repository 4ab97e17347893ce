"""Python-Markdown, skipping the patterns and block tests that cannot match a piece of text.

The library tries each of its 13 inline patterns (code, links, images, references, HTML,
entities, emphasis...) on every piece of text, one regular expression search and a few
Python calls each: measured on the benchmark corpus, about half of all Markdown time.
A pattern cannot match text that lacks its opening character (a link needs "[", emphasis
"*" or "_"), and a reference cannot resolve in a document that defines none, so such a
pattern is skipped; the output is the same byte for byte (tests/test_gates.py).

The block parser likewise asks each block processor whether a block is its kind (a heading
needs "#", a quote ">", a link definition "]:"): those known here answer no at once
when the block lacks that text, as their expression would.

Whole passes are gated too, by what the document holds: the raw HTML pass needs a "<",
attribute lists a "{", the table of contents a heading (or its marker). A document without
runs none of them: 8% of the conversion time on the benchmark corpus.

Only patterns and processors known here are gated, each by its exact class (and expression where a class
is generic); any other pattern, such as one an extension adds, is always tried.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any

from markdown import Markdown, blockprocessors, inlinepatterns, preprocessors, treeprocessors, util
from markdown.extensions.abbr import AbbrBlockprocessor
from markdown.extensions.attr_list import AttrListTreeprocessor
from markdown.extensions.def_list import DefListProcessor
from markdown.extensions.footnotes import FootnoteBlockProcessor, FootnoteInlineProcessor
from markdown.extensions.md_in_html import HtmlBlockPreprocessor
from markdown.extensions.toc import TocTreeprocessor

_REFERENCES = (
    inlinepatterns.ReferenceInlineProcessor,
    inlinepatterns.ShortReferenceInlineProcessor,
    inlinepatterns.ImageReferenceInlineProcessor,
    inlinepatterns.ShortImageReferenceInlineProcessor,
)
_BY_CLASS: dict[type, tuple[str, ...]] = {  # what every match of the pattern holds
    inlinepatterns.BacktickInlineProcessor: ("`",),
    inlinepatterns.EscapeInlineProcessor: ("\\",),
    FootnoteInlineProcessor: ("[^",),
    inlinepatterns.LinkInlineProcessor: ("[",),
    inlinepatterns.ImageInlineProcessor: ("![",),
    inlinepatterns.ReferenceInlineProcessor: ("[",),
    inlinepatterns.ShortReferenceInlineProcessor: ("[",),
    inlinepatterns.ImageReferenceInlineProcessor: ("![",),
    inlinepatterns.ShortImageReferenceInlineProcessor: ("![",),
    inlinepatterns.AutolinkInlineProcessor: ("<",),
    inlinepatterns.AutomailInlineProcessor: ("<",),
}
_BY_EXPRESSION: dict[str, tuple[str, ...]] = {  # classes that serve several patterns
    inlinepatterns.LINE_BREAK_RE: ("  \n",),
    inlinepatterns.HTML_RE: ("<",),  # a tag, comment or instruction starts with "<"
    inlinepatterns.ENTITY_RE: ("&",),
    r"\*|_": ("*", "_"),  # emphasis and strong, as the delimiter processor finds them
}
_ALWAYS: tuple[str, ...] = ("",)  # "" is in every text: an unknown pattern is always tried


_BLOCKS: dict[type, str] = {  # what every block the processor takes holds
    blockprocessors.BlockQuoteProcessor: ">",
    blockprocessors.HashHeaderProcessor: "#",
    blockprocessors.ReferenceProcessor: "]:",  # its run() gives back any other block
    DefListProcessor: ":",
    FootnoteBlockProcessor: "[^",  # a footnote's definition; run() gives back any other block
    AbbrBlockprocessor: "*[",  # an abbreviation's definition; likewise
}


# A setext heading's underline: a line of "=" or "-" alone (looser than the library's rule).
_UNDERLINE = re.compile(r"^[ \t]*(?:=+|-+)[ \t]*$", re.MULTILINE)


def _may_head(toc: Any, text: str) -> bool:
    """Whether `text` may make a heading for the table of contents, or holds its marker: a "#"
    heading, an underlined one, or raw HTML (md_in_html turns <h2 markdown="1"> into one)."""
    return "#" in text or "<" in text or bool(toc.marker and toc.marker in text) or bool(_UNDERLINE.search(text))


_PASSES: dict[type, Callable[[Any, str], bool]] = {  # whether a document may give the pass work
    HtmlBlockPreprocessor: lambda _, text: "<" in text,
    AttrListTreeprocessor: lambda _, text: "{" in text,
    TocTreeprocessor: _may_head,
}


def gate_document_passes(md: Markdown) -> None:
    """Make the known passes of `md` skip each document that gives them nothing to do."""
    gated = [
        (processor, needs)
        for registry in (md.preprocessors, md.treeprocessors)
        for processor in registry
        if (needs := _PASSES.get(type(processor))) is not None
    ]
    if gated:
        md.preprocessors.register(_DocumentGate(md, gated), "document_gate", 100)  # before every other pass


class _DocumentGate(preprocessors.Preprocessor):
    """Reads each document before the other passes, and lets only the gated passes it may need run."""

    def __init__(self, md: Markdown, gated: list[tuple[Any, Callable[[Any, str], bool]]]) -> None:
        super().__init__(md)
        self._gated = gated
        self._open: set[int] = set()
        for processor, _ in gated:
            processor.run = partial(self._run_if_open, processor, processor.run)

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        self._open = {id(processor) for processor, needs in self._gated if needs(processor, text)}
        return lines

    def _run_if_open(self, processor: Any, run: Callable[[Any], Any], data: Any) -> Any:
        if id(processor) in self._open:
            return run(data)
        return data if isinstance(processor, preprocessors.Preprocessor) else None  # as a pass that changed nothing


def gate_block_tests(md: Markdown) -> None:
    """Make each known block processor of `md` refuse at once a block without its text."""
    for processor in md.parser.blockprocessors:
        needed = _BLOCKS.get(type(processor))
        if needed is not None:
            processor.test = _gated(needed, processor.test)  # type: ignore[method-assign,assignment]


def _gated(needed: str, test: Callable[[Any, str], bool]) -> Callable[[Any, str], bool]:
    def gated(parent: Any, block: str) -> bool:
        return needed in block and test(parent, block)

    return gated


def gate_inline_patterns(md: Markdown) -> None:
    """Replace `md`'s inline pass by one that skips the patterns a text cannot match
    (if this version of the library has the inline pass this module knows)."""
    if _private(treeprocessors.InlineProcessor, "handleInline", "applyPattern") and isinstance(
        md.treeprocessors["inline"], treeprocessors.InlineProcessor
    ):
        md.treeprocessors.register(_GatedInline(md), "inline", 20)


def _private(cls: type, *names: str) -> bool:
    return all(hasattr(cls, f"_{cls.__name__}__{name}") for name in names)


def triggers(pattern: Any) -> tuple[str, ...]:
    """Return the strings one of which any text `pattern` matches holds; ("",) if unknown."""
    if not isinstance(pattern, inlinepatterns.InlineProcessor):  # an old-style pattern
        return _ALWAYS
    known = _BY_CLASS.get(type(pattern))
    if known is not None:
        return known
    if type(pattern) in (inlinepatterns.HtmlInlineProcessor, inlinepatterns.SubstituteTagInlineProcessor) or (
        type(pattern) is inlinepatterns.DelimiterProcessor
    ):
        return _BY_EXPRESSION.get(pattern.compiled_re.pattern, _ALWAYS)
    return _ALWAYS


def _one_or_all(found: tuple[str, ...]) -> str | tuple[str, ...]:
    """A pattern's triggers, one as a plain string: `in` on it costs a third of any() on a tuple,
    and the gate is asked ~350 times a document (4% of the conversion time)."""
    return found[0] if len(found) == 1 else found


class _GatedInline(treeprocessors.InlineProcessor):
    """The library's inline pass, trying on each text only the patterns it could match."""

    def run(self, tree: Any, ancestors: list[str] | None = None) -> Any:
        patterns = list(self.md.inlinePatterns)  # in priority order
        if not self.md.references:  # nothing for a reference to resolve to: it never matches
            patterns = [pattern for pattern in patterns if type(pattern) not in _REFERENCES]
        self.inlinePatterns = patterns  # type: ignore[assignment]
        self._triggers = [_one_or_all(triggers(pattern)) for pattern in patterns]
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803
        """The library's loop (treeprocessors.InlineProcessor.__handleInline), with the gate."""
        if isinstance(data, util.AtomicString):
            return data
        apply: Callable[..., tuple[str, bool, int]] = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        patterns, gates = self.inlinePatterns, self._triggers
        start = 0
        index = patternIndex
        while index < len(patterns):
            gate = gates[index]
            may_match = (gate in data) if isinstance(gate, str) else any(trigger in data for trigger in gate)
            if not may_match:
                index, start = index + 1, 0  # as the pattern finding nothing would
                continue
            data, matched, start = apply(patterns[index], data, index, start)
            if not matched:
                index += 1
        return data
