"""``mkdocs_runbook.markdown``: check blocks rendered from results, in any Python-Markdown site.

For sites that cannot run the MkDocs plugin — Zensical (which ignores MkDocs plugins),
Backstage TechDocs (which removes plugins outside its allowlist), MkDocs 2, or plain
``markdown.markdown`` — this extension shows every check block with its badge, time and
Result, exactly as the plugin renders them, from results produced elsewhere
(``runbook check -o runbook-checks.json``). It never runs a check.

.. code-block:: yaml

    markdown_extensions:
      - pymdownx.superfences
      - mkdocs_runbook.markdown:
          results: [runbook-checks.json]   # and/or history: .cache/runbook/history.sqlite

A check is matched to its result by page (relative to ``docs_dir``) and id when the site
says which page it renders (Zensical does), else by id alone when that is unambiguous. A check
without a result shows ``skip`` ("no result"); an old result is marked stale.
"""

from __future__ import annotations

import logging
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor

from .find import (
    CHECK_FENCES,
    add_custom_fence,
    block_key,
    find_blocks,
    highlight,
    is_marked,
    superfences_extension,
    superfences_validator,
)
from .model import BrokenCheck, CheckSpec
from .parse import parse_blocks
from .record.imports import ResultsElsewhere, import_results, report_files
from .render import is_stale, render_check, render_page_summary
from .results import CheckResult, Status, latest
from .units import parse_duration

__all__ = ["RunbookResultsExtension", "makeExtension"]

log = logging.getLogger("mkdocs_runbook.markdown")

_SUMMARY_SLOT = "<!--runbook-summary-->"


