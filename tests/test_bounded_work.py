"""No one request can tie up a worker: a body, the preview, the tags of an article and a reader's
search are each bounded, and what goes over a bound is refused with a clear message, not
worked through (bench/heavy.py measures them over HTTP; docs/reliability.md has the figures)."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains

from articles.models import Article, ArticleTranslation, Status

from .factories import make_article, make_section, make_staff
from .forms import change_url, form_data

pytestmark = pytest.mark.django_db

FORM = "article_form"
PREVIEW = "admin:articles_article_markdown_preview"
ADD = "admin:articles_article_add"
# What an editor is told: a long read fits (about 30,000 words), and 50 tags.
BODY_MAX_LENGTH = 200_000
MAX_TAGS = 50


@pytest.fixture
def editor(client):
    user = make_staff("Editors")
    client.force_login(user)
    return user


def new_article(client, headers=None, **fields):
    data = form_data(client.get(reverse(ADD)), FORM)
    data.update(
        {
            "headline": "A long read",
            "slug": "a-long-read",
            "body": "Text.",
            "section": make_section().pk,
            "status": Status.DRAFT,
            **fields,
        }
    )
    return client.post(reverse(ADD), data, headers=headers)


def long_text(characters):
    sentence = "A sentence of a long read. "
    # Ends in a full stop: the form strips trailing whitespace.
    return (sentence * (characters // len(sentence) + 1))[: characters - 1] + "."


# The body


def test_a_body_of_the_longest_allowed_length_is_saved(client, editor):
    response = new_article(client, body=long_text(BODY_MAX_LENGTH))

    assert response.status_code == 302
    assert len(Article.objects.get(slug="a-long-read").body) == BODY_MAX_LENGTH


def test_a_body_over_the_limit_is_refused_with_a_field_error_and_kept_in_the_form(client, editor):
    body = long_text(BODY_MAX_LENGTH + 1)

    response = new_article(client, body=body)

    assert response.status_code == 200
    assert not Article.objects.filter(slug="a-long-read").exists()
    assertContains(
        response,
        "The body can be at most 200,000 characters long; this one has 200,001. "
        "Split a longer text into parts.",
    )
    assert form_data(response, FORM)["body"] == body.replace("\n", "\r\n")


def test_the_body_limit_is_told_in_the_editors_language(client, editor):
    response = new_article(
        client, headers={"Accept-Language": "de"}, body=long_text(BODY_MAX_LENGTH + 1)
    )

    assertContains(response, "Der Text darf höchstens 200.000 Zeichen lang sein")


def test_a_translation_body_over_the_limit_is_refused_with_a_field_error(client, editor):
    article = make_article()
    translation = ArticleTranslation.objects.create(
        article=article, language="de", headline="Lang", slug="lang", body="Text."
    )
    data = form_data(client.get(change_url(translation)), "articletranslation_form")
    data["body"] = long_text(BODY_MAX_LENGTH + 1)

    response = client.post(change_url(translation), data)

    assert response.status_code == 200
    assertContains(response, "The body can be at most 200,000 characters long")
    translation.refresh_from_db()
    assert translation.body == "Text."


# The preview


def test_the_preview_of_a_body_over_the_limit_answers_413_with_a_message(client, editor):
    response = client.post(reverse(PREVIEW), {"text": long_text(BODY_MAX_LENGTH + 1)})

    assert response.status_code == 413
    assert response.json() == {
        "error": "The body can be at most 200,000 characters long; this one has 200,001. "
        "Split a longer text into parts."
    }


def test_a_preview_larger_than_django_reads_answers_413_not_a_bare_400(editor):
    # As the desk's script sends it: the CSRF token in a header, checked for real.
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    client.get(reverse(ADD))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value

    response = client.post(
        reverse(PREVIEW),
        data=b"text=" + b"x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        content_type="application/x-www-form-urlencoded",
        headers={"X-CSRFToken": token},
    )

    assert response.status_code == 413
    assert response.json() == {
        "error": "The body can be at most 200,000 characters long. Split a longer text into parts."
    }


def test_the_preview_still_needs_the_csrf_token(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)

    response = client.post(reverse(PREVIEW), {"text": "Short."})

    assert response.status_code == 403


def test_the_preview_of_the_longest_allowed_body_is_rendered(client, editor):
    response = client.post(reverse(PREVIEW), {"text": long_text(BODY_MAX_LENGTH)})

    assert response.status_code == 200
    assert response.json()["html"].startswith("<p>A sentence of a long read.")
    assert response.json()["summary"]


# Tags


def test_an_article_with_the_most_tags_allowed_is_saved(client, editor):
    names = ", ".join(f"topic {n}" for n in range(MAX_TAGS))

    response = new_article(client, tags=names)

    assert response.status_code == 302
    assert Article.objects.get(slug="a-long-read").tags.count() == MAX_TAGS


def test_too_many_tags_are_refused_with_a_field_error_and_nothing_is_saved(client, editor):
    names = ", ".join(f"topic {n}" for n in range(3000))

    response = new_article(client, tags=names)

    assert response.status_code == 200
    assertContains(
        response,
        "An article can have at most 50 tags; this one has 3,000. "
        "Keep the ones readers would look for.",
    )
    assert not Article.objects.filter(slug="a-long-read").exists()
    assert form_data(response, FORM)["tags"].count("topic") == 3000


# A reader's search


def snippet_of(page):
    return page.split('class="teaser__snippet"', 1)[1].split("</p>")[0]


@pytest.mark.postgresql_only
def test_the_snippet_is_made_from_a_bounded_part_of_the_body_not_all_of_it(client):
    make_article(headline="A long read", body=long_text(BODY_MAX_LENGTH - 100) + " Harbour.")

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/en/search/?q=%22long+read%22").content.decode()

    headlines = [query["sql"] for query in queries if "ts_headline" in query["sql"]]
    assert headlines
    # ts_headline reads every character it is given: 6 s for a 2 MB body.
    assert all(
        re.search(r"ts_headline\(\s*[^,]+,\s*SUBSTRING\(", sql, re.IGNORECASE) for sql in headlines
    ), headlines
    assert "<mark>long</mark> <mark>read</mark>" in snippet_of(page)


@pytest.mark.postgresql_only
def test_a_match_deep_in_a_long_body_still_gets_its_snippet(client):
    make_article(headline="A long read", body=long_text(150_000) + " The harbour reopened.")

    page = client.get("/en/search/?q=harbour").content.decode()

    assert "<mark>harbour</mark> reopened" in snippet_of(page)
