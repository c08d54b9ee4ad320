"""People shown on published articles change only with an editor.

A reporter adds authors and keeps those no published or scheduled article shows (in a byline,
or as the translator of a published translation); the profile of anyone readers already see
on live work (name, address, job title, bio, their texts in other languages) is read-only to
reporters, and says why. The link to a staff account is an editor's field. Checked by direct
requests, as in tests/test_permissions.py.

Before: reporters renamed authors of live articles, rewrote their bios and slugs, and linked
any staff account to any author, without review.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import ArticleTranslation, Author, AuthorTranslation, Status

from .factories import make_article, make_author, make_staff
from .forms import change_url, form_data

pytestmark = pytest.mark.django_db

FORM = "author_form"
READ_ONLY_NOTICE = "is shown on published articles, so only an editor can change this profile"


def shown_on(where) -> Author:
    """An author readers see (or will see) on published work, or one they see nowhere."""
    author = make_author(name="Jane Doe", slug="jane-doe", bio="Covers the city.")
    AuthorTranslation.objects.create(author=author, language="de", bio="Berichtet aus der Stadt.")
    if where == "a live article":
        make_article(authors=[author])
    elif where == "a scheduled article":
        make_article(authors=[author], published_at=timezone.now() + timedelta(days=1))
    elif where == "a published translation":
        article = make_article(authors=[make_author()])
        german = ArticleTranslation.objects.create(
            article=article,
            language="de",
            headline="Überschrift",
            slug="ueberschrift",
            body="Text.",
            status=Status.PUBLISHED,
        )
        german.translators.add(author)
    elif where == "a draft":
        make_article(authors=[author], status=Status.DRAFT, published_at=None)
    elif where == "a withdrawn article":
        make_article(authors=[author], status=Status.WITHDRAWN)
    return author


def opened_form(author) -> dict:
    """The change form as an editor's browser sends it back (a reporter may get no inputs)."""
    editor = Client()
    editor.force_login(make_staff("Editors"))
    return form_data(editor.get(change_url(author)), FORM)


def stored(author) -> dict:
    row = Author.objects.filter(pk=author.pk).values("name", "slug", "bio", "user").get()
    row["de"] = list(author.localizations.values_list("bio", flat=True))
    return row


CHANGES = {
    "rename": {"name": "Someone Else"},
    "new address": {"slug": "someone-else"},
    "new bio": {"bio": "Writes whatever."},
    "new German bio": {"localizations-0-bio": "Schreibt irgendwas."},
}
SHOWN = ["a live article", "a scheduled article", "a published translation"]


@pytest.mark.parametrize("where", SHOWN)
@pytest.mark.parametrize("change", CHANGES)
def test_a_reporter_cannot_change_an_author_shown_on_published_work(client, where, change):
    author = shown_on(where)
    data = {**opened_form(author), **CHANGES[change]}
    before = stored(author)
    client.force_login(make_staff("Reporters"))

    response = client.post(change_url(author), data)

    assert response.status_code == 403
    assert stored(author) == before


@pytest.mark.parametrize("where", SHOWN)
def test_a_reporter_sees_why_an_author_shown_on_published_work_is_read_only(client, where):
    author = shown_on(where)
    client.force_login(make_staff("Reporters"))

    response = client.get(change_url(author))

    assert response.status_code == 200
    assert f"“Jane Doe” {READ_ONLY_NOTICE}" in response.text
    assert 'name="_save"' not in response.text
    assert 'name="name"' not in response.text


@pytest.mark.parametrize("where", SHOWN)
@pytest.mark.parametrize("change", CHANGES)
def test_an_editor_may_change_an_author_shown_on_published_work(client, where, change):
    author = shown_on(where)
    data = {**opened_form(author), **CHANGES[change]}
    before = stored(author)
    client.force_login(make_staff("Editors"))

    response = client.post(change_url(author), data)

    assert response.status_code == 302
    assert stored(author) != before


@pytest.mark.parametrize("where", ["no article", "a draft", "a withdrawn article"])
def test_a_reporter_keeps_an_author_no_published_work_shows(client, where):
    author = shown_on(where)
    data = {**opened_form(author), "name": "Jane Q. Doe", "bio": "Covers the whole city."}
    client.force_login(make_staff("Reporters"))

    response = client.post(change_url(author), data)

    assert response.status_code == 302
    row = stored(author)
    assert (row["name"], row["bio"]) == ("Jane Q. Doe", "Covers the whole city.")


def test_a_reporter_adds_an_author_but_cannot_link_a_staff_account(client):
    editor = make_staff("Editors", username="the-editor")
    client.force_login(make_staff("Reporters"))

    page = client.get(reverse("admin:articles_author_add"))
    response = client.post(
        reverse("admin:articles_author_add"),
        {
            "name": "New Person",
            "slug": "new-person",
            "user": editor.pk,
            "localizations-TOTAL_FORMS": "0",
            "localizations-INITIAL_FORMS": "0",
        },
    )

    assert 'name="user"' not in page.text
    assert response.status_code == 302
    assert Author.objects.get(slug="new-person").user is None


def test_a_reporter_cannot_link_a_staff_account_to_an_author_they_may_change(client):
    author = shown_on("no article")
    editor = make_staff("Editors", username="the-editor")
    data = {**opened_form(author), "user": editor.pk}
    client.force_login(make_staff("Reporters"))

    response = client.post(change_url(author), data)

    assert response.status_code == 302
    assert stored(author)["user"] is None


def test_an_editor_links_a_staff_account_to_an_author(client):
    author = shown_on("a live article")
    reporter = make_staff("Reporters", username="jane")
    data = {**opened_form(author), "user": reporter.pk}
    client.force_login(make_staff("Editors"))

    response = client.post(change_url(author), data)

    assert response.status_code == 302
    assert stored(author)["user"] == reporter.pk
