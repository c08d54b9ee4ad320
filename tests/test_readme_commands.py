"""The README's `manage.py` commands work as printed, from the shell the quick start ran in.

`python3 -m newsroom run` keeps this checkout's secret key in `.venv/.newsroom-secret-key`;
`manage.py` finds it there when DJANGO_SECRET_KEY is not set, so nothing else needs setting.
Every command the README shows is read from it and either run here, in the README's order,
against a database of the test's own, or named below with why it is not.
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from newsroom.__main__ import VENV_DIR, local_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
README = BASE_DIR / "README.md"
PREFIX = ".venv/bin/python manage.py "

# Commands that are not run here, by their first words, and why.
NOT_RUN = {
    "db_worker": "runs until stopped (tests/test_run_command.py starts and stops one)",
    "generate_newsroom": "fills a database of its own with 100,000 articles",
    "makemigrations": "a developer's command; CI runs it with --check",
    "makemessages": "a developer's command; tests/test_locale.py checks the catalogue",
    "compilemessages": "a developer's command; tests/test_locale.py checks the catalogue",
    "article publish budget-2027": "an example of an article the seed does not have",
    "article withdraw budget-2027": "an example of an article the seed does not have",
}
# What the README leaves to the reader to fill in.
PLACEHOLDERS = {"USERNAME": "editor"}


def readme_commands() -> list[str]:
    """Every `manage.py` command in README.md, in order: lines of its code blocks and its
    inline code, without comments and without the environment variables set before them."""
    text = README.read_text()
    found = []
    for line in re.findall(r"^(?:[A-Z_]+=\S+ )*(\.venv/bin/python manage\.py [^\n]+)$", text, re.M):
        found.append(line)
    for span in re.findall(r"`(?:[A-Z_]+=\S+ )*(\.venv/bin/python manage\.py [^`]+)`", text):
        found.append(span)
    ordered = sorted(set(found), key=text.index)
    return [command.split("  #")[0].split(" # ")[0].strip() for command in ordered]


def skipped_because(command: str) -> str | None:
    words = command.removeprefix(PREFIX)
    return next((why for start, why in NOT_RUN.items() if words.startswith(start)), None)


def test_the_readme_shows_the_commands_this_test_knows():
    commands = readme_commands()

    assert PREFIX + "loaddata seed_articles" in commands
    assert PREFIX + "axes_reset_username USERNAME" in commands
    assert any(command.startswith(PREFIX + "dumpdata ") for command in commands)


@pytest.fixture(scope="module")
def quick_start(tmp_path_factory):
    """A database as `python3 -m newsroom run` leaves it (migrated, seeded, an `editor`
    account), and the environment of a shell with nothing set."""
    directory = tmp_path_factory.mktemp("readme")
    local_secret_key()  # what `run` keeps for this checkout
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "NEWSROOM_")) and name != "DATABASE_URL"
    }
    # The test's own database and files; the commands find the checkout's secret key.
    env.update(
        DATABASE_URL=f"sqlite:///{directory / 'db.sqlite3'}",
        DJANGO_STATIC_ROOT=str(directory / "static"),
        DJANGO_MEDIA_ROOT=str(directory / "media"),
        DJANGO_CACHE_DIR=str(directory / "cache"),
    )
    manage(env, directory, "migrate --no-input --verbosity 0")
    manage({**env, "DJANGO_DEBUG": "true"}, directory, "bootstrap_local")
    return env, directory


def manage(env, cwd, arguments: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *shlex.split(arguments)],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"manage.py {arguments}:\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_every_readme_command_runs_from_a_shell_with_nothing_set(quick_start):
    env, directory = quick_start
    ran = []
    for command in readme_commands():
        if skipped_because(command):
            continue
        for placeholder, value in PLACEHOLDERS.items():
            command = command.replace(placeholder, value)
        arguments = command.removeprefix(PREFIX)
        extra_env = {}
        if arguments == "createsuperuser":
            # The README's createsuperuser asks its questions; without a terminal it reads them
            # from the environment.
            arguments += " --no-input"
            extra_env = {
                "DJANGO_SUPERUSER_USERNAME": "operator",
                "DJANGO_SUPERUSER_EMAIL": "operator@example.org",
                "DJANGO_SUPERUSER_PASSWORD": "a-long-operator-password",
            }
        manage({**env, **extra_env}, directory, arguments)
        ran.append(arguments.split()[0])

    assert {"loaddata", "dumpdata", "axes_reset_username", "createsuperuser", "migrate"} <= set(ran)
    assert {"flush", "prune_db_task_results", "check", "article", "collectstatic"} <= set(ran)


def test_the_password_change_the_quick_start_prints_works_too(quick_start):
    env, directory = quick_start

    result = manage(env, directory, "changepassword editor", stdin="a-new-long-password\n" * 2)

    assert "Password changed successfully for user 'editor'" in result.stdout


def test_production_still_needs_its_secret_key(tmp_path):
    """The checkout's key is for `manage.py` after `python3 -m newsroom run`; the site as
    production serves it (newsroom.wsgi) never reads it."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "NEWSROOM_"))
    }
    local_secret_key()

    result = subprocess.run(
        [sys.executable, "-c", "import newsroom.wsgi"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr
    assert (VENV_DIR / ".newsroom-secret-key").exists()


def test_check_deploy_warns_when_the_site_runs_on_the_checkouts_local_key(tmp_path):
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "NEWSROOM_"))
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    local_secret_key()

    result = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), "check", "--deploy"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert "newsroom.W001" in result.stderr + result.stdout
    assert "Set DJANGO_SECRET_KEY for production" in result.stderr + result.stdout
