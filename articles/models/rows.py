"""Query shapes that read related rows with their owner, in the owner's own query: a to-many
relation as one JSON column, and an owner's text in the reader's language as one column."""

from datetime import UTC

from django.db import models
from django.db.models.functions import Coalesce, JSONObject
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language


class JSONList(models.Aggregate):
    """A JSON array of the group's values: json_group_array on SQLite, jsonb_agg on PostgreSQL."""

    function = "JSON_GROUP_ARRAY"
    output_field = models.JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSONB_AGG", **extra_context)


def owned_rows(queryset, owner_field, owner="pk", **fields):
    """The rows of `queryset` that belong to the annotated row, as one JSON array column: a
    to-many relation read with its owner, in the owner's query. `fields` name each row's keys
    and the lookups they come from, as for JSONObject()."""
    rows = queryset.filter(**{owner_field: models.OuterRef(owner)}).order_by().values(owner_field)
    return models.Subquery(rows.annotate(rows=JSONList(JSONObject(**fields))).values("rows"))


def json_datetime(value):
    """A datetime that came back from the database inside JSON, aware (JSON keeps no type)."""
    moment = parse_datetime(str(value))
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)


def local_text(model, field, language=None, owner="pk"):
    """`field` of the text in `language` (default: the reader's) of a Section or Author (a
    `model` with `localizations`), "" if there is none; for annotate(), so that pages read
    per-language texts without a query of their own. `owner` names the owner's id in the
    annotated query ("pk", or e.g. "section_id")."""
    relation = model._meta.get_field("localizations")
    # At most one text per owner and language (a unique constraint): no ordering, which would
    # join the owner's table again for its Meta.ordering.
    texts = (
        relation.related_model.objects.filter(
            **{relation.field.name: models.OuterRef(owner)}, language=language or get_language()
        )
        .order_by()
        .values(field)[:1]
    )
    return Coalesce(models.Subquery(texts), models.Value(""), output_field=models.TextField())


def local_texts(model, *fields, language=None) -> dict:
    """Annotations local_<field> of a Section's or Author's texts in `language` (default: the
    reader's), which localized() then reads without a query: `.annotate(**local_texts(...))`."""
    return {f"local_{field}": local_text(model, field, language) for field in fields}
