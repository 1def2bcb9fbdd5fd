"""Find the check blocks of Markdown pages: what the MkDocs build would run (SPEC 1.2, 1.4).

The site finds checks with its SuperFences formatter, so "found" means: after
``pymdownx.snippets`` includes (``snippet_include``), SuperFences hands the fence to a formatter
(``fence_scan`` walks the lines as SuperFences does, to know each block's line), and the
formatted block stays in the page rather than being put back as text inside an indented code
block (``site_markdown`` converts the page with Python-Markdown to see). That covers top-level
blocks and blocks in lists, blockquotes, admonitions, details, content tabs and any nesting of
those, and excludes blocks inside another fence, unmarked shell blocks and fences SuperFences
cannot read.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError
from ..model import SHELL_LANGUAGES, CheckBlock, PageProblem
from ..settings import MarkdownSetup
from .fence_scan import (
    FenceHeader,
    accepted_by_superfences,
    read_fence_header,
    scan_fences,
)
from .marking import is_marked
from .site_markdown import TAB_LENGTH, formatted_checks
from .snippets import SnippetExpander, SourceLine

__all__ = [
    "FenceInfo",
    "decode_page",
    "find_blocks",
    "find_in_paths",
    "front_matter",
    "page_files",
    "page_name",
    "page_owner",
    "parse_fence_info",
    "read_page",
    "without_front_matter",
]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# MkDocs' own front matter pattern (mkdocs.utils.meta); MkDocs drops it before Markdown runs.
_FRONT_MATTER = re.compile(r"^-{3}[ \t]*\n(.*?\n)(?:\.{3}|-{3})[ \t]*\n", re.DOTALL)
# Python-Markdown strips these placeholder markers (STX, ETX) from its input.
_STX, _ETX = "\x02", "\x03"


@dataclass(frozen=True)
class FenceInfo:
    """How a fence's info string marks it: ``lang`` (``check`` or a shell language), whether it
    is a check, and its ``key="value"`` options (``name``, ``id``, ``tags``, …)."""

    lang: str
    marked: bool
    options: dict[str, str] = field(default_factory=dict)


def parse_fence_info(info: str) -> FenceInfo | None:
    """Read an info string (``check``, ``bash check name="x"``, ``{.bash .check name="x"}``).

    ``None`` for a fence that is neither a ``check`` fence nor a shell fence, and for an info
    string SuperFences would not accept (then the site shows the lines as plain text).
    Values must be quoted, as SuperFences requires: in ``id=x`` it sees a bare ``id`` and a
    bare ``x``.
    """
    header = read_fence_header("```" + info)
    if header is None or header.fence != "```" or not accepted_by_superfences(header):
        return None
    return _fence_info(header)


def _fence_info(header: FenceHeader) -> FenceInfo | None:
    if header.lang != "check" and header.lang not in SHELL_LANGUAGES:
        return None
    options = {key: value for key, value in header.values.items() if key != "check"}
    if header.id_value:
        options["id"] = header.id_value
    return FenceInfo(header.lang, is_marked(header.lang, header.values, header.classes), options)


def find_blocks(
    markdown: str,
    page: str,
    *,
    snippet_dirs: Sequence[Path] = (),
    confirm_with_markdown: bool = True,
    setup: MarkdownSetup | None = None,
) -> list[CheckBlock]:
    """Every ``check`` fence and marked shell fence of one page, in page order.

    ``line`` is the 1-based line of the opening fence in ``markdown`` (for included text, the
    line of the ``--8<--`` directive, with ``origin`` naming ``file:line``). A leading YAML
    front matter block is skipped as MkDocs skips it, keeping the line numbers of the file.
    ``snippet_dirs`` are ``pymdownx.snippets``' base paths; empty means snippets is off.
    ``confirm_with_markdown=False`` skips the Python-Markdown pass that drops fences the site
    would not show: the MkDocs plugin converts the page anyway and sees that for itself.
    ``setup`` is the site's Markdown extensions for that pass (default: a Material site's).
    """
    raw_lines = without_front_matter(_LINE_BREAK.sub("\n", markdown)).split("\n")
    # Without snippets each line stands for itself: its SourceLine is made only for the
    # fences found, not for every line of every page.
    expanded = SnippetExpander(snippet_dirs).expand(raw_lines) if snippet_dirs else None

    def block(start: int, info: FenceInfo, body: str) -> CheckBlock:
        line = expanded[start] if expanded is not None else SourceLine(raw_lines[start], start + 1)
        return CheckBlock(page, line.page_line, info.lang, body, info.options, line.origin)

    lines = _normalized([line.text for line in expanded] if expanded is not None else raw_lines)

    scanned: list[tuple[int, FenceInfo, str]] = []
    for fence in scan_fences(lines):
        info = _fence_info(fence.header)
        if info is not None and info.marked:
            scanned.append((fence.start, info, fence.body))
    if not scanned:
        return []
    if not confirm_with_markdown:
        return [block(start, info, body) for start, info, body in scanned]
    blocks: list[CheckBlock] = []
    # The scan and the formatter meet the same fences in the same order; pairing them by
    # content keeps a block's line and options exactly and drops the ones the site hides.
    position = 0
    for formatted in formatted_checks("\n".join(lines), setup):
        for index in range(position, len(scanned)):
            start, info, body = scanned[index]
            if (info.lang, body) == (formatted.lang, formatted.body):
                position = index + 1
                if formatted.shown:
                    blocks.append(block(start, info, body))
                break
    return blocks


def without_front_matter(markdown: str) -> str:
    """Blank out a YAML front matter block (keeping its lines, so line numbers stay true)."""
    text = markdown.lstrip("\ufeff")
    match = _FRONT_MATTER.match(text)
    if match is None:
        return text
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return text
    if not isinstance(meta, dict):
        return text
    return "\n" * match.group(0).count("\n") + text[match.end() :]


def front_matter(markdown: str) -> dict[str, Any]:
    """A page's YAML front matter as MkDocs reads it ({} when there is none or it is not a
    mapping)."""
    match = _FRONT_MATTER.match(_LINE_BREAK.sub("\n", markdown).lstrip("\ufeff"))
    if match is None:
        return {}
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return {}
    return meta if isinstance(meta, dict) else {}


def page_owner(meta: Mapping[str, Any]) -> str:
    """The ``owner`` of a page's front matter as text: ``team-a`` or ``team-a, team-b``."""
    owner = meta.get("owner")
    if owner is None:
        return ""
    if isinstance(owner, list | tuple):
        return ", ".join(str(item) for item in owner if item is not None)
    return str(owner)


