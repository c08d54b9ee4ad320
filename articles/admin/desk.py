"""What the article and translation desks share: one locked load of the object per save, the
editorial actions for every change, roles, workflow steps and stamps."""

import json

from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import editorial
from ..editorial import workflow
from .forms import describe_moment, text_field_overrides
from .history import RevisionAdminMixin
from .presence import PresenceAdminMixin
from .writing import WritingAdminMixin


class DeskAdminMixin(RevisionAdminMixin):
    """What articles, translations and the site's pages share: roles, workflow steps, stamps,
    stale-form checks (TextDeskAdminMixin adds what only articles and translations have).

    Every change goes through the editorial actions (editorial/): the change form locks the row
    when it loads it and saves with editorial.save(); bulk actions, History and share links call
    their own actions. The object is loaded once per request.
    """

    formfield_overrides = text_field_overrides()

    class Media:
        css = {"all": ["articles/admin.css"]}
        js = ["articles/desk.js"]

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        # Published, scheduled and withdrawn work is read-only to all but publishers.
        return obj is None or not workflow.is_locked(obj, request.user)

    def has_publish_permission(self, request):
        return workflow.can_publish(request.user)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A POST to an existing object's form changes it: get_object() locks the row, inside
        # the transaction Django's changeform_view runs in.
        request.desk_edits = request.method == "POST" and object_id is not None
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_object(self, request, object_id, from_field=None):
        """The object, loaded once per request; locked for an edit (see changeform_view)."""
        loaded = request.__dict__.setdefault("desk_objects", {})
        key = (self.model, object_id, from_field)
        if key not in loaded:
            loaded[key] = self._load_object(request, object_id, from_field)
        return loaded[key]

    def _load_object(self, request, object_id, from_field):
        if not getattr(request, "desk_edits", False) or from_field is not None:
            return super().get_object(request, object_id, from_field)
        try:
            pk = self.model._meta.pk.to_python(object_id)
            return editorial.lock(self.model, pk, queryset=self.get_edit_queryset())
        except (self.model.DoesNotExist, ValidationError, ValueError):
            return None

    def get_edit_queryset(self):
        """What a change form's save reads with the object (it is locked)."""
        return self.model._default_manager.all()

    def get_inlines(self, request, obj):
        inlines = super().get_inlines(request, obj)
        if getattr(request, "desk_edits", False):
            # Read-only lists have nothing to submit: not bound, not read, on a save.
            inlines = [inline for inline in inlines if not getattr(inline, "read_only", False)]
        return inlines

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user
        return form

    def save_model(self, request, obj, form, change):
        """Nothing yet: editorial.save() writes the object with its relations (save_related)."""

    def save_related(self, request, form, formsets, change):
        obj = form.instance

        def relations():
            super(DeskAdminMixin, self).save_related(request, form, formsets, change)

        def comment():
            message = self.construct_change_message(request, form, formsets, not change)
            entry = LogEntry(change_message=json.dumps(message))
            return entry.get_change_message() or (
                _("Saved unchanged.") if change else _("Created.")
            )

        editorial.save(
            obj,
            request.user,
            seen_version=form.cleaned_data.get("version") if change else None,
            relations=relations,
            comment=comment,
            event=self.save_event(request, obj),
        )

    def save_event(self, request, obj):
        """The domain event of a desk save, if not the one its status change makes."""
        return None

    @admin.display(description=gettext_lazy("last edited"))
    def last_edited(self, obj):
        if not obj.pk:
            return "—"
        return describe_moment(obj.updated_by, obj.updated_at)

    @admin.display(description=gettext_lazy("workflow"))
    def workflow_steps(self, obj):
        steps = obj.status_changes.select_related("changed_by")[:20] if obj.pk else []
        if not steps:
            return "—"
        return format_html(
            '<ol class="workflow-steps">{}</ol>',
            format_html_join(
                "",
                "<li>{} → <strong>{}</strong> · {}</li>",
                (
                    (
                        step.get_from_status_display() or _("new"),
                        step.get_to_status_display(),
                        describe_moment(step.changed_by, step.changed_at),
                    )
                    for step in steps
                ),
            ),
        )

    def bulk_action(self, request, queryset, action, done):
        """Take `action` (an editorial action) on each selected item, reporting per item.

        Each item in a transaction of its own, on its row as stored now; one changed since the
        list was shown (its version-<pk> field) is skipped, and the editor told by whom.
        """
        moved = 0
        for pk in queryset.order_by().values_list("pk", flat=True):
            seen = request.POST.get(f"version-{pk}")
            try:
                with transaction.atomic():
                    obj = action(
                        self.model,
                        pk,
                        request.user,
                        seen_version=int(seen) if seen and seen.isdigit() else None,
                    )
            except editorial.Conflict as conflict:
                current = conflict.current
                messages.error(
                    request,
                    _(
                        "“%(item)s” was changed by %(who)s since you loaded the list; nothing "
                        "was done to it. Reload the list and try again."
                    )
                    % {
                        "item": current,
                        "who": describe_moment(current.updated_by, current.updated_at),
                    },
                )
                continue
            except workflow.MayNotChange:
                item = self.model._default_manager.filter(pk=pk).first()
                messages.error(request, _("“%s”: you may not change it.") % item)
                continue
            except (workflow.WorkflowError, self.model.DoesNotExist) as error:
                item = self.model._default_manager.filter(pk=pk).first() or pk
                messages.error(request, _("“%(item)s”: %(why)s") % {"item": item, "why": error})
                continue
            self.log_change(request, obj, done)
            moved += 1
            messages.success(request, _("“%(item)s”: %(done)s") % {"item": obj, "done": done})
        return moved


class TextDeskAdminMixin(PresenceAdminMixin, WritingAdminMixin, DeskAdminMixin):
    """The article and translation desks: DeskAdminMixin, and edit locks with who has the form
    open (presence.py), autosave and the writing view (writing.py)."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self.forget_autosave(request, form.instance, change)
