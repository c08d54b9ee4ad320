"""Bring the editorial groups and existing content in step with the editors' desk.

- The groups get exactly the permissions listed here (the desk's roles).
- Published articles without a byline are marked unsigned, so they stay publishable.
- Existing translations remember the original's text when they are still current, and are
  marked stale when the original changed since.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CRUD = ("add", "change", "delete", "view")

GROUP_PERMISSIONS = {
    "Reporters": [
        "articles.add_article",
        "articles.change_article",
        "articles.view_article",
        "articles.add_byline",
        "articles.change_byline",
        "articles.delete_byline",
        "articles.view_byline",
        "articles.add_author",
        "articles.change_author",
        "articles.view_author",
        "articles.view_section",
        "articles.view_articletranslation",
        "articles.view_correction",
        "articles.view_statuschange",
        "taggit.view_tag",
    ],
    "Editors": [
        *(
            f"articles.{action}_{model}"
            for model in (
                "article",
                "byline",
                "author",
                "section",
                "articletranslation",
                "taggedarticle",
                "correction",
                "sharelink",
            )
            for action in CRUD
        ),
        "articles.view_statuschange",
        "articles.publish_article",
        *(f"taggit.{action}_tag" for action in CRUD),
    ],
    "Translators": [
        "articles.view_article",
        "articles.view_author",
        "articles.view_section",
        "articles.view_correction",
        "articles.view_statuschange",
        "articles.add_articletranslation",
        "articles.change_articletranslation",
        "articles.view_articletranslation",
        "taggit.view_tag",
    ],
}


def set_group_permissions(apps, schema_editor):
    # Permissions are normally created after all migrations run; make them exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = []
        for code in codes:
            app_label, codename = code.split(".")
            permissions.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(permissions)


def mark_existing_content(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    ArticleTranslation = apps.get_model("articles", "ArticleTranslation")
    Article.objects.filter(status="published", bylines__isnull=True).update(unsigned=True)
    for translation in ArticleTranslation.objects.select_related("article"):
        article = translation.article
        if translation.source_digest == article.content_digest:
            translation.source_headline = article.headline
            translation.source_standfirst = article.standfirst
            translation.source_body = article.body
            translation.source_saved_at = article.updated_at
            translation.source_saved_by_id = article.updated_by_id
        else:
            translation.is_stale = True
        # A plain update: data migrations do not count as edits (no version bump, no history).
        ArticleTranslation.objects.filter(pk=translation.pk).update(
            source_headline=translation.source_headline,
            source_standfirst=translation.source_standfirst,
            source_body=translation.source_body,
            source_saved_at=translation.source_saved_at,
            source_saved_by_id=translation.source_saved_by_id,
            is_stale=translation.is_stale,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_editors_desk"),
    ]

    operations = [
        migrations.RunPython(set_group_permissions, reverse_code=migrations.RunPython.noop),
        migrations.RunPython(mark_existing_content, reverse_code=migrations.RunPython.noop),
    ]
