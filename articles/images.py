"""What an uploaded image must be: a real JPEG, PNG, WebP or GIF, within the size limits.

`validate_image` is the lead image field's validator (forms and fixtures alike) and runs
first in the desk's upload field, so an editor reads why a file was refused.
"""

import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, UnidentifiedImageError

# Pillow's names of the formats browsers show everywhere; SVG is not among them (it can carry
# script), nor are TIFF, BMP, PSD or EPS.
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})

NOT_AN_IMAGE = _(
    "This file is not a picture that can be shown: upload a JPEG, PNG, WebP or GIF image."
)
WRONG_FORMAT = _("This image is a %(format)s file; upload a JPEG, PNG, WebP or GIF image.")
TOO_LARGE = _("This file is %(size)s; an image may be at most %(limit)s.")
TOO_MANY_PIXELS = _(
    "This image is %(width)s × %(height)s pixels; an image may have at most %(limit)s million "
    "pixels. Scale it down and upload it again."
)
BOMB = _(
    "This image claims more than %(limit)s million pixels; an image may have at most that "
    "many. Scale it down and upload it again."
)
DAMAGED = _("This image file is damaged or incomplete; export it again and upload it.")


def _megapixels(pixels: int) -> str:
    return number_format(round(pixels / 1_000_000, 1))


def _open(file) -> Image.Image:
    """The image in `file`, from its header only; never decodes the pixels."""
    file.seek(0)
    with warnings.catch_warnings():
        # Pillow warns, then refuses, past its own pixel limit (decompression bombs).
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(file)


def validate_image(value) -> None:
    """Refuse anything but a JPEG, PNG, WebP or GIF within MAX_IMAGE_BYTES and
    MAX_IMAGE_PIXELS that decodes completely. Files already stored are not opened again."""
    if not value or getattr(value, "_committed", False):
        return
    file = getattr(value, "file", value)
    if getattr(file, "validated_image", False):  # the form field checked it already
        return
    limit_bytes, limit_pixels = settings.MAX_IMAGE_BYTES, settings.MAX_IMAGE_PIXELS
    size = getattr(file, "size", None) or getattr(value, "size", 0)
    if size > limit_bytes:
        raise ValidationError(
            TOO_LARGE,
            code="image_too_large",
            params={"size": filesizeformat(size), "limit": filesizeformat(limit_bytes)},
        )
    try:
        try:
            image = _open(file)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationError(
                BOMB, code="image_bomb", params={"limit": _megapixels(limit_pixels)}
            ) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ValidationError(NOT_AN_IMAGE, code="not_an_image") from None
        if image.format not in ALLOWED_FORMATS:
            raise ValidationError(
                WRONG_FORMAT, code="image_format", params={"format": image.format}
            )
        width, height = image.size
        if width * height > limit_pixels:
            raise ValidationError(
                TOO_MANY_PIXELS,
                code="image_too_many_pixels",
                params={
                    "width": number_format(width),
                    "height": number_format(height),
                    "limit": _megapixels(limit_pixels),
                },
            )
        # Decode it once, as the renditions will: a truncated or corrupt file is refused here,
        # not when the article is saved.
        try:
            # Not closed: Pillow would close the uploaded file with it, which Django still needs.
            _open(file).load()
        except Exception:  # Pillow raises many kinds for broken files
            raise ValidationError(DAMAGED, code="image_damaged") from None
        file.validated_image = True
    finally:
        file.seek(0)


def oriented_size(file) -> tuple[int, int]:
    """The width and height of the picture in an open `file` as shown, from its header alone."""
    file.seek(0)
    image = Image.open(file)
    width, height = image.size
    # Orientations 5 to 8 turn the picture a quarter.
    if image.getexif().get(ExifTags.Base.Orientation, 1) in (5, 6, 7, 8):
        return height, width
    return width, height
