"""What ``runbook alerts`` prints: a text table (one line per alert), JSON and JUnit XML.

Alert names, labels and URLs come from rule files anyone may edit: in text they lose terminal
escapes and control characters (one alert stays one line), in JSON ``<``, ``>`` and ``&`` are
escaped, and in JUnit every text is made XML-safe before ElementTree escapes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from ..record import html_safe_json
from ..text import printable
from .assess import AlertVerdict, Problem
from .rules import ReadError

__all__ = ["AlertsReport", "as_json", "as_junit", "as_text"]

REPORT_VERSION = 1


@dataclass
class AlertsReport:
    site_url: str
    verdicts: list[AlertVerdict]
    errors: list[ReadError]
    files: list[str]
    fail_on: Sequence[Problem]

    @property
    def summary(self) -> dict[str, int]:
        counts = {problem.value: 0 for problem in Problem}
        for verdict in self.verdicts:
            counts[verdict.problem.value] += 1
        return counts

    @property
    def failed(self) -> bool:
        return bool(self.errors) or any(v.problem in self.fail_on for v in self.verdicts)


def _clean(text: str) -> str:
    return printable(text)


def _line(text: str) -> str:
    return " ".join(_clean(text).split())


def as_text(report: AlertsReport) -> str:
    """One line per alert (problem, rule, alert, why), then one per unreadable file."""
    rows = []
    for verdict in report.verdicts:
        alert = verdict.alert
        severity = f" [{_line(alert.severity)}]" if alert.severity else ""
        what = f"{_line(alert.name)}{severity} — {_line(verdict.message)}"
        rows.append((verdict.problem.value, _line(alert.location), what))
    for error in report.errors:
        where = f"{error.file}:{error.line}" if error.line else error.file
        rows.append(("error", _line(where), _line(error.message)))
    width = max((len(where) for _, where, _ in rows), default=0)
    lines = [f"{problem:14}  {where:{width}}  {what}" for problem, where, what in rows]
    counts = ", ".join(f"{n} {problem}" for problem, n in report.summary.items() if n)
    files = len(report.files)
    total = f"{len(report.verdicts)} alerts in {files} rule {'file' if files == 1 else 'files'}"
    broken = f", {len(report.errors)} unreadable" if report.errors else ""
    lines.append(f"{total}: {counts or 'none'}{broken}")
    return "\n".join(lines) + "\n"


def as_json(report: AlertsReport) -> str:
    data = {
        "version": REPORT_VERSION,
        "site_url": report.site_url,
        "summary": report.summary,
        "fail_on": [problem.value for problem in report.fail_on],
        "alerts": [_alert_dict(verdict) for verdict in report.verdicts],
        "errors": [
            {"file": error.file, "line": error.line, "message": error.message}
            for error in report.errors
        ],
    }
    return html_safe_json(data, indent=2) + "\n"


def _alert_dict(verdict: AlertVerdict) -> dict[str, Any]:
    alert = verdict.alert
    page = verdict.page
    return {
        "alert": alert.name,
        "group": alert.group,
        "severity": alert.severity,
        "file": alert.file,
        "line": alert.line,
        "runbook_url": alert.runbook_url,
        "problem": verdict.problem.value,
        "message": verdict.message,
        "page": page.src_uri if page is not None else None,
        "url": page.url if page is not None else None,
        "anchor": verdict.anchor or None,
        "scope": "section" if verdict.section else "page",
        "checks": [
            {
                "page": state.page,
                "id": state.id,
                "status": state.status.value if state.status is not None else None,
                "checked_at": state.checked_at or None,
                "stale": state.stale,
            }
            for state in verdict.checks
        ],
    }


def as_junit(report: AlertsReport) -> str:
    """One ``testsuite`` per rule file, one ``testcase`` per alert; a problem in ``fail_on`` is
    a failure, another problem passes with the problem in ``system-out``, and a file that could
    not be read is an ``error`` test case."""
    root = ElementTree.Element("testsuites", name="runbook alerts")
    suites: dict[str, ElementTree.Element] = {}
    for name in [*report.files, *(e.file for e in report.errors if e.file not in report.files)]:
        suites.setdefault(name, ElementTree.SubElement(root, "testsuite", name=_clean(name)))
    for verdict in report.verdicts:
        alert = verdict.alert
        severity = f" [{alert.severity}]" if alert.severity else ""
        case = ElementTree.SubElement(
            suites[alert.file],
            "testcase",
            classname=_line(alert.group or alert.file),
            name=_line(alert.name + severity),
            file=_clean(alert.file),
            line=str(alert.line),
        )
        detail = _clean(f"{verdict.message}\nrunbook_url: {alert.runbook_url or '(none)'}")
        if verdict.problem in report.fail_on:
            failure = ElementTree.SubElement(
                case, "failure", type=verdict.problem.value, message=_line(verdict.message)
            )
            failure.text = detail
        elif verdict.problem is not Problem.OK:
            ElementTree.SubElement(case, "system-out").text = f"{verdict.problem}: {detail}"
    for error in report.errors:
        case = ElementTree.SubElement(
            suites[error.file],
            "testcase",
            classname=_clean(error.file),
            name="unreadable",
            file=_clean(error.file),
            line=str(error.line),
        )
        ElementTree.SubElement(case, "error", type="unreadable", message=_line(error.message))
    for suite in root:
        cases = list(suite)
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(case.find("failure") is not None for case in cases)))
        suite.set("errors", str(sum(case.find("error") is not None for case in cases)))
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
