"""The benchmarks' own databases: manage.py and probe.py run against them, the synthetic
newsroom generated into them, and PostgreSQL databases made, kept and dropped by name, only
those a benchmark owns."""

import json
import subprocess
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
MANAGE = [sys.executable, str(REPO / "manage.py")]


def manage(*args: str, env: dict[str, str], capture: bool = False) -> str:
    result = subprocess.run(
        [*MANAGE, *args],
        cwd=REPO,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return result.stdout or ""


def start_manage(*args: str, env: dict[str, str]) -> subprocess.Popen:
    """manage.py in the background, to overlap with other setup; see finish()."""
    return subprocess.Popen([*MANAGE, *args], cwd=REPO, env=env, stdin=subprocess.DEVNULL)


def finish(process: subprocess.Popen) -> None:
    if process.wait() != 0:
        raise subprocess.CalledProcessError(process.returncode, process.args)


def script_json(script: str, *args: str, env: dict[str, str]) -> dict:
    """What a script of bench/ prints as JSON, run in the benchmark's environment."""
    result = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        cwd=REPO,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE,
    )
    return json.loads(result.stdout)


def probe(what: str, env: dict[str, str]) -> dict:
    return script_json("probe.py", what, env=env)


def generate(articles: int, env: dict[str, str]) -> None:
    """The synthetic newsroom, its authors, tags and sections in the generator's proportions
    (100,000 articles: 2,000 authors, 5,000 tags, 20 sections)."""
    manage(
        "generate_newsroom",
        "--articles",
        str(articles),
        "--authors",
        str(max(5, articles // 50)),
        "--tags",
        str(max(10, articles // 20)),
        "--sections",
        str(min(20, max(3, articles // 5_000))),
        "--translated",
        "0.3",
        "--seed",
        "0",
        # Bulk inserts of 100,000 articles and their indexes: statements longer than the
        # site's deadline (DJANGO_DB_STATEMENT_TIMEOUT) are expected here.
        env={**env, "DJANGO_DB_STATEMENT_TIMEOUT": "0"},
    )


class PostgreSQL:
    """The benchmark's own databases on a PostgreSQL server; it touches no others."""

    def __init__(self, server_url: str, owned: Iterable[str]):
        import psycopg

        self.server_url = server_url.rstrip("/")
        self.psycopg = psycopg
        self.owned = frozenset(owned)  # the only databases it may cancel, drop or make

    def url(self, name: str) -> str:
        return f"{self.server_url}/{name}"

    def execute(self, sql: str, database: str = "postgres", params=()) -> list:
        with self.psycopg.connect(self.url(database), autocommit=True) as connection:
            cursor = connection.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def version(self) -> str:
        return self.execute("SHOW server_version")[0][0]

    def exists(self, name: str) -> bool:
        return bool(self.execute("SELECT 1 FROM pg_database WHERE datname = %s", params=(name,)))

    def cancel_queries(self, name: str) -> None:
        """Cancel the queries still running in one of the benchmark's databases: gunicorn's
        timeout ends a worker, not its query, which would go on taking a core from the next
        measurement."""
        assert name in self.owned, name  # never anyone else's
        self.execute(
            "SELECT pg_cancel_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND state = 'active' AND pid <> pg_backend_pid()",
            params=(name,),
        )

    def recreate(self, name: str) -> None:
        assert name in self.owned, name  # never anyone else's
        self.execute(f'DROP DATABASE IF EXISTS "{name}"')
        self.execute(f'CREATE DATABASE "{name}"')


def keep_or_generate(
    server: PostgreSQL, name: str, articles: int, env: dict[str, str], say: Callable[[str], None]
) -> None:
    """Database `name` migrated and holding exactly `articles` synthetic articles: kept from an
    earlier run when it does, else made again and filled by the generator."""
    env = {**env, "DATABASE_URL": server.url(name)}
    have = None
    if server.exists(name):
        manage("migrate", "--no-input", "--verbosity", "0", env=env)
        have = probe("count", env)["synthetic"]
    if have == articles:
        say(f"Database {name}: already holds {have:,} synthetic articles")
        return
    say(f"Database {name}: generating {articles:,} articles")
    server.recreate(name)
    manage("migrate", "--no-input", "--verbosity", "0", env=env)
    generate(articles, env)
    # Planner statistics once, after the bulk load; a kept database has them already
    # (ANALYZE of the search expression indexes takes most of a minute at 100,000).
    server.execute("VACUUM ANALYZE", name)
