"""Files a site build leaves in ``site/``: the JSON report, per-check SVG badges and Shields
endpoint JSON under ``badges/<page>/<id>``, and JUnit XML when asked (SPEC 6).

A check with results from other zones (SPEC 11) also gets ``badges/<page>/<id>/<zone>`` for
each zone, and its ``badges/<page>/<id>`` shows the worst of them, naming that zone: an
embedded badge turns red when any network fails."""

from __future__ import annotations

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
        _write_badges(results, site_dir, zone)
    return run


def _write_badges(results: list[CheckResult], site_dir: Path, zone: str) -> None:
    by_check: dict[PurePosixPath, list[CheckResult]] = {}
    for result in results:
        by_check.setdefault(badge_stem(result), []).append(result)
    made: set[Path] = set()
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
