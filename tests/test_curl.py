"""Converting a runbook's curl command into a native HTTP check."""

from __future__ import annotations

import shutil
import subprocess

import httpx
import pytest

from mkdocs_runbook.errors import CheckDefinitionError
from mkdocs_runbook.parse import CurlRequest, curl_to_http, is_single_curl
from servers import RouteServer


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
    ("command", "message"),
    [
        (
            "curl --compressed http://h",
            "docs/ops.md:12: unknown curl flag '--compressed': only -X -H -d --data-raw --json "
            "-u -k -L -m -f -s -S -i -o /dev/null are understood; use a check block or mark "
            "it as a command",
        ),
        ("curl -v http://h", "unknown curl flag '-v'"),
        ("curl -sv http://h", "unknown curl flag '-v'"),
        ("curl -I http://h", "unknown curl flag '-I'"),
        ("curl --max-time=3 http://h", "unknown curl flag '--max-time=3'"),
        ("curl -o out.json http://h", "'-o out.json' writes the body to a file"),
        ("curl -d @body.json http://h", "'-d @body.json' reads a file"),
        ("curl --json @b.json http://h", "'--json @b.json' reads a file"),
        ("curl -d a=1 --json '{}' http://h", "-d and --json cannot be combined"),
        ("curl -H http://h", "exactly one URL, found no URL"),
        ("curl http://h -H", "curl flag '-H' needs a value"),
        ("curl -H nocolon http://h", "curl header 'nocolon' is not 'Name: value'"),
        ("curl -m soon http://h", "'-m' needs a number of seconds, got 'soon'"),
        ("curl http://a http://b", "exactly one URL, found 2 URLs (http://a, http://b)"),
        ("curl", "exactly one URL, found no URL"),
        ("curl 'http://h", "cannot read the curl command: No closing quotation"),
        ("wget http://h", "not a curl command"),
    ],
)
def test_rejections_name_the_problem(command: str, message: str) -> None:
    with pytest.raises(CheckDefinitionError) as caught:
        convert(command)
    assert message in str(caught.value)
    assert (caught.value.file, caught.value.line) == ("docs/ops.md", 12)


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
    wanted = ("content-type", "accept", "authorization", "x-env")
    shown = {k.lower(): v for k, v in headers.items() if k.lower() in wanted}
    if shown.get("accept") == "*/*":
        del shown["accept"]  # curl's and httpx's own default
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
