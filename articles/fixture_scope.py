"""What `loaddata` may load: content, or a whole backup into an emptied database.

A fixture holds content (CONTENT_MODELS). Accounts, groups, permissions, share links and the
desk's records come back only with a whole backup, `loaddata --restore-backup`, and only into
an emptied database: a file handed to an operator as "some articles" cannot also make itself
a superuser, rewrite a password or a role, or open a door to unpublished work. fixtures.py
checks each object against these rules.
"""

from django.apps import apps
from django.contrib.auth import get_user_model

# What `loaddata` loads without --restore-backup (README, "Loading fixtures").
CONTENT_MODELS = frozenset(
    {
        "taggit.tag",
        "articles.section",
        "articles.sectiontranslation",
        "articles.author",
        "articles.authortranslation",
        "articles.article",
        "articles.byline",
        "articles.taggedarticle",
        "articles.articletranslation",
        "articles.correction",
        "articles.slugredirect",
        # The media library; which article shows what is derived again on load.
        "articles.mediaimage",
        "articles.mediaimagetranslation",
        "articles.embed",
        "articles.mediause",
        # The site's own pages (by language and slug) and the menus' links (the pages app).
        "pages.page",
        "pages.menulink",
    }
)
NOT_CONTENT = (
    "is not content: loaddata loads articles and their translations, the media library, "
    "sections, authors, bylines, tags, corrections and old addresses; accounts, groups, "
    "permissions, share links and the desk's records come back only with a whole backup, "
    "restored into an emptied "
    'database with "loaddata --restore-backup" (README, "Backups")'
)


def scope_problem(model, restore: bool) -> str | None:
    """Why objects of `model` may not be loaded in this run, if they may not."""
    label = model._meta.label_lower
    if restore or label in CONTENT_MODELS:
        return None
    return f"{label} {NOT_CONTENT}"


def restore_problem(using) -> str | None:
    """Why a whole backup may not be restored into this database, if it may not: a backup
    brings accounts and ids of its own, so it goes only into an emptied database."""
    holds = []
    for model, one, many in (
        (get_user_model(), "account", "accounts"),
        (apps.get_model("articles", "Article"), "article", "articles"),
    ):
        if count := model._base_manager.using(using).count():
            holds.append(f"{count} {one if count == 1 else many}")
    if not holds:
        return None
    return (
        "--restore-backup loads a whole backup, accounts included, into an emptied database "
        f'(README, "Backups"), and this one holds {" and ".join(holds)}; empty it first '
        '("manage.py flush"), or load content without --restore-backup'
    )
