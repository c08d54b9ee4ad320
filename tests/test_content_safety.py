"""Content safety: nothing an editor types runs as script on any page, feed, sitemap or admin page.

Markdown fields (body, corrections) go through articles/markdown.py's allow-list; every other
field is escaped wherever it appears. Pages are parsed as a browser parses them (tests/markup.py).
"""

import itertools
import json
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from hypothesis import HealthCheck, given, settings, strategies
from taggit.models import Tag

from articles.markdown import collapse_whitespace, render_markdown, truncate_on_word
from articles.models import Article, ArticleTranslation, Author, MediaImage, Section
from articles.seo import HEADLINE_LIMIT

from .everywhere import (
    SEARCH_WORD,
    admin_pages,
    feeds,
    fill_everywhere,
    make_story,
    png_upload,
    reader_pages,
    sitemaps,
)
from .factories import make_article, make_author, make_image, make_section
from .markup import (
    NEVER_OURS,
    attribute_values,
    executable_markup,
    json_ld,
    text_of,
    xml_document,
    xml_local_name,
)

CORPUS = Path(__file__).parent / "data" / "xss_payloads.txt"
EXAMPLE_NUMBERS = itertools.count(1)


def payloads() -> list:
    """The corpus, each payload named by its line in the file."""
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [
        pytest.param(line.replace("\\n", "\n"), id=f"line{number}")
        for number, line in enumerate(lines, start=1)
        if line.strip() and not line.startswith("#")
    ]


PAYLOADS = payloads()
# Pieces of markup for hypothesis to put together: tags, attributes, schemes, entities, Markdown.
FRAGMENTS = [
    "<script>", "</script>", "<img", " src=x", " onerror=alert(1)", "onload=", "javascript:",
    "jAvAsCrIpT&colon;", "java\tscript:", "vbscript:", "data:text/html,", "&#106;", "&#x6A;",
    "&#0000106", "<svg", "<math>", "<mtext>", "<mglyph>", "<style>", "</style>", "<noscript>",
    "</noscript>", "<template>", "<xmp>", "<iframe", "<form", "<base href=", "<a href=",
    "</a>", "<p title=\"", "</p>", "<!--", "-->", "<![CDATA[", "]]>", "](", "[", "![", ")",
    "\n\n", "    ", "> ", "`", "<br", "/>", "\u202e", "\u00a0", "\ufeff",
]  # fmt: skip
ALPHABET = "<>\"'&/=:;!#()[]*_-` \nabcsjtvx1"
hostile_text = strategies.lists(
    strategies.one_of(
        strategies.sampled_from(FRAGMENTS), strategies.text(alphabet=ALPHABET, max_size=6)
    ),
    max_size=24,
).map("".join)


def no_script_runs(html: str, where: str) -> list[str]:
    return [f"{where}: {problem}" for problem in executable_markup(html)]


# The sanitiser, a pure function


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_output_holds_no_executable_markup_for_any_known_attack(payload):
    assert executable_markup(render_markdown(payload)) == []


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(text=hostile_text)
def test_markdown_output_holds_no_executable_markup_for_any_text(text):
    assert executable_markup(render_markdown(text)) == []


# Every page, feed, sitemap and admin page


def check_html_page(response, url) -> list[str]:
    if response.status_code != 200:
        return [f"{url}: status {response.status_code}"]
    return no_script_runs(response.content.decode(), url)


def check_article_page(
    html, url, article, *, headline, section_name, tag_name, author_name, picture
):
    """The headline and the lead picture's texts show as typed, and JSON-LD carries exactly the
    typed values."""
    problems = []
    if text_of(html, "h1") != [headline]:
        problems.append(f"{url}: <h1> is {text_of(html, 'h1')!r}")
    # Browsers collapse white space in the title, as the page's metadata does.
    if collapse_whitespace(headline) not in collapse_whitespace(text_of(html, "title")[0]):
        problems.append(f"{url}: <title> is {text_of(html, 'title')!r}")
    if attribute_values(html, "meta", "content", property="og:title") != [
        collapse_whitespace(headline)
    ]:
        problems.append(f"{url}: og:title is wrong")
    [news] = [block for block in json_ld(html) if block.get("@type") == "NewsArticle"]
    expected = {
        "headline": truncate_on_word(collapse_whitespace(headline), HEADLINE_LIMIT),
        "articleSection": section_name,
        "keywords": [tag_name],
    }
    found = {key: news.get(key) for key in expected}
    if found != expected:
        problems.append(f"{url}: JSON-LD has {found!r}, not {expected!r}")
    if [person["name"] for person in news["author"]] != [author_name]:
        problems.append(f"{url}: JSON-LD authors are {news['author']!r}")
    problems += check_lead_picture(html, url, news, picture)
    return problems


