import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse

from articles.models import Article
from articles.roles import EDITORS

LOCAL_EDITOR_USERNAME = "editor"


@dataclass
class BootstrapResult:
    seeded: bool = False
    username: str = ""
    password: str = ""


def bootstrap_local_site(dry_run: bool = False) -> BootstrapResult:
    """Seed an empty database and create a first editor account when there is no user yet."""
    result = BootstrapResult()
    with transaction.atomic():
        if not Article.objects.exists():
            result.seeded = True
            if not dry_run:
                call_command("loaddata", "seed_articles", verbosity=0)
        User = get_user_model()
        if not User.objects.exists():
            result.username = LOCAL_EDITOR_USERNAME
            if not dry_run:
                result.password = secrets.token_urlsafe(12)
                editor = User.objects.create_superuser(
                    LOCAL_EDITOR_USERNAME, email="", password=result.password
                )
                editor.groups.add(Group.objects.get(name=EDITORS.name))
    return result


class Command(BaseCommand):
    help = (
        "For local development only (DJANGO_DEBUG=true): load the seed articles into an empty "
        "database and create an 'editor' account with a generated password, shown once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would be done.")
        parser.add_argument(
            "--site-url",
            default="http://127.0.0.1:8000",
            help="Where the site is served, for the login address it prints.",
        )

    def handle(self, *args, dry_run=False, site_url="http://127.0.0.1:8000", **options):
        login = f"{site_url.rstrip('/')}{reverse('admin:index')}"
        if not settings.DEBUG:
            raise CommandError("bootstrap_local is for local development; set DJANGO_DEBUG=true.")
        result = bootstrap_local_site(dry_run=dry_run)
        prefix = "Would have: " if dry_run else ""
        if result.seeded:
            self.stdout.write(self.style.SUCCESS(f"{prefix}Loaded the seed articles."))
        if result.username and not dry_run:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Editors log in at {login} as "
                    f"{result.username!r} with password {result.password!r}\n"
                    "This password is shown only once; change it with "
                    f"`.venv/bin/python manage.py changepassword {result.username}`."
                )
            )
        elif result.username:
            self.stdout.write(f"{prefix}Created the local account {result.username!r}.")
        else:
            self.stdout.write(
                f"Editors log in at {login} with an existing account "
                "(add one with `.venv/bin/python manage.py createsuperuser`)."
            )
