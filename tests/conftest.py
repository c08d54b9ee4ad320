import os

import pytest
from django.core.cache import caches
from django.db import connection
from django.utils import translation

from .desk_browser import open_as, site  # noqa: F401 (fixtures for every browser test)
from .mailbox import smtp_server  # noqa: F401 (a fixture for every module)
from .oembed import oembed_server  # noqa: F401 (a fixture for every module)


@pytest.fixture(autouse=True)
def _unhashed_static_files(settings):
    # Hashed static names need `collectstatic` first; tests/test_settings.py covers that path.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # imagekit remembers which renditions exist by file name, and every test's media start
    # empty: an upload named like one in an earlier test must get its renditions made anew.
    caches["imagekit"].clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (see tests/browser.py)."""
    from playwright.sync_api import sync_playwright

    from .browser import CHROMIUM, CHROMIUM_ARGS, missing_tool

    if not os.access(CHROMIUM, os.X_OK):
        missing_tool(f"Chromium is not installed at {CHROMIUM}.")
    with pytest.MonkeyPatch.context() as monkeypatch:
        # Playwright's sync API keeps an asyncio loop running in this thread, so Django would
        # refuse the ORM calls that load and flush the test data (SynchronousOnlyOperation).
        monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@pytest.fixture(autouse=True)
def _default_language_between_tests():
    # A request in German leaves German active in this thread; the next test must not inherit it.
    yield
    translation.deactivate()


def pytest_collection_modifyitems(config, items):
    """Leave out the tests for the other database; CI runs the suite on both, so none is lost.

    The browser tests drive pages whose queries the rest of the suite checks on both databases;
    they run once, on SQLite, which keeps CI's two runs short.
    """
    postgresql = connection.vendor == "postgresql"
    other = "sqlite_only" if postgresql else "postgresql_only"
    kept, left_out = [], []
    for item in items:
        skip = item.get_closest_marker(other) or (postgresql and item.get_closest_marker("browser"))
        (left_out if skip else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


@pytest.fixture(autouse=True)
def _page_cache_off(settings):
    # Page tests check what a page renders; tests/test_page_cache.py turns the caches on.
    settings.PAGE_CACHE = False
    settings.FRAGMENT_CACHE = False


def own_file_cache(settings, tmp_path):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "newsroom.cache_backends.FileCache",
            "LOCATION": tmp_path / "cache",
        },
    }


@pytest.fixture
def page_cache_on(settings, tmp_path):
    """The page cache and the fragment cache as readers get them (files, the default), in a
    cache of the test's own."""
    settings.PAGE_CACHE = True
    settings.FRAGMENT_CACHE = True
    own_file_cache(settings, tmp_path)
    yield
    caches["default"].clear()


@pytest.fixture
def fragment_cache_only(settings, tmp_path):
    """The fragment cache alone (DJANGO_PAGE_CACHE=false), in a cache of the test's own."""
    settings.FRAGMENT_CACHE = True
    own_file_cache(settings, tmp_path)
    yield
    caches["default"].clear()


@pytest.fixture
def run_jobs():
    """Run the stored jobs that are due, in this process, as `manage.py db_worker` runs them
    (its own run_task: results, errors and retries recorded alike). run_jobs(at=…) runs those
    due by then, e.g. retries waiting for their delay. Returns the attempts run, in order."""
    from django.db.models import Q
    from django.utils import timezone
    from django_tasks import TaskResultStatus
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult, get_date_max

    # Its run() loop would close the test's database connection; run_task() alone does not.
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
        excluded_queue_names=[],
    )

    def run(at=None):
        due = DBTaskResult.objects.filter(status=TaskResultStatus.READY).filter(
            Q(run_after=get_date_max()) | Q(run_after__lte=at or timezone.now())
        )
        ran = []
        while (result := due.first()) is not None:
            result.claim(worker.worker_id)
            worker.run_task(result)
            ran.append(result)
        return ran

    return run
