"""Read a Pelican content folder (Markdown with `Key: value` headers, pelicanconf.py) into a Blog.

pelicanconf.py is Python; it is read with `ast` for plain literal settings and never run,
so importing a blog cannot run its code.
"""

from __future__ import annotations

import ast
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import MatineeError
from ..urls import slugify
from .common import Blog, Entry, link_marker
from .frontmatter import common_fields, parse_date, split_front

MARKDOWN = (".md", ".markdown", ".mkd", ".mdown")
_HEADER = re.compile(r"^([A-Za-z][\w-]*):\s*(.*)$")
_PELICAN_LINK = re.compile(r"\{(filename|static|attach)\}/?([^)\s\"'>]+)|\{(tag|category|author|index)\}([^)\s\"'>]*)")


_TERM_PAGES = {"tag": "tags", "category": "tags", "author": "people"}


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def read_pelican(path: Path, shown: str, not_a_site: type[Exception]) -> Blog:
    """Return the articles, pages and files of a Pelican content folder."""
    settings = _settings(path)
    page_folders = tuple(settings.get("PAGE_PATHS", ["pages"]))
    sources = [file for file in sorted(path.rglob("*")) if file.suffix.lower() in MARKDOWN and file.is_file()]
    site_url = str(settings.get("SITEURL", "")).rstrip("/")
    files = {
        "/" + file.relative_to(path).as_posix(): file
        for file in sorted(path.rglob("*"))
        if file.is_file()
        and file.suffix.lower() not in MARKDOWN + (".rst", ".py", ".pyc")
        and not file.name.startswith(".")
    }
    blog = Blog([], files, (site_url,) if site_url.startswith("http") else ())
    found_one = False
    for file in sources:
        rel = file.relative_to(path)
        origin = f"{shown}/{rel.as_posix()}"
        front, body, body_line = _read(file, origin, blog.untranslated)
        if "title" not in front:
            continue
        found_one = (
            found_one
            or bool(settings)
            or not file.read_text(encoding="utf-8", errors="replace").startswith(("---", "+++"))
        )
        is_page = rel.parts[0] in page_folders
        entry = _entry(rel, origin, front, body, body_line, settings, is_page, blog.untranslated)
        if entry:
            blog.entries.append(entry)
    for rst in sorted(path.rglob("*.rst")):
        blog.untranslated.append(
            MatineeError(
                f"{shown}/{rst.relative_to(path).as_posix()}", 1, "is reStructuredText; convert it to Markdown by hand"
            )
        )
    if not found_one:
        raise not_a_site(
            f"{shown} is not a Pelican content folder (no pelicanconf.py, and no Markdown file with a 'Title:' header)"
        )
    return blog


def _settings(path: Path) -> dict[str, Any]:
    """Return the literal settings of a pelicanconf.py in the folder or beside it."""
    for file in (path / "pelicanconf.py", path.parent / "pelicanconf.py"):
        if file.is_file():
            try:
                tree = ast.parse(file.read_text(encoding="utf-8"))
            except (SyntaxError, UnicodeDecodeError):
                return {}
            settings: dict[str, Any] = {}
            for node in tree.body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    try:
                        settings[node.targets[0].id] = ast.literal_eval(node.value)
                    except ValueError:
                        continue  # computed, not a literal: Pelican's default is used
            return settings
    return {}


def _read(file: Path, origin: str, untranslated: list[MatineeError]) -> tuple[dict[str, Any], str, int]:
    text = file.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
    if text.startswith(("---", "+++")):
        split = split_front(text, origin, untranslated)
        if split:
            return split
    front: dict[str, Any] = {}
    lines = text.split("\n")
    key = ""
    for number, line in enumerate(lines):
        header = _HEADER.match(line)
        if header:
            key = header[1].lower()
            front[key] = header[2].strip()
        elif key and line.startswith(("    ", "\t")) and line.strip():
            front[key] += " " + line.strip()  # a value continued on the next line
        else:
            start = number + (1 if not line.strip() else 0)
            return front, "\n".join(lines[start:]), start + 1
    return front, "", len(lines) + 1


def _entry(
    rel: Path,
    origin: str,
    front: dict[str, Any],
    body: str,
    body_line: int,
    settings: dict[str, Any],
    is_page: bool,
    untranslated: list[MatineeError],
) -> Entry | None:
    title = str(front["title"])
    date = parse_date(front.get("date"))
    if not is_page and date is None:
        untranslated.append(MatineeError(origin, 1, "has no Date: header; it was left out"))
        return None
    slug = slugify(
        str(front.get("slug") or (title if settings.get("SLUGIFY_SOURCE", "title") == "title" else rel.stem))
    )
    linked = {
        key: _PELICAN_LINK.sub(lambda match: _link(match, rel), value) if isinstance(value, str) else value
        for key, value in front.items()
    }
    fields, film = common_fields(linked)
    category = str(front.get("category") or settings.get("DEFAULT_CATEGORY", "misc"))
    status = str(front.get("status", settings.get("DEFAULT_STATUS", "published"))).lower()
    is_draft = status in ("draft", "hidden")
    pattern = str(
        front.get("url")
        or settings.get("PAGE_URL" if is_page else "ARTICLE_URL", "pages/{slug}.html" if is_page else "{slug}.html")
    )
    values = _Missing(
        slug=slug,
        category=slugify(category),
        lang=str(front.get("lang", settings.get("DEFAULT_LANG", "en"))),
        author=slugify(str(front.get("author", ""))),
        date=date or datetime.min,
    )
    try:
        url = "/" + pattern.format_map(values).lstrip("/")
    except (ValueError, KeyError, IndexError):
        url = ""
    body = _PELICAN_LINK.sub(lambda match: _link(match, rel), body)
    names = (f"filename:{rel.as_posix()}",)
    old_urls = (url,) if url and not is_draft else ()
    if is_page:
        return Entry("page", origin, body_line, title, None, slug, body, fields, old_urls, names, page_path=slug)
    return Entry("post", origin, body_line, title, date, slug, body, fields, old_urls, names, is_draft, film)


def _link(match: re.Match[str], rel: Path) -> str:
    """Translate Pelican's {filename}, {static} and {attach} link prefixes."""
    if match[1] == "filename":
        target = match[2]
        if not match[0].startswith("{filename}/"):  # relative to the linking file
            target = (rel.parent / target).as_posix()
        page, _, anchor = target.partition("#")
        return link_marker(f"filename:{page}") + (f"#{anchor}" if anchor else "")
    if match[1] in ("static", "attach"):
        target = match[2] if match[0].startswith(("{static}/", "{attach}/")) else (rel.parent / match[2]).as_posix()
        return "/" + target
    kind, name = match[3], match[4]
    if kind == "index":
        return "/"
    return f"/{_TERM_PAGES[kind]}/{slugify(name)}/"  # categories become tags
