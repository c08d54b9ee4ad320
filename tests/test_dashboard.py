"""The desk's home page for a working day (articles/admin/dashboard.py): each panel's rows for
reporters, editors and translators; what each may see; the site's day; constant queries."""

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from pytest_django.asserts import assertContains, assertNotContains

from articles import jobs
from articles.models import (
    Article,
    ArticleTranslation,
    Correction,
    CorrectionKind,
    Status,
    StatusChange,
)

from .factories import make_article, make_author, make_staff

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
# A Sunday morning at the desk, in the site's time zone (settings.TIME_ZONE).
NOW = datetime(2026, 12, 6, 10, 0, tzinfo=BERLIN)
INDEX = "/admin/"


@pytest.fixture(autouse=True)
def _berlin(settings):
    settings.TIME_ZONE = "Europe/Berlin"


def freeze(monkeypatch, moment):
    monkeypatch.setattr(timezone, "now", lambda: moment)


def panel(response, key: str) -> list[str] | None:
    """The rows' titles of one panel, or None when the page has no such panel."""
    page = response.content.decode()
    found = re.search(rf'<section [^>]*id="dashboard-{key}".*?</section>', page, re.S)
    if found is None:
        return None
    titles = re.findall(r'class="dashboard-row__title" href="[^"]*">([^<]*)</a>', found.group(0))
    return [html.unescape(title) for title in titles]


def panel_html(response, key: str) -> str:
    page = response.content.decode()
    return re.search(rf'<section [^>]*id="dashboard-{key}".*?</section>', page, re.S).group(0)


def article(headline, status=Status.DRAFT, *, by=None, authors=(), published_at=None, **fields):
    made = make_article(
        headline=headline, status=status, published_at=published_at, authors=authors, **fields
    )
    if by is not None:
        Article.objects.filter(pk=made.pk).update(created_by=by)
    return made


def translation(original, headline, status=Status.DRAFT, *, by=None, language="de"):
    made = ArticleTranslation.objects.create(
        article=original,
        language=language,
        headline=headline,
        slug=f"{original.slug}-{language}",
        body="Text.",
        status=status,
        created_by=by,
    )
    return made


def sent_to_review(obj, when):
    subject = "translation" if isinstance(obj, ArticleTranslation) else "article"
    StatusChange.objects.create(
        **{subject: obj}, from_status=Status.DRAFT, to_status=Status.IN_REVIEW, changed_at=when
    )


def fail_job(keys, when):
    result = jobs.purge_pages.enqueue(keys=keys)
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.FAILED,
        enqueued_at=when,
        finished_at=when,
        traceback="Traceback…\narticles.cache.purge.PurgeFailed: the CDN answered 503\n",
    )


@pytest.fixture
def people():
    rita = make_staff("Reporters", "rita")
    make_author(name="Rita Reporter", user=rita)
    tom = make_staff("Translators", "tom")
    make_author(name="Tom Translator", user=tom)
    erika = make_staff("Editors", "erika")
    return {"reporter": rita, "translator": tom, "editor": erika}


@pytest.fixture
def day(people, monkeypatch):
    """Work in every state, some of it Rita's and Tom's, at 10:00 on 6 December in Berlin."""
    freeze(monkeypatch, NOW - timedelta(days=3))
    rita, tom = people["reporter"], people["translator"]
    rita_author = rita.author_profile
    article("Rita's older draft", by=rita)
    article("Other desk's draft")
    waited_long = article("Other desk's story in review", Status.IN_REVIEW)
    sent_to_review(waited_long, NOW - timedelta(days=2))
    rita_review = article("Rita's story in review", Status.IN_REVIEW, by=rita)
    sent_to_review(rita_review, NOW - timedelta(hours=3))
    live = article("Live since yesterday", Status.PUBLISHED, published_at=NOW - timedelta(days=1))
    stale = translation(live, "Seit gestern online", Status.PUBLISHED)
    freeze(monkeypatch, NOW - timedelta(hours=1))
    article("Rita's bylined draft", authors=[rita_author])
    tom_draft = translation(live, "Toms Entwurf", by=tom, language="fr")
    tom_draft.refresh_from_db()
    goes_live = article(
        "Goes live at noon", Status.PUBLISHED, published_at=NOW + timedelta(hours=2)
    )
    translation(goes_live, "Geht mittags online", Status.PUBLISHED)
    article("Goes live tomorrow", Status.PUBLISHED, published_at=NOW + timedelta(days=1))
    in_review_de = translation(rita_review, "Ritas Geschichte in Prüfung", Status.IN_REVIEW, by=tom)
    sent_to_review(in_review_de, NOW - timedelta(hours=1))
    live.body += " Updated."
    live.save()
    Correction.objects.create(
        article=live,
        kind=CorrectionKind.CORRECTION,
        text="A name.",
        noted_at=NOW - timedelta(days=1),
    )
    Correction.objects.create(
        article=live, kind=CorrectionKind.UPDATE, text="Old.", noted_at=NOW - timedelta(days=20)
    )
    fail_job(["home"], NOW - timedelta(hours=2))
    fail_job(["feeds"], NOW - timedelta(hours=5))
    jobs.purge_pages.enqueue(keys=["feeds"])  # tried again since: no longer failed
    freeze(monkeypatch, NOW)
    stale.refresh_from_db()
    assert stale.is_stale
    return people


