"""What the plugin keeps about one page's checks during a build, and small helpers for it."""

from __future__ import annotations

import logging
import re
from collections import defaultdict, deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from mkdocs.structure.files import File

from .errors import ResolveError
from .find import front_matter_offset
from .model import BrokenCheck, CheckBlock, CheckSpec
from .parse import Catalog, parse_page
from .record.history import SiteHistory
from .render import (
    CatalogSource,
    CheckHistoryView,
    PageRow,
    PageVerification,
    RenderedMarkup,
    ago,
    check_history_view,
    is_stale,
    page_verified_at,
    render_check,
)
from .resolve import Redactor
from .results import CheckResult, RunOutcome, Status, parse_iso_utc
from .run import CheckRunner, PreparedCheck
from .run.ahead import PagesAhead
from .settings import RunbookSettings

#: How a page shows its checks: ``full`` (every block as written, the Result folded under it)
#: or ``compact`` (a `check` fence's YAML folded into its Result panel; marked shell blocks stay,
#: since readers copy them). The ``display`` option, or ``runbook_display`` in front matter.
DISPLAYS = ("full", "compact")

log = logging.getLogger("mkdocs.plugins.runbook")

#: Where each check's markup goes: the SuperFences formatter leaves it, ``on_post_page`` fills
#: it once the check's results are in.
SLOT = '<div class="runbook-slot" data-runbook-slot="{key}"></div>'
SLOT_ATTR = "data-runbook-slot"
SLOT_RE = re.compile(r'<div class="runbook-slot" data-runbook-slot="([^"]+)"></div>')
SUMMARY_SLOT = '<div class="runbook-summary-slot"></div>'
STATUS_SLOT = '<div class="runbook-status-slot"></div>'
#: In every ``pymdownx.snippets`` include (``--8<--``, ``-8<-``…): a page without it includes
#: nothing.
_SNIPPET_MARK = "8<-"


@dataclass
class PageCheck:
    """One check on one page: what runs, where it shows, and its (future) outcome."""

    slot: str
    prepared: PreparedCheck
    outcome: Future[RunOutcome]
    lang: str
    source_html: str = ""
    result: CheckResult | None = None
    #: The catalog check a ``use:`` block stands for, shown with it.
    catalog: CatalogSource | None = None


@dataclass
class PageState:
    url: str = ""
    display: str = "full"
    #: The page's ``owner`` front matter, as text ("" without one).
    owner: str = ""
    checks: list[PageCheck] = field(default_factory=list)
    #: False for a page that could not be read as UTF-8: its blocks are shown, never run.
    runs_checks: bool = True
    # Formatter matching: normalised block text -> checks not yet placed, in page order.
    unplaced: dict[str, deque[PageCheck]] = field(default_factory=lambda: defaultdict(deque))
    #: The page's badge files went to the writer already (its results were in early).
    badges_handed: bool = False


def with_summary_slot(html_text: str) -> str:
    """A page's HTML with the place of its summary marked: under the page title when there is
    one, else at the top."""
    heading_end = html_text.find("</h1>")
    if heading_end >= 0:
        cut = heading_end + len("</h1>")
        return html_text[:cut] + SUMMARY_SLOT + html_text[cut:]
    return SUMMARY_SLOT + html_text


class PageParses:
    """Each page's blocks and their parsed checks, kept across `mkdocs serve` rebuilds for as
    long as the page's Markdown (and the snippets setting) stay the same, unless the page
    includes snippets: the files it includes may have changed since."""

    def __init__(self) -> None:
        #: By page: what it was parsed from (its Markdown, the snippets setting) and the result;
        #: one entry a page, replaced when the page changes.
        self._by_page: dict[
            str,
            tuple[tuple[str, tuple[Path, ...]], list[tuple[CheckBlock, CheckSpec | BrokenCheck]]],
        ] = {}

    def get(
        self,
        page_path: str,
        markdown: str,
        snippet_paths: Sequence[Path],
        ahead: PagesAhead | None = None,
    ) -> list[tuple[CheckBlock, CheckSpec | BrokenCheck]]:
        """The page's blocks, parsed: kept, or sent by ``ahead``, or parsed here."""
        source = (markdown, tuple(snippet_paths))
        kept = self._by_page.get(page_path)
        if (
            kept is not None
            and kept[0] == source
            and not (snippet_paths and _SNIPPET_MARK in markdown)
        ):
            return kept[1]
        parsed = ahead.take(page_path, markdown) if ahead is not None else None
        if parsed is None:
            parsed = parse_page(markdown, page_path, snippet_paths)
        self._by_page[page_path] = (source, parsed)
        return parsed


def front_matter_lines(file: File, markdown: str, source: str | None = None) -> int:
    """Lines MkDocs removed from the top of the page (front matter), so lines match the file.
    ``source``: the file's text as read already (newlines as MkDocs reads them), if it was."""
    if source is None:
        try:
            source = file.content_string
        except (OSError, UnicodeDecodeError):
            return 0
    return front_matter_offset(source, markdown)


def wait_for_outcome(
    future: Future[RunOutcome], check: PageCheck, redactor: Redactor
) -> RunOutcome:
    try:
        return future.result()
    except Exception as exc:  # never lose a page to one check's crash
        reason = redactor.text(str(exc))
        log.error("check %s crashed: %s", check.prepared.item.location, reason)
        return RunOutcome(Status.ERROR, message=f"internal error: {reason}", value="internal error")


def display_source(prepared: PreparedCheck) -> str:
    if prepared.resolved is not None:
        return prepared.resolved.display_source
    return prepared.item.source


