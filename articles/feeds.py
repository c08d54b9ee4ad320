"""RSS, Atom and JSON Feed of published articles: the whole site, a section, a tag, an author.

Thin on django.contrib.syndication. Feeds are in the active language: an article written in
another language is shown in its published translation into this one where there is one.
"""

import json
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import feedgenerator, formats, timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.xmlutils import SimplerXMLGenerator
from taggit.models import Tag

from . import cache
from .models import Article, Author, Byline, Section
from .models.rows import local_texts
from .reading import ReaderArticle, fetch_media, for_readers, read
from .site import absolute_url
from .validators import xml_text

MAX_ITEMS = 50
DUBLIN_CORE = "http://purl.org/dc/elements/1.1/"
MEDIA_RSS = "http://search.yahoo.com/mrss/"


def add_media_content(handler, picture: dict | None) -> None:
    """The lead picture as Media RSS's <media:content>, with its caption and credit."""
    if not picture:
        return
    attributes = {
        "url": picture["url"],
        "medium": "image",
        "type": picture["mime_type"],
        "width": str(picture["width"]),
        "height": str(picture["height"]),
    }
    handler.startElement("media:content", attributes)
    if picture["caption"]:
        handler.addQuickElement("media:description", picture["caption"], {"type": "plain"})
    if picture["alt"]:
        handler.addQuickElement("media:text", picture["alt"], {"type": "plain"})
    if picture["credit"]:
        handler.addQuickElement("media:credit", picture["credit"])
    if picture["copyright"]:
        handler.addQuickElement("media:copyright", picture["copyright"])
    handler.endElement("media:content")


class RssWriter(SimplerXMLGenerator):
    """Writes RSS's plain-text elements as the RSS Best Practices Profile asks: "&" and "<" as
    the hexadecimal references &#x26; and &#x3C;, which an aggregator that reads a title as
    HTML still shows as the characters (not as markup, nor as "&amp;")."""

    PLAIN_TEXT = frozenset({"title", "category", "dc:creator"})

    def addQuickElement(self, name, contents=None, attrs=None):
        if name not in self.PLAIN_TEXT or not contents:
            return super().addQuickElement(name, contents, attrs)
        self.startElement(name, attrs or {})
        self.characters("")  # the checks of characters(), and the start tag closed
        text = contents.replace("&", "&#x26;").replace("<", "&#x3C;").replace(">", "&gt;")
        self.ignorableWhitespace(text)  # written as it is: already escaped
        self.endElement(name)
        return None


class RssFeed(feedgenerator.Rss201rev2Feed):
    """RSS 2.0 that names every author as a <dc:creator>, not only the first."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Feed readers show a channel's <description> as HTML; ours is plain text (a section's
        # description, a tag's or an author's name), so it goes out as escaped HTML.
        self.feed["description"] = escape(self.feed["description"])

    def write(self, outfile, encoding):
        # Django's RssFeed.write, with the writer of plain-text elements above.
        handler = RssWriter(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        self.add_stylesheets(handler)
        handler.startElement("rss", self.rss_attributes())
        handler.startElement("channel", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        self.endChannelElement(handler)
        handler.endElement("rss")

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:dc": DUBLIN_CORE, "xmlns:media": MEDIA_RSS}

    def add_item_elements(self, handler, item):
        # Django writes the first author (item_author_name) as <dc:creator>; the others follow.
        super().add_item_elements(handler, item)
        for author in item["authors"][1:]:
            handler.addQuickElement("dc:creator", author["name"])
        add_media_content(handler, item["picture"])


class AtomFeed(feedgenerator.Atom1Feed):
    """Atom with one <author> per author, the standfirst as summary, the full text as content,
    and the lead picture with its credit (Media RSS)."""

    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:media": MEDIA_RSS}

    def add_item_elements(self, handler, item):
        # Atom's <summary type="html">: the standfirst is plain text, so it goes out escaped.
        summary = escape(item["summary"]) if item["summary"] else None
        super().add_item_elements(handler, {**item, "description": summary})
        for author in item["authors"][1:]:
            handler.startElement("author", {})
            handler.addQuickElement("name", author["name"])
            handler.addQuickElement("uri", author["url"])
            handler.endElement("author")
        handler.addQuickElement("content", item["description"], {"type": "html"})
        add_media_content(handler, item["picture"])


class JsonFeed(feedgenerator.SyndicationFeed):
    """JSON Feed 1.1: https://www.jsonfeed.org/version/1.1/"""

    content_type = "application/feed+json; charset=utf-8"
    version = "https://jsonfeed.org/version/1.1"

    def write(self, outfile, encoding):
        outfile.write(json.dumps(self.as_dict(), ensure_ascii=False, indent=2))

    def as_dict(self) -> dict:
        feed = self.feed
        authors = [{"name": feed["author_name"], "url": feed["author_link"]}]
        return {
            **without_empty(
                {
                    "version": self.version,
                    "title": feed["title"],
                    "home_page_url": feed["link"],
                    "feed_url": feed["feed_url"],
                    "description": feed["description"],
                    "language": feed["language"],
                    "authors": [without_empty(a) for a in authors if a["name"]],
                }
            ),
            "items": [self.item_dict(item) for item in self.items],
        }

    def item_dict(self, item) -> dict:
        return without_empty(
            {
                "id": item["unique_id"] or item["link"],
                "url": item["link"],
                "title": item["title"],
                "content_html": item["description"],
                "summary": item["summary"],
                "image": item["image"],
                "date_published": item["pubdate"] and feedgenerator.rfc3339_date(item["pubdate"]),
                "date_modified": item["updateddate"]
                and feedgenerator.rfc3339_date(item["updateddate"]),
                "authors": item["authors"],
                "tags": list(item["categories"]),
                "language": item["language"],
                "attachments": [
                    without_empty(
                        {
                            "url": enclosure.url,
                            "mime_type": enclosure.mime_type,
                            "size_in_bytes": int(enclosure.length),
                        }
                    )
                    for enclosure in item["enclosures"]
                ],
            }
        )


