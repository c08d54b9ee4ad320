"""Who has an article or translation open at the desk, and who holds its edit lock.

Rows only: the rules (take, renew, take over, release, when a lock is stale, who may save) are
articles/editorial/locks.py's.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .article import Article
from .translation import ArticleTranslation


def _one_subject(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(article__isnull=False, translation__isnull=True)
        | models.Q(article__isnull=True, translation__isnull=False),
        name=f"{prefix}_one_subject",
    )


def _subject_field(model, verbose_name, related_name):
    return models.ForeignKey(
        model,
        verbose_name=verbose_name,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name=related_name,
    )


class EditLock(models.Model):
    """The one editor who may save an article or translation while others have it open.

    Held while the holder's page renews it (a heartbeat); stale once it is not renewed for a
    while, when anyone who opens the form takes it. `taken_from` says whose lock an editor took
    over, and when.
    """

    article = _subject_field(Article, _("article"), "edit_locks")
    translation = _subject_field(ArticleTranslation, _("translation"), "edit_locks")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("held by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    since = models.DateTimeField(_("held since"))
    renewed_at = models.DateTimeField(
        _("last renewed"), help_text=_("The holder's page renews the lock while it is open.")
    )
    taken_from = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken over from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    taken_at = models.DateTimeField(_("taken over at"), null=True, blank=True)

    class Meta:
        ordering = ["-since", "-pk"]
        verbose_name = _("edit lock")
        verbose_name_plural = _("edit locks")
        constraints = [
            _one_subject("edit_lock"),
            models.UniqueConstraint(
                fields=["article"],
                condition=models.Q(article__isnull=False),
                name="edit_lock_one_per_article",
            ),
            models.UniqueConstraint(
                fields=["translation"],
                condition=models.Q(translation__isnull=False),
                name="edit_lock_one_per_translation",
            ),
        ]

    def __str__(self):
        return f"{self.translation or self.article} ({self.holder})"


class EditPresence(models.Model):
    """One staff member with an article's or translation's change form open, since when."""

    article = _subject_field(Article, _("article"), "edit_presences")
    translation = _subject_field(ArticleTranslation, _("translation"), "edit_presences")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("open since"))
    seen_at = models.DateTimeField(
        _("last seen"), help_text=_("The page says it is still open with each heartbeat.")
    )

    class Meta:
        ordering = ["opened_at", "pk"]
        verbose_name = _("open change form")
        verbose_name_plural = _("open change forms")
        constraints = [
            _one_subject("edit_presence"),
            models.UniqueConstraint(
                fields=["article", "user"],
                condition=models.Q(article__isnull=False),
                name="edit_presence_one_per_article_user",
            ),
            models.UniqueConstraint(
                fields=["translation", "user"],
                condition=models.Q(translation__isnull=False),
                name="edit_presence_one_per_translation_user",
            ),
        ]

    def __str__(self):
        return f"{self.translation or self.article} ({self.user})"
