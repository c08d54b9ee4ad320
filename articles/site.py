"""The readers' site's own address: absolute URLs from DJANGO_SITE_URL or the request's origin."""

from django.conf import settings


def site_origin(request=None) -> str:
    """`https://news.example.org`: the setting when given, else the origin of `request`."""
    if settings.SITE_URL:
        return settings.SITE_URL
    if request is None:
        raise ValueError("Without DJANGO_SITE_URL an absolute URL needs the request.")
    return f"{request.scheme}://{request.get_host()}"


def absolute_url(path: str, request=None) -> str:
    """`path` ("/en/articles/…/") as an absolute URL on this site."""
    return site_origin(request) + path
