"""The engine's front door: find, parse and run the checks of some Markdown files.

The CLI and the pytest plugin call these; the MkDocs plugin drives the same ``CheckRunner``
from its fence formatter. Nothing here imports mkdocs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import CheckDefinitionError, ResolveError
from .find import find_in_paths
from .model import BrokenCheck, CheckBlock, CheckSpec
from .parse import Catalog, load_catalog, parse_blocks, unreadable_page_check
from .results import CheckResult, Report, iso_utc, utc_now
from .run import CacheMode, CheckRunner, ResultCache, WorkerPool, run_sync, skipped_result
from .settings import RunbookSettings
from .text import did_you_mean

if TYPE_CHECKING:
    from .record.history import RecordOutcome

CheckItem = CheckSpec | BrokenCheck


def collect(
    paths: Sequence[Path], settings: RunbookSettings, *, roots: Sequence[Path] = ()
) -> list[CheckItem]:
    """Every check block under ``paths`` (files or folders of ``*.md``), parsed, in order; a
    page that cannot be read is one broken check in its place.

    Pages are named relative to the site's ``docs_dir``, else to the first of ``roots`` that
    holds them, else to the folder given, as the site build names them."""
    site_roots = [settings.docs_dir] if settings.docs_dir is not None else []
    found = find_in_paths(
        paths,
        snippet_dirs=settings.snippet_paths,
        setup=settings.markdown,
        roots=[*site_roots, *roots],
    )
    parsed = iter(parse_blocks([block for block in found if isinstance(block, CheckBlock)]))
    return [
        next(parsed) if isinstance(block, CheckBlock) else unreadable_page_check(block)
        for block in found
    ]


def collect_each(
    paths: Sequence[Path], settings: RunbookSettings
) -> tuple[list[CheckItem], list[str]]:
    """``collect`` path by path: the checks, and the paths that hold none (a selection that
    matched nothing, SPEC 7)."""
    items: list[CheckItem] = []
    empty: list[str] = []
    for path in paths:
        found = collect([path], settings)
        if not found:
            empty.append(path.as_posix())
        items += found
    return items, empty


@dataclass
class Selection:
    """The checks a selection keeps, the ones it filtered out, and a sentence for each filter
    that matched no check at all (``--tag deploy matched no check``): a gate must not pass
    silently."""

    chosen: list[CheckItem]
    dropped: list[CheckItem]
    unmatched: list[str]


def select(
    items: Iterable[CheckItem], *, tags: Sequence[str] = (), ids: Sequence[str] = ()
) -> Selection:
    """Split by ``--tag`` (any of) and ``--id`` (any of; ``ID`` or ``page::ID``)."""
    items = list(items)

    def tagged(item: CheckItem, tag: str) -> bool:
        return isinstance(item, CheckSpec) and tag in item.tags

    def named(item: CheckItem, wanted: str) -> bool:
        return wanted in (item.id, f"{item.page}::{item.id}")

    unmatched = [
        f"--tag {t} matched no check" for t in tags if not any(tagged(i, t) for i in items)
    ]
    for wanted in ids:
        if not any(named(i, wanted) for i in items):
            known = {i.id for i in items} | {f"{i.page}::{i.id}" for i in items}
            unmatched.append(f"--id {wanted} matched no check{did_you_mean(wanted, known)}")
    selection = Selection([], [], unmatched)
    for item in items:
        keep = (not tags or any(tagged(item, t) for t in tags)) and (
            not ids or any(named(item, i) for i in ids)
        )
        (selection.chosen if keep else selection.dropped).append(item)
    if items and not selection.chosen and not unmatched:
        together = " and ".join([*(f"--tag {t}" for t in tags), *(f"--id {i}" for i in ids)])
        selection.unmatched.append(f"{together} together matched no check")
    return selection


def use_problem(item: CheckItem, catalog: Catalog) -> CheckDefinitionError | None:
    """Why the catalog check a ``use:`` names cannot be used (unknown, broken, cyclic, or not
    fitting the page's keys), found offline for ``runbook list``; ``None`` when it can."""
    if not isinstance(item, CheckSpec) or not item.use:
        return None
    try:
        catalog.merge(item)
    except ResolveError as exc:
        return CheckDefinitionError(str(exc), file=item.page, line=item.line)
    except CheckDefinitionError as exc:
        return exc
    return None


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
    workers: WorkerPool | None = None,
) -> Report:
    """Run ``items`` concurrently, in ``settings.workers`` worker processes, and return the
    report (in the order of ``items``). ``workers``: a pool the caller started early (so that
    the processes start while it reads the pages) and closes; by default one of this run's."""
    if catalog is None:
        catalog = load_catalog(settings.catalog)
    started = iso_utc(utc_now())
    with contextlib.nullcontext(workers) if workers else WorkerPool(settings.workers) as pool:
        pool.processes = max(1, settings.workers)
        results = run_sync(
            lambda: make_runner(
                settings,
                catalog=catalog,
                mode=mode,
                cache=cache,
                environ=environ,
                workers=pool,
            ),
            items,
            on_result,
        )
    return Report(
        env=settings.env,
        started_at=started,
        finished_at=iso_utc(utc_now()),
        checks=results,
        zone=settings.zone,
    )


def filtered_out(
    dropped: Iterable[CheckItem], filters: str, env: str, zone: str = ""
) -> list[CheckResult]:
    """``skip`` results for the checks a selection left out, saying which filters did."""
    return [skipped_result(item, f"filtered out ({filters})", env, zone) for item in dropped]


def record_history(
    settings: RunbookSettings,
    *,
    trigger: str,
    started_at: str,
    finished_at: str,
    results: Sequence[CheckResult],
    expected: Mapping[str, Iterable[str]] | None = None,
) -> RecordOutcome:
    """Remember a run in the history store (SPEC 10) when it contacted a target: every result
    it measured itself, in one transaction, after any runs spooled earlier. Never raises: a
    store problem comes back in ``problems``, for the front-end to warn about once."""
    from .record.history import RecordOutcome, Spool, contacted_targets

    if settings.history is None:
        return RecordOutcome()
    if not contacted_targets(results) and not Spool.beside(settings.base_dir).has_pending():
        # Nothing to write (a build that took every result from the cache): the store, and
        # SQLAlchemy with it, stays closed.
        return RecordOutcome()
    from .record.history import new_run, record  # SQLAlchemy loads only when it is needed

    run = new_run(
        settings,
        trigger=trigger,
        started_at=started_at,
        finished_at=finished_at,
        results=results,
        expected=expected,
    )
    return record(settings, run)
