"""README.md: what a newcomer reads on a fresh clone must be true of that clone."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_links_only_to_files_a_clone_has() -> None:
    prose = re.sub(r"`[^`\n]*`", "", re.sub(r"```.*?```", "", README, flags=re.S))  # examples are not links
    targets = [target for target in re.findall(r"\]\(([^)#\s]+)", prose) if not re.match(r"[a-z]+:", target)]
    assert [target for target in targets if not (REPO / target).exists()] == []
    assert "../shared" not in README


def test_readme_names_the_python_the_package_requires() -> None:
    required = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    assert required == ">=3.11"
    assert "Python 3.11 or newer" in README
    assert "python3 -m venv" in README.split("## Writing")[0]


def test_readme_says_what_the_suite_needs_and_skips() -> None:
    development = README.split("## Development")[1]
    for program in ("chromium", "nginx", "rsync"):
        assert program in development
    assert "skipped" in development and "minutes" in development
