"""Converting a runbook's curl command into a native HTTP check."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from mkdocs_runbook.engine import collect, run_checks
from mkdocs_runbook.errors import CheckDefinitionError
from mkdocs_runbook.parse import CurlNotConvertible, CurlRequest, curl_to_http, is_single_curl
from mkdocs_runbook.results import CheckResult, Status
from mkdocs_runbook.settings import RunbookSettings
from servers import RouteServer
from tls_servers import CertificateKind, TLSServer


def convert(command: str) -> CurlRequest:
    return curl_to_http(command, page="docs/ops.md", line=12)


def test_plain_get_with_and_without_a_scheme() -> None:
    assert convert("curl http://localhost:8080/healthz") == CurlRequest(
        "GET", "http://localhost:8080/healthz"
    )
    assert convert("curl localhost:8080/healthz").url == "http://localhost:8080/healthz"
    assert convert("curl https://example.com").target == "GET https://example.com"


def test_templates_survive_tokenising_untouched() -> None:
    request = convert(
        'curl -H "Authorization: Bearer {{ secrets.API_TOKEN }}" {{ api }}/readyz?x={{ n }}'
    )
    assert request.url == "{{ api }}/readyz?x={{ n }}"
    assert request.headers == {"Authorization": "Bearer {{ secrets.API_TOKEN }}"}


@pytest.mark.parametrize(
    ("command", "method"),
    [
        ("curl -X DELETE http://h/x", "DELETE"),
        ("curl --request put http://h/x", "PUT"),
        ("curl -XPATCH http://h/x", "PATCH"),
        ("curl -X PUT -d a=1 http://h/x", "PUT"),
        ("curl -d a=1 http://h/x", "POST"),
        ("curl --json '{}' http://h/x", "POST"),
    ],
)
def test_method(command: str, method: str) -> None:
    assert convert(command).method == method


def test_headers_long_short_and_attached() -> None:
    request = convert("curl -H 'Accept: text/plain' --header 'X-Trace:1' -H'X-Env: prod' h")
    assert request.headers == {"Accept": "text/plain", "X-Trace": "1", "X-Env": "prod"}


def test_data_is_form_encoded_and_joined_like_curl() -> None:
    request = convert("curl -d a=1 --data b=2 --data-raw '@literal' http://h/form")
    assert request.body == "a=1&b=2&@literal"
    assert request.headers == {"Content-Type": "application/x-www-form-urlencoded"}
    typed = convert("curl -H 'content-type: text/plain' -d hello http://h/")
    assert typed.headers == {"content-type": "text/plain"}


def test_json_sets_content_type_and_accept() -> None:
    request = convert("""curl --json '{"on": true}' -H 'Accept: application/problem+json' h""")
    assert request.body == '{"on": true}'
    assert request.headers == {
        "Accept": "application/problem+json",
        "Content-Type": "application/json",
    }


def test_user_stays_templatable_basic_auth() -> None:
    assert convert('curl -u "ops:{{ secrets.PW }}" h').basic_auth == "ops:{{ secrets.PW }}"
    assert convert("curl --user ops:pw h").basic_auth == "ops:pw"


def test_tls_redirects_and_timeout() -> None:
    request = convert("curl -k -L -m 2.5 https://h/")
    assert (request.verify_tls, request.follow_redirects, request.timeout) == (False, True, 2.5)
    long_form = convert("curl --insecure --location --max-time 3 https://h/")
    assert (long_form.verify_tls, long_form.follow_redirects, long_form.timeout) == (
        False,
        True,
        3.0,
    )
    assert convert("curl -m5 h").timeout == 5.0


@pytest.mark.parametrize(
    "flags",
    ["-f", "--fail", "-s", "--silent", "-S", "--show-error", "-i", "--include", "-sS", "-sSf",
     "-fsSL", "-o /dev/null", "--output /dev/null", "-sSo /dev/null", "-so/dev/null"],
)  # fmt: skip
def test_output_only_flags_and_clusters_are_accepted(flags: str) -> None:
    request = convert(f"curl {flags} http://h/x")
    assert request.url == "http://h/x"
    assert request.method == "GET"
    assert request.follow_redirects is ("L" in flags)


def test_line_continuations_and_double_dash() -> None:
    request = convert("curl -sS \\\n  -H 'A: b' \\\n  -- http://h/-x")
    assert (request.url, request.headers) == ("http://h/-x", {"A": "b"})


@pytest.mark.parametrize(
    ("command", "method"),
    [
        ("curl -I http://h/x", "HEAD"),
        ("curl --head http://h/x", "HEAD"),
        ("curl -sSI http://h/x", "HEAD"),
        ("curl -I -X GET http://h/x", "GET"),
        ("curl -G -d a=1 http://h/x", "GET"),
        ("curl -IG --data-urlencode a=1 http://h/x", "HEAD"),
    ],
)
def test_head_and_get_flags(command: str, method: str) -> None:
    request = convert(command)
    assert (request.method, request.body) == (method, None)


def test_retry_cacert_and_connect_timeout_become_check_settings() -> None:
    request = convert(
        "curl --retry 3 --retry-delay 2 --retry-connrefused --cacert certs/ca.pem "
        "--connect-timeout 1.5 --max-time 4 https://h/"
    )
    assert (request.retries, request.retry_delay, request.ca_file) == (3, 2.0, "certs/ca.pem")
    assert (request.connect_timeout, request.timeout) == (1.5, 4.0)
    unset = convert("curl https://h/")
    assert (unset.retries, unset.retry_delay, unset.ca_file, unset.connect_timeout) == (
        None,
        None,
        None,
        None,
    )


def test_agent_referer_and_cookies_are_headers_an_explicit_header_wins() -> None:
    request = convert("curl -A probe/1 --referer http://r/ -b a=1 --cookie 'b=2; c=3' http://h/")
    assert request.headers == {
        "User-Agent": "probe/1",
        "Referer": "http://r/",
        "Cookie": "a=1;b=2; c=3",
    }
    mine = convert("curl -H 'User-Agent: mine' --user-agent theirs -e http://r/ http://h/")
    assert mine.headers == {"User-Agent": "mine", "Referer": "http://r/"}


def test_get_puts_the_data_in_the_query_string_encoded_like_curl() -> None:
    request = convert(
        "curl -G --data-urlencode 'q=up{job=\"api\"} & more' --data-urlencode =x/y "
        "--data-urlencode plain -d raw=a+b 'http://h/api?start=1'"
    )
    assert request.url == (
        "http://h/api?start=1&q=up%7bjob%3d%22api%22%7d+%26+more&x%2fy&plain&raw=a+b"
    )
    posted = convert("curl --data-urlencode 'msg=a b' http://h/form")
    assert (posted.method, posted.body) == ("POST", "msg=a+b")


@pytest.mark.parametrize(
    "flags",
    ["-v", "--verbose", "-w '%{http_code}'", "--write-out '%{time_total}'", "-w%{http_code}",
     "--compressed", "--fail-with-body", "-sSfv", "-sSw '%{http_code}\\n'", "-so /dev/null -w x",
     "--retry-all-errors"],
)  # fmt: skip
def test_cosmetic_flags_are_accepted(flags: str) -> None:
    request = convert(f"curl {flags} http://h/x")
    assert (request.target, request.headers, request.body) == ("GET http://h/x", {}, None)


@pytest.mark.parametrize(
    ("command", "what"),
    [
        ("curl --proxy http://p:3128 http://h", "curl flag '--proxy'"),
        ("curl -x http://p:3128 http://h", "curl flag '-x'"),
        ("curl -sx p http://h", "curl flag '-x'"),
        ("curl --cert me.pem http://h", "curl flag '--cert'"),
        ("curl -F a=@f http://h", "curl flag '-F'"),
        ("curl -o out.json http://h", "'-o out.json' (it writes the body to a file)"),
        ("curl -d @body.json http://h", "'-d @body.json' (it reads a file)"),
        ("curl --data-binary @b http://h", "'--data-binary @b' (it reads a file)"),
        ("curl --json @b.json http://h", "'--json @b.json' (it reads a file)"),
        ("curl --data-urlencode q@file http://h", "'--data-urlencode q@file' (it reads a file)"),
        ("curl -H @headers.txt http://h", "'-H @headers.txt' (it reads headers from a file)"),
        ("curl -b cookies.txt http://h", "'-b cookies.txt' (it reads a cookie file)"),
        ("curl -e 'http://r/;auto' http://h", "'-e http://r/;auto' (a referer per redirect)"),
        ("curl -G --json '{}' http://h", "'-G' with '--json'"),
        (
            "curl --data-urlencode 'q={{ query }}' h",
            "'--data-urlencode' with a {{ template }} in the value",
        ),
        ("curl http://a http://b", "2 URLs (http://a, http://b)"),
    ],
)
def test_what_a_native_check_cannot_honour_is_named_with_both_ways_out(
    command: str, what: str
) -> None:
    with pytest.raises(CurlNotConvertible) as caught:
        convert(command)
    assert caught.value.what == what
    assert str(caught.value) == (
        f"docs/ops.md:12: {what} cannot be honoured by a native HTTP check: remove it, or set "
        "allow_commands: true to run the block as the command it is"
    )


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("curl --max-time=3 http://h", "curl does not accept '--max-time=3' (it is an unknown "
         "option to curl): write '--max-time 3'"),
        ("curl --head=yes http://h", "curl does not accept '--head=yes'"),
        ("curl -d a=1 --json '{}' http://h", "-d and --json cannot be combined"),
        ("curl -I -d a=1 http://h", "curl -I (HEAD) cannot send data"),
        ("curl -H http://h", "a curl check needs a URL, found none"),
        ("curl http://h -H", "curl flag '-H' needs a value"),
        ("curl -H nocolon http://h", "curl header 'nocolon' is not 'Name: value'"),
        ("curl -m soon http://h", "'-m' needs a number of seconds, got 'soon'"),
        ("curl --connect-timeout 0 http://h", "'--connect-timeout' needs a number of seconds"),
        ("curl --retry many http://h", "'--retry' needs a whole number, got 'many'"),
        ("curl --retry-delay -1 http://h", "'--retry-delay' needs a number of seconds"),
        ("curl", "a curl check needs a URL, found none"),
        ("curl 'http://h", "cannot read the curl command: No closing quotation"),
        ("wget http://h", "not a curl command"),
    ],
)  # fmt: skip
def test_rejections_name_the_problem(command: str, message: str) -> None:
    with pytest.raises(CheckDefinitionError) as caught:
        convert(command)
    assert not isinstance(caught.value, CurlNotConvertible)
    assert message in str(caught.value)
    assert (caught.value.file, caught.value.line) == ("docs/ops.md", 12)


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl program")
@pytest.mark.parametrize("flag", ["--max-time=3", "--head=yes"])
def test_curl_itself_refuses_flag_equals_value(flag: str) -> None:
    """Why ``--flag=value`` is an error rather than read kindly: the reader's copy fails."""
    done = subprocess.run(
        ["curl", "-s", flag, "http://127.0.0.1:9/"], capture_output=True, timeout=10, check=False
    )
    assert done.returncode == 2  # CURLE_FAILED_INIT: unknown option


