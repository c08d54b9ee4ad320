"""Every role rule of the desk, by direct request: admin URLs, actions, history, preview, share.

Hand-made requests, not the UI: what a user who knows the URLs can send. One table says who
tries what on what and whether the server lets it happen; each refusal is checked by what it
would have changed (the headline, the status, the row), and the same request by an editor is
the control that shows the request itself was a working one.

Already covered elsewhere, so not repeated here:
- the groups' permissions: test_desk_roles.py::test_the_groups_hold_the_desk_roles
- reporters publishing by form or action, withdrawing a live article by form or action,
  rewriting a live article, moving the time of live or scheduled work, scheduling a draft:
  test_desk_roles.py, test_admin.py, test_desk_defects.py
- reporters submitting a live article for review (per-article refusal): test_desk_roles.py
- reporters restoring a version of a live article: test_desk_revisions.py
- reporters creating or revoking share links, and the share views answering only POST:
  test_preview.py
- reporters adding corrections, nobody rewriting one: test_desk_corrections.py
- translators changing a draft original, running article actions, publishing or changing a
  published translation: test_desk_roles.py, test_desk_translations.py, test_admin.py
- anonymous visitors and staff without the view permission on the preview views; expired,
  revoked, tampered and deleted share links (410 / 404, nothing of the article):
  test_preview.py
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.editorial import revisions
from articles.models import Article, ArticleTranslation, ShareLink, Status

from .factories import make_article, make_author, make_staff
from .forms import change_url, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _edit_locks_always_stale(settings):
    # Every edit lock is stale at once, as if each editor's page had stopped renewing it: these
    # tests are of what stands behind the locks (editorial/locks.py, tests/test_edit_locks.py).
    settings.DESK_LOCK_STALE_SECONDS = 0


LOGIN = reverse("admin:login")
CHANGELIST = "admin:articles_article_changelist"
TRANSLATIONS = "admin:articles_articletranslation_changelist"


def admin_url(obj, view, *args):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[obj.pk, *args])


# What there is to try things on -----------------------------------------------------------------


def with_history(obj):
    """`obj` with an old version to restore: "Old headline" once, "Current headline" now."""
    obj.headline = "Old headline"
    obj.save()
    revisions.ensure_baseline(obj)
    obj.old_revision = revisions.history(obj).first().revision_id
    with revisions.revision(None, "Edited."):
        obj.headline = "Current headline"
        obj.save()
        revisions.add_with_relations(obj)
    return obj


def article_in(state):
    fields = {
        "draft": {"status": Status.DRAFT, "published_at": None},
        "live": {},
        "scheduled": {"published_at": timezone.now() + timedelta(days=1)},
        "withdrawn": {"status": Status.WITHDRAWN},
    }[state]
    article = with_history(make_article(authors=[make_author()], **fields))
    ShareLink.objects.create(article=article)
    return article


def translation_in(state):
    status = {"draft translation": Status.DRAFT, "published translation": Status.PUBLISHED}[state]
    article = make_article(authors=[make_author()])
    translation = ArticleTranslation.objects.create(
        article=article,
        language="de",
        headline="Alte Schlagzeile",
        slug=f"{article.slug}-de",
        body="Text.",
        status=status,
    )
    # Stale, so that "mark up to date" has something to change.
    ArticleTranslation.objects.filter(pk=translation.pk).update(is_stale=True, source_digest="x")
    translation.refresh_from_db()
    return with_history(translation)


def subject(state):
    return translation_in(state) if "translation" in state else article_in(state)


# What one can try -----------------------------------------------------------------------------


def opened_form(obj):
    """The change form as an editor's browser would send it back (reporters get no inputs)."""
    editor = Client()
    editor.force_login(make_staff("Editors"))
    form_id = f"{obj._meta.model_name}_form"
    return form_data(editor.get(change_url(obj)), form_id)


