"""Who may do what at the desk, enforced on the server for every way in: form, POST, action."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from reversion.models import Revision

from articles.models import Article, ArticleTranslation, Status

from .factories import make_article, make_author, make_staff
from .forms import change_url, form_data

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:articles_article_changelist"


def status_options(response):
    return response.context["adminform"].form.fields["status"].widget.choices


def test_the_groups_hold_the_desk_roles():
    def codenames(name):
        return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))

    reporters, editors, translators = (
        codenames("Reporters"),
        codenames("Editors"),
        codenames("Translators"),
    )
    assert {"add_article", "change_article", "view_article"} <= reporters
    assert "publish_article" not in reporters | translators
    assert {"publish_article", "add_sharelink", "add_correction"} <= editors
    assert not {"add_sharelink", "add_correction"} & reporters
    assert {"add_articletranslation", "change_articletranslation"} <= translators
    assert "change_article" not in translators


@pytest.mark.parametrize(
    "state",
    [
        {"status": Status.PUBLISHED},
        {"status": Status.PUBLISHED, "published_at": timezone.now() + timedelta(days=1)},
        {"status": Status.WITHDRAWN},
    ],
    ids=["published", "scheduled", "withdrawn"],
)
def test_reporter_sees_public_scheduled_and_withdrawn_articles_read_only(client, state):
    client.force_login(make_staff("Reporters"))
    article = make_article(headline="Read only for reporters", **state)

    response = client.get(change_url(article))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Read only for reporters" in html
    assert 'name="headline"' not in html
    assert 'name="_save"' not in html


def test_reporter_edits_a_draft_and_may_only_choose_draft_or_review(client):
    client.force_login(make_staff("Reporters"))
    article = make_article(status=Status.DRAFT, published_at=None)

    response = client.get(change_url(article))

    assert [value for value, _ in status_options(response)] == ["draft", "review"]
    assert 'name="published_at_0"' not in response.content.decode()
    data = form_data(response, "article_form")
    data.update(body="Better words.", status=Status.IN_REVIEW)
    assert client.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    assert (article.body, article.status) == ("Better words.", Status.IN_REVIEW)


def test_reporter_posting_published_gets_a_clear_form_error_and_nothing_changes(client):
    client.force_login(make_staff("Reporters"))
    article = make_article(status=Status.IN_REVIEW, published_at=None, authors=[make_author()])
    data = form_data(client.get(change_url(article)), "article_form")
    data["status"] = Status.PUBLISHED

    response = client.post(change_url(article), data)

    assert response.status_code == 200
    assert "You may not publish, schedule or withdraw; ask an editor." in (
        response.content.decode()
    )
    article.refresh_from_db()
    assert article.status == Status.IN_REVIEW


def test_reporter_adding_an_article_cannot_publish_it_straight_away(client):
    client.force_login(make_staff("Reporters"))
    response = client.get(reverse("admin:articles_article_add"))
    data = form_data(response, "article_form")
    data.update(
        headline="Straight to the web",
        slug="straight-to-the-web",
        body="Text.",
        section=make_article().section_id,
        status=Status.PUBLISHED,
    )

    response = client.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 200
    assert not Article.objects.filter(slug="straight-to-the-web").exists()


def test_reporter_cannot_run_publish_or_withdraw_actions_by_posting_them(client):
    client.force_login(make_staff("Reporters"))
    draft = make_article(status=Status.DRAFT, authors=[make_author()])
    live = make_article(authors=[make_author()])

    client.post(reverse(CHANGELIST), {"action": "publish_now", "_selected_action": [draft.pk]})
    client.post(reverse(CHANGELIST), {"action": "withdraw", "_selected_action": [live.pk]})

    draft.refresh_from_db()
    live.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert live.status == Status.PUBLISHED


def test_reporter_submitting_a_live_article_for_review_is_refused_per_article(client):
    client.force_login(make_staff("Reporters"))
    draft = make_article(headline="My draft", status=Status.DRAFT)
    live = make_article(headline="Live story")

    response = client.post(
        reverse(CHANGELIST),
        {"action": "submit_for_review", "_selected_action": [draft.pk, live.pk]},
        follow=True,
    )

    messages = [str(message) for message in response.context["messages"]]
    assert "“My draft”: Submitted for review." in messages
    assert "“Live story”: you may not change it." in messages
    draft.refresh_from_db()
    live.refresh_from_db()
    assert draft.status == Status.IN_REVIEW
    assert live.status == Status.PUBLISHED


def test_translator_cannot_change_a_source_article(client):
    client.force_login(make_staff("Translators"))
    article = make_article(status=Status.DRAFT, headline="Source")
    editor_client_data = {"headline": "Changed by a translator", "version": article.version}

    response = client.post(change_url(article), editor_client_data)

    assert response.status_code == 403
    article.refresh_from_db()
    assert article.headline == "Source"


def test_translator_cannot_edit_a_published_translation(client):
    client.force_login(make_staff("Translators"))
    translation = ArticleTranslation.objects.create(
        article=make_article(),
        language="de",
        headline="Veröffentlicht",
        slug="veroeffentlicht",
        body="Text.",
        status=Status.PUBLISHED,
    )

    page = client.get(change_url(translation))
    response = client.post(
        change_url(translation), {"headline": "Unbesehen geändert", "version": translation.version}
    )

    assert page.status_code == 200 and 'name="headline"' not in page.content.decode()
    assert response.status_code == 403
    translation.refresh_from_db()
    assert translation.headline == "Veröffentlicht"


def test_editor_may_change_a_live_article_and_its_publication_time(client):
    client.force_login(make_staff("Editors"))
    article = make_article(authors=[make_author()])
    later = timezone.localtime(timezone.now() + timedelta(days=1)).replace(microsecond=0)
    data = form_data(client.get(change_url(article)), "article_form")
    data.update(
        headline="Corrected headline",
        published_at_0=later.strftime("%Y-%m-%d"),
        published_at_1=later.strftime("%H:%M:%S"),
    )

    assert client.post(change_url(article), data).status_code == 302

    article.refresh_from_db()
    assert article.headline == "Corrected headline"
    assert article.published_at == later
    assert article.is_scheduled()


def test_refusals_are_in_the_editors_language(client):
    client.force_login(make_staff("Reporters"))
    article = make_article(status=Status.DRAFT, published_at=None)
    data = form_data(client.get(change_url(article)), "article_form")
    data["status"] = Status.PUBLISHED

    response = client.post(change_url(article), data, headers={"accept-language": "de"})

    assert response.status_code == 200
    assert "Sie dürfen nicht veröffentlichen" in response.content.decode()


@pytest.mark.parametrize("action", ["publish_now", "withdraw", "submit_for_review"])
def test_translator_cannot_run_article_actions_by_posting_them(client, action):
    client.force_login(make_staff("Translators"))
    draft = make_article(status=Status.DRAFT, authors=[make_author()])
    live = make_article(authors=[make_author()])

    client.post(reverse(CHANGELIST), {"action": action, "_selected_action": [draft.pk, live.pk]})

    draft.refresh_from_db()
    live.refresh_from_db()
    assert (draft.status, live.status) == (Status.DRAFT, Status.PUBLISHED)


def test_a_refusal_at_the_desk_is_a_page_in_the_editors_language_saying_why_with_a_way_back(
    client,
):
    client.force_login(make_staff("Translators", username="tina"))
    article = make_article(status=Status.DRAFT, headline="Source")

    response = client.post(
        change_url(article),
        {"headline": "Changed by a translator", "version": article.version},
        headers={"Accept-Language": "de"},
    )

    assert response.status_code == 403
    page = response.content.decode()
    assert '<html lang="de"' in page
    assert "<h1>Nicht erlaubt</h1>" in page
    assert "Sie sind als „tina“ angemeldet (Translators)" in page
    assert 'href="/admin/"' in page and "Zurück zum Desk" in page
    article.refresh_from_db()
    assert article.headline == "Source"


def test_a_refusal_says_its_reason_and_links_back_to_where_the_editor_came_from(client):
    client.force_login(make_staff("Reporters", username="rita"))
    article = make_article(headline="Live")
    revision = Revision.objects.create(date_created=timezone.now())
    history = reverse("admin:articles_article_history", args=[article.pk])

    response = client.post(
        reverse("admin:articles_article_revision", args=[article.pk, revision.pk]),
        headers={"Referer": f"http://testserver{history}"},
    )

    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>Not allowed</h1>" in page
    assert "You may not change this article, so you cannot restore a version of it." in page
    assert f'<a href="{history}">Back to where you were</a>' in page
    assert "Traceback" not in page and "403 Forbidden" not in page


def test_a_link_back_never_leads_off_the_site(client):
    client.force_login(make_staff("Translators"))
    article = make_article(status=Status.DRAFT)

    response = client.post(
        change_url(article),
        {"headline": "x", "version": article.version},
        headers={"Referer": "https://evil.example/phish"},
    )

    assert response.status_code == 403
    assert "evil.example" not in response.content.decode()


def test_reporters_choose_existing_tags_and_cannot_make_new_ones(client):
    client.force_login(make_staff("Reporters"))
    make_article(tags=["Shipping"])
    article = make_article(status=Status.DRAFT, headline="Draft")
    data = form_data(client.get(change_url(article)), "article_form")

    data["tags"] = "shipping, Brand new topic"
    refused = client.post(change_url(article), data)

    assert refused.status_code == 200
    assert (
        "“Brand new topic” is not a tag yet: choose an existing tag, or ask an editor to add it."
        in refused.content.decode()
    )
    assert not article.tags.exists()

    data["tags"] = "shipping"
    assert client.post(change_url(article), data).status_code == 302
    assert list(article.tags.names()) == ["Shipping"]


def test_editors_may_make_new_tags_by_typing_them(client):
    client.force_login(make_staff("Editors"))
    article = make_article(status=Status.DRAFT, headline="Draft")
    data = form_data(client.get(change_url(article)), "article_form")
    data["tags"] = "Brand new topic, Economy"

    assert client.post(change_url(article), data).status_code == 302
    assert sorted(article.tags.names()) == ["Brand new topic", "Economy"]
