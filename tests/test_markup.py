"""markup.py: Markdown with the extensions a news writer expects, smart punctuation, summaries."""

from __future__ import annotations

import html5lib
import pytest
from hypothesis import given
from hypothesis import strategies as st

from matinee.markup import MarkdownConverter, description, plain_text, smarten, without_spoilers

pytestmark = pytest.mark.pure  # no build, no disk: part of the inner loop

NS = {"h": "http://www.w3.org/1999/xhtml"}


def convert(text: str) -> str:
    """Return the HTML for `text` through a fresh converter."""
    return MarkdownConverter().convert(text)


def parse(fragment: str):  # type: ignore[no-untyped-def]
    """Return the parsed fragment as an ElementTree element (html5lib, namespaced)."""
    return html5lib.parseFragment(fragment, treebuilder="etree", namespaceHTMLElements=True)


def text_of(element) -> str:  # type: ignore[no-untyped-def]
    return "".join(element.itertext())


# --- extensions --------------------------------------------------------------------------


def test_tables() -> None:
    tree = parse(convert("| Film | Year |\n|------|------|\n| Dune | 2021 |\n"))
    cells = [text_of(cell) for cell in tree.iterfind(".//h:td", NS)]
    assert cells == ["Dune", "2021"]
    assert [text_of(cell) for cell in tree.iterfind(".//h:th", NS)] == ["Film", "Year"]


def test_footnotes() -> None:
    tree = parse(convert("It made $711m.[^1]\n\n[^1]: Box Office Mojo.\n"))
    reference = tree.find(".//h:sup/h:a", NS)
    assert reference is not None and reference.get("href") == "#fn:1"
    note = tree.find(".//h:div[@class='footnote']//h:li", NS)
    assert note is not None and note.get("id") == "fn:1"
    assert "Box Office Mojo." in text_of(note)


def test_attribute_lists() -> None:
    tree = parse(convert("## Verdict {: #verdict .rating }\n\nFive stars.\n{: .lead }\n"))
    heading = tree.find(".//h:h2", NS)
    assert heading is not None and heading.get("id") == "verdict"
    assert heading.get("class") == "rating"
    paragraph = tree.find(".//h:p", NS)
    assert paragraph is not None and paragraph.get("class") == "lead"


def test_fenced_code_blocks() -> None:
    tree = parse(convert('```python\nprint("Dune -- Part Two...")\n```\n'))
    code = tree.find(".//h:pre/h:code", NS)
    assert code is not None
    assert "python" in (code.get("class") or "")
    assert text_of(code) == 'print("Dune -- Part Two...")\n'


def test_headings_get_table_of_contents_ids() -> None:
    tree = parse(convert("## From exile to messiah\n\n### Spectacle, with a purpose!\n"))
    ids = [heading.get("id") for heading in tree.iter() if heading.tag.endswith(("}h2", "}h3"))]
    assert ids == ["from-exile-to-messiah", "spectacle-with-a-purpose"]


def test_headings_in_any_script_get_ids_like_page_slugs() -> None:
    tree = parse(convert("## 千と千尋の神隠し\n\n## Café Society\n\n## 千と千尋の神隠し\n"))
    ids = [heading.get("id") for heading in tree.iter() if heading.tag.endswith("}h2")]
    assert ids == ["千と千尋の神隠し", "cafe-society", "千と千尋の神隠し_1"]


def test_a_converter_keeps_no_state_between_documents() -> None:
    converter = MarkdownConverter()
    first = converter.convert("## Verdict\n\nA.[^1]\n\n[^1]: One.\n")
    second = converter.convert("## Verdict\n\nB.[^1]\n\n[^1]: Two.\n")
    assert first.replace("A.", "B.").replace("One.", "Two.") == second
    assert 'id="verdict"' in second


def test_raw_html_passes_through() -> None:
    assert '<figure class="wide">' in convert('<figure class="wide"><img src="a.png" alt="A"></figure>\n')


# --- smart punctuation -------------------------------------------------------------------


def test_smart_quotes_dashes_and_ellipses_in_text() -> None:
    tree = parse(convert("\"Dune\" -- the 'spice' must flow --- or else...\n"))
    assert text_of(tree) == "“Dune” – the ‘spice’ must flow — or else…"


def test_apostrophes() -> None:
    assert text_of(parse(convert("Villeneuve's *Dune*'s sequel\n"))) == "Villeneuve’s Dune’s sequel"


def test_an_apostrophe_after_inline_code_closes() -> None:
    assert text_of(parse(convert("The `ffmpeg`'s output\n"))) == "The ffmpeg’s output"


