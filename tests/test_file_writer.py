"""The badge files' writing process (``record.file_writer``): a real child process, real
files in tmp_path, real ``mkdocs build`` runs."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
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


def kept_copies(store: Path) -> dict[str, bytes]:
    """The store's kept copies by name, without the list of those the last build used."""
    return {path.name: path.read_bytes() for path in store.iterdir() if path.name != ".used"}


def build_old_then_new(root: Path, store: Path) -> None:
    """Two builds of one badge, ``old`` then ``new``: the store keeps a copy of each, and
    lists only ``new`` as used."""
    for content in ("old", "new"):
        shutil.rmtree(root, ignore_errors=True)
        writer = FileWriter(root, store)
        writer.write([(PurePosixPath("badges/a.svg"), content)])
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
    # Each badge is a link to its content kept in the cache folder, once.
    kept = set(kept_copies(site.root / ".cache/runbook/badge-files").values())
    assert kept == {svg.read_bytes(), (site.out / "badges/deploy/api-live.json").read_bytes()}
    assert svg.stat().st_nlink == 2


def test_with_a_store_each_content_is_kept_once_and_the_files_link_to_it(
    tmp_path: Path,
) -> None:
    root, store = tmp_path / "site", tmp_path / "store"
    writer = FileWriter(root, store)
    writer.write([(PurePosixPath("badges/a.svg"), "same"), (PurePosixPath("badges/b.svg"), "same")])
    writer.write([(PurePosixPath("badges/c.json"), "other")])
    writer.finish()
    assert sorted(kept_copies(store).values()) == [b"other", b"same"]
    svg_copy = next(path for path in store.iterdir() if path.suffix == ".svg")
    for name in ("a.svg", "b.svg"):
        assert (root / "badges" / name).stat().st_ino == svg_copy.stat().st_ino
    assert svg_copy.stat().st_nlink == 3

    # The next build: a changed badge gets a new copy, and the files of the last build (still
    # linked) are not changed by writing the new ones.
    old_root = tmp_path / "old-site"
    root.rename(old_root)
    writer = FileWriter(root, store)
    writer.write([(PurePosixPath("badges/a.svg"), "same"), (PurePosixPath("badges/b.svg"), "new")])
    writer.finish()
    assert (root / "badges/b.svg").read_bytes() == b"new"
    assert (old_root / "badges/b.svg").read_bytes() == b"same"
    # What it did not use ("other") goes at the start of the build after it.
    assert sorted(kept_copies(store).values()) == [b"new", b"other", b"same"]
    shutil.rmtree(root)
    writer = FileWriter(root, store)
    writer.write([(PurePosixPath("badges/a.svg"), "same")])
    writer.finish()
    assert sorted(kept_copies(store).values()) == [b"new", b"same"]
    assert (store / ".used").read_text().split("\n") == [
        name for name, data in kept_copies(store).items() if data == b"same"
    ]


@pytest.mark.parametrize("deferred", [False, True])
def test_a_copy_made_after_the_last_build_ended_is_not_removed(
    tmp_path: Path, deferred: bool
) -> None:
    """Only copies older than the last build's list go: one made since, by another build of
    the site writing now, stays. Removed at the start (a writer waiting for its first files)
    or at the end (``deferred``: its files were waiting when it started) alike."""
    root, store = tmp_path / "site", tmp_path / "store"
    build_old_then_new(root, store)
    old = next(name for name, data in kept_copies(store).items() if data == b"old")
    listed = store / ".used"
    theirs = store / "made-by-another-build.svg"
    theirs.write_bytes(b"theirs")
    os.utime(theirs, ns=(0, listed.stat().st_mtime_ns + 10**9))
    shutil.rmtree(root)
    if deferred:
        badges = BadgeWriter(root, "", store=store, deferred=True)
        badges.page([_result("c1", "ops/a.md", Status.PASS)])
        badges.finish()
    else:
        writer = FileWriter(root, store)
        writer.write([(PurePosixPath("badges/b.svg"), "newer")])
        writer.finish()
    assert old not in kept_copies(store)
    assert kept_copies(store)[theirs.name] == b"theirs"


