"""Services that stop answering without going away, as production meets them.

- PostgreSQL frozen (its postmaster and backends stopped with SIGSTOP: connections are taken,
  queries sent, nothing answers): readers get the 503 page with Retry-After within seconds,
  pages the page cache holds are still served, and the site is back by itself once the
  database thaws. Before the deadlines (newsroom/postgresql/base.py), two searches held both
  gunicorn workers until gunicorn killed them, and a cached page got no answer at all.
- Redis restarted with its data, or frozen and resumed, while an edit was made: no process
  serves the page from before the edit afterwards, not even one that never saw the outage.

Each test runs servers of its own (a PostgreSQL cluster made with initdb, a redis-server, the
site under gunicorn) on free ports of 127.0.0.1, and stops them by their PIDs. What a reader
waits is bounded by the request timeouts below, never asserted as a figure.
"""

import contextlib
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import OperationalError, connections

from articles.errors import database_unavailable
from newsroom.postgresql import base as deadlines

from .test_outages import RedisServer, gunicorn, manage, server_environment, static_root

BASE_DIR = Path(__file__).resolve().parent.parent
ARTICLE = "/en/articles/china-eloquent-silence-kim-putin/"
HEADLINE = "China’s eloquent silence on Kim and Putin"
# A reader's patience: an answer must come before this, whatever the database does.
READER_TIMEOUT = 15

# Servers of their own whatever the suite's database: once per CI run is enough.
pytestmark = pytest.mark.sqlite_only

__all__ = ["static_root"]  # the module's fixture, shared with tests/test_outages.py


def fetch(url: str, timeout: float = READER_TIMEOUT) -> tuple[int, dict[str, str], str]:
    """The answer to a GET; a timeout (no answer in time) raises and fails the test."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def poll(url: str, until, seconds: float = 30) -> tuple[int, dict[str, str], str]:
    """The first answer for which until(answer) holds, asked every half second for `seconds`;
    the last answer if none did."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            answer = fetch(url)
        except OSError as error:
            answer = (0, {}, str(error))
        if until(answer) or time.monotonic() > deadline:
            return answer
        time.sleep(0.5)


# PostgreSQL frozen --------------------------------------------------------------------------


def postgres_tools() -> Path:
    sys.path.insert(0, str(BASE_DIR / "bench"))
    try:
        from services import POSTGRES_BIN
    finally:
        sys.path.remove(str(BASE_DIR / "bench"))
    if not (POSTGRES_BIN / "initdb").exists():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL's initdb is not in {POSTGRES_BIN}; CI must install it.")
        pytest.skip(f"PostgreSQL's initdb is not in {POSTGRES_BIN}.")
    return POSTGRES_BIN


@pytest.fixture
def cluster():
    """A PostgreSQL cluster of the test's own (bench/services.py), on a free port."""
    postgres_tools()
    sys.path.insert(0, str(BASE_DIR / "bench"))
    try:
        from services import PostgresCluster
    finally:
        sys.path.remove(str(BASE_DIR / "bench"))
    directory = Path(tempfile.mkdtemp(prefix="newsroom-frozen-"))
    directory.chmod(0o711)  # the cluster inside runs as the postgres user
    postgres = PostgresCluster(directory / "postgresql", durable=False)
    try:
        postgres.create()
        postgres.start()
        yield postgres
    finally:
        thaw(postgres)
        postgres.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)


def cluster_processes(postgres) -> list[int]:
    """The postmaster's PID and those of its children (backends, background processes)."""
    pid_file = postgres.data / "postmaster.pid"
    if not pid_file.exists():
        return []
    postmaster = int(pid_file.read_text().split()[0])
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster:
            children.append(int(entry.name))
    return [postmaster, *children]


def freeze(postgres) -> None:
    for pid in cluster_processes(postgres):
        os.kill(pid, signal.SIGSTOP)


def thaw(postgres) -> None:
    for pid in cluster_processes(postgres):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)


