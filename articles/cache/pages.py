"""The page cache: whole public pages for anonymous readers, from Django's shared cache, and
what they say to a CDN; never stale.

A page is kept with what it shows (the surrogate keys its view named) and how fresh each of
those was when it was rendered (freshness.py): an edit renews the pages that show what changed
and no other, on every worker of every server that shares the cache. While nothing changes, a
hit is one read of the shared cache; a page is kept as its status, headers and body, ready to
send. Readers asking for a page that is being rendered wait for that render rather than all
rendering it. A page is never kept past the next scheduled publication, so a scheduled article
appears at its time with no job running.

Only anonymous GET and HEAD requests for public pages are served from the cache or stored in
it: a request with a genuine session cookie (an editor) always gets a freshly rendered page,
and a response that sets a cookie, varies on cookies or says private / no-store (previews,
forms) is never stored. A session cookie that the site did not issue changes nothing: its keys
carry a signature (articles/sessions.py), checked here without the database.

A page is kept under its scheme, host, path, language and the query parameters pages read
(PAGE_QUERY_PARAMETERS); a request with any other parameter is answered from that entry, and
when there is none, rendered and not stored, so made-up query strings cannot fill the cache.
DJANGO_PAGE_CACHE=false turns it all off.
"""

import contextlib
import hashlib
import time
from dataclasses import dataclass
from importlib import import_module
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Min
from django.http import HttpResponse
from django.http.response import ResponseHeaders
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag
from django.utils.http import parse_http_date_safe

from . import fanout
from .freshness import (
    CacheUnavailable,
    Stamp,
    current,
    in_memory,
    shared_cache,
    stamp,
)
from .purge import edge_in_front

# Part of every page's key: kept pages of an earlier shape are never read.
PAGE_FORMAT = 2

CACHEABLE_STATUSES = frozenset({200, 301, 404, 410})

# Readers who ask for a page another process is rendering wait up to this long for it, then
# render it themselves. The render's claim lapses by itself after RENDER_CLAIM_SECONDS.
WAIT_FOR_RENDER_SECONDS = 3.0
WAIT_STEP_SECONDS = 0.02
RENDER_CLAIM_SECONDS = 10


def seconds_to_next_publication(token: str | None, mark: str | None) -> int | None:
    """Seconds until the next scheduled article goes live, or a timed front-page placement
    starts or ends (None: nothing scheduled).

    Kept in the cache until the next change (scheduling one, or placing, is a change); asked of
    the database when it is not there."""
    from ..models import Article, Placement  # the cache knows pages, the model knows no cache

    key = f"newsroom:next-publication:{token}:{mark}"
    try:
        upcoming = shared_cache("get", key) if token else None
    except CacheUnavailable:
        upcoming = None
    if upcoming is None:
        moments = (
            Article.objects.scheduled().aggregate(at=Min("published_at"))["at"],
            Placement.objects.next_change(),
        )
        upcoming = min((moment for moment in moments if moment), default="")
        if token:
            with contextlib.suppress(CacheUnavailable):
                shared_cache("set", key, upcoming, settings.PAGE_CACHE_SECONDS)
    if not upcoming:
        return None
    return max(0, int((upcoming - timezone.now()).total_seconds()))


# The query parameters public pages read (lists' `page`, search's `q`, the sitemaps' `p`):
# each value is a page of its own. A view that reads another must be added here.
PAGE_QUERY_PARAMETERS = ("page", "p", "q")


def page_address(request) -> tuple[str, bool]:
    """What a page is kept under (scheme, host, path, language, the parameters pages read), and
    whether the request carries other query parameters (which change nothing on the page)."""
    query = urlencode(
        [(name, request.GET[name]) for name in PAGE_QUERY_PARAMETERS if name in request.GET]
    )
    others = any(name not in PAGE_QUERY_PARAMETERS for name in request.GET)
    # Addresses outside /en/ and /de/ (a 404, robots.txt) answer in the reader's language.
    language = translation.get_language_from_request(request, check_path=True)
    address = f"{request.scheme}://{request.get_host()}{request.path}?{query}#{language}"
    return address, others


