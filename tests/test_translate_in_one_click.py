"""Translation in one click: from an article, a new translation in the chosen language with the
original beside it and its text ready to be translated over."""

import re

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from articles.models import ArticleTranslation, Status

from .factories import make_article, make_staff
from .forms import change_url, form_data

pytestmark = pytest.mark.django_db


def translate_links(response) -> dict[str, str]:
    tools = re.search(r'<ul class="object-tools">(.*?)</ul>', response.content.decode(), re.S)
    return {
        label: url.replace("&amp;", "&")
        for url, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', tools.group(1))
    }


def test_an_english_article_offers_a_german_translation_in_one_click(client):
    client.force_login(make_staff("Editors"))
    article = make_article(language="en")

    links = translate_links(client.get(change_url(article)))

    add = reverse("admin:articles_articletranslation_add")
    assert links["Translate into German"] == f"{add}?article={article.pk}&language=de"
    assert "Translate into English" not in links


def test_the_new_translation_starts_in_that_language_with_the_original_beside_it(client):
    client.force_login(make_staff("Translators"))
    article = make_article(
        language="en", headline="Storm over the bay", body="The storm came at night."
    )
    url = f"{reverse('admin:articles_articletranslation_add')}?article={article.pk}&language=de"

    response = client.get(url)

    data = form_data(response, "articletranslation_form")
    assert (data["article"], data["language"]) == (str(article.pk), "de")
    assert (data["headline"], data["body"]) == ("Storm over the bay", "The storm came at night.")
    assertContains(response, '<p class="original__headline">Storm over the bay</p>', html=True)
    assertNotContains(response, "Choose the article and save once")


def test_saving_the_new_translation_makes_it_in_the_chosen_language(client):
    client.force_login(make_staff("Translators"))
    article = make_article(language="en")
    url = f"{reverse('admin:articles_articletranslation_add')}?article={article.pk}&language=de"
    data = form_data(client.get(url), "articletranslation_form")
    data.update({"headline": "Sturm über der Bucht", "slug": "sturm", "body": "Der Sturm kam."})

    response = client.post(url, data)

    assert response.status_code == 302
    translation = ArticleTranslation.objects.get(article=article)
    assert (translation.language, translation.headline) == ("de", "Sturm über der Bucht")
    assert translation.status == Status.DRAFT


def test_an_existing_translation_is_opened_instead_of_a_second_one(client):
    client.force_login(make_staff("Editors"))
    article = make_article(language="en")
    translation = ArticleTranslation.objects.create(
        article=article, language="de", headline="Da", slug="da", body="Text."
    )

    links = translate_links(client.get(change_url(article)))

    assert links["German translation"] == change_url(translation)
    assert "Translate into German" not in links


def test_reporters_are_offered_no_translation_they_may_not_make(client):
    client.force_login(make_staff("Reporters"))
    article = make_article(language="en", status=Status.DRAFT, published_at=None)

    links = translate_links(client.get(change_url(article)))

    assert not any(label.startswith("Translate into") for label in links)


def test_a_translator_previews_the_translation_as_readers_will_see_it(client):
    client.force_login(make_staff("Translators"))
    article = make_article(language="en")
    url = f"{reverse('admin:articles_articletranslation_add')}?article={article.pk}&language=de"

    page = client.get(url)
    answer = client.post(
        reverse("admin:articles_article_markdown_preview"),
        {"text": "Der *Sturm*.", "language": "de"},
    )

    assertContains(page, 'class="markdown-preview"')
    assert answer.status_code == 200
    assert answer.json()["html"] == "<p>Der <em>Sturm</em>.</p>\n"