@dataclass(frozen=True)
class Attempt:
    """A request to the desk, and how to see whether it changed anything."""

    def send(self, client, obj):
        raise NotImplementedError

    def look(self, obj):
        """What the request would change, read afresh from the database."""
        model = type(obj)
        row = model.objects.filter(pk=obj.pk).values("headline", "status", "version").first()
        return row


class SaveChangeForm(Attempt):
    def send(self, client, obj):
        data = {**opened_form(obj), "headline": "Changed by hand"}
        return client.post(change_url(obj), data)


class Restore(Attempt):
    def send(self, client, obj):
        return client.post(admin_url(obj, "revision", obj.old_revision))


class Delete(Attempt):
    def send(self, client, obj):
        return client.post(admin_url(obj, "delete"), {"post": "yes"})


@dataclass(frozen=True)
class Action(Attempt):
    name: str = ""

    def send(self, client, obj):
        changelist = TRANSLATIONS if isinstance(obj, ArticleTranslation) else CHANGELIST
        return client.post(
            reverse(changelist),
            {"action": self.name, "_selected_action": [obj.pk], "post": "yes"},
        )

    def look(self, obj):
        model = type(obj)
        fields = ["status", "version", "headline"]
        fields += ["published_at"] if model is Article else ["is_stale", "source_digest"]
        return model.objects.filter(pk=obj.pk).values(*fields).first()


class CreateShareLink(Attempt):
    def send(self, client, obj):
        return client.post(admin_url(obj, "share"), {"hours": "48"})

    def look(self, obj):
        return ShareLink.objects.filter(article=obj).count()


class RevokeShareLink(Attempt):
    def send(self, client, obj):
        link = ShareLink.objects.get(article=obj)
        return client.post(admin_url(obj, "share_revoke", link.pk))

    def look(self, obj):
        return ShareLink.objects.active().filter(article=obj).count()


ATTEMPTS = {
    "save the change form": SaveChangeForm(),
    "restore an old version": Restore(),
    "delete": Delete(),
    "delete with the bulk action": Action("delete_selected"),
    "publish now (action)": Action("publish_now"),
    "withdraw (action)": Action("withdraw"),
    "submit for review (action)": Action("submit_for_review"),
    "mark up to date (action)": Action("mark_current"),
    "create a share link": CreateShareLink(),
    "revoke a share link": RevokeShareLink(),
}

# (who, tries what, on what). Each is refused; the same request by an editor is allowed.
REFUSED = [
    # Reporters: published, scheduled and withdrawn work is out of their hands.
    ("Reporters", "save the change form", "withdrawn"),
    ("Reporters", "restore an old version", "scheduled"),
    ("Reporters", "restore an old version", "withdrawn"),
    ("Reporters", "withdraw (action)", "scheduled"),
    ("Reporters", "publish now (action)", "scheduled"),
    ("Reporters", "submit for review (action)", "scheduled"),
    ("Reporters", "submit for review (action)", "withdrawn"),
    ("Reporters", "delete", "draft"),
    ("Reporters", "delete", "live"),
    ("Reporters", "delete with the bulk action", "live"),
    ("Reporters", "save the change form", "published translation"),
    ("Reporters", "save the change form", "draft translation"),
    ("Reporters", "restore an old version", "published translation"),
    # Translators: originals are not theirs, published translations are an editor's.
    ("Translators", "save the change form", "live"),
    ("Translators", "restore an old version", "draft"),
    ("Translators", "restore an old version", "live"),
    ("Translators", "delete", "draft"),
    ("Translators", "delete with the bulk action", "draft"),
    ("Translators", "create a share link", "draft"),
    ("Translators", "revoke a share link", "draft"),
    ("Translators", "restore an old version", "published translation"),
    ("Translators", "mark up to date (action)", "published translation"),
    ("Translators", "submit for review (action)", "published translation"),
    ("Translators", "delete", "draft translation"),
]


def ids(case):
    who, what, on = case
    return f"{who} {what} on {on}"


