from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..languages import site_language_codes
from ..markdown import media_shown, opening_sentence, render_markdown
from ..validators import (
    bcp47_validator,
    validate_body_length,
    validate_moment,
    validate_plain_text,
)
from .article import (
    Article,
    Author,
    PublicationState,
    Section,
    Status,
    article_page_url,
    is_published,
    is_scheduled,
)
from .base import (
    EditedRecord,
    SearchDocumentField,
    WithoutSearchDocument,
    moments_in_range,
    normalize_newlines,
    staff_user_field,
)
from .rows import owned_rows


class ArticleTranslationQuerySet(models.QuerySet):
    def published(self, now=None):
        """Translations readers may see: published, of a published article, in a site language."""
        # A join on the article's own columns, not "article in (every published article)".
        return self.filter(
            is_published("article__", now),
            status=Status.PUBLISHED,
            language__in=site_language_codes(),
        )

    def withdrawn(self, now=None):
        """Translations readers could read and no longer can because they or their article were
        withdrawn: their addresses answer 410 Gone, like the withdrawn article's."""
        return self.filter(language__in=site_language_codes()).filter(
            Q(status=Status.WITHDRAWN)
            & (is_published("article__", now) | Q(article__status=Status.WITHDRAWN))
            | Q(status=Status.PUBLISHED, article__status=Status.WITHDRAWN)
        )

    def scheduled(self, now=None, until=None):
        """Published translations of an article scheduled for later (before `until`): they
        go live with it."""
        return self.filter(is_scheduled("article__", now, until), status=Status.PUBLISHED)

    def in_state(self, state, now=None):
        """Translations in one PublicationState, as the desk tells them apart: "scheduled"
        waits for its article's time, "published" is a published translation of a live one."""
        if state == PublicationState.SCHEDULED:
            return self.scheduled(now)
        if state == PublicationState.PUBLISHED:
            return self.filter(is_published("article__", now), status=Status.PUBLISHED)
        return self.filter(status=state)

    def stale(self):
        """Translations whose original's text changed after they were made from it."""
        return self.filter(is_stale=True)

    def mine(self, user):
        """Translations `user` started, or is a translator of (through their author profile)."""
        translating = ArticleTranslation.translators.through.objects.filter(
            articletranslation=OuterRef("pk"), author__user=user
        )
        return self.filter(Q(created_by=user) | Exists(translating))

    def readable_in(self, language, now=None):
        """What a reader of `language` is shown instead of an original: its published
        translation into that language (at most one per article)."""
        return self.published(now).filter(language=language)


class ArticleTranslationManager(
    WithoutSearchDocument, models.Manager.from_queryset(ArticleTranslationQuerySet)
):
    def get_by_natural_key(self, article_slug, language):
        return self.get(article__slug=article_slug, language=language)


class ArticleTranslation(EditedRecord):
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="translations"
    )
    language = models.CharField(
        _("language"),
        max_length=35,
        validators=[bcp47_validator],
        help_text=_('The language of this translation, as a BCP 47 tag ("de").'),
    )
    headline = models.CharField(_("headline"), validators=[validate_plain_text], max_length=250)
    slug = models.SlugField(
        _("slug"),
        max_length=250,
        help_text=_("The translation's web address; unique within its language."),
    )
    standfirst = models.TextField(_("standfirst"), validators=[validate_plain_text], blank=True)
    body = models.TextField(
        _("body"),
        validators=[validate_body_length, validate_plain_text],
        help_text=_("Markdown, like the original."),
    )
    body_html = models.TextField(_("body HTML"), editable=False, default="")
    media_shown = models.TextField(
        _("media shown"),
        editable=False,
        default="",
        help_text=_("The library's pictures and embeds the body shows (derived)."),
    )
    summary = models.TextField(
        _("summary"),
        editable=False,
        default="",
        help_text=_("The standfirst, or the body's opening sentence: what teasers show."),
    )
    translators = models.ManyToManyField(
        Author, blank=True, related_name="translations", verbose_name=_("translators")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    source_digest = models.CharField(
        _("translated from version"),
        max_length=64,
        blank=True,
        help_text=_(
            "Fingerprint of the original's text this translation was made from; "
            "set automatically when the translation is created."
        ),
    )
    # The original as the translator had it, so the desk can show what changed since.
    source_headline = models.CharField(_("original headline"), max_length=250, blank=True)
    source_standfirst = models.TextField(_("original standfirst"), blank=True)
    source_body = models.TextField(_("original body"), blank=True)
    source_saved_at = models.DateTimeField(
        _("original saved at"), null=True, blank=True, validators=[validate_moment]
    )
    source_saved_by = staff_user_field(_("original saved by"))
    is_stale = models.BooleanField(
        _("stale"),
        default=False,
        db_index=True,
        help_text=_("The original's text changed after this translation was made from it."),
    )
    search_document = SearchDocumentField(_("search document"))

    objects = ArticleTranslationManager()

    class Meta:
        ordering = ["article", "language"]
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "language"], name="translation_unique_language"
            ),
            models.UniqueConstraint(fields=["language", "slug"], name="translation_unique_slug"),
            *moments_in_range("translation", "created_at", "updated_at", "source_saved_at"),
        ]

    def __str__(self):
        return f"{self.headline} [{self.language}]"

    def get_absolute_url(self):
        return article_page_url(self.slug, self.language)

    def natural_key(self):
        return (*self.article.natural_key(), self.language)

    natural_key.dependencies = ["articles.article"]

    def clean(self):
        if self.article_id and self.language == self.article.language:
            raise ValidationError(
                {"language": _("A translation must be in a language other than the original's.")}
            )

    def refresh_derived_fields(self):
        self.standfirst, self.body = (
            normalize_newlines(self.standfirst),
            normalize_newlines(self.body),
        )
        self.body_html = render_markdown(self.body)
        self.media_shown = media_shown(self.body_html)
        self.summary = " ".join(self.standfirst.split()) or opening_sentence(self.body_html)
        if not self.source_digest and self.article_id:
            self.record_source()

    def record_source(self):
        """Remember the original's current text as the version this translation follows."""
        article = self.article
        self.source_digest = article.content_digest
        self.source_headline = article.headline
        self.source_standfirst = article.standfirst
        self.source_body = article.body
        self.source_saved_at = article.updated_at or timezone.now()
        self.source_saved_by_id = article.updated_by_id
        self.is_stale = False

    def is_public(self, now=None):
        """ArticleTranslationQuerySet.published() for one translation already loaded."""
        return (
            self.status == Status.PUBLISHED
            and self.language in site_language_codes()
            and self.article.is_public(now)
        )


