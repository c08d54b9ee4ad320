"""The live newsroom: readers on a realistic mix of pages while an editor saves every few seconds.

    .venv/bin/python bench/live.py [--articles 3000 [100000]] [--duration 20] [--edit-interval 3]

For each dataset (PostgreSQL newsroom_live_<N>, generated once and kept between runs), serves
the site under gunicorn (2 sync workers, debug off, page cache on: files in a fresh directory,
or --redis-url), asks for every page of the readers' mix of bench/mix.py once (home pages,
the hottest articles, a long tail; each must answer 200), and loads it with wrk over that mix:
first with nobody editing, then while bench/live_editor.py edits an article through the
editorial actions every --edit-interval seconds. The one-view ceiling app is measured first
and last. Writes bench/results/live-<stamp>.json, a section of
docs/performance.md under "Live newsroom" and docs/performance-live-<stamp>.png; see
bench/README.md. Every process it starts, it stops.
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import live_report
import load
import mix
from datasets import (
    PostgreSQL,
    finish,
    keep_or_generate,
    manage,
    probe,
    script_json,
    start_manage,
)
from harness import environment, measure_ceiling, record, say
from machine import load_average, machine, revision
from servers import WORKERS, Gunicorn, fetch

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PHASES = ("no edits", "edits")
WARM_UP_SECONDS = 5  # the mix under wrk, unmeasured, once every page was asked for
CHECKED_TAIL = 100  # with --cold-tail: long-tail pages checked (all home and hot pages are)
SAMPLE_EVERY = 0.25  # seconds between the sampler's requests (each waits its turn, too)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/live.py", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--articles", type=int, nargs="+", default=[3000], help="Dataset sizes, e.g. 3000 100000."
    )
    parser.add_argument("--duration", type=int, default=20, help="Seconds of load per phase.")
    parser.add_argument("--connections", type=int, default=16, help="Concurrent connections.")
    parser.add_argument(
        "--edit-interval", type=float, default=3.0, help="Seconds between the editor's saves."
    )
    parser.add_argument("--seed", type=int, default=0, help="Chooses the pages and edits.")
    parser.add_argument(
        "--cold-tail",
        action="store_true",
        help="Do not ask for every page before measuring (only the home and hot pages and "
        f"{CHECKED_TAIL} of the long tail): the long tail is then mostly rendered under load.",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server (no database name) for the benchmark's own databases.",
    )
    parser.add_argument(
        "--redis-url",
        default="",
        help="Keep the page cache in this Redis instead of files in a fresh directory.",
    )
    parser.add_argument(
        "--output", type=Path, help="Write the JSON, Markdown and plot here, not in the repo."
    )
    parser.add_argument(
        "--note", default="", help="A word on the run for the record, e.g. what shared the machine."
    )
    args = parser.parse_args(argv)
    if min(args.articles) < 1 or args.duration < 1 or args.connections < 1:
        parser.error("--articles, --duration and --connections must be 1 or more.")
    if args.edit_interval <= 0:
        parser.error("--edit-interval must be more than 0.")
    args.load_generator = "wrk"  # harness.measure_ceiling's; the mix needs wrk's scripts
    return args


def database(articles: int) -> str:
    return f"newsroom_live_{articles}"


def build_mix(env: dict[str, str], seed: int) -> dict:
    return script_json("mix.py", "--seed", str(seed), env=env)


# While the load runs -------------------------------------------------------------------------


class Sampler(threading.Thread):
    """Requests of its own beside wrk's, one every SAMPLE_EVERY seconds, drawn from the mix as
    wrk's are: how many of each group came from the page cache (X-Page-Cache: hit) and how
    many were rendered (miss)."""

    def __init__(self, site: str, the_mix: dict, seed: str):
        super().__init__(daemon=True)
        self.site, self.mix, self.rng = site, the_mix, random.Random(seed)
        self.counts = {group: {"hit": 0, "miss": 0} for group in the_mix["groups"]}
        self.other, self.failed = 0, 0
        self.finished = threading.Event()

    def run(self) -> None:
        while not self.finished.wait(SAMPLE_EVERY):
            group, path = mix.draw(self.mix, self.rng)
            try:
                status, headers, _body = fetch(self.site + path, timeout=30)
            except OSError:
                status, headers = 0, {}
            self.failed += status != 200
            answer = headers.get("X-Page-Cache")
            if answer in ("hit", "miss"):
                self.counts[group][answer] += 1
            else:
                self.other += 1

    def stop(self) -> dict:
        self.finished.set()
        self.join(timeout=60)
        hits = sum(count["hit"] for count in self.counts.values())
        sampled = hits + sum(count["miss"] for count in self.counts.values())
        return {
            "hit": hits,
            "miss": sampled - hits,
            "hit_ratio": round(hits / sampled, 3) if sampled else None,
            "groups": self.counts,
            "other": self.other,
            "not 200": self.failed,
        }


class EditorProcess:
    """bench/live_editor.py with the server's environment, stopped by its PID."""

    def __init__(self, env: dict[str, str], editor: dict, interval: float, seed: int, log: Path):
        self.env, self.log = env, log
        self.command = [
            sys.executable,
            str(BENCH / "live_editor.py"),
            *("--hot", ",".join(map(str, editor["hot"]))),
            *("--tail", ",".join(map(str, editor["tail"]))),
            *("--interval", str(interval)),
            *("--seed", str(seed)),
        ]
        self.process: subprocess.Popen | None = None

    def __enter__(self):
        with self.log.open("w") as out, self.log.with_suffix(".err").open("w") as errors:
            self.process = subprocess.Popen(
                self.command,
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=errors,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + 60
        while '"ready"' not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"The editor did not start:\n{self.log.with_suffix('.err').read_text()}"
                )
            time.sleep(0.1)
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # it finishes the save under way
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)

    def saves(self) -> list[dict]:
        lines = self.log.read_text().splitlines()
        return [entry for entry in map(json.loads, lines) if "save" in entry]


