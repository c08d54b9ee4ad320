"""Editors (and, for author profiles, reporters) may write sections' and authors' texts in
other languages; the groups get the permissions of the two new models."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CRUD = ("add", "change", "delete", "view")
GRANTS = {
    "Editors": ["sectiontranslation", "authortranslation"],
    "Reporters": ["authortranslation"],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, models in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="articles",
                codename__in=[f"{action}_{model}" for model in models for action in CRUD],
            )
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, models in GRANTS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="articles",
                    codename__in=[f"{action}_{model}" for model in models for action in CRUD],
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_search_indexes"),
    ]

    operations = [migrations.RunPython(grant, reverse_code=revoke)]
