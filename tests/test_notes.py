"""Editorial notes (editorial/notes.py, admin/notes.py): threaded notes on an article for the desk,
added by anyone who may see the article, kept as written, and never shown to readers."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.translation import override
from pytest_django.asserts import assertContains, assertNotContains

from articles import editorial
from articles.editorial import signals
from articles.models import Article, ArticleTranslation, Note, Status

from .factories import make_article, make_author, make_staff

pytestmark = pytest.mark.django_db

SECRET = "Lawyers-only-note-XYZ"


def add_url(article):
    return reverse("admin:articles_article_add_note", args=[article.pk])


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


@pytest.fixture
def draft():
    return make_article(headline="Harbour strike ends", status=Status.DRAFT)


# The action -----------------------------------------------------------------------------------


def test_a_note_is_kept_with_its_author_and_time_and_announced_once_committed(
    draft, django_capture_on_commit_callbacks
):
    editor = make_staff("Editors", "ed")
    heard = []

    def listen(sender, instance, user, **kwargs):
        heard.append((sender, instance.pk, user))

    signals.note_added.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            note = editorial.add_note(draft, editor, text="  Check the figures.\nAll of them.  ")
    finally:
        signals.note_added.disconnect(listen)

    note.refresh_from_db()
    assert (note.article, note.author, note.parent) == (draft, editor, None)
    assert note.text == "Check the figures.\nAll of them."
    assert note.created_at is not None
    assert heard == [(Note, note.pk, editor)]
    assert signals.EVENTS["note_added"] is signals.note_added


def test_a_reply_is_threaded_under_its_note(draft):
    editor, reporter = make_staff("Editors"), make_staff("Reporters")
    question = editorial.add_note(draft, editor, text="Source?")
    answer = editorial.add_note(draft.pk, reporter, text="The port authority.", parent=question.pk)

    assert answer.parent == question
    assert list(question.replies.all()) == [answer]


def test_a_reply_to_another_articles_note_is_refused(draft):
    editor = make_staff("Editors")
    elsewhere = editorial.add_note(make_article(), editor, text="Elsewhere")

    with pytest.raises(editorial.WorkflowError):
        editorial.add_note(draft, editor, text="Hi", parent=elsewhere)
    assert not Note.objects.filter(article=draft).exists()


@pytest.mark.parametrize("text", ["", "   \n ", "bell \x07 here", "x" * 5001])
def test_an_empty_or_unprintable_or_overlong_note_is_refused(draft, text):
    with pytest.raises(editorial.WorkflowError):
        editorial.add_note(draft, make_staff("Editors"), text=text)
    assert not Note.objects.exists()


def test_notes_cannot_be_edited_or_deleted_at_the_desk(draft, admin_client):
    note = editorial.add_note(draft, make_staff("Editors"), text="Stays")

    for url in ("/admin/articles/note/", f"/admin/articles/note/{note.pk}/change/"):
        assert admin_client.get(url).status_code in {302, 404}
    assert admin_client.post(f"/admin/articles/note/{note.pk}/delete/").status_code in {302, 404}
    assert Note.objects.get(pk=note.pk).text == "Stays"


# The desk ------------------------------------------------------------------------------------


@pytest.mark.parametrize("group", ["Reporters", "Editors", "Translators"])
def test_everyone_who_may_see_the_article_adds_a_note_at_the_desk(client, draft, group):
    user = make_staff(group)
    client.force_login(user)
    response = client.post(add_url(draft), {"text": "Is the headline too long?"})

    note = Note.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{change_url(draft)}#note-{note.pk}"
    assert note.author == user
    page = client.get(change_url(draft))
    assertContains(page, 'id="notes"')
    assertContains(page, "Is the headline too long?")
    assertContains(page, f'id="note-{note.pk}"')


def test_a_reporter_notes_even_on_live_work_they_may_no_longer_change(client):
    live = make_article(status=Status.PUBLISHED)
    client.force_login(make_staff("Reporters"))

    assert client.post(add_url(live), {"text": "Typo in para 3"}).status_code == 302
    assert Note.objects.filter(article=live).count() == 1


def test_the_change_form_shows_replies_under_their_note_with_who_and_when(client, draft):
    editor = make_staff("Editors", first_name="Eva", last_name="Editor")
    reporter = make_staff("Reporters", first_name="Rita", last_name="Reporter")
    question = editorial.add_note(draft, editor, text="Source?")
    editorial.add_note(draft, reporter, text="Port <authority>.", parent=question)
    client.force_login(editor)
    page = client.get(change_url(draft))

    html = page.content.decode()
    assert html.index("Source?") < html.index("Port &lt;authority&gt;.")
    assertContains(page, "<strong>Eva Editor</strong>", count=1)
    assertContains(page, "<strong>Rita Reporter</strong>", count=1)
    assertContains(page, f'name="parent" value="{question.pk}"')
    assertContains(page, "Notes (2)")


def test_the_articles_history_page_lists_its_notes_too(client, draft):
    editorial.add_note(draft, make_staff("Editors"), text="Checked with the port authority.")
    client.force_login(make_staff("Translators"))
    response = client.get(reverse("admin:articles_article_history", args=[draft.pk]))

    assertContains(response, 'id="notes"')
    assertContains(response, "Checked with the port authority.")


def test_the_notes_panel_is_in_german_for_a_german_desk(client, draft):
    client.force_login(make_staff("Editors"))
    page = client.get(change_url(draft), HTTP_ACCEPT_LANGUAGE="de")

    assertContains(page, "Notizen")
    assertContains(page, "Notiz hinzufügen")


def test_anonymous_visitors_are_sent_to_the_login_page(client, draft):
    response = client.post(add_url(draft), {"text": "Hi"})

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert not Note.objects.exists()


def test_staff_who_may_not_see_articles_may_not_add_notes(client, draft):
    client.force_login(User.objects.create_user("clerk", is_staff=True))

    assert client.post(add_url(draft), {"text": "Hi"}).status_code == 403
    assert not Note.objects.exists()


def test_a_note_on_a_missing_article_is_a_404(client):
    client.force_login(make_staff("Editors"))

    assert client.post("/admin/articles/article/999999/notes/", {"text": "Hi"}).status_code == 404
    assert client.post("/admin/articles/article/abc/notes/", {"text": "Hi"}).status_code == 404


def test_notes_are_added_only_by_post(client, draft):
    client.force_login(make_staff("Editors"))

    assert client.get(add_url(draft)).status_code == 405


@pytest.mark.parametrize("parent", ["abc", "-1", "999999"])
def test_a_reply_to_a_note_that_is_not_this_articles_is_a_400(client, draft, parent):
    client.force_login(make_staff("Editors"))

    assert client.post(add_url(draft), {"text": "Hi", "parent": parent}).status_code == 400
    assert not Note.objects.exists()


def test_an_empty_note_is_refused_with_a_message(client, draft):
    client.force_login(make_staff("Editors"))
    response = client.post(add_url(draft), {"text": "   "}, follow=True)

    assertContains(response, "No note was added")
    assert not Note.objects.exists()


# Never for readers ---------------------------------------------------------------------------


def test_notes_appear_on_no_reader_page_feed_sitemap_or_search(client):
    author = make_author(name="Rita Reporter", slug="rita")
    article = make_article(headline="Harbour strike ends", slug="harbour", authors=[author])
    translation = ArticleTranslation.objects.create(
        article=article,
        language="de",
        headline="Hafenstreik endet",
        slug="hafenstreik",
        body="Text.",
        status=Status.PUBLISHED,
    )
    editorial.add_note(article, make_staff("Editors"), text=f"{SECRET} harbour zebrafish")
    assert Note.objects.filter(text__contains=SECRET).exists()

    urls = ["/sitemap.xml", "/sitemap-articles.xml", "/sitemap-news.xml"]
    for language in ("en", "de"):
        with override(language):
            urls += [
                reverse("articles:home"),
                reverse("articles:feed-rss"),
                reverse("articles:feed-atom"),
                reverse("articles:feed-json"),
                reverse("articles:search") + "?q=harbour",
                reverse("articles:author-detail", kwargs={"slug": "rita"}),
            ]
    page = article.get_absolute_url()
    urls += [page, translation.get_absolute_url()]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assertNotContains(response, SECRET)
    # A word only the note holds finds nothing.
    with override("en"):
        found = client.get(reverse("articles:search") + "?q=zebrafish")
    assertContains(found, "0 articles found")
    # The article page itself (its JSON-LD included) really is the article.
    assertContains(client.get(page), "Harbour strike ends")


def test_the_staff_preview_shows_no_notes_either(client, draft):
    editorial.add_note(draft, make_staff("Editors"), text=SECRET)
    client.force_login(make_staff("Editors"))
    response = client.get(reverse("articles:article-preview", kwargs={"pk": draft.pk}))

    assert response.status_code == 200
    assertNotContains(response, SECRET)


def test_deleting_an_article_takes_its_notes_with_it(draft):
    editorial.add_note(draft, make_staff("Editors"), text="Gone with it")
    Article.objects.filter(pk=draft.pk).delete()

    assert not Note.objects.exists()
