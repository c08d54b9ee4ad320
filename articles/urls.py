from django.urls import path, register_converter

from . import views


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
    path("", views.HomeView.as_view(), name="home"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="article-detail"),
    path("sections/<slug:slug>/", views.SectionDetailView.as_view(), name="section-detail"),
    path("tags/<uslug:slug>/", views.TagDetailView.as_view(), name="tag-detail"),
    path("authors/<slug:slug>/", views.AuthorDetailView.as_view(), name="author-detail"),
    path("archive/<int:year>/", views.ArchiveView.as_view(), name="archive-year"),
    path("archive/<int:year>/<int:month>/", views.ArchiveView.as_view(), name="archive-month"),
    path("corrections/", views.CorrectionListView.as_view(), name="corrections"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("preview/articles/<int:pk>/", views.ArticlePreviewView.as_view(), name="article-preview"),
    path(
        "preview/translations/<int:pk>/",
        views.TranslationPreviewView.as_view(),
        name="translation-preview",
    ),
    path("preview/share/<str:token>/", views.SharedPreviewView.as_view(), name="shared-preview"),
]

# Imported here, not at the top: the feeds' tag addresses need "uslug", registered above.
from .urls_feeds import urlpatterns as feed_urlpatterns  # noqa: E402

urlpatterns += feed_urlpatterns
