"""The seed fixture: three source texts loaded as published articles, faithfully and idempotently.

The sources are parsed here on their own, without looking at the fixture, so a fixture that drops,
reorders, "corrects" or invents text fails.
"""

import html
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.html import strip_tags
from taggit.models import Tag

from articles.models import (
    Article,
    Author,
    Byline,
    BylineRole,
    MediaImage,
    Section,
    Status,
    TaggedArticle,
)
from tests.factories import make_article, make_author, make_section

pytestmark = pytest.mark.django_db

SOURCES_DIR = settings.BASE_DIR / "fixtures" / "sources"
FIXTURE_FILE = settings.BASE_DIR / "fixtures" / "seed_articles.json"
NEWSROOM_TIME_ZONE = ZoneInfo("Europe/Berlin")

# The editorial decisions the fixture records: which source became which article. Headlines keep
# the sources' typographic apostrophe.
ARTICLES = {
    "000_fc1afdc615761265.txt": {
        "slug": "china-helpless-as-russia-courts-north-korea",
        "headline": "China acts helplessly as Russia becomes North Korea’s closest partner",
        "has_standfirst": True,
    },
    "001_25ffb879517cff8a.txt": {
        "slug": "kim-meets-putin-china-none-of-its-business",
        "headline": "Kim meets Putin, and China acts as if it is none of its business",
        "has_standfirst": True,
    },
    "004_e221d0e699251d77.txt": {
        "slug": "china-eloquent-silence-kim-putin",
        "headline": "China’s eloquent silence on Kim and Putin",
        "has_standfirst": False,
    },
}
SOURCE_NAMES = list(ARTICLES)

# A tag belongs on an article when the source mentions its subject in any of these spellings.
TAG_MENTIONS = {
    "China": r"\bChina\b",
    "North Korea": r"\bNorth Korea",
    "Russia": r"\bRussia",
    "Kim Jong-un": r"\bKim Jong[- ][Uu]n\b",
    "Vladimir Putin": r"\bPutin\b",
    "Xi Jinping": r"\bXi\b",
    "Ukraine war": r"\bUkraine\b",
}

FURNITURE_MARKERS = ["Home page", "From:", "Press Split", "View photo gallery", "©", "More:"]
DATE_LINE = re.compile(r"date (?P<date>\d{4}-\d{2}-\d{2}) Home page (?P<section>[\w-]+)")


@dataclass
class Source:
    """What a source text says, split into page furniture and the article's own text."""

    published_on: date | None = None
    section: str | None = None
    author: str | None = None
    caption: str = ""
    credit: str = ""
    content: list[str] = field(default_factory=list)
    subheadings: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def is_subheading(line: str) -> bool:
    return len(line.split()) < 15 and not line.endswith(".")


def parse_source(name: str) -> Source:
    source = Source()
    for raw_line in (SOURCES_DIR / name).read_text(encoding="utf-8").splitlines():
        line = raw_line.strip()
        if not line:
            continue
        if match := DATE_LINE.fullmatch(line):
            source.published_on = date.fromisoformat(match["date"])
            source.section = match["section"]
        elif line.startswith("From: "):
            source.author = line.removeprefix("From: ")
        elif " © " in line:
            source.caption, source.credit = line.split(" © ")
        elif (
            line == "Press Split"
            or line.endswith(" View photo gallery")
            or line.startswith("More: ")
        ):
            source.dropped.append(line)
        else:
            source.content.append(line)
            if is_subheading(line):
                source.subheadings.append(line)
    return source


def sentences(paragraph: str) -> list[str]:
    # A full stop, question or exclamation mark, possibly inside a closing quote, then a space.
    return re.split(r"(?<=[.?!])\s+|(?<=[.?!][\u201d\u2019])\s+", paragraph)


def collapse_whitespace(text: str) -> str:
    return " ".join(text.split())


def markdown_text(article: Article) -> str:
    body = re.sub(r"^## ", "", article.body, flags=re.MULTILINE)
    return collapse_whitespace(f"{article.standfirst}\n\n{body}")


