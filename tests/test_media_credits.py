"""A picture's credit reaches every surface that shows it: the page, its JSON-LD and OpenGraph
tags, the feeds and the sitemap; and pictures cost no query per article in lists."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from articles.models import ArticleTranslation, MediaImageTranslation, Status

from .factories import make_article, make_image, picture_file

pytestmark = pytest.mark.django_db

MEDIA = "http://search.yahoo.com/mrss/"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
IMAGE_SITEMAP = "http://www.google.com/schemas/sitemap-image/1.1"


@pytest.fixture
def harbour():
    return make_image(
        slug="harbour",
        file=picture_file(2400, 1600),
        focal_x=0.8,
        focal_y=0.3,
        alt="Boats in the harbour at dawn",
        caption="The harbour at dawn.",
        credit="Jane Doe / Reuters",
        creator="Jane Doe",
        copyright_notice="© 2026 Reuters",
        license_url="https://example.org/licence",
        acquire_license_url="https://example.org/buy",
    )


def json_ld(html: str) -> dict:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def meta(html: str, name: str) -> str:
    found = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)"', html)
    return found.group(1) if found else None


def test_the_visible_credit_is_the_json_ld_credit_of_every_crop(client, harbour):
    article = make_article(lead_picture=harbour)

    html = client.get(article.get_absolute_url()).content.decode()

    assert '<span class="credit">Photo: Jane Doe / Reuters</span>' in html
    images = json_ld(html)["image"]
    assert [(i["width"], i["height"]) for i in images] == [(1200, 675), (1200, 900), (1200, 1200)]
    for image in images:
        assert image["@type"] == "ImageObject"
        assert image["creditText"] == "Jane Doe / Reuters"
        assert image["creator"] == {"@type": "Person", "name": "Jane Doe"}
        assert image["copyrightNotice"] == "© 2026 Reuters"
        assert image["license"] == "https://example.org/licence"
        assert image["acquireLicensePage"] == "https://example.org/buy"
        assert image["caption"] == "The harbour at dawn."
        assert image["url"].startswith("http://testserver/media/renditions/library/")


def test_the_crops_are_jpeg_files_of_the_sizes_they_claim(client, settings, harbour):
    article = make_article(lead_picture=harbour)

    images = json_ld(client.get(article.get_absolute_url()).content.decode())["image"]

    for image in images:
        path = settings.MEDIA_ROOT / image["url"].removeprefix("http://testserver/media/")
        with Image.open(path) as crop:
            assert crop.format == "JPEG"
            assert crop.size == (image["width"], image["height"])
    assert [
        "-16x9-" in images[0]["url"],
        "-4x3-" in images[1]["url"],
        "-1x1-" in images[2]["url"],
    ] == [True] * 3


def test_opengraph_shows_the_wide_crop_with_its_size_and_alt_text(client, harbour):
    article = make_article(lead_picture=harbour)

    html = client.get(article.get_absolute_url()).content.decode()

    assert "-16x9-1200w-" in meta(html, "og:image")
    assert (meta(html, "og:image:width"), meta(html, "og:image:height")) == ("1200", "675")
    assert meta(html, "og:image:alt") == "Boats in the harbour at dawn"
    assert meta(html, "twitter:image") == meta(html, "og:image")


def test_pictures_in_the_body_are_in_the_json_ld_with_the_credit_given_for_this_use(
    client, harbour
):
    storm = make_image(credit="Library credit", creator="Ann Other")
    article = make_article(
        body=f"[[image {harbour.slug}]]\n\n[[image {storm.slug} | credit: Given here / dpa]]"
    )

    html = client.get(article.get_absolute_url()).content.decode()

    images = json_ld(html)["image"]
    assert [i["creditText"] for i in images] == ["Jane Doe / Reuters", "Given here / dpa"]
    assert "Photo: Given here / dpa" in html


def test_a_german_translation_gives_the_german_alt_text_and_caption_everywhere(client, harbour):
    MediaImageTranslation.objects.create(
        image=harbour, language="de", alt="Boote im Hafen", caption="Der Hafen."
    )
    article = make_article(lead_picture=harbour)
    translation = ArticleTranslation.objects.create(
        article=article, language="de", headline="Hafen", slug="hafen", body="Text.",
        status=Status.PUBLISHED,
    )  # fmt: skip

    html = client.get(translation.get_absolute_url()).content.decode()

    assert meta(html, "og:image:alt") == "Boote im Hafen"
    assert all(i["caption"] == "Der Hafen." for i in json_ld(html)["image"])
    assert 'alt="Boote im Hafen"' in html


def test_rss_and_atom_carry_the_picture_with_its_credit(client, harbour):
    make_article(lead_picture=harbour)

    for name in ("articles:feed-rss", "articles:feed-atom"):
        feed = ET.fromstring(client.get(reverse(name)).content)
        [content] = feed.iter(f"{{{MEDIA}}}content")
        assert "-16x9-1200w-" in content.get("url")
        assert (content.get("width"), content.get("height")) == ("1200", "675")
        assert content.get("medium") == "image" and content.get("type") == "image/jpeg"
        assert content.find(f"{{{MEDIA}}}credit").text == "Jane Doe / Reuters"
        assert content.find(f"{{{MEDIA}}}description").text == "The harbour at dawn."
        assert content.find(f"{{{MEDIA}}}text").text == "Boats in the harbour at dawn"
        assert content.find(f"{{{MEDIA}}}copyright").text == "© 2026 Reuters"


def test_the_json_feed_gives_the_pictures_address(client, harbour):
    make_article(lead_picture=harbour)

    [item] = client.get(reverse("articles:feed-json")).json()["items"]

    assert item["image"].startswith("http://testserver/media/renditions/library/")
    assert "-16x9-1200w-" in item["image"]


def test_the_sitemap_lists_every_picture_an_article_shows(client, harbour):
    storm = make_image()
    article = make_article(lead_picture=harbour, body=f"[[image {storm.slug}]]")
    make_article()  # without pictures

    urls = ET.fromstring(client.get(reverse("sitemap-section", args=["articles"])).content)

    shown = {}
    for url in urls.iter(f"{{{SITEMAP}}}url"):
        loc = url.find(f"{{{SITEMAP}}}loc").text
        shown[loc] = [
            i.find(f"{{{IMAGE_SITEMAP}}}loc").text for i in url.iter(f"{{{IMAGE_SITEMAP}}}image")
        ]
    assert sorted(shown[f"http://testserver{article.get_absolute_url()}"]) == sorted(
        f"http://testserver{image.file.url}" for image in (harbour, storm)
    )
    assert sum(1 for pictures in shown.values() if not pictures) == 1


def test_lists_take_no_query_more_for_lead_pictures(client):
    for _ in range(3):
        make_article()
    client.get(reverse("articles:home"))
    with CaptureQueriesContext(connection) as without:
        client.get(reverse("articles:home"))
    for _ in range(3):
        make_article(lead_picture=make_image())

    with CaptureQueriesContext(connection) as with_pictures:
        client.get(reverse("articles:home"))

    assert len(with_pictures) == len(without)


def test_a_feed_reads_the_pictures_of_all_its_bodies_at_once(client):
    for _ in range(2):
        make_article(body=f"[[image {make_image().slug}]]")
    client.get(reverse("articles:feed-rss"))
    with CaptureQueriesContext(connection) as two:
        client.get(reverse("articles:feed-rss"))
    for _ in range(3):
        make_article(body=f"[[gallery {make_image().slug}, {make_image().slug}]]")

    with CaptureQueriesContext(connection) as five:
        feed = client.get(reverse("articles:feed-rss")).content.decode()

    assert len(five) == len(two)
    assert feed.count("&lt;picture&gt;") == 8
