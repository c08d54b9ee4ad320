"""The desk's home page in a real browser: an editor's and a reporter's working day, in English
and German, on a phone and a desktop; axe finds nothing on the page.

Screenshots go to test-artifacts/dashboard/ for people to look at.
"""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import Page, expect

from articles import jobs
from articles.models import ArticleTranslation, Correction, Status, StatusChange

from .desk_browser import LOCALES, VIEWPORTS, screenshot
from .factories import make_article, make_author, make_staff
from .test_browser import describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "dashboard"  # test-artifacts/dashboard/
HEADINGS = {
    "en": {
        "drafts": "My drafts",
        "editor": "Waiting for my review",
        "reporter": "Waiting for an editor",
        "jobs": "Jobs that failed",
        "empty": "Nothing here",
    },
    "de": {
        "drafts": "Meine Entwürfe",
        "editor": "Wartet auf meine Prüfung",
        "reporter": "Wartet auf die Redaktion",
        "jobs": "Fehlgeschlagene Aufgaben",
        "empty": "Keine Einträge",
    },
}


@pytest.fixture
def desk(settings):
    """A reporter with drafts and a story in review; an editor who may see jobs; a failed job."""
    # The site's day runs in a time zone where it is about noon now, so that "scheduled
    # today" has hours left whenever the test runs (the live server shares these settings).
    settings.TIME_ZONE = f"Etc/GMT{timezone.now().hour - 12:+d}"
    reporter = make_staff("Reporters", "rita", first_name="Rita")
    rita = make_author(name="Rita Reporter", user=reporter)
    editor = make_staff("Editors", "erika", first_name="Erika")
    editor.user_permissions.add(Permission.objects.get(codename="view_dbtaskresult"))
    now = timezone.now()
    for headline in ("Harbour workers end their strike", "Council votes on the new bridge"):
        make_article(headline=headline, status=Status.DRAFT, published_at=None, authors=[rita])
    review = make_article(
        headline="Floods close the old town's market for a week",
        status=Status.IN_REVIEW,
        published_at=None,
        authors=[rita],
    )
    StatusChange.objects.create(
        article=review,
        from_status=Status.DRAFT,
        to_status=Status.IN_REVIEW,
        changed_at=now - timedelta(hours=5),
    )
    live = make_article(headline="Mayor opens the library", published_at=now - timedelta(days=1))
    ArticleTranslation.objects.create(
        article=live,
        language="de",
        headline="Bürgermeisterin eröffnet die Bibliothek",
        slug="buergermeisterin-eroeffnet-die-bibliothek",
        body="Text.",
        status=Status.PUBLISHED,
    )
    live.body += " The opening hours changed."
    live.save()
    Correction.objects.create(article=live, text="The library opens at nine, not ten.")
    later = now + timedelta(minutes=30)
    make_article(headline="Election results at noon", published_at=later)
    result = jobs.purge_pages.enqueue(keys=["home"])
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        traceback="Traceback…\narticles.cache.purge.PurgeFailed: the CDN answered 503\n",
    )
    return {"editor": editor, "reporter": reporter}


def run_axe(page: Page, where: str) -> None:
    # The whole page, Django's header and app list too: the dashboard adds none.
    violations = Axe().run(page).response["violations"]
    assert not violations, describe_violations(violations, where)


@pytest.mark.parametrize("language", ["en", "de"])
def test_an_editor_and_a_reporter_see_their_day_on_phone_and_desktop(open_as, site, desk, language):
    words = HEADINGS[language]
    for role in ("editor", "reporter"):
        for viewport in VIEWPORTS:
            page = open_as(desk[role], viewport, LOCALES[language])
            page.goto(f"{site}{reverse('admin:index')}")
            dashboard = page.locator("#desk-dashboard")
            expect(dashboard.locator("#dashboard-drafts h2")).to_have_text(words["drafts"])
            expect(dashboard.locator("#dashboard-review h2")).to_have_text(words[role])
            expect(dashboard.locator("#dashboard-review .dashboard-row__title")).to_have_text(
                ["Floods close the old town's market for a week"]
            )
            expect(dashboard.locator("#dashboard-scheduled .dashboard-row__title")).to_have_text(
                ["Election results at noon"]
            )
            if role == "editor":
                expect(dashboard.locator("#dashboard-drafts")).to_contain_text(words["empty"])
                expect(dashboard.locator("#dashboard-jobs h2")).to_have_text(words["jobs"])
            else:
                expect(dashboard.locator("#dashboard-drafts .dashboard-row")).to_have_count(2)
                expect(dashboard.locator("#dashboard-jobs")).to_have_count(0)
            # No panel runs off a phone's screen.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= VIEWPORTS[viewport]["width"], f"{role} {viewport}: {width}px wide"
            screenshot(page, SHOTS, f"{role}-{language}-{viewport}")
            run_axe(page, f"the {role}'s dashboard ({language}, {viewport})")


def test_a_row_opens_its_change_form(open_as, site, desk):
    page = open_as(desk["reporter"])
    page.goto(f"{site}{reverse('admin:index')}")

    page.locator("#dashboard-review .dashboard-row__title").click()

    expect(page.locator("#id_headline")).to_have_value(
        "Floods close the old town's market for a week"
    )