@pytest.mark.parametrize("case", REFUSED, ids=map(ids, REFUSED))
def test_the_desk_refuses_what_a_role_may_not_do(client, case):
    who, what, state = case
    attempt, obj = ATTEMPTS[what], subject(state)
    before = attempt.look(obj)
    client.force_login(make_staff(who))

    response = attempt.send(client, obj)

    # Views refuse with 403; actions go back to the list with a message, or, for a role with no
    # action at all, the list is shown again.
    refusals = {403, 302, 200} if isinstance(attempt, Action) else {403}
    assert response.status_code in refusals, response.status_code
    if response.status_code == 302:
        assert response["Location"].startswith(reverse(CHANGELIST).rsplit("/", 2)[0])
        assert not response["Location"].startswith(LOGIN)
    assert attempt.look(obj) == before


# No step of the workflow leads there, for anyone: no role rule, so no editor's control.
NO_SUCH_STEP = {
    ("submit for review (action)", "withdrawn"),
    ("submit for review (action)", "scheduled"),
    ("submit for review (action)", "published translation"),
}
EDITORS_CONTROLS = [case for case in REFUSED if case[1:] not in NO_SUCH_STEP]


@pytest.mark.parametrize("case", EDITORS_CONTROLS, ids=map(ids, EDITORS_CONTROLS))
def test_an_editor_may_do_what_the_other_roles_are_refused(client, case):
    _who, what, state = case
    attempt, obj = ATTEMPTS[what], subject(state)
    before = attempt.look(obj)
    client.force_login(make_staff("Editors"))

    response = attempt.send(client, obj)

    assert response.status_code == 302, response.status_code
    assert attempt.look(obj) != before


# Anonymous visitors and accounts that are not staff -------------------------------------------

DESK_PAGES = {
    "article list": lambda article, translation: reverse(CHANGELIST),
    "article change form": lambda article, translation: change_url(article),
    "add article": lambda article, translation: reverse("admin:articles_article_add"),
    "article history": lambda article, translation: admin_url(article, "history"),
    "old version": lambda article, translation: admin_url(
        article, "revision", article.old_revision
    ),
    "delete article": lambda article, translation: admin_url(article, "delete"),
    "translation list": lambda article, translation: reverse(TRANSLATIONS),
    "translation change form": lambda article, translation: change_url(translation),
    "translation history": lambda article, translation: admin_url(translation, "history"),
}


@pytest.fixture
def draft_and_translation():
    article = article_in("draft")
    translation = ArticleTranslation.objects.create(
        article=article, language="de", headline="Geheime Schlagzeile", slug="geheim", body="T."
    )
    return article, translation


def not_staff():
    """An active account with every permission an editor has, but not marked staff."""
    user = User.objects.create_user("outsider", password="x", is_staff=False)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.mark.parametrize("who", ["anonymous", "not staff"])
@pytest.mark.parametrize("page", DESK_PAGES)
def test_desk_pages_send_anyone_but_staff_to_the_login_and_show_nothing(
    client, draft_and_translation, who, page
):
    if who == "not staff":
        client.force_login(not_staff())
    url = DESK_PAGES[page](*draft_and_translation)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")
    assert "Current headline" not in response.text
    assert "Geheime Schlagzeile" not in response.text


@pytest.mark.parametrize("who", ["anonymous", "not staff"])
@pytest.mark.parametrize("what", ATTEMPTS)
def test_desk_requests_from_anyone_but_staff_change_nothing(client, who, what):
    if who == "not staff":
        client.force_login(not_staff())
    attempt = ATTEMPTS[what]
    obj = subject("published translation" if what == "mark up to date (action)" else "draft")
    before = attempt.look(obj)

    response = attempt.send(client, obj)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")
    assert attempt.look(obj) == before


def test_adding_an_article_by_hand_is_refused_to_translators_and_nothing_is_made(client):
    client.force_login(make_staff("Translators"))
    section = make_article().section

    page = client.get(reverse("admin:articles_article_add"))
    response = client.post(
        reverse("admin:articles_article_add"),
        {
            "headline": "By a translator",
            "slug": "by-a-translator",
            "body": "T.",
            "section": section.pk,
        },
    )

    assert (page.status_code, response.status_code) == (403, 403)
    assert not Article.objects.filter(slug="by-a-translator").exists()


