"""The editors' desk in a real browser: write, review, publish; a refused stale save; share links.

Screenshots of the key admin screens go to test-artifacts/desk/ for people to look at.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from articles.models import Article, ShareLink, Status

from .desk_browser import choose, screenshot
from .factories import make_article, make_author, make_section, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "desk"  # test-artifacts/desk/


def test_reporter_writes_and_submits_then_an_editor_publishes_it_for_readers(open_as, site):
    make_section(name="Politics", slug="politics")
    make_author(name="Rita Reporter", slug="rita-reporter")
    reporter, editor = make_staff("Reporters"), make_staff("Editors")

    page = open_as(reporter)
    page.goto(f"{site}{reverse('admin:articles_article_add')}")
    page.locator("#id_headline").press_sequentially("Harbour workers end their strike")
    expect(page.locator("#id_slug")).to_have_value("harbour-workers-end-their-strike")
    page.fill("#id_body", "The strike ended on *Monday* after talks.\n\n## What comes next\n\nPay.")
    choose(page, ".field-section", "Politics")
    choose(page, "#bylines-0", "Rita Reporter")
    expect(
        page.frame_locator(".markdown-preview__frame").locator(".article__body em")
    ).to_have_text("Monday")
    expect(page.locator(".writing-stats")).to_contain_text("11 words")
    assert page.locator("#id_status option").all_inner_texts() == ["Draft", "In review"]
    page.select_option("#id_status", "review")
    screenshot(page, SHOTS, "reporter-writes")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    article = Article.objects.get(slug="harbour-workers-end-their-strike")
    assert article.status == Status.IN_REVIEW

    page = open_as(editor)
    page.goto(f"{site}/admin/")
    page.get_by_role("link", name="In review", exact=True).click()
    screenshot(page, SHOTS, "editor-review-queue")
    page.get_by_role("link", name="Harbour workers end their strike").click()
    page.select_option("#id_status", "published")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(f"{site}/en/")
    page.get_by_role("link", name="Harbour workers end their strike").click()
    expect(page.locator("h1")).to_have_text("Harbour workers end their strike")
    expect(page.locator(".article__body h2")).to_have_text("What comes next")


def test_two_editors_edit_one_article_and_the_second_is_refused_without_losing_text(open_as, site):
    article = make_article(
        headline="Council approves budget",
        body="The council approved the budget on Monday.",
        authors=[make_author()],
    )
    first = make_staff("Editors", first_name="Ada", last_name="Lovelace")
    second = make_staff("Editors", first_name="Bob", last_name="Baker")
    url = f"{site}{reverse('admin:articles_article_change', args=[article.pk])}"
    ada, bob = open_as(first), open_as(second)
    ada.goto(url)
    bob.goto(url)

    ada.fill("#id_body", "The council approved the budget on Tuesday, by one vote.")
    ada.click("input[name=_save]")
    expect(ada.locator(".messagelist")).to_contain_text("was changed successfully")

    bob.fill("#id_headline", "Council approves a tight budget")
    bob.click("input[name=_save]")

    conflict = bob.locator(".desk-conflict")
    expect(conflict).to_contain_text("Ada Lovelace saved this while you were editing")
    expect(conflict.locator("ins")).to_contain_text("Tuesday, by one vote.")
    expect(bob.locator("#id_headline")).to_have_value("Council approves a tight budget")
    screenshot(bob, SHOTS, "stale-form-refused")
    article.refresh_from_db()
    assert article.body == "The council approved the budget on Tuesday, by one vote."
    assert article.headline == "Council approves budget"

    bob.goto(url)
    bob.fill("#id_headline", "Council approves a tight budget")
    bob.click("input[name=_save]")
    expect(bob.locator(".messagelist")).to_contain_text("was changed successfully")
    article.refresh_from_db()
    assert article.headline == "Council approves a tight budget"
    assert article.body.endswith("by one vote.")


def test_a_share_link_opens_a_draft_for_a_visitor_until_it_is_revoked(open_as, site):
    article = make_article(
        headline="Embargoed: new bridge plans",
        status=Status.DRAFT,
        published_at=None,
    )
    editor = make_staff("Editors")
    page = open_as(editor)
    page.goto(f"{site}{reverse('admin:articles_article_change', args=[article.pk])}")

    page.locator("#share-links button[type=submit]", has_text="Create").click()
    expect(page.locator(".messagelist")).to_contain_text("/preview/share/")
    screenshot(page, SHOTS, "share-links")
    address = page.locator("#share-links input[readonly]").first.input_value()
    assert re.search(r"/en/preview/share/[^/]+/$", address)
    assert ShareLink.objects.filter(article=article, created_by=editor).count() == 1

    visitor = open_as(None)
    response = visitor.goto(address)
    assert response.status == 200
    expect(visitor.locator("h1")).to_have_text("Embargoed: new bridge plans")
    expect(visitor.locator(".preview-banner")).to_contain_text("Preview")
    assert "noindex" in response.headers["x-robots-tag"]
    screenshot(visitor, SHOTS, "share-link-preview")

    page.locator("#share-links button", has_text="Revoke").click()
    expect(page.locator(".messagelist")).to_be_visible()

    response = visitor.goto(address)
    assert response.status == 410
    expect(visitor.locator("body")).not_to_contain_text("Embargoed")


def test_history_and_restore_screens(open_as, site):
    article = make_article(headline="Storm hits the coast", authors=[make_author()])
    editor = make_staff("Editors")
    page = open_as(editor)
    url = f"{site}{reverse('admin:articles_article_change', args=[article.pk])}"
    for body in ("The storm hit on Sunday night.", "The storm hit the coast on Sunday night."):
        page.goto(url)
        page.fill("#id_body", body)
        page.click("input[name=_save]")
        expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(url)
    page.get_by_role("link", name="History").click()
    screenshot(page, SHOTS, "history")
    # Newest first: the second save, the first save, then the version from before the desk.
    page.get_by_role("link", name="See, compare, restore").nth(1).click()
    expect(page.locator(".diff ins").first).to_have_text("the coast ")
    screenshot(page, SHOTS, "revision")
    page.get_by_role("button", name="Restore this version").click()
    expect(page.locator(".messagelist")).to_contain_text("Restored the version of")
    article.refresh_from_db()
    assert article.body == "The storm hit on Sunday night."


def test_leaving_a_changed_form_asks_first_and_saving_it_does_not(open_as, site):
    article = make_article(headline="Council approves budget", authors=[make_author()])
    url = f"{site}{reverse('admin:articles_article_change', args=[article.pk])}"
    page = open_as(make_staff("Editors"))
    page.goto(url)
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.fill("#id_headline", "Council approves a tight budget")
    page.evaluate("window.location.href = '/admin/'")
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    expect(page.locator("#id_headline")).to_have_value("Council approves a tight budget")

    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert asked == ["beforeunload"]
