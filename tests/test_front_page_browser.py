"""The desk's "Front page" in a real browser, in English and in German: an editor places and
reorders the stories, and a reader's tab sees the new lead at once; axe finds nothing on it.

Screenshots go to test-artifacts/front-page/ for people to look at.
"""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Page, expect

from .desk_browser import screenshot
from .factories import make_article, make_section, make_staff
from .test_browser import describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "front-page"  # test-artifacts/front-page/
DESK = "/admin/articles/placement/"


@pytest.fixture
def news():
    now = timezone.now()
    section = make_section(name="Politics", slug="politics")
    return {
        name: make_article(
            headline=name, section=section, published_at=now - timedelta(hours=hours)
        )
        for hours, name in (
            (1, "Harbour strike ends"),
            (2, "Council passes budget"),
            (3, "Bridge reopens after repairs"),
        )
    }


def place(page: Page, headline: str, button: str) -> None:
    """Pick `headline` in the article picker (select2) and place it."""
    page.locator(".front-desk__place .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(headline.split()[0])
    page.locator(".select2-results__option", has_text=headline).click()
    page.get_by_role("button", name=button, exact=True).click()


def run_axe(page: Page, where: str) -> None:
    violations = Axe().run(page, context={"include": [["#content"]]}).response["violations"]
    assert not violations, describe_violations(violations, where)


def lead(page: Page):
    return page.locator(".front__lead")


def test_an_editor_reorders_the_front_page_and_a_reader_sees_the_new_lead_at_once(
    open_as, site, news
):
    reader = open_as(None)
    reader.goto(f"{site}/en/")
    expect(lead(reader)).to_contain_text("Harbour strike ends")

    desk = open_as(make_staff("Editors"))
    desk.goto(f"{site}{DESK}?language=en")
    expect(desk.locator("h1")).to_have_text("Front page: home page (English)")
    place(desk, "Bridge reopens after repairs", "Place")
    expect(desk.locator(".messagelist")).to_contain_text("Placed")
    place(desk, "Council passes budget", "Place")
    rows = desk.locator(".front-desk__placements tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Bridge reopens after repairs")

    desk.get_by_role("button", name="Move “Council passes budget” up").click()
    expect(rows.first).to_contain_text("Council passes budget")
    expect(desk.locator(".front-desk__shown li").first).to_contain_text("Council passes budget")
    expect(desk.frame_locator(".front-desk__preview").locator(".front__lead")).to_contain_text(
        "Council passes budget"
    )
    run_axe(desk, "the front page desk (English)")
    screenshot(desk, SHOTS, "desk-en-desktop")

    reader.goto(f"{site}/en/")
    expect(lead(reader)).to_contain_text("Council passes budget")
    screenshot(reader, SHOTS, "reader-home-en-desktop")
    # Placed for English readers only.
    reader.goto(f"{site}/de/")
    expect(lead(reader)).to_contain_text("Harbour strike ends")

    phone = open_as(None, "phone")
    phone.goto(f"{site}/en/")
    expect(lead(phone)).to_contain_text("Council passes budget")
    screenshot(phone, SHOTS, "reader-home-en-phone")


def test_the_german_desk_arranges_the_german_front_page(open_as, site, news):
    editor = make_staff("Editors")
    desk = open_as(editor, locale="de-DE")
    desk.goto(f"{site}{DESK}?language=de")
    expect(desk.locator("h1")).to_have_text("Titelseite: Startseite (Deutsch)")
    place(desk, "Bridge reopens after repairs", "Platzieren")
    place(desk, "Council passes budget", "Platzieren")
    desk.get_by_role("button", name="„Bridge reopens after repairs“ nach unten verschieben").click()
    rows = desk.locator(".front-desk__placements tbody tr")
    expect(rows.first).to_contain_text("Council passes budget")
    run_axe(desk, "the front page desk (German)")
    screenshot(desk, SHOTS, "desk-de-desktop")

    reader = open_as(None, locale="de-DE")
    reader.goto(f"{site}/de/")
    expect(lead(reader)).to_contain_text("Council passes budget")

    phone = open_as(editor, "phone", "de-DE")
    phone.goto(f"{site}{DESK}?language=de")
    expect(phone.locator(".front-desk__placements tbody tr")).to_have_count(2)
    run_axe(phone, "the front page desk (German, phone)")
    screenshot(phone, SHOTS, "desk-de-phone")


def test_a_reporter_sees_the_front_page_desk_without_its_forms(open_as, site, news):
    page = open_as(make_staff("Reporters"))
    page.goto(f"{site}{DESK}?language=en")

    expect(page.locator(".front-desk__shown li").first).to_contain_text("Harbour strike ends")
    expect(page.get_by_role("button", name="Place", exact=True)).to_have_count(0)
    run_axe(page, "the front page desk for a reporter")
    screenshot(page, SHOTS, "desk-en-reporter")
