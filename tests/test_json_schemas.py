"""The JSON Schemas the package ships (report, catalog) match the code and accept what it
writes and what the project's own catalog holds (SPEC 6; issue: editors complete checks/*.yml)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
import yaml

from mkdocs_runbook.record.json_schemas import SCHEMAS, schema_text
from servers import RouteServer

ROOT = Path(__file__).resolve().parents[1]
RUNBOOK = str(Path(sys.executable).parent / "runbook")


def shipped(name: str) -> dict[str, object]:
    text = files("mkdocs_runbook.record").joinpath("schemas", name).read_text(encoding="utf-8")
    loaded: dict[str, object] = json.loads(text)
    return loaded


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_shipped_schemas_are_the_generated_ones(name: str) -> None:
    assert shipped(name) == json.loads(schema_text(name)), (
        f"{name} is out of date: python -m mkdocs_runbook.record.json_schemas"
    )
    jsonschema.Draft202012Validator.check_schema(shipped(name))


def test_every_key_is_described() -> None:
    """A key the parser accepts but the schema leaves untyped would complete as ``{}``."""
    properties = shipped("check.schema.json")["properties"]
    assert isinstance(properties, dict)
    assert [key for key, schema in properties.items() if not schema] == []


def test_a_real_report_validates(tmp_path: Path, http_server: RouteServer) -> None:
    http_server.route("/healthz", body={"status": "ok"})
    page = tmp_path / "ops.md"
    page.write_text(
        f"```check\nname: live\nhttp: GET {http_server.url}/healthz\n```\n"
        "```check\nname: broken\nhttp: GET\n```\n",
        encoding="utf-8",
    )
    report = tmp_path / "report.json"
    subprocess.run(
        [RUNBOOK, "check", str(page), "--format", "json", "-o", str(report)],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        check=False,
    )
    jsonschema.validate(json.loads(report.read_text()), shipped("report.schema.json"))


def test_the_project_catalog_validates_and_a_typo_does_not() -> None:
    schema = shipped("catalog.schema.json")
    for path in sorted((ROOT / "checks").glob("*.yml")):
        jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema)
    with pytest.raises(jsonschema.ValidationError, match="exepct"):
        jsonschema.validate({"api": {"http": "GET /", "exepct": ["status == 200"]}}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"Not An Id": {"tcp": "db:5432"}}, schema)
    one_check = shipped("check.schema.json")
    jsonschema.validate(
        {"name": "db", "tcp": "db:5432", "expect": ["connected == true"]}, one_check
    )
    with pytest.raises(jsonschema.ValidationError, match="tiemout"):
        jsonschema.validate({"tcp": "db:5432", "tiemout": "5s"}, one_check)
