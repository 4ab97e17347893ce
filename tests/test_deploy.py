"""deploy for real: rsync to a folder, git to a bare repository, a command; nginx serves it."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, make_site, post, run_cli
from webserver import crawl, fetch, find_nginx, free_port, nginx

from matinee.deploy.rsync import rsync_changes
from matinee.deploy.tools import CHANGED, DELETED, NEW, Change, tool_reason

needs_rsync = pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync is not installed (apt-get install rsync)")
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed (apt-get install git)")
needs_nginx = pytest.mark.skipif(find_nginx() is None, reason="nginx is not installed (apt-get install nginx)")
OLD = 1_000_000_000  # 2001-09-09, a time no deploy writes


def blog(tmp_path: Path, deploy: str, base_url: str = "https://example.org/") -> Path:
    """A small site with posts, terms, a film file and a page, deploying as `deploy` says."""
    root = make_site(
        tmp_path,
        {
            "content/posts/2024-03-01-dune-review.md": post(
                "Dune: Part Two review",
                date="2024-03-01",
                tags=["reviews"],
                films=["Dune: Part Two"],
                people=["Denis Villeneuve"],
                body="A [sequel](../films/dune-part-two.md) worth the wait.",
            ),
            "content/posts/2024-03-08-box-office.md": post(
                "Box office",
                date="2024-03-08",
                tags=["box office"],
                films=["Dune: Part Two"],
                body="Numbers are in. See the [review](2024-03-01-dune-review.md).",
            ),
            "content/posts/2024-04-02-cannes.md": post("Cannes line-up", date="2024-04-02", tags=["festivals"]),
            "content/films/dune-part-two.md": ('---\ntitle: "Dune: Part Two"\nyear: 2024\n---\nThe sequel.\n'),
            "content/about.md": "---\ntitle: About\n---\nWho writes this.\n",
        },
    )
    config = f'title: "Test Reel"\nbase_url: "{base_url}"\nauthor: "Desk"\ndescription: "Film news"\n'
    (root / "config.yaml").write_text(config + "deploy:\n" + deploy, encoding="utf-8")
    return root


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` with a digest of its bytes."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(folder).parts
    }


def git(*args: str | Path, cwd: Path | None = None) -> str:
    return subprocess.run(["git", *map(str, args)], cwd=cwd, capture_output=True, text=True, check=True).stdout


def failing_deploy(root: Path, env: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    """Build, then deploy the built site without and with --verbose; return both runs' stderr lines."""
    assert run_cli("build", "--source", root).returncode == 0
    plain = run_cli("deploy", "--source", root, "--no-build", env=env)
    verbose = run_cli("deploy", "--source", root, "--no-build", "--verbose", env=env)
    assert plain.returncode == verbose.returncode == 1, plain.stderr
    assert plain.stdout == verbose.stdout == ""
    return plain.stderr.splitlines(), verbose.stderr.splitlines()


def dry_run(root: Path) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    """Build, then dry-run the deploy without and with --verbose."""
    assert run_cli("build", "--source", root).returncode == 0
    plain = run_cli("deploy", "--source", root, "--no-build", "--dry-run")
    verbose = run_cli("deploy", "--source", root, "--no-build", "--dry-run", "--verbose")
    assert plain.returncode == verbose.returncode == 0, plain.stderr + verbose.stderr
    return plain, verbose


# --- rsync --------------------------------------------------------------------------------


@needs_rsync
def test_rsync_mirrors_the_site_and_later_sends_only_changed_files(tmp_path: Path) -> None:
    www = tmp_path / "www"
    root = blog(tmp_path, f"  target: rsync\n  destination: {www}/\n")
    (tmp_path / "keep.txt").write_text("beside the destination", encoding="utf-8")
    www.mkdir()
    (www / "stray.html").write_text("left by someone", encoding="utf-8")

    first = run_cli("deploy", "--source", root)
    assert first.returncode == 0, first.stderr
    assert tree(www) == tree(root / "site")  # stray.html deleted: it is inside the destination
    assert (tmp_path / "keep.txt").read_text(encoding="utf-8") == "beside the destination"
    for path in www.rglob("*"):
        os.utime(path, (OLD, OLD))
    before = tree(root / "site")

    edited = root / "content/posts/2024-04-02-cannes.md"
    edited.write_text(post("Cannes line-up", date="2024-04-02", body="Now with more films."), encoding="utf-8")
    second = run_cli("deploy", "--source", root)
    assert second.returncode == 0, second.stderr
    after = tree(root / "site")
    assert tree(www) == after
    changed = {path for path in after if before.get(path) != after[path]}
    assert "2024/04/cannes/index.html" in changed
    assert len(changed) < len(after) / 2
    for rel in after:
        touched = (www / rel).stat().st_mtime != OLD
        assert touched == (rel in changed), rel