def phase(args, server: Gunicorn, script: Path, the_mix: dict, name: str) -> dict:
    """The mix under wrk for --duration seconds, with the sampler beside it."""
    # Its own draws in each phase: pages it asked for before would be cached by its asking.
    sampler = Sampler(server.url, the_mix, f"sampler {args.seed} {name}")
    sampler.start()
    try:
        measured = load.run_wrk(
            server.url + "/", duration=args.duration, connections=args.connections, script=script
        ).as_dict()
    finally:
        page_cache = sampler.stop()
    return {**measured, "page_cache": page_cache}


def check_pages(server: Gunicorn, paths: list[str]) -> list[str]:
    """Ask for each page once, as many at a time as gunicorn has workers: each must answer
    200. The page cache keeps each (the readers' steady state, before any edit)."""

    def answer(path: str) -> str | None:
        try:
            status = fetch(server.url + path, timeout=60)[0]
        except OSError as error:
            status = f"no answer ({error})"
        return None if status == 200 else f"{path} answered {status}"

    with ThreadPoolExecutor(WORKERS) as pool:
        return [failure for failure in pool.map(answer, paths) if failure]


def measure_dataset(args, env, workdir: Path, articles: int, url: str, the_mix: dict) -> dict:
    """The mix without edits, then with them, on one server with the page cache on."""
    name = f"live-{articles}"
    site = {
        **env,
        "DATABASE_URL": url,
        "DJANGO_PAGE_CACHE": "true",
        "DJANGO_CACHE_DIR": str(workdir / f"cache-{name}"),
    }
    if args.redis_url:
        site["REDIS_URL"] = args.redis_url
    script = workdir / f"mix-{articles}.lua"
    script.write_text(mix.lua_script(the_mix))
    outcome = {"results": [], "problems": []}
    with Gunicorn(name, "newsroom.wsgi:application", site, cwd=REPO, log_dir=workdir) as server:
        server.wait_until_ready("/en/")
        if args.redis_url:
            # Pages cached by an earlier run against another database must not be served.
            code = "from articles.cache import content_changed; content_changed()"
            manage("shell", "-c", code, env=site)
        groups = the_mix["groups"]
        if args.cold_tail:
            tail = random.Random(args.seed).sample(
                groups["tail"], min(CHECKED_TAIL, len(groups["tail"]))
            )
            checked = groups["home"] + groups["hot"] + tail
        else:
            checked = mix.paths(the_mix)
        say(f"  Asking for {len(checked):,} pages of the mix once")
        failed = check_pages(server, checked)
        outcome["checked"] = len(checked)
        if failed:
            outcome["problems"] += [f"{articles:,} articles: {line}" for line in failed]
            say(f"  {len(failed)} of {len(checked):,} pages checked did not answer 200")
            return outcome
        say(f"  {len(checked):,} pages: all 200; the mix for {WARM_UP_SECONDS} s, unmeasured")
        outcome["warm_up"] = load.run_wrk(
            server.url + "/", duration=WARM_UP_SECONDS, connections=args.connections, script=script
        ).as_dict()
        for name_of_phase in PHASES:
            if name_of_phase == "edits":
                log = workdir / f"editor-{articles}.log"
                editor = EditorProcess(site, the_mix["editor"], args.edit_interval, args.seed, log)
                with editor:
                    result = phase(args, server, script, the_mix, name_of_phase)
                saves = editor.saves()
                result["saves"] = sum(save["outcome"] == "saved" for save in saves)
                result["refused"] = [save for save in saves if save["outcome"] != "saved"]
                result["save_seconds_max"] = max((save["seconds"] for save in saves), default=None)
            else:
                result = phase(args, server, script, the_mix, name_of_phase)
            result.update(dataset=articles, phase=name_of_phase)
            outcome["results"].append(result)
            say(
                f"  {name_of_phase:<9} {result['requests_per_second']:8,.0f} req/s  "
                f"p50 {result['p50_ms']:7.1f} ms  p99 {result['p99_ms']:7.1f} ms  "
                f"sampled hits {result['page_cache']['hit']}/"
                f"{result['page_cache']['hit'] + result['page_cache']['miss']}"
                + (f"  saves {result['saves']}" if "saves" in result else "")
            )
    return outcome


