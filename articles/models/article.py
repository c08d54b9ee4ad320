import hashlib
import re
import secrets
from datetime import UTC

from django.conf import settings
from django.conf.global_settings import LANGUAGES as ALL_LANGUAGES
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce, JSONObject
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language, override, to_locale
from django.utils.translation import gettext_lazy as _
from imagekit.models import ImageSpecField
from imagekit.processors import ResizeToFit
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from ..images import validate_image
from ..markdown import opening_sentence, render_markdown

# A pragmatic BCP 47 shape check: language, optional script, region and variants ("en", "de-CH",
# "zh-Hant-TW", "sr-Latn"). Full registry validation is not an editor's problem.
bcp47_validator = RegexValidator(
    r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?(-[a-zA-Z0-9]{5,8})*$",
    _('Enter a BCP 47 language tag such as "en", "de" or "de-CH".'),
)

# Invisible characters no editor means to publish. C0 controls (but tab and line breaks): XML
# (feeds, sitemaps) cannot carry them and PostgreSQL refuses NUL. Bidi embeddings, overrides
# and isolates: their effect reaches past the field into the page around it, reversing a
# byline or a credit ("Trojan Source"); right-to-left text needs none of them, and the marks
# U+200E, U+200F and U+061C, which have no such reach, stay allowed.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def validate_plain_text(value: str) -> None:
    """Refuse control characters and bidi embeddings, overrides and isolates."""
    for pattern, message in (
        (
            _CONTROL_CHARACTERS,
            _(
                "Remove the invisible control character %(character)s (character "
                "%(position)s): it cannot be shown on the site."
            ),
        ),
        (
            _BIDI_CONTROLS,
            _(
                "Remove the text direction control %(character)s (character %(position)s): it "
                "can reverse the text around this field on the page. The site sets the "
                "direction from the language; the marks U+200E and U+200F are fine."
            ),
        ),
    ):
        if found := pattern.search(value or ""):
            raise ValidationError(
                message,
                code="control_character",
                params={
                    "character": f"U+{ord(found.group()):04X}",
                    "position": found.start() + 1,
                },
            )


def bcp47(code: str) -> str:
    """Django's "pt-br" as the BCP 47 tag "pt-BR" (and "sr-latn" as "sr-Latn")."""
    return to_locale(code).replace("_", "-")


def known_languages() -> set[str]:
    """The languages the desk offers for a text: the site's and every other Django knows."""
    return {bcp47(code) for code, _name in (*settings.LANGUAGES, *ALL_LANGUAGES)}


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Moving into or out of these states is publishing; only holders of articles.publish_article may.
PUBLISHING_STATUSES = frozenset({Status.PUBLISHED, Status.WITHDRAWN})


RENDITION_WIDTHS = (480, 960, 1600)
RENDITION = {"format": "JPEG", "options": {"quality": 82, "optimize": True}}


class PublicationState(models.TextChoices):
    """What editors see: the stored status, with "scheduled" told apart from "published"."""

    DRAFT = "draft", _("Draft")
    IN_REVIEW = "review", _("In review")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class SlugManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


def site_languages() -> list[str]:
    """The languages the readers' site is served in (its URL prefixes)."""
    return [code for code, _name in settings.LANGUAGES]


def url_language(language: str) -> str:
    """The site language whose URLs show text in `language`: itself, or the default."""
    return language if language in site_languages() else settings.LANGUAGE_CODE


def article_page_url(slug: str, language: str) -> str:
    """The address of the original or translation in `language` that has this slug."""
    with override(url_language(language)):
        return reverse("articles:article-detail", kwargs={"slug": slug})