def page_key(request) -> str:
    address, _others = page_address(request)
    return f"newsroom:page:{PAGE_FORMAT}:{hashlib.sha256(address.encode()).hexdigest()}"


def has_session(request) -> bool:
    """Whether the request carries a session cookie the site issued (no database query: the
    session engine checks the key's signature); any cookie counts with an engine that
    cannot tell."""
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not key:
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore
    genuine = getattr(store, "is_genuine_key", None)
    return genuine(key) if genuine is not None else True


def is_cacheable_request(request) -> bool:
    return (
        settings.PAGE_CACHE
        and request.method in {"GET", "HEAD"}
        and not request.path.startswith(settings.PAGE_CACHE_EXCLUDED_PREFIXES)
        and not has_session(request)
    )


def is_cacheable_response(response) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code in CACHEABLE_STATUSES
        and not response.cookies
        and not response.streaming
        and "private" not in cache_control
        and "no-store" not in cache_control
        and "cookie" not in response.get("Vary", "").lower()
    )


@dataclass(frozen=True)
class KeptPage:
    """A page as kept: ready to send, with what says whether it is still fresh."""

    stamp: Stamp
    made_at: float
    expires_at: float
    status: int
    headers: ResponseHeaders
    content: bytes

    def is_fresh(self, key: str, token: str, mark: str) -> bool:
        return self.stamp.is_fresh(key, token, mark)

    def response(self, request):
        response = HttpResponse(self.content, status=self.status)
        response.headers = copied(self.headers)
        response["X-Page-Cache"] = "hit"
        # A CDN counts its s-maxage from when the page was made, not from now.
        response["Age"] = str(max(0, int(time.time() - self.made_at)))
        if "HTTP_IF_NONE_MATCH" in request.META or "HTTP_IF_MODIFIED_SINCE" in request.META:
            # As ConditionalGetMiddleware would, which a hit does not go through.
            modified = response.get("Last-Modified")
            response = get_conditional_response(
                request,
                etag=response.get("ETag"),
                last_modified=modified and parse_http_date_safe(modified),
                response=response,
            )
        return response


def copied(headers: ResponseHeaders) -> ResponseHeaders:
    """A copy of a kept page's headers (it is sent again, and each response adds its own),
    without checking and encoding each name and value again as ResponseHeaders() does: they
    were when the page was rendered, and doing it on every hit took a third of the hit."""
    copy = ResponseHeaders({})
    copy._store = headers._store.copy()
    return copy


