"""Staff preview of unpublished work, and share links for readers without an account."""

import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import template_localtime

from articles.models import ArticleTranslation, ShareLink, Status

from .factories import make_article, make_author, make_section
from .forms import change_url

pytestmark = pytest.mark.django_db

BANNER = 'class="preview-banner" role="status"'


def staff_in(group_name: str, username: str | None = None) -> User:
    user = User.objects.create_user(username or group_name.lower(), password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def editor_client(client):
    client.force_login(staff_in("Editors"))
    return client


@pytest.fixture
def reporter_client(client):
    client.force_login(staff_in("Reporters"))
    return client


def draft(**fields):
    fields.setdefault("status", Status.DRAFT)
    fields.setdefault("published_at", None)
    return make_article(**fields)


def make_translation(article, **fields) -> ArticleTranslation:
    fields.setdefault("language", "de")
    fields.setdefault("headline", "Die deutsche Schlagzeile")
    fields.setdefault("slug", f"{article.slug}-de")
    fields.setdefault("standfirst", "Der deutsche Vorspann.")
    fields.setdefault("body", "Der deutsche Text.")
    return ArticleTranslation.objects.create(article=article, **fields)


def preview_url(article):
    return reverse("articles:article-preview", kwargs={"pk": article.pk})


def share_url(article):
    return reverse("admin:articles_article_share", kwargs={"object_id": article.pk})


def assert_private_preview(response):
    assert response["X-Robots-Tag"] == "noindex"
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control


def localized(moment):
    return date_format(template_localtime(moment), "DATETIME_FORMAT")


@pytest.mark.parametrize(
    ("fields", "state"),
    [
        ({"status": Status.DRAFT, "published_at": None}, "Draft"),
        ({"status": Status.IN_REVIEW, "published_at": None}, "In review"),
        ({"status": Status.WITHDRAWN}, "Withdrawn"),
    ],
)
def test_staff_preview_shows_unpublished_work_with_a_banner_and_private_headers(
    editor_client, fields, state
):
    article = make_article(headline="Not yet for readers", body="The *secret* plan.", **fields)

    response = editor_client.get(preview_url(article))

    assert response.status_code == 200
    assert_private_preview(response)
    assert {"articles/page.html", "articles/stories/article.html"} <= {
        template.name for template in response.templates
    }
    assert BANNER in response.text
    assert "not published: readers cannot see this page" in response.text
    assert f"<strong>{state}</strong>" in response.text
    assert "Not yet for readers" in response.text
    assert "<em>secret</em>" in response.text
    assert '<meta name="robots" content="noindex">' in response.text


def test_staff_preview_of_a_scheduled_article_says_when_it_goes_out(editor_client):
    goes_out = timezone.now() + timedelta(days=2)
    article = make_article(headline="Tomorrow’s news", published_at=goes_out)

    response = editor_client.get(preview_url(article))

    assert response.status_code == 200
    assert_private_preview(response)
    assert "Scheduled for" in response.text
    assert localized(goes_out) in response.text
    assert "Tomorrow’s news" in response.text


def test_staff_preview_of_a_published_article_says_readers_can_see_it(editor_client):
    article = make_article(headline="Already out")

    response = editor_client.get(preview_url(article))

    assert "published: readers can see this page" in response.text
    assert "<strong>Published</strong>" in response.text


def test_a_published_translation_into_no_site_language_is_not_announced_as_public(
    editor_client, client
):
    article = make_article(slug="budget")
    french = make_translation(article, language="fr", slug="budget-fr", status=Status.PUBLISHED)

    response = editor_client.get(reverse("articles:translation-preview", kwargs={"pk": french.pk}))

    assert "not published: readers cannot see this page" in response.text
    assert not french.is_public()
    for language in ("en", "de"):
        assert client.get(f"/{language}/articles/budget-fr/").status_code == 404


def test_staff_preview_of_a_translation_uses_the_article_layout_with_its_text(editor_client):
    section = make_section(name="Economy")
    article = draft(
        headline="The English headline",
        section=section,
        authors=[make_author(name="Ada Reporter")],
        tags=["Trade"],
    )
    translation = make_translation(article, body="Der **deutsche** Text.")

    response = editor_client.get(
        reverse("articles:translation-preview", kwargs={"pk": translation.pk})
    )

    assert response.status_code == 200
    assert_private_preview(response)
    assert BANNER in response.text
    assert "Translation (DE):" in response.text
    assert '<article class="article" lang="de">' in response.text
    assert "Die deutsche Schlagzeile" in response.text
    assert "Der deutsche Vorspann." in response.text
    assert "<strong>deutsche</strong>" in response.text
    assert "The English headline" not in response.text
    for kept in ("Economy", "Ada Reporter", "Trade"):
        assert kept in response.text
    article.refresh_from_db()
    assert article.headline == "The English headline"


@pytest.mark.parametrize("kind", ["article", "translation"])
def test_anonymous_visitor_gets_404_and_sees_nothing_not_even_where_the_desk_is(client, kind):
    article = draft(headline="Embargoed scoop")
    translation = make_translation(article)
    url = (
        preview_url(article)
        if kind == "article"
        else reverse("articles:translation-preview", kwargs={"pk": translation.pk})
    )

    response = client.get(url)

    assert response.status_code == 404
    assert "Location" not in response
    assert "/admin/" not in response.text
    assert "Embargoed scoop" not in response.text
    assert "Die deutsche Schlagzeile" not in response.text


def test_reporter_can_preview_a_draft(reporter_client):
    article = draft(headline="A reporter’s own draft")

    response = reporter_client.get(preview_url(article))

    assert response.status_code == 200
    assert "A reporter’s own draft" in response.text


def test_logged_in_user_without_the_view_permission_is_refused(client):
    article = draft(headline="Staff only")
    client.force_login(User.objects.create_user("outsider", password="x", is_staff=True))

    response = client.get(preview_url(article))

    assert response.status_code == 403
    assert "Staff only" not in response.text


def test_public_address_of_a_draft_still_answers_404_to_readers(client):
    article = draft(headline="Hidden draft")

    response = client.get(article.get_absolute_url())

    assert response.status_code == 404
    assert "Hidden draft" not in response.text


def view_on_site_href(response):
    match = re.search(r'<a href="([^"]+)" class="viewsitelink">', response.text)
    assert match, "no View on site link"
    return match.group(1)


def test_view_on_site_of_a_public_article_is_its_public_address(editor_client):
    article = make_article()

    response = editor_client.get(change_url(article))

    assert view_on_site_href(response) == article.get_absolute_url()


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Status.DRAFT, "published_at": None},
        {"status": Status.PUBLISHED, "published_at": timezone.now() + timedelta(days=1)},
    ],
    ids=["draft", "scheduled"],
)
def test_view_on_site_of_unpublished_work_is_the_staff_preview(editor_client, fields):
    article = make_article(**fields)

    response = editor_client.get(change_url(article))

    assert view_on_site_href(response) == preview_url(article)
    assert editor_client.get(view_on_site_href(response)).status_code == 200


