"""The writing view's server side: each editor's unsaved text kept between saves (autosave),
offered back on the change form, forgotten on a save; who may keep what."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from articles.models import ArticleTranslation, Autosave, Status

from .factories import make_article, make_staff
from .forms import change_url, form_data

pytestmark = pytest.mark.django_db

BANNER = "were kept."


def autosave_url(obj=None, model="article"):
    if obj is None:
        return reverse(f"admin:articles_{model}_autosave")
    return reverse(f"admin:articles_{obj._meta.model_name}_autosave", args=[obj.pk])


def keep(client, url, **fields):
    return client.post(url, json.dumps({"fields": fields}), content_type="application/json")


def draft(**fields):
    return make_article(status=Status.DRAFT, published_at=None, **fields)


def translate(article, language="de"):
    return ArticleTranslation.objects.create(
        article=article,
        language=language,
        headline="Sturm",
        slug=f"{article.slug}-{language}",
        body="Der *Sturm* kommt.",
    )


@pytest.fixture
def editor(client):
    user = make_staff("Editors")
    client.force_login(user)
    return user


def test_an_autosave_is_kept_once_per_editor_and_article_and_overwritten(client, editor):
    article = draft()

    first = keep(client, autosave_url(article), body="First draft.", headline="A storm")
    second = keep(client, autosave_url(article), body="Second draft.", headline="A storm")

    assert first.status_code == second.status_code == 200
    kept = Autosave.objects.get()
    assert (kept.user, kept.article, kept.translation) == (editor, article, None)
    assert kept.fields == {"body": "Second draft.", "headline": "A storm"}
    # The article itself is untouched: an autosave is no save and no revision.
    article.refresh_from_db()
    assert article.body != "Second draft."


def test_an_autosave_keeps_only_the_text_fields(client, editor):
    article = draft()

    keep(client, autosave_url(article), body="Text.", status="published", version=99)

    assert Autosave.objects.get().fields == {"body": "Text."}


def test_a_new_article_is_kept_per_editor_until_it_is_saved(client, editor):
    keep(client, autosave_url(), body="Not yet saved.")
    keep(client, autosave_url(), body="Still not saved.")

    kept = Autosave.objects.get()
    assert (kept.article, kept.translation, kept.kind) == (None, None, "article")
    response = client.get(reverse("admin:articles_article_add"))
    assertContains(response, BANNER)
    assertContains(response, "Still not saved.")


def test_the_change_form_offers_an_autosave_newer_than_the_last_save(client, editor):
    article = draft()
    keep(client, autosave_url(article), body="Kept words from the train.")

    response = client.get(change_url(article))

    assertContains(response, BANNER)
    assertContains(response, 'id="autosave-kept"')
    assertContains(response, "Kept words from the train.")
    assertContains(response, "Restore them")


def test_the_change_form_shows_no_banner_without_an_autosave(client, editor):
    article = draft()

    response = client.get(change_url(article))

    assertNotContains(response, BANNER)
    assertNotContains(response, 'id="autosave-kept"')


def test_an_autosave_older_than_the_last_save_is_not_offered(client, editor):
    article = draft()
    keep(client, autosave_url(article), body="Old words.")
    Autosave.objects.update(saved_at=timezone.now() - timedelta(hours=1))

    assertNotContains(client.get(change_url(article)), BANNER)


def test_another_editors_autosave_is_not_offered(client, editor):
    article = draft()
    colleague = make_staff("Editors")
    Autosave.objects.create(
        user=colleague, kind="article", article=article, fields={"body": "Hers."}
    )

    response = client.get(change_url(article))

    assertNotContains(response, BANNER)
    assertNotContains(response, "Hers.")


def test_saving_through_the_form_forgets_the_editors_autosave(client, editor):
    article = draft()
    colleague = make_staff("Editors")
    Autosave.objects.create(user=colleague, kind="article", article=article, fields={})
    keep(client, autosave_url(article), body="Kept.")
    data = form_data(client.get(change_url(article)), "article_form")
    data["body"] = "Kept."

    response = client.post(change_url(article), data)

    assert response.status_code == 302
    assert list(Autosave.objects.values_list("user", flat=True)) == [colleague.pk]


def test_saving_a_new_article_forgets_the_new_article_autosave(client, editor):
    keep(client, autosave_url(), body="Fresh.")
    data = form_data(client.get(reverse("admin:articles_article_add")), "article_form")
    data |= {"headline": "Fresh", "slug": "fresh", "body": "Fresh.", "status": "draft"}
    data["section"] = make_article().section_id

    response = client.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert not Autosave.objects.exists()


def test_discard_forgets_the_autosave(client, editor):
    article = draft()
    keep(client, autosave_url(article), body="Kept.")

    response = client.post(
        autosave_url(article), json.dumps({"discard": True}), content_type="application/json"
    )

    assert response.status_code == 200
    assert not Autosave.objects.exists()


def test_an_autosave_of_a_translation_is_kept_for_the_translation(client, editor):
    translation = translate(draft())

    keep(client, autosave_url(translation), body="Der Sturm ist da.")

    kept = Autosave.objects.get()
    assert (kept.kind, kept.article, kept.translation) == ("translation", None, translation)
    assertContains(client.get(change_url(translation)), BANNER)


def test_old_autosaves_are_forgotten_when_anyone_keeps_one(client, editor):
    old = draft()
    Autosave.objects.create(
        user=editor,
        kind="article",
        article=old,
        fields={},
        saved_at=timezone.now() - timedelta(days=31),
    )

    keep(client, autosave_url(draft()), body="New.")

    assert list(Autosave.objects.values_list("fields", flat=True)) == [{"body": "New."}]


def test_a_body_larger_than_a_megabyte_is_refused(client, editor):
    article = draft()

    response = keep(client, autosave_url(article), body="x" * 1_100_000)

    assert response.status_code == 400
    assert not Autosave.objects.exists()


def test_the_autosave_wants_json_by_post(client, editor):
    article = draft()

    assert client.get(autosave_url(article)).status_code == 405
    bad = client.post(autosave_url(article), "{not json", content_type="application/json")
    assert bad.status_code == 400


def test_the_autosave_needs_the_csrf_token(editor):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)

    response = keep(client, autosave_url(draft()), body="Forged.")

    assert response.status_code == 403
    assert not Autosave.objects.exists()


# Who may keep what: the same rule as the change form's.


def test_anonymous_visitors_are_sent_to_log_in(client):
    article = draft()

    response = keep(client, autosave_url(article), body="Hello.")

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert not Autosave.objects.exists()


def test_translators_cannot_autosave_an_original_article(client):
    client.force_login(make_staff("Translators"))

    response = keep(client, autosave_url(draft()), body="Not mine.")

    assert response.status_code == 403
    assert not Autosave.objects.exists()


def test_translators_autosave_a_draft_translation(client):
    translator = make_staff("Translators")
    client.force_login(translator)
    translation = translate(draft())

    response = keep(client, autosave_url(translation), body="Übersetzt.")

    assert response.status_code == 200
    assert Autosave.objects.get().user == translator


def test_translators_cannot_autosave_a_new_article(client):
    client.force_login(make_staff("Translators"))

    assert keep(client, autosave_url(), body="Nope.").status_code == 403


def test_reporters_autosave_their_drafts(client):
    client.force_login(make_staff("Reporters"))

    assert keep(client, autosave_url(draft()), body="Mine.").status_code == 200
    assert keep(client, autosave_url(), body="New.").status_code == 200


def test_reporters_cannot_autosave_a_published_article(client):
    reporter = make_staff("Reporters")
    client.force_login(reporter)
    article = make_article()

    response = keep(client, autosave_url(article), body="Changed after publication.")

    assert response.status_code == 403
    assert not Autosave.objects.exists()
    assertNotContains(client.get(change_url(article)), "data-autosave-url")


def test_an_autosave_of_a_missing_article_is_not_found(client, editor):
    assert (
        keep(
            client, reverse("admin:articles_article_autosave", args=[999999]), body="?"
        ).status_code
        == 404
    )


# The preview's other language


def test_an_article_offers_its_translation_to_the_preview(client, editor):
    article = draft()
    translate(article)

    response = client.get(change_url(article))

    assertContains(response, 'id="writing-others"')
    assertContains(response, "Der *Sturm* kommt.")
    assertContains(response, '<option value="0">German</option>', html=True)


def test_a_translation_offers_its_original_to_the_preview(client, editor):
    article = draft(body="The *storm* comes.")
    translation = translate(article)

    response = client.get(change_url(translation))

    assertContains(response, "The *storm* comes.")
    assertContains(response, '<option value="0">English</option>', html=True)
