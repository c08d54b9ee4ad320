"""Work in progress kept for one editor: the text of a form nobody saved yet (never a revision)."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .article import Article
from .translation import ArticleTranslation

# An autosave nobody came back to in this long is forgotten.
AUTOSAVE_KEPT_FOR = timedelta(days=30)


class AutosaveKind(models.TextChoices):
    ARTICLE = "article", _("article")
    TRANSLATION = "translation", _("translation")


class AutosaveQuerySet(models.QuerySet):
    def of(self, user, kind, obj=None):
        """This editor's autosave of `obj`, or of a new article/translation when `obj` is None."""
        subject = {"article": None, "translation": None}
        if obj is not None:
            subject[kind] = obj
        return self.filter(user=user, kind=kind, **subject)

    def expired(self, now=None):
        return self.filter(saved_at__lt=(now or timezone.now()) - AUTOSAVE_KEPT_FOR)


class Autosave(models.Model):
    """The text of one editor's unsaved form of an article or a translation (or a new one)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("editor"),
        on_delete=models.CASCADE,
        related_name="autosaves",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AutosaveKind.choices)
    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    translation = models.ForeignKey(
        ArticleTranslation,
        verbose_name=_("translation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    fields = models.JSONField(
        _("fields"), default=dict, help_text=_("The form's text fields as the editor left them.")
    )
    saved_at = models.DateTimeField(_("kept at"), default=timezone.now, db_index=True)

    objects = AutosaveQuerySet.as_manager()

    class Meta:
        ordering = ["-saved_at"]
        verbose_name = _("autosave")
        verbose_name_plural = _("autosaves")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "article"],
                condition=models.Q(article__isnull=False),
                name="autosave_one_per_editor_article",
            ),
            models.UniqueConstraint(
                fields=["user", "translation"],
                condition=models.Q(translation__isnull=False),
                name="autosave_one_per_editor_translation",
            ),
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=models.Q(article__isnull=True, translation__isnull=True),
                name="autosave_one_per_editor_new_item",
            ),
            models.CheckConstraint(
                condition=models.Q(article__isnull=True) | models.Q(translation__isnull=True),
                name="autosave_at_most_one_subject",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.article or self.translation or self.get_kind_display()}"
