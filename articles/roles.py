"""The editorial roles: each group at the desk and exactly the permissions it holds.

This is the one declaration. `sync_roles()` runs after every `migrate` (see `apps.py`) and makes
the groups match it: a permission added here is granted, one taken out is revoked, and a change
made to these groups by hand at the desk is undone. Groups not named here are left alone.

The desk's finer rules (what a reporter may still change once an article is live, who may
publish) are enforced in `editorial/`; they read the permissions declared here.
To change a role, edit it here and run `manage.py migrate`; no data migration is needed.
"""

import sys
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.migrations.executor import MigrationExecutor

from .editorial.workflow import PUBLISH_PERMISSION

CRUD = ("add", "change", "delete", "view")


def may(model: str, *actions: str) -> tuple[str, ...]:
    """Permission names for `actions` on `model` ("app_label.model"): may("taggit.tag", "view")."""
    app_label, model_name = model.split(".")
    return tuple(f"{app_label}.{action}_{model_name}" for action in actions)


@dataclass(frozen=True)
class Role:
    name: str  # the group's name, as staff accounts are put in it at the desk
    description: str
    permissions: frozenset[str]  # "app_label.codename", as in `user.has_perm()`


REPORTERS = Role(
    name="Reporters",
    description=(
        "Write articles and send them to review; published, scheduled and withdrawn work is "
        "read-only to them. They add authors and keep, in every language, the profiles no "
        "published or scheduled work shows; the others, and which staff account an author "
        "is, are an editor's (editorial/workflow.py author_is_locked)."
    ),
    permissions=frozenset(
        {
            *may("articles.article", "add", "change", "view"),
            *may("articles.byline", *CRUD),
            *may("articles.author", "add", "change", "view"),
            *may("articles.authortranslation", *CRUD),
            # The library: they add and describe pictures; deleting one is an editor's call.
            *may("articles.mediaimage", "add", "change", "view"),
            *may("articles.mediaimagetranslation", *CRUD),
            *may("articles.embed", "view"),
            *may("articles.section", "view"),
            *may("articles.articletranslation", "view"),
            *may("articles.correction", "view"),
            *may("articles.statuschange", "view"),
            *may("articles.placement", "view"),  # the front page, as arranged: not theirs to change
            *may("taggit.tag", "view"),
            # The site's own pages (the pages app): drafts are theirs, publishing an editor's.
            *may("pages.page", "add", "change", "view"),
            *may("pages.menulink", "view"),
        }
    ),
)

EDITORS = Role(
    name="Editors",
    description=(
        "Do everything at the desk: publish, schedule, withdraw, correct, translate, share "
        "previews, arrange the front pages, and keep sections, authors and tags."
    ),
    permissions=frozenset(
        {
            PUBLISH_PERMISSION,  # publish, schedule, withdraw, and change live work
            *may("articles.article", *CRUD),
            *may("articles.byline", *CRUD),
            *may("articles.taggedarticle", *CRUD),
            *may("articles.correction", *CRUD),
            *may("articles.sharelink", *CRUD),
            *may("articles.articletranslation", *CRUD),
            *may("articles.section", *CRUD),
            *may("articles.sectiontranslation", *CRUD),
            *may("articles.author", *CRUD),
            *may("articles.authortranslation", *CRUD),
            *may("articles.mediaimage", *CRUD),
            *may("articles.mediaimagetranslation", *CRUD),
            *may("articles.embed", "view", "change", "delete"),
            *may("articles.statuschange", "view"),
            *may("articles.placement", *CRUD),  # arrange the front pages
            *may("taggit.tag", *CRUD),
            *may("pages.page", *CRUD),
            *may("pages.menulink", *CRUD),
        }
    ),
)

TRANSLATORS = Role(
    name="Translators",
    description="Write translations of articles; the originals are read-only to them.",
    permissions=frozenset(
        {
            *may("articles.articletranslation", "add", "change", "view"),
            *may("articles.article", "view"),
            # They write the pictures' alt texts and captions in their language (the library
            # shows them the rest read-only: admin/media.py).
            *may("articles.mediaimage", "view", "change"),
            *may("articles.mediaimagetranslation", "add", "change", "view"),
            *may("articles.embed", "view"),
            *may("articles.author", "view"),
            *may("articles.section", "view"),
            *may("articles.correction", "view"),
            *may("articles.statuschange", "view"),
            *may("articles.placement", "view"),
            *may("taggit.tag", "view"),
            # They write pages' translations; publishing them is an editor's.
            *may("pages.page", "add", "change", "view"),
        }
    ),
)

ROLES = (REPORTERS, EDITORS, TRANSLATORS)


def sync_roles(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Make each role's group exist with exactly its permissions; return the groups changed."""
    named = {code for role in ROLES for code in role.permissions}
    app_labels = sorted({code.partition(".")[0] for code in named})
    # `migrate` creates each app's permissions on that app's own post_migrate signal, in
    # INSTALLED_APPS order: an app listed after articles would not have them yet.
    for app_label in app_labels:
        create_permissions(apps.get_app_config(app_label), verbosity=0, using=using)
    existing = {
        f"{permission.content_type.app_label}.{permission.codename}": permission
        for permission in Permission.objects.using(using)
        .filter(content_type__app_label__in=app_labels)
        .select_related("content_type")
    }
    if missing := sorted(named - existing.keys()):
        raise ImproperlyConfigured(f"articles/roles.py names unknown permissions: {missing}")

    changed = []
    with transaction.atomic(using=using):
        for role in ROLES:
            group, created = Group.objects.using(using).get_or_create(name=role.name)
            wanted = {existing[code] for code in role.permissions}
            if created or set(group.permissions.all()) != wanted:
                group.permissions.set(wanted)
                changed.append(role.name)
    return changed


def fully_migrated(using: str) -> bool:
    executor = MigrationExecutor(connections[using])
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


def sync_roles_after_migrate(sender, using, verbosity=1, plan=None, stdout=None, **kwargs):
    """post_migrate receiver for the articles app: re-apply the roles after every `migrate`.

    Only after `migrate`, never after `flush`, which sends post_migrate too but without a
    `plan`. A flush empties the database for the README's restore (`migrate`, `flush`,
    `loaddata` of a full backup): the backup brings the groups back with their own ids and
    permissions, and groups recreated here would clash with them by name. The next `migrate`
    re-applies the roles to whatever was restored.

    Nor on a database migrated back to an earlier state: the roles name permissions of the
    current models, which that state may not have. The next full `migrate` catches up.
    """
    if plan is None or not router.allow_migrate_model(using, Group):
        return
    stdout = stdout or sys.stdout
    if not fully_migrated(using):
        if verbosity >= 1:
            stdout.write("  Roles not re-applied: the database is not fully migrated.")
        return
    changed = sync_roles(using)
    if changed and verbosity >= 1:
        stdout.write(f"  Roles re-applied from articles/roles.py: {', '.join(changed)}")
