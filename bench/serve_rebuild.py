"""Time ``mkdocs serve`` rebuilds in process, the way ``mkdocs.commands.serve`` does them.

``serve`` loads the config once and calls ``plugins.on_startup(command="serve")``; plugins that
define ``on_startup`` are kept across rebuilds. Every rebuild then loads the config again and
calls ``build(config, serve_url=...)``. This script does the same, without the HTTP server and
the file watcher: one first build (not timed), then per rebuild one edit to a page's prose and a
timed ``load_config`` + ``build``. It prints one JSON line: the first build's and each rebuild's
seconds, and how many checks each rebuild ran live (0 when the cache serves them all).

Usage: serve_rebuild.py CONFIG_FILE PAGE_TO_EDIT [--rebuilds N]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig

SERVE_URL = "http://127.0.0.1:8000/"


def load(config_file: Path, site_dir: Path) -> MkDocsConfig:
    config = load_config(str(config_file), site_dir=str(site_dir))
    config.site_url = SERVE_URL
    return config


def rebuild(config_file: Path, site_dir: Path, config: MkDocsConfig | None = None) -> float:
    started = time.perf_counter()
    build(config or load(config_file, site_dir), serve_url=SERVE_URL, dirty=False)
    return time.perf_counter() - started


def live_checks(site_dir: Path) -> int | None:
    """Checks of the last build that were run rather than read from the cache (None: no plugin)."""
    report = site_dir / "runbook-checks.json"
    if not report.exists():
        return None
    checks = json.loads(report.read_text(encoding="utf-8"))["checks"]
    return sum(1 for check in checks if not check.get("cached"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config_file", type=Path)
    parser.add_argument("page", type=Path)
    parser.add_argument("--rebuilds", type=int, default=5)
    args = parser.parse_args()
    config_file: Path = args.config_file.resolve()
    site_dir = config_file.parent / "served"

    config = load(config_file, site_dir)
    config.plugins.on_startup(command="serve", dirty=False)
    try:
        first = rebuild(config_file, site_dir, config)
        seconds: list[float] = []
        live: list[int | None] = []
        for revision in range(args.rebuilds):
            with args.page.open("a", encoding="utf-8") as page:
                page.write(f"\nEdited prose, revision {revision}.\n")
            seconds.append(rebuild(config_file, site_dir))
            live.append(live_checks(site_dir))
    finally:
        config.plugins.on_shutdown()
    print(json.dumps({"first_build_s": first, "rebuild_s": seconds, "live_checks": live}))


if __name__ == "__main__":
    main()
