"""The shared cache's backends: Django's file and Redis caches, with what the page cache
(articles/cache/pages.py) needs of them.

- FileCache: Django's FileBasedCache lists its whole directory on every store to count its
  entries (25 ms per store at 19,000 entries); this one counts them now and then. Its add()
  is atomic (the page cache claims a page's render with it).
- RedisCache: knows which run of the Redis server it talks to (a restart is a new run), and can
  hand a write to a Redis that does not answer (frozen: it applies the write when it resumes)
  without waiting for the answer.
"""

import os
import pickle
import random
import socket
import tempfile
import threading
import zlib

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class FileCache(FileBasedCache):
    """FileBasedCache whose stores do not list the directory each time.

    Django culls (deletes a third of the entries, at random) once MAX_ENTRIES is reached, and
    to know, it lists every file on each store. Here a store lists them with a chance of one
    in CULL_CHECK_EVERY (default 64), so the directory may pass MAX_ENTRIES by about that many
    entries per process before a cull brings it back.
    """

    def __init__(self, dir, params):
        super().__init__(dir, params)
        options = params.get("OPTIONS", {})
        self._check_every = max(1, int(options.get("CULL_CHECK_EVERY", 64)))

    def _cull(self):
        if self._check_every > 1 and random.randrange(self._check_every):
            return
        super()._cull()

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        """Store `value` unless `key` holds a live entry; of processes adding one key at once,
        one succeeds (FileBasedCache checks, then writes: several could)."""
        self._createdir()
        path = self._key_to_file(key, version)
        self._cull()
        descriptor, written = tempfile.mkstemp(dir=self._dir)
        try:
            with open(descriptor, "wb") as file:
                self._write_content(file, timeout, value)
            try:
                os.link(written, path)  # fails if the entry exists, whoever made it
            except FileExistsError:
                if self.has_key(key, version):  # an expired entry is deleted here
                    return False
                os.replace(written, path)
                written = None
            return True
        finally:
            if written is not None:
                os.remove(written)

    def _write_content(self, file, timeout, value):
        # Stored, not compressed (zlib level 0, which FileBasedCache.get() reads as before):
        # inflating a kept page was a tenth of a page-cache hit; a page takes ~4x the disk.
        file.write(pickle.dumps(self.get_backend_timeout(timeout), self.pickle_protocol))
        file.write(zlib.compress(pickle.dumps(value, self.pickle_protocol), 0))


# The run ID (INFO server: run_id) of each Redis server this process has connected to, by
# address. Redis draws a new one at every start, so a server restarted with its data from
# disk says so here.
_server_runs: dict[tuple, str] = {}
_server_runs_lock = threading.Lock()


def _address(connection) -> tuple:
    return (
        getattr(connection, "host", None),
        getattr(connection, "port", None),
        getattr(connection, "path", None),
        getattr(connection, "db", None),
    )


def _learn_run(connection) -> None:
    connection.send_command("INFO", "server", check_health=False)
    info = connection.read_response()
    if isinstance(info, bytes):
        info = info.decode()
    for line in str(info).splitlines():
        if line.startswith("run_id:"):
            with _server_runs_lock:
                _server_runs[_address(connection)] = line.partition(":")[2].strip()
            return


def _connect(connection) -> None:
    """What redis-py does on connecting (AUTH, SELECT…), then learn the server's run ID."""
    connection.on_connect()
    _learn_run(connection)


class _RunAwareClient(RedisCacheClient):
    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._pool_options["redis_connect_func"] = _connect


class RedisCache(DjangoRedisCache):
    """Django's Redis cache, plus server_run() and set_without_waiting() for the page cache."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _RunAwareClient

    def server_run(self) -> str | None:
        """The run ID of the Redis server written to, as of this process's latest connection
        to it (None before the first one)."""
        pool = self._cache._get_connection_pool(write=True)
        kwargs = pool.connection_kwargs
        address = (kwargs.get("host"), kwargs.get("port"), kwargs.get("path"), kwargs.get("db"))
        with _server_runs_lock:
            return _server_runs.get(address)

    def set_without_waiting(self, key, value, seconds: float = 0.1) -> None:
        """SET key value (no expiry), written on a connection of its own without waiting for
        any answer; errors (refused, unreachable within `seconds`) are the caller's.

        A frozen Redis (stopped, swapping, a stalled VM) answers nothing, but its kernel takes
        the connection and the command, and Redis carries the command out when it resumes,
        before the commands that arrive after that. So the command goes out raw: redis-py
        would first wait for the answers to its own greeting (CLIENT SETINFO) and never send
        it. Not over TLS (rediss://), where the handshake needs the server too.
        """
        connection = self._cache._lib.connection
        options = connection.parse_url(self._servers[0])
        if options.get("connection_class") is connection.SSLConnection:
            return
        commands = []
        if options.get("password"):
            login = [options["username"]] if options.get("username") else []
            commands.append(_resp("AUTH", *login, options["password"]))
        if options.get("db"):
            commands.append(_resp("SELECT", options["db"]))
        value = self._cache._serializer.dumps(value)
        commands.append(_resp("SET", self.make_and_validate_key(key), value))
        if "path" in options:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(seconds)
            sock.connect(options["path"])
        else:
            address = (options.get("host", "localhost"), int(options.get("port", 6379)))
            sock = socket.create_connection(address, timeout=seconds)
        with sock:
            sock.sendall(b"".join(commands))


def _resp(*parts) -> bytes:
    """A command in the Redis protocol (RESP)."""
    encoded = [part if isinstance(part, bytes) else str(part).encode() for part in parts]
    return b"".join(
        [b"*%d\r\n" % len(encoded), *(b"$%d\r\n%s\r\n" % (len(part), part) for part in encoded)]
    )
