"""YAML with line numbers, so an error can point at the key or list item that caused it.

PyYAML's node API (``compose``) keeps where every node starts; the data is constructed from
the same nodes with the safe constructor (no ``!!python`` tags).

Templates are opaque to YAML: ``http: {{ api }}/healthz`` is what an author writes, but to
YAML a value that starts with ``{`` opens a flow mapping. Each one-line ``{{ … }}`` and
``{% … %}`` stands in as a plain word while YAML reads the text and is put back into the
values afterwards, so it survives exactly as written, quoted or not.

Two traps of plain (unquoted) values get words of their own: ``run: echo "a: b"`` is a
mapping inside a value (the error says to quote the whole value or use ``run: |``), and
``run: echo "ticket #42"`` silently ends at `` #`` (a warning, ``cut_by_comments``).

Aliases are bounded: an alias shares its anchor's node, so a few hundred bytes of nested
aliases stand for billions of nodes once anything walks the data. The expanded size is counted
on the node graph before anything is built, and a document whose aliases add more than
``ALIAS_EXPANSION_LIMIT`` nodes, or that refers to itself, is an error at the anchor's line.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import yaml

from ..errors import CheckDefinitionError

_TEMPLATE = re.compile(r"\{\{[^\n]*?\}\}|\{%[^\n]*?%\}")
# Private-use characters: printable to YAML, and never in a template or in ordinary text.
_STAND_IN_OPEN, _STAND_IN_CLOSE = "\ue000", "\ue001"
_STAND_IN = re.compile(f"{_STAND_IN_OPEN}(\\d+){_STAND_IN_CLOSE}")
#: Nodes that aliases may add to a document once expanded (a catalog sharing a block of
#: defaults among a thousand checks stays far below it).
ALIAS_EXPANSION_LIMIT = 100_000


@dataclass(frozen=True)
class YamlWarning:
    """Something the YAML reads as other than the author probably meant; not an error."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class LoadedYaml:
    """A YAML document's data and its node tree (``None`` for an empty document), and the
    warnings about it (``file:line: message``)."""

    data: Any
    node: yaml.Node | None
    warnings: tuple[str, ...] = ()


def load_yaml(text: str, *, file: str = "", first_line: int = 1) -> LoadedYaml:
    """Parse ``text`` safely. A syntax error, an unsupported tag or a key given twice in one
    mapping is a ``CheckDefinitionError`` at ``file`` and the line of the problem, counting
    the first line of ``text`` as ``first_line``."""
    warnings: list[YamlWarning] = []
    node = compose_yaml(text, file=file, first_line=first_line, warnings=warnings)
    if node is None:
        return LoadedYaml(None, None)
    data = construct(node, file=file, first_line=first_line)
    return LoadedYaml(data, node, tuple(map(str, warnings)))


#: libyaml's safe loader when PyYAML was built with it (four times faster on check blocks), the
#: pure-Python one otherwise; both build the same nodes with the same marks.
_FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def compose_yaml(
    text: str, *, file: str = "", first_line: int = 1, warnings: list[YamlWarning] | None = None
) -> yaml.Node | None:
    """The node tree of a YAML document (``None`` when empty), keys checked for repeats.
    ``warnings`` receives one for each value a comment cut short."""
    templates: list[str] = []

    def stand_in(match: re.Match[str]) -> str:
        templates.append(match.group(0))
        return f"{_STAND_IN_OPEN}{len(templates) - 1}{_STAND_IN_CLOSE}"

    readable = text if _STAND_IN_OPEN in text else _TEMPLATE.sub(stand_in, text)
    try:
        node = _single_node(_FAST_LOADER, readable)
    except yaml.YAMLError:
        # The pure-Python parser words and places its errors best: ask it again.
        with _as_definition_error(file, first_line, text):
            node = _single_node(yaml.SafeLoader, readable)
    if node is None:
        return None
    if "*" in readable:  # every alias starts with one: without it there is nothing to expand
        _refuse_alias_bombs(node, file=file, first_line=first_line)
    if warnings is not None and "#" in readable:  # no `#`, no value a comment could cut
        for warning in cut_by_comments(node, readable, file=file, first_line=first_line):
            message = _STAND_IN.sub(lambda m: templates[int(m.group(1))], warning.message)
            warnings.append(YamlWarning(warning.file, warning.line, message))
    _put_back_and_refuse_duplicate_keys(node, templates, file=file, first_line=first_line)
    return node


