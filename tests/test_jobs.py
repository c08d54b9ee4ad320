"""Background jobs (articles/jobs.py): every CDN purge is a job stored with the change that needs
it, run by a worker outside the editor's request, recorded when it fails, retried with back-off
until the CDN answers, and shown in the desk, which can retry it at once."""

import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission, User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django_tasks_db.models import DBTaskResult
from pytest_django.asserts import assertContains, assertNotContains

from articles import jobs
from articles.cache import purge

from .factories import make_article, make_staff
from .forms import form_data
from .ports import free_ports
from .test_varnish import Browser, stop, wait_for

BASE_DIR = Path(__file__).resolve().parent.parent
JOBS_URL = "/admin/django_tasks_database/dbtaskresult/"

pytestmark = pytest.mark.django_db


class PurgeRecorder(BaseHTTPRequestHandler):
    """A CDN stand-in: answers PURGE with 200 and remembers each purge's keys."""

    received: list[str]

    def do_PURGE(self):
        self.received.append(self.headers["xkey-purge"])
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


class StandInCDN:
    """An HTTP server on `port` that takes purges, from up() until down()."""

    def __init__(self, port: int):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.received: list[str] = []
        self.server = None

    def up(self):
        handler = type("Recorder", (PurgeRecorder,), {"received": self.received})
        self.server = HTTPServer(("127.0.0.1", self.port), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def is_listening(self) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0


@pytest.fixture
def cdn(settings):
    """A Varnish-like CDN the site purges, down (nothing listening on its port) until cdn.up()."""
    (port,) = free_ports(1)
    stand_in = StandInCDN(port)
    settings.PURGE_BACKEND = "articles.cache.purge.VarnishBackend"
    settings.VARNISH_URLS = [stand_in.url]
    purge.purge_queue.keys.clear()  # left by earlier tests' rolled-back transactions
    yield stand_in
    stand_in.down()


@pytest.fixture
def article():
    made = make_article(headline="The story", slug="story")
    purge.purge_queue.keys.clear()  # its creation's keys: this test's changes come after
    return made


def edit(article, headline="Changed"):
    article.headline = headline
    article.save(update_fields=["headline"])  # as the editorial actions save


def purge_rows():
    return list(jobs.results_of(jobs.purge_pages).order_by("enqueued_at"))


def keys_of(row) -> list[str]:
    return row.args_kwargs["kwargs"]["keys"]


# Stored with the change ----------------------------------------------------------------------


def test_a_change_stores_one_purge_job_with_its_keys_once_it_commits(
    cdn, article, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        edit(article)
        article.tags.add("Climate")
        article.tags.add("Energy")

    assert purge_rows() == []
    for callback in callbacks:
        callback()
    (row,) = purge_rows()
    assert keys_of(row) == sorted(
        {
            f"article-{article.pk}",
            "list",
            "search",
            *(f"tag-{tag.pk}" for tag in article.tags.all()),
        }
    )
    assert (row.status, row.worker_ids) == ("READY", [])
    assert cdn.received == []


def test_a_change_that_rolls_back_stores_no_job(cdn, article, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        edit(article)
        raise RuntimeError("the editor's save fails")

    assert callbacks == []
    assert purge_rows() == []


def test_without_a_cdn_no_job_is_stored(settings, article, django_capture_on_commit_callbacks):
    assert settings.PURGE_BACKEND == "articles.cache.purge.NullBackend"  # DJANGO_PURGE_BACKEND=none

    with django_capture_on_commit_callbacks(execute=True):
        edit(article)

    assert DBTaskResult.objects.count() == 0


# Failing, retrying ---------------------------------------------------------------------------


def test_a_failed_purge_is_recorded_with_its_error_and_tried_again_with_back_off(
    cdn, article, django_capture_on_commit_callbacks, run_jobs
):
    with django_capture_on_commit_callbacks(execute=True):
        edit(article)

    (first,) = run_jobs()

    first.refresh_from_db()
    assert first.status == "FAILED"
    assert first.exception_class_path == "articles.cache.purge.PurgeFailed"
    assert jobs.last_error(first) == (
        f"PurgeFailed: Could not purge article-{article.pk} list search from {cdn.url}: "
        "Connection refused"
    )
    failed, retry = purge_rows()
    assert failed == first
    assert (retry.status, jobs.attempt_of(retry), keys_of(retry)) == (
        "READY",
        2,
        [f"article-{article.pk}", "list", "search"],
    )
    assert retry.run_after - first.finished_at == pytest.approx(
        timedelta(seconds=5), abs=timedelta(seconds=1)
    )
    assert run_jobs() == []  # not due yet

    (second,) = run_jobs(at=retry.run_after)

    second.refresh_from_db()
    assert (second.pk, second.status) == (retry.pk, "FAILED")
    third = purge_rows()[-1]
    assert (third.status, jobs.attempt_of(third)) == ("READY", 3)
    assert third.run_after - second.finished_at == pytest.approx(
        timedelta(seconds=10), abs=timedelta(seconds=1)
    )


def test_retries_wait_twice_as_long_each_time_up_to_five_minutes_for_a_day(settings):
    delays = [jobs.retry_delay(attempt).total_seconds() for attempt in range(1, 10)]
    assert delays == [5, 10, 20, 40, 80, 160, 300, 300, 300]
    assert jobs.retry_delay(10_000) == timedelta(minutes=5)

    settings.JOB_RETRY_HOURS = 24
    waited = sum((jobs.retry_delay(n) for n in range(1, jobs.max_attempts())), timedelta())
    assert timedelta(hours=24) - timedelta(minutes=5) < waited <= timedelta(hours=24)


def test_a_purge_that_failed_for_the_retry_hours_gives_up(
    settings, cdn, article, django_capture_on_commit_callbacks, run_jobs
):
    settings.JOB_RETRY_HOURS = 0  # one attempt, no retry

    with django_capture_on_commit_callbacks(execute=True):
        edit(article)
    run_jobs()

    (row,) = purge_rows()
    assert row.status == "FAILED"
    assert list(jobs.still_failed(jobs.results_of(jobs.purge_pages))) == [row]


def test_the_retry_succeeds_once_the_cdn_answers(
    cdn, article, django_capture_on_commit_callbacks, run_jobs
):
    with django_capture_on_commit_callbacks(execute=True):
        edit(article)
    run_jobs()
    cdn.up()

    (retry,) = run_jobs(at=timezone.now() + timedelta(seconds=5))

    retry.refresh_from_db()
    assert retry.status == "SUCCESSFUL"
    assert cdn.received == [f"article-{article.pk} list search"]
    assert [row.status for row in purge_rows()] == ["FAILED", "SUCCESSFUL"]
    # The failed attempt was tried again: nothing is left failed.
    assert not jobs.still_failed(jobs.results_of(jobs.purge_pages)).exists()


# In the desk ---------------------------------------------------------------------------------


@pytest.fixture
def failed_purge(cdn, article, django_capture_on_commit_callbacks, run_jobs, settings):
    """A purge that failed and gave up (the CDN was down), and nothing else stored."""
    settings.JOB_RETRY_HOURS = 0
    with django_capture_on_commit_callbacks(execute=True):
        edit(article)
    (row,) = run_jobs()
    settings.JOB_RETRY_HOURS = 24
    return row


@pytest.fixture
def operator(client):
    client.force_login(User.objects.create_superuser("operator", password="x"))
    return client


def test_the_desk_lists_jobs_with_keys_attempt_status_when_they_run_and_the_error(
    operator, failed_purge, article, cdn
):
    waiting = jobs.purge_pages.using(run_after=timezone.now() + timedelta(minutes=3)).enqueue(
        keys=["all"], attempt=4
    )

    response = operator.get(JOBS_URL)

    assertContains(response, "<h1>Background jobs</h1>", html=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
    assert (
        f"CDN purge article-{article.pk} list search 1 Failed - "  # runs: only for waiting jobs
        in text
    )
    assert (
        f"PurgeFailed: Could not purge article-{article.pk} list search from {cdn.url}: "
        "Connection refused" in text
    )
    run_after = localize(timezone.localtime(waiting.db_result.run_after))
    assert f"CDN purge all 4 Waiting {run_after} - -" in text  # not finished, no error

    detail = operator.get(f"{JOBS_URL}{failed_purge.pk}/change/")
    assertContains(detail, "<pre>Traceback (most recent call last):")
    assertContains(detail, "articles.cache.purge.PurgeFailed: Could not purge")


def test_the_desk_filters_jobs_by_status(operator, failed_purge, run_jobs, cdn):
    cdn.up()
    jobs.purge_pages.enqueue(keys=["home"])
    run_jobs()
    jobs.purge_pages.enqueue(keys=["feeds"])

    def listed(status):
        response = operator.get(JOBS_URL, {"status": status})
        return [row.pk for row in response.context["cl"].result_list]

    succeeded, waiting = purge_rows()[1:]
    assert listed("failed") == [failed_purge.pk]
    assert listed("waiting") == [waiting.pk]
    assert listed("succeeded") == [succeeded.pk]
    assert listed("running") == []
    found = operator.get(JOBS_URL, {"q": "feeds"}).context["cl"].result_list
    assert list(found) == [waiting]  # found by a key it purges


def test_retry_now_runs_a_failed_purge_again_at_once(operator, failed_purge, cdn, run_jobs):
    response = operator.post(
        JOBS_URL, {"action": "retry_now", "_selected_action": [failed_purge.pk]}, follow=True
    )

    assertContains(response, "1 failed job runs again now.")
    failed, fresh = purge_rows()
    assert failed == failed_purge
    assert (fresh.status, keys_of(fresh)) == ("READY", keys_of(failed_purge))
    assert fresh.run_after <= timezone.now()
    listed = operator.get(JOBS_URL, {"status": "retried"}).context["cl"].result_list
    assert list(listed) == [failed_purge]

    cdn.up()
    run_jobs()

    fresh.refresh_from_db()
    assert fresh.status == "SUCCESSFUL"
    assert cdn.received == [" ".join(keys_of(failed_purge))]
    # Tried again already: a second "Retry now" of the same failed attempt does nothing.
    response = operator.post(
        JOBS_URL, {"action": "retry_now", "_selected_action": [failed_purge.pk]}, follow=True
    )
    assertContains(response, "Nothing to retry")
    assert len(purge_rows()) == 2


def test_retry_now_brings_a_waiting_retry_forward(operator, cdn):
    later = timezone.now() + timedelta(minutes=5)
    waiting = jobs.purge_pages.using(run_after=later).enqueue(keys=["list"], attempt=7)

    response = operator.post(
        JOBS_URL, {"action": "retry_now", "_selected_action": [waiting.id]}, follow=True
    )

    assertContains(response, "1 waiting job runs now.")
    row = DBTaskResult.objects.get()
    assert row.status == "READY"
    assert row.run_after <= timezone.now()


def test_only_those_who_may_change_jobs_can_retry_them(client, failed_purge):
    viewer = make_staff("Editors")
    viewer.user_permissions.add(Permission.objects.get(codename="view_dbtaskresult"))
    client.force_login(viewer)

    listed = client.get(JOBS_URL)
    refused = client.post(JOBS_URL, {"action": "retry_now", "_selected_action": [failed_purge.pk]})

    assert listed.status_code == 200
    assertNotContains(listed, "Retry now")
    assert refused.status_code in {200, 302}
    assert len(purge_rows()) == 1


def test_the_desk_home_page_counts_purges_waiting_and_failed(operator, failed_purge, cdn):
    jobs.purge_pages.enqueue(keys=["home"])
    jobs.purge_pages.using(run_after=timezone.now() + timedelta(minutes=1)).enqueue(
        keys=["feeds"], attempt=2
    )

    response = operator.get(reverse("admin:index"))

    changelist = f"{JOBS_URL}?job=purge_pages"
    assertContains(
        response,
        f'<tr><th scope="row"><a href="{changelist}&amp;status=waiting">CDN purges waiting</a>'
        '</th><td class="desk-summary__count">2</td></tr>',
        html=True,
    )
    assertContains(
        response,
        f'<tr><th scope="row"><a href="{changelist}&amp;status=failed">CDN purges failed</a>'
        '</th><td class="desk-summary__count">1</td></tr>',
        html=True,
    )


def test_editors_who_may_not_see_jobs_get_no_purge_counts(client, failed_purge):
    client.force_login(make_staff("Editors"))

    response = client.get(reverse("admin:index"))

    assertContains(response, "In review")
    assertNotContains(response, "CDN purges")


# With a real worker process and a real CDN stand-in -----------------------------------------

ARTICLE_SLUG = "china-eloquent-silence-kim-putin"
PASSWORD = "jobs-test-password"


def poll(condition, what: str, seconds: float = 60):
    """condition()'s first true value within `seconds`, else the test fails saying `what`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    pytest.fail(f"Not within {seconds} s: {what}", pytrace=False)


@pytest.fixture
def newsroom(tmp_path):
    """The site in its own processes, on a seeded SQLite file, purging a CDN that is down; a
    worker is started by newsroom.start_worker(). Every process is stopped afterwards."""
    app_port, cdn_port = free_ports(2)
    database = tmp_path / "site.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",
        "DJANGO_SECRET_KEY": "purges-are-jobs-that-outlive-the-cdn-" + "x" * 30,
        "DJANGO_CACHE_DIR": str(tmp_path / "cache"),
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_PURGE_BACKEND": "varnish",
        "DJANGO_VARNISH_URLS": f"http://127.0.0.1:{cdn_port}",
    }
    env.pop("REDIS_URL", None)

    def manage(*args) -> str:
        # Setting up stores no purge: the test's save is the only change the CDN hears of.
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env={**env, "DJANGO_PURGE_BACKEND": "none"},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    manage("migrate", "--no-input")
    manage("loaddata", "seed_articles")
    manage("collectstatic", "--no-input")
    manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import User;"
        f"User.objects.create_superuser('desk', 'desk@example.org', {PASSWORD!r})",
    )
    pk = int(
        manage(
            "shell",
            "--verbosity",
            "0",
            "-c",
            "from articles.models import Article;"
            f"print(Article.objects.get(slug={ARTICLE_SLUG!r}).pk)",
        )
    )

    def start(*args, log_name):
        process = subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=env,
            stdout=(tmp_path / log_name).open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        processes.append(process)
        return process

    def purge_rows():
        with sqlite3.connect(database) as connection:
            rows = connection.execute(
                "SELECT status, args_kwargs, worker_ids, traceback"
                " FROM django_tasks_database_dbtaskresult"
                " WHERE task_path = 'articles.jobs.purge_pages' ORDER BY enqueued_at"
            ).fetchall()
        return [
            SimpleNamespace(status=row[0], arguments=row[1], workers=row[2], error=row[3])
            for row in rows
        ]

    processes = []
    cdn = StandInCDN(cdn_port)
    try:
        app = start("runserver", f"127.0.0.1:{app_port}", "--noreload", log_name="site.log")
        wait_for(f"http://127.0.0.1:{app_port}/en/", app, "The site")
        yield SimpleNamespace(
            url=f"http://127.0.0.1:{app_port}",
            article_pk=pk,
            cdn=cdn,
            purge_rows=purge_rows,
            start_worker=lambda: start(
                "db_worker", "--interval", "0.2", "--no-startup-delay", log_name="worker.log"
            ),
        )
    finally:
        for process in reversed(processes):
            stop(process)
        cdn.down()


def save_on_the_desk(newsroom, headline: str):
    """An editor logs in and saves the article's change form, over HTTP; the save's status."""
    editor = Browser(newsroom.url, cookies=True)
    editor.get("/admin/login/")
    login = {
        "username": "desk",
        "password": PASSWORD,
        "csrfmiddlewaretoken": editor.cookie("csrftoken"),
        "next": "/admin/",
    }
    assert editor.request("/admin/login/", data=login)[0] == 302, "the login was refused"
    change = f"/admin/articles/article/{newsroom.article_pk}/change/"
    status, _headers, html = editor.get(change)
    assert status == 200
    data = form_data(SimpleNamespace(content=html.encode()), "article_form")
    data["headline"] = headline
    status, _headers, html = editor.request(change, data=data)
    errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S)
    assert status == 302, errors
    return status


@pytest.mark.sqlite_only  # the site runs on its own SQLite file whatever the suite's database
def test_a_save_while_the_cdn_is_down_is_not_held_up_and_its_purge_arrives_once_it_is_up(
    newsroom,
):
    keys = f'["article-{newsroom.article_pk}", "list", "search"]'
    assert not newsroom.cdn.is_listening()

    save_on_the_desk(newsroom, "Saved while the CDN is down")

    # The save has answered, and nothing tried the CDN inside it: the purge is a stored job
    # that no worker has touched yet, and the CDN is still down.
    (job,) = newsroom.purge_rows()
    assert (job.status, job.workers) == ("READY", "[]")
    assert keys in job.arguments
    assert not newsroom.cdn.is_listening()
    assert newsroom.cdn.received == []

    worker = newsroom.start_worker()
    # The worker tries, the CDN refuses: the attempt is recorded failed with its error, and
    # the next attempt waits as a row of its own.
    failed, retry = poll(
        lambda: (rows := newsroom.purge_rows()) and len(rows) == 2 and rows,
        "the first attempt failed and a retry is stored",
    )
    assert failed.status == "FAILED"
    assert "PurgeFailed: Could not purge" in failed.error
    assert "Connection refused" in failed.error
    assert (retry.status, '"attempt": 2' in retry.arguments) == ("READY", True)

    newsroom.cdn.up()

    poll(lambda: newsroom.cdn.received, "the purge arrived at the CDN")
    assert newsroom.cdn.received == [f"article-{newsroom.article_pk} list search"]
    final = poll(
        lambda: (rows := newsroom.purge_rows())[-1].status == "SUCCESSFUL" and rows,
        "the retry is recorded successful",
    )
    assert [row.status for row in final] == ["FAILED", "SUCCESSFUL"]
    assert worker.poll() is None  # still serving the queue
