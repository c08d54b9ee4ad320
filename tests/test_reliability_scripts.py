"""The outage and stress scripts keep working: `bench/outage.py --smoke` and
`bench/stress.py --smoke`, as CI runs them.

Each makes a PostgreSQL cluster and a redis-server of its own, so both run once per CI run
(on the SQLite pass) and side by side, to keep the wait short. Seconds-long phases: they check
that every step ran and every check held, never how fast.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def smoke_runs(tmp_path_factory):
    missing = [tool for tool in ("redis-server", "wrk") if not shutil.which(tool)]
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        missing.append("PostgreSQL's initdb in /usr/lib/postgresql")
    if missing:
        pytest.fail(f"Not installed: {', '.join(missing)} (.ci/run installs them).")
    directory = tmp_path_factory.mktemp("reliability")
    runs = {}
    for script in ("outage", "stress"):
        record = directory / f"{script}.json"
        runs[script] = (
            subprocess.Popen(
                [sys.executable, f"bench/{script}.py", "--smoke", "--json", str(record)],
                cwd=BASE_DIR,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            ),
            record,
        )
    finished = {}
    for script, (process, record) in runs.items():
        try:
            output, _ = process.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            process.kill()  # the script stops what it started in its own `finally`
            output, _ = process.communicate()
        finished[script] = (process.returncode, output, record)
    return finished


def result(smoke_runs, script):
    returncode, output, record = smoke_runs[script]
    assert returncode == 0, output[-4000:]
    return json.loads(record.read_text())


@pytest.mark.sqlite_only
def test_the_outage_script_stops_and_starts_postgresql_and_redis_and_every_check_holds(
    smoke_runs,
):
    run = result(smoke_runs, "outage")

    assert run["ok"] is True
    assert all(check["ok"] for check in run["checks"]), run["checks"]
    down = run["phases"]["PostgreSQL down"]
    assert down.get("cached: 200 hit", 0) > 0
    assert down.get("uncached: 503 + Retry-After", 0) > 0
    assert run["phases"]["Redis down"].get("cached: 200 bypass", 0) > 0
    assert run["log_lines"]["traceback"] == 0


@pytest.mark.sqlite_only
def test_the_stress_script_loads_the_site_while_editors_save_and_loses_nothing(smoke_runs):
    run = result(smoke_runs, "stress")

    assert run["ok"] is True
    assert set(run["modes"]) == {"cache on", "cache off"}
    for figures in run["modes"].values():
        assert figures["readers"]["requests"] > 0
        assert figures["readers"]["5xx"] == 0
        assert figures["saves"] > 0
    assert run["lost"] == [] and run["corrupted"] == []


@pytest.mark.sqlite_only
def test_the_heavy_input_script_finds_every_request_bounded(tmp_path):
    record = tmp_path / "heavy.json"

    finished = subprocess.run(
        [sys.executable, "bench/heavy.py", "--smoke", "--json", str(record)],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=240,
    )

    assert finished.returncode == 0, finished.stdout[-4000:] + finished.stderr[-4000:]
    run = json.loads(record.read_text())
    assert run["ok"] is True
    assert set(run["databases"]["sqlite"]) == {"preview", "tags", "search"}