def test_adding_a_translation_by_hand_is_refused_to_reporters_and_nothing_is_made(client):
    client.force_login(make_staff("Reporters"))
    article = make_article()

    response = client.post(
        reverse("admin:articles_articletranslation_add"),
        {"article": article.pk, "language": "de", "headline": "H", "slug": "h", "body": "T."},
    )

    assert response.status_code == 403
    assert not ArticleTranslation.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "staff without a role"])
def test_the_markdown_preview_answers_only_those_who_write(client, who):
    # Reporters and editors write articles, translators translations (and preview them).
    if who != "anonymous":
        client.force_login(User.objects.create_user("visitor", password="x", is_staff=True))
    url = reverse("admin:articles_article_markdown_preview")

    response = client.post(url, {"text": "**bold**"})

    assert "<strong>" not in response.text
    assert response.status_code == (302 if who == "anonymous" else 403)


def test_the_markdown_preview_answers_a_translator(client):
    client.force_login(make_staff("Translators"))

    response = client.post(reverse("admin:articles_article_markdown_preview"), {"text": "**b**"})

    assert response.status_code == 200
    assert "<strong>b</strong>" in response.json()["html"]


def test_the_markdown_preview_answers_a_reporter(client):
    client.force_login(make_staff("Reporters"))

    response = client.post(reverse("admin:articles_article_markdown_preview"), {"text": "**b**"})

    assert response.status_code == 200
    assert "<strong>b</strong>" in response.json()["html"]


@pytest.mark.parametrize("kind", ["article", "translation"])
def test_previews_refuse_an_account_that_is_not_staff(client, draft_and_translation, kind):
    article, translation = draft_and_translation
    client.force_login(not_staff())
    name, pk = (
        ("article-preview", article.pk)
        if kind == "article"
        else ("translation-preview", translation.pk)
    )

    response = client.get(reverse(f"articles:{name}", kwargs={"pk": pk}))

    assert response.status_code == 403
    assert "Current headline" not in response.text
    assert "Geheime Schlagzeile" not in response.text


def test_a_translator_may_preview_a_draft_translation(client, draft_and_translation):
    _article, translation = draft_and_translation
    client.force_login(make_staff("Translators"))

    response = client.get(reverse("articles:translation-preview", kwargs={"pk": translation.pk}))

    assert response.status_code == 200
    assert "Geheime Schlagzeile" in response.text


# Share links ----------------------------------------------------------------------------------


def test_a_share_link_cannot_be_revoked_through_another_articles_address(client):
    client.force_login(make_staff("Editors"))
    mine, theirs = article_in("draft"), article_in("draft")
    link = ShareLink.objects.get(article=theirs)

    response = client.post(admin_url(mine, "share_revoke", link.pk))

    assert response.status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


@pytest.mark.parametrize("dead", ["revoked", "expired"])
def test_a_dead_share_link_to_a_translation_shows_nothing_of_it(
    client, draft_and_translation, dead
):
    article, translation = draft_and_translation
    now = timezone.now()
    fields = (
        {"revoked_at": now} if dead == "revoked" else {"expires_at": now - timedelta(minutes=1)}
    )
    link = ShareLink.objects.create(article=article, translation=translation, **fields)

    response = client.get(link.get_absolute_url())

    assert response.status_code == 410
    assert "Geheime Schlagzeile" not in response.text
    assert "Current headline" not in response.text


def test_a_share_link_made_for_a_translation_opens_only_that_translation(
    client, draft_and_translation
):
    article, translation = draft_and_translation
    link = ShareLink.objects.create(article=article, translation=translation)

    response = client.get(link.get_absolute_url())

    assert response.status_code == 200
    assert "Geheime Schlagzeile" in response.text
    # The token names the link, not the article: another article's preview is not reachable.
    other = article_in("draft")
    assert (
        client.get(reverse("articles:article-preview", kwargs={"pk": other.pk})).status_code == 404
    )
