"""On SQLite the site and its job worker write to one file. A desk save reads the article, then
writes it; a worker writing meanwhile must make the save wait, never fail it with "database is
locked" (which the site would answer as the designed 503 for an unreachable database)."""

import threading

import pytest
from django.db import connections
from django.db.backends.sqlite3.base import DatabaseWrapper

pytestmark = pytest.mark.sqlite_only


def connect(settings_dict):
    wrapper = DatabaseWrapper(settings_dict, alias="writer")
    wrapper.ensure_connection()
    return wrapper


def begin(wrapper):
    # What transaction.atomic() does first.
    wrapper.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    if wrapper.transaction_mode is not None:
        wrapper.set_autocommit(True)
        wrapper._start_transaction_under_autocommit()
        wrapper.autocommit = False


def desk_save_racing_a_worker(settings_dict) -> list[str]:
    """The save reads, a worker starts writing, then the save writes. Returns what failed."""
    setup = connect(settings_dict)
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE article (id INTEGER PRIMARY KEY, body TEXT)")
        cursor.execute("CREATE TABLE job (id INTEGER PRIMARY KEY, keys TEXT)")
        cursor.execute("INSERT INTO article VALUES (1, 'old')")
    setup.close()
    save = connect(settings_dict)
    failures, worker_began = [], threading.Event()

    def work():
        worker = connect(settings_dict)  # a connection belongs to its thread
        try:
            worker_began.set()
            begin(worker)
            with worker.cursor() as cursor:
                cursor.execute("INSERT INTO job (keys) VALUES ('article-1 list')")
            worker.commit()
        except Exception as error:  # what a worker would log
            failures.append(f"worker: {error}")
        finally:
            worker.close()

    try:
        begin(save)
        with save.cursor() as cursor:
            cursor.execute("SELECT body FROM article WHERE id = 1")
            thread = threading.Thread(target=work)
            thread.start()
            worker_began.wait(10)
            thread.join(0.5)  # the worker has begun (or waits for the save's lock)
            cursor.execute("UPDATE article SET body = 'new' WHERE id = 1")
        save.commit()
    except Exception as error:
        failures.append(f"save: {error}")
    finally:
        save.close()
    thread.join(30)
    return failures


@pytest.fixture(autouse=True)
def _own_connections(django_db_blocker):
    # These tests open connections of their own to a file of their own, not the test database.
    with django_db_blocker.unblock():
        yield


def test_the_site_s_sqlite_transactions_take_the_write_lock_when_they_begin():
    options = connections["default"].settings_dict["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]


def test_a_desk_save_and_a_worker_writing_at_once_both_succeed(tmp_path):
    settings_dict = {**connections["default"].settings_dict, "NAME": str(tmp_path / "db")}

    assert desk_save_racing_a_worker(settings_dict) == []


def test_without_immediate_transactions_the_save_would_fail(tmp_path):
    """The case the setting exists for: SQLite's default, deferred transactions."""
    settings_dict = {**connections["default"].settings_dict, "NAME": str(tmp_path / "db")}
    settings_dict["OPTIONS"] = {**settings_dict["OPTIONS"], "transaction_mode": None}

    assert desk_save_racing_a_worker(settings_dict) == ["save: database is locked"]
