"""The page cache serves readers' pages without the database, and is never stale."""

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import (
    ArticleTranslation,
    Correction,
    CorrectionKind,
    SectionTranslation,
    Status,
)

from .factories import make_article, make_author, make_section, make_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]


def get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)


def test_a_second_anonymous_request_comes_from_the_cache_without_the_database(client):
    make_article(headline="Cached story", authors=[make_author()])

    first, _ = get(client, "/en/")
    second, queries = get(client, "/en/")

    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert queries == 0
    assert "Cached story" in second.content.decode()


def test_public_pages_say_how_long_a_cdn_may_keep_them(client):
    make_article()

    response = client.get("/en/")

    assert "public" in response["Cache-Control"]
    assert "s-maxage=300" in response["Cache-Control"]
    assert "stale-while-revalidate" in response["Cache-Control"]


def test_an_unchanged_page_answers_304_to_a_conditional_request(client):
    make_article()
    etag = client.get("/en/")["ETag"]

    response = client.get("/en/", headers={"if-none-match": etag})

    assert response.status_code == 304


def publish_a_draft(article):
    article.status = Status.PUBLISHED
    article.save()


def withdraw(article):
    article.status = Status.WITHDRAWN
    article.save()


def edit_headline(article):
    article.headline = "Changed headline"
    article.save()


def add_correction(article):
    Correction.objects.create(
        article=article, kind=CorrectionKind.CORRECTION, text="Changed headline was wrong."
    )


def publish_translation(article):
    ArticleTranslation.objects.create(
        article=article,
        language="de",
        headline="Changed headline",
        slug="changed",
        body="x",
        status=Status.PUBLISHED,
    )


def rename_author(article):
    author = article.bylines.get().author
    author.name = "Changed headline"
    author.save()


def rename_section(article):
    article.section.name = "Changed headline"
    article.section.save()


def rename_in_german(article):
    SectionTranslation.objects.create(
        section=article.section, language="en", name="Changed headline"
    )


def retag(article):
    article.tags.add("Changed headline")


def load_fixture(article):
    call_command("loaddata", "seed_articles", verbosity=0)


CHANGES = {
    "publish": (publish_a_draft, "/en/", Status.DRAFT),
    "withdraw": (withdraw, "/en/", None),
    "edit": (edit_headline, "/en/", None),
    "correction": (add_correction, "article", None),
    "translation": (publish_translation, "article", None),
    "author": (rename_author, "article", None),
    "section": (rename_section, "/en/", None),
    "section-text": (rename_in_german, "/en/", None),
    "tag": (retag, "article", None),
    "fixture": (load_fixture, "/en/", None),
}


def assert_shows_the_change(change, before, after):
    """The page after `change` (CHANGES) shows it."""
    assert after != before
    if change == "withdraw":
        assert "Original headline" not in after
    elif change == "fixture":
        assert "China’s eloquent silence on Kim and Putin" in after
    elif change == "translation":
        assert "/de/articles/changed/" in after
    elif change != "publish":
        assert "Changed headline" in after or "wrong" in after


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_every_kind_of_change_is_on_the_very_next_request(client, change):
    apply, url, status = CHANGES[change]
    article = make_article(
        headline="Original headline",
        slug="story",
        authors=[make_author()],
        section=make_section(),
        status=status or Status.PUBLISHED,
    )
    url = "/en/articles/story/" if url == "article" else url
    before = client.get(url).content.decode()
    assert client.get(url)["X-Page-Cache"] == "hit"

    apply(article)
    response = client.get(url)

    assert response["X-Page-Cache"] == "miss"
    assert_shows_the_change(change, before, response.content.decode())


def test_a_scheduled_article_appears_at_its_time_with_the_cache_on(client):
    make_article(headline="Already out")
    make_article(headline="Embargoed", published_at=timezone.now() + timedelta(seconds=2))

    assert "Embargoed" not in client.get("/en/").content.decode()
    assert client.get("/en/")["X-Page-Cache"] == "hit"
    time.sleep(2.2)

    assert "Embargoed" in client.get("/en/").content.decode()


def test_a_logged_in_editor_never_gets_a_cached_page(client):
    article = make_article(slug="story", headline="Story")
    client.get("/en/articles/story/")
    client.force_login(make_staff("Editors"))

    response = client.get("/en/articles/story/")

    assert response.get("X-Page-Cache") is None
    preview = client.get(reverse("articles:article-preview", kwargs={"pk": article.pk}))
    assert "no-store" in preview["Cache-Control"]


def test_previews_are_never_stored(client):
    article = make_article(status=Status.DRAFT)
    client.force_login(make_staff("Editors"))
    url = reverse("articles:article-preview", kwargs={"pk": article.pk})
    client.get(url)
    client.logout()

    # Not the editor's page from the cache: the preview's address answers visitors 404.
    response = client.get(url)
    assert response.status_code == 404
    assert article.headline not in response.content.decode()


def test_the_admin_is_never_cached(client):
    client.get("/admin/login/")

    assert client.get("/admin/login/").get("X-Page-Cache") is None


def test_the_page_cache_can_be_turned_off(client, settings):
    settings.PAGE_CACHE = False
    make_article()

    client.get("/en/")

    assert client.get("/en/").get("X-Page-Cache") is None


def test_a_cached_page_keeps_the_etag_it_was_stored_with(client, settings, monkeypatch):
    settings.PAGE_CACHE = True
    make_article()
    stored = client.get("/en/")
    hashed = []
    monkeypatch.setattr(
        "django.middleware.http.set_response_etag",
        lambda response: hashed.append(response) or response,
    )

    hit = client.get("/en/")

    assert hit["X-Page-Cache"] == "hit"
    assert hit["ETag"] == stored["ETag"]
    assert hashed == []
    assert client.get("/en/", headers={"if-none-match": stored["ETag"]}).status_code == 304
