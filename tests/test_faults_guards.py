"""The guard faults of issue 13: link-local refusal, one host parser per kind, bounded work.

Every class is tried in many forms, through the real front-ends and real servers on 127.0.0.1:

- link-local and metadata addresses in every spelling, for every kind that connects (http,
  metrics, tcp, tls, a dns server) and every redirect hop, refused before any socket is opened
  toward them: a ``runbook check`` subprocess records each connect attempt with an audit hook,
  and names that resolve to 169.254.169.254 come from nss_wrapper's hosts file;
- targets whose host two parsers would read differently, checked against ``allowed_hosts``;
- malformed targets and bad numbers: errors with file:line, never an internal error;
- decompression bombs, alias bombs and catastrophic regular expressions, bounded.

No traffic ever goes to 169.254.0.0/16: only loopback exists here, and the point is that the
guard stops the connection before it is attempted.
"""

from __future__ import annotations

import gzip
import ipaddress
import json
import os
import subprocess
import sys
import tracemalloc
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import brotli
import pytest
from backports import zstd

from audited_cli import worker_logs
from dns_server import DNSServer
from faults import SilentServer
from mkdocs_runbook.cli import main as runbook_main
from mkdocs_runbook.engine import collect, run_checks
from mkdocs_runbook.results import CheckResult, Report, Status
from mkdocs_runbook.settings import RunbookSettings
from servers import RouteServer

GUARD_MESSAGE = "link-local or a cloud metadata address"
AUDITED_CLI = Path(__file__).with_name("audited_cli.py")

#: Names the subprocess resolves through nss_wrapper's hosts file.
HOSTS_FILE = """\
169.254.169.254 meta.runbook.test
127.0.0.1 mixed.runbook.test
169.254.169.254 mixed.runbook.test
::ffff:169.254.169.254 mapped.runbook.test
fe80::a9fe:a9fe ll6.runbook.test
127.0.0.1 ok.runbook.test
"""
GUARDED_NAMES = [
    "meta.runbook.test",
    "meta.runbook.test.",
    "MeTa.RunBook.TEST",
    "mapped.runbook.test",
    "ll6.runbook.test",
]

#: The metadata address and its link-local neighbours, spelled every way a resolver accepts.
IPV4_SPELLINGS = [
    "169.254.169.254",
    "169.254.169.254.",
    "2852039166",
    "0xa9fea9fe",
    "0XA9FEA9FE",
    "0xa9.0xfe.0xa9.0xfe",
    "0251.0376.43518",
    "169.254.43518",
    "169.16689662",
    "169.254.0.1",
    "169.254.255.255",
    "100.100.100.200",
]
IPV6_SPELLINGS = [
    "::ffff:169.254.169.254",
    "::ffff:a9fe:a9fe",
    "0:0:0:0:0:ffff:a9fe:a9fe",
    "::169.254.169.254",
    "64:ff9b::169.254.169.254",
    "2002:a9fe:a9fe::1",
    "::ffff:0:a9fe:a9fe",
    "fe80::1",
    "FE80::a9fe:a9fe",
    "febf:ffff::1",
    "fd00:ec2::254",
]


#: Spellings httpx refuses as URLs ("Invalid IPv4 address") but a resolver reads as 169.254.x.
ADDRESS_ONLY_SPELLINGS = ["0251.0376.0251.0376", "0251.254.0xa9.254"]


def _http_host(spelling: str) -> str:
    return f"[{spelling}]" if ":" in spelling else spelling


def check(name: str, body: str) -> str:
    return f"```check\nname: {json.dumps(name)}\n{body}\n```\n\n"


def nss_wrapper() -> str:
    found = sorted(Path("/usr/lib").glob("*/libnss_wrapper.so")) + sorted(
        Path("/usr/lib").glob("libnss_wrapper.so")
    )
    if not found:
        pytest.skip("libnss_wrapper.so is missing (make guard-deps installs it)")
    return str(found[0])


@dataclass
class GuardRun:
    report: dict[str, dict[str, str]]
    attempts: list[tuple[str, str, int]]
    names: dict[str, str]
    mixed: SilentServer
    mixed_dns: DNSServer
    control_port: int
    stderr: str


