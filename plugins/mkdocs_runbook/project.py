"""Reading a project's mkdocs.yml for the command line and pytest, so they run the checks
with exactly the settings, catalog and docs folder the site build uses."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError
from .settings import RunbookSettings

DEFAULT_CONFIG = "mkdocs.yml"


@dataclass
class Project:
    settings: RunbookSettings
    docs_dir: Path | None = None
    config_file: Path | None = None

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


def find_config(start: Path | None) -> Path | None:
    """The mkdocs.yml found walking up from ``start`` (the first PATH), then from the working
    directory (SPEC 7); ``None`` when there is none."""
    origins = [start] if start is not None else []
    for origin in [*origins, Path.cwd()]:
        folder = origin.resolve()
        if not folder.is_dir():
            folder = folder.parent
        for candidate in (folder, *folder.parents):
            if (candidate / DEFAULT_CONFIG).is_file():
                return _relative(candidate / DEFAULT_CONFIG)
    return None


def load_project(
    config_file: str | None, *, env: str | None = None, start: Path | None = None
) -> Project:
    """Settings from ``config_file`` (or the mkdocs.yml ``find_config`` finds from ``start``),
    else defaults.

    An explicitly named file that is missing or invalid is a ``ConfigError``.
    """
    path = Path(config_file) if config_file else find_config(start)
    if path is None or not path.is_file():
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
        from .config import RunbookConfig, apply_optional_defaults

        defaults = RunbookConfig()
        options: dict[str, object] = {}
        apply_optional_defaults(options)
        defaults.load_dict(options)
        defaults.validate()
        settings = settings_from_config(
            defaults, config_dir=config_dir, snippet_paths=snippet_paths
        )
    else:
        settings = settings_from_config(
            plugin.config, config_dir=config_dir, snippet_paths=snippet_paths
        )
    settings.docs_dir = Path(config.docs_dir)
    return Project(settings=settings, docs_dir=Path(config.docs_dir), config_file=path)
