"""A provider's oEmbed endpoint on 127.0.0.1, for the tests of embeds (the machine that runs
them has no way to the real providers, and tests must not depend on them)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from articles.media.providers import providers

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
YOUTUBE_ANSWER = {
    "type": "video",
    "title": "Never Gonna Give You Up",
    "author_name": "Rick Astley",
    "width": 672,
    "height": 378,
    "html": '<iframe width="672" height="378" src="https://www.youtube.com/embed/dQw4w9WgXcQ'
    '?feature=oembed" frameborder="0" allowfullscreen title="Never Gonna Give You Up"></iframe>',
}


class OEmbedServer(ThreadingHTTPServer):
    """A provider on 127.0.0.1: answers /<provider key> as told, and records each request."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answers = {}
        self.requests = []
        self.stopping = threading.Event()

    def answer(self, key, payload=None, *, status=200, body=None, delay=0.0, length=True):
        body = json.dumps(payload).encode() if body is None else body
        self.answers[key] = (status, body, delay, length)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        parts = urlsplit(self.path)
        self.server.requests.append((parts.path, parse_qs(parts.query), dict(self.headers)))
        status, body, delay, length = self.server.answers.get(
            parts.path.strip("/"), (404, b"", 0, True)
        )
        if delay:
            self.server.stopping.wait(delay)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def oembed_server(settings):
    """Every provider's oEmbed endpoint on 127.0.0.1 (settings.OEMBED_ENDPOINTS), answering
    what the test tells it to."""
    server = OEmbedServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    settings.OEMBED_ENDPOINTS = {provider.key: f"{base}/{provider.key}" for provider in providers()}
    settings.OEMBED_TIMEOUT = 2
    yield server
    server.stopping.set()
    server.shutdown()
    server.server_close()
