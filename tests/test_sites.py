"""Small sites kept as folders (Zola's test_sites_invalid pattern): each one a case, no code to read.

tests/sites/invalid/NAME/ must fail to build; its expected.txt holds every `path:line: message`
the build reports, in order. tests/sites/valid/NAME/ must build; its expected.txt lists files
the build must write. A site's files are laid over the default layouts and a minimal
config.yaml (make_site), so each folder holds only what makes its case.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import build_site, errors_of, make_site

SITES = Path(__file__).parent / "sites"
EXPECTED = "expected.txt"


def _cases(kind: str) -> list[Path]:
    return sorted(folder for folder in (SITES / kind).iterdir() if folder.is_dir())


def _lay_out(case: Path, tmp_path: Path) -> Path:
    """Write the case's files over a minimal site in tmp_path, so the build never touches tests/."""
    files: dict[str, str | bytes] = {
        path.relative_to(case).as_posix(): path.read_bytes()
        for path in sorted(case.rglob("*"))
        if path.is_file() and path.name != EXPECTED
    }
    return make_site(tmp_path, files)


def _expected(case: Path) -> list[str]:
    return (case / EXPECTED).read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("case", _cases("invalid"), ids=lambda case: case.name)
def test_sites_invalid(case: Path, tmp_path: Path) -> None:
    root = _lay_out(case, tmp_path)
    assert errors_of(root) == _expected(case)
    assert not (root / "site").exists()  # a failed build writes nothing


@pytest.mark.parametrize("case", _cases("valid"), ids=lambda case: case.name)
def test_sites_valid(case: Path, tmp_path: Path) -> None:
    out = build_site(_lay_out(case, tmp_path))
    missing = [rel for rel in _expected(case) if not (out / rel).is_file()]
    assert not missing, f"{case.name} built without {missing}"


def test_every_case_says_what_it_expects() -> None:
    cases = _cases("invalid") + _cases("valid")
    assert len(_cases("invalid")) >= 5
    assert [case.name for case in cases if not (case / EXPECTED).is_file()] == []
