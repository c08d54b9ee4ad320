"""How content changes: the editorial actions (actions.py; notes.py for editorial notes), the
workflow's rules (workflow.py), revisions (revisions.py), the front page's placements
(frontpage.py) and the domain signals the actions send (signals.py).

    from articles import editorial

    with transaction.atomic():
        article = editorial.lock(Article, pk, seen_version=version)
        article.headline = "…"
        editorial.save(article, user, seen_version=version)
    editorial.publish(Article, pk, user)
"""

from . import frontpage  # the front page's actions: place, move, remove
from .actions import (
    Conflict,
    add_correction,
    check_version,
    edit,
    lock,
    make_share_link,
    mark_current,
    publish,
    restore,
    revoke_share_link,
    save,
    submit,
    unpublish,
    withdraw,
)
from .notes import add_note
from .workflow import WorkflowError

__all__ = [
    "Conflict",
    "WorkflowError",
    "add_correction",
    "add_note",
    "check_version",
    "edit",
    "frontpage",
    "lock",
    "make_share_link",
    "mark_current",
    "publish",
    "restore",
    "revoke_share_link",
    "save",
    "submit",
    "unpublish",
    "withdraw",
]
