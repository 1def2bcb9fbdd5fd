"""From a parsed ``CheckSpec`` to a runnable ``ResolvedCheck`` (SPEC 1.3, 5, 8).

Merges the catalog entry named by ``use``, renders ``{{ variables }}`` from the chosen
environment and ``{{ secrets.NAME }}`` from the process environment, shell-quotes values
inserted into commands, and vets the target against ``allowed_hosts``. Every problem is a
``ResolveError`` for this one check.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import ipaddress
import os
import re
import shlex
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

from jinja2 import StrictUndefined, Template, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from ..errors import ResolveError
from ..model import AssertionSource, CheckSpec, Kind, ResolvedCheck
from ..settings import RunbookSettings
from .redact import MASK

COMMAND_KINDS = frozenset({"run", "console"})

#: Addresses no runbook should reach by accident: link-local and the cloud metadata service.
_GUARDED_NETWORKS = (ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/10"))
_GUARDED_NAMES = frozenset({"metadata.google.internal", "metadata"})


class CheckCatalog(Protocol):
    def merge(self, spec: CheckSpec) -> CheckSpec: ...


class _SecretText(str):
    """A rendered secret; the command quoting leaves display placeholders unquoted."""


class _Secrets:
    """``secrets.NAME`` in templates. ``mode`` decides what a secret renders as: its value
    (to run), ``{{ secrets.NAME }}`` (to show the block) or the mask (to show the target)."""

    def __init__(self, environ: Mapping[str, str], mode: str, used: dict[str, str]) -> None:
        self._environ = environ
        self._mode = mode
        self._used = used

    def __getattr__(self, name: str) -> str:
        if name.startswith("__"):
            raise AttributeError(name)
        value = self._environ.get(name)
        if value is None:
            raise ResolveError(
                f"secret '{name}' is not set: export {name} in the environment that runs the checks"
            )
        self._used[name] = value
        if self._mode == "run":
            return value
        if self._mode == "source":
            return _SecretText("{{ secrets." + name + " }}")
        return _SecretText(MASK)

    __getitem__ = __getattr__


def _shell_quote(value: Any) -> Any:
    if isinstance(value, _SecretText):
        return value
    return shlex.quote(str(value))


#: ``{{ name }}`` and ``{{ secrets.NAME }}``, the only forms runbooks use in practice.
_SIMPLE_PLACEHOLDER = re.compile(r"\{\{\s*(?:(secrets)\.)?([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_TEMPLATE_SYNTAX = re.compile(r"\{[{%#]")

_PLAIN_JINJA = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
_QUOTING_JINJA = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, finalize=_shell_quote
)


@functools.lru_cache(maxsize=4096)
def _compiled(text: str, quote: bool) -> Template:
    return (_QUOTING_JINJA if quote else _PLAIN_JINJA).from_string(text)


class Templates:
    """Renders template strings for one environment; shared by every check of a run.

    Text whose only template syntax is ``{{ name }}`` / ``{{ secrets.NAME }}`` with defined
    names is filled in directly, exactly as Jinja would; anything else (filters, blocks, an
    undefined name, for its error message) goes through a sandboxed Jinja. Compiling a Jinja
    template per check string cost a thousand-check site a second per build.
    """

    def __init__(self, settings: RunbookSettings, environ: Mapping[str, str] | None = None) -> None:
        self.env_name = settings.env
        self.variables = settings.variables
        self.environ = os.environ if environ is None else environ

    def render(self, text: str, *, mode: str, used: dict[str, str], quote: bool = False) -> str:
        if "{" not in text or not _TEMPLATE_SYNTAX.search(text):
            return text
        secrets = _Secrets(self.environ, mode, used)
        direct = self._render_simple(text, secrets, quote)
        if direct is not None:
            return direct
        context = {**self.variables, "secrets": secrets}
        try:
            return _compiled(text, quote).render(context)
        except UndefinedError as exc:
            defined = ", ".join(sorted(self.variables)) or "none"
            raise ResolveError(
                f"undefined variable in environment '{self.env_name}': {exc.message} "
                f"(defined there: {defined})"
            ) from None
        except TemplateError as exc:
            raise ResolveError(f"template error: {exc.message or exc}") from None

    def _render_simple(self, text: str, secrets: _Secrets, quote: bool) -> str | None:
        """``text`` filled in, or ``None`` when it needs Jinja itself."""
        if _TEMPLATE_SYNTAX.search(_SIMPLE_PLACEHOLDER.sub("", text)):
            return None
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
            shown = _shell_quote(value) if quote else value
            pieces += [text[position : match.start()], str(shown)]
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
    quote = kind in COMMAND_KINDS
    used: dict[str, str] = {}

    def render(text: str, mode: str) -> str:
        return templates.render(text, mode=mode, used=used, quote=quote)

    target = render(spec.target, "run")
    params = templates.render_data(spec.params, mode="run", used=used)
    display_target = render(spec.target, "mask")
    rendered_spec = dataclasses.replace(
        spec,
        expect=[_render_assertion(a, templates, used) for a in spec.expect],
        warn=[_render_assertion(a, templates, used) for a in spec.warn],
    )
    try:
        display_source = templates.render(spec.source, mode="source", used={}, quote=quote)
    except ResolveError:
        display_source = spec.source
    check_allowed_host(kind, target, params, settings.allowed_hosts)
    return ResolvedCheck(
        spec=rendered_spec,
        kind=kind,
        target=target,
        display_target=display_target,
        params=params,
        timeout=_timeout(spec, settings),
        secrets=tuple(used.values()),
        display_source=display_source,
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


def _host_of_url(url: str) -> str:
    text = url.split(None, 1)[-1] if " " in url.strip() else url
    return (urlsplit(text.strip()).hostname or "").lower()


def _host_of_address(address: str) -> str:
    address = address.strip()
    if address.startswith("["):
        return address[1 : address.find("]")].lower()
    return address.rsplit(":", 1)[0].lower()


_HOST_OF_TARGET: dict[str, Callable[[str, dict[str, Any]], str]] = {
    "http": lambda target, params: _host_of_url(target),
    "metrics": lambda target, params: _host_of_url(target),
    "tcp": lambda target, params: _host_of_address(target),
    "tls": lambda target, params: _host_of_address(target),
    "dns": lambda target, params: _host_of_address(str(params.get("server", ""))),
}


def check_allowed_host(
    kind: str, target: str, params: dict[str, Any], allowed_hosts: list[str]
) -> None:
    """Refuse a target outside ``allowed_hosts`` (globs), and link-local or metadata addresses
    unless a pattern names them, before any connection is made."""
    host_of = _HOST_OF_TARGET.get(kind)
    if host_of is None:
        return
    host = host_of(target, params)
    if not host:
        if kind == "dns":
            return  # the system resolver; the queried name is data, not a connection
        raise ResolveError(f"cannot tell which host '{target}' connects to")
    patterns = [p.lower() for p in allowed_hosts]
    # A bare "*" does not count as naming the metadata service: that takes intent.
    if _is_guarded(host) and not any(p != "*" and fnmatch.fnmatchcase(host, p) for p in patterns):
        raise ResolveError(
            f"host '{host}' is link-local or a cloud metadata address; name it in "
            "allowed_hosts to check it"
        )
    if patterns and not any(fnmatch.fnmatchcase(host, p) for p in patterns):
        raise ResolveError(f"host '{host}' is not in allowed_hosts ({', '.join(allowed_hosts)})")


def _is_guarded(host: str) -> bool:
    if host in _GUARDED_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in _GUARDED_NETWORKS)