def _single_node(loader_type: type[yaml.SafeLoader], text: str) -> yaml.Node | None:
    loader = loader_type(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


def construct(node: yaml.Node, *, file: str = "", first_line: int = 1) -> Any:
    """The Python data of a node (or of one subtree of a document), built safely: by the safe
    loader's constructor alone, since the text was read already."""
    with _as_definition_error(file, first_line):
        return yaml.constructor.SafeConstructor().construct_document(node)


@contextmanager
def _as_definition_error(file: str, first_line: int, text: str = "") -> Iterator[None]:
    try:
        yield
    except yaml.reader.ReaderError as exc:
        # Raised before any mark exists: a control character YAML does not allow.
        line = first_line + text.count("\n", 0, max(exc.position, 0))
        raise CheckDefinitionError(
            f"invalid YAML: character #x{exc.character:04x} is not allowed", file=file, line=line
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark is not None else first_line
        parts = [part for part in (exc.context, exc.problem) if part]
        message = "; ".join(parts) or "not valid YAML"
        if exc.problem == "mapping values are not allowed here":
            message += (
                ' — a value holding ": " must be quoted as a whole (run: \'echo "a: b"\') '
                "or written as a block (run: |, then the command indented on the next line)"
            )
        raise CheckDefinitionError(f"invalid YAML: {message}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise CheckDefinitionError(f"invalid YAML: {exc}", file=file, line=first_line) from None
    except ValueError as exc:
        # A value that matches a YAML type but cannot be built: 2024-02-31, a 5000-digit int.
        raise CheckDefinitionError(
            f"invalid YAML value: {exc}", file=file, line=first_line
        ) from None
    except RecursionError:
        raise CheckDefinitionError(
            "invalid YAML: nested too deeply", file=file, line=first_line
        ) from None


def node_line(node: yaml.Node, first_line: int = 1) -> int:
    return first_line + node.start_mark.line


def key_lines(node: yaml.Node | None, first_line: int = 1) -> dict[str, int]:
    """Lines of a mapping's keys (``"expect"``) and of the items of list values
    (``"expect[0]"``, ``"expect[1]"``…); empty for anything but a mapping."""
    lines: dict[str, int] = {}
    if not isinstance(node, yaml.MappingNode):
        return lines
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        key = str(key_node.value)
        lines[key] = node_line(key_node, first_line)
        if isinstance(value_node, yaml.SequenceNode):
            for index, item in enumerate(value_node.value):
                lines[f"{key}[{index}]"] = node_line(item, first_line)
    return lines


def mapping_items(node: yaml.Node | None) -> list[tuple[yaml.Node, yaml.Node]]:
    """The (key node, value node) pairs of a mapping node; empty for anything else."""
    if not isinstance(node, yaml.MappingNode):
        return []
    return list(node.value)


def _nodes(root: yaml.Node) -> Iterator[yaml.Node]:
    """Every node once (an alias makes a node appear in several places)."""
    pending = [root]
    visited: set[int] = set()
    while pending:
        node = pending.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        yield node
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                pending.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)


def _put_back_and_refuse_duplicate_keys(
    root: yaml.Node, templates: list[str], *, file: str, first_line: int
) -> None:
    """The templates back in the values, and a mapping with a key twice refused (in one walk
    of the nodes). PyYAML keeps the last of two equal keys without a word; an author who wrote
    ``expect`` twice would silently lose half the assertions."""

    def put_back(node: yaml.ScalarNode) -> None:
        if templates and _STAND_IN_OPEN in node.value:
            node.value = _STAND_IN.sub(lambda m: templates[int(m.group(1))], node.value)

    for node in _nodes(root):
        if isinstance(node, yaml.ScalarNode):
            put_back(node)
            continue
        if not isinstance(node, yaml.MappingNode):
            continue
        seen: dict[str, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            put_back(key_node)  # keys are compared as written
            if key_node.value == "<<":
                continue
            line = node_line(key_node, first_line)
            if key_node.value in seen:
                raise CheckDefinitionError(
                    f"key '{key_node.value}' appears twice (first at line {seen[key_node.value]})",
                    file=file,
                    line=line,
                )
            seen[key_node.value] = line


#: A comment after a plain value: whitespace, then ``#``.
_TRAILING_COMMENT = re.compile(r"[ \t]+#(.*)")


#: What YAML counts as a line break (its marks count lines by these, not only ``\n``).
_YAML_LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


def cut_by_comments(root: yaml.Node, text: str, *, file: str, first_line: int) -> list[YamlWarning]:
    """A warning for each plain value that YAML ended at `` #`` where the author probably
    meant the ``#`` as part of it: the value leaves a quote open (``echo "ticket #42"``) or the
    ``#`` is not followed by a space, as a comment's usually is (``ls #tmp``)."""
    lines = _YAML_LINE_BREAK.split(text)
    found: list[YamlWarning] = []
    for key, label, node in _labelled_scalars(root):
        if node.style:  # None or "" (libyaml): plain
            continue  # quoted or a block: a `#` inside is part of the value
        mark = node.end_mark
        if mark.line >= len(lines):
            continue
        comment = _TRAILING_COMMENT.match(lines[mark.line], mark.column)
        if comment is None:
            continue
        kept = str(node.value)
        open_quote = kept.count('"') % 2 == 1 or kept.count("'") % 2 == 1
        if not open_quote and comment.group(1)[:1] not in ("", " ", "\t"):
            open_quote = True  # `#42`: written as text, not as a comment
        if not open_quote:
            continue
        dropped = lines[mark.line][mark.column :].strip()
        way_out = "the whole item" if " item " in label else f"the whole value, or use '{key}: |'"
        message = (
            f"{label} ends before ' {dropped}': YAML reads ' #' as the start of a comment — "
            f"quote {way_out}"
        )
        found.append(YamlWarning(file, first_line + mark.line, message))
    return found


def _labelled_scalars(root: yaml.Node) -> Iterator[tuple[str, str, yaml.ScalarNode]]:
    """Every scalar value with the key it belongs to and how to name it (``run``,
    ``'run'``; ``expect``, ``'expect' item 2``)."""
    pending: list[tuple[str, str, yaml.Node]] = [("value", "the value", root)]
    visited: set[int] = set()
    while pending:
        key, label, node = pending.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            yield key, label, node
        elif isinstance(node, yaml.MappingNode):
            for key_node, value in node.value:
                name = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "key"
                pending.append((name, f"'{name}'", value))
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(
                (key, f"{label} item {index}", item) for index, item in enumerate(node.value, 1)
            )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _refuse_alias_bombs(root: yaml.Node, *, file: str, first_line: int) -> None:
    """Count the nodes of ``root`` as if every alias were a copy of its anchor (each shared
    node once, bottom-up), and refuse a document that expands past the limit or loops."""
    distinct = sum(1 for _ in _nodes(root))
    cap = distinct + ALIAS_EXPANSION_LIMIT + 1
    expanded: dict[int, int] = {}
    references: Counter[int] = Counter()
    shared: dict[int, yaml.Node] = {}
    entered: set[int] = set()
    pending: list[tuple[yaml.Node, bool]] = [(root, False)]
    while pending:
        node, exiting = pending.pop()
        children = _children(node)
        if exiting:
            # Capped, so a bomb's count stays a small number however deep it nests.
            expanded[id(node)] = min(1 + sum(expanded[id(child)] for child in children), cap)
            continue
        if id(node) in expanded:
            continue
        if id(node) in entered:  # entered, not left: it is its own ancestor
            raise CheckDefinitionError(
                "invalid YAML: an alias refers to its own anchor (a recursive structure)",
                file=file,
                line=node_line(node, first_line),
            )
        entered.add(id(node))
        pending.append((node, True))
        for child in children:
            references[id(child)] += 1
            if references[id(child)] == 2:
                shared[id(child)] = child
            pending.append((child, False))
    if expanded[id(root)] - distinct > ALIAS_EXPANSION_LIMIT:
        anchor = max(shared.values(), key=lambda node: expanded[id(node)] * references[id(node)])
        raise CheckDefinitionError(
            f"invalid YAML: aliases expand the document by more than {ALIAS_EXPANSION_LIMIT} "
            "nodes (an alias bomb?); the anchor used most is here",
            file=file,
            line=node_line(anchor, first_line),
        )
