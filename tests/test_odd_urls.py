"""Odd input in a public address answers 4xx or a normal page, never 500.

Every public URL pattern is taken from the URLconf (everything but the admin), in every site
language, so a pattern added later is covered without touching this file: each of its
parameters gets every odd value below, and each pattern is asked with odd page numbers, odd
methods and odd headers (those two with the page cache on, as readers get the site). The
search box and the archive get their own odd input. On PostgreSQL too (CI runs both):
PostgreSQL refuses NUL bytes and out-of-range integers where SQLite does not.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.translation import override

from articles.models import ArticleTranslation, ShareLink, Status
from pages.models import Page

from .factories import make_article, make_author, make_section, make_staff

pytestmark = pytest.mark.django_db

PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
HUGE_NUMBER = "99999999999999999999"

# What each pattern's parameters are set to when the odd input is elsewhere (the query, the
# method, a header). A new pattern needs an entry here; the test says so.
SAMPLE = {
    "article-detail": {"slug": "talks-collapse"},
    "section-detail": {"slug": "world"},
    "section-feed-rss": {"slug": "world"},
    "section-feed-atom": {"slug": "world"},
    "tag-detail": {"slug": "trade"},
    "tag-feed-rss": {"slug": "trade"},
    "tag-feed-atom": {"slug": "trade"},
    "author-detail": {"slug": "ada-reporter"},
    "author-feed-rss": {"slug": "ada-reporter"},
    "author-feed-atom": {"slug": "ada-reporter"},
    "archive-year": {"year": "2024"},
    "archive-month": {"year": "2024", "month": "3"},
    "article-preview": {"pk": "ARTICLE_PK"},
    "translation-preview": {"pk": "TRANSLATION_PK"},
    "shared-preview": {"token": "SHARE_TOKEN"},
    "sitemap-section": {"section": "articles"},
    "section-front-preview": {"slug": "world"},
    "page-detail": {"slug": "impressum"},
    "page-preview": {"pk": "PAGE_PK"},
}

# Values for one path parameter, percent-encoded as a browser or a scanner sends them.
ODD_SEGMENTS = {
    "10,000 characters": "a" * 10_000,
    "10,000 digits": "9" * 10_000,
    "huge number": HUGE_NUMBER,
    "zero": "0",
    "negative": "-1",
    "unicode": "%C3%BCnic%C3%B6de-%E6%97%A5%E6%9C%AC-%F0%9F%94%A5",
    "right-to-left override": "abc%E2%80%AEtxt",
    "percent-encoded slash": "a%2Fb",
    "percent-encoded percent": "%25",
    "double-encoded": "%252e%252e%252f",
    "NUL": "%00",
    "NUL inside": "talks%00collapse",
    "lone surrogate": "%ED%A0%80",
    "invalid UTF-8": "%FF%FE",
    "path traversal": "..%2F..%2F..%2Fetc%2Fpasswd",
    "raw path traversal": "../../../etc/passwd",
    "dots": "..",
    "space and quotes": "a%20%22b%27%3Cscript%3E",
    "superscript digit": "%C2%B2",
}

ODD_PAGES = {
    "non-numeric": "abc",
    "huge": HUGE_NUMBER,
    "10,000 digits": "9" * 10_000,
    "negative": "-1",
    "zero": "0",
    "empty": "",
    "decimal": "1.5",
    "superscript digit": "%C2%B2",
    "arabic-indic digit": "%D9%A3",
    "NUL": "%00",
    "lone surrogate": "%ED%A0%80",
    "twice": "1&page=2",
}

ODD_QUERIES = {
    "10,000 characters": "a" * 10_000,
    "10,000 words": "a%20" * 10_000,
    "only punctuation": (
        "%21%40%23%24%25%5E%26*()_%2B-%3D%5B%5D%7B%7D%7C%3B%27%3A%22%2C.%2F%3C%3E%3F"
    ),
    "tsquery syntax": "%26%7C!%3A*()",
    "tsquery operators between words": "a%20%26%20!b%20%7C%20c%3A*%20%3C-%3E%20d",
    "unbalanced quotes": "%22a%20%22%22b",
    "only a minus": "-",
    "or alone": "or",
    "NUL": "%00",
    "NUL inside a word": "tal%00ks",
    "lone surrogate": "%ED%A0%80",
    "invalid UTF-8": "%FF%FE",
    "backslashes": "%5C%5C%5C",
    "LIKE wildcards": "%25_%25",
    "emoji": "%F0%9F%94%A5",
    "right-to-left override": "%E2%80%AEabc",
    "twice": "a&q=b",
    "empty": "",
}

ODD_DATES = [
    "0",
    "0/1",
    "2024/0",
    "2024/13",
    "2024/99",
    "99999",
    "99999/12",
    HUGE_NUMBER,
    f"2024/{HUGE_NUMBER}",
    "10000/1",
    "-1",
    "2024/-1",
    "2024/1/1",
    "2024/02/30",
    "2024/abc",
]

ODD_METHODS = ["HEAD", "OPTIONS", "PUT", "DELETE", "PATCH", "TRACE", "POST", "PROPFIND"]

ODD_HEADERS = {
    "garbage Accept-Language": {"Accept-Language": "*;q=abc,,;;,de-;q=2,x" * 3},
    "huge Accept-Language": {"Accept-Language": "de-DE-" + "x" * 10_000},
    "Accept-Language with NUL": {"Accept-Language": "de\x00en"},
    "huge cookie": {"Cookie": "sessionid=" + "x" * 8_000 + "; csrftoken=" + "y" * 8_000},
    "garbage cookie": {"Cookie": 'sessionid="\\\x01; ;=;csrftoken=%00; django_language=xx-!!'},
    "bad If-Modified-Since": {"If-Modified-Since": "Mon, 32 Foo 99999 99:99:99 GMT"},
    "If-Modified-Since in the year 0": {"If-Modified-Since": "Mon, 01 Jan 0000 00:00:00 GMT"},
    "huge If-Modified-Since": {"If-Modified-Since": "9" * 10_000},
    "bad If-None-Match": {"If-None-Match": '"' * 101 + "W/,*,,"},
    "If-None-Match star": {"If-None-Match": "*"},
    "bad Range": {"Range": "bytes=9999999999999999999-1"},
    "bad Host port": {"Host": "testserver:99999999999"},
    "bad Accept": {"Accept": "*/*;q=abc, text/html;;"},
}


def public_patterns():
    """(name, route) of every public URL pattern, route with its language prefix."""

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.app_name == "admin" or pattern.namespace == "admin":
                    continue
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield pattern.name, prefix + str(pattern.pattern)

    routes = []
    for language, _name in settings.LANGUAGES:
        with override(language):
            routes += walk(get_resolver().url_patterns, "/")
    return sorted(set(routes))


def fill(route, values: dict) -> str:
    return PARAMETER.sub(lambda match: values[match["name"]], route)


@pytest.fixture
def newsroom():
    section = make_section(name="World", slug="world")
    author = make_author(name="Ada Reporter", slug="ada-reporter")
    article = make_article(
        headline="Talks collapse",
        slug="talks-collapse",
        body="The talks collapsed.",
        section=section,
        authors=[author],
        tags=["Trade"],
        published_at=timezone.make_aware(timezone.datetime(2024, 3, 5, 10, 30)),
    )
    translation = ArticleTranslation.objects.create(
        article=article,
        language="de",
        headline="Gespräche gescheitert",
        slug="gespraeche-gescheitert",
        body="Die Gespräche sind gescheitert.",
        status=Status.PUBLISHED,
    )
    for _n in range(3):
        make_article(section=section, authors=[author], tags=["Trade"])
    link = ShareLink.objects.create(article=article, expires_at=timezone.now() + timedelta(days=1))
    page = Page.objects.create(
        title="Impressum",
        slug="impressum",
        language="en",
        body="Who we are.",
        status=Status.PUBLISHED,
    )
    return {
        "PAGE_PK": str(page.pk),
        "ARTICLE_PK": str(article.pk),
        "TRANSLATION_PK": str(translation.pk),
        "SHARE_TOKEN": link.token,
    }


def sample(name, newsroom) -> dict:
    values = SAMPLE.get(name, {})
    return {key: newsroom.get(value, value) for key, value in values.items()}


@pytest.fixture
def reader():
    return Client(raise_request_exception=False)


@pytest.fixture
def editor():
    client = Client(raise_request_exception=False)
    client.force_login(make_staff("Editors"))
    return client


def server_errors(client, requests) -> list[str]:
    """Each (method, url, headers) that answered 5xx."""
    failures = []
    for method, address, headers in requests:
        response = client.generic(method, address, headers=headers)
        if response.status_code >= 500:
            failures.append(f"{method} {address[:120]} {list(headers)}: {response.status_code}")
    return failures


ODD_PATHS = [
    "/%00",
    "/en/%00/",
    "/" + "a" * 10_000,
    "/en/" + "a/" * 2_000,
    "/%ED%A0%80/",
    "/%FF/",
    "/xx/",
    "/en-us/",
    "/EN/",
    "/en",
    "/en/articles/",
    "/en/articles//",
    "/..%2F..%2Fetc%2Fpasswd",
    "/en/../../etc/passwd",
    "//evil.example/",
    "/static/%00",
    "/static/../manage.py",
    "/media/../../etc/passwd",
    "/sitemap-.xml",
    "/sitemap-%00.xml",
    "/robots.txt/",
]


@pytest.mark.parametrize("path", ODD_PATHS)
def test_addresses_that_match_no_pattern_never_answer_500(reader, newsroom, path):
    assert not server_errors(reader, [("GET", path, {}), ("HEAD", path, {})])


def test_every_public_pattern_has_sample_values():
    for name, route in public_patterns():
        if PARAMETER.search(route):
            assert name in SAMPLE, f"add sample values for the new pattern {name!r} ({route})"


@pytest.mark.parametrize("who", ["reader", "editor"])
@pytest.mark.parametrize("value", ODD_SEGMENTS.values(), ids=ODD_SEGMENTS.keys())
def test_odd_values_in_every_path_parameter_never_answer_500(request, newsroom, who, value):
    client = request.getfixturevalue(who)
    requests = []
    for name, route in public_patterns():
        parameters = [match["name"] for match in PARAMETER.finditer(route)]
        for odd in parameters:
            values = {**sample(name, newsroom), odd: value}
            requests.append(("GET", fill(route, values), {}))
    assert requests
    assert not server_errors(client, requests)


@pytest.mark.parametrize("page", ODD_PAGES.values(), ids=ODD_PAGES.keys())
def test_odd_page_numbers_never_answer_500(reader, newsroom, page):
    # "page" for lists, "p" for contrib's sitemaps.
    requests = [
        ("GET", f"{fill(route, sample(name, newsroom))}?{key}={page}", {})
        for name, route in public_patterns()
        for key in ("page", "p")
    ]
    requests += [("GET", f"/en/search/?q=talks&page={page}", {})]
    assert not server_errors(reader, requests)


@pytest.mark.parametrize("query", ODD_QUERIES.values(), ids=ODD_QUERIES.keys())
def test_odd_search_queries_never_answer_500(reader, newsroom, query):
    requests = [
        ("GET", f"/{language}/search/?q={query}{page}", {})
        for language, _name in settings.LANGUAGES
        for page in ("", "&page=2")
    ]
    assert not server_errors(reader, requests)
    # Odd input finds nothing or something; the page still works.
    response = reader.get(f"/en/search/?q={query}")
    assert response.status_code == 200


@pytest.mark.postgresql_only  # SQLite's word search looks for the punctuation too
def test_a_search_with_tsquery_syntax_still_finds_the_words(reader, newsroom):
    response = reader.get("/en/search/?q=talks%20%26%20!%3A*()")

    assert response.status_code == 200
    assert "Talks collapse" in response.content.decode()


@pytest.mark.parametrize("date", ODD_DATES)
def test_impossible_archive_dates_answer_404(reader, newsroom, date):
    for language, _name in settings.LANGUAGES:
        response = reader.get(f"/{language}/archive/{date}/")
        assert response.status_code == 404, (date, response.status_code)


def test_a_real_archive_month_still_answers(reader, newsroom):
    response = reader.get("/en/archive/2024/3/")

    assert response.status_code == 200
    assert "Talks collapse" in response.content.decode()


@pytest.mark.parametrize("method", ODD_METHODS)
@pytest.mark.usefixtures("page_cache_on")
def test_odd_methods_on_public_pages_never_answer_500(reader, newsroom, method):
    requests = [
        (method, fill(route, sample(name, newsroom)), {}) for name, route in public_patterns()
    ]
    requests.append((method, "/", {}))
    assert not server_errors(reader, requests)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "TRACE"])
def test_pages_refuse_methods_that_would_change_them(reader, newsroom, method):
    for address in ("/en/", "/en/articles/talks-collapse/", "/en/search/?q=talks"):
        response = reader.generic(method, address)
        assert response.status_code == 405, (address, response.status_code)


@pytest.mark.parametrize("headers", ODD_HEADERS.values(), ids=ODD_HEADERS.keys())
@pytest.mark.usefixtures("page_cache_on")
def test_odd_headers_never_answer_500(reader, newsroom, headers):
    requests = [
        ("GET", fill(route, sample(name, newsroom)), headers) for name, route in public_patterns()
    ]
    requests.append(("GET", "/", headers))
    assert not server_errors(reader, requests)
