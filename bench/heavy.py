"""What one request can cost: a huge body previewed, an article saved with thousands of tags,
a phrase searched in a huge published article.

    .venv/bin/python bench/heavy.py [--smoke] [--json PATH]

On SQLite and on a PostgreSQL cluster of its own (initdb in a temporary directory), each with
the site under gunicorn (2 sync workers, debug off, gunicorn's 30 s worker timeout, as in
production), it stores one published article of --article-mb MB and --long-reads of
--long-read-mb MB (written straight into the database, as articles from before the body limit
would be; the words of the phrase searched are everywhere in them, side by side only once,
which is what makes PostgreSQL's ts_headline slow), then times, over HTTP on 127.0.0.1, each
request bounded at 60 s on the client's side:

- an editor's Markdown preview of a body of --preview-mb MB, sent as the desk sends it;
- an editor saving a new draft with --tags tags;
- an anonymous reader's phrase search that matches every one of those articles.

A request passes when it is answered with anything but a 5xx within gunicorn's timeout; what
it answered (the desk's error, the number of results) is recorded. Exits 1 if one fails.
Every process it starts, it stops.
"""

import argparse
import json
import re
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from desk import CSRF_FIELD, Editor, _FormReader
from servers import Gunicorn
from services import (
    REPO,
    PostgresCluster,
    commit,
    finish,
    machine,
    manage,
    prepare_site,
    site_environment,
)

EDITOR = ("heavy", "a-heavy-input-password")
PHRASE = '"council approved"'
TIMEOUT = 60
GUNICORN_TIMEOUT = 30

SETUP = """
import random
from datetime import timedelta
from django.utils import timezone
from articles.models import Article, Section, Status
from articles.synthetic.text import ADJECTIVES, NOUNS, TAILS, VERBS
rng = random.Random(0)

def body(megabytes):
    # The phrase searched for, once, at the start (PostgreSQL's full-text search matches a
    # phrase only within a text's first 16,383 words): its words are everywhere, side by side
    # only here.
    paragraphs, length = ["The council approved the plan."], 0
    while length < megabytes * 1_000_000:
        paragraph = " ".join(
            f"The {{rng.choice(ADJECTIVES)}} {{rng.choice(NOUNS)}} {{rng.choice(VERBS)}} the "
            f"{{rng.choice(NOUNS)}} {{rng.choice(TAILS)}}." for _ in range(6)
        )
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
    return "\\n\\n".join(paragraphs)

section = Section.objects.create(name="Long reads", slug="long-reads")
now = timezone.now()
sizes = [{mb}] + [{long_read_mb}] * {long_reads}
# bulk_create: no model validation, as for rows stored before the body limit existed.
Article.objects.bulk_create([Article(
    headline=f"Long read {{n}}", slug=f"long-read-{{n}}", section=section, language="en",
    body=body(size), body_html="<p>(long)</p>", status=Status.PUBLISHED,
    published_at=now - timedelta(minutes=n), unsigned=True,
) for n, size in enumerate(sizes)])
print(section.pk)
"""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="bench/heavy.py", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="Small inputs, SQLite only (CI).")
    parser.add_argument("--article-mb", type=float, default=2.0)
    parser.add_argument("--preview-mb", type=float, default=2.4)
    parser.add_argument("--tags", type=int, default=3000)
    parser.add_argument(
        "--long-reads", type=int, default=20, help="Articles of --long-read-mb MB besides."
    )
    parser.add_argument("--long-read-mb", type=float, default=0.2)
    parser.add_argument(
        "--databases", default="sqlite,postgresql", help="Comma-separated: sqlite, postgresql."
    )
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    args = parser.parse_args(argv)
    if args.smoke:
        args.article_mb, args.preview_mb, args.tags, args.databases = 0.3, 0.3, 60, "sqlite"
        args.long_reads, args.long_read_mb = 2, 0.05
    args.databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    if not set(args.databases) <= {"sqlite", "postgresql"}:
        parser.error("--databases takes sqlite and postgresql.")
    return args


STARTED = time.monotonic()


def say(message: str) -> None:
    sys.stdout.write(f"[{time.monotonic() - STARTED:5.1f}s] {message}\n")
    sys.stdout.flush()


def timed(call) -> dict:
    started = time.monotonic()
    try:
        status, text = call()
    except (TimeoutError, urllib.error.URLError, OSError) as error:
        status, text = None, f"no answer ({error})"
    seconds = round(time.monotonic() - started, 2)
    return {
        "status": status,
        "seconds": seconds,
        "answer": text,
        "ok": status is not None and status < 500 and seconds < GUNICORN_TIMEOUT,
    }


def errors_in(page: str) -> str:
    found = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.S)
    return " ".join(" ".join(re.sub(r"<[^>]+>", " ", error).split()) for error in found)[:300]


