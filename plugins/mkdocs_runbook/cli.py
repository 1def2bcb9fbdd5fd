"""The ``runbook`` command (SPEC section 7): ``check``, ``list``, ``history``, ``freshness``,
``alerts`` (SPEC 13), ``status-page`` and ``demo-target``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .engine import CheckItem, collect_each, filtered_out, run_checks, select, use_problem
from .errors import CheckDefinitionError, ConfigError
from .history_commands import add_parsers as add_history_parsers
from .history_commands import record_check_run, run_freshness, run_history
from .model import BrokenCheck
from .parse import load_catalog
from .project import Project, load_project
from .record import junit_xml, report_json, write_report
from .record.imports import import_results, report_files
from .render import Progress, print_table, status_page_markdown, wants_rich
from .results import Report, Status
from .run import WorkerPool
from .settings import parse_statuses, zone_name
from .text import counted, printable, printable_value
from .units import MAX_TIMEOUT_SECONDS, format_timeout, parse_duration

#: 5, as pytest exits when it collects nothing: a selection that matched no check.
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NOTHING_SELECTED = 0, 1, 2, 5

#: One line of ``runbook list``: a check, or a catalog problem (``kind: catalog``).
ListRow = dict[str, object]


#: Commands whose arguments come from modules of their own, too heavy to import for the others
#: (the demo service alone took 0.18 s): only the command being run loads its module.
_OWN_MODULE_COMMANDS = ("alerts", "demo-target")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; given the ``command`` being run, the other commands of
    ``_OWN_MODULE_COMMANDS`` get their one-line help without their arguments."""
    parser = argparse.ArgumentParser(
        prog="runbook", description="Run the check blocks of runbook Markdown files."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="run checks and report their status")
    _common(check)
    check.add_argument("--env", help="environment from mkdocs.yml (default: its env option)")
    check.add_argument(
        "--zone", help="where this run happens (default: $RUNBOOK_ZONE, zone option)"
    )
    check.add_argument("--tag", action="append", default=[], help="only checks with this tag")
    check.add_argument("--id", action="append", default=[], help="only this check (ID or PAGE::ID)")
    check.add_argument("--format", choices=("text", "json", "junit"), default="text")
    check.add_argument(
        "-o",
        "--output",
        type=Path,
        help="write the report to FILE (JSON; JUnit with --format junit)",
    )
    check.add_argument(
        "--concurrency", type=int, help="checks at once (default from mkdocs.yml: 32)"
    )
    check.add_argument(
        "--workers",
        type=int,
        help="processes that run the checks (default from mkdocs.yml: 1); the bounds hold "
        "across all of them",
    )
    check.add_argument("--timeout", help="per-attempt timeout, e.g. 5s or 500ms")
    check.add_argument(
        "--fail-on", default="fail,error", help="statuses that exit 1 (default: fail,error)"
    )

    listing = commands.add_parser("list", help="list the checks without running them")
    _common(listing)
    listing.add_argument("--format", choices=("text", "json"), default="text")

    status = commands.add_parser(
        "status-page",
        help="write the status page as Markdown from report files (sites without the plugin)",
    )
    status.add_argument("-f", "--config-file", help="mkdocs.yml to read settings from")
    status.add_argument(
        "--results",
        action="append",
        metavar="GLOB",
        help="report files to show (repeatable; default: runbook-checks.json)",
    )
    status.add_argument(
        "-o", "--output", type=Path, help="the page to write (default: DOCS_DIR/status.md)"
    )
    merge = commands.add_parser(
        "merge", help="merge report files into one (newest result per check and zone)"
    )
    merge.add_argument("reports", nargs="+", type=Path, metavar="REPORT", help="report files")
    merge.add_argument("-o", "--output", type=Path, required=True, help="the report to write")
    merge.add_argument("--env", help="keep reports of this env (default: the first report's)")
    add_history_parsers(commands)

    alerts = commands.add_parser("alerts", help="check that every alert's runbook exists and works")
    if command in (None, "alerts"):
        from .alerts import add_arguments as add_alerts_arguments

        add_alerts_arguments(alerts)

    demo = commands.add_parser("demo-target", help="run the bundled demo service")
    if command in (None, "demo-target"):
        from .demo import add_arguments

        add_arguments(demo)
    return parser


