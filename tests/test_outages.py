"""Outages: the database or the cache stops while the site serves.

PostgreSQL unreachable: readers and editors get the designed 503 page with Retry-After (never a
traceback), pages the page cache holds are still served, and the site recovers without a
restart. Redis unreachable: the site keeps serving from the database, fresh.

The database "stops" for real: the default connection is pointed at a port nothing listens on
(on SQLite runs too, with PostgreSQL's backend), or at a proxy the test cuts.
"""

import http.cookiejar
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connections
from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLWrapper
from django.test import Client

from articles.cache import freshness as page_cache

from .factories import make_article, make_staff
from .ports import free_ports
from .tcp_proxy import TcpProxy

BASE_DIR = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


@contextmanager
def database_stopped():
    """Within the block, the default database is a PostgreSQL server that is not running."""
    [port] = free_ports(1)
    real = connections["default"]
    unreachable = PostgreSQLWrapper(
        {
            **real.settings_dict,
            "ENGINE": "django.db.backends.postgresql",
            "HOST": "127.0.0.1",
            "PORT": port,
            "NAME": "newsroom_stopped",
            "USER": "postgres",
            "PASSWORD": "",
            "OPTIONS": {"connect_timeout": 2},
        },
        "default",
    )
    connections["default"] = unreachable
    try:
        yield
    finally:
        unreachable.close()
        connections["default"] = real


@pytest.fixture
def database_down():
    with database_stopped():
        yield


@pytest.fixture
def reader():
    # As in production: an exception becomes the error page, it is not re-raised in the test.
    return Client(raise_request_exception=False)


def assert_outage_page(response, language="en"):
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert 'class="masthead"' in html, "the page is in the site's design"
    assert "Traceback" not in html
    assert "OperationalError" not in html


def test_readers_get_a_503_page_with_retry_after_while_the_database_is_down(reader, database_down):
    for url in ("/en/", "/en/articles/some-story/", "/en/search/?q=election", "/sitemap.xml"):
        response = reader.get(url)

        assert_outage_page(response)
        assert "Back in a moment" in response.content.decode()


def test_the_outage_page_is_in_the_readers_language(reader, database_down):
    response = reader.get("/de/")

    assert_outage_page(response, language="de")
    assert "Gleich wieder da" in response.content.decode()


def test_an_outage_is_logged_once_in_one_line_without_a_traceback(reader, database_down, caplog):
    with caplog.at_level(logging.INFO):
        reader.get("/en/")

    problems = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(problems) == 1, [record.getMessage() for record in problems]
    [record] = problems
    assert record.exc_info is None
    assert "\n" not in record.getMessage()
    assert "Database unavailable" in record.getMessage()
    assert "/en/" in record.getMessage()


def test_pages_the_page_cache_holds_are_served_during_the_outage(reader, page_cache_on):
    article = make_article(headline="Kept in the cache")
    assert reader.get("/en/").status_code == 200
    assert reader.get(article.get_absolute_url()).status_code == 200

    with database_stopped():
        home = reader.get("/en/")
        story = reader.get(article.get_absolute_url())
        not_cached = reader.get("/en/search/?q=kept")

    assert home.status_code == 200
    assert home["X-Page-Cache"] == "hit"
    assert "Kept in the cache" in story.content.decode()
    assert story.status_code == 200
    assert_outage_page(not_cached)


def test_an_error_page_is_never_kept_by_the_page_cache(reader, page_cache_on, database_down):
    assert reader.get("/en/").status_code == 503
    assert reader.get("/en/").status_code == 503


def test_editors_get_the_503_page_in_the_admin_during_the_outage(client, settings):
    editor = make_staff("Editors")
    client.raise_request_exception = False
    client.force_login(editor)
    article = make_article()

    with database_stopped():
        responses = [
            client.get("/admin/"),
            client.get(f"/admin/articles/article/{article.pk}/change/"),
            client.post(f"/admin/articles/article/{article.pk}/change/", {"headline": "x"}),
            Client(raise_request_exception=False).post(
                "/admin/login/", {"username": "someone", "password": "secret"}
            ),
        ]

    for response in responses:
        assert_outage_page(response)