def test_a_kept_copy_changed_on_disk_is_never_shown(tmp_path: Path) -> None:
    root, store = tmp_path / "site", tmp_path / "store"
    writer = FileWriter(root, store)
    writer.write([(PurePosixPath("badges/a.svg"), "pass · 12 ms")])
    writer.finish()
    (kept,) = (store / name for name in kept_copies(store))
    # Someone edits the published file in place: the kept copy changes with it.
    with (root / "badges/a.svg").open("w", encoding="utf-8") as published:
        published.write("pass · 1 ms (forged)")
    assert kept.read_text("utf-8") == "pass · 1 ms (forged)"
    writer = FileWriter(root, store)
    writer.write([(PurePosixPath("badges/a.svg"), "pass · 12 ms")])
    writer.finish()
    assert (root / "badges/a.svg").read_text("utf-8") == "pass · 12 ms"
    assert kept.read_text("utf-8") == "pass · 12 ms"
    assert list(kept_copies(store)) == [kept.name]  # no partial copy left


def test_writing_a_name_again_leaves_the_kept_copy_of_its_old_content_alone(
    tmp_path: Path,
) -> None:
    root, store = tmp_path / "site", tmp_path / "store"
    writer = FileWriter(root, store)
    writer.write(
        [(PurePosixPath("badges/a.svg"), "first"), (PurePosixPath("badges/b.svg"), "first")]
    )
    writer.write([(PurePosixPath("badges/a.svg"), "second")])
    writer.finish()
    assert (root / "badges/a.svg").read_text() == "second"
    assert (root / "badges/b.svg").read_text() == "first"
    assert sorted(kept_copies(store).values()) == [b"first", b"second"]


