"""Turn a WordPress post's HTML into Markdown where Markdown says the same; keep the rest as HTML.

Paragraphs, links, emphasis, headings, lists, quotes, images and code become Markdown. A
figure with a caption, a table, an iframe that is not a video, or an element with a class or
style stays HTML, since Markdown would lose what it means. A YouTube or Vimeo iframe becomes
the video's URL on a line of its own, which Matinee turns into an embed. Text outside tags,
with blank lines between paragraphs (WordPress's classic editor), reads as paragraphs.
Written rather than taken from a library (markdownify) because those drop elements they do
not know, such as iframes; here nothing is dropped. Pure.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_VOID = {"img", "br", "hr", "source", "input", "meta", "link", "wbr", "embed", "track"}
_BLOCKS = {
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "blockquote",
    "pre",
    "figure",
    "table",
    "iframe",
    "video",
    "audio",
    "hr",
    "section",
    "article",
    "aside",
    "dl",
    "details",
    "form",
}
_INLINE_MD = {"a", "em", "i", "strong", "b", "code", "br", "img", "span"}
_ESCAPE = re.compile(r"([\\`*_\[\]])")
_URL = re.compile(r"https?://\S+")
_LINE_START = re.compile(r"^(\s*)([#>+-]|\d+\.)(\s)", re.MULTILINE)
_VIDEO = re.compile(r"(?:youtube(?:-nocookie)?\.com/embed/([\w-]+)|player\.vimeo\.com/video/(\d+))")


@dataclass
class _Node:
    tag: str  # "" for text
    attrs: list[tuple[str, str | None]] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)
    text: str = ""


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("body")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, attrs)
        if tag == "p" and self.stack[-1].tag == "p":  # <p> closes an open <p>
            self.stack.pop()
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(_Node(tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(_Node("", text=data))

    def handle_comment(self, data: str) -> None:
        if not data.strip().startswith(("wp:", "/wp:", "more")):  # block editor markers
            self.stack[-1].children.append(_Node("#comment", text=data))


def html_to_markdown(text: str) -> str:
    """Return Markdown for a post body written in HTML (WordPress's classic or block editor)."""
    tree = _Tree()
    tree.feed(text)
    tree.close()
    blocks = _blocks(tree.root.children)
    return "\n\n".join(block for block in blocks if block.strip()) + "\n"


def _blocks(nodes: list[_Node]) -> list[str]:
    """Render children as blocks; runs of text and inline elements become paragraphs."""
    blocks: list[str] = []
    run: list[_Node] = []

    def flush() -> None:
        inline = "".join(_inline(node) for node in run)
        blocks.extend(part.strip() for part in re.split(r"\n\s*\n", inline) if part.strip())
        run.clear()

    for node in nodes:
        if node.tag in _BLOCKS or node.tag == "#comment":
            flush()
            blocks.append(_block(node))
        else:
            run.append(node)
    flush()
    return blocks


def _block(node: _Node) -> str:
    tag = node.tag
    if tag == "#comment":
        return f"<!--{node.text}-->"
    if _plain(node) and tag in ("p", "div", "section", "article"):
        return "\n\n".join(_blocks(node.children)) if tag != "p" else _inline_children(node).strip()
    if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and _plain(node):
        return "#" * int(tag[1]) + " " + _inline_children(node).strip().replace("\n", " ")
    if tag in ("ul", "ol") and _plain(node):
        return _list(node)
    if tag == "blockquote" and _plain(node):
        inner = "\n\n".join(_blocks(node.children))
        return "\n".join("> " + line if line else ">" for line in inner.split("\n"))
    if tag == "pre":
        code = _text(node)
        fence = "~~~" if "```" in code else "```"
        language = next(
            (value.removeprefix("language-") for name, value in _code_attrs(node) if name == "class" and value), ""
        )
        return f"{fence}{language}\n{code.strip(chr(10))}\n{fence}"
    if tag == "hr":
        return "---"
    if tag == "iframe" and (video := _VIDEO.search(_attr(node, "src"))):
        return f"https://www.youtube.com/watch?v={video[1]}" if video[1] else f"https://vimeo.com/{video[2]}"
    if tag == "figure" and not node.attrs and [child.tag for child in node.children if child.tag] == ["img"]:
        return _inline(next(child for child in node.children if child.tag == "img"))
    return _outer(node)


def _plain(node: _Node) -> bool:
    """Whether an element has no class, style or id that Markdown would lose."""
    return not any(name in ("class", "style", "id", "align") for name, _ in node.attrs)


def _list(node: _Node) -> str:
    lines = []
    for number, item in enumerate((child for child in node.children if child.tag == "li"), start=1):
        marker = f"{number}. " if node.tag == "ol" else "- "
        inner = "\n\n".join(_blocks(item.children)) or " "
        rest = inner.split("\n")
        lines.append(marker + rest[0] + "".join("\n" + ("    " + line if line else "") for line in rest[1:]))
    return "\n".join(lines)


def _inline_children(node: _Node) -> str:
    return "".join(_inline(child) for child in node.children)


def _inline(node: _Node) -> str:
    tag = node.tag
    if tag == "":
        return _escape(node.text)
    if tag == "#comment":
        return f"<!--{node.text}-->"
    if tag not in _INLINE_MD or tag != "img" and tag != "br" and not _plain(node) and tag != "a":
        return _outer(node)
    if tag in ("em", "i"):
        inner = _inline_children(node)
        return f"*{inner.strip()}*" if inner.strip() else inner
    if tag in ("strong", "b"):
        inner = _inline_children(node)
        return f"**{inner.strip()}**" if inner.strip() else inner
    if tag == "code":
        code = _text(node)
        ticks = "``" if "`" in code else "`"
        return f"{ticks}{code}{ticks}"
    if tag == "br":
        return "  \n"
    if tag == "span":
        return _inline_children(node)
    if tag == "img":
        title = _attr(node, "title")
        shown = f' "{title}"' if title else ""
        alt = _attr(node, "alt").replace("[", "").replace("]", "")
        return f"![{alt}]({_attr(node, 'src').replace(' ', '%20')}{shown})"
    href = _attr(node, "href")
    if not href or any(name not in ("href", "title", "rel", "target") for name, _ in node.attrs):
        return _outer(node)
    inner = _inline_children(node)
    title = _attr(node, "title")
    shown = f' "{title}"' if title else ""
    return f"[{inner}]({href.replace(' ', '%20')}{shown})"


def _escape(text: str) -> str:
    """Escape what Markdown would read as markup in text; URLs stay as they are (embeds need them)."""
    parts = []
    last = 0
    for url in _URL.finditer(text):
        parts.append(_ESCAPE.sub(r"\\\1", text[last : url.start()]))
        parts.append(url[0])
        last = url.end()
    parts.append(_ESCAPE.sub(r"\\\1", text[last:]))
    return _LINE_START.sub(r"\1\\\2\3", "".join(parts))


def _attr(node: _Node, name: str) -> str:
    return next((value or "" for key, value in node.attrs if key == name), "")


def _code_attrs(node: _Node) -> list[tuple[str, str | None]]:
    code = next((child for child in node.children if child.tag == "code"), None)
    return node.attrs + (code.attrs if code else [])


def _text(node: _Node) -> str:
    return node.text if node.tag == "" else "".join(_text(child) for child in node.children)


def _outer(node: _Node) -> str:
    """Return an element as HTML, as it was written (its text escaped again)."""
    if node.tag == "":
        return html.escape(node.text, quote=False)
    if node.tag == "#comment":
        return f"<!--{node.text}-->"
    attrs = "".join(
        f' {name}="{html.escape(value)}"' if value is not None else f" {name}" for name, value in node.attrs
    )
    if node.tag in _VOID:
        return f"<{node.tag}{attrs}>"
    return f"<{node.tag}{attrs}>{''.join(_outer(child) for child in node.children)}</{node.tag}>"