def read_page(file: Path) -> str:
    """A page's text as MkDocs reads it; ``ConfigError`` naming the file when it cannot be."""
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{file.as_posix()}: cannot read the page: {exc.strerror}") from None
    text, problem = decode_page(raw, file.as_posix())
    if problem is not None:
        raise ConfigError(f"{problem.page}:{problem.line}: {problem.message}")
    return text


def _normalized(lines: list[str]) -> list[str]:
    """The lines as SuperFences receives them after Python-Markdown's ``NormalizeWhitespace``:
    tabs expanded, lines of only spaces emptied (except the first, as its regex does)."""
    normalized = []
    for index, line in enumerate(lines):
        # Two replace() rather than str.translate: a tenth of the time, on every line of a site.
        text = line.replace(_STX, "").replace(_ETX, "").expandtabs(TAB_LENGTH)
        if index and text and not text.strip(" "):
            text = ""
        normalized.append(text)
    return normalized


def find_in_paths(
    paths: Sequence[Path],
    *,
    snippet_dirs: Sequence[Path] = (),
    setup: MarkdownSetup | None = None,
    roots: Sequence[Path] = (),
) -> list[CheckBlock | PageProblem]:
    """The blocks of Markdown files and folders (``*.md`` found recursively, sorted).

    ``page`` names a file as the site build does, so that a check has one identity
    (``page::id``) in every front-end, its report and its history: relative to the first of
    ``roots`` (the site's ``docs_dir``) that holds the file, else relative to the folder given
    (a file given on its own: its name), as a POSIX string (``ops/deploy.md``). A page that
    cannot be read as UTF-8 gives a ``PageProblem`` in place of its blocks, so one bad page
    costs only itself. A missing path is a ``ConfigError``.
    """
    found: list[CheckBlock | PageProblem] = []
    for page, file in page_files(paths, roots=roots).items():
        try:
            raw = file.read_bytes()
        except OSError as exc:
            found.append(PageProblem(page, 1, f"cannot read the page: {exc.strerror}"))
            continue
        text, problem = decode_page(raw, page)
        if problem is not None:
            found.append(problem)
        else:
            found.extend(find_blocks(text, page, snippet_dirs=snippet_dirs, setup=setup))
    return found


def page_files(paths: Sequence[Path], *, roots: Sequence[Path] = ()) -> dict[str, Path]:
    """``page -> file`` for the Markdown files under ``paths``, in order, pages named as
    ``find_in_paths`` names them. A missing path is a ``ConfigError``."""
    found: dict[str, Path] = {}
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*.md") if p.is_file())
            folder = path
        elif path.is_file():
            files = [path]
            folder = path.parent
        else:
            raise ConfigError(f"{path.as_posix()}: no such file or folder")
        for file in files:
            found.setdefault(page_name(file, [*roots, folder]), file)
    return found


def page_name(file: Path, roots: Sequence[Path]) -> str:
    """``file`` relative to the first of ``roots`` that holds it, as a POSIX string; its bare
    name when none does. Symbolic links are not followed: a page is where the site sees it."""
    absolute = _absolute(file)
    for root in roots:
        try:
            return absolute.relative_to(_absolute(root)).as_posix()
        except ValueError:
            continue
    return file.name


def _absolute(path: Path) -> Path:
    # normpath, not resolve(): ``..`` is removed but a symbolic link stays where it is.
    return Path(os.path.normpath(path.absolute()))


def text_mode_newlines(text: str) -> str:
    """``text`` with its line ends as Python's text mode reads a file, as MkDocs reads pages:
    ``\\r\\n`` and a lone ``\\r`` become ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def front_matter_offset(source: str, markdown: str) -> int:
    """Lines MkDocs removed from the top of a page (front matter): ``source`` is the file's
    text as MkDocs read it (``text_mode_newlines``), ``markdown`` what MkDocs kept of it."""
    if markdown and source.endswith(markdown) and len(source) > len(markdown):
        return source[: len(source) - len(markdown)].count("\n")
    return 0


def decode_page(raw: bytes, page: str) -> tuple[str, PageProblem | None]:
    """A page's text, read as MkDocs reads it (UTF-8, a byte order mark is not content).

    Bytes that are not UTF-8 give a ``PageProblem`` at the line of the first one, and the text
    with those bytes shown as �, so a site can still show the page.
    """
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            message = "the page is UTF-16 (it starts with a UTF-16 byte order mark)"
        else:
            message = f"the page is not valid UTF-8 (byte {exc.start} of the file, on line {line})"
        problem = PageProblem(page, line, f"{message}; save it as UTF-8 to run its checks")
        return raw.decode("utf-8-sig", errors="replace"), problem
