"""Django's PostgreSQL backend, with deadlines: a database that does not answer costs a request
seconds, not a worker.

PostgreSQL frozen (a stopped or swapping server, a stalled VM, a network that drops packets)
answers nothing and refuses nothing. The kernel still takes the connection and the query, so
without a deadline a worker waits until gunicorn kills it, and two such requests hold every
sync worker: even pages the page cache holds get no answer. So, with the settings'
DJANGO_DB_CONNECT_TIMEOUT and DJANGO_DB_STATEMENT_TIMEOUT (OPTIONS connect_timeout and
answer_timeout here):

- connecting gives up after connect_timeout (psycopg's own, at least 2 s);
- a query gives up when no answer came within answer_timeout (PostgreSQL's statement_timeout
  plus a second: a server that runs cancels the statement itself and says so first), and the
  connection, in an unknown state, is closed; Django's health check of a kept connection
  (SELECT 1) gives up after connect_timeout;
- after either, this process does not ask again for BACK_OFF_SECONDS: requests fail at once.

Each failure is psycopg's OperationalError, which Django raises as its own and
articles/errors.py answers with the 503 page and Retry-After. A refused connection (PostgreSQL
stopped or restarting) fails at once anyway and is asked again on the next request.
"""

import contextlib
import threading
import time

import psycopg
from django.db.backends.postgresql import base

BACK_OFF_SECONDS = 2.0


class DatabaseNotAnswering(psycopg.OperationalError):
    """PostgreSQL did not answer in time (or did not a moment ago)."""


class _Unanswered:
    """When this process last found PostgreSQL not answering (one per process)."""

    lock = threading.Lock()
    until = 0.0

    @classmethod
    def note(cls) -> None:
        with cls.lock:
            cls.until = time.monotonic() + BACK_OFF_SECONDS

    @classmethod
    def check(cls) -> None:
        if time.monotonic() < cls.until:
            raise DatabaseNotAnswering(
                "PostgreSQL did not answer a moment ago; "
                f"not asked again for {BACK_OFF_SECONDS:g} s"
            )

    @classmethod
    def clear(cls) -> None:
        with cls.lock:
            cls.until = 0.0


class Connection(psycopg.Connection):
    """A psycopg connection that waits for an answer `answer_timeout` seconds at most."""

    answer_timeout: float | None = None

    def wait(self, gen, interval=0.1, timeout=None):
        timeout = timeout if timeout is not None else self.answer_timeout
        try:
            return super().wait(gen, interval, timeout)
        except psycopg.OperationalError as error:
            if type(error).__name__ != "_WaitTimeout":  # psycopg's, for its wait functions
                raise
            # The query may still be running, or stuck: the connection is of no further use.
            self.pgconn.finish()
            _Unanswered.note()
            raise DatabaseNotAnswering(
                f"PostgreSQL did not answer within {timeout:g} s; connection closed"
            ) from None

    @contextlib.contextmanager
    def deadline(self, seconds: float | None):
        previous, self.answer_timeout = self.answer_timeout, seconds
        try:
            yield
        finally:
            self.answer_timeout = previous


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        options = self.settings_dict["OPTIONS"]
        self.answer_timeout = options.get("answer_timeout")
        self.health_check_timeout = float(options.get("connect_timeout") or 0) or None
        if isinstance(options.get("pool"), dict):
            options["pool"].setdefault("connection_class", Connection)

    def get_connection_params(self):
        params = super().get_connection_params()
        params.pop("answer_timeout", None)
        return params

    def get_new_connection(self, conn_params):
        """Django's, with the Connection above (and no psycopg2)."""
        _Unanswered.check()
        options = self.settings_dict["OPTIONS"]
        try:
            isolation_level = options["isolation_level"]
        except KeyError:
            self.isolation_level = base.IsolationLevel.READ_COMMITTED
            set_isolation_level = False
        else:
            self.isolation_level = base.IsolationLevel(isolation_level)
            set_isolation_level = True
        try:
            if self.pool:
                self.pool.open()
                connection = self.pool.getconn()
            else:
                connection = Connection.connect(**conn_params)
        except psycopg.errors.ConnectionTimeout:
            _Unanswered.note()
            raise
        if isinstance(connection, Connection):
            connection.answer_timeout = self.answer_timeout
        if set_isolation_level:
            connection.isolation_level = self.isolation_level
        return connection

    def is_usable(self):
        if not isinstance(self.connection, Connection):
            return super().is_usable()
        with self.connection.deadline(self.health_check_timeout or self.answer_timeout):
            return super().is_usable()
