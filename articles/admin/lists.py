"""The desk's change lists: Django's, with less work a row (issue 14: the article list spent most
of its time drawing 50 rows)."""

from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.utils.html import format_html
from django.utils.translation import gettext as _


class DeskChangeList(ChangeList):
    def get_results(self, request):
        # The rows show none of the long texts (an article's body and its HTML, some 12 kB):
        # left in the database, not read, sent and decoded 50 times a page. Actions and the
        # change form load their objects whole.
        deferred = getattr(self.model_admin, "list_deferred_fields", ())
        if deferred:
            self.queryset = self.queryset.defer(*deferred)
        super().get_results(request)


class DeskListMixin:
    """A row's checkbox as Django draws it, without a template rendered per row (a quarter of
    the rows' time), and the list's rows without their long texts (DeskChangeList)."""

    def get_changelist(self, request, **kwargs):
        return DeskChangeList

    def action_checkbox(self, obj):
        # What Django's CheckboxInput renders here (ModelAdmin.action_checkbox).
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            format_html(_("Select this object for an action - {}"), str(obj)),
        )
