"""Sections and authors: the people and places articles are filed under."""

from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from ..editorial import workflow
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

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        # People readers see on published work are an editor's to change (editorial/workflow).
        return obj is None or not self._locked(request, obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or not self._locked(request, obj)

    def _locked(self, request, author):
        """workflow.author_is_locked, asked once per request and author."""
        known = request.__dict__.setdefault("locked_authors", {})
        if author.pk not in known:
            known[author.pk] = workflow.author_is_locked(author, request.user)
        return known[author.pk]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not workflow.can_publish(request.user):
            # Which staff account is this person: an editor's call, like the roles.
            fields.append("user")
        return fields

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self._locked(request, obj):
            messages.info(request, workflow.REFUSED_PERSON % {"author": obj.name})
        return super().render_change_form(request, context, add, change, form_url, obj)

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
