"""What every benchmark run does the same way: progress lines, the environment its servers
get, one target checked then loaded, the ceiling measured, and the run's record written."""

import os
import secrets
import sys
import time
from pathlib import Path

import load
import report
from servers import Gunicorn, fetch

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
# Variables of the caller's shell that would change what is measured; the servers get none.
INHERITED_SETTINGS = ("DJANGO_", "NEWSROOM_", "DATABASE_URL", "REDIS_URL")

STARTED = time.monotonic()


def say(message: str) -> None:
    """A line of progress, stamped with the seconds since the run started."""
    sys.stdout.write(f"[{time.monotonic() - STARTED:5.0f}s] {message}\n" if message else "\n")
    sys.stdout.flush()


def environment(workdir: Path) -> dict[str, str]:
    """The servers' and manage.py's environment: the caller's without its site settings, debug
    off, plain HTTP on 127.0.0.1, a random secret key, static files collected into `workdir`."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(INHERITED_SETTINGS)
    }
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_STATIC_ROOT=str(workdir / "static"),
        DJANGO_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


ANSWER_TIMEOUT = 60  # seconds; gunicorn's own worker timeout (30 s) comes first


def measure_target(args, server: Gunicorn, path: str, label: str, after_failure=None) -> dict:
    """One request (the warm-up, for a warm server), one more that must be a 200 (and, for a
    warm page, a page-cache hit), then the load. A target that does not answer is recorded as
    such, with no figures, and the run goes on."""
    url = server.url + path
    record = {"url": path, "status": None, "error": None, "requests": 0}
    try:
        for _attempt in ("warm-up", "check"):
            started = time.monotonic()
            status, headers, body = fetch(url, timeout=ANSWER_TIMEOUT)
            record.update(status=status, bytes=len(body), page_cache=headers.get("X-Page-Cache"))
            if status != 200:
                took = time.monotonic() - started
                record["error"] = f"answered {status}, not 200, after {took:.1f} s"
                break
    except OSError as error:
        record["error"] = f"no answer within {ANSWER_TIMEOUT} s: {error}"
    if record["error"] is None:
        try:
            measured = load.measure(
                url, duration=args.duration, connections=args.connections, tool=args.load_generator
            )
        except (RuntimeError, ValueError, OSError) as error:
            record["error"] = f"load generator: {error}"
        else:
            record.update(measured.as_dict())
    if record["error"]:
        say(f"  {label:<19} FAILED: {record['error']}  ({path})")
        if after_failure:
            after_failure()
    else:
        say(
            f"  {label:<19} {record['requests_per_second']:8,.0f} req/s  "
            f"p50 {record['p50_ms']:7.1f} ms  p99 {record['p99_ms']:7.1f} ms  ({path})"
        )
    return record


def measure_ceiling(args, env, workdir) -> dict:
    ceiling_env = {**env, "DJANGO_SETTINGS_MODULE": "ceiling.settings"}
    with Gunicorn(
        "ceiling", "ceiling.wsgi:application", ceiling_env, cwd=BENCH, log_dir=workdir
    ) as server:
        server.wait_until_ready("/")
        result = measure_target(args, server, "/", "ceiling")
    if result["error"]:
        raise RuntimeError(f"The ceiling app failed: {result['error']}\n{server.tail()}")
    return result


def record(run: dict, writer, name: str, stamp: str, output: Path | None) -> None:
    """Write a run's record: `name`.json in bench/results, its plot and its section of
    docs/performance.md (or all three in `output`), with `writer`'s plot(), markdown() and
    update_doc() (report.py, live_report.py)."""
    results_dir = output or BENCH / "results"
    plot_path = (output or REPO / "docs") / f"performance-{name}.png"
    plotted = writer.plot(run, plot_path)
    if not plotted:
        say("No plot: matplotlib is not installed (pip install -e '.[bench]').")
    report.write_json(run, results_dir / f"{name}.json")
    section = writer.markdown(run, plot_path.name if plotted else None)
    doc = (output / "performance.md") if output else REPO / "docs" / "performance.md"
    writer.update_doc(doc, section, stamp)
    say("")
    say(section)
    say(f"Results: {results_dir / f'{name}.json'}; doc: {doc}")
