"""Background jobs: work a change needs done, but not inside the editor's request.

Jobs use Django's Tasks API (the django-tasks backport) with its database backend
(django-tasks-db): each job is a row in the site's own database, stored when the change that
needs it commits, and run by `manage.py db_worker` processes on any number of machines. The
desk lists them (admin/jobs.py) with their status and errors.

Django's tasks are not retried by themselves. A job that fails calls retry_later() before it
raises: the failed attempt is recorded as failed, with its error, and the next attempt is
stored as a new row that waits for its time (run_after): 5 s, 10 s, 20 s … then every
5 minutes, until JOB_RETRY_HOURS have been spent. A waiting attempt is a row like any other,
so a worker that stops or dies loses nothing.

The jobs:

- purge_pages(keys): drop the pages carrying any of `keys` from the CDN (cache.py enqueues it
  on commit).
- make_renditions(image_pk): make every rendition of a library picture (AVIF, WebP, JPEG, the
  crops around its focal point) once it is saved, so that no reader waits for one
  (signals.py enqueues it on commit; a page still makes any that are missing).
- forget_picture(name): delete a picture's file and renditions once it is deleted from the
  library, so that its address shows nothing any more.

- send_notification_email(notification_pk): e-mail a desk notification to its recipient
  (notifications.py enqueues it when they want that kind by e-mail).

Webhooks and feed pings will go on the same queue the same way.
"""

import json
import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

FIRST_RETRY_DELAY = timedelta(seconds=5)
LONGEST_RETRY_DELAY = timedelta(minutes=5)


@task()
def purge_pages(keys: list[str], attempt: int = 1) -> None:
    """Drop every page carrying any of `keys` from the CDN, through the purge backend."""
    try:
        import_string(settings.PURGE_BACKEND)().purge(keys)
    except Exception as error:
        retry_later(purge_pages, attempt, error, keys=keys)
        raise


@task()
def make_renditions(image_pk: int, attempt: int = 1) -> None:
    """Make every rendition pages, cards and feeds ask for of library picture `image_pk`."""
    from .media.figures import source
    from .media.renditions import make_all
    from .models import MediaImage

    image = MediaImage.objects.filter(pk=image_pk).first()
    if image is None:  # deleted since
        return
    try:
        make_all(source(image))
    except OSError as error:  # the storage (a bucket) is out of reach: try again later
        retry_later(make_renditions, attempt, error, image_pk=image_pk)
        raise


@task()
def forget_picture(name: str, attempt: int = 1) -> None:
    """Delete a picture's file `name` and its renditions from storage: it was deleted from the
    library, and no page shows it any more."""
    from django.core.files.storage import default_storage

    from .media.renditions import forget

    try:
        forget(default_storage, name)
    except OSError as error:
        retry_later(forget_picture, attempt, error, name=name)
        raise


@task()
def send_notification_email(notification_pk: int, attempt: int = 1) -> None:
    """E-mail notification `notification_pk` to its recipient, in their language (mail.py)."""
    import smtplib

    from .mail import notification_email
    from .models import Notification

    notification = (
        Notification.objects.select_related("recipient", "actor", "article", "translation", "note")
        .filter(pk=notification_pk)
        .first()
    )
    if notification is None or not notification.recipient.email:  # gone, or no address now
        return
    try:
        notification_email(notification).send()
    except (smtplib.SMTPException, OSError) as error:  # the mail server is out of reach
        retry_later(send_notification_email, attempt, error, notification_pk=notification_pk)
        raise


# Retries -----------------------------------------------------------------------------------


def retry_delay(attempt: int) -> timedelta:
    """How long to wait after attempt number `attempt` failed: 5 s, doubling, at most 5 min."""
    return min(FIRST_RETRY_DELAY * 2 ** min(attempt - 1, 16), LONGEST_RETRY_DELAY)


