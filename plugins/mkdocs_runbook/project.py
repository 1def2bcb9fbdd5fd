"""Reading a project's mkdocs.yml for the command line and pytest, so they run the checks
with exactly the settings, catalog, docs folder and Markdown the site build uses.

Only what the checks depend on is read and validated (``site_config``): the ``runbook``
plugin's options (with the plugin's own ``RunbookConfig``), ``site_url``, ``docs_dir``,
``use_directory_urls`` and the Markdown extensions that decide where a check block can sit.
The theme and the other plugins need not be installed: a runner needs only this package.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mkdocs.exceptions import ConfigurationError

from .config import (
    ConfigProblems,
    SiteOptions,
    load_runbook_config,
    settings_from_config,
    snippet_dirs,
)
from .errors import ConfigError
from .find import site_setup
from .resolve import Redactor
from .settings import RunbookSettings, SiteSettings
from .site_config import (
    PLUGIN_NAME,
    SiteFile,
    find_config_file,
    markdown_extensions,
    option_line,
    read_site_file,
    runbook_options,
    shown_path,
)

_SITE_KEYS = ("site_url", "docs_dir", "use_directory_urls")


@dataclass
class Project:
    settings: RunbookSettings
    docs_dir: Path | None = None
    config_file: Path | None = None
    #: ``site_url`` as MkDocs validates it (ending in ``/``), when the site sets one.
    site_url: str | None = None
    use_directory_urls: bool = True
    #: Things the user should know that do not stop the command (one line each).
    warnings: list[str] = field(default_factory=list)
    #: The site's Markdown extensions (MkDocs' own first) and their options, and the lines of
    #: ``exclude_docs`` and ``draft_docs``: which files are pages, and their heading ids.
    markdown_extensions: list[str] = field(default_factory=list)
    mdx_configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    exclude_docs: list[str] = field(default_factory=list)
    draft_docs: list[str] = field(default_factory=list)

    @property
    def site(self) -> SiteSettings:
        """What decides a page's URL and its heading ids (``runbook alerts``)."""
        return SiteSettings(
            docs_dir=self.docs_dir or Path("docs"),
            site_url=self.site_url,
            use_directory_urls=self.use_directory_urls,
            markdown_extensions=list(self.markdown_extensions),
            mdx_configs=dict(self.mdx_configs),
            exclude_docs=list(self.exclude_docs),
            draft_docs=list(self.draft_docs),
        )

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


def load_project(
    config_file: str | None, *, env: str | None = None, paths: Sequence[Path] = ()
) -> Project:
    """Settings from ``config_file``, else from the mkdocs.yml found walking up from the first
    of ``paths`` and then from the working directory (SPEC 7), else defaults.

    An explicitly named file that is missing, or any invalid file, is a ``ConfigError``.
    """
    if config_file:
        path: Path | None = Path(config_file)
        if not Path(config_file).is_file():
            raise ConfigError(f"config file not found: {config_file}")
    else:
        path = find_config_file([*paths[:1], Path.cwd()])
    if path is None:
        project = Project(settings=RunbookSettings(catalog=Path("checks")))
    else:
        project = _from_mkdocs(read_site_file(path))
    if env is not None:
        project.settings.env = env
    if project.settings.environments and project.settings.env not in project.settings.environments:
        known = ", ".join(sorted(project.settings.environments))
        raise ConfigError(f"unknown environment '{project.settings.env}' (defined: {known})")
    return project


def _from_mkdocs(site: SiteFile) -> Project:
    config_dir = site.path.parent
    options = SiteOptions(config_file_path=str(site.path))
    options.load_dict({key: site.data[key] for key in _SITE_KEYS if key in site.data})
    site_errors, _ = options.validate()
    if site_errors:
        raise ConfigError(_problems(site, site_errors, prefix=()))
    site.path_base.docs_dir = options.docs_dir  # for `!relative $docs_dir/…` values

    extensions, extension_configs = markdown_extensions(site)
    setup, unusable = site_setup(extensions, extension_configs)
    mask = Redactor(site.from_environment).text
    warnings = [
        mask(
            f"{site.shown}: Markdown extension '{name}' {problem}: blocks are found as if it "
            "were off, so checks inside the Markdown it handles may differ from the site build's"
        )
        for name, problem in unusable
    ]

    raw = runbook_options(site)
    config, errors, config_warnings = load_runbook_config(raw or {}, str(site.path))
    if errors:
        raise ConfigError(_problems(site, errors, prefix=("plugins", PLUGIN_NAME)))
    warnings += _problems(site, config_warnings, prefix=("plugins", PLUGIN_NAME)).splitlines()
    try:
        snippet_paths = snippet_dirs(extensions, extension_configs, config_dir)
    except ConfigurationError:  # MkDocs' placeholder refuses: there is no current page here
        raise ConfigError(
            f"{site.shown}: pymdownx.snippets base_path: a bare '!relative' (each page's own "
            "folder) cannot be used by runbook; name the folder, e.g. '!relative $docs_dir/…'"
        ) from None
    settings = settings_from_config(config, config_dir=config_dir, snippet_paths=snippet_paths)
    settings.markdown = setup
    settings.docs_dir = Path(options.docs_dir)
    return Project(
        settings=settings,
        docs_dir=Path(options.docs_dir),
        config_file=site.path,
        site_url=options.site_url,
        use_directory_urls=options.use_directory_urls,
        warnings=warnings,
        markdown_extensions=extensions,
        mdx_configs=extension_configs,
        exclude_docs=_pattern_lines(site.data.get("exclude_docs")),
        draft_docs=_pattern_lines(site.data.get("draft_docs")),
    )


def _pattern_lines(value: object) -> list[str]:
    """``exclude_docs``/``draft_docs`` as written: gitignore-style lines in one string."""
    return value.splitlines() if isinstance(value, str) else []


def _problems(site: SiteFile, problems: ConfigProblems, *, prefix: tuple[str, ...]) -> str:
    """One ``file:line: setting: message`` line per problem (MkDocs' own wording after it),
    with what ``!ENV`` read masked: a message may quote the value it refuses."""
    mask = Redactor(site.from_environment).text
    lines = []
    for key, message in problems:
        where = option_line(site, (*prefix, key))
        place = f"{shown_path(where[0])}:{where[1]}" if where else site.shown
        setting = f"plugin '{PLUGIN_NAME}' option '{key}'" if prefix else f"'{key}'"
        lines.append(mask(f"{place}: {setting}: {message}"))
    return "\n".join(lines)
