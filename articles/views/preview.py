"""Work in any state at its reader layout: staff previews and share links."""

from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.generic import DetailView

from ..models import Article, ArticleTranslation, PublicationState, ShareLink, Status
from ..reading import ReaderArticle
from .article import ArticleDetailView
from .lists import HomeView, SectionDetailView


def describe_preview(article, translation=None, share_link=None, now=None):
    """What the preview banner says: the state of the work shown, and the link's expiry."""
    now = now or timezone.now()
    if translation is None:
        state = article.publication_state
        is_public = article.is_public(now)
    else:
        # is_public() asks the article; hand it the one just loaded instead of a second query.
        translation.article = article
        is_public = translation.is_public(now)
        # A published translation of a scheduled article goes out with it.
        scheduled = translation.status == Status.PUBLISHED and article.is_scheduled(now)
        state = PublicationState.SCHEDULED if scheduled else PublicationState(translation.status)
    return {
        "state": state,
        "state_label": PublicationState(state).label,
        "scheduled_for": article.published_at if state == PublicationState.SCHEDULED else None,
        "is_public": is_public,
        "translation": translation,
        "original_state_label": article.publication_state.label if translation else None,
        "expires_at": share_link.expires_at if share_link else None,
    }


class PreviewMixin:
    """Work in any state at its reader layout: never cached, never indexed, always labelled."""

    keeps_story = False

    @method_decorator(never_cache)
    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        response.headers["X-Robots-Tag"] = "noindex"
        return response

    def get(self, request, *args, **kwargs):
        # By primary key or share link, not by the readers' slug resolution.
        article_pk, translation = self.get_preview_subject()
        article = get_object_or_404(self.get_queryset(), pk=article_pk)
        self.preview = describe_preview(article, translation, self.get_share_link())
        return self.show(ReaderArticle(article, get_language(), translation))

    def get_articles(self):
        return Article.objects.all()

    def last_modified(self, context):
        # Unpublished work changes without telling readers: no date to revalidate against.
        return None

    def get_preview_subject(self):
        """The pk of the article to show, and the translation to show it in (or None)."""
        return self.kwargs["pk"], None

    def get_share_link(self):
        return None

    def get_context_data(self, **kwargs):
        return super().get_context_data(preview=self.preview, **kwargs)


class StaffPreviewMixin(PermissionRequiredMixin):
    """Logged-in staff who may view articles. Anyone not logged in gets 404, as for any unknown
    page: a redirect to the desk's login would tell them where the desk is (DJANGO_ADMIN_PATH).
    Staff reach previews from the desk, logged in; other accounts are refused (403)."""

    permission_required = "articles.view_article"

    def has_permission(self):
        return self.request.user.is_staff and super().has_permission()

    def handle_no_permission(self):
        if not self.request.user.is_authenticated:
            raise Http404
        return super().handle_no_permission()


class ArticlePreviewView(PreviewMixin, StaffPreviewMixin, ArticleDetailView):
    pass


class TranslationPreviewView(PreviewMixin, StaffPreviewMixin, ArticleDetailView):
    def get_preview_subject(self):
        translation = get_object_or_404(ArticleTranslation, pk=self.kwargs["pk"])
        return translation.article_id, translation


class SharedPreviewView(PreviewMixin, ArticleDetailView):
    """What a share link opens, for anyone holding it, until it expires or is revoked."""

    gone_template_name = "articles/preview_gone.html"

    def get(self, request, *args, **kwargs):
        link_pk = ShareLink.pk_from_token(self.kwargs["token"])
        if link_pk is None:
            raise Http404
        self.share_link = get_object_or_404(
            ShareLink.objects.select_related("article", "translation").defer(
                "article__search_document", "translation__search_document"
            ),
            pk=link_pk,
        )
        if not self.share_link.is_active() or self.share_link.opens_withdrawn_work():
            # Says only that the link is dead: not what it pointed to, nor why.
            return TemplateResponse(request, self.gone_template_name, status=410)
        return super().get(request, *args, **kwargs)

    def get_preview_subject(self):
        return self.share_link.article_id, self.share_link.translation

    def get_share_link(self):
        return self.share_link


class FrontPagePreviewMixin(StaffPreviewMixin):
    """A front page as readers will see it, rendered afresh for the desk's "Front page" (which
    shows it in a frame of the same site): never cached, never indexed."""

    permission_required = "articles.view_placement"
    keeps_story = False

    @method_decorator(never_cache)
    @method_decorator(xframe_options_sameorigin)
    @method_decorator(csp_replace({"frame-ancestors": [SELF]}))
    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        response.headers["X-Robots-Tag"] = "noindex"
        return response


class HomePreviewView(FrontPagePreviewMixin, HomeView):
    pass


class SectionPreviewView(FrontPagePreviewMixin, SectionDetailView):
    pass


# DetailView.get is never used: previews find their subject by primary key or share link.
assert PreviewMixin.get is not DetailView.get