@pytest.fixture
def silent_server():
    """A server that takes connections and never answers (the kernel completes them; nothing
    reads them), as a frozen PostgreSQL does; its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        deadlines._Unanswered.clear()  # this process's pause must not outlive the test


@pytest.mark.django_db  # lets connections be made at all (pytest-django blocks them)
def test_a_database_that_never_answers_fails_the_connection_and_is_not_asked_again_at_once(
    silent_server,
):
    silent = deadlines.DatabaseWrapper(
        {
            **connections["default"].settings_dict,
            "ENGINE": "newsroom.postgresql",
            "HOST": "127.0.0.1",
            "PORT": silent_server,
            "NAME": "newsroom_silent",
            "USER": "postgres",
            "PASSWORD": "",
            "CONN_MAX_AGE": 0,
            "OPTIONS": {"connect_timeout": 2, "answer_timeout": 3},
        },
        "silent",
    )
    try:
        with pytest.raises(OperationalError) as first:
            silent.ensure_connection()
        with pytest.raises(OperationalError) as second:
            silent.ensure_connection()  # within the pause: not asked, no wait
    finally:
        silent.close()

    assert database_unavailable(first.value)  # so readers get the 503 page
    assert "timeout" in str(first.value)
    assert "did not answer a moment ago" in str(second.value)


def test_a_frozen_database_costs_readers_seconds_and_the_site_comes_back_when_it_thaws(
    cluster, static_root, tmp_path
):
    env = server_environment(
        DATABASE_URL=cluster.create_database("newsroom_frozen"),
        DJANGO_STATIC_ROOT=str(static_root),
        DJANGO_CACHE_DIR=str(tmp_path / "cache"),
        DJANGO_PAGE_CACHE="true",
        DJANGO_CONN_MAX_AGE="60",  # the default: each worker keeps its connection
    )
    manage(env, "migrate", "--no-input")
    manage(env, "loaddata", "seed_articles")
    log = tmp_path / "gunicorn.log"

    with gunicorn(env, log, workers=2) as site:
        fetch(site + "/en/")
        assert fetch(site + "/en/")[1]["X-Page-Cache"] == "hit"
        for number in range(6):  # both workers now hold a connection
            assert fetch(site + f"/en/search/?q=before{number}")[0] == 200

        freeze(cluster)
        try:
            answers = {}

            def ask(name, url):
                answers[name] = fetch(site + url)  # raises if no answer in READER_TIMEOUT

            searches = [
                threading.Thread(target=ask, args=(f"search {n}", f"/en/search/?q=frozen{n}"))
                for n in range(2)
            ]
            for search in searches:
                search.start()
            time.sleep(0.5)  # both workers are now asking the frozen database
            ask("cached home", "/en/")
            for search in searches:
                search.join(READER_TIMEOUT + 5)
            ask("article", ARTICLE)  # cached by nobody yet: needs the database
        finally:
            thaw(cluster)

        back = poll(site + "/en/search/?q=thawed", lambda answer: answer[0] == 200)
        story = fetch(site + ARTICLE)

    home = answers["cached home"]
    assert home[0] == 200
    assert home[1]["X-Page-Cache"] == "hit"
    for name in ("search 0", "search 1", "article"):
        status, headers, html = answers[name]
        assert status == 503, name
        assert int(headers["Retry-After"]) > 0
        assert "Back in a moment" in html
    assert back[0] == 200, "the site recovers by itself once the database answers again"
    assert story[0] == 200
    assert HEADLINE in story[2]
    logged = log.read_text()
    assert "Traceback" not in logged
    assert "WORKER TIMEOUT" not in logged, "no worker was held until gunicorn killed it"
    assert "PostgreSQL did not answer" in logged


# Redis back with its data ----------------------------------------------------------------------


CREATE_EDITS = (
    "from articles.models import Article;"
    "a = Article.objects.get(slug='china-eloquent-silence-kim-putin');"
    "a.headline = '{headline}'; a.save()"
)


def sites_sharing_redis(env, tmp_path, count):
    """`count` gunicorn servers of one worker each: app processes sharing one database and one
    Redis, as several machines would."""
    from contextlib import ExitStack

    stack = ExitStack()
    urls = [stack.enter_context(gunicorn(env, tmp_path / f"site{n}.log")) for n in range(count)]
    return stack, urls


@pytest.mark.parametrize("outage", ["restart", "freeze"])
def test_no_process_serves_a_page_from_before_an_edit_made_while_redis_was_away(
    outage, static_root, tmp_path
):
    redis = RedisServer(tmp_path / "redis")  # keeps its data across a restart (RDB)
    env = server_environment(
        DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}",
        REDIS_URL=redis.url,
        DJANGO_PAGE_CACHE="true",
        DJANGO_STATIC_ROOT=str(static_root),
    )
    manage(env, "migrate", "--no-input")
    manage(env, "loaddata", "seed_articles")
    pages = (ARTICLE, "/en/")  # both show the headline

    redis.start()
    stack, sites = sites_sharing_redis(env, tmp_path, 3)
    try:
        with stack:
            for site in sites:
                for page in pages:
                    fetch(site + page)
                assert fetch(site + ARTICLE)[1]["X-Page-Cache"] == "hit"

            # No app process asks Redis while it is away: none of them sees the outage. The
            # edit is made by a process of its own, which has ended when Redis is back.
            if outage == "restart":
                redis.stop()  # saves what it holds: the token and the pages from before
                manage(env, "shell", "-c", CREATE_EDITS.format(headline="Edited while away"))
                redis.start()
            else:
                os.kill(redis.process.pid, signal.SIGSTOP)
                try:
                    manage(env, "shell", "-c", CREATE_EDITS.format(headline="Edited while away"))
                finally:
                    os.kill(redis.process.pid, signal.SIGCONT)

            after = [fetch(site + page) for _ in range(3) for site in sites for page in pages]
            cached_again = [fetch(site + ARTICLE) for site in sites]
    finally:
        redis.stop()

    stale = [html for _status, _headers, html in after if "Edited while away" not in html]
    assert [status for status, _headers, _html in after] == [200] * len(after)
    assert stale == [], f"{len(stale)} of {len(after)} reads served the page from before"
    for status, headers, html in cached_again:
        assert status == 200
        assert headers["X-Page-Cache"] == "hit", "the cache serves again once it is back"
        assert "Edited while away" in html
    for n in range(3):
        assert "Traceback" not in (tmp_path / f"site{n}.log").read_text()
