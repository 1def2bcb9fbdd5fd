"""Pages found and parsed ahead of MkDocs in a child process (``run.ahead``), in real
in-process builds of sites in tmp_path: a build with no check running parses its pages in
another process, which also prepares their checks and takes their outcomes from the cache;
the build uses what it sent only for the very Markdown MkDocs hands the plugin, and does the
rest itself, with the same site as the outcome."""

from __future__ import annotations

import json
import pickle
import re
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

from mkdocs_runbook import plugin as runbook_plugin
from mkdocs_runbook.run import ResultCache
from mkdocs_runbook.run.ahead import PagesAhead, Preparing
from servers import RouteServer
from sites import Site, make_site

pytestmark = pytest.mark.timeout(120)

PAGES = 24
TIMES = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ|\d+ (s|min|h|d) ago|just now|[A-Z][a-z]{2} \d+, \d{4}[^<]*"
)


class Ahead(PagesAhead):
    """The real child process; the build waits for it to be done (or killed) once it has its
    pages, before MkDocs reads the first, so which pages it spared MkDocs' thread does not
    depend on timing."""

    made: list[Ahead] = []  # noqa: RUF012 - the instances of one test

    def __init__(self, *, kill: bool = False, unpicklable_catalog: bool = False) -> None:
        super().__init__()
        self.kill = kill
        #: Hands the child a catalog pickle cannot carry (a function) instead of the build's.
        self.unpicklable_catalog = unpicklable_catalog
        #: The plugin's hooks this child was started from, and the pages it was handed.
        self.started_in = [
            frame.name for frame in traceback.extract_stack() if frame.name[:3] == "on_"
        ]
        self.pages: list[str] = []
        Ahead.made.append(self)

    def parse(
        self,
        pages: Sequence[tuple[str, str]],
        snippet_paths: Sequence[Path],
        preparing: Preparing | None = None,
    ) -> None:
        if self.unpicklable_catalog and preparing is not None:
            settings, _, mode, folder = preparing
            preparing = (settings, lambda: None, mode, folder)  # type: ignore[assignment]
        super().parse(pages, snippet_paths, preparing)
        self.pages = [page for page, _ in pages]
        if self.kill:
            self._process.kill()
        self._process.wait(60)


def _page(number: int) -> str:
    checks = "\n".join(
        f"```check\nname: Check {number}-{n}\nhttp: GET {{{{ api }}}}/healthz?p={number}&c={n}\n"
        "expect: [$.status == ok]\n```\n"
        for n in range(3)
    )
    front = "---\nowner: team-a\n---\n" if number % 3 == 0 else ""
    return f"{front}# Page {number}\n\nProse.\n\n{checks}\n```bash\necho plain\n```\n"


@pytest.fixture
def site(tmp_path: Path, http_server: RouteServer) -> Iterator[Site]:
    http_server.route("/healthz", body={"status": "ok"})
    site = make_site(
        tmp_path,
        runbook={
            "environments": {"local": {"api": http_server.url}},
            "fail_on": [],
            "cache_ttl": "1h",
        },
    )
    for number in range(PAGES):
        text = _page(number)
        if number == 5:
            text = text.replace("\n", "\r\n")
        if number == 7:
            text += "\n```check\nname: Broken\nhttp: [not, a, target]\n```\n"
        site.page(f"page-{number:02}.md", text)
    assert site.build().returncode == 0  # every result measured once, into the cache
    config = tmp_path / "mkdocs.yml"
    config.write_text(config.read_text().replace("cache_ttl: 1h", "cache_ttl: 1h\n    run: cached"))
    Ahead.made = []
    yield site


def build_in_process(site: Site, *, all_cached: bool = True) -> dict[str, object]:
    config = load_config(str(site.root / "mkdocs.yml"))
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()
    report = json.loads((site.out / "runbook-checks.json").read_text())
    assert report["checks"], report
    for check in report["checks"] if all_cached else ():
        assert check["cached"] or check["status"] in ("error", "skip"), check
    return report


def comparable(site: Site, report: dict[str, object]) -> tuple[object, dict[str, str]]:
    """The report's checks and every page, without the times, which differ between builds."""
    checks = [
        {key: value for key, value in check.items() if key not in ("checked_at",)}
        for check in report["checks"]  # type: ignore[attr-defined]
    ]
    pages = {
        path.relative_to(site.out).as_posix(): TIMES.sub("TIME", path.read_text(encoding="utf-8"))
        for path in sorted(site.out.glob("page-*/index.html"))
    }
    return checks, pages


