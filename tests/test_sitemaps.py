import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, ArticleTranslation, Correction, Status
from articles.sitemaps import NewsSitemap

from .factories import make_article, make_author, make_image, make_section, picture_file

pytestmark = pytest.mark.django_db

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "xhtml": "http://www.w3.org/1999/xhtml",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
    "image": "http://www.google.com/schemas/sitemap-image/1.1",
}
SITEMAP_NAMES = ["articles", "translations", "sections", "tags", "authors", "news"]


@pytest.fixture
def frozen_now(monkeypatch):
    """Time stands still: the news window and published() agree on what "now" is."""
    now = datetime.fromisoformat("2025-05-06T12:00:00+00:00")
    monkeypatch.setattr(timezone, "now", lambda: now)
    return now


def path_of(url):
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def get_xml(client, url):
    response = client.get(path_of(url))
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)


def sitemap_locations(client):
    index = get_xml(client, "/sitemap.xml")
    return [loc.text for loc in index.iterfind("sm:sitemap/sm:loc", NS)]


def entries(client, url):
    """{loc: the <url> element} of one sitemap."""
    urlset = get_xml(client, url)
    return {url.findtext("sm:loc", namespaces=NS): url for url in urlset.iterfind("sm:url", NS)}


def all_locations(client):
    return [loc for sitemap in sitemap_locations(client) for loc in entries(client, sitemap)]


def alternates(url_element):
    return {
        link.get("hreflang"): link.get("href")
        for link in url_element.iterfind("xhtml:link", NS)
        if link.get("rel") == "alternate"
    }


def translate(article, language="de", **fields):
    fields.setdefault("headline", f"Übersetzt: {article.headline}")
    fields.setdefault("slug", f"{article.slug}-{language}")
    fields.setdefault("body", "Der ganze Text auf Deutsch.")
    fields.setdefault("status", Status.PUBLISHED)
    return ArticleTranslation.objects.create(article=article, language=language, **fields)


def test_the_index_lists_every_sitemap(client):
    translate(make_article(authors=[make_author()], tags=["Climate"]))

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    assert sitemap_locations(client) == [
        f"http://testserver/sitemap-{name}.xml" for name in SITEMAP_NAMES
    ]


def test_the_index_lists_only_the_sitemaps_that_have_pages(client):
    # No translation, no tag, no author: those sitemaps would be empty.
    make_article(unsigned=True)

    locations = sitemap_locations(client)

    assert locations == [
        f"http://testserver/sitemap-{name}.xml" for name in ("articles", "sections", "news")
    ]
    for location in locations:
        assert len(entries(client, location)) >= 1, location
    # An empty sitemap still answers, for anyone who kept its address.
    assert entries(client, "/sitemap-tags.xml") == {}


def test_the_index_of_a_site_with_nothing_published_lists_only_its_sections(client):
    make_article(status=Status.DRAFT, published_at=None, tags=["Draft"], authors=[make_author()])

    assert sitemap_locations(client) == [
        f"http://testserver/sitemap-{name}.xml" for name in ("sections",)
    ]


def test_every_listed_address_answers_200_without_a_redirect(client):
    author, section = make_author(), make_section()
    english = make_article(authors=[author], section=section, tags=["Climate", "Zürichsee"])
    translate(english)
    german = make_article(language="de", tags=["Politik"])
    translate(german, language="en", headline="Translated", slug="translated")
    make_article(language="fr")
    translate(make_article(language="fr"), language="en", slug="from-the-french")
    make_section()  # empty sections still have a page
    make_article(status=Status.DRAFT, tags=["Draft only"], authors=[make_author()])

    locations = all_locations(client)

    assert len(locations) >= 14
    for location in locations:
        assert location.startswith("http://testserver/")
        response = client.get(path_of(location))
        assert response.status_code == 200, (location, response.status_code)


def test_sitemaps_parse_and_list_each_kind_of_page(client):
    author, section = make_author(), make_section()
    article = make_article(authors=[author], section=section, tags=["Climate"])
    translation = translate(article)

    pages = {name: entries(client, f"/sitemap-{name}.xml") for name in SITEMAP_NAMES}

    assert list(pages["articles"]) == [f"http://testserver/en/articles/{article.slug}/"]
    assert list(pages["translations"]) == [f"http://testserver/de/articles/{translation.slug}/"]
    assert f"http://testserver/de/sections/{section.slug}/" in pages["sections"]
    assert set(pages["tags"]) == {
        "http://testserver/en/tags/climate/",
        "http://testserver/de/tags/climate/",
    }
    assert set(pages["authors"]) == {
        f"http://testserver/en/authors/{author.slug}/",
        f"http://testserver/de/authors/{author.slug}/",
    }
    assert len(pages["news"]) == 2


