"""The badge files' writing process (``record.file_writer``): a real child process, real
files in tmp_path, real ``mkdocs build`` runs."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path, PurePosixPath

import pytest

from child_processes import WRITER, children
from mkdocs_runbook.record import BadgeWriter
from mkdocs_runbook.record.file_writer import FileWriter, FileWriterError
from mkdocs_runbook.record.file_writer_child import Writer
from mkdocs_runbook.record.site_files import badge_files
from mkdocs_runbook.results import CheckResult, Status
from servers import RouteServer
from sites import make_site

pytestmark = pytest.mark.timeout(60)


def test_files_are_written_below_the_root_with_their_folders(tmp_path: Path) -> None:
    writer = FileWriter(tmp_path)
    writer.write([(PurePosixPath("badges/ops/deploy/api.svg"), "<svg>é</svg>")])
    writer.write([])
    big = "x" * (3 << 20)  # more than the pipe holds: the write waits for the child
    writer.write([(PurePosixPath("badges/ops/deploy/api.json"), big)])
    writer.write([(PurePosixPath(f"badges/p{n}/c.svg"), str(n)) for n in range(300)])
    writer.finish()
    assert (tmp_path / "badges/ops/deploy/api.svg").read_text("utf-8") == "<svg>é</svg>"
    assert (tmp_path / "badges/ops/deploy/api.json").read_text("utf-8") == big
    assert [(tmp_path / f"badges/p{n}/c.svg").read_text() for n in range(300)] == [
        str(n) for n in range(300)
    ]


@pytest.mark.parametrize(
    "name",
    ["../escaped.svg", "badges/../../escaped.svg", "/tmp/escaped.svg", ".", "badges/.."],
)
def test_a_name_outside_the_root_is_refused_and_the_others_written(
    tmp_path: Path, name: str
) -> None:
    root = tmp_path / "site"
    root.mkdir()
    writer = FileWriter(root)
    writer.write([(PurePosixPath("badges/a.svg"), "a")])
    writer.write([(PurePosixPath(name), "escaped")])
    writer.write([(PurePosixPath("badges/b.svg"), "b")])
    with pytest.raises(FileWriterError, match=r"could not write .*not a name inside the site"):
        writer.finish()
    assert (root / "badges/a.svg").read_text() == "a"
    assert (root / "badges/b.svg").read_text() == "b"
    written = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()}
    assert written == {Path("site/badges/a.svg"), Path("site/badges/b.svg")}


def test_a_folder_that_leads_outside_the_root_is_refused(tmp_path: Path) -> None:
    root, outside = tmp_path / "site", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "badges").symlink_to(outside)
    writer = FileWriter(root)
    writer.write([(PurePosixPath("badges/ops/a.svg"), "a")])
    with pytest.raises(FileWriterError, match=r"folder is outside the site folder"):
        writer.finish()
    assert not any(p.is_file() for p in outside.rglob("*"))


def test_failures_are_counted_and_the_first_named(tmp_path: Path) -> None:
    (tmp_path / "badges").write_text("a file where a folder should be")
    writer = FileWriter(tmp_path)
    writer.write([(PurePosixPath(f"badges/ops/c{n}.svg"), "x") for n in range(3)])
    writer.write([(PurePosixPath("other/ok.svg"), "ok")])
    failure = r"could not write badges/ops/c0\.svg: .* \(and 2 more\)"
    with pytest.raises(FileWriterError, match=failure):
        writer.finish()
    assert (tmp_path / "other/ok.svg").read_text() == "ok"


def test_a_killed_writer_is_an_error_not_a_hang(tmp_path: Path) -> None:
    writer = FileWriter(tmp_path)
    os.kill(writer._process.pid, signal.SIGKILL)
    writer._process.wait()
    # Its pipe is gone: handing over more files neither raises nor blocks.
    writer.write([(PurePosixPath(f"badges/c{n}.svg"), "x" * 4096) for n in range(600)])
    with pytest.raises(FileWriterError, match=r"ended early .*signal 9"):
        writer.finish()


def test_stop_ends_the_writer_at_once(tmp_path: Path) -> None:
    writer = FileWriter(tmp_path)
    writer.write([(PurePosixPath("badges/a.svg"), "a")])
    writer.stop()
    assert writer._process.returncode is not None


def test_the_writer_runs_as_a_batch_process(tmp_path: Path) -> None:
    """Handed each page's badges through a pipe, the writer wakes once a page: as a batch
    process (``SCHED_BATCH``) its wake-up does not take the core from MkDocs mid-page."""
    writer = FileWriter(tmp_path)
    writer.write([(PurePosixPath("badges/a.svg"), "a")])
    for _ in range(500):  # at most 5 s: its first file is written after its policy is set
        if (tmp_path / "badges/a.svg").exists():
            break
        time.sleep(0.01)
    assert os.sched_getscheduler(writer._process.pid) == os.SCHED_BATCH
    writer.finish()


CHECK_PAGE = """# Deploy

