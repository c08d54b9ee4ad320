"""Background jobs at the desk (articles/jobs.py): what waits and when it runs, what runs, what
failed and why, what succeeded; and "Retry now". Replaces django-tasks-db's own list, which
shows ids and task paths rather than what a job does."""

from django.contrib import admin, messages
from django.db.models import BooleanField, ExpressionWrapper, Q, Value
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from .. import jobs

# The jobs the desk knows by name: the `job` filter's values and the list's words for them.
JOBS = {
    "purge_pages": (jobs.purge_pages, _("CDN purge")),
    "make_renditions": (jobs.make_renditions, _("Picture renditions")),
    "forget_picture": (jobs.forget_picture, _("Deleting a picture's files")),
}
JOB_NAMES = {job.module_path: label for job, label in JOBS.values()}

WAITING, RUNNING, FAILED, RETRIED, SUCCEEDED = (
    "waiting",
    "running",
    "failed",
    "retried",
    "succeeded",
)
STATUS_LABELS = {
    WAITING: _("Waiting"),
    RUNNING: _("Running"),
    FAILED: _("Failed"),
    RETRIED: _("Failed, tried again"),
    SUCCEEDED: _("Succeeded"),
}


def status_of(result) -> str:
    if result.status == TaskResultStatus.FAILED:
        return FAILED if result.is_still_failed else RETRIED
    return {
        TaskResultStatus.READY: WAITING,
        TaskResultStatus.RUNNING: RUNNING,
        TaskResultStatus.SUCCESSFUL: SUCCEEDED,
    }[result.status]


class JobStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return list(STATUS_LABELS.items())

    def queryset(self, request, queryset):
        match self.value():
            case "waiting":
                return queryset.filter(status=TaskResultStatus.READY)
            case "running":
                return queryset.filter(status=TaskResultStatus.RUNNING)
            case "failed":
                return queryset.filter(status=TaskResultStatus.FAILED, is_still_failed=True)
            case "retried":
                return queryset.filter(status=TaskResultStatus.FAILED, is_still_failed=False)
            case "succeeded":
                return queryset.filter(status=TaskResultStatus.SUCCESSFUL)
        return queryset


class JobFilter(admin.SimpleListFilter):
    title = _("job")
    parameter_name = "job"

    def lookups(self, request, model_admin):
        return [(name, label) for name, (_job, label) in JOBS.items()]

    def queryset(self, request, queryset):
        if self.value() in JOBS:
            return queryset.filter(task_path=JOBS[self.value()][0].module_path)
        return queryset


admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class JobAdmin(admin.ModelAdmin):
    list_display = ["job", "what", "attempt", "status_shown", "runs", "finished_at", "error"]
    list_filter = [JobStatusFilter, JobFilter]
    search_fields = ["args_kwargs"]
    ordering = ["-enqueued_at"]
    actions = ["retry_now"]
    fields = [
        "job",
        "what",
        "attempt",
        "status_shown",
        "runs",
        "enqueued_at",
        "started_at",
        "finished_at",
        "error",
        "formatted_traceback",
        "worker_ids",
        "task_path",
        "id",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        # Whether a failed attempt still counts as failed, or its job was tried again since.
        still_failed = list(jobs.still_failed(queryset).values_list("pk", flat=True))
        # An empty pk__in would leave no row at all when filtered on.
        flag = Q(pk__in=still_failed) if still_failed else Value(False)
        return queryset.annotate(
            is_still_failed=ExpressionWrapper(flag, output_field=BooleanField())
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": _("Background jobs"), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    @admin.display(description=_("job"), ordering="task_path")
    def job(self, result):
        return JOB_NAMES.get(result.task_path, result.task_path.rsplit(".", 1)[-1])

    @admin.display(description=_("what"))
    def what(self, result):
        arguments = result.args_kwargs
        if "keys" in arguments["kwargs"]:
            return " ".join(arguments["kwargs"]["keys"])
        shown = [*map(str, arguments["args"])]
        shown += [f"{name}={value}" for name, value in arguments["kwargs"].items()]
        return ", ".join(shown)

    @admin.display(description=_("attempt"))
    def attempt(self, result):
        return jobs.attempt_of(result)

    @admin.display(description=_("status"), ordering="status")
    def status_shown(self, result):
        return STATUS_LABELS[status_of(result)]

    @admin.display(description=_("runs"), ordering="run_after")
    def runs(self, result):
        """When a waiting job runs: at once, or the time its retry is due."""
        if result.status != TaskResultStatus.READY:
            return self.get_empty_value_display()
        if result.run_after == get_date_max() or result.run_after <= timezone.now():
            return _("at once")
        return localize(timezone.localtime(result.run_after))

    @admin.display(description=_("last error"))
    def error(self, result):
        return jobs.last_error(result) or self.get_empty_value_display()

    @admin.display(description=_("traceback"))
    def formatted_traceback(self, result):
        if not result.traceback:
            return self.get_empty_value_display()
        return format_html("<pre>{}</pre>", result.traceback)

    @admin.action(description=_("Retry now"), permissions=["retry"])
    def retry_now(self, request, queryset):
        retried, brought_forward = jobs.retry_now(queryset)
        if retried:
            message = ngettext(
                "%(count)d failed job runs again now.",
                "%(count)d failed jobs run again now.",
                retried,
            )
            self.message_user(request, message % {"count": retried}, messages.SUCCESS)
        if brought_forward:
            message = ngettext(
                "%(count)d waiting job runs now.",
                "%(count)d waiting jobs run now.",
                brought_forward,
            )
            self.message_user(request, message % {"count": brought_forward}, messages.SUCCESS)
        if not retried and not brought_forward:
            self.message_user(
                request,
                _(
                    "Nothing to retry: only waiting jobs, and failed ones not tried again "
                    "since, can be retried."
                ),
                messages.WARNING,
            )
