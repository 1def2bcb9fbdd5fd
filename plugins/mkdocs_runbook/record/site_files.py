"""Files a site build leaves in ``site/``: the JSON report, per-check SVG badges and Shields
endpoint JSON under ``badges/<page>/<id>``, and JUnit XML when asked (SPEC 6).

A check with results from other zones (SPEC 11) also gets ``badges/<page>/<id>/<zone>`` for
each zone, and its ``badges/<page>/<id>`` shows the worst of them, naming that zone: an
embedded badge turns red when any network fails."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path, PurePosixPath

from ..results import CheckResult, Report, iso_utc, sort_failures_first, utc_now
from .badges import badge_svg, cached_age, shields_endpoint
from .report import html_safe_json, junit_xml, write_report


def badge_stem(result: CheckResult) -> PurePosixPath:
    """``badges/ops/deploy/api-ready``: the page path without ``.md``, then the check id."""
    page = PurePosixPath(result.page)
    return PurePosixPath("badges") / page.with_suffix("") / result.id


def write_site_outputs(
    results: list[CheckResult],
    *,
    site_dir: Path,
    env: str,
    zone: str = "",
    started_at: str,
    report: str | None,
    junit: str | None,
    badges: bool = True,
) -> Report:
    finished_at = iso_utc(utc_now())
    run = Report(env=env, started_at=started_at, finished_at=finished_at, checks=results, zone=zone)
    if report:
        write_report(run, site_dir / report)
    if junit:
        target = site_dir / junit
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(junit_xml(run), encoding="utf-8")
    if badges:
        write_badges(results, site_dir, zone, made=set())
    return run


class BadgeWriter:
    """Writes each page's badge files on a thread of its own, page by page as they render, so
    that the disk works while MkDocs renders the next pages (two files a check cost a build
    of a thousand checks seconds at its end). ``finish`` waits for them all and raises what
    went wrong, as writing them at the end would have."""

    def __init__(self, site_dir: Path, zone: str) -> None:
        self._site_dir = site_dir
        self._zone = zone
        self._made: set[Path] = set()  # touched by the one writing thread only
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="runbook-badges")
        self._pending: list[Future[None]] = []

    def page(self, results: list[CheckResult]) -> None:
        """A page's shown results (every zone's); one check's all on one page."""
        if results:
            self._pending.append(
                self._executor.submit(write_badges, results, self._site_dir, self._zone, self._made)
            )

    def finish(self) -> None:
        try:
            for pending in self._pending:
                pending.result()
        finally:
            self._executor.shutdown(wait=True)
            self._pending = []


def write_badges(results: list[CheckResult], site_dir: Path, zone: str, made: set[Path]) -> None:
    """The badge files of ``results``, one check's zones together; ``made`` holds the folders
    known to exist (each is created once)."""
    by_check: dict[PurePosixPath, list[CheckResult]] = {}
    for result in results:
        by_check.setdefault(badge_stem(result), []).append(result)
    for stem, shown in by_check.items():
        if len(shown) == 1 and shown[0].zone in ("", zone):
            _write_badge(site_dir / stem, shown[0], made)
            continue
        for result in shown:
            _write_badge(site_dir / stem / (result.zone or zone), result, made)
        worst = sort_failures_first(shown)[0]
        _write_badge(site_dir / stem, worst, made, zone=worst.zone or zone)


def _write_badge(stem: Path, result: CheckResult, made: set[Path], zone: str = "") -> None:
    if stem.parent not in made:
        stem.parent.mkdir(parents=True, exist_ok=True)
        made.add(stem.parent)
    label, age = result.name, cached_age(result)
    value = f"{result.value} · {zone}" if zone else result.value
    # with_name, not with_suffix: a zone's name may hold a dot.
    stem.with_name(stem.name + ".svg").write_text(
        badge_svg(label, result.status, value, age), "utf-8"
    )
    endpoint = shields_endpoint(label, result.status, value, age)
    stem.with_name(stem.name + ".json").write_text(html_safe_json(endpoint) + "\n", "utf-8")
