"""Articles and what they are filed under: sections, authors, bylines and tags; and the one gate
of what readers may see (`is_published`, `ArticleQuerySet.published()`)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import Tag, TaggedItemBase

from ..addresses import slug_url
from ..languages import url_language
from ..markdown import media_shown, opening_sentence, render_markdown
from ..validators import (
    bcp47_validator,
    validate_body_length,
    validate_moment,
    validate_plain_text,
)
from .base import (
    EditedRecord,
    Localized,
    SearchDocumentField,
    SlugManager,
    WithoutSearchDocument,
    moments_in_range,
    normalize_newlines,
    text_digest,
)


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Moving into or out of these states is publishing; only holders of articles.publish_article may.
PUBLISHING_STATUSES = frozenset({Status.PUBLISHED, Status.WITHDRAWN})


class PublicationState(models.TextChoices):
    """What editors see: the stored status, with "scheduled" told apart from "published"."""

    DRAFT = "draft", _("Draft")
    IN_REVIEW = "review", _("In review")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


def article_page_url(slug: str, language: str) -> str:
    """The address of the original or translation in `language` that has this slug."""
    return slug_url("articles:article-detail", slug, url_language(language))


class Section(Localized, models.Model):
    name = models.CharField(
        _("name"), validators=[validate_plain_text], max_length=100, unique=True
    )
    slug = models.SlugField(
        _("slug"), max_length=100, unique=True, help_text=_("Used in the section's web address.")
    )
    description = models.TextField(
        _("description"),
        validators=[validate_plain_text],
        blank=True,
        help_text=_("Shown at the top of the section page."),
    )
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Sections are listed in the navigation by position.")
    )

    objects = SlugManager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return slug_url("articles:section-detail", self.slug)

    def natural_key(self):
        return (self.slug,)


class Author(Localized, models.Model):
    name = models.CharField(_("name"), validators=[validate_plain_text], max_length=200)
    slug = models.SlugField(
        _("slug"), max_length=200, unique=True, help_text=_("Used in the author page's address.")
    )
    job_title = models.CharField(
        _("job title"),
        validators=[validate_plain_text],
        max_length=200,
        blank=True,
        help_text=_('For example "China correspondent".'),
    )
    bio = models.TextField(
        _("short bio"),
        validators=[validate_plain_text],
        blank=True,
        help_text=_("A sentence or two, shown on the author page."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="author_profile",
        help_text=_("Optional: guest contributors and wire writers need no login."),
    )

    objects = SlugManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return slug_url("articles:author-detail", self.slug)

    def natural_key(self):
        return (self.slug,)


def is_published(prefix: str = "", now=None) -> Q:
    """The rule of what readers may see, as a condition on an article (through `prefix`, e.g.
    "article__" from a translation): published, and not scheduled for later. The only gate."""
    now = now or timezone.now()
    return Q(**{f"{prefix}status": Status.PUBLISHED}) & (
        Q(**{f"{prefix}published_at__isnull": True}) | Q(**{f"{prefix}published_at__lte": now})
    )


def is_scheduled(prefix: str = "", now=None, until=None) -> Q:
    """Published, with a publication time still to come (and before `until`, if given), as a
    condition on an article (through `prefix`, e.g. "article__" from a translation)."""
    condition = Q(
        **{f"{prefix}status": Status.PUBLISHED, f"{prefix}published_at__gt": now or timezone.now()}
    )
    if until is not None:
        condition &= Q(**{f"{prefix}published_at__lt": until})
    return condition


class ArticleQuerySet(models.QuerySet):
    def published(self, now=None):
        """Articles readers may see (is_published)."""
        return self.filter(is_published(now=now))

    def withdrawn(self):
        """Articles taken down: their addresses answer 410 Gone."""
        return self.filter(status=Status.WITHDRAWN)

    def scheduled(self, now=None, until=None):
        """Published articles whose publication time is still to come (before `until`)."""
        return self.filter(is_scheduled(now=now, until=until))

    def mine(self, user):
        """Articles `user` started, or has a byline on (through their author profile)."""
        bylined = Byline.objects.filter(article=OuterRef("pk"), author__user=user)
        return self.filter(Q(created_by=user) | Exists(bylined))

    def in_state(self, state, now=None):
        """Articles in one PublicationState; "published" means live now, not scheduled."""
        now = now or timezone.now()
        if state == PublicationState.SCHEDULED:
            return self.scheduled(now)
        if state == PublicationState.PUBLISHED:
            return self.published(now)
        return self.filter(status=state)

    def with_relations(self):
        """Section, bylines with authors, and tags, in a fixed number of queries for any count."""
        return self.select_related("section").prefetch_related(*article_relations())

    def tags(self):
        """The tags on any of these articles: `published().tags()` are the public ones, which
        have pages, feeds and a place in the sitemap."""
        tagged = TaggedArticle.objects.filter(tag=OuterRef("pk"), content_object__in=self)
        return Tag.objects.filter(Exists(tagged))

    def authors(self):
        """The authors in the bylines of any of these articles: `published().authors()` are
        the public ones, which have pages, feeds and a place in the sitemap."""
        return Author.objects.filter(
            Exists(Byline.objects.filter(author=OuterRef("pk"), article__in=self))
        )

    def months(self):
        """How many of these articles came out in each month, newest first, as rows of
        `month` (its first day, in the site's time zone) and `count`: `published().months()`
        is the archive's index."""
        return (
            self.filter(published_at__isnull=False)
            .annotate(month=TruncMonth("published_at"))
            .values("month")
            .annotate(count=models.Count("pk"))
            .order_by("-month")
        )


def article_relations():
    """The prefetches every article page and teaser needs (see with_relations)."""
    return [models.Prefetch("bylines", queryset=Byline.objects.select_related("author")), "tags"]


def lead_image_path(article, filename: str) -> str:
    """Where lead images were uploaded before they moved to the media library (migration 0021);
    migration 0014 still names it."""
    return f"articles/{timezone.now():%Y/%m}/{secrets.token_urlsafe(12)}/{filename}"


class ArticleManager(WithoutSearchDocument, models.Manager.from_queryset(ArticleQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Article(EditedRecord):
    headline = models.CharField(_("headline"), validators=[validate_plain_text], max_length=250)
    slug = models.SlugField(
        _("slug"),
        max_length=250,
        unique=True,
        help_text=_("The article's web address. Changing it after publication breaks links."),
    )
    standfirst = models.TextField(
        _("standfirst"),
        validators=[validate_plain_text],
        blank=True,
        help_text=_("The dek: one or two sentences under the headline."),
    )
    body = models.TextField(
        _("body"),
        validators=[validate_body_length, validate_plain_text],
        help_text=_("Markdown. Use ## for subheadings, *italics*, **bold**, [links](…)."),
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
    content_digest = models.CharField(
        _("content digest"),
        max_length=64,
        editable=False,
        default="",
        help_text=_("Fingerprint of the headline, standfirst and body, for translation tracking."),
    )
    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.PROTECT, related_name="articles"
    )
    language = models.CharField(
        _("language"),
        max_length=35,
        default="en",
        validators=[bcp47_validator],
        help_text=_('The language the article is written in, as a BCP 47 tag ("en", "de").'),
    )
    authors = models.ManyToManyField(
        Author, through="Byline", related_name="articles", verbose_name=_("authors")
    )
    tags = TaggableManager(
        through="TaggedArticle", blank=True, verbose_name=_("tags"), help_text=_("Comma-separated.")
    )
    # Not `lead_image`: revisions from before the library keep a file name under that name.
    lead_picture = models.ForeignKey(
        "articles.MediaImage",
        verbose_name=_("lead image"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
        help_text=_(
            "The picture at the top of the article, from the media library: its alt text, "
            "caption and credit are the library's."
        ),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(
        _("publication time"),
        null=True,
        blank=True,
        db_index=True,
        validators=[validate_moment],
        help_text=_("Leave empty to publish undated; a future time schedules the article."),
    )
    unsigned = models.BooleanField(
        _("unsigned"),
        default=False,
        help_text=_("Tick for an article published without a byline (an editorial, a brief)."),
    )
    revised_at = models.DateTimeField(
        _("updated for readers"),
        null=True,
        blank=True,
        editable=False,
        validators=[validate_moment],
        help_text=_("Set by a correction or an update; silent fixes leave it alone."),
    )
    related_articles = models.ManyToManyField(
        "self", symmetrical=False, blank=True, verbose_name=_("related articles")
    )
    search_document = SearchDocumentField(_("search document"))

    objects = ArticleManager()

    class Meta:
        ordering = [F("published_at").desc(nulls_last=True), "-created_at"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        permissions = [("publish_article", _("Can publish and withdraw articles"))]
        # Also on PostgreSQL, made by migrations 0007 and 0009: GIN indexes of the search
        # documents, and the index of the lists' order among published articles.
        indexes = [
            models.Index(fields=["status", "published_at"], name="article_status_pub_idx"),
            # The desk's article list, most recently saved first.
            models.Index(fields=["-updated_at"], name="article_updated_idx"),
            # The desk's language filter.
            models.Index(fields=["language"], name="article_language_idx"),
        ]
        constraints = moments_in_range(
            "article", "published_at", "revised_at", "created_at", "updated_at"
        )

    def __str__(self):
        return self.headline

    def get_absolute_url(self):
        return slug_url("articles:article-detail", self.slug)

    def get_original_url(self):
        """The article in its own language: the canonical address of the original."""
        return article_page_url(self.slug, self.language)

    def natural_key(self):
        return (self.slug,)

    # Dumped after the library, so that a fixture's articles find the pictures they show.
    natural_key.dependencies = ["articles.mediaimage", "articles.embed"]

    def refresh_derived_fields(self):
        """Render the reader HTML and fingerprint the text; runs on every save, fixtures too."""
        self.standfirst, self.body = (
            normalize_newlines(self.standfirst),
            normalize_newlines(self.body),
        )
        self.body_html = render_markdown(self.body)
        self.media_shown = media_shown(self.body_html)
        self.summary = " ".join(self.standfirst.split()) or opening_sentence(self.body_html)
        self.content_digest = text_digest(self.headline, self.standfirst, self.body)

    def is_scheduled(self, now=None):
        return (
            self.status == Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > (now or timezone.now())
        )

    def is_public(self, now=None):
        return self.status == Status.PUBLISHED and not self.is_scheduled(now)

    @property
    def publication_state(self):
        if self.is_scheduled():
            return PublicationState.SCHEDULED
        return PublicationState(self.status)


class BylineRole(models.TextChoices):
    REPORTER = "reporter", _("Reporter")
    PHOTOGRAPHER = "photographer", _("Photographer")
    TRANSLATOR = "translator", _("Translator")
    EDITOR = "editor", _("Editor")
    CONTRIBUTOR = "contributor", _("Contributor")


class BylineManager(models.Manager):
    def get_by_natural_key(self, article_slug, author_slug, role):
        return self.get(article__slug=article_slug, author__slug=author_slug, role=role)


class Byline(models.Model):
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="bylines"
    )
    author = models.ForeignKey(
        Author, verbose_name=_("author"), on_delete=models.PROTECT, related_name="bylines"
    )
    role = models.CharField(
        _("role"), max_length=20, choices=BylineRole.choices, default=BylineRole.REPORTER
    )
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Bylines are shown in this order.")
    )

    objects = BylineManager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("byline")
        verbose_name_plural = _("bylines")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "author", "role"], name="byline_unique_author_role"
            )
        ]

    def __str__(self):
        return f"{self.author} ({self.get_role_display()})"

    def natural_key(self):
        return (*self.article.natural_key(), *self.author.natural_key(), self.role)

    natural_key.dependencies = ["articles.article", "articles.author"]


class TaggedArticleManager(models.Manager):
    def get_by_natural_key(self, article_slug, tag_name):
        return self.get(content_object__slug=article_slug, tag__name=tag_name)


class TaggedArticle(TaggedItemBase):
    """Tags on articles through a real foreign key: indexed joins and natural keys in fixtures."""

    content_object = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="tagged_items"
    )

    objects = TaggedArticleManager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("article tag")
        verbose_name_plural = _("article tags")
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="tagged_article_unique")
        ]

    def natural_key(self):
        return (*self.content_object.natural_key(), *self.tag.natural_key())

    natural_key.dependencies = ["articles.article", "taggit.tag"]
