"""The editorial actions: the only way content changes state.

Save, submit, publish (now or at a time), unpublish, withdraw, restore a revision, mark a
translation current, add a correction, make and revoke share links. Each action

- runs in one transaction (its own, or a savepoint in the caller's, so that a refusal the caller
  catches leaves the caller's transaction usable; save() runs in the desk's request's own, the
  one its row was locked in, with no savepoint: the desk does not catch its refusals),
- works on the row as stored now, locked until the transaction ends (`select_for_update`), so a
  save racing a bulk action or a restore can never write back a row it read earlier,
- refuses the change when the row's version is not the one the editor saw (`Conflict`), or when
  the workflow does not allow it for this user (`WorkflowError`),
- records a revision (django-reversion), the workflow step with who and when,
- and sends one domain signal (signals.py) once it has committed.

The desk's forms, bulk actions and History call these; so can a management command or an API.
A change form locks the row when it loads it (`lock()`), applies the editor's fields, then calls
`save()`; everything else names the row by primary key.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..media.library import missing_credits
from ..models import (
    Article,
    ArticleTranslation,
    Correction,
    CorrectionKind,
    ShareLink,
    Status,
)
from . import revisions, workflow
from .signals import EVENTS, announce
from .workflow import WorkflowError


class Conflict(Exception):
    """The row changed since the editor saw it (its version moved on); nothing was changed."""

    def __init__(self, current):
        self.current = current
        super().__init__(f"{current} was saved again (version {current.version}).")


@dataclass(frozen=True)
class LockedRow:
    """A row as it was stored when lock() took it, and the transaction that holds the lock."""

    transaction: object
    version: int
    status: str
    was_live: bool
    values: dict  # attname -> value of every loaded column, to save only what changed

    @classmethod
    def of(cls, obj, now=None):
        deferred = obj.get_deferred_fields()
        return cls(
            transaction=_transaction(),
            version=obj.version,
            status=obj.status,
            was_live=obj.is_public(now),
            values={
                field.attname: getattr(obj, field.attname)
                for field in obj._meta.concrete_fields
                if field.attname not in deferred
            },
        )


# What refresh_derived_fields() makes from the text: saved whenever the text is.
TEXT_FIELDS = frozenset({"headline", "standfirst", "body"})
DERIVED_FIELDS = {
    Article: ["body_html", "media_shown", "summary", "content_digest"],
    ArticleTranslation: ["body_html", "media_shown", "summary"],
}


def _changed_fields(obj, locked: LockedRow) -> list[str]:
    """The fields of `obj` that differ from the row as locked, with what derives from them
    where it changed too: an edit of the body that leaves the summary as it was does not say
    it changed it, so the pages showing only the summary stay cached (cache/fanout.py)."""

    def differing():
        return [
            field.name
            for field in obj._meta.concrete_fields
            if field.attname in locked.values
            and getattr(obj, field.attname) != locked.values[field.attname]
        ]

    changed = differing()
    if not TEXT_FIELDS.intersection(changed):
        return changed
    obj.refresh_derived_fields()  # as save() will (a pre_save receiver), to compare
    unknown = [name for name in DERIVED_FIELDS[type(obj)] if name not in locked.values]
    return list(dict.fromkeys([*differing(), *unknown]))


def _transaction():
    """The current outermost atomic block: a lock taken in it is held until it ends."""
    return connection.atomic_blocks[0] if connection.in_atomic_block else None


def _locked_row(obj) -> LockedRow | None:
    locked = obj.__dict__.get("_editorial_lock")
    if locked is None or _transaction() is None or locked.transaction is not _transaction():
        return None
    return locked


def lock(model, pk, *, seen_version=None, queryset=None, baseline=True):
    """The row of `model` with primary key `pk` as stored now, locked until the current
    transaction ends. Conflict if its version is not `seen_version` (None: not checked).

    `baseline`: keep the stored version in the history first, if the history holds none (it
    was made by a fixture or a migration), so that the first edit at the desk loses nothing.
    """
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("lock() needs a transaction.")
    queryset = model._default_manager.all() if queryset is None else queryset
    if model is ArticleTranslation:
        # Whether it is live depends on its article.
        queryset = queryset.select_related("article").defer("article__search_document")
    if baseline:
        queryset = revisions.with_history_flag(queryset)
    obj = queryset.select_for_update(of=("self",)).get(pk=pk)
    obj._editorial_lock = LockedRow.of(obj)
    check_version(obj, seen_version)
    if baseline:
        revisions.ensure_baseline(obj)
    return obj


def check_version(obj, seen_version) -> None:
    """Conflict unless `obj` (locked) is still at the version the editor saw."""
    locked = _locked_row(obj)
    version = locked.version if locked is not None else obj.version
    if seen_version is not None and seen_version != version:
        raise Conflict(obj)


def _relock(obj_or_pk, model, seen_version=None, **options):
    """`obj_or_pk` locked in this transaction: as it is if lock() already took it here."""
    if isinstance(obj_or_pk, model) and _locked_row(obj_or_pk) is not None:
        check_version(obj_or_pk, seen_version)
        return obj_or_pk
    pk = obj_or_pk.pk if isinstance(obj_or_pk, model) else obj_or_pk
    return lock(model, pk, seen_version=seen_version, **options)


def _event(obj, old_status, new_status, *, default="saved") -> str:
    """The name of the domain event a change of `obj` from `old_status` to `new_status` is."""
    kind = "translation" if isinstance(obj, ArticleTranslation) else "article"
    if new_status == old_status:
        return f"{kind}_{default}"
    if new_status == Status.PUBLISHED:
        scheduled = isinstance(obj, Article) and obj.is_scheduled()
        return f"{kind}_scheduled" if scheduled else f"{kind}_published"
    return {
        Status.IN_REVIEW: f"{kind}_submitted",
        Status.WITHDRAWN: f"{kind}_withdrawn",
        Status.DRAFT: f"{kind}_sent_back"
        if old_status == Status.IN_REVIEW
        else f"{kind}_unpublished",
    }[new_status]


def _check_publishable(obj) -> None:
    if obj.status != Status.PUBLISHED:
        return
    if isinstance(obj, Article):
        problems = workflow.publication_problems(obj)
    else:
        problems = missing_credits(obj.body, obj.language, obj.article.lead_picture_id)
    if problems:
        raise WorkflowError(" ".join(str(problem) for problem in problems))


def _user(user):
    return user if user is not None and user.is_authenticated else None


def save(obj, user, *, seen_version=None, relations=None, comment="", event=None, now=None):
    """Save an article or translation as the editor left it: its text, filing and status.

    `obj` is new, or was loaded with lock() in this transaction and changed since. `relations`
    saves what goes with it (the desk's bylines, tags, inlines) once the row is saved, inside
    the same transaction and revision. Publishing an undated article puts it live now; a
    future publication time schedules it. `comment`: the revision's, or a function that says
    it once the relations are saved. `event`: the domain event, if not the one the status
    change makes (e.g. "translation_marked_current").
    """
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):
        adding = obj.pk is None
        locked = None if adding else _locked_row(obj)
        if not adding and locked is None:
            raise transaction.TransactionManagementError(
                "save() changes a row lock() took in this transaction."
            )
        check_version(obj, seen_version)
        old_status = Status.DRAFT if adding else locked.status
        if not adding:
            workflow.check_may_change(old_status, user)
        workflow.check_step(
            old_status, obj.status, user, is_live=locked is not None and locked.was_live
        )
        # Going live undated means going live now; a live undated article (seed 004) stays
        # undated when it is edited: its date is not ours to invent.
        going_live = obj.status == Status.PUBLISHED and old_status != Status.PUBLISHED
        if going_live and isinstance(obj, Article):
            obj.published_at = obj.published_at or now
        if adding:
            obj.created_by = _user(user)
        obj.updated_by = _user(user)
        with revisions.revision(user, "" if callable(comment) else comment):
            if adding:
                obj.save()
            else:
                # What the editor changed (and the stamps): a column nobody touched keeps its
                # value, and signal receivers see what changed (update_fields).
                obj.save(update_fields=[*_changed_fields(obj, locked), "updated_by"])
            if relations is not None:
                relations()
            revisions.add_with_relations(obj)
            _check_publishable(obj)
            if callable(comment):
                revisions.set_comment(comment())
        workflow.record(obj, old_status, obj.status, user, now)
        _after_step(obj, old_status, obj.status, user)
        obj._editorial_lock = LockedRow.of(obj, now)
        announce(EVENTS[event or _event(obj, old_status, obj.status)], obj, user)
    return obj


def edit(model, pk, user, *, seen_version=None, comment="", **changes):
    """save() without a form: lock the row, set `changes` (field names and values), save.
    For commands and APIs; the desk's forms lock and save themselves."""
    with transaction.atomic():
        obj = lock(model, pk, seen_version=seen_version)
        for name, value in changes.items():
            setattr(obj, name, value)
        obj.full_clean(exclude=["version"])
        return save(obj, user, seen_version=seen_version, comment=comment)


def _move(model, obj_or_pk, new_status, user, *, seen_version, comment, now, publish_at=None):
    """One workflow step of a stored article or translation (the desk's bulk actions)."""
    now = now or timezone.now()
    with transaction.atomic():
        obj = _relock(obj_or_pk, model, seen_version)
        old_status = obj.status
        workflow.check_may_change(old_status, user)
        workflow.check_step(old_status, new_status, user, is_live=obj.is_public(now))
        obj.status = new_status
        if isinstance(obj, Article) and new_status == Status.PUBLISHED:
            if publish_at is not None:
                obj.published_at = publish_at
            elif obj.published_at is None or obj.published_at > now:
                # "Now" puts an undated or scheduled article live at this moment; a live
                # article keeps the time it went out.
                obj.published_at = now
        _check_publishable(obj)
        obj.updated_by = _user(user)
        with revisions.revision(user, comment):
            # Only what this step changes: the rest of the row is as stored (and locked).
            changed = ["status", "published_at"] if model is Article else ["status"]
            obj.save(update_fields=[*changed, "updated_by"])
            revisions.add_with_relations(obj)
        workflow.record(obj, old_status, new_status, user, now)
        _after_step(obj, old_status, new_status, user)
        announce(EVENTS[_event(obj, old_status, new_status)], obj, user)
    return obj


def _after_step(obj, old_status, new_status, user) -> None:
    """What a workflow step brings with it: withdrawn work is readable nowhere, so its share
    links are revoked (the shared preview refuses withdrawn work whatever withdrew it)."""
    if new_status == Status.WITHDRAWN and old_status != Status.WITHDRAWN:
        shared = {"translation": obj} if isinstance(obj, ArticleTranslation) else {"article": obj}
        for pk in ShareLink.objects.active().filter(**shared).values_list("pk", flat=True):
            revoke_share_link(pk, user)


def submit(model, obj_or_pk, user, *, seen_version=None, now=None):
    """Send an article or translation for review."""
    return _move(
        model, obj_or_pk, Status.IN_REVIEW, user,
        seen_version=seen_version, comment=_("Submitted for review."), now=now,
    )  # fmt: skip


def publish(model, obj_or_pk, user, *, seen_version=None, at: datetime | None = None, now=None):
    """Publish an article or translation: now, or (an article) at the time `at`, scheduled.
    Publishing "now" puts a scheduled or undated article live at this moment."""
    now = now or timezone.now()
    scheduled = at is not None and at > now
    return _move(
        model, obj_or_pk, Status.PUBLISHED, user, seen_version=seen_version, now=now,
        comment=_("Scheduled.") if scheduled else _("Published."), publish_at=at,
    )  # fmt: skip


def unpublish(model, obj_or_pk, user, *, seen_version=None, now=None):
    """Back to draft: a scheduled article taken off the schedule, or withdrawn work."""
    return _move(
        model, obj_or_pk, Status.DRAFT, user,
        seen_version=seen_version, comment=_("Back to draft."), now=now,
    )  # fmt: skip


def withdraw(model, obj_or_pk, user, *, seen_version=None, now=None):
    """Take published work down: its address answers 410 Gone."""
    return _move(
        model, obj_or_pk, Status.WITHDRAWN, user,
        seen_version=seen_version, comment=_("Withdrawn."), now=now,
    )  # fmt: skip


def restore(model, obj_or_pk, revision_id, user, *, seen_version=None) -> tuple[object, list]:
    """Bring back the words, filing, bylines and tags of a revision, as a new revision; the
    workflow state (status, publication time) stays as it is now. Returns the object and notes
    on what could not come back (a deleted author or section, a slug taken since)."""
    with transaction.atomic():
        obj = _relock(obj_or_pk, model, seen_version)
        workflow.check_may_change(obj.status, user)
        old = revisions.snapshot(obj, revision_id)
        if old is None:
            raise WorkflowError(_("This revision does not hold this item."))
        obj.updated_by = _user(user)
        notes = revisions.restore(obj, old, user)
        kind = "translation" if model is ArticleTranslation else "article"
        announce(EVENTS[f"{kind}_restored"], obj, user)
    return obj, notes


def mark_current(obj_or_pk, user, *, seen_version=None, original_version=None):
    """A translation follows its original's current text again (it is no longer stale).
    `original_version`: the original's version the translator compared against; refused if
    the original was saved since."""
    with transaction.atomic():
        translation = _relock(obj_or_pk, ArticleTranslation, seen_version)
        workflow.check_may_change(translation.status, user)
        original = translation.article
        if original_version is not None and original_version != original.version:
            raise WorkflowError(
                _(
                    "The original was saved again after you opened this form, so this "
                    "translation cannot be marked up to date yet. Reload the page to see what "
                    "changed in the original."
                )
            )
        translation.record_source()
        translation.updated_by = _user(user)
        with revisions.revision(user, _("Marked up to date with the original.")):
            translation.save()
            revisions.add_with_relations(translation)
        announce(EVENTS["translation_marked_current"], translation, user)
    return translation


def add_correction(article_or_pk, user, *, kind=CorrectionKind.CORRECTION, text, noted_at=None):
    """Append a dated note to a published article; a correction or an update tells readers
    the article changed (its `revised_at`, read as its last modification)."""
    with transaction.atomic():
        article = _relock(article_or_pk, Article, baseline=False)
        if not article.is_public():
            raise WorkflowError(
                _("Corrections and updates are for published articles; edit a draft directly.")
            )
        correction = Correction(
            article=article,
            kind=kind,
            text=text,
            noted_at=noted_at or timezone.now(),
            created_by=_user(user),
        )
        correction.full_clean(exclude=["article"])
        correction.save()
        announce(EVENTS["article_corrected"], article, user)
    return correction


def make_share_link(article, user, *, hours: int, translation=None):
    """A signed address showing `article` (or its `translation`) to anyone holding it, for
    `hours` hours, until revoked."""
    with transaction.atomic():
        if translation is not None and translation.article_id != article.pk:
            raise WorkflowError(_("That translation belongs to another article."))
        if Status.WITHDRAWN in {article.status, getattr(translation, "status", None)}:
            raise WorkflowError(
                _("Withdrawn work cannot be shared: readers can no longer read it anywhere.")
            )
        now = timezone.now()
        link = ShareLink(
            article=article,
            translation=translation,
            created_by=_user(user),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
        link.full_clean()
        link.save()
        announce(EVENTS["share_link_made"], link, user)
    return link


def revoke_share_link(link_pk, user, *, article=None):
    """A share link that answers "no longer valid" from now on."""
    with transaction.atomic():
        links = ShareLink.objects.select_for_update()
        link = (links.filter(article=article) if article is not None else links).get(pk=link_pk)
        if link.revoked_at is None:
            link.revoked_at = timezone.now()
            link.revoked_by = _user(user)
            link.save(update_fields=["revoked_at", "revoked_by"])
            announce(EVENTS["share_link_revoked"], link, user)
    return link