def rendered_text(article: Article) -> str:
    page_text = html.unescape(strip_tags(article.body_html))
    return collapse_whitespace(f"{article.standfirst} {page_text}")


def assert_in_order(needles: list[str], haystack: str) -> None:
    position = 0
    for needle in needles:
        found = haystack.find(needle, position)
        assert found != -1, f"missing or out of order: {needle!r}"
        position = found + len(needle)


def body_blocks(article: Article) -> list[str]:
    return [block for block in article.body.split("\n\n") if block.strip()]


def snapshot() -> dict[str, list[dict]]:
    """Every row of every table the fixture writes to, in primary-key order."""
    models = [
        Tag,
        Section,
        Author,
        Article,
        Article.related_articles.through,
        Byline,
        TaggedArticle,
    ]
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in models}


def load_seed() -> None:
    call_command("loaddata", "seed_articles", verbosity=0)


@pytest.fixture
def seeded():
    load_seed()
    return {
        name: Article.objects.get(slug=decisions["slug"]) for name, decisions in ARTICLES.items()
    }


def test_fixture_uses_natural_keys_only_and_lists_dependencies_first():
    objects = json.loads(FIXTURE_FILE.read_text(encoding="utf-8"))
    order = [
        "taggit.tag",
        "articles.section",
        "articles.author",
        "articles.article",
        "articles.byline",
        "articles.taggedarticle",
    ]
    models = [obj["model"] for obj in objects]

    assert all("pk" not in obj for obj in objects)
    assert models == sorted(models, key=order.index)
    for obj in objects:
        # Derived on every save, fixture loads included; a stored copy would only go stale.
        assert "body_html" not in obj["fields"]
        assert "content_digest" not in obj["fields"]


@pytest.mark.parametrize("source_name", SOURCE_NAMES)
def test_every_source_sentence_appears_in_order(seeded, source_name):
    source = parse_source(source_name)
    article = seeded[source_name]
    expected = [sentence for line in source.content for sentence in sentences(line)]

    assert len(expected) > 10
    assert_in_order(expected, markdown_text(article))


@pytest.mark.parametrize("source_name", SOURCE_NAMES)
def test_every_source_sentence_appears_in_order_on_the_rendered_page(seeded, source_name):
    source = parse_source(source_name)
    article = seeded[source_name]
    expected = [sentence for line in source.content for sentence in sentences(line)]

    assert_in_order(expected, rendered_text(article))


@pytest.mark.parametrize("source_name", SOURCE_NAMES)
def test_standfirst_and_body_hold_the_source_text_and_nothing_else(seeded, source_name):
    source = parse_source(source_name)
    article = seeded[source_name]
    standfirst = source.content[0] if ARTICLES[source_name]["has_standfirst"] else ""
    body_lines = source.content[1:] if standfirst else source.content
    blocks = [block.removeprefix("## ") for block in body_blocks(article)]

    assert article.standfirst == standfirst
    assert blocks == body_lines
    assert markdown_text(article) == collapse_whitespace(" ".join(source.content))


@pytest.mark.parametrize("source_name", SOURCE_NAMES)
def test_short_source_lines_become_subheadings(seeded, source_name):
    source = parse_source(source_name)
    article = seeded[source_name]
    heading_lines = [line for line in article.body.splitlines() if line.startswith("#")]
    rendered_headings = [
        html.unescape(text) for text in re.findall(r"<h2>(.*?)</h2>", article.body_html)
    ]

    assert source.subheadings
    assert heading_lines == [f"## {line}" for line in source.subheadings]
    assert rendered_headings == source.subheadings


@pytest.mark.parametrize("source_name", SOURCE_NAMES)
def test_source_text_is_not_read_as_markdown_syntax(seeded, source_name):
    source = parse_source(source_name)
    article = seeded[source_name]
    tags = re.findall(r"<(\w+)", article.body_html)
    paragraphs = len(body_blocks(article)) - len(source.subheadings)

    assert set(tags) == {"p", "h2"}
    assert tags.count("p") == paragraphs
    assert tags.count("h2") == len(source.subheadings)


