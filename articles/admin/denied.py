"""The refusal page (403): in the editor's language, saying why, with a way back.

Django answers every PermissionDenied with it (handler403 in newsroom/urls.py); only logged-in
staff meet one in practice (the desk, staff previews), so it wears the desk's design.
"""

from urllib.parse import urlsplit

from django.contrib import admin
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from ..wording import fill


def permission_denied(request, exception=None):
    reason = str(exception or "")
    user = getattr(request, "user", None)
    who = ""
    if user is not None and user.is_authenticated:
        roles = ", ".join(group.name for group in user.groups.order_by("name"))
        values = {"name": user.get_username(), "roles": roles}
        who = fill(
            _("You are logged in as “%(name)s” (%(roles)s).")
            if roles
            else _("You are logged in as “%(name)s”."),
            values,
        )
    context = {
        **admin.site.each_context(request),
        "title": _("Not allowed"),
        "reason": reason,
        "who": who,
        "back": _way_back(request),
    }
    return render(request, "admin/403.html", context, status=403)


def _way_back(request) -> str:
    """The page the editor came from, if it is on this site; else nothing."""
    referer = request.headers.get("Referer", "")
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    parts = urlsplit(referer)
    if parts.path == request.path:
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")
