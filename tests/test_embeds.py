"""Embeds: the addresses editors may embed, what providers answer, and the card readers get."""

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string

from articles.media import embeds
from articles.media.embeds import EmbedError, provider_for, resolve
from articles.media.providers import frame_sources, providers

from .markup import URL_ATTRIBUTES, local_name, parse
from .oembed import YOUTUBE, YOUTUBE_ANSWER
from .ports import free_ports

STATIC = Path(__file__).resolve().parent.parent / "articles" / "static" / "articles"


def framed(src):
    """An oEmbed answer (JSON bytes) whose markup frames `src`."""
    return json.dumps({"html": f'<iframe src="{src}"></iframe>'}).encode()


def error_of(url):
    with pytest.raises(EmbedError) as caught:
        resolve(url)
    return caught.value


RECOGNISED = [
    (YOUTUBE, "youtube"),
    ("https://youtube.com/watch?feature=shared&v=dQw4w9WgXcQ", "youtube"),
    ("https://youtu.be/dQw4w9WgXcQ?si=abc", "youtube"),
    ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "youtube"),
    ("https://vimeo.com/76979871", "vimeo"),
    ("https://vimeo.com/76979871/8272103f6e", "vimeo"),
    ("https://mastodon.social/@Gargron/109397183473155355", "mastodon"),
    ("https://chaos.social/@someone@example.org/109397183473155355", "mastodon"),
    ("https://social.bund.de/users/bmi/statuses/111", "mastodon"),
    ("https://det.social/@tagesschau/1", "mastodon"),
    ("https://mastodon.online/@a/2", "mastodon"),
    ("https://bsky.app/profile/bsky.app/post/3l6oveex3ii2l", "bluesky"),
    ("https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3l6oveex3ii2l", "bluesky"),
    ("https://x.com/NASA/status/1800000000000000000", "x"),
    ("https://twitter.com/NASA/status/1800000000000000000/photo/1", "x"),
    ("https://www.instagram.com/p/C1a2B3c4D5e/", "instagram"),
    ("https://instagram.com/reel/C1a2B3c4D5e/", "instagram"),
    ("https://datawrapper.dwcdn.net/AbC12/3/", "datawrapper"),
    ("https://www.datawrapper.de/_/AbC12/", "datawrapper"),
    ("https://soundcloud.com/forss/flickermood", "soundcloud"),
    ("https://open.spotify.com/episode/4rOoJ6Egrf8K2IrywzwOMk", "spotify"),
    ("https://open.spotify.com/intl-de/album/4rOoJ6Egrf8K2IrywzwOMk", "spotify"),
    ("https://public.flourish.studio/visualisation/1234567/", "flourish"),
    ("https://www.tiktok.com/@scout2015/video/6718335390845095173", "tiktok"),
]


@pytest.mark.parametrize(("url", "key"), RECOGNISED)
def test_each_providers_addresses_are_recognised(url, key):
    assert provider_for(url).key == key


def test_every_provider_has_an_address_that_is_recognised():
    assert {key for _url, key in RECOGNISED} == {provider.key for provider in providers()}


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://example.com/watch?v=dQw4w9WgXcQ", "example.com"),
        ("https://youtube.com.example.com/watch?v=dQw4w9WgXcQ", "youtube.com.example.com"),
        ("https://www.youtube.com@example.com/watch?v=dQw4w9WgXcQ", "example.com"),
        ("https://www.youtube.com/channel/UCuAXFkgsw1L7xaCfnd5JJOw", "www.youtube.com"),
        ("https://youtu.be/dQw4w9WgXcQtoolong", "youtu.be"),
        ("https://mastodon.example/@Gargron/109397183473155355", "mastodon.example"),
        ("https://www.instagram.com/natgeo/", "www.instagram.com"),
        ("https://open.spotify.com/user/spotify", "open.spotify.com"),
    ],
)
def test_addresses_elsewhere_are_refused_naming_their_host(oembed_server, url, host):
    error = error_of(url)

    assert error.code == "unknown_provider"
    assert provider_for(url) is None
    assert f"this address is on {host}" in error.messages[0]
    assert "YouTube, Vimeo, Mastodon" in error.messages[0]
    assert oembed_server.requests == []


