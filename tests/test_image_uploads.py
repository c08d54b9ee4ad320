"""Pictures uploaded to the media library (where lead pictures come from): real JPEG, PNG,
WebP or GIF pictures within the size limits, or a field error in the library's add form with
nothing saved; never a 500 and never a long decode."""

import io
import random
import re
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from articles.images import validate_image
from articles.models import Article, MediaImage

from .everywhere import field_errors, save_article_through_admin
from .factories import make_article, make_author, make_image, make_staff
from .forms import change_url, form_data

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


def upload(editor, name, content, content_type="image/png", slug="harbour"):
    """The library's add form, filled in as an editor would, with this file."""
    return editor.post(
        reverse("admin:articles_mediaimage_add"),
        {
            "title": "Harbour at dawn",
            "slug": slug,
            "file": SimpleUploadedFile(name, content, content_type=content_type),
            "focal_x": "0.5",
            "focal_y": "0.5",
            "language": "en",
            "alt": "Boats in the harbour",
            "credit": "Jane Doe / Reuters",
            "localizations-TOTAL_FORMS": "0",
            "localizations-INITIAL_FORMS": "0",
        },
    )


def file_errors(response) -> list[str]:
    """The file field's errors, when it is the only field the form refused."""
    assert response.status_code == 200, response.status_code
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"file"}, errors
    return list(errors["file"])


def saved(response) -> MediaImage:
    assert response.status_code == 302, field_errors(response)
    return MediaImage.objects.get(slug="harbour")


def assert_refused(response, settings, message_start):
    errors = file_errors(response)
    assert len(errors) == 1 and errors[0].startswith(message_start), errors
    assert '<ul class="errorlist"' in response.content.decode()
    assert not MediaImage.objects.exists()
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
    editor, settings, name, content, content_type
):
    response = upload(editor, name, content, content_type)

    errors = file_errors(response)
    assert len(errors) == 1, errors
    assert not MediaImage.objects.exists()
    assert [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()] == []


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
def test_a_file_that_is_not_a_picture_is_told_so(editor, settings, name, content):
    response = upload(editor, name, content)

    assert_refused(response, settings, "This file is not a picture that can be shown")


@pytest.mark.parametrize("format", ["BMP", "TIFF", "ICO", "PPM"])
def test_a_picture_in_a_format_browsers_do_not_all_show_is_refused(editor, settings, format):
    response = upload(editor, f"photo.{format.lower()}", picture(format))

    assert_refused(response, settings, f"This image is a {format} file")


@pytest.mark.parametrize("format", ["JPEG", "PNG", "WEBP", "GIF"])
def test_a_picture_in_an_allowed_format_is_saved_with_its_size(editor, format):
    response = upload(editor, f"photo.{format.lower()}", picture(format, (60, 40)))

    stored = saved(response)
    assert (stored.width, stored.height) == (60, 40)
    with Image.open(stored.file.path) as image:
        assert image.format == format


def test_an_uploaded_picture_is_stored_at_an_address_nobody_can_guess(editor):
    # The web server serves media without asking the site: an unpublished article's picture
    # must not be found by trying its file name.
    names = set()
    for slug in ("kim-putin", "kim-putin-again"):
        response = upload(editor, "kim-putin.jpg", picture("JPEG"), slug=slug)
        assert response.status_code == 302, field_errors(response)
        names.add(MediaImage.objects.get(slug=slug).file.name)

    assert len(names) == 2
    for name in names:
        folder = name.split("/")[-2]
        assert name.endswith("/kim-putin.jpg") and len(folder) == 16
        assert re.fullmatch(r"library/\d{4}/\d{2}/[\w-]{16}/kim-putin\.jpg", name), name


def test_a_png_named_jpg_is_a_real_picture_and_is_saved(editor):
    response = upload(editor, "photo.jpg", picture("PNG"), "image/jpeg")

    assert saved(response).width == 60


