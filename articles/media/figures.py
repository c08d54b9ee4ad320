"""The media a body shows, as readers see them: each `[[…]]` line (kept in body_html as an
empty <figure data-media>, see markdown.py) becomes a picture with its caption and credit, a
gallery, or an embed that loads only when the reader asks.

Pictures and embeds are read when the page is made, not when the body is saved: a caption or
credit corrected in the library shows in every article that uses the picture (the fan-out
renews their pages).
"""

import logging
from dataclasses import dataclass, field
from functools import cached_property

from django.db import models
from django.template.loader import render_to_string

from ..markdown import PLACEHOLDER, MediaReference, placeholders
from ..models import Embed, MediaImage
from ..models.rows import local_text
from . import renditions

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Figure:
    """One picture as readers of a language get it: the library's texts in that language (or
    the ones an article gave for this use), and its renditions."""

    image: MediaImage
    alt: str
    caption: str
    credit: str
    picture: renditions.Picture = field(repr=False)

    # What pages, feeds and structured data read of it.

    @property
    def url(self) -> str:
        return self.picture.src

    @property
    def width(self) -> int:
        return self.picture.width

    @property
    def height(self) -> int:
        return self.picture.height

    @property
    def srcset(self) -> str:
        return self.picture.srcset

    @property
    def creator(self) -> str:
        return self.image.creator

    @property
    def copyright_notice(self) -> str:
        return self.image.copyright_notice

    @property
    def license_url(self) -> str:
        return self.image.license_url

    @property
    def acquire_license_url(self) -> str:
        return self.image.acquire_license_url

    @cached_property
    def crops(self) -> dict[str, renditions.Rendition]:
        """The 16:9, 4:3 and 1:1 crops around the focal point, for cards and search engines."""
        return renditions.social_crops(source(self.image))


def figure(image: MediaImage, language: str, reference: MediaReference | None = None) -> Figure:
    """`image` as readers of a text in `language` see it. Its texts in another language are
    those fetched with it (`local_alt`, `local_caption` in `local_language`), if any."""
    own = image.language == language or getattr(image, "local_language", None) != language
    given = reference if reference is not None and reference.kind == "image" else None
    alt = (given and given.alt) or (image.alt if own else image.local_alt or image.alt)
    caption = (given and given.caption) or (
        image.caption if own else image.local_caption or image.caption
    )
    credit = (reference and reference.credit) or image.credit
    return Figure(image, alt, caption, credit, _picture(image))


def _picture(image: MediaImage) -> renditions.Picture:
    try:
        if not image.width or not image.height:
            raise ValueError("the picture's size is unknown")
        return renditions.picture(source(image))
    except (OSError, ValueError):
        # A file missing from storage, or one its dimensions were wrongly stored for: the page
        # still goes out, with the picture as uploaded.
        logger.warning("No renditions of %s (%s)", image.slug, image.file.name, exc_info=True)
        return renditions.Picture(
            sources=(),
            src=image.file.url,
            srcset="",
            width=image.width,
            height=image.height,
        )


def thumbnail_url(image: MediaImage, width: int = renditions.WIDTHS[0]) -> str:
    """A JPEG of the whole picture at most `width` wide, for the desk (not the upload, which
    may be huge)."""
    if not image.width or not image.height:  # not measured: a file that was never stored
        return image.file.url
    try:
        return renditions.rendition(source(image), width=width).url
    except (OSError, ValueError):
        return image.file.url


def with_local_texts(images, language: str):
    """`images` (a MediaImage queryset) with their alt text and caption in `language`."""
    return images.annotate(
        local_alt=local_text(MediaImage, "alt", language),
        local_caption=local_text(MediaImage, "caption", language),
        local_language=models.Value(language, output_field=models.CharField()),
    )


@dataclass
class Media:
    """The images (by reference) and embeds (by address) some bodies show, fetched at once."""

    images: dict[str, MediaImage]
    embeds: dict[str, Embed]

    @classmethod
    def fetch(cls, references: list[MediaReference], language: str) -> "Media":
        slugs = {t for ref in references if ref.kind != "embed" for t in ref.targets}
        urls = {t for ref in references if ref.kind == "embed" for t in ref.targets}
        images = (
            with_local_texts(MediaImage.objects.filter(slug__in=slugs), language) if slugs else ()
        )
        embeds = Embed.objects.filter(url__in=urls).defer("html") if urls else ()
        return cls({i.slug: i for i in images}, {e.url: e for e in embeds})

    def figure(self, slug: str, language: str, reference=None) -> Figure | None:
        image = self.images.get(slug)
        return None if image is None else figure(image, language, reference)


def source(image: MediaImage) -> renditions.Source:
    return renditions.Source(
        file=image.file,
        width=image.width,
        height=image.height,
        focal_x=image.focal_x,
        focal_y=image.focal_y,
    )


def expand(body_html: str, language: str, *, media: Media | None = None, absolute=None) -> str:
    """`body_html` with its media shown; `absolute(url)` makes addresses absolute (feeds)."""
    references = placeholders(body_html)
    if not references:
        return body_html
    media = media or Media.fetch(references, language)
    shown = iter(references)

    def show(match):
        reference = next(shown)
        return render_reference(reference, media, language, absolute=absolute)

    return PLACEHOLDER.sub(show, body_html)


def render_reference(reference, media: Media, language: str, *, absolute=None) -> str:
    # Elsewhere (a feed reader) no script loads an embed: its card is a link, with no button.
    context = {"reference": reference, "elsewhere": absolute is not None}
    if reference.kind == "embed":
        embed = media.embeds.get(reference.targets[0])
        if embed is None:
            return ""
        template, context["embed"], context["caption"] = (
            "includes/embed.html",
            embed,
            reference.caption,
        )
    else:
        figures = [media.figure(slug, language, reference) for slug in reference.targets]
        figures = [figure for figure in figures if figure is not None]
        if not figures:
            return ""
        if absolute is not None:
            figures = [_absolute_figure(figure, absolute) for figure in figures]
        template = "includes/figure.html" if reference.kind == "image" else "includes/gallery.html"
        context |= {"figures": figures, "figure": figures[0], "caption": reference.caption}
    return render_to_string(template, context, using=None).strip()


def _absolute_figure(figure: Figure, absolute) -> Figure:
    picture = figure.picture
    return Figure(
        figure.image,
        figure.alt,
        figure.caption,
        figure.credit,
        renditions.Picture(
            sources=tuple(
                (mime, _absolute_srcset(srcset, absolute)) for mime, srcset in picture.sources
            ),
            src=absolute(picture.src),
            srcset=_absolute_srcset(picture.srcset, absolute),
            width=picture.width,
            height=picture.height,
        ),
    )


def _absolute_srcset(srcset: str, absolute) -> str:
    candidates = (candidate.strip().rsplit(" ", 1) for candidate in srcset.split(","))
    return ", ".join(f"{absolute(url)} {width}" for url, width in candidates)
