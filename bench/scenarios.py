"""The benchmark's scenarios and how each one is measured.

Every scenario builds the same pages in several ways ("contenders"), one fresh child process per
build, in alternation (A, B, C, A, B, C, …) so that a slow minute on a shared machine hurts all
contenders alike. Each contender is built once before measuring, unmeasured: that warms the
bytecode and file caches, and in scenario 3 the plugin's result cache.
"""

from __future__ import annotations

import json
import math
import shutil
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from measure import BuildFailed, ChildRun, mkdocs_build, runbook_check, serve_rebuilds
from target import LatencyTarget, latency

from sites import BenchSite, SiteShape, Variant, write_site

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Contender:
    label: str
    variant: Variant
    runbook_options: dict[str, Any] = field(default_factory=dict)
    informational: bool = False  # a non-default configuration, measured for insight
    #: ``mkdocs build`` of the site, or ``runbook check`` of its docs.
    command: Literal["build", "check"] = "build"

    @property
    def slug(self) -> str:
        return "".join(c if c.isalnum() else "-" for c in self.label).strip("-")


RUNBOOK = Contender("runbook", Variant.RUNBOOK)
PLAIN = Contender("plain", Variant.PLAIN)
MARKDOWN_EXEC = Contender("markdown-exec", Variant.MARKDOWN_EXEC)
# All benchmark checks hit one host, so the default per_host (8) bounds them, not concurrency.
RUNBOOK_PER_HOST_32 = Contender(
    "runbook per_host=32", Variant.RUNBOOK, {"per_host": 32}, informational=True
)
# Scenario 3: every result comes from a warm cache that stays fresh for the whole run.
RUNBOOK_CACHED = Contender("runbook", Variant.RUNBOOK, {"run": "cached", "cache_ttl": "1d"})
# Scenarios 6 and 7 spread the checks over 50 hosts (ports of 127.0.0.1). per_host 32 lets
# concurrency (32) alone bound them, whether hosts are told apart by port or by address.
WIDE = {"per_host": 32}
RUNBOOK_WIDE = Contender("runbook", Variant.RUNBOOK, WIDE)
RUNBOOK_CHECK_WIDE = Contender("runbook check", Variant.RUNBOOK, WIDE, command="check")
# Scenario 7 at the default concurrency (32) cannot be faster than 1,000 / 32 rounds × 50 ms =
# 1.56 s of checks, above its target of plain + 1 s. This row runs 64 at once (16 rounds:
# 0.8 s), under the target, so what it shows against the target is the plugin's own cost.
RUNBOOK_WIDE_64 = Contender(
    "runbook concurrency=64",
    Variant.RUNBOOK,
    {**WIDE, "concurrency": 64},
    informational=True,
)
# Scenario 8: one host, per_host 32: only the rounds of 32 checks bound the time.
RUNBOOK_ONE_HOST_32 = Contender("runbook", Variant.RUNBOOK, {"per_host": 32})


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    shape: SiteShape
    latency_s: float
    contenders: tuple[Contender, ...]
    serve: bool = False  # time serve rebuilds instead of whole `mkdocs build` runs
    cached: bool = False  # every measured check must come from the cache
    fidelity: bool = False  # compare each shown latency with the target's own time
    #: Every build starts as on a fresh clone in CI: no ``.cache/`` (result cache, history,
    #: highlighted sources, kept badge copies) and no ``site/`` from a build before.
    fresh: bool = False


@dataclass
class RunRecord:
    wall_s: float
    peak_rss_mb: float
    target_hits: int
    checks_passed: int | None = None
    rebuilds_s: list[float] = field(default_factory=list)
    live_checks: list[int | None] = field(default_factory=list)
    #: Fidelity: per check, the latency shown minus the server's own time, in ms.
    excess_ms: list[float] = field(default_factory=list)
    #: CPU of the build's process and every process it waited for; none for serve rebuilds
    #: (timed inside a session that also serves).
    cpu_s: float | None = None


@dataclass
class ScenarioResult:
    scenario: Scenario
    runs: dict[str, list[RunRecord]] = field(default_factory=dict)

    def median_s(self, label: str) -> float:
        return statistics.median(run.wall_s for run in self.runs[label])

    def median_peak_mb(self, label: str) -> float:
        return statistics.median(run.peak_rss_mb for run in self.runs[label])

    def median_cpu_s(self, label: str) -> float | None:
        cpu = [run.cpu_s for run in self.runs[label] if run.cpu_s is not None]
        return statistics.median(cpu) if cpu else None

    def excess_percentiles(self, label: str) -> tuple[float, float] | None:
        """p50 and p99 of (shown latency − server time) over every check of every run."""
        excess = sorted(ms for run in self.runs[label] for ms in run.excess_ms)
        if not excess:
            return None
        return _percentile(excess, 50), _percentile(excess, 99)

    def to_json(self) -> dict[str, Any]:
        scenario = self.scenario
        return {
            "title": scenario.title,
            "pages": scenario.shape.pages,
            "checks": scenario.shape.checks,
            "latency_ms": round(scenario.latency_s * 1000),
            "measured": "serve rebuild (in process)" if scenario.serve else "mkdocs build",
            "median_s": {label: round(self.median_s(label), 4) for label in self.runs},
            "median_peak_rss_mb": {
                label: round(self.median_peak_mb(label), 1) for label in self.runs
            },
            "median_cpu_s": {
                label: round(cpu, 3)
                for label in self.runs
                if (cpu := self.median_cpu_s(label)) is not None
            },
            "hosts": scenario.shape.hosts,
            "informational": [c.label for c in scenario.contenders if c.informational],
            "excess_ms_p50_p99": {
                label: [round(value, 2) for value in percentiles]
                for label in self.runs
                if (percentiles := self.excess_percentiles(label)) is not None
            },
            "runs": {label: [_run_json(run) for run in runs] for label, runs in self.runs.items()},
        }