def test_a_cached_build_parses_its_pages_in_another_process(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runbook_plugin, "PagesAhead", Ahead)
    ahead_report = build_in_process(site)
    (ahead,) = Ahead.made
    # Started before MkDocs lists the pages, so that its imports overlap MkDocs' work.
    assert set(ahead.started_in) == {"on_config"}
    assert ahead.pages == [f"page-{n:02}.md" for n in range(PAGES)]  # MkDocs' order
    assert sorted(ahead.taken) == [f"page-{n:02}.md" for n in range(PAGES)]
    # Their checks prepared there too, and looked up in the cache.
    assert sorted(ahead.prepared_taken) == sorted(ahead.taken)
    assert ahead._process.poll() is not None  # ended with the build
    with_ahead = comparable(site, ahead_report)

    monkeypatch.setattr(runbook_plugin, "PARSE_AHEAD_MIN_PAGES", 10**9)
    here = comparable(site, build_in_process(site))
    assert len(Ahead.made) == 1  # this time, no child
    assert with_ahead == here
    lines = {c["id"]: c["line"] for c in ahead_report["checks"] if c["page"] == "page-03.md"}
    assert lines["check-3-0"] == 8  # past the front matter, as in the file
    assert any(c["status"] == "error" and c["page"] == "page-07.md" for c in ahead_report["checks"])


