"""The runner end to end: Markdown in, statuses out, against real servers on 127.0.0.1."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from faults import RefusedPort, SilentServer
from inflight import InFlightCounter, InFlightServer
from mkdocs_runbook.engine import collect, run_checks
from mkdocs_runbook.results import CheckResult, Status
from mkdocs_runbook.settings import RunbookSettings
from servers import RouteServer


def write(tmp_path: Path, text: str, name: str = "ops.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(tmp_path: Path, text: str, **settings: object) -> dict[str, CheckResult]:
    page = write(tmp_path, text)
    config = RunbookSettings(base_dir=tmp_path, **settings)  # type: ignore[arg-type]
    report = run_checks(collect([page], config), config)
    return {check.id: check for check in report.checks}


def check(name: str, body: str) -> str:
    return f"```check\nname: {name}\n{body}\n```\n\n"


def test_every_status_from_one_page(tmp_path: Path, http_server: RouteServer) -> None:
    http_server.route("/ok", body={"status": "ok", "db": "up"})
    http_server.route("/degraded", body={"status": "degraded"})
    http_server.route("/down", status=503, body={"status": "down"})
    page = (
        check("healthy", f"http: GET {http_server.url}/ok\nexpect: [$.db == up]")
        + check("degraded", f"http: {http_server.url}/degraded\nwarn: [$.status == ok]")
        + check("down", f"http: {http_server.url}/down")
        + check("broken", "http: x\nexepct: [status == 200]")
        + check("later", f"http: {http_server.url}/ok\nskip: not yet deployed")
        + '```bash check name="shell"\necho hi\n```\n'
    )
    results = run(tmp_path, page)
    assert {k: r.status for k, r in results.items()} == {
        "healthy": Status.PASS,
        "degraded": Status.WARN,
        "down": Status.FAIL,
        "broken": Status.ERROR,
        "later": Status.SKIP,
        "shell": Status.SKIP,
    }
    assert results["down"].value == "503"
    assert "did you mean 'expect'" in results["broken"].message
    assert results["broken"].message.startswith("ops.md:")
    assert results["later"].message == "not yet deployed"
    assert "allow_commands" in results["shell"].message
    assert results["healthy"].value.endswith("ms")
    assert [a.ok for a in results["degraded"].assertions if a.severity == "warn"] == [False]


def wait_for_hangups(server: SilentServer, count: int) -> int:
    """``server.hangups`` once it reaches ``count``, or after a few seconds of waiting."""
    deadline = time.monotonic() + 3
    while server.hangups < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return server.hangups


# A silent server holds every request until the test leaves its ``with``: reaching the
# assertions at all, within the test's bound, proves each check's timeout cut the wait.


@pytest.mark.timeout(30)
def test_unreachable_targets_fail_with_the_reason(tmp_path: Path) -> None:
    with RefusedPort() as refused, SilentServer() as hung:
        page = check("refused", f"http: http://127.0.0.1:{refused.port}/") + check(
            "hung", f"http: {hung.url}/\ntimeout: 1s"
        )
        results = run(tmp_path, page)
        assert wait_for_hangups(hung, 1) == hung.connections == 1, "the connection was left open"
    assert results["refused"].status is Status.FAIL
    assert "refused" in results["refused"].message
    assert results["hung"].status is Status.FAIL
    assert results["hung"].value == "timed out after 1s"


@pytest.mark.timeout(30)
def test_retries_count_attempts_and_are_bounded(tmp_path: Path) -> None:
    with SilentServer() as hung:
        page = check("hung", f"http: {hung.url}/\ntimeout: 0.3s\nretries: 2\nretry_delay: 0.1s")
        results = run(tmp_path, page)
        # Each attempt reached the target, and each was cut off and hung up.
        assert wait_for_hangups(hung, 3) == hung.connections == 3
    assert results["hung"].attempts == 3
    assert results["hung"].status is Status.FAIL
    assert results["hung"].value == "timed out after 300ms"


def test_checks_run_concurrently(tmp_path: Path) -> None:
    # The server holds the first requests until ``per_host`` of them are in flight at once
    # (InFlightCounter): a runner that ran them one by one never gets there.
    per_host = RunbookSettings().per_host
    counter = InFlightCounter(expected=per_host)
    with InFlightServer(counter, "api") as server:
        page = "".join(check(f"slow {n}", f"http: {server.url}/slow?n={n}") for n in range(20))
        results = run(tmp_path, page)
    assert len(results) == 20
    assert all(r.status is Status.PASS for r in results.values())
    assert counter.max_total == per_host


def test_one_resolved_check_used_twice_runs_once(tmp_path: Path, http_server: RouteServer) -> None:
    http_server.route("/healthz", body="ok")
    same = f"http: {http_server.url}/healthz"
    results = run(tmp_path, check("first", same) + check("second", same))
    assert results["first"].status is results["second"].status is Status.PASS
    assert http_server.hits["/healthz"] == 1


def test_commands_run_when_allowed(tmp_path: Path) -> None:
    page = (
        '```bash check name="greets"\necho hello\n# expect: stdout contains hello\n```\n\n'
        '```bash check name="exits"\nexit 3\n```\n'
    )
    results = run(tmp_path, page, allow_commands=True)
    assert results["greets"].status is Status.PASS
    assert results["exits"].status is Status.FAIL
    assert results["exits"].value in {"3", "exit 3"}


def test_bad_assertion_is_an_error_with_the_column(
    tmp_path: Path, http_server: RouteServer
) -> None:
    page = check("bad", f"http: {http_server.url}/\nexpect: [latency << 5s]")
    result = run(tmp_path, page)["bad"]
    assert result.status is Status.ERROR
    assert "column 10" in result.message
    assert http_server.hits.total() == 0, "a broken check never reaches its target"


def test_cache_modes(tmp_path: Path, http_server: RouteServer) -> None:
    from mkdocs_runbook.engine import make_runner
    from mkdocs_runbook.run import ResultCache, run_sync

    http_server.route("/healthz", body="ok")
    page = write(tmp_path, check("live", f"http: {http_server.url}/healthz"))
    settings = RunbookSettings(base_dir=tmp_path, cache_ttl=60)
    items = collect([page], settings)

    def run_with(mode: str, cache: ResultCache) -> CheckResult:
        results = run_sync(lambda: make_runner(settings, mode=mode, cache=cache), items)  # type: ignore[arg-type]
        return results[0]

    empty = ResultCache(tmp_path / "cache-a")
    never = run_with("never", empty)
    assert never.status is Status.SKIP and "run: never" in never.message
    assert http_server.hits["/healthz"] == 0

    first = run_with("cached", empty)
    assert first.status is Status.PASS and not first.cached
    # A new cache object reading the same folder: what a second `mkdocs build` process sees.
    on_disk = ResultCache(tmp_path / "cache-a")
    again = run_with("cached", on_disk)
    assert again.cached and again.checked_at == first.checked_at
    assert run_with("never", on_disk).cached
    assert http_server.hits["/healthz"] == 1

    run_with("always", on_disk)
    assert http_server.hits["/healthz"] == 2

    settings.cache_ttl = 0
    run_with("cached", on_disk)
    assert http_server.hits["/healthz"] == 3, "older than cache_ttl: run again"


def test_an_unexpected_crash_costs_one_check(
    tmp_path: Path, http_server: RouteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in preparing one check is that check's error; the others still run."""
    import mkdocs_runbook.run.runner as runner_module

    real_resolve = runner_module.resolve_check

    def flaky_resolve(spec, *args, **kwargs):  # type: ignore[no-untyped-def]
        if spec.name == "victim":
            raise TypeError("boom")
        return real_resolve(spec, *args, **kwargs)

    monkeypatch.setattr(runner_module, "resolve_check", flaky_resolve)
    http_server.route("/healthz", body="ok")
    page = check("victim", f"http: {http_server.url}/healthz?a") + check(
        "bystander", f"http: {http_server.url}/healthz?b"
    )
    results = run(tmp_path, page)
    assert results["victim"].status is Status.ERROR
    assert "internal error: TypeError: boom" in results["victim"].message
    assert results["bystander"].status is Status.PASS


