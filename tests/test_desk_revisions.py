"""Revisions: every desk save is a restorable snapshot; History lists them; one button restores."""

import re
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from reversion.models import Revision, Version

from articles.models import Article, ArticleTranslation, Status

from .factories import make_article, make_author, make_staff
from .forms import change_url, form_data

pytestmark = pytest.mark.django_db


def history_url(obj):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[obj.pk])


def revision_url(obj, revision_id):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_revision", args=[obj.pk, revision_id])


def save_with(client, obj, form_id="article_form", **changes):
    data = form_data(client.get(change_url(obj)), form_id)
    data.update(changes)
    response = client.post(change_url(obj), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def revisions_of(obj):
    return list(
        Revision.objects.filter(
            version__object_id=str(obj.pk), version__content_type__model=obj._meta.model_name
        ).order_by("date_created", "pk")
    )


@pytest.fixture
def editor(client):
    user = make_staff("Editors", first_name="Erika", last_name="Editor")
    client.force_login(user)
    return user


@pytest.fixture
def article():
    first, second = make_author(name="Anna Reporter"), make_author(name="Ben Photographer")
    return make_article(
        headline="Harbour reopens",
        body="The harbour reopened on Monday after a week of strikes.",
        authors=[first, second],
        tags=["Shipping", "Labour"],
    )


def test_every_form_save_stores_a_snapshot_with_bylines_tags_user_and_comment(
    client, editor, article
):
    save_with(client, article, headline="Harbour reopens after strike")

    baseline, revision = revisions_of(article)
    assert baseline.get_comment() == "As it was before the first edit at the desk."
    assert Version.objects.get_for_object(article).get(revision=baseline).field_dict[
        "headline"
    ] == ("Harbour reopens")
    assert revision.user == editor
    assert revision.get_comment() == "Changed Headline."
    models = {version.content_type.model for version in revision.version_set.all()}
    assert {"article", "byline", "taggedarticle", "tag"} <= models
    stored = Version.objects.get_for_object(article).first().field_dict
    assert stored["headline"] == "Harbour reopens after strike"


def test_the_first_desk_edit_of_seeded_content_keeps_the_original_restorable(client, editor):
    call_command("loaddata", "seed_articles", verbosity=0)
    article = Article.objects.get(slug="china-eloquent-silence-kim-putin")
    original_body = article.body

    save_with(client, article, body="Replaced by mistake.")
    baseline = revisions_of(article)[0]
    client.post(revision_url(article, baseline.pk))

    article.refresh_from_db()
    assert article.body == original_body


def test_fixture_loads_do_not_write_history():
    call_command("loaddata", "seed_articles", verbosity=0)

    assert not Revision.objects.exists()


def test_bulk_actions_store_a_snapshot_each(client, editor):
    first = make_article(status=Status.IN_REVIEW, authors=[make_author()])
    second = make_article(status=Status.IN_REVIEW, authors=[make_author()])

    client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_now", "_selected_action": [first.pk, second.pk]},
    )

    for article in (first, second):
        _baseline, revision = revisions_of(article)
        assert revision.user == editor
        assert revision.get_comment() == "Published."


def test_history_lists_every_revision_newest_first_each_linked_by_revision_id(
    client, editor, article
):
    save_with(client, article, headline="First change")
    save_with(client, Article.objects.get(pk=article.pk), body="Second change of the body.")

    response = client.get(history_url(article))

    html = response.content.decode()
    _baseline, older, newer = revisions_of(article)
    assert html.index(revision_url(article, newer.pk)) < html.index(revision_url(article, older.pk))
    assert "Changed Body." in html and "Changed Headline." in html
    assert "Erika Editor" in html


def test_a_revision_page_shows_that_version_a_word_diff_and_one_restore_button(
    client, editor, article
):
    save_with(client, article, body="The harbour reopened on Monday after a week of strikes.")
    save_with(
        client,
        Article.objects.get(pk=article.pk),
        body="The harbour reopened on Tuesday after two weeks of strikes.",
    )
    _baseline, first, _second = revisions_of(article)

    response = client.get(revision_url(article, first.pk))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<del>Monday </del><ins>Tuesday </ins>" in html
    assert "<del>a week </del><ins>two weeks </ins>" in html
    assert "Anna Reporter, Ben Photographer" in html
    assert "Labour, Shipping" in html
    content = html[html.index('id="content-main"') :]
    assert len(re.findall(r"<button[^>]*type=\"submit\"", content)) == 1
    assert content.count("Restore this version") == 1


