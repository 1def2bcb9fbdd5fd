"""``runbook alerts RULES...`` (SPEC 13): every alert's runbook, checked against the site."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

from ..engine import run_checks
from ..errors import ConfigError
from ..record.imports import import_results, report_files
from ..results import CheckResult
from ..settings import RunbookSettings, SiteSettings
from .assess import DEFAULT_FAIL_ON, LatestResults, assess, parse_problems
from .converted import ConvertedPage, SiteConverter
from .outline import PageOutline
from .output import AlertsReport, as_json, as_junit, as_text
from .rules import ReadError, expand_rule_paths, read_rules
from .site import SiteMap, SitePage

__all__ = ["add_arguments", "run_alerts"]

EXIT_OK, EXIT_FAILED = 0, 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "rules", nargs="+", metavar="RULES", help="rule files, folders of them, or globs"
    )
    parser.add_argument("-f", "--config-file", help="mkdocs.yml of the site the runbooks are on")
    parser.add_argument("--site-url", help="the site's published URL (default: site_url)")
    parser.add_argument("--format", choices=("text", "json", "junit"), default="text")
    parser.add_argument("-o", "--output", type=Path, help="write the output to FILE")
    parser.add_argument(
        "--fail-on",
        default=",".join(DEFAULT_FAIL_ON),
        help="problems that exit 1 (default: %(default)s)",
    )
    parser.add_argument(
        "--results",
        action="append",
        default=[],
        metavar="GLOB",
        help="JSON reports with the latest results (default: the import option)",
    )
    parser.add_argument("--run", action="store_true", help="run the checks of the linked pages now")
    parser.add_argument(
        "--from-history",
        action="store_true",
        help="also take the history store's newest result per check and zone (the history "
        "option: a shared PostgreSQL the zones record to)",
    )
    parser.add_argument("--env", help="environment from mkdocs.yml (default: its env option)")


def run_alerts(args: argparse.Namespace, settings: RunbookSettings, site: SiteSettings) -> int:
    """Assess every alert of ``args.rules``, print the outcome, return the exit status."""
    try:
        fail_on = parse_problems(args.fail_on)
    except ValueError as exc:
        raise ConfigError(f"--fail-on: {exc}") from None
    site_url = _site_url(args.site_url or site.site_url)
    if not site.docs_dir.is_dir():
        raise ConfigError(f"docs_dir {site.docs_dir.as_posix()} is not a folder")
    try:
        files = expand_rule_paths(args.rules)
    except FileNotFoundError as exc:
        raise ConfigError(str(exc)) from None
    rules = read_rules(files)
    site_map = SiteMap.scan(site, site_url)
    converter = SiteConverter(site, snippet_dirs=settings.snippet_paths)
    for warning in converter.warnings:
        print(f"runbook: warning: {warning}", file=sys.stderr)
    converted: dict[str, ConvertedPage] = {}

    def page_of(page: SitePage) -> ConvertedPage:
        if page.src_uri not in converted:
            try:
                converted[page.src_uri] = converter.convert(page.src_uri)
            except ConfigError as exc:  # that page's alerts are judged on an empty page
                rules.errors.append(ReadError(page.src_uri, 0, str(exc)))
                converted[page.src_uri] = ConvertedPage(PageOutline())
        return converted[page.src_uri]

    latest = LatestResults(site_map, _docs_prefixes(site.docs_dir, settings.base_dir))
    latest.add(_imported_results(args.results, settings))
    if args.from_history:
        latest.add(_recorded_results(settings))
    if args.run:
        linked = {
            location.page.src_uri: location.page
            for alert in rules.alerts
            if alert.runbook_url is not None
            and (location := site_map.locate(alert.runbook_url)).page is not None
        }
        items = [item for page in linked.values() for item in page_of(page).items]
        latest.add(run_checks(items, settings).checks)

    verdicts = [
        assess(
            alert,
            site_map,
            lambda page: page_of(page).outline,
            latest,
            stale_after=settings.stale_after,
        )
        for alert in rules.alerts
    ]
    report = AlertsReport(site_url, verdicts, rules.errors, rules.files, fail_on)
    text = {"json": as_json, "junit": as_junit}.get(args.format, as_text)(report)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_FAILED if report.failed else EXIT_OK


def _imported_results(patterns: list[str], settings: RunbookSettings) -> list[CheckResult]:
    """The results of ``--results`` (relative to here), else of ``import`` (relative to
    mkdocs.yml); what cannot be read is a warning naming the file."""
    base = Path() if patterns else settings.base_dir
    files = []
    for pattern in patterns or settings.imports:
        matched = report_files([pattern], base)
        if not matched:
            print(f"runbook: warning: {pattern}: no report matches", file=sys.stderr)
        files += [file for file in matched if file not in files]
    imported = import_results(files, env=settings.env)
    for problem in [*imported.errors, *imported.warnings]:
        print(f"runbook: warning: {problem}", file=sys.stderr)
    return imported.results


def _recorded_results(settings: RunbookSettings) -> list[CheckResult]:
    """The history store's newest result per check and zone; a store that cannot be read is a
    warning, and the alerts are judged on the other results."""
    if settings.history is None:
        raise ConfigError("--from-history: the history option is off (null) in mkdocs.yml")
    from ..record.history import read_latest_results  # SQLAlchemy only when it is used

    recorded: list[CheckResult]
    recorded, problem = read_latest_results(settings)
    if problem:
        print(f"runbook: warning: history: {problem}", file=sys.stderr)
    return recorded


def _site_url(url: str | None) -> str:
    if not url:
        raise ConfigError("no site URL: set site_url in mkdocs.yml or pass --site-url")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"site URL {url!r} is not an http(s) URL")
    return url


def _docs_prefixes(docs_dir: Path, config_dir: Path) -> list[str]:
    """How a report may name docs_dir: from here, from mkdocs.yml's folder, or absolute."""
    absolute = docs_dir.resolve()
    prefixes = [absolute.as_posix()]
    for base in (Path.cwd(), config_dir):
        prefixes.append(Path(os.path.relpath(absolute, base.resolve())).as_posix())
    return prefixes
