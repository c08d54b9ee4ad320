"""Embeds at the desk and for readers: fetched once when a body first names them, refused with
the provider's reason, fetched again on request, and shown as a card that loads nothing."""

import re

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from articles.media.library import fetch_embeds
from articles.models import Embed, MediaUse, Status

from .factories import make_article, make_staff
from .forms import change_url, form_data
from .oembed import YOUTUBE, YOUTUBE_ANSWER

pytestmark = pytest.mark.django_db

FORM = "article_form"


@pytest.fixture
def editor(client):
    user = make_staff("Editors")
    client.force_login(user)
    return user


def save_body(client, article, body):
    data = form_data(client.get(change_url(article)), FORM)
    data["body"] = body
    return client.post(change_url(article), data)


def draft():
    return make_article(status=Status.DRAFT, published_at=None)


def test_an_embed_is_fetched_from_its_provider_when_the_body_first_names_it(
    client, editor, oembed_server
):
    oembed_server.answer("youtube", YOUTUBE_ANSWER)
    article = draft()

    response = save_body(client, article, f"Watch.\n\n[[embed {YOUTUBE}]]")

    assert response.status_code == 302
    embed = Embed.objects.get(url=YOUTUBE)
    assert (embed.title, embed.author_name, embed.provider_name) == (
        "Never Gonna Give You Up",
        "Rick Astley",
        "YouTube",
    )
    assert embed.frame_url.startswith("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ")
    assert MediaUse.objects.filter(article=article, embed=embed).exists()
    assert len(oembed_server.requests) == 1

    save_body(client, article, f"Watch again.\n\n[[embed {YOUTUBE}]]")

    assert len(oembed_server.requests) == 1  # kept, not fetched on every save


def test_an_address_from_elsewhere_is_refused_naming_its_host_and_nothing_is_lost(
    client, editor, oembed_server
):
    article = draft()

    response = save_body(client, article, "Mine.\n\n[[embed https://example.org/video/1]]")

    assertContains(response, "this address is on example.org")
    assertContains(response, "[[embed https://example.org/video/1]]")  # the text stays
    article.refresh_from_db()
    assert "example.org" not in article.body
    assert not Embed.objects.exists()


def test_a_provider_that_does_not_know_the_post_is_a_field_error(client, editor, oembed_server):
    oembed_server.answer("youtube", {"error": "gone"}, status=404)

    response = save_body(client, draft(), f"[[embed {YOUTUBE}]]")

    assertContains(response, "YouTube says this post does not exist or is not public.")
    assert not Embed.objects.exists()


def test_readers_get_a_link_card_that_loads_nothing_from_the_provider(client, oembed_server):
    oembed_server.answer("youtube", YOUTUBE_ANSWER)
    fetch_embeds([YOUTUBE])
    article = make_article(body=f"Watch.\n\n[[embed {YOUTUBE} | caption: The song.]]")

    html = client.get(article.get_absolute_url()).content.decode()

    card = re.search(r'<figure class="embed".*?</figure>', html, re.S).group(0)
    assert f'<a href="{YOUTUBE}" rel="noopener noreferrer nofollow">' in card
    assert "Never Gonna Give You Up" in card
    assert '<button type="button" class="embed-load" hidden>' in card
    assert '<figcaption class="embed__caption">The song.</figcaption>' in card
    assert "<iframe" not in html
    # Nothing the browser fetches by itself points elsewhere (data-embed-src waits for a click).
    assert not re.search(r'\s(src|srcset|poster)="https?://', html)


def test_the_csp_lets_only_the_providers_frame_pages(client):
    article = make_article()

    policy = client.get(article.get_absolute_url())["Content-Security-Policy"]

    frames = re.search(r"frame-src ([^;]+)", policy).group(1).split()
    assert "https://www.youtube-nocookie.com" in frames
    assert all(source.startswith("https://") for source in frames)
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy


def test_an_editor_can_fetch_an_embed_again(client, editor, oembed_server):
    oembed_server.answer("youtube", YOUTUBE_ANSWER)
    [embed] = fetch_embeds([YOUTUBE])
    oembed_server.answer("youtube", {**YOUTUBE_ANSWER, "title": "Renamed"})

    response = client.post(
        reverse("admin:articles_embed_changelist"),
        {"action": "fetch_again", "_selected_action": [embed.pk]},
        follow=True,
    )

    assertContains(response, "Fetched 1 embed again.")
    embed.refresh_from_db()
    assert embed.title == "Renamed"


def test_fetching_again_says_why_a_provider_refused(client, editor, oembed_server):
    oembed_server.answer("youtube", YOUTUBE_ANSWER)
    [embed] = fetch_embeds([YOUTUBE])
    oembed_server.answer("youtube", {"error": "gone"}, status=404)

    response = client.post(
        reverse("admin:articles_embed_changelist"),
        {"action": "fetch_again", "_selected_action": [embed.pk]},
        follow=True,
    )

    assertContains(response, "says this post does not exist or is not public.")
    embed.refresh_from_db()
    assert embed.title == "Never Gonna Give You Up"


def test_an_embed_in_use_cannot_be_deleted(client, editor, oembed_server):
    oembed_server.answer("youtube", YOUTUBE_ANSWER)
    [embed] = fetch_embeds([YOUTUBE])
    make_article(body=f"[[embed {YOUTUBE}]]")

    client.post(reverse("admin:articles_embed_delete", args=[embed.pk]), {"post": "yes"})

    assert Embed.objects.filter(pk=embed.pk).exists()


def test_feeds_give_an_embed_as_a_link_with_its_title_and_no_button(client, oembed_server):
    oembed_server.answer("youtube", YOUTUBE_ANSWER)
    fetch_embeds([YOUTUBE])
    make_article(body=f"Watch.\n\n[[embed {YOUTUBE}]]")

    [item] = client.get(reverse("articles:feed-json")).json()["items"]

    assert (
        f'<a href="{YOUTUBE}" rel="noopener noreferrer nofollow">Never Gonna Give You Up</a>'
        in (item["content_html"])
    )
    assert "<button" not in item["content_html"]
    assert "<iframe" not in item["content_html"]
