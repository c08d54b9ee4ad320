"""Translation tracking: which version of the original a translation follows, and when it lags."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from pytest_django.asserts import assertContains, assertNotContains

from articles.models import ArticleTranslation, Status

from .factories import make_article, make_author, make_staff
from .forms import change_url, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _edit_locks_always_stale(settings):
    # Every edit lock is stale at once, as if each editor's page had stopped renewing it: these
    # tests are of what stands behind the locks (editorial/locks.py, tests/test_edit_locks.py).
    settings.DESK_LOCK_STALE_SECONDS = 0


ARTICLE_FORM = "article_form"
TRANSLATION_FORM = "articletranslation_form"
TRANSLATIONS = "admin:articles_articletranslation_changelist"
ARTICLES = "admin:articles_article_changelist"
HEX_DIGEST = re.compile(r"\b[0-9a-f]{64}\b")


def when(moment):
    """A time as the desk shows it: local time, in the site's date-time format."""
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def make_translation(article, language="de", **fields):
    fields.setdefault("headline", f"Übersetzung {article.pk} {language}")
    fields.setdefault("slug", f"uebersetzung-{article.pk}-{language}")
    fields.setdefault("body", "Übersetzter Text.")
    fields.setdefault("status", Status.DRAFT)
    return ArticleTranslation.objects.create(article=article, language=language, **fields)


@pytest.fixture
def editor():
    return make_staff("Editors", first_name="Erika", last_name="Mustermann")


@pytest.fixture
def translator():
    return make_staff("Translators", first_name="Tomás", last_name="Übersetzer")


@pytest.fixture
def article(editor):
    return make_article(
        headline="Port reopens after the storm",
        standfirst="Ships are back.",
        body="The harbour master said ships sail at dawn.\n\nTrade resumes on Monday.",
        authors=[make_author(name="Rita Reporter")],
        updated_by=editor,
    )