```check
name: API live
http: GET {{ api }}/healthz
```
"""


def test_a_build_whose_badge_files_cannot_be_written_says_which(
    tmp_path: Path, http_server: RouteServer
) -> None:
    """A file named ``badges`` in the docs takes the badge folder's place in ``site/``: the
    build ends with one clear error naming the file, not a traceback."""
    http_server.route("/healthz", body={"status": "ok"})
    site = make_site(
        tmp_path, runbook={"environments": {"local": {"api": http_server.url}}, "fail_on": []}
    )
    site.page("deploy.md", CHECK_PAGE)
    (site.docs / "badges").write_text("not a folder")
    built = site.build()
    assert built.returncode == 1
    assert "runbook: badge files: could not write badges/deploy/api-live.svg" in built.stderr
    assert "Traceback" not in built.stderr
    (site.docs / "badges").unlink()
    built = site.build()
    assert built.returncode == 0, built.stderr
    svg = site.out / "badges/deploy/api-live.svg"
    assert "API live" in svg.read_text("utf-8") and "pass" in svg.read_text("utf-8")
    assert (site.out / "badges/deploy/api-live.json").is_file()
    assert svg.stat().st_nlink == 1  # a file of its own
    assert not (site.root / ".cache/runbook/badge-files").exists()


def test_writing_a_name_again_replaces_its_file(tmp_path: Path) -> None:
    root = tmp_path / "site"
    writer = FileWriter(root)
    writer.write(
        [(PurePosixPath("badges/a.svg"), "first"), (PurePosixPath("badges/b.svg"), "first")]
    )
    writer.write([(PurePosixPath("badges/a.svg"), "second")])
    writer.finish()
    assert (root / "badges/a.svg").read_text() == "second"
    assert (root / "badges/b.svg").read_text() == "first"
    assert all(path.stat().st_nlink == 1 for path in (root / "badges").iterdir())


#: Names the plugin gave what it used to keep in ``.cache/runbook/badge-files/``: copies named
#: by two checksums and the size, the list of those a build used, and either being written.
OLD_COPY_NAMES = [
    "0a1b2c3d4e5f6a7b-1f4.svg",
    "ffffffff00000000-a.json",
    ".used",
    "0a1b2c3d4e5f6a7b-1f4.svg.4242.partial",
    ".used.17.partial",
]
#: Names it never gave: what someone else put in that folder stays.
NOT_OLD_COPY_NAMES = [
    "notes.txt",
    "0a1b2c3d4e5f6a7b-1f4.png",
    "0a1b2c3d4e5f6a7-1f4.svg",  # one hex digit short
    "0a1b2c3d4e5f6a7g-1f4.svg",
    "0a1b2c3d4e5f6a7b-.svg",
    "0a1b2c3d4e5f6a7b-1f4.svg.x.partial",
    ".used.bak",
]


@pytest.mark.parametrize("others", [False, True])
def test_the_copies_the_plugin_used_to_keep_are_removed_and_nothing_else(
    tmp_path: Path, others: bool
) -> None:
    """The folder where badge copies used to be kept, with the site's files linked to them,
    is emptied of them by the writing process, and removed once empty; a file of another name
    there stays, and so does the folder then."""
    old_copies = tmp_path / ".cache/runbook/badge-files"
    old_copies.mkdir(parents=True)
    for name in OLD_COPY_NAMES + (NOT_OLD_COPY_NAMES if others else []):
        (old_copies / name).write_text("kept")
    writer = FileWriter(tmp_path / "site", old_copies=old_copies)
    writer.write([(PurePosixPath("badges/a.svg"), "new")])
    writer.finish()
    if others:
        assert sorted(p.name for p in old_copies.iterdir()) == sorted(NOT_OLD_COPY_NAMES)
    else:
        assert not old_copies.exists()
    assert (tmp_path / "site/badges/a.svg").read_text() == "new"


def test_a_copy_folder_that_is_a_symbolic_link_is_left(tmp_path: Path) -> None:
    """A ``.cache`` restored from elsewhere could make it a link to any folder."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / ".used").write_text("theirs")
    old_copies = tmp_path / "badge-files"
    old_copies.symlink_to(elsewhere, target_is_directory=True)
    writer = FileWriter(tmp_path / "site", old_copies=old_copies)
    writer.write([(PurePosixPath("badges/a.svg"), "new")])
    writer.finish()
    assert (elsewhere / ".used").read_text() == "theirs"
    assert old_copies.is_symlink()


