"""The editors' desk: the Django admin, configured for a newsroom. Importing registers it."""

from . import articles, frontpage, jobs, media, people, tags, translations  # noqa: F401
