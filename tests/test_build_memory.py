"""What a site build holds at once (issue 14: peak memory of MkDocs' process and its children).

The check worker of a build ends as soon as the build's checks are done, before the rest of the
build (the status page, the report, the history) grows MkDocs' own memory. Proved by the worker
process being gone while the last page is rendered, never by a clock.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from servers import RouteServer
from sites import make_site

#: After each page: waits (bounded) for the check workers, children of MkDocs' process, to be
#: gone, and writes whether they went, by page.
WORKERS_HOOK = """\
import json, os, time
from pathlib import Path

SEEN = {}

def _workers():
    mine = str(os.getpid())
    found = []
    for entry in Path("/proc").iterdir():
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if f"\\nPPid:\\t{mine}\\n" in status and b"mkdocs_runbook.run.worker" in cmdline:
            found.append(entry.name)
    return found

def on_post_page(output, page, config, **kwargs):
    deadline = time.monotonic() + 20
    while _workers() and time.monotonic() < deadline:
        time.sleep(0.05)
    SEEN[page.file.src_uri] = not _workers()
    out = Path(config["config_file_path"]).with_name("workers_gone.json")
    out.write_text(json.dumps(SEEN), encoding="utf-8")
    return output
"""


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_build_ends_its_workers_once_its_checks_are_done(
    tmp_path: Path, http_server: RouteServer
) -> None:
    url = http_server.route("/healthz", body={"status": "ok"})
    site = make_site(tmp_path, runbook={"history": None, "status_page": "status.md"})
    site.hook("workers_hook.py", WORKERS_HOOK)
    for name in ("a.md", "b.md"):
        site.page(name, f"# {name}\n\n```check\nname: live {name}\nhttp: GET {url}\n```\n")
    done = site.build()
    assert done.returncode == 0, done.stderr
    report = json.loads((site.out / "runbook-checks.json").read_text(encoding="utf-8"))
    assert [check["status"] for check in report["checks"]] == ["pass", "pass"]
    gone = json.loads((site.root / "workers_gone.json").read_text(encoding="utf-8"))
    # The status page renders last, every check done by then: the worker was ended for it.
    assert gone["status.md"] is True
