"""The oEmbed providers editors may embed from: which addresses, which endpoint, which frames.

Plain data on purpose: newsroom/settings.py imports frame_sources() for the CSP's frame-src
while settings are still loading, so nothing here may import Django or an app.
"""

import re
from dataclasses import dataclass

# Instances whose posts editors may embed; settings.OEMBED_MASTODON_INSTANCES replaces the list.
DEFAULT_MASTODON_INSTANCES = (
    "mastodon.social",
    "mastodon.online",
    "social.bund.de",
    "chaos.social",
    "det.social",
)


@dataclass(frozen=True)
class Provider:
    key: str
    name: str
    # Matched against a normalised https URL (lower-case host, no fragment). A named group
    # `id` is what a frame is derived from where the provider's oEmbed gives none.
    patterns: tuple[re.Pattern[str], ...]
    # None: resolved without a network call. "{host}" is the post's own host (Mastodon).
    endpoint: str | None
    frame_hosts: tuple[str, ...]
    # A Mastodon post's frame must come from the instance the post is on, not any instance.
    frames_on_post_host: bool = False

    def match(self, url: str) -> re.Match[str] | None:
        for pattern in self.patterns:
            if found := pattern.match(url):
                return found
        return None


def _patterns(*regexes: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(regex) for regex in regexes)


# Anything after the part we recognise must start a new path segment, query or nothing, so
# `youtu.be/abcdefghijkX` is not read as the 11-character id `abcdefghijk`.
_END = r"(?=[/?]|$)"


def _mastodon_patterns(instances: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    hosts = "|".join(re.escape(host.lower()) for host in instances)
    return _patterns(
        rf"^https://(?:{hosts})/@[\w.-]+(?:@[\w.-]+)?/(?P<id>\d+)/?$",
        rf"^https://(?:{hosts})/users/[\w.-]+/statuses/(?P<id>\d+)/?$",
    )


def providers(
    mastodon_instances: tuple[str, ...] | list[str] = DEFAULT_MASTODON_INSTANCES,
) -> tuple[Provider, ...]:
    mastodon_instances = tuple(host.lower() for host in mastodon_instances)
    return (
        Provider(
            key="youtube",
            name="YouTube",
            patterns=_patterns(
                r"^https://(?:www\.|m\.)?youtube\.com/watch\?(?:[^#]*&)?v=(?P<id>[\w-]{11})(?=&|$)",
                rf"^https://youtu\.be/(?P<id>[\w-]{{11}}){_END}",
                rf"^https://(?:www\.|m\.)?youtube\.com/shorts/(?P<id>[\w-]{{11}}){_END}",
            ),
            endpoint="https://www.youtube.com/oembed",
            # youtube.com frames are rewritten to this host, which sets no cookies until play.
            frame_hosts=("www.youtube-nocookie.com",),
        ),
        Provider(
            key="vimeo",
            name="Vimeo",
            patterns=_patterns(
                r"^https://(?:www\.)?vimeo\.com/(?P<id>\d+)(?:/[0-9a-f]+)?/?(?:\?|$)"
            ),
            endpoint="https://vimeo.com/api/oembed.json",
            frame_hosts=("player.vimeo.com",),
        ),
        Provider(
            key="mastodon",
            name="Mastodon",
            patterns=_mastodon_patterns(mastodon_instances),
            endpoint="https://{host}/api/oembed",
            frame_hosts=mastodon_instances,
            frames_on_post_host=True,
        ),
        Provider(
            key="bluesky",
            name="Bluesky",
            patterns=_patterns(r"^https://bsky\.app/profile/[\w.:-]+/post/(?P<id>[a-z0-9]+)/?$"),
            endpoint="https://embed.bsky.app/oembed",
            frame_hosts=("embed.bsky.app",),
        ),
        Provider(
            key="x",
            name="X",
            patterns=_patterns(
                rf"^https://(?:www\.|mobile\.)?(?:x|twitter)\.com/\w{{1,15}}/status/(?P<id>\d+){_END}"
            ),
            endpoint="https://publish.twitter.com/oembed",
            frame_hosts=("platform.twitter.com",),
        ),
        Provider(
            key="instagram",
            name="Instagram",
            patterns=_patterns(
                rf"^https://(?:www\.)?instagram\.com/(?:p|reel)/(?P<id>[\w-]+){_END}"
            ),
            # Its oEmbed needs a Meta app token; the frame address is derived instead.
            endpoint=None,
            frame_hosts=("www.instagram.com",),
        ),
        Provider(
            key="datawrapper",
            name="Datawrapper",
            patterns=_patterns(
                r"^https://datawrapper\.dwcdn\.net/(?P<id>[A-Za-z0-9]{5})(?:/\d+)?/?$",
                r"^https://(?:www\.)?datawrapper\.de/_/(?P<id>[A-Za-z0-9]{5})/?$",
            ),
            endpoint="https://api.datawrapper.de/v3/oembed",
            frame_hosts=("datawrapper.dwcdn.net",),
        ),
        Provider(
            key="soundcloud",
            name="SoundCloud",
            patterns=_patterns(r"^https://(?:www\.|m\.)?soundcloud\.com/[\w-]+/[\w-]+/?(?:\?|$)"),
            endpoint="https://soundcloud.com/oembed",
            frame_hosts=("w.soundcloud.com",),
        ),
        Provider(
            key="spotify",
            name="Spotify",
            patterns=_patterns(
                r"^https://open\.spotify\.com/(?:intl-[a-z-]+/)?"
                rf"(?:track|episode|show|album|playlist)/(?P<id>[A-Za-z0-9]{{22}}){_END}"
            ),
            endpoint="https://open.spotify.com/oembed",
            frame_hosts=("open.spotify.com",),
        ),
        Provider(
            key="flourish",
            name="Flourish",
            patterns=_patterns(r"^https://public\.flourish\.studio/visualisation/(?P<id>\d+)/?$"),
            endpoint="https://app.flourish.studio/api/v1/oembed",
            frame_hosts=("flo.uri.sh", "public.flourish.studio"),
        ),
        Provider(
            key="tiktok",
            name="TikTok",
            patterns=_patterns(
                rf"^https://(?:www\.|m\.)?tiktok\.com/@[\w.-]+/video/(?P<id>\d+){_END}"
            ),
            endpoint="https://www.tiktok.com/oembed",
            frame_hosts=("www.tiktok.com",),
        ),
    )


def frame_sources(
    mastodon_instances: tuple[str, ...] | list[str] = DEFAULT_MASTODON_INSTANCES,
) -> list[str]:
    """The https origins embeds may frame, sorted: the CSP's frame-src."""
    hosts = {host for provider in providers(mastodon_instances) for host in provider.frame_hosts}
    return sorted(f"https://{host}" for host in hosts)
