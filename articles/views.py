from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from .models import Article, Author, Section


class PublishedArticleListView(ListView):
    """Base for every public list: only what published() lets through, in fixed queries."""

    context_object_name = "articles"
    paginate_by = 20

    def get_queryset(self):
        # Teasers never show the body, so it stays in the database.
        return Article.objects.published().with_relations().defer("body", "body_html")


class HomeView(PublishedArticleListView):
    template_name = "articles/article_list.html"


class SectionDetailView(PublishedArticleListView):
    template_name = "articles/section_detail.html"

    def get_queryset(self):
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        return super().get_queryset().filter(section=self.section)

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


class TagDetailView(PublishedArticleListView):
    template_name = "articles/tag_detail.html"
    # A tag used only on drafts must not reveal itself.
    allow_empty = False

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return super().get_queryset().filter(tags=self.tag)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


class AuthorDetailView(PublishedArticleListView):
    template_name = "articles/author_detail.html"

    def get_queryset(self):
        self.author = get_object_or_404(Author, slug=self.kwargs["slug"])
        return super().get_queryset().filter(bylines__author=self.author).distinct()

    def get_context_data(self, **kwargs):
        return super().get_context_data(author=self.author, **kwargs)


class ArticleDetailView(DetailView):
    context_object_name = "article"

    def get_queryset(self):
        return (
            Article.objects.published()
            .with_relations()
            .prefetch_related(
                Prefetch(
                    "related_articles",
                    queryset=Article.objects.published().only("headline", "slug", "language"),
                    to_attr="public_related_articles",
                )
            )
        )
