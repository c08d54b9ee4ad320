"""The article desk: list, change form, workflow actions, corrections and translations inline."""

import json

from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Prefetch, Q
from django.http import JsonResponse
from django.urls import path
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import editorial, search
from ..editorial import workflow
from ..markdown import render_markdown
from ..models import (
    Article,
    ArticleTranslation,
    Byline,
    Correction,
    PublicationState,
)
from ..writing import writing_stats
from .filters import (
    AuthorFilter,
    LanguageFilter,
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
    describe_moment,
    describe_user,
    text_field_overrides,
)
from .history import RevisionAdminMixin
from .share import ShareLinkAdminMixin


class DeskAdminMixin(RevisionAdminMixin):
    """What articles and translations share: roles, workflow steps, stamps, stale-form checks.

    Every change goes through the editorial actions (editorial/): the change form locks the row
    when it loads it and saves with editorial.save(); bulk actions, History and share links call
    their own actions. The object is loaded once per request.
    """

    formfield_overrides = text_field_overrides()

    class Media:
        css = {"all": ["articles/admin.css"]}
        js = ["articles/desk.js"]

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        # Published, scheduled and withdrawn work is read-only to all but publishers.
        return obj is None or not workflow.is_locked(obj, request.user)

    def has_publish_permission(self, request):
        return workflow.can_publish(request.user)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A POST to an existing object's form changes it: get_object() locks the row, inside
        # the transaction Django's changeform_view runs in.
        request.desk_edits = request.method == "POST" and object_id is not None
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_object(self, request, object_id, from_field=None):
        """The object, loaded once per request; locked for an edit (see changeform_view)."""
        loaded = request.__dict__.setdefault("desk_objects", {})
        key = (self.model, object_id, from_field)
        if key not in loaded:
            loaded[key] = self._load_object(request, object_id, from_field)
        return loaded[key]

    def _load_object(self, request, object_id, from_field):
        if not getattr(request, "desk_edits", False) or from_field is not None:
            return super().get_object(request, object_id, from_field)
        try:
            pk = self.model._meta.pk.to_python(object_id)
            return editorial.lock(self.model, pk, queryset=self.get_edit_queryset())
        except (self.model.DoesNotExist, ValidationError, ValueError):
            return None

    def get_edit_queryset(self):
        """What a change form's save reads with the object (it is locked)."""
        return self.model._default_manager.all()

    def get_inlines(self, request, obj):
        inlines = super().get_inlines(request, obj)
        if getattr(request, "desk_edits", False):
            # Read-only lists have nothing to submit: not bound, not read, on a save.
            inlines = [inline for inline in inlines if not getattr(inline, "read_only", False)]
        return inlines

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user
        return form

    def save_model(self, request, obj, form, change):
        """Nothing yet: editorial.save() writes the object with its relations (save_related)."""

    def save_related(self, request, form, formsets, change):
        obj = form.instance

        def relations():
            super(DeskAdminMixin, self).save_related(request, form, formsets, change)

        def comment():
            message = self.construct_change_message(request, form, formsets, not change)
            entry = LogEntry(change_message=json.dumps(message))
            return entry.get_change_message() or (
                _("Saved unchanged.") if change else _("Created.")
            )

        editorial.save(
            obj,
            request.user,
            seen_version=form.cleaned_data.get("version") if change else None,
            relations=relations,
            comment=comment,
            event=self.save_event(request, obj),
        )

    def save_event(self, request, obj):
        """The domain event of a desk save, if not the one its status change makes."""
        return None

    @admin.display(description=gettext_lazy("last edited"))
    def last_edited(self, obj):
        if not obj.pk:
            return "—"
        return describe_moment(obj.updated_by, obj.updated_at)

    @admin.display(description=gettext_lazy("workflow"))
    def workflow_steps(self, obj):
        steps = obj.status_changes.select_related("changed_by")[:20] if obj.pk else []
        if not steps:
            return "—"
        return format_html(
            '<ol class="workflow-steps">{}</ol>',
            format_html_join(
                "",
                "<li>{} → <strong>{}</strong> · {}</li>",
                (
                    (
                        step.get_from_status_display() or _("new"),
                        step.get_to_status_display(),
                        describe_moment(step.changed_by, step.changed_at),
                    )
                    for step in steps
                ),
            ),
        )

    def bulk_action(self, request, queryset, action, done):
        """Take `action` (an editorial action) on each selected item, reporting per item.

        Each item in a transaction of its own, on its row as stored now; one changed since the
        list was shown (its version-<pk> field) is skipped, and the editor told by whom.
        """
        moved = 0
        for pk in queryset.order_by().values_list("pk", flat=True):
            seen = request.POST.get(f"version-{pk}")
            try:
                with transaction.atomic():
                    obj = action(
                        self.model,
                        pk,
                        request.user,
                        seen_version=int(seen) if seen and seen.isdigit() else None,
                    )
            except editorial.Conflict as conflict:
                current = conflict.current
                messages.error(
                    request,
                    _(
                        "“%(item)s” was changed by %(who)s since you loaded the list; nothing "
                        "was done to it. Reload the list and try again."
                    )
                    % {
                        "item": current,
                        "who": describe_moment(current.updated_by, current.updated_at),
                    },
                )
                continue
            except workflow.MayNotChange:
                item = self.model._default_manager.filter(pk=pk).first()
                messages.error(request, _("“%s”: you may not change it.") % item)
                continue
            except (workflow.WorkflowError, self.model.DoesNotExist) as error:
                item = self.model._default_manager.filter(pk=pk).first() or pk
                messages.error(request, _("“%(item)s”: %(why)s") % {"item": item, "why": error})
                continue
            self.log_change(request, obj, done)
            moved += 1
            messages.success(request, _("“%(item)s”: %(done)s") % {"item": obj, "done": done})
        return moved


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
class ArticleAdmin(ShareLinkAdminMixin, DeskAdminMixin, admin.ModelAdmin):
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
        "section",
        AuthorFilter,
        LanguageFilter,
        TagFilter,
        StaleTranslationFilter,
    ]
    list_select_related = ["section", "updated_by"]
    ordering = ["-updated_at"]
    list_per_page = 50
    # "3 of 100,000" would count the whole archive on every filtered list.
    show_full_result_count = False
    search_fields = ["headline", "standfirst", "body", "slug", "bylines__author__name"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["section", "related_articles"]
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
                "fields": [
                    "lead_image",
                    "lead_image_alt",
                    "lead_image_caption",
                    "lead_image_credit",
                ],
                "classes": ["collapse"],
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

    def markdown_preview_view(self, request):
        """The body as readers will get it, rendered by the same renderer."""
        if request.method != "POST":
            return JsonResponse({"error": _("Send the text with POST.")}, status=405)
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            return JsonResponse({"error": _("You may not write articles.")}, status=403)
        text = request.POST.get("text", "")
        return JsonResponse({"html": render_markdown(text), **writing_stats(text)})

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
        return super().render_change_form(request, context, add, change, form_url, obj)

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
