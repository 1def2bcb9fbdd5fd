"""The ``runbook`` command (SPEC section 7): ``check``, ``list`` and ``demo-target``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .engine import CheckItem, collect, filtered_out, run_checks, select
from .errors import ConfigError
from .model import BrokenCheck
from .project import Project, load_project
from .record import html_safe_json, junit_xml, write_report
from .record.imports import import_results, report_files
from .render import Progress, print_table, status_page_markdown, wants_rich
from .results import Report
from .settings import parse_statuses
from .text import printable, printable_value
from .units import parse_duration

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="runbook", description="Run the check blocks of runbook Markdown files."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="run checks and report their status")
    _common(check)
    check.add_argument("--env", help="environment from mkdocs.yml (default: its env option)")
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

    demo = commands.add_parser("demo-target", help="run the bundled demo service")
    from .demo import add_arguments

    add_arguments(demo)
    return parser


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders")
    parser.add_argument("-f", "--config-file", help="mkdocs.yml to read settings from")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "list":
            return _list(args)
        if args.command == "status-page":
            return _status_page(args)
        from .demo import run_from_args

        return run_from_args(args)
    except ConfigError as exc:
        print(printable(f"runbook: error: {exc}"), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _load(args: argparse.Namespace) -> tuple[Project, list[CheckItem]]:
    project = load_project(args.config_file, env=getattr(args, "env", None))
    paths = args.paths or project.default_paths()
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise ConfigError(f"no such file or folder: {', '.join(missing)}")
    return project, collect(paths, project.settings)


def _check(args: argparse.Namespace) -> int:
    try:
        fail_on = parse_statuses(args.fail_on)
        timeout = parse_duration(args.timeout) if args.timeout else None
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if args.concurrency is not None and args.concurrency < 1:
        raise ConfigError("--concurrency must be at least 1")
    if args.workers is not None and args.workers < 1:
        raise ConfigError("--workers must be at least 1")
    project, items = _load(args)
    settings = project.settings
    if timeout is not None:
        settings.timeout = timeout
    if args.concurrency is not None:
        settings.concurrency = args.concurrency
    if args.workers is not None:
        settings.workers = args.workers
    chosen, dropped = select(items, tags=args.tag, ids=args.id)
    rich_output = args.format == "text" and wants_rich(sys.stdout)
    with Progress(len(chosen), enabled=rich_output) as progress:
        report = run_checks(chosen, settings, on_result=progress.advance)
    filters = ", ".join([*(f"--tag {t}" for t in args.tag), *(f"--id {i}" for i in args.id)])
    report.checks += filtered_out(dropped, filters, settings.env)
    _emit(report, args, rich_output)
    failing = [c for c in report.checks if c.status in fail_on]
    return EXIT_FAILED if failing else EXIT_OK


def _emit(report: Report, args: argparse.Namespace, rich_output: bool) -> None:
    if args.format == "json":
        text = html_safe_json(report.to_dict(), indent=2) + "\n"
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


def _list_fields(item: CheckItem, allow_commands: bool) -> dict[str, object]:
    if isinstance(item, BrokenCheck):
        return {"kind": "", "target": "", "tags": [], "error": str(item.error), "warnings": []}
    return {
        "kind": item.kind or ("use" if item.use else ""),
        "target": item.target or item.use or "",
        "tags": list(item.tags),
        # A curl that only runs as a command: an error unless commands are allowed.
        "error": item.command_reason if item.command_reason and not allow_commands else None,
        "warnings": list(item.notes),
    }


def _list(args: argparse.Namespace) -> int:
    project, items = _load(args)
    # What a page says is shown, never acted on: no escape sequence reaches the terminal.
    rows = [
        printable_value(
            {
                "id": item.id,
                "name": item.name,
                "page": item.page,
                "line": item.line,
                **_list_fields(item, project.settings.allow_commands),
            }
        )
        for item in items
    ]
    if args.format == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
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
    print(f"{len(rows)} checks")
    return EXIT_OK


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


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
