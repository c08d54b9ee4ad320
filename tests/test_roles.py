"""The editorial roles are declared once, in articles/roles.py, and re-applied on every `migrate`.

That `flush` leaves them out, so that the README's restore can load a backup's own groups into
the emptied database, is checked by tests/test_backups.py.
"""

import importlib
from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.urls import reverse

from articles import roles
from articles.editorial.workflow import can_publish

from .factories import make_article, make_author, make_image, make_staff
from .forms import change_url, form_data

pytestmark = pytest.mark.django_db


def groups() -> dict[str, set[str]]:
    """Every group in the database, with its permissions as "app_label.codename"."""
    return {
        group.name: {
            f"{permission.content_type.app_label}.{permission.codename}"
            for permission in group.permissions.select_related("content_type")
        }
        for group in Group.objects.prefetch_related("permissions")
    }


DECLARED = {role.name: set(role.permissions) for role in roles.ROLES}


MEDIA_LIBRARY = {
    "Reporters": {
        "mediaimage": "add change view",
        "mediaimagetranslation": "add change delete view",
        "embed": "view",
    },
    "Editors": {
        "mediaimage": "add change delete view",
        "mediaimagetranslation": "add change delete view",
        "embed": "change delete view",
    },
    "Translators": {
        "mediaimage": "change view",
        "mediaimagetranslation": "add change view",
        "embed": "view",
    },
}

# The curated front page (0026) on purpose: editors arrange it, the others see it as readers
# will (admin/frontpage.py).
FRONT_PAGE = {
    "Reporters": {"placement": "view"},
    "Editors": {"placement": "add change delete view"},
    "Translators": {"placement": "view"},
}


# The site's own pages (issue 16, the pages app) on purpose: reporters write drafts, editors
# publish and keep the menus, translators write the translations.
SITE_PAGES = {
    "Reporters": {"page": "add change view", "menulink": "view"},
    "Editors": {"page": "add change delete view", "menulink": "add change delete view"},
    "Translators": {"page": "add change view"},
}


def migrate() -> str:
    out = StringIO()
    call_command("migrate", verbosity=1, stdout=out)
    return out.getvalue()


def test_a_fresh_database_has_exactly_the_declared_roles():
    assert groups() == DECLARED


def test_the_declared_roles_are_what_the_data_migrations_left_so_nothing_changed_for_anyone():
    # The groups as 0004 set them and 0008 added to them, before roles.py existed. When a role
    # changes on purpose, this is where the change from what the migrations left is written.
    desk = importlib.import_module("articles.migrations.0004_desk_groups_and_existing_content")
    texts = importlib.import_module("articles.migrations.0008_localized_texts_permissions")
    migrated = {name: set(codes) for name, codes in desk.GROUP_PERMISSIONS.items()}
    for name, models in texts.GRANTS.items():
        migrated[name] |= {f"articles.{do}_{model}" for model in models for do in texts.CRUD}
    # The media library (0018) on purpose: reporters add and describe pictures, editors also
    # delete them, translators write their texts in other languages (the picture itself is
    # read-only to them: admin/media.py).
    for name, grants in (*MEDIA_LIBRARY.items(), *FRONT_PAGE.items()):
        migrated[name] |= {
            f"articles.{do}_{model}" for model, actions in grants.items() for do in actions.split()
        }
    for name, grants in SITE_PAGES.items():
        migrated[name] |= {
            f"pages.{do}_{model}" for model, actions in grants.items() for do in actions.split()
        }

    assert migrated == DECLARED


def test_a_group_whose_permissions_were_changed_by_hand_gets_them_back_on_the_next_migrate():
    editors = Group.objects.get(name="Editors")
    editor = make_staff("Editors")
    editors.permissions.remove(Permission.objects.get(codename="publish_article"))
    Group.objects.get(name="Reporters").permissions.add(
        Permission.objects.get(codename="delete_article")
    )
    Group.objects.get(name="Translators").delete()
    assert groups() != DECLARED

    output = migrate()

    assert groups() == DECLARED
    assert "Roles re-applied from articles/roles.py: Reporters, Editors, Translators" in output
    # The same groups, not new ones: their members keep them.
    assert Group.objects.get(name="Editors").pk == editors.pk
    assert can_publish(type(editor).objects.get(pk=editor.pk))


def test_a_migrate_with_the_roles_in_place_changes_nothing_and_says_nothing_of_them():
    before = {group.name: group.pk for group in Group.objects.all()}

    output = migrate()

    assert {group.name: group.pk for group in Group.objects.all()} == before
    assert groups() == DECLARED
    assert "Roles" not in output


def test_groups_not_declared_as_roles_are_left_alone_by_migrate():
    night_desk = Group.objects.create(name="Night desk")
    night_desk.permissions.add(Permission.objects.get(codename="publish_article"))

    migrate()

    assert groups()["Night desk"] == {"articles.publish_article"}


def test_a_role_naming_a_permission_that_does_not_exist_is_refused_before_any_group_changes(
    monkeypatch,
):
    typo = roles.Role("Editors", "A typo.", frozenset({"articles.publish_articles"}))
    monkeypatch.setattr(roles, "ROLES", (typo,))

    with pytest.raises(ImproperlyConfigured, match=r"articles\.publish_articles"):
        roles.sync_roles()

    assert groups() == DECLARED


