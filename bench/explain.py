"""The query plans behind the public pages and the desk's filters, on a benchmark database.

    .venv/bin/python bench/explain.py [--dataset large] [--output docs/query-plans.md]

Requests each page below through Django's full request handling (debug off, page cache off),
captures its SQL, and has PostgreSQL run every query again under EXPLAIN (ANALYZE, BUFFERS).
Writes a Markdown record: per page, its queries with their time and the plan's access paths,
and the whole plan of every query that took more than SLOW_MS. The desk's pages are requested
as a superuser made for the occasion inside a transaction that is rolled back, so the database
is left as it was. Run bench/run.py first: it makes the databases.
"""

import argparse
import os
import re
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATABASES = {"seed": "newsroom_bench_seed", "large": "newsroom_bench_large"}
SLOW_MS = 5.0
ACCESS = re.compile(
    r"(Seq Scan|Parallel Seq Scan|Index Only Scan|Index Scan|Bitmap Index Scan)"
    r"(?: using (\S+))? on (\S+)|Bitmap Index Scan on (\S+)"
)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/explain.py", description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", choices=DATABASES, default="large")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
    )
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "query-plans.md")
    sys.path.insert(0, str(REPO / "bench"))
    return parser.parse_args(argv)


def setup(args, workdir: Path) -> None:
    """As bench/profile_page.py sets up (cold, debug off), on a migrated database."""
    import profile_page

    profile_page.setup(argparse.Namespace(**vars(args), db_options="", warm=False), workdir)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)  # as bench/run.py does each run


def pages() -> list[tuple[str, str]]:
    """(what, path) of every page whose plans matter, chosen from the data like bench/probe.py."""
    import probe
    from django.urls import reverse

    from articles.models import Article, Author, Section

    targets = probe.targets()
    published = Article.objects.published()
    section = Section.objects.order_by("pk").first()
    author = Author.objects.filter(bylines__article__in=published).order_by("pk").first()
    lead = published.order_by("-published_at").first()
    word = targets["rare search"].split("q=")[1]
    admin = reverse("admin:articles_article_changelist")
    translations = reverse("admin:articles_articletranslation_changelist")
    return [
        ("Article page", targets["article"]),
        ("Home", "/en/"),
        ("German home", "/de/"),
        ("Section", section.get_absolute_url()),
        ("Largest tag", targets["tag"]),
        ("Author", author.get_absolute_url()),
        ("Month archive", f"/en/archive/{lead.published_at.year}/{lead.published_at.month}/"),
        ("Search, common word", targets["search"]),
        ("Search, rare word", targets["rare search"]),
        ("Corrections", "/en/corrections/"),
        ("RSS", "/en/feeds/rss.xml"),
        ("News sitemap", "/sitemap-news.xml"),
        ("Desk: articles", admin),
        ("Desk: in review", f"{admin}?state=review"),
        ("Desk: scheduled", f"{admin}?state=scheduled"),
        ("Desk: a section", f"{admin}?section__id__exact={section.pk}"),
        ("Desk: German", f"{admin}?language=de"),
        ("Desk: search", f"{admin}?q={word}"),
        ("Desk: stale translations", f"{translations}?stale=yes"),
    ]


def explain(sql: str) -> tuple[float, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    took = float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))
    return took, plan


def access_paths(plan: str) -> str:
    found = []
    for line in plan.splitlines():
        match = re.search(r"(Parallel Seq Scan|Seq Scan) on (\w+)", line)
        if match:
            found.append(f"**seq scan {match.group(2)}**")
            continue
        match = re.search(
            r"(Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)?"
            r"(?: using)? (?:on )?(\w+)",
            line,
        )
        if match:
            found.append(match.group(2))
    return ", ".join(dict.fromkeys(found)) or "—"


def record(args) -> str:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    lines = [
        "# Query plans",
        "",
        f"Written by `bench/explain.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC against "
        f"`{DATABASES[args.dataset]}`. Every query of each page, run again under `EXPLAIN "
        "(ANALYZE, BUFFERS)`: its execution time and the indexes it reads (a sequential scan "
        f"in bold); whole plans for queries over {SLOW_MS:g} ms. How to read them and what was "
        "done about them: [performance.md](performance.md).",
        "",
    ]
    slow = []

    class Done(Exception):
        pass

    try:
        with transaction.atomic():
            user = get_user_model().objects.create_superuser(
                f"explain-{secrets.token_hex(4)}", password=secrets.token_urlsafe(20)
            )
            client = Client(HTTP_HOST="127.0.0.1")
            client.force_login(user)
            for what, path in pages():
                # Public pages as readers get them: without the session cookie.
                reader = not path.startswith("/admin")
                session = client.cookies.pop("sessionid", None) if reader else None
                client.get(path)  # warm the caches of templates and connections
                started = time.perf_counter()
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(path)
                elapsed = (time.perf_counter() - started) * 1000
                if session is not None:
                    client.cookies["sessionid"] = session
                lines += [
                    f"## {what}",
                    "",
                    f"`{path}`: {response.status_code}, {len(queries)} queries, "
                    f"{elapsed:.0f} ms in one process.",
                    "",
                    "| ms | reads | query |",
                    "| ---: | --- | --- |",
                ]
                for query in queries.captured_queries:
                    sql = query["sql"]
                    if not sql.lstrip().upper().startswith("SELECT"):
                        continue
                    took, plan = explain(sql)
                    short = re.sub(r"\s+", " ", sql)[:110].replace("|", "\\|")
                    lines.append(f"| {took:.1f} | {access_paths(plan)} | `{short}…` |")
                    if took > SLOW_MS:
                        slow.append((what, took, sql, plan))
                lines.append("")
            raise Done
    except Done:
        pass
    if slow:
        lines += ["## Whole plans of the slower queries", ""]
        for what, took, sql, plan in slow:
            lines += [
                f"### {what}: {took:.1f} ms",
                "",
                "```sql",
                sql,
                "```",
                "",
                "```",
                plan,
                "```",
                "",
            ]
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newsroom-explain-") as workdir:
        setup(args, Path(workdir))
        text = record(args)
    args.output.write_text(text)
    sys.stdout.write(f"Wrote {args.output}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
