"""cli/: `python build.py ...` in a subprocess: exit codes 0/1/2, messages, never a traceback."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, make_site, post

from matinee.frontmatter import decode, split

SUMMARY = re.compile(r"^Built (\d+) files .*: (\d+) posts, (\d+) tags, (\d+) films, (\d+) people in [\d.]+ s", re.M)
ERROR_LINE = re.compile(r"^(content|layouts)/\S+:\d+: .+")


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python build.py *args`; no run may ever show a traceback."""
    result = subprocess.run(
        [sys.executable, str(REPO / "build.py"), *map(str, args)],
        cwd=cwd or REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout, result.stdout
    return result


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def small_site(tmp_path: Path) -> Path:
    return make_site(
        tmp_path,
        {
            "content/posts/a.md": post("Dune review", date="2024-03-01", tags=["reviews"], films=["Dune"]),
            "content/posts/b.md": post("Draft piece", date="2024-03-02", draft="true"),
            "content/about.md": "---\ntitle: About\n---\nUs.\n",
        },
    )


# --- build --------------------------------------------------------------------------------


def test_build_exits_0_and_ends_with_one_summary_line(tmp_path: Path) -> None:
    root = small_site(tmp_path)
    result = run("build", "--source", root)
    assert result.returncode == 0, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    match = SUMMARY.match(last)
    assert match, last
    files, posts, tags, films, people = map(int, match.groups())
    assert (posts, tags, films, people) == (1, 1, 1, 0)
    assert files == sum(1 for path in (root / "site").rglob("*") if path.is_file())
    assert (root / "site/2024/03/a/index.html").is_file()


def test_the_sample_site_builds_from_the_command_line(sample_site: Path) -> None:
    result = run("build", cwd=sample_site)
    assert result.returncode == 0, result.stderr
    match = SUMMARY.search(result.stderr)
    assert match and int(match.group(2)) >= 12
    assert (sample_site / "site/index.html").is_file()


def test_build_defaults_to_the_current_folder(tmp_path: Path) -> None:
    root = small_site(tmp_path)
    assert run("build", cwd=root).returncode == 0
    assert (root / "site/index.html").is_file()


def test_build_options_out_drafts_and_base_url(tmp_path: Path) -> None:
    root = small_site(tmp_path)
    out = tmp_path / "public"
    result = run(
        "build",
        "--source",
        root,
        "--out",
        out,
        "--drafts",
        "--base-url",
        "https://example.org/blog/",
    )
    assert result.returncode == 0, result.stderr
    assert (out / "2024/03/b/index.html").is_file(), "--drafts includes drafts"
    assert 'href="/blog/2024/03/a/"' in (out / "index.html").read_text(encoding="utf-8")
    assert not (root / "site").exists()


def test_quiet_build_prints_nothing(tmp_path: Path) -> None:
    result = run("build", "--source", small_site(tmp_path), "-q")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_content_errors_exit_1_with_every_error_as_path_line_message(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": "---\ntitle: A\ndate: 2024-13-01\n---\n",
            "content/posts/b.md": "---\ntitle: [\n---\n",
            "content/posts/c.md": b"---\ntitle: Am\xe9lie\ndate: 2024-01-01\n---\n",
            "content/posts/good.md": post("Good"),
        },
    )
    result = run("build", "--source", root)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if ERROR_LINE.match(line)]
    assert sorted(error.split(":")[0] + ":" + error.split(":")[1] for error in errors) == [
        "content/posts/a.md:3",
        "content/posts/b.md:2",
        "content/posts/c.md:2",
    ]
    assert "3 errors" in result.stderr


def test_a_template_error_exits_1_naming_the_layout_and_line(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "layouts/post.html": '{% extends "base.html" %}\n{% block main %}\n{{ page.nope }}\n{% endblock %}\n',
            "content/posts/a.md": post("A"),
        },
    )
    result = run("build", "--source", root)
    assert result.returncode == 1
    assert re.search(r"^layouts/post\.html:3: ", result.stderr, re.M), result.stderr


def test_a_template_syntax_error_exits_1_naming_the_layout_and_line(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"layouts/index.html": '{% extends "base.html" %}\n\n{% block main %}\n'})
    result = run("build", "--source", root)
    assert result.returncode == 1
    assert re.search(r"^layouts/index\.html:\d+: ", result.stderr, re.M), result.stderr


