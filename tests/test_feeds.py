import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import feedparser
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override
from taggit.models import Tag

from articles import feeds
from articles.models import Article, ArticleTranslation, Author, Correction, CorrectionKind, Status

from .factories import make_article, make_author, make_image, make_section, picture_file

pytestmark = pytest.mark.django_db

DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
XML_FEEDS = ["feed-rss", "feed-atom"]
ATOM = "http://www.w3.org/2005/Atom"
MEDIA = "{http://search.yahoo.com/mrss/}"
# Where a lead picture's crops are: renditions of the library's file, at absolute addresses.
WIDE_CROP = r"http://testserver/media/renditions/library/\d{4}/\d{2}/[\w-]{16}/"


def feed_url(name, language="en", **kwargs):
    with override(language):
        return reverse(f"articles:{name}", kwargs=kwargs)


def get_feed(client, name, language="en", **kwargs):
    response = client.get(feed_url(name, language, **kwargs))
    assert response.status_code == 200, response.status_code
    return response


def parse(response):
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def full_text(entry):
    """The item's full text, wherever its format keeps it (Atom content, RSS description)."""
    return entry.content[0].value if "content" in entry else entry.summary


def get_json_feed(client, language="en"):
    response = get_feed(client, "feed-json", language)
    assert response["Content-Type"].startswith("application/feed+json")
    return json.loads(response.content)


def translate(article, language="de", **fields):
    fields.setdefault("headline", f"Übersetzt: {article.headline}")
    fields.setdefault("slug", f"{article.slug}-{language}")
    fields.setdefault("body", "Der ganze Text auf Deutsch.")
    fields.setdefault("status", Status.PUBLISHED)
    return ArticleTranslation.objects.create(article=article, language=language, **fields)


@pytest.mark.parametrize("name", XML_FEEDS)
def test_site_feed_lists_published_articles_newest_first_with_absolute_links(client, name):
    older = make_article(headline="Older story", published_at=timezone.now() - timedelta(days=2))
    newer = make_article(headline="Newer story", published_at=timezone.now() - timedelta(hours=1))

    feed = parse(get_feed(client, name))

    assert feed.feed.title == "Newsroom"
    assert feed.feed.link == "http://testserver/en/"
    assert feed.feed.language == "en"
    assert [entry.title for entry in feed.entries] == [newer.headline, older.headline]
    assert [entry.link for entry in feed.entries] == [
        f"http://testserver/en/articles/{newer.slug}/",
        f"http://testserver/en/articles/{older.slug}/",
    ]
    assert feed.entries[0].id == feed.entries[0].link


@pytest.mark.parametrize("name", XML_FEEDS)
def test_feed_items_carry_the_full_text_tags_and_standfirst(client, name):
    make_article(
        standfirst="What happened, in a sentence.",
        body="First paragraph.\n\nSecond paragraph with **bold** words.",
        tags=["Climate", "Berlin"],
    )

    (entry,) = parse(get_feed(client, name)).entries

    assert "<p>First paragraph.</p>" in full_text(entry)
    assert "<strong>bold</strong>" in full_text(entry)
    assert sorted(tag.term for tag in entry.tags) == ["Berlin", "Climate"]
    if name == "feed-atom":
        assert entry.summary == "What happened, in a sentence."


def test_rss_items_name_every_author(client):
    first, second = make_author(name="Ada Reporter"), make_author(name="Ben Photographer")
    make_article(authors=[first, second])

    response = get_feed(client, "feed-rss")

    (item,) = ET.fromstring(response.content).iter("item")
    assert [creator.text for creator in item.iter(DC_CREATOR)] == [
        "Ada Reporter",
        "Ben Photographer",
    ]
    names = [author.name for author in parse(response).entries[0].authors]
    assert names == ["Ada Reporter", "Ben Photographer"]


