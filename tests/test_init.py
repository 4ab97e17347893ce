"""`init`: a new folder becomes a site that builds and checks clean; a folder with files is refused."""

from __future__ import annotations

import filecmp
from pathlib import Path

from conftest import REPO, run_cli


def test_a_new_folder_builds_and_checks_clean(tmp_path: Path) -> None:
    root = tmp_path / "blog"
    made = run_cli("init", root)
    assert made.returncode == 0, made.stderr
    for rel in ("config.yaml", ".gitignore", "build.py", "layouts/post.html", "content/about.md"):
        assert (root / rel).is_file(), rel
    assert "site/" in (root / ".gitignore").read_text(encoding="utf-8")
    built = run_cli("build", "--no-search", "--source", root)
    assert built.returncode == 0, built.stderr
    assert (root / "site/2026/01/welcome/index.html").is_file()
    assert (root / "site/films/the-third-man/index.html").is_file()
    checked = run_cli("check", "--no-build", "--source", root)
    assert checked.returncode == 0 and " 0 errors" in checked.stderr, checked.stdout + checked.stderr


def test_every_config_key_is_explained(tmp_path: Path) -> None:
    assert run_cli("init", "-q", tmp_path / "blog").returncode == 0
    text = (tmp_path / "blog/config.yaml").read_text(encoding="utf-8")
    for key in ("title", "description", "base_url", "author", "language", "per_page", "feed_size"):
        assert f"\n{key}: " in text
    for key in ("permalink", "taxonomies", "related", "image", "deploy"):
        assert f"{key}:" in text
    lines = text.splitlines()
    assert all(lines[number - 1].startswith("#") for number, line in enumerate(lines) if line[:1].isalpha())


def test_a_folder_with_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = run_cli("init", tmp_path)
    assert result.returncode == 2
    assert "already has files (notes.txt)" in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]


def test_a_folder_with_only_git_is_empty_enough(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    assert run_cli("init", "-q", tmp_path).returncode == 0
    assert (tmp_path / "config.yaml").is_file()


def test_the_starter_layouts_are_the_default_layouts() -> None:
    """The starter's layouts are layouts/ itself: a link in the repository, files in a wheel."""
    comparison = filecmp.dircmp(REPO / "layouts", REPO / "matinee/starter/layouts")
    pending = [comparison]
    while pending:
        current = pending.pop()
        assert not (current.left_only or current.right_only or current.diff_files), (
            "copy layouts/ into matinee/starter/layouts/"
        )
        pending += current.subdirs.values()


def test_init_writes_files_not_links(tmp_path: Path) -> None:
    """The starter reaches layouts/ through a link; the new site must get real files."""
    folder = tmp_path / "blog"
    assert run_cli("init", folder).returncode == 0
    written = list(folder.rglob("*"))
    assert (folder / "layouts/post.html").is_file()
    assert [path for path in written if path.is_symlink()] == []
