"""Editorial notes on articles, and what the desk tells each person: notifications and which of
them they also get by e-mail, in which language.

Notes are the desk's own: no reader-facing page, feed, sitemap, search or structured data reads
this module. Once written a note is never edited or deleted at the desk (editorial/notes.py).
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..validators import validate_moment, validate_plain_text
from .article import Article
from .base import moments_in_range, staff_user_field
from .translation import ArticleTranslation

NOTE_MAX_LENGTH = 5000


class Note(models.Model):
    """A note editors leave on an article: a question, a reply, a reminder; never for readers."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="notes"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("in reply to"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
    )
    text = models.TextField(
        _("note"),
        max_length=NOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTE_MAX_LENGTH), validate_plain_text],
        help_text=_("Only the desk sees notes. Write @username to tell a colleague."),
    )
    author = staff_user_field(_("by"))
    created_at = models.DateTimeField(
        _("written"), default=timezone.now, validators=[validate_moment]
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        constraints = moments_in_range("note", "created_at")

    def __str__(self):
        return self.text if len(self.text) <= 60 else f"{self.text[:59]}…"


class NotificationKind(models.TextChoices):
    REVIEW_REQUESTED = "review", _("review requested")
    PUBLISHED = "published", _("published")
    SCHEDULED = "scheduled", _("scheduled")
    SENT_BACK = "sent_back", _("sent back to draft")
    MENTIONED = "mention", _("mentioned in a note")
    REPLIED = "reply", _("a reply to your note")


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something the desk tells one person: an article waits for their review, theirs was
    published or sent back, someone mentioned them in a note."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("for"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("what"), max_length=20, choices=NotificationKind.choices)
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="+"
    )
    translation = models.ForeignKey(
        ArticleTranslation,
        verbose_name=_("translation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    actor = staff_user_field(_("by"))
    note = models.ForeignKey(
        Note,
        verbose_name=_("note"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now, validators=[validate_moment])
    read_at = models.DateTimeField(_("read"), null=True, blank=True, validators=[validate_moment])

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
        ]
        constraints = moments_in_range("notification", "created_at", "read_at")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.translation or self.article}"

    @property
    def subject(self):
        """The article or translation it is about."""
        return self.translation or self.article


def default_notification_language() -> str:
    return settings.LANGUAGES[0][0]


class NotificationPreference(models.Model):
    """Which notifications one person also gets by e-mail, and in which language. Everyone
    without a stored preference gets every e-mail, in the site's first language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    email_review_requests = models.BooleanField(
        _("review requests"),
        default=True,
        help_text=_("An article or translation was submitted for review (editors)."),
    )
    email_publication = models.BooleanField(
        _("published or sent back"),
        default=True,
        help_text=_("Your article or translation was published, scheduled or sent back to draft."),
    )
    email_mentions = models.BooleanField(
        _("mentions and replies"),
        default=True,
        help_text=_("Someone wrote @ and your username in a note, or answered a note of yours."),
    )
    language = models.CharField(
        _("language of e-mails"), max_length=10, default=default_notification_language
    )

    class Meta:
        ordering = ["user"]
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self):
        return str(self.user)

    @classmethod
    def of(cls, user) -> "NotificationPreference":
        """`user`'s stored preference, or the default one (not saved)."""
        return cls.objects.filter(user=user).first() or cls(user=user)

    def wants_email(self, kind: str) -> bool:
        return {
            NotificationKind.REVIEW_REQUESTED: self.email_review_requests,
            NotificationKind.PUBLISHED: self.email_publication,
            NotificationKind.SCHEDULED: self.email_publication,
            NotificationKind.SENT_BACK: self.email_publication,
            NotificationKind.MENTIONED: self.email_mentions,
            NotificationKind.REPLIED: self.email_mentions,
        }[kind]