def test_a_file_over_the_byte_limit_is_refused(editor, settings):
    settings.MAX_IMAGE_BYTES = 2_000
    noisy = Image.frombytes("L", (200, 200), random.Random(1).randbytes(200 * 200))
    buffer = io.BytesIO()
    noisy.save(buffer, format="PNG")
    content = buffer.getvalue()
    assert len(content) > 2_000

    response = upload(editor, "photo.png", content)

    assert_refused(response, settings, "This file is ")
    assert "an image may be at most 2.0\xa0KB" in file_errors(response)[0]


def test_a_picture_over_the_pixel_limit_is_refused_with_its_size(editor, settings):
    # 8,000 × 6,000 is 48 million pixels: over the default 40 million, a small file in 1-bit.
    content = picture("PNG", (8000, 6000), mode="1")

    response = upload(editor, "huge.png", content)

    assert_refused(response, settings, "This image is 8000 × 6000 pixels")
    assert "at most 40.0 million pixels" in file_errors(response)[0]


def test_the_pixel_limit_is_a_setting(editor, settings):
    settings.MAX_IMAGE_PIXELS = 1_000

    response = upload(editor, "photo.png", picture("PNG", (60, 40)))

    assert_refused(response, settings, "This image is 60 × 40 pixels")


@pytest.mark.parametrize(
    ("width", "height"), [(7_000, 7_000), (50_000, 50_000), (2**31 - 1, 2**31 - 1)]
)
def test_a_decompression_bomb_is_refused_without_being_decoded(editor, settings, width, height):
    response = upload(editor, "bomb.png", png_claiming(width, height))

    errors = file_errors(response)
    assert len(errors) == 1, errors
    assert "million pixels" in errors[0], errors
    assert not MediaImage.objects.exists()


def test_a_truncated_picture_is_refused_as_damaged(editor, settings):
    content = picture("JPEG", (400, 300))

    response = upload(editor, "cut.jpg", content[: len(content) // 2], "image/jpeg")

    assert_refused(response, settings, "This image file is damaged or incomplete")


def test_the_model_field_refuses_the_same_files_outside_the_admin(settings):
    image = MediaImage(
        title="Page",
        slug="page",
        file=SimpleUploadedFile("page.png", HTML, content_type="image/png"),
    )

    with pytest.raises(ValidationError) as refused:
        image.full_clean()

    assert refused.value.message_dict["file"][0].startswith("This file is not a picture")


def test_a_stored_image_is_not_opened_again_on_every_save(settings):
    image = make_image(file=SimpleUploadedFile("photo.png", picture("PNG")))
    article = make_article(lead_picture=image)
    settings.MAX_IMAGE_PIXELS = 1  # stricter now; what was accepted stays

    image.full_clean()
    article.full_clean()
    validate_image(image.file)


def test_the_desk_gives_an_article_a_lead_picture_from_the_library(editor):
    article = make_article(headline="Harbour reopens", authors=[make_author()])
    harbour = make_image()

    response = save_article_through_admin(editor, article, lead_picture=str(harbour.pk))

    assert response.status_code == 302, field_errors(response)
    assert Article.objects.get(pk=article.pk).lead_picture == harbour


def test_a_picture_replaced_by_a_file_that_is_not_one_keeps_its_file(editor, settings):
    harbour = make_image(file=SimpleUploadedFile("harbour.png", picture("PNG")))
    # The form shows the picture as a rendition, made when the form is first opened.
    data = form_data(editor.get(change_url(harbour)), "mediaimage_form")
    stored = sorted(path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file())
    data["file"] = SimpleUploadedFile("page.png", HTML, content_type="image/png")

    response = editor.post(change_url(harbour), data)

    [error] = file_errors(response)
    assert error.startswith("This file is not a picture that can be shown")
    kept = MediaImage.objects.get(pk=harbour.pk)
    assert (kept.file.name, kept.width, kept.height) == (harbour.file.name, 60, 40)
    assert sorted(path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()) == stored
