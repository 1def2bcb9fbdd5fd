"""From a parsed ``CheckSpec`` to a runnable ``ResolvedCheck`` (SPEC 1.3, 5, 8).

Merges the catalog entry named by ``use``, renders ``{{ variables }}`` from the chosen
environment and ``{{ secrets.NAME }}`` from the process environment (``templates``), passes
the values of a command through environment variables (``shell``, ``environment``), and vets
the target against ``allowed_hosts``. Every problem is a ``ResolveError`` (or, when it has a
line of its own, a ``CheckDefinitionError``) for this one check.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Protocol

from ..errors import CheckDefinitionError, ResolveError
from ..model import AssertionSource, CheckSpec, Kind, ResolvedCheck
from ..parse.console import PROMPT, ConsoleStep, parse_transcript, transcript_text
from ..settings import RunbookSettings
from .environment import base_environment
from .hosts import URL_KINDS, check_allowed_host
from .redact import MIN_SECRET_LENGTH
from .shell import ShellPlacementError
from .templates import Marked, Templates

COMMAND_KINDS = frozenset({"run", "console"})


class CheckCatalog(Protocol):
    def merge(self, spec: CheckSpec) -> CheckSpec: ...


def resolve_check(
    spec: CheckSpec,
    settings: RunbookSettings,
    templates: Templates,
    catalog: CheckCatalog | None = None,
) -> ResolvedCheck:
    """Make ``spec`` runnable or raise ``ResolveError`` saying why not."""
    if spec.use:
        if catalog is None:
            raise ResolveError(f"'use: {spec.use}' but no catalog is configured")
        spec = catalog.merge(spec)
    if spec.kind is None or spec.target is None:
        raise ResolveError("the check has no target (http, tcp, dns, tls, run or metrics)")
    kind: Kind = spec.kind
    used: dict[str, str] = {}
    params = templates.render_data(spec.params, mode="run", used=used)
    environment: dict[str, str] | None = None
    if kind in COMMAND_KINDS:
        target, references = _command(spec, templates, used)
        environment = _command_environment(templates, params.get("env") or {}, references)
        display_target = templates.render(spec.target, mode="mask", used=used)
    else:
        target, display_target = templates.render_shown(spec.target, used=used)
    rendered_spec = dataclasses.replace(
        spec,
        expect=[_render_assertion(a, templates, used) for a in spec.expect],
        warn=[_render_assertion(a, templates, used) for a in spec.warn],
    )
    try:
        display_source = templates.render(spec.source, mode="source", used={})
    except ResolveError:
        display_source = spec.source
    if kind not in URL_KINDS:
        # A URL is vetted by the check worker, with httpx (the parser its request uses), which
        # a front-end's process does not load.
        check_allowed_host(kind, target, params, settings.allowed_hosts, shown=display_target)
    return ResolvedCheck(
        spec=rendered_spec,
        kind=kind,
        target=target,
        display_target=display_target,
        params=params,
        timeout=_timeout(spec, settings),
        secrets=tuple(used.values()),
        display_source=display_source,
        environment=environment,
    )


def _timeout(spec: CheckSpec, settings: RunbookSettings) -> float:
    if settings.timeout_override is not None:
        return settings.timeout_override
    return spec.timeout if spec.timeout is not None else settings.timeout


def _render_assertion(
    assertion: AssertionSource, templates: Templates, used: dict[str, str]
) -> AssertionSource:
    text = templates.render(assertion.text, mode="run", used=used)
    return AssertionSource(text=text, line=assertion.line)


def _command(
    spec: CheckSpec, templates: Templates, used: dict[str, str]
) -> tuple[str, dict[str, str]]:
    """The command (or console transcript) with its template values as references to
    environment variables, and those variables (``shell``)."""
    assert spec.target is not None
    if spec.kind != "console":
        try:
            return templates.render_command(spec.target, used=used)
        except ShellPlacementError as exc:
            raise _placement_error(spec, exc, exc.line - 1) from None
    marked = templates.marked(spec.target, used=used, command=True)
    if not marked.values:
        return marked.text, {}
    try:
        steps = parse_transcript(marked.text)
    except CheckDefinitionError as exc:
        raise exc.located(spec.page, spec.line) from None
    prompts = [i for i, line in enumerate(marked.text.splitlines()) if line.startswith(PROMPT)]
    references: dict[str, str] = {}
    rendered: list[ConsoleStep] = []
    for number, step in enumerate(steps):
        try:
            command, step_references = Marked(step.command, marked.values).references()
        except ShellPlacementError as exc:
            start = prompts[number] if number < len(prompts) else 0
            raise _placement_error(spec, exc, start + exc.line - 1) from None
        references.update(step_references)
        expected = [Marked(line, marked.values).filled("run") for line in step.expected]
        rendered.append(ConsoleStep(command, expected))
    text = transcript_text(rendered)
    if parse_transcript(text) != rendered:
        raise ResolveError(
            "a template value in the expected output of this console block would change which "
            "lines are commands (it holds a line break or starts with '$ '); values in the "
            "output must stay on their line"
        )
    return text, references


def _placement_error(spec: CheckSpec, exc: ShellPlacementError, index: int) -> CheckDefinitionError:
    """``exc`` at the line of the page the offending line of ``spec.target`` comes from."""
    assert spec.target is not None
    lines = spec.target.splitlines()
    line = spec.line
    if 0 <= index < len(lines) and lines[index].strip():
        wanted = lines[index].strip()
        for offset, written in enumerate(spec.source.splitlines()):
            if written.strip() == wanted:
                line = spec.line + 1 + offset
                break
    return CheckDefinitionError(exc.message, file=spec.page, line=line)


def _command_environment(
    templates: Templates, env: Mapping[str, Any], references: Mapping[str, str]
) -> dict[str, str]:
    """The command's whole environment: the minimal one, ``pass_env``, its ``env:``, and the
    variables carrying its template values (SPEC 8)."""
    if templates.unmaskable:
        names = ", ".join(templates.unmaskable)
        raise ResolveError(
            f"pass_env passes {names}, whose value is shorter than {MIN_SECRET_LENGTH} "
            "characters and could not be masked in the outputs; set it in the check's env: "
            "instead, or leave it out of pass_env"
        )
    environment = {
        **base_environment(templates.environ),
        **templates.passed,
        **{str(name): str(value) for name, value in env.items()},
        **references,
    }
    for name, value in environment.items():
        if "\0" in value:
            raise ResolveError(f"the value of {name} for the command holds a NUL character")
    return environment