def dashboard_of(client, user, language="en"):
    client.force_login(user)
    response = client.get(INDEX, headers={"accept-language": language})
    assert response.status_code == 200
    return response


def test_a_reporter_sees_their_drafts_their_work_waiting_for_an_editor_and_todays_schedule(
    client, day
):
    response = dashboard_of(client, day["reporter"])

    assert panel(response, "drafts") == ["Rita's bylined draft", "Rita's older draft"]
    assertContains(
        response, '<h2 id="dashboard-review-title">Waiting for an editor</h2>', html=True
    )
    assert panel(response, "review") == ["Rita's story in review"]
    assert panel(response, "scheduled") == ["Goes live at noon", "Geht mittags online"]
    # Tom's French draft was made from the same original before it changed: stale too.
    assert panel(response, "stale") == ["Seit gestern online", "Toms Entwurf"]
    assert panel(response, "corrections") == ["Live since yesterday"]
    assert panel(response, "jobs") is None


def test_an_editor_sees_everything_in_review_the_longest_waiting_first(client, day):
    response = dashboard_of(client, day["editor"])

    assertContains(
        response, '<h2 id="dashboard-review-title">Waiting for my review</h2>', html=True
    )
    assert panel(response, "review") == [
        "Other desk's story in review",
        "Rita's story in review",
        "Ritas Geschichte in Prüfung",
    ]
    assert "waiting for 2\xa0days" in panel_html(response, "review")
    assert panel(response, "drafts") == []
    assert "Nothing here" in panel_html(response, "drafts")
    assert panel(response, "jobs") is None


def test_a_translator_sees_their_translations(client, day):
    response = dashboard_of(client, day["translator"])

    assert panel(response, "drafts") == ["Toms Entwurf"]
    assert panel(response, "review") == ["Ritas Geschichte in Prüfung"]
    assert panel(response, "stale") == ["Seit gestern online", "Toms Entwurf"]
    assert panel(response, "jobs") is None


def test_each_row_links_to_its_change_form_and_each_panel_to_its_filtered_list(client, day):
    response = dashboard_of(client, day["reporter"])
    draft = Article.objects.get(headline="Rita's older draft")
    stale = ArticleTranslation.objects.get(headline="Seit gestern online")

    change_form = reverse("admin:articles_article_change", args=[draft.pk])
    assertContains(
        response,
        f'<a class="dashboard-row__title" href="{change_form}">Rita&#x27;s older draft</a>',
        html=True,
    )
    assertContains(response, reverse("admin:articles_articletranslation_change", args=[stale.pk]))
    mine = client.get(
        reverse("admin:articles_article_changelist"), {"state": "draft", "mine": "yes"}
    )
    assert sorted(str(row) for row in mine.context["cl"].result_list) == [
        "Rita's bylined draft",
        "Rita's older draft",
    ]
    assertContains(response, 'href="/admin/articles/article/?state=draft&amp;mine=yes"')
    assertContains(response, 'href="/admin/articles/article/?state=review&amp;mine=yes"')
    assertContains(response, 'href="/admin/articles/articletranslation/?stale=yes"')


def test_the_see_all_lists_hold_what_the_panels_show(client, day):
    client.force_login(day["translator"])
    translations = reverse("admin:articles_articletranslation_changelist")

    mine = client.get(translations, {"state": "draft", "mine": "yes"})
    review = client.get(translations, {"state": "review"})
    scheduled = client.get(
        reverse("admin:articles_article_changelist"),
        {
            "state": "scheduled",
            "published_at__year": 2026,
            "published_at__month": 12,
            "published_at__day": 6,
        },
    )

    assert [str(row) for row in mine.context["cl"].result_list] == ["Toms Entwurf [fr]"]
    assert [str(row) for row in review.context["cl"].result_list] == [
        "Ritas Geschichte in Prüfung [de]"
    ]
    assert [str(row) for row in scheduled.context["cl"].result_list] == ["Goes live at noon"]


