"""Sections and authors: the people and places articles are filed under."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from ..models import Author, AuthorTranslation, Section, SectionTranslation
from .forms import LanguageChoiceForm


class SectionTranslationInline(admin.TabularInline):
    model = SectionTranslation
    form = LanguageChoiceForm
    extra = 1
    fields = ["language", "name", "description"]
    verbose_name_plural = _("in other languages (the German edition's navigation, say)")


class AuthorTranslationInline(admin.StackedInline):
    model = AuthorTranslation
    form = LanguageChoiceForm
    extra = 1
    fields = ["language", "job_title", "bio"]
    verbose_name_plural = _("in other languages")


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "article_count"]
    list_editable = ["position"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SectionTranslationInline]

    def get_queryset(self, request):
        # Aggregation drops Meta.ordering, which the autocomplete's pagination needs.
        return (
            super()
            .get_queryset(request)
            .annotate(article_total=Count("articles"))
            .order_by("position", "name")
        )

    @admin.display(description=_("articles"), ordering="article_total")
    def article_count(self, section):
        return section.article_total


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "job_title", "user", "article_count"]
    list_filter = [("user", admin.EmptyFieldListFilter)]
    search_fields = ["name", "job_title", "bio"]
    prepopulated_fields = {"slug": ["name"]}
    raw_id_fields = ["user"]
    inlines = [AuthorTranslationInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("user")
            .annotate(article_total=Count("articles", distinct=True))
            .order_by("name")
        )

    @admin.display(description=_("articles"), ordering="article_total")
    def article_count(self, author):
        return author.article_total
