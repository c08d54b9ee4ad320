"""Who the desk tells what: receivers of the editorial signals (editorial/signals.py).

- An article or translation submitted for review: the editors (who may publish), but the one
  who submitted it.
- Published, scheduled, or sent back from review to draft: its authors (the staff accounts of
  its bylines' authors, or of a translation's translators) and whoever created it, but the one
  who did it.
- A note mentioning @username: that person, if they may see articles at the desk.
- A reply to a note: the note's author, unless the reply mentions them already.

Each notification is a row (the desk's list of them, admin/notifications.py) and, when its
recipient wants that kind by e-mail and has an address, an e-mail, sent by a job
(jobs.send_notification_email) in the recipient's language. No state changes here but these.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.dispatch import receiver

from . import jobs
from .editorial import signals
from .editorial.notes import mentioned_usernames
from .editorial.workflow import PUBLISH_PERMISSION
from .models import (
    Article,
    ArticleTranslation,
    Notification,
    NotificationKind,
    NotificationPreference,
)

VIEW_ARTICLES = "articles.view_article"


def notify(recipients, kind, *, article, translation=None, actor=None, note=None) -> list:
    """One notification for each of `recipients` (users) but `actor`; each e-mailed by a job
    if its recipient wants it. Returns the notifications."""
    actor = actor if actor is not None and actor.is_authenticated else None
    people = {user.pk: user for user in recipients if actor is None or user.pk != actor.pk}
    if not people:
        return []
    with transaction.atomic():
        made = Notification.objects.bulk_create(
            Notification(
                recipient=user,
                kind=kind,
                article=article,
                translation=translation,
                actor=actor,
                note=note,
            )
            for user in people.values()
        )
        preferences = {
            preference.user_id: preference
            for preference in NotificationPreference.objects.filter(user_id__in=people)
        }
        for notification in made:
            user = people[notification.recipient_id]
            preference = preferences.get(user.pk) or NotificationPreference(user=user)
            if user.email and preference.wants_email(kind):
                jobs.send_notification_email.enqueue(notification_pk=notification.pk)
    return made


def editors():
    """Active staff accounts that may publish: who reviews."""
    return (
        get_user_model()
        .objects.with_perm(PUBLISH_PERMISSION, backend="django.contrib.auth.backends.ModelBackend")
        .filter(is_staff=True)
    )


def authors_of(obj):
    """The staff accounts behind `obj`: its bylines' (a translation's translators') authors and
    whoever created it; active ones only."""
    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    if isinstance(obj, ArticleTranslation):
        linked = users.filter(author_profile__translations=obj)
    else:
        linked = users.filter(author_profile__articles=obj)
    creator = users.filter(pk=obj.created_by_id) if obj.created_by_id else users.none()
    return list(linked.union(creator))


def _subject(obj) -> dict:
    if isinstance(obj, ArticleTranslation):
        return {"article": obj.article, "translation": obj}
    return {"article": obj}


@receiver(signals.article_submitted, dispatch_uid="newsroom.notify.submitted")
@receiver(signals.translation_submitted, dispatch_uid="newsroom.notify.translation_submitted")
def review_requested(sender, instance, user, **kwargs):
    notify(editors(), NotificationKind.REVIEW_REQUESTED, actor=user, **_subject(instance))


@receiver(signals.article_published, dispatch_uid="newsroom.notify.published")
@receiver(signals.translation_published, dispatch_uid="newsroom.notify.translation_published")
def published(sender, instance, user, **kwargs):
    notify(authors_of(instance), NotificationKind.PUBLISHED, actor=user, **_subject(instance))


@receiver(signals.article_scheduled, dispatch_uid="newsroom.notify.scheduled")
def scheduled(sender, instance, user, **kwargs):
    notify(authors_of(instance), NotificationKind.SCHEDULED, actor=user, **_subject(instance))


@receiver(signals.article_sent_back, dispatch_uid="newsroom.notify.sent_back")
@receiver(signals.translation_sent_back, dispatch_uid="newsroom.notify.translation_sent_back")
def sent_back(sender, instance, user, **kwargs):
    notify(authors_of(instance), NotificationKind.SENT_BACK, actor=user, **_subject(instance))


@receiver(signals.note_added, dispatch_uid="newsroom.notify.mentioned")
def mentioned(sender, instance, user, **kwargs):
    """The people a note names with @username; unknown names, and people who may not see
    articles at the desk, are left out."""
    names = mentioned_usernames(instance.text)
    if not names:
        return
    candidates = get_user_model().objects.filter(username__in=names, is_active=True, is_staff=True)
    people = [person for person in candidates if person.has_perm(VIEW_ARTICLES)]
    article = Article.objects.only("pk", "headline").get(pk=instance.article_id)
    notify(people, NotificationKind.MENTIONED, article=article, actor=user, note=instance)


@receiver(signals.note_added, dispatch_uid="newsroom.notify.replied")
def replied(sender, instance, user, **kwargs):
    """The author of the note answered (mentioned already: told once, as mentioned)."""
    if instance.parent_id is None:
        return
    parent = type(instance).objects.select_related("author").get(pk=instance.parent_id)
    author = parent.author
    if author is None or author.username in mentioned_usernames(instance.text):
        return
    if not (author.is_active and author.is_staff and author.has_perm(VIEW_ARTICLES)):
        return
    article = Article.objects.only("pk", "headline").get(pk=instance.article_id)
    notify([author], NotificationKind.REPLIED, article=article, actor=user, note=instance)