def test_other_server_errors_are_still_500(reader, monkeypatch):
    from articles.views import lists

    def broken(*args, **kwargs):
        raise RuntimeError("a bug, not an outage")

    monkeypatch.setattr(lists.HomeView, "get", broken)

    response = reader.get("/en/")

    assert response.status_code == 500
    assert "Retry-After" not in response


# Real processes: gunicorn, as in production ---------------------------------------------------


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    """Collected static files, which a server with debug off needs (once per module)."""
    root = tmp_path_factory.mktemp("static")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input"],
        cwd=BASE_DIR,
        env={**server_environment(), "DJANGO_STATIC_ROOT": str(root)},
        check=True,
        capture_output=True,
    )
    return root


def server_environment(**overrides) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "NEWSROOM_", "DATABASE_URL", "REDIS_URL"))
    }
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",
        DJANGO_SECRET_KEY="outages-are-survived-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        **overrides,
    )
    return env


@contextmanager
def gunicorn(env: dict[str, str], log_path: Path, workers: int = 1):
    """A gunicorn server on a free port, stopped by its PID when the block ends."""
    [port] = free_ports(1)
    with log_path.open("ab") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "newsroom.wsgi",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                fetch(url + "/robots.txt")
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def fetch(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.mark.postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_site_recovers_when_postgresql_returns_without_a_restart(static_root, tmp_path):
    database = connections["default"].settings_dict
    article = make_article(headline="Before the outage")
    [proxy_port] = free_ports(1)
    env = server_environment(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{proxy_port}/{database['NAME']}",
        DJANGO_STATIC_ROOT=str(static_root),
        DJANGO_CACHE_DIR=str(tmp_path / "cache"),
        # Every request goes to PostgreSQL: no page, no story kept (this process edits the
        # article through a cache of its own).
        DJANGO_PAGE_CACHE="false",
        DJANGO_FRAGMENT_CACHE="false",
        DJANGO_CONN_MAX_AGE="600",
    )
    upstream = (database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432))
    log = tmp_path / "gunicorn.log"
    page = article.get_absolute_url()

    with TcpProxy(proxy_port, upstream) as proxy, gunicorn(env, log) as site:
        assert fetch(site + page)[0] == 200  # the worker now holds a persistent connection

        # PostgreSQL restarts between two requests: the kept connection is dead.
        proxy.cut()
        proxy.restore()
        article.headline = "Edited while the connection was dead"
        article.save()
        status, _headers, html = fetch(site + page)
        assert status == 200, "a stale connection is replaced, not used"
        assert "Edited while the connection was dead" in html

        proxy.cut()
        down = [fetch(site + url) for url in (page, "/en/", "/de/")]
        proxy.restore()
        article.headline = "Edited during the outage"
        article.save()
        after = fetch(site + page)

    for status, headers, _html in down:
        assert status == 503
        assert int(headers["Retry-After"]) > 0
    assert after[0] == 200
    assert "Edited during the outage" in after[2]
    logged = log.read_text()
    assert "Traceback" not in logged
    assert logged.count("Database unavailable") == 3


# Redis down -------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _cache_health_between_tests():
    # The cache's health is kept per process: one test's outage must not outlive it.
    yield
    page_cache.health.retry_at = 0.0
    page_cache.health.renew_token = False


@pytest.fixture
def redis_unreachable(settings):
    [port] = free_ports(1)
    settings.PAGE_CACHE = True
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        },
    }


def test_readers_get_fresh_pages_from_the_database_while_redis_is_unreachable(
    reader, redis_unreachable, caplog
):
    article = make_article(headline="Served without Redis")

    with caplog.at_level(logging.WARNING):
        pages = [reader.get(url) for url in ("/en/", article.get_absolute_url(), "/en/")]
        article.headline = "Changed without Redis"
        article.save()  # content_changed() cannot reach the cache either
        after = reader.get(article.get_absolute_url())

    for page in pages:
        assert page.status_code == 200
        assert page["X-Page-Cache"] == "bypass"
    assert "Changed without Redis" in after.content.decode()
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1, warnings
    assert "cache is unavailable" in warnings[0]


