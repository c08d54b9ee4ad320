"""Whether a kept page is still fresh, in the shared cache (files, or Redis), for every process.

Three things say so:

- **the content token**, renewed by a change to everything (a section's name, which is on every
  page; a fixture load; a bulk insert) and when the cache server lost or may have missed
  changes (it restarted, or was unreachable while something changed);
- **a generation per surrogate key** (`article-12`, `tag-7`, `list`, …: the keys pages name for
  the CDN, fanout.py), renewed by every change that touches the key, so an edit renews exactly
  the pages that show what it changed;
- **the last-change mark**, renewed by every change of any kind, the token's included, after
  the token and the generations: a page made since the last change is fresh without looking
  at its token or keys, so while nobody edits a hit is one small read (pages.py keeps pages
  in each process's memory too, checked against the mark on every request).

A kept page records the token, the mark and the generations of its keys as they were before
it was rendered; it is fresh while the token is the same and either the mark or every one of
those generations is. A generation that is missing (evicted, never made) matches nothing, so
losing one costs a render, never a stale page.
"""

import contextlib
import logging
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

TOKEN_KEY = "newsroom:content-token"
MARK_KEY = "newsroom:last-change"
GENERATION_PREFIX = "newsroom:generation:"

# A token read that took this long waited for a Redis that did not answer (frozen): it is read
# again, after the writes handed to Redis in the meantime (set_without_waiting) are applied.
SLOW_ANSWER_SECONDS = 0.5


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
    a change this process made while the cache was down could not renew its keys, and pages
    kept from before must not be served once the cache is back.
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
            renew_token_and_mark(cache.set)
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


def server_run() -> str | None:
    """Which run of the cache server this process talks to (newsroom/cache_backends.py)."""
    run = getattr(cache, "server_run", None)
    return run() if run is not None else None


def renew_token_and_mark(set_value) -> None:
    """A new content token, then a new mark: every kept page and fragment is out of date."""
    run = server_run()
    set_value(TOKEN_KEY, new_token(run), None)
    set_value(MARK_KEY, new_token(run), None)


def hand_over_everything_changed() -> None:
    """To a Redis that does not answer, the renewal of everything, which it applies when it
    resumes, before it answers any process that did not see it stop."""
    send = getattr(cache, "set_without_waiting", None)
    if send is None:
        return
    # Best effort: the renewal on this process's next successful access is the rule.
    with contextlib.suppress(Exception):
        renew_token_and_mark(lambda key, value, _timeout: send(key, value))


def new_token(run: str | None) -> str:
    return f"{run}:{uuid.uuid4().hex}" if run else uuid.uuid4().hex


def of_run(token: str, run: str | None) -> bool:
    """Whether `token` was made while the cache server ran as `run` (None: no such thing, as
    with files, or not known yet)."""
    return run is None or token.startswith(f"{run}:")


# Reading ------------------------------------------------------------------------------------


def current(*keys: str) -> tuple[str, str, dict]:
    """The content token, the last-change mark and the values of `keys`, in one read.

    A missing token or mark (evicted, first start) starts afresh, and so does a token from
    before the Redis server restarted. CacheUnavailable when the cache cannot be reached.
    """
    asked_at = time.monotonic()
    names = [TOKEN_KEY, MARK_KEY, *keys]
    values = shared_cache("get_many", names)
    if time.monotonic() - asked_at > SLOW_ANSWER_SECONDS:
        values = shared_cache("get_many", names)
    run = server_run()  # after the read: a reconnection during it has told us the run
    token, mark = values.get(TOKEN_KEY), values.get(MARK_KEY)
    if token is None:
        shared_cache("add", TOKEN_KEY, new_token(run), None)
        token = shared_cache("get", TOKEN_KEY) or new_token(run)
    elif not (of_run(token, run) and of_run(mark or "", run)):
        # Redis restarted with its data (persistence): changes made while it was down
        # could not renew their keys, and processes that did not see it go never knew.
        # (A token naming no run was made by a process not yet connected: renewed too.)
        if ":" in token:
            logger.warning("The cache server restarted; every cached page is renewed.")
        token, mark = new_token(run), new_token(run)
        shared_cache("set_many", {TOKEN_KEY: token, MARK_KEY: mark}, None)
    if mark is None:
        shared_cache("add", MARK_KEY, new_token(run), None)
        mark = shared_cache("get", MARK_KEY) or ""
    return token, mark, {key: values[key] for key in keys if key in values}


def current_mark() -> str | None:
    """The last-change mark alone, in one small read; None when it is missing or from before
    the cache server restarted (current() then starts afresh)."""
    asked_at = time.monotonic()
    mark = shared_cache("get", MARK_KEY)
    if time.monotonic() - asked_at > SLOW_ANSWER_SECONDS:
        mark = shared_cache("get", MARK_KEY)  # as in current()
    if mark is None or not of_run(mark, server_run()):
        return None
    return mark


def content_token() -> str | None:
    """The current content token; None when the shared cache cannot be reached."""
    try:
        token, _mark, _values = current()
    except CacheUnavailable:
        return None
    return token


def generations(keys) -> dict[str, str]:
    """The generation of each surrogate key; one never made yet is made now."""
    names = {f"{GENERATION_PREFIX}{key}": key for key in keys}
    found = shared_cache("get_many", list(names))
    missing = [name for name in names if name not in found]
    for name in missing:
        shared_cache("add", name, uuid.uuid4().hex, None)
    if missing:
        found |= shared_cache("get_many", missing)
    return {names[name]: value for name, value in found.items()}


