import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.template import Context, Template
from PIL import Image

from articles.markdown import opening_sentence
from articles.models import (
    Article,
    ArticleTranslation,
    Byline,
    BylineRole,
    Correction,
    CorrectionKind,
    SectionTranslation,
    Status,
)
from articles.reading import ReaderArticle, for_readers
from articles.seo import article_meta, news_article, page_meta

from .factories import make_article, make_author, make_image, make_section, picture_file

pytestmark = pytest.mark.django_db

PUBLISHED = datetime(2024, 9, 14, 7, 30, tzinfo=UTC)  # 09:30 in Berlin (summer time)
EDITED = datetime(2024, 9, 14, 12, 0, tzinfo=UTC)
CORRECTED = datetime(2024, 9, 15, 10, 0, tzinfo=UTC)
HOSTILE = 'Budget </script><script>alert(1)</script> <!-- "&" -->'


def reload(article):
    """The article as the detail view loads it, with updated_at as the test set it."""
    return Article.objects.with_relations().get(pk=article.pk)


def reader(article, translation=None):
    """The article as its page shows it: in `translation` if given, else the original."""
    language = translation.language if translation is not None else article.language
    loaded = for_readers(Article.objects.all(), language, page=True).get(pk=article.pk)
    return ReaderArticle(loaded, language, translation)


def set_updated_at(obj, when):
    type(obj).objects.filter(pk=obj.pk).update(updated_at=when)


@pytest.fixture
def request_(rf):
    return rf.get("/en/")


@pytest.fixture
def section():
    section = make_section(name="Politics", slug="politics")
    SectionTranslation.objects.create(section=section, language="de", name="Politik")
    return section


@pytest.fixture
def article(section):
    """Like a seeded article: two reporters, a credited lead image, a correction and an update."""
    article = make_article(
        headline="The city’s budget, explained",
        slug="budget-explained",
        standfirst="Where the money goes, and why.",
        section=section,
        published_at=PUBLISHED,
        authors=[
            make_author(name="Ada Lovelace", slug="ada-lovelace"),
            make_author(name="Ben Okri", slug="ben-okri"),
        ],
        tags=["Budget", "City hall"],
        lead_picture=make_image(
            file=picture_file(800, 600, name="hall.jpg"),
            alt="City hall at dusk",
            caption="City hall, where the budget was agreed.",
            credit="Jane Doe / dpa",
            creator="Jane Doe",
            copyright_notice="© 2024 dpa",
            license_url="https://www.dpa.com/en/licence",
            acquire_license_url="https://www.dpa.com/en/buy",
        ),
    )
    Correction.objects.create(
        article=article,
        kind=CorrectionKind.CORRECTION,
        text="The budget is **14 million**, not 12 million.",
        noted_at=CORRECTED,
    )
    Correction.objects.create(
        article=article, kind=CorrectionKind.EDITORS_NOTE, text="This article is part of a series."
    )
    set_updated_at(article, EDITED)
    return reload(article)


@pytest.fixture
def german(article):
    translator = make_author(name="Clara Schmidt", slug="clara-schmidt")
    translation = ArticleTranslation.objects.create(
        article=article,
        language="de",
        headline="Der Haushalt der Stadt, erklärt",
        slug="haushalt-erklaert",
        standfirst="Wohin das Geld geht, und warum.",
        body="Der Rat hat entschieden.",
        status=Status.PUBLISHED,
    )
    translation.translators.add(translator)
    set_updated_at(translation, EDITED)
    return ArticleTranslation.objects.get(pk=translation.pk)


# The addresses in an article's metadata that are not the site's: the vocabulary, and the lead
# picture's licence and licensing page at the agency.
NOT_OURS = {"https://schema.org", "https://www.dpa.com/en/licence", "https://www.dpa.com/en/buy"}


