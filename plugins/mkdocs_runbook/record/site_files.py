"""Files a site build leaves in ``site/``: the JSON report, per-check SVG badges and Shields
endpoint JSON under ``badges/<page>/<id>``, and JUnit XML when asked (SPEC 6)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from ..results import CheckResult, Report, iso_utc, utc_now
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
    for result in results if badges else ():
        stem = site_dir / badge_stem(result)
        stem.parent.mkdir(parents=True, exist_ok=True)
        label, value, age = result.name, result.value, cached_age(result)
        stem.with_suffix(".svg").write_text(badge_svg(label, result.status, value, age), "utf-8")
        endpoint = shields_endpoint(label, result.status, value, age)
        stem.with_suffix(".json").write_text(html_safe_json(endpoint) + "\n", "utf-8")
    return run