def test_editor_creates_a_share_link_valid_for_48_hours_by_default(editor_client):
    article = draft()
    before = timezone.now()

    response = editor_client.post(share_url(article), follow=True)

    link = ShareLink.objects.get(article=article)
    assert link.created_by.username == "editors"
    assert link.translation is None
    assert before + timedelta(hours=48) <= link.expires_at <= timezone.now() + timedelta(hours=48)
    assert response.redirect_chain[-1][0] == f"{change_url(article)}#share-links"
    assert f"http://testserver{link.get_absolute_url()}" in response.text


def test_editor_chooses_how_long_a_share_link_is_valid(editor_client):
    article = draft()
    before = timezone.now()

    editor_client.post(share_url(article), {"hours": "6"})

    link = ShareLink.objects.get(article=article)
    assert before + timedelta(hours=6) <= link.expires_at <= timezone.now() + timedelta(hours=6)


@pytest.mark.parametrize("hours", ["0", "721", "-3", "two", ""])
def test_invalid_share_link_hours_are_refused_and_nothing_is_made(editor_client, hours):
    article = draft()

    response = editor_client.post(share_url(article), {"hours": hours}, follow=True)

    assert not ShareLink.objects.exists()
    assert response.status_code == 200
    assert "No share link was made" in response.text


def test_share_link_of_another_articles_translation_is_refused(editor_client):
    article = draft()
    other_translation = make_translation(draft())

    editor_client.post(share_url(article), {"translation": other_translation.pk})

    assert not ShareLink.objects.exists()


def test_reporter_cannot_create_a_share_link(reporter_client):
    article = draft()

    response = reporter_client.post(share_url(article), {"hours": "48"})

    assert response.status_code == 403
    assert not ShareLink.objects.exists()


def test_share_link_views_answer_only_post(editor_client):
    article = draft()
    link = ShareLink.objects.create(article=article)
    revoke_url = reverse(
        "admin:articles_article_share_revoke",
        kwargs={"object_id": article.pk, "link_id": link.pk},
    )

    assert editor_client.get(share_url(article)).status_code == 405
    assert editor_client.get(revoke_url).status_code == 405
    assert not ShareLink.objects.filter(revoked_at__isnull=False).exists()
    assert ShareLink.objects.count() == 1


def test_share_link_opens_a_draft_for_a_logged_out_visitor(client):
    article = draft(headline="Draft for the source to check", body="Quote **checked**.")
    link = ShareLink.objects.create(article=article)

    response = client.get(link.get_absolute_url())

    assert response.status_code == 200
    assert_private_preview(response)
    assert BANNER in response.text
    assert "Draft for the source to check" in response.text
    assert "<strong>checked</strong>" in response.text
    assert "This link expires on" in response.text
    assert localized(link.expires_at) in response.text