def test_mastodon_instances_are_the_ones_settings_name(settings):
    settings.OEMBED_MASTODON_INSTANCES = ["social.example"]

    assert provider_for("https://social.example/@editor/42").key == "mastodon"
    assert provider_for("https://mastodon.social/@Gargron/42") is None


@pytest.mark.parametrize("url", [YOUTUBE.replace("https", "http"), "ftp://youtu.be/dQw4w9WgXcQ"])
def test_addresses_that_are_not_https_are_refused(oembed_server, url):
    assert error_of(url).code == "not_https"
    assert provider_for(url) is None
    assert oembed_server.requests == []


def test_a_youtube_answer_gives_a_frame_that_sets_no_cookies(oembed_server):
    oembed_server.answer("youtube", YOUTUBE_ANSWER)

    embed = resolve(YOUTUBE)

    assert embed.frame_url == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?feature=oembed"
    assert (embed.provider, embed.provider_name) == ("youtube", "YouTube")
    assert (embed.title, embed.author_name) == ("Never Gonna Give You Up", "Rick Astley")
    assert (embed.width, embed.height) == (672, 378)
    assert embed.html == YOUTUBE_ANSWER["html"]
    assert embed.fetched_at is not None


def test_the_request_asks_for_json_about_the_address(oembed_server):
    oembed_server.answer("youtube", YOUTUBE_ANSWER)

    resolve(f" {YOUTUBE}&utm_source=newsletter#t=42 ")

    [(path, query, headers)] = oembed_server.requests
    assert path == "/youtube"
    assert query["url"] == [YOUTUBE]
    assert query["format"] == ["json"]
    assert int(query["maxwidth"][0]) > 0
    assert "Newsroom" in headers["User-Agent"]


def test_the_address_is_kept_without_trackers_or_fragment(oembed_server):
    oembed_server.answer("youtube", YOUTUBE_ANSWER)

    assert resolve("WWW.YouTube.com/watch?v=dQw4w9WgXcQ&si=x#t=42").url == YOUTUBE


def test_a_bluesky_frame_comes_from_the_posts_at_uri(oembed_server):
    did = "did:plc:z72i7hdynmk6r22z27h6tvur"
    oembed_server.answer(
        "bluesky",
        {
            "author_name": "Bluesky",
            "html": f'<blockquote class="bluesky-embed" data-bluesky-uri="at://{did}/app.bsky.feed.'
            'post/3l6oveex3ii2l"><p lang="en">Hello,<br>world &amp; all</p>&mdash; Bluesky '
            '<a href="https://bsky.app/profile/x">date</a></blockquote>'
            '<script async src="https://embed.bsky.app/static/embed.js"></script>',
        },
    )

    embed = resolve("https://bsky.app/profile/bsky.app/post/3l6oveex3ii2l")

    assert embed.frame_url == f"https://embed.bsky.app/embed/{did}/app.bsky.feed.post/3l6oveex3ii2l"
    assert embed.title == "Hello, world & all"


@pytest.mark.parametrize(
    "html",
    [
        "<blockquote><p>No URI</p></blockquote>",
        '<blockquote data-bluesky-uri="at://did:plc:abc/app.bsky.feed.post/other"></blockquote>',
        '<blockquote data-bluesky-uri="https://evil.example/app.bsky.feed.post/3l6o"></blockquote>',
    ],
)
def test_a_bluesky_answer_about_another_post_or_none_is_refused(oembed_server, html):
    oembed_server.answer("bluesky", {"html": html})

    assert error_of("https://bsky.app/profile/bsky.app/post/3l6o").code == "bad_answer"


