"""The built page in a real headless Chromium: badges visible, pass and fail look different,
in Material light and dark and in MkDocs' own theme."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from browser import browser_page
from servers import RouteServer
from sites import make_site

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGE = """# Checks

```check
name: API live
http: GET {{ api }}/healthz
```

```check
name: API ready
http: GET {{ api }}/readyz
```
"""

THEMES: dict[str, dict[str, Any]] = {
    "material-light": {"name": "material", "palette": {"scheme": "default"}},
    "material-dark": {"name": "material", "palette": {"scheme": "slate"}},
    "mkdocs": {"name": "mkdocs"},
}


def badge_colour(page: Any, status: str) -> dict[str, Any]:
    badge = page.locator(f".runbook-badge-status.runbook-status-{status}").first
    assert badge.is_visible()
    box = badge.bounding_box()
    assert box is not None and box["width"] > 10 and box["height"] > 8
    style: dict[str, Any] = badge.evaluate(
        "e => { const s = getComputedStyle(e); "
        "return {bg: s.backgroundColor, fg: s.color, text: e.textContent}; }"
    )
    return style


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_badges_are_visible_and_coloured_by_status(
    theme: str, tmp_path: Path, http_server: RouteServer
) -> None:
    http_server.route("/healthz", body={"status": "ok"})
    http_server.route("/readyz", status=503, body={"status": "down"})
    site = make_site(
        tmp_path,
        runbook={"environments": {"local": {"api": http_server.url}}, "fail_on": []},
    )
    import yaml

    config = yaml.safe_load((tmp_path / "mkdocs.yml").read_text())
    config["theme"] = THEMES[theme]
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    site.page("index.md", PAGE)
    done = site.build()
    assert done.returncode == 0, done.stderr

    with browser_page(dark=theme.endswith("dark")) as page:
        page.goto((site.out / "index.html").as_uri())  # type: ignore[attr-defined]
        passing = badge_colour(page, "pass")
        failing = badge_colour(page, "fail")
        summary_visible = page.locator(".runbook-summary").first.is_visible()  # type: ignore[attr-defined]
    assert "pass" in passing["text"] and "fail" in failing["text"]
    assert passing["bg"] != failing["bg"], f"{theme}: pass and fail look the same"
    assert passing["bg"] not in ("rgba(0, 0, 0, 0)", "transparent"), "the stylesheet applied"
    assert summary_visible


def test_statuses_read_without_our_stylesheet_as_in_techdocs(
    tmp_path: Path, http_server: RouteServer
) -> None:
    """Backstage TechDocs' reader removes stylesheets other than Material's, every ``<style>``
    and inline styles: a status must still be a word and a symbol, and the Result panels still
    take Material's status colours."""
    http_server.route("/healthz", body={"status": "ok"})
    http_server.route("/readyz", status=503, body={"status": "down"})
    site = make_site(
        tmp_path,
        theme="material",
        runbook={"environments": {"local": {"api": http_server.url}}, "fail_on": []},
        extensions=["admonition", "pymdownx.details", "pymdownx.superfences"],
    )
    site.page("index.md", PAGE)
    done = site.build()
    assert done.returncode == 0, done.stderr
    strip_like_techdocs = """() => {
        for (const link of document.querySelectorAll('link[rel=stylesheet]')) {
            if (!link.href.includes('/material/') && !link.href.includes('assets/stylesheets')) {
                link.remove();
            }
        }
        for (const style of document.querySelectorAll('style')) style.remove();
        for (const e of document.querySelectorAll('[style]')) e.removeAttribute('style');
        for (const details of document.querySelectorAll('details')) details.open = true;
    }"""
    with browser_page() as page:
        page.goto((site.out / "index.html").as_uri())  # type: ignore[attr-defined]
        page.evaluate(strip_like_techdocs)  # type: ignore[attr-defined]
        assert page.evaluate(  # type: ignore[attr-defined]
            "() => [...document.styleSheets].every(s => !s.href || !s.href.includes('runbook'))"
        )
        shown = page.evaluate(  # type: ignore[attr-defined]
            """() => [...document.querySelectorAll('.runbook-check')].map(check => {
                const badge = check.querySelector('.runbook-badge');
                const panel = check.querySelector('details.runbook-result');
                return {text: badge.innerText, visible: badge.offsetHeight > 0,
                        border: getComputedStyle(panel).borderLeftColor};
            })"""
        )
        page.screenshot(path=str(tmp_path / "techdocs-reader.png"), full_page=True)  # type: ignore[attr-defined]
    assert [s["visible"] for s in shown] == [True, True]
    assert "✓" in shown[0]["text"] and "pass" in shown[0]["text"]
    assert "✗" in shown[1]["text"] and "fail" in shown[1]["text"]
    assert shown[0]["border"] != shown[1]["border"], "pass and fail panels look the same"
