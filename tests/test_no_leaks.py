"""No public surface shows, counts or hints at unpublished work.

One table of hidden states, one table of surfaces. For each state the site is asked every
surface twice: once with the hidden work in the database, once after deleting it (and the
author and tag only it used). A reader must not be able to tell the two apart: same status,
same body, same headers, page for page, in both languages. That covers what a marker cannot:
counts, pagination, "N articles found", a page 2 that should not exist. And the hidden work
carries a marker word in every text field, which must appear in no response body or header.

Two answers differ on purpose: a withdrawn article's addresses (and those of its translations,
or of a withdrawn translation) answer 410 Gone instead of 404; the 410 page says only that an
article was withdrawn, and is the same for every article. Sections are the site's navigation,
set up by editors, not work in progress: a section used only by hidden work keeps its (empty)
page; what it must not show is the hidden work.

The page cache is on, so the surrogate-key and Cache-Control headers are compared too. The
scheduled work is due within DJANGO_PAGE_CACHE_SECONDS, when pages are kept only until it
appears: that lifetime goes to a CDN alone (Surrogate-Control, stripped by the VCL), never into
the headers readers see.
"""

import re
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import override
from taggit.models import Tag

from articles.models import (
    Article,
    ArticleTranslation,
    Author,
    Byline,
    BylineRole,
    Correction,
    CorrectionKind,
    ShareLink,
    Status,
)

from .factories import make_article, make_author, make_section

pytestmark = pytest.mark.django_db

MARKER = "zqxmarker"  # in every text field of hidden work
HEAD_WORD = "zqxheadword"  # only in hidden headlines: what a search for it must not find
BODY_WORD = "zqxbodyword"  # only in hidden bodies
COMMON_WORD = "harbour"  # in every article, public and hidden: search counts and pages
PUBLIC_COUNT = 20  # a full first page: one leaked article would make a page 2
LANGUAGES = ("en", "de")


def hidden_text(suffix: str) -> dict:
    return {
        "headline": f"Secret {MARKER} {HEAD_WORD} {COMMON_WORD}",
        "slug": f"secret-{MARKER}-{suffix}",
        "standfirst": f"Standfirst of the {MARKER} story.",
        "body": f"Body of the {MARKER} story: {BODY_WORD} in the {COMMON_WORD}.",
    }


@dataclass
class Newsroom:
    """What every state shares: public work that must keep showing, and what hidden work uses."""

    world: object
    quiet: object  # a section only hidden work is filed in
    public_author: Author
    neighbour: Article  # published, shares a tag with hidden work and hand-picks it as related
    original: Article  # published; some states give it a hidden translation
    hidden_author: Author
    hidden_tag: str
    hidden: list = field(default_factory=list)  # (Article | ArticleTranslation)
    dates: list = field(default_factory=list)  # when hidden work is (or would be) published


@pytest.fixture
def newsroom():
    world, quiet = make_section(name="World", slug="world"), make_section(name="Quiet")
    public_author = make_author(name="Pat Public", slug="pat-public")
    now = timezone.now()
    for n in range(PUBLIC_COUNT - 2):
        make_article(
            headline=f"Public story {n}",
            body=f"Public body {n} by the {COMMON_WORD}.",
            section=world,
            authors=[public_author],
            tags=["Shared"],
            published_at=now - timedelta(hours=2 + n),
        )
    neighbour = make_article(
        headline="Neighbour story",
        body=f"A neighbour by the {COMMON_WORD}.",
        section=world,
        authors=[public_author],
        tags=["Shared"],
        published_at=now - timedelta(minutes=30),
    )
    original = make_article(
        headline="Original story",
        body=f"The original by the {COMMON_WORD}.",
        section=world,
        authors=[public_author],
        tags=["Shared"],
        published_at=now - timedelta(minutes=40),
    )
    Correction.objects.create(article=neighbour, text="A public correction.")
    hidden_author = make_author(
        name=f"Hidden {MARKER} Writer",
        slug=f"hidden-{MARKER}",
        job_title=f"{MARKER} correspondent",
        bio=f"Bio of {MARKER}.",
    )
    return Newsroom(
        world=world,
        quiet=quiet,
        public_author=public_author,
        neighbour=neighbour,
        original=original,
        hidden_author=hidden_author,
        hidden_tag=f"Tag {MARKER}",
    )