def test_a_failed_build_leaves_the_previous_site_byte_identical(tmp_path: Path) -> None:
    root = small_site(tmp_path)
    assert run("build", "--source", root).returncode == 0
    before = tree_digest(root / "site")
    (root / "content/posts/c.md").write_text("---\ntitle: C\ndate: 2023-02-30\n---\n", encoding="utf-8")
    result = run("build", "--source", root)
    assert result.returncode == 1
    assert "content/posts/c.md:3: date '2023-02-30'" in result.stderr
    assert tree_digest(root / "site") == before


def test_a_date_out_of_range_exits_1_with_its_line_and_keeps_the_previous_site(tmp_path: Path) -> None:
    root = small_site(tmp_path)
    assert run("build", "--source", root).returncode == 0
    before = tree_digest(root / "site")
    (root / "content/posts/x.md").write_text(
        post("X", date="2024-03-03", updated="9999-12-31T23:00:00-05:00"), encoding="utf-8"
    )
    result = run("build", "--source", root, "--no-search")
    assert result.returncode == 1
    assert "internal error" not in result.stderr
    assert re.search(r"^content/posts/x\.md:4: updated .* 1800 to 2999$", result.stderr, re.M), result.stderr
    assert tree_digest(root / "site") == before


def test_a_bad_config_exits_1_with_its_line(tmp_path: Path) -> None:
    root = small_site(tmp_path)
    (root / "config.yaml").write_text("title: T\nper_pgae: 3\n", encoding="utf-8")
    result = run("build", "--source", root)
    assert result.returncode == 1
    assert "config.yaml:2: unknown setting 'per_pgae'" in result.stderr


def test_a_missing_site_folder_is_an_error_not_a_crash(tmp_path: Path) -> None:
    result = run("build", "--source", tmp_path / "nowhere")
    assert result.returncode in (1, 2)
    assert "config.yaml" in result.stderr


def scheduled_site(tmp_path: Path) -> Path:
    """Two posts dated ahead of any test run, a draft dated ahead of both, one post out now."""
    return make_site(
        tmp_path,
        {
            "content/posts/out.md": post("Out now", date="2024-03-01"),
            "content/posts/soon.md": post("Soon", date="2998-01-10T09:00:00+01:00"),
            "content/posts/later.md": post("Later", date="2999-06-01"),
            "content/posts/draft.md": post("Draft", date="2997-01-01", draft="true"),
            "content/posts/held.md": post("Held", date="2997-01-01", status="hidden"),
        },
    )


def test_the_summary_says_how_many_posts_are_scheduled_and_when_the_next_goes_live(tmp_path: Path) -> None:
    root = scheduled_site(tmp_path)
    note = "; 2 scheduled, next scheduled post: 2998-01-10T09:00:00+01:00"
    built = run("build", "--source", root).stderr.strip().splitlines()[-1]
    assert SUMMARY.match(built) and built.endswith(note), built
    assert int(SUMMARY.match(built).group(2)) == 1  # type: ignore[union-attr]
    again = run("build", "--source", root).stderr.strip().splitlines()[-1]
    assert again.startswith("Up to date:") and again.endswith(note), again


def test_the_summary_says_nothing_of_scheduling_when_no_post_waits(tmp_path: Path) -> None:
    result = run("build", "--source", small_site(tmp_path))  # it has a draft, dated in the past
    assert "scheduled" not in result.stderr


# --- next ---------------------------------------------------------------------------------


def test_next_prints_when_the_next_scheduled_post_goes_live(tmp_path: Path) -> None:
    root = scheduled_site(tmp_path)
    before = tree_digest(root)
    result = run("next", "--source", root)
    assert (result.returncode, result.stdout, result.stderr) == (0, "2998-01-10T09:00:00+01:00\n", "")
    assert tree_digest(root) == before, "next builds nothing and writes nothing"
    assert run("next", cwd=root).stdout == result.stdout, "--source defaults to the current folder"


def test_next_prints_nothing_when_no_post_is_scheduled(tmp_path: Path) -> None:
    result = run("next", "--source", small_site(tmp_path))  # a draft and a past post
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_next_reports_the_posts_mistakes_with_their_lines_and_exits_1(tmp_path: Path) -> None:
    root = scheduled_site(tmp_path)
    (root / "content/posts/bad.md").write_text(post("Bad", date="2999-02-30", published="nope"), encoding="utf-8")
    result = run("next", "--source", root)
    assert (result.returncode, result.stdout) == (1, "")
    errors = [line for line in result.stderr.splitlines() if ERROR_LINE.match(line)]
    assert errors == [
        "content/posts/bad.md:3: date '2999-02-30' is in the right form, but no real date or time",
        "content/posts/bad.md:4: published must be true or false, not 'nope'",
    ]


