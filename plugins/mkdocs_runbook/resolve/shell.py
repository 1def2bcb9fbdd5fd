"""Template values in commands, without ever making them part of the shell text (SPEC 8).

A rendered command holds a *marker* where each ``{{ … }}`` value goes (``Templates`` renders
it so). Here every marker becomes a reference to an environment variable the command
receives, ``RUNBOOK_V1``, ``RUNBOOK_V2``…, written for the quoting context it sits in:

==========================  ==================================  =============================
context                     ``echo … {{ x }} …``                becomes
==========================  ==================================  =============================
bare word, ``$( )``, `` ` `` ``echo {{ x }}``                   ``echo "${RUNBOOK_V1}"``
double quotes, heredoc      ``echo "a {{ x }}"``                ``echo "a ${RUNBOOK_V1}"``
single quotes               ``echo 'a {{ x }}'``                ``echo 'a '"${RUNBOOK_V1}"''``
``$'…'``                    ``echo $'a {{ x }}'``               ``echo $'a '"${RUNBOOK_V1}"$''``
arithmetic ``$(( ))``       ``echo $(( {{ n }} + 1 ))``         ``echo $(( ${RUNBOOK_V1} + 1 ))``
quoted heredoc ``<<'EOF'``  refused: bash copies its body literally, a value could not go in
==========================  ==================================  =============================

Bash expands a variable's value as data: it is never parsed as shell text again, so no value
can run, whatever it holds (``$(…)``, backticks, quotes, ``;``, newlines, a heredoc's
terminator). Reading the context wrongly could only make the value arrive split or literal,
never make it execute. One place bash does evaluate a value is arithmetic, where ``a[$(cmd)]``
as a variable's *value* runs ``cmd`` (``[[ $v -eq 1 ]]``, ``$(( v ))``, ``test -v``); a value
shaped like that — a ``[`` followed by ``$`` or a backtick — is refused. Handing a value to
another shell on purpose (``eval``, ``bash -c``, ``ssh host CMD``) makes it that shell's code:
that is the author's choice, not a quoting context.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import ResolveError

MARKER_START = "\x00"
MARKER_END = "\x01"
MARKER_PATTERN = re.compile(MARKER_START + r"v([0-9]+)" + MARKER_END)
#: A value bash's arithmetic would execute: an array subscript holding an expansion.
_ARITHMETIC_HAZARD = re.compile(r"\[.*[$`]", re.DOTALL)
_WORD_BREAK = frozenset(" \t\n;&|()<>")
_DELIMITER_END = frozenset(" \t\n;&|()<>")


def marker(index: int) -> str:
    """The stand-in for value ``index`` in a rendered command."""
    # The letter makes a marker that a filter changed (``upper``, ``replace``) unrecognisable.
    return f"{MARKER_START}v{index}{MARKER_END}"


def variable_name(index: int) -> str:
    return f"RUNBOOK_V{index + 1}"


class ShellPlacementError(ResolveError):
    """A value sits where a variable cannot carry it; ``line`` is 1-based in the command."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class _Frame:
    kind: str  # bare paren cmdsub backtick dquote squote ansi arith param heredoc comment
    dquoted: bool = False  # a ${…} inside double quotes or a heredoc
    depth: int = 0  # open parentheses inside arithmetic
    delimiter: str = ""  # heredoc
    quoted: bool = False  # heredoc with a quoted delimiter: no expansion in the body
    strip_tabs: bool = False  # <<-


_BARE_KINDS = frozenset({"bare", "paren", "cmdsub", "backtick"})


def with_references(command: str, values: Sequence[str]) -> tuple[str, dict[str, str]]:
    """``command`` with each marker replaced by a reference to an environment variable, and
    those variables (``RUNBOOK_V<n>`` → value). Raises ``ShellPlacementError``."""
    return _Lexer(command, values).run()