def test_a_change_made_while_the_cache_was_down_renews_it_when_it_returns(
    reader, page_cache_on, monkeypatch
):
    article = make_article(headline="Cached before the outage")
    assert reader.get(article.get_absolute_url())["X-Page-Cache"] == "miss"
    assert reader.get(article.get_absolute_url())["X-Page-Cache"] == "hit"

    # The cache fails for one change (its content token cannot be renewed), then is back
    # with everything it held.
    def unreachable(*args, **kwargs):
        raise ConnectionRefusedError("cache down")

    with monkeypatch.context() as patched:
        patched.setattr(caches["default"], "set", unreachable)
        article.headline = "Changed while the cache was down"
        article.save()
    page_cache.health.retry_at = 0.0  # the back-off has passed

    response = reader.get(article.get_absolute_url())

    assert "Changed while the cache was down" in response.content.decode()
    assert reader.get(article.get_absolute_url())["X-Page-Cache"] == "hit"


class RedisServer:
    """A redis-server of the test's own on a free port, stopped by its PID. It keeps its data
    across a stop (an RDB file, as a Redis with persistence would): what it held before an
    outage is there again after it."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.directory.mkdir(exist_ok=True)
        [self.port] = free_ports(1)
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--bind", "127.0.0.1", "--port", str(self.port)),
                *("--dir", str(self.directory), "--save", "3600 1", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # saves its data, then exits
            self.process.wait(timeout=20)


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True, capture_output=True
    )


def log_in(site: str, username: str, password: str) -> int:
    """Log in to the admin over HTTP as a browser does; the status of the login POST."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    with opener.open(site + "/admin/login/", timeout=20) as response:
        form = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password}
    ).encode()
    request = urllib.request.Request(site + "/admin/login/", data=data, headers={"Referer": site})
    try:
        with opener.open(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# Files of its own (SQLite, Redis): once per CI run, like the other multi-process tests.
@pytest.mark.sqlite_only
def test_two_processes_serve_fresh_pages_while_redis_is_down_and_renew_the_cache_after(
    static_root, tmp_path
):
    redis = RedisServer(tmp_path / "redis")
    env = server_environment(
        DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}",
        REDIS_URL=redis.url,
        DJANGO_PAGE_CACHE="true",
        DJANGO_STATIC_ROOT=str(static_root),
    )
    manage(env, "migrate", "--no-input")
    manage(env, "loaddata", "seed_articles")
    manage(env, "shell", "-c", CREATE_EDITOR)
    page = "/en/articles/china-eloquent-silence-kim-putin/"
    logs = [tmp_path / "first.log", tmp_path / "second.log"]

    redis.start()
    try:
        with gunicorn(env, logs[0]) as first, gunicorn(env, logs[1]) as second:
            sites = (first, second)
            for site in sites:
                fetch(site + page)
                assert fetch(site + page)[1]["X-Page-Cache"] == "hit"

            redis.stop()
            manage(env, "shell", "-c", EDIT.format(headline="Changed while Redis was down"))
            during = [fetch(site + url) for site in sites for url in (page, "/en/", "/de/")]
            login_during = log_in(first, "desk", "a-long-desk-password")

            redis.start()  # with what it held: the old token and the old pages
            after = [fetch(site + page) for site in sites]
            hits = [wait_for_a_hit(site + page) for site in sites]
    finally:
        redis.stop()

    for status, headers, _html in during:
        assert status == 200
        assert headers["X-Page-Cache"] == "bypass"
    assert "Changed while Redis was down" in during[0][2]
    assert "Changed while Redis was down" in during[3][2]
    assert login_during == 302, "editors log in while Redis is down: sessions are in the database"
    for status, _headers, html in after + hits:
        assert status == 200
        assert "Changed while Redis was down" in html
    for log in logs:
        logged = log.read_text()
        assert "Traceback" not in logged
        assert logged.count("The cache is unavailable") == 1


CREATE_EDITOR = (
    "from django.contrib.auth.models import User;"
    "User.objects.create_superuser('desk', 'desk@example.com', 'a-long-desk-password')"
)
EDIT = (
    "from articles.models import Article;"
    "a = Article.objects.get(slug='china-eloquent-silence-kim-putin');"
    "a.headline = '{headline}'; a.save()"
)


def wait_for_a_hit(url: str, seconds: float = 10):
    """The page, once it comes from the cache again (a process leaves an unreachable cache
    alone for a moment before trying it again)."""
    deadline = time.monotonic() + seconds
    while True:
        answer = fetch(url)
        if answer[1].get("X-Page-Cache") == "hit" or time.monotonic() > deadline:
            return answer
        time.sleep(0.5)