def hidden_article(newsroom, suffix, section=None, **fields) -> Article:
    """An article in a hidden state, as hidden work really is: bylined, tagged, corrected."""
    fields = {"status": Status.PUBLISHED, **hidden_text(suffix), **fields}
    fields.setdefault("published_at", None)
    article = Article.objects.create(section=section or newsroom.world, **fields)
    Byline.objects.create(article=article, author=newsroom.public_author, position=0)
    Byline.objects.create(
        article=article, author=newsroom.hidden_author, position=1, role=BylineRole.EDITOR
    )
    article.tags.add("Shared", newsroom.hidden_tag)
    Correction.objects.create(
        article=article, kind=CorrectionKind.CORRECTION, text=f"Corrected the {MARKER}."
    )
    Correction.objects.create(
        article=article, kind=CorrectionKind.CLARIFICATION, text=f"Clarified the {MARKER}."
    )
    # Hand-picked as related by a public article: the pick must not show while it is hidden.
    newsroom.neighbour.related_articles.add(article)
    newsroom.hidden.append(article)
    newsroom.dates.append(article.published_at or timezone.now())
    return article


def hidden_translation(newsroom, article, suffix, status, language="de") -> ArticleTranslation:
    translation = ArticleTranslation.objects.create(
        article=article, language=language, status=status, **hidden_text(f"{suffix}-{language}")
    )
    translation.translators.add(newsroom.hidden_author)
    newsroom.hidden.append(translation)
    return translation


def _in_state(status, **fields):
    def build(newsroom):
        for suffix, section in (("a", newsroom.world), ("b", newsroom.quiet)):
            hidden_article(newsroom, f"{status}-{suffix}", section, status=status, **fields)

    return build


def _scheduled(newsroom):
    # Within the page cache's lifetime (300 s), so that pages are kept only until it is due.
    soon = timezone.now() + timedelta(minutes=2)
    for suffix, section in (("a", newsroom.world), ("b", newsroom.quiet)):
        article = hidden_article(newsroom, f"scheduled-{suffix}", section, published_at=soon)
        # Published itself, but going out with its article only.
        hidden_translation(newsroom, article, f"scheduled-{suffix}", Status.PUBLISHED)


def _withdrawn(newsroom):
    yesterday = timezone.now() - timedelta(days=1)
    for suffix, section in (("a", newsroom.world), ("b", newsroom.quiet)):
        article = hidden_article(
            newsroom,
            f"withdrawn-{suffix}",
            section,
            status=Status.WITHDRAWN,
            published_at=yesterday,
        )
        # Its translation was public with it; its address is gone with it.
        hidden_translation(newsroom, article, f"withdrawn-{suffix}", Status.PUBLISHED)


def _translation_of_public_original(status, language="de"):
    def build(newsroom):
        hidden_translation(newsroom, newsroom.original, status, status, language)

    return build


def _published_translation_of_unpublished_original(newsroom):
    article = hidden_article(newsroom, "unpublished-original", status=Status.DRAFT)
    hidden_translation(newsroom, article, "of-draft", Status.PUBLISHED)


HIDDEN_STATES = {
    "draft": _in_state(Status.DRAFT),
    "in review": _in_state(Status.IN_REVIEW),
    "withdrawn": _withdrawn,
    "scheduled": _scheduled,
    "draft translation of a published article": _translation_of_public_original(Status.DRAFT),
    "translation in review of a published article": _translation_of_public_original(
        Status.IN_REVIEW
    ),
    "withdrawn translation of a published article": _translation_of_public_original(
        Status.WITHDRAWN
    ),
    "published translation into a language the site is not in": _translation_of_public_original(
        Status.PUBLISHED, language="fr"
    ),
    "published translation of an unpublished original": (
        _published_translation_of_unpublished_original
    ),
}


# Surfaces ---------------------------------------------------------------------------------------


def url(name, language, query="", **kwargs):
    with override(language):
        return reverse(f"articles:{name}", kwargs=kwargs) + query


