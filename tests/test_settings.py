"""Settings come from the environment; each case runs in a fresh interpreter to read them anew."""

import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management.utils import get_random_secret_key

PRODUCTION_KEY = get_random_secret_key()


def run_python(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run `python -c ...` in the project with only the given settings variables set."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    return subprocess.run(
        [sys.executable, "-c", *args],
        cwd=settings.BASE_DIR,
        env={**environment, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def read_settings(*names: str, **env: str) -> dict:
    code = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'newsroom.settings'\n"
        "from django.conf import settings\n"
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {names!r}}}, default=str))"
    )
    result = run_python(code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    code = "import sys; from manage import main; sys.argv = ['manage.py', *sys.argv[1:]]; main()"
    return run_python(code, *args, **env)


def test_check_deploy_is_clean_with_debug_off_and_a_real_key():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", DJANGO_SECRET_KEY=PRODUCTION_KEY
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_a_missing_secret_key_with_debug_off_is_a_clear_error():
    # As the site starts in production (newsroom.wsgi). `manage.py` in a checkout where
    # `python3 -m newsroom run` made a local key uses that one: tests/test_readme_commands.py.
    result = run_python(
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'newsroom.settings'\n"
        "import django; django.setup()"
    )

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off" in result.stderr


def test_debug_is_off_unless_asked_for():
    assert read_settings("DEBUG", DJANGO_SECRET_KEY=PRODUCTION_KEY)["DEBUG"] is False
    assert read_settings("DEBUG", DJANGO_DEBUG="true")["DEBUG"] is True


def test_a_malformed_boolean_is_a_clear_error():
    result = manage("check", DJANGO_DEBUG="perhaps")

    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false, not 'perhaps'" in result.stderr


HTTPS_SETTINGS = (
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
)


def test_https_hardening_is_on_by_default_in_production():
    values = read_settings(*HTTPS_SETTINGS, "SECURE_HSTS_PRELOAD", DJANGO_SECRET_KEY=PRODUCTION_KEY)

    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000


def test_plain_http_switches_off_only_the_https_settings():
    names = (*HTTPS_SETTINGS, "DEBUG", "STORAGES", "X_FRAME_OPTIONS", "SECRET_KEY", "ALLOWED_HOSTS")
    plain = read_settings(*names, DJANGO_SECRET_KEY=PRODUCTION_KEY, DJANGO_HTTPS="false")
    secure = read_settings(*names, DJANGO_SECRET_KEY=PRODUCTION_KEY)

    assert plain["SECURE_SSL_REDIRECT"] is False
    assert plain["SESSION_COOKIE_SECURE"] is False
    assert plain["SECURE_HSTS_SECONDS"] == 0
    for name in ("DEBUG", "STORAGES", "X_FRAME_OPTIONS", "SECRET_KEY", "ALLOWED_HOSTS"):
        assert plain[name] == secure[name], name


def test_hosts_and_trusted_origins_come_from_the_environment():
    values = read_settings(
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        DJANGO_SECRET_KEY=PRODUCTION_KEY,
        DJANGO_ALLOWED_HOSTS="news.example.org, www.news.example.org",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://news.example.org",
    )

    assert values["ALLOWED_HOSTS"] == ["news.example.org", "www.news.example.org"]
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://news.example.org"]
    default = read_settings("ALLOWED_HOSTS", DJANGO_SECRET_KEY=PRODUCTION_KEY)["ALLOWED_HOSTS"]
    assert "*" not in default


def test_database_defaults_to_sqlite_in_the_project_and_follows_database_url():
    default = read_settings("DATABASES", DJANGO_SECRET_KEY=PRODUCTION_KEY)["DATABASES"]["default"]
    assert default["ENGINE"] == "django.db.backends.sqlite3"
    assert default["NAME"] == str(settings.BASE_DIR / "db.sqlite3")

    postgres = read_settings(
        "DATABASES",
        DJANGO_SECRET_KEY=PRODUCTION_KEY,
        DATABASE_URL="postgres://news:pw@db.internal:5433/newsroom",
    )["DATABASES"]["default"]
    assert postgres["ENGINE"] == "newsroom.postgresql"  # Django's, with deadlines
    assert (postgres["HOST"], postgres["PORT"], postgres["NAME"]) == (
        "db.internal",
        5433,
        "newsroom",
    )


def test_postgresql_connections_run_without_jit_unless_the_url_says_otherwise():
    def options(url):
        database = read_settings("DATABASES", DJANGO_SECRET_KEY=PRODUCTION_KEY, DATABASE_URL=url)
        return database["DATABASES"]["default"].get("OPTIONS", {})

    assert options("postgres://news@db/newsroom")["options"].startswith("-c jit=off")
    assert options("postgres://news@db/newsroom?options=-c%20statement_timeout%3D9000")[
        "options"
    ] == ("-c statement_timeout=9000 -c jit=off")
    assert options("postgres://news@db/newsroom?options=-c%20jit%3Don")["options"].startswith(
        "-c jit=on"
    )
    assert "options" not in options("sqlite:///db.sqlite3")


def test_postgresql_connections_and_statements_have_deadlines_the_environment_can_change():
    def options(**env):
        database = read_settings(
            "DATABASES",
            DJANGO_SECRET_KEY=PRODUCTION_KEY,
            DATABASE_URL="postgres://news@db/newsroom",
            **env,
        )
        return database["DATABASES"]["default"]["OPTIONS"]

    default = options()
    assert default["connect_timeout"] == 3
    assert "-c statement_timeout=5000" in default["options"]
    assert default["answer_timeout"] == 6  # a frozen server is given up a second later

    chosen = options(DJANGO_DB_CONNECT_TIMEOUT="5", DJANGO_DB_STATEMENT_TIMEOUT="20")
    assert chosen["connect_timeout"] == 5
    assert "-c statement_timeout=20000" in chosen["options"]
    assert chosen["answer_timeout"] == 21

    unlimited = options(DJANGO_DB_STATEMENT_TIMEOUT="0")
    assert "statement_timeout" not in unlimited["options"]
    assert "answer_timeout" not in unlimited


def test_a_connection_pool_replaces_persistent_connections_when_asked_for():
    database = read_settings(
        "DATABASES",
        DJANGO_SECRET_KEY=PRODUCTION_KEY,
        DATABASE_URL="postgres://news@db/newsroom",
        DJANGO_DB_POOL="true",
        DJANGO_DB_POOL_SIZE="8",
    )["DATABASES"]["default"]

    assert database["CONN_MAX_AGE"] == 0
    assert database["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 8, "timeout": 10}


@pytest.mark.postgresql_only
def test_the_site_answers_queries_through_the_connection_pool():
    url = settings.DATABASES["default"]
    database_url = f"postgres://{url['USER']}@{url['HOST']}:{url['PORT']}/postgres"
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'newsroom.settings'\n"
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "for _ in range(3):\n"
        "    with connection.cursor() as cursor:\n"
        "        cursor.execute('SELECT 1'); print(cursor.fetchone()[0])\n"
        "    connection.close()\n"
        "print(type(connection.pool).__name__)"
    )
    result = run_python(
        code, DJANGO_SECRET_KEY=PRODUCTION_KEY, DATABASE_URL=database_url, DJANGO_DB_POOL="true"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "1", "1", "ConnectionPool"]


def test_without_redis_url_the_cache_is_files_every_worker_on_the_machine_shares():
    caches = read_settings("CACHES", DJANGO_SECRET_KEY=PRODUCTION_KEY)["CACHES"]
    # Django's file cache, counting its entries now and then (newsroom/cache_backends.py).
    assert caches["default"]["BACKEND"] == "newsroom.cache_backends.FileCache"


def test_redis_url_makes_redis_the_cache_and_it_round_trips():
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'newsroom.settings'\n"
        "import django; django.setup()\n"
        "from django.core.cache import caches\n"
        "cache = caches['default']\n"
        "cache.set('newsroom-test', 'kept', 30)\n"
        "print(type(cache).__name__, cache.get('newsroom-test'))\n"
        "cache.delete('newsroom-test')"
    )
    result = run_python(
        code, DJANGO_SECRET_KEY=PRODUCTION_KEY, REDIS_URL="redis://127.0.0.1:6379/15"
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["RedisCache", "kept"]


def test_env_example_lists_every_variable_the_settings_read():
    source = (settings.BASE_DIR / "newsroom" / "settings.py").read_text()
    read = set(re.findall(r'env_(?:bool|list|int)\("([A-Z_]+)"', source))
    read |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', source))
    example = (settings.BASE_DIR / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE))

    assert "DJANGO_SECRET_KEY" in read and "DATABASE_URL" not in read  # read via dj-database-url
    assert read | {"DATABASE_URL"} == listed
