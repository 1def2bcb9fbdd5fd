"""``make bench``: build sites of checks with mkdocs-runbook, without it, and with markdown-exec,
side by side on this machine, and judge the numbers against the targets of issues 9 and 14.

Sites are generated in a temporary folder; their checks hit a local target on 127.0.0.1 that
answers after a fixed latency. Prints the medians, ratios and targets, and writes them with a
description of the machine to ``bench/results/latest.json`` (``--output`` to change).

    python bench/run.py              # the full benchmark (a few minutes)
    python bench/run.py --quick      # a smoke run: small sites, one repetition
    python bench/run.py --all        # also markdown-exec on the 1,000-check site (slow)
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from measure import BENCH_DIR, BuildFailed, child_environment
from report import judge, markdown_tables, print_tables, save
from scenarios import Bench, ScenarioResult, scenarios
from target import LatencyTarget

REPO = BENCH_DIR.parent
DEFAULT_OUTPUT = BENCH_DIR / "results" / "latest.json"
#: The target stops by itself after this long, whatever happens to the benchmark.
TARGET_LIFETIME_S = 3 * 3600


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark mkdocs-runbook against plain MkDocs and markdown-exec."
    )
    parser.add_argument("--repeat", type=int, default=None, help="measured runs per build (3)")
    parser.add_argument("--quick", action="store_true", help="small sites, one repetition")
    parser.add_argument(
        "--all", action="store_true", help="also markdown-exec in scenario 2 (~1 min per run)"
    )
    parser.add_argument(
        "--only", default="", help="comma-separated scenarios to run, e.g. 1,3 (5 comes with 2)"
    )
    parser.add_argument(
        "--rebuilds", type=int, default=None, help="serve rebuilds per run in scenario 4 (5)"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the JSON results file")
    parser.add_argument("--markdown", action="store_true", help="also print the tables as Markdown")
    parser.add_argument("--keep", action="store_true", help="keep the generated sites")
    args = parser.parse_args(argv)
    if args.repeat is None:
        args.repeat = 1 if args.quick else 3
    if args.rebuilds is None:
        args.rebuilds = 2 if args.quick else 5
    if args.repeat < 1 or args.rebuilds < 1:
        parser.error("--repeat and --rebuilds must be at least 1")
    return args


def workspace() -> Path:
    """A temporary folder for the sites, refusing one inside the repository."""
    workdir = Path(tempfile.mkdtemp(prefix="mkdocs-runbook-bench-")).resolve()
    if REPO in workdir.parents:
        shutil.rmtree(workdir)
        raise SystemExit(f"the temporary folder {workdir} is inside the repository: set TMPDIR")
    return workdir


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    chosen = {key.strip() for key in args.only.split(",") if key.strip()}
    if "5" in chosen:
        chosen.add("2")
    plan = [
        scenario
        for scenario in scenarios(quick=args.quick, include_slow=args.all)
        if not chosen or scenario.key in chosen
    ]
    started = datetime.now(timezone.utc)
    load_before = os.getloadavg()
    workdir = workspace()
    print(f"sites in {workdir}", file=sys.stderr)
    results: dict[str, ScenarioResult] = {}
    began = time.perf_counter()
    try:
        hosts = max((scenario.shape.hosts for scenario in plan), default=1)
        with LatencyTarget(latency=0.0, ports=hosts, max_lifetime=TARGET_LIFETIME_S) as target:
            bench = Bench(
                workdir=workdir,
                target=target,
                env=child_environment(workdir / "bytecode"),
                repeat=args.repeat,
                rebuilds=args.rebuilds,
                progress=lambda line: print(line, file=sys.stderr, flush=True),
            )
            for scenario in plan:
                results[scenario.key] = bench.run(scenario)
    except BuildFailed as exc:
        print(f"benchmark aborted: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept the sites in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    verdicts = judge(results)
    print_tables(results, verdicts)
    if args.markdown:
        print(markdown_tables(results, verdicts))
    options = {
        "repeat": args.repeat,
        "quick": args.quick,
        "all": args.all,
        "rebuilds": args.rebuilds,
        "seconds": round(time.perf_counter() - began, 1),
    }
    save(
        args.output,
        results,
        verdicts,
        options=options,
        started=started,
        load_before=load_before,
        repo=REPO,
    )
    print(f"results written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
