"""Load with the desk at work: readers at full tilt while editors save articles, and not one
edit lost.

    .venv/bin/python bench/stress.py [--smoke] [--seconds 60] [--connections 64] [--editors 4]
                                     [--think 1.0] [--json PATH]

Starts its own PostgreSQL cluster (initdb in a temporary directory) and its own redis-server,
migrates and loads the seed, and serves the site with gunicorn (2 sync workers, debug off).
Then, once with the page cache on (in Redis) and once with it off:

- readers: `wrk` for --seconds at --connections connections on 127.0.0.1, over the home
  pages, the articles being edited, section, tag, search and feed pages;
- editors, in parallel: each logs in over HTTP (CSRF and all), opens an article's change
  form, changes its body and saves it, again and again, on the same few articles, so that
  some saves are made from a version someone else has saved since. The desk must refuse
  those (its conflict message) and save the rest.

Checks: no 5xx to readers or editors; every save that got its success redirect is in the
article's history with exactly the text sent, at the version after the one its form showed;
versions go up by one per save; the last save is the article's text and is on its public
page; refused saves changed nothing. Prints requests/s, p50 and p99 and the counts; exits 1
if any check fails. Every process it starts, it stops.
"""

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import load
from desk import Editor, Save
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

ARTICLES = [
    "china-helpless-as-russia-courts-north-korea",
    "kim-meets-putin-china-none-of-its-business",
    "china-eloquent-silence-kim-putin",
]
READER_PATHS = [
    "/en/",
    "/de/",
    *(f"/en/articles/{slug}/" for slug in ARTICLES),
    *(f"/de/articles/{slug}/" for slug in ARTICLES),
    "/en/sections/politics/",
    "/en/search/?q=china",
    "/en/feeds/rss.xml",
]
MAX_CONNECTIONS = 256
MAX_SECONDS = 600
# Counts answers by class in every wrk thread and adds them up at the end.
WRK_SCRIPT = """
local paths = {%(paths)s}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) n = math.random(#paths); s5xx = 0; s4xx = 0; s3xx = 0; hits = 0 end
function request()
  n = n %% #paths + 1
  return wrk.format("GET", paths[n])
end
function response(status, headers, body)
  if status >= 500 then s5xx = s5xx + 1
  elseif status >= 400 then s4xx = s4xx + 1
  elseif status >= 300 then s3xx = s3xx + 1 end
  if headers["X-Page-Cache"] == "hit" then hits = hits + 1 end
end
function done(summary, latency, requests)
  local t5, t4, t3, th = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    t5 = t5 + t:get("s5xx"); t4 = t4 + t:get("s4xx"); t3 = t3 + t:get("s3xx")
    th = th + t:get("hits")
  end
  io.write(string.format("ANSWERS 5xx=%%d 4xx=%%d 3xx=%%d hits=%%d\\n", t5, t4, t3, th))
end
"""
HISTORY = """
import json
from articles.models import Article
from articles.editorial.revisions import history
out = {}
for article in Article.objects.filter(slug__in=%(slugs)r):
    out[article.pk] = {
        "slug": article.slug,
        "version": article.version,
        "body": article.body,
        "history": [[v.field_dict.get("version"), v.field_dict.get("body")]
                    for v in history(article)],
    }
print(json.dumps(out))
"""

STARTED = time.monotonic()


def say(message: str) -> None:
    sys.stdout.write(f"[{time.monotonic() - STARTED:5.1f}s] {message}\n")
    sys.stdout.flush()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="bench/stress.py", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--smoke", action="store_true", help="2 s per mode, 4 connections, 2 editors (CI)."
    )
    parser.add_argument("--seconds", type=int, default=60, help="Load per mode. Default: 60.")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections.")
    parser.add_argument("--editors", type=int, default=4, help="Editors saving in parallel.")
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="Mean seconds an editor spends between opening a form and saving it (each wait "
        "is 0.5 to 1.5 times this). Default: 1.",
    )
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    args = parser.parse_args(argv)
    if args.smoke:
        args.seconds, args.connections, args.editors, args.think = 2, 4, 2, 0.2
    if not (1 <= args.seconds <= MAX_SECONDS and 1 <= args.connections <= MAX_CONNECTIONS):
        parser.error(f"--seconds must be 1 to {MAX_SECONDS}, --connections 1 to {MAX_CONNECTIONS}.")
    if not (1 <= args.editors <= 16 and 0 <= args.think <= 60):
        parser.error("--editors must be 1 to 16, --think 0 to 60.")
    if not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install wrk).")
    return args


# Readers ------------------------------------------------------------------------------------


