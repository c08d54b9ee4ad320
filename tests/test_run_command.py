"""`python3 -m newsroom run` serves the site as readers get it, at the address it prints."""

import base64
import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from PIL import Image

from newsroom.__main__ import free_port, parse_address

from .ports import free_ports

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("8001", ("127.0.0.1", 8001)),
        ("127.0.0.1:8002", ("127.0.0.1", 8002)),
        ("0.0.0.0:8003", ("0.0.0.0", 8003)),
        ("[::1]:8004", ("::1", 8004)),
    ],
)
def test_the_address_is_a_port_or_host_and_port(address, expected):
    assert parse_address(address) == expected


@pytest.mark.parametrize("address", ["", "localhost", "127.0.0.1:http", "99999"])
def test_a_bad_address_is_refused_with_a_message(address):
    with pytest.raises(SystemExit, match="PORT or HOST:PORT"):
        parse_address(address)


def test_a_busy_port_gives_way_to_the_next_free_one():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]

        assert free_port("127.0.0.1", port) != port


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.fixture
def serve(tmp_path):
    """Start `python -m newsroom run ADDRESS` on a fresh database; stop it afterwards."""
    processes = []

    def serve_(address, **settings):
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
            "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
            "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
            **settings,
        }
        for name in ("DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DJANGO_HTTPS"):
            env.pop(name, None)
        log = tmp_path / "run.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "newsroom", "run", address],
            cwd=BASE_DIR,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        processes.append(process)
        for _ in range(120):
            output = log.read_text()
            match = re.search(r"Serving the site at (http://\S+?)/ ", output)
            if match:
                base = match.group(1)
                try:
                    fetch(base + "/en/")
                    return base, output, env, process
                except OSError:
                    pass
            if process.poll() is not None:
                pytest.fail(f"run stopped:\n{output}")
            time.sleep(0.5)
        pytest.fail(f"run did not come up:\n{log.read_text()}")

    yield serve_
    for process in processes:
        stop_run(process)


def stop_run(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=40)


def test_run_serves_the_readers_site_with_debug_off_and_prints_its_real_address(serve):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]

        base, output, *_ = serve(f"127.0.0.1:{taken}")

    assert base != f"http://127.0.0.1:{taken}"
    assert f"Port {taken} is in use; using {base.rsplit(':', 1)[1]} instead." in output
    assert f"Editors log in at {base}/admin/ as 'editor'" in output

    status, _, home = fetch(base + "/en/")
    assert status == 200 and "China’s eloquent silence on Kim and Putin" in home

    status, _, missing = fetch(base + "/en/no-such-page/")
    assert status == 404
    assert "Page not found" in missing
    assert "Traceback" not in missing and "URLconf" not in missing

    stylesheet = re.search(r'href="(/static/articles/site\.[0-9a-f]{12}\.css)"', home)
    assert stylesheet, "static files are served under hashed names"
    request = urllib.request.Request(
        base + stylesheet.group(1), headers={"Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Encoding"] == "gzip"


class PurgeRecorder(BaseHTTPRequestHandler):
    received: list[str] = []

    def do_PURGE(self):
        PurgeRecorder.received.append(self.headers["xkey-purge"])
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_run_starts_a_worker_for_background_jobs_and_stops_it_with_the_site(serve):
    PurgeRecorder.received = []
    cdn = HTTPServer(("127.0.0.1", 0), PurgeRecorder)
    threading.Thread(target=cdn.serve_forever, daemon=True).start()
    try:
        _base, output, env, process = serve(
            f"127.0.0.1:{free_ports(1)[0]}",
            DJANGO_PURGE_BACKEND="varnish",
            DJANGO_VARNISH_URLS=f"http://127.0.0.1:{cdn.server_port}",
        )
        worker = int(re.search(r"in a worker \(process (\d+)\)", output).group(1))
        # A key of its own: seeding the site may have stored a purge of "all" already.
        enqueue = "from articles.jobs import purge_pages; purge_pages.enqueue(keys=['probe-1'])"
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", enqueue],
            cwd=BASE_DIR,
            env={**env, "DJANGO_DEBUG": "true"},
            check=True,
            capture_output=True,
        )

        for _ in range(300):
            if "probe-1" in PurgeRecorder.received:
                break
            time.sleep(0.2)
        assert PurgeRecorder.received.count("probe-1") == 1, "the job was not run within 60 s"

        stop_run(process)
        with pytest.raises(ProcessLookupError):
            os.kill(worker, 0)  # stopped with the site (and reaped by it)
    finally:
        cdn.shutdown()
        cdn.server_close()


def test_run_serves_the_images_editors_upload(serve):
    base, _output, env, _process = serve(f"127.0.0.1:{free_ports(1)[0]}")
    picture = io.BytesIO()
    Image.new("RGB", (640, 360), "teal").save(picture, "PNG")
    encoded = base64.b64encode(picture.getvalue())
    upload = (
        "import base64; from django.core.files.base import ContentFile;"
        "from articles.models import Article, MediaImage;"
        "p = MediaImage(title='Teal', slug='teal', alt='A teal rectangle', credit='Ada / dpa');"
        f"p.file.save('lead.png', ContentFile(base64.b64decode({encoded!r})));"
        "a = Article.objects.get(slug='china-eloquent-silence-kim-putin');"
        "a.lead_picture = p; a.save();"
        "print(p.file.url)"
    )
    uploaded = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", upload],
        cwd=BASE_DIR,
        env={**env, "DJANGO_DEBUG": "true"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]  # after the shell's own notice of what it imported

    status, _, page = fetch(base + "/en/articles/china-eloquent-silence-kim-putin/")
    assert status == 200
    source = re.search(r'<img src="(/media/renditions/[^"]+)"[^>]* alt="A teal rectangle"', page)
    assert source, "the article shows its lead image"
    # The page's rendition, and the picture as uploaded (what the image sitemap lists).
    with urllib.request.urlopen(base + source.group(1), timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "image/jpeg"
        with Image.open(io.BytesIO(response.read())) as shown:
            assert (shown.format, shown.size) == ("JPEG", (640, 360))
    assert uploaded.startswith("/media/library/") and uploaded.endswith("/lead.png")
    with urllib.request.urlopen(base + uploaded, timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "image/png"
        assert response.read() == picture.getvalue()
