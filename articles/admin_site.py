"""The desk's admin site: Django's, with the desk's login form, and no 500 for a NUL byte.

articles.apps.DeskAdminConfig makes it `admin.site`. Outside the admin package, which registers
the desk's models on that site when imported: the site must exist first.
"""

from functools import update_wrapper

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import BadRequest
from django.utils.translation import gettext as _


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


def holds_nul(query) -> bool:
    """Whether a query string (a QueryDict) has a NUL byte in a name or a value."""
    return any("\x00" in "".join([key, *values]) for key, values in query.lists())


class DeskSite(admin.AdminSite):
    """The default admin site (articles.apps.DeskAdminConfig makes it so)."""

    login_form = DeskLoginForm

    def admin_view(self, view, cacheable=False):
        """Every desk view, Django's and other apps' (django-axes) alike, refuses a NUL byte in
        its address with 400: no list filter, search or autocomplete term holds one, and
        PostgreSQL refuses it in a query (the page answered 500)."""
        guarded = super().admin_view(view, cacheable)

        def refuse_nul(request, *args, **kwargs):
            if holds_nul(request.GET):
                raise BadRequest(_("The address holds a NUL character, which no desk page takes."))
            return guarded(request, *args, **kwargs)

        return update_wrapper(refuse_nul, guarded)
