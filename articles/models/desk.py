"""The desk's records about articles: workflow steps, share links and corrections."""

from datetime import timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..markdown import render_markdown
from ..validators import validate_moment, validate_plain_text
from .article import Article, Status
from .base import moments_in_range, normalize_newlines, staff_user_field
from .rows import json_datetime, owned_rows
from .translation import ArticleTranslation


class StatusChange(models.Model):
    """One workflow step of an article or a translation: who moved it, from what, to what, when."""

    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="status_changes",
    )
    translation = models.ForeignKey(
        ArticleTranslation,
        verbose_name=_("translation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="status_changes",
    )
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    changed_by = staff_user_field(_("by"))
    changed_at = models.DateTimeField(_("at"), default=timezone.now, validators=[validate_moment])

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(article__isnull=False, translation__isnull=True)
                | models.Q(article__isnull=True, translation__isnull=False),
                name="status_change_one_subject",
            ),
            *moments_in_range("status_change", "changed_at"),
        ]

    def __str__(self):
        return f"{self.get_from_status_display() or '—'} → {self.get_to_status_display()}"


SHARE_LINK_SALT = "articles.share-link"
DEFAULT_SHARE_HOURS = 48
# The longest a share link may be valid, after it is made: the desk's menu, fixtures, backups.
MAX_SHARE_HOURS = 30 * 24


def default_share_expiry():
    return timezone.now() + timedelta(hours=DEFAULT_SHARE_HOURS)


class ShareLinkQuerySet(models.QuerySet):
    def active(self, now=None):
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class ShareLink(models.Model):
    """A signed, expiring, revocable address showing unpublished work to someone with no login."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="share_links"
    )
    translation = models.ForeignKey(
        ArticleTranslation,
        verbose_name=_("translation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="share_links",
        help_text=_("Leave empty to share the original."),
    )
    created_by = staff_user_field(_("created by"))
    created_at = models.DateTimeField(
        _("created"), default=timezone.now, validators=[validate_moment]
    )
    expires_at = models.DateTimeField(
        _("expires"), default=default_share_expiry, validators=[validate_moment]
    )
    revoked_at = models.DateTimeField(
        _("revoked"), null=True, blank=True, validators=[validate_moment]
    )
    revoked_by = staff_user_field(_("revoked by"))

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("share link")
        verbose_name_plural = _("share links")
        constraints = moments_in_range("share_link", "created_at", "expires_at", "revoked_at")

    def __str__(self):
        return str(self.translation or self.article)

    def get_absolute_url(self):
        return reverse("articles:shared-preview", kwargs={"token": self.token})

    def clean(self):
        if self.created_at is None or self.expires_at is None:
            return
        if self.expires_at - self.created_at > timedelta(hours=MAX_SHARE_HOURS):
            too_long = ValidationError(
                _("A share link is valid for at most %(days)d days after it is made."),
                code="share_link_too_long",
                params={"days": MAX_SHARE_HOURS // 24},
            )
            raise ValidationError({"expires_at": too_long})

    @property
    def token(self) -> str:
        # Signed with the secret key, so the address cannot be guessed from the link's number;
        # not timestamped, so the link stays the same address until it expires or is revoked.
        return signing.Signer(salt=SHARE_LINK_SALT).sign(str(self.pk))

    @classmethod
    def pk_from_token(cls, token: str) -> int | None:
        try:
            value = signing.Signer(salt=SHARE_LINK_SALT).unsign(token)
        except signing.BadSignature:
            return None
        return int(value) if value.isdigit() else None

    def is_active(self, now=None):
        return self.revoked_at is None and self.expires_at > (now or timezone.now())

    def opens_withdrawn_work(self) -> bool:
        """Whether what it shows was withdrawn (the article, or the translation it shares):
        withdrawn work is readable nowhere, so the link answers like a dead one."""
        shared = self.translation if self.translation_id else self.article
        return Status.WITHDRAWN in {self.article.status, shared.status}


class CorrectionKind(models.TextChoices):
    CORRECTION = "correction", _("Correction")
    CLARIFICATION = "clarification", _("Clarification")
    UPDATE = "update", _("Update")
    EDITORS_NOTE = "editors-note", _("Editor’s note")


# Notes that change what the article says; they move its "updated" time for readers.
REVISING_KINDS = frozenset({CorrectionKind.CORRECTION, CorrectionKind.UPDATE})


class Correction(models.Model):
    """A dated note appended to a published article, shown to readers with it."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="corrections"
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=CorrectionKind.choices, default=CorrectionKind.CORRECTION
    )
    text = models.TextField(
        _("text"),
        validators=[validate_plain_text],
        help_text=_("Markdown. Say what was wrong and what is right."),
    )
    text_html = models.TextField(_("text HTML"), editable=False, default="")
    noted_at = models.DateTimeField(_("time"), default=timezone.now, validators=[validate_moment])
    created_by = staff_user_field(_("created by"), editable=False)

    class Meta:
        ordering = ["noted_at", "pk"]
        verbose_name = _("correction or update")
        verbose_name_plural = _("corrections and updates")
        # The corrections page lists the newest first.
        indexes = [models.Index(fields=["-noted_at", "-id"], name="correction_noted_idx")]
        constraints = moments_in_range("correction", "noted_at")

    def __str__(self):
        return f"{self.get_kind_display()} ({self.noted_at:%Y-%m-%d})"

    def refresh_derived_fields(self):
        self.text = normalize_newlines(self.text)
        self.text_html = render_markdown(self.text)

    @property
    def revises_article(self):
        return self.kind in REVISING_KINDS


def correction_rows():
    """An article's corrections as one JSON column of its own row, for corrections_from_rows()."""
    return owned_rows(
        Correction.objects.all(),
        "article",
        pk="pk",
        kind="kind",
        text="text",
        text_html="text_html",
        noted_at="noted_at",
    )


def corrections_from_rows(article) -> list[Correction]:
    """The corrections correction_rows() fetched with the article, oldest first."""
    notes = [
        Correction(
            pk=row["pk"],
            article_id=article.pk,
            kind=row["kind"],
            text=row["text"],
            text_html=row["text_html"],
            noted_at=json_datetime(row["noted_at"]),
        )
        for row in article.correction_rows or []
    ]
    return sorted(notes, key=lambda note: (note.noted_at, note.pk))


class SlugRedirect(models.Model):
    """An address a published article or translation had before its slug changed."""

    old_slug = models.CharField(_("old slug"), max_length=250)
    language = models.CharField(
        _("language"),
        max_length=35,
        blank=True,
        help_text=_("Empty for an original, whose address works under every language."),
    )
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="old_slugs"
    )
    translation = models.ForeignKey(
        ArticleTranslation,
        verbose_name=_("translation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="old_slugs",
    )
    created_at = models.DateTimeField(
        _("created"), default=timezone.now, validators=[validate_moment]
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("old address")
        verbose_name_plural = _("old addresses")
        constraints = [
            models.UniqueConstraint(fields=["language", "old_slug"], name="slug_redirect_unique"),
            *moments_in_range("slug_redirect", "created_at"),
        ]

    def __str__(self):
        return self.old_slug

    @property
    def target(self):
        return self.translation or self.article