@pytest.mark.parametrize("host", ["x.com", "twitter.com"])
def test_a_post_on_x_is_framed_by_its_id(oembed_server, host):
    oembed_server.answer(
        "x",
        {
            "author_name": "NASA",
            "html": '<blockquote class="twitter-tweet"><p lang="en">Liftoff!</p>&mdash; NASA'
            '</blockquote><script async src="https://platform.twitter.com/widgets.js"></script>',
        },
    )

    embed = resolve(f"https://{host}/NASA/status/1800000000000000001")

    assert embed.frame_url == "https://platform.twitter.com/embed/Tweet.html?id=1800000000000000001"
    assert (embed.title, embed.author_name) == ("Liftoff!", "NASA")


def test_a_tiktok_video_is_framed_by_its_id(oembed_server):
    oembed_server.answer(
        "tiktok", {"title": "Scramble up", "author_name": "Scout", "html": "<p>x</p>"}
    )

    embed = resolve("https://www.tiktok.com/@scout2015/video/6718335390845095173")

    assert embed.frame_url == "https://www.tiktok.com/embed/v2/6718335390845095173"
    assert embed.title == "Scramble up"


@pytest.mark.parametrize("kind", ["p", "reel"])
def test_an_instagram_post_is_resolved_without_asking_instagram(oembed_server, kind):
    embed = resolve(f"https://www.instagram.com/{kind}/C1a2B3c4D5e/?igsh=abc")

    assert embed.frame_url == "https://www.instagram.com/p/C1a2B3c4D5e/embed/"
    assert (embed.provider, embed.title) == ("instagram", "Instagram post")
    assert oembed_server.requests == []


@pytest.mark.parametrize(
    ("url", "frame"),
    [
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?h=8272103f6e"),
        ("https://www.datawrapper.de/_/AbC12/", "https://datawrapper.dwcdn.net/AbC12/3/"),
        (
            "https://soundcloud.com/forss/flickermood",
            "https://w.soundcloud.com/player/?visual=true&url=https%3A%2F%2Fapi.soundcloud.com",
        ),
        (
            "https://open.spotify.com/episode/4rOoJ6Egrf8K2IrywzwOMk",
            "https://open.spotify.com/embed/episode/4rOoJ6Egrf8K2IrywzwOMk?utm_source=oembed",
        ),
        (
            "https://public.flourish.studio/visualisation/1234567/",
            "https://flo.uri.sh/visualisation/1234567/embed",
        ),
        (
            "https://public.flourish.studio/visualisation/1234567/",
            "https://public.flourish.studio/visualisation/1234567/embed",
        ),
    ],
)
def test_a_frame_from_the_providers_own_markup_is_kept(oembed_server, url, frame):
    key = provider_for(url).key
    html = f'<iframe src="{frame.replace("&", "&amp;")}" width="600"></iframe>'
    oembed_server.answer(key, {"title": "Chart", "html": html})

    assert resolve(url).frame_url == frame


def test_a_mastodon_post_is_framed_by_its_own_instance(oembed_server):
    frame = "https://chaos.social/users/someone/statuses/1093/embed"
    oembed_server.answer(
        "mastodon", {"author_name": "someone", "html": f'<iframe src="{frame}"></iframe>'}
    )

    embed = resolve("https://chaos.social/@someone/1093")

    assert embed.frame_url == frame
    assert embed.title == "Mastodon: someone"


def test_a_mastodon_post_whose_answer_names_no_frame_is_framed_at_its_embed_address(oembed_server):
    oembed_server.answer(
        "mastodon", {"author_name": "someone", "html": "<blockquote></blockquote>"}
    )

    assert resolve("https://chaos.social/@someone/1093").frame_url == (
        "https://chaos.social/@someone/1093/embed"
    )


def test_a_mastodon_post_framed_by_another_instance_is_refused(oembed_server):
    frame = "https://mastodon.social/@someone/1093/embed"
    oembed_server.answer(
        "mastodon", {"html": f'<blockquote data-embed-url="{frame}"></blockquote>'}
    )

    assert error_of("https://chaos.social/@someone/1093").code == "bad_answer"


