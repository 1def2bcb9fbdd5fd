"""What a reader sees of the page in a real headless Chromium (issue 19): summary counts that
link to the first check of their status, a ``use:`` block with the catalog check it stands
for, no empty target pill on an error, the time beside a long name, and ``display: compact``.
Screenshots of each theme land in the test's tmp_path for a human to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from browser import browser_page
from servers import RouteServer
from sites import Site, make_site

pytestmark = pytest.mark.slow

LONG_NAME = (
    "Every ingestion source of the warehouse is closed before the nightly batch starts, "
    "including the slow partner feeds"
)

LONG_ANCHOR = "#runbook-ingestion-closed"

PAGE = f"""# Ingestion

```check
name: API live
http: GET {{{{ api }}}}/healthz
```

```check
id: ingestion-closed
name: {LONG_NAME}
http: GET {{{{ api }}}}/readyz
```

```check
use: api-health
```

```check
name: Broken block
htp: GET {{{{ api }}}}/healthz
```

```check
name: API ready again
http: GET {{{{ api }}}}/readyz
```

```bash check name="Liveness by curl"
curl -sf {{{{ api }}}}/healthz
```
"""

CATALOG = """\
api-health:
  name: API health from the catalog
  http: GET {{ api }}/healthz
  headers: {Authorization: "Bearer {{ secrets.CATALOG_TOKEN }}"}
  expect:
    - $.status == ok
"""

TOKEN = "catalog-secret-4711"

THEMES: dict[str, dict[str, Any]] = {
    "material-light": {"name": "material", "palette": {"scheme": "default"}},
    "material-dark": {"name": "material", "palette": {"scheme": "slate"}},
    "mkdocs": {"name": "mkdocs"},
}


def _site(tmp_path: Path, server: RouteServer, theme: str, **options: object) -> Site:
    server.route("/healthz", body={"status": "ok"})
    server.route("/readyz", status=503, body={"status": "down"})
    site = make_site(
        tmp_path,
        runbook={"environments": {"local": {"api": server.url}}, "fail_on": [], **options},
        extensions=["pymdownx.superfences"],
    )
    config = yaml.safe_load((tmp_path / "mkdocs.yml").read_text())
    config["theme"] = THEMES[theme]
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "api.yml").write_text(CATALOG, encoding="utf-8")
    return site


@pytest.mark.browser
@pytest.mark.parametrize("theme", sorted(THEMES))
def test_the_page_reads_at_a_glance(theme: str, tmp_path: Path, http_server: RouteServer) -> None:
    site = _site(tmp_path, http_server, theme)
    site.page("index.md", PAGE)
    done = site.build(env={"CATALOG_TOKEN": TOKEN})
    assert done.returncode == 0, done.stderr
    html = site.html("index.html")
    assert TOKEN not in html

    with browser_page(dark=theme.endswith("dark")) as page:
        page.goto((site.out / "index.html").as_uri())  # type: ignore[attr-defined]
        page.screenshot(path=str(tmp_path / f"{theme}.png"), full_page=True)  # type: ignore[attr-defined]

        # Each count links to the first check with that status, and keeps its colours.
        fail_chip = page.locator(".runbook-summary a.runbook-status-fail")  # type: ignore[attr-defined]
        assert fail_chip.inner_text().strip() == "2 fail"
        colours = fail_chip.evaluate(
            "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
        )
        badge = page.locator(".runbook-badge-status.runbook-status-fail").first  # type: ignore[attr-defined]
        assert colours == badge.evaluate(
            "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
        ), "a linked count looks like its status, not like a link"
        fail_chip.click()
        assert page.evaluate("location.hash") == LONG_ANCHOR  # type: ignore[attr-defined]
        error_chip = page.locator(".runbook-summary a.runbook-status-error")  # type: ignore[attr-defined]
        assert error_chip.get_attribute("href") == "#runbook-broken-block"

        # The use: block shows the catalog check it stands for, secrets as placeholders.
        catalog = page.locator("#runbook-api-health .runbook-catalog")  # type: ignore[attr-defined]
        assert catalog.is_visible()
        text = catalog.inner_text()
        assert "api-health" in text and "checks/api.yml:1" in text
        assert "$.status == ok" in text and http_server.url in text
        assert "{{ secrets.CATALOG_TOKEN }}" in text

        # An error's Result has its message and no empty target pill.
        broken = page.locator("#runbook-broken-block .runbook-result")  # type: ignore[attr-defined]
        assert "unknown key 'htp'" in broken.inner_text()
        assert broken.locator(".runbook-target").count() == 0

        # A long name wraps inside its badge; the time stays on the badge's line.
        # Both boxes in one call: the chip's click may still be scrolling the page.
        badge_box, time_box = page.locator(LONG_ANCHOR).evaluate(  # type: ignore[attr-defined]
            "e => ['.runbook-badge', '.runbook-time'].map(s => {"
            " const r = e.querySelector(s).getBoundingClientRect();"
            " return {x: r.x, y: r.y, width: r.width, height: r.height}; })"
        )
        middle = time_box["y"] + time_box["height"] / 2
        assert badge_box["y"] <= middle <= badge_box["y"] + badge_box["height"]
        assert time_box["x"] >= badge_box["x"] + badge_box["width"]


@pytest.mark.browser
def test_compact_display_folds_check_sources_into_the_result(
    tmp_path: Path, http_server: RouteServer
) -> None:
    site = _site(tmp_path, http_server, "material-light", display="compact")
    site.page("index.md", PAGE)
    site.page(
        "full.md", "---\nrunbook_display: full\n---\n" + PAGE.replace("# Ingestion", "# Full")
    )
    done = site.build(env={"CATALOG_TOKEN": TOKEN})
    assert done.returncode == 0, done.stderr

    with browser_page() as page:
        page.goto((site.out / "index.html").as_uri())  # type: ignore[attr-defined]
        page.screenshot(path=str(tmp_path / "compact.png"), full_page=True)  # type: ignore[attr-defined]
        check = page.locator("#runbook-api-live")  # type: ignore[attr-defined]
        source = check.locator(".runbook-source")
        assert source.count() == 1 and not source.is_visible(), "folded while the Result is closed"
        check.locator(".runbook-result > summary").click()
        assert source.is_visible() and "GET " in source.inner_text()
        # The catalog definition folds with the block it belongs to.
        used = page.locator("#runbook-api-health")  # type: ignore[attr-defined]
        assert not used.locator(".runbook-catalog").is_visible()
        # A marked shell block stays in view: readers copy it.
        shell = page.locator("#runbook-liveness-by-curl")  # type: ignore[attr-defined]
        assert shell.locator(".runbook-source").count() == 0
        assert shell.locator("code", has_text="curl -sf").first.is_visible()

        # Front matter overrides the site's option.
        page.goto((site.out / "full" / "index.html").as_uri())  # type: ignore[attr-defined]
        live = page.locator("#runbook-api-live")  # type: ignore[attr-defined]
        assert live.locator(".runbook-source").count() == 0
        assert live.locator("code", has_text="name: API live").first.is_visible()


def test_an_unknown_display_in_front_matter_is_a_warning(
    tmp_path: Path, http_server: RouteServer
) -> None:
    site = _site(tmp_path, http_server, "mkdocs")
    site.page("index.md", "---\nrunbook_display: tiny\n---\n" + PAGE)
    done = site.build(env={"CATALOG_TOKEN": TOKEN})
    assert done.returncode == 0, done.stderr
    assert "index.md: runbook_display must be one of full, compact, not 'tiny'" in done.stderr
