"""Editorial notes on the article change form: the thread, and a small form to add a note or
reply. Notes are added through editorial.add_note(); none is ever edited or deleted here."""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import editorial
from ..models import Note
from ..models.notes import NOTE_MAX_LENGTH
from .forms import describe_user


class NoteForm(forms.Form):
    """Checks the "add a note" POST; notes.html draws the inputs."""

    text = forms.CharField(max_length=NOTE_MAX_LENGTH, strip=True)
    parent = forms.IntegerField(required=False, min_value=1)


class NotesAdminMixin:
    """Adds the notes view to the article admin and the thread to its change form."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/notes/",
                self.admin_site.admin_view(require_POST(self.add_note_view)),
                name="{}_{}_add_note".format(*info),
            ),
            *super().get_urls(),
        ]

    def history_view(self, request, object_id, extra_context=None):
        """History lists the notes too: they are kept with the article's history."""
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self.has_view_or_change_permission(request, obj):
            extra_context = {"notes": self.notes_context(request, obj), **(extra_context or {})}
        return super().history_view(request, object_id, extra_context)

    def add_note_view(self, request, object_id):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise Http404
        form = NoteForm(request.POST)
        back = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            args=[obj.pk],
            current_app=self.admin_site.name,
        )
        if "parent" in form.errors:
            raise BadRequest(_("The note to reply to is not a note."))
        if not form.is_valid():
            problems = " ".join(error for errors in form.errors.values() for error in errors)
            messages.error(request, _("No note was added: %s") % problems)
            return HttpResponseRedirect(f"{back}#notes")
        try:
            note = editorial.add_note(
                obj,
                request.user,
                text=form.cleaned_data["text"],
                parent=form.cleaned_data["parent"],
            )
        except editorial.WorkflowError as refused:
            raise BadRequest(str(refused)) from None
        messages.success(request, _("Your note was added."))
        return HttpResponseRedirect(f"{back}#note-{note.pk}")

    def notes_context(self, request, obj):
        """The change form's "Notes" section: the thread, oldest first, replies under theirs."""
        notes = list(Note.objects.filter(article=obj).select_related("author"))
        replies = {}
        for note in notes:
            replies.setdefault(note.parent_id, []).append(note)

        def thread(parent_pk):
            return [
                {
                    "note": note,
                    "author": describe_user(note.author),
                    "replies": thread(note.pk),
                }
                for note in replies.get(parent_pk, [])
            ]

        return {
            "thread": thread(None),
            "count": len(notes),
            "add_url": reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_add_note",
                kwargs={"object_id": obj.pk},
                current_app=self.admin_site.name,
            ),
            "max_length": NOTE_MAX_LENGTH,
        }