@pytest.mark.parametrize("source_name", SOURCE_NAMES)
def test_page_furniture_never_reaches_the_article_text(seeded, source_name):
    source = parse_source(source_name)
    article = seeded[source_name]
    furniture = FURNITURE_MARKERS + source.dropped + ([source.caption] if source.caption else [])

    for text in (article.standfirst, article.body, rendered_text(article)):
        for piece in furniture:
            assert piece not in text


@pytest.mark.parametrize("source_name", SOURCE_NAMES)
def test_each_source_is_a_published_english_article_with_its_headline(seeded, source_name):
    article = seeded[source_name]

    assert article.headline == ARTICLES[source_name]["headline"]
    assert article.status == Status.PUBLISHED
    assert article.language == "en"


@pytest.mark.parametrize("source_name", SOURCE_NAMES)
def test_date_line_gives_midnight_in_berlin_and_no_date_line_leaves_it_undated(seeded, source_name):
    source = parse_source(source_name)
    article = seeded[source_name]

    if source.published_on is None:
        assert article.published_at is None
    else:
        midnight = datetime.combine(source.published_on, datetime.min.time(), NEWSROOM_TIME_ZONE)
        assert article.published_at == midnight
        assert article.published_at.astimezone(NEWSROOM_TIME_ZONE).hour == 0


@pytest.mark.parametrize("source_name", SOURCE_NAMES)
def test_every_article_is_filed_in_politics(seeded, source_name):
    source = parse_source(source_name)
    article = seeded[source_name]

    # 004 has no furniture line; filing it in Politics is an editorial decision.
    assert source.section in {"politics", None}
    assert article.section.slug == "politics"
    assert article.section.name == "Politics"


@pytest.mark.parametrize("source_name", SOURCE_NAMES)
def test_from_line_gives_the_reporter_byline_and_nothing_else_does(seeded, source_name):
    source = parse_source(source_name)
    article = seeded[source_name]
    bylines = [(b.author.name, b.role, b.position) for b in article.bylines.all()]

    expected = [(source.author, BylineRole.REPORTER, 0)] if source.author else []
    assert bylines == expected


def test_the_author_carries_only_what_the_sources_say(seeded):
    author = Author.objects.get()

    assert (author.name, author.slug) == ("Sven Hauberg", "sven-hauberg")
    assert author.job_title == ""
    assert author.bio == ""
    assert author.user is None


@pytest.mark.parametrize("source_name", SOURCE_NAMES)
def test_no_picture_is_invented_for_a_photo_the_sources_only_describe(seeded, source_name):
    # The library keeps pictures with their files; the sources have only a photo's caption and
    # credit, so the fixture drops them (fixtures/README.md) rather than invent a picture.
    source = parse_source(source_name)
    article = seeded[source_name]

    assert article.lead_picture is None
    assert not MediaImage.objects.exists()
    assert not article.media_uses.exists()
    for piece in [source.caption, source.credit] if source.credit else []:
        for text in (article.standfirst, article.body, rendered_text(article)):
            assert piece not in text


def test_the_kim_and_putin_photo_credited_to_dpa_is_left_out_with_its_caption(seeded, client):
    source = parse_source("001_25ffb879517cff8a.txt")
    article = seeded["001_25ffb879517cff8a.txt"]

    page = client.get(article.get_absolute_url()).content.decode()

    assert source.caption == (
        "Dictators among themselves: Russian President Vladimir Putin and "
        "North Korean dictator Kim Jong-un"
    )
    assert source.credit == "Artyom Geodakyan / dpa"
    assert "Dictators among themselves" not in page
    assert "Geodakyan" not in page
    assert "<figure" not in page


