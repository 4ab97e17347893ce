"""Read a WordPress export (WXR, what Tools -> Export makes) into a Blog.

The XML is read with expat, the parser under xml.etree, which never fetches external
entities; entity declarations are refused outright, so a "billion laughs" file cannot
expand either (defusedxml is not needed). expat also gives each element's line, so what
cannot be translated is reported at its line in the export file. Images come from a
wp-content/uploads (or uploads) folder beside the export, when there is one.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.parsers import expat

from ..errors import MatineeError
from ..urls import slugify
from .common import Blog, Entry, wrap_untranslated
from .frontmatter import common_fields, parse_date
from .html_to_markdown import html_to_markdown


class NotWordPress(Exception):
    """The file is not a WordPress export."""


@dataclass
class _Element:
    tag: str
    attrs: dict[str, str]
    line: int
    text: str = ""
    children: list[_Element] = field(default_factory=list)

    def find(self, tag: str) -> str:
        return next((child.text for child in self.children if child.tag == tag), "")

    def element(self, tag: str) -> _Element | None:
        return next((child for child in self.children if child.tag == tag), None)


_DRAFT_STATES = {"draft", "pending", "private", "future"}
_SHORTCODE = re.compile(r"\[(\w[\w-]*)((?:\s[^\]]*)?)\](?:(.*?)\[/\1\])?", re.DOTALL)
_ATTRIBUTE = re.compile(r"""(\w[\w-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")
_KNOWN_SHORTCODES = {"embed", "caption", "wp_caption", "gallery", "youtube", "vimeo", "video", "audio"}
_PLUGIN_LOOKING = {"playlist", "contact-form-7", "contact-form", "soundcloud", "instagram", "tweet", "spotify", "table"}


def read_wordpress(path: Path, shown: str) -> Blog:
    """Return the posts, pages and files of a WXR file; `shown` is its path in messages."""
    channel = _parse(path).element("channel")
    if channel is None or not channel.find("wp:wxr_version"):
        raise NotWordPress(f"{shown} is not a WordPress export (no <wp:wxr_version> in its <channel>)")
    hosts = tuple(
        dict.fromkeys(
            url
            for url in (channel.find("wp:base_site_url"), channel.find("wp:base_blog_url"), channel.find("link"))
            if url
        )
    )
    authors = {
        author.find("wp:author_login"): author.find("wp:author_display_name") or author.find("wp:author_login")
        for author in channel.children
        if author.tag == "wp:author"
    }
    items = [item for item in channel.children if item.tag == "item"]
    attachments = {item.find("wp:post_id"): item for item in items if item.find("wp:post_type") == "attachment"}
    blog = Blog([], _uploads(path.parent), hosts)
    for item in items:
        kind = item.find("wp:post_type")
        status = item.find("wp:status")
        if kind not in ("post", "page") or status not in _DRAFT_STATES | {"publish"}:
            blog.skipped += 1
            continue
        blog.entries.append(_entry(item, kind, status, shown, authors, attachments, blog.untranslated))
    return blog


def _parse(path: Path) -> _Element:
    parser = expat.ParserCreate()
    root = _Element("", {}, 1)
    stack = [root]

    def refuse(*_: object) -> None:
        raise NotWordPress(f"{path.name} declares XML entities; a WordPress export never does")

    def start(tag: str, attrs: dict[str, str]) -> None:
        element = _Element(tag, attrs, parser.CurrentLineNumber)
        stack[-1].children.append(element)
        stack.append(element)

    def end(_: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        stack[-1].text += data

    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        with path.open("rb") as file:
            parser.ParseFile(file)
    except (expat.ExpatError, OSError, UnicodeDecodeError) as error:
        raise NotWordPress(f"{path} is not a WordPress export: {error}") from None
    rss = root.element("rss")
    if rss is None:
        raise NotWordPress(f"{path} is not a WordPress export (no <rss> element)")
    return rss


def _uploads(folder: Path) -> dict[str, Path]:
    """Map /wp-content/uploads/... to the files of an uploads folder beside the export."""
    files: dict[str, Path] = {}
    for uploads in (folder / "wp-content" / "uploads", folder / "uploads"):
        if uploads.is_dir():
            for file in sorted(uploads.rglob("*")):
                if file.is_file() and not file.name.startswith("."):
                    files.setdefault("/wp-content/uploads/" + file.relative_to(uploads).as_posix(), file)
    return files


def _entry(
    item: _Element,
    kind: str,
    status: str,
    shown: str,
    authors: dict[str, str],
    attachments: dict[str, _Element],
    untranslated: list[MatineeError],
) -> Entry:
    content = item.element("content:encoded")
    line = content.line if content is not None else item.line
    fields, film = common_fields(_front(item, authors, attachments))
    title = item.find("title").strip() or "Untitled"
    slug = slugify(unquote(item.find("wp:post_name"))) or slugify(title) or f"post-{item.find('wp:post_id')}"
    date = _date(item)
    if kind == "post" and date is None:
        untranslated.append(MatineeError(shown, item.line, f"post {title!r} has no date; it was left out"))
    gallery_images = [
        element for element in attachments.values() if element.find("wp:post_parent") == item.find("wp:post_id")
    ]
    body = _shortcodes(
        content.text if content is not None else "", shown, line, attachments, gallery_images, untranslated
    )
    link = item.find("link")
    page_path = urlsplit(link).path.strip("/") if kind == "page" and link and not urlsplit(link).query else slug
    return Entry(
        kind=kind,
        origin=shown,
        origin_line=line,
        title=html.unescape(title),
        date=date,
        slug=slug,
        body=html_to_markdown(body),
        fields=fields,
        old_urls=(link,) if link and status == "publish" else (),
        names=(item.find("wp:post_id"),),
        is_draft=status in _DRAFT_STATES,
        film=film,
        page_path=page_path if slugify(page_path.replace("/", "-")) else slug,
    )


def _front(item: _Element, authors: dict[str, str], attachments: dict[str, _Element]) -> dict[str, object]:
    """Return an item's front matter as a generator would write it: its meta, terms, author, excerpt, image."""
    front: dict[str, object] = {
        meta.find("wp:meta_key").lower(): meta.find("wp:meta_value")
        for meta in item.children
        if meta.tag == "wp:postmeta" and not meta.find("wp:meta_key").startswith("_")
    }
    front["tags"] = [
        term.text for term in item.children if term.tag == "category" and term.attrs.get("domain") == "post_tag"
    ]
    front["categories"] = [
        term.text
        for term in item.children
        if term.tag == "category"
        and term.attrs.get("domain") == "category"
        and term.attrs.get("nicename") != "uncategorized"
    ]
    creator = item.find("dc:creator")
    if creator:
        front["author"] = authors.get(creator, creator)
    excerpt = item.find("excerpt:encoded")
    if excerpt.strip():
        front["summary"] = html.unescape(re.sub(r"<[^>]+>", "", excerpt)).strip()
    thumbnail = _meta(item, "_thumbnail_id")
    if thumbnail in attachments:
        front["image"] = attachments[thumbnail].find("wp:attachment_url")
        front["image_alt"] = _meta(attachments[thumbnail], "_wp_attachment_image_alt")
    return front


def _date(item: _Element) -> datetime | None:
    """Return when an item was published: its UTC date, else its local one (WordPress writes 0000 for none)."""
    gmt = item.find("wp:post_date_gmt")
    return parse_date(gmt + "+00:00") if gmt and not gmt.startswith("0000") else parse_date(item.find("wp:post_date"))


def _shortcodes(
    text: str,
    shown: str,
    line: int,
    attachments: dict[str, _Element],
    attached: list[_Element],
    untranslated: list[MatineeError],
) -> str:
    """Translate the shortcodes WordPress itself (and Jetpack) know; list and hide the rest."""

    def replace(match: re.Match[str]) -> str:
        name, attrs, inner = match[1].lower(), _attributes(match[2]), match[3] or ""
        given = match[2].strip().lstrip("=").strip()
        if name == "embed" or name in ("youtube", "vimeo"):
            url = inner.strip() or attrs.get("src", "") or attrs.get("url", "") or given
            if name == "vimeo" and url.isdigit():
                url = f"https://vimeo.com/{url}"
            return f"\n\n<p>{html.escape(url)}</p>\n\n"
        if name in ("caption", "wp_caption"):
            caption = attrs.get("caption") or re.sub(r"^\s*(<a\b[^>]*>)?\s*<img\b[^>]*>\s*(</a>)?", "", inner).strip()
            image = re.search(r"<img\b[^>]*>", inner)
            shown_image = image[0] if image else ""
            return f"\n\n<figure>{shown_image}<figcaption>{caption}</figcaption></figure>\n\n"
        if name == "gallery":
            ids = [part.strip() for part in attrs.get("ids", "").split(",") if part.strip()]
            images = [attachments[number] for number in ids if number in attachments] if ids else attached
            row = " ".join(
                f'<img src="{html.escape(image.find("wp:attachment_url"))}" alt="{html.escape(image.find("title"))}">'
                for image in images
            )
            return f"\n\n<p>{row}</p>\n\n"
        if name in ("video", "audio"):
            url = attrs.get("src") or next(
                (value for key, value in attrs.items() if key in ("mp4", "webm", "mp3", "ogg", "m4a")), ""
            )
            if "youtube" in url or "vimeo" in url:
                return f"\n\n<p>{html.escape(url)}</p>\n\n"
            return f'\n\n<{name} controls src="{html.escape(url)}"></{name}>\n\n'
        if match[3] is not None or attrs or name in _PLUGIN_LOOKING:
            where = line + text.count("\n", 0, match.start())
            untranslated.append(
                MatineeError(
                    shown, where, f"[{name}] is a shortcode Matinee cannot translate; it is kept, hidden, in the post"
                )
            )
            return f"\n\n{wrap_untranslated(match[0])}\n\n"
        return match[0]  # [sic], [1]: text in square brackets, which WordPress shows as it is too

    return _SHORTCODE.sub(replace, text)


def _meta(item: _Element, key: str) -> str:
    return next(
        (
            meta.find("wp:meta_value")
            for meta in item.children
            if meta.tag == "wp:postmeta" and meta.find("wp:meta_key") == key
        ),
        "",
    )


def _attributes(text: str) -> dict[str, str]:
    return {match[1].lower(): match[2] or match[3] or match[4] or "" for match in _ATTRIBUTE.finditer(text)}