def test_a_site_that_lists_too_few_pages_ends_the_child_unused(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child starts when the docs folder holds enough Markdown files; MkDocs leaving some
    out (``exclude_docs``) makes the site too small for it, and it ends without a page."""
    monkeypatch.setattr(runbook_plugin, "PagesAhead", Ahead)
    monkeypatch.setattr(runbook_plugin, "PARSE_AHEAD_MIN_PAGES", PAGES - 4)
    config = site.root / "mkdocs.yml"
    config.write_text(config.read_text() + "exclude_docs: page-1*.md\n")
    report = build_in_process(site)
    (ahead,) = Ahead.made
    assert ahead.pages == [] and ahead.taken == []
    assert ahead._process.poll() is not None
    assert {c["page"] for c in report["checks"]} == {
        f"page-{n:02}.md" for n in range(PAGES) if n // 10 != 1
    }  # type: ignore[attr-defined]


def test_a_site_with_too_few_markdown_files_starts_no_child(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runbook_plugin, "PagesAhead", Ahead)
    monkeypatch.setattr(runbook_plugin, "PARSE_AHEAD_MIN_PAGES", PAGES + 1)
    assert len(build_in_process(site)["checks"]) == PAGES * 3 + 1
    assert Ahead.made == []


def test_a_page_another_plugin_changed_first_is_parsed_here(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runbook_plugin, "PagesAhead", Ahead)
    site.hook(
        "add_check.py",
        "from mkdocs.plugins import event_priority\n\n"
        "@event_priority(100)\n"
        "def on_page_markdown(markdown, page, config, files):\n"
        "    if page.file.src_uri == 'page-04.md':\n"
        "        return markdown + '\\n```check\\nname: Added\\nskip: true\\nhttp: GET http://127.0.0.1:9/\\n```\\n'\n",
    )
    report = build_in_process(site)
    (ahead,) = Ahead.made
    assert "page-04.md" not in ahead.taken and len(ahead.taken) == PAGES - 1
    added = [c for c in report["checks"] if c["name"] == "Added"]  # type: ignore[attr-defined]
    assert [(c["page"], c["status"]) for c in added] == [("page-04.md", "skip")]


def test_a_child_that_died_leaves_every_page_to_the_build(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runbook_plugin, "PagesAhead", lambda: Ahead(kill=True))
    report = build_in_process(site)
    (ahead,) = Ahead.made
    assert ahead.taken == []
    monkeypatch.setattr(runbook_plugin, "PARSE_AHEAD_MIN_PAGES", 10**9)
    assert comparable(site, report) == comparable(site, build_in_process(site))


def test_a_child_nobody_reads_any_more_ends_quietly(tmp_path: Path) -> None:
    """A build stopped early stops reading: the child ends at its next page, without a
    traceback in the build's terminal."""
    import subprocess
    import sys

    from mkdocs_runbook.run import ahead

    pages = []
    for number in range(50):
        page = tmp_path / f"p{number}.md"
        page.write_text(_page(number) * 20, encoding="utf-8")
        pages.append([page.name, str(page)])
    child = subprocess.Popen(
        [sys.executable, "-c", ahead.BOOTSTRAP, ahead._PACKAGE_PARENT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None and child.stderr is not None
    job = {"pages": pages, "snippet_paths": [], "preparing": None}
    child.stdin.write(pickle.dumps(job))
    child.stdin.close()
    assert child.stdout.read(ahead.LENGTH_BYTES)  # it has started sending
    child.stdout.close()
    assert child.wait(60) == 0
    assert child.stderr.read() == b""


def test_a_child_whose_build_ends_before_listing_its_pages_ends_quietly() -> None:
    """Started at ``on_config``, the child waits for its pages: a build that ends before it
    lists them (an error, a Ctrl-C that leaves no time to stop the child) closes its input,
    and it ends without a traceback in the build's terminal."""
    import subprocess
    import sys

    from mkdocs_runbook.run import ahead

    child = subprocess.Popen(
        [sys.executable, "-c", ahead.BOOTSTRAP, ahead._PACKAGE_PARENT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = child.communicate(b"", timeout=60)
    assert (child.returncode, out, err) == (0, b"", b"")


def test_whether_a_docs_folder_may_hold_enough_pages(tmp_path: Path) -> None:
    """``has_pages`` counts Markdown files in every folder and stops at the number asked
    for; past the names it may look at (a few pages among thousands of images), it guesses
    yes, and the page list MkDocs makes decides."""
    from mkdocs_runbook.run.ahead import has_pages

    (tmp_path / "a/b").mkdir(parents=True)
    for number in range(3):
        (tmp_path / f"p{number}.md").write_text("# p")
        (tmp_path / f"a/b/q{number}.markdown").write_text("# q")  # MkDocs' own suffixes
        (tmp_path / f"a/image{number}.png").write_bytes(b"png")
    assert has_pages(str(tmp_path), 6)
    assert not has_pages(str(tmp_path), 7)
    assert has_pages(str(tmp_path), 7, look_at=9)  # all 9 names looked at: a guess
    assert not has_pages(str(tmp_path), 7, look_at=10)
    assert not has_pages(str(tmp_path / "missing"), 1)


def test_the_secrets_the_child_met_mask_what_the_build_shows(
    site: Site, http_server: RouteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check the child prepared names a secret; a later page's check, run by the build,
    gets that secret back from its target. The build's redactor learnt it from the child
    (what preparing taught the child's), so no output shows it."""
    token = "tok-9f2b7c41d3e8a6"
    monkeypatch.setenv("ECHO_TOKEN", token)
    http_server.route("/echo", body={"seen": token})
    site.page(
        "page-01.md",
        "# Page 1\n\n```check\nname: Uses the token\nhttp: GET {{ api }}/healthz\n"
        "headers: {Authorization: 'Bearer {{ secrets.ECHO_TOKEN }}'}\n"
        "expect: [status == 200]\n```\n",
    )
    site.page(
        "page-20.md",
        "# Page 20\n\n```check\nname: Echoes it\nhttp: GET {{ api }}/echo\n"
        "expect: [status == 200]\n```\n",
    )
    monkeypatch.setattr(runbook_plugin, "PagesAhead", Ahead)
    build_in_process(site, all_cached=False)
    (ahead,) = Ahead.made
    assert "page-01.md" in ahead.prepared_taken  # the build did not prepare it itself
    report = (site.out / "runbook-checks.json").read_text(encoding="utf-8")
    echoed = next(c for c in json.loads(report)["checks"] if c["name"] == "Echoes it")
    assert not echoed["cached"] and echoed["status"] == "pass"  # run by the build, live
    assert "seen" in echoed["detail"]
    outputs = [report, (site.out / "page-20" / "index.html").read_text(encoding="utf-8")]
    outputs.append((site.out / "status" / "index.html").read_text(encoding="utf-8"))
    for output in outputs:
        assert token not in output


def test_a_damaged_cache_is_reported_by_the_build_not_the_child(
    site: Site, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The child reads the cache too, and says nothing: a page whose preparing met a problem
    (here, a malformed entry in the cache) is prepared by the build, whose log says so once."""
    path = site.root / ".cache" / "runbook" / "results.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["results"]["0" * 64] = {"status": "no such status"}
    path.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(runbook_plugin, "PagesAhead", Ahead)
    with caplog.at_level("WARNING", logger="mkdocs.plugins.runbook"):
        ahead_report = build_in_process(site)
    (ahead,) = Ahead.made
    malformed = [r for r in caplog.records if "malformed result" in r.getMessage()]
    assert len(malformed) == 1
    # The page the child met it on is the build's; the others are the child's.
    assert PAGES - 1 <= len(ahead.prepared_taken) < len(ahead.taken) == PAGES
    monkeypatch.setattr(runbook_plugin, "PARSE_AHEAD_MIN_PAGES", 10**9)
    assert comparable(site, ahead_report) == comparable(site, build_in_process(site))


def test_the_child_reads_the_cache_and_never_writes_it(tmp_path: Path) -> None:
    """``ResultCache.read_only``, the child's cache: no key, no cache (a first build; only the
    build makes the key); with one, it reads what the build stored and writes nothing."""
    folder = tmp_path / "cache"
    assert ResultCache.read_only(folder) is None
    assert not folder.exists()
    from mkdocs_runbook.results import RunOutcome, Status

    written = ResultCache(folder)
    written.put("k", RunOutcome(Status.PASS, value="1 ms", checked_at="2026-11-29T10:00:00Z"))
    written.flush()
    files = {path.name: path.read_bytes() for path in folder.iterdir()}
    (folder / "results.key").write_bytes(files["results.key"][:5])  # damaged: not replaced
    assert ResultCache.read_only(folder) is None
    (folder / "results.key").write_bytes(files["results.key"])
    reader = ResultCache.read_only(folder)
    assert reader is not None
    got = reader.get("k")
    assert got is not None and got.value == "1 ms"
    reader.put("k2", RunOutcome(Status.FAIL, value="2 ms", checked_at="2026-11-29T10:00:00Z"))
    reader.flush()
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == files


def test_settings_that_cannot_cross_leave_the_child_parsing_only(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What preparing reads is pickled apart: a setting pickle does not know keeps the child
    from preparing, not from parsing, and the build prepares every page itself."""
    monkeypatch.setattr(runbook_plugin, "PagesAhead", lambda: Ahead(unpicklable_catalog=True))
    report = build_in_process(site)
    (ahead,) = Ahead.made
    assert len(ahead.taken) == PAGES and ahead.prepared_taken == []
    monkeypatch.setattr(runbook_plugin, "PARSE_AHEAD_MIN_PAGES", 10**9)
    assert comparable(site, report) == comparable(site, build_in_process(site))


def test_the_badge_writer_starts_once_the_child_is_done(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both helpers use the core MkDocs' thread leaves free: the badge writing process starts
    after the parsing child has ended, the pages' badges waiting until then, and every badge
    is written as in a build without the child."""
    from mkdocs_runbook.record import site_files

    child_done_at_start: list[bool] = []

    class Writer(site_files.FileWriter):
        def __init__(self, *args: object, **kwargs: object) -> None:
            child_done_at_start.append(all(ahead.finished() for ahead in Ahead.made))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(site_files, "FileWriter", Writer)
    monkeypatch.setattr(runbook_plugin, "PagesAhead", Ahead)
    build_in_process(site)
    (ahead,) = Ahead.made
    assert len(ahead.taken) == PAGES
    assert child_done_at_start == [True]
    with_ahead = written_badges(site)
    assert len(with_ahead) == (PAGES * 3 + 1) * 2  # an SVG and a Shields JSON for each check

    monkeypatch.setattr(runbook_plugin, "PARSE_AHEAD_MIN_PAGES", 10**9)
    child_done_at_start.clear()
    build_in_process(site)
    assert child_done_at_start == [True]  # no child: started at once (nothing to wait for)
    assert written_badges(site) == with_ahead


def written_badges(site: Site) -> dict[str, object]:
    """Every badge file by name: a Shields JSON as it reads, its age aside (seconds apart, two
    builds show other ages); an SVG, whose widths follow the age's length, only as there."""
    files: dict[str, object] = {}
    for path in sorted((site.out / "badges").rglob("*")):
        name = path.relative_to(site.out).as_posix()
        if path.suffix == ".json":
            badge = json.loads(path.read_text(encoding="utf-8"))
            files[name] = {**badge, "message": TIMES.sub("TIME", badge["message"])}
        elif path.suffix == ".svg":
            files[name] = path.read_text(encoding="utf-8").startswith("<svg ")
    return files
