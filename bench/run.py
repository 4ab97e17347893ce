#!/usr/bin/env python3
"""Matinee's speed benchmark: every scenario of the fast-build targets, with the peers.

    python bench/run.py --posts 1000 [--runs 3] [--peers pelican,hugo] [--no-peers]

Uses the shared corpus generator and peer harness in ../shared/bench (same corpus, same
rounds), and adds the scenarios that harness lacks: nothing-changed rebuild, a layout
change, and the edit loop inside `matinee serve`. Prints one Markdown table with the
ratios the targets are stated in. Times are medians of --runs; compare only figures
from one run (this machine varies by up to +-30%).
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MATINEE_SHARED_BENCH", PROJECT.parent / "shared" / "bench"))
sys.path.insert(0, str(SHARED))

import adapters  # noqa: E402  (the shared harness)
import peers  # noqa: E402

PYTHON = os.environ.get("MATINEE_PYTHON", sys.executable)
# The peers make no search index, so neither does Matinee here; run with --search to add it.
BUILD = [PYTHON, str(PROJECT / "build.py"), "build", "--source", ".", "--out", "site", "--quiet", "--no-search"]
SERVE = [PYTHON, str(PROJECT / "build.py"), "serve", "--source", ".", "--out", "site", "--port", "0"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--peers", default="pelican,hugo", help="comma list of peers to run beside Matinee")
    parser.add_argument("--no-peers", action="store_true", help="Matinee alone")
    args = parser.parse_args()
    # An installed Matinee has its modules compiled (pip compiles on install; a checkout
    # writes them on its first run unless PYTHONDONTWRITEBYTECODE is set, as it is on some
    # machines). Compile them here so no timed run pays for it, as Pelican's never does.
    compileall.compile_dir(PROJECT / "matinee", quiet=1)
    corpus = peers.ROOT / f"corpus-{args.posts}"
    if not (corpus / "content").exists():
        subprocess.run(
            [
                sys.executable,
                str(SHARED / "gen_corpus.py"),
                "--seed",
                str(args.seed),
                "--posts",
                str(args.posts),
                "--out",
                str(corpus),
            ],
            check=True,
        )
    tools = [] if args.no_peers else [tool for tool in args.peers.split(",") if tool and _installed(tool)]
    site = peers.ROOT / "sites" / f"matinee-bench-{args.posts}"
    adapters.prepare_matinee(corpus, site, PROJECT)
    rel, _ = adapters.posts(corpus)[args.posts // 2]
    post = site / "content" / "posts" / rel
    logs = peers.ROOT / "logs"
    logs.mkdir(parents=True, exist_ok=True)

    results: dict[str, list[float]] = {name: [] for name in ("cold", "noop", "edit", "serve_edit", "layout")}
    rss: list[float] = []
    peer_cold: dict[str, list[float]] = {tool: [] for tool in tools}
    peer_rss: dict[str, list[float]] = {tool: [] for tool in tools}
    peer_sites = {}
    for tool in tools:
        peer_sites[tool] = peers.ROOT / "sites" / f"{tool}-{args.posts}"
        adapters.PREPARE[tool](corpus, peer_sites[tool])

    for round_ in range(args.runs):
        for tool in tools:
            peers.clean(peer_sites[tool], peers.PEERS[tool])
            wall, peak = peers.run(
                peers.PEERS[tool].cold, peer_sites[tool], logs / f"{tool}-{args.posts}-cold{round_}.log"
            )
            peer_cold[tool].append(wall)
            peer_rss[tool].append(peak)
            _say(f"round {round_ + 1} {tool} cold {wall:.2f} s {peak:.0f} MiB")
        _clean_matinee(site)
        wall, peak = peers.run(BUILD, site, logs / f"matinee-{args.posts}-cold{round_}.log")
        results["cold"].append(wall)
        rss.append(peak)
        results["noop"].append(peers.run(BUILD, site, logs / "matinee-noop.log")[0])
        peers.edit(post)
        results["edit"].append(peers.run(BUILD, site, logs / "matinee-edit.log")[0])
        layout = site / "layouts" / "post.html"
        layout.write_text(layout.read_text(encoding="utf-8") + f"\n{{# bench {time.time()} #}}\n", encoding="utf-8")
        results["layout"].append(peers.run(BUILD, site, logs / "matinee-layout.log")[0])
        results["serve_edit"].append(serve_edit(site, post))
        latest = ", ".join(f"{name} {values[-1]:.3f} s" for name, values in results.items())
        _say(f"round {round_ + 1} matinee: {latest}, peak {peak:.0f} MiB")

    hugo_watch = None
    if "hugo" in tools:
        peers.clean(peer_sites["hugo"], peers.PEERS["hugo"])
        hugo_post = adapters.post_path["hugo"](peer_sites["hugo"], rel, None)
        hugo_watch, said = peers.watch_rebuild(
            peers.PEERS["hugo"], peer_sites["hugo"], hugo_post, logs / "hugo-watch.log"
        )
        _say(f"hugo --watch rebuild {hugo_watch:.2f} s ({said})")
    print_table(args.posts, results, rss, peer_cold, peer_rss, hugo_watch)


def serve_edit(site: Path, post: Path) -> float:
    """Start `matinee serve`, edit one post, time until the server reports the rebuild."""
    process = subprocess.Popen(SERVE, cwd=site, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    seen = threading.Condition()

    def read() -> None:
        for line in process.stdout or []:
            with seen:
                lines.append(line)
                seen.notify_all()

    threading.Thread(target=read, daemon=True).start()
    try:
        _wait_for(lines, seen, r"https?://", 600)
        _wait_for(lines, seen, r"Built \d+ files", 600)  # the first build
        time.sleep(1.0)  # let the watcher settle
        count = len(lines)
        started = time.perf_counter()
        peers.edit(post)
        _wait_for(lines, seen, r"Built \d+ files", 120, start=count)
        return time.perf_counter() - started
    finally:
        process.terminate()
        process.wait()


def _wait_for(lines: list[str], seen: threading.Condition, pattern: str, limit: float, start: int = 0) -> None:
    deadline = time.monotonic() + limit
    with seen:
        while not any(re.search(pattern, line) for line in lines[start:]):
            if not seen.wait(timeout=max(0.0, deadline - time.monotonic())):
                raise TimeoutError(f"no line matching {pattern!r}; got: {''.join(lines[-5:])}")


def print_table(
    posts: int,
    results: dict[str, list[float]],
    rss: list[float],
    peer_cold: dict[str, list[float]],
    peer_rss: dict[str, list[float]],
    hugo_watch: float | None,
) -> None:
    median = {name: statistics.median(values) for name, values in results.items() if values}
    pelican = statistics.median(peer_cold["pelican"]) if peer_cold.get("pelican") else None
    hugo = statistics.median(peer_cold["hugo"]) if peer_cold.get("hugo") else None

    watch = hugo_watch or 0.0
    pelican_rss = max(peer_rss.get("pelican") or [0])
    rows = [  # scenario, Matinee figure, what it is compared with, that figure, target ratio
        ("cold build", median["cold"], "Pelican cold", pelican, "<= 0.40"),
        ("cold build", median["cold"], "Hugo cold", hugo, "<= 1.5 (stretch)"),
        ("edit one post, `serve`", median["serve_edit"], "Hugo --watch", watch, "<= 0.50"),
        ("edit one post, one-shot `build`", median["edit"], "Hugo --watch", watch, "<= 0.50"),
        ("nothing changed, one-shot `build`", median["noop"], "Hugo --watch", watch, "<= 0.20"),
        ("one layout changed", median["layout"], "Matinee cold", median["cold"], "<= 0.60"),
        ("peak memory, cold (MiB)", max(rss), "Pelican", pelican_rss, "<= 1.00"),
    ]
    print(f"\nN = {posts} posts, medians of {len(results['cold'])} rounds\n")
    print("| scenario | Matinee | compared with | ratio | target |")
    print("|---|---|---|---|---|")
    for scenario, ours, peer_name, theirs, target in rows:
        ratio = f"{ours / theirs:.2f}" if theirs else "-"
        print(f"| {scenario} | {ours:.3f} | {peer_name} {theirs or 0:.3f} | {ratio} | {target} |")
    if hugo:
        print(f"\nHugo cold peak memory: {max(peer_rss['hugo']):.0f} MiB")


def _clean_matinee(site: Path) -> None:
    for name in ("site", ".matinee-cache"):
        shutil.rmtree(site / name, ignore_errors=True)


def _installed(tool: str) -> bool:
    command = peers.PEERS[tool].cold[0]
    found = Path(command).exists() or shutil.which(command) is not None
    if not found:
        _say(f"{tool} is not installed (see ../shared/bench/README.md); left out")
    return found


def _say(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
