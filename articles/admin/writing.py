"""The writing view's server side: each editor's work in progress kept between saves (autosave),
offered back when the form opens again, and the other language's text for the preview."""

import json

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import Http404, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from ..languages import site_languages
from ..models import Article, Autosave

# What an autosave keeps: the text a reporter types, not the filing or the workflow.
AUTOSAVE_FIELDS = ("headline", "slug", "standfirst", "body")
# Far more than any body may hold (validators.BODY_MAX_LENGTH), far less than a mistake can send.
AUTOSAVE_MAX_BYTES = 1_000_000


def autosave_too_large():
    return JsonResponse({"error": _("Too much text to keep; save the form instead.")}, status=400)


class WritingAdminMixin:
    """Autosave endpoints and the writing view's context for the article and translation desks."""

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_autosave"
        view = self.admin_site.admin_view(self.autosave_view)
        return [
            path("autosave/", view, name=name),
            path("<path:object_id>/autosave/", view, name=name),
            *super().get_urls(),
        ]

    @property
    def autosave_kind(self):
        return self.opts.model_name.removeprefix("article") or "article"

    def autosaves(self, user, obj=None):
        return Autosave.objects.of(user, self.autosave_kind, obj)

    @method_decorator(csrf_exempt)
    def autosave_view(self, request, object_id=None):
        """POST {"fields": {...}} keeps this editor's text; POST {"discard": true} forgets it.

        Refused before anything reads a body too large (see markdown_preview_view)."""
        if int(request.META.get("CONTENT_LENGTH") or 0) > AUTOSAVE_MAX_BYTES:
            return autosave_too_large()
        return csrf_protect(self._autosave)(request, object_id)

    def _autosave(self, request, object_id):
        if request.method != "POST":
            return JsonResponse({"error": _("Send the text with POST.")}, status=405)
        obj = None
        if object_id is not None:
            obj = self.get_object(request, object_id)
            if obj is None:
                raise Http404
            allowed = self.has_change_permission(request, obj)
        else:
            allowed = self.has_add_permission(request)
        if not allowed:
            return JsonResponse({"error": _("You may not change this.")}, status=403)
        try:
            data = json.loads(request.body or b"{}")
        except RequestDataTooBig:
            return autosave_too_large()
        except ValueError:
            return JsonResponse({"error": _("Send the fields as JSON.")}, status=400)
        if not isinstance(data, dict):
            return JsonResponse({"error": _("Send the fields as JSON.")}, status=400)
        if data.get("discard"):
            self.autosaves(request.user, obj).delete()
            return JsonResponse({"discarded": True})
        fields = data.get("fields")
        if not isinstance(fields, dict):
            return JsonResponse({"error": _("Send the fields as JSON.")}, status=400)
        kept = {
            name: value
            for name, value in fields.items()
            if name in AUTOSAVE_FIELDS and isinstance(value, str)
        }
        now = timezone.now()
        Autosave.objects.expired(now).delete()
        subject = {self.autosave_kind: obj} if obj is not None else {}
        lookup = {
            "user": request.user,
            "kind": self.autosave_kind,
            "article": subject.get("article"),
            "translation": subject.get("translation"),
        }
        try:
            with transaction.atomic():
                Autosave.objects.update_or_create(
                    **lookup, defaults={"fields": kept, "saved_at": now}
                )
        except IntegrityError:
            # The same editor's other tab made the row first: this text is the newer one.
            Autosave.objects.filter(**lookup).update(fields=kept, saved_at=now)
        return JsonResponse({"saved_at": now.isoformat()})

    def forget_autosave(self, request, obj, change):
        """A save through the desk makes this editor's kept text of it (or of the new item) moot."""
        self.autosaves(request.user, obj).delete()
        if not change:
            self.autosaves(request.user).delete()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["writing"] = self.writing_context(request, obj, context)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def writing_context(self, request, obj, context):
        may_write = (
            self.has_change_permission(request, obj)
            if obj is not None
            else self.has_add_permission(request)
        )
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}_autosave"
        writing = {"others": self.other_texts(request, obj)}
        if not may_write:
            return writing
        writing["autosave_url"] = reverse(name, args=[obj.pk] if obj is not None else [])
        kept = self.autosaves(request.user, obj).first()
        if kept is not None and (obj is None or kept.saved_at > obj.updated_at):
            when = timezone.localtime(kept.saved_at)
            same_day = when.date() == timezone.localdate()
            writing["kept"] = {
                "time": date_format(when, "TIME_FORMAT" if same_day else "DATETIME_FORMAT"),
                "iso": when.isoformat(),
                "fields": kept.fields,
            }
        return writing

    def other_texts(self, request, obj) -> list[dict]:
        """The texts in the other languages the preview can switch to: an article's
        translations, or a translation's original."""
        labels = {language.code: str(language.label) for language in site_languages()}
        if self.autosave_kind == "article":
            texts = list(obj.translations.order_by("language")) if obj is not None else []
        else:
            article = obj.article if obj is not None else None
            pk = request.GET.get("article", "")
            if article is None and pk.isdigit():
                article = Article.objects.filter(pk=pk).first()
            texts = [article] if article is not None else []
        return [
            {
                "language": text.language,
                "label": labels.get(text.language, text.language),
                "headline": text.headline,
                "standfirst": text.standfirst,
                "body": text.body,
            }
            for text in texts
        ]
