"""Live reload: what every tab should see (Snapshot, kept in a LiveState), the script `serve`
adds to the pages it serves (livereload.js), and the messages that script receives.

Every tab shares one EventSource through a SharedWorker (livereload-worker.js): browsers allow
only about six HTTP/1.1 connections per host, so one stream per tab would stall the seventh tab.
[pure, but for LiveState: a condition the preview's threads share]
"""

from __future__ import annotations

import html
import json
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from ..words import plural

EVENTS_URL = "/_matinee/events"
WORKER_URL = "/_matinee/worker.js"
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What every open tab should know about the preview right now."""

    server: str  # changes when `serve` restarts, so old tabs reload
    builds: int  # build attempts so far, good or bad
    epoch: int  # good builds so far: the version of the site on disk
    css: tuple[str, ...] | None  # the last good build changed only these stylesheets, or None
    errors: tuple[str, ...]  # the last build's `path:line: message` lines; () after a good build


class LiveState:
    """The Snapshot every tab should see, and a way to wait for the next one."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._now = Snapshot(secrets.token_hex(8), builds=0, epoch=0, css=None, errors=())
        self._closed = False

    @property
    def closed(self) -> bool:
        """True once the server is stopping: waiting tabs should hang up."""
        return self._closed

    def snapshot(self) -> Snapshot:
        """Return the current snapshot."""
        with self._changed:
            return self._now

    def built(self, css: tuple[str, ...] | None) -> None:
        """Record a good build that changed only the stylesheets `css`, or more if None."""
        with self._changed:
            now = self._now
            self._now = replace(now, builds=now.builds + 1, epoch=now.epoch + 1, css=css, errors=())
            self._changed.notify_all()

    def failed(self, errors: tuple[str, ...]) -> None:
        """Record a failed build; the last good site stays on disk and in the tabs."""
        with self._changed:
            self._now = replace(self._now, builds=self._now.builds + 1, errors=errors)
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[Snapshot], bool], timeout: float) -> Snapshot | None:
        """Return the first snapshot that satisfies `predicate`; None on timeout or close."""
        with self._changed:
            ready = self._changed.wait_for(lambda: self._closed or predicate(self._now), timeout)
            return self._now if ready and not self._closed else None

    def close(self) -> None:
        """Wake every waiting tab so that it hangs up."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()


def inject(page: bytes, snapshot: Snapshot, *, waiting: bool = False) -> bytes:
    """Return an HTML page with the live-reload script added before its last </body>.

    A `waiting` page stands in for the site (see placeholder) and reloads after the next build.
    """
    state = {**_state(snapshot), "waiting": waiting}
    script = f"<script>{_PAGE_JS}({_script_json(state)});</script>".encode()
    ends = list(_BODY_END.finditer(page))
    at = ends[-1].start() if ends else len(page)
    return page[:at] + script + page[at:]


def event_message(snapshot: Snapshot) -> bytes:
    """Return one Server-Sent Events message carrying `snapshot`."""
    state = _state(snapshot)
    state["css"] = list(snapshot.css) if snapshot.css is not None else None
    return f"data: {json.dumps(state)}\n\n".encode()


def placeholder(snapshot: Snapshot) -> bytes:
    """Return the page answered where the site has no page to show yet: "Building…" while the
    first build runs, then the errors of a first build that failed (a writer expects to be told,
    not shown "Not found"). Either reloads itself after the next build."""
    if snapshot.builds == 0:
        title = "Building\u2026"
        text = "<p>Matinee is building the site. This page reloads by itself when it is ready.</p>"
        refresh = '<noscript><meta http-equiv="refresh" content="2"></noscript>\n'  # no script, no stream
    else:
        title = f"The site did not build: {plural(len(snapshot.errors), 'error')}"
        lines = html.escape("\n".join(snapshot.errors), quote=False)
        text = f"<p>Save a fix and this page reloads by itself.</p>\n<pre>{lines}</pre>"
        refresh = ""
    page = (
        f'<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{title}</title>\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n{refresh}'
        f"<style>{_PLACEHOLDER_CSS}</style>\n</head>\n<body>\n<h1>{title}</h1>\n{text}\n</body>\n</html>\n"
    )
    return inject(page.encode("utf-8"), snapshot, waiting=True)


def css_changes(touched: Iterable[str]) -> tuple[str, ...] | None:
    """Return the URLs of a build's written or deleted output files ('assets/style.css') if
    all are stylesheets (() if none), else None."""
    changed = sorted(touched)
    if all(path.endswith(".css") for path in changed):
        return tuple("/" + path for path in changed)
    return None


def _state(snapshot: Snapshot) -> dict[str, object]:
    return {
        "server": snapshot.server,
        "builds": snapshot.builds,
        "epoch": snapshot.epoch,
        "errors": list(snapshot.errors),
    }


def _script_json(value: object) -> str:
    """JSON that cannot close the <script> element it sits in."""
    text = json.dumps(value)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _script(name: str) -> str:
    """Return a script shipped beside this module, with the URLs it talks to filled in."""
    text = (Path(__file__).parent / name).read_text(encoding="utf-8")
    return text.replace("WORKER_URL", WORKER_URL).replace("EVENTS_URL", EVENTS_URL)


_PLACEHOLDER_CSS = (
    "body{font:17px/1.5 system-ui,sans-serif;max-width:46em;margin:3em auto;padding:0 1em;color:#1d1d1f}"
    "h1{font-size:1.4em}pre{white-space:pre-wrap;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;"
    "background:#f5f5f7;border-left:4px solid #e5484d;padding:1em}"
)

# The page's side (livereload.js): apply each message; keep the scroll position across reloads.
# A waiting page (the Building page, or a first build's errors) only reloads after the next build.
# The shared side (livereload-worker.js): one stream for every tab of this origin; a new tab
# gets the last message. Both name the URLs above by placeholder.
_PAGE_JS = _script("livereload.js").rstrip("\n")
WORKER_JS = _script("livereload-worker.js").encode()