def test_decade_abbreviations_take_an_apostrophe() -> None:
    assert text_of(parse(convert("Back in the '90s\n"))) == "Back in the ’90s"


def test_no_smart_punctuation_inside_code() -> None:
    tree = parse(convert('Run `a -- "b" ...` now.\n\n```\nx = "y" -- \'z\' ...\n```\n'))
    codes = [text_of(code) for code in tree.iterfind(".//h:code", NS)]
    assert codes == ['a -- "b" ...', "x = \"y\" -- 'z' ...\n"]


def test_no_smart_punctuation_inside_attributes() -> None:
    tree = parse(convert('[a -- link](https://example.org/a--b "it\'s")\n'))
    link = tree.find(".//h:a", NS)
    assert link is not None
    assert link.get("href") == "https://example.org/a--b"
    assert link.get("title") == "it's"
    assert text_of(link) == "a – link"


def test_smarten_leaves_comments_alone() -> None:
    markup = smarten("<p>A -- B</p>\n<!-- more -->\n")
    assert markup.endswith("</p>\n<!-- more -->\n")
    paragraph = parse(markup).find("h:p", NS)
    assert paragraph is not None and text_of(paragraph) == "A – B"


# --- summaries ---------------------------------------------------------------------------


def test_summary_is_the_first_paragraph_as_plain_text() -> None:
    body = convert("A **bold** start, with [a link](x.md).\n\nSecond paragraph.\n")
    assert description(None, body) == "A bold start, with a link."


def test_summary_is_the_text_before_the_more_marker() -> None:
    body = convert("One.\n\nTwo.\n\n<!-- more -->\n\nThree.\n")
    assert description(None, body) == "One. Two."


@pytest.mark.parametrize("marker", ["<!--more-->", "<!--  more -->", "<!-- MORE -->"])
def test_the_more_marker_may_be_spaced_either_way(marker: str) -> None:
    assert description(None, convert(f"One.\n\nTwo.\n\n{marker}\n\nThree.\n")) == "One. Two."


def test_summary_skips_a_paragraph_that_is_only_an_image() -> None:
    assert description(None, convert("![A still](still.png)\n\nThe review starts here.\n")) == (
        "The review starts here."
    )


def test_summary_reads_a_paragraph_with_attributes() -> None:
    assert description(None, convert("The lead.\n{: .lead }\n\nMore.\n")) == "The lead."


def test_summary_keeps_words_whole_around_inline_markup() -> None:
    assert description(None, convert('*Dune*\'s "**second**" part\n')) == "Dune’s “second” part"


def test_summary_drops_footnote_markers() -> None:
    assert description(None, convert("It made $711m[^1].\n\n[^1]: Box Office Mojo.\n")) == "It made $711m."


def test_summary_is_plain_text_with_entities_decoded() -> None:
    summary = description(None, convert("Tom &amp; Jerry & <b>friends</b> say 1 < 2\n"))
    assert summary == "Tom & Jerry & friends say 1 < 2"


def test_summary_of_an_empty_body_is_empty() -> None:
    assert description(None, convert("")) == ""


def test_plain_text_separates_blocks() -> None:
    assert plain_text("<p>One</p><p>Two<br>Three</p>") == "One Two Three"


@given(st.text(alphabet=st.characters(blacklist_characters="<&"), max_size=200))
def test_summary_never_holds_a_tag(markdown_text: str) -> None:
    # Text the writer typed may hold "</" (it is escaped when printed); generated tags may not.
    summary = description(None, convert(markdown_text))
    assert "<p>" not in summary and "</" not in summary
    assert summary == summary.strip()


def test_description_skips_a_spoiler_block_that_comes_first() -> None:
    body = convert('!!! spoiler "The ending"\n    Kane dies.\n\nThe opening.\n')
    assert description(None, body) == "The opening."


def test_description_keeps_the_writers_summary() -> None:
    assert description("Given.", convert("The opening.\n")) == "Given."


def test_an_unclosed_spoiler_is_removed_to_the_end() -> None:
    assert without_spoilers('<p>A</p><details class="spoiler"><p>Kane dies.</p>') == "<p>A</p>"


def test_a_spoiler_inside_a_spoiler_is_removed_whole() -> None:
    body = convert('!!! spoiler "Outer"\n    One.\n\n    !!! spoiler\n        Two.\n\n    Three.\n\nAfter.\n')
    assert without_spoilers(body).strip() == "<p>After.</p>"
