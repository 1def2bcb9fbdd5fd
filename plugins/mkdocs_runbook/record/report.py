"""Machine-readable outputs of a run: the JSON report and JUnit XML (SPEC 6, 7)."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

from ..readable import readable
from ..results import CheckResult, Report, Status
from ..settings import zone_name
from ..text import html_safe_json, markup_escaped_json, printable

__all__ = [
    "assertion_lines",
    "html_safe_json",
    "junit_xml",
    "read_report",
    "report_json",
    "write_report",
]


def report_json(report: Report) -> str:
    """The report as JSON laid out for reading and diffing: a field of the report per line, one
    line per check.

    Each piece goes through ``json.dumps`` without ``indent``, which CPython encodes in C; with
    ``indent`` it takes the pure-Python encoder: 28 ms for 1,000 checks against 13 ms this way,
    and the site build writes the report every time."""
    fields = []
    for key, value in report.to_dict().items():
        if key == "checks" and value:
            lines = ",\n    ".join(json.dumps(check, ensure_ascii=False) for check in value)
            value_text = f"[\n    {lines}\n  ]"
        else:
            value_text = json.dumps(value, ensure_ascii=False)
        fields.append(f"  {json.dumps(key)}: {value_text}")
    return markup_escaped_json("{\n" + ",\n".join(fields) + "\n}\n")


def write_report(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_json(report), "utf-8")


def read_report(path: Path) -> Report:
    """The report in ``path``; ``ValueError`` saying what is wrong when it is not one
    (``OSError`` and ``UnicodeDecodeError`` when the file cannot be read as text)."""
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    try:
        report = Report.from_dict(data)
    except KeyError as exc:
        raise ValueError(f"a check lacks the field {exc.args[0]!r}") from None
    except (TypeError, AttributeError) as exc:
        raise ValueError(f"a field has the wrong type ({exc})") from None
    # A zone names files and rows of the site that shows it: another machine's report must
    # not name anything else (no path, no markup). An old report has none.
    for zone in {report.zone, *(check.zone for check in report.checks)} - {""}:
        zone_name(zone, "zone")
    return report


def junit_xml(report: Report) -> str:
    """One ``testsuite`` per page, one ``testcase`` per check; ``warn`` passes with a note."""
    suites = ElementTree.Element("testsuites", name="runbook")
    by_page: dict[str, list[CheckResult]] = {}
    for check in report.checks:
        by_page.setdefault(check.page, []).append(check)
    for page, checks in by_page.items():
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name=page,
            tests=str(len(checks)),
            failures=str(sum(c.status is Status.FAIL for c in checks)),
            errors=str(sum(c.status is Status.ERROR for c in checks)),
            skipped=str(sum(c.status is Status.SKIP for c in checks)),
            timestamp=report.started_at,
        )
        if report.zone:  # which network the suite ran from (SPEC 11)
            properties = ElementTree.SubElement(suite, "properties")
            ElementTree.SubElement(properties, "property", name="zone", value=report.zone)
        for check in checks:
            _testcase(suite, check)
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _testcase(suite: ElementTree.Element, check: CheckResult) -> None:
    case = ElementTree.SubElement(
        suite,
        "testcase",
        classname=check.page,
        name=f"{check.id} ({check.name})" if check.name != check.id else check.id,
        file=check.page,
        line=str(check.line),
        time=f"{check.duration_ms / 1000:.3f}",
    )
    if check.zone:
        properties = ElementTree.SubElement(case, "properties")
        ElementTree.SubElement(properties, "property", name="zone", value=check.zone)
    body = assertion_lines(check)
    if check.detail:  # a console diff, a response excerpt: what a CI reader needs next
        body += f"\ndetail:\n{printable(check.detail)}"
    if check.status is Status.FAIL:
        ElementTree.SubElement(case, "failure", message=check.message, type="fail").text = body
    elif check.status is Status.ERROR:
        ElementTree.SubElement(case, "error", message=check.message, type="error").text = body
    elif check.status is Status.SKIP:
        ElementTree.SubElement(case, "skipped", message=check.message)
    elif check.status is Status.WARN:
        ElementTree.SubElement(case, "system-out").text = f"warning: {check.message}\n{body}"


def assertion_lines(check: CheckResult) -> str:
    """The assertion table as plain text: ``ok  status < 400  (actual: 200)``."""
    lines = [f"target: {check.target}"] if check.target else []
    for assertion in check.assertions:
        mark = "ok  " if assertion.ok else ("WARN" if assertion.severity == "warn" else "MISS")
        line = f"{mark} {assertion.text}  (actual: {readable(assertion.actual)})"
        if assertion.message and not assertion.ok:
            line += f" — {assertion.message}"
        lines.append(line)
    if check.message and all(a.message != check.message for a in check.assertions):
        lines.append(check.message)
    return "\n".join(lines)