def public_surfaces(newsroom) -> list[str]:
    """Every address a reader or a crawler can ask for, in both languages."""
    urls = [
        "/robots.txt",
        "/sitemap.xml",
        *(
            f"/sitemap-{name}.xml"
            for name in ("articles", "translations", "sections", "tags", "authors", "news")
        ),
    ]
    tag_slugs = ["shared", slugify(newsroom.hidden_tag)]
    author_slugs = [newsroom.public_author.slug, newsroom.hidden_author.slug]
    section_slugs = [newsroom.world.slug, newsroom.quiet.slug]
    periods = {(moment.year, moment.month) for moment in map(timezone.localtime, newsroom.dates)}
    for language in LANGUAGES:
        urls += [
            url("home", language),
            url("home", language, "?page=2"),
            url("corrections", language),
            url("archive", language),
            url("feed-rss", language),
            url("feed-atom", language),
            url("feed-json", language),
            url("article-detail", language, slug=newsroom.neighbour.slug),
            url("article-detail", language, slug=newsroom.original.slug),
        ]
        for word in (HEAD_WORD, BODY_WORD, COMMON_WORD):
            urls.append(url("search", language, f"?q={word}"))
        urls.append(url("search", language, f"?q={COMMON_WORD}&page=2"))
        for slug in section_slugs:
            urls += [
                url("section-detail", language, slug=slug),
                url("section-detail", language, "?page=2", slug=slug),
                url("section-feed-rss", language, slug=slug),
                url("section-feed-atom", language, slug=slug),
            ]
        for slug in tag_slugs:
            urls += [
                url("tag-detail", language, slug=slug),
                url("tag-detail", language, "?page=2", slug=slug),
                url("tag-feed-rss", language, slug=slug),
                url("tag-feed-atom", language, slug=slug),
            ]
        for slug in author_slugs:
            urls += [
                url("author-detail", language, slug=slug),
                url("author-detail", language, "?page=2", slug=slug),
                url("author-feed-rss", language, slug=slug),
                url("author-feed-atom", language, slug=slug),
            ]
        for year, month in periods:
            urls += [
                url("archive-year", language, year=year),
                url("archive-year", language, "?page=2", year=year),
                url("archive-month", language, year=year, month=month),
            ]
        for item in newsroom.hidden:
            # Its own address, and each hidden slug under the other language's prefix too.
            urls.append(url("article-detail", language, slug=item.slug))
            preview = "translation-preview" if isinstance(item, ArticleTranslation) else None
            urls.append(url(preview or "article-preview", language, pk=item.pk))
    return urls


def is_gone(item) -> bool:
    """Withdrawn work answers 410 at the addresses it was read at."""
    if isinstance(item, ArticleTranslation):
        return Status.WITHDRAWN in {item.status, item.article.status} and (
            item.status != Status.DRAFT and item.language in LANGUAGES
        )
    return item.status == Status.WITHDRAWN


# Comparing ------------------------------------------------------------------------------------

# Feeds with no items say when they were built: now. Nonces differ on every response.
VOLATILE = [
    (re.compile(r"<lastBuildDate>[^<]*</lastBuildDate>"), "<lastBuildDate/>"),
    (re.compile(r"(<feed [^>]*>.*?<updated>)[^<]*(</updated>)", re.S), r"\1\2"),
    (re.compile(r"nonce-[A-Za-z0-9+/=_-]+"), "nonce-"),
    (re.compile(r'nonce="[^"]*"'), 'nonce=""'),
]


def normalized(text: str) -> str:
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    headers: tuple

    @classmethod
    def of(cls, response):
        body = b"".join(response.streaming_content) if response.streaming else response.content
        headers = tuple(
            sorted(
                (name.lower(), normalized(value))
                for name, value in response.headers.items()
                # ETag and length follow from the body; the others say "now" on some answers
                # (a feed with no items was last modified now).
                if name.lower() not in {"etag", "content-length", "expires", "last-modified"}
            )
        )
        return cls(response.status_code, normalized(body.decode()), headers)

    def mentions(self, word: str, requested: str) -> bool:
        # Pages that cannot find an address may repeat it (the language switcher of a 404):
        # the reader typed it, so it tells them nothing new.
        body = self.body
        for part in urlsplit(requested).path.split("/"):
            if word in part:
                body = body.replace(part, "")
        headers = " ".join(value for _name, value in self.headers)
        return word in body.lower() or word in headers.lower()


def ask(client, urls) -> dict[str, Answer]:
    return {address: Answer.of(client.get(address)) for address in urls}


