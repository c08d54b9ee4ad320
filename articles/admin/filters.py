"""List filters for the desk: status (with scheduled), author, tag, stale translations."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from ..models import Author, PublicationState


class PublicationStateFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return PublicationState.choices

    def queryset(self, request, queryset):
        if self.value() in PublicationState.values:
            return queryset.in_state(self.value())
        return queryset


class AuthorFilter(admin.SimpleListFilter):
    title = _("author")
    parameter_name = "author"

    def lookups(self, request, model_admin):
        return Author.objects.filter(bylines__isnull=False).distinct().values_list("pk", "name")

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(bylines__author_id=self.value()).distinct()
        return queryset


class TagFilter(admin.SimpleListFilter):
    title = _("tag")
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        return (
            Tag.objects.filter(articles_taggedarticle_items__isnull=False)
            .distinct()
            .values_list("slug", "name")
        )

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(tags__slug=self.value()).distinct()
        return queryset


class StaleTranslationFilter(admin.SimpleListFilter):
    title = _("translations")
    parameter_name = "translations"

    def lookups(self, request, model_admin):
        return [("stale", _("with a stale translation")), ("none", _("not translated"))]

    def queryset(self, request, queryset):
        if self.value() == "stale":
            return queryset.filter(translations__is_stale=True).distinct()
        if self.value() == "none":
            return queryset.filter(translations__isnull=True)
        return queryset


class StaleFilter(admin.SimpleListFilter):
    """For the translation list: which translations lag behind their original."""

    title = _("up to date")
    parameter_name = "stale"

    def lookups(self, request, model_admin):
        return [("yes", _("stale")), ("no", _("current"))]

    def queryset(self, request, queryset):
        if self.value() in {"yes", "no"}:
            return queryset.filter(is_stale=self.value() == "yes")
        return queryset
