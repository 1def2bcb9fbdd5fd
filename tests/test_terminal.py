"""The ``runbook check`` table stays readable at 80 columns (issue 19): a row per check, the
message under it, long JSONPaths broken at dots and brackets, names at most 4 lines."""

from __future__ import annotations

import io
import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mkdocs_runbook.render import print_table
from mkdocs_runbook.render.terminal import NAME_LINES, wrap
from mkdocs_runbook.results import CheckResult, Report, Status
from servers import RouteServer

ANSI = re.compile(r"\x1b\[[0-9;]*m")
LONG_PATH = "$.ingestion.pipelines[3].sources[12].connection_settings.retry_policy.max_attempts"
LONG_NAME = " ".join(["Ingestion sources are closed before the nightly batch"] * 8)


def _result(name: str, status: Status, value: str, message: str, line: int) -> CheckResult:
    return CheckResult(
        id=f"c{line}",
        name=name,
        page="docs/runbooks/ingestion-and-warehouse.md",
        line=line,
        kind="http",
        target="GET http://127.0.0.1:8080/ingestion",
        status=status,
        value=value,
        message=message,
    )


REPORT = Report(
    env="local",
    started_at="",
    finished_at="",
    checks=[
        _result("API live", Status.PASS, "4 ms", "", 3),
        _result(LONG_NAME, Status.WARN, "closed, closed, open", "one source is open", 12),
        _result(
            "Retry policy",
            Status.FAIL,
            "2",
            f"expected {LONG_PATH} == 5 for every match, but 1 of 1 did not hold: {LONG_PATH} = 2",
            40,
        ),
    ],
)


def _render(width: int, rich_output: bool) -> list[str]:
    stream = io.StringIO()
    print_table(REPORT, rich_output=rich_output, stream=stream, width=width)
    return ANSI.sub("", stream.getvalue()).splitlines()


@pytest.mark.parametrize("rich_output", [True, False], ids=["rich", "plain"])
@pytest.mark.parametrize("width", [80, 120])
def test_the_table_fits_the_width(width: int, rich_output: bool) -> None:
    lines = _render(width, rich_output)
    too_long = [line for line in lines if len(line) > width]
    assert not too_long, f"lines wider than {width}: {too_long}"
    starts = [line.split()[0] for line in lines if line[:1] != " "]
    assert starts == ["fail", "warn", "pass", "3"], "a row per check, failures first"
    # The message sits under its check, indented under the name.
    fail_at = next(i for i, line in enumerate(lines) if line.startswith("fail "))
    assert lines[fail_at + 1].startswith("       expected $.ingestion")
    assert "docs/runbooks/ingestion-and-warehouse.md:40" in lines[fail_at]
    # The passing check: one line, its place at the right edge.
    passing = next(line for line in lines if line.startswith("pass "))
    assert passing.endswith("docs/runbooks/ingestion-and-warehouse.md:3")
    assert "API live · 4 ms" in passing


@pytest.mark.parametrize("rich_output", [True, False], ids=["rich", "plain"])
def test_a_long_name_takes_at_most_four_lines(rich_output: bool) -> None:
    lines = _render(80, rich_output)
    warn_at = next(i for i, line in enumerate(lines) if line.startswith("warn "))
    name_lines = lines[warn_at : warn_at + NAME_LINES]
    assert lines[warn_at + NAME_LINES].strip() == "docs/runbooks/ingestion-and-warehouse.md:12"
    assert name_lines[-1].endswith("…")
    assert lines[warn_at + NAME_LINES + 1].strip() == "one source is open"


def test_jsonpaths_break_after_dots_or_before_brackets() -> None:
    text = f"expected {LONG_PATH} == 5, got 2"
    for width in (20, 30, 40, 73):
        lines = wrap(text, width)
        assert all(len(line) <= width for line in lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        for before, after in itertools.pairwise(lines):
            at_a_space = f"{before} {after}" in text
            assert at_a_space or before.endswith(".") or after.startswith("["), (before, after)


def test_plain_output_of_the_cli_at_80_columns(tmp_path: Path, http_server: RouteServer) -> None:
    http_server.route("/ingestion", body={"sources": [{"state": "closed"}, {"state": "open"}]})
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "ingestion.md").write_text(
        f"# Ingestion\n\n```check\nname: {LONG_NAME}\nhttp: GET {http_server.url}/ingestion\n"
        "expect: ['$.sources[*].state == closed']\n```\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [str(Path(sys.executable).parent / "runbook"), "check"],
        cwd=tmp_path,
        env={**os.environ, "CI": "true", "COLUMNS": "80"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), lines
    assert lines[0].startswith("fail   Ingestion sources")
    assert lines[NAME_LINES].strip() == "ingestion.md:3"
    assert "$.sources[1].state = 'open'" in " ".join(lines)
    assert lines[-1] == "1 check in env 'local': 1 fail"

    # Piped without $COLUMNS: nothing is wrapped, so a log line stays whole for grep.
    environ = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    whole = subprocess.run(
        [str(Path(sys.executable).parent / "runbook"), "check"],
        cwd=tmp_path,
        env={**environ, "CI": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    rows = whole.stdout.splitlines()
    assert rows[0].startswith(f"fail   {LONG_NAME} · closed, open")
    assert rows[0].endswith("  ingestion.md:3")
    assert rows[1].strip().startswith("expected $.sources[*].state == closed for every match")
    assert rows[1].endswith("$.sources[1].state = 'open'")
