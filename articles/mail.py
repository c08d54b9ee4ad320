"""What a notification says, at the desk and by e-mail: one sentence per kind, and the e-mail
(text and HTML) in the recipient's language with a link to the article at the desk."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .models import NotificationKind, NotificationPreference


def person(user) -> str:
    if user is None:
        return _("someone")
    return user.get_full_name() or user.get_username()


def describe(notification) -> str:
    """ "Rita submitted “Harbour strike ends” for review.", in the active language."""
    sentence = {
        NotificationKind.REVIEW_REQUESTED: _("%(actor)s submitted “%(headline)s” for review."),
        NotificationKind.PUBLISHED: _("%(actor)s published “%(headline)s”."),
        NotificationKind.SCHEDULED: _("%(actor)s scheduled “%(headline)s” for publication."),
        NotificationKind.SENT_BACK: _("%(actor)s sent “%(headline)s” back to draft."),
        NotificationKind.MENTIONED: _("%(actor)s mentioned you in a note on “%(headline)s”."),
        NotificationKind.REPLIED: _("%(actor)s answered your note on “%(headline)s”."),
    }[notification.kind]
    return sentence % {"actor": person(notification.actor), "headline": headline(notification)}


def headline(notification) -> str:
    subject = notification.translation or notification.article
    return subject.headline


def desk_path(notification) -> str:
    """The change form of the article or translation it is about (the notes, for a mention)."""
    if notification.translation_id:
        path = reverse(
            "admin:articles_articletranslation_change", args=[notification.translation_id]
        )
    else:
        path = reverse("admin:articles_article_change", args=[notification.article_id])
    about_a_note = notification.kind in (NotificationKind.MENTIONED, NotificationKind.REPLIED)
    return f"{path}#notes" if about_a_note else path


def desk_url(notification) -> str:
    """desk_path() on the site's own address (DJANGO_SITE_URL), as an e-mail needs it."""
    return settings.SITE_URL + desk_path(notification)


def notification_email(notification) -> EmailMultiAlternatives:
    """The e-mail telling the recipient of `notification` about it, in their language."""
    recipient = notification.recipient
    preference = NotificationPreference.of(recipient)
    with translation.override(preference.language):
        context = {
            "notification": notification,
            "sentence": describe(notification),
            "note": notification.note.text if notification.note_id else "",
            "url": desk_url(notification),
            "settings_url": settings.SITE_URL + reverse("admin:articles_notification_settings"),
            "recipient": person(recipient),
            "language": preference.language,
        }
        subject = _("[Newsroom] %(sentence)s") % {"sentence": context["sentence"]}
        text = render_to_string("articles/email/notification.txt", context)
        html = render_to_string("articles/email/notification.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={"Content-Language": preference.language},
    )
    message.attach_alternative(html, "text/html")
    return message