@dataclass
class _PageChecks:
    """The checks the preprocessor found on the page being converted, waiting for their fence."""

    page: str
    unplaced: dict[str, deque[CheckSpec | BrokenCheck]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    shown: list[CheckResult] = field(default_factory=list)


class _Results:
    """The results of the configured report files, read again when a file changes."""

    def __init__(
        self, patterns: Sequence[str], base_dir: Path, env: str | None, history: str | None
    ) -> None:
        self._patterns = list(patterns)
        self._base_dir = base_dir
        self._env = env
        self._history = history
        self._signature: tuple[tuple[str, float, int], ...] | None = None
        self.by_key: dict[str, CheckResult] = {}
        self.by_id: dict[str, list[CheckResult]] = defaultdict(list)
        self.elsewhere = ResultsElsewhere()

    def zones_of(self, result: CheckResult) -> list[CheckResult]:
        """``result``'s check in every zone that has a result for it, ordered by zone."""
        return self.elsewhere.shown(result)

    def refresh(self) -> None:
        files = report_files(self._patterns, self._base_dir)
        signature = tuple((str(f), f.stat().st_mtime, f.stat().st_size) for f in files)
        if signature == self._signature:
            return
        self._signature = signature
        imported = import_results(files, env=self._env)
        for problem in imported.errors:
            log.error("runbook: %s", problem)
        for problem in imported.warnings:
            log.warning("runbook: %s", problem)
        if self._patterns and not files:
            log.warning("runbook: no report file matches %s", ", ".join(self._patterns))
        results = [*imported.results, *self._recorded()]
        # A check is found by its newest result; then every zone's shows (``zones_of``).
        self.elsewhere = ResultsElsewhere.of(results)
        newest_last = sorted(results, key=lambda result: result.checked_at)
        self.by_key = {result.key: result for result in newest_last}
        self.by_id = defaultdict(list)
        for result in results:
            self.by_id[result.id].append(result)

    def _recorded(self) -> list[CheckResult]:
        """The history store's newest result per check and zone (SPEC 12), when configured."""
        if not self._history:
            return []
        from .record.history import read_latest_results  # SQLAlchemy only when it is used
        from .settings import RunbookSettings

        settings = RunbookSettings(base_dir=self._base_dir, history=self._history)
        if self._env:
            settings.env = self._env
        recorded: list[CheckResult]
        recorded, problem = read_latest_results(settings)
        if problem:
            log.warning("runbook: history: %s", problem)
        return recorded

    def for_check(self, page: str, item: CheckSpec | BrokenCheck) -> CheckResult | None:
        if page:
            exact = self.by_key.get(f"{page}::{item.id}")
            if exact is not None:
                return exact
        candidates = self.by_id.get(item.id, [])
        if page:
            # A report written before pages were named relative to docs_dir (``docs/x.md``).
            suffixed = [c for c in candidates if c.page.endswith(f"/{page}")]
            candidates = suffixed or candidates
        if item.name:
            candidates = [c for c in candidates if c.name == item.name] or candidates
        # Several pages with this id: the same check shown on each (a catalog ``use``) has
        # one definition, so any of its results will do; different checks are ambiguous.
        if len({(c.kind, c.target, c.name) for c in candidates}) == 1:
            return latest(candidates)
        return None


class _FindChecks(Preprocessor):  # type: ignore[misc]
    """Before SuperFences: finds the page's checks (with their ids, as every front-end
    numbers them) and makes sure SuperFences hands check fences to this extension."""

    def __init__(self, md: markdown.Markdown, extension: RunbookResultsExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, lines: list[str]) -> list[str]:
        superfences = superfences_extension(self.md)
        if superfences is None:
            log.warning("runbook: pymdownx.superfences is not enabled: check blocks stay as text")
            return lines
        for name in CHECK_FENCES:
            add_custom_fence(superfences, name, self.extension.format_fence, superfences_validator)
        self.extension.results.refresh()
        page = _page_path(self.md)
        state = _PageChecks(page)
        blocks = find_blocks("\n".join(lines), page or "page", confirm_with_markdown=False)
        for block, item in zip(blocks, parse_blocks(blocks), strict=True):
            state.unplaced[block_key(block.lang, block.body)].append(item)
        self.extension.pages[id(self.md)] = state
        return lines


class _PlaceSummary(Postprocessor):  # type: ignore[misc]
    """After the HTML is whole: the page summary under the title, counting what was shown."""

    def __init__(self, md: markdown.Markdown, extension: RunbookResultsExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, text: str) -> str:
        # Postprocessors also run on fragments (``toc`` renders heading titles with them):
        # only the document holding the slot is the page.
        if _SUMMARY_SLOT not in text:
            return text
        state = self.extension.pages.pop(id(self.md), None)
        if state is None or not state.shown:
            return text.replace(_SUMMARY_SLOT, "")
        summary = render_page_summary(
            state.shown,
            env=self.extension.env or state.shown[0].env,
            checked_at=max(result.checked_at for result in state.shown),
            status_page_url=None,
        )
        return text.replace(_SUMMARY_SLOT, summary, 1)


#: Loaded reports, shared by the extension instances of one process: sites create a new
#: instance for every page.
_LOADED: dict[tuple[tuple[str, ...], str, str, str], _Results] = {}


def _results_for(patterns: Sequence[str], base_dir: Path, env: str, history: str) -> _Results:
    key = (tuple(patterns), str(base_dir), env, history)
    if key not in _LOADED:
        _LOADED[key] = _Results(patterns, base_dir, env or None, history or None)
    return _LOADED[key]


class RunbookResultsExtension(markdown.Extension):  # type: ignore[misc]
    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "results": [[], "Report files (globs) written by `runbook check -o …`."],
            "env": ["", "Show only results of this environment; empty: any."],
            "stale_after": ["1d", "Results older than this are marked stale."],
            "history": ["", "A history store (path or URL) to show the newest results of."],
            "base_dir": ["", "Folder relative globs start from; empty: the working directory."],
        }
        super().__init__(**kwargs)
        patterns = self.getConfig("results")
        if isinstance(patterns, str):
            patterns = [patterns]
        self.env = str(self.getConfig("env") or "")
        self.stale_after = parse_duration(self.getConfig("stale_after"))
        base_dir = Path(self.getConfig("base_dir") or Path.cwd())
        history = str(self.getConfig("history") or "")
        self.results = _results_for(patterns, base_dir, self.env, history)
        self.pages: dict[int, _PageChecks] = {}

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.registerExtension(self)
        if superfences_extension(md) is None:
            md.registerExtensions(["pymdownx.superfences"], {})
        # After snippets (32) and whitespace normalising (30), before SuperFences (25).
        md.preprocessors.register(_FindChecks(md, self), "runbook_checks", 26)
        md.postprocessors.register(_PlaceSummary(md, self), "runbook_summary", 1)

    def format_fence(
        self,
        src: str,
        language: str,
        class_name: str,
        options: dict[str, Any],
        md: markdown.Markdown,
        **kwargs: Any,
    ) -> str:
        """SuperFences formatter: a check with its result; any other block highlighted as usual."""
        if not is_marked(language, options, kwargs.get("classes") or []):
            return highlight(src, language, options, md, **kwargs)
        state = self.pages.get(id(md))
        lang = "check" if language == "check" else language
        waiting = state.unplaced.get(block_key(lang, src)) if state is not None else None
        if state is None or not waiting:
            return highlight(src, "yaml" if lang == "check" else lang, options, md, **kwargs)
        item = waiting.popleft()
        result = self.results.for_check(state.page, item) or _no_result(item, self.env)
        # The page summary goes just before the first check: sites that restyle headings
        # (Zensical) take what follows a title into the title.
        slot = "" if state.shown else _SUMMARY_SLOT
        zoned = self.results.zones_of(result)
        state.shown.extend(zoned)
        shown_lang = "yaml" if lang == "check" else lang
        source_html = highlight(src, shown_lang, {}, md, classes=[], id_value="", attrs={})
        # Several zones: one badge each (SPEC 11); the block itself is shown once, under the first.
        return slot + "".join(
            render_check(
                shown,
                source_html=source_html if index == 0 else "",
                stale=is_stale(shown, stale_after=self.stale_after),
                detail=shown.detail,
                zone=shown.zone if len(zoned) > 1 else "",
                first=index == 0,
            )
            for index, shown in enumerate(zoned)
        )


def _no_result(item: CheckSpec | BrokenCheck, env: str) -> CheckResult:
    kind = item.kind if isinstance(item, CheckSpec) else ""
    return CheckResult(
        id=item.id,
        name=item.name or item.id,
        page=item.page,
        line=item.line,
        kind=kind or "",
        target="",
        status=Status.SKIP,
        message="no result: this check has not run (no report holds it)",
        value="no result",
        env=env,
    )


def _page_path(md: markdown.Markdown) -> str:
    """The page being converted, relative to ``docs_dir``, when the site tells (Zensical's
    ``rendering_context`` preprocessor); ``""`` otherwise."""
    if "rendering_context" in md.preprocessors:
        page = getattr(md.preprocessors["rendering_context"], "page", None)
        path = getattr(page, "path", None)
        if isinstance(path, str):
            return Path(path).as_posix()
    return ""


def makeExtension(**kwargs: Any) -> RunbookResultsExtension:
    return RunbookResultsExtension(**kwargs)
