"""What a site build holds at once (issue 14: peak memory of MkDocs' process and its children).

The check worker of a build ends as soon as the build's checks are done, before the rest of the
build (the status page, the report, the history) grows MkDocs' own memory. Proved by the worker
process being gone while the last page is rendered, never by a clock.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from child_processes import HOOK_IMPORT
from servers import RouteServer
from sites import make_site

#: After each page: waits (bounded) for the check workers, children of MkDocs' process, to be
#: gone, and writes whether they went, by page.
WORKERS_HOOK = (
    HOOK_IMPORT
    + """\
import json, time
from pathlib import Path

SEEN = {}

def _workers():
    return [pid for pid, cmdline in children() if WORKER in cmdline]

def on_post_page(output, page, config, **kwargs):
    deadline = time.monotonic() + 20
    while _workers() and time.monotonic() < deadline:
        time.sleep(0.05)
    SEEN[page.file.src_uri] = not _workers()
    out = Path(config["config_file_path"]).with_name("workers_gone.json")
    out.write_text(json.dumps(SEEN), encoding="utf-8")
    return output
"""
)


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


#: From ``on_config`` to ``on_post_build``, a thread looks at MkDocs' children every few
#: milliseconds and writes down which kinds it saw, and whether a check worker and the badge
#: writer were ever there at once.
CHILDREN_HOOK = (
    HOOK_IMPORT
    + """\
import json, threading
from pathlib import Path

SEEN = {"worker": False, "writer": False, "together": False}
STOP = threading.Event()

def _children():
    kinds = set()
    for _, cmdline in children():
        if WORKER in cmdline:
            kinds.add("worker")
        if WRITER in cmdline:
            kinds.add("writer")
    return kinds

def _watch():
    while not STOP.wait(0.002):
        kinds = _children()
        for kind in kinds:
            SEEN[kind] = True
        SEEN["together"] |= len(kinds) == 2

def on_config(config, **kwargs):
    threading.Thread(target=_watch, daemon=True).start()

def on_post_build(config, **kwargs):
    STOP.set()
    out = Path(config["config_file_path"]).with_name("children.json")
    out.write_text(json.dumps(SEEN), encoding="utf-8")
"""
)


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_live_build_never_runs_its_badge_writer_beside_its_check_worker(
    tmp_path: Path, http_server: RouteServer
) -> None:
    """The badge writing process starts once the worker has exited (until then MkDocs writes
    badge files while it waits for checks), so their memory never adds up; every badge file
    is still written, each a file of its own."""
    url = http_server.route("/slow", body={"status": "ok"}, delay=0.05)
    site = make_site(tmp_path, runbook={"history": None, "per_host": 2})
    site.hook("children_hook.py", CHILDREN_HOOK)
    names = [f"p{page}-c{check}" for page in range(3) for check in range(4)]
    for page in range(3):
        blocks = "\n".join(
            f"```check\nname: {name}\nhttp: GET {url}?{name}\n```\n"
            for name in names[page * 4 : page * 4 + 4]
        )
        site.page(f"p{page}.md", f"# Page {page}\n\n{blocks}")
    done = site.build()
    assert done.returncode == 0, done.stderr
    seen = json.loads((site.root / "children.json").read_text(encoding="utf-8"))
    assert seen["worker"] is True
    assert seen["together"] is False
    badges = sorted((site.out / "badges").rglob("*.*"))
    assert [path.name for path in badges if path.suffix == ".svg"] == sorted(
        f"{name}.svg" for name in names
    )
    assert len(badges) == 2 * len(names)
    for path in badges:
        assert path.stat().st_nlink == 1, path
        assert "pass" in path.read_text("utf-8"), path