def xml_safe(value):
    """`value` (a feed's texts, in dicts, lists and tuples) without the characters XML cannot
    carry: the desk refuses them (validators.py), but a row stored before it did must not make
    the whole feed invalid XML."""
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, dict):
        return {key: xml_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(xml_safe(item) for item in value)
    return value


def without_empty(data: dict) -> dict:
    """`data` without the keys JSON Feed would rather see left out than null or empty."""
    return {key: value for key, value in data.items() if value not in (None, "", [], 0)}


@dataclass(frozen=True)
class FeedScope:
    """What one feed request is about: the request (for absolute URLs) and its subject."""

    request: HttpRequest
    subject: Section | Tag | Author | None = None


class FeedItem(NamedTuple):
    """One article in a feed, as the feed's reader sees it, and the request (for addresses)."""

    reader: ReaderArticle
    request: HttpRequest


def absolute(url: str, request) -> str:
    # Storages that serve files from elsewhere already give absolute URLs.
    return url if "://" in url else absolute_url(url, request)


def content_html(reader: ReaderArticle, request) -> str:
    """The full text, then every correction and update as "Correction (date): text"."""
    notes = format_html_join(
        "",
        "<p><strong>{} ({}):</strong></p>{}",
        (
            (
                correction.get_kind_display(),
                formats.date_format(timezone.localtime(correction.noted_at)),
                mark_safe(correction.text_html),  # sanitised when saved
            )
            for correction in reader.corrections
        ),
    )
    # Sanitised when saved; pictures' addresses absolute, as feed readers need them.
    body = mark_safe(reader.body_html_absolute(lambda url: absolute(url, request)))
    if not notes:
        return body
    return body + format_html('<aside class="corrections">{}</aside>', notes)


class ArticleFeed(Feed):
    """The newest published articles, in full; RSS unless given another feed type."""

    feed_type = RssFeed

    def __init__(self, feed_type=None):
        if feed_type is not None:
            self.feed_type = feed_type

    def get_object(self, request, **kwargs):
        return FeedScope(request, self.get_subject(**kwargs))

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        feed.feed = xml_safe(feed.feed)
        feed.items = [xml_safe(item) for item in feed.items]
        return feed

    def get_subject(self):
        return None

    def filter_articles(self, articles, subject):
        return articles

    def items(self, scope):
        language = get_language()
        articles = self.filter_articles(Article.objects.published(), scope.subject)
        readers = read(for_readers(articles, language, body=True)[:MAX_ITEMS], language)
        fetch_media(readers)
        # What the feed shows, for CDN purges (cache/).
        subject = [cache.key(scope.subject)] if scope.subject is not None else []
        shown = [
            key
            for reader in readers
            for key in (cache.key(reader.article), cache.body_key(reader.article))
        ]
        cache.shows(scope.request, cache.FEEDS, cache.LIST, *subject, *shown)
        return [FeedItem(reader, scope.request) for reader in readers]

    def title(self, scope):
        return settings.PUBLISHER_NAME

    def link(self, scope):
        return absolute_url(reverse("articles:home"), scope.request)

    def description(self, scope):
        return _("The latest articles from %(publisher)s.") % {"publisher": settings.PUBLISHER_NAME}

    def subtitle(self, scope):
        return self.description(scope)

    def feed_url(self, scope):
        return absolute_url(scope.request.path, scope.request)

    def author_name(self, scope):
        return settings.PUBLISHER_NAME

    def author_link(self, scope):
        return absolute_url(reverse("articles:home"), scope.request)

    def item_title(self, entry):
        reader, _request = entry
        return reader.headline

    def item_link(self, entry):
        reader, request = entry
        return absolute(reader.canonical_url, request)

    def item_description(self, entry):
        reader, request = entry
        return content_html(reader, request)

    def item_pubdate(self, entry):
        reader, _request = entry
        return reader.published_at

    def item_updateddate(self, entry):
        # When readers were last told of a change (reading.ReaderArticle.modified_at).
        reader, _request = entry
        return reader.modified_at

    def item_author_name(self, entry):
        authors = self.authors(entry)
        return authors[0]["name"] if authors else None

    def item_author_link(self, entry):
        authors = self.authors(entry)
        return authors[0]["url"] if authors else None

    @staticmethod
    def authors(entry) -> list[dict]:
        reader, request = entry
        return [
            {"name": author.name, "url": absolute(author.get_absolute_url(), request)}
            for author in reader.authors
        ]

    def item_categories(self, entry):
        reader, _request = entry
        return [tag.name for tag in reader.tags]

    @staticmethod
    def picture(entry) -> dict | None:
        """The lead picture's 16:9 crop (as on social cards), with its texts and credit."""
        reader, request = entry
        if reader.image is None:
            return None
        image, wide = reader.image, reader.image.crops["16:9"]
        try:
            length = reader.image.image.file.storage.size(wide.name)
        except OSError:  # missing from storage; the feed still goes out
            length = 0
        return {
            "url": absolute(wide.url, request),
            "mime_type": wide.mime_type,
            "width": wide.width,
            "height": wide.height,
            "length": length,
            "alt": image.alt,
            "caption": image.caption,
            "credit": image.credit,
            "copyright": image.copyright_notice,
        }

    def item_enclosures(self, entry):
        picture = self.picture(entry)
        if picture is None:
            return []
        return [
            feedgenerator.Enclosure(picture["url"], str(picture["length"]), picture["mime_type"])
        ]

    def item_extra_kwargs(self, entry):
        reader, _request = entry
        picture = self.picture(entry)
        return {
            "authors": self.authors(entry),
            "summary": reader.standfirst,
            "image": picture["url"] if picture else None,
            "picture": picture,
            "language": reader.text_language,
        }


class SiteFeed(ArticleFeed):
    pass


class SectionFeed(ArticleFeed):
    """A section's articles; a section with nothing published yet has an empty feed."""

    def get_subject(self, slug):
        return get_object_or_404(
            Section.objects.annotate(**local_texts(Section, "name", "description")), slug=slug
        )

    def filter_articles(self, articles, section):
        return articles.filter(section=section)

    def title(self, scope):
        return f"{settings.PUBLISHER_NAME}: {scope.subject.localized('name')}"

    def link(self, scope):
        return absolute_url(scope.subject.get_absolute_url(), scope.request)

    def description(self, scope):
        return scope.subject.localized("description") or _(
            "The latest articles in %(section)s from %(publisher)s."
        ) % {"section": scope.subject.localized("name"), "publisher": settings.PUBLISHER_NAME}


class TagFeed(ArticleFeed):
    """A tag's articles; a tag on nothing published does not reveal itself (404)."""

    def get_subject(self, slug):
        return get_object_or_404(Article.objects.published().tags(), slug=slug)

    def filter_articles(self, articles, tag):
        return articles.filter(tags=tag)

    def title(self, scope):
        return f"{settings.PUBLISHER_NAME}: {scope.subject.name}"

    def link(self, scope):
        url = reverse("articles:tag-detail", kwargs={"slug": scope.subject.slug})
        return absolute_url(url, scope.request)

    def description(self, scope):
        return _("The latest articles tagged %(tag)s from %(publisher)s.") % {
            "tag": scope.subject.name,
            "publisher": settings.PUBLISHER_NAME,
        }


class AuthorFeed(ArticleFeed):
    """An author's articles; an author with nothing published has no feed (404)."""

    def get_subject(self, slug):
        return get_object_or_404(Article.objects.published().authors(), slug=slug)

    def filter_articles(self, articles, author):
        # A subquery rather than a join: two bylines of one author must not list an article twice.
        return articles.filter(pk__in=Byline.objects.filter(author=author).values("article"))

    def title(self, scope):
        return f"{settings.PUBLISHER_NAME}: {scope.subject.name}"

    def link(self, scope):
        return absolute_url(scope.subject.get_absolute_url(), scope.request)

    def description(self, scope):
        return _("The latest articles by %(author)s from %(publisher)s.") % {
            "author": scope.subject.name,
            "publisher": settings.PUBLISHER_NAME,
        }
