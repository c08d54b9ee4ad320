"""Feed addresses, inside the articles namespace (articles/urls.py adds them to its own)."""

from django.urls import path

from .feeds import AtomFeed, AuthorFeed, JsonFeed, SectionFeed, SiteFeed, TagFeed

urlpatterns = [
    path("feeds/rss.xml", SiteFeed(), name="feed-rss"),
    path("feeds/atom.xml", SiteFeed(AtomFeed), name="feed-atom"),
    path("feeds/feed.json", SiteFeed(JsonFeed), name="feed-json"),
    path("sections/<slug:slug>/rss.xml", SectionFeed(), name="section-feed-rss"),
    path("sections/<slug:slug>/atom.xml", SectionFeed(AtomFeed), name="section-feed-atom"),
    # "uslug" is registered by articles/urls.py before it imports this module.
    path("tags/<uslug:slug>/rss.xml", TagFeed(), name="tag-feed-rss"),
    path("tags/<uslug:slug>/atom.xml", TagFeed(AtomFeed), name="tag-feed-atom"),
    path("authors/<slug:slug>/rss.xml", AuthorFeed(), name="author-feed-rss"),
    path("authors/<slug:slug>/atom.xml", AuthorFeed(AtomFeed), name="author-feed-atom"),
]
