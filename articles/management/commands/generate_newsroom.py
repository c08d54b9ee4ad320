import argparse
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from articles.synthetic import COUNTED, RealContentError, check_database, generate


def count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return number


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def share(value: str) -> float:
    number = float(value)
    if not 0 <= number <= 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1, e.g. 0.3")
    return number


def duration(seconds: float) -> str:
    """ "42s", "3m05s", "1h02m"."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class ProgressBar:
    """generate()'s progress callback: a bar per phase, redrawn in place on a terminal; elsewhere
    (a log, a pipe) one line per phase, when it is done."""

    WIDTH = 30

    def __init__(self, stdout, *, interactive=None, clock=time.monotonic):
        self.stdout, self.clock = stdout, clock
        self.interactive = stdout.isatty() if interactive is None else interactive
        self.label, self.started = None, 0.0

    def __call__(self, done: int, total: int, label: str) -> None:
        if label != self.label:
            self.label, self.started = label, self.clock()
        if not total or not (self.interactive or done == total):
            return
        elapsed = self.clock() - self.started
        filled = self.WIDTH * done // total
        bar = "#" * filled + "." * (self.WIDTH - filled)
        if done == total:
            timing = f"in {duration(elapsed)}"
        elif done:
            timing = f"ETA {duration(elapsed / done * (total - done))}"
        else:
            timing = ""
        line = f"{label:<9} [{bar}] {100 * done // total:3d}%  {done:,}/{total:,}  {timing}"
        if self.interactive:
            # Padded, so that a shorter line wipes out the end of the longer one it replaces.
            self.stdout.write(f"\r{line:<78}", ending="\n" if done == total else "")
            self.stdout.flush()
        else:
            self.stdout.write(line)


class Command(BaseCommand):
    help = (
        "Fill a benchmark database of its own with a synthetic newsroom: sections, authors, tags "
        "and articles with German translations, bylines and corrections, in bulk. Point it at a "
        "database made for the purpose and migrated, e.g. "
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench. It refuses a database "
        "holding any content it did not make itself; run again, it adds as much again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=count, default=100_000, help="Default: 100000.")
        parser.add_argument("--authors", type=count, default=2_000, help="Default: 2000.")
        parser.add_argument("--tags", type=count, default=5_000, help="Default: 5000.")
        parser.add_argument("--sections", type=count, default=20, help="Default: 20.")
        parser.add_argument(
            "--translated",
            type=share,
            default=0.3,
            help="Share of articles with a German translation. Default: 0.3.",
        )
        parser.add_argument(
            "--seed", type=int, default=0, help="The same seed writes the same text. Default: 0."
        )
        parser.add_argument(
            "--batch-size",
            type=positive,
            default=2_000,
            help="Articles per insert and transaction. Default: 2000.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be made; write nothing."
        )

    def handle(self, *args, **options):
        wanted = {kind: options[kind] for kind in ("articles", "authors", "tags", "sections")}
        database = f"{connection.settings_dict['NAME']} ({connection.vendor})"
        try:
            check_database()
        except RealContentError as error:
            raise CommandError(f"{database}: {error}") from error

        if options["dry_run"]:
            translations = round(wanted["articles"] * options["translated"])
            self.stdout.write(
                f"Would make in {database}: "
                + ", ".join(f"{number:,} {kind}" for kind, number in wanted.items())
                + f", about {translations:,} German translations. Nothing was written."
            )
            return

        self.stdout.write(f"Generating a synthetic newsroom in {database}…")
        started = time.monotonic()
        # Not one transaction around it all: generate() commits batch by batch, so a run of
        # 100,000 articles neither holds one huge transaction nor loses everything on Ctrl-C.
        try:
            made = generate(
                **wanted,
                translated=options["translated"],
                seed=options["seed"],
                batch_size=options["batch_size"],
                progress=ProgressBar(self.stdout),
            )
        except (RealContentError, ValueError) as error:
            raise CommandError(str(error)) from error
        summary = ", ".join(f"{made[kind]:,} {kind}" for kind in COUNTED)
        self.stdout.write(
            self.style.SUCCESS(f"Made {summary} in {duration(time.monotonic() - started)}.")
        )
