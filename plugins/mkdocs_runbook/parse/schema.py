"""The check schema of SPEC 1.1: validate one check mapping into a ``CheckSpec``.

Shared by ``check`` blocks, marked shell blocks (after their options and comments are read)
and catalog entries. Every problem is a ``CheckDefinitionError`` at the line of the key or list
item that caused it, in words that tell the author what to write instead.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from ..assertions import check_subject_for_kind, parse_assertion
from ..errors import AssertionSyntaxError, CheckDefinitionError
from ..model import PARAMS_BY_KIND, TARGET_KINDS, AssertionSource, CheckSpec, Kind
from ..text import did_you_mean
from ..units import MAX_RETRIES, MAX_TIMEOUT_SECONDS, format_timeout, parse_duration

COMMON_KEYS: tuple[str, ...] = (
    "name",
    "id",
    "expect",
    "warn",
    "timeout",
    "retries",
    "retry_delay",
    "tags",
    "use",
    "skip",
    "zones",
)
ALL_PARAMS: frozenset[str] = frozenset().union(*PARAMS_BY_KIND.values())
ALLOWED_KEYS: tuple[str, ...] = (*COMMON_KEYS, *TARGET_KINDS, *sorted(ALL_PARAMS))
ID_PATTERN = re.compile(r"[a-z0-9-]+")

_TARGET_EXAMPLES: dict[str, str] = {
    "http": "GET https://example.com/healthz",
    "tcp": "db.internal:5432",
    "dns": "example.com",
    "tls": "example.com:443",
    "run": "systemctl is-active nginx",
    "metrics": "http://localhost:9100/metrics",
}
_PARAM_EXAMPLES: dict[str, str] = {
    "server": "ns1.example.com",
    "basic_auth": '"ops:{{ secrets.PASSWORD }}"',
    "ca_file": "certs/internal-ca.pem",
}
_TEMPLATE_START = ("{{", "{%")


def slugify(text: str) -> str:
    """``API is ready`` → ``api-is-ready``: the default id of a check named ``text``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:64].strip("-")


