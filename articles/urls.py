from django.urls import path, register_converter

from .views import article, lists, preview


class UnicodeSlugConverter:
    """Slugs as taggit makes them: letters of any script, digits, hyphens, underscores."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(UnicodeSlugConverter, "uslug")

app_name = "articles"

urlpatterns = [
    path("", lists.HomeView.as_view(), name="home"),
    path("articles/<slug:slug>/", article.ArticleDetailView.as_view(), name="article-detail"),
    path("sections/<slug:slug>/", lists.SectionDetailView.as_view(), name="section-detail"),
    path("tags/<uslug:slug>/", lists.TagDetailView.as_view(), name="tag-detail"),
    path("authors/<slug:slug>/", lists.AuthorDetailView.as_view(), name="author-detail"),
    path("archive/", lists.ArchiveIndexView.as_view(), name="archive"),
    path("archive/<int:year>/", lists.ArchiveView.as_view(), name="archive-year"),
    path("archive/<int:year>/<int:month>/", lists.ArchiveView.as_view(), name="archive-month"),
    path("corrections/", lists.CorrectionListView.as_view(), name="corrections"),
    path("search/", lists.SearchView.as_view(), name="search"),
    path(
        "preview/articles/<int:pk>/", preview.ArticlePreviewView.as_view(), name="article-preview"
    ),
    path(
        "preview/translations/<int:pk>/",
        preview.TranslationPreviewView.as_view(),
        name="translation-preview",
    ),
    path("preview/front-page/", preview.HomePreviewView.as_view(), name="front-preview"),
    path(
        "preview/front-page/sections/<slug:slug>/",
        preview.SectionPreviewView.as_view(),
        name="section-front-preview",
    ),
    path("preview/share/<str:token>/", preview.SharedPreviewView.as_view(), name="shared-preview"),
]

# Imported here, not at the top: the feeds' tag addresses need "uslug", registered above.
from .urls_feeds import urlpatterns as feed_urlpatterns  # noqa: E402

urlpatterns += feed_urlpatterns