def urls_in(data):
    """Every string in a JSON-like structure that looks like a URL."""
    if isinstance(data, dict):
        return [url for value in data.values() for url in urls_in(value)]
    if isinstance(data, list):
        return [url for value in data for url in urls_in(value)]
    return [data] if isinstance(data, str) and "://" in data else []


# JSON-LD ----------------------------------------------------------------------------------------


def test_news_article_names_each_author_with_an_absolute_author_page(article, request_):
    data = news_article(reader(article), request_)

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["author"] == [
        {"@type": "Person", "name": "Ada Lovelace", "url": "http://testserver/en/authors/ada-lovelace/"},
        {"@type": "Person", "name": "Ben Okri", "url": "http://testserver/en/authors/ben-okri/"},
    ]  # fmt: skip


def test_news_article_gives_the_canonical_url_headline_description_and_language(article, request_):
    data = news_article(reader(article), request_)

    url = "http://testserver/en/articles/budget-explained/"
    assert data["url"] == url
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert data["headline"] == "The city’s budget, explained"
    assert data["description"] == "Where the money goes, and why."
    assert data["inLanguage"] == "en"
    assert data["articleSection"] == "Politics"
    assert data["keywords"] == ["Budget", "City hall"]


def test_news_article_dates_are_iso_8601_in_local_time_with_the_offset(article, request_):
    data = news_article(reader(article), request_)

    assert data["datePublished"] == "2024-09-14T09:30:00+02:00"
    # The correction told readers of a change: the article's last modification.
    assert data["dateModified"] == "2024-09-15T12:00:00+02:00"


def test_a_save_after_the_last_correction_tells_readers_nothing_and_changes_no_date(
    article, request_
):
    set_updated_at(article, datetime(2024, 12, 1, 9, 0, tzinfo=UTC))

    data = news_article(reader(article), request_)

    assert data["dateModified"] == "2024-09-15T12:00:00+02:00"


def test_an_article_saved_before_its_scheduled_time_is_not_modified_before_it_appeared(
    request_,
):
    article = make_article(published_at=PUBLISHED)
    set_updated_at(article, datetime(2024, 9, 13, 18, 0, tzinfo=UTC))

    data = news_article(reader(article), request_)

    assert data["dateModified"] == data["datePublished"] == "2024-09-14T09:30:00+02:00"


def test_an_undated_article_has_no_dates_at_all(request_):
    article = make_article(published_at=None)

    data = news_article(reader(article), request_)

    assert "datePublished" not in data
    assert "dateModified" not in data


RENDITION = r"http://testserver/media/renditions/library/\d{4}/\d{2}/[\w-]{16}/"


def test_the_lead_image_carries_its_size_caption_and_credit(article, request_):
    images = news_article(reader(article), request_)["image"]

    # Search engines ask for 16:9, 4:3 and 1:1: the lead picture's three crops, in that order.
    assert [(image["width"], image["height"]) for image in images] == [
        (800, 450),
        (800, 600),
        (600, 600),
    ]
    for image, label in zip(images, ("16x9-800w", "4x3-800w", "1x1-600w"), strict=True):
        assert re.fullmatch(RENDITION + rf"hall-{label}-\w+\.jpg", image["url"]), image["url"]
        assert image == {
            "@type": "ImageObject",
            "url": image["url"],
            "contentUrl": image["url"],
            "width": image["width"],
            "height": image["height"],
            "caption": "City hall, where the budget was agreed.",
            "creditText": "Jane Doe / dpa",
            "creator": {"@type": "Person", "name": "Jane Doe"},
            "copyrightNotice": "© 2024 dpa",
            "license": "https://www.dpa.com/en/licence",
            "acquireLicensePage": "https://www.dpa.com/en/buy",
        }


def test_a_picture_without_rights_details_claims_none_and_the_credit_is_no_copyright(request_):
    article = make_article(lead_picture=make_image(credit="Jane Doe / dpa"))

    images = news_article(reader(article), request_)["image"]

    assert len(images) == 3
    for image in images:
        assert image["creditText"] == "Jane Doe / dpa"
        for claim in ("copyrightNotice", "creator", "license", "acquireLicensePage"):
            assert claim not in image, claim


