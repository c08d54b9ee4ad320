"""Secure configuration: security headers and the Content-Security-Policy on every page (also
from the page cache), cookies browsers keep from scripts, a movable admin, quiet bad hosts."""

import base64
import hashlib
import importlib
import logging
import re

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import clear_url_caches, reverse

from .factories import make_article, make_author, make_staff
from .test_settings import PRODUCTION_KEY, read_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def production_https(settings):
    """The HTTPS settings production has by default (the tests run with DJANGO_HTTPS=false)."""
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_security_headers(response):
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy-Report-Only" not in response
    csp = csp_directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:", "https:"]
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "nonce-" not in policy  # a nonce in a cached page would be the same for everyone


def test_a_public_page_carries_every_security_header(client, production_https):
    article = make_article(authors=[make_author()])

    for url in ("/en/", article.get_absolute_url(), "/de/"):
        response = client.get(url, secure=True)
        assert response.status_code == 200, url
        assert_security_headers(response)


def test_an_admin_page_carries_every_security_header(client, production_https):
    login = client.get(reverse("admin:login"), secure=True)
    assert login.status_code == 200
    assert_security_headers(login)

    client.force_login(make_staff("Editors"))
    changelist = client.get(reverse("admin:articles_article_changelist"), secure=True)
    assert changelist.status_code == 200
    assert_security_headers(changelist)


def test_a_page_from_the_page_cache_carries_the_headers_too(client, settings, tmp_path):
    settings.PAGE_CACHE = True
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": tmp_path / "cache",
        },
    }
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    make_article()
    try:
        miss = client.get("/en/", secure=True)
        hit = client.get("/en/", secure=True)
    finally:
        cache.clear()

    assert (miss["X-Page-Cache"], hit["X-Page-Cache"]) == ("miss", "hit")
    assert_security_headers(hit)
    assert hit["Content-Security-Policy"] == miss["Content-Security-Policy"]


def test_the_only_inline_style_allowed_is_the_self_contained_500_pages(client, settings):
    template = (settings.BASE_DIR / "templates" / "500.html").read_text()
    (block,) = re.findall(r"<style>(.*?)</style>", template, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()

    style_src = csp_directives(client.get("/en/"))["style-src"]

    assert style_src == ["'self'", f"'sha256-{digest}'"]
    # The browser hashes the block as served: rendering must leave it byte for byte.
    assert f"<style>{block}</style>" in render_to_string("500.html")


def test_the_page_templates_have_no_inline_script_or_style_attribute(settings):
    """Script runs from static files only; JSON-LD (<script type="application/ld+json">) is
    data, which CSP does not block."""
    offenders = []
    for path in (settings.BASE_DIR / "templates").rglob("*.html"):
        if "email" in path.parts:
            continue  # e-mail: mail programs read no stylesheet, and no CSP applies there
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag:
                offenders.append(f"{path.name}: {tag}")
        if re.search(r"\sstyle=|\son[a-z]+=", text):
            offenders.append(f"{path.name}: style or event-handler attribute")
    assert offenders == []


def test_cookies_are_secure_and_out_of_reach_of_scripts(client, production_https):
    make_staff("Editors", username="ines")

    login_page = client.get(reverse("admin:login"), secure=True)
    csrf = login_page.cookies["csrftoken"]
    response = client.post(
        reverse("admin:login"),
        {"username": "ines", "password": "x", "next": reverse("admin:index")},
        secure=True,
    )

    assert response.status_code == 302
    session = response.cookies["sessionid"]
    for cookie in (csrf, session):
        assert cookie["secure"] is True
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"


def test_production_defaults_are_hardened():
    values = read_settings(
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_HTTPONLY",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "SECURE_REFERRER_POLICY",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "ADMIN_PATH",
        DJANGO_SECRET_KEY=PRODUCTION_KEY,
    )

    assert values == {
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "ADMIN_PATH": "admin/",
    }


# The admin's address ------------------------------------------------------------------------


@pytest.fixture
def admin_at(settings):
    """Serve the admin at another path for one test (the URLconf reads ADMIN_PATH on import)."""
    import newsroom.urls

    def move(path):
        settings.ADMIN_PATH = path
        settings.PAGE_CACHE_EXCLUDED_PREFIXES = (f"/{path}", "/static/", "/media/")
        importlib.reload(newsroom.urls)
        clear_url_caches()

    yield move
    settings.ADMIN_PATH = "admin/"
    importlib.reload(newsroom.urls)
    clear_url_caches()


def test_the_admin_answers_at_a_configured_path_and_not_at_the_old_one(client, admin_at):
    admin_at("newsdesk-7f3a/")
    client.force_login(make_staff("Editors"))

    assert client.get("/newsdesk-7f3a/").status_code == 200
    assert client.get("/newsdesk-7f3a/articles/article/").status_code == 200
    assert reverse("admin:index") == "/newsdesk-7f3a/"
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/articles/article/").status_code == 404


def test_no_public_answer_reveals_the_admin_path(client, admin_at):
    admin_at("newsdesk-7f3a/")
    article = make_article(authors=[make_author()])
    draft = make_article(status="draft", published_at=None)
    translation = draft.translations.create(
        language="de", headline="Entwurf", slug="entwurf", body="Text."
    )
    link = draft.share_links.create()
    public = [
        "/robots.txt",
        "/sitemap.xml",
        "/en/",
        article.get_absolute_url(),
        "/en/feeds/rss.xml",
        "/en/no-such-page/",
        link.get_absolute_url(),
        reverse("articles:article-preview", kwargs={"pk": draft.pk}),
        reverse("articles:translation-preview", kwargs={"pk": translation.pk}),
    ]

    for url in public:
        response = client.get(url)
        assert response.status_code in {200, 404}, (url, response.status_code)
        seen = response.content.decode() + response.headers.get("Location", "")
        assert "newsdesk-7f3a" not in seen, url
    # Previews answer an anonymous visitor as any unknown page does.
    for url in public[-2:]:
        assert client.get(url).status_code == 404


def test_the_admin_path_comes_from_the_environment_and_odd_values_are_refused():
    values = read_settings(
        "ADMIN_PATH",
        "PAGE_CACHE_EXCLUDED_PREFIXES",
        DJANGO_SECRET_KEY=PRODUCTION_KEY,
        DJANGO_ADMIN_PATH="/desk/",
    )
    assert values["ADMIN_PATH"] == "desk/"
    assert values["PAGE_CACHE_EXCLUDED_PREFIXES"][0] == "/desk/"

    for odd in ("en/desk", "../admin", "desk?x=1", "static"):
        from .test_settings import manage

        result = manage("check", DJANGO_SECRET_KEY=PRODUCTION_KEY, DJANGO_ADMIN_PATH=odd)
        assert result.returncode != 0, odd
        assert "DJANGO_ADMIN_PATH must be a path such as desk/" in result.stderr, odd


# Requests for other hosts -------------------------------------------------------------------


def test_a_disallowed_host_answers_400_and_logs_one_warning_line_without_a_traceback(
    client, caplog
):
    with caplog.at_level(logging.INFO):
        response = client.get("/en/", HTTP_HOST="attacker.example")

    assert response.status_code == 400
    records = [r for r in caplog.records if "attacker.example" in r.getMessage()]
    assert len(records) == 1
    (record,) = records
    assert record.name == "django.security.DisallowedHost"
    assert record.levelname == "WARNING"  # the site did right; nothing for an operator to fix
    assert record.exc_info is None and record.exc_text is None
    assert "\n" not in record.getMessage()
    assert "Traceback" not in caplog.text
