"""Profile one build of a benchmark scenario with cProfile, in every thread.

The plugin's checks run in worker processes, which this does not see: it profiles the
MkDocs process, the one a cached build or a serve rebuild spends its time in, and every
thread started there (the threads that talk to the workers) gets its own profile. The build
runs in this process (``build(config)``, as ``mkdocs build`` does, or a serve rebuild), after
one unprofiled ``mkdocs build`` in a child that warms the bytecode and (in scenario 3) the
result cache.

    python bench/profile_build.py --scenario 3            # the cached 1,000-check site
    python bench/profile_build.py --scenario 4 --serve    # a serve rebuild after a prose edit
    python bench/profile_build.py --scenario 2 --sort tottime --top 30 --save /tmp/prof

Saved ``.prof`` files open with ``python -m pstats`` or snakeviz.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from measure import child_environment, mkdocs_build
from mkdocs.commands.build import build
from mkdocs.config import load_config
from scenarios import Contender, Scenario, scenarios
from target import LatencyTarget

from sites import BenchSite, write_site

PROFILES: dict[str, cProfile.Profile] = {}
SERVE_URL = "http://127.0.0.1:8000/"


def profile_every_thread() -> None:
    """Wrap ``Thread.run`` so each thread started from now on records its own profile."""
    original_run = threading.Thread.run

    def profiled_run(thread: threading.Thread) -> None:
        profile = PROFILES.setdefault(thread.name, cProfile.Profile())
        profile.enable()
        try:
            original_run(thread)
        finally:
            profile.disable()

    setattr(threading.Thread, "run", profiled_run)  # noqa: B010 - patching a method on purpose


def serve_rebuild(site: BenchSite) -> Callable[[], None]:
    """Start a serve session (its first build and first rebuild done here) and return its next
    rebuild, as ``mkdocs serve`` runs it: the plugins live on, the config is loaded again. The
    first rebuild is left out as the benchmark's median leaves it out: after a first build that
    ran every check live, it renders every check anew (their results now come from the cache)."""
    site_dir = str(site.root / "served")
    config = load_config(str(site.config_file), site_dir=site_dir)
    config.plugins.on_startup(command="serve", dirty=False)
    build(config, serve_url=SERVE_URL)

    def rebuild() -> None:
        build(load_config(str(site.config_file), site_dir=site_dir), serve_url=SERVE_URL)

    rebuild()
    return rebuild


def fresh_build(site: BenchSite) -> Callable[[], None]:
    """One ``mkdocs build`` as a new process runs it (the config loaded, so imports are done)."""
    config = load_config(str(site.config_file))
    config.plugins.on_startup(command="build", dirty=False)
    return lambda: build(config)


def main() -> None:
    parser = argparse.ArgumentParser(description="Profile one benchmark build in every thread.")
    parser.add_argument("--scenario", default="3", choices=["1", "2", "3", "4", "6", "7", "8"])
    parser.add_argument("--contender", default="runbook", help="a contender label (runbook)")
    parser.add_argument("--serve", action="store_true", help="profile a serve rebuild")
    parser.add_argument("--sort", default="cumulative", choices=["cumulative", "tottime"])
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--save", type=Path, help="a folder for the .prof files")
    parser.add_argument("--quick", action="store_true", help="the --quick sizes")
    args = parser.parse_args()

    scenario: Scenario = next(
        s for s in scenarios(quick=args.quick, include_slow=True) if s.key == args.scenario
    )
    contender: Contender = next(c for c in scenario.contenders if c.label == args.contender)
    workdir = Path(tempfile.mkdtemp(prefix="mkdocs-runbook-profile-"))
    with LatencyTarget(scenario.latency_s, ports=scenario.shape.hosts, max_lifetime=3600) as target:
        site = write_site(
            workdir / "site",
            contender.variant,
            scenario.shape,
            target.urls,
            runbook_options=contender.runbook_options,
        )
        os.chdir(site.root)
        # Warm-up in a child, as the benchmark does: bytecode, and in scenario 3 the cache.
        mkdocs_build(site.config_file, env=child_environment(workdir / "bytecode"), timeout=600)
        # From here on, so that the check thread a serve session starts is profiled too.
        profile_every_thread()
        if args.serve:
            rebuild = serve_rebuild(site)
            page = site.page_path(0)
            page.write_text(page.read_text(encoding="utf-8") + "\nEdited.\n", encoding="utf-8")
        else:
            rebuild = fresh_build(site)
        for profile in PROFILES.values():
            profile.clear()  # only the measured build counts, not the serve session's first
        hits_before = target.hits
        main_profile = PROFILES.setdefault("MainThread", cProfile.Profile())
        started = time.perf_counter()
        main_profile.enable()
        rebuild()
        main_profile.disable()
        seconds = time.perf_counter() - started
    print(f"profiled build: {seconds:.2f} s, {target.hits - hits_before} requests to the target")
    for name, profile in PROFILES.items():
        print(f"\n===== thread {name}")
        stats = pstats.Stats(profile)
        stats.sort_stats(args.sort).print_stats(args.top)
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            profile.dump_stats(args.save / f"{name}.prof")
    print(f"site kept in {workdir}")


if __name__ == "__main__":
    main()
