"""Pages' history, kept by django-reversion as articles' is (articles/editorial/revisions.py)."""

import reversion

from .models import Page

reversion.register(Page, exclude=["body_html"])

# What a restore brings back; the workflow state stays as it is, as for articles.
RESTORED_FIELDS = ["title", "slug", "body"]
