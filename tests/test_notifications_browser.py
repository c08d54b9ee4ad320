"""Notes and notifications in a real browser, in English and German: a reporter submits for review,
the editor finds it on the desk's home page, in the notifications list and in their mailbox (a
real SMTP server); a note with an @mention reaches the person mentioned. Axe finds nothing on
the notifications list, the settings page or the notes panel.

Screenshots go to test-artifacts/notifications/ for people to look at.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Page, expect

from articles.models import Article, Note, NotificationPreference, Status

from .desk_browser import LOCALES, screenshot
from .factories import make_article, make_author, make_staff
from .mailbox import html_of, text_of
from .test_browser import describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "notifications"  # test-artifacts/notifications/
WORDS = {
    "en": {
        "review": "rita submitted “Harbour strike ends” for review.",
        "mention": "ed mentioned you in a note on “Harbour strike ends”.",
        "unread": "1 unread",
        "panel": "Notifications",
        "all": "All notifications",
        "add": "Add note",
        "subject": "[Newsroom] rita submitted “Harbour strike ends” for review.",
        "open": "Open it at the desk",
    },
    "de": {
        "review": "rita hat „Harbour strike ends“ zur Prüfung eingereicht.",
        "mention": "ed hat Sie in einer Notiz zu „Harbour strike ends“ erwähnt.",
        "unread": "1 ungelesen",
        "panel": "Benachrichtigungen",
        "all": "Alle Benachrichtigungen",
        "add": "Notiz hinzufügen",
        "subject": "[Newsroom] rita hat „Harbour strike ends“ zur Prüfung eingereicht.",
        "open": "Am Desk öffnen",
    },
}


@pytest.fixture(autouse=True)
def links_in_mail(site, settings):
    """The e-mails link to the live server."""
    settings.SITE_URL = site


def run_axe(page: Page, where: str, context=None) -> None:
    violations = Axe().run(page, context=context).response["violations"]
    assert not violations, describe_violations(violations, where)


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_review_request_reaches_the_editors_desk_and_inbox_and_a_mention_reaches_the_reporter(
    open_as, site, smtp_server, run_jobs, language
):
    words = WORDS[language]
    reporter = make_staff("Reporters", "rita", email="rita@newsroom.test")
    editor = make_staff("Editors", "ed", email="ed@newsroom.test")
    for person in (reporter, editor):
        NotificationPreference.objects.create(user=person, language=language)
    article = make_article(
        headline="Harbour strike ends",
        status=Status.DRAFT,
        authors=[make_author(name="Rita Reporter", user=reporter)],
    )
    change_url = f"{site}{reverse('admin:articles_article_change', args=[article.pk])}"

    # The reporter sends the draft for review at the desk.
    desk = open_as(reporter, locale=LOCALES[language])
    desk.goto(change_url)
    desk.select_option("#id_status", "review")
    desk.click("input[name=_save]")
    expect(desk.locator(".messagelist .success")).to_be_visible()
    assert Article.objects.get(pk=article.pk).status == Status.IN_REVIEW

    # The editor sees it on the desk's home page, with the unread count, and in the list.
    page = open_as(editor, locale=LOCALES[language])
    page.goto(f"{site}/admin/")
    panel = page.locator("#notifications-panel")
    expect(panel.locator("h2")).to_contain_text(words["panel"])
    expect(panel.locator(".notifications-panel__unread")).to_have_text(words["unread"])
    expect(panel.locator("li.notification--unread")).to_have_text(
        re.compile(re.escape(words["review"]))
    )
    screenshot(page, SHOTS, f"home-{language}-desktop")
    panel.get_by_role("link", name=words["all"]).click()
    expect(page.locator("#result_list")).to_contain_text(words["review"])
    screenshot(page, SHOTS, f"list-{language}-desktop")
    run_axe(page, f"the notifications list ({language})")

    # … and in their mailbox, in their language, with a link that opens the article.
    run_jobs()
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "ed@newsroom.test"
    assert message["Subject"].strip() == words["subject"]
    assert words["open"] in html_of(message)
    link = re.search(r"https?://\S+/change/", text_of(message)).group(0)
    page.goto(link)
    expect(page.locator("#id_headline")).to_have_value("Harbour strike ends")

    # Opening it from the list marks it read.
    page.goto(f"{site}/admin/articles/notification/")
    page.locator("#result_list").get_by_role("link", name=words["review"]).click()
    expect(page).to_have_url(re.compile(rf"/admin/articles/article/{article.pk}/change/"))
    page.goto(f"{site}/admin/")
    expect(page.locator(".notifications-panel__unread")).to_have_count(0)

    # The editor writes a note mentioning the reporter, on the change form.
    page.goto(change_url)
    page.fill("#note-text", "@rita please check the figures in para 3.")
    page.get_by_role("button", name=words["add"], exact=True).click()
    note = page.locator("#notes .note")
    expect(note).to_have_count(1)
    expect(note.locator(".note__text")).to_have_text("@rita please check the figures in para 3.")
    note.locator("summary").click()
    page.locator("#notes").scroll_into_view_if_needed()
    screenshot(page, SHOTS, f"notes-{language}-desktop")
    run_axe(page, f"the notes panel ({language})", context={"include": [["#notes"]]})
    assert Note.objects.get().author == editor

    # The reporter is told, at the desk and by e-mail; a reply threads under the note.
    desk.goto(f"{site}/admin/")
    expect(desk.locator("#notifications-panel")).to_contain_text(words["mention"])
    run_jobs()
    messages = smtp_server.wait_for(2)
    mention = next(m for m in messages if m["To"] == "rita@newsroom.test")
    assert f"/admin/articles/article/{article.pk}/change/#notes" in text_of(mention)
    desk.locator("#notifications-panel").get_by_role("link", name=words["mention"]).click()
    desk.locator("#notes .note summary").first.click()
    desk.locator("#notes .note textarea").first.fill("@ed done, thanks.")
    desk.locator("#notes .note form button").first.click()
    expect(desk.locator("#notes .note .note .note__text")).to_have_text("@ed done, thanks.")

    # Phone width: the panel, the list and the notes still read.
    phone = open_as(editor, "phone", LOCALES[language])
    phone.goto(f"{site}/admin/")
    screenshot(phone, SHOTS, f"home-{language}-phone")
    phone.goto(f"{site}/admin/articles/notification/")
    screenshot(phone, SHOTS, f"list-{language}-phone")
    run_axe(phone, f"the notifications list on a phone ({language})")
    phone.goto(change_url)
    phone.locator("#notes").scroll_into_view_if_needed()
    screenshot(phone, SHOTS, f"notes-{language}-phone")


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_notification_settings_page_saves_and_passes_axe(open_as, site, language):
    editor = make_staff("Editors", "ed", email="ed@newsroom.test")
    page = open_as(editor, locale=LOCALES[language])
    page.goto(f"{site}/admin/articles/notification/settings/")
    screenshot(page, SHOTS, f"settings-{language}-desktop")
    run_axe(page, f"the notification settings ({language})")
    page.uncheck("#id_email_mentions")
    page.select_option("#id_language", "de")
    page.locator("#content-main [type=submit]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    preference = NotificationPreference.objects.get(user=editor)
    assert (preference.email_mentions, preference.language) == (False, "de")
    assert preference.email_review_requests is True
