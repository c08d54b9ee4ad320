"""The editorial actions for pages: the only way a page changes state.

The articles' rules, applied to pages: who may take which workflow step (and change published
or withdrawn work) is articles/editorial/workflow.py's; each change runs in one transaction on
the row as stored (articles' lock(), version-checked) and is recorded as a revision
(articles/editorial/revisions.py) with who did it.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from articles.editorial import revisions, workflow
from articles.editorial.actions import Conflict, LockedRow, check_version, lock
from articles.models import Status

from .models import Page
from .revisions import RESTORED_FIELDS

__all__ = ["Conflict", "lock", "move", "publish", "restore", "save", "submit", "withdraw"]


def _user(user):
    return user if user is not None and user.is_authenticated else None


def _locked(page) -> LockedRow | None:
    return page.__dict__.get("_editorial_lock")


def save(page: Page, user, *, seen_version=None, comment="") -> Page:
    """Save a page as the editor left it: its text and status.

    `page` is new, or was loaded with lock() in this transaction and changed since."""
    with transaction.atomic(savepoint=False):
        adding = page.pk is None
        locked = None if adding else _locked(page)
        if not adding and locked is None:
            raise transaction.TransactionManagementError(
                "save() changes a row lock() took in this transaction."
            )
        check_version(page, seen_version)
        old_status = Status.DRAFT if adding else locked.status
        if not adding:
            workflow.check_may_change(old_status, user)
        workflow.check_step(
            old_status, page.status, user, is_live=locked is not None and locked.was_live
        )
        if adding:
            page.created_by = _user(user)
        page.updated_by = _user(user)
        with revisions.revision(user, comment or (_("Created.") if adding else _("Saved."))):
            page.save()
            revisions.add_with_relations(page)
        page._editorial_lock = LockedRow.of(page)
    return page


def move(obj_or_pk, new_status, user, *, seen_version=None, comment="") -> Page:
    """One workflow step of a stored page (the desk's bulk actions)."""
    with transaction.atomic():
        pk = obj_or_pk.pk if isinstance(obj_or_pk, Page) else obj_or_pk
        page = lock(Page, pk, seen_version=seen_version)
        old_status = page.status
        workflow.check_may_change(old_status, user)
        workflow.check_step(old_status, new_status, user, is_live=page.is_public())
        page.status = new_status
        page.updated_by = _user(user)
        with revisions.revision(user, comment):
            page.save(update_fields=["status", "updated_by"])
            revisions.add_with_relations(page)
    return page


def submit(obj_or_pk, user, *, seen_version=None) -> Page:
    return move(
        obj_or_pk, Status.IN_REVIEW, user, seen_version=seen_version,
        comment=_("Submitted for review."),
    )  # fmt: skip


def publish(obj_or_pk, user, *, seen_version=None) -> Page:
    return move(
        obj_or_pk, Status.PUBLISHED, user, seen_version=seen_version, comment=_("Published.")
    )


def withdraw(obj_or_pk, user, *, seen_version=None) -> Page:
    return move(
        obj_or_pk, Status.WITHDRAWN, user, seen_version=seen_version, comment=_("Withdrawn.")
    )


def restore(obj_or_pk, revision_id, user, *, seen_version=None) -> Page:
    """Bring back the title, address and text of a revision, as a new revision; the status
    stays as it is now."""
    with transaction.atomic():
        pk = obj_or_pk.pk if isinstance(obj_or_pk, Page) else obj_or_pk
        page = lock(Page, pk, seen_version=seen_version)
        workflow.check_may_change(page.status, user)
        old = revisions.snapshot(page, revision_id)
        if old is None:
            raise workflow.WorkflowError(_("This revision does not hold this item."))
        for name in RESTORED_FIELDS:
            if name in old.fields:
                setattr(page, name, old.fields[name])
        if page.is_public() and page.slug != Page.objects.only("slug").get(pk=page.pk).slug:
            page.slug = Page.objects.only("slug").get(pk=page.pk).slug
        return save(page, user, comment=_("Restored an earlier version."))
