"""What the newsroom's models share: edit records with versions, per-language texts, slugs as
natural keys, and the stored search documents."""

import hashlib

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..validators import EARLIEST_MOMENT, LATEST_MOMENT, validate_moment


class SlugManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Localized:
    """Fields an editor may give per language (in a `localizations` relation), with fallback."""

    def localized(self, field: str, language: str | None = None):
        language = language or get_language()
        # A queryset may have fetched the reader's text already (see rows.local_texts()).
        fetched = getattr(self, f"local_{field}", None)
        if fetched is not None and language == get_language():
            return fetched or getattr(self, field)
        # .all() so that a prefetch_related("localizations") serves every call without a query.
        for localization in self.localizations.all():
            if localization.language == language and getattr(localization, field):
                return getattr(localization, field)
        return getattr(self, field)


def staff_user_field(verbose_name, **options):
    """Which staff account did something; kept as "unknown" if the account is deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        **options,
    )


class WebAddressField(models.URLField):
    """A URL field whose form takes an address typed without a scheme as https://, as Django
    6.0 will; until then it warns on every form built from a plain URLField."""

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})


class MomentInRange(models.CheckConstraint):
    """A time in the range validate_moment() allows, checked by the database on every write.

    Not checked again in Python: the field's validator says the same to forms and fixtures,
    with the field's name and without a query per constraint and object.
    """

    def validate(self, model, instance, exclude=None, using=None):
        return


def moments_in_range(model: str, *fields: str) -> list[models.CheckConstraint]:
    """A named CHECK for each of `fields` (times): in the range validate_moment() allows, so
    that no write, at the desk or not, stores a time the site cannot read back."""
    return [
        MomentInRange(
            condition=models.Q(**{f"{field}__gte": EARLIEST_MOMENT, f"{field}__lt": LATEST_MOMENT}),
            name=f"{model}_{field}_in_range",
        )
        for field in fields
    ]


class EditedRecord(models.Model):
    """Who made it and who last edited it, when, and a version that counts the saves."""

    # Editable so that change forms carry it back; the desk's form keeps it hidden.
    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        help_text=_("Counts saves, so that a form opened before someone else saved is refused."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, validators=[validate_moment])
    updated_at = models.DateTimeField(_("updated"), auto_now=True, validators=[validate_moment])
    created_by = staff_user_field(_("created by"), editable=False)
    updated_by = staff_user_field(_("last edited by"), editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self.version += 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version", "updated_at"}
        super().save(*args, **kwargs)


class SearchDocumentField(SearchVectorField):
    """The text as PostgreSQL's full-text search reads it, kept current by a database trigger
    (migration 0009_stored_search_documents) on every write, bulk ones and fixtures included.
    Unused on SQLite. Never serialized (fixtures, dumps and revisions leave it out: the trigger
    remakes it), and deferred by the managers: pages never need it in Python."""

    def __init__(self, *args, **kwargs):
        kwargs.update(null=True, blank=True, editable=False, serialize=False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        for key in ("null", "blank", "editable", "serialize"):
            kwargs.pop(key, None)
        return name, "articles.models.article.SearchDocumentField", args, kwargs


class WithoutSearchDocument:
    """A manager mixin: rows come without their search document unless asked for."""

    def get_queryset(self):
        return super().get_queryset().defer("search_document")


def normalize_newlines(text: str) -> str:
    # Browsers submit textareas with CRLF; an unedited save must not look like a text change.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def text_digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