def readers(site: str, seconds: int, connections: int, directory: Path) -> dict:
    script = directory / "readers.lua"
    script.write_text(WRK_SCRIPT % {"paths": ", ".join(f'"{p}"' for p in READER_PATHS)})
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        f"--timeout={load.WRK_TIMEOUT}",
        "--latency",
        "-s",
        str(script),
        site + "/",
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed: {result.stderr or result.stdout}")
    measured = load.parse_wrk(result.stdout).as_dict()
    answers = re.search(r"ANSWERS 5xx=(\d+) 4xx=(\d+) 3xx=(\d+) hits=(\d+)", result.stdout)
    for name, value in zip(("5xx", "4xx", "3xx", "cache hits"), answers.groups(), strict=True):
        measured[name] = int(value)
    return measured


# Editors ------------------------------------------------------------------------------------


class Desk:
    """Editor threads saving the same few articles until told to stop."""

    def __init__(self, site, accounts: list[tuple[str, str]], ids: list[int], mode: str, think):
        self.site, self.ids, self.mode, self.think = site, ids, mode, think
        self.editors = [Editor(site, *account) for account in accounts]
        self.saves: list[Save] = []
        self.errors: list[str] = []
        self.stopping = threading.Event()
        self.lock = threading.Lock()

    def run(self, seconds: float) -> None:
        threads = [
            threading.Thread(target=self.work, args=(n, editor), daemon=True)
            for n, editor in enumerate(self.editors)
        ]
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        self.stopping.set()
        for thread in threads:
            thread.join(timeout=120)

    def work(self, number: int, editor: Editor) -> None:
        status = editor.log_in()
        if status != 302:
            self.note(f"editor {number} could not log in: HTTP {status}")
            return
        chooser = random.Random(number)
        n = 0
        while n == 0 or not self.stopping.is_set():  # at least one edit, however slow
            n += 1
            article = chooser.choice(self.ids)
            status, fields = editor.open_form(article)
            if status != 200 or not fields:
                self.note(f"editor {number}: the change form answered HTTP {status}")
                continue
            # Reading, typing: others may save the same article meanwhile.
            time.sleep(chooser.uniform(0.5, 1.5) * self.think)
            marker = f"edit-{self.mode}-{number}-{n}-{uuid.uuid4().hex[:8]}"
            body = (
                f"Text saved by editor {number} as {marker}.\r\n\r\nSecond paragraph, «ünïcode» ✓."
            )
            save = editor.save(article, fields, body)
            with self.lock:
                self.saves.append(save)
            if save.outcome == "failed":
                self.note(f"editor {number}: save answered HTTP {save.status} {save.detail}")

    def note(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


# The run ------------------------------------------------------------------------------------


def history(env: dict[str, str]) -> dict[int, dict]:
    out = manage(env, "shell", "-c", HISTORY % {"slugs": ARTICLES})
    return {int(pk): value for pk, value in json.loads(out.strip().splitlines()[-1]).items()}


def run(args) -> dict:
    checks: list[tuple[str, bool]] = []

    def check(what: str, ok: bool) -> None:
        checks.append((what, bool(ok)))
        say(f"{'ok  ' if ok else 'FAIL'} {what}")

    accounts = [
        (f"editor{n}", f"a-long-password-{n}-{uuid.uuid4().hex}") for n in range(args.editors)
    ]
    modes: dict[str, dict] = {}
    all_saves: list[Save] = []
    machine_before = machine()
    with tempfile.TemporaryDirectory(prefix="newsroom-stress-") as temporary:
        directory = Path(temporary)
        directory.chmod(0o711)  # the cluster inside runs as the postgres user
        postgres = PostgresCluster(directory / "postgresql", durable=not args.smoke)
        redis = RedisServer(directory / "redis", keep_data=False)
        try:
            say("PostgreSQL: initdb and start a cluster of our own; redis-server")
            postgres.create()
            postgres.start()
            database = postgres.create_database("newsroom_stress")
            redis.start()
            base = site_environment(
                directory, DATABASE_URL=database, REDIS_URL=redis.url, DJANGO_CONN_MAX_AGE="60"
            )
            say("Site: migrate, load the seed, collect static files")
            prepare_site(base, accounts)
            before = history(base)
            ids = sorted(before)
            for mode, page_cache in (("cache on", "true"), ("cache off", "false")):
                env = {**base, "DJANGO_PAGE_CACHE": page_cache}
                name = mode.replace(" ", "-")
                with Gunicorn(name, "newsroom.wsgi", env, cwd=REPO, log_dir=directory) as site:
                    site.wait_until_ready("/en/")
                    say(
                        f"{mode}: wrk -c{args.connections} for {args.seconds} s, "
                        f"{args.editors} editors saving (about {args.think} s per edit)"
                    )
                    desk = Desk(site.url, accounts, ids, name, args.think)
                    editing = threading.Thread(target=desk.run, args=(args.seconds,))
                    editing.start()
                    measured = readers(site.url, args.seconds, args.connections, directory)
                    editing.join()
                    saved = [s for s in desk.saves if s.outcome == "saved"]
                    latest = {}
                    for save in saved:
                        if save.version_sent >= latest.get(save.article, (-1, ""))[0]:
                            latest[save.article] = (save.version_sent, save.body_sent)
                    public = {
                        pk: fetch(f"{site.url}/en/articles/{before[pk]['slug']}/") for pk in latest
                    }
                    log = site.log.read_text(errors="replace")
                modes[mode] = {
                    "readers": measured,
                    "saves": len(saved),
                    "conflicts": sum(s.outcome == "conflict" for s in desk.saves),
                    "failed saves": sum(s.outcome == "failed" for s in desk.saves),
                    "editor errors": desk.errors[:20],
                    "tracebacks in log": log.count("Traceback"),
                }
                all_saves += desk.saves
                marker = {
                    pk: body.split(" as ")[1].split(".")[0] for pk, (_v, body) in latest.items()
                }
                check(
                    f"{mode}: the last save of each article is on its public page right after",
                    all(
                        status == 200 and marker[pk] in html.decode()
                        for pk, (status, _headers, html) in public.items()
                    ),
                )
            after = history(base)
        finally:
            redis.stop()
            postgres.stop()

    for mode, figures in modes.items():
        check(f"{mode}: readers got no 5xx", figures["readers"]["5xx"] == 0)
        check(f"{mode}: no reader's connection failed", figures["readers"]["socket_errors"] == 0)
        check(f"{mode}: editors saved", figures["saves"] > 0)
        check(
            f"{mode}: every save was either saved or refused as stale (no error)",
            figures["failed saves"] == 0 and not figures["editor errors"],
        )
        check(f"{mode}: no traceback in the server's log", figures["tracebacks in log"] == 0)

    lost, corrupted, wrong_versions = [], [], []
    for pk in ids:
        saved = sorted(
            (s for s in all_saves if s.article == pk and s.outcome == "saved"),
            key=lambda s: s.version_sent,
        )
        start = before[pk]["version"]
        if [s.version_sent for s in saved] != list(range(start, start + len(saved))):
            wrong_versions.append(pk)
        if after[pk]["version"] != start + len(saved):
            wrong_versions.append(pk)
        recorded = {}
        for version, body in after[pk]["history"]:
            recorded.setdefault(version, body)
        for save in saved:
            if save.version_sent + 1 not in recorded:
                lost.append((pk, save.version_sent))
            elif not same_text(recorded[save.version_sent + 1], save.body_sent):
                corrupted.append((pk, save.version_sent))
        if saved and not same_text(after[pk]["body"], saved[-1].body_sent):
            corrupted.append((pk, "current text"))
    check("every successful save is in the history, at the version after the one it saw", not lost)
    check("every saved text is exactly the text sent, and the last one is current", not corrupted)
    check(
        "versions went up by exactly one per save; refused saves changed nothing",
        not wrong_versions,
    )

    return {
        "script": "bench/stress.py",
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "smoke": args.smoke,
        "seconds": args.seconds,
        "connections": args.connections,
        "editors": args.editors,
        "think_seconds": args.think,
        "machine": machine_before,
        "commit": commit(),
        "modes": modes,
        "lost": lost,
        "corrupted": corrupted,
        "checks": [{"check": what, "ok": ok} for what, ok in checks],
        "ok": all(ok for _what, ok in checks),
    }


def marker_of(body: str) -> str:
    return body.split(" as ")[1].split(".")[0]


def same_text(stored: str, sent: str) -> bool:
    """Exactly the text sent, but for line breaks: browsers send CRLF, the desk keeps LF."""
    return stored == sent.replace("\r\n", "\n")


def table(record: dict) -> str:
    lines = [
        "| Page cache | Requests/s | p50 ms | p99 ms | Requests | 5xx | 4xx | Socket errors "
        "| Cache hits | Saves | Refused as stale | Failed saves |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for mode, figures in record["modes"].items():
        r = figures["readers"]
        lines.append(
            f"| {mode} | {r['requests_per_second']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} "
            f"| {r['requests']} | {r['5xx']} | {r['4xx']} | {r['socket_errors']} "
            f"| {r['cache hits']} | {figures['saves']} | {figures['conflicts']} "
            f"| {figures['failed saves']} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    record = run(args)
    return finish(record, table(record), args.json)


if __name__ == "__main__":
    sys.exit(main())
