"""Environments, secrets, shell quoting and allowed hosts (SPEC 5, 8)."""

from __future__ import annotations

import contextlib
import ipaddress

import pytest
from hypothesis import given
from hypothesis import settings as settings_
from hypothesis import strategies as st

from mkdocs_runbook.errors import ResolveError
from mkdocs_runbook.model import CheckSpec
from mkdocs_runbook.resolve import (
    MASK,
    HostPolicy,
    InvalidTarget,
    Redactor,
    Templates,
    check_allowed_host,
    resolve_check,
    target_endpoint,
)
from mkdocs_runbook.resolve.hosts import canonical_host, is_guarded_address
from mkdocs_runbook.settings import RunbookSettings


def spec(kind: str, target: str, **extra: object) -> CheckSpec:
    return CheckSpec(id="c", name="c", page="ops.md", line=3, kind=kind, target=target, **extra)  # type: ignore[arg-type]


def settings(**kwargs: object) -> RunbookSettings:
    base: dict[str, object] = {
        "env": "staging",
        "environments": {"staging": {"api": "https://staging.internal", "port": 8443}},
    }
    base.update(kwargs)
    return RunbookSettings(**base)  # type: ignore[arg-type]


def resolve(check: CheckSpec, config: RunbookSettings, environ: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return resolve_check(check, config, Templates(config, environ or {}))


def test_variables_come_from_the_chosen_environment() -> None:
    resolved = resolve(spec("http", "GET {{ api }}/healthz"), settings())
    assert resolved.target == "GET https://staging.internal/healthz"
    assert resolved.display_target == resolved.target


def test_undefined_variable_names_it_and_the_environment() -> None:
    with pytest.raises(ResolveError) as caught:
        resolve(spec("http", "{{ apii }}/healthz"), settings())
    message = str(caught.value)
    assert "'apii' is undefined" in message
    assert "'staging'" in message
    assert "api, port" in message


def test_secrets_run_but_are_never_displayed() -> None:
    check = spec(
        "http",
        "{{ api }}/q?token={{ secrets.API_TOKEN }}",
        params={"headers": {"Authorization": "Bearer {{ secrets.API_TOKEN }}"}},
        source="http: {{ api }}/q?token={{ secrets.API_TOKEN }}",
    )
    resolved = resolve(check, settings(), {"API_TOKEN": "s3cr3t-value"})
    assert resolved.target.endswith("token=s3cr3t-value")
    assert resolved.params["headers"]["Authorization"] == "Bearer s3cr3t-value"
    assert resolved.display_target.endswith(f"token={MASK}")
    assert "s3cr3t" not in resolved.display_source
    assert "{{ secrets.API_TOKEN }}" in resolved.display_source
    assert "https://staging.internal" in resolved.display_source
    assert resolved.secrets == ("s3cr3t-value",)


def test_missing_secret_is_an_error_naming_it() -> None:
    with pytest.raises(ResolveError, match="secret 'API_TOKEN' is not set"):
        resolve(spec("http", "{{ api }}?t={{ secrets.API_TOKEN }}"), settings(), {})


def test_values_in_commands_are_shell_quoted() -> None:
    config = settings(environments={"staging": {"name": "x; rm -rf /", "api": "http://h"}})
    resolved = resolve(spec("run", "echo {{ name }} && curl {{ api }}/x"), config)
    assert resolved.target == "echo 'x; rm -rf /' && curl http://h/x"


@pytest.mark.parametrize(
    ("kind", "target", "allowed", "ok"),
    [
        ("http", "GET https://api.internal/x", ["*.internal"], True),
        ("http", "https://evil.example.com/x", ["*.internal"], False),
        ("tcp", "db.internal:5432", ["db.internal"], True),
        ("tcp", "[::1]:5432", ["127.0.0.1"], False),
        ("http", "http://169.254.169.254/latest/meta-data", [], False),
        ("http", "http://169.254.169.254/latest/meta-data", ["*"], False),
        ("http", "http://169.254.169.254/latest/meta-data", ["169.254.169.254"], True),
        ("tls", "[fe80::1]:443", [], False),
        ("http", "http://metadata.google.internal/", [], False),
        ("run", "curl http://169.254.169.254/", [], True),
    ],
)
def test_allowed_hosts(kind: str, target: str, allowed: list[str], ok: bool) -> None:
    if ok:
        check_allowed_host(kind, target, {}, allowed)
    else:
        with pytest.raises(ResolveError):
            check_allowed_host(kind, target, {}, allowed)


def test_redactor_masks_plain_encoded_and_basic_auth_forms() -> None:
    redactor = Redactor(["p@ss word"])
    redactor.add_basic_auth("admin:p@ss word")
    text = "plain p@ss word, url p%40ss%20word, basic YWRtaW46cEBzcyB3b3Jk"
    assert redactor.text(text) == f"plain {MASK}, url {MASK}, basic {MASK}"
    assert redactor.value({"k": ["p@ss word", 1]}) == {"k": [MASK, 1]}


@given(
    pieces=st.lists(
        st.one_of(
            st.text(alphabet="abc /:?=&'\"$;-", max_size=8),
            st.sampled_from(["{{ api }}", "{{port}}", "{{ secrets.TOKEN }}", "{{ flag }}"]),
        ),
        max_size=6,
    ),
    quote=st.booleans(),
)
@settings_(max_examples=200, deadline=None)
def test_direct_substitution_matches_jinja(pieces: list[str], quote: bool) -> None:
    """The fast path for plain placeholders renders exactly what Jinja renders."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    from mkdocs_runbook.resolve.checks import _shell_quote

    text = "".join(pieces)
    variables = {"api": "http://h:1/a b", "port": 8443, "flag": None}
    config = settings(environments={"staging": variables})
    environ = {"TOKEN": "t0k'en"}
    rendered = Templates(config, environ).render(text, mode="run", used={}, quote=quote)
    jinja = SandboxedEnvironment(
        undefined=StrictUndefined, finalize=_shell_quote if quote else None
    )

    class Secrets:
        TOKEN = environ["TOKEN"]

    expected = jinja.from_string(text).render({**variables, "secrets": Secrets()})
    assert rendered == expected


# -- one host parser per kind (resolve.hosts) ---------------------------------------------


@pytest.mark.parametrize(
    ("kind", "target", "params", "host", "port"),
    [
        ("http", "GET https://API.example.com/x", {}, "api.example.com", 443),
        ("http", "http://[::1]:8080/", {}, "::1", 8080),
        ("http", "http://café.example/", {}, "xn--caf-dma.example", 80),
        ("http", "http://my_service:81/", {}, "my_service", 81),
        ("metrics", "http://node.internal:9100/metrics", {}, "node.internal", 9100),
        ("tcp", "db.internal:5432", {}, "db.internal", 5432),
        ("tcp", "db.internal.:5432", {}, "db.internal.", 5432),
        ("tls", "[2001:db8::1]:443", {}, "2001:db8::1", 443),
        ("dns", "example.com", {"server": "ns1.internal"}, "ns1.internal", 53),
        ("dns", "example.com", {"server": "2001:db8::53"}, "2001:db8::53", 53),
        ("dns", "example.com", {"server": "[::1]:5353"}, "::1", 5353),
    ],
)
def test_each_kind_has_one_parser_for_its_host(
    kind: str, target: str, params: dict[str, str], host: str, port: int
) -> None:
    endpoint = target_endpoint(kind, target, params)
    assert endpoint is not None
    assert (endpoint.host, endpoint.port) == (host, port)


def test_commands_and_the_system_resolver_connect_nowhere_we_parse() -> None:
    assert target_endpoint("run", "curl http://x/", {}) is None
    assert target_endpoint("dns", "example.com", {}) is None


@pytest.mark.parametrize(
    ("kind", "target"),
    [
        ("tcp", "localhost:18080#.internal:1"),
        ("tcp", "10.0.x@localhost:18080"),
        ("tcp", "user@host:22"),
        ("tcp", "a\\b:22"),
        ("tcp", "host/x:22"),
        ("tcp", "ho st:22"),
        ("tcp", "-host-:22"),
        ("tcp", "host..x:22"),
        ("tcp", "[::1"),
        ("tcp", "[not-v6]:22"),
        ("tcp", "host:65536"),
        ("tls", "host:0"),
        ("tls", "host"),
        ("http", "http://localhost:18080#.internal:1/"),
        ("http", "http://10.0.x@localhost:18080/"),
        ("http", "http://evil\\@allowed/"),
        ("http", "http://user:pw@host/"),
        ("http", "http://ho%73t/"),
        ("http", "GET http://[::1"),
        ("http", "http://xn--n3h.net/"),
        ("http", "gopher://host/"),
        ("metrics", "http://a b/metrics"),
        ("metrics", "host:9100/metrics"),
    ],
)
def test_confusing_or_malformed_hosts_are_invalid_targets(kind: str, target: str) -> None:
    with pytest.raises(InvalidTarget):
        check_allowed_host(kind, target, {}, ["*"])


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("2852039166", "169.254.169.254"),
        ("0xa9fea9fe", "169.254.169.254"),
        ("0251.0376.0251.0376", "169.254.169.254"),
        ("169.254.43518", "169.254.169.254"),
        ("169.16689662", "169.254.169.254"),
        ("127.1", "127.0.0.1"),
        ("169.254.169.254.", "169.254.169.254"),
        ("Example.COM.", "example.com"),
        ("[::FFFF:A9FE:A9FE]", "::ffff:a9fe:a9fe"),
        ("1.2.3.4.5", "1.2.3.4.5"),
        ("0x", "0x"),
    ],
)
def test_canonical_host_reads_addresses_the_way_the_resolver_does(
    written: str, canonical: str
) -> None:
    assert canonical_host(written) == canonical


@pytest.mark.parametrize(
    "address",
    [
        "169.254.169.254",
        "169.254.0.0",
        "fe80::1",
        "febf::1",
        "::ffff:169.254.169.254",
        "::169.254.1.1",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b:1::a9fe:a9fe",
        "::ffff:0:a9fe:a9fe",
        "2002:a9fe:a9fe::",
        "2001:0:4136:e378:8000:63bf:5601:5601",  # Teredo, client 169.254.169.254 obfuscated
        "fd00:ec2::254",
        "100.100.100.200",
    ],
)
def test_guarded_addresses_in_every_form(address: str) -> None:
    assert is_guarded_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "::1", "10.0.0.1", "169.253.255.255", "fec0::1", "::ffff:10.0.0.1"]
)
def test_ordinary_addresses_are_not_guarded(address: str) -> None:
    assert not is_guarded_address(ipaddress.ip_address(address))


def test_a_resolved_guarded_address_is_refused_unless_a_pattern_names_it() -> None:
    with pytest.raises(ResolveError, match="link-local or a cloud metadata address"):
        HostPolicy().check_address("meta.example", "169.254.169.254")
    with pytest.raises(ResolveError, match="link-local"):
        HostPolicy(("*",)).check_address("meta.example", "::ffff:169.254.169.254")
    HostPolicy(("169.254.169.254",)).check_address("meta.example", "::ffff:169.254.169.254")
    HostPolicy(("meta.example",)).check_address("meta.example", "169.254.169.254")
    HostPolicy(("169.254.*",)).check_address("x", "169.254.1.2")
    HostPolicy().check_address("api.example", "10.1.2.3")


def test_allowed_hosts_compares_the_host_as_connected_to() -> None:
    HostPolicy(("127.0.0.1",)).check_name("2130706433")
    HostPolicy(("api.internal",)).check_name("API.internal.")
    with pytest.raises(ResolveError, match="not in allowed_hosts"):
        HostPolicy(("*.internal",)).check_name("internal.evil.example")


_TARGET_TEXT = st.text(alphabet="ab1:.[]@#/\\%? -_xnGEThtps0f9ﬀ☃\x00", max_size=40)


@settings_(max_examples=300, deadline=None)
@given(kind=st.sampled_from(["http", "metrics", "tcp", "tls", "dns"]), text=_TARGET_TEXT)
def test_any_target_resolves_or_is_a_resolve_error(kind: str, text: str) -> None:
    params = {"server": text} if kind == "dns" else {}
    check = spec(kind, "example.com" if kind == "dns" else (text or "x"), params=params)
    with contextlib.suppress(ResolveError):  # anything else is a crash of ours
        resolve(check, settings())