class PageCacheMiddleware:
    """Serve anonymous readers' pages from the cache; store what is safe to share."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_cacheable_request(request):
            return self.get_response(request)
        key = page_key(request)
        try:
            remembered = in_memory.fresh(key)
            if remembered is not None:
                return remembered.response(request)
            token, mark, found = current(key)
            kept = found.get(key)
            if isinstance(kept, KeptPage) and kept.is_fresh(key, token, mark):
                in_memory.add(key, kept, kept.stamp, kept.expires_at, len(kept.content))
                return kept.response(request)
            waited = self.wait_for_render(request, key)
        except CacheUnavailable:  # the page straight from the database
            return self.respond(request, key=None, token=None, mark=None)
        if waited is not None:
            return waited
        try:
            return self.respond(request, key=key, token=token, mark=mark)
        finally:
            with contextlib.suppress(CacheUnavailable):
                shared_cache("delete", claim_key(key))

    def wait_for_render(self, request, key: str):
        """When another process is rendering this page, its page once it is kept (None: this
        process renders it, having claimed the render, or having waited long enough)."""
        if shared_cache("add", claim_key(key), 1, RENDER_CLAIM_SECONDS):
            return None
        give_up_at = time.monotonic() + WAIT_FOR_RENDER_SECONDS
        while time.monotonic() < give_up_at:
            time.sleep(WAIT_STEP_SECONDS)
            token, mark, found = current(key, claim_key(key))
            kept = found.get(key)
            if isinstance(kept, KeptPage) and kept.is_fresh(key, token, mark):
                return kept.response(request)
            if claim_key(key) not in found:  # rendered but not kept (a 500), or given up
                return None
        return None

    def respond(self, request, *, key: str | None, token: str | None, mark: str | None):
        """Render the page; keep it under `key` when it is safe to share (no key: the cache
        is down, the page is marked for the CDN as usual but not kept here).

        Not kept either, so that made-up query strings cannot fill the cache: the page for a
        request with query parameters pages do not read (page_address), and a 404 for one with
        a query string (a page number past the end, a made-up one)."""
        response = self.get_response(request)
        if not is_cacheable_response(response):
            return response
        timeout = settings.PAGE_CACHE_SECONDS
        upcoming = seconds_to_next_publication(token, mark)
        if upcoming is not None:
            timeout = min(timeout, upcoming)
        mark_public(response, timeout)
        keys = name_what_it_shows(response, request)
        _address, others = page_address(request)
        keep = key is not None and not others
        if keep and request.GET and response.status_code == 404:
            keep = False
        if timeout > 0 and keep:
            with contextlib.suppress(CacheUnavailable):
                self.keep(response, key, token, mark, keys, timeout)
        response["X-Page-Cache"] = "miss" if key is not None else "bypass"
        return response

    def keep(self, response, key, token, mark, keys, timeout) -> None:
        """Keep the page, unless something it may show changed while it was rendered: the
        generations are read after the render, and the mark after them; a change renews the
        mark before its generations (freshness.keys_changed)."""
        page_stamp = stamp(keys - {fanout.ALL}, token, mark)
        if page_stamp is None:
            return
        if hasattr(response, "render") and callable(response.render):
            response.render()
        # Hashed once here, not by ConditionalGetMiddleware on every hit.
        if not response.has_header("ETag"):
            set_response_etag(response)
        made_at = time.time()
        page = KeptPage(
            stamp=page_stamp,
            made_at=made_at,
            expires_at=made_at + timeout,
            status=response.status_code,
            headers=response.headers,
            content=response.content,
        )
        shared_cache("set", key, page, timeout)


def claim_key(key: str) -> str:
    return f"{key}:rendering"


def mark_public(response, s_maxage: int | None = None) -> None:
    """How long browsers and CDNs may keep a public page: browsers ask again each time (a
    304 when nothing changed); a CDN keeps it until the site purges it, or s-maxage, then
    serves it stale while it fetches it anew.

    A page kept only until the next scheduled publication (a shorter `s_maxage`) says so to
    the edge alone, in Surrogate-Control, which the VCL obeys (no stale period, so the article
    appears at its time) and strips: in Cache-Control that lifetime would count down to the
    publication in front of every reader. Without a CDN in front nobody needs it."""
    if "Cache-Control" in response:
        return
    patch_cache_control(
        response,
        public=True,
        max_age=0,
        s_maxage=settings.PAGE_CACHE_SECONDS,
        stale_while_revalidate=60,
    )
    if s_maxage is not None and s_maxage < settings.PAGE_CACHE_SECONDS and edge_in_front():
        response["Surrogate-Control"] = f"max-age={s_maxage}"


def shows(request, *keys: str) -> None:
    """Record what the page answering `request` shows (surrogate keys); the middleware sends
    them on public responses only."""
    request.__dict__.setdefault("surrogate_keys", set()).update(keys)


def name_what_it_shows(response, request) -> set[str]:
    """Surrogate-key headers on a public response; returns the keys.

    Every response carries ALL; one whose view named nothing (a 404, a redirect, a 410) is
    treated like a list, since publishing any article may change it.
    """
    keys = {fanout.ALL, *(getattr(request, "surrogate_keys", None) or {fanout.LIST})}
    value = " ".join(sorted(keys))
    for header in settings.SURROGATE_KEY_HEADERS:
        response[header] = value
    return keys
