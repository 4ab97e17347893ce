"""Find another generator's markup in a body: Matinee cannot run it, so a reader would see it as text.

Hugo shortcodes, Jekyll/Liquid tags and WordPress shortcodes survive a copy-paste or a
hand import and would otherwise be printed on the page as literal text. Text inside code
(fenced, indented or `inline`) and inside HTML comments is left alone: it is shown, or
hidden, on purpose. Pure.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_INDENTED = re.compile(r"^( {4}|\t)")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
_LIST_ITEM = re.compile(r"^ {0,3}([-*+]|\d+[.)])\s")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_HUGO = re.compile(r"\{\{[<%]\s*/?\s*([\w.-]*)")
_LIQUID_TAG = re.compile(r"\{%-?\s*(\w*)")
_LIQUID_VARIABLE = re.compile(r"\{\{-?\s*(site|page)\.\w*")
_WORDPRESS_NAMES = r"(caption|embed|gallery|video|audio|youtube|vimeo|playlist)\b"
_WORDPRESS = re.compile(rf"^\s*\[{_WORDPRESS_NAMES}[^\]]*\](?![(:\[])")
# What any of the above needs somewhere in a body (a comment or a code span may come before a
# shortcode on its line): most bodies have none, and are not read line by line.
_MAY_HOLD = re.compile(rf"\{{|\[{_WORDPRESS_NAMES}")

_HUGO_HINTS = {
    "youtube": "put the video's URL on a line of its own to embed it",
    "vimeo": "put the video's URL on a line of its own to embed it",
    "tweet": "put the post's URL on a line of its own to embed it",
    "x": "put the post's URL on a line of its own to embed it",
    "twitter": "put the post's URL on a line of its own to embed it",
    "instagram": "put the post's URL on a line of its own to embed it",
    "figure": "write a Markdown image, ![alt text](file.jpg), or an HTML <figure>",
    "highlight": "write a fenced code block (```language ... ```)",
    "ref": "link to the post's file by its path, [text](../2024/03/other.md)",
    "relref": "link to the post's file by its path, [text](../2024/03/other.md)",
}
_LIQUID_HINTS = {
    "highlight": "write a fenced code block (```language ... ```)",
    "endhighlight": "write a fenced code block (```language ... ```)",
    "raw": "drop {% raw %} and {% endraw %}; Matinee shows the text between them as it is",
    "endraw": "drop {% raw %} and {% endraw %}; Matinee shows the text between them as it is",
    "post_url": "link to the post's file by its path, [text](../2024/03/other.md)",
    "link": "link to the file by its path, [text](../2024/03/other.md)",
    "include": "write what the include made (a video's URL on a line of its own embeds it)",
}
_WORDPRESS_HINTS = {
    "caption": "write the image as ![alt text](file.jpg), or an HTML <figure> with a <figcaption>",
    "gallery": "write the images as Markdown images in one paragraph",
    "video": "write an HTML <video controls src=...> element",
    "audio": "write an HTML <audio controls src=...> element",
    "playlist": "write a list of links to the files",
}
_CODE_HINT = "; to show it as text, put it in `code`"


def find_foreign_markup(body: str, body_line: int) -> list[tuple[int, str]]:
    """Return (file line, message) for each Hugo, Liquid or WordPress tag outside code in `body`."""
    if not _MAY_HOLD.search(body):
        return []
    found: list[tuple[int, str]] = []
    fence = ""
    previous_blank, in_indented, in_list = True, False, False
    text = _COMMENT.sub(lambda match: re.sub(r"[^\n]", " ", match[0]), body)  # keep the line count
    for number, line in enumerate(text.split("\n")):
        opening = _FENCE.match(line)
        if fence:
            if opening and opening[1][0] == fence[0] and len(opening[1]) >= len(fence):
                fence = ""
            continue
        if opening:
            fence = opening[1]
            continue
        blank = not line.strip()
        # An indented block after a blank line is code, unless it continues a list item.
        if _INDENTED.match(line) and (in_indented or previous_blank and not in_list):
            in_indented = True
            continue
        if not blank:
            in_indented = False
            if _LIST_ITEM.match(line):
                in_list = True
            elif previous_blank and not _INDENTED.match(line):
                in_list = False
        previous_blank = blank
        message = _message(_CODE_SPAN.sub(lambda match: " " * len(match[0]), line))
        if message:
            found.append((body_line + number, message))
    return found


def _message(line: str) -> str | None:
    """Return what the line's foreign markup looks like and what to write instead, if it has any."""
    if hugo := _HUGO.search(line):
        name = hugo[1]
        hint = _HUGO_HINTS.get(name, "write what it made in Markdown or HTML")
        return f"{{{{< {name} >}}}} looks like a Hugo shortcode, which Matinee does not run: {hint}{_CODE_HINT}"
    if liquid := _LIQUID_TAG.search(line):
        name = liquid[1]
        hint = _LIQUID_HINTS.get(name, "write what it made in Markdown or HTML")
        return f"{{% {name} %}} looks like a Jekyll (Liquid) tag, which Matinee does not run: {hint}{_CODE_HINT}"
    if variable := _LIQUID_VARIABLE.search(line):
        return (
            f"{variable[0]} ... }}}} looks like a Jekyll (Liquid) variable, which Matinee does not fill in: "
            f"write the value itself (a link relative to this file needs no site.baseurl){_CODE_HINT}"
        )
    if wordpress := _WORDPRESS.match(line):
        name = wordpress[1]
        hint = _WORDPRESS_HINTS.get(name, "put the URL on a line of its own to embed it")
        return f"[{name}] looks like a WordPress shortcode, which Matinee does not run: {hint}{_CODE_HINT}"
    return None