@pytest.fixture(scope="module")
def guard_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GuardRun]:
    """One ``runbook check`` of every guarded form, in a subprocess with an audit hook."""
    library = nss_wrapper()
    root = tmp_path_factory.mktemp("guards")
    (root / "hosts").write_text(HOSTS_FILE, encoding="utf-8")
    (root / "mkdocs.yml").write_text(
        "site_name: guards\nplugins:\n  - runbook:\n      timeout: 10s\n", encoding="utf-8"
    )
    (root / "docs").mkdir()
    names: dict[str, str] = {}  # check name -> the kind of thing it tries

    def add(name: str, body: str, kind: str = "guarded") -> str:
        names[name] = kind
        return check(name, body)

    with (
        RouteServer().start() as control,
        RouteServer().start() as redirector,
        SilentServer() as mixed,
        DNSServer() as dns,
        DNSServer() as mixed_dns,
    ):
        control.route("/healthz", body={"status": "ok"})
        control.route("/metrics", body="up 1\n", headers={"Content-Type": "text/plain"})
        page = add("control http", f"http: http://ok.runbook.test:{control.port}/healthz", "pass")
        page += add("control tcp", f"tcp: ok.runbook.test:{control.port}", "pass")
        page += add(
            "control dns",
            f"dns: www.example.test\nserver: ok.runbook.test:{dns.port}",
            "pass",
        )
        hosts = [_http_host(s) for s in IPV4_SPELLINGS + IPV6_SPELLINGS] + GUARDED_NAMES
        for index, host in enumerate(hosts):
            url = f"http://{host}/latest/meta-data/"
            page += add(f"http {host}", f"http: GET {url}")
            page += add(f"metrics {host}", f"metrics: http://{host}:9100/metrics")
            page += add(f"https {host}", f"http: https://{host}/")
            hop = redirector.route(f"/hop-{index}", status=302, headers={"Location": url})
            page += add(f"redirect {host}", f"http: {hop}\nfollow_redirects: true")
            page += add(f"tcp {host}", f"tcp: {json.dumps(host + ':80')}")
            page += add(f"tls {host}", f"tls: {json.dumps(host + ':443')}")
            page += add(
                f"dns server {host}", f"dns: example.com\nserver: {json.dumps(host + ':53')}"
            )
        for host in ADDRESS_ONLY_SPELLINGS:
            page += add(f"tcp {host}", f"tcp: {json.dumps(host + ':80')}")
            page += add(f"tls {host}", f"tls: {json.dumps(host + ':443')}")
            page += add(f"dns server {host}", f"dns: example.com\nserver: {json.dumps(host)}")
        # A name resolving to a loopback server *and* the metadata address: refused whole,
        # before the loopback server sees a connection.
        page += add("mixed http", f"http: http://mixed.runbook.test:{mixed.port}/")
        page += add("mixed metrics", f"metrics: http://mixed.runbook.test:{mixed.port}/m")
        page += add("mixed tcp", f"tcp: mixed.runbook.test:{mixed.port}")
        page += add("mixed tls", f"tls: mixed.runbook.test:{mixed.port}")
        page += add(
            "mixed dns server",
            f"dns: www.example.test\nserver: mixed.runbook.test:{mixed_dns.port}",
        )
        (root / "docs" / "guards.md").write_text(page, encoding="utf-8")
        log = root / "attempts.json"
        environment = {
            **os.environ,
            "LD_PRELOAD": library,
            "NSS_WRAPPER_HOSTS": str(root / "hosts"),
            "NSS_WRAPPER_PASSWD": "/etc/passwd",
            "NSS_WRAPPER_GROUP": "/etc/group",
        }
        command = [sys.executable, str(AUDITED_CLI), str(log), "check", "docs", "--format"]
        command += ["json", "-o", str(root / "report.json"), "-f", str(root / "mkdocs.yml")]
        finished = subprocess.run(
            command,
            cwd=root,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        report = json.loads((root / "report.json").read_text(encoding="utf-8"))
        attempts = [
            tuple(entry)
            for audited in [log, *worker_logs(log)]
            for entry in json.loads(audited.read_text(encoding="utf-8"))
        ]
        assert worker_logs(log), "the checks ran in an audited check worker"
        yield GuardRun(
            report={c["name"]: c for c in report["checks"]},
            attempts=attempts,  # type: ignore[arg-type]
            names=names,
            mixed=mixed,
            mixed_dns=mixed_dns,
            control_port=control.port,
            stderr=finished.stderr,
        )


def _is_link_local_or_metadata(host: str) -> bool:
    """Judged here independently of the code under test."""
    address = ipaddress.ip_address(host.split("%")[0])
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and (int(address) >> 32) in (0, 0xFFFF0000, 0x64FF9B << 64):
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and embedded.is_link_local:
            return True
    return address.is_link_local or str(address) in ("100.100.100.200", "fd00:ec2::254")


@pytest.mark.timeout(180)
def test_the_controls_pass_so_names_resolve_and_attempts_are_recorded(
    guard_run: GuardRun,
) -> None:
    for name, kind in guard_run.names.items():
        if kind == "pass":
            result = guard_run.report[name]
            assert result["status"] == "pass", (name, result["message"], guard_run.stderr)
    assert ("socket.connect", "127.0.0.1", guard_run.control_port) in guard_run.attempts


@pytest.mark.timeout(180)
def test_every_guarded_form_is_an_error_naming_the_guard(guard_run: GuardRun) -> None:
    guarded = [name for name, kind in guard_run.names.items() if kind == "guarded"]
    assert len(guarded) > 200
    wrong = {
        name: (guard_run.report[name]["status"], guard_run.report[name]["message"])
        for name in guarded
        if guard_run.report[name]["status"] != "error"
        or GUARD_MESSAGE not in guard_run.report[name]["message"]
    }
    assert not wrong, wrong


@pytest.mark.timeout(180)
def test_no_connection_was_attempted_toward_a_guarded_address(guard_run: GuardRun) -> None:
    toward = [attempt for attempt in guard_run.attempts if _is_link_local_or_metadata(attempt[1])]
    assert toward == []


@pytest.mark.timeout(180)
def test_a_name_with_one_guarded_address_is_refused_before_connecting_to_any(
    guard_run: GuardRun,
) -> None:
    assert guard_run.mixed.connections == 0
    assert guard_run.mixed_dns.queries == {}
    ports = (guard_run.mixed.port, guard_run.mixed_dns.port)
    assert not [attempt for attempt in guard_run.attempts if attempt[2] in ports]


# -- allowed_hosts: one parser per kind, checked against the host connected to ---------------


def run_page(
    root: Path, page: str, *, allowed_hosts: list[str] | None = None, timeout: float = 3.0
) -> dict[str, CheckResult]:
    (root / "page.md").write_text(page, encoding="utf-8")
    settings = RunbookSettings(
        allowed_hosts=allowed_hosts or [], base_dir=root, timeout=timeout, catalog=root / "checks"
    )
    report: Report = run_checks(collect([root / "page.md"], settings), settings)
    return {result.name: result for result in report.checks}


@pytest.mark.timeout(60)
def test_confusing_hosts_are_invalid_targets_and_never_connect(tmp_path: Path) -> None:
    with SilentServer() as server:
        port = server.port
        targets = {
            "tcp fragment": f"tcp: 'localhost:{port}#.internal:1'",
            "tcp userinfo": f"tcp: '10.0.x@localhost:{port}'",
            "tcp user@": f"tcp: 'ops@localhost:{port}'",
            "tcp backslash": f"tcp: 'a.internal\\\\@localhost:{port}'",
            "tcp path": f"tcp: 'localhost:{port}/x.internal'",
            "tcp space": f"tcp: 'localhost .internal:{port}'",
            "tcp percent": f"tcp: 'local%68ost:{port}'",
            "tls fragment": f"tls: 'localhost:{port}#.internal:1'",
            "tls userinfo": f"tls: '10.0.x@localhost:{port}'",
            "http fragment": f"http: 'http://localhost:{port}#.internal:1/'",
            "http userinfo": f"http: 'http://10.0.x@localhost:{port}/'",
            "http backslash": f"http: 'http://a.internal\\\\@localhost:{port}/'",
            "http credentials": f"http: 'http://ops:pw@localhost:{port}/'",
            "http percent host": f"http: 'http://local%68ost:{port}/'",
            "metrics userinfo": f"metrics: 'http://x.internal@localhost:{port}/metrics'",
            "metrics fragment": f"metrics: 'http://localhost:{port}#.internal/metrics'",
            "dns server userinfo": f"dns: example.com\nserver: '10.0.0.1@localhost:{port}'",
            "dns server fragment": f"dns: example.com\nserver: 'localhost:{port}#.internal'",
        }
        page = "".join(check(name, body) for name, body in targets.items())
        results = run_page(tmp_path, page, allowed_hosts=["*.internal", "10.0.*"])
    assert server.connections == 0
    for name in targets:
        result = results[name]
        assert result.status is Status.ERROR, (name, result.message)
        assert "invalid" in result.message, (name, result.message)
        assert "page.md:" in result.message, (name, result.message)


@pytest.mark.timeout(60)
def test_allowed_hosts_holds_for_every_redirect_hop(tmp_path: Path) -> None:
    with RouteServer().start() as server:
        elsewhere = server.route("/elsewhere", body="should not be reached")
        spellings = [
            elsewhere.replace("127.0.0.1", "localhost"),
            elsewhere.replace("127.0.0.1", "LOCALHOST."),
            elsewhere.replace("127.0.0.1", "[::ffff:127.0.0.1]"),
            elsewhere.replace("127.0.0.1", "127.0.0.1.nip.io"),
        ]
        page = ""
        for index, location in enumerate(spellings):
            hop = server.route(f"/hop-{index}", status=302, headers={"Location": location})
            page += check(f"hop {index}", f"http: {hop}\nfollow_redirects: true")
        page += check("direct", f"http: {elsewhere.replace('127.0.0.1', 'localhost')}")
        results = run_page(tmp_path, page, allowed_hosts=["127.0.0.1"])
    assert server.hits["/elsewhere"] == 0
    for name, result in results.items():
        assert result.status is Status.ERROR, (name, result.message)
        assert "not in allowed_hosts" in result.message, (name, result.message)


@pytest.mark.timeout(60)
def test_an_allowed_host_in_another_spelling_is_the_same_host(tmp_path: Path) -> None:
    with RouteServer().start() as server:
        healthz = server.route("/healthz", body={"status": "ok"})
        page = check("decimal", f"http: {healthz.replace('127.0.0.1', '2130706433')}")
        page += check("short", f"tcp: '127.1:{server.port}'")
        results = run_page(tmp_path, page, allowed_hosts=["127.0.0.1"])
    assert {name: r.status for name, r in results.items()} == {
        "decimal": Status.PASS,
        "short": Status.PASS,
    }


# -- malformed targets and numbers: errors with file:line, never internal errors -----------

MALFORMED = {
    "http: 'GET http://[::1'": "invalid URL",
    "http: 'http://[::1]:x/'": "invalid URL",
    "http: 'http://[fe80::1%25/'": "invalid URL",
    "http: 'http://:80/'": "invalid URL",
    "http: 'http://a b/'": "invalid URL",
    "http: 'http://xn--n3h.net/'": "invalid URL",
    "http: 'http://☃.net/'": "invalid URL",
    "http: 'http://host:99999/'": "invalid URL",
    "http: 'http://host:0/'": "invalid URL",
    "http: 'ftp://host/file'": "invalid URL",
    "http: 'http:///path'": "invalid URL",
    "http: 'http://-bad-/'": "invalid URL",
    "http: 'http://a..b/'": "invalid URL",
    "http: 'GET'": "invalid URL",
    "http: '//host/'": "invalid URL",
    'http: "http://a\\u0000b/"': "invalid URL",
    "metrics: 'http://[::1'": "invalid URL",
    "metrics: '127.0.0.1:9100/metrics'": "invalid URL",
    "tcp: '[::1'": "invalid tcp target",
    "tcp: 'host'": "invalid tcp target",
    "tcp: 'host:99999'": "invalid tcp target",
    "tcp: '[::1]:'": "invalid tcp target",
    "tcp: '::1:22'": "invalid tcp target",
    "tls: '[zz::1]:443'": "invalid tls target",
    "tls: ':443'": "invalid tls target",
    "dns: example.com\nserver: '[::1'": "invalid dns server",
    "dns: example.com\nserver: 'ns:dns'": "invalid dns server",
    "http: http://127.0.0.1:1/\ntimeout: .inf": "finite duration",
    "http: http://127.0.0.1:1/\ntimeout: -.inf": "finite duration",
    "http: http://127.0.0.1:1/\ntimeout: .nan": "finite duration",
    "http: http://127.0.0.1:1/\ntimeout: 1.0e+400": "finite duration",
    "http: http://127.0.0.1:1/\ntimeout: -1s": "more than 0",
    "http: http://127.0.0.1:1/\ntimeout: 99999h": "at most 1h",
    "http: http://127.0.0.1:1/\ntimeout: 3601": "at most 1h",
    "http: http://127.0.0.1:1/\nretry_delay: .inf": "finite duration",
    "http: http://127.0.0.1:1/\nretry_delay: 2d": "at most 1h",
    "http: http://127.0.0.1:1/\nretries: 1000000000": "at most 100",
    "http: http://127.0.0.1:1/\nretries: 1e9": "whole number",
    "http: http://127.0.0.1:1/\nretries: -1": "whole number",
}


@pytest.mark.timeout(60)
def test_malformed_targets_and_numbers_are_errors_with_file_and_line(tmp_path: Path) -> None:
    page = "".join(check(f"case {index}", body) for index, body in enumerate(MALFORMED))
    page += '```bash check name="curl inf"\ncurl -m inf http://127.0.0.1:1/\n```\n\n'
    page += '```bash check name="curl huge"\ncurl --max-time 1e999 http://127.0.0.1:1/\n```\n\n'
    page += '```bash check name="curl long"\ncurl -m 99999 http://127.0.0.1:1/\n```\n\n'
    page += '```bash check name="fence retries" retries="99999"\ncurl http://127.0.0.1:1/\n```\n\n'
    results = run_page(tmp_path, page)
    expected = {f"case {index}": words for index, words in enumerate(MALFORMED.values())}
    # curl's own flag reading refuses what is not a number of seconds; the schema the rest.
    expected.update(
        {
            "curl inf": "got 'inf'",
            "curl huge": "got '1e999'",
            "curl long": "at most 1h",
            "fence retries": "at most 100",
        }
    )
    for name, words in expected.items():
        result = results[name]
        assert result.status is Status.ERROR, (name, result.message)
        assert words in result.message, (name, result.message)
        assert "page.md:" in result.message, (name, result.message)
        assert "internal error" not in result.message, (name, result.message)


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("option", "value"),
    [("--timeout", "inf"), ("--timeout", "nan"), ("--timeout=-5s", None), ("--timeout", "2h")],
)
def test_the_command_line_refuses_unbounded_timeouts(
    tmp_path: Path, option: str, value: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "page.md").write_text(check("x", "tcp: 127.0.0.1:1"), encoding="utf-8")
    arguments = [option] if value is None else [option, value]
    assert runbook_main(["check", str(tmp_path / "page.md"), *arguments]) == 2
    assert "runbook: error:" in capsys.readouterr().err


