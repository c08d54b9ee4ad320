"""Defects found in the foundation's desk, each pinned by a test that failed before its fix."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, Status

from .factories import make_article, make_author, make_staff
from .forms import change_url, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _edit_locks_always_stale(settings):
    # Every edit lock is stale at once, as if each editor's page had stopped renewing it: these
    # tests are of what stands behind the locks (editorial/locks.py, tests/test_edit_locks.py).
    settings.DESK_LOCK_STALE_SECONDS = 0


FORM = "article_form"


def opened(client, article):
    """What the editor's browser would send back from the change form, untouched."""
    response = client.get(change_url(article))
    assert response.status_code == 200
    return form_data(response, FORM)


def as_field(moment):
    local = timezone.localtime(moment)
    return {
        "published_at_0": local.strftime("%Y-%m-%d"),
        "published_at_1": local.strftime("%H:%M:%S"),
    }


def reporter_post(client, article, **changes):
    """A reporter's hand-made POST: the editor's form for the article with some fields changed."""
    editor = make_staff("Editors")
    client.force_login(editor)
    data = opened(client, article)
    client.force_login(make_staff("Reporters"))
    data.update(changes)
    return client.post(change_url(article), data)


def test_reporter_cannot_make_a_scheduled_article_live_by_moving_its_time(client):
    later = timezone.now() + timedelta(days=2)
    article = make_article(published_at=later, authors=[make_author()])

    response = reporter_post(client, article, **as_field(timezone.now() - timedelta(hours=1)))

    assert response.status_code == 403
    article.refresh_from_db()
    assert article.published_at == later
    assert not Article.objects.published().filter(pk=article.pk).exists()


def test_reporter_cannot_take_a_live_article_down_by_moving_its_time_into_the_future(client):
    article = make_article(authors=[make_author()])
    was = article.published_at

    response = reporter_post(client, article, **as_field(timezone.now() + timedelta(days=3)))

    assert response.status_code == 403
    article.refresh_from_db()
    assert article.published_at == was
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_reporter_cannot_rewrite_the_headline_and_body_of_a_live_article(client):
    article = make_article(headline="Port reopens", body="Ships sail.", authors=[make_author()])

    response = reporter_post(client, article, headline="Port burns", body="Unreviewed claim.")

    assert response.status_code == 403
    article.refresh_from_db()
    assert (article.headline, article.body) == ("Port reopens", "Ships sail.")


def test_reporter_cannot_schedule_a_draft_by_setting_its_time(client):
    client.force_login(make_staff("Reporters"))
    article = make_article(status=Status.DRAFT, published_at=None)
    data = opened(client, article)
    data.update(as_field(timezone.now() + timedelta(days=1)))

    response = client.post(change_url(article), data)

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.published_at is None


def test_second_editor_saving_a_stale_form_is_refused_and_the_first_edit_survives(client):
    article = make_article(body="Original text.", authors=[make_author()])
    first, second = make_staff("Editors", first_name="Ada"), make_staff("Editors")
    client.force_login(first)
    first_form = opened(client, article)
    client.force_login(second)
    second_form = opened(client, article)

    client.force_login(first)
    first_form["body"] = "Ada's careful rewrite."
    assert client.post(change_url(article), first_form).status_code == 302

    client.force_login(second)
    second_form["headline"] = "Second editor's headline"
    response = client.post(change_url(article), second_form)

    assert response.status_code == 200
    html = response.content.decode()
    assert "saved this since you opened it" in html
    assert "Ada" in html
    assert "Second editor&#x27;s headline" in html  # their own text is still in the form
    article.refresh_from_db()
    assert article.body == "Ada's careful rewrite."
    assert article.headline != "Second editor's headline"


def test_changing_only_the_status_does_not_log_a_body_change(client):
    client.force_login(make_staff("Editors"))
    article = make_article(
        status=Status.DRAFT, standfirst="One.\nTwo.", body="First.\n\n## Sub\n\nSecond."
    )
    data = opened(client, article)
    assert "\r\n" in data["body"]
    data["status"] = Status.IN_REVIEW

    assert client.post(change_url(article), data).status_code == 302

    entry = LogEntry.objects.get(object_id=str(article.pk))
    assert entry.get_change_message() == "Changed Status."


@pytest.mark.parametrize("length", [101, 150])
def test_an_overlong_tag_is_a_field_error_not_a_server_error(client, length):
    client.force_login(make_staff("Editors"))
    article = make_article(status=Status.DRAFT)
    data = opened(client, article)
    data["tags"] = "Short, " + "x" * length

    response = client.post(change_url(article), data)

    assert response.status_code == 200
    assert "A tag can be at most 100 characters long" in response.content.decode()
    assert not article.tags.exists()


def test_two_long_tags_that_slugify_alike_both_get_working_slugs(client):
    client.force_login(make_staff("Editors"))
    article = make_article(status=Status.DRAFT)
    first, second = "a" * 99 + "!", "a" * 99 + "?"
    data = opened(client, article)
    data["tags"] = f'"{first}", "{second}"'

    response = client.post(change_url(article), data)

    assert response.status_code == 302
    slugs = sorted(Tag.objects.values_list("slug", flat=True))
    assert len(slugs) == 2 and len(set(slugs)) == 2
    assert all(0 < len(slug) <= 100 for slug in slugs)
