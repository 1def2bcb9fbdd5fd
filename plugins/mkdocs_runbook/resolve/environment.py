"""The environment a command check starts from (SPEC 8).

Not the build's: a docs build holds CI tokens and cloud credentials that one check's
``{{ secrets.X }}`` has no business handing to every other command. A command gets the
variables a shell needs to behave (``BASE_VARIABLES``, ``LC_*``), the ``pass_env`` names or
globs the site allows, its own ``env:`` mapping, and the ``RUNBOOK_V<n>`` variables that carry
the template values of its text (see ``shell``).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping

#: What every command inherits from the process that runs the checks.
BASE_VARIABLES = frozenset(
    {"PATH", "HOME", "LANG", "TZ", "TERM", "USER", "LOGNAME", "SHELL", "TMPDIR"}
)
#: Names the runner gives the template values of a command; an ``env:`` key may not take them.
RESERVED_NAME = re.compile(r"RUNBOOK_V[0-9]+")
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def base_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """``PATH HOME LANG LC_* TZ TERM USER LOGNAME SHELL TMPDIR`` from ``environ``."""
    return {
        name: value
        for name, value in environ.items()
        if name in BASE_VARIABLES or name.startswith("LC_")
    }


def passed_environment(environ: Mapping[str, str], patterns: Iterable[str]) -> dict[str, str]:
    """The variables of ``environ`` whose names match a ``pass_env`` name or glob."""
    globs = [pattern for pattern in patterns if pattern]
    return {
        name: value
        for name, value in environ.items()
        if any(fnmatch.fnmatchcase(name, glob) for glob in globs)
    }