class Localized:
    """Fields an editor may give per language (in a `localizations` relation), with fallback."""

    def localized(self, field: str, language: str | None = None):
        language = language or get_language()
        # A queryset may have fetched the reader's text already (see local_section_name()).
        fetched = getattr(self, f"local_{field}", None)
        if fetched is not None and language == get_language():
            return fetched or getattr(self, field)
        # .all() so that a prefetch_related("localizations") serves every call without a query.
        for localization in self.localizations.all():
            if localization.language == language and getattr(localization, field):
                return getattr(localization, field)
        return getattr(self, field)


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
        return reverse("articles:section-detail", kwargs={"slug": self.slug})

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
        return reverse("articles:author-detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.slug,)


def staff_user_field(verbose_name, **options):
    """Which staff account did something; kept as "unknown" if the account is deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        **options,
    )


class EditedRecord(models.Model):
    """Who made it and who last edited it, when, and a version that counts the saves."""

    # Editable so that change forms carry it back; the desk's form keeps it hidden.
    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        help_text=_("Counts saves, so that a form opened before someone else saved is refused."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = staff_user_field(_("created by"), editable=False)
    updated_by = staff_user_field(_("last edited by"), editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self.version += 1
        super().save(*args, **kwargs)


def is_published(prefix: str = "", now=None) -> Q:
    """The rule of what readers may see, as a condition on an article (through `prefix`, e.g.
    "article__" from a translation): published, and not scheduled for later. The only gate."""
    now = now or timezone.now()
    return Q(**{f"{prefix}status": Status.PUBLISHED}) & (
        Q(**{f"{prefix}published_at__isnull": True}) | Q(**{f"{prefix}published_at__lte": now})
    )


class ArticleQuerySet(models.QuerySet):
    def published(self, now=None):
        """Articles readers may see (is_published)."""
        return self.filter(is_published(now=now))

    def withdrawn(self):
        """Articles taken down: their addresses answer 410 Gone."""
        return self.filter(status=Status.WITHDRAWN)

    def scheduled(self, now=None):
        """Published articles whose publication time is still to come."""
        return self.filter(status=Status.PUBLISHED, published_at__gt=now or timezone.now())

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


class JSONList(models.Aggregate):
    """A JSON array of the group's values: json_group_array on SQLite, jsonb_agg on PostgreSQL."""

    function = "JSON_GROUP_ARRAY"
    output_field = models.JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSONB_AGG", **extra_context)


def owned_rows(queryset, owner_field, owner="pk", **fields):
    """The rows of `queryset` that belong to the annotated row, as one JSON array column: a
    to-many relation read with its owner, in the owner's query. `fields` name each row's keys
    and the lookups they come from, as for JSONObject()."""
    rows = queryset.filter(**{owner_field: models.OuterRef(owner)}).order_by().values(owner_field)
    return models.Subquery(rows.annotate(rows=JSONList(JSONObject(**fields))).values("rows"))


def json_datetime(value):
    """A datetime that came back from the database inside JSON, aware (JSON keeps no type)."""
    moment = parse_datetime(str(value))
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)


def local_text(model_name, owner_field, field, language=None, owner="pk"):
    """`field` of the owner's text in `language` (default: the reader's), "" if there is none;
    for annotate(), so that pages read per-language texts without a query of their own.
    `owner` names the owner's id in the annotated query ("pk", or e.g. "section_id")."""
    from . import translation

    texts = (
        getattr(translation, model_name)
        .objects.filter(
            **{owner_field: models.OuterRef(owner)}, language=language or get_language()
        )
        .values(field)[:1]
    )
    return Coalesce(models.Subquery(texts), models.Value(""), output_field=models.TextField())


def local_texts(model, *fields, language=None) -> dict:
    """Annotations local_<field> of a Section's or Author's texts in `language` (default: the
    reader's), which localized() then reads without a query: `.annotate(**local_texts(...))`."""
    owner = model._meta.model_name
    name = f"{model.__name__}Translation"
    return {f"local_{field}": local_text(name, owner, field, language) for field in fields}


def local_section_name(section_field="section_id", language=None):
    """The section's name in `language` (default: the reader's), "" if it has none."""
    return local_text("SectionTranslation", "section", "name", language, owner=section_field)


def article_relations():
    """The prefetches every article page and teaser needs (see with_relations)."""
    return [models.Prefetch("bylines", queryset=Byline.objects.select_related("author")), "tags"]


def lead_image_path(article, filename: str) -> str:
    """Where an uploaded lead image is stored: under a random folder, so that nobody can guess
    the address of the image of an article that is not published yet (the web server or CDN
    serves media without asking the site)."""
    return f"articles/{timezone.now():%Y/%m}/{secrets.token_urlsafe(12)}/{filename}"


