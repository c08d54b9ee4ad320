"""Public pages kept whole for readers, in Django's shared cache and at a CDN, and never stale.

- fanout.py: what pages depend on (the surrogate keys a change to each kind of row touches);
- pages.py: the page cache middleware, its freshness token, and the headers public pages send;
- purge.py: purging the CDN, as jobs (jobs.py) stored when a change commits.

Views name what a page shows with `shows()`; a change anywhere reaches `changed()` (signals.py).
See docs/caching.md.
"""

from django.db import transaction

from .fanout import ALL, FEEDS, HOME, LIST, SITEMAPS, article_keys, changed_keys, key
from .pages import content_changed, content_token, shows
from .purge import edge_in_front, purge_on_commit

__all__ = [
    "ALL",
    "FEEDS",
    "HOME",
    "LIST",
    "SITEMAPS",
    "article_keys",
    "changed",
    "changed_keys",
    "content_changed",
    "content_token",
    "edge_in_front",
    "everything_changed",
    "key",
    "purge_on_commit",
    "shows",
]


def changed(**signal_kwargs) -> None:
    """A row pages depend on changed: the receiver of post_save, post_delete and m2m_changed.

    The page cache is renewed now, and again once the transaction commits: a page rendered in
    between, from the data as it was, must not be kept under the new token. The CDN's purge is a
    job stored on commit (before that, the CDN would fetch the pages again from the old data).
    """
    using = signal_kwargs.get("using")
    content_changed()
    transaction.on_commit(content_changed, using=using)
    purge_on_commit(changed_keys(**signal_kwargs), using=using)


def everything_changed(using=None) -> None:
    """For writers that send no signals (bulk inserts): every page is out of date on commit."""
    transaction.on_commit(content_changed, using=using)
    purge_on_commit({ALL}, using=using)