@pytest.mark.parametrize(
    ("command", "single"),
    [
        ("curl -sf http://h/healthz", True),
        ("curl -sf \\\n  {{ api }}/healthz", True),
        ("curl -H 'X: a|b;c>d' 'http://h/?q=$x'", True),
        ("curl http://h  # the health endpoint", True),
        ("curl -s http://h | jq .status", False),
        ("curl -s http://h && echo ok", False),
        ("curl -s http://h; echo", False),
        ("curl -s http://h > out.json", False),
        ("curl -s http://h/$PATH_PART", False),
        ('curl -s "http://h/$(hostname)"', False),
        ("curl -s http://h/`hostname`", False),
        ("curl -s http://a\ncurl -s http://b", False),
        ("curl http://h # note\necho more", False),
        ("http http://h", False),
        ("curl 'unclosed", False),
        ("", False),
    ],
)
def test_is_single_curl(command: str, single: bool) -> None:
    assert is_single_curl(command) is single


# -- the conversion sends what curl sends ---------------------------------------------------

CURL = shutil.which("curl")


def _received(server: RouteServer) -> tuple[str, str, dict[str, str], bytes]:
    method, path, headers, body = server.requests[-1]
    wanted = ("content-type", "accept", "authorization", "x-env", "user-agent", "referer", "cookie")
    shown = {k.lower(): v for k, v in headers.items() if k.lower() in wanted}
    if shown.get("accept") == "*/*":
        del shown["accept"]  # curl's and httpx's own default
    if shown.get("user-agent", "").startswith(("curl/", "python-httpx/")):
        del shown["user-agent"]  # each client's own name
    return method, path, shown, body


