"""An editor at the desk, over real HTTP: logs in with the CSRF token like a browser, opens an
article's change form and saves it back with one field changed.

The form is read the way a browser submits it (tests/forms.py's reader), so a save carries
the `version` the form was opened at: a save from an older version is refused by the desk
with its conflict message, never written over someone else's.
"""

import http.cookiejar
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.forms import _FormReader  # one form reader for the tests and the bench

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Save:
    """What one save came to: saved (a redirect), conflict (refused as stale), or failed."""

    outcome: str
    status: int
    article: int
    version_sent: int | None = None
    body_sent: str = ""
    detail: str = ""


class Editor:
    def __init__(self, site: str, username: str, password: str, timeout: float = 60):
        self.site, self.username, self.password, self.timeout = site, username, password, timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )

    def request(
        self, path: str, fields=None, *, data: bytes | None = None, headers=None
    ) -> tuple[int, dict[str, str], str]:
        if fields is not None:
            data = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(
            self.site + path, data=data, headers={"Referer": self.site + path, **(headers or {})}
        )
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode(errors="replace")

    def log_in(self) -> int:
        """The status of the login POST: 302 when logged in."""
        status, _headers, page = self.request("/admin/login/")
        token = CSRF_FIELD.search(page)
        if status != 200 or token is None:
            return status
        fields = {
            "csrfmiddlewaretoken": token.group(1),
            "username": self.username,
            "password": self.password,
            "next": "/admin/",
        }
        return self.request("/admin/login/", fields)[0]

    def open_form(self, article: int) -> tuple[int, list[tuple[str, str]]]:
        status, _headers, page = self.request(change_path(article))
        reader = _FormReader("article_form")
        reader.feed(page)
        return status, reader.fields

    def save(self, article: int, fields: list[tuple[str, str]], body: str) -> Save:
        """POST the form opened earlier with its body replaced by `body`."""
        version = next((int(v) for k, v in fields if k == "version" and v), None)
        sent = [(k, body if k == "body" else v) for k, v in fields]
        status, headers, page = self.request(change_path(article), sent)
        save = Save("failed", status, article, version, body)
        if status == 302 and "/change/" not in headers.get("Location", ""):
            save.outcome = "saved"
        elif status in {200, 409} and "desk-conflict" in page:
            save.outcome = "conflict"
        else:
            errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.S)
            save.detail = " ".join(re.sub(r"<[^>]+>", "", e).strip() for e in errors)[:300]
        return save


def change_path(article: int) -> str:
    return f"/admin/articles/article/{article}/change/"