def test_handing_over_files_never_waits_for_a_lagging_writer(tmp_path: Path) -> None:
    """A site's badge files outgrow the pipe: MkDocs hands over each page's files and goes on
    rendering even while the child has not read the last ones; ``finish`` hands over the
    rest."""
    writer = FileWriter(tmp_path)
    os.kill(writer._process.pid, signal.SIGSTOP)  # a child that reads nothing for now
    try:
        pages = [
            [(PurePosixPath(f"badges/p{page}/c{n}.svg"), f"{page}.{n}" * 512) for n in range(10)]
            for page in range(100)
        ]  # about 2.6 MB: more than twice what the pipe holds
        for files in pages:
            writer.write(files)  # would wait forever for the stopped child if it blocked
    finally:
        os.kill(writer._process.pid, signal.SIGCONT)
    writer.finish()
    for files in pages:
        for name, text in files:
            assert (tmp_path / name).read_text("utf-8") == text


def _writer_children() -> list[str]:
    """This process's badge writing children, by process id."""
    return [pid for pid, cmdline in children() if WRITER in cmdline]


def _result(check_id: str, page: str, status: Status) -> CheckResult:
    return CheckResult(
        id=check_id,
        name=f"Check {check_id}",
        page=page,
        line=1,
        kind="http",
        target="GET http://127.0.0.1/",
        status=status,
        value="1 ms",
    )


def test_a_deferred_badge_writer_writes_here_until_its_process_starts(tmp_path: Path) -> None:
    """Deferred (a live build, its check worker running): no writing process until ``start``;
    meanwhile ``write_until`` writes files here. The process started later writes the rest,
    each a file of its own."""
    site = tmp_path / "site"
    first = [_result(f"c{n}", "ops/a.md", Status.PASS) for n in range(3)]
    last = [_result("c9", "ops/b.md", Status.FAIL)]
    badges = BadgeWriter(site, "", deferred=True)
    badges.page(first)
    assert _writer_children() == []
    calls: list[int] = []

    def done() -> bool:  # "the check is done" after two files
        calls.append(1)
        return len(calls) > 2

    badges.write_until(done)
    written = sorted(path.name for path in site.rglob("*.*"))
    assert written == ["c0.json", "c0.svg"]  # one at a time, until done
    badges.write_until(lambda: False)
    assert len(list(site.rglob("*.*"))) == 6
    badges.page(last)
    assert not (site / "badges/ops/b").exists()  # waits for the process
    assert _writer_children() == []
    badges.start()
    badges.finish()
    files = sorted(site.rglob("*.*"))
    assert [path.name for path in files if path.suffix == ".svg"] == [
        "c0.svg",
        "c1.svg",
        "c2.svg",
        "c9.svg",
    ]
    assert all(path.stat().st_nlink == 1 for path in files)
    assert dict(badge_files(first + last, "")) == {
        path.relative_to(site).as_posix(): path.read_text("utf-8") for path in files
    }


def test_a_deferred_badge_writer_names_a_file_it_could_not_write_here(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "badges").write_text("not a folder")
    badges = BadgeWriter(site, "", deferred=True)
    badges.page([_result("c1", "a.md", Status.PASS)])
    badges.write_until(lambda: False)
    with pytest.raises(FileWriterError, match=r"could not write badges/a/c1\.svg.*\(and 1 more\)"):
        badges.finish()


