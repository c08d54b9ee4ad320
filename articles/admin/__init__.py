"""The editors' desk: the Django admin, configured for a newsroom. Importing registers it."""

from . import articles, jobs, media, notifications, people, tags, translations  # noqa: F401