def test_atom_entries_have_one_author_element_per_author_with_their_pages(client):
    first, second = make_author(name="Ada Reporter"), make_author(name="Ben Photographer")
    make_article(authors=[first, second])

    (entry,) = parse(get_feed(client, "feed-atom")).entries

    assert [(author.name, author.href) for author in entry.authors] == [
        ("Ada Reporter", f"http://testserver/en/authors/{first.slug}/"),
        ("Ben Photographer", f"http://testserver/en/authors/{second.slug}/"),
    ]


def test_an_unsigned_atom_entry_falls_back_to_the_publisher_as_author(client):
    make_article(unsigned=True)

    feed = parse(get_feed(client, "feed-atom"))

    assert feed.feed.author == "Newsroom"
    assert "authors" not in feed.entries[0] or not feed.entries[0].authors[0].get("href")


def stored_size(settings, url) -> int:
    path = url.removeprefix("http://testserver").removeprefix(settings.MEDIA_URL)
    return (settings.MEDIA_ROOT / path).stat().st_size


@pytest.mark.parametrize("name", XML_FEEDS)
def test_a_lead_image_is_an_enclosure_with_absolute_url_size_and_type(client, settings, name):
    make_article(lead_picture=make_image(file=picture_file(1600, 900, name="lead.jpg")))
    make_article(headline="No picture")

    with_image, without_image = reversed(parse(get_feed(client, name)).entries)

    # The 16:9 crop, as on social cards, at most 1200 wide.
    (enclosure,) = with_image.enclosures
    assert re.fullmatch(WIDE_CROP + r"lead-16x9-1200w-\w+\.jpg", enclosure.href), enclosure.href
    assert enclosure.type == "image/jpeg"
    assert int(enclosure.length) == stored_size(settings, enclosure.href)
    assert without_image.enclosures == []


@pytest.mark.parametrize("name", XML_FEEDS)
def test_a_lead_image_is_media_content_with_its_caption_alt_text_and_credit(client, name):
    make_article(
        lead_picture=make_image(
            file=picture_file(800, 600, name="lead.jpg"),
            alt="Boats in the harbour",
            caption="The harbour at dawn.",
            credit="Jane Doe / Reuters",
            copyright_notice="© 2024 Reuters",
        )
    )
    make_article(headline="No picture")

    content = get_feed(client, name).content
    root = ET.fromstring(content)

    assert b'xmlns:media="http://search.yahoo.com/mrss/"' in content
    items = [e for e in root.iter() if e.tag in ("item", f"{{{ATOM}}}entry")]
    with_image, without_image = reversed(items)
    assert without_image.find(f"{MEDIA}content") is None
    (media,) = with_image.findall(f"{MEDIA}content")
    assert re.fullmatch(WIDE_CROP + r"lead-16x9-800w-\w+\.jpg", media.get("url"))
    assert media.attrib == {
        "url": media.get("url"),
        "medium": "image",
        "type": "image/jpeg",
        "width": "800",
        "height": "450",
    }
    assert [(child.tag.removeprefix(MEDIA), child.text) for child in media] == [
        ("description", "The harbour at dawn."),
        ("text", "Boats in the harbour"),
        ("credit", "Jane Doe / Reuters"),
        ("copyright", "© 2024 Reuters"),
    ]
    enclosure = parse(get_feed(client, name)).entries[-1].enclosures[0]
    assert enclosure.href == media.get("url")


@pytest.mark.parametrize("name", XML_FEEDS)
def test_a_picture_without_caption_or_copyright_gives_only_what_it_has(client, name):
    make_article(lead_picture=make_image(caption="", credit="Jane Doe", alt="Boats"))

    root = ET.fromstring(get_feed(client, name).content)

    (media,) = root.iter(f"{MEDIA}content")
    assert [(child.tag.removeprefix(MEDIA), child.text) for child in media] == [
        ("text", "Boats"),
        ("credit", "Jane Doe"),
    ]


