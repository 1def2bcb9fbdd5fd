"""Prometheus alerting rules as written: rule files (``groups[].rules[]``) and Kubernetes
``PrometheusRule`` objects, in multi-document YAML, named by file, folder or glob.

Only what links an alert to its runbook is read: the alert's name, its ``severity`` label and
``annotations.runbook_url``, with the file and line of the rule. The YAML is walked as
PyYAML's node tree, never constructed, so an alias bomb costs nothing and every alert keeps
its line. A file that cannot be read is one ``ReadError`` (file and line); the other files
are still read.
"""

from __future__ import annotations

import glob
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

__all__ = ["AlertRule", "ReadError", "RuleSet", "expand_rule_paths", "read_rules"]

#: File endings a folder is searched for.
RULE_FILE_SUFFIXES = (".yml", ".yaml")
_NULL_TAG = "tag:yaml.org,2002:null"
_SURROGATE = re.compile("[\ud800-\udfff]")
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class AlertRule:
    """One alerting rule. ``runbook_url`` is ``None`` when the rule has none (or an empty one)."""

    name: str
    file: str
    line: int
    group: str = ""
    severity: str = ""
    runbook_url: str | None = None

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class ReadError:
    """A rule file, a rule in it, or a linked page that could not be read. ``line`` is 0 when
    unknown."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


@dataclass
class RuleSet:
    """The alerts of some rule files, in file order, and what could not be read."""

    alerts: list[AlertRule] = field(default_factory=list)
    errors: list[ReadError] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def expand_rule_paths(patterns: Sequence[str], *, base_dir: Path | None = None) -> list[Path]:
    """Files named by ``patterns``: a file, a folder (its ``*.yml``/``*.yaml``, recursively) or
    a glob (``**`` allowed), relative to ``base_dir`` (default: the working directory).

    ``FileNotFoundError`` names a pattern that matches nothing: a typo in a CI job must not
    pass as "no alerts".
    """
    found: list[Path] = []
    for pattern in patterns:
        full = str(Path(pattern) if base_dir is None else base_dir / pattern)  # absolute stays
        matches = sorted(glob.glob(full, recursive=True))  # noqa: PTH207 (absolute and relative globs alike)
        files = [file for match in matches for file in _files_in(Path(match))]
        if not files:
            raise FileNotFoundError(f"no rule files at {pattern!r}")
        found += [file for file in files if file not in found]
    return found


def _files_in(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in RULE_FILE_SUFFIXES and p.is_file())
    return [path] if path.is_file() else []


def read_rules(files: Sequence[Path], *, display_base: Path | None = None) -> RuleSet:
    """The alerts of ``files``. Files are named relative to ``display_base`` when under it."""
    rules = RuleSet()
    for path in files:
        name = _display_name(path, display_base)
        rules.files.append(name)
        reader = _FileReader(name)
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            rules.errors.append(ReadError(name, 0, f"not valid UTF-8 (byte {exc.start})"))
            continue
        except OSError as exc:
            rules.errors.append(ReadError(name, 0, f"cannot read: {exc.strerror}"))
            continue
        reader.read(text)
        rules.alerts += reader.alerts
        rules.errors += reader.errors
    return rules


def _display_name(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


class _FileReader:
    """Reads one file's documents; collects its alerts and errors."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.alerts: list[AlertRule] = []
        self.errors: list[ReadError] = []

    def read(self, text: str) -> None:
        try:
            documents = [node for node in _compose_all(text) if node is not None]
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else 0
            problem = "; ".join(p for p in (exc.context, exc.problem) if p) or "not valid YAML"
            self.errors.append(ReadError(self.name, line, f"invalid YAML: {problem}"))
            return
        except yaml.reader.ReaderError as exc:
            line = text.count("\n", 0, max(exc.position, 0)) + 1
            message = f"invalid YAML: character #x{exc.character:04x} is not allowed"
            self.errors.append(ReadError(self.name, line, message))
            return
        except yaml.YAMLError as exc:
            self.errors.append(ReadError(self.name, 0, f"invalid YAML: {exc}"))
            return
        except RecursionError:
            self.errors.append(ReadError(self.name, 0, "invalid YAML: nested too deeply"))
            return
        groups_found = False
        for document in documents:
            for groups in self._groups_of(document):
                groups_found = True
                self._read_groups(groups)
        if not groups_found:
            self.errors.append(
                ReadError(
                    self.name,
                    0,
                    "not a Prometheus rule file: no top-level 'groups' and no PrometheusRule "
                    "object with 'spec.groups'",
                )
            )

    def _groups_of(self, document: yaml.Node) -> Iterator[yaml.Node]:
        """The ``groups`` nodes of one document: a rule file, a ``PrometheusRule`` or a
        Kubernetes ``List`` of them; nothing for any other Kubernetes object."""
        if not isinstance(document, yaml.MappingNode):
            return
        groups = _get(document, "groups")
        if groups is not None:
            yield groups
            return
        kind = _text(_get(document, "kind"))
        if kind == "PrometheusRule":
            spec = _get(document, "spec")
            spec_groups = _get(spec, "groups") if spec is not None else None
            if spec_groups is None:
                self._error(document, "PrometheusRule without 'spec.groups'")
            else:
                yield spec_groups
        elif kind.endswith("List"):
            items = _get(document, "items")
            for item in items.value if isinstance(items, yaml.SequenceNode) else []:
                yield from self._groups_of(item)

    def _read_groups(self, groups: yaml.Node) -> None:
        if _is_null(groups):
            return
        if not isinstance(groups, yaml.SequenceNode):
            self._error(groups, "'groups' must be a list of rule groups")
            return
        for group in groups.value:
            if not isinstance(group, yaml.MappingNode):
                self._error(group, "a rule group must be a mapping with 'name' and 'rules'")
                continue
            group_name = _text(_get(group, "name"))
            rules = _get(group, "rules")
            if rules is None or _is_null(rules):
                continue
            if not isinstance(rules, yaml.SequenceNode):
                self._error(rules, f"group '{group_name}': 'rules' must be a list")
                continue
            for rule in rules.value:
                self._read_rule(rule, group_name)

    def _read_rule(self, rule: yaml.Node, group: str) -> None:
        if not isinstance(rule, yaml.MappingNode):
            self._error(rule, f"group '{group}': a rule must be a mapping")
            return
        alert = _get(rule, "alert")
        if alert is None:
            if _get(rule, "record") is None:
                self._error(rule, f"group '{group}': a rule needs 'alert' or 'record'")
            return  # a recording rule has no runbook
        name = _text(alert)
        if not isinstance(alert, yaml.ScalarNode) or not name:
            self._error(alert, f"group '{group}': 'alert' must be a name")
            return
        labels = _get(rule, "labels")
        annotations = _get(rule, "annotations")
        url_node = _get(annotations, "runbook_url") if annotations is not None else None
        if url_node is not None and not isinstance(url_node, yaml.ScalarNode):
            self._error(url_node, f"alert '{name}': 'runbook_url' must be a string")
            return
        runbook_url = _text(url_node).strip() or None
        self.alerts.append(
            AlertRule(
                name=name,
                file=self.name,
                line=rule.start_mark.line + 1,
                group=group,
                severity=_text(_get(labels, "severity")) if labels is not None else "",
                runbook_url=runbook_url,
            )
        )

    def _error(self, node: yaml.Node, message: str) -> None:
        self.errors.append(ReadError(self.name, node.start_mark.line + 1, message))


def _compose_all(text: str) -> Iterator[yaml.Node | None]:
    loader = _LOADER(text)
    try:
        while loader.check_node():
            yield loader.get_node()
    finally:
        loader.dispose()


def _get(mapping: yaml.Node | None, key: str) -> yaml.Node | None:
    """The value node of ``key`` (the last one, as PyYAML and Prometheus keep it)."""
    if not isinstance(mapping, yaml.MappingNode):
        return None
    found = None
    for key_node, value_node in mapping.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            found = value_node
    return found


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG


def _text(node: yaml.Node | None) -> str:
    """A scalar's text (``""`` for null, a missing key or a collection). A lone surrogate (a
    ``"\\ud800"`` escape) is no character: it becomes U+FFFD, so every output can encode it."""
    if not isinstance(node, yaml.ScalarNode) or node.tag == _NULL_TAG:
        return ""
    return _SURROGATE.sub("\ufffd", str(node.value))
