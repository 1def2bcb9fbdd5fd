"""``pytest --runbook PATH...``: every check of the runbooks as a test item (SPEC section 7).

How it works
------------
*Inert without the option.* The module-level hooks only add the options; ``pytest_configure``
registers a :class:`RunbookRun`, which carries every other hook, only when ``--runbook`` is
given, and the engine (httpx, mkdocs, …) is imported only then: the plugin is installed for
every pytest run on the machine, including our own test suite.

*Collection.* The runbook paths are appended to pytest's own arguments, so they are collected
whether or not they are also in ``testpaths`` or on the command line (pytest collects an
overlapping path once). ``pytest_collect_file`` turns each ``.md`` file under them into a
:class:`RunbookFile`, whose items are that file's checks as ``engine.collect`` finds them, the
same finder the site build and ``runbook check`` use. A node id is ``PATH::ID``; the check's
name, its tags and ``runbook`` are keywords, so ``-k`` selects by id, name or tag and
``-m runbook`` / ``-m "not runbook"`` split checks from tests.

*Running.* Checks wait on the network, so they run concurrently on one
:class:`~mkdocs_runbook.background.BackgroundLoop` with one ``CheckRunner`` (which bounds them
by ``concurrency`` and ``per_host`` and runs a check shared by several pages once). Each item
waits only for its own future. Submission is lazy, at the first runbook item the session runs:
only then is the selection final (``-k``, ``-m``, ``--lf``, other plugins' deselection), and
``--collect-only`` runs nothing. What gets submitted is every runbook item *this process will
run* that is not submitted yet:

- without xdist, all of ``session.items``;
- on an xdist worker, ``session.items`` is the *whole* collection, of which the controller
  hands the worker indices in batches while the run goes on. Submitting ``session.items`` there
  would run every check once per worker. So a worker submits the item at hand, the next one and
  those already queued for it (read from xdist's worker queue, see :func:`_xdist_queued`); a
  later batch is submitted when its first item starts. A worker never runs a check it was not
  given (except under ``--dist worksteal``, when xdist takes back a queued item that already
  ran here: it runs again on the other worker).

*Outcomes.* ``fail`` raises in ``runtest`` and is shown by :meth:`RunbookItem.repr_failure`
(target, each assertion with expected and actual, the message); ``error`` fails in ``setup``,
so pytest counts an error, with ``file:line``; ``skip`` skips with the reason at the check's
``file:line``; ``warn`` passes, shows as ``WARN`` and is listed under "runbook warnings" in the
terminal summary. Every item records the user properties ``status``, ``value``, ``target`` (and
``message``), which ``--junitxml`` writes per test case.

*History.* Each runbook item's setup report carries its result (``runbook_result``, plain
JSON, so xdist hands it to the controller) and its page's check ids. The process that sees
every report (the controller under xdist, else the only one) records the session as one run
in the history store at ``pytest_sessionfinish``; a store problem is listed under "runbook
history" in the terminal summary.

*Measuring.* The loop only waits: the checks run in check worker processes (``WorkerPool``,
``workers`` of them, the bounds holding across them), as in a site build and ``runbook check``,
so pytest's own work never stretches a measurement.

*Shutdown.* ``pytest_sessionfinish`` cancels what still runs (``-x``, Ctrl-C), ends the
runner, stops the loop and the workers.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .model import CheckSpec
from .results import CheckResult, Status, iso_utc, utc_now
from .text import printable

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr, TracebackStyle

    from .engine import CheckItem
    from .project import Project
    from .run import BackgroundLoop, CheckRunner, WorkerPool

MARKER = "runbook"
_RUN = pytest.StashKey["RunbookRun"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("runbook", "runbook checks (mkdocs-runbook)")
    group.addoption(
        "--runbook",
        dest="runbook_paths",
        nargs="+",
        action="extend",
        default=[],
        metavar="PATH",
        help="run the check blocks of these Markdown files or folders as tests",
    )
    group.addoption(
        "--runbook-env",
        metavar="NAME",
        help="environment from mkdocs.yml to run the checks against (default: its env option)",
    )
    group.addoption(
        "--runbook-config",
        metavar="FILE",
        help="mkdocs.yml to read the runbook settings from "
        "(default: found walking up from the first PATH, then the working directory)",
    )


def pytest_configure(config: pytest.Config) -> None:
    paths: list[str] = config.getoption("runbook_paths")
    if not paths:
        return
    config.addinivalue_line("markers", f"{MARKER}: a check block run by pytest --runbook")
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise pytest.UsageError(f"--runbook: no such file or folder: {', '.join(missing)}")
    from .errors import RunbookError
    from .project import load_project

    try:
        project = load_project(
            config.getoption("runbook_config"),
            env=config.getoption("runbook_env"),
            paths=[Path(p) for p in paths],
        )
        run = RunbookRun(project, [Path(p) for p in paths])
    except RunbookError as exc:
        raise pytest.UsageError(f"--runbook: {exc}") from None
    for warning in project.warnings:
        config.issue_config_time_warning(pytest.PytestConfigWarning(warning), stacklevel=2)
    config.args.extend(p for p in paths if p not in config.args)
    config.stash[_RUN] = run
    config.pluginmanager.register(run, "runbook-run")


class CheckFailed(Exception):
    """Raised by ``runtest`` for a ``fail`` result; ``repr_failure`` renders the result."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__(result.message)
        self.result = result


