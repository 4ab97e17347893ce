#!/usr/bin/env python3
"""Save -> new text in the page, in headless Chromium: Matinee's `serve` against `hugo server`.

    python bench/browser_edit.py --harness HARNESS --posts 1000 [--runs 5] [--json FILE]

HARNESS is the team's peer-benchmark folder (gen_corpus.py, adapters.py, peers.py).

Both tools serve their own copy of the harness's corpus (its adapters lay out each site),
each with its own live reload: `python build.py serve --port 0` and `hugo server`, which
injects its livereload script (default settings, so Hugo's fast render mode is on). One
Chromium page per tool shows the middle post. After the watchers settle, each run saves
that post's body with a new marker sentence, first in one tool's copy and then in the
other's (the order alternates), and takes the time from the save to the moment the page's
text holds the marker. The page reports that moment itself (Date.now() at DOMContentLoaded
or at the DOM change that brought the text), so no polling interval counts. Prints the
median of --runs for each tool and the ratio the target is stated in (< 0.5x Hugo).
"""

from __future__ import annotations

import argparse
import json
import queue
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from peerbench import add_options, corpus, load_harness, median, ratio, say, seconds, table

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
TOOLS = ("matinee", "hugo")
WAIT_S = 600.0  # a first build of 10,000 posts
EDIT_WAIT_MS = 120_000
# Runs in every document the pages load: once the marker the script stored is in the page's
# text, log it with the page's clock (the same clock as the script's time.time()).
SHOWN = """
(() => {
  const shown = () => {
    const marker = sessionStorage.getItem("bench-marker");
    if (!marker || !document.body || !document.body.innerText.includes(marker)) return false;
    sessionStorage.removeItem("bench-marker");
    console.log("bench-shown " + marker + " " + Date.now());
    return true;
  };
  document.addEventListener("DOMContentLoaded", () => {
    if (shown()) return;
    const watch = new MutationObserver(() => { if (shown()) watch.disconnect(); });
    watch.observe(document.documentElement, {subtree: true, childList: true, characterData: true});
  });
})();
"""


