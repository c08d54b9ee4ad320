"""Revisions in the admin: every desk save is a revision; History lists them; one restores
(editorial.restore())."""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import localize
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _

from .. import editorial
from ..diff import field_diffs
from ..editorial import revisions
from ..models import Article, Section
from ..wording import fill
from .forms import TEXT_LABELS


class RevisionAdminMixin:
    """The history page lists revisions; each version shows its diff and restores."""

    text_labels = TEXT_LABELS  # the fields a version's comparison shows, with their labels

    object_history_template = "admin/articles/revision_history.html"
    revision_template = "admin/articles/revision_detail.html"

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
        if request.method == "POST":
            return self.restore_view(request, object_id, revision_id)
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise Http404 if obj is None else PermissionDenied
        old = revisions.snapshot(obj, revision_id)
        if old is None:
            raise Http404(_("This revision does not hold this item."))
        current = {name: getattr(obj, name) for name in self.text_labels}
        context = {
            **self.admin_site.each_context(request),
            "title": _("Version of %(date)s")
            % {"date": localize(template_localtime(old.revision.date_created))},
            "subtitle": str(obj),
            "object": obj,
            "old": old,
            "old_section": self._old_section(old),
            "diffs": field_diffs(old.fields, current, self.text_labels),
            "can_restore": self.has_change_permission(request, obj),
            "opts": self.opts,
            "history_url": reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_history", args=[obj.pk]
            ),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.revision_template, context)

    def restore_view(self, request, object_id, revision_id):
        """Restore through editorial.restore(), on the row as stored now: the workflow state a
        colleague just changed stays; a text saved since this page was shown is not replaced
        unseen (the version the page showed travels with the form)."""
        request.desk_edits = True
        seen = request.POST.get("version", "")
        try:
            with transaction.atomic():
                obj = self.get_object(request, unquote(object_id))
                if obj is None:
                    raise Http404
                if not self.has_change_permission(request, obj):
                    raise PermissionDenied(
                        _("You may not change this article, so you cannot restore a version of it.")
                        if isinstance(obj, Article)
                        else _(
                            "You may not change this translation, so you cannot restore a "
                            "version of it."
                        )
                    )
                obj, notes = editorial.restore(
                    self.model,
                    obj,
                    revision_id,
                    request.user,
                    seen_version=int(seen) if seen.isdigit() else None,
                )
                self.log_change(request, obj, _("Restored an earlier version."))
        except editorial.Conflict:
            messages.error(
                request,
                _(
                    "This was saved again since you opened the version; nothing was "
                    "restored. Compare again below, then restore."
                ),
            )
            return HttpResponseRedirect(request.path)
        except editorial.WorkflowError as error:
            raise Http404(str(error)) from None
        for note in notes:
            messages.warning(request, note)
        old = revisions.snapshot(obj, revision_id)
        self.message_user(
            request,
            fill(
                _("Restored the version of %(date)s. The restore is a new revision."),
                {"date": localize(template_localtime(old.revision.date_created))},
            ),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])
        )

    def _old_section(self, old):
        section_id = old.fields.get("section_id")
        return Section.objects.filter(pk=section_id).first() if section_id else None