def check_lead_picture(html, url, news, picture) -> list[str]:
    """The lead picture's alt text, caption and credit as typed, in the page and in JSON-LD."""
    problems = []
    if attribute_values(html, "img", "alt", fetchpriority="high") != [picture["alt"]]:
        problems.append(f"{url}: the lead picture's alt is wrong")
    if attribute_values(html, "meta", "content", property="og:image:alt") != [picture["alt"]]:
        problems.append(f"{url}: og:image:alt is wrong")
    with translation.override(picture["language"]):
        credit_line = gettext("Photo: %(credit)s") % {"credit": picture["credit"]}
    shown = text_of(html, "figcaption")
    if shown != [f"{picture['caption']} {credit_line}"]:
        problems.append(f"{url}: the lead picture's caption shows as {shown!r}")
    expected = {
        "caption": collapse_whitespace(picture["caption"]),
        "creditText": picture["credit"],
        "copyrightNotice": picture["copyright"],
        "creator": {"@type": "Person", "name": picture["creator"]},
    }
    for image in news["image"]:
        found = {key: image.get(key) for key in expected}
        if found != expected:
            problems.append(f"{url}: JSON-LD image has {found!r}, not {expected!r}")
    return problems


HTML_IN_FEEDS = {"description", "content", "summary", "encoded"}


def check_feed(response, url, headlines) -> list[str]:
    if response.status_code != 200:
        return [f"{url}: status {response.status_code}"]
    if response["Content-Type"].startswith("application/feed+json"):
        feed = json.loads(response.content)
        problems = []
        for item in feed["items"]:
            problems += no_script_runs(item.get("content_html", ""), f"{url} content_html")
            if item["title"] not in headlines:
                problems.append(f"{url}: item title {item['title']!r}")
        return problems
    problems = []
    for element in xml_document(response.content).iter():
        name = xml_local_name(element)
        if name in NEVER_OURS | {"script", "img", "a", "style", "svg"}:
            problems.append(f"{url}: <{name}> element in the XML")
        if name in HTML_IN_FEEDS and element.get("type", "html") == "html":
            problems += no_script_runs(element.text or "", f"{url} <{name}>")
        if name in {"item", "entry"}:
            [title] = [child.text for child in element if xml_local_name(child) == "title"]
            if title not in headlines:
                problems.append(f"{url}: item title {title!r}")
    return problems


def check_sitemap(response, url, headlines) -> list[str]:
    if response.status_code != 200:
        return [f"{url}: status {response.status_code}"]
    problems = []
    for element in xml_document(response.content).iter():
        if xml_local_name(element) == "title" and element.text not in headlines:
            problems.append(f"{url}: news title {element.text!r}")
    return problems


def every_surface_problem(client, admin_client, story) -> list[str]:
    article, german = story.article, story.translation
    picture = story.picture
    in_german = picture.localizations.get(language="de")
    rights = {
        "credit": picture.credit,
        "creator": picture.creator,
        "copyright": picture.copyright_notice,
    }
    problems = []
    for url in reader_pages(story):
        response = client.get(url)
        problems += check_html_page(response, url)
    for page, headline, language, texts in (
        (article.get_original_url(), article.headline, "en", picture),
        (german.get_absolute_url(), german.headline, "de", in_german),
    ):
        html = client.get(page).content.decode()
        problems += check_article_page(
            html,
            page,
            article,
            headline=headline,
            section_name=story.section.localized("name", language),
            tag_name=story.tag.name,
            author_name=story.author.name,
            picture={"alt": texts.alt, "caption": texts.caption, "language": language, **rights},
        )
    headlines = {article.headline, german.headline}
    for url in feeds(story):
        problems += check_feed(client.get(url), url, headlines)
    for url in sitemaps():
        problems += check_sitemap(client.get(url), url, headlines)
    for url in admin_pages(story):
        problems += check_html_page(admin_client.get(url), url)
    return problems


