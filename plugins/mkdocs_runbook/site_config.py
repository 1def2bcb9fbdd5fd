"""Reading mkdocs.yml as MkDocs reads it, without loading the site's theme or other plugins.

The commands run checks on machines that never build the site (a CI runner inside a private
network, SPEC 11), where the theme and the site's other plugins are usually not installed, and
MkDocs' full validation (``mkdocs.config.load_config``) stops at them. So the file is read with
MkDocs' own YAML loader (``!ENV``, ``!relative``, ``INHERIT``), a Python object it names from
a package that is not installed reads as ``NotInstalled`` instead of failing the whole file,
and ``project`` validates only the settings the checks depend on, each with its own definition.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from mkdocs.exceptions import ConfigurationError
from mkdocs.utils.yaml import get_yaml_loader, yaml_load

from .errors import ConfigError
from .settings import NotInstalled

CONFIG_NAMES = ("mkdocs.yml", "mkdocs.yaml")
PLUGIN_NAME = "runbook"
#: MkDocs turns these on before the site's own list (``MkDocsConfig.markdown_extensions``).
MKDOCS_BUILTIN_EXTENSIONS = ("toc", "tables", "fenced_code")

_PYTHON_TAGS = tuple(
    f"tag:yaml.org,2002:python/{kind}:"
    for kind in ("name", "module", "object", "object/apply", "object/new")
)

MultiConstructor = Callable[[yaml.BaseLoader, str, yaml.Node], Any]
Constructor = Callable[[yaml.BaseLoader, yaml.Node], Any]


class PathBase:
    """The folders MkDocs' ``!relative`` tags resolve against: a stand-in for the
    ``MkDocsConfig`` those placeholders are normally given (config file, docs_dir; there is no
    current page outside a build)."""

    def __init__(self, config_file: Path) -> None:
        self.config_file_path = str(config_file)
        self.docs_dir = str(config_file.parent / "docs")
        self._current_page = None


@dataclass
class SiteFile:
    """One mkdocs.yml, read: ``data`` is the merged result of it and the files it INHERITs."""

    path: Path
    data: dict[str, Any]
    path_base: PathBase
    #: Values ``!ENV`` took from the environment: masked in every message about the file.
    from_environment: list[str] = field(default_factory=list)

    @property
    def shown(self) -> str:
        return shown_path(self.path)


def shown_path(path: Path) -> str:
    """A file as messages name it: relative to the working directory when below it."""
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def find_config_file(starts: list[Path]) -> Path | None:
    """The first mkdocs.yml (or mkdocs.yaml) found walking up from each start in turn."""
    for start in starts:
        folder = start.resolve()
        if not folder.is_dir():
            folder = folder.parent
        for candidate in (folder, *folder.parents):
            for name in CONFIG_NAMES:
                if (candidate / name).is_file():
                    return candidate / name
    return None


def _unless_not_installed(construct: MultiConstructor) -> MultiConstructor:
    def construct_or_placeholder(loader: yaml.BaseLoader, suffix: str, node: yaml.Node) -> Any:
        package = suffix.split(".", 1)[0]
        try:
            installed = not package or importlib.util.find_spec(package) is not None
        except (ImportError, ValueError):
            installed = False
        return construct(loader, suffix, node) if installed else NotInstalled(suffix)

    return construct_or_placeholder


def _recording(construct_env: Constructor, from_environment: list[str]) -> Constructor:
    def construct(loader: yaml.BaseLoader, node: yaml.Node) -> Any:
        # ``!ENV NAME`` or ``!ENV [NAME, OTHER, default]``: the first name that is set wins.
        names = [node.value] if isinstance(node, yaml.ScalarNode) else [n.value for n in node.value]
        taken = next((os.environ[name] for name in names if name in os.environ), None)
        if taken:
            from_environment.append(taken)
        return construct_env(loader, node)

    return construct


def _site_loader(site: SiteFile) -> type[yaml.BaseLoader]:
    mkdocs_loader: type[yaml.BaseLoader] = get_yaml_loader(config=site.path_base)  # type: ignore[arg-type]

    class SiteLoader(mkdocs_loader):  # type: ignore[valid-type,misc]
        """MkDocs' loader, but ``!!python/name:material…`` without Material is a value, and
        what ``!ENV`` reads is remembered so messages can mask it."""

    SiteLoader.add_constructor(
        "!ENV", _recording(mkdocs_loader.yaml_constructors["!ENV"], site.from_environment)
    )
    for tag in _PYTHON_TAGS:
        SiteLoader.add_multi_constructor(
            tag, _unless_not_installed(mkdocs_loader.yaml_multi_constructors[tag])
        )
    return SiteLoader


def read_site_file(path: Path) -> SiteFile:
    """mkdocs.yml as MkDocs' loader reads it (INHERIT merged); a ``ConfigError`` naming the
    file when it cannot be read or is not a mapping."""
    path = path.resolve()
    site = SiteFile(path, {}, PathBase(path))
    try:
        with path.open("rb") as stream:
            data = yaml_load(stream, _site_loader(site))
    except ConfigurationError as exc:
        raise ConfigError(f"{site.shown}: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{site.shown}: cannot read: {exc.strerror}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{site.shown}: expected a mapping of settings")
    site.data = data
    return site


def markdown_extensions(site: SiteFile) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The site's Markdown extensions, MkDocs' own first, and each one's options, read as
    ``MkDocsConfig.markdown_extensions`` reads them (a list of names or one-key mappings, or
    a mapping)."""
    value = site.data.get("markdown_extensions") or []
    entries: Iterator[tuple[object, object]]
    if isinstance(value, dict):
        entries = iter(value.items())
    elif isinstance(value, list):
        entries = (_list_entry(site, item) for item in value)
    else:
        raise ConfigError(f"{site.shown}: markdown_extensions: expected a list of extensions")
    names = list(MKDOCS_BUILTIN_EXTENSIONS)
    configs: dict[str, dict[str, Any]] = {}
    for name, options in entries:
        if not isinstance(name, str):
            raise ConfigError(f"{site.shown}: markdown_extensions: {name!r} is not a name")
        if not isinstance(options, dict | None):
            raise ConfigError(
                f"{site.shown}: markdown_extensions: invalid options for extension '{name}'"
            )
        if name not in names:
            names.append(name)
        configs[name] = dict(options or {})
    return names, configs