class SearchDocumentField(SearchVectorField):
    """The text as PostgreSQL's full-text search reads it, kept current by a database trigger
    (migration 0009_stored_search_documents) on every write, bulk ones and fixtures included.
    Unused on SQLite. Never serialized (fixtures, dumps and revisions leave it out: the trigger
    remakes it), and deferred by the managers: pages never need it in Python."""

    def __init__(self, *args, **kwargs):
        kwargs.update(null=True, blank=True, editable=False, serialize=False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        for key in ("null", "blank", "editable", "serialize"):
            kwargs.pop(key, None)
        return name, "articles.models.article.SearchDocumentField", args, kwargs


class WithoutSearchDocument:
    """A manager mixin: rows come without their search document unless asked for."""

    def get_queryset(self):
        return super().get_queryset().defer("search_document")


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
        validators=[validate_plain_text],
        help_text=_("Markdown. Use ## for subheadings, *italics*, **bold**, [links](…)."),
    )
    body_html = models.TextField(_("body HTML"), editable=False, default="")
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
    lead_image = models.ImageField(
        _("lead image"),
        upload_to=lead_image_path,
        blank=True,
        max_length=255,
        width_field="lead_image_width",
        height_field="lead_image_height",
        validators=[validate_image],
        help_text=_("A JPEG, PNG, WebP or GIF picture."),
    )
    # Narrower copies for srcset, made on save (settings.IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY).
    lead_image_480 = ImageSpecField(
        source="lead_image", processors=[ResizeToFit(480, upscale=False)], **RENDITION
    )
    lead_image_960 = ImageSpecField(
        source="lead_image", processors=[ResizeToFit(960, upscale=False)], **RENDITION
    )
    lead_image_1600 = ImageSpecField(
        source="lead_image", processors=[ResizeToFit(1600, upscale=False)], **RENDITION
    )
    # Stored so pages reserve the image's space before it loads (no layout shift).
    lead_image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_alt = models.CharField(
        _("alt text"),
        validators=[validate_plain_text],
        max_length=300,
        blank=True,
        help_text=_("What the picture shows, for readers who cannot see it."),
    )
    lead_image_caption = models.TextField(
        _("caption"), validators=[validate_plain_text], blank=True
    )
    lead_image_credit = models.CharField(
        _("credit"),
        validators=[validate_plain_text],
        max_length=200,
        blank=True,
        help_text=_('Photographer / agency, e.g. "dpa".'),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(
        _("publication time"),
        null=True,
        blank=True,
        db_index=True,
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

    def __str__(self):
        return self.headline

    def get_absolute_url(self):
        return reverse("articles:article-detail", kwargs={"slug": self.slug})

    def get_original_url(self):
        """The article in its own language: the canonical address of the original."""
        # A page showing a translation dresses the article in it and keeps these two aside.
        slug = getattr(self, "original_slug", self.slug)
        language = getattr(self, "original_language", self.language)
        return article_page_url(slug, language)

    def natural_key(self):
        return (self.slug,)

    def refresh_derived_fields(self):
        """Render the reader HTML and fingerprint the text; runs on every save, fixtures too."""
        self.standfirst, self.body = (
            normalize_newlines(self.standfirst),
            normalize_newlines(self.body),
        )
        self.body_html = render_markdown(self.body)
        self.summary = " ".join(self.standfirst.split()) or opening_sentence(self.body_html)
        self.content_digest = text_digest(self.headline, self.standfirst, self.body)

    @property
    def lead_image_srcset(self) -> str:
        """The lead image at the rendition widths narrower than itself, and itself."""
        if not self.lead_image or not self.lead_image_width:
            return ""
        candidates = [
            f"{getattr(self, f'lead_image_{width}').url} {width}w"
            for width in RENDITION_WIDTHS
            if width < self.lead_image_width
        ]
        return ", ".join([*candidates, f"{self.lead_image.url} {self.lead_image_width}w"])

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

    def publish(self, now=None):
        self.status = Status.PUBLISHED
        if self.published_at is None:
            self.published_at = now or timezone.now()

    def withdraw(self):
        self.status = Status.WITHDRAWN


def normalize_newlines(text: str) -> str:
    # Browsers submit textareas with CRLF; an unedited save must not look like a text change.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def text_digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


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