def test_an_article_and_its_translation_name_each_other_with_x_default_the_original(client):
    article = make_article(slug="council-votes")
    translate(article, slug="rat-stimmt-ab")
    expected = {
        "en": "http://testserver/en/articles/council-votes/",
        "de": "http://testserver/de/articles/rat-stimmt-ab/",
        "x-default": "http://testserver/en/articles/council-votes/",
    }

    (original,) = entries(client, "/sitemap-articles.xml").values()
    (translation,) = entries(client, "/sitemap-translations.xml").values()

    assert alternates(original) == expected
    assert alternates(translation) == expected


def test_an_article_without_translations_has_no_alternates(client):
    article = make_article()
    translate(article, status=Status.DRAFT)

    (original,) = entries(client, "/sitemap-articles.xml").values()

    assert alternates(original) == {}


def test_listing_pages_have_alternates_in_every_language(client):
    section = make_section(slug="politics")

    url = entries(client, "/sitemap-sections.xml")["http://testserver/en/sections/politics/"]

    assert alternates(url) == {
        "en": "http://testserver/en/sections/politics/",
        "de": "http://testserver/de/sections/politics/",
        "x-default": "http://testserver/sections/politics/",
    }
    assert section.get_absolute_url() == "/en/sections/politics/"


def test_an_original_redirected_to_its_translation_is_listed_only_as_the_translation(client):
    # French is not a site language: the original lives under /en/ until it has an English
    # translation, and then its address redirects there.
    french = make_article(language="fr", slug="le-conseil")
    translate(french, language="en", slug="the-council")

    locations = all_locations(client)

    assert "http://testserver/en/articles/le-conseil/" not in locations
    assert "http://testserver/en/articles/the-council/" in locations
    (translation,) = entries(client, "/sitemap-translations.xml").values()
    assert alternates(translation) == {}


@pytest.mark.parametrize(
    "hidden",
    [
        {"status": Status.DRAFT},
        {"status": Status.IN_REVIEW},
        {"status": Status.WITHDRAWN},
        {"published_at": timezone.now() + timedelta(days=1)},  # scheduled
    ],
    ids=["draft", "in review", "withdrawn", "scheduled"],
)
def test_unpublished_articles_and_what_only_they_use_are_in_no_sitemap(client, hidden):
    article = make_article(
        slug="hidden-story", tags=["Hidden tag"], authors=[make_author(slug="hidden")], **hidden
    )
    translate(article, slug="versteckt")
    make_article(slug="public-story", tags=["Public tag"])

    locations = "\n".join(all_locations(client))

    assert "/articles/public-story/" in locations
    assert "/tags/public-tag/" in locations
    for hidden_part in ("hidden-story", "versteckt", "/tags/hidden-tag/", "/authors/hidden/"):
        assert hidden_part not in locations


def test_unpublished_translations_are_in_no_sitemap(client):
    article = make_article(slug="council-votes")
    translate(article, slug="entwurf", status=Status.DRAFT)
    translate(article, language="fr", slug="pas-du-site")  # not a site language

    locations = "\n".join(all_locations(client))

    assert "/en/articles/council-votes/" in locations
    assert "entwurf" not in locations
    assert "pas-du-site" not in locations


def test_an_articles_lastmod_is_the_later_of_its_update_and_its_revision(client):
    article = make_article()
    Correction.objects.create(article=article, text="Fixed.", noted_at=timezone.now())
    revised = timezone.now() + timedelta(hours=3)
    Article.objects.filter(pk=article.pk).update(revised_at=revised)

    (url,) = entries(client, "/sitemap-articles.xml").values()

    assert datetime.fromisoformat(url.findtext("sm:lastmod", namespaces=NS)) == revised


def test_the_news_sitemap_lists_only_the_last_two_days(client, settings, frozen_now):
    settings.PUBLISHER_NAME = "The Daily Example"
    fresh = make_article(headline="Fresh & new", published_at=frozen_now - timedelta(hours=47))
    translate(fresh, headline="Frisch", slug="frisch")
    make_article(headline="Stale", published_at=frozen_now - timedelta(hours=49))
    make_article(headline="Undated", published_at=None)
    make_article(headline="Embargoed", published_at=frozen_now + timedelta(hours=1))

    urls = entries(client, "/sitemap-news.xml")

    assert set(urls) == {
        f"http://testserver/en/articles/{fresh.slug}/",
        "http://testserver/de/articles/frisch/",
    }
    original = urls[f"http://testserver/en/articles/{fresh.slug}/"]
    assert original.findtext("news:news/news:publication/news:name", namespaces=NS) == (
        "The Daily Example"
    )
    assert original.findtext("news:news/news:publication/news:language", namespaces=NS) == "en"
    assert original.findtext("news:news/news:title", namespaces=NS) == "Fresh & new"
    german = urls["http://testserver/de/articles/frisch/"]
    assert german.findtext("news:news/news:publication/news:language", namespaces=NS) == "de"
    assert german.findtext("news:news/news:title", namespaces=NS) == "Frisch"
    for url in (original, german):
        published = url.findtext("news:news/news:publication_date", namespaces=NS)
        # W3C format with a time zone, and the original's publication time for both.
        assert datetime.fromisoformat(published) == fresh.published_at
        assert published[-6] in "+-" and published[-3] == ":"