def test_the_pictures_in_the_body_follow_the_lead_picture_with_their_own_credits(article, request_):
    harbour = make_image(
        file=picture_file(640, 480, name="harbour.jpg"),
        caption="The harbour.",
        credit="Ann Lee / AP",
        creator="Ann Lee",
    )
    article.body = f"The council met.\n\n[[image {harbour.slug} | credit: Ann Lee / AP Photo]]"
    article.save()

    images = news_article(reader(article), request_)["image"]

    assert len(images) == 4
    assert [image["creditText"] for image in images[:3]] == ["Jane Doe / dpa"] * 3
    body = images[3]
    assert re.fullmatch(RENDITION + r"harbour-full-640w-\w+\.jpg", body["url"]), body["url"]
    assert (body["width"], body["height"]) == (640, 480)
    assert body["caption"] == "The harbour."
    assert body["creditText"] == "Ann Lee / AP Photo"
    assert body["creator"] == {"@type": "Person", "name": "Ann Lee"}
    assert "copyrightNotice" not in body


def test_without_a_lead_image_the_default_social_image_stands_in(request_):
    data = news_article(reader(make_article()), request_)

    assert data["image"] == {
        "@type": "ImageObject",
        "url": "http://testserver/static/articles/social-default.png",
        "width": 1200,
        "height": 630,
    }


def test_the_publisher_is_the_configured_name_with_its_logo(article, request_, settings):
    settings.PUBLISHER_NAME = "The Example Courier"

    publisher = news_article(reader(article), request_)["publisher"]

    assert publisher == {
        "@type": "Organization",
        "name": "The Example Courier",
        "url": "http://testserver/en/",
        "logo": {
            "@type": "ImageObject",
            "url": "http://testserver/static/articles/publisher-logo.png",
            "width": 600,
            "height": 60,
        },
    }


@pytest.mark.parametrize("setting", ["PUBLISHER_LOGO", "DEFAULT_SOCIAL_IMAGE"])
def test_the_static_images_are_the_size_the_settings_say(settings, setting):
    config = getattr(settings, setting)

    with Image.open(finders.find(config["path"])) as image:
        assert image.size == (config["width"], config["height"])


def test_corrections_and_clarifications_are_listed_as_correction_comments(article, request_):
    Correction.objects.create(
        article=article, kind=CorrectionKind.UPDATE, text="Council members have now voted."
    )
    Correction.objects.create(
        article=article,
        kind=CorrectionKind.CLARIFICATION,
        text="The figure excludes *pensions*.",
        noted_at=datetime(2024, 9, 16, 8, 0, tzinfo=UTC),
    )

    data = news_article(reader(article), request_)

    # Updates and editor's notes are not corrections of the record.
    assert data["correction"] == [
        {
            "@type": "CorrectionComment",
            "text": "The budget is 14 million, not 12 million.",
            "datePublished": "2024-09-15T12:00:00+02:00",
        },
        {
            "@type": "CorrectionComment",
            "text": "The figure excludes pensions.",
            "datePublished": "2024-09-16T10:00:00+02:00",
        },
    ]


def test_an_article_without_corrections_has_no_correction_key(request_):
    assert "correction" not in news_article(reader(make_article()), request_)


@pytest.mark.parametrize("language", ["en", "de"])
def test_an_unsigned_article_is_credited_to_the_publisher_with_its_address(
    request_, settings, language
):
    # Google's article guidelines ask for an author's url; the publisher's is its home page.
    settings.PUBLISHER_NAME = "The Example Courier"
    article = make_article(unsigned=True, language=language)

    data = news_article(reader(article), request_)

    assert data["author"] == [
        {
            "@type": "Organization",
            "name": "The Example Courier",
            "url": f"http://testserver/{language}/",
        }
    ]


