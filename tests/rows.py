"""Every row of every table, to prove a database unchanged, or reproduced by a restore."""

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

# Rebuilt by `migrate` / `flush` in every database, so a restore may number them differently:
# they and every reference to them are compared by natural key.
RENUMBERED = (ContentType, Permission)


def every_row(*, leave_out=()) -> dict[str, list[tuple]]:
    """{table: its rows in primary-key order}, for every model's table, many-to-many tables too."""
    natural_keys = {
        model: {obj.pk: tuple(obj.natural_key()) for obj in model.objects.all()}
        for model in RENUMBERED
    }
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.label in leave_out:
            continue
        fields = [
            field
            for field in model._meta.concrete_fields
            if not (model in RENUMBERED and field.primary_key)
        ]
        rows = []
        for values in model._base_manager.order_by("pk").values_list(
            *(field.attname for field in fields)
        ):
            rows.append(
                tuple(
                    natural_keys[field.related_model].get(value)
                    if field.related_model in RENUMBERED
                    else value
                    for field, value in zip(fields, values, strict=True)
                )
            )
        if model in RENUMBERED or model._meta.auto_created:
            # A many-to-many row's own id means nothing; dumpdata keeps the list, not the ids.
            rows = sorted((row[1:] if model._meta.auto_created else row for row in rows), key=repr)
        tables[model._meta.db_table] = rows
    return tables
