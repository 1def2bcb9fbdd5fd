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


def test_values_in_commands_are_references_to_environment_variables() -> None:
    config = settings(environments={"staging": {"name": "x; rm -rf /", "api": "http://h"}})
    resolved = resolve(spec("run", "echo {{ name }} && curl {{ api }}/x"), config)
    assert resolved.target == 'echo "${RUNBOOK_V1}" && curl "${RUNBOOK_V2}"/x'
    assert resolved.environment is not None
    assert resolved.environment["RUNBOOK_V1"] == "x; rm -rf /"
    assert resolved.environment["RUNBOOK_V2"] == "http://h"
    assert resolved.display_target == "echo x; rm -rf / && curl http://h/x"


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
    text = "plain p@ss word, url p%40ss%20word, basic YWRtaW46cEBzcyB3b3Jk"
    assert redactor.text(text) == f"plain {MASK}, url {MASK}, basic YWRtaW46{MASK}"
    assert redactor.value({"k": ["p@ss word", 1]}) == {"k": [MASK, 1]}


@given(
    pieces=st.lists(
        st.one_of(
            st.text(alphabet="abc /:?=&'\"$;-", max_size=8),
            st.sampled_from(["{{ api }}", "{{port}}", "{{ secrets.TOKEN }}", "{{ flag }}"]),
        ),
        max_size=6,
    ),
    command=st.booleans(),
    mode=st.sampled_from(["run", "source", "mask"]),
)
@settings_(max_examples=200, deadline=None)
def test_direct_substitution_matches_jinja(pieces: list[str], command: bool, mode: str) -> None:
    """The fast path for plain placeholders renders exactly what the Jinja sandbox renders."""
    text = "".join(pieces)
    variables = {"api": "http://h:1/a b", "port": 8443, "flag": None}
    config = settings(environments={"staging": variables})
    templates = Templates(config, {"TOKEN": "t0k'en"})
    fast = templates.marked(text, used={}, command=command)
    templates._render_simple = lambda text, used: None  # type: ignore[method-assign]
    jinja = templates.marked(text, used={}, command=command)
    assert fast == jinja
    assert fast.filled(mode) == jinja.filled(mode)


# -- every form of a secret is masked ---------------------------------------------------------

SECRET_CASES = ["p@ss word", "Hq7'Zr \"Kx/9+w@y&<v>%2F", "Gé-ü€😀-Schlü55el'42", "abcd"]


@pytest.mark.parametrize("secret", SECRET_CASES)
def test_redactor_masks_every_form_whole_and_inside_other_text(secret: str) -> None:
    from secret_servers import leaks, secret_forms

    redactor = Redactor([secret])
    for form in secret_forms(secret):
        masked = redactor.text(f"before {form} after")
        assert MASK in masked, form
        assert not leaks(masked, secret), (form, masked)


def test_redactor_masks_partial_url_encoding_as_httpx_sends_it() -> None:
    import httpx

    secret = "Hq7'Zr \"Kx/9+w@y&<v>"
    url = str(httpx.URL("http://h/p", params={"token": secret}))
    raw = str(httpx.Request("GET", f"http://h/p?token={secret}").url)
    for sent in (url, raw):
        assert Redactor([secret]).text(sent).endswith(f"token={MASK}"), sent


def test_redactor_masks_base64_at_every_alignment() -> None:
    import base64

    secret = "s3cret-value"
    redactor = Redactor([secret])
    for prefix in ("", "u", "us", "user:", "longer-user-name:"):
        for suffix in ("", "!", "!!"):
            encoded = base64.b64encode(f"{prefix}{secret}{suffix}".encode()).decode()
            masked = redactor.text(encoded)
            assert MASK in masked, (prefix, suffix)
            # At most the characters that mix the secret's bits with its neighbours' remain.
            assert len(masked.replace(MASK, "")) <= len(encoded) - len(secret) * 4 // 3 + 4


def test_a_secret_containing_another_is_masked_whole() -> None:
    assert Redactor(["abcd", "xxabcdxx"]).text("-xxabcdxx-abcd-") == f"-{MASK}-{MASK}-"


# -- command checks: environment and console transcripts -----------------------------------------


def test_a_command_gets_the_minimal_environment_pass_env_its_env_and_its_values() -> None:
    config = settings(pass_env=["KUBE*"])
    environ = {
        "PATH": "/bin",
        "HOME": "/root",
        "LC_ALL": "C",
        "KUBECONFIG": "/k/config",
        "OPS_TOKEN": "ops-token-value",
        "TOKEN": "token-value",
    }
    check = spec(
        "run",
        "echo {{ api }}",
        params={"env": {"PGPASSWORD": "{{ secrets.TOKEN }}", "MODE": "ro"}},
    )
    resolved = resolve(check, config, environ)
    assert resolved.environment == {
        "PATH": "/bin",
        "HOME": "/root",
        "LC_ALL": "C",
        "KUBECONFIG": "/k/config",
        "PGPASSWORD": "token-value",
        "MODE": "ro",
        "RUNBOOK_V1": "https://staging.internal",
    }
    assert resolved.secrets == ("token-value",)


def test_a_pass_env_value_too_short_to_mask_is_an_error_for_commands() -> None:
    config = settings(pass_env=["CI"])
    with pytest.raises(ResolveError, match="CI, whose value is shorter than 4"):
        resolve(spec("run", "true"), config, {"CI": "1"})
    resolve(spec("http", "https://x"), config, {"CI": "1"})  # other kinds do not receive it


def test_console_commands_get_references_and_expected_output_gets_values() -> None:
    config = settings(environments={"staging": {"api": "http://h", "v": "1.2; x"}})
    check = spec("console", "$ curl -s {{ api }}/version\n{{ v }}\n$ echo '{{ v }}'\n...")
    resolved = resolve(check, config)
    assert resolved.target == (
        "$ curl -s \"${RUNBOOK_V1}\"/version\n1.2; x\n$ echo ''\"${RUNBOOK_V3}\"''\n...\n"
    )
    assert resolved.environment is not None
    assert resolved.environment["RUNBOOK_V1"] == "http://h"
    assert resolved.environment["RUNBOOK_V3"] == "1.2; x"


@pytest.mark.parametrize("value", ["a\n$ touch pwned", "$ touch pwned", "x\r$ touch pwned"])
def test_a_value_cannot_turn_expected_output_into_a_command(value: str) -> None:
    config = settings(environments={"staging": {"v": value}})
    with pytest.raises(ResolveError, match="would change which lines are commands"):
        resolve(spec("console", "$ echo hi\n{{ v }}"), config)


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