@needs_rsync
def test_rsync_dry_run_lists_changes_and_sends_nothing(tmp_path: Path) -> None:
    www = tmp_path / "www"
    root = blog(tmp_path, f"  target: rsync\n  destination: {www}\n")
    plain, verbose = dry_run(root)
    files = len(tree(root / "site"))
    assert plain.stderr.splitlines()[-1] == f"Dry run to {www}/: {files} new, 0 changed, 0 deleted; nothing was sent."
    assert plain.stdout == ""
    assert "new     index.html" in verbose.stdout.splitlines()
    assert len(verbose.stdout.splitlines()) == files  # files only, not the folders rsync would make
    assert not www.exists()


@needs_rsync
def test_rsync_dry_run_counts_new_changed_and_deleted_files_at_the_destination(tmp_path: Path) -> None:
    www = tmp_path / "www"
    root = blog(tmp_path, f"  target: rsync\n  destination: {www}\n")
    assert run_cli("deploy", "--source", root).returncode == 0
    (www / "about/index.html").unlink()  # the deploy would send it again
    (www / "feed.xml").write_text("<feed/>", encoding="utf-8")
    (www / "2023/old-post").mkdir(parents=True)
    (www / "2023/old-post/index.html").write_text("gone from the site", encoding="utf-8")
    (www / "stray.txt").write_text("left by someone", encoding="utf-8")
    before = tree(www)

    plain, verbose = dry_run(root)
    assert plain.stderr.splitlines()[-1] == f"Dry run to {www}/: 1 new, 1 changed, 2 deleted; nothing was sent."
    assert plain.stdout == ""
    assert sorted(verbose.stdout.splitlines()) == [
        "changed feed.xml",
        "deleted 2023/old-post/index.html",
        "deleted stray.txt",
        "new     about/index.html",
    ]
    assert verbose.stderr.splitlines()[-1] == plain.stderr.splitlines()[-1]
    assert tree(www) == before


def test_rsync_changes_reads_itemized_lines_as_files() -> None:
    itemized = (
        "created directory www\n"
        "cd+++++++++ ./\n"
        "*deleting   old/a.html\n"
        "*deleting   old/\n"
        ">f+++++++++ new.html\n"
        ">fc.T...... feed.xml\n"
        ".f...p..... robots.txt\n"
        "cL+++++++++ latest -> 2024/03/dune-review\n"
    )
    assert rsync_changes(itemized) == (
        Change(DELETED, "old/a.html"),
        Change(NEW, "new.html"),
        Change(CHANGED, "feed.xml"),
        Change(CHANGED, "robots.txt"),
        Change(NEW, "latest"),
    )


@pytest.mark.parametrize(
    ("stderr", "reason"),
    [
        (
            "rsync: [sender] write error: Broken pipe (32)\n"
            "rsync error: error in file IO (code 11) at io.c(848) [sender=3.5.0]\n",
            "rsync: [sender] write error: Broken pipe (32)",
        ),
        (
            "rsync error: syntax or usage error (code 1) at main.c(1)\n",
            "rsync error: syntax or usage error (code 1) at main.c(1)",
        ),
        (
            "remote: error: refusing to update checked out branch: refs/heads/gh-pages\n"
            "remote: error: By default, updating the current branch in a non-bare repository\n"
            "To /srv/pages\n ! [remote rejected] HEAD -> gh-pages (branch is currently checked out)\n"
            "error: failed to push some refs to '/srv/pages'\n",
            "! [remote rejected] HEAD -> gh-pages (branch is currently checked out); "
            "remote: error: refusing to update checked out branch: refs/heads/gh-pages",
        ),
        (
            "Deploying\n✘ [ERROR] Authentication error [code: 10000]\nSee the docs.\n",
            "✘ [ERROR] Authentication error [code: 10000]",
        ),
        ("", "it printed nothing"),
    ],
)
def test_tool_reason_is_the_line_that_says_why(stderr: str, reason: str) -> None:
    assert tool_reason(stderr) == reason