class RunbookFile(pytest.File):
    """A Markdown file under a ``--runbook`` path; its items are its checks."""

    def collect(self) -> Iterable[RunbookItem]:
        from .engine import collect
        from .errors import RunbookError

        run = self.config.stash[_RUN]
        try:
            checks = collect([_relative_to_cwd(self.path)], run.settings, roots=run.folders)
        except RunbookError as exc:  # unreadable or not UTF-8; the message names the file
            raise self.CollectError(str(exc)) from None
        page_checks = [check.id for check in checks]
        for check in checks:
            item = RunbookItem.from_parent(self, name=check.id, check=check)
            item.page_checks = page_checks
            yield item


class RunbookItem(pytest.Item):
    """One check. Setup waits for its result (submitted with the session's other checks)."""

    def __init__(self, *, check: CheckItem, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.result: CheckResult | None = None
        #: The ids of every check on this item's page, for "fully verified" in history.
        self.page_checks: list[str] = []
        self.add_marker(MARKER)
        self.extra_keyword_matches.update(
            [MARKER, check.name, *(check.tags if isinstance(check, CheckSpec) else [])]
        )

    @property
    def where(self) -> str:
        """``docs/ops.md:12``: the check's place as pytest shows the file."""
        return f"{self.location[0]}:{self.check.line}"

    def setup(self) -> None:
        result = self.config.stash[_RUN].result_of(self)
        self.result = result
        self.user_properties += [
            ("status", result.status.value),
            ("value", result.value),
            ("target", result.target),
        ]
        if result.message:
            self.user_properties.append(("message", result.message))
        if result.status is Status.ERROR:
            pytest.fail(describe(result, self.where), pytrace=False)
        if result.status is Status.SKIP:
            pytest.skip(result.message or "skipped")

    def runtest(self) -> None:
        if self.result is not None and self.result.status is Status.FAIL:
            raise CheckFailed(self.result)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: TracebackStyle | None = None
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, CheckFailed):
            return describe(excinfo.value.result, self.where)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.check.line - 1, self.check.name


