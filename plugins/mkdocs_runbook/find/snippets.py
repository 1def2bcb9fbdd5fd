"""``pymdownx.snippets`` includes, expanded as the site expands them, keeping where lines came from.

The site inserts ``--8<-- "file.md"`` (and the block form: file names between two ``--8<--``
lines) before fences are looked for, so a check in an included file is a check of the
including page. Snippets itself forgets where a line came from; here every line keeps the
page line it stands for (the directive's line, for included text) and, when included, the
``file:line`` it was written at. The syntax, path resolution (``base_path``,
``restrict_base_path``), line ranges (``file.md:3:9``) and sections (``file.md:name``) are
pymdown-extensions' own code; only the walk that puts the lines together is repeated here,
following ``SnippetPreprocessor.parse_snippets``. A file that is not found is skipped, as
snippets does unless ``check_paths`` is set. URLs are never downloaded.

Those steps are methods of their own from pymdown-extensions 13 on; 13 needs Python 3.11, so
on Python 3.10 (pymdown-extensions 12) each page line is expanded by snippets' own
``parse_snippets`` instead: the same lines, each keeping its page line, but included lines do
not know their ``file:line``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from ..errors import ConfigError
from .pymdownx_api import (
    SnippetExtension,
    SnippetPreprocessor,
    match_section,
    parse_snippet_target,
    select_snippet_lines,
)
from .site_markdown import TAB_LENGTH


@dataclass(frozen=True)
class SourceLine:
    """One line of the expanded page: its text, the 1-based page line it stands for, and
    ``file:line`` when it came from an included file."""

    text: str
    page_line: int
    origin: str = ""


class _NumberedLine(str):
    """A line that remembers its number in its file through snippets' line selection."""

    number: int

    def __new__(cls, text: str, number: int) -> _NumberedLine:
        line = super().__new__(cls, text)
        line.number = number
        return line


class SnippetExpander:
    """Expands the snippet directives of pages against a fixed set of base folders."""

    def __init__(self, snippet_dirs: Sequence[Path]) -> None:
        config = SnippetExtension(base_path=[str(d) for d in snippet_dirs]).getConfigs()
        self._snippets = SnippetPreprocessor(config, SimpleNamespace(tab_length=TAB_LENGTH))

    def expand(self, lines: Sequence[str]) -> list[SourceLine]:
        numbered = [SourceLine(text, number) for number, text in enumerate(lines, 1)]
        return self._expand(numbered, file_name=None, seen=set(), is_section=False)

    def _expand(
        self,
        lines: Sequence[SourceLine],
        *,
        file_name: str | None,
        seen: set[str],
        is_section: bool,
    ) -> list[SourceLine]:
        snippets = self._snippets
        expanded: list[SourceLine] = []
        in_block = False
        for line in lines:
            directive = snippets.RE_ALL_SNIPPETS.match(line.text)
            inline = False
            if directive:
                if directive.group("escape"):
                    expanded.append(_replaced(line, line.text.replace(";", "", 1)))
                    continue
                if in_block and directive.group("inline_marker"):
                    continue  # snippets ignores inline notation directly inside a block
                if not directive.group("inline_marker"):
                    in_block = not in_block
                    continue
                inline = True
            elif not in_block:
                section = None if is_section else match_section(snippets, line.text)
                if section is not None and section.group("escape"):
                    text = (
                        section.group("pre")
                        + section.group("escape").replace(";", "", 1)
                        + section.group("inline_marker")
                        + section.group("section")
                        + section.group("post")
                    )
                    expanded.append(_replaced(line, text))
                elif section is None:
                    expanded.append(line)
                continue
            if not inline:
                directive = snippets.RE_SNIPPET.match(line.text)
            if directive is None:
                continue
            space = directive.group("space").expandtabs(TAB_LENGTH)
            raw_path = directive.group("snippet")
            path = raw_path[1:-1].strip() if inline else raw_path.strip()
            if not inline and not path:
                expanded.append(_replaced(line, ""))
                continue
            if path.startswith(";"):
                continue
            expanded.extend(
                SourceLine(space + included.text, line.page_line, included.origin)
                for included in self._include(path, seen | ({file_name} if file_name else set()))
            )
        return expanded

    def _include(self, path: str, seen: set[str]) -> list[SourceLine]:
        snippets = self._snippets
        target = parse_snippet_target(snippets, path)
        if target is None:
            return []
        filename = snippets.get_snippet_path(target["path"])
        if filename is None or filename in seen:
            return []
        try:
            text = Path(filename).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ConfigError(f"{filename}: snippet is not valid UTF-8") from None
        except OSError as exc:
            raise ConfigError(f"{filename}: cannot read snippet: {exc.strerror}") from None
        lines = [_NumberedLine(t, n) for n, t in enumerate(text.split("\n") if text else [], 1)]
        target["snippet"] = filename
        target["is_url"] = False
        selected = select_snippet_lines(snippets, list(lines), target)
        shown_path = target["path"]
        numbered: list[SourceLine] = []
        previous = 0
        for selected_line in selected:
            previous = getattr(selected_line, "number", previous + 1)
            numbered.append(SourceLine(str(selected_line), 0, f"{shown_path}:{previous}"))
        inner = self._expand(
            numbered, file_name=filename, seen=seen, is_section=target["section"] is not None
        )
        return inner


def _replaced(line: SourceLine, text: str) -> SourceLine:
    return SourceLine(text, line.page_line, line.origin)
