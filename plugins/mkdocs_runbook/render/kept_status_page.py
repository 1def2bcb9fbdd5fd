"""The status page's markup kept across ``mkdocs serve`` rebuilds (issue 14).

After a prose edit the status page shows what it showed before, but for the time the build
started (its summary's ``checked …``): rendering a thousand rows again would cost the rebuild a
tenth of a second. The markup is kept with everything it was rendered from, each as a value
of a plain type that shows as it compares: every shown field of every result (texts, the
status, the line), each result's history view, the pages' urls, the pages-by-owner rows, the
environment and the page's own url. Another value of any of them renders the page anew; the
same values give the kept markup with the summary's time replaced by this build's, which is
the first ``<time>`` of the page (the summary line is its first line).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ..results import CheckResult
from .history_view import CheckHistoryView, PageRow
from .html import render_status_page, summary_time


class KeptStatusPage:
    """The last status page rendered, and what it was rendered from."""

    def __init__(self) -> None:
        #: What the markup was rendered from, the build's start it shows, and the markup.
        self._kept: tuple[object, str, str] | None = None
        #: Template renderings done (reuses are not counted): how tests see reuse.
        self.renders = 0

    def render(
        self,
        results: Sequence[CheckResult],
        *,
        env: str,
        started_at: str,
        page_url: str,
        urls: Mapping[str, str],
        link_for: Callable[[CheckResult], str],
        history_for: Callable[[CheckResult], CheckHistoryView] | None = None,
        pages: Sequence[PageRow] = (),
    ) -> str:
        """What ``render_status_page`` makes of the same arguments; ``urls``: every page's url
        by its path (what ``link_for`` links with, relative to ``page_url``)."""
        inputs = (
            env,
            page_url,
            dict(urls),
            [_shown(result) for result in results],
            None if history_for is None else [history_for(result) for result in results],
            list(pages),
        )
        kept = self._kept
        if kept is not None and kept[0] == inputs and started_at and kept[1]:
            old, new = summary_time(kept[1]), summary_time(started_at)
            if old in kept[2]:
                markup = kept[2].replace(old, new, 1)
                self._kept = (inputs, started_at, markup)
                return markup
        markup = render_status_page(
            results,
            env=env,
            started_at=started_at,
            link_for=link_for,
            history_for=history_for,
            pages=pages,
        )
        self.renders += 1
        self._kept = (inputs, started_at, markup)
        return markup


def _shown(result: CheckResult) -> tuple[object, ...]:
    """What the status page shows of ``result`` or orders and links it by."""
    return (
        result.status,
        result.name,
        result.zone,
        result.message,
        result.page,
        result.value,
        result.checked_at,
        result.id,
        result.line,
    )