def _send(request: CurlRequest) -> None:
    user, _, password = (request.basic_auth or "").partition(":")
    with httpx.Client(verify=request.verify_tls, trust_env=False) as client:
        client.request(
            request.method,
            request.url,
            headers=request.headers,
            content=request.body.encode() if request.body is not None else None,
            auth=httpx.BasicAuth(user, password) if request.basic_auth else None,
            follow_redirects=request.follow_redirects,
            timeout=request.timeout or 5,
        )


@pytest.mark.skipif(CURL is None, reason="needs the curl program")
@pytest.mark.parametrize(
    "arguments",
    [
        "-sS {url}",
        "-s -X DELETE {url}",
        "-sSf -d a=1 -d b=2 {url}",
        "-s --data-raw 'x=@y' -X PUT {url}",
        """-s --json '{{"on": true}}' {url}""",
        "-s -u ops:s3cret -H 'X-Env: prod' {url}",
        "-s -H 'Accept: text/plain' -H 'Content-Type: text/plain' -d hello {url}",
        "-sI {url}",
        "-s --head -o /dev/null -w '%{{http_code}}' {url}",
        "-s -G --data-urlencode 'q=up{{job=\"a b\"}}/x' -d n=1 '{url}?start=0'",
        "-s --data-urlencode 'msg=a&b c' --data-urlencode =z {url}",
        "-s -A probe/1 -e http://from/ -b a=1 -b 'b=2' {url}",
        "-sS --compressed --fail-with-body -v --retry 2 --retry-delay 0 {url}",
    ],
)
def test_converted_request_matches_what_curl_sends(
    http_server: RouteServer, arguments: str
) -> None:
    url = http_server.route("/echo", status=200, body="ok")
    command = "curl " + arguments.format(url=url)
    assert CURL is not None
    subprocess.run(
        ["sh", "-c", command.replace("curl", CURL, 1)], check=True, timeout=10, capture_output=True
    )
    by_curl = _received(http_server)
    _send(convert(command))
    assert _received(http_server) == by_curl