@dataclass
class Server:
    """A tool's live-reload server, its output copied to a log and read line by line."""

    name: str
    process: subprocess.Popen[str]
    log: IO[str]
    lines: queue.Queue[str] = field(default_factory=queue.Queue)

    @classmethod
    def start(cls, name: str, command: list[str], cwd: Path, log: Path) -> Server:
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        server = cls(name, process, log.open("w", encoding="utf-8"))
        threading.Thread(target=server._read, daemon=True).start()
        return server

    def _read(self) -> None:
        for line in self.process.stdout or ():
            self.log.write(line)
            self.log.flush()
            self.lines.put(line)

    def wait_for(self, pattern: str) -> re.Match[str]:
        """The first line from now on that matches `pattern`."""
        deadline = time.monotonic() + WAIT_S
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise SystemExit(f"{self.name} printed no line matching {pattern!r}; see {self.log.name}") from None
            if found := re.search(pattern, line):
                return found

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        self.log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_options(parser)
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5, help="edits per tool (default 5)")
    parser.add_argument("--settle", type=float, help="seconds to let the watchers settle (default: the harness's)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    where = (args.harness, args.project, args.work, args.installed)
    times = measure(*where, args.posts, args.seed, args.runs, args.settle)
    print(report(args.posts, times))
    if args.json:
        args.json.write_text(json.dumps({"posts": args.posts, "seconds": times}, indent=1) + "\n", encoding="utf-8")


def measure(
    harness: Path,
    project: Path,
    work: Path,
    installed: Path,
    posts: int,
    seed: int,
    runs: int,
    settle: float | None = None,
) -> dict[str, list[float | None]]:
    """Seconds from save to text on screen for each tool, one per run (None: never shown)."""
    from playwright.sync_api import sync_playwright

    adapters, peers = load_harness(harness, work, installed)
    source = corpus(harness, work, posts, seed)
    rel, _ = adapters.posts(source)[posts // 2]  # the post the harness edits too
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    sites = {tool: work / "sites" / f"browser-{tool}-{posts}" for tool in TOOLS}
    adapters.prepare_matinee(source, sites["matinee"], project.resolve())
    adapters.prepare_hugo(source, sites["hugo"])
    files = {tool: sites[tool] / "content" / "posts" / rel for tool in TOOLS}
    servers: list[Server] = []
    try:
        urls = start_servers(servers, sites, project, peers.HUGO, logs, posts)
        urls["matinee"] += matinee_path(sites["matinee"] / "site", rel)
        urls["hugo"] += "posts/" + rel.with_suffix("").as_posix() + "/"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            pages = {tool: open_page(browser, urls[tool]) for tool in TOOLS}
            time.sleep(peers.SETTLE_S if settle is None else settle)
            times: dict[str, list[float | None]] = {tool: [] for tool in TOOLS}
            originals = {tool: files[tool].read_text(encoding="utf-8") for tool in TOOLS}
            for run in range(runs):
                for tool in TOOLS if run % 2 == 0 else TOOLS[::-1]:
                    times[tool].append(edit_and_wait(pages[tool], files[tool], originals[tool], tool, run))
                    time.sleep(1.0)  # the server goes idle before the other tool's edit
            browser.close()
        return times
    finally:
        for server in servers:
            server.stop()


def start_servers(
    servers: list[Server], sites: dict[str, Path], project: Path, hugo: str, logs: Path, posts: int
) -> dict[str, str]:
    """Start both servers (appended to `servers`, to be stopped) and return their addresses."""
    serve = [sys.executable, str(project / "build.py"), "serve", "--source", ".", "--port", "0"]
    servers.append(Server.start("matinee", serve, sites["matinee"], logs / f"browser-matinee-{posts}.log"))
    port = free_port()
    command = [hugo, "server", "--port", str(port), "--bind", "127.0.0.1"]
    servers.append(Server.start("hugo", command, sites["hugo"], logs / f"browser-hugo-{posts}.log"))
    matinee, hugo_server = servers
    url = matinee.wait_for(r"^Serving .* at (http://\S+)").group(1)
    hugo_server.wait_for(r"Press Ctrl\+C to stop")
    say(f"serving: matinee at {url}, hugo at http://127.0.0.1:{port}/")
    return {"matinee": url.rstrip("/") + "/", "hugo": f"http://127.0.0.1:{port}/"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def matinee_path(out: Path, rel: Path) -> str:
    """The edited post's address in Matinee's output (its permalink comes from config.yaml)."""
    for page in sorted(out.rglob(f"{rel.stem}/index.html")):
        return page.parent.relative_to(out).as_posix() + "/"
    raise SystemExit(f"no page for {rel} in {out}")


def open_page(browser: Any, url: str) -> Any:
    page = browser.new_page()
    page.add_init_script(SHOWN)
    response = page.goto(url)
    if response is None or not response.ok:
        raise SystemExit(f"{url} answered {response and response.status}")
    return page


def edit_and_wait(page: Any, post: Path, original: str, tool: str, run: int) -> float | None:
    """Save `post` with a new marker sentence; return the seconds until the page shows it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    marker = f"Benchmark{run}{secrets.token_hex(4)}"
    page.evaluate("marker => sessionStorage.setItem('bench-marker', marker)", marker)
    try:
        with page.expect_console_message(lambda message: marker in message.text, timeout=EDIT_WAIT_MS) as shown:
            saved = time.time()
            post.write_text(original.rstrip("\n") + f"\n\nThe studio said {marker} today.\n", encoding="utf-8")
    except PlaywrightTimeout:
        say(f"run {run + 1} {tool}: the page did not show the edit in {EDIT_WAIT_MS / 1000:.0f} s")
        return None
    latency: float = int(shown.value.text.split()[-1]) / 1000 - saved
    say(f"run {run + 1} {tool}: {latency:.3f} s")
    return latency


def report(posts: int, times: dict[str, list[float | None]]) -> str:
    """The table: each tool's median, and Matinee's over Hugo's in Matinee's row."""
    medians = {tool: median(values) for tool, values in times.items()}
    rows = []
    for tool, values in times.items():
        shown = [value for value in values if value is not None]
        spread = f"{min(shown):.2f}-{max(shown):.2f}" if shown else "-"
        missed = f", {len(values) - len(shown)} missed" if len(shown) < len(values) else ""
        versus = ratio(medians["matinee"], medians["hugo"]) if tool == "matinee" else ""
        rows.append([tool, f"{posts}", f"{seconds(medians[tool])} ({spread}{missed})", versus])
    header = ["tool", "posts", f"save -> shown, median s of {max(map(len, times.values()))}", "Matinee/Hugo"]
    return table(header, rows) + "\n\ntarget: Matinee/Hugo < 0.5x"


if __name__ == "__main__":
    main()
