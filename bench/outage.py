"""Outages, for real: PostgreSQL and then Redis stopped and started again under live traffic.

    .venv/bin/python bench/outage.py [--smoke] [--seconds 10] [--clients 8] [--json PATH]

Starts its own PostgreSQL cluster (initdb in a temporary directory) and its own redis-server,
migrates and loads the seed, and serves the site with gunicorn (2 sync workers, debug off,
the page cache in Redis). Readers' requests flow all along, to pages the cache holds and to
pages it cannot hold (a new search each time); an editor's session asks for the desk. Then:

1. PostgreSQL stopped: cached pages answer 200, everything else the 503 page with
   Retry-After; no 500, no traceback in the log.
2. PostgreSQL started again: 200 everywhere, without restarting anything; an edit made now
   is on the public page at once.
3. Redis stopped: every page 200, from the database (X-Page-Cache: bypass); an edit made
   during the outage is on the public page at once.
4. Redis started again with what it held before (its old pages and content token): the
   edit made during the outage is still what readers see, and pages come from the cache again.

Prints a table of what readers got in each phase and the checks; exits 1 if any check fails.
Every process it starts, it stops.
"""

import argparse
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from desk import Editor
from servers import Gunicorn, fetch
from services import (
    REPO,
    PostgresCluster,
    RedisServer,
    commit,
    finish,
    machine,
    manage,
    prepare_site,
    site_environment,
)

CACHED = ["/en/", "/de/", "/en/articles/china-eloquent-silence-kim-putin/"]
EDITED = "china-eloquent-silence-kim-putin"
EDITOR = ("desk", "a-long-outage-password")
PHASES = [
    "warm-up",
    "PostgreSQL stopping",
    "PostgreSQL down",
    "PostgreSQL starting",
    "PostgreSQL back",
    "Redis stopping",
    "Redis down",
    "Redis starting",
    "Redis back",
    "in flight across a change",
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="bench/outage.py", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="1-second phases, 2 clients (CI).")
    parser.add_argument("--seconds", type=int, default=10, help="Length of each phase.")
    parser.add_argument("--clients", type=int, default=8, help="Concurrent readers.")
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    args = parser.parse_args(argv)
    if args.smoke:
        args.seconds, args.clients = 1, 2
    if not (1 <= args.seconds <= 120 and 1 <= args.clients <= 64):
        parser.error("--seconds must be 1 to 120, --clients 1 to 64.")
    return args


STARTED = time.monotonic()


def say(message: str) -> None:
    sys.stdout.write(f"[{time.monotonic() - STARTED:5.1f}s] {message}\n")
    sys.stdout.flush()


class Readers:
    """Reader threads requesting pages until stopped; what they got is counted per phase."""

    def __init__(self, site: str, clients: int):
        self.site, self.clients = site, clients
        self.phase = "warm-up"
        self.counts: dict[str, Counter] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self.read, args=(n,), daemon=True) for n in range(clients)
        ]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def read(self, client: int) -> None:
        n = 0
        while not self.stopping.is_set():
            n += 1
            if n % 4:
                kind, path = "cached", CACHED[(n + client) % len(CACHED)]
            else:  # a search nobody made before: never in the cache
                kind, path = "uncached", f"/en/search/?q=outage{client}x{n}"
            phase = self.phase
            try:
                status, headers, _body = fetch(self.site + path, timeout=30)
            except OSError:
                outcome = "no answer"
            else:
                outcome = classify(status, headers)
            if self.phase != phase:  # the phase changed while this request was answered
                phase = "in flight across a change"
            with self.lock:
                self.counts.setdefault(phase, Counter())[(kind, outcome)] += 1


def classify(status: int, headers: dict[str, str]) -> str:
    if status == 503:
        return "503 + Retry-After" if headers.get("Retry-After") else "503 without Retry-After"
    if status == 200:
        return f"200 {headers.get('X-Page-Cache', '')}".strip()
    return str(status)


def edit(env: dict[str, str], headline: str) -> None:
    manage(
        env,
        "shell",
        "-c",
        "from articles.models import Article;"
        f"a = Article.objects.get(slug={EDITED!r}); a.headline = {headline!r}; a.save()",
    )


def shows(site: str, headline: str) -> bool:
    status, _headers, body = fetch(f"{site}/en/articles/{EDITED}/")
    return status == 200 and headline in body.decode()


