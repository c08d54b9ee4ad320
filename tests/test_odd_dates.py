"""Times out of any newsroom's range (year 1, year 9999) are refused by the desk, by fixtures and
by the database itself, and rows stored before that check keep every page answering.

A publication time of 0001-01-01 00:00 in Europe/Berlin is 0000-12-31 23:06:32 UTC: PostgreSQL
stored it, psycopg could not read it back, and every list, feed and desk page showing it
answered 500. SQLite could not store it at all (a 500 on save).
"""

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from articles.models import Article, Correction, ShareLink

from .everywhere import admin_pages, feeds, make_story, reader_pages, sitemaps
from .factories import make_staff
from .forms import change_url, form_data
from .rows import every_row
from .test_desk_corrections import with_note

pytestmark = pytest.mark.django_db

FORM = "article_form"
OUT_OF_RANGE = {"year 1": ("0001-01-01", "00:00:00"), "year 9999": ("9999-12-31", "23:59:00")}
REFUSAL = "Enter a time between the years 1600 and 2200"
# The range the site keeps times in (articles/validators.py), in UTC: from the first moment of
# 1600 up to, not including, the first moment of 2201.
EARLIEST_MOMENT = datetime(1600, 1, 1, tzinfo=UTC)
LATEST_MOMENT = datetime(2201, 1, 1, tzinfo=UTC)


@pytest.fixture
def story():
    return make_story()


def every_page_answers(client, admin_client, story) -> list[str]:
    """The pages that answered 500 with a time out of range: those that do not answer 200."""
    problems = []
    for url in reader_pages(story) + feeds(story) + sitemaps() + admin_pages(story):
        response = (admin_client if url.startswith("/admin/") else client).get(url)
        if response.status_code != 200:
            problems.append(f"{url}: {response.status_code}")
    return problems


# The desk ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("moment", OUT_OF_RANGE, ids=OUT_OF_RANGE)
def test_the_desk_refuses_a_publication_time_out_of_range_with_a_field_error(
    admin_client, story, moment
):
    article = story.article
    day, time = OUT_OF_RANGE[moment]
    data = form_data(admin_client.get(change_url(article)), FORM)
    data.update({"published_at_0": day, "published_at_1": time})

    response = admin_client.post(change_url(article), data)

    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors["published_at"]
    assert REFUSAL in error
    stored = Article.objects.get(pk=article.pk)
    assert (stored.published_at, stored.version) == (article.published_at, article.version)


@pytest.mark.parametrize("moment", OUT_OF_RANGE, ids=OUT_OF_RANGE)
def test_the_desk_refuses_a_correction_dated_out_of_range_with_a_field_error(
    admin_client, story, moment
):
    article = story.article
    day, time = OUT_OF_RANGE[moment]
    data = form_data(admin_client.get(change_url(article)), FORM)
    data = with_note(data, "correction", "We got the day wrong.", timezone.now())
    index = int(data["corrections-TOTAL_FORMS"]) - 1
    data.update({f"corrections-{index}-noted_at_0": day, f"corrections-{index}-noted_at_1": time})

    response = admin_client.post(change_url(article), data)

    assert response.status_code == 200
    [formset] = [
        f.formset
        for f in response.context["inline_admin_formsets"]
        if f.formset.model is Correction
    ]
    assert any(REFUSAL in error for error in formset.errors[index].get("noted_at", []))
    assert list(Correction.objects.filter(article=article)) == [story.correction]


def test_the_earliest_and_latest_times_allowed_are_saved_and_every_page_answers(
    client, admin_client, story
):
    Article.objects.filter(pk=story.article.pk).update(published_at=EARLIEST_MOMENT)
    Correction.objects.filter(pk=story.correction.pk).update(
        noted_at=LATEST_MOMENT - timedelta(seconds=1)
    )
    story.article.refresh_from_db()

    assert every_page_answers(client, admin_client, story) == []


# Fixtures ---------------------------------------------------------------------------------------


def article_fixture(**fields):
    return {
        "model": "articles.article",
        "fields": {
            "headline": "Probe",
            "slug": "probe",
            "body": "Text.",
            "section": ["politics"],
            "status": "published",
            "created_at": "2026-11-22T00:00:00Z",
            "updated_at": "2026-11-22T00:00:00Z",
            **fields,
        },
    }


