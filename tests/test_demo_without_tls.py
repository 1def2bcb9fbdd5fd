"""``runbook demo-target`` on a plain install, without the optional ``trustme`` (issue 19):
it runs, without its HTTPS port, and says how to get it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx

from test_demo import WAIT_SECONDS, read_lines, wait_for_line

# The console script's own code, in a Python where `import trustme` fails as it does when the
# package is not installed (None in sys.modules makes the import raise ModuleNotFoundError).
WITHOUT_TRUSTME = (
    "import sys; sys.modules['trustme'] = None; "
    "from mkdocs_runbook.cli import main; sys.exit(main(sys.argv[1:]))"
)


def test_the_demo_runs_without_trustme_and_says_so() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", WITHOUT_TRUSTME, "demo-target", "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    try:
        assert process.stdout is not None
        lines = read_lines(process.stdout)
        url = wait_for_line(lines, r"http\s+(http://127\.0\.0\.1:\d+)")[1]
        note = wait_for_line(lines, r"https\s+(.*)")[1]
        assert "off: it needs the 'trustme' package" in note
        assert "[demo] extra" in note
        with httpx.Client(timeout=WAIT_SECONDS) as client:
            assert client.get(f"{url}/healthz").json() == {"status": "ok"}
        wait_for_line(lines, r"dns\s+127\.0\.0\.1:\d+")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=WAIT_SECONDS) == 0
    finally:
        process.kill()
        process.wait(timeout=WAIT_SECONDS)
    assert process.stderr is not None
    assert process.stderr.read() == ""
