"""The desk's pages and menu links, asked for directly by each role: reporters write and submit
drafts, editors publish and keep the menus, translators translate; nobody else gets in."""

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains
from reversion.models import Version

from articles.models import Status
from pages.models import MenuLink, MenuPlace, Page

from .factories import make_staff
from .forms import form_data

pytestmark = pytest.mark.django_db

ROLES = ("Reporters", "Editors", "Translators")


@pytest.fixture
def pages():
    draft = Page.objects.create(title="About us", slug="about", body="Who we are.")
    live = Page.objects.create(
        title="Legal notice", slug="legal-notice", body="Publisher.", status=Status.PUBLISHED
    )
    link = MenuLink.objects.create(place=MenuPlace.FOOTER, language="en", label="Legal", page=live)
    return {"draft": draft, "live": live, "link": link}


def desk_urls(pages):
    draft, link = pages["draft"], pages["link"]
    return {
        "page list": reverse("admin:pages_page_changelist"),
        "page add": reverse("admin:pages_page_add"),
        "draft change": reverse("admin:pages_page_change", args=[draft.pk]),
        "draft history": reverse("admin:pages_page_history", args=[draft.pk]),
        "menu list": reverse("admin:pages_menulink_changelist"),
        "menu add": reverse("admin:pages_menulink_add"),
        "menu change": reverse("admin:pages_menulink_change", args=[link.pk]),
        "preview": f"/en/preview/pages/{draft.pk}/",
    }


# What each role gets, by direct request.
EXPECTED = {
    None: {
        "page list": 302,
        "page add": 302,
        "draft change": 302,
        "draft history": 302,
        "menu list": 302,
        "menu add": 302,
        "menu change": 302,
        "preview": 404,
    },
    "Reporters": {
        "page list": 200,
        "page add": 200,
        "draft change": 200,
        "draft history": 200,
        "menu list": 200,
        "menu add": 403,
        "menu change": 200,  # read-only
        "preview": 200,
    },
    "Editors": {
        "page list": 200,
        "page add": 200,
        "draft change": 200,
        "draft history": 200,
        "menu list": 200,
        "menu add": 200,
        "menu change": 200,
        "preview": 200,
    },
    "Translators": {
        "page list": 200,
        "page add": 200,
        "draft change": 200,
        "draft history": 200,
        "menu list": 403,
        "menu add": 403,
        "menu change": 403,
        "preview": 200,
    },
}


@pytest.mark.parametrize("role", [None, *ROLES], ids=lambda role: role or "anonymous")
def test_each_desk_and_preview_view_answers_each_role_as_the_roles_say(client, pages, role):
    if role is not None:
        client.force_login(make_staff(role))

    answers = {name: client.get(url).status_code for name, url in desk_urls(pages).items()}

    assert answers == EXPECTED[role]


def test_a_staff_account_without_a_role_cannot_preview_a_page(client, pages):
    client.force_login(User.objects.create_user("nobody", password="x", is_staff=True))

    assert client.get(f"/en/preview/pages/{pages['draft'].pk}/").status_code == 403


def test_the_preview_shows_a_draft_to_staff_and_is_never_cached(client, pages):
    client.force_login(make_staff("Reporters"))

    response = client.get(f"/en/preview/pages/{pages['draft'].pk}/")

    assert "Who we are." in response.content.decode()
    assert "preview-banner" in response.content.decode()
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"


def change(client, page, **fields):
    url = reverse("admin:pages_page_change", args=[page.pk])
    data = form_data(client.get(url), "page_form")
    data.update(fields)
    return client.post(url, data)


def test_a_reporter_cannot_publish_from_the_form_and_the_page_stays_a_draft(client, pages):
    client.force_login(make_staff("Reporters"))
    url = reverse("admin:pages_page_change", args=[pages["draft"].pk])
    assert 'value="published"' not in client.get(url).content.decode()

    response = change(client, pages["draft"], status="published")

    assert response.status_code == 200  # the form again, with why
    assert "errornote" in response.content.decode()
    pages["draft"].refresh_from_db()
    assert pages["draft"].status == Status.DRAFT


