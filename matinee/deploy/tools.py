"""What every deploy target shares: running its tool, reading why the tool failed, and the
Deployed it returns (I/O).

A tool's failure becomes one MatineeError in one line, "deploy: <what failed>: <the line of the
tool's output that says why>"; the command, exit status and whole output ride along as a note
(`cli deploy --verbose` prints it).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import MatineeError

DEPLOY = "deploy"  # the "path" of errors that come from the tools deploy runs
# Lines tools print around the reason, never the reason: rsync's closing status, git's advice.
_BOILERPLATE = re.compile(
    r"^(hint:|To \S+$|error: failed to push some refs|fatal: Could not read from remote repository"
    r"|Please make sure you have the correct access rights|and the repository exists"
    r"|rsync error: .*\(code \d+\)|rsync: connection unexpectedly closed|Everything up-to-date)"
)
_COMPLAINT = re.compile(
    r"error|fatal|fail|denied|refused|rejected|not found|no such|cannot|can't|could not|couldn't|unable"
    r"|invalid|unauthori[sz]ed|forbidden|expired|not a ",
    re.IGNORECASE,
)
REASON_LIMIT = 300  # characters of the tool's line kept in the one-line message
NEW, CHANGED, DELETED = "new", "changed", "deleted"
_TOOL_ENVIRONMENT = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
)  # set by hooks; would aim git elsewhere


@dataclass(frozen=True, slots=True)
class Change:
    """One file a deploy sends or deletes at the destination."""

    kind: str  # NEW | CHANGED | DELETED
    path: str  # relative to the site's root, with /


@dataclass(frozen=True, slots=True)
class Deployed:
    """What a deploy did (or, for a dry run, would do)."""

    target: str
    destination: str
    changes: tuple[Change, ...]  # files only; folders follow from them
    dry_run: bool
    output: str = ""  # what a deploy command printed

    def count(self, kind: str) -> int:
        return sum(1 for change in self.changes if change.kind == kind)


def run_tool(
    argv: list[str],
    tool: str,
    doing: str,
    *,
    cwd: Path | None = None,
    failed: Callable[[int, str], str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a tool; turn its absence or failure into one line: what failed, and the line of the
    tool's own output that says why. `failed(status, output)` names what failed; the default
    is "<tool> failed to <doing> (exit N)". The command and its whole output go in a note."""
    try:
        result = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            errors="replace",
            cwd=cwd,
            env=tool_environment(),
            check=False,
        )
    except FileNotFoundError:
        message = f"{tool} is not installed or not on PATH, so it cannot {doing}; install it first"
        missing = MatineeError(DEPLOY, None, message)
        missing.add_note(_indented([f"$ {shlex.join(argv)}", f"PATH={os.environ.get('PATH', '')}"]))
        raise missing from None
    except OSError as error:
        raise MatineeError(DEPLOY, None, f"{tool} could not {doing}: {error.strerror}") from None
    if result.returncode != 0:
        output = result.stdout + result.stderr
        what = failed(result.returncode, output) if failed else f"{tool} failed to {doing} (exit {result.returncode})"
        problem = MatineeError(DEPLOY, None, f"{what}: {tool_reason(result.stderr, result.stdout)}")
        shown = [f"$ {shlex.join(argv)}", f"exit status {result.returncode}", *output.splitlines()]
        problem.add_note(_indented(shown))
        raise problem
    return result


def tool_environment() -> dict[str, str]:
    """Return this process's environment without variables that would point git elsewhere."""
    return {key: value for key, value in os.environ.items() if key not in _TOOL_ENVIRONMENT}


def tool_reason(stderr: str, stdout: str = "") -> str:
    """Return the one line of a failed tool's output that says why it failed.

    That is the last line that complains (error, denied, not found...), once the lines tools
    print around every failure are dropped (rsync's "rsync error: ... (code 23)", git's "Please
    make sure you have the correct access rights"); without one, the last line. Where git's
    other end said why ("remote: ..."), its first such line is added: a hook's message.
    """
    for text in (stderr, stdout):
        lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
        meaningful = [line for line in lines if not _BOILERPLATE.match(line)] or lines[-1:]
        if not meaningful:
            continue
        complaints = [line for line in meaningful if _COMPLAINT.search(line)]
        reason = (complaints or meaningful)[-1]
        remote = next((line for line in meaningful if line.startswith("remote:")), None)
        if remote is not None and remote != reason:
            reason = f"{reason}; {remote}"
        return reason if len(reason) <= REASON_LIMIT else reason[: REASON_LIMIT - 1] + "…"
    return "it printed nothing"


def _indented(lines: list[str]) -> str:
    return "\n".join(f"  {line}" for line in lines)
