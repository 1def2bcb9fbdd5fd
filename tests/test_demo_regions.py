"""The demo's two regions (SPEC 11, issue 16): two more demo targets checked as two zones,
their reports imported by the site `make demo` serves; a region that breaks turns red on the
served page after its runner's next run. Real processes, real servers, a real `mkdocs serve`."""

from __future__ import annotations

import re
import shutil
import signal
import time
from pathlib import Path

import httpx
import pytest

from mkdocs_runbook.demo.zones import REGIONS_PAGE
from mkdocs_runbook.record.imports import report_directories
from test_demo import free_port_run, read_lines, start_serve_site, wait_for_line

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
#: Every wait for the served page is bounded by this (a rebuild checks the page again).
PAGE_WAIT_SECONDS = 90.0

SITE_CONFIG = """\
site_name: regions
plugins:
  - runbook:
      environments:
        local:
          region_api: !ENV [RUNBOOK_REGION_API, "http://127.0.0.1:9"]
          region_db: !ENV [RUNBOOK_REGION_DB, "127.0.0.1:9"]
      import: [.cache/runbook/zones/*.json]
      history: null
      fail_on: []
"""


def readiness_by_zone(page: str) -> dict[str, str]:
    """``{zone: status}`` of the "Region API is ready" badges of the served page."""
    start = page.find('id="runbook-region-ready"')
    if start < 0:
        return {}
    section = page[start : page.index("The EU database", start)]
    found = re.findall(
        r'runbook-status-(\w+)">.*?<span class="runbook-zone">zone: ([\w-]+)</span>', section, re.S
    )
    return {zone: status for status, zone in found}


def wait_for_page(client: httpx.Client, url: str, wanted: dict[str, str]) -> dict[str, str]:
    """Poll the page (bounded in time and count) until its readiness badges are ``wanted``."""
    seen: dict[str, str] = {}
    deadline = time.monotonic() + PAGE_WAIT_SECONDS
    for _ in range(int(PAGE_WAIT_SECONDS / 0.5)):
        if time.monotonic() > deadline:
            break
        try:
            seen = readiness_by_zone(client.get(url).text)
        except httpx.TransportError:
            seen = {}
        if seen == wanted:
            return seen
        time.sleep(0.5)
    raise AssertionError(f"the page showed {seen}, not {wanted}")


@pytest.mark.timeout(240)
def test_make_demo_serves_both_regions_and_follows_a_region_that_breaks(tmp_path: Path) -> None:
    (tmp_path / "docs" / "runbooks").mkdir(parents=True)
    (tmp_path / "docs" / "index.md").write_text("# Runbooks\n", encoding="utf-8")
    shutil.copy(ROOT / REGIONS_PAGE, tmp_path / REGIONS_PAGE)
    (tmp_path / "mkdocs.yml").write_text(SITE_CONFIG, encoding="utf-8")
    site_port = free_port_run(1)
    # The regions' runners check every second, so the test sees a change soon.
    process = start_serve_site(tmp_path, site_port, "--regions-interval", "1")
    page_url = f"http://127.0.0.1:{site_port}/runbooks/regions/"
    try:
        assert process.stdout is not None
        lines = read_lines(process.stdout)
        eu_west = wait_for_line(lines, r"region\s+eu-west\s+(http://127\.0\.0\.1:\d+)")[1]
        wait_for_line(lines, r"region\s+us-east\s+http://127\.0\.0\.1:\d+")
        wait_for_line(lines, r"Regions checked into")
        reports = tmp_path / ".cache" / "runbook" / "zones"
        assert sorted(p.name for p in reports.iterdir()) == ["eu-west.json", "us-east.json"]
        with httpx.Client(timeout=10.0, trust_env=False) as client:
            # us-east starts with its database down: red there, green in eu-west.
            wait_for_page(client, page_url, {"eu-west": "pass", "us-east": "fail"})
            # Break eu-west's database: its runner's next run reports it, serve rebuilds.
            assert client.post(f"{eu_west}/admin/break/db").status_code == 200
            wait_for_page(client, page_url, {"eu-west": "fail", "us-east": "fail"})
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
        process.wait(timeout=60)
    with httpx.Client(timeout=2.0, trust_env=False) as client, pytest.raises(httpx.ConnectError):
        client.get(f"{eu_west}/healthz")


def test_serve_watches_the_folders_the_import_globs_read(tmp_path: Path) -> None:
    (tmp_path / "reports" / "eu").mkdir(parents=True)
    (tmp_path / "zones").mkdir()
    absolute = tmp_path / "elsewhere"
    absolute.mkdir()
    patterns = [
        "reports/*/*.json",  # the glob's fixed part: reports/
        "zones/eu-*.json",
        f"{absolute}/**/*.json",
        "missing/*.json",  # not there (yet): nothing to watch
        "*.json",  # the site's own folder
    ]
    assert report_directories(patterns, tmp_path) == sorted(
        [tmp_path / "reports", tmp_path / "zones", absolute, tmp_path]
    )
