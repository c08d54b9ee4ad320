"""Where a page's time goes: pyinstrument over N requests, then its SQL, in one process.

    .venv/bin/python bench/profile_page.py /en/ [--dataset large] [--requests 50] [--explain]

Runs the page through Django's full request handling (all middleware; no gunicorn) against a
benchmark database that bench/run.py made, with debug off and the page cache off unless
--warm. Prints pyinstrument's call tree, then the queries of one request, slowest first, and
with --explain PostgreSQL's plan for the slowest. Needs the bench extras:
pip install -e '.[bench]'.
"""

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
DATABASES = {"seed": "newsroom_bench_seed", "large": "newsroom_bench_large"}
# Where a sample's own time (not its callees') is spent, by the file it is in; first match wins.
AREAS = [
    ("waiting for PostgreSQL (psycopg)", ("/psycopg/", "/psycopg_binary/", "/selectors.py")),
    ("Django ORM: compiling SQL", ("/django/db/models/sql/", "/django/db/backends/")),
    ("Django ORM: querysets, expressions, model instances", ("/django/db/",)),
    ("Django templates", ("/django/template/", "/django/templatetags/")),
    ("Django URLs, i18n and translation", ("/django/urls/", "/django/utils/translation/")),
    ("Django other", ("/django/",)),
    ("taggit, imagekit, whitenoise", ("/taggit/", "/imagekit/", "/whitenoise/")),
    ("the app (articles/, newsroom/)", (f"{REPO}/articles/", f"{REPO}/newsroom/")),
    ("other libraries", ("/site-packages/",)),
    ("Python's standard library (copy, re, json, …)", ("/lib/python3",)),
]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/profile_page.py", description=__doc__.split("\n")[0]
    )
    parser.add_argument("path", help="e.g. /en/, /en/tags/<slug>/, /en/search/?q=word")
    parser.add_argument("--dataset", choices=DATABASES, default="large")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
    )
    parser.add_argument("--requests", type=int, default=50, help="Requests to profile.")
    parser.add_argument("--warm", action="store_true", help="With the page cache on.")
    parser.add_argument(
        "--explain",
        type=int,
        nargs="?",
        const=1,
        default=0,
        metavar="N",
        help="EXPLAIN ANALYZE the N slowest queries (default 1).",
    )
    parser.add_argument(
        "--db-options",
        default="",
        metavar="OPTIONS",
        help='PostgreSQL connection options for an experiment, e.g. "-c jit=off".',
    )
    parser.add_argument("--html", type=Path, help="Also write pyinstrument's HTML report here.")
    return parser.parse_args(argv)


def setup(args, workdir: Path) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DATABASE_URL=f"{args.postgres.rstrip('/')}/{DATABASES[args.dataset]}"
        + (f"?{urlencode({'options': args.db_options})}" if args.db_options else ""),
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_PAGE_CACHE="true" if args.warm else "false",
        DJANGO_CACHE_DIR=str(workdir / "cache"),
        DJANGO_STATIC_ROOT=str(workdir / "static"),
        DJANGO_LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(REPO))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("collectstatic", interactive=False, verbosity=0)  # hashed names, as served


def main(argv=None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newsroom-profile-") as workdir:
        setup(args, Path(workdir))
        return profile(args)


def areas(root, elapsed: float) -> str:
    """The profile's time per area (AREAS), largest first: each sample goes to the nearest
    frame on its stack that is Python source (a C function's time goes to its caller)."""
    totals: dict[str, float] = {}
    stack = [(root, "")]
    while stack:
        frame, outer_path = stack.pop()
        path = frame.file_path if frame.file_path and frame.file_path.endswith(".py") else ""
        path = path or outer_path
        if frame.children:
            stack.extend((child, path) for child in frame.children)
            continue
        area = next((name for name, parts in AREAS if any(p in path for p in parts)), "other")
        totals[area] = totals.get(area, 0.0) + frame.time
    lines = ["\nTime by area, all requests:"]
    for name, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        lines.append(f"  {seconds / elapsed:6.1%}  {seconds:7.3f} s  {name}")
    return "\n".join(lines) + "\n"


def profile(args) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    client = Client(HTTP_HOST="127.0.0.1")
    first = client.get(args.path)  # imports, template loading, the first connection
    if first.status_code != 200:
        sys.stderr.write(f"{args.path} answered {first.status_code}, not 200.\n")
        return 1

    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    with profiler:
        for _ in range(args.requests):
            client.get(args.path)
    elapsed = time.perf_counter() - started
    sys.stdout.write(
        f"{args.path} on {args.dataset}, {'warm' if args.warm else 'cold'}: "
        f"{elapsed / args.requests * 1000:.1f} ms per request over {args.requests} "
        f"(in one process, profiler on)\n"
    )
    sys.stdout.write(profiler.output_text(unicode=True, color=False, show_all=False))
    sys.stdout.write(areas(profiler.last_session.root_frame(), elapsed))
    if args.html:
        args.html.write_text(profiler.output_html())

    with CaptureQueriesContext(connection) as queries:
        client.get(args.path)
    timed = sorted(queries.captured_queries, key=lambda q: float(q["time"]), reverse=True)
    total = sum(float(q["time"]) for q in timed) * 1000
    sys.stdout.write(f"\n{len(timed)} queries, {total:.1f} ms in the database; slowest first:\n")
    for query in timed:
        sys.stdout.write(f"{float(query['time']) * 1000:8.1f} ms  {query['sql'][:400]}\n")
    if args.explain and connection.vendor == "postgresql":
        for number, query in enumerate(timed[: args.explain], start=1):
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
            sys.stdout.write(f"\nPlan of query {number} ({float(query['time']) * 1000:.1f} ms):\n")
            sys.stdout.write(f"{query['sql']}\n\n{plan}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
