import re

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from articles.models import Article, ArticleTranslation, Byline, Status

from .factories import make_article, make_author, make_section

pytestmark = pytest.mark.django_db


def staff_in(group_name: str, username: str | None = None) -> User:
    user = User.objects.create_user(username or group_name.lower(), password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def article_form_data(article=None, **overrides):
    """The POST an editor's browser sends from the article change form."""
    section = article.section if article else make_section()
    data = {
        "headline": article.headline if article else "A new story",
        "slug": article.slug if article else "a-new-story",
        "standfirst": "",
        "body": article.body if article else "Some text.",
        "section": section.pk,
        "language": "en",
        "tags": "",
        "status": article.status if article else Status.DRAFT,
        "published_at_0": "",
        "published_at_1": "",
        "lead_picture": "",
        "bylines-TOTAL_FORMS": "0",
        "bylines-INITIAL_FORMS": "0",
        "translations-TOTAL_FORMS": "0",
        "translations-INITIAL_FORMS": "0",
        "corrections-TOTAL_FORMS": "0",
        "corrections-INITIAL_FORMS": "0",
        "version": article.version if article else "",
    }
    data.update(overrides)
    return data


def test_groups_exist_with_sensible_permissions():
    reporters = Group.objects.get(name="Reporters")
    editors = Group.objects.get(name="Editors")
    translators = Group.objects.get(name="Translators")

    def codenames(group):
        return set(group.permissions.values_list("codename", flat=True))

    assert "publish_article" in codenames(editors)
    assert "publish_article" not in codenames(reporters) | codenames(translators)
    assert {"add_article", "change_article"} <= codenames(reporters)
    assert "delete_article" not in codenames(reporters)
    assert {"add_articletranslation", "change_articletranslation"} <= codenames(translators)
    assert "change_article" not in codenames(translators)


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:articles_article_changelist",
        "admin:articles_article_add",
        "admin:articles_author_changelist",
        "admin:articles_author_add",
        "admin:articles_section_changelist",
        "admin:articles_section_add",
        "admin:articles_articletranslation_changelist",
        "admin:articles_articletranslation_add",
        "admin:articles_mediaimage_changelist",
        "admin:articles_mediaimage_add",
    ],
)
def test_editor_admin_pages_open(admin_client, url_name):
    make_article(authors=[make_author()], tags=["Trade"])

    response = admin_client.get(reverse(url_name))

    assert response.status_code == 200


def test_article_change_page_has_byline_inline_and_translation_link(admin_client):
    article = make_article(authors=[make_author(name="Ada Reporter")])
    translation = ArticleTranslation.objects.create(
        article=article, language="de", headline="Auf Deutsch", slug="auf-deutsch", body="Text."
    )

    response = admin_client.get(reverse("admin:articles_article_change", args=[article.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="bylines-0-author"' in html
    assert 'name="bylines-0-position"' in html
    assert reverse("admin:articles_articletranslation_change", args=[translation.pk]) in html


def test_changelist_search_and_filters_work(admin_client):
    make_article(headline="Harbour strike", status=Status.DRAFT)
    make_article(headline="Election night")

    url = reverse("admin:articles_article_changelist")
    found = admin_client.get(url, {"q": "harbour"}).content.decode()
    drafts = admin_client.get(url, {"status__exact": "draft"}).content.decode()

    assert "Harbour strike" in found and "Election night" not in found
    assert "Harbour strike" in drafts and "Election night" not in drafts


def test_author_autocomplete_answers_for_the_byline_inline(admin_client):
    make_author(name="Sven Example")

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "sven",
            "app_label": "articles",
            "model_name": "byline",
            "field_name": "author",
        },
    )

    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Sven Example"]


def test_related_article_autocomplete_answers(admin_client):
    make_article(headline="Budget row deepens")

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "budget",
            "app_label": "articles",
            "model_name": "article",
            "field_name": "related_articles",
        },
    )

    assert [r["text"] for r in response.json()["results"]] == ["Budget row deepens"]


def test_editor_creates_an_article_with_ordered_bylines_and_is_stamped(client):
    editor = staff_in("Editors")
    client.force_login(editor)
    first, second = make_author(name="First"), make_author(name="Second")
    data = article_form_data(
        headline="Port reopens",
        slug="port-reopens",
        tags="Shipping, Trade",
        **{
            "bylines-TOTAL_FORMS": "2",
            "bylines-0-author": second.pk,
            "bylines-0-role": "reporter",
            "bylines-0-position": "1",
            "bylines-1-author": first.pk,
            "bylines-1-role": "photographer",
            "bylines-1-position": "0",
        },
    )

    response = client.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get(slug="port-reopens")
    assert [b.author.name for b in article.bylines.all()] == ["First", "Second"]
    assert sorted(article.tags.names()) == ["Shipping", "Trade"]
    assert article.created_by == editor and article.updated_by == editor
    assert article.body_html == "<p>Some text.</p>\n"


def test_reporter_cannot_publish_via_the_form(client):
    client.force_login(staff_in("Reporters"))
    article = make_article(status=Status.DRAFT, published_at=None)

    response = client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        article_form_data(article, status=Status.PUBLISHED),
    )

    assert response.status_code == 200
    assert "You may not publish" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Status.DRAFT


def test_reporter_cannot_withdraw_a_published_article(client):
    client.force_login(staff_in("Reporters"))
    article = make_article()

    response = client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        article_form_data(article, status=Status.WITHDRAWN),
    )

    assert response.status_code == 403
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED


