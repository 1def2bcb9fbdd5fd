"""A result as the report's JSON holds it (``CheckResult.to_dict``), written field by field."""

from __future__ import annotations

import dataclasses
import json

import pytest

from mkdocs_runbook.results import AssertionResult, CheckResult, RunOutcome, Status
from test_render import HOSTILE, hostile_result, make_result

NESTED = {"items": [{"id": 1, "tags": ["a", "<b>"]}, None, 2.5], "ok": True}


def results() -> list[CheckResult]:
    return [
        make_result(),
        make_result(
            status=Status.FAIL,
            duration_ms=12.3456,
            cached=True,
            zone="eu",
            tags=["api", "<x>"],
            detail="answer",
            assertions=[
                AssertionResult("$.items[0] == 1", False, NESTED, message="no"),
                AssertionResult("latency < 5ms", False, 7.5, severity="warn"),
            ],
        ),
        *[hostile_result(payload) for payload in HOSTILE],
    ]


@pytest.mark.parametrize("result", results())
def test_a_result_dict_holds_every_field_in_order(result: CheckResult) -> None:
    generic = dataclasses.asdict(result)  # what the report held before: the same data
    generic["status"] = result.status.value
    generic["duration_ms"] = round(result.duration_ms, 1)
    data = result.to_dict()
    assert data == generic and list(data) == list(generic)
    assert json.dumps(data) == json.dumps(generic)


def test_a_result_dict_reads_back_as_the_result() -> None:
    for result in results()[:2]:  # the hostile ones have no readable time
        again = CheckResult.from_dict(json.loads(json.dumps(result.to_dict())))
        assert again == dataclasses.replace(result, duration_ms=round(result.duration_ms, 1))


def test_a_result_dict_is_a_copy() -> None:
    [_, result, *_] = results()
    data = result.to_dict()
    data["assertions"][0]["actual"]["items"][0]["tags"].append("changed")
    data["tags"].append("changed")
    assert result.assertions[0].actual == NESTED and result.tags == ["api", "<x>"]


def outcomes() -> list[RunOutcome]:
    return [
        RunOutcome(Status.PASS, value="12 ms", attempts=1, duration_ms=12.3456, cached=True),
        RunOutcome(
            Status.FAIL,
            message="<b>no</b>",
            detail="answer & more",
            assertions=[AssertionResult("$.items[0] == 1", False, NESTED, message="no")],
            checked_at="2026-11-29T05:00:00Z",
        ),
    ]


@pytest.mark.parametrize("outcome", outcomes(), ids=lambda o: o.status.value)
def test_an_outcome_dict_holds_every_field_but_where_it_came_from(outcome: RunOutcome) -> None:
    generic = dataclasses.asdict(outcome)  # what the result cache held before: the same data
    generic["status"] = outcome.status.value
    del generic["cached"]
    data = outcome.to_dict()
    assert data == generic and list(data) == list(generic)
    again = RunOutcome.from_dict(json.loads(json.dumps(data)))
    assert again == dataclasses.replace(outcome, cached=False)
    data["assertions"][0:0] = [{"changed": True}]
    assert len(outcome.assertions) == len(generic["assertions"])