def edit_article(client, user, article, **changes):
    """Open the article's change form as `user`, change some fields, save it like a browser."""
    client.force_login(user)
    data = form_data(client.get(change_url(article)), ARTICLE_FORM)
    data.update(changes)
    response = client.post(change_url(article), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    article.refresh_from_db()
    return response


def made_stale(client, editor, article, **translation_fields):
    """A translation of `article`, then an editor's change to the original's body."""
    translation = make_translation(article, **translation_fields)
    edit_article(
        client,
        editor,
        article,
        body="The harbour master said ships sail at noon.\r\n\r\nTrade resumes on Monday.",
    )
    translation.refresh_from_db()
    assert translation.is_stale
    return translation


def test_a_translation_added_by_a_translator_records_the_original_it_was_made_from(
    client, editor, translator, article
):
    client.force_login(translator)
    add_url = reverse("admin:articles_articletranslation_add")
    data = form_data(client.get(add_url), TRANSLATION_FORM)
    data.update(
        article=article.pk,
        language="de",
        headline="Hafen öffnet nach dem Sturm",
        slug="hafen-oeffnet-nach-dem-sturm",
        standfirst="Die Schiffe sind zurück.",
        body="Der Hafenmeister sagt, die Schiffe laufen im Morgengrauen aus.",
        status=Status.IN_REVIEW,
    )

    response = client.post(add_url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    translation = ArticleTranslation.objects.get(article=article, language="de")
    assert translation.source_headline == "Port reopens after the storm"
    assert translation.source_standfirst == "Ships are back."
    assert translation.source_body == article.body
    assert translation.source_saved_at == article.updated_at
    assert translation.source_saved_by == editor
    assert translation.source_digest == article.content_digest
    assert translation.is_stale is False
    assert translation.created_by == translator


def test_the_translation_page_names_the_version_it_was_made_from_by_time_and_person(
    client, editor, translator, article
):
    translation = make_translation(article)
    client.force_login(translator)

    response = client.get(change_url(translation))

    assert response.status_code == 200
    assertContains(
        response,
        f"Made from the version of {when(article.updated_at)} by Erika Mustermann.",
    )
    html = response.content.decode()
    assert article.content_digest not in html
    assert translation.source_digest not in html
    assert not HEX_DIGEST.search(html)


@pytest.mark.parametrize(
    "changes",
    [
        {"headline": "Port reopens after the big storm"},
        {"standfirst": "Ships are back, and so is trade."},
        {"body": "The harbour master said ships sail at noon."},
    ],
    ids=["headline", "standfirst", "body"],
)
def test_editing_the_originals_text_makes_its_translations_stale(client, editor, article, changes):
    german = make_translation(article, language="de")
    french = make_translation(article, language="fr")

    edit_article(client, editor, article, **changes)

    german.refresh_from_db()
    french.refresh_from_db()
    assert german.is_stale and french.is_stale


@pytest.mark.parametrize(
    "changes",
    [{}, {"tags": "harbours, weather"}, {"section": "other"}],
    ids=["saved-unchanged", "tags", "section"],
)
def test_filing_changes_to_the_original_leave_its_translations_current(
    client, editor, article, changes
):
    translation = make_translation(article)
    if changes.get("section") == "other":
        changes["section"] = make_article().section_id
    version_before = article.version

    edit_article(client, editor, article, **changes)

    assert article.version > version_before  # it was saved
    translation.refresh_from_db()
    assert translation.is_stale is False


def test_the_translation_list_filters_stale_translations(client, editor, article):
    stale = made_stale(client, editor, article, headline="Veraltete Übersetzung")
    fresh_original = make_article(authors=[make_author()])
    make_translation(fresh_original, headline="Aktuelle Übersetzung")

    response = client.get(reverse(TRANSLATIONS), {"stale": "yes"})

    assert response.status_code == 200
    assertContains(response, stale.headline)
    assertNotContains(response, "Aktuelle Übersetzung")
    current = client.get(reverse(TRANSLATIONS), {"stale": "no"})
    assertContains(current, "Aktuelle Übersetzung")
    assertNotContains(current, stale.headline)


def test_the_article_list_marks_the_stale_language(client, editor, article):
    made_stale(client, editor, article, language="de")
    make_translation(article, language="fr")
    make_translation(article, language="it")

    response = client.get(reverse(ARTICLES))

    assertContains(
        response,
        '<td class="field-languages_column"><strong>EN</strong> · DE '
        '<span class="stale-marker" title="The original changed since this translation was '
        'made.">stale</span> · FR · IT</td>',
        html=True,
    )
    assertContains(response, 'class="stale-marker"', count=1)


def test_the_article_change_page_shows_which_translation_is_stale(client, editor, article):
    made_stale(client, editor, article, language="de")
    make_translation(article, language="fr")

    response = client.get(change_url(article))

    assertContains(
        response,
        '<td class="field-translation_state"><p><span class="stale-marker">stale</span></p></td>',
        count=1,
        html=True,
    )
    assertContains(
        response, '<td class="field-translation_state"><p>current</p></td>', count=1, html=True
    )


def test_the_translation_page_shows_the_original_and_what_changed_in_it_since(
    client, editor, translator, article
):
    translation = made_stale(client, editor, article)
    client.force_login(translator)

    response = client.get(change_url(translation))

    assertContains(response, '<p class="original__headline">Port reopens after the storm</p>')
    assertContains(response, "ships sail at noon.")
    assertContains(
        response,
        '<div class="diff"><h4>Body</h4><div class="diff__text">The harbour master said ships '
        "sail at <del>dawn.</del><ins>noon.</ins>Trade resumes on Monday.</div></div>",
        html=True,
    )
    assertContains(response, "The original has changed since: this translation is stale.")
    # The standfirst and headline did not change: no diff is offered for them.
    assertNotContains(response, "<h4>Standfirst</h4>", html=True)


def test_a_current_translation_page_says_nothing_changed_in_the_original(
    client, translator, article
):
    translation = make_translation(article)
    client.force_login(translator)

    response = client.get(change_url(translation))

    assertContains(response, "Nothing: the translation follows the current original.")
    assertNotContains(response, "<del>")
    assertNotContains(response, 'name="_mark_current"')


def test_save_and_mark_up_to_date_records_the_current_original(client, editor, translator, article):
    translation = made_stale(client, editor, article)
    second_editor = make_staff("Editors", first_name="Sven", last_name="Schreiber")
    edit_article(client, second_editor, article, standfirst="Ships are back at last.")
    client.force_login(translator)
    page = client.get(change_url(translation))
    assertContains(page, 'name="_mark_current"')
    data = form_data(page, TRANSLATION_FORM)
    data["body"] = "Der Hafenmeister sagt, die Schiffe laufen mittags aus."
    data["_mark_current"] = "Save and mark up to date with the original"

    response = client.post(change_url(translation), data, follow=True)

    assert "Marked up to date with the current original." in messages_of(response)
    translation.refresh_from_db()
    assert translation.is_stale is False
    assert translation.body == "Der Hafenmeister sagt, die Schiffe laufen mittags aus."
    assert translation.source_body == article.body
    assert translation.source_standfirst == "Ships are back at last."
    assert translation.source_digest == article.content_digest
    assert translation.source_saved_at == article.updated_at
    assert translation.source_saved_by == second_editor
    page = client.get(change_url(translation))
    assertContains(page, f"Made from the version of {when(article.updated_at)} by Sven Schreiber.")
    assertContains(page, "Nothing: the translation follows the current original.")


def test_marking_up_to_date_does_not_claim_an_original_the_translator_never_saw(
    client, editor, translator, article
):
    translation = made_stale(client, editor, article)
    client.force_login(translator)
    page = client.get(change_url(translation))
    assertContains(page, "ships sail at noon.")
    data = form_data(page, TRANSLATION_FORM)
    # While the translator works from the page above, an editor changes the original again.
    edit_article(client, editor, article, standfirst="Ships are back, but the port is closed.")
    client.force_login(translator)
    data["body"] = "Der Hafenmeister sagt, die Schiffe laufen mittags aus."
    data["_mark_current"] = "Save and mark up to date with the original"

    client.post(change_url(translation), data)

    translation.refresh_from_db()
    assert translation.source_standfirst != "Ships are back, but the port is closed."
    assert translation.is_stale is True


def test_saving_a_stale_translation_without_marking_it_keeps_it_stale(
    client, editor, translator, article
):
    translation = made_stale(client, editor, article)
    client.force_login(translator)
    data = form_data(client.get(change_url(translation)), TRANSLATION_FORM)
    data["body"] = "Ein erster Versuch."

    assert client.post(change_url(translation), data).status_code == 302

    translation.refresh_from_db()
    assert translation.body == "Ein erster Versuch."
    assert translation.is_stale is True
    assert "dawn" in translation.source_body


def test_the_mark_current_action_marks_each_translation_and_reports_each(
    client, editor, translator, article
):
    draft = made_stale(client, editor, article, language="de", headline="Entwurf")
    published = make_translation(
        article, language="fr", headline="Publiée", status=Status.PUBLISHED
    )
    ArticleTranslation.objects.filter(pk=published.pk).update(is_stale=True)
    client.force_login(translator)

    response = client.post(
        reverse(TRANSLATIONS),
        {"action": "mark_current", "_selected_action": [draft.pk, published.pk]},
        follow=True,
    )

    assert response.status_code == 200
    reported = messages_of(response)
    assert "“Entwurf [de]”: marked up to date." in reported
    assert "“Publiée [fr]”: you may not change it." in reported
    draft.refresh_from_db()
    published.refresh_from_db()
    assert draft.is_stale is False
    assert draft.source_body == article.body
    assert draft.source_saved_at == article.updated_at
    assert draft.source_saved_by == editor
    assert published.is_stale is True


def test_an_editor_marks_a_published_translation_current_with_the_action(client, editor, article):
    translation = made_stale(client, editor, article, status=Status.PUBLISHED)

    response = client.post(
        reverse(TRANSLATIONS),
        {"action": "mark_current", "_selected_action": [translation.pk]},
        follow=True,
    )

    assert f"“{translation}”: marked up to date." in messages_of(response)
    translation.refresh_from_db()
    assert translation.is_stale is False
    assert translation.source_digest == article.content_digest
    assert not client.get(reverse(TRANSLATIONS), {"stale": "yes"}).context["cl"].result_count


def test_a_translator_cannot_change_a_published_translation(client, editor, translator, article):
    translation = make_translation(
        article, headline="Veröffentlicht", body="Geprüfter Text.", status=Status.PUBLISHED
    )
    client.force_login(editor)
    data = form_data(client.get(change_url(translation)), TRANSLATION_FORM)
    data.update(headline="Unbesehen geändert", body="Ungeprüfter Text.")
    client.force_login(translator)

    page = client.get(change_url(translation))
    response = client.post(change_url(translation), data)

    assert page.status_code == 200
    assertNotContains(page, 'name="headline"')
    assert response.status_code == 403
    translation.refresh_from_db()
    assert (translation.headline, translation.body) == ("Veröffentlicht", "Geprüfter Text.")


def test_a_translator_cannot_publish_a_translation(client, translator, article):
    translation = make_translation(article, status=Status.IN_REVIEW)
    client.force_login(translator)
    page = client.get(change_url(translation))
    offered = page.context["adminform"].form.fields["status"].widget.choices
    data = form_data(page, TRANSLATION_FORM)
    data["status"] = Status.PUBLISHED

    response = client.post(change_url(translation), data)

    assert Status.PUBLISHED not in [value for value, _label in offered]
    assert response.status_code == 200
    assertContains(response, "You may not publish, schedule or withdraw; ask an editor.")
    translation.refresh_from_db()
    assert translation.status == Status.IN_REVIEW


def test_a_translation_form_opened_before_someone_else_saved_is_refused(
    client, translator, article
):
    translation = make_translation(article, body="Erste Fassung.")
    colleague = make_staff("Translators", first_name="Bea", last_name="Berger")
    client.force_login(translator)
    mine = form_data(client.get(change_url(translation)), TRANSLATION_FORM)
    client.force_login(colleague)
    theirs = form_data(client.get(change_url(translation)), TRANSLATION_FORM)
    theirs["body"] = "Beas Fassung."
    assert client.post(change_url(translation), theirs).status_code == 302

    client.force_login(translator)
    mine["body"] = "Meine Fassung."
    response = client.post(change_url(translation), mine)

    assert response.status_code == 200
    assertContains(response, "saved this since you opened it")
    assertContains(response, "Bea Berger saved this while you were editing")
    assertContains(response, "Meine Fassung.")  # the refused text is still in the form
    translation.refresh_from_db()
    assert translation.body == "Beas Fassung."
    assert translation.updated_by == colleague
