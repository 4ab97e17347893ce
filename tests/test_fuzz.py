"""Property-based fuzzing of front matter and Markdown: a build succeeds, or it reports
`content/...:line: message` errors (MatineeError, or an ExceptionGroup of them), never anything else.

A successful build must also leave feeds and sitemaps that parse as XML and pages whose
JSON-LD parses as JSON, since readers and search engines choke on either.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import html5lib
from conftest import build_site, make_site
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matinee.errors import MatineeError, flatten

POST = "content/posts/x.md"
PLACED = re.compile(r"content/(posts/x|posts/y|films/dune|about)\.md:\d+: \S")
# CI runs 50 examples a test; MATINEE_FUZZ_EXAMPLES=5000 digs deeper on a quiet afternoon.
EXAMPLES = int(os.environ.get("MATINEE_FUZZ_EXAMPLES", "50"))
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)

KEYS = [
    "title",
    "date",
    "updated",
    "author",
    "summary",
    "tags",
    "films",
    "people",
    "draft",
    "slug",
    "layout",
    "aliases",
    "image_alt",
    "spoilers",
    "correction",
    "caption",
]
YAML_SPECIALS = ":{}[],&*#?|-<>=!%@`\"'\\~ \t\n"
CONTROL = "".join(map(chr, [0x01, 0x07, 0x08, 0x0B, 0x0C, 0x1B, 0x7F, 0x85, 0x9F, 0x2028, 0xFEFF, 0xFFFE]))
UNICODE = "éßøΩЖ中文ह\u0301🎬\u200b\u202e"
text = st.text(alphabet=st.sampled_from(YAML_SPECIALS + CONTROL + UNICODE + "abcXYZ019 "), max_size=30)
plain = st.text(alphabet=st.sampled_from("abcdefghij XYZ-_019éΩ中"), min_size=1, max_size=20)


def quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


scalar = st.one_of(
    text,  # raw: often not valid YAML at all
    text.map(quoted),  # a double-quoted string holding anything, control characters too
    plain,
    st.sampled_from(
        [
            "2024-02-30",
            "2024-01-01",
            "2024-01-01T25:00:00Z",
            "0001-01-01T00:30:00+01:00",  # before year 1 in UTC
            "9999-12-31T23:00:00-05:00",  # after year 9999 in UTC
            "yes",
            "No",
            "~",
            "null",
            "1e3",
            "0x1F",
            "2001: A Space Odyssey",
            "&a x",
            "*a",
            "!!str 1917",
            "!!binary aGk=",
            "|\n  block",
            ">-\n  folded",
            "'single ''quote'''",
            '"unterminated',
            "[open",
            "{a: b}",
            "? x",
            "%TAG",
            "...",
            "---",
        ]
    ),
)
value = st.one_of(
    scalar,
    st.lists(scalar, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
    st.lists(scalar, max_size=3).map(lambda items: "".join(f"\n  - {item}" for item in items)),
    st.dictionaries(plain, scalar, max_size=2).map(lambda pairs: "".join(f"\n  {k}: {v}" for k, v in pairs.items())),
)
key = st.one_of(st.sampled_from(KEYS), plain, text)
front_matter = st.lists(st.tuples(key, value), max_size=8)

MARKDOWN_BITS = [
    "# Head",
    "## Sub {: #id .class }",
    "* item",
    "1. one",
    "> quote",
    "---",
    "***",
    "```\ncode\n```",
    "    indented",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "[link](other.md)",
    "[abs](https://example.org)",
    "![img](pic.png)",
    "![](/x.jpg)",
    '<div markdown="1">*x*</div>',
    "<script>alert(1)</script>",
    "<!-- more -->",
    "[^1]\n\n[^1]: note",
    "Term\n: definition",
    "*[HTML]: Hyper",
    '!!! spoiler "End"\n    It was a dream.',
    "https://www.youtube.com/watch?v=x",
    "<https://example.org>",
    "&amp; &#0; &#x110000; &bogus;",
    "`code`",
    "**bold _it_**",
    "\\",
    "\t",
    "[ref]\n\n[ref]: /",
    "<",
    ">",
    "&",
    "\u0000",
    "\r\n",
    "\ufeff",
    "\x0c",
    "[x](../../../../etc/passwd)",
    "[x](#frag)",
    "[x](<a b>)",
]
markdown = st.lists(
    st.one_of(
        st.sampled_from(MARKDOWN_BITS),
        st.text(alphabet=st.sampled_from("*_[]()!#>-+=|`\\<>&:{}~\n \tabc" + CONTROL + UNICODE), max_size=40),
    ),
    max_size=12,
).map("\n\n".join)


def check_build(files: dict[str, str]) -> None:
    """Build `files` in a scratch folder; assert success with sound XML, or placed errors only."""
    with tempfile.TemporaryDirectory() as scratch:
        root = make_site(Path(scratch), {})
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8", errors="surrogatepass")
        try:
            out = build_site(root)
        except (MatineeError, ExceptionGroup) as error:
            problems = [str(problem) for problem in flatten(error)]  # re-raises anything else
            assert problems
            for problem in problems:
                assert PLACED.match(problem), problem
            return
        for path in out.rglob("*.xml"):
            ET.parse(path)  # feeds and sitemaps stay well-formed whatever the text held
        for path in out.rglob("*.html"):
            document = html5lib.parse(path.read_bytes(), treebuilder="etree", namespaceHTMLElements=False)
            for script in document.iter("script"):
                if script.get("type") == "application/ld+json":
                    json.loads(script.text or "")


def post_text(fields: list[tuple[str, str]], body: str, *, title: bool = True, date: bool = True) -> str:
    lines = (["title: Fuzzed"] if title else []) + (["date: 2024-01-01"] if date else [])
    lines += [f"{name}: {text}" for name, text in fields]
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


@FUZZ
@given(fields=front_matter, title=st.booleans(), date=st.booleans())
def test_any_front_matter_builds_or_gives_placed_errors(fields: list[tuple[str, str]], title: bool, date: bool) -> None:
    check_build({POST: post_text(fields, "A body.", title=title, date=date)})


@FUZZ
@given(
    body=markdown,
    fields=st.lists(
        st.tuples(st.sampled_from(["title", "summary", "tags", "films", "people"]), text.map(quoted)), max_size=3
    ),
)
def test_any_markdown_body_builds_or_gives_placed_errors(body: str, fields: list[tuple[str, str]]) -> None:
    names = {name for name, _ in fields}
    fields = (
        [(name, text) for name, text in fields if name != "title"] if "title" in names and len(names) > 1 else fields
    )
    check_build({POST: post_text(fields, body, title="title" not in names)})


@FUZZ
@given(body=markdown, film=front_matter, page=front_matter)
def test_film_and_page_files_build_or_give_placed_errors(
    body: str, film: list[tuple[str, str]], page: list[tuple[str, str]]
) -> None:
    check_build(
        {
            POST: post_text([("films", "[Dune]")], "About [the film](../films/dune.md)."),
            "content/films/dune.md": post_text(film, body, date=False),
            "content/about.md": post_text(page, body, date=False),
        }
    )
