"""From found blocks to validated checks (SPEC 1.1, 1.2).

A ``check`` block's body is YAML in the schema of ``check_schema``. A marked shell block takes
its options from the info string (``name``, ``id``, ``tags``, ``timeout``, ``retries``,
``skip``) and its assertions from ``# expect: …`` / ``# warn: …`` comment lines; what is left
is one ``curl`` command (a native HTTP check, see ``curl``), a ``console`` transcript, or a
command to run. A block that cannot be understood becomes a ``BrokenCheck`` with the reason,
never an exception: one bad block must not stop the others.

Ids are unique per page: an explicit ``id`` is kept (a second use of it on the page is an
error), any other check gets the slug of its name (``use`` id for a catalog reference), with
``-2``, ``-3`` on a clash; a broken block gets the slug of whatever name it shows, or
``line-N``.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CheckDefinitionError
from ..find import FENCE_OPTIONS, HIGHLIGHT_OPTIONS, find_blocks
from ..model import BrokenCheck, CheckBlock, CheckSpec, PageProblem
from ..text import did_you_mean, whole_number
from .curl import CurlNotConvertible, CurlRequest, curl_to_http, is_single_curl
from .schema import ID_PATTERN, build_spec, slugify
from .shell_words import strip_prompts
from .yaml_lines import key_lines, load_yaml

__all__ = ["build_spec", "parse_blocks", "parse_page"]

_ASSERTION_COMMENT = re.compile(r"^\s*#\s*(expect|warn)\s*:(.*)$")
_COMMENT = re.compile(r"^\s*#")
_NAME_LINE = re.compile(r"""^name:[ \t]*["']?(.*?)["']?[ \t]*$""", re.MULTILINE)
_ID_LINE = re.compile(r"""^id:[ \t]*["']?([a-z0-9-]+)["']?[ \t]*$""", re.MULTILINE)
_SHOWN_NAME_LENGTH = 72
_SKIP_WORDS: dict[str, bool] = {"skip": True, "true": True, "false": False}


@dataclass
class _Parsed:
    """One block's outcome before page-wide ids are assigned."""

    block: CheckBlock
    spec: CheckSpec | None
    error: CheckDefinitionError | None
    name: str
    explicit_id: str
    id_location: tuple[str, int]


def parse_page(
    markdown: str, page: str, snippet_paths: Sequence[Path]
) -> list[tuple[CheckBlock, CheckSpec | BrokenCheck]]:
    """A page's blocks, each with what it parsed to, as a site build sees them."""
    # SuperFences formats what it formats; the finder only needs to be quick and exact about
    # lines, so the Markdown pass that confirms blocks is skipped here.
    blocks = find_blocks(markdown, page, snippet_dirs=snippet_paths, confirm_with_markdown=False)
    return list(zip(blocks, parse_blocks(blocks), strict=True))


def parse_blocks(blocks: Sequence[CheckBlock]) -> list[CheckSpec | BrokenCheck]:
    """Every block as a ``CheckSpec`` or a ``BrokenCheck``, in order, with per-page ids."""
    parsed = [_parse(block) for block in blocks]
    taken: dict[str, dict[str, int]] = defaultdict(dict)  # page -> id -> line of first use
    for item in parsed:
        if not item.explicit_id:
            continue
        first = taken[item.block.page].get(item.explicit_id)
        if first is None:
            taken[item.block.page][item.explicit_id] = item.block.line
            continue
        if item.spec is not None:
            file, line = item.id_location
            item.error = CheckDefinitionError(
                f"id '{item.explicit_id}' is already used on this page (line {first}); "
                "ids must be unique per page",
                file=file,
                line=line,
            )
            item.spec = None
        item.explicit_id = ""
    results: list[CheckSpec | BrokenCheck] = []
    for item in parsed:
        page_ids = taken[item.block.page]
        check_id = item.explicit_id or _unique(
            slugify(item.name) or f"line-{item.block.line}", page_ids
        )
        page_ids.setdefault(check_id, item.block.line)
        results.append(_finished(item, check_id))
    return results


def _finished(item: _Parsed, check_id: str) -> CheckSpec | BrokenCheck:
    block = item.block
    if item.spec is not None:
        # Specs are made afresh by each parse and nothing else holds them yet: completed in
        # place, since ``dataclasses.replace`` builds the whole spec again (a fifth of parsing).
        item.spec.id = check_id
        return item.spec
    assert item.error is not None
    name = item.name or f"{block.lang} block at line {block.line}"
    return BrokenCheck(
        id=check_id,
        name=name,
        page=block.page,
        line=block.line,
        error=item.error,
        source=block.body,
        lang=block.lang,
    )


def unreadable_page_check(problem: PageProblem) -> BrokenCheck:
    """The one ``error`` result a page that cannot be read stands for, at ``file:line``."""
    error = CheckDefinitionError(problem.message, file=problem.page, line=problem.line)
    return BrokenCheck(
        id="unreadable-page",
        name="page cannot be read",
        page=problem.page,
        line=problem.line,
        error=error,
    )


def _unique(base: str, taken: dict[str, int]) -> str:
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _location(block: CheckBlock) -> tuple[str, int]:
    """Where the block's text is written: the page, or the snippet file it was included from."""
    if block.origin:
        file, _, line = block.origin.rpartition(":")
        number = whole_number(line)
        if file and number is not None:
            return file, number
    return block.page, block.line


def _parse(block: CheckBlock) -> _Parsed:
    file, fence_line = _location(block)
    try:
        options = _info_options(block, file, fence_line)
        if block.lang == "check":
            spec, id_line = _check_block(block, options, file, fence_line)
        else:
            spec, id_line = _shell_block(block, options, file, fence_line), fence_line
    except CheckDefinitionError as error:
        return _Parsed(
            block,
            None,
            error.located(file, fence_line),
            _guess_name(block),
            _guess_id(block),
            (file, fence_line),
        )
    spec.page, spec.line, spec.source, spec.lang = block.page, block.line, block.body, block.lang
    return _Parsed(block, spec, None, spec.name, spec.id, (file, id_line))


def _info_options(block: CheckBlock, file: str, line: int) -> dict[str, Any]:
    """The check's own options from the fence's info string, as schema values."""
    options: dict[str, Any] = {}
    for key, value in block.options.items():
        if key in HIGHLIGHT_OPTIONS or key.startswith("data-"):
            continue
        if key not in FENCE_OPTIONS:
            hint = did_you_mean(key, FENCE_OPTIONS) or f" (options: {', '.join(FENCE_OPTIONS)})"
            raise CheckDefinitionError(f"unknown option '{key}'{hint}", file=file, line=line)
        if key == "skip":
            # A bare `skip` skips; `skip="true"`/`"false"` read as YAML would; else a reason.
            options[key] = _SKIP_WORDS.get(value.strip().lower(), value)
        elif value == key:
            # SuperFences reads an unquoted `id=x` as two bare words, `id` and `x`.
            raise CheckDefinitionError(
                f"option '{key}' needs a quoted value, like {key}=\"…\"", file=file, line=line
            )
        elif key == "retries":
            retries = whole_number(value.strip())
            if retries is None:
                raise CheckDefinitionError(
                    f"option 'retries' must be a whole number, got \"{value}\"",
                    file=file,
                    line=line,
                )
            options[key] = retries
        else:
            options[key] = value
    return options


def _check_block(
    block: CheckBlock, options: dict[str, Any], file: str, fence_line: int
) -> tuple[CheckSpec, int]:
    loaded = load_yaml(block.body, file=file, first_line=fence_line + 1)
    if loaded.data is None:
        raise CheckDefinitionError(
            "the check block is empty: give it a target, like http: GET {{ api }}/healthz",
            file=file,
            line=fence_line,
        )
    if not isinstance(loaded.data, dict):
        raise CheckDefinitionError(
            "a check block holds YAML keys (name:, http:, expect: …), one per line",
            file=file,
            line=fence_line + 1,
        )
    lines = {key: fence_line for key in options} | key_lines(loaded.node, fence_line + 1)
    for key in options:
        if key in loaded.data:
            raise CheckDefinitionError(
                f"'{key}' is set both on the fence line and in the block: keep one",
                file=file,
                line=lines[key],
            )
    try:
        spec = build_spec({**options, **loaded.data}, page=file, line=fence_line, key_lines=lines)
    except CheckDefinitionError as error:
        if loaded.warnings:  # the cut value is the likelier cause: say so with the error
            error.message += " — " + "; ".join(loaded.warnings)
        raise
    spec.notes = loaded.warnings
    return spec, lines.get("id", fence_line)


def _shell_block(
    block: CheckBlock, options: dict[str, Any], file: str, fence_line: int
) -> CheckSpec:
    data: dict[str, Any] = dict(options)
    lines: dict[str, int] = {key: fence_line for key in options}
    kept: list[str] = []
    commands: list[tuple[int, str]] = []  # (line, text) of the lines that are not comments
    for offset, text in enumerate(block.body.split("\n")):
        line = fence_line + 1 + offset
        comment = _ASSERTION_COMMENT.match(text)
        if comment is not None:
            key = comment.group(1)
            assertions: list[str] = data.setdefault(key, [])
            lines.setdefault(key, line)
            lines[f"{key}[{len(assertions)}]"] = line
            assertions.append(comment.group(2).strip())
            continue
        kept.append(text)
        if text.strip() and not _COMMENT.match(text):
            commands.append((line, text))
    if not commands:
        raise CheckDefinitionError(
            f"the {block.lang} block has no command to check", file=file, line=fence_line
        )
    first_line, first_command = commands[0]
    script = "\n".join(kept).strip("\n")
    command = "\n".join(text for _, text in commands)

    if block.lang == "console":
        data.setdefault("name", _shown(first_command.strip().removeprefix("$ ")))
        return build_spec(
            data, page=file, line=fence_line, key_lines=lines, fixed_target=("console", script)
        )
    # Readers copy blocks with their prompts; the page keeps showing the block as written.
    script, command = strip_prompts(script), strip_prompts(command)
    if not is_single_curl(command):
        return _command_spec(data, lines, script, file, fence_line, first_line)
    try:
        request = curl_to_http(command, page=file, line=first_line)
    except CurlNotConvertible as unconvertible:
        return _unconverted_curl(unconvertible, data, lines, script, file, fence_line, first_line)
    lines["http"] = first_line
    return build_spec(data | _http_keys(request, data), page=file, line=fence_line, key_lines=lines)


def _command_spec(
    data: dict[str, Any],
    lines: dict[str, int],
    script: str,
    file: str,
    fence_line: int,
    first_line: int,
) -> CheckSpec:
    """A command check, named by its first command line unless the fence names it."""
    first_command = next(
        line for line in script.split("\n") if line.strip() and not _COMMENT.match(line)
    )
    named = {"name": _shown(first_command.strip())} | data
    return build_spec(
        named | {"run": script}, page=file, line=fence_line, key_lines=lines | {"run": first_line}
    )


def _unconverted_curl(
    unconvertible: CurlNotConvertible,
    data: dict[str, Any],
    lines: dict[str, int],
    script: str,
    file: str,
    fence_line: int,
    first_line: int,
) -> CheckSpec:
    """A curl with something a native check cannot honour runs as the command it is, where
    commands are allowed; the runner turns ``command_reason`` into the error elsewhere."""
    try:
        spec = _command_spec(data, lines, script, file, fence_line, first_line)
    except CheckDefinitionError as problem:
        # Its assertions are HTTP ones (status, $.path…): only a native check can judge them.
        raise CheckDefinitionError(
            f"{unconvertible.what} cannot be honoured by a native HTTP check, and the block's "
            f"assertions need one ({problem.message}): remove {unconvertible.what}",
            file=unconvertible.file,
            line=unconvertible.line,
        ) from None
    return dataclasses.replace(spec, command_reason=str(unconvertible))


def _http_keys(request: CurlRequest, data: dict[str, Any]) -> dict[str, Any]:
    """The check keys a converted curl sets; the fence's own options win over -m and --retry."""
    keys: dict[str, Any] = {"http": request.target}
    if request.headers:
        keys["headers"] = request.headers
    if request.body is not None:
        keys["body"] = request.body
    if not request.verify_tls:
        keys["verify_tls"] = False
    if request.follow_redirects:
        keys["follow_redirects"] = True
    if request.basic_auth is not None:
        # A param, not a header: rendered when the check is resolved, so a secret in the
        # password is substituted before the http probe encodes the Authorization header.
        keys["basic_auth"] = request.basic_auth
    if request.ca_file is not None:
        keys["ca_file"] = request.ca_file
    if request.connect_timeout is not None:
        keys["connect_timeout"] = request.connect_timeout
    implied = {
        "timeout": request.timeout,
        "retries": request.retries,
        "retry_delay": request.retry_delay,
    }
    keys |= {key: value for key, value in implied.items() if value is not None and key not in data}
    return keys


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN_NAME_LENGTH else text[: _SHOWN_NAME_LENGTH - 1] + "…"


def _guess_name(block: CheckBlock) -> str:
    """The name a broken block would have shown, so its badge and id stay recognisable."""
    option = block.options.get("name", "")
    if option and option != "name":
        return option
    if block.lang == "check":
        match = _NAME_LINE.search(block.body)
        if match is not None:
            return match.group(1).strip()
    return ""


def _guess_id(block: CheckBlock) -> str:
    option = block.options.get("id", "")
    if ID_PATTERN.fullmatch(option) and option != "id":
        return option
    if block.lang == "check":
        match = _ID_LINE.search(block.body)
        if match is not None:
            return match.group(1)
    return ""
