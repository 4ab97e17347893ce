"""Live reload, browser side: the script `serve` adds to the pages it serves, and its messages.

Every tab shares one EventSource through a SharedWorker: browsers allow only about six
HTTP/1.1 connections per host, so one stream per tab would stall the seventh tab.
[pure]
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

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
        count = len(snapshot.errors)
        title = f"The site did not build: {count} error{'s' if count != 1 else ''}"
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


_PLACEHOLDER_CSS = (
    "body{font:17px/1.5 system-ui,sans-serif;max-width:46em;margin:3em auto;padding:0 1em;color:#1d1d1f}"
    "h1{font-size:1.4em}pre{white-space:pre-wrap;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;"
    "background:#f5f5f7;border-left:4px solid #e5484d;padding:1em}"
)

# The page's side: apply each message; keep the scroll position across reloads. A waiting
# page (the Building page, or a first build's errors) only reloads after the next build.
_PAGE_JS = """(function (state) {
  "use strict";
  var key = "matinee-scroll " + location.pathname;
  var saved = !state.waiting && sessionStorage.getItem(key);
  if (saved) {
    sessionStorage.removeItem(key);
    var restore = function () { scrollTo.apply(window, JSON.parse(saved)); };
    restore();
    addEventListener("load", restore);
  }
  function reload() {
    sessionStorage.setItem(key, JSON.stringify([scrollX, scrollY]));
    location.reload();
  }
  function restyle(paths) {
    document.querySelectorAll('link[rel~="stylesheet"]').forEach(function (link) {
      var url = new URL(link.href, location.href);
      if (url.origin !== location.origin || paths.indexOf(url.pathname) < 0) return;
      url.searchParams.set("matinee", state.epoch);
      var fresh = link.cloneNode();
      fresh.href = url.href;
      fresh.onload = fresh.onerror = function () { link.remove(); };
      link.after(fresh);
    });
  }
  function show(errors) {
    var host = document.getElementById("matinee-overlay");
    if (!errors.length) { if (host) host.remove(); return; }
    if (!host) {
      host = document.createElement("div");
      host.id = "matinee-overlay";
      host.attachShadow({mode: "open"}).innerHTML = "<style>" +
        "div{position:fixed;z-index:2147483647;top:0;left:0;right:0;max-height:70vh;" +
        "overflow:auto;margin:0;padding:1em 1.5em;background:#1d1d1f;color:#f5f5f7;" +
        "border-bottom:4px solid #e5484d;text-align:left;" +
        "font:14px/1.5 ui-monospace,Menlo,Consolas,monospace}" +
        "h2{margin:0;font-size:1.1em;color:#ff8589}p{margin:.25em 0 .75em;opacity:.8}" +
        "pre{margin:0;white-space:pre-wrap}" +
        "button{float:right;font:inherit;background:none;color:inherit;border:0;cursor:pointer}" +
        "</style>" +
        "<div role='alert'><button aria-label='Hide'>\\u00d7</button>" +
        "<h2>The site did not build</h2><p>Below is the last good build. Save a fix and " +
        "this page updates by itself.</p><pre></pre></div>";
      host.shadowRoot.querySelector("button").onclick = function () { host.remove(); };
      document.documentElement.appendChild(host);
    }
    host.shadowRoot.querySelector("pre").textContent = errors.join("\\n");
  }
  function receive(message) {
    if (message.server !== state.server) { if (!message.replay) reload(); return; }
    if (state.waiting) { if (message.builds > state.builds) location.reload(); return; }
    if (message.epoch < state.epoch) return;
    if (message.epoch > state.epoch) {
      if (message.epoch !== state.epoch + 1 || message.css === null) { reload(); return; }
      state.epoch = message.epoch;
      restyle(message.css);
    }
    show(message.errors);
  }
  if (!state.waiting) show(state.errors);
  addEventListener("pageshow", function (event) { if (event.persisted) location.reload(); });
  try {
    var worker = new SharedWorker("WORKER_URL", {name: "matinee-live"});
    worker.port.onmessage = function (event) { receive(event.data); };
    worker.port.start();
    addEventListener("pagehide", function () { worker.port.postMessage("bye"); });
  } catch (missing) {
    new EventSource("EVENTS_URL").onmessage = function (event) { receive(JSON.parse(event.data)); };
  }
})""".replace("WORKER_URL", WORKER_URL).replace("EVENTS_URL", EVENTS_URL)

# The shared side: one stream for every tab of this origin; a new tab gets the last message.
WORKER_JS = """var ports = [], last = null, source = null;
onconnect = function (event) {
  var port = event.ports[0];
  ports.push(port);
  port.onmessage = function (message) {
    var at = ports.indexOf(port);
    if (message.data === "bye" && at >= 0) ports.splice(at, 1);
  };
  if (last) port.postMessage(Object.assign({replay: true}, last));
  if (!source) {
    source = new EventSource("EVENTS_URL");
    source.onmessage = function (message) {
      last = JSON.parse(message.data);
      ports.forEach(function (each) { each.postMessage(last); });
    };
  }
};
""".replace("EVENTS_URL", EVENTS_URL).encode()