def test_restoring_brings_back_text_bylines_and_tags_as_a_new_revision(client, editor, article):
    save_with(client, article, headline="Original headline")
    original = revisions_of(article)[-1]
    article.refresh_from_db()
    data = form_data(client.get(change_url(article)), "article_form")
    data.update(
        {
            "headline": "Rewritten headline",
            "body": "A different body.",
            "tags": "Economy",
            "bylines-1-DELETE": "on",
        }
    )
    assert client.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    assert [b.author.name for b in article.bylines.all()] == ["Anna Reporter"]

    response = client.post(revision_url(article, original.pk))

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.headline == "Original headline"
    assert article.body == "The harbour reopened on Monday after a week of strikes."
    assert article.body_html.startswith("<p>The harbour reopened on Monday")
    assert [b.author.name for b in article.bylines.all()] == ["Anna Reporter", "Ben Photographer"]
    assert sorted(article.tags.names()) == ["Labour", "Shipping"]
    latest = revisions_of(article)[-1]
    assert latest.pk not in {original.pk} and latest.user == editor
    assert latest.get_comment().startswith("Restored the version of")
    assert len(revisions_of(article)) == 4


def test_restoring_never_changes_the_publication_state(client, editor):
    article = make_article(status=Status.DRAFT, published_at=None, authors=[make_author()])
    save_with(client, article, headline="Draft headline")
    draft_revision = revisions_of(article)[-1]
    save_with(client, Article.objects.get(pk=article.pk), status=Status.IN_REVIEW)
    save_with(client, Article.objects.get(pk=article.pk), status=Status.PUBLISHED)

    client.post(revision_url(article, draft_revision.pk))

    article.refresh_from_db()
    assert article.status == Status.PUBLISHED and article.is_public()


def test_a_reporter_sees_the_history_of_a_live_article_but_cannot_restore_it(client, article):
    client.force_login(make_staff("Editors"))
    save_with(client, article, headline="Edited by an editor")
    revision = revisions_of(article)[-1]
    client.force_login(make_staff("Reporters"))

    page = client.get(revision_url(article, revision.pk))
    restore = client.post(revision_url(article, revision.pk))

    assert page.status_code == 200
    assert "Restore this version" not in page.content.decode()
    assert restore.status_code == 403


def test_a_revision_of_another_article_is_not_found(client, editor, article):
    other = make_article(authors=[make_author()])
    save_with(client, other, headline="Other article")

    response = client.get(revision_url(article, revisions_of(other)[-1].pk))

    assert response.status_code == 404


def test_translations_have_history_and_restore_too(client, editor):
    translation = ArticleTranslation.objects.create(
        article=make_article(),
        language="de",
        headline="Hafen öffnet",
        slug="hafen-oeffnet",
        body="Der Hafen öffnet am Montag.",
    )
    form = "articletranslation_form"
    save_with(client, translation, form_id=form, body="Der Hafen öffnet am Montag wieder.")
    first = revisions_of(translation)[-1]
    save_with(
        client,
        ArticleTranslation.objects.get(pk=translation.pk),
        form_id=form,
        body="Der Hafen bleibt zu.",
    )

    history = client.get(history_url(translation)).content.decode()
    page = client.get(revision_url(translation, first.pk)).content.decode()
    client.post(revision_url(translation, first.pk))

    assert revision_url(translation, first.pk) in history
    assert "<del>öffnet am Montag wieder.</del><ins>bleibt zu.</ins>" in page
    translation.refresh_from_db()
    assert translation.body == "Der Hafen öffnet am Montag wieder."
    assert len(revisions_of(translation)) == 4


def test_a_time_ending_in_a_full_stop_ends_the_sentence_without_a_second_one(
    client, editor, article
):
    save_with(client, article, headline="Evening headline")
    evening = revisions_of(article)[-1]
    # 8:04 p.m. in Berlin.
    Revision.objects.filter(pk=evening.pk).update(
        date_created=datetime(2026, 11, 5, 19, 4, tzinfo=UTC)
    )
    save_with(client, article, headline="Later headline")

    response = client.post(revision_url(article, evening.pk), follow=True)

    page = response.content.decode()
    assert "Restored the version of Nov. 5, 2026, 8:04 p.m. The restore is a new revision." in page
    assert "p.m.." not in page
    assert revisions_of(article)[-1].get_comment() == (
        "Restored the version of Nov. 5, 2026, 8:04 p.m."
    )
