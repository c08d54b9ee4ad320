"""Edit locks and presence: who has an article or translation open at the desk, and who may save.

The first editor to open the change form holds its lock; their page renews it with a heartbeat
(static/articles/presence.js) and releases it when it closes. A lock not renewed for
`settings.DESK_LOCK_STALE_SECONDS` is stale: the next one to open the form, or to send a
heartbeat from it, takes it. Anyone who may change the object may take the lock over; the former
holder's page learns it at its next heartbeat, and a save from it is refused (`blocking_lock`)
while the new holder's lock is live. Those who may not change the object (translators on an
original, reporters on published work) are seen, and see who edits, but take no lock.

Releasing on close is a courtesy: nothing depends on it, as a lock nobody renews goes stale.
The version check of the editorial actions stays the last line of defence against overwriting.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import ArticleTranslation, EditLock, EditPresence


@dataclass(frozen=True)
class Presence:
    """What one staff member's page knows about an object's lock and who has it open."""

    lock: EditLock | None  # the live lock, if anyone holds one (or the one that was lost)
    mine: bool  # the asking user holds it
    lost: bool  # the asking page held it, and someone else holds it now
    at: datetime  # when the page said so: what release() is given back
    others: list = field(default_factory=list)  # EditPresence rows of others, oldest first


def stale_after() -> timedelta:
    return timedelta(seconds=settings.DESK_LOCK_STALE_SECONDS)


def is_stale(lock: EditLock, now: datetime | None = None) -> bool:
    """Whether `lock` went unrenewed long enough that anyone may take it."""
    return lock.renewed_at <= (now or timezone.now()) - stale_after()


def subject(obj) -> dict:
    """The lock's and the presence's field naming `obj` (an article or a translation)."""
    return {"translation": obj} if isinstance(obj, ArticleTranslation) else {"article": obj}


def live_lock(obj, now=None) -> EditLock | None:
    lock = EditLock.objects.filter(**subject(obj)).select_related("holder").first()
    return None if lock is None or is_stale(lock, now) else lock


def blocking_lock(obj, user, now=None) -> EditLock | None:
    """The live lock someone other than `user` holds on `obj`: while there is one, a save by
    `user` is refused (the desk's forms say why). None: `user` may save."""
    lock = live_lock(obj, now)
    return lock if lock is not None and lock.holder_id != user.pk else None


def _locked(obj) -> EditLock | None:
    return EditLock.objects.select_for_update().filter(**subject(obj)).first()


def _take(obj, user, now, lock: EditLock | None, *, taken_from=None) -> EditLock:
    """`lock` (or a new one) held by `user` from `now`."""
    if lock is None:
        lock = EditLock(**subject(obj))
    lock.holder, lock.since, lock.renewed_at = user, now, now
    lock.taken_from, lock.taken_at = taken_from, now if taken_from is not None else None
    lock.save()
    return lock


def _claim(obj, user, now, *, may_change: bool, held: bool) -> tuple[EditLock | None, bool]:
    """The lock after `user`'s page said it is open, and whether that page lost it.

    Renewed if `user` holds it; taken if it is free or stale, unless `user` may not change
    the object, or this page held it and someone took it over (that page is done)."""
    lock = _locked(obj)
    if lock is not None and lock.holder_id == user.pk:
        lock.renewed_at = now
        lock.save(update_fields=["renewed_at"])
        return lock, False
    if lock is not None and held:
        # Someone else holds what this page held: taken over, or taken once it went stale.
        return lock, True
    if not may_change:
        return (None if lock is None or is_stale(lock, now) else lock), False
    if lock is None or is_stale(lock, now):
        return _take(obj, user, now, lock), False
    return lock, False


def _be_seen(obj, user, now) -> None:
    seen = EditPresence.objects.filter(**subject(obj), user=user).update(seen_at=now)
    if not seen:
        try:
            with transaction.atomic():
                EditPresence.objects.create(**subject(obj), user=user, opened_at=now, seen_at=now)
        except IntegrityError:  # the same user's other tab was first
            pass
    # Pages closed without a word (a crash, a lost connection) drop out here.
    EditPresence.objects.filter(**subject(obj), seen_at__lte=now - stale_after()).delete()


def _first_write_wins(write):
    """write(), run again if another editor made the object's first lock or presence between
    its read and its insert (the unique constraints refuse the second)."""
    try:
        with transaction.atomic():
            return write()
    except IntegrityError:
        return write()


def open_form(obj, user, *, may_change: bool, held: bool = False, now=None) -> Presence:
    """`user` has `obj`'s change form open (a page load, or a heartbeat from the page: `held`
    says whether that page held the lock). Takes, renews or leaves the lock as the rules say."""
    now = now or timezone.now()
    with transaction.atomic():
        lock, lost = _first_write_wins(
            lambda: _claim(obj, user, now, may_change=may_change, held=held)
        )
        _be_seen(obj, user, now)
        others = list(
            EditPresence.objects.filter(**subject(obj))
            .exclude(user=user)
            .select_related("user")
            .order_by("opened_at", "pk")
        )
    if lock is not None:
        lock = EditLock.objects.select_related("holder", "taken_from").get(pk=lock.pk)
    return Presence(
        lock=lock,
        mine=lock is not None and lock.holder_id == user.pk,
        lost=lost,
        at=now,
        others=[seen for seen in others if lock is None or seen.user_id != lock.holder_id],
    )


def take_over(obj, user, now=None) -> EditLock:
    """The lock moves to `user` (who may change `obj`), recording from whom it was taken."""
    now = now or timezone.now()

    def move():
        lock = _locked(obj)
        if lock is not None and lock.holder_id == user.pk:
            return lock
        previous = None if lock is None or is_stale(lock, now) else lock.holder
        return _take(obj, user, now, lock, taken_from=previous)

    with transaction.atomic():
        lock = _first_write_wins(move)
        _be_seen(obj, user, now)
    return lock


def release(obj, user, at: datetime) -> None:
    """`user` closed the change form their page opened or last renewed `at`: their lock is
    free, and they no longer have it open, unless a later page of theirs (a reload, "save and
    continue editing") renewed them since."""
    EditLock.objects.filter(**subject(obj), holder=user, renewed_at__lte=at).delete()
    EditPresence.objects.filter(**subject(obj), user=user, seen_at__lte=at).delete()
