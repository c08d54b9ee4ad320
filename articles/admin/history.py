"""Revisions in the admin: every desk save is a revision; History lists them; one restores."""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import localize
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _

from ..diff import field_diffs
from ..editorial import revisions
from ..models import Section
from .forms import TEXT_LABELS


class RevisionAdminMixin:
    """Wraps the change form in a revision and replaces the history page with revisions."""

    object_history_template = "admin/articles/revision_history.html"
    revision_template = "admin/articles/revision_detail.html"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id:
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and self.has_change_permission(request, obj):
                revisions.ensure_baseline(obj)
        with revisions.revision(request.user, ""):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        if revisions.reversion.is_active():
            revisions.reversion.set_comment(entry.get_change_message() or _("Created."))
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if revisions.reversion.is_active():
            revisions.reversion.set_comment(entry.get_change_message() or _("Saved unchanged."))
        return entry

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Bylines, tags and translators are saved after the object; store their final state.
        revisions.add_with_relations(form.instance)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/history/<int:revision_id>/",
                self.admin_site.admin_view(self.revision_view),
                name="{}_{}_revision".format(*info),
            ),
            *super().get_urls(),
        ]

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        info = self.opts.app_label, self.opts.model_name
        entries = [
            {
                "version": version,
                "revision": version.revision,
                "url": reverse(
                    "admin:{}_{}_revision".format(*info), args=[obj.pk, version.revision_id]
                ),
            }
            for version in revisions.history(obj)
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("History: %s") % obj,
            "subtitle": None,
            "entries": entries,
            "module_name": str(self.opts.verbose_name_plural),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)

    def revision_view(self, request, object_id, revision_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise Http404 if obj is None else PermissionDenied
        old = revisions.snapshot(obj, revision_id)
        if old is None:
            raise Http404(_("This revision does not hold this item."))
        can_restore = self.has_change_permission(request, obj)
        if request.method == "POST":
            if not can_restore:
                raise PermissionDenied
            revisions.ensure_baseline(obj)
            for note in revisions.restore(obj, old, request.user):
                messages.warning(request, note)
            self.message_user(
                request,
                _("Restored the version of %(date)s. The restore is a new revision.")
                % {"date": localize(template_localtime(old.revision.date_created))},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
            )
        current = {name: getattr(obj, name) for name in TEXT_LABELS}
        context = {
            **self.admin_site.each_context(request),
            "title": _("Version of %(date)s")
            % {"date": localize(template_localtime(old.revision.date_created))},
            "subtitle": str(obj),
            "object": obj,
            "old": old,
            "old_section": self._old_section(old),
            "diffs": field_diffs(old.fields, current, TEXT_LABELS),
            "can_restore": can_restore,
            "opts": self.opts,
            "history_url": reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_history", args=[obj.pk]
            ),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.revision_template, context)

    def _old_section(self, old):
        section_id = old.fields.get("section_id")
        return Section.objects.filter(pk=section_id).first() if section_id else None
