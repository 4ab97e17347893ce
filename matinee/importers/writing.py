"""Writing an import's files: each one new, never over a file that is already there."""

from __future__ import annotations

from pathlib import Path

from ..errors import MatineeError
from .common import Planned
from .report import ImportReport


def write_plan(planned: list[Planned], source: Path, report: ImportReport, *, dry_run: bool) -> ImportReport:
    """Write every planned file that does not exist yet; a clash is reported, never overwritten."""
    written: list[str] = []
    clashes: list[MatineeError] = []
    for item in planned:
        target = source / item.rel
        if item.replace and item.text is not None:
            if not dry_run:
                target.write_text(item.text, encoding="utf-8")
            written.append(item.rel)
            continue
        if target.exists():
            clashes.append(MatineeError(item.rel, None, "already exists; left as it was and not imported"))
            continue
        if dry_run:
            written.append(item.rel)
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("xb") as file:
                file.write(
                    item.text.encode("utf-8") if item.text is not None else item.copy.read_bytes() if item.copy else b""
                )
        except FileExistsError:
            clashes.append(MatineeError(item.rel, None, "already exists; left as it was and not imported"))
            continue
        except OSError as error:
            clashes.append(MatineeError(item.rel, None, f"cannot be written: {error.strerror}"))
            continue
        written.append(item.rel)
    return ImportReport(
        posts=report.posts,
        drafts=report.drafts,
        pages=report.pages,
        files=report.files,
        aliases=report.aliases,
        films=report.films,
        written=tuple(written),
        untranslated=report.untranslated + tuple(clashes),
        dry_run=dry_run,
    )
