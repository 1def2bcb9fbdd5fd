"""The engine's front door: find, parse and run the checks of some Markdown files.

The CLI and the pytest plugin call these; the MkDocs plugin drives the same ``CheckRunner``
from its fence formatter. Nothing here imports mkdocs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from .find import find_in_paths
from .model import BrokenCheck, CheckBlock, CheckSpec
from .parse import Catalog, load_catalog, parse_blocks, unreadable_page_check
from .results import CheckResult, Report, iso_utc, utc_now
from .run import CacheMode, CheckRunner, ResultCache, WorkerPool, run_sync, skipped_result
from .settings import RunbookSettings

CheckItem = CheckSpec | BrokenCheck


def collect(paths: Sequence[Path], settings: RunbookSettings) -> list[CheckItem]:
    """Every check block under ``paths`` (files or folders of ``*.md``), parsed, in order; a
    page that cannot be read is one broken check in its place."""
    found = find_in_paths(paths, snippet_dirs=settings.snippet_paths)
    parsed = iter(parse_blocks([block for block in found if isinstance(block, CheckBlock)]))
    return [
        next(parsed) if isinstance(block, CheckBlock) else unreadable_page_check(block)
        for block in found
    ]


def select(
    items: Iterable[CheckItem], *, tags: Sequence[str] = (), ids: Sequence[str] = ()
) -> tuple[list[CheckItem], list[CheckItem]]:
    """Split into (selected, filtered out) by ``--tag`` (any of) and ``--id`` (any of;
    ``ID`` or ``page::ID``)."""
    chosen: list[CheckItem] = []
    dropped: list[CheckItem] = []
    for item in items:
        item_tags = item.tags if isinstance(item, CheckSpec) else []
        keep = (not tags or any(t in item_tags for t in tags)) and (
            not ids or item.id in ids or f"{item.page}::{item.id}" in ids
        )
        (chosen if keep else dropped).append(item)
    return chosen, dropped


def make_runner(
    settings: RunbookSettings,
    *,
    catalog: Catalog | None = None,
    mode: CacheMode = "always",
    cache: ResultCache | None = None,
    environ: Mapping[str, str] | None = None,
    workers: WorkerPool | None = None,
) -> CheckRunner:
    if catalog is None:
        catalog = load_catalog(settings.catalog)
    return CheckRunner(
        settings, catalog=catalog, environ=environ, cache=cache, mode=mode, workers=workers
    )


def run_checks(
    items: Sequence[CheckItem],
    settings: RunbookSettings,
    *,
    catalog: Catalog | None = None,
    mode: CacheMode = "always",
    cache: ResultCache | None = None,
    environ: Mapping[str, str] | None = None,
    on_result: Callable[[CheckResult], None] | None = None,
) -> Report:
    """Run ``items`` concurrently, in ``settings.workers`` worker processes, and return the
    report (in the order of ``items``)."""
    if catalog is None:
        catalog = load_catalog(settings.catalog)
    started = iso_utc(utc_now())
    with WorkerPool(settings.workers) as workers:
        results = run_sync(
            lambda: make_runner(
                settings,
                catalog=catalog,
                mode=mode,
                cache=cache,
                environ=environ,
                workers=workers,
            ),
            items,
            on_result,
        )
    return Report(
        env=settings.env, started_at=started, finished_at=iso_utc(utc_now()), checks=results
    )


def filtered_out(dropped: Iterable[CheckItem], filters: str, env: str) -> list[CheckResult]:
    """``skip`` results for the checks a selection left out, saying which filters did."""
    return [skipped_result(item, f"filtered out ({filters})", env) for item in dropped]