# -- marked curl blocks run natively against real servers -------------------------------------


def run_page(tmp_path: Path, text: str, **settings: object) -> dict[str, CheckResult]:
    page = tmp_path / "ops.md"
    page.write_text(text, encoding="utf-8")
    config = RunbookSettings(base_dir=tmp_path, **settings)  # type: ignore[arg-type]
    report = run_checks(collect([page], config), config)
    return {check.id: check for check in report.checks}


def bash(name: str, body: str) -> str:
    return f'```bash check name="{name}"\n{body}\n```\n\n'


def test_head_get_query_and_retries_reach_the_server_as_curl_would(
    tmp_path: Path, http_server: RouteServer
) -> None:
    http_server.route("/healthz", body={"status": "ok"})
    http_server.route("/search", body={"hits": 1})
    http_server.route("/down", status=503, body="down")
    url = http_server.url
    results = run_page(
        tmp_path,
        bash("head", f"curl -sSI --max-time 5 -w '%{{http_code}}' {url}/healthz")
        + bash("query", f"curl -sG --data-urlencode 'q=a b' {url}/search\n# expect: $.hits == 1")
        + bash("retried", f"curl -sf --retry 2 --retry-delay 0 {url}/down"),
    )
    assert {key: result.status for key, result in results.items()} == {
        "head": Status.PASS,
        "query": Status.PASS,
        "retried": Status.FAIL,
    }
    assert ("HEAD", "/healthz") in [(method, path) for method, path, *_ in http_server.requests]
    assert ("GET", "/search?q=a+b") in [(method, path) for method, path, *_ in http_server.requests]
    assert results["retried"].attempts == 3
    assert http_server.hits["/down"] == 3


