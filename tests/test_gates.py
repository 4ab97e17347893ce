"""The gated inline pass (matinee/gates.py) gives the library's own output, byte for byte."""

from __future__ import annotations

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matinee.gates import _GatedInline, gate_block_tests, gate_document_passes, gate_inline_patterns, triggers
from matinee.markup import EXTENSIONS
from matinee.spoilers import SpoilerExtension

CONSTRUCTS = [
    "*em* and **strong** and ***both*** and _under_ and __double__ and snake_case_name",
    "a * lone star, 2 * 3 * 4, and ** loose ** ones; a_b_c",
    "*The Warm Winter* opened [in Venice](https://example.org/a_b) and *Cut VI* **did not**.",
    '[inline](https://x.org "title") and [ref][one] and [one] and [Two][] and [missing][nope]\n\n'
    "[one]: https://one.example/\n[two]: https://two.example/ 'Two'",
    "[not a ref] and [also not][] with no definitions, and [a](b) after them",
    "![Still from *Dune*](/images/dune.jpg) and ![ref image][pic] and ![pic]\n\n[pic]: /p.png",
    "![alone](/a.png)",
    "Text with a footnote[^1] and another[^note] and a [^missing] one.\n\n[^1]: The *first*.\n[^note]: A [link](/x).",
    "`code with *stars* and [brackets]` and ``double `tick` code`` and \\`escaped\\` ticks",
    "\\*not em\\* and \\[not a link\\] and \\\\ a backslash and \\_ under",
    '<span class="x">inline *html*</span> and <br> and <!-- a comment --> and <?pi?>',
    "<https://example.org/auto_link> and <someone@example.org> and a < b > c",
    "&amp; &copy; &#169; &#xA9; & not an entity; AT&T",
    "a line that ends in two spaces  \nand goes on, and one that ends in one \nand so on",
    "\"Quoted,\" she said -- and then --- wait... it's the '90s.",
    '!!! spoiler "The ending"\n    *Everyone* dies, [see](/x).\n\nAfter.',
    "# Heading *one*\n\n## Heading with `code`\n\n> a *quote* with [a link](/q)\n\n- item *one*\n- item [two](/2)",
    "| a | *b* |\n|---|---|\n| [c](/c) | `d` |",
    "Term\n:   Definition with *em*\n\n*[HTML]: Hyper Text\n\nHTML here",
    "```python\nx = '*not em*'\n```\n\n    indented *code*",
    '<div class="embed" data-provider="video" data-id="3057e4472a"></div>\n\nAfter *embed*.',
    "A paragraph {: .lead }\n\n*em*{: #id }",
    "Title: Part One\n:   a definition\n\n#not a heading?\n\n# A heading #\n\ntext > quote\n\n> quote\n> > nested",
    "para\n[ref]: /url\nmore\n\n*[ABBR]: An abbreviation\n\nABBR [^n]\n\n[^n]: note\n    indented note",
    "***strong em*** and **strong *em inside*** and *em **strong inside***",
    "[link with *em* and `code`](/x) and [nested [brackets]](/y) and [](/empty)",
    "Setext title\n============\n\nA sub-heading\n-------------\n\ntext",
    "[TOC]\n\n# One\n\n## Two {: #second }\n\ntext",
    "[TOC]\n\nNo headings, only the marker.",
    '<div markdown="1">\n## Inside *HTML*\n</div>\n\n<h2 markdown="1">A raw *heading*</h2>\n\ntext',
    "Braces { alone } and {: .not-attr and }{ in text, and `{: .code }`",
    "Entities &#123;: .x &#125; and &lt;h2&gt; are not markup",
]


def stock() -> markdown.Markdown:
    return markdown.Markdown(extensions=[*EXTENSIONS, SpoilerExtension()], output_format="html")


def gated() -> markdown.Markdown:
    md = stock()
    gate_inline_patterns(md)
    gate_block_tests(md)
    gate_document_passes(md)
    return md


def test_the_gated_pass_is_in_use() -> None:
    assert isinstance(gated().treeprocessors["inline"], _GatedInline)


@pytest.mark.parametrize("text", CONSTRUCTS)
def test_each_construct_converts_as_the_library_does(text: str) -> None:
    assert gated().convert(text) == stock().convert(text)


def test_a_reused_instance_converts_as_a_fresh_one() -> None:
    """References and footnotes of one document do not leak into the next."""
    md = gated()
    for text in CONSTRUCTS + CONSTRUCTS[::-1]:
        assert md.reset().convert(text) == stock().convert(text)


_PIECES = st.sampled_from(
    ["> ", "# ", "## ", ": ", "*[", "]:", "    ", "1. ", "- ", "---",
     "*", "**", "_", "__", "[", "]", "(", ")", "!", "`", "\\", "<", ">", "&", ";", "^", ":", "  \n", "\n", "\n\n",
     " ", "a", "word", "http://x.org", "@", "#", "-", '"', "'", "[^1]", "[x]: /u", "[^1]: n", "<b>", "</b>",
     "{", "}", "{: .x }", "{: #i }", "[TOC]", "===", "\n---\n", "<div markdown=\"1\">", "</div>", "<h2>", "</h2>"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_any_mix_of_markup_characters_converts_as_the_library_does(text: str) -> None:
    assert gated().convert(text) == stock().convert(text)


def test_the_block_tests_are_gated() -> None:
    md = gated()
    quote = md.parser.blockprocessors["quote"]
    assert not quote.test(None, "no quote here") and quote.test(None, "> a quote")


def test_an_unknown_pattern_is_always_tried() -> None:
    class Custom(markdown.inlinepatterns.InlineProcessor):
        pass

    assert triggers(Custom(r"x")) == ("",)


@pytest.mark.parametrize(
    ("text", "running"),
    [
        ("Plain *news* with a [link](/x).\n\n- a list\n- of items", set()),
        ("Braces {: .lead }", {"attr_list"}),
        ("# A heading", {"toc"}),
        ("A title\n---", {"toc"}),
        ("[TOC]", {"toc"}),
        ("<b>raw</b>", {"html_block", "toc"}),
    ],
)
def test_a_pass_runs_only_on_a_document_that_may_give_it_work(text: str, running: set[str]) -> None:
    md = stock()
    ran: set[str] = set()
    for registry, name in (
        (md.preprocessors, "html_block"),
        (md.treeprocessors, "attr_list"),
        (md.treeprocessors, "toc"),
    ):
        processor = registry[name]
        processor.run = lambda data, name=name, run=processor.run: (
            ran.add(name) or run(data)
        )  # before the gate wraps it
    gate_document_passes(md)
    assert md.convert(text) == stock().convert(text)
    assert ran == running
