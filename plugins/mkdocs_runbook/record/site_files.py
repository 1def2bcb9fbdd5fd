"""Files a site build leaves in ``site/``: the JSON report, per-check SVG badges and Shields
endpoint JSON under ``badges/<page>/<id>``, and JUnit XML when asked (SPEC 6).

A check with results from other zones (SPEC 11) also gets ``badges/<page>/<id>/<zone>`` for
each zone, and its ``badges/<page>/<id>`` shows the worst of them, naming that zone: an
embedded badge turns red when any network fails."""

from __future__ import annotations

import functools
import os
import re
import secrets
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from ..results import CheckResult, Report, Status, iso_utc, sort_failures_first, utc_now
from .badges import badge_texts, cached_age
from .file_writer import FileWriter, FileWriterError
from .file_writer_child import BADGES_FOLDER, TRASHED_PREFIX, Writer
from .report import junit_xml, write_report


def badge_stem(result: CheckResult) -> str:
    """``badges/ops/deploy/api-ready``: the page path without ``.md``, then the check id."""
    folder = _badge_folder(result.page)
    if _PLAIN_ID.fullmatch(result.id):  # every id the parser gives: joined as a path would be
        return f"{folder}/{result.id}"
    return str(PurePosixPath(folder) / result.id)


#: An id that is one path segment as it stands (no separator, no ``.`` or ``..``).
_PLAIN_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")


@functools.lru_cache(maxsize=4096)
def _badge_folder(page: str) -> str:
    """A page's badge folder: the same for each of its checks, so made once per page."""
    return str(PurePosixPath(BADGES_FOLDER) / PurePosixPath(page).with_suffix(""))


def write_site_outputs(
    results: list[CheckResult],
    *,
    site_dir: Path,
    env: str,
    zone: str = "",
    started_at: str,
    report: str | None,
    junit: str | None,
) -> Report:
    """The report and JUnit XML; the badge files go through ``BadgeWriter`` page by page."""
    finished_at = iso_utc(utc_now())
    run = Report(env=env, started_at=started_at, finished_at=finished_at, checks=results, zone=zone)
    if report:
        write_report(run, site_dir / report)
    if junit:
        target = site_dir / junit
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(junit_xml(run), encoding="utf-8")
    return run