# What each role may do at the desk today (README, "For editors" -> "Roles"), as the desk shows
# it: the models on its index page with what may be done to them, the inlines an article's and
# an author's change forms offer, and whether the workflow lets them publish.
DESK = {
    "Reporters": {
        "index": {
            "Article": "add change view",
            "ArticleTranslation": "view",
            "Author": "add change view",
            "Embed": "view",
            # Each person's own notifications (admin/notifications.py).
            "Notification": "view",
            "MediaImage": "add change view",
            "MenuLink": "view",
            "Page": "add change view",
            "Placement": "view",
            "Section": "view",
            "Tag": "view",
        },
        "article inlines": {
            "Byline": "add change delete view",
            "Correction": "view",
            "ArticleTranslation": "view",
        },
        "author inlines": {"AuthorTranslation": "add change delete view"},
        "publishes": False,
    },
    "Editors": {
        "index": {
            "Article": "add change delete view",
            "ArticleTranslation": "add change delete view",
            "Author": "add change delete view",
            "Embed": "change delete view",
            # Each person's own notifications (admin/notifications.py).
            "Notification": "view",
            "MediaImage": "add change delete view",
            "MenuLink": "add change delete view",
            "Page": "add change delete view",
            # Placed from the page itself, not Django's add form.
            "Placement": "change delete view",
            "Section": "add change delete view",
            "Tag": "add change delete view",
        },
        "article inlines": {
            "Byline": "add change delete view",
            "Correction": "add view",
            "ArticleTranslation": "change view",
        },
        "author inlines": {"AuthorTranslation": "add change delete view"},
        "publishes": True,
    },
    "Translators": {
        "index": {
            "Article": "view",
            "ArticleTranslation": "add change view",
            "Author": "view",
            "Embed": "view",
            # Each person's own notifications (admin/notifications.py).
            "Notification": "view",
            "MediaImage": "change view",
            "Page": "add change view",
            "Placement": "view",
            "Section": "view",
            "Tag": "view",
        },
        # The original is read-only to them, and with it what its form lists.
        "article inlines": {"Correction": "view", "ArticleTranslation": "view"},
        "author inlines": {},
        "publishes": False,
    },
}


def allowed(perms: dict) -> str:
    return " ".join(action for action in ("add", "change", "delete", "view") if perms[action])


def inlines(response) -> dict[str, str]:
    return {
        inline.opts.model.__name__: allowed(
            {
                "add": inline.has_add_permission,
                "change": inline.has_change_permission,
                # The desk offers no deleting where the inline says so, whatever the permission.
                "delete": inline.formset.can_delete,
                "view": inline.has_view_permission,
            }
        )
        for inline in response.context["inline_admin_formsets"]
    }


@pytest.mark.parametrize("role", roles.ROLES, ids=lambda role: role.name)
def test_every_declared_role_gets_at_the_desk_what_it_did_before(client, role):
    member = make_staff(role.name)
    client.force_login(member)
    article = make_article(status="draft", published_at=None, authors=[make_author()])
    article.translations.create(language="de", headline="Entwurf", slug="entwurf", body="Text.")

    index = client.get(reverse("admin:index"))
    article_form = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    author_form = client.get(
        reverse("admin:articles_author_change", args=[article.bylines.get().author_id])
    )

    assert {
        "index": {
            model["object_name"]: allowed(model["perms"])
            for app in index.context["app_list"]
            for model in app["models"]
        },
        "article inlines": inlines(article_form),
        "author inlines": inlines(author_form),
        "publishes": can_publish(member),
    } == DESK[role.name]


def test_a_translator_writes_a_pictures_alt_text_and_caption_in_their_language(client):
    # roles.py: translators may add and change a picture's texts in other languages, which a
    # translation needs before it can be published (media/library.py, missing_credits).
    client.force_login(make_staff("Translators"))
    picture = make_image(alt="Boats", caption="The harbour.")
    data = form_data(client.get(change_url(picture)), "mediaimage_form")
    data.update(
        {
            "localizations-0-language": "de",
            "localizations-0-alt": "Boote",
            "localizations-0-caption": "Der Hafen.",
        }
    )

    response = client.post(change_url(picture), data)

    assert response.status_code == 302, response.status_code
    assert list(picture.localizations.values_list("language", "alt", "caption")) == [
        ("de", "Boote", "Der Hafen.")
    ]
    picture.refresh_from_db()
    assert (picture.alt, picture.caption) == ("Boats", "The harbour.")


def test_a_translator_cannot_change_a_pictures_credit_or_file(client):
    client.force_login(make_staff("Translators"))
    picture = make_image(credit="Jane Doe / Reuters", alt="Boats")
    data = form_data(client.get(change_url(picture)), "mediaimage_form")
    data.update({"credit": "Someone else", "alt": "Changed", "focal_x": "0.1"})

    client.post(change_url(picture), data)

    picture.refresh_from_db()
    assert (picture.credit, picture.alt, picture.focal_x) == ("Jane Doe / Reuters", "Boats", 0.5)