@pytest.mark.parametrize("destination", [".", "..", "content", "site/inner", "/"])
def test_rsync_refuses_a_destination_it_could_empty(tmp_path: Path, destination: str) -> None:
    root = blog(tmp_path, f"  target: rsync\n  destination: {destination}\n")
    result = run_cli("deploy", "--source", root)
    assert result.returncode == 1
    assert result.stderr.startswith("config.yaml: deploy destination ")
    assert (root / "content/about.md").exists()


@needs_rsync
def test_rsync_refuses_a_folder_holding_more_than_an_earlier_copy_of_the_site(tmp_path: Path) -> None:
    shared = tmp_path / "www"
    for number in range(300):  # other sites' files: more than this small site has
        (shared / f"other-{number // 50}").mkdir(parents=True, exist_ok=True)
        (shared / f"other-{number // 50}" / f"{number}.html").write_text("theirs", encoding="utf-8")
    before = tree(shared)
    root = blog(tmp_path, f"  target: rsync\n  destination: {shared}\n")
    for extra in ([], ["--dry-run"]):
        result = run_cli("deploy", "--source", root, *extra)
        assert result.returncode == 1
        assert "holds more files and folders that are not the site's than the site has" in result.stderr
    assert tree(shared) == before


@needs_rsync
def test_rsync_deploys_a_site_that_shrank_to_fewer_files_than_it_deletes(tmp_path: Path) -> None:
    www = tmp_path / "www"
    root = blog(tmp_path, f"  target: rsync\n  destination: {www}\n")
    for number in range(30):
        text = post(f"Festival diary {number}", date="2024-05-01", tags=[f"day {number}"], people=[f"Juror {number}"])
        (root / f"content/posts/diary-{number}.md").write_text(text, encoding="utf-8")
    assert run_cli("deploy", "--source", root).returncode == 0
    for number in range(30):
        (root / f"content/posts/diary-{number}.md").unlink()
    result = run_cli("deploy", "--source", root)
    assert result.returncode == 0, result.stderr
    assert tree(www) == tree(root / "site")


def test_rsync_refuses_a_remote_home_or_root_folder(tmp_path: Path) -> None:
    root = blog(tmp_path, '  target: rsync\n  destination: "deploy@example.org:"\n')
    result = run_cli("deploy", "--source", root, "--dry-run")
    assert result.returncode == 1
    assert "is a whole home or root folder" in result.stderr


def test_a_missing_rsync_is_one_sentence(tmp_path: Path) -> None:
    root = blog(tmp_path, f"  target: rsync\n  destination: {tmp_path / 'www'}\n")
    path = str(tmp_path / "no-tools")
    plain, verbose = failing_deploy(root, env={**os.environ, "PATH": path})
    assert plain == [
        f"deploy: rsync is not installed or not on PATH, so it cannot publish to {tmp_path / 'www'}/; install it first",
        "Deploy failed.",
    ]
    assert verbose[0] == plain[0] and verbose[-1] == plain[-1]
    assert verbose[1].startswith("  $ rsync --archive ")
    assert f"  PATH={path}" in verbose


@needs_rsync
def test_an_unreachable_rsync_host_is_one_line_with_the_reason(tmp_path: Path) -> None:
    root = blog(tmp_path, "  target: rsync\n  destination: host.invalid:/var/www/blog/\n")
    plain, verbose = failing_deploy(root)
    assert len(plain) == 2 and plain[1] == "Deploy failed."
    assert plain[0].startswith("deploy: rsync could not reach host.invalid: ")
    reason = plain[0].removeprefix("deploy: rsync could not reach host.invalid: ")
    assert "host.invalid" in reason or "ssh" in reason, reason  # ssh's own words, not rsync's closing status
    assert "rsync error:" not in reason and "code 255" not in reason
    assert verbose[0] == plain[0] and verbose[-1] == plain[-1]
    assert any(line.startswith("  exit status ") for line in verbose)
    assert any(line.startswith("  rsync error: ") for line in verbose)  # the whole output