class BadgeWriter:
    """Each page's badge files, made as the page renders and written by a process of their
    own (``FileWriter``: a thread of MkDocs' process would wait on the GIL for every file), so
    the disk works while MkDocs renders the next pages. ``finish`` waits for them all and
    raises what went wrong.

    ``deferred`` (a build whose check workers run from its start): the writing process starts
    only at ``start``, once the workers are gone, so that the two never add up in memory.
    Until then the files wait here, and ``write_until`` writes them from MkDocs' own thread
    while it has nothing else to do (waiting for a check), one at a time.

    ``held`` (a cached build whose pages a child process parses and prepares ahead): the
    writing process starts only at ``start``, once that child is done, so that the second
    core runs one of them at a time rather than both beside MkDocs' thread; until then each
    page's badges wait here as they are handed over (the process makes their texts).

    ``trash``: where ``clear_old`` moves the last build's badges, for the writing process to
    put back and write over (or remove). ``old_copies``: the folder where the plugin used to
    keep copies of badges, removed by the writing process."""

    def __init__(
        self,
        site_dir: Path,
        zone: str,
        *,
        trash: Path | None = None,
        old_copies: Path | None = None,
        deferred: bool = False,
        held: bool = False,
    ) -> None:
        self._zone = zone
        self._site_dir = site_dir
        self._trash = trash
        self._old_copies = old_copies
        #: The last build's badge folder, moved into the trash, for the writing process.
        self._moved = ""
        self._writer: FileWriter | None = None
        #: Files made while the writing process is not there yet, oldest first.
        self._waiting: deque[tuple[str, str]] = deque()
        #: Writes in this process; made at the first file written here.
        self._here: Writer | None = None
        #: Pages' badges handed over while held: the writing process makes their files.
        self._held: list[list[BadgeParts]] | None = [] if held else None
        if not (deferred or held):
            self.start()

    def start(self) -> None:
        """Start the writing process (if not yet) and hand it the files waiting here."""
        if self._writer is not None:
            return
        self._writer = FileWriter(self._site_dir, self._trash, self._old_copies)
        here = self._here
        if here is not None and here.taken is not None:  # taken over here: it goes on
            self._writer.go_on_from(here.taken_state())
        if self._moved:
            self._writer.take_over(self._moved)
        waiting, self._waiting = self._waiting, deque()
        self._writer.write(waiting)
        held, self._held = self._held or [], None
        for parts in held:
            self._writer.write_badges(parts)

    @property
    def held(self) -> bool:
        """Whether badges wait for ``start`` as ``held`` asked (see the class)."""
        return self._held is not None

    def clear_old(self) -> None:
        """Before MkDocs cleans the site folder (a build that is not ``--dirty``): move the
        last build's badge folder into the trash in one rename. MkDocs' clean would remove its
        two thousand files (for a thousand checks) on its own thread, one at a time, before it
        reads the first page. The build's first badge puts it back, once MkDocs has cleaned
        (in the writing process, or here while MkDocs waits for checks), and each badge is
        written over its old file (a cached build's badges change only in their
        age); a badge this build does not write goes. Where the rename cannot be made (no such
        folder, the trash on another filesystem), the folder is left to MkDocs' clean."""
        moved = self._move_to_trash()
        if not moved:
            return
        self._moved = moved
        if self._writer is not None:
            self._writer.take_over(moved)

    def _move_to_trash(self) -> str:
        """Move ``site/badges/`` into the trash in one rename; its name there, or "" when it
        cannot be moved (none there, no trash, the trash a link or on another filesystem)."""
        if self._trash is None:
            return ""
        moved = f"{TRASHED_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        try:
            self._trash.mkdir(parents=True, exist_ok=True)
            if self._trash.is_symlink():
                return ""  # the writing process would not empty it: MkDocs' clean does the work
            (self._site_dir / BADGES_FOLDER).rename(self._trash / moved)
        except OSError:
            return ""
        return moved

    def page(self, results: list[CheckResult]) -> None:
        """A page's shown results (every zone's); one check's all on one page."""
        if not results:
            return
        if self._writer is not None:
            # The writing process makes the files' texts itself: on its own core, not here.
            self._writer.write_badges(badge_parts(results, self._zone))
        elif self._held is not None:
            self._held.append(list(badge_parts(results, self._zone)))
        else:
            self._waiting.extend(badge_files(results, self._zone))

    def write_until(self, done: Callable[[], bool]) -> None:
        """Write waiting files here, one at a time, until ``done()``: MkDocs' thread, which
        would only wait for a check meanwhile, does the writing process's work."""
        while self._waiting and self._writer is None and not done():
            if self._here is None:
                self._here = self._writer_here()
            name, text = self._waiting.popleft()
            self._here.write(str(name), text.encode("utf-8"))

    def _writer_here(self) -> Writer:
        """MkDocs' own writer: it takes the last build's folder back at its first file, as
        the writing process would; one it cannot take back is left to the process."""
        here = Writer(str(self._site_dir))
        if self._moved and self._trash is not None:
            here.last_badges = str(self._trash / self._moved)
            here.removes_trash = False
        return here

    def finish(self) -> None:
        """Wait for every file; raise ``FileWriterError`` naming the first that failed."""
        self.start()
        assert self._writer is not None
        here = self._here
        if here is None or not here.failed:
            self._writer.finish()
            return
        # Those written here came first: the first failure is one of theirs; the count is
        # both writers'.
        failed = here.failed
        try:
            self._writer.finish()
        except FileWriterError as exc:
            failed += exc.failed
        others = f" (and {failed - 1} more)" if failed > 1 else ""
        raise FileWriterError(f"could not write {here.first}{others}", failed=failed)

    def stop(self) -> None:
        """End the writing without waiting (a build that failed). The last build's badges,
        taken back and partly written over, leave ``site/`` for the trash: a failed build
        shows none of them (the next build that has one removes it there)."""
        self._waiting.clear()
        self._held = None
        if self._writer is not None:
            self._writer.stop()
        if self._moved:
            self._moved = ""
            self._move_to_trash()


#: One badge as the writing process makes it: its stem below the site folder, then the label,
#: status, value and age it shows (``badge_texts``).
BadgeParts = tuple[str, str, Status, str, str]


def badge_parts(results: list[CheckResult], zone: str) -> Iterator[BadgeParts]:
    """The badges of ``results``, one check's zones together: each zone's own, and the check's
    main badge showing the worst zone."""
    by_check: dict[str, list[CheckResult]] = {}
    for result in results:
        by_check.setdefault(badge_stem(result), []).append(result)
    for stem, shown in by_check.items():
        if len(shown) == 1 and shown[0].zone in ("", zone):
            yield _parts(stem, shown[0])
            continue
        for result in shown:
            yield _parts(f"{stem}/{result.zone or zone}", result)
        worst = sort_failures_first(shown)[0]
        yield _parts(stem, worst, zone=worst.zone or zone)


def badge_files(results: list[CheckResult], zone: str) -> Iterator[tuple[str, str]]:
    """The badge files of ``results``: names below the site folder, texts."""
    for parts in badge_parts(results, zone):
        yield from badge_texts(*parts)


def _parts(stem: str, result: CheckResult, zone: str = "") -> BadgeParts:
    value = f"{result.value} · {zone}" if zone else result.value
    return stem, result.name, result.status, value, cached_age(result)