def test_without_links_across_filesystems_the_files_are_written(tmp_path: Path) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("needs /dev/shm on another filesystem than tmp_path")
    store = Path(tempfile.mkdtemp(dir=shm))
    try:
        writer = FileWriter(tmp_path / "site", store)
        writer.write([(PurePosixPath(f"badges/c{n}.svg"), f"badge {n}") for n in range(5)])
        writer.finish()
        for n in range(5):
            written = tmp_path / f"site/badges/c{n}.svg"
            assert written.read_text() == f"badge {n}"
            assert written.stat().st_nlink == 1
    finally:
        shutil.rmtree(store)


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
    meanwhile ``write_until`` writes files here, into the same store. The process started
    later keeps those kept copies: every badge file links to its content."""
    site, store = tmp_path / "site", tmp_path / "store"
    first = [_result(f"c{n}", "ops/a.md", Status.PASS) for n in range(3)]
    last = [_result("c9", "ops/b.md", Status.FAIL)]
    badges = BadgeWriter(site, "", store=store, deferred=True)
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
    assert all(path.stat().st_nlink == 2 for path in files)
    assert set(kept_copies(store).values()) == {p.read_bytes() for p in files}


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
    badges = BadgeWriter(site, "local", store=tmp_path / "store")
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
    writer = FileWriter(tmp_path / "site", tmp_path / "store")
    writer.write_badges([("badges/a/one", "One", "not-a-status", "1 ms", "")])
    writer.write_badges([("badges/a/two", "Two", "pass", "2 ms", "")])
    with pytest.raises(FileWriterError, match="could not write badges: 'not-a-status'"):
        writer.finish()
    assert sorted(p.name for p in (tmp_path / "site/badges/a").iterdir()) == ["two.json", "two.svg"]


def test_a_list_of_used_copies_too_large_to_be_a_builds_is_not_read(tmp_path: Path) -> None:
    """The list is read back from the cache folder: one far beyond what a build writes is
    not read, and nothing is removed on its word."""
    from mkdocs_runbook.record.file_writer_child import MAX_USED_LIST_BYTES

    root, store = tmp_path / "site", tmp_path / "store"
    build_old_then_new(root, store)
    with (store / ".used").open("r+b") as listed:  # sparse: no disk taken
        listed.truncate(MAX_USED_LIST_BYTES + 1)
    shutil.rmtree(root)
    writer = FileWriter(root, store)
    writer.write([(PurePosixPath("badges/b.svg"), "newer")])
    writer.finish()
    assert b"old" in kept_copies(store).values()


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
    writer = FileWriter(tmp_path / "site", tmp_path / "store", trash)
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
    writer = FileWriter(tmp_path / "site", tmp_path / "store", trash)
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


def build_badges(root: Path, store: Path, trash: Path, files: dict[str, str]) -> None:
    """One build's badge files through the writing process, taking over the last build's."""
    writer = FileWriter(root, store, trash)
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
    root, store, trash = tmp_path / "site", tmp_path / "store", tmp_path / "trash"
    first = {
        "p/same.svg": "pass · 12 ms",
        "p/age.svg": "pass · 12 ms · 12 s ago",
        "p/longer.svg": "pass · 1 ms",
        "p/shorter.svg": "fail · timed out after 5s",
        "p/gone.svg": "gone",
        "q/gone.json": "{}",
    }
    build_badges(root, store, trash, first)
    assert all(path.stat().st_nlink == 2 for path in (root / "badges").rglob("*.*"))  # kept copies
    # The next build takes the folder over: files linked to kept copies are replaced by files
    # of their own, and the copies are left as they were.
    build_badges(root, store, trash, first)
    inodes = badge_inodes(root)
    assert all(path.stat().st_nlink == 1 for path in (root / "badges").rglob("*.*"))
    assert sorted(kept_copies(store).values()) == sorted(text.encode() for text in first.values())
    assert (store / ".used").read_text() == ""  # none used: the next build removes them

    second = {
        "p/same.svg": "pass · 12 ms",
        "p/age.svg": "pass · 12 ms · 15 s ago",
        "p/longer.svg": "pass · 1,234 ms",
        "p/shorter.svg": "pass · 3 ms",
        "p/new.svg": "new",
    }
    build_badges(root, store, trash, second)
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
    assert kept_copies(store) == {}  # unused since the build before: gone at this one's start


def test_a_file_shared_with_another_name_or_a_link_is_never_written_through(
    tmp_path: Path,
) -> None:
    """Only a regular file with a single link is written over. A file that shares its content
    with another name (a copy of the site made with links) and a symbolic link (to anywhere)
    are replaced by a new file; what they lead to keeps its content."""
    root, store, trash = tmp_path / "site", tmp_path / "store", tmp_path / "trash"
    build_badges(root, store, trash, {"p/shared.svg": "old"})
    build_badges(root, store, trash, {"p/shared.svg": "old"})  # a file of its own now
    deployed = tmp_path / "deployed.svg"
    os.link(root / "badges/p/shared.svg", deployed)
    outside = tmp_path / "outside.txt"
    outside.write_text("not a badge")
    (root / "badges/p/link.svg").symlink_to(outside)
    build_badges(root, store, trash, {"p/shared.svg": "new", "p/link.svg": "badge"})
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
    writer = Writer(str(root), "")
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
    writer = Writer(str(root), "")
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
    it (in place, no kept copies), and at the end what neither wrote is gone."""
    site, store, trash = tmp_path / "site", tmp_path / "store", tmp_path / "trash"
    for page, check in (("a", "c0"), ("a", "c1"), ("gone", "c9")):
        (site / "badges/ops" / page).mkdir(parents=True, exist_ok=True)
        for suffix in (".svg", ".json"):
            (site / "badges/ops" / page / f"{check}{suffix}").write_text("last build's")
    # c0 shows what it showed last time: written on MkDocs' thread, its files stay untouched.
    for name, text in badge_files([_result("c0", "ops/a.md", Status.PASS)], ""):
        (site / name).write_text(text, encoding="utf-8")
    inodes = badge_inodes(site)
    badges = BadgeWriter(site, "", store=store, trash=trash, deferred=True)
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
    assert kept_copies(store) == {}


def test_a_live_build_that_cannot_take_the_folder_back_leaves_it_to_the_process(
    tmp_path: Path,
) -> None:
    """Something made ``site/badges`` before MkDocs' thread wrote its first badge: the last
    build's folder is not removed on MkDocs' thread but by the writing process, in the
    trash; the badges are written as usual."""
    site, store, trash = tmp_path / "site", tmp_path / "store", tmp_path / "trash"
    (site / "badges/ops/a").mkdir(parents=True)
    (site / "badges/ops/a/c0.svg").write_text("last build's")
    badges = BadgeWriter(site, "", store=store, trash=trash, deferred=True)
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
    badges = BadgeWriter(site, "", store=tmp_path / "store", trash=trash)
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
