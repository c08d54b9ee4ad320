"""The desk's login, throttled by django-axes (settings: AXES_*, CLIENT_IP_HEADER)."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.shortcuts import render
from django.utils.translation import gettext


class DeskLoginForm(AdminAuthenticationForm):
    """The admin's login form, where a username longer than any account's is a wrong login.

    Django's form sets the field's max_length for the browser only, so such a username went on
    to the backends and to django-axes' log of failures, whose column holds 255 characters:
    PostgreSQL refused the row, and an anonymous visitor got a 500. No account has such a name,
    so there is nothing to throttle either.
    """

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if len(username) > self.fields["username"].max_length:
            raise self.get_invalid_login_error()
        return super().clean()


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