@pytest.mark.timeout(60)
@pytest.mark.parametrize("value", [".inf", ".nan", "-5s", "2h", "1e400"])
def test_mkdocs_yml_refuses_unbounded_timeouts(
    tmp_path: Path, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "mkdocs.yml").write_text(
        f"site_name: x\nplugins:\n  - runbook:\n      timeout: {value}\n", encoding="utf-8"
    )
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.md").write_text(check("x", "tcp: 127.0.0.1:1"), encoding="utf-8")
    code = runbook_main(["check", "-f", str(tmp_path / "mkdocs.yml")])
    assert code == 2
    assert "mkdocs.yml:4: plugin 'runbook' option 'timeout': expected" in capsys.readouterr().err


# -- decompression bombs from real servers --------------------------------------------------

MIB = 1024 * 1024


def _gzip_bomb(levels: int) -> bytes:
    """``levels`` nested gzip layers around 1 GiB of zeros. The innermost layer is 16 gzip
    members of 64 MiB each (a valid gzip stream; decoders read every member), so it is built
    from one compression."""
    data = gzip.compress(b"\0" * (64 * MIB), 9) * 16
    for _ in range(levels - 1):
        data = gzip.compress(data, 9)
    return data


def _empty_members() -> bytes:
    """gzip of gzip members that hold 1 GiB of empty gzip members: the inner layer expands,
    the output stays empty, so only the bound on work between layers stops it."""
    empty = gzip.compress(b"")
    block = gzip.compress(empty * (4 * MIB // len(empty)), 9)
    return gzip.compress(block * 256, 9)


@pytest.fixture(scope="module")
def bombs() -> dict[str, tuple[str, bytes]]:
    zeros = b"\0" * (64 * MIB)
    return {
        "gzip": ("gzip", _gzip_bomb(1)),
        "gzip, gzip": ("gzip, gzip", _gzip_bomb(2)),
        "gzip,gzip,gzip": ("gzip,gzip,gzip", _gzip_bomb(3)),
        "x-gzip, gzip": ("x-gzip, gzip", _gzip_bomb(2)),
        "deflate": ("deflate", zlib.compress(zeros, 9)),
        "br": ("br", brotli.compress(zeros, quality=5)),
        "zstd": ("zstd", zstd.compress(zeros)),
        "gzip, br, zstd": ("gzip, br, zstd", zstd.compress(brotli.compress(_gzip_bomb(1)))),
    }


@pytest.mark.timeout(300)
def test_decompression_bombs_are_cut_at_the_cap_in_little_memory(
    tmp_path: Path, bombs: dict[str, tuple[str, bytes]]
) -> None:
    with RouteServer().start() as server:
        page = ""
        for index, (name, (coding, body)) in enumerate(bombs.items()):
            url = server.route(f"/bomb-{index}", body=body, headers={"Content-Encoding": coding})
            page += check(name, f"http: {url}\nexpect: [body contains x]")
        tracemalloc.start()
        try:
            results = run_page(tmp_path, page, timeout=20)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    for name in bombs:
        result = results[name]
        assert result.status is Status.FAIL, (name, result.message)
        body = next(a.actual for a in result.assertions if a.text == "body contains x")
        assert set(body) <= {"\0", "\ufffd", "…"}, name  # the zeros (shown as �), decoded
    # Eight 1 MiB bodies and their texts, never a gigabyte.
    assert peak < 96 * 1024 * 1024, peak


@pytest.mark.timeout(300)
def test_a_bomb_that_expands_only_between_layers_is_stopped(tmp_path: Path) -> None:
    with RouteServer().start() as server:
        url = server.route(
            "/members", body=_empty_members(), headers={"Content-Encoding": "gzip, gzip, gzip"}
        )
        results = run_page(tmp_path, check("members", f"http: {url}"), timeout=20)
    assert results["members"].status is Status.FAIL
    assert "decompression bomb" in results["members"].message


@pytest.mark.timeout(60)
def test_undecodable_and_unknown_codings_fail_clearly(tmp_path: Path) -> None:
    with RouteServer().start() as server:
        page = ""
        for name, coding, body in [
            ("corrupt gzip", "gzip", b"\x1f\x8b\x08\x00garbage-garbage-garbage"),
            ("corrupt zstd", "zstd", b"\x28\xb5\x2f\xfdgarbage"),
            ("corrupt br", "br", b"\xff\xff\xff\xff"),
            ("compress", "compress", b"\x1f\x9d\x90"),
            ("unknown", "x-snappy", b"abc"),
        ]:
            url = server.route(
                f"/{name.replace(' ', '-')}", body=body, headers={"Content-Encoding": coding}
            )
            page += check(name, f"http: {url}")
        results = run_page(tmp_path, page)
    for name in ("corrupt gzip", "corrupt zstd", "corrupt br"):
        assert results[name].status is Status.FAIL, name
        assert "does not decode" in results[name].message, results[name].message
    for name in ("compress", "unknown"):
        assert results[name].status is Status.FAIL, name
        assert "is not supported" in results[name].message, results[name].message


# -- catastrophic regular expressions ------------------------------------------------------

CATASTROPHIC = [
    r"body matches /(a+)+$/",
    r"body matches /(a|aa)+$/",
    r"body matches /^(a|a?)+$/",
    r"body matches /^(\w+\s?)*$/",
    r"body matches /(x+x+)+y/",
    r"body matches /(.*a){25}$/",
    r"body matches /^(a+)+b/",
    "$[?match(@.word, '(a+)+$')] exists",
    "$[?search(@.word, '(a|aa)+$')] exists",
    "$[?search(@.word, @.pattern)] exists",
    r"header x-word matches /(a+)+$/",
]


@pytest.mark.timeout(120)
def test_catastrophic_patterns_are_judged_within_the_timeout(tmp_path: Path) -> None:
    word = "a" * 4096 + "!"
    with RouteServer().start() as server:
        url = server.route(
            "/text", body=word, headers={"Content-Type": "text/plain", "X-Word": word}
        )
        json_url = server.route("/json", body=[{"word": word, "pattern": "(a+)+$"}])
        page = ""
        for index, assertion in enumerate(CATASTROPHIC):
            target = json_url if assertion.startswith("$") else url
            page += check(f"regex {index}", f"http: {target}\nexpect: [{json.dumps(assertion)}]")
        # A control in the same run: the others never stall it.
        page += check("control", f"http: {url}\nexpect: ['body startswith aaa']")
        results = run_page(tmp_path, page, timeout=2)
    assert results["control"].status is Status.PASS
    for index, assertion in enumerate(CATASTROPHIC):
        result = results[f"regex {index}"]
        assert result.status is Status.FAIL, (assertion, result.message)
        assert "timed out" not in result.message, (assertion, result.message)


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        (r"/(a)\1/", "backreferences"),
        ("/a(?=b)/", "lookahead"),
        ("/a(?!b)/", "negative lookahead"),
        ("/(?<=a)b/", "lookbehind"),
        ("/(?<!a)b/", "negative lookbehind"),
        ("/(?>a+)b/", "atomic groups"),
        (r"/a\Z/", r"\Z"),
        ("/a{1001}/", "at most 1000"),
    ],
)
def test_syntax_the_linear_engine_lacks_is_an_error_when_the_page_is_read(
    tmp_path: Path, pattern: str, words: str
) -> None:
    (tmp_path / "page.md").write_text(
        check("x", f"http: http://127.0.0.1:1/\nexpect: ['body matches {pattern}']"),
        encoding="utf-8",
    )
    [item] = collect([tmp_path / "page.md"], RunbookSettings(base_dir=tmp_path))
    message = str(getattr(item, "error", ""))
    assert words in message
    assert "RE2" in message
    assert "page.md:4" in message


