"""A synthetic newsroom for benchmarks: sections, authors, tags and articles, made in bulk.

`generate()` fills a database of its own (e.g. DATABASE_URL=postgres://…/newsroom_bench) with
made-up but realistically shaped content: headlines of 6–14 words, bodies of 400–1,500 words in
6–20 Markdown paragraphs with a few subheadings, 1–3 bylines (a few articles unsigned), 2–8 tags
of Zipf-like popularity, German translations, corrections, and a few drafts, articles in review,
scheduled and withdrawn ones so that the publication gates have something to keep out.

Everything it makes has a slug starting with "synthetic-", and it refuses to run on a database
holding any section, author, tag, article or translation without that mark: it never writes
next to real content. Running it again adds as much again (slugs are numbered on from what is
there); with no new sections, authors or tags asked for, new articles use the existing ones.

Inserts are bulk_create() in batches, one transaction per batch, so signals do not run: what the
pre_save and post_save signals would derive (reader HTML, summaries, digests, a translation's
source, an article's "updated" time after a correction) is derived here, by the models' own
refresh_derived_fields(), and each batch, once committed, makes cached pages out of date as the
post_save signals would. The same seed makes the same text, whatever the batch size.
"""

import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from itertools import accumulate

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag

from .. import cache
from ..models import (
    REVISING_KINDS,
    Article,
    ArticleTranslation,
    Author,
    Byline,
    BylineRole,
    Correction,
    CorrectionKind,
    Section,
    SectionTranslation,
    Status,
    TaggedArticle,
)
from .text import (
    ADJECTIVES,
    CORRECTION_TEXTS,
    FIRST_NAMES,
    JOB_TITLES,
    NOUNS,
    PLACES,
    SECTION_NAMES,
    SURNAMES,
    TextMaker,
)

PREFIX = "synthetic-"
TRANSLATION_LANGUAGE = "de"

Progress = Callable[[int, int, str], None]


class RealContentError(Exception):
    """The database holds content this generator did not make; it writes nothing there."""


CONTENT_MODELS = (
    (Article, "articles"),
    (ArticleTranslation, "translations"),
    (Section, "sections"),
    (Author, "authors"),
    (Tag, "tags"),
)


def check_database() -> None:
    """Raise RealContentError unless every section, author, tag, article and translation in the
    database was made by this generator (an empty database passes)."""
    found = [
        label
        for model, label in CONTENT_MODELS
        if model.objects.exclude(slug__startswith=PREFIX).exists()
    ]
    if found:
        raise RealContentError(
            f"This database holds real content ({', '.join(found)} not made by the generator); "
            "it writes only into a database of its own, e.g. "
            "DATABASE_URL=postgres://…/newsroom_bench."
        )


# Generation -------------------------------------------------------------------------------------

STATUSES = [  # (status, scheduled, weight in thousandths)
    (Status.PUBLISHED, False, 940),
    (Status.DRAFT, False, 20),
    (Status.IN_REVIEW, False, 15),
    (Status.PUBLISHED, True, 15),
    (Status.WITHDRAWN, False, 10),
]
ARCHIVE_DAYS = 5 * 365
UNSIGNED_SHARE = 0.04
NO_STANDFIRST_SHARE = 0.05
CORRECTED_SHARE = 0.03
UNFINISHED_TRANSLATION_SHARE = 0.05
TRANSLATOR_SHARE = 0.5
COUNTED = ("sections", "authors", "tags", "articles", "translations", "bylines", "taggings",
           "corrections")  # fmt: skip


def _slug(serial: int, text: str, width: int = 7, max_length: int = 250) -> str:
    return f"{PREFIX}{serial:0{width}d}-{slugify(text)}"[:max_length].rstrip("-")


def _next_serial(model) -> int:
    """One more than the highest number in the model's synthetic slugs (they are zero-padded)."""
    last = (
        model.objects.filter(slug__startswith=PREFIX)
        .order_by("-slug")
        .values_list("slug", flat=True)
        .first()
    )
    number = last.removeprefix(PREFIX).split("-")[0] if last else ""
    return int(number) + 1 if number.isdigit() else 1


def _zipf(count: int, exponent: float) -> list[float]:
    """Cumulative weights for random.choices: the item at rank r is drawn ~ 1 / r**exponent."""
    return list(accumulate(1 / rank**exponent for rank in range(1, count + 1)))


