"""The article desk: list, change form, workflow actions, corrections and translations inline."""

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db import connection
from django.db.models import Prefetch, Q
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.formats import localize, number_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from .. import editorial, search
from ..editorial import workflow
from ..languages import site_languages
from ..markdown import render_markdown
from ..media.figures import expand
from ..models import (
    Article,
    ArticleTranslation,
    Byline,
    Correction,
    PublicationState,
)
from ..validators import BODY_MAX_LENGTH, validate_body_length
from ..wording import fill
from ..writing import writing_stats
from .desk import TextDeskAdminMixin
from .filters import (
    AuthorFilter,
    LanguageFilter,
    MineFilter,
    PublicationStateFilter,
    StaleTranslationFilter,
    TagFilter,
)
from .forms import (
    ArticleForm,
    BylineForm,
    BylineInlineFormSet,
    CorrectionForm,
    CorrectionInlineFormSet,
    describe_user,
    text_field_overrides,
)
from .lists import DeskListMixin
from .notes import NotesAdminMixin
from .share import ShareLinkAdminMixin


def body_too_long():
    """413, for a request too large to read: it holds more than any body may."""
    message = _(
        "The body can be at most %(limit)s characters long. Split a longer text into parts."
    ) % {"limit": number_format(BODY_MAX_LENGTH, force_grouping=True)}
    return JsonResponse({"error": message}, status=413)


class BylineInline(admin.TabularInline):
    model = Byline
    form = BylineForm
    formset = BylineInlineFormSet
    extra = 1
    autocomplete_fields = ["author"]
    fields = ["author", "role", "position"]
    ordering = ["position"]


class CorrectionInline(admin.StackedInline):
    model = Correction
    form = CorrectionForm
    formset = CorrectionInlineFormSet
    formfield_overrides = text_field_overrides()
    extra = 0
    can_delete = False
    fields = ["kind", "text", "noted_at"]
    verbose_name_plural = gettext_lazy("corrections and updates (shown to readers)")

    def has_change_permission(self, request, obj=None):
        # A correction, once made, stays as readers saw it; a new one says what changed.
        return False


