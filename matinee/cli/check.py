"""The check command: build, then check links, HTML, feeds, alt text and names."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..errors import MatineeError, flatten
from ..words import plural
from .build import run_build
from .common import EXIT_ERROR, EXIT_OK, Commands, site_config, site_options

if TYPE_CHECKING:
    from ..check.findings import Finding


def add_check(commands: Commands) -> None:
    check = commands.add_parser(
        "check",
        help="build, then check links, HTML, feeds, alt text and names",
        description="Build the site (unless --no-build) and check the result: broken links and "
        "#anchors, missing images, invalid HTML5, malformed Atom feeds, duplicate ids, empty "
        "titles and descriptions, alt text, share images, summary length, films without a file, "
        "names that look like typos. Exit 1 on errors; warnings alone exit 0.",
    )
    site_options(check)
    check.add_argument("--no-build", action="store_true", help="check the site already built")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")
    check.set_defaults(run=_run_check)


def _run_check(args: argparse.Namespace) -> int:
    import json
    from dataclasses import replace

    from ..cache import BuildCache
    from ..check.command import check_site
    from ..check.findings import ERROR, Finding

    cache: BuildCache | None = None
    try:
        config = site_config(args)
        cache = BuildCache(config.cache_dir)
        if not args.no_build:
            run_build(args)
        report = check_site(config, now=datetime.now(UTC), cache=cache)
    except (MatineeError, ExceptionGroup) as error:
        problems = flatten(error)
        if args.format == "json":  # a CI reading the findings hears why there are no pages
            stopped = [Finding(problem.path, problem.line, problem.message) for problem in problems]
            print(json.dumps(_check_document(stopped, 0, 0, 0, args.strict), indent=2, ensure_ascii=False))
        else:
            for problem in problems:
                print(problem, file=sys.stderr)
        print("Check stopped: the site could not be built or read.", file=sys.stderr)
        return EXIT_ERROR
    finally:
        if cache is not None:
            cache.close()
    findings = list(report.findings)
    if args.strict:
        findings = [replace(finding, severity=ERROR) for finding in findings]
    errors = sum(1 for finding in findings if finding.severity == ERROR)
    warnings = len(findings) - errors
    if args.format == "json":
        document = _check_document(findings, report.pages, report.feeds, warnings, args.strict)
        print(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        for finding in findings:
            print(finding)
    if not args.quiet:
        print(
            f"Checked {report.pages} pages and {report.feeds} XML files in {report.seconds:.2f} s: "
            f"{plural(errors, 'error')}, {plural(warnings, 'warning')}.",
            file=sys.stderr,
        )
    return EXIT_ERROR if errors else EXIT_OK


def _check_document(findings: list[Finding], pages: int, feeds: int, warnings: int, strict: bool) -> dict[str, Any]:
    """Return what `check --format json` prints."""
    return {
        "findings": [finding.as_dict() for finding in findings],
        "errors": len(findings) - warnings,
        "warnings": warnings,
        "pages": pages,
        "feeds": feeds,
        "strict": strict,
    }
