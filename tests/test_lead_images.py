"""Lead images: responsive renditions for srcset, made when the image is saved."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from .factories import make_article

pytestmark = pytest.mark.django_db


def png(width, height):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (120, 60, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def test_a_wide_lead_image_is_offered_at_narrower_widths_that_exist(client, settings):
    article = make_article(lead_image=png(2000, 1000), lead_image_alt="A harbour")

    html = client.get(article.get_absolute_url()).content.decode()

    srcset = re.search(r'srcset="([^"]+)"', html).group(1)
    candidates = [candidate.rsplit(" ", 1) for candidate in srcset.split(", ")]
    assert [width for _url, width in candidates] == ["480w", "960w", "1600w", "2000w"]
    assert 'sizes="' in html
    for url, width in candidates[:-1]:
        path = settings.MEDIA_ROOT / url.removeprefix(settings.MEDIA_URL).lstrip("/")
        with Image.open(path) as rendition:
            assert rendition.width == int(width.removesuffix("w"))
            assert rendition.format == "JPEG"


def test_a_small_lead_image_is_not_blown_up(client):
    article = make_article(lead_image=png(400, 300))

    html = client.get(article.get_absolute_url()).content.decode()

    assert re.search(r'srcset="[^"]+ 400w"', html)
    assert "480w" not in html


def test_an_article_without_an_image_has_no_srcset(client):
    article = make_article()

    assert "srcset" not in client.get(article.get_absolute_url()).content.decode()
