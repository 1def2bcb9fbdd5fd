"""The plugin's options in mkdocs.yml (SPEC section 5), and their translation to engine settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.base import ValidationError

from .results import Status
from .settings import RunbookSettings, parse_statuses
from .units import parse_duration


class Duration(base.BaseConfigOption[float]):
    """``5s``, ``500ms``, ``5m``, ``1d`` or a number of seconds, validated to seconds."""

    def __init__(self, default: str) -> None:
        super().__init__()
        self.default = default

    def run_validation(self, value: object) -> float:
        try:
            return parse_duration(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class Statuses(base.BaseConfigOption[tuple[Status, ...]]):
    """A list of statuses (``[fail, error]``); ``[]`` for none."""

    def __init__(self, default: list[str]) -> None:
        super().__init__()
        self.default = default

    def run_validation(self, value: object) -> tuple[Status, ...]:
        if not isinstance(value, list | str):
            raise ValidationError(f"expected a list of statuses, got {value!r}")
        try:
            return parse_statuses(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class RunbookConfig(base.Config):  # type: ignore[no-untyped-call]
    enabled = c.Type(bool, default=True)
    """Run and render checks at all. Off: check blocks render as plain code blocks."""

    run = c.Choice(("auto", "always", "cached", "never"), default="auto")
    """When to contact targets. ``auto``: every ``mkdocs build``, but reuse results younger than
    ``cache_ttl`` while ``mkdocs serve`` rebuilds; ``always``; ``cached`` (reuse within
    ``cache_ttl``, run the rest); ``never`` (show cached results of any age, skip the rest)."""

    env = c.Type(str, default="local")
    """The environment whose variables fill ``{{ name }}`` placeholders."""

    environments = c.Type(dict, default={})
    """``name -> {variable: value}``."""

    catalog = c.Type(str, default="checks")
    """Folder of catalog YAML files (``id -> check``), relative to mkdocs.yml."""

    timeout = Duration(default="5s")
    """Default per-attempt timeout of a check."""

    concurrency = c.Type(int, default=32)
    """Checks running at once across the whole site."""

    per_host = c.Type(int, default=8)
    """Checks running at once against one host."""

    workers = c.Type(int, default=1)
    """Processes that run the checks, outside MkDocs' own; ``concurrency`` and ``per_host``
    hold across all of them."""

    cache_ttl = Duration(default="5m")
    """How long a result may be reused by ``run: auto`` (serve) and ``run: cached``."""

    stale_after = Duration(default="1d")
    """A shown result older than this is marked stale."""

    fail_on = Statuses(default=["fail", "error"])
    """Statuses that make ``mkdocs build`` exit non-zero; ``[]`` never fails the build."""

    allow_commands = c.Type(bool, default=False)
    """Run ``run:`` checks and marked shell blocks that are not a single curl command."""

    allowed_hosts = c.ListOfItems(c.Type(str), default=[])
    """Host globs checks may connect to; empty allows all (but link-local/metadata)."""

    report = c.Optional(c.Type(str))
    """Where in ``site/`` to write the JSON report."""

    junit = c.Optional(c.Type(str))
    """Where in ``site/`` to write JUnit XML; unset writes none."""

    status_page = c.Optional(c.Type(str))
    """A generated page listing every check of the site; unset for none."""


#: Options whose SPEC defaults are not ``None`` but that may be set to ``null`` to turn off.
OPTIONAL_DEFAULTS: dict[str, str] = {
    "report": "runbook-checks.json",
    "status_page": "status.md",
}


def apply_optional_defaults(raw: dict[str, Any]) -> None:
    """``report``/``status_page`` default on but accept ``null``: fill defaults for absent keys
    only, before validation, so an explicit ``null`` survives."""
    for key, default in OPTIONAL_DEFAULTS.items():
        raw.setdefault(key, default)


def settings_from_config(
    config: RunbookConfig, *, config_dir: Path, snippet_paths: list[Path] | None = None
) -> RunbookSettings:
    catalog = Path(config.catalog)
    return RunbookSettings(
        env=config.env,
        environments={str(k): dict(v or {}) for k, v in config.environments.items()},
        catalog=catalog if catalog.is_absolute() else config_dir / catalog,
        timeout=config.timeout,
        concurrency=max(1, config.concurrency),
        per_host=max(1, config.per_host),
        workers=max(1, config.workers),
        cache_ttl=config.cache_ttl,
        stale_after=config.stale_after,
        fail_on=config.fail_on,
        allow_commands=config.allow_commands,
        allowed_hosts=list(config.allowed_hosts),
        base_dir=config_dir,
        snippet_paths=snippet_paths or [],
    )


def snippet_dirs(config: Any, config_dir: Path) -> list[Path]:
    """The folders ``pymdownx.snippets`` includes from (its ``base_path``), when it is on."""
    if "pymdownx.snippets" not in config.markdown_extensions:
        return []
    options = config.mdx_configs.get("pymdownx.snippets") or {}
    base = options.get("base_path", ["."])
    bases = [base] if isinstance(base, str) else list(base)
    return [Path(b) if Path(b).is_absolute() else config_dir / b for b in bases]
