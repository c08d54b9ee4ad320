"""`loaddata` loads the newsroom's content; accounts, groups, permissions and share links come
back only with a whole backup (`loaddata --restore-backup`, into an emptied database), and a
share link loaded obeys the desk's limit.

Each refused fixture below loaded with exit status 0 before: one replaced the admin's password,
one made a superuser, one left the Reporters able to publish and nothing else, one made a share
link valid until 2099.
"""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from articles.models import Article, Correction, ShareLink, SlugRedirect

from .factories import make_article
from .rows import every_row

pytestmark = pytest.mark.django_db

SEED_ARTICLE = "kim-meets-putin-china-none-of-its-business"
# The desk's longest share link (articles/admin/share.py).
MAX_SHARE_DAYS = 30


def account(username, **fields):
    return {
        "model": "auth.user",
        "fields": {
            "username": username,
            # An MD5 hash of "owned", the kind of line an attacker writes.
            "password": "md5$salt$5a42d14a30d6a7e70a8a3e0e5d3a1a3f",
            "is_superuser": True,
            "is_staff": True,
            "is_active": True,
            "date_joined": "2026-11-22T00:00:00Z",
            "groups": [],
            "user_permissions": [],
            **fields,
        },
    }


HOSTILE = {
    "the admin's password replaced": (
        [account("admin")],
        'auth.user ["admin"]',
    ),
    "a new superuser": (
        [account("mallory")],
        'auth.user ["mallory"]',
    ),
    "the Reporters group reset to publish_article only": (
        [
            {
                "model": "auth.group",
                "fields": {
                    "name": "Reporters",
                    "permissions": [["publish_article", "articles", "article"]],
                },
            }
        ],
        'auth.group ["Reporters"]',
    ),
    "a permission given to a group": (
        [
            {
                "model": "auth.permission",
                "fields": {
                    "name": "Can do anything",
                    "codename": "do_anything",
                    "content_type": ["articles", "article"],
                },
            }
        ],
        "auth.permission",
    ),
    "a share link valid until 2099": (
        [
            {
                "model": "articles.sharelink",
                "fields": {
                    "article": [SEED_ARTICLE],
                    "created_at": "2026-11-22T00:00:00Z",
                    "expires_at": "2099-01-01T00:00:00Z",
                },
            }
        ],
        "articles.sharelink",
    ),
}


@pytest.fixture
def site(admin_user):
    """The seed articles, and the account `admin` with its own password."""
    call_command("loaddata", "seed_articles", verbosity=0)
    return admin_user


def write(tmp_path, objects) -> str:
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps(objects), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(("objects", "names"), HOSTILE.values(), ids=HOSTILE.keys())
def test_a_fixture_that_is_not_content_is_refused_in_one_paragraph_and_changes_nothing(
    site, tmp_path, objects, names
):
    path = write(tmp_path, objects)
    before = every_row()

    with pytest.raises(CommandError) as refused:
        call_command("loaddata", path, verbosity=0)

    message = str(refused.value)
    assert message.startswith(f'Refused fixture "{path}", object 1 ({names}')
    assert "is not content" in message
    assert "--restore-backup" in message
    assert message.endswith("Nothing was loaded.")
    assert "\n" not in message
    assert every_row() == before
    assert User.objects.get(username="admin").check_password("password")


def test_content_after_an_account_in_the_same_file_is_not_loaded_either(site, tmp_path):
    path = write(
        tmp_path,
        [
            {"model": "articles.section", "fields": {"name": "Sport", "slug": "sport"}},
            account("mallory"),
        ],
    )
    before = every_row()

    with pytest.raises(CommandError, match="object 2"):
        call_command("loaddata", path, verbosity=0)

    assert every_row() == before


def test_corrections_and_old_addresses_are_content(site, tmp_path):
    path = write(
        tmp_path,
        [
            {
                "model": "articles.correction",
                "fields": {
                    "article": [SEED_ARTICLE],
                    "kind": "correction",
                    "text": "We misspelled a name.",
                    "noted_at": "2026-11-22T10:00:00Z",
                },
            },
            {
                "model": "articles.slugredirect",
                "fields": {
                    "article": [SEED_ARTICLE],
                    "old_slug": "kim-and-putin",
                    "created_at": "2026-11-22T10:00:00Z",
                },
            },
        ],
    )

    call_command("loaddata", path, verbosity=0)

    assert Correction.objects.get().text == "We misspelled a name."
    assert SlugRedirect.objects.get().old_slug == "kim-and-putin"


