"""Lead pictures: responsive renditions in AVIF, WebP and JPEG for srcset, made from the
library's file at the widths it can fill."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from .factories import make_article, make_image

pytestmark = pytest.mark.django_db


def png(width, height):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (120, 60, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def lead_figure(html: str) -> str:
    return re.search(r'<figure class="lead-image">.*?</figure>', html, flags=re.S).group(0)


def candidates(srcset: str) -> list[list[str]]:
    return [candidate.rsplit(" ", 1) for candidate in srcset.split(", ")]


def stored(settings, url):
    return settings.MEDIA_ROOT / url.removeprefix(settings.MEDIA_URL).lstrip("/")


def test_a_wide_lead_image_is_offered_at_narrower_widths_that_exist(client, settings):
    picture = make_image(file=png(2000, 1000), alt="A harbour")
    article = make_article(lead_picture=picture)

    figure = lead_figure(client.get(article.get_absolute_url()).content.decode())

    img = re.search(r"<img [^>]+>", figure).group(0)
    srcset = re.search(r'srcset="([^"]+)"', img).group(1)
    assert [width for _url, width in candidates(srcset)] == ["480w", "960w", "1600w"]
    assert 'sizes="' in img and 'alt="A harbour"' in img
    assert 'width="1600" height="800"' in img
    sources = dict(re.findall(r'<source type="([^"]+)" srcset="([^"]+)"', figure))
    assert set(sources) == {"image/avif", "image/webp"}
    for mime_type, offered in [*sources.items(), ("image/jpeg", srcset)]:
        for url, width in candidates(offered):
            with Image.open(stored(settings, url)) as rendition:
                assert rendition.width == int(width.removesuffix("w"))
                assert rendition.get_format_mimetype() == mime_type


def test_a_small_lead_image_is_not_blown_up(client):
    article = make_article(lead_picture=make_image(file=png(400, 300)))

    figure = lead_figure(client.get(article.get_absolute_url()).content.decode())

    assert re.search(r'<img [^>]*srcset="[^" ]+ 400w"', figure)
    assert 'width="400" height="300"' in figure
    assert "480w" not in figure


def test_an_article_without_an_image_has_no_srcset(client):
    article = make_article()

    html = client.get(article.get_absolute_url()).content.decode()

    assert "srcset" not in html
    assert "lead-image" not in html