def test_corrections_are_noted_after_the_body(client):
    article = make_article(body="The mayor is Bob.")
    Correction.objects.create(
        article=article,
        kind=CorrectionKind.CORRECTION,
        text="An earlier version named the wrong mayor; she is **Ana**.",
        noted_at=timezone.now(),
    )

    for name in XML_FEEDS:
        text = full_text(parse(get_feed(client, name)).entries[0])
        assert text.index("The mayor is Bob.") < text.index("Correction (")
        assert "she is <strong>Ana</strong>" in text
    (item,) = get_json_feed(client)["items"]
    assert "Correction (" in item["content_html"]


@pytest.mark.parametrize(
    "hidden",
    [
        {"status": Status.DRAFT},
        {"status": Status.IN_REVIEW},
        {"status": Status.WITHDRAWN},
        {"published_at": timezone.now() + timedelta(days=1)},  # scheduled
    ],
    ids=["draft", "in review", "withdrawn", "scheduled"],
)
def test_unpublished_articles_never_appear_in_any_feed(client, hidden):
    author, section = make_author(), make_section()
    make_article(headline="Public story", authors=[author], section=section, tags=["Shared"])
    make_article(
        headline="Hidden story", authors=[author], section=section, tags=["Shared"], **hidden
    )

    urls = [
        *(
            feed_url(name, language)
            for name in [*XML_FEEDS, "feed-json"]
            for language in ("en", "de")
        ),
        feed_url("section-feed-rss", slug=section.slug),
        feed_url("tag-feed-atom", slug="shared"),
        feed_url("author-feed-rss", slug=author.slug),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        assert b"Public story" in response.content, url
        assert b"Hidden story" not in response.content, url


def test_german_feeds_show_the_published_german_translation(client):
    translated = make_article(headline="Council votes", body="The council voted.")
    translate(
        translated, headline="Rat stimmt ab", slug="rat-stimmt-ab", body="Der Rat hat gewählt."
    )
    untranslated = make_article(
        headline="Only in English", published_at=timezone.now() - timedelta(days=1)
    )

    for name in XML_FEEDS:
        feed = parse(get_feed(client, name, "de"))
        assert feed.feed.language == "de"
        assert feed.feed.link == "http://testserver/de/"
        german, english = feed.entries
        assert german.title == "Rat stimmt ab"
        assert german.link == "http://testserver/de/articles/rat-stimmt-ab/"
        assert "Der Rat hat gewählt." in full_text(german)
        # Without a translation, the original, at its own address.
        assert english.title == "Only in English"
        assert english.link == f"http://testserver/en/articles/{untranslated.slug}/"

    assert [entry.title for entry in parse(get_feed(client, "feed-rss", "en")).entries] == [
        "Council votes",
        "Only in English",
    ]
    items = get_json_feed(client, "de")["items"]
    assert [(item["title"], item["language"]) for item in items] == [
        ("Rat stimmt ab", "de"),
        ("Only in English", "en"),
    ]


@pytest.mark.parametrize(
    "hidden",
    [{"status": Status.DRAFT}, {"status": Status.IN_REVIEW}, {"language": "fr"}],
    ids=["draft", "in review", "not a site language"],
)
def test_unpublished_translations_never_appear_in_feeds(client, hidden):
    article = make_article(headline="Council votes")
    translate(article, headline="Rat stimmt ab", **{"language": "de", **hidden})

    for language in ("en", "de"):
        for name in [*XML_FEEDS, "feed-json"]:
            content = get_feed(client, name, language).content.decode()
            assert "Council votes" in content
            assert "Rat stimmt ab" not in content


def test_a_translation_of_a_scheduled_article_stays_out_of_feeds(client):
    article = make_article(headline="Embargoed", published_at=timezone.now() + timedelta(hours=2))
    translate(article, headline="Gesperrt")

    content = get_feed(client, "feed-rss", "de").content.decode()

    assert "Embargoed" not in content
    assert "Gesperrt" not in content


def test_json_feed_is_structurally_json_feed_1_1(client, settings):
    author = make_author(name="Ada Reporter")
    make_article(
        headline="Council votes",
        standfirst="A short dek.",
        authors=[author],
        tags=["Politics"],
        lead_picture=make_image(file=picture_file(800, 600, name="lead.jpg")),
    )

    data = get_json_feed(client)

    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["title"] == "Newsroom"
    assert data["home_page_url"] == "http://testserver/en/"
    assert data["feed_url"] == "http://testserver/en/feeds/feed.json"
    assert data["language"] == "en"
    assert data["authors"] == [{"name": "Newsroom", "url": "http://testserver/en/"}]
    (item,) = data["items"]
    assert item["id"] == item["url"]
    assert item["url"].startswith("http://testserver/en/articles/")
    assert item["title"] == "Council votes"
    assert item["content_html"].startswith("<p>")
    assert item["summary"] == "A short dek."
    assert item["authors"] == [
        {"name": "Ada Reporter", "url": f"http://testserver/en/authors/{author.slug}/"}
    ]
    assert item["tags"] == ["Politics"]
    assert item["language"] == "en"
    assert re.fullmatch(WIDE_CROP + r"lead-16x9-800w-\w+\.jpg", item["image"]), item["image"]
    assert item["attachments"] == [
        {
            "url": item["image"],
            "mime_type": "image/jpeg",
            "size_in_bytes": stored_size(settings, item["image"]),
        }
    ]
    for field in ("date_published", "date_modified"):
        assert timezone.datetime.fromisoformat(item[field]).tzinfo is not None


def test_json_feed_of_an_empty_site_still_has_items(client):
    data = get_json_feed(client)

    assert data["items"] == []


def test_site_url_setting_is_used_for_every_link(client, settings):
    settings.SITE_URL = "https://news.example.org"
    author = make_author()
    make_article(
        authors=[author],
        tags=["Politics"],
        lead_picture=make_image(file=picture_file(64, 36)),
    )

    for name in XML_FEEDS:
        feed = parse(get_feed(client, name))
        links = [feed.feed.link, *(link.href for link in feed.feed.links)]
        for entry in feed.entries:
            links += [entry.link, entry.id, *(e.href for e in entry.enclosures)]
            links += [media["url"] for media in entry.media_content]
            links += [a.href for a in entry.get("authors", []) if "href" in a]
        assert len(links) >= 6
        assert all(link.startswith("https://news.example.org/") for link in links), links

    data = get_json_feed(client)
    (item,) = data["items"]
    links = [data["home_page_url"], data["feed_url"], item["id"], item["url"], item["image"]]
    links += [author["url"] for author in item["authors"]]
    assert all(link.startswith("https://news.example.org/") for link in links), links


def test_a_section_feed_lists_only_its_articles(client):
    politics, sport = make_section(name="Politics"), make_section(name="Sport")
    make_article(headline="Vote tonight", section=politics)
    make_article(headline="Match report", section=sport)

    for name in ("section-feed-rss", "section-feed-atom"):
        feed = parse(get_feed(client, name, slug=politics.slug))
        assert feed.feed.title == "Newsroom: Politics"
        assert feed.feed.link == f"http://testserver/en/sections/{politics.slug}/"
        assert [entry.title for entry in feed.entries] == ["Vote tonight"]


def test_a_tag_feed_lists_only_its_articles_and_takes_unicode_slugs(client):
    make_article(headline="Lake report", tags=["Zürichsee"])
    make_article(headline="Other story", tags=["Sport"])

    for name in ("tag-feed-rss", "tag-feed-atom"):
        feed = parse(get_feed(client, name, slug="zürichsee"))
        assert feed.feed.title == "Newsroom: Zürichsee"
        assert [entry.title for entry in feed.entries] == ["Lake report"]


def test_an_author_feed_lists_each_of_their_articles_once(client):
    ada, ben = make_author(name="Ada"), make_author(name="Ben")
    shared = make_article(headline="Joint work", authors=[ada, ben])
    make_article(headline="Ben alone", authors=[ben])
    # Two roles on one article are still one article in the feed.
    shared.bylines.create(author=ada, role="photographer", position=3)

    for name in ("author-feed-rss", "author-feed-atom"):
        feed = parse(get_feed(client, name, slug=ada.slug))
        assert feed.feed.title == "Newsroom: Ada"
        assert [entry.title for entry in feed.entries] == ["Joint work"]


def test_a_section_with_nothing_published_has_an_empty_feed(client):
    section = make_section()
    make_article(section=section, status=Status.DRAFT)

    feed = parse(get_feed(client, "section-feed-rss", slug=section.slug))

    assert feed.entries == []


@pytest.mark.parametrize("name", ["tag-feed-rss", "tag-feed-atom"])
def test_a_tag_with_nothing_published_has_no_feed(client, name):
    make_article(tags=["Secret plans"], status=Status.DRAFT)

    assert client.get(feed_url(name, slug="secret-plans")).status_code == 404
    assert client.get(feed_url(name, slug="no-such-tag")).status_code == 404


@pytest.mark.parametrize("name", ["author-feed-rss", "author-feed-atom"])
def test_an_author_with_nothing_published_has_no_feed(client, name):
    author = make_author()
    make_article(authors=[author], published_at=timezone.now() + timedelta(days=1))

    assert client.get(feed_url(name, slug=author.slug)).status_code == 404
    assert client.get(feed_url(name, slug="nobody")).status_code == 404


def test_an_unknown_section_has_no_feed(client):
    assert client.get(feed_url("section-feed-rss", slug="nowhere")).status_code == 404


def test_feeds_hold_at_most_the_item_limit(client, monkeypatch):
    monkeypatch.setattr(feeds, "MAX_ITEMS", 2)
    for hours in range(3):
        make_article(
            headline=f"Story {hours}", published_at=timezone.now() - timedelta(hours=1 + hours)
        )

    feed = parse(get_feed(client, "feed-rss"))

    assert [entry.title for entry in feed.entries] == ["Story 0", "Story 1"]


def make_rich_articles(count, section, author, tag):
    for _ in range(count):
        article = make_article(
            authors=[author, make_author()],
            tags=[tag, f"extra-{make_author().pk}"],
            section=section,
            lead_picture=make_image(file=picture_file(64, 36)),
        )
        translate(article)
        Correction.objects.create(article=article, text="A fix.")


@pytest.mark.parametrize(
    "name, subject",
    [
        ("feed-rss", None),
        ("feed-atom", None),
        ("feed-json", None),
        ("section-feed-rss", "section"),
        ("tag-feed-atom", "tag"),
        ("author-feed-rss", "author"),
    ],
)
def test_feed_query_count_does_not_grow_with_items(
    client, django_assert_max_num_queries, name, subject
):
    section, author = make_section(), make_author()
    slugs = {"section": section.slug, "tag": "common", "author": author.slug}
    kwargs = {"slug": slugs[subject]} if subject else {}
    make_rich_articles(1, section, author, "common")
    with CaptureQueriesContext(connection) as one_item:
        get_feed(client, name, "de", **kwargs)

    make_rich_articles(6, section, author, "common")
    with django_assert_max_num_queries(len(one_item)):
        response = get_feed(client, name, "de", **kwargs)
    if name == "feed-json":
        assert len(json.loads(response.content)["items"]) == 7
    else:
        assert len(parse(response).entries) == 7
    # Items, bylines with authors, tags, translations, corrections; a subject and its check.
    assert len(one_item) <= 8


@pytest.mark.parametrize("name", ["author-feed-rss", "author-feed-atom"])
def test_an_author_only_on_drafts_has_no_feed_whatever_else_is_published(client, name):
    # Ids that line up (article 9001 by author 9001) once made any author's feed answer 200.
    ada = make_author(pk=9001, name="Ada")
    make_article(pk=9001, authors=[ada])
    ben = make_author(pk=9002, name="Ben")
    make_article(pk=9003, authors=[ben], status=Status.DRAFT)

    assert client.get(feed_url(name, slug=ada.slug)).status_code == 200
    assert client.get(feed_url(name, slug=ben.slug)).status_code == 404


# What XML can carry, and what aggregators that read titles as HTML need.

PLAIN_TEXT = "Salt & Pepper <Ltd> say “no”"
# Characters XML 1.0 cannot carry at all, stored by rows older than the validators that refuse
# them now (articles/validators.py): one of them made every feed invalid XML.
UNCARRIABLE = "\uffff\ufffe\x1b\x0b"


def test_rss_plain_text_elements_encode_less_than_and_ampersand_as_hexadecimal_references(client):
    # The RSS Best Practices Profile: aggregators that treat a title as HTML read these right.
    make_article(
        headline=PLAIN_TEXT,
        authors=[make_author(name="Ben & Jerry <Staff>")],
        tags=["R&D <Labs>"],
        section=make_section(name="Q&A <Live>", slug="q-and-a"),
    )

    for name, kwargs, titles in [
        ("feed-rss", {}, ["Newsroom", PLAIN_TEXT]),
        ("section-feed-rss", {"slug": "q-and-a"}, ["Newsroom: Q&A <Live>", PLAIN_TEXT]),
    ]:
        response = get_feed(client, name, **kwargs)
        raw = response.content.decode()

        assert "<title>Salt &#x26; Pepper &#x3C;Ltd&gt; say “no”</title>" in raw
        assert "<category>R&#x26;D &#x3C;Labs&gt;</category>" in raw
        assert '/">Ben &#x26; Jerry &#x3C;Staff&gt;</dc:creator>' in raw
        assert "&amp;" not in raw.split("<description>")[0]
        document = ET.fromstring(response.content)
        assert [title.text for title in document.iter("title")] == titles
        entry = parse(response).entries[0]
        assert (entry.title, entry.author) == (PLAIN_TEXT, "Ben & Jerry <Staff>")


@pytest.mark.parametrize("name", [*XML_FEEDS, "feed-json"])
def test_characters_xml_cannot_carry_are_left_out_of_a_feed_even_from_old_rows(client, name):
    author = make_author()
    article = make_article(authors=[author], tags=["Storms"], standfirst="Wind.")
    Correction.objects.create(article=article, text="It was Tuesday.")
    Article.objects.filter(pk=article.pk).update(
        headline=f"Storm{UNCARRIABLE} ahead",
        standfirst=f"Wind{UNCARRIABLE}.",
        body_html=f"<p>Rain{UNCARRIABLE}.</p>",
    )
    Author.objects.filter(pk=author.pk).update(name=f"Ada{UNCARRIABLE} Writer")
    Tag.objects.filter(name="Storms").update(name=f"Storms{UNCARRIABLE}")
    Correction.objects.update(text_html=f"<p>Tuesday{UNCARRIABLE}.</p>")

    response = get_feed(client, name)

    if name == "feed-json":
        [item] = json.loads(response.content)["items"]
        title, text = item["title"], item["content_html"]
    else:
        ET.fromstring(response.content)  # well-formed XML
        [entry] = parse(response).entries
        title, text = entry.title, full_text(entry)
        assert entry.author == "Ada Writer"
        assert [tag.term for tag in entry.tags] == ["Storms"]
    assert title == "Storm ahead"
    assert "<p>Rain.</p>" in text
    assert "Tuesday." in text
    assert not set(UNCARRIABLE) & set(response.content.decode())
