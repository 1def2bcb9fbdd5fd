"""The HTML templates ship precompiled (``render/compiled_templates``, made by ``python -m
mkdocs_runbook.render.compile_templates``): a build loads them instead of compiling, they are
what Jinja compiles from today's templates, and they render exactly what the templates do. An
edited template or another Jinja falls back to compiling the template files."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NoReturn

import pytest
from jinja2 import Environment, ModuleLoader, PackageLoader

from mkdocs_runbook.render import compiled_templates, html, template_loader
from mkdocs_runbook.render.compile_templates import compile_into, compiled_files
from mkdocs_runbook.render.html import render_check, render_status_page, template_environment
from mkdocs_runbook.results import AssertionResult, CheckResult, Status

TEMPLATES = [
    "_history.html",
    "_macros.html",
    "alert_links.html",
    "alerts_table.html",
    "check.html",
    "page_summary.html",
    "status_page.html",
]
RESULTS = [
    CheckResult(
        id="api",
        name="API <b>ready</b>",
        page="ops/api.md",
        line=12,
        kind="http",
        target="GET http://127.0.0.1:8080/readyz",
        status=status,
        message="503 & <i>down</i>",
        value="42 ms",
        duration_ms=42.0,
        checked_at="2026-11-29T09:00:00Z",
        attempts=2,
        assertions=[AssertionResult("status == 200", status is Status.PASS, 503)],
        tags=["api"],
        env="staging",
        cached=status is Status.WARN,
        detail="<script>x</script>",
    )
    for status in Status
]


def test_the_shipped_templates_are_what_jinja_compiles_from_todays_sources(
    tmp_path: Path,
) -> None:
    """Fails after a template is edited until the compile command is run again."""
    if template_loader.jinja_version() != compiled_templates.JINJA_VERSION:
        pytest.skip(f"compiled by Jinja {compiled_templates.JINJA_VERSION}, not this one")
    compile_into(tmp_path)
    shipped = compiled_files(template_loader.COMPILED_DIR)
    assert compiled_files(tmp_path) == shipped
    assert len(shipped) == len(TEMPLATES) + 1  # and __init__.py with the version and digest
    assert template_loader.compiled_templates_are_current()


def test_a_build_loads_the_templates_without_compiling_any(monkeypatch: pytest.MonkeyPatch) -> None:
    if not template_loader.compiled_templates_are_current():
        pytest.skip("the compiled templates are not current for this Jinja")

    def no_compiling(*args: Any, **kwargs: Any) -> NoReturn:
        raise AssertionError("a template was compiled")

    loader = template_loader.template_loader()
    assert isinstance(loader, ModuleLoader)
    monkeypatch.setattr(Environment, "compile", no_compiling)
    environment = template_environment(loader)
    for name in TEMPLATES:
        assert environment.get_template(name).name == name


@pytest.mark.parametrize(
    ("attribute", "value"),
    [("JINJA_VERSION", "2.11.0"), ("TEMPLATES_DIGEST", "0" * 64)],
)
def test_stale_compiled_templates_are_not_used(
    attribute: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compiled_templates, attribute, value)
    assert not template_loader.compiled_templates_are_current()
    assert isinstance(template_loader.template_loader(), PackageLoader)


def _rendered() -> list[str]:
    html._environment.cache_clear()
    checks = [
        render_check(result, source_html="<pre>x</pre>", stale=stale, detail=result.detail)
        for result in RESULTS
        for stale in (False, True)
    ]
    status_page = render_status_page(
        RESULTS,
        env="staging",
        started_at="2026-11-29T09:00:01Z",
        link_for=lambda result: f"../{result.page}#{result.id}",
    )
    return [*checks, status_page]


def test_compiled_and_source_templates_render_the_same_markup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = datetime(2026, 11, 29, 9, 5, tzinfo=timezone.utc)
    monkeypatch.setattr(html, "utc_now", lambda: now)  # ages read alike in both renders
    try:
        if template_loader.compiled_templates_are_current():
            compiled = _rendered()
            assert isinstance(html._environment().loader, ModuleLoader)
        else:
            pytest.skip("the compiled templates are not current for this Jinja")
        monkeypatch.setattr(compiled_templates, "TEMPLATES_DIGEST", "stale")
        from_sources = _rendered()
        assert isinstance(html._environment().loader, PackageLoader)
    finally:
        html._environment.cache_clear()
    assert compiled == from_sources
    assert "&lt;b&gt;ready&lt;/b&gt;" in compiled[0]