@contextmanager
def _batch():
    """One transaction; once it commits, cached pages are out of date. Bulk inserts send no
    post_save, so this tells the fan-out what signals.py would have."""
    with transaction.atomic():
        yield
        cache.everything_changed()


def _batches(total: int, size: int):
    for start in range(0, total, size):
        yield start, min(size, total - start)


def _make_sections(count, batch_size, progress):
    if not count:
        return []
    taken = {name.lower() for name in Section.objects.values_list("name", flat=True)}
    taken |= set(Section.objects.values_list("slug", flat=True))
    position = (
        Section.objects.order_by("-position").values_list("position", flat=True).first()
    ) or 0
    names, round_ = [], 1
    while len(names) < count:
        for english, german in SECTION_NAMES:
            suffix = f" {round_}" if round_ > 1 else ""
            name, slug = f"{english}{suffix}", f"{PREFIX}{slugify(english + suffix)}"
            if len(names) < count and name.lower() not in taken and slug not in taken:
                names.append((name, slug, f"{german}{suffix}"))
        round_ += 1
    sections, localizations = [], []
    for name, slug, german in names:
        position += 1
        section = Section(
            name=name,
            slug=slug,
            position=position,
            description=f"News, analysis and comment from our {name.lower()} desk.",
        )
        sections.append(section)
        localizations.append(
            SectionTranslation(
                section=section, language=TRANSLATION_LANGUAGE, name=german, description=""
            )
        )
    with _batch():
        Section.objects.bulk_create(sections, batch_size=batch_size)
        SectionTranslation.objects.bulk_create(localizations, batch_size=batch_size)
    progress(count, count, "sections")
    return [section.pk for section in sections]


def _make_authors(count, rng, batch_size, progress):
    serial, ids = _next_serial(Author), []
    progress(0, count, "authors")
    for done, size in _batches(count, batch_size):
        authors = []
        for _number in range(size):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
            authors.append(
                Author(
                    name=name,
                    slug=_slug(serial, name, width=6, max_length=200),
                    job_title=rng.choice(JOB_TITLES),
                    bio=f"{name} reports on the {rng.choice(NOUNS)} and the "
                    f"{rng.choice(NOUNS)} from {rng.choice(PLACES)}.",
                )
            )
            serial += 1
        with _batch():
            Author.objects.bulk_create(authors, batch_size=batch_size)
        ids += [author.pk for author in authors]
        progress(done + size, count, "authors")
    return ids


def _make_tags(count, rng, batch_size, progress):
    if not count:
        return []
    taken = {name.lower() for name in Tag.objects.values_list("name", flat=True)}
    taken |= set(Tag.objects.values_list("slug", flat=True))
    nouns = sorted(set(NOUNS))
    candidates = nouns + [
        f"{modifier} {noun}" for modifier in ADJECTIVES + PLACES for noun in nouns
    ]
    rng.shuffle(candidates)
    tags, round_ = [], 1
    max_length = Tag._meta.get_field("slug").max_length
    while len(tags) < count:
        for candidate in candidates:
            name = f"{candidate} {round_}" if round_ > 1 else candidate
            slug = f"{PREFIX}{slugify(name)}"[:max_length]
            if name.lower() in taken or slug in taken:
                continue
            taken |= {name.lower(), slug}
            tags.append(Tag(name=name, slug=slug))
            if len(tags) == count:
                break
        round_ += 1
    progress(0, count, "tags")
    for done, size in _batches(count, batch_size):
        with _batch():
            Tag.objects.bulk_create(tags[done : done + size], batch_size=batch_size)
        progress(done + size, count, "tags")
    return [tag.pk for tag in tags]


def _existing(model) -> list[int]:
    return list(
        model.objects.filter(slug__startswith=PREFIX).order_by("pk").values_list("pk", flat=True)
    )