def test_a_provider_that_does_not_answer_in_time_is_unreachable(oembed_server, settings):
    settings.OEMBED_TIMEOUT = 0.3
    oembed_server.answer("vimeo", {"html": ""}, delay=5)

    started = time.monotonic()
    error = error_of("https://vimeo.com/76979871")

    assert time.monotonic() - started < 2
    assert error.code == "unreachable"
    assert "Vimeo did not answer within 0.3 seconds" in error.messages[0]


def test_a_provider_that_refuses_the_connection_is_unreachable(settings):
    [port] = free_ports(1)
    settings.OEMBED_ENDPOINTS = {"vimeo": f"http://127.0.0.1:{port}/vimeo"}

    assert error_of("https://vimeo.com/76979871").code == "unreachable"


@pytest.mark.parametrize("status", [404, 401, 403])
def test_a_post_the_provider_does_not_show_is_not_found(oembed_server, status):
    oembed_server.answer("vimeo", {"error": "nope"}, status=status)

    error = error_of("https://vimeo.com/76979871")

    assert error.code == "not_found"
    assert error.messages == ["Vimeo says this post does not exist or is not public."]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>Service unavailable</html>", "not JSON"),
        (b"[1, 2]", "not an oEmbed answer"),
        (b'{"html": 42}', "not an oEmbed answer"),
        (json.dumps({"html": "x" * (600 * 1024)}).encode(), "answer too big"),
        (json.dumps({"title": "No markup"}).encode(), "no frame address"),
        (framed("https://evil.example/embed/1"), "frame on 'evil.example'"),
        (framed("https://player.vimeo.com.evil.example/video/1"), "frame on"),
        (framed("https://x@player.vimeo.com/video/1"), "frame on 'x@player.vimeo.com'"),
        (framed("http://player.vimeo.com/video/1"), "frame on 'player.vimeo.com'"),
        (framed("javascript:alert(1)"), "frame on ''"),
    ],
)
def test_an_answer_that_cannot_be_used_is_a_bad_answer(oembed_server, body, reason):
    oembed_server.answer("vimeo", body=body)

    error = error_of("https://vimeo.com/76979871")

    assert error.code == "bad_answer"
    assert error.messages[0].startswith("Vimeo gave an answer this site cannot use.")
    assert error.params["reason"].startswith(reason)


def test_an_oversized_answer_that_does_not_say_its_length_is_a_bad_answer(oembed_server):
    oembed_server.answer("vimeo", {"html": "x" * (600 * 1024)}, length=False)

    error = error_of("https://vimeo.com/76979871")

    assert (error.code, error.params["reason"]) == ("bad_answer", "answer too big")


def test_a_server_error_is_a_bad_answer(oembed_server):
    oembed_server.answer("vimeo", body=b"{}", status=500)

    assert error_of("https://vimeo.com/76979871").code == "bad_answer"


def test_titles_are_plain_short_text_and_sizes_whole_numbers(oembed_server):
    answer = {
        "title": "  A   very\nlong " + "title " * 80,
        "width": "640",
        "height": "100%",
        "html": '<iframe src="https://player.vimeo.com/video/76979871"></iframe>',
    }
    oembed_server.answer("vimeo", answer)

    embed = resolve("https://vimeo.com/76979871")

    assert embed.title.startswith("A very long title title")
    assert len(embed.title) == embeds.TITLE_MAX_LENGTH
    assert (embed.width, embed.height) == (640, None)


def test_a_form_shows_a_refused_address_as_the_fields_error(oembed_server):
    class EmbedForm(forms.Form):
        url = forms.CharField()

        def clean_url(self):
            return resolve(self.cleaned_data["url"])

    form = EmbedForm({"url": "https://example.com/video"})

    assert not form.is_valid()
    assert form.errors["url"][0].startswith("Embeds come only from YouTube")
    assert isinstance(EmbedError("x"), ValidationError)