def test_a_check_that_passes_with_a_cut_value_is_a_warning(tmp_path: Path) -> None:
    page = check("counted", "run: echo 3 #issues\nexpect: [stdout contains 3]") + check(
        "clean", "run: echo 3  # issues\nexpect: [stdout contains 3]"
    )
    results = run(tmp_path, page, allow_commands=True)
    assert results["counted"].status is Status.WARN
    assert results["counted"].message == (
        "ops.md:3: 'run' ends before ' #issues': YAML reads ' #' as the start of "
        "a comment — quote the whole value, or use 'run: |'"
    )
    assert results["clean"].status is Status.PASS


def test_a_cut_value_note_shows_templates_never_secrets(tmp_path: Path) -> None:
    page = check("tokened", 'run: echo "ok #{{ secrets.RUNBOOK_NOTE_TOKEN }}"')
    written = write(tmp_path, page)
    config = RunbookSettings(base_dir=tmp_path, allow_commands=True)
    environ = {"RUNBOOK_NOTE_TOKEN": "s3cret-value-xyz", "PATH": "/usr/bin:/bin"}
    report = run_checks(collect([written], config), config, environ=environ)
    [result] = report.checks
    assert "{{ secrets.RUNBOOK_NOTE_TOKEN }}" in result.message
    assert "s3cret-value-xyz" not in json.dumps(report.to_dict())


# -- secrets: one redactor for the run, applied before anything is cut ---------------------------


def test_a_secret_any_check_names_is_masked_in_every_result(
    tmp_path: Path, http_server: RouteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from secret_servers import leaks

    secret = "other-check-secret-77"
    monkeypatch.setenv("OTHER_SECRET", secret)
    echoing = http_server.route("/echoes", body={"token": secret, "long": "p" * 55 + secret})
    page = check("echoes", f"http: {echoing}\nexpect: [$.token == x, $.long == x]") + check(
        "skipped", "http: https://x/{{ secrets.OTHER_SECRET }}\nskip: true"
    )
    results = run(tmp_path, page)
    shown = json.dumps(results["echoes"].to_dict(), ensure_ascii=False)
    assert "••••" in shown
    assert not leaks(shown, secret), shown


def test_errors_before_a_check_runs_are_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOST_SECRET", "hostsecret-qq77w")
    page = check(
        "not allowed", "http: GET https://{{ secrets.HOST_SECRET }}.example.invalid/"
    ) + check(
        "bad assertion", "http: https://127.0.0.1/\nexpect: ['body << {{ secrets.HOST_SECRET }}']"
    )
    results = run(tmp_path, page, allowed_hosts=["127.0.0.1"])
    for result in results.values():
        assert result.status is Status.ERROR
        assert "hostsecret" not in result.message
        assert "••••" in result.message