class ArticleMaker:
    """One article at a time, with its translation, bylines, tags and corrections.

    Text, relations and dates come from separate random streams, so that the same seed writes
    the same headlines whatever the number of authors or tags.
    """

    def __init__(self, seed, *, sections, authors, tags, translated, now):
        self.english = TextMaker(random.Random(f"{seed}:articles"))
        self.german = TextMaker(random.Random(f"{seed}:translations"), "de")
        self.rng = random.Random(f"{seed}:relations")
        self.sections, self.authors, self.tags = sections, authors, tags
        self.author_weights = _zipf(len(authors), 0.5)
        self.tag_weights = _zipf(len(tags), 0.7)
        self.translated, self.now = translated, now
        self.status_weights = list(accumulate(weight for *_state, weight in STATUSES))

    def article(self, serial: int) -> tuple[Article, dict]:
        rng, text = self.rng, self.english
        headline, standfirst, body = text.headline(), text.standfirst(), text.body()
        if rng.random() < NO_STANDFIRST_SHARE:
            standfirst = ""
        status, scheduled, _weight = rng.choices(STATUSES, cum_weights=self.status_weights)[0]
        published_at = None
        if scheduled:
            published_at = self.now + timedelta(hours=rng.uniform(1, 14 * 24))
        elif status in (Status.PUBLISHED, Status.WITHDRAWN):
            published_at = self.now - timedelta(days=rng.uniform(0.01, ARCHIVE_DAYS))
        article = Article(
            headline=headline,
            slug=_slug(serial, headline),
            standfirst=standfirst,
            body=body,
            section_id=rng.choice(self.sections),
            language="en",
            status=status,
            published_at=published_at,
            unsigned=not self.authors or rng.random() < UNSIGNED_SHARE,
            version=1,
        )
        extras = {
            "bylines": [] if article.unsigned else self._bylines(),
            "tags": self._tags(),
            "corrections": self._corrections(article),
            "translation": self._translation(article, serial) or (None, []),
        }
        revisions = [c.noted_at for c in extras["corrections"] if c.kind in REVISING_KINDS]
        # What the post_save signal on Correction would have set.
        article.revised_at = max(revisions, default=None)
        article.refresh_derived_fields()
        return article, extras

    def _bylines(self):
        rng = self.rng
        wanted = min(rng.choices([1, 2, 3], weights=[70, 22, 8])[0], len(self.authors))
        chosen: list[int] = []
        while len(chosen) < wanted:
            author = rng.choices(self.authors, cum_weights=self.author_weights)[0]
            if author not in chosen:
                chosen.append(author)
        others = [BylineRole.REPORTER, BylineRole.CONTRIBUTOR, BylineRole.PHOTOGRAPHER]
        roles = [BylineRole.REPORTER, *rng.choices(others, weights=[6, 2, 2], k=wanted - 1)]
        return list(zip(chosen, roles, strict=True))

    def _tags(self):
        rng = self.rng
        wanted = min(rng.randint(2, 8), len(self.tags))
        chosen: dict[int, None] = {}
        while len(chosen) < wanted:
            for tag in rng.choices(self.tags, cum_weights=self.tag_weights, k=wanted):
                chosen[tag] = None
        return list(chosen)[:wanted]

    def _corrections(self, article):
        rng = self.rng
        live = article.published_at is not None and article.published_at < self.now
        if not live or rng.random() >= CORRECTED_SHARE:
            return []
        corrections = []
        for _number in range(rng.choice([1, 1, 2])):
            kind = rng.choice(list(CorrectionKind))
            later = rng.uniform(
                0, min(30 * 86_400, (self.now - article.published_at).total_seconds())
            )
            numbers = rng.sample(range(2, 500), 2)
            text = CORRECTION_TEXTS[kind].format(noun=rng.choice(NOUNS), n=numbers[0], m=numbers[1])
            correction = Correction(
                kind=kind, text=text, noted_at=article.published_at + timedelta(seconds=later)
            )
            correction.refresh_derived_fields()
            corrections.append(correction)
        return corrections

    def _translation(self, article, serial):
        rng, text = self.rng, self.german
        if rng.random() >= self.translated:
            return None
        headline = text.headline()
        status = Status.PUBLISHED if article.published_at else Status.DRAFT
        if rng.random() < UNFINISHED_TRANSLATION_SHARE:
            status = rng.choice([Status.DRAFT, Status.IN_REVIEW])
        translation = ArticleTranslation(
            language=TRANSLATION_LANGUAGE,
            headline=headline,
            slug=_slug(serial, headline),
            standfirst=text.standfirst() if article.standfirst else "",
            body=text.body(),
            status=status,
            is_stale=False,
            version=1,
        )
        # Rendered now, in the building thread; record_source() follows once the article is saved.
        translation.refresh_derived_fields()
        translators = (
            [rng.choice(self.authors)] if self.authors and rng.random() < TRANSLATOR_SHARE else []
        )
        return translation, translators


