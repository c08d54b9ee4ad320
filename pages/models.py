"""The site's own pages and the links editors put in the main menu and the footer.

Content and querysets only: what is public is decided here (`published()`), how a page changes
in pages/editorial.py, what readers see in pages/views.py.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from articles.markdown import render_markdown
from articles.models import Status
from articles.models.base import EditedRecord, normalize_newlines
from articles.validators import validate_body_length, validate_plain_text


class PageQuerySet(models.QuerySet):
    def published(self):
        """Pages readers may see."""
        return self.filter(status=Status.PUBLISHED)

    def withdrawn(self):
        """Pages readers could read once and no longer can (their address answers 410 Gone)."""
        return self.filter(status=Status.WITHDRAWN)


class PageManager(models.Manager.from_queryset(PageQuerySet)):
    def get_by_natural_key(self, language, slug):
        return self.get(language=language, slug=slug)


class Page(EditedRecord):
    """A page of the site's own (About, Contact, Impressum), in one language; its translations
    point at the original with `translation_of`."""

    title = models.CharField(_("title"), validators=[validate_plain_text], max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        help_text=_(
            "The page's web address in its language, e.g. “impressum” gives /de/pages/impressum/."
        ),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language the page is written in; its address starts with it."),
    )
    body = models.TextField(
        _("body"),
        blank=True,
        validators=[validate_body_length],
        help_text=_(
            "Markdown, as in articles: **bold**, *italic*, [link](https://…), ## subheading."
        ),
    )
    body_html = models.TextField(_("body as HTML"), blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    translation_of = models.ForeignKey(
        "self",
        verbose_name=_("translation of"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="translations",
        limit_choices_to={"translation_of__isnull": True},
        help_text=_("For a translation: the page it translates. Readers can switch between them."),
    )

    objects = PageManager()

    class Meta:
        ordering = ["title", "language"]
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        constraints = [
            models.UniqueConstraint(
                fields=["language", "slug"], name="pages_page_one_slug_per_language"
            ),
            models.UniqueConstraint(
                fields=["translation_of", "language"],
                name="pages_page_one_translation_per_language",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.language})"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        with override(self.language):
            return reverse("pages:page-detail", kwargs={"slug": self.slug})

    def clean(self):
        original = self.translation_of
        if original is None:
            return
        if original.pk == self.pk or original.translation_of_id is not None:
            raise ValidationError(
                {"translation_of": _("Choose the original page, not a translation.")}
            )
        if original.language == self.language:
            raise ValidationError(
                {"language": _("A translation is in another language than its original.")}
            )

    def refresh_derived_fields(self) -> None:
        """The reader HTML, rendered once from the Markdown (a pre_save receiver calls this,
        so that loaddata's raw saves get it too)."""
        self.body = normalize_newlines(self.body)
        self.body_html = render_markdown(self.body)

    def natural_key(self):
        return (self.language, self.slug)

    def is_public(self, now=None) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def original_id(self) -> int:
        return self.translation_of_id or self.pk

    def versions(self):
        """The original and its translations, this page among them."""
        original = self.original_id
        return Page.objects.filter(Q(pk=original) | Q(translation_of=original))


def validate_link(value: str) -> None:
    """An address on the web (http, https, mailto) or a path on this site."""
    if value.startswith("/") and not value.startswith("//"):
        return
    if value.startswith("mailto:") and "@" in value:
        return
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise ValidationError(
            _("Write an address starting with https://, mailto: or / (a path on this site)."),
            code="invalid",
        ) from None


class MenuPlace(models.TextChoices):
    MAIN = "main", _("Main menu")
    FOOTER = "footer", _("Footer")


class MenuLinkQuerySet(models.QuerySet):
    def shown(self, language):
        """The links readers of `language` see: to a published page, or to an address."""
        return (
            self.filter(language=language)
            .filter(Q(page__isnull=True) | Q(page__in=Page.objects.published()))
            .select_related("page")
            .order_by("place", "position", "pk")
        )


class MenuLink(models.Model):
    """A link in the main menu or the footer, in one language, to a page or an address."""

    place = models.CharField(_("place"), max_length=10, choices=MenuPlace.choices)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Readers of this language see the link."),
    )
    label = models.CharField(_("label"), validators=[validate_plain_text], max_length=60)
    page = models.ForeignKey(
        Page,
        verbose_name=_("page"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="menu_links",
        help_text=_("Link to one of the site's pages (shown only while it is published)…"),
    )
    url = models.CharField(
        _("address"),
        max_length=300,
        blank=True,
        validators=[validate_link],
        help_text=_("…or to an address (https://…) or a path on this site (/en/archive/)."),
    )
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Lower numbers come first.")
    )

    objects = MenuLinkQuerySet.as_manager()

    class Meta:
        ordering = ["place", "language", "position", "pk"]
        verbose_name = _("menu link")
        verbose_name_plural = _("menu links")
        constraints = [
            models.CheckConstraint(
                condition=(Q(page__isnull=True) & ~Q(url="")) | (Q(page__isnull=False) & Q(url="")),
                name="pages_menulink_page_or_address",
            ),
        ]

    def __str__(self):
        return f"{self.label} ({self.get_place_display()}, {self.language})"

    def clean(self):
        if (self.page_id is None) == (not self.url):
            raise ValidationError(_("Choose a page or write an address, not both."))

    @property
    def href(self) -> str:
        return self.page.get_absolute_url() if self.page_id else self.url
