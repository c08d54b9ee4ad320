"""The page cache: whole public pages from Django's cache, and never stale.

Freshness comes from one token in the shared cache. Every change to anything a page can show
(signals.py calls content_changed()) replaces the token; cached pages are keyed by it, so the
next request after a change, on any worker of any server that shares the cache, renders the
page afresh. A page is never kept past the next scheduled publication, so a scheduled article
appears at its time with no job running.

Only anonymous GET and HEAD requests for public pages are served from the cache or stored in
it: a request with a session cookie (an editor) always gets a freshly rendered page, and a
response that sets a cookie, varies on cookies or says private / no-store (previews, forms)
is never stored. DJANGO_PAGE_CACHE=false turns it all off.
"""

import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db.models import Min
from django.utils import timezone
from django.utils.cache import patch_cache_control

TOKEN_KEY = "newsroom:content-token"
CACHEABLE_STATUSES = frozenset({200, 301, 404, 410})


def content_token() -> str:
    """The current content token; a missing one (evicted, first start) starts afresh."""
    token = cache.get(TOKEN_KEY)
    if token is None:
        cache.add(TOKEN_KEY, uuid.uuid4().hex, None)
        token = cache.get(TOKEN_KEY) or uuid.uuid4().hex
    return token


def content_changed() -> None:
    """Something readers can see changed: every cached page is now out of date."""
    cache.set(TOKEN_KEY, uuid.uuid4().hex, None)


def seconds_to_next_publication(token: str) -> int | None:
    """Seconds until the next scheduled article goes live (None: nothing scheduled)."""
    from .models import Article  # the cache knows pages, the model knows no cache

    key = f"newsroom:next-publication:{token}"
    upcoming = cache.get(key)
    if upcoming is None:
        upcoming = Article.objects.scheduled().aggregate(at=Min("published_at"))["at"] or ""
        cache.set(key, upcoming, settings.PAGE_CACHE_SECONDS)
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
        key = page_key(request, token)
        cached = cache.get(key)
        if cached is not None:
            cached["X-Page-Cache"] = "hit"
            return cached
        response = self.get_response(request)
        if is_cacheable_response(response):
            mark_public(response)
            timeout = settings.PAGE_CACHE_SECONDS
            upcoming = seconds_to_next_publication(token)
            if upcoming is not None:
                timeout = min(timeout, upcoming)
            if timeout > 0:
                if hasattr(response, "render") and callable(response.render):
                    response.render()
                cache.set(key, response, timeout)
            response["X-Page-Cache"] = "miss"
        return response


def mark_public(response) -> None:
    """How long browsers and CDNs may keep a public page: browsers ask again each time (a
    304 when nothing changed); a CDN keeps it until the site purges it, or s-maxage."""
    if "Cache-Control" not in response:
        patch_cache_control(
            response,
            public=True,
            max_age=0,
            s_maxage=settings.PAGE_CACHE_SECONDS,
            stale_while_revalidate=60,
        )
