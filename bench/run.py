"""Benchmark the readers' site under gunicorn: one command, see bench/README.md.

    .venv/bin/python bench/run.py [--smoke] [--articles 100000] [--duration 10] [--connections 16]

Sets up its own databases (PostgreSQL newsroom_bench_seed and newsroom_bench_large; with
--smoke, SQLite files in a temporary directory), serves the site and a one-view ceiling app
under gunicorn on free ports of 127.0.0.1, measures every target cold and warm with wrk, checks
the goals, and records the run. Every process it starts, it stops.
"""

import argparse
import os
import re
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import load
import report
from datasets import PostgreSQL, finish, generate, keep_or_generate, manage, probe, start_manage
from harness import environment, measure_ceiling, measure_target, record, say
from machine import load_average, machine, revision
from servers import WORKERS, Gunicorn, fetch

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
GENERATOR = REPO / "articles" / "management" / "commands" / "generate_newsroom.py"
DATABASES = {"seed": "newsroom_bench_seed", "large": "newsroom_bench_large"}
SMOKE_ARTICLES = 50


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


def prepare_postgresql(args, env: dict[str, str]):
    """Fill newsroom_bench_seed from the seed and newsroom_bench_large from the generator,
    reusing the large one when it already holds the requested number of articles."""
    server = PostgreSQL(args.postgres, owned=DATABASES.values())
    urls = {name: server.url(database) for name, database in DATABASES.items()}

    say(f"Database {DATABASES['seed']}: the seed articles")
    server.recreate(DATABASES["seed"])
    seed_env = {**env, "DATABASE_URL": urls["seed"]}
    manage("migrate", "--no-input", "--verbosity", "0", env=seed_env)
    manage("loaddata", "seed_articles", "--verbosity", "0", env=seed_env)

    keep_or_generate(server, DATABASES["large"], args.articles, env, say)
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


# Measuring -----------------------------------------------------------------------------------


def site_env(env, database_url: str, mode: str, workdir: Path, name: str, redis_url: str):
    site = {
        **env,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DATABASE_URL": database_url,
        "DJANGO_PAGE_CACHE": "true" if mode == "warm" else "false",
        "DJANGO_FRAGMENT_CACHE": "false" if mode == "rendered" else "true",
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
    worker. Under the main load (more connections than workers) p99 is mostly queueing.

    The main load leaves the workers a backlog (the requests of its 16 connections still
    queued when it stopped, each answered though nobody waits for it): 3 s unmeasured first,
    or the first requests measured here wait behind it (a p99 of 219 ms, p50 36 ms, for a
    search whose p99 alone is ~50 ms)."""
    load.measure(
        server.url + path,
        duration=min(3, args.duration),
        connections=WORKERS,
        tool=args.load_generator,
    )
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

    env = environment(workdir)
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

        record(run, report, stamp, stamp, output)
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