def run(args) -> dict:
    checks: list[tuple[str, bool]] = []

    def check(what: str, ok: bool) -> None:
        checks.append((what, bool(ok)))
        say(f"{'ok  ' if ok else 'FAIL'} {what}")

    machine_before = machine()
    with tempfile.TemporaryDirectory(prefix="newsroom-outage-") as temporary:
        directory = Path(temporary)
        directory.chmod(0o711)  # the cluster inside runs as the postgres user
        postgres = PostgresCluster(directory / "postgresql", durable=not args.smoke)
        redis = RedisServer(directory / "redis", keep_data=True)
        site = None
        try:
            say("PostgreSQL: initdb and start a cluster of our own")
            postgres.create()
            postgres.start()
            database = postgres.create_database("newsroom_outage")
            redis.start()
            env = site_environment(
                directory,
                DATABASE_URL=database,
                REDIS_URL=redis.url,
                DJANGO_PAGE_CACHE="true",
                DJANGO_CONN_MAX_AGE="60",
            )
            say("Site: migrate, load the seed, collect static files")
            prepare_site(env, [EDITOR])
            site = Gunicorn("outage", "newsroom.wsgi", env, cwd=REPO, log_dir=directory)
            site.start()
            site.wait_until_ready("/en/")
            workers = sorted(site.worker_pids())
            editor = Editor(site.url, *EDITOR)
            check("the editor logs in", editor.log_in() == 302)
            for path in CACHED:
                fetch(site.url + path)

            with Readers(site.url, args.clients) as readers:
                time.sleep(args.seconds)

                readers.phase = "PostgreSQL stopping"
                say("PostgreSQL: stop (fast: connections are cut)")
                postgres.stop()
                readers.phase = "PostgreSQL down"
                time.sleep(args.seconds)
                desk_status = editor.request("/admin/articles/article/")[0]
                check("the desk answers 503 while PostgreSQL is down", desk_status == 503)

                say("PostgreSQL: start again")
                readers.phase = "PostgreSQL starting"
                postgres.start()
                readers.phase = "PostgreSQL back"
                edit(env, "Edited after PostgreSQL came back")
                check(
                    "an edit made when PostgreSQL is back is on the public page at once",
                    shows(site.url, "Edited after PostgreSQL came back"),
                )
                check(
                    "the desk works again without a restart",
                    editor.request("/admin/articles/article/")[0] == 200,
                )
                time.sleep(args.seconds)

                readers.phase = "Redis stopping"
                say("Redis: stop")
                redis.stop()
                readers.phase = "Redis down"
                edit(env, "Edited while Redis was down")
                check(
                    "an edit made while Redis is down is on the public page at once",
                    shows(site.url, "Edited while Redis was down"),
                )
                time.sleep(args.seconds)

                say("Redis: start again, with what it held before")
                readers.phase = "Redis starting"
                redis.start()
                readers.phase = "Redis back"
                check(
                    "after Redis returns, readers see the edit made while it was down",
                    shows(site.url, "Edited while Redis was down"),
                )
                time.sleep(max(args.seconds, 3))  # past the page cache's retry pause
            check("no worker was restarted", sorted(site.worker_pids()) == workers)
        finally:
            if site is not None:
                site.stop()
            redis.stop()
            postgres.stop()
        log = site.log.read_text(errors="replace") if site else ""

    counts = readers.counts
    tally = {phase: summarise(counts[phase]) for phase in PHASES if phase in counts}

    def got(phase, kind, outcome):
        return counts.get(phase, Counter())[(kind, outcome)]

    def total(phase, kind=None):
        return sum(n for (k, _o), n in counts.get(phase, Counter()).items() if kind in (None, k))

    down = "PostgreSQL down"
    check(
        "PostgreSQL down: every cached page answered 200",
        total(down, "cached") > 0 and got(down, "cached", "200 hit") == total(down, "cached"),
    )
    check(
        "PostgreSQL down: every other page answered 503 with Retry-After",
        total(down, "uncached") > 0
        and got(down, "uncached", "503 + Retry-After") == total(down, "uncached"),
    )
    for phase in ("warm-up", "PostgreSQL back", "Redis down", "Redis back"):
        ok = sum(n for (_k, o), n in counts.get(phase, Counter()).items() if o.startswith("200"))
        check(f"{phase}: every request answered 200", total(phase) > 0 and ok == total(phase))
    check(
        "Redis down: pages came from the database (bypass)",
        got("Redis down", "cached", "200 bypass") > 0,
    )
    check("Redis back: pages come from the cache again", got("Redis back", "cached", "200 hit") > 0)
    answers = {outcome for counter in counts.values() for (_kind, outcome) in counter}
    check(
        "in every phase, even while stopping and starting: no 500, no 503 without "
        "Retry-After, no dropped connection",
        all(o == "503 + Retry-After" or o.startswith("200") for o in answers),
    )
    check("no traceback in the server's log", "Traceback" not in log)
    return {
        "script": "bench/outage.py",
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "smoke": args.smoke,
        "seconds_per_phase": args.seconds,
        "clients": args.clients,
        "machine": machine_before,
        "commit": commit(),
        "phases": tally,
        "log_lines": {
            "database unavailable": log.count("Database unavailable"),
            "cache unavailable": log.count("The cache is unavailable"),
            "traceback": log.count("Traceback"),
        },
        "checks": [{"check": what, "ok": ok} for what, ok in checks],
        "ok": all(ok for _what, ok in checks),
    }


def summarise(counter: Counter) -> dict[str, int]:
    return {f"{kind}: {outcome}": n for (kind, outcome), n in sorted(counter.items())}


def table(record: dict) -> str:
    lines = ["| Phase | Requests | Outcomes |", "| --- | ---: | --- |"]
    for phase, outcomes in record["phases"].items():
        described = ", ".join(f"{what} × {n}" for what, n in outcomes.items())
        lines.append(f"| {phase} | {sum(outcomes.values())} | {described} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    record = run(args)
    lines = ", ".join(f"{k}: {v}" for k, v in record["log_lines"].items())
    return finish(record, table(record), args.json, f"Log lines: {lines}")


if __name__ == "__main__":
    sys.exit(main())