def test_a_deferred_badge_writer_counts_what_both_writers_could_not_write(tmp_path: Path) -> None:
    """Files that failed here and in the writing process: the first named, all counted."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "badges").write_text("not a folder")
    badges = BadgeWriter(site, "", deferred=True)
    badges.page([_result("c1", "a.md", Status.PASS)])
    badges.write_until(lambda: False)  # both of c1's files fail here
    badges.start()
    badges.page([_result("c2", "b.md", Status.PASS)])  # both of c2's in the process
    with pytest.raises(FileWriterError, match=r"could not write badges/a/c1\.svg.*\(and 3 more\)"):
        badges.finish()


HOSTILE_NAMES = [
    'API <script>alert("x")</script> & co',
    "tab\there\r\nnewline \x1b[31mred\x1b[0m \u202eevil",
    "ünïcödé ✓ " + "long " * 40,
    "",
]


def _varied_results() -> list[CheckResult]:
    """Every status, hostile names and values, ages from the cache, and a check shown from
    three zones (its own badge, each zone's, and the worst)."""
    results = []
    for number, (status, name) in enumerate(zip(list(Status) * 2, HOSTILE_NAMES * 3, strict=False)):
        result = _result(f"c{number}", f"ops/p{number % 3}.md", status)
        result.name = name
        result.value = f'{number} ms <b>&amp;"'
        result.cached = number % 2 == 0
        result.checked_at = "2026-11-29T10:00:00Z"
        results.append(result)
    for zone, status in (("eu", Status.PASS), ("us", Status.FAIL), ("", Status.WARN)):
        zoned = _result("multi", "ops/zones.md", status)
        zoned.zone = zone
        results.append(zoned)
    return results


def test_badges_made_by_the_writing_process_are_the_builds_own(tmp_path: Path) -> None:
    """Handed a page's badges (not their files), the writing process makes each file with the
    package's own code: byte for byte what the build would have made."""
    site = tmp_path / "site"
    results = _varied_results()
    badges = BadgeWriter(site, "local")
    badges.page(results[:4])
    badges.page(results[4:])
    badges.finish()
    expected = dict(badge_files(results, "local"))
    written = {
        path.relative_to(site).as_posix(): path.read_text("utf-8") for path in site.rglob("*.*")
    }
    assert written == expected
    assert "badges/ops/zones/multi/us.svg" in written and "badges/ops/zones/multi.json" in written
    assert "<script>" not in "".join(written.values())


def test_badges_the_writing_process_cannot_make_are_named_and_the_rest_written(
    tmp_path: Path,
) -> None:
    writer = FileWriter(tmp_path / "site")
    writer.write_badges([("badges/a/one", "One", "not-a-status", "1 ms", "")])
    writer.write_badges([("badges/a/two", "Two", "pass", "2 ms", "")])
    with pytest.raises(FileWriterError, match="could not write badges: 'not-a-status'"):
        writer.finish()
    assert sorted(p.name for p in (tmp_path / "site/badges/a").iterdir()) == ["two.json", "two.svg"]


def test_the_trash_is_emptied_of_old_badge_folders_and_of_nothing_else(tmp_path: Path) -> None:
    """What the build moved into the trash (``badges-…`` folders) goes; anything else there,
    and whatever a symbolic link in it points to, stays."""
    trash, outside = tmp_path / "trash", tmp_path / "outside"
    (trash / "badges-1-aa/page").mkdir(parents=True)
    (trash / "badges-1-aa/page/check.svg").write_text("old")
    (trash / "someone-elses").mkdir()
    (outside / "kept").mkdir(parents=True)
    (outside / "kept/file.txt").write_text("kept")
    (trash / "badges-2-bb").symlink_to(outside / "kept", target_is_directory=True)
    writer = FileWriter(tmp_path / "site", trash)
    writer.take_over("badges-3-cc")  # not there (any more): nothing to put back
    writer.write([(PurePosixPath("badges/a.svg"), "new")])
    writer.finish()
    assert sorted(p.name for p in trash.iterdir()) == ["someone-elses"]
    assert (outside / "kept/file.txt").read_text() == "kept"
    assert (tmp_path / "site/badges/a.svg").read_text() == "new"


def test_a_trash_folder_that_is_a_symbolic_link_is_not_emptied(tmp_path: Path) -> None:
    """A ``.cache`` restored from elsewhere could make the trash a link to any folder."""
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "badges-1-aa").mkdir(parents=True)
    (elsewhere / "badges-1-aa/file.txt").write_text("kept")
    trash = tmp_path / "trash"
    trash.symlink_to(elsewhere, target_is_directory=True)
    writer = FileWriter(tmp_path / "site", trash)
    writer.take_over("badges-1-aa")
    writer.write([(PurePosixPath("badges/a.svg"), "new")])
    writer.finish()
    assert (elsewhere / "badges-1-aa/file.txt").read_text() == "kept"
    assert not (tmp_path / "site/badges/a.svg").is_symlink()