def _command_in(argv: Sequence[str]) -> str:
    """The command ``argv`` runs: its first word that is not an option ("" if none)."""
    words = [word for word in argv if not word.startswith("-")]
    return words[0] if words else ""


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders")
    parser.add_argument("-f", "--config-file", help="mkdocs.yml to read settings from")


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    args = build_parser(_command_in(words)).parse_args(words)
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "list":
            return _list(args)
        if args.command == "status-page":
            return _status_page(args)
        if args.command == "merge":
            return _merge(args)
        if args.command == "history":
            return run_history(args)
        if args.command == "freshness":
            return run_freshness(args)
        if args.command == "alerts":
            from .alerts import run_alerts

            project = load_project(args.config_file, env=args.env)
            return run_alerts(args, project.settings, project.site)
        from .demo import run_from_args

        return run_from_args(args)
    except ConfigError as exc:
        print(printable(f"runbook: error: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _load(args: argparse.Namespace) -> tuple[Project, list[CheckItem], list[str]]:
    """The project, its checks under the paths, and each path that holds no check."""
    project = load_project(args.config_file, env=getattr(args, "env", None), paths=args.paths)
    for warning in project.warnings:
        print(f"runbook: warning: {warning}", file=sys.stderr)
    paths = args.paths or project.default_paths()
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise ConfigError(f"no such file or folder: {', '.join(missing)}")
    items, empty = collect_each(paths, project.settings)
    return project, items, [f"{path} holds no check blocks" for path in empty]


def _nothing_selected(unmatched: list[str]) -> int:
    for sentence in unmatched:
        print(f"runbook: {sentence}", file=sys.stderr)
    return EXIT_NOTHING_SELECTED


def _check(args: argparse.Namespace) -> int:
    try:
        fail_on = parse_statuses(args.fail_on)
        timeout = parse_duration(args.timeout) if args.timeout else None
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if timeout is not None and not 0 < timeout <= MAX_TIMEOUT_SECONDS:
        limit = format_timeout(MAX_TIMEOUT_SECONDS)
        raise ConfigError(f"--timeout must be more than 0 and at most {limit}")
    if args.concurrency is not None and args.concurrency < 1:
        raise ConfigError("--concurrency must be at least 1")
    if args.workers is not None and args.workers < 1:
        raise ConfigError("--workers must be at least 1")
    # The worker starts now, while the pages are read and parsed: its own start-up (an
    # interpreter with asyncio, TLS and httpx) is over by the time the first check is sent.
    with WorkerPool(args.workers or 1) as workers:
        workers.start()
        return _check_with(args, fail_on, timeout, workers)


def _check_with(
    args: argparse.Namespace,
    fail_on: tuple[Status, ...],
    timeout: float | None,
    workers: WorkerPool,
) -> int:
    project, items, empty_paths = _load(args)
    settings = project.settings
    settings.timeout_override = timeout
    if args.concurrency is not None:
        settings.concurrency = args.concurrency
    if args.workers is not None:
        settings.workers = args.workers
    if args.zone:
        try:
            settings.zone = zone_name(args.zone, "--zone")
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    selection = select(items, tags=args.tag, ids=args.id)
    if empty_paths or selection.unmatched:
        return _nothing_selected(empty_paths + selection.unmatched)
    rich_output = args.format == "text" and wants_rich(sys.stdout)
    with Progress(len(selection.chosen), enabled=rich_output) as progress:
        report = run_checks(selection.chosen, settings, on_result=progress.advance, workers=workers)
    workers.close(wait=False)  # they end while the results are recorded and printed
    record_check_run(report, items, settings)
    filters = ", ".join([*(f"--tag {t}" for t in args.tag), *(f"--id {i}" for i in args.id)])
    report.checks += filtered_out(selection.dropped, filters, settings.env, settings.zone)
    _emit(report, args, rich_output)
    failing = [c for c in report.checks if c.status in fail_on]
    return EXIT_FAILED if failing else EXIT_OK


def _emit(report: Report, args: argparse.Namespace, rich_output: bool) -> None:
    if args.format == "json":
        text = report_json(report)
    elif args.format == "junit":
        text = junit_xml(report)
    else:
        print_table(report, rich_output=rich_output)
        if args.output:
            write_report(report, args.output)
        return
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def _list_row(
    item: CheckItem, problem: CheckDefinitionError | None, allow_commands: bool
) -> ListRow:
    row: ListRow = {"id": item.id, "name": item.name, "page": item.page, "line": item.line}
    if isinstance(item, BrokenCheck):
        error = _said(item.error, item)
        return {**row, "kind": "", "target": "", "tags": [], "error": error, "warnings": []}
    return {
        **row,
        "kind": item.kind or ("use" if item.use else ""),
        "target": item.target or item.use or "",
        "tags": list(item.tags),
        # A curl that only runs as a command is an error unless commands are allowed.
        "error": _said(problem, item)
        if problem
        else (item.command_reason if item.command_reason and not allow_commands else None),
        "warnings": list(item.notes),
    }


def _said(error: CheckDefinitionError, item: CheckItem) -> str:
    """The message, with the line it is about when that is not the block's first line."""
    if not error.line or (error.file, error.line) == (item.page, item.line):
        return error.message
    return f"{error.file or item.page}:{error.line}: {error.message}"


def _list(args: argparse.Namespace) -> int:
    """The offline lint (SPEC 7): every check, then broken blocks and catalog problems with
    file:line; exit 1 when there is a problem. Nothing is contacted."""
    project, items, empty_paths = _load(args)
    catalog = load_catalog(project.settings.catalog)
    allow_commands = project.settings.allow_commands
    rows = [_list_row(item, use_problem(item, catalog), allow_commands) for item in items]
    rows += [
        {
            "id": "",
            "name": "",
            "page": problem.file,
            "line": problem.line,
            "kind": "catalog",
            "target": "",
            "tags": [],
            "error": problem.message,
            "warnings": [],
        }
        for problem in catalog.problems
    ]
    # What a page says is shown, never acted on: no escape sequence reaches the terminal.
    rows = [printable_value(row) for row in rows]
    broken = sum(1 for row in rows if row["error"])
    if args.format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        _print_list(rows, broken)
    if empty_paths:
        return _nothing_selected(empty_paths)
    return EXIT_FAILED if broken else EXIT_OK


def _print_list(rows: list[ListRow], broken: int) -> None:
    for row in rows:
        where = f"{row['page']}:{row['line']}"
        target = str(row["target"]).strip()
        if "\n" in target:  # a command or console transcript: its first line says enough
            target = target.splitlines()[0] + " …"
        what = f"error: {row['error']}" if row["error"] else f"{row['kind']:8} {target}"
        print(f"{where:40} {row['id']:28} {what}")
        warnings = row["warnings"]
        for warning in warnings if isinstance(warnings, list) else ():
            print(f"{'':40} warning: {warning}")
    checks = sum(1 for row in rows if row["kind"] != "catalog")
    print(f"{counted(checks, 'check')}, {counted(broken, 'problem')}")


def _status_page(args: argparse.Namespace) -> int:
    project = load_project(args.config_file)
    base = project.config_file.parent if project.config_file else Path()
    files = report_files(args.results or ["runbook-checks.json"], base)
    imported = import_results(files, env=project.settings.env)
    for problem in [*imported.errors, *imported.warnings]:
        print(f"runbook: {problem}", file=sys.stderr)
    if not files:
        raise ConfigError(
            f"no report file matches {', '.join(args.results or ['runbook-checks.json'])}"
        )
    docs_dir = project.docs_dir or Path("docs")
    output: Path = args.output or docs_dir / "status.md"
    try:
        page = output.resolve().relative_to(docs_dir.resolve()).as_posix()
    except ValueError:
        page = output.name
    text = status_page_markdown(imported.results, env=project.settings.env, status_page=page)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output}: {len(imported.results)} checks from {len(files)} report file(s)")
    return EXIT_FAILED if imported.errors else EXIT_OK


def _merge(args: argparse.Namespace) -> int:
    """SPEC 11's merge rules, for CI steps that want one report: a report that cannot be read
    is named and exits 1, after the others are merged."""
    merged = import_results(args.reports, env=args.env, first_env=True)
    for problem in [*merged.errors, *merged.warnings]:
        print(f"runbook: {problem}", file=sys.stderr)
    write_report(merged.report(), args.output)
    print(f"wrote {args.output}: {len(merged.results)} results from {len(args.reports)} report(s)")
    return EXIT_FAILED if merged.errors else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
