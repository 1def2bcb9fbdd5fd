"""Compiles the statements a site build and a recorded run send to a SQLite store, as
SQLAlchemy defines them (reader.py, writer.py, schema.py), into plain SQL text for the stdlib
``sqlite3`` driver, and writes it to sqlite_sql.py, with the statements that create a new
store's tables and indexes as ``metadata.create_all`` sends them:

    python -m mkdocs_runbook.record.history.compile_sqlite

Run it after changing any of those statements; tests/test_history_sqlite.py compiles them
again and fails while sqlite_sql.py differs, so the two cannot drift apart.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from sqlalchemy import ClauseElement, Select
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlalchemy.sql.compiler import SQLCompiler

from . import queries
from .reader import site_statements
from .schema import VERSION_QUERY, metadata, schema_table
from .writer import write_statements

#: The statements the stdlib driver runs: the version check and stamp, the site's read, a run's
#: write.
COMPILED = (queries.SCHEMA_VERSION, queries.SCHEMA_STAMP, *queries.SITE_READ, *queries.RUN_WRITE)
TARGET = Path(__file__).with_name("sqlite_sql.py")
#: Longest piece of SQL text per line of the generated module (it stays within the line limit).
_PIECE = 76

SqlText = tuple[str, dict[str, Any], tuple[str, ...]]


def compiled_statements() -> dict[str, SqlText]:
    """Per statement: its SQL with ``:named`` parameters (a list parameter as SQLAlchemy's
    ``__[POSTCOMPILE_name]``), the constants it binds, and the names of the columns it returns."""
    statements = {
        queries.SCHEMA_VERSION: VERSION_QUERY,
        queries.SCHEMA_STAMP: schema_table.insert(),
        **site_statements(),
    }
    statements |= write_statements("sqlite")
    dialect = sqlite.dialect(paramstyle="named")
    compiled: dict[str, SqlText] = {}
    for name in COMPILED:
        statement = statements[name]
        assert isinstance(statement, ClauseElement)
        sql = statement.compile(dialect=dialect)
        assert isinstance(sql, SQLCompiler)
        # Literals in the expressions (0, 1, 'skip'…) are anonymous parameters to SQLAlchemy.
        constants = {
            key: bind.effective_value for bind, key in sql.bind_names.items() if bind.unique
        }
        columns = tuple(statement.selected_columns.keys()) if isinstance(statement, Select) else ()
        compiled[name] = (sql.string, constants, columns)
    return compiled


def compiled_schema() -> tuple[str, ...]:
    """What ``metadata.create_all`` sends to make a new SQLite store's tables and indexes, in
    its order: each table (its dependencies first), then that table's indexes."""
    dialect = sqlite.dialect(paramstyle="named")
    statements: list[str] = []
    for table in metadata.sorted_tables:
        statements.append(str(CreateTable(table).compile(dialect=dialect)))
        indexes = sorted(table.indexes, key=lambda index: str(index.name))
        statements += [str(CreateIndex(index).compile(dialect=dialect)) for index in indexes]
    return tuple(statements)


def module_text(compiled: dict[str, SqlText], schema: tuple[str, ...]) -> str:
    lines = [
        '"""The SQL a site build and a recorded run send to a SQLite store, compiled from the',
        "SQLAlchemy statements by compile_sqlite.py. Generated: do not edit, run",
        "``python -m mkdocs_runbook.record.history.compile_sqlite``.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any",
        "",
        "#: name -> (SQL with :named parameters, the constants it binds, the columns it returns)",
        "STATEMENTS: dict[str, tuple[str, dict[str, Any], tuple[str, ...]]] = {",
    ]
    for name, (sql, constants, columns) in compiled.items():
        lines.append(f"    {_literal(name)}: (")
        lines.extend(f"        {_literal(piece)}" for piece in _pieces(sql))
        lines[-1] += ","
        binds = ", ".join(f"{_literal(key)}: {_literal(value)}" for key, value in constants.items())
        lines.append(f"        {{{binds}}},")
        names = [_literal(column) for column in columns]
        lines.append(f"        ({', '.join(names)}{',' if len(names) == 1 else ''}),")
        lines.append("    ),")
    lines.append("}")
    lines.append("")
    lines.append("#: What makes a new store's tables and indexes, in order (then SCHEMA_STAMP).")
    lines.append("SCHEMA: tuple[str, ...] = (")
    for statement in schema:
        lines.extend(f"    {_literal(piece)}" for piece in _pieces(statement))
        lines[-1] += ","
    lines.append(")")
    return "\n".join(lines) + "\n"


def _literal(value: Any) -> str:
    """``value`` as Python source in the project's style (double quotes, no trailing comma)."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return f"[{', '.join(_literal(item) for item in value)}]"
    if isinstance(value, int):
        return repr(value)
    raise TypeError(f"no literal for {value!r}")


def _pieces(sql: str) -> list[str]:
    """``sql`` cut at its own line breaks and then at spaces, so that the pieces joined give it
    back exactly, each short enough for one line of the module."""
    pieces: list[str] = []
    for line in sql.splitlines(keepends=True):
        wrapped = textwrap.wrap(
            line, _PIECE, drop_whitespace=False, replace_whitespace=False, expand_tabs=False
        )
        pieces.extend(wrapped or [line])
    assert "".join(pieces) == sql
    return pieces


def main() -> int:
    TARGET.write_text(module_text(compiled_statements(), compiled_schema()), encoding="utf-8")
    # The project's formatter has the last word on layout (it joins the pieces that fit on one
    # line); the statements' text is what the test compares, not the layout.
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--quiet", str(TARGET)], check=False
    )
    print(f"wrote {TARGET}" + ("" if formatted.returncode == 0 else " (not formatted: no ruff)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
