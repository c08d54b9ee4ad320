from django.contrib.auth.management import create_permissions
from django.db import migrations

CRUD = ("add", "change", "delete", "view")

# Starting permissions; the editors' desk work refines who may do what.
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
            )
            for action in CRUD
        ),
        "articles.publish_article",
        *(f"taggit.{action}_tag" for action in CRUD),
    ],
    "Translators": [
        "articles.view_article",
        "articles.view_author",
        "articles.view_section",
        "articles.add_articletranslation",
        "articles.change_articletranslation",
        "articles.view_articletranslation",
        "taggit.view_tag",
    ],
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations run; make them exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUP_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(create_groups, reverse_code=delete_groups)]
