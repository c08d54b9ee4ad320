"""The media library: pictures with their credits and focal points, texts about them in other
languages, stored embeds, and which articles use which.

An image is kept once and used by many articles: in a body as `[[image slug]]` (markdown.py),
or in a gallery. `MediaUse` records every use, derived from the texts on each save, so the desk
shows where an image is used and the database refuses to delete one that is.
"""

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..images import validate_image
from ..validators import bcp47_validator, validate_plain_text
from .base import Localized, SlugManager, WebAddressField, staff_user_field


def media_image_path(image, filename: str) -> str:
    """Under a random folder: nobody can guess the address of a picture no article shows yet
    (the web server or CDN serves media without asking the site)."""
    return f"library/{timezone.now():%Y/%m}/{secrets.token_urlsafe(12)}/{filename}"


# A share of the picture's width or height.
SHARE = [MinValueValidator(0.0), MaxValueValidator(1.0)]


class MediaImage(Localized, models.Model):
    """A picture in the library, with what readers and search engines are told about it."""

    title = models.CharField(
        _("title"),
        validators=[validate_plain_text],
        max_length=200,
        help_text=_("For finding it in the library; readers do not see it."),
    )
    slug = models.SlugField(
        _("reference"),
        max_length=100,
        unique=True,
        help_text=_("What a body writes to show it: [[image this-reference]]."),
    )
    file = models.ImageField(
        _("file"),
        upload_to=media_image_path,
        max_length=255,
        validators=[validate_image],
        help_text=_("A JPEG, PNG, WebP or GIF picture."),
    )
    # The size as shown (after EXIF orientation), measured when the file is saved (signals.py).
    width = models.PositiveIntegerField(_("width"), editable=False, default=0)
    height = models.PositiveIntegerField(_("height"), editable=False, default=0)
    focal_x = models.FloatField(
        _("focal point, across"),
        default=0.5,
        validators=SHARE,
        help_text=_("Where crops centre: 0 is the left edge, 1 the right."),
    )
    focal_y = models.FloatField(
        _("focal point, down"),
        default=0.5,
        validators=SHARE,
        help_text=_("Where crops centre: 0 is the top edge, 1 the bottom."),
    )
    language = models.CharField(
        _("language"),
        max_length=35,
        default="en",
        validators=[bcp47_validator],
        help_text=_("The language of the alt text and caption below."),
    )
    alt = models.CharField(
        _("alt text"),
        validators=[validate_plain_text],
        max_length=300,
        blank=True,
        help_text=_("What the picture shows, for readers who cannot see it."),
    )
    caption = models.TextField(_("caption"), validators=[validate_plain_text], blank=True)
    credit = models.CharField(
        _("credit"),
        validators=[validate_plain_text],
        max_length=200,
        blank=True,
        help_text=_('The credit line readers see, e.g. "Jane Doe / Reuters".'),
    )
    creator = models.CharField(
        _("creator"),
        validators=[validate_plain_text],
        max_length=200,
        blank=True,
        help_text=_("The photographer or artist."),
    )
    copyright_notice = models.CharField(
        _("copyright notice"),
        validators=[validate_plain_text],
        max_length=300,
        blank=True,
        help_text=_('e.g. "© 2026 Reuters".'),
    )
    license_url = WebAddressField(
        _("licence"), max_length=500, blank=True, help_text=_("The address of its licence.")
    )
    acquire_license_url = WebAddressField(
        _("licensing page"),
        max_length=500,
        blank=True,
        help_text=_("Where others can license it."),
    )
    source_url = WebAddressField(
        _("source"), max_length=500, blank=True, help_text=_("Where it came from.")
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now, editable=False)
    created_by = staff_user_field(_("added by"), editable=False)
    # Not auto_now: a fixture that leaves it out gets the time it was loaded.
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now, editable=False)

    objects = SlugManager()

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("image")
        verbose_name_plural = _("images")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="media_image_focal_point_inside",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.updated_at = timezone.now()
        super().save(*args, **kwargs)

    def natural_key(self):
        return (self.slug,)


class MediaImageTranslationManager(models.Manager):
    def get_by_natural_key(self, image_slug, language):
        return self.get(image__slug=image_slug, language=language)


class MediaImageTranslation(models.Model):
    """A picture's alt text and caption in another language."""

    image = models.ForeignKey(
        MediaImage,
        verbose_name=_("image"),
        on_delete=models.CASCADE,
        related_name="localizations",
    )
    language = models.CharField(
        _("language"),
        max_length=35,
        validators=[bcp47_validator],
        help_text=_('The language of these texts, as a BCP 47 tag ("de").'),
    )
    alt = models.CharField(
        _("alt text"), validators=[validate_plain_text], max_length=300, blank=True
    )
    caption = models.TextField(_("caption"), validators=[validate_plain_text], blank=True)

    objects = MediaImageTranslationManager()

    class Meta:
        ordering = ["image", "language"]
        verbose_name = _("text in another language")
        verbose_name_plural = _("texts in other languages")
        constraints = [
            models.UniqueConstraint(
                fields=["image", "language"], name="media_image_translation_unique_language"
            )
        ]

    def __str__(self):
        return f"{self.image} [{self.language}]"

    def natural_key(self):
        return (*self.image.natural_key(), self.language)

    natural_key.dependencies = ["articles.mediaimage"]


class EmbedManager(models.Manager):
    def get_by_natural_key(self, url):
        return self.get(url=url)


class Embed(models.Model):
    """A post, video, chart or sound from an allowed provider, as its oEmbed answer described
    it when it was last fetched. Readers get a link until they choose to load `frame_url`."""

    url = WebAddressField(_("address"), max_length=500, unique=True)
    provider = models.CharField(_("provider"), max_length=30)
    provider_name = models.CharField(_("provider name"), max_length=100)
    title = models.CharField(_("title"), max_length=300, blank=True)
    author_name = models.CharField(_("author"), max_length=300, blank=True)
    # Some players' addresses (SoundCloud's) run past a thousand characters.
    frame_url = WebAddressField(_("frame address"), max_length=2000, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    html = models.TextField(
        _("provider's HTML"), blank=True, help_text=_("Kept for the record; never shown.")
    )
    fetched_at = models.DateTimeField(_("fetched"), default=timezone.now)

    objects = EmbedManager()

    class Meta:
        ordering = ["-fetched_at", "pk"]
        verbose_name = _("embed")
        verbose_name_plural = _("embeds")

    def __str__(self):
        return self.title or self.url

    def natural_key(self):
        return (self.url,)


class MediaUse(models.Model):
    """An article (or one of its translations) shows this image or embed. Derived from the
    texts on every save; PROTECT keeps a used image from being deleted."""

    article = models.ForeignKey(
        "articles.Article",
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="media_uses",
    )
    image = models.ForeignKey(
        MediaImage,
        verbose_name=_("image"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="uses",
    )
    embed = models.ForeignKey(
        Embed,
        verbose_name=_("embed"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="uses",
    )

    class Meta:
        ordering = ["article", "pk"]
        verbose_name = _("use")
        verbose_name_plural = _("uses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(image__isnull=False, embed__isnull=True)
                | models.Q(image__isnull=True, embed__isnull=False),
                name="media_use_one_medium",
            ),
            models.UniqueConstraint(
                fields=["article", "image"], name="media_use_image_once_per_article"
            ),
            models.UniqueConstraint(
                fields=["article", "embed"], name="media_use_embed_once_per_article"
            ),
        ]

    def __str__(self):
        return f"{self.image or self.embed} in {self.article}"
