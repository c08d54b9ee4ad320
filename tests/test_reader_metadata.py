"""What search engines and link previews read from a page's <head>."""

import json
import re

import pytest

from articles.models import ArticleTranslation, Status

from .factories import make_article, make_author, make_section

pytestmark = pytest.mark.django_db


def json_ld(html):
    (script,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(script)


def links(html, rel):
    return re.findall(rf'<link rel="{rel}"(?: hreflang="([^"]+)")? href="([^"]+)">', html)


@pytest.fixture
def story():
    article = make_article(
        slug="harbour",
        headline="Harbour reopens",
        standfirst="Ships sail again after a week of strikes.",
        authors=[make_author(name="Ada Reporter", slug="ada")],
        section=make_section(name="Business", slug="business"),
    )
    ArticleTranslation.objects.create(
        article=article,
        language="de",
        headline="Hafen öffnet",
        slug="hafen",
        body="Text.",
        status=Status.PUBLISHED,
    )
    return article


def test_an_article_page_has_a_title_description_canonical_and_news_article_data(client, story):
    html = client.get("/en/articles/harbour/").content.decode()

    assert "<title>Harbour reopens — Newsroom</title>" in html
    assert '<meta name="description" content="Ships sail again after a week of strikes.">' in html
    assert links(html, "canonical") == [("", "http://testserver/en/articles/harbour/")]
    data = json_ld(html)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Harbour reopens"
    assert data["author"] == [
        {"@type": "Person", "name": "Ada Reporter", "url": "http://testserver/en/authors/ada/"}
    ]
    assert data["workTranslation"][0]["url"] == "http://testserver/de/articles/hafen/"
    assert '<meta property="og:title" content="Harbour reopens">' in html


def test_an_article_names_its_translations_and_an_x_default_in_the_head(client, story):
    html = client.get("/en/articles/harbour/").content.decode()

    assert set(links(html, "alternate")) >= {
        ("en", "http://testserver/en/articles/harbour/"),
        ("de", "http://testserver/de/articles/hafen/"),
        ("x-default", "http://testserver/en/articles/harbour/"),
    }


def test_a_translation_is_its_own_canonical_and_names_its_original(client, story):
    html = client.get("/de/articles/hafen/").content.decode()

    assert links(html, "canonical") == [("", "http://testserver/de/articles/hafen/")]
    data = json_ld(html)
    assert data["inLanguage"] == "de"
    assert data["translationOfWork"]["url"] == "http://testserver/en/articles/harbour/"


def test_an_untranslated_original_under_de_points_its_canonical_at_the_original(client):
    make_article(slug="only-english")

    html = client.get("/de/articles/only-english/").content.decode()

    assert links(html, "canonical") == [("", "http://testserver/en/articles/only-english/")]


def test_absolute_urls_come_from_the_site_url_setting(client, settings, story):
    settings.SITE_URL = "https://news.example.org"

    html = client.get("/en/articles/harbour/").content.decode()

    assert links(html, "canonical") == [("", "https://news.example.org/en/articles/harbour/")]
    assert "testserver" not in html


def test_a_headline_cannot_end_the_json_ld_script(client):
    make_article(slug="hostile", headline="</script><script>alert(1)</script>")

    html = client.get("/en/articles/hostile/").content.decode()

    assert "<script>alert(1)" not in html
    assert json_ld(html)["headline"] == "</script><script>alert(1)</script>"


def test_list_pages_have_their_own_canonical_and_alternates(client):
    section = make_section(name="Business", slug="business")
    for _ in range(21):
        make_article(section=section)

    html = client.get("/de/sections/business/?page=2").content.decode()

    assert links(html, "canonical") == [("", "http://testserver/de/sections/business/?page=2")]
    assert ("en", "http://testserver/en/sections/business/?page=2") in links(html, "alternate")
    assert "<title>Business — Newsroom</title>" in html