def _run_json(run: RunRecord) -> dict[str, Any]:
    data = dict(vars(run))
    data["excess_ms"] = [round(ms, 2) for ms in run.excess_ms]
    return data


def _cpu_text(cpu_s: float | None) -> str:
    return "—" if cpu_s is None else f"{cpu_s:.2f} s"


def _percentile(ordered: list[float], percent: float) -> float:
    """The nearest-rank percentile of sorted values."""
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def scenarios(*, quick: bool, include_slow: bool) -> list[Scenario]:
    """The scenarios of issues 9 and 14 (``quick``: the same shapes, shrunk to a smoke test)."""
    small = SiteShape(3, 3) if quick else SiteShape(10, 10)
    thousand = SiteShape(4, 5) if quick else SiteShape(50, 20)
    wide = SiteShape(4, 5, hosts=5) if quick else SiteShape(50, 20, hosts=50)
    large = SiteShape(10, 5) if quick else SiteShape(200, 5)
    small_latency = 0.02 if quick else 0.1
    thousand_latency = 0.01 if quick else 0.05
    scenario_2 = [RUNBOOK, PLAIN, RUNBOOK_PER_HOST_32]
    if include_slow:
        scenario_2.append(MARKDOWN_EXEC)
    return [
        Scenario(
            "1",
            f"{small.pages} pages × {small.checks_per_page} checks, live, "
            f"{small_latency * 1000:.0f} ms",
            small,
            small_latency,
            (RUNBOOK, PLAIN, MARKDOWN_EXEC, RUNBOOK_PER_HOST_32),
        ),
        Scenario(
            "2",
            f"{thousand.pages} pages × {thousand.checks_per_page} checks, live, "
            f"{thousand_latency * 1000:.0f} ms",
            thousand,
            thousand_latency,
            tuple(scenario_2),
        ),
        Scenario(
            "3",
            f"{large.pages} pages, {large.checks} checks, all cached (run: cached)",
            large,
            0.01 if quick else 0.05,
            (RUNBOOK_CACHED, PLAIN),
            cached=True,
        ),
        Scenario(
            "4",
            f"serve rebuild after a prose edit, {large.pages} pages, {large.checks} checks cached",
            large,
            0.01 if quick else 0.05,
            (RUNBOOK, PLAIN),
            serve=True,
            cached=True,
        ),
        Scenario(
            "6",
            f"fidelity: {wide.checks} checks over {wide.hosts} hosts answering in 20 ms",
            wide,
            0.02,
            (RUNBOOK_WIDE, RUNBOOK_CHECK_WIDE, PLAIN),
            fidelity=True,
        ),
        Scenario(
            "7",
            f"{wide.checks} checks over {wide.hosts} hosts, live, {thousand_latency * 1000:.0f} ms",
            wide,
            thousand_latency,
            (RUNBOOK_WIDE, PLAIN, RUNBOOK_WIDE_64),
        ),
        Scenario(
            "8",
            f"{thousand.checks} checks on one host, per_host 32, live, "
            f"{thousand_latency * 1000:.0f} ms",
            thousand,
            thousand_latency,
            (RUNBOOK_ONE_HOST_32, PLAIN),
        ),
        Scenario(
            "9",
            f"first build of a fresh clone (no .cache/): {wide.checks} checks over "
            f"{wide.hosts} hosts, live, {thousand_latency * 1000:.0f} ms",
            wide,
            thousand_latency,
            (RUNBOOK_WIDE, PLAIN),
            fresh=True,
        ),
    ]


