"""Two app processes sharing one database and one cache: a change made through either is on
the next request to both. Run with the default (file) cache and with Redis, with the page cache
on, and off (then each page's story is kept: views/stories.py)."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .ports import free_ports

BASE_DIR = Path(__file__).resolve().parent.parent
REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.headers.get("X-Page-Cache"), response.read().decode()


def redis_available():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(
    params=[("files", True), ("redis", True), ("files", False), ("redis", False)],
    ids=["files", "redis", "files-stories", "redis-stories"],
)
def site(request, tmp_path):
    """Environment for two app processes and a third that edits, all sharing DB and cache."""
    backend, page_cache = request.param
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",
        "DJANGO_SECRET_KEY": "two-processes-share-one-cache-" + "x" * 30,
        "DJANGO_PAGE_CACHE": "true" if page_cache else "false",
        "DJANGO_FRAGMENT_CACHE": "true",
        "DJANGO_CACHE_DIR": str(tmp_path / "cache"),
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
    }
    env.pop("REDIS_URL", None)
    if backend == "redis":
        if not redis_available():
            if os.environ.get("CI"):
                pytest.fail("Redis is not running at 127.0.0.1:6379; CI must start it.")
            pytest.skip("Redis is not running at 127.0.0.1:6379.")
        env["REDIS_URL"] = REDIS_TEST_URL
        subprocess.run(["redis-cli", "-n", "15", "flushdb"], check=True, capture_output=True)

    def manage(*args):
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=env,
            check=True,
            capture_output=True,
        )

    manage("migrate", "--no-input")
    manage("loaddata", "seed_articles")
    manage("collectstatic", "--no-input")
    servers, urls = [], []
    for port in free_ports(2):
        servers.append(
            subprocess.Popen(
                [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                cwd=BASE_DIR,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    for url in urls:
        for _ in range(100):
            try:
                fetch(url + "/en/")
                break
            except OSError:
                time.sleep(0.2)
    yield manage, urls, page_cache
    for server in servers:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    if backend == "redis":
        subprocess.run(["redis-cli", "-n", "15", "flushdb"], check=True, capture_output=True)


def test_a_change_is_fresh_on_the_next_request_to_every_process(site):
    manage, (first, second), page_cache = site
    page = "/en/articles/china-eloquent-silence-kim-putin/"
    for url in (first, second):
        fetch(url + page)
        state, html = fetch(url + page)  # kept, and held in the process's memory
        assert state == ("hit" if page_cache else None)
        assert "China’s eloquent silence on Kim and Putin" in html

    manage(
        "shell",
        "-c",
        "from articles.models import Article;"
        "a = Article.objects.get(slug='china-eloquent-silence-kim-putin');"
        "a.headline = 'A headline changed in a third process'; a.save()",
    )

    for url in (second, first):
        state, html = fetch(url + page)
        assert state == ("miss" if page_cache else None)
        assert "A headline changed in a third process" in html
