"""Only safe URLs come out of front matter and config.yaml: every value a layout prints into
href, src, srcset, a URL meta tag or a JSON-LD URL is a relative path or an http(s) address.
Anything else (javascript:, data:, another scheme, a control character hidden in one) is a
`path:line` error naming the field, and nothing is written."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import MINIMAL_CONFIG, build_site, image_bytes, make_site, post
from sandbox import build_cli, only_problem

from matinee.errors import flatten
from matinee.urls import is_safe_url

# Each is refused wherever a URL is read. YAML's double-quoted escapes (json.dumps writes
# them) carry the control characters into the value, as a hostile file would.
HOSTILE = [
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "\x01javascript:alert(1)",
    "javascript\n:alert(1)",
    "data:image/svg+xml,<svg onload=alert(1)>",
    "DATA:text/html;base64,PHNjcmlwdD4=",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "ftp://example.org/still.jpg",
    "//evil.example/still.jpg",
    "\\\\evil.example\\still.jpg",
    "https:evil.example/still.jpg",
    "https:///still.jpg",
    "https://example.org/\x7fstill.jpg",
]
SAFE = [
    "still.jpg",
    "images/still.jpg",
    "../still.jpg",
    "/images/still.jpg",
    "/images/a still.jpg",
    "https://example.org/still.jpg",
    "HTTP://EXAMPLE.ORG/still.jpg",
    "https://www.youtube.com/watch?v=Way9Dexny3w",
]
FILM = "---\ntitle: Dune\n{key}: {value}\n---\nA film.\n"
Site = Callable[[str, str], dict[str, str]]  # (field, value) -> the files of a site
RULE = "must be a relative path or an http(s) address"
SAID = {"trailer": "must be a web address starting with https://", "base_url": "must be like https://example.org/"}


@pytest.mark.parametrize("url", HOSTILE)
def test_a_hostile_url_is_not_safe(url: str) -> None:
    assert not is_safe_url(url)


@pytest.mark.parametrize("url", SAFE)
def test_a_path_or_a_web_address_is_safe(url: str) -> None:
    assert is_safe_url(url)


def front_matter_site(field: str, value: str) -> dict[str, str]:
    """The files of a site whose `field` holds `value` (written as a YAML quoted string)."""
    quoted = json.dumps(value)
    if field == "image":
        return {"content/posts/x.md": post("X", image=quoted)}
    if field == "aliases":
        return {"content/posts/x.md": post("X", aliases=f"[{quoted}]")}
    return {"content/films/dune.md": FILM.format(key=field, value=quoted)}


def config_site(field: str, value: str) -> dict[str, str]:
    """The files of a site whose config.yaml `field` holds `value`."""
    lines = [line for line in MINIMAL_CONFIG.splitlines() if not line.startswith(f"{field}:")]
    return {"config.yaml": "\n".join([*lines, f"{field}: {json.dumps(value)}", ""])}


def build_errors(root: Path) -> list[str]:
    """Build `root` in-process; return the errors it reported, as the CLI prints them."""
    try:
        build_site(root)
    except Exception as error:  # noqa: BLE001 - flatten re-raises anything but MatineeErrors
        return [str(leaf) for leaf in flatten(error)]
    return []


def line_of(root: Path, rel: str, key: str) -> int:
    lines = (root / rel).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if line.startswith(f"{key}:"))


@pytest.mark.parametrize("url", HOSTILE)
@pytest.mark.parametrize(
    ("field", "files"),
    [
        ("image", front_matter_site),
        ("poster", front_matter_site),
        ("trailer", front_matter_site),
        ("image", config_site),
        ("base_url", config_site),
    ],
    ids=["post image", "film poster", "film trailer", "config image", "config base_url"],
)
def test_a_hostile_url_is_an_error_at_its_line_and_nothing_is_written(
    tmp_path: Path, field: str, files: Site, url: str
) -> None:
    made = files(field, url)
    root = make_site(tmp_path, made)
    (rel,) = made
    errors = build_errors(root)
    assert errors, "the build accepted the URL"
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{rel}:{line_of(root, rel, field)}: {field} "), errors
    assert SAID.get(field, RULE) in errors[0], errors
    assert not (root / "site").exists()


@pytest.mark.parametrize("url", [url for url in HOSTILE if ":" in url])
def test_an_alias_with_a_scheme_is_an_error_at_its_line(tmp_path: Path, url: str) -> None:
    root = make_site(tmp_path, front_matter_site("aliases", url))
    errors = build_errors(root)
    assert errors and errors[0].startswith(f"content/posts/x.md:{line_of(root, 'content/posts/x.md', 'aliases')}: ")
    assert "alias" in errors[0]
    assert not (root / "site").exists()


@pytest.mark.parametrize(
    ("field", "files", "url"),
    [
        ("image", front_matter_site, "/still.png"),
        ("image", front_matter_site, "https://cdn.example.org/still.jpg"),
        ("poster", front_matter_site, "https://cdn.example.org/dune.jpg"),
        ("trailer", front_matter_site, "https://www.youtube.com/watch?v=Way9Dexny3w"),
        ("image", config_site, "https://example.org/share.png"),
        ("base_url", config_site, "https://example.org/blog/"),
    ],
)
def test_a_safe_url_still_builds(tmp_path: Path, field: str, files: Site, url: str) -> None:
    root = make_site(tmp_path, {**files(field, url), "content/still.png": image_bytes()})
    assert build_errors(root) == []


def test_the_cli_exits_1_naming_the_field_and_leaves_the_old_site(tmp_path: Path) -> None:
    files = {"content/posts/x.md": post("X", image="still.png"), "content/posts/still.png": image_bytes()}
    root = make_site(tmp_path, files)
    assert build_cli(root).code == 0, "the good site did not build"
    before = (root / "site/2024/01/x/index.html").read_bytes()
    (root / "content/posts/x.md").write_text(post("X", image='"javascript:alert(1)"'), encoding="utf-8")
    problem = only_problem(build_cli(root))
    assert problem.startswith("content/posts/x.md:3: image 'javascript:alert(1)' "), problem
    assert (root / "site/2024/01/x/index.html").read_bytes() == before
