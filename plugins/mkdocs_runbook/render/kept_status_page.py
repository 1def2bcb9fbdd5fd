"""The status page's markup kept across ``mkdocs serve`` rebuilds (issue 14).

After a prose edit the status page shows what it showed before but for its texts that change
with the clock: when the build started (its summary's ``checked …``), each failing check's
``last passed 3 min ago`` and each page's ``last fully verified 2 h ago``. Rendering a
thousand rows again for those would cost a rebuild a tenth of a second.

So the page is rendered with a *hole* for each clock text (``holes``) and kept with
everything else it was rendered from, each as a value of a plain type that shows as it
compares: every shown field of every result (texts, the status, the line), each result's
history view, the pages' urls, the pages-by-owner rows, the environment and the page's own
url. Another value of any of them renders the page anew. The kept markup gets each hole
replaced by its text, escaped as the template escapes it, and the summary's time (the first
``<time>`` of the page: the summary line is its first line) replaced by this build's.
Should a shown text hold a hole token nonetheless, the page is rendered directly, not kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from ..results import CheckResult
from .history_view import CheckHistoryView, PageRow
from .holes import Holes
from .html import render_status_page, summary_time


class KeptStatusPage:
    """The last status page rendered, and what it was rendered from."""

    def __init__(self) -> None:
        self._holes = Holes()
        #: What the markup was rendered from, the build's start it shows, and the markup
        #: (with holes).
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
        shown = [_shown(result) for result in results]
        written = [text for row in shown for text in row[1:-1]]
        written += [f"{row.page}{row.link}{row.owner}{row.last_verified_ago}" for row in pages]
        if not started_at or self._holes.found_in("\n".join(written)):
            return render_status_page(
                results,
                env=env,
                started_at=started_at,
                link_for=link_for,
                history_for=history_for,
                pages=pages,
            )
        texts: dict[str, str] = {}
        views: dict[int, CheckHistoryView] = {}
        if history_for is not None:
            for number, result in enumerate(results):
                view = history_for(result)
                if view.last_passed_ago:
                    texts[f"p{number}"] = view.last_passed_ago
                    view = replace(view, last_passed_ago=self._holes.hole(f"p{number}"))
                views[id(result)] = view
        rows = []
        for number, row in enumerate(pages):
            if row.last_verified_ago:
                texts[f"v{number}"] = row.last_verified_ago
                row = replace(row, last_verified_ago=self._holes.hole(f"v{number}"))
            rows.append(row)
        inputs = (
            env,
            page_url,
            dict(urls),
            shown,
            None if history_for is None else [views[id(result)] for result in results],
            rows,
        )
        kept = self._kept
        if kept is not None and kept[0] == inputs:
            markup = kept[2].replace(summary_time(kept[1]), summary_time(started_at), 1)
        else:
            markup = render_status_page(
                results,
                env=env,
                started_at=started_at,
                link_for=link_for,
                history_for=None if history_for is None else lambda result: views[id(result)],
                pages=rows,
            )
            self.renders += 1
        self._kept = (inputs, started_at, markup)
        return self._holes.fill(markup, texts)


def _shown(result: CheckResult) -> tuple[str, str, str, str, str, str, str, str, int]:
    """What the status page shows of ``result`` or orders and links it by: its status and
    texts, and its line (plain values: a tuple of them is not one more object for the garbage
    collector to visit on every pass)."""
    return (
        result.status.value,
        result.name,
        result.zone,
        result.message,
        result.page,
        result.value,
        result.checked_at,
        result.id,
        result.line,
    )
