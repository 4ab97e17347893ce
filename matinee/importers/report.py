"""What an import did: the counts and the items left for a human."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import MatineeError
from ..words import plural


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import wrote (or would write) and what it left for a human."""

    posts: int
    drafts: int
    pages: int
    files: int
    aliases: int
    films: int
    written: tuple[str, ...]
    untranslated: tuple[MatineeError, ...]
    dry_run: bool = False

    def summary(self) -> list[str]:
        """Return the summary lines `import` prints."""
        verb = "Would import" if self.dry_run else "Imported"
        lines = [
            f"{verb} {plural(self.posts, 'post')} ({plural(self.drafts, 'draft')}), {plural(self.pages, 'page')}, "
            f"{plural(self.files, 'file')} copied, {plural(self.aliases, 'old URL')} kept, "
            f"{plural(self.films, 'film file')}."
        ]
        if "config.yaml" in self.written:
            lines.append("The blog uses both tags and categories: categories added to taxonomies in config.yaml.")
        if self.dry_run:
            lines.append("Dry run: nothing was written.")
        return lines