@dataclass(frozen=True)
class Bench:
    """What every scenario run needs: where to write, the target, the children's settings."""

    workdir: Path
    target: LatencyTarget
    env: dict[str, str]
    repeat: int
    rebuilds: int
    progress: Progress

    def run(self, scenario: Scenario) -> ScenarioResult:
        with latency(self.target, scenario.latency_s):
            sites = [
                write_site(
                    self.workdir / f"scenario-{scenario.key}" / contender.slug,
                    contender.variant,
                    scenario.shape,
                    self.target.urls,
                    runbook_options=contender.runbook_options,
                )
                for contender in scenario.contenders
            ]
            timeout = 120 + 3 * scenario.shape.checks * scenario.latency_s
            for contender, site in zip(scenario.contenders, sites, strict=True):
                self.progress(f"scenario {scenario.key}: warming up {contender.label}")
                self._build(site, contender, timeout, fresh=scenario.fresh)
            result = ScenarioResult(scenario, {c.label: [] for c in scenario.contenders})
            for repetition in range(self.repeat):
                for contender, site in zip(scenario.contenders, sites, strict=True):
                    if scenario.serve:
                        record = self._serve_rebuilds(site, timeout)
                    else:
                        record = self._build(site, contender, timeout, fresh=scenario.fresh)
                        if scenario.fidelity and site.variant is Variant.RUNBOOK:
                            record.excess_ms = self._excess_ms(site, contender)
                    if scenario.cached:
                        _require_all_cached(site, record)
                    result.runs[contender.label].append(record)
                    fidelity = ""
                    if record.excess_ms:
                        ordered = sorted(record.excess_ms)
                        fidelity = (
                            f"  excess p50 {_percentile(ordered, 50):.1f} ms"
                            f" p99 {_percentile(ordered, 99):.1f} ms"
                        )
                    self.progress(
                        f"scenario {scenario.key} run {repetition + 1}/{self.repeat}: "
                        f"{contender.label:<20} {record.wall_s:7.3f} s  "
                        f"{record.peak_rss_mb:6.1f} MB  {_cpu_text(record.cpu_s):>7} CPU  "
                        f"{record.target_hits} requests{fidelity}"
                    )
        return result

    def _build(
        self, site: BenchSite, contender: Contender, timeout: float, *, fresh: bool = False
    ) -> RunRecord:
        if fresh:  # before the timed process starts
            shutil.rmtree(site.root / ".cache", ignore_errors=True)
            shutil.rmtree(site.site_dir, ignore_errors=True)
        hits_before = self.target.hits
        self.target.take_server_times()
        run: ChildRun
        if contender.command == "check":
            run = runbook_check(site.root, _cli_report(site), env=self.env, timeout=timeout)
        else:
            run = mkdocs_build(site.config_file, env=self.env, timeout=timeout)
        record = RunRecord(
            run.wall_s, run.peak_rss_mb, self.target.hits - hits_before, cpu_s=run.cpu_s
        )
        record.checks_passed = _checks_passed(site, _report_file(site, contender))
        expected = site.shape.checks
        if record.checks_passed is not None and record.checks_passed != expected:
            raise BuildFailed(
                f"{site.root}: {record.checks_passed} of {expected} checks passed; "
                "the numbers would not measure what they claim"
            )
        return record

    def _excess_ms(self, site: BenchSite, contender: Contender) -> list[float]:
        """Per check: the latency its badge shows minus the time the target says it took."""
        server = self.target.take_server_times()
        report = json.loads(_report_file(site, contender).read_text(encoding="utf-8"))
        excess = []
        for check in report["checks"]:
            path = check["target"][check["target"].index("/readyz?") :]
            excess.append(_shown_ms(check["value"]) - server[path] * 1000)
        return excess

    def _serve_rebuilds(self, site: BenchSite, timeout: float) -> RunRecord:
        hits_before = self.target.hits
        timings = serve_rebuilds(
            site.config_file,
            site.page_path(0),
            rebuilds=self.rebuilds,
            env=self.env,
            timeout=timeout,
        )
        rebuilds = [float(seconds) for seconds in timings["rebuild_s"]]
        return RunRecord(
            wall_s=statistics.median(rebuilds),
            peak_rss_mb=float(timings["peak_rss_mb"]),
            target_hits=self.target.hits - hits_before,
            rebuilds_s=rebuilds,
            live_checks=list(timings["live_checks"]),
        )


def _require_all_cached(site: BenchSite, record: RunRecord) -> None:
    """A "warm cache" scenario measures nothing if checks ran live: refuse the numbers."""
    if site.variant is not Variant.RUNBOOK:
        return
    # A serve child's first build may refresh expired results; only its rebuilds are timed.
    live = sum(n or 0 for n in record.live_checks) if record.live_checks else record.target_hits
    if live:
        raise BuildFailed(f"{site.root}: {live} checks ran live although the cache was warm")


def _cli_report(site: BenchSite) -> Path:
    return site.root / "runbook-check.json"


def _report_file(site: BenchSite, contender: Contender) -> Path:
    if contender.command == "check":
        return _cli_report(site)
    return site.site_dir / "runbook-checks.json"


def _shown_ms(value: str) -> float:
    """``21 ms`` or ``1.2 s`` (a badge's latency) in milliseconds."""
    number, unit = value.split()
    return float(number) * {"ms": 1.0, "s": 1000.0}[unit]


def _checks_passed(site: BenchSite, report_file: Path) -> int | None:
    """How many checks the build reports as passed (None for the plain site)."""
    if site.variant is Variant.RUNBOOK:
        report = json.loads(report_file.read_text(encoding="utf-8"))
        passed: int = report["summary"].get("pass", 0)
        return passed
    if site.variant is Variant.MARKDOWN_EXEC:
        pages = site.site_dir.rglob("page-*/index.html")
        return sum(
            page.read_text(encoding="utf-8").count("<strong>pass</strong>") for page in pages
        )
    return None
