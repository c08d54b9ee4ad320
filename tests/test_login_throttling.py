"""Admin logins are throttled: after 10 wrong passwords for one account from one address, that
account is refused from that address for the cool-off, the same whether or not it exists."""

import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory
from django.urls import reverse

from .factories import make_staff
from .test_production import production_site  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

LIMIT = 10


@pytest.fixture
def editor():
    return make_staff("Editors", username="ines")


def log_in(client, username, password, address="127.0.0.1", **headers):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
        **headers,
    )


def fail(client, username, times, address="127.0.0.1", **headers):
    for _ in range(times):
        response = log_in(client, username, "wrong password", address, **headers)
    return response


def is_logged_in(client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


def test_thirty_wrong_passwords_then_the_right_one_does_not_log_in(client, editor):
    fail(client, "ines", 30)

    response = log_in(client, "ines", "x")

    assert response.status_code == 429
    assert not is_logged_in(client)


def test_nine_wrong_passwords_then_the_right_one_logs_in(client, editor):
    response = fail(client, "ines", LIMIT - 1)
    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.content.decode()

    assert log_in(client, "ines", "x").status_code == 302
    assert is_logged_in(client)


def test_failures_count_in_a_row_a_successful_login_forgets_them(client, editor):
    fail(client, "ines", LIMIT - 1)
    assert log_in(client, "ines", "x").status_code == 302
    client.logout()

    assert fail(client, "ines", LIMIT - 1).status_code == 200
    assert log_in(client, "ines", "x").status_code == 302


def test_the_tenth_failure_locks_the_account_out_with_a_clear_message(client, editor):
    response = fail(client, "ines", LIMIT)

    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    page = response.content.decode()
    assert "<title>Too many failed logins" in page
    assert "after 10 failed attempts. Please try again in 15 minutes." in page
    assert 'href="/admin/login/"' in page

    refused = log_in(client, "ines", "x")
    assert refused.status_code == 429
    assert not is_logged_in(client)


def test_the_lockout_looks_the_same_whether_or_not_the_account_exists(editor):
    existing = fail(Client(), "ines", LIMIT + 1)
    missing = fail(Client(), "nobody-here", LIMIT + 1)

    assert existing.status_code == missing.status_code == 429
    assert existing.content == missing.content
    assert existing["Retry-After"] == missing["Retry-After"]


def test_other_accounts_and_other_addresses_are_not_locked_out(client, editor):
    make_staff("Editors", username="omar")
    fail(client, "ines", LIMIT)

    assert log_in(Client(), "omar", "x").status_code == 302
    assert log_in(Client(), "ines", "x", address="192.0.2.7").status_code == 302
    assert log_in(Client(), "ines", "x").status_code == 429


def test_the_lockout_ends_after_the_cool_off(client, editor):
    fail(client, "ines", LIMIT)
    assert log_in(client, "ines", "x").status_code == 429

    # Attempts older than the cool-off (15 minutes) no longer count.
    from axes.models import AccessAttempt

    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= timedelta(minutes=16)
        attempt.save()

    assert log_in(client, "ines", "x").status_code == 302
    assert is_logged_in(client)


def test_the_failure_limit_and_cool_off_are_settings(client, editor, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)

    response = fail(client, "ines", 3)

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "after 3 failed attempts. Please try again in 1 minute." in response.content.decode()


def test_the_lockout_message_is_translated(client, editor):
    response = fail(client, "ines", LIMIT, HTTP_ACCEPT_LANGUAGE="de")

    assert response.status_code == 429
    page = response.content.decode()
    assert '<html lang="de"' in page
    assert "Zu viele fehlgeschlagene Anmeldungen" in page
    assert "Bitte versuchen Sie es in 15 Minuten erneut." in page


def test_a_forwarded_for_header_is_ignored_unless_configured(client, editor):
    # Without DJANGO_CLIENT_IP_HEADER a client cannot escape the lockout by inventing addresses.
    for n in range(LIMIT):
        log_in(client, "ines", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")

    assert log_in(client, "ines", "x", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429


def test_behind_a_proxy_the_configured_header_names_the_client(client, editor, settings):
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    # The proxy appends the address it saw; whatever the client sent stays on the left.
    fail(client, "ines", LIMIT, address="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.4")

    locked = log_in(client, "ines", "x", "10.0.0.2", HTTP_X_FORWARDED_FOR="2.2.2.2, 198.51.100.4")
    other = log_in(Client(), "ines", "x", "10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.5")

    assert locked.status_code == 429
    assert other.status_code == 302


def test_a_login_path_that_forgets_the_request_fails_loudly_not_open(editor):
    """The throttle needs the request: code that authenticates without one is an error, never
    a way around the lockout."""
    from axes.exceptions import AxesBackendRequestParameterRequired

    with pytest.raises(AxesBackendRequestParameterRequired):
        authenticate(username="ines", password="x")
    assert authenticate(RequestFactory().post("/"), username="ines", password="x") == editor


def test_the_lockout_holds_across_gunicorn_workers_with_production_settings(production_site):  # noqa: F811
    """Attempts live in the database: whichever worker answers, the eleventh try is refused."""
    base, _ = production_site
    subprocess_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))},
        "DJANGO_SECRET_KEY": "x" * 60,
        "DATABASE_URL": f"sqlite:///{production_site[1].parent / 'db.sqlite3'}",
    }
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", CREATE_EDITOR],
        cwd=settings.BASE_DIR,
        env=subprocess_env,
        check=True,
        timeout=120,
    )

    def attempt(password: str) -> int:
        # A new client each time (cookies, connection), as an attacker's script would be.
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with opener.open(f"{base}/admin/login/", timeout=10) as page:
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
        data = urllib.parse.urlencode(
            {"username": "ines", "password": password, "csrfmiddlewaretoken": token[1]}
        ).encode()
        try:
            with opener.open(f"{base}/admin/login/?next=/admin/", data=data, timeout=10) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code

    statuses = [attempt("wrong password") for _ in range(LIMIT)]

    assert statuses == [200] * (LIMIT - 1) + [429]
    assert attempt("right password 1") == 429


CREATE_EDITOR = (
    "from django.contrib.auth.models import User; "
    "User.objects.create_user('ines', password='right password 1', is_staff=True)"
)


@pytest.mark.parametrize("length", [151, 255, 256, 10_000])
def test_an_overlong_username_is_an_ordinary_failed_login_not_a_server_error(
    client, editor, length
):
    response = log_in(client, "x" * length, "wrong password")

    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.text
    assert "Traceback" not in response.text
    assert not is_logged_in(client)
