"""The plain data that flows through the pipeline, from a found block to a runnable check.

``CheckBlock`` (find) → ``CheckSpec`` (parse) → ``ResolvedCheck`` (resolve). Results live in
``results.py``. Nothing here does I/O.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import CheckDefinitionError

#: The target keys of SPEC section 2, plus ``console`` for ``console`` shell blocks.
TARGET_KINDS: tuple[str, ...] = ("http", "tcp", "dns", "tls", "run", "metrics")
Kind = Literal["http", "tcp", "dns", "tls", "run", "metrics", "console"]

#: Fence languages that can be marked as checks (SPEC 1.2).
SHELL_LANGUAGES: frozenset[str] = frozenset({"bash", "sh", "shell", "console"})


@dataclass(frozen=True)
class CheckBlock:
    """A marked block as found in a Markdown file, before any interpretation.

    ``page`` is the path the front-end knows the file by (relative to ``docs_dir`` in a site
    build), ``line`` the 1-based line of the opening fence. ``lang`` is ``check`` or a shell
    language; ``options`` are the ``key="value"`` pairs of the info string (``name``, ``id``,
    ``tags``…). ``body`` is the block's content with the fence's indentation removed.
    ``origin`` names the file the text physically came from when that is not ``page``
    (a ``pymdownx.snippets`` include), as ``path:line``.
    """

    page: str
    line: int
    lang: str
    body: str
    options: dict[str, str] = field(default_factory=dict)
    origin: str = ""

    @property
    def location(self) -> str:
        return f"{self.page}:{self.line}"


@dataclass(frozen=True)
class PageProblem:
    """A page that cannot be read as text (not UTF-8, unreadable). It becomes one ``error``
    result for that page, at ``line``; the other pages' checks run as usual."""

    page: str
    line: int
    message: str


@dataclass(frozen=True)
class AssertionSource:
    """One assertion as written, with the line it came from (for error messages)."""

    text: str
    line: int = 0


@dataclass
class CheckSpec:
    """A validated check definition: what the author asked for, templates not yet rendered.

    ``kind`` and ``target`` are ``None`` only while the spec still names a catalog entry with
    ``use``; resolving merges the entry in. ``params`` holds the kind-specific keys
    (``headers``, ``body``, ``json``, ``follow_redirects``, ``verify_tls``, ``type``, …).
    ``explicit`` lists the keys the author wrote, so a ``use`` merge knows what overrides.
    ``source`` is the text shown on the page under the badge.
    """

    id: str
    name: str
    page: str
    line: int
    kind: Kind | None = None
    target: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    expect: list[AssertionSource] = field(default_factory=list)
    warn: list[AssertionSource] = field(default_factory=list)
    timeout: float | None = None
    retries: int = 0
    retry_delay: float = 1.0
    tags: list[str] = field(default_factory=list)
    use: str | None = None
    skip: str | None = None
    #: The zones it runs in (SPEC 11); empty: every zone.
    zones: list[str] = field(default_factory=list)
    explicit: frozenset[str] = frozenset()
    source: str = ""
    lang: str = "check"
    #: Why a block that reads as a native check runs as a command instead (a curl flag a native
    #: check cannot honour), as ``file:line: message``. Without ``allow_commands`` the check is
    #: an error with this message.
    command_reason: str = ""
    #: Warnings about how the block was read (``file:line: message``): a value a YAML comment
    #: cut short. A check that passes with a note is shown as ``warn`` with it.
    notes: tuple[str, ...] = ()

    @property
    def location(self) -> str:
        return f"{self.page}:{self.line}"


@dataclass
class BrokenCheck:
    """A block that could not be parsed: it still has an id and a place on the page, and
    becomes an ``error`` result carrying ``error`` (whose ``str`` is ``file:line: message``)."""

    id: str
    name: str
    page: str
    line: int
    error: CheckDefinitionError
    source: str = ""
    lang: str = "check"

    @property
    def location(self) -> str:
        return f"{self.page}:{self.line}"


