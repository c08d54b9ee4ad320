import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from pytest_django.asserts import assertContains

from articles.models import Status

from .factories import make_article, make_author, make_image, make_section

pytestmark = pytest.mark.django_db

# A 1x1 transparent GIF.
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


class Outline(HTMLParser):
    """Collects the landmarks, headings and navigation labels of a page."""

    def __init__(self):
        super().__init__()
        self.tags, self.headings, self.nav_labels, self.html_lang = [], [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.html_lang = attrs.get("lang")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "nav":
            self.nav_labels.append(attrs.get("aria-label"))


def outline(response):
    parser = Outline()
    parser.feed(response.content.decode())
    return parser


def assert_well_formed_page(response):
    page = outline(response)
    assert page.html_lang in {"en", "de"}
    for landmark in ("header", "nav", "main", "footer"):
        assert landmark in page.tags, f"missing <{landmark}>"
    assert page.headings.count(1) == 1, f"expected one <h1>, got {page.headings}"
    assert page.headings[0] == 1
    for previous, current in zip(page.headings, page.headings[1:], strict=False):
        assert current <= previous + 1, f"heading level skips: {page.headings}"
    assert all(page.nav_labels), "every <nav> needs an aria-label"


def test_root_redirects_to_a_language_prefixed_home(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/en/"


def test_home_lists_published_articles_newest_first(client):
    old = make_article(headline="Older story", published_at=timezone.now() - timedelta(days=2))
    new = make_article(headline="Newer story", published_at=timezone.now() - timedelta(hours=1))

    response = client.get(reverse("articles:home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(new.headline) < html.index(old.headline)
    assert_well_formed_page(response)


@pytest.mark.parametrize(
    "hidden",
    [
        {"status": Status.DRAFT},
        {"status": Status.IN_REVIEW},
        {"status": Status.WITHDRAWN},
        {"published_at_offset": timedelta(hours=1)},
    ],
    ids=["draft", "in-review", "withdrawn", "future-dated"],
)
def test_unpublished_articles_show_nowhere(client, hidden):
    section, author = make_section(slug="world"), make_author(slug="reporter")
    make_article(section=section, authors=[author], tags=["Shared"], headline="Visible story")
    fields = {"status": hidden.get("status", Status.PUBLISHED)}
    if "published_at_offset" in hidden:
        fields["published_at"] = timezone.now() + hidden["published_at_offset"]
    secret = make_article(
        section=section, authors=[author], tags=["Shared"], headline="Secret story", **fields
    )

    # A withdrawn article's address says it is gone; anything else unpublished does not exist.
    expected = 410 if fields["status"] == Status.WITHDRAWN else 404
    assert client.get(secret.get_absolute_url()).status_code == expected
    for url in (
        reverse("articles:home"),
        section.get_absolute_url(),
        author.get_absolute_url(),
        reverse("articles:tag-detail", kwargs={"slug": "shared"}),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert "Visible story" in response.content.decode()
        assert "Secret story" not in response.content.decode(), url


def test_article_page_shows_everything_a_reader_expects(client):
    section = make_section(name="World", slug="world")
    first, second = make_author(name="Ada Reporter"), make_author(name="Ben Writer")
    related = make_article(headline="Background piece")
    unpublished_related = make_article(headline="Unfinished piece", status=Status.DRAFT)
    article = make_article(
        headline="Talks collapse",
        standfirst="Negotiators walked out on Tuesday.",
        body="First paragraph.\n\n## What next\n\nSecond paragraph.",
        section=section,
        authors=[first, second],
        tags=["Diplomacy", "Trade"],
        published_at=timezone.make_aware(timezone.datetime(2024, 3, 5, 10, 30)),
    )
    article.related_articles.add(related, unpublished_related)

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert_well_formed_page(response)
    assert "<title>Talks collapse — Newsroom</title>" in response.content.decode()
    for fragment in (
        '<h1 class="article__headline">Talks collapse</h1>',
        '<p class="article__standfirst">Negotiators walked out on Tuesday.</p>',
        f'<a href="{first.get_absolute_url()}" rel="author">Ada Reporter</a>',
        f'<a href="{second.get_absolute_url()}" rel="author">Ben Writer</a>',
        '<time datetime="2024-03-05T10:30:00+01:00">March 5, 2024, 10:30 a.m.</time>',
        "<h2>What next</h2>",
        f'<a href="{section.get_absolute_url()}">World</a>',
        '<a href="/en/tags/diplomacy/" rel="tag">Diplomacy</a>',
        f'<a href="{related.get_absolute_url()}">Background piece</a>',
    ):
        assert fragment in response.content.decode(), fragment
    assert "Unfinished piece" not in response.content.decode()
    assert "By Ada Reporter" in re.sub(r"<[^>]+>", "", response.content.decode())


def test_article_without_author_date_or_image_still_reads_well(client):
    article = make_article(headline="Unsigned analysis", published_at=None, standfirst="")

    response = client.get(article.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "<time" not in html
    assert 'class="byline"' not in html
    assert "<figure" not in html
    assert 'class="meta"' not in html
    assert_well_formed_page(response)


def test_lead_image_shows_with_alt_caption_and_credit(client):
    picture = make_image(
        file=SimpleUploadedFile("pic.gif", GIF, content_type="image/gif"),
        alt="Two men shaking hands",
        caption="The leaders meet.",
        credit="Agency / Photographer",
    )
    article = make_article(lead_picture=picture)

    response = client.get(article.get_absolute_url())

    html = response.content.decode()
    [figure] = re.findall(r'<figure class="lead-image">.*?</figure>', html, flags=re.S)
    img = re.search(r"<img [^>]+>", figure).group(0)
    src = re.search(r' src="([^"]+)"', img).group(1)
    assert re.fullmatch(
        r"/media/renditions/library/\d{4}/\d{2}/[\w-]{16}/pic-full-1w-\w+\.jpg", src
    )
    assert 'alt="Two men shaking hands" fetchpriority="high"' in img
    assert 'width="1" height="1"' in img
    assertContains(
        response,
        '<figcaption>The leaders meet. <span class="credit">Photo: Agency / Photographer</span>'
        "</figcaption>",
        html=True,
    )
    assert_well_formed_page(response)


def test_caption_without_an_image_is_not_shown(client):
    # A library picture's caption belongs to the articles that show the picture.
    make_image(caption="A caption for a missing picture")
    article = make_article()

    response = client.get(article.get_absolute_url())

    assert "A caption for a missing picture" not in response.content.decode()
    assert "<figure" not in response.content.decode()


def test_section_page_lists_only_its_articles(client):
    politics, sport = make_section(name="Politics"), make_section(name="Sport")
    make_article(section=politics, headline="Vote tonight")
    make_article(section=sport, headline="Cup final")

    response = client.get(politics.get_absolute_url())

    assert response.status_code == 200
    assert "Vote tonight" in response.content.decode()
    assert "Cup final" not in response.content.decode()
    assert_well_formed_page(response)


def test_section_page_with_nothing_published_says_so(client):
    section = make_section(name="Culture")

    response = client.get(section.get_absolute_url())

    assert response.status_code == 200
    assert "No articles have been published here yet." in response.content.decode()


def test_author_page_shows_profile_and_their_articles(client):
    author = make_author(name="Cleo Columnist", job_title="Columnist", bio="Writes about cities.")
    make_article(authors=[author], headline="City limits")
    make_article(headline="Someone else's story")

    response = client.get(author.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Cleo Columnist</h1>" in html
    assert "Columnist" in html
    assert "Writes about cities." in html
    assert "City limits" in html
    assert "Someone else&#x27;s story" not in html
    assert_well_formed_page(response)


def test_author_with_two_roles_on_one_article_lists_it_once(client):
    from articles.models import Byline, BylineRole

    author = make_author()
    article = make_article(authors=[author], headline="Words and pictures")
    Byline.objects.create(article=article, author=author, role=BylineRole.PHOTOGRAPHER, position=1)

    response = client.get(author.get_absolute_url())

    assert response.content.decode().count("Words and pictures") == 1


def test_tag_page_lists_tagged_articles(client):
    make_article(tags=["Energy"], headline="Gas prices")
    make_article(tags=["Sport"], headline="Cup final")

    response = client.get(reverse("articles:tag-detail", kwargs={"slug": "energy"}))

    assert response.status_code == 200
    assert "Gas prices" in response.content.decode()
    assert "Cup final" not in response.content.decode()
    assert_well_formed_page(response)


def test_tag_with_only_unpublished_articles_is_not_found(client):
    make_article(tags=["Merger plans"], status=Status.DRAFT)

    response = client.get(reverse("articles:tag-detail", kwargs={"slug": "merger-plans"}))

    assert response.status_code == 404


def test_tag_with_a_non_ascii_slug_has_a_page(client):
    make_article(tags=["Außenpolitik"], headline="Foreign policy")

    response = client.get("/de/tags/außenpolitik/")

    assert response.status_code == 200
    assert "Foreign policy" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/en/articles/no-such-article/",
        "/en/sections/no-such-section/",
        "/en/authors/nobody/",
        "/en/tags/nothing/",
        "/en/nowhere/",
        "/fr/",
        "/en/?page=999",
        "/en/?page=abc",
    ],
)
def test_unknown_urls_get_the_custom_404_page(client, url):
    make_article()

    response = client.get(url)

    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert "Go to the front page" in html


def test_lists_are_paginated(client):
    section = make_section()
    for number in range(21):
        make_article(
            section=section,
            headline=f"Story {number:02d}",
            published_at=timezone.now() - timedelta(minutes=number + 1),
        )

    first = client.get(section.get_absolute_url()).content.decode()
    second = client.get(section.get_absolute_url() + "?page=2").content.decode()

    assert "Story 00" in first and "Story 19" in first and "Story 20" not in first
    assert "Story 20" in second and "Story 00" not in second
    assert 'rel="next"' in first and 'rel="prev"' in second


def test_german_urls_serve_the_same_articles_with_german_links(client):
    article = make_article(headline="Shared story", language="en")

    response = client.get(f"/de/articles/{article.slug}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="de">' in html
    assert '<article class="article" lang="en">' in html
    assert f'href="/en/articles/{article.slug}/" hreflang="en"' in html


def _query_count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_home_page_query_count_is_small_and_does_not_grow_with_tags_or_bylines(client):
    make_article(authors=[make_author()], tags=["One"])
    small = _query_count(client, reverse("articles:home"))

    for _ in range(5):
        make_article(authors=[make_author() for _ in range(4)], tags=[f"Tag {n}" for n in range(6)])
    large = _query_count(client, reverse("articles:home"))

    assert small <= 6
    assert large == small


def test_article_page_query_count_is_small_and_does_not_grow_with_tags_or_bylines(client):
    simple = make_article(authors=[make_author()], tags=["One"])
    rich = make_article(
        authors=[make_author() for _ in range(5)], tags=[f"Tag {n}" for n in range(8)]
    )
    rich.related_articles.add(*(make_article() for _ in range(4)))
    simple.related_articles.add(make_article())

    small = _query_count(client, simple.get_absolute_url())
    large = _query_count(client, rich.get_absolute_url())

    # Six, and the editors' menu links (pages/context_processors.py), one query.
    assert small <= 7
    assert large == small


def test_server_error_page_renders_without_the_database(rf, django_assert_num_queries):
    from django.views.defaults import server_error

    with django_assert_num_queries(0):
        response = server_error(rf.get("/en/"))

    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.content.decode()


def test_the_article_page_shows_the_time_of_publication_and_lists_the_date(client):
    article = make_article(
        headline="Evening news",
        published_at=timezone.make_aware(timezone.datetime(2024, 3, 5, 20, 4)),
    )

    page = client.get(article.get_absolute_url()).content.decode()
    german = client.get(article.get_absolute_url().replace("/en/", "/de/")).content.decode()
    home = client.get("/en/").content.decode()

    assert '<time datetime="2024-03-05T20:04:00+01:00">March 5, 2024, 8:04 p.m.</time>' in page
    assert '<time datetime="2024-03-05T20:04:00+01:00">5. März 2024 20:04</time>' in german
    assert '<time datetime="2024-03-05T20:04:00+01:00">March 5, 2024</time>' in home


def test_a_publication_date_without_a_time_of_day_shows_no_midnight(client):
    # Dates from the seed sources carry no time of day; they are stored as midnight.
    article = make_article(published_at=timezone.make_aware(timezone.datetime(2024, 3, 5)))

    page = client.get(article.get_absolute_url()).content.decode()

    assert '<time datetime="2024-03-05T00:00:00+01:00">March 5, 2024</time>' in page
    assert "midnight" not in page


def test_only_the_front_page_shows_todays_date_in_the_masthead(client):
    article = make_article(
        section=make_section(slug="world"),
        tags=["Trade"],
        published_at=timezone.now() - timedelta(days=3),
    )
    today = date_format(timezone.localdate(), "DATE_FORMAT")

    assert 'class="masthead__date"' in client.get("/en/").content.decode()
    assert today in client.get("/en/").content.decode()
    for path in (article.get_absolute_url(), "/en/sections/world/", "/en/tags/trade/"):
        page = client.get(path).content.decode()
        assert 'class="masthead__date"' not in page, path
        # An undated article's page must not carry today's date for news extractors to take.
        assert today not in page, path
