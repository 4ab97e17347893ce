#!/usr/bin/env python3
"""Check the default theme with the validators issue #16 names, on the sample site.

    python bench/validate.py [--tools /tmp/validators] [--out /tmp/matinee-validate]

Builds the sample site, serves it on 127.0.0.1, then runs the Nu Html Checker (vnu-jar,
with Java) over every page, axe-core (@axe-core/cli with Debian's chromium-driver) on
home, a post, a film page and /search/ (light with the CLI, dark with Playwright emulating
prefers-color-scheme: dark), and Lighthouse 12.2.3 (the last that runs on
Node 20) on home, a post and a film page, mobile and desktop. Prints a short summary
and exits 1 unless every check is clean (0 errors, 0 violations, 100 everywhere).

The npm tools are installed once into --tools (npm install --prefix), not fetched by
npx on every run. Needs java, node/npm, /usr/bin/chromium and /usr/bin/chromedriver.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PACKAGES = ["vnu-jar", "@axe-core/cli@4", "lighthouse@12.2.3"]
CHROME = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]


def install_tools(tools: Path) -> None:
    """Install the npm validators once; Debian's chromedriver is used, so skip its download."""
    if (
        all((tools / "node_modules" / ".bin" / b).exists() for b in ("axe", "lighthouse"))
        and (tools / "node_modules" / "vnu-jar").exists()
    ):
        return
    tools.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, CHROMEDRIVER_SKIP_DOWNLOAD="true", PUPPETEER_SKIP_DOWNLOAD="1")
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(tools), *PACKAGES],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(site: Path, port: int) -> Iterator[str]:
    """Serve the built site with Python's http.server until the block ends."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=site,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait()


def pick_pages(site: Path) -> dict[str, str]:
    """Home, the newest post, the first film page and search, as site paths."""
    locs = re.findall(r"<loc>[a-z]+://[^/]+(/[^<]*)</loc>", (site / "sitemap.xml").read_text())
    posts = [p for p in locs if re.match(r"^/\d{4}/\d{2}/[^/]+/$", p)]
    films = [p for p in locs if re.match(r"^/films/[^/]+/$", p) and p != "/films/upcoming/"]

    def pictured(paths: list[str], marker: str) -> str:
        """The first page that leads with a picture and plays a trailer (the theme at its
        heaviest, the trailer's frame and play button checked too), else with a picture, else the first."""
        texts = {p: (site / p.strip("/") / "index.html").read_text() for p in paths}
        both = (p for p in paths if marker in texts[p] and '<figure class="embed' in texts[p])
        shown = (p for p in paths if marker in texts[p])
        return next(both, next(shown, paths[0]))

    post, film = pictured(posts, '<figure class="hero"'), pictured(films, '<figure class="poster"')
    return {"home": "/", "post": post, "film": film, "search": "/search/"}


def run_vnu(tools: Path, site: Path) -> list[str]:
    jar = subprocess.run(
        ["node", "-e", "process.stdout.write(String(require('vnu-jar')))"],
        cwd=tools,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    proc = subprocess.run(
        ["java", "-jar", jar, "--skip-non-html", "--errors-only", "--format", "json", str(site)],
        capture_output=True,
        text=True,
    )
    if not proc.stderr.strip().startswith("{"):
        return [f"vnu did not run: {proc.stderr.strip()[:300]}"]
    messages = json.loads(proc.stderr)["messages"]
    out = []
    for m in messages:
        where = m.get("url", "").replace(f"file:{site}", "")
        out.append(f"{where}:{m.get('lastLine', '?')}: {m.get('message', '')}")
    return out


SEARCH_QUERY = "?q=dune"  # /search/ is audited with results on it, in light and dark


def audited(name: str, path: str) -> str:
    return path + (SEARCH_QUERY if name == "search" else "")


def run_axe(tools: Path, base: str, pages: dict[str, str], work: Path) -> dict[str, list[str]]:
    urls = [base + audited(name, path) for name, path in pages.items()]
    subprocess.run(
        [
            str(tools / "node_modules" / ".bin" / "axe"),
            *urls,
            "--chromedriver-path",
            CHROMEDRIVER,
            "--chrome-options=headless,no-sandbox,disable-gpu",
            "--load-delay",
            "3000",  # Pagefind's UI lists the results after the page has loaded
            "--dir",
            str(work),
            "--save",
            "axe.json",
        ],
        capture_output=True,
        text=True,
    )
    results = json.loads((work / "axe.json").read_text())
    by_url = {r["url"]: r for r in results}
    out: dict[str, list[str]] = {}
    for name, path in pages.items():
        r = by_url.get(base + audited(name, path))
        if r is None:
            out[name] = ["axe did not report this page"]
            continue
        out[name] = [f"{v['id']} ({len(v['nodes'])}): {v['nodes'][0]['target']}" for v in r["violations"]]
    return out


def run_axe_dark(tools: Path, base: str, pages: dict[str, str]) -> dict[str, list[str]]:
    """axe-core in a dark colour scheme: the CLI has no flag for it, so Playwright's Chromium
    emulates prefers-color-scheme: dark and the npm package's axe.min.js is injected."""
    from playwright.sync_api import sync_playwright

    axe = tools / "node_modules" / "axe-core" / "axe.min.js"
    out: dict[str, list[str]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROME, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(color_scheme="dark")
        for name, path in pages.items():
            page.goto(base + audited(name, path), wait_until="networkidle")
            if name == "search":
                page.wait_for_selector(".pagefind-ui__result-title", timeout=15_000)
            page.add_script_tag(path=str(axe))
            violations = page.evaluate("async () => (await axe.run(document)).violations")
            out[name] = [f"{v['id']} ({len(v['nodes'])}): {v['nodes'][0]['target']}" for v in violations]
        browser.close()
    return out


def run_lighthouse(tools: Path, url: str, desktop: bool, report: Path) -> tuple[dict[str, int], list[str]]:
    args = [
        str(tools / "node_modules" / ".bin" / "lighthouse"),
        url,
        f"--chrome-path={CHROME}",
        "--chrome-flags=--headless --no-sandbox --disable-gpu --disable-background-networking",
        "--only-categories=" + ",".join(CATEGORIES),
        "--output=json",
        f"--output-path={report}",
        "--quiet",
    ]
    if desktop:
        args.append("--preset=desktop")
    subprocess.run(args, capture_output=True, text=True)
    if not report.exists():
        return {}, ["lighthouse wrote no report"]
    lhr = json.loads(report.read_text())
    scores = {c: round((lhr["categories"][c]["score"] or 0) * 100) for c in CATEGORIES}
    failing = []
    for c in CATEGORIES:
        for ref in lhr["categories"][c]["auditRefs"]:
            audit = lhr["audits"][ref["id"]]
            if ref["weight"] > 0 and audit["score"] is not None and audit["score"] < 1:
                failing.append(f"{c}/{ref['id']} {audit['score']:.2f}")
    return scores, failing


def _print_violations(heading: str, results: dict[str, list[str]]) -> bool:
    """Print each page's axe-core violations under `heading`; return whether there were none."""
    print(f"\n{heading}:")
    for name, violations in results.items():
        print(f"  {name:7} {len(violations)}")
        for v in violations:
            print(f"          {v}")
    return not any(results.values())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tools", type=Path, default=Path("/tmp/validators"))
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "matinee-validate")
    ap.add_argument("--source", type=Path, default=PROJECT)
    ap.add_argument("--skip", default="", help="comma list of vnu,axe,axe-dark,lighthouse to skip")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))

    install_tools(args.tools)
    port = free_port()
    site = args.out / "site"
    work = args.out / "reports"
    shutil.rmtree(args.out, ignore_errors=True)
    work.mkdir(parents=True)
    subprocess.run(
        [
            sys.executable,
            str(PROJECT / "build.py"),
            "build",
            "-q",
            "--source",
            str(args.source),
            "--out",
            str(site),
            "--base-url",
            f"http://127.0.0.1:{port}/",
        ],
        check=True,
    )
    pages = pick_pages(site)
    clean = True
    print(f"pages: {', '.join(f'{k} {v}' for k, v in pages.items())}")

    if "vnu" not in skip:
        errors = run_vnu(args.tools, site)
        n = len(list(site.rglob("*.html")))
        print(f"\nNu Html Checker: {len(errors)} errors in {n} pages")
        for e in errors[:20]:
            print("  " + e)
        clean &= not errors

    with serve(site, port) as base:
        if "axe" not in skip:
            clean &= _print_violations("axe-core violations", run_axe(args.tools, base, pages, work))
        if "axe-dark" not in skip:
            clean &= _print_violations("axe-core violations, dark colour scheme", run_axe_dark(args.tools, base, pages))
        if "lighthouse" not in skip:
            print("\nLighthouse (perf / a11y / best-practices / seo):")
            for name in ("home", "post", "film"):
                for desktop in (False, True):
                    form = "desktop" if desktop else "mobile"
                    report = work / f"lh-{name}-{form}.json"
                    scores, failing = run_lighthouse(args.tools, base + pages[name], desktop, report)
                    shown = " / ".join(str(scores.get(c, "-")) for c in CATEGORIES)
                    print(f"  {name:5} {form:7} {shown}")
                    for f in failing:
                        print(f"                {f}")
                    clean &= bool(scores) and all(s == 100 for s in scores.values())
    print(f"\n{'all clean' if clean else 'NOT clean'}; reports in {work}")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