def max_attempts() -> int:
    """How many attempts a job gets: as many as the retry delays fit in JOB_RETRY_HOURS."""
    budget = timedelta(hours=settings.JOB_RETRY_HOURS)
    attempt, waited = 1, timedelta()
    while waited + retry_delay(attempt) <= budget:
        waited += retry_delay(attempt)
        attempt += 1
    return attempt


def retry_later(job, attempt: int, error: Exception, **arguments) -> None:
    """Store attempt `attempt + 1` of `job` with `arguments`, to run after its delay; or, when
    the job has been tried for long enough, give up. A failing job calls this, then raises."""
    if attempt >= max_attempts():
        logger.error("Gave up %s after %d attempts: %s", job.name, attempt, error)
        return
    run_after = timezone.now() + retry_delay(attempt)
    job.using(run_after=run_after).enqueue(**arguments, attempt=attempt + 1)
    logger.warning(
        "%s failed (attempt %d), tried again at %s: %s",
        job.name,
        attempt,
        timezone.localtime(run_after).isoformat(timespec="seconds"),
        error,
    )


def retry_now(results: QuerySet) -> tuple[int, int]:
    """The desk's "Retry now": a waiting job runs at once, a failed one that nobody tried again
    gets a new attempt (its same arguments) that runs at once. Returns how many of each; jobs
    running, succeeded, or already tried again are left alone."""
    now = timezone.now()
    brought_forward = results.filter(status=TaskResultStatus.READY).update(run_after=now)
    retried = 0
    for result in still_failed(results):
        try:
            job = result.task
        except (ImportError, SuspiciousOperation):  # a job this version of the site lacks
            continue
        arguments = result.args_kwargs
        job.using(run_after=now).enqueue(*arguments["args"], **arguments["kwargs"])
        retried += 1
    return retried, brought_forward


# What the desk shows -----------------------------------------------------------------------


def results_of(job) -> QuerySet:
    """Every stored attempt of `job` (e.g. purge_pages), newest first."""
    return DBTaskResult.objects.filter(task_path=job.module_path).order_by("-enqueued_at")


def same_job(result: DBTaskResult) -> tuple[str, str]:
    """What makes two attempts the same job: the task and its arguments, but the attempt."""
    arguments = result.args_kwargs
    kwargs = {name: value for name, value in arguments["kwargs"].items() if name != "attempt"}
    return result.task_path, json.dumps([arguments["args"], kwargs], sort_keys=True)


def still_failed(results: QuerySet) -> QuerySet:
    """Failed attempts of `results` after which the same job (same task and arguments, e.g. a
    purge of the same keys) was never stored again: work that is not done and will not be
    unless someone retries it. An attempt that was tried again is not among them."""
    fields = ("args_kwargs", "task_path", "enqueued_at")
    failed = list(results.filter(status=TaskResultStatus.FAILED).only(*fields))
    if not failed:
        return results.none()
    since = min(result.enqueued_at for result in failed)
    later = DBTaskResult.objects.filter(enqueued_at__gte=since).only(*fields)
    newest = {}
    for result in later:
        key = same_job(result)
        if key not in newest or result.enqueued_at > newest[key]:
            newest[key] = result.enqueued_at
    ids = [result.pk for result in failed if newest[same_job(result)] == result.enqueued_at]
    return results.filter(pk__in=ids)


def attempt_of(result: DBTaskResult) -> int:
    """Which attempt of its job a stored result is (a job's first attempt names none)."""
    return result.args_kwargs["kwargs"].get("attempt", 1)


def last_error(result: DBTaskResult) -> str:
    """A failed attempt's error as a person reads it: "PurgeFailed: Could not purge …"."""
    if not result.traceback:
        return ""
    lines = [line for line in result.traceback.strip().splitlines() if line.strip()]
    # The traceback's last line is "package.module.Class: message" (just the class if empty).
    name, _, message = lines[-1].partition(": ")
    name = name.rsplit(".", 1)[-1]
    return f"{name}: {message}" if message else name
