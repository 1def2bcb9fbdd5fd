"""The check catalog (SPEC 1.3): shared checks in YAML files that runbooks ``use`` by id.

Every ``*.yml``/``*.yaml`` file under the catalog folder maps ids to checks in the schema of a
``check`` block. A broken file or entry never stops the others: a file that cannot be read is
recorded in ``Catalog.problems``, an entry that is invalid (or whose id is defined twice) is
kept as broken, so a page that uses it gets an ``error`` result naming the catalog file:line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..assertions import check_subject_for_kind, parse_assertion
from ..errors import AssertionSyntaxError, CheckDefinitionError, ResolveError
from ..model import PARAMS_BY_KIND, TARGET_KINDS, CheckSpec
from ..text import did_you_mean
from .schema import ID_PATTERN, build_spec
from .yaml_lines import (
    YamlWarning,
    compose_yaml,
    construct,
    key_lines,
    mapping_items,
    node_line,
)

__all__ = ["Catalog", "CatalogEntry", "load_catalog"]


@dataclass(frozen=True)
class CatalogEntry:
    """One catalog id: its check, or the reason it cannot be used."""

    id: str
    file: str
    line: int
    spec: CheckSpec | None = None
    error: CheckDefinitionError | None = None

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"


class Catalog:
    """The catalog's entries by id, and the problems found while loading it."""

    def __init__(
        self,
        entries: Mapping[str, CatalogEntry] | None = None,
        problems: list[CheckDefinitionError] | None = None,
    ) -> None:
        self.entries: dict[str, CatalogEntry] = dict(entries or {})
        #: Files that could not be read and entries that are broken, for front-ends to report.
        self.problems: list[CheckDefinitionError] = list(problems or [])

    @property
    def ids(self) -> list[str]:
        """Every id, usable or broken, sorted."""
        return sorted(self.entries)

    def merge(self, spec: CheckSpec) -> CheckSpec:
        """``spec`` with the catalog entry it ``use``s filled in: the entry's fields, overridden
        by the keys the page wrote; the page's place, id and source are kept.

        Raises ``ResolveError`` for an unknown, broken or cyclic ``use`` and
        ``CheckDefinitionError`` when the page's keys do not fit the entry's kind.
        """
        if spec.use is None:
            return spec
        merged = overlay(self._resolved(spec.use, ()), spec)
        _check_combination(merged, spec.use)
        return merged

    def _resolved(self, check_id: str, chain: tuple[str, ...]) -> CheckSpec:
        if check_id in chain:
            cycle = " -> ".join((*chain, check_id))
            raise ResolveError(f"catalog checks use each other in a cycle: {cycle}")
        entry = self.entries.get(check_id)
        if entry is None:
            used_by = f" (used by catalog check '{chain[-1]}')" if chain else ""
            raise ResolveError(
                f"unknown catalog check '{check_id}'{used_by}{did_you_mean(check_id, self.ids)}"
            )
        if entry.spec is None:
            raise ResolveError(f"catalog check '{check_id}' is invalid: {entry.error}")
        if entry.spec.use is None:
            return entry.spec
        return overlay(self._resolved(entry.spec.use, (*chain, check_id)), entry.spec)


def overlay(base: CheckSpec, top: CheckSpec) -> CheckSpec:
    """``base`` with every key ``top`` wrote taking its place. A different target replaces the
    base's kind-specific params as well; the same kind adds to them."""
    written = top.explicit
    if written & set(TARGET_KINDS):
        kind, target = top.kind, top.target
        params = dict(top.params) if top.kind != base.kind else {**base.params, **top.params}
    else:
        kind, target = base.kind, base.target
        params = {**base.params, **top.params}
    return dataclasses.replace(
        base,
        id=top.id or base.id,
        name=top.name if "name" in written else base.name,
        page=top.page,
        line=top.line,
        kind=kind,
        target=target,
        params=params,
        expect=top.expect if "expect" in written else base.expect,
        warn=top.warn if "warn" in written else base.warn,
        timeout=top.timeout if "timeout" in written else base.timeout,
        retries=top.retries if "retries" in written else base.retries,
        retry_delay=top.retry_delay if "retry_delay" in written else base.retry_delay,
        tags=top.tags if "tags" in written else base.tags,
        skip=top.skip if "skip" in written else base.skip,
        zones=top.zones if "zones" in written else base.zones,
        use=top.use,
        explicit=base.explicit | written,
        notes=base.notes + top.notes,
        source=top.source,
        lang=top.lang,
    )


