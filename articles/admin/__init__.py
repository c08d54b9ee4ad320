"""The editors' desk: the Django admin, configured for a newsroom. Importing registers it."""

from django.contrib import admin

from . import articles, jobs, people, tags, translations  # noqa: F401
from .login import DeskLoginForm

admin.site.login_form = DeskLoginForm
