"""The operator's path in the README: collectstatic, migrate, gunicorn, then a reader's request."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management.utils import get_random_secret_key

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, **headers: str):
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


@pytest.fixture
def production_site(tmp_path):
    """gunicorn serving the seeded site with production settings over plain HTTP on 127.0.0.1."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))},
        "DJANGO_SECRET_KEY": get_random_secret_key(),
        "DJANGO_HTTPS": "false",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }

    def manage(*args):
        subprocess.run(
            [sys.executable, "manage.py", *args, "-v", "0"],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
            timeout=300,
        )

    manage("collectstatic", "--no-input")
    manage("migrate")
    manage("loaddata", "seed_articles")
    port = free_port()
    server = subprocess.Popen(
        [BIN / "gunicorn", "newsroom.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                fetch(base + "/en/", Host="localhost")
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"gunicorn exited: {server.stderr.read().decode()}")
                time.sleep(0.1)
        yield base, tmp_path / "static"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_gunicorn_serves_the_seeded_site_with_hashed_compressed_static_files(production_site):
    base, static_root = production_site

    status, headers, body = fetch(base + "/en/", Host="localhost")

    page = body.decode()
    assert status == 200
    assert "China’s eloquent silence on Kim and Putin" in page
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    stylesheet = next((static_root / "articles").glob("site.*.css")).name
    assert f'href="/static/articles/{stylesheet}"' in page

    status, headers, _ = fetch(
        f"{base}/static/articles/{stylesheet}", Host="localhost", **{"Accept-Encoding": "gzip"}
    )
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "immutable" in headers["Cache-Control"]
    assert "max-age=315360000" in headers["Cache-Control"]

    status, headers, _ = fetch(
        f"{base}/static/articles/{stylesheet}", Host="localhost", **{"Accept-Encoding": "br"}
    )
    assert status == 200
    assert headers["Content-Encoding"] == "br"


def test_gunicorn_answers_unknown_hosts_with_400_and_unknown_pages_with_the_404_page(
    production_site,
):
    base, _ = production_site

    with pytest.raises(urllib.error.HTTPError) as bad_host:
        fetch(base + "/en/", Host="evil.example")
    with pytest.raises(urllib.error.HTTPError) as missing:
        fetch(base + "/en/articles/not-here/", Host="localhost")

    assert bad_host.value.code == 400
    assert missing.value.code == 404
    assert "Page not found" in missing.value.read().decode()


@pytest.mark.django_db
def test_production_settings_leave_uploads_to_the_web_server(client, settings):
    (settings.MEDIA_ROOT / "images").mkdir(parents=True)
    (settings.MEDIA_ROOT / "images" / "lead.png").write_bytes(b"\x89PNG\r\n\x1a\n")

    assert settings.SERVE_MEDIA is False
    assert client.get("/media/images/lead.png").status_code == 404
