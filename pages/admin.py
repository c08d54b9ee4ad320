"""The desk's pages and menu links: written, previewed, translated and published with the
articles' workflow (pages/editorial.py); every save a revision."""

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles.admin.desk import DeskAdminMixin
from articles.editorial import workflow
from articles.languages import site_languages
from articles.wording import fill

from . import editorial
from .forms import PageForm
from .models import MenuLink, Page

PAGE_TEXT_LABELS = {
    "title": gettext_lazy("Title"),
    "slug": gettext_lazy("Slug"),
    "body": gettext_lazy("Body"),
}


@admin.register(Page)
class PageAdmin(DeskAdminMixin, admin.ModelAdmin):
    form = PageForm
    list_display = ["title", "language", "status", "translation_of", "updated_at"]
    list_filter = ["language", "status"]
    list_select_related = ["translation_of"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["translation_of"]
    readonly_fields = ["last_edited"]
    actions = ["submit_selected", "publish_selected", "withdraw_selected"]
    revision_template = "admin/pages/page/revision_detail.html"
    text_labels = PAGE_TEXT_LABELS
    fieldsets = [
        (None, {"fields": ["title", "slug", "language", "translation_of", "status"]}),
        (gettext_lazy("Text"), {"fields": ["body", "version", "last_edited"]}),
    ]

    def save_related(self, request, form, formsets, change):
        editorial.save(
            form.instance,
            request.user,
            seen_version=form.cleaned_data.get("version") if change else None,
            comment=_("Saved.") if change else _("Created."),
        )

    def view_on_site(self, page):
        # Only a published page is on the site; the others have the preview.
        return page.get_absolute_url() if page.is_public() else None

    def get_search_results(self, request, queryset, search_term):
        # The "translation of" picker offers originals only.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("model_name") == "page" and request.GET.get("field_name") == (
            "translation_of"
        ):
            queryset = queryset.filter(translation_of__isnull=True)
        return queryset, may_have_duplicates

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        original = initial.get("translation_of")
        if original and str(original).isdigit():
            source = Page.objects.filter(pk=original).first()
            if source is not None:
                # The text to translate; the title is typed anew, and the address with it.
                initial.setdefault("body", source.body)
        return initial

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["page_preview_url"] = reverse_preview(obj)
            context["translate_into"] = self.translate_into(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def translate_into(self, request, page) -> list[dict]:
        """“Translate into German” (the add form with the original and the language filled
        in) for each site language the page has no version in yet, else “German translation”."""
        original = page.translation_of or page
        existing = dict(page.versions().values_list("language", "pk"))
        may_add = self.has_add_permission(request)
        links = []
        for language in site_languages():
            name = str(language.label)  # in the editor's language
            if language.code == page.language:
                continue
            if language.code in existing:
                links.append(
                    {
                        "url": reverse("admin:pages_page_change", args=[existing[language.code]]),
                        "label": fill(_("%(language)s translation"), {"language": name}),
                    }
                )
            elif may_add:
                query = urlencode({"translation_of": original.pk, "language": language.code})
                links.append(
                    {
                        "url": f"{reverse('admin:pages_page_add')}?{query}",
                        "label": fill(_("Translate into %(language)s"), {"language": name}),
                    }
                )
        return links

    def bulk(self, request, queryset, step, done):
        moved = 0
        for pk in queryset.order_by().values_list("pk", flat=True):
            try:
                with transaction.atomic():
                    page = step(pk, request.user)
            except workflow.WorkflowError as error:
                item = Page.objects.filter(pk=pk).first() or pk
                messages.error(request, _("“%(item)s”: %(why)s") % {"item": item, "why": error})
                continue
            self.log_change(request, page, done)
            moved += 1
            messages.success(request, _("“%(item)s”: %(done)s") % {"item": page, "done": done})
        return moved

    @admin.action(description=gettext_lazy("Submit selected pages for review"))
    def submit_selected(self, request, queryset):
        self.bulk(request, queryset, editorial.submit, _("submitted for review."))

    @admin.action(description=gettext_lazy("Publish selected pages"), permissions=["publish"])
    def publish_selected(self, request, queryset):
        self.bulk(request, queryset, editorial.publish, _("published."))

    @admin.action(description=gettext_lazy("Withdraw selected pages"), permissions=["publish"])
    def withdraw_selected(self, request, queryset):
        self.bulk(request, queryset, editorial.withdraw, _("withdrawn."))

    def restore_view(self, request, object_id, revision_id):
        seen = request.POST.get("version", "")
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        try:
            obj = editorial.restore(
                obj.pk,
                revision_id,
                request.user,
                seen_version=int(seen) if seen.isdigit() else None,
            )
        except editorial.Conflict:
            messages.error(request, _("This was saved again since you opened the version."))
            return HttpResponseRedirect(request.path)
        except workflow.WorkflowError as error:
            raise Http404(str(error)) from None
        self.log_change(request, obj, _("Restored an earlier version."))
        self.message_user(request, _("Restored. The restore is a new revision."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:pages_page_change", args=[obj.pk]))


def reverse_preview(page) -> str:
    from django.utils.translation import override

    with override(page.language):
        return reverse("pages:page-preview", kwargs={"pk": page.pk})


@admin.register(MenuLink)
class MenuLinkAdmin(admin.ModelAdmin):
    list_display = ["label", "place", "language", "target", "position"]
    list_editable = ["position"]
    list_filter = ["place", "language"]
    list_select_related = ["page"]
    search_fields = ["label", "url", "page__title"]
    autocomplete_fields = ["page"]
    fields = ["place", "language", "label", "page", "url", "position"]

    @admin.display(description=gettext_lazy("links to"))
    def target(self, link):
        if link.page_id is None:
            return link.url
        if not link.page.is_public():
            return format_html(
                "{} <em>({})</em>", link.page.title, _("not published: readers see no link")
            )
        return link.page.title
