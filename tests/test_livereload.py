"""serve/livereload.py: the script added to served pages, its messages, and the CSS-only rule."""

from __future__ import annotations

import json

from matinee.serve.livereload import Snapshot, css_changes, event_message, inject, placeholder

SNAPSHOT = Snapshot("abc", builds=3, epoch=2, css=("/assets/style.css",), errors=())


def test_script_goes_before_the_last_closing_body_tag() -> None:
    page = b"<html><body><p>x</p><!-- </body> --></BODY >\n</html>\n"
    injected = inject(page, SNAPSHOT)
    assert injected.startswith(b"<html><body><p>x</p><!-- </body> --><script>")
    assert injected.endswith(b"</script></BODY >\n</html>\n")


def test_page_without_body_tag_gets_the_script_at_the_end() -> None:
    assert inject(b"<p>bare</p>", SNAPSHOT).startswith(b"<p>bare</p><script>")


def test_errors_in_the_script_cannot_close_it() -> None:
    errors = ("content/posts/x.md:3: date '</script><script>alert(1)</script>' is bad & \u2028",)
    injected = inject(b"<body></body>", Snapshot("abc", 4, 2, None, errors))
    assert injected.count(b"</script>") == 1
    state = injected.split(b"})(", 1)[1].rsplit(b");</script>", 1)[0]
    assert json.loads(state)["errors"] == list(errors)


def test_event_message_carries_the_snapshot() -> None:
    message = event_message(SNAPSHOT)
    assert message.startswith(b"data: ") and message.endswith(b"\n\n")
    assert json.loads(message[len(b"data: ") :]) == {
        "server": "abc",
        "builds": 3,
        "epoch": 2,
        "errors": [],
        "css": ["/assets/style.css"],
    }


def test_css_changes_lists_stylesheets_only_when_nothing_else_changed() -> None:
    assert css_changes(["assets/style.css"]) == ("/assets/style.css",)
    assert css_changes(["assets/new.css"]) == ("/assets/new.css",)
    assert css_changes([]) == ()
    assert css_changes(["index.html", "assets/style.css"]) is None
    assert css_changes(["index.html"]) is None  # a page went


def test_placeholder_says_building_then_shows_a_failed_first_builds_errors_as_text() -> None:
    building = placeholder(Snapshot("abc", builds=0, epoch=0, css=None, errors=()))
    assert "<title>Building\u2026</title>" in building.decode("utf-8")
    assert b'"waiting": true' in building and b'http-equiv="refresh"' in building  # reloads, script or not
    errors = ("content/posts/x.md:3: date '<b>soon</b>' is bad", "layouts/post.html:2: 'x' is undefined")
    failed = placeholder(Snapshot("abc", builds=1, epoch=0, css=None, errors=errors))
    assert b"<h1>The site did not build: 2 errors</h1>" in failed
    assert b"date '&lt;b&gt;soon&lt;/b&gt;' is bad\nlayouts/post.html:2:" in failed
    assert b"<b>soon" not in failed and b'"waiting": true' in failed
