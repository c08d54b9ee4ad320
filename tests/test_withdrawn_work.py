"""Withdrawn work is readable nowhere: its addresses answer 410 Gone, and a share link made
before the withdrawal answers like a dead link (410, "Link no longer valid"). Withdrawing
revokes the share links, so the desk shows them as revoked, by whom and when; the staff preview
still shows the work, marked withdrawn.

Before: the article's address answered 410, but its share link served the full text until it
expired.
"""

import pytest
from django.urls import reverse

from articles import editorial
from articles.models import Article, ArticleTranslation, ShareLink, Status

from .factories import make_article, make_author, make_staff
from .forms import change_url, form_data

pytestmark = pytest.mark.django_db

GONE_TEMPLATE = "articles/preview_gone.html"
SECRET = "Retracted scoop"


@pytest.fixture
def editor():
    return make_staff("Editors")


def live_article(**fields):
    return make_article(headline=SECRET, authors=[make_author()], **fields)


def live_translation(article):
    return ArticleTranslation.objects.create(
        article=article,
        language="de",
        headline="Zurückgezogene Meldung",
        slug=f"{article.slug}-de",
        body="Text.",
        status=Status.PUBLISHED,
    )


def assert_dead_link(response, *secrets):
    assert response.status_code == 410
    assert response.templates[0].name == GONE_TEMPLATE
    for secret in secrets:
        assert secret not in response.text


def withdraw_by_action(client, editor, article):
    editorial.withdraw(Article, article.pk, editor)


def withdraw_at_the_desk(client, editor, article):
    client.force_login(editor)
    data = form_data(client.get(change_url(article)), "article_form")
    data["status"] = Status.WITHDRAWN
    response = client.post(change_url(article), data)
    assert response.status_code == 302


def withdraw_by_bulk_action(client, editor, article):
    client.force_login(editor)
    response = client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "withdraw", "_selected_action": [article.pk], "post": "yes"},
    )
    assert response.status_code == 302


def withdraw_outside_the_desk(client, editor, article):
    # A fixture, a data migration or SQL: no editorial action, no revocation.
    Article.objects.filter(pk=article.pk).update(status=Status.WITHDRAWN)


WITHDRAWALS = {
    "the withdraw action": withdraw_by_action,
    "the change form": withdraw_at_the_desk,
    "the bulk action": withdraw_by_bulk_action,
    "a change outside the desk": withdraw_outside_the_desk,
}


@pytest.mark.parametrize("how", WITHDRAWALS)
def test_a_share_link_made_before_the_article_was_withdrawn_answers_like_a_dead_link(
    client, editor, how
):
    article = live_article()
    link = editorial.make_share_link(article, editor, hours=48)
    assert client.get(link.get_absolute_url()).status_code == 200

    WITHDRAWALS[how](client, editor, article)
    client.logout()

    assert client.get(article.get_absolute_url()).status_code == 410
    assert_dead_link(client.get(link.get_absolute_url()), SECRET)


def test_a_share_link_to_a_translation_of_a_withdrawn_article_answers_like_a_dead_link(
    client, editor
):
    article = live_article()
    german = live_translation(article)
    link = editorial.make_share_link(article, editor, hours=48, translation=german)

    editorial.withdraw(Article, article.pk, editor)

    assert_dead_link(client.get(link.get_absolute_url()), SECRET, "Zurückgezogene Meldung")


@pytest.mark.parametrize("how", ["the withdraw action", "a change outside the desk"])
def test_a_share_link_to_a_withdrawn_translation_answers_like_a_dead_link(client, editor, how):
    article = live_article()
    german = live_translation(article)
    to_german = editorial.make_share_link(article, editor, hours=48, translation=german)
    to_original = editorial.make_share_link(article, editor, hours=48)

    if how == "the withdraw action":
        editorial.withdraw(ArticleTranslation, german.pk, editor)
    else:
        ArticleTranslation.objects.filter(pk=german.pk).update(status=Status.WITHDRAWN)

    assert client.get(german.get_absolute_url()).status_code == 410
    assert_dead_link(client.get(to_german.get_absolute_url()), "Zurückgezogene Meldung")
    # The original is still published: its own link still opens it.
    response = client.get(to_original.get_absolute_url())
    assert response.status_code == 200
    assert SECRET in response.text


