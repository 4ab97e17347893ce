"""Scratch-site fixtures: write a small site into tmp_path, build it in-process."""

from __future__ import annotations

import io
import json
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from matinee.cache import BuildCache
from matinee.config import load_config
from matinee.errors import MatineeError, flatten
from matinee.model import Post, pack_html
from matinee.pipeline import Report, build

REPO = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
MINIMAL_CONFIG = 'title: "Test Reel"\nbase_url: "https://example.org/"\nauthor: "Desk"\n'


def pytest_configure(config: pytest.Config) -> None:
    """A shell starts background jobs with Ctrl-C (SIGINT) ignored, and children inherit that:
    `serve` would then not stop when a test presses Ctrl-C. Take it back for this run."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def post(title: str, **fields: object) -> str:
    """Return a post file's text with `title`, a default date, and `fields` as front matter."""
    fields.setdefault("date", "2024-01-01")
    body = str(fields.pop("body", f"A paragraph about {title}."))
    lines = ["---", f"title: {json.dumps(title, ensure_ascii=False)}"]
    for key, value in fields.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        lines.append(f"{key}: {text}")
    return "\n".join([*lines, "---", body, ""])


def story(slug: str, day: str = "2024-01-01", **terms: list[str]) -> Post:
    """Return a Post made in memory (no file, no Markdown): for pure model steps such as assemble.

    `day` is an ISO date or date-time (UTC unless it says otherwise); `terms` name its tags,
    films and people; `draft=["yes"]` makes a draft.
    """
    draft = bool(terms.pop("draft", None))
    when = datetime.fromisoformat(day)
    date = when if when.tzinfo else when.replace(tzinfo=UTC)
    return Post(
        source=f"content/posts/{slug}.md",
        title=slug.replace("-", " ").title(),
        date=date,
        slug=slug,
        url=f"/{date:%Y}/{date:%m}/{slug}/",
        body=pack_html(f"<p>About {slug}.</p>"),
        summary=f"About {slug}.",
        body_line=5,
        fingerprint=slug,
        terms={name: tuple(values) for name, values in terms.items()},
        is_draft=draft,
        lines={"title": 2, "slug": 2},
    )


def image_bytes(width: int = 8, height: int = 6, kind: str = "PNG") -> bytes:
    """Return the bytes of a real image file (posts that show an image need a readable one)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 150, 60)).save(buffer, kind)
    return buffer.getvalue()


def make_site(tmp_path: Path, files: dict[str, str | bytes], *, layouts: bool = True) -> Path:
    """Write a site: the default layouts, a minimal config.yaml, then `files` (dedented)."""
    root = tmp_path / "site-src"
    root.mkdir(parents=True, exist_ok=True)
    if layouts:
        shutil.copytree(REPO / "layouts", root / "layouts", dirs_exist_ok=True)
    (root / "content").mkdir(exist_ok=True)
    (root / "config.yaml").write_text(MINIMAL_CONFIG, encoding="utf-8")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def build_site(root: Path, *, now: datetime = NOW, **overrides: object) -> Path:
    """Build `root` in-process (raising on errors) and return its output folder."""
    return run_build(root, now=now, **overrides)[0]


def errors_of(root: Path, **overrides: object) -> list[str]:
    """Build `root`, expecting failure; return every `path:line: message`, in the order raised."""
    with pytest.raises((MatineeError, ExceptionGroup)) as caught:
        build_site(root, **overrides)
    return [str(error) for error in flatten(caught.value)]


def run_build(root: Path, *, now: datetime = NOW, **overrides: object) -> tuple[Path, Report]:
    """Build `root` in-process; return the output folder and the build report."""
    overrides.setdefault("out_dir", root / "site")
    config = load_config(root, **overrides)
    cache = BuildCache(config.cache_dir)
    try:
        report = build(config, now=now, cache=cache)
    finally:
        cache.close()
    return config.out_dir, report


@pytest.fixture
def sample_site(tmp_path: Path) -> Path:
    """A copy of the project's own sample site (content/, layouts/, config.yaml)."""
    root = tmp_path / "sample"
    for name in ("content", "layouts"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "config.yaml", root / "config.yaml")
    return root


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked `slow` (long load and soak runs) unless the run selects them: -m slow."""
    if "slow" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="a long load or soak run; select it with -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


CHROMIUM = Path("/usr/bin/chromium")  # Debian's package: a downloaded browser is impossible here
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium, driven by Playwright; skipped where it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def run_cli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python build.py *args`; no run may show a traceback."""
    result = subprocess.run(
        [sys.executable, str(REPO / "build.py"), *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        env=env,
        check=False,
    )
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    return result
