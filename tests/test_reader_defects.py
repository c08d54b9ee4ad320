"""Defects found in the foundation's readers' site, each pinned by a test that failed first."""

from datetime import datetime

import pytest
from django.utils import timezone

from articles.models import ArticleTranslation, Status

from .factories import make_article, make_author

pytestmark = pytest.mark.django_db


@pytest.fixture
def translated():
    article = make_article(
        headline="Harbour reopens", slug="harbour-reopens", authors=[make_author()]
    )
    translation = ArticleTranslation.objects.create(
        article=article,
        language="de",
        headline="Hafen öffnet wieder",
        slug="hafen-oeffnet-wieder",
        body="Der Hafen ist wieder offen.",
        status=Status.PUBLISHED,
    )
    return article, translation


def test_a_published_german_translation_has_its_own_page(client, translated):
    response = client.get("/de/articles/hafen-oeffnet-wieder/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Hafen öffnet wieder" in html
    assert "Der Hafen ist wieder offen." in html


def test_the_german_home_lists_the_german_translation(client, translated):
    html = client.get("/de/").content.decode()

    assert 'href="/de/articles/hafen-oeffnet-wieder/"' in html
    assert "Hafen öffnet wieder" in html
    assert "Harbour reopens" not in html


def test_the_original_links_to_its_translation(client, translated):
    html = client.get("/en/articles/harbour-reopens/").content.decode()

    assert 'href="/de/articles/hafen-oeffnet-wieder/" hreflang="de"' in html


def test_the_german_edition_speaks_german(client):
    make_article(
        slug="a-story",
        authors=[make_author(name="Sven Hauberg")],
        tags=["China"],
        published_at=timezone.make_aware(datetime(2024, 7, 1, 9, 0)),
    )

    article = client.get("/de/articles/a-story/").content.decode()
    missing = client.get("/de/articles/nothing-here/").content.decode()

    assert "Zum Inhalt springen" in article
    assert "Von <a" in article
    assert "Themen" in article
    assert "1. Juli 2024" in article
    assert "Seite nicht gefunden" in missing


@pytest.mark.parametrize("name", ["🔥", "!!!"])
def test_a_tag_that_is_only_an_emoji_or_punctuation_gets_a_working_page(client, name):
    article = make_article(slug="tagged", tags=[name])
    tag = article.tags.get()

    page = client.get("/en/articles/tagged/")
    tag_page = client.get(f"/en/tags/{tag.slug}/")

    assert tag.slug
    assert page.status_code == 200
    assert f'href="/en/tags/{tag.slug}/"' in page.content.decode()
    assert tag_page.status_code == 200


def test_the_language_switcher_on_a_404_stays_on_this_site(client):
    # The test client would read "//evil.example/en/" as a host and a path; send the raw path.
    response = client.get("/", PATH_INFO="//evil.example/en/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "evil.example" not in html
    assert 'href="/de/"' in html