# -- YAML alias bombs ----------------------------------------------------------------------


def _alias_bomb(indent: str, levels: int = 9) -> str:
    lines = [f'{indent}a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        items = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"{indent}a{level}: &a{level} [{items}]")
    return "\n".join(lines) + "\n"


@pytest.mark.timeout(60)
def test_alias_bombs_are_errors_with_file_and_line_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "bomb.yml").write_text(
        "defaults:\n" + _alias_bomb("  ") + "api:\n  http: http://127.0.0.1:1/\n",
        encoding="utf-8",
    )
    page = check("json bomb", "http: POST http://127.0.0.1:1/\njson:\n" + _alias_bomb("  "))
    page += check("body bomb", _alias_bomb("") + "http: http://127.0.0.1:1/")
    page += check("merge bomb", _merge_bomb() + "http: http://127.0.0.1:1/")
    page += check("recursive", "http: http://127.0.0.1:1/\njson: &loop [1, *loop]")
    page += check("uses the catalog", "use: api")
    results = run_page(tmp_path, page)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.md").write_text(page, encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text("site_name: x\nplugins:\n  - runbook\n", encoding="utf-8")
    for name in ("json bomb", "body bomb", "merge bomb"):
        assert results[name].status is Status.ERROR, (name, results[name].message)
        assert "aliases expand the document" in results[name].message
        assert "page.md:" in results[name].message
    assert "refers to its own anchor" in results["recursive"].message
    assert results["uses the catalog"].status is Status.ERROR

    assert runbook_main(["list", "-f", str(tmp_path / "mkdocs.yml")]) == 1
    listed = capsys.readouterr().out
    assert listed.count("aliases expand the document") == 4  # three blocks and the catalog
    assert "bomb.yml:" in listed
    assert "refers to its own anchor" in listed


def _merge_bomb() -> str:
    lines = ["m0: &m0 {k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6, k7: 7, k8: 8}"]
    for level in range(1, 9):
        merged = ", ".join([f"*m{level - 1}"] * 9)
        lines.append(f"m{level}: &m{level} {{<<: [{merged}]}}")
    return "\n".join(lines) + "\n"
