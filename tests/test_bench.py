"""The benchmark harness keeps working: `bench/run.py --smoke`, as CI runs it.

Tiny data, one-second loads, SQLite files of its own: it checks that every target answered and
was measured, never how fast.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
TARGETS = {"static", "article", "home", "tag", "search", "rare search"}


# The smoke run makes SQLite databases of its own whatever DATABASE_URL says: once per CI run.
@pytest.mark.sqlite_only
def test_smoke_benchmark_measures_every_target_and_writes_its_record(tmp_path):
    finished = subprocess.run(
        [sys.executable, str(BASE_DIR / "bench" / "run.py"), "--smoke", "--output", str(tmp_path)],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]

    [record] = tmp_path.glob("*.json")
    run = json.loads(record.read_text())
    assert run["smoke"] is True
    assert run["ceiling"]["start"]["status"] == 200
    assert run["ceiling"]["requests_per_second"] > 0
    assert "seed" in run["datasets"]
    measured = {(r["dataset"], r["mode"], r["target"]) for r in run["results"]}
    assert measured == {
        (dataset, mode, target)
        for dataset in run["datasets"]
        for mode in ("cold", "warm")
        for target in TARGETS
    }
    for result in run["results"]:
        assert result["error"] is None, result
        assert result["status"] == 200, result
        assert result["requests"] > 0, result
        assert result["p50_ms"] <= result["p99_ms"], result
    warm_pages = [r for r in run["results"] if r["mode"] == "warm" and r["target"] != "static"]
    assert {r["page_cache"] for r in warm_pages} == {"hit"}
    assert run["goals"], "the goals are checked (and reported) even when not met"
    assert run["problems"] == []

    section = (tmp_path / "performance.md").read_text()
    assert f"<!-- bench-run {run['timestamp']} -->" in section
    assert not (BASE_DIR / "docs" / f"performance-{run['timestamp']}.png").exists()
    assert not (BASE_DIR / "bench" / "results" / record.name).exists()
