"""Uploaded lead images: real JPEG, PNG, WebP or GIF pictures within the size limits, or a
field error in the desk's form with nothing saved; never a 500 and never a long decode."""

import io
import random
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles.images import validate_image
from articles.models import Article

from .everywhere import field_errors, save_article_through_admin
from .factories import make_article, make_author, make_staff

pytestmark = pytest.mark.django_db


def picture(format: str, size=(60, 40), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, 0 if mode == "1" else (120, 60, 30)).save(buffer, format=format)
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG file whose header claims width × height pixels: a decompression bomb."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
)
PHP = b"<?php system($_GET['cmd']); ?>"
GIF_PHP = b"GIF89a<?php system($_GET['cmd']); ?>"


@pytest.fixture
def editor(client):
    client.force_login(make_staff("Editors"))
    return client


@pytest.fixture
def article():
    return make_article(headline="Harbour reopens", authors=[make_author()])


def upload(editor, article, name, content, content_type="image/png"):
    return save_article_through_admin(
        editor, article, lead_image=SimpleUploadedFile(name, content, content_type=content_type)
    )


def lead_image_errors(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    return list(response.context["adminform"].form.errors.get("lead_image", []))


def assert_refused(response, article, settings, message_start):
    errors = lead_image_errors(response)
    assert len(errors) == 1 and errors[0].startswith(message_start), errors
    assert '<ul class="errorlist"' in response.content.decode()
    stored = Article.objects.get(pk=article.pk)
    assert not stored.lead_image
    assert stored.version == article.version
    assert [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()] == []


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("page.png", HTML, "image/png"),
        ("drawing.png", SVG, "image/png"),
        ("drawing.svg", SVG, "image/svg+xml"),
        ("shell.png", PHP, "image/png"),
        ("shell.gif", GIF_PHP, "image/gif"),
        ("empty.jpg", b"", "image/jpeg"),
    ],
    ids=["html-as-png", "svg-as-png", "svg", "php-as-png", "php-behind-a-gif-header", "empty"],
)
def test_a_file_that_is_not_a_picture_is_refused_whatever_its_name(
    editor, article, settings, name, content, content_type
):
    response = upload(editor, article, name, content, content_type)

    errors = lead_image_errors(response)
    assert len(errors) == 1, errors
    stored = Article.objects.get(pk=article.pk)
    assert not stored.lead_image
    assert stored.version == article.version


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.png", HTML),
        ("drawing.png", SVG),
        ("shell.png", PHP),
        ("shell.gif", GIF_PHP),
    ],
    ids=["html-as-png", "svg-as-png", "php-as-png", "php-behind-a-gif-header"],
)
def test_a_file_that_is_not_a_picture_is_told_so(editor, article, settings, name, content):
    response = upload(editor, article, name, content)

    assert_refused(response, article, settings, "This file is not a picture that can be shown")


@pytest.mark.parametrize("format", ["BMP", "TIFF", "ICO", "PPM"])
def test_a_picture_in_a_format_browsers_do_not_all_show_is_refused(
    editor, article, settings, format
):
    response = upload(editor, article, f"photo.{format.lower()}", picture(format))

    assert_refused(response, article, settings, f"This image is a {format} file")


@pytest.mark.parametrize("format", ["JPEG", "PNG", "WEBP", "GIF"])
def test_a_picture_in_an_allowed_format_is_saved_with_its_size(editor, article, format):
    response = upload(editor, article, f"photo.{format.lower()}", picture(format, (60, 40)))

    assert response.status_code == 302, field_errors(response)
    stored = Article.objects.get(pk=article.pk)
    assert (stored.lead_image_width, stored.lead_image_height) == (60, 40)
    with Image.open(stored.lead_image.path) as image:
        assert image.format == format


def test_an_uploaded_picture_is_stored_at_an_address_nobody_can_guess(editor, article):
    # The web server serves media without asking the site: an unpublished article's picture
    # must not be found by trying its file name.
    names = set()
    for _ in range(2):
        response = upload(editor, article, "kim-putin.jpg", picture("JPEG"))
        assert response.status_code == 302, field_errors(response)
        names.add(Article.objects.get(pk=article.pk).lead_image.name)

    assert len(names) == 2
    for name in names:
        folder = name.split("/")[-2]
        assert name.endswith("/kim-putin.jpg") and len(folder) == 16


def test_a_png_named_jpg_is_a_real_picture_and_is_saved(editor, article):
    response = upload(editor, article, "photo.jpg", picture("PNG"), "image/jpeg")

    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).lead_image_width == 60


def test_a_file_over_the_byte_limit_is_refused(editor, article, settings):
    settings.MAX_IMAGE_BYTES = 2_000
    noisy = Image.frombytes("L", (200, 200), random.Random(1).randbytes(200 * 200))
    buffer = io.BytesIO()
    noisy.save(buffer, format="PNG")
    content = buffer.getvalue()
    assert len(content) > 2_000

    response = upload(editor, article, "photo.png", content)

    assert_refused(response, article, settings, "This file is ")
    assert "an image may be at most 2.0\xa0KB" in lead_image_errors(response)[0]


def test_a_picture_over_the_pixel_limit_is_refused_with_its_size(editor, article, settings):
    # 8,000 × 6,000 is 48 million pixels: over the default 40 million, a small file in 1-bit.
    content = picture("PNG", (8000, 6000), mode="1")

    response = upload(editor, article, "huge.png", content)

    assert_refused(response, article, settings, "This image is 8000 × 6000 pixels")
    assert "at most 40.0 million pixels" in lead_image_errors(response)[0]


def test_the_pixel_limit_is_a_setting(editor, article, settings):
    settings.MAX_IMAGE_PIXELS = 1_000

    response = upload(editor, article, "photo.png", picture("PNG", (60, 40)))

    assert_refused(response, article, settings, "This image is 60 × 40 pixels")


@pytest.mark.parametrize(
    ("width", "height"), [(7_000, 7_000), (50_000, 50_000), (2**31 - 1, 2**31 - 1)]
)
def test_a_decompression_bomb_is_refused_without_being_decoded(
    editor, article, settings, width, height
):
    response = upload(editor, article, "bomb.png", png_claiming(width, height))

    errors = lead_image_errors(response)
    assert len(errors) == 1, errors
    assert "million pixels" in errors[0], errors
    assert not Article.objects.get(pk=article.pk).lead_image


def test_a_truncated_picture_is_refused_as_damaged(editor, article, settings):
    content = picture("JPEG", (400, 300))

    response = upload(editor, article, "cut.jpg", content[: len(content) // 2], "image/jpeg")

    assert_refused(response, article, settings, "This image file is damaged or incomplete")


def test_the_model_field_refuses_the_same_files_outside_the_admin(settings):
    article = make_article()
    article.lead_image = SimpleUploadedFile("page.png", HTML, content_type="image/png")

    with pytest.raises(ValidationError) as refused:
        article.full_clean()

    assert refused.value.message_dict["lead_image"][0].startswith("This file is not a picture")


def test_a_stored_image_is_not_opened_again_on_every_save(settings):
    article = make_article(lead_image=SimpleUploadedFile("photo.png", picture("PNG")))
    settings.MAX_IMAGE_PIXELS = 1  # stricter now; what was accepted stays

    article.full_clean()
    validate_image(article.lead_image)