@needs_rsync
def test_an_unwritable_rsync_destination_is_one_line_with_the_reason(tmp_path: Path) -> None:
    destination = tmp_path / "no-such-folder/www"  # rsync makes the last folder only
    root = blog(tmp_path, f"  target: rsync\n  destination: {destination}\n")
    plain, verbose = failing_deploy(root)
    assert plain == [
        f'deploy: rsync could not write to {destination}/: rsync: [Receiver] mkdir "{destination}" failed: '
        "No such file or directory (2)",
        "Deploy failed.",
    ]
    assert verbose[0] == plain[0] and verbose[-1] == plain[-1]
    assert "  exit status 11" in verbose
    assert any(line.startswith("  rsync error: error in file IO (code 11)") for line in verbose)
    assert not destination.parent.exists()


# --- git ----------------------------------------------------------------------------------


@needs_git
def test_git_commits_the_site_with_nojekyll_and_skips_an_unchanged_deploy(tmp_path: Path) -> None:
    remote = tmp_path / "pages.git"
    git("init", "--quiet", "--bare", remote)
    root = blog(tmp_path, f"  target: git\n  repository: {remote}\n  branch: gh-pages\n")

    dry = run_cli("deploy", "--source", root, "--dry-run", "--verbose")
    assert dry.returncode == 0, dry.stderr
    assert "new     .nojekyll" in dry.stdout.splitlines()
    assert git("--git-dir", remote, "branch", "--list") == ""  # nothing pushed

    first = run_cli("deploy", "--source", root)
    assert first.returncode == 0, first.stderr
    clone = tmp_path / "clone"
    git("clone", "--quiet", "--branch", "gh-pages", remote, clone)
    assert tree(clone) == {**tree(root / "site"), ".nojekyll": hashlib.sha256(b"").hexdigest()}
    assert not (root / "site/.git").exists() and not (root / "site/.nojekyll").exists()
    head = git("--git-dir", remote, "rev-parse", "gh-pages")

    again = run_cli("deploy", "--source", root)
    assert again.returncode == 0, again.stderr
    assert "Nothing changed since the last deploy" in again.stderr
    assert git("--git-dir", remote, "rev-parse", "gh-pages") == head

    (root / "content/about.md").write_text("---\ntitle: About\n---\nWho writes this, now.\n", encoding="utf-8")
    changed = run_cli("deploy", "--source", root)
    assert changed.returncode == 0, changed.stderr
    assert git("--git-dir", remote, "rev-parse", "gh-pages^") == head
    assert "M\tabout/index.html" in git("--git-dir", remote, "show", "--name-status", "--format=", "gh-pages")
    assert list((root / ".matinee-cache").glob("deploy-git-*")) == []  # the temporary clone is gone


