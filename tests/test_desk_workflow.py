"""The workflow: valid steps only, who and when recorded, bulk actions, what publishing needs."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Status, StatusChange

from .factories import make_article, make_author, make_staff
from .forms import change_url, form_data

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:articles_article_changelist"


def save_with(client, article, **changes):
    data = form_data(client.get(change_url(article)), "article_form")
    data.update(changes)
    return client.post(change_url(article), data)


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def editor(client):
    user = make_staff("Editors", first_name="Erika", last_name="Editor")
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    ("start", "target"),
    [(Status.DRAFT, Status.WITHDRAWN), (Status.IN_REVIEW, Status.WITHDRAWN)],
)
def test_a_step_the_workflow_does_not_know_is_refused(client, editor, start, target):
    article = make_article(status=start, authors=[make_author()])

    response = save_with(client, article, status=target)

    assert response.status_code == 200
    assert "cannot go straight to" in response.content.decode()
    article.refresh_from_db()
    assert article.status == start


def test_a_live_article_is_withdrawn_not_sent_back_to_draft(client, editor):
    article = make_article(authors=[make_author()])

    response = save_with(client, article, status=Status.DRAFT)

    assert "A live article is withdrawn, not sent back to draft." in response.content.decode()
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED


def test_a_scheduled_article_can_go_back_to_draft(client, editor):
    article = make_article(published_at=timezone.now() + timedelta(days=1), authors=[make_author()])

    assert save_with(client, article, status=Status.DRAFT).status_code == 302

    article.refresh_from_db()
    assert article.status == Status.DRAFT


def test_each_step_records_who_and_when_and_the_article_shows_it(client, editor):
    article = make_article(status=Status.DRAFT, published_at=None, authors=[make_author()])

    save_with(client, article, status=Status.IN_REVIEW)
    save_with(client, Article.objects.get(pk=article.pk), status=Status.PUBLISHED)

    steps = list(StatusChange.objects.filter(article=article).order_by("changed_at", "pk"))
    assert [(s.from_status, s.to_status) for s in steps] == [
        (Status.DRAFT, Status.IN_REVIEW),
        (Status.IN_REVIEW, Status.PUBLISHED),
    ]
    assert all(step.changed_by == editor for step in steps)
    html = client.get(change_url(article)).content.decode()
    assert "In review → <strong>Published</strong> · Erika Editor at" in html


def test_publishing_needs_a_byline_unless_the_article_is_marked_unsigned(client, editor):
    article = make_article(status=Status.IN_REVIEW, published_at=None)

    refused = save_with(client, article, status=Status.PUBLISHED)
    accepted = save_with(client, article, status=Status.PUBLISHED, unsigned="on")

    assert refused.status_code == 200
    assert "Add at least one byline, or tick “unsigned”" in refused.content.decode()
    assert accepted.status_code == 302
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED and article.unsigned


def test_the_seed_articles_stay_valid_and_the_unsigned_one_is_marked():
    call_command("loaddata", "seed_articles", verbosity=0)

    unsigned = Article.objects.get(slug="china-eloquent-silence-kim-putin")
    assert unsigned.unsigned and not unsigned.bylines.exists()
    from articles.editorial.workflow import publication_problems

    assert all(not publication_problems(article) for article in Article.objects.all())


def test_bulk_actions_report_per_article_what_happened(client, editor):
    ready = make_article(headline="Ready", status=Status.IN_REVIEW, authors=[make_author()])
    unsigned = make_article(headline="No byline", status=Status.IN_REVIEW)

    response = client.post(
        reverse(CHANGELIST),
        {"action": "publish_now", "_selected_action": [ready.pk, unsigned.pk]},
        follow=True,
    )

    messages = messages_of(response)
    assert "“Ready”: Published." in messages
    assert any(m.startswith("“No byline”: Add at least one byline") for m in messages)
    ready.refresh_from_db()
    unsigned.refresh_from_db()
    assert ready.status == Status.PUBLISHED and ready.is_public()
    assert unsigned.status == Status.IN_REVIEW
    assert StatusChange.objects.filter(article=ready, changed_by=editor).exists()


def test_publish_now_puts_a_scheduled_article_live_at_once(client, editor):
    article = make_article(published_at=timezone.now() + timedelta(days=2), authors=[make_author()])
    assert article.is_scheduled()

    client.post(reverse(CHANGELIST), {"action": "publish_now", "_selected_action": [article.pk]})

    article.refresh_from_db()
    assert article.is_public()


def test_withdraw_action_takes_an_article_off_the_site(client, editor):
    article = make_article(authors=[make_author()])

    client.post(reverse(CHANGELIST), {"action": "withdraw", "_selected_action": [article.pk]})

    article.refresh_from_db()
    assert article.status == Status.WITHDRAWN
    assert not Article.objects.published().filter(pk=article.pk).exists()


def test_submit_for_review_action_moves_drafts(client, editor):
    draft = make_article(status=Status.DRAFT)

    client.post(
        reverse(CHANGELIST), {"action": "submit_for_review", "_selected_action": [draft.pk]}
    )

    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW


def test_a_scheduled_article_appears_at_its_time_with_no_job_running():
    at = timezone.now() + timedelta(hours=2)
    article = make_article(published_at=at)

    assert not Article.objects.published().filter(pk=article.pk).exists()
    assert Article.objects.published(now=at).filter(pk=article.pk).exists()


def test_the_article_list_shows_scheduled_with_its_time_and_a_filter_finds_them(client, editor):
    at = timezone.now() + timedelta(days=3)
    make_article(headline="Embargoed budget story", published_at=at)
    make_article(headline="Live story")

    listing = client.get(reverse(CHANGELIST)).content.decode()
    scheduled = client.get(reverse(CHANGELIST), {"state": "scheduled"}).content.decode()
    live = client.get(reverse(CHANGELIST), {"state": "published"}).content.decode()

    local = timezone.localtime(at)
    assert "Scheduled · " in listing
    assert local.strftime("%Y") in listing
    assert "Embargoed budget story" in scheduled and "Live story" not in scheduled
    assert "Live story" in live and "Embargoed budget story" not in live
