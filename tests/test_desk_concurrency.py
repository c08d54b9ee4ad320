"""No lost edits: a form or a list opened before someone else saved cannot overwrite their work."""

import pytest
from django.urls import reverse

from articles.models import Article, Status

from .factories import make_article, make_author, make_staff
from .forms import change_url, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _edit_locks_always_stale(settings):
    # Every edit lock is stale at once, as if each editor's page had stopped renewing it: these
    # tests are of what stands behind the locks (editorial/locks.py, tests/test_edit_locks.py).
    settings.DESK_LOCK_STALE_SECONDS = 0


@pytest.fixture
def ada():
    return make_staff("Editors", first_name="Ada", last_name="Lovelace")


@pytest.fixture
def bob():
    return make_staff("Editors", first_name="Bob", last_name="Baker")


def test_a_refused_save_shows_who_saved_what_they_changed_and_keeps_my_text(client, ada, bob):
    article = make_article(
        body="Ships sail on Monday.", standfirst="Port news.", authors=[make_author()]
    )
    client.force_login(bob)
    bobs_form = form_data(client.get(change_url(article)), "article_form")
    client.force_login(ada)
    adas_form = form_data(client.get(change_url(article)), "article_form")
    adas_form["body"] = "Ships sail on Tuesday."
    client.post(change_url(article), adas_form)

    client.force_login(bob)
    bobs_form["standfirst"] = "Bob's new standfirst."
    response = client.post(change_url(article), bobs_form)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Ada Lovelace saved this while you were editing" in html
    assert "<del>Monday.</del><ins>Tuesday.</ins>" in html
    assert "Bob&#x27;s new standfirst." in html
    article.refresh_from_db()
    assert (article.body, article.standfirst) == ("Ships sail on Tuesday.", "Port news.")


def test_after_reloading_the_refused_editor_can_save(client, ada, bob):
    article = make_article(authors=[make_author()])
    client.force_login(bob)
    stale = form_data(client.get(change_url(article)), "article_form")
    client.force_login(ada)
    fresh = form_data(client.get(change_url(article)), "article_form")
    fresh["headline"] = "Ada's headline"
    client.post(change_url(article), fresh)
    client.force_login(bob)
    stale["standfirst"] = "Bob's standfirst."
    assert client.post(change_url(article), stale).status_code == 200

    reloaded = form_data(client.get(change_url(article)), "article_form")
    reloaded["standfirst"] = "Bob's standfirst."
    response = client.post(change_url(article), reloaded)

    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.headline, article.standfirst) == ("Ada's headline", "Bob's standfirst.")


def test_a_post_without_the_version_is_refused(client, ada):
    article = make_article(headline="Kept", authors=[make_author()])
    client.force_login(ada)
    data = form_data(client.get(change_url(article)), "article_form")
    del data["version"]
    data["headline"] = "Blind overwrite"

    response = client.post(change_url(article), data)

    assert response.status_code == 200
    article.refresh_from_db()
    assert article.headline == "Kept"


def test_each_save_counts_up_the_version():
    article = make_article()
    start = article.version

    article.save()
    article.save()

    assert Article.objects.get(pk=article.pk).version == start + 2


def test_the_change_form_says_who_last_edited_it_and_when(client, ada, bob):
    article = make_article(authors=[make_author()])
    client.force_login(ada)
    data = form_data(client.get(change_url(article)), "article_form")
    data["headline"] = "Edited by Ada"
    client.post(change_url(article), data)

    client.force_login(bob)
    html = client.get(change_url(article)).content.decode()

    assert "Last edited:" in html
    assert "Ada Lovelace at " in html


def test_a_bulk_action_skips_articles_changed_since_the_list_was_loaded(client, ada, bob):
    changed = make_article(headline="Changed meanwhile", status=Status.IN_REVIEW)
    untouched = make_article(headline="Untouched", status=Status.IN_REVIEW)
    for article in (changed, untouched):
        article.bylines.create(author=make_author())
    changelist = reverse("admin:articles_article_changelist")
    client.force_login(bob)
    listing = form_data(client.get(changelist), "changelist-form")
    assert listing[f"version-{changed.pk}"] == str(changed.version)

    client.force_login(ada)
    data = form_data(client.get(change_url(changed)), "article_form")
    data["body"] = "Ada rewrote this."
    client.post(change_url(changed), data)

    client.force_login(bob)
    listing.update(action="publish_now", _selected_action=[changed.pk, untouched.pk])
    response = client.post(changelist, listing, follow=True)

    messages = [str(message) for message in response.context["messages"]]
    assert any(m.startswith("“Changed meanwhile” was changed by Ada Lovelace at") for m in messages)
    changed.refresh_from_db()
    untouched.refresh_from_db()
    assert changed.status == Status.IN_REVIEW
    assert untouched.status == Status.PUBLISHED
