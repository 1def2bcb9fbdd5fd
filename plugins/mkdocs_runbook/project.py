"""Reading a project's mkdocs.yml for the command line and pytest, so they run the checks
with exactly the settings, catalog and docs folder the site build uses."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .settings import RunbookSettings, SiteSettings

DEFAULT_CONFIG = "mkdocs.yml"


@dataclass
class Project:
    settings: RunbookSettings
    docs_dir: Path | None = None
    config_file: Path | None = None
    #: What MkDocs reads for URLs and heading ids (``runbook alerts`` maps URLs with it).
    site: SiteSettings = field(default_factory=SiteSettings)

    def default_paths(self) -> list[Path]:
        if self.docs_dir is not None:
            return [_relative(self.docs_dir)]
        docs = Path("docs")
        return [docs if docs.is_dir() else Path()]


def _relative(path: Path) -> Path:
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def find_config_file(paths: Sequence[Path] = ()) -> Path:
    """The mkdocs.yml a run without ``-f`` reads (SPEC 7): the nearest one walking up from the
    first PATH, else from the working directory; ``./mkdocs.yml`` (absent) when there is none."""
    starts = [*paths[:1], Path.cwd()]
    for start in starts:
        folder = start.resolve()
        if not folder.is_dir():
            folder = folder.parent
        for candidate in (folder, *folder.parents):
            if (candidate / DEFAULT_CONFIG).is_file():
                return _relative(candidate / DEFAULT_CONFIG)
    return Path(DEFAULT_CONFIG)


def load_project(
    config_file: str | None, *, env: str | None = None, paths: Sequence[Path] = ()
) -> Project:
    """Settings from ``config_file``, else from the mkdocs.yml ``find_config_file`` finds for
    ``paths``, else defaults.

    An explicitly named file that is missing or invalid is a ``ConfigError``.
    """
    path = Path(config_file) if config_file else find_config_file(paths)
    if not path.is_file():
        if config_file:
            raise ConfigError(f"config file not found: {config_file}")
        settings = RunbookSettings(catalog=Path("checks"))
        project = Project(settings=settings)
    else:
        project = _from_mkdocs(path)
    if env is not None:
        project.settings.env = env
    if project.settings.environments and project.settings.env not in project.settings.environments:
        known = ", ".join(sorted(project.settings.environments))
        raise ConfigError(f"unknown environment '{project.settings.env}' (defined: {known})")
    return project


def _from_mkdocs(path: Path) -> Project:
    # Imported here so the engine modules never pull mkdocs in (DESIGN: a test says so).
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    from .config import settings_from_config, snippet_dirs
    from .plugin import RunbookPlugin

    quiet = logging.getLogger("mkdocs")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # the CLI is not building: spare users mkdocs' chatter
    try:
        config = load_config(config_file=str(path))
    except (ConfigurationError, Abort) as exc:
        # mkdocs reports an invalid config with Abort, a SystemExit: keep it a usage error.
        raise ConfigError(f"{path}: {exc}") from None
    finally:
        quiet.setLevel(level)
    config_dir = path.resolve().parent
    snippet_paths = snippet_dirs(config, config_dir)
    plugin = next((p for p in config.plugins.values() if isinstance(p, RunbookPlugin)), None)
    if plugin is None:
        from .config import RunbookConfig

        defaults = RunbookConfig()
        defaults.load_dict({})
        defaults.validate()
        settings = settings_from_config(
            defaults, config_dir=config_dir, snippet_paths=snippet_paths
        )
    else:
        settings = settings_from_config(
            plugin.config, config_dir=config_dir, snippet_paths=snippet_paths
        )
    return Project(
        settings=settings,
        docs_dir=Path(config.docs_dir),
        config_file=path,
        site=_site_settings(config),
    )


def _site_settings(config: Any) -> SiteSettings:
    def lines(spec: Any) -> list[str]:  # a pathspec as loaded: its lines as written
        return [pattern.pattern for pattern in getattr(spec, "patterns", []) if pattern.pattern]

    return SiteSettings(
        docs_dir=Path(config.docs_dir),
        site_url=config.site_url or None,
        use_directory_urls=bool(config.use_directory_urls),
        markdown_extensions=list(config.markdown_extensions),
        mdx_configs=dict(config.mdx_configs),
        exclude_docs=lines(config.exclude_docs),
        draft_docs=lines(config.draft_docs),
    )