def test_withdrawing_revokes_the_articles_active_share_links_and_no_others(editor):
    article, other = live_article(), live_article()
    german = live_translation(article)
    links = [
        editorial.make_share_link(article, editor, hours=48),
        editorial.make_share_link(article, editor, hours=48, translation=german),
    ]
    others = editorial.make_share_link(other, editor, hours=48)

    editorial.withdraw(Article, article.pk, editor)

    for link in links:
        link.refresh_from_db()
        assert (link.revoked_by, link.revoked_at is not None) == (editor, True)
    others.refresh_from_db()
    assert others.revoked_at is None


def test_the_desk_shows_the_links_revoked_by_the_withdrawal(client, editor):
    article = live_article()
    editorial.make_share_link(article, editor, hours=48)
    withdraw_at_the_desk(client, editor, article)

    response = client.get(change_url(article))

    assert response.status_code == 200
    assert response.context["share"]["links"][0]["state"] == "revoked"
    assert not ShareLink.objects.active().filter(article=article).exists()


def test_the_desk_makes_no_share_link_to_withdrawn_work_and_says_why(client, editor):
    article = live_article(status=Status.WITHDRAWN)
    client.force_login(editor)

    response = client.post(
        reverse("admin:articles_article_share", kwargs={"object_id": article.pk}),
        {"hours": "48"},
        follow=True,
    )

    assert response.status_code == 200
    assert not ShareLink.objects.filter(article=article).exists()
    assert "Withdrawn work cannot be shared" in response.text


def test_the_staff_preview_still_shows_a_withdrawn_translation_marked_withdrawn(client, editor):
    article = live_article()
    german = live_translation(article)
    editorial.withdraw(ArticleTranslation, german.pk, editor)
    client.force_login(editor)

    response = client.get(reverse("articles:translation-preview", kwargs={"pk": german.pk}))

    assert response.status_code == 200
    assert "Zurückgezogene Meldung" in response.text
    assert "<strong>Withdrawn</strong>" in response.text


# Old addresses: an article's or translation's earlier slug answers like its current one.


def test_a_withdrawn_articles_old_address_answers_410_like_its_current_one(client, editor):
    article = live_article(slug="first-address")
    editorial.edit(Article, article.pk, editor, slug="second-address")
    assert client.get("/en/articles/first-address/").status_code == 301

    editorial.withdraw(Article, article.pk, editor)

    for address in ("/en/articles/first-address/", "/de/articles/first-address/"):
        response = client.get(address)
        assert response.status_code == 410
        assert SECRET not in response.text
    assert client.get("/en/articles/second-address/").status_code == 410


@pytest.mark.parametrize("withdrawn", ["the translation", "its article"])
def test_a_withdrawn_translations_old_address_answers_410(client, editor, withdrawn):
    article = live_article()
    german = live_translation(article)
    old_address = german.get_absolute_url()
    editorial.edit(ArticleTranslation, german.pk, editor, slug="neue-adresse")
    assert client.get(old_address).status_code == 301

    if withdrawn == "the translation":
        editorial.withdraw(ArticleTranslation, german.pk, editor)
    else:
        editorial.withdraw(Article, article.pk, editor)

    response = client.get(old_address)
    assert response.status_code == 410
    assert "Zurückgezogene Meldung" not in response.text


def test_the_old_address_of_an_article_back_in_draft_answers_404(client, editor):
    article = live_article(slug="first-address")
    editorial.edit(Article, article.pk, editor, slug="second-address")
    editorial.withdraw(Article, article.pk, editor)
    editorial.unpublish(Article, article.pk, editor)

    assert client.get("/en/articles/first-address/").status_code == 404
