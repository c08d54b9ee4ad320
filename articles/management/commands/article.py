"""Take an editorial step on an article from the command line, through the same editorial
actions the desk uses: the workflow's rules and the user's permissions apply, the step is
recorded with who and when, and it is in the article's history.

    manage.py article publish china-eloquent-silence-kim-putin --user editor
    manage.py article publish budget-2027 --user editor --at 2026-12-24T06:00
    manage.py article withdraw budget-2027 --user editor
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from articles import editorial
from articles.models import Article
from articles.validators import validate_moment

STEPS = {
    "submit": editorial.submit,
    "publish": editorial.publish,
    "unpublish": editorial.unpublish,
    "withdraw": editorial.withdraw,
}


def take_step(step: str, slug: str, username: str, at=None, dry_run: bool = False) -> Article:
    """Take `step` on the article with `slug` as the staff user `username`; CommandError if
    the article, the user or the step is refused."""
    try:
        user = get_user_model().objects.get(username=username, is_active=True, is_staff=True)
    except get_user_model().DoesNotExist:
        raise CommandError(f"There is no active staff user {username!r}.") from None
    pk = Article.objects.filter(slug=slug).values_list("pk", flat=True).first()
    if pk is None:
        raise CommandError(f"There is no article with the slug {slug!r}.")
    options = {"at": at} if step == "publish" else {}
    try:
        with transaction.atomic():
            article = STEPS[step](Article, pk, user, **options)
            if dry_run:
                transaction.set_rollback(True)
    except editorial.WorkflowError as error:
        raise CommandError(f"Refused: {error}") from None
    return article


def aware_datetime(value: str):
    moment = parse_datetime(value)
    if moment is None:
        raise CommandError(f"Give the time as YYYY-MM-DDTHH:MM, not {value!r}.")
    try:
        validate_moment(moment)
    except ValidationError as error:
        raise CommandError(" ".join(error.messages)) from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = (
        "Submit, publish (now or at a time), unpublish or withdraw an article, as a staff user, "
        "through the desk's editorial actions."
    )

    def add_arguments(self, parser):
        parser.add_argument("step", choices=sorted(STEPS))
        parser.add_argument("slug", help="the article's slug")
        parser.add_argument("--user", required=True, help="the staff user taking the step")
        parser.add_argument(
            "--at", help="publish: the publication time (site time zone unless given)"
        )
        parser.add_argument("--dry-run", action="store_true", help="check the step, change nothing")

    def handle(self, *args, step, slug, user, at=None, dry_run=False, **options):
        when = aware_datetime(at) if at else None
        if when is not None and step != "publish":
            raise CommandError("--at is for publish only.")
        article = take_step(step, slug, user, at=when, dry_run=dry_run)
        state = article.publication_state.label
        done = "Would be" if dry_run else "Now"
        self.stdout.write(self.style.SUCCESS(f"{done} {state.lower()}: {article.headline}"))
