""" "Last modified" has one meaning everywhere: the last time readers were told of a change (a
correction or an update note), else the publication time; never a silent save, a fixture load or a
migration; nothing at all for an undated article.

Four places say it, and they must agree on every page: the HTTP `Last-Modified` header, the
JSON-LD `dateModified` (with OpenGraph's `article:modified_time`), the sitemap's `<lastmod>` and
the Atom feed's `<updated>`.
"""

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.http import parse_http_date

from articles.models import Article, ArticleTranslation, Correction, CorrectionKind, Status

from .factories import make_article, make_author, make_staff
from .forms import change_url, form_data

pytestmark = pytest.mark.django_db

PUBLISHED = datetime(2024, 9, 14, 7, 30, tzinfo=UTC)
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def as_utc(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).astimezone(UTC)


def four_dates(client, path: str, language: str = "en") -> dict:
    """What each of the four places says of the page at `path` (None: it says nothing)."""
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.content.decode()
    header = response.headers.get("Last-Modified")
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    og = re.search(r'<meta property="article:modified_time" content="([^"]+)">', html)
    url = f"http://testserver{path}"
    sitemap = "translations" if language != "en" or "/de/" in path else "articles"
    tree = ET.fromstring(client.get(f"/sitemap-{sitemap}.xml").content)
    lastmod = next(
        (
            entry.findtext(f"{SITEMAP}lastmod")
            for entry in tree.iter(f"{SITEMAP}url")
            if entry.findtext(f"{SITEMAP}loc") == url
        ),
        "absent",
    )
    assert lastmod != "absent", f"{url} is not in the sitemap"
    feed = ET.fromstring(client.get(f"/{language}/feeds/atom.xml").content)
    updated = next(
        (
            entry.findtext(f"{ATOM}updated")
            for entry in feed.iter(f"{ATOM}entry")
            if entry.find(f"{ATOM}link").get("href") == url
        ),
        "absent",
    )
    assert updated != "absent", f"{url} is not in the feed"
    return {
        "Last-Modified": header and datetime.fromtimestamp(parse_http_date(header), UTC),
        "dateModified": as_utc(json.loads(block).get("dateModified")),
        "article:modified_time": as_utc(og and og.group(1)),
        "sitemap lastmod": as_utc(lastmod),
        "Atom updated": as_utc(updated),
    }


def all_say(dates: dict, when: datetime | None) -> None:
    assert dates == dict.fromkeys(dates, when)


def silently_resave(obj, when):
    """A save that tells readers nothing (a typo fix), long after publication."""
    obj.body += " A typo fixed."
    obj.save()
    type(obj).objects.filter(pk=obj.pk).update(updated_at=when)


@pytest.fixture
def seeded():
    call_command("loaddata", "seed_articles", verbosity=0)


@pytest.mark.parametrize(
    ("slug", "published"),
    [
        ("china-helpless-as-russia-courts-north-korea", datetime(2024, 6, 30, 22, 0, tzinfo=UTC)),
        ("kim-meets-putin-china-none-of-its-business", datetime(2023, 9, 12, 22, 0, tzinfo=UTC)),
    ],
)
def test_a_seed_article_was_last_modified_when_it_was_published_not_when_it_was_loaded(
    client, seeded, slug, published
):
    all_say(four_dates(client, f"/en/articles/{slug}/"), published)


def test_the_undated_seed_article_gives_no_date_anywhere(client, seeded):
    article = Article.objects.get(slug="china-eloquent-silence-kim-putin")
    assert article.published_at is None

    all_say(four_dates(client, "/en/articles/china-eloquent-silence-kim-putin/"), None)


def test_saving_the_undated_seed_article_on_the_desk_keeps_it_undated(client, seeded):
    article = Article.objects.get(slug="china-eloquent-silence-kim-putin")
    desk = type(client)()
    desk.force_login(make_staff("Editors"))
    data = form_data(desk.get(change_url(article)), "article_form")
    data["standfirst"] = "A standfirst written on the desk."

    assert desk.post(change_url(article), data).status_code == 302

    assert Article.objects.get(pk=article.pk).published_at is None
    all_say(four_dates(client, "/en/articles/china-eloquent-silence-kim-putin/"), None)


def test_a_silent_save_changes_no_date(client):
    article = make_article(slug="budget", published_at=PUBLISHED, authors=[make_author()])
    silently_resave(article, PUBLISHED + timedelta(days=30))

    all_say(four_dates(client, "/en/articles/budget/"), PUBLISHED)


def test_a_correction_or_an_update_is_the_last_modification_everywhere(client):
    article = make_article(slug="budget", published_at=PUBLISHED, authors=[make_author()])
    corrected = PUBLISHED + timedelta(days=2)
    Correction.objects.create(
        article=article, kind=CorrectionKind.UPDATE, text="More.", noted_at=corrected
    )
    silently_resave(Article.objects.get(pk=article.pk), corrected + timedelta(days=5))

    all_say(four_dates(client, "/en/articles/budget/"), corrected)


def test_an_editors_note_tells_readers_of_no_change_to_the_article(client):
    article = make_article(slug="budget", published_at=PUBLISHED, authors=[make_author()])
    Correction.objects.create(
        article=article, kind=CorrectionKind.EDITORS_NOTE, text="Part of a series.",
        noted_at=PUBLISHED + timedelta(days=1),
    )  # fmt: skip

    all_say(four_dates(client, "/en/articles/budget/"), PUBLISHED)


def test_a_translation_whose_original_was_silently_resaved_keeps_the_originals_dates(client):
    article = make_article(slug="budget", published_at=PUBLISHED, authors=[make_author()])
    translation = ArticleTranslation.objects.create(
        article=article, language="de", headline="Haushalt", slug="haushalt",
        body="Der Rat.", status=Status.PUBLISHED,
    )  # fmt: skip
    silently_resave(Article.objects.get(pk=article.pk), PUBLISHED + timedelta(days=9))
    silently_resave(translation, PUBLISHED + timedelta(days=10))

    all_say(four_dates(client, "/de/articles/haushalt/", language="de"), PUBLISHED)
    all_say(four_dates(client, "/en/articles/budget/"), PUBLISHED)


def test_a_correction_to_the_original_is_the_translations_last_modification_too(client):
    article = make_article(slug="budget", published_at=PUBLISHED, authors=[make_author()])
    ArticleTranslation.objects.create(
        article=article, language="de", headline="Haushalt", slug="haushalt",
        body="Der Rat.", status=Status.PUBLISHED,
    )  # fmt: skip
    corrected = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    Correction.objects.create(article=article, text="Fixed.", noted_at=corrected)

    all_say(four_dates(client, "/de/articles/haushalt/", language="de"), corrected)
