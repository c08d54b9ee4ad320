"""Resolve an embed's address through its provider's oEmbed, once, when an article is saved.

Readers never meet the provider until they click (templates/includes/embed.html and
articles/static/articles/embeds.js); what is kept here is only what the link card and the
click need: a title, an author, and a frame address on one of the provider's own hosts.
"""

import http.client
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from .providers import DEFAULT_MASTODON_INSTANCES, Provider, providers

TITLE_MAX_LENGTH = 300  # Embed.title's max_length
MAX_ANSWER_BYTES = 512 * 1024
MAX_FRAME_URL_LENGTH = 2000
# The article column (--measure: 42rem); providers size their players to it.
MAX_WIDTH = 672
USER_AGENT = "Newsroom (editorial CMS; oEmbed client)"
# Share links carry who shared them; the stored address is the post's, not the sharer's.
TRACKING_PARAMS = {"fbclid", "gclid", "igsh", "igshid", "si"}


class EmbedError(ValidationError):
    """An address that cannot become an embed; forms show it as the field's error."""

    MESSAGES = {
        "unknown_provider": _("Embeds come only from %(providers)s; this address is on %(host)s."),
        "not_https": _("Only https:// addresses can be embedded."),
        "unreachable": _(
            "%(provider)s did not answer within %(seconds)s seconds. "
            "Try again, or insert a link instead."
        ),
        "not_found": _("%(provider)s says this post does not exist or is not public."),
        "bad_answer": _(
            "%(provider)s gave an answer this site cannot use. "
            "Try again later, or insert a link instead."
        ),
    }


def _error(code: str, **params) -> EmbedError:
    # `reason` is not in any message: it is for logs and tests, in English.
    return EmbedError(EmbedError.MESSAGES[code], code=code, params=params)


@dataclass(frozen=True)
class Resolved:
    url: str
    provider: str
    provider_name: str
    title: str
    author_name: str
    frame_url: str
    width: int | None
    height: int | None
    html: str  # the provider's own markup, kept for the record and never rendered
    fetched_at: datetime


def _providers() -> tuple[Provider, ...]:
    return providers(getattr(settings, "OEMBED_MASTODON_INSTANCES", DEFAULT_MASTODON_INSTANCES))


def _normalise(url: str) -> str:
    url = url.strip()
    if "://" not in url:
        # Editors often copy an address without its scheme; a bare one means https.
        url = f"https://{url}"
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() != "https":
        raise _error("not_https")
    try:
        port = parts.port
    except ValueError:
        port = -1
    host = parts.hostname or ""
    # Credentials or an unusual port keep their place, so no provider's pattern matches.
    netloc = host if port in (None, 443) and not parts.username else parts.netloc
    query = [
        (name, value)
        for name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if name not in TRACKING_PARAMS and not name.startswith("utm_")
    ]
    return urllib.parse.urlunsplit(
        ("https", netloc, parts.path or "/", urllib.parse.urlencode(query), "")
    )


def _find(url: str) -> tuple[Provider, re.Match[str]] | None:
    for provider in _providers():
        if found := provider.match(url):
            return provider, found
    return None


def provider_for(url: str) -> Provider | None:
    try:
        url = _normalise(url)
    except EmbedError:
        return None
    found = _find(url)
    return found[0] if found else None