class ArticleTranslationInline(admin.TabularInline):
    model = ArticleTranslation
    read_only = True  # see DeskAdminMixin.get_inlines
    extra = 0
    fields = ["language", "headline", "status", "translation_state", "updated_at"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    verbose_name_plural = gettext_lazy("translations (open one to edit it)")

    def has_add_permission(self, request, obj):
        return False

    @admin.display(description=gettext_lazy("up to date"))
    def translation_state(self, translation):
        if translation.is_stale:
            return format_html('<span class="stale-marker">{}</span>', _("stale"))
        return _("current")


@admin.register(Article)
class ArticleAdmin(
    NotesAdminMixin, ShareLinkAdminMixin, DeskListMixin, TextDeskAdminMixin, admin.ModelAdmin
):
    form = ArticleForm
    list_display = [
        "headline_column",
        "section",
        "state_column",
        "byline_names",
        "languages_column",
        "modified_column",
    ]
    list_display_links = ["headline_column"]
    list_filter = [
        PublicationStateFilter,
        MineFilter,
        "section",
        AuthorFilter,
        LanguageFilter,
        TagFilter,
        StaleTranslationFilter,
    ]
    list_select_related = ["section", "updated_by"]
    list_deferred_fields = ["body", "body_html", "summary", "standfirst"]
    ordering = ["-updated_at"]
    list_per_page = 50
    # "3 of 100,000" would count the whole archive on every filtered list.
    show_full_result_count = False
    search_fields = ["headline", "standfirst", "body", "slug", "bylines__author__name"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["section", "related_articles", "lead_picture"]
    inlines = [BylineInline, CorrectionInline, ArticleTranslationInline]
    actions = ["submit_for_review", "publish_now", "withdraw"]
    readonly_fields = [
        "last_edited",
        "current_state",
        "workflow_steps",
        "writing_stats",
        "revised_at",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    ]
    fieldsets = [
        (None, {"fields": ["last_edited", "version", "headline", "slug", "standfirst", "body"]}),
        (gettext_lazy("Writing"), {"fields": ["writing_stats"]}),
        (
            gettext_lazy("Filing"),
            {"fields": ["section", "language", "tags", "related_articles", "unsigned"]},
        ),
        (
            gettext_lazy("Lead image"),
            {
                "fields": ["lead_picture"],
                "description": gettext_lazy(
                    "Choose a picture from the media library (+ adds one). Pictures inside the "
                    "story go in the body: see “Insert a picture, a gallery or an embed” below it."
                ),
            },
        ),
        (
            gettext_lazy("Publication"),
            {"fields": ["current_state", "status", "published_at", "revised_at", "workflow_steps"]},
        ),
        (
            gettext_lazy("Record"),
            {
                "fields": ["created_at", "created_by", "updated_at", "updated_by"],
                "classes": ["collapse"],
            },
        ),
    ]

    def get_search_results(self, request, queryset, search_term):
        """On PostgreSQL, words in the text through the stored search documents (stemmed, and
        an index lookup rather than a scan of every body, which took seconds at 100,000
        articles), plus parts of the headline or slug and of a byline's name."""
        term = search.clean_query(search_term)
        if connection.vendor != "postgresql" or not term:
            return super().get_search_results(request, queryset, search_term)
        found = (
            Article.objects.filter(search.matching(term))
            .values("pk")
            .union(
                Article.objects.filter(
                    Q(headline__icontains=term) | Q(slug__icontains=term)
                ).values("pk"),
                Byline.objects.filter(author__name__icontains=term).values("article_id"),
            )
        )
        return queryset.filter(pk__in=found), False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("bylines", queryset=Byline.objects.select_related("author")),
                Prefetch(
                    "translations",
                    queryset=ArticleTranslation.objects.only(
                        "article_id", "language", "is_stale", "status"
                    ).order_by("language"),
                ),
            )
        )

    def get_edit_queryset(self):
        # The form's initial related articles and the revision's list of them, in one query.
        return Article.objects.prefetch_related(
            Prefetch("related_articles", queryset=Article.objects.only("pk"))
        )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not workflow.can_publish(request.user):
            # Setting the time is scheduling: an editor's call.
            fields.append("published_at")
        return fields

    def get_urls(self):
        return [
            path(
                "markdown-preview/",
                self.admin_site.admin_view(self.markdown_preview_view),
                name="articles_article_markdown_preview",
            ),
            *super().get_urls(),
        ]

    @method_decorator(csrf_exempt)
    def markdown_preview_view(self, request):
        """The body as readers will get it, rendered by the same renderer.

        A body too long to save is refused before anything reads it: CSRF protection, applied
        here rather than by the middleware, would otherwise read a request larger than Django
        accepts and answer a bare 400."""
        if int(request.META.get("CONTENT_LENGTH") or 0) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return body_too_long()
        return csrf_protect(self._markdown_preview)(request)

    def _markdown_preview(self, request):
        if request.method != "POST":
            return JsonResponse({"error": _("Send the text with POST.")}, status=405)
        user = request.user
        writes = (
            "add_article",
            "change_article",
            "add_articletranslation",
            "change_articletranslation",
        )
        if not any(user.has_perm(f"articles.{permission}") for permission in writes):
            return JsonResponse({"error": _("You may not write articles.")}, status=403)
        try:
            text = request.POST.get("text", "")
        except RequestDataTooBig:
            return body_too_long()
        try:
            validate_body_length(text)
        except ValidationError as error:
            return JsonResponse({"error": error.messages[0]}, status=413)
        language = request.POST.get("language") or settings.LANGUAGE_CODE
        # Pictures and embeds as readers will see them (those already in the library).
        html = expand(render_markdown(text), language)
        return JsonResponse({"html": html, **writing_stats(text)})

    @admin.display(description=gettext_lazy("headline"), ordering="headline")
    def headline_column(self, article):
        # The version the list was loaded with travels with a bulk action, to refuse stale ones.
        return format_html(
            '{}<input type="hidden" name="version-{}" value="{}">',
            article.headline,
            article.pk,
            article.version,
        )

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def state_column(self, article):
        state = article.publication_state
        label = PublicationState(state).label
        if state == PublicationState.SCHEDULED:
            return format_html(
                '<span class="state state--scheduled">{} · {}</span>',
                label,
                localize(template_localtime(article.published_at)),
            )
        return format_html('<span class="state state--{}">{}</span>', state, label)

    @admin.display(description=gettext_lazy("last modified"), ordering="updated_at")
    def modified_column(self, article):
        return format_html(
            '<time datetime="{}">{}</time>{}',
            article.updated_at.isoformat(),
            localize(template_localtime(article.updated_at)),
            format_html("<br>{}", describe_user(article.updated_by)) if article.updated_by else "",
        )

    @admin.display(description=gettext_lazy("now"))
    def current_state(self, article):
        return self.state_column(article) if article.pk else "—"

    @admin.display(description=gettext_lazy("bylines"))
    def byline_names(self, article):
        if not article.bylines.all():
            return _("unsigned") if article.unsigned else "—"
        return ", ".join(byline.author.name for byline in article.bylines.all())

    @admin.display(description=gettext_lazy("languages"))
    def languages_column(self, article):
        parts = [format_html("<strong>{}</strong>", article.language.upper())]
        for translation in article.translations.all():
            if translation.is_stale:
                parts.append(
                    format_html(
                        '{} <span class="stale-marker" title="{}">{}</span>',
                        translation.language.upper(),
                        _("The original changed since this translation was made."),
                        _("stale"),
                    )
                )
            else:
                parts.append(format_html("{}", translation.language.upper()))
        return format_html_join(" · ", "{}", ((part,) for part in parts))

    @admin.display(description=gettext_lazy("length"))
    def writing_stats(self, article):
        stats = writing_stats(article.body if article.pk else "")
        # desk.js keeps this up to date as the editor types.
        return format_html(
            '<span class="writing-stats" aria-live="polite">{}</span>', stats["summary"]
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is not Correction:
            return super().save_formset(request, form, formset, change)
        # Corrections are appended, never changed: each new one is an editorial action.
        formset.new_objects = [
            editorial.add_correction(
                form.instance,
                request.user,
                kind=correction_form.cleaned_data["kind"],
                text=correction_form.cleaned_data["text"],
                noted_at=correction_form.cleaned_data["noted_at"],
            )
            for correction_form in formset.extra_forms
            if correction_form.has_changed()
        ]
        formset.changed_objects, formset.deleted_objects = [], []

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["share"] = self.share_links_context(request, obj)
            context["translate_into"] = self.translation_links(request, obj)
            context["notes"] = self.notes_context(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def translation_links(self, request, article) -> list[dict]:
        """ "Translate into German" for each site language the article has no translation into
        yet (a new translation of it in that language), else "German translation"."""
        if not request.user.has_perm("articles.view_articletranslation"):
            return []
        existing = dict(article.translations.values_list("language", "pk"))
        may_add = request.user.has_perm("articles.add_articletranslation")
        links = []
        for language in site_languages():
            if language.code == article.language:
                continue
            name = str(language.label)  # in the editor's language
            if language.code in existing:
                url = reverse(
                    "admin:articles_articletranslation_change", args=[existing[language.code]]
                )
                links.append(
                    {"url": url, "label": fill(_("%(language)s translation"), {"language": name})}
                )
            elif may_add:
                url = reverse("admin:articles_articletranslation_add")
                query = urlencode({"article": article.pk, "language": language.code})
                links.append(
                    {
                        "url": f"{url}?{query}",
                        "label": fill(_("Translate into %(language)s"), {"language": name}),
                    }
                )
        return links

    @admin.action(
        description=gettext_lazy("Submit selected articles for review"), permissions=["change"]
    )
    def submit_for_review(self, request, queryset):
        self.bulk_action(request, queryset, editorial.submit, _("Submitted for review."))

    @admin.action(
        description=gettext_lazy("Publish selected articles now"), permissions=["publish"]
    )
    def publish_now(self, request, queryset):
        self.bulk_action(request, queryset, editorial.publish, _("Published."))

    @admin.action(description=gettext_lazy("Withdraw selected articles"), permissions=["publish"])
    def withdraw(self, request, queryset):
        self.bulk_action(request, queryset, editorial.withdraw, _("Withdrawn."))
