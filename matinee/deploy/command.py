"""Deploy with a command: run a host's own CLI, with {out} replaced by the built folder (I/O).

The command is split into words and run without a shell, so a folder's name is never read
as shell syntax.
"""

from __future__ import annotations

import shlex

from ..config import CONFIG_FILE, Config
from ..errors import MatineeError
from .tools import Deployed, run_tool


def deploy_command(config: Config, *, dry_run: bool) -> Deployed:
    """Run the deploy command with {out} replaced by the built folder, without a shell."""
    argv = command_argv(config)
    shown = shlex.join(argv)
    if dry_run:
        return Deployed("command", shown, (), True)
    result = run_tool(argv, argv[0], "deploy the site", cwd=config.source)
    return Deployed("command", shown, (), False, (result.stdout + result.stderr).strip())


def command_argv(config: Config) -> list[str]:
    """Split the deploy command into words, then put the built folder in place of {out}."""
    template = (config.deploy.command or "").strip()
    try:
        words = shlex.split(template)
    except ValueError as error:
        message = f"deploy command {template!r} cannot be split into words: {error}"
        raise MatineeError(CONFIG_FILE, None, message) from None
    if not words:
        message = 'deploy target command needs command:, like "some-host deploy {out}"'
        raise MatineeError(CONFIG_FILE, None, message)
    return [word.replace("{out}", str(config.out_dir)) for word in words]
