#!/usr/bin/env python3
"""What a one-shot `build --no-search` costs after editing one post (issue 19's one-shot target).

    python bench/oneshot.py --corpus /tmp/fbench/corpus-10000 --work /tmp/oneshot --runs 5
    python bench/oneshot.py --harness ../shared/bench --posts 1000 --work /tmp/oneshot

The site is the corpus's content/ (a folder holding content/, or made with the harness's
gen_corpus.py) with this project's layouts/ and config.yaml, `per_page: 10` as the peers
harness sets it, in WORK/site-N. One untimed build fills the caches; then each round edits
one post (--edit: `body` appends a paragraph, as the harness does; `title` changes its
title; `date` moves it a day; `new` adds a post) and times `build.py build --no-search` as a
subprocess: wall seconds and CPU seconds (user + sys of the child and its workers, from
os.wait4). Prints each round and the medians. --project runs another checkout's build.py
(e.g. an extracted older commit) on the same site, for before/after figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="a folder holding content/ (e.g. the harness's corpus-N)")
    parser.add_argument("--harness", type=Path, help="the folder holding gen_corpus.py (with --posts)")
    parser.add_argument("--posts", type=int, default=1000, help="posts to generate with --harness")
    parser.add_argument("--work", type=Path, default=Path("/tmp/oneshot"))
    parser.add_argument("--project", type=Path, default=PROJECT, help="the checkout whose build.py runs")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--edit", choices=("body", "title", "date", "new"), default="body")
    parser.add_argument("--fresh", action="store_true", help="copy the site afresh (else reuse WORK/site-N)")
    args = parser.parse_args()
    corpus = args.corpus or generate(args.harness, args.posts, args.work)
    site = make_site(corpus, args.work, args.fresh)
    post = pick_post(site)
    build = [sys.executable, str(args.project.resolve() / "build.py"), "build", "--no-search", "--quiet"]
    subprocess.run(build, cwd=site, check=True)  # untimed: fills the caches for this checkout
    walls, cpus = [], []
    for run in range(args.runs):
        edit(site, post, args.edit, run)
        wall, cpu = timed(build, site)
        print(f"round {run + 1}: {wall:.2f} s wall, {cpu:.2f} s CPU", flush=True)
        walls.append(wall)
        cpus.append(cpu)
    posts = sum(1 for _ in (site / "content" / "posts").rglob("*.md"))
    print(
        f"one-shot build --no-search after a {args.edit} edit, {posts} posts, {args.project.resolve().name}: "
        f"median {statistics.median(walls):.2f} s wall, {statistics.median(cpus):.2f} s CPU ({args.runs} runs)"
    )


def generate(harness: Path | None, posts: int, work: Path) -> Path:
    if harness is None:
        raise SystemExit("give --corpus or --harness")
    corpus = work / f"corpus-{posts}"
    if not (corpus / "content").is_dir():
        command = [sys.executable, str(harness / "gen_corpus.py"), "--seed", "1", "--posts", str(posts)]
        subprocess.run([*command, "--out", str(corpus)], check=True)
    return corpus


def make_site(corpus: Path, work: Path, fresh: bool) -> Path:
    """The corpus's content/ with this project's layouts and config.yaml (per_page: 10)."""
    posts = sum(1 for _ in (corpus / "content" / "posts").rglob("*.md"))
    site = work / f"site-{posts}"
    if fresh or not (site / "config.yaml").exists():
        shutil.rmtree(site, ignore_errors=True)
        shutil.copytree(corpus / "content", site / "content")
        shutil.copytree(PROJECT / "layouts", site / "layouts")
        config = (PROJECT / "config.yaml").read_text(encoding="utf-8").splitlines()
        config = [line for line in config if not line.startswith("per_page:")] + ["per_page: 10"]
        (site / "config.yaml").write_text("\n".join(config) + "\n", encoding="utf-8")
    return site


def pick_post(site: Path) -> Path:
    """The middle post in path order, as the harness picks it."""
    posts = sorted((site / "content" / "posts").rglob("*.md"))
    return posts[len(posts) // 2]


def edit(site: Path, post: Path, kind: str, run: int) -> None:
    if kind == "body":
        with post.open("a", encoding="utf-8") as file:
            file.write(f"\nUpdated {time.time():.0f}: the studio confirmed the new cut.\n")
    elif kind == "title":
        lines = post.read_text(encoding="utf-8").splitlines(keepends=True)
        lines = [f"title: Edited title {time.time_ns()}\n" if line.startswith("title:") else line for line in lines]
        post.write_text("".join(lines), encoding="utf-8")
    elif kind == "date":
        lines = post.read_text(encoding="utf-8").splitlines(keepends=True)
        day = 10 + run % 2
        lines = [f"date: 2020-01-{day:02d}\n" if line.startswith("date:") else line for line in lines]
        post.write_text("".join(lines), encoding="utf-8")
    else:
        folder = site / "content" / "posts" / "2099-bench"
        folder.mkdir(exist_ok=True)
        text = f"---\ntitle: New post {run}\ndate: 2021-06-0{1 + run % 9}\n---\nA new post, number {run}.\n"
        (folder / f"new-post-{time.time_ns()}.md").write_text(text, encoding="utf-8")


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + sys, its workers included) of one run."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed in {cwd}")
    return wall, usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