def test_other_byline_roles_are_credited_under_their_own_properties(request_):
    writer, photographer = make_author(name="Wendy Writer"), make_author(name="Pat Photo")
    article = make_article(authors=[writer])
    Byline.objects.create(
        article=article, author=photographer, role=BylineRole.PHOTOGRAPHER, position=1
    )

    data = news_article(reader(article), request_)

    assert [person["name"] for person in data["author"]] == ["Wendy Writer"]
    assert [person["name"] for person in data["contributor"]] == ["Pat Photo"]


def test_a_long_headline_is_cut_on_a_word_to_110_characters(request_):
    headline = "Council agrees " + "a very long and carefully negotiated budget " * 4
    article = make_article(headline=headline)

    cut = news_article(reader(article), request_)["headline"]

    assert len(cut) <= 110
    assert cut.endswith("…")
    assert headline.startswith(cut[:-1])
    assert headline[len(cut) - 1] == " "


def test_an_original_lists_its_published_translations(article, german, request_):
    data = news_article(reader(article), request_)

    assert data["workTranslation"] == [
        {
            "@type": "NewsArticle",
            "@id": "http://testserver/de/articles/haushalt-erklaert/#article",
            "url": "http://testserver/de/articles/haushalt-erklaert/",
            "inLanguage": "de",
        }
    ]
    assert "translationOfWork" not in data


def test_a_translation_describes_itself_and_points_to_its_original(article, german, request_):
    data = news_article(reader(article, german), request_)

    assert data["url"] == "http://testserver/de/articles/haushalt-erklaert/"
    assert data["headline"] == "Der Haushalt der Stadt, erklärt"
    assert data["description"] == "Wohin das Geld geht, und warum."
    assert data["inLanguage"] == "de"
    assert data["articleSection"] == "Politik"
    assert data["translationOfWork"] == {
        "@type": "NewsArticle",
        "@id": "http://testserver/en/articles/budget-explained/#article",
        "url": "http://testserver/en/articles/budget-explained/",
    }
    assert "workTranslation" not in data
    assert data["author"][0]["url"] == "http://testserver/de/authors/ada-lovelace/"
    assert data["translator"] == [
        {
            "@type": "Person",
            "name": "Clara Schmidt",
            "url": "http://testserver/de/authors/clara-schmidt/",
        }
    ]


def test_site_url_setting_is_used_for_every_address(article, german, request_, settings):
    settings.SITE_URL = "https://news.example.org"

    data = news_article(reader(article), request_)
    meta = article_meta(reader(article), request_)

    urls = urls_in(data) + urls_in(meta)
    assert len(urls) > 10
    others = [url for url in urls if not url.startswith("https://news.example.org/")]
    assert others.count("https://schema.org") == 1
    assert set(others) == NOT_OURS


def test_without_site_url_addresses_use_the_request_origin(article, request_, settings):
    settings.SITE_URL = ""

    shown = reader(article)
    urls = urls_in(news_article(shown, request_)) + urls_in(article_meta(shown, request_))

    assert all(url.startswith("http://testserver/") for url in urls if url not in NOT_OURS)
    assert any(url.startswith("http://testserver/media/renditions/") for url in urls)
    assert "example.com" not in json.dumps([news_article(reader(article), request_)])


# The jsonld filter ------------------------------------------------------------------------------


def render_jsonld(data):
    return Template("{% load seo %}{{ data|jsonld }}").render(Context({"data": data}))


def test_jsonld_renders_a_script_element_that_round_trips(article, request_):
    data = news_article(reader(article), request_)

    html = render_jsonld(data)

    match = re.fullmatch(r'<script type="application/ld\+json">(.*)</script>', html, re.S)
    assert match
    assert json.loads(match.group(1)) == data


def test_jsonld_cannot_be_broken_out_of_by_a_hostile_headline(request_):
    article = make_article(headline=HOSTILE)
    data = news_article(reader(article), request_)

    html = render_jsonld(data)

    body = html.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert "</script>" not in body.lower()
    assert "<script" not in body.lower()
    assert "<!--" not in body
    assert "\\u003c/script\\u003e" in body
    assert json.loads(body)["headline"] == HOSTILE


