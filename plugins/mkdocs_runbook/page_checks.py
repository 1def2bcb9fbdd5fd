"""What the plugin keeps about one page's checks during a build, and small helpers for it."""

from __future__ import annotations

import logging
from collections import defaultdict, deque
from concurrent.futures import Future
from dataclasses import dataclass, field

from mkdocs.structure.files import File

from .results import CheckResult, RunOutcome, Status
from .run import PreparedCheck

log = logging.getLogger("mkdocs.plugins.runbook")


@dataclass
class PageCheck:
    """One check on one page: what runs, where it shows, and its (future) outcome."""

    slot: str
    prepared: PreparedCheck
    outcome: Future[RunOutcome]
    lang: str
    source_html: str = ""
    result: CheckResult | None = None


@dataclass
class PageState:
    url: str = ""
    checks: list[PageCheck] = field(default_factory=list)
    # Formatter matching: normalised block text -> checks not yet placed, in page order.
    unplaced: dict[str, deque[PageCheck]] = field(default_factory=lambda: defaultdict(deque))


def front_matter_lines(file: File, markdown: str) -> int:
    """Lines MkDocs removed from the top of the page (front matter), so lines match the file."""
    try:
        source = file.content_string
    except (OSError, UnicodeDecodeError):
        return 0
    if markdown and source.endswith(markdown) and len(source) > len(markdown):
        return source[: len(source) - len(markdown)].count("\n")
    return 0


def wait_for_outcome(future: Future[RunOutcome], check: PageCheck) -> RunOutcome:
    try:
        return future.result()
    except Exception as exc:  # never lose a page to one check's crash
        log.error("check %s crashed: %s", check.prepared.item.location, exc)
        return RunOutcome(Status.ERROR, message=f"internal error: {exc}", value="internal error")


def display_source(prepared: PreparedCheck) -> str:
    if prepared.resolved is not None:
        return prepared.resolved.display_source
    return prepared.item.source
