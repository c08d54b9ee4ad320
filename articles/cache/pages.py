"""The page cache: whole public pages for anonymous readers, from Django's shared cache, and
what they say to a CDN; never stale.

Freshness comes from one token in the shared cache. Every change to anything a page can show
(fanout.changed(), called by signals.py) replaces the token; cached pages are keyed by it, so
the next request after a change, on any worker of any server that shares the cache, renders the
page afresh. A page is never kept past the next scheduled publication, so a scheduled article
appears at its time with no job running.

Only anonymous GET and HEAD requests for public pages are served from the cache or stored in
it: a request with a session cookie (an editor) always gets a freshly rendered page, and a
response that sets a cookie, varies on cookies or says private / no-store (previews, forms)
is never stored. DJANGO_PAGE_CACHE=false turns it all off.
"""

import contextlib
import hashlib
import logging
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db.models import Min
from django.utils import timezone
from django.utils.cache import patch_cache_control, set_response_etag

from . import fanout
from .purge import edge_in_front

logger = logging.getLogger(__name__)

TOKEN_KEY = "newsroom:content-token"
CACHEABLE_STATUSES = frozenset({200, 301, 404, 410})


def content_token() -> str | None:
    """The current content token; a missing one (evicted, first start) starts afresh.

    None when the shared cache cannot be reached: pages are then neither served from it nor
    stored in it.
    """
    try:
        token = shared_cache("get", TOKEN_KEY)
        if token is None:
            shared_cache("add", TOKEN_KEY, uuid.uuid4().hex, None)
            token = shared_cache("get", TOKEN_KEY) or uuid.uuid4().hex
    except CacheUnavailable:
        return None
    return token


def content_changed() -> None:
    """Something readers can see changed: every cached page is now out of date."""
    # When the cache is down, renewed on this process's next successful access (shared_cache).
    with contextlib.suppress(CacheUnavailable):
        shared_cache("set", TOKEN_KEY, uuid.uuid4().hex, None)


# When the shared cache (Redis) is down ------------------------------------------------------


class CacheUnavailable(Exception):
    """The shared cache could not be read or written; the page cache is bypassed."""


def cache_errors() -> tuple[type[BaseException], ...]:
    errors: tuple[type[BaseException], ...] = (OSError,)  # the file cache: disk full, perms
    try:
        from redis.exceptions import RedisError
    except ImportError:  # pragma: no cover - redis is a dependency
        return errors
    return (*errors, RedisError)


CACHE_ERRORS = cache_errors()
CACHE_RETRY_SECONDS = 2


class CacheHealth:
    """This process's view of the shared cache (one per process; gunicorn workers are
    single-threaded, a lost update between runserver's threads only costs a retry).

    After a failure the cache is left alone for CACHE_RETRY_SECONDS, so an unreachable Redis
    costs one failed connection per process every few seconds, not one per request. The
    first successful access after a failure renews the content token before anything else:
    a change this process made while the cache was down could not renew it, and pages
    stored under the old token must not be served once the cache is back.
    """

    retry_at = 0.0
    renew_token = False


health = CacheHealth()


def shared_cache(operation: str, *args):
    """cache.<operation>(*args), or CacheUnavailable when the shared cache is down."""
    if health.retry_at and time.monotonic() < health.retry_at:
        raise CacheUnavailable
    try:
        if health.renew_token:
            cache.set(TOKEN_KEY, uuid.uuid4().hex, None)
        result = getattr(cache, operation)(*args)
    except CACHE_ERRORS as error:
        if not health.renew_token:
            logger.warning(
                "The cache is unavailable, pages are served without it: %s: %s",
                type(error).__name__,
                error,
            )
        health.renew_token = True
        health.retry_at = time.monotonic() + CACHE_RETRY_SECONDS
        raise CacheUnavailable from error
    if health.renew_token:
        logger.warning("The cache is available again; every cached page is renewed.")
        health.renew_token = False
        health.retry_at = 0.0
    return result


def seconds_to_next_publication(token: str | None) -> int | None:
    """Seconds until the next scheduled article goes live (None: nothing scheduled).

    Kept in the cache under the content token; asked of the database when there is none."""
    from ..models import Article  # the cache knows pages, the model knows no cache

    key = f"newsroom:next-publication:{token}"
    try:
        upcoming = shared_cache("get", key) if token else None
    except CacheUnavailable:
        upcoming = None
    if upcoming is None:
        upcoming = Article.objects.scheduled().aggregate(at=Min("published_at"))["at"] or ""
        if token:
            with contextlib.suppress(CacheUnavailable):
                shared_cache("set", key, upcoming, settings.PAGE_CACHE_SECONDS)
    if not upcoming:
        return None
    return max(0, int((upcoming - timezone.now()).total_seconds()))


def page_key(request, token: str) -> str:
    address = f"{request.get_host()}{request.get_full_path()}"
    return f"newsroom:page:{token}:{hashlib.sha256(address.encode()).hexdigest()}"


def is_cacheable_request(request) -> bool:
    return (
        settings.PAGE_CACHE
        and request.method in {"GET", "HEAD"}
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(settings.PAGE_CACHE_EXCLUDED_PREFIXES)
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


class PageCacheMiddleware:
    """Serve anonymous readers' pages from the cache; store what is safe to share."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_cacheable_request(request):
            return self.get_response(request)
        token = content_token()
        if token is None:  # the cache is down: the page straight from the database
            return self.respond(request, key=None, token=None)
        key = page_key(request, token)
        try:
            cached = shared_cache("get", key)
        except CacheUnavailable:
            cached = None
        if cached is not None:
            cached["X-Page-Cache"] = "hit"
            made_at = getattr(cached, "page_cached_at", None)
            if made_at is not None:
                # A CDN counts its s-maxage from when the page was made, not from now.
                cached["Age"] = str(max(0, int(time.time() - made_at)))
            return cached
        return self.respond(request, key=key, token=token)

    def respond(self, request, *, key: str | None, token: str | None):
        """Render the page; store it under `key` when it is safe to share (no key: the cache
        is down, the page is marked for the CDN as usual but not stored here)."""
        response = self.get_response(request)
        if is_cacheable_response(response):
            timeout = settings.PAGE_CACHE_SECONDS
            upcoming = seconds_to_next_publication(token)
            if upcoming is not None:
                timeout = min(timeout, upcoming)
            mark_public(response, timeout)
            name_what_it_shows(response, request)
            if timeout > 0 and key is not None:
                if hasattr(response, "render") and callable(response.render):
                    response.render()
                # Hashed once here, not by ConditionalGetMiddleware on every hit.
                if not response.has_header("ETag"):
                    set_response_etag(response)
                response.page_cached_at = time.time()
                with contextlib.suppress(CacheUnavailable):
                    shared_cache("set", key, response, timeout)
            response["X-Page-Cache"] = "miss" if key is not None else "bypass"
        return response


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


def name_what_it_shows(response, request) -> None:
    """Surrogate-key headers on a public response.

    Every response carries ALL; one whose view named nothing (a 404, a redirect, a 410) is
    treated like a list, since publishing any article may change it.
    """
    keys = {fanout.ALL, *(getattr(request, "surrogate_keys", None) or {fanout.LIST})}
    value = " ".join(sorted(keys))
    for header in settings.SURROGATE_KEY_HEADERS:
        response[header] = value
