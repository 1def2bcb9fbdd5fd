"""``$JSONPATH`` subjects: RFC 9535 queries (python-jsonpath), their ``match()`` and
``search()`` on RE2.

Importing the library compiles its grammar (~40 ms), so this module loads at the first JSONPath
subject a page holds (``syntax`` and ``evaluate`` import it there), not with the assertion
language: a site without JSONPath assertions never pays for it.
"""

from __future__ import annotations

import functools
from typing import Any

import jsonpath
from jsonpath.token import TOKEN_EOF

from .regex import iregexp

#: What compiling or running a query raises for a bad query or an over-deep document.
QUERY_ERRORS: tuple[type[Exception], ...] = (jsonpath.JSONPathError, RecursionError)


class _LinearMatch(jsonpath.function_extensions.Match):
    def check_cache(self, pattern: str) -> Any:
        return iregexp(pattern)


class _LinearSearch(jsonpath.function_extensions.Search):
    def check_cache(self, pattern: str) -> Any:
        return iregexp(pattern)


class _LinearJSONPathEnvironment(jsonpath.JSONPathEnvironment):
    """RFC 9535 queries whose ``match()`` and ``search()`` run on RE2, not backtracking ``re``:
    a query runs over a target's document, which may also supply the pattern."""

    def setup_function_extensions(self) -> None:
        super().setup_function_extensions()
        self.function_extensions["match"] = _LinearMatch()
        self.function_extensions["search"] = _LinearSearch()


_STRICT_JSONPATH = _LinearJSONPathEnvironment(strict=True)


@functools.lru_cache(maxsize=1024)
def compile_jsonpath(path: str) -> jsonpath.JSONPath:
    """The RFC 9535 query for ``path``, compiled once however many checks use it."""
    query = _STRICT_JSONPATH.compile(path)
    if isinstance(query, jsonpath.CompoundJSONPath):  # the library's non-standard `|` and `&`
        raise jsonpath.JSONPathError("unions of whole queries are not part of RFC 9535")
    return query


def error_offset(path: str, error: Exception) -> int:
    """Where in ``path`` a compile error points (0-based; ``len(path)``: at its end)."""
    token = getattr(error, "token", None)
    if token is None:
        return 0
    if token.kind == TOKEN_EOF or token.index < 0:
        return len(path)
    return min(int(token.index), len(path))


def select(path: str, document: Any) -> tuple[list[tuple[tuple[str | int, ...], Any]], bool]:
    """The matches of ``path`` in ``document`` as (path parts, value), and whether the query
    can select more than one node. Raises one of ``QUERY_ERRORS``."""
    query = compile_jsonpath(path)
    many = not query.singular_query()
    if isinstance(document, str):
        # The library would parse a string as JSON text again (a body of "[1]" would become
        # a list). A string root has no children, so only the bare `$` selects anything.
        return ([((), document)] if query.empty() else []), many
    return [(tuple(match.parts), match.obj) for match in query.finditer(document)], many
