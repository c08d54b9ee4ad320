"""Benchmark the readers' site under gunicorn: one command, see bench/README.md.

    .venv/bin/python bench/run.py [--smoke] [--articles 100000] [--duration 10] [--connections 16]

Sets up its own databases (PostgreSQL newsroom_bench_seed and newsroom_bench_large; with
--smoke, SQLite files in a temporary directory), serves the site and a one-view ceiling app
under gunicorn on free ports of 127.0.0.1, measures every target cold and warm with wrk, checks
the goals, and records the run. Every process it starts, it stops.
"""

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import load
import report
from servers import WORKERS, Gunicorn, fetch

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
MANAGE = [sys.executable, str(REPO / "manage.py")]
GENERATOR = REPO / "articles" / "management" / "commands" / "generate_newsroom.py"
DATABASES = {"seed": "newsroom_bench_seed", "large": "newsroom_bench_large"}
SMOKE_ARTICLES = 50
# Variables of the caller's shell that would change what is measured; the servers get none.
INHERITED_SETTINGS = ("DJANGO_", "NEWSROOM_", "DATABASE_URL", "REDIS_URL")


STARTED = time.monotonic()


def say(message: str) -> None:
    """A line of progress, stamped with the seconds since the run started."""
    sys.stdout.write(f"[{time.monotonic() - STARTED:5.0f}s] {message}\n" if message else "\n")
    sys.stdout.flush()


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="CI's check that the harness works: SQLite, a tiny dataset, 1-second runs; "
        "never fails on speed, writes only to a temporary directory (or --output).",
    )
    parser.add_argument("--articles", type=int, default=100_000, help="Large dataset size.")
    parser.add_argument("--duration", type=int, default=10, help="Seconds of load per target.")
    parser.add_argument("--connections", type=int, default=16, help="Concurrent connections.")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server (no database name) for the benchmark's own databases.",
    )
    parser.add_argument(
        "--redis-url",
        default="",
        help="Keep the page cache in this Redis (e.g. redis://127.0.0.1:6379/0) instead of "
        "the default, files in a fresh temporary directory per server.",
    )
    parser.add_argument(
        "--search",
        metavar="WORDS",
        help="Search for this instead of the commonest longer word in recent English headlines.",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="Write the JSON, Markdown and plot here instead of bench/results/ and docs/.",
    )
    parser.add_argument(
        "--load-generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help=argparse.SUPPRESS,
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.articles = SMOKE_ARTICLES
        args.duration = 1
        args.connections = min(args.connections, 2)
    if args.articles < 1 or args.duration < 1 or args.connections < 1:
        parser.error("--articles, --duration and --connections must be 1 or more.")
    return args


# Databases -----------------------------------------------------------------------------------


def manage(*args: str, env: dict[str, str], capture: bool = False) -> str:
    result = subprocess.run(
        [*MANAGE, *args],
        cwd=REPO,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return result.stdout or ""


def start_manage(*args: str, env: dict[str, str]) -> subprocess.Popen:
    """manage.py in the background, to overlap with other setup; see finish()."""
    return subprocess.Popen([*MANAGE, *args], cwd=REPO, env=env, stdin=subprocess.DEVNULL)


def finish(process: subprocess.Popen) -> None:
    if process.wait() != 0:
        raise subprocess.CalledProcessError(process.returncode, process.args)


def probe(what: str, env: dict[str, str]) -> dict:
    result = subprocess.run(
        [sys.executable, str(BENCH / "probe.py"), what],
        cwd=REPO,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE,
    )
    return json.loads(result.stdout)


def generate(articles: int, env: dict[str, str]) -> None:
    """The synthetic newsroom, its authors, tags and sections in the generator's proportions
    (100,000 articles: 2,000 authors, 5,000 tags, 20 sections)."""
    manage(
        "generate_newsroom",
        "--articles",
        str(articles),
        "--authors",
        str(max(5, articles // 50)),
        "--tags",
        str(max(10, articles // 20)),
        "--sections",
        str(min(20, max(3, articles // 5_000))),
        "--translated",
        "0.3",
        "--seed",
        "0",
        # Bulk inserts of 100,000 articles and their indexes: statements longer than the
        # site's deadline (DJANGO_DB_STATEMENT_TIMEOUT) are expected here.
        env={**env, "DJANGO_DB_STATEMENT_TIMEOUT": "0"},
    )


class PostgreSQL:
    """The benchmark's own databases on a PostgreSQL server; it touches no others."""

    def __init__(self, server_url: str):
        import psycopg

        self.server_url = server_url.rstrip("/")
        self.psycopg = psycopg

    def url(self, name: str) -> str:
        return f"{self.server_url}/{name}"

    def execute(self, sql: str, database: str = "postgres", params=()) -> list:
        with self.psycopg.connect(self.url(database), autocommit=True) as connection:
            cursor = connection.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def version(self) -> str:
        return self.execute("SHOW server_version")[0][0]

    def exists(self, name: str) -> bool:
        return bool(self.execute("SELECT 1 FROM pg_database WHERE datname = %s", params=(name,)))

    def cancel_queries(self, name: str) -> None:
        """Cancel the queries still running in one of the benchmark's databases: gunicorn's
        timeout ends a worker, not its query, which would go on taking a core from the next
        measurement."""
        assert name in DATABASES.values(), name  # never anyone else's
        self.execute(
            "SELECT pg_cancel_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND state = 'active' AND pid <> pg_backend_pid()",
            params=(name,),
        )

    def recreate(self, name: str) -> None:
        assert name in DATABASES.values(), name  # never anyone else's
        self.execute(f'DROP DATABASE IF EXISTS "{name}"')
        self.execute(f'CREATE DATABASE "{name}"')


def prepare_postgresql(args, env: dict[str, str]):
    """Fill newsroom_bench_seed from the seed and newsroom_bench_large from the generator,
    reusing the large one when it already holds the requested number of articles."""
    server = PostgreSQL(args.postgres)
    urls = {name: server.url(database) for name, database in DATABASES.items()}

    say(f"Database {DATABASES['seed']}: the seed articles")
    server.recreate(DATABASES["seed"])
    seed_env = {**env, "DATABASE_URL": urls["seed"]}
    manage("migrate", "--no-input", "--verbosity", "0", env=seed_env)
    manage("loaddata", "seed_articles", "--verbosity", "0", env=seed_env)

    large_env = {**env, "DATABASE_URL": urls["large"]}
    have = None
    if server.exists(DATABASES["large"]):
        manage("migrate", "--no-input", "--verbosity", "0", env=large_env)
        have = probe("count", large_env)["synthetic"]
    if have == args.articles:
        say(f"Database {DATABASES['large']}: already holds {have:,} synthetic articles")
    else:
        say(f"Database {DATABASES['large']}: generating {args.articles:,} articles")
        server.recreate(DATABASES["large"])
        manage("migrate", "--no-input", "--verbosity", "0", env=large_env)
        generate(args.articles, large_env)
        # Planner statistics once, after the bulk load; a kept database has them already
        # (ANALYZE of the search expression indexes takes most of a minute at 100,000).
        server.execute("VACUUM ANALYZE", DATABASES["large"])
    server.execute("ANALYZE", DATABASES["seed"])
    return urls, f"PostgreSQL {server.version()}", server


def prepare_sqlite(args, env: dict[str, str], workdir: Path):
    """Smoke: SQLite files, migrated once and copied; the large one only if the generator is
    there (it is being written next to this harness)."""
    import sqlite3

    base = workdir / "migrated.sqlite3"
    manage(
        "migrate",
        "--no-input",
        "--verbosity",
        "0",
        env={**env, "DATABASE_URL": f"sqlite:///{base}"},
    )
    names = ["seed", "large"] if GENERATOR.exists() else ["seed"]
    urls = {}
    for name in names:
        path = workdir / f"{name}.sqlite3"
        shutil.copyfile(base, path)
        urls[name] = f"sqlite:///{path}"
    seed_env = {**env, "DATABASE_URL": urls["seed"]}
    loading = start_manage("loaddata", "seed_articles", "--verbosity", "0", env=seed_env)
    if "large" in urls:
        generate(args.articles, {**env, "DATABASE_URL": urls["large"]})
    finish(loading)
    return urls, f"SQLite {sqlite3.sqlite_version}", None


# The machine ---------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown CPU"
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else platform.processor() or "unknown CPU"


def memory() -> str:
    try:
        match = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
    except OSError:
        return "unknown memory"
    return f"{int(match.group(1)) / 1024**2:.0f} GiB memory" if match else "unknown memory"


def uname() -> str:
    try:
        result = subprocess.run(["uname", "-a"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return " ".join(part for part in platform.uname() if part)
    return result.stdout.strip()


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def revision() -> str:
    """The commit measured, and the files of the work tree that differed from it (the
    benchmark's own bench/ and docs/ left out: it writes there itself)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
    except OSError:
        return "unknown"
    paths = [line[3:] for line in changed if not line[3:].startswith(("bench/", "docs/"))]
    if not paths:
        return commit or "unknown"
    shown = ", ".join(f"`{path}`" for path in paths[:5])
    more = f" and {len(paths) - 5} more" if len(paths) > 5 else ""
    return f"{commit} with uncommitted changes to {shown}{more}"


def machine(database_version: str, generator: str) -> dict:
    import django
    import gunicorn

    return {
        "uname": uname(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory": memory(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "database": database_version,
        "load_generator": generator,
        "load_before": load_average(),
    }


# Measuring -----------------------------------------------------------------------------------


def site_env(env, database_url: str, mode: str, workdir: Path, name: str, redis_url: str):
    site = {
        **env,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DATABASE_URL": database_url,
        "DJANGO_PAGE_CACHE": "true" if mode == "warm" else "false",
        "DJANGO_CACHE_DIR": str(workdir / f"cache-{name}"),
    }
    if redis_url:
        site["REDIS_URL"] = redis_url
    return site


def static_path(home_html: str) -> str:
    match = re.search(r'href="(/static/[^"]*site\.[0-9a-f]+\.css)"', home_html)
    if not match:
        match = re.search(r'href="(/static/[^"]+\.css)"', home_html)
    if not match:
        raise RuntimeError("The home page links no stylesheet under /static/.")
    return match.group(1)


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


def measure_site(
    args, env, workdir, dataset, database_url, mode, paths, after_failure=None
) -> list[dict]:
    name = f"{dataset}-{mode}"
    server_env = site_env(env, database_url, mode, workdir, name, args.redis_url)
    results = []
    with Gunicorn(
        name, "newsroom.wsgi:application", server_env, cwd=REPO, log_dir=workdir
    ) as server:
        server.wait_until_ready("/en/")
        if mode == "warm" and args.redis_url:
            # Pages cached by an earlier run against another database must not be served.
            manage(
                "shell",
                "-c",
                "from articles.cache import content_changed; content_changed()",
                env=server_env,
            )
        if "static" not in paths:
            paths["static"] = static_path(fetch(server.url + "/en/")[2].decode())
        for target in report.TARGETS:
            label = f"{dataset} {mode} {target}"
            result = measure_target(args, server, paths[target], label, after_failure)
            if target in report.LATENCY_TARGETS and mode == "cold" and not result["error"]:
                result["unqueued"] = measure_unqueued(args, server, paths[target], label)
            results.append({"dataset": dataset, "mode": mode, "target": target, **result})
    return results


def measure_unqueued(args, server: Gunicorn, path: str, label: str) -> dict:
    """A search's own latency: as many connections as workers, so no request waits for a
    worker. Under the main load (more connections than workers) p99 is mostly queueing."""
    measured = load.measure(
        server.url + path, duration=args.duration, connections=WORKERS, tool=args.load_generator
    ).as_dict()
    say(
        f"  {label + ', unqueued':<19} {measured['requests_per_second']:8,.0f} req/s  "
        f"p50 {measured['p50_ms']:7.1f} ms  p99 {measured['p99_ms']:7.1f} ms  "
        f"({WORKERS} connections)"
    )
    return measured


def problems(run: dict) -> list[str]:
    """What makes a run unusable, whatever the speed: a target that did not answer 200, or
    answered nothing under load."""
    found = []
    expected = {(d, m, t) for d in run["datasets"] for m in report.MODES for t in report.TARGETS}
    got = {(r["dataset"], r["mode"], r["target"]) for r in run["results"]}
    found += [f"no figures for {' '.join(missing)}" for missing in sorted(expected - got)]
    for result in run["results"]:
        where = " ".join(result[key] for key in ("dataset", "mode", "target"))
        if result["error"]:
            found.append(f"{where}: {result['error']}")
        elif result["requests"] < 1:
            found.append(f"{where}: no request completed under load")
        elif result["non_2xx_3xx"]:
            found.append(f"{where}: {result['non_2xx_3xx']} answers under load were not 2xx/3xx")
    return found


def main(argv=None) -> int:
    args = parse_args(argv)
    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-bench-"))
    generator = load.wrk_version() if args.load_generator != "python" else None
    if generator is None:
        if not args.smoke:
            say("wrk is not installed (apt-get install wrk); only --smoke runs without it.")
            return 2
        args.load_generator = "python"
        generator = "the Python fallback load generator (no wrk)"
    if not args.smoke and not GENERATOR.exists():
        say(f"The large dataset needs {GENERATOR.relative_to(REPO)}, which is not there yet.")
        return 2

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
    output = args.output
    if output is None and args.smoke:
        output = Path(tempfile.mkdtemp(prefix="newsroom-bench-smoke-"))
    succeeded = False
    say(f"Benchmark {stamp}{' (smoke)' if args.smoke else ''}; working in {workdir}")
    collecting = None
    try:
        collecting = start_manage("collectstatic", "--no-input", "--verbosity", "0", env=env)
        if args.smoke:
            urls, database_version, database_server = prepare_sqlite(args, env, workdir)
        else:
            urls, database_version, database_server = prepare_postgresql(args, env)
        finish(collecting)
        datasets = {}
        for name, url in urls.items():
            info = probe("info", {**env, "DATABASE_URL": url})
            articles = info["synthetic"] if name == "large" else info["published"]
            datasets[name] = {
                "articles": articles,
                "published": info["published"],
                "paths": {"home": "/en/", **info["targets"]},
            }
            if args.search:
                datasets[name]["paths"]["search"] = f"/en/search/?{urlencode({'q': args.search})}"

        run = {
            "timestamp": stamp,
            "date": started.strftime("%Y-%m-%d %H:%M UTC"),
            "smoke": args.smoke,
            "revision": revision(),
            "machine": machine(database_version, generator),
            "options": {
                "workers": WORKERS,
                "duration": args.duration,
                "connections": args.connections,
                "cache": "Redis" if args.redis_url else "files",
                "load_generator": args.load_generator,
            },
            "datasets": datasets,
            "results": [],
        }
        say("Measuring the ceiling")
        ceiling_start = measure_ceiling(args, env, workdir)
        for dataset, url in urls.items():
            paths = datasets[dataset]["paths"]
            for mode in report.MODES:
                say(f"Measuring {dataset} ({datasets[dataset]['articles']:,} articles), {mode}")
                cancel = database_server and (
                    lambda name=DATABASES[dataset]: database_server.cancel_queries(name)
                )
                run["results"] += measure_site(
                    args, env, workdir, dataset, url, mode, paths, after_failure=cancel
                )
        # Once more at the end, to show drift on a busy machine; the smoke run needs it not.
        ceiling_end = ceiling_start
        if not args.smoke:
            say("Measuring the ceiling again")
            ceiling_end = measure_ceiling(args, env, workdir)
        run["machine"]["load_after"] = load_average()
        ceiling = (ceiling_start["requests_per_second"] + ceiling_end["requests_per_second"]) / 2
        run["ceiling"] = {
            "requests_per_second": ceiling,
            "start": ceiling_start,
            "end": ceiling_end,
        }
        for result in run["results"]:
            if not result["error"]:
                result["ratio_to_ceiling"] = round(result["requests_per_second"] / ceiling, 5)
        run["goals"] = report.check_goals(run)
        run["problems"] = problems(run)

        results_dir = output or BENCH / "results"
        plot_path = (output or REPO / "docs") / f"performance-{stamp}.png"
        plotted = report.plot(run, plot_path)
        if not plotted:
            say("No plot: matplotlib is not installed (pip install -e '.[bench]').")
        report.write_json(run, results_dir / f"{stamp}.json")
        section = report.markdown(run, plot_path.name if plotted else None)
        doc = (output / "performance.md") if output else REPO / "docs" / "performance.md"
        report.update_doc(doc, section, stamp)
        say("")
        say(section)
        say(f"Results: {results_dir / f'{stamp}.json'}; doc: {doc}")
        if run["problems"]:
            say("Problems:\n  " + "\n  ".join(run["problems"]))
            return 1
        succeeded = True
        return 0
    finally:
        if collecting is not None and collecting.poll() is None:
            collecting.kill()
            collecting.wait()
        if succeeded:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            say(f"Server logs and files kept in {workdir}")


if __name__ == "__main__":
    sys.exit(main())