def card(embed):
    return parse(render_to_string("includes/embed.html", {"embed": embed}))


def test_the_card_is_a_link_with_a_hidden_button_and_no_third_party_loads(oembed_server):
    oembed_server.answer("youtube", {**YOUTUBE_ANSWER, "title": "<script>alert(1)</script> & more"})
    embed = resolve(YOUTUBE)

    document = card(embed)

    [figure] = document.iter("figure")
    assert figure.get("data-embed-src") == embed.frame_url
    assert figure.get("data-embed-title") == "<script>alert(1)</script> & more"
    assert figure.get("data-embed-ratio") == "56"
    [link] = [element for element in document.iter("a") if element.get("href") == YOUTUBE]
    assert link.text == "<script>alert(1)</script> & more"
    [button] = document.iter("button")
    assert button.get("type") == "button" and "embed-load" in button.get("class")
    assert button.get("hidden") is not None
    assert "".join(button.itertext()) == "Load content from YouTube"
    elements = list(document.iter())
    assert {local_name(element) for element in elements}.isdisjoint({"iframe", "script", "style"})
    for element in elements:
        assert element.get("style") is None
        for name, value in element.attrib.items():
            if name in URL_ATTRIBUTES and not (local_name(element) == "a" and name == "href"):
                pytest.fail(f"<{local_name(element)} {name}={value!r}> would load something")


def test_the_card_names_the_author_and_says_what_loading_sends():
    embed = embeds.Resolved(
        url="https://vimeo.com/1",
        provider="vimeo",
        provider_name="Vimeo",
        title="A film",
        author_name="A maker",
        frame_url="https://player.vimeo.com/video/1",
        width=None,
        height=None,
        html="",
        fetched_at=None,
    )

    text = " ".join(" ".join(card(embed).itertext()).split())

    assert "A maker on Vimeo" in text
    assert "Loading it sends your address to Vimeo." in text
    [figure] = card(embed).iter("figure")
    assert figure.get("data-embed-ratio") == ""


def test_frame_sources_lists_every_providers_frame_origin_over_https():
    sources = frame_sources()

    assert sources == [
        "https://chaos.social",
        "https://datawrapper.dwcdn.net",
        "https://det.social",
        "https://embed.bsky.app",
        "https://flo.uri.sh",
        "https://mastodon.online",
        "https://mastodon.social",
        "https://open.spotify.com",
        "https://platform.twitter.com",
        "https://player.vimeo.com",
        "https://public.flourish.studio",
        "https://social.bund.de",
        "https://w.soundcloud.com",
        "https://www.instagram.com",
        "https://www.tiktok.com",
        "https://www.youtube-nocookie.com",
    ]

    for provider in providers():
        for host in provider.frame_hosts:
            assert f"https://{host}" in sources
    assert "https://www.youtube-nocookie.com" in sources
    assert "https://www.youtube.com" not in sources
    assert all(re.fullmatch(r"https://[a-z0-9.-]+", source) for source in sources)
    assert sources == sorted(set(sources))
    assert "https://social.example" in frame_sources(["social.example"])


def test_the_provider_list_imports_nothing_from_django():
    code = (
        "import sys, articles.media.providers as p; p.frame_sources(); "
        "sys.exit(sorted(m for m in sys.modules if m.split('.')[0] == 'django') or 0)"
    )

    subprocess.run([sys.executable, "-c", code], check=True, cwd=STATIC.parents[2])


def test_every_shape_the_script_chooses_is_styled():
    script = (STATIC / "embeds.js").read_text()
    styles = (STATIC / "site.css").read_text()

    shapes = set(re.findall(r'"(embed--[\w-]+)"', script)) - {"embed--loaded"}
    assert shapes == {"embed--16x9", "embed--4x3", "embed--square", "embed--tall"}
    for shape in shapes:
        assert f".{shape} .embed__frame" in styles
