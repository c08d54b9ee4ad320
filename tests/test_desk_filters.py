"""The desk's list filters by author and tag: right rows, each once, and a short sidebar in a
newsroom with thousands of authors and tags."""

import pytest

from articles.admin.filters import MostUsedFilter
from articles.models import Byline, BylineRole

from .factories import make_article, make_author, make_staff

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/articles/article/"


@pytest.fixture
def editor_client(client):
    client.force_login(make_staff("Editors"))
    return client


def listed(response):
    return sorted(article.headline for article in response.context["cl"].result_list)


def test_filtering_by_author_lists_each_of_their_articles_once(editor_client):
    ada = make_author(name="Ada")
    shared = make_article(headline="Joint work", authors=[ada, make_author()])
    Byline.objects.create(article=shared, author=ada, role=BylineRole.PHOTOGRAPHER, position=3)
    make_article(headline="Someone else's", authors=[make_author()])

    response = editor_client.get(CHANGELIST, {"author": ada.pk})

    assert listed(response) == ["Joint work"]


def test_filtering_by_tag_lists_only_the_tagged_articles(editor_client):
    make_article(headline="Lake report", tags=["Zürichsee", "Water"])
    make_article(headline="Other story", tags=["Sport"])

    response = editor_client.get(CHANGELIST, {"tag": "zürichsee"})

    assert listed(response) == ["Lake report"]


def test_the_sidebar_offers_the_most_used_authors_and_tags_and_the_one_chosen(
    editor_client, monkeypatch
):
    monkeypatch.setattr(MostUsedFilter, "MOST_USED", 2)
    busy, busier, rare = (
        make_author(name="Busy"),
        make_author(name="Busier"),
        make_author(name="Rare"),
    )
    for _ in range(2):
        make_article(authors=[busy], tags=["Common"])
    for _ in range(3):
        make_article(authors=[busier], tags=["Commoner"])
    make_article(authors=[rare], tags=["Common", "Commoner", "Rarest"])

    page = editor_client.get(CHANGELIST).content.decode()
    chosen = editor_client.get(CHANGELIST, {"author": rare.pk, "tag": "rarest"}).content.decode()

    assert f"?author={busier.pk}" in page and f"?author={busy.pk}" in page
    assert f"author={rare.pk}" not in page
    assert "tag=commoner" in page and "tag=common" in page and "tag=rarest" not in page
    assert f"author={rare.pk}" in chosen and "tag=rarest" in chosen


def test_the_sidebar_counts_uses_on_the_newest_articles_only(editor_client, monkeypatch):
    monkeypatch.setattr(MostUsedFilter, "RECENT", 2)
    old = make_author(name="Old hand")
    make_article(authors=[old], tags=["Archive"], language="fr")
    new = make_author(name="Newcomer")
    for _ in range(2):
        make_article(authors=[new], tags=["Today"])

    page = editor_client.get(CHANGELIST).content.decode()

    assert f"?author={new.pk}" in page and f"author={old.pk}" not in page
    assert "tag=today" in page and "tag=archive" not in page
    # The site's languages are always offered.
    assert "language=en" in page and "language=de" in page and "language=fr" not in page


def test_filtering_by_language_lists_only_that_languages_articles(editor_client):
    make_article(headline="Bericht", language="de")
    make_article(headline="Report", language="en")

    response = editor_client.get(CHANGELIST, {"language": "de"})

    assert listed(response) == ["Bericht"]
