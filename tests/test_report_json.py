"""The JSON report's layout (``record.report_json``): the same data as ``Report.to_dict``, a
field per line and a check per line, and no character that could open markup."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from mkdocs_runbook.record import report_json, write_report
from mkdocs_runbook.record.report import read_report
from mkdocs_runbook.results import AssertionResult, CheckResult, Report, Status

MARKUP_HEAVY = st.text(
    alphabet=st.sampled_from(list("<>&\"'\\/\n\tab\u2028\U0001f600")), max_size=12
)
CHECKS = st.builds(
    CheckResult,
    id=MARKUP_HEAVY,
    name=MARKUP_HEAVY,
    page=MARKUP_HEAVY,
    line=st.integers(0, 10_000),
    kind=st.sampled_from(["http", "tcp", "command"]),
    target=MARKUP_HEAVY,
    status=st.sampled_from(list(Status)),
    message=MARKUP_HEAVY,
    value=MARKUP_HEAVY,
    duration_ms=st.floats(0, 1e6, allow_nan=False),
    assertions=st.lists(
        st.builds(AssertionResult, text=MARKUP_HEAVY, ok=st.booleans(), actual=MARKUP_HEAVY),
        max_size=3,
    ),
    tags=st.lists(MARKUP_HEAVY, max_size=3),
)


@given(st.lists(CHECKS, max_size=6), MARKUP_HEAVY)
def test_the_report_is_its_data_with_one_line_per_check_and_no_markup(
    checks: list[CheckResult], env: str
) -> None:
    report = Report(
        env=env,
        zone="local",
        started_at="2026-11-29T09:00:00Z",
        finished_at="2026-11-29T09:00:01Z",
        checks=checks,
    )
    text = report_json(report)
    assert json.loads(text) == json.loads(json.dumps(report.to_dict()))
    assert not set(text) & set("<>&")
    lines = text.removesuffix("\n").split("\n")  # not splitlines(): U+2028 stays raw in JSON
    fields = len(report.to_dict())
    # "{", a line per field, "}", and when there are checks a line for each and one for "]".
    assert len(lines) == fields + 2 + (len(checks) + 1 if checks else 0)
    assert text.endswith("}\n")


def test_a_written_report_reads_back_as_the_same_report(tmp_path: Path) -> None:
    check = CheckResult(
        id="api",
        name="API <b>up</b>",
        page="ops/api.md",
        line=3,
        kind="http",
        target="GET http://127.0.0.1/",
        status=Status.FAIL,
        message="503 & down",
        assertions=[AssertionResult(text="status == 200", ok=False, actual=503)],
    )
    report = Report(
        env="local",
        zone="local",
        started_at="2026-11-29T09:00:00Z",
        finished_at="2026-11-29T09:00:01Z",
        checks=[check],
    )
    path = tmp_path / "site" / "runbook-checks.json"
    write_report(report, path)
    assert read_report(path).to_dict() == report.to_dict()
    assert '    {"id": "api", "name": "API \\u003cb\\u003eup' in path.read_text("utf-8")