FIXTURES = {
    "publication time in year 1 (Berlin)": (
        [article_fixture(published_at="0001-01-01T00:00:00")],
        'invalid published_at "0001-01-01 00:00:00"',
    ),
    "publication time in year 1 (UTC)": (
        [article_fixture(published_at="0001-01-01T00:00:00Z")],
        'invalid published_at "0001-01-01 00:00:00+00:00"',
    ),
    "creation time in year 9999": (
        [article_fixture(created_at="9999-12-31T23:59:59Z")],
        'invalid created_at "9999-12-31 23:59:59+00:00"',
    ),
    "correction in year 1": (
        [
            {
                "model": "articles.correction",
                "fields": {
                    "article": ["kim-meets-putin-china-none-of-its-business"],
                    "kind": "correction",
                    "text": "A note.",
                    "noted_at": "0001-01-01T00:00:00",
                },
            }
        ],
        'invalid noted_at "0001-01-01 00:00:00"',
    ),
}


@pytest.mark.parametrize(("objects", "says"), FIXTURES.values(), ids=FIXTURES.keys())
def test_a_fixture_with_a_time_out_of_range_is_refused_in_one_paragraph_and_changes_nothing(
    tmp_path, objects, says
):
    call_command("loaddata", "seed_articles", verbosity=0)
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(objects), encoding="utf-8")
    before = every_row()

    with pytest.raises(CommandError) as refused:
        call_command("loaddata", str(path), verbosity=0)

    message = str(refused.value)
    assert message.startswith(f'Refused fixture "{path}", object 1')
    assert says in message
    assert REFUSAL in message
    assert message.endswith("Nothing was loaded.")
    assert "\n" not in message
    assert every_row() == before


# The database -----------------------------------------------------------------------------------

# Representable in Python and in UTC on both databases, so the database itself is what refuses.
TOO_EARLY = datetime(1, 1, 2, tzinfo=UTC)
TOO_LATE = datetime(9999, 12, 30, tzinfo=UTC)


def stored_columns(story):
    link = ShareLink.objects.create(article=story.article)
    return {
        "article published_at": (Article, story.article.pk, "published_at"),
        "article created_at": (Article, story.article.pk, "created_at"),
        "correction noted_at": (Correction, story.correction.pk, "noted_at"),
        "share link expires_at": (ShareLink, link.pk, "expires_at"),
        "share link revoked_at": (ShareLink, link.pk, "revoked_at"),
    }


@pytest.mark.parametrize("value", [TOO_EARLY, TOO_LATE], ids=["year 1", "year 9999"])
def test_the_database_refuses_a_time_out_of_range_from_any_write(story, value):
    for name, (model, pk, field) in stored_columns(story).items():
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.filter(pk=pk).update(**{field: value})
            pytest.fail(f"{name} took {value}")


# Rows stored before the check --------------------------------------------------------------------

BEFORE_THE_CHECK = ("articles", "0014_unguessable_image_paths")


def year_one_in_sql():
    # What the desk stored on PostgreSQL: 0001-01-01 00:00 in Berlin, a time psycopg cannot read.
    if connection.vendor == "postgresql":
        return "0001-01-01 00:00:00+01"
    return "0001-01-01 00:00:00"


@pytest.mark.django_db(transaction=True)
def test_times_stored_out_of_range_before_the_check_are_moved_into_range_by_its_migration(
    client, admin_client, capsys
):
    story = make_story()
    link = ShareLink.objects.create(article=story.article)
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_THE_CHECK])
    with connection.cursor() as cursor:
        for table, column, pk, value in [
            ("articles_article", "published_at", story.article.pk, year_one_in_sql()),
            ("articles_correction", "noted_at", story.correction.pk, year_one_in_sql()),
            ("articles_sharelink", "expires_at", link.pk, "9999-12-31 23:59:59"),
        ]:
            cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, pk])

    call_command("migrate", "articles", verbosity=0, stdout=StringIO())

    said = capsys.readouterr().out
    assert "articles_article.published_at: 1 time before 1600-01-01" in said
    assert "articles_correction.noted_at: 1 time before 1600-01-01" in said
    assert "articles_sharelink.expires_at: 1 time after 2200-12-31" in said
    story.article.refresh_from_db()
    story.correction.refresh_from_db()
    link.refresh_from_db()
    # Back to 0014 and forward again, the lead picture left the library and came back into it
    # (0018-0021) as a new row with the same file.
    assert story.article.lead_picture.file.name == story.picture.file.name
    story.picture = story.article.lead_picture
    assert story.article.published_at == EARLIEST_MOMENT
    assert story.correction.noted_at == EARLIEST_MOMENT
    # In range (and then cut to the desk's 30 days by 0016_share_links_within_limit).
    assert link.expires_at < LATEST_MOMENT
    assert every_page_answers(client, admin_client, story) == []


@pytest.mark.parametrize("moment", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_the_article_command_refuses_to_schedule_out_of_range(story, moment):
    article = story.article
    make_staff("Editors", username="erika")

    with pytest.raises(CommandError, match=REFUSAL):
        call_command("article", "publish", article.slug, "--user", "erika", "--at", moment)

    assert Article.objects.get(pk=article.pk).published_at == article.published_at