def test_next_with_a_bad_config_exits_1_with_its_line(tmp_path: Path) -> None:
    root = scheduled_site(tmp_path)
    (root / "config.yaml").write_text("title: T\nper_pgae: 3\n", encoding="utf-8")
    result = run("next", "--source", root)
    assert (result.returncode, result.stdout) == (1, "")
    assert "config.yaml:2: unknown setting 'per_pgae'" in result.stderr


# --- the output folder must not be the source ---------------------------------------------


@pytest.mark.parametrize("where", ["source", "parent", "content", "layouts", "inside content"])
def test_an_out_that_is_or_holds_the_source_is_refused(tmp_path: Path, where: str) -> None:
    root = small_site(tmp_path)
    out = {
        "source": root,
        "parent": tmp_path,
        "content": root / "content",
        "layouts": root / "layouts",
        "inside content": root / "content/posts/site",
    }[where]
    before = tree_digest(tmp_path)
    result = run("build", "--source", root, "--out", out)
    assert result.returncode != 0
    assert "--out" in result.stderr
    assert tree_digest(tmp_path) == before


def test_a_refused_out_is_a_usage_error(tmp_path: Path) -> None:
    root = small_site(tmp_path)
    assert run("build", "--source", root, "--out", root).returncode == 2


# --- usage errors and help ----------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("bogus",),
        ("build", "--bogus"),
        ("new",),
        ("build", "extra-argument"),
        ("new", "T", "--film"),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert "usage:" in result.stderr


@pytest.mark.parametrize("args", [("--help",), ("build", "--help"), ("new", "--help"), ("next", "--help"), ("-h",)])
def test_help_of_every_command(args: tuple[str, ...]) -> None:
    result = run(*args)
    assert result.returncode == 0
    assert "usage:" in result.stdout


def test_the_top_help_names_every_command() -> None:
    result = run("--help")
    for command in ("build", "new", "next"):
        assert re.search(rf"^\s+{command}\s", result.stdout, re.M), command


def test_build_help_names_its_options() -> None:
    result = run("build", "--help")
    for option in ("--source", "--out", "--drafts", "--base-url"):
        assert option in result.stdout


def test_new_help_names_its_options() -> None:
    result = run("new", "--help")
    for option in ("--film", "--tag", "--person", "--draft"):
        assert option in result.stdout


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("matinee ")


# --- new ----------------------------------------------------------------------------------


def new_post_file(root: Path, slug: str) -> Path:
    (path,) = (root / "content/posts").glob(f"*/*-{slug}.md")
    assert re.fullmatch(rf"(\d{{4}})/\1-\d\d-\d\d-{slug}\.md", path.relative_to(root / "content/posts").as_posix())
    return path


def test_new_writes_a_dated_post_with_its_front_matter(tmp_path: Path) -> None:
    root = make_site(tmp_path, {})
    result = run(
        "new",
        "Dune: Part Three – first look",
        "--film",
        "Dune: Part Three",
        "--film",
        "1917",
        "--tag",
        "trailers",
        "--person",
        "Denis Villeneuve",
        "--source",
        root,
    )
    assert result.returncode == 0, result.stderr
    path = new_post_file(root, "dune-part-three-first-look")
    assert path.relative_to(root).as_posix() in result.stderr
    fields = {key: field.value for key, field in split(decode(path.read_bytes(), "x.md"), "x.md").fields.items()}
    assert fields["title"] == "Dune: Part Three – first look"
    assert fields["films"] == ["Dune: Part Three", "1917"]
    assert fields["tags"] == ["trailers"]
    assert fields["people"] == ["Denis Villeneuve"]
    assert str(fields["date"]).startswith(path.name[:10])
    assert fields.get("draft", "false") in ("false", "no")


def test_a_new_post_builds_and_is_published(tmp_path: Path) -> None:
    root = make_site(tmp_path, {})
    assert run("new", "Cannes opens", "--tag", "festivals", "--source", root).returncode == 0
    assert run("build", "--source", root).returncode == 0
    assert "Cannes opens" in (root / "site/tags/festivals/index.html").read_text(encoding="utf-8")


def test_new_with_draft_writes_a_draft(tmp_path: Path) -> None:
    root = make_site(tmp_path, {})
    assert run("new", "Secret scoop", "--draft", "--source", root).returncode == 0
    assert run("build", "--source", root).returncode == 0
    assert "Secret scoop" not in (root / "site/index.html").read_text(encoding="utf-8")
    assert run("build", "--source", root, "--drafts").returncode == 0
    assert "Secret scoop" in (root / "site/index.html").read_text(encoding="utf-8")


