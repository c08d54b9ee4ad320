"""Parts of pages kept between versions, for every process, and as never stale as pages.

A page's story (the article as a reader sees it, a list of teasers: views/stories.py) and the
site's navigation cost most of a page's queries and templates, and change far less often than
pages are asked for. They are kept in the shared cache with a stamp (freshness.py) of the
surrogate keys they show, exactly as the page cache keeps whole pages: fresh while none of
those keys has been renewed, so an edit renews the stories that show what it changed and no
other, and a page missing from the page cache (or with the page cache off) re-renders only the
page around its story. Nothing is kept past the next scheduled publication.

DJANGO_FRAGMENT_CACHE=false turns it off.
"""

import contextlib
import hashlib
import pickle
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from . import fanout
from .freshness import CacheUnavailable, Stamp, current, in_memory, shared_cache, stamp
from .pages import seconds_to_next_publication

# Part of every fragment's key: fragments of an earlier shape are never read.
FRAGMENT_FORMAT = 1


@dataclass(frozen=True)
class KeptFragment:
    stamp: Stamp
    expires_at: float
    size: int
    value: Any


def fragment_key(name: str) -> str:
    digest = hashlib.sha256(name.encode()).hexdigest()
    return f"newsroom:fragment:{FRAGMENT_FORMAT}:{digest}"


def kept(name: str, make: Callable[[], tuple[Any, Iterable[str] | None]]):
    """The value kept as `name` while it is fresh; else `make()`'s, kept for next time.

    `make()` returns the value and the surrogate keys of what it shows, or None for keys when
    it must not be kept (an answer that is not the page's usual one: a redirect, a 404).
    The shared cache being down costs a `make()`, never a stale value.
    """
    if not settings.FRAGMENT_CACHE:
        return make()[0]
    key = fragment_key(name)
    try:
        remembered = in_memory.fresh(key)
        if remembered is not None:
            return remembered
        token, mark, found = current(key)
        entry = found.get(key)
        if isinstance(entry, KeptFragment) and entry.stamp.is_fresh(key, token, mark):
            in_memory.add(key, entry.value, entry.stamp, entry.expires_at, entry.size)
            return entry.value
    except CacheUnavailable:
        return make()[0]
    value, keys = make()
    if keys is not None:
        with contextlib.suppress(CacheUnavailable):
            keep(key, value, set(keys) - {fanout.ALL}, token, mark, size=made_size(value))
    return value


def made_size(value) -> int:
    """About how much memory a kept value takes (its pickle's length)."""
    return len(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))


def keep(key: str, value, keys: set[str], token: str, mark: str, size: int) -> None:
    timeout = settings.PAGE_CACHE_SECONDS
    upcoming = seconds_to_next_publication(token, mark)
    if upcoming is not None:
        timeout = min(timeout, upcoming)
    if timeout <= 0:
        return
    fragment_stamp = stamp(keys, token, mark)
    if fragment_stamp is not None:
        fragment = KeptFragment(fragment_stamp, time.time() + timeout, size, value)
        shared_cache("set", key, fragment, timeout)
