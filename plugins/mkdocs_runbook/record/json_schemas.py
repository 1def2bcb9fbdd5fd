"""JSON Schemas of what other tools read and write: the report (scorecards, dashboards) and the
check catalog (editors complete ``checks/*.yml`` with it).

They are built from the same tables the parser validates with, so a key cannot exist in one
and not the other; the copies shipped in ``record/schemas/`` are checked against these by a
test and rewritten by ``python -m mkdocs_runbook.record.json_schemas``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..model import PARAMS_BY_KIND, TARGET_KINDS
from ..parse import ALLOWED_KEYS
from ..results import REPORT_VERSION, Status

SCHEMA_DIR = Path(__file__).parent / "schemas"
_DRAFT = "https://json-schema.org/draft/2020-12/schema"

_DURATION = {"type": ["string", "number"], "description": "A duration: 5s, 500ms, 2m, 1h, 1d."}
_ASSERTIONS = {
    "description": "Assertions, one per item: [not] SUBJECT OP VALUE (SPEC 3).",
    "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
}
_ZONE = "^[a-z0-9-]+$"
_KEY_SCHEMAS: dict[str, dict[str, Any]] = {
    "name": {"type": "string", "description": "Shown on the page; default: the target."},
    "id": {
        "type": "string",
        "pattern": "^[a-z0-9-]+$",
        "description": "Stable id, unique per page.",
    },
    "expect": _ASSERTIONS,
    "warn": _ASSERTIONS,
    "timeout": _DURATION,
    "retries": {"type": "integer", "minimum": 0},
    "retry_delay": _DURATION,
    "tags": {"type": "array", "items": {"type": "string"}},
    "use": {"type": "string", "description": "The id of a catalog check this one builds on."},
    "skip": {"type": ["boolean", "string"], "description": "true, or the reason it is skipped."},
    "zones": {
        "description": "The zones it runs in (one name or a list); elsewhere it is skip.",
        "oneOf": [
            {"type": "string", "pattern": _ZONE},
            {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": _ZONE}},
        ],
    },
    "http": {"type": "string", "description": "[METHOD] URL"},
    "tcp": {"type": "string", "description": "HOST:PORT"},
    "dns": {"type": "string", "description": "A name to resolve."},
    "tls": {"type": "string", "description": "HOST:PORT"},
    "run": {"type": "string", "description": "A command (needs allow_commands)."},
    "metrics": {"type": "string", "description": "URL of a Prometheus text endpoint."},
    "headers": {"type": "object", "additionalProperties": {"type": "string"}},
    "body": {"type": "string"},
    "json": {"description": "A JSON request body (object, list or value)."},
    "follow_redirects": {"type": "boolean"},
    "verify_tls": {"type": "boolean"},
    "basic_auth": {"type": "string", "description": "user:password"},
    "type": {"type": "string", "description": "DNS record type (A, AAAA, MX, TXT, …)."},
    "server": {"type": "string", "description": "DNS server HOST[:PORT]."},
    "server_name": {"type": "string", "description": "TLS server name (SNI)."},
    "ca_file": {"type": "string", "description": "PEM file of CAs to trust (curl's --cacert)."},
    "connect_timeout": _DURATION,
    "env": {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "description": "Variables for a command (values may use variables and secrets).",
    },
}


def check_schema() -> dict[str, Any]:
    """One check (a ``check`` fence's YAML, a catalog entry): its keys and exactly one target."""
    properties = {key: _KEY_SCHEMAS.get(key, {}) for key in ALLOWED_KEYS}
    return {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "description": f"Targets: {', '.join(TARGET_KINDS)}; parameters by kind: "
        + "; ".join(f"{k}: {', '.join(sorted(v)) or '-'}" for k, v in PARAMS_BY_KIND.items()),
    }


def catalog_schema() -> dict[str, Any]:
    """A catalog file (``checks/*.yml``): check ids mapped to checks."""
    return {
        "$schema": _DRAFT,
        "$id": "https://mkdocs-runbook.invalid/schemas/catalog.schema.json",
        "title": "mkdocs-runbook check catalog",
        "type": "object",
        "propertyNames": {"pattern": "^[a-z0-9-]+$"},
        "additionalProperties": check_schema(),
    }


def report_schema() -> dict[str, Any]:
    """``runbook-checks.json`` (SPEC 6). Readers should ignore fields they do not know."""
    statuses = [status.value for status in Status]
    assertion = {
        "type": "object",
        "required": ["text", "ok"],
        "properties": {
            "text": {"type": "string"},
            "ok": {"type": "boolean"},
            "actual": {"description": "What was measured (any JSON value)."},
            "severity": {"enum": ["expect", "warn"]},
            "message": {"type": "string"},
        },
    }
    check = {
        "type": "object",
        "required": ["id", "name", "page", "status", "checked_at"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "page": {"type": "string", "description": "The page, relative to docs_dir."},
            "line": {"type": "integer"},
            "kind": {"type": "string"},
            "target": {"type": "string", "description": "The target, secrets masked."},
            "status": {"enum": statuses},
            "message": {"type": "string"},
            "value": {"type": "string", "description": "The badge's measured value."},
            "duration_ms": {"type": "number"},
            "checked_at": {"type": "string", "description": "ISO 8601 UTC."},
            "attempts": {"type": "integer"},
            "assertions": {"type": "array", "items": assertion},
            "tags": {"type": "array", "items": {"type": "string"}},
            "zone": {"type": "string"},
            "env": {"type": "string"},
        },
    }
    return {
        "$schema": _DRAFT,
        "$id": "https://mkdocs-runbook.invalid/schemas/report.schema.json",
        "title": "mkdocs-runbook report (runbook-checks.json)",
        "type": "object",
        "required": ["version", "env", "started_at", "finished_at", "summary", "checks"],
        "properties": {
            "version": {"const": REPORT_VERSION},
            "env": {"type": "string"},
            "zone": {"type": "string"},
            "started_at": {"type": "string"},
            "finished_at": {"type": "string"},
            "summary": {
                "type": "object",
                "properties": {status: {"type": "integer"} for status in statuses},
            },
            "checks": {"type": "array", "items": check},
        },
    }


def check_block_schema() -> dict[str, Any]:
    """The YAML body of one ``check`` fence."""
    return {
        "$schema": _DRAFT,
        "$id": "https://mkdocs-runbook.invalid/schemas/check.schema.json",
        "title": "mkdocs-runbook check block",
        **check_schema(),
    }


SCHEMAS = {
    "catalog.schema.json": catalog_schema,
    "check.schema.json": check_block_schema,
    "report.schema.json": report_schema,
}


def schema_text(name: str) -> str:
    return json.dumps(SCHEMAS[name](), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    for file_name in SCHEMAS:
        (SCHEMA_DIR / file_name).write_text(schema_text(file_name), encoding="utf-8")
