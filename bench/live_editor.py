"""The live newsroom's editor: every --interval seconds, an edit of a published article's body
through the editorial actions, as a save at the desk makes it, taking turns between one of the
hottest articles and one of the long tail.

    DATABASE_URL=… DJANGO_CACHE_DIR=… python bench/live_editor.py --user live-editor \\
        --hot 12,13 --tail 40,41 [--interval 3] [--seed 0]

bench/live.py runs it with the servers' own environment (same database, same cache), so the
page cache its saves renew is theirs. No worker is needed: the page cache is renewed by the
save itself, and with no CDN configured a save stores no purge job. It prints "ready" once
set up, then one line of JSON per save, and stops after the save under way at SIGTERM or
SIGINT.
"""

import argparse
import json
import os
import random
import re
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
USERNAME = "live-editor"
# The paragraph each save writes at the end of the body, replacing the one before.
LINE = "Updated by the live newsroom benchmark: save {number} at {moment}."
LINE_PATTERN = re.compile(r"\n*Updated by the live newsroom benchmark: save \d+ at [^\n]*\.\s*\Z")


def revised(body: str, number: int, moment: datetime) -> str:
    """`body` with its last benchmark line, if any, replaced by the line of save `number`."""
    line = LINE.format(number=number, moment=moment.strftime("%H:%M:%S UTC"))
    return f"{LINE_PATTERN.sub('', body).rstrip()}\n\n{line}"


def save_once(pk: int, user, number: int):
    """Edit article `pk`'s body as `user`, through editorial.edit(): locked, version-checked,
    recorded and announced like a save at the desk. Returns the article as saved."""
    from articles import editorial
    from articles.models import Article

    body, version = Article.objects.values_list("body", "version").get(pk=pk)
    new_body = revised(body, number, datetime.now(UTC))
    return editorial.edit(Article, pk, user, seen_version=version, body=new_body)


def ensure_editor(username: str = USERNAME):
    """A staff account in the Editors group, made the first time."""
    from django.contrib.auth.models import Group, User

    user, made = User.objects.get_or_create(username=username, defaults={"is_staff": True})
    if made:
        user.set_unusable_password()
        user.save()
        user.groups.add(Group.objects.get(name="Editors"))
    return user


def run(hot: list[int], tail: list[int], interval: float, seed: int, stop: threading.Event):
    from django.core.exceptions import ValidationError

    from articles import editorial

    user = ensure_editor()
    rng = random.Random(seed)
    write({"ready": True, "user": user.username})
    number = 0
    due = time.monotonic()
    while not stop.is_set():
        number += 1
        group = "hot" if number % 2 else "tail"
        pk = rng.choice(hot if group == "hot" or not tail else tail)
        started = time.monotonic()
        record = {"save": number, "article": pk, "group": group}
        try:
            article = save_once(pk, user, number)
        except (editorial.Conflict, editorial.WorkflowError, ValidationError) as error:
            record.update(outcome="refused", error=str(error))
        else:
            record.update(outcome="saved", version=article.version)
        record.update(
            seconds=round(time.monotonic() - started, 3), at=datetime.now(UTC).isoformat()
        )
        write(record)
        due += interval
        stop.wait(max(0.0, due - time.monotonic()))


def write(record: dict) -> None:
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def pks(text: str) -> list[int]:
    return [int(pk) for pk in text.split(",") if pk]


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="bench/live_editor.py", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--hot", type=pks, required=True, help="primary keys, comma-separated")
    parser.add_argument("--tail", type=pks, default=[], help="primary keys, comma-separated")
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between saves")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    run(args.hot, args.tail, args.interval, args.seed, stop)


if __name__ == "__main__":
    main()