def test_jsonld_renders_nothing_for_no_data():
    assert render_jsonld(None) == ""


# The head tags ----------------------------------------------------------------------------------


class HeadTags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def head_tags(meta):
    parser = HeadTags()
    parser.feed(Template("{% load seo %}{% seo_head meta %}").render(Context({"meta": meta})))
    return parser.tags


def meta_content(tags, attribute, name):
    return [
        attrs["content"] for tag, attrs in tags if tag == "meta" and attrs.get(attribute) == name
    ]


def test_seo_head_renders_canonical_description_and_social_tags(article, german, request_):
    article.standfirst = "Where the money goes. " * 20
    article.save()
    meta = article_meta(reader(article), request_)

    tags = head_tags(meta)

    canonical = "http://testserver/en/articles/budget-explained/"
    links = [attrs for tag, attrs in tags if tag == "link"]
    assert {"rel": "canonical", "href": canonical} in links
    [description] = meta_content(tags, "name", "description")
    assert len(description) <= 160
    assert description.endswith("…")
    assert meta_content(tags, "property", "og:type") == ["article"]
    assert meta_content(tags, "property", "og:title") == ["The city’s budget, explained"]
    assert meta_content(tags, "property", "og:url") == [canonical]
    assert meta_content(tags, "property", "og:locale") == ["en_GB"]
    assert meta_content(tags, "property", "og:locale:alternate") == ["de_DE"]
    [image] = meta_content(tags, "property", "og:image")
    assert re.fullmatch(RENDITION + r"hall-16x9-800w-\w+\.jpg", image), image
    assert meta_content(tags, "property", "og:image:width") == ["800"]
    assert meta_content(tags, "property", "og:image:height") == ["450"]
    assert meta_content(tags, "property", "og:image:alt") == ["City hall at dusk"]
    assert meta_content(tags, "property", "article:published_time") == ["2024-09-14T09:30:00+02:00"]
    assert meta_content(tags, "property", "article:section") == ["Politics"]
    assert meta_content(tags, "property", "article:tag") == ["Budget", "City hall"]
    assert meta_content(tags, "name", "twitter:card") == ["summary_large_image"]
    assert meta_content(tags, "name", "twitter:image") == [image]
    assert not [tag for tag, _attrs in tags if tag == "title"]


def test_the_social_card_is_the_lead_pictures_wide_crop_at_most_1200_wide(request_):
    picture = make_image(
        file=picture_file(2000, 1500, name="quay.jpg"), alt="The quay", focal_x=0.2
    )
    article = make_article(lead_picture=picture)

    meta = article_meta(reader(article), request_)

    image = meta["og"]["image"]
    assert re.fullmatch(RENDITION + r"quay-16x9-1200w-\w+\.jpg", image["url"]), image["url"]
    assert (image["width"], image["height"], image["alt"]) == (1200, 675, "The quay")
    assert meta["twitter"]["image"] == image["url"]
    assert meta["twitter"]["image_alt"] == "The quay"


def test_seo_head_lists_every_language_version_and_the_original_as_x_default(
    article, german, request_
):
    original = "http://testserver/en/articles/budget-explained/"
    translated = "http://testserver/de/articles/haushalt-erklaert/"

    for shown in (None, german):
        meta = article_meta(reader(article, shown), request_)
        alternates = [
            (attrs["hreflang"], attrs["href"])
            for tag, attrs in head_tags(meta)
            if tag == "link" and attrs.get("rel") == "alternate"
        ]
        assert alternates == [("en", original), ("de", translated), ("x-default", original)]


