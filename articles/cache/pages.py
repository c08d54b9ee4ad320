"""The page cache: whole public pages for anonymous readers, from Django's shared cache, and
what they say to a CDN; never stale.

Freshness comes from one token in the shared cache. Every change to anything a page can show
(fanout.changed(), called by signals.py) replaces the token; cached pages are keyed by it, so
the next request after a change, on any worker of any server that shares the cache, renders the
page afresh. A page is never kept past the next scheduled publication, so a scheduled article
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
import logging
import time
import uuid
from importlib import import_module
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import Min
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, set_response_etag

from . import fanout
from .purge import edge_in_front

logger = logging.getLogger(__name__)

TOKEN_KEY = "newsroom:content-token"
CACHEABLE_STATUSES = frozenset({200, 301, 404, 410})


# A token read that took this long waited for a Redis that did not answer (frozen): it is read
# again, after the writes handed to Redis in the meantime (set_without_waiting) are applied.
SLOW_ANSWER_SECONDS = 0.5


def content_token() -> str | None:
    """The current content token; a missing one (evicted, first start) starts afresh, and so
    does one from before the Redis server restarted.

    None when the shared cache cannot be reached: pages are then neither served from it nor
    stored in it.
    """
    try:
        asked_at = time.monotonic()
        token = shared_cache("get", TOKEN_KEY)
        if time.monotonic() - asked_at > SLOW_ANSWER_SECONDS:
            token = shared_cache("get", TOKEN_KEY)
        run = server_run()  # after the read: a reconnection during it has told us the run
        if token is None:
            shared_cache("add", TOKEN_KEY, new_token(run), None)
            token = shared_cache("get", TOKEN_KEY) or new_token(run)
        elif not of_run(token, run):
            # Redis restarted with its data (persistence): changes made while it was down
            # could not renew the token, and processes that did not see it go never knew.
            # (A token naming no run was made by a process not yet connected: renewed too.)
            if ":" in token:
                logger.warning("The cache server restarted; every cached page is renewed.")
            token = new_token(run)
            shared_cache("set", TOKEN_KEY, token, None)
    except CacheUnavailable:
        return None
    return token


def content_changed() -> None:
    """Something readers can see changed: every cached page is now out of date."""
    token = new_token(server_run())
    try:
        shared_cache("set", TOKEN_KEY, token, None)
    except CacheUnavailable:
        # Renewed on this process's next successful access (shared_cache); and handed to a
        # Redis that does not answer, which applies it when it resumes, before it answers
        # any process that did not see it stop.
        hand_over(TOKEN_KEY, token)


def new_token(run: str | None) -> str:
    return f"{run}:{uuid.uuid4().hex}" if run else uuid.uuid4().hex


def of_run(token: str, run: str | None) -> bool:
    """Whether `token` was made while the cache server ran as `run` (None: no such thing, as
    with files, or not known yet)."""
    return run is None or token.startswith(f"{run}:")


def server_run() -> str | None:
    """Which run of the cache server this process talks to (newsroom/cache_backends.py)."""
    run = getattr(cache, "server_run", None)
    return run() if run is not None else None


def hand_over(key: str, value) -> None:
    send = getattr(cache, "set_without_waiting", None)
    if send is None:
        return
    # Best effort: the renewal on this process's next successful access is the rule.
    with contextlib.suppress(Exception):
        send(key, value)


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
            cache.set(TOKEN_KEY, new_token(server_run()), None)
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


def page_key(request, token: str) -> str:
    address, _others = page_address(request)
    return f"newsroom:page:{token}:{hashlib.sha256(address.encode()).hexdigest()}"


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
        is down, the page is marked for the CDN as usual but not stored here).

        Not stored either, so that made-up query strings cannot fill the cache: the page for a
        request with query parameters pages do not read (page_address), and a 404 for one with
        a query string (a page number past the end, a made-up one)."""
        response = self.get_response(request)
        if is_cacheable_response(response):
            timeout = settings.PAGE_CACHE_SECONDS
            upcoming = seconds_to_next_publication(token)
            if upcoming is not None:
                timeout = min(timeout, upcoming)
            mark_public(response, timeout)
            name_what_it_shows(response, request)
            _address, others = page_address(request)
            keep = key is not None and not others
            if keep and request.GET and response.status_code == 404:
                keep = False
            if timeout > 0 and keep:
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
