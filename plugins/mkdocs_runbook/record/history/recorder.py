"""What the front-ends call: record a run (spooled runs first), read a site's history. A SQLite
store is read and written with the stdlib driver (``sqlite_store``), other stores and the other
reads with SQLAlchemy, loaded only then.

Nothing here raises for a store problem: a run always completes. A problem comes back as one
message (the front-end warns once with it: the MkDocs plugin through its logger, so that
``--strict`` counts it) and the run's rows are kept in the spool until a run reaches the store.
"""

from __future__ import annotations

import socket
import subprocess
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from ...results import CheckResult, iso_utc, utc_now
from ...settings import RunbookSettings
from .model import (
    RecordOutcome,
    ResultRow,
    RunRecord,
    SiteHistory,
    contacted_targets,
    recorded_results,
    verified_pages,
)
from .problem import StoreProblem
from .spool import Spool
from .sqlite_store import open_store


def new_run(
    settings: RunbookSettings,
    *,
    trigger: str,
    started_at: str,
    finished_at: str,
    results: Sequence[CheckResult],
    expected: Mapping[str, Iterable[str]] | None = None,
) -> RunRecord | None:
    """The run to record from what a front-end ran, or ``None`` when it contacted no target
    (everything came from the cache, was skipped or broken before running).

    ``results`` are the run's results, cached ones included (they tell whether a page was
    fully verified by this run); ``expected`` maps pages to all their check ids when the
    front-end ran only some of them."""
    if not contacted_targets(results):
        return None
    rows = {(r.page, r.id): ResultRow.from_result(r) for r in recorded_results(results)}
    return RunRecord(
        id=uuid.uuid4().hex,
        started_at=started_at,
        finished_at=finished_at,
        env=settings.env,
        zone=settings.zone,
        trigger=trigger,
        host=socket.gethostname(),
        commit=git_commit(settings.base_dir),
        results=list(rows.values()),
        verified_pages=verified_pages(results, expected),
    )


def record(
    settings: RunbookSettings, run: RunRecord | None, *, now: datetime | None = None
) -> RecordOutcome:
    """Write the spooled runs, then ``run``, then prune; on a store problem spool ``run``."""
    outcome = RecordOutcome()
    if settings.history is None:
        return outcome
    spool = Spool.beside(settings.base_dir)
    pending, outcome.problems = spool.pending()
    if run is None and not pending:
        return outcome
    try:
        with open_store(settings.history, settings.base_dir) as store:
            for spooled in pending:
                store.write(spooled.run)
                spool.done(spooled)
                outcome.flushed += 1
            if run is not None:
                keep = timedelta(seconds=settings.history_keep)
                outcome.recorded = store.write(run, prune_before=iso_utc((now or utc_now()) - keep))
    except StoreProblem as problem:
        if run is not None and not outcome.recorded:
            outcome.problems.append(_spooled(problem, run, spool, outcome))
        else:
            outcome.problems.append(str(problem))
    return outcome


def _spooled(problem: StoreProblem, run: RunRecord, spool: Spool, outcome: RecordOutcome) -> str:
    try:
        outcome.spooled = spool.keep(run)
    except OSError as exc:
        return f"{problem}; this run's results are lost: cannot write {spool.directory}: {exc}"
    return (
        f"{problem}; this run's {len(run.results)} results are kept in {spool.directory} and "
        "written by the next run that reaches the store"
    )


def read_site_history(
    settings: RunbookSettings, *, now: datetime | None = None
) -> tuple[SiteHistory | None, str | None]:
    """The history a site build shows, or ``None`` and the problem to warn about."""
    if settings.history is None:
        return None, None
    try:
        with open_store(settings.history, settings.base_dir) as store:
            history = store.read_site(env=settings.env, zone=settings.zone, now=now or utc_now())
    except StoreProblem as problem:
        return None, str(problem)
    return history, None


def read_latest_results(settings: RunbookSettings) -> tuple[list[CheckResult], str | None]:
    """The newest recorded result of every check in every zone of ``settings.env`` (what a
    ``run: never`` build shows, SPEC 11), or ``[]`` and the problem to warn about."""
    if settings.history is None:
        return [], None
    from .store import HistoryStore  # SQLAlchemy: this read is not on a build's usual path

    try:
        with HistoryStore.open(settings.history, settings.base_dir) as store:
            return store.read_latest(env=settings.env), None
    except StoreProblem as problem:
        return [], str(problem)


def git_commit(folder: Path) -> str | None:
    """The commit checked out in ``folder``, when it is a git work tree and git is there."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--verify", "-q", "HEAD"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and commit else None
