"""Changing a published article's or translation's slug keeps the old address working."""

import pytest

from articles.models import ArticleTranslation, SlugRedirect, Status

from .factories import make_article

pytestmark = pytest.mark.django_db


def test_a_renamed_article_redirects_from_its_old_address_in_every_language(client):
    article = make_article(slug="old-name")
    article.slug = "new-name"
    article.save()

    for language in ("en", "de"):
        response = client.get(f"/{language}/articles/old-name/")
        assert response.status_code == 301
        assert response["Location"] == f"/{language}/articles/new-name/"


def test_a_renamed_translation_redirects_from_its_old_address(client):
    translation = ArticleTranslation.objects.create(
        article=make_article(),
        language="de",
        headline="Alt",
        slug="alter-name",
        body="Text.",
        status=Status.PUBLISHED,
    )
    translation.slug = "neuer-name"
    translation.save()

    response = client.get("/de/articles/alter-name/")

    assert response.status_code == 301
    assert response["Location"] == "/de/articles/neuer-name/"


def test_renaming_twice_keeps_both_old_addresses_and_renaming_back_needs_no_redirect(client):
    article = make_article(slug="first")
    for slug in ("second", "third"):
        article.slug = slug
        article.save()

    assert client.get("/en/articles/first/")["Location"] == "/en/articles/third/"
    assert client.get("/en/articles/second/")["Location"] == "/en/articles/third/"

    article.slug = "first"
    article.save()

    assert client.get("/en/articles/first/").status_code == 200
    assert client.get("/en/articles/third/")["Location"] == "/en/articles/first/"


def test_a_draft_renamed_before_publication_leaves_no_old_address(client):
    article = make_article(slug="draft-name", status=Status.DRAFT)
    article.slug = "final-name"
    article.save()

    assert not SlugRedirect.objects.exists()
    assert client.get("/en/articles/draft-name/").status_code == 404


def test_an_old_address_of_a_withdrawn_article_does_not_redirect_and_is_gone(client):
    article = make_article(slug="was-here")
    article.slug = "moved"
    article.save()
    article.status = Status.WITHDRAWN
    article.save()

    assert client.get("/en/articles/was-here/").status_code == 410
    assert client.get("/en/articles/moved/").status_code == 410