@pytest.mark.parametrize("source_name", SOURCE_NAMES)
def test_articles_are_tagged_with_exactly_the_subjects_they_mention(seeded, source_name):
    text = " ".join(parse_source(source_name).content)
    mentioned = {name for name, pattern in TAG_MENTIONS.items() if re.search(pattern, text)}

    assert set(seeded[source_name].tags.names()) == mentioned


def test_the_undated_article_is_not_tagged_with_xi(seeded):
    assert "Xi Jinping" not in seeded["004_e221d0e699251d77.txt"].tags.names()


@pytest.mark.parametrize("source_name", SOURCE_NAMES)
def test_each_article_relates_to_the_other_two(seeded, source_name):
    others = {d["slug"] for name, d in ARTICLES.items() if name != source_name}
    related = seeded[source_name].related_articles.values_list("slug", flat=True)

    assert set(related) == others


def test_all_three_articles_are_public_after_loading(seeded):
    public = Article.objects.published().values_list("slug", flat=True)

    assert set(public) == {d["slug"] for d in ARTICLES.values()}


def test_loading_twice_changes_no_row():
    load_seed()
    first = snapshot()
    load_seed()

    assert Article.objects.count() == 3
    assert Author.objects.count() == 1
    assert Section.objects.count() == 1
    assert Tag.objects.count() == 7
    assert Byline.objects.count() == 2
    assert TaggedArticle.objects.count() == 7 + 7 + 6
    assert Article.related_articles.through.objects.count() == 6
    assert snapshot() == first


def test_loading_beside_existing_articles_leaves_them_untouched():
    author = make_author(name="Jane Doe", slug="jane-doe")
    other = make_article(
        slug="an-older-story", section=make_section(name="World", slug="world"), authors=[author]
    )
    other.tags.add("Japan")
    other.related_articles.add(make_article(slug="its-follow-up"))
    before = snapshot()

    load_seed()

    after = snapshot()
    for label, rows in before.items():
        kept = {row["id"] for row in rows}
        assert [row for row in after[label] if row["id"] in kept] == rows, label
    assert Article.objects.count() == 2 + 3
    assert set(other.tags.names()) == {"Japan"}


BROKEN_FIXTURES = {
    "byline for an author who does not exist": (
        [
            {
                "model": "articles.article",
                "fields": {
                    "headline": "Probe",
                    "slug": "broken-probe",
                    "body": "Text.",
                    "section": ["politics"],
                    "created_at": "2026-11-22T00:00:00Z",
                    "updated_at": "2026-11-22T00:00:00Z",
                },
            },
            {
                "model": "articles.byline",
                "fields": {
                    "article": ["broken-probe"],
                    "author": ["no-such-author"],
                    "role": "reporter",
                    "position": 0,
                },
            },
        ],
        r'author \["no-such-author"\] does not exist',
    ),
    "article in a section that does not exist": (
        [
            {"model": "articles.author", "fields": {"name": "Probe", "slug": "probe-author"}},
            {
                "model": "articles.article",
                "fields": {
                    "headline": "Probe",
                    "slug": "broken-probe",
                    "body": "Text.",
                    "section": ["no-such-section"],
                    "created_at": "2026-11-22T00:00:00Z",
                    "updated_at": "2026-11-22T00:00:00Z",
                },
            },
        ],
        r'section \["no-such-section"\] does not exist',
    ),
}


@pytest.mark.parametrize(
    ("objects", "message"), BROKEN_FIXTURES.values(), ids=BROKEN_FIXTURES.keys()
)
def test_a_broken_fixture_fails_naming_the_problem_and_loads_nothing(tmp_path, objects, message):
    load_seed()
    before = snapshot()
    broken = tmp_path / "broken.json"
    valid_first = [{"model": "taggit.tag", "fields": {"name": "Probe", "slug": "probe"}}]
    broken.write_text(json.dumps(valid_first + objects), encoding="utf-8")

    with pytest.raises(CommandError, match=rf"Refused fixture .*{message}"):
        call_command("loaddata", str(broken), verbosity=0)

    assert snapshot() == before