# -- writing over the last build's badges -------------------------------------------------------


def move_badges_to_trash(root: Path, trash: Path, name: str = "badges-1-aa") -> str:
    """What ``BadgeWriter.clear_old`` does before MkDocs cleans the site folder."""
    trash.mkdir(exist_ok=True)
    (root / "badges").rename(trash / name)
    return name


def build_badges(root: Path, trash: Path, files: dict[str, str]) -> None:
    """One build's badge files through the writing process, taking over the last build's."""
    writer = FileWriter(root, trash)
    if (root / "badges").is_dir():
        writer.take_over(move_badges_to_trash(root, trash))
    writer.write([(PurePosixPath(f"badges/{name}"), text) for name, text in files.items()])
    writer.finish()


def badge_inodes(root: Path) -> dict[str, int]:
    return {
        str(path.relative_to(root / "badges")): path.stat().st_ino
        for path in (root / "badges").rglob("*")
        if path.is_file()
    }


def test_a_build_writes_over_the_last_builds_badges_in_place(tmp_path: Path) -> None:
    """The last build's badge folder is put back and each badge written over its old file: the
    same content is left as it is, a changed one (longer, shorter, the same length) is
    overwritten, a new badge is a new file, one no longer written goes, and so does a folder
    left empty. No file is created or removed for a badge that stays."""
    root, trash = tmp_path / "site", tmp_path / "trash"
    first = {
        "p/same.svg": "pass · 12 ms",
        "p/age.svg": "pass · 12 ms · 12 s ago",
        "p/longer.svg": "pass · 1 ms",
        "p/shorter.svg": "fail · timed out after 5s",
        "p/gone.svg": "gone",
        "q/gone.json": "{}",
    }
    build_badges(root, trash, first)
    inodes = badge_inodes(root)
    assert all(path.stat().st_nlink == 1 for path in (root / "badges").rglob("*.*"))

    second = {
        "p/same.svg": "pass · 12 ms",
        "p/age.svg": "pass · 12 ms · 15 s ago",
        "p/longer.svg": "pass · 1,234 ms",
        "p/shorter.svg": "pass · 3 ms",
        "p/new.svg": "new",
    }
    build_badges(root, trash, second)
    assert {
        str(path.relative_to(root / "badges")): path.read_text()
        for path in (root / "badges").rglob("*")
        if path.is_file()
    } == second
    assert not (root / "badges/q").exists()
    now = badge_inodes(root)
    assert {name: now[name] for name in inodes if name in now} == {
        name: inode for name, inode in inodes.items() if name in second
    }
    assert all(path.stat().st_nlink == 1 for path in (root / "badges").rglob("*.*"))
    assert list(trash.iterdir()) == []