def search_problems(client, admin_client, text) -> list[str]:
    """What typed into the search boxes comes back on the results pages."""
    problems = []
    for url, reader in (
        (reverse("articles:search"), client),
        (reverse("admin:articles_article_changelist"), admin_client),
        (reverse("admin:articles_author_changelist"), admin_client),
        (reverse("admin:articles_mediaimage_changelist"), admin_client),
    ):
        response = reader.get(url, {"q": text})
        problems += check_html_page(response, f"{url}?q={text!r}")
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_typed_markup_runs_on_any_page_feed_sitemap_or_admin_page(client, admin_client, payload):
    story = make_story()
    fill_everywhere(admin_client, story, payload)

    problems = every_surface_problem(client, admin_client, story)
    problems += search_problems(client, admin_client, payload)

    assert problems == [], "\n".join(problems)


@pytest.mark.django_db
def test_the_corpus_reaches_the_pages_as_text_not_as_markup(client, admin_client):
    # The check above must be able to fail: typed markup shows as the characters typed.
    story = make_story()
    fill_everywhere(admin_client, story, '<img src=x onerror="alert(1)">')

    html = client.get(story.article.get_absolute_url()).content.decode()

    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert executable_markup('<p><img src=x onerror="alert(1)"></p>') != []
    assert executable_markup('<a href=" jav&#x09;ascript:alert(1)">x</a>') != []
    assert (
        executable_markup(
            "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>"
        )
        != []
    )


@pytest.mark.django_db
@settings(
    max_examples=30,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=hostile_text)
def test_an_article_page_runs_no_typed_markup_whatever_the_text(client, text):
    section = make_section(name=f"{next(EXAMPLE_NUMBERS)} {text}"[:100])  # names are unique
    author = make_author(name=text or "Ada", bio=text)
    article = make_article(
        headline=text or "Headline",
        standfirst=text,
        body=f"{text}\n\n{SEARCH_WORD}",
        section=section,
        authors=[author],
        tags=[text[:100]] if text.strip(' \n\u00a0\ufeff,"') else [],
        lead_picture=make_image(
            file=png_upload(),
            title=text[:200] or "Picture",
            alt=text,
            caption=text,
            credit=text[:200],
            creator=text[:200],
            copyright_notice=text[:300],
        ),
    )
    pages = [
        article.get_original_url(),
        reverse("articles:home"),
        author.get_absolute_url(),
        reverse("articles:feed-json"),
    ]

    for url in pages:
        response = client.get(url)
        assert response.status_code == 200
        if url.endswith(".json"):
            for item in json.loads(response.content)["items"]:
                assert executable_markup(item.get("content_html", "")) == []
        else:
            assert executable_markup(response.content.decode()) == []
    Article.objects.filter(pk=article.pk).delete()
    MediaImage.objects.filter(pk=article.lead_picture_id).delete()


# Characters XML 1.0 cannot carry (the desk refuses them; rows stored before it did may hold
# them): one U+FFFF in a headline made every RSS and Atom feed and the News sitemap invalid.
UNCARRIABLE = "\uffff\ufffe\x1b"


@pytest.mark.django_db
def test_no_stored_text_makes_a_feed_or_sitemap_invalid_xml(client):
    story = make_story()
    odd = f"Storm{UNCARRIABLE} ahead"
    Article.objects.filter(pk=story.article.pk).update(headline=odd, body_html=f"<p>{odd}</p>")
    ArticleTranslation.objects.filter(pk=story.translation.pk).update(headline=f"Sturm{odd}")
    Author.objects.filter(pk=story.author.pk).update(name=odd)
    Section.objects.filter(pk=story.section.pk).update(name=odd, description=odd)
    Tag.objects.filter(pk=story.tag.pk).update(name=odd)
    # Lead images' texts came into the library from rows older than the validators.
    MediaImage.objects.filter(pk=story.picture.pk).update(
        alt=odd, caption=odd, credit=odd, copyright_notice=odd
    )
    client.raise_request_exception = False

    problems = []
    for url in feeds(story) + sitemaps():
        response = client.get(url)
        if response.status_code != 200:
            problems.append(f"{url}: status {response.status_code}")
            continue
        if set(UNCARRIABLE) & set(response.content.decode()):
            problems.append(f"{url}: carries a character XML cannot")
        if url.endswith(".json"):
            continue
        try:
            xml_document(response.content)
        except ElementTree.ParseError as error:
            problems.append(f"{url}: not XML: {error}")
        feed = feedparser.parse(response.content)
        if "sitemap" not in url and feed.bozo:
            problems.append(f"{url}: feedparser: {feed.bozo_exception}")

    assert problems == [], "\n".join(problems)