def test_a_reporter_submits_a_draft_and_cannot_change_it_once_published(client, pages):
    client.force_login(make_staff("Reporters"))

    response = change(client, pages["draft"], status="review", body="Who we are, and why.")

    assert response.status_code == 302
    pages["draft"].refresh_from_db()
    assert pages["draft"].status == Status.IN_REVIEW
    live_url = reverse("admin:pages_page_change", args=[pages["live"].pk])
    data = form_data(client.get(live_url), "page_form")
    data["body"] = "Changed by a reporter."
    assert client.post(live_url, data).status_code == 403
    pages["live"].refresh_from_db()
    assert pages["live"].body == "Publisher."


def test_a_reporter_cannot_publish_with_the_bulk_action(client, pages):
    client.force_login(make_staff("Reporters"))

    client.post(
        reverse("admin:pages_page_changelist"),
        {"action": "publish_selected", "_selected_action": [pages["draft"].pk]},
    )

    pages["draft"].refresh_from_db()
    assert pages["draft"].status == Status.DRAFT


def test_an_editor_publishes_from_the_form_and_the_save_is_a_revision(client, pages):
    editor = make_staff("Editors")
    client.force_login(editor)

    response = change(client, pages["draft"], status="published", body="Who we are, now.")

    assert response.status_code == 302
    pages["draft"].refresh_from_db()
    assert pages["draft"].status == Status.PUBLISHED
    assert client.get("/en/pages/about/").status_code == 200
    versions = Version.objects.get_for_object(pages["draft"])
    assert versions.count() >= 1
    assert versions.first().revision.user == editor
    assert versions.first().field_dict["body"] == "Who we are, now."
    history = client.get(reverse("admin:pages_page_history", args=[pages["draft"].pk]))
    revision_url = reverse(
        "admin:pages_page_revision", args=[pages["draft"].pk, versions.first().revision_id]
    )
    assert revision_url in history.content.decode()
    version = client.get(revision_url)
    assert version.status_code == 200
    assertContains(version, '<dd class="revision-fields__body">Who we are, now.</dd>', html=True)
    assertContains(version, "title, address and text")
    assertNotContains(version, "Bylines")


def test_a_translation_starts_from_its_original_in_the_other_language(client, pages):
    client.force_login(make_staff("Translators"))
    original = pages["live"]

    form = client.get(reverse("admin:pages_page_change", args=[original.pk]))
    add_url = f"{reverse('admin:pages_page_add')}?translation_of={original.pk}&language=de"
    assert add_url.replace("&", "&amp;") in form.content.decode()
    data = form_data(client.get(add_url), "page_form")
    assert data["translation_of"] == str(original.pk)
    assert data["language"] == "de"
    data.update(title="Impressum", slug="impressum", body="Herausgeber.")

    assert client.post(add_url, data).status_code == 302
    german = Page.objects.get(language="de", slug="impressum")
    assert german.translation_of == original
    assert german.status == Status.DRAFT


def test_a_menu_link_needs_a_page_or_an_address_but_not_both(client, pages):
    client.force_login(make_staff("Editors"))
    url = reverse("admin:pages_menulink_add")
    base = {"place": "footer", "language": "en", "label": "Contact", "position": "1"}

    neither = client.post(url, {**base, "page": "", "url": ""})
    both = client.post(url, {**base, "page": pages["live"].pk, "url": "https://example.org/"})
    bad = client.post(url, {**base, "page": "", "url": "javascript:alert(1)"})
    good = client.post(url, {**base, "page": "", "url": "mailto:desk@example.org"})

    assert neither.status_code == both.status_code == bad.status_code == 200
    assert good.status_code == 302
    assert MenuLink.objects.filter(label="Contact").count() == 1


def test_an_editor_restores_an_earlier_version_and_a_reporter_may_not_on_a_live_page(client, pages):
    from pages import editorial

    editor = make_staff("Editors")
    page = editorial.save(Page(title="Contact", slug="contact", body="Call us."), editor)
    first = Version.objects.get_for_object(page).get().revision_id
    with transaction.atomic():
        page = editorial.lock(Page, page.pk)
        page.body = "Write to us."
        page.status = Status.PUBLISHED
        editorial.save(page, editor)
    url = reverse("admin:pages_page_revision", args=[page.pk, first])

    client.force_login(make_staff("Reporters"))
    assert client.post(url, {"version": str(page.version)}).status_code == 403
    client.force_login(editor)
    response = client.post(url, {"version": str(page.version)})

    assert response.status_code == 302
    page.refresh_from_db()
    assert page.body == "Call us."
    assert page.status == Status.PUBLISHED
    assert Version.objects.get_for_object(page).count() == 3