def test_files_linked_to_the_copies_the_plugin_used_to_keep_become_files_of_their_own(
    tmp_path: Path,
) -> None:
    """The first build after the plugin stopped keeping copies: the last build's badges are
    links to them. Each is replaced by a file of its own (writing over it would change the
    copy), and the copies go; what they held is left unchanged until then."""
    root, trash = tmp_path / "site", tmp_path / "trash"
    old_copies = tmp_path / ".cache/runbook/badge-files"
    old_copies.mkdir(parents=True)
    (root / "badges/p").mkdir(parents=True)
    for name, copy in (
        ("same.svg", "0a1b2c3d4e5f6a7b-3.svg"),
        ("age.svg", "ffff0000ffff0000-3.svg"),
    ):
        (old_copies / copy).write_text("old")
        os.link(old_copies / copy, root / "badges/p" / name)
    linked = (old_copies / "0a1b2c3d4e5f6a7b-3.svg").stat().st_ino
    writer = FileWriter(root, trash, old_copies)
    writer.take_over(move_badges_to_trash(root, trash))
    writer.write(
        [(PurePosixPath("badges/p/same.svg"), "old"), (PurePosixPath("badges/p/age.svg"), "new")]
    )
    writer.finish()
    assert {p.name: p.read_text() for p in (root / "badges/p").iterdir()} == {
        "same.svg": "old",
        "age.svg": "new",
    }
    assert all(p.stat().st_nlink == 1 for p in (root / "badges/p").iterdir())
    assert (root / "badges/p/same.svg").stat().st_ino != linked
    assert not old_copies.exists()


def test_a_file_shared_with_another_name_or_a_link_is_never_written_through(
    tmp_path: Path,
) -> None:
    """Only a regular file with a single link is written over. A file that shares its content
    with another name (a copy of the site made with links) and a symbolic link (to anywhere)
    are replaced by a new file; what they lead to keeps its content."""
    root, trash = tmp_path / "site", tmp_path / "trash"
    build_badges(root, trash, {"p/shared.svg": "old"})
    deployed = tmp_path / "deployed.svg"
    os.link(root / "badges/p/shared.svg", deployed)
    outside = tmp_path / "outside.txt"
    outside.write_text("not a badge")
    (root / "badges/p/link.svg").symlink_to(outside)
    build_badges(root, trash, {"p/shared.svg": "new", "p/link.svg": "badge"})
    assert deployed.read_text() == "old"
    assert outside.read_text() == "not a badge"
    assert (root / "badges/p/shared.svg").read_text() == "new"
    link = root / "badges/p/link.svg"
    assert not link.is_symlink() and link.read_text() == "badge"


def test_what_something_else_changed_or_added_in_the_folder_is_left(tmp_path: Path) -> None:
    """After the folder is put back, only what the last build wrote, unchanged since, is
    removed when this build does not write it again: a file added meanwhile (MkDocs copying a
    page's own file there) or changed (written over by one) stays."""
    root = tmp_path / "site"
    old = tmp_path / "trash/badges-1-aa"
    (old / "p").mkdir(parents=True)
    for name in ("written.svg", "unwritten.svg", "edited.svg"):
        (old / "p" / name).write_text("old")
    writer = Writer(str(root))
    writer.last_badges = str(old)
    writer.write("badges/p/written.svg", b"new")
    assert writer.taken is not None  # put back
    (root / "badges/p/added.png").write_bytes(b"a page's image")
    (root / "badges/p/edited.svg").write_text("changed by someone else")
    writer.remove_unwritten()
    assert sorted(path.name for path in (root / "badges/p").iterdir()) == [
        "added.png",
        "edited.svg",
        "written.svg",
    ]
    assert (root / "badges/p/written.svg").read_text() == "new"
    assert not old.exists()


def test_the_last_builds_badges_are_trash_when_the_site_has_a_badge_folder_already(
    tmp_path: Path,
) -> None:
    """Something made ``site/badges`` first (a page's own files under ``docs/badges/``): the
    last build's folder is not put back over it but removed, and that folder's files stay."""
    root = tmp_path / "site"
    old = tmp_path / "trash/badges-1-aa"
    (old / "p").mkdir(parents=True)
    (old / "p/stale.svg").write_text("old")
    (root / "badges").mkdir(parents=True)
    (root / "badges/logo.png").write_bytes(b"theirs")
    writer = Writer(str(root))
    writer.last_badges = str(old)
    writer.write("badges/p/fresh.svg", b"new")
    assert writer.taken is None  # not put back
    writer.remove_unwritten()
    assert not old.exists()
    assert (root / "badges/logo.png").read_bytes() == b"theirs"
    assert sorted(p.name for p in (root / "badges/p").iterdir()) == ["fresh.svg"]


