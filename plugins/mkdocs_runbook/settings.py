"""Engine settings: the plugin options of SPEC section 5 as plain data.

The MkDocs plugin's ``Config`` and the command line both produce one ``RunbookSettings``;
the engine reads nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .results import Status

#: SPEC 5: a site stays publishable while a target is down; only a broken check stops it.
DEFAULT_FAIL_ON: tuple[Status, ...] = (Status.ERROR,)


@dataclass(frozen=True)
class NotInstalled:
    """A Python object that mkdocs.yml names (``!!python/name:material.extensions.emoji.twemoji``)
    from a package that is not installed here, kept by name so a message can say which."""

    name: str


@dataclass(frozen=True)
class MarkdownSetup:
    """The Markdown extensions (and their options) that decide where a fence can sit in a
    site's pages: admonitions, tabs, lists and the like. The finder converts pages with them
    to see which check blocks the site shows; ``pymdownx.superfences`` is added by the finder."""

    extensions: tuple[str, ...]
    configs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


DEFAULT_HISTORY = ".cache/runbook/history.sqlite"
DEFAULT_HISTORY_KEEP = 90 * 86400.0
DEFAULT_ZONE = "local"
#: What a zone may be called (SPEC 11): the zone names a badge file and a history row and is
#: read back from reports other machines wrote, so only a safe word is one.
ZONE_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62})")


def zone_name(text: object, where: str) -> str:
    """``text`` when it is a zone name; ``ValueError`` naming ``where`` it came from."""
    if isinstance(text, str) and ZONE_NAME.fullmatch(text):
        return text
    raise ValueError(
        f"{where}: {str(text)[:80]!r} is not a zone name (a-z, 0-9 and '-', like eu-private)"
    )


@dataclass
class RunbookSettings:
    env: str = "local"
    environments: dict[str, dict[str, Any]] = field(default_factory=dict)
    catalog: Path | None = None
    timeout: float = 5.0
    #: ``runbook check --timeout``: replaces every check's own ``timeout`` when set.
    timeout_override: float | None = None
    concurrency: int = 32
    per_host: int = 8
    #: Check worker processes (SPEC 14); ``concurrency`` and ``per_host`` hold across them.
    workers: int = 1
    cache_ttl: float = 300.0
    stale_after: float = 86400.0
    fail_on: tuple[Status, ...] = DEFAULT_FAIL_ON
    allow_commands: bool = False
    allowed_hosts: list[str] = field(default_factory=list)
    #: Names or globs of environment variables command checks inherit (SPEC 8); their values
    #: are masked in every output.
    pass_env: list[str] = field(default_factory=list)
    #: Base directory for relative command working dirs and snippet includes.
    base_dir: Path = field(default_factory=Path.cwd)
    #: Folders ``pymdownx.snippets`` searches (``base_path``), so the CLI finds what the site finds.
    snippet_paths: list[Path] = field(default_factory=list)
    #: The site's block-level Markdown extensions (from mkdocs.yml); ``None``: the extensions
    #: of a typical Material for MkDocs site.
    markdown: MarkdownSetup | None = None
    #: The site's ``docs_dir``: pages are named relative to it in every front-end (SPEC 10: a
    #: check's history joins on ``page::id``). ``None`` without a mkdocs.yml.
    docs_dir: Path | None = None
    #: Where this run happens (SPEC 11): config ``zone``, ``--zone`` or ``RUNBOOK_ZONE``.
    zone: str = DEFAULT_ZONE
    #: The history store (SPEC 10): a path (SQLite) or a URL, relative to ``base_dir``;
    #: ``None`` records nothing.
    history: str | None = DEFAULT_HISTORY
    #: Seconds of history kept; older runs are pruned.
    history_keep: float = DEFAULT_HISTORY_KEEP
    #: Globs of JSON reports (``import``) whose results count as this site's latest.
    imports: list[str] = field(default_factory=list)
    #: Globs of Prometheus rule files (``alert_rules``) whose alerts link to this site.
    alert_rules: list[str] = field(default_factory=list)

    @property
    def variables(self) -> dict[str, Any]:
        """The chosen environment's variables ({} for an environment with none)."""
        return dict(self.environments.get(self.env) or {})


@dataclass
class SiteSettings:
    """What MkDocs itself reads from mkdocs.yml that decides a page's URL and its heading ids:
    where a published page lives (``site_url``, ``use_directory_urls``), which files are pages
    (``docs_dir``, ``exclude_docs`` and ``draft_docs`` as gitignore-style lines) and how
    Markdown becomes HTML (``markdown_extensions`` and their ``mdx_configs``, ``toc`` included).
    """

    docs_dir: Path = field(default_factory=lambda: Path("docs"))
    site_url: str | None = None
    use_directory_urls: bool = True
    markdown_extensions: list[Any] = field(default_factory=list)
    mdx_configs: dict[str, Any] = field(default_factory=dict)
    exclude_docs: list[str] = field(default_factory=list)
    draft_docs: list[str] = field(default_factory=list)


def parse_statuses(text: str | list[str] | tuple[str, ...]) -> tuple[Status, ...]:
    """``"fail,error"`` or ``["fail", "error"]`` → statuses; ``ValueError`` names a bad one."""
    items = text.split(",") if isinstance(text, str) else list(text)
    statuses = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        try:
            statuses.append(Status(item))
        except ValueError:
            allowed = ", ".join(s.value for s in Status)
            raise ValueError(f"unknown status {item!r} (expected one of: {allowed})") from None
    return tuple(statuses)
