"""``bench/run.py --quick`` runs end to end and records every scenario. Not a timing test: the
numbers only have to exist and be the right kind of number."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BENCH = Path(__file__).resolve().parent.parent / "bench" / "run.py"


@pytest.mark.timeout(330)  # the benchmark's own bound (300 s) comes first
def test_quick_benchmark_records_every_scenario(tmp_path: Path) -> None:
    output = tmp_path / "quick.json"
    run = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]

    results = json.loads(output.read_text(encoding="utf-8"))
    assert results["options"]["quick"] is True
    assert set(results["scenarios"]) == {"1", "2", "3", "4", "5", "6", "7", "8", "9"}
    assert results["machine"]["cores"] >= 1
    assert results["machine"]["versions"]["mkdocs"] != "not installed"

    live = results["scenarios"]["1"]
    assert set(live["median_s"]) >= {"runbook", "plain", "markdown-exec"}
    for label, runs in live["runs"].items():
        for run_record in runs:
            assert run_record["wall_s"] > 0 and run_record["peak_rss_mb"] > 0
            # The CPU of the build and the processes it started: some, and no more than all
            # the machine's cores could give in its wall time.
            assert 0 < run_record["cpu_s"] <= run_record["wall_s"] * results["machine"]["cores"]
            if label == "plain":
                assert run_record["target_hits"] == 0, "the plain site must not contact the target"
            else:
                # Every check reached the target and passed.
                assert run_record["target_hits"] == live["checks"]
                assert run_record["checks_passed"] == live["checks"]

    cached = results["scenarios"]["3"]["runs"]["runbook"]
    assert all(record["target_hits"] == 0 for record in cached), "a warm cache is not re-run"
    serve = results["scenarios"]["4"]["runs"]["runbook"]
    assert all(record["live_checks"] == [0] * len(record["rebuilds_s"]) for record in serve)
    assert all(record["cpu_s"] is None for record in serve)  # timed inside the session
    assert set(results["scenarios"]["3"]["median_cpu_s"]) == {"runbook", "plain"}
    assert set(results["scenarios"]["5"]["median_peak_rss_mb"]) >= {"runbook", "plain"}

    judged = {(v["scenario"], v["contender"]) for v in results["targets"]}
    assert {("1", "runbook"), ("2", "runbook"), ("3", "runbook"), ("4", "runbook")} <= judged
    assert {("5", "runbook"), ("7", "runbook"), ("8", "runbook")} <= judged
    assert {("6", "runbook"), ("6", "runbook check")} <= judged

    # The first build of a fresh clone: every check ran live (no cache to answer it).
    for record in results["scenarios"]["9"]["runs"]["runbook"]:
        assert record["target_hits"] == results["scenarios"]["9"]["checks"]

    # Fidelity: one excess (shown latency minus the target's own time) per check and run, for
    # the site build and for runbook check alike.
    fidelity = results["scenarios"]["6"]
    assert fidelity["hosts"] > 1
    for label in ("runbook", "runbook check"):
        for run_record in fidelity["runs"][label]:
            assert len(run_record["excess_ms"]) == fidelity["checks"]
        assert len(fidelity["excess_ms_p50_p99"][label]) == 2
