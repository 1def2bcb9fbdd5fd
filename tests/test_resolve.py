"""Environments, secrets, shell quoting and allowed hosts (SPEC 5, 8)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import settings as settings_
from hypothesis import strategies as st

from mkdocs_runbook.errors import ResolveError
from mkdocs_runbook.model import CheckSpec
from mkdocs_runbook.resolve import MASK, Redactor, Templates, check_allowed_host, resolve_check
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
