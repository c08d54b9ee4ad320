"""The desk's list filters by author and tag: right rows, each once, and a short sidebar in a
newsroom with thousands of authors and tags; the years of its date drill-down."""

import re
from datetime import UTC, datetime

import pytest

from articles.admin.filters import MostUsedFilter
from articles.models import Byline, BylineRole

from .factories import make_article, make_author, make_staff

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/articles/article/"


@pytest.fixture
def editor_client(client):
    client.force_login(make_staff("Editors"))
    return client


def listed(response):
    return sorted(article.headline for article in response.context["cl"].result_list)


def test_filtering_by_author_lists_each_of_their_articles_once(editor_client):
    ada = make_author(name="Ada")
    shared = make_article(headline="Joint work", authors=[ada, make_author()])
    Byline.objects.create(article=shared, author=ada, role=BylineRole.PHOTOGRAPHER, position=3)
    make_article(headline="Someone else's", authors=[make_author()])

    response = editor_client.get(CHANGELIST, {"author": ada.pk})

    assert listed(response) == ["Joint work"]


def test_filtering_by_tag_lists_only_the_tagged_articles(editor_client):
    make_article(headline="Lake report", tags=["Zürichsee", "Water"])
    make_article(headline="Other story", tags=["Sport"])

    response = editor_client.get(CHANGELIST, {"tag": "zürichsee"})

    assert listed(response) == ["Lake report"]


def test_the_sidebar_offers_the_most_used_authors_and_tags_and_the_one_chosen(
    editor_client, monkeypatch
):
    monkeypatch.setattr(MostUsedFilter, "MOST_USED", 2)
    busy, busier, rare = (
        make_author(name="Busy"),
        make_author(name="Busier"),
        make_author(name="Rare"),
    )
    for _ in range(2):
        make_article(authors=[busy], tags=["Common"])
    for _ in range(3):
        make_article(authors=[busier], tags=["Commoner"])
    make_article(authors=[rare], tags=["Common", "Commoner", "Rarest"])

    page = editor_client.get(CHANGELIST).content.decode()
    chosen = editor_client.get(CHANGELIST, {"author": rare.pk, "tag": "rarest"}).content.decode()

    assert f"?author={busier.pk}" in page and f"?author={busy.pk}" in page
    assert f"author={rare.pk}" not in page
    assert "tag=commoner" in page and "tag=common" in page and "tag=rarest" not in page
    assert f"author={rare.pk}" in chosen and "tag=rarest" in chosen


def test_the_sidebar_counts_uses_on_the_newest_articles_only(editor_client, monkeypatch):
    monkeypatch.setattr(MostUsedFilter, "RECENT", 2)
    old = make_author(name="Old hand")
    make_article(authors=[old], tags=["Archive"], language="fr")
    new = make_author(name="Newcomer")
    for _ in range(2):
        make_article(authors=[new], tags=["Today"])

    page = editor_client.get(CHANGELIST).content.decode()

    assert f"?author={new.pk}" in page and f"author={old.pk}" not in page
    assert "tag=today" in page and "tag=archive" not in page
    # The site's languages are always offered.
    assert "language=en" in page and "language=de" in page and "language=fr" not in page


def test_filtering_by_language_lists_only_that_languages_articles(editor_client):
    make_article(headline="Bericht", language="de")
    make_article(headline="Report", language="en")

    response = editor_client.get(CHANGELIST, {"language": "de"})

    assert listed(response) == ["Bericht"]


def year_links(response):
    """The years the list's date drill-down links to, as shown."""
    page = response.content.decode()
    return re.findall(r'<a href="\?[^"]*published_at__year=\d+[^"]*">(\d+)</a>', page)


def test_the_date_drill_down_offers_each_year_with_articles_in_the_sites_time_zone(
    editor_client, settings
):
    settings.TIME_ZONE = "Europe/Berlin"
    for when in [
        datetime(2019, 6, 1, 12, tzinfo=UTC),
        # 00:30 on New Year's Day in Berlin: an article of 2022, not of 2021.
        datetime(2021, 12, 31, 23, 30, tzinfo=UTC),
        datetime(2023, 3, 1, 12, tzinfo=UTC),
    ]:
        make_article(published_at=when)
    make_article(published_at=None, status="draft")

    response = editor_client.get(CHANGELIST)

    assert year_links(response) == ["2019", "2022", "2023"]


def test_a_filtered_lists_date_drill_down_offers_the_years_of_its_own_articles(editor_client):
    make_article(published_at=datetime(2019, 6, 1, 12, tzinfo=UTC), language="de")
    make_article(published_at=datetime(2020, 6, 1, 12, tzinfo=UTC), language="de")
    make_article(published_at=datetime(2021, 6, 1, 12, tzinfo=UTC), language="en")

    response = editor_client.get(CHANGELIST, {"language": "de"})

    assert year_links(response) == ["2019", "2020"]


# A NUL byte in any parameter of any list of the desk: PostgreSQL refuses NUL in a query, and
# every such request answered 500.

NUL = "a\x00b"


def changelists():
    from django.contrib import admin

    return {
        f"{model._meta.app_label}.{model._meta.model_name}": model_admin
        for model, model_admin in admin.site._registry.items()
    }


def filter_parameters(client, url) -> list[str]:
    """Every parameter the list's filters and date drill-down read, as the list shows them."""
    response = client.get(url)
    assert response.status_code == 200, url
    changelist = response.context.get("cl")
    if changelist is None:  # a page of its own, not Django's list (the front page desk)
        return []
    parameters = [p for spec in changelist.filter_specs for p in spec.expected_parameters()]
    if changelist.date_hierarchy:
        field = changelist.date_hierarchy
        parameters += [f"{field}__year", f"{field}__month", f"{field}__day"]
    return parameters


@pytest.mark.parametrize("model", sorted(changelists()))
def test_a_nul_byte_in_any_filter_or_search_of_a_desk_list_is_no_server_error(admin_client, model):
    make_article(authors=[make_author()], tags=["Storms"])
    app_label, model_name = model.split(".")
    url = f"/admin/{app_label}/{model_name}/"
    admin_client.raise_request_exception = False

    failures = []
    for parameter in [*filter_parameters(admin_client, url), "q", "o", "p"]:
        response = admin_client.get(url, {parameter: NUL})
        if response.status_code >= 500:
            failures.append(f"{parameter}: {response.status_code}")

    assert failures == []


def autocompletes():
    """(app_label, model_name, field_name) of every autocomplete field of the desk."""
    found = []
    for model_admin in changelists().values():
        inlines = [
            inline(model_admin.model, model_admin.admin_site) for inline in model_admin.inlines
        ]
        for source in [model_admin, *inlines]:
            meta = source.model._meta
            found += [(meta.app_label, meta.model_name, f) for f in source.autocomplete_fields]
    return sorted(set(found))


@pytest.mark.parametrize("source", autocompletes(), ids="-".join)
def test_a_nul_byte_in_an_autocomplete_term_is_no_server_error(admin_client, source):
    app_label, model_name, field_name = source
    admin_client.raise_request_exception = False

    response = admin_client.get(
        "/admin/autocomplete/",
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": NUL},
    )

    assert response.status_code < 500
