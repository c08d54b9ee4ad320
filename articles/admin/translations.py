"""The translation desk: the original beside the translation, and what changed in it since."""

from django.contrib import admin, messages
from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import editorial, search
from ..diff import field_diffs
from ..models import Article, ArticleTranslation
from ..wording import fill
from .desk import TextDeskAdminMixin
from .filters import MineFilter, PublicationStateFilter, StaleFilter
from .forms import TEXT_LABELS, TranslationForm, describe_user


@admin.register(ArticleTranslation)
class ArticleTranslationAdmin(TextDeskAdminMixin, admin.ModelAdmin):
    form = TranslationForm
    change_form_template = "admin/articles/articletranslation/change_form.html"
    list_display = ["headline", "article", "language", "status", "stale_column", "updated_at"]
    list_filter = [StaleFilter, PublicationStateFilter, MineFilter, "language"]
    list_select_related = ["article"]
    search_fields = ["headline", "standfirst", "body", "article__headline"]
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["article", "translators"]
    actions = ["mark_current", "submit_for_review"]
    readonly_fields = [
        "last_edited",
        "made_from",
        "source_changes",
        "original_text",
        "workflow_steps",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "last_edited",
                    "version",
                    "original_version",
                    "article",
                    "language",
                    "headline",
                    "slug",
                    "standfirst",
                    "body",
                ],
                "classes": ["translation-edit"],
            },
        ),
        (
            gettext_lazy("The original"),
            {
                "fields": ["made_from", "source_changes", "original_text"],
                "classes": ["translation-original"],
            },
        ),
        (gettext_lazy("Translation"), {"fields": ["translators", "status", "workflow_steps"]}),
        (gettext_lazy("Record"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_search_results(self, request, queryset, search_term):
        """On PostgreSQL, words through the stored search documents (see ArticleAdmin), plus
        parts of the headline, the slug or the original's headline."""
        term = search.clean_query(search_term)
        if connection.vendor != "postgresql" or not term:
            return super().get_search_results(request, queryset, search_term)
        found = (
            ArticleTranslation.objects.filter(search.matching(term))
            .values("pk")
            .union(
                ArticleTranslation.objects.filter(
                    Q(headline__icontains=term)
                    | Q(slug__icontains=term)
                    | Q(article__headline__icontains=term)
                ).values("pk")
            )
        )
        return queryset.filter(pk__in=found), False

    def get_queryset(self, request):
        # The article comes with each row (list_select_related), but not its search text.
        return super().get_queryset(request).defer("article__search_document")

    def get_changeform_initial_data(self, request):
        """ "Translate into …" (an article's change form) opens this form for that article and
        language, its headline, standfirst and body ready to be translated over."""
        initial = super().get_changeform_initial_data(request)
        pk = str(initial.get("article", ""))
        article = Article.objects.filter(pk=pk).first() if pk.isdigit() else None
        if article is not None:
            initial |= {
                "headline": article.headline,
                "standfirst": article.standfirst,
                "body": article.body,
            }
        return initial

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # A translation belongs to its original; moving it would mix two articles' texts.
        return [*fields, "article"] if obj else fields

    def view_on_site(self, obj):
        # Staff see any translation at its reader layout; readers' URLs come with the site.
        return reverse("articles:translation-preview", kwargs={"pk": obj.pk})

    def save_related(self, request, form, formsets, change):
        if change and "_mark_current" in request.POST:
            # The form checked that the original is the version it showed (TranslationForm).
            form.instance.record_source()
        super().save_related(request, form, formsets, change)

    def save_event(self, request, obj):
        return "translation_marked_current" if "_mark_current" in request.POST else None

    def response_change(self, request, obj):
        if "_mark_current" in request.POST:
            self.message_user(
                request, _("Marked up to date with the current original."), messages.SUCCESS
            )
        return super().response_change(request, obj)

    @admin.display(description=gettext_lazy("up to date"), boolean=True, ordering="is_stale")
    def stale_column(self, translation):
        return not translation.is_stale

    @admin.display(description=gettext_lazy("made from"))
    def made_from(self, translation):
        if not translation.pk or not translation.source_saved_at:
            return _("The version of the original that is current when you save.")
        when = localize(template_localtime(translation.source_saved_at))
        if translation.source_saved_by is None:
            text = fill(_("Made from the version of %(time)s."), {"time": when})
        else:
            text = fill(
                _("Made from the version of %(time)s by %(name)s."),
                {"time": when, "name": describe_user(translation.source_saved_by)},
            )
        if translation.is_stale:
            return format_html(
                '{} <span class="stale-marker">{}</span>',
                text,
                _("The original has changed since: this translation is stale."),
            )
        return text

    @admin.display(description=gettext_lazy("changed in the original since"))
    def source_changes(self, translation):
        if not translation.pk:
            return "—"
        before = {
            "headline": translation.source_headline,
            "standfirst": translation.source_standfirst,
            "body": translation.source_body,
        }
        article = translation.article
        now = {name: getattr(article, name) for name in TEXT_LABELS}
        changed = [diff for diff in field_diffs(before, now, TEXT_LABELS) if diff["changed"]]
        if not changed:
            return _("Nothing: the translation follows the current original.")
        return format_html_join(
            "",
            '<div class="diff"><h4>{}</h4><div class="diff__text">{}</div></div>',
            ((diff["label"], diff["diff"]) for diff in changed),
        )

    @admin.display(description=gettext_lazy("original text"))
    def original_text(self, translation):
        article = translation.article if translation.article_id else None
        if article is None:
            return _("Choose the article and save once to see its text here.")
        return format_html(
            '<div class="original" lang="{}"><p class="original__headline">{}</p>'
            '<p class="original__standfirst">{}</p><div class="original__body">{}</div></div>',
            article.language,
            article.headline,
            article.standfirst,
            article.body,
        )

    @admin.action(
        description=gettext_lazy("Mark selected translations up to date with the original"),
        permissions=["change"],
    )
    def mark_current(self, request, queryset):
        def mark(model, pk, user, *, seen_version):
            return editorial.mark_current(pk, user, seen_version=seen_version)

        self.bulk_action(request, queryset, mark, _("marked up to date."))

    @admin.action(
        description=gettext_lazy("Submit selected translations for review"),
        permissions=["change"],
    )
    def submit_for_review(self, request, queryset):
        self.bulk_action(request, queryset, editorial.submit, _("Submitted for review."))
