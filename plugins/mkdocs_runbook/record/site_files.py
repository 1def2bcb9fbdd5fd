"""Files a site build leaves in ``site/``: the JSON report, per-check SVG badges and Shields
endpoint JSON under ``badges/<page>/<id>``, and JUnit XML when asked (SPEC 6).

A check with results from other zones (SPEC 11) also gets ``badges/<page>/<id>/<zone>`` for
each zone, and its ``badges/<page>/<id>`` shows the worst of them, naming that zone: an
embedded badge turns red when any network fails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from ..results import CheckResult, Report, iso_utc, sort_failures_first, utc_now
from .badges import badge_svg, cached_age, shields_endpoint
from .file_writer import FileWriter
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
) -> Report:
    """The report and JUnit XML; the badge files go through ``BadgeWriter`` page by page."""
    finished_at = iso_utc(utc_now())
    run = Report(env=env, started_at=started_at, finished_at=finished_at, checks=results, zone=zone)
    if report:
        write_report(run, site_dir / report)
    if junit:
        target = site_dir / junit
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(junit_xml(run), encoding="utf-8")
    return run


class BadgeWriter:
    """Each page's badge files, made as the page renders and written by a process of their
    own (``FileWriter``: a thread of MkDocs' process would wait on the GIL for every file), so
    the disk works while MkDocs renders the next pages. ``finish`` waits for them all and
    raises what went wrong. With a ``store`` folder each content is kept there once and the
    badge files are links to it: a badge that did not change costs no new file."""

    def __init__(self, site_dir: Path, zone: str, *, store: Path | None = None) -> None:
        self._zone = zone
        self._writer = FileWriter(site_dir, store)

    def page(self, results: list[CheckResult]) -> None:
        """A page's shown results (every zone's); one check's all on one page."""
        if results:
            self._writer.write(badge_files(results, self._zone))

    def finish(self) -> None:
        self._writer.finish()

    def stop(self) -> None:
        self._writer.stop()


def badge_files(results: list[CheckResult], zone: str) -> Iterator[tuple[PurePosixPath, str]]:
    """The badge files of ``results`` (names below the site folder, texts), one check's zones
    together: each zone's own, and the check's main badge showing the worst zone."""
    by_check: dict[PurePosixPath, list[CheckResult]] = {}
    for result in results:
        by_check.setdefault(badge_stem(result), []).append(result)
    for stem, shown in by_check.items():
        if len(shown) == 1 and shown[0].zone in ("", zone):
            yield from _badge(stem, shown[0])
            continue
        for result in shown:
            yield from _badge(stem / (result.zone or zone), result)
        worst = sort_failures_first(shown)[0]
        yield from _badge(stem, worst, zone=worst.zone or zone)


def _badge(
    stem: PurePosixPath, result: CheckResult, zone: str = ""
) -> Iterator[tuple[PurePosixPath, str]]:
    label, age = result.name, cached_age(result)
    value = f"{result.value} · {zone}" if zone else result.value
    # with_name, not with_suffix: a zone's name may hold a dot.
    yield stem.with_name(stem.name + ".svg"), badge_svg(label, result.status, value, age)
    endpoint = shields_endpoint(label, result.status, value, age)
    yield stem.with_name(stem.name + ".json"), html_safe_json(endpoint) + "\n"