def still_fresh(kept: dict[str, str]) -> bool:
    """Whether every key a page showed is at the generation it was rendered at."""
    names = {f"{GENERATION_PREFIX}{key}": value for key, value in kept.items()}
    now = shared_cache("get_many", list(names))
    return all(now.get(name) == value for name, value in names.items())


# Changing -----------------------------------------------------------------------------------


def content_changed() -> None:
    """Something on every page changed: every cached page is now out of date."""
    try:
        renew_token_and_mark(lambda *args: shared_cache("set", *args))
    except CacheUnavailable:
        # Renewed on this process's next successful access (shared_cache); and handed to a
        # Redis that does not answer.
        hand_over_everything_changed()


def keys_changed(keys) -> None:
    """What pages name by `keys` changed: those pages, and only those, are out of date.

    The mark is renewed before the generations and again after them. A render that read the
    mark before and finds it the same after reading the generations saw none of this change
    (the page is kept); a process that trusts a page because the mark did not move since it
    last checked sees the second renewal once the generations have moved.
    """
    try:
        run = server_run()
        renewed = {f"{GENERATION_PREFIX}{key}": uuid.uuid4().hex for key in keys}
        shared_cache("set_many", {MARK_KEY: new_token(run), **renewed}, None)
        shared_cache("set", MARK_KEY, new_token(run), None)
    except CacheUnavailable:
        # As content_changed(): nothing is known to be fresh once the cache is back.
        hand_over_everything_changed()


@dataclass(frozen=True)
class Stamp:
    """How fresh what a kept page or fragment shows was when it was made: the token and the
    mark read before it was made, and the generations of its keys read after."""

    token: str
    mark: str
    generations: dict  # surrogate key -> its generation when it was made
    made: str  # names this making, for the per-process trust in it

    def is_fresh(self, key: str, token: str, mark: str) -> bool:
        """Whether what is kept under `key` is fresh, given the current token and mark."""
        if self.token != token:
            return False
        if self.mark == mark or (key, mark, self.made) in trusted:
            return True
        if not still_fresh(self.generations):
            return False
        trusted.add(key, mark, self.made)
        return True


def stamp(keys, token: str, mark: str) -> Stamp | None:
    """After making something that shows `keys` under the token and mark read before: its
    stamp, or None when something changed while it was made (it must not be kept).

    The generations are read after the making and the mark after them; a change renews the
    mark before its generations (keys_changed), so a making that saw any of a change finds
    the mark moved.
    """
    kept_generations = generations(keys)
    _token, mark_after, _found = current()
    if mark_after != mark:
        return None
    return Stamp(token=token, mark=mark, generations=kept_generations, made=uuid.uuid4().hex)


class Trusted:
    """Pages this process found fresh, by the last-change mark it found them under: until the
    mark moves, they are fresh without reading their keys again. Bounded; per process."""

    LIMIT = 10_000

    def __init__(self):
        self.pages: dict[str, tuple[str, str]] = {}

    def __contains__(self, page: tuple[str, str, str]) -> bool:
        key, mark, made = page
        return self.pages.get(key) == (mark, made)

    def add(self, key: str, mark: str, made: str) -> None:
        if len(self.pages) >= self.LIMIT:
            self.pages.clear()
        self.pages[key] = (mark, made)


trusted = Trusted()


class InMemory:
    """What this process found fresh (pages, fragments), kept in its memory too: while the
    last-change mark is the one it was checked under, it is used after one small read of the
    shared cache (the mark), not of itself; after a change, it is checked again by its token
    and its keys' generations, still without reading it. Bounded by bytes
    (settings.PAGE_CACHE_MEMORY_BYTES); the least recently used go first; nothing outlives its
    time in the shared cache."""

    def __init__(self):
        self.entries: OrderedDict[str, tuple] = OrderedDict()  # key -> (value, stamp, until, size)
        self.size = 0
        self.lock = threading.Lock()  # for threaded servers (runserver, a pool of threads)

    def fresh(self, key: str):
        """The value kept under `key` if it is fresh now, else None."""
        entry = self.entries.get(key)
        if entry is None:
            return None
        value, kept_stamp, until, _size = entry
        if until <= time.time():
            self.forget(key)
            return None
        mark = current_mark()
        if mark is None:
            return None
        if not (
            kept_stamp.mark == mark
            or (key, mark, kept_stamp.made) in trusted
            or checked_again(key, kept_stamp)
        ):
            self.forget(key)
            return None
        with self.lock, contextlib.suppress(KeyError):  # forgotten meanwhile
            self.entries.move_to_end(key)
        return value

    def add(self, key: str, value, kept_stamp: Stamp, until: float, size: int) -> None:
        limit = settings.PAGE_CACHE_MEMORY_BYTES
        if size > limit // 4:
            return
        with self.lock:
            self._forget(key)
            self.entries[key] = (value, kept_stamp, until, size)
            self.size += size
            while self.size > limit:
                self._forget(next(iter(self.entries)))

    def forget(self, key: str) -> None:
        with self.lock:
            self._forget(key)

    def _forget(self, key: str) -> None:
        entry = self.entries.pop(key, None)
        if entry is not None:
            self.size -= entry[3]


def checked_again(key: str, kept_stamp: Stamp) -> bool:
    """Stamp.is_fresh() for what is held in memory, in one read of the shared cache (the token,
    the mark and the generations of its keys) rather than one for it and one for its keys."""
    names = {f"{GENERATION_PREFIX}{name}": value for name, value in kept_stamp.generations.items()}
    token, mark, found = current(*names)
    if kept_stamp.token != token:
        return False
    if kept_stamp.mark == mark or (key, mark, kept_stamp.made) in trusted:
        return True
    if any(found.get(name) != value for name, value in names.items()):
        return False
    trusted.add(key, mark, kept_stamp.made)
    return True


in_memory = InMemory()