class RunbookRun:
    """The plugin object of a ``--runbook`` session: collects, schedules and reports checks."""

    def __init__(self, project: Project, paths: list[Path]) -> None:
        from .engine import make_runner
        from .run import WorkerPool

        self.settings = project.settings
        self.config_file = project.config_file
        self.paths = [p.resolve() for p in paths]
        #: Without a docs_dir, a page is named relative to the --runbook folder holding it.
        self.folders = [p for p in self.paths if p.is_dir()]
        # Started at the first check (``--collect-only`` starts none).
        self._workers: WorkerPool = WorkerPool(self.settings.workers)
        # Built now so that a broken catalog is a usage error before anything is collected.
        self._runner: CheckRunner = make_runner(self.settings, workers=self._workers)
        self._loop: BackgroundLoop | None = None
        self._futures: dict[str, Future[CheckResult]] = {}
        self._warned: list[tuple[str, str]] = []
        self._started_at = iso_utc(utc_now())
        self._results: dict[str, CheckResult] = {}
        self._expected: dict[str, list[str]] = {}
        self._history_problems: list[str] = []

    # -- collecting ----------------------------------------------------------------------------

    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector) -> RunbookFile | None:
        if file_path.suffix != ".md":
            return None
        real = file_path.resolve()
        if any(real.is_relative_to(p) for p in self.paths):
            return RunbookFile.from_parent(parent, path=file_path)
        return None

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        # Every secret the collected checks name is masked in every result, even a result
        # that comes before the check naming it has run.
        self._runner.learn(item.check for item in session.items if isinstance(item, RunbookItem))

    def pytest_report_header(self) -> str:
        source = self.config_file or "defaults (no mkdocs.yml)"
        return f"runbook: env {self.settings.env}, settings from {source}"

    # -- running -------------------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> None:
        if not isinstance(item, RunbookItem):
            return
        session = item.session
        if hasattr(session.config, "workerinput"):
            queued = [session.items[i] for i in _xdist_queued(session.config)]
            upcoming = [item, *([nextitem] if nextitem is not None else []), *queued]
        else:
            upcoming = session.items
        self._submit(i for i in upcoming if isinstance(i, RunbookItem))

    def result_of(self, item: RunbookItem) -> CheckResult:
        self._submit([item])
        return self._futures[item.nodeid].result()

    def _submit(self, items: Iterable[RunbookItem]) -> None:
        for item in items:
            if item.nodeid in self._futures:
                continue
            if self._loop is None:
                from .run import BackgroundLoop

                self._loop = BackgroundLoop("runbook-pytest")
            self._futures[item.nodeid] = self._loop.submit(self._runner.run(item.check))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if isinstance(item, RunbookItem) and report.when == "setup" and item.result is not None:
            # Plain JSON on the report: xdist carries it to the controller, which records.
            report.runbook_result = item.result.to_dict()  # type: ignore[attr-defined]
            report.runbook_page_checks = item.page_checks  # type: ignore[attr-defined]
        if isinstance(item, RunbookItem) and report.skipped and isinstance(report.longrepr, tuple):
            # Point the skip at the check in the Markdown, not at this module's pytest.skip().
            report.longrepr = (str(item.path), item.check.line, report.longrepr[2])
        return report

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not hasattr(session.config, "workerinput"):
            self._record_history()
        if self._loop is not None:
            self._loop.call(_cancel_and_close(self._runner), timeout=30)
            self._loop.stop()
            self._loop = None
        self._workers.close()

    # -- reporting -----------------------------------------------------------------------------

    def _record_history(self) -> None:
        from .engine import record_history

        outcome = record_history(
            self.settings,
            trigger="pytest",
            started_at=self._started_at,
            finished_at=iso_utc(utc_now()),
            results=list(self._results.values()),
            expected=self._expected,
        )
        self._history_problems = outcome.problems

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # Reports, not items: under xdist the controller has no items, only the reports.
        carried = getattr(report, "runbook_result", None)
        if report.when == "setup" and isinstance(carried, dict):
            result = CheckResult.from_dict(carried)
            self._results[result.key] = result
            self._expected[result.page] = list(getattr(report, "runbook_page_checks", []))
        if report.when == "call" and _status(report) == Status.WARN.value:
            message = dict(report.user_properties).get("message", "")
            self._warned.append((report.nodeid, str(message)))

    def pytest_report_teststatus(
        self, report: pytest.TestReport
    ) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
        if report.when == "call" and report.passed and _status(report) == Status.WARN.value:
            return "passed", "W", ("WARN", {"yellow": True})
        return None

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self._history_problems:
            terminalreporter.section("runbook history", sep="-", yellow=True)
            for problem in self._history_problems:
                terminalreporter.line(printable(problem))
        if not self._warned:
            return
        terminalreporter.section("runbook warnings", sep="-", yellow=True)
        for nodeid, message in self._warned:
            terminalreporter.line(f"{nodeid}: {printable(message)}")


def describe(result: CheckResult, where: str) -> str:
    """The failure text: headline, target, each assertion with expected and actual, message."""
    from .record import assertion_lines

    headline = f"{where}: {result.name}: {result.status.value}"
    if result.value:
        headline += f" · {result.value}"
    if result.attempts > 1:
        headline += f" (after {result.attempts} attempts)"
    missed = [a.message for a in result.assertions if not a.ok]
    # The message usually repeats the first missed assertion's, which is already on its line.
    table = assertion_lines(replace(result, message="") if result.message in missed else result)
    parts = [headline, table]
    if result.detail:
        parts.append(f"detail:\n{result.detail}")
    return printable("\n".join(p for p in parts if p))


def _status(report: pytest.TestReport) -> str | None:
    if MARKER not in report.keywords:
        return None
    status = dict(report.user_properties).get("status")
    return None if status is None else str(status)


def _relative_to_cwd(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _xdist_queued(config: pytest.Config) -> list[int]:
    """Indices of the items xdist's controller has sent this worker and it has not started.

    xdist has no public API for this; its worker keeps them in ``WorkerInteractor.torun``, a
    queue with a ``lock()`` (xdist 3.6+). When that is not found, the answer is ``[]`` and
    checks run as their items come: still correct, only less concurrent.
    """
    for plugin in config.pluginmanager.get_plugins():
        lock = getattr(getattr(plugin, "torun", None), "lock", None)
        if not callable(lock):
            continue
        try:
            with lock() as pending:
                return [i for i in pending if isinstance(i, int)]
        except Exception:  # a private structure changed shape: fall back, never fail the run
            return []
    return []


async def _cancel_and_close(runner: CheckRunner) -> None:
    import asyncio

    current = asyncio.current_task()
    unfinished = [task for task in asyncio.all_tasks() if task is not current]
    for task in unfinished:
        task.cancel()
    await asyncio.gather(*unfinished, return_exceptions=True)
    await runner.aclose()
