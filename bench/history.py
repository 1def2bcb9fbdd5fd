"""The history store's two costs that a site build pays (issue 15), on a store holding 90 days
of hourly runs of 1,000 checks (about 2.2 million result rows, generated here):

- recording one run of 1,000 results (spool check, schema check, the run, its results and the
  summaries in one transaction, then pruning), as `record()` does at the end of a build;
- reading the history a site of 1,000 checks shows (`read_site_history()`: marks, last pass,
  uptimes, page verification), as a build does when it starts.

    python bench/history.py                    # SQLite, the default store
    python bench/history.py --postgres URL     # also a PostgreSQL database (emptied first)
    python bench/history.py --days 7 --repeat 3   # a smaller store, a quicker run

Prints medians (and min/max) in milliseconds and writes them to bench/results/history.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import text

from mkdocs_runbook.record.history import HistoryStore, new_run, read_site_history, record
from mkdocs_runbook.record.history.layout import encode_mark
from mkdocs_runbook.record.history.schema import checks, daily, pages, results, runs
from mkdocs_runbook.record.history.writer import lock_for_writing
from mkdocs_runbook.results import CheckResult, Status, iso_utc
from mkdocs_runbook.settings import RunbookSettings

BENCH_DIR = Path(__file__).resolve().parent
PAGES, CHECKS_PER_PAGE = 50, 20
STATUSES = [Status.PASS] * 95 + [Status.WARN] * 3 + [Status.FAIL] * 2


def check_keys() -> list[tuple[str, str]]:
    return [
        (f"runbooks/page-{p:03}.md", f"check-{c:02}")
        for p in range(PAGES)
        for c in range(CHECKS_PER_PAGE)
    ]


def generate(settings: RunbookSettings, *, days: int, now: datetime) -> int:
    """Fill the store with hourly runs of every check, straight into its tables (the summaries
    as the write path keeps them), in a few large transactions. Returns the result rows."""
    assert settings.history is not None
    keys = check_keys()
    rng = random.Random(15)
    hours = days * 24
    first = now - timedelta(hours=hours)
    recent: dict[tuple[str, str], list[list[str]]] = {key: [] for key in keys}
    passed: dict[tuple[str, str], str] = {}
    tally: dict[tuple[str, str, int], list[int]] = {}
    written = 0
    with HistoryStore.open(settings.history, settings.base_dir) as store:
        store._transaction(lock_for_writing, write=True)  # creates the schema
        batch_runs: list[dict[str, Any]] = []
        batch_results: list[dict[str, Any]] = []
        for hour in range(hours):
            at = first + timedelta(hours=hour)
            run_id = f"bench-{hour:06}"
            batch_runs.append(
                {
                    "id": run_id,
                    "started_at": iso_utc(at),
                    "finished_at": iso_utc(at + timedelta(seconds=20)),
                    "env": "local",
                    "zone": "local",
                    "trigger": "build",
                    "host": "bench",
                    "git_commit": None,
                    "checks": len(keys),
                }
            )
            for page, check_id in keys:
                status = rng.choice(STATUSES).value
                checked_at = at + timedelta(seconds=rng.randint(0, 19))
                batch_results.append(
                    {
                        "run_id": run_id,
                        "page": page,
                        "check_id": check_id,
                        "name": f"Check {check_id}",
                        "kind": "http",
                        "status": status,
                        "value": "42 ms",
                        "message": "",
                        "duration_ms": 42.0,
                        "checked_at": iso_utc(checked_at),
                        "attempts": 1,
                    }
                )
                marks = recent[(page, check_id)]
                marks.append([status, iso_utc(checked_at)])
                del marks[:-20]
                if status in ("pass", "warn"):
                    passed[(page, check_id)] = iso_utc(checked_at)
                day_tally = tally.setdefault(
                    (page, check_id, checked_at.date().toordinal()), [0, 0]
                )
                day_tally[0] += 1
                day_tally[1] += status in ("pass", "warn")
            if len(batch_results) >= 100_000 or hour == hours - 1:
                written += len(batch_results)
                _insert(store, [(runs, batch_runs), (results, batch_results)])
                batch_runs, batch_results = [], []
        summaries = [
            (
                daily,
                [
                    {
                        "env": "local",
                        "zone": "local",
                        "day": day,
                        "page": page,
                        "check_id": check_id,
                        "runs": n,
                        "passing": ok,
                    }
                    for (page, check_id, day), (n, ok) in tally.items()
                ],
            ),
            (
                checks,
                [
                    {
                        "env": "local",
                        "zone": "local",
                        "page": page,
                        "check_id": check_id,
                        "last_status": marks[-1][0],
                        "last_checked_at": marks[-1][1],
                        "last_passed_at": passed.get((page, check_id)),
                        "recent": "".join(encode_mark(*mark) for mark in marks),
                    }
                    for (page, check_id), marks in recent.items()
                ],
            ),
            (
                pages,
                [
                    {
                        "env": "local",
                        "zone": "local",
                        "page": f"runbooks/page-{p:03}.md",
                        "last_run_at": iso_utc(first + timedelta(hours=hours - 1)),
                        "last_verified_at": iso_utc(first + timedelta(hours=hours - 30)),
                    }
                    for p in range(PAGES)
                ],
            ),
        ]
        _insert(store, summaries)
    return written


def _insert(store: HistoryStore, batches: list[tuple[Any, list[dict[str, Any]]]]) -> None:
    def work(connection: Any) -> None:
        for table, rows in batches:
            if rows:
                connection.execute(table.insert(), rows)

    store._transaction(work, write=True)


def one_run(settings: RunbookSettings, at: datetime) -> Any:
    rng = random.Random(at.timestamp())
    results = [
        CheckResult(
            id=check_id,
            name=f"Check {check_id}",
            page=page,
            line=10,
            kind="http",
            target="GET http://127.0.0.1/x",
            status=rng.choice(STATUSES),
            value="42 ms",
            duration_ms=42.0,
            checked_at=iso_utc(at),
            attempts=1,
        )
        for page, check_id in check_keys()
    ]
    run = new_run(
        settings,
        trigger="build",
        started_at=iso_utc(at),
        finished_at=iso_utc(at + timedelta(seconds=20)),
        results=results,
    )
    assert run is not None
    return run


def measure(settings: RunbookSettings, *, repeat: int, now: datetime) -> dict[str, Any]:
    """Wall-clock and CPU (this process) milliseconds of each operation. On a shared machine
    the wall clock includes waiting for a core; SQLite works in this process, so its CPU time
    is the cost itself. PostgreSQL works in its server, so only the wall clock tells there."""
    timings: dict[str, list[float]] = {
        name: [] for name in ("record", "record_cpu", "read", "read_cpu")
    }
    for index in range(repeat):
        at = now + timedelta(minutes=index + 1)
        run = one_run(settings, at)  # building the rows is the front-end's, not timed
        wall, cpu = time.perf_counter(), time.process_time()
        outcome = record(settings, run, now=at)
        timings["record"].append((time.perf_counter() - wall) * 1000)
        timings["record_cpu"].append((time.process_time() - cpu) * 1000)
        assert outcome.recorded and not outcome.problems, outcome
        wall, cpu = time.perf_counter(), time.process_time()
        history, problem = read_site_history(settings, now=at)
        timings["read"].append((time.perf_counter() - wall) * 1000)
        timings["read_cpu"].append((time.process_time() - cpu) * 1000)
        assert problem is None and history is not None and len(history.checks) == 1000
    return {
        "record_1000_results_ms": _stats(timings["record"]),
        "record_1000_results_cpu_ms": _stats(timings["record_cpu"]),
        "read_site_1000_checks_ms": _stats(timings["read"]),
        "read_site_1000_checks_cpu_ms": _stats(timings["read_cpu"]),
    }


def _stats(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 1),
        "min": round(min(values), 1),
        "max": round(max(values), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=90, help="days of hourly runs (90)")
    parser.add_argument("--repeat", type=int, default=7, help="measured runs (7)")
    parser.add_argument("--postgres", help="a PostgreSQL URL to measure as well (emptied)")
    parser.add_argument("--output", type=Path, default=BENCH_DIR / "results" / "history.json")
    args = parser.parse_args(argv)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    report: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "days": args.days,
        "checks": PAGES * CHECKS_PER_PAGE,
        "stores": {},
    }
    with tempfile.TemporaryDirectory(prefix="runbook-history-bench-") as folder:
        stores = {"sqlite": RunbookSettings(base_dir=Path(folder))}
        if args.postgres:
            stores["postgresql"] = RunbookSettings(base_dir=Path(folder), history=args.postgres)
        for name, settings in stores.items():
            if name == "postgresql":
                _empty(settings)
            started = time.perf_counter()
            rows = generate(settings, days=args.days, now=now)
            generated_s = time.perf_counter() - started
            print(f"{name}: generated {rows:,} result rows in {generated_s:.0f} s", flush=True)
            figures = measure(settings, repeat=args.repeat, now=now)
            figures["result_rows"] = rows
            if name == "sqlite":
                database = Path(folder) / ".cache/runbook/history.sqlite"
                figures["file_mb"] = round(database.stat().st_size / 1e6, 1)
            report["stores"][name] = figures
            for what, stats in figures.items():
                print(f"  {what}: {stats}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


def _empty(settings: RunbookSettings) -> None:
    assert settings.history is not None
    with HistoryStore.open(settings.history, settings.base_dir) as store:
        store._transaction(
            lambda c: c.execute(
                text(
                    "DROP TABLE IF EXISTS runbook_results, runbook_runs, runbook_daily, "
                    "runbook_checks, runbook_pages, runbook_schema"
                )
            ),
            write=True,
        )


if __name__ == "__main__":
    sys.exit(main())