def test_a_live_builds_first_badges_take_the_last_builds_folder_over_on_mkdocs_thread(
    tmp_path: Path,
) -> None:
    """A live build writes its first badges on MkDocs' thread while it waits for checks: that
    writer takes the last build's folder back, the writing process started later goes on in
    it (in place), and at the end what neither wrote is gone."""
    site, trash = tmp_path / "site", tmp_path / "trash"
    for page, check in (("a", "c0"), ("a", "c1"), ("gone", "c9")):
        (site / "badges/ops" / page).mkdir(parents=True, exist_ok=True)
        for suffix in (".svg", ".json"):
            (site / "badges/ops" / page / f"{check}{suffix}").write_text("last build's")
    # c0 shows what it showed last time: written on MkDocs' thread, its files stay untouched.
    for name, text in badge_files([_result("c0", "ops/a.md", Status.PASS)], ""):
        (site / name).write_text(text, encoding="utf-8")
    inodes = badge_inodes(site)
    badges = BadgeWriter(site, "", trash=trash, deferred=True)
    badges.clear_old()  # at on_pre_build
    assert not (site / "badges").exists()
    badges.page([_result("c0", "ops/a.md", Status.PASS)])
    badges.write_until(lambda: False)  # here, on MkDocs' thread
    assert badge_inodes(site)["ops/a/c0.svg"] == inodes["ops/a/c0.svg"]
    badges.page([_result("c1", "ops/a.md", Status.FAIL), _result("c2", "ops/a.md", Status.PASS)])
    badges.start()
    badges.finish()
    now = badge_inodes(site)
    assert sorted(now) == [f"ops/a/c{n}{suffix}" for n in range(3) for suffix in (".json", ".svg")]
    assert {name: now[name] for name in inodes if name in now} == {
        name: inode for name, inode in inodes.items() if name.startswith("ops/a/")
    }
    assert all(path.stat().st_nlink == 1 for path in site.rglob("*.*"))
    assert "fail" in (site / "badges/ops/a/c1.svg").read_text("utf-8")
    assert list(trash.iterdir()) == []


def test_a_live_build_that_cannot_take_the_folder_back_leaves_it_to_the_process(
    tmp_path: Path,
) -> None:
    """Something made ``site/badges`` before MkDocs' thread wrote its first badge: the last
    build's folder is not removed on MkDocs' thread but by the writing process, in the
    trash; the badges are written as usual."""
    site, trash = tmp_path / "site", tmp_path / "trash"
    (site / "badges/ops/a").mkdir(parents=True)
    (site / "badges/ops/a/c0.svg").write_text("last build's")
    badges = BadgeWriter(site, "", trash=trash, deferred=True)
    badges.clear_old()
    (site / "badges").mkdir()  # a page's own file copied there first, say
    (site / "badges/logo.png").write_bytes(b"theirs")
    badges.page([_result("c0", "ops/a.md", Status.PASS)])
    badges.write_until(lambda: False)
    assert len(list(trash.iterdir())) == 1  # still there: not MkDocs' thread's work
    badges.start()
    badges.finish()
    assert list(trash.iterdir()) == []
    assert (site / "badges/logo.png").read_bytes() == b"theirs"
    assert "pass" in (site / "badges/ops/a/c0.svg").read_text("utf-8")


def test_a_build_that_fails_leaves_no_badge_of_the_last_build_in_the_site(tmp_path: Path) -> None:
    """Stopped (the build failed) after the writing process took the last build's folder
    back and began writing over it: the folder, old badges and new, leaves ``site/`` for the
    trash, so a failed build shows no badge of the last one."""
    site, trash = tmp_path / "site", tmp_path / "trash"
    (site / "badges/ops/b").mkdir(parents=True)
    (site / "badges/ops/b/c9.svg").write_text("the last build's")
    badges = BadgeWriter(site, "", trash=trash)
    badges.clear_old()
    badges.page([_result("c0", "ops/a.md", Status.PASS)])
    for _ in range(500):  # at most 5 s: until the process has taken the folder back
        if (site / "badges/ops/a/c0.svg").exists():
            break
        time.sleep(0.01)
    assert (site / "badges/ops/b/c9.svg").read_text() == "the last build's"
    badges.stop()
    assert not (site / "badges").exists()
    (moved,) = trash.iterdir()
    assert (moved / "ops/b/c9.svg").is_file()