def catalog_source(
    prepared: PreparedCheck, runner: CheckRunner, highlight: Callable[[str], str]
) -> CatalogSource | None:
    """For a ``use:`` block, the catalog check it stands for: id, where it is defined
    (``checks/api.yml:3``) and its YAML highlighted, with variables filled in as the page shows
    blocks (secrets stay placeholders). ``None`` when the block uses nothing usable."""
    item = prepared.item
    catalog = runner.catalog
    if not isinstance(item, CheckSpec) or not item.use or not isinstance(catalog, Catalog):
        return None
    entry = catalog.entries.get(item.use)
    if entry is None or entry.spec is None:
        return None  # the error result says why
    try:
        text = runner.templates.render(entry.spec.source, mode="source", used={})
    except ResolveError:
        text = entry.spec.source
    return CatalogSource(entry.id, entry.location, highlight(text))


def render_placed_check(
    check: PageCheck,
    shown: Sequence[CheckResult],
    *,
    display: str,
    stale_after: float,
    history: BuildHistory | None,
    memo: RenderedMarkup | None = None,
) -> str:
    """A check's HTML where its block sat: one badge per zone of ``shown`` (the check's own
    result among them), the block itself once, under the first. ``memo``: markup kept across
    ``serve`` rebuilds."""
    own = check.result
    return "".join(
        render_check(
            result,
            source_html=check.source_html if index == 0 else "",
            stale=is_stale(result, stale_after=stale_after),
            detail=result.detail,
            # Marked shell blocks stay in view even when compact: readers copy them.
            fold_source=display == "compact" and check.lang == "check",
            catalog=check.catalog if index == 0 else None,
            # Each zone's own history: marks, uptime and last pass measured there.
            history=history.check(result) if history else None,
            zone=result.zone if len(shown) > 1 or result is not own else "",
            first=index == 0,
            memo=memo,
        )
        for index, result in enumerate(shown)
    )


def page_display(meta: Mapping[str, object], default: str, page: str) -> str:
    """``runbook_display`` from a page's front matter, else the site's ``display``."""
    chosen = meta.get("runbook_display", default)
    if chosen in DISPLAYS:
        return str(chosen)
    log.warning("%s: runbook_display must be one of %s, not %r", page, ", ".join(DISPLAYS), chosen)
    return default


class StatusPageHistory(TypedDict, total=False):
    history_for: Callable[[CheckResult], CheckHistoryView]
    pages: list[PageRow]


class BuildHistory:
    """The history store as one build sees it (SPEC 10): read once when the build starts,
    merged with this run's results on the pages, recorded when the build ends. A store
    problem never stops the build: the pages show their current results and the plugin warns
    once (through its logger, so ``--strict`` counts it)."""

    def __init__(self, settings: RunbookSettings, *, started_at: str) -> None:
        self.settings = settings
        self.started_at = started_at
        self.now = parse_iso_utc(started_at)
        self.site: SiteHistory | None = None
        self.problem: str | None = None
        self._views: dict[int, tuple[CheckResult, CheckHistoryView]] = {}
        #: The results this build's own checks gave (by id; each kept, so its id stays its own).
        self._measured: dict[int, CheckResult] = {}
        if settings.history is not None:
            from .record.history import read_site_history

            self.site, self.problem = read_site_history(settings, now=self.now)

    def measured(self, result: CheckResult) -> None:
        """``result`` is what one of this build's own checks gave, not one read from another
        run's report: it is new to the store however close its time is to the last run's."""
        self._measured[id(result)] = result

    def check(self, result: CheckResult) -> CheckHistoryView | None:
        return None if self.site is None else self._view(result)

    def _view(self, result: CheckResult) -> CheckHistoryView:
        # Made once per result: its check's markup and the status page both show it.
        seen = self._views.get(id(result))
        if seen is not None and seen[0] is result:
            return seen[1]
        assert self.site is not None
        stored = self.site.check(result.page, result.id, result.zone)
        own = self._measured.get(id(result)) is result
        view = check_history_view(stored, result, now=self.now, measured_here=own)
        self._views[id(result)] = (result, view)  # the result is kept: its id stays its own
        return view

    def page(self, page: str, results: Sequence[CheckResult]) -> PageVerification | None:
        if self.site is None:
            return None
        at = page_verified_at(self.site.page(page), results, run_started_at=self.started_at)
        return PageVerification(at, ago(at, self.now))

    def for_status_page(
        self,
        results: Sequence[CheckResult],
        pages: Mapping[str, PageState],
        link: Callable[[str], str],
    ) -> StatusPageHistory:
        """The status page's history: a view per check, and the pages with checks and their
        owners and last full verification (nothing without a history)."""
        if self.site is None:
            return {}
        by_page: dict[str, list[CheckResult]] = {}
        for result in results:
            by_page.setdefault(result.page, []).append(result)
        rows = []
        for path, state in pages.items():
            verified = self.page(path, by_page.get(path, []))
            if verified is not None and state.checks:
                rows.append(PageRow(path, link(path), state.owner, verified.at, verified.ago))
        return {"history_for": self._view, "pages": rows}

    def record(self, results: Sequence[CheckResult], *, finished_at: str) -> list[str]:
        """Record this build's run; the warnings to give (at most one per store problem)."""
        from .engine import record_history

        outcome = record_history(
            self.settings,
            trigger="build",
            started_at=self.started_at,
            finished_at=finished_at,
            results=results,
        )
        problems = list(outcome.problems)
        if self.problem is not None and outcome.spooled is None:
            problems.insert(0, f"{self.problem}; the pages show no history")
        return problems
