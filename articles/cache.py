"""The page cache: whole public pages from Django's cache and from a CDN, and never stale.

Freshness comes from one token in the shared cache. Every change to anything a page can show
(signals.py calls content_changed()) replaces the token; cached pages are keyed by it, so the
next request after a change, on any worker of any server that shares the cache, renders the
page afresh. A page is never kept past the next scheduled publication, so a scheduled article
appears at its time with no job running.

Only anonymous GET and HEAD requests for public pages are served from the cache or stored in
it: a request with a session cookie (an editor) always gets a freshly rendered page, and a
response that sets a cookie, varies on cookies or says private / no-store (previews, forms)
is never stored. DJANGO_PAGE_CACHE=false turns it all off.

The same pages may be kept by a CDN (Varnish: deploy/varnish/, docs/caching.md). Each public
response names what it shows in surrogate-key headers (views call shows()); every change
purges the keys it touches (signals.py calls purge_on_commit(changed_keys(...))): once its
transaction commits, a purge job (jobs.py) is stored, and a worker sends it through the purge
backend, trying again while the CDN is down.
"""

import contextlib
import hashlib
import logging
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.cache import patch_cache_control, set_response_etag
from django.utils.module_loading import import_string

from . import jobs

logger = logging.getLogger(__name__)

TOKEN_KEY = "newsroom:content-token"
CACHEABLE_STATUSES = frozenset({200, 301, 404, 410})

# Surrogate keys every public response may carry. Pages that show one thing carry its key
# (article-12, section-3, tag-7, author-5); ALL is on every response, LIST on every page that
# lists articles and on every page that names nothing (404s, redirects, 410s).
ALL = "all"
LIST = "list"
HOME = "home"
FEEDS = "feeds"
SITEMAPS = "sitemaps"
PURGE_TIMEOUT_SECONDS = 2


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
    from .models import Article  # the cache knows pages, the model knows no cache

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


def edge_in_front() -> bool:
    """Whether a CDN keeps the site's pages (DJANGO_PURGE_BACKEND is not "none")."""
    return not issubclass(import_string(settings.PURGE_BACKEND), NullBackend)


# What a page shows, for the CDN -------------------------------------------------------------


def key(obj) -> str:
    """`article-12`: the surrogate key of an article, section, tag or author."""
    return f"{obj._meta.model_name}-{obj.pk}"


def article_keys(article) -> set[str]:
    """What an article's page shows of it: the article, its section, tags and authors.

    Needs the article's tags and bylines prefetched (Article.objects.with_relations()).
    """
    return {
        key(article),
        f"section-{article.section_id}",
        *(key(tag) for tag in article.tags.all()),
        *(f"author-{byline.author_id}" for byline in article.bylines.all()),
    }


def shows(request, *keys: str) -> None:
    """Record what the page answering `request` shows (surrogate keys); the middleware sends
    them on public responses only."""
    request.__dict__.setdefault("surrogate_keys", set()).update(keys)


def name_what_it_shows(response, request) -> None:
    """Surrogate-key headers on a public response.

    Every response carries ALL; one whose view named nothing (a 404, a redirect, a 410) is
    treated like a list, since publishing any article may change it.
    """
    keys = {ALL, *(getattr(request, "surrogate_keys", None) or {LIST})}
    value = " ".join(sorted(keys))
    for header in settings.SURROGATE_KEY_HEADERS:
        response[header] = value


# What a change touches, and purging it from the CDN -----------------------------------------


