"""The site's own pages in a real browser: an editor writes an Impressum in English and its
German translation at the desk, publishes both and puts them in the footer; readers on a phone
and a desktop find them in both languages. axe checks the desk's form and the reader's page.

Screenshots go to test-artifacts/pages/ for people to look at.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Page, expect

from articles.models import Status
from pages.models import MenuLink
from pages.models import Page as SitePage

from .desk_browser import HANDHELD, VIEWPORTS, choose, screenshot
from .factories import make_section, make_staff
from .test_browser import describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "pages"  # test-artifacts/pages/


def run_axe(page: Page, where: str, context=None) -> None:
    violations = Axe().run(page, context=context).response["violations"]
    assert not violations, describe_violations(violations, where)


# Django's own select2 widget and breadcrumbs have violations that are not this form's (as in
# tests/test_media_browser.py); the form itself, its fields and the preview must have none.
def desk_form(form_id: str) -> dict:
    return {"include": [[f"#{form_id}"]], "exclude": [[".select2-container"]]}


def preview(page: Page):
    """The body's preview: in the page itself, or in the writing view's frame (issue 16,
    part 1), whichever this desk has."""
    if page.locator(".markdown-preview__frame").count():
        return page.frame_locator(".markdown-preview__frame").locator("body")
    return page.locator(".markdown-preview__output")


def save(page: Page) -> None:
    page.locator("input[name=_continue]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()


def add_footer_link(page: Page, site: str, language: str, label: str, title: str) -> None:
    page.goto(f"{site}{reverse('admin:pages_menulink_add')}")
    page.select_option("#id_place", "footer")
    page.select_option("#id_language", language)
    page.fill("#id_label", label)
    choose(page, ".field-page", title)
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()


def test_an_editor_writes_an_impressum_in_two_languages_and_readers_find_it_in_the_footer(
    open_as, site
):
    editor = make_staff("Editors", first_name="Erika", last_name="Editor")
    desk = open_as(editor)

    # The English page, previewed as it is typed, then published.
    desk.goto(f"{site}{reverse('admin:pages_page_add')}")
    desk.locator("#id_title").press_sequentially("Legal notice")
    expect(desk.locator("#id_slug")).to_have_value("legal-notice")
    desk.fill("#id_body", "## Publisher\n\nThe **publisher** of this site.")
    desk.locator("#id_body").press("End")
    expect(preview(desk).locator("strong")).to_have_text("publisher")
    desk.select_option("#id_status", "published")
    save(desk)
    english = SitePage.objects.get(slug="legal-notice")
    assert english.status == Status.PUBLISHED
    run_axe(desk, "the page's change form (English desk)", desk_form("page_form"))
    screenshot(desk, SHOTS, "desk-page-en-desktop")

    # Its German translation, started from the original's form.
    desk.get_by_role("link", name="Translate into German").click()
    expect(desk.locator("#id_language")).to_have_value("de")
    expect(desk.locator("#id_body")).to_have_value(
        "## Publisher\n\nThe **publisher** of this site."
    )
    desk.locator("#id_title").press_sequentially("Impressum")
    expect(desk.locator("#id_slug")).to_have_value("impressum")
    desk.fill("#id_body", "## Herausgeber\n\nDer **Herausgeber** dieser Seite.")
    desk.select_option("#id_status", "published")
    save(desk)
    german = SitePage.objects.get(language="de", slug="impressum")
    assert german.translation_of == english and german.status == Status.PUBLISHED

    add_footer_link(desk, site, "en", "Legal notice", "Legal notice")
    add_footer_link(desk, site, "de", "Impressum", "Impressum")
    assert MenuLink.objects.count() == 2
    # Beside the sections in the main menu, too.
    make_section(name="Politics", slug="politics")
    MenuLink.objects.create(place="main", language="en", label="About the notice", page=english)

    for viewport in VIEWPORTS:
        reader = open_as(None, viewport, **HANDHELD[viewport])
        reader.goto(f"{site}/en/")
        link = reader.locator(".site-footer").get_by_role("link", name="Legal notice")
        expect(link).to_be_visible()
        main_menu = reader.locator(".section-nav")
        expect(main_menu.get_by_role("link", name="Politics")).to_be_visible()
        expect(main_menu.get_by_role("link", name="About the notice")).to_be_visible()
        link.click()
        expect(reader).to_have_url(f"{site}/en/pages/legal-notice/")
        expect(reader.locator("h1")).to_have_text("Legal notice")
        expect(reader.locator(".article__body strong")).to_have_text("publisher")
        run_axe(reader, f"the English page ({viewport})")
        screenshot(reader, SHOTS, f"reader-en-{viewport}")

        reader.locator(".language-switcher a[hreflang=de]").click()
        expect(reader).to_have_url(f"{site}/de/pages/impressum/")
        expect(reader.locator("h1")).to_have_text("Impressum")
        footer = reader.locator(".site-footer")
        expect(footer.get_by_role("link", name="Impressum")).to_be_visible()
        expect(footer.get_by_role("link", name="Legal notice")).to_have_count(0)
        run_axe(reader, f"the German page ({viewport})")
        screenshot(reader, SHOTS, f"reader-de-{viewport}")


def test_the_pages_form_has_no_axe_violations_in_the_german_desk_on_a_phone(open_as, site):
    english = SitePage.objects.create(title="About us", slug="about", body="Who we are.")
    desk = open_as(make_staff("Editors"), "phone", "de-DE", **HANDHELD["phone"])

    desk.goto(f"{site}{reverse('admin:pages_page_change', args=[english.pk])}")
    expect(desk.get_by_role("link", name="Übersetzen in: Deutsch")).to_be_visible()
    expect(desk.locator(".markdown-preview")).to_be_visible()

    run_axe(desk, "the page's change form (German desk, phone)", desk_form("page_form"))
    screenshot(desk, SHOTS, "desk-page-de-phone")
    desk.goto(f"{site}{reverse('admin:pages_menulink_add')}")
    run_axe(desk, "the menu link form (German desk, phone)", desk_form("menulink_form"))
    screenshot(desk, SHOTS, "desk-menulink-de-phone")
