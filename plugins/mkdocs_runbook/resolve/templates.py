"""``{{ name }}`` from the chosen environment and ``{{ secrets.NAME }}`` from the process
environment (SPEC 5, 8).

Rendering happens in two steps. First the template is rendered with a *marker* wherever a
value is printed (``shell.marker``), and the values are kept aside. Then the markers are filled
in for the use at hand: the real values (to run a check), the values with each secret as
``{{ secrets.NAME }}`` (to show the block) or as ``••••`` (to show the target), or, in a
command, references to environment variables that carry the values (``shell``), so no value
is ever part of the shell text.

A secret is opaque inside a template: printing it as it is (``{{ secrets.TOKEN }}``) is the
only use. A filter, a slice, a method, an operator or a comparison on it is an error, since
the form it would take could not be masked; so is changing a secret's marker after it was
printed (a ``{% filter %}`` block, a slice of a macro's output). A secret shorter than
``MIN_SECRET_LENGTH`` is an error too. Every secret a template reads joins ``redactor``, the
run's one list of what to mask.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, NoReturn

from jinja2 import Template, TemplateError, UndefinedError

from ..errors import ResolveError
from ..settings import RunbookSettings
from .bounded_jinja import BoundedSandbox, TemplateTooLarge, render_bounded
from .environment import passed_environment
from .redact import MASK, MIN_SECRET_LENGTH, Redactor
from .shell import MARKER_END, MARKER_PATTERN, MARKER_START, marker, with_references

#: ``{{ name }}`` and ``{{ secrets.NAME }}``, the only forms runbooks use in practice.
_SIMPLE_PLACEHOLDER = re.compile(r"\{\{\s*(?:(secrets)\.)?([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_TEMPLATE_SYNTAX = re.compile(r"\{[{%#]")
#: ``secrets.NAME`` and ``secrets['NAME']`` anywhere in a check, rendered or not.
_SECRET_REFERENCE = re.compile(
    r"""secrets\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*(['"])([^'"\n]+)\2\s*\])"""
)


@dataclass(frozen=True)
class _Value:
    text: str
    secret: str | None = None  # the secret's name, for a secret


@dataclass
class Marked:
    """A rendered text with a marker where each value goes, and the values."""

    text: str
    values: list[_Value] = field(default_factory=list)

    def filled(self, mode: str) -> str:
        """The markers replaced by the values: real (``run``), secrets as ``{{ secrets.NAME }}``
        (``source``) or ``••••`` (``mask``)."""

        def shown(value: _Value) -> str:
            if value.secret is None or mode == "run":
                return value.text
            return "{{ secrets." + value.secret + " }}" if mode == "source" else MASK

        around = MARKER_PATTERN.sub("", self.text)
        if MARKER_START in around or MARKER_END in around:
            _changed_marker()

        def fill(match: re.Match[str]) -> str:
            index = int(match.group(1))
            if index >= len(self.values):
                _changed_marker()
            return shown(self.values[index])

        return MARKER_PATTERN.sub(fill, self.text)

    def references(self) -> tuple[str, dict[str, str]]:
        """For a command: markers as references to environment variables, and those."""
        return with_references(self.text, [value.text for value in self.values])


def _changed_marker() -> NoReturn:
    raise ResolveError(
        "a printed value was changed after it was printed (a {% filter %} block, or a slice of "
        "a macro's or a {% set %} block's output); print values as {{ name }}"
    )


class SecretValue:
    """A secret inside a template: it can be printed as it is and nothing else."""

    __slots__ = ("name", "value")

    def __init__(self, name: str, value: str) -> None:
        self.name = name
        self.value = value

    def _misuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise ResolveError(
            f"secret '{self.name}' can only be used as {{{{ secrets.{self.name} }}}}: a filter, "
            "slice, method, operator or comparison on a secret makes a form of it that could "
            "not be masked in the outputs"
        )

    def __bool__(self) -> bool:
        return True

    __str__ = __repr__ = __format__ = __getitem__ = __iter__ = __len__ = __contains__ = _misuse
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __hash__ = _misuse
    __add__ = __radd__ = __mul__ = __rmul__ = __mod__ = __rmod__ = _misuse
    __int__ = __float__ = __index__ = __complex__ = __reversed__ = _misuse

    def __getattr__(self, name: str) -> NoReturn:
        if name.startswith("__"):
            raise AttributeError(name)  # Python's own protocol lookups
        self._misuse()


@dataclass
class _RenderState:
    values: list[_Value]
    command: bool


_STATE: ContextVar[_RenderState] = ContextVar("runbook_render_state")


def _finalize(value: Any) -> Any:
    """What ``{{ … }}`` prints: a marker for a secret (and, in a command, for every value)."""
    state = _STATE.get()
    if isinstance(value, SecretValue):
        state.values.append(_Value(value.value, value.name))
    elif state.command and not (isinstance(value, str) and MARKER_START in value):
        state.values.append(_Value(str(value)))
    else:
        return value  # plain text, or text already rendered ({% set %} blocks, macros)
    return marker(len(state.values) - 1)


_JINJA = BoundedSandbox(finalize=_finalize)


@functools.lru_cache(maxsize=4096)
def _compiled(text: str) -> Template:
    return _JINJA.from_string(text)


class _Secrets:
    """``secrets.NAME`` in templates: the variable's value, opaque, recorded as used."""

    def __init__(self, templates: Templates, used: dict[str, str]) -> None:
        self._templates = templates
        self._used = used

    def __getattr__(self, name: str) -> SecretValue:
        if name.startswith("__"):
            raise AttributeError(name)
        value = self._templates.secret(name)
        self._used[name] = value
        return SecretValue(name, value)

    __getitem__ = __getattr__


class Templates:
    """Renders template strings for one environment; shared by every check of a run.

    Text whose only template syntax is ``{{ name }}`` / ``{{ secrets.NAME }}`` with defined
    names is filled in directly, exactly as Jinja would; anything else (filters, blocks, an
    undefined name, for its error message) goes through the bounded sandbox. Compiling a Jinja
    template per check string cost a thousand-check site a second per build.

    ``redactor`` masks every secret any check of the run uses or names, and the values of the
    ``pass_env`` variables, except those that are also values of the environment's variables
    (shown on the page by design).
    """

    def __init__(self, settings: RunbookSettings, environ: Mapping[str, str] | None = None) -> None:
        self.env_name = settings.env
        self.variables = settings.variables
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self.redactor = Redactor()
        self.passed = passed_environment(self.environ, settings.pass_env)
        shown = {str(value) for value in self.variables.values()}
        #: ``pass_env`` variables whose values are too short to mask: commands refuse them.
        self.unmaskable = sorted(
            name
            for name, value in self.passed.items()
            if value not in shown and len(value) < MIN_SECRET_LENGTH and value
        )
        for value in self.passed.values():
            if value not in shown:
                self.redactor.add(value)

    def secret(self, name: str) -> str:
        """The value of secret ``name``, now part of what the run masks."""
        value = self.environ.get(name)
        if value is None:
            raise ResolveError(
                f"secret '{name}' is not set: export {name} in the environment that runs the checks"
            )
        if len(value) < MIN_SECRET_LENGTH:
            raise ResolveError(
                f"secret '{name}' is shorter than {MIN_SECRET_LENGTH} characters: it could not be "
                "masked in the outputs without masking ordinary text too; use a longer secret"
            )
        self.redactor.add(value)
        return value

    def note_references(self, text: str) -> None:
        """Mask every secret ``text`` names, whether or not its check ever renders it."""
        if "secrets" not in text:
            return
        for match in _SECRET_REFERENCE.finditer(text):
            value = self.environ.get(match.group(1) or match.group(3))
            if value is not None:
                self.redactor.add(value)

    def render(self, text: str, *, mode: str, used: dict[str, str]) -> str:
        """``text`` rendered: real values (``run``) or as shown (``source``, ``mask``)."""
        if "{" not in text or not _TEMPLATE_SYNTAX.search(text):
            return text
        return self.marked(text, used=used, command=False).filled(mode)

    def render_shown(self, text: str, *, used: dict[str, str]) -> tuple[str, str]:
        """``text`` with real values (``run``) and as shown (``mask``), rendered once."""
        if "{" not in text or not _TEMPLATE_SYNTAX.search(text):
            return text, text
        marked = self.marked(text, used=used, command=False)
        return marked.filled("run"), marked.filled("mask")

    def render_command(self, text: str, *, used: dict[str, str]) -> tuple[str, dict[str, str]]:
        """A command: every value as a reference to an environment variable, and those."""
        if "{" not in text or not _TEMPLATE_SYNTAX.search(text):
            return text, {}
        return self.marked(text, used=used, command=True).references()

    def marked(self, text: str, *, used: dict[str, str], command: bool) -> Marked:
        """``text`` rendered with markers (see the module docstring)."""
        state = _RenderState([], command)
        token = _STATE.set(state)
        try:
            rendered = self._render_simple(text, used)
            if rendered is None:
                rendered = self._render_jinja(text, used)
        finally:
            _STATE.reset(token)
        return Marked(rendered, state.values)

    def _render_jinja(self, text: str, used: dict[str, str]) -> str:
        context = {**self.variables, "secrets": _Secrets(self, used)}
        try:
            return render_bounded(_compiled(text), context)
        except (ResolveError, TemplateTooLarge):
            raise
        except UndefinedError as exc:
            defined = ", ".join(sorted(self.variables)) or "none"
            raise ResolveError(
                f"undefined variable in environment '{self.env_name}': {exc.message} "
                f"(defined there: {defined})"
            ) from None
        except TemplateError as exc:
            raise ResolveError(f"template error: {exc.message or exc}") from None
        except Exception as exc:  # anything a sandboxed expression can raise (1 / 0, int('x'))
            raise ResolveError(f"template error: {type(exc).__name__}: {exc}") from None

    def _render_simple(self, text: str, used: dict[str, str]) -> str | None:
        """``text`` filled in, or ``None`` when it needs Jinja itself."""
        if _TEMPLATE_SYNTAX.search(_SIMPLE_PLACEHOLDER.sub("", text)):
            return None
        secrets = _Secrets(self, used)
        pieces: list[str] = []
        position = 0
        for match in _SIMPLE_PLACEHOLDER.finditer(text):
            namespace, name = match.groups()
            if namespace:
                value: Any = getattr(secrets, name)
            elif name in self.variables and name != "secrets":
                value = self.variables[name]
            else:
                return None  # undefined: let Jinja say so in its words
            printed = _finalize(value)
            pieces += [text[position : match.start()], str(printed)]
            position = match.end()
        pieces.append(text[position:])
        return "".join(pieces)

    def render_data(self, data: Any, *, mode: str, used: dict[str, str]) -> Any:
        if isinstance(data, str):
            return self.render(data, mode=mode, used=used)
        if isinstance(data, list):
            return [self.render_data(item, mode=mode, used=used) for item in data]
        if isinstance(data, dict):
            return {k: self.render_data(v, mode=mode, used=used) for k, v in data.items()}
        return data