def _save_articles(made, batch_size):
    """Insert one batch of articles and everything hanging off them; counts of rows made."""
    articles = [article for article, _extras in made]
    Article.objects.bulk_create(articles, batch_size=batch_size)
    bylines, tagged, corrections, translations, translators = [], [], [], [], []
    Translators = ArticleTranslation.translators.through
    for article, extras in made:
        bylines += [
            Byline(article=article, author_id=author, role=role, position=position)
            for position, (author, role) in enumerate(extras["bylines"])
        ]
        tagged += [TaggedArticle(content_object=article, tag_id=tag) for tag in extras["tags"]]
        for correction in extras["corrections"]:
            correction.article = article
            corrections.append(correction)
        translation, translator_ids = extras["translation"]
        if translation is not None:
            translation.article = article
            # What refresh_derived_fields() does for a translation of a saved article.
            translation.record_source()
            translations.append(translation)
            translators += [
                Translators(articletranslation=translation, author_id=author)
                for author in translator_ids
            ]
    Byline.objects.bulk_create(bylines, batch_size=batch_size)
    TaggedArticle.objects.bulk_create(tagged, batch_size=batch_size)
    Correction.objects.bulk_create(corrections, batch_size=batch_size)
    ArticleTranslation.objects.bulk_create(translations, batch_size=batch_size)
    Translators.objects.bulk_create(translators, batch_size=batch_size)
    return {
        "articles": len(articles),
        "translations": len(translations),
        "bylines": len(bylines),
        "taggings": len(tagged),
        "corrections": len(corrections),
    }


def generate(
    *,
    articles: int = 100_000,
    authors: int = 2_000,
    tags: int = 5_000,
    sections: int = 20,
    translated: float = 0.3,
    seed: int = 0,
    batch_size: int = 2_000,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> dict[str, int]:
    """Fill the database with a synthetic newsroom; returns the number of rows made per kind.

    Raises RealContentError (and writes nothing) if the database holds content not made here,
    and ValueError for impossible arguments.
    """
    if min(articles, authors, tags, sections) < 0 or batch_size < 1:
        raise ValueError("Counts cannot be negative and the batch size must be at least 1.")
    if not 0 <= translated <= 1:
        raise ValueError("The translated share must be between 0 and 1.")
    progress = progress or (lambda done, total, label: None)
    now = now or timezone.now()
    check_database()
    if articles and not sections and not Section.objects.exists():
        raise ValueError("Articles need a section: ask for at least one.")

    counts = dict.fromkeys(COUNTED, 0)
    section_ids = _make_sections(sections, batch_size, progress)
    author_ids = _make_authors(authors, random.Random(f"{seed}:authors"), batch_size, progress)
    tag_ids = _make_tags(tags, random.Random(f"{seed}:tags"), batch_size, progress)
    counts.update(sections=len(section_ids), authors=len(author_ids), tags=len(tag_ids))
    if not articles:
        return counts

    # Asked for no new ones: the new articles share those already made.
    maker = ArticleMaker(
        seed,
        sections=section_ids or _existing(Section),
        authors=author_ids or _existing(Author),
        tags=tag_ids or _existing(Tag),
        translated=translated,
        now=now,
    )
    serial = _next_serial(Article)

    def build(start, size):
        return [maker.article(serial + start + number) for number in range(size)]

    progress(0, articles, "articles")
    # A pipeline: one thread writes the next batch (pure Python, no database) while this one
    # waits on the database inserting the last, which lets go of the GIL. Batches are built
    # one after another in that one thread, so the text stays the same for a seed.
    batches = list(_batches(articles, batch_size))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="synthetic") as builder:
        next_batch = builder.submit(build, *batches[0])
        for number, (start, size) in enumerate(batches):
            made = next_batch.result()
            if number + 1 < len(batches):
                next_batch = builder.submit(build, *batches[number + 1])
            with _batch():
                for kind, count in _save_articles(made, batch_size).items():
                    counts[kind] += count
            progress(start + size, articles, "articles")
    return counts