def test_failed_jobs_nobody_retried_are_shown_to_those_who_may_see_jobs(client, day):
    editor = day["editor"]
    editor.user_permissions.add(Permission.objects.get(codename="view_dbtaskresult"))

    response = dashboard_of(client, User.objects.get(pk=editor.pk))

    assert panel(response, "jobs") == ["CDN purge"]
    assert "PurgeFailed: the CDN answered 503" in panel_html(response, "jobs")
    assertContains(response, 'href="/admin/django_tasks_database/dbtaskresult/?status=failed"')


def test_empty_panels_say_nothing_here(client, people):
    response = dashboard_of(client, people["editor"])

    for key in ("drafts", "review", "scheduled", "stale", "corrections"):
        assert panel(response, key) == []
        assert '<p class="dashboard-panel__empty">Nothing here</p>' in panel_html(response, key)


def test_the_german_desk_shows_german_headings(client, day):
    response = dashboard_of(client, day["editor"], "de")

    for heading in (
        "Meine Entwürfe",
        "Wartet auf meine Prüfung",
        "Heute geplant",
        "Veraltete Übersetzungen",
        "Neue Korrekturen",
    ):
        assertContains(response, heading)
    assertContains(response, "Wartezeit: 2\xa0Tage")
    assertContains(response, "geht um 12:00 online")
    assertContains(response, "Keine Einträge")
    assertNotContains(response, "My drafts")


@pytest.mark.parametrize(
    ("now", "shown", "hidden"),
    [
        # 23:30 in Berlin is 22:30 UTC: 00:10 tomorrow in Berlin is still today in UTC.
        (
            datetime(2026, 12, 6, 23, 30, tzinfo=BERLIN),
            datetime(2026, 12, 6, 23, 50, tzinfo=BERLIN),
            datetime(2026, 12, 7, 0, 10, tzinfo=BERLIN),
        ),
        # 00:30 in Berlin is 23:30 UTC the day before: 06:00 in Berlin is "tomorrow" in UTC.
        (
            datetime(2026, 12, 7, 0, 30, tzinfo=BERLIN),
            datetime(2026, 12, 7, 6, 0, tzinfo=BERLIN),
            datetime(2026, 12, 8, 0, 5, tzinfo=BERLIN),
        ),
    ],
)
def test_scheduled_today_means_today_in_the_sites_time_zone(
    client, people, monkeypatch, now, shown, hidden
):
    freeze(monkeypatch, now)
    article("Before midnight", Status.PUBLISHED, published_at=shown)
    article("After midnight", Status.PUBLISHED, published_at=hidden)
    article("Already live", Status.PUBLISHED, published_at=now - timedelta(minutes=5))

    response = dashboard_of(client, people["editor"])

    assert panel(response, "scheduled") == ["Before midnight"]
    assertContains(response, f'<time datetime="{shown.isoformat()}"', count=1)


def test_the_dashboard_is_for_staff_only(client, people):
    response = client.get(INDEX)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def fill(user, n, start):
    """n pieces of work in every state the dashboard shows, with failed jobs and corrections."""
    for i in range(start, start + n):
        article(f"Draft {i}", by=user)
        review = article(f"Review {i}", Status.IN_REVIEW, by=user)
        sent_to_review(review, NOW - timedelta(hours=1))
        scheduled = article(
            f"Scheduled {i}", Status.PUBLISHED, published_at=NOW + timedelta(minutes=i + 1)
        )
        translation(scheduled, f"Geplant {i}", Status.PUBLISHED, by=user)
        translation(review, f"Prüfung {i}", Status.IN_REVIEW, by=user)
        draft = translation(
            article(f"Original {i}", Status.PUBLISHED, published_at=NOW - timedelta(days=1)),
            f"Entwurf {i}",
            by=user,
        )
        draft.article.body += " Changed."
        draft.article.save()
        Correction.objects.create(article=draft.article, text="Fixed.", noted_at=NOW)
        fail_job([f"key-{i}"], NOW - timedelta(minutes=i))


def test_the_dashboard_costs_the_same_queries_for_one_or_thirty_of_each(
    client, people, monkeypatch
):
    freeze(monkeypatch, NOW)
    editor = people["editor"]
    editor.user_permissions.add(Permission.objects.get(codename="view_dbtaskresult"))
    client.force_login(editor)

    fill(editor, 1, 0)
    with CaptureQueriesContext(connection) as one:
        first = client.get(INDEX)
    fill(editor, 29, 1)
    with CaptureQueriesContext(connection) as thirty:
        second = client.get(INDEX)

    assert panel(first, "review") and len(panel(second, "review")) == 8
    assert len(panel(second, "jobs")) == 8
    assert len(thirty) == len(one), [query["sql"] for query in thirty.captured_queries]


def test_staff_without_permissions_see_no_panel(client, day):
    nobody = User.objects.create_user("nobody", password="x", is_staff=True)

    response = dashboard_of(client, nobody)

    assert 'class="module dashboard-panel' not in response.content.decode()
    assertNotContains(response, "Nothing here")