def test_the_news_sitemap_splits_into_files_of_at_most_its_limit(client, monkeypatch):
    monkeypatch.setattr(NewsSitemap, "limit", 2)
    for hours in range(3):
        make_article(published_at=timezone.now() - timedelta(hours=hours + 1))

    locations = sitemap_locations(client)

    assert "http://testserver/sitemap-news.xml" in locations
    assert "http://testserver/sitemap-news.xml?p=2" in locations
    assert len(entries(client, "/sitemap-news.xml")) == 2
    assert len(entries(client, "/sitemap-news.xml?p=2")) == 1
    assert client.get("/sitemap-news.xml?p=3").status_code == 404


def make_translated_articles(count):
    author = make_author()
    for _ in range(count):
        picture = make_image(file=picture_file(32, 18))
        translate(make_article(authors=[author], tags=["Climate"], lead_picture=picture))


@pytest.mark.parametrize("name", [*SITEMAP_NAMES, None], ids=[*SITEMAP_NAMES, "index"])
def test_sitemap_query_count_does_not_grow_with_pages(client, django_assert_max_num_queries, name):
    url = f"/sitemap-{name}.xml" if name else "/sitemap.xml"
    make_translated_articles(1)
    with CaptureQueriesContext(connection) as one_article:
        client.get(url)

    make_translated_articles(5)
    with django_assert_max_num_queries(len(one_article)):
        assert client.get(url).status_code == 200


def pictures(url_element) -> list[str]:
    return [loc.text for loc in url_element.iterfind("image:image/image:loc", NS)]


def test_a_page_lists_the_library_pictures_it_shows_as_uploaded(client):
    lead = make_image(file=picture_file(64, 36, name="lead.jpg"))
    inside = make_image(file=picture_file(64, 36, name="inside.jpg"))
    make_image(file=picture_file(64, 36, name="unused.jpg"))
    article = make_article(lead_picture=lead, body=f"Text.\n\n[[image {inside.slug}]]")
    german = translate(article)
    plain = make_article()
    shown = sorted(f"http://testserver{image.file.url}" for image in (lead, inside))

    originals = entries(client, "/sitemap-articles.xml")
    translations = entries(client, "/sitemap-translations.xml")

    page = "http://testserver{}".format
    assert sorted(pictures(originals[page(article.get_absolute_url())])) == shown
    assert sorted(pictures(translations[page(german.get_absolute_url())])) == shown
    assert pictures(originals[page(plain.get_absolute_url())]) == []
    assert all(url.startswith("http://testserver/media/library/") for url in shown)


def test_an_unknown_sitemap_is_not_found(client):
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_site_url_setting_is_used_for_every_sitemap_address(client, settings):
    settings.SITE_URL = "https://news.example.org"
    article = make_article(authors=[make_author()], tags=["Climate"], lead_picture=make_image())
    translate(article)

    sitemaps = sitemap_locations(client)
    locations = all_locations(client)
    links = [
        link.get("href")
        for sitemap in sitemaps
        for url in entries(client, sitemap).values()
        for link in url.iterfind("xhtml:link", NS)
    ]
    images = [
        image
        for sitemap in sitemaps
        for url in entries(client, sitemap).values()
        for image in pictures(url)
    ]

    assert len(locations) >= 8 and len(links) >= 3 and len(images) == 2
    for address in [*sitemaps, *locations, *links, *images]:
        assert address.startswith("https://news.example.org/"), address
    robots = client.get("/robots.txt").content.decode()
    assert "Sitemap: https://news.example.org/sitemap.xml" in robots


def test_robots_txt_allows_all_but_previews_and_search_and_names_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    # Not the desk: its address is not public (tests/test_secure_configuration.py).
    assert [line for line in lines if line.startswith("Disallow:")] == [
        "Disallow: /en/preview/",
        "Disallow: /en/search/",
        "Disallow: /de/preview/",
        "Disallow: /de/search/",
    ]
    assert "Sitemap: http://testserver/sitemap.xml" in lines