@pytest.mark.parametrize("state", HIDDEN_STATES)
@pytest.mark.usefixtures("page_cache_on")
def test_no_public_surface_reveals_hidden_work(client, newsroom, state):
    HIDDEN_STATES[state](newsroom)
    urls = public_surfaces(newsroom)
    gone_urls = {
        address
        for item in newsroom.hidden
        if is_gone(item)
        for address in urls
        if address.endswith(f"/articles/{item.slug}/")
    }
    with_hidden = ask(client, urls)

    for item in newsroom.hidden:
        item.delete()
    Author.objects.filter(pk=newsroom.hidden_author.pk).delete()
    Tag.objects.filter(name=newsroom.hidden_tag).delete()
    without_hidden = ask(client, urls)

    leaks = []
    for address in urls:
        seen, unseen = with_hidden[address], without_hidden[address]
        if seen.mentions(MARKER, address):
            leaks.append(f"{address}: shows the marker")
        if address in gone_urls:
            if seen.status != 410:
                leaks.append(f"{address}: {seen.status}, not 410 Gone")
        elif seen != unseen:
            leaks.append(f"{address}: differs from the site without the hidden work")

    assert not leaks, "\n".join(leaks)
    # The site answered something real, not 404s all round.
    assert with_hidden[url("home", "en")].status == 200
    assert "Neighbour story" in with_hidden[url("home", "en")].body


def headers_but_length(response):
    # Length and ETag follow from the body, which differs by the requested address.
    return sorted(
        (name, normalized(value))
        for name, value in response.headers.items()
        if name.lower() not in {"content-length", "etag"}
    )


@pytest.mark.parametrize("state", ["draft", "in review", "scheduled", "withdrawn"])
def test_a_hidden_articles_address_answers_like_one_that_never_existed(client, newsroom, state):
    HIDDEN_STATES[state](newsroom)
    article = newsroom.hidden[0]

    for language in LANGUAGES:
        hidden = client.get(url("article-detail", language, slug=article.slug))
        never = client.get(url("article-detail", language, slug="never-existed-at-all"))

        assert never.status_code == 404
        if state == "withdrawn":
            # Documented: withdrawn work is Gone, and the page says no more than that.
            other = Article.objects.filter(status=Status.WITHDRAWN).exclude(pk=article.pk).get()
            second = client.get(url("article-detail", language, slug=other.slug))
            assert hidden.status_code == second.status_code == 410
            assert normalized(hidden.content.decode()).replace(article.slug, "") == normalized(
                second.content.decode()
            ).replace(other.slug, "")
            assert "withdrawn" in hidden.content.decode().lower() or language == "de"
        else:
            assert hidden.status_code == 404
            assert normalized(hidden.content.decode()).replace(article.slug, "SLUG") == (
                normalized(never.content.decode()).replace("never-existed-at-all", "SLUG")
            )
            assert headers_but_length(hidden) == headers_but_length(never)


@pytest.mark.parametrize("state", ["draft", "scheduled", "withdrawn"])
def test_dead_share_links_show_nothing_of_the_article(client, newsroom, state):
    HIDDEN_STATES[state](newsroom)
    first, second = [item for item in newsroom.hidden if isinstance(item, Article)][:2]
    now = timezone.now()
    revoked = ShareLink.objects.create(article=first, revoked_at=now)
    expired = ShareLink.objects.create(article=second, expires_at=now - timedelta(seconds=1))
    live = ShareLink.objects.create(article=first)

    answers = {link.pk: client.get(link.get_absolute_url()) for link in (revoked, expired, live)}

    # The live link is what it is for, unless the work was withdrawn (readable nowhere, see
    # test_withdrawn_work.py); the dead ones say only that the link is dead.
    dead_links = [revoked, expired]
    if state == "withdrawn":
        dead_links.append(live)
    else:
        assert answers[live.pk].status_code == 200
        assert MARKER in answers[live.pk].content.decode()
    dead = [answers[link.pk] for link in dead_links]
    assert {answer.status_code for answer in dead} == {410}
    bodies = {
        normalized(answer.content.decode()).replace(link.token, "TOKEN")
        for answer, link in zip(dead, dead_links, strict=True)
    }
    assert len(bodies) == 1  # revoked, expired or withdrawn, this article or that: one answer
    for answer in dead:
        assert MARKER not in answer.content.decode()
        assert MARKER not in " ".join(answer.headers.values())
