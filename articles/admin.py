from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Prefetch
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import (
    PUBLISHING_STATUSES,
    Article,
    ArticleTranslation,
    Author,
    Byline,
    Section,
    Status,
)

PUBLISH_PERMISSION = "articles.publish_article"


class PublishingStatusForm(forms.ModelForm):
    """Only holders of the publish permission may move text into or out of publication."""

    can_publish = False

    def clean_status(self):
        status = self.cleaned_data["status"]
        previous = self.instance.status  # a new object's default, or the stored status
        touches_publication = status in PUBLISHING_STATUSES or previous in PUBLISHING_STATUSES
        if status != previous and touches_publication and not self.can_publish:
            raise forms.ValidationError(
                _("You may not publish or withdraw; ask an editor. Save as draft or in review.")
            )
        return status


class PublishingPermissionMixin:
    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.can_publish = request.user.has_perm(PUBLISH_PERMISSION)
        return form

    def has_publish_permission(self, request):
        return request.user.has_perm(PUBLISH_PERMISSION)

    class Media:
        css = {"all": ["articles/admin.css"]}


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "article_count"]
    list_editable = ["position"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}

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


class BylineInline(admin.TabularInline):
    model = Byline
    extra = 1
    autocomplete_fields = ["author"]
    fields = ["author", "role", "position"]
    ordering = ["position"]


class ArticleTranslationInline(admin.TabularInline):
    model = ArticleTranslation
    extra = 0
    fields = ["language", "headline", "status", "updated_at"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    verbose_name_plural = _("translations (open one to edit it)")

    def has_add_permission(self, request, obj):
        return False


@admin.register(Article)
class ArticleAdmin(PublishingPermissionMixin, admin.ModelAdmin):
    form = PublishingStatusForm
    list_display = [
        "headline",
        "section",
        "status",
        "published_at",
        "byline_names",
        "language",
        "updated_at",
    ]
    list_filter = ["status", "section", "language", "published_at"]
    list_select_related = ["section"]
    search_fields = ["headline", "standfirst", "body", "slug"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["section", "related_articles"]
    inlines = [BylineInline, ArticleTranslationInline]
    actions = ["publish_selected", "withdraw_selected"]
    readonly_fields = ["created_at", "updated_at", "created_by", "updated_by"]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "standfirst", "body"]}),
        (_("Filing"), {"fields": ["section", "language", "tags", "related_articles"]}),
        (
            _("Lead image"),
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
        (_("Publication"), {"fields": ["status", "published_at"]}),
        (
            _("History"),
            {
                "fields": ["created_at", "created_by", "updated_at", "updated_by"],
                "classes": ["collapse"],
            },
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("bylines", queryset=Byline.objects.select_related("author")))
        )

    @admin.display(description=_("byline"))
    def byline_names(self, article):
        return ", ".join(byline.author.name for byline in article.bylines.all())

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        if "status" in form.changed_data and obj.status == Status.PUBLISHED:
            obj.publish()
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Publish selected articles"), permissions=["publish"])
    def publish_selected(self, request, queryset):
        count = 0
        for article in queryset.exclude(status=Status.PUBLISHED):
            article.publish()
            article.updated_by = request.user
            article.save()
            count += 1
        self.message_user(
            request,
            ngettext("%d article published.", "%d articles published.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Withdraw selected articles"), permissions=["publish"])
    def withdraw_selected(self, request, queryset):
        count = 0
        for article in queryset.filter(status=Status.PUBLISHED):
            article.withdraw()
            article.updated_by = request.user
            article.save()
            count += 1
        self.message_user(
            request,
            ngettext("%d article withdrawn.", "%d articles withdrawn.", count) % count,
            messages.SUCCESS,
        )


@admin.register(ArticleTranslation)
class ArticleTranslationAdmin(PublishingPermissionMixin, admin.ModelAdmin):
    form = PublishingStatusForm
    list_display = ["headline", "article", "language", "status", "is_up_to_date", "updated_at"]
    list_filter = ["language", "status"]
    list_select_related = ["article"]
    search_fields = ["headline", "standfirst", "body", "article__headline"]
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["article", "translators"]
    readonly_fields = ["source_digest", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["article", "language", "headline", "slug", "standfirst", "body"]}),
        (_("Translation"), {"fields": ["translators", "status", "source_digest"]}),
        (_("History"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    @admin.display(description=_("up to date"), boolean=True)
    def is_up_to_date(self, translation):
        return not translation.is_stale