@dataclass
class ResolvedCheck:
    """A check ready to run: templates rendered, catalog merged, hosts vetted (a URL's host by
    the check worker, which reads URLs with httpx: ``run.attempts``).

    ``target``/``params`` hold the real values (secrets included) and must never be shown;
    ``display_target`` is the same target with every secret replaced by ``••••``.
    ``secrets`` are the secret values used, so every output path can redact them.
    ``environment`` is what a command check's process gets (SPEC 8), template values of its
    text included (``RUNBOOK_V<n>``); ``None`` for the other kinds.
    """

    spec: CheckSpec
    kind: Kind
    target: str
    display_target: str
    params: dict[str, Any]
    timeout: float
    secrets: tuple[str, ...] = ()
    display_source: str = ""
    environment: dict[str, str] | None = None

    @functools.cached_property
    def definition(self) -> str:
        """*What runs*, as canonical JSON: the resolved target and parameters (secret values
        included, so never write it anywhere), the assertions, timeout and retries. Made once
        (the run key and the cache key both read it): a resolved check is not changed."""
        return json.dumps(
            {
                "kind": self.kind,
                "target": self.target,
                "params": self.params,
                "expect": [a.text for a in self.spec.expect],
                "warn": [a.text for a in self.spec.warn],
                "timeout": self.timeout,
                "retries": self.spec.retries,
                "retry_delay": self.spec.retry_delay,
                "environment": self.environment,
            },
            sort_keys=True,
            default=str,
        )

    @property
    def run_key(self) -> str:
        """Identity of what runs, in memory only: two pages using the same resolved check
        share one run. The result cache keys its files differently (``run/cache.py``)."""
        return hashlib.sha256(self.definition.encode()).hexdigest()


#: Keys besides the common ones (name, id, expect, warn, timeout, retries, retry_delay, tags, use,
#: skip, zones) that each kind accepts. ``dns.server`` (``HOST[:PORT]`` of the resolver to ask),
#: ``tls.server_name`` (SNI, default the host), ``http.ca_file`` (curl's ``--cacert``) and
#: ``http.connect_timeout`` (curl's ``--connect-timeout``) go beyond SPEC section 2 because
#: real runbooks need them; ``metrics.headers`` for endpoints behind auth. ``env`` (commands):
#: variables for the command, on top of the minimal environment (SPEC 8).
PARAMS_BY_KIND: dict[str, frozenset[str]] = {
    "http": frozenset(
        {
            "headers",
            "body",
            "json",
            "follow_redirects",
            "verify_tls",
            "basic_auth",
            "ca_file",
            "connect_timeout",
        }
    ),
    "tcp": frozenset(),
    "dns": frozenset({"type", "server"}),
    "tls": frozenset({"server_name", "verify_tls"}),
    "run": frozenset({"env"}),
    "metrics": frozenset({"headers", "verify_tls"}),
    "console": frozenset({"env"}),
}

#: Plain subjects each kind offers; ``header NAME``, ``$JSONPATH`` (http) and ``metric NAME{…}``
#: (metrics) are parameterised subjects on top of these.
SUBJECTS_BY_KIND: dict[str, frozenset[str]] = {
    "http": frozenset({"status", "latency", "body", "cert_expires_in"}),
    "tcp": frozenset({"connected", "latency"}),
    "dns": frozenset({"addresses", "records", "latency"}),
    "tls": frozenset({"cert_expires_in", "cert_subject", "cert_issuer", "tls_version", "latency"}),
    "run": frozenset({"exit", "stdout", "stderr", "latency"}),
    "metrics": frozenset({"series", "latency"}),
    "console": frozenset({"exit", "stdout", "stderr", "output_matches", "latency"}),
}

#: SPEC section 2 "default expect": holds in addition to ``expect`` unless ``expect`` asserts on
#: the same subject.
DEFAULT_EXPECT: dict[str, tuple[str, ...]] = {
    "http": ("status < 400",),
    "tcp": ("connected == true",),
    "dns": ("not records empty",),
    "tls": ("cert_expires_in > 0d",),
    "run": ("exit == 0",),
    "metrics": ("series > 0",),
    "console": ("exit == 0", "output_matches == true"),
}