def _list_entry(site: SiteFile, item: object) -> tuple[object, object]:
    if isinstance(item, dict):
        if len(item) != 1:
            raise ConfigError(f"{site.shown}: markdown_extensions: invalid entry {item!r}")
        return next(iter(item.items()))
    return item, None


def runbook_options(site: SiteFile) -> dict[str, Any] | None:
    """The options given to the ``runbook`` plugin (a copy), or ``None`` when it is not
    listed under ``plugins:``. Parsed as MkDocs parses the list; other plugins are left alone."""
    value = site.data.get("plugins")
    entries: list[tuple[object, object]]
    if isinstance(value, dict):
        entries = list(value.items())
    elif isinstance(value, list):
        entries = [
            next(iter(item.items())) if isinstance(item, dict) and len(item) == 1 else (item, {})
            for item in value
        ]
    else:
        return None
    for name, options in entries:
        if name in (PLUGIN_NAME, f"/{PLUGIN_NAME}"):
            if not isinstance(options, dict | None):
                raise ConfigError(f"{site.shown}: invalid options for the '{PLUGIN_NAME}' plugin")
            return dict(options or {})
    return None


def option_line(site: SiteFile, keys: tuple[str, ...]) -> tuple[Path, int] | None:
    """Where in the file (or a file it INHERITs) the setting at ``keys`` is written, as
    ``(file, 1-based line)``; for ``("plugins", "runbook", option)`` the plugin's line when the
    option is not written there. ``None`` when it cannot be found."""
    file: Path | None = site.path
    seen: set[Path] = set()
    while file is not None and file not in seen and file.is_file():
        seen.add(file)
        try:
            root = yaml.compose(file.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        except (yaml.YAMLError, OSError, UnicodeDecodeError):
            return None
        node = _written_at(root, keys)
        if node is not None:
            return file, node.start_mark.line + 1
        parent = _value_of(root, "INHERIT")
        file = (file.parent / str(parent.value)).resolve() if parent is not None else None
    return None


def _written_at(root: yaml.Node | None, keys: tuple[str, ...]) -> yaml.Node | None:
    """The node of the deepest of ``keys`` written in ``root`` (the first key must be)."""
    found: yaml.Node | None = None
    node = root
    for key in keys:
        child = _child(node, key)
        if child is None:
            return found
        found = child
        node = _value_of(node, key)
    return found


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The key node named ``key`` in a mapping, or the list item naming it (``- runbook`` or
    ``- runbook: {…}``) in a sequence."""
    if isinstance(node, yaml.MappingNode):
        return next((k for k, _ in node.value if getattr(k, "value", None) == key), None)
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if isinstance(item, yaml.ScalarNode) and item.value == key:
                return item
            found = _child(item, key) if isinstance(item, yaml.MappingNode) else None
            if found is not None:
                return found
    return None


def _value_of(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        return next((v for k, v in node.value if getattr(k, "value", None) == key), None)
    if isinstance(node, yaml.SequenceNode):
        return next((_value_of(item, key) for item in node.value if _child(item, key)), None)
    return None