def translator_rows():
    """A translation's translators as one JSON column of its row, for translators_from_rows()."""
    return owned_rows(
        ArticleTranslation.translators.through.objects.all(),
        "articletranslation",
        pk="author_id",
        name="author__name",
        slug="author__slug",
    )


def translators_from_rows(translation) -> list[Author]:
    """The translators translator_rows() fetched with the translation, by name."""
    rows = translation.translator_rows or []
    people = [Author(pk=row["pk"], name=row["name"], slug=row["slug"]) for row in rows]
    return sorted(people, key=lambda author: author.name)


class SectionTranslationManager(models.Manager):
    def get_by_natural_key(self, section_slug, language):
        return self.get(section__slug=section_slug, language=language)


class SectionTranslation(models.Model):
    """A section's name and description in another language ("Politik")."""

    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.CASCADE, related_name="localizations"
    )
    language = models.CharField(
        _("language"),
        max_length=35,
        validators=[bcp47_validator],
        help_text=_('The language of these texts, as a BCP 47 tag ("de").'),
    )
    name = models.CharField(_("name"), validators=[validate_plain_text], max_length=100)
    description = models.TextField(
        _("description"),
        validators=[validate_plain_text],
        blank=True,
        help_text=_("Leave empty to show the original's."),
    )

    objects = SectionTranslationManager()

    class Meta:
        ordering = ["section", "language"]
        verbose_name = _("section in another language")
        verbose_name_plural = _("section in other languages")
        constraints = [
            models.UniqueConstraint(
                fields=["section", "language"], name="section_translation_unique_language"
            )
        ]

    def __str__(self):
        return f"{self.name} [{self.language}]"

    def natural_key(self):
        return (*self.section.natural_key(), self.language)

    natural_key.dependencies = ["articles.section"]


class AuthorTranslationManager(models.Manager):
    def get_by_natural_key(self, author_slug, language):
        return self.get(author__slug=author_slug, language=language)


class AuthorTranslation(models.Model):
    """An author's job title and bio in another language."""

    author = models.ForeignKey(
        Author, verbose_name=_("author"), on_delete=models.CASCADE, related_name="localizations"
    )
    language = models.CharField(
        _("language"),
        max_length=35,
        validators=[bcp47_validator],
        help_text=_('The language of these texts, as a BCP 47 tag ("de").'),
    )
    job_title = models.CharField(
        _("job title"), validators=[validate_plain_text], max_length=200, blank=True
    )
    bio = models.TextField(_("short bio"), validators=[validate_plain_text], blank=True)

    objects = AuthorTranslationManager()

    class Meta:
        ordering = ["author", "language"]
        verbose_name = _("author profile in another language")
        verbose_name_plural = _("author profile in other languages")
        constraints = [
            models.UniqueConstraint(
                fields=["author", "language"], name="author_translation_unique_language"
            )
        ]

    def __str__(self):
        return f"{self.author} [{self.language}]"

    def natural_key(self):
        return (*self.author.natural_key(), self.language)

    natural_key.dependencies = ["articles.author"]
