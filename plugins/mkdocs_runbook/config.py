"""The plugin's options in mkdocs.yml (SPEC section 5), and their translation to engine settings.

``RunbookConfig`` is the one definition of the options: the plugin validates with it inside
``mkdocs build``, and the command line validates the same dict with it (``load_runbook_config``)
without loading the rest of the site (``project``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.base import ValidationError

from .errors import ConfigError
from .results import Status
from .settings import (
    DEFAULT_HISTORY,
    DEFAULT_ZONE,
    RunbookSettings,
    parse_statuses,
    zone_name,
)
from .units import MAX_TIMEOUT_SECONDS, format_timeout, parse_duration


class Duration(base.BaseConfigOption[float]):
    """``5s``, ``500ms``, ``5m``, ``1d`` or a number of seconds, validated to seconds."""

    def __init__(self, default: str, *, maximum: float | None = None) -> None:
        super().__init__()
        self.default = default
        self.maximum = maximum

    def run_validation(self, value: object) -> float:
        try:
            seconds = parse_duration(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        if seconds < 0:
            raise ValidationError(f"expected a duration of 0 or more, got {value!r}")
        if self.maximum is not None and not 0 < seconds <= self.maximum:
            limit = format_timeout(self.maximum)
            raise ValidationError(f"expected more than 0 and at most {limit}, got {value!r}")
        return seconds


class ZoneName(base.BaseConfigOption[str]):
    """A zone's name (SPEC 11): ``eu-private``."""

    def __init__(self, default: str) -> None:
        super().__init__()
        self.default = default

    def run_validation(self, value: object) -> str:
        try:
            return zone_name(value, "zone")
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

    timeout = Duration(default="5s", maximum=MAX_TIMEOUT_SECONDS)
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

    fail_on = Statuses(default=["error"])
    """Statuses that make ``mkdocs build`` exit non-zero; ``[]`` never fails the build. Only
    broken checks by default: a site must stay publishable while a target is down."""

    allow_commands = c.Type(bool, default=False)
    """Run ``run:`` checks and marked shell blocks that are not a single curl command."""

    allowed_hosts = c.ListOfItems(c.Type(str), default=[])
    """Host globs checks may connect to; empty allows all (but link-local/metadata)."""

    pass_env = c.ListOfItems(c.Type(str), default=[])
    """Names or globs (``AWS_*``) of environment variables command checks inherit, on top of
    ``PATH HOME LANG LC_* TZ TERM USER LOGNAME SHELL TMPDIR`` and their own ``env:``. Their
    values are masked in every output."""

    report = c.Optional(c.Type(str))
    """Where in ``site/`` to write the JSON report."""

    junit = c.Optional(c.Type(str))
    """Where in ``site/`` to write JUnit XML; unset writes none."""

    status_page = c.Optional(c.Type(str))
    """A generated page listing every check of the site; unset for none."""

    display = c.Choice(("full", "compact"), default="full")
    """How pages show checks: ``full``, or ``compact`` for pages with many checks (a ``check``
    fence's YAML folded into its Result panel; marked shell blocks stay, readers copy them).
    A page's front matter ``runbook_display`` overrides it."""

    history = c.Optional(c.Type(str))
    """The history store: a path (SQLite, relative to mkdocs.yml) or a ``sqlite:///`` or
    ``postgresql://`` URL; ``null`` records no history (SPEC 10)."""

    history_keep = Duration(default="90d")
    """How long the history store keeps runs; older ones are pruned."""

    zone = ZoneName(default=DEFAULT_ZONE)
    """Where this run happens (SPEC 11); ``RUNBOOK_ZONE`` overrides it."""
    import_ = c.ListOfItems(c.Type(str), default=[])
    """``import`` in mkdocs.yml (MkDocs drops the trailing underscore): globs of JSON reports
    (relative to mkdocs.yml) whose results the site shows besides its own (SPEC 11), and that
    ``runbook alerts`` takes as the latest when it does not run the checks itself."""

    alert_rules = c.ListOfItems(c.Type(str), default=[])
    """Globs of Prometheus rule files (relative to mkdocs.yml). Every page an alert's
    ``runbook_url`` links to lists "Alerts that link here"; the status page lists the alerts."""


#: Options whose SPEC defaults are not ``None`` but that may be set to ``null`` to turn off.
OPTIONAL_DEFAULTS: dict[str, str] = {
    "report": "runbook-checks.json",
    "status_page": "status.md",
    "history": DEFAULT_HISTORY,
}


def apply_optional_defaults(raw: dict[str, Any]) -> None:
    """``report``/``status_page`` default on but accept ``null``: fill defaults for absent keys
    only, before validation, so an explicit ``null`` survives."""
    for key, default in OPTIONAL_DEFAULTS.items():
        raw.setdefault(key, default)


#: ``(option, message)`` pairs, as ``mkdocs.config.base.Config.validate`` returns them.
ConfigProblems = Sequence[tuple[str, Exception | str]]


def load_runbook_config(
    options: dict[str, Any], config_file_path: str | None
) -> tuple[RunbookConfig, ConfigProblems, ConfigProblems]:
    """The plugin's options validated exactly as ``mkdocs build`` validates them: the config
    and its ``(option, message)`` errors and warnings."""
    apply_optional_defaults(options)
    config = RunbookConfig(config_file_path=config_file_path)
    config.load_dict(options)
    errors, warnings = config.validate()
    return config, list(errors), list(warnings)


class SiteOptions(base.Config):  # type: ignore[no-untyped-call]
    """The site-wide settings the commands use, declared as ``MkDocsConfig`` declares them, so
    they read and fail the same way without the rest of the site (theme, plugins) loaded."""

    site_url = c.Optional(c.URL(is_dir=True))
    docs_dir = c.DocsDir(default="docs", exists=True)
    use_directory_urls = c.Type(bool, default=True)


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
        pass_env=list(config.pass_env),
        base_dir=config_dir,
        snippet_paths=snippet_paths or [],
        history=config.history,
        history_keep=config.history_keep,
        zone=_zone(config),
        imports=list(config.import_),
        alert_rules=list(config.alert_rules),
    )


def _zone(config: RunbookConfig) -> str:
    from_environment = os.environ.get("RUNBOOK_ZONE")
    if not from_environment:
        return str(config.zone)
    try:
        return zone_name(from_environment, "RUNBOOK_ZONE")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def snippet_dirs(
    extensions: Sequence[str], configs: Mapping[str, Mapping[str, Any]], config_dir: Path
) -> list[Path]:
    """The folders ``pymdownx.snippets`` includes from (its ``base_path``), when it is on."""
    if "pymdownx.snippets" not in extensions:
        return []
    options = configs.get("pymdownx.snippets") or {}
    base = options.get("base_path", ["."])
    # A base may be a path placeholder of MkDocs' ``!relative $config_dir/…`` tag.
    bases = [base] if isinstance(base, str | os.PathLike) else list(base)
    return [Path(b) if Path(b).is_absolute() else config_dir / b for b in bases]
