"""The editors' desk: the Django admin, configured for a newsroom. Importing registers it."""

from . import articles, people, translations  # noqa: F401
