"""A project whose targets answer with everything an output must survive, for the output
fault suite (``test_faults_outputs.py``).

Every kind of target sends ``HOSTILE`` (escape sequences, control characters, markup) where
it can: an HTTP body, a JSON field (with a lone surrogate), a header, a metrics text that does
not parse, a DNS TXT record, a certificate subject and a command's output. A check's name
carries the same, and some pages cannot be read as UTF-8. ``HostileProject`` starts the
servers, writes ``mkdocs.yml`` and the pages, and runs the real front-ends on them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import dns.name
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import yaml

from dns_server import DNSServer
from output_search import HOSTILE_CONTROLS, HOSTILE_MARKUP
from servers import RouteServer
from tls_servers import TLSServer

HOSTILE = f"{HOSTILE_CONTROLS} {HOSTILE_MARKUP}"
#: A check name as YAML writes it in double quotes: ESC, BEL, backspace, NUL, C1, bidi,
#: rich markup and HTML.
HOSTILE_NAME_YAML = (
    r'"\e[31mRed\e[0m \e]52;c;cm0=\a \e]8;;https://example.invalid/\e\\ln\e]8;;\e\\'
    r" \x9b2J \u202eevil\u202c \b\b\0 [bold red]name[/bold red] <b>bold</b>"
    r' ]]> {{ 7*7 }} end"'
)
SCRIPTS = Path(sys.executable).parent

#: Pages that are not UTF-8, and the line of their first bad byte.
UNREADABLE_PAGES = {"latin1.md": 4, "utf16.md": 1}


def check(body: str) -> str:
    return f"```check\n{body}\n```\n\n"


@dataclass
class Run:
    """What one front-end run left: its exit code and its terminal output, as bytes."""

    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def text(self) -> str:
        return (self.stdout + self.stderr).decode("utf-8", errors="replace")


@dataclass
class HostileProject:
    root: Path
    http: RouteServer = field(init=False)
    tls: TLSServer = field(init=False)
    dns: DNSServer = field(init=False)
    _stack: ExitStack = field(default_factory=ExitStack)

    def __enter__(self) -> HostileProject:
        self.http = self._stack.enter_context(RouteServer().start())
        self.dns = self._stack.enter_context(DNSServer())
        self.tls = self._stack.enter_context(TLSServer("valid", organization=HOSTILE_CONTROLS))
        self._routes()
        self._dns_records()
        self._write()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stack.close()

    # -- setting up ----------------------------------------------------------------------------

    def _routes(self) -> None:
        self.http.route("/ok", body="ok")
        self.http.route("/body", body=HOSTILE, headers={"Content-Type": "text/plain"})
        # json.dumps writes the lone surrogate as \ud800, which JSON readers turn back into one.
        self.http.route("/json", body={"status": HOSTILE + "\ud800"})
        self.http.route("/header", body="ok", headers={"X-Hostile": HOSTILE_MARKUP})
        self.http.route(
            "/metrics",
            body=f'# TYPE up gauge\nup{{job="{HOSTILE}"}} 1 2 3 4\n',
            headers={"Content-Type": "text/plain; version=0.0.4"},
        )

    def _dns_records(self) -> None:
        data = HOSTILE.encode("utf-8")
        strings = [data[start : start + 255] for start in range(0, len(data), 255)]
        record = dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, strings)
        rdataset = dns.rdataset.Rdataset(dns.rdataclass.IN, dns.rdatatype.TXT)
        rdataset.add(record, 300)
        self.dns.zone.replace_rdataset(dns.name.from_text("hostile.example.test."), rdataset)

    def _write(self) -> None:
        docs = self.root / "docs"
        docs.mkdir(parents=True)
        api = self.http.url
        (self.root / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
        hostile = (
            "# Hostile targets\n\n"
            + check(f"name: {HOSTILE_NAME_YAML}\nid: hostile-name\nhttp: {api}/ok")
            + check(f"name: body\nhttp: {api}/body\nexpect: [body == safe]")
            + check(f"name: json\nhttp: {api}/json\nexpect: [$.status == ok]")
            + check(f"name: header\nhttp: {api}/header\nexpect: ['header x-hostile == safe']")
            + check(f"name: metrics\nmetrics: {api}/metrics")
            + check(
                "name: txt record\ndns: hostile.example.test\ntype: TXT\n"
                f"server: 127.0.0.1:{self.dns.port}\nexpect: [records contains safe]"
            )
            + check(
                f"name: certificate\ntls: localhost:{self.tls.port}\n"
                "expect: [cert_subject contains safe]"
            )
            + check("name: command\nrun: cat hostile.txt\nexpect: [stdout == safe]")
        )
        (docs / "hostile.md").write_text(hostile, encoding="utf-8")
        (docs / "fine.md").write_text(
            "# Fine\n\n" + check(f"name: fine\nhttp: {api}/ok"), encoding="utf-8"
        )
        # A byte order mark is not content: the check is on line 3, and runs.
        (docs / "bom.md").write_bytes(
            b"\xef\xbb\xbf# BOM\n\n" + check(f"name: after a bom\nhttp: {api}/ok").encode()
        )
        # NUL bytes are UTF-8: in prose they are shown, inside a block the block is broken.
        (docs / "nul.md").write_bytes(
            b"# NUL\n\nprose \x00 with a NUL\n\n"
            + check(f"name: nul in a check\nhttp: {api}/ok\n# \x00").encode()
            + check(f"name: after a nul\nhttp: {api}/ok").encode()
        )
        (docs / "latin1.md").write_bytes(
            "# Latin-1\n\nprose\ncaf\u00e9\n\n".encode("latin-1")
            + check(f"name: never runs\nhttp: {api}/ok").encode()
        )
        (docs / "utf16.md").write_bytes(
            "# UTF-16\n\n".encode("utf-16") + check(f"http: {api}/ok").encode("utf-16-le")
        )
        config = {
            "site_name": "Hostile",
            "theme": {"name": "mkdocs"},
            "plugins": [
                {
                    "runbook": {
                        "allow_commands": True,
                        "junit": "junit.xml",
                        "fail_on": [],
                        "environments": {"local": {"api": api}},
                    }
                }
            ],
        }
        (self.root / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")

    # -- running -------------------------------------------------------------------------------

    def environ(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "SSL_CERT_FILE": str(self.tls.ca_file),
            "CI": "true",
            "PATH": os.pathsep.join([str(SCRIPTS), os.environ.get("PATH", "")]),
            **extra,
        }

    def run(self, *command: str, timeout: float = 90) -> Run:
        """A front-end (``runbook``, ``mkdocs``, ``pytest``) as a user runs it, output piped."""
        done = subprocess.run(
            [str(SCRIPTS / command[0]), *command[1:]],
            cwd=self.root,
            env=self.environ(),
            capture_output=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    def run_on_terminal(self, *command: str, timeout: float = 90) -> Run:
        """A front-end whose stdout is a terminal (a pty), so it prints as it does for people.

        ``CI`` is unset: ``runbook check`` prints its rich table only on a terminal outside CI.
        """
        import pty

        controller, terminal = pty.openpty()
        environ = self.environ(TERM="xterm-256color", COLUMNS="200")
        environ.pop("CI")
        try:
            process = subprocess.Popen(
                [str(SCRIPTS / command[0]), *command[1:]],
                cwd=self.root,
                env=environ,
                stdin=subprocess.DEVNULL,
                stdout=terminal,
                stderr=subprocess.PIPE,
            )
            os.close(terminal)
            terminal = -1
            received = _read_until_closed(controller, timeout)
            _, stderr = process.communicate(timeout=timeout)
        finally:
            os.close(controller)
            if terminal >= 0:
                os.close(terminal)
        return Run(process.returncode, received, stderr)


def _read_until_closed(descriptor: int, timeout: float) -> bytes:
    import select
    import time

    received = bytearray()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([descriptor], [], [], 0.1)
        if not ready:
            continue
        try:
            chunk = os.read(descriptor, 65536)
        except OSError:  # the other side closed: Linux reports EIO
            break
        if not chunk:
            break
        received += chunk
    return bytes(received)