def test_share_link_of_a_translation_shows_the_translation(client):
    article = draft(headline="English original")
    link = ShareLink.objects.create(article=article, translation=make_translation(article))

    response = client.get(link.get_absolute_url())

    assert response.status_code == 200
    assert "Die deutsche Schlagzeile" in response.text
    assert "English original" not in response.text


def test_editor_revokes_a_share_link_and_it_answers_410_without_the_article(editor_client, client):
    article = draft(headline="Pulled before publication")
    link = ShareLink.objects.create(article=article)
    revoke_url = reverse(
        "admin:articles_article_share_revoke",
        kwargs={"object_id": article.pk, "link_id": link.pk},
    )

    editor_client.post(revoke_url)
    editor_client.logout()
    response = client.get(link.get_absolute_url())

    link.refresh_from_db()
    assert link.revoked_at is not None
    assert link.revoked_by.username == "editors"
    assert response.status_code == 410
    assert_private_preview(response)
    assert "Link no longer valid" in response.text
    assert "Pulled before publication" not in response.text
    assert article.section.name not in response.text.split('<main id="content"')[1]


def test_expired_share_link_answers_410_without_the_article(client):
    article = draft(headline="Stale embargo")
    link = ShareLink.objects.create(
        article=article,
        created_at=timezone.now() - timedelta(hours=49),
        expires_at=timezone.now() - timedelta(seconds=1),
    )

    response = client.get(link.get_absolute_url())

    assert response.status_code == 410
    assert "Link no longer valid" in response.text
    assert "Stale embargo" not in response.text
    assert BANNER not in response.text


def test_tampered_share_token_answers_404(client):
    article = draft(headline="Guarded")
    link = ShareLink.objects.create(article=article)
    token = link.token
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    response = client.get(reverse("articles:shared-preview", kwargs={"token": tampered}))

    assert response.status_code == 404
    assert "Guarded" not in response.text


def test_share_token_of_a_deleted_link_answers_404(client):
    link = ShareLink.objects.create(article=draft(headline="Gone for good"))
    url = link.get_absolute_url()
    link.delete()

    response = client.get(url)

    assert response.status_code == 404
    assert "Gone for good" not in response.text


def test_reporter_cannot_revoke_a_share_link(reporter_client):
    article = draft()
    link = ShareLink.objects.create(article=article)

    response = reporter_client.post(
        reverse(
            "admin:articles_article_share_revoke",
            kwargs={"object_id": article.pk, "link_id": link.pk},
        )
    )

    assert response.status_code == 403
    link.refresh_from_db()
    assert link.revoked_at is None


def test_share_links_are_listed_on_the_article_with_creator_and_expiry(editor_client):
    article = draft()
    maker = User.objects.create_user("kim", first_name="Kim", last_name="Park", is_staff=True)
    active = ShareLink.objects.create(article=article, created_by=maker)
    expired = ShareLink.objects.create(
        article=article, created_by=maker, expires_at=timezone.now() - timedelta(hours=1)
    )
    ShareLink.objects.create(article=article, revoked_at=timezone.now(), revoked_by=maker)

    response = editor_client.get(change_url(article))

    assert response.status_code == 200
    text = response.text
    assert "Preview and share links" in text
    assert f'href="{preview_url(article)}"' in text
    assert "Kim Park" in text
    assert localized(active.expires_at) in text
    assert localized(expired.expires_at) in text
    assert f'value="http://testserver{active.get_absolute_url()}"' in text
    assert expired.get_absolute_url() not in text
    for state in ("active", "expired", "revoked"):
        assert f"<strong>{state}</strong>" in text
    assert text.count(">Revoke</button>") == 1
    assert 'name="hours" value="48"' in text


def test_reporters_do_not_see_the_share_links_section(reporter_client):
    article = draft()
    ShareLink.objects.create(article=article)

    response = reporter_client.get(change_url(article))

    assert response.status_code == 200
    assert "Preview and share links" not in response.text
    assert view_on_site_href(response) == preview_url(article)


def test_a_share_link_keeps_one_address_for_its_whole_life(monkeypatch):
    link = ShareLink.objects.create(article=draft())
    address = link.get_absolute_url()

    later = time.time() + 3600
    monkeypatch.setattr(time, "time", lambda: later)

    assert link.get_absolute_url() == address
    assert ShareLink.pk_from_token(link.token) == link.pk


SHARE_BUTTONS = '<nav class="share"'


def test_previews_of_unpublished_work_offer_no_share_buttons(editor_client, client):
    article = draft(headline="Not out yet")
    link = ShareLink.objects.create(article=article)

    staff_preview = editor_client.get(preview_url(article))
    shared_preview = client.get(link.get_absolute_url())

    # A reader following such a button would find a 404.
    assert staff_preview.status_code == shared_preview.status_code == 200
    assert SHARE_BUTTONS not in staff_preview.text
    assert SHARE_BUTTONS not in shared_preview.text


def test_a_published_article_still_offers_its_share_buttons(client):
    article = make_article(headline="Out now")

    page = client.get(article.get_absolute_url()).text

    assert SHARE_BUTTONS in page
    assert "bsky.app/intent/compose" in page