# The one way to load accounts: a whole backup, into an emptied database.


def backup(tmp_path) -> str:
    path = tmp_path / "backup.json"
    call_command(
        "dumpdata",
        "--all",
        "--natural-foreign",
        "--exclude",
        "contenttypes",
        "--exclude",
        "auth.permission",
        "--exclude",
        "sessions",
        "--output",
        str(path),
        verbosity=0,
    )
    return str(path)


def test_a_backup_with_accounts_is_restored_with_the_option_into_an_emptied_database(
    site, tmp_path
):
    path = backup(tmp_path)
    call_command("flush", "--no-input", verbosity=0)

    call_command("loaddata", "--restore-backup", path, verbosity=0)

    assert User.objects.get(username="admin").check_password("password")
    assert Article.objects.filter(slug=SEED_ARTICLE).exists()


def test_a_backup_is_not_restored_over_a_database_that_has_accounts(site, tmp_path):
    path = write(tmp_path, [account("mallory")])
    before = every_row()

    with pytest.raises(CommandError) as refused:
        call_command("loaddata", "--restore-backup", path, verbosity=0)

    message = str(refused.value)
    assert message.startswith("Refused the fixtures: ")
    assert "emptied database" in message
    assert "1 account" in message
    assert message.endswith("Nothing was loaded.")
    assert every_row() == before


# Share links: the desk's limit, whatever loads them.


def share_link(created_at, expires_at):
    return {
        "model": "articles.sharelink",
        "pk": 1,
        "fields": {
            "article": [SEED_ARTICLE],
            "created_at": created_at,
            "expires_at": expires_at,
        },
    }


def test_a_restored_share_link_longer_than_the_desk_allows_is_refused(site, tmp_path):
    path = backup(tmp_path)
    backed_up = json.loads((tmp_path / "backup.json").read_text())
    backed_up.append(share_link("2026-11-22T00:00:00Z", "2099-01-01T00:00:00Z"))
    (tmp_path / "backup.json").write_text(json.dumps(backed_up))
    call_command("flush", "--no-input", verbosity=0)
    before = every_row()

    with pytest.raises(CommandError) as refused:
        call_command("loaddata", "--restore-backup", path, verbosity=0)

    message = str(refused.value)
    assert "articles.sharelink" in message
    assert f"at most {MAX_SHARE_DAYS} days" in message
    assert every_row() == before


def test_a_restored_share_link_within_the_limit_is_loaded(site, tmp_path):
    path = backup(tmp_path)
    backed_up = json.loads((tmp_path / "backup.json").read_text())
    backed_up.append(share_link("2026-11-22T00:00:00Z", "2026-12-22T00:00:00Z"))
    (tmp_path / "backup.json").write_text(json.dumps(backed_up))
    call_command("flush", "--no-input", verbosity=0)

    call_command("loaddata", "--restore-backup", path, verbosity=0)

    link = ShareLink.objects.get()
    assert link.expires_at - link.created_at == timedelta(days=MAX_SHARE_DAYS)


@pytest.mark.django_db(transaction=True)
def test_share_links_stored_longer_than_the_limit_are_cut_to_it_by_a_migration(capsys):
    article = make_article()
    made = timezone.now() - timedelta(days=1)
    long, short = (
        ShareLink.objects.create(article=article, created_at=made),
        ShareLink.objects.create(article=article, created_at=made),
    )
    executor = MigrationExecutor(connection)
    executor.migrate([("articles", "0015_times_in_range")])
    ShareLink.objects.filter(pk=long.pk).update(expires_at=made + timedelta(days=365 * 70))
    short_expiry = ShareLink.objects.get(pk=short.pk).expires_at

    call_command("migrate", "articles", verbosity=0)

    long.refresh_from_db()
    assert long.expires_at == made + timedelta(days=MAX_SHARE_DAYS)
    assert ShareLink.objects.get(pk=short.pk).expires_at == short_expiry
    assert "1 share link valid for longer than 30 days" in capsys.readouterr().out