def changed_keys(instance=None, raw=False, model=None, pk_set=None, **kwargs) -> set[str]:
    """The surrogate keys of every page a change to `instance` may show differently.

    Takes a post_save / post_delete / m2m_changed signal's arguments. A change to an article
    or anything of it (translation, byline, tag, correction, old address) purges the article's
    own page, every page that shows it as related, and every list; a tag or author purges its
    pages and lists; a section, in every page's navigation, purges everything, as does a
    fixture load and whatever is not known here.
    """
    from taggit.models import Tag

    from .models import (
        Article,
        ArticleTranslation,
        Author,
        AuthorTranslation,
        Byline,
        Correction,
        SlugRedirect,
        TaggedArticle,
    )

    if raw:
        return {ALL}
    if isinstance(instance, Article | Author | Tag):
        keys = {key(instance)}
    elif isinstance(instance, ArticleTranslation | Byline | Correction | SlugRedirect):
        keys = {f"article-{instance.article_id}"}
    elif isinstance(instance, TaggedArticle):
        keys = {f"article-{instance.content_object_id}"}
    elif isinstance(instance, AuthorTranslation):
        keys = {f"author-{instance.author_id}"}
    else:
        return {ALL}
    if model is Article and pk_set:
        # Related articles or tags changed from the other side: those articles' pages too.
        keys |= {f"article-{pk}" for pk in pk_set}
    return keys | {LIST}


class PurgeFailed(Exception):
    """The CDN did not take a purge; the purge job records it and tries again later."""


class PurgeBackend:
    """Where purges go: drops every cached page carrying any of the given surrogate keys.

    purge() runs in a worker (jobs.purge_pages), never in an editor's request; it raises
    PurgeFailed when the CDN does not take the purge, so the job fails visibly and is retried.
    """

    def purge(self, keys: list[str]) -> None:
        raise NotImplementedError


class NullBackend(PurgeBackend):
    """No CDN: nothing to purge (the page cache renews itself through the content token)."""

    def purge(self, keys: list[str]) -> None:
        pass


class VarnishBackend(PurgeBackend):
    """Varnish with the xkey vmod (deploy/varnish/newsroom.vcl): one PURGE request to each
    server, its keys in the xkey-purge header. Every server is tried; if any does not answer
    (or refuses), PurgeFailed names each with its reason, and the job purges them all again
    later (a purge repeated is harmless)."""

    def __init__(self, urls: Iterable[str] | None = None, timeout: float = PURGE_TIMEOUT_SECONDS):
        self.urls = list(settings.VARNISH_URLS if urls is None else urls)
        self.timeout = timeout

    def purge(self, keys: list[str]) -> None:
        failures = []
        for url in self.urls:
            request = urllib.request.Request(
                url, method="PURGE", headers={"xkey-purge": " ".join(keys)}
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    logger.debug("Purged %s from %s: %s", keys, url, response.reason)
            except OSError as error:  # refused, timed out, or an HTTP error status
                failures.append(f"{url}: {why(error)}")
        if failures:
            raise PurgeFailed(f"Could not purge {' '.join(keys)} from {'; '.join(failures)}")


def why(error: OSError) -> str:
    """ "Connection refused", "timed out", "answered 403 Forbidden": why a request failed."""
    if isinstance(error, urllib.error.HTTPError):
        return f"answered {error.code} {error.reason}"
    reason = getattr(error, "reason", error)
    return getattr(reason, "strerror", None) or str(reason)


def purge_keys(keys: Iterable[str]) -> list[str]:
    """The keys one purge sends: sorted, and only ALL when ALL is among them."""
    keys = set(keys)
    return [ALL] if ALL in keys else sorted(keys)


class PurgeQueue(threading.local):
    """Keys to purge once the current transaction commits, gathered so that one save of an
    article with its bylines, tags and translations sends one purge, not one per row.

    Keys of a transaction that rolled back go out with the next purge: one purge too many
    is harmless, one too few would leave a stale page.
    """

    def __init__(self):
        self.keys = set()

    def add(self, keys: Iterable[str], using: str | None = None) -> None:
        self.keys.update(keys)
        # robust: a job that cannot be stored is logged, and never breaks the edit that committed.
        transaction.on_commit(self.send, using=using, robust=True)

    def send(self) -> None:
        """Store one purge job with the keys gathered (none without a CDN: nothing to purge)."""
        keys, self.keys = self.keys, set()
        if keys and edge_in_front():
            jobs.purge_pages.enqueue(keys=purge_keys(keys))


purge_queue = PurgeQueue()


def purge_on_commit(keys: Iterable[str], using: str | None = None) -> None:
    """Purge `keys` from the CDN: a job stored once the current transaction commits (at once
    outside one), run by a worker."""
    purge_queue.add(keys, using=using)
