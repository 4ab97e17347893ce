"""Edit-to-reload latency of `serve`: a Markdown file is saved -> headless Chromium shows it.

    python bench/reload_latency.py                   # sample site + 1,000-post corpus, 7 edits
    python bench/reload_latency.py --posts 0         # sample site only
    python bench/reload_latency.py --edits 11 --posts 1000 --seed 1

Each site is copied to a temporary folder (the corpus gets small placeholder stills for the
images its posts show) and served by `python build.py serve --port 0` in its own process, as
a writer would run it. For each edit the script saves a post with a new sentence, notes the
wall-clock time, and reads back the time at which the reloaded page had the sentence on
screen (the first animation frame after its DOM was ready), taken inside the browser with
Date.now(): the same clock, so no polling delay counts. The CSS rows change only the
stylesheet and time the restyle (no reload). Prints medians, with the build times `serve`
reported for the same edits.
"""

from __future__ import annotations

import argparse
import queue
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
GEN_CORPUS = REPO.parent / "shared" / "bench" / "gen_corpus.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOWN_AT = """
document.addEventListener("DOMContentLoaded", function () {
  requestAnimationFrame(function () { window.matineeShownAt = Date.now(); });
});
"""
WAIT_MS = 120_000


@dataclass(frozen=True)
class Row:
    """One line of the table."""

    site: str
    posts: int
    files: int
    latencies: list[float]  # seconds
    builds: list[float]  # seconds, as `serve` reported them


class Serve:
    """`python build.py serve` on a free port, its stderr read line by line."""

    def __init__(self, root: Path) -> None:
        command = [sys.executable, str(REPO / "build.py"), "serve", f"--source={root}", "--port=0"]
        self.process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self.wait_line(r"at (http://\S+/)").group(1)

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put(line)

    def wait_line(self, pattern: str, timeout: float = 600.0) -> re.Match[str]:
        """Return the first new stderr line that matches `pattern`."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if found := re.search(pattern, line):
                return found
            if line.startswith(("content/", "layouts/", "config.yaml", "internal")) or "Build failed" in line:
                raise RuntimeError(f"serve reported: {line.strip()}")

    def built(self) -> tuple[int, int, float]:
        """Wait for the next good build; return its file and post counts and its seconds."""
        found = self.wait_line(
            r"^(?:\d\d:\d\d:\d\d .* changed\. )?(?:Built|Up to date:) (\d+) files.*?(\d+) posts.*?([\d.]+) s"
        )
        return int(found.group(1)), int(found.group(2)), float(found.group(3))

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=7, help="edits per site (default 7)")
    parser.add_argument("--posts", type=int, default=1000, help="corpus size; 0 skips the corpus")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    rows: list[Row] = []
    scratch_dir = tempfile.TemporaryDirectory(prefix="matinee-latency-")
    with scratch_dir as scratch, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        sample = copy_site(REPO, Path(scratch) / "sample")
        rows += measure(browser, sample, "sample site", args.edits)
        if args.posts:
            corpus = make_corpus(Path(scratch) / "corpus", args.posts, args.seed)
            rows += measure(browser, corpus, f"corpus (seed {args.seed})", args.edits)
        browser.close()
    print_table(rows, args.edits)
    return 0


def copy_site(source: Path, root: Path) -> Path:
    for name in ("content", "layouts"):
        shutil.copytree(source / name, root / name)
    shutil.copy(source / "config.yaml", root / "config.yaml")
    return root


def make_corpus(root: Path, posts: int, seed: int) -> Path:
    options = [f"--seed={seed}", f"--posts={posts}", f"--out={root}"]
    command = [sys.executable, str(GEN_CORPUS), *options]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    shutil.copytree(REPO / "layouts", root / "layouts")
    shutil.copy(REPO / "config.yaml", root / "config.yaml")
    add_stills(root)
    return root


def add_stills(root: Path) -> None:
    """Write the film stills the corpus's posts show; the generator only names them."""
    try:
        from PIL import Image
    except ImportError:
        return  # a Matinee that does not check images needs none
    stills = root / "content/images/stills"
    stills.mkdir(parents=True, exist_ok=True)
    still = Image.new("RGB", (16, 9), (90, 90, 90))
    for source in (root / "content").rglob("*.md"):
        for number in re.findall(r"/images/stills/(\d+)\.jpg", source.read_text(encoding="utf-8")):
            still.save(stills / f"{number}.jpg", "JPEG")