def test_article_meta_for_a_translation_is_canonical_at_the_translation(article, german, request_):
    meta = article_meta(reader(article, german), request_)

    assert meta["title"] == "Der Haushalt der Stadt, erklärt"
    assert meta["canonical"] == "http://testserver/de/articles/haushalt-erklaert/"
    assert meta["og"]["locale"] == "de_DE"
    assert meta["og"]["locale_alternates"] == ["en_GB"]
    assert meta["og"]["article"]["section"] == "Politik"


def test_article_meta_of_a_translation_names_the_original_first_and_as_x_default(
    article, german, request_
):
    meta = article_meta(reader(article, german), request_)

    assert meta["alternates"][0] == {
        "hreflang": "en",
        "href": "http://testserver/en/articles/budget-explained/",
    }
    assert meta["x_default"] == "http://testserver/en/articles/budget-explained/"


def test_page_meta_makes_paths_absolute_and_falls_back_to_the_default_image(request_):
    meta = page_meta(
        request_,
        title="  Politics ",
        description="News  and\nanalysis.",
        canonical="/en/sections/politics/",
        alternates=[("en", "/en/sections/politics/"), ("de", "/de/sections/politics/")],
        x_default="/en/sections/politics/",
    )

    assert meta["title"] == "Politics"
    assert meta["description"] == "News and analysis."
    assert meta["canonical"] == "http://testserver/en/sections/politics/"
    assert meta["alternates"] == [
        {"hreflang": "en", "href": "http://testserver/en/sections/politics/"},
        {"hreflang": "de", "href": "http://testserver/de/sections/politics/"},
    ]
    assert meta["x_default"] == "http://testserver/en/sections/politics/"
    assert meta["og"]["type"] == "website"
    assert meta["og"]["article"] is None
    assert meta["og"]["image"] == {
        "url": "http://testserver/static/articles/social-default.png",
        "width": 1200,
        "height": 630,
        "alt": "Newsroom",
    }
    assert meta["twitter"]["image"] == meta["og"]["image"]["url"]


# The opening sentence ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "sentence"),
    [
        ("<p>Dr. Kim arrived on Monday. She left on Tuesday.</p>", "Dr. Kim arrived on Monday."),
        ("The U.S. Senate voted. Markets rose.", "The U.S. Senate voted."),
        ("Mrs. Ortiz and Prof. Lee met. They talked.", "Mrs. Ortiz and Prof. Lee met."),
        ("Sie plant z.B. Häuser und Schulen. Mehr folgt.", "Sie plant z.B. Häuser und Schulen."),
        ("Haus Nr. 5 brannte. Niemand wurde verletzt.", "Haus Nr. 5 brannte."),
        ("Am 3. Oktober feiern alle. Es ist frei.", "Am 3. Oktober feiern alle."),
        ("J. K. Rowling spoke. Fans cheered.", "J. K. Rowling spoke."),
        ("Is it over? Nobody knows.", "Is it over?"),
        ("It works! Try it.", "It works!"),
        ("“We are friends.” Then he left.", "“We are friends.”"),
        ("Prices fell 2.5 percent. Then rose.", "Prices fell 2.5 percent."),
        ("It ended in 1990. Nobody noticed.", "It ended in 1990."),
        ("Wordless and flowery. This is what she said.", "Wordless and flowery."),
        ("<h2>Background</h2><p>It began quietly. Then not.</p>", "It began quietly."),
        ("<p>A <em>bold</em> &amp; brave plan. More.</p>", "A bold & brave plan."),
        ("<p>One line</p><p>Another. Two.</p>", "One line"),
        ("No full stop at all", "No full stop at all"),
        ("First paragraph, no stop\n\nSecond. Third.", "First paragraph, no stop"),
        ("", ""),
    ],
)
def test_opening_sentence(body, sentence):
    assert opening_sentence(body) == sentence


def test_an_opening_sentence_longer_than_300_characters_is_cut_on_a_word():
    sentence = opening_sentence("<p>" + "very " * 100 + "long. Next.</p>")

    assert len(sentence) <= 300
    assert sentence.endswith("very…")
