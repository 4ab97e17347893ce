#!/usr/bin/env python3
"""The speed issue's figures in one command: Matinee, Pelican and Hugo on one corpus, and the ratios.

    python bench/figures.py --harness HARNESS            # 1,000 and 10,000 posts
    python bench/figures.py --harness HARNESS --sizes 50000 --tools matinee,hugo --runs 1 --warm-runs 1

HARNESS is the team's peer-benchmark folder (gen_corpus.py, adapters.py, peers.py).

For each size it runs the harness's peers.py (cold builds, median of --runs, peak RSS, and
one save -> rebuilt figure per tool: Matinee's `serve`, Pelican's cache, `hugo --watch`),
reads the results-N.json it writes, and runs it again with `--runs 0` until each tool has
--warm-runs save -> rebuilt figures. It adds what peers.py does not measure: a one-shot
`build --no-search` after editing one post (median of --edit-runs, after an untimed build
that fills the cache), and save -> new text in headless Chromium (bench/browser_edit.py,
--browser-runs edits per tool, 0 to skip). Prints a table per size, the ratios the targets
are stated in, and how Matinee's figures grow from one size to the next.
"""

from __future__ import annotations

import argparse
import compileall
import json
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import browser_edit
from peerbench import add_options, corpus, load_harness, median, ratio, say, seconds, table