def measure(browser: Any, root: Path, name: str, edits: int) -> list[Row]:
    """Time `edits` post edits and as many stylesheet edits on one served site."""
    serve = Serve(root)
    try:
        files, posts, cold = serve.built()
        print(f"{name}: first build {cold:.2f} s, {files} files; {serve.url}", file=sys.stderr)
        source, url = pick_post(root)
        page = browser.new_page()
        page.add_init_script(SHOWN_AT)
        page.goto(url_join(serve.url, url))
        text = source.read_text(encoding="utf-8")
        post_row = Row(name, posts, files, [], [])
        for number in range(edits):
            token = f"Latency probe {number} {secrets.token_hex(4)}."
            saved = save(source, text.rstrip("\n") + f"\n\n{token}\n")
            page.locator(".prose").filter(has_text=token).wait_for(timeout=WAIT_MS)
            shown = page.wait_for_function("window.matineeShownAt", timeout=WAIT_MS).json_value()
            post_row.latencies.append(shown / 1000 - saved)
            post_row.builds.append(serve.built()[2])
            time.sleep(0.3)  # let the server go idle: the next edit is a burst of its own
        css_row = Row(f"{name}, CSS only", posts, files, [], [])
        stylesheet = root / "layouts/assets/style.css"
        css = stylesheet.read_text(encoding="utf-8")
        for number in range(edits):
            colour = f"rgb(1, 2, {number + 3})"
            page.evaluate(
                """colour => { window.matineeStyledAt = null; (function check() {
                     if (getComputedStyle(document.body).outlineColor === colour)
                       window.matineeStyledAt = Date.now();
                     else requestAnimationFrame(check); })(); }""",
                colour,
            )
            saved = save(stylesheet, css + f"\nbody {{ outline-color: {colour}; }}\n")
            page.wait_for_function("window.matineeStyledAt !== null", timeout=WAIT_MS)
            css_row.latencies.append(page.evaluate("window.matineeStyledAt") / 1000 - saved)
            css_row.builds.append(serve.built()[2])
            time.sleep(0.3)
        page.close()
        return [post_row, css_row]
    finally:
        serve.stop()


def pick_post(root: Path) -> tuple[Path, str]:
    """Return a post file that has a built page, and that page's URL path."""
    for source in sorted((root / "content/posts").rglob("*.md")):
        stem = source.parent.name if source.stem == "index" else source.stem
        slug = re.sub(r"^\d{4}-\d{2}-\d{2}-", "", stem)
        if "\nslug:" in source.read_text(encoding="utf-8"):
            continue
        for page in (root / "site").glob(f"*/*/{slug}/index.html"):
            return source, page.parent.relative_to(root / "site").as_posix() + "/"
    raise SystemExit(f"no built post found under {root}")


def url_join(base: str, path: str) -> str:
    return base.rstrip("/") + "/" + path.lstrip("/")


def save(path: Path, text: str) -> float:
    """Write `path` as an editor does and return the wall-clock time the save finished."""
    path.write_text(text, encoding="utf-8")
    return time.time()


def print_table(rows: list[Row], edits: int) -> None:
    print(f"\nEdit-to-reload latency, headless Chromium, median of {edits} edits (min-max)\n")
    header = f"{'site':<28} {'posts':>6} {'files':>6} {'saved -> shown':>15} {'range':>14}"
    header += f" {'build':>7}"
    print(header)
    print("-" * len(header))
    for row in rows:
        median = statistics.median(row.latencies) * 1000
        spread = f"{min(row.latencies) * 1000:.0f}-{max(row.latencies) * 1000:.0f} ms"
        build = statistics.median(row.builds) * 1000
        cells = f"{row.posts:>6} {row.files:>6} {median:>12.0f} ms {spread:>14} {build:>4.0f} ms"
        print(f"{row.site:<28} {cells}")


if __name__ == "__main__":
    raise SystemExit(main())
