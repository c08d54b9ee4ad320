"""Who else has an article or translation open at the desk: the banner on its change form, and
the endpoints its script (static/articles/presence.js) calls: a heartbeat, "take over", and a
release when the page closes. The rules are editorial/locks.py's."""

from django.conf import settings
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..editorial import locks
from ..wording import fill
from .forms import describe_time, describe_user


def describe(presence: locks.Presence, *, may_change: bool) -> dict:
    """The banner's texts for one page, in the desk's language, time zone and time format."""
    lock, status = presence.lock, ""
    if presence.lost and lock is not None:
        status = fill(
            _(
                "%(name)s took over at %(time)s; your changes are not saved — copy them "
                "before leaving."
            ),
            {
                "name": describe_user(lock.holder),
                "time": describe_time(lock.taken_at or lock.since),
            },
        )
    elif presence.mine and lock.taken_from_id and lock.taken_at:
        status = fill(
            _("You took over from %(name)s at %(time)s."),
            {"name": describe_user(lock.taken_from), "time": describe_time(lock.taken_at)},
        )
    elif lock is not None and not presence.mine:
        status = fill(
            _("%(name)s is editing since %(time)s."),
            {"name": describe_user(lock.holder), "time": describe_time(lock.since)},
        )
        if may_change:
            status += " " + _("Take over to save your changes here.")
    others = ""
    if presence.others:
        people = ", ".join(
            fill(
                _("%(name)s (since %(time)s)"),
                {"name": describe_user(seen.user), "time": describe_time(seen.opened_at)},
            )
            for seen in presence.others
        )
        others = fill(_("Also open: %(people)s."), {"people": people})
    return {
        "mine": presence.mine,
        "lost": presence.lost,
        "status": status,
        "others": others,
        "may_take_over": may_change
        and lock is not None
        and not presence.mine
        and not presence.lost,
        "at": presence.at.isoformat(),
    }


class PresenceAdminMixin:
    """The presence banner and its endpoints, for the article and translation desks."""

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/presence/take-over/",
                view(require_POST(self.take_over_view)),
                name=f"{name}_take_over",
            ),
            path(
                "<path:object_id>/presence/release/",
                view(require_POST(self.release_view)),
                name=f"{name}_release",
            ),
            path(
                "<path:object_id>/presence/",
                view(require_POST(self.presence_view)),
                name=f"{name}_presence",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["presence"] = self.presence(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def presence(self, request, obj, *, held=False) -> dict:
        """`request.user` has `obj` open: the banner's texts, and what its script needs."""
        may_change = self.has_change_permission(request, obj)
        state = locks.open_form(obj, request.user, may_change=may_change, held=held)
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}"
        return {
            **describe(state, may_change=may_change),
            "may_change": may_change,
            "heartbeat_ms": settings.DESK_HEARTBEAT_SECONDS * 1000,
            "urls": {
                action: reverse(f"{name}_{action}", args=[obj.pk])
                for action in ("presence", "take_over", "release")
            },
        }

    def _presence_object(self, request, object_id):
        """The object a presence endpoint names, if `request.user` may see it (404, 403)."""
        try:
            obj = self.model._default_manager.only("pk", "status").get(pk=unquote(object_id))
        except (self.model.DoesNotExist, ValidationError, ValueError):
            raise Http404(_("There is no such item.")) from None
        if not self.has_view_or_change_permission(request, obj):
            return obj, JsonResponse({"error": _("You may not see this item.")}, status=403)
        return obj, None

    def presence_view(self, request, object_id):
        """The heartbeat of an open change form: renews or takes the lock, says who has it."""
        obj, refused = self._presence_object(request, object_id)
        if refused:
            return refused
        return JsonResponse(self.presence(request, obj, held=request.POST.get("held") == "1"))

    def take_over_view(self, request, object_id):
        obj, refused = self._presence_object(request, object_id)
        if refused:
            return refused
        if not self.has_change_permission(request, obj):
            return JsonResponse({"error": _("You may not change this item.")}, status=403)
        lock = locks.take_over(obj, request.user)
        if lock.taken_from is not None:
            # Kept with the desk's record of changes, after the lock has moved on.
            taken = fill(
                _("Took over editing from %(name)s."), {"name": describe_user(lock.taken_from)}
            )
            self.log_change(request, obj, taken)
        return JsonResponse(self.presence(request, obj))

    def release_view(self, request, object_id):
        obj, refused = self._presence_object(request, object_id)
        if refused:
            return refused
        try:
            at = parse_datetime(request.POST.get("at", ""))
        except ValueError:
            at = None
        if at is None or timezone.is_naive(at):
            error = _("Say when the page last renewed its lock.")
            return JsonResponse({"error": error}, status=400)
        locks.release(obj, request.user, at)
        return JsonResponse({"released": True})