@dataclass(frozen=True)
class Figures:
    """One size's medians, by tool (None: not measured, or the tool failed)."""

    posts: int
    cold: dict[str, float | None]
    memory: dict[str, float | None]  # peak RSS of a cold build, MiB
    rebuilt: dict[str, float | None]  # save -> rebuilt: serve / cache / --watch
    modes: dict[str, str] = field(default_factory=dict)  # how each tool rebuilt
    one_shot: float | None = None  # Matinee's `build` after one edit
    shown: dict[str, float | None] = field(default_factory=dict)  # save -> text in the browser


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_options(parser)
    parser.add_argument("--sizes", default="1000,10000", help="corpus sizes, comma-separated (default 1000,10000)")
    parser.add_argument("--tools", default="matinee,pelican,hugo", help="peers.py tools (default matinee,pelican,hugo)")
    parser.add_argument("--runs", type=int, default=3, help="cold builds per tool (default 3)")
    parser.add_argument("--warm-runs", type=int, default=3, help="save -> rebuilt figures per tool (default 3)")
    parser.add_argument("--edit-runs", type=int, default=3, help="one-shot builds after an edit (default 3)")
    parser.add_argument("--browser-runs", type=int, default=5, help="browser edits per tool, 0 skips (default 5)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    adapters, peers = load_harness(args.harness, args.work, args.installed)
    # A checkout on a machine with PYTHONDONTWRITEBYTECODE set would compile Matinee's
    # modules in every timed run; pip compiles them on install, so do it here, untimed.
    compileall.compile_dir(args.project / "matinee", quiet=1)
    measured: list[Figures] = []
    for posts in [int(size) for size in args.sizes.split(",")]:
        figures = measure(args, adapters, peers, posts)
        measured.append(figures)
        print(report(figures, args.runs), flush=True)
        if args.json:
            args.json.write_text(json.dumps([asdict(each) for each in measured], indent=1) + "\n", encoding="utf-8")
    if len(measured) > 1:
        print("\nHow Matinee's figures grow\n")
        rows = [line for small, large in zip(measured, measured[1:], strict=False) for line in growth(small, large)]
        print(table(["figure", "ratio", "target"], rows))


def measure(args: argparse.Namespace, adapters: ModuleType, peers: ModuleType, posts: int) -> Figures:
    """Every figure at one size, each tool's rounds taken in one run of the harness."""
    tools = args.tools.split(",")
    results = run_peers(args, posts, args.runs, tools)
    rebuilt = {tool: [results[tool]["warm"]] for tool in tools}
    for _ in range(args.warm_runs - 1):
        more = run_peers(args, posts, 0, tools)
        for tool in tools:
            rebuilt[tool].append(more[tool]["warm"])
    one_shot = None
    if "matinee" in tools and args.edit_runs:
        one_shot = median(one_shot_edits(args, adapters, peers, posts))
    shown: dict[str, float | None] = {}
    if "matinee" in tools and "hugo" in tools and args.browser_runs:
        where = (args.harness, args.project, args.work, args.installed)
        times = browser_edit.measure(*where, posts, args.seed, args.browser_runs)
        shown = {tool: median(values) for tool, values in times.items()}
    return Figures(
        posts,
        cold={tool: median(results[tool]["cold"]) for tool in tools},
        memory={tool: max(results[tool]["rss"], default=None) for tool in tools},
        rebuilt={tool: median(values) for tool, values in rebuilt.items()},
        modes={tool: peers.PEERS[tool].warm_mode for tool in tools if tool in peers.PEERS},
        one_shot=one_shot,
        shown=shown,
    )


def run_peers(args: argparse.Namespace, posts: int, runs: int, tools: list[str]) -> dict[str, Any]:
    """Run the harness's peers.py (its table goes to stderr) and return its results-N.json."""
    command = [sys.executable, str(args.harness / "peers.py"), "--project", str(args.project.resolve())]
    command += ["--tools", ",".join(tools), "--posts", str(posts), "--runs", str(runs), "--seed", str(args.seed)]
    say(" ".join(command))
    if subprocess.run(command, stdout=sys.stderr).returncode:
        raise SystemExit(f"peers.py failed at {posts} posts; its output is above")
    results: dict[str, Any] = json.loads((args.work / f"results-{posts}.json").read_text(encoding="utf-8"))
    return results


def one_shot_edits(args: argparse.Namespace, adapters: ModuleType, peers: ModuleType, posts: int) -> list[float]:
    """Seconds of `build --no-search` after appending a paragraph to one post, on peers.py's site."""
    peers.add_matinee(args.project.resolve())
    rel, source = adapters.posts(corpus(args.harness, args.work, posts, args.seed))[posts // 2]
    site = args.work / "sites" / f"matinee-{posts}"
    post = adapters.post_path["matinee"](site, rel, source)
    build, log = peers.PEERS["matinee"].cold, args.work / "logs" / f"matinee-{posts}-one-shot.log"
    peers.run(build, site, log)  # the pages `serve` left link to its address: rebuild them, untimed
    times = []
    for run in range(args.edit_runs):
        peers.edit(post)
        wall, _ = peers.run(build, site, log)
        say(f"one-shot build after an edit, round {run + 1}: {wall:.2f} s")
        times.append(wall)
    return times


def report(figures: Figures, runs: int) -> str:
    """The size's table, then its ratios with the targets they answer."""
    rows = []
    for tool, cold in figures.cold.items():
        memory = figures.memory[tool]
        rebuilt = f"{seconds(figures.rebuilt[tool])} ({figures.modes.get(tool, '-')})"
        one_shot = seconds(figures.one_shot) if tool == "matinee" else ""
        shown = seconds(figures.shown[tool]) if tool in figures.shown else ""
        mib = "-" if memory is None else f"{memory:.0f}"
        rows.append([tool, f"{figures.posts}", seconds(cold), mib, rebuilt, one_shot, shown])
    header = ["tool", "posts", f"cold s (median of {runs})", "peak MiB", "save -> rebuilt s"]
    header += ["build after edit s", "save -> shown s"]
    return f"\n{table(header, rows)}\n\n{table(['ratio', 'value', 'target'], ratios(figures))}\n"


def ratios(figures: Figures) -> list[list[str]]:
    """The ratios the issue's targets are stated in, at one size."""
    cold, hugo_watch = figures.cold, figures.rebuilt.get("hugo")
    rows = [
        ["cold build, Matinee / Pelican", ratio(cold.get("matinee"), cold.get("pelican")), "<= 0.5x (stretch 0.4x)"],
        ["cold build, Matinee / Hugo", ratio(cold.get("matinee"), cold.get("hugo")), "reported"],
        [
            "save -> rebuilt, Matinee serve / Hugo --watch",
            ratio(figures.rebuilt.get("matinee"), hugo_watch),
            "<= 0.25x at 1,000, <= 0.1x at 10,000",
        ],
        ["one-shot build after an edit / Hugo --watch", ratio(figures.one_shot, hugo_watch), "<= 0.5x at 10,000"],
        [
            "peak memory, Matinee / Pelican",
            ratio(figures.memory.get("matinee"), figures.memory.get("pelican")),
            "<= 0.75x at 10,000",
        ],
    ]
    if figures.shown:
        shown = ratio(figures.shown.get("matinee"), figures.shown.get("hugo"))
        rows.append(["save -> shown in Chromium, Matinee / Hugo live reload", shown, "< 0.5x"])
    return rows


def growth(small: Figures, large: Figures) -> list[list[str]]:
    """Matinee's figures at `large` over those at `small`: an edit flat, a cold build linear."""
    sizes = f"{large.posts:,} / {small.posts:,} posts"
    linear = f"linear: about {large.posts / small.posts:.1f}x"
    return [
        [
            f"save -> rebuilt (serve), {sizes}",
            ratio(large.rebuilt.get("matinee"), small.rebuilt.get("matinee")),
            "<= 1.5x",
        ],
        [f"cold build, {sizes}", ratio(large.cold.get("matinee"), small.cold.get("matinee")), linear],
        [f"peak memory, {sizes}", ratio(large.memory.get("matinee"), small.memory.get("matinee")), linear],
    ]


if __name__ == "__main__":
    main()