def _check_combination(spec: CheckSpec, use: str) -> None:
    """The page's own keys were validated without knowing the kind; check them against it."""

    def error(message: str, line: int = 0) -> CheckDefinitionError:
        return CheckDefinitionError(
            f"with catalog check '{use}': {message}", file=spec.page, line=line or spec.line
        )

    # Every resolved entry has a target (the schema requires one, or a `use` that leads to one).
    assert spec.kind is not None
    allowed = PARAMS_BY_KIND[spec.kind]
    for key in spec.params:
        if key not in allowed:
            raise error(f"'{key}' does not apply to {spec.kind} checks")
    for source in (*spec.expect, *spec.warn):
        if "{{" in source.text or "{%" in source.text:
            continue  # checked once rendered, when the check runs
        try:
            check_subject_for_kind(parse_assertion(source.text), spec.kind)
        except AssertionSyntaxError as exc:
            raise error(f"'{source.text}': {exc.message}", source.line) from None


def load_catalog(folder: Path | None) -> Catalog:
    """Every ``*.yml``/``*.yaml`` file under ``folder`` (none, or no folder: an empty catalog).

    Entries are located as ``<folder name>/<file>`` (``checks/api.yml``) and the line of their id.
    """
    catalog = Catalog()
    if folder is None or not folder.is_dir():
        return catalog
    files = sorted(
        path for path in folder.rglob("*") if path.suffix in (".yml", ".yaml") and path.is_file()
    )
    first_seen: dict[str, CatalogEntry] = {}
    for path in files:
        shown = path.relative_to(folder.parent).as_posix()
        for entry in _file_entries(path, shown, catalog.problems):
            earlier = first_seen.get(entry.id)
            if earlier is None:
                first_seen[entry.id] = entry
                catalog.entries[entry.id] = entry
                continue
            twice = CheckDefinitionError(
                f"catalog id '{entry.id}' is defined twice: {earlier.location} and "
                f"{entry.location}; rename one",
                file=entry.file,
                line=entry.line,
            )
            catalog.entries[entry.id] = dataclasses.replace(entry, spec=None, error=twice)
    catalog.problems.extend(
        entry.error for entry in catalog.entries.values() if entry.error is not None
    )
    return catalog


def _file_entries(
    path: Path, shown: str, problems: list[CheckDefinitionError]
) -> list[CatalogEntry]:
    warnings: list[YamlWarning] = []
    try:
        text = path.read_bytes().decode("utf-8-sig")
        node = compose_yaml(text, file=shown, warnings=warnings)
    except UnicodeDecodeError:
        problems.append(CheckDefinitionError("not valid UTF-8", file=shown, line=1))
        return []
    except OSError as exc:
        problems.append(CheckDefinitionError(f"cannot read: {exc.strerror}", file=shown, line=1))
        return []
    except CheckDefinitionError as exc:
        problems.append(exc)
        return []
    if node is None:
        return []
    if not isinstance(node, yaml.MappingNode):
        problems.append(
            CheckDefinitionError(
                "a catalog file maps check ids to checks, like 'api-ready: {http: GET …}'",
                file=shown,
                line=node_line(node),
            )
        )
        return []
    lines = text.split("\n")
    return [_entry(key, value, shown, lines, warnings) for key, value in mapping_items(node)]


def _entry(
    key: yaml.Node, value: yaml.Node, shown: str, lines: list[str], warnings: list[YamlWarning]
) -> CatalogEntry:
    line = node_line(key)
    check_id = str(key.value) if isinstance(key, yaml.ScalarNode) else f"line-{line}"
    entry = CatalogEntry(check_id, shown, line)
    try:
        if not ID_PATTERN.fullmatch(check_id):
            raise CheckDefinitionError(
                f"catalog id '{check_id}' may only use a-z, 0-9 and '-'", file=shown, line=line
            )
        data = construct(value, file=shown)
        if not isinstance(data, dict):
            raise CheckDefinitionError(
                f"catalog check '{check_id}' must be a mapping of check keys (http:, expect: …)",
                file=shown,
                line=line,
            )
        # A block mapping ends where the next entry starts (column 0 of its line): that line
        # is not part of this entry's source.
        end = value.end_mark.line + (0 if value.end_mark.column == 0 else 1)
        source = "\n".join(lines[key.start_mark.line : end]).rstrip()
        spec = build_spec(data, page=shown, line=line, key_lines=key_lines(value), source=source)
        if spec.id and spec.id != check_id:
            raise CheckDefinitionError(
                f"the entry's id '{spec.id}' differs from its catalog id '{check_id}'",
                file=shown,
                line=key_lines(value).get("id", line),
            )
    except CheckDefinitionError as error:
        return dataclasses.replace(entry, error=error.located(shown, line))
    first, last = node_line(key), node_line(value) + value.end_mark.line - value.start_mark.line
    notes = tuple(str(w) for w in warnings if first <= w.line <= last)
    return dataclasses.replace(entry, spec=dataclasses.replace(spec, id=check_id, notes=notes))
