import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from articles.management.commands.bootstrap_local import bootstrap_local_site
from articles.models import Article

pytestmark = pytest.mark.django_db


def test_first_run_seeds_the_articles_and_creates_one_editor():
    result = bootstrap_local_site()

    assert result.seeded
    assert Article.objects.published().count() == 3
    # As the login form does: the login throttle (django-axes) needs the request.
    login = RequestFactory().post("/admin/login/")
    editor = authenticate(login, username=result.username, password=result.password)
    assert editor is not None
    assert editor.is_staff and editor.is_superuser
    assert editor.groups.filter(name="Editors").exists()


def test_second_run_changes_nothing_and_reveals_no_password():
    bootstrap_local_site()

    again = bootstrap_local_site()

    assert not again.seeded
    assert again.username == "" and again.password == ""
    assert get_user_model().objects.count() == 1
    assert Article.objects.count() == 3


def test_existing_articles_and_users_are_left_alone():
    get_user_model().objects.create_user("someone")
    from .factories import make_article

    make_article()

    result = bootstrap_local_site()

    assert not result.seeded and not result.username
    assert Article.objects.count() == 1


def test_dry_run_changes_nothing():
    result = bootstrap_local_site(dry_run=True)

    assert result.seeded and result.username == "editor"
    assert not Article.objects.exists()
    assert not get_user_model().objects.exists()


def test_command_prints_the_login_once(settings, capsys):
    settings.DEBUG = True

    call_command("bootstrap_local")
    first = capsys.readouterr().out
    call_command("bootstrap_local")
    second = capsys.readouterr().out

    assert "http://127.0.0.1:8000/admin/ as 'editor' with password" in first
    assert "password" not in second


def test_command_refuses_to_run_in_production(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="local development"):
        call_command("bootstrap_local")
    assert not get_user_model().objects.exists()