def preview(editor: Editor, megabytes: float):
    _status, _headers, page = editor.request("/admin/articles/article/add/")
    token = CSRF_FIELD.search(page).group(1)
    sentence = "A sentence of a very long body, *with* some [Markdown](https://example.org). "
    text = sentence * int(megabytes * 1_000_000 / len(sentence))

    def call():
        # As the desk's script sends it: multipart form data (FormData), the token in a header.
        boundary = "heavy-bench-boundary"
        data = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n{text}\r\n'
            f"--{boundary}--\r\n"
        ).encode()
        status, _headers, answer = editor.request(
            "/admin/articles/article/markdown-preview/",
            data=data,
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "X-CSRFToken": token,
            },
        )
        try:
            answer = json.loads(answer).get("error") or "rendered"
        except ValueError:
            answer = answer[:120]
        return status, answer

    return timed(call)


def save_with_tags(editor: Editor, section: int, tags: int):
    _status, _headers, page = editor.request("/admin/articles/article/add/")
    reader = _FormReader("article_form")
    reader.feed(page)
    fields = reader.fields
    names = ", ".join(f"topic {n}" for n in range(tags))
    filled = {
        "headline": "Tagged",
        "slug": "tagged",
        "body": "Text.",
        "section": str(section),
        "tags": names,
    }
    sent = [(k, v) for k, v in fields if k not in filled] + list(filled.items())

    def call():
        status, _headers, page = editor.request("/admin/articles/article/add/", sent)
        if status == 302:
            return status, "saved"
        return status, errors_in(page) or page[:120]

    return timed(call)


def phrase_search(site: str):
    def call():
        url = f"{site}/en/search/?{urllib.parse.urlencode({'q': PHRASE})}"
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
                page = response.read().decode()
                status = response.status
        except urllib.error.HTTPError as error:
            return error.code, ""
        results = len(re.findall(r'class="teaser[ "]', page))
        return status, f"{results} result(s)"

    return timed(call)


def measure(name: str, directory: Path, args) -> dict:
    postgres = None
    site = None
    try:
        if name == "postgresql":
            say("PostgreSQL: initdb and start a cluster of our own")
            postgres = PostgresCluster(directory / "postgresql", durable=False)
            postgres.create()
            postgres.start()
            database = postgres.create_database("newsroom_heavy")
        else:
            database = f"sqlite:///{directory / 'heavy.sqlite3'}"
        env = site_environment(directory, DATABASE_URL=database, DJANGO_PAGE_CACHE="false")
        say(f"{name}: migrate, accounts, a published article of {args.article_mb} MB")
        prepare_site(env, [EDITOR])
        section = int(
            manage(
                env,
                "shell",
                "-c",
                SETUP.format(
                    mb=args.article_mb, long_reads=args.long_reads, long_read_mb=args.long_read_mb
                ),
            ).split()[-1]
        )
        site = Gunicorn(f"heavy-{name}", "newsroom.wsgi", env, cwd=REPO, log_dir=directory)
        site.start()
        site.wait_until_ready("/en/")
        editor = Editor(site.url, *EDITOR, timeout=TIMEOUT)
        if editor.log_in() != 302:
            raise RuntimeError("The editor could not log in.")
        results = {}
        say(f"{name}: preview of {args.preview_mb} MB")
        results["preview"] = preview(editor, args.preview_mb)
        say(f"{name}: save with {args.tags} tags")
        results["tags"] = save_with_tags(editor, section, args.tags)
        say(f"{name}: phrase search {PHRASE}")
        results["search"] = phrase_search(site.url)
        for what, result in results.items():
            say(f"{name}: {what}: {result}")
        return results
    finally:
        if site is not None:
            site.stop()
        if postgres is not None:
            postgres.stop()


def table(record: dict, args) -> str:
    labels = {
        "preview": f"Markdown preview of {args.preview_mb} MB (editor)",
        "tags": f"Save with {args.tags} tags (editor)",
        "search": f"Phrase search {PHRASE}: one article of {args.article_mb} MB, "
        f"{args.long_reads} of {args.long_read_mb} MB (anonymous)",
    }
    lines = [
        "| Request | Database | Status | Seconds | Answer |",
        "| --- | --- | ---: | ---: | --- |",
    ]
    for what, label in labels.items():
        for database, results in record["databases"].items():
            result = results[what]
            lines.append(
                f"| {label} | {database} | {result['status'] or '—'} | {result['seconds']} "
                f"| {result['answer']} |"
            )
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    record = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "commit": commit(),
        "smoke": args.smoke,
        "databases": {},
    }
    with tempfile.TemporaryDirectory(prefix="newsroom-heavy-") as temporary:
        directory = Path(temporary)
        directory.chmod(0o711)  # a PostgreSQL cluster inside runs as the postgres user
        for name in args.databases:
            (directory / name).mkdir()
            (directory / name).chmod(0o711)
            record["databases"][name] = measure(name, directory / name, args)
    results = [r for by_request in record["databases"].values() for r in by_request.values()]
    record["ok"] = all(result["ok"] for result in results)
    return finish(record, table(record, args), args.json)


if __name__ == "__main__":
    sys.exit(main())