@needs_git
def test_a_rejected_push_is_one_sentence_with_gits_message(tmp_path: Path) -> None:
    remote = tmp_path / "pages.git"
    git("init", "--quiet", "--bare", remote)
    hook = remote / "hooks/pre-receive"
    hook.write_text("#!/bin/sh\necho 'deploys are frozen this week' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    root = blog(tmp_path, f"  target: git\n  repository: {remote}\n")
    plain, verbose = failing_deploy(root)
    assert plain == [
        f"deploy: git push to {remote} (branch gh-pages) was rejected: "
        "! [remote rejected] HEAD -> gh-pages (pre-receive hook declined); remote: deploys are frozen this week",
        "Deploy failed.",
    ]
    assert verbose[0] == plain[0] and verbose[-1] == plain[-1]
    assert f"  error: failed to push some refs to '{remote}'" in verbose


@needs_git
def test_a_push_that_lost_a_race_is_rejected_in_one_line(tmp_path: Path) -> None:
    remote = tmp_path / "pages.git"
    git("init", "--quiet", "--bare", remote)
    root = blog(tmp_path, f"  target: git\n  repository: {remote}\n")
    assert run_cli("deploy", "--source", root).returncode == 0
    rival = tmp_path / "rival"
    git("clone", "--quiet", "--branch", "gh-pages", remote, rival)
    tools = tmp_path / "tools"  # a git that lets someone else push first, as a second deploy running at once would
    tools.mkdir()
    real = shutil.which("git")
    (tools / "git").write_text(
        "#!/bin/sh\n"
        f'case " $* " in *" push "*) "{real}" -C "{rival}" -c user.name=R -c user.email=r@example.org '
        f'commit --quiet --allow-empty -m rival && "{real}" -C "{rival}" push --quiet origin HEAD:gh-pages;; esac\n'
        f'exec "{real}" "$@"\n',
        encoding="utf-8",
    )
    (tools / "git").chmod(0o755)
    (root / "content/about.md").write_text("---\ntitle: About\n---\nWho writes this, now.\n", encoding="utf-8")
    plain, verbose = failing_deploy(root, env={**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"})
    assert plain == [
        f"deploy: git push to {remote} (branch gh-pages) was rejected: ! [rejected] HEAD -> gh-pages (fetch first)",
        "Deploy failed.",
    ]
    assert verbose[0] == plain[0] and verbose[-1] == plain[-1]
    assert any(line.startswith("  hint: ") for line in verbose)  # git's advice, only with --verbose


@needs_git
def test_a_git_repository_that_is_not_there_is_one_line(tmp_path: Path) -> None:
    remote = tmp_path / "typo.git"
    root = blog(tmp_path, f"  target: git\n  repository: {remote}\n")
    plain, verbose = failing_deploy(root)
    assert plain == [
        f"deploy: git could not read {remote}: fatal: '{remote}' does not appear to be a git repository",
        "Deploy failed.",
    ]
    assert verbose[0] == plain[0] and verbose[-1] == plain[-1]
    assert "  Please make sure you have the correct access rights" in verbose


@needs_git
def test_git_dry_run_counts_what_differs_from_the_branch(tmp_path: Path) -> None:
    remote = tmp_path / "pages.git"
    git("init", "--quiet", "--bare", remote)
    root = blog(tmp_path, f"  target: git\n  repository: {remote}\n")
    assert run_cli("deploy", "--source", root).returncode == 0
    other = tmp_path / "other"  # someone changed the branch by hand since
    git("clone", "--quiet", "--branch", "gh-pages", remote, other)
    (other / "about/index.html").unlink()
    (other / "feed.xml").write_text("<feed/>", encoding="utf-8")
    (other / "stray file.txt").write_text("added by hand", encoding="utf-8")
    git("-C", other, "add", "--all")
    git("-C", other, "-c", "user.name=O", "-c", "user.email=o@example.org", "commit", "--quiet", "-m", "by hand")
    git("-C", other, "push", "--quiet", "origin", "HEAD:gh-pages")
    head = git("--git-dir", remote, "rev-parse", "gh-pages")

    plain, verbose = dry_run(root)
    destination = f"{remote} (branch gh-pages)"
    assert plain.stderr.splitlines()[-1] == f"Dry run to {destination}: 1 new, 1 changed, 1 deleted; nothing was sent."
    assert plain.stdout == ""
    assert sorted(verbose.stdout.splitlines()) == [
        "changed feed.xml",
        "deleted stray file.txt",
        "new     about/index.html",
    ]
    assert git("--git-dir", remote, "rev-parse", "gh-pages") == head


# --- command ------------------------------------------------------------------------------


def test_command_gets_the_out_folder_as_one_argument_without_a_shell(tmp_path: Path) -> None:
    copy = tmp_path / "copied"
    script = "import shutil, sys; shutil.copytree(sys.argv[1], sys.argv[2])"
    root = blog(
        tmp_path,
        f"  target: command\n  command: '{sys.executable} -c \"{script}\" {{out}} {copy}'\n",
    )
    out = tmp_path / "built; echo oops"  # a shell would split this and run echo
    result = run_cli("deploy", "--source", root, "--out", out)
    assert result.returncode == 0, result.stderr
    assert tree(copy) == tree(out)


def test_a_site_whose_layout_shows_the_time_deploys_with_and_without_building(tmp_path: Path) -> None:
    marker = tmp_path / "deployed"
    root = blog(tmp_path, f'  target: command\n  command: \'{sys.executable} -c "open(r\\"{marker}\\", \\"w\\")"\'\n')
    base = root / "layouts/base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("</body>", "<footer>{{ now.year }}</footer></body>"))
    result = run_cli("deploy", "--source", root)
    assert result.returncode == 0, result.stderr
    assert marker.exists()
    marker.unlink()
    result = run_cli("deploy", "--source", root, "--no-build")
    assert result.returncode == 0, result.stderr
    assert marker.exists()


def test_command_dry_run_shows_the_command(tmp_path: Path) -> None:
    root = blog(tmp_path, "  target: command\n  command: 'some-host deploy --dir {out}'\n")
    plain, verbose = dry_run(root)
    summary = f"Dry run: would run some-host deploy --dir {root / 'site'}; nothing was run."
    assert plain.stderr.splitlines()[-1] == verbose.stderr.splitlines()[-1] == summary
    assert plain.stdout == verbose.stdout == ""  # which files change is the host's to know


def test_a_failing_command_is_one_line_with_the_line_that_says_why(tmp_path: Path) -> None:
    said = ["Deploying to production", "Error: your token expired on 2024-05-01", "  Run `host login` to sign in."]
    script = tmp_path / "host.py"
    script.write_text(f"import sys\nprint('Uploading 48 files')\nsys.exit('\\n'.join({said!r}))\n", encoding="utf-8")
    root = blog(tmp_path, f"  target: command\n  command: '{sys.executable} {script} {{out}}'\n")
    plain, verbose = failing_deploy(root)
    assert plain == [
        f"deploy: {sys.executable} failed to deploy the site (exit 1): Error: your token expired on 2024-05-01",
        "Deploy failed.",
    ]
    assert verbose[0] == plain[0] and verbose[-1] == plain[-1]
    assert verbose[1:-1] == [
        f"  $ {sys.executable} {script} {root / 'site'}",
        "  exit status 1",
        "  Uploading 48 files",
        *(f"  {line}" for line in said),
    ]


def test_a_missing_command_is_one_line(tmp_path: Path) -> None:
    root = blog(tmp_path, "  target: command\n  command: 'no-such-host-cli deploy {out}'\n")
    plain, verbose = failing_deploy(root)
    assert plain == [
        "deploy: no-such-host-cli is not installed or not on PATH, so it cannot deploy the site; install it first",
        "Deploy failed.",
    ]
    assert verbose[:2] == [plain[0], f"  $ no-such-host-cli deploy {root / 'site'}"]


# --- what deploy refuses ------------------------------------------------------------------


def test_deploy_refuses_drafts(tmp_path: Path) -> None:
    root = blog(tmp_path, f"  target: rsync\n  destination: {tmp_path / 'www'}\n")
    (root / "content/posts/secret.md").write_text(post("Secret", date="2024-05-01", draft="true"), encoding="utf-8")
    assert run_cli("deploy", "--source", root, "--drafts").returncode == 2
    assert run_cli("build", "--source", root, "--drafts").returncode == 0
    result = run_cli("deploy", "--source", root, "--no-build")
    assert result.returncode == 1
    assert "content/posts/secret.md:4: is a draft but its page is in site/" in result.stderr
    assert not (tmp_path / "www").exists()


def test_deploy_no_build_refuses_a_post_held_back_by_published_or_status(tmp_path: Path) -> None:
    root = blog(tmp_path, f"  target: rsync\n  destination: {tmp_path / 'www'}\n")
    held = post("Secret", date="2024-05-01", draft="false", published="false")
    (root / "content/posts/secret.md").write_text(held, encoding="utf-8")
    assert run_cli("build", "--source", root, "--drafts").returncode == 0
    result = run_cli("deploy", "--source", root, "--no-build")
    assert result.returncode == 1
    assert "content/posts/secret.md:5: is a draft but its page is in site/" in result.stderr  # the published: line
    assert not (tmp_path / "www").exists()


@needs_rsync
def test_deploy_no_build_refuses_a_preview_or_stale_build(tmp_path: Path) -> None:
    www = tmp_path / "www"
    root = blog(tmp_path, f"  target: rsync\n  destination: {www}\n")
    assert run_cli("build", "--source", root, "--base-url", "http://127.0.0.1:8000/").returncode == 0  # as serve
    result = run_cli("deploy", "--source", root, "--no-build")
    assert result.returncode == 1
    assert "is not what `python build.py build` makes of the sources now" in result.stderr
    assert run_cli("build", "--source", root).returncode == 0
    (root / "content/posts/2024-04-02-cannes.md").write_text(post("Cannes line-up, updated", date="2024-04-02"))
    assert run_cli("deploy", "--source", root, "--no-build").returncode == 1, "edited since the build"
    assert not www.exists()
    assert run_cli("build", "--source", root).returncode == 0
    assert run_cli("deploy", "--source", root, "--no-build").returncode == 0
    assert tree(www) == tree(root / "site")


def test_deploy_refuses_a_failed_build(tmp_path: Path) -> None:
    root = blog(tmp_path, f"  target: rsync\n  destination: {tmp_path / 'www'}\n")
    (root / "content/posts/bad.md").write_text("---\ntitle: X\ndate: 2024-13-01\n---\n", encoding="utf-8")
    result = run_cli("deploy", "--source", root)
    assert result.returncode == 1
    assert "content/posts/bad.md:3: date" in result.stderr
    assert not (tmp_path / "www").exists()


def test_deploy_without_settings_says_what_to_add(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("Alpha")})
    result = run_cli("deploy", "--source", root)
    assert result.returncode == 1
    assert "config.yaml: has no deploy: settings; add deploy: with target: rsync, git or command" in result.stderr


# --- served by nginx ----------------------------------------------------------------------


@needs_rsync
@needs_nginx
def test_nginx_serves_the_deployed_site(tmp_path: Path) -> None:
    www = tmp_path / "www"
    root = blog(tmp_path, f"  target: rsync\n  destination: {www}\n")
    assert run_cli("deploy", "--source", root).returncode == 0
    with nginx(www, tmp_path / "nginx", free_port()) as address:
        home = fetch(f"{address}/")
        assert home.status == 200 and home.content_type.startswith("text/html")
        pretty = fetch(f"{address}/2024/03/dune-review/")
        assert pretty.status == 200 and b"Dune: Part Two review" in pretty.body
        redirected = fetch(f"{address}/about")
        assert redirected.status == 200 and redirected.url.endswith("/about/")
        missing = fetch(f"{address}/no/such/page/")
        assert missing.status == 404
        assert missing.body == (www / "404.html").read_bytes()
        feed = fetch(f"{address}/feed.xml")
        assert feed.status == 200 and feed.content_type.startswith("application/atom+xml")
        assert fetch(f"{address}/tags/reviews/feed.xml").content_type.startswith("application/atom+xml")


@needs_rsync
@needs_nginx
def test_site_under_a_base_path_resolves_every_internal_link(tmp_path: Path) -> None:
    port = free_port()
    www = tmp_path / "www"
    base = f"http://127.0.0.1:{port}/blog/"
    root = blog(tmp_path, f"  target: rsync\n  destination: {www / 'blog'}\n", base_url=base)
    www.mkdir()  # rsync makes the last folder of a destination, not its parents
    result = run_cli("deploy", "--source", root)
    assert result.returncode == 0, result.stderr
    with nginx(www, tmp_path / "nginx", port, base_path="/blog/") as address:
        crawled = crawl(f"{address}/blog/")
        broken = {url: answer.body[:80] for url, answer in crawled.items() if answer.status != 200}
        assert broken == {}
        pages = [url for url, answer in crawled.items() if answer.content_type.startswith("text/html")]
        assert len(pages) >= 15  # home, posts, terms, archive, about...
        assert f"{base}about/" in crawled and f"{base}feed.xml" in crawled
        missing = fetch(f"{address}/blog/nowhere/")
        assert missing.status == 404 and b'href="/blog/' in missing.body
        assert fetch(f"{address}/index.html").status == 404  # nothing was deployed outside /blog/


def test_the_shipped_workflow_also_builds_every_hour_so_scheduled_posts_go_live() -> None:
    text = (REPO / ".github/workflows/deploy.yml").read_text(encoding="utf-8")
    workflow = yaml.load(text, Loader=yaml.BaseLoader)  # BaseLoader: YAML 1.1 reads a bare `on` as true
    (entry,) = workflow["on"]["schedule"]
    minute, hour, *every_day = entry["cron"].split()
    assert minute.isdigit() and hour == "*" and every_day == ["*", "*", "*"]
    assert "main" in workflow["on"]["push"]["branches"]
