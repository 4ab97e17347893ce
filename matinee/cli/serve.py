"""The serve command: build, serve on this machine, rebuild and reload on every change."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..config import Config
from ..errors import MatineeError
from ..words import plural
from .build import summary_line
from .common import EXIT_ERROR, EXIT_OK, Commands, site_config, site_options

if TYPE_CHECKING:
    from ..pipeline import Report
    from ..serve.preview import Trigger


def add_serve(commands: Commands) -> None:
    serve = commands.add_parser(
        "serve",
        help="build, serve on this machine, rebuild on every change",
        description="Build the site, serve it, and rebuild and reload the browser whenever a file "
        "under content/ or layouts/ or config.yaml changes. base_url becomes the server's address.",
    )
    site_options(serve)
    serve.add_argument("--host", default="127.0.0.1", help="the address (default: 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="default 8000; 0 picks a free port")
    serve.add_argument("--open", action="store_true", help="open the site in the web browser")
    serve.add_argument("--poll", action="store_true", help="poll for changes (network drives, VMs)")
    serve.set_defaults(run=_run_serve)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)")
    return int(text)


def rebuild_cause(trigger: Trigger) -> str:
    """Return what starts a rebuild's line: the time and what changed ('14:02:07 3 files
    changed. '); nothing for the first build."""
    if trigger.changed is None:
        return ""
    if len(trigger.changed) == 1:
        what = trigger.changed[0]
    else:
        what = f"{len(trigger.changed)} files" if trigger.changed else "A source"
    return f"{trigger.at:%H:%M:%S} {what} changed. "


def _run_serve(args: argparse.Namespace) -> int:
    from ..serve.http import is_loopback
    from ..serve.preview import Preview

    config = site_config(args)
    try:
        preview = Preview(args.host, args.port, config, poll=args.poll)
    except MatineeError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    if not is_loopback(args.host):
        warning = f"warning: other machines can reach {args.host}; the preview has no password"
        print(warning, file=sys.stderr)
    print(f"Building {config.out_dir} to serve at {preview.url} ...", file=sys.stderr)
    settings = {**vars(args), "base_url": args.base_url or preview.url}

    def load() -> Config:
        return site_config(argparse.Namespace(**settings))

    said = _Rebuilds(config, preview.url, open_browser=args.open, quiet=args.quiet)
    try:
        preview.run(load, on_build=said.on_build, on_errors=said.on_errors)
    except MatineeError as error:  # the sources cannot be watched
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
    return EXIT_OK


@dataclass(frozen=True, slots=True)
class _Rebuilds:
    """What the preview says after each build: its summary or its errors, and the address once."""

    config: Config
    url: str
    open_browser: bool
    quiet: bool

    def on_build(self, report: Report, trigger: Trigger) -> None:
        if not self.quiet:
            print(rebuild_cause(trigger) + summary_line(report, self.config), file=sys.stderr)
        self._first_build_over(trigger)

    def on_errors(self, problems: tuple[str, ...], trigger: Trigger) -> None:
        for problem in problems:
            print(problem, file=sys.stderr)
        errors = plural(len(problems), "error")
        first = trigger.changed is None
        still = "the preview shows them until a save fixes them" if first else "still serving the last good build"
        print(f"{rebuild_cause(trigger)}Build failed with {errors}; {still}.", file=sys.stderr)
        self._first_build_over(trigger)

    def _first_build_over(self, trigger: Trigger) -> None:
        """Say the address once it answers with the site (or its errors), and open it."""
        if trigger.changed is not None:
            return
        print(f"Serving {self.config.out_dir} at {self.url} (Ctrl-C to stop)", file=sys.stderr)
        if self.open_browser:
            import threading
            import webbrowser

            threading.Thread(target=webbrowser.open, args=(self.url,), daemon=True).start()