def test_cacert_trusts_that_ca_relative_to_the_site_folder(
    tmp_path: Path,
    tls_server: Callable[[CertificateKind], TLSServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = tls_server("valid")
    monkeypatch.delenv("SSL_CERT_FILE")  # the machine does not trust the test CA
    (tmp_path / "certs").mkdir()
    shutil.copy(server.ca_file, tmp_path / "certs" / "ca.pem")
    (tmp_path / "certs" / "empty.pem").write_text("", encoding="utf-8")
    results = run_page(
        tmp_path,
        bash(
            "with", f"curl -s --cacert certs/ca.pem {server.url}/healthz\n# expect: $.status == ok"
        )
        + bash("without", f"curl -s {server.url}/healthz")
        + bash("missing", f"curl -s --cacert certs/nope.pem {server.url}/healthz")
        + bash("not pem", f"curl -s --cacert certs/empty.pem {server.url}/healthz"),
    )
    assert results["with"].status is Status.PASS, results["with"].message
    assert results["without"].status is Status.FAIL
    assert "issuer" in results["without"].message
    assert results["missing"].status is Status.ERROR
    assert "ca_file 'certs/nope.pem' cannot be used" in results["missing"].message
    assert "No such file" in results["missing"].message
    assert results["not-pem"].status is Status.ERROR
    assert "no PEM certificate in it" in results["not-pem"].message


def test_a_flag_we_cannot_honour_is_an_error_unless_commands_are_allowed(
    tmp_path: Path, http_server: RouteServer
) -> None:
    http_server.route("/healthz", body="ok")
    page = bash("proxied", f"curl -sf --noproxy '*' {http_server.url}/healthz")
    refused = run_page(tmp_path, page)["proxied"]
    assert refused.status is Status.ERROR
    assert refused.message == (
        "ops.md:2: curl flag '--noproxy' cannot be honoured by a native HTTP "
        "check: remove it, or set allow_commands: true to run the block as the command it is"
    )
    assert http_server.hits.total() == 0
    if CURL is None:
        pytest.skip("needs the curl program to run the block as a command")
    ran = run_page(tmp_path, page, allow_commands=True)["proxied"]
    assert (ran.status, ran.kind) == (Status.PASS, "run")
    assert http_server.hits["/healthz"] == 1


def test_a_prompt_copied_into_the_block_does_not_run(tmp_path: Path) -> None:
    results = run_page(
        tmp_path,
        bash("prompted", '$ echo hello\n$ echo world\n# expect: stdout == "hello\\nworld\\n"'),
        allow_commands=True,
    )
    assert results["prompted"].status is Status.PASS, results["prompted"].message
