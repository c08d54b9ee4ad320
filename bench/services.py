"""Services of their own for the outage and stress runs: a PostgreSQL cluster, a redis-server
and the site on them, each on a free port of 127.0.0.1, each stopped by what started it.

Nothing here touches the system's PostgreSQL or Redis: the cluster is made with initdb in a
temporary directory (as the `postgres` user when run as root, which PostgreSQL refuses), and
stopped with pg_ctl on that directory; redis-server is stopped by its PID.
"""

import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

from servers import free_port

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent


def postgres_bin() -> Path:
    """BENCH_POSTGRES_BIN, else the newest PostgreSQL in Debian's /usr/lib/postgresql."""
    if os.environ.get("BENCH_POSTGRES_BIN"):
        return Path(os.environ["BENCH_POSTGRES_BIN"])
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3])
    )
    return versions[-1].parent if versions else Path("/usr/lib/postgresql/15/bin")


POSTGRES_BIN = postgres_bin()
# Variables of the caller's shell that would change what runs; the site gets none of them.
INHERITED_SETTINGS = ("DJANGO_", "NEWSROOM_", "DATABASE_URL", "REDIS_URL")


def wait_for(check, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not come up in {timeout:.0f} s.")
        time.sleep(0.1)


def listening(port: int) -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


class PostgresCluster:
    """`initdb` into `directory`, served on a free port; start() and stop() as often as wanted."""

    def __init__(self, directory: Path, *, durable: bool = True):
        self.directory = directory
        self.durable = durable  # False: no fsync, for short smoke runs whose data is thrown away
        self.data = directory / "data"
        self.log = directory / "postgresql.log"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}"
        self.as_postgres = os.geteuid() == 0  # PostgreSQL refuses to run as root

    def command(self, program: str, *args: str) -> list[str]:
        command = [str(POSTGRES_BIN / program), *args]
        return ["runuser", "-u", "postgres", "--", *command] if self.as_postgres else command

    def run(self, program: str, *args: str) -> None:
        result = subprocess.run(
            self.command(program, *args), capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"{program} failed: {result.stderr or result.stdout}")

    def create(self) -> None:
        """initdb; `directory`'s parent must let the postgres user through (mode 0711)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.as_postgres:
            shutil.chown(self.directory, "postgres", "postgres")
        self.run(
            "initdb",
            "--no-sync",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
        )

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory}"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off"
        self.run("pg_ctl", "start", "-w", "-D", str(self.data), "-l", str(self.log), "-o", options)

    def stop(self, mode: str = "fast") -> None:
        """Stop the cluster (fast: connections are ended, as in a restart or a failover)."""
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "stop", "-w", "-m", mode, "-D", str(self.data))

    def create_database(self, name: str) -> str:
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return f"{self.url}/{name}"


class RedisServer:
    """A redis-server of our own, stopped by its PID. With `keep_data`, it saves what it
    holds when stopped and loads it when started again (as a Redis with persistence does), so
    the pages and the content token from before an outage are there after it."""

    def __init__(self, directory: Path, keep_data: bool = True):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.keep_data = keep_data
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        save = "3600 1" if self.keep_data else ""
        self.process = subprocess.Popen(
            [
                *("redis-server", "--bind", "127.0.0.1", "--port", str(self.port)),
                *("--dir", str(self.directory), "--save", save, "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(lambda: listening(self.port), "redis-server")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def site_environment(directory: Path, **settings: str) -> dict[str, str]:
    """The site's environment: debug off, plain HTTP on 127.0.0.1, a random secret key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(INHERITED_SETTINGS)}
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_STATIC_ROOT=str(directory / "static"),
        DJANGO_CACHE_DIR=str(directory / "cache"),
        DJANGO_MEDIA_ROOT=str(directory / "media"),
        **settings,
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stderr or result.stdout}")
    return result.stdout


def prepare_site(env: dict[str, str], editors: list[tuple[str, str]]) -> None:
    """Migrate, load the seed and make the editors' accounts, while static files are collected
    alongside (the two take most of the setup time)."""
    collecting = subprocess.Popen(
        [sys.executable, str(REPO / "manage.py"), "collectstatic", "--no-input"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        manage(env, "migrate", "--no-input")
        accounts = "".join(
            f"User.objects.create_superuser({name!r}, '{name}@example.com', {password!r});"
            for name, password in editors
        )
        manage(
            env,
            "shell",
            "-c",
            "from django.contrib.auth.models import User;"
            "from django.core.management import call_command;"
            f"call_command('loaddata', 'seed_articles', verbosity=0);{accounts}",
        )
    finally:
        _out, errors = collecting.communicate(timeout=300)
    if collecting.returncode != 0:
        raise RuntimeError(f"manage.py collectstatic failed:\n{errors}")


def machine() -> str:
    load_average = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    return (
        f"{platform.node()}: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average before {load_average}"
    )


def commit() -> str:
    """The commit run, with "+changes" when the work tree differs from it."""

    def git(*args: str) -> str:
        result = subprocess.run(
            ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False
        )
        return result.stdout.strip()

    changed = "+changes" if git("status", "--porcelain") else ""
    return git("rev-parse", "--short", "HEAD") + changed


def finish(record: dict, table: str, json_path: Path | None, *notes: str) -> int:
    """Print a script's table, its notes and its verdict; keep the record as JSON if asked.
    The exit status: 0 when every check passed."""
    sys.stdout.write(f"\n{table}\n\n")
    for note in notes:
        sys.stdout.write(f"{note}\n")
    sys.stdout.write("All checks passed.\n" if record["ok"] else "Some checks FAILED.\n")
    if json_path:
        json_path.write_text(json.dumps(record, indent=2, default=str) + "\n")
    return 0 if record["ok"] else 1
