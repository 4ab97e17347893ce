"""Split a Markdown file into YAML front matter and body; every YAML quirk lives here.

Front matter is composed with PyYAML's *base* loader: every scalar stays a string and no
tag is ever constructed, so `films: [1917, No]` keeps both titles as text and
`!!python/object` runs nothing. Typed conversion happens in `fields.py`, where each
field's line is known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from .errors import MatineeError

_LOADER: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)  # libyaml is ~9x faster
_OPENING = re.compile(r"---[ \t]*(\n|$)")
_CLOSING = re.compile(r"^---[ \t]*$", re.MULTILINE)

Value = str | list["Value"] | dict[str, "Value"]


@dataclass(frozen=True, slots=True)
class Field:
    """One top-level front matter value and the file line its key is on."""

    value: Value
    line: int
    item_lines: tuple[int, ...] = ()  # for a list: the line of each item (a block list spans lines)


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """A source file split in two: the front matter fields and the Markdown body."""

    fields: dict[str, Field]
    body: str
    body_line: int  # the file line the body starts on
    problems: tuple[MatineeError, ...] = ()  # keys given twice: reported with the fields' errors


def decode(raw: bytes, rel: str) -> str:
    """Return the file's text: UTF-8, a leading BOM dropped, CRLF/CR turned into LF."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise MatineeError(rel, line, "is not UTF-8 text; save it as UTF-8") from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise MatineeError(rel, line, "holds a NUL byte; is it a binary file?")
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def split(text: str, rel: str) -> FrontMatter:
    """Split `text` into front matter fields (with lines) and body."""
    if not _OPENING.match(text):
        raise MatineeError(rel, 1, "does not start with front matter (a '---' line)")
    closing = _CLOSING.search(text, text.index("\n") if "\n" in text else len(text))
    if closing is None:
        raise MatineeError(rel, 1, "front matter opened here is never closed with '---'")
    yaml_text = text[text.index("\n") + 1 : closing.start()]
    body = text[closing.end() + 1 :]
    body_line = yaml_text.count("\n") + 3
    problems: list[MatineeError] = []
    fields = parse_mapping(yaml_text, rel, first_line=2, problems=problems)
    return FrontMatter(fields, body, body_line, tuple(problems))


def parse_mapping(yaml_text: str, rel: str, *, first_line: int, problems: list[MatineeError]) -> dict[str, Field]:
    """Parse a YAML mapping that starts on file line `first_line`, keeping each key's line.

    A key given twice is noted in `problems` (its first value is kept), so the file's other
    mistakes are still found.
    """
    offset = first_line
    what = "front matter" if first_line > 1 else "the file"  # config.yaml starts on line 1
    try:
        root = yaml.compose(yaml_text, Loader=_LOADER)
    except yaml.MarkedYAMLError as error:
        # A quote or bracket left open is only noticed at the end of the front matter, on the
        # closing '---' line; point at the line that opened it, or else the last YAML line.
        end = len(yaml_text.rstrip())
        context = error.context_mark
        if context is not None and context.index >= end:
            context = None
        mark = error.problem_mark or context
        if context and (mark is None or mark.index >= end):
            mark = context
        last_line = yaml_text[:end].count("\n") + offset
        line = min(mark.line + offset, last_line) if mark else offset
        problem = error.problem or "syntax error"
        if error.context and context:
            problem += f" ({error.context} on line {context.line + offset})"
        if problem.startswith("mapping values are not allowed"):
            problem += "; check the indentation, and put a value holding ': ' in quotes"
        raise MatineeError(rel, line, f"{what} is not valid YAML: {problem}") from None
    except yaml.YAMLError as error:
        raise MatineeError(rel, offset, f"{what} is not valid YAML: {error}") from None
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise MatineeError(rel, offset, "front matter must be 'key: value' lines, not a list or text")
    fields: dict[str, Field] = {}
    seen: set[int] = set()
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + offset
        key = _to_value(key_node, rel, line, seen, offset)
        if not isinstance(key, str):
            raise MatineeError(rel, line, "a front matter key must be a plain name")
        if key in fields:
            problems.append(MatineeError(rel, line, f"{key!r} is given twice (first on line {fields[key].line})"))
            continue
        value = _to_value(value_node, rel, line, seen, offset)
        items = value_node.value if isinstance(value_node, yaml.SequenceNode) else []
        fields[key] = Field(value, line, tuple(item.start_mark.line + offset for item in items))
    return fields


def _to_value(node: yaml.Node, rel: str, line: int, seen: set[int], offset: int = 2) -> Value:
    # An alias reuses a node; refusing reuse keeps "billion laughs" from expanding.
    if id(node) in seen:
        raise MatineeError(rel, line, "YAML anchors and aliases (&name, *name) are not supported")
    seen.add(id(node))
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    if isinstance(node, yaml.SequenceNode):
        return [_to_value(item, rel, item.start_mark.line + offset, seen, offset) for item in node.value]
    mapping: dict[str, Value] = {}
    for key_node, value_node in node.value:
        key = _to_value(key_node, rel, key_node.start_mark.line + offset, seen, offset)
        mapping[key if isinstance(key, str) else str(key)] = _to_value(
            value_node, rel, value_node.start_mark.line + offset, seen, offset
        )
    return mapping