class _Lexer:
    def __init__(self, text: str, values: Sequence[str]) -> None:
        self.text = text
        self.values = values
        self.pos = 0
        self.out: list[str] = []
        self.stack = [_Frame("bare")]
        self.pending: list[_Frame] = []  # heredocs whose body starts after this line
        self.environment: dict[str, str] = {}

    # -- the walk ----------------------------------------------------------------------------

    def run(self) -> tuple[str, dict[str, str]]:
        at_line_start = True
        while self.pos < len(self.text):
            frame = self.stack[-1]
            if frame.kind == "heredoc" and at_line_start and self._heredoc_ends(frame):
                at_line_start = True
                continue
            char = self.text[self.pos]
            if char == MARKER_START:
                self._reference(frame)
            elif char == MARKER_END:
                raise self._error("the command contains a control character (\\x01)")
            elif frame.kind in _BARE_KINDS:
                self._bare(frame, char)
            else:
                getattr(self, f"_{frame.kind}")(frame, char)
            at_line_start = bool(self.out) and self.out[-1].endswith("\n")
        return "".join(self.out), self.environment

    def _emit(self, count: int = 1) -> None:
        self.out.append(self.text[self.pos : self.pos + count])
        self.pos += count

    def _starts(self, prefix: str) -> bool:
        return self.text.startswith(prefix, self.pos)

    def _line(self) -> int:
        return self.text.count("\n", 0, self.pos) + 1

    def _error(self, message: str) -> ShellPlacementError:
        return ShellPlacementError(message, self._line())

    def _escape(self) -> None:
        """A backslash and the character it escapes."""
        if self.text.startswith(MARKER_START, self.pos + 1):
            raise self._error(
                "a template value right after a backslash: remove the backslash (the value is "
                "never read as shell text, so it needs no escaping)"
            )
        self._emit(2)

    # -- contexts ----------------------------------------------------------------------------

    def _bare(self, frame: _Frame, char: str) -> None:
        if char == "\\":
            self._escape()
        elif char == "'":
            self._push("squote", 1)
        elif char == '"':
            self._push("dquote", 1)
        elif char == "`":
            if frame.kind == "backtick":
                self._pop(1)
            else:
                self._push("backtick", 1)
        elif char == "$":
            self._dollar(dquoted=False)
        elif self._starts("(("):
            self._push("arith", 2)
        elif char == "(":
            self._push("paren", 1)
        elif char == ")" and frame.kind in ("paren", "cmdsub"):
            self._pop(1)
        elif char == "#" and (self.pos == 0 or self.text[self.pos - 1] in _WORD_BREAK):
            self._push("comment", 1)
        elif self._starts("<<<"):
            self._emit(3)
        elif self._starts("<<"):
            self._heredoc_operator()
        elif char == "\n":
            self._emit()
            if self.pending:
                self.stack.append(self.pending.pop(0))
        else:
            self._emit()

    def _dollar(self, *, dquoted: bool) -> None:
        if self._starts("$(("):
            self._push("arith", 3)
        elif self._starts("$("):
            self._push("cmdsub", 2)
        elif self._starts("${"):
            self._push("param", 2, dquoted=dquoted)
        elif self._starts("$'") and not dquoted:
            self._push("ansi", 2)
        elif self._starts('$"') and not dquoted:
            self._push("dquote", 2)
        else:
            self._emit()

    def _dquote(self, frame: _Frame, char: str) -> None:
        if char == "\\":
            self._escape()
        elif char == '"':
            self._pop(1)
        elif char == "`":
            self._push("backtick", 1)
        elif char == "$":
            self._dollar(dquoted=True)
        else:
            self._emit()

    def _comment(self, frame: _Frame, char: str) -> None:
        if char == "\n":
            self.stack.pop()  # the line break is the enclosing context's
        else:
            self._emit()

    def _squote(self, frame: _Frame, char: str) -> None:
        if char == "'":
            self._pop(1)
        else:
            self._emit()

    def _ansi(self, frame: _Frame, char: str) -> None:
        if char == "\\":
            self._escape()
        elif char == "'":
            self._pop(1)
        else:
            self._emit()

    def _arith(self, frame: _Frame, char: str) -> None:
        if char == "(":
            frame.depth += 1
            self._emit()
        elif char == ")" and frame.depth:
            frame.depth -= 1
            self._emit()
        elif self._starts("))"):
            self._pop(2)
        elif char == '"':
            self._push("dquote", 1)
        elif char == "`":
            self._push("backtick", 1)
        elif char == "$":
            self._dollar(dquoted=True)
        elif char == "\\":
            self._escape()
        else:
            self._emit()

    def _param(self, frame: _Frame, char: str) -> None:
        if char == "}":
            self._pop(1)
        elif char == "\\":
            self._escape()
        elif char == '"':
            self._push("dquote", 1)
        elif char == "'" and not frame.dquoted:
            self._push("squote", 1)
        elif char == "`":
            self._push("backtick", 1)
        elif char == "$":
            self._dollar(dquoted=frame.dquoted)
        else:
            self._emit()

    def _heredoc(self, frame: _Frame, char: str) -> None:
        if frame.quoted:
            self._emit()
        elif char == "\\":
            self._escape()
        elif char == "`":
            self._push("backtick", 1)
        elif char == "$":
            self._dollar(dquoted=True)
        else:
            self._emit()

    def _push(self, kind: str, length: int, *, dquoted: bool = False) -> None:
        self._emit(length)
        self.stack.append(_Frame(kind, dquoted=dquoted))

    def _pop(self, length: int) -> None:
        self._emit(length)
        if len(self.stack) > 1:
            self.stack.pop()

    # -- heredocs ----------------------------------------------------------------------------

    def _heredoc_operator(self) -> None:
        self._emit(2)
        strip_tabs = self._starts("-")
        if strip_tabs:
            self._emit()
        while self.pos < len(self.text) and self.text[self.pos] in " \t":
            self._emit()
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in _DELIMITER_END:
            if self.text[self.pos] == MARKER_START:
                raise self._error("a template value cannot be a heredoc's delimiter")
            self._emit()
        word = self.text[start : self.pos]
        quoted = any(mark in word for mark in "'\"\\")
        delimiter = word.replace("'", "").replace('"', "").replace("\\", "")
        if delimiter:
            self.pending.append(
                _Frame("heredoc", delimiter=delimiter, quoted=quoted, strip_tabs=strip_tabs)
            )

    def _heredoc_ends(self, frame: _Frame) -> bool:
        """At a line start inside a heredoc body: if the line is its delimiter, copy the line
        and leave the body (for the next heredoc of the same command, if any)."""
        end = self.text.find("\n", self.pos)
        end = len(self.text) if end < 0 else end
        line = self.text[self.pos : end]
        if frame.quoted and MARKER_START in line and line.lstrip("\t") != frame.delimiter:
            raise self._error(
                f"a template value inside a quoted heredoc (<<'{frame.delimiter}'): bash copies "
                f"its body literally, so the value could not go in; write <<{frame.delimiter} "
                "to let it expand"
            )
        candidate = line.lstrip("\t") if frame.strip_tabs else line
        if candidate != frame.delimiter:
            return False
        self._emit(end - self.pos + (1 if end < len(self.text) else 0))
        self.stack.pop()
        if self.pending:
            self.stack.append(self.pending.pop(0))
        return True

    # -- values ------------------------------------------------------------------------------

    def _reference(self, frame: _Frame) -> None:
        match = MARKER_PATTERN.match(self.text, self.pos)
        if match is None:
            raise self._error("the command contains a NUL character")
        index = int(match.group(1))
        value = self.values[index]
        name = variable_name(index)
        if MARKER_START in value:
            raise self._error("a template value contains a NUL character")
        if _ARITHMETIC_HAZARD.search(value):
            raise self._error(
                "a template value holds '[' followed by '$' or '`', which bash would run as "
                "code wherever it evaluates arithmetic; pass it in the check's env: and "
                "reference the variable yourself"
            )
        self.environment[name] = value
        self.pos = match.end()
        self.out.append(self._written(frame, name))

    def _written(self, frame: _Frame, name: str) -> str:
        if frame.kind == "squote":
            return f"'\"${{{name}}}\"'"
        if frame.kind == "ansi":
            return f"'\"${{{name}}}\"$'"
        if frame.kind == "heredoc" and frame.quoted:
            raise self._error("a template value inside a quoted heredoc")
        expanded_as_is = frame.kind in ("dquote", "heredoc", "arith") or (
            frame.kind == "param" and frame.dquoted
        )
        if expanded_as_is:  # no word splitting happens here, and quotes would be literal
            return f"${{{name}}}"
        return f'"${{{name}}}"'
