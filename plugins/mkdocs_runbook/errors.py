"""Exceptions raised by the engine.

The hierarchy, drawn once::

    RunbookError                    base of everything this package raises on purpose
    ├── CheckDefinitionError        a check block (or catalog entry) is invalid; carries file:line
    │   └── AssertionSyntaxError    one assertion does not parse; carries the column
    ├── ResolveError                a valid block cannot be made runnable: undefined variable or
    │                               secret, unknown ``use``, host not allowed
    ├── ProbeFailure                the target could not be reached or answered nonsense;
    │                               becomes a ``fail`` result, never an ``error``
    └── ConfigError                 mkdocs.yml / command-line settings are unusable (exit code 2)

Definition and resolve errors become ``error`` results for that one check; nothing in the
engine lets them escape to stop the other checks.
"""

from __future__ import annotations


class RunbookError(Exception):
    """Base class of every deliberate error in mkdocs-runbook."""


class CheckDefinitionError(RunbookError):
    """A check block is invalid. ``str()`` gives ``file:line: message``."""

    def __init__(self, message: str, *, file: str = "", line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line

    def located(self, file: str, line: int) -> CheckDefinitionError:
        """Fill in the location if the raiser did not know it."""
        if not self.file:
            self.file = file
        if not self.line:
            self.line = line
        return self

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file else ""
        return f"{where}{self.message}"


class AssertionSyntaxError(CheckDefinitionError):
    """An assertion does not parse. ``column`` is 1-based within the assertion text."""

    def __init__(self, message: str, *, text: str, column: int) -> None:
        super().__init__(message)
        self.text = text
        self.column = column


class ResolveError(RunbookError):
    """A well-formed check cannot be prepared for running (variables, secrets, catalog, hosts)."""


class ProbeFailure(RunbookError):
    """The target could not be reached: refused, timed out, TLS or DNS failure, and so on.

    The message says which, in words an operator understands ("connection refused",
    "timed out after 5s"). ``value`` is the short form for the badge.
    """

    def __init__(self, message: str, *, value: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.value = value or message


class ConfigError(RunbookError):
    """Settings are unusable; front-ends report it and exit with status 2."""
