"""Read a Hugo site folder (hugo.toml/config.toml/config.yaml, content/, static/) into a Blog."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from ..errors import MatineeError
from ..urls import slugify
from .common import Blog, Entry, embed_url, figure_html, link_marker, shortcode_arguments, wrap_untranslated
from .frontmatter import common_fields, is_true, parse_date, split_front, split_terms

CONFIG_FILES = (
    "hugo.toml",
    "hugo.yaml",
    "hugo.yml",
    "hugo.json",
    "config.toml",
    "config.yaml",
    "config.yml",
    "config.json",
)
_SHORTCODE = re.compile(
    r"\{\{([<%])\s*/\*(?P<escaped>.*?)\*/\s*[>%]\}\}"  # {{</* x */>}}: Hugo's way to write a shortcode as text
    r"|\{\{([<%])\s*highlight\s+(?P<language>[^\s>%]*)[^}]*?[>%]\}\}\n?(?P<code>.*?)\{\{[<%]\s*/highlight\s*[>%]\}\}"
    r"|\{\{[<%]\s*(?P<name>[\w./-]+)(?P<args>.*?)\s*[>%]\}\}",
    re.DOTALL,
)
_RELATIVE = re.compile(r"""(!?\[[^\]\n]*\]\(\s*|(?<![\w-])src=["'])(?![a-zA-Z][\w+.-]*:|/|#)([^)\s"'>]+)""")


def read_hugo(path: Path, shown: str, not_a_site: type[Exception]) -> Blog:
    """Return the posts, pages and files of a Hugo site."""
    config_file = next((path / name for name in CONFIG_FILES if (path / name).is_file()), None)
    content = path / "content"
    if config_file is None or not content.is_dir():
        raise not_a_site(f"{shown} is not a Hugo site (it needs hugo.toml or config.toml and content/)")
    config = _config(config_file, shown, not_a_site)
    base_url = str(config.get("baseurl") or "").rstrip("/")
    permalinks = {
        str(key).lower(): str(value)
        for key, value in (config.get("permalinks") or {}).items()
        if isinstance(value, str)
    }
    lower = not config.get("disablepathtolower", False)
    files = {
        "/" + file.relative_to(path / "static").as_posix(): file
        for file in sorted((path / "static").rglob("*"))
        if file.is_file()
    }
    blog = Blog([], files, (base_url,) if base_url else ())
    for file in sorted(content.rglob("*.md")):
        if file.name.startswith("_index"):
            continue
        entry = _entry(path, file, shown, permalinks, lower, blog)
        if entry:
            blog.entries.append(entry)
    return blog


def _config(file: Path, shown: str, not_a_site: type[Exception]) -> dict[str, Any]:
    try:
        text = file.read_text(encoding="utf-8")
        loaded = (
            tomllib.loads(text)
            if file.suffix == ".toml"
            else json.loads(text)
            if file.suffix == ".json"
            else yaml.safe_load(text)
        )
    except (tomllib.TOMLDecodeError, yaml.YAMLError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise not_a_site(f"{shown}/{file.name} cannot be read: {error}") from None
    return {str(key).lower(): value for key, value in loaded.items()} if isinstance(loaded, dict) else {}


def _entry(root: Path, file: Path, shown: str, permalinks: dict[str, str], lower: bool, blog: Blog) -> Entry | None:
    origin = f"{shown}/{file.relative_to(root).as_posix()}"
    split = split_front(file.read_text(encoding="utf-8", errors="replace"), origin, blog.untranslated)
    if split is None:
        blog.untranslated.append(MatineeError(origin, 1, "has no front matter (--- or +++); it was left out"))
        return None
    front, body, body_line = split
    inner = file.relative_to(root / "content")
    is_bundle = file.stem == "index"
    parts = list(inner.parent.parts) if is_bundle else [*inner.parent.parts, inner.stem]
    section = parts[0] if len(parts) > 1 else ""
    date = parse_date(front.get("date")) or parse_date(front.get("publishdate"))
    title = str(front.get("title") or parts[-1].replace("-", " ").capitalize())
    slug = slugify(str(front.get("slug") or parts[-1])) or "post"
    url = _old_url(front, parts, section, slug, date, permalinks, lower)
    old_urls = [url, *split_terms(front.get("aliases"))]
    bundle_url = _bundle(file, url, blog) if is_bundle else ""
    translated = _shortcodes(body, origin, body_line, blog.untranslated)
    if is_bundle:
        translated = _RELATIVE.sub(lambda match: match[1] + bundle_url + match[2], translated)
    fields, film = common_fields(front)
    is_draft = is_true(front.get("draft"))
    names = _ref_names(inner, is_bundle)
    if not section or date is None:
        page_path = "/".join(slugify(part) for part in parts)
        urls = tuple(old_urls)
        return Entry("page", origin, body_line, title, None, slug, translated, fields, urls, names, page_path=page_path)
    return Entry(
        "post",
        origin,
        body_line,
        title,
        date,
        slug,
        translated,
        fields,
        tuple(old_urls) if not is_draft else (),
        names,
        is_draft,
        film,
    )


def _bundle(file: Path, url: str, blog: Blog) -> str:
    """Add a page bundle's files (beside its index.md) to the blog's files; return the bundle's URL."""
    bundle_url = url if url.endswith("/") else url + "/"
    for resource in sorted(file.parent.rglob("*")):
        if resource.is_file() and resource.suffix != ".md":
            blog.files[bundle_url + resource.relative_to(file.parent).as_posix()] = resource
    return bundle_url


def _ref_names(inner: Path, is_bundle: bool) -> tuple[str, ...]:
    """Return the names {{< ref >}} and {{< relref >}} may give the file (a bundle also by its folder)."""
    names = [f"ref:{inner.as_posix()}", f"ref:{inner.name}", f"ref:{inner.stem}", f"ref:/{inner.as_posix()}"]
    if is_bundle:
        names += [f"ref:{inner.parent.as_posix()}", f"ref:{inner.parent.name}"]
    return tuple(names)


def _old_url(
    front: dict[str, Any],
    parts: list[str],
    section: str,
    slug: str,
    date: datetime | None,
    permalinks: dict[str, str],
    lower: bool,
) -> str:
    """Return the URL Hugo gave a page: its url key, its section's permalink pattern, or its path."""
    given = front.get("url")
    if isinstance(given, str):
        return "/" + given.strip("/") + ("/" if not re.search(r"\.\w+$", given) else "")
    pattern = permalinks.get(section.lower()) if section else None
    if pattern and date:
        values = {
            "year": f"{date:%Y}",
            "month": f"{date:%m}",
            "day": f"{date:%d}",
            "slug": slug,
            "title": slugify(str(front.get("title", slug))),
            "filename": parts[-1],
            "contentbasename": parts[-1],
            "section": section,
            "sections": "/".join(parts[:-1]),
        }
        url = re.sub(r":(\w+)", lambda match: values.get(match[1], match[0]), pattern)
    else:
        url = "/".join([*parts[:-1], slug if front.get("slug") else parts[-1]])
    url = "/" + url.strip("/") + "/"
    return url.lower() if lower else url


def _shortcodes(body: str, origin: str, body_line: int, untranslated: list[MatineeError]) -> str:
    """Translate Hugo's built-in shortcodes Matinee has a form for; hide and list the rest."""

    def replace(match: re.Match[str]) -> str:
        if match["escaped"] is not None:
            return "{{" + match[1] + match["escaped"] + match[1].replace("<", ">") + "}}"
        if match["code"] is not None:
            return f"```{match['language'].strip(chr(34))}\n{match['code'].rstrip()}\n```"
        name = match["name"].lower()
        positional, named = shortcode_arguments(match["args"])
        if name in ("youtube", "vimeo", "tweet", "twitter", "x", "instagram"):
            url = embed_url(name, positional, named)
            if url:
                return f"\n\n{url}\n\n"
        if name == "figure" and named.get("src"):
            caption = named.get("caption") or named.get("title", "")
            return "\n\n" + figure_html(named["src"], named.get("alt", ""), caption) + "\n\n"
        if name in ("ref", "relref") and (positional or named.get("path")):
            target = positional[0] if positional else named["path"]
            page, _, anchor = target.partition("#")
            return link_marker(f"ref:{page}") + (f"#{anchor}" if anchor else "")
        line = body_line + body.count("\n", 0, match.start())
        untranslated.append(
            MatineeError(
                origin,
                line,
                f"{{{{< {name} >}}}} is a shortcode Matinee cannot translate; it is kept, hidden, in the post",
            )
        )
        return wrap_untranslated(match[0])

    return _SHORTCODE.sub(replace, body)
