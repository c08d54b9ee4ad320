"""The media library at the desk: pictures with their credits, focal points and texts in other
languages, where each is used, and the embeds articles show; and the picker the body editor
uses to insert them."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from reversion.admin import VersionAdmin

from ..media import library
from ..media.figures import thumbnail_url
from ..models import Embed, MediaImage, MediaImageTranslation
from .forms import LanguageChoiceForm, UploadedImageField, text_field_overrides

PICKER_RESULTS = 24


class MediaImageTranslationInline(admin.TabularInline):
    model = MediaImageTranslation
    form = LanguageChoiceForm
    extra = 1
    fields = ["language", "alt", "caption"]
    verbose_name_plural = gettext_lazy("alt text and caption in other languages")


class CreditFilter(admin.SimpleListFilter):
    title = gettext_lazy("ready to publish")
    parameter_name = "ready"

    def lookups(self, request, model_admin):
        return [("yes", _("Has alt text and a credit")), ("no", _("Lacks alt text or a credit"))]

    def queryset(self, request, queryset):
        lacking = Q(alt="") | Q(credit="")
        if self.value() == "yes":
            return queryset.exclude(lacking)
        if self.value() == "no":
            return queryset.filter(lacking)
        return queryset


class UsedFilter(admin.SimpleListFilter):
    title = gettext_lazy("used")
    parameter_name = "used"

    def lookups(self, request, model_admin):
        return [("yes", _("In articles")), ("no", _("Nowhere"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(uses__isnull=self.value() == "no").distinct()
        return queryset


class MediaImageForm(LanguageChoiceForm):
    class Meta:
        model = MediaImage
        fields = [
            "title",
            "slug",
            "file",
            "focal_x",
            "focal_y",
            "language",
            "alt",
            "caption",
            "credit",
            "creator",
            "copyright_notice",
            "license_url",
            "acquire_license_url",
            "source_url",
        ]
        field_classes = {"file": UploadedImageField}


@admin.register(MediaImage)
class MediaImageAdmin(VersionAdmin):
    """The library, with django-reversion's History: each save of a picture's texts and
    rights is a version, and an older one can be brought back."""

    form = MediaImageForm
    list_display = ["thumbnail", "title", "slug", "credit", "language", "use_count", "created_at"]
    list_display_links = ["thumbnail", "title"]
    list_filter = [CreditFilter, UsedFilter, "language", "created_at"]
    search_fields = [
        "title",
        "slug",
        "alt",
        "caption",
        "credit",
        "creator",
        "localizations__alt",
        "localizations__caption",
    ]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [MediaImageTranslationInline]
    formfield_overrides = text_field_overrides()
    readonly_fields = ["focal_point_picker", "used_in", "created_by", "created_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "file"]}),
        (
            gettext_lazy("Focal point"),
            {
                "fields": ["focal_point_picker", ("focal_x", "focal_y")],
                "description": gettext_lazy(
                    "Click the picture where crops should centre (a face, the subject)."
                ),
            },
        ),
        (gettext_lazy("For readers"), {"fields": ["language", "alt", "caption"]}),
        (
            gettext_lazy("Credit and rights"),
            {
                "fields": [
                    "credit",
                    "creator",
                    "copyright_notice",
                    "license_url",
                    "acquire_license_url",
                    "source_url",
                ]
            },
        ),
        (gettext_lazy("Used in"), {"fields": ["used_in", "created_by", "created_at"]}),
    ]

    class Media:
        css = {"all": ["articles/admin.css"]}
        js = ["articles/focal.js"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(use_total=Count("uses"))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("articles.add_mediaimage"):
            # Translators (roles.py) write the texts in other languages, below; the picture
            # itself, its credit and rights are the newsroom's.
            fields += [name for name in self.form._meta.fields if name not in fields]
        return fields

    def get_prepopulated_fields(self, request, obj=None):
        if not request.user.has_perm("articles.add_mediaimage"):
            return {}  # the reference is read-only to them
        return super().get_prepopulated_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=gettext_lazy("picture"))
    def thumbnail(self, image):
        if not image.file:
            return ""
        return format_html(
            '<img class="library-thumbnail" src="{}" alt="" width="96" height="{}" loading="lazy">',
            thumbnail_url(image),
            round(96 * image.height / image.width) if image.width else 64,
        )

    @admin.display(description=gettext_lazy("uses"), ordering="use_total")
    def use_count(self, image):
        return image.use_total

    @admin.display(description=gettext_lazy("focal point"))
    def focal_point_picker(self, image):
        if not image or not image.pk or not image.width or not image.height:
            return _("Save the picture first; then click it here to set its focal point.")
        return format_html(
            '<div class="focal-picker" data-x="{}" data-y="{}">'
            '<img src="{}" alt="{}" width="{}" height="{}">'
            '<span class="focal-picker__marker" aria-hidden="true"></span></div>',
            image.focal_x,
            image.focal_y,
            thumbnail_url(image, width=960),
            _("The picture: click where crops should centre"),
            image.width,
            image.height,
        )

    @admin.display(description=gettext_lazy("articles"))
    def used_in(self, image):
        if not image or not image.pk:
            return "—"
        uses = image.uses.select_related("article").order_by("article__headline")
        if not uses:
            return _("No article uses it yet.")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a></li>',
                (
                    (reverse("admin:articles_article_change", args=[use.article_id]), use.article)
                    for use in uses
                ),
            ),
        )

    def get_urls(self):
        return [
            path(
                "picker/",
                self.admin_site.admin_view(self.picker_view),
                name="articles_mediaimage_picker",
            ),
            *super().get_urls(),
        ]

    def picker_view(self, request):
        """The library as the body editor's picker searches it: JSON, newest first."""
        if not self.has_view_permission(request):
            return JsonResponse({"error": _("You may not see the media library.")}, status=403)
        images, _distinct = self.get_search_results(
            request, MediaImage.objects.all(), request.GET.get("q", "").strip()
        )
        return JsonResponse(
            {
                "results": [
                    {
                        "reference": image.slug,
                        "title": image.title,
                        "thumbnail": thumbnail_url(image),
                        "alt": image.alt,
                        "credit": image.credit,
                        "width": image.width,
                        "height": image.height,
                    }
                    for image in images.distinct()[:PICKER_RESULTS]
                ]
            }
        )


@admin.register(Embed)
class EmbedAdmin(admin.ModelAdmin):
    list_display = ["__str__", "provider_name", "author_name", "fetched_at", "use_count"]
    list_filter = ["provider_name"]
    search_fields = ["url", "title", "author_name"]
    readonly_fields = [
        "url",
        "provider",
        "provider_name",
        "title",
        "author_name",
        "frame_url",
        "width",
        "height",
        "html",
        "fetched_at",
    ]
    actions = ["fetch_again"]

    def has_add_permission(self, request):
        # An embed is added by writing [[embed address]] in a body, which fetches it.
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(use_total=Count("uses"))

    @admin.display(description=gettext_lazy("uses"), ordering="use_total")
    def use_count(self, embed):
        return embed.use_total

    @admin.action(description=gettext_lazy("Fetch again from the provider"))
    def fetch_again(self, request, queryset):
        fetched = 0
        for embed in queryset:
            try:
                library.fetch_embeds([embed.url])
            except ValidationError as error:
                self.message_user(request, f"{embed.url}: {error.messages[0]}", messages.ERROR)
            else:
                fetched += 1
        if fetched:
            self.message_user(
                request,
                ngettext("Fetched %d embed again.", "Fetched %d embeds again.", fetched) % fetched,
                messages.SUCCESS,
            )