def test_new_refuses_to_overwrite(tmp_path: Path) -> None:
    root = make_site(tmp_path, {})
    assert run("new", "Oscars night", "--source", root).returncode == 0
    path = new_post_file(root, "oscars-night")
    path.write_text(path.read_text(encoding="utf-8") + "\nMy precious draft.\n", encoding="utf-8")
    before = path.read_bytes()
    result = run("new", "Oscars night", "--source", root)
    assert result.returncode == 1
    assert "already exists" in result.stderr
    assert path.read_bytes() == before


def test_new_refusing_to_overwrite_does_not_talk_about_a_build(tmp_path: Path) -> None:
    root = make_site(tmp_path, {})
    run("new", "Oscars night", "--source", root)
    assert "Build failed" not in run("new", "Oscars night", "--source", root).stderr


def test_new_with_a_title_that_gives_no_file_name_is_an_error(tmp_path: Path) -> None:
    root = make_site(tmp_path, {})
    result = run("new", "!!!", "--source", root)
    assert result.returncode == 1
    assert not (root / "content/posts").exists() or not list((root / "content/posts").rglob("*.md"))


def test_new_never_writes_outside_content(tmp_path: Path) -> None:
    root = make_site(tmp_path, {})
    assert run("new", "../../../../etc/evil", "--source", root).returncode == 0
    assert new_post_file(root, "etc-evil").is_file()


# --- a bug in Matinee ---------------------------------------------------------------------

# Runs matinee.cli.main with pipeline.build replaced by one that fails as a bug would.
BROKEN_BUILD = """
import sys
import matinee.pipeline

def broken(*args, **kwargs):
    raise ZeroDivisionError("a bug in the build")

matinee.pipeline.build = broken
from matinee.cli import main
sys.exit(main(sys.argv[1:]))
"""


def run_broken(root: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Build `root` with a build that raises an internal error."""
    return subprocess.run(
        [sys.executable, "-c", BROKEN_BUILD, "build", "--source", str(root)],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        env={**os.environ, "MATINEE_DEBUG": "", **(env or {})},
    )


def crash_file(stderr: str) -> Path:
    """Return the file an internal error's message says its traceback is in."""
    match = re.search(r"^This is a bug in Matinee; please report it .* traceback in (\S+)\.$", stderr, re.M)
    assert match is not None, stderr
    return Path(match.group(1))


def test_an_internal_error_asks_for_a_report_and_writes_its_traceback_into_the_cache(tmp_path: Path) -> None:
    root = small_site(tmp_path)
    result = run_broken(root)
    assert result.returncode == 1
    assert "internal error: ZeroDivisionError: a bug in the build" in result.stderr
    assert "Traceback" not in result.stderr
    written = crash_file(result.stderr)
    assert written.parent == root / ".matinee-cache" and written.name.startswith("crash-")
    report = written.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in report
    assert "in broken\nZeroDivisionError: a bug in the build" in report
    assert "Command: " in report and "Matinee " in report


def test_an_internal_error_writes_its_traceback_to_a_temporary_file_when_the_cache_cannot_be_written(
    tmp_path: Path,
) -> None:
    root = small_site(tmp_path / "site")
    (root / ".matinee-cache").write_text("not a folder", encoding="utf-8")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    result = run_broken(root, {"TMPDIR": str(temporary)})
    assert result.returncode == 1
    written = crash_file(result.stderr)
    assert written.parent == temporary and written.name.startswith("matinee-crash-")
    assert "ZeroDivisionError: a bug in the build" in written.read_text(encoding="utf-8")


def test_matinee_debug_shows_the_traceback_of_every_error(tmp_path: Path) -> None:
    root = small_site(tmp_path)
    result = run_broken(root, {"MATINEE_DEBUG": "1"})
    assert result.returncode == 1
    assert "internal error: ZeroDivisionError: a bug in the build" in result.stderr
    assert "please report it with the command you ran and the traceback below." in result.stderr
    assert "Traceback (most recent call last)" in result.stderr
    assert not (root / ".matinee-cache").exists() or not list((root / ".matinee-cache").glob("crash-*"))

    (root / "config.yaml").write_text("per_page: many\n", encoding="utf-8")
    result = run_broken(root, {"MATINEE_DEBUG": "1"})
    assert result.returncode == 1
    assert re.search(r"^config\.yaml:1: ", result.stderr, re.M), result.stderr
    assert "Traceback (most recent call last)" in result.stderr  # a user's mistake too
