"""`build` refuses Hugo, Liquid and WordPress markup it cannot render, at its file line."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import build_site, make_site, post

from matinee.errors import flatten
from matinee.leftovers import find_foreign_markup


def test_hugo_shortcode_is_an_error_at_its_file_line(tmp_path: Path) -> None:
    body = "First paragraph.\n\n{{< youtube dQw4w9WgXcQ >}}\n"
    root = make_site(tmp_path, {"content/posts/a.md": post("A", body=body)})
    with pytest.raises(ExceptionGroup) as caught:
        build_site(root)
    (problem,) = flatten(caught.value)
    assert str(problem).startswith("content/posts/a.md:7: {{< youtube >}} looks like a Hugo shortcode")
    assert "URL on a line of its own" in problem.message


def test_liquid_and_wordpress_markup_on_a_page_are_errors(tmp_path: Path) -> None:
    body = (
        "{% post_url 2024-01-01-a %}\n\nLogo: {{ site.baseurl }}/logo.png\n\n"
        '[caption id="x"]<img src=a.png>[/caption]\n'
    )
    root = make_site(tmp_path, {"content/about.md": f"---\ntitle: About\n---\n{body}"})
    with pytest.raises(ExceptionGroup) as caught:
        build_site(root)
    problems = sorted(str(problem) for problem in flatten(caught.value))
    assert [problem.split(": ")[0] for problem in problems] == [
        "content/about.md:4",
        "content/about.md:6",
        "content/about.md:8",
    ]
    assert "Jekyll (Liquid) tag" in problems[0] and "site.baseurl" in problems[1] and "[caption]" in problems[2]


def test_markup_inside_code_and_comments_is_left_alone() -> None:
    body = "\n".join(
        [
            "Write `{{< youtube ID >}}` in Hugo.",
            "",
            "```",
            "{% highlight ruby %}",
            "```",
            "",
            "    {{ site.title }}",
            "",
            "<!-- {{< gist x >}} -->",
            "[caption](https://example.org/) is a link, [embed]: /x a reference",
        ]
    )
    assert find_foreign_markup(body, 5) == []


@pytest.mark.parametrize(
    "line",
    [
        '[gallery ids="1,2"]',  # alone on its line
        '`x` [gallery ids="1,2"]',  # after a code span, as the scan blanks it
        'Intro.\n<!--more-->[caption id="1"]<img src=a.png>[/caption]',  # after a comment
    ],
)
def test_a_wordpress_shortcode_in_a_body_without_braces_is_found(line: str) -> None:
    """The scan runs only on bodies that may hold markup: one with no "{" may still."""
    body = f"First paragraph.\n\n{line}\n"
    (found,) = find_foreign_markup(body, 3)
    assert found[0] == 3 + body.count("\n", 0, body.index("[")) and "WordPress shortcode" in found[1]


def test_list_continuation_is_not_taken_for_code() -> None:
    body = "- item\n\n    {{< tweet 1 >}}\n"
    assert [line for line, _ in find_foreign_markup(body, 10)] == [12]


def test_single_digit_month_and_day_are_read(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", date="2026-3-4")})
    out = build_site(root)
    assert (out / "2026/03/a/index.html").is_file()
