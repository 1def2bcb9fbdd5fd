"""Prepared checks kept across ``mkdocs serve`` rebuilds (issue 14).

A rebuild after a prose edit finds almost every page's Markdown as it was, and preparing its
checks again (templates, secrets, the catalog, the assertions) would give the same checks. So
each page's prepared checks are kept, one entry a page, and reused while all that preparing
reads is unchanged:

- the page's parsed blocks: the very list ``PageParses`` returned (it returns the same list
  only while the page's Markdown and the snippets setting are the same, and never for a page
  that includes snippets) and the lines MkDocs cut off the top (front matter);
- the settings (compared by value: every rebuild reads the config anew), the whole process
  environment (secrets and ``pass_env`` come from it) and the catalog's entries. A change to
  any of them lets go of every page's checks.

Only checks ready to run are reused. A decided one (broken, skipped, an error) is prepared
anew each time: its outcome carries the time it was decided and is masked as the run goes.

Secrets (SPEC 8): every rebuild has a new runner, whose redactor must know every secret of
the run, since it masks every outcome and result. Preparing a check teaches it the secrets the
check names and uses; a reused check teaches it again exactly what its preparation did
(``Redactor.recording``), before it is submitted, so the redactor knows at each point what it
would have known had every check been prepared anew.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..model import BrokenCheck, CheckBlock, CheckSpec
from ..parse import Catalog
from ..results import RunOutcome
from ..settings import RunbookSettings
from .runner import CheckRunner, PreparedCheck

ParsedPage = Sequence[tuple[CheckBlock, CheckSpec | BrokenCheck]]
#: A check prepared by the process that parses a build's pages ahead (``run.ahead``): as
#: prepared, the values its preparation taught the redactor, and what it took from the cache.
AheadCheck = tuple[PreparedCheck, tuple[str, ...], RunOutcome | None]


def prepare_page(runner: CheckRunner, parsed: ParsedPage, offset: int) -> list[PreparedCheck]:
    """Each check of a page prepared, its lines counted from the top of the file (``offset``:
    the front matter's lines)."""
    return [runner.prepare(_placed(item, offset)) for _, item in parsed]


def prepare_ahead(runner: CheckRunner, parsed: ParsedPage, offset: int) -> list[AheadCheck]:
    """``prepare_page`` in the process that parses the pages ahead, with what each check taught
    the redactor and the outcome the cache holds for it (``reuse_ahead`` takes them up)."""
    checks: list[AheadCheck] = []
    for _, item in parsed:
        with runner.redactor.recording() as taught:
            check = runner.prepare(_placed(item, offset))
        checks.append((check, tuple(taught), runner.cached_outcome(check)))
    return checks


def reuse_ahead(
    runner: CheckRunner, checks: Sequence[AheadCheck]
) -> list[tuple[PreparedCheck, RunOutcome | None]]:
    """The build's side of ``prepare_ahead``: each check as reused (the redactor taught again
    what its preparation taught it; a decided one prepared anew), and the cache's outcome."""
    reused = [(reuse(runner, check, taught), outcome) for check, taught, outcome in checks]
    return [(check, outcome if check.decided is None else None) for check, outcome in reused]


def reuse(runner: CheckRunner, check: PreparedCheck, taught: Sequence[str]) -> PreparedCheck:
    """``check``, prepared for another runner of the same settings, for ``runner``: its
    redactor is taught what the preparation taught the other; a decided check is prepared
    anew (its outcome carries the time it was decided)."""
    if check.decided is not None:
        return runner.prepare(check.item)
    for secret in taught:
        runner.redactor.add(secret)
    return check


@dataclass(frozen=True)
class _Setup:
    """All that preparing a page's checks reads besides the page."""

    settings: RunbookSettings
    environ: Mapping[str, str]
    catalog: object


@dataclass(frozen=True)
class _KeptPage:
    parsed: ParsedPage
    offset: int
    #: Each check as prepared and the values its preparation gave the redactor.
    checks: tuple[tuple[PreparedCheck, tuple[str, ...]], ...]


class KeptPreparations:
    """Each page's prepared checks, for this build and the last (see the module docstring)."""

    def __init__(self) -> None:
        self._setup: _Setup | None = None
        self._last: dict[str, _KeptPage] = {}
        self._this: dict[str, _KeptPage] = {}
        #: Checks prepared (reuses are not counted): how tests see reuse.
        self.prepared = 0

    def next_build(self, runner: CheckRunner) -> None:
        """A build starts with ``runner``: pages the last build did not prepare are dropped, and
        every page when anything preparing reads besides the page has changed."""
        setup = _Setup(runner.settings, dict(runner.templates.environ), _catalog_entries(runner))
        if setup != self._setup:
            self._this = {}
        self._setup = setup
        self._last, self._this = self._this, {}

    def page(
        self, runner: CheckRunner, page_path: str, parsed: ParsedPage, offset: int
    ) -> list[PreparedCheck]:
        """``prepare_page``'s checks, reused from the last build when the page is unchanged."""
        kept = self._last.pop(page_path, None)
        if kept is not None and kept.parsed is parsed and kept.offset == offset:
            prepared = [self._reuse(runner, check, taught) for check, taught in kept.checks]
        else:
            prepared = []
            checks = []
            for _, item in parsed:
                with runner.redactor.recording() as taught:
                    check = runner.prepare(_placed(item, offset))
                self.prepared += 1
                prepared.append(check)
                checks.append((check, tuple(taught)))
            kept = _KeptPage(parsed, offset, tuple(checks))
        self._this[page_path] = kept
        return prepared

    def _reuse(
        self, runner: CheckRunner, check: PreparedCheck, taught: tuple[str, ...]
    ) -> PreparedCheck:
        if check.decided is not None:
            self.prepared += 1
        return reuse(runner, check, taught)


def _placed(item: CheckSpec | BrokenCheck, offset: int) -> CheckSpec | BrokenCheck:
    return dataclasses.replace(item, line=item.line + offset) if offset else item


def _catalog_entries(runner: CheckRunner) -> object:
    """The catalog by value (each load makes new objects; an entry's error compares by text)."""
    catalog = runner.catalog
    if catalog is None:
        return None
    if not isinstance(catalog, Catalog):
        return object()  # unknown to compare: equal to nothing, so nothing is reused
    return tuple(
        (key, entry.id, entry.file, entry.line, entry.spec, str(entry.error))
        for key, entry in catalog.entries.items()
    )
