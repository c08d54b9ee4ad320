"""The desk's login, throttled by django-axes (settings: AXES_*, CLIENT_IP_HEADER); its form is
in admin_site.py (DeskLoginForm)."""

from django.conf import settings
from django.contrib import admin
from django.shortcuts import render
from django.utils.translation import gettext


def client_address(request) -> str | None:
    """The address a login attempt comes from: REMOTE_ADDR, or, behind a proxy that sets
    settings.CLIENT_IP_HEADER, the right-most address in it (the one that proxy saw; anything
    left of it was typed by the client)."""
    if settings.CLIENT_IP_HEADER:
        meta_key = "HTTP_" + settings.CLIENT_IP_HEADER.upper().replace("-", "_")
        addresses = [a.strip() for a in request.META.get(meta_key, "").split(",") if a.strip()]
        if addresses:
            return addresses[-1]
    return request.META.get("REMOTE_ADDR")


def locked_out(request, original_response=None, credentials=None):
    """What a refused login sees: the same page whether or not the account exists.

    429 Too Many Requests (RFC 6585), with Retry-After: the refusal is about the number of
    attempts, not about who asks (403 would say the account may never log in).
    """
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        **admin.site.each_context(request),
        "title": gettext("Too many failed logins"),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": minutes,
    }
    response = render(request, "admin/locked_out.html", context, status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
