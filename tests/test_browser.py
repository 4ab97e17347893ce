"""Live reload in a real headless Chromium: edit, break, fix and restyle a post, hands off."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import make_site, post
from serving import running

pytestmark = pytest.mark.browser

TIMEOUT_MS = 15_000
ALPHA_FILE = "content/posts/alpha.md"
ALPHA = "2024/01/alpha/"


def alpha(opening: str, **fields: object) -> str:
    """Alpha's post file: `opening`, then enough paragraphs to scroll through."""
    filler = "\n\n".join(f"Paragraph {number} of the review." for number in range(120))
    return post("Alpha", date=fields.pop("date", "2024-01-05"), body=f"{opening}\n\n{filler}", **fields)


def test_edit_break_fix_and_restyle_without_touching_the_browser(tmp_path: Path, browser: Any) -> None:
    from playwright.sync_api import expect

    root = make_site(tmp_path, {ALPHA_FILE: alpha("The original text.")})
    with running(root) as server:
        context = browser.new_context(viewport={"width": 1000, "height": 700})
        page, front = context.new_page(), context.new_page()  # two tabs share one event stream
        page.goto(server.preview.url + ALPHA)
        front.goto(server.preview.url)
        prose = page.locator(".prose")
        expect(prose).to_contain_text("The original text.")
        page.evaluate("window.scrollTo(0, 1500)")
        page.wait_for_function("scrollY === 1500")

        # 1. Save the Markdown: the page shows the new text by itself, scrolled where it was.
        server.write(ALPHA_FILE, alpha("The edited text."))
        expect(prose).to_contain_text("The edited text.", timeout=TIMEOUT_MS)
        page.wait_for_function("scrollY === 1500", timeout=TIMEOUT_MS)

        # 2. Break the front matter: an overlay names the file and line over the last good page.
        server.write(ALPHA_FILE, "---\ntitle: [unclosed\ndate: 2024-01-05\n---\nBroken.\n")
        overlay = page.locator("#matinee-overlay pre")
        place = re.compile(r"content/posts/alpha\.md:\d+: front matter is not valid YAML")
        expect(overlay).to_contain_text(place, timeout=TIMEOUT_MS)
        assert overlay.text_content() == "\n".join(server.errors[-1])  # as the terminal shows it
        expect(prose).to_contain_text("The edited text.")
        expect(front.locator("#matinee-overlay pre")).to_contain_text(place, timeout=TIMEOUT_MS)

        # ... and shows an error's text as text, never as markup.
        server.write(ALPHA_FILE, alpha("Still broken.", date="<img src=x onerror=window.injected=1>"))
        expect(overlay).to_contain_text("content/posts/alpha.md:3: date '<img src=x", timeout=TIMEOUT_MS)
        assert page.evaluate("window.injected === undefined && !document.querySelector('img[src=x]')")

        # 3. Fix it: the overlay goes and the page recovers, with the new text.
        server.write(ALPHA_FILE, alpha("The fixed text."))
        expect(prose).to_contain_text("The fixed text.", timeout=TIMEOUT_MS)
        expect(page.locator("#matinee-overlay")).to_have_count(0, timeout=TIMEOUT_MS)
        expect(front.locator("#matinee-overlay")).to_have_count(0, timeout=TIMEOUT_MS)

        # 4. Change only the stylesheet: the page restyles without a reload.
        page.evaluate("window.sameDocument = true")
        css = (root / "layouts/assets/style.css").read_text(encoding="utf-8")
        server.write("layouts/assets/style.css", css + "\n.prose p { color: rgb(1, 2, 3) !important; }\n")
        page.wait_for_function(
            "getComputedStyle(document.querySelector('.prose p')).color === 'rgb(1, 2, 3)'",
            timeout=TIMEOUT_MS,
        )
        assert page.evaluate("window.sameDocument") is True
        assert page.evaluate("scrollY") == 1500
        context.close()


def test_the_building_page_turns_into_the_page_by_itself(tmp_path: Path, browser: Any) -> None:
    from playwright.sync_api import expect

    root = make_site(tmp_path, {ALPHA_FILE: alpha("The original text.")})
    hold = threading.Event()
    with running(root, hold=hold) as server:
        page = browser.new_page()
        page.goto(server.preview.url + ALPHA)
        expect(page.locator("h1")).to_have_text("Building\u2026")
        hold.set()  # the first build ends
        expect(page.locator(".prose")).to_contain_text("The original text.", timeout=TIMEOUT_MS)
        page.close()


def test_a_first_build_that_fails_shows_its_errors_until_a_save_fixes_them(tmp_path: Path, browser: Any) -> None:
    from playwright.sync_api import expect

    root = make_site(tmp_path, {ALPHA_FILE: "---\ntitle: [unclosed\ndate: 2024-01-05\n---\nBroken.\n"})
    hold = threading.Event()
    with running(root, hold=hold) as server:
        page = browser.new_page()
        page.goto(server.preview.url + ALPHA)
        expect(page.locator("h1")).to_have_text("Building\u2026")
        hold.set()
        expect(page.locator("h1")).to_have_text("The site did not build: 1 error", timeout=TIMEOUT_MS)
        expect(page.locator("pre")).to_contain_text(
            re.compile(r"content/posts/alpha\.md:\d+: front matter is not valid YAML")
        )
        server.write(ALPHA_FILE, alpha("The fixed text."))
        expect(page.locator(".prose")).to_contain_text("The fixed text.", timeout=TIMEOUT_MS)
        page.close()