class _Checker:
    """Validation of one mapping; ``error`` puts the line of the key or item on a message."""

    def __init__(self, page: str, line: int, key_lines: Mapping[str, int]) -> None:
        self.page = page
        self.line = line
        self.key_lines = key_lines

    def error(self, message: str, key: str | None = None) -> CheckDefinitionError:
        line = self.key_lines.get(key, self.line) if key is not None else self.line
        return CheckDefinitionError(message, file=self.page, line=line)

    def text(self, key: str, value: Any, *, example: str) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.error(f"'{key}' must be text, like {key}: {example}", key)
        text = str(value).strip()
        if not text:
            raise self.error(f"'{key}' is empty; write it like {key}: {example}", key)
        return text

    def duration(self, key: str, value: Any, *, allow_zero: bool) -> float:
        try:
            seconds = parse_duration(value)
        except ValueError as exc:
            raise self.error(f"'{key}': {exc}", key) from None
        if seconds < 0 or (seconds == 0 and not allow_zero):
            raise self.error(f"'{key}' must be more than 0, got {value!r}", key)
        if seconds > MAX_TIMEOUT_SECONDS:
            limit = format_timeout(MAX_TIMEOUT_SECONDS)
            raise self.error(f"'{key}' must be at most {limit}, got {value!r}", key)
        return seconds

    def count(self, key: str, value: Any, *, maximum: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.error(f"'{key}' must be a whole number like 2, got {value!r}", key)
        if value > maximum:
            raise self.error(f"'{key}' must be at most {maximum}, got {value!r}", key)
        return value

    def flag(self, key: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.error(f"'{key}' must be true or false, got {value!r}", key)
        return value

    def tags(self, value: Any) -> list[str]:
        if isinstance(value, str):
            return [tag.strip() for tag in value.split(",") if tag.strip()]
        if isinstance(value, list) and all(
            isinstance(tag, str | int) and not isinstance(tag, bool) for tag in value
        ):
            return [str(tag).strip() for tag in value if str(tag).strip()]
        raise self.error("'tags' must be a list of words, like tags: [api, deploy]", "tags")

    def zones(self, value: Any) -> list[str]:
        names = [value] if isinstance(value, str) else value
        if (
            isinstance(names, list)
            and names
            and all(isinstance(name, str) and ID_PATTERN.fullmatch(name.strip()) for name in names)
        ):
            return [name.strip() for name in names]
        raise self.error(
            "'zones' must be a list of zone names (a-z, 0-9, '-'), like zones: [eu-private]",
            "zones",
        )

    def skip(self, value: Any) -> str | None:
        if isinstance(value, bool):
            return "skipped" if value else None
        if isinstance(value, str):
            return value.strip() or "skipped"
        raise self.error(
            "'skip' must be true or a reason, like skip: \"until the migration\"", "skip"
        )

    def identifier(self, key: str, value: Any) -> str:
        text = self.text(key, value, example="api-ready")
        if not ID_PATTERN.fullmatch(text):
            suggestion = slugify(text)
            hint = f" (try '{suggestion}')" if suggestion else ""
            raise self.error(f"'{key}' {text!r} may only use a-z, 0-9 and '-'{hint}", key)
        return text

    def assertions(self, key: str, value: Any, kind: str | None) -> list[AssertionSource]:
        if value is None:
            return []
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            raise self.error(
                f"'{key}' must be a list of assertions, like {key}: [\"status == 200\"]", key
            )
        sources: list[AssertionSource] = []
        for index, item in enumerate(items):
            item_key = f"{key}[{index}]" if isinstance(value, list) else key
            line = self.key_lines.get(item_key, self.key_lines.get(key, self.line))
            if not isinstance(item, str):
                raise self.error(_not_text(key, index + 1, item), item_key)
            text = item.strip()
            self._validate_assertion(key, index + 1, text, kind, item_key)
            sources.append(AssertionSource(text, line))
        return sources

    def _validate_assertion(
        self, key: str, number: int, text: str, kind: str | None, item_key: str
    ) -> None:
        if any(mark in text for mark in _TEMPLATE_START):
            return  # checked once its templates are rendered, when the check runs
        try:
            assertion = parse_assertion(text)
            if kind is not None:
                check_subject_for_kind(assertion, kind)
        except AssertionSyntaxError as exc:
            raise self.error(f"{key} item {number} '{text}': {exc.message}", item_key) from None


def build_spec(
    data: Mapping[str, Any],
    *,
    page: str,
    line: int,
    key_lines: Mapping[str, int],
    source: str = "",
    fixed_target: tuple[Kind, str] | None = None,
) -> CheckSpec:
    """Validate one check mapping (a ``check`` block's YAML or a catalog entry).

    ``line`` is where the check starts; ``key_lines`` maps each key to its line and
    ``"key[i]"`` to the line of item ``i`` of a list value (``yaml_lines.key_lines``).
    ``fixed_target`` gives the kind and target of blocks whose language says what they are
    (``console``).
    """
    checker = _Checker(page, line, key_lines)
    if not isinstance(data, Mapping):
        raise checker.error(
            f"a check must be a mapping of keys (name:, http:, expect: …), not {_describe(data)}"
        )
    for key in data:
        if not isinstance(key, str):
            raise checker.error(f"key {key!r} is not a name; keys are words like expect:")
        if key not in ALLOWED_KEYS:
            hint = did_you_mean(key, ALLOWED_KEYS) or f" (known keys: {', '.join(ALLOWED_KEYS)})"
            raise checker.error(f"unknown key '{key}'{hint}", key)

    kind, target = fixed_target or _target(checker, data)
    params = _params(checker, data, kind)
    use = checker.identifier("use", data["use"]) if "use" in data else None
    if kind is None and use is None:
        raise checker.error(
            "no target: add one of http:, tcp:, dns:, tls:, run:, metrics: (or use: ID)"
        )
    name = checker.text("name", data["name"], example="API is ready") if "name" in data else ""
    return CheckSpec(
        id=checker.identifier("id", data["id"]) if "id" in data else "",
        name=name or target or use or "",
        page=page,
        line=line,
        kind=kind,
        target=target,
        params=params,
        expect=checker.assertions("expect", data.get("expect"), kind),
        warn=checker.assertions("warn", data.get("warn"), kind),
        timeout=(
            checker.duration("timeout", data["timeout"], allow_zero=False)
            if "timeout" in data
            else None
        ),
        retries=(
            checker.count("retries", data["retries"], maximum=MAX_RETRIES)
            if "retries" in data
            else 0
        ),
        retry_delay=(
            checker.duration("retry_delay", data["retry_delay"], allow_zero=True)
            if "retry_delay" in data
            else 1.0
        ),
        tags=checker.tags(data["tags"]) if "tags" in data else [],
        use=use,
        skip=checker.skip(data["skip"]) if "skip" in data else None,
        zones=checker.zones(data["zones"]) if "zones" in data else [],
        explicit=frozenset(data),
        source=source,
    )


def _target(checker: _Checker, data: Mapping[str, Any]) -> tuple[Kind | None, str | None]:
    targets = [key for key in TARGET_KINDS if key in data]
    if len(targets) > 1:
        raise checker.error(
            f"two targets, '{targets[0]}' and '{targets[1]}': a check has exactly one "
            "(split it into two checks)",
            targets[1],
        )
    if not targets:
        return None, None
    kind: Kind = targets[0]  # type: ignore[assignment]
    return kind, checker.text(kind, data[kind], example=_TARGET_EXAMPLES[kind])


def _params(checker: _Checker, data: Mapping[str, Any], kind: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key in sorted(ALL_PARAMS & set(data)):
        if kind is not None and key not in PARAMS_BY_KIND[kind]:
            owners = sorted(k for k, keys in PARAMS_BY_KIND.items() if key in keys)
            raise checker.error(
                f"'{key}' applies to {' and '.join(owners)} checks only, not {kind}", key
            )
        params[key] = _param(checker, key, data[key])
    if "body" in params and "json" in params:
        raise checker.error("'body' and 'json' cannot both be set: choose one", "json")
    return params


def _param(checker: _Checker, key: str, value: Any) -> Any:
    if key in ("follow_redirects", "verify_tls"):
        return checker.flag(key, value)
    if key == "headers":
        if not isinstance(value, Mapping) or not all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in value.values()
        ):
            raise checker.error(
                "'headers' must map names to text, like headers: {Accept: application/json}",
                key,
            )
        return {str(name): str(header) for name, header in value.items()}
    if key == "body":
        if not isinstance(value, str):
            raise checker.error("'body' must be text; use json: for an object or a list", key)
        return value
    if key == "json":
        try:
            json.dumps(value)
        except (TypeError, ValueError, RecursionError):
            raise checker.error(
                "'json' must be plain data (objects, lists, text, numbers)", key
            ) from None
        return value
    if key == "type":
        return _record_type(checker, value)
    if key == "connect_timeout":
        return checker.duration(key, value, allow_zero=False)
    if key == "env":
        return _environment(checker, value)
    return checker.text(key, value, example=_PARAM_EXAMPLES.get(key, "example.com"))


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: The runner's names for the template values of a command (``resolve.shell``).
_RESERVED_ENV_NAME = re.compile(r"RUNBOOK_V[0-9]+")
_ENV_EXAMPLE = 'env: {PGPASSWORD: "{{ secrets.PGPASSWORD }}"}'


def _environment(checker: _Checker, value: Any) -> dict[str, str]:
    """``env:``: variable names to text (templates allowed), for the command's process."""
    if not isinstance(value, Mapping):
        raise checker.error(f"'env' must map variable names to text, like {_ENV_EXAMPLE}", "env")
    environment: dict[str, str] = {}
    for name, text in value.items():
        if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
            raise checker.error(
                f"env: {name!r} is not a variable name (letters, digits and _, not starting "
                "with a digit)",
                "env",
            )
        if _RESERVED_ENV_NAME.fullmatch(name):
            raise checker.error(
                f"env: {name} is reserved: the runner passes template values in RUNBOOK_V1, "
                "RUNBOOK_V2, …; choose another name",
                "env",
            )
        if isinstance(text, bool) or not isinstance(text, str | int | float):
            raise checker.error(
                f"env: the value of {name} must be text, like {_ENV_EXAMPLE} (quote "
                "true/false and empty values)",
                "env",
            )
        environment[name] = str(text)
    return environment


def _record_type(checker: _Checker, value: Any) -> str:
    text = checker.text("type", value, example="AAAA").upper()
    import dns.exception  # dnspython's table of types: loaded by a dns check's ``type`` only
    import dns.rdatatype

    try:
        known = not dns.rdatatype.is_metatype(dns.rdatatype.from_text(text))
    except dns.exception.DNSException:
        known = False
    if not known:
        names = [t.name for t in dns.rdatatype.RdataType if not dns.rdatatype.is_metatype(t)]
        raise checker.error(f"unknown DNS record type '{text}'{did_you_mean(text, names)}", "type")
    return text


def _not_text(key: str, number: int, item: Any) -> str:
    if item is None:
        return f'{key} item {number} is empty: write an assertion like "status == 200"'
    return f'{key} item {number} is {_describe(item)}, not text — quote it: "{_as_written(item)}"'


def _describe(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "empty"
    return "text" if isinstance(value, str) else f"a {type(value).__name__}"


def _as_written(value: Any, depth: int = 0) -> str:
    """Roughly how the author wrote a value YAML turned into something else."""
    if depth > 3:
        return "…"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, Mapping):
        return ", ".join(
            f"{_as_written(k, depth + 1)}: {_as_written(v, depth + 1)}".rstrip()
            for k, v in value.items()
        )
    if isinstance(value, list):
        return "[" + ", ".join(_as_written(item, depth + 1) for item in value) + "]"
    return str(value)