class _OEmbedHTML(HTMLParser):
    """What the provider's markup says about its frame and its text; nothing of it is kept."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.iframe_src: str | None = None
        self.data: dict[str, str] = {}
        self.paragraph = ""
        self._in_paragraph = False
        self._paragraph_done = False
        self._skipping = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = {name: value for name, value in attrs if value}
        if tag == "iframe" and self.iframe_src is None and "src" in attrs:
            self.iframe_src = attrs["src"].strip()
        for name, value in attrs.items():
            if name.startswith("data-"):
                self.data.setdefault(name, value.strip())
        if tag in ("script", "style"):
            self._skipping += 1
        elif tag == "p" and not self._paragraph_done:
            self._in_paragraph = True
        elif tag == "br" and self._in_paragraph:
            self.paragraph += " "

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skipping = max(0, self._skipping - 1)
        elif tag == "p" and self._in_paragraph:
            self._in_paragraph, self._paragraph_done = False, True

    def handle_data(self, data):
        if self._in_paragraph and not self._skipping:
            self.paragraph += data


def _plain(value) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def _dimension(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and value > 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit() and int(value) > 0:
        return int(value)
    return None


def _youtube_frame(url, found, page):
    if not page.iframe_src:
        return None
    parts = urllib.parse.urlsplit(page.iframe_src)
    # youtube-nocookie stores nothing in the reader's browser until the video is played.
    if parts.hostname in ("youtube.com", "www.youtube.com") and parts.path.startswith("/embed/"):
        parts = parts._replace(netloc="www.youtube-nocookie.com")
    return urllib.parse.urlunsplit(parts)


def _mastodon_frame(url, found, page):
    # Mastodon 4.3 answers with a blockquote naming its frame; older versions with the frame.
    return page.iframe_src or page.data.get("data-embed-url") or f"{url.rstrip('/')}/embed"


def _bluesky_frame(url, found, page):
    uri = page.data.get("data-bluesky-uri", "")
    prefix, _sep, rest = uri.partition("at://")
    did, _sep, record = rest.partition("/")
    if prefix or not did.startswith("did:") or record != f"app.bsky.feed.post/{found['id']}":
        return None
    return f"https://embed.bsky.app/embed/{urllib.parse.quote(did, safe=':')}/{record}"


FRAME_RULES = {
    "youtube": _youtube_frame,
    "mastodon": _mastodon_frame,
    "bluesky": _bluesky_frame,
    "x": lambda url, found, page: f"https://platform.twitter.com/embed/Tweet.html?id={found['id']}",
    "tiktok": lambda url, found, page: f"https://www.tiktok.com/embed/v2/{found['id']}",
    "instagram": lambda url, found, page: f"https://www.instagram.com/p/{found['id']}/embed/",
}


def _frame_url(provider: Provider, url: str, found, page: _OEmbedHTML) -> str:
    rule = FRAME_RULES.get(provider.key, lambda url, found, page: page.iframe_src)
    frame = rule(url, found, page)
    if not frame:
        raise _error("bad_answer", provider=provider.name, reason="no frame address")
    parts = urllib.parse.urlsplit(frame)
    hosts = (
        (urllib.parse.urlsplit(url).hostname,)
        if provider.frames_on_post_host
        else provider.frame_hosts
    )
    if (
        parts.scheme != "https"
        or parts.netloc.lower() not in hosts
        or len(frame) > MAX_FRAME_URL_LENGTH
    ):
        raise _error("bad_answer", provider=provider.name, reason=f"frame on {parts.netloc!r}")
    return frame


def _endpoint(provider: Provider, url: str) -> str:
    endpoint = getattr(settings, "OEMBED_ENDPOINTS", {}).get(provider.key, provider.endpoint)
    endpoint = endpoint.replace("{host}", urllib.parse.urlsplit(url).hostname)
    query = urllib.parse.urlencode({"url": url, "format": "json", "maxwidth": MAX_WIDTH})
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


def _fetch(provider: Provider, url: str) -> dict:
    timeout = getattr(settings, "OEMBED_TIMEOUT", 5)
    unreachable = _error("unreachable", provider=provider.name, seconds=timeout)
    request = urllib.request.Request(
        _endpoint(provider, url), headers={"User-Agent": USER_AGENT, "Accept": "application/json"}
    )
    # The socket timeout bounds each wait; the deadline bounds a server that drips its answer.
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if int(response.headers.get("Content-Length") or 0) > MAX_ANSWER_BYTES:
                raise _error("bad_answer", provider=provider.name, reason="answer too big")
            body = b""
            while chunk := response.read(64 * 1024):
                body += chunk
                if len(body) > MAX_ANSWER_BYTES:
                    raise _error("bad_answer", provider=provider.name, reason="answer too big")
                if time.monotonic() > deadline:
                    raise unreachable
    except urllib.error.HTTPError as error:
        if error.code in (401, 403, 404):
            raise _error("not_found", provider=provider.name) from error
        raise _error("bad_answer", provider=provider.name, reason=f"HTTP {error.code}") from error
    except (OSError, http.client.HTTPException) as error:
        # URLError, refused connections and timeouts are all OSErrors.
        raise unreachable from error
    try:
        answer = json.loads(body)
    except ValueError as error:
        raise _error("bad_answer", provider=provider.name, reason="not JSON") from error
    if not isinstance(answer, dict) or not isinstance(answer.get("html", ""), str):
        raise _error("bad_answer", provider=provider.name, reason="not an oEmbed answer")
    return answer


def resolve(url: str) -> Resolved:
    """The embed for `url`, asked of its provider now; raises EmbedError."""
    url = _normalise(url)
    found = _find(url)
    if found is None:
        names = ", ".join(provider.name for provider in _providers())
        host = urllib.parse.urlsplit(url).hostname or url
        raise _error("unknown_provider", providers=names, host=host)
    provider, match = found
    if provider.endpoint is None:
        # Only Instagram, whose oEmbed needs a Meta app token: its frame is derived instead.
        answer = {"title": f"{provider.name} post"}
    else:
        answer = _fetch(provider, url)
    html = answer.get("html", "")
    page = _OEmbedHTML(html)
    author_name = _plain(answer.get("author_name"))
    title = (
        _plain(answer.get("title"))
        or _plain(page.paragraph)
        or (f"{provider.name}: {author_name}" if author_name else provider.name)
    )
    return Resolved(
        url=url,
        provider=provider.key,
        provider_name=provider.name,
        title=Truncator(title).chars(TITLE_MAX_LENGTH),
        author_name=Truncator(author_name).chars(TITLE_MAX_LENGTH),
        frame_url=_frame_url(provider, url, match, page),
        width=_dimension(answer.get("width")),
        height=_dimension(answer.get("height")),
        html=html,
        fetched_at=timezone.now(),
    )
