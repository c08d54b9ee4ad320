"""The editors' desk: the Django admin, configured for a newsroom. Importing registers it."""

from . import (  # noqa: F401
    articles,
    frontpage,
    jobs,
    media,
    notifications,
    people,
    tags,
    translations,
)