def test_reporter_can_edit_text_and_send_for_review(client):
    client.force_login(staff_in("Reporters"))
    article = make_article(status=Status.DRAFT)

    response = client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        article_form_data(article, body="Revised text.", status=Status.IN_REVIEW),
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Status.IN_REVIEW
    assert article.body_html == "<p>Revised text.</p>\n"


def test_reporter_does_not_get_the_publish_actions(client):
    client.force_login(staff_in("Reporters"))
    make_article()

    response = client.get(reverse("admin:articles_article_changelist"))

    html = response.content.decode()
    assert 'value="publish_now"' not in html
    assert 'value="withdraw"' not in html


def test_reporter_cannot_run_the_publish_action_by_posting_it(client):
    client.force_login(staff_in("Reporters"))
    draft = make_article(status=Status.DRAFT)

    client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_now", "_selected_action": [draft.pk]},
    )

    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_editor_publishes_and_withdraws_with_actions(client):
    editor = staff_in("Editors")
    client.force_login(editor)
    draft = make_article(status=Status.DRAFT, published_at=None, authors=[make_author()])
    url = reverse("admin:articles_article_changelist")

    client.post(url, {"action": "publish_now", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED
    assert draft.published_at is not None
    assert draft.updated_by == editor
    assert Article.objects.published().filter(pk=draft.pk).exists()

    client.post(url, {"action": "withdraw", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == Status.WITHDRAWN
    assert not Article.objects.published().filter(pk=draft.pk).exists()


def test_editor_publishing_through_the_form_stamps_the_time(client):
    client.force_login(staff_in("Editors"))
    article = make_article(status=Status.IN_REVIEW, published_at=None, authors=[make_author()])

    response = client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        article_form_data(article, status=Status.PUBLISHED),
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED
    assert article.published_at is not None


def test_translator_adds_a_translation_marked_with_the_source_version(client):
    client.force_login(staff_in("Translators"))
    article = make_article(language="en")
    translator = make_author(name="Tina Translator")

    response = client.post(
        reverse("admin:articles_articletranslation_add"),
        {
            "article": article.pk,
            "language": "de",
            "headline": "Hafen öffnet wieder",
            "slug": "hafen-oeffnet-wieder",
            "standfirst": "",
            "body": "Der Text.",
            "translators": [translator.pk],
            "status": Status.IN_REVIEW,
        },
    )

    assert response.status_code == 302
    translation = ArticleTranslation.objects.get(article=article, language="de")
    assert translation.source_digest == article.content_digest
    assert list(translation.translators.all()) == [translator]


def test_translator_cannot_publish_a_translation(client):
    client.force_login(staff_in("Translators"))
    article = make_article(language="en")

    response = client.post(
        reverse("admin:articles_articletranslation_add"),
        {
            "article": article.pk,
            "language": "de",
            "headline": "Titel",
            "slug": "titel",
            "body": "Text.",
            "status": Status.PUBLISHED,
        },
    )

    assert response.status_code == 200
    assert "You may not publish" in response.content.decode()
    assert not ArticleTranslation.objects.exists()


def test_second_translation_in_the_same_language_is_a_form_error(admin_client):
    article = make_article(language="en")
    ArticleTranslation.objects.create(
        article=article, language="de", headline="A", slug="a", body="x"
    )

    response = admin_client.post(
        reverse("admin:articles_articletranslation_add"),
        {
            "article": article.pk,
            "language": "de",
            "headline": "B",
            "slug": "b",
            "body": "y",
            "status": Status.DRAFT,
        },
    )

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert ArticleTranslation.objects.count() == 1


def test_deleting_an_author_with_bylines_is_refused_not_cascaded(admin_client):
    author = make_author()
    make_article(authors=[author])

    response = admin_client.post(
        reverse("admin:articles_author_delete", args=[author.pk]), {"post": "yes"}
    )

    assert response.status_code == 200
    assert Byline.objects.filter(author=author).exists()


def test_saving_unchanged_text_from_the_browser_keeps_the_content_version(admin_client):
    article = make_article(
        standfirst="One.\nTwo.", body="First.\n\n## Sub\n\nSecond.", authors=[make_author()]
    )
    digest = article.content_digest

    # Browsers send textarea line breaks as CRLF.
    response = admin_client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        article_form_data(
            article, standfirst="One.\r\nTwo.", body=article.body.replace("\n", "\r\n")
        ),
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.content_digest == digest
    assert "\r" not in article.body


def test_the_tag_list_offers_no_merge_that_would_leave_articles_on_the_old_tag(admin_client):
    # taggit's "Merge selected tags" moves only its own generic tag links, not TaggedArticle.
    make_article(tags=["Storms"])

    page = admin_client.get("/admin/taggit/tag/").content.decode()

    assert "Storms" in page
    assert "render_tag_form" not in page and "Merge selected tags" not in page


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("en", ["Login protection", "Tags", "Background jobs"]),
        ("de", ["Anmeldeschutz", "Schlagwörter", "Hintergrundaufgaben"]),
    ],
)
def test_the_dashboard_names_its_sections_for_editors_not_by_library(admin_client, language, names):
    page = admin_client.get("/admin/", headers={"Accept-Language": language}).content.decode()

    captions = re.findall(r'<caption>\s*<a [^>]*class="section"[^>]*>([^<]+)</a>', page)
    for name in names:
        assert name in captions, captions
    for library in ("Axes", "Taggit", "Tasks Database Backend"):
        assert library not in captions
