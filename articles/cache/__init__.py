"""Public pages kept whole for readers, in Django's shared cache and at a CDN, and never stale.

- fanout.py: what pages depend on (the surrogate keys a change to each kind of row touches);
- freshness.py: whether a kept page is still fresh (a generation per key, the content token);
- pages.py: the page cache middleware, and the headers public pages send;
- purge.py: purging the CDN, as jobs (jobs.py) stored when a change commits.

Views name what a page shows with `shows()`; a change anywhere reaches `changed()` (signals.py).
See docs/caching.md.
"""

from django.db import transaction

from .fanout import (
    ALL,
    FEEDS,
    HOME,
    LIST,
    SEARCH,
    SITEMAPS,
    article_keys,
    body_key,
    changed_keys,
    front_key,
    key,
)
from .freshness import content_changed, content_token, keys_changed
from .pages import shows
from .purge import edge_in_front, purge_on_commit

__all__ = [
    "ALL",
    "FEEDS",
    "HOME",
    "LIST",
    "SEARCH",
    "SITEMAPS",
    "article_keys",
    "body_key",
    "changed",
    "changed_keys",
    "content_changed",
    "content_token",
    "edge_in_front",
    "everything_changed",
    "front_key",
    "key",
    "keys_changed",
    "pages_changed",
    "purge_on_commit",
    "shows",
]


def changed(**signal_kwargs) -> None:
    """A row pages depend on changed: the receiver of post_save, post_delete and m2m_changed.

    The pages that show it are renewed in the page cache now, and again once the transaction
    commits: a page rendered in between, from the data as it was, must not be kept as fresh.
    The CDN's purge is a job stored on commit (before that, the CDN would fetch the pages again
    from the old data).
    """
    keys = changed_keys(**signal_kwargs)
    if not keys:
        return
    using = signal_kwargs.get("using")
    pages_changed(keys)
    transaction.on_commit(lambda: pages_changed(keys), using=using)
    purge_on_commit(keys, using=using)


def pages_changed(keys) -> None:
    """Renew the pages named by `keys` in the page cache (ALL: every page)."""
    if ALL in keys:
        content_changed()
    else:
        keys_changed(keys)


def everything_changed(using=None) -> None:
    """For writers that send no signals (bulk inserts): every page is out of date on commit."""
    transaction.on_commit(content_changed, using=using)
    purge_on_commit({ALL}, using=using)
