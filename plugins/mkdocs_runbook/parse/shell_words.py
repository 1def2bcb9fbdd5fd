"""Reading a marked shell block's command as the shell would: words, and whether the shell
would do more than split words (``curl`` conversion needs both).

``{{ api }}`` and ``{{ secrets.X }}`` placeholders are kept intact through tokenising (they
may hold spaces) and are rendered later, when the check is resolved.
"""

from __future__ import annotations

import re
import shlex

TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
# Characters of private use stand in for templates while shlex splits the command.
_HOLE_OPEN, _HOLE_CLOSE = "\ue000", "\ue001"
_HOLE = re.compile(f"{_HOLE_OPEN}(\\d+){_HOLE_CLOSE}")
_SHELL_OPERATORS = frozenset("|&;<>()")
#: A reader's prompt copied with the command (SPEC 1.2): ``$ `` at the start of a line.
_PROMPT = re.compile(r"^([ \t]*)\$ ", re.MULTILINE)


def strip_prompts(script: str) -> str:
    """``script`` without the ``$ `` prompts at the start of its lines; a line that only
    continues the one before (after a trailing backslash) is left alone."""
    lines = script.split("\n")
    kept: list[str] = []
    continued = False
    for line in lines:
        kept.append(line if continued else _PROMPT.sub(r"\1", line, count=1))
        continued = line.endswith("\\")
    return "\n".join(kept)


def joined_lines(command: str) -> str:
    """Line continuations (a backslash at the end of a line) joined, as the shell joins them."""
    return re.sub(r"\\\r?\n", " ", command)


def split_words(command: str) -> list[str]:
    """Shell words, with every template kept whole and untouched. Raises ``ValueError`` for
    text the shell could not split (an unclosed quote)."""
    templates: list[str] = []

    def hole(match: re.Match[str]) -> str:
        templates.append(match.group(0))
        return f"{_HOLE_OPEN}{len(templates) - 1}{_HOLE_CLOSE}"

    protected = TEMPLATE.sub(hole, joined_lines(command))
    words = shlex.split(protected, comments=True)
    return [_HOLE.sub(lambda m: templates[int(m.group(1))], word) for word in words]


def uses_shell(command: str) -> bool:
    """Whether the shell would do more than split words: an operator (``|``, ``&&``, ``;``,
    ``>``…), a substitution or a variable outside single quotes, or a second command line."""
    quote = ""
    escaped = False
    for index, char in enumerate(command):
        if escaped:
            escaped = False
        elif quote == "'":
            quote = "" if char == "'" else quote
        elif char == "\\":
            escaped = True
        elif quote == '"':
            if char == '"':
                quote = ""
            elif char in "$`":
                return True
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or command[index - 1].isspace()):
            # A comment runs to the end of its line; anything on a later line is a command.
            return "\n" in command[index:]
        elif char in _SHELL_OPERATORS or char in "$`\n":
            return True
    return False
