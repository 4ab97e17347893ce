"""Typed reading of front matter fields; each mistake becomes a `path:line` error."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from .errors import MatineeError, raise_all
from .frontmatter import Field, Value
from .urls import is_safe_url

_TRUE = {"true", "yes", "on"}
_FALSE = {"false", "no", "off"}
_DATE_ONLY = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")  # 2026-03-4: Jekyll and YAML 1.1 take one digit
_DATE_FORM = re.compile(r"\d{4}-\d{1,2}-\d{1,2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?")  # real or not
_ONE_DIGIT = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
# The years a post or a release may be dated in. Films begin in the late 1880s; 1800 leaves room
# for pieces on cinema's prehistory, and nothing is published or released after 2999. Staying far
# from datetime's limits (years 1 and 9999) also means a date survives its move to UTC and the
# day arithmetic of feeds, the calendar and pagination, which would otherwise crash the build.
FIRST_YEAR = 1800
LAST_YEAR = 2999


class Reader:
    """Reads the fields of one file, turning each wrong value into a MatineeError."""

    def __init__(self, rel: str, fields: Mapping[str, Field], noted: Iterable[MatineeError] = ()) -> None:
        """`noted`: mistakes found before the fields are read (a key given twice)."""
        self.rel = rel
        self.fields = fields
        self.errors: list[MatineeError] = list(noted)

    def each(self, readers: Mapping[str, Callable[[], Any]]) -> dict[str, Any]:
        """Call every reader and return what each read, noting the errors of all of them
        rather than stopping at the first: a writer fixes a file in one pass. A field that
        failed reads as None; raise_errors() then raises before any of it is used."""
        values: dict[str, Any] = {}
        for name, read in readers.items():
            try:
                values[name] = read()
            except MatineeError as error:
                self.errors.append(error)
                values[name] = None
        return values

    def note(self, error: MatineeError) -> None:
        """Note an error found among several in one field (every bad alias, not the first)."""
        self.errors.append(error)

    def raise_errors(self) -> None:
        """Raise every error noted so far, together."""
        raise_all(self.errors, f"{self.rel} has mistakes")

    def line(self, key: str) -> int | None:
        """Return the line `key` is on, if it is present."""
        field = self.fields.get(key)
        return field.line if field else None

    def fail(self, key: str, message: str) -> MatineeError:
        """Return an error about field `key`, placed at its line (or the top of the file)."""
        return MatineeError(self.rel, self.line(key) or 1, message)

    def text(self, key: str, *, required: bool = False) -> str | None:
        """Return the field as one line of text."""
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(key, f"{key} must be text, not a {_kind(value)}; put it in quotes")
        if required and not value.strip():
            raise self.fail(key, f"{key} is empty")
        return value.strip()

    def url(self, key: str) -> str | None:
        """Return a field a layout prints into href or src (an image, a poster): a relative
        path or an http(s) address, never javascript:, data: or another scheme."""
        value = self.text(key)
        if value is not None and not is_safe_url(value):
            example = "images/still.jpg or https://example.org/still.jpg"
            raise self.fail(key, f"{key} {value!r} must be a relative path or an http(s) address, like {example}")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        """Return a list of text items; one string is taken as a one-item list."""
        value = self._get(key, False)
        if value is None or value == "":
            return ()
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            raise self.fail(key, f"{key} must be a list like [a, b], not a {_kind(value)}")
        result = []
        for index, item in enumerate(items):
            if isinstance(item, dict):
                raise self._fail_item(key, index, f"{key}[{index}] was read as a mapping; put the title in quotes")
            if not isinstance(item, str):
                message = f"{key}[{index}] must be text, not a {_kind(item)}"
                raise self._fail_item(key, index, message)
            if item.strip():
                result.append(item.strip())
        return tuple(result)

    def flag(self, key: str) -> bool:
        """Return a yes/no field (absent means no)."""
        value = self._get(key, False)
        if value is None:
            return False
        if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        raise self.fail(key, f"{key} must be true or false, not {_show(value)}")

    def number(self, key: str) -> int | None:
        """Return a whole number field."""
        value = self._get(key, False)
        if value is None:
            return None
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        raise self.fail(key, f"{key} must be a whole number of 0 or more, not {_show(value)}")

    def moment(self, key: str, *, required: bool = False) -> datetime | None:
        """Return a date or ISO 8601 date-time; a date alone means midnight UTC."""
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, str):
            parsed = parse_moment(value)
            if parsed is not None:
                self.check_year(key, parsed, f"{key} {_show(value)}")
                return parsed
            if _DATE_FORM.fullmatch(value.strip()):
                raise self.fail(key, f"{key} {_show(value)} is in the right form, but no real date or time")
        raise self.fail(key, f"{key} {_show(value)} is not YYYY-MM-DD or ISO 8601")

    def day(self, key: str) -> date | None:
        """Return a calendar date (YYYY-MM-DD)."""
        value = self._get(key, False)
        if value is None:
            return None
        day = parse_day(value) if isinstance(value, str) else None
        if day is None:
            raise self.fail(key, f"{key} {_show(value)} is not a date like 2024-03-01")
        self.check_year(key, day, f"{key} {_show(value)}")
        return day

    def check_year(self, key: str, day: date, shown: str) -> None:
        """Refuse a date outside FIRST_YEAR..LAST_YEAR; `shown` names it in the message."""
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise self.fail(key, f"{shown} is in the year {day.year}; dates must be from {FIRST_YEAR} to {LAST_YEAR}")

    def raw(self, key: str) -> Value | None:
        """Return the field untyped (for keys Matinee does not know, passed to layouts)."""
        field = self.fields.get(key)
        return field.value if field else None

    def _fail_item(self, key: str, index: int, message: str) -> MatineeError:
        # An item of a block list sits on its own line, below its key.
        field = self.fields[key]
        line = field.item_lines[index] if index < len(field.item_lines) else field.line
        return MatineeError(self.rel, line, message)

    def _get(self, key: str, required: bool) -> Value | None:
        field = self.fields.get(key)
        if field is None:
            if required:
                raise MatineeError(self.rel, 1, f"front matter has no {key}; add '{key}: ...'")
            return None
        return field.value


def parse_day(value: str) -> date | None:
    """Return `value` as a date if it is a real YYYY-MM-DD date, else None."""
    if not _DATE_ONLY.fullmatch(value.strip()):
        return None
    try:
        return date.fromisoformat(_two_digits(value.strip()))
    except ValueError:
        return None


def parse_moment(value: str) -> datetime | None:
    """Return `value` as an aware datetime, or None if it is not a date."""
    value = _two_digits(value.strip())
    try:
        if _DATE_ONLY.fullmatch(value):
            return datetime.combine(date.fromisoformat(value), time(), UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _two_digits(value: str) -> str:
    """Pad a one-digit month or day (2026-3-4 -> 2026-03-04), which fromisoformat refuses."""
    return _ONE_DIGIT.sub(lambda match: f"{match[1]}-{int(match[2]):02d}-{int(match[3]):02d}", value, count=1)


def _kind(value: Value) -> str:
    return "list" if isinstance(value, list) else "mapping" if isinstance(value, dict) else "text"


def _show(value: Value) -> str:
    return repr(value) if isinstance(value, str) else f"a {_kind(value)}"
