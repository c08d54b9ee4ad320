"""The site's pages as readers see them, and the staff preview of a page in any state."""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView

from articles import seo
from articles.languages import site_languages
from articles.markdown import opening_sentence
from articles.models import Status
from articles.views.mixins import SurrogateKeysMixin, with_document_title

from .models import Page


class PageDetailView(SurrogateKeysMixin, DetailView):
    """A published page in the language of its address; its translations are the language
    switcher's links and the hreflang alternates."""

    template_name = "pages/page_detail.html"
    context_object_name = "page"

    def get_queryset(self):
        return Page.objects.published()

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            if self.gone():
                return TemplateResponse(request, "410.html", status=410)
            raise

    def gone(self) -> bool:
        """A withdrawn page is gone, as a withdrawn article is (articles/views/article.py)."""
        return Page.objects.withdrawn().filter(**self.address()).exists()

    def address(self) -> dict:
        return {"language": get_language(), "slug": self.kwargs["slug"]}

    def get_object(self, queryset=None):
        try:
            return self.get_queryset().get(**self.address())
        except Page.DoesNotExist:
            raise Http404 from None

    def versions(self, page) -> list[Page]:
        """The page and its translations that readers can see, in the site's language order."""
        versions = {version.language: version for version in self.visible(page.versions())}
        versions[page.language] = page
        return [versions[lang.code] for lang in site_languages() if lang.code in versions]

    def visible(self, versions):
        return versions.published().only("pk", "slug", "language", "status")

    def surrogate_keys(self, context):
        return {f"page-{version.pk}" for version in context["versions"]}

    def get_context_data(self, **kwargs):
        page = self.object
        versions = self.versions(page)
        names = {language.code: language.label for language in site_languages()}
        links = [
            {"code": v.language, "name": names[v.language], "url": v.get_absolute_url()}
            for v in versions
        ]
        alternates = [(link["code"], link["url"]) for link in links]
        meta = seo.page_meta(
            self.request,
            title=page.title,
            description=opening_sentence(page.body_html) or page.title,
            canonical=page.get_absolute_url(),
            locale=page.language,
            alternates=alternates if len(alternates) > 1 else (),
            x_default=alternates[0][1] if len(alternates) > 1 else None,
        )
        return super().get_context_data(
            versions=versions,
            language_links=links,
            meta=with_document_title(meta, page.title),
            **kwargs,
        )


class PagePreviewView(PermissionRequiredMixin, PageDetailView):
    """Any page, whatever its state, at its reader layout, for staff who may view pages; never
    cached, never indexed. Anyone not logged in gets 404 (as for articles' previews)."""

    permission_required = "pages.view_page"

    @method_decorator(never_cache)
    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        response.headers["X-Robots-Tag"] = "noindex"
        return response

    def has_permission(self):
        return self.request.user.is_staff and super().has_permission()

    def handle_no_permission(self):
        if not self.request.user.is_authenticated:
            raise Http404
        return super().handle_no_permission()

    def get_queryset(self):
        return Page.objects.all()

    def gone(self) -> bool:
        return False  # the preview names a page by its number: any state shows, or nothing

    def get_object(self, queryset=None):
        try:
            return self.get_queryset().get(pk=self.kwargs["pk"])
        except Page.DoesNotExist:
            raise Http404 from None

    def visible(self, versions):
        return versions.only("pk", "slug", "language", "status")

    def get_context_data(self, **kwargs):
        page = self.object
        preview = {
            "is_public": page.is_public(),
            "state_label": Status(page.status).label,
            "translation": page if page.translation_of_id else None,
        }
        return super().get_context_data(preview=preview, **kwargs)
