"""The desk's article list draws its checkboxes without a template each and reads no article
bodies (articles/admin/lists.py, issue 14): byte for byte the rows Django's admin draws."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import result_list
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.admin.articles import ArticleAdmin
from articles.models import ArticleTranslation, Status

from .factories import make_article, make_author, make_staff

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/articles/article/"


@pytest.fixture
def editor(client):
    user = make_staff("Editors", first_name="Ed", last_name="Itor")
    client.force_login(user)
    return user


@pytest.fixture
def articles(editor):
    """Articles showing every kind of cell: text to escape, no byline and unsigned, several
    bylines, a stale and a current translation, scheduled, a draft, stamped by an editor."""
    odd = make_article(headline='Tom & "Jerry" <b>bold</b>', authors=[make_author(name="A & B")])
    make_article(headline="Nobody's", unsigned=True, published_at=datetime(2020, 6, 1, tzinfo=UTC))
    make_article(headline="No byline yet", status=Status.DRAFT, published_at=None)
    make_article(
        headline="Later",
        authors=[make_author(), make_author()],
        published_at=timezone.now() + timedelta(days=2),
    )
    translated = make_article(headline="Translated", authors=[make_author()])
    for language, stale in [("de", True), ("fr", False)]:
        ArticleTranslation.objects.create(
            article=translated,
            language=language,
            headline=f"In {language}",
            slug=f"in-{language}",
            body="x",
            is_stale=stale,
        )
    type(odd).objects.filter(pk=odd.pk).update(updated_by=editor)


def djangos_rows(response) -> list[str]:
    """The list's rows as Django's admin draws them: its result_list tag, and its checkbox."""
    with mock.patch.object(ArticleAdmin, "action_checkbox", admin.ModelAdmin.action_checkbox):
        drawn = result_list(response.context["cl"])["results"]
    return ["<tr>" + "".join(row) + "</tr>" for row in drawn]


@pytest.mark.parametrize(
    ("query", "language"),
    [
        ({}, "en"),
        ({}, "de"),
        ({"state": "draft"}, "en"),
        ({"o": "-2.6"}, "en"),
        ({"q": "Tom"}, "en"),
        ({"published_at__year": "2020"}, "en"),
    ],
    ids=["all", "in-german", "filtered", "ordered", "searched", "drilled-down"],
)
def test_the_article_lists_rows_are_byte_for_byte_the_ones_djangos_admin_draws(
    client, articles, query, language
):
    response = client.get(CHANGELIST, query, headers={"accept-language": language})

    rows = djangos_rows(response)
    page = response.content.decode()
    assert rows == [row for row in rows if row in page]
    assert 0 < len(rows) == len(response.context["cl"].result_list) == page.count("<tr>") - 1
    positions = [page.index(row) for row in rows]
    assert positions == sorted(positions)


def test_the_article_list_shows_escaped_text_and_links_that_keep_its_filters(client, articles):
    response = client.get(CHANGELIST, {"q": "Tom"})

    page = response.content.decode()
    assert "Tom &amp; &quot;Jerry&quot; &lt;b&gt;bold&lt;/b&gt;" in page
    assert "/change/?_changelist_filters=q%3DTom" in page


def test_the_article_list_reads_no_article_bodies(client, articles):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST)

    listed = [
        q["sql"] for q in queries.captured_queries if '"articles_article"."headline"' in q["sql"]
    ]
    assert listed, "the list's query of its articles"
    assert all('"articles_article"."body' not in sql for sql in listed)
    assert len(response.context["cl"].result_list) == 5