def problems_of(results: list[dict]) -> list[str]:
    found = []
    for result in results:
        where = f"{result['dataset']:,} articles, {result['phase']}"
        if result["requests"] < 1:
            found.append(f"{where}: no request completed under load")
        if result["non_2xx_3xx"]:
            found.append(f"{where}: {result['non_2xx_3xx']} answers were not 2xx/3xx")
        if result["page_cache"]["not 200"]:
            found.append(f"{where}: {result['page_cache']['not 200']} sampled pages were not 200")
        if result["phase"] == "edits" and (result["saves"] < 1 or result["refused"]):
            found.append(f"{where}: {result['saves']} saves, {len(result['refused'])} refused")
    return found


def main(argv=None) -> int:
    args = parse_args(argv)
    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    generator = load.wrk_version()
    if generator is None:
        say("wrk is not installed (apt-get install wrk): the readers' mix is a wrk script.")
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-live-"))
    env = environment(workdir)
    say(f"Live newsroom {stamp}; working in {workdir}")
    succeeded = False
    collecting = start_manage("collectstatic", "--no-input", "--verbosity", "0", env=env)
    try:
        server = PostgreSQL(args.postgres, owned=[database(n) for n in args.articles])
        datasets, mixes = {}, {}
        for articles in args.articles:
            keep_or_generate(server, database(articles), articles, env, say)
            dataset_env = {**env, "DATABASE_URL": server.url(database(articles))}
            mixes[articles] = build_mix(dataset_env, args.seed)
            datasets[str(articles)] = {
                "articles": articles,
                "published": probe("count", dataset_env)["published"],
                "database": database(articles),
                "pages": {group: len(paths) for group, paths in mixes[articles]["groups"].items()},
                "hot": mixes[articles]["groups"]["hot"],
            }
        finish(collecting)
        run = {
            "timestamp": stamp,
            "date": started.strftime("%Y-%m-%d %H:%M UTC"),
            "revision": revision(),
            "note": args.note,
            "machine": machine(f"PostgreSQL {server.version()}", generator),
            "options": {
                "workers": WORKERS,
                "duration": args.duration,
                "connections": args.connections,
                "edit_interval": args.edit_interval,
                "warm_up": WARM_UP_SECONDS,
                "cold_tail": args.cold_tail,
                "cache": "Redis" if args.redis_url else "files",
                "seed": args.seed,
                "shares": mix.SHARES,
            },
            "datasets": datasets,
            "results": [],
            "problems": [],
        }
        say("Measuring the ceiling")
        ceiling_start = measure_ceiling(args, env, workdir)
        for articles in args.articles:
            say(f"Measuring the mix on {articles:,} articles")
            url = server.url(database(articles))
            outcome = measure_dataset(args, env, workdir, articles, url, mixes[articles])
            datasets[str(articles)]["checked"] = outcome.get("checked", 0)
            datasets[str(articles)]["warm_up"] = outcome.get("warm_up")
            run["results"] += outcome["results"]
            run["problems"] += outcome["problems"]
        say("Measuring the ceiling again")
        ceiling_end = measure_ceiling(args, env, workdir)
        run["machine"]["load_after"] = load_average()
        ceiling = (ceiling_start["requests_per_second"] + ceiling_end["requests_per_second"]) / 2
        run["ceiling"] = {
            "requests_per_second": ceiling,
            "start": ceiling_start,
            "end": ceiling_end,
        }
        live_report.add_ratios(run)
        run["goals"] = live_report.check_goals(run)
        run["problems"] += problems_of(run["results"])

        record(run, live_report, f"live-{stamp}", stamp, args.output)
        if run["problems"]:
            say("Problems:\n  " + "\n  ".join(run["problems"]))
            return 1
        succeeded = True
        return 0
    finally:
        if collecting.poll() is None:
            collecting.kill()
            collecting.wait()
        if succeeded:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            say(f"Server logs and files kept in {workdir}")


if __name__ == "__main__":
    sys.exit(main())
