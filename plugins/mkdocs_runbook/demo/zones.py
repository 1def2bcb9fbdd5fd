"""Two regions of the demo, for the zones example (SPEC 11): each region is a demo target of
its own, and each is checked by ``runbook check --zone REGION`` as a CI runner inside that
region's network would be. The site then shows both regions' results from their reports.

The regions differ in health: ``eu-west`` is healthy; ``us-east`` has its database down, so
its readiness check fails while the same check passes in ``eu-west``. Each region's runner
reaches its own deployment through the same two variables, ``RUNBOOK_REGION_API`` and
``RUNBOOK_REGION_DB`` (``region_api`` and ``region_db`` in the site's ``environments``), as
each network's DNS would resolve one name to its own region.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from .service import DemoService

#: The page whose checks run in the regions, relative to the site's configuration.
REGIONS_PAGE = "docs/runbooks/regions.md"
#: Where the regions' reports go, relative to the site's configuration; the site imports them.
REPORTS_DIR = ".cache/runbook/zones"
#: The variable the site's ``import`` reads its glob from (the tests point it elsewhere).
REPORTS_VARIABLE = "RUNBOOK_ZONE_REPORTS"
#: How long one region's ``runbook check`` may take before it is stopped.
RUN_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class Region:
    zone: str
    #: Components down from the start, which make this region's checks differ.
    broken: tuple[str, ...]
    #: Offset of its HTTP port from the first region's (each region takes four ports).
    port_offset: int


REGIONS = (
    Region("eu-west", broken=(), port_offset=0),
    Region("us-east", broken=("db",), port_offset=4),
)


@contextmanager
def regional_targets(first_port: int, *, quiet: bool = True) -> Iterator[dict[str, DemoService]]:
    """A started demo target per region, by zone; ``first_port`` 0 picks free ports."""
    with ExitStack() as stack:
        services: dict[str, DemoService] = {}
        for region in REGIONS:
            port = first_port + region.port_offset if first_port else 0
            service = DemoService(
                port=port,
                db_port=port + 1 if port else 0,
                tls_port=port + 2 if port else 0,
                dns_port=port + 3 if port else 0,
                broken=region.broken,
                log_requests=not quiet,
            )
            services[region.zone] = stack.enter_context(service)
        yield services


def zone_environment(service: DemoService, base: Mapping[str, str]) -> dict[str, str]:
    """``base`` with the region's addresses, as that region's runner has them."""
    return {
        **base,
        "RUNBOOK_REGION_API": service.url,
        "RUNBOOK_REGION_DB": service.db_address,
    }


def check_regions(
    services: Mapping[str, DemoService],
    *,
    site_dir: Path,
    reports_dir: Path,
    environment: Mapping[str, str] | None = None,
) -> dict[str, subprocess.CompletedProcess[str]]:
    """Run every region's ``runbook check --zone`` at once, each writing
    ``reports_dir/<zone>.json``; the finished processes by zone (exit 1 means a check failed,
    which is what ``us-east`` shows)."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    base = dict(os.environ if environment is None else environment)
    runbook = str(Path(sys.executable).parent / "runbook")
    started = {
        zone: subprocess.Popen(
            [
                runbook,
                "check",
                "--zone",
                zone,
                "-o",
                str(reports_dir / f"{zone}.json"),
                REGIONS_PAGE,
            ],
            cwd=site_dir,
            env=zone_environment(service, base),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # A terminal's Ctrl-C stops the demo, which lets a run in progress end by itself.
            start_new_session=True,
        )
        for zone, service in services.items()
    }
    finished = {}
    for zone, process in started.items():
        try:
            out, err = process.communicate(timeout=RUN_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
        finished[zone] = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    return finished


class RegionRunner:
    """Checks the regions now, then again every ``interval`` seconds until ``stop``: the
    scheduled CI jobs of the regions' runners, for ``make demo``. A ``mkdocs serve`` that
    imports the reports rebuilds when they change."""

    def __init__(
        self,
        services: Mapping[str, DemoService],
        *,
        site_dir: Path,
        reports_dir: Path,
        environment: Mapping[str, str],
        interval: float,
    ) -> None:
        self._services = services
        self._site_dir = site_dir
        self._reports_dir = reports_dir
        self._environment = environment
        self._interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="demo-regions", daemon=True)

    def run_once(self) -> None:
        done = check_regions(
            self._services,
            site_dir=self._site_dir,
            reports_dir=self._reports_dir,
            environment=self._environment,
        )
        for zone, process in done.items():
            if process.returncode not in (0, 1):
                sys.stderr.write(f"demo regions: runbook check --zone {zone}: {process.stderr}")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout=RUN_TIMEOUT_SECONDS)

    def _loop(self) -> None:
        while not self._stopped.wait(self._interval):
            self.run_once()
