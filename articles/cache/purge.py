"""Purging pages from a CDN: the backends, and the queue that turns the keys of one
transaction into one purge job (jobs.purge_pages) once it commits; a worker sends it, trying
again while the CDN is down."""

import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from .. import jobs
from .fanout import ALL

logger = logging.getLogger(__name__)

PURGE_TIMEOUT_SECONDS = 2


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


def edge_in_front() -> bool:
    """Whether a CDN keeps the site's pages (DJANGO_PURGE_BACKEND is not "none")."""
    return not issubclass(import_string(settings.PURGE_BACKEND), NullBackend)
