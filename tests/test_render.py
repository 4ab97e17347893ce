"""render.py: Jinja layouts with inheritance and autoescaping; layout errors at file:line."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from conftest import REPO, build_site, errors_of, make_site, post

from matinee.errors import flatten
from matinee.layouts import make_env


def layout_errors(tmp_path: Path, layouts: dict[str, str], **files: str) -> list[str]:
    """Build a one-post site with `layouts` overriding the defaults; return its errors."""
    root = make_site(
        tmp_path,
        {
            **{f"layouts/{name}": text for name, text in layouts.items()},
            "content/posts/a.md": post("A", date="2024-01-02"),
            "content/about.md": "---\ntitle: About\n---\nUs.\n",
            **files,
        },
    )
    return errors_of(root)


# --- the environment ----------------------------------------------------------------------


def test_the_environment_autoescapes(tmp_path: Path) -> None:
    env = make_env(REPO / "layouts")
    assert env.from_string("{{ x }}").render(x="<b>&</b>") == "&lt;b&gt;&amp;&lt;/b&gt;"


def test_the_environment_is_strict_about_undefined_names() -> None:
    env = make_env(REPO / "layouts")
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ nope }}").render()


def test_the_date_filter() -> None:
    from datetime import UTC, datetime

    env = make_env(REPO / "layouts")
    moment = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    assert env.from_string("{{ m | date }}").render(m=moment) == "1 March 2024"
    assert env.from_string("{{ m | date('iso') }}").render(m=moment) == "2024-03-01T09:30:00+00:00"


# --- layout errors name the layout file and line ------------------------------------------


def test_a_template_syntax_error_names_the_layout_and_line(tmp_path: Path) -> None:
    broken = '{% extends "base.html" %}\n{% block main %}\n<h1>{{ page.title }</h1>\n{% endblock %}\n'
    messages = layout_errors(tmp_path, {"post.html": broken})
    assert len(messages) == 1
    assert messages[0].startswith("layouts/post.html:3: ")


def test_a_syntax_error_in_a_parent_layout_names_the_parent(tmp_path: Path) -> None:
    base = (REPO / "layouts/base.html").read_text(encoding="utf-8").splitlines()
    base[3] = "{% if %}"
    messages = layout_errors(tmp_path, {"base.html": "\n".join(base) + "\n"})
    assert messages and all(message.startswith("layouts/base.html:4: ") for message in messages)


def test_an_undefined_variable_names_the_layout_and_line(tmp_path: Path) -> None:
    broken = '{% extends "base.html" %}\n{% block main %}\n<p>\n{{ nope }}\n</p>\n{% endblock %}\n'
    messages = layout_errors(tmp_path, {"post.html": broken})
    assert messages == ["layouts/post.html:4: 'nope' is undefined"]


def test_an_undefined_attribute_names_the_layout_and_line(tmp_path: Path) -> None:
    broken = '{% extends "base.html" %}\n{% block main %}\n{{ page.subtitle }}\n{% endblock %}\n'
    (message,) = layout_errors(tmp_path, {"post.html": broken})
    assert message.startswith("layouts/post.html:3: ")
    assert "subtitle" in message


def test_an_error_in_a_partial_names_the_partial(tmp_path: Path) -> None:
    partial = "{% macro box(post) %}\n<div>\n{{ post.summry }}\n</div>\n{% endmacro %}\n"
    layout = (
        '{% extends "base.html" %}\n{% from "partials/box.html" import box %}\n'
        "{% block main %}{{ box(page) }}{% endblock %}\n"
    )
    messages = layout_errors(tmp_path, {"partials/box.html": partial, "post.html": layout})
    (message,) = messages
    assert message.startswith("layouts/partials/box.html:3: ")
    assert "summry" in message


def test_errors_in_several_layouts_are_all_reported(tmp_path: Path) -> None:
    post_layout = '{% extends "base.html" %}\n{% block main %}{{ nope_post }}{% endblock %}\n'
    page_layout = '{% extends "base.html" %}\n\n{% block main %}{{ nope_page }}{% endblock %}\n'
    messages = layout_errors(tmp_path, {"post.html": post_layout, "page.html": page_layout})
    assert "layouts/post.html:2: 'nope_post' is undefined" in messages
    assert "layouts/page.html:3: 'nope_page' is undefined" in messages


def test_one_broken_layout_used_by_many_pages_is_reported_once(tmp_path: Path) -> None:
    broken = '{% extends "base.html" %}\n{% block main %}{{ nope }}{% endblock %}\n'
    messages = layout_errors(
        tmp_path,
        {"post.html": broken},
        **{f"content/posts/p{n}.md": post(f"P{n}", date="2024-01-03") for n in range(5)},
    )
    assert messages == ["layouts/post.html:2: 'nope' is undefined"]


def test_a_layout_that_needs_a_missing_layout_names_both(tmp_path: Path) -> None:
    broken = '{% extends "nothere.html" %}\n'
    (message,) = layout_errors(tmp_path, {"page.html": broken})
    assert message.startswith("layouts/page.html")
    assert "nothere.html" in message


def test_a_layout_that_raises_is_an_error_not_a_crash(tmp_path: Path) -> None:
    broken = '{% extends "base.html" %}\n{% block main %}\n{{ 1 / 0 }}\n{% endblock %}\n'
    (message,) = layout_errors(tmp_path, {"post.html": broken})
    assert message.startswith("layouts/post.html:3: ")
    assert "ZeroDivisionError" in message


def test_layouts_that_include_each_other_forever_are_an_error(tmp_path: Path) -> None:
    messages = layout_errors(tmp_path, {"post.html": '{% include "post.html" %}\n'})
    assert messages and all(message.startswith("layouts/post.html") for message in messages)


# --- what layouts get ---------------------------------------------------------------------


def test_layouts_inherit_from_base(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "layouts/base.html": "<html><body><div id='chrome'>{{ config.title }}</div>"
            "{% block main %}{% endblock %}</body></html>",
            "content/posts/a.md": post("A", date="2024-01-02"),
        },
    )
    html = (build_site(root) / "2024/01/a/index.html").read_text(encoding="utf-8")
    assert "<div id='chrome'>Test Reel</div>" in html
    assert "<h1>A</h1>" in html


def test_a_page_can_pick_its_layout(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "layouts/wide.html": "<main>{{ page.title }}|{{ page.extra.kicker }}</main>",
            "content/about.md": "---\ntitle: About\nlayout: wide.html\nkicker: 2019\n---\nUs.\n",
        },
    )
    html = (build_site(root) / "about/index.html").read_text(encoding="utf-8")
    assert html == "<main>About|2019</main>"


@pytest.mark.parametrize("name", ["../secret", "sub/dir", "x y", "/etc/passwd"])
def test_a_layout_name_must_be_a_file_in_layouts(tmp_path: Path, name: str) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", layout=f'"{name}"')})
    with pytest.raises(BaseException) as caught:  # noqa: B017
        build_site(root)
    (message,) = [str(error) for error in flatten(caught.value)]
    assert message.startswith("content/posts/a.md:3: layout ")


def test_values_printed_by_a_layout_are_escaped(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "layouts/raw.html": "{{ page.title }}|{{ page.extra.note }}|{{ page.extra.list[0] }}",
            "content/posts/a.md": post(
                "<i>T</i>", layout="raw", note='"<b>n</b>"', list='["<s>x</s>"]', date="2024-01-02"
            ),
        },
    )
    html = (build_site(root) / "2024/01/a/index.html").read_text(encoding="utf-8")
    assert html == "&lt;i&gt;T&lt;/i&gt;|&lt;b&gt;n&lt;/b&gt;|&lt;s&gt;x&lt;/s&gt;"
